#!/usr/bin/env bash
# Build the Linux bundle of River Desktop:
#
#   packaging/build_linux.sh [--venv DIR] [--dist DIR]
#
#   --venv DIR   virtualenv to build in; created when missing, and River Desktop (with its dependencies)
#                and PyInstaller are installed into it when pyproject.toml changed since the last build.
#                Default: $RIVER_BUILD_VENV, else ${TMPDIR:-/tmp}/river-desktop-build-venv.
#   --dist DIR   where the tarball goes (default: dist/ in the repository).
#
# Output: DIST/river-desktop-<version>-linux-<arch>.tar.gz (and a .sha256 beside it) holding
#
#   river-desktop-<version>-linux-<arch>/
#     river-desktop/river-desktop           the PyInstaller one-folder app (+ river-desktop/_internal/)
#     share/applications/org.freenet.RiverDesktop.desktop
#     share/icons/hicolor/{48x48,128x128,256x256}/apps/org.freenet.RiverDesktop.png
#     share/icons/hicolor/scalable/apps/org.freenet.RiverDesktop.svg
#     share/metainfo/org.freenet.RiverDesktop.metainfo.xml
#     install.sh  uninstall.sh  README.txt  VERSION
#
# Intermediate files go to build/pyinstaller/ and build/package/. Needs python3 (3.11+) with venv,
# and binutils (objdump), which PyInstaller uses on Linux.
set -euo pipefail

APP_ID=org.freenet.RiverDesktop
NAME=river-desktop
PYINSTALLER_REQ='pyinstaller>=6.10,<7'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${RIVER_BUILD_VENV:-${TMPDIR:-/tmp}/river-desktop-build-venv}"
dist="$root/dist"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="${2:?--venv needs a directory}"; shift 2 ;;
        --dist) dist="${2:?--dist needs a directory}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build_linux.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
case "$dist" in /*) ;; *) dist="$PWD/$dist" ;; esac

log() { printf '==> %s\n' "$*"; }

command -v objdump >/dev/null || { echo "build_linux.sh: objdump not found (install binutils)" >&2; exit 1; }

# 1. The build environment.
py="$venv/bin/python"
if [ ! -x "$py" ]; then
    log "creating virtualenv $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
stamp="$venv/.river-desktop-build"
want="$(cat "$root/pyproject.toml" - <<<"$PYINSTALLER_REQ" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing River Desktop and PyInstaller into $venv"
    "$py" -m pip install --quiet --disable-pip-version-check "$PYINSTALLER_REQ" "$root"
    # The frozen app reads its version from the installed metadata: refresh it unless the venv has an
    # editable install of this very checkout (a developer's venv), whose metadata is already this one.
    if ! "$py" -m pip show river-desktop 2>/dev/null | grep -qxF "Editable project location: $root"; then
        "$py" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$root"
    fi
    echo "$want" >"$stamp"
fi
version="$("$py" -c 'import importlib.metadata as m; print(m.version("river-desktop"))')"
arch="$(uname -m)"
bundle="$NAME-$version-linux-$arch"

# 2. Fail early on stale or broken resources.
"$py" "$here/render_icons.py" --check

# 3. The one-folder app.
work="$root/build/pyinstaller"
log "building $NAME $version with PyInstaller"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$work/dist" --workpath "$work/work" "$here/$NAME.spec"
app="$work/dist/$NAME"
[ -x "$app/$NAME" ] || { echo "build_linux.sh: PyInstaller produced no $app/$NAME" >&2; exit 1; }

# 4. The bundle directory.
stage_parent="$root/build/package"
stage="$stage_parent/$bundle"
log "assembling $bundle"
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$app" "$stage/$NAME"
install -D -m 644 "$root/resources/$APP_ID.desktop" "$stage/share/applications/$APP_ID.desktop"
install -D -m 644 "$root/resources/$APP_ID.metainfo.xml" "$stage/share/metainfo/$APP_ID.metainfo.xml"
for png in "$root"/resources/icons/hicolor/*/apps/"$APP_ID.png"; do
    size="$(basename "$(dirname "$(dirname "$png")")")"
    install -D -m 644 "$png" "$stage/share/icons/hicolor/$size/apps/$APP_ID.png"
done
install -D -m 644 "$root/resources/icons/river-desktop.svg" "$stage/share/icons/hicolor/scalable/apps/$APP_ID.svg"
install -m 755 "$here/install.sh" "$here/uninstall.sh" "$stage/"
echo "$version" >"$stage/VERSION"
glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | cut -d' ' -f2)"
cat >"$stage/README.txt" <<EOF
River Desktop $version for Linux ($arch)

Run it in place:      ./$NAME/$NAME
Install for yourself: ./install.sh            (into ~/.local: the app, a launcher, the menu entry)
Install elsewhere:    ./install.sh PREFIX     (for example: sudo ./install.sh /usr/local)
Uninstall:            ~/.local/lib/$NAME/uninstall.sh   (or: PREFIX/lib/$NAME/uninstall.sh)

Needs glibc ${glibc:-(unknown)} or newer (the build machine's) and the usual desktop libraries (OpenGL/EGL,
fontconfig, D-Bus); Qt's X11 and Wayland support libraries are included.
EOF

# 5. The tarball, with stable ordering, owners and times.
mkdir -p "$dist"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}"
tarball="$dist/$bundle.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$stage_parent" -cf - "$bundle" | gzip -n -9 >"$tarball"
(cd "$dist" && sha256sum "$bundle.tar.gz" >"$bundle.tar.gz.sha256")
log "wrote $tarball ($(du -h "$tarball" | cut -f1))"

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
# and binutils (objdump, strip), which PyInstaller and this script use.
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

for tool in objdump strip; do
    command -v "$tool" >/dev/null || { echo "build_linux.sh: $tool not found (install binutils)" >&2; exit 1; }
done

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
# Nothing kept may link to a library the spec left out (it would work here, from the system, and fail
# on a machine without it).
dropped="$work/work/$NAME/dropped-binaries.txt"
[ -f "$dropped" ] || { echo "build_linux.sh: the spec wrote no $dropped" >&2; exit 1; }
broken="$(find "$app/_internal" -type f -name '*.so*' -exec objdump -p {} + 2>/dev/null \
    | awk '$1 == "NEEDED" { print $2 }' | sort -u | grep -xF -f "$dropped" || true)"
if [ -n "$broken" ]; then
    echo "build_linux.sh: the bundle still links to libraries the spec left out:" $broken >&2
    exit 1
fi
# Shared libraries built with debug information (a pyenv libpython carries ~18 MB of it): drop that, and
# only that (symbols stay). Never the executable itself: its bootloader has the app's archive appended.
while IFS= read -r -d '' lib; do
    sections="$(objdump -h "$lib" 2>/dev/null || true)"
    case "$sections" in *" .debug_info "*) strip --strip-debug "$lib" ;; esac
done < <(find "$app/_internal" -type f -name '*.so*' -print0)
# The oldest glibc the bundle runs on: the newest GLIBC_x.y symbol version any of its files asks for.
glibc="$(find "$app" -type f \( -name '*.so*' -o -name "$NAME" \) -exec objdump -T {} + 2>/dev/null \
    | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1 || true)"

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
cat >"$stage/README.txt" <<EOF
River Desktop $version for Linux ($arch)

Run it in place:      ./$NAME/$NAME
Install for yourself: ./install.sh            (into ~/.local: the app, a launcher, the menu entry)
Install elsewhere:    ./install.sh PREFIX     (for example: sudo ./install.sh /usr/local)
Uninstall:            ~/.local/lib/$NAME/uninstall.sh   (or: PREFIX/lib/$NAME/uninstall.sh)

Needs glibc ${glibc:-(unknown)} or newer. Of the system's libraries it links only to OpenGL/EGL (libGL,
libEGL), libxcb and, on Wayland, libwayland-client/-cursor/-egl; the rest, Qt and Python included, is here.
EOF

# 5. The tarball, with stable ordering, owners and times.
mkdir -p "$dist"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}"
tarball="$dist/$bundle.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$stage_parent" -cf - "$bundle" | gzip -n -9 >"$tarball"
(cd "$dist" && sha256sum "$bundle.tar.gz" >"$bundle.tar.gz.sha256")
log "wrote $tarball ($(du -h "$tarball" | cut -f1); $(du -sh "$stage" | cut -f1) unpacked; needs glibc >= ${glibc:-?})"

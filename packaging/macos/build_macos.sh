#!/usr/bin/env bash
# Build River Desktop for macOS: "River Desktop.app", zipped, then a headless self-test.
#
#   packaging/macos/build_macos.sh [--venv DIR] [--dist DIR] [--dmg] [--skip-smoke]
#
# Uses the same spec as Linux (packaging/river-desktop.spec), whose BUNDLE step makes the .app with the
# bundle id org.freenet.RiverDesktop. Output:
#   dist/river-desktop-<version>-macos-<arch>.zip   ("River Desktop.app", made with ditto)
#   dist/river-desktop-<version>-macos-<arch>.dmg   (with --dmg)
#
# Needs Python 3.11+ (python.org's installer or Homebrew; set PYTHON to choose) and the Xcode command
# line tools. Pillow is installed into the build venv so PyInstaller can make the .icns from the PNG.
# The build is for the machine's own architecture (arm64 or x86_64); a universal2 app needs a
# universal2 Python and target_arch="universal2" in the spec.
#
# Not done here (and not built or tested by this project's CI, which runs on Linux only):
#   - signing with a Developer ID and notarization: the app is only ad-hoc signed (enough to run on the
#     machine that built it; elsewhere Gatekeeper blocks it until the user allows it in System Settings,
#     or runs: xattr -dr com.apple.quarantine "River Desktop.app"). Set CODESIGN_IDENTITY to sign with a
#     real identity, then notarize with `xcrun notarytool submit --wait` and `xcrun stapler staple`.
#   - the minimum macOS version is whatever the PySide6 wheel supports.
# Written for the bash 3.2 that macOS ships.
set -euo pipefail

NAME=river-desktop
APP_NAME="River Desktop"
PYINSTALLER_REQ='pyinstaller>=6.10,<7'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${RIVER_BUILD_VENV:-${TMPDIR:-/tmp}/river-desktop-build-venv}"
dist="$root/dist"
make_dmg=0
smoke=1

while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="${2:?--venv needs a directory}"; shift 2 ;;
        --dist) dist="${2:?--dist needs a directory}"; shift 2 ;;
        --dmg) make_dmg=1; shift ;;
        --skip-smoke) smoke=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build_macos.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ "$(uname -s)" = Darwin ] || { echo "build_macos.sh: run this on macOS" >&2; exit 1; }

log() { printf '==> %s\n' "$*"; }

# 1. The build environment.
py="$venv/bin/python"
if [ ! -x "$py" ]; then
    log "creating virtualenv $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
log "installing River Desktop, PyInstaller and Pillow into $venv"
"$py" -m pip install --quiet --disable-pip-version-check "$PYINSTALLER_REQ" pillow "$root"
"$py" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$root"
version="$("$py" -c 'import importlib.metadata as m; print(m.version("river-desktop"))')"
arch="$(uname -m)"
bundle="$NAME-$version-macos-$arch"

# 2. Stale icons fail the build early.
"$py" "$root/packaging/render_icons.py" --check

# 3. The app.
work="$root/build/pyinstaller"
log "building $APP_NAME $version with PyInstaller"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$work/dist" --workpath "$work/work" "$root/packaging/$NAME.spec"
app="$work/dist/$APP_NAME.app"
[ -x "$app/Contents/MacOS/$NAME" ] || { echo "build_macos.sh: no $app/Contents/MacOS/$NAME" >&2; exit 1; }
codesign --force --deep --sign "${CODESIGN_IDENTITY:--}" "$app"
codesign --verify --deep --strict "$app"

# 4. Headless self-test of the frozen app.
if [ "$smoke" = 1 ]; then
    profile="$(mktemp -d "${TMPDIR:-/tmp}/river-desktop-smoke.XXXXXX")"
    if ! QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/$NAME" --self-test --profile "$profile/profile"; then
        rm -rf "$profile"
        echo "build_macos.sh: --self-test failed" >&2
        exit 1
    fi
    rm -rf "$profile"
    log "ok: --self-test"
fi

# 5. The zip (and optionally a disk image), with checksums.
mkdir -p "$dist"
rm -f "$dist/$bundle.zip"
ditto -c -k --sequesterRsrc --keepParent "$app" "$dist/$bundle.zip"
(cd "$dist" && shasum -a 256 "$bundle.zip" >"$bundle.zip.sha256")
log "wrote $dist/$bundle.zip"
if [ "$make_dmg" = 1 ]; then
    rm -f "$dist/$bundle.dmg"
    hdiutil create -volname "$APP_NAME" -srcfolder "$app" -ov -format UDZO "$dist/$bundle.dmg"
    (cd "$dist" && shasum -a 256 "$bundle.dmg" >"$bundle.dmg.sha256")
    log "wrote $dist/$bundle.dmg"
fi

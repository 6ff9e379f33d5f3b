#!/usr/bin/env bash
# Install the Debian/Ubuntu packages that building and smoke-testing the Linux bundle need, when missing.
#
#   packaging/install_build_deps.sh        (as root; prints the apt-get command otherwise)
#
#   binutils                      objdump, which PyInstaller uses on Linux
#   desktop-file-utils appstream  the validators that smoke.sh runs
#   libegl1 ... fonts-dejavu-core the Qt runtime, to run the self-test headless (as .ci/run)
#   libxcb-* libxkbcommon-x11-0   Qt's X11 plugin needs them; present at build time, PyInstaller puts
#                                 them in the bundle, so it also starts on desktops that lack them
#   python3-venv libpython3.X     only when the Python that builds (${PYTHON:-python3}) is Debian's own:
#                                 venv for the virtualenvs, the shared libpython for PyInstaller
set -euo pipefail

packages="binutils desktop-file-utils appstream
    libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
    libxcb-xkb1 libxkbcommon-x11-0"
python="$(command -v "${PYTHON:-python3}" || true)"
if [ -n "$python" ] && dpkg-query -S "$(readlink -f "$python")" >/dev/null 2>&1; then
    pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    packages="$packages python3-venv libpython$pyver"
fi

missing=""
for pkg in $packages; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "install_build_deps.sh: missing packages; run: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
apt-get update -qq
# shellcheck disable=SC2086  # word splitting intended
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing

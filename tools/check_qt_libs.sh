#!/usr/bin/env bash
# Checks that Qt's platform plugin for this session can load, before the app tries to.
#
#   tools/check_qt_libs.sh PYTHON          (make run calls it with .venv/bin/python)
#   tools/check_qt_libs.sh PYTHON --print  (print the Debian package names of every missing library)
#
# When a library is missing, Qt's own message names only the first one it tripped over (often the wrong
# package) and suggests a plugin that also cannot load. This runs `ldd` on the plugin the session will use
# (xcb for X11, wayland for Wayland) and prints the one `apt-get install` line that fixes all of it.
# Only on Linux and only when a display is set; exits 0 silently otherwise (offscreen tests, macOS, CI
# without a display). Exit status 1 means libraries are missing.
set -euo pipefail

python=${1:?usage: check_qt_libs.sh PYTHON [--print]}
mode=${2:-}

[ "$(uname -s)" = Linux ] || exit 0
case "${QT_QPA_PLATFORM:-}" in
    offscreen* | minimal* | vnc* | eglfs* | linuxfb*) exit 0 ;;
esac

plugins=$("$python" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms"))')
wanted=()
if [ -n "${WAYLAND_DISPLAY:-}" ] || [ "${QT_QPA_PLATFORM:-}" = wayland ]; then
    wanted+=("$plugins/libqwayland.so")
fi
if [ -n "${DISPLAY:-}" ] || [ "${QT_QPA_PLATFORM:-}" = xcb ] || [ "$mode" = --print ]; then
    wanted+=("$plugins/libqxcb.so")
fi
[ "${#wanted[@]}" -gt 0 ] || exit 0

# soname -> Debian 12 package
package_of() {
    case "$1" in
        libxcb-cursor.so.0) echo libxcb-cursor0 ;;
        libxcb-icccm.so.4) echo libxcb-icccm4 ;;
        libxcb-image.so.0) echo libxcb-image0 ;;
        libxcb-keysyms.so.1) echo libxcb-keysyms1 ;;
        libxcb-randr.so.0) echo libxcb-randr0 ;;
        libxcb-render-util.so.0) echo libxcb-render-util0 ;;
        libxcb-render.so.0) echo libxcb-render0 ;;
        libxcb-shape.so.0) echo libxcb-shape0 ;;
        libxcb-shm.so.0) echo libxcb-shm0 ;;
        libxcb-sync.so.1) echo libxcb-sync1 ;;
        libxcb-util.so.1) echo libxcb-util1 ;;
        libxcb-xfixes.so.0) echo libxcb-xfixes0 ;;
        libxcb-xinput.so.0) echo libxcb-xinput0 ;;
        libxcb-xkb.so.1) echo libxcb-xkb1 ;;
        libxcb.so.1) echo libxcb1 ;;
        libxkbcommon-x11.so.0) echo libxkbcommon-x11-0 ;;
        libxkbcommon.so.0) echo libxkbcommon0 ;;
        libX11-xcb.so.1) echo libx11-xcb1 ;;
        libX11.so.6) echo libx11-6 ;;
        libSM.so.6) echo libsm6 ;;
        libICE.so.6) echo libice6 ;;
        libEGL.so.1) echo libegl1 ;;
        libGL.so.1) echo libgl1 ;;
        libOpenGL.so.0) echo libopengl0 ;;
        libfontconfig.so.1) echo libfontconfig1 ;;
        libfreetype.so.6) echo libfreetype6 ;;
        libdbus-1.so.3) echo libdbus-1-3 ;;
        libglib-2.0.so.0 | libgthread-2.0.so.0) echo libglib2.0-0 ;;
        libwayland-client.so.0) echo libwayland-client0 ;;
        libwayland-cursor.so.0) echo libwayland-cursor0 ;;
        libwayland-egl.so.1) echo libwayland-egl1 ;;
        *) echo "$1" ;;
    esac
}

# Qt 6.5+ opens libxcb-cursor with dlopen, so ldd cannot see it; ask the loader's cache instead.
dlopened() {
    case " ${wanted[*]} " in
        *libqxcb.so*)
            local ldconfig
            ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
            "$ldconfig" -p 2>/dev/null | grep -q 'libxcb-cursor\.so\.0 ' || echo libxcb-cursor.so.0
            ;;
    esac
}

missing=$({
    for plugin in "${wanted[@]}"; do
        [ -e "$plugin" ] || continue
        LC_ALL=C ldd "$plugin" 2>/dev/null | awk '/=> not found/ { print $1 }'
    done
    dlopened
} | sort -u)

if [ "$mode" = --print ]; then
    for soname in $missing; do package_of "$soname"; done | sort -u | tr '\n' ' '
    echo
    exit 0
fi
[ -z "$missing" ] && exit 0

packages=$(for soname in $missing; do package_of "$soname"; done | sort -u | tr '\n' ' ')
{
    echo "River Desktop cannot open a window yet: Qt's platform plugin needs system libraries that are missing:"
    echo "  $(echo $missing)"
    echo "On Debian or Ubuntu, this installs them:"
    echo "  sudo apt-get install ${packages% }"
    echo "(The README lists every library Qt needs; the app itself is unchanged.)"
} >&2
exit 1

#!/usr/bin/env bash
# Uninstall River Desktop: remove exactly what install.sh created, as listed in its manifest.
#
#   uninstall.sh [PREFIX]
#
# PREFIX is the one given to install.sh. Without it: the prefix this script is installed in (when run as
# PREFIX/lib/river-desktop/uninstall.sh), else ~/.local. Directories that install.sh created are removed
# only when they are empty by then; anything else found there is left alone.
set -euo pipefail

NAME=river-desktop

main() {
    local quiet=0 manifest="" here prefix=""
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    while [ $# -gt 0 ]; do
        case "$1" in
            --quiet) quiet=1; shift ;;
            --manifest) manifest="${2:?--manifest needs a file}"; shift 2 ;;  # used by install.sh
            -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; return 0 ;;
            -*) die "unknown option: $1" ;;
            *) [ -z "$prefix" ] || die "usage: uninstall.sh [PREFIX]"; prefix="$1"; shift ;;
        esac
    done
    if [ -z "$prefix" ]; then
        if [ -f "$here/install-manifest.txt" ] && [ "$(basename "$here")" = "$NAME" ]; then
            prefix="$(cd "$here/../.." && pwd)"
        else
            prefix="${HOME:?HOME is not set}/.local"
        fi
    fi
    case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
    while [ "${prefix%/}" != "$prefix" ] && [ "$prefix" != / ]; do prefix="${prefix%/}"; done
    [ "$prefix" != / ] || die "refusing to work on /"
    [ -n "$manifest" ] || manifest="$prefix/lib/$NAME/install-manifest.txt"
    [ -f "$manifest" ] || die "River Desktop is not installed in $prefix (no $manifest)"

    # Read it all first: the manifest (and this very script) may live in the tree removed below.
    local lines=() line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '#'*|'') continue ;; esac
        lines+=("$line")
    done <"$manifest"

    local i kind rel path
    for (( i = ${#lines[@]} - 1; i >= 0; i-- )); do
        kind="${lines[i]%%$'\t'*}"
        rel="${lines[i]#*$'\t'}"
        check_relative "$rel"
        if [ "$rel" = . ]; then path="$prefix"; else path="$prefix/$rel"; fi
        case "$kind" in
            tree)
                [ "$rel" = "lib/$NAME" ] || die "unexpected tree in the manifest: $rel"
                rm -rf "$path" ;;
            link)
                if [ -L "$path" ]; then rm -f "$path"
                elif [ -e "$path" ]; then warn "$path is no longer a symlink; left alone"; fi ;;
            file)
                if [ -f "$path" ] || [ -L "$path" ]; then rm -f "$path"
                elif [ -e "$path" ]; then warn "$path is no longer a file; left alone"; fi ;;
            dir)
                [ ! -d "$path" ] || rmdir "$path" 2>/dev/null || [ "$quiet" = 1 ] \
                    || echo "kept $path (not empty)" ;;
            *) die "unknown entry in the manifest: ${lines[i]}" ;;
        esac
    done

    refresh_caches "$prefix"
    [ "$quiet" = 1 ] || echo "Uninstalled River Desktop from $prefix"
}

die() { echo "uninstall.sh: $*" >&2; exit 1; }
warn() { echo "uninstall.sh: $*" >&2; }

check_relative() {  # manifest paths stay inside the prefix
    case "/$1/" in
        //|*/../*) die "unsafe path in the manifest: '$1'" ;;
    esac
    case "$1" in /*) die "unsafe path in the manifest: '$1'" ;; esac
}

refresh_caches() {  # update caches that already exist; never create new ones
    local share="$1/share"
    if [ -f "$share/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null; then
        gtk-update-icon-cache -q -t -f "$share/icons/hicolor" || true
    fi
    if [ -f "$share/applications/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$share/applications" || true
    fi
}

main "$@"
exit 0

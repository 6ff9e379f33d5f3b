#!/usr/bin/env bash
# Install River Desktop from this unpacked bundle.
#
#   ./install.sh [PREFIX]        PREFIX defaults to ~/.local
#
# Creates
#   PREFIX/lib/river-desktop/                 the app (and uninstall.sh, install-manifest.txt)
#   PREFIX/bin/river-desktop                  a symlink to PREFIX/lib/river-desktop/river-desktop
#   PREFIX/share/applications/org.freenet.RiverDesktop.desktop
#   PREFIX/share/icons/hicolor/*/apps/org.freenet.RiverDesktop.{png,svg}
#   PREFIX/share/metainfo/org.freenet.RiverDesktop.metainfo.xml
# plus any of those directories that did not exist. Everything created is listed in
# PREFIX/lib/river-desktop/install-manifest.txt, and PREFIX/lib/river-desktop/uninstall.sh removes
# exactly that. Installing over an earlier install of this script replaces it; a file of the same name
# that this script did not install is never overwritten (the install stops instead).
set -euo pipefail

APP_ID=org.freenet.RiverDesktop
NAME=river-desktop

main() {
    local here prefix
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; return 0 ;; esac
    [ $# -le 1 ] || die "usage: install.sh [PREFIX]"
    prefix="${1:-${HOME:?HOME is not set}/.local}"
    case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
    while [ "${prefix%/}" != "$prefix" ] && [ "$prefix" != / ]; do prefix="${prefix%/}"; done
    case "$prefix" in *$'\n'*|*$'\t'*) die "the prefix must not contain a newline or a tab" ;; esac
    [ "$prefix" != / ] || die "refusing to install into /"
    [ -d "$(dirname "$prefix")" ] || die "$(dirname "$prefix") does not exist (create it, or choose another prefix)"

    # The bundle.
    [ -x "$here/$NAME/$NAME" ] || die "$here/$NAME/$NAME is missing: run install.sh from an unpacked bundle"
    local sources=("share/applications/$APP_ID.desktop" "share/metainfo/$APP_ID.metainfo.xml")
    local icon
    while IFS= read -r icon; do sources+=("${icon#"$here"/}"); done \
        < <(find "$here/share/icons" -type f -name "$APP_ID.*" 2>/dev/null | LC_ALL=C sort)
    [ ${#sources[@]} -gt 2 ] || die "no icons under $here/share/icons"
    local rel
    for rel in "${sources[@]}"; do [ -f "$here/$rel" ] || die "$here/$rel is missing"; done

    # An earlier install goes first; anything else in the way stops us.
    local libdir="$prefix/lib/$NAME"
    if [ -f "$libdir/install-manifest.txt" ]; then
        echo "Replacing the River Desktop installed in $prefix"
        bash "$here/uninstall.sh" --quiet "$prefix"
    fi
    local conflicts=()
    for rel in "lib/$NAME" "bin/$NAME" "${sources[@]}"; do
        if [ -e "$prefix/$rel" ] || [ -L "$prefix/$rel" ]; then conflicts+=("$prefix/$rel"); fi
    done
    if [ ${#conflicts[@]} -gt 0 ]; then
        printf 'install.sh: not installed by this script, so left alone: %s\n' "${conflicts[@]}" >&2
        die "remove those first, or choose another prefix"
    fi

    # Record each thing before creating it, so a failure half-way can be undone exactly.
    manifest_tmp="$(mktemp)"
    rollback_here="$here" rollback_prefix="$prefix"
    trap on_exit EXIT
    trap 'exit 130' INT TERM
    printf '# River Desktop install manifest: kind<TAB>path relative to the prefix, in creation order\n' \
        >"$manifest_tmp"

    make_dirs "$prefix" "$prefix/lib"
    local staging="$prefix/lib/.$NAME.installing.$$"
    cp -R "$here/$NAME" "$staging"
    install -m 755 "$here/uninstall.sh" "$staging/uninstall.sh"
    record tree "lib/$NAME"
    mv "$staging" "$libdir"

    make_dirs "$prefix" "$prefix/bin"
    record link "bin/$NAME"
    ln -s "../lib/$NAME/$NAME" "$prefix/bin/$NAME"

    local exe="$prefix/bin/$NAME"
    for rel in "${sources[@]}"; do
        make_dirs "$prefix" "$(dirname "$prefix/$rel")"
        record file "$rel"
        case "$rel" in
            *.desktop)
                # Launch by absolute path: a session's PATH often lacks PREFIX/bin. A path with characters
                # the desktop-entry format would need quoted is left to PATH instead.
                if [[ "$exe" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
                    sed -e "s|^Exec=$NAME\$|Exec=$exe|" -e "s|^TryExec=$NAME\$|TryExec=$exe|" \
                        "$here/$rel" >"$prefix/$rel"
                    chmod 644 "$prefix/$rel"
                else
                    install -m 644 "$here/$rel" "$prefix/$rel"
                fi
                ;;
            *) install -m 644 "$here/$rel" "$prefix/$rel" ;;
        esac
    done

    install -m 644 "$manifest_tmp" "$libdir/install-manifest.txt"
    rm -f "$manifest_tmp"
    manifest_tmp=""
    trap - EXIT INT TERM

    refresh_caches "$prefix"
    local version=""
    [ -f "$here/VERSION" ] && version=" $(cat "$here/VERSION")"
    echo "Installed River Desktop$version into $prefix"
    echo "  run: $exe    uninstall: $libdir/uninstall.sh"
    case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "  note: $prefix/bin is not on your PATH" ;; esac
}

die() { echo "install.sh: $*" >&2; exit 1; }

record() {  # record KIND RELATIVE-PATH
    printf '%s\t%s\n' "$1" "$2" >>"$manifest_tmp"
}

make_dirs() {  # make_dirs PREFIX DIR: mkdir -p DIR, recording each directory it creates
    local prefix="$1" dir="$2" missing=() d
    while [ ! -d "$dir" ]; do
        [ ! -e "$dir" ] || die "$dir exists and is not a directory"
        missing=("$dir" ${missing[@]+"${missing[@]}"})
        dir="$(dirname "$dir")"
    done
    for d in ${missing[@]+"${missing[@]}"}; do
        mkdir "$d"
        if [ "$d" = "$prefix" ]; then record dir .; else record dir "${d#"$prefix"/}"; fi
    done
}

manifest_tmp=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
on_exit() {  # on any exit before the install completed: undo it with the manifest recorded so far
    local status=$?
    [ -n "$manifest_tmp" ] || return 0
    echo "install.sh: failed; undoing what was installed" >&2
    rm -rf "$rollback_prefix/lib/.$NAME.installing.$$"
    bash "$rollback_here/uninstall.sh" --quiet --manifest "$manifest_tmp" "$rollback_prefix" || true
    rm -f "$manifest_tmp"
    exit $(( status == 0 ? 1 : status ))
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

#!/usr/bin/env bash
# Smoke-test a Linux bundle built by build_linux.sh; exits non-zero on the first failure.
#
#   packaging/smoke.sh [TARBALL]     default: the newest dist/river-desktop-*-linux-*.tar.gz
#
# Unpacks the tarball into a temporary directory (removed afterwards) and checks that
#   1. the bundle has its files, and the app passes `river-desktop --self-test --profile DIR` headless
#      (QT_QPA_PLATFORM=offscreen), loading its SVG icons (Qt's svg icon engine, no style fallbacks)
#      and writing its log file under $XDG_STATE_HOME;
#   2. the bundled desktop entry passes desktop-file-validate and the metainfo appstreamcli validate
#      --no-net (Debian: apt-get install desktop-file-utils appstream);
#   3. install.sh into a temporary prefix gives a working launcher and valid installed files, a second
#      install replaces the first, a conflicting file stops the install without touching anything, and
#      uninstall.sh leaves the prefix exactly as it was.
# HOME and the XDG directories point into the temporary directory, so nothing of yours is touched.
set -euo pipefail

APP_ID=org.freenet.RiverDesktop
NAME=river-desktop
SELF_TEST_TIMEOUT="${SELF_TEST_TIMEOUT:-180}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }
ok() { echo "ok: $*"; }

tarball="${1:-}"
if [ -z "$tarball" ]; then
    tarball="$(find "$root/dist" -maxdepth 1 -name "$NAME-*-linux-*.tar.gz" -printf '%T@ %p\n' 2>/dev/null \
        | sort -rn | head -n 1 | cut -d' ' -f2-)"
    [ -n "$tarball" ] || fail "no dist/$NAME-*-linux-*.tar.gz: run packaging/build_linux.sh (make package)"
fi
[ -f "$tarball" ] || fail "$tarball not found"
for tool in desktop-file-validate appstreamcli; do
    command -v "$tool" >/dev/null \
        || fail "$tool not found (Debian: apt-get install desktop-file-utils appstream)"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/river-desktop-smoke.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
    XDG_CACHE_HOME="$tmp/home/.cache" XDG_STATE_HOME="$tmp/home/.local/state" \
    XDG_RUNTIME_DIR="$tmp/runtime" QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

self_test() {  # self_test EXE PROFILE-DIR [ARGS...]: output in $tmp/self-test.log
    local exe="$1" profile="$2" status=0
    shift 2
    timeout "$SELF_TEST_TIMEOUT" "$exe" --self-test --profile "$profile" "$@" >"$tmp/self-test.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        sed 's/^/    /' "$tmp/self-test.log" >&2
        fail "$exe --self-test exited $status"
    fi
    ok "$exe --self-test"
}

listing() {  # listing DIR: every path below DIR with its type, sorted
    (cd "$1" && find . -printf '%y %p\n' | LC_ALL=C sort)
}

step "unpacking $(basename "$tarball")"
if [ -f "$tarball.sha256" ]; then
    (cd "$(dirname "$tarball")" && sha256sum --check --quiet "$(basename "$tarball").sha256") \
        || fail "checksum mismatch for $tarball"
    ok "sha256"
fi
mkdir "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked"
mapfile -t tops < <(find "$tmp/unpacked" -mindepth 1 -maxdepth 1)
if [ ${#tops[@]} -ne 1 ] || [ ! -d "${tops[0]}" ]; then fail "the tarball must hold exactly one top directory"; fi
bundle="${tops[0]}"
[ "$(basename "$bundle")" = "$(basename "$tarball" .tar.gz)" ] || fail "top directory is not named after the tarball"
for rel in "$NAME/$NAME" install.sh uninstall.sh; do
    [ -x "$bundle/$rel" ] || fail "missing executable $rel"
done
for rel in "share/applications/$APP_ID.desktop" "share/metainfo/$APP_ID.metainfo.xml" \
        "share/icons/hicolor/48x48/apps/$APP_ID.png" "share/icons/hicolor/128x128/apps/$APP_ID.png" \
        "share/icons/hicolor/256x256/apps/$APP_ID.png" "share/icons/hicolor/scalable/apps/$APP_ID.svg" \
        VERSION; do
    [ -f "$bundle/$rel" ] || fail "missing $rel"
done
for rel in "$NAME/_internal/resources/icons/river-desktop.svg" "$NAME/_internal/resources/styles/light.qss" \
        "$NAME/_internal/resources/styles/dark.qss"; do
    [ -f "$bundle/$rel" ] || fail "the app lacks its resources: no $rel"
done
ok "bundle layout ($(du -sh "$bundle" | cut -f1) unpacked)"

step "self-test of the unpacked app"
QT_DEBUG_PLUGINS=1 self_test "$bundle/$NAME/$NAME" "$tmp/profile-unpacked" --log-level DEBUG
# The frozen app found its own resources and Qt plugins, and logs where the platform wants it.
grep -q 'libqsvgicon\.so.*loaded' "$tmp/self-test.log" || fail "the SVG icon engine plugin was not loaded"
if grep -q "using the style's fallback" "$tmp/self-test.log"; then fail "an icon was missing from the bundle"; fi
log_file="$XDG_STATE_HOME/$NAME/log/$NAME.log"
[ -s "$log_file" ] || fail "no log file at $log_file"
ok "SVG icons, bundled resources, log file $log_file"

step "validating the bundled metadata"
desktop-file-validate "$bundle/share/applications/$APP_ID.desktop" || fail "desktop-file-validate"
ok "desktop-file-validate"
appstreamcli validate --no-net "$bundle/share/metainfo/$APP_ID.metainfo.xml" || fail "appstreamcli validate"
ok "appstreamcli validate"

step "install.sh / uninstall.sh into a temporary prefix"
prefix="$tmp/prefix"
# A prefix that already holds unrelated things, which must survive the install and the uninstall.
mkdir -p "$prefix/bin" "$prefix/share/applications"
echo "keep me" >"$prefix/share/applications/other.desktop"
before="$(listing "$prefix")"

"$bundle/install.sh" "$prefix"
[ -L "$prefix/bin/$NAME" ] || fail "no symlink $prefix/bin/$NAME"
[ -x "$prefix/lib/$NAME/$NAME" ] || fail "no $prefix/lib/$NAME/$NAME"
[ -x "$prefix/lib/$NAME/uninstall.sh" ] || fail "no installed uninstall.sh"
for rel in "share/applications/$APP_ID.desktop" "share/metainfo/$APP_ID.metainfo.xml" \
        "share/icons/hicolor/256x256/apps/$APP_ID.png" "share/icons/hicolor/scalable/apps/$APP_ID.svg"; do
    [ -f "$prefix/$rel" ] || fail "install.sh did not install $rel"
done
grep -qxF "Exec=$prefix/bin/$NAME" "$prefix/share/applications/$APP_ID.desktop" \
    || fail "the installed desktop entry does not launch $prefix/bin/$NAME"
desktop-file-validate "$prefix/share/applications/$APP_ID.desktop" || fail "installed desktop entry invalid"
appstreamcli validate --no-net "$prefix/share/metainfo/$APP_ID.metainfo.xml" || fail "installed metainfo invalid"
ok "installed files"
self_test "$prefix/bin/$NAME" "$tmp/profile-installed"

"$bundle/install.sh" "$prefix" >/dev/null || fail "installing a second time (upgrade) failed"
[ -x "$prefix/bin/$NAME" ] || fail "the launcher is gone after a re-install"
ok "re-install over an existing install"

"$prefix/lib/$NAME/uninstall.sh"
after="$(listing "$prefix")"
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2 || true; fail "uninstall left the prefix changed"; }
ok "uninstall restored the prefix exactly"

# Into a prefix that does not exist yet: uninstall removes the directories it made, prefix included.
mkdir "$tmp/fresh"
"$bundle/install.sh" "$tmp/fresh/prefix" >/dev/null
"$bundle/uninstall.sh" "$tmp/fresh/prefix" >/dev/null
[ -z "$(ls -A "$tmp/fresh")" ] || fail "uninstall left $(listing "$tmp/fresh" | wc -l) paths behind in a new prefix"
ok "install/uninstall into a new prefix"

# A file in the way that install.sh did not put there: refuse, change nothing.
touch "$prefix/bin/$NAME"
before="$(listing "$prefix")"
if "$bundle/install.sh" "$prefix" >/dev/null 2>&1; then fail "install.sh overwrote a foreign $prefix/bin/$NAME"; fi
[ "$before" = "$(listing "$prefix")" ] || fail "a refused install changed the prefix"
ok "install refuses to overwrite a foreign file"

printf '\nSMOKE OK: %s\n' "$(basename "$tarball")"

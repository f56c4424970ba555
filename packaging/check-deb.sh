#!/usr/bin/env bash
# Usage: packaging/check-deb.sh DEB
#
# Installs DEB as a user would (apt-get, so every Depends must resolve),
# checks what it put in place — both programs run, the desktop entry is
# valid and the confer:// link handler is registered — and removes the
# package again, also when a check fails. Runs as root, or with sudo when
# not root. It replaces an installed confer and leaves none behind.
set -euo pipefail

deb=${1:?usage: packaging/check-deb.sh DEB}
[ -f "$deb" ] || { echo "check-deb.sh: $deb does not exist (make package builds it)" >&2; exit 1; }
deb=$(readlink -f "$deb")
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
desktop=/usr/share/applications/app.confer.Confer.desktop

fail() { echo "check-deb.sh: $*" >&2; exit 1; }
# A user's own choice of handler (~/.config/mimeapps.list) is not the package's.
config=$(mktemp -d)
cleanup() {
  rm -rf "$config"
  $sudo apt-get remove -y -qq confer >/dev/null
}
trap cleanup EXIT

echo "check-deb.sh: installing $deb"
$sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null

for exe in confer confer-server; do
  out=$("/usr/bin/$exe" --version 2>&1) || fail "$exe --version failed: $out"
  [[ $out == "confer "* ]] || fail "$exe --version printed: $out"
  echo "check-deb.sh: $exe --version: ${out%%$'\n'*}"
done
# The server runs where there is no display, whatever the locale.
out=$(env -u DISPLAY LANG=C.UTF-8 confer-server token --room r1 --user u1 --api-key k --api-secret s 2>&1) ||
  fail "confer-server token failed: $out"
[[ $out == eyJ* && $out != *$'\n'* ]] || fail "confer-server token printed more than a token: $out"

[ -f "$desktop" ] || fail "no desktop entry at $desktop"
desktop-file-validate "$desktop" || fail "$desktop is not valid"
grep -qx 'Exec=confer %u' "$desktop" || fail "$desktop does not pass links to confer (Exec)"
grep -q '^MimeType=.*x-scheme-handler/confer;' "$desktop" || fail "$desktop claims no confer:// links (MimeType)"
# desktop-file-utils' trigger indexes the entry when the package is installed.
grep -q '^x-scheme-handler/confer=.*app\.confer\.Confer\.desktop' /usr/share/applications/mimeinfo.cache ||
  fail "confer:// is not in /usr/share/applications/mimeinfo.cache (update-desktop-database did not run?)"
if command -v xdg-mime >/dev/null; then
  handler=$(XDG_CONFIG_HOME=$config xdg-mime query default x-scheme-handler/confer)
  [ "$handler" = app.confer.Confer.desktop ] || fail "xdg-mime opens confer:// links with \"$handler\""
fi
echo "check-deb.sh: installed, checked and removed: binaries, desktop entry, confer:// handler"

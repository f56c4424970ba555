#!/usr/bin/env bash
# Usage: packaging/archive.sh VERSION EXECUTABLE FYNE SERVER
#
# Packs EXECUTABLE (a confer binary, e.g. dist/build/confer from deb.sh) with
# Fyne's packaging tool FYNE into dist/confer_VERSION_linux_amd64.tar.xz: the
# binary, icon and desktop entry under usr/local (or usr), and a Makefile
# with install and user-install targets. SERVER (dist/build/confer-server)
# goes beside the binary, and the Makefile installs it there too: the
# window runs it to host, and `confer serve` runs it.
#
# fyne package rewrites FyneApp.toml (it counts the build up), so it runs on
# a copy. Its desktop entry knows nothing of confer:// links or the window
# class; the archive gets packaging/confer.desktop instead, pointed at the
# icon name the archive installs.
set -euo pipefail

usage="usage: packaging/archive.sh VERSION EXECUTABLE FYNE SERVER"
version=${1:?$usage}
exe=${2:?$usage}
fyne=${3:?$usage}
server=${4:?$usage}

cd "$(dirname "$0")/.."
top=$PWD
for x in "$exe" "$server"; do
  [ -x "$x" ] || { echo "archive.sh: $x is not an executable" >&2; exit 1; }
done
out=dist/confer_${version}_linux_amd64.tar.xz
app_id=app.confer.Confer

stage=$(mktemp -d "$top/dist/fyne-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src/assets" "$stage/tree"
cp FyneApp.toml "$stage/src/"
cp assets/icon.png "$stage/src/assets/"
cp "$exe" "$stage/src/confer"
printf 'package main\n' >"$stage/src/main.go" # fyne package wants a Go source directory

(
  cd "$stage/src"
  "$top/$fyne" package --os linux --exe confer --name Confer --app-id "$app_id" --icon assets/icon.png
)

tar -xJf "$stage/src/Confer.tar.xz" -C "$stage/tree"
desktop=$(find "$stage/tree/usr" -path "*/share/applications/$app_id.desktop")
[ -n "$desktop" ] || { echo "archive.sh: fyne package made no $app_id.desktop" >&2; exit 1; }
sed "s/^Icon=confer\$/Icon=$app_id/" packaging/confer.desktop >"$desktop"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi

bin=$(dirname "$(find "$stage/tree/usr" -path "*/bin/confer")")
install -m0755 "$server" "$bin/confer-server"
# Every line that installs or removes the binary does the same for the
# server (the desktop entry's sed is about the binary only).
awk '/bin\/\$\(Exec\)/ && !/sed -i/ { print; gsub(/\$\(Exec\)/, "confer-server") } { print }' \
  "$stage/tree/Makefile" >"$stage/Makefile" && mv "$stage/Makefile" "$stage/tree/Makefile"
grep -q 'bin/confer-server' "$stage/tree/Makefile" || { echo "archive.sh: the Makefile does not install confer-server" >&2; exit 1; }

rm -f "$out"
tar --owner=0 --group=0 --sort=name -cJf "$out" -C "$stage/tree" usr Makefile
echo "archive.sh: wrote $out ($(du -h "$out" | cut -f1))"

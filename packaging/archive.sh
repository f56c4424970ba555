#!/usr/bin/env bash
# Usage: packaging/archive.sh VERSION EXECUTABLE FYNE
#
# Packs EXECUTABLE (a confer binary, e.g. dist/build/confer from deb.sh) with
# Fyne's packaging tool FYNE into dist/confer_VERSION_linux_amd64.tar.xz: the
# binary, icon and desktop entry under usr/local (or usr), and a Makefile
# with install and user-install targets.
#
# fyne package rewrites FyneApp.toml (it counts the build up), so it runs on
# a copy. Its desktop entry knows nothing of confer:// links or the window
# class; the archive gets packaging/confer.desktop instead, pointed at the
# icon name the archive installs.
set -euo pipefail

version=${1:?usage: packaging/archive.sh VERSION EXECUTABLE FYNE}
exe=${2:?usage: packaging/archive.sh VERSION EXECUTABLE FYNE}
fyne=${3:?usage: packaging/archive.sh VERSION EXECUTABLE FYNE}

cd "$(dirname "$0")/.."
top=$PWD
[ -x "$exe" ] || { echo "archive.sh: $exe is not an executable" >&2; exit 1; }
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

rm -f "$out"
tar --owner=0 --group=0 --sort=name -cJf "$out" -C "$stage/tree" usr Makefile
echo "archive.sh: wrote $out ($(du -h "$out" | cut -f1))"

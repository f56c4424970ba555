#!/usr/bin/env bash
# Usage: packaging/deb.sh VERSION
#
# Builds confer (release build: version stamped in, symbols stripped) into
# dist/build/confer and packs it as dist/confer_VERSION_amd64.deb with its
# desktop entry, icons and AppStream metainfo. Needs Go, the build
# dependencies (scripts/deps.sh) and dpkg-deb.
#
# Depends lists the libraries the binary links (checked below against its
# ELF NEEDED entries) and those it opens at run time: GLFW's X11 extensions
# and miniaudio's ALSA (PulseAudio/PipeWire through libpulse0 when present).
set -euo pipefail

version=${1:?usage: packaging/deb.sh VERSION}
if ! [[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]]; then
  echo "deb.sh: version \"$version\" is not a package version (digits first, then [0-9A-Za-z.+~-])" >&2
  exit 2
fi
# Debian orders 0.1.0~dev before 0.1.0; a hyphen would read as a Debian revision.
debversion=${version//-/\~}

cd "$(dirname "$0")/.."
GO=${GO:-go}
arch=amd64
exe=dist/build/confer
deb=dist/confer_${version}_${arch}.deb
sizes=(16 32 48 64 128 256 512)

depends=(
  "libc6 (>= 2.34)"
  "libgl1"
  "libx11-6"
  "libvpx7 (>= 1.12.0)"
  "libopus0 (>= 1.1)"
  "libyuv0"
  # opened at run time (dlopen)
  "libx11-xcb1" "libxcursor1" "libxi6" "libxinerama1" "libxrandr2" "libxrender1" "libxxf86vm1"
  "libasound2"
)
recommends=("libpulse0")

mkdir -p dist/build
echo "deb.sh: building $exe ($version)"
"$GO" build -tags migrated_fynedo -ldflags "-s -w -X confer/internal/cli.Version=$version" -o "$exe" .

# Every library the binary links must come from a package in Depends.
depnames=" $(printf '%s\n' "${depends[@]}" | sed 's/ .*//' | tr '\n' ' ') "
missing=0
while read -r soname; do
  path=$(ldd "$exe" | awk -v l="$soname" '$1 == l { print $3 }')
  [ -n "$path" ] || { echo "deb.sh: $soname (linked) not found on this system" >&2; missing=1; continue; }
  pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)
  pkg=${pkg%%:*}
  if [ -z "$pkg" ]; then
    echo "deb.sh: no package owns $path ($soname)" >&2; missing=1
  elif [[ $depnames != *" $pkg "* ]]; then
    echo "deb.sh: $soname comes from $pkg, which Depends lacks" >&2; missing=1
  fi
done < <(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ "$missing" -eq 0 ] || exit 1

root=$(mktemp -d dist/deb-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"

install -Dm0755 "$exe" "$root/usr/bin/confer"
install -Dm0644 packaging/confer.desktop "$root/usr/share/applications/app.confer.Confer.desktop"
install -Dm0644 packaging/app.confer.Confer.metainfo.xml "$root/usr/share/metainfo/app.confer.Confer.metainfo.xml"
install -Dm0644 packaging/confer.svg "$root/usr/share/icons/hicolor/scalable/apps/confer.svg"
for s in "${sizes[@]}"; do
  install -Dm0644 "packaging/icons/confer-$s.png" "$root/usr/share/icons/hicolor/${s}x${s}/apps/confer.png"
done

installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
join() { local IFS=,; echo "$*" | sed 's/,/, /g'; }
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: confer
Version: $debversion
Architecture: $arch
Maintainer: Confer <confer@localhost>
Installed-Size: $installed_kb
Depends: $(join "${depends[@]}")
Recommends: $(join "${recommends[@]}")
Section: video
Priority: optional
Description: desktop video calls, with a room server built in
 Confer is a native desktop video-call application: type a room ID and
 your name, and you are in a call. It starts at once, joins quickly, stays
 light on CPU and memory, and rides out short network drops.
 .
 One program is both the app and, when asked, the room server
 (confer serve). It speaks LiveKit's protocol, so it joins any LiveKit
 deployment and any LiveKit client can join a Confer room. Invite links
 (confer://join?...) open in Confer.
EOF

rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb.sh: wrote $deb ($(du -h "$deb" | cut -f1))"

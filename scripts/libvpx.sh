#!/usr/bin/env bash
# Builds the libvpx that Confer links: Debian's own source of the version
# Debian ships (the upstream tarball and Debian's patches, security fixes
# included), configured for real-time encoding with on-the-fly bit packing,
# VP8 only, as a static library.
#
# Why not the system's: a libvpx built for every use keeps a VP8 encoder's
# token list for the worst case of a whole frame (rows × columns × 384
# tokens of 16 bytes, 21 MB at 1280×720) and zeroes it when the encoder
# opens, so all of it stays resident; built this way it keeps eight
# macroblocks' worth. A 720p encoder then holds some 11 MB instead of 33 MB
# (go test -run EncoderMemory -v ./media/codec; README, "libvpx built for
# real time").
#
#   scripts/libvpx.sh           build unless already built (idempotent)
#   scripts/libvpx.sh --prefix  print where it is (or will be) installed
set -euo pipefail

version=1.12.0
debian=1.12.0-1+deb12u5
orig_sha256=f1acc15d0fd0cb431f4bf6eac32d5e932e40ea1186fe78e074254d6d003957bb
debian_sha256=35cfacecb71f4c4ddfbb29b53b68fb7e82f1e86e28b67327c72683715c5e22f4
pool=http://deb.debian.org/debian/pool/main/libv/libvpx
# VP8 only, as Confer uses; the decoder's size limit is Debian's (a hostile
# stream cannot make it allocate for a larger picture).
options=(--enable-realtime-only --enable-onthefly-bitpacking --disable-vp9 --size-limit=16384x16384
  --enable-static --disable-shared --enable-pic
  --disable-examples --disable-tools --disable-docs --disable-unit-tests --disable-install-bins)

# One directory per version and configuration, outside the work tree, so a
# fresh clone on the same machine finds it built.
id=$(printf '%s %s' "$debian" "${options[*]}" | sha256sum | cut -c1-12)
prefix="${CONFER_LIBVPX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confer/libvpx-$debian-$id}"
if [ "${1:-}" = "--prefix" ]; then
  echo "$prefix"
  exit 0
fi
[ -f "$prefix/.built" ] && exit 0

for tool in curl nasm make cc; do
  command -v "$tool" >/dev/null || { echo "libvpx.sh: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # name sha256
  curl -fsS --retry 3 -o "$work/$1" "$pool/$1"
  echo "$2  $work/$1" | sha256sum -c --quiet - || { echo "libvpx.sh: $1 is not the file expected" >&2; exit 1; }
}
echo "libvpx.sh: building libvpx $debian for real time into $prefix"
fetch "libvpx_$version.orig.tar.gz" "$orig_sha256"
fetch "libvpx_$debian.debian.tar.xz" "$debian_sha256"

mkdir "$work/src" "$work/build"
tar xzf "$work/libvpx_$version.orig.tar.gz" -C "$work/src" --strip-components=1
tar xJf "$work/libvpx_$debian.debian.tar.xz" -C "$work/src"
while read -r patch; do
  case "$patch" in "" | "#"*) continue ;; esac
  patch -d "$work/src" -p1 -s <"$work/src/debian/patches/$patch"
done <"$work/src/debian/patches/series"

cd "$work/build"
"$work/src/configure" --prefix="$prefix" "${options[@]}" >configure.log 2>&1 || { cat configure.log >&2; exit 1; }
make -j"$(nproc)" >make.log 2>&1 || { tail -40 make.log >&2; exit 1; }
rm -rf "$prefix"
make install >/dev/null
touch "$prefix/.built"

#!/usr/bin/env bash
# Usage: packaging/deb.sh VERSION
#
# Builds confer (the app, every command) and confer-server (the commands
# without the window, for machines with no display) as release builds
# (version stamped in, symbols stripped, -trimpath) into dist/build/ and
# packs them as dist/confer_VERSION_amd64.deb with the desktop entry, icons
# and AppStream metainfo. Needs Go, the build dependencies and dpkg-dev
# (scripts/deps.sh installs them).
#
# Depends is computed: dpkg-shlibdeps reads the libraries both binaries
# link, and the libraries they open at run time with dlopen (GLFW's X11
# extensions, miniaudio's ALSA) are added by the package that owns them on
# this system. Every library name in the binary must be classified below,
# so a new dlopen in a library update stops the build instead of making a
# package that fails at run time.
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
deb=dist/confer_${version}_${arch}.deb
sizes=(16 32 48 64 128 256 512)

# Opened with dlopen, so invisible to dpkg-shlibdeps. GLFW (the window)
# loads its X11 extensions and GLX this way; miniaudio loads ALSA, and
# PulseAudio (PipeWire's pulse server too) when there is one, else ALSA.
dlopened=(libX11-xcb.so.1 libXcursor.so.1 libXi.so.6 libXinerama.so.1 libXrandr.so.2
  libXrender.so.1 libXxf86vm.so.1 libGLX.so.0 libasound.so.2)
dlopened_recommended=(libpulse.so.0)
# Named in the binary but never needed: alternatives GLFW and miniaudio try
# for setups Confer does not use (EGL, GLES, OSMesa, Vulkan, JACK).
unused=(libEGL.so.1 libGLES_CM.so.1 libGLESv1_CM.so.1 libGLESv2.so.2 libOSMesa.so.6
  libOSMesa.so.8 libOpenGL.so.0 libvulkan.so.1 libjack.so.0)

build() { # build OUTPUT PACKAGE [GO BUILD FLAGS]
  local out=$1 pkg=$2
  shift 2
  echo "deb.sh: building $out ($version)"
  "$GO" build -trimpath "$@" -ldflags "-s -w -X confer/internal/cli.Version=$version" -o "$out" "$pkg"
}

# owner SONAME: the package that owns the library SONAME on this system.
owner() {
  local path pkg
  path=$(/sbin/ldconfig -p | awk -v l="$1" '$1 == l && /x86-64/ { print $NF; exit }')
  [ -n "$path" ] || { echo "deb.sh: $1 (opened at run time) is not installed here" >&2; return 1; }
  pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) ||
    { echo "deb.sh: no package owns $path ($1)" >&2; return 1; }
  echo "${pkg%%:*}"
}

# check_classified EXE: every library EXE names is linked or listed above.
check_classified() {
  local exe=$1 known soname status=0
  known=" $(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
  known+=" ${dlopened[*]} ${dlopened_recommended[*]} ${unused[*]} "
  while read -r soname; do
    if [[ $known != *" $soname "* ]]; then
      echo "deb.sh: $exe names $soname, which it may dlopen: add it to dlopened or unused in $0" >&2
      status=1
    fi
  done < <(strings -n 6 "$exe" | grep -E '^lib[A-Za-z0-9_+.-]*\.so(\.[0-9]+)+$' | sort -u)
  return $status
}

mkdir -p dist/build
build dist/build/confer . -tags migrated_fynedo
build dist/build/confer-server ./cmd/confer-server
check_classified dist/build/confer
check_classified dist/build/confer-server

work=$(mktemp -d dist/deb-work.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/debian/confer
mkdir -p "$root"
chmod 0755 "$root"
install -Dm0755 dist/build/confer "$root/usr/bin/confer"
install -Dm0755 dist/build/confer-server "$root/usr/bin/confer-server"
install -Dm0644 packaging/confer.desktop "$root/usr/share/applications/app.confer.Confer.desktop"
install -Dm0644 packaging/app.confer.Confer.metainfo.xml "$root/usr/share/metainfo/app.confer.Confer.metainfo.xml"
install -Dm0644 packaging/confer.svg "$root/usr/share/icons/hicolor/scalable/apps/confer.svg"
for s in "${sizes[@]}"; do
  install -Dm0644 "packaging/icons/confer-$s.png" "$root/usr/share/icons/hicolor/${s}x${s}/apps/confer.png"
done

# dpkg-shlibdeps wants the source package's debian/control beside the tree.
printf 'Source: confer\n\nPackage: confer\nArchitecture: %s\n' "$arch" >"$work/debian/control"
linked=$(cd "$work" && dpkg-shlibdeps -O debian/confer/usr/bin/confer debian/confer/usr/bin/confer-server)
linked=${linked#shlibs:Depends=}
runtime=()
for s in "${dlopened[@]}"; do runtime+=("$(owner "$s")"); done
recommends=()
for s in "${dlopened_recommended[@]}"; do recommends+=("$(owner "$s")"); done
# One entry per package, the linked ones (with their versions) first.
depends=$(printf '%s\n' "${linked//, /$'\n'}" "${runtime[@]}" | awk '{ name = $1 } !seen[name]++' | paste -sd, | sed 's/,/, /g')
recommends=$(printf '%s\n' "${recommends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

installed_kb=$(du -sk "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: confer
Version: $debversion
Architecture: $arch
Maintainer: Confer <confer@localhost>
Installed-Size: $installed_kb
Depends: $depends
Recommends: $recommends
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
 (confer://join?...) open in Confer. confer-server has the server and
 tools without the window, for machines with no display.
EOF

rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb.sh: wrote $deb ($(du -h "$deb" | cut -f1)); Depends: $depends"

#!/usr/bin/env bash
# Installs the Debian packages Confer needs to build, run and test.
# Idempotent: when everything is there it only asks dpkg, which takes a moment.
set -euo pipefail

packages=(
  pkg-config gcc
  libvpx-dev libopus-dev libyuv-dev        # codecs and conversion (cgo)
  curl nasm patch xz-utils make            # libvpx built for real time (scripts/libvpx.sh)
  g++ libwebrtc-audio-processing-dev       # echo cancellation, noise suppression, gain (cgo, C++)
  espeak-ng                                # speech for the audio-processing tests
  libgl1-mesa-dev xorg-dev                 # Fyne's OpenGL window
  libxcb-shm0-dev libxcb-shape0-dev        # video painted into X11 child windows through shared memory
  xvfb x11-apps x11-utils imagemagick xdotool  # window tests: virtual display, screenshots, input, events
  fonts-dejavu-core                        # window tests: a system font for characters Fyne's own fonts lack
  iproute2                                 # outage tests: network namespaces and veth pairs
  iptables                                 # network tests and bench: random loss on those links
  chromium                                 # interop tests with livekit-client (E2EE, chat) and the bench
  redis-server                             # cluster tests: two confer serve nodes sharing one Redis
)
[ "${CONFER_DEPS_EXTRA:-}" ] && read -r -a extra <<<"$CONFER_DEPS_EXTRA" && packages+=("${extra[@]}")

# Go tools from the module proxy, into bin/tools (not the system's GOPATH).
staticcheck_version=v0.8.2
tools="$(cd "$(dirname "$0")/.." && pwd)/bin/tools"
if ! "$tools/staticcheck" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
  echo "deps: installing staticcheck $staticcheck_version"
  (cd /tmp && GOBIN="$tools" go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

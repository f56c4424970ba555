#!/usr/bin/env bash
# Renders packaging/confer.svg into the PNG icons the packages and the window use:
#   packaging/icons/confer-<size>.png  (hicolor theme sizes, for the .deb)
#   assets/icon.png                    (256 px, FyneApp.toml's Icon)
# The PNGs are committed, so building needs none of this; run it after editing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail

cd "$(dirname "$0")/.."
svg=packaging/confer.svg
command -v rsvg-convert >/dev/null || { echo "icons.sh: rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }

mkdir -p packaging/icons assets
for size in 16 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio -o "packaging/icons/confer-$size.png" "$svg"
done
cp packaging/icons/confer-256.png assets/icon.png
echo "icons.sh: wrote packaging/icons/confer-{16,32,48,64,128,256,512}.png and assets/icon.png"

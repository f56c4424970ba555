#!/usr/bin/env bash
# third_party/livekit-server is livekit-server at the version named in
# third_party/patches/livekit-server/UPSTREAM, the files a build uses (go.mod,
# go.sum, the licences, pkg/ and version/ without tests), with the patches
# beside UPSTREAM applied in order. go.mod replaces the module with it.
#
#   scripts/livekit-fork.sh          makes it again (a new patch, a new version)
#   scripts/livekit-fork.sh --check  fails unless it is exactly that (make test)
#
# A change to the server goes into a patch, never into the copy by hand.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fork="$root/third_party/livekit-server"
patches="$root/third_party/patches/livekit-server"
read -r mod version < "$patches/UPSTREAM"

# Outside the module: go.mod replaces this one, so the module's own build
# never downloads it.
dir="$(cd / && go mod download -json "$mod@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$dir" ] || { echo "livekit-fork: could not download $mod@$version" >&2; exit 1; }

new="$(mktemp -d)"
trap 'rm -rf "$new"' EXIT
(cd "$dir" && find go.mod go.sum LICENSE NOTICE pkg version -type f \
  ! -name '*_test.go' ! -path '*/testdata/*') | while read -r f; do
  mkdir -p "$new/$(dirname "$f")"
  cp "$dir/$f" "$new/$f"
done
chmod -R u+w,go+rX "$new"
for p in "$patches"/*.patch; do
  # Outside the work tree, so git apply patches plain files.
  (cd "$new" && git apply "$p") || { echo "livekit-fork: $(basename "$p") does not apply to $mod@$version" >&2; exit 1; }
done

if [ "${1:-}" = --check ]; then
  if ! diff -r "$new" "$fork" >/dev/null 2>&1; then
    echo "livekit-fork: third_party/livekit-server is not $mod@$version with the patches in" >&2
    echo "third_party/patches/livekit-server; put the change in a patch and run scripts/livekit-fork.sh:" >&2
    diff -r "$new" "$fork" | head -20 >&2 || true
    exit 1
  fi
  exit 0
fi
rm -rf "$fork"
mv "$new" "$fork"
trap - EXIT

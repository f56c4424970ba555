#!/usr/bin/env bash
# Each third_party/<name> (livekit-server, server-sdk-go, fyne) is an upstream Go
# module at the version named in third_party/patches/<name>/UPSTREAM, the
# files listed in FILES beside it (without tests), with the patches beside
# them applied in order. go.mod replaces the module with the copy.
#
#   scripts/fork.sh [name…]          makes them again (a new patch, a new version)
#   scripts/fork.sh --check [name…]  fails unless each is exactly that (make test)
#
# A change to upstream's code goes into a patch, never into a copy by hand.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=false
if [ "${1:-}" = --check ]; then
  check=true
  shift
fi
names=("$@")
new=""
trap 'rm -rf "$new"' EXIT
if [ ${#names[@]} -eq 0 ]; then
  names=(livekit-server server-sdk-go fyne)
fi

# fork makes one copy in a temporary directory and checks it or puts it in place.
fork() {
  local name="$1"
  local copy="$root/third_party/$name"
  local patches="$root/third_party/patches/$name"
  local mod version dir
  read -r mod version < "$patches/UPSTREAM"
  # Outside the module: go.mod replaces this one, so the module's own build
  # never downloads it.
  dir="$(cd / && go mod download -json "$mod@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || { echo "fork: could not download $mod@$version" >&2; exit 1; }

  new="$(mktemp -d)"
  # shellcheck disable=SC2046 # FILES holds names and globs, one a line
  (cd "$dir" && find $(cat "$patches/FILES") -type f \
    ! -name '*_test.go' ! -path '*/testdata/*') | while read -r f; do
    mkdir -p "$new/$(dirname "$f")"
    cp "$dir/$f" "$new/$f"
  done
  chmod -R u+w,go+rX "$new"
  for p in "$patches"/*.patch; do
    [ -e "$p" ] || continue
    # Outside the work tree, so git apply patches plain files.
    (cd "$new" && git apply "$p") || { echo "fork: $(basename "$p") does not apply to $mod@$version" >&2; exit 1; }
  done

  if $check; then
    if ! diff -r "$new" "$copy" >/dev/null 2>&1; then
      echo "fork: third_party/$name is not $mod@$version with the patches in" >&2
      echo "third_party/patches/$name; put the change in a patch and run scripts/fork.sh $name:" >&2
      diff -r "$new" "$copy" | head -20 >&2 || true
      exit 1
    fi
    rm -rf "$new"
    return
  fi
  rm -rf "$copy"
  mv "$new" "$copy"
  new=""
}

for name in "${names[@]}"; do
  fork "$name"
done

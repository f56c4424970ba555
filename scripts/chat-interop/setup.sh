#!/usr/bin/env bash
# Installs what chat_browser_test.go needs: Debian's chromium (through the
# project's deps script) and the pinned npm packages, the same versions as
# scripts/e2ee-interop. Idempotent: npm ci runs only when package-lock.json
# changed since the last one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CONFER_DEPS_EXTRA="chromium" "$here/../deps.sh"

stamp="$here/node_modules/.confer-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "chat-interop: npm ci"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi

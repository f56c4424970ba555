#!/usr/bin/env bash
# Runs the benchmarks and writes docs/BENCHMARKS.md (see internal/benchtool).
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./internal/benchtool -bin bin/confer -out docs/BENCHMARKS.md "$@"

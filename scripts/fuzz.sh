#!/bin/sh
# Runs every Go fuzz target in the module for FUZZTIME each, one after the
# other: `go test -fuzz` takes one target per run. `make fuzz` calls it.
#
#   FUZZTIME   how long each target runs (default 10m; also 1000x for runs)
#   FUZZMATCH  only targets whose package or name matches this grep -E pattern
#   FUZZFLAGS  more flags for go test, e.g. "-parallel 1" on a shared machine
#
# A crash stops that target, writes its input under the package's
# testdata/fuzz/<Target>/ (where plain `go test` runs it from then on) and
# is reported at the end; the other targets still run.
set -eu
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10m}
FUZZMATCH=${FUZZMATCH:-}
FUZZFLAGS=${FUZZFLAGS:-}
TAGS=${TAGS:-migrated_fynedo}
GO=${GO:-go}

# Packages with a fuzz target: only their test binaries need building to list them.
pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)

failed=""
summary=""
for dir in $pkgs; do
	for target in $($GO test -tags "$TAGS" -list '^Fuzz' "$dir" | grep '^Fuzz' || true); do
		if [ -n "$FUZZMATCH" ] && ! echo "$dir $target" | grep -Eq "$FUZZMATCH"; then
			continue
		fi
		echo "fuzz: $dir $target for $FUZZTIME" >&2
		start=$(date +%s)
		# shellcheck disable=SC2086 # FUZZFLAGS is a list of flags
		if $GO test -tags "$TAGS" -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" $FUZZFLAGS "$dir"; then
			result="ok"
		else
			result="FAILED"
			failed="$failed $dir:$target"
		fi
		summary="$summary
$(printf '%-8s %-28s %-20s %ss' "$result" "$dir" "$target" "$(($(date +%s) - start))")"
	done
done

echo "fuzz: summary$summary" >&2
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (crashers are in each package's testdata/fuzz/)" >&2
	exit 1
fi

#!/bin/sh
# fuzz.sh PKG NAME FUZZTIME: fuzz one target for FUZZTIME, failing only on a
# real finding.
#
# Go 1.26's fuzz coordinator can end a duration-bounded run with a bare
# "context deadline exceeded" and no failing input, when the -fuzztime
# deadline races a worker's last call (go.dev/issue/75804, fixed in Go 1.27).
# That outcome is retried once; a run that writes a failing input, or fails
# for any other reason, fails at once.
set -u
pkg=$1 name=$2 fuzztime=$3
go=${GO:-go}
try=1
while :; do
	log=$(mktemp)
	"$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s "$pkg" >"$log" 2>&1
	rc=$?
	cat "$log"
	if [ "$rc" -eq 0 ]; then
		rm -f "$log"
		exit 0
	fi
	if grep -q 'Failing input written to' "$log" || ! grep -q '^    context deadline exceeded$' "$log" || [ "$try" -ge 2 ]; then
		rm -f "$log"
		exit "$rc"
	fi
	rm -f "$log"
	echo "fuzz.sh: $name stopped on Go's fuzz-deadline race (go.dev/issue/75804) with no failing input; running it again"
	try=$((try + 1))
done

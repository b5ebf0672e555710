#!/usr/bin/env bash
# Run every Check unit-test binary under BUILD/tests; fail if any fails.
# Each binary prints Check's summary line ("100%: Checks: N, Failures: 0,
# Errors: 0"); the last line printed is the sum over all of them.
# UNIT_WRAP runs each binary under a wrapper (valgrind).
set -u
build=${1:-build}
status=0 checks=0 failures=0 errors=0
for t in "$build"/tests/check_*; do
	case "$t" in *.o|*.d) continue ;; esac
	[ -x "$t" ] || continue
	t0=$SECONDS
	out=$(${UNIT_WRAP:-} "$t" 2>&1)
	st=$?
	printf '%s\n' "$out" | grep -v '^Running suite' >&2
	echo "  $(basename "$t"): $((SECONDS - t0)) s" >&2
	if [ $st -ne 0 ]; then
		# a leak report at exit (LSan, valgrind) leaves a clean summary
		echo "unit: $t exited with status $st" >&2
		status=1
	fi
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		echo "unit: $t printed no summary" >&2
		status=1
		continue
	fi
	c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
	f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
	e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
	checks=$((checks + c)) failures=$((failures + f)) errors=$((errors + e))
done
pct=100
[ "$checks" -gt 0 ] && pct=$(( (checks - failures - errors) * 100 / checks ))
echo "${pct}%: Checks: $checks, Failures: $failures, Errors: $errors"
[ "$checks" -gt 0 ] || status=1
exit $status

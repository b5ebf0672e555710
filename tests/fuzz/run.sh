#!/usr/bin/env bash
# Run libFuzzer harnesses for a fixed time each; fail if any finds a crash.
#
#   tests/fuzz/run.sh SECONDS BUILDDIR NAME...
#
# Each BUILDDIR/fuzz_NAME runs for SECONDS on its working corpus
# BUILDDIR/corpus/NAME (new inputs go there, so the seeds in
# tests/fuzz/corpus/NAME stay as committed) plus the seeds.  A crash, leak,
# timeout (10 s per input) or out-of-memory stops that harness and leaves
# the input in BUILDDIR/artifacts/NAME/; the log is BUILDDIR/NAME.log.
# tests/fuzz/NAME.dict, when there is one, is the harness's dictionary.
# FUZZ_FRESH=1 starts from the seeds alone, in a working corpus
# BUILDDIR/fresh/NAME emptied first, so the run does not depend on what
# earlier runs found (make fuzz-smoke).
# One line per harness: executions, executions per second, corpus size;
# then "N harnesses, N failed".  FUZZ_ARGS adds libFuzzer options.
set -u
secs=$1 build=$2
shift 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0 n=0 failed=0
for name in "$@"; do
	bin=$build/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	work=$build/corpus/$name
	if [ "${FUZZ_FRESH:-0}" = 1 ]; then
		work=$build/fresh/$name
		rm -rf "$work"
	fi
	art=$build/artifacts/$name
	log=$build/$name.log
	mkdir -p "$work" "$art"
	[ -d "$seeds" ] || seeds=
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
	n=$((n + 1))
	old=$(ls "$art")
	start=$(date +%s%N)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" $dict ${FUZZ_ARGS:-} \
		"$work" $seeds >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	units=$(ls "$work" | wc -l)
	printf 'fuzz %-10s %10s execs %7s/s %5s inputs %3d.%01ds  %s\n' \
		"$name" "${execs:-?}" "${rate:-?}" "$units" \
		$((ms / 1000)) $((ms % 1000 / 100)) \
		"$([ $rc -eq 0 ] && echo ok || echo "FAILED (see $log)")"
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1)) status=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|.*runtime error)' \
			"$log" | head -n 5 | sed 's/^/    /'
		ls "$art" | grep -vxF "$old" | sed "s|^|    artifact: $art/|"
	fi
done
echo "$n harnesses, $failed failed"
exit $status

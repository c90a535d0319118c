#!/bin/sh
# tests/fuzz/run-one.sh: runs one libFuzzer harness for `make fuzz`.
#
#   run-one.sh NAME SECONDS       fuzz build/fuzz/fuzz_NAME for SECONDS on
#                                 build/fuzz/corpus/NAME (seeded from
#                                 tests/fuzz/corpus/NAME); writes
#                                 build/fuzz/NAME.log and NAME.result
#   run-one.sh --summary NAME...  prints every NAME.result; exits 1 if one
#                                 failed or is missing
#
# A result line: "NAME ok|fail EXECS COV FT CORPUS ARTIFACT". Run from the
# top of the tree (make does).
set -u

B=build/fuzz

if [ "${1:-}" = "--summary" ]; then
	shift
	rc=0
	for name in "$@"; do
		if [ ! -f "$B/$name.result" ]; then
			echo "fuzz_$name: no result (did not run)"
			rc=1
			continue
		fi
		read -r _ status execs cov ft corpus artifact <"$B/$name.result"
		if [ "$status" = ok ]; then
			echo "fuzz_$name: ok, $execs execs, cov $cov, ft $ft, corpus $corpus"
		else
			echo "fuzz_$name: FAILED after $execs execs (log: $B/$name.log)"
			echo "fuzz_$name: crashing input: $artifact"
			rc=1
		fi
	done
	exit $rc
fi

name=$1
seconds=$2
bin=$B/fuzz_$name
seeds=tests/fuzz/corpus/$name
corpus=$B/corpus/$name
log=$B/$name.log
dict=tests/fuzz/$name.dict

# -max_len per harness: a request head is at most 8192 bytes, a PROXY
# header needs at most 16 + 216 to decide, a parent's head 8192.
case $name in
request) max_len=8192 ;;
config) max_len=16384 ;;
auth) max_len=4096 ;;
parent) max_len=8192 ;;
proxyproto) max_len=512 ;;
policy) max_len=4096 ;;
*) max_len=4096 ;;
esac

mkdir -p "$corpus" "$B/artifacts"
# FUZZ_FRESH=1 starts from the seeds alone; otherwise what earlier runs
# found is kept (build/ is never committed).
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus" && mkdir -p "$corpus"
cp "$seeds"/* "$corpus"/ 2>/dev/null

set -- -max_total_time="$seconds" -max_len="$max_len" -timeout=5 \
	-rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$B/artifacts/fuzz_$name-"
[ -f "$dict" ] && set -- "$@" -dict="$dict"

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
	"$bin" "$@" ${FUZZ_EXTRA:-} "$corpus" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
size=$(find "$corpus" -type f | wc -l | tr -d ' ')
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
[ -z "$execs" ] && execs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
: "${execs:=0}" "${cov:=0}" "${ft:=0}"

if [ "$rc" -eq 0 ] && [ -z "$artifact" ]; then
	echo "$name ok $execs $cov $ft $size -" >"$B/$name.result"
	echo "fuzz_$name: $execs execs in ${seconds}s, cov $cov, ft $ft, corpus $size"
else
	echo "$name fail $execs $cov $ft $size ${artifact:-none}" >"$B/$name.result"
	echo "fuzz_$name: FAILED (exit $rc), log $log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|.*runtime error)' "$log" |
		head -n 5 | sed 's/^/  /'
	echo "  crashing input: ${artifact:-none written}"
fi
exit 0

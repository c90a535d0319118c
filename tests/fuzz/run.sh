#!/bin/bash
# tests/fuzz/run.sh [SECONDS]: the short fuzzing run for CI.
#
# Builds every harness and runs `make fuzz FUZZ_SECONDS=SECONDS` (default
# 60: 10 s per harness, about a minute and a half with the build), then
# prints one TAP line per harness:
#
#   ok - fuzz_request: 91234 execs, cov 302, ft 1137, corpus 425, no crash
#   not ok - fuzz_config: crash after 1234 execs: build/fuzz/artifacts/...
#
# Installs clang-14 and libFuzzer with apt-get when they are missing and we
# are root. Exits 1 when a harness failed or could not be built. The
# committed corpus is never touched: runs work on build/fuzz/corpus.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_SECONDS=${1:-${FUZZ_SECONDS:-60}}
# The test command's run is reproducible: the committed seeds only, a
# fixed seed and a fixed number of runs per harness, so that CI reports
# what a developer sees here. `make fuzz` explores at random and for
# longer; what it finds joins the corpus and the unit tests.
export FUZZ_FRESH=${FUZZ_FRESH:-1}
export FUZZ_EXTRA=${FUZZ_EXTRA:--seed=1 -runs=30000}
FUZZ_CC=${FUZZ_CC:-clang-14}
NAMES="request config auth parent proxyproto policy"
LOG=$TOP/build/fuzz/run.log
mkdir -p "$TOP/build/fuzz"

# Whether FUZZ_CC can build and link a libFuzzer target with the sanitizers.
can_fuzz() {
	local dir rc
	dir=$(mktemp -d "${TMPDIR:-/tmp}/connectd-fuzzcheck.XXXXXX") || return 1
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
		>"$dir/t.c"
	"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$dir/t" "$dir/t.c" -lcrypt \
		>/dev/null 2>&1
	rc=$?
	rm -rf "$dir"
	return $rc
}

if ! can_fuzz; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "# installing clang-14 and libFuzzer (log: $LOG)"
		{
			apt-get update
			DEBIAN_FRONTEND=noninteractive apt-get install -y \
				--no-install-recommends clang-14 libclang-rt-14-dev \
				libfuzzer-14-dev libcrypt-dev
		} >"$LOG" 2>&1
	fi
	if ! can_fuzz; then
		echo "not ok - fuzz: $FUZZ_CC cannot link -fsanitize=fuzzer (apt-get install clang-14 libclang-rt-14-dev libfuzzer-14-dev)"
		exit 1
	fi
fi

rm -f "$TOP"/build/fuzz/*.result
make -C "$TOP" --no-print-directory fuzz FUZZ_CC="$FUZZ_CC" \
	FUZZ_SECONDS="$FUZZ_SECONDS" >"$LOG" 2>&1
rc=$?

failed=0
for name in $NAMES; do
	result=$TOP/build/fuzz/$name.result
	if [ ! -f "$result" ]; then
		echo "not ok - fuzz_$name: did not run (build failed?)"
		tail -n 20 "$LOG" | sed 's/^/#   /'
		failed=$((failed + 1))
		continue
	fi
	read -r _ status execs cov ft corpus artifact <"$result"
	if [ "$status" = ok ]; then
		echo "ok - fuzz_$name: $execs execs, cov $cov, ft $ft, corpus $corpus, no crash"
	else
		echo "not ok - fuzz_$name: crash, leak or timeout after $execs execs: $artifact"
		grep -E 'invariant failed|ERROR: |SUMMARY: |runtime error' \
			"$TOP/build/fuzz/$name.log" | head -n 5 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - fuzz: make fuzz exited $rc"
	tail -n 20 "$LOG" | sed 's/^/#   /'
	failed=1
fi
[ "$failed" -eq 0 ]

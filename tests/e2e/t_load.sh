#!/bin/bash
# t_load.sh: load (issue 7, point 3). 2,000 tunnels through
# systemd-socket-activate, 1,000 of them open at the same time, each
# moving its own seeded random payload both ways (skewed sizes from 0 to
# 8 MiB, about 1.5 GB in all; load.py's header states the distribution),
# every byte hashed with SHA-256 where it is sent and where it arrives.
# Zero failed tunnels, zero lost or altered bytes, every connectd exits 0
# with a status=200 record whose up/down counts add up, and no connectd
# process is left afterwards.
#
# LOAD_TUNNELS, LOAD_CONCURRENCY and LOAD_SEED override the defaults
# (2,000, 1,000 and 7; an ASan build gets 1,000 and 500).
. "$(dirname "$0")/lib.sh"
need_binary
# A snapshot of the binary: a rebuild while the load runs (make from another
# shell) must not make some of the 2,000 execs fail.
cp "$CONNECTD" "$T/connectd" && CONNECTD=$T/connectd

TUNNELS=${LOAD_TUNNELS:-2000}
CONC=${LOAD_CONCURRENCY:-1000}
# An ASan build holds about 9 MiB resident per process (3 MiB normally):
# half the load keeps 500 of them (and their wrap.sh shells) well within
# memory on a shared machine.
if grep -q __asan_init "$CONNECTD" 2>/dev/null; then
	TUNNELS=${LOAD_TUNNELS:-1000}
	CONC=${LOAD_CONCURRENCY:-500}
	echo "# ASan build: $TUNNELS tunnels, $CONC at once"
fi
SEED=${LOAD_SEED:-7}
LOAD=$E2E_DIR/load.py
# One client and one server process hold thousands of sockets.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

TARGET=$(free_port)
rm -f "$T/server.ready"
spawn "$T/server.out" "$T/server.out" "$PYTHON" "$LOAD" server "$TARGET" --seed "$SEED" \
	--report "$T/server.report" --ready "$T/server.ready"
SERVER_PID=$SPAWNED_PID
if ! wait_for "test -s '$T/server.ready'" 10; then
	not_ok "load.py server starts" "$(cat "$T/server.out")"
	exit 1
fi

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
request_timeout 60s
connect_timeout 30s
idle_timeout 120s
allow from 127.0.0.1 to 127.0.0.1 port $TARGET
EOF
start_connectd "$CONF" || exit 1
SUP=$CD_PID
echo "# systemd-socket-activate pid $SUP, listen backlog $(ss -Hltn "sport = :$CD_PORT" | awk '{ print $3; exit }')"

# connectd_count: connectd processes below the supervisor.
connectd_count() {
	ps -e -o pid=,ppid=,comm= | awk -v root="$SUP" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			n = 0
			for (p in parent) {
				if (comm[p] != "connectd") continue
				q = p
				for (i = 0; i < 16 && q != root && (q in parent); i++)
					q = parent[q]
				if (q == root) n++
			}
			print n
		}'
}

start=$(now_ms)
"$PYTHON" "$LOAD" client 127.0.0.1 "$CD_PORT" "127.0.0.1:$TARGET" --tunnels "$TUNNELS" \
	--concurrency "$CONC" --seed "$SEED" --report "$T/server.report" --sup "$SUP" \
	--timeout 220 --barrier-timeout 100 >"$T/client.out" 2>"$T/client.err"
rc=$?
wall=$(($(now_ms) - start))
grep '^#' "$T/client.out"
res=$(grep '^result ' "$T/client.out")
echo "# $res"
field() {
	printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

case_begin
[ "$rc" -eq 0 ] || problem "load.py client exited $rc: $(tail -n 5 "$T/client.err")"
[ "$(field tunnels)" = "$TUNNELS" ] || problem "tunnels=$(field tunnels), want $TUNNELS"
[ "$(field ok)" = "$TUNNELS" ] || problem "ok=$(field ok), want $TUNNELS"
[ "$(field failed)" = 0 ] || problem "failed=$(field failed), want 0"
case_end "$TUNNELS tunnels, payloads both ways: every tunnel ok, SHA-256 and length equal at both ends (zero lost or altered bytes)"

case_begin
[ "$(field established_at_barrier)" -ge "$CONC" ] 2>/dev/null ||
	problem "only $(field established_at_barrier) tunnels had their 200 at the same time, want $CONC"
[ "$(field connectd_at_barrier)" -ge "$CONC" ] 2>/dev/null ||
	problem "$(field connectd_at_barrier) connectd processes at the barrier, want >= $CONC"
case_end "$CONC tunnels open at once: $(field connectd_at_barrier) connectd processes counted at that moment (peak $(field peak_connectd))"

# Every connectd exited 0 with one status=200 record, and the records'
# byte counts are the payloads plus load.py's 32-byte header per tunnel.
case_begin
wait_for "[ \$(wc -l <'$CD_EXITS') -ge $TUNNELS ]" 30 ||
	problem "$(wc -l <"$CD_EXITS") exit records, want $TUNNELS"
bad=$(awk '$2 != 0' "$CD_EXITS" | head -n 5)
[ -z "$bad" ] || problem "connectd exits other than 0 (pid status): $bad"
n=$(grep -cE '^connectd\[[0-9]+\]: ' "$CD_LOG")
[ "$n" = "$TUNNELS" ] || problem "$n log records, want $TUNNELS"
n=$(grep -E '^connectd\[[0-9]+\]: ' "$CD_LOG" | grep -c ' status=200 .* close=\(client\|server\)-eof ')
[ "$n" = "$TUNNELS" ] || problem "$n records with status=200 and close=client-eof/server-eof, want $TUNNELS: $(grep -E '^connectd\[' "$CD_LOG" | grep -v ' status=200 ' | head -n 3)"
sums=$(grep -E '^connectd\[[0-9]+\]: ' "$CD_LOG" | tr ' ' '\n' |
	awk -F= '$1 == "up" { u += $2 } $1 == "down" { d += $2 } END { printf "%d %d\n", u, d }')
read -r lup ldown <<<"$sums"
want_up=$(($(field up_bytes) + 32 * TUNNELS))
[ "$lup" = "$want_up" ] || problem "log up= adds up to $lup, want $want_up (payload + headers)"
[ "$ldown" = "$(field down_bytes)" ] || problem "log down= adds up to $ldown, want $(field down_bytes)"
case_end "every connectd exited 0 with one status=200 record; log up/down sums equal the bytes moved ($lup up, $ldown down)"

case_begin
wait_for "[ \$(connectd_count) = 0 ]" 30 || problem "$(connectd_count) connectd processes still running 30 s after the client finished"
n=$(ps -e -o ppid= | awk -v p="$SUP" '$1 == p' | wc -l)
[ "$n" = 0 ] || problem "$n children of the supervisor left"
kill -0 "$SUP" 2>/dev/null || problem "systemd-socket-activate is gone"
case_end "no connectd process left after the load"

echo "# figures: tunnels ok $(field ok), failed $(field failed); bytes up $(field up_bytes), down $(field down_bytes);" \
	"wall $(field wall_s) s (client), $((wall / 1000)) s (script); $(field mb_per_s) MB/s payload;" \
	"peak concurrent connectd $(field peak_connectd), tunnels open at the barrier $(field established_at_barrier) after $(field barrier_s) s"
stop_pid "$SERVER_PID"

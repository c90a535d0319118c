#!/bin/bash
# t_faults.sh: faults from every side (issue 7, point 2). For each fault:
# the right status or a prompt close, connectd exits within its deadline,
# the log record says what happened (close=, error=, exit code), and
# nothing is left behind: no connectd process under the supervisor, the
# process's /proc entry gone, the supervisor holding the fds it held
# before, the upstream side closed.
#
#   upstream RST mid-stream          client closed < 1 s, close=server-reset, exit 13
#   client RST mid-stream            connectd gone < 1 s, close=client-reset, exit 13
#   client gone before the 200       (target's SYNs dropped) connectd still
#                                    exits by connect_timeout, exit 9
#   upstream accepts, never speaks   idle_timeout 2 s: close=idle, exit 11
#   upstream SYNs dropped            504 within connect_timeout + 1 s, exit 9
#   DNS failure                      502 dns_error, exit 7
#   slowloris (1 byte/s)             408 at request_timeout 3 s, no connect, exit 4
#   client never reads, upstream floods
#                                    VmRSS bounded and flat, idle_timeout still
#                                    ends it, exit 11
#   supervisor connection limit      tcpserver -c 2: the third client waits in
#                                    the accept queue and is served when a
#                                    slot frees; xinetd instances = 2: the
#                                    third is accepted and closed at once;
#                                    the two held tunnels are unaffected
. "$(dirname "$0")/lib.sh"
need_binary

RST=$(free_port)
FLOOD=$(free_port)
SINK=$(free_port)
ECHO=$(free_port)
start_server rst reset-server "$RST" --log "$T/rst.log" || exit 1
start_server flood flood "$FLOOD" --log "$T/flood.log" || exit 1
start_server sink sink "$SINK" "$T/sink" || exit 1
start_server echo echo "$ECHO" || exit 1
PORTS=$RST,$FLOOD,$SINK,$ECHO

# An ASan build has a larger resident set (shadow memory, quarantine):
# about 8.5 MiB here against 3 MiB.
RSS_MAX_KB=${FAULTS_RSS_MAX_KB:-8192}
if grep -q __asan_init "$CONNECTD" 2>/dev/null; then
	RSS_MAX_KB=${FAULTS_RSS_MAX_KB:-32768}
fi

# Names come from a private /etc/hosts only (root: unshare -m), so the
# DNS failure never asks a real resolver.
ETC=()
mkdir -p "$T/etc"
printf 'hosts: files\n' >"$T/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n127.0.0.1 known.test\n' >"$T/etc/hosts"
need_root && ETC=(-e "$T/etc")

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
request_timeout 3s
connect_timeout 2s
idle_timeout 2s
allow from 127.0.0.1 to 127.0.0.1 port $PORTS
allow from 127.0.0.1 to .test port any
EOF
cat >"$T/rss.conf" <<EOF
idle_timeout 5s
allow from 127.0.0.1 to 127.0.0.1 port $FLOOD
EOF
start_connectd -n rss "$T/rss.conf" || exit 1
RSS_PORT=$CD_PORT RSS_LOG=$CD_LOG RSS_EXITS=$CD_EXITS RSS_SUP=$CD_PID
start_connectd "${ETC[@]}" "$CONF" || exit 1
MAIN_SUP=$CD_PID


# ------------------------------------------------------------------ helpers

# cd_children SUP: PIDs of the connectd processes below supervisor SUP.
cd_children() {
	ps -e -o pid=,ppid=,comm= | awk -v root="$1" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			for (p in parent) {
				q = p
				for (i = 0; i < 64 && q != root && (q in parent); i++)
					q = parent[q]
				if (q == root && p != root && comm[p] == "connectd")
					print p
			}
		}'
}

# fd_count PID: how many fds PID holds.
fd_count() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

# lines FILE: its line count (0 when missing).
lines() {
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# await_exit N0 SECONDS [EXITS]: waits until the exits file has more than
# N0 records; sets EXIT_AT (ms since the epoch, polled every 50 ms) or "-".
await_exit() {
	local exits=${3:-$CD_EXITS}
	if wait_for "[ \$(lines '$exits') -gt $1 ]" "$2"; then
		EXIT_AT=$(now_ms)
	else
		EXIT_AT=-
	fi
}

# ms_from NAME KEY AT: milliseconds from raw's timestamp KEY to AT (ms).
ms_from() {
	local t
	t=$(info "$1" "$2")
	if [ -z "$t" ] || [ "$3" = - ]; then
		echo -
		return
	fi
	awk -v t="$t" -v at="$3" 'BEGIN { printf "%d\n", at - t * 1000 }'
}

# nothing_left SUP FDS0 [PID]: adds problems when a connectd process is
# still below SUP (after up to 2 s), PID still has a /proc entry, or SUP
# holds another number of fds than FDS0.
nothing_left() {
	local sup=$1 fds0=$2 pid=${3:-} left
	if ! wait_for "[ -z \"\$(cd_children $sup)\" ]" 2; then
		left=$(cd_children "$sup" | tr '\n' ' ')
		problem "connectd processes left under the supervisor: $left"
	fi
	if [ -n "$pid" ] && [ -e "/proc/$pid" ]; then
		problem "connectd $pid still has /proc/$pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	fi
	[ "$(fd_count "$sup")" = "$fds0" ] ||
		problem "the supervisor holds $(fd_count "$sup") fds, $fds0 before: $(ls -l "/proc/$sup/fd" 2>/dev/null | tail -n +2 | awk '{ print $(NF-2), $NF }' | tr '\n' ' ')"
}

MAIN_FDS=$(fd_count "$MAIN_SUP")
RSS_FDS=$(fd_count "$RSS_SUP")

# ------------------------------------------------------------------ upstream RST
case_begin
n0=$(lines "$CD_EXITS")
raw srst "$(connect_head "127.0.0.1:$RST")" @head RST
await_exit "$n0" 5
end=$(info srst end)
[[ $end == eof || $end == reset ]] || problem "client connection ended by '$end'"
ms=$(ms_between srst t_flush2 t_end)
in_range "$ms" 0 1000 || problem "client closed $ms ms after the server's RST, want < 1 s"
ms=$(ms_from srst t_flush2 "$EXIT_AT")
in_range "$ms" 0 1000 || problem "connectd exited $ms ms after the server's RST, want < 1 s"
case_log "$(info srst local_port)" status=200 close=server-reset '!error' exit=13
nothing_left "$MAIN_SUP" "$MAIN_FDS" "$(log_field "$LOG_LINE" pid)"
case_end "upstream sends data then RST: client closed and connectd gone within 1 s, close=server-reset, exit 13"

# ------------------------------------------------------------------ client RST
case_begin
: >"$T/flood.log"
n0=$(lines "$CD_EXITS")
raw crst "$(connect_head "127.0.0.1:$FLOOD")" @head @recv:1048576 @rst
await_exit "$n0" 5
ms=$(ms_from crst t_rst "$EXIT_AT")
in_range "$ms" 0 1000 || problem "connectd exited $ms ms after the client's RST, want < 1 s"
wait_for "test -s '$T/flood.log'" 3
ended=$(awk '{ print $2; exit }' "$T/flood.log")
ms=$(awk -v a="$(info crst t_rst)" -v b="$ended" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
in_range "$ms" -100 1000 || problem "the flood server saw its connection end $ms ms after the client's RST, want < 1 s"
case_log "$(info crst local_port)" status=200 close=client-reset exit=13
nothing_left "$MAIN_SUP" "$MAIN_FDS" "$(log_field "$LOG_LINE" pid)"
case_end "client RST while the server streams: connectd and the upstream connection gone within 1 s, close=client-reset, exit 13"

# ------------------------------------------------------------------ upstream never speaks
case_begin
: >"$T/sink.conns"
n0=$(lines "$CD_EXITS")
RAW_OPTS=(--timeout 8)
raw mute "$(connect_head "127.0.0.1:$SINK")" @head
RAW_OPTS=()
await_exit "$n0" 3
check_resp mute --status 200 --tunnel "" --end eof
ms=$(ms_between mute t_head t_end)
in_range "$ms" 1500 3000 || problem "tunnel closed $ms ms after the 200, want idle_timeout 2 s"
ms=$(ms_from mute t_head "$EXIT_AT")
in_range "$ms" 1500 3200 || problem "connectd exited $ms ms after the 200, want ~2 s"
wait_for "grep -q '^close' '$T/sink.conns'" 3 || problem "the upstream connection was not closed: $(cat "$T/sink.conns")"
case_log "$(info mute local_port)" status=200 up=0 down=0 close=idle '!error' exit=11
nothing_left "$MAIN_SUP" "$MAIN_FDS" "$(log_field "$LOG_LINE" pid)"
case_end "upstream accepts and never speaks: idle_timeout 2 s closes both sides, close=idle, exit 11"

# ------------------------------------------------------------------ DNS failure
case_begin
n0=$(lines "$CD_EXITS")
raw nodns "$(connect_head nosuch.test:443)"
await_exit "$n0" 5
check_resp nodns --status 502 --error dns_error --end eof
ms=$(ms_between nodns t_start t_head)
in_range "$ms" 0 1000 || problem "502 after $ms ms, want at once"
ms=$(ms_from nodns t_start "$EXIT_AT")
in_range "$ms" 0 3500 || problem "connectd exited $ms ms after the request (answer, then at most the 2 s drain), want < 3.5 s"
case_log "$(info nodns local_port)" status=502 target=nosuch.test:443 addr=- close=- error=dns_error exit=7
nothing_left "$MAIN_SUP" "$MAIN_FDS" "$(log_field "$LOG_LINE" pid)"
case_end "a name that does not resolve (private nsswitch: files only): 502 dns_error at once, exit 7"

# ------------------------------------------------------------------ slowloris
case_begin
: >"$T/sink.conns"
n0=$(lines "$CD_EXITS")
RAW_OPTS=(--timeout 12 --chunk 1 --gap-ms 1000 --stop-when-closed)
raw slow "$(connect_head "127.0.0.1:$SINK")"
RAW_OPTS=()
await_exit "$n0" 3
check_resp slow --status 408 --end eof
ms=$(ms_between slow t_start t_head)
in_range "$ms" 2800 4200 || problem "408 after $ms ms, want request_timeout 3 s"
ms=$(ms_from slow t_start "$EXIT_AT")
in_range "$ms" 2800 6500 || problem "connectd exited $ms ms after the first byte, want by request_timeout + 2 s drain"
[ -s "$T/sink.conns" ] && problem "connectd connected to the target: $(cat "$T/sink.conns")"
case_log "$(info slow local_port)" status=408 addr=- connect_ms=- close=- exit=4
nothing_left "$MAIN_SUP" "$MAIN_FDS" "$(log_field "$LOG_LINE" pid)"
case_end "slowloris (one byte a second): 408 at request_timeout 3 s, no connect made, exit 4"

# ------------------------------------------------------------------ client never reads
# The flood server writes as fast as it can; the client reads the 200
# and then nothing. connectd's resident set must stay small and flat
# (one fixed buffer per direction), and idle_timeout (5 s here) must
# still end the stalled tunnel.
case_begin
: >"$T/flood.log"
n0=$(lines "$RSS_EXITS")
RAW_OPTS=(--timeout 14)
RAW_PORT=$RSS_PORT raw stall "$(connect_head "127.0.0.1:$FLOOD")" @head @noread @sleep:9000 @read &
rawpid=$!
RAW_OPTS=()
pid=""
wait_for "[ -n \"\$(cd_children $RSS_SUP)\" ]" 5 && pid=$(cd_children "$RSS_SUP" | head -n 1)
wait_for "[ -n \"\$(ss -Htn state established sport = :$FLOOD)\" ]" 5 ||
	problem "the tunnel to the flood server did not come up"
rss=()
if [ -n "$pid" ]; then
	sleep 0.5 # sampling interval (not a wait): the first sample after the stall set in
	for i in 1 2 3 4 5 6 7; do
		v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
		rss+=("${v:--}")
		[ "$i" -lt 7 ] && sleep 0.5
	done
else
	problem "no connectd process found under the supervisor"
fi
echo "# VmRSS of connectd $pid every 0.5 s (KiB): ${rss[*]}"
first=${rss[0]:--}
max=0
for v in "${rss[@]}"; do
	if ! [[ $v =~ ^[0-9]+$ ]]; then
		problem "VmRSS sample '$v': the process was gone before the idle timeout"
		continue
	fi
	[ "$v" -gt "$max" ] && max=$v
	[ "$v" -le "$RSS_MAX_KB" ] || problem "VmRSS $v KiB > $RSS_MAX_KB KiB"
done
[[ $first =~ ^[0-9]+$ ]] && [ "$max" -gt $((first + 256)) ] &&
	problem "VmRSS grew from $first to $max KiB while the client read nothing"
await_exit "$n0" 10 "$RSS_EXITS"
wait "$rawpid"
ms=$(ms_from stall t_noread "$EXIT_AT")
in_range "$ms" 4500 6500 || problem "connectd exited $ms ms after the client stopped reading, want idle_timeout 5 s"
wait_for "test -s '$T/flood.log'" 3
sent=$(awk '{ print $4; exit }' "$T/flood.log")
if [ -z "$sent" ]; then
	problem "the flood server did not report the end of its connection"
else
	echo "# the flood server got $sent bytes out before the stall and the idle close"
	[ "$sent" -le $((64 << 20)) ] || problem "the server pushed $sent bytes to a client that read nothing"
fi
CASE_LOG=$RSS_LOG CASE_EXITS=$RSS_EXITS case_log "$(info stall local_port)" status=200 up=0 close=idle exit=11
nothing_left "$RSS_SUP" "$RSS_FDS" "$pid"
case_end "client never reads while the upstream floods: VmRSS <= $RSS_MAX_KB KiB and flat over 3 s, idle_timeout still ends it (exit 11)"

# ------------------------------------------------------------------ network namespaces
if ! need_root; then
	skip "client gone before the 200; SYNs dropped" "not root"
else
	P=${NS_PREFIX}p
	Q=${NS_PREFIX}q
	if ! veth_pair "$P" "$Q" "cdf$$"; then
		not_ok "network namespaces for the SYN-drop cases" "$(cat "$T/netns.err")"
		exit 1
	fi
	DROP=9
	if ! ip netns exec "$Q" nft -f - <<EOF 2>"$T/nft.err"; then
table inet cdt {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $DROP drop
	}
}
EOF
		not_ok "nft drop rule in the target namespace" "$(cat "$T/nft.err")"
		exit 1
	fi
	cat >"$T/ns.conf" <<EOF
connect_timeout 2s
allow from 127.0.0.1 to 198.18.0.0/15 port any
EOF
	start_connectd -n ns -N "$P" "$T/ns.conf" || exit 1
	NS_SUP=$CD_PID
	NS_FDS=$(fd_count "$NS_SUP")
	nsraw() {
		local name=$1
		shift
		ip netns exec "$P" "$PYTHON" "$HELPERS" raw --out "$T/$name.out" --info "$T/$name.info" \
			"${RAW_OPTS[@]}" 127.0.0.1 "$CD_PORT" "$@" 2>>"$T/raw.err"
	}

	case_begin
	n0=$(lines "$CD_EXITS")
	RAW_OPTS=(--timeout 8)
	nsraw drop "CONNECT 198.18.0.2:$DROP HTTP/1.1\r\n\r\n"
	RAW_OPTS=()
	await_exit "$n0" 5
	check_resp drop --status 504 --error connection_timeout --end eof
	ms=$(ms_between drop t_start t_head)
	in_range "$ms" 1800 3000 || problem "504 after $ms ms, want connect_timeout 2 s (+1 s)"
	case_log "$(info drop local_port)" status=504 "addr=198.18.0.2:$DROP" close=- \
		error=connection_timeout exit=9
	nothing_left "$NS_SUP" "$NS_FDS" "$(log_field "$LOG_LINE" pid)"
	case_end "upstream SYNs dropped (netns + nft): 504 connection_timeout within connect_timeout + 1 s, exit 9"

	# The client leaves while connectd is still connecting: nobody is
	# there for the answer, but the process must not hang on.
	for how in close rst; do
		case_begin
		n0=$(lines "$CD_EXITS")
		RAW_OPTS=(--timeout 8)
		nsraw "gone$how" "CONNECT 198.18.0.2:$DROP HTTP/1.1\r\n\r\n" @sleep:300 "@$how"
		RAW_OPTS=()
		await_exit "$n0" 5
		ms=$(ms_from "gone$how" t_start "$EXIT_AT")
		in_range "$ms" 1800 3000 || problem "connectd exited $ms ms after the request, want by connect_timeout 2 s (+1 s)"
		[ "$(info "gone$how" bytes)" = 0 ] || problem "the client got $(info "gone$how" bytes) bytes before it left"
		case_log "$(info "gone$how" local_port)" status=504 error=connection_timeout exit=9
		nothing_left "$NS_SUP" "$NS_FDS" "$(log_field "$LOG_LINE" pid)"
		case_end "client gone ($how) before the 200 while the connect hangs: connectd exits at connect_timeout (exit 9), nothing left"
	done
fi

# ------------------------------------------------------------------ supervisor limits
# Two tunnels held open, then a third client. Held tunnels send A, wait
# 3 s, send B, then close; each must get exactly AB back.
held() {
	local port=$1 name=$2
	"$PYTHON" "$HELPERS" raw --out "$T/$name.out" --info "$T/$name.info" --timeout 12 \
		127.0.0.1 "$port" "$(connect_head "127.0.0.1:$ECHO")" @head A @recv:1 @sleep:3000 B @recv:2 @shut \
		2>>"$T/raw.err" &
}
# tunnels_up N: N tunnels reached the echo server.
tunnels_up() {
	[ "$(ss -Htn state established sport = :"$ECHO" | wc -l)" -ge "$1" ]
}
# accept_queue PORT: connections waiting in PORT's accept queue.
accept_queue() {
	ss -Hltn "sport = :$1" | awk '{ print $2; exit }'
}

cat >"$T/limits.conf" <<EOF
idle_timeout 30s
allow from 127.0.0.1 to 127.0.0.1 port $ECHO
EOF
LCONF=$T/limits.conf
type run_conf >/dev/null 2>&1 && LCONF=$(run_conf "$LCONF")

# tcpserver -c 2: at the limit it stops accepting.
TCPP=$(free_port)
spawn /dev/null "$T/tcpserver.log" tcpserver -v -H -R -l 0 -c 2 -b 16 127.0.0.1 "$TCPP" \
	"$T/wrap.sh" "$T/tcpserver.exits" "$CONNECTD" -c "$LCONF"
TCP_SUP=$SPAWNED_PID
if ! wait_for "listening $TCPP" 10; then
	not_ok "tcpserver -c 2 starts" "$(cat "$T/tcpserver.log")"
else
	TCP_FDS=$(fd_count "$TCP_SUP")
	case_begin
	held "$TCPP" th1
	p1=$!
	held "$TCPP" th2
	p2=$!
	wait_for "tunnels_up 2" 5 || problem "the two held tunnels did not come up"
	"$PYTHON" "$HELPERS" raw --out "$T/th3.out" --info "$T/th3.info" --timeout 12 \
		127.0.0.1 "$TCPP" "$(connect_head "127.0.0.1:$ECHO")" @head C @recv:1 @shut 2>>"$T/raw.err" &
	p3=$!
	wait_for "[ \"\$(accept_queue $TCPP)\" = 1 ]" 3 ||
		problem "the third connection is not waiting in the accept queue (Recv-Q $(accept_queue "$TCPP"))"
	n=$(cd_children "$TCP_SUP" | wc -l)
	[ "$n" = 2 ] || problem "$n connectd processes under tcpserver -c 2 with a third client waiting"
	grep -q 'status: 2/2' "$T/tcpserver.log" || problem "tcpserver did not report status: 2/2"
	wait "$p1" "$p2" "$p3"
	check_resp th1 --status 200 --tunnel AB --end eof
	check_resp th2 --status 200 --tunnel AB --end eof
	check_resp th3 --status 200 --tunnel C --end eof
	first_end=$(printf '%s\n%s\n' "$(info th1 t_end)" "$(info th2 t_end)" | sort -n | head -n 1)
	ms=$(awk -v a="$first_end" -v b="$(info th3 t_head)" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
	in_range "$ms" -300 1500 || problem "the third got its 200 $ms ms after the first held tunnel ended, want only then"
	CASE_LOG=$T/tcpserver.log CASE_EXITS=$T/tcpserver.exits case_log "$(info th3 local_port)" status=200 up=1 down=1 exit=0
	for h in th1 th2; do
		CASE_LOG=$T/tcpserver.log CASE_EXITS=$T/tcpserver.exits case_log "$(info $h local_port)" status=200 up=2 down=2 exit=0
	done
	kill -0 "$TCP_SUP" 2>/dev/null || problem "tcpserver is gone"
	nothing_left "$TCP_SUP" "$TCP_FDS"
	case_end "tcpserver -c 2 with two held tunnels: the third waits in the accept queue and gets its 200 when a slot frees; held tunnels unaffected"
	stop_pid "$TCP_SUP"
fi

# xinetd instances = 2: at the limit it accepts the third connection and
# closes it at once (log: FAIL service_limit). As root only.
if ! need_root; then
	skip "xinetd instances = 2" "not root"
	exit 0
fi
XPORT=$(free_port)
xinetd_conf connectd-faults "$XPORT" "$CONNECTD" "-c $LCONF" "instances = 2" >"$T/xinetd.conf"
spawn "$T/xinetd.out" "$T/xinetd.out" xinetd -dontfork -pidfile "$T/xinetd.pid" -f "$T/xinetd.conf"
X_SUP=$SPAWNED_PID
if ! wait_for "listening $XPORT" 10; then
	not_ok "xinetd starts" "$(cat "$T/xinetd.out" "$T/xinetd.log" 2>/dev/null)"
	exit 1
fi
X_FDS=$(fd_count "$X_SUP")
case_begin
held "$XPORT" xh1
p1=$!
held "$XPORT" xh2
p2=$!
wait_for "tunnels_up 2" 5 || problem "the two held tunnels did not come up"
"$PYTHON" "$HELPERS" raw --out "$T/xh3.out" --info "$T/xh3.info" --timeout 5 \
	127.0.0.1 "$XPORT" "$(connect_head "127.0.0.1:$ECHO")" @head 2>>"$T/raw.err"
end=$(info xh3 end)
[[ $end == eof || $end == reset ]] || problem "the third connection ended by '$end', want closed by xinetd"
[ "$(info xh3 bytes)" = 0 ] || problem "the third got bytes: $(show xh3)"
ms=$(ms_between xh3 t_start t_end)
in_range "$ms" 0 1000 || problem "the third was closed after $ms ms, want at once"
wait_for "grep -q 'FAIL: connectd-faults service_limit' '$T/xinetd.log'" 3 ||
	problem "xinetd logged no service_limit failure: $(cat "$T/xinetd.log")"
n=$(cd_children "$X_SUP" | wc -l)
[ "$n" = 2 ] || problem "$n connectd processes under xinetd instances = 2"
wait "$p1" "$p2"
check_resp xh1 --status 200 --tunnel AB --end eof
check_resp xh2 --status 200 --tunnel AB --end eof
wait_for "[ \$(grep -c 'EXIT: connectd-faults status=0 ' '$T/xinetd.log') -ge 2 ]" 5 ||
	problem "xinetd did not record two exits with status 0: $(grep EXIT "$T/xinetd.log")"
grep -q 'EXIT: connectd-faults status=\([1-9]\|-\)' "$T/xinetd.log" &&
	problem "an exit other than 0: $(grep EXIT "$T/xinetd.log")"
# With the slots free again, a fourth client is served.
RAW_PORT=$XPORT raw xh4 "$(connect_head "127.0.0.1:$ECHO")" @head D @recv:1 @shut
check_resp xh4 --status 200 --tunnel D --end eof
kill -0 "$X_SUP" 2>/dev/null || problem "xinetd is gone"
nothing_left "$X_SUP" "$X_FDS"
case_end "xinetd instances = 2 with two held tunnels: the third is closed at once (FAIL service_limit), held tunnels unaffected, the next is served"
stop_pid "$X_SUP"

#!/bin/bash
# t_tier.sh: connectd scaled out behind HAProxy (issue 8, point 3).
#
# Three network namespaces play three hosts, each joined to the root
# namespace by a veth pair (root side 198.18.A.1/30, host side
# 198.18.A.2/30, A = a free /24 slot per host) and running connectd under
# systemd-socket-activate on 198.18.A.2:3128 with `proxy_protocol from
# 198.18.A.1`. HAProxy in the root namespace listens on 127.0.0.1:FRONT
# and balances over the three with send-proxy-v2 and health checks; the
# echo target listens on the root side of the first veth. Checked: tunnels
# land on every host; each record names the real client (HAProxy's
# frontend peer) and balancer=198.18.A.1; a `from` rule on the client
# holds through the balancer; a host taken down leaves the others serving
# every new tunnel; a forged header from an untrusted address is a 400.
. "$(dirname "$0")/lib.sh"
need_binary

if ! need_root; then
	skip "connectd behind HAProxy in network namespaces" "not root"
	exit 0
fi
if ! command -v haproxy >/dev/null 2>&1; then
	not_ok "haproxy is installed (tests/run installs it)"
	exit 1
fi

# The log contract (README "Logs and exit codes") has an optional
# balancer= after route=; lib.sh's LOG_RE predates it.
# shellcheck disable=SC2034 # read by lib.sh's case_log
LOG_RE='^connectd\[[0-9]+\]: client=[^ ]+ target=[^ ]+ addr=[^ ]+ rule=[^ ]+ status=([0-9]{3}|-) up=[0-9]+ down=[0-9]+ resolve_ms=([0-9]+|-) connect_ms=([0-9]+|-) total_ms=[0-9]+ close=[a-z-]+ route=[^ ]+( balancer=[^ ]+)?( parent_status=[0-9]{3})?( user=[^ ]+ auth=(ok|fail))?( error=[a-z_]+)?( detail="[^"]*")?$'

# ---------------------------------------------------------------- hosts

# Root-side veths live in the root namespace: delete them on exit too
# (deleting a namespace removes its pair, but not at once).
VETHS=()
_tier_cleanup() {
	local rc=$? v
	for v in "${VETHS[@]}"; do
		ip link del "$v" 2>/dev/null
	done
	(exit "$rc")
	_cleanup
}
trap _tier_cleanup EXIT

# Three /24 slots of 198.18.0.0/15 that no root interface uses yet, so
# that two runs at once do not collide: 198.18.A.0/30 for host N.
slot_free() {
	[ -z "$(ip -4 -o addr show to "198.18.$1.0/24" 2>/dev/null)" ] &&
		! ip -4 route show 2>/dev/null | grep -q "^198\.18\.$1\."
}
OCT=()
base=$(($$ % 80 * 3 + 1))
for try in $(seq 0 79); do
	b=$(((base - 1 + try * 3) % 240 + 1))
	if slot_free "$b" && slot_free $((b + 1)) && slot_free $((b + 2)); then
		OCT=([1]=$b [2]=$((b + 1)) [3]=$((b + 2)))
		break
	fi
done
if [ ${#OCT[@]} -ne 3 ]; then
	not_ok "three free /24 slots of 198.18.0.0/15 in the root namespace"
	exit 1
fi

NS=()
for n in 1 2 3; do
	a=${OCT[$n]}
	NS[n]=${NS_PREFIX}h$n
	r=ck$$r$n
	h=ck$$h$n
	if ! make_netns "${NS[$n]}" 2>>"$T/netns.err" ||
		! ip link add "$r" type veth peer name "$h" netns "${NS[$n]}" 2>>"$T/netns.err"; then
		not_ok "namespace and veth pair for host $n" "$(cat "$T/netns.err")"
		exit 1
	fi
	VETHS+=("$r")
	if ! { ip addr add "198.18.$a.1/30" dev "$r" &&
		ip link set "$r" up &&
		ip -n "${NS[$n]}" addr add "198.18.$a.2/30" dev "$h" &&
		ip -n "${NS[$n]}" link set "$h" up &&
		ip -n "${NS[$n]}" route add default via "198.18.$a.1"; } 2>>"$T/netns.err"; then
		not_ok "addresses and routes for host $n" "$(cat "$T/netns.err")"
		exit 1
	fi
done
A1=${OCT[1]}
# An address of the root namespace that no host trusts (for case e).
UNTRUSTED=198.18.$A1.5
if ! ip addr add "$UNTRUSTED/32" dev "ck$$r1" 2>>"$T/netns.err"; then
	not_ok "a second root address $UNTRUSTED" "$(cat "$T/netns.err")"
	exit 1
fi

ECHO=$(free_port)
TARGET=198.18.$A1.1:$ECHO
start_server echo echo "$ECHO" --host "198.18.$A1.1" || exit 1

LOGS=()
PIDS=()
# start_host N: connectd for host N under systemd-socket-activate in its
# namespace; its log is $T/hN.log.
start_host() {
	local n=$1 a=${OCT[$1]}
	cat >"$T/h$n.conf" <<EOF
# t_tier host $n: HAProxy connects from 198.18.$a.1
request_timeout 3s
proxy_protocol from 198.18.$a.1
allow from 127.0.0.1 to 198.18.0.0/15 port $ECHO
EOF
	start_connectd -n "h$n" -N "${NS[$n]}" -l "198.18.$a.2" -p 3128 "$T/h$n.conf" || return 1
	LOGS[n]=$CD_LOG
	PIDS[n]=$CD_PID
	EXITS[n]=$CD_EXITS
}
EXITS=()
for n in 1 2 3; do
	start_host "$n" || exit 1
done

# ---------------------------------------------------------------- HAProxy

FRONT=$(free_port)
cat >"$T/haproxy.cfg" <<EOF
global
	stats socket $T/haproxy.sock mode 600 level admin
	log stdout format raw daemon info

defaults
	mode tcp
	log global
	option tcplog
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout check 1s
	retries 2
	option redispatch 1
	# a check that connectd itself answers: HAProxy sends a PROXY v2 LOCAL
	# header (check-send-proxy), then a CONNECT no rule allows
	option tcp-check
	tcp-check send "CONNECT 127.0.0.1:9 HTTP/1.1\r\n\r\n"
	tcp-check expect rstring "^HTTP/1\\.1 403 "

frontend fe
	bind 127.0.0.1:$FRONT
	default_backend connectd

backend connectd
	balance roundrobin
	default-server send-proxy-v2 check check-send-proxy inter 200ms fall 2 rise 2
	server h1 198.18.${OCT[1]}.2:3128
	server h2 198.18.${OCT[2]}.2:3128
	server h3 198.18.${OCT[3]}.2:3128
EOF
if ! haproxy -c -f "$T/haproxy.cfg" >"$T/haproxy-c.out" 2>&1; then
	not_ok "haproxy -c accepts the config" "$(cat "$T/haproxy-c.out")"
	exit 1
fi
spawn "$T/haproxy.log" "$T/haproxy.log" haproxy -db -f "$T/haproxy.cfg"

# server_status N: HAProxy's status of host N (UP, DOWN, "UP 1/2", ...).
server_status() {
	echo "show stat" | socat -t 2 - "UNIX-CONNECT:$T/haproxy.sock" 2>/dev/null |
		awk -F, -v s="h$1" '$1 == "connectd" && $2 == s { print $18 }'
}
all_up() {
	[ "$(server_status 1)" = UP ] && [ "$(server_status 2)" = UP ] && [ "$(server_status 3)" = UP ]
}
if ! wait_for "listening $FRONT" 10 || ! wait_for all_up 10; then
	not_ok "HAProxy listens and sees the three hosts UP" \
		"h1=$(server_status 1) h2=$(server_status 2) h3=$(server_status 3)" \
		"$(tail -n 20 "$T/haproxy.log")"
	exit 1
fi
ok "HAProxy up on 127.0.0.1:$FRONT; health checks with the PROXY header see hosts h1..h3 UP"

# ---------------------------------------------------------------- tunnels

# Log lines are looked up only among those each host wrote since mark_all.
MARKS=()
mark_all() {
	local n
	for n in 1 2 3; do
		MARKS[n]=$(wc -l <"${LOGS[$n]}")
	done
}
# new_lines N: host N's log lines since mark_all.
new_lines() {
	tail -n +$((MARKS[$1] + 1)) "${LOGS[$1]}"
}
# host_of IP PORT: the host whose new lines have a record for client
# IP:PORT (waits up to 5 s); prints "N".
host_of() {
	local re="^connectd\\[[0-9]+\\]: client=${1//./\\.}:$2 " n
	wait_for "(for n in 1 2 3; do new_lines \$n | grep -Eq '$re' && exit 0; done; exit 1)" 5 || return 1
	for n in 1 2 3; do
		if new_lines "$n" | grep -Eq "$re"; then
			echo "$n"
		fi
	done
	return 0
}

# tunnels PREFIX COUNT: COUNT tunnels to the echo target through HAProxy,
# all at once; each must echo its bytes, and its record must be on
# exactly one host with client=127.0.0.1:SOURCEPORT and that host's
# balancer=198.18.A.1. Adds problems; sets PER_HOST (tunnels per host).
PER_HOST=()
tunnels() {
	local prefix=$1 count=$2 i name port where n since=$T/since.log
	local -a pids=()
	PER_HOST=([1]=0 [2]=0 [3]=0)
	mark_all
	for i in $(seq "$count"); do
		name=$prefix$i
		RAW_PORT=$FRONT raw "$name" "CONNECT $TARGET HTTP/1.1\r\nHost: $TARGET\r\n\r\n" \
			@head "PING-$name" @shut &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	for i in $(seq "$count"); do
		name=$prefix$i
		check_resp "$name" --status 200 --tunnel "PING-$name" --end eof
		port=$(info "$name" local_port)
		if ! where=$(host_of 127.0.0.1 "$port") || [ -z "$where" ]; then
			problem "$name: no record for client=127.0.0.1:$port on any host"
			continue
		fi
		if [ "$(printf '%s\n' "$where" | wc -l)" -ne 1 ]; then
			problem "$name: records for client=127.0.0.1:$port on hosts ${where//$'\n'/ }"
			continue
		fi
		n=$where
		PER_HOST[n]=$((PER_HOST[n] + 1))
		new_lines "$n" >"$since"
		CASE_LOG=$since CASE_EXITS=${EXITS[$n]} case_log "$port" status=200 \
			"client=127.0.0.1:$port" "balancer~^198\\.18\\.${OCT[$n]//./\\.}\\.1:[0-9]+$" \
			"target=$TARGET" "addr=$TARGET" "rule=$T/h$n.conf:4" "up=$((${#name} + 5))" \
			"down=$((${#name} + 5))" '!error' exit=0
	done
}

case_begin
tunnels t 12
for n in 1 2 3; do
	[ "${PER_HOST[$n]}" -gt 0 ] || problem "host h$n served none of 12 tunnels (per host: ${PER_HOST[*]})"
done
case_end "12 tunnels through HAProxy all echo, and land on all three hosts (${PER_HOST[*]})"

# (b) was checked per tunnel above; one line shows it plainly.
case_begin
for n in 1 2 3; do
	line=$(grep -E '^connectd\[[0-9]+\]: client=127\.0\.0\.1:[0-9]+ .* status=200 ' "${LOGS[$n]}" | head -n 1)
	[[ $line =~ \ balancer=198\.18\.${OCT[$n]}\.1:[0-9]+ ]] ||
		problem "h$n: no status=200 record with client=127.0.0.1 and balancer=198.18.${OCT[$n]}.1: '$line'"
done
grep -qE '^connectd\[[0-9]+\]: client=198\.18\.[0-9.]+:[0-9]+ [^ ]+ .*status=200 ' "${LOGS[@]}" &&
	problem "a tunnel was logged with the balancer as its client"
case_end "each host logs the real client (client=127.0.0.1:PORT) and balancer=198.18.A.1:PORT of its HAProxy"

# Health checks carry a PROXY v2 LOCAL header (check-send-proxy): the
# balancer is the client, and the CONNECT is denied.
case_begin
for n in 1 2 3; do
	grep -q 'error=proxy_protocol' "${LOGS[$n]}" &&
		problem "h$n: $(grep 'error=proxy_protocol' "${LOGS[$n]}" | head -n 2)"
	line=$(grep -E "^connectd\\[[0-9]+\\]: client=198\\.18\\.${OCT[$n]}\\.1:[0-9]+ " "${LOGS[$n]}" | head -n 1)
	if [ -z "$line" ]; then
		problem "h$n: no record of a health check from 198.18.${OCT[$n]}.1"
	else
		[[ $line =~ $LOG_RE ]] || problem "h$n: record does not match the contract: $line"
		[[ $line == *" target=127.0.0.1:9 "*" status=403 "* ]] || problem "h$n: health check record: $line"
		[[ $line == *" balancer="* ]] && problem "h$n: a LOCAL header gave a balancer=: $line"
	fi
done
case_end "HAProxy's health checks (PROXY v2 LOCAL + CONNECT) reach every host: client=198.18.A.1, status=403, no proxy_protocol error"

# (c) a client of HAProxy from 127.0.0.2: the hosts allow only 127.0.0.1.
case_begin
mark_all
got=$(curl -sS -p -x "http://127.0.0.1:$FRONT" --interface 127.0.0.2 --max-time 10 \
	-o /dev/null -w '%{http_connect} %{local_ip} %{local_port}' "http://$TARGET/" 2>"$T/curl2.err")
read -r code lip lport <<<"$got"
[ "${code:-}" = 403 ] || problem "CONNECT from 127.0.0.2 answered '${code:-}': $(cat "$T/curl2.err")"
[ "${lip:-}" = 127.0.0.2 ] || problem "curl's source address is '${lip:-}', want 127.0.0.2"
if [ -n "${lport:-}" ] && where=$(host_of 127.0.0.2 "$lport") && [ -n "$where" ]; then
	new_lines "$where" >"$T/since.log"
	CASE_LOG=$T/since.log CASE_EXITS=${EXITS[$where]} case_log "$lport" status=403 \
		"client=127.0.0.2:$lport" "balancer~^198\\.18\\.${OCT[$where]}\\.1:[0-9]+$" \
		"target=$TARGET" exit=5
else
	problem "no record for client=127.0.0.2:${lport:-?} on any host"
fi
case_end "a client at 127.0.0.2 behind HAProxy gets 403 from the from-127.0.0.1 rule; log client=127.0.0.2 (host h${where:-?})"

case_begin
mark_all
printf 'CONNECT %s HTTP/1.1\r\n\r\nHELLO' "$TARGET" |
	timeout 10 socat -t 3 - "TCP:127.0.0.1:$FRONT,bind=127.0.0.2" >"$T/socat2.out" 2>"$T/socat2.err"
head -c 200 "$T/socat2.out" | head -n 1 | grep -q '^HTTP/1.1 403 ' ||
	problem "reply $(show socat2) $(cat "$T/socat2.err")"
grep -q 'HELLO' "$T/socat2.out" && problem "pipelined bytes came back: the tunnel was opened"
case_end "the same with a raw request and pipelined bytes (socat bind=127.0.0.2): HTTP/1.1 403, nothing relayed"

# (d) host 3 goes down: HAProxy's checks notice; new tunnels all succeed
# on the two others.
case_begin
before3=$(grep -c ' status=200 ' "${LOGS[3]}")
stop_pid "${PIDS[3]}"
t0=$(now_ms)
if wait_for '[ "$(server_status 3)" = DOWN ]' 10; then
	down_ms=$(($(now_ms) - t0))
else
	problem "HAProxy still has h3 as '$(server_status 3)' 10 s after its supervisor stopped"
fi
[ "$(server_status 1)" = UP ] && [ "$(server_status 2)" = UP ] ||
	problem "h1=$(server_status 1) h2=$(server_status 2), want both UP"
tunnels d 30
[ "${PER_HOST[3]}" -eq 0 ] || problem "${PER_HOST[3]} tunnels reached the stopped host h3"
[ "${PER_HOST[1]}" -gt 0 ] && [ "${PER_HOST[2]}" -gt 0 ] ||
	problem "h1 and h2 should share the 30 tunnels: ${PER_HOST[1]}/${PER_HOST[2]}"
[ "$(grep -c ' status=200 ' "${LOGS[3]}")" -eq "$before3" ] || problem "h3's log grew while it was down"
case_end "h3's supervisor stopped: HAProxy marks it DOWN (${down_ms:-?} ms), 30 new tunnels all succeed on h1/h2 (${PER_HOST[1]}/${PER_HOST[2]})"

# ... and back: a new supervisor on h3 is checked UP and gets tunnels again.
case_begin
if ! start_host 3; then
	problem "connectd did not start again on h3"
elif ! wait_for '[ "$(server_status 3)" = UP ]' 10; then
	problem "HAProxy has h3 as '$(server_status 3)' 10 s after it came back"
else
	tunnels u 6
	[ "${PER_HOST[3]}" -gt 0 ] || problem "h3 served none of 6 tunnels after it came back (${PER_HOST[*]})"
fi
case_end "h3 restarted: HAProxy marks it UP and it serves tunnels again (${PER_HOST[*]})"

# The gap before a check notices: with h3's checks paused HAProxy keeps it
# UP, so its share of tunnels is refused there; `retries` and `option
# redispatch` move them to h1/h2 and no client sees a failure.
case_begin
echo "disable health connectd/h3" | socat -t 2 - "UNIX-CONNECT:$T/haproxy.sock" >"$T/disable.out" 2>&1
stop_pid "${PIDS[3]}"
case $(server_status 3) in
UP | "no check") ;;
*) problem "h3 is '$(server_status 3)' with its checks disabled, want UP or 'no check'" ;;
esac
tunnels r 9
[ "${PER_HOST[3]}" -eq 0 ] || problem "${PER_HOST[3]} tunnels reached the stopped host h3"
redisp=$(grep -cE '^127\.0\.0\.1:[0-9]+ .* connectd/h[12] .* [0-9]+/[0-9]+/[0-9]+/[0-9]+/\+[0-9]+ ' "$T/haproxy.log")
[ "$redisp" -ge 3 ] || problem "HAProxy redispatched $redisp sessions, want >= 3 (h3's share of 9)"
case_end "h3 stopped before any check noticed: 9 tunnels all succeed on h1/h2 (${PER_HOST[1]}/${PER_HOST[2]}), $redisp redispatched by HAProxy"

# (e) a direct connection to h1 from a root address h1 does not trust,
# with a forged header: 400, and the log keeps the socket's address.
case_begin
mark_all
printf 'PROXY TCP4 203.0.113.9 198.18.%s.2 5555 3128\r\nCONNECT %s HTTP/1.1\r\n\r\n' "$A1" "$TARGET" |
	timeout 10 socat -t 3 - "TCP:198.18.$A1.2:3128,bind=$UNTRUSTED" >"$T/forged.out" 2>"$T/forged.err"
"$PYTHON" "$HELPERS" check-resp "$T/forged.out" --status 400 >"$T/forged.check" 2>&1 ||
	problem "$(cat "$T/forged.check") $(cat "$T/forged.err")"
head -n 1 "$T/forged.out" | grep -q '^HTTP/1.1 400 ' || problem "reply $(show forged)"
re="^connectd\\[[0-9]+\\]: client=${UNTRUSTED//./\\.}:[0-9]+ "
if wait_for "new_lines 1 | grep -Eq '$re'" 5; then
	port=$(new_lines 1 | grep -E "$re" | head -n 1 | sed 's/^[^ ]* client=[^ ]*:\([0-9]*\) .*/\1/')
	new_lines 1 >"$T/since.log"
	CASE_LOG=$T/since.log CASE_EXITS=${EXITS[1]} case_log "$port" status=400 \
		"client=$UNTRUSTED:$port" '!balancer' exit=3
else
	problem "no record for client=$UNTRUSTED on h1"
fi
grep -q '203\.0\.113\.9' "${LOGS[@]}" && problem "the forged address 203.0.113.9 reached a log: $(grep -h '203\.0\.113\.9' "${LOGS[@]}")"
case_end "forged PROXY header sent straight to h1 from untrusted $UNTRUSTED: HTTP/1.1 400, log client=$UNTRUSTED, never 203.0.113.9"

case_begin
mark_all
printf 'PROXY TCP4 203.0.113.9 198.18.%s.2 5556 3128\r\nCONNECT %s HTTP/1.1\r\n\r\n' "$A1" "$TARGET" |
	timeout 10 ip netns exec "${NS[1]}" socat -t 3 - "TCP:198.18.$A1.2:3128" >"$T/forged2.out" 2>"$T/forged2.err"
"$PYTHON" "$HELPERS" check-resp "$T/forged2.out" --status 400 >"$T/forged2.check" 2>&1 ||
	problem "$(cat "$T/forged2.check") $(cat "$T/forged2.err")"
re="^connectd\\[[0-9]+\\]: client=198\\.18\\.$A1\\.2:[0-9]+ "
wait_for "new_lines 1 | grep -Eq '$re.* status=400 '" 5 || problem "no status=400 record for client=198.18.$A1.2 on h1"
grep -q '203\.0\.113\.9' "${LOGS[@]}" && problem "the forged address 203.0.113.9 reached a log"
case_end "forged PROXY header from inside h1's own namespace (198.18.$A1.2): HTTP/1.1 400, log the socket address"

# HAProxy's tcplog: client [date] frontend backend/server Tw/Tc/Tt bytes
# STATE ...; no session may have failed to connect (Tc -1, <NOSRV>, a C
# in the second letter) or ended on the server's side (S, s first).
case_begin
bad=$(awk '$1 ~ /^127\.0\.0\.[12]:/ && ($4 ~ /NOSRV/ || $5 ~ /^[0-9-]+\/-1\// ||
	$7 ~ /^[Ss]/ || substr($7, 2, 1) == "C")' "$T/haproxy.log" | head -n 3)
n=$(grep -cE '^127\.0\.0\.1:[0-9]+ .* connectd/h[123] ' "$T/haproxy.log")
[ "$n" -ge 57 ] || problem "HAProxy logged $n tunnels, want 57 (12 + 30 + 6 + 9)"
[ -z "$bad" ] || problem "HAProxy logged failed sessions: $bad"
case_end "HAProxy's log: every session reached a host; none failed to connect or ended on the server side"

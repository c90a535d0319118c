#!/bin/bash
# t_supervisors.sh: the same smoke test (curl over TLS, ncat echo, exact
# bytes of a tunnel and of a 403) under each way connectd gets started:
# xinetd (fd 2 is the client socket: the log goes to syslog, never to the
# client; xinetd's own log records the exit status), tcpserver (log on the
# inherited stderr), and socat EXEC with a socketpair and with two pipes
# (R1: fd 0 and fd 1 differ and are not sockets).
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
HALF=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server half halfclose-server "$HALF" || exit 1
need_tls_server

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
allow from 127.0.0.1 to 127.0.0.1 port $ECHO,$TLS,$HALF
EOF

# smoke LABEL PORT: client-side checks against a proxy on 127.0.0.1:PORT.
# Sets SMOKE_CURL_PORT, SMOKE_RAW_PORT, SMOKE_DENY_PORT (client ports).
smoke() {
	local label=$1 port=$2 out rc
	SMOKE_CURL_PORT="" SMOKE_RAW_PORT="" SMOKE_DENY_PORT=""
	case_begin
	curl_tls_via "http://127.0.0.1:$port" --max-time 10
	SMOKE_CURL_PORT=$CURL_LOCAL_PORT
	case_end "$label: curl -p -x https://localhost (TLS through the tunnel)"

	case_begin
	out=$(printf 'hello %s\n' "$label" |
		timeout 10 ncat --proxy "127.0.0.1:$port" --proxy-type http 127.0.0.1 "$ECHO" 2>"$T/ncat.err")
	rc=$?
	[ "$rc" -eq 0 ] || problem "ncat exit $rc: $(cat "$T/ncat.err")"
	[ "$out" = "hello $label" ] || problem "echo came back as '$out'"
	case_end "$label: ncat --proxy echo round trip"

	case_begin
	RAW_PORT=$port raw "$label-raw" "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp "$label-raw" --status 200 --tunnel PING --end eof
	SMOKE_RAW_PORT=$(info "$label-raw" local_port)
	case_end "$label: exact bytes: the 200 head, then PING, then EOF (nothing else on the client stream)"

	case_begin
	RAW_PORT=$port raw "$label-half" "CONNECT 127.0.0.1:$HALF HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp "$label-half" --status 200 --tunnel GOT:4 --end eof
	case_end "$label: half-close propagates both ways (PING, EOF, GOT:4, EOF)"

	case_begin
	RAW_PORT=$port raw "$label-deny" "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"
	check_resp "$label-deny" --status 403 --error http_request_denied --end eof
	SMOKE_DENY_PORT=$(info "$label-deny" local_port)
	case_end "$label: a denied request gets exactly one well-formed 403"
}

# ------------------------------------------------------------ tcpserver
start_connectd -n tcpserver "$CONF" tcpserver || exit 1
smoke tcpserver "$CD_PORT"
case_begin
case_log "$SMOKE_CURL_PORT" status=200 "target=localhost:$TLS" "rule=$CONF:1" close~'-eof$' exit=0
case_end "tcpserver: log line of the curl tunnel on the inherited stderr, exit 0"
case_begin
case_log "$SMOKE_DENY_PORT" status=403 exit=5
case_end "tcpserver: log line of the 403, exit 5"
stop_pid "$CD_PID"

# ------------------------------------------------------------ xinetd
XPORT=$(free_port)
xinetd_conf connectd-test "$XPORT" "$CONNECTD" "-c $(run_conf "$CONF")" \
	"instances = UNLIMITED" >"$T/xinetd.conf"
# In a private mount namespace, an overlay on /dev gets a /dev/log of our
# own, so connectd's syslog line can be read back.
cat >"$T/devlog.sh" <<'EOF'
#!/bin/sh
t=$1
shift
mkdir -p "$t/ovl/up" "$t/ovl/work"
if mount -t overlay overlay -o "lowerdir=/dev,upperdir=$t/ovl/up,workdir=$t/ovl/work" /dev; then
	"$PYTHON" "$HELPERS" syslog-sink /dev/log "$t/syslog" --ready "$t/syslog.ready" &
else
	echo "no overlay on /dev: syslog not captured" >&2
fi
exec "$@"
EOF
chmod 755 "$T/devlog.sh"
if ! need_root; then
	skip "xinetd" "not root (xinetd with user = root)"
	exit 0
fi
export PYTHON HELPERS
spawn "$T/xinetd.out" "$T/xinetd.out" unshare -m "$T/devlog.sh" "$T" \
	xinetd -dontfork -pidfile "$T/xinetd.pid" -f "$T/xinetd.conf"
XINETD_PID=$SPAWNED_PID
if ! wait_for "listening $XPORT" 10; then
	not_ok "xinetd starts" "$(cat "$T/xinetd.out" "$T/xinetd.log" 2>/dev/null)"
	exit 1
fi
SYSLOG=""
wait_for "test -s '$T/syslog.ready'" 5 && SYSLOG=$T/syslog
smoke xinetd "$XPORT"

# The syslog record of the raw tunnel, and xinetd's EXIT record for that PID.
case_begin
pid=""
if [ -z "$SYSLOG" ]; then
	problem "no syslog capture: $(cat "$T/xinetd.out")"
elif ! wait_for "grep -q 'connectd\[[0-9]*\]: client=127.0.0.1:$SMOKE_RAW_PORT ' '$SYSLOG'" 5; then
	problem "no syslog line for client port $SMOKE_RAW_PORT: $(tail -n 3 "$SYSLOG")"
else
	line=$(grep -a "connectd\[[0-9]*\]: client=127.0.0.1:$SMOKE_RAW_PORT " "$SYSLOG" | sed 's/^.*\(connectd\[\)/\1/')
	[[ $line =~ $LOG_RE ]] || problem "syslog line does not match the format: $line"
	[[ $line == *" status=200 "* && $line == *" up=4 down=4 "* ]] || problem "syslog line: $line"
	pid=$(log_field "$line" pid)
fi
case_end "xinetd: connectd's record goes to syslog (fd 2 is the client socket)"

case_begin
if [ -n "$pid" ]; then
	wait_for "grep -q 'EXIT: connectd-test .*pid=$pid' '$T/xinetd.log'" 5
	rec=$(grep "EXIT: connectd-test .*pid=$pid" "$T/xinetd.log")
	[[ $rec == *"status=0 "* ]] || problem "xinetd: '$rec', want status=0 for pid $pid"
else
	wait_for "grep -q 'EXIT: connectd-test status=0' '$T/xinetd.log'" 5 ||
		problem "xinetd logged no EXIT with status=0: $(cat "$T/xinetd.log")"
fi
case_end "xinetd: its log records exit status 0 for a completed tunnel"

case_begin
n=$(grep -c 'EXIT: connectd-test status=5 ' "$T/xinetd.log")
[ "$n" -ge 1 ] || problem "no EXIT status=5 for the 403: $(grep EXIT "$T/xinetd.log")"
grep -q 'EXIT: connectd-test status=\(1[0-9][0-9]\|2[0-9][0-9]\|-\)' "$T/xinetd.log" &&
	problem "an abnormal exit: $(grep EXIT "$T/xinetd.log")"
case_end "xinetd: the 403 exits with status 5; no connectd died abnormally"
stop_pid "$XINETD_PID"

# ------------------------------------------------------------ socat EXEC
socat_case() {
	local mode=$1 opts=$2 port
	port=$(free_port)
	: >"$T/socat-$mode.log"
	spawn "$T/socat-$mode.log" "$T/socat-$mode.log" socat \
		"TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=128" \
		"EXEC:$CONNECTD -c $(run_conf "$T/anyclient.conf")$opts"
	if ! wait_for "listening $port" 5; then
		not_ok "socat $mode starts" "$(cat "$T/socat-$mode.log")"
		return
	fi
	case_begin
	RAW_PORT=$port raw "socat-$mode" "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp "socat-$mode" --status 200 --tunnel PING --end eof
	case_end "socat EXEC ($mode): tunnel, client EOF propagated, then EOF back"
	case_begin
	RAW_PORT=$port raw "socat-$mode-half" "CONNECT 127.0.0.1:$HALF HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp "socat-$mode-half" --status 200 --tunnel GOT:4 --end eof
	case_end "socat EXEC ($mode): half-close: the reply after EOF still arrives (R1)"
	case_begin
	wait_for "grep -q 'connectd\[[0-9]*\]: .*target=127.0.0.1:$HALF ' '$T/socat-$mode.log'" 5
	line=$(grep "^connectd\[[0-9]*\]: .*target=127.0.0.1:$HALF " "$T/socat-$mode.log" | tail -n 1)
	[[ $line =~ $LOG_RE ]] || problem "log line missing or malformed: '$line' $(tail -n 3 "$T/socat-$mode.log")"
	[[ $line == *" status=200 "* && $line == *" up=4 down=5 "* ]] || problem "log line: $line"
	case_end "socat EXEC ($mode): log line on the inherited stderr"
}
cat >"$T/anyclient.conf" <<EOF
allow to 127.0.0.1 port $ECHO,$HALF
EOF
socat_case socketpair ""
socat_case pipes ",pipes"

#!/bin/bash
# t_shipped_supervisors.sh: connectd under each supervisor exactly as the
# shipped files set it up, with only the port, the binary's path and the
# config file rewritten for the test:
#   packaging/xinetd/connectd      xinetd -dontfork -f (both entries, v4 and v6)
#   packaging/tcpserver/run        tcpserver (ucspi-tcp), and log/run
#   units/connectd.socket + @.service   systemd-socket-activate with the
#                                  socket's addresses and the service's
#                                  ExecStart
#   packaging/inetd/inetd.conf     OpenBSD inetd (Debian's openbsd-inetd,
#                                  unpacked from the archive, never installed)
#   packaging/s6/                  checked for syntax; s6-tcpserver is not
#                                  in Debian 12
# Each gets a TLS tunnel with curl, an exact echo tunnel and a denied
# request, and its log is checked: xinetd's EXIT records, connectd's record
# on tcpserver's and systemd-socket-activate's stderr, inetd's exit status.
. "$(dirname "$0")/lib.sh"
need_binary

if ! need_root; then
	skip "shipped supervisor files" "not root (xinetd, tcpserver -u, inetd switch users)"
	exit 0
fi

ECHO=$(free_port)
start_server echo echo "$ECHO" || exit 1
need_tls_server

# One policy for all. The supervisors start connectd as nobody, except
# systemd-socket-activate, which has no User=: there connectd starts as root
# and becomes nobody itself ("user" is ignored by a process that is not
# root). nobody must reach the file, and tests/run keeps $T in a 0700
# directory: the config goes in a world-readable one of its own.
PUB=$(mktemp -d /tmp/connectd-pub.XXXXXX) || exit 1
chmod 755 "$PUB"
trap 'rc=$?; rm -rf "$PUB"; (exit $rc); _cleanup' EXIT
CONF=$PUB/connectd.conf
cat >"$CONF" <<EOF
user nobody
allow from 127.0.0.1,::1 to 127.0.0.1 port $ECHO,$TLS
EOF
chmod 644 "$CONF"
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$CONNECTD" -t -c "$CONF" >"$T/t.out" 2>&1; then
	not_ok "nobody can run $CONNECTD and read $CONF" "$(cat "$T/t.out")"
	exit 1
fi

# listening_both PORT: something listens on PORT at 127.0.0.1 and at
# [::1], as every shipped supervisor file asks.
listening_both() {
	ss -Hltn "sport = :$1" | grep -q '127.0.0.1:' && ss -Hltn "sport = :$1" | grep -q '\[::1\]:'
}

# smoke LABEL HOST PORT: a TLS tunnel with curl, an echo tunnel with exact
# bytes and a denied request, through the proxy on HOST:PORT. Sets
# CURL_PORT, RAW_PORT_USED, DENY_PORT (the clients' source ports).
smoke() {
	local label=$1 host=$2 port=$3 url
	CURL_PORT="" RAW_PORT_USED="" DENY_PORT=""
	case $host in *:*) url="http://[$host]:$port" ;; *) url="http://$host:$port" ;; esac
	case_begin
	curl_tls_via "$url" --max-time 15
	CURL_PORT=$CURL_LOCAL_PORT
	case_end "$label: curl -p -x $url https://localhost (TLS through the tunnel)"

	case_begin
	RAW_HOST=$host RAW_PORT=$port raw "$label-raw" "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp "$label-raw" --status 200 --tunnel PING --end eof
	RAW_PORT_USED=$(info "$label-raw" local_port)
	case_end "$label: exact bytes: the 200 head, PING echoed, then EOF"

	case_begin
	RAW_HOST=$host RAW_PORT=$port raw "$label-deny" "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"
	check_resp "$label-deny" --status 403 --error http_request_denied --end eof
	DENY_PORT=$(info "$label-deny" local_port)
	case_end "$label: a denied request gets one well-formed 403"
}

# stderr_record LOG CPORT EXPECT...: connectd's record on a supervisor's
# stderr for client port CPORT, checked like case_log (without exit=).
stderr_record() {
	local log=$1 cport=$2
	shift 2
	CASE_LOG=$log CASE_EXITS=/dev/null case_log "$cport" "$@"
}

# ------------------------------------------------------------ xinetd

XPORT=$(free_port)
# The shipped entries, enabled, on the test port, running the built binary
# with the test config; everything else as shipped. The defaults section
# (the admin's /etc/xinetd.conf) sends xinetd's own log to a file.
sed -e "s/^\([[:space:]]*port[[:space:]]*=\).*/\1 $XPORT/" \
	-e "s|^\([[:space:]]*server[[:space:]]*=\).*|\1 $CONNECTD\n\tserver_args\t= -c $CONF|" \
	-e 's/^\([[:space:]]*disable[[:space:]]*=\).*/\1 no/' \
	"$TOP/packaging/xinetd/connectd" >"$T/xinetd.d.connectd"
{
	printf 'defaults\n{\n\tlog_type = FILE %s\n}\n' "$T/xinetd.log"
	cat "$T/xinetd.d.connectd"
} >"$T/xinetd.conf"
case_begin
for k in "cps = 2000 5" "instances = 512" "per_source = 64" "wait = no" "user = nobody" \
	"bind = 127.0.0.1" "bind = ::1" "log_on_success = PID HOST EXIT DURATION"; do
	grep -Eq "^[[:space:]]*${k%% = *}[[:space:]]*=[[:space:]]*${k#* = }[[:space:]]*$" \
		"$TOP/packaging/xinetd/connectd" || problem "the shipped file lacks '$k'"
done
case_end "packaging/xinetd/connectd: cps, instances, per_source, nowait, nobody, loopback, EXIT logging"

spawn "$T/xinetd.out" "$T/xinetd.out" xinetd -dontfork -pidfile "$T/xinetd.pid" -f "$T/xinetd.conf"
XINETD_PID=$SPAWNED_PID
if ! wait_for "listening_both $XPORT" 10; then
	not_ok "xinetd listens on 127.0.0.1 and [::1] from the shipped file" \
		"$(cat "$T/xinetd.out" "$T/xinetd.log" 2>/dev/null | tail -n 10)"
else
	ok "xinetd listens on 127.0.0.1:$XPORT and [::1]:$XPORT from the shipped file"
	smoke xinetd 127.0.0.1 "$XPORT"
	x_raw=$RAW_PORT_USED
	smoke xinetd-v6 ::1 "$XPORT"

	# xinetd logs START (with the client) and EXIT (with the status) per
	# connection; the exit status says how the tunnel ended.
	case_begin
	wait_for "[ \$(grep -c 'EXIT: connectd ' '$T/xinetd.log') -ge 3 ] && [ \$(grep -c 'EXIT: connectd-ipv6 ' '$T/xinetd.log') -ge 3 ]" 10 ||
		problem "not every connection has its EXIT record: $(grep -c EXIT "$T/xinetd.log")"
	[ "$(grep -c 'EXIT: connectd status=0 ' "$T/xinetd.log")" -ge 2 ] ||
		problem "want 2 EXIT status=0 for connectd (the two tunnels)"
	[ "$(grep -c 'EXIT: connectd status=5 ' "$T/xinetd.log")" -eq 1 ] ||
		problem "want 1 EXIT status=5 for connectd (the 403)"
	[ "$(grep -c 'EXIT: connectd-ipv6 status=0 ' "$T/xinetd.log")" -ge 2 ] ||
		problem "want 2 EXIT status=0 for connectd-ipv6"
	[ "$(grep -c 'EXIT: connectd-ipv6 status=5 ' "$T/xinetd.log")" -eq 1 ] ||
		problem "want 1 EXIT status=5 for connectd-ipv6"
	grep -q "START: connectd pid=[0-9]* from=127.0.0.1" "$T/xinetd.log" ||
		problem "no START record with from=127.0.0.1"
	grep -Eq 'EXIT: connectd status=0 pid=[0-9]+ duration=[0-9]+\(sec\)' "$T/xinetd.log" ||
		problem "EXIT records lack pid= and duration="
	grep -Eq 'FAIL|Deactivating' "$T/xinetd.log" && problem "xinetd refused or deactivated: $(grep -E 'FAIL|Deactivating' "$T/xinetd.log" | head -n 3)"
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "$(grep -E 'START|EXIT|FAIL' "$T/xinetd.log" | tail -n 8)"
	case_end "xinetd log: START from=127.0.0.1, EXIT status=0 per tunnel and status=5 for the 403, pid and duration"

	# 100 connections in one second: the default cps (50 10) would stop the
	# service for 10 s; the shipped 2000 5 must not.
	case_begin
	"$PYTHON" - "$XPORT" >"$T/xburst.out" 2>&1 <<'EOF' || problem "$(cat "$T/xburst.out")"
import socket, sys, time
port = int(sys.argv[1])
t0 = time.time()
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for i in range(100)]
for s in socks:
    s.close()
print("%.2f s" % (time.time() - t0))
EOF
	got=$(curl -sS -p -x "http://127.0.0.1:$XPORT" --cacert "$T/cert.pem" --max-time 15 \
		-o /dev/null -w '%{http_connect}' "https://localhost:$TLS/" 2>"$T/curl.err")
	[ "$got" = 200 ] || problem "a tunnel right after 100 connections: '$got' $(cat "$T/curl.err")"
	grep -q 'Deactivating' "$T/xinetd.log" && problem "$(grep 'Deactivating' "$T/xinetd.log" | head -n 2)"
	case_end "xinetd: 100 connections at once ($(cat "$T/xburst.out")) leave the service up (cps)"
fi
stop_pid "$XINETD_PID"
: "${x_raw:=}"

# ------------------------------------------------------------ tcpserver

# The service directory as shipped (run, log/run), under daemontools'
# svscan, which starts run and log/run with a pipe between them, as a
# deployed service runs. daemontools is binaries only (no service of its
# own): installed when missing.
if ! command -v svscan >/dev/null 2>&1 && ! command -v multilog >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y \
		--no-install-recommends daemontools >"$T/apt-daemontools.log" 2>&1
fi
TPORT=$(free_port)
SV=$T/svscan/connectd
mkdir -p "$SV/log"
sed -e "s/\([[:space:]]\)127\.0\.0\.1 3128 /\1127.0.0.1 $TPORT /" \
	-e "s| /usr/sbin/connectd | $CONNECTD -c $CONF |" \
	"$TOP/packaging/tcpserver/run" >"$SV/run"
cp "$TOP/packaging/tcpserver/log/run" "$SV/log/run"
chmod 755 "$SV/run" "$SV/log/run"
case_begin
grep -q -- '-H -R -l 0 -c 512' "$TOP/packaging/tcpserver/run" || problem "no '-H -R -l 0 -c 512'"
grep -q "127.0.0.1 $TPORT " "$SV/run" || problem "the port was not rewritten: the run line changed shape"
grep -q -- "$CONNECTD -c $CONF" "$SV/run" || problem "the server path was not rewritten"
[ -x "$TOP/packaging/tcpserver/run" ] && [ -x "$TOP/packaging/tcpserver/log/run" ] ||
	problem "run and log/run are not executable"
sh -n "$TOP/packaging/tcpserver/run" && sh -n "$TOP/packaging/tcpserver/log/run" || problem "sh -n fails"
case_end "packaging/tcpserver/run: -H -R -l 0 -c 512, executable, rewritable"

TLOG=$T/tcpserver.log
if command -v svscan >/dev/null 2>&1; then
	spawn "$T/svscan.out" "$T/svscan.out" svscan "$T/svscan"
	SVSCAN_PID=$SPAWNED_PID
	how="svscan (run | log/run)"
	# multilog's lines start with a TAI64N stamp: off for the checks.
	tlog_refresh() {
		sed 's/^@[0-9a-f]\{24\} //' "$SV/log/main/current" >"$TLOG" 2>/dev/null
	}
else
	spawn "$TLOG" "$TLOG" sh -c "cd '$SV' && exec ./run"
	SVSCAN_PID=$SPAWNED_PID
	how="run alone (no daemontools)"
	tlog_refresh() { :; }
fi
if ! wait_for "listening $TPORT" 15; then
	not_ok "tcpserver listens from packaging/tcpserver/run under $how" \
		"$(tail -n 5 "$T/svscan.out" "$SV/log/main/current" "$TLOG" 2>/dev/null)"
else
	ok "tcpserver listens on 127.0.0.1:$TPORT from packaging/tcpserver/run under $how"
	smoke tcpserver 127.0.0.1 "$TPORT"
	wait_for "tlog_refresh; grep -q 'client=[^ ]*:$DENY_PORT ' '$TLOG'" 10
	case_begin
	stderr_record "$TLOG" "$CURL_PORT" status=200 "target=localhost:$TLS" "rule=$CONF:2" close~'-eof$'
	case_end "tcpserver: connectd's record of the curl tunnel, through 2>&1 into log/run"
	case_begin
	stderr_record "$TLOG" "$RAW_PORT_USED" status=200 up=4 down=4
	stderr_record "$TLOG" "$DENY_PORT" status=403 error=http_request_denied
	case_end "tcpserver: records of the echo tunnel (up=4 down=4) and of the 403"
	if [ -f "$SV/log/main/current" ]; then
		case_begin
		grep -Eq "^@[0-9a-f]{24} connectd\[[0-9]+\]: client=127.0.0.1:$CURL_PORT " "$SV/log/main/current" ||
			problem "no timestamped record in log/main/current: $(tail -n 2 "$SV/log/main/current")"
		case_end "tcpserver log/run: multilog writes timestamped records to ./main"
	fi

	# connectd's user, in a live one: the child of tcpserver.
	case_begin
	spawn "$T/hold.out" "$T/hold.out" "$PYTHON" "$HELPERS" raw --timeout 10 127.0.0.1 "$TPORT" \
		"CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head @sleep:3000 @shut
	HOLD=$SPAWNED_PID
	cpid=""
	find_child() {
		local ts
		ts=$(ss -Hltnp "sport = :$TPORT" | sed -n 's/.*"tcpserver",pid=\([0-9]*\).*/\1/p' | head -n 1)
		[ -n "$ts" ] || return 1
		cpid=$(ps -o pid= --ppid "$ts" 2>/dev/null | head -n 1 | tr -d ' ')
		[ -n "$cpid" ]
	}
	if wait_for find_child 5; then
		u=$(awk '/^Uid:/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
		[ "$u" = "$(id -u nobody)" ] || problem "connectd under tcpserver runs as uid '$u', want nobody"
	else
		problem "no connectd child of tcpserver to look at"
	fi
	stop_pid "$HOLD"
	case_end "tcpserver: connectd runs as nobody (-u/-g)"
fi
if command -v svc >/dev/null 2>&1 && [ -d "$SV/supervise" ]; then
	svc -dx "$SV" "$SV/log" 2>/dev/null
fi
stop_pid "$SVSCAN_PID"

# ------------------------------------------------------------ systemd-socket-activate

# The command a socket unit with Accept=yes and StandardInput=socket amounts
# to, read from the shipped units: every ListenStream=, -a, --inetd, and the
# service's ExecStart (binary path swapped for the built one).
SPORT=$(free_port)
case_begin
listens=$(sed -n 's/^ListenStream=//p' "$TOP/units/connectd.socket")
exec_start=$(sed -n 's/^ExecStart=//p' "$TOP/units/connectd@.service")
grep -qx 'Accept=yes' "$TOP/units/connectd.socket" || problem "connectd.socket has no Accept=yes"
grep -qx 'StandardInput=socket' "$TOP/units/connectd@.service" || problem "no StandardInput=socket"
[ -n "$listens" ] || problem "connectd.socket has no ListenStream="
[ "${exec_start%% *}" = /usr/sbin/connectd ] || problem "ExecStart=$exec_start"
args=()
for l in $listens; do
	args+=(-l "${l%:3128}:$SPORT")
done
case_end "units: Accept=yes, StandardInput=socket, ListenStream= ${listens//$'\n'/ }, ExecStart=$exec_start"
# shellcheck disable=SC2086 # the ExecStart arguments, if any, are words
spawn /dev/null "$T/ssa.log" systemd-socket-activate "${args[@]}" -a --inetd \
	"$CONNECTD" ${exec_start#/usr/sbin/connectd} -c "$CONF"
SSA_PID=$SPAWNED_PID
if ! wait_for "listening_both $SPORT" 10; then
	not_ok "systemd-socket-activate listens on the units' addresses" "$(tail -n 5 "$T/ssa.log")"
else
	ok "systemd-socket-activate listens on the units' addresses (port $SPORT)"
	smoke ssa 127.0.0.1 "$SPORT"
	case_begin
	stderr_record "$T/ssa.log" "$CURL_PORT" status=200 "target=localhost:$TLS" close~'-eof$'
	stderr_record "$T/ssa.log" "$DENY_PORT" status=403
	case_end "systemd-socket-activate: connectd's records on the inherited stderr"
	smoke ssa-v6 ::1 "$SPORT"
fi
stop_pid "$SSA_PID"

# ------------------------------------------------------------ OpenBSD inetd

# Debian's openbsd-inetd, unpacked from the archive into the test cache
# (installing it would start a system inetd).
CACHE=${CONNECTD_TEST_CACHE:-/var/cache/connectd-test}
INETD=$CACHE/openbsd-inetd/usr/sbin/inetd
if [ ! -x "$INETD" ]; then
	rm -rf "$CACHE/openbsd-inetd.dl" && mkdir -p "$CACHE/openbsd-inetd.dl"
	(cd "$CACHE/openbsd-inetd.dl" && apt-get download openbsd-inetd &&
		dpkg-deb -x openbsd-inetd_*.deb "$CACHE/openbsd-inetd.tmp" &&
		mv "$CACHE/openbsd-inetd.tmp" "$CACHE/openbsd-inetd") >"$T/inetd-dl.log" 2>&1
fi
# Its libraries (not its package, which would start a system inetd).
if [ -x "$INETD" ] && ldd "$INETD" | grep -q 'not found'; then
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y \
		--no-install-recommends libwrap0 libbsd0 libevent-2.1-7 libtirpc3 >>"$T/inetd-dl.log" 2>&1
fi
if [ ! -x "$INETD" ] || ! "$INETD" -x 2>&1 | grep -q usage; then
	skip "packaging/inetd/inetd.conf under OpenBSD inetd" \
		"openbsd-inetd could not be fetched and unpacked: $(tail -n 2 "$T/inetd-dl.log" 2>/dev/null | tr '\n' ' ')"
else
	IPORT=$(free_port)
	sed -e "/^[^#]/s/:3128\([[:space:]]\)/:$IPORT\1/" \
		-e "/^[^#]/s|/usr/sbin/connectd[[:space:]]*connectd\$|$CONNECTD connectd -c $CONF|" \
		"$TOP/packaging/inetd/inetd.conf" >"$T/inetd.conf"
	case_begin
	[ "$(grep -c "^[^#].*:${IPORT}[[:space:]].*nowait.*nobody:nogroup.*connectd -c $CONF\$" "$T/inetd.conf")" = 2 ] ||
		problem "the two shipped lines did not rewrite: $(grep -v '^#' "$T/inetd.conf")"
	case_end "packaging/inetd/inetd.conf: a 127.0.0.1 line and a ::1 line, nowait, nobody:nogroup"
	spawn "$T/inetd.log" "$T/inetd.log" "$INETD" -d "$T/inetd.conf"
	INETD_PID=$SPAWNED_PID
	if ! wait_for "listening_both $IPORT" 10; then
		not_ok "OpenBSD inetd listens from packaging/inetd/inetd.conf" "$(tail -n 5 "$T/inetd.log")"
	else
		ok "OpenBSD inetd listens on 127.0.0.1:$IPORT and [::1]:$IPORT from packaging/inetd/inetd.conf"
		smoke inetd 127.0.0.1 "$IPORT"
		smoke inetd-v6 ::1 "$IPORT"
		# inetd -d prints "PID reaped, status N" (N a wait status: exit code * 256).
		case_begin
		wait_for "[ \$(grep -c 'reaped, status' '$T/inetd.log') -ge 6 ]" 10 ||
			problem "$(grep -c 'reaped, status' "$T/inetd.log") children reaped, want 6"
		[ "$(grep -c 'reaped, status 0$' "$T/inetd.log")" -ge 4 ] || problem "want 4 exits with status 0"
		[ "$(grep -Ec 'reaped, status (500|0x500|1280)$' "$T/inetd.log")" -eq 2 ] || problem "want 2 exits with status 5 (the 403s)"
		[ ${#_PROBLEMS[@]} -eq 0 ] || problem "$(grep reaped "$T/inetd.log" | tail -n 6)"
		case_end "inetd: every connectd reaped, exit 0 for the tunnels and 5 for the 403s"
	fi
	stop_pid "$INETD_PID"
fi

# ------------------------------------------------------------ s6

case_begin
S6=$TOP/packaging/s6
for f in connectd/type connectd/run connectd-log/type connectd-log/run connectd/notification-fd \
	connectd/producer-for connectd-log/consumer-for connectd-log/pipeline-name README; do
	[ -f "$S6/$f" ] || problem "missing packaging/s6/$f"
done
[ "$(cat "$S6/connectd/type" 2>/dev/null)" = longrun ] || problem "connectd/type is not longrun"
[ "$(cat "$S6/connectd-log/type" 2>/dev/null)" = longrun ] || problem "connectd-log/type is not longrun"
[ "$(cat "$S6/connectd/producer-for" 2>/dev/null)" = connectd-log ] || problem "producer-for"
[ "$(cat "$S6/connectd-log/consumer-for" 2>/dev/null)" = connectd ] || problem "consumer-for"
for f in connectd/run connectd-log/run; do
	[ -x "$S6/$f" ] || problem "$f is not executable"
	sh -n "$S6/$f" 2>&1 || problem "sh -n $f fails"
done
grep -Eq 's6-tcpserver .*-c [0-9]+ .*-C [0-9]+' "$S6/connectd/run" || problem "no s6-tcpserver -c/-C limits"
case_end "packaging/s6: s6-rc longrun definitions for connectd and its logger, run scripts parse"
if command -v s6-tcpserver >/dev/null 2>&1; then
	skip "packaging/s6/connectd/run under s6-tcpserver" "not written yet for a system that has s6-tcpserver"
else
	skip "packaging/s6/connectd/run under s6-tcpserver" "s6-networking (s6-tcpserver) is not packaged in Debian 12"
fi

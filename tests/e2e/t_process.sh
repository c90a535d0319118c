#!/bin/bash
# t_process.sh: the process model (issue 2, point 1). The connection may
# come as fd 3 with LISTEN_FDS (systemd Accept=yes without
# StandardInput=socket); during a tunnel connectd holds only fds 0-2 and
# the upstream socket, whatever the supervisor left open.
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
start_server echo echo "$ECHO" || exit 1
CONF=$T/connectd.conf
cat >"$CONF" <<EOF
allow from 127.0.0.1 to 127.0.0.1 port $ECHO
EOF

# fd3 mode (a build with libsystemd, which it dlopen()s): systemd-socket-
# activate without --inetd passes the accepted
# connection as fd 3 and sets LISTEN_FDS=1 / LISTEN_PID for the child.
if grep -qa "libsystemd.so.0" "$CONNECTD"; then
	P3=$(free_port)
	spawn "$T/fd3.out" "$T/fd3.log" systemd-socket-activate -l "127.0.0.1:$P3" -a \
		"$CONNECTD" -c "$(run_conf "$CONF")"
	wait_for "listening $P3" 10
	case_begin
	RAW_PORT=$P3 raw fd3 "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp fd3 --status 200 --tunnel PING --end eof
	wait_log "client=127\.0\.0\.1:[0-9]+ target=127\.0\.0\.1:$ECHO .*status=200" 5 "$T/fd3.log" ||
		problem "no status=200 record in the log: $(tail -n 3 "$T/fd3.log")"
	case_end "connection passed as fd 3 with LISTEN_FDS (sd_listen_fds): tunnel works, one record"
else
	skip "fd 3 via sd_listen_fds needs a build with libsystemd"
fi

# Inherited fds: connectd is started with fds 5 and 7 open (a sloppy
# supervisor or wrapper; systemd-socket-activate itself closes them, so a
# wrapper opens them); connectd must close them. During an open tunnel,
# list what the process holds.
PH=$(free_port)
printf '#!/bin/bash\nexec 5</etc/hostname 7>/dev/null\nexec "%s" -c "%s"\n' \
	"$CONNECTD" "$(run_conf "$CONF")" >"$T/leaky.sh"
chmod +x "$T/leaky.sh"
spawn "$T/held.out" "$T/held.log" systemd-socket-activate -l "127.0.0.1:$PH" -a --inetd "$T/leaky.sh"
SSA=$SPAWNED_PID
wait_for "listening $PH" 10
RAW_OPTS=(--timeout 10)
RAW_PORT=$PH raw held "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" \
	@head PING @recv:4 @sleep:1500 PONG @shut &
RAWPID=$!
RAW_OPTS=()
case_begin
pid=""
wait_for "pgrep -P $SSA -f 'connectd -c' >/dev/null" 5 && pid=$(pgrep -P "$SSA" -f 'connectd -c' | head -n 1)
# wait until the tunnel is up (the upstream socket exists)
[ -n "$pid" ] && wait_for "[ \$(ls /proc/$pid/fd 2>/dev/null | wc -l) -ge 4 ]" 5
# The splice relay's own pipes aside (two ends each for up and down: both
# ends of this tunnel are sockets, so both directions splice): none is
# inherited.
fds=$(for f in /proc/"$pid"/fd/*; do
	[[ $(readlink "$f" 2>/dev/null) == pipe:* ]] || echo "${f##*/}"
done | sort -n | tr '\n' ' ')
npipes=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done 2>/dev/null | grep -c '^pipe:')
[ -n "$pid" ] || problem "no connectd process found under the supervisor"
[ "$fds" = "0 1 2 3 " ] || problem "connectd holds fds '$fds', want '0 1 2 3 '"
[ "$npipes" = 4 ] || problem "connectd holds $npipes pipe ends, want 4 (the splice pipes)"
for fd in 0 1 3; do
	case $(readlink "/proc/$pid/fd/$fd" 2>/dev/null) in
	socket:*) ;;
	*) problem "fd $fd is $(readlink "/proc/$pid/fd/$fd" 2>/dev/null), not a socket" ;;
	esac
done
case_end "during a tunnel connectd holds only fds 0, 1, 2, the upstream socket and its splice pipes (inherited fds 5 and 7 closed)"
case_begin
st=$(cat /proc/"$pid"/status 2>/dev/null)
# A sanitizer build cannot run under the filter (LeakSanitizer's exit
# calls would be killed) and relays without it, saying so in its record.
if ! grep -qa __asan_init "$CONNECTD"; then
	[[ $st == *$'Seccomp:\t2'* ]] || problem "no seccomp filter: $(grep -E '^Seccomp' <<<"$st")"
fi
[[ $st == *$'NoNewPrivs:\t1'* ]] || problem "NoNewPrivs not set: $(grep -E '^NoNewPrivs' <<<"$st")"
if [ "$(id -u)" = 0 ]; then
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$st")
	[ "$uid" = "65534 65534 65534 65534" ] || problem "started as root with 'user nobody', runs as uid '$uid'"
	[ -z "$(awk '/^Groups:/ { $1 = ""; print }' <<<"$st" | tr -d ' ')" ] || problem "supplementary groups kept"
fi
case_end "during a tunnel connectd runs under its seccomp filter (NoNewPrivs) and, started as root, as nobody"
wait "$RAWPID"
case_begin
check_resp held --status 200 --tunnel PINGPONG --end eof
case_end "the held tunnel still relays both ways after the inspection"
stop_pid "$SSA"

# client_address env (issue 5, point 2): under a TLS front end fd 0 and
# fd 1 are two pipes with no peer; only when the config says so does the
# supervisor's environment name the client. Here the "front end" is the
# shell: a pipe in, a file out, TCPREMOTEIP set.
cat >"$T/env.conf" <<EOT
client_address env
allow from 203.0.113.0/24 to 127.0.0.1 port $ECHO
EOT
sed 's/^client_address env/client_address socket/' "$T/env.conf" >"$T/sock.conf"
for mode in env sock; do
	case_begin
	printf 'CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\nPING' "$ECHO" |
		TCPREMOTEIP=203.0.113.5 TCPREMOTEPORT=4444 timeout 10 \
		"$CONNECTD" -c "$(run_conf "$T/$mode.conf")" >"$T/$mode.out" 2>"$T/$mode.log"
	rc=$?
	if [ $mode = env ]; then
		head -c 39 "$T/$mode.out" | cmp -s - <(printf 'HTTP/1.1 200 Connection established\r\n\r\n') ||
			problem "no 200 over the pipes: $(head -c 80 "$T/$mode.out" | od -c | head -3)"
		[ "$(tail -c 4 "$T/$mode.out")" = PING ] || problem "echo did not come back"
		grep -q 'client=203\.0\.113\.5:4444 .* status=200 ' "$T/$mode.log" ||
			problem "log does not name the client from TCPREMOTEIP: $(cat "$T/$mode.log")"
		[ "$rc" = 0 ] || problem "exit $rc, want 0"
		case_end "client_address env over two pipes: TCPREMOTEIP is the client for the from rule and the log; EOF passed on"
	else
		head -n 1 "$T/$mode.out" | grep -q '^HTTP/1.1 403 ' || problem "want 403: $(head -n 1 "$T/$mode.out")"
		grep -q 'client=- .* status=403 ' "$T/$mode.log" || problem "log: $(cat "$T/$mode.log")"
		[ "$rc" = 5 ] || problem "exit $rc, want 5"
		case_end "client_address socket over two pipes: the environment is not believed, the client is unknown: 403"
	fi
done

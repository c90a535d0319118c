#!/bin/bash
# t_clients.sh: real clients (curl, openssl s_client, ncat, socat) through
# connectd under systemd-socket-activate, to a TLS server and an echo
# server on loopback; the log record of the curl tunnel.
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
start_server echo echo "$ECHO" || exit 1
need_tls_server

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
# t_clients: loopback test servers only
idle_timeout 30s
allow from 127.0.0.1,::1 to 127.0.0.1,::1 port $ECHO,$TLS
EOF
start_connectd "$CONF" || exit 1
P=$CD_PORT

# curl over a TLS tunnel.
case_begin
curl_tls_via "http://127.0.0.1:$P" --max-time 10
[ "$CURL_HTTP_CODE" = 200 ] || problem "HTTPS answered ${CURL_HTTP_CODE:-nothing}"
case_end "curl -p -x: HTTPS through the tunnel to openssl s_server"

case_begin
case_log "$CURL_LOCAL_PORT" status=200 "target=localhost:$TLS" "addr=127.0.0.1:$TLS" \
	"rule=$CONF:3" 'up~^[1-9][0-9]*$' 'down~^[1-9][0-9]*$' \
	'close~^(client-eof|server-eof)$' 'resolve_ms~^[0-9]+$' 'connect_ms~^[0-9]+$' \
	'client~^127\.0\.0\.1:[0-9]+$' '!error' exit=0
case_end "log record of the curl tunnel: status=200, rule=CONF:3, up/down > 0, close by EOF, exit 0"

# curl through an HTTP/1.0 CONNECT.
case_begin
got=$(curl -sS --proxy1.0 "127.0.0.1:$P" -p --cacert "$T/cert.pem" --max-time 10 \
	-o "$T/curl10.body" -w '%{http_connect} %{local_port}' \
	"https://localhost:$TLS/" 2>"$T/curl10.err")
rc=$?
read -r connect_code cport <<<"$got"
[ "$rc" -eq 0 ] || problem "curl exit $rc: $(cat "$T/curl10.err")"
[ "${connect_code:-}" = 200 ] || problem "CONNECT answered ${connect_code:-nothing}"
grep -q 's_server' "$T/curl10.body" 2>/dev/null || problem "body is not s_server's status page"
case_log "${cport:-}" status=200 exit=0
case_end "curl --proxy1.0: HTTP/1.0 CONNECT works too"

# openssl s_client -proxy: send a request line, check the reply.
case_begin
printf 'GET / HTTP/1.0\r\n\r\n' |
	timeout 15 openssl s_client -proxy "127.0.0.1:$P" -connect "localhost:$TLS" \
		-servername localhost -CAfile "$T/cert.pem" -verify_return_error \
		-quiet -ign_eof >"$T/s_client.out" 2>"$T/s_client.err"
rc=$?
[ "$rc" -eq 0 ] || problem "s_client exit $rc: $(tail -n 5 "$T/s_client.err")"
grep -q '^HTTP/1.0 200 ok' "$T/s_client.out" || problem "no HTTP reply: $(head -c 300 "$T/s_client.out")"
grep -q 's_server' "$T/s_client.out" || problem "reply lacks s_server's page"
case_end "openssl s_client -proxy: TLS handshake, request and reply through the tunnel"

# ncat --proxy: echo round trip (ncat half-closes on stdin EOF).
case_begin
out=$(printf 'hello through ncat\n' |
	timeout 10 ncat --proxy "127.0.0.1:$P" --proxy-type http localhost "$ECHO" 2>"$T/ncat.err")
rc=$?
[ "$rc" -eq 0 ] || problem "ncat exit $rc: $(cat "$T/ncat.err")"
[ "$out" = "hello through ncat" ] || problem "echo came back as '$out'"
wait_log "target=localhost:$ECHO .*status=200" 5 || problem "no log line for target=localhost:$ECHO"
line=$(grep -E "^connectd\[[0-9]+\]: .*target=localhost:$ECHO " "$CD_LOG" | tail -n 1)
assert_line() {
	[[ $line == *" $1"* ]] || problem "log lacks '$1': $line"
}
assert_line "up=19 "
assert_line "down=19 "
assert_line "close=client-eof"
case_end "ncat --proxy-type http: echo round trip, log up=19 down=19 close=client-eof"

# socat PROXY: address type.
case_begin
out=$(printf 'hello through socat\n' |
	timeout 10 socat - "PROXY:127.0.0.1:127.0.0.1:$ECHO,proxyport=$P" 2>"$T/socat.err")
rc=$?
[ "$rc" -eq 0 ] || problem "socat exit $rc: $(cat "$T/socat.err")"
[ "$out" = "hello through socat" ] || problem "echo came back as '$out'"
case_end "socat PROXY: echo round trip"

# curl to a port the policy does not allow: curl reports the 403.
case_begin
got=$(curl -sS -p -x "http://127.0.0.1:$P" --max-time 10 -o /dev/null \
	-w '%{http_connect}' "https://localhost:1/" 2>"$T/curl403.err")
[ "$got" = 403 ] || problem "CONNECT answered '$got': $(cat "$T/curl403.err")"
case_end "curl to a port no rule allows sees 403"

# Many tunnels at once: one connectd process each.
case_begin
pids=()
for i in $(seq 40); do
	raw "par$i" "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\n" @head "PING$i" @shut &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
bad=0
for i in $(seq 40); do
	"$PYTHON" "$HELPERS" check-resp "$T/par$i.out" --info "$T/par$i.info" --status 200 \
		--tunnel "PING$i" --end eof >/dev/null || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] || problem "$bad of 40 concurrent tunnels failed; e.g. $(show par1)"
case_end "40 concurrent tunnels through one supervisor all echo their own data"

# An IPv6 client and an IPv6 target: addresses in brackets in the log.
start_connectd -n v6 -l ::1 "$CONF" || exit 1
case_begin
RAW_HOST=::1 raw v6 "CONNECT [::1]:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
check_resp v6 --status 200 --tunnel PING --end eof
CASE_LOG=$CD_LOG CASE_EXITS=$CD_EXITS case_log "$(info v6 local_port)" status=200 \
	'client~^\[::1\]:[0-9]+$' "target=[::1]:$ECHO" "addr=[::1]:$ECHO" "rule=$CONF:3" exit=0
case_end "IPv6 client to [::1] and target [::1]: log client=[::1]:PORT target=[::1]:$ECHO addr=[::1]:$ECHO"

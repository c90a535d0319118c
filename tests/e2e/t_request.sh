#!/bin/bash
# t_request.sh: well-formed, lenient, malformed and hostile request heads
# sent with the raw client. Every case checks the exact reply bytes
# (status line, CRLF only, no CL/TE on a 200; Connection: close, a
# Content-Length that matches the body, Proxy-Status and Allow on errors),
# that the connection then ends, the log record and the exit status.
# SPEC edge cases 1-3, 6, 7, 10-12, 15-17, 28 and R14-R44.
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
SINK=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server sink sink "$SINK" "$T/sink" || exit 1

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
# t_request
request_timeout 2s
allow from 127.0.0.1 to 127.0.0.1,::1 port $ECHO,$SINK
EOF
start_connectd "$CONF" || exit 1

N=0
exit_for() {
	case $1 in
	403) echo 5 ;;
	408) echo 4 ;;
	*) echo 3 ;;
	esac
}

sink_conns() {
	grep -c '^accept' "$T/sink.conns" 2>/dev/null || true
}

# accept_not_before NAME KEY WHAT: the sink's first accept came no earlier
# than timestamp KEY of raw client NAME, when WHAT was sent: the timing
# cases' proof that connectd waited for the whole request.
accept_not_before() {
	local acc sent
	acc=$(awk '$1 == "accept" { print $2; exit }' "$T/sink.conns" 2>/dev/null)
	sent=$(info "$1" "$2")
	if [ -z "$acc" ]; then
		problem "the sink saw no connection"
	elif awk -v a="$acc" -v s="$sent" 'BEGIN { exit !(a < s) }'; then
		problem "the sink accepted at $acc, before $3 was sent at $sent"
	fi
}

# rq STATUS DESC [check-resp options] -- TOKEN...
#   STATUS 200: the tokens are followed by "@head PING @shut"; the reply
#   must be the exact 200 head then PING, then EOF; log up=4 down=4.
#   Otherwise: the reply must be a well-formed error with STATUS, then EOF,
#   and nothing reaches the sink.
rq() {
	local status=$1 desc=$2 name port before
	shift 2
	local -a opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	N=$((N + 1))
	name=r$N
	before=$(sink_conns)
	case_begin
	if [ "$status" = 200 ]; then
		raw "$name" "$@" @head PING @shut
		check_resp "$name" --status 200 --tunnel PING --end eof "${opts[@]}"
		port=$(info "$name" local_port)
		case_log "$port" status=200 up=4 down=4 close=client-eof "rule=$CONF:3" '!error' exit=0
	else
		raw "$name" "$@"
		check_resp "$name" --status "$status" --end eof "${opts[@]}"
		port=$(info "$name" local_port)
		case_log "$port" "status=$status" close=- up=0 down=0 addr=- \
			'error~^[a-z_]+$' "exit=$(exit_for "$status")"
		[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
	fi
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "$status: $desc"
}

E=$ECHO
H='Host: x\r\n'

# ---- accepted, leniently or not (200 + working tunnel)
rq 200 "bare LF throughout, IPv6 literal (edge 1, R15)" -- "CONNECT [::1]:$E HTTP/1.1\nHost: [::1]:$E\n\n"
rq 200 "CRLF request line, LF fields, CRLF blank line (edge 2)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost: x\nX-A: y\n\r\n"
rq 200 "one empty line before the request line (R17)" -- "\r\nCONNECT 127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 200 "HTTP/1.0 without Host, answered in HTTP/1.0 (R38, edge 12)" --version 1.0 -- "CONNECT 127.0.0.1:$E HTTP/1.0\r\n\r\n"
rq 200 "HTTP/1.1 without Host (D2, R40)" --version 1.1 -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n\r\n"
rq 200 "HTTP/1.9 is processed as 1.1 (R37)" --version 1.1 -- "CONNECT 127.0.0.1:$E HTTP/1.9\r\n$H\r\n"
rq 200 "empty Host is valid grammar (edge 6)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost:\r\n\r\n"
rq 200 "Host differing from the target; the tunnel goes to the target (R41)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost: other.example:443\r\n\r\n"
rq 200 "port with a leading zero (0$E = $E) (D7, edge 7)" -- "CONNECT 127.0.0.1:0$E HTTP/1.1\r\n$H\r\n"
rq 200 "obs-text in a field value is opaque (edge 16, R14)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}X-A: caf\\xc3\\xa9 \\xff\\x80\r\n\r\n"
rq 200 "Content-Length: 0 is ignored (edge 17)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n"
rq 200 "Expect: 100-continue gets no 100 (R44)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}Expect: 100-continue\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive\r\n\r\n"
rq 200 "field names case-insensitive, OWS around values (R22)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nhOsT: \t x \t\r\n\r\n"
rq 200 "host name case-insensitive (LOCALHOST) (R35)" -- "CONNECT LOCALHOST:$E HTTP/1.1\r\n$H\r\n"
rq 200 "100 header fields is the limit, not over it" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n" @rep:100:'X-Field: 12\r\n' '\r\n'
rq 200 "an 8100-byte head fits" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nX-Big: " @fill:8000:v '\r\n\r\n'

# ---- request line
rq 405 "lower-case 'connect' is another method (R30, edge 10)" -- "connect 127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 405 "GET / (R32, edge 11)" -- "GET / HTTP/1.1\r\n$H\r\n"
rq 405 "GET http://x/ (edge 11)" -- "GET http://x/ HTTP/1.1\r\n$H\r\n"
rq 405 "OPTIONS * (edge 11)" -- "OPTIONS * HTTP/1.1\r\n$H\r\n"
rq 405 "POST with a body" -- "POST / HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc"
rq 501 "CONNECTCONNECTCONNECT: method longer than any known (R26)" -- "CONNECTCONNECTCONNECT 127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 501 "8-character method" -- "CONNECTX 127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 400 "TAB after CONNECT (R29, edge 10)" -- "CONNECT\t127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 400 "two spaces after CONNECT (R29, edge 10)" -- "CONNECT  127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 400 "PROXY v1 line while PROXY is off (R4, edge 11)" -- "PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\nCONNECT 127.0.0.1:$E HTTP/1.1\r\n$H\r\n"
rq 400 "request line without a version" -- "CONNECT 127.0.0.1:$E\r\n$H\r\n"

# ---- version (R36, R37, edge 12)
rq 505 "HTTP/2.0" -- "CONNECT 127.0.0.1:$E HTTP/2.0\r\n$H\r\n"
rq 505 "HTTP/0.9" -- "CONNECT 127.0.0.1:$E HTTP/0.9\r\n$H\r\n"
rq 400 "http/1.1 in lower case" -- "CONNECT 127.0.0.1:$E http/1.1\r\n$H\r\n"
rq 400 "HTTP/1" -- "CONNECT 127.0.0.1:$E HTTP/1\r\n$H\r\n"
rq 400 "HTTP/1.10" -- "CONNECT 127.0.0.1:$E HTTP/1.10\r\n$H\r\n"
rq 400 "HTTP/1.1x" -- "CONNECT 127.0.0.1:$E HTTP/1.1x\r\n$H\r\n"
rq 400 "trailing space after the version" -- "CONNECT 127.0.0.1:$E HTTP/1.1 \r\n$H\r\n"

# ---- target and port (R31, R33, R34, R35, edge 7, 8)
for t in "127.0.0.1:0" "127.0.0.1:65536" "127.0.0.1:" "127.0.0.1" "127.0.0.1:-1" \
	"127.0.0.1:+443" "127.0.0.1:443abc" "127.0.0.1:99999999999999999999" \
	"https://127.0.0.1:443/" "127.0.0.1:443/" "u@127.0.0.1:443" "u:p@127.0.0.1:443" \
	":$E" "a%41b:$E" "a/b:$E" "a b.example:$E" "exa\$mple.com:$E" \
	"[::1]" "::1:$E" "[]:$E" "[::1]$E" "[zz::1]:$E" "[fe80::1%25lo]:$E" "[::1:$E" \
	"[127.0.0.1]:$E" "1.2.3.4.5:$E"; do
	rq 400 "target $t" -- "CONNECT $t HTTP/1.1\r\n$H\r\n"
done
rq 400 "port '4 43' (a space inside)" -- "CONNECT 127.0.0.1:4 43 HTTP/1.1\r\n$H\r\n"
rq 400 "port '443 ' (a space after)" -- "CONNECT 127.0.0.1:443  HTTP/1.1\r\n$H\r\n"
rq 400 "a 64-character DNS label" -- "CONNECT " @fill:64:a '.example:443 HTTP/1.1\r\n\r\n'
rq 400 "a 254-character host name" -- "CONNECT " @fill:254:a.b '.example:443 HTTP/1.1\r\n\r\n'
rq 400 "a 1024-byte target is not 414 but a bad host" -- "CONNECT " @fill:1020:ab. ':443 HTTP/1.1\r\n\r\n'
rq 414 "a 1025-byte target" -- "CONNECT " @fill:1021:ab. ':443 HTTP/1.1\r\n\r\n'
rq 414 "a 2000-byte target" -- "CONNECT " @fill:2000:a ':443 HTTP/1.1\r\n\r\n'
rq 414 "a 9000-byte target (R26, edge 15)" -- "CONNECT " @fill:9000:a ':443 HTTP/1.1\r\n\r\n'

# ---- header fields (R16, R18-R21, R39, R42, edge 6, 16, 17)
rq 400 "Host twice (R39, edge 6)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"
rq 400 "Host: a b (R39, edge 6)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost: a b\r\n\r\n"
rq 400 "bare CR inside a field value (R16)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
rq 400 "bare CR inside the request line (R16)" -- "CONNECT 127.0.0.1:$E\rHTTP/1.1\r\n$H\r\n"
rq 400 "whitespace-led first field line (R18)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n Host: x\r\n\r\n"
rq 400 "space before the colon (R19)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nHost : x\r\n\r\n"
rq 400 "obs-fold (R20)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n"
rq 400 "NUL in a field value (R21)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}X-A: a\\x00b\r\n\r\n"
rq 400 "field line without a colon" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}Just-a-name\r\n\r\n"
rq 400 "empty field name" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n$H: v\r\n\r\n"
rq 400 "Transfer-Encoding: chunked (R42, edge 17)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n"
rq 400 "Content-Length: 5 (R42, edge 17)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello"
rq 431 "101 header fields" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\n" @rep:101:'X-Field: 12\r\n' '\r\n'
rq 431 "a 64 KiB header section (R25, edge 15)" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nX-Big: " @fill:65536:b '\r\n\r\n'
rq 431 "a head of 8193 bytes" -- "CONNECT 127.0.0.1:$E HTTP/1.1\r\nX-Big: " @fill:8151:c '\r\n\r\n'

# ---- timing: no action before the blank line (R23, edge 3)
case_begin
raw split "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\n" @sleep:200 "Host: x\r\n\r\n" @head X @shut
check_resp split --status 200 --end eof
accept_not_before split t_flush2 "the blank line"
wait_for "grep -q '^close' '$T/sink.conns'" 5
[ "$(cat "$T/sink.1.data" 2>/dev/null)" = X ] || problem "the sink got '$(cat "$T/sink.1.data" 2>/dev/null)', want X"
case_log "$(info split local_port)" status=200 up=1 down=0 close=client-eof exit=0
case_end "request line, 200 ms pause, rest: no connect before the blank line (R23)"

case_begin
: >"$T/sink.conns"
RAW_OPTS=(--chunk 1 --gap-ms 10)
raw onebyte "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\nHost: x\r\n\r\n" @head @shut
RAW_OPTS=()
check_resp onebyte --status 200 --end eof
accept_not_before onebyte t_flush1 "the last byte"
case_end "request in 1-byte writes 10 ms apart: 200, no connect before the last byte (edge 3)"

# ---- the client goes away or stalls (R27, R28)
case_begin
before=$(sink_conns)
raw eofmid "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\n" @shut
check_resp eofmid --empty --end eof
case_log "$(info eofmid local_port)" status=- close=- up=0 down=0 addr=- exit=2
[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
case_end "EOF before the head is complete: no reply, no connect, status=-, exit 2 (R28)"

case_begin
raw nothing @shut
check_resp nothing --empty --end eof
case_log "$(info nothing local_port)" status=- exit=2
case_end "client connects and sends nothing: no reply, status=-, exit 2"

case_begin
before=$(sink_conns)
RAW_OPTS=(--timeout 8)
raw stall "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\nHost: x\r\n"
RAW_OPTS=()
check_resp stall --status 408 --end eof
ms=$(ms_between stall t_start t_end)
in_range "$ms" 1800 3100 || problem "closed after $ms ms, want request_timeout 2 s (+1 s)"
case_log "$(info stall local_port)" status=408 close=- exit=4
[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
case_end "head never finishes: 408 at request_timeout, no connect (R27, edge 15)"

case_begin
before=$(sink_conns)
RAW_OPTS=(--timeout 8 --chunk 1 --gap-ms 300 --stop-when-closed)
raw slow "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
RAW_OPTS=()
check_resp slow --status 408
ms=$(ms_between slow t_start t_end)
in_range "$ms" 1800 3100 || problem "closed after $ms ms, want 2 s (+1 s): the deadline covers the whole head"
case_log "$(info slow local_port)" status=408 exit=4
[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
case_end "one byte every 300 ms: 408 at request_timeout, not reset by each byte (R27)"

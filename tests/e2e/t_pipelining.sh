#!/bin/bash
# t_pipelining.sh: bytes sent right after the request's blank line, in the
# same write, are tunnel data: forwarded in order once connected (R66,
# edge 4), never delivered anywhere when the request fails (R67, edge 5),
# and a complete error response still arrives (R79).
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
SINK=$(free_port)
DENIED=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server sink sink "$SINK" "$T/sink" || exit 1
start_server denied sink "$DENIED" "$T/denied" || exit 1

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
allow from 127.0.0.1 to 127.0.0.1 port $ECHO,$SINK
EOF
start_connectd "$CONF" || exit 1

# Test data: 256 KiB with request-like and NUL bytes spread through it.
"$PYTHON" - "$T/data256" "$T/junk1m" <<'EOF'
import random, sys
r = random.Random(7)
def make(n):
    b = bytearray(r.randbytes(n))
    for i in range(0, n - 64, 4096):
        p = [b"\r\n\r\n", b"CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n", b"\x00\x00\x00", b"\n\n"][i // 4096 % 4]
        b[i:i + len(p)] = p
    return bytes(b)
open(sys.argv[1], "wb").write(make(256 * 1024))
open(sys.argv[2], "wb").write(make(1024 * 1024))
EOF

denied_conns() {
	cat "$T/denied.conns" "$T/sink.conns" 2>/dev/null | grep -c '^accept'
}

case_begin
raw hello "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\nHost: x\r\n\r\nHELLO" @shut
check_resp hello --status 200 --tunnel HELLO --end eof
case_log "$(info hello local_port)" status=200 up=5 down=5 close=client-eof exit=0
case_end "request and HELLO in one write: 200 first, then HELLO echoed (R66)"

case_begin
raw big256 "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\nHost: x\r\n\r\n" "@file:$T/data256" @shut
check_resp big256 --status 200 --tunnel-file "$T/data256" --end eof
case_log "$(info big256 local_port)" status=200 up=262144 down=262144 close=client-eof exit=0
case_end "request and 256 KiB in one write: 200 head, then all of it echoed in order (edge 4)"

case_begin
raw tosink "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\nHost: x\r\n\r\n" "@file:$T/data256" @shut
check_resp tosink --status 200 --tunnel "" --end eof
wait_for "grep -q '^close' '$T/sink.conns'" 5 || problem "the sink saw no EOF"
cmp -s "$T/sink.1.data" "$T/data256" || problem "the server received $(wc -c <"$T/sink.1.data" 2>/dev/null) bytes that differ from the 256 KiB sent"
case_end "the server receives exactly the pipelined 256 KiB, nothing of the head (edge 4)"

case_begin
raw smuggle "CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\n\r\nCONNECT 127.0.0.1:$SINK HTTP/1.1\r\n\r\n" @shut
check_resp smuggle --status 200 --tunnel "CONNECT 127.0.0.1:$SINK HTTP/1.1\r\n\r\n" --end eof
[ "$(grep -c '^accept' "$T/sink.conns")" = 1 ] || problem "a second CONNECT reached the sink"
case_end "a second CONNECT pipelined after the first is tunnel data, not a request"

case_begin
before=$(denied_conns)
raw denied "CONNECT 127.0.0.1:$DENIED HTTP/1.1\r\nHost: x\r\n\r\nHELLO"
check_resp denied --status 403 --error http_request_denied --end eof
case_log "$(info denied local_port)" status=403 up=0 down=0 close=- rule=- exit=5
[ "$(denied_conns)" = "$before" ] || problem "a connection reached a server"
case_end "denied port with HELLO pipelined: 403, nothing reaches any server (R67)"

case_begin
before=$(denied_conns)
RAW_OPTS=(--timeout 15)
raw junk "CONNECT 127.0.0.1:$DENIED HTTP/1.1\r\nHost: x\r\n\r\n" "@file:$T/junk1m"
RAW_OPTS=()
check_resp junk --status 403 --error http_request_denied --end any
[ "$(denied_conns)" = "$before" ] || problem "a connection reached a server"
case_log "$(info junk local_port)" status=403 exit=5
case_end "denied port with 1 MiB pipelined: the complete 403 arrives, nothing reaches any server (R79, edge 5)"

case_begin
raw junk405 "GET / HTTP/1.1\r\nHost: x\r\n\r\n" "@file:$T/junk1m"
check_resp junk405 --status 405 --end any
case_end "non-CONNECT with 1 MiB pipelined: the complete 405 arrives"

case_begin
REFUSED=$(free_port)
cat >"$T/refused.conf" <<EOF
allow from 127.0.0.1 to 127.0.0.1 port $REFUSED
EOF
start_connectd -n refused "$T/refused.conf" || exit 1
raw refused "CONNECT 127.0.0.1:$REFUSED HTTP/1.1\r\n\r\nHELLO"
check_resp refused --status 502 --error connection_refused --end eof
CASE_LOG=$CD_LOG CASE_EXITS=$CD_EXITS case_log "$(info refused local_port)" status=502 up=0 exit=8
case_end "refused target with HELLO pipelined: 502, pipelined bytes dropped"

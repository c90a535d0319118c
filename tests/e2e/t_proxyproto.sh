#!/bin/bash
# t_proxyproto.sh: the PROXY protocol front end end to end (R4-R13, edge
# cases 26-27) with the raw client; the unit tests cover the parser.
#
# connectd runs with `proxy_protocol from 127.0.0.1`, so every raw client
# here is a trusted balancer. Rules let the header's client 203.0.113.0/24
# (and 2001:db8::/32) reach ECHO; the socket's own 127.0.0.1 may reach only
# ECHO2. Any client may reach SINK, the target of every CONNECT that must
# never be made: a refused header shows as no bytes back, a log record
# with status=- and error=proxy_protocol_error (or _timeout), and no
# accept in the sink's record.
. "$(dirname "$0")/lib.sh"
need_binary

# The log contract (README "Logs and exit codes") has an optional
# balancer= after route=; lib.sh's LOG_RE predates it.
# shellcheck disable=SC2034 # read by lib.sh's case_log
LOG_RE='^connectd\[[0-9]+\]: client=[^ ]+ target=[^ ]+ addr=[^ ]+ rule=[^ ]+ status=([0-9]{3}|-) up=[0-9]+ down=[0-9]+ resolve_ms=([0-9]+|-) connect_ms=([0-9]+|-) total_ms=[0-9]+ close=[a-z-]+ route=[^ ]+( balancer=[^ ]+)?( parent_status=[0-9]{3})?( user=[^ ]+ auth=(ok|fail))?( error=[a-z_]+)?( detail="[^"]*")?$'

ECHO=$(free_port)
ECHO2=$(free_port)
SINK=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server echo2 echo "$ECHO2" || exit 1
start_server sink sink "$SINK" "$T/sink" || exit 1
: >>"$T/sink.conns"

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
# t_proxyproto: 127.0.0.1 is the trusted balancer
request_timeout 2s
proxy_protocol from 127.0.0.1
allow from 203.0.113.0/24 to 127.0.0.1 port $ECHO
allow from 2001:db8::/32 to 127.0.0.1 port $ECHO
allow from 127.0.0.1 to 127.0.0.1 port $ECHO2
allow to 127.0.0.1 port $SINK
EOF
start_connectd "$CONF" || exit 1

# The v2 headers, as files for raw's @file token.
"$PYTHON" - "$T" <<'EOF'
import socket, struct, sys
t = sys.argv[1]
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
def v2(vc, fam, body, length=None):
    return SIG + bytes([vc, fam]) + struct.pack("!H", len(body) if length is None else length) + body
def a4(src, dst, sp, dp):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sp, dp)
def a6(src, dst, sp, dp):
    return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!HH", sp, dp))
def tlv(typ, val):
    return bytes([typ]) + struct.pack("!H", len(val)) + val
tlvs4 = tlv(0x01, b"h2") + tlv(0x02, b"example.com") + tlv(0x04, b"\0" * 6)
assert len(tlvs4) == 28
tlvs6 = tlv(0x01, b"http/1.1") + tlv(0x05, b"0123456789abcdef") + tlv(0x04, b"")
files = {
    "tcp4": v2(0x21, 0x11, a4("203.0.113.8", "192.0.2.1", 5020, 443)),
    "tcp4tlv": v2(0x21, 0x11, a4("203.0.113.9", "192.0.2.1", 5021, 443) + tlvs4),
    "tcp6tlv": v2(0x21, 0x21, a6("2001:db8::7", "2001:db8::1", 5022, 443) + tlvs6),
    "local": v2(0x20, 0x00, b"\xaa" * 12),
    "unspec": v2(0x21, 0x00, b""),
    "unix": v2(0x21, 0x31, b"/run/lb.sock".ljust(108, b"\0") + b"/run/cd.sock".ljust(108, b"\0")),
    "ver1": v2(0x11, 0x11, a4("203.0.113.8", "192.0.2.1", 5030, 443)),
    "ver3": v2(0x31, 0x11, a4("203.0.113.8", "192.0.2.1", 5031, 443)),
    "cmd2": v2(0x22, 0x11, a4("203.0.113.8", "192.0.2.1", 5032, 443)),
    "fam41": v2(0x21, 0x41, a4("203.0.113.8", "192.0.2.1", 5033, 443)),
    "short4": v2(0x21, 0x11, a4("203.0.113.8", "192.0.2.1", 5034, 443)[:8]),
    "long": v2(0x21, 0x11, a4("203.0.113.8", "192.0.2.1", 5035, 443), length=100),
}
files["half"] = files["tcp4"][:14]
files["tcp4a"] = files["tcp4"][:14]
files["tcp4b"] = v2(0x21, 0x11, a4("203.0.113.8", "192.0.2.1", 5023, 443))[14:]
for name, data in files.items():
    with open("%s/%s.bin" % (t, name), "wb") as f:
        f.write(data)
EOF

REQ="CONNECT 127.0.0.1:$ECHO HTTP/1.1\r\nHost: x\r\n\r\n"
REQ2="CONNECT 127.0.0.1:$ECHO2 HTTP/1.1\r\n\r\n"
SREQ="CONNECT 127.0.0.1:$SINK HTTP/1.1\r\n\r\n"

# A raw client's source port can come back (the server closes first, so
# the client keeps no TIME_WAIT), so log lines are looked up only among
# those written since the case began: mark, then clog as case_log.
MARK=0
mark() {
	MARK=$(wc -l <"$CD_LOG")
}
clog() {
	local port=$1 since=$T/since.log
	wait_for "tail -n +$((MARK + 1)) '$CD_LOG' | grep -Eq '^connectd\[[0-9]+\]: client=[^ ]+:$port '" 5
	tail -n +$((MARK + 1)) "$CD_LOG" >"$since"
	CASE_LOG=$since CASE_EXITS=$CD_EXITS case_log "$@"
}

# accepted NAME HDRPORT CLIENT: the header's client (CLIENT:HDRPORT in the
# log) and the balancer (our socket) for a tunnel that echoed PING.
accepted() {
	local name=$1 hport=$2 client=$3
	check_resp "$name" --status 200 --tunnel PING --end eof
	clog "$hport" status=200 "client=$client:$hport" \
		"balancer=127.0.0.1:$(info "$name" local_port)" "addr=127.0.0.1:$ECHO" \
		'!error' exit=0
}

# sink_untouched: no connect ever reached SINK.
sink_untouched() {
	if grep -q '^accept' "$T/sink.conns"; then
		problem "SINK was connected to: $(head -n 3 "$T/sink.conns")"
	fi
}

# refused NAME ERROR MAXMS: closed with no byte answered, within MAXMS of
# the start, a record with no status and error=ERROR, and no connect.
refused() {
	local name=$1 err=$2 max=$3 end ms
	end=$(info "$name" end)
	case $end in
	eof | reset) ;;
	*) problem "connection not closed by connectd (end=$end)" ;;
	esac
	[ "$(info "$name" bytes)" = 0 ] || problem "answered $(info "$name" bytes) bytes: $(show "$name")"
	ms=$(ms_between "$name" t_start t_end)
	in_range "$ms" 0 "$max" || problem "closed after $ms ms, want <= $max ms"
	clog "$(info "$name" local_port)" status=- target=- addr=- '!balancer' \
		"client=127.0.0.1:$(info "$name" local_port)" "error=$err" 'exit~^[23]$'
	sink_untouched
}

# ---------------------------------------------------------------- v1 accepted

case_begin
mark
raw v1one "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\n$REQ" @head PING @shut
accepted v1one 5000 203.0.113.7
case_end "v1 TCP4 header and CONNECT in one write: 200, log client=203.0.113.7:5000 balancer=127.0.0.1:PORT (R13)"

case_begin
mark
raw v1split "PROXY TCP4 203.0.113.7 19" @sleep:100 "2.0.2.1 5001 443\r\n$REQ" @head PING @shut
accepted v1split 5001 203.0.113.7
ms=$(ms_between v1split t_flush1 t_head)
in_range "$ms" 90 5000 || problem "200 came $ms ms after the first fragment, before the header was complete"
case_end "v1 header split mid-line across two writes 100 ms apart: 200, header's client (R13 fragments tolerated)"

case_begin
mark
raw v1split2 "PROXY TCP4 203.0.113.7 192.0.2.1 5002 443\r\n" @sleep:100 "$REQ" @head PING @shut
accepted v1split2 5002 203.0.113.7
case_end "v1 header, then the CONNECT 100 ms later: 200, header's client"

case_begin
mark
raw v1tcp6 "PROXY TCP6 2001:db8::9 2001:db8::1 5003 443\r\n$REQ" @head PING @shut
accepted v1tcp6 5003 '[2001:db8::9]'
case_end "v1 TCP6 header: 200, log client=[2001:db8::9]:5003"

case_begin
mark
raw v1lf "PROXY TCP4 203.0.113.7 192.0.2.1 5004 443\r\nCONNECT 127.0.0.1:$ECHO HTTP/1.1\nHost: x\n\nHELLO" @head PING @shut
# the tunnel bytes pipelined after the request come back first
check_resp v1lf --status 200 --tunnel HELLOPING --end eof
clog 5004 status=200 client=203.0.113.7:5004 "balancer=127.0.0.1:$(info v1lf local_port)" \
	up=9 down=9 exit=0
case_end "v1 header then a bare-LF CONNECT and pipelined bytes in one write: 200, HELLO reaches ECHO (edge 26, R13)"

case_begin
mark
raw v1unknown "PROXY UNKNOWN\r\n$REQ"
check_resp v1unknown --status 403 --end eof
clog "$(info v1unknown local_port)" status=403 "client=127.0.0.1:$(info v1unknown local_port)" \
	'!balancer' exit=5
case_end "v1 UNKNOWN: the socket address is the client, so the from rule denies: 403, log client=127.0.0.1 (R8)"

case_begin
mark
raw v1unknown2 "PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n$REQ2" @head PING @shut
check_resp v1unknown2 --status 200 --tunnel PING --end eof
clog "$(info v1unknown2 local_port)" status=200 "client=127.0.0.1:$(info v1unknown2 local_port)" \
	'!balancer' exit=0
case_end "v1 UNKNOWN with the rest of the line ignored: socket address, 200 to a port 127.0.0.1 may reach"

# ---------------------------------------------------------------- v2 accepted

case_begin
mark
raw v2tcp4 "@file:$T/tcp4.bin" "${REQ}HELLO" @head PING @shut
check_resp v2tcp4 --status 200 --tunnel HELLOPING --end eof
clog 5020 status=200 client=203.0.113.8:5020 "balancer=127.0.0.1:$(info v2tcp4 local_port)" exit=0
case_end "v2 PROXY TCP4, CONNECT and tunnel bytes in one write: 200, HELLO echoed, log client=203.0.113.8:5020"

case_begin
mark
raw v2tlv "@file:$T/tcp4tlv.bin" "$REQ" @head PING @shut
accepted v2tlv 5021 203.0.113.9
case_end "v2 PROXY TCP4 with TLVs (len=40): 200, header's client (R10)"

case_begin
mark
raw v2tcp6 "@file:$T/tcp6tlv.bin" "$REQ" @head PING @shut
accepted v2tcp6 5022 '[2001:db8::7]'
case_end "v2 PROXY TCP6 with TLVs: 200, log client=[2001:db8::7]:5022"

case_begin
mark
raw v2split "@file:$T/tcp4a.bin" @sleep:100 "@file:$T/tcp4b.bin" "$REQ" @head PING @shut
accepted v2split 5023 203.0.113.8
case_end "v2 header split after 14 bytes, rest 100 ms later: 200, header's client"

case_begin
mark
raw v2local "@file:$T/local.bin" "$REQ2" @head PING @shut
check_resp v2local --status 200 --tunnel PING --end eof
clog "$(info v2local local_port)" status=200 "client=127.0.0.1:$(info v2local local_port)" \
	'!balancer' exit=0
case_end "v2 LOCAL with len=12 of junk: junk skipped, socket address is the client, 200 (R10)"

case_begin
mark
raw v2local403 "@file:$T/local.bin" "$REQ"
check_resp v2local403 --status 403 --end eof
clog "$(info v2local403 local_port)" status=403 "client=127.0.0.1:$(info v2local403 local_port)" \
	'!balancer' exit=5
case_end "v2 LOCAL to a port only the header's clients may reach: 403, log client=127.0.0.1"

case_begin
mark
raw v2unspec "@file:$T/unspec.bin" "$REQ2" @head PING @shut
check_resp v2unspec --status 200 --tunnel PING --end eof
clog "$(info v2unspec local_port)" status=200 "client=127.0.0.1:$(info v2unspec local_port)" '!balancer'
case_end "v2 PROXY with fam UNSPEC, len 0: socket address, 200 (R10)"

case_begin
mark
raw v2unix "@file:$T/unix.bin" "$REQ2" @head PING @shut
check_resp v2unix --status 200 --tunnel PING --end eof
clog "$(info v2unix local_port)" status=200 "client=127.0.0.1:$(info v2unix local_port)" '!balancer'
case_end "v2 PROXY UNIX stream (len 216): addresses skipped, socket address, 200 (R10)"

# ---------------------------------------------------------------- refused

case_begin
mark
raw noheader "$SREQ"
refused noheader proxy_protocol_error 1900
case_end "trusted peer, plain CONNECT without a header: closed, no byte answered, no connect (R4)"

case_begin
mark
raw v1barelf "PROXY TCP4 203.0.113.7 192.0.2.1 5010 443\n$SREQ"
refused v1barelf proxy_protocol_error 1900
case_end "v1 line ended by a bare LF: closed, no answer, no connect (R7)"

case_begin
mark
raw v1zeros "PROXY TCP4 010.0.0.1 192.0.2.1 5011 443\r\n$SREQ"
refused v1zeros proxy_protocol_error 1900
case_end "v1 address with leading zeros: closed, no answer, no connect (R7)"

case_begin
mark
raw v1zport "PROXY TCP4 203.0.113.7 192.0.2.1 05012 443\r\n$SREQ"
refused v1zport proxy_protocol_error 1900
case_end "v1 port with a leading zero: closed, no answer, no connect (R7)"

case_begin
mark
RAW_OPTS=(--timeout 6)
raw v1long "PROXY TCP4 " @fill:109:1
RAW_OPTS=()
refused v1long proxy_protocol_error 1900
case_end "v1: 120 bytes without CRLF (connection left open): closed at once, no answer (R7)"

case_begin
mark
raw v1fam "PROXY TCP4 2001:db8::7 192.0.2.1 5013 443\r\n$SREQ"
refused v1fam proxy_protocol_error 1900
case_end "v1 TCP4 with an IPv6 address: closed, no answer, no connect (R7)"

case_begin
mark
raw v1trunc "PROXY TCP4 203.0.113.7 19" @shut
refused v1trunc proxy_protocol_error 1900
case_end "v1 truncated, then EOF: closed, no answer"

for v in ver1 ver3; do
	case_begin
	mark
	raw "v2$v" "@file:$T/$v.bin" "$SREQ"
	refused "v2$v" proxy_protocol_error 1900
	case_end "v2 signature with $v: closed, no answer, no connect (R9, R11)"
done

case_begin
mark
raw v2cmd2 "@file:$T/cmd2.bin" "$SREQ"
refused v2cmd2 proxy_protocol_error 1900
case_end "v2 unknown command 0x2: closed, no answer, no connect (R9)"

case_begin
mark
raw v2fam41 "@file:$T/fam41.bin" "$SREQ"
refused v2fam41 proxy_protocol_error 1900
case_end "v2 fam 0x41: closed, no answer, no connect (R10)"

case_begin
mark
raw v2short "@file:$T/short4.bin" "$SREQ"
refused v2short proxy_protocol_error 1900
case_end "v2 TCP4 with len 8 (less than its 12-byte address block): closed, no answer, no connect (R10)"

case_begin
mark
raw v2long "@file:$T/long.bin" @shut
refused v2long proxy_protocol_error 1900
case_end "v2 len 100 but 12 bytes sent, then EOF: closed, no answer (edge 27)"

case_begin
mark
raw v2trunc "@file:$T/half.bin" @shut
refused v2trunc proxy_protocol_error 1900
case_end "v2 header truncated after 14 bytes, then EOF: closed, no answer (edge 27)"

case_begin
mark
RAW_OPTS=(--timeout 8)
raw v2slow "@file:$T/half.bin"
RAW_OPTS=()
refused v2slow proxy_protocol_timeout 3500
ms=$(ms_between v2slow t_start t_end)
in_range "$ms" 1900 3500 || problem "closed after $ms ms, want request_timeout 2 s (up to +1.5 s)"
case_end "v2: half a header, then silence: closed after request_timeout (2 s), no answer, error=proxy_protocol_timeout (R6)"

# ---------------------------------------------------------------- untrusted

cat >"$T/untrusted.conf" <<EOF
# t_proxyproto: only 198.18.0.1 is a trusted balancer, 127.0.0.1 is not
request_timeout 2s
proxy_protocol from 198.18.0.1
allow from 203.0.113.0/24 to 127.0.0.1 port $ECHO
allow to 127.0.0.1 port $SINK
EOF
start_connectd -n untrusted "$T/untrusted.conf" || exit 1

case_begin
mark
raw untrusted "PROXY TCP4 203.0.113.7 192.0.2.1 5040 443\r\n$SREQ"
check_resp untrusted --status 400 --end eof
head -c 12 "$T/untrusted.out" | grep -q '^HTTP/1.1 400' || problem "reply starts $(show untrusted)"
clog "$(info untrusted local_port)" status=400 "client=127.0.0.1:$(info untrusted local_port)" \
	'!balancer' exit=3
grep -q 'client=203\.0\.113\.7' "$CD_LOG" && problem "the forged header's address reached the log"
sink_untouched
case_end "PROXY header from an untrusted peer: HTTP/1.1 400, log client=127.0.0.1 (socket), no connect (R4)"

case_begin
mark
raw untrusted2 "PROXY TCP4 203.0.113.7 192.0.2.1 5041 443\r\n$REQ"
check_resp untrusted2 --status 400 --end eof
clog "$(info untrusted2 local_port)" status=400 "client=127.0.0.1:$(info untrusted2 local_port)" '!balancer'
case_end "forged header from an untrusted peer cannot borrow 203.0.113.7's rule: 400"

case_begin
mark
raw plain "$SREQ" @head X @shut
check_resp plain --status 200 --tunnel "" --end eof
wait_for "grep -q '^accept' '$T/sink.conns'" 5 || problem "SINK saw no connection"
clog "$(info plain local_port)" status=200 '!balancer'
case_end "untrusted peer without a header: an ordinary CONNECT works (control for the sink checks)"

#!/bin/bash
# t_auth.sh: proxy authentication (SPEC F, R45-R52; D6; edge cases 13, 14).
# Hashes of every supported scheme are made at test time with libxcrypt;
# curl and the raw client log in right, wrong and not at all; the 407
# challenge, the retry on the same connection and its limits, malformed
# credentials, per-user rules (403 for a valid user without rights),
# hashes connectd refuses (connectd -t exits 78, the runtime answer is
# 500), the warning for an auth file others can read, and the log record
# of every try (client=IP:PORT user=NAME auth=ok|fail).
. "$(dirname "$0")/lib.sh"
need_binary
# A build whose libc has no crypt(3) (Debian's musl, for make static)
# refuses auth_file with one clear message: that is all there is to test.
printf 'u:$2b$05$abcdefghijklmnopqrstuuS9cy9gVHm8C.ZVVvKJ1U5e5sa3GU7m.\n' >"$T/probe.users"
printf 'auth_file %s\n' "$T/probe.users" >"$T/probe.conf"
if "$CONNECTD" -t -c "$T/probe.conf" 2>&1 | grep -q 'built without crypt(3)'; then
	ok "a build without crypt(3) refuses auth_file with a clear message"
	skip "authentication: this connectd was built without crypt(3)"
	exit 0
fi

ECHO=$(free_port)  # users alice..gina
XECHO=$(free_port) # alice only
ANYU=$(free_port)  # user *
OPEN=$(free_port)  # no user clause
SINK=$(free_port)  # a target that must never be reached
start_server echo echo "$ECHO" || exit 1
start_server xecho echo "$XECHO" || exit 1
start_server anyu echo "$ANYU" || exit 1
start_server open echo "$OPEN" || exit 1
start_server sink sink "$SINK" "$T/sink" || exit 1
need_tls_server

# mkhash PREFIX PASSWORD: a crypt(3) hash made by libxcrypt itself
# (crypt_gensalt_rn with the scheme's prefix, then crypt), so no hash
# in this file is fixed. PASSWORD's bytes are used as they are.
cat >"$T/mkhash.py" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt_rn.restype = ctypes.c_char_p
lib.crypt_gensalt_rn.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
lib.crypt.restype = ctypes.c_char_p
lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
prefix = sys.argv[1].encode()
pw = sys.argv[2].encode("utf-8", "surrogateescape")
buf = ctypes.create_string_buffer(256)
setting = lib.crypt_gensalt_rn(prefix, 0, None, 0, buf, 256)
if not setting:
    sys.exit("crypt_gensalt_rn failed for %r" % prefix)
h = lib.crypt(pw, setting)
if not h or h.startswith(b"*") or not h.startswith(prefix):
    sys.exit("crypt failed for %r: %r" % (prefix, h))
print(h.decode())
EOF
mkhash() {
	"$PYTHON" "$T/mkhash.py" "$1" "$2"
}

# resp NAME: the replies in $T/NAME.out, one response after another: for
# response i, "statusI=LINE", "fieldI=LINE" per header line, "bodyI=repr"
# (Content-Length bytes), "lengthokI" when Content-Length is more than 0
# and that many bytes follow, "barelfI" when the head has a bare LF or CR;
# after a 200 the rest is tunnel data: "rest=repr", then "count=N".
cat >"$T/resp.py" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
i = n = 0
while data.startswith(b"HTTP/", i):
    e = data.find(b"\r\n\r\n", i)
    if e < 0:
        print("unterminated=%r" % data[i:i + 200])
        break
    n += 1
    head = data[i:e]
    if re.search(rb"(?<!\r)\n|\r(?!\n)", head):
        print("barelf%d" % n)
    lines = head.decode("latin-1").split("\r\n")
    print("status%d=%s" % (n, lines[0]))
    cl = 0
    for l in lines[1:]:
        print("field%d=%s" % (n, l))
        k, _, v = l.partition(":")
        if k.lower() == "content-length" and v.strip().isdigit():
            cl = int(v.strip())
    i = e + 4
    if lines[0].split(" ")[1:2] == ["200"]:
        break
    body = data[i:i + cl]
    print("body%d=%r" % (n, body))
    if cl > 0 and len(body) == cl:
        print("lengthok%d" % n)
    i += cl
print("rest=%r" % data[i:])
print("count=%d" % n)
EOF
resp() {
	"$PYTHON" "$T/resp.py" "$T/$1.out"
}

# has_line TEXT LINE: TEXT has LINE as a whole line.
has_line() {
	printf '%s\n' "$1" | grep -qxF -e "$2"
}

b64() {
	printf '%b' "$1" | base64 -w0
}

sink_conns() {
	grep -c '^accept' "$T/sink.conns" 2>/dev/null || true
}

# ------------------------------------------------------------------ config

mkdir -p "$T/conf"
umask 077
{
	echo "# t_auth users: one per scheme connectd verifies"
	echo "alice:$(mkhash '$2b$' secret)"
	echo "bob:$(mkhash '$y$' hunter2)"
	echo "carol:$(mkhash '$6$' 'pa:ss')"
	echo "dave:$(mkhash '$5$' 'pässwörd')"
	echo "erin:$(mkhash '$2y$' erinpw)"
	echo "gina:$(mkhash '$2a$' ginapw)"
	echo "frank:$(mkhash '$2b$' '')"
} >"$T/conf/users" 2>"$T/mkhash.err"
umask 022
if grep -q ':$' "$T/conf/users" || [ -s "$T/mkhash.err" ]; then
	not_ok "make crypt(3) hashes with libxcrypt" "$(cat "$T/mkhash.err")"
	exit 1
fi
chmod 600 "$T/conf/users"

CONF=$T/conf/connectd.conf
cat >"$CONF" <<EOF
# t_auth
request_timeout 5s
auth_file users
realm "connectd e2e"
allow from 127.0.0.1 user alice,bob,carol,dave,erin,gina,frank to 127.0.0.1,localhost port $ECHO,$SINK,$TLS
allow from 127.0.0.1 user alice to 127.0.0.1 port $XECHO
allow from 127.0.0.1 user * to 127.0.0.1 port $ANYU
allow from 127.0.0.1 to 127.0.0.1 port $OPEN
EOF
CHALLENGE='Proxy-Authenticate: Basic realm="connectd e2e", charset="UTF-8"'

case_begin
"$CONNECTD" -t -c "$CONF" >"$T/t.out" 2>"$T/t.err"
rc=$?
[ "$rc" -eq 0 ] || problem "connectd -t exit $rc: $(cat "$T/t.err")"
grep -qxF "auth_file $T/conf/users  # 7 users" "$T/t.out" ||
	problem "no 'auth_file $T/conf/users  # 7 users' line (relative to the config file): $(grep auth_file "$T/t.out")"
grep -qxF 'realm "connectd e2e"' "$T/t.out" || problem "realm not printed: $(cat "$T/t.out")"
[ ! -s "$T/t.err" ] || problem "stderr not empty for a mode 600 auth file: $(cat "$T/t.err")"
case_end "connectd -t: auth_file resolved next to the config, 7 users (bcrypt 2b/2y/2a, yescrypt, sha512crypt, sha256crypt), no warning"

start_connectd "$CONF" || exit 1
P=$CD_PORT

# ------------------------------------------------------------------ curl

case_begin
curl_tls_via "http://127.0.0.1:$P" --proxy-user alice:secret --max-time 10
[ "$CURL_HTTP_CODE" = 200 ] || problem "HTTPS answered ${CURL_HTTP_CODE:-nothing}"
case_log "$CURL_LOCAL_PORT" status=200 user=alice auth=ok "target=localhost:$TLS" "rule=$CONF:5" \
	'client~^127\.0\.0\.1:[0-9]+$' '!error' exit=0
case_end "curl --proxy-user alice:secret: HTTPS through the tunnel, log user=alice auth=ok"

case_begin
got=$(curl -sS -p -x "http://127.0.0.1:$P" --proxy-user alice:wrong --max-time 10 \
	-o /dev/null -w '%{http_connect} %{local_port}' "https://localhost:$TLS/" 2>"$T/curlw.err")
rc=$?
read -r connect_code cport <<<"$got"
[ "$rc" -ne 0 ] || problem "curl succeeded with a wrong password"
[ "${connect_code:-}" = 407 ] || problem "CONNECT answered ${connect_code:-nothing}, want 407"
case_log "${cport:-}" status=407 user=alice auth=fail "client=127.0.0.1:${cport:-}" addr=- \
	up=0 down=0 exit=6
# A fail2ban filter needs the client address and the claimed user on one line.
[[ $LOG_LINE =~ ^connectd\[[0-9]+\]:\ client=127\.0\.0\.1:[0-9]+\ .*\ user=alice\ auth=fail ]] ||
	problem "a fail2ban-style regex does not match: $LOG_LINE"
case_end "curl with a wrong password sees 407; log client=127.0.0.1:PORT user=alice auth=fail, exit 6"

case_begin
got=$(curl -sS -p -x "http://127.0.0.1:$P" --max-time 10 -D "$T/curln.head" \
	-o /dev/null -w '%{http_connect} %{local_port}' "https://localhost:$TLS/" 2>"$T/curln.err")
read -r connect_code cport <<<"$got"
[ "${connect_code:-}" = 407 ] || problem "CONNECT answered ${connect_code:-nothing}, want 407"
grep -qF "$CHALLENGE" "$T/curln.head" || problem "curl saw no challenge: $(cat "$T/curln.head")"
case_log "${cport:-}" status=407 '!user' '!auth' exit=6
case_end "curl without credentials sees 407 with the Basic challenge; log has no user/auth"

# curl --proxy-anyauth asks without credentials first, then sends them
# after the 407: on the same connection when the 407 leaves it open (D6).
case_begin
got=$(curl -sS -v -p -x "http://127.0.0.1:$P" --proxy-anyauth --proxy-user alice:secret \
	--cacert "$T/cert.pem" --max-time 10 -o "$T/curla.body" \
	-w '%{http_connect} %{local_port} %{num_connects}' "https://localhost:$TLS/" 2>"$T/curla.err")
rc=$?
read -r connect_code cport nconn <<<"$got"
[ "$rc" -eq 0 ] || problem "curl exit $rc: $(grep -v '^[*{}<>]' "$T/curla.err" | tail -n 3)"
[ "${connect_code:-}" = 200 ] || problem "CONNECT answered ${connect_code:-nothing}"
grep -q 's_server' "$T/curla.body" 2>/dev/null || problem "body is not s_server's page"
[ "${nconn:-}" = 1 ] || problem "curl made ${nconn:-?} connections, want 1 (the retry on the same one)"
if lines=$(log_lines "${cport:-0}"); then
	n=$(printf '%s\n' "$lines" | wc -l)
	l1=$(printf '%s\n' "$lines" | sed -n 1p)
	l2=$(printf '%s\n' "$lines" | sed -n 2p)
	[ "$n" -eq 2 ] || problem "$n log lines for the connection, want 2 (the 407, the 200): $lines"
	[[ $l1 == *" status=407 "* && $l1 != *" auth="* ]] || problem "first line: $l1"
	[[ $l2 == *" status=200 "* && $l2 == *" user=alice auth=ok"* ]] || problem "second line: $l2"
	[ "$(log_field "$l1" pid)" = "$(log_field "$l2" pid)" ] || problem "two processes: $lines"
	[ "$(exit_of "$(log_field "$l2" pid)")" = 0 ] || problem "exit status $(exit_of "$(log_field "$l2" pid)"), want 0"
else
	problem "no log line for client port ${cport:-?}"
fi
case_end "curl --proxy-anyauth: 407, then the credentials on the same connection, 200; two log lines, one process"

# ------------------------------------------------------------------ the 407 itself

# check_407 NAME I CONN: response I in the reply is the exact 407: status
# line, text/plain, a Content-Length that matches, the challenge, and a
# "Connection: close" only when CONN is "close".
check_407() {
	local r=$1 i=$2 conn=$3 out
	out=$(resp "$r")
	has_line "$out" "status$i=HTTP/1.1 407 Proxy Authentication Required" ||
		problem "response $i is not 'HTTP/1.1 407 Proxy Authentication Required': $(show "$r")"
	has_line "$out" "field$i=$CHALLENGE" || problem "response $i lacks '$CHALLENGE'"
	has_line "$out" "field$i=Content-Type: text/plain" || problem "response $i lacks Content-Type: text/plain"
	has_line "$out" "barelf$i" && problem "response $i has a bare LF or CR"
	has_line "$out" "lengthok$i" ||
		problem "response $i: no body of Content-Length bytes: $(printf '%s\n' "$out" | grep -E "^(field$i=Content-Length|body$i=)")"
	if [ "$conn" = close ]; then
		has_line "$out" "field$i=Connection: close" || problem "response $i lacks Connection: close"
	else
		printf '%s\n' "$out" | grep -qi "^field$i=connection:" &&
			problem "response $i has a Connection field, but the connection stays open"
	fi
}

# req PORT [FIELD LINE...]: one CONNECT request head to a local port.
req() {
	local port=$1
	shift
	connect_head "127.0.0.1:$port" "$@"
}

case_begin
before=$(sink_conns)
raw noauth "$(req "$SINK")" @head @shut
check_407 noauth 1 open
out=$(resp noauth)
has_line "$out" "count=1" || problem "want exactly one response: $out"
has_line "$out" "rest=b''" || problem "bytes after the 407: $out"
[ "$(info noauth end)" = eof ] || problem "connection ended by $(info noauth end), want eof after our shutdown"
case_log "$(info noauth local_port)" status=407 rule=- addr=- close=- up=0 down=0 '!auth' exit=6
[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show noauth)"
case_end "no credentials: exact 407 with '$CHALLENGE', no Connection: close, nothing reaches the target (R45, R46)"

# Length of a 407's body, to wait for the bytes after it (@recv counts
# bytes past the first response's head).
L407=$(info noauth bytes)
H407=$(info noauth head_len)
B407=$((L407 - H407))
OK200_LEN=39 # "HTTP/1.1 200 Connection established\r\n\r\n"

TOK_ALICE=$(b64 'alice:secret')
TOK_WRONG=$(b64 'alice:wrong')

case_begin
raw retry "$(req "$ECHO")" @head "$(req "$ECHO" "Proxy-Authorization: Basic $TOK_ALICE")" \
	@recv:$((B407 + OK200_LEN)) PING @recv:$((B407 + OK200_LEN + 4)) @shut
check_407 retry 1 open
out=$(resp retry)
has_line "$out" "status2=HTTP/1.1 200 Connection established" || problem "second response is not the 200: $(show retry)"
printf '%s\n' "$out" | grep -q '^field2=' && problem "the 200 carries header fields: $out"
has_line "$out" "rest=b'PING'" || problem "tunnel bytes: $(printf '%s\n' "$out" | grep '^rest=')"
[ "$(info retry end)" = eof ] || problem "ended by $(info retry end), want eof"
if lines=$(log_lines "$(info retry local_port)"); then
	l1=$(printf '%s\n' "$lines" | sed -n 1p)
	l2=$(printf '%s\n' "$lines" | sed -n 2p)
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq 2 ] || problem "want 2 log lines: $lines"
	[[ $l1 == *" status=407 "* && $l1 != *" auth="* ]] || problem "first line: $l1"
	[[ $l2 == *" status=200 "* && $l2 == *" up=4 down=4 "* && $l2 == *" user=alice auth=ok"* ]] ||
		problem "second line: $l2"
	[ "$(exit_of "$(log_field "$l2" pid)")" = 0 ] || problem "exit status not 0"
else
	problem "no log line"
fi
case_end "407, then CONNECT with credentials on the same socket: 200 and a working tunnel; two log lines (D6, edge 14)"

case_begin
before=$(sink_conns)
raw piped "$(req "$SINK")HELLO"
check_407 piped 1 close
out=$(resp piped)
has_line "$out" "count=1" || problem "want one response: $out"
has_line "$out" "rest=b''" || problem "bytes after the 407: $out"
[ "$(info piped end)" = eof ] || problem "ended by $(info piped end), want eof: the socket must close"
case_log "$(info piped local_port)" status=407 exit=6
[ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
case_end "407 with bytes pipelined after the blank line: Connection: close and the socket closes (D6, edge 14)"

case_begin
raw three "$(req "$SINK")" @head "$(req "$SINK" "Proxy-Authorization: Basic $TOK_WRONG")" \
	@recv:$((B407 + L407)) "$(req "$SINK" "Proxy-Authorization: Basic $TOK_WRONG")"
out=$(resp three)
has_line "$out" "count=3" || problem "want 3 responses: $(show three)"
check_407 three 1 open
check_407 three 2 open
check_407 three 3 close
[ "$(info three end)" = eof ] || problem "ended by $(info three end), want eof after the third 407"
if lines=$(log_lines "$(info three local_port)"); then
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq 3 ] || problem "want 3 log lines: $lines"
	[ "$(printf '%s\n' "$lines" | grep -c ' status=407 .*user=alice auth=fail')" -eq 2 ] ||
		problem "want two 'user=alice auth=fail' 407 lines: $lines"
	[ "$(exit_of "$(log_field "$(printf '%s\n' "$lines" | tail -n 1)" pid)")" = 6 ] || problem "exit status not 6"
else
	problem "no log line"
fi
case_end "three failed tries on one connection: the third 407 has Connection: close and the socket closes; 3 log lines"

# ------------------------------------------------------------------ edge case 13

# row STATUS USER DESC FIELD...: CONNECT with the given header field lines.
#   200: to the echo server, PING comes back, log user=USER auth=ok
#   407: to the sink, exact 407, nothing reaches the sink, log user=USER auth=fail
#   400: to the sink, a well-formed 400 that closes
N=0
row() {
	local status=$1 user=$2 desc=$3 name before
	shift 3
	N=$((N + 1))
	name=row$N
	before=$(sink_conns)
	case_begin
	case $status in
	200)
		raw "$name" "$(req "$ECHO" "$@")" @head PING @shut
		check_resp "$name" --status 200 --tunnel PING --end eof
		case_log "$(info "$name" local_port)" status=200 "user=$user" auth=ok exit=0
		;;
	407)
		raw "$name" "$(req "$SINK" "$@")" @head @shut
		check_407 "$name" 1 open
		has_line "$(resp "$name")" "count=1" || problem "want one response"
		case_log "$(info "$name" local_port)" status=407 "user=$user" auth=fail exit=6
		;;
	400)
		raw "$name" "$(req "$SINK" "$@")"
		check_resp "$name" --status 400 --end eof
		case_log "$(info "$name" local_port)" status=400 exit=3
		;;
	esac
	[ "$status" = 200 ] || [ "$(sink_conns)" = "$before" ] || problem "a connection reached the sink"
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "$status: $desc"
}

PA=Proxy-Authorization
row 200 alice "Basic, bcrypt \$2b\$ (alice)" "$PA: Basic $TOK_ALICE"
row 200 alice "BASIC in capitals (R47)" "$PA: BASIC $TOK_ALICE"
row 200 alice "basic in lower case (R47)" "$PA: basic $TOK_ALICE"
row 200 alice "Basic followed by two spaces (R47)" "$PA: Basic  $TOK_ALICE"
row 200 alice "field name in lower case" "proxy-authorization: Basic $TOK_ALICE"
row 200 carol "password with colons: carol / pa:ss, sha512crypt (R48)" "$PA: Basic $(b64 'carol:pa:ss')"
row 200 dave "UTF-8 password, sha256crypt" "$PA: Basic $(b64 'dave:pässwörd')"
row 407 dave "the same password in ISO-8859-1 bytes (compared as bytes, R49)" "$PA: Basic $(b64 'dave:p\xe4ssw\xf6rd')"
row 200 bob "yescrypt (bob)" "$PA: Basic $(b64 'bob:hunter2')"
row 200 erin "bcrypt \$2y\$ (erin)" "$PA: Basic $(b64 'erin:erinpw')"
row 200 gina "bcrypt \$2a\$ (gina)" "$PA: Basic $(b64 'gina:ginapw')"
row 200 frank "empty password, configured as such (frank:)" "$PA: Basic $(b64 'frank:')"
row 407 alice "wrong password" "$PA: Basic $TOK_WRONG"
row 407 - "a newline (a CTL) after the password (R48)" "$PA: Basic $(b64 'alice:secret\n')"
row 407 Alice "user names are case-sensitive (Alice)" "$PA: Basic $(b64 'Alice:secret')"
row 407 nobody "unknown user" "$PA: Basic $(b64 'nobody:secret')"
row 407 - "no colon in the decoded bytes (R48)" "$PA: Basic $(b64 'alicesecret')"
row 407 - "NUL in the decoded bytes (R48)" "$PA: Basic $(b64 'alice:sec\0ret')"
row 407 - "empty user name (:secret)" "$PA: Basic $(b64 ':secret')"
row 407 - "invalid base64 (R48)" "$PA: Basic !!!!$TOK_ALICE"
row 407 - "base64 with a character outside the alphabet" "$PA: Basic ${TOK_ALICE:0:4}*${TOK_ALICE:5}"
row 407 - "base64 cut short (length not a multiple of 4)" "$PA: Basic ${TOK_ALICE:0:14}"
row 407 - "Basic with no token" "$PA: Basic"
row 407 - "Bearer x (another scheme)" "$PA: Bearer x"
row 407 'e_vil?x' "a claimed user with a space and a quote is logged cleaned (user=e_vil?x)" \
	"$PA: Basic $(b64 'e vil"x:pw')"
row 400 - "two Proxy-Authorization lines (edge 13)" "$PA: Basic $TOK_ALICE" "$PA: Basic $TOK_ALICE"

# ------------------------------------------------------------------ per-user rules

case_begin
raw ux1 "$(req "$XECHO" "$PA: Basic $TOK_ALICE")" @head PING @shut
check_resp ux1 --status 200 --tunnel PING --end eof
case_log "$(info ux1 local_port)" status=200 user=alice auth=ok "rule=$CONF:6" exit=0
case_end "alice may reach target X (rule 6): 200"

case_begin
raw ux2 "$(req "$XECHO" "$PA: Basic $(b64 'bob:hunter2')")"
check_resp ux2 --status 403 --error http_request_denied --end eof
grep -qi '^Proxy-Authenticate' "$T/ux2.out" && problem "a 403 with a challenge"
case_log "$(info ux2 local_port)" status=403 user=bob auth=ok error=http_request_denied addr=- exit=5
[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show ux2)"
case_end "bob with valid credentials to target X, allowed only to alice: 403, not 407 (R50)"

case_begin
raw ux3 "$(req "$XECHO")" @head @shut
check_407 ux3 1 open
case_log "$(info ux3 local_port)" status=407 '!auth' exit=6
case_end "no credentials to target X: 407 (a rule with a user would match)"

case_begin
raw ux4 "$(req "$ANYU" "$PA: Basic $(b64 'bob:hunter2')")" @head PING @shut
check_resp ux4 --status 200 --tunnel PING --end eof
case_log "$(info ux4 local_port)" status=200 user=bob auth=ok "rule=$CONF:7" exit=0
case_end "user * admits any authenticated user (bob): 200"

case_begin
raw ux5 "$(req "$ANYU" "$PA: Basic $TOK_WRONG")" @head @shut
check_407 ux5 1 open
case_log "$(info ux5 local_port)" status=407 user=alice auth=fail exit=6
case_end "user * with a wrong password: 407"

case_begin
raw ux6 "$(req "$OPEN")" @head PING @shut
check_resp ux6 --status 200 --tunnel PING --end eof
case_log "$(info ux6 local_port)" status=200 "rule=$CONF:8" '!auth' '!user' exit=0
case_end "a rule without users needs no credentials: 200, no user/auth in the log"

case_begin
raw ux7 "$(req "$OPEN" "$PA: Basic $TOK_WRONG")" @head PING @shut
check_resp ux7 --status 200 --tunnel PING --end eof
case_log "$(info ux7 local_port)" status=200 "rule=$CONF:8" user=alice auth=fail exit=0
case_end "wrong credentials where no rule needs any: 200, and the log still says auth=fail"

case_begin
raw ux8 "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"
check_resp ux8 --status 403 --error http_request_denied --end eof
grep -qi '^Proxy-Authenticate' "$T/ux8.out" && problem "a 403 with a challenge"
case_log "$(info ux8 local_port)" status=403 rule=- exit=5
case_end "no credentials to a port no rule allows, with or without users: 403, not 407"

# ------------------------------------------------------------------ hashes connectd refuses

mkdir -p "$T/bad"
APR1=$(openssl passwd -apr1 pw 2>/dev/null)
GOOD=$(sed -n 's/^alice://p' "$T/conf/users")
# badconf NAME HASH: a config whose auth file has alice on line 1 and
# mallory:HASH on line 2; the auth_file directive is on line 3.
badconf() {
	printf 'alice:%s\nmallory:%s\n' "$GOOD" "$2" >"$T/bad/$1.users"
	chmod 600 "$T/bad/$1.users"
	printf '# t_auth: an unsupported hash\nrequest_timeout 5s\nauth_file %s.users\nallow from 127.0.0.1 user alice to 127.0.0.1 port %s\n' \
		"$1" "$ECHO" >"$T/bad/$1.conf"
}

case_begin
if [[ $APR1 != '$apr1$'* ]]; then
	problem "openssl passwd -apr1 gave '$APR1'"
fi
badconf apr1 "$APR1"
"$CONNECTD" -t -c "$T/bad/apr1.conf" >"$T/apr1.out" 2>"$T/apr1.err"
rc=$?
[ "$rc" -eq 78 ] || problem "connectd -t exit $rc, want 78"
grep -qF "$T/bad/apr1.conf:3: auth_file: $T/bad/apr1.users:2: unsupported" "$T/apr1.err" ||
	problem "stderr lacks 'CONF:3: auth_file: PATH:2: unsupported': $(cat "$T/apr1.err")"
grep -qF 'htpasswd -B' "$T/apr1.err" || problem "stderr does not name htpasswd -B"
grep -qF 'mkpasswd -m yescrypt' "$T/apr1.err" || problem "stderr does not name mkpasswd -m yescrypt"
grep -qF "$APR1" "$T/apr1.err" && problem "stderr echoes the hash"
case_end "apr1 hash (openssl passwd -apr1) on line 2: connectd -t exits 78 with CONF:3: auth_file: PATH:2: unsupported ... htpasswd -B / mkpasswd -m yescrypt"

start_connectd -n bad "$T/bad/apr1.conf" || exit 1
case_begin
raw bad "$(req "$ECHO" "$PA: Basic $TOK_ALICE")"
check_resp bad --status 500 --error proxy_configuration_error --end eof
CASE_LOG=$CD_LOG CASE_EXITS=$CD_EXITS case_log "$(info bad local_port)" status=500 \
	error=proxy_configuration_error exit=78
[[ $LOG_LINE == *' detail="'*'apr1.users:2: unsupported password hash (apr1/MD5)'* ]] ||
	problem "log detail does not say why: $LOG_LINE"
[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show bad)"
case_end "the same config at run time: 500 proxy_configuration_error, the log says why, exit 78"

for spec in "md5|$(openssl passwd -1 pw 2>/dev/null)|MD5" \
	"sha1|{SHA}$(printf pw | openssl dgst -sha1 -binary | base64)|SHA1" \
	"des|abJnggxhB/yWI|DES" \
	"plain|pw|plaintext" \
	"2x|\$2x\$05\$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW|2x"; do
	IFS='|' read -r name hash what <<<"$spec"
	case_begin
	badconf "$name" "$hash"
	"$CONNECTD" -t -c "$T/bad/$name.conf" >/dev/null 2>"$T/$name.err"
	rc=$?
	[ "$rc" -eq 78 ] || problem "connectd -t exit $rc, want 78"
	grep -qF "$T/bad/$name.conf:3: auth_file: $T/bad/$name.users:2: unsupported" "$T/$name.err" ||
		problem "stderr: $(cat "$T/$name.err")"
	case_end "$what hash: connectd -t exits 78, 'CONF:3: auth_file: PATH:2: unsupported ...'"
done

case_begin
cp "$T/conf/users" "$T/conf/users644"
chmod 644 "$T/conf/users644"
sed 's/^auth_file users$/auth_file users644/' "$CONF" >"$T/conf/c644.conf"
"$CONNECTD" -t -c "$T/conf/c644.conf" >/dev/null 2>"$T/c644.err"
rc=$?
[ "$rc" -eq 0 ] || problem "connectd -t exit $rc, want 0 (a warning, not an error)"
grep -qF "$T/conf/users644: warning: accessible to other users (mode 0644): chmod o-rwx $T/conf/users644" "$T/c644.err" ||
	problem "no warning on stderr: $(cat "$T/c644.err")"
case_end "a world-readable auth file: connectd -t warns on stderr (mode 0644, chmod o-rwx) and exits 0"

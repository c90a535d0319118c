#!/bin/bash
# t_parents.sh: tunnels through parent proxies (SPEC M, R81-R86; D8; edge
# case 25). Real peers: connectd -> squid -> target, connectd -> tinyproxy
# -> target, connectd -> connectd -> target, and a parent connectd that
# wants Basic credentials (given with `credentials FILE`, or missing:
# 502). A scripted parent (fakeparent.py) records the exact request
# connectd sends and gives every kind of answer: 200 with a body and
# banner bytes, no reason phrase, 100 first, 407, 403 with a body, 503,
# garbage, an oversized head, silence, a hang-up. Failover from a dead or
# failing parent; IPv6 targets; a name only the parent can resolve.
. "$(dirname "$0")/lib.sh"
need_binary

TP=$(free_port)   # the echo target behind every parent
DEAD=$(free_port) # nothing listens here
FK=$(free_port)   # the scripted parent
start_server echo echo "$TP" || exit 1
need_tls_server

# Names from /etc/hosts only, without only-parent.test, for every connectd
# that takes -e (root only: unshare -m): that name never resolves here.
mkdir -p "$T/etc"
printf 'hosts: files\n' >"$T/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$T/etc/hosts"
ETC=()
if need_root; then
	ETC=(-e "$T/etc")
fi

# Each connectd instance is started once; `on NAME` makes it the one that
# raw, case_log and friends talk to.
declare -A PORT_OF
start_cd() {
	local name=$1
	shift
	start_connectd -n "$name" "$@" || exit 1
	PORT_OF[$name]=$CD_PORT
}
on() {
	CD_PORT=${PORT_OF[$1]}
	CD_LOG=$T/$1.log
	CD_EXITS=$T/$1.exits
}


# same_bytes FILE WANT(printf format, no arguments): FILE holds exactly
# those bytes; otherwise a problem showing both.
same_bytes() {
	printf "$2" >"$T/want.bin"
	if ! cmp -s "$1" "$T/want.bin"; then
		problem "bytes: $("$PYTHON" -c 'import sys; print(repr(open(sys.argv[1], "rb").read()[:400]))' "$1" 2>&1)"
		problem "want:  $("$PYTHON" -c 'import sys; print(repr(open(sys.argv[1], "rb").read()))' "$T/want.bin")"
	fi
}

# tunnel_case NAME TARGET DESC EXPECT...: a raw tunnel to the echo target
# through the current instance: exact 200, PING comes back, EOF, and the
# log record matches EXPECT (case_log syntax) with status=200 exit=0.
tunnel_case() {
	local name=$1 target=$2 desc=$3
	shift 3
	case_begin
	# squid and tinyproxy close the whole tunnel at the first EOF: wait
	# for the echo before the shutdown.
	raw "$name" "$(connect_head "$target")" @head PING @recv:4 @shut
	check_resp "$name" --status 200 --tunnel PING --end eof
	case_log "$(info "$name" local_port)" status=200 "target=$target" up=4 down=4 '!error' exit=0 "$@"
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "$desc"
}

# no_parent_body NAME: the error reply carries connectd's own body, none
# of the parent's.
no_parent_body() {
	if grep -qiE 'html|squid|tinyproxy|PARENT-BODY|ERR_' "$T/$1.out"; then
		problem "the parent's body or headers reached the client: $(show "$1")"
	fi
}

# parent_403_case NAME ROUTE DESC: a request for the port every parent
# refuses ($DEAD) through the current instance: the client gets a 403
# without the parent's body; log route=ROUTE parent_status=403, exit 10.
parent_403_case() {
	local name=$1 route=$2 desc=$3
	case_begin
	raw "$name" "$(connect_head "127.0.0.1:$DEAD")"
	check_resp "$name" --status 403 --end eof
	no_parent_body "$name"
	case_log "$(info "$name" local_port)" status=403 "route=$route" parent_status=403 exit=10
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "$desc"
}

# ------------------------------------------------------------------ peers

# The plain parent connectd and the one that wants Basic credentials.
CD2CONF=$T/cd2.conf
cat >"$CD2CONF" <<EOF
# t_parents: a plain connectd used as a parent
allow from 127.0.0.1 to 127.0.0.1,::1,localhost port $TP,$TLS
EOF
start_cd cd2 "${ETC[@]}" "$CD2CONF"

printf 'up:%s\n' "$(openssl passwd -6 up-pass)" >"$T/cd3.users"
chmod 600 "$T/cd3.users"
CD3CONF=$T/cd3.conf
cat >"$CD3CONF" <<EOF
# t_parents: a connectd parent that wants credentials
auth_file cd3.users
allow from 127.0.0.1 user up to 127.0.0.1 port $TP
EOF
start_cd cd3 "$CD3CONF"

# The scripted parent.
mkdir -p "$T/fake"
spawn "$T/fake.out" "$T/fake.out" "$PYTHON" "$E2E_DIR/fakeparent.py" "$FK" "$T/fake" --ready "$T/fake.ready"
if ! wait_for "test -s '$T/fake.ready'" 10; then
	not_ok "fakeparent.py starts" "$(cat "$T/fake.out")"
	exit 1
fi
fake_reply() {
	printf "$1" >"$T/fake/reply"
}
# fake_mode echo|hold|close: what the scripted parent does after its answer.
fake_mode() {
	printf '%s\n' "$1" >"$T/fake/mode"
}
fake_conns() {
	grep -c '^accept' "$T/fake/conns" 2>/dev/null || true
}

# squid, in the foreground on a free port. It reads its config as root
# ($T/squid.conf, so the command line names $T), but drops to its own user
# before it reads hosts_file or writes its log: those live in a directory
# that user can reach ($T may sit inside a directory only root can enter),
# removed on exit, once squid is stopped (before lib.sh's cleanup, which
# ends the EXIT trap it runs in).
SQ=""
SQD=""
SQUID_PID=""
squid_cleanup() {
	[ -z "$SQUID_PID" ] || stop_pid "$SQUID_PID"
	[ -z "$SQD" ] || rm -rf "$SQD"
}
trap 'squid_cleanup; _cleanup' EXIT
if command -v squid >/dev/null 2>&1; then
	SQ=$(free_port)
	SQD=$(mktemp -d /tmp/connectd-e2e-squid.XXXXXX) || exit 1
	chmod 777 "$SQD"
	printf '127.0.0.1 localhost only-parent.test\n' >"$SQD/hosts"
	chmod 644 "$SQD/hosts"
	cat >"$T/squid.conf" <<EOF
# t_parents: squid as a parent
http_port 127.0.0.1:$SQ
acl SSL_ports port $TP $TLS
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow CONNECT localhost
http_access deny all
hosts_file $SQD/hosts
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log $SQD/cache.log
pid_filename $SQD/squid.pid
coredump_dir $SQD
netdb_filename none
pinger_enable off
icp_port 0
htcp_port 0
shutdown_lifetime 0 seconds
EOF
	spawn "$T/squid.out" "$T/squid.out" squid -N -f "$T/squid.conf"
	SQUID_PID=$SPAWNED_PID
	if ! wait_for "listening $SQ" 30; then
		not_ok "squid -N starts on 127.0.0.1:$SQ" "$(cat "$T/squid.out")" "$(tail -n 20 "$SQD/cache.log" 2>/dev/null)"
		SQ=""
	fi
else
	not_ok "squid is installed (tests/run installs it)"
fi

# tinyproxy, in the foreground.
TPX=""
if command -v tinyproxy >/dev/null 2>&1; then
	TPX=$(free_port)
	mkdir -p "$T/tiny"
	cat >"$T/tiny/tinyproxy.conf" <<EOF
# t_parents: tinyproxy as a parent
Port $TPX
Listen 127.0.0.1
Timeout 30
MaxClients 20
Allow 127.0.0.1
ConnectPort $TP
PidFile "$T/tiny/tinyproxy.pid"
LogFile "$T/tiny/tinyproxy.log"
LogLevel Info
EOF
	spawn "$T/tiny.out" "$T/tiny.out" tinyproxy -d -c "$T/tiny/tinyproxy.conf"
	if ! wait_for "listening $TPX" 10; then
		not_ok "tinyproxy -d starts on 127.0.0.1:$TPX" "$(cat "$T/tiny.out")" "$(tail -n 20 "$T/tiny/tinyproxy.log" 2>/dev/null)"
		TPX=""
	fi
else
	not_ok "tinyproxy is installed (tests/run installs it)"
fi

# ------------------------------------------------------------------ squid

if [ -n "$SQ" ]; then
	CONF=$T/m_squid.conf
	cat >"$CONF" <<EOF
# t_parents: through squid
parent squid 127.0.0.1:$SQ
allow from 127.0.0.1 to 127.0.0.1,localhost,only-parent.test port $TP,$TLS,$DEAD via squid
EOF
	start_cd m_squid "${ETC[@]}" "$CONF"

	tunnel_case sq1 "127.0.0.1:$TP" "connectd -> squid -> echo: 200, the tunnel echoes, log route=squid parent_status=200" \
		route=squid parent_status=200 "addr=127.0.0.1:$SQ" "rule=$CONF:3"

	case_begin
	curl_tls_via "http://127.0.0.1:$CD_PORT" --max-time 10
	case_log "$CURL_LOCAL_PORT" status=200 route=squid parent_status=200 "target=localhost:$TLS" exit=0
	case_end "curl HTTPS through connectd -> squid -> openssl s_server (squid resolves localhost)"

	if need_root; then
		tunnel_case sq2 "only-parent.test:$TP" "a name only squid can resolve (its hosts_file), via a via-only rule: 200" \
			route=squid parent_status=200 resolve_ms=-
	else
		skip "a name only squid can resolve" "not root: no private /etc/hosts"
	fi

	parent_403_case sq3 squid \
		"squid denies the port (403 with an HTML page): the client gets 403 without squid's body, exit 10"
fi

# ------------------------------------------------------------------ tinyproxy

if [ -n "$TPX" ]; then
	CONF=$T/m_tiny.conf
	cat >"$CONF" <<EOF
# t_parents: through tinyproxy
parent tiny 127.0.0.1:$TPX
allow from 127.0.0.1 to 127.0.0.1 port $TP,$DEAD via tiny
EOF
	start_cd m_tiny "$CONF"

	tunnel_case tp1 "127.0.0.1:$TP" "connectd -> tinyproxy -> echo (an HTTP/1.0 200 with Proxy-agent): 200, the tunnel echoes" \
		route=tiny parent_status=200 "addr=127.0.0.1:$TPX"

	parent_403_case tp2 tiny \
		"tinyproxy refuses a port outside ConnectPort: the client gets 403 without tinyproxy's body"
fi

# ------------------------------------------------------------------ connectd -> connectd

CONF=$T/m_chain.conf
cat >"$CONF" <<EOF
# t_parents: through another connectd
parent cd2 127.0.0.1:${PORT_OF[cd2]}
allow from 127.0.0.1 to 127.0.0.1,::1 port $TP via cd2
EOF
start_cd m_chain "$CONF"

tunnel_case ch1 "127.0.0.1:$TP" "connectd -> connectd -> echo: 200, the tunnel echoes, log route=cd2" \
	route=cd2 parent_status=200 "addr=127.0.0.1:${PORT_OF[cd2]}"
case_begin
on cd2
# The parent's record comes when its tunnel has ended: wait for it.
wait_log "^connectd\[[0-9]+\]: client=127\.0\.0\.1:[0-9]+ target=127\.0\.0\.1:$TP " 5 ||
	problem "the parent connectd logged no tunnel to 127.0.0.1:$TP"
case_log "$(grep -E "^connectd\[[0-9]+\]: client=127\.0\.0\.1:[0-9]+ target=127\.0\.0\.1:$TP " "$CD_LOG" | tail -n 1 | sed -n 's/.*client=127\.0\.0\.1:\([0-9]*\) .*/\1/p')" \
	status=200 "target=127.0.0.1:$TP" "addr=127.0.0.1:$TP" route=direct up=4 down=4 '!parent_status' exit=0
case_end "the parent connectd's own record: target=127.0.0.1:$TP route=direct up=4 down=4"
on m_chain

tunnel_case ch2 "[::1]:$TP" "IPv6 target through a connectd parent: 200 and the tunnel echoes over [::1]" \
	route=cd2 parent_status=200
case_begin
on cd2
wait_log "target=\[::1\]:$TP addr=\[::1\]:$TP .* status=200 " 5 || problem "the parent did not tunnel to [::1]:$TP: $(tail -n 2 "$CD_LOG")"
case_end "the parent connectd saw CONNECT [::1]:$TP and connected to [::1]:$TP"
on m_chain

# ------------------------------------------------------------------ a parent that wants credentials

if has_crypt; then
printf 'up:up-pass\n' >"$T/up.cred"
chmod 600 "$T/up.cred"
CONF=$T/m_auth.conf
cat >"$CONF" <<EOF
# t_parents: the parent wants credentials, and gets them
parent cd3 127.0.0.1:${PORT_OF[cd3]} credentials up.cred
allow from 127.0.0.1 to 127.0.0.1 port $TP via cd3
EOF
start_cd m_auth "$CONF"
tunnel_case au1 "127.0.0.1:$TP" "a parent connectd with auth_file, credentials FILE given: 200, the tunnel echoes" \
	route=cd3 parent_status=200
case_begin
on cd3
wait_log " status=200 .* user=up auth=ok" 5 || problem "the parent's log has no user=up auth=ok: $(tail -n 2 "$CD_LOG")"
case_end "the parent's log: user=up auth=ok"

CONF=$T/m_noauth.conf
cat >"$CONF" <<EOF
# t_parents: the parent wants credentials, and none are configured
parent cd3 127.0.0.1:${PORT_OF[cd3]}
allow from 127.0.0.1 to 127.0.0.1 port $TP via cd3
EOF
start_cd m_noauth "$CONF"
case_begin
raw au2 "$(connect_head "127.0.0.1:$TP")"
check_resp au2 --status 502 --end eof
grep -qi '^Proxy-Authenticate' "$T/au2.out" && problem "the parent's challenge reached the client"
case_log "$(info au2 local_port)" status=502 route=cd3 parent_status=407 exit=10
[[ $LOG_LINE == *' detail="parent cd3 wants credentials'* ]] || problem "log detail: $LOG_LINE"
[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show au2)"
case_end "the parent answers 407 and no credentials are configured: 502, log parent_status=407 detail=\"parent cd3 wants credentials...\", exit 10"

case_begin
raw au3 "$(connect_head "127.0.0.1:$TP" "Proxy-Authorization: Basic $(printf 'up:up-pass' | base64)")"
check_resp au3 --status 502 --end eof
case_log "$(info au3 local_port)" status=502 route=cd3 parent_status=407 exit=10
case_end "the client's own Proxy-Authorization, valid for the parent, is not forwarded (D8, R52): still 502"
else
	skip "a parent that wants credentials: this connectd has no crypt(3) for the parent's auth_file"
fi

# ------------------------------------------------------------------ the scripted parent (edge 25)

printf 'pu:p@ss:w0rd\n' >"$T/fake.cred"
chmod 600 "$T/fake.cred"
CONF=$T/m_fake.conf
cat >"$CONF" <<EOF
# t_parents: the scripted parent
connect_timeout 1s
parent fake 127.0.0.1:$FK
parent fakecred 127.0.0.1:$FK credentials fake.cred
parent dead 127.0.0.1:$DEAD
allow from 127.0.0.1 to localhost port $TP via fakecred
allow from 127.0.0.1 to 127.0.0.1,::1 port $TP via fake
allow from 127.0.0.1 to 127.0.0.1 port $DEAD via dead
EOF
start_cd m_fake "$CONF"

# fake_case NAME STATUS REPLY DESC [EXPECT...]: the scripted parent answers
# REPLY (printf format); the client's request carries its own credentials
# and other fields, none of which may reach the parent. STATUS 200: the
# tunnel must echo PING after TUNNEL_PREFIX; otherwise an error reply,
# checked with the check-resp options in CR_OPTS as well.
TUNNEL_PREFIX=""
CR_OPTS=()
fake_case() {
	local name=$1 status=$2 reply=$3 desc=$4 id
	shift 4
	fake_reply "$reply"
	id=$(($(fake_conns) + 1))
	case_begin
	local -a fields=("Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA==" "User-Agent: t_parents"
		"Proxy-Connection: keep-alive" "Via: 1.1 client-side")
	if [ "$status" = 200 ]; then
		local n=${#TUNNEL_PREFIX}
		raw "$name" "$(connect_head "127.0.0.1:$TP" "${fields[@]}")" @head @recv:"$n" PING @recv:$((n + 4)) @shut
		check_resp "$name" --status 200 --tunnel "${TUNNEL_PREFIX}PING" --end eof
		case_log "$(info "$name" local_port)" status=200 route=fake "addr=127.0.0.1:$FK" \
			up=4 "down=$((n + 4))" '!error' exit=0 "$@"
	else
		raw "$name" "$(connect_head "127.0.0.1:$TP" "${fields[@]}")"
		check_resp "$name" --status "$status" --end eof "${CR_OPTS[@]}"
		no_parent_body "$name"
		grep -qi '^Proxy-Authenticate' "$T/$name.out" && problem "a Proxy-Authenticate reached the client"
		case_log "$(info "$name" local_port)" "status=$status" route=fake up=0 down=0 exit=10 "$@"
	fi
	if [ -f "$T/fake/$id.req" ]; then
		same_bytes "$T/fake/$id.req" "CONNECT 127.0.0.1:$TP HTTP/1.1\r\nHost: 127.0.0.1:$TP\r\n\r\n"
	else
		problem "the parent saw no request (connection $id)"
	fi
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "$desc"
}

TUNNEL_PREFIX=BANNER
fake_case fk1 200 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nBANNER' \
	"parent: 200 with Content-Length: 10 and BANNER in one write: our 200, then BANNER, then the tunnel (R83)" \
	parent_status=200
TUNNEL_PREFIX=""
fake_case fk2 200 'HTTP/1.1 200\r\n\r\n' "parent: 'HTTP/1.1 200' without a reason phrase: 200 (R84)" parent_status=200
fake_case fk3 200 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n' \
	"parent: 100 Continue, then 200 OK: the 100 is skipped, 200 (R84)" parent_status=200
fake_case fk4 200 'HTTP/1.0 204 No Content\r\nX-Parent: 1\r\n\r\n' "parent: any 2xx (HTTP/1.0 204) is a tunnel (R83)" parent_status=204
fake_case fk5 502 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="PARENT-BODY"\r\nContent-Length: 0\r\n\r\n' \
	"parent: 407: the client gets 502, not the parent's challenge; log parent_status=407 (R85)" parent_status=407
case_begin
on m_fake
case_log "$(info fk5 local_port)" status=502
[[ $LOG_LINE == *' detail="parent fake wants credentials'* ]] || problem "log detail: $LOG_LINE"
case_end "parent 407: the log says detail=\"parent fake wants credentials...\""
fake_case fk6 403 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 30\r\n\r\n<html>PARENT-BODY 403 </html>\n' \
	"parent: 403 with a body: the client gets 403 without the parent's body (R85)" parent_status=403
fake_case fk7 503 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 12\r\n\r\nPARENT-BODY\n' \
	"parent: 503 with a body: the client gets 503 without the parent's body (R85)" parent_status=503
CR_OPTS=(--error http_protocol_error)
fake_case fk8 502 'garbage\r\n\r\n' "parent: 'garbage': 502 http_protocol_error (R85)" error=http_protocol_error '!parent_status'
fake_case fk9 502 "HTTP/1.1 200 OK\r\nX-Big: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n" \
	"parent: a 9 KB response head: 502 http_protocol_error (R85)" error=http_protocol_error
CR_OPTS=()
fake_case fk10 502 'HTTP/1.1 101 Switching Protocols\r\n\r\n' "parent: 101 is no tunnel: 502" '!parent_status'
fake_mode close
fake_case fk11 502 'HTTP/1.1 200 OK\r\nX-Cut: ' "parent: hangs up inside its head: 502"
fake_mode echo
fake_case fk12 502 '@close' "parent: closes without an answer: 502"

case_begin
fake_reply '@silent'
id=$(($(fake_conns) + 1))
raw fk13 "$(connect_head "127.0.0.1:$TP")"
check_resp fk13 --status 504 --error connection_timeout --end eof
ms=$(ms_between fk13 t_start t_head)
in_range "$ms" 800 3000 || problem "answered after $ms ms, want connect_timeout 1 s"
case_log "$(info fk13 local_port)" status=504 route=fake error=connection_timeout exit=10
[ -f "$T/fake/$id.req" ] || problem "the parent saw no request"
case_end "parent accepts and never answers: 504 connection_timeout at connect_timeout (1 s)"

case_begin
fake_reply 'HTTP/1.1 200 OK\r\n\r\n'
id=$(($(fake_conns) + 1))
raw fk14 "$(connect_head "[::1]:$TP")" @head PING @shut
check_resp fk14 --status 200 --tunnel PING --end eof
[ -f "$T/fake/$id.req" ] && same_bytes "$T/fake/$id.req" "CONNECT [::1]:$TP HTTP/1.1\r\nHost: [::1]:$TP\r\n\r\n" ||
	problem "the parent saw no request"
case_log "$(info fk14 local_port)" status=200 "target=[::1]:$TP" route=fake exit=0
case_end "IPv6 target: the parent sees 'CONNECT [::1]:$TP HTTP/1.1' and 'Host: [::1]:$TP' (R81)"

case_begin
fake_reply 'HTTP/1.1 200 OK\r\n\r\n'
id=$(($(fake_conns) + 1))
raw fk15 "$(connect_head "localhost:$TP" "Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA==")" @head PING @shut
check_resp fk15 --status 200 --tunnel PING --end eof
if [ -f "$T/fake/$id.req" ]; then
	same_bytes "$T/fake/$id.req" "CONNECT localhost:$TP HTTP/1.1\r\nHost: localhost:$TP\r\nProxy-Authorization: Basic $(printf 'pu:p@ss:w0rd' | base64)\r\n\r\n"
else
	problem "the parent saw no request"
fi
case_log "$(info fk15 local_port)" status=200 "target=localhost:$TP" route=fakecred resolve_ms=- exit=0
case_end "credentials FILE: the parent gets connectd's own Proxy-Authorization (pu:p@ss:w0rd), not the client's; the name goes unresolved"

case_begin
raw fk16 "$(connect_head "127.0.0.1:$DEAD")"
check_resp fk16 --status 502 --end eof
case_log "$(info fk16 local_port)" status=502 route=dead "addr=127.0.0.1:$DEAD" 'error~refused' exit=10
case_end "a parent that refuses the connection: 502, log route=dead error=connection_refused, exit 10"

# ------------------------------------------------------------------ failover

CONF=$T/m_fo.conf
cat >"$CONF" <<EOF
# t_parents: failover
parent dead 127.0.0.1:$DEAD
parent fake 127.0.0.1:$FK
parent cd2 127.0.0.1:${PORT_OF[cd2]}
# the name rule first: the next one, with an address, would resolve localhost
allow from 127.0.0.1 to localhost port $TP via fake,cd2
allow from 127.0.0.1 to 127.0.0.1 port $TP via dead,cd2
allow from 127.0.0.1 to ::1 port $TP via fake,direct
EOF
start_cd m_fo "$CONF"

cd2_conns() {
	grep -c '^Connection from' "$T/cd2.log" 2>/dev/null || true
}

case_begin
before=$(cd2_conns)
raw fo1 "$(connect_head "127.0.0.1:$TP")" @head PING @shut
check_resp fo1 --status 200 --tunnel PING --end eof
case_log "$(info fo1 local_port)" status=200 route=cd2 parent_status=200 "addr=127.0.0.1:${PORT_OF[cd2]}" \
	"rule=$CONF:7" '!error' exit=0
[ "$(cd2_conns)" -gt "$before" ] || problem "cd2 saw no connection"
case_end "via dead,cd2: the dead parent (refused) fails over to cd2: 200, log route=cd2"

case_begin
fake_reply 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'
before=$(fake_conns)
raw fo2 "$(connect_head "localhost:$TP")" @head PING @shut
check_resp fo2 --status 200 --tunnel PING --end eof
case_log "$(info fo2 local_port)" status=200 route=cd2 parent_status=200 "rule=$CONF:6" '!error' exit=0
[ "$(fake_conns)" -gt "$before" ] || problem "the scripted parent was not asked first"
case_end "via fake,cd2: the first parent answers 503, cd2 is tried next: 200, log route=cd2"

case_begin
fake_reply 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'
before=$(cd2_conns)
raw fo3 "$(connect_head "localhost:$TP")"
check_resp fo3 --status 403 --end eof
case_log "$(info fo3 local_port)" status=403 route=fake parent_status=403 "rule=$CONF:6" exit=10
[ "$(cd2_conns)" = "$before" ] || problem "cd2 was tried after the parent's 403"
case_end "via fake,cd2: the first parent answers 403: no failover, the client gets 403"

case_begin
fake_reply 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'
before=$(fake_conns)
raw fo4 "$(connect_head "[::1]:$TP")" @head PING @shut
check_resp fo4 --status 200 --tunnel PING --end eof
case_log "$(info fo4 local_port)" status=200 route=direct "addr=[::1]:$TP" "rule=$CONF:8" '!error' '!parent_status' exit=0
[ "$(fake_conns)" -gt "$before" ] || problem "the scripted parent was not asked first"
case_end "via fake,direct: the parent answers 502, the direct route follows: 200, log route=direct addr=[::1]:$TP"

# ------------------------------------------------------------------ names and deny to internal

if need_root; then
	CONF=$T/m_name.conf
	cat >"$CONF" <<EOF
# t_parents: a name only the parent knows, behind deny to internal
parent fake 127.0.0.1:$FK
deny to internal
allow from 127.0.0.1 to only-parent.test,localhost port $TP via fake
EOF
	start_cd m_name "${ETC[@]}" "$CONF"

	case_begin
	fake_reply 'HTTP/1.1 200 OK\r\n\r\n'
	id=$(($(fake_conns) + 1))
	raw nm1 "$(connect_head "only-parent.test:$TP")" @head PING @shut
	check_resp nm1 --status 200 --tunnel PING --end eof
	[ -f "$T/fake/$id.req" ] && same_bytes "$T/fake/$id.req" "CONNECT only-parent.test:$TP HTTP/1.1\r\nHost: only-parent.test:$TP\r\n\r\n" ||
		problem "the parent saw no request"
	case_log "$(info nm1 local_port)" status=200 "target=only-parent.test:$TP" route=fake "rule=$CONF:4" exit=0
	case_end "only-parent.test (no local address) reaches its via rule past deny to internal; the parent gets the name"

	case_begin
	before=$(fake_conns)
	raw nm2 "$(connect_head "localhost:$TP")"
	check_resp nm2 --status 403 --error http_request_denied --end eof
	case_log "$(info nm2 local_port)" status=403 "rule=$CONF:3" exit=5
	[ "$(fake_conns)" = "$before" ] || problem "the parent was asked"
	case_end "localhost via the same rule: resolved locally first, deny to internal gives 403, the parent is never asked"
else
	skip "a name only the parent knows, behind deny to internal" "not root: no private /etc/hosts"
fi

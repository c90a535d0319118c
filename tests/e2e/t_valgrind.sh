#!/bin/bash
# t_valgrind.sh: a sample of end-to-end cases with every connectd run under
# valgrind's memcheck (issue 7, point 4): a tunnel with data both ways, a
# 403, a 400, a 407 and the retry with credentials on the same connection,
# a 502 for a refused port, and a tunnel through a parent connectd (also
# under valgrind). The supervisor starts a wrapper that execs
#   valgrind --error-exitcode=1 --leak-check=full
#            --errors-for-leak-kinds=definite --track-fds=no
#            --vgdb=no --log-file=$T/vg/vg.%p.log connectd ...
# (--vgdb=no: connectd drops root, and valgrind could then not remove the
# FIFOs it would make in /tmp for a debugger.)
# so the PID in connectd's record, the PID wrap.sh records with the exit
# status and the valgrind log's name are the same. Each case checks the
# reply, the record, the exit status (the normal outcome code: valgrind
# exits 1 on any error or definite leak) and that process's valgrind log
# (ERROR SUMMARY: 0 errors, nothing definitely lost).
. "$(dirname "$0")/lib.sh"
need_binary
if ! has_crypt; then
	skip "valgrind sample: its config uses auth_file, and this connectd has no crypt(3)"
	exit 0
fi

if ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind is installed (apt-get install valgrind)"
	exit 1
fi
# valgrind cannot run an ASan build: fall back to the normal one.
REAL=$CONNECTD
if grep -q __asan_init "$REAL" 2>/dev/null; then
	echo "# $REAL is an ASan build; valgrind runs $TOP/connectd instead"
	REAL=$TOP/connectd
	grep -q __asan_init "$REAL" 2>/dev/null && { skip "valgrind" "no build without ASan"; exit 0; }
fi
# A snapshot, so that a rebuild meanwhile does not change what runs.
cp "$REAL" "$T/connectd.real"
mkdir -p "$T/vg"
chmod 1777 "$T/vg"
cat >"$T/vg.sh" <<EOF
#!/bin/sh
exec valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \\
	--track-fds=no --vgdb=no --log-file="$T/vg/vg.%p.log" "$T/connectd.real" "\$@"
EOF
chmod 755 "$T/vg.sh"
CONNECTD=$T/vg.sh

ECHO=$(free_port)
AECHO=$(free_port) # reachable with credentials only
REFUSED=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server aecho echo "$AECHO" || exit 1

# ------------------------------------------------------------------ helpers

# vg_clean PID: the valgrind log of connectd PID says 0 errors and
# nothing definitely lost; adds problems otherwise.
vg_clean() {
	local log=$T/vg/vg.$1.log
	if [ -z "$1" ] || ! wait_for "grep -q 'ERROR SUMMARY' '$log'" 10; then
		problem "no complete valgrind log for connectd ${1:-?} ($(ls "$T/vg" | tr '\n' ' '))"
		return
	fi
	grep -q 'ERROR SUMMARY: 0 errors' "$log" ||
		problem "valgrind: $(grep 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
	if grep -q 'definitely lost: [1-9]' "$log"; then
		problem "valgrind: $(grep 'definitely lost: [1-9]' "$log" | sed 's/^==[0-9]*== *//')"
	elif ! grep -qE 'All heap blocks were freed|definitely lost: 0 bytes' "$log"; then
		problem "valgrind log has no leak summary"
	fi
	if [ ${#_PROBLEMS[@]} -gt 0 ]; then
		problem "valgrind log $log:"
		problem "$(grep -v '^==[0-9]*== *$' "$log" | sed 's/^==[0-9]*== //' | grep -vE '^(Memcheck|Copyright|Using Valgrind|Command|Parent PID)' | head -n 40)"
	fi
}

# vg_case PORT EXPECT...: case_log for the client port, then vg_clean for
# the process that wrote the record.
vg_case() {
	case_log "$@"
	vg_clean "$(log_field "$LOG_LINE" pid)"
}


# ------------------------------------------------------------------ instances

printf 'alice:%s\n' "$(openssl passwd -6 secret)" >"$T/users"
chmod 644 "$T/users"
CONF=$T/connectd.conf
# lockdown no: the relay's seccomp filter kills any mmap with PROT_EXEC,
# and valgrind maps its translation cache so (the process dies of SIGSYS).
cat >"$CONF" <<EOF
lockdown no
auth_file $T/users
parent up 127.0.0.1:@PARENT@
allow from 127.0.0.1 to chained.test port $ECHO via up
allow from 127.0.0.1 to 127.0.0.1 port $ECHO,$REFUSED
allow from 127.0.0.1 user alice to 127.0.0.1 port $AECHO
EOF
cat >"$T/parent.conf" <<EOF
lockdown no
allow from 127.0.0.1 to chained.test port $ECHO
EOF
# The parent resolves chained.test from a private /etc/hosts (root).
mkdir -p "$T/etc"
printf 'hosts: files\n' >"$T/etc/nsswitch.conf"
printf '127.0.0.1 localhost chained.test\n' >"$T/etc/hosts"
ETC=()
need_root && ETC=(-e "$T/etc")

start_connectd -n parent "${ETC[@]}" "$T/parent.conf" || exit 1
PARENT_PORT=$CD_PORT PARENT_LOG=$CD_LOG PARENT_EXITS=$CD_EXITS
sed -i "s/@PARENT@/$PARENT_PORT/" "$CONF"
start_connectd "${ETC[@]}" "$CONF" || exit 1
RAW_OPTS=(--timeout 30)

# ------------------------------------------------------------------ cases

case_begin
raw tunnel "$(connect_head "127.0.0.1:$ECHO")" @head PING @recv:4 PONG @recv:8 @shut
check_resp tunnel --status 200 --tunnel PINGPONG --end eof
vg_case "$(info tunnel local_port)" status=200 up=8 down=8 close=client-eof exit=0
case_end "valgrind: a tunnel with data both ways (PING, PONG echoed, half-close): exit 0, 0 errors, no definite leak"

case_begin
raw deny "$(connect_head "127.0.0.1:1")"
check_resp deny --status 403 --error http_request_denied --end eof
vg_case "$(info deny local_port)" status=403 error=http_request_denied exit=5
case_end "valgrind: 403 denied by policy: exit 5, 0 errors, no definite leak"

case_begin
raw bad "CONNECT 127.0.0.1:$ECHO\r\nHost: x\r\n\r\n"
check_resp bad --status 400 --end eof
vg_case "$(info bad local_port)" status=400 exit=3
case_end "valgrind: 400 request line without a version: exit 3, 0 errors, no definite leak"

case_begin
raw noauth "$(connect_head "127.0.0.1:$AECHO")" @head @close
head -n 1 "$T/noauth.out" | grep -q '^HTTP/1.1 407 ' || problem "not a 407: $(show noauth)"
grep -qi '^Proxy-Authenticate: Basic realm=' "$T/noauth.out" || problem "no Basic challenge: $(show noauth)"
vg_case "$(info noauth local_port)" status=407 exit=6
case_end "valgrind: 407 without credentials, client leaves: exit 6, 0 errors, no definite leak"

# The retry: the 407's body length comes from the case above.
case_begin
B407=$(($(info noauth bytes) - $(info noauth head_len)))
TOK=$(printf 'alice:secret' | base64 -w0)
raw retry "$(connect_head "127.0.0.1:$AECHO")" @head "$(connect_head "127.0.0.1:$AECHO" "Proxy-Authorization: Basic $TOK")" \
	@recv:$((B407 + 39)) PING @recv:$((B407 + 39 + 4)) @shut
[ "$(grep -c 'HTTP/1.1 407 ' "$T/retry.out")" = 1 ] || problem "no single 407 first: $(show retry)"
grep -q 'HTTP/1.1 200 Connection established' "$T/retry.out" || problem "no 200 after the retry: $(show retry)"
[ "$(tail -c 4 "$T/retry.out")" = PING ] || problem "tunnel bytes: $(show retry)"
[ "$(info retry end)" = eof ] || problem "ended by $(info retry end), want eof"
if lines=$(log_lines "$(info retry local_port)"); then
	l2=$(printf '%s\n' "$lines" | sed -n 2p)
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq 2 ] || problem "want 2 log lines (407, 200): $lines"
	[[ $l2 == *" status=200 "* && $l2 == *" user=alice auth=ok"* ]] || problem "second line: $l2"
	pid=$(log_field "$l2" pid)
	[ "$(exit_of "$pid")" = 0 ] || problem "exit status $(exit_of "$pid"), want 0"
	vg_clean "$pid"
else
	problem "no log line"
fi
case_end "valgrind: 407, then credentials on the same connection (sha512crypt), 200 and PING: exit 0, 0 errors, no definite leak"

case_begin
raw refused "$(connect_head "127.0.0.1:$REFUSED")"
check_resp refused --status 502 --error connection_refused --end eof
vg_case "$(info refused local_port)" status=502 error=connection_refused exit=8
case_end "valgrind: 502 connection refused: exit 8, 0 errors, no definite leak"

case_begin
raw chain "$(connect_head "chained.test:$ECHO")" @head PING @recv:4 @shut
check_resp chain --status 200 --tunnel PING --end eof
vg_case "$(info chain local_port)" status=200 route=up parent_status=200 up=4 down=4 exit=0
# The parent's own record: its client is the child connectd.
if wait_log "target=chained.test:$ECHO .* status=200 " 10 "$PARENT_LOG"; then
	pl=$(grep -E "target=chained.test:$ECHO .* status=200 " "$PARENT_LOG" | tail -n 1)
	ppid_=$(log_field "$pl" pid)
	[ "$(exit_of "$ppid_" "$PARENT_EXITS")" = 0 ] || problem "parent exit status $(exit_of "$ppid_" "$PARENT_EXITS"), want 0"
	vg_clean "$ppid_"
else
	problem "no record from the parent: $(tail -n 3 "$PARENT_LOG")"
fi
case_end "valgrind: a tunnel through a parent connectd (both under valgrind): exit 0 twice, 0 errors, no definite leak"

# Every process that ran under valgrind: none exited 1 (valgrind's error
# code), none was killed by a signal, each left a clean log.
case_begin
n=$(cat "$CD_EXITS" "$PARENT_EXITS" | wc -l)
nlogs=$(ls "$T/vg" | wc -l)
[ "$nlogs" -ge "$n" ] || problem "$nlogs valgrind logs for $n processes"
bad=$(cat "$CD_EXITS" "$PARENT_EXITS" | awk '$2 == 1 || $2 >= 64')
[ -z "$bad" ] || problem "processes that exited 1 (valgrind errors) or abnormally (pid status): $bad"
dirty=$(grep -L 'ERROR SUMMARY: 0 errors' "$T"/vg/vg.*.log 2>/dev/null | tr '\n' ' ')
[ -z "$dirty" ] || problem "logs with errors: $dirty"
case_end "valgrind: all $n connectd processes exited with their outcome codes and clean logs"

#!/bin/bash
# t_relay.sh: the tunnel itself. Blind forwarding of 64 MiB each way
# (R68), both ends writing 16 MiB at once (R70, edge 19), a server that
# speaks first (R71, edge 18), half-close propagation (R74, R77, edges 20,
# 21) and strict mode, the idle timeout (R76, edge 23), max_lifetime, and
# resets from either side (R2, R75, edge 22).
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
BANNER=$(free_port)
HALF=$(free_port)
FIN=$(free_port)
RST=$(free_port)
FLOOD=$(free_port)
TRICKLE=$(free_port)
XFER=$(free_port)
URG=$(free_port)
BANNER_TEXT='SSH-2.0-connectd_test\r\n'
start_server echo echo "$ECHO" || exit 1
start_server banner banner "$BANNER" "$BANNER_TEXT" || exit 1
start_server half halfclose-server "$HALF" || exit 1
start_server fin sink "$FIN" "$T/fin" --banner 'DATA-THEN-FIN' --shut || exit 1
start_server rst reset-server "$RST" --log "$T/rst.log" || exit 1
start_server flood flood "$FLOOD" --log "$T/flood.log" || exit 1
start_server trickle trickle "$TRICKLE" --size 1000 --count 8 --interval-ms 500 || exit 1
start_server xfer xfer-server "$XFER" --mib 16 --seed 11 --report "$T/xfer.report" || exit 1
PORTS=$ECHO,$BANNER,$HALF,$FIN,$RST,$FLOOD,$TRICKLE,$XFER,$URG

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
idle_timeout 2s
half_close_timeout 1s
allow from 127.0.0.1 to 127.0.0.1 port $PORTS
EOF
cat >"$T/strict.conf" <<EOF
half_close no
allow from 127.0.0.1 to 127.0.0.1 port $PORTS
EOF
cat >"$T/life.conf" <<EOF
max_lifetime 2s
idle_timeout 0
allow from 127.0.0.1 to 127.0.0.1 port $PORTS
EOF
start_connectd -n strict "$T/strict.conf" || exit 1
STRICT_PORT=$CD_PORT STRICT_LOG=$CD_LOG STRICT_EXITS=$CD_EXITS
start_connectd -n life "$T/life.conf" || exit 1
LIFE_PORT=$CD_PORT LIFE_LOG=$CD_LOG LIFE_EXITS=$CD_EXITS
start_connectd "$CONF" || exit 1

req() {
	connect_head "127.0.0.1:$1"
}

# ---- TCP urgent data
# splice() stops at the urgent mark: without the read() fallback the
# relay spun at full CPU and dropped every byte after the mark. Both
# directions carry "abc", one urgent byte and "def" (the urgent byte is
# out of band and not relayed, as with read()); the tunnel is then held
# open half a second and connectd's CPU time over it is measured.
case_begin
out=$("$PYTHON" - "$CD_PORT" "$URG" "$CD_PID" <<'PY' 2>&1
import os, socket, sys, time
proxy, port, sup = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
c = socket.create_connection(("127.0.0.1", proxy), timeout=10)
c.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % port)
head = b""
while not head.endswith(b"\r\n\r\n"):
    head += c.recv(1)
s, _ = srv.accept()
s.settimeout(10)
print("local_port=%d" % c.getsockname()[1])
def urgent(a, b, text):
    a.sendall(text[:3])
    time.sleep(0.1)
    a.send(b"!", socket.MSG_OOB)
    time.sleep(0.1)
    a.sendall(text[3:])
    got = b""
    deadline = time.time() + 5
    while len(got) < 6 and time.time() < deadline:
        try:
            got += b.recv(100)
        except socket.timeout:
            break
    return got
up = urgent(c, s, b"abcdef")
down = urgent(s, c, b"ghijkl")
def cpu_ticks():
    total = 0
    for pid in os.listdir("/proc"):
        try:
            st = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if st[1] == sup:
            total += int(st[11]) + int(st[12])
    return total
t0 = cpu_ticks()
time.sleep(0.5)
spent = cpu_ticks() - t0
c.close()
s.close()
print("up=%r down=%r ticks=%d" % (up, down, spent))
print("result=%s" % ("ok" if up == b"abcdef" and down == b"ghijkl" and spent <= 5 else "bad"))
PY
)
[[ $out == *result=ok* ]] || problem "urgent data: $out"
case_log "$(log_field "$out" local_port)" status=200 up=6 down=6 exit=0
case_end "TCP urgent data either way: the bytes around the mark arrive, no busy loop (<= 5 ticks in 0.5 s)"

# ---- a client end splice refuses
# splice() into a socket opened for appending fails with EINVAL: that
# direction must turn to copying, not end the tunnel. connectd runs on a
# socketpair whose end has O_APPEND; 1 MiB goes up and comes back.
printf 'allow to 127.0.0.1 port %s\n' "$ECHO" >"$T/append.conf"
case_begin
out=$("$PYTHON" - "$CONNECTD" "$(run_conf "$T/append.conf")" "$ECHO" "$T/append.log" <<'PY' 2>&1
import fcntl, hashlib, os, socket, subprocess, sys, threading
binary, conf, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
a, b = socket.socketpair()
fcntl.fcntl(b.fileno(), fcntl.F_SETFL, fcntl.fcntl(b.fileno(), fcntl.F_GETFL) | os.O_APPEND)
with open(log, "w") as err:
    p = subprocess.Popen([binary, "-c", conf], stdin=b.fileno(), stdout=b.fileno(), stderr=err)
b.close()
a.settimeout(20)
a.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % port)
head = b""
while not head.endswith(b"\r\n\r\n"):
    head += a.recv(1)
data = os.urandom(1 << 20)
threading.Thread(target=a.sendall, args=(data,), daemon=True).start()
got = b""
while len(got) < len(data):
    d = a.recv(1 << 16)
    if not d:
        break
    got += d
a.shutdown(socket.SHUT_WR)
rest = a.recv(1)
rc = p.wait(20)
print("head=%r got=%d same=%s eof=%r exit=%d" % (head[:12], len(got), got == data, rest, rc))
print("result=%s" % ("ok" if head.startswith(b"HTTP/1.1 200") and got == data and rest == b"" and rc == 0 else "bad"))
PY
)
[[ $out == *result=ok* ]] || problem "O_APPEND client: $out $(tail -n 2 "$T/append.log")"
grep -q "status=200 up=1048576 down=1048576" "$T/append.log" || problem "record: $(tail -n 1 "$T/append.log")"
case_end "a client end splice refuses (O_APPEND socket): that direction copies, 1 MiB each way intact, exit 0"

# ---- bulk data
case_begin
out=$("$PYTHON" "$HELPERS" bigxfer --mib 64 --timeout 90 127.0.0.1 "$CD_PORT" "127.0.0.1:$ECHO" 2>&1)
[[ $out == *result=ok* ]] || problem "bigxfer: $out"
case_log "$(log_field "$out" local_port)" status=200 up=67108864 down=67108864 close=client-eof exit=0
case_end "64 MiB each way (random, with CRLFCRLF, NULs, CONNECT lines): SHA-256 equal, log up/down exact (R68)"

case_begin
out=$("$PYTHON" "$HELPERS" bigxfer --both --mib 16 --seed 22 --peer-seed 11 --timeout 60 \
	127.0.0.1 "$CD_PORT" "127.0.0.1:$XFER" 2>&1)
[[ $out == *result=ok* ]] || problem "client side: $out"
wait_for "test -s '$T/xfer.report'" 10 || problem "the server wrote no report"
rep=$(cat "$T/xfer.report" 2>/dev/null)
sent=$(log_field "$out" sent_sha)
[ "$(log_field "$rep" recv_sha)" = "$sent" ] || problem "server received sha $(log_field "$rep" recv_sha), client sent $sent"
[ "$(log_field "$rep" recv_len)" = 16777216 ] || problem "server: $rep"
case_log "$(log_field "$out" local_port)" status=200 up=16777216 down=16777216 exit=0
case_end "client and server each write 16 MiB at once, reading concurrently: no deadlock, hashes match (R70, edge 19)"

# ---- server speaks first
case_begin
raw banner "$(req "$BANNER")" @head @recv:23 @shut
check_resp banner --status 200 --tunnel "$BANNER_TEXT" --end eof
case_log "$(info banner local_port)" status=200 up=0 down=23 close=client-eof exit=0
case_end "server speaks first: the complete 200 head, then the banner, nothing interleaved (R71, edge 18)"

case_begin
raw banner2 "$(req "$BANNER")HELLO" @recv:28 @shut
check_resp banner2 --status 200 --tunnel "${BANNER_TEXT}HELLO" --end eof
case_end "server speaks first while the client pipelined data: 200, banner, echoed data"

# ---- half-close mode (the default)
case_begin
raw hc "$(req "$HALF")" @head PING @shut
check_resp hc --status 200 --tunnel GOT:4 --end eof
case_log "$(info hc local_port)" status=200 up=4 down=5 close=client-eof exit=0
case_end "half-close: PING then shutdown; the server answers after EOF and the reply arrives (R74)"

case_begin
raw hcearly "$(req "$HALF")" @shut
check_resp hcearly --status 200 --tunnel GOT:0 --end eof
case_log "$(info hcearly local_port)" status=200 close=client-eof exit=0
case_end "client half-closes right after the request, before the 200: 200, EOF reaches the server, reply arrives (R77, edge 20)"

case_begin
raw hcpipe "$(req "$HALF")PING" @shut
check_resp hcpipe --status 200 --tunnel GOT:4 --end eof
case_end "request, PING and shutdown all at once: 200 then GOT:4 (edge 20)"

case_begin
raw fin "$(req "$FIN")" @head @recv:13 @sleep:300 LATE @sleep:3300
check_resp fin --status 200 --tunnel DATA-THEN-FIN --end eof
[ "$(ms_between fin t_head t_end)" != - ] && in_range "$(ms_between fin t_head t_end)" 0 1000 ||
	problem "the client saw EOF $(ms_between fin t_head t_end) ms after the head, want at once"
wait_for "grep -q '^close' '$T/fin.conns'" 5
[ "$(cat "$T/fin.1.data" 2>/dev/null)" = LATE ] || problem "the server got '$(cat "$T/fin.1.data" 2>/dev/null)' after its FIN, want LATE"
closed=$(awk '$1 == "close" { print $2; exit }' "$T/fin.conns")
late=$(info fin t_flush2)
ms=$(awk -v a="$late" -v b="$closed" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
in_range "$ms" 700 1900 || problem "the server side closed $ms ms after the client's last data, want half_close_timeout 1 s (before idle_timeout 2 s)"
case_log "$(info fin local_port)" status=200 up=4 down=13 close=halfclose-timeout
case_end "server sends data then FIN: client gets all then EOF, can still send, half_close_timeout ends it (edge 21)"

case_begin
: >"$T/fin.conns"
raw finbusy "$(req "$FIN")" @head @recv:13 a @sleep:600 b @sleep:600 c @sleep:600 d @sleep:2500
wait_for "grep -q '^close' '$T/fin.conns'" 5
cid=$(awk '$1 == "accept" { print $3; exit }' "$T/fin.conns")
got=$(cat "$T/fin.$cid.data" 2>/dev/null)
[ "$got" = abcd ] || problem "the server got '$got' after its FIN, want abcd (data every 0.6 s for 1.8 s)"
closed=$(awk '$1 == "close" { print $2; exit }' "$T/fin.conns")
ms=$(awk -v a="$(info finbusy t_flush5)" -v b="$closed" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
in_range "$ms" 700 1900 || problem "closed $ms ms after the last data, want half_close_timeout 1 s"
case_log "$(info finbusy local_port)" status=200 up=4 close=halfclose-timeout
case_end "half_close_timeout (1 s) runs only while idle: data every 0.6 s for 1.8 s all gets through"

# ---- strict mode: half_close no
case_begin
RAW_PORT=$STRICT_PORT raw strict "$(req "$HALF")" @head PING @shut
check_resp strict --status 200 --tunnel "" --end eof
CASE_LOG=$STRICT_LOG CASE_EXITS=$STRICT_EXITS case_log "$(info strict local_port)" \
	status=200 up=4 down=0 close=client-eof exit=0
case_end "half_close no: PING then shutdown; the client sees EOF without the reply (R73)"

case_begin
: >"$T/fin.conns"
RAW_PORT=$STRICT_PORT raw strictfin "$(req "$FIN")" @head @recv:13 @sleep:1500
check_resp strictfin --status 200 --tunnel DATA-THEN-FIN --end eof
wait_for "grep -q '^close' '$T/fin.conns'" 3
closed=$(awk '$1 == "close" { print $2; exit }' "$T/fin.conns")
head=$(info strictfin t_head)
ms=$(awk -v a="$head" -v b="$closed" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
in_range "$ms" -1000 1000 || problem "the server side closed $ms ms after the client got the data, want at once"
CASE_LOG=$STRICT_LOG CASE_EXITS=$STRICT_EXITS case_log "$(info strictfin local_port)" \
	status=200 down=13 close=server-eof exit=0
case_end "half_close no: the server's FIN closes both sides at once, data first"

# ---- idle timeout
case_begin
RAW_OPTS=(--timeout 8)
raw idle "$(req "$ECHO")" @head
RAW_OPTS=()
check_resp idle --status 200 --tunnel "" --end eof
ms=$(ms_between idle t_head t_end)
in_range "$ms" 1000 3000 || problem "closed $ms ms after the 200, want idle_timeout 2 s +-1 s"
case_log "$(info idle local_port)" status=200 close=idle exit=11
case_end "idle tunnel closed at idle_timeout (2 s +-1), log close=idle, exit 11 (R76, edge 23)"

case_begin
RAW_OPTS=(--timeout 10)
raw idle2 "$(req "$ECHO")" @head @sleep:1300 a @sleep:1300 b
RAW_OPTS=()
check_resp idle2 --status 200 --tunnel ab --end eof
ms=$(ms_between idle2 t_flush3 t_end)
in_range "$ms" 1000 3000 || problem "closed $ms ms after the last traffic, want 2 s +-1 s"
ms=$(ms_between idle2 t_head t_end)
in_range "$ms" 3600 9000 || problem "closed $ms ms after the 200: traffic did not reset the idle timer"
case_log "$(info idle2 local_port)" status=200 up=2 down=2 close=idle exit=11
case_end "traffic every 1.3 s keeps a tunnel with idle_timeout 2 s open; idle after the last byte"

case_begin
RAW_OPTS=(--timeout 10)
raw busy "$(req "$TRICKLE")" @head
RAW_OPTS=()
head -c 8000 /dev/zero | tr '\0' t >"$T/t8000"
check_resp busy --status 200 --tunnel-file "$T/t8000" --end eof
[ "$(info busy bytes)" = "$((8000 + 39))" ] || problem "received $(info busy bytes) bytes, want 39 + 8000"
case_log "$(info busy local_port)" status=200 down=8000 close=server-eof exit=0
case_end "a one-way transfer running 3.5 s is not cut by idle_timeout 2 s (edge 23)"

# ---- max_lifetime
case_begin
RAW_OPTS=(--timeout 10)
RAW_PORT=$LIFE_PORT raw life "$(req "$TRICKLE")" @head
RAW_OPTS=()
check_resp life --status 200 --end eof
ms=$(ms_between life t_head t_end)
in_range "$ms" 1000 3000 || problem "closed $ms ms after the 200, want max_lifetime 2 s +-1 s"
CASE_LOG=$LIFE_LOG CASE_EXITS=$LIFE_EXITS case_log "$(info life local_port)" \
	status=200 close=lifetime exit=12
case_end "max_lifetime 2 s cuts a busy tunnel at 2 s, log close=lifetime, exit 12"

# ---- resets
case_begin
raw srst "$(req "$RST")" @head RST
end=$(info srst end)
[[ $end == eof || $end == reset ]] || problem "client connection ended by '$end'"
ms=$(ms_between srst t_flush2 t_end)
in_range "$ms" 0 1000 || problem "client closed $ms ms after the server's RST, want within 1 s"
case_log "$(info srst local_port)" status=200 close=server-reset exit=13
case_end "server RST mid-stream: client closed within 1 s, log close=server-reset, exit 13 (R75, edge 22)"

case_begin
: >"$T/flood.log"
raw crst "$(req "$FLOOD")" @head @recv:1048576 @rst
wait_for "test -s '$T/flood.log'" 3
ended=$(awk '{ print $2; exit }' "$T/flood.log")
ms=$(awk -v a="$(info crst t_rst)" -v b="$ended" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d\n", (b - a) * 1000 }')
in_range "$ms" -100 1000 || problem "the server saw the end $ms ms after the client's RST, want within 1 s"
case_log "$(info crst local_port)" status=200 close=client-reset exit=13
case_end "client RST mid-download: server side closed within 1 s, no SIGPIPE death, exit 13 (R2, R75, edge 22)"

case_begin
raw early "$(req "$FLOOD")" @rst
wait_log "client=127.0.0.1:$(info early local_port) " 5 || problem "no log line"
case_log "$(info early local_port)" 'exit~^([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7])$'
case_end "client RST right after the request: one log line, connectd not killed by a signal (R2)"

# Backpressure (R72): a client that stops reading while the server floods.
case_begin
: >"$T/flood.log"
raw stall "$(req "$FLOOD")" @head @noread @sleep:1200 @rst
wait_for "test -s '$T/flood.log'" 3
sent=$(awk '{ print $4; exit }' "$T/flood.log")
if [ -z "$sent" ]; then
	problem "the flood server did not report"
elif [ "$sent" -gt $((64 << 20)) ]; then
	problem "the server pushed $sent bytes in 1.2 s while the client read nothing: connectd buffers without bound"
fi
case_log "$(info stall local_port)" status=200 close=client-reset exit=13
case_end "a client that stops reading stalls the server (< 64 MiB in flight): bounded buffers (R72)"

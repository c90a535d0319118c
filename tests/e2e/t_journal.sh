#!/bin/bash
# t_journal.sh: when fd 2 is the journal stream named by JOURNAL_STREAM
# (a socket unit with StandardError=journal), the record goes to journald
# as structured fields in the native protocol, and nothing to the stream.
# A private mount namespace holds a stand-in journald socket; the tunnel
# runs under the seccomp filter, so the record is written locked down.
. "$(dirname "$0")/lib.sh"
need_binary
need_root || exit 0

ECHO=$(free_port)
start_server echo echo "$ECHO" || exit 1
printf 'allow to 127.0.0.1 port %s\n' "$ECHO" >"$T/connectd.conf"
CONF=$(run_conf "$T/connectd.conf")

printf '%s\n' \
	'import socket, sys' \
	's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)' \
	's.bind("/run/systemd/journal/socket")' \
	'import os; os.chmod("/run/systemd/journal/socket", 0o666)  # as journald has it' \
	's.settimeout(10)' \
	'open(sys.argv[1], "w").close()' \
	'sys.stdout.write(s.recv(65536).decode())' >"$T/journald.py"

printf '%s\n' '#!/bin/bash' \
	'mkdir -p /run/systemd && mount -t tmpfs none /run/systemd && mkdir /run/systemd/journal || exit 3' \
	"\"$PYTHON\" \"$T/journald.py\" \"$T/ready\" >\"$T/journal.out\" &" \
	"for i in \$(seq 100); do [ -e \"$T/ready\" ] && break; sleep 0.05; done" \
	"exec 2>\"$T/stream.txt\"" \
	"export JOURNAL_STREAM=\$(stat -c '%d:%i' \"$T/stream.txt\")" \
	"printf 'CONNECT 127.0.0.1:$ECHO HTTP/1.1\\r\\n\\r\\nPING' | \"$CONNECTD\" -c \"$CONF\" >\"$T/tunnel.out\"" \
	"echo \"exit=\$?\" >\"$T/exit\"" \
	'wait' >"$T/inside.sh"
chmod +x "$T/inside.sh"
timeout 20 unshare -m --propagation private "$T/inside.sh"

case_begin
grep -q '^exit=0$' "$T/exit" || problem "connectd: $(cat "$T/exit" 2>/dev/null)"
[ "$(tail -c 4 "$T/tunnel.out")" = PING ] || problem "tunnel did not echo"
for field in "MESSAGE=client=- target=127.0.0.1:$ECHO " 'SYSLOG_IDENTIFIER=connectd' \
	'CONNECTD_STATUS=200' 'CONNECTD_HOST=127.0.0.1' "CONNECTD_PORT=$ECHO" \
	'CONNECTD_UP=4' 'CONNECTD_DOWN=4' 'CONNECTD_CLOSE=client-eof' 'CONNECTD_ROUTE=direct' \
	'CONNECTD_EXIT=0'; do
	grep -q "^$field" "$T/journal.out" || problem "no '$field' in the journal entry: $(head -c 300 "$T/journal.out")"
done
[ ! -s "$T/stream.txt" ] || problem "the stream (fd 2) got text too: $(cat "$T/stream.txt")"
case_end "fd 2 is the journal: one entry with CONNECTD_* fields in the native protocol, written under the lock-down; nothing on the stream"

#!/bin/bash
# t_connect.sh: failures to reach the destination (R58, edge 24): refused
# -> 502 connection_refused; a name that does not resolve -> 502
# dns_error; SYNs dropped by a firewall -> 504 connection_timeout within
# connect_timeout + 1 s; no route -> 502; a resolver that never answers
# -> 504 dns_timeout. The last three run in two network namespaces joined
# by a veth pair (198.18.0.1/30 proxy side, 198.18.0.2/30 target side).
. "$(dirname "$0")/lib.sh"
need_binary

ECHO=$(free_port)
REFUSED=$(free_port)
start_server echo echo "$ECHO" || exit 1

# Name resolution from /etc/hosts only, so no DNS server is ever asked.
mkdir -p "$T/etc1"
printf 'hosts: files\n' >"$T/etc1/nsswitch.conf"
printf '127.0.0.1 localhost\n127.0.0.1 echo.test\n' >"$T/etc1/hosts"

CONF=$T/connectd.conf
cat >"$CONF" <<EOF
connect_timeout 2s
allow from 127.0.0.1 to 127.0.0.1 port $ECHO,$REFUSED
allow from 127.0.0.1 to .invalid,.test port any
EOF
if need_root; then
	start_connectd -e "$T/etc1" "$CONF" || exit 1
else
	start_connectd "$CONF" || exit 1
fi

case_begin
raw refused "CONNECT 127.0.0.1:$REFUSED HTTP/1.1\r\n\r\n"
check_resp refused --status 502 --error connection_refused --end eof
case_log "$(info refused local_port)" status=502 "addr=127.0.0.1:$REFUSED" "rule=$CONF:2" \
	close=- error=connection_refused exit=8
case_end "refused port: 502, Proxy-Status error=connection_refused, log addr and rule, exit 8"

case_begin
raw nxdomain "CONNECT no-such-host.invalid:443 HTTP/1.1\r\n\r\n"
check_resp nxdomain --status 502 --error dns_error --end eof
case_log "$(info nxdomain local_port)" status=502 target=no-such-host.invalid:443 addr=- \
	error=dns_error exit=7
case_end "no-such-host.invalid: 502, error=dns_error, exit 7"

if need_root; then
	case_begin
	raw byname "CONNECT echo.test:$ECHO HTTP/1.1\r\n\r\n" @head PING @shut
	check_resp byname --status 200 --tunnel PING --end eof
	case_log "$(info byname local_port)" status=200 "target=echo.test:$ECHO" "addr=127.0.0.1:$ECHO" \
		'resolve_ms~^[0-9]+$' exit=0
	case_end "a name from the private /etc/hosts resolves and tunnels (control for the DNS cases)"
fi

# ---- network namespaces
if ! need_root; then
	skip "connect timeout, unreachable and DNS timeout in network namespaces" "not root"
	exit 0
fi
P=${NS_PREFIX}p
Q=${NS_PREFIX}q
if ! veth_pair "$P" "$Q" "cdv$$"; then
	skip "connect timeout, unreachable and DNS timeout in network namespaces" \
		"cannot create namespaces: $(head -n 1 "$T/netns.err")"
	exit 0
fi
DROP=9
OPEN=8080
if ! ip netns exec "$Q" nft -f - <<EOF 2>"$T/nft.err"; then
table inet cdt {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $DROP drop
		udp dport 53 drop
	}
}
EOF
	not_ok "nft drop rules in the target namespace" "$(cat "$T/nft.err")"
	exit 1
fi
start_server -N "$Q" open echo "$OPEN" --host 198.18.0.2 || exit 1

mkdir -p "$T/etc2"
printf 'hosts: files dns\n' >"$T/etc2/nsswitch.conf"
printf '127.0.0.1 localhost\n' >"$T/etc2/hosts"
printf 'nameserver 198.18.0.2\noptions timeout:1 attempts:1\n' >"$T/etc2/resolv.conf"
cat >"$T/ns.conf" <<EOF
connect_timeout 2s
allow from 127.0.0.1 to 198.18.0.0/15 port any
allow from 127.0.0.1 to .test port any
EOF
start_connectd -n ns -N "$P" -e "$T/etc2" "$T/ns.conf" || exit 1
NS_LOG=$CD_LOG NS_EXITS=$CD_EXITS

# raw clients run inside the proxy namespace too.
nsraw() {
	local name=$1
	shift
	ip netns exec "$P" "$PYTHON" "$HELPERS" raw --out "$T/$name.out" --info "$T/$name.info" \
		"${RAW_OPTS[@]}" 127.0.0.1 "$CD_PORT" "$@" 2>>"$T/raw.err"
}
CASE_LOG=$NS_LOG
CASE_EXITS=$NS_EXITS

case_begin
nsraw open "CONNECT 198.18.0.2:$OPEN HTTP/1.1\r\n\r\n" @head PING @shut
check_resp open --status 200 --tunnel PING --end eof
case_log "$(info open local_port)" status=200 "addr=198.18.0.2:$OPEN" exit=0
case_end "netns: a tunnel across the veth pair works (control for the next cases)"

case_begin
RAW_OPTS=(--timeout 8)
nsraw drop "CONNECT 198.18.0.2:$DROP HTTP/1.1\r\n\r\n"
RAW_OPTS=()
check_resp drop --status 504 --error connection_timeout --end eof
ms=$(ms_between drop t_start t_end)
in_range "$ms" 1800 3000 || problem "answered after $ms ms, want connect_timeout 2 s (+1 s)"
case_log "$(info drop local_port)" status=504 "addr=198.18.0.2:$DROP" close=- \
	error=connection_timeout 'connect_ms~^(19[0-9][0-9]|2[0-9]{3})$' exit=9
case_end "SYNs dropped by nft: 504 error=connection_timeout within connect_timeout + 1 s, exit 9"

case_begin
nsraw unreach "CONNECT 198.18.0.6:443 HTTP/1.1\r\n\r\n"
check_resp unreach --status 502 --end eof
ms=$(ms_between unreach t_start t_end)
in_range "$ms" 0 1000 || problem "answered after $ms ms, want at once"
case_log "$(info unreach local_port)" status=502 'error~^(destination_ip_unroutable|connection_refused|destination_unavailable)$' exit=8
case_end "no route to the destination: 502 at once, exit 8"

case_begin
RAW_OPTS=(--timeout 12)
nsraw dnsto "CONNECT slow.test:443 HTTP/1.1\r\n\r\n"
RAW_OPTS=()
check_resp dnsto --status 504 --error dns_timeout --end eof
ms=$(ms_between dnsto t_start t_end)
in_range "$ms" 500 6000 || problem "answered after $ms ms"
case_log "$(info dnsto local_port)" status=504 error=dns_timeout exit=7
case_end "resolver never answers (UDP 53 dropped): 504 error=dns_timeout (R58, edge 24)"

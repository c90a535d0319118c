#!/bin/bash
# t_policy.sh: the policy. With the shipped default (deny to internal,
# allow from internal to any port 443) every way of spelling a loopback,
# link-local, private or own address is 403 and nothing is reached (R53,
# R55, edge 9); name and address rules, first match wins, label
# boundaries, trailing dots, a v4-only rule against [::1] (edge 8, R56);
# `connectd -t`, `--explain`, a config broken at run time (R3), usage.
. "$(dirname "$0")/lib.sh"
need_binary

# Private /etc/hosts (and hosts from files only) for every connectd here.
mkdir -p "$T/etc"
printf 'hosts: files\n' >"$T/etc/nsswitch.conf"
cat >"$T/etc/hosts" <<'EOF'
127.0.0.1 localhost
127.0.0.1 sneaky.test
::1 sneaky6.test
169.254.169.254 metadata.test
127.0.0.1 echo.test sub.test a.sub.test evilsub.test x.blocked.test
EOF
ETC=()
if need_root; then
	ETC=(-e "$T/etc")
fi

# A listener on loopback port 443 shows any request that got through.
S443=""
if ! listening 443; then
	start_server s443 sink 443 "$T/s443" && S443=1
fi
[ -n "$S443" ] || echo "# port 443 is in use: not checking that denied requests reach nothing there"
s443_conns() {
	grep -c '^accept' "$T/s443.conns" 2>/dev/null || true
}

DEFAULT=$T/default.conf
cat >"$DEFAULT" <<'EOF'
# the policy connectd ships with
deny to internal
allow from internal to any port 443
EOF
start_connectd "${ETC[@]}" "$DEFAULT" || exit 1

deny_case() {
	local target=$1 line=${2:-2} name before
	N=$((${N:-0} + 1))
	name=d$N
	before=$(s443_conns)
	case_begin
	raw "$name" "CONNECT $target HTTP/1.1\r\nHost: $target\r\n\r\nHELLO"
	check_resp "$name" --status 403 --error http_request_denied --end eof
	if [ "$line" = - ]; then
		case_log "$(info "$name" local_port)" status=403 rule=- addr=- error=http_request_denied exit=5
	else
		case_log "$(info "$name" local_port)" status=403 "rule=$DEFAULT:$line" addr=- error=http_request_denied exit=5
	fi
	[ "$(s443_conns)" = "$before" ] || problem "a connection reached 127.0.0.1:443"
	[ ${#_PROBLEMS[@]} -eq 0 ] || problem "reply: $(show "$name")"
	case_end "default policy: CONNECT $target -> 403, rule ${line/#-/none}"
}

for t in localhost:443 127.1:443 2130706433:443 0x7f.1:443 0x7f000001:443 0177.0.0.1:443 \
	127.0.0.1:443 127.0.0.1:0443 127.255.255.254:443 "[::1]:443" "[::ffff:127.0.0.1]:443" \
	"[::ffff:7f00:1]:443" "[64:ff9b::7f00:1]:443" "[0:0:0:0:0:0:0:1]:443" LOCALHOST.:443 \
	localhost.:443 LocalHost:443 0.0.0.0:443 0:443 "[::]:443" 169.254.169.254:443 \
	10.0.0.1:443 172.16.0.1:443 192.168.1.1:443 100.64.0.1:443 "[fe80::1]:443" \
	"[fd00::1]:443" 224.0.0.1:443 255.255.255.255:443; do
	deny_case "$t"
done
if need_root; then
	for t in sneaky.test:443 SNEAKY.TEST.:443 sneaky6.test:443 metadata.test:443; do
		deny_case "$t"
	done
else
	skip "names resolving to internal addresses" "not root (needs a private /etc/hosts)"
fi
for a in $(ip -o addr show scope global | awk '{ sub("/.*", "", $4); print $4 }' | head -n 4); do
	case $a in *:*) a="[$a]" ;; esac
	deny_case "$a:443"
done
deny_case 8.8.8.8:25 -
deny_case 8.8.8.8:80 -

# ---- explain and -t
case_begin
out=$("$CONNECTD" --explain -c "$DEFAULT" localhost:443 2>&1)
[[ $out == *"$DEFAULT:2"* ]] || problem "does not name $DEFAULT:2: $out"
[[ $out == *127.0.0.1* ]] || problem "does not show the resolved address: $out"
[[ $out == *403* || $out == *deny* ]] || problem "does not say denied: $out"
case_end "--explain localhost:443 names the deciding rule (default.conf:2) per address"

case_begin
out=$("$CONNECTD" --explain -c "$DEFAULT" 8.8.8.8:443 from 10.1.2.3 2>&1)
[[ $out == *"$DEFAULT:3"* && $out == *allow* ]] || problem "want allow by $DEFAULT:3: $out"
out=$("$CONNECTD" --explain -c "$DEFAULT" 8.8.8.8:443 from 8.8.4.4 2>&1)
[[ $out == *"$DEFAULT:"* ]] && problem "a rule decided a request no rule matches: $out"
[[ $out == *403* || $out == *deny* ]] || problem "not denied: $out"
case_end "--explain ... from ADDR: from an internal client allowed by :3, from outside no rule matches"

case_begin
SINK=$(free_port)
start_server sink sink "$SINK" "$T/sink" || exit 1
printf 'allow to 127.0.0.1 port %s\n' "$SINK" >"$T/sink.conf"
out=$("$CONNECTD" --explain -c "$T/sink.conf" "127.0.0.1:$SINK" 2>&1)
[[ $out == *"$T/sink.conf:1"* ]] || problem "does not name the allowing rule: $out"
sleep 0.3 # (nothing to poll for: we check that something did NOT happen)
[ -s "$T/sink.conns" ] && problem "--explain connected to the target"
case_end "--explain connects nowhere"

case_begin
cat >"$T/good.conf" <<'EOF'
# a comment
request_timeout 5s
connect_timeout 1500ms
idle_timeout 11m
max_lifetime 1h
half_close no
half_close_timeout 30

deny   from 10.0.0.0/8   to .Example.COM   port 25   # trailing comment
allow from internal,192.0.2.0/24 to example.org,198.51.100.7,2001:db8::/32 port 443,8000-8100
allow to any port any
EOF
out=$("$CONNECTD" -t -c "$T/good.conf" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || problem "exit $rc, want 0: $out"
[[ $out == *"$T/good.conf:9"* && $out == *"$T/good.conf:10"* && $out == *"$T/good.conf:11"* ]] ||
	problem "the rules are not printed with file:line: $out"
printf '%s\n' "$out" | grep -q '^deny from 10\.0\.0\.0/8 to \.example\.com port 25' ||
	problem "rule 10 not normalised to 'deny from 10.0.0.0/8 to .example.com port 25': $out"
printf '%s\n' "$out" | grep -q '^idle_timeout 660s' || problem "idle_timeout 11m not shown as 660s: $out"
printf '%s\n' "$out" | grep -q '^connect_timeout 1500ms' || problem "connect_timeout 1500ms not shown: $out"
printf '%s\n' "$out" | grep -q '^half_close no' || problem "half_close no not shown: $out"
case_end "connectd -t on a good config: exit 0, normalised rules with file:line"

bad_config() {
	local desc=$1 line=$2 text=$3 f out rc
	f=$T/bad$line.conf
	printf '# bad config\n%b\n' "$text" >"$f"
	case_begin
	out=$("$CONNECTD" -t -c "$f" 2>"$T/bad.err")
	rc=$?
	[ "$rc" -eq 78 ] || problem "exit $rc, want 78"
	grep -q "^$f:2: ." "$T/bad.err" || problem "stderr lacks '$f:2: message': $(cat "$T/bad.err")"
	case_end "connectd -t: $desc -> exit 78, '$f:2: ...'"
}
L=0
for spec in "unknown keyword|frobnicate yes" "misspelt clause|allow form 10.0.0.1" \
	"CIDR with host bits|allow to 10.0.0.1/8" "port 0|allow port 0" "port 70000|allow port 70000" \
	"reversed port range|allow port 200-100" "bad address|allow from 300.1.2.3" \
	"empty to list|allow to" "empty list element|allow to a.example,,b.example" \
	"bad duration|idle_timeout 5x" "negative duration|connect_timeout -1s" \
	"missing value|request_timeout" "bad half_close|half_close maybe" \
	"prefix too long|allow from 10.0.0.0/33" "v6 prefix too long|allow from ::/129" \
	"action without rule words|allow foo"; do
	L=$((L + 1))
	bad_config "${spec%%|*}" "$L" "${spec#*|}"
done

case_begin
out=$("$CONNECTD" -t -c "$T/does-not-exist.conf" 2>&1)
rc=$?
[ "$rc" -eq 78 ] || problem "exit $rc, want 78"
[[ $out == *"$T/does-not-exist.conf"* ]] || problem "message does not name the file: $out"
case_end "connectd -t on a missing file: exit 78, names the file"

# ---- a config broken at run time (R3)
printf 'allow to any port 443\nallow form nowhere\n' >"$T/broken.conf"
start_connectd -n broken "$T/broken.conf" || exit 1
case_begin
raw broken "CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n"
check_resp broken --status 500 --error proxy_configuration_error --end eof
CASE_LOG=$CD_LOG CASE_EXITS=$CD_EXITS case_log "$(info broken local_port)" status=500 exit=78
grep -q "broken.conf:2" "$CD_LOG" || problem "the log does not say what is wrong ($T/broken.conf:2)"
case_end "config broken at run time: 500 error=proxy_configuration_error, log line, exit 78 (R3)"

# ---- name and address rules
ECHO=$(free_port)
ECHO2=$(free_port)
start_server echo echo "$ECHO" || exit 1
start_server echo2 echo "$ECHO2" || exit 1
NAMES=$T/names.conf
cat >"$NAMES" <<EOF
# names and addresses
deny to .blocked.test
allow to echo.test,.sub.test port $ECHO2
allow from 10.0.0.0/8 to any port any
allow from 127.0.0.1 to 127.0.0.1 port $ECHO
EOF
start_connectd -n names "${ETC[@]}" "$NAMES" || exit 1
CASE_LOG=$CD_LOG
CASE_EXITS=$CD_EXITS

rule_case() {
	local target=$1 status=$2 line=$3 name
	N=$((${N:-0} + 1))
	name=n$N
	case_begin
	if [ "$status" = 200 ]; then
		raw "$name" "CONNECT $target HTTP/1.1\r\n\r\n" @head PING @shut
		check_resp "$name" --status 200 --tunnel PING --end eof
	else
		raw "$name" "CONNECT $target HTTP/1.1\r\n\r\n"
		check_resp "$name" --status "$status" --end eof
	fi
	if [ "$line" = - ]; then
		case_log "$(info "$name" local_port)" "status=$status" rule=-
	else
		case_log "$(info "$name" local_port)" "status=$status" "rule=$NAMES:$line"
	fi
	case_end "names.conf: CONNECT $target -> $status, rule ${line/#-/none}"
}

rule_case "127.0.0.1:$ECHO" 200 5
rule_case "[::ffff:127.0.0.1]:$ECHO" 200 5
rule_case "[::1]:$ECHO" 403 -
rule_case "127.0.0.1:$ECHO2" 403 -
if need_root; then
	rule_case "echo.test:$ECHO2" 200 3
	rule_case "ECHO.TEST.:$ECHO2" 200 3
	rule_case "sub.test:$ECHO2" 200 3
	rule_case "a.sub.test:$ECHO2" 200 3
	rule_case "evilsub.test:$ECHO2" 403 -
	rule_case "x.blocked.test:$ECHO2" 403 2
	rule_case "X.Blocked.Test.:$ECHO" 403 2
	rule_case "echo.test:$ECHO" 200 5
else
	skip "name rules" "not root (needs a private /etc/hosts)"
fi

# ---- own addresses that no static list knows (needs a namespace)
OWN_NS=${NS_PREFIX}own
if need_root && make_netns "$OWN_NS" 2>/dev/null &&
	ip -n "$OWN_NS" link add cdoa type veth peer name cdob 2>/dev/null; then
	ip -n "$OWN_NS" addr add 198.18.0.1/32 dev cdoa
	ip -n "$OWN_NS" link set cdoa up
	ip -n "$OWN_NS" link set cdob up
	start_server -N "$OWN_NS" own sink 443 "$T/own" --host 198.18.0.1 || exit 1
	start_connectd -n own -N "$OWN_NS" "$DEFAULT" || exit 1
	case_begin
	ip netns exec "$OWN_NS" "$PYTHON" "$HELPERS" raw --out "$T/own.out" --info "$T/own.info" \
		127.0.0.1 "$CD_PORT" "CONNECT 198.18.0.1:443 HTTP/1.1\r\n\r\n" 2>>"$T/raw.err"
	check_resp own --status 403 --error http_request_denied --end eof
	CASE_LOG=$CD_LOG CASE_EXITS=$CD_EXITS case_log "$(info own local_port)" status=403 "rule=$DEFAULT:2"
	grep -q accept "$T/own.conns" 2>/dev/null && problem "a connection reached 198.18.0.1:443"
	case_end "default policy: the host's own address 198.18.0.1 (on a veth interface) is internal -> 403"
	case_begin
	out=$("$CONNECTD" --explain -c "$DEFAULT" 198.18.0.1:443 from 10.0.0.1 2>&1)
	[[ $out == *"$DEFAULT:3"* ]] || problem "outside the namespace 198.18.0.1 should be allowed by :3: $out"
	case_end "control: where 198.18.0.1 is not our own address the same rule set allows it"

	# What the kernel delivers here, however it came to be ours: a
	# secondary address in the primary's subnet (keepalived's VIPs; the
	# route lookup picks the primary as source for it), a local route
	# over a whole prefix (AnyIP), an IPv6 address; and a neighbour in
	# the same subnet, which is not ours, as the control.
	ip -n "$OWN_NS" addr add 198.18.1.10/24 dev cdoa
	ip -n "$OWN_NS" addr add 198.18.1.11/24 dev cdoa
	ip -n "$OWN_NS" route add local 198.18.2.0/24 dev lo
	ip -n "$OWN_NS" addr add 2001:2::10/64 dev cdoa nodad
	# No way there (the kernel answers an error, not a route): not ours.
	# A blackhole also answers an error, but one that a bad request gets
	# too, so it fails closed.
	ip -n "$OWN_NS" route add unreachable 198.18.3.0/24
	ip -n "$OWN_NS" route add prohibit 198.18.4.0/24
	ip -n "$OWN_NS" route add blackhole 198.18.5.0/24
	printf 'deny to internal\nallow to any port any\n' >"$T/own-kinds.conf"
	for target in 198.18.1.11 198.18.1.10 198.18.2.77 '[2001:2::10]' 198.18.1.12 '[2001:2::12]' \
		198.18.3.1 198.18.4.1 198.18.5.1; do
		case_begin
		out=$(ip netns exec "$OWN_NS" "$CONNECTD" --explain -c "$T/own-kinds.conf" "$target:22" from 198.18.1.99 2>&1)
		rc=$?
		case $target in
		198.18.1.12 | '[2001:2::12]') want=0 what="a neighbour, not ours: allowed" ;;
		198.18.3.1 | 198.18.4.1) want=0 what="behind an unreachable or prohibit route, not ours: allowed (the connect fails)" ;;
		198.18.5.1) want=1 what="behind a blackhole route: the lookup's error fails closed, denied" ;;
		*) want=1 what="ours: internal, denied" ;;
		esac
		[ "$rc" = "$want" ] || problem "--explain $target:22 exited $rc, want $want: $out"
		case_end "own addresses by the kernel's route lookup: $target is $what"
	done
else
	skip "own-address check in a network namespace" "cannot create a namespace"
fi

# ---- usage on a terminal
case_begin
script -qec "$CONNECTD" /dev/null >"$T/usage.out" 2>&1 </dev/null
rc=$?
[ "$rc" -eq 64 ] || problem "exit $rc, want 64"
grep -qi usage "$T/usage.out" || problem "no usage text: $(head -c 300 "$T/usage.out")"
case_end "run on a terminal without arguments: usage, exit 64"

# lib.sh: sourced by every tests/e2e/t_*.sh.
#
# Gives each script a temp dir ($T, removed on exit), TAP output helpers,
# servers from helpers.py, connectd under a real supervisor, polling waits
# with deadlines, and a cleanup trap that stops exactly the processes and
# network namespaces this script created.
#
# Every process is started through spawn, which runs it with setsid so that
# it leads its own process group: cleanup signals that group (the
# supervisor and the connectd children it forked) and nothing else.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$E2E_DIR/../.." && pwd)}
CONNECTD=${CONNECTD:-$TOP/connectd}
if [ -z "${PYTHON:-}" ]; then
	# Debian's own python3 starts faster than a pyenv shim.
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3); fi
fi
HELPERS=$E2E_DIR/helpers.py
PATH=$PATH:/usr/sbin:/sbin
export LC_ALL=C

T=$(mktemp -d "${TMPDIR:-/tmp}/connectd-e2e.XXXXXX") || exit 1
chmod 755 "$T"
_PIDS=()
_NETNS=()
# Network namespaces are named "$NS_PREFIX<something>": unique per script,
# and tests/run (which sets CDT_RUN_ID) can tell its own from those of
# another run going on at the same time.
NS_PREFIX=cdt${CDT_RUN_ID:-}-$$-
N_OK=0
N_NOT_OK=0

# ------------------------------------------------------------------ cleanup

# _ours PID: PID is still a child of this shell (not reaped, not reused).
_ours() {
	[ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]
}

# _term_group PID: SIGTERM to the process group PID leads (or to PID alone
# when it has none). Split from _reap_group so that _cleanup can signal
# every group first and wait for them all in one pass.
_term_group() {
	kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
}

# _reap_group PID: gives the group 3 s to end after _term_group, then
# SIGKILLs what is left and reaps PID.
_reap_group() {
	local i
	for i in $(seq 60); do
		kill -0 -- "-$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

_cleanup() {
	local rc=$? pid ns
	local -a live=()
	trap - EXIT INT TERM
	for pid in "${_PIDS[@]}"; do
		_ours "$pid" || continue
		live+=("$pid")
		_term_group "$pid"
	done
	for pid in "${live[@]}"; do
		_reap_group "$pid"
	done
	for ns in "${_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
	# A script exits non-zero when any of its checks failed.
	[ "$rc" -eq 0 ] && [ "$N_NOT_OK" -gt 0 ] && rc=1
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ TAP

ok() {
	N_OK=$((N_OK + 1))
	echo "ok - $*"
}

# not_ok DESC [DIAGNOSTIC LINE...]
not_ok() {
	local l
	N_NOT_OK=$((N_NOT_OK + 1))
	echo "not ok - $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

skip() {
	echo "ok - $1 # SKIP ${2:-}"
}

diag() {
	sed 's/^/#   /'
}

# check DESC CMD...: ok when CMD exits 0; otherwise not ok with its output.
check() {
	local desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "command failed (exit $?): $*" "$(head -c 3000 "$T/check.out")"
	fi
}

assert_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3"
	fi
}

# assert_match DESC TEXT REGEX (extended regular expression, bash =~)
assert_match() {
	if [[ $2 =~ $3 ]]; then
		ok "$1"
	else
		not_ok "$1" "text:  $(printf '%s' "$2" | head -c 2000)" "regex: $3"
	fi
}

# Cases that check many things but print one TAP line:
#   case_begin; ...; problem "what went wrong"; ...; case_end DESC
_PROBLEMS=()
case_begin() {
	_PROBLEMS=()
	# Where the logs stood when the case began: a tie-breaker for
	# log_lines when the kernel reused a client port.
	_CASE_LOG_MARK=$( { stat -c %s "${CASE_LOG:-${CD_LOG:-/dev/null}}" 2>/dev/null || echo 0; } | head -n 1)
	_CASE_LOG_FILE=${CASE_LOG:-${CD_LOG:-}}
}
problem() {
	_PROBLEMS+=("$*")
}
case_end() {
	if [ ${#_PROBLEMS[@]} -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1" "${_PROBLEMS[@]}"
	fi
}

# ------------------------------------------------------------------ waiting

# wait_for CMD TIMEOUT: evaluates CMD every 50 ms until it succeeds (0) or
# TIMEOUT seconds (fractions allowed) pass (1).
wait_for() {
	local cmd=$1 end
	end=$(($(date +%s%N) / 1000000 + $(_to_ms "${2:-5}")))
	while :; do
		eval "$cmd" >/dev/null 2>&1 && return 0
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# _to_ms SECONDS: "2", "0.5" or "1.25" seconds in milliseconds.
_to_ms() {
	local i f
	case $1 in
	*.*)
		i=${1%%.*}
		f=${1#*.}000
		echo $((${i:-0} * 1000 + 10#${f:0:3}))
		;;
	*) echo $(($1 * 1000)) ;;
	esac
}

# wait_log PATTERN TIMEOUT [LOG]: waits until LOG (default $CD_LOG) has a
# line matching the extended regex PATTERN.
wait_log() {
	local log=${3:-$CD_LOG}
	wait_for "grep -Eq -e $(printf '%q' "$1") $(printf '%q' "$log")" "${2:-5}"
}

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ------------------------------------------------------------------ processes

# spawn OUT ERR CMD...: runs CMD in the background as the leader of a new
# process group, with stdin from /dev/null, and records it for cleanup.
# Sets SPAWNED_PID.
spawn() {
	local out=$1 err=$2
	shift 2
	setsid "$@" </dev/null >>"$out" 2>>"$err" &
	SPAWNED_PID=$!
	_PIDS+=("$SPAWNED_PID")
}

# stop_pid PID: stops one process this script spawned (and its group).
stop_pid() {
	local pid=$1 p
	local -a rest=()
	for p in "${_PIDS[@]}"; do
		[ "$p" = "$pid" ] || rest+=("$p")
	done
	_PIDS=("${rest[@]}")
	_ours "$pid" || return 0
	_term_group "$pid"
	_reap_group "$pid"
	return 0
}

free_port() {
	"$PYTHON" "$HELPERS" free-port
}

# listening PORT [NETNS]: whether something listens on TCP PORT.
listening() {
	if [ -n "${2:-}" ]; then
		ip netns exec "$2" ss -Hltn "sport = :$1" | grep -q .
	else
		ss -Hltn "sport = :$1" | grep -q .
	fi
}

# start_server [-N NETNS] NAME KIND ARGS...: starts `helpers.py KIND ARGS`
# (the first of ARGS is the port) and waits until it is ready. Sets
# SERVER_PID; its output goes to $T/NAME.out.
start_server() {
	local ns=""
	if [ "$1" = -N ]; then
		ns=$2
		shift 2
	fi
	local name=$1 kind=$2
	shift 2
	rm -f "$T/$name.ready"
	if [ -n "$ns" ]; then
		spawn "$T/$name.out" "$T/$name.out" ip netns exec "$ns" \
			"$PYTHON" "$HELPERS" "$kind" "$@" --ready "$T/$name.ready"
	else
		spawn "$T/$name.out" "$T/$name.out" \
			"$PYTHON" "$HELPERS" "$kind" "$@" --ready "$T/$name.ready"
	fi
	SERVER_PID=$SPAWNED_PID
	if ! wait_for "test -s '$T/$name.ready'" 10; then
		echo "# server $name ($kind $*) did not start:"
		diag <"$T/$name.out"
		return 1
	fi
}

# The wrapper between the supervisor and connectd: records "PID STATUS" for
# every connectd process in the exits file (STATUS >= 128: killed by signal
# STATUS-128), and keeps no copy of the client socket itself.
_write_wrapper() {
	cat >"$T/wrap.sh" <<'EOF'
#!/bin/bash
exits=$1
shift
exec 3<&0 4>&1
"$@" 0<&3 1>&4 3<&- 4>&- &
pid=$!
exec 0</dev/null 1>/dev/null 3<&- 4>&-
wait "$pid"
rc=$?
echo "$pid $rc" >>"$exits"
exit "$rc"
EOF
	chmod 755 "$T/wrap.sh"
}

# Private /etc files for connectd: files put in a directory (hosts,
# nsswitch.conf, resolv.conf) are bind-mounted over /etc in a private
# mount namespace (unshare -m) before the command runs.
_write_etc_wrapper() {
	cat >"$T/etcwrap.sh" <<'EOF'
#!/bin/sh
dir=$1
shift
for f in hosts nsswitch.conf resolv.conf; do
	if [ -f "$dir/$f" ]; then
		mount --bind "$dir/$f" "/etc/$f" || exit 71
	fi
done
exec "$@"
EOF
	chmod 755 "$T/etcwrap.sh"
}

# start_connectd [-n NAME] [-N NETNS] [-e DIR] [-p PORT] [-l HOST] CONF [SUPERVISOR]
#   SUPERVISOR: ssa (systemd-socket-activate --inetd, the default) or
#   tcpserver. -e runs it with the private /etc files in DIR. -N runs
#   it inside network namespace NETNS. -l listens on HOST (127.0.0.1; ::1
#   works with ssa). Every connectd runs under wrap.sh.
# Sets CD_PORT, CD_PID (the supervisor), CD_LOG (connectd's stderr: its
# log lines and the supervisor's), CD_EXITS.
# run_conf CONF: the config to start connectd with. As root connectd
# refuses to relay without a user directive, so for root this prints a
# wrapper config ($T/NAME.run.conf: "user nobody" then "include CONF");
# CONF's own rules keep their file:line. A CONF that does not exist is
# passed as it is, so that its "cannot open" error stays what it was.
run_conf() {
	local conf=$1 run
	if [ "$(id -u)" != 0 ] || [ ! -e "$conf" ]; then
		printf '%s\n' "$conf"
		return
	fi
	run=$T/$(basename "$conf").run.conf
	printf 'user nobody\ninclude %s\n' "$conf" >"$run"
	printf '%s\n' "$run"
}

start_connectd() {
	local name=connectd ns="" etc="" port="" host=127.0.0.1 hostport
	while :; do
		case $1 in
		-n) name=$2; shift 2 ;;
		-N) ns=$2; shift 2 ;;
		-e) etc=$2; shift 2 ;;
		-p) port=$2; shift 2 ;;
		-l) host=$2; shift 2 ;;
		*) break ;;
		esac
	done
	local conf sup=${2:-ssa}
	local -a pre=() cmd=()
	conf=$(run_conf "$1")
	[ -n "$port" ] || port=$(free_port)
	[ -x "$T/wrap.sh" ] || _write_wrapper
	CD_PORT=$port
	case $host in
	*:*) hostport="[$host]:$port" ;;
	*) hostport="$host:$port" ;;
	esac
	CD_LOG=$T/$name.log
	CD_EXITS=$T/$name.exits
	: >>"$CD_LOG"
	: >>"$CD_EXITS"
	[ -n "$ns" ] && pre+=(ip netns exec "$ns")
	if [ -n "$etc" ]; then
		[ -x "$T/etcwrap.sh" ] || _write_etc_wrapper
		pre+=(unshare -m "$T/etcwrap.sh" "$etc")
	fi
	case $sup in
	ssa)
		cmd=(systemd-socket-activate -l "$hostport" -a --inetd
			"$T/wrap.sh" "$CD_EXITS" "$CONNECTD" -c "$conf") ;;
	tcpserver)
		cmd=(tcpserver -H -R -l 0 -c 200 "$host" "$port"
			"$T/wrap.sh" "$CD_EXITS" "$CONNECTD" -c "$conf") ;;
	*)
		echo "# start_connectd: unknown supervisor $sup"
		return 1 ;;
	esac
	spawn /dev/null "$CD_LOG" "${pre[@]}" "${cmd[@]}"
	CD_PID=$SPAWNED_PID
	if ! wait_for "listening $port $ns" 10; then
		echo "# $sup did not start listening on $port:"
		diag <"$CD_LOG"
		return 1
	fi
}

# start_tls_server: a throwaway self-signed certificate for localhost
# ($T/cert.pem) and `openssl s_server -www` on 127.0.0.1:$TLS_PORT.
start_tls_server() {
	TLS_PORT=$(free_port)
	if ! openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost -days 1 \
		-keyout "$T/key.pem" -out "$T/cert.pem" >"$T/req.out" 2>&1; then
		echo "# openssl req failed:"
		diag <"$T/req.out"
		return 1
	fi
	spawn "$T/s_server.out" "$T/s_server.out" openssl s_server -accept "127.0.0.1:$TLS_PORT" \
		-cert "$T/cert.pem" -key "$T/key.pem" -www
	if ! wait_for "listening $TLS_PORT" 10; then
		echo "# openssl s_server did not start:"
		diag <"$T/s_server.out"
		return 1
	fi
}

# need_tls_server: start_tls_server, or the script ends with one failure.
# Sets TLS, the name the scripts give the s_server port.
need_tls_server() {
	if ! start_tls_server; then
		not_ok "start openssl s_server with a throwaway certificate"
		exit 1
	fi
	TLS=$TLS_PORT
}

# xinetd_conf NAME PORT SERVER SERVER_ARGS [LINE...]: prints an xinetd
# config with one UNLISTED tcp service NAME on 127.0.0.1:PORT, run as
# root, that logs PID, HOST, EXIT and DURATION to $T/xinetd.log; each LINE
# ("instances = 2") goes at the end of the service. The scripts that run
# connectd under xinetd differ only in these.
xinetd_conf() {
	local l
	cat <<EOF
defaults
{
}
service $1
{
	type = UNLISTED
	socket_type = stream
	protocol = tcp
	wait = no
	user = root
	bind = 127.0.0.1
	port = $2
	server = $3
	server_args = $4
	log_type = FILE $T/xinetd.log
	log_on_success = PID HOST EXIT DURATION
	log_on_failure = HOST
	cps = 1000 1
EOF
	for l in "${@:5}"; do
		printf '\t%s\n' "$l"
	done
	printf '}\n'
}

# ------------------------------------------------------------------ clients

# raw NAME TOKEN...: runs the scripted raw client against connectd
# (127.0.0.1:$CD_PORT); reply in $T/NAME.out, timings in $T/NAME.info.
# RAW_OPTS (an array) adds options such as --chunk or --timeout.
RAW_OPTS=()
RAW_HOST=127.0.0.1
raw() {
	local name=$1
	shift
	"$PYTHON" "$HELPERS" raw --out "$T/$name.out" --info "$T/$name.info" \
		"${RAW_OPTS[@]}" "$RAW_HOST" "${RAW_PORT:-$CD_PORT}" "$@" 2>>"$T/raw.err"
}

# info NAME KEY: one value from $T/NAME.info.
info() {
	sed -n "s/^$2=//p" "$T/$1.info" 2>/dev/null | head -n 1
}

# ms_between NAME KEY1 KEY2: milliseconds from timestamp KEY1 to KEY2.
ms_between() {
	local a b
	a=$(info "$1" "$2")
	b=$(info "$1" "$3")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "-"
		return
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%d\n", (b - a) * 1000 }'
}

# in_range N LO HI: LO <= N <= HI (integers; "-" is never in range).
in_range() {
	[[ $1 =~ ^-?[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# check_resp NAME ARGS...: helpers.py check-resp on a raw reply; adds each
# problem it reports to the current case.
check_resp() {
	local name=$1 line
	shift
	while IFS= read -r line; do
		problem "$line"
	done < <("$PYTHON" "$HELPERS" check-resp "$T/$name.out" --info "$T/$name.info" "$@" 2>&1)
}

# show NAME: the reply, escaped, for diagnostics.
show() {
	"$PYTHON" -c 'import sys; print(repr(open(sys.argv[1], "rb").read()[:600]))' "$T/$1.out" 2>/dev/null
}

# curl_tls_via PROXY [CURL ARG...]: curl -p -x PROXY to the s_server page
# (https://localhost:$TLS_PORT/, trusted through $T/cert.pem), the TLS
# through a tunnel check many scripts make. Adds a problem to the current
# case when curl fails, CONNECT is not answered 200 or the page is not
# s_server's. Sets CURL_HTTP_CODE (the HTTPS status) and CURL_LOCAL_PORT
# (the client's source port, for case_log). ARGS: --max-time, --proxy-user.
curl_tls_via() {
	local proxy=$1 got rc connect
	shift
	CURL_HTTP_CODE="" CURL_LOCAL_PORT=""
	got=$(curl -sS -p -x "$proxy" --cacert "$T/cert.pem" "$@" -o "$T/curl.body" \
		-w '%{http_code} %{http_connect} %{local_port}' "https://localhost:$TLS_PORT/" 2>"$T/curl.err")
	rc=$?
	read -r CURL_HTTP_CODE connect CURL_LOCAL_PORT <<<"$got"
	[ "$rc" -eq 0 ] || problem "curl exit $rc: $(cat "$T/curl.err")"
	[ "${connect:-}" = 200 ] || problem "CONNECT answered '${connect:-}'"
	grep -q s_server "$T/curl.body" 2>/dev/null ||
		problem "no s_server page came through: $(head -c 300 "$T/curl.body" 2>/dev/null)"
}

# ------------------------------------------------------------------ log lines

LOG_RE='^connectd\[[0-9]+\]: client=[^ ]+ target=[^ ]+ addr=[^ ]+ rule=[^ ]+ status=([0-9]{3}|-) up=[0-9]+ down=[0-9]+ resolve_ms=([0-9]+|-) connect_ms=([0-9]+|-) total_ms=[0-9]+ close=[a-z-]+ route=[^ ]+( balancer=[^ ]+)?( parent_status=[0-9]{3})?( user=[^ ]+ auth=(ok|fail))?( error=[a-z_]+)?( detail="[^"]*")?$'

# log_lines PORT [LOG]: connectd's log lines for the client whose source
# port is PORT, after waiting up to 5 s for the first one.
log_lines() {
	local port=$1 log=${2:-$CD_LOG} re lines narrowed
	re="^connectd\[[0-9]+\]: client=[^ ]+:$port "
	wait_log "$re" 5 "$log" || return 1
	lines=$(grep -E "$re" "$log")
	# A client port the kernel handed out again (a connection the server
	# closed first leaves no TIME_WAIT on the client), or a health check
	# from another address with the same port number: prefer the records
	# written since the case began, then the one from a loopback client.
	if [ "$(printf '%s\n' "$lines" | wc -l)" -gt 1 ] && [ "$log" = "${_CASE_LOG_FILE:-}" ]; then
		narrowed=$(tail -c +"$((${_CASE_LOG_MARK:-0} + 1))" "$log" | grep -E "$re")
		[ -n "$narrowed" ] && lines=$narrowed
	fi
	if [ "$(printf '%s\n' "$lines" | wc -l)" -gt 1 ]; then
		narrowed=$(printf '%s\n' "$lines" | grep -E "client=(127\.0\.0\.1|\[::1\]):$port ")
		[ "$(printf '%s\n' "$narrowed" | grep -c .)" -eq 1 ] && lines=$narrowed
	fi
	printf '%s\n' "$lines"
}

# log_field LINE KEY: the value of KEY=VALUE in a log line ("pid" gives
# the PID in connectd[PID]).
log_field() {
	if [ "$2" = pid ]; then
		printf '%s\n' "$1" | sed -n 's/^connectd\[\([0-9]*\)\].*/\1/p'
	else
		printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
	fi
}

# exit_of PID [EXITS]: the exit status wrap.sh recorded for connectd PID
# (waits up to 5 s); empty when none.
exit_of() {
	local exits=${2:-$CD_EXITS}
	wait_for "grep -q '^$1 ' '$exits'" 5 || return 0
	sed -n "s/^$1 //p" "$exits" | head -n 1
}

# case_log PORT EXPECT...: checks connectd's log record for client source
# port PORT and adds problems to the current case. Each EXPECT is
#   key=value    the field equals value
#   key~regex    the field matches the extended regex
#   !key         the field is absent
#   exit=N       the process exit status (via wrap.sh); exit~REGEX too
# The line must be the only one for that client and match LOG_RE.
# Sets LOG_LINE.
case_log() {
	local port=$1 lines n e key want got pid bad=0 log=${CASE_LOG:-$CD_LOG} exits=${CASE_EXITS:-$CD_EXITS}
	shift
	LOG_LINE=""
	if [ -z "$port" ]; then
		problem "no client port known, cannot find the log line"
		return
	fi
	if ! lines=$(log_lines "$port" "$log"); then
		problem "no log line for client port $port in $log:"
		problem "$(grep -v '^Communication attempt\|^Execing\|^Spawned\|^Connection from\|^Listening\|^Child' "$log" | tail -n 5)"
		return
	fi
	n=$(printf '%s\n' "$lines" | wc -l)
	[ "$n" -eq 1 ] || problem "$n log lines for one connection: $lines"
	LOG_LINE=$(printf '%s\n' "$lines" | head -n 1)
	[[ $LOG_LINE =~ $LOG_RE ]] || { problem "log line does not match the contract's format"; bad=1; }
	for e in "$@"; do
		case $e in
		exit=*)
			want=${e#exit=}
			pid=$(log_field "$LOG_LINE" pid)
			got=$(exit_of "$pid" "$exits")
			[ "$got" = "$want" ] || problem "exit status '$got', want $want (>=128: killed by signal N-128)"
			;;
		exit~*)
			want=${e#exit~}
			pid=$(log_field "$LOG_LINE" pid)
			got=$(exit_of "$pid" "$exits")
			[[ $got =~ $want ]] || problem "exit status '$got', want ~ /$want/ (>=128: killed by signal N-128)"
			;;
		!*)
			key=${e#!}
			[[ " $LOG_LINE" == *" $key="* ]] && { problem "log has $key="; bad=1; }
			;;
		*~*)
			key=${e%%~*}
			want=${e#*~}
			got=$(log_field "$LOG_LINE" "$key")
			[[ $got =~ $want ]] || { problem "log $key=$got, want ~ /$want/"; bad=1; }
			;;
		*=*)
			key=${e%%=*}
			want=${e#*=}
			got=$(log_field "$LOG_LINE" "$key")
			[ "$got" = "$want" ] || { problem "log $key=$got, want $want"; bad=1; }
			;;
		esac
	done
	[ "$bad" -eq 0 ] || problem "log line: $LOG_LINE"
}

# connect_head TARGET [FIELD LINE...]: a CONNECT request head for raw
# (CRLFs as the escapes raw expands).
connect_head() {
	local f s="CONNECT $1 HTTP/1.1\r\nHost: $1\r\n"
	shift
	for f in "$@"; do
		s+="$f\r\n"
	done
	printf '%s' "$s\r\n"
}

# ------------------------------------------------------------------ netns

# make_netns NAME: creates a network namespace with lo up, removed on exit.
# Name it "${NS_PREFIX}something".
make_netns() {
	ip netns add "$1" || return 1
	_NETNS+=("$1")
	ip netns exec "$1" ip link set lo up
}

# veth_pair P Q IF: network namespaces P and Q joined by a veth pair, IFa
# (198.18.0.1/30) in P and IFb (198.18.0.2/30) in Q, both up: the
# two-namespace setup of the scripts that drop a target's packets. Errors
# go to $T/netns.err; returns 1 when a namespace or the link fails.
veth_pair() {
	local p=$1 q=$2 ifc=$3
	if ! make_netns "$p" 2>"$T/netns.err" || ! make_netns "$q" 2>>"$T/netns.err" ||
		! ip link add "${ifc}a" netns "$p" type veth peer name "${ifc}b" netns "$q" 2>>"$T/netns.err"; then
		return 1
	fi
	ip -n "$p" addr add 198.18.0.1/30 dev "${ifc}a"
	ip -n "$q" addr add 198.18.0.2/30 dev "${ifc}b"
	ip -n "$p" link set "${ifc}a" up
	ip -n "$q" link set "${ifc}b" up
	return 0
}

# has_crypt: whether this connectd can check passwords (a build on a libc
# without crypt(3), such as Debian's musl, refuses auth_file).
has_crypt() {
	printf 'auth_file /nonexistent-crypt-probe\n' >"$T/crypt-probe.conf"
	! "$CONNECTD" -t -c "$T/crypt-probe.conf" 2>&1 | grep -q 'built without crypt(3)'
}

need_root() {
	[ "$(id -u)" -eq 0 ]
}

# need_binary: ends the script with one failure when connectd is missing.
need_binary() {
	if [ ! -x "$CONNECTD" ]; then
		not_ok "connectd binary exists at $CONNECTD (run make first)"
		exit 1
	fi
}

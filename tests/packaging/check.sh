#!/bin/bash
# tests/packaging/check.sh: builds connectd's packages and embedded builds
# and checks them, printing TAP-style "ok - ..." / "not ok - ..." lines
# (skips as "ok - # SKIP reason"). Exits 1 when anything failed.
#
#   .deb     make deb (unit tests skipped unless CHECK_DEB_TESTS=1);
#            lintian --fail-on error,warning; blhc --all; hardening-check on
#            the extracted binary; dpkg -i, connectd -t, dpkg -P
#   .rpm     make rpm (--nocheck); rpmlint
#   builds   default and WITH_SYSTEMD=no (warning-free), make static (musl),
#            the arm cross build; stripped sizes
#   install  make install / uninstall into a DESTDIR
#   OpenWrt  the xinetd entry, served by xinetd, answers a CONNECT
#
# As root it installs the Debian packages it needs. Logs: build/packaging-check/.
# Takes about two minutes on an idle 2-CPU machine (four with the deb's
# unit tests).

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
export LC_ALL=C
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
OUT=$TOP/build/packaging-check
rm -rf "$OUT"
mkdir -p "$OUT"
FAILED=0

ok() { echo "ok - $*"; }
# section NAME: a comment with the time spent so far.
section() { echo "# $1 (at ${SECONDS}s)"; }
skip() { echo "ok - # SKIP $*"; }
# not_ok NAME [LOG [LINES]]: a failure, with the end of its log as comments.
not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok - $1"
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n "${3:-25}" "$2" | sed 's/^/#   /'
	return 0
}
# comment FILE: a tool's report, shown as TAP comments.
comment() { sed 's/^/#   /' "$1"; }
# no_warnings LOG: the compiler printed no warning (nor error).
no_warnings() { ! grep -qE '(warning|error):' "$1"; }
size_of() { stat -c %s "$1"; }

# ------------------------------------------------------------------ tools

# command (or file:PATH, or pc:MODULE) and the Debian package that has it
DEPS="
make build-essential
gcc build-essential
dpkg-buildpackage dpkg-dev
dh debhelper
fakeroot fakeroot
lintian lintian
blhc blhc
hardening-check devscripts
mandoc mandoc
musl-gcc musl-tools
rpmbuild rpm
rpmlint rpmlint
arm-linux-gnueabihf-gcc gcc-arm-linux-gnueabihf
qemu-arm qemu-user
systemd-socket-activate systemd
pkg-config pkgconf
file file
python3 python3
file:/usr/include/cmocka.h libcmocka-dev
file:/usr/include/crypt.h libcrypt-dev
pc:libsystemd libsystemd-dev
"
missing_packages() {
	printf '%s\n' "$DEPS" | while read -r what pkg; do
		[ -n "$what" ] || continue
		case $what in
		file:*) [ -e "${what#file:}" ] && continue ;;
		pc:*) pkg-config --exists "${what#pc:}" 2>/dev/null && continue ;;
		*) command -v "$what" >/dev/null 2>&1 && continue ;;
		esac
		echo "$pkg"
	done | sort -u | tr '\n' ' '
}
missing=$(missing_packages)
if [ -n "$missing" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing: $missing(log: $OUT/apt.log)"
	apt-get update >"$OUT/apt.log" 2>&1
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		$missing >>"$OUT/apt.log" 2>&1
	missing=$(missing_packages)
fi
have() { command -v "$1" >/dev/null 2>&1; }
if [ -n "$missing" ]; then
	echo "# missing packages: ${missing% } (run as root to install them); their checks skip"
fi

# ------------------------------------------------------------------- .deb

section deb
# tests/run runs the unit tests already, and under load they are most of
# this script's time: the deb build skips them (nocheck) unless
# CHECK_DEB_TESTS=1, which runs them in dh_auto_test as a real build does.
NOCHECK=nocheck
[ "${CHECK_DEB_TESTS:-0}" = 1 ] && NOCHECK=
DEB=
if ! have dpkg-buildpackage || ! have dh || ! have fakeroot; then
	skip "make deb: dpkg-dev, debhelper or fakeroot missing"
elif DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} $NOCHECK" make deb >"$OUT/deb.log" 2>&1; then
	DEB=$(find build/deb -maxdepth 1 -name "connectd_*.deb" | head -n 1)
	ok "make deb (dpkg-buildpackage -b${NOCHECK:+, DEB_BUILD_OPTIONS=nocheck})"
else
	not_ok "make deb" "$OUT/deb.log" 40
fi

if [ -n "$DEB" ]; then
	if ! have lintian; then
		skip "lintian: not installed"
	elif lintian --fail-on error,warning build/deb/connectd_*.changes >"$OUT/lintian.log" 2>&1; then
		ok "lintian --fail-on error,warning ($(grep -c '^[IWEP]:' "$OUT/lintian.log") tags below warning)"
		comment "$OUT/lintian.log"
	else
		not_ok "lintian --fail-on error,warning" "$OUT/lintian.log"
	fi

	# The unit tests are built with ASan/UBSan and their own flags, and
	# never installed: blhc ignores exactly those compiler lines.
	if ! have blhc; then
		skip "blhc: not installed"
	elif blhc --all --ignore-line '.*-fsanitize=address.*' build/deb/build.log >"$OUT/blhc.log" 2>&1; then
		ok "blhc --all on the build log"
	else
		not_ok "blhc --all on the build log" "$OUT/blhc.log"
	fi

	# hardening-check given a .deb checks nothing: extract it first. Its
	# control-flow check is wrong on bookworm (the crt files lack the CET
	# notes), hence --nocfprotection.
	rm -rf "$OUT/deb-x"
	dpkg-deb -x "$DEB" "$OUT/deb-x"
	if ! have hardening-check; then
		skip "hardening-check: not installed"
	elif hardening-check --nocfprotection "$OUT/deb-x/usr/sbin/connectd" >"$OUT/hardening.log" 2>&1; then
		ok "hardening-check --nocfprotection usr/sbin/connectd"
	else
		not_ok "hardening-check --nocfprotection usr/sbin/connectd" "$OUT/hardening.log"
	fi

	# Install and purge on this machine, unless connectd is installed here
	# already (never purge someone's real install).
	if [ "$(id -u)" -ne 0 ]; then
		skip "dpkg -i / dpkg -P: not root"
	elif dpkg-query -W -f '${Status}' connectd 2>/dev/null | grep -q 'installed'; then
		skip "dpkg -i / dpkg -P: a connectd package is installed here already"
	else
		# The package creates the connectd user (sysusers.d); Debian never
		# removes system users on purge, so this script does, if it made it.
		had_user=
		getent passwd connectd >/dev/null && had_user=1
		{
			dpkg -i "$DEB" &&
			{ ! command -v systemd-sysusers >/dev/null || getent passwd connectd; } &&
			/usr/sbin/connectd -t -c /etc/connectd/connectd.conf >/dev/null &&
			dpkg-query -W -f '${Conffiles}\n' connectd | grep -q ' /etc/connectd/connectd.conf ' &&
			[ -f /lib/systemd/system/connectd.socket ] &&
			[ ! -e /etc/systemd/system/sockets.target.wants/connectd.socket ]
		} >"$OUT/dpkg.log" 2>&1
		installed=$?
		dpkg -P connectd >>"$OUT/dpkg.log" 2>&1
		purged=$?
		if [ -z "$had_user" ] && getent passwd connectd >/dev/null; then
			userdel connectd >>"$OUT/dpkg.log" 2>&1
			getent group connectd >/dev/null && groupdel connectd >>"$OUT/dpkg.log" 2>&1
		fi
		if [ "$installed" -ne 0 ]; then
			not_ok "dpkg -i: installs, config checks, conffile, socket not enabled" "$OUT/dpkg.log"
		else
			ok "dpkg -i: installs, creates the connectd user, connectd -t passes, conffile listed, socket not enabled"
		fi
		if [ "$purged" -eq 0 ] && [ ! -e /etc/connectd ] && [ ! -e /usr/sbin/connectd ]; then
			ok "dpkg -P: removes the binary, the conffile and /etc/connectd"
		else
			not_ok "dpkg -P: removes the binary, the conffile and /etc/connectd" "$OUT/dpkg.log"
		fi
	fi
fi

if ! have mandoc; then
	skip "mandoc -Tlint: not installed"
elif mandoc -Tlint -W warning src/connectd.8 src/connectd.conf.5 >"$OUT/mandoc.log" 2>&1; then
	ok "mandoc -Tlint -W warning on both man pages"
else
	not_ok "mandoc -Tlint -W warning on both man pages" "$OUT/mandoc.log"
fi

# -------------------------------------------------------------------- rpm

section rpm
# --nocheck: tests/run runs the unit tests (and the deb build can).
RPM=
if ! have rpmbuild; then
	skip "make rpm: rpmbuild missing"
elif make rpm RPMBUILD_FLAGS=--nocheck >"$OUT/rpm.log" 2>&1; then
	RPM=$(find build/rpm/RPMS -name 'connectd-*.rpm' | head -n 1)
	ok "make rpm (rpmbuild --nodeps, stand-in systemd macros)"
else
	not_ok "make rpm" "$OUT/rpm.log" 40
fi
if [ -n "$RPM" ]; then
	if ! have rpmlint; then
		skip "rpmlint: not installed"
	else
		rpmlint -c packaging/rpm/rpmlint.toml "$RPM" packaging/rpm/connectd.spec >"$OUT/rpmlint.log" 2>&1
		if grep -q ' 0 errors, 0 warnings' "$OUT/rpmlint.log"; then
			ok "rpmlint (packaging/rpm/rpmlint.toml): 0 errors, 0 warnings"
		else
			not_ok "rpmlint (packaging/rpm/rpmlint.toml)" "$OUT/rpmlint.log"
		fi
	fi
	rpm -qp --scripts "$RPM" >"$OUT/rpm-scripts.txt" 2>&1
	if grep 'systemctl' "$OUT/rpm-scripts.txt" | grep -q 'connectd\.socket' &&
		! grep 'systemctl' "$OUT/rpm-scripts.txt" | grep -q 'connectd@'; then
		ok "rpm scriptlets act on connectd.socket, never the template"
	else
		not_ok "rpm scriptlets act on connectd.socket, never the template"
	fi
fi

# ----------------------------------------------------------------- builds

section builds
SIZES=
# build NAME OUTPUT TARGET-AND-VARS...: one embedded or variant build into
# build/, warning-free, stripped size recorded.
build() {
	local name=$1 bin=$2 strip=strip log
	shift 2
	log=$OUT/build-${name// /-}.log
	case $name in arm*) strip=arm-linux-gnueabihf-strip ;; esac
	rm -f "$bin"
	if make "$@" >"$log" 2>&1 && [ -x "$bin" ] && no_warnings "$log"; then
		"$strip" -o "$bin.stripped" "$bin"
		SIZES="$SIZES $name=$(size_of "$bin.stripped")"
		ok "$name build, warning-free ($(size_of "$bin.stripped") bytes stripped)"
		return 0
	fi
	not_ok "$name build, warning-free" "$log"
	return 1
}

V=build/variants
build "default" $V/default/connectd variant OUT=$V/default/connectd
if build "WITH_SYSTEMD=no" $V/nosystemd/connectd variant OUT=$V/nosystemd/connectd WITH_SYSTEMD=no; then
	# libsystemd is dlopen()ed, not linked: look for its name in the binary.
	if grep -q -a 'libsystemd' $V/nosystemd/connectd; then
		not_ok "WITH_SYSTEMD=no neither links nor loads libsystemd"
	else
		ok "WITH_SYSTEMD=no neither links nor loads libsystemd"
	fi
fi

if ! have musl-gcc; then
	skip "make static: musl-gcc missing"
elif build "static musl" build/static/connectd static; then
	if file build/static/connectd | grep -q 'statically linked'; then
		ok "make static is statically linked"
	else
		not_ok "make static is statically linked"
	fi
fi

# libcrypt is dlopen()ed, so the armhf build links without an armhf
# libcrypt; run it under qemu-arm: its -t, and one tunnel (lock-down off:
# qemu-user cannot apply a guest's seccomp filter).
ARM_OK=
if ! have arm-linux-gnueabihf-gcc; then
	skip "arm cross build: gcc-arm-linux-gnueabihf missing"
elif build "arm" build/arm/connectd cross-arm; then
	ARM_OK=1
fi
[ -n "$SIZES" ] && echo "# stripped sizes in bytes:$SIZES"
if [ -z "$ARM_OK" ] || ! have qemu-arm || ! have systemd-socket-activate; then
	skip "arm binary under qemu-arm: no arm build, qemu-user or systemd-socket-activate"
else
	export QEMU_LD_PREFIX=/usr/arm-linux-gnueabihf
	if qemu-arm build/arm/connectd -t -c packaging/connectd.conf >"$OUT/arm-t.log" 2>&1; then
		ok "arm binary under qemu-arm: -t accepts the shipped config"
	else
		not_ok "arm binary under qemu-arm: -t accepts the shipped config" "$OUT/arm-t.log"
	fi
	# One tunnel through it to tests/e2e/helpers.py's echo server: 1 MiB
	# out and back, compared by SHA-256.
	H=tests/e2e/helpers.py
	EPORT=$(python3 "$H" free-port) PPORT=$(python3 "$H" free-port)
	printf 'allow from 127.0.0.1 to 127.0.0.1 port %s\nlockdown no\nuser nobody\n' "$EPORT" >"$OUT/arm.conf"
	chmod 644 "$OUT/arm.conf"
	python3 "$H" echo "$EPORT" --ready "$OUT/arm-echo.ready" >"$OUT/arm-echo.log" 2>&1 &
	ECHO_PID=$!
	systemd-socket-activate -l "127.0.0.1:$PPORT" -a --inetd \
		qemu-arm -L /usr/arm-linux-gnueabihf build/arm/connectd -c "$OUT/arm.conf" >"$OUT/arm-sa.log" 2>&1 &
	SA_PID=$!
	for _ in $(seq 100); do
		[ -e "$OUT/arm-echo.ready" ] && ss -Hltn "sport = :$PPORT" | grep -q . && break
		sleep 0.1
	done
	if python3 "$H" bigxfer --mib 1 --timeout 60 127.0.0.1 "$PPORT" "127.0.0.1:$EPORT" >"$OUT/arm-tunnel.log" 2>&1 &&
		grep -q 'result=ok' "$OUT/arm-tunnel.log"; then
		ok "arm binary under qemu-arm: one tunnel, 1 MiB echoed, SHA-256 equal"
	else
		not_ok "arm binary under qemu-arm: one tunnel, 1 MiB echoed" "$OUT/arm-tunnel.log"
	fi
	kill "$SA_PID" "$ECHO_PID" 2>/dev/null
	wait "$SA_PID" "$ECHO_PID" 2>/dev/null
fi

# ---------------------------------------------------------------- install

# install and uninstall into a DESTDIR, from an unpacked `make dist` so the
# tree's own objects are left alone.
section install
if make dist >"$OUT/dist.log" 2>&1; then
	ok "make dist"
	D=$OUT/destdir
	rm -rf "$OUT/tree" "$D" && mkdir -p "$OUT/tree"
	tar -C "$OUT/tree" --strip-components=1 -xzf build/connectd-*.tar.gz
	if (
		set -e
		cd "$OUT/tree"
		make -s >/dev/null 2>&1
		make install DESTDIR="$D" PREFIX=/usr/local UNITDIR=/usr/local/lib/systemd/system
		for f in /usr/local/sbin/connectd /usr/local/share/man/man8/connectd.8 \
			/usr/local/share/man/man5/connectd.conf.5 /etc/connectd/connectd.conf; do
			[ -f "$D$f" ] || { echo "missing: $f"; exit 1; }
		done
		for u in units/*.socket units/*.service; do
			[ -f "$u" ] || continue
			[ -f "$D/usr/local/lib/systemd/system/${u##*/}" ] || { echo "missing unit: $u"; exit 1; }
			! grep -q '/usr/sbin/connectd' "$D/usr/local/lib/systemd/system/${u##*/}" ||
				{ echo "unit not rewritten for SBINDIR: $u"; exit 1; }
		done
		for f in units/*.sysusers; do
			[ -f "$f" ] || continue
			b=${f##*/}
			[ -f "$D/usr/lib/sysusers.d/${b%.sysusers}.conf" ] || { echo "missing sysusers: $f"; exit 1; }
		done
		# An admin's config survives install and uninstall.
		echo "# admin" >>"$D/etc/connectd/connectd.conf"
		make install DESTDIR="$D" PREFIX=/usr/local UNITDIR=/usr/local/lib/systemd/system
		grep -q '^# admin' "$D/etc/connectd/connectd.conf" || { echo "config overwritten"; exit 1; }
		make uninstall DESTDIR="$D" PREFIX=/usr/local UNITDIR=/usr/local/lib/systemd/system
		grep -q '^# admin' "$D/etc/connectd/connectd.conf" || { echo "changed config removed"; exit 1; }
		# The shipped config, unchanged, goes with uninstall.
		cp packaging/connectd.conf "$D/etc/connectd/connectd.conf"
		make uninstall DESTDIR="$D" PREFIX=/usr/local UNITDIR=/usr/local/lib/systemd/system
		left=$(find "$D" -type f)
		[ -z "$left" ] || { echo "left after uninstall: $left"; exit 1; }
	) >"$OUT/install.log" 2>&1; then
		ok "make install/uninstall: DESTDIR, PREFIX, UNITDIR, sysusers; admin's config kept"
	else
		not_ok "make install/uninstall" "$OUT/install.log"
	fi
else
	not_ok "make dist" "$OUT/dist.log"
fi

# ---------------------------------------------------------------- OpenWrt

# No OpenWrt SDK here: check the xinetd entry itself, served by Debian's
# xinetd on a spare port with the default dynamic build.
section OpenWrt
if ! have xinetd; then
	skip "OpenWrt xinetd entry: xinetd not installed"
elif [ "$(id -u)" -ne 0 ]; then
	skip "OpenWrt xinetd entry: not root (user = nobody needs root)"
elif [ ! -x $V/default/connectd ]; then
	not_ok "OpenWrt xinetd entry: no connectd built"
else
	X=$OUT/xinetd
	mkdir -p "$X/d"
	chmod 755 "$X" "$X/d"
	cp $V/default/connectd "$X/connectd"
	install -m 644 packaging/connectd.conf "$X/connectd.conf"
	# A port below the ephemeral range that nothing holds (not even in
	# TIME-WAIT, which a busy test machine has thousands of).
	port=$(python3 -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 32000)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
' 2>/dev/null)
	sed -e "s|^\([[:space:]]*port[[:space:]]*=\).*|\1 $port|" \
		-e "s|^\([[:space:]]*server[[:space:]]*=\).*|\1 $X/connectd\n\tserver_args     = -c $X/connectd.conf|" \
		-e "s|^\([[:space:]]*log_type[[:space:]]*=\).*|\1 FILE $X/xinetd.log|" \
		packaging/openwrt/files/connectd.xinetd >"$X/d/connectd"
	printf 'defaults\n{\n}\nincludedir %s/d\n' "$X" >"$X/xinetd.conf"
	xinetd -dontfork -f "$X/xinetd.conf" -pidfile "$X/xinetd.pid" >"$X/stderr" 2>&1 &
	xpid=$!
	# Poll until xinetd listens and connectd answers, for 15 s at most.
	answer=
	deadline=$((SECONDS + 15))
	while [ "$SECONDS" -lt "$deadline" ]; do
		answer=$(printf 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n' |
			timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && cat >&3 && head -n 1 <&3" 2>/dev/null)
		[ -n "$answer" ] && break
		kill -0 "$xpid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$xpid" 2>/dev/null
	wait "$xpid" 2>/dev/null
	case $answer in
	"HTTP/1.1 403"*) ok "OpenWrt xinetd entry: xinetd runs connectd as nobody; CONNECT to loopback gets 403" ;;
	*) not_ok "OpenWrt xinetd entry: expected 403, got '${answer%$'\r'}' (port ${port:-none})" "$X/stderr" ;;
	esac
fi

echo "# packaging: $FAILED failed in ${SECONDS}s; logs in $OUT"
[ "$FAILED" -eq 0 ]

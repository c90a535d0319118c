#!/bin/sh
# Builds connectd and serves it for real on 127.0.0.1:${PORT:-3128} under
# systemd-socket-activate (one connectd process per connection, as under a
# systemd socket unit), with the shipped config. Ctrl-C stops it.
# Run as root on a fresh Debian machine and it installs what it lacks.
set -eu
cd "$(dirname "$0")/.."
port=${PORT:-3128}

need=""
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v make >/dev/null 2>&1 || need="$need make"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
[ -f /usr/include/systemd/sd-journal.h ] || need="$need libsystemd-dev"
command -v systemd-socket-activate >/dev/null 2>&1 || need="$need systemd"
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "try-it: installing:$need"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
	else
		echo "try-it: missing Debian packages:$need (run as root to install them)" >&2
		exit 1
	fi
fi

make -s connectd
./connectd -t -c packaging/connectd.conf >/dev/null
echo "connectd is listening on 127.0.0.1:$port (config: packaging/connectd.conf)."
echo "Try:  curl -p -x http://127.0.0.1:$port https://example.org/"
echo "One log line per connection appears below. Ctrl-C stops it."
exec systemd-socket-activate -l "127.0.0.1:$port" -a --inetd \
	"$PWD/connectd" -c "$PWD/packaging/connectd.conf"

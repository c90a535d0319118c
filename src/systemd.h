/* systemd.h: connectd and systemd. libsystemd is loaded with dlopen()
 * only when a connection comes as a listen fd (LISTEN_FDS): linking it
 * would cost every connection the dynamic loader's work on it and its
 * dependencies, about 860,000 instructions (callgrind), even under xinetd
 * or tcpserver where nothing uses it. Journal records do not load it at
 * all: under a socket unit with StandardError=journal every connection
 * would pay the load (measured: 950,000 instructions, 161 KiB and 1.2 ms
 * of CPU per tunnel) for one datagram, so connectd writes that datagram
 * itself, in the journal's documented native protocol. */
#ifndef CONNECTD_SYSTEMD_H
#define CONNECTD_SYSTEMD_H

#include <sys/uio.h>

/* sd_listen_fds(1) when LISTEN_FDS is set and libsystemd loads; else 0.
 * The fds start at 3. */
int systemd_listen_fds(void);

/* Opens the datagram socket to journald's native socket now (before the
 * relay's lock-down). Returns 0, or -1 if there is no journal to talk to. */
int systemd_journal_open(void);

/* Sends one entry: n fields "NAME=value" (no newline in a value), as one
 * datagram. Returns 0 or -1. */
int systemd_journal_sendv(const struct iovec *iov, int n);

#endif

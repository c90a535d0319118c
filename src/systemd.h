/* systemd.h: the one place connectd touches libsystemd. The library is
 * loaded with dlopen() only when a connection needs it (the connection
 * came as a listen fd, or fd 2 is the journal): linking it would cost
 * every connection the dynamic loader's work on it and its dependencies,
 * about 860,000 instructions measured with callgrind, even under xinetd
 * or tcpserver where nothing uses it. Built without libsystemd, both
 * calls report that nothing is there. */
#ifndef CONNECTD_SYSTEMD_H
#define CONNECTD_SYSTEMD_H

#include <sys/uio.h>

/* sd_listen_fds(1) when LISTEN_FDS is set and libsystemd loads; else 0.
 * The fds start at 3. */
int systemd_listen_fds(void);

/* Loads sd_journal_sendv now (before the relay's lock-down forbids
 * opening files). Returns 0, or -1 if the journal cannot be used. */
int systemd_journal_open(void);

/* sd_journal_sendv(iov, n) once systemd_journal_open succeeded. */
int systemd_journal_sendv(const struct iovec *iov, int n);

#endif

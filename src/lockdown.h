/* lockdown.h: what the process gives up. Before it reads a byte from the
 * client it stops being root; once the tunnel exists it can only move
 * bytes: a seccomp filter makes any other system call fatal, so a relay
 * taken over through some bug can reach nothing new. */
#ifndef CONNECTD_LOCKDOWN_H
#define CONNECTD_LOCKDOWN_H

#include <stddef.h>

/* Becomes user (the config's "user" directive, NULL if none) when running
 * as root: supplementary groups dropped, then the group and the user. As
 * root without a user directive, or with an unknown user, it refuses:
 * connectd does not relay as root unless the config says "user root".
 * Not root: nothing to do. Returns 0, or -1 with a message in err. */
int lockdown_drop_privileges(const char *user, char *err, size_t errlen);

/* Enters the relay's allow-list: reading, writing, select, shutdown,
 * close, exit, the clock, memory without PROT_EXEC, and datagram sends
 * to a local log socket for the final record. Everything else kills the
 * process. Returns 0, or -1 when the kernel or the architecture offers
 * no seccomp filter (the relay then runs without it). */
int lockdown_enter(void);

#endif

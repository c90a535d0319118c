/* conn.h: the process around one connection: what the supervisor handed
 * us, and who the client is. */
#ifndef CONNECTD_CONN_H
#define CONNECTD_CONN_H

#include "addr.h"

/* Prepares the process: a vanished peer must not kill us with SIGPIPE;
 * a connection passed as fd 3 (systemd Accept=yes without
 * StandardInput=socket) moves to fds 0 and 1; every other inherited fd
 * above 2 is closed, so the process holds only the client, its log and
 * later the upstream socket. */
void conn_setup(void);

/* The client's address from getpeername(0). Returns 0, or -1 when fd 0
 * is not an internet socket (pipes under a TLS front end). */
int conn_client(struct addr *a, unsigned *port);

/* The client's address as the supervisor put it in the environment:
 * TCPREMOTEIP/TCPREMOTEPORT (ucspi-tcp, s6-tcpserver, s6-tlsserver),
 * TCP6REMOTEIP/TCP6REMOTEPORT (ucspi-tcp6), REMOTE_ADDR/REMOTE_PORT
 * (systemd), TCPREMOTEADDR/TCPREMOTEPORT (busybox tcpsvd), REMOTE_HOST
 * (xinetd; no port). Only for when the config trusts it. Returns 0 or -1
 * when no variable holds a valid address. */
int conn_client_env(struct addr *a, unsigned *port);

#endif

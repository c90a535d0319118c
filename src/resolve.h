/* resolve.h: the outside world policy asks about: what a name resolves to
 * (one getaddrinfo call), and whether an address is one of this host's
 * own (the kernel's route lookup for that one address, over rtnetlink). */
#ifndef CONNECTD_RESOLVE_H
#define CONNECTD_RESOLVE_H

#include <stddef.h>
#include "addr.h"
#include "policy.h"

/* Looks host up once (getaddrinfo). Returns 0 with up to max addresses
 * in out, or an EAI_* code. */
int resolve_host(const char *host, struct addr *out, size_t max, size_t *n);

/* Whether the own-address check could not be made (the route lookup
 * failed: netlink forbidden by a sandbox, out of descriptors): then
 * "internal" matched that address, failing closed. */
int resolve_local_failed(void);

/* Fills env with the real resolver and local-address check. */
void resolve_env(struct policy_env *env);

/* The HTTP status and RFC 9209 type for a getaddrinfo error: 504
 * dns_timeout for EAI_AGAIN, 502 dns_error otherwise. */
int resolve_error_status(int eai, const char **error_type);

#endif

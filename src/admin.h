/* admin.h: the commands an administrator runs by hand: -t checks a config,
 * --explain shows which rule decides a request. Neither connects anywhere. */
#ifndef CONNECTD_ADMIN_H
#define CONNECTD_ADMIN_H

/* Checks the config and prints it normalised. Returns 0 or 78. */
int admin_check(const char *config_path);

/* Decides "host:port" from the client address `from` (NULL: unknown)
 * and prints every resolved address with the rule that decides it.
 * Returns 0 when the tunnel would be allowed, 1 when not, 64 or 78 on
 * bad arguments or config. */
int admin_explain(const char *config_path, const char *target, const char *from);

#endif

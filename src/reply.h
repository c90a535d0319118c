/* reply.h: what connectd says to the client. The 200 goes out in one
 * write; an error response carries Connection: close, a Content-Length
 * that matches its short body and a Proxy-Status naming the RFC 9209
 * error type, and is followed by a graceful close so that no TCP reset
 * destroys it. */
#ifndef CONNECTD_REPLY_H
#define CONNECTD_REPLY_H

#include <stddef.h>

#define REPLY_MAX 1024

/* Sends "HTTP/1.x 200 Connection established" and the blank line in one
 * write. Returns 0, or -1 with errno set. */
int reply_established(int fd, int minor_version);

/* The reason phrase for a status code. */
const char *reply_reason(int status);

/* The RFC 9209 error type a status stands for when nothing more precise
 * is known (400 http_request_error, 403 http_request_denied, ...). */
const char *reply_default_error_type(int status);

/* Formats a complete error response into buf (pure). extra is a header
 * block ("Name: value\r\n"...) or NULL. keep_open leaves out
 * "Connection: close" (a 407 the client may answer on the same
 * connection). Returns the length, or 0 if buf is too small. */
size_t reply_format_error(char *buf, size_t len, int status, int minor_version,
			  const char *error_type, const char *extra, int keep_open);

/* Sends a 407 with the Basic challenge for realm and keeps the
 * connection open for the client's next try (D6). Returns 0 or -1. */
int reply_challenge(int fd_out, int minor_version, const char *realm);

/* The challenge header for realm: "Proxy-Authenticate: Basic ...\r\n". */
size_t reply_format_challenge(char *buf, size_t len, const char *realm);

/* Sends an error response on fd_out and half-closes it. */
void reply_error(int fd_out, int status, int minor_version,
		 const char *error_type, const char *extra);

/* The second half of a graceful close: reads and discards input until EOF
 * or drain_ms pass, so that unread pipelined bytes do not make our exit
 * send a reset that destroys the answer still on its way. */
void reply_drain(int fd_in, unsigned drain_ms);

/* Passes on a parent's final non-2xx status (R85) without its body: our
 * own short body, and Proxy-Status with received-status (RFC 9209). Then
 * half-closes, like reply_error. */
void reply_parent_status(int fd_out, int status, int minor_version);

/* Half-closes the client's output: shutdown(SHUT_WR) on a socket, close()
 * on a pipe (a TLS front end hands us two pipes). */
void reply_shutdown_output(int fd_out);

#endif

/* log.c: the log record and its three backends. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


#include "log.h"
#include "systemd.h"

enum log_backend { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_JOURNAL };

static enum log_backend backend = LOG_TO_SYSLOG;

/* Whether fd 2 is the journal stream systemd announced: JOURNAL_STREAM
 * holds "device:inode" of it, and only a match proves fd 2 was not
 * redirected since. */
static int stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!env)
		return 0;
	errno = 0;
	dev = strtoull(env, &end, 10);
	if (errno || end == env || *end != ':')
		return 0;
	env = end + 1;
	ino = strtoull(env, &end, 10);
	if (errno || end == env || *end != '\0')
		return 0;
	if (fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static int stderr_is_socket(void)
{
	struct stat st;

	if (fstat(2, &st) < 0)
		return 1; /* closed: stderr is no place to write */
	return S_ISSOCK(st.st_mode);
}

void log_open(void)
{
	if (stderr_is_journal()) {
		/* Without libsystemd the journal still reads plain lines. */
		backend = systemd_journal_open() == 0 ? LOG_TO_JOURNAL : LOG_TO_STDERR;
		return;
	}
	if (!stderr_is_socket()) {
		backend = LOG_TO_STDERR;
		return;
	}
	backend = LOG_TO_SYSLOG;
	/* Connected now and the time zone read now: the record at the end is
	 * written under the relay's lock-down, which opens no files. */
	tzset();
	openlog("connectd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* A bounded string builder: appends never overrun, and the text stays
 * NUL-terminated; a record that does not fit is cut, not lost. */
struct text {
	char *buf;
	size_t len, used;
};

/* The record is built from plain appends, not printf: one record cost
 * 18,000 instructions with a vsnprintf per field (callgrind), a fair
 * share of what a connection costs from exec to exit. */
static void text_put(struct text *t, const char *s)
{
	size_t n = strlen(s), room = t->len - t->used - 1;

	if (n > room)
		n = room;
	memcpy(t->buf + t->used, s, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

static void text_num(struct text *t, unsigned long long v)
{
	char digits[24];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	text_put(t, digits + n);
}

/* " key=" then a number, or "-" when it is unknown (negative). */
static void text_field_num(struct text *t, const char *key, long long v)
{
	text_put(t, key);
	if (v < 0)
		text_put(t, "-");
	else
		text_num(t, (unsigned long long)v);
}

/* " key=" then a string, or "-" when there is none. */
static void text_field(struct text *t, const char *key, const char *v)
{
	text_put(t, key);
	text_put(t, v ? v : "-");
}

/* Appends a value that came from outside (a file name, a message): only
 * printable ASCII survives, so a record is always one parseable line.
 * Spaces become '_' in a key=value field, and stay in a quoted one. */
static void text_add_clean(struct text *t, const char *s, int quoted)
{
	char *out = t->buf + t->used, *end = t->buf + t->len - 1;

	for (; *s && out < end; s++) {
		char c = *s;

		if (c < 0x20 || c > 0x7e || c == '"')
			c = '?';
		else if (c == ' ' && !quoted)
			c = '_';
		*out++ = c;
	}
	*out = '\0';
	t->used = (size_t)(out - t->buf);
}

/* "1.2.3.4:443" or "[2001:db8::1]:443" */
static void text_endpoint(struct text *t, const struct addr *a, unsigned port)
{
	char ip[ADDR_TEXT_MAX];

	addr_format(a, ip, sizeof(ip));
	if (!addr_is_v4(a))
		text_put(t, "[");
	text_put(t, ip);
	text_put(t, addr_is_v4(a) ? ":" : "]:");
	text_num(t, port);
}

size_t log_format(const struct log_record *r, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };

	if (len == 0)
		return 0;
	buf[0] = '\0';
	text_put(&t, "client=");
	if (r->has_client)
		text_endpoint(&t, &r->client, r->client_port);
	else
		text_put(&t, "-");
	text_put(&t, " target=");
	if (!r->host) {
		text_put(&t, "-");
	} else {
		text_put(&t, r->host_is_v6 ? "[" : "");
		text_put(&t, r->host);
		text_put(&t, r->host_is_v6 ? "]:" : ":");
		text_num(&t, r->port);
	}
	text_put(&t, " addr=");
	if (r->has_addr)
		text_endpoint(&t, &r->addr, r->addr_port);
	else
		text_put(&t, "-");
	text_put(&t, " rule=");
	if (r->rule_file) {
		text_add_clean(&t, r->rule_file, 0);
		text_put(&t, ":");
		text_num(&t, r->rule_line);
	} else {
		text_put(&t, "-");
	}
	text_field_num(&t, " status=", r->status ? r->status : -1);
	text_field_num(&t, " up=", (long long)r->up);
	text_field_num(&t, " down=", (long long)r->down);
	text_field_num(&t, " resolve_ms=", r->resolve_ms);
	text_field_num(&t, " connect_ms=", r->connect_ms);
	text_field_num(&t, " total_ms=", r->total_ms);
	text_field(&t, " close=", r->close);
	text_field(&t, " route=", r->route);
	if (r->has_balancer) {
		text_put(&t, " balancer=");
		text_endpoint(&t, &r->balancer, r->balancer_port);
	}
	if (r->parent_status)
		text_field_num(&t, " parent_status=", r->parent_status);
	if (r->auth) {
		/* The name is the client's, so it is cleaned like any
		 * outside text: one record stays one parseable line. */
		text_put(&t, " user=");
		text_add_clean(&t, r->user ? r->user : "-", 0);
		text_field(&t, " auth=", r->auth);
	}
	if (r->error)
		text_field(&t, " error=", r->error);
	if (r->detail) {
		text_put(&t, " detail=\"");
		text_add_clean(&t, r->detail, 1);
		text_put(&t, "\"");
	}
	return t.used;
}

/* A journal entry under construction: one iovec a field, the text in
 * one buffer; fields that do not fit are left out, never cut. */
struct journal_entry {
	struct iovec iov[24];
	int n;
	char text[3072];
	size_t used;
};

static void journal_field(struct journal_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void journal_field(struct journal_entry *e, const char *fmt, ...)
{
	size_t room = sizeof(e->text) - e->used;
	va_list ap;
	int n;

	if (e->n == (int)(sizeof(e->iov) / sizeof(e->iov[0])))
		return;
	va_start(ap, fmt);
	n = vsnprintf(e->text + e->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return;
	e->iov[e->n].iov_base = e->text + e->used;
	e->iov[e->n++].iov_len = (size_t)n;
	e->used += (size_t)n;
}

/* The record as journal fields, so `journalctl CONNECTD_STATUS=403`
 * works without parsing the message. */
static void journal_record(const struct log_record *r, const char *line)
{
	char client[ADDR_TEXT_MAX] = "-", addr[ADDR_TEXT_MAX] = "-";
	struct journal_entry e;

	e.n = 0;
	e.used = 0;
	if (r->has_client)
		addr_format(&r->client, client, sizeof(client));
	if (r->has_addr)
		addr_format(&r->addr, addr, sizeof(addr));
	journal_field(&e, "MESSAGE=%s", line);
	journal_field(&e, "PRIORITY=%d", LOG_INFO);
	journal_field(&e, "SYSLOG_IDENTIFIER=connectd");
	journal_field(&e, "CONNECTD_CLIENT=%s", client);
	journal_field(&e, "CONNECTD_CLIENT_PORT=%u", r->client_port);
	journal_field(&e, "CONNECTD_HOST=%s", r->host ? r->host : "-");
	journal_field(&e, "CONNECTD_PORT=%u", r->port);
	journal_field(&e, "CONNECTD_ADDR=%s", addr);
	journal_field(&e, "CONNECTD_STATUS=%d", r->status);
	journal_field(&e, "CONNECTD_UP=%llu", r->up);
	journal_field(&e, "CONNECTD_DOWN=%llu", r->down);
	journal_field(&e, "CONNECTD_TOTAL_MS=%lld", r->total_ms);
	journal_field(&e, "CONNECTD_CLOSE=%s", r->close ? r->close : "-");
	journal_field(&e, "CONNECTD_ROUTE=%s", r->route ? r->route : "-");
	journal_field(&e, "CONNECTD_PARENT_STATUS=%d", r->parent_status);
	journal_field(&e, "CONNECTD_ERROR=%s", r->error ? r->error : "-");
	journal_field(&e, "CONNECTD_AUTH=%s", r->auth ? r->auth : "-");
	journal_field(&e, "CONNECTD_USER=%s", r->user ? r->user : "-");
	journal_field(&e, "CONNECTD_EXIT=%d", r->exit_code);
	systemd_journal_sendv(e.iov, e.n);
}

/* The record's text; stderr adds "connectd[PID]: " before it and a
 * newline after, in the same buffer. */
#define LOG_LINE_MAX 2048

void log_record(const struct log_record *r)
{
	/* One buffer for every backend: with the record built in a second
	 * one for stderr's prefix, the stack reached a page further, and
	 * each open tunnel keeps every page its stack ever touched. */
	char buf[LOG_LINE_MAX + 64];
	struct text t = { buf, sizeof(buf) - 1, 0 };

	switch (backend) {
	case LOG_TO_STDERR:
		/* One write() per line, so that lines from concurrent
		 * connections sharing one log file never interleave. */
		text_put(&t, "connectd[");
		text_num(&t, (unsigned long long)getpid());
		text_put(&t, "]: ");
		t.used += log_format(r, buf + t.used, LOG_LINE_MAX);
		buf[t.used++] = '\n'; /* the room kept for it */
		if (write(2, buf, t.used) < 0)
			return; /* nowhere left to complain */
		break;
	case LOG_TO_JOURNAL:
		log_format(r, buf, LOG_LINE_MAX);
		journal_record(r, buf);
		break;
	case LOG_TO_SYSLOG:
		log_format(r, buf, LOG_LINE_MAX);
		syslog(LOG_INFO, "%s", buf);
		break;
	}
}

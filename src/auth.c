/* auth.c: Basic credentials (RFC 7617) checked against an htpasswd file of
 * crypt(3) hashes.
 *
 * The decoder walks the header value with explicit lengths and decodes
 * base64 into a fixed stack buffer that is wiped before it goes out of
 * scope. Only hashes libxcrypt verifies with a modern scheme are loaded;
 * anything else is a load error that says how to make a supported hash,
 * so a weak or unverifiable entry never sits silently in the file. */
/* Four kinds of crypt (the Makefile probes which): libxcrypt's crypt_r
 * and crypt_checksalt, loaded on demand; another <crypt.h> with crypt_r
 * (upstream musl's libc, an older glibc's libcrypt), linked; crypt()
 * alone in libc; or no crypt at all (Debian's musl), where auth_file is
 * refused at load. */
#if defined(CONNECTD_CRYPT_xcrypt)
#include <crypt.h>
#include <dlfcn.h>
#define HAVE_CRYPT 1
#ifndef CRYPT_SONAME
#define CRYPT_SONAME "libcrypt.so.1"
#endif
#elif defined(CONNECTD_CRYPT_crypt_r)
#include <crypt.h>
#define HAVE_CRYPT 1
#elif defined(CONNECTD_CRYPT_libc)
#include <unistd.h>
#define HAVE_CRYPT 1
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "file.h"

#define AUTH_FILE_MAX (1024 * 1024)  /* far more than any real htpasswd */

#if defined(CONNECTD_CRYPT_xcrypt)
/* libxcrypt is loaded when an auth_file is, not linked: linking it cost
 * every connection 36,000 instructions of dynamic-loader work
 * (callgrind, 197,279 -> 161,397 without it), one more library mapped
 * and its relocated pages, and most configurations have no auth_file. */
static struct {
	char *(*crypt_r)(const char *, const char *, struct crypt_data *);
	int (*checksalt)(const char *);
	char error[256];    /* why it could not be loaded */
	int tried;
} xcrypt;

/* Returns 0 once crypt_r and crypt_checksalt are at hand, else -1 with
 * xcrypt.error set. */
static int xcrypt_load(void)
{
	void *lib;

	if (!xcrypt.tried) {
		xcrypt.tried = 1;
		if ((lib = dlopen(CRYPT_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
			/* Copied: dlerror's text lasts until the next dl call. */
			snprintf(xcrypt.error, sizeof(xcrypt.error), "%s",
				 dlerror());
			return -1;
		}
		xcrypt.crypt_r = (char *(*)(const char *, const char *,
		    struct crypt_data *))dlsym(lib, "crypt_r");
		xcrypt.checksalt = (int (*)(const char *))dlsym(lib,
		    "crypt_checksalt");
		if (xcrypt.crypt_r == NULL || xcrypt.checksalt == NULL) {
			xcrypt.crypt_r = NULL;
			snprintf(xcrypt.error, sizeof(xcrypt.error),
				 "no crypt_r or crypt_checksalt in it");
		}
	}
	return xcrypt.crypt_r != NULL ? 0 : -1;
}

static char *crypt_call(const char *password, const char *setting,
			struct crypt_data *cd)
{
	return xcrypt_load() == 0 ? xcrypt.crypt_r(password, setting, cd) : NULL;
}
#elif defined(CONNECTD_CRYPT_crypt_r)
static char *crypt_call(const char *password, const char *setting,
			struct crypt_data *cd)
{
	return crypt_r(password, setting, cd);
}
#endif

/* The longest decoded credentials: user, colon, password. The buffer is
 * rounded up to whole base64 quanta so a token of TOKEN68_MAX fits. */
#define DECODED_MAX (AUTH_USER_MAX + 1 + AUTH_PASSWORD_MAX)
#define DECODE_BUF_SIZE ((DECODED_MAX + 2) / 3 * 3)
#define TOKEN68_MAX (DECODE_BUF_SIZE / 3 * 4)

/* Used for an unknown user when the file has no entry to borrow a setting
 * from: libxcrypt's default bcrypt cost. */
#define DUMMY_SETTING "$2b$05$CCCCCCCCCCCCCCCCCCCCC."

#define STR_(x) #x
#define STR(x) STR_(x)

/* yescrypt exists only in libxcrypt: a build on another crypt (musl's,
 * OpenWrt) refuses its hashes at load instead of failing every login. */
#if defined(CONNECTD_CRYPT_xcrypt)
#define HOW_TO_FIX "; connectd verifies bcrypt, yescrypt, sha512crypt and " \
	"sha256crypt: make one with `htpasswd -B` or `mkpasswd -m yescrypt`"
#else
#define HOW_TO_FIX "; this connectd verifies bcrypt, sha512crypt and " \
	"sha256crypt: make one with `htpasswd -B`"
#endif
#define UNSUPPORTED(what) "unsupported password hash (" what ")" HOW_TO_FIX

/* A scheme connectd verifies. The hash ends in a '$' and then exactly
 * tail_len characters of the crypt alphabet (bcrypt: salt and checksum).
 * setting_len, when not 0, is the exact offset of that last '$'. */
struct hash_scheme {
	const char *prefix;
	const char *name;
	size_t setting_len;
	size_t tail_len;
	const char *malformed;
};

#define MALFORMED(name) "malformed " name " hash (truncated, or a stray " \
	"character such as a space)" HOW_TO_FIX

static const struct hash_scheme scheme_table[] = {
	{ "$2b$", "bcrypt", 6, 53, MALFORMED("bcrypt") },
	{ "$2y$", "bcrypt", 6, 53, MALFORMED("bcrypt") },
	{ "$2a$", "bcrypt", 6, 53, MALFORMED("bcrypt") },
#if defined(CONNECTD_CRYPT_xcrypt)
	{ "$y$", "yescrypt", 0, 43, MALFORMED("yescrypt") },
#endif
	{ "$6$", "sha512crypt", 0, 86, MALFORMED("sha512crypt") },
	{ "$5$", "sha256crypt", 0, 43, MALFORMED("sha256crypt") },
};

/* Schemes recognised only to name them in the error; first match wins. */
static const struct {
	const char *prefix;
	const char *why;
} legacy_table[] = {
	{ "$apr1$", UNSUPPORTED("apr1/MD5") },
	{ "$1$", UNSUPPORTED("MD5") },
	{ "{SHA}", UNSUPPORTED("SHA1") },
	{ "$2x$", UNSUPPORTED("bcrypt $2x$, the buggy variant") },
	{ "$y$", UNSUPPORTED("yescrypt, which only libxcrypt verifies, and this "
	    "build's crypt is not libxcrypt") },
	{ "$", UNSUPPORTED("an unknown $id$ scheme") },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char warn_text[AUTH_ERROR_MAX];

/* RFC 5234 CTL: what RFC 7617 forbids in user-id and password. */
static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Returns 1 when any of the n bytes at s is a CTL (NUL included). */
static int has_ctl(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_ctl(s[i]))
			return 1;
	return 0;
}

/* The alphabet of crypt(3) output: ./0-9A-Za-z. */
static int is_crypt64(unsigned char c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* tchar of RFC 9110 5.6.2, which auth-scheme is made of. */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Compares s (n bytes) with the lower-case literal lit, ignoring ASCII case. */
static int name_is(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (n != strlen(lit))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

/* The 6-bit value of a base64 character (RFC 4648 section 4), or -1 for
 * anything else, '=' and the base64url characters '-' and '_' included. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes src (n bytes, a non-zero multiple of 4, '=' padding only as
 * the last one or two bytes) into dst, which holds n / 4 * 3 bytes.
 * Padding bits must be zero so each credential has one encoding
 * (RFC 4648 3.5). Returns 0 and sets *outlen, or -1. */
static int b64_decode(const char *src, size_t n, unsigned char *dst,
		      size_t *outlen)
{
	unsigned long quad = 0;
	size_t i, pad = 0;
	int v;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (src[n - 1] == '=')
		pad = src[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i++) {
		v = i < n - pad ? b64_value((unsigned char)src[i]) : 0;
		if (v < 0)
			return -1;
		quad = quad << 6 | (unsigned long)v;
		if (i % 4 != 3)
			continue;
		dst[i / 4 * 3] = (unsigned char)(quad >> 16);
		dst[i / 4 * 3 + 1] = (unsigned char)(quad >> 8);
		dst[i / 4 * 3 + 2] = (unsigned char)quad;
		quad = 0;
	}
	if (dst[n / 4 * 3 - 1] != 0 && pad > 0)
		return -1;
	if (pad == 2 && dst[n / 4 * 3 - 2] != 0)
		return -1;
	*outlen = n / 4 * 3 - pad;
	return 0;
}

/* Splits decoded bytes at the first colon into out. Returns AUTH_DECODED,
 * or AUTH_MALFORMED (no colon, empty user, a CTL, a part too long), in
 * which case out is left untouched. */
static enum auth_decode credentials_split(const unsigned char *buf, size_t n,
					  struct credentials *out)
{
	const unsigned char *colon = memchr(buf, ':', n);
	size_t ulen, plen;

	if (colon == NULL || has_ctl(buf, n))
		return AUTH_MALFORMED;
	ulen = (size_t)(colon - buf);
	plen = n - ulen - 1;
	if (ulen == 0 || ulen > AUTH_USER_MAX || plen > AUTH_PASSWORD_MAX)
		return AUTH_MALFORMED;
	memcpy(out->user, buf, ulen);
	out->user[ulen] = '\0';
	out->user_len = ulen;
	memcpy(out->password, colon + 1, plen);
	out->password[plen] = '\0';
	out->password_len = plen;
	return AUTH_DECODED;
}

enum auth_decode auth_basic_decode(const char *value, size_t len,
				   struct credentials *out)
{
	unsigned char buf[DECODE_BUF_SIZE];
	enum auth_decode rc = AUTH_MALFORMED;
	size_t scheme_len, i, n;

	/* Zeroed first, so a failed decode leaves nothing half-filled. */
	auth_wipe(out);
	for (scheme_len = 0; scheme_len < len && value[scheme_len] != ' '; scheme_len++)
		;
	if (scheme_len == 0)
		return AUTH_MALFORMED;
	if (!name_is(value, scheme_len, "basic")) {
		for (i = 0; i < scheme_len; i++)
			if (!is_tchar((unsigned char)value[i]))
				return AUTH_MALFORMED;
		return AUTH_NOT_BASIC;
	}
	for (i = scheme_len; i < len && value[i] == ' '; i++)
		;
	/* No space, or nothing after it: "Basic" alone is not credentials. */
	if (i == scheme_len || i == len || len - i > TOKEN68_MAX)
		return AUTH_MALFORMED;
	if (b64_decode(value + i, len - i, buf, &n) == 0)
		rc = credentials_split(buf, n, out);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* The table row whose prefix hash starts with, or NULL. */
static const struct hash_scheme *scheme_find(const char *hash)
{
	size_t i;

	for (i = 0; i < NELEM(scheme_table); i++)
		if (strncmp(hash, scheme_table[i].prefix,
			    strlen(scheme_table[i].prefix)) == 0)
			return &scheme_table[i];
	return NULL;
}

/* Checks the shape crypt(3) output of scheme s has, so that a truncated
 * or padded hash, which could never match, fails at load time instead of
 * at every login. libxcrypt's crypt_checksalt vets the setting's
 * characters; it is not strict about lengths, hence the checks here. */
static int hash_well_formed(const char *hash, const struct hash_scheme *s)
{
	const char *last = strrchr(hash, '$');
	size_t i;

	if (last == NULL || (size_t)(last - hash) < strlen(s->prefix) ||
	    strlen(last + 1) != s->tail_len)
		return 0;
	for (i = 1; i <= s->tail_len; i++)
		if (!is_crypt64((unsigned char)last[i]))
			return 0;
	/* bcrypt: "$2b$" two cost digits "$", nothing else before the tail. */
	if (s->setting_len != 0 && ((size_t)(last - hash) != s->setting_len ||
	    hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9'))
		return 0;
#if defined(CONNECTD_CRYPT_xcrypt)
	/* LEGACY is libxcrypt's word for "verifies, but not for new
	 * passwords": it says so of sha256crypt. */
	if (xcrypt_load() == -1)
		return 0;
	switch (xcrypt.checksalt(hash)) {
	case CRYPT_SALT_OK:
	case CRYPT_SALT_METHOD_LEGACY:
		break;
	default:
		return 0;
	}
#endif
	return 1;
}

const char *auth_hash_scheme(const char *hash)
{
	const struct hash_scheme *s = scheme_find(hash);

	return s != NULL && hash_well_formed(hash, s) ? s->name : NULL;
}

/* Why hash cannot be used, naming the scheme it seems to be, or NULL when
 * it can. A 13-character crypt64 string is taken as traditional DES. */
static const char *hash_problem(const char *hash)
{
	const struct hash_scheme *s = scheme_find(hash);
	size_t i, len = strlen(hash);

	if (s != NULL)
		return hash_well_formed(hash, s) ? NULL : s->malformed;
	if (len == 0)
		return "empty password hash" HOW_TO_FIX;
	for (i = 0; i < NELEM(legacy_table); i++)
		if (strncmp(hash, legacy_table[i].prefix,
			    strlen(legacy_table[i].prefix)) == 0)
			return legacy_table[i].why;
	for (i = 0; i < len && is_crypt64((unsigned char)hash[i]); i++)
		;
	if (len == 13 && i == len)
		return UNSUPPORTED("DES");
	return UNSUPPORTED("plaintext?");
}

/* Why a user name from the file cannot be used, or NULL. Colons cannot
 * occur: the line was split at the first. */
static const char *user_problem(const char *user, size_t len)
{
	if (len == 0)
		return "empty user name";
	if (len > AUTH_USER_MAX)
		return "user name longer than " STR(AUTH_USER_MAX) " bytes";
	if (has_ctl((const unsigned char *)user, len))
		return "user name contains a control character";
	return NULL;
}

/* Returns 1 for a line with nothing but spaces and tabs, or whose first
 * other byte is '#'. */
static int line_is_skipped(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i == len || line[i] == '#';
}

int auth_line_parse(char *line, size_t len, char **user, char **hash,
		    const char **why)
{
	char *colon;

	*user = *hash = NULL;
	*why = NULL;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len) != NULL) {
		*why = "NUL byte in line";
		return -1;
	}
	line[len] = '\0';
	if (line_is_skipped(line, len))
		return 1;
	if ((colon = memchr(line, ':', len)) == NULL) {
		*why = "expected user:hash";
		return -1;
	}
	*colon = '\0';
	if ((*why = user_problem(line, (size_t)(colon - line))) != NULL ||
	    (*why = hash_problem(colon + 1)) != NULL)
		return -1;
	*user = line;
	*hash = colon + 1;
	return 0;
}

/* Appends a copy of user and hash to af, growing the array by doubling.
 * Returns 0, or -1 when out of memory. */
static int entry_add(struct auth_file *af, size_t *cap, const char *user,
		     const char *hash, unsigned line)
{
	struct auth_entry *e;

	if (af->nentries == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if ((e = realloc(af->entries, ncap * sizeof(*e))) == NULL)
			return -1;
		af->entries = e;
		*cap = ncap;
	}
	e = &af->entries[af->nentries];
	e->line = line;
	e->user = strdup(user);
	e->hash = strdup(hash);
	af->nentries++;
	return e->user != NULL && e->hash != NULL ? 0 : -1;
}

/* Parses every line of text (len bytes, text[len] writable) into af.
 * Returns 0, or -1 with "path:line: message" in err. */
static int lines_parse(struct auth_file *af, const char *path, char *text,
		       size_t len, char *err, size_t errlen)
{
	char *p = text, *end = text + len, *nl, *user, *hash;
	const char *why;
	size_t cap = 0;
	unsigned line = 0;
	int rc;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		rc = auth_line_parse(p, (size_t)(nl - p), &user, &hash, &why);
		if (rc == -1) {
			snprintf(err, errlen, "%s:%u: %s", path, line, why);
			return -1;
		}
		if (rc == 0 && entry_add(af, &cap, user, hash, line) == -1) {
			snprintf(err, errlen, "%s:%u: %s", path, line, strerror(ENOMEM));
			return -1;
		}
		p = nl + 1;
	}
	return 0;
}

/* qsort order for duplicate detection: by user, then by line. */
static int entry_cmp(const void *a, const void *b)
{
	const struct auth_entry *x = *(const struct auth_entry *const *)a;
	const struct auth_entry *y = *(const struct auth_entry *const *)b;
	int c = strcmp(x->user, y->user);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Rejects a user listed twice: which line wins would be a guess. Sorting
 * keeps this O(n log n) for the large files AUTH_FILE_MAX allows. The
 * error is the earliest repeated line, naming the line it repeats.
 * Returns 0, or -1 with the message in err. */
static int duplicates_check(const struct auth_file *af, const char *path,
			    char *err, size_t errlen)
{
	const struct auth_entry **v, *first = NULL, *again = NULL;
	size_t i;

	if (af->nentries < 2)
		return 0;
	if ((v = calloc(af->nentries, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	for (i = 0; i < af->nentries; i++)
		v[i] = &af->entries[i];
	qsort(v, af->nentries, sizeof(*v), entry_cmp);
	for (i = 1; i < af->nentries; i++)
		if (strcmp(v[i - 1]->user, v[i]->user) == 0 &&
		    (again == NULL || v[i]->line < again->line)) {
			first = v[i - 1];
			again = v[i];
		}
	free(v);
	if (again == NULL)
		return 0;
	snprintf(err, errlen, "%s:%u: duplicate user '%s' (first on line %u)",
		 path, again->line, again->user, first->line);
	return -1;
}

/* Points *warn at a message when "other" has any access to the file: it
 * holds password hashes, which can be cracked offline. */
static void mode_check(const char *path, mode_t mode, const char **warn)
{
	if ((mode & 007) == 0)
		return;
	snprintf(warn_text, sizeof(warn_text),
		 "accessible to other users (mode %04o): chmod o-rwx %s",
		 (unsigned)(mode & 07777), path);
	*warn = warn_text;
}

int auth_file_load(const char *path, struct auth_file *af, char *err,
		   size_t errlen, const char **warn)
{
	const char *ignored;
	char *text;
	size_t len;
	mode_t mode;
	int rc;

	memset(af, 0, sizeof(*af));
	if (warn == NULL)
		warn = &ignored;
	*warn = NULL;
#ifndef HAVE_CRYPT
	(void)text;
	(void)len;
	(void)mode;
	(void)rc;
	snprintf(err, errlen, "%s: this connectd was built without crypt(3) "
		 "(its libc has none): authentication is not available", path);
	return -1;
#elif defined(CONNECTD_CRYPT_xcrypt)
	if (xcrypt_load() == -1) {
		snprintf(err, errlen, "%s: cannot load %s to check passwords: %s",
			 path, CRYPT_SONAME, xcrypt.error);
		return -1;
	}
#endif
	if ((rc = file_read(path, AUTH_FILE_MAX, &text, &len, &mode)) != 0) {
		snprintf(err, errlen, "%s: cannot %s: %s", path,
			 rc == -1 ? "open" : "read", strerror(errno));
		return -1;
	}
	mode_check(path, mode, warn);
	rc = lines_parse(af, path, text, len, err, errlen);
	/* The text holds every hash; wipe it like the entries. */
	explicit_bzero(text, len + 1);
	free(text);
	if (rc == 0 && af->nentries == 0) {
		snprintf(err, errlen, "%s: no user:hash lines: every login "
			 "would fail", path);
		rc = -1;
	}
	if (rc == 0)
		rc = duplicates_check(af, path, err, errlen);
	if (rc == 0 && (af->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		rc = -1;
	}
	if (rc != 0)
		auth_file_free(af);
	return rc;
}

/* The entry for user (len bytes, compared exactly), or NULL. Every entry
 * is looked at so the scan takes as long wherever the user is. */
static const struct auth_entry *entry_find(const struct auth_file *af,
					   const char *user, size_t len)
{
	const struct auth_entry *found = NULL;
	size_t i;

	for (i = 0; af != NULL && i < af->nentries; i++)
		if (found == NULL && strlen(af->entries[i].user) == len &&
		    memcmp(af->entries[i].user, user, len) == 0)
			found = &af->entries[i];
	return found;
}

#ifdef HAVE_CRYPT
/* Compares two NUL-terminated hashes in time that depends only on their
 * lengths, which are public (fixed by scheme and cost). Returns 1 if equal. */
static int hash_equal(const char *a, const char *b)
{
	size_t i, len = strlen(a);
	unsigned char diff = 0;

	if (strlen(b) != len)
		return 0;
	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
#endif

/* Returns 1 when c holds what auth_basic_decode produces: lengths within
 * bounds that match the terminated strings. */
static int credentials_sane(const struct credentials *c)
{
	return c->user_len <= AUTH_USER_MAX &&
	       c->password_len <= AUTH_PASSWORD_MAX &&
	       strnlen(c->user, AUTH_USER_MAX + 1) == c->user_len &&
	       strnlen(c->password, AUTH_PASSWORD_MAX + 1) == c->password_len;
}

/* crypt(3) of password with setting, compared with expected in constant
 * time; the work and any copy of the result are wiped. Returns 1 on a
 * match. */
static int hash_check(const char *password, const char *setting)
{
	int ok = 0;
#if defined(CONNECTD_CRYPT_xcrypt) || defined(CONNECTD_CRYPT_crypt_r)
	struct crypt_data *cd;
	const char *out;

	/* About 32 KiB, and it ends up holding password-derived state. */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_call(password, setting, cd);
	if (out != NULL && out[0] != '*')
		ok = hash_equal(out, setting);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
#elif defined(CONNECTD_CRYPT_libc)
	char *out = crypt(password, setting); /* one thread: its buffer is ours */

	if (out != NULL && out[0] != '*')
		ok = hash_equal(out, setting);
	if (out != NULL)
		explicit_bzero(out, strlen(out));
#else
	(void)password;
	(void)setting;
#endif
	return ok;
}

int auth_verify(const struct auth_file *af, const struct credentials *c)
{
	const struct auth_entry *e;
	const char *setting;

	if (!credentials_sane(c))
		return 0;
	e = entry_find(af, c->user, c->user_len);
	/* An unknown user is hashed with the first entry's setting: the same
	 * scheme and cost, so the time taken does not tell whether the user
	 * exists (as long as the file uses one scheme and cost throughout). */
	if (e != NULL)
		setting = e->hash;
	else if (af != NULL && af->nentries > 0)
		setting = af->entries[0].hash;
	else
		setting = DUMMY_SETTING;
	return hash_check(c->password, setting) & (e != NULL);
}

void auth_wipe(struct credentials *c)
{
	explicit_bzero(c, sizeof(*c));
}

void auth_file_free(struct auth_file *af)
{
	size_t i;

	for (i = 0; i < af->nentries; i++) {
		free(af->entries[i].user);
		if (af->entries[i].hash != NULL)
			explicit_bzero(af->entries[i].hash,
				       strlen(af->entries[i].hash));
		free(af->entries[i].hash);
	}
	free(af->entries);
	free(af->path);
	memset(af, 0, sizeof(*af));
}

size_t auth_basic_encode(const char *user_pass, size_t n, char *out,
			 size_t outlen)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = (const unsigned char *)user_pass;
	size_t i, o = 0, need = (n + 2) / 3 * 4;

	if (outlen <= need)
		return 0;
	for (i = 0; i < n; i += 3) {
		/* Three bytes (zero-padded) make four characters; '=' marks
		 * the padding. */
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* test_auth.c: table-driven tests of auth.c (cmocka): Basic decoding,
 * hash schemes, htpasswd lines and files, and verification against hashes
 * made at test time with libxcrypt. Also prints how long one auth_verify
 * takes per scheme at libxcrypt's default cost, for the documentation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define IN(s) s, sizeof(s) - 1

/* The tail every "unsupported" and "malformed" message ends with. */
#define HOW_TO_FIX "; connectd verifies bcrypt, yescrypt, sha512crypt and " \
	"sha256crypt: make one with `htpasswd -B` or `mkpasswd -m yescrypt`"

/* Hashes of "secret" made once with libxcrypt for the table rows. */
#define H_2B "$2b$05$9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTOa"
#define H_2Y "$2y$05$3wxI9jfEW4OJzJLLSIAyeeyxwkgO81nf0spd4ZR0S2FFc1pK28Y1G"
#define H_Y "$y$j9T$5k8VZaNHJSNIam09C0oVW1$8objYvkW4khc.BZIwsAgm.KzcDVJC3bE6KRzXKXCDQ1"
#define H_6 "$6$rGXxUOs1VHEcgV5b$isfqiCwQBmRNzrKxezQuowNGQ118X.qZYdslv3IVm9vkLlCA8g07Qgi8XuMS/rYduNhHsgtNUsDVXy5G4Rl7t/"
#define H_6R "$6$rounds=1000$abcdefgh$nhYjN017qxiYztzyUpZtPnUQcnLy62KsunSLHNeLahp2EHPlAKmFFlrjEwSXGo2kgY5hR2.peKEg2VGUqIJJu1"
#define H_5 "$5$v5nquxBHczb86jA6$ZwxvkVOlk4aVbpBz8gpgNP.hlTGELZ5q0QeladUg507"
/* Legacy hashes of "secret": openssl passwd -apr1 / -1, {SHA}, crypt DES. */
#define H_APR1 "$apr1$r31xYz12$zEndfgw7enpgNiJVKTtq50"
#define H_MD5 "$1$abc$iCQ2D3nhptRYi27fDYv2s1"
#define H_SHA "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
#define H_DES "abNANd1rDfiNc"

/* ---- helpers ----------------------------------------------------------- */

/* Standard base64 of n bytes at src into dst (room for 4 * ((n + 2) / 3)
 * + 1 bytes), NUL-terminated. Test-only: the rows use literals. */
static void b64_encode(const unsigned char *src, size_t n, char *dst)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i, k;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)src[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)src[i + 1] << 8;
		if (i + 2 < n)
			v |= src[i + 2];
		for (k = 0; k < 4; k++)
			*dst++ = k <= n - i ? abc[(v >> (18 - 6 * k)) & 63] : '=';
	}
	*dst = '\0';
}

/* Writes len bytes to a new temp file with mode; returns its path in
 * path (PATH_MAX-ish buffer). Fails the test on any error. */
static void tmp_write(char *path, size_t size, const char *text, size_t len,
		      mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/test_auth.XXXXXX", dir ? dir : "/tmp");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Fills c as auth_basic_decode would. */
static void creds_set(struct credentials *c, const char *user,
		      const char *password)
{
	memset(c, 0, sizeof(*c));
	c->user_len = strlen(user);
	c->password_len = strlen(password);
	assert_true(c->user_len <= AUTH_USER_MAX);
	assert_true(c->password_len <= AUTH_PASSWORD_MAX);
	memcpy(c->user, user, c->user_len);
	memcpy(c->password, password, c->password_len);
}

/* Returns 1 when all n bytes at p are zero. */
static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* ---- auth_basic_decode: the table -------------------------------------- */

static const struct {
	const char *name;
	const char *in;
	size_t len;
	enum auth_decode rc;
	const char *user;       /* checked when rc is AUTH_DECODED */
	const char *password;
} decode_rows[] = {
	{ "Basic", IN("Basic dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "BASIC", IN("BASIC dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "basic", IN("basic dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "bAsIc", IN("bAsIc dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "two spaces", IN("Basic  dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "five spaces", IN("Basic     dXNlcjpwYXNz"), AUTH_DECODED, "user", "pass" },
	{ "colons in password", IN("Basic dXNlcjpwYTpzcw=="), AUTH_DECODED,
	  "user", "pa:ss" },
	{ "trailing colon in password", IN("Basic dTphOg=="), AUTH_DECODED,
	  "u", "a:" },
	{ "UTF-8 password", IN("Basic dXNlcjpww6Rzc3fDtnJk"), AUTH_DECODED,
	  "user", "p\xc3\xa4ssw\xc3\xb6rd" },
	{ "UTF-8 user", IN("Basic asO8cmdlbjp4"), AUTH_DECODED,
	  "j\xc3\xbcrgen", "x" },
	{ "empty password", IN("Basic dXNlcjo="), AUTH_DECODED, "user", "" },
	{ "+ and /", IN("Basic dXNlcjo+Pj4/Pz8="), AUTH_DECODED,
	  "user", ">>>???" },
	{ "no colon", IN("Basic dXNlcg=="), AUTH_MALFORMED, NULL, NULL },
	{ "empty user", IN("Basic OnBhc3M="), AUTH_MALFORMED, NULL, NULL },
	{ "only colons", IN("Basic Ojo="), AUTH_MALFORMED, NULL, NULL },
	{ "NUL in password", IN("Basic dXNlcjpwYQBzcw=="), AUTH_MALFORMED, NULL, NULL },
	{ "NUL in user", IN("Basic dXMAZXI6cGFzcw=="), AUTH_MALFORMED, NULL, NULL },
	{ "TAB in user", IN("Basic dXMJZXI6cGFzcw=="), AUTH_MALFORMED, NULL, NULL },
	{ "DEL in password", IN("Basic dXNlcjpwYX9zcw=="), AUTH_MALFORMED, NULL, NULL },
	{ "CRLF in password", IN("Basic dXNlcjpwYXNzDQo="), AUTH_MALFORMED, NULL, NULL },
	{ "bad base64 char", IN("Basic dXNlcj!wYXNz"), AUTH_MALFORMED, NULL, NULL },
	{ "base64url alphabet", IN("Basic dXNlcjo-Pj4_Pz8="), AUTH_MALFORMED, NULL, NULL },
	{ "missing padding", IN("Basic dXNlcjo"), AUTH_MALFORMED, NULL, NULL },
	{ "missing both pads", IN("Basic dXNlcg"), AUTH_MALFORMED, NULL, NULL },
	{ "padding in the middle", IN("Basic dXNl=jpwYXNz"), AUTH_MALFORMED, NULL, NULL },
	{ "padded quantum in the middle", IN("Basic dXM=dXNlcjpw"), AUTH_MALFORMED,
	  NULL, NULL },
	{ "pad then data", IN("Basic dXNlcj=z"), AUTH_MALFORMED, NULL, NULL },
	{ "three pads", IN("Basic d==="), AUTH_MALFORMED, NULL, NULL },
	{ "one byte, no colon", IN("Basic dQ=="), AUTH_MALFORMED, NULL, NULL },
	{ "non-canonical 1 byte", IN("Basic dX=="), AUTH_MALFORMED, NULL, NULL },
	{ "all padding", IN("Basic ===="), AUTH_MALFORMED, NULL, NULL },
	{ "non-canonical 1 pad", IN("Basic dXNlcjp="), AUTH_MALFORMED, NULL, NULL },
	{ "non-canonical 2 pads", IN("Basic dXNlch=="), AUTH_MALFORMED, NULL, NULL },
	{ "trailing junk", IN("Basic dXNlcjpwYXNz x"), AUTH_MALFORMED, NULL, NULL },
	{ "trailing space", IN("Basic dXNlcjpwYXNz "), AUTH_MALFORMED, NULL, NULL },
	{ "second token", IN("Basic dXNlcjpwYXNz dXNlcjpwYXNz"), AUTH_MALFORMED,
	  NULL, NULL },
	{ "TAB separator", IN("Basic\tdXNlcjpwYXNz"), AUTH_MALFORMED, NULL, NULL },
	{ "no separator", IN("BasicdXNlcjpwYXNz"), AUTH_NOT_BASIC, NULL, NULL },
	{ "leading space", IN(" Basic dXNlcjpwYXNz"), AUTH_MALFORMED, NULL, NULL },
	{ "Bearer", IN("Bearer x"), AUTH_NOT_BASIC, NULL, NULL },
	{ "Bearer alone", IN("Bearer"), AUTH_NOT_BASIC, NULL, NULL },
	{ "Digest", IN("Digest username=\"u\", realm=\"r\""), AUTH_NOT_BASIC,
	  NULL, NULL },
	{ "Basicx", IN("Basicx dXNlcjpwYXNz"), AUTH_NOT_BASIC, NULL, NULL },
	{ "scheme not a token", IN("Ba/sic dXNlcjpwYXNz"), AUTH_MALFORMED, NULL, NULL },
	{ "empty", IN(""), AUTH_MALFORMED, NULL, NULL },
	{ "only Basic", IN("Basic"), AUTH_MALFORMED, NULL, NULL },
	{ "Basic and spaces", IN("Basic   "), AUTH_MALFORMED, NULL, NULL },
	{ "NUL inside the value", IN("Basic dXNl\0cjpwYXNz"), AUTH_MALFORMED,
	  NULL, NULL },
};

static void test_decode_rows(void **state)
{
	struct credentials c;
	enum auth_decode rc;
	char *in;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(decode_rows); i++) {
		/* An exactly-sized heap copy: ASan sees any read past len. */
		in = malloc(decode_rows[i].len ? decode_rows[i].len : 1);
		assert_non_null(in);
		memcpy(in, decode_rows[i].in, decode_rows[i].len);
		memset(&c, 0xa5, sizeof(c));
		rc = auth_basic_decode(in, decode_rows[i].len, &c);
		free(in);
		if (rc != decode_rows[i].rc)
			fail_msg("decode row '%s': rc %d, expected %d",
				 decode_rows[i].name, rc, decode_rows[i].rc);
		if (rc != AUTH_DECODED) {
			/* Nothing half-filled is left behind. */
			if (!all_zero(&c, sizeof(c)))
				fail_msg("decode row '%s': credentials not wiped",
					 decode_rows[i].name);
			continue;
		}
		if (strcmp(c.user, decode_rows[i].user) != 0 ||
		    c.user_len != strlen(decode_rows[i].user) ||
		    strcmp(c.password, decode_rows[i].password) != 0 ||
		    c.password_len != strlen(decode_rows[i].password))
			fail_msg("decode row '%s': got '%s' '%s'",
				 decode_rows[i].name, c.user, c.password);
	}
}

/* Decodes "Basic " + base64(user ':' password) built at run time. */
static enum auth_decode decode_built(size_t ulen, size_t plen,
				     struct credentials *c)
{
	static unsigned char raw[4096];
	static char value[8192];
	enum auth_decode rc;
	size_t n = ulen + 1 + plen;

	assert_true(n <= sizeof(raw));
	memset(raw, 'u', ulen);
	raw[ulen] = ':';
	memset(raw + ulen + 1, 'p', plen);
	memcpy(value, "Basic ", 6);
	b64_encode(raw, n, value + 6);
	rc = auth_basic_decode(value, strlen(value), c);
	return rc;
}

/* Length limits at and past the struct's bounds. */
static const struct {
	size_t ulen, plen;
	enum auth_decode rc;
} length_rows[] = {
	{ 1, 0, AUTH_DECODED },
	{ AUTH_USER_MAX, 1, AUTH_DECODED },
	{ AUTH_USER_MAX + 1, 1, AUTH_MALFORMED },
	{ 1, AUTH_PASSWORD_MAX, AUTH_DECODED },
	{ 1, AUTH_PASSWORD_MAX + 1, AUTH_MALFORMED },
	{ AUTH_USER_MAX, AUTH_PASSWORD_MAX, AUTH_DECODED },
	{ AUTH_USER_MAX, AUTH_PASSWORD_MAX + 1, AUTH_MALFORMED },
	{ AUTH_USER_MAX + 1, AUTH_PASSWORD_MAX, AUTH_MALFORMED },
	{ 1, 3000, AUTH_MALFORMED },  /* token far past any valid length */
};

static void test_decode_lengths(void **state)
{
	struct credentials c;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(length_rows); i++) {
		if (decode_built(length_rows[i].ulen, length_rows[i].plen, &c) !=
		    length_rows[i].rc)
			fail_msg("length row %zu (user %zu, password %zu)", i,
				 length_rows[i].ulen, length_rows[i].plen);
		if (length_rows[i].rc == AUTH_DECODED) {
			assert_int_equal(c.user_len, length_rows[i].ulen);
			assert_int_equal(c.password_len, length_rows[i].plen);
			assert_int_equal(strlen(c.password), length_rows[i].plen);
		}
	}
}

/* The decoder stops at len: what follows is not part of the value. */
static void test_decode_respects_len(void **state)
{
	static const char value[] = "Basic dXNlcjpwYXNz!!!!";
	struct credentials c;

	(void)state;
	assert_int_equal(auth_basic_decode(value, 18, &c), AUTH_DECODED);
	assert_string_equal(c.password, "pass");
	assert_int_equal(auth_basic_decode(value, 17, &c), AUTH_MALFORMED);
	assert_int_equal(auth_basic_decode(NULL, 0, &c), AUTH_MALFORMED);
}

static void test_wipe(void **state)
{
	struct credentials c;

	(void)state;
	assert_int_equal(auth_basic_decode(IN("Basic dXNlcjpwYXNz"), &c),
			 AUTH_DECODED);
	auth_wipe(&c);
	assert_true(all_zero(&c, sizeof(c)));
}

/* ---- auth_hash_scheme -------------------------------------------------- */

static const struct {
	const char *hash;
	const char *scheme;     /* NULL: not verifiable */
} scheme_rows[] = {
	{ H_2B, "bcrypt" },
	{ H_2Y, "bcrypt" },
	{ "$2a$05$9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTOa", "bcrypt" },
	{ H_Y, "yescrypt" },
	{ H_6, "sha512crypt" },
	{ H_6R, "sha512crypt" },
	{ H_5, "sha256crypt" },
	{ H_APR1, NULL },
	{ H_MD5, NULL },
	{ H_SHA, NULL },
	{ H_DES, NULL },
	{ "secret", NULL },
	{ "", NULL },
	{ "$2x$05$9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTOa", NULL },
	{ "$7$CU..../....abcdefgh$xyz", NULL },
	{ "$gy$j9T$abc$def", NULL },
	/* Right prefix, wrong shape: could never match. */
	{ "$2b$", NULL },
	{ "$2b$05$9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTO", NULL },
	{ H_2B " ", NULL },
	{ H_2B "\r", NULL },
	{ H_2B ":extra", NULL },
	{ "$2b$xx$9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTOa", NULL },
	{ "$2b$5$a9lDrWnPes3lg3SrlrdFQdesDevb9H/HivoxmQyTE64F6sGyQPaTOa", NULL },
	{ "$y$", NULL },
	{ "$y$j9T$5k8VZaNHJSNIam09C0oVW1$8objYvkW4khc.BZIwsAgm.KzcDVJC3bE6KRzXKXCDQ", NULL },
	{ "$6$rGXxUOs1VHEcgV5b", NULL },
	{ "$5$v5nquxBHczb86jA6$ZwxvkVOlk4aVbpBz8gpgNP.hlTGELZ5q0Qelad g507", NULL },
};

static void test_scheme_rows(void **state)
{
	const char *got;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(scheme_rows); i++) {
		got = auth_hash_scheme(scheme_rows[i].hash);
		if ((got == NULL) != (scheme_rows[i].scheme == NULL) ||
		    (got != NULL && strcmp(got, scheme_rows[i].scheme) != 0))
			fail_msg("scheme row %zu '%s': got %s", i,
				 scheme_rows[i].hash, got ? got : "NULL");
	}
}

/* ---- auth_line_parse --------------------------------------------------- */

static const struct {
	const char *name;
	const char *in;
	size_t len;
	int rc;
	const char *user;       /* rc 0: expected user and hash */
	const char *hash;
	const char *why;        /* rc -1: a substring of *why */
} line_rows[] = {
	{ "bcrypt", IN("alice:" H_2B), 0, "alice", H_2B, NULL },
	{ "yescrypt", IN("bob:" H_Y), 0, "bob", H_Y, NULL },
	{ "sha512crypt", IN("carol:" H_6), 0, "carol", H_6, NULL },
	{ "sha512crypt rounds", IN("carol:" H_6R), 0, "carol", H_6R, NULL },
	{ "sha256crypt", IN("dave:" H_5), 0, "dave", H_5, NULL },
	{ "CRLF", IN("alice:" H_2B "\r"), 0, "alice", H_2B, NULL },
	{ "UTF-8 user", IN("j\xc3\xbcrgen:" H_2Y), 0, "j\xc3\xbcrgen", H_2Y, NULL },
	{ "user with space", IN("a b:" H_2Y), 0, "a b", H_2Y, NULL },
	{ "empty", IN(""), 1, NULL, NULL, NULL },
	{ "CR only", IN("\r"), 1, NULL, NULL, NULL },
	{ "blanks", IN(" \t "), 1, NULL, NULL, NULL },
	{ "comment", IN("# alice:" H_2B), 1, NULL, NULL, NULL },
	{ "indented comment", IN("  #x"), 1, NULL, NULL, NULL },
	{ "comment CRLF", IN("#\r"), 1, NULL, NULL, NULL },
	{ "no colon", IN("alice"), -1, NULL, NULL, "expected user:hash" },
	{ "empty user", IN(":" H_2B), -1, NULL, NULL, "empty user name" },
	{ "TAB in user", IN("al\tice:" H_2B), -1, NULL, NULL, "control character" },
	{ "NUL in line", IN("al\0ice:" H_2B), -1, NULL, NULL, "NUL byte" },
	{ "apr1", IN("bob:" H_APR1), -1, NULL, NULL,
	  "unsupported password hash (apr1/MD5)" HOW_TO_FIX },
	{ "MD5", IN("bob:" H_MD5), -1, NULL, NULL, "(MD5)" },
	{ "SHA1", IN("bob:" H_SHA), -1, NULL, NULL, "(SHA1)" },
	{ "DES", IN("bob:" H_DES), -1, NULL, NULL, "(DES)" },
	{ "plaintext", IN("bob:secret"), -1, NULL, NULL, "(plaintext?)" },
	{ "plaintext with colon", IN("bob:se:cret"), -1, NULL, NULL, "(plaintext?)" },
	{ "empty hash", IN("bob:"), -1, NULL, NULL, "empty password hash" },
	{ "$2x$", IN("bob:$2x$05$abc"), -1, NULL, NULL, "$2x$" },
	{ "scrypt", IN("bob:$7$CU..../....abc$xyz"), -1, NULL, NULL,
	  "unknown $id$ scheme" },
	{ "truncated bcrypt", IN("bob:$2b$05$9lDrWnPes3lg3SrlrdFQde"), -1, NULL,
	  NULL, "malformed bcrypt hash" },
	{ "trailing space", IN("bob:" H_2B " "), -1, NULL, NULL,
	  "malformed bcrypt hash" },
	{ "third field", IN("bob:" H_6 ":comment"), -1, NULL, NULL,
	  "malformed sha512crypt hash" },
	{ "CR CR", IN("bob:" H_5 "\r\r"), -1, NULL, NULL,
	  "malformed sha256crypt hash" },
};

static void test_line_rows(void **state)
{
	char *buf, *user, *hash, msg[1024];
	const char *why;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NROWS(line_rows); i++) {
		/* len + 1: the parser terminates the hash where the LF was. */
		buf = malloc(line_rows[i].len + 1);
		assert_non_null(buf);
		memcpy(buf, line_rows[i].in, line_rows[i].len);
		buf[line_rows[i].len] = '\n';
		rc = auth_line_parse(buf, line_rows[i].len, &user, &hash, &why);
		msg[0] = '\0';
		if (rc != line_rows[i].rc)
			snprintf(msg, sizeof(msg), "rc %d (%s)", rc, why ? why : "");
		else if (rc == 0 && (strcmp(user, line_rows[i].user) != 0 ||
				     strcmp(hash, line_rows[i].hash) != 0))
			snprintf(msg, sizeof(msg), "got '%s' '%s'", user, hash);
		else if (rc == -1 && (why == NULL ||
				      strstr(why, line_rows[i].why) == NULL))
			snprintf(msg, sizeof(msg), "why '%s'", why ? why : "NULL");
		free(buf);
		if (msg[0] != '\0')
			fail_msg("line row '%s': %s", line_rows[i].name, msg);
	}
}

static void test_line_user_max(void **state)
{
	char buf[AUTH_USER_MAX + 2 + sizeof(H_2B)], *user, *hash;
	const char *why;
	size_t n;

	(void)state;
	memset(buf, 'u', AUTH_USER_MAX);
	n = AUTH_USER_MAX;
	memcpy(buf + n, ":" H_2B, sizeof(H_2B));
	n += sizeof(H_2B);
	assert_int_equal(auth_line_parse(buf, n, &user, &hash, &why), 0);
	assert_int_equal(strlen(user), AUTH_USER_MAX);

	memset(buf, 'u', AUTH_USER_MAX + 1);
	n = AUTH_USER_MAX + 1;
	memcpy(buf + n, ":" H_2B, sizeof(H_2B));
	n += sizeof(H_2B);
	assert_int_equal(auth_line_parse(buf, n, &user, &hash, &why), -1);
	assert_string_equal(why, "user name longer than 255 bytes");
}

/* ---- auth_file_load ---------------------------------------------------- */

static void test_load_good(void **state)
{
	static const char text[] =
		"# connectd users\n"
		"\n"
		"alice:" H_2B "\r\n"
		"  # indented comment\n"
		"bob:" H_Y "\n"
		"j\xc3\xbcrgen:" H_6;   /* no final LF */
	char path[512], err[AUTH_ERROR_MAX];
	struct auth_file af;
	const char *warn = "unset";

	(void)state;
	tmp_write(path, sizeof(path), IN(text), 0600);
	assert_int_equal(auth_file_load(path, &af, err, sizeof(err), &warn), 0);
	assert_null(warn);
	assert_string_equal(af.path, path);
	assert_int_equal(af.nentries, 3);
	assert_string_equal(af.entries[0].user, "alice");
	assert_string_equal(af.entries[0].hash, H_2B);
	assert_int_equal(af.entries[0].line, 3);
	assert_string_equal(af.entries[1].user, "bob");
	assert_int_equal(af.entries[1].line, 5);
	assert_string_equal(af.entries[2].user, "j\xc3\xbcrgen");
	assert_string_equal(af.entries[2].hash, H_6);
	assert_int_equal(af.entries[2].line, 6);
	auth_file_free(&af);
	auth_file_free(&af);    /* idempotent */
	assert_int_equal(auth_file_load(path, &af, err, sizeof(err), NULL), 0);
	auth_file_free(&af);
	unlink(path);
}

/* Files that must not load, and the message after "path". */
static const struct {
	const char *name;
	const char *text;
	size_t len;
	const char *err;
} load_error_rows[] = {
	{ "duplicate user", IN("alice:" H_2B "\nbob:" H_5 "\n#\nbob:" H_6 "\n"),
	  ":4: duplicate user 'bob' (first on line 2)" },
	{ "earliest duplicate", IN("b:" H_5 "\na:" H_5 "\na:" H_5 "\nb:" H_5 "\n"),
	  ":3: duplicate user 'a' (first on line 2)" },
	{ "triple", IN("a:" H_5 "\na:" H_5 "\na:" H_5 "\n"),
	  ":2: duplicate user 'a' (first on line 1)" },
	{ "apr1", IN("alice:" H_2B "\n# apache\nbob:" H_APR1 "\n"),
	  ":3: unsupported password hash (apr1/MD5)" HOW_TO_FIX },
	{ "plaintext", IN("bob:hunter2\n"),
	  ":1: unsupported password hash (plaintext?)" HOW_TO_FIX },
	{ "no colon", IN("alice:" H_2B "\r\nbob\r\n"), ":2: expected user:hash" },
	{ "NUL byte", IN("alice:" H_2B "\nb\0b:" H_2B "\n"), ":2: NUL byte in line" },
	{ "empty file", IN(""), ": no user:hash lines: every login would fail" },
	{ "only comments", IN("# nobody\n\n"),
	  ": no user:hash lines: every login would fail" },
};

static void test_load_errors(void **state)
{
	char path[512], err[AUTH_ERROR_MAX];
	struct auth_file af;
	size_t i, plen;
	int rc;

	(void)state;
	for (i = 0; i < NROWS(load_error_rows); i++) {
		tmp_write(path, sizeof(path), load_error_rows[i].text,
			  load_error_rows[i].len, 0600);
		plen = strlen(path);
		err[0] = '\0';
		rc = auth_file_load(path, &af, err, sizeof(err), NULL);
		unlink(path);
		if (rc != -1 || strncmp(err, path, plen) != 0 ||
		    strcmp(err + plen, load_error_rows[i].err) != 0)
			fail_msg("load row '%s': '%s'", load_error_rows[i].name, err);
		/* A failed load leaves nothing to free. */
		assert_null(af.entries);
		assert_int_equal(af.nentries, 0);
		assert_null(af.path);
	}
}

static void test_load_warn(void **state)
{
	static const char text[] = "alice:" H_2B "\n";
	static const mode_t modes[] = { 0644, 0604, 0602, 0601 };
	char path[512], err[AUTH_ERROR_MAX], want[600];
	struct auth_file af;
	const char *warn;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(modes); i++) {
		tmp_write(path, sizeof(path), IN(text), modes[i]);
		warn = NULL;
		assert_int_equal(auth_file_load(path, &af, err, sizeof(err), &warn), 0);
		assert_int_equal(af.nentries, 1);
		snprintf(want, sizeof(want),
			 "accessible to other users (mode %04o): chmod o-rwx %s",
			 (unsigned)modes[i], path);
		assert_non_null(warn);
		assert_string_equal(warn, want);
		auth_file_free(&af);
		unlink(path);
	}
	/* Group access is how the service user reads it: no warning. */
	tmp_write(path, sizeof(path), IN(text), 0640);
	assert_int_equal(auth_file_load(path, &af, err, sizeof(err), &warn), 0);
	assert_null(warn);
	auth_file_free(&af);
	unlink(path);
}

static void test_load_unreadable(void **state)
{
	char path[512], err[AUTH_ERROR_MAX], want[600], *big;
	struct auth_file af;
	const char *dir = getenv("TMPDIR");
	size_t n = 1024 * 1024 + 1;

	(void)state;
	assert_int_equal(auth_file_load("/nonexistent/htpasswd", &af, err,
					 sizeof(err), NULL), -1);
	assert_string_equal(err,
			    "/nonexistent/htpasswd: cannot open: No such file or directory");

	snprintf(path, sizeof(path), "%s", dir ? dir : "/tmp");
	assert_int_equal(auth_file_load(path, &af, err, sizeof(err), NULL), -1);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", path);
	assert_string_equal(err, want);

	/* One byte past the 1 MiB cap, made of comment lines. */
	assert_non_null(big = malloc(n));
	memset(big, '#', n);
	big[n / 2] = '\n';
	tmp_write(path, sizeof(path), big, n, 0600);
	free(big);
	assert_int_equal(auth_file_load(path, &af, err, sizeof(err), NULL), -1);
	snprintf(want, sizeof(want), "%s: cannot read: File too large", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* ---- auth_verify ------------------------------------------------------- */

#define LONG72 "0123456789012345678901234567890123456789012345678901234567890123456789ab"

/* Users, the setting prefix and cost of their hash, and the password. */
static const struct {
	const char *user;
	const char *prefix;
	unsigned long count;    /* 0: libxcrypt's default cost */
	const char *password;
} verify_users[] = {
	{ "alice", "$2b$", 5, "correct horse" },
	{ "bob", "$y$", 0, "battery staple" },
	{ "carol", "$6$", 0, "pa:ss" },
	{ "dave", "$5$", 0, "" },
	{ "j\xc3\xbcrgen", "$2y$", 5, "p\xc3\xa4ssw\xc3\xb6rd" },
	{ "erin", "$2b$", 5, LONG72 "cd" },   /* 74 bytes */
};

static const struct {
	const char *user;
	const char *password;
	int ok;
} verify_rows[] = {
	{ "alice", "correct horse", 1 },
	{ "alice", "correct hors", 0 },
	{ "alice", "correct horse ", 0 },
	{ "alice", "Correct horse", 0 },
	{ "alice", "", 0 },
	{ "Alice", "correct horse", 0 },       /* users compare exactly */
	{ "alic", "correct horse", 0 },
	{ "alice2", "correct horse", 0 },
	{ "mallory", "correct horse", 0 },     /* unknown user */
	{ "mallory", "battery staple", 0 },
	{ "bob", "battery staple", 1 },
	{ "bob", "battery stapler", 0 },
	{ "carol", "pa:ss", 1 },
	{ "carol", "pa:", 0 },                 /* differs after the colon */
	{ "carol", "pa:sx", 0 },
	{ "carol", "pa:ss:", 0 },
	{ "carol", "pa", 0 },
	{ "dave", "", 1 },
	{ "dave", " ", 0 },
	{ "j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", 1 },
	{ "j\xc3\xbcrgen", "passw\xc3\xb6rd", 0 },
	{ "jurgen", "p\xc3\xa4ssw\xc3\xb6rd", 0 },
	{ "erin", LONG72 "cd", 1 },
	/* bcrypt uses the first 72 bytes only: documented, not fixable here. */
	{ "erin", LONG72 "zz", 1 },
	{ "erin", LONG72, 1 },
	{ "erin", "0123456789012345678901234567890123456789012345678901234567890123456789aX", 0 },
};

static char verify_path[512];
static struct auth_file verify_af;

/* Hashes password with a fresh salt for prefix and count into out. */
static void hash_make(const char *prefix, unsigned long count,
		      const char *password, char *out, size_t size)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn(prefix, count, NULL, 0, setting,
					 sizeof(setting)));
	h = crypt_r(password, setting, cd);
	assert_true(h != NULL && h[0] != '*');
	assert_true(strlen(h) < size);
	snprintf(out, size, "%s", h);
	free(cd);
}

/* Writes and loads the verify users' file, hashed now. */
static int verify_setup(void **state)
{
	char text[4096], hash[CRYPT_OUTPUT_SIZE], err[AUTH_ERROR_MAX];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < NROWS(verify_users); i++) {
		hash_make(verify_users[i].prefix, verify_users[i].count,
			  verify_users[i].password, hash, sizeof(hash));
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s:%s\n",
				      verify_users[i].user, hash);
		assert_true(n < sizeof(text));
	}
	tmp_write(verify_path, sizeof(verify_path), text, n, 0600);
	if (auth_file_load(verify_path, &verify_af, err, sizeof(err), NULL) != 0) {
		print_error("%s\n", err);
		return -1;
	}
	return 0;
}

static int verify_teardown(void **state)
{
	(void)state;
	auth_file_free(&verify_af);
	unlink(verify_path);
	return 0;
}

static void test_verify_rows(void **state)
{
	struct credentials c;
	size_t i;
	int ok;

	(void)state;
	for (i = 0; i < NROWS(verify_rows); i++) {
		creds_set(&c, verify_rows[i].user, verify_rows[i].password);
		ok = auth_verify(&verify_af, &c);
		auth_wipe(&c);
		if (ok != verify_rows[i].ok)
			fail_msg("verify row %zu (%s): got %d", i,
				 verify_rows[i].user, ok);
	}
}

/* From the header value to the verdict, as main will do it. */
static void test_verify_decoded(void **state)
{
	struct credentials c;

	(void)state;
	/* "carol:pa:ss" */
	assert_int_equal(auth_basic_decode(IN("basic Y2Fyb2w6cGE6c3M="), &c),
			 AUTH_DECODED);
	assert_int_equal(auth_verify(&verify_af, &c), 1);
	auth_wipe(&c);
	/* "carol:pa:sx" */
	assert_int_equal(auth_basic_decode(IN("Basic Y2Fyb2w6cGE6c3g="), &c),
			 AUTH_DECODED);
	assert_int_equal(auth_verify(&verify_af, &c), 0);
	auth_wipe(&c);
}

/* Odd inputs: no file, inconsistent lengths, a password libxcrypt
 * refuses (CRYPT_MAX_PASSPHRASE_SIZE counts the NUL). */
static void test_verify_odd(void **state)
{
	struct auth_file empty;
	struct credentials c;

	(void)state;
	memset(&empty, 0, sizeof(empty));
	creds_set(&c, "alice", "correct horse");
	assert_int_equal(auth_verify(&empty, &c), 0);
	assert_int_equal(auth_verify(NULL, &c), 0);
	c.password_len = 3;
	assert_int_equal(auth_verify(&verify_af, &c), 0);
	creds_set(&c, "alice", "correct horse");
	c.user_len = AUTH_USER_MAX + 1;
	assert_int_equal(auth_verify(&verify_af, &c), 0);
	memset(&c, 0, sizeof(c));
	memcpy(c.user, "dave", 4);
	c.user_len = 4;
	memset(c.password, 'x', CRYPT_MAX_PASSPHRASE_SIZE);
	c.password_len = CRYPT_MAX_PASSPHRASE_SIZE;
	assert_int_equal(auth_verify(&verify_af, &c), 0);
	auth_wipe(&c);
}

/* Milliseconds one auth_verify takes: the fastest of a few runs. */
static double verify_ms(const struct auth_file *af, const struct credentials *c,
			int expect)
{
	struct timespec a, b;
	double ms, best = 0;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_int_equal(auth_verify(af, c), expect);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		     (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		if (i == 0 || ms < best)
			best = ms;
	}
	return best;
}

/* The length of hash's scheme and cost parameters, without the salt:
 * "$2b$05$", "$y$j9T$", "$6$" or "$6$rounds=N$". */
static size_t params_len(const char *hash)
{
	size_t i, dollars = 0, want = 3;

	if (strncmp(hash, "$6$", 3) == 0 || strncmp(hash, "$5$", 3) == 0)
		want = strncmp(hash + 3, "rounds=", 7) == 0 ? 3 : 2;
	for (i = 0; hash[i] != '\0'; i++)
		if (hash[i] == '$' && ++dollars == want)
			return i + 1;
	return i;
}

/* Not an assertion: numbers for the docs, and a visible check that an
 * unknown user costs as much as a known one. */
static void test_verify_timing(void **state)
{
	static const char *const prefixes[] = { "$2b$", "$y$", "$6$", "$5$" };
	char hash[CRYPT_OUTPUT_SIZE], text[CRYPT_OUTPUT_SIZE + 16];
	char path[512], err[AUTH_ERROR_MAX];
	struct auth_file af;
	struct credentials c;
	double known, unknown;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(prefixes); i++) {
		hash_make(prefixes[i], 0, "password", hash, sizeof(hash));
		snprintf(text, sizeof(text), "user:%s\n", hash);
		tmp_write(path, sizeof(path), text, strlen(text), 0600);
		assert_int_equal(auth_file_load(path, &af, err, sizeof(err), NULL), 0);
		creds_set(&c, "user", "password");
		known = verify_ms(&af, &c, 1);
		creds_set(&c, "nobody", "password");
		unknown = verify_ms(&af, &c, 0);
		hash[params_len(hash)] = '\0';
		print_message("[ TIMING   ] auth_verify %-11s (default cost, %s): "
			      "%.1f ms; unknown user %.1f ms\n",
			      auth_hash_scheme(af.entries[0].hash), hash, known, unknown);
		auth_wipe(&c);
		auth_file_free(&af);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest pure_tests[] = {
		cmocka_unit_test(test_decode_rows),
		cmocka_unit_test(test_decode_lengths),
		cmocka_unit_test(test_decode_respects_len),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_scheme_rows),
		cmocka_unit_test(test_line_rows),
		cmocka_unit_test(test_line_user_max),
	};
	const struct CMUnitTest file_tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_warn),
		cmocka_unit_test(test_load_unreadable),
	};
	const struct CMUnitTest verify_tests[] = {
		cmocka_unit_test(test_verify_rows),
		cmocka_unit_test(test_verify_decoded),
		cmocka_unit_test(test_verify_odd),
		cmocka_unit_test(test_verify_timing),
	};
	int failed;

	failed = cmocka_run_group_tests(pure_tests, NULL, NULL);
	failed += cmocka_run_group_tests(file_tests, NULL, NULL);
	failed += cmocka_run_group_tests(verify_tests, verify_setup, verify_teardown);
	return failed;
}

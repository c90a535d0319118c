/* fuzz_auth.c: Basic credentials and htpasswd lines.
 *
 * auth_basic_decode takes the input as a Proxy-Authorization value (a
 * client's bytes). Invariants: the result is one of the three codes; a
 * failure leaves the credentials zeroed; decoded credentials hold a
 * non-empty user without colon or CTL, a password without CTL, lengths
 * that match the NUL-terminated strings; and base64 being canonical
 * (padding bits zero), encoding them again with auth_basic_encode gives
 * back exactly the token that came in.
 *
 * auth_line_parse takes each LF-separated line of the input, on a
 * writable exactly-sized copy with one spare byte, as auth_file_load
 * does. Invariants: 1 for skipped lines with nothing set, -1 with a
 * message, or 0 with user and hash inside the line, user non-empty
 * without colon, and a hash auth_hash_scheme accepts. */
#include <strings.h>

#include "auth.h"
#include "fuzz.h"

static int has_ctl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

static void check_decode(const char *value, size_t len)
{
	static const struct credentials zero;
	struct credentials c, again;
	char joined[AUTH_USER_MAX + 1 + AUTH_PASSWORD_MAX + 1];
	char token[2048], header[2048 + 8];
	enum auth_decode rc;
	size_t n, start;

	memset(&c, 0xa5, sizeof(c));
	rc = auth_basic_decode(value, len, &c);
	FUZZ_CHECK(rc == AUTH_DECODED || rc == AUTH_NOT_BASIC ||
		   rc == AUTH_MALFORMED, "decode rc %d", (int)rc);
	if (rc != AUTH_DECODED) {
		FUZZ_CHECK(memcmp(&c, &zero, sizeof(c)) == 0,
			   "failed decode (%d) left credentials behind", (int)rc);
		return;
	}
	FUZZ_CHECK(c.user_len >= 1 && c.user_len <= AUTH_USER_MAX &&
		   strlen(c.user) == c.user_len, "user length %zu", c.user_len);
	FUZZ_CHECK(c.password_len <= AUTH_PASSWORD_MAX &&
		   strlen(c.password) == c.password_len,
		   "password length %zu", c.password_len);
	FUZZ_CHECK(memchr(c.user, ':', c.user_len) == NULL, "colon in user");
	FUZZ_CHECK(!has_ctl(c.user, c.user_len) &&
		   !has_ctl(c.password, c.password_len), "CTL in credentials");

	/* the scheme, then spaces, then the token that came in */
	FUZZ_CHECK(len > 6 && strncasecmp(value, "basic ", 6) == 0,
		   "decoded without the Basic scheme");
	for (start = 5; start < len && value[start] == ' '; start++)
		;
	memcpy(joined, c.user, c.user_len);
	joined[c.user_len] = ':';
	memcpy(joined + c.user_len + 1, c.password, c.password_len);
	n = auth_basic_encode(joined, c.user_len + 1 + c.password_len, token,
			      sizeof(token));
	FUZZ_CHECK(n > 0 && n == strlen(token), "encode gave %zu", n);
	FUZZ_CHECK(n == len - start && memcmp(token, value + start, n) == 0,
		   "re-encoded token differs: '%s' vs '%.*s'", token,
		   (int)(len - start), value + start);

	/* and the encoded token decodes to the same credentials */
	n = (size_t)snprintf(header, sizeof(header), "Basic %s", token);
	FUZZ_CHECK(auth_basic_decode(header, n, &again) == AUTH_DECODED &&
		   again.user_len == c.user_len &&
		   again.password_len == c.password_len &&
		   strcmp(again.user, c.user) == 0 &&
		   strcmp(again.password, c.password) == 0,
		   "round trip through auth_basic_encode");
	auth_wipe(&c);
	auth_wipe(&again);
	FUZZ_CHECK(memcmp(&c, &zero, sizeof(c)) == 0, "auth_wipe left bytes");
}

static void check_line(const char *src, size_t len)
{
	char *line = malloc(len + 1), *user = (char *)1, *hash = (char *)1;
	const char *why = (const char *)1;
	int rc;

	FUZZ_CHECK(line != NULL, "out of memory");
	memcpy(line, src, len);
	line[len] = 'Z'; /* where the newline was: writable, not a NUL */
	rc = auth_line_parse(line, len, &user, &hash, &why);
	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1, "line rc %d", rc);
	if (rc == -1) {
		FUZZ_CHECK(why != NULL && why[0] != '\0', "-1 without a reason");
		FUZZ_CHECK(user == NULL && hash == NULL, "-1 with pointers set");
	} else if (rc == 1) {
		FUZZ_CHECK(user == NULL && hash == NULL && why == NULL,
			   "skipped line with results");
	} else {
		FUZZ_CHECK(why == NULL, "0 with a reason");
		FUZZ_CHECK(user == line && hash > user && hash <= line + len,
			   "pointers outside the line");
		FUZZ_CHECK(memchr(user, '\0', (size_t)(hash - user)) ==
			   hash - 1, "user not ending right before the hash");
		FUZZ_CHECK(memchr(hash, '\0', (size_t)(line + len + 1 - hash))
			   != NULL, "hash not terminated inside the line");
		FUZZ_CHECK(user[0] != '\0' && strchr(user, ':') == NULL &&
			   strlen(user) <= AUTH_USER_MAX, "bad user '%s'", user);
		FUZZ_CHECK(auth_hash_scheme(hash) != NULL,
			   "accepted hash with no scheme: '%s'", hash);
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl;
	size_t pos = 0, n;
	char *value = fuzz_dup(data, size);

	check_decode(value != NULL ? value : "", size);
	free(value);

	/* as auth_file_load reads a file: one line at a time */
	while (pos < size) {
		nl = memchr(s + pos, '\n', size - pos);
		n = nl != NULL ? (size_t)(nl - (s + pos)) : size - pos;
		check_line(s + pos, n);
		pos += n + 1;
	}
	return 0;
}

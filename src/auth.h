/* auth.h: proxy authentication with Basic credentials (RFC 7617) checked
 * against an htpasswd file of crypt(3) hashes (libxcrypt: bcrypt,
 * yescrypt, sha512crypt, sha256crypt). Decoding and line parsing are pure;
 * auth_file_load reads the file once per process. */
#ifndef CONNECTD_AUTH_H
#define CONNECTD_AUTH_H

#include <stddef.h>

#define AUTH_USER_MAX 255
#define AUTH_PASSWORD_MAX 1023
#define AUTH_ERROR_MAX 512

/* Decoded credentials. Wipe with auth_wipe as soon as they are checked. */
struct credentials {
	char user[AUTH_USER_MAX + 1];       /* NUL-terminated, no colon, no CTL */
	char password[AUTH_PASSWORD_MAX + 1]; /* NUL-terminated, no CTL; may hold colons */
	size_t user_len, password_len;
};

enum auth_decode {
	AUTH_DECODED = 0,       /* credentials filled */
	AUTH_NOT_BASIC = 1,     /* another scheme (Bearer, Digest, ...): 407 */
	AUTH_MALFORMED = 2,     /* bad base64, no colon, CTL, too long: 407 */
};

/* Decodes a Proxy-Authorization value (OWS already trimmed): the scheme
 * "Basic" in any case, one or more spaces, a token68 in standard base64
 * (padding required when the length needs it). The user ends at the
 * first colon. */
enum auth_decode auth_basic_decode(const char *value, size_t len,
				   struct credentials *out);

/* Encodes "user:password" (n bytes) as the base64 token of a Basic
 * Proxy-Authorization header, for connectd's own login to a parent.
 * Returns the token's length, or 0 if out (outlen bytes, NUL included)
 * is too small. */
size_t auth_basic_encode(const char *user_pass, size_t n, char *out,
			 size_t outlen);

/* One htpasswd line "user:hash". */
struct auth_entry {
	char *user;
	char *hash;
	unsigned line;
};

struct auth_file {
	struct auth_entry *entries;
	size_t nentries;
	char *path;
};

/* The crypt(3) scheme a hash uses, if connectd can verify it: "bcrypt"
 * ($2b$, $2y$, $2a$), "yescrypt" ($y$), "sha512crypt" ($6$), "sha256crypt"
 * ($5$); NULL for anything else (apr1, plain MD5, {SHA}, DES, plaintext). */
const char *auth_hash_scheme(const char *hash);

/* Parses one line (without its newline) into user and hash pointers into
 * line (not copied; both are NUL-terminated in place, so line[len], where
 * the newline was, must be writable). A trailing CR is ignored. Blank
 * lines and '#' comments give 1 (skip). Returns
 * 0, 1, or -1 with *why set to a message that names the supported
 * schemes and how to make one (htpasswd -B, mkpasswd -m yescrypt). */
int auth_line_parse(char *line, size_t len, char **user, char **hash,
		    const char **why);

/* Loads path. Returns 0, or -1 with "path:line: message" in err. A file
 * readable by "other" is loaded but *warn is set to a message for -t
 * (static storage, valid until the next call; NULL when there is none). */
int auth_file_load(const char *path, struct auth_file *af, char *err,
		   size_t errlen, const char **warn);

/* Checks credentials. The same amount of crypt(3) work is done whether
 * or not the user exists, and hashes are compared in constant time.
 * Returns 1 if they are valid. */
int auth_verify(const struct auth_file *af, const struct credentials *c);

/* Overwrites credentials so that no copy of the password outlives its
 * check (explicit_bzero: the compiler may not drop it). */
void auth_wipe(struct credentials *c);

void auth_file_free(struct auth_file *af);

#endif

/* Bench-only crypt_r for the static musl build: see crypt.h. Returns
 * the "*0" failure token libxcrypt returns for a setting it cannot use. */
#include <string.h>

#include "crypt.h"

char *crypt_r(const char *phrase, const char *setting, struct crypt_data *data)
{
	(void)phrase;
	(void)setting;
	memcpy(data->opaque, "*0", 3);
	return data->opaque;
}

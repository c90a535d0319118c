/* http.h: the HTTP status codes connectd can answer with. The enum values
 * are the codes themselves, so a status travels through the program as a
 * plain int: 0 means "no error", anything else is the answer to send. */
#ifndef CONNECTD_HTTP_H
#define CONNECTD_HTTP_H

enum http_status {
	HTTP_OK = 200,
	HTTP_BAD_REQUEST = 400,
	HTTP_FORBIDDEN = 403,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_PROXY_AUTH_REQUIRED = 407,
	HTTP_REQUEST_TIMEOUT = 408,
	HTTP_URI_TOO_LONG = 414,
	HTTP_HEADERS_TOO_LARGE = 431,
	HTTP_INTERNAL_ERROR = 500,
	HTTP_NOT_IMPLEMENTED = 501,
	HTTP_BAD_GATEWAY = 502,
	HTTP_SERVICE_UNAVAILABLE = 503,
	HTTP_GATEWAY_TIMEOUT = 504,
	HTTP_VERSION_NOT_SUPPORTED = 505,
};

#endif

// A small HTTP client over libcurl, which is loaded with dlopen on first use rather than linked: only the
// commands that talk to a server pay for loading libcurl and its ~30 dependencies (docs/PERFORMANCE.md).
#ifndef ALLY_CURL_H
#define ALLY_CURL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One client: one libcurl easy handle, so connections are kept alive between requests.
typedef struct ally_http_client ally_http_client;

/// The answer to one request. `status` is 0 when no HTTP answer came; `error` then says why.
typedef struct ally_http_response {
    long status;
    unsigned char *body;
    size_t body_length;
    char error[256];
} ally_http_response;

/// Loads libcurl (once per process) and makes a client. Returns NULL and writes why into `error` when libcurl
/// cannot be loaded.
ally_http_client *ally_http_client_new(char *error, size_t error_size);

void ally_http_client_free(ally_http_client *client);

/// Sends one request and waits for the answer. `headers` are complete header lines ("Name: value"). `body` may
/// be NULL. `ca_file`, when not NULL, replaces the system's certificate authorities. Returns 0 when an HTTP answer
/// came (whatever its status), otherwise libcurl's error code (CURLcode; -1 when out of memory); either way
/// `response` must be released with `ally_http_response_free`.
int ally_http_perform(
    ally_http_client *client, const char *method, const char *url, const char *const *headers, size_t header_count,
    const void *body, size_t body_length, long timeout_seconds, const char *ca_file, ally_http_response *response);

void ally_http_response_free(ally_http_response *response);

#ifdef __cplusplus
}
#endif

#endif

// See include/ally_curl.h. libcurl's ABI is stable across its 7.x and 8.x releases: the option numbers below are
// part of it, and when curl's own header is at hand they are checked against it at compile time.
#include "ally_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<curl/curl.h>)
#include <curl/curl.h>
#define ALLY_CHECK(ours, theirs) _Static_assert((ours) == (theirs), #ours " differs from curl's header")
#else
#define ALLY_CHECK(ours, theirs)
#endif

enum {
    OPT_WRITEDATA = 10001,
    OPT_URL = 10002,
    OPT_ERRORBUFFER = 10010,
    OPT_WRITEFUNCTION = 20011,
    OPT_TIMEOUT = 13,
    OPT_POSTFIELDS = 10015,
    OPT_HTTPHEADER = 10023,
    OPT_CUSTOMREQUEST = 10036,
    OPT_NOBODY = 44,
    OPT_POST = 47,
    OPT_FOLLOWLOCATION = 52,
    OPT_CAINFO = 10065,
    OPT_CONNECTTIMEOUT = 78,
    OPT_HTTPGET = 80,
    OPT_NOSIGNAL = 99,
    OPT_POSTFIELDSIZE_LARGE = 30120,
    OPT_PROTOCOLS_STR = 10318,
    INFO_RESPONSE_CODE = 0x200002,
    GLOBAL_ALL = 3,
    ERROR_SIZE = 256,
};

ALLY_CHECK(OPT_WRITEDATA, CURLOPT_WRITEDATA);
ALLY_CHECK(OPT_URL, CURLOPT_URL);
ALLY_CHECK(OPT_ERRORBUFFER, CURLOPT_ERRORBUFFER);
ALLY_CHECK(OPT_WRITEFUNCTION, CURLOPT_WRITEFUNCTION);
ALLY_CHECK(OPT_TIMEOUT, CURLOPT_TIMEOUT);
ALLY_CHECK(OPT_POSTFIELDS, CURLOPT_POSTFIELDS);
ALLY_CHECK(OPT_HTTPHEADER, CURLOPT_HTTPHEADER);
ALLY_CHECK(OPT_CUSTOMREQUEST, CURLOPT_CUSTOMREQUEST);
ALLY_CHECK(OPT_NOBODY, CURLOPT_NOBODY);
ALLY_CHECK(OPT_POST, CURLOPT_POST);
ALLY_CHECK(OPT_FOLLOWLOCATION, CURLOPT_FOLLOWLOCATION);
ALLY_CHECK(OPT_CAINFO, CURLOPT_CAINFO);
ALLY_CHECK(OPT_CONNECTTIMEOUT, CURLOPT_CONNECTTIMEOUT);
ALLY_CHECK(OPT_HTTPGET, CURLOPT_HTTPGET);
ALLY_CHECK(OPT_NOSIGNAL, CURLOPT_NOSIGNAL);
ALLY_CHECK(OPT_POSTFIELDSIZE_LARGE, CURLOPT_POSTFIELDSIZE_LARGE);
ALLY_CHECK(OPT_PROTOCOLS_STR, CURLOPT_PROTOCOLS_STR);
ALLY_CHECK(INFO_RESPONSE_CODE, CURLINFO_RESPONSE_CODE);
ALLY_CHECK(GLOBAL_ALL, CURL_GLOBAL_ALL);
ALLY_CHECK(ERROR_SIZE, CURL_ERROR_SIZE);

typedef void handle;
typedef struct slist slist;

static struct {
    int (*global_init)(long flags);
    handle *(*easy_init)(void);
    int (*easy_setopt)(handle *, int option, ...);
    int (*easy_perform)(handle *);
    int (*easy_getinfo)(handle *, int info, ...);
    void (*easy_reset)(handle *);
    void (*easy_cleanup)(handle *);
    const char *(*easy_strerror)(int code);
    slist *(*slist_append)(slist *, const char *);
    void (*slist_free_all)(slist *);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void) {
    // ALLY_LIBCURL names another libcurl (a path, or a soname the loader finds).
    const char *chosen = getenv("ALLY_LIBCURL");
    void *library = NULL;
    if (chosen != NULL && chosen[0] != 0) {
        library = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
    } else {
        library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) library = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    }
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load libcurl (Debian: apt-get install libcurl4): %s",
                 why ? why : "not found");
        return;
    }
#define FIND(field, name)                                                                                        \
    do {                                                                                                         \
        *(void **)&curl.field = dlsym(library, name);                                                            \
        if (curl.field == NULL) {                                                                                \
            snprintf(load_error, sizeof load_error, "the libcurl found lacks %s", name);                          \
            return;                                                                                              \
        }                                                                                                        \
    } while (0)
    FIND(global_init, "curl_global_init");
    FIND(easy_init, "curl_easy_init");
    FIND(easy_setopt, "curl_easy_setopt");
    FIND(easy_perform, "curl_easy_perform");
    FIND(easy_getinfo, "curl_easy_getinfo");
    FIND(easy_reset, "curl_easy_reset");
    FIND(easy_cleanup, "curl_easy_cleanup");
    FIND(easy_strerror, "curl_easy_strerror");
    FIND(slist_append, "curl_slist_append");
    FIND(slist_free_all, "curl_slist_free_all");
#undef FIND
    if (curl.global_init(GLOBAL_ALL) != 0) snprintf(load_error, sizeof load_error, "libcurl failed to start");
}

struct ally_http_client {
    handle *easy;
};

ally_http_client *ally_http_client_new(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (load_error[0] != 0) {
        snprintf(error, error_size, "%s", load_error);
        return NULL;
    }
    ally_http_client *client = calloc(1, sizeof *client);
    if (client == NULL || (client->easy = curl.easy_init()) == NULL) {
        free(client);
        snprintf(error, error_size, "libcurl could not make a handle");
        return NULL;
    }
    return client;
}

void ally_http_client_free(ally_http_client *client) {
    if (client == NULL) return;
    curl.easy_cleanup(client->easy);
    free(client);
}

static size_t collect(char *data, size_t size, size_t count, void *context) {
    ally_http_response *response = context;
    size_t length = size * count;
    unsigned char *grown = realloc(response->body, response->body_length + length + 1);
    if (grown == NULL) return 0;  // libcurl then fails the transfer with a write error
    memcpy(grown + response->body_length, data, length);
    response->body = grown;
    response->body_length += length;
    return length;
}

int ally_http_perform(
    ally_http_client *client, const char *method, const char *url, const char *const *headers, size_t header_count,
    const void *body, size_t body_length, long timeout_seconds, const char *ca_file, ally_http_response *response) {
    memset(response, 0, sizeof *response);
    handle *easy = client->easy;
    // Reset clears the options of the previous request but keeps its connection open for this one.
    curl.easy_reset(easy);
    slist *list = NULL;
    for (size_t index = 0; index < header_count; index++) {
        slist *grown = curl.slist_append(list, headers[index]);
        if (grown == NULL) {
            curl.slist_free_all(list);
            snprintf(response->error, sizeof response->error, "out of memory");
            return -1;
        }
        list = grown;
    }
    // Without an explicit empty Expect, libcurl waits for "100 Continue" before sending a large body.
    slist *grown = curl.slist_append(list, "Expect:");
    if (grown != NULL) list = grown;

    curl.easy_setopt(easy, OPT_URL, url);
    curl.easy_setopt(easy, OPT_PROTOCOLS_STR, "http,https");  // refused by libcurl < 7.85: the URL is checked anyway
    curl.easy_setopt(easy, OPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(easy, OPT_NOSIGNAL, 1L);
    curl.easy_setopt(easy, OPT_TIMEOUT, timeout_seconds);
    curl.easy_setopt(easy, OPT_CONNECTTIMEOUT, timeout_seconds < 10 ? timeout_seconds : 10L);
    curl.easy_setopt(easy, OPT_ERRORBUFFER, response->error);
    curl.easy_setopt(easy, OPT_WRITEFUNCTION, collect);
    curl.easy_setopt(easy, OPT_WRITEDATA, response);
    curl.easy_setopt(easy, OPT_HTTPHEADER, list);
    if (ca_file != NULL) curl.easy_setopt(easy, OPT_CAINFO, ca_file);
    if (strcmp(method, "GET") == 0) {
        curl.easy_setopt(easy, OPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl.easy_setopt(easy, OPT_NOBODY, 1L);
    } else if (body == NULL && strcmp(method, "POST") != 0) {
        curl.easy_setopt(easy, OPT_CUSTOMREQUEST, method);  // DELETE and the like: no body, no Content-Type
    } else {
        curl.easy_setopt(easy, OPT_POST, 1L);
        curl.easy_setopt(easy, OPT_POSTFIELDS, body != NULL ? body : (const void *)"");
        curl.easy_setopt(easy, OPT_POSTFIELDSIZE_LARGE, (int64_t)(body != NULL ? body_length : 0));
        if (strcmp(method, "POST") != 0) curl.easy_setopt(easy, OPT_CUSTOMREQUEST, method);
    }
    int code = curl.easy_perform(easy);
    curl.easy_setopt(easy, OPT_ERRORBUFFER, (char *)NULL);
    curl.easy_setopt(easy, OPT_HTTPHEADER, (slist *)NULL);
    curl.slist_free_all(list);
    if (code != 0) {
        if (response->error[0] == 0) snprintf(response->error, sizeof response->error, "%s", curl.easy_strerror(code));
        response->status = 0;
        return code;
    }
    long status = 0;
    curl.easy_getinfo(easy, INFO_RESPONSE_CODE, &status);
    response->status = status;
    return 0;
}

void ally_http_response_free(ally_http_response *response) {
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
}

/* http.h - mentod's HTTP layer on libmicrohttpd: body collection with a cap,
 * the request/response pair handlers see, gzip, ETag/304 and the access log. */
#ifndef MENTO_HTTP_H
#define MENTO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_MAX_PARAMS 4

#include <microhttpd.h>

struct http_request {
    const char *method;
    const char *path; /* as sent, without the query string; never percent-decoded,
                       * so an encoded '/' stays inside its segment */
    struct MHD_Connection *conn;
    const char *body; /* NUL-terminated; body_len excludes the NUL */
    size_t body_len;
    const char *content_type;
    const char *authorization;
    const char *idempotency_key;
    const char *if_none_match;
    bool accepts_gzip;
    char remote[64];
    /* Filled by the router: the {...} segments of the matched route,
     * percent-decoded into param_buf (as long as the path, so no segment is
     * ever too long to be looked up and answered with its proper error). */
    const char *params[HTTP_MAX_PARAMS];
    size_t n_params;
    char *param_buf;
    size_t param_cap;
};

struct http_response {
    int status;
    char *body; /* malloc'd, owned by the response; NULL for no body */
    size_t len;
    const char *content_type; /* static string */
    bool etag;                /* compute a weak ETag over the body (GET collections) */
    char etag_value[48];      /* or this one, known before the body (W/"...") */
    unsigned char *gzip_body; /* the body already gzip'd (owned), sent when accepted */
    size_t gzip_len;
    char retry_after[24];
    char allow[64];
    char disposition[128]; /* Content-Disposition, for files to save */
    bool replay; /* answered from the idempotency store */
};

/* Value of a query parameter, NULL when absent. */
const char *http_query(const struct http_request *req, const char *key);
/* Calls fn for each query parameter; stops and returns false when fn does. */
bool http_query_each(const struct http_request *req,
                     bool (*fn)(const char *key, const char *value, void *arg), void *arg);

/* Set the body to the unformatted print of `json` (which is freed). */
void http_response_json(struct http_response *resp, int status, cJSON *json);
/* {"error":{"code":..,"message":..,"field":..}}; field may be NULL. */
void http_response_error(struct http_response *resp, int status, const char *code,
                         const char *message, const char *field);
void http_response_free(struct http_response *resp);

/* Does an If-None-Match header value list `etag` (weak comparison)? */
bool http_etag_matches(const char *if_none_match, const char *etag);

/* gzip `in` into a new buffer (RFC 1952). NULL when out of memory. */
unsigned char *http_gzip(const void *in, size_t len, size_t *out_len);

/* The libmicrohttpd callbacks; `cls` is the struct server. The URI log
 * callback sees the request line's target before MHD decodes it and starts
 * the per-request state. */
void *http_request_started(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);
void http_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe);

#endif

/* http.c - libmicrohttpd glue: collects bodies under a cap, hands a plain
 * request to the API dispatcher, then applies ETag/304, gzip and the access log. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <sodium.h>
#include <zlib.h>

#include "mento/api.h"
#include "mento/http.h"
#include "mento/server.h"

/* Per-connection-request state kept between MHD's calls. */
struct http_upload {
    char *raw_path;  /* the target as sent, up to the '?' */
    char *param_buf; /* as long as raw_path: room for its decoded segments */
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    bool seen; /* the handler has had the headers */
    struct timespec started;
};

void *http_request_started(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct http_upload *up = calloc(1, sizeof *up);
    if (!up)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &up->started);
    size_t n = uri ? strcspn(uri, "?") : 0;
    up->raw_path = malloc(n + 1);
    up->param_buf = malloc(n + 1);
    if (!up->raw_path || !up->param_buf) {
        free(up->raw_path);
        free(up->param_buf);
        free(up);
        return NULL;
    }
    memcpy(up->raw_path, uri ? uri : "", n);
    up->raw_path[n] = '\0';
    return up;
}

const char *http_query(const struct http_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_iter {
    bool (*fn)(const char *, const char *, void *);
    void *arg;
    bool ok;
};

static enum MHD_Result query_iter_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_iter *it = cls;
    if (!it->fn(key, value ? value : "", it->arg)) {
        it->ok = false;
        return MHD_NO;
    }
    return MHD_YES;
}

bool http_query_each(const struct http_request *req,
                     bool (*fn)(const char *key, const char *value, void *arg), void *arg)
{
    struct query_iter it = {fn, arg, true};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_iter_cb, &it);
    return it.ok;
}

void http_response_json(struct http_response *resp, int status, cJSON *json)
{
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->status = status;
    resp->content_type = "application/json";
    if (!json) {
        http_response_error(resp, 500, "internal", "Out of memory", NULL);
        return;
    }
    resp->body = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!resp->body) {
        http_response_error(resp, 500, "internal", "Out of memory", NULL);
        return;
    }
    resp->len = strlen(resp->body);
}

void http_response_error(struct http_response *resp, int status, const char *code,
                         const char *message, const char *field)
{
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->status = status;
    resp->content_type = "application/json";
    resp->etag = false;
    resp->etag_value[0] = '\0';
    free(resp->gzip_body);
    resp->gzip_body = NULL;
    resp->gzip_len = 0;
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    if (err) {
        cJSON_AddStringToObject(err, "code", code);
        cJSON_AddStringToObject(err, "message", message);
        if (field && *field)
            cJSON_AddStringToObject(err, "field", field);
    }
    char *s = err ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!s) {
        /* Last resort without allocation through cJSON. */
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"Out of memory\"}}";
        s = strdup(oom);
        resp->status = 500;
    }
    resp->body = s;
    resp->len = s ? strlen(s) : 0;
}

void http_response_free(struct http_response *resp)
{
    free(resp->gzip_body);
    resp->gzip_body = NULL;
    resp->gzip_len = 0;
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
}

unsigned char *http_gzip(const void *in, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16: gzip wrapper. Level 6 is zlib's own balance. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong bound = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(bound);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

/* Does Accept-Encoding allow gzip? Honours "gzip;q=0" as a refusal. */
static bool accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t n = (size_t)(p - tok);
        bool is_gzip = (n == 4 && strncasecmp(tok, "gzip", 4) == 0) || (n == 1 && *tok == '*');
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                const char *qs = strstr(p, "q=");
                const char *comma = strchr(p, ',');
                if (qs && (!comma || qs < comma))
                    q = strtod(qs + 2, NULL);
            }
            p++;
        }
        if (is_gzip && q > 0.0)
            return true;
    }
    return false;
}

/* Does If-None-Match list this ETag (or "*")? Weak comparison (RFC 9110). */
bool http_etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    const char *bare = etag + 2; /* skip W/ */
    size_t blen = strlen(bare);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, bare, blen) == 0 && (p[blen] == '\0' || p[blen] == ',' || p[blen] == ' '))
            return true;
        while (*p && *p != ',')
            p++;
    }
    return false;
}

static int64_t elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static enum MHD_Result send_response(struct server *srv, struct MHD_Connection *conn,
                                     const struct http_request *req, struct http_response *resp,
                                     const struct http_upload *up)
{
    char etag[48] = "";
    bool not_modified = resp->status == MHD_HTTP_NOT_MODIFIED;
    if (resp->etag_value[0]) {
        snprintf(etag, sizeof etag, "%s", resp->etag_value);
        not_modified =
            not_modified || (resp->status == 200 && http_etag_matches(req->if_none_match, etag));
    } else if (resp->etag && resp->status == 200 && resp->body) {
        unsigned char h[16];
        crypto_generichash(h, sizeof h, (const unsigned char *)resp->body, resp->len, NULL, 0);
        char hex[33];
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(etag, sizeof etag, "W/\"%s\"", hex);
        not_modified = http_etag_matches(req->if_none_match, etag);
    }

    struct MHD_Response *r;
    size_t sent = 0;
    bool gzipped = false;
    int status = resp->status;
    if (not_modified) {
        status = MHD_HTTP_NOT_MODIFIED;
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else if (resp->body) {
        void *buf = resp->body;
        size_t len = resp->len;
        if (req->accepts_gzip && resp->gzip_body) {
            buf = resp->gzip_body;
            len = resp->gzip_len;
            resp->gzip_body = NULL;
            gzipped = true;
        } else if (req->accepts_gzip && len > 256) {
            size_t zlen;
            unsigned char *z = http_gzip(resp->body, resp->len, &zlen);
            if (z) {
                free(resp->body);
                resp->body = NULL;
                buf = z;
                len = zlen;
                gzipped = true;
            }
        }
        if (buf == resp->body)
            resp->body = NULL; /* ownership moves to MHD */
        r = MHD_create_response_from_buffer_with_free_callback(len, buf, free);
        sent = len;
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (resp->content_type && !not_modified && sent > 0)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (gzipped)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Authorization");
    if (etag[0]) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
    }
    if (resp->retry_after[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, resp->retry_after);
    if (resp->allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (resp->disposition[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, resp->disposition);
    if (resp->replay)
        MHD_add_response_header(r, "Idempotent-Replay", "true");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    /* Never the query string's secrets: there are none by design; never the
     * Authorization header or the body. */
    server_log(srv, "%s %s %s %d %zu %lldus", req->remote, req->method, req->path, status, sent,
               (long long)elapsed_us(&up->started));
    return ret;
}

static void remote_address(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "-");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)len);
}

enum MHD_Result http_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct http_upload *up = *con_cls;
    if (!up || !up->raw_path)
        return MHD_NO;
    if (!up->seen) {
        up->seen = true;
        /* A declared length over the cap is refused once the body is drained. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > HTTP_MAX_BODY)
            up->too_large = true;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (up->too_large || up->len + n > HTTP_MAX_BODY) {
            up->too_large = true;
            free(up->body);
            up->body = NULL;
            up->len = up->cap = 0;
            return MHD_YES;
        }
        if (up->len + n + 1 > up->cap) {
            size_t ncap = up->cap ? up->cap : 4096;
            while (ncap < up->len + n + 1)
                ncap *= 2;
            char *b = realloc(up->body, ncap);
            if (!b)
                return MHD_NO;
            up->body = b;
            up->cap = ncap;
        }
        memcpy(up->body + up->len, upload_data, n);
        up->len += n;
        up->body[up->len] = '\0';
        return MHD_YES;
    }

    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    (void)url; /* decoded by MHD: '%2F' and '/' would look alike */
    req.path = up->raw_path;
    req.param_buf = up->param_buf;
    req.param_cap = strlen(up->raw_path) + 1;
    req.conn = conn;
    req.body = up->body ? up->body : "";
    req.body_len = up->len;
    req.content_type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req.authorization =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    req.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    req.if_none_match =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    req.accepts_gzip = accepts_gzip(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    remote_address(conn, req.remote, sizeof req.remote);

    struct http_response resp;
    memset(&resp, 0, sizeof resp);
    if (up->too_large)
        http_response_error(&resp, 413, "too_large",
                            "The request body is larger than 1 MiB (1048576 bytes)", NULL);
    else
        api_dispatch(srv, &req, &resp);
    enum MHD_Result ret = send_response(srv, conn, &req, &resp, up);
    http_response_free(&resp);
    return ret;
}

void http_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct http_upload *up = *con_cls;
    if (up) {
        free(up->raw_path);
        free(up->param_buf);
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}

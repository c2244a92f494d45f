/* net.c - the client's transfers on one curl multi handle: start, drive from
 * the event loop, and hand back finished answers with their byte counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mento-config.h"
#include "mento/net.h"

struct transfer {
    int id;
    CURL *easy;
    struct curl_slist *headers;
    char *body_up; /* kept alive until the transfer ends */
    char *buf;
    size_t len, cap;
    bool too_large;
    char etag[128];
    long retry_after_s;
    char errbuf[CURL_ERROR_SIZE];
};

struct net {
    CURLM *multi;
    char *base;
    char *ca_file;
    char *token;
    char user_agent[64];
    long connect_timeout_s, low_speed_bytes, low_speed_time_s;
    struct transfer *t[NET_MAX_TRANSFERS];
    int next_id;
};

mento_status net_open(struct net **out, const struct net_options *o, char *err, size_t err_len)
{
    *out = NULL;
    if (!o->base_url || strncmp(o->base_url, "http", 4) != 0) {
        snprintf(err, err_len, "the server address must start with http:// or https://");
        return MENTO_ERR_INVALID;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_len, "libcurl could not be initialised");
        return MENTO_ERR_IO;
    }
    struct net *n = calloc(1, sizeof *n);
    if (!n || !(n->multi = curl_multi_init()) || !(n->base = strdup(o->base_url)) ||
        (o->ca_file && !(n->ca_file = strdup(o->ca_file)))) {
        if (n) {
            curl_multi_cleanup(n->multi);
            free(n->base);
            free(n);
        }
        curl_global_cleanup();
        snprintf(err, err_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    size_t bl = strlen(n->base);
    while (bl > 0 && n->base[bl - 1] == '/')
        n->base[--bl] = '\0';
    snprintf(n->user_agent, sizeof n->user_agent, "%s",
             o->user_agent ? o->user_agent : "mento/" MENTO_VERSION);
    n->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : 20;
    n->low_speed_bytes = o->low_speed_bytes > 0 ? o->low_speed_bytes : 16;
    n->low_speed_time_s = o->low_speed_time_s > 0 ? o->low_speed_time_s : 60;
    /* Keep a few connections open to the one server. */
    curl_multi_setopt(n->multi, CURLMOPT_MAXCONNECTS, 4L);
    n->next_id = 1;
    *out = n;
    return MENTO_OK;
}

static void transfer_free(struct net *n, struct transfer *t)
{
    if (!t)
        return;
    if (t->easy) {
        curl_multi_remove_handle(n->multi, t->easy);
        curl_easy_cleanup(t->easy);
    }
    curl_slist_free_all(t->headers);
    free(t->body_up);
    free(t->buf);
    free(t);
}

void net_close(struct net **np)
{
    if (!np || !*np)
        return;
    struct net *n = *np;
    for (int i = 0; i < NET_MAX_TRANSFERS; i++)
        transfer_free(n, n->t[i]);
    curl_multi_cleanup(n->multi);
    if (n->token)
        memset(n->token, 0, strlen(n->token));
    free(n->token);
    free(n->base);
    free(n->ca_file);
    free(n);
    curl_global_cleanup();
    *np = NULL;
}

mento_status net_set_token(struct net *n, const char *token)
{
    if (n->token) {
        memset(n->token, 0, strlen(n->token));
        free(n->token);
        n->token = NULL;
    }
    if (token && !(n->token = strdup(token)))
        return MENTO_ERR_NOMEM;
    return MENTO_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct transfer *t = arg;
    size_t n = size * nmemb;
    if (t->len + n > NET_MAX_BODY) {
        t->too_large = true;
        return 0; /* curl stops the transfer with CURLE_WRITE_ERROR */
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 16384;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b)
            return 0;
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct transfer *t = arg;
    size_t n = size * nmemb;
    char line[256];
    size_t l = n < sizeof line - 1 ? n : sizeof line - 1;
    memcpy(line, data, l);
    line[l] = '\0';
    while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == '\n'))
        line[--l] = '\0';
    if (strncasecmp(line, "ETag:", 5) == 0) {
        const char *v = line + 5;
        while (*v == ' ')
            v++;
        snprintf(t->etag, sizeof t->etag, "%.127s", v);
    } else if (strncasecmp(line, "Retry-After:", 12) == 0) {
        /* Seconds only; an HTTP date is read as "soon". */
        char *end = NULL;
        long v = strtol(line + 12, &end, 10);
        t->retry_after_s = end != line + 12 && v >= 0 && v < 86400 ? v : 1;
    } else if (strncasecmp(line, "HTTP/", 5) == 0) {
        /* A new answer (after a 100 Continue or a redirect): start over. */
        t->etag[0] = '\0';
        t->retry_after_s = -1;
    }
    return n;
}

static int start(struct net *n, const char *path, const char *body, const char *key,
                 const char *if_none_match)
{
    int slot = -1;
    for (int i = 0; i < NET_MAX_TRANSFERS; i++)
        if (!n->t[i]) {
            slot = i;
            break;
        }
    if (slot < 0)
        return -1;
    struct transfer *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->retry_after_s = -1;
    size_t url_len = strlen(n->base) + strlen(path) + 1;
    char *url = malloc(url_len);
    if (!url || !(t->easy = curl_easy_init()) || (body && !(t->body_up = strdup(body)))) {
        free(url);
        transfer_free(n, t);
        return -1;
    }
    snprintf(url, url_len, "%s%s", n->base, path);
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url); /* curl copies it */
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, n->user_agent);
    /* Every encoding this libcurl can decode: gzip, and br and zstd when built in. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, n->connect_timeout_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, n->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, n->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (n->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, n->ca_file);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);

    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char line[600];
    if (h && n->token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", n->token);
        h = curl_slist_append(h, line);
        memset(line, 0, sizeof line);
    }
    if (h && key) {
        snprintf(line, sizeof line, "Idempotency-Key: %s", key);
        h = curl_slist_append(h, line);
    }
    if (h && if_none_match) {
        snprintf(line, sizeof line, "If-None-Match: %s", if_none_match);
        h = curl_slist_append(h, line);
    }
    if (h && body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (!h) {
        transfer_free(n, t);
        return -1;
    }
    t->headers = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->body_up));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body_up);
    }
    if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
        transfer_free(n, t);
        return -1;
    }
    t->id = n->next_id++;
    if (n->next_id <= 0)
        n->next_id = 1;
    n->t[slot] = t;
    return t->id;
}

int net_post_json(struct net *n, const char *path, const char *body, const char *idempotency_key)
{
    return start(n, path, body ? body : "{}", idempotency_key, NULL);
}

int net_get(struct net *n, const char *path, const char *if_none_match)
{
    return start(n, path, NULL, NULL, if_none_match);
}

int net_in_flight(const struct net *n)
{
    int k = 0;
    for (int i = 0; i < NET_MAX_TRANSFERS; i++)
        k += n->t[i] != NULL;
    return k;
}

mento_status net_wait(struct net *n, int extra_fd, int timeout_ms, bool *extra_ready)
{
    struct curl_waitfd w = {.fd = extra_fd, .events = CURL_WAIT_POLLIN};
    if (extra_ready)
        *extra_ready = false;
    if (curl_multi_poll(n->multi, extra_fd >= 0 ? &w : NULL, extra_fd >= 0 ? 1 : 0, timeout_ms,
                        NULL) != CURLM_OK)
        return MENTO_ERR_IO;
    if (extra_ready && extra_fd >= 0)
        *extra_ready = (w.revents & CURL_WAIT_POLLIN) != 0;
    int running;
    return curl_multi_perform(n->multi, &running) == CURLM_OK ? MENTO_OK : MENTO_ERR_IO;
}

void net_wakeup(struct net *n)
{
    curl_multi_wakeup(n->multi);
}

bool net_next_result(struct net *n, struct net_result *out)
{
    memset(out, 0, sizeof *out);
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (!t)
            continue;
        CURLcode rc = m->data.result;
        out->id = t->id;
        out->retry_after_s = t->retry_after_s;
        snprintf(out->etag, sizeof out->etag, "%s", t->etag);
        long req_size = 0, header_size = 0;
        curl_off_t up = 0, down = 0;
        curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &req_size);
        curl_easy_getinfo(t->easy, CURLINFO_HEADER_SIZE, &header_size);
        curl_easy_getinfo(t->easy, CURLINFO_SIZE_UPLOAD_T, &up);
        curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
        out->bytes_up = (uint64_t)req_size + (uint64_t)up;
        out->bytes_down = (uint64_t)header_size + (uint64_t)down;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &out->status);
            out->body = t->buf ? t->buf : calloc(1, 1);
            out->len = t->len;
            t->buf = NULL;
        } else {
            out->transport_error = true;
            if (t->too_large)
                snprintf(out->error, sizeof out->error,
                         "the server's answer is larger than %d bytes", NET_MAX_BODY);
            else
                snprintf(out->error, sizeof out->error, "%s",
                         t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
        }
        for (int i = 0; i < NET_MAX_TRANSFERS; i++)
            if (n->t[i] == t)
                n->t[i] = NULL;
        transfer_free(n, t);
        if (!out->transport_error && !out->body) {
            out->transport_error = true;
            snprintf(out->error, sizeof out->error, "out of memory");
        }
        return true;
    }
    return false;
}

void net_result_free(struct net_result *r)
{
    free(r->body);
    r->body = NULL;
}

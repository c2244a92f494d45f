/* net.h - the client's HTTP: one curl multi handle driven from the event
 * loop, so that no key ever waits for the network. Connections are kept
 * alive and reused; answers may come gzip, br or zstd encoded; a stalled
 * transfer is cut by a low-speed limit rather than a total timeout; TLS is
 * always verified (a custom CA file may be given); proxies come from the
 * environment as curl reads them. */
#ifndef MENTO_NET_H
#define MENTO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"

/* Transfers in flight at once. */
#define NET_MAX_TRANSFERS 8
/* Answers larger than this are cut and reported as errors. */
#define NET_MAX_BODY (16 * 1024 * 1024)

struct net_options {
    const char *base_url;   /* "https://mento.example.org" (no trailing /v1) */
    const char *ca_file;    /* NULL: the system's */
    long connect_timeout_s; /* 0: 20 */
    long low_speed_bytes;   /* 0: 16 bytes/s ... */
    long low_speed_time_s;  /* ... for 0: 60 s, then the transfer fails */
    const char *user_agent; /* NULL: "mento/<version>" */
};

struct net;

/* What came back for one transfer. */
struct net_result {
    int id;               /* as returned by net_post/net_get */
    bool transport_error; /* no HTTP answer: refused, reset, timed out, TLS */
    char error[256];      /* the transport error in words */
    long status;          /* HTTP status (0 on a transport error) */
    char *body;           /* decoded body, NUL-terminated (owned) */
    size_t len;
    char etag[128];
    long retry_after_s;  /* -1 when absent */
    uint64_t bytes_up;   /* request line, headers and body as sent */
    uint64_t bytes_down; /* status line, headers and body as received */
};

mento_status net_open(struct net **out, const struct net_options *o, char *err, size_t err_len);
void net_close(struct net **n);
/* The bearer token sent with every request from now on (NULL: none). */
mento_status net_set_token(struct net *n, const char *token);

/* Start a transfer; returns its id (> 0), or -1 when NET_MAX_TRANSFERS are
 * in flight or memory ran out. `path` starts with "/v1/". */
int net_post_json(struct net *n, const char *path, const char *body, const char *idempotency_key);
int net_get(struct net *n, const char *path, const char *if_none_match);
/* Number of transfers in flight. */
int net_in_flight(const struct net *n);

/* Wait up to `timeout_ms` for network activity or for `extra_fd` (-1: none,
 * e.g. standard input) to become readable, then move the transfers on.
 * *extra_ready tells whether the descriptor is readable. */
mento_status net_wait(struct net *n, int extra_fd, int timeout_ms, bool *extra_ready);
/* Wake a net_wait from another thread. */
void net_wakeup(struct net *n);

/* Take one finished transfer; false when none is waiting. */
bool net_next_result(struct net *n, struct net_result *out);
void net_result_free(struct net_result *r);

#endif

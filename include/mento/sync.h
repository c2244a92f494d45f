/* sync.h - the client's sync engine: one POST /v1/sync at a time carrying the
 * outbox up and the changes down, page after page while the server says
 * "more", applied to the store all or nothing. Failures back off
 * exponentially with full jitter, honouring Retry-After; a link that does not
 * answer makes the client offline until a sync succeeds. */
#ifndef MENTO_SYNC_H
#define MENTO_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "mento/net.h"
#include "mento/store.h"

#define SYNC_BACKOFF_FIRST_MS 1000
#define SYNC_BACKOFF_MAX_MS   (5 * 60 * 1000)
/* Directory entries per page (the server allows 1..2000). */
#define SYNC_PAGE_DEFAULT 500

enum sync_link { SYNC_LINK_UNKNOWN = 0, SYNC_LINK_ONLINE, SYNC_LINK_OFFLINE };

struct sync {
    struct store *store;
    struct net *net;
    char programme[64];
    int page_limit;
    enum sync_link link;
    bool running;     /* a POST is in flight */
    bool wanted;      /* a round was asked for and has not started */
    bool needs_login; /* the server refused the token */
    int transfer;     /* its net id */
    int failures;     /* in a row */
    int64_t retry_at; /* ms; 0: no retry waiting */
    uint32_t rng;
    char message[256]; /* what went wrong last, for the status line */
    int64_t last_ok;   /* ms of the last completed round */
    /* Totals, for the status line and the benchmark. */
    uint64_t bytes_up, bytes_down;
    unsigned round_trips;
};

/* What one finished transfer did. */
struct sync_report {
    bool applied;    /* a page went into the store: redraw */
    bool round_done; /* the round ended (success or not) */
    bool failed;
    int mentors, collections, settled, refused;
    bool programme; /* the programme object came: its resources may have changed */
};

void sync_init(struct sync *s, struct store *store, struct net *net, const char *programme,
               uint32_t seed);
/* Ask for a round: it starts at the next sync_step, or after the one in
 * flight; a waiting backoff is cut short (the user asked). */
void sync_request(struct sync *s);
/* Start what is due at `now_ms`. */
void sync_step(struct sync *s, int64_t now_ms);
/* Offer a finished transfer; true when it was the sync's (then `rep` says
 * what happened and the result has been consumed). */
bool sync_handle(struct sync *s, struct net_result *r, int64_t now_ms, struct sync_report *rep);
/* Milliseconds until the sync wants sync_step again (-1: not before an
 * event). */
int sync_timeout_ms(const struct sync *s, int64_t now_ms);

#endif

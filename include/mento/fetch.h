/* fetch.h - what the client reads from the server beside the sync, kept in
 * the store so that it is there offline: the programme's resources
 * (handbooks, agendas, topics), revalidated with their ETag, and the
 * calendar file of each booked or cancelled session. One background GET at
 * a time, only while the sync is idle and the link works, plus the calendar
 * the user is waiting for (an export), which goes at once. */
#ifndef MENTO_FETCH_H
#define MENTO_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "mento/net.h"
#include "mento/store.h"

/* Calendar files larger than this are not kept. */
#define FETCH_CALENDAR_MAX (256 * 1024)

enum fetch_what { FETCH_NONE = 0, FETCH_RESOURCES, FETCH_CALENDAR };

struct fetch {
    struct store *store;
    struct net *net;
    char programme[64];
    bool resources_wanted;     /* GET .../resources when the link allows */
    bool calendars_wanted;     /* look for sessions whose file is missing or stale */
    int transfer;              /* the background GET in flight (0: none) */
    enum fetch_what what;      /* ... and what it is */
    int64_t session;           /* ... for FETCH_CALENDAR */
    int64_t urgent;            /* the session whose file the user waits for (0: none) */
    int urgent_transfer;       /* its GET (0: not started) */
    char resources_error[256]; /* why the last resources fetch failed ("" when it did not) */
};

/* What one finished transfer did. */
struct fetch_report {
    enum fetch_what what;
    int64_t session_id; /* FETCH_CALENDAR */
    bool urgent;        /* the one the user waits for */
    bool stored;        /* the store changed */
    bool failed;
    bool transport; /* no answer at all: the link */
    long status;
    char message[256]; /* on failure, in words */
};

void fetch_init(struct fetch *f, struct store *store, struct net *net, const char *programme);
/* Ask for the resources again (at start, and when the user asks to sync). */
void fetch_resources(struct fetch *f);
/* The store changed after a sync: look for calendar files to fetch. */
void fetch_calendars(struct fetch *f);
/* The user waits for this session's calendar file: fetch it now. */
void fetch_calendar_now(struct fetch *f, int64_t session_id);
/* Start what is due; background GETs only when `link_ok` (the sync is idle
 * and its last round worked). */
void fetch_step(struct fetch *f, bool link_ok);
/* Offer a finished transfer; true when it was one of ours (then `rep` says
 * what happened and the result has been consumed). */
bool fetch_handle(struct fetch *f, struct net_result *r, int64_t now, struct fetch_report *rep);
/* Something is in flight, or due now that `link_ok`. */
bool fetch_busy(const struct fetch *f, bool link_ok);

#endif

/* fetch.c - the GETs beside the sync: the programme's resources with their
 * ETag, and sessions' calendar files, each answer checked before it is
 * kept in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mento/fetch.h"
#include "mento/utf8.h"

void fetch_init(struct fetch *f, struct store *store, struct net *net, const char *programme)
{
    memset(f, 0, sizeof *f);
    f->store = store;
    f->net = net;
    snprintf(f->programme, sizeof f->programme, "%s", programme);
}

void fetch_resources(struct fetch *f)
{
    f->resources_wanted = true;
}

void fetch_calendars(struct fetch *f)
{
    f->calendars_wanted = true;
    /* A resources fetch that failed is tried again once the link works. */
    if (f->resources_error[0])
        f->resources_wanted = true;
}

void fetch_calendar_now(struct fetch *f, int64_t session_id)
{
    f->urgent = session_id;
    f->urgent_transfer = 0;
}

/* "/v1/programmes/<id, percent-encoded><rest>". */
static void programme_path(const struct fetch *f, const char *rest, char *out, size_t cap)
{
    char enc[3 * sizeof f->programme + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)f->programme; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            enc[n++] = (char)*p;
        else
            n += (size_t)snprintf(enc + n, 4, "%%%02X", *p);
    }
    enc[n] = '\0';
    snprintf(out, cap, "/v1/programmes/%s%s", enc, rest);
}

static int start_calendar(struct fetch *f, int64_t session)
{
    char rest[64], path[512];
    snprintf(rest, sizeof rest, "/sessions/%lld/calendar", (long long)session);
    programme_path(f, rest, path, sizeof path);
    return net_get(f->net, path, NULL);
}

void fetch_step(struct fetch *f, bool link_ok)
{
    if (!f->net)
        return;
    if (f->urgent && !f->urgent_transfer) {
        int id = start_calendar(f, f->urgent);
        if (id > 0)
            f->urgent_transfer = id;
    }
    if (f->transfer || !link_ok)
        return;
    if (f->resources_wanted) {
        char etag[128], path[512];
        int64_t at;
        if (store_resources_etag(f->store, f->programme, etag, sizeof etag, &at) != MENTO_OK)
            etag[0] = '\0';
        programme_path(f, "/resources", path, sizeof path);
        int id = net_get(f->net, path, etag[0] ? etag : NULL);
        if (id > 0) {
            f->transfer = id;
            f->what = FETCH_RESOURCES;
            f->resources_wanted = false;
        }
        return;
    }
    if (f->calendars_wanted) {
        int64_t ids[2];
        int n = store_calendars_missing(f->store, f->programme, ids, 2);
        int64_t next = n > 0 && ids[0] != f->urgent ? ids[0] : n > 1 ? ids[1] : 0;
        if (!next) {
            f->calendars_wanted = false;
            return;
        }
        int id = start_calendar(f, next);
        if (id > 0) {
            f->transfer = id;
            f->what = FETCH_CALENDAR;
            f->session = next;
        }
    }
}

bool fetch_busy(const struct fetch *f, bool link_ok)
{
    return f->net &&
           (f->transfer || f->urgent || (link_ok && (f->resources_wanted || f->calendars_wanted)));
}

/* The server's error message, or what it answered. */
static void server_said(const struct net_result *r, const char *what, char *out, size_t cap)
{
    cJSON *j = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *m =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "error"), "message");
    if (cJSON_IsString(m))
        snprintf(out, cap, "the server refused %s (%ld): %.160s", what, r->status, m->valuestring);
    else
        snprintf(out, cap, "the server answered %ld for %s", r->status, what);
    cJSON_Delete(j);
}

static void resources_result(struct fetch *f, struct net_result *r, int64_t now,
                             struct fetch_report *rep)
{
    rep->what = FETCH_RESOURCES;
    rep->status = r->status;
    if (r->transport_error) {
        rep->failed = rep->transport = true;
        snprintf(rep->message, sizeof rep->message, "offline: %.200s", r->error);
    } else if (r->status == 304) {
        if (store_resources_checked(f->store, f->programme, now) != MENTO_OK) {
            rep->failed = true;
            snprintf(rep->message, sizeof rep->message, "the local store could not be written");
        }
    } else if (r->status == 200) {
        cJSON *j = cJSON_ParseWithLength(r->body, r->len);
        char err[200] = "";
        mento_status st =
            j ? store_resources_replace(f->store, f->programme, j, r->etag, now, err, sizeof err)
              : MENTO_ERR_PARSE;
        if (!j)
            snprintf(err, sizeof err, "the answer is not JSON");
        cJSON_Delete(j);
        if (st == MENTO_OK) {
            rep->stored = true;
        } else {
            rep->failed = true;
            snprintf(rep->message, sizeof rep->message, "the server's resources are not usable: %s",
                     err);
        }
    } else {
        rep->failed = true;
        server_said(r, "the resources", rep->message, sizeof rep->message);
    }
    snprintf(f->resources_error, sizeof f->resources_error, "%s", rep->failed ? rep->message : "");
}

/* An iCalendar file: text, of a sane size, from BEGIN:VCALENDAR to its end. */
static bool calendar_usable(const char *body, size_t len)
{
    if (!body || len == 0 || len > FETCH_CALENDAR_MAX || memchr(body, '\0', len) ||
        !utf8_valid(body, len))
        return false;
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
        body += 3, len -= 3;
    return len > 15 && memcmp(body, "BEGIN:VCALENDAR", 15) == 0 && strstr(body, "END:VCALENDAR");
}

/* Returns whether the next calendar may follow: this one was kept, or its
 * refusal recorded. */
static bool calendar_result(struct fetch *f, int64_t session, struct net_result *r, int64_t now,
                            struct fetch_report *rep)
{
    rep->what = FETCH_CALENDAR;
    rep->session_id = session;
    rep->status = r->status;
    if (r->transport_error) {
        rep->failed = rep->transport = true;
        snprintf(rep->message, sizeof rep->message, "offline: %.200s", r->error);
        return false;
    }
    if (r->status == 200) {
        if (!calendar_usable(r->body, r->len)) {
            rep->failed = true;
            snprintf(rep->message, sizeof rep->message,
                     "the server's answer is not a calendar file");
            return false;
        }
        mento_status st = store_calendar_put(f->store, f->programme, session, r->body, r->len, now);
        if (st == MENTO_OK) {
            rep->stored = true;
        } else {
            rep->failed = true;
            snprintf(rep->message, sizeof rep->message, "%s",
                     st == MENTO_ERR_NOT_FOUND ? "the session is not in the local store yet"
                                               : "the local store could not be written");
        }
        return st == MENTO_OK;
    }
    rep->failed = true;
    server_said(r, "the invitation", rep->message, sizeof rep->message);
    /* Refused for this version of the session: not asked again until it
     * changes. (401, 429 and 5xx may pass; they are asked again later.) */
    return r->status >= 400 && r->status < 500 && r->status != 401 && r->status != 429 &&
           store_calendar_put(f->store, f->programme, session, NULL, 0, now) == MENTO_OK;
}

bool fetch_handle(struct fetch *f, struct net_result *r, int64_t now, struct fetch_report *rep)
{
    memset(rep, 0, sizeof *rep);
    if (f->urgent_transfer && r->id == f->urgent_transfer) {
        int64_t session = f->urgent;
        f->urgent = 0;
        f->urgent_transfer = 0;
        calendar_result(f, session, r, now, rep);
        rep->urgent = true;
    } else if (f->transfer && r->id == f->transfer) {
        f->transfer = 0;
        if (f->what == FETCH_RESOURCES) {
            resources_result(f, r, now, rep);
        } else {
            /* Go on with the next one only while the answers are good. */
            if (!calendar_result(f, f->session, r, now, rep))
                f->calendars_wanted = false;
        }
        f->what = FETCH_NONE;
    } else {
        return false;
    }
    net_result_free(r);
    return true;
}

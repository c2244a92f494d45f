/* sync.c - the sync engine: build the round trip from the store's cursor and
 * outbox, apply the answer, page on, back off on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mento/sync.h"

void sync_init(struct sync *s, struct store *store, struct net *net, const char *programme,
               uint32_t seed)
{
    memset(s, 0, sizeof *s);
    s->store = store;
    s->net = net;
    snprintf(s->programme, sizeof s->programme, "%s", programme);
    s->page_limit = SYNC_PAGE_DEFAULT;
    s->rng = seed ? seed : 0x9e3779b9u;
}

void sync_request(struct sync *s)
{
    s->wanted = true;
    s->needs_login = false;
    if (!s->running)
        s->retry_at = 0;
}

static uint32_t next_random(struct sync *s)
{
    /* xorshift32: jitter only, not a secret. */
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return s->rng = x;
}

/* Full jitter: a random delay up to the exponential bound, never below what
 * the server asked for. */
static void back_off(struct sync *s, int64_t now_ms, long retry_after_s)
{
    s->failures++;
    int64_t bound = SYNC_BACKOFF_FIRST_MS;
    for (int i = 1; i < s->failures && bound < SYNC_BACKOFF_MAX_MS; i++)
        bound *= 2;
    if (bound > SYNC_BACKOFF_MAX_MS)
        bound = SYNC_BACKOFF_MAX_MS;
    int64_t delay = (int64_t)(next_random(s) % (uint32_t)bound);
    if (retry_after_s >= 0 && delay < retry_after_s * 1000)
        delay = retry_after_s * 1000;
    s->retry_at = now_ms + delay;
    s->wanted = true;
}

static char *round_body(struct sync *s)
{
    char cursor[STORE_CURSOR_MAX];
    if (store_cursor(s->store, s->programme, cursor, sizeof cursor) != MENTO_OK)
        cursor[0] = '\0';
    cJSON *ops = store_outbox_batch(s->store, s->programme);
    cJSON *body = cJSON_CreateObject();
    if (!ops || !body) {
        cJSON_Delete(ops);
        cJSON_Delete(body);
        return NULL;
    }
    cJSON_AddStringToObject(body, "programme", s->programme);
    cJSON_AddStringToObject(body, "cursor", cursor);
    cJSON_AddNumberToObject(body, "limit", s->page_limit);
    if (cJSON_GetArraySize(ops) > 0)
        cJSON_AddItemToObject(body, "ops", ops);
    else
        cJSON_Delete(ops);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    return text;
}

void sync_step(struct sync *s, int64_t now_ms)
{
    if (s->running || !s->wanted || s->needs_login || (s->retry_at && now_ms < s->retry_at))
        return;
    char *body = round_body(s);
    if (!body) {
        snprintf(s->message, sizeof s->message, "out of memory preparing the sync");
        back_off(s, now_ms, -1);
        return;
    }
    int id = net_post_json(s->net, "/v1/sync", body, NULL);
    free(body);
    if (id < 0) {
        back_off(s, now_ms, -1);
        return;
    }
    s->transfer = id;
    s->running = true;
    s->wanted = false;
    s->retry_at = 0;
}

static const char *error_message(const cJSON *json, const char *fallback)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    return cJSON_IsString(m) ? m->valuestring : fallback;
}

bool sync_handle(struct sync *s, struct net_result *r, int64_t now_ms, struct sync_report *rep)
{
    if (!s->running || r->id != s->transfer)
        return false;
    memset(rep, 0, sizeof *rep);
    s->running = false;
    s->transfer = 0;
    s->bytes_up += r->bytes_up;
    s->bytes_down += r->bytes_down;
    s->round_trips++;
    if (r->transport_error) {
        s->link = SYNC_LINK_OFFLINE;
        snprintf(s->message, sizeof s->message, "offline: %.200s", r->error);
        back_off(s, now_ms, -1);
        rep->failed = rep->round_done = true;
        return true;
    }
    cJSON *json = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    if (r->status == 200 && json) {
        struct store_sync_summary sum;
        char err[256];
        /* now_ms is the monotonic clock of the back-off; the store keeps
         * the wall-clock time of the sync, which the status line shows. */
        mento_status st = store_apply_sync(s->store, s->programme, json, (int64_t)time(NULL),
                                           &sum, err, sizeof err);
        if (st == MENTO_OK) {
            s->link = SYNC_LINK_ONLINE;
            s->failures = 0;
            s->message[0] = '\0';
            rep->applied = true;
            rep->mentors = sum.mentors;
            rep->collections = sum.collections;
            rep->settled = sum.settled;
            rep->refused = sum.refused;
            rep->programme = sum.programme;
            /* More pages, or operations queued meanwhile: go on at once. */
            if (sum.more || store_outbox_count(s->store, s->programme) > 0) {
                if (sum.more || sum.settled > 0)
                    s->wanted = true;
            }
            if (!s->wanted) {
                rep->round_done = true;
                s->last_ok = now_ms;
            }
        } else {
            snprintf(s->message, sizeof s->message, "the server's answer was not usable: %.200s",
                     err);
            back_off(s, now_ms, -1);
            rep->failed = rep->round_done = true;
        }
    } else if (r->status == 401) {
        s->needs_login = true;
        s->link = SYNC_LINK_ONLINE;
        snprintf(s->message, sizeof s->message,
                 "the server no longer accepts this login: run mento login");
        rep->failed = rep->round_done = true;
    } else if (!json && r->status < 500) {
        /* A proxy's page, a captive portal, another service: not the API. */
        s->link = SYNC_LINK_OFFLINE;
        snprintf(s->message, sizeof s->message,
                 "the server's answer (%ld) is not the mento API: check the server address or "
                 "the network's login page",
                 r->status);
        back_off(s, now_ms, r->retry_after_s);
        rep->failed = rep->round_done = true;
    } else if (r->status == 429 || r->status >= 500) {
        s->link = r->status >= 500 ? SYNC_LINK_OFFLINE : SYNC_LINK_ONLINE;
        snprintf(s->message, sizeof s->message, "the server answered %ld: %s", r->status,
                 error_message(json, "try again later"));
        back_off(s, now_ms, r->retry_after_s);
        rep->failed = rep->round_done = true;
    } else {
        /* A refusal of the whole call (4xx): retrying will not help soon. */
        s->link = SYNC_LINK_ONLINE;
        snprintf(s->message, sizeof s->message, "sync refused (%ld): %s", r->status,
                 error_message(json, "no reason given"));
        back_off(s, now_ms, 60);
        rep->failed = rep->round_done = true;
    }
    cJSON_Delete(json);
    net_result_free(r);
    return true;
}

int sync_timeout_ms(const struct sync *s, int64_t now_ms)
{
    if (s->running || !s->wanted || s->needs_login)
        return -1;
    if (!s->retry_at || s->retry_at <= now_ms)
        return 0;
    int64_t d = s->retry_at - now_ms;
    return d > 60000 ? 60000 : (int)d;
}

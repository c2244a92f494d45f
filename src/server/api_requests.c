/* api_requests.c - the wish-list and the request workflow: send, the mentor's one
 * current request, accept/decline/withdraw, the cascade, reminder and expiry. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mento/api.h"
#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/pairings.h"
#include "mento/requests.h"
#include "mento/rules.h"
#include "mento/server.h"

#define WISHLIST_MAX      50
#define MESSAGE_MAX       1000
#define REASON_MAX        500
#define LIST_PER_PAGE     50
#define LIST_PER_PAGE_MAX 200
#define ID_MAX            9007199254740991LL /* the largest integer JSON carries exactly */

struct id_list {
    int64_t *v;
    size_t n, cap;
};

static mento_status ids_push(struct id_list *l, int64_t id)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        int64_t *nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv)
            return MENTO_ERR_NOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = id;
    return MENTO_OK;
}

/* Every value of the first column, collected before the caller changes rows. */
static mento_status ids_collect(sqlite3 *db, struct id_list *out, const char *sql,
                                const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = sql_prepare_v(db, sql, types, ap);
    va_end(ap);
    memset(out, 0, sizeof *out);
    if (!st)
        return MENTO_ERR_DB;
    int r;
    mento_status rc = MENTO_OK;
    while (rc == MENTO_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = ids_push(out, sqlite3_column_int64(st, 0));
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    if (rc != MENTO_OK) {
        free(out->v);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* ---- Loading ------------------------------------------------------------------ */

struct member {
    bool exists;
    unsigned roles;
    int capacity;
    bool hidden;
    bool active; /* status active or selected */
    bool cascade;
};

static mento_status member_load(sqlite3 *db, const char *pid, int64_t user, struct member *m)
{
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st =
        sql_prepare(db,
                    "SELECT roles, capacity, hidden, status, cascade FROM memberships"
                    " WHERE user_id = ? AND programme_id = ?",
                    "it", user, pid);
    if (!st)
        return MENTO_ERR_DB;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 3);
        m->exists = true;
        m->roles = (unsigned)sqlite3_column_int(st, 0);
        m->capacity = sqlite3_column_int(st, 1);
        m->hidden = sqlite3_column_int(st, 2) != 0;
        m->active = status && (!strcmp(status, "active") || !strcmp(status, "selected"));
        m->cascade = sqlite3_column_int(st, 4) != 0;
    }
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

/* `p` must be initialised; release it with mento_profile_free. */
static mento_status profile_load(sqlite3 *db, int64_t user, struct mento_profile *p)
{
    sqlite3_stmt *st = sql_prepare(db, "SELECT answers FROM profiles WHERE user_id = ?", "i", user);
    if (!st)
        return MENTO_ERR_DB;
    cJSON *obj = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        obj = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!obj)
        return MENTO_ERR_NOT_FOUND;
    struct codec_error err;
    mento_status rc = codec_profile_from_json(obj, p, &err);
    cJSON_Delete(obj);
    p->user_id = user;
    return rc;
}

/* The user's name, "" when unknown. */
static void user_name(sqlite3 *db, int64_t user, char *buf, size_t cap)
{
    struct mento_profile p;
    mento_profile_init(&p);
    buf[0] = '\0';
    if (profile_load(db, user, &p) == MENTO_OK && p.name)
        snprintf(buf, cap, "%s", p.name);
    mento_profile_free(&p);
}

static mento_status programme_load(sqlite3 *db, const char *pid, struct mento_programme *prog)
{
    mento_programme_init(prog);
    sqlite3_stmt *st = sql_prepare(db, "SELECT settings FROM programmes WHERE id = ?", "t", pid);
    if (!st)
        return MENTO_ERR_DB;
    cJSON *obj = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        obj = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!obj)
        return MENTO_ERR_NOT_FOUND;
    struct codec_error err;
    mento_status rc = codec_programme_from_json(obj, prog, &err);
    cJSON_Delete(obj);
    return rc;
}

static int count_as_mentee(sqlite3 *db, const char *pid, int64_t mentee)
{
    int64_t n = 0;
    sql_int(db, &n, 0,
            "SELECT count(*) FROM pairings WHERE programme_id = ? AND mentee_id = ?"
            " AND state = 'active'",
            "ti", pid, mentee);
    return (int)n;
}

static bool paired(sqlite3 *db, const char *pid, int64_t mentee, int64_t mentor)
{
    int64_t n = 0;
    sql_int(db, &n, 0,
            "SELECT count(*) FROM pairings WHERE programme_id = ? AND mentee_id = ?"
            " AND mentor_id = ? AND state = 'active'",
            "tii", pid, mentee, mentor);
    return n > 0;
}

static bool has_open_request(sqlite3 *db, const char *pid, int64_t mentee)
{
    int64_t n = 0;
    sql_int(db, &n, 0,
            "SELECT count(*) FROM requests WHERE programme_id = ? AND mentee_id = ?"
            " AND state = 'open'",
            "ti", pid, mentee);
    return n > 0;
}

/* Can `mentee` (session languages `langs`) request `mentor` now? */
enum avail { AV_OK, AV_UNKNOWN, AV_PAIRED, AV_UNAVAILABLE, AV_FULL };

static enum avail mentor_avail(sqlite3 *db, const char *pid, int64_t mentee, unsigned langs,
                               int64_t mentor)
{
    struct member m;
    if (mentor == mentee || member_load(db, pid, mentor, &m) != MENTO_OK || !m.exists ||
        !(m.roles & MENTO_ROLE_MENTOR))
        return AV_UNKNOWN;
    if (paired(db, pid, mentee, mentor))
        return AV_PAIRED;
    if (m.hidden || !m.active || api_user_frozen(db, mentor) ||
        pairings_no_match(db, pid, mentee, mentor))
        return AV_UNAVAILABLE;
    struct mento_profile p;
    mento_profile_init(&p);
    bool share =
        profile_load(db, mentor, &p) == MENTO_OK && rules_languages_share(langs, p.languages);
    mento_profile_free(&p);
    if (!share)
        return AV_UNAVAILABLE;
    if (api_count_mentees(db, mentor, pid) >= m.capacity)
        return AV_FULL;
    return AV_OK;
}

static unsigned user_languages(sqlite3 *db, int64_t user)
{
    struct mento_profile p;
    mento_profile_init(&p);
    unsigned langs = profile_load(db, user, &p) == MENTO_OK ? p.languages : 0;
    mento_profile_free(&p);
    return langs;
}

/* ---- The request object ----------------------------------------------------------- */

struct req_row {
    int64_t id, mentee, mentor, sent_at, reminder_at, deadline, decided_at, cascaded_from, chain_id,
        pairing_id, seq;
    char programme[80];
    char kind[16];
    char state[16];
    char *message;
    char *decline_reason;
};

static void req_row_free(struct req_row *r)
{
    free(r->message);
    free(r->decline_reason);
    r->message = r->decline_reason = NULL;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? strdup(s) : NULL;
}

static mento_status req_load(sqlite3 *db, int64_t id, struct req_row *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = sql_prepare(
        db,
        "SELECT id, programme_id, mentee_id, mentor_id, kind, state, message, decline_reason,"
        " sent_at, reminder_at, deadline, decided_at, cascaded_from, chain_id, pairing_id, seq"
        " FROM requests WHERE id = ?",
        "i", id);
    if (!st)
        return MENTO_ERR_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(st, 0);
        snprintf(r->programme, sizeof r->programme, "%s", sqlite3_column_text(st, 1));
        r->mentee = sqlite3_column_int64(st, 2);
        r->mentor = sqlite3_column_int64(st, 3);
        snprintf(r->kind, sizeof r->kind, "%s", sqlite3_column_text(st, 4));
        snprintf(r->state, sizeof r->state, "%s", sqlite3_column_text(st, 5));
        r->message = dup_col(st, 6);
        r->decline_reason = dup_col(st, 7);
        r->sent_at = sqlite3_column_int64(st, 8);
        r->reminder_at = sqlite3_column_int64(st, 9);
        r->deadline = sqlite3_column_int64(st, 10);
        r->decided_at = sqlite3_column_int64(st, 11);
        r->cascaded_from = sqlite3_column_int64(st, 12);
        r->chain_id = sqlite3_column_int64(st, 13);
        r->pairing_id = sqlite3_column_int64(st, 14);
        r->seq = sqlite3_column_int64(st, 15);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return MENTO_ERR_NOT_FOUND;
    return rc == SQLITE_ROW ? MENTO_OK : MENTO_ERR_DB;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* The mentee card of a request: the shown answers only. */
static cJSON *mentee_card(sqlite3 *db, int64_t mentee)
{
    static const char *const shown[] = {
        "name",         "grade",    "job_network", "entity",
        "duty_station", "timezone", "languages",   "years_experience",
        "skills",       "goals",    "bio",         "linkedin"};
    cJSON *card = cJSON_CreateObject();
    if (!card)
        return NULL;
    cJSON_AddNumberToObject(card, "user_id", (double)mentee);
    struct mento_profile p;
    mento_profile_init(&p);
    if (profile_load(db, mentee, &p) == MENTO_OK) {
        cJSON *all = codec_profile_to_json(&p, 0);
        for (size_t i = 0; all && i < sizeof shown / sizeof shown[0]; i++) {
            cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(all, shown[i]);
            if (v)
                cJSON_AddItemToObject(card, shown[i], v);
        }
        cJSON_Delete(all);
    }
    mento_profile_free(&p);
    return card;
}

static cJSON *req_row_json(sqlite3 *db, const struct req_row *r, bool mentor_view)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddStringToObject(o, "programme", r->programme);
    cJSON_AddStringToObject(o, "kind", r->kind);
    cJSON_AddStringToObject(o, "state", r->state);
    if (mentor_view) {
        cJSON_AddItemToObject(o, "mentee", mentee_card(db, r->mentee));
    } else {
        char name[256];
        user_name(db, r->mentor, name, sizeof name);
        cJSON *m = cJSON_AddObjectToObject(o, "mentor");
        cJSON_AddNumberToObject(m, "user_id", (double)r->mentor);
        cJSON_AddStringToObject(m, "name", name);
    }
    if (r->message)
        cJSON_AddStringToObject(o, "message", r->message);
    add_time(o, "sent_at", r->sent_at);
    add_time(o, "reminder_at", r->reminder_at);
    add_time(o, "deadline", r->deadline);
    if (strcmp(r->state, "open") != 0 && r->decided_at)
        add_time(o, "decided_at", r->decided_at);
    if (r->decline_reason)
        cJSON_AddStringToObject(o, "decline_reason", r->decline_reason);
    if (r->cascaded_from)
        cJSON_AddNumberToObject(o, "cascaded_from", (double)r->cascaded_from);
    if (r->pairing_id)
        cJSON_AddNumberToObject(o, "pairing_id", (double)r->pairing_id);
    return o;
}

static cJSON *req_json(sqlite3 *db, int64_t id, bool mentor_view)
{
    struct req_row r;
    if (req_load(db, id, &r) != MENTO_OK)
        return NULL;
    cJSON *o = req_row_json(db, &r, mentor_view);
    req_row_free(&r);
    return o;
}

/* The oldest open request addressed to `mentor` in `pid` (0: none). */
static int64_t current_request_id(sqlite3 *db, const char *pid, int64_t mentor)
{
    int64_t id = 0;
    sql_int(db, &id, 0,
            "SELECT id FROM requests WHERE programme_id = ? AND mentor_id = ? AND state = 'open'"
            " ORDER BY sent_at, id LIMIT 1",
            "ti", pid, mentor);
    return id;
}

static cJSON *current_request_json(sqlite3 *db, const char *pid, int64_t mentor)
{
    int64_t id = current_request_id(db, pid, mentor);
    cJSON *o = id ? req_json(db, id, true) : NULL;
    return o ? o : cJSON_CreateNull();
}

/* ---- The workflow ------------------------------------------------------------------- */

static mento_status bump_membership(struct api_ctx *ctx, const char *pid, int64_t user)
{
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        return MENTO_ERR_DB;
    return sql_exec(ctx->db,
                    "UPDATE memberships SET seq = ? WHERE user_id = ? AND programme_id = ?", "iit",
                    seq, user, pid);
}

/* Insert an open request and tell the mentor (without naming the mentee).
 * MENTO_ERR_INVALID when the mentee already has an open request. */
static mento_status request_insert(struct api_ctx *ctx, const char *pid,
                                   const struct mento_programme *prog, int64_t mentee,
                                   int64_t mentor, const char *kind, const char *message,
                                   int64_t cascaded_from, int64_t chain, int64_t *id_out)
{
    struct mento_profile p;
    mento_profile_init(&p);
    profile_load(ctx->db, mentor, &p);
    int64_t deadline;
    mento_status rc = rules_request_deadline(ctx->now, p.timezone ? p.timezone : "UTC",
                                             prog->request_days, &deadline);
    mento_profile_free(&p);
    if (rc != MENTO_OK &&
        rules_request_deadline(ctx->now, "UTC", prog->request_days, &deadline) != MENTO_OK)
        deadline = ctx->now + (int64_t)prog->request_days * 86400;
    int64_t reminder_at = ctx->now + (int64_t)prog->reminder_hours * 3600;
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        return MENTO_ERR_DB;
    rc = sql_exec(ctx->db,
                  "INSERT INTO requests(programme_id, mentee_id, mentor_id, kind, state, message,"
                  " sent_at, reminder_at, deadline, cascaded_from, chain_id, seq)"
                  " VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, nullif(?, 0), nullif(?, 0), ?)",
                  "tiittiiiiii", pid, mentee, mentor, kind, message, ctx->now, reminder_at,
                  deadline, cascaded_from, chain, seq);
    if (rc != MENTO_OK)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(ctx->db);
    if (!chain &&
        sql_exec(ctx->db, "UPDATE requests SET chain_id = id WHERE id = ?", "i", id) != MENTO_OK)
        return MENTO_ERR_DB;
    if (id_out)
        *id_out = id;
    return notify_user(ctx, mentor, pid, NOTIFY_REQUEST_RECEIVED, NULL, 0,
                       "You have a new %s request in %s: please accept or decline it.", kind,
                       prog->name ? prog->name : pid);
}

/* The cascade after request `r` closed: the next available mentor on the
 * mentee's wish-list not yet asked in this chain. */
static mento_status cascade_after(struct api_ctx *ctx, const struct req_row *r)
{
    struct member me;
    if (member_load(ctx->db, r->programme, r->mentee, &me) != MENTO_OK)
        return MENTO_ERR_DB;
    if (!me.exists || !me.cascade || !me.active || !(me.roles & MENTO_ROLE_MENTEE) ||
        api_user_frozen(ctx->db, r->mentee) || has_open_request(ctx->db, r->programme, r->mentee))
        return MENTO_OK;
    struct mento_programme prog;
    mento_status rc = programme_load(ctx->db, r->programme, &prog);
    if (rc != MENTO_OK) {
        mento_programme_free(&prog);
        return rc == MENTO_ERR_NOT_FOUND ? MENTO_OK : rc;
    }
    if (prog.matching != MENTO_MATCHING_MENTEE_LED ||
        count_as_mentee(ctx->db, r->programme, r->mentee) >= prog.mentee_max_mentors) {
        mento_programme_free(&prog);
        return MENTO_OK;
    }
    struct id_list wish;
    rc = ids_collect(ctx->db, &wish,
                     "SELECT w.mentor_id FROM wishlist w WHERE w.mentee_id = ? AND"
                     " w.programme_id = ? AND NOT EXISTS (SELECT 1 FROM requests q WHERE"
                     " q.chain_id = ? AND q.mentor_id = w.mentor_id) ORDER BY w.position",
                     "iti", r->mentee, r->programme, r->chain_id ? r->chain_id : r->id);
    if (rc != MENTO_OK) {
        mento_programme_free(&prog);
        return rc;
    }
    unsigned langs = user_languages(ctx->db, r->mentee);
    int64_t next = 0;
    for (size_t i = 0; i < wish.n && !next; i++)
        if (mentor_avail(ctx->db, r->programme, r->mentee, langs, wish.v[i]) == AV_OK)
            next = wish.v[i];
    free(wish.v);
    if (!next) {
        mento_programme_free(&prog);
        return notify_user(ctx, r->mentee, r->programme, NOTIFY_REQUEST_CASCADE_ENDED, NULL, 0,
                           "No other mentor on your wish-list is available now, so your request"
                           " was not passed on.");
    }
    int64_t id = 0;
    rc = request_insert(ctx, r->programme, &prog, r->mentee, next, r->kind, r->message, r->id,
                        r->chain_id ? r->chain_id : r->id, &id);
    mento_programme_free(&prog);
    if (rc != MENTO_OK)
        return rc == MENTO_ERR_INVALID ? MENTO_OK : rc;
    char name[256];
    user_name(ctx->db, next, name, sizeof name);
    return notify_user(ctx, r->mentee, r->programme, NOTIFY_REQUEST_CASCADED, "request", id,
                       "Your request was passed on to %s, next on your wish-list.", name);
}

/* Close open request `id` because of `why`: except for a withdrawal, the
 * mentee is told and the cascade applies. MENTO_ERR_INVALID when not open. */
enum close_why { CLOSE_DECLINED, CLOSE_EXPIRED, CLOSE_FULL, CLOSE_LEFT, CLOSE_WITHDRAWN };

static mento_status request_close(struct api_ctx *ctx, int64_t id, enum close_why why,
                                  const char *reason, int64_t decided_at)
{
    static const char *const states[] = {"declined", "expired", "passed_on", "passed_on",
                                         "withdrawn"};
    struct req_row r;
    mento_status rc = req_load(ctx->db, id, &r);
    if (rc != MENTO_OK)
        return rc;
    if (strcmp(r.state, "open") != 0) {
        req_row_free(&r);
        return MENTO_ERR_INVALID;
    }
    int64_t seq = db_next_seq(ctx->db);
    rc = seq ? sql_exec(ctx->db,
                        "UPDATE requests SET state = ?, decline_reason = ?, decided_at = ?,"
                        " seq = ? WHERE id = ?",
                        "ttiii", states[why], reason, decided_at, seq, id)
             : MENTO_ERR_DB;
    if (rc == MENTO_OK && why != CLOSE_WITHDRAWN) {
        char name[256];
        user_name(ctx->db, r.mentor, name, sizeof name);
        switch (why) {
        case CLOSE_DECLINED:
            rc = notify_user(ctx, r.mentee, r.programme, NOTIFY_REQUEST_DECLINED, "request", id,
                             "%s declined your request%s%s", name, reason ? ": " : ".",
                             reason ? reason : "");
            break;
        case CLOSE_EXPIRED:
            rc = notify_user(ctx, r.mentee, r.programme, NOTIFY_REQUEST_EXPIRED, "request", id,
                             "Your request to %s expired without an answer.", name);
            break;
        case CLOSE_FULL:
            rc = notify_user(ctx, r.mentee, r.programme, NOTIFY_REQUEST_MENTOR_FULL, "request", id,
                             "%s has no room for another mentee now, so your request was"
                             " passed on.",
                             name);
            break;
        default:
            rc = notify_user(ctx, r.mentee, r.programme, NOTIFY_REQUEST_DECLINED, "request", id,
                             "%s is not taking requests now, so your request was passed on.", name);
            break;
        }
        if (rc == MENTO_OK)
            rc = cascade_after(ctx, &r);
    }
    req_row_free(&r);
    return rc;
}

mento_status requests_send(struct api_ctx *ctx, const char *programme, int64_t mentee,
                           int64_t mentor, const char *kind, const char *message,
                           cJSON **request_out, struct http_response *resp)
{
    struct mento_programme prog;
    unsigned roles = 0;
    mento_programme_init(&prog);
    if (request_out)
        *request_out = NULL;
    if (!api_membership(ctx, programme, mentee, &prog, &roles, resp)) {
        mento_programme_free(&prog);
        return MENTO_ERR_INVALID;
    }
    mento_status rc = MENTO_ERR_INVALID;
    struct member me;
    if (!kind)
        kind = "mentoring";
    if (!(roles & MENTO_ROLE_MENTEE)) {
        http_response_error(resp, 403, "role_required", "Only mentees can send requests", NULL);
    } else if (strcmp(kind, "mentoring") != 0 && strcmp(kind, "networking") != 0) {
        http_response_error(resp, 400, "invalid", "kind is \"mentoring\" or \"networking\"",
                            "kind");
    } else if (api_user_frozen(ctx->db, mentee)) {
        http_response_error(resp, 422, "account_frozen", "Your account is frozen", NULL);
    } else if (member_load(ctx->db, programme, mentee, &me) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
    } else if (!me.active) {
        http_response_error(resp, 422, "membership_not_active",
                            "Your membership of this programme is not active", NULL);
    } else if (prog.matching != MENTO_MATCHING_MENTEE_LED) {
        http_response_error(resp, 422, "matching_admin_led",
                            "In this programme the administrators pair people", NULL);
    } else if (has_open_request(ctx->db, programme, mentee)) {
        http_response_error(resp, 409, "request_already_open",
                            "You already have an open request in this programme", NULL);
    } else if (count_as_mentee(ctx->db, programme, mentee) >= prog.mentee_max_mentors) {
        http_response_error(resp, 422, "mentee_full",
                            "You already have as many mentors as the programme allows", NULL);
    } else {
        switch (mentor_avail(ctx->db, programme, mentee, user_languages(ctx->db, mentee), mentor)) {
        case AV_UNKNOWN:
            http_response_error(resp, 404, "unknown_mentor",
                                "There is no such mentor in this programme", "mentor_id");
            break;
        case AV_PAIRED:
            http_response_error(resp, 409, "already_paired", "You are already paired with them",
                                "mentor_id");
            break;
        case AV_UNAVAILABLE:
            http_response_error(resp, 422, "mentor_unavailable",
                                "This mentor cannot be requested now", "mentor_id");
            break;
        case AV_FULL:
            http_response_error(resp, 422, "capacity_full", "This mentor has no room now",
                                "mentor_id");
            break;
        case AV_OK: {
            int64_t id = 0;
            rc = request_insert(ctx, programme, &prog, mentee, mentor, kind, message, 0, 0, &id);
            if (rc == MENTO_ERR_INVALID) {
                http_response_error(resp, 409, "request_already_open",
                                    "You already have an open request in this programme", NULL);
            } else if (rc != MENTO_OK) {
                api_error_status(resp, MENTO_ERR_DB, NULL);
            } else {
                cJSON *o = req_json(ctx->db, id, false);
                if (!o) {
                    rc = MENTO_ERR_NOMEM;
                    api_error_status(resp, rc, NULL);
                } else if (request_out) {
                    *request_out = o;
                } else {
                    cJSON_Delete(o);
                }
            }
            break;
        }
        }
    }
    mento_programme_free(&prog);
    return rc;
}

mento_status requests_leave_all(struct api_ctx *ctx, int64_t user, cJSON *withdrawn_ids,
                                int *passed_on)
{
    struct id_list own, addressed;
    if (passed_on)
        *passed_on = 0;
    mento_status rc = ids_collect(ctx->db, &own,
                                  "SELECT id FROM requests WHERE mentee_id = ? AND state = 'open'"
                                  " ORDER BY id",
                                  "i", user);
    if (rc != MENTO_OK)
        return rc;
    for (size_t i = 0; rc == MENTO_OK && i < own.n; i++) {
        rc = request_close(ctx, own.v[i], CLOSE_WITHDRAWN, NULL, ctx->now);
        if (rc == MENTO_OK && withdrawn_ids)
            cJSON_AddItemToArray(withdrawn_ids, cJSON_CreateNumber((double)own.v[i]));
    }
    free(own.v);
    if (rc != MENTO_OK)
        return rc;
    rc = ids_collect(ctx->db, &addressed,
                     "SELECT id FROM requests WHERE mentor_id = ? AND state = 'open'"
                     " ORDER BY sent_at, id",
                     "i", user);
    if (rc != MENTO_OK)
        return rc;
    for (size_t i = 0; rc == MENTO_OK && i < addressed.n; i++) {
        rc = request_close(ctx, addressed.v[i], CLOSE_LEFT, NULL, ctx->now);
        if (rc == MENTO_ERR_INVALID)
            rc = MENTO_OK; /* closed meanwhile by a cascade: nothing to pass on */
        else if (rc == MENTO_OK && passed_on)
            (*passed_on)++;
    }
    free(addressed.v);
    return rc;
}

mento_status requests_pass_on_if_full(struct api_ctx *ctx, const char *programme, int64_t mentor)
{
    struct member m;
    if (member_load(ctx->db, programme, mentor, &m) != MENTO_OK)
        return MENTO_ERR_DB;
    if (!m.exists || api_count_mentees(ctx->db, mentor, programme) < m.capacity)
        return MENTO_OK;
    struct id_list open;
    mento_status rc = ids_collect(ctx->db, &open,
                                  "SELECT id FROM requests WHERE programme_id = ? AND"
                                  " mentor_id = ? AND state = 'open' ORDER BY sent_at, id",
                                  "ti", programme, mentor);
    for (size_t i = 0; rc == MENTO_OK && i < open.n; i++) {
        rc = request_close(ctx, open.v[i], CLOSE_FULL, NULL, ctx->now);
        if (rc == MENTO_ERR_INVALID)
            rc = MENTO_OK;
    }
    free(open.v);
    return rc;
}

/* ---- Time rules -------------------------------------------------------------------- */

static mento_status requests_tick(struct api_ctx *ctx)
{
    struct id_list due;
    mento_status rc = ids_collect(ctx->db, &due,
                                  "SELECT id FROM requests WHERE state = 'open' AND"
                                  " reminder_at <= ?1 AND deadline > ?1 AND NOT EXISTS"
                                  " (SELECT 1 FROM time_marks t WHERE t.kind = 'reminder'"
                                  " AND t.ref_id = requests.id) ORDER BY id",
                                  "i", ctx->now);
    for (size_t i = 0; rc == MENTO_OK && i < due.n; i++) {
        rc = sql_exec(ctx->db,
                      "INSERT OR IGNORE INTO time_marks(kind, ref_id, done_at)"
                      " VALUES ('reminder', ?, ?)",
                      "ii", due.v[i], ctx->now);
        if (rc != MENTO_OK || sqlite3_changes(ctx->db) != 1)
            continue;
        struct req_row r;
        rc = req_load(ctx->db, due.v[i], &r);
        if (rc != MENTO_OK)
            break;
        int64_t seq = db_next_seq(ctx->db);
        rc = seq ? sql_exec(ctx->db, "UPDATE requests SET reminded_at = ?, seq = ? WHERE id = ?",
                            "iii", ctx->now, seq, r.id)
                 : MENTO_ERR_DB;
        char when[CODEC_TIME_LEN];
        codec_time_format(r.deadline, when);
        if (rc == MENTO_OK)
            rc = notify_user(ctx, r.mentor, r.programme, NOTIFY_REQUEST_REMINDER, NULL, 0,
                             "A %s request is waiting for your answer; it expires at %s.", r.kind,
                             when);
        req_row_free(&r);
    }
    free(due.v);
    if (rc != MENTO_OK)
        return rc;
    rc = ids_collect(ctx->db, &due,
                     "SELECT id FROM requests WHERE state = 'open' AND deadline <= ?"
                     " ORDER BY deadline, id",
                     "i", ctx->now);
    for (size_t i = 0; rc == MENTO_OK && i < due.n; i++) {
        rc = sql_exec(ctx->db,
                      "INSERT OR IGNORE INTO time_marks(kind, ref_id, done_at)"
                      " VALUES ('expiry', ?, ?)",
                      "ii", due.v[i], ctx->now);
        if (rc != MENTO_OK || sqlite3_changes(ctx->db) != 1)
            continue;
        int64_t deadline = ctx->now;
        sql_int(ctx->db, &deadline, ctx->now, "SELECT deadline FROM requests WHERE id = ?", "i",
                due.v[i]);
        rc = request_close(ctx, due.v[i], CLOSE_EXPIRED, NULL, deadline);
        if (rc == MENTO_ERR_INVALID)
            rc = MENTO_OK;
    }
    free(due.v);
    return rc;
}

/* Apply the due time rules in a transaction of their own, before a read. */
static void requests_catch_up(struct api_ctx *ctx)
{
    /* Most reads find nothing due: no write lock for them. */
    int64_t due = 1;
    sql_int(ctx->db, &due, 0,
            "SELECT 1 FROM requests WHERE state = 'open' AND (deadline <= ?1 OR"
            " (reminder_at <= ?1 AND reminded_at IS NULL)) LIMIT 1",
            "i", ctx->now);
    if (!due || db_begin_write(ctx->db) != MENTO_OK)
        return;
    if (requests_tick(ctx) == MENTO_OK)
        db_commit(ctx->db);
    else
        db_rollback(ctx->db);
}

/* ---- Input ------------------------------------------------------------------------- */

/* A path id: digits only, 1 .. 2^53 - 1. */
static bool path_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 16)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > ID_MAX)
        return false;
    *out = v;
    return true;
}

/* An integral number member; 0 when absent and not required. */
static bool body_int(const cJSON *in, const char *key, bool required, int64_t *out,
                     struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    *out = 0;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            api_error_status(resp, MENTO_ERR_MISSING, key);
        return !required;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble > (double)ID_MAX || v->valuedouble < -(double)ID_MAX ||
        v->valuedouble != (double)(int64_t)v->valuedouble) {
        api_error_status(resp, MENTO_ERR_TYPE, key);
        return false;
    }
    *out = (int64_t)v->valuedouble;
    return true;
}

/* The programme of a sync operation: the sync's own. */
static const char *op_programme(const struct api_ctx *ctx)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : "";
}

/* The caller's membership with `role`: 404/403 otherwise. */
static bool require_role(struct api_ctx *ctx, const char *pid, unsigned role,
                         struct mento_programme *prog, struct http_response *resp)
{
    unsigned roles = 0;
    mento_programme_init(prog);
    if (!api_membership(ctx, pid, ctx->user_id, prog, &roles, resp))
        return false;
    if (!(roles & role)) {
        http_response_error(resp, 403, "role_required",
                            role == MENTO_ROLE_MENTOR ? "Only mentors can do this"
                                                      : "Only mentees can do this",
                            NULL);
        return false;
    }
    return true;
}

/* ---- The wish-list ------------------------------------------------------------------- */

static cJSON *wishlist_json(struct api_ctx *ctx, const char *pid, int64_t mentee,
                            struct catalog_snapshot *snap)
{
    struct member me;
    if (member_load(ctx->db, pid, mentee, &me) != MENTO_OK)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddBoolToObject(o, "cascade", me.cascade);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    const struct catalog_programme *cp = snap ? catalog_programme(snap, pid, NULL) : NULL;
    const struct catalog_entry *viewer = cp ? catalog_member(cp, mentee) : NULL;
    unsigned langs = user_languages(ctx->db, mentee);
    sqlite3_stmt *st = sql_prepare(ctx->db,
                                   "SELECT mentor_id, position, added_at FROM wishlist"
                                   " WHERE mentee_id = ? AND programme_id = ? ORDER BY position",
                                   "it", mentee, pid);
    if (!st) {
        cJSON_Delete(o);
        return NULL;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t mentor = sqlite3_column_int64(st, 0);
        enum avail av = mentor_avail(ctx->db, pid, mentee, langs, mentor);
        bool listed = av == AV_OK || av == AV_FULL || av == AV_PAIRED;
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "mentor_id", (double)mentor);
        cJSON_AddNumberToObject(it, "position", sqlite3_column_int(st, 1));
        cJSON_AddBoolToObject(it, "listed", listed);
        cJSON_AddBoolToObject(it, "available", av == AV_OK);
        add_time(it, "added_at", sqlite3_column_int64(st, 2));
        const struct catalog_entry *e = listed && viewer ? catalog_member(cp, mentor) : NULL;
        cJSON *m = e && catalog_visible(viewer, e) ? catalog_mentor_json(viewer, e, false) : NULL;
        if (!m) {
            char name[256];
            user_name(ctx->db, mentor, name, sizeof name);
            m = cJSON_CreateObject();
            cJSON_AddNumberToObject(m, "user_id", (double)mentor);
            cJSON_AddStringToObject(m, "name", name);
        }
        cJSON_AddItemToObject(it, "mentor", m);
        cJSON_AddItemToArray(items, it);
    }
    sqlite3_finalize(st);
    return o;
}

/* Answer the whole wish-list with `status`. */
static void wishlist_answer(struct api_ctx *ctx, const char *pid, struct catalog_snapshot *snap,
                            int status, struct http_response *resp)
{
    cJSON *o = wishlist_json(ctx, pid, ctx->user_id, snap);
    if (!o)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    else
        http_response_json(resp, status, o);
}

static int64_t wish_position(sqlite3 *db, const char *pid, int64_t mentee, int64_t mentor)
{
    int64_t pos = 0;
    sql_int(db, &pos, 0,
            "SELECT position FROM wishlist WHERE mentee_id = ? AND programme_id = ?"
            " AND mentor_id = ?",
            "iti", mentee, pid, mentor);
    return pos;
}

static int64_t wish_count(sqlite3 *db, const char *pid, int64_t mentee)
{
    int64_t n = 0;
    sql_int(db, &n, 0, "SELECT count(*) FROM wishlist WHERE mentee_id = ? AND programme_id = ?",
            "it", mentee, pid);
    return n;
}

/* Take `mentor` off the list, closing the gap; the mentee's membership
 * carries the change to sync (a removed row leaves nothing behind). */
static mento_status wish_remove_entry(struct api_ctx *ctx, const char *pid, int64_t mentee,
                                      int64_t mentor)
{
    int64_t pos = wish_position(ctx->db, pid, mentee, mentor);
    if (!pos)
        return MENTO_OK;
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        return MENTO_ERR_DB;
    mento_status rc = sql_exec(ctx->db,
                               "DELETE FROM wishlist WHERE mentee_id = ? AND programme_id = ?"
                               " AND mentor_id = ?",
                               "iti", mentee, pid, mentor);
    if (rc == MENTO_OK)
        rc = sql_exec(ctx->db,
                      "UPDATE wishlist SET position = position - 1, seq = ? WHERE mentee_id = ?"
                      " AND programme_id = ? AND position > ?",
                      "iiti", seq, mentee, pid, pos);
    if (rc == MENTO_OK)
        rc = bump_membership(ctx, pid, mentee);
    return rc;
}

static bool wish_position_arg(const cJSON *in, bool required, int64_t *pos,
                              struct http_response *resp)
{
    if (!body_int(in, "position", required, pos, resp))
        return false;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "position");
    if (v && !cJSON_IsNull(v) && *pos < 1) {
        http_response_error(resp, 400, "out_of_range", "position is 1 or more", "position");
        return false;
    }
    return true;
}

static void wish_add(struct api_ctx *ctx, const char *pid, const cJSON *in,
                     struct http_response *resp)
{
    static const char *const keys[] = {"mentor_id", "position", NULL};
    struct mento_programme prog;
    int64_t mentor, pos;
    if (!in || !api_only_keys(in, keys, resp) || !body_int(in, "mentor_id", true, &mentor, resp) ||
        !wish_position_arg(in, false, &pos, resp))
        return;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    /* The directory as committed, taken before this call writes anything. */
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    enum avail av =
        mentor_avail(ctx->db, pid, ctx->user_id, user_languages(ctx->db, ctx->user_id), mentor);
    int64_t n = wish_count(ctx->db, pid, ctx->user_id);
    if (av != AV_OK && av != AV_FULL && av != AV_PAIRED) {
        http_response_error(resp, 404, "unknown_mentor",
                            "There is no such mentor in your directory", "mentor_id");
    } else if (wish_position(ctx->db, pid, ctx->user_id, mentor)) {
        http_response_error(resp, 409, "already_listed", "This mentor is already on your wish-list",
                            "mentor_id");
    } else if (n >= WISHLIST_MAX) {
        http_response_error(resp, 422, "wishlist_full", "A wish-list holds at most 50 mentors",
                            NULL);
    } else {
        if (!pos || pos > n + 1)
            pos = n + 1;
        int64_t seq = db_next_seq(ctx->db);
        mento_status rc = seq ? sql_exec(ctx->db,
                                         "UPDATE wishlist SET position = position + 1, seq = ?"
                                         " WHERE mentee_id = ? AND programme_id = ?"
                                         " AND position >= ?",
                                         "iiti", seq, ctx->user_id, pid, pos)
                              : MENTO_ERR_DB;
        if (rc == MENTO_OK)
            rc = sql_exec(ctx->db,
                          "INSERT INTO wishlist(mentee_id, programme_id, mentor_id, position,"
                          " added_at, seq) VALUES (?, ?, ?, ?, ?, ?)",
                          "itiiii", ctx->user_id, pid, mentor, pos, ctx->now, seq);
        if (rc != MENTO_OK)
            api_error_status(resp, MENTO_ERR_DB, NULL);
        else
            wishlist_answer(ctx, pid, snap, 201, resp);
    }
    catalog_release(&ctx->srv->catalog, snap);
}

static void wish_move(struct api_ctx *ctx, const char *pid, int64_t mentor, const cJSON *in,
                      struct http_response *resp)
{
    int64_t pos;
    struct mento_programme prog;
    if (!in || !wish_position_arg(in, true, &pos, resp))
        return;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    int64_t old = mentor ? wish_position(ctx->db, pid, ctx->user_id, mentor) : 0;
    int64_t n = wish_count(ctx->db, pid, ctx->user_id);
    if (!old) {
        http_response_error(resp, 404, "not_found", "This mentor is not on your wish-list", NULL);
    } else {
        if (pos > n)
            pos = n;
        int64_t seq = db_next_seq(ctx->db);
        mento_status rc = seq ? MENTO_OK : MENTO_ERR_DB;
        if (rc == MENTO_OK && pos < old)
            rc = sql_exec(ctx->db,
                          "UPDATE wishlist SET position = position + 1, seq = ? WHERE"
                          " mentee_id = ? AND programme_id = ? AND position >= ? AND position < ?",
                          "iitii", seq, ctx->user_id, pid, pos, old);
        else if (rc == MENTO_OK && pos > old)
            rc = sql_exec(ctx->db,
                          "UPDATE wishlist SET position = position - 1, seq = ? WHERE"
                          " mentee_id = ? AND programme_id = ? AND position > ? AND position <= ?",
                          "iitii", seq, ctx->user_id, pid, old, pos);
        if (rc == MENTO_OK)
            rc = sql_exec(ctx->db,
                          "UPDATE wishlist SET position = ?, seq = ? WHERE mentee_id = ?"
                          " AND programme_id = ? AND mentor_id = ?",
                          "iiiti", pos, seq, ctx->user_id, pid, mentor);
        if (rc != MENTO_OK)
            api_error_status(resp, MENTO_ERR_DB, NULL);
        else
            wishlist_answer(ctx, pid, snap, 200, resp);
    }
    catalog_release(&ctx->srv->catalog, snap);
}

static void wish_remove(struct api_ctx *ctx, const char *pid, int64_t mentor,
                        struct http_response *resp)
{
    struct mento_programme prog;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (mentor && wish_remove_entry(ctx, pid, ctx->user_id, mentor) != MENTO_OK)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    else
        wishlist_answer(ctx, pid, snap, 200, resp);
    catalog_release(&ctx->srv->catalog, snap);
}

static void api_wishlist_get(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct mento_programme prog;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    requests_catch_up(ctx);
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    wishlist_answer(ctx, pid, snap, 200, resp);
    catalog_release(&ctx->srv->catalog, snap);
    resp->etag = true;
}

static void api_wishlist_add(struct api_ctx *ctx, struct http_response *resp)
{
    wish_add(ctx, ctx->req->params[0], api_input(ctx, resp), resp);
}

static void op_wishlist_add(struct api_ctx *ctx, struct http_response *resp)
{
    wish_add(ctx, op_programme(ctx), ctx->input, resp);
}

static void api_wishlist_move(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"position", NULL};
    int64_t mentor = 0;
    path_id(ctx->req->params[1], &mentor);
    const cJSON *in = api_input(ctx, resp);
    if (in && api_only_keys(in, keys, resp))
        wish_move(ctx, ctx->req->params[0], mentor, in, resp);
}

static void op_wishlist_move(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"mentor_id", "position", NULL};
    int64_t mentor;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "mentor_id", true, &mentor, resp))
        wish_move(ctx, op_programme(ctx), mentor, ctx->input, resp);
}

static void api_wishlist_remove(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t mentor = 0;
    path_id(ctx->req->params[1], &mentor);
    wish_remove(ctx, ctx->req->params[0], mentor, resp);
}

static void op_wishlist_remove(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"mentor_id", NULL};
    int64_t mentor;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "mentor_id", true, &mentor, resp))
        wish_remove(ctx, op_programme(ctx), mentor, resp);
}

/* ---- Requests ----------------------------------------------------------------------- */

static void req_send(struct api_ctx *ctx, const char *pid, const cJSON *in,
                     struct http_response *resp)
{
    static const char *const keys[] = {"mentor_id", "kind", "message", NULL};
    int64_t mentor;
    if (!in || !api_only_keys(in, keys, resp) || !body_int(in, "mentor_id", true, &mentor, resp))
        return;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(in, "kind");
    const char *kind = api_string(in, "kind", 16, false, resp);
    if (!kind && k && !cJSON_IsNull(k))
        return;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "message");
    const char *message = api_string(in, "message", MESSAGE_MAX, false, resp);
    if (!message && m && !cJSON_IsNull(m))
        return;
    if (requests_tick(ctx) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = NULL;
    if (requests_send(ctx, pid, ctx->user_id, mentor, kind, message, &out, resp) == MENTO_OK)
        http_response_json(resp, 201, out);
}

static void api_request_send(struct api_ctx *ctx, struct http_response *resp)
{
    req_send(ctx, ctx->req->params[0], api_input(ctx, resp), resp);
}

static void op_request_send(struct api_ctx *ctx, struct http_response *resp)
{
    req_send(ctx, op_programme(ctx), ctx->input, resp);
}

struct list_params {
    const char *state;
    int page, per_page;
    const char *bad;
};

static bool list_param(const char *key, const char *value, void *arg)
{
    static const char *const states[] = {"open",    "accepted",  "declined",
                                         "expired", "withdrawn", "passed_on"};
    struct list_params *lp = arg;
    if (strcmp(key, "state") == 0) {
        for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
            if (strcmp(value, states[i]) == 0) {
                lp->state = states[i];
                return true;
            }
    } else if (strcmp(key, "page") == 0 || strcmp(key, "per_page") == 0) {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        bool per = key[0] == 'p' && key[1] == 'e';
        if (*value && !*end && !errno && v >= 1 && v <= (per ? LIST_PER_PAGE_MAX : 1000000)) {
            if (per)
                lp->per_page = (int)v;
            else
                lp->page = (int)v;
            return true;
        }
    }
    if (strcmp(key, "state") == 0)
        lp->bad = "state";
    else if (strcmp(key, "page") == 0)
        lp->bad = "page";
    else if (strcmp(key, "per_page") == 0)
        lp->bad = "per_page";
    else
        lp->bad = "query";
    return false;
}

static void api_request_list(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct list_params lp = {.page = 1, .per_page = LIST_PER_PAGE};
    struct mento_programme prog;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    if (!http_query_each(ctx->req, list_param, &lp)) {
        http_response_error(resp, 400, "bad_request",
                            "Query: state (a request state), page (from 1), per_page (1 to 200)",
                            lp.bad);
        return;
    }
    requests_catch_up(ctx);
    int64_t total = 0;
    sql_int(ctx->db, &total, 0,
            "SELECT count(*) FROM requests WHERE programme_id = ? AND mentee_id = ?"
            " AND (?3 IS NULL OR state = ?3)",
            "tit", pid, ctx->user_id, lp.state);
    struct id_list ids;
    if (ids_collect(ctx->db, &ids,
                    "SELECT id FROM requests WHERE programme_id = ? AND mentee_id = ?"
                    " AND (?3 IS NULL OR state = ?3) ORDER BY sent_at DESC, id DESC"
                    " LIMIT ? OFFSET ?",
                    "titii", pid, ctx->user_id, lp.state, (int64_t)lp.per_page,
                    (int64_t)(lp.page - 1) * lp.per_page) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < ids.n; i++) {
        cJSON *r = req_json(ctx->db, ids.v[i], false);
        if (r)
            cJSON_AddItemToArray(items, r);
    }
    free(ids.v);
    cJSON_AddNumberToObject(out, "page", lp.page);
    cJSON_AddNumberToObject(out, "per_page", lp.per_page);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "pages", (double)((total + lp.per_page - 1) / lp.per_page));
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* Load request `id` of programme `pid`: 404 not_found otherwise. */
static bool req_find(struct api_ctx *ctx, const char *pid, int64_t id, struct req_row *r,
                     struct http_response *resp)
{
    mento_status rc = id ? req_load(ctx->db, id, r) : MENTO_ERR_NOT_FOUND;
    if (rc == MENTO_OK && strcmp(r->programme, pid) != 0) {
        req_row_free(r);
        rc = MENTO_ERR_NOT_FOUND;
    }
    if (rc == MENTO_ERR_NOT_FOUND)
        http_response_error(resp, 404, "not_found", "There is no such request", NULL);
    else if (rc != MENTO_OK)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    return rc == MENTO_OK;
}

static void api_request_get(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    int64_t id = 0;
    path_id(ctx->req->params[1], &id);
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    requests_catch_up(ctx);
    struct req_row r;
    if (!req_find(ctx, pid, id, &r, resp))
        return;
    if (r.mentee == ctx->user_id)
        http_response_json(resp, 200, req_row_json(ctx->db, &r, false));
    else if (r.mentor == ctx->user_id && current_request_id(ctx->db, pid, r.mentor) == r.id)
        http_response_json(resp, 200, req_row_json(ctx->db, &r, true));
    else
        http_response_error(resp, 403, "not_your_request", "This is not your request", NULL);
    req_row_free(&r);
}

static void req_withdraw(struct api_ctx *ctx, const char *pid, int64_t id,
                         struct http_response *resp)
{
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    if (requests_tick(ctx) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    struct req_row r;
    if (!req_find(ctx, pid, id, &r, resp))
        return;
    if (r.mentee != ctx->user_id)
        http_response_error(resp, 403, "not_your_request", "This is not your request", NULL);
    else if (strcmp(r.state, "open") != 0)
        http_response_error(resp, 409, "request_not_open", "This request is no longer open", NULL);
    else if (request_close(ctx, r.id, CLOSE_WITHDRAWN, NULL, ctx->now) != MENTO_OK)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    else
        http_response_json(resp, 200, req_json(ctx->db, r.id, false));
    req_row_free(&r);
}

static void api_request_withdraw(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id = 0;
    path_id(ctx->req->params[1], &id);
    req_withdraw(ctx, ctx->req->params[0], id, resp);
}

static void op_request_withdraw(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"request_id", NULL};
    int64_t id;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "request_id", true, &id, resp))
        req_withdraw(ctx, op_programme(ctx), id, resp);
}

static void req_cascade(struct api_ctx *ctx, const char *pid, const cJSON *in,
                        struct http_response *resp)
{
    static const char *const keys[] = {"enabled", NULL};
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(in, "enabled");
    if (!en || cJSON_IsNull(en)) {
        api_error_status(resp, MENTO_ERR_MISSING, "enabled");
        return;
    }
    if (!cJSON_IsBool(en)) {
        api_error_status(resp, MENTO_ERR_TYPE, "enabled");
        return;
    }
    struct mento_programme prog;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTEE, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    bool on = cJSON_IsTrue(en);
    int64_t seq = db_next_seq(ctx->db);
    if (!seq || sql_exec(ctx->db,
                         "UPDATE memberships SET cascade = ?, seq = ? WHERE user_id = ?"
                         " AND programme_id = ?",
                         "iiit", (int64_t)on, seq, ctx->user_id, pid) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "cascade", on);
    http_response_json(resp, 200, out);
}

static void api_request_cascade(struct api_ctx *ctx, struct http_response *resp)
{
    req_cascade(ctx, ctx->req->params[0], api_input(ctx, resp), resp);
}

static void op_request_cascade(struct api_ctx *ctx, struct http_response *resp)
{
    req_cascade(ctx, op_programme(ctx), ctx->input, resp);
}

static void api_request_current(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct mento_programme prog;
    bool ok = require_role(ctx, pid, MENTO_ROLE_MENTOR, &prog, resp);
    mento_programme_free(&prog);
    if (!ok)
        return;
    requests_catch_up(ctx);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "request", current_request_json(ctx->db, pid, ctx->user_id));
    http_response_json(resp, 200, out);
}

/* The checks shared by accept and decline; on success `r` holds the
 * request and `prog` the programme (free both). */
static bool req_decide_checks(struct api_ctx *ctx, const char *pid, int64_t id,
                              struct mento_programme *prog, struct req_row *r,
                              struct http_response *resp)
{
    if (!require_role(ctx, pid, MENTO_ROLE_MENTOR, prog, resp))
        return false;
    if (requests_tick(ctx) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return false;
    }
    if (!req_find(ctx, pid, id, r, resp))
        return false;
    if (r->mentor != ctx->user_id)
        http_response_error(resp, 403, "not_your_request", "This is not your request", NULL);
    else if (strcmp(r->state, "open") != 0)
        http_response_error(resp, 409, "request_not_open", "This request is no longer open", NULL);
    else if (current_request_id(ctx->db, pid, ctx->user_id) != r->id)
        http_response_error(resp, 409, "not_current_request", "Answer your current request first",
                            NULL);
    else if (api_user_frozen(ctx->db, ctx->user_id))
        http_response_error(resp, 422, "account_frozen", "Your account is frozen", NULL);
    else
        return true;
    req_row_free(r);
    return false;
}

static mento_status accept_apply(struct api_ctx *ctx, const struct req_row *r, int64_t *pairing_out)
{
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        return MENTO_ERR_DB;
    mento_status rc =
        sql_exec(ctx->db,
                 "INSERT INTO pairings(programme_id, mentor_id, mentee_id, kind,"
                 " state, started_at, seq, request_id)"
                 " VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
                 "tiitiii", r->programme, r->mentor, r->mentee, r->kind, ctx->now, seq, r->id);
    if (rc != MENTO_OK)
        return MENTO_ERR_DB;
    int64_t pairing = sqlite3_last_insert_rowid(ctx->db);
    *pairing_out = pairing;
    /* The session plan starts with session 1. */
    rc = sql_exec(ctx->db,
                  "INSERT INTO sessions(pairing_id, number, state, created_at, updated_at, seq)"
                  " VALUES (?, 1, 'planned', ?, ?, ?)",
                  "iiii", pairing, ctx->now, ctx->now, seq);
    if (rc == MENTO_OK)
        rc = sql_exec(ctx->db,
                      "UPDATE requests SET state = 'accepted', pairing_id = ?, decided_at = ?,"
                      " seq = ? WHERE id = ?",
                      "iiii", pairing, ctx->now, seq, r->id);
    if (rc == MENTO_OK)
        rc = bump_membership(ctx, r->programme, r->mentor);
    if (rc == MENTO_OK)
        rc = wish_remove_entry(ctx, r->programme, r->mentee, r->mentor);
    char mentor_name[256], mentee_name[256];
    user_name(ctx->db, r->mentor, mentor_name, sizeof mentor_name);
    user_name(ctx->db, r->mentee, mentee_name, sizeof mentee_name);
    if (rc == MENTO_OK)
        rc = notify_user(ctx, r->mentee, r->programme, NOTIFY_REQUEST_ACCEPTED, "pairing", pairing,
                         "%s accepted your %s request.", mentor_name, r->kind);
    if (rc == MENTO_OK)
        rc = notify_user(ctx, r->mentee, r->programme, NOTIFY_PAIRING_CREATED, "pairing", pairing,
                         "You are now paired with %s as your mentor.", mentor_name);
    if (rc == MENTO_OK)
        rc = notify_user(ctx, r->mentor, r->programme, NOTIFY_PAIRING_CREATED, "pairing", pairing,
                         "You are now paired with %s as their mentor.", mentee_name);
    if (rc == MENTO_OK)
        rc = requests_pass_on_if_full(ctx, r->programme, r->mentor);
    return rc;
}

static void req_accept(struct api_ctx *ctx, const char *pid, int64_t id, struct http_response *resp)
{
    struct mento_programme prog;
    struct req_row r;
    if (!req_decide_checks(ctx, pid, id, &prog, &r, resp)) {
        mento_programme_free(&prog);
        return;
    }
    /* Both capacities, counted inside this write transaction: of racing
     * accepts for a last slot, the first to commit wins. */
    struct member m;
    int64_t pairing = 0;
    if (member_load(ctx->db, pid, r.mentor, &m) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
    } else if (paired(ctx->db, pid, r.mentee, r.mentor)) {
        http_response_error(resp, 409, "already_paired", "You are already paired with them", NULL);
    } else if (api_count_mentees(ctx->db, r.mentor, pid) >= m.capacity) {
        http_response_error(resp, 422, "capacity_full", "You have no room for another mentee",
                            NULL);
    } else if (count_as_mentee(ctx->db, pid, r.mentee) >= prog.mentee_max_mentors) {
        http_response_error(resp, 422, "mentee_full",
                            "This mentee already has as many mentors as the programme allows",
                            NULL);
    } else if (accept_apply(ctx, &r, &pairing) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
    } else {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "request", req_json(ctx->db, r.id, true));
        cJSON *p = pairings_json(ctx, pairing, ctx->user_id);
        if (!p) {
            p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "id", (double)pairing);
            cJSON_AddStringToObject(p, "programme", pid);
            cJSON_AddStringToObject(p, "kind", r.kind);
            cJSON_AddStringToObject(p, "state", "active");
        }
        cJSON_AddItemToObject(out, "pairing", p);
        cJSON_AddItemToObject(out, "next_request",
                              current_request_json(ctx->db, pid, ctx->user_id));
        http_response_json(resp, 200, out);
    }
    req_row_free(&r);
    mento_programme_free(&prog);
}

static void api_request_accept(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id = 0;
    path_id(ctx->req->params[1], &id);
    req_accept(ctx, ctx->req->params[0], id, resp);
}

static void op_request_accept(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"request_id", NULL};
    int64_t id;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "request_id", true, &id, resp))
        req_accept(ctx, op_programme(ctx), id, resp);
}

static void req_decline(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                        struct http_response *resp)
{
    const char *reason = NULL;
    if (in) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "reason");
        reason = api_string(in, "reason", REASON_MAX, false, resp);
        if (!reason && v && !cJSON_IsNull(v))
            return;
        if (reason && !*reason)
            reason = NULL;
    }
    struct mento_programme prog;
    struct req_row r;
    if (!req_decide_checks(ctx, pid, id, &prog, &r, resp)) {
        mento_programme_free(&prog);
        return;
    }
    if (request_close(ctx, r.id, CLOSE_DECLINED, reason, ctx->now) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
    } else {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "request", req_json(ctx->db, r.id, true));
        cJSON_AddItemToObject(out, "next_request",
                              current_request_json(ctx->db, pid, ctx->user_id));
        http_response_json(resp, 200, out);
    }
    req_row_free(&r);
    mento_programme_free(&prog);
}

static void api_request_decline(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"reason", NULL};
    int64_t id = 0;
    path_id(ctx->req->params[1], &id);
    const cJSON *in = NULL;
    if (ctx->req->body_len > 0) {
        in = api_input(ctx, resp);
        if (!in || !api_only_keys(in, keys, resp))
            return;
    }
    req_decline(ctx, ctx->req->params[0], id, in, resp);
}

static void op_request_decline(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"request_id", "reason", NULL};
    int64_t id;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "request_id", true, &id, resp))
        req_decline(ctx, op_programme(ctx), id, ctx->input, resp);
}

/* ---- Sync ------------------------------------------------------------------------ */

static mento_status requests_sync_changes(struct api_ctx *ctx, const char *pid, int64_t since,
                                          cJSON *changes)
{
    struct member me;
    requests_catch_up(ctx);
    if (member_load(ctx->db, pid, ctx->user_id, &me) != MENTO_OK)
        return MENTO_ERR_DB;
    if (!me.exists)
        return MENTO_OK;
    if (me.roles & MENTO_ROLE_MENTEE) {
        int64_t wl = 0, n = 0;
        mento_status rc = sql_int(ctx->db, &wl, 0,
                                  "SELECT max(coalesce((SELECT max(seq) FROM wishlist WHERE"
                                  " mentee_id = ?1 AND programme_id = ?2), 0), seq) FROM"
                                  " memberships WHERE user_id = ?1 AND programme_id = ?2",
                                  "it", ctx->user_id, pid);
        if (rc == MENTO_OK)
            rc = sql_int(ctx->db, &n, 0,
                         "SELECT count(*) FROM wishlist WHERE mentee_id = ? AND programme_id = ?",
                         "it", ctx->user_id, pid);
        if (rc != MENTO_OK)
            return rc;
        if (since ? wl > since : (n > 0 || !me.cascade)) {
            struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
            cJSON *w = wishlist_json(ctx, pid, ctx->user_id, snap);
            catalog_release(&ctx->srv->catalog, snap);
            if (!w)
                return MENTO_ERR_DB;
            cJSON_AddItemToObject(changes, "wishlist", w);
        }
        struct id_list ids;
        rc = ids_collect(ctx->db, &ids,
                         "SELECT id FROM requests WHERE programme_id = ? AND mentee_id = ?"
                         " AND seq > ? ORDER BY seq, id",
                         "tii", pid, ctx->user_id, since);
        if (rc != MENTO_OK)
            return rc;
        if (ids.n) {
            cJSON *arr = cJSON_AddArrayToObject(changes, "requests");
            for (size_t i = 0; i < ids.n; i++) {
                cJSON *r = req_json(ctx->db, ids.v[i], false);
                if (r)
                    cJSON_AddItemToArray(arr, r);
            }
        }
        free(ids.v);
    }
    if (me.roles & MENTO_ROLE_MENTOR) {
        int64_t cur = current_request_id(ctx->db, pid, ctx->user_id);
        int64_t changed = 0;
        if (since)
            sql_int(ctx->db, &changed, 0,
                    "SELECT count(*) FROM requests WHERE programme_id = ? AND mentor_id = ?"
                    " AND seq > ?",
                    "tii", pid, ctx->user_id, since);
        if (since ? changed > 0 : cur != 0)
            cJSON_AddItemToObject(changes, "current_request",
                                  current_request_json(ctx->db, pid, ctx->user_id));
    }
    return MENTO_OK;
}

/* ---- The module ----------------------------------------------------------------- */

static const struct api_route requests_routes[] = {
    {"GET", "/v1/programmes/{}/wishlist", api_wishlist_get, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/wishlist", api_wishlist_add, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"PATCH", "/v1/programmes/{}/wishlist/{}", api_wishlist_move, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"DELETE", "/v1/programmes/{}/wishlist/{}", api_wishlist_remove,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/requests/current", api_request_current, API_ROUTE_AUTH},
    {"PUT", "/v1/programmes/{}/requests/cascade", api_request_cascade,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/requests", api_request_list, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/requests", api_request_send, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/requests/{}", api_request_get, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/requests/{}/withdraw", api_request_withdraw,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/programmes/{}/requests/{}/accept", api_request_accept,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/programmes/{}/requests/{}/decline", api_request_decline,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op requests_ops[] = {
    {"wishlist.add", op_wishlist_add},
    {"wishlist.move", op_wishlist_move},
    {"wishlist.remove", op_wishlist_remove},
    {"request.send", op_request_send},
    {"request.withdraw", op_request_withdraw},
    {"request.cascade", op_request_cascade},
    {"request.accept", op_request_accept},
    {"request.decline", op_request_decline},
    {NULL, NULL},
};

const struct api_module api_module_requests = {
    .name = "requests",
    .routes = requests_routes,
    .ops = requests_ops,
    .sync_changes = requests_sync_changes,
    .tick = requests_tick,
};

/* api_sessions.c - see api.h: each pairing's session plan, booking (once or
 * recurring, in a time zone), rescheduling, cancelling, the iCalendar invitation and feedback. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "mento-config.h"
#include "mento/api.h"
#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/rules.h"
#include "mento/server.h"

#define SESSION_LOCATION_MAX 200
#define SESSION_REASON_MAX   500
#define FEEDBACK_COMMENT_MAX 2000
#define SESSION_AHEAD_MAX    (366 * 86400LL)
#define SERIES_MAX           6

/* ---- Rows ---------------------------------------------------------------------- */

struct pairing_row {
    int64_t id;
    char programme[80];
    int64_t mentor, mentee;
    char kind[16];
    bool active;
    int64_t started_at;
};

struct session_row {
    int64_t id, pairing_id;
    int number;
    char state[16];
    bool has_start;
    int64_t starts_at;
    char timezone[72]; /* "" when none */
    int duration;      /* 0 when none */
    char location[4 * SESSION_LOCATION_MAX + 1];
    bool has_location;
    int64_t booked_by, series_id; /* 0 when none */
    int sequence;
    char uid[128];
    int64_t updated_at;
    char cancel_reason[4 * SESSION_REASON_MAX + 1]; /* "" when none */
    int64_t cancelled_at, done_at;                  /* 0 when none */
};

/* The plan's shape for a pairing kind (RULES.md: mentoring 3-6 sessions about
 * every 3 weeks, networking 1-2 over 1-2 months). */
struct plan_shape {
    int min, max, interval_days;
};

static struct plan_shape plan_shape_of(const char *kind)
{
    if (strcmp(kind, "networking") == 0)
        return (struct plan_shape){1, 2, 14};
    return (struct plan_shape){3, 6, 21};
}

static bool state_is(const struct session_row *s, const char *state)
{
    return strcmp(s->state, state) == 0;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static mento_status pairing_load(sqlite3 *db, int64_t id, struct pairing_row *p)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT programme_id, mentor_id, mentee_id, kind, state, started_at"
                           " FROM pairings WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        p->id = id;
        copy_text(p->programme, sizeof p->programme, sqlite3_column_text(st, 0));
        p->mentor = sqlite3_column_int64(st, 1);
        p->mentee = sqlite3_column_int64(st, 2);
        copy_text(p->kind, sizeof p->kind, sqlite3_column_text(st, 3));
        p->active = strcmp((const char *)sqlite3_column_text(st, 4), "active") == 0;
        p->started_at = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? MENTO_OK : rc == SQLITE_DONE ? MENTO_ERR_NOT_FOUND : MENTO_ERR_DB;
}

static mento_status session_load(sqlite3 *db, int64_t id, struct session_row *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT pairing_id, number, state, starts_at, timezone, duration_min,"
                           " location, booked_by, series_id, sequence, uid, updated_at,"
                           " cancel_reason, cancelled_at, done_at FROM sessions WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(s, 0, sizeof *s);
        s->id = id;
        s->pairing_id = sqlite3_column_int64(st, 0);
        s->number = sqlite3_column_int(st, 1);
        copy_text(s->state, sizeof s->state, sqlite3_column_text(st, 2));
        s->has_start = sqlite3_column_type(st, 3) != SQLITE_NULL;
        s->starts_at = sqlite3_column_int64(st, 3);
        copy_text(s->timezone, sizeof s->timezone, sqlite3_column_text(st, 4));
        s->duration = sqlite3_column_int(st, 5);
        s->has_location = sqlite3_column_type(st, 6) != SQLITE_NULL;
        copy_text(s->location, sizeof s->location, sqlite3_column_text(st, 6));
        s->booked_by = sqlite3_column_int64(st, 7);
        s->series_id = sqlite3_column_int64(st, 8);
        s->sequence = sqlite3_column_int(st, 9);
        copy_text(s->uid, sizeof s->uid, sqlite3_column_text(st, 10));
        s->updated_at = sqlite3_column_int64(st, 11);
        copy_text(s->cancel_reason, sizeof s->cancel_reason, sqlite3_column_text(st, 12));
        s->cancelled_at = sqlite3_column_int64(st, 13);
        s->done_at = sqlite3_column_int64(st, 14);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? MENTO_OK : rc == SQLITE_DONE ? MENTO_ERR_NOT_FOUND : MENTO_ERR_DB;
}

/* A user's name, e-mail address and time zone (any may be NULL). */
static void user_info(sqlite3 *db, int64_t user, char *name, size_t name_cap, char *email,
                      size_t email_cap, char *tz, size_t tz_cap)
{
    sqlite3_stmt *st = NULL;
    if (name)
        snprintf(name, name_cap, "A participant");
    if (email)
        email[0] = '\0';
    if (tz)
        tz[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT u.email, p.answers FROM users u LEFT JOIN profiles p"
                           " ON p.user_id = u.id WHERE u.id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (email)
            copy_text(email, email_cap, sqlite3_column_text(st, 0));
        const unsigned char *text = sqlite3_column_text(st, 1);
        cJSON *answers = text ? cJSON_Parse((const char *)text) : NULL;
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(answers, "name");
        const cJSON *z = cJSON_GetObjectItemCaseSensitive(answers, "timezone");
        if (name && cJSON_IsString(n) && n->valuestring[0])
            snprintf(name, name_cap, "%s", n->valuestring);
        if (tz && cJSON_IsString(z))
            snprintf(tz, tz_cap, "%s", z->valuestring);
        cJSON_Delete(answers);
    }
    sqlite3_finalize(st);
}

static mento_status programme_load(sqlite3 *db, const char *pid, struct mento_programme *prog)
{
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *s = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        struct codec_error err;
        if (s && codec_programme_from_json(s, prog, &err) == MENTO_OK)
            rc = MENTO_OK;
        cJSON_Delete(s);
    }
    sqlite3_finalize(st);
    return rc;
}

static const char *agenda_of(const struct mento_programme *prog, int number)
{
    if (number >= 1 && (size_t)number <= prog->n_agenda && prog->agenda[number - 1])
        return prog->agenda[number - 1];
    return NULL;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* One integer of a query: the first column of the first row, `fallback` when none. */
static int64_t query_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t fallback)
{
    sqlite3_stmt *st = NULL;
    int64_t v = fallback;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fallback;
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) > 1)
        sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- The session object ---------------------------------------------------------- */

static cJSON *session_json(sqlite3 *db, const struct mento_programme *prog,
                           const struct session_row *s, int64_t viewer)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddNumberToObject(o, "pairing_id", (double)s->pairing_id);
    cJSON_AddNumberToObject(o, "number", s->number);
    const char *agenda = agenda_of(prog, s->number);
    if (agenda)
        cJSON_AddStringToObject(o, "agenda", agenda);
    cJSON_AddStringToObject(o, "state", s->state);
    if (s->has_start)
        add_time(o, "starts_at", s->starts_at);
    if (s->timezone[0])
        cJSON_AddStringToObject(o, "timezone", s->timezone);
    if (s->duration)
        cJSON_AddNumberToObject(o, "duration_min", s->duration);
    if (s->has_location)
        cJSON_AddStringToObject(o, "location", s->location);
    if (s->booked_by)
        cJSON_AddNumberToObject(o, "booked_by", (double)s->booked_by);
    if (s->series_id)
        cJSON_AddNumberToObject(o, "series_id", (double)s->series_id);
    cJSON_AddNumberToObject(o, "sequence", s->sequence);
    bool given = query_int(db, "SELECT 1 FROM feedback WHERE session_id = ? AND user_id = ?", s->id,
                           viewer, 0) != 0;
    cJSON_AddBoolToObject(o, "feedback_given", given);
    if (state_is(s, "done")) {
        /* Recorded when marked done; before that column, the first feedback. */
        int64_t done_at = s->done_at ? s->done_at
                                     : query_int(db,
                                                 "SELECT min(created_at) FROM feedback WHERE"
                                                 " session_id = ?",
                                                 s->id, 0, 0);
        if (done_at)
            add_time(o, "done_at", done_at);
    }
    if (state_is(s, "cancelled")) {
        add_time(o, "cancelled_at", s->cancelled_at ? s->cancelled_at : s->updated_at);
        if (s->cancel_reason[0])
            cJSON_AddStringToObject(o, "cancel_reason", s->cancel_reason);
    }
    add_time(o, "updated_at", s->updated_at);
    return o;
}

static cJSON *session_json_by_id(sqlite3 *db, const struct mento_programme *prog, int64_t id,
                                 int64_t viewer)
{
    struct session_row s;
    if (session_load(db, id, &s) != MENTO_OK)
        return NULL;
    return session_json(db, prog, &s, viewer);
}

/* ---- The plan -------------------------------------------------------------------- */

struct plan_state {
    struct plan_shape shape;
    int live;       /* sessions not cancelled */
    int max_number; /* highest number among them */
    int n_planned;
    int64_t planned[SERIES_MAX + 8]; /* planned session ids, lowest number first */
    int planned_numbers[SERIES_MAX + 8];
    int booked;
    bool has_last;
    int64_t last_start; /* the last held or booked session */
};

static mento_status plan_scan(sqlite3 *db, const struct pairing_row *p, struct plan_state *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->shape = plan_shape_of(p->kind);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, number, state, starts_at FROM sessions WHERE pairing_id = ?"
                           " AND state <> 'cancelled' ORDER BY number, id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, p->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int number = sqlite3_column_int(st, 1);
        const char *state = (const char *)sqlite3_column_text(st, 2);
        ps->live++;
        if (number > ps->max_number)
            ps->max_number = number;
        if (strcmp(state, "planned") == 0) {
            if ((size_t)ps->n_planned < sizeof ps->planned / sizeof ps->planned[0]) {
                ps->planned[ps->n_planned] = sqlite3_column_int64(st, 0);
                ps->planned_numbers[ps->n_planned] = number;
                ps->n_planned++;
            }
        } else {
            if (strcmp(state, "booked") == 0)
                ps->booked++;
            if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
                int64_t t = sqlite3_column_int64(st, 3);
                if (!ps->has_last || t > ps->last_start)
                    ps->last_start = t;
                ps->has_last = true;
            }
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

/* The next session to book: the lowest planned one, or a new number while the
 * plan is not full; NULL when it is. `with_id` adds the planned session's id. */
static cJSON *plan_next_json(const struct mento_programme *prog, const struct plan_state *ps,
                             bool with_id)
{
    int number;
    if (ps->n_planned > 0)
        number = ps->planned_numbers[0];
    else if (ps->live < ps->shape.max)
        number = ps->max_number + 1;
    else
        return NULL;
    cJSON *n = cJSON_CreateObject();
    if (!n)
        return NULL;
    if (with_id && ps->n_planned > 0)
        cJSON_AddNumberToObject(n, "session_id", (double)ps->planned[0]);
    cJSON_AddNumberToObject(n, "number", number);
    const char *agenda = agenda_of(prog, number);
    if (agenda)
        cJSON_AddStringToObject(n, "agenda", agenda);
    if (ps->has_last)
        add_time(n, "suggested_start", ps->last_start + (int64_t)ps->shape.interval_days * 86400);
    return n;
}

/* ---- Access ---------------------------------------------------------------------- */

/* A path id: digits only, 1 .. 2^53 - 1. */
static bool path_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 16)
        return false;
    int64_t v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (*c - '0');
    }
    if (v < 1 || v > 9007199254740991LL)
        return false;
    *out = v;
    return true;
}

static bool rest_id(struct api_ctx *ctx, size_t i, int64_t *out, struct http_response *resp)
{
    if (ctx->req->n_params <= i || !path_id(ctx->req->params[i], out)) {
        http_response_error(resp, 400, "bad_request", "The id in the path is not valid", NULL);
        return false;
    }
    return true;
}

/* A JSON number that is a whole number a double holds exactly (|n| < 2^53):
 * 400 invalid_type for anything else, out_of_range for a huge one. */
static bool number_integral(const cJSON *v, const char *key, struct http_response *resp)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) {
        api_error_status(resp, MENTO_ERR_TYPE, key);
        return false;
    }
    if (fabs(v->valuedouble) > 9007199254740991.0) {
        api_error_status(resp, MENTO_ERR_RANGE, key);
        return false;
    }
    return true;
}

/* A required integer id in an operation's body. */
static bool body_id(const cJSON *in, const char *key, int64_t *out, struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    if (!v || cJSON_IsNull(v)) {
        api_error_status(resp, MENTO_ERR_MISSING, key);
        return false;
    }
    if (!number_integral(v, key, resp))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* The programme of a sync operation: the sync's own. */
static const char *op_programme(const struct api_ctx *ctx)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : "";
}

/* What a load found, judged for the caller: 404 `missing` when there is none
 * or it belongs to another programme than `pid`, 403 when the caller is not
 * in its pairing. */
static bool loaded_for(struct api_ctx *ctx, const char *pid, mento_status st,
                       const struct pairing_row *p, const char *missing, struct http_response *resp)
{
    if (st == MENTO_ERR_NOT_FOUND || (st == MENTO_OK && strcmp(p->programme, pid) != 0)) {
        http_response_error(resp, 404, "not_found", missing, NULL);
        return false;
    }
    if (st != MENTO_OK) {
        api_error_status(resp, st, NULL);
        return false;
    }
    if (p->mentor != ctx->user_id && p->mentee != ctx->user_id) {
        http_response_error(resp, 403, "not_in_pairing", "You are not a member of this pairing",
                            NULL);
        return false;
    }
    return true;
}

/* The caller's membership of `pid` (404 unknown_programme, 403 forbidden), then
 * pairing `pairing_id` in it (404 not_found) with the caller in it (403
 * not_in_pairing). `prog` is initialised in every case: free it after. */
static bool pairing_access(struct api_ctx *ctx, const char *pid, int64_t pairing_id,
                           struct mento_programme *prog, struct pairing_row *p,
                           struct http_response *resp)
{
    mento_programme_init(prog);
    if (!api_membership(ctx, pid, ctx->user_id, prog, NULL, resp))
        return false;
    return loaded_for(ctx, pid, pairing_load(ctx->db, pairing_id, p), p,
                      "There is no such pairing in this programme", resp);
}

/* The same for a session: its pairing must be in `pid` and have the caller. */
static bool session_access(struct api_ctx *ctx, const char *pid, int64_t session_id,
                           struct mento_programme *prog, struct pairing_row *p,
                           struct session_row *s, struct http_response *resp)
{
    mento_programme_init(prog);
    if (!api_membership(ctx, pid, ctx->user_id, prog, NULL, resp))
        return false;
    mento_status st = session_load(ctx->db, session_id, s);
    if (st == MENTO_OK)
        st = pairing_load(ctx->db, s->pairing_id, p);
    return loaded_for(ctx, pid, st, p, "There is no such session in this programme", resp);
}

/* ---- Input ------------------------------------------------------------------------- */

/* An optional integer member: false with the error in resp when malformed. */
static bool opt_int(const cJSON *in, const char *key, bool *present, int64_t *out,
                    struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    *present = v && !cJSON_IsNull(v);
    if (!*present)
        return true;
    if (!number_integral(v, key, resp))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* An optional time member. */
static bool opt_time(const cJSON *in, const char *key, bool *present, int64_t *out,
                     struct http_response *resp)
{
    *present = false;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    if (!v || cJSON_IsNull(v))
        return true;
    const char *s = api_string(in, key, 64, false, resp);
    if (!s)
        return false;
    if (codec_time_parse(s, out) != MENTO_OK) {
        http_response_error(resp, 400, "invalid",
                            "A time is an RFC 3339 string such as 2026-11-23T09:30:00Z", key);
        return false;
    }
    *present = true;
    return true;
}

static bool opt_timezone(const cJSON *in, const char **out, struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "timezone");
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return true;
    const char *tz = api_string(in, "timezone", 64, false, resp);
    if (!tz)
        return false;
    if (!rules_timezone_valid(tz)) {
        http_response_error(resp, 400, "unknown_timezone",
                            "The time zone is not in the time zone database", "timezone");
        return false;
    }
    *out = tz;
    return true;
}

static bool opt_duration(const cJSON *in, int *out, struct http_response *resp)
{
    bool present;
    int64_t d = 0;
    if (!opt_int(in, "duration_min", &present, &d, resp))
        return false;
    if (!present)
        return true;
    if (d != 30 && d != 45 && d != 60) {
        http_response_error(resp, 400, "invalid", "A session lasts 30, 45 or 60 minutes",
                            "duration_min");
        return false;
    }
    *out = (int)d;
    return true;
}

/* The start of a session to book or move: not in the past, at most 366 days ahead. */
static bool start_allowed(const struct api_ctx *ctx, int64_t t, struct http_response *resp)
{
    if (t < ctx->now) {
        http_response_error(resp, 422, "in_the_past",
                            "A session cannot be booked or moved to a time that has passed",
                            "starts_at");
        return false;
    }
    if (t > ctx->now + SESSION_AHEAD_MAX) {
        http_response_error(resp, 400, "out_of_range",
                            "A session can be booked at most 366 days ahead", "starts_at");
        return false;
    }
    return true;
}

/* `count` starts, `every_weeks` apart at the same local time in `tz`: across
 * a daylight-saving change the UTC instant moves and the local time stays. */
static mento_status series_starts(int64_t first, const char *tz, int every_weeks, int count,
                                  int64_t *out)
{
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    icaltimezone *zone = strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0
                             ? utc
                             : icaltimezone_get_builtin_timezone(tz);
    if (!zone)
        return MENTO_ERR_TZ;
    struct icaltimetype local =
        icaltime_convert_to_zone(icaltime_from_timet_with_zone((time_t)first, 0, utc), zone);
    out[0] = first;
    for (int i = 1; i < count; i++) {
        struct icaltimetype t = local;
        icaltime_adjust(&t, 7 * every_weeks * i, 0, 0, 0);
        out[i] = (int64_t)icaltime_as_timet_with_zone(t, zone);
    }
    return MENTO_OK;
}

/* "2026-12-10 14:00 Asia/Bangkok", for notification texts. */
static void local_label(int64_t t, const char *tz, char *buf, size_t cap)
{
    struct rules_local_time lt;
    if (tz[0] && rules_local_time(t, tz, &lt) == MENTO_OK)
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d %s", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute, tz);
    else {
        char utc[CODEC_TIME_LEN];
        codec_time_format(t, utc);
        snprintf(buf, cap, "%s", utc);
    }
}

/* ---- Shared writes ------------------------------------------------------------------- */

static mento_status exec_ids(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, a);
    if (n > 1)
        sqlite3_bind_int64(st, 2, b);
    if (n > 2)
        sqlite3_bind_int64(st, 3, c);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

/* The pairing object shows the next session and the sessions done: its
 * members' copies must update. */
static mento_status pairing_touch(sqlite3 *db, int64_t pairing_id, int64_t seq)
{
    return exec_ids(db, "UPDATE pairings SET seq = ? WHERE id = ?", seq, pairing_id, 0);
}

static mento_status planned_insert(struct api_ctx *ctx, int64_t pairing_id, int number, int64_t seq,
                                   int64_t *id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT INTO sessions(pairing_id, number, state, created_at, updated_at,"
                           " seq) VALUES (?, ?, 'planned', ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, pairing_id);
    sqlite3_bind_int(st, 2, number);
    sqlite3_bind_int64(st, 3, ctx->now);
    sqlite3_bind_int64(st, 4, ctx->now);
    sqlite3_bind_int64(st, 5, seq);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return MENTO_ERR_DB;
    if (id)
        *id = sqlite3_last_insert_rowid(ctx->db);
    return MENTO_OK;
}

/* Tell both members of `p` about `session_id`; `actor` reads "You". */
static char *calendar_build(struct api_ctx *ctx, const struct mento_programme *prog,
                            const struct pairing_row *p, const struct session_row *ss, size_t n);

/* Both members are told; their e-mails carry the invitation for `ids` (n
 * sessions, none when n is 0) as it stands now. */
static mento_status notify_members(struct api_ctx *ctx, const struct mento_programme *prog,
                                   const struct pairing_row *p, enum notify_kind kind,
                                   const int64_t *ids, size_t n, const char *what)
{
    char *ics = NULL;
    if (n && ctx->srv->cfg.smtp_url) {
        struct session_row *rows = calloc(n, sizeof *rows);
        if (!rows)
            return MENTO_ERR_NOMEM;
        mento_status rc = MENTO_OK;
        for (size_t i = 0; i < n && rc == MENTO_OK; i++)
            rc = session_load(ctx->db, ids[i], &rows[i]);
        if (rc == MENTO_OK && rows[0].has_start)
            ics = calendar_build(ctx, prog, p, rows, n);
        free(rows);
        if (rc != MENTO_OK)
            return rc;
    }
    int64_t session_id = n ? ids[0] : 0;
    char actor_name[256];
    user_info(ctx->db, ctx->user_id, actor_name, sizeof actor_name, NULL, 0, NULL, 0);
    int64_t members[2] = {p->mentor, p->mentee};
    for (int i = 0; i < 2; i++) {
        mento_status rc =
            notify_user_ics(ctx, members[i], p->programme, kind, "session", session_id, ics,
                            "%s %s", members[i] == ctx->user_id ? "You" : actor_name, what);
        if (rc != MENTO_OK) {
            free(ics);
            return rc;
        }
    }
    free(ics);
    return MENTO_OK;
}

/* ---- GET .../pairings/{pairing_id}/sessions --------------------------------------------- */

static void api_session_plan(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t pairing_id;
    if (!rest_id(ctx, 1, &pairing_id, resp))
        return;
    struct mento_programme prog;
    struct pairing_row p;
    if (!pairing_access(ctx, ctx->req->params[0], pairing_id, &prog, &p, resp))
        goto out;
    struct plan_state ps;
    sqlite3_stmt *st = NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    bool ok = plan_scan(ctx->db, &p, &ps) == MENTO_OK &&
              sqlite3_prepare_v2(ctx->db,
                                 "SELECT id FROM sessions WHERE pairing_id = ? ORDER BY number,"
                                 " state = 'cancelled' DESC, id",
                                 -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_int64(st, 1, pairing_id);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            cJSON *s =
                session_json_by_id(ctx->db, &prog, sqlite3_column_int64(st, 0), ctx->user_id);
            if (!s) {
                ok = false;
                break;
            }
            cJSON_AddItemToArray(items, s);
        }
        ok = ok && rc == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (!ok) {
        cJSON_Delete(o);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    cJSON *plan = cJSON_AddObjectToObject(o, "plan");
    cJSON_AddStringToObject(plan, "kind", p.kind);
    cJSON_AddNumberToObject(plan, "min_sessions", ps.shape.min);
    cJSON_AddNumberToObject(plan, "max_sessions", ps.shape.max);
    cJSON_AddNumberToObject(plan, "interval_days", ps.shape.interval_days);
    cJSON *next = plan_next_json(&prog, &ps, false);
    if (next)
        cJSON_AddItemToObject(plan, "next", next);
    http_response_json(resp, 200, o);
    resp->etag = true;
out:
    mento_programme_free(&prog);
}

/* ---- POST .../pairings/{pairing_id}/sessions -------------------------------------------- */

static void session_book(struct api_ctx *ctx, const char *pid, int64_t pairing_id, const cJSON *in,
                         struct http_response *resp)
{
    bool has_start;
    int64_t start = 0;
    if (!opt_time(in, "starts_at", &has_start, &start, resp))
        return;
    if (!has_start) {
        api_error_status(resp, MENTO_ERR_MISSING, "starts_at");
        return;
    }
    const char *tz_in = NULL;
    int duration = 60;
    if (!opt_timezone(in, &tz_in, resp) || !opt_duration(in, &duration, resp))
        return;
    const char *location = api_string(in, "location", SESSION_LOCATION_MAX, false, resp);
    if (!location && resp->status >= 400)
        return;
    int every = 0, count = 1;
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(in, "recurrence");
    if (rec && !cJSON_IsNull(rec)) {
        static const char *const rec_keys[] = {"every_weeks", "count", NULL};
        if (!cJSON_IsObject(rec)) {
            api_error_status(resp, MENTO_ERR_TYPE, "recurrence");
            return;
        }
        if (!api_only_keys(rec, rec_keys, resp))
            return;
        bool pe, pc;
        int64_t e = 0, c = 0;
        if (!opt_int(rec, "every_weeks", &pe, &e, resp) || !opt_int(rec, "count", &pc, &c, resp))
            return;
        if (!pe || !pc) {
            api_error_status(resp, MENTO_ERR_MISSING, pe ? "count" : "every_weeks");
            return;
        }
        if (e < 1 || e > 8) {
            http_response_error(resp, 400, "out_of_range", "A series repeats every 1 to 8 weeks",
                                "every_weeks");
            return;
        }
        if (c < 2 || c > SERIES_MAX) {
            http_response_error(resp, 400, "out_of_range", "A series has 2 to 6 sessions", "count");
            return;
        }
        every = (int)e;
        count = (int)c;
    }

    struct mento_programme prog;
    struct pairing_row p;
    if (!pairing_access(ctx, pid, pairing_id, &prog, &p, resp))
        goto out;
    char tz[72];
    if (tz_in)
        snprintf(tz, sizeof tz, "%s", tz_in);
    else {
        user_info(ctx->db, ctx->user_id, NULL, 0, NULL, 0, tz, sizeof tz);
        if (!rules_timezone_valid(tz))
            snprintf(tz, sizeof tz, "UTC");
    }
    /* Freezing ends every pairing: the frozen state is the answer that explains. */
    if (api_user_frozen(ctx->db, ctx->user_id)) {
        http_response_error(resp, 422, "account_frozen",
                            "Your account is frozen: unfreeze it to book sessions", NULL);
        goto out;
    }
    if (!p.active) {
        http_response_error(resp, 409, "pairing_ended", "This pairing has ended", NULL);
        goto out;
    }
    int64_t starts[SERIES_MAX];
    if (series_starts(start, tz, every, count, starts) != MENTO_OK) {
        http_response_error(resp, 400, "unknown_timezone",
                            "The time zone is not in the time zone database", "timezone");
        goto out;
    }
    for (int i = 0; i < count; i++)
        if (!start_allowed(ctx, starts[i], resp))
            goto out;
    struct plan_state ps;
    if (plan_scan(ctx->db, &p, &ps) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    int fresh = count > ps.n_planned ? count - ps.n_planned : 0;
    if (ps.live + fresh > ps.shape.max) {
        char msg[160];
        snprintf(msg, sizeof msg, "A %s pairing holds at most %d sessions; %d are in its plan",
                 p.kind, ps.shape.max, ps.live);
        http_response_error(resp, 422, "session_limit", msg, NULL);
        goto out;
    }
    int64_t seq = db_next_seq(ctx->db);
    int64_t ids[SERIES_MAX];
    mento_status rc = seq ? MENTO_OK : MENTO_ERR_DB;
    int next_number = ps.max_number + 1;
    for (int i = 0; rc == MENTO_OK && i < count; i++) {
        if (i < ps.n_planned) {
            ids[i] = ps.planned[i];
        } else {
            rc = planned_insert(ctx, p.id, next_number++, seq, &ids[i]);
            if (rc != MENTO_OK)
                break;
        }
        char uid[128];
        snprintf(uid, sizeof uid, "session-%" PRId64 "-%" PRIx64 "@mentod", ids[i],
                 (uint64_t)ctx->srv->instance);
        sqlite3_stmt *st = NULL;
        rc = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(ctx->db,
                               "UPDATE sessions SET state = 'booked', starts_at = ?, timezone = ?,"
                               " duration_min = ?, location = ?, booked_by = ?, series_id = ?,"
                               " sequence = 0, uid = ?, updated_at = ?, seq = ? WHERE id = ?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, starts[i]);
            sqlite3_bind_text(st, 2, tz, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3, duration);
            if (location)
                sqlite3_bind_text(st, 4, location, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 4);
            sqlite3_bind_int64(st, 5, ctx->user_id);
            if (count > 1)
                sqlite3_bind_int64(st, 6, ids[0]);
            else
                sqlite3_bind_null(st, 6);
            sqlite3_bind_text(st, 7, uid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 8, ctx->now);
            sqlite3_bind_int64(st, 9, seq);
            sqlite3_bind_int64(st, 10, ids[i]);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = MENTO_OK;
        }
        sqlite3_finalize(st);
    }
    if (rc == MENTO_OK)
        rc = pairing_touch(ctx->db, p.id, seq);
    if (rc == MENTO_OK) {
        char when[128], what[400];
        local_label(starts[0], tz, when, sizeof when);
        if (count > 1)
            snprintf(what, sizeof what, "booked %d %s sessions, every %d week%s, from %s.", count,
                     p.kind, every, every > 1 ? "s" : "", when);
        else
            snprintf(what, sizeof what, "booked a %s session on %s.", p.kind, when);
        rc = notify_members(ctx, &prog, &p, NOTIFY_SESSION_BOOKED, ids, (size_t)count, what);
    }
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (int i = 0; i < count; i++) {
        cJSON *s = session_json_by_id(ctx->db, &prog, ids[i], ctx->user_id);
        if (s)
            cJSON_AddItemToArray(items, s);
    }
    http_response_json(resp, 201, o);
out:
    mento_programme_free(&prog);
}

static void api_session_book(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"starts_at", "duration_min", "timezone",
                                       "location",  "recurrence",   NULL};
    int64_t pairing_id;
    if (!rest_id(ctx, 1, &pairing_id, resp))
        return;
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    session_book(ctx, ctx->req->params[0], pairing_id, in, resp);
}

static void op_session_book(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {
        "pairing_id", "starts_at", "duration_min", "timezone", "location", "recurrence", NULL};
    const cJSON *in = ctx->input;
    int64_t pairing_id;
    if (!api_only_keys(in, keys, resp) || !body_id(in, "pairing_id", &pairing_id, resp))
        return;
    session_book(ctx, op_programme(ctx), pairing_id, in, resp);
}

/* ---- GET .../sessions/{session_id} ------------------------------------------------------ */

static void api_session_get(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id;
    if (!rest_id(ctx, 1, &id, resp))
        return;
    struct mento_programme prog;
    struct pairing_row p;
    struct session_row s;
    if (session_access(ctx, ctx->req->params[0], id, &prog, &p, &s, resp)) {
        cJSON *o = session_json(ctx->db, &prog, &s, ctx->user_id);
        if (o) {
            http_response_json(resp, 200, o);
            resp->etag = true;
        } else {
            api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        }
    }
    mento_programme_free(&prog);
}

/* ---- PATCH .../sessions/{session_id} ------------------------------------------------------ */

static void session_reschedule(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                               struct http_response *resp)
{
    bool has_start;
    int64_t start = 0;
    const char *tz = NULL;
    int duration = 0;
    if (!opt_time(in, "starts_at", &has_start, &start, resp) || !opt_timezone(in, &tz, resp) ||
        !opt_duration(in, &duration, resp))
        return;
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(in, "location");
    const char *location = api_string(in, "location", SESSION_LOCATION_MAX, false, resp);
    if (!location && resp->status >= 400)
        return;
    if (!has_start && !tz && !duration && !loc) {
        http_response_error(resp, 400, "missing_field",
                            "Send at least one of starts_at, timezone, duration_min, location",
                            NULL);
        return;
    }
    struct mento_programme prog;
    struct pairing_row p;
    struct session_row s;
    if (!session_access(ctx, pid, id, &prog, &p, &s, resp))
        goto out;
    if (!p.active) {
        http_response_error(resp, 409, "pairing_ended", "This pairing has ended", NULL);
        goto out;
    }
    if (!state_is(&s, "booked")) {
        http_response_error(resp, 409, "session_not_booked", "This session is not booked", NULL);
        goto out;
    }
    if (has_start && !start_allowed(ctx, start, resp))
        goto out;
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (seq &&
        sqlite3_prepare_v2(ctx->db,
                           "UPDATE sessions SET starts_at = ?, timezone = ?, duration_min = ?,"
                           " location = ?, sequence = sequence + 1, updated_at = ?, seq = ?"
                           " WHERE id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, has_start ? start : s.starts_at);
        sqlite3_bind_text(st, 2, tz ? tz : s.timezone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, duration ? duration : s.duration);
        if (loc && location)
            sqlite3_bind_text(st, 4, location, -1, SQLITE_TRANSIENT);
        else if (!loc && s.has_location)
            sqlite3_bind_text(st, 4, s.location, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, ctx->now);
        sqlite3_bind_int64(st, 6, seq);
        sqlite3_bind_int64(st, 7, id);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    if (rc == MENTO_OK)
        rc = pairing_touch(ctx->db, p.id, seq);
    if (rc == MENTO_OK) {
        char when[128], what[300];
        local_label(has_start ? start : s.starts_at, tz ? tz : s.timezone, when, sizeof when);
        snprintf(what, sizeof what, "changed session %d: it is now on %s.", s.number, when);
        rc = notify_members(ctx, &prog, &p, NOTIFY_SESSION_RESCHEDULED, &id, 1, what);
    }
    cJSON *o = rc == MENTO_OK ? session_json_by_id(ctx->db, &prog, id, ctx->user_id) : NULL;
    if (!o) {
        api_error_status(resp, rc == MENTO_OK ? MENTO_ERR_DB : rc, NULL);
        goto out;
    }
    http_response_json(resp, 200, o);
out:
    mento_programme_free(&prog);
}

static void api_session_reschedule(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"starts_at", "timezone", "duration_min", "location", NULL};
    int64_t id;
    if (!rest_id(ctx, 1, &id, resp))
        return;
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    session_reschedule(ctx, ctx->req->params[0], id, in, resp);
}

static void op_session_reschedule(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"session_id",   "starts_at", "timezone",
                                       "duration_min", "location",  NULL};
    const cJSON *in = ctx->input;
    int64_t id;
    if (!api_only_keys(in, keys, resp) || !body_id(in, "session_id", &id, resp))
        return;
    session_reschedule(ctx, op_programme(ctx), id, in, resp);
}

/* ---- POST .../sessions/{session_id}/cancel ------------------------------------------------- */

static void session_cancel(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                           struct http_response *resp)
{
    const char *reason = api_string(in, "reason", SESSION_REASON_MAX, false, resp);
    if (!reason && resp->status >= 400)
        return;
    struct mento_programme prog;
    struct pairing_row p;
    struct session_row s;
    if (!session_access(ctx, pid, id, &prog, &p, &s, resp))
        goto out;
    if (!state_is(&s, "booked")) {
        http_response_error(resp, 409, "session_not_booked", "This session is not booked", NULL);
        goto out;
    }
    int64_t seq = db_next_seq(ctx->db), planned = 0;
    mento_status rc = seq ? exec_ids(ctx->db,
                                     "UPDATE sessions SET state = 'cancelled', sequence ="
                                     " sequence + 1, updated_at = ?, seq = ? WHERE id = ?",
                                     ctx->now, seq, id)
                          : MENTO_ERR_DB;
    if (rc == MENTO_OK) {
        sqlite3_stmt *st = NULL;
        rc = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(
                ctx->db, "UPDATE sessions SET cancelled_at = ?, cancel_reason = ? WHERE id = ?", -1,
                &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, ctx->now);
            if (reason && *reason)
                sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 2);
            sqlite3_bind_int64(st, 3, id);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = MENTO_OK;
        }
        sqlite3_finalize(st);
    }
    if (rc == MENTO_OK)
        rc = planned_insert(ctx, p.id, s.number, seq, &planned);
    if (rc == MENTO_OK)
        rc = pairing_touch(ctx->db, p.id, seq);
    if (rc == MENTO_OK) {
        char when[128], what[900];
        local_label(s.starts_at, s.timezone, when, sizeof when);
        if (reason && *reason)
            snprintf(what, sizeof what, "cancelled session %d of %s: %s", s.number, when, reason);
        else
            snprintf(what, sizeof what, "cancelled session %d of %s.", s.number, when);
        rc = notify_members(ctx, &prog, &p, NOTIFY_SESSION_CANCELLED, &id, 1, what);
    }
    cJSON *o = rc == MENTO_OK ? cJSON_CreateObject() : NULL;
    cJSON *cs = o ? session_json_by_id(ctx->db, &prog, id, ctx->user_id) : NULL;
    cJSON *ps = cs ? session_json_by_id(ctx->db, &prog, planned, ctx->user_id) : NULL;
    if (!ps) {
        cJSON_Delete(o);
        cJSON_Delete(cs);
        api_error_status(resp, rc == MENTO_OK ? MENTO_ERR_DB : rc, NULL);
        goto out;
    }
    cJSON_AddItemToObject(o, "session", cs);
    cJSON_AddItemToObject(o, "planned", ps);
    http_response_json(resp, 200, o);
out:
    mento_programme_free(&prog);
}

static void api_session_cancel(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"reason", NULL};
    int64_t id;
    if (!rest_id(ctx, 1, &id, resp))
        return;
    /* "reason" is optional: an empty call needs no body at all. */
    const cJSON *in = NULL;
    if (ctx->req->body_len > 0) {
        in = api_input(ctx, resp);
        if (!in || !api_only_keys(in, keys, resp))
            return;
    }
    session_cancel(ctx, ctx->req->params[0], id, in, resp);
}

static void op_session_cancel(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"session_id", "reason", NULL};
    const cJSON *in = ctx->input;
    int64_t id;
    if (!api_only_keys(in, keys, resp) || !body_id(in, "session_id", &id, resp))
        return;
    session_cancel(ctx, op_programme(ctx), id, in, resp);
}

/* ---- GET .../sessions/{session_id}/calendar ------------------------------------------------- */

static icaltimezone *zone_of(const char *tz)
{
    if (!tz[0] || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
        return icaltimezone_get_utc_timezone();
    return icaltimezone_get_builtin_timezone(tz);
}

/* ORGANIZER or ATTENDEE: "CN=name:mailto:address". */
static icalproperty *person_property(icalproperty_kind kind, sqlite3 *db, int64_t user)
{
    char name[256], email[320], uri[340];
    user_info(db, user, name, sizeof name, email, sizeof email, NULL, 0);
    snprintf(uri, sizeof uri, "mailto:%s", email);
    icalproperty *prop = kind == ICAL_ORGANIZER_PROPERTY ? icalproperty_new_organizer(uri)
                                                         : icalproperty_new_attendee(uri);
    if (!prop)
        return NULL;
    icalproperty_add_parameter(prop, icalparameter_new_cn(name));
    if (kind == ICAL_ATTENDEE_PROPERTY) {
        icalproperty_add_parameter(prop, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(prop, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(prop, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
    }
    return prop;
}

/* One session's event; `zone` is the calendar's (UTC, or the first session's
 * zone, named `tzid`). */
static icalcomponent *calendar_event(struct api_ctx *ctx, const struct mento_programme *prog,
                                     const struct pairing_row *p, const struct session_row *s,
                                     icaltimezone *zone, const char *tzid, bool cancelled)
{
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    struct icaltimetype start_utc = icaltime_from_timet_with_zone((time_t)s->starts_at, 0, utc);
    struct icaltimetype dtstart = start_utc;
    if (zone != utc) {
        dtstart = icaltime_convert_to_zone(start_utc, zone);
        dtstart.zone = NULL; /* written as local time with the TZID below */
    }
    char uid[160], summary[400], description[400];
    if (s->uid[0])
        snprintf(uid, sizeof uid, "%s", s->uid);
    else
        snprintf(uid, sizeof uid, "session-%" PRId64 "-%" PRIx64 "@mentod", s->id,
                 (uint64_t)ctx->srv->instance);
    const char *agenda = agenda_of(prog, s->number);
    const char *kind = strcmp(p->kind, "networking") == 0 ? "Networking" : "Mentoring";
    if (agenda)
        snprintf(summary, sizeof summary, "%s session %d: %s", kind, s->number, agenda);
    else
        snprintf(summary, sizeof summary, "%s session %d", kind, s->number);
    snprintf(description, sizeof description, "%s, session %d of the plan.",
             prog->name ? prog->name : p->programme, s->number);

    icalcomponent *ev = icalcomponent_new_vevent();
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_sequence(s->sequence));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone((time_t)s->updated_at, 0, utc)));
    icalproperty *dts = icalproperty_new_dtstart(dtstart);
    if (zone != utc)
        icalproperty_add_parameter(dts, icalparameter_new_tzid(tzid));
    icalcomponent_add_property(ev, dts);
    icalcomponent_add_property(ev, icalproperty_new_duration(icaldurationtype_from_int(
                                       (s->duration ? s->duration : 60) * 60)));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_description(description));
    if (s->has_location)
        icalcomponent_add_property(ev, icalproperty_new_location(s->location));
    int64_t organizer = s->booked_by ? s->booked_by : p->mentor;
    int64_t attendee = organizer == p->mentor ? p->mentee : p->mentor;
    icalproperty *org = person_property(ICAL_ORGANIZER_PROPERTY, ctx->db, organizer);
    icalproperty *att = person_property(ICAL_ATTENDEE_PROPERTY, ctx->db, attendee);
    if (org)
        icalcomponent_add_property(ev, org);
    if (att)
        icalcomponent_add_property(ev, att);
    icalcomponent_add_property(
        ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    return ev;
}

/* The invitation (or its cancellation) for `n` sessions of one pairing that
 * have a start, all in the time zone of the first (a booked series is): one
 * event each. The time zone is libical's own description of the IANA zone,
 * cut to the years around the sessions with Outlook's reading of recurrence
 * rules in mind. */
static char *calendar_build(struct api_ctx *ctx, const struct mento_programme *prog,
                            const struct pairing_row *p, const struct session_row *ss, size_t n)
{
    const struct session_row *s = &ss[0];
    bool cancelled = state_is(s, "cancelled");
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    icaltimezone *zone = zone_of(s->timezone);
    if (!zone)
        zone = utc;
    char prodid[80];
    snprintf(prodid, sizeof prodid, "-//mento//mentod %s//EN", MENTO_VERSION);
    icalcomponent *cal = icalcomponent_vanew(
        ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"), icalproperty_new_prodid(prodid),
        icalproperty_new_method(cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST), (void *)0);
    if (!cal)
        return NULL;
    struct icaltimetype start_utc = icaltime_from_timet_with_zone((time_t)s->starts_at, 0, utc);
    if (zone != utc) {
        icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
        if (vtz) {
            /* From the start of the year before: enough for every reader. */
            struct icaltimetype from = start_utc;
            from.year -= 1;
            from.month = 1;
            from.day = 1;
            from.hour = from.minute = from.second = 0;
            icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(), 1);
            icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
            if (tzid)
                icalproperty_set_tzid(tzid, s->timezone);
            icalcomponent_add_component(cal, vtz);
        }
    }
    for (size_t i = 0; i < n; i++)
        icalcomponent_add_component(
            cal, calendar_event(ctx, prog, p, &ss[i], zone, s->timezone, cancelled));

    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (!text)
        return NULL;
    char *out = strdup(text);
    icalmemory_free_buffer(text);
    return out;
}

static void api_session_calendar(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id;
    if (!rest_id(ctx, 1, &id, resp))
        return;
    struct mento_programme prog;
    struct pairing_row p;
    struct session_row s;
    if (!session_access(ctx, ctx->req->params[0], id, &prog, &p, &s, resp))
        goto out;
    /* A cancelled session that was booked has a cancelling invitation. */
    if (!(state_is(&s, "booked") || (state_is(&s, "cancelled") && s.has_start))) {
        http_response_error(resp, 409, "session_not_booked",
                            "Only a booked (or cancelled) session has an invitation", NULL);
        goto out;
    }
    char *text = calendar_build(ctx, &prog, &p, &s, 1);
    if (!text) {
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        goto out;
    }
    free(resp->body);
    resp->status = 200;
    resp->body = text;
    resp->len = strlen(text);
    resp->content_type = "text/calendar; charset=utf-8";
    snprintf(resp->disposition, sizeof resp->disposition,
             "attachment; filename=\"mento-session-%lld.ics\"", (long long)s.id);
out:
    mento_programme_free(&prog);
}

/* ---- POST .../sessions/{session_id}/done -------------------------------------------------- */

static bool one_of(const char *v, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(v, *allowed) == 0)
            return true;
    return false;
}

/* An optional member that must be one of `allowed`. */
static bool opt_choice(const cJSON *in, const char *key, const char *const *allowed,
                       const char **out, struct http_response *resp)
{
    *out = api_string(in, key, 32, false, resp);
    if (!*out)
        return resp->status < 400;
    if (!one_of(*out, allowed)) {
        char msg[160];
        snprintf(msg, sizeof msg, "This value is not one of the allowed answers: %s", key);
        http_response_error(resp, 400, "invalid", msg, key);
        return false;
    }
    return true;
}

static void session_done(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                         struct http_response *resp)
{
    bool has_rating;
    int64_t rating = 0;
    if (!opt_int(in, "rating", &has_rating, &rating, resp))
        return;
    if (!has_rating) {
        api_error_status(resp, MENTO_ERR_MISSING, "rating");
        return;
    }
    if (rating < 1 || rating > 4) {
        http_response_error(resp, 400, "out_of_range", "The rating is 1 to 4", "rating");
        return;
    }
    const char *progress, *fit;
    if (!opt_choice(in, "progress", mento_progress.names, &progress, resp) ||
        !opt_choice(in, "fit", mento_fit.names, &fit, resp))
        return;
    const char *comment = api_string(in, "comment", FEEDBACK_COMMENT_MAX, false, resp);
    if (!comment && resp->status >= 400)
        return;
    bool has_held;
    int64_t held = 0;
    if (!opt_time(in, "held_at", &has_held, &held, resp))
        return;

    struct mento_programme prog;
    struct pairing_row p;
    struct session_row s;
    if (!session_access(ctx, pid, id, &prog, &p, &s, resp))
        goto out;
    if (s.number == 1 && !fit) {
        http_response_error(resp, 400, "missing_field",
                            "After the first session, say how well the pairing fits: fit", "fit");
        goto out;
    }
    if (state_is(&s, "cancelled")) {
        http_response_error(resp, 409, "conflict", "A cancelled session cannot be marked done",
                            NULL);
        goto out;
    }
    bool marking = !state_is(&s, "done");
    if (!marking &&
        query_int(ctx->db, "SELECT 1 FROM feedback WHERE session_id = ? AND user_id = ?", id,
                  ctx->user_id, 0)) {
        http_response_error(resp, 409, "feedback_given",
                            "You already gave feedback on this session", NULL);
        goto out;
    }
    int64_t took_place = s.starts_at;
    if (marking) {
        if (!p.active) {
            http_response_error(resp, 409, "pairing_ended",
                                "This pairing has ended: its sessions can no longer be marked done",
                                NULL);
            goto out;
        }
        if (state_is(&s, "booked")) {
            if (s.starts_at > ctx->now) {
                http_response_error(resp, 422, "session_in_future",
                                    "A session cannot be marked done before it has started", NULL);
                goto out;
            }
        } else {
            took_place = has_held ? held : ctx->now;
            if (took_place > ctx->now) {
                http_response_error(resp, 422, "session_in_future",
                                    "A session cannot be marked done before it has taken place",
                                    "held_at");
                goto out;
            }
            if (took_place < p.started_at) {
                http_response_error(resp, 400, "out_of_range",
                                    "A session cannot have taken place before the pairing started",
                                    "held_at");
                goto out;
            }
        }
    }
    int64_t seq = db_next_seq(ctx->db);
    mento_status rc = seq ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_stmt *st = NULL;
    if (rc == MENTO_OK) {
        rc = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(ctx->db,
                               "INSERT INTO feedback(session_id, user_id, rating, progress, fit,"
                               " comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, ctx->user_id);
            sqlite3_bind_int(st, 3, (int)rating);
            const char *texts[3] = {progress, fit, comment};
            for (int i = 0; i < 3; i++)
                if (texts[i])
                    sqlite3_bind_text(st, 4 + i, texts[i], -1, SQLITE_STATIC);
                else
                    sqlite3_bind_null(st, 4 + i);
            sqlite3_bind_int64(st, 7, ctx->now);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = MENTO_OK;
        }
        sqlite3_finalize(st);
    }
    if (rc == MENTO_OK && marking) {
        rc = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(ctx->db,
                               "UPDATE sessions SET state = 'done', starts_at = ?, updated_at = ?,"
                               " done_at = ?, seq = ? WHERE id = ?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, took_place);
            sqlite3_bind_int64(st, 2, ctx->now);
            sqlite3_bind_int64(st, 3, ctx->now);
            sqlite3_bind_int64(st, 4, seq);
            sqlite3_bind_int64(st, 5, id);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = MENTO_OK;
        }
        sqlite3_finalize(st);
        /* Counts in sessions_done and restarts the auto-end period. */
        if (rc == MENTO_OK)
            rc = exec_ids(ctx->db,
                          "UPDATE pairings SET last_done_at = max(coalesce(last_done_at, 0), ?),"
                          " seq = ? WHERE id = ?",
                          took_place, seq, p.id);
    } else if (rc == MENTO_OK) {
        /* Only the caller's feedback_given changed. */
        rc = exec_ids(ctx->db, "UPDATE sessions SET seq = ? WHERE id = ?", seq, id, 0);
    }
    bool offered =
        query_int(ctx->db, "SELECT rematch_offered FROM pairings WHERE id = ?", p.id, 0, 0) != 0;
    if (rc == MENTO_OK && fit && strcmp(fit, "not_a_good_fit") == 0 && p.active && !offered) {
        rc = exec_ids(ctx->db, "UPDATE pairings SET rematch_offered = 1, seq = ? WHERE id = ?", seq,
                      p.id, 0);
        if (rc == MENTO_OK)
            rc = notify_user(ctx, p.mentee, p.programme, NOTIFY_REMATCH_OFFERED, "pairing", p.id,
                             "You may ask for a new pairing: this one was found not a good fit.");
        offered = rc == MENTO_OK;
    }
    struct plan_state ps;
    if (rc == MENTO_OK)
        rc = plan_scan(ctx->db, &p, &ps);
    /* The prompt to book the next session. */
    if (rc == MENTO_OK && marking && p.active && ps.n_planned == 0 && ps.booked == 0 &&
        ps.live < ps.shape.max) {
        rc = planned_insert(ctx, p.id, ps.max_number + 1, seq, NULL);
        if (rc == MENTO_OK)
            rc = plan_scan(ctx->db, &p, &ps);
    }
    cJSON *o = rc == MENTO_OK ? cJSON_CreateObject() : NULL;
    cJSON *so = o ? session_json_by_id(ctx->db, &prog, id, ctx->user_id) : NULL;
    if (!so) {
        cJSON_Delete(o);
        api_error_status(resp, rc == MENTO_OK ? MENTO_ERR_DB : rc, NULL);
        goto out;
    }
    cJSON_AddItemToObject(o, "session", so);
    cJSON *fb = cJSON_AddObjectToObject(o, "feedback");
    cJSON_AddNumberToObject(fb, "rating", (double)rating);
    if (progress)
        cJSON_AddStringToObject(fb, "progress", progress);
    if (fit)
        cJSON_AddStringToObject(fb, "fit", fit);
    cJSON_AddBoolToObject(o, "rematch_offered", offered);
    cJSON *next = p.active ? plan_next_json(&prog, &ps, true) : NULL;
    cJSON_AddItemToObject(o, "next", next ? next : cJSON_CreateNull());
    http_response_json(resp, 200, o);
out:
    mento_programme_free(&prog);
}

static void api_session_done(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"rating", "progress", "fit", "comment", "held_at", NULL};
    int64_t id;
    if (!rest_id(ctx, 1, &id, resp))
        return;
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    session_done(ctx, ctx->req->params[0], id, in, resp);
}

static void op_session_done(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"session_id", "rating",  "progress", "fit",
                                       "comment",    "held_at", NULL};
    const cJSON *in = ctx->input;
    int64_t id;
    if (!api_only_keys(in, keys, resp) || !body_id(in, "session_id", &id, resp))
        return;
    session_done(ctx, op_programme(ctx), id, in, resp);
}

/* ---- Sync ------------------------------------------------------------------------------- */

/* Sessions of the caller's pairings in `pid` changed after `since`,
 * cancelled ones included. */
static mento_status sessions_sync_changes(struct api_ctx *ctx, const char *pid, int64_t since,
                                          cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT s.id FROM sessions s JOIN pairings p ON p.id = s.pairing_id"
                           " WHERE p.programme_id = ? AND (p.mentor_id = ?2 OR p.mentee_id = ?2)"
                           " AND s.seq > ? ORDER BY s.seq, s.id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    struct mento_programme prog;
    mento_programme_init(&prog);
    bool loaded = false;
    cJSON *arr = NULL;
    mento_status rc = MENTO_OK;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (!loaded) {
            rc = programme_load(ctx->db, pid, &prog);
            if (rc != MENTO_OK)
                break;
            loaded = true;
            arr = cJSON_AddArrayToObject(changes, "sessions");
        }
        cJSON *s = session_json_by_id(ctx->db, &prog, sqlite3_column_int64(st, 0), ctx->user_id);
        if (!s) {
            rc = MENTO_ERR_DB;
            break;
        }
        cJSON_AddItemToArray(arr, s);
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    mento_programme_free(&prog);
    return rc;
}

static const struct api_route sessions_routes[] = {
    {"GET", "/v1/programmes/{}/pairings/{}/sessions", api_session_plan, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/pairings/{}/sessions", api_session_book,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/sessions/{}", api_session_get, API_ROUTE_AUTH},
    {"PATCH", "/v1/programmes/{}/sessions/{}", api_session_reschedule,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/programmes/{}/sessions/{}/cancel", api_session_cancel,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/sessions/{}/calendar", api_session_calendar, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/sessions/{}/done", api_session_done,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op sessions_ops[] = {
    {"session.book", op_session_book},
    {"session.reschedule", op_session_reschedule},
    {"session.cancel", op_session_cancel},
    {"session.done", op_session_done},
    {NULL, NULL},
};

const struct api_module api_module_sessions = {
    .name = "sessions",
    .routes = sessions_routes,
    .ops = sessions_ops,
    .sync_changes = sessions_sync_changes,
};

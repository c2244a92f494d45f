/* api_surveys.c - see api.h and surveys.h: the pre- and post-programme
 * surveys of docs/api.md 15, answered by the member and read by the member and
 * the programme's administrators only; the time rules that open and close
 * them, with one survey_opened notification per opening; their sync
 * operation and collection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mento/api.h"
#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/server.h"
#include "mento/surveys.h"
#include "mento/utf8.h"

#define DAY                  86400
#define SURVEYS_PER_PAGE     50
#define SURVEYS_PER_PAGE_MAX 200
#define SURVEYS_KEY_SHOWN    64 /* the longest answer key an error names */

/* The end of the member's first pairing (SQL over memberships m): NULL while
 * it is active or there is none. The first is the one that started first. */
#define FIRST_END_SQL                                                                              \
    "(SELECT CASE WHEN p.state = 'ended' THEN p.ended_at END FROM pairings p"                      \
    " WHERE p.programme_id = m.programme_id AND (p.mentor_id = m.user_id OR"                       \
    " p.mentee_id = m.user_id) ORDER BY p.started_at, p.id LIMIT 1)"

/* ---- Definitions and time rules ---------------------------------------------- */

const struct survey_def *survey_find(const struct survey_def *defs, size_t n, const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(defs[i].id, id) == 0)
            return &defs[i];
    return NULL;
}

const struct survey_question *survey_question_find(const struct survey_def *def, const char *key)
{
    for (size_t i = 0; key && i < def->n_questions; i++)
        if (strcmp(def->questions[i].key, key) == 0)
            return &def->questions[i];
    return NULL;
}

int64_t survey_programme_end(const struct mento_programme *p)
{
    if (p->kind != MENTO_PROGRAMME_COHORT || p->pairing_announced <= 0 || p->length_months <= 0)
        return 0;
    time_t t = (time_t)p->pairing_announced;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 0;
    tm.tm_mon += p->length_months;
    time_t end = timegm(&tm);
    return end == (time_t)-1 ? 0 : (int64_t)end;
}

struct survey_window survey_window_of(const char *survey_id, const struct survey_member *m)
{
    struct survey_window w = {0, 0};
    if (!m->participant)
        return w;
    if (strcmp(survey_id, "pre") == 0) {
        w.opens_at = m->joined_at;
        w.closes_at = m->first_pairing_end;
    } else if (strcmp(survey_id, "post") == 0 && m->took_part) {
        int64_t opens = m->first_pairing_end;
        if (m->programme_end > 0 && (opens == 0 || m->programme_end < opens))
            opens = m->programme_end;
        w.opens_at = opens;
        w.closes_at = opens ? opens + (int64_t)SURVEY_POST_OPEN_DAYS * DAY : 0;
    }
    return w;
}

bool survey_window_open(const struct survey_window *w, int64_t now)
{
    return w->opens_at > 0 && now >= w->opens_at && (w->closes_at == 0 || now < w->closes_at);
}

/* The time marks of a programme's post survey (ref_id: the member). */
static void mark_kind(char *buf, size_t cap, const char *what, const char *pid)
{
    snprintf(buf, cap, "survey_post_%s:%s", what, pid);
}

/* A programme's settings from the database; false when there is none or
 * they cannot be read. `out` is initialised either way. */
static bool programme_load(sqlite3 *db, const char *pid, struct mento_programme *out)
{
    mento_programme_init(out);
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        struct codec_error err;
        ok = json && codec_programme_from_json(json, out, &err) == MENTO_OK;
        cJSON_Delete(json);
    }
    sqlite3_finalize(st);
    return ok;
}

static bool participant(unsigned roles, const char *status)
{
    return (roles & (MENTO_ROLE_MENTEE | MENTO_ROLE_MENTOR)) != 0 && status &&
           strcmp(status, "not_selected") != 0;
}

/* What the time rules read of `user` in `pid`; false when not a member. */
static bool member_load(sqlite3 *db, const char *pid, int64_t user, int64_t programme_end,
                        struct survey_member *m)
{
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT m.roles, m.status, m.joined_at, " FIRST_END_SQL
                           " FROM memberships m WHERE m.programme_id = ? AND m.user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        const char *status = (const char *)sqlite3_column_text(st, 1);
        m->participant = participant((unsigned)sqlite3_column_int(st, 0), status);
        m->took_part = status && (strcmp(status, "active") == 0 || strcmp(status, "selected") == 0);
        m->joined_at = sqlite3_column_int64(st, 2);
        m->first_pairing_end = sqlite3_column_int64(st, 3); /* NULL reads 0 */
        m->programme_end = programme_end;
    }
    sqlite3_finalize(st);
    return found;
}

/* ---- JSON --------------------------------------------------------------------- */

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

static cJSON *question_json(const struct survey_question *q)
{
    static const char *const types[] = {"text", "rating", "choice"};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "key", q->key);
    cJSON_AddStringToObject(o, "label", q->label);
    cJSON_AddStringToObject(o, "type", types[q->type]);
    if (q->type == SURVEY_Q_CHOICE) {
        cJSON *c = cJSON_AddArrayToObject(o, "choices");
        for (const char *const *v = q->choices; c && v && *v; v++)
            cJSON_AddItemToArray(c, cJSON_CreateString(*v));
    } else {
        cJSON_AddNumberToObject(o, "max", q->max);
    }
    return o;
}

/* A survey object for its member: `answers` is the stored JSON text of the
 * member's answers (NULL: not answered). */
static cJSON *survey_json(const struct survey_def *d, const struct survey_window *w, int64_t now,
                          const char *answers, int64_t answered_at)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddStringToObject(o, "title", d->title);
    cJSON_AddBoolToObject(o, "open", survey_window_open(w, now));
    if (w->opens_at)
        add_time(o, "opens_at", w->opens_at);
    if (w->closes_at)
        add_time(o, "closes_at", w->closes_at);
    cJSON_AddBoolToObject(o, "answered", answers != NULL);
    if (answers)
        add_time(o, "answered_at", answered_at);
    cJSON *qs = cJSON_AddArrayToObject(o, "questions");
    for (size_t i = 0; qs && i < d->n_questions; i++)
        cJSON_AddItemToArray(qs, question_json(&d->questions[i]));
    if (answers) {
        cJSON *a = cJSON_Parse(answers);
        cJSON_AddItemToObject(o, "answers", a ? a : cJSON_CreateObject());
    }
    return o;
}

/* The caller's surveys in `pid` as an array (NULL on error). */
static cJSON *surveys_array(struct api_ctx *ctx, const char *pid,
                            const struct mento_programme *prog)
{
    struct survey_member m;
    if (!member_load(ctx->db, pid, ctx->user_id, survey_programme_end(prog), &m))
        return NULL;
    size_t n = 0;
    const struct survey_def *defs = seed_surveys(pid, &n);
    cJSON *arr = cJSON_CreateArray();
    sqlite3_stmt *st = NULL;
    if (!arr || sqlite3_prepare_v2(ctx->db,
                                   "SELECT answers, submitted_at FROM survey_answers WHERE"
                                   " programme_id = ? AND survey_id = ? AND user_id = ?",
                                   -1, &st, NULL) != SQLITE_OK) {
        cJSON_Delete(arr);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, defs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, ctx->user_id);
        int r = sqlite3_step(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE) {
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
        struct survey_window w = survey_window_of(defs[i].id, &m);
        cJSON *o = survey_json(&defs[i], &w, ctx->now,
                               r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL,
                               r == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0);
        if (!o) {
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}

/* ---- Time rules ------------------------------------------------------------- */

/* The post survey of every participant of `pid` (or of `only` when not 0):
 * when it opened, a mark and one survey_opened notification; when it closed,
 * a mark (and the opening's, without a notification, if the server was down
 * for all of it). The marks' primary key makes each happen once, across
 * restarts and concurrent ticks. With `apply` false, only count what is due
 * into *n_due (a read that writes nothing when nothing is due). */
static mento_status tick_programme(struct api_ctx *ctx, const struct mento_programme *prog,
                                   int64_t only, bool apply, size_t *n_due)
{
    sqlite3 *db = ctx->db;
    char opened[128], closed[128];
    mark_kind(opened, sizeof opened, "opened", prog->id);
    mark_kind(closed, sizeof closed, "closed", prog->id);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT m.user_id, m.joined_at, " FIRST_END_SQL ", EXISTS (SELECT 1 FROM"
            " time_marks t WHERE t.kind = ?2 AND t.ref_id = m.user_id) FROM"
            " memberships m WHERE m.programme_id = ?1 AND m.roles & 3 != 0 AND"
            " m.status IN ('active', 'selected') AND (?4 = 0 OR m.user_id = ?4) AND NOT"
            " EXISTS (SELECT 1 FROM time_marks t WHERE t.kind = ?3 AND t.ref_id ="
            " m.user_id) ORDER BY m.user_id",
            -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, prog->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, opened, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, closed, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, only);
    struct due {
        int64_t user, closes_at;
        bool close;
    } *due = NULL;
    size_t n = 0, cap = 0;
    mento_status rc = MENTO_OK;
    int64_t programme_end = survey_programme_end(prog);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct survey_member m = {
            .participant = true,
            .took_part = true,
            .joined_at = sqlite3_column_int64(st, 1),
            .first_pairing_end = sqlite3_column_int64(st, 2),
            .programme_end = programme_end,
        };
        struct survey_window w = survey_window_of("post", &m);
        bool has_opened = sqlite3_column_int(st, 3) != 0;
        if (!w.opens_at || ctx->now < w.opens_at || (ctx->now < w.closes_at && has_opened))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct due *nd = realloc(due, cap * sizeof *nd);
            if (!nd) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            due = nd;
        }
        due[n].user = sqlite3_column_int64(st, 0);
        due[n].closes_at = w.closes_at;
        due[n].close = ctx->now >= w.closes_at;
        n++;
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    if (n_due)
        *n_due = n;
    if (!apply || rc != MENTO_OK || n == 0) {
        free(due);
        return rc;
    }
    int64_t seq = db_next_seq(db);
    if (!seq)
        rc = MENTO_ERR_DB;
    sqlite3_stmt *mark = NULL;
    if (rc == MENTO_OK &&
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO time_marks(kind, ref_id, done_at, seq)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &mark, NULL) != SQLITE_OK)
        rc = MENTO_ERR_DB;
    for (size_t i = 0; rc == MENTO_OK && i < n; i++) {
        for (int k = 0; rc == MENTO_OK && k < (due[i].close ? 2 : 1); k++) {
            sqlite3_reset(mark);
            sqlite3_bind_text(mark, 1, k == 0 ? opened : closed, -1, SQLITE_STATIC);
            sqlite3_bind_int64(mark, 2, due[i].user);
            sqlite3_bind_int64(mark, 3, ctx->now);
            sqlite3_bind_int64(mark, 4, seq);
            if (sqlite3_step(mark) != SQLITE_DONE) {
                rc = MENTO_ERR_DB;
                break;
            }
            /* Told once, and only while it is open. */
            if (k == 0 && !due[i].close && sqlite3_changes(db) == 1) {
                char until[CODEC_TIME_LEN];
                codec_time_format(due[i].closes_at, until);
                rc = notify_user(ctx, due[i].user, prog->id, NOTIFY_SURVEY_OPENED, NULL, 0,
                                 "The post-programme survey of %.200s is open until %.10s: tell"
                                 " the programme team how it went.",
                                 prog->name ? prog->name : prog->id, until);
            }
        }
    }
    sqlite3_finalize(mark);
    free(due);
    return rc;
}

static mento_status surveys_tick(struct api_ctx *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT id FROM programmes ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return MENTO_ERR_DB;
    char **ids = NULL;
    size_t n = 0;
    mento_status rc = MENTO_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char **ni = realloc(ids, (n + 1) * sizeof *ni);
        char *id = ni ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
        if (ni)
            ids = ni;
        if (!id) {
            rc = MENTO_ERR_NOMEM;
            break;
        }
        ids[n++] = id;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if (rc == MENTO_OK) {
            struct mento_programme prog;
            /* A programme whose settings cannot be read has no time rules to run. */
            if (programme_load(ctx->db, ids[i], &prog))
                rc = tick_programme(ctx, &prog, 0, true, NULL);
            mento_programme_free(&prog);
        }
        free(ids[i]);
    }
    free(ids);
    return rc;
}

/* The rules due for the caller, applied before a read, in a write transaction
 * of their own when something is due. */
static mento_status tick_before_read(struct api_ctx *ctx, const struct mento_programme *prog)
{
    size_t n_due = 0;
    mento_status rc = tick_programme(ctx, prog, ctx->user_id, false, &n_due);
    if (rc != MENTO_OK || n_due == 0)
        return rc;
    if (db_begin_write(ctx->db) != MENTO_OK)
        return MENTO_ERR_DB;
    rc = tick_programme(ctx, prog, ctx->user_id, true, NULL);
    if (rc == MENTO_OK)
        return db_commit(ctx->db);
    db_rollback(ctx->db);
    return rc;
}

/* ---- GET /v1/programmes/{id}/surveys -------------------------------------------- */

static bool no_param(const char *key, const char *value, void *arg)
{
    (void)key;
    (void)value;
    (void)arg;
    return false;
}

static void api_surveys_list(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    if (!http_query_each(ctx->req, no_param, NULL)) {
        http_response_error(resp, 400, "bad_request", "This route takes no query parameters", NULL);
        return;
    }
    struct mento_programme prog;
    if (!api_membership(ctx, pid, ctx->user_id, &prog, NULL, resp))
        return;
    cJSON *items = NULL;
    if (tick_before_read(ctx, &prog) == MENTO_OK)
        items = surveys_array(ctx, pid, &prog);
    mento_programme_free(&prog);
    if (!items) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    if (!out) {
        cJSON_Delete(items);
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return;
    }
    cJSON_AddItemToObject(out, "items", items);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* ---- PUT /v1/programmes/{id}/surveys/{survey_id}/answers ------------------------- */

/* The field an error about answer `key` names: "answers.<key>", or
 * "answers" for a key too long to repeat. */
static void answer_field(const char *key, char *buf, size_t cap)
{
    size_t len = key ? strlen(key) : 0;
    if (len > 0 && len <= SURVEYS_KEY_SHOWN && utf8_valid(key, len))
        snprintf(buf, cap, "answers.%s", key);
    else
        snprintf(buf, cap, "answers");
}

/* The answers checked against the survey's questions, as the object to
 * store (in question order); NULL with the error in `resp`. */
static cJSON *answers_parse(const struct survey_def *d, const cJSON *answers,
                            struct http_response *resp)
{
    if (!answers || cJSON_IsNull(answers)) {
        api_error_status(resp, MENTO_ERR_MISSING, "answers");
        return NULL;
    }
    if (!cJSON_IsObject(answers)) {
        api_error_status(resp, MENTO_ERR_TYPE, "answers");
        return NULL;
    }
    const cJSON *given[64] = {NULL};
    if (d->n_questions > sizeof given / sizeof given[0]) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return NULL;
    }
    bool seen[64] = {false};
    const cJSON *it;
    cJSON_ArrayForEach(it, answers)
    {
        char field[SURVEYS_KEY_SHOWN + 16], msg[200];
        answer_field(it->string, field, sizeof field);
        const struct survey_question *q = survey_question_find(d, it->string);
        if (!q) {
            snprintf(msg, sizeof msg, "Not a question of this survey: %s", field);
            http_response_error(resp, 400, "unknown_field", msg, field);
            return NULL;
        }
        size_t qi = (size_t)(q - d->questions);
        if (seen[qi]) {
            snprintf(msg, sizeof msg, "%s is answered twice", field);
            http_response_error(resp, 400, "invalid", msg, field);
            return NULL;
        }
        seen[qi] = true;
        if (cJSON_IsNull(it))
            continue; /* left out */
        switch (q->type) {
        case SURVEY_Q_TEXT:
            if (!cJSON_IsString(it) || !it->valuestring) {
                api_error_status(resp, MENTO_ERR_TYPE, field);
                return NULL;
            }
            if (!utf8_valid(it->valuestring, strlen(it->valuestring))) {
                api_error_status(resp, MENTO_ERR_UTF8, field);
                return NULL;
            }
            if (utf8_codepoints(it->valuestring, strlen(it->valuestring)) > (size_t)q->max) {
                snprintf(msg, sizeof msg, "%s is longer than %d characters", field, q->max);
                http_response_error(resp, 400, "too_long", msg, field);
                return NULL;
            }
            break;
        case SURVEY_Q_RATING:
            if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble)) {
                api_error_status(resp, MENTO_ERR_TYPE, field);
                return NULL;
            }
            if (it->valuedouble < 1 || it->valuedouble > q->max) {
                snprintf(msg, sizeof msg, "%s is a rating from 1 to %d", field, q->max);
                http_response_error(resp, 400, "out_of_range", msg, field);
                return NULL;
            }
            break;
        case SURVEY_Q_CHOICE: {
            if (!cJSON_IsString(it) || !it->valuestring) {
                api_error_status(resp, MENTO_ERR_TYPE, field);
                return NULL;
            }
            bool known = false;
            for (const char *const *c = q->choices; c && *c; c++)
                known = known || strcmp(*c, it->valuestring) == 0;
            if (!known) {
                size_t used = (size_t)snprintf(msg, sizeof msg, "%s is one of", field);
                for (const char *const *c = q->choices; c && *c && used < sizeof msg; c++)
                    used += (size_t)snprintf(msg + used, sizeof msg - used, "%s %s",
                                             c == q->choices ? "" : ",", *c);
                http_response_error(resp, 400, "invalid", msg, field);
                return NULL;
            }
            break;
        }
        }
        given[qi] = it;
    }
    cJSON *out = cJSON_CreateObject();
    bool any = false;
    for (size_t i = 0; out && i < d->n_questions; i++) {
        if (!given[i])
            continue;
        cJSON_AddItemToObject(out, d->questions[i].key, cJSON_Duplicate(given[i], false));
        any = true;
    }
    if (!out) {
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return NULL;
    }
    if (!any) {
        cJSON_Delete(out);
        http_response_error(resp, 400, "missing_field", "Answer at least one question", "answers");
        return NULL;
    }
    return out;
}

/* 422 survey_not_open, saying when it opens or when it closed. */
static void not_open(struct http_response *resp, const struct survey_def *d,
                     const struct survey_window *w, const struct survey_member *m, int64_t now)
{
    char msg[200], when[CODEC_TIME_LEN];
    if (!m->participant) {
        snprintf(msg, sizeof msg, "Surveys are answered by the programme's mentees and mentors");
    } else if (!w->opens_at) {
        snprintf(msg, sizeof msg, "The %s survey opens when your first pairing ends", d->id);
    } else if (now < w->opens_at) {
        codec_time_format(w->opens_at, when);
        snprintf(msg, sizeof msg, "This survey opens on %.10s", when);
    } else {
        codec_time_format(w->closes_at, when);
        snprintf(msg, sizeof msg, "This survey closed on %.10s", when);
    }
    http_response_error(resp, 422, "survey_not_open", msg, NULL);
}

static void survey_answer(struct api_ctx *ctx, const char *pid, const char *survey_id,
                          const cJSON *in, struct http_response *resp)
{
    struct mento_programme prog;
    if (!api_membership(ctx, pid, ctx->user_id, &prog, NULL, resp))
        return;
    int64_t programme_end = survey_programme_end(&prog);
    mento_programme_free(&prog);
    size_t n = 0;
    const struct survey_def *defs = seed_surveys(pid, &n);
    const struct survey_def *d = survey_find(defs, n, survey_id);
    if (!d) {
        http_response_error(resp, 404, "not_found", "There is no such survey (pre or post)", NULL);
        return;
    }
    cJSON *answers = answers_parse(d, cJSON_GetObjectItemCaseSensitive(in, "answers"), resp);
    if (!answers)
        return;
    struct survey_member m;
    if (!member_load(ctx->db, pid, ctx->user_id, programme_end, &m)) {
        cJSON_Delete(answers);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    struct survey_window w = survey_window_of(d->id, &m);
    if (!survey_window_open(&w, ctx->now)) {
        cJSON_Delete(answers);
        not_open(resp, d, &w, &m, ctx->now);
        return;
    }
    char *text = cJSON_PrintUnformatted(answers);
    cJSON_Delete(answers);
    int64_t seq = text ? db_next_seq(ctx->db) : 0;
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (seq && sqlite3_prepare_v2(ctx->db,
                                  "INSERT INTO survey_answers(programme_id, survey_id, user_id,"
                                  " answers, submitted_at, seq) VALUES (?, ?, ?, ?, ?, ?)"
                                  " ON CONFLICT(programme_id, survey_id, user_id) DO UPDATE SET"
                                  " answers = excluded.answers, submitted_at ="
                                  " excluded.submitted_at, seq = excluded.seq",
                                  -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, ctx->user_id);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, ctx->now);
        sqlite3_bind_int64(st, 6, seq);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    cJSON_free(text);
    if (rc != MENTO_OK) {
        api_error_status(resp, text ? rc : MENTO_ERR_NOMEM, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    if (out) {
        cJSON_AddStringToObject(out, "survey", d->id);
        add_time(out, "answered_at", ctx->now);
    }
    http_response_json(resp, 200, out);
}

static void api_survey_answers_put(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"answers", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (in && api_only_keys(in, keys, resp))
        survey_answer(ctx, ctx->req->params[0], ctx->req->params[1], in, resp);
}

/* The programme of a sync operation: the sync's own. */
static const char *op_programme(const struct api_ctx *ctx)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : "";
}

static void op_survey_answer(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"survey_id", "answers", NULL};
    if (!api_only_keys(ctx->input, keys, resp))
        return;
    const char *id = api_string(ctx->input, "survey_id", SURVEYS_KEY_SHOWN, true, resp);
    if (id)
        survey_answer(ctx, op_programme(ctx), id, ctx->input, resp);
}

/* ---- GET /v1/programmes/{id}/admin/surveys/{survey_id}/answers ---------------------- */

struct page_query {
    int page, per_page;
    const char *bad;
};

static bool page_param(const char *key, const char *value, void *arg)
{
    struct page_query *q = arg;
    if (strcmp(key, "page") == 0 && api_whole_int(value, 1, 1000000, &q->page))
        return true;
    if (strcmp(key, "per_page") == 0 && api_whole_int(value, 1, SURVEYS_PER_PAGE_MAX, &q->per_page))
        return true;
    q->bad = strcmp(key, "page") == 0 || strcmp(key, "per_page") == 0 ? key : NULL;
    return false;
}

static void api_admin_survey_answers(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct page_query q = {.page = 1, .per_page = SURVEYS_PER_PAGE};
    if (!http_query_each(ctx->req, page_param, &q)) {
        http_response_error(resp, 400, "bad_request",
                            q.bad ? "page is 1 or more; per_page is 1 to 200"
                                  : "The only query parameters are page and per_page",
                            q.bad);
        return;
    }
    if (!api_require_admin(ctx, pid, resp))
        return;
    size_t n = 0;
    const struct survey_def *defs = seed_surveys(pid, &n);
    const struct survey_def *d = survey_find(defs, n, ctx->req->params[1]);
    if (!d) {
        http_response_error(resp, 404, "not_found", "There is no such survey (pre or post)", NULL);
        return;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT a.user_id, json_extract(p.answers, '$.name'), a.submitted_at,"
                           " a.answers, count(*) OVER () FROM survey_answers a LEFT JOIN"
                           " profiles p ON p.user_id = a.user_id WHERE a.programme_id = ? AND"
                           " a.survey_id = ? ORDER BY a.submitted_at DESC, a.user_id"
                           " LIMIT ? OFFSET ?",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, q.per_page);
    sqlite3_bind_int64(st, 4, (int64_t)(q.page - 1) * q.per_page);
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t total = -1;
    int r;
    while (items && (r = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *it = cJSON_CreateObject();
        if (!it)
            break;
        cJSON_AddNumberToObject(it, "user_id", (double)sqlite3_column_int64(st, 0));
        const unsigned char *name = sqlite3_column_text(st, 1);
        cJSON_AddStringToObject(it, "name", name ? (const char *)name : "");
        add_time(it, "answered_at", sqlite3_column_int64(st, 2));
        cJSON *a = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
        cJSON_AddItemToObject(it, "answers", a ? a : cJSON_CreateObject());
        cJSON_AddItemToArray(items, it);
        total = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (!items) {
        cJSON_Delete(out);
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return;
    }
    if (total < 0) {
        /* A page past the end: count them all. */
        total = 0;
        if (sqlite3_prepare_v2(ctx->db,
                               "SELECT count(*) FROM survey_answers WHERE programme_id = ? AND"
                               " survey_id = ?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                total = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    cJSON_AddNumberToObject(out, "page", q.page);
    cJSON_AddNumberToObject(out, "per_page", q.per_page);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "pages", (double)((total + q.per_page - 1) / q.per_page));
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* ---- Sync: the surveys collection ------------------------------------------------- */

/* The caller's surveys travel whole when they may have changed since `since`:
 * on a first sync, when the membership changed (joining, a pairing that
 * started or ended, a selection), when the caller answered, and when the
 * time rules opened or closed the post survey. */
static mento_status surveys_sync_changes(struct api_ctx *ctx, const char *programme, int64_t since,
                                         cJSON *changes)
{
    bool changed = since == 0;
    if (!changed) {
        char opened[128], closed[128];
        mark_kind(opened, sizeof opened, "opened", programme);
        mark_kind(closed, sizeof closed, "closed", programme);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(ctx->db,
                               "SELECT EXISTS (SELECT 1 FROM memberships WHERE programme_id = ?1"
                               " AND user_id = ?2 AND seq > ?3) OR EXISTS (SELECT 1 FROM"
                               " survey_answers WHERE user_id = ?2 AND programme_id = ?1 AND seq"
                               " > ?3) OR EXISTS (SELECT 1 FROM time_marks WHERE kind IN (?4, ?5)"
                               " AND ref_id = ?2 AND seq > ?3)",
                               -1, &st, NULL) != SQLITE_OK)
            return MENTO_ERR_DB;
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ctx->user_id);
        sqlite3_bind_int64(st, 3, since);
        sqlite3_bind_text(st, 4, opened, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, closed, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        changed = r == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
        sqlite3_finalize(st);
        if (r != SQLITE_ROW)
            return MENTO_ERR_DB;
    }
    if (!changed)
        return MENTO_OK;
    struct mento_programme prog;
    cJSON *arr =
        programme_load(ctx->db, programme, &prog) ? surveys_array(ctx, programme, &prog) : NULL;
    mento_programme_free(&prog);
    if (!arr)
        return MENTO_ERR_DB;
    cJSON_AddItemToObject(changes, "surveys", arr);
    return MENTO_OK;
}

static const struct api_route surveys_routes[] = {
    {"GET", "/v1/programmes/{}/surveys", api_surveys_list, API_ROUTE_AUTH},
    {"PUT", "/v1/programmes/{}/surveys/{}/answers", api_survey_answers_put,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/admin/surveys/{}/answers", api_admin_survey_answers, API_ROUTE_AUTH},
    {NULL, NULL, NULL, 0},
};

static const struct api_op surveys_ops[] = {
    {"survey.answer", op_survey_answer},
    {NULL, NULL},
};

const struct api_module api_module_surveys = {
    .name = "surveys",
    .routes = surveys_routes,
    .ops = surveys_ops,
    .sync_changes = surveys_sync_changes,
    .tick = surveys_tick,
};

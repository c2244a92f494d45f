/* api_pairings.c - see api.h and pairings.h: the pairing object as each
 * member sees it, listing, ending and rematching, the auto-end time rule. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/pairings.h"
#include "mento/requests.h"

#define PAIRINGS_ID_MAX       9007199254740991LL /* the largest integer JSON carries exactly */
#define PAIRINGS_COMMENT_MAX  2000
#define PAIRINGS_MESSAGE_MAX  1000
#define PAIRINGS_PER_PAGE     50
#define PAIRINGS_PER_PAGE_MAX 200
#define DAY                   86400

/* The later of a pairing's start and its last session done (SQL, over
 * pairings p): where the auto-end period is counted from. */
#define LAST_DONE_SQL                                                                              \
    "max(coalesce(p.last_done_at, 0), coalesce((SELECT max(s.starts_at) FROM sessions s"           \
    " WHERE s.pairing_id = p.id AND s.state = 'done'), 0))"

bool pairings_no_match(sqlite3 *db, const char *programme, int64_t a, int64_t b)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM no_match WHERE programme_id = ? AND low_id = ?"
                           " AND high_id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, a < b ? a : b);
        sqlite3_bind_int64(st, 3, a < b ? b : a);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* A member's card: the shown answers, the e-mail address (partners see it),
 * and whether sessions are arranged by e-mail (a retiree). */
static cJSON *member_card(sqlite3 *db, int64_t user)
{
    sqlite3_stmt *st = NULL;
    cJSON *card = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.answers, u.email FROM profiles p JOIN users u"
                           " ON u.id = p.user_id WHERE p.user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *answers = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        struct mento_profile p;
        mento_profile_init(&p);
        struct codec_error err;
        if (answers && codec_profile_from_json(answers, &p, &err) == MENTO_OK) {
            p.user_id = user;
            bool retiree = p.grade == MENTO_GRADE_RETIREE ||
                           (p.appointment_type && strcmp(p.appointment_type, "retiree") == 0);
            card = codec_profile_to_json(&p, 0);
            if (card) {
                cJSON_DeleteItemFromObjectCaseSensitive(card, "user_id");
                cJSON_AddNumberToObject(card, "user_id", (double)user);
                cJSON_AddStringToObject(card, "email", (const char *)sqlite3_column_text(st, 1));
                cJSON_AddBoolToObject(card, "schedule_by_email", retiree);
            }
        }
        mento_profile_free(&p);
        cJSON_Delete(answers);
    }
    sqlite3_finalize(st);
    return card;
}

/* A member's name for a notification ("your partner" when unknown). */
static void member_name(sqlite3 *db, int64_t user, char *out, size_t cap)
{
    snprintf(out, cap, "your partner");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT answers FROM profiles WHERE user_id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *a = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && n->valuestring[0])
            snprintf(out, cap, "%.200s", n->valuestring);
        cJSON_Delete(a);
    }
    sqlite3_finalize(st);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* The programme's auto-end period and warning, in days (90 and 14 when
 * unreadable). */
static void auto_end_days(sqlite3 *db, const char *programme, int *days, int *warn)
{
    sqlite3_stmt *st = NULL;
    *days = 90;
    *warn = 14;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *s = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
            struct mento_programme prog;
            mento_programme_init(&prog);
            struct codec_error err;
            if (s && codec_programme_from_json(s, &prog, &err) == MENTO_OK) {
                if (prog.auto_end_days > 0)
                    *days = prog.auto_end_days;
                if (prog.auto_end_warning_days >= 0)
                    *warn = prog.auto_end_warning_days;
            }
            mento_programme_free(&prog);
            cJSON_Delete(s);
        }
    }
    sqlite3_finalize(st);
}

cJSON *pairings_json(struct api_ctx *ctx, int64_t pairing_id, int64_t viewer)
{
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.programme_id, p.mentor_id, p.mentee_id, p.kind, p.state,"
                           " p.started_at, p.ended_at, p.end_reason, p.ended_by, " LAST_DONE_SQL
                           ", p.rematch_offered FROM pairings p WHERE p.id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, pairing_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return NULL;
    }
    char programme[80];
    snprintf(programme, sizeof programme, "%s", (const char *)sqlite3_column_text(st, 0));
    int64_t mentor = sqlite3_column_int64(st, 1), mentee = sqlite3_column_int64(st, 2);
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        sqlite3_finalize(st);
        return NULL;
    }
    cJSON_AddNumberToObject(o, "id", (double)pairing_id);
    cJSON_AddStringToObject(o, "programme", programme);
    cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 3));
    const char *state = (const char *)sqlite3_column_text(st, 4);
    bool active = strcmp(state, "active") == 0;
    cJSON_AddStringToObject(o, "state", state);
    if (viewer == mentor || viewer == mentee) {
        cJSON_AddStringToObject(o, "my_role", viewer == mentor ? "mentor" : "mentee");
        cJSON *card = member_card(db, viewer == mentor ? mentee : mentor);
        cJSON_AddItemToObject(o, "partner", card ? card : cJSON_CreateNull());
    } else {
        cJSON *a = member_card(db, mentor), *b = member_card(db, mentee);
        cJSON_AddItemToObject(o, "mentor", a ? a : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "mentee", b ? b : cJSON_CreateNull());
    }
    int64_t started = sqlite3_column_int64(st, 5);
    add_time(o, "started_at", started);
    int64_t last_done = sqlite3_column_int64(st, 9);
    if (!active) {
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            add_time(o, "ended_at", sqlite3_column_int64(st, 6));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            cJSON_AddStringToObject(o, "end_reason", (const char *)sqlite3_column_text(st, 7));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            cJSON_AddStringToObject(o, "ended_by", (const char *)sqlite3_column_text(st, 8));
    }
    cJSON_AddBoolToObject(o, "rematch_offered", sqlite3_column_int(st, 10) != 0);
    sqlite3_finalize(st);

    /* Sessions done, and the next booked one. */
    int done = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sessions WHERE pairing_id = ? AND state = 'done'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pairing_id);
        if (sqlite3_step(st) == SQLITE_ROW)
            done = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    cJSON_AddNumberToObject(o, "sessions_done", done);
    if (last_done > 0)
        add_time(o, "last_done_at", last_done);
    if (sqlite3_prepare_v2(db,
                           "SELECT id, number, starts_at FROM sessions WHERE pairing_id = ?"
                           " AND state = 'booked' AND starts_at >= ? ORDER BY starts_at, id"
                           " LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pairing_id);
        sqlite3_bind_int64(st, 2, ctx->now);
        if (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *next = cJSON_AddObjectToObject(o, "next_session");
            cJSON_AddNumberToObject(next, "id", (double)sqlite3_column_int64(st, 0));
            cJSON_AddNumberToObject(next, "number", sqlite3_column_int(st, 1));
            add_time(next, "starts_at", sqlite3_column_int64(st, 2));
        }
    }
    sqlite3_finalize(st);
    if (active) {
        int days, warn;
        auto_end_days(db, programme, &days, &warn);
        int64_t from = last_done > started ? last_done : started;
        add_time(o, "auto_end_at", from + (int64_t)days * DAY);
    }
    return o;
}

/* Run one statement with integer/text parameters described by `types`
 * ('i': int64_t, 't': const char * or NULL). */
static mento_status exec_sql(sqlite3 *db, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i') {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        }
    }
    va_end(ap);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE || r == SQLITE_ROW ? MENTO_OK : MENTO_ERR_DB;
}

/* Cancel the booked sessions of a pairing still to come at `at` (and its
 * planned ones), telling the members other than `actor` of each booked one. */
static mento_status cancel_sessions(struct api_ctx *ctx, int64_t pairing_id, const char *programme,
                                    int64_t mentor, int64_t mentee, int64_t actor, int64_t at,
                                    int64_t seq)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT id, number FROM sessions WHERE pairing_id = ? AND state ="
                           " 'booked' AND starts_at >= ? ORDER BY starts_at, id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, pairing_id);
    sqlite3_bind_int64(st, 2, at);
    size_t n = 0, cap = 0;
    int64_t *ids = NULL;
    int *nums = NULL;
    mento_status rc = MENTO_OK;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *ni = realloc(ids, cap * sizeof *ni);
            if (ni)
                ids = ni;
            int *nn = realloc(nums, cap * sizeof *nn);
            if (nn)
                nums = nn;
            if (!ni || !nn) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
        }
        ids[n] = sqlite3_column_int64(st, 0);
        nums[n] = sqlite3_column_int(st, 1);
        n++;
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    for (size_t i = 0; rc == MENTO_OK && i < n; i++) {
        rc = exec_sql(ctx->db,
                      "UPDATE sessions SET state = 'cancelled', sequence = sequence + 1,"
                      " updated_at = ?, seq = ? WHERE id = ?",
                      "iii", ctx->now, seq, ids[i]);
        for (int k = 0; rc == MENTO_OK && k < 2; k++) {
            int64_t who = k == 0 ? mentor : mentee;
            if (who != actor)
                rc = notify_user(ctx, who, programme, NOTIFY_SESSION_CANCELLED, "session", ids[i],
                                 "Session %d was cancelled: the pairing has ended.", nums[i]);
        }
    }
    free(ids);
    free(nums);
    if (rc == MENTO_OK)
        rc = exec_sql(ctx->db,
                      "UPDATE sessions SET state = 'cancelled', updated_at = ?, seq = ?"
                      " WHERE pairing_id = ? AND state = 'planned'",
                      "iii", ctx->now, seq, pairing_id);
    return rc;
}

/* pairings_end with the time it ended and the notification the members get
 * (pairing_ended to the other member, or pairing_auto_ended to both). */
static mento_status end_pairing(struct api_ctx *ctx, int64_t pairing_id, int64_t actor,
                                const char *ended_by, const char *reason, const char *comment,
                                bool do_not_match, int64_t at, enum notify_kind kind)
{
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT programme_id, mentor_id, mentee_id, state FROM pairings"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, pairing_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return MENTO_ERR_NOT_FOUND;
    }
    char programme[80];
    snprintf(programme, sizeof programme, "%s", (const char *)sqlite3_column_text(st, 0));
    int64_t mentor = sqlite3_column_int64(st, 1), mentee = sqlite3_column_int64(st, 2);
    bool active = strcmp((const char *)sqlite3_column_text(st, 3), "active") == 0;
    sqlite3_finalize(st);
    if (!active)
        return MENTO_ERR_INVALID;
    int64_t seq = db_next_seq(db);
    if (!seq)
        return MENTO_ERR_DB;
    mento_status rc = exec_sql(db,
                               "UPDATE pairings SET state = 'ended', ended_at = ?, end_reason = ?,"
                               " end_text = ?, ended_by = ?, no_rematch = ?, seq = ? WHERE id = ?",
                               "itttiii", at, reason, comment, ended_by,
                               (int64_t)(do_not_match ? 1 : 0), seq, pairing_id);
    if (rc == MENTO_OK)
        rc = cancel_sessions(ctx, pairing_id, programme, mentor, mentee, actor, at, seq);
    if (rc == MENTO_OK && do_not_match)
        rc = exec_sql(db,
                      "INSERT OR IGNORE INTO no_match(programme_id, low_id, high_id, created_at)"
                      " VALUES (?, ?, ?, ?)",
                      "tiii", programme, mentor < mentee ? mentor : mentee,
                      mentor < mentee ? mentee : mentor, ctx->now);
    /* The mentor's free places changed (and, with do-not-match, who sees
     * whom): the directory shows it. */
    if (rc == MENTO_OK)
        rc = exec_sql(db,
                      "UPDATE memberships SET seq = ? WHERE programme_id = ? AND user_id IN (?, ?)",
                      "itii", seq, programme, mentor, mentee);
    for (int i = 0; rc == MENTO_OK && i < 2; i++) {
        int64_t who = i == 0 ? mentor : mentee;
        if (who == actor && kind == NOTIFY_PAIRING_ENDED)
            continue;
        char name[220];
        member_name(db, i == 0 ? mentee : mentor, name, sizeof name);
        if (kind == NOTIFY_PAIRING_AUTO_ENDED)
            rc = notify_user(ctx, who, programme, kind, "pairing", pairing_id,
                             "Your pairing with %s ended by itself: no session was marked done"
                             " for a long time.",
                             name);
        else
            rc = notify_user(ctx, who, programme, kind, "pairing", pairing_id,
                             "Your pairing with %s has ended (%s).", name, reason);
    }
    return rc;
}

mento_status pairings_end(struct api_ctx *ctx, int64_t pairing_id, int64_t actor,
                          const char *ended_by, const char *reason, const char *comment,
                          bool do_not_match)
{
    return end_pairing(ctx, pairing_id, actor, ended_by, reason, comment, do_not_match, ctx->now,
                       NOTIFY_PAIRING_ENDED);
}

/* ---- Time rules: the auto-end warning and the auto-end ------------------------- */

struct prog_days {
    char id[80];
    int days, warn;
};

/* Find the active pairings due for a warning or an end at ctx->now; apply
 * them when `apply` (inside the caller's write transaction), else only count
 * them into *n_due (a read that needs no transaction when nothing is due). */
static mento_status tick_run(struct api_ctx *ctx, bool apply, size_t *n_due)
{
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    /* The periods of every programme, read once. */
    struct prog_days *progs = NULL;
    size_t n_progs = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM programmes ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct prog_days *np = realloc(progs, (n_progs + 1) * sizeof *np);
        if (!np) {
            sqlite3_finalize(st);
            free(progs);
            return MENTO_ERR_NOMEM;
        }
        progs = np;
        snprintf(progs[n_progs].id, sizeof progs[n_progs].id, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        n_progs++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n_progs; i++)
        auto_end_days(db, progs[i].id, &progs[i].days, &progs[i].warn);

    /* Active pairings with where their period is counted from. */
    struct due {
        int64_t id, from;
        size_t prog;
    } *due = NULL;
    size_t n = 0, cap = 0;
    mento_status rc = MENTO_OK;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.id, p.programme_id, max(p.started_at, " LAST_DONE_SQL
                           "), t.done_at FROM pairings p LEFT JOIN time_marks t ON t.kind ="
                           " 'auto_end_warning' AND t.ref_id = p.id WHERE p.state = 'active'"
                           " ORDER BY p.id",
                           -1, &st, NULL) != SQLITE_OK) {
        free(progs);
        return MENTO_ERR_DB;
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *pid = (const char *)sqlite3_column_text(st, 1);
        size_t pi = n_progs;
        for (size_t i = 0; i < n_progs; i++)
            if (strcmp(progs[i].id, pid) == 0)
                pi = i;
        if (pi == n_progs)
            continue;
        int64_t from = sqlite3_column_int64(st, 2);
        /* Not yet due for a warning, or warned in this period and not yet
         * due for the end: nothing to do. */
        bool warned =
            sqlite3_column_type(st, 3) != SQLITE_NULL && sqlite3_column_int64(st, 3) >= from;
        if (ctx->now < from + (int64_t)(progs[pi].days - progs[pi].warn) * DAY ||
            (warned && ctx->now < from + (int64_t)progs[pi].days * DAY))
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
        due[n].id = sqlite3_column_int64(st, 0);
        due[n].from = from;
        due[n].prog = pi;
        n++;
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    if (n_due)
        *n_due = n;

    for (size_t i = 0; apply && rc == MENTO_OK && i < n; i++) {
        const struct prog_days *pd = &progs[due[i].prog];
        int64_t end_at = due[i].from + (int64_t)pd->days * DAY;
        if (ctx->now >= end_at) {
            rc = exec_sql(db,
                          "INSERT OR IGNORE INTO time_marks(kind, ref_id, done_at)"
                          " VALUES ('auto_end', ?, ?)",
                          "ii", due[i].id, ctx->now);
            if (rc == MENTO_OK && sqlite3_changes(db) == 1)
                rc = end_pairing(ctx, due[i].id, 0, "system", "inactive", NULL, false, end_at,
                                 NOTIFY_PAIRING_AUTO_ENDED);
            continue;
        }
        /* Once per period: a mark from before the period started (a session
         * was done since) is an old one, and is moved on. */
        rc = exec_sql(db,
                      "INSERT INTO time_marks(kind, ref_id, done_at)"
                      " VALUES ('auto_end_warning', ?, ?) ON CONFLICT(kind, ref_id) DO UPDATE"
                      " SET done_at = excluded.done_at WHERE time_marks.done_at < ?",
                      "iii", due[i].id, ctx->now, due[i].from);
        if (rc != MENTO_OK || sqlite3_changes(db) != 1)
            continue;
        sqlite3_stmt *q = NULL;
        int64_t people[2] = {0, 0};
        if (sqlite3_prepare_v2(db, "SELECT mentor_id, mentee_id FROM pairings WHERE id = ?", -1, &q,
                               NULL) != SQLITE_OK) {
            rc = MENTO_ERR_DB;
            break;
        }
        sqlite3_bind_int64(q, 1, due[i].id);
        if (sqlite3_step(q) == SQLITE_ROW) {
            people[0] = sqlite3_column_int64(q, 0);
            people[1] = sqlite3_column_int64(q, 1);
        }
        sqlite3_finalize(q);
        char when[CODEC_TIME_LEN];
        codec_time_format(end_at, when);
        for (int k = 0; rc == MENTO_OK && k < 2; k++) {
            if (!people[k])
                continue;
            char name[220];
            member_name(db, people[1 - k], name, sizeof name);
            rc = notify_user(ctx, people[k], pd->id, NOTIFY_PAIRING_AUTO_END_WARNING, "pairing",
                             due[i].id,
                             "Your pairing with %s ends by itself on %.10s unless a session is"
                             " marked done before.",
                             name, when);
        }
    }
    free(due);
    free(progs);
    return rc;
}

static mento_status pairings_tick(struct api_ctx *ctx)
{
    return tick_run(ctx, true, NULL);
}

/* The time rules applied before a read, in a write transaction of their own
 * when something is due. */
static mento_status tick_before_read(struct api_ctx *ctx)
{
    size_t n_due = 0;
    mento_status rc = tick_run(ctx, false, &n_due);
    if (rc != MENTO_OK || n_due == 0)
        return rc;
    if (db_begin_write(ctx->db) != MENTO_OK)
        return MENTO_ERR_DB;
    rc = pairings_tick(ctx);
    if (rc == MENTO_OK)
        return db_commit(ctx->db);
    db_rollback(ctx->db);
    return rc;
}

/* ---- Input helpers -------------------------------------------------------- */

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
    if (v < 1 || v > PAIRINGS_ID_MAX)
        return false;
    *out = v;
    return true;
}

/* An integral number member; absent (or null) is fine unless `required`. */
static bool body_int(const cJSON *in, const char *key, bool required, int64_t *out, bool *present,
                     struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    *out = 0;
    if (present)
        *present = false;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            api_error_status(resp, MENTO_ERR_MISSING, key);
        return !required;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble > (double)PAIRINGS_ID_MAX ||
        v->valuedouble < -(double)PAIRINGS_ID_MAX ||
        v->valuedouble != (double)(int64_t)v->valuedouble) {
        api_error_status(resp, MENTO_ERR_TYPE, key);
        return false;
    }
    *out = (int64_t)v->valuedouble;
    if (present)
        *present = true;
    return true;
}

/* An optional boolean member (false when absent or null). */
static bool body_bool(const cJSON *in, const char *key, bool *out, struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    *out = false;
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsBool(v)) {
        api_error_status(resp, MENTO_ERR_TYPE, key);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

/* An optional string member; false (with resp set) when it is not valid. */
static bool body_text(const cJSON *in, const char *key, size_t max, const char **out,
                      struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
    *out = api_string(in, key, max, false, resp);
    return *out || !v || cJSON_IsNull(v);
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* The programme of a sync operation: the sync's own. */
static const char *op_programme(const struct api_ctx *ctx)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : "";
}

/* The pairing `id` of programme `pid` with the caller in it: 404 not_found,
 * 403 not_in_pairing otherwise. *role receives the caller's side. */
static bool my_pairing(struct api_ctx *ctx, const char *pid, int64_t id, bool *is_mentor,
                       bool *active, bool *rematch_offered, struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT mentor_id, mentee_id, state, rematch_offered FROM pairings"
                           " WHERE id = ? AND programme_id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return false;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
    bool ok = false;
    if (sqlite3_step(st) != SQLITE_ROW) {
        http_response_error(resp, 404, "not_found", "There is no such pairing", NULL);
    } else {
        int64_t mentor = sqlite3_column_int64(st, 0), mentee = sqlite3_column_int64(st, 1);
        if (ctx->user_id != mentor && ctx->user_id != mentee) {
            http_response_error(resp, 403, "not_in_pairing", "You are not in this pairing", NULL);
        } else {
            *is_mentor = ctx->user_id == mentor;
            *active = strcmp((const char *)sqlite3_column_text(st, 2), "active") == 0;
            if (rematch_offered)
                *rematch_offered = sqlite3_column_int(st, 3) != 0;
            ok = true;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

/* ---- GET .../pairings and .../pairings/{id} -------------------------------- */

struct list_params {
    const char *state; /* NULL: both */
    int page, per_page;
    const char *bad;
};

static bool list_param(const char *key, const char *value, void *arg)
{
    struct list_params *lp = arg;
    if (strcmp(key, "state") == 0) {
        if (!value || (strcmp(value, "active") != 0 && strcmp(value, "ended") != 0)) {
            lp->bad = "state is \"active\" or \"ended\"";
            return false;
        }
        lp->state = strcmp(value, "active") == 0 ? "active" : "ended";
    } else if (strcmp(key, "page") == 0) {
        if (!api_whole_int(value, 1, 1000000, &lp->page)) {
            lp->bad = "page is a whole number from 1";
            return false;
        }
    } else if (strcmp(key, "per_page") == 0) {
        if (!api_whole_int(value, 1, PAIRINGS_PER_PAGE_MAX, &lp->per_page)) {
            lp->bad = "per_page is a whole number from 1 to 200";
            return false;
        }
    } else {
        lp->bad = "Unknown query parameter";
        return false;
    }
    return true;
}

static void api_pairings_list(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct list_params lp = {.page = 1, .per_page = PAIRINGS_PER_PAGE};
    if (!http_query_each(ctx->req, list_param, &lp)) {
        http_response_error(resp, 400, "bad_request", lp.bad ? lp.bad : "Bad query", NULL);
        return;
    }
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    if (tick_before_read(ctx) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT id, count(*) OVER () FROM pairings WHERE programme_id = ?1"
                           " AND (mentor_id = ?2 OR mentee_id = ?2) AND (?3 IS NULL OR state = ?3)"
                           " ORDER BY state = 'active' DESC, CASE WHEN state = 'active' THEN"
                           " -started_at ELSE -ended_at END, id DESC LIMIT ?4 OFFSET ?5",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    if (lp.state)
        sqlite3_bind_text(st, 3, lp.state, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, lp.per_page);
    sqlite3_bind_int64(st, 5, (int64_t)(lp.page - 1) * lp.per_page);
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t total = -1;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        total = sqlite3_column_int64(st, 1);
        cJSON *p = pairings_json(ctx, sqlite3_column_int64(st, 0), ctx->user_id);
        if (p)
            cJSON_AddItemToArray(items, p);
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        cJSON_Delete(out);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    if (total < 0) {
        /* A page past the end: count the whole list. */
        total = 0;
        if (sqlite3_prepare_v2(ctx->db,
                               "SELECT count(*) FROM pairings WHERE programme_id = ?1 AND"
                               " (mentor_id = ?2 OR mentee_id = ?2) AND (?3 IS NULL OR state = ?3)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, ctx->user_id);
            if (lp.state)
                sqlite3_bind_text(st, 3, lp.state, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 3);
            if (sqlite3_step(st) == SQLITE_ROW)
                total = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    cJSON_AddNumberToObject(out, "page", lp.page);
    cJSON_AddNumberToObject(out, "per_page", lp.per_page);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "pages", (double)((total + lp.per_page - 1) / lp.per_page));
    resp->etag = true;
    http_response_json(resp, 200, out);
}

static void api_pairings_one(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    int64_t id;
    /* Outside the programme nothing is told, not even which pairings exist. */
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    if (!path_id(ctx->req->params[1], &id)) {
        http_response_error(resp, 404, "not_found", "There is no such pairing", NULL);
        return;
    }
    if (tick_before_read(ctx) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    bool is_mentor, active;
    if (!my_pairing(ctx, pid, id, &is_mentor, &active, NULL, resp))
        return;
    cJSON *p = pairings_json(ctx, id, ctx->user_id);
    if (!p) {
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return;
    }
    resp->etag = true;
    http_response_json(resp, 200, p);
}

/* ---- POST .../pairings/{id}/end ---------------------------------------------- */

static void pairing_end(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                        struct http_response *resp)
{
    const char *reason = api_string(in, "reason", 64, true, resp);
    if (!reason)
        return;
    bool known = false;
    for (const char *const *r = mento_end_reasons.names; *r; r++)
        known = known || strcmp(*r, reason) == 0;
    if (!known) {
        http_response_error(resp, 400, "invalid",
                            "reason is one of goals_met, not_a_good_fit, no_time, no_response,"
                            " role_change, leaving_organisation, other",
                            "reason");
        return;
    }
    const char *comment;
    bool dnm;
    if (!body_text(in, "comment", PAIRINGS_COMMENT_MAX, &comment, resp) ||
        !body_bool(in, "do_not_match", &dnm, resp))
        return;
    if (strcmp(reason, "other") == 0 && blank(comment)) {
        http_response_error(resp, 400, "missing_field", "A comment is required with \"other\"",
                            "comment");
        return;
    }
    if (blank(comment))
        comment = NULL;
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    mento_status rc = pairings_tick(ctx);
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    bool is_mentor, active;
    if (!my_pairing(ctx, pid, id, &is_mentor, &active, NULL, resp))
        return;
    if (!active) {
        http_response_error(resp, 409, "pairing_ended", "This pairing has already ended", NULL);
        return;
    }
    rc = pairings_end(ctx, id, ctx->user_id, is_mentor ? "mentor" : "mentee", reason, comment, dnm);
    cJSON *p = rc == MENTO_OK ? pairings_json(ctx, id, ctx->user_id) : NULL;
    if (!p) {
        api_error_status(resp, rc == MENTO_OK ? MENTO_ERR_NOMEM : rc, NULL);
        return;
    }
    http_response_json(resp, 200, p);
}

static const char *const end_keys[] = {"reason", "comment", "do_not_match", NULL};

static void api_pairing_end(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id;
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, end_keys, resp))
        return;
    if (!path_id(ctx->req->params[1], &id)) {
        http_response_error(resp, 404, "not_found", "There is no such pairing", NULL);
        return;
    }
    pairing_end(ctx, ctx->req->params[0], id, in, resp);
}

static void op_pairing_end(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"pairing_id", "reason", "comment", "do_not_match", NULL};
    int64_t id;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "pairing_id", true, &id, NULL, resp))
        pairing_end(ctx, op_programme(ctx), id, ctx->input, resp);
}

/* ---- POST .../pairings/{id}/rematch ------------------------------------------- */

static void pairing_rematch(struct api_ctx *ctx, const char *pid, int64_t id, const cJSON *in,
                            struct http_response *resp)
{
    const char *comment, *kind, *message;
    bool dnm, has_mentor;
    int64_t mentor_id;
    if (!body_bool(in, "do_not_match", &dnm, resp) ||
        !body_text(in, "comment", PAIRINGS_COMMENT_MAX, &comment, resp) ||
        !body_int(in, "mentor_id", false, &mentor_id, &has_mentor, resp) ||
        !body_text(in, "kind", 32, &kind, resp) ||
        !body_text(in, "message", PAIRINGS_MESSAGE_MAX, &message, resp))
        return;
    if (!has_mentor && (kind || message)) {
        http_response_error(resp, 400, "invalid", "kind and message go with mentor_id",
                            kind ? "kind" : "message");
        return;
    }
    if (kind && strcmp(kind, "mentoring") != 0 && strcmp(kind, "networking") != 0) {
        http_response_error(resp, 400, "invalid", "kind is \"mentoring\" or \"networking\"",
                            "kind");
        return;
    }
    if (blank(comment))
        comment = NULL;
    struct mento_programme prog;
    mento_programme_init(&prog);
    if (!api_membership(ctx, pid, ctx->user_id, &prog, NULL, resp)) {
        mento_programme_free(&prog);
        return;
    }
    bool admin_led = prog.matching != MENTO_MATCHING_MENTEE_LED;
    mento_programme_free(&prog);
    mento_status rc = pairings_tick(ctx);
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    bool is_mentor, active, offered;
    if (!my_pairing(ctx, pid, id, &is_mentor, &active, &offered, resp))
        return;
    if (is_mentor) {
        http_response_error(resp, 403, "role_required",
                            "Only the pairing's mentee can ask for a new pairing", NULL);
        return;
    }
    if (!active) {
        http_response_error(resp, 409, "pairing_ended", "This pairing has already ended", NULL);
        return;
    }
    if (!offered) {
        http_response_error(resp, 422, "rematch_not_offered",
                            "A new pairing is offered only after a \"not a good fit\" answer",
                            NULL);
        return;
    }
    if (has_mentor && admin_led) {
        http_response_error(resp, 422, "matching_admin_led",
                            "In this programme the administrators pair people", "mentor_id");
        return;
    }
    rc = pairings_end(ctx, id, ctx->user_id, "mentee", "not_a_good_fit", comment, dnm);
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    cJSON *request = NULL;
    if (has_mentor && requests_send(ctx, pid, ctx->user_id, mentor_id, kind, message, &request,
                                    resp) != MENTO_OK) {
        cJSON_Delete(request);
        if (resp->status < 400)
            api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *p = pairings_json(ctx, id, ctx->user_id);
    if (!out || !p) {
        cJSON_Delete(out);
        cJSON_Delete(p);
        cJSON_Delete(request);
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return;
    }
    cJSON_AddItemToObject(out, "pairing", p);
    cJSON_AddItemToObject(out, "request", request ? request : cJSON_CreateNull());
    http_response_json(resp, 200, out);
}

static const char *const rematch_keys[] = {"do_not_match", "comment", "mentor_id",
                                           "kind",         "message", NULL};

static void api_pairing_rematch(struct api_ctx *ctx, struct http_response *resp)
{
    int64_t id;
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, rematch_keys, resp))
        return;
    if (!path_id(ctx->req->params[1], &id)) {
        http_response_error(resp, 404, "not_found", "There is no such pairing", NULL);
        return;
    }
    pairing_rematch(ctx, ctx->req->params[0], id, in, resp);
}

static void op_pairing_rematch(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"pairing_id", "do_not_match", "comment", "mentor_id",
                                       "kind",       "message",      NULL};
    int64_t id;
    if (api_only_keys(ctx->input, keys, resp) &&
        body_int(ctx->input, "pairing_id", true, &id, NULL, resp))
        pairing_rematch(ctx, op_programme(ctx), id, ctx->input, resp);
}

/* ---- Sync: the pairings collection -------------------------------------------- */

static mento_status pairings_sync_changes(struct api_ctx *ctx, const char *programme, int64_t since,
                                          cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT p.id FROM pairings p WHERE p.programme_id = ?1 AND"
                           " (p.mentor_id = ?2 OR p.mentee_id = ?2) AND (p.seq > ?3 OR EXISTS"
                           " (SELECT 1 FROM sessions s WHERE s.pairing_id = p.id AND s.seq > ?3))"
                           " ORDER BY p.id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    cJSON *arr = NULL;
    mento_status rc = MENTO_OK;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *p = pairings_json(ctx, sqlite3_column_int64(st, 0), ctx->user_id);
        if (!p)
            continue;
        if (!arr && !(arr = cJSON_AddArrayToObject(changes, "pairings"))) {
            cJSON_Delete(p);
            rc = MENTO_ERR_NOMEM;
            break;
        }
        cJSON_AddItemToArray(arr, p);
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

static const struct api_route pairings_routes[] = {
    {"GET", "/v1/programmes/{}/pairings", api_pairings_list, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/pairings/{}", api_pairings_one, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/pairings/{}/end", api_pairing_end,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/programmes/{}/pairings/{}/rematch", api_pairing_rematch,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op pairings_ops[] = {
    {"pairing.end", op_pairing_end},
    {"pairing.rematch", op_pairing_rematch},
    {NULL, NULL},
};

const struct api_module api_module_pairings = {
    .name = "pairings",
    .routes = pairings_routes,
    .ops = pairings_ops,
    .sync_changes = pairings_sync_changes,
    .tick = pairings_tick,
};

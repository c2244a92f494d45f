/* api_admin.c - see api.h: the programme's resources for reading offline,
 * and the administrators' routes: statistics, participants, pairings,
 * feedback, cohort selection and CSV reports. No route here carries anything
 * of a note. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/api.h"
#include "mento/catalog.h"
#include "mento/codec.h"
#include "mento/model.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/pairings.h"
#include "mento/suggest.h"
#include "mento/server.h"
#include "mento/surveys.h"

#define ADMIN_PER_PAGE      50
#define ADMIN_PER_PAGE_MAX  200
#define ADMIN_SELECTION_MAX 1000

static cJSON *resource_json(const struct mento_resource *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", r->id ? r->id : "");
    cJSON_AddStringToObject(o, "kind", r->kind ? r->kind : "");
    cJSON_AddStringToObject(o, "title", r->title ? r->title : "");
    cJSON_AddStringToObject(o, "body", r->body ? r->body : "");
    return o;
}

struct resource_query {
    const char *kind;
    const char *bad; /* the parameter that is wrong */
};

static bool resource_param(const char *key, const char *value, void *arg)
{
    struct resource_query *q = arg;
    if (strcmp(key, "kind") == 0 && value &&
        (strcmp(value, "handbook") == 0 || strcmp(value, "agenda") == 0 ||
         strcmp(value, "topic") == 0)) {
        q->kind = value;
        return true;
    }
    q->bad = key;
    return false;
}

static void api_resources(struct api_ctx *ctx, struct http_response *resp)
{
    struct resource_query q = {0};
    if (!http_query_each(ctx->req, resource_param, &q)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%.40s: the only parameter is kind (handbook, agenda or topic)",
                 q.bad ? q.bad : "?");
        http_response_error(resp, 400, "bad_request", msg, q.bad);
        return;
    }
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    const struct catalog_programme *cp = catalog_programme(snap, ctx->req->params[0], NULL);
    if (!cp) {
        catalog_release(&ctx->srv->catalog, snap);
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < cp->prog.n_resources; i++) {
        const struct mento_resource *r = &cp->prog.resources[i];
        if (!q.kind || (r->kind && strcmp(r->kind, q.kind) == 0))
            cJSON_AddItemToArray(items, resource_json(r));
    }
    catalog_release(&ctx->srv->catalog, snap);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

static void api_resource(struct api_ctx *ctx, struct http_response *resp)
{
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    const struct catalog_programme *cp = catalog_programme(snap, ctx->req->params[0], NULL);
    cJSON *out = NULL;
    for (size_t i = 0; cp && i < cp->prog.n_resources; i++) {
        const struct mento_resource *r = &cp->prog.resources[i];
        if (r->id && strcmp(r->id, ctx->req->params[1]) == 0)
            out = resource_json(r);
    }
    catalog_release(&ctx->srv->catalog, snap);
    if (!cp) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return;
    }
    if (!out) {
        http_response_error(resp, 404, "not_found", "The programme has no such resource", NULL);
        return;
    }
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* ---- Administrators ------------------------------------------------------- */

bool api_require_admin(struct api_ctx *ctx, const char *pid, struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    bool exists = false;
    unsigned roles = 0;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT m.roles FROM programmes p LEFT JOIN memberships m ON"
                           " m.programme_id = p.id AND m.user_id = ? WHERE p.id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ctx->user_id);
        sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            exists = true;
            roles = (unsigned)sqlite3_column_int(st, 0);
        }
    }
    sqlite3_finalize(st);
    if (!exists) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return false;
    }
    if (!(roles & MENTO_ROLE_ADMIN)) {
        http_response_error(resp, 403, "role_required",
                            "Only the programme's administrators may do this", NULL);
        return false;
    }
    return true;
}

/* The caller administers the programme of the path. */
static bool require_admin(struct api_ctx *ctx, struct http_response *resp)
{
    return api_require_admin(ctx, ctx->req->params[0], resp);
}

static int64_t count(sqlite3 *db, const char *sql, const char *programme, int64_t from, int64_t to)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

struct page_query {
    int page, per_page;
    int64_t from, to;
    const char *state, *role, *q;
    int64_t user_id, pairing_id;
    const char *bad;
};

static bool page_param(const char *key, const char *value, void *arg)
{
    struct page_query *q = arg;
    int64_t n;
    bool ok = value != NULL;
    if (ok && strcmp(key, "page") == 0 && api_whole(value, 1, 1000000, &n))
        q->page = (int)n;
    else if (ok && strcmp(key, "per_page") == 0 && api_whole(value, 1, ADMIN_PER_PAGE_MAX, &n))
        q->per_page = (int)n;
    else if (ok && (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) &&
             codec_time_parse(value, &n) == MENTO_OK)
        *(strcmp(key, "from") == 0 ? &q->from : &q->to) = n;
    else if (ok && strcmp(key, "state") == 0 &&
             (strcmp(value, "active") == 0 || strcmp(value, "ended") == 0))
        q->state = value;
    else if (ok && strcmp(key, "role") == 0 &&
             (strcmp(value, "mentee") == 0 || strcmp(value, "mentor") == 0 ||
              strcmp(value, "admin") == 0))
        q->role = value;
    else if (ok && strcmp(key, "q") == 0 && strlen(value) <= 200)
        q->q = value;
    else if (ok && strcmp(key, "user_id") == 0 && api_whole(value, 1, INT64_MAX, &n))
        q->user_id = n;
    else if (ok && strcmp(key, "pairing_id") == 0 && api_whole(value, 1, INT64_MAX, &n))
        q->pairing_id = n;
    else {
        q->bad = key;
        return false;
    }
    return true;
}

static bool read_query(struct api_ctx *ctx, struct page_query *q, struct http_response *resp)
{
    memset(q, 0, sizeof *q);
    q->page = 1;
    q->per_page = ADMIN_PER_PAGE;
    q->to = INT64_MAX;
    if (http_query_each(ctx->req, page_param, q))
        return true;
    char msg[160];
    snprintf(msg, sizeof msg,
             "The query parameter %.40s is not one this route takes, or its "
             "value is wrong",
             q->bad ? q->bad : "?");
    http_response_error(resp, 400, "bad_request", msg, q->bad);
    return false;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

static void api_admin_stats(struct api_ctx *ctx, struct http_response *resp)
{
    struct page_query q;
    if (!read_query(ctx, &q, resp) || !require_admin(ctx, resp))
        return;
    sqlite3 *db = ctx->db;
    const char *pid = ctx->req->params[0];
    cJSON *o = cJSON_CreateObject();
    add_time(o, "generated_at", ctx->now);
    cJSON *p = cJSON_AddObjectToObject(o, "participants");
    static const struct {
        const char *key, *sql;
    } people[] = {
        {"mentees", "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND roles & 3 = 1"},
        {"mentors", "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND roles & 3 = 2"},
        {"both", "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND roles & 3 = 3"},
        {"applied",
         "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND status = 'applied'"},
        {"selected",
         "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND status = 'selected'"},
        {"not_selected",
         "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND status = 'not_selected'"},
        {"frozen", "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id"
                   " WHERE m.programme_id = ?1 AND u.frozen = 1"},
        {"hidden", "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND hidden = 1"},
    };
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
        cJSON_AddNumberToObject(p, people[i].key, (double)count(db, people[i].sql, pid, 0, 0));
    cJSON *r = cJSON_AddObjectToObject(o, "requests");
    static const char *const states[] = {"open",    "accepted",  "declined",
                                         "expired", "withdrawn", "passed_on"};
    for (size_t i = 0; i < 6; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM requests WHERE programme_id = ?1 AND state = '%s'"
                 " AND sent_at BETWEEN ?2 AND ?3",
                 states[i]);
        cJSON_AddNumberToObject(r, states[i], (double)count(db, sql, pid, q.from, q.to));
    }
    cJSON *pa = cJSON_AddObjectToObject(o, "pairings");
    static const struct {
        const char *key, *where;
    } pairs[] = {{"active", "state = 'active'"},
                 {"ended", "state = 'ended'"},
                 {"mentoring", "kind = 'mentoring'"},
                 {"networking", "kind = 'networking'"}};
    for (size_t i = 0; i < 4; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pairings WHERE programme_id = ?1 AND %s"
                 " AND started_at BETWEEN ?2 AND ?3",
                 pairs[i].where);
        cJSON_AddNumberToObject(pa, pairs[i].key, (double)count(db, sql, pid, q.from, q.to));
    }
    cJSON *reasons = cJSON_AddObjectToObject(pa, "end_reasons");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT end_reason, count(*) FROM pairings WHERE programme_id = ?1"
                           " AND state = 'ended' AND ended_at BETWEEN ?2 AND ?3"
                           " GROUP BY end_reason ORDER BY end_reason",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, q.from);
        sqlite3_bind_int64(st, 3, q.to);
        while (sqlite3_step(st) == SQLITE_ROW)
            if (sqlite3_column_text(st, 0))
                cJSON_AddNumberToObject(reasons, (const char *)sqlite3_column_text(st, 0),
                                        sqlite3_column_int(st, 1));
    }
    sqlite3_finalize(st);
    cJSON *se = cJSON_AddObjectToObject(o, "sessions");
    static const char *const sstates[] = {"booked", "done", "cancelled"};
    for (size_t i = 0; i < 3; i++) {
        char sql[260];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sessions s JOIN pairings p ON p.id = s.pairing_id"
                 " WHERE p.programme_id = ?1 AND s.state = '%s' AND s.updated_at BETWEEN ?2"
                 " AND ?3",
                 sstates[i]);
        cJSON_AddNumberToObject(se, sstates[i], (double)count(db, sql, pid, q.from, q.to));
    }
    cJSON *fb = cJSON_AddObjectToObject(o, "feedback");
    const char *fb_from = " FROM feedback f JOIN sessions s ON s.id = f.session_id JOIN pairings p"
                          " ON p.id = s.pairing_id WHERE p.programme_id = ?1 AND f.created_at"
                          " BETWEEN ?2 AND ?3";
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT count(*)%s", fb_from);
    cJSON_AddNumberToObject(fb, "count", (double)count(db, sql, pid, q.from, q.to));
    snprintf(sql, sizeof sql, "SELECT avg(f.rating)%s", fb_from);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, q.from);
        sqlite3_bind_int64(st, 3, q.to);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            cJSON_AddNumberToObject(fb, "average_rating",
                                    (double)(int)(sqlite3_column_double(st, 0) * 10 + 0.5) / 10);
        else
            cJSON_AddNullToObject(fb, "average_rating");
    }
    sqlite3_finalize(st);
    cJSON *fit = cJSON_AddObjectToObject(fb, "fit");
    for (size_t i = 0; i < mento_fit.n; i++) {
        const char *name = mento_fit.names[i];
        snprintf(sql, sizeof sql, "SELECT count(*)%s AND f.fit = '%s'", fb_from, name);
        cJSON_AddNumberToObject(fit, name, (double)count(db, sql, pid, q.from, q.to));
    }
    http_response_json(resp, 200, o);
    resp->etag = true;
}

/* A participant as administrators see them: every answer, the e-mail, the
 * membership and its activity. */
static cJSON *participant_json(sqlite3 *db, const char *pid, int64_t user)
{
    sqlite3_stmt *st = NULL;
    cJSON *o = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT u.email, m.roles, m.status, u.frozen, m.hidden, m.capacity,"
                           " m.joined_at, u.deletion_requested_at, p.answers,"
                           " u.deletion_comment"
                           " FROM memberships m JOIN users u ON u.id = m.user_id"
                           " LEFT JOIN profiles p ON p.user_id = u.id"
                           " WHERE m.programme_id = ? AND m.user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "user_id", (double)user);
        cJSON_AddStringToObject(o, "email", (const char *)sqlite3_column_text(st, 0));
        cJSON_AddItemToObject(o, "roles", api_roles_json((unsigned)sqlite3_column_int(st, 1)));
        cJSON_AddStringToObject(o, "status", (const char *)sqlite3_column_text(st, 2));
        cJSON_AddBoolToObject(o, "frozen", sqlite3_column_int(st, 3) != 0);
        cJSON_AddBoolToObject(o, "hidden", sqlite3_column_int(st, 4) != 0);
        cJSON_AddNumberToObject(o, "capacity", sqlite3_column_int(st, 5));
        cJSON_AddNumberToObject(o, "mentees", api_count_mentees(db, user, pid));
        add_time(o, "joined_at", sqlite3_column_int64(st, 6));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            add_time(o, "deletion_requested_at", sqlite3_column_int64(st, 7));
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            cJSON_AddStringToObject(o, "deletion_comment",
                                    (const char *)sqlite3_column_text(st, 9));
        cJSON *answers = sqlite3_column_type(st, 8) != SQLITE_NULL
                             ? cJSON_Parse((const char *)sqlite3_column_text(st, 8))
                             : cJSON_CreateObject();
        if (answers) {
            cJSON_AddNumberToObject(answers, "user_id", (double)user);
            cJSON_AddItemToObject(o, "profile", answers);
        }
    }
    sqlite3_finalize(st);
    if (!o)
        return NULL;
    int64_t mentors = count(db,
                            "SELECT count(*) FROM pairings WHERE programme_id = ?1 AND"
                            " mentee_id = ?2 AND state = 'active'",
                            pid, user, 0);
    cJSON_AddNumberToObject(o, "mentors", (double)mentors);
    int64_t done = count(db,
                         "SELECT count(*) FROM sessions s JOIN pairings p ON p.id = s.pairing_id"
                         " WHERE p.programme_id = ?1 AND ?2 IN (p.mentor_id, p.mentee_id)"
                         " AND s.state = 'done'",
                         pid, user, 0);
    cJSON_AddNumberToObject(o, "sessions_done", (double)done);
    return o;
}

static void paged(cJSON *out, const struct page_query *q, int64_t total)
{
    cJSON_AddNumberToObject(out, "page", q->page);
    cJSON_AddNumberToObject(out, "per_page", q->per_page);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "pages", (double)((total + q->per_page - 1) / q->per_page));
}

static void api_admin_participants(struct api_ctx *ctx, struct http_response *resp)
{
    struct page_query q;
    if (!read_query(ctx, &q, resp) || !require_admin(ctx, resp))
        return;
    const char *pid = ctx->req->params[0];
    unsigned role = !q.role                         ? 7u
                    : strcmp(q.role, "mentee") == 0 ? MENTO_ROLE_MENTEE
                    : strcmp(q.role, "mentor") == 0 ? MENTO_ROLE_MENTOR
                                                    : MENTO_ROLE_ADMIN;
    char like[230];
    snprintf(like, sizeof like, "%%%s%%", q.q ? q.q : "");
    sqlite3_stmt *st = NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t total = 0;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT m.user_id, count(*) OVER () FROM memberships m"
                           " JOIN users u ON u.id = m.user_id LEFT JOIN profiles p ON"
                           " p.user_id = u.id WHERE m.programme_id = ? AND m.roles & ? != 0"
                           " AND (u.email LIKE ?3 OR coalesce(p.answers, '') LIKE ?3)"
                           " ORDER BY json_extract(p.answers, '$.name'), m.user_id"
                           " LIMIT ? OFFSET ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (int)role);
        sqlite3_bind_text(st, 3, like, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, q.per_page);
        sqlite3_bind_int64(st, 5, (int64_t)(q.page - 1) * q.per_page);
        while (sqlite3_step(st) == SQLITE_ROW) {
            total = sqlite3_column_int64(st, 1);
            cJSON *it = participant_json(ctx->db, pid, sqlite3_column_int64(st, 0));
            if (it)
                cJSON_AddItemToArray(items, it);
        }
    }
    sqlite3_finalize(st);
    if (total == 0 && q.page > 1)
        total = count(ctx->db,
                      "SELECT count(*) FROM memberships WHERE programme_id = ?1 AND roles & ?2"
                      " != 0",
                      pid, role, 0);
    paged(out, &q, total);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* The administrators' view of a pairing: both members, the end's comment
 * and do-not-match, the dates of the sessions held. */
static cJSON *admin_pairing_json(struct api_ctx *ctx, int64_t id)
{
    cJSON *o = pairings_json(ctx, id, 0);
    if (!o)
        return NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT end_text, no_rematch FROM pairings WHERE id = ?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            if (sqlite3_column_type(st, 0) != SQLITE_NULL)
                cJSON_AddStringToObject(o, "end_comment", (const char *)sqlite3_column_text(st, 0));
            cJSON_AddBoolToObject(o, "do_not_match", sqlite3_column_int(st, 1) != 0);
        }
    }
    sqlite3_finalize(st);
    cJSON *dates = cJSON_AddArrayToObject(o, "session_dates");
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT starts_at FROM sessions WHERE pairing_id = ? AND state = 'done'"
                           " ORDER BY starts_at",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char buf[CODEC_TIME_LEN];
            codec_time_format(sqlite3_column_int64(st, 0), buf);
            cJSON_AddItemToArray(dates, cJSON_CreateString(buf));
        }
    }
    sqlite3_finalize(st);
    return o;
}

static int64_t path_id(const char *s)
{
    int64_t n;
    return api_whole(s, 1, INT64_MAX, &n) ? n : 0;
}

static void api_admin_participant(struct api_ctx *ctx, struct http_response *resp)
{
    if (!require_admin(ctx, resp))
        return;
    const char *pid = ctx->req->params[0];
    int64_t user = path_id(ctx->req->params[1]);
    cJSON *o = user ? participant_json(ctx->db, pid, user) : NULL;
    if (!o) {
        http_response_error(resp, 404, "not_found", "No such member of this programme", NULL);
        return;
    }
    cJSON *list = cJSON_AddArrayToObject(o, "pairings");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT id FROM pairings WHERE programme_id = ? AND ? IN (mentor_id,"
                           " mentee_id) ORDER BY started_at DESC, id",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, user);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *p = admin_pairing_json(ctx, sqlite3_column_int64(st, 0));
            if (p)
                cJSON_AddItemToArray(list, p);
        }
    }
    sqlite3_finalize(st);
    http_response_json(resp, 200, o);
}

static void api_admin_pairings(struct api_ctx *ctx, struct http_response *resp)
{
    struct page_query q;
    if (!read_query(ctx, &q, resp) || !require_admin(ctx, resp))
        return;
    sqlite3_stmt *st = NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t total = 0;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT id, count(*) OVER () FROM pairings WHERE programme_id = ?"
                           " AND (? IS NULL OR state = ?2) AND (? = 0 OR ?4 IN (mentor_id,"
                           " mentee_id)) ORDER BY state = 'ended', started_at DESC, id"
                           " LIMIT ? OFFSET ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ctx->req->params[0], -1, SQLITE_STATIC);
        if (q.state)
            sqlite3_bind_text(st, 2, q.state, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 4, q.user_id);
        sqlite3_bind_int(st, 5, q.per_page);
        sqlite3_bind_int64(st, 6, (int64_t)(q.page - 1) * q.per_page);
        while (sqlite3_step(st) == SQLITE_ROW) {
            total = sqlite3_column_int64(st, 1);
            cJSON *p = admin_pairing_json(ctx, sqlite3_column_int64(st, 0));
            if (p)
                cJSON_AddItemToArray(items, p);
        }
    }
    sqlite3_finalize(st);
    paged(out, &q, total);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

static void api_admin_pairing_end(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"reason", "comment", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp) || !require_admin(ctx, resp))
        return;
    const char *reason = api_string(in, "reason", 40, true, resp);
    if (!reason)
        return;
    if (!mento_answer_known(&mento_end_reasons, reason)) {
        http_response_error(resp, 400, "invalid", "reason is one of the end reasons", "reason");
        return;
    }
    const char *comment = api_string(in, "comment", 2000, false, resp);
    if (!comment && resp->status >= 400)
        return;
    if (strcmp(reason, "other") == 0 && (!comment || !*comment)) {
        http_response_error(resp, 400, "missing_field", "Say why in a comment", "comment");
        return;
    }
    int64_t id = path_id(ctx->req->params[1]);
    int64_t in_programme = id ? count(ctx->db,
                                      "SELECT count(*) FROM pairings WHERE programme_id = ?1"
                                      " AND id = ?2",
                                      ctx->req->params[0], id, 0)
                              : 0;
    if (!in_programme) {
        http_response_error(resp, 404, "not_found", "No such pairing in this programme", NULL);
        return;
    }
    mento_status st = pairings_end(ctx, id, 0, "administrator", reason,
                                   comment && *comment ? comment : NULL, false);
    if (st == MENTO_ERR_INVALID) {
        http_response_error(resp, 409, "pairing_ended", "This pairing has already ended", NULL);
        return;
    }
    if (st != MENTO_OK) {
        api_error_status(resp, st, NULL);
        return;
    }
    http_response_json(resp, 200, admin_pairing_json(ctx, id));
}

static void api_admin_feedback(struct api_ctx *ctx, struct http_response *resp)
{
    struct page_query q;
    if (!read_query(ctx, &q, resp) || !require_admin(ctx, resp))
        return;
    sqlite3_stmt *st = NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t total = 0;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT f.session_id, s.pairing_id, s.number, s.starts_at, f.user_id,"
                           " f.user_id = p.mentor_id, f.rating, f.progress, f.fit, f.comment,"
                           " f.created_at, count(*) OVER () FROM feedback f JOIN sessions s ON"
                           " s.id = f.session_id JOIN pairings p ON p.id = s.pairing_id WHERE"
                           " p.programme_id = ? AND f.created_at BETWEEN ? AND ? AND (? = 0 OR"
                           " p.id = ?4) ORDER BY f.created_at DESC, f.session_id LIMIT ? OFFSET ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ctx->req->params[0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, q.from);
        sqlite3_bind_int64(st, 3, q.to);
        sqlite3_bind_int64(st, 4, q.pairing_id);
        sqlite3_bind_int(st, 5, q.per_page);
        sqlite3_bind_int64(st, 6, (int64_t)(q.page - 1) * q.per_page);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *it = cJSON_CreateObject();
            cJSON_AddNumberToObject(it, "session_id", (double)sqlite3_column_int64(st, 0));
            cJSON_AddNumberToObject(it, "pairing_id", (double)sqlite3_column_int64(st, 1));
            cJSON_AddNumberToObject(it, "number", sqlite3_column_int(st, 2));
            if (sqlite3_column_type(st, 3) != SQLITE_NULL)
                add_time(it, "held_at", sqlite3_column_int64(st, 3));
            cJSON_AddNumberToObject(it, "author_id", (double)sqlite3_column_int64(st, 4));
            cJSON_AddStringToObject(it, "author_role",
                                    sqlite3_column_int(st, 5) ? "mentor" : "mentee");
            cJSON_AddNumberToObject(it, "rating", sqlite3_column_int(st, 6));
            for (int c = 7; c <= 9; c++) {
                static const char *const names[] = {"progress", "fit", "comment"};
                if (sqlite3_column_type(st, c) != SQLITE_NULL)
                    cJSON_AddStringToObject(it, names[c - 7],
                                            (const char *)sqlite3_column_text(st, c));
            }
            add_time(it, "given_at", sqlite3_column_int64(st, 10));
            total = sqlite3_column_int64(st, 11);
            cJSON_AddItemToArray(items, it);
        }
    }
    sqlite3_finalize(st);
    paged(out, &q, total);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* The programme must take applications (a cohort). */
static bool require_cohort(struct api_ctx *ctx, struct http_response *resp)
{
    struct mento_programme prog;
    unsigned roles;
    if (!api_membership(ctx, ctx->req->params[0], ctx->user_id, &prog, &roles, resp))
        return false;
    bool cohort = prog.kind == MENTO_PROGRAMME_COHORT;
    mento_programme_free(&prog);
    if (!cohort)
        http_response_error(resp, 422, "not_cohort",
                            "Selection applies only to programmes that take applications", NULL);
    return cohort;
}

static void api_admin_selection(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"user_ids", "status", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp) || !require_admin(ctx, resp) ||
        !require_cohort(ctx, resp))
        return;
    const char *status = api_string(in, "status", 20, true, resp);
    if (!status)
        return;
    if (strcmp(status, "selected") != 0 && strcmp(status, "not_selected") != 0 &&
        strcmp(status, "applied") != 0) {
        http_response_error(resp, 400, "invalid", "status is selected, not_selected or applied",
                            "status");
        return;
    }
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "user_ids");
    int n = cJSON_GetArraySize(ids);
    if (!cJSON_IsArray(ids) || n < 1 || n > ADMIN_SELECTION_MAX) {
        http_response_error(resp, 400, n > ADMIN_SELECTION_MAX ? "too_long" : "invalid",
                            "user_ids is a list of 1 to 1000 applicants", "user_ids");
        return;
    }
    int64_t seq = db_next_seq(ctx->db);
    int updated = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, ids)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 9007199254740991.0 ||
            it->valuedouble != (double)(int64_t)it->valuedouble) {
            http_response_error(resp, 400, "invalid", "user_ids holds whole numbers", "user_ids");
            return;
        }
        int64_t user = (int64_t)it->valuedouble;
        sqlite3_stmt *st = NULL;
        int changed = 0;
        if (sqlite3_prepare_v2(ctx->db,
                               "UPDATE memberships SET status = ?, seq = ? WHERE programme_id = ?"
                               " AND user_id = ? AND status IN ('applied', 'selected',"
                               " 'not_selected')",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, seq);
            sqlite3_bind_text(st, 3, ctx->req->params[0], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, user);
            if (sqlite3_step(st) == SQLITE_DONE)
                changed = sqlite3_changes(ctx->db);
        }
        sqlite3_finalize(st);
        if (!changed) {
            /* All or nothing: the write transaction is rolled back. */
            char msg[120];
            snprintf(msg, sizeof msg, "%" PRId64 " is not an applicant of this programme", user);
            http_response_error(resp, 400, "invalid", msg, "user_ids");
            return;
        }
        updated++;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "updated", updated);
    http_response_json(resp, 200, out);
}

static void api_admin_announce(struct api_ctx *ctx, struct http_response *resp)
{
    if (!require_admin(ctx, resp) || !require_cohort(ctx, resp))
        return;
    const char *pid = ctx->req->params[0];
    char mark[96];
    snprintf(mark, sizeof mark, "announced:%s", pid);
    sqlite3_stmt *st = NULL;
    int told_yes = 0, told_no = 0;
    mento_status rc = MENTO_OK;
    /* Each decided applicant is told once (a time mark per person). */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT m.user_id, m.status FROM memberships m WHERE m.programme_id = ?"
                           " AND m.status IN ('selected', 'not_selected') AND NOT EXISTS (SELECT"
                           " 1 FROM time_marks t WHERE t.kind = ? AND t.ref_id = m.user_id)"
                           " ORDER BY m.user_id",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, mark, -1, SQLITE_STATIC);
    while (rc == MENTO_OK && sqlite3_step(st) == SQLITE_ROW) {
        int64_t user = sqlite3_column_int64(st, 0);
        bool yes = strcmp((const char *)sqlite3_column_text(st, 1), "selected") == 0;
        rc = notify_user(ctx, user, pid,
                         yes ? NOTIFY_APPLICATION_SELECTED : NOTIFY_APPLICATION_NOT_SELECTED, NULL,
                         0,
                         yes ? "Your application to %s was selected: welcome to the programme."
                             : "Your application to %s was not selected this time. Thank you "
                               "for applying.",
                         pid);
        sqlite3_stmt *m = NULL;
        if (rc == MENTO_OK &&
            sqlite3_prepare_v2(ctx->db,
                               "INSERT INTO time_marks(kind, ref_id, done_at) VALUES (?, ?, ?)", -1,
                               &m, NULL) == SQLITE_OK) {
            sqlite3_bind_text(m, 1, mark, -1, SQLITE_STATIC);
            sqlite3_bind_int64(m, 2, user);
            sqlite3_bind_int64(m, 3, ctx->now);
            rc = sqlite3_step(m) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
        }
        sqlite3_finalize(m);
        if (yes)
            told_yes++;
        else
            told_no++;
    }
    sqlite3_finalize(st);
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "notified_selected", told_yes);
    cJSON_AddNumberToObject(out, "notified_not_selected", told_no);
    cJSON_AddNumberToObject(out, "undecided",
                            (double)count(ctx->db,
                                          "SELECT count(*) FROM memberships WHERE programme_id ="
                                          " ?1 AND status = 'applied'",
                                          pid, 0, 0));
    http_response_json(resp, 200, out);
}

/* What the pairing by an administrator needs of each member. */
struct member_state {
    bool found;
    unsigned roles;
    char status[16];
    bool frozen;
    unsigned languages;
    int capacity;
};

static void member_state(sqlite3 *db, const char *pid, int64_t user, struct member_state *m)
{
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT m.roles, m.status, u.frozen, m.capacity, p.answers FROM"
                           " memberships m JOIN users u ON u.id = m.user_id LEFT JOIN profiles p"
                           " ON p.user_id = u.id WHERE m.programme_id = ? AND m.user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        m->found = true;
        m->roles = (unsigned)sqlite3_column_int(st, 0);
        snprintf(m->status, sizeof m->status, "%s", (const char *)sqlite3_column_text(st, 1));
        m->frozen = sqlite3_column_int(st, 2) != 0;
        m->capacity = sqlite3_column_int(st, 3);
        cJSON *answers = cJSON_Parse((const char *)sqlite3_column_text(st, 4));
        codec_languages_from_json(cJSON_GetObjectItemCaseSensitive(answers, "languages"),
                                  &m->languages);
        cJSON_Delete(answers);
    }
    sqlite3_finalize(st);
}

static bool active_status(const struct member_state *m)
{
    return strcmp(m->status, "active") == 0 || strcmp(m->status, "selected") == 0;
}

/* Pair two people in an admin-led programme, with the checks of accepting a
 * request, inside the one write transaction. */
static void api_admin_pair(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"mentor_id", "mentee_id", "kind", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp) || !require_admin(ctx, resp))
        return;
    const char *pid = ctx->req->params[0];
    int64_t ids[2];
    static const char *const id_keys[] = {"mentor_id", "mentee_id"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, id_keys[i]);
        if (!v) {
            api_error_status(resp, MENTO_ERR_MISSING, id_keys[i]);
            return;
        }
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 9007199254740991.0 ||
            v->valuedouble != (double)(int64_t)v->valuedouble) {
            api_error_status(resp, MENTO_ERR_TYPE, id_keys[i]);
            return;
        }
        ids[i] = (int64_t)v->valuedouble;
    }
    const char *kind = api_string(in, "kind", 20, false, resp);
    if (!kind && resp->status >= 400)
        return;
    if (!kind)
        kind = "mentoring";
    if (strcmp(kind, "mentoring") != 0 && strcmp(kind, "networking") != 0) {
        http_response_error(resp, 400, "invalid", "kind is mentoring or networking", "kind");
        return;
    }
    struct mento_programme prog;
    if (!api_membership(ctx, pid, ctx->user_id, &prog, NULL, resp))
        return;
    bool mentee_led = prog.matching == MENTO_MATCHING_MENTEE_LED;
    int mentee_max = prog.mentee_max_mentors;
    mento_programme_free(&prog);
    if (mentee_led) {
        http_response_error(resp, 422, "matching_mentee_led",
                            "In this programme mentees choose their mentors by request", NULL);
        return;
    }
    struct member_state mentor, mentee;
    member_state(ctx->db, pid, ids[0], &mentor);
    member_state(ctx->db, pid, ids[1], &mentee);
    int64_t same = count(ctx->db,
                         "SELECT count(*) FROM pairings WHERE programme_id = ?1 AND mentor_id = ?2"
                         " AND mentee_id = ?3 AND state = 'active'",
                         pid, ids[0], ids[1]);
    if (!mentor.found || !(mentor.roles & MENTO_ROLE_MENTOR))
        http_response_error(resp, 404, "unknown_mentor", "No such mentor in this programme",
                            "mentor_id");
    else if (!mentee.found || !(mentee.roles & MENTO_ROLE_MENTEE))
        http_response_error(resp, 404, "not_found", "No such mentee in this programme",
                            "mentee_id");
    else if (ids[0] == ids[1])
        http_response_error(resp, 400, "invalid", "A person cannot mentor themselves", "mentee_id");
    else if (same)
        http_response_error(resp, 409, "already_paired", "These two are already paired", NULL);
    else if (!active_status(&mentor) || !active_status(&mentee))
        http_response_error(resp, 422, "membership_not_active",
                            "Both memberships must be active or selected", NULL);
    else if (mentor.frozen || mentee.frozen)
        http_response_error(resp, 422, "account_frozen", "One of the two accounts is frozen", NULL);
    else if (!(mentor.languages & mentee.languages))
        http_response_error(resp, 422, "mentor_unavailable",
                            "The two share no language for their sessions", NULL);
    else if (pairings_no_match(ctx->db, pid, ids[0], ids[1]))
        http_response_error(resp, 422, "do_not_match",
                            "One of the two asked not to be matched with the other again", NULL);
    else if (api_count_mentees(ctx->db, ids[0], pid) >= mentor.capacity)
        http_response_error(resp, 422, "capacity_full", "The mentor has no free place", NULL);
    else if (count(ctx->db,
                   "SELECT count(*) FROM pairings WHERE programme_id = ?1 AND mentee_id = ?2 AND"
                   " state = 'active'",
                   pid, ids[1], 0) >= mentee_max)
        http_response_error(resp, 422, "mentee_full", "The mentee has as many mentors as allowed",
                            NULL);
    if (resp->status >= 400)
        return;
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (seq && sqlite3_prepare_v2(ctx->db,
                                  "INSERT INTO pairings(programme_id, mentor_id, mentee_id, kind,"
                                  " state, started_at, seq) VALUES (?, ?, ?, ?, 'active', ?, ?)",
                                  -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ids[0]);
        sqlite3_bind_int64(st, 3, ids[1]);
        sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, ctx->now);
        sqlite3_bind_int64(st, 6, seq);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    int64_t pairing = sqlite3_last_insert_rowid(ctx->db);
    /* The plan starts with session 1; both memberships move for sync. */
    if (rc == MENTO_OK &&
        sqlite3_prepare_v2(ctx->db,
                           "INSERT INTO sessions(pairing_id, number, state, created_at,"
                           " updated_at, seq) VALUES (?, 1, 'planned', ?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pairing);
        sqlite3_bind_int64(st, 2, ctx->now);
        sqlite3_bind_int64(st, 3, ctx->now);
        sqlite3_bind_int64(st, 4, seq);
        rc = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
        sqlite3_finalize(st);
    }
    if (rc == MENTO_OK &&
        sqlite3_prepare_v2(ctx->db,
                           "UPDATE memberships SET seq = ? WHERE programme_id = ? AND user_id IN"
                           " (?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, ids[0]);
        sqlite3_bind_int64(st, 4, ids[1]);
        rc = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
        sqlite3_finalize(st);
    }
    for (int i = 0; rc == MENTO_OK && i < 2; i++)
        rc = notify_user(ctx, ids[i], pid, NOTIFY_PAIRING_CREATED, "pairing", pairing,
                         "The programme team paired you with a %s %s.", kind,
                         i == 0 ? "mentee" : "mentor");
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    http_response_json(resp, 201, admin_pairing_json(ctx, pairing));
}

/* The best overall assignment of the people still to pair (suggest.h). A read:
 * nothing changes until the team confirms a pairing with POST above. */
static void api_admin_suggestions(struct api_ctx *ctx, struct http_response *resp)
{
    if (!require_admin(ctx, resp))
        return;
    const char *pid = ctx->req->params[0];
    struct mento_programme prog;
    if (!api_membership(ctx, pid, ctx->user_id, &prog, NULL, resp))
        return;
    cJSON *out = NULL;
    mento_status rc = prog.matching == MENTO_MATCHING_MENTEE_LED
                          ? MENTO_ERR_INVALID
                          : suggest_pairings(ctx->db, &prog, ctx->now, &out);
    mento_programme_free(&prog);
    if (rc == MENTO_ERR_INVALID)
        http_response_error(resp, 422, "matching_mentee_led",
                            "In this programme mentees choose their mentors by request", NULL);
    else if (rc == MENTO_ERR_RANGE)
        http_response_error(resp, 422, "programme_too_large",
                            "The programme has more people than one assignment may weigh"
                            " (5,000 mentees, 5,000 mentors, 1,000,000 possible pairs)",
                            NULL);
    else if (rc != MENTO_OK)
        api_error_status(resp, rc, NULL);
    else
        http_response_json(resp, 200, out);
}

/* ---- CSV ---------------------------------------------------------------- */

struct csv {
    char *buf;
    size_t len, cap;
    bool ok;
};

static void csv_put(struct csv *c, const char *s, size_t n)
{
    if (!c->ok)
        return;
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8192;
        while (cap < c->len + n + 1)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b) {
            c->ok = false;
            return;
        }
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    c->buf[c->len] = '\0';
}

/* One RFC 4180 field; a value a spreadsheet would run as a formula gets a
 * leading quote. */
static void csv_field(struct csv *c, const char *v, bool first)
{
    if (!first)
        csv_put(c, ",", 1);
    if (!v)
        return;
    bool formula = *v == '=' || *v == '+' || *v == '-' || *v == '@';
    bool quote = formula || strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        csv_put(c, "\"", 1);
    if (formula)
        csv_put(c, "'", 1);
    for (const char *p = v; *p; p++) {
        csv_put(c, p, 1);
        if (*p == '"')
            csv_put(c, "\"", 1); /* a quote is doubled */
    }
    if (quote)
        csv_put(c, "\"", 1);
}

/* A report from one query: the columns' names, then each row's values as
 * text (times in RFC 3339 where the column name ends in _at). */
static void csv_query(sqlite3 *db, struct csv *c, const char *header, const char *sql,
                      const char *pid, int64_t from, int64_t to)
{
    csv_put(c, header, strlen(header));
    csv_put(c, "\r\n", 2);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        c->ok = false;
        return;
    }
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int cols = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < cols; i++) {
            const char *name = sqlite3_column_name(st, i);
            size_t nl = strlen(name);
            char buf[CODEC_TIME_LEN];
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (nl > 3 && strcmp(name + nl - 3, "_at") == 0 &&
                sqlite3_column_type(st, i) == SQLITE_INTEGER) {
                codec_time_format(sqlite3_column_int64(st, i), buf);
                v = buf;
            }
            csv_field(c, v, i == 0);
        }
        csv_put(c, "\r\n", 2);
    }
    sqlite3_finalize(st);
}

/* The survey answers: one row per answer, one column per question of the
 * programme's surveys (pre's, then post's that pre does not have). */
static void csv_surveys(sqlite3 *db, struct csv *c, const char *pid, int64_t from, int64_t to)
{
    size_t n = 0;
    const struct survey_def *defs = seed_surveys(pid, &n);
    const char *keys[128];
    size_t n_keys = 0;
    csv_put(c, "survey,user_id,answered_at", 26);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < defs[i].n_questions; k++) {
            const char *key = defs[i].questions[k].key;
            bool dup = false;
            for (size_t j = 0; j < n_keys; j++)
                dup = dup || strcmp(keys[j], key) == 0;
            if (dup || n_keys == sizeof keys / sizeof keys[0])
                continue;
            keys[n_keys++] = key;
            csv_field(c, key, false);
        }
    csv_put(c, "\r\n", 2);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT user_id, submitted_at, answers FROM survey_answers WHERE"
                           " programme_id = ? AND survey_id = ? AND submitted_at BETWEEN ? AND ?"
                           " ORDER BY user_id",
                           -1, &st, NULL) != SQLITE_OK) {
        c->ok = false;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, defs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, from);
        sqlite3_bind_int64(st, 4, to);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char num[32], when[CODEC_TIME_LEN];
            csv_field(c, defs[i].id, true);
            snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, 0));
            csv_field(c, num, false);
            codec_time_format(sqlite3_column_int64(st, 1), when);
            csv_field(c, when, false);
            cJSON *answers = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
            for (size_t k = 0; k < n_keys; k++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(answers, keys[k]);
                if (cJSON_IsNumber(v)) {
                    snprintf(num, sizeof num, "%d", v->valueint);
                    csv_field(c, num, false);
                } else {
                    csv_field(c, cJSON_IsString(v) ? v->valuestring : NULL, false);
                }
            }
            cJSON_Delete(answers);
            csv_put(c, "\r\n", 2);
        }
    }
    sqlite3_finalize(st);
}

/* The participants: the membership, then one column per question of the
 * questionnaire (admin-only ones included), lists joined with "; ". The
 * query is made from the questionnaire table, so a new question is a new
 * column. */
static void csv_participants(sqlite3 *db, struct csv *c, const char *pid, int64_t from, int64_t to)
{
    char header[2048], sql[8192];
    size_t h = (size_t)snprintf(header, sizeof header,
                                "user_id,email,roles,status,frozen,hidden,capacity,mentees,"
                                "joined_at");
    size_t q = (size_t)snprintf(
        sql, sizeof sql,
        "SELECT m.user_id, u.email, CASE m.roles & 3 WHEN 1 THEN 'mentee' WHEN 2 THEN 'mentor'"
        " WHEN 3 THEN 'mentee; mentor' ELSE '' END, m.status, u.frozen, m.hidden, m.capacity,"
        " (SELECT count(*) FROM pairings x WHERE x.programme_id = m.programme_id AND x.mentor_id"
        " = m.user_id AND x.state = 'active'), m.joined_at AS joined_at");
    const struct mento_question *qs = mento_questionnaire();
    for (size_t i = 0; i < MENTO_QUESTION_COUNT && h < sizeof header && q < sizeof sql; i++) {
        bool list = qs[i].type == MENTO_Q_LANGS || qs[i].type == MENTO_Q_TAGS;
        h += (size_t)snprintf(header + h, sizeof header - h, ",%s", qs[i].key);
        if (list)
            q += (size_t)snprintf(sql + q, sizeof sql - q,
                                  ", (SELECT group_concat(value, '; ') FROM json_each(p.answers,"
                                  " '$.%s'))",
                                  qs[i].key);
        else
            q += (size_t)snprintf(sql + q, sizeof sql - q, ", json_extract(p.answers, '$.%s')",
                                  qs[i].key);
    }
    if (q < sizeof sql)
        q += (size_t)snprintf(sql + q, sizeof sql - q,
                              " FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN"
                              " profiles p ON p.user_id = u.id WHERE m.programme_id = ?1 AND"
                              " m.joined_at BETWEEN ?2 AND ?3 ORDER BY m.user_id");
    if (h >= sizeof header || q >= sizeof sql) {
        c->ok = false;
        return;
    }
    csv_query(db, c, header, sql, pid, from, to);
}

static void api_admin_export(struct api_ctx *ctx, struct http_response *resp)
{
    struct page_query q;
    if (!read_query(ctx, &q, resp) || !require_admin(ctx, resp))
        return;
    static const struct {
        const char *name, *header, *sql;
    } reports[] = {
        {"participants", NULL, NULL}, /* csv_participants */
        {"requests", "id,mentee_id,mentor_id,kind,state,sent_at,deadline,decided_at,cascaded_from",
         "SELECT id, mentee_id, mentor_id, kind, state, sent_at AS sent_at, deadline AS"
         " deadline_at, decided_at AS decided_at, cascaded_from FROM requests WHERE"
         " programme_id = ?1 AND sent_at BETWEEN ?2 AND ?3 ORDER BY id"},
        {"pairings",
         "id,mentor_id,mentee_id,kind,state,started_at,ended_at,end_reason,ended_by,end_comment,"
         "do_not_match,sessions_done",
         "SELECT p.id, p.mentor_id, p.mentee_id, p.kind, p.state, p.started_at AS started_at,"
         " p.ended_at AS ended_at, p.end_reason, p.ended_by, p.end_text, p.no_rematch, (SELECT"
         " count(*) FROM sessions s WHERE s.pairing_id = p.id AND s.state = 'done') FROM"
         " pairings p WHERE p.programme_id = ?1 AND p.started_at BETWEEN ?2 AND ?3 ORDER BY"
         " p.id"},
        {"sessions", "id,pairing_id,number,state,starts_at,timezone,duration_min,done_at",
         "SELECT s.id, s.pairing_id, s.number, s.state, s.starts_at AS starts_at, s.timezone,"
         " s.duration_min, s.done_at AS done_at FROM sessions s JOIN pairings p ON p.id ="
         " s.pairing_id WHERE p.programme_id = ?1 AND s.created_at BETWEEN ?2 AND ?3 ORDER BY"
         " s.id"},
        {"feedback",
         "session_id,pairing_id,author_id,author_role,rating,progress,fit,comment,given_at",
         "SELECT f.session_id, s.pairing_id, f.user_id, CASE WHEN f.user_id = p.mentor_id THEN"
         " 'mentor' ELSE 'mentee' END, f.rating, f.progress, f.fit, f.comment, f.created_at AS"
         " given_at FROM feedback f JOIN sessions s ON s.id = f.session_id JOIN pairings p ON"
         " p.id = s.pairing_id WHERE p.programme_id = ?1 AND f.created_at BETWEEN ?2 AND ?3"
         " ORDER BY f.created_at, f.session_id"},
        {"surveys", NULL, NULL},
    };
    const char *report = ctx->req->params[1];
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        if (strcmp(report, reports[i].name) != 0)
            continue;
        struct csv c = {.ok = true};
        if (reports[i].sql)
            csv_query(ctx->db, &c, reports[i].header, reports[i].sql, ctx->req->params[0], q.from,
                      q.to);
        else if (strcmp(report, "participants") == 0)
            csv_participants(ctx->db, &c, ctx->req->params[0], q.from, q.to);
        else
            csv_surveys(ctx->db, &c, ctx->req->params[0], q.from, q.to);
        if (!c.ok) {
            free(c.buf);
            api_error_status(resp, MENTO_ERR_NOMEM, NULL);
            return;
        }
        free(resp->body);
        resp->status = 200;
        resp->body = c.buf ? c.buf : calloc(1, 1);
        resp->len = c.len;
        resp->content_type = "text/csv; charset=utf-8";
        char day[CODEC_TIME_LEN];
        codec_time_format(ctx->now, day);
        day[10] = '\0';
        snprintf(resp->disposition, sizeof resp->disposition,
                 "attachment; filename=\"%.40s-%s-%s.csv\"", ctx->req->params[0], report, day);
        return;
    }
    http_response_error(resp, 404, "not_found",
                        "Reports: participants, requests, pairings, sessions, feedback, surveys",
                        NULL);
}

static const struct api_route admin_routes[] = {
    {"GET", "/v1/programmes/{}/resources", api_resources, 0},
    {"GET", "/v1/programmes/{}/resources/{}", api_resource, 0},
    {"GET", "/v1/programmes/{}/admin/stats", api_admin_stats, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/admin/participants", api_admin_participants, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/admin/participants/{}", api_admin_participant, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/admin/pairings", api_admin_pairings, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/admin/pairings", api_admin_pair, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/admin/pairings/suggestions", api_admin_suggestions, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/admin/pairings/{}/end", api_admin_pairing_end,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/admin/feedback", api_admin_feedback, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/admin/selection", api_admin_selection,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/programmes/{}/admin/selection/announce", api_admin_announce,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/admin/export/{}", api_admin_export, API_ROUTE_AUTH},
    {NULL, NULL, NULL, 0},
};

static const struct api_op admin_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_admin = {
    .name = "admin",
    .routes = admin_routes,
    .ops = admin_ops,
};

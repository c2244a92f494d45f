/* api_states.c - see api.h: one membership (capacity, hide and unhide),
 * freezing and unfreezing an account, and the deletion request. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/codec.h"
#include "mento/db.h"
#include "mento/pairings.h"
#include "mento/requests.h"

#define STATES_COMMENT_MAX 2000

/* The programme of a sync operation: the sync's own. */
static const char *op_programme(const struct api_ctx *ctx)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : "";
}

/* The input of a call whose body may be empty: an empty object then. */
static const cJSON *optional_input(struct api_ctx *ctx, struct http_response *resp)
{
    if (!ctx->input && ctx->req && ctx->req->body_len == 0) {
        ctx->parsed_body = cJSON_CreateObject();
        if (!ctx->parsed_body) {
            api_error_status(resp, MENTO_ERR_NOMEM, NULL);
            return NULL;
        }
        ctx->input = ctx->parsed_body;
        return ctx->input;
    }
    return api_input(ctx, resp);
}

static mento_status exec_ii(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

/* ---- GET /v1/me/programmes/{id} ------------------------------------------------ */

static void api_my_membership(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    /* The auto-end rule may have freed places: apply it before reading. */
    if (api_module_pairings.tick && db_begin_write(ctx->db) == MENTO_OK) {
        if (api_module_pairings.tick(ctx) == MENTO_OK)
            db_commit(ctx->db);
        else
            db_rollback(ctx->db);
    }
    cJSON *m = api_membership_json(ctx->db, ctx->user_id, pid);
    if (!m) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    http_response_json(resp, 200, m);
}

/* ---- PATCH /v1/me/programmes/{id} ----------------------------------------------- */

static void membership_update(struct api_ctx *ctx, const char *pid, const cJSON *in,
                              struct http_response *resp)
{
    static const char *const keys[] = {"capacity", "hidden", NULL};
    if (!api_only_keys(in, keys, resp))
        return;
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(in, "capacity");
    const cJSON *hid = cJSON_GetObjectItemCaseSensitive(in, "hidden");
    if (cJSON_IsNull(cap))
        cap = NULL;
    if (cJSON_IsNull(hid))
        hid = NULL;
    if (!cap && !hid) {
        http_response_error(resp, 400, "missing_field", "Send capacity, hidden or both",
                            "capacity");
        return;
    }
    if (cap && (!cJSON_IsNumber(cap) || cap->valuedouble != floor(cap->valuedouble))) {
        api_error_status(resp, MENTO_ERR_TYPE, "capacity");
        return;
    }
    if (hid && !cJSON_IsBool(hid)) {
        api_error_status(resp, MENTO_ERR_TYPE, "hidden");
        return;
    }
    struct mento_programme prog;
    unsigned roles = 0;
    mento_programme_init(&prog);
    if (!api_membership(ctx, pid, ctx->user_id, &prog, &roles, resp)) {
        mento_programme_free(&prog);
        return;
    }
    int cap_max = prog.mentor_capacity_max;
    mento_programme_free(&prog);
    if (!(roles & MENTO_ROLE_MENTOR)) {
        http_response_error(resp, 403, "role_required",
                            "Only mentors have a capacity and a directory profile", NULL);
        return;
    }
    if (cap && (cap->valuedouble < 1 || cap->valuedouble > cap_max)) {
        char msg[120];
        snprintf(msg, sizeof msg, "capacity is 1 to %d in this programme", cap_max);
        http_response_error(resp, 400, "out_of_range", msg, "capacity");
        return;
    }
    mento_status rc = api_module_pairings.tick ? api_module_pairings.tick(ctx) : MENTO_OK;
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    if (cap) {
        int mentees = api_count_mentees(ctx->db, ctx->user_id, pid);
        if (cap->valueint < mentees) {
            char msg[240];
            int over = mentees - cap->valueint;
            snprintf(msg, sizeof msg,
                     "You have %d mentee%s now: end %d pairing%s first, or choose a capacity"
                     " of at least %d",
                     mentees, mentees == 1 ? "" : "s", over, over == 1 ? "" : "s", mentees);
            http_response_error(resp, 422, "below_current_mentees", msg, "capacity");
            return;
        }
    }
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    if (!seq || sqlite3_prepare_v2(ctx->db,
                                   "UPDATE memberships SET capacity = coalesce(?1, capacity),"
                                   " hidden = coalesce(?2, hidden), seq = ?3"
                                   " WHERE user_id = ?4 AND programme_id = ?5",
                                   -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    if (cap)
        sqlite3_bind_int(st, 1, cap->valueint);
    else
        sqlite3_bind_null(st, 1);
    if (hid)
        sqlite3_bind_int(st, 2, cJSON_IsTrue(hid) ? 1 : 0);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, ctx->user_id);
    sqlite3_bind_text(st, 5, pid, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    /* A capacity that makes the mentor full passes the other requests on. */
    if (cap && (rc = requests_pass_on_if_full(ctx, pid, ctx->user_id)) != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    cJSON *m = api_membership_json(ctx->db, ctx->user_id, pid);
    if (!m) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    http_response_json(resp, 200, m);
}

static void api_membership_patch(struct api_ctx *ctx, struct http_response *resp)
{
    const cJSON *in = api_input(ctx, resp);
    if (in)
        membership_update(ctx, ctx->req->params[0], in, resp);
}

static void op_membership_update(struct api_ctx *ctx, struct http_response *resp)
{
    membership_update(ctx, op_programme(ctx), ctx->input, resp);
}

/* ---- POST /v1/me/freeze and /v1/me/unfreeze ------------------------------------- */

/* Every programme `user` is a member of gets a new sequence number, so that
 * the directories (and the user's own copy) update. */
static mento_status bump_user(sqlite3 *db, int64_t user, int64_t seq)
{
    mento_status rc = exec_ii(db, "UPDATE users SET seq = ?1 WHERE id = ?2", seq, user);
    if (rc == MENTO_OK)
        rc = exec_ii(db, "UPDATE memberships SET seq = ?1 WHERE user_id = ?2", seq, user);
    return rc;
}

static void account_freeze(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"end_pairings", NULL};
    const cJSON *in = optional_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(in, "end_pairings");
    if (ep && !cJSON_IsNull(ep) && !cJSON_IsBool(ep)) {
        api_error_status(resp, MENTO_ERR_TYPE, "end_pairings");
        return;
    }
    bool confirmed = cJSON_IsTrue(ep);
    cJSON *out = cJSON_CreateObject();
    cJSON *ended = cJSON_CreateArray();
    cJSON *withdrawn = cJSON_CreateArray();
    if (!out || !ended || !withdrawn) {
        cJSON_Delete(out);
        cJSON_Delete(ended);
        cJSON_Delete(withdrawn);
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return;
    }
    cJSON_AddBoolToObject(out, "frozen", true);
    cJSON_AddItemToObject(out, "ended_pairings", ended);
    cJSON_AddItemToObject(out, "withdrawn_requests", withdrawn);
    if (api_user_frozen(ctx->db, ctx->user_id)) {
        cJSON_AddNumberToObject(out, "passed_on_requests", 0);
        http_response_json(resp, 200, out);
        return;
    }
    mento_status rc = api_module_pairings.tick ? api_module_pairings.tick(ctx) : MENTO_OK;
    /* The active pairings, in every programme. */
    int64_t *ids = NULL;
    bool *as_mentor = NULL;
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    if (rc == MENTO_OK &&
        sqlite3_prepare_v2(ctx->db,
                           "SELECT id, mentor_id = ?1 FROM pairings WHERE state = 'active' AND"
                           " (mentor_id = ?1 OR mentee_id = ?1) ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        rc = MENTO_ERR_DB;
    if (rc == MENTO_OK) {
        sqlite3_bind_int64(st, 1, ctx->user_id);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t *ni = realloc(ids, (n + 1) * sizeof *ni);
            if (ni)
                ids = ni;
            bool *nm = realloc(as_mentor, (n + 1) * sizeof *nm);
            if (nm)
                as_mentor = nm;
            if (!ni || !nm) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            ids[n] = sqlite3_column_int64(st, 0);
            as_mentor[n] = sqlite3_column_int(st, 1) != 0;
            n++;
        }
        if (rc == MENTO_OK && r != SQLITE_DONE)
            rc = MENTO_ERR_DB;
    }
    sqlite3_finalize(st);
    if (rc == MENTO_OK && n > 0 && !confirmed) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "Freezing ends your %zu active pairing%s: send \"end_pairings\":true to"
                 " confirm",
                 n, n == 1 ? "" : "s");
        http_response_error(resp, 422, "confirmation_required", msg, "end_pairings");
        free(ids);
        free(as_mentor);
        cJSON_Delete(out);
        return;
    }
    for (size_t i = 0; rc == MENTO_OK && i < n; i++) {
        rc = pairings_end(ctx, ids[i], ctx->user_id, as_mentor[i] ? "mentor" : "mentee", "frozen",
                          NULL, false);
        cJSON *p = rc == MENTO_OK ? pairings_json(ctx, ids[i], ctx->user_id) : NULL;
        if (rc == MENTO_OK && !p)
            rc = MENTO_ERR_NOMEM;
        if (p)
            cJSON_AddItemToArray(ended, p);
    }
    free(ids);
    free(as_mentor);
    int passed = 0;
    if (rc == MENTO_OK)
        rc = requests_leave_all(ctx, ctx->user_id, withdrawn, &passed);
    int64_t seq = rc == MENTO_OK ? db_next_seq(ctx->db) : 0;
    if (rc == MENTO_OK && !seq)
        rc = MENTO_ERR_DB;
    if (rc == MENTO_OK)
        rc = exec_ii(ctx->db, "UPDATE users SET frozen = 1, frozen_at = ?1 WHERE id = ?2", ctx->now,
                     ctx->user_id);
    if (rc == MENTO_OK)
        rc = bump_user(ctx->db, ctx->user_id, seq);
    if (rc != MENTO_OK) {
        cJSON_Delete(out);
        api_error_status(resp, rc, NULL);
        return;
    }
    cJSON_AddNumberToObject(out, "passed_on_requests", passed);
    http_response_json(resp, 200, out);
}

static void account_unfreeze(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {NULL};
    const cJSON *in = optional_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    if (api_user_frozen(ctx->db, ctx->user_id)) {
        int64_t seq = db_next_seq(ctx->db);
        mento_status rc = seq ? exec_ii(ctx->db,
                                        "UPDATE users SET frozen = 0, frozen_at = NULL,"
                                        " seq = ?1 WHERE id = ?2",
                                        seq, ctx->user_id)
                              : MENTO_ERR_DB;
        if (rc == MENTO_OK)
            rc = bump_user(ctx->db, ctx->user_id, seq);
        if (rc != MENTO_OK) {
            api_error_status(resp, rc, NULL);
            return;
        }
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "frozen", false);
    http_response_json(resp, 200, out);
}

/* ---- POST /v1/me/deletion-request ------------------------------------------------- */

static void deletion_request(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"comment", NULL};
    const cJSON *in = optional_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(in, "comment");
    const char *comment = NULL;
    if (c && !cJSON_IsNull(c) &&
        !(comment = api_string(in, "comment", STATES_COMMENT_MAX, false, resp)))
        return;
    /* The first date stays; a new comment replaces the one before. */
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(
            ctx->db,
            "UPDATE users SET deletion_requested_at = coalesce(deletion_requested_at,"
            " ?1), deletion_comment = coalesce(?2, deletion_comment) WHERE id = ?3",
            -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ctx->now);
        if (comment && *comment)
            sqlite3_bind_text(st, 2, comment, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, ctx->user_id);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != MENTO_OK) {
        api_error_status(resp, rc, NULL);
        return;
    }
    int64_t at = ctx->now;
    if (sqlite3_prepare_v2(ctx->db, "SELECT deletion_requested_at FROM users WHERE id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ctx->user_id);
        if (sqlite3_step(st) == SQLITE_ROW)
            at = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    char when[CODEC_TIME_LEN];
    codec_time_format(at, when);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "requested_at", when);
    http_response_json(resp, 202, out);
}

static const struct api_route states_routes[] = {
    {"GET", "/v1/me/programmes/{}", api_my_membership, API_ROUTE_AUTH},
    {"PATCH", "/v1/me/programmes/{}", api_membership_patch, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/me/freeze", account_freeze, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/me/unfreeze", account_unfreeze, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/me/deletion-request", deletion_request, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op states_ops[] = {
    {"membership.update", op_membership_update},
    {"account.freeze", account_freeze},
    {"account.unfreeze", account_unfreeze},
    {NULL, NULL},
};

const struct api_module api_module_states = {
    .name = "states",
    .routes = states_routes,
    .ops = states_ops,
};

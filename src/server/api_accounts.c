/* api_accounts.c - registration with eligibility, login and logout, my
 * account and profile (one answer at a time), and joining another programme. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mento/api.h"
#include "mento/auth.h"
#include "mento/codec.h"
#include "mento/rules.h"
#include "mento/server.h"
#include "mento/utf8.h"

/* ---- Shared pieces -------------------------------------------------------- */

static bool email_valid(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 3 || n > 254 || !at || at == e || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool password_valid(const cJSON *in, const char **out, struct http_response *resp)
{
    const char *pw = api_string(in, "password", AUTH_PASSWORD_MAX, true, resp);
    if (!pw)
        return false;
    if (utf8_codepoints(pw, strlen(pw)) < AUTH_PASSWORD_MIN) {
        http_response_error(resp, 400, "invalid",
                            "The password must be at least 10 characters long", "password");
        return false;
    }
    *out = pw;
    return true;
}

int api_count_mentees(sqlite3 *db, int64_t user, const char *programme)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM pairings WHERE mentor_id = ? AND programme_id = ?"
                           " AND state = 'active'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, user);
        sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static cJSON *membership_json(sqlite3 *db, int64_t user, const char *programme, unsigned roles,
                              int capacity, bool hidden, const char *status)
{
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return NULL;
    cJSON_AddStringToObject(m, "programme", programme);
    cJSON_AddItemToObject(m, "roles", api_roles_json(roles));
    cJSON_AddNumberToObject(m, "capacity", capacity);
    cJSON_AddNumberToObject(m, "mentees", api_count_mentees(db, user, programme));
    cJSON_AddBoolToObject(m, "hidden", hidden);
    cJSON_AddStringToObject(m, "status", status);
    return m;
}

cJSON *api_membership_json(sqlite3 *db, int64_t user, const char *programme)
{
    sqlite3_stmt *st = NULL;
    cJSON *m = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT roles, capacity, hidden, status FROM memberships"
                           " WHERE user_id = ? AND programme_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, user);
    sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        m = membership_json(db, user, programme, (unsigned)sqlite3_column_int(st, 0),
                            sqlite3_column_int(st, 1), sqlite3_column_int(st, 2) != 0,
                            (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    return m;
}

/* Load a user's stored answers as a JSON object (admin-only answers included). */
static cJSON *answers_load(sqlite3 *db, int64_t user)
{
    sqlite3_stmt *st = NULL;
    cJSON *obj = NULL;
    if (sqlite3_prepare_v2(db, "SELECT answers FROM profiles WHERE user_id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, user);
    if (sqlite3_step(st) == SQLITE_ROW)
        obj = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return obj;
}

static mento_status profile_load(sqlite3 *db, int64_t user, struct mento_profile *p)
{
    cJSON *obj = answers_load(db, user);
    if (!obj)
        return MENTO_ERR_DB;
    struct codec_error err;
    mento_status st = codec_profile_from_json(obj, p, &err);
    cJSON_Delete(obj);
    p->user_id = user;
    return st;
}

/* Validate the membership choice for `prog`: roles, capacity, window and
 * eligibility. Errors go into resp. */
static bool membership_check(struct api_ctx *ctx, const struct mento_programme *prog,
                             const cJSON *in, const struct mento_profile *p, unsigned *roles,
                             int *capacity, const char **status, struct http_response *resp)
{
    if (!api_roles(cJSON_GetObjectItemCaseSensitive(in, "roles"), roles, resp))
        return false;
    *capacity = prog->mentor_capacity_default;
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(in, "capacity");
    if (cap && !cJSON_IsNull(cap)) {
        if (!cJSON_IsNumber(cap) || cap->valuedouble != (double)(int)cap->valuedouble) {
            api_error_status(resp, MENTO_ERR_TYPE, "capacity");
            return false;
        }
        if (cap->valueint < 1 || cap->valueint > prog->mentor_capacity_max) {
            char msg[120];
            snprintf(msg, sizeof msg, "A mentor's capacity is 1 to %d mentees in this programme",
                     prog->mentor_capacity_max);
            http_response_error(resp, 400, "out_of_range", msg, "capacity");
            return false;
        }
        *capacity = cap->valueint;
    }
    *status = "active";
    if (prog->kind == MENTO_PROGRAMME_COHORT) {
        if (ctx->now < prog->applications_open || ctx->now >= prog->applications_close) {
            char msg[200], open[CODEC_TIME_LEN], close[CODEC_TIME_LEN];
            codec_time_format(prog->applications_open, open);
            codec_time_format(prog->applications_close, close);
            snprintf(msg, sizeof msg, "Applications to %.60s are open from %s to %s", prog->name,
                     open, close);
            http_response_error(resp, 422, "applications_closed", msg, NULL);
            return false;
        }
        *status = "applied";
    }
    char reason[256];
    if (rules_check_eligibility(prog, *roles, p, reason, sizeof reason) != MENTO_OK) {
        http_response_error(resp, 422, "not_eligible", reason, NULL);
        return false;
    }
    return true;
}

static bool insert_membership(sqlite3 *db, int64_t user, const char *programme, unsigned roles,
                              int capacity, const char *status, int64_t now, int64_t seq)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO memberships(user_id, programme_id, roles, capacity, status,"
                           " joined_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, user);
    sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)roles);
    sqlite3_bind_int(st, 4, capacity);
    sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, seq);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE;
}

/* ---- Registration ---------------------------------------------------------- */

struct registration {
    const char *email;
    char hash[crypto_pwhash_STRBYTES];
    const char *programme;
    unsigned roles;
    int capacity;
    const char *status;
    char *answers; /* profile JSON to store */
};

static void register_commit(struct api_ctx *ctx, struct http_response *resp)
{
    struct registration *r = ctx->scratch;
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM users WHERE email = ?", -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_text(st, 1, r->email, -1, SQLITE_STATIC);
    int taken = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (taken) {
        http_response_error(resp, 409, "email_taken",
                            "An account with this e-mail address exists: log in instead",
                            "email");
        return;
    }
    int64_t seq = db_next_seq(db);
    if (!seq)
        goto db_error;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO users(email, password_hash, created_at, seq)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_text(st, 1, r->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ctx->now);
    sqlite3_bind_int64(st, 4, seq);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto db_error;
    int64_t user = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db, "INSERT INTO profiles(user_id, answers, seq) VALUES (?, ?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_int64(st, 1, user);
    sqlite3_bind_text(st, 2, r->answers, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, seq);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE ||
        !insert_membership(db, user, r->programme, r->roles, r->capacity, r->status, ctx->now,
                           seq))
        goto db_error;

    /* The token is added after the transaction (see api_register): tokens are
     * never stored in clear, not even in the idempotency store. */
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "user_id", (double)user);
    cJSON_AddStringToObject(out, "programme", r->programme);
    cJSON_AddItemToObject(out, "roles", api_roles_json(r->roles));
    cJSON_AddStringToObject(out, "status", r->status);
    http_response_json(resp, 201, out);
    return;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
}

/* Add a fresh token to a 201 registration answer (first or replayed). */
static void register_add_token(struct api_ctx *ctx, struct http_response *resp)
{
    cJSON *out = resp->body ? cJSON_Parse(resp->body) : NULL;
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(out, "user_id");
    char token[AUTH_TOKEN_LEN + 1];
    int64_t ttl = ctx->srv->cfg.token_ttl;
    if (!cJSON_IsNumber(uid) ||
        auth_issue_token(ctx->db, (int64_t)uid->valuedouble, ctx->now, ttl, token) != MENTO_OK) {
        cJSON_Delete(out);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    char exp[CODEC_TIME_LEN];
    codec_time_format(ctx->now + ttl, exp);
    cJSON_AddStringToObject(out, "token", token);
    cJSON_AddStringToObject(out, "expires_at", exp);
    bool replay = resp->replay;
    http_response_json(resp, 201, out);
    resp->replay = replay;
}

/* A replayed registration hands out a token for the account it made: only
 * to a repeat carrying that account's e-mail address and password, so that
 * knowing someone's idempotency key is no way into their account. */
static bool replay_is_owner(struct api_ctx *ctx, const struct http_response *resp,
                            const char *email, const char *password)
{
    cJSON *out = resp->body ? cJSON_Parse(resp->body) : NULL;
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(out, "user_id");
    int64_t user = cJSON_IsNumber(uid) ? (int64_t)uid->valuedouble : 0;
    cJSON_Delete(out);
    sqlite3_stmt *st = NULL;
    bool owner = false;
    if (user && sqlite3_prepare_v2(ctx->db, "SELECT email, password_hash FROM users WHERE id = ?",
                                   -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, user);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
            sqlite3_column_text(st, 1))
            owner = strcasecmp((const char *)sqlite3_column_text(st, 0), email) == 0 &&
                    auth_verify_password((const char *)sqlite3_column_text(st, 1), password);
    }
    sqlite3_finalize(st);
    return owner;
}

void api_register(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"email",   "password", "programme", "roles",
                                       "capacity", "profile",  NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    struct registration r = {0};
    const char *password = NULL;
    r.email = api_string(in, "email", 254, true, resp);
    if (!r.email)
        return;
    if (!email_valid(r.email)) {
        http_response_error(resp, 400, "invalid", "The e-mail address is not valid", "email");
        return;
    }
    if (!password_valid(in, &password, resp))
        return;
    r.programme = api_string(in, "programme", 64, true, resp);
    if (!r.programme)
        return;
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(in, "profile");
    if (!pj) {
        api_error_status(resp, MENTO_ERR_MISSING, "profile");
        return;
    }
    if (!cJSON_IsObject(pj)) {
        api_error_status(resp, MENTO_ERR_TYPE, "profile");
        return;
    }
    struct mento_profile p;
    mento_profile_init(&p);
    struct codec_error err = {{0}};
    mento_status st = codec_profile_from_json(pj, &p, &err);
    const char *missing = NULL;
    if (st != MENTO_OK) {
        api_error_status(resp, st, err.field);
        goto out;
    }
    static const char *const not_answers[] = {"user_id", "email"};
    for (size_t i = 0; i < 2; i++)
        if (cJSON_GetObjectItemCaseSensitive(pj, not_answers[i])) {
            http_response_error(resp, 400, "unknown_field",
                                "The profile holds questionnaire answers only",
                                not_answers[i]);
            goto out;
        }
    if (rules_check_required(&p, &missing) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_MISSING, missing);
        goto out;
    }
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    const struct catalog_programme *cp = catalog_programme(snap, r.programme, NULL);
    bool ok = false;
    if (!cp)
        http_response_error(resp, 404, "unknown_programme", "There is no such programme",
                            "programme");
    else
        ok = membership_check(ctx, &cp->prog, in, &p, &r.roles, &r.capacity, &r.status, resp);
    catalog_release(&ctx->srv->catalog, snap);
    if (!ok)
        goto out;

    cJSON *aj = codec_profile_to_json(&p, CODEC_PROFILE_ADMIN_ONLY);
    r.answers = aj ? cJSON_PrintUnformatted(aj) : NULL;
    cJSON_Delete(aj);
    /* Argon2id is slow on purpose: hash before taking the write lock. */
    if (!r.answers || auth_hash_password(ctx->srv, password, r.hash) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        goto out;
    }
    ctx->scratch = &r;
    api_run_write(ctx, ctx->req->idempotency_key, "POST", "/v1/accounts", register_commit, resp);
    ctx->scratch = NULL;
    sodium_memzero(r.hash, sizeof r.hash);
    if (resp->status == 201 && resp->replay && !replay_is_owner(ctx, resp, r.email, password)) {
        http_response_error(resp, 422, "idempotency_key_reused",
                            "This idempotency key was used for another registration", NULL);
        resp->replay = false;
    } else if (resp->status == 201) {
        register_add_token(ctx, resp);
    }
out:
    free(r.answers);
    mento_profile_free(&p);
}

/* ---- Login and logout ------------------------------------------------------ */

void api_login(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"email", "password", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const char *email = api_string(in, "email", 254, true, resp);
    if (!email)
        return;
    const char *password = api_string(in, "password", AUTH_PASSWORD_MAX, true, resp);
    if (!password)
        return;
    int64_t wait = auth_login_wait(ctx, email);
    if (wait > 0) {
        snprintf(resp->retry_after, sizeof resp->retry_after, "%lld", (long long)wait);
        char msg[160];
        snprintf(msg, sizeof msg, "Too many failed logins: try again in %lld minutes",
                 (long long)(wait + 59) / 60);
        http_response_error(resp, 429, "rate_limited", msg, NULL);
        return;
    }
    sqlite3_stmt *st = NULL;
    int64_t user = 0;
    char *hash = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT id, password_hash FROM users WHERE email = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 1)) {
            user = sqlite3_column_int64(st, 0);
            hash = strdup((const char *)sqlite3_column_text(st, 1));
        }
    }
    sqlite3_finalize(st);
    /* Verify against a dummy hash for unknown e-mails so that the answer
     * takes as long and does not tell which addresses have accounts. */
    bool ok = auth_verify_password(hash ? hash : ctx->srv->dummy_hash, password) && user;
    free(hash);
    if (db_begin_write(ctx->db) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    char token[AUTH_TOKEN_LEN + 1];
    if (!ok) {
        auth_login_failed(ctx, email);
        db_commit(ctx->db);
        http_response_error(resp, 401, "invalid_credentials",
                            "The e-mail address or the password is wrong", NULL);
        return;
    }
    auth_login_succeeded(ctx, email);
    if (auth_issue_token(ctx->db, user, ctx->now, ctx->srv->cfg.token_ttl, token) != MENTO_OK ||
        db_commit(ctx->db) != MENTO_OK) {
        db_rollback(ctx->db);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    char exp[CODEC_TIME_LEN];
    codec_time_format(ctx->now + ctx->srv->cfg.token_ttl, exp);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "token", token);
    cJSON_AddStringToObject(out, "expires_at", exp);
    cJSON_AddNumberToObject(out, "user_id", (double)user);
    http_response_json(resp, 200, out);
}

void api_logout(struct api_ctx *ctx, struct http_response *resp)
{
    const char *token = ctx->req->authorization + 7;
    while (*token == ' ')
        token++;
    if (auth_revoke_token(ctx->db, token) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    resp->status = 204;
}

/* ---- Me ------------------------------------------------------------------- */

static cJSON *memberships_json(sqlite3 *db, int64_t user)
{
    cJSON *arr = cJSON_CreateArray();
    sqlite3_stmt *st = NULL;
    if (!arr || sqlite3_prepare_v2(db,
                                   "SELECT programme_id, roles, capacity, hidden, status"
                                   " FROM memberships WHERE user_id = ? ORDER BY joined_at, "
                                   "programme_id",
                                   -1, &st, NULL) != SQLITE_OK) {
        cJSON_Delete(arr);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, user);
    while (sqlite3_step(st) == SQLITE_ROW)
        cJSON_AddItemToArray(
            arr, membership_json(db, user, (const char *)sqlite3_column_text(st, 0),
                                 (unsigned)sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
                                 sqlite3_column_int(st, 3) != 0,
                                 (const char *)sqlite3_column_text(st, 4)));
    sqlite3_finalize(st);
    return arr;
}

/* My profile as I see it: every answer, admin-only ones included. */
static cJSON *own_profile_json(sqlite3 *db, int64_t user)
{
    struct mento_profile p;
    mento_profile_init(&p);
    cJSON *out = NULL;
    if (profile_load(db, user, &p) == MENTO_OK)
        out = codec_profile_to_json(&p, CODEC_PROFILE_ADMIN_ONLY);
    mento_profile_free(&p);
    return out;
}

void api_me(struct api_ctx *ctx, struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    cJSON *out = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT email, frozen FROM users WHERE id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ctx->user_id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            out = cJSON_CreateObject();
            cJSON_AddNumberToObject(out, "user_id", (double)ctx->user_id);
            cJSON_AddStringToObject(out, "email", (const char *)sqlite3_column_text(st, 0));
            cJSON_AddBoolToObject(out, "frozen", sqlite3_column_int(st, 1) != 0);
        }
    }
    sqlite3_finalize(st);
    if (!out) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *prof = own_profile_json(ctx->db, ctx->user_id);
    cJSON *mem = memberships_json(ctx->db, ctx->user_id);
    if (!prof || !mem) {
        cJSON_Delete(prof);
        cJSON_Delete(mem);
        cJSON_Delete(out);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON_AddItemToObject(out, "profile", prof);
    cJSON_AddItemToObject(out, "programmes", mem);
    http_response_json(resp, 200, out);
}

void api_me_profile(struct api_ctx *ctx, struct http_response *resp)
{
    cJSON *prof = own_profile_json(ctx->db, ctx->user_id);
    if (!prof) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    http_response_json(resp, 200, prof);
}

/* PUT /v1/me/profile/{key} {"value":..}, and the sync op "profile.set"
 * {"key":..,"value":..}. The whole profile is re-validated after the change. */
void api_me_profile_put(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const rest_keys[] = {"value", NULL};
    static const char *const op_keys[] = {"key", "value", NULL};
    const cJSON *in = api_input(ctx, resp);
    /* REST names the key in the path; a sync op carries it in its body. */
    bool from_path = in && in == ctx->parsed_body && ctx->req->n_params > 0;
    if (!in || !api_only_keys(in, from_path ? rest_keys : op_keys, resp))
        return;
    const char *key = from_path ? ctx->req->params[0] : api_string(in, "key", 64, true, resp);
    if (!key)
        return;
    const struct mento_question *q = mento_question_find(key);
    if (!q) {
        char msg[120];
        snprintf(msg, sizeof msg, "There is no question \"%.64s\" in the questionnaire", key);
        http_response_error(resp, 404, "unknown_question", msg, NULL);
        return;
    }
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(in, "value");
    if (!value) {
        api_error_status(resp, MENTO_ERR_MISSING, "value");
        return;
    }
    cJSON *answers = answers_load(ctx->db, ctx->user_id);
    if (!answers) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(answers, q->key);
    if (!cJSON_IsNull(value))
        cJSON_AddItemToObject(answers, q->key, cJSON_Duplicate(value, true));
    struct mento_profile p;
    mento_profile_init(&p);
    struct codec_error err = {{0}};
    const char *missing = NULL;
    mento_status st = codec_profile_from_json(answers, &p, &err);
    cJSON_Delete(answers);
    if (st != MENTO_OK) {
        api_error_status(resp, st, err.field[0] ? err.field : q->key);
        goto out;
    }
    if (rules_check_required(&p, &missing) != MENTO_OK) {
        char msg[120];
        snprintf(msg, sizeof msg, "The answer \"%s\" is required and cannot be cleared", missing);
        http_response_error(resp, 400, "missing_field", msg, missing);
        goto out;
    }
    cJSON *stored = codec_profile_to_json(&p, CODEC_PROFILE_ADMIN_ONLY);
    char *text = stored ? cJSON_PrintUnformatted(stored) : NULL;
    cJSON_Delete(stored);
    int64_t seq = text ? db_next_seq(ctx->db) : 0;
    sqlite3_stmt *up = NULL;
    int rc = SQLITE_ERROR;
    if (seq && sqlite3_prepare_v2(ctx->db,
                                  "UPDATE profiles SET answers = ?, seq = ? WHERE user_id = ?", -1,
                                  &up, NULL) == SQLITE_OK) {
        sqlite3_bind_text(up, 1, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 2, seq);
        sqlite3_bind_int64(up, 3, ctx->user_id);
        rc = sqlite3_step(up);
    }
    sqlite3_finalize(up);
    free(text);
    if (rc != SQLITE_DONE) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "key", q->key);
    cJSON *v = codec_profile_answer(&p, q->id);
    cJSON_AddItemToObject(out, "value", v ? v : cJSON_CreateNull());
    http_response_json(resp, 200, out);
out:
    mento_profile_free(&p);
}

void api_me_join(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"programme", "roles", "capacity", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const char *pid = api_string(in, "programme", 64, true, resp);
    if (!pid)
        return;
    struct mento_profile p;
    mento_profile_init(&p);
    struct catalog_snapshot *snap = NULL;
    if (profile_load(ctx->db, ctx->user_id, &p) != MENTO_OK ||
        !(snap = catalog_acquire(&ctx->srv->catalog, ctx->db))) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    const struct catalog_programme *cp = catalog_programme(snap, pid, NULL);
    if (!cp) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme",
                            "programme");
        goto out;
    }
    if (catalog_member(cp, ctx->user_id)) {
        http_response_error(resp, 409, "already_member", "You are already in this programme",
                            "programme");
        goto out;
    }
    unsigned roles;
    int capacity;
    const char *status;
    if (!membership_check(ctx, &cp->prog, in, &p, &roles, &capacity, &status, resp))
        goto out;
    int64_t seq = db_next_seq(ctx->db);
    if (!seq || !insert_membership(ctx->db, ctx->user_id, cp->prog.id, roles, capacity, status,
                                   ctx->now, seq)) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    http_response_json(resp, 201,
                       membership_json(ctx->db, ctx->user_id, cp->prog.id, roles, capacity, false,
                                       status));
out:
    catalog_release(&ctx->srv->catalog, snap);
    mento_profile_free(&p);
}

static const struct api_route account_routes[] = {
    {"POST", "/v1/accounts", api_register, 0},
    {"POST", "/v1/auth/login", api_login, 0},
    {"POST", "/v1/auth/logout", api_logout, API_ROUTE_AUTH},
    {"GET", "/v1/me", api_me, API_ROUTE_AUTH},
    {"GET", "/v1/me/profile", api_me_profile, API_ROUTE_AUTH},
    {"PUT", "/v1/me/profile/{}", api_me_profile_put, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"POST", "/v1/me/programmes", api_me_join, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op account_ops[] = {
    {"profile.set", api_me_profile_put},
    {NULL, NULL},
};

const struct api_module api_module_accounts = {
    .name = "accounts",
    .routes = account_routes,
    .ops = account_ops,
};

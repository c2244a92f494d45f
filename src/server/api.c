/* api.c - the route table and what every call goes through: matching the
 * path, the bearer token, the write transaction and the idempotency store. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "mento/api.h"
#include "mento/auth.h"
#include "mento/codec.h"
#include "mento/server.h"
#include "mento/utf8.h"

const struct api_module *const api_modules[] = {
    &api_module_directory,
    &api_module_accounts,
    &api_module_sync,
    &api_module_requests,
    &api_module_pairings,
    &api_module_sessions,
    &api_module_states,
    &api_module_notes,
    &api_module_admin,
    &api_module_surveys,
    NULL,
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode `n` bytes of `in` into `out` (room for n + 1). False for a
 * malformed escape or an encoded NUL, which no identifier contains. */
static bool decode_segment(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        int hi = i + 2 < n ? hex_value(in[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0))
            return false;
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return true;
}

/* Match the raw `path` against `pattern`; the {} segments are decoded into
 * req->params. Literal parts match only as sent: "/v1/health%2F" is not
 * "/v1/health/", and "together%2Fmentors" is one (unknown) programme id. */
static bool route_match(const char *pattern, const char *path, struct http_request *req)
{
    size_t used = 0;
    req->n_params = 0;
    while (*pattern && *path) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t n = strcspn(path, "/");
            if (n == 0 || req->n_params == HTTP_MAX_PARAMS || used + n + 1 > req->param_cap)
                return false;
            if (!decode_segment(path, n, req->param_buf + used))
                return false;
            req->params[req->n_params++] = req->param_buf + used;
            used += strlen(req->param_buf + used) + 1;
            pattern += 2;
            path += n;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

bool api_valid_key(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 8 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* ---- Helpers -------------------------------------------------------------- */

bool api_membership(struct api_ctx *ctx, const char *pid, int64_t user,
                    struct mento_programme *prog, unsigned *roles, struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    cJSON *settings = NULL;
    bool found = false, member = false;
    unsigned r = 0;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT p.settings, m.roles FROM programmes p LEFT JOIN memberships m"
                           " ON m.programme_id = p.id AND m.user_id = ? WHERE p.id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return false;
    }
    sqlite3_bind_int64(st, 1, user);
    sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        found = true;
        member = sqlite3_column_type(st, 1) != SQLITE_NULL;
        r = (unsigned)sqlite3_column_int(st, 1);
        if (prog)
            settings = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return false;
    }
    if (!found) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return false;
    }
    if (!member) {
        cJSON_Delete(settings);
        http_response_error(resp, 403, "forbidden", "You are not a member of this programme", NULL);
        return false;
    }
    if (prog) {
        struct codec_error err;
        mento_programme_init(prog);
        mento_status ps =
            settings ? codec_programme_from_json(settings, prog, &err) : MENTO_ERR_PARSE;
        cJSON_Delete(settings);
        if (ps != MENTO_OK) {
            mento_programme_free(prog);
            api_error_status(resp, MENTO_ERR_DB, NULL);
            return false;
        }
    }
    if (roles)
        *roles = r;
    return true;
}

bool api_user_frozen(sqlite3 *db, int64_t user)
{
    sqlite3_stmt *st = NULL;
    bool frozen = false;
    if (sqlite3_prepare_v2(db, "SELECT frozen FROM users WHERE id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, user);
        if (sqlite3_step(st) == SQLITE_ROW)
            frozen = sqlite3_column_int(st, 0) != 0;
    }
    sqlite3_finalize(st);
    return frozen;
}

const cJSON *api_input(struct api_ctx *ctx, struct http_response *resp)
{
    if (ctx->input)
        return ctx->input;
    const struct http_request *req = ctx->req;
    const char *ct = req->content_type;
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        http_response_error(resp, 415, "unsupported_media_type",
                            "The body must be JSON, sent as Content-Type: application/json", NULL);
        return NULL;
    }
    if (!utf8_valid(req->body, req->body_len)) {
        http_response_error(resp, 400, "invalid_utf8", "The body is not valid UTF-8", NULL);
        return NULL;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end, false);
    if (json && end) {
        /* Only white space may follow the value. */
        while (end < req->body + req->body_len &&
               (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
            end++;
        if (end != req->body + req->body_len) {
            cJSON_Delete(json);
            json = NULL;
        }
    }
    if (!json) {
        http_response_error(resp, 400, "invalid_json", "The body is not well-formed JSON", NULL);
        return NULL;
    }
    if (!cJSON_IsObject(json)) {
        cJSON_Delete(json);
        http_response_error(resp, 400, "invalid_type", "The body must be a JSON object", NULL);
        return NULL;
    }
    ctx->parsed_body = json;
    ctx->input = json;
    return json;
}

bool api_whole(const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (!text || !*text || strlen(text) > 19)
        return false;
    int64_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || n > (INT64_MAX - (*p - '0')) / 10)
            return false;
        n = n * 10 + (*p - '0');
    }
    if (n < min || n > max)
        return false;
    *out = n;
    return true;
}

bool api_whole_int(const char *text, int min, int max, int *out)
{
    int64_t n;
    if (!api_whole(text, min, max, &n))
        return false;
    *out = (int)n;
    return true;
}

bool api_only_keys(const cJSON *obj, const char *const *allowed, struct http_response *resp)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, obj)
    {
        bool known = false;
        for (const char *const *k = allowed; *k; k++)
            if (item->string && strcmp(item->string, *k) == 0) {
                known = true;
                break;
            }
        if (!known) {
            char msg[160];
            snprintf(msg, sizeof msg, "Unknown field: %.100s", item->string ? item->string : "");
            http_response_error(resp, 400, "unknown_field", msg,
                                item->string && utf8_valid(item->string, strlen(item->string))
                                    ? item->string
                                    : NULL);
            return false;
        }
    }
    return true;
}

void api_error_status(struct http_response *resp, mento_status st, const char *field)
{
    char msg[200];
    if (field && *field)
        snprintf(msg, sizeof msg, "%s: %.64s", mento_status_message(st), field);
    else
        snprintf(msg, sizeof msg, "%s", mento_status_message(st));
    int status = 400;
    const char *code = mento_status_code(st);
    switch (st) {
    case MENTO_ERR_NOMEM:
    case MENTO_ERR_DB:
    case MENTO_ERR_IO:
    case MENTO_ERR_CRYPTO:
        status = 500;
        code = "internal";
        snprintf(msg, sizeof msg, "The server could not complete the request");
        break;
    case MENTO_ERR_NOT_FOUND:
        status = 404;
        break;
    case MENTO_ERR_PARSE:
        code = "invalid_json";
        break;
    default:
        break;
    }
    http_response_error(resp, status, code, msg, field);
}

const char *api_string(const cJSON *obj, const char *key, size_t max_codepoints, bool required,
                       struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            api_error_status(resp, MENTO_ERR_MISSING, key);
        return NULL;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        api_error_status(resp, MENTO_ERR_TYPE, key);
        return NULL;
    }
    size_t len = strlen(v->valuestring);
    if (!utf8_valid(v->valuestring, len)) {
        api_error_status(resp, MENTO_ERR_UTF8, key);
        return NULL;
    }
    if (utf8_codepoints(v->valuestring, len) > max_codepoints) {
        api_error_status(resp, MENTO_ERR_TOO_LONG, key);
        return NULL;
    }
    return v->valuestring;
}

bool api_roles(const cJSON *arr, unsigned *roles, struct http_response *resp)
{
    *roles = 0;
    if (!arr) {
        api_error_status(resp, MENTO_ERR_MISSING, "roles");
        return false;
    }
    if (!cJSON_IsArray(arr)) {
        api_error_status(resp, MENTO_ERR_TYPE, "roles");
        return false;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, arr)
    {
        if (!cJSON_IsString(r)) {
            api_error_status(resp, MENTO_ERR_TYPE, "roles");
            return false;
        }
        if (strcmp(r->valuestring, "mentee") == 0)
            *roles |= MENTO_ROLE_MENTEE;
        else if (strcmp(r->valuestring, "mentor") == 0)
            *roles |= MENTO_ROLE_MENTOR;
        else {
            http_response_error(resp, 400, "invalid", "Roles are \"mentee\" and/or \"mentor\"",
                                "roles");
            return false;
        }
    }
    if (*roles == 0) {
        api_error_status(resp, MENTO_ERR_MISSING, "roles");
        return false;
    }
    return true;
}

cJSON *api_roles_json(unsigned roles)
{
    cJSON *a = cJSON_CreateArray();
    if (!a)
        return NULL;
    if (roles & MENTO_ROLE_MENTEE)
        cJSON_AddItemToArray(a, cJSON_CreateString("mentee"));
    if (roles & MENTO_ROLE_MENTOR)
        cJSON_AddItemToArray(a, cJSON_CreateString("mentor"));
    if (roles & MENTO_ROLE_ADMIN)
        cJSON_AddItemToArray(a, cJSON_CreateString("admin"));
    return a;
}

/* ---- Idempotent writes ---------------------------------------------------- */

enum idem_lookup { IDEM_NONE, IDEM_REPLAY, IDEM_CONFLICT, IDEM_ERROR };

static enum idem_lookup idem_find(struct api_ctx *ctx, const char *key, const char *method,
                                  const char *path, struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    enum idem_lookup out = IDEM_ERROR;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT method, path, status, body FROM idempotency"
                           " WHERE user_id = ? AND key = ? AND created_at > ?",
                           -1, &st, NULL) != SQLITE_OK)
        return IDEM_ERROR;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ctx->now - AUTH_IDEMPOTENCY_TTL);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        out = IDEM_NONE;
    } else if (r == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        const char *p = (const char *)sqlite3_column_text(st, 1);
        if (strcmp(m, method) != 0 || strcmp(p, path) != 0) {
            out = IDEM_CONFLICT;
        } else {
            const char *body = (const char *)sqlite3_column_text(st, 3);
            free(resp->body);
            resp->status = sqlite3_column_int(st, 2);
            resp->body = body && *body ? strdup(body) : NULL;
            resp->len = resp->body ? strlen(resp->body) : 0;
            resp->content_type = "application/json";
            resp->replay = true;
            out = IDEM_REPLAY;
        }
    }
    sqlite3_finalize(st);
    return out;
}

static mento_status idem_store(struct api_ctx *ctx, const char *key, const char *method,
                               const char *path, const struct http_response *resp)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT OR REPLACE INTO idempotency"
                           "(user_id, key, method, path, status, body, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, method, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, resp->status);
    sqlite3_bind_text(st, 6, resp->body ? resp->body : "", (int)resp->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, ctx->now);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

void api_run_write(struct api_ctx *ctx, const char *key, const char *method, const char *path,
                   api_handler fn, struct http_response *resp)
{
    if (db_begin_write(ctx->db) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    if (key) {
        enum idem_lookup found = idem_find(ctx, key, method, path, resp);
        if (found != IDEM_NONE) {
            db_rollback(ctx->db);
            if (found == IDEM_CONFLICT)
                http_response_error(resp, 422, "idempotency_key_reused",
                                    "This idempotency key was used for another request", NULL);
            else if (found == IDEM_ERROR)
                api_error_status(resp, MENTO_ERR_DB, NULL);
            return;
        }
    }
    if (db_exec(ctx->db, "SAVEPOINT handler") != MENTO_OK) {
        db_rollback(ctx->db);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    fn(ctx, resp);
    if (resp->status >= 400)
        db_exec(ctx->db, "ROLLBACK TO handler");
    db_exec(ctx->db, "RELEASE handler");
    /* Server faults and rate limits are not answers worth replaying. */
    bool store = key && resp->status < 500 && resp->status != 429;
    if ((store && idem_store(ctx, key, method, path, resp) != MENTO_OK) ||
        db_commit(ctx->db) != MENTO_OK) {
        db_rollback(ctx->db);
        api_error_status(resp, MENTO_ERR_DB, NULL);
    }
}

/* ---- Dispatch ------------------------------------------------------------- */

/* Call fn for each route this server serves, in order, until it returns true. */
static const struct api_route *route_find(struct http_request *req, bool test_mode,
                                          const char *method, char *allow, size_t allow_len)
{
    if (allow)
        allow[0] = '\0';
    for (const struct api_module *const *m = api_modules; *m; m++)
        for (const struct api_route *r = (*m)->routes; r->method; r++) {
            if ((r->flags & API_ROUTE_TEST) && !test_mode)
                continue;
            if (!route_match(r->pattern, req->path, req))
                continue;
            if (method && strcmp(r->method, method) == 0)
                return r;
            if (allow) {
                if (allow[0])
                    strncat(allow, ", ", allow_len - strlen(allow) - 1);
                strncat(allow, r->method, allow_len - strlen(allow) - 1);
            }
        }
    return NULL;
}

void api_dispatch(struct server *srv, struct http_request *req, struct http_response *resp)
{
    bool test_mode = srv->cfg.test_mode;
    const struct api_route *route = route_find(req, test_mode, req->method, NULL, 0);
    if (!route) {
        route_find(req, test_mode, NULL, resp->allow, sizeof resp->allow);
        if (resp->allow[0])
            http_response_error(resp, 405, "method_not_allowed",
                                "This method is not allowed on this path", NULL);
        else
            http_response_error(resp, 404, "not_found", "No such resource", NULL);
        return;
    }
    /* route_match above left the params of the matched route in req. */
    route_match(route->pattern, req->path, req);
    for (size_t i = 0; i < req->n_params; i++)
        if (!utf8_valid(req->params[i], strlen(req->params[i]))) {
            http_response_error(resp, 400, "bad_request", "The path is not valid UTF-8", NULL);
            return;
        }

    struct api_ctx ctx = {.srv = srv, .req = req, .now = server_now(srv)};
    ctx.db = db_pool_acquire(&srv->pool);
    if (route->flags & API_ROUTE_AUTH) {
        if (auth_authenticate(&ctx, resp) != MENTO_OK)
            goto done;
    } else if (req->authorization) {
        /* Optional identity on public routes; a bad token is still refused. */
        if (auth_authenticate(&ctx, resp) != MENTO_OK)
            goto done;
    }
    const char *key = req->idempotency_key;
    bool mutating = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
    if (key && mutating && !api_valid_key(key)) {
        http_response_error(resp, 400, "bad_request",
                            "Idempotency-Key must be 8 to 64 characters of A-Z, a-z, 0-9, - and _",
                            NULL);
        goto done;
    }
    if (key && mutating && !(route->flags & API_ROUTE_WRITE)) {
        /* Handlers that manage their own transaction still refuse a key that
         * was spent on another call. */
        struct http_response seen;
        memset(&seen, 0, sizeof seen);
        enum idem_lookup found = idem_find(&ctx, key, req->method, req->path, &seen);
        http_response_free(&seen);
        if (found == IDEM_CONFLICT) {
            http_response_error(resp, 422, "idempotency_key_reused",
                                "This idempotency key was used for another request", NULL);
            goto done;
        }
    }
    if (route->flags & API_ROUTE_WRITE)
        api_run_write(&ctx, key, req->method, req->path, route->handler, resp);
    else
        route->handler(&ctx, resp);
done:
    cJSON_Delete(ctx.parsed_body);
    db_pool_release(&srv->pool, ctx.db);
}

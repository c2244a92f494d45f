/* auth.c - passwords, bearer tokens and the login rate limit.
 * Tokens and passwords never reach the database or the log in clear. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mento/auth.h"
#include "mento/server.h"

static void token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

mento_status auth_authenticate(struct api_ctx *ctx, struct http_response *resp)
{
    const char *h = ctx->req->authorization;
    const char *token = NULL;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        token = h + 7;
        while (*token == ' ')
            token++;
    }
    if (!token || strlen(token) != AUTH_TOKEN_LEN) {
        http_response_error(resp, 401, "unauthorized",
                            h ? "The bearer token is malformed"
                              : "This call needs a bearer token: log in first",
                            NULL);
        return MENTO_ERR_INVALID;
    }
    unsigned char hash[32];
    token_hash(token, hash);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT user_id, expires_at FROM tokens WHERE hash = ?", -1,
                           &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return MENTO_ERR_DB;
    }
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    int64_t user = 0, expires = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        user = sqlite3_column_int64(st, 0);
        expires = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (user == 0) {
        http_response_error(resp, 401, "unauthorized", "The token is not valid: log in again",
                            NULL);
        return MENTO_ERR_NOT_FOUND;
    }
    if (expires <= ctx->now) {
        http_response_error(resp, 401, "unauthorized", "The token has expired: log in again",
                            NULL);
        return MENTO_ERR_INVALID;
    }
    ctx->user_id = user;
    return MENTO_OK;
}

mento_status auth_hash_password(const struct server *srv, const char *password,
                                char out[crypto_pwhash_STRBYTES])
{
    if (crypto_pwhash_str_alg(out, password, strlen(password), srv->pwhash_ops, srv->pwhash_mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return MENTO_ERR_NOMEM;
    return MENTO_OK;
}

bool auth_verify_password(const char *hash, const char *password)
{
    return hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

mento_status auth_issue_token(sqlite3 *db, int64_t user_id, int64_t now, int64_t ttl,
                              char token[AUTH_TOKEN_LEN + 1])
{
    unsigned char raw[AUTH_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, AUTH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    unsigned char hash[32];
    token_hash(token, hash);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO tokens(hash, user_id, created_at, expires_at)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, now + ttl);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

mento_status auth_revoke_token(sqlite3 *db, const char *token)
{
    unsigned char hash[32];
    token_hash(token, hash);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM tokens WHERE hash = ?", -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

/* ---- Rate limit ------------------------------------------------------------
 * A fixed window per key: after `max` failures inside `window` seconds the
 * key waits for the window to end. Keys: "e:<lower-case e-mail>", "a:<addr>". */

static void limit_key(char *out, size_t len, char kind, const char *s)
{
    snprintf(out, len, "%c:%s", kind, s);
    for (char *p = out + 2; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

static int64_t key_wait(struct api_ctx *ctx, const char *key, int max)
{
    const struct server_config *cfg = &ctx->srv->cfg;
    sqlite3_stmt *st = NULL;
    int64_t wait = 0;
    if (sqlite3_prepare_v2(ctx->db, "SELECT window_start, count FROM login_failures WHERE key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t start = sqlite3_column_int64(st, 0);
        int count = sqlite3_column_int(st, 1);
        int64_t end = start + cfg->login_window;
        if (count >= max && end > ctx->now)
            wait = end - ctx->now;
    }
    sqlite3_finalize(st);
    return wait;
}

int64_t auth_login_wait(struct api_ctx *ctx, const char *email)
{
    char key[300];
    limit_key(key, sizeof key, 'e', email);
    int64_t w1 = key_wait(ctx, key, ctx->srv->cfg.login_max_per_email);
    limit_key(key, sizeof key, 'a', ctx->req->remote);
    int64_t w2 = key_wait(ctx, key, ctx->srv->cfg.login_max_per_address);
    return w1 > w2 ? w1 : w2;
}

static void key_fail(struct api_ctx *ctx, const char *key)
{
    sqlite3_stmt *st = NULL;
    /* Start a new window when the old one has ended. */
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT INTO login_failures(key, window_start, count) VALUES (?1, ?2, 1)"
                           " ON CONFLICT(key) DO UPDATE SET"
                           "  count = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE count + 1 END,"
                           "  window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2"
                           "                 ELSE window_start END",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->now);
    sqlite3_bind_int64(st, 3, ctx->srv->cfg.login_window);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

void auth_login_failed(struct api_ctx *ctx, const char *email)
{
    char key[300];
    limit_key(key, sizeof key, 'e', email);
    key_fail(ctx, key);
    limit_key(key, sizeof key, 'a', ctx->req->remote);
    key_fail(ctx, key);
}

void auth_login_succeeded(struct api_ctx *ctx, const char *email)
{
    /* Only the e-mail's count is forgiven: one good password must not reset
     * an address that is trying many accounts. */
    char key[300];
    limit_key(key, sizeof key, 'e', email);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db, "DELETE FROM login_failures WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

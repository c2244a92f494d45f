/* auth.h - mentod's accounts security: Argon2id password hashes, bearer
 * tokens stored only as hashes, and the login rate limit. */
#ifndef MENTO_AUTH_H
#define MENTO_AUTH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <sodium.h>

#include "mento/api.h"
#include "mento/error.h"

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_LEN 43 /* base64url without padding */
#define AUTH_IDEMPOTENCY_TTL (7 * 24 * 3600)
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256

/* Check "Authorization: Bearer <token>" and set ctx->user_id; 401 otherwise. */
mento_status auth_authenticate(struct api_ctx *ctx, struct http_response *resp);

/* Argon2id (crypto_pwhash_str_alg) with the server's cost parameters. */
mento_status auth_hash_password(const struct server *srv, const char *password,
                                char out[crypto_pwhash_STRBYTES]);
bool auth_verify_password(const char *hash, const char *password);

/* A fresh random token for `user_id`, valid until now + ttl. */
mento_status auth_issue_token(sqlite3 *db, int64_t user_id, int64_t now, int64_t ttl,
                              char token[AUTH_TOKEN_LEN + 1]);
mento_status auth_revoke_token(sqlite3 *db, const char *token);

/* Login rate limit per e-mail and per client address. Seconds to wait before
 * another attempt is allowed, 0 when allowed. */
int64_t auth_login_wait(struct api_ctx *ctx, const char *email);
void auth_login_failed(struct api_ctx *ctx, const char *email);
void auth_login_succeeded(struct api_ctx *ctx, const char *email);

#endif

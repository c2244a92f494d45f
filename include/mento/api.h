/* api.h - mentod's JSON API: the route table, authentication, idempotency,
 * and the handlers of each area (accounts, directory, sync). */
#ifndef MENTO_API_H
#define MENTO_API_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mento/error.h"
#include "mento/http.h"
#include "mento/model.h"

struct server;

struct api_ctx {
    struct server *srv;
    sqlite3 *db;
    struct http_request *req;
    int64_t now;
    int64_t user_id; /* 0: anonymous */
    /* The parsed input of the call: set by api_input() from the body, or by
     * sync from an operation's "body". Owned elsewhere. */
    const cJSON *input;
    cJSON *parsed_body; /* freed by the dispatcher */
    void *scratch;      /* a handler's state across api_run_write */
};

typedef void (*api_handler)(struct api_ctx *ctx, struct http_response *resp);

enum api_route_flags {
    API_ROUTE_AUTH = 1u << 0,  /* a valid bearer token is required */
    API_ROUTE_WRITE = 1u << 1, /* run inside api_run_write by the dispatcher */
    API_ROUTE_TEST = 1u << 2,  /* exists only in --test-mode */
};

struct api_route {
    const char *method;
    const char *pattern; /* "{}" matches one path segment */
    api_handler handler;
    unsigned flags;
};

/* A sync operation: its type and the handler that runs it with ctx->input
 * set to the operation's body (path ids travel in the body). */
struct api_op {
    const char *type;
    api_handler handler;
};

/* One area of the API: its routes, its sync operations and what it adds to
 * a sync answer. Arrays end with an entry whose first member is NULL. */
struct api_module {
    const char *name;
    const struct api_route *routes;
    const struct api_op *ops;
    /* Add to `changes` what the caller may see in `programme` that changed
     * after sequence number `since` (0: everything). May be NULL. */
    mento_status (*sync_changes)(struct api_ctx *ctx, const char *programme, int64_t since,
                                 cJSON *changes);
    /* Apply this area's time rules that are due at ctx->now (deadlines,
     * reminders, auto-ends), exactly once each, inside the caller's write
     * transaction. Run by the scheduler and before reads. May be NULL. */
    mento_status (*tick)(struct api_ctx *ctx);
};

/* The modules, in routing order. */
extern const struct api_module api_module_accounts;
extern const struct api_module api_module_directory;
extern const struct api_module api_module_sync;
extern const struct api_module api_module_requests; /* wish-list, requests, cascade */
extern const struct api_module api_module_pairings; /* pairings, rematch */
extern const struct api_module api_module_sessions; /* sessions, calendar, feedback */
extern const struct api_module api_module_states;   /* memberships, freeze, hide, capacity */
extern const struct api_module api_module_notes;    /* note records, keys, notifications */
extern const struct api_module api_module_admin;    /* administration, resources */
extern const struct api_module api_module_surveys;  /* surveys, their answers and time rules */
/* Every module the dispatcher routes to, NULL-terminated. */
extern const struct api_module *const api_modules[];

/* Route a request: find the handler, check the token, apply idempotency, run. */
void api_dispatch(struct server *srv, struct http_request *req, struct http_response *resp);

/* ---- Helpers shared by the handlers ---------------------------------------- */

/* The call's input object: ctx->input when set (sync), else the body parsed as
 * one JSON object, refusing a wrong content type, invalid UTF-8 and malformed
 * JSON with the right error. NULL when `resp` holds the error. */
const cJSON *api_input(struct api_ctx *ctx, struct http_response *resp);
/* A whole number in decimal digits only (no sign, no spaces) within
 * [min, max], as query parameters and path ids are written. */
bool api_whole(const char *text, int64_t min, int64_t max, int64_t *out);
/* The same into an int (page numbers, page sizes). */
bool api_whole_int(const char *text, int min, int max, int *out);
/* Refuse (400 unknown_field) any key of `obj` not in the NULL-terminated list. */
bool api_only_keys(const cJSON *obj, const char *const *allowed, struct http_response *resp);
/* A 400 (or 404/422) for a validation status, naming the field. */
void api_error_status(struct http_response *resp, mento_status st, const char *field);
/* Required string member: 400 missing_field / invalid_type / invalid_utf8 / too_long. */
const char *api_string(const cJSON *obj, const char *key, size_t max_codepoints, bool required,
                       struct http_response *resp);
/* Roles array ["mentee","mentor"] to bits; errors into resp. */
bool api_roles(const cJSON *arr, unsigned *roles, struct http_response *resp);
cJSON *api_roles_json(unsigned roles);

/* The programme `pid` and `user`'s membership of it: 404 unknown_programme
 * when there is no such programme, 403 forbidden when `user` is not a
 * member. `prog` (may be NULL; need not be initialised) receives the
 * settings on success (release with mento_programme_free), `roles` (may be
 * NULL) the member's roles. */
bool api_membership(struct api_ctx *ctx, const char *pid, int64_t user,
                    struct mento_programme *prog, unsigned *roles, struct http_response *resp);
/* The caller administers programme `pid`: 404 unknown_programme when there
 * is no such programme, 403 role_required for anyone else (administrators of
 * other programmes included). */
bool api_require_admin(struct api_ctx *ctx, const char *pid, struct http_response *resp);
/* Is the account frozen? */
bool api_user_frozen(sqlite3 *db, int64_t user);
/* The membership object of docs/api.md (6) for `user` in `programme`; NULL
 * when there is none. */
cJSON *api_membership_json(sqlite3 *db, int64_t user, const char *programme);
/* Active pairings of `user` as mentor in `programme` (the "mentees" count). */
int api_count_mentees(sqlite3 *db, int64_t user, const char *programme);

/* ---- Handlers ------------------------------------------------------------- */
void api_health(struct api_ctx *ctx, struct http_response *resp);
void api_test_clock(struct api_ctx *ctx, struct http_response *resp);

void api_register(struct api_ctx *ctx, struct http_response *resp);
void api_login(struct api_ctx *ctx, struct http_response *resp);
void api_logout(struct api_ctx *ctx, struct http_response *resp);
void api_me(struct api_ctx *ctx, struct http_response *resp);
void api_me_profile(struct api_ctx *ctx, struct http_response *resp);
void api_me_profile_put(struct api_ctx *ctx, struct http_response *resp);
void api_me_join(struct api_ctx *ctx, struct http_response *resp);

void api_programmes(struct api_ctx *ctx, struct http_response *resp);
void api_programme(struct api_ctx *ctx, struct http_response *resp);
void api_directory(struct api_ctx *ctx, struct http_response *resp);
void api_directory_mentor(struct api_ctx *ctx, struct http_response *resp);

void api_sync(struct api_ctx *ctx, struct http_response *resp);

/* Run a state-changing handler inside one write transaction. With an
 * idempotency key (scoped to ctx->user_id): a stored answer for the key is
 * replayed; otherwise `fn` runs, its effects are kept only when it answers
 * below 400, and its answer is stored with the key, all atomically. A key
 * used before for another method/path answers 422 idempotency_key_reused. */
void api_run_write(struct api_ctx *ctx, const char *key, const char *method, const char *path,
                   api_handler fn, struct http_response *resp);
/* True for a valid idempotency key or op_id: 8..64 of [A-Za-z0-9_-]. */
bool api_valid_key(const char *key);

#endif

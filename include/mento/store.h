/* store.h - the client's local store: one SQLite file per server and
 * account (WAL, synchronous=FULL) holding everything the screens show, the
 * sync cursor of each programme, and the outbox of operations the server
 * has not yet confirmed. The screens read only this; the network only feeds
 * it (store_apply_sync). */
#ifndef MENTO_STORE_H
#define MENTO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mento/error.h"

/* An operation id: 32 hex digits (128 random bits) and a NUL. */
#define STORE_OP_ID_LEN 33
/* The longest cursor kept; a server sending a longer one is refused. */
#define STORE_CURSOR_MAX 256
/* At most this many operations go up in one sync (the API's limit). */
#define STORE_OPS_PER_SYNC 100

struct store;

/* Open (creating and migrating) the store at `path`. A store written by a
 * newer mento is refused with a message in `err`. */
mento_status store_open(struct store **out, const char *path, char *err, size_t err_len);
/* Close and set *s to NULL; NULL is allowed. */
void store_close(struct store **s);
/* The schema version this build writes. */
int store_schema_version(void);

/* One write transaction around a local effect and its outbox row, so that
 * either both are kept or neither. */
mento_status store_begin(struct store *s);
mento_status store_commit(struct store *s);
void store_rollback(struct store *s);

/* ---- Sync state ----------------------------------------------------------- */

/* The cursor of `programme` ("" before the first sync). */
mento_status store_cursor(struct store *s, const char *programme, char *buf, size_t cap);
/* When the last sync of `programme` completed (0: never). */
int64_t store_last_sync(struct store *s, const char *programme);

/* ---- Outbox --------------------------------------------------------------- */

/* Queue an operation (`type` as in docs/api.md 17, `body` its object) with a
 * fresh random op id, written to *op_id. Call inside store_begin/commit with
 * the local effect, or alone (it is then its own transaction). */
mento_status store_outbox_append(struct store *s, const char *programme, const char *type,
                                 const cJSON *body, int64_t now, char op_id[STORE_OP_ID_LEN]);
/* Operations still to be confirmed by the server, in the order queued. */
int store_outbox_count(struct store *s, const char *programme);
/* The next operations to send, oldest first: a JSON array of at most
 * STORE_OPS_PER_SYNC {"op_id","type","body"} (empty when none), or NULL on
 * error. The same operations are returned until a sync answer settles them,
 * so a lost answer just sends them again with the same ids. */
cJSON *store_outbox_batch(struct store *s, const char *programme);

/* The operations still queued, oldest first, as {"op_id","type","body"}
 * (caller deletes; the first STORE_OPS_PER_SYNC): what the screens mark as
 * "queued". */
cJSON *store_outbox_queued(struct store *s, const char *programme);

/* An operation the server refused: what the user must be told. */
struct store_refusal {
    char op_id[STORE_OP_ID_LEN];
    char type[48];
    int status;
    char code[64];
    char message[256];
};
/* Refusals not yet shown to the user, oldest first, at most `cap`; returns
 * how many were written. */
int store_refusals(struct store *s, const char *programme, struct store_refusal *out, int cap);
/* The user has read this refusal. */
mento_status store_refusal_seen(struct store *s, const char *op_id);

/* ---- Applying a sync answer ----------------------------------------------- */

struct store_sync_summary {
    bool reset;      /* the server asked for a fresh copy */
    bool more;       /* call again at once */
    int mentors;     /* directory entries changed or removed */
    int collections; /* other entries changed */
    int settled;     /* outbox operations confirmed (any status below 500) */
    int refused;     /* ... of which refused (4xx) */
    bool programme;  /* the programme object came (its settings or resources changed) */
};

/* Apply one answer of POST /v1/sync for `programme`, all or nothing: the
 * results settle their outbox rows, the changes replace the local copies
 * (a reset first drops the server's collections, never the outbox or the
 * user's own notes), and the cursor moves. An answer of the wrong shape is
 * refused (MENTO_ERR_PARSE, `err` says where) and the store is unchanged. */
mento_status store_apply_sync(struct store *s, const char *programme, const cJSON *answer,
                              int64_t now, struct store_sync_summary *sum, char *err,
                              size_t err_len);

/* ---- Reading -------------------------------------------------------------- */

/* Call `fn` with each directory entry of `programme` (a parsed mentor
 * object, valid during the call) in user id order; stop when it returns
 * false. */
mento_status store_mentors_each(struct store *s, const char *programme,
                                bool (*fn)(const cJSON *mentor, void *arg), void *arg);
int store_mentor_count(struct store *s, const char *programme);

/* What the directory needs of one mentor, extracted and folded when the
 * entry arrived (valid during the callback; any text may be NULL). Lists
 * (skills, goals) are joined with newlines. */
struct store_mentor_row {
    int64_t user_id;
    const char *name, *grade, *job_network, *entity, *duty_station, *timezone;
    unsigned languages; /* enum mento_lang bits */
    int years;
    bool full;
    const char *skills;
    const char *f_name, *f_job_network, *f_entity, *f_duty_station, *f_skills, *f_goals;
};
/* Each mentor of `programme` in user id order, without parsing JSON; stop
 * when `fn` returns false. */
mento_status store_mentor_rows(struct store *s, const char *programme,
                               bool (*fn)(const struct store_mentor_row *row, void *arg),
                               void *arg);
/* A copy (caller deletes) of a stored object: `kind` is "profile",
 * "membership", "wishlist", "current_request", "programme" or "vault" (whole
 * objects), or "requests", "pairings", "sessions", "notes", "notifications",
 * "keys", "pair_keys", "surveys" with `key` the entry's id ("pairing:version" for
 * pair_keys). NULL when absent. */
cJSON *store_get(struct store *s, const char *programme, const char *kind, const char *key);
/* One directory entry (caller deletes); NULL when absent. */
cJSON *store_mentor(struct store *s, const char *programme, int64_t user_id);
/* Replace a stored object (a local effect, inside store_begin/commit with
 * its outbox row); same kinds and keys as store_get. */
mento_status store_put(struct store *s, const char *programme, const char *kind, const char *key,
                       const cJSON *value);
/* Every entry of a keyed collection, as an array (caller deletes). */
cJSON *store_list(struct store *s, const char *programme, const char *kind);

/* ---- Modules with tables of their own --------------------------------------- */

/* A module that keeps its own tables in the store (the notes core) sees each
 * sync answer inside the transaction that applies it, after the store's own
 * changes and before the cursor moves: an error it returns (with `err` set)
 * rolls the whole answer back, so it must fail only when the store does,
 * never on bad data. `now` is in seconds. One hook per store; NULL removes it. */
typedef mento_status (*store_sync_hook)(void *arg, const char *programme, const cJSON *answer,
                                        int64_t now, char *err, size_t err_len);
void store_set_sync_hook(struct store *s, store_sync_hook hook, void *arg);
/* The SQLite handle, for such modules' own tables (their writes belong inside
 * store_begin/commit, or run alone). */
struct sqlite3 *store_db(struct store *s);
/* ---- Resources ----------------------------------------------------------- *
 * The programme's handbooks, agendas and topics come from GET
 * /v1/programmes/{id}/resources (the sync does not carry them) and are kept
 * here to be read offline. */

#define STORE_RESOURCES_MAX      500
#define STORE_RESOURCE_ID_MAX    128
#define STORE_RESOURCE_KIND_MAX  32
#define STORE_RESOURCE_TITLE_MAX 400
#define STORE_RESOURCE_BODY_MAX  (1024 * 1024)

/* Replace every resource of `programme` with the items of `answer` (the
 * 200 of GET .../resources) and keep its ETag, all or nothing. An answer of
 * the wrong shape is refused (MENTO_ERR_PARSE, `err` says where) and the
 * store keeps what it had. */
mento_status store_resources_replace(struct store *s, const char *programme, const cJSON *answer,
                                     const char *etag, int64_t now, char *err, size_t err_len);
/* The server said 304: what is kept is current as of `now`. */
mento_status store_resources_checked(struct store *s, const char *programme, int64_t now);
/* The ETag of the kept resources and when they were last fetched or checked
 * ("" and 0 when never). */
mento_status store_resources_etag(struct store *s, const char *programme, char *etag, size_t cap,
                                  int64_t *fetched_at);
/* The kept resources in the server's order, as {"id","kind","title","bytes"}
 * (caller deletes); NULL on error. */
cJSON *store_resources_list(struct store *s, const char *programme);
/* One resource's Markdown body (caller frees); NULL when absent. */
char *store_resource_body(struct store *s, const char *programme, const char *id);

/* ---- Calendar files ------------------------------------------------------- *
 * The server's iCalendar file of a booked or cancelled session, kept for the
 * version of the session (its sequence and update time) the store holds
 * when it arrives, so that it can be exported offline while it is current. */

/* Keep `body` (`len` bytes) for the session as the store holds it now; a
 * NULL body records that the server refused this version (it is not asked
 * again until the session changes). MENTO_ERR_NOT_FOUND when the store has
 * no such session. */
mento_status store_calendar_put(struct store *s, const char *programme, int64_t session_id,
                                const char *body, size_t len, int64_t now);
/* The kept file when it matches the session as stored now (malloc'd,
 * NUL-terminated, caller frees); NULL when there is none or it is stale. */
char *store_calendar_current(struct store *s, const char *programme, int64_t session_id,
                             size_t *len);
/* Sessions whose file is missing or stale, lowest id first: writes at most
 * `cap` ids, returns how many. */
int store_calendars_missing(struct store *s, const char *programme, int64_t *ids, int cap);

#endif

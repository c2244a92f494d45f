/* api_notes.c - the private side of the API: opaque note records with
 * compare-and-swap, public keys, the vault, sealed pair keys, notifications. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mento/api.h"
#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/server.h"

#define NOTE_CIPHERTEXT_MAX (512 * 1024)
#define VAULT_BLOB_MAX      (64 * 1024)
#define VAULT_MEMLIMIT_MIN  67108864LL
#define VAULT_OPSLIMIT_MIN  2
#define PAIR_KEY_SEALED_MIN 48
#define PAIR_KEY_SEALED_MAX 1024
#define KEY_PUBLIC_LEN      32
#define KEY_SIGNATURE_LEN   64
#define NOTIFY_IDS_MAX      200
#define NOTIFY_KEEP_SECONDS (180LL * 86400)
#define UUID_LEN            36
#define JSON_INT_MAX        9007199254740991LL
/* The unshare marks (see note_mark_unshared) live in time_marks under this
 * kind prefix followed by the note id. */
#define UNSHARE_MARK "note_unshared:"

/* ---- Small helpers -------------------------------------------------------- */

/* The programme of the call: the path's first segment for REST, the sync's
 * "programme" for an operation. */
static const char *call_programme(struct api_ctx *ctx, const cJSON *in)
{
    if (!in || in == ctx->parsed_body)
        return ctx->req->n_params > 0 ? ctx->req->params[0] : NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ctx->parsed_body, "programme");
    return cJSON_IsString(p) ? p->valuestring : NULL;
}

static bool from_rest(struct api_ctx *ctx, const cJSON *in)
{
    return in == ctx->parsed_body && ctx->req->n_params > 0;
}

static bool uuid_valid(const char *s)
{
    if (!s || strlen(s) != UUID_LEN)
        return false;
    for (int i = 0; i < UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* An integer member: false with the error in resp. `*present` (may be NULL)
 * says whether it was given (null counts as absent when optional). */
static bool json_int(const cJSON *obj, const char *key, const char *field, int64_t min, int64_t max,
                     bool required, int64_t *out, bool *present, struct http_response *resp)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present)
        *present = false;
    if (!v || cJSON_IsNull(v)) {
        if (required) {
            api_error_status(resp, MENTO_ERR_MISSING, field);
            return false;
        }
        return true;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > (double)JSON_INT_MAX) {
        api_error_status(resp, MENTO_ERR_TYPE, field);
        return false;
    }
    int64_t n = (int64_t)v->valuedouble;
    if (n < min || n > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be from %lld to %lld", field, (long long)min,
                 (long long)max);
        http_response_error(resp, 400, "out_of_range", msg, field);
        return false;
    }
    *out = n;
    if (present)
        *present = true;
    return true;
}

/* Standard base64 (with padding) of `min`..`max` bytes: 400 invalid for bad
 * base64 or a wrong size below the floor, too_long above `max`. The caller
 * frees *out. */
static bool json_base64(const cJSON *obj, const char *key, const char *field, size_t min,
                        size_t max, unsigned char **out, size_t *out_len,
                        struct http_response *resp)
{
    *out = NULL;
    *out_len = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        api_error_status(resp, MENTO_ERR_MISSING, field);
        return false;
    }
    if (!cJSON_IsString(v)) {
        api_error_status(resp, MENTO_ERR_TYPE, field);
        return false;
    }
    char msg[160];
    size_t len = strlen(v->valuestring);
    /* A fixed size (a key, a signature) is invalid, not too long, when wrong. */
    const char *over = min == max ? "invalid" : "too_long";
    if (len > (max + 2) / 3 * 4) {
        snprintf(msg, sizeof msg, "%s is longer than %zu bytes once decoded", field, max);
        http_response_error(resp, 400, over, msg, field);
        return false;
    }
    unsigned char *bin = malloc(len / 4 * 3 + 3);
    size_t n = 0;
    const char *end = NULL;
    if (!bin) {
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
        return false;
    }
    if (len % 4 != 0 ||
        sodium_base642bin(bin, len / 4 * 3 + 3, v->valuestring, len, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != v->valuestring + len) {
        free(bin);
        snprintf(msg, sizeof msg, "%s is not standard base64 (with padding)", field);
        http_response_error(resp, 400, "invalid", msg, field);
        return false;
    }
    if (n > max) {
        free(bin);
        snprintf(msg, sizeof msg, "%s is longer than %zu bytes once decoded", field, max);
        http_response_error(resp, 400, over, msg, field);
        return false;
    }
    if (n < min) {
        free(bin);
        if (min == max)
            snprintf(msg, sizeof msg, "%s must be %zu bytes once decoded", field, min);
        else
            snprintf(msg, sizeof msg, "%s must be at least %zu bytes once decoded", field, min);
        http_response_error(resp, 400, "invalid", msg, field);
        return false;
    }
    *out = bin;
    *out_len = n;
    return true;
}

static void add_base64(cJSON *o, const char *key, const void *bin, size_t len)
{
    size_t blen = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(blen);
    if (!b64)
        return;
    sodium_bin2base64(b64, blen, bin, len, sodium_base64_VARIANT_ORIGINAL);
    cJSON_AddStringToObject(o, key, b64);
    free(b64);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* A 409 with the record as the server holds it now in error.current
 * (consumed; may be NULL). */
static void conflict(struct http_response *resp, const char *code, const char *message,
                     cJSON *current)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(out, "error");
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    if (current)
        cJSON_AddItemToObject(err, "current", current);
    http_response_json(resp, 409, out);
}

static bool exec_ok(sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE;
}

/* ---- Pairings as this area sees them --------------------------------------- */

struct pairing_info {
    int64_t id, mentor, mentee;
    bool active;
    char programme[80];
};

static bool pairing_load(sqlite3 *db, int64_t id, struct pairing_info *p)
{
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT mentor_id, mentee_id, state, programme_id FROM pairings"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        p->id = id;
        p->mentor = sqlite3_column_int64(st, 0);
        p->mentee = sqlite3_column_int64(st, 1);
        const char *state = (const char *)sqlite3_column_text(st, 2);
        p->active = state && strcmp(state, "active") == 0;
        snprintf(p->programme, sizeof p->programme, "%s", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    return found;
}

static bool pairing_has(const struct pairing_info *p, int64_t user)
{
    return p->mentor == user || p->mentee == user;
}

/* The pairing `id` of programme `pid` with the caller in it: 404 not_found
 * when there is no such pairing in the programme, 403 not_in_pairing when
 * the caller is not one of its members. */
static bool pairing_of_caller(struct api_ctx *ctx, const char *pid, int64_t id,
                              struct pairing_info *p, struct http_response *resp)
{
    if (!pairing_load(ctx->db, id, p) || strcmp(p->programme, pid) != 0) {
        http_response_error(resp, 404, "not_found", "There is no such pairing in this programme",
                            NULL);
        return false;
    }
    if (!pairing_has(p, ctx->user_id)) {
        http_response_error(resp, 403, "not_in_pairing", "You are not a member of this pairing",
                            NULL);
        return false;
    }
    return true;
}

/* ---- Note records ------------------------------------------------------------ */

struct note {
    char id[UUID_LEN + 1];
    char programme[80];
    int64_t owner, pairing, version, updated_at;
    bool deleted;
    unsigned char *ct;
    size_t ct_len;
};

#define NOTE_COLUMNS                                                                               \
    "id, programme_id, owner_id, pairing_id, version, deleted, ciphertext, updated_at"

static void note_from_row(sqlite3_stmt *st, struct note *n)
{
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(n->programme, sizeof n->programme, "%s", (const char *)sqlite3_column_text(st, 1));
    n->owner = sqlite3_column_int64(st, 2);
    n->pairing = sqlite3_column_int64(st, 3);
    n->version = sqlite3_column_int64(st, 4);
    n->deleted = sqlite3_column_int(st, 5) != 0;
    int len = sqlite3_column_bytes(st, 6);
    const void *blob = sqlite3_column_blob(st, 6);
    if (blob && len > 0 && (n->ct = malloc((size_t)len))) {
        memcpy(n->ct, blob, (size_t)len);
        n->ct_len = (size_t)len;
    }
    n->updated_at = sqlite3_column_int64(st, 7);
}

static void note_clear(struct note *n)
{
    free(n->ct);
    n->ct = NULL;
}

/* 1 found, 0 absent, -1 database error. */
static int note_load(sqlite3 *db, const char *id, struct note *n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " NOTE_COLUMNS " FROM note_records WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
    if (found == 1)
        note_from_row(st, n);
    sqlite3_finalize(st);
    return found;
}

static cJSON *note_json(const struct note *n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", n->id);
    cJSON_AddStringToObject(o, "programme", n->programme);
    cJSON_AddNumberToObject(o, "owner_id", (double)n->owner);
    if (n->pairing)
        cJSON_AddNumberToObject(o, "pairing_id", (double)n->pairing);
    cJSON_AddNumberToObject(o, "version", (double)n->version);
    cJSON_AddBoolToObject(o, "deleted", n->deleted);
    if (!n->deleted && n->ct)
        add_base64(o, "ciphertext", n->ct, n->ct_len);
    add_time(o, "updated_at", n->updated_at);
    return o;
}

/* May `user` read the record: its author, or a member of the pairing it is
 * shared with. Nobody else, whatever their role. */
static bool note_readable(sqlite3 *db, const struct note *n, int64_t user)
{
    if (n->owner == user)
        return true;
    struct pairing_info p;
    return n->pairing && pairing_load(db, n->pairing, &p) && pairing_has(&p, user);
}

/* The note id of the call (path or op body): 400 bad_request unless a UUID. */
static const char *note_id_arg(struct api_ctx *ctx, const cJSON *in, struct http_response *resp)
{
    const char *id = NULL;
    if (!in || from_rest(ctx, in)) {
        id = ctx->req->n_params > 1 ? ctx->req->params[1] : NULL;
    } else {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "id");
        if (!v || cJSON_IsNull(v)) {
            api_error_status(resp, MENTO_ERR_MISSING, "id");
            return NULL;
        }
        if (!cJSON_IsString(v)) {
            api_error_status(resp, MENTO_ERR_TYPE, "id");
            return NULL;
        }
        id = v->valuestring;
    }
    if (!uuid_valid(id)) {
        http_response_error(resp, 400, "bad_request",
                            "A note id is a lowercase UUID of 36 characters", "id");
        return NULL;
    }
    return id;
}

static void note_not_found(struct http_response *resp)
{
    http_response_error(resp, 404, "not_found", "There is no such note record", NULL);
}

/* A partner's devices must learn that a record is no longer shared with
 * them: remember which pairing lost it, stamped with the change sequence. */
static bool note_mark_unshared(sqlite3 *db, const char *id, int64_t pairing, int64_t seq)
{
    sqlite3_stmt *st = NULL;
    char kind[64];
    snprintf(kind, sizeof kind, UNSHARE_MARK "%s", id);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO time_marks(kind, ref_id, done_at) VALUES (?, ?, ?)"
                           " ON CONFLICT(kind, ref_id) DO UPDATE SET done_at = excluded.done_at",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, pairing);
    sqlite3_bind_int64(st, 3, seq);
    return exec_ok(st);
}

struct list_query {
    int64_t page, per_page, pairing;
    bool include_deleted;
    const char *bad, *why;
};

static bool parse_count(const char *v, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    if (!*v || strlen(v) > 18)
        return false;
    long long n = strtoll(v, &end, 10);
    if (*end || n < min || n > max || v[0] == '+' || v[0] == ' ')
        return false;
    *out = n;
    return true;
}

static bool page_param(struct list_query *q, const char *key, const char *value)
{
    if (strcmp(key, "page") == 0) {
        if (!parse_count(value, 1, 1000000, &q->page)) {
            q->why = "page is a whole number from 1";
            return false;
        }
        return true;
    }
    if (strcmp(key, "per_page") == 0) {
        if (!parse_count(value, 1, 200, &q->per_page)) {
            q->why = "per_page is a whole number from 1 to 200";
            return false;
        }
        return true;
    }
    q->why = "Unknown query parameter";
    return false;
}

static bool notes_param(const char *key, const char *value, void *arg)
{
    struct list_query *q = arg;
    q->bad = key;
    if (strcmp(key, "pairing_id") == 0) {
        if (!parse_count(value, 1, JSON_INT_MAX, &q->pairing)) {
            q->why = "pairing_id is a pairing's id";
            return false;
        }
        return true;
    }
    if (strcmp(key, "deleted") == 0) {
        if (strcmp(value, "include") == 0)
            q->include_deleted = true;
        else if (strcmp(value, "exclude") == 0)
            q->include_deleted = false;
        else {
            q->why = "deleted is include or exclude";
            return false;
        }
        return true;
    }
    return page_param(q, key, value);
}

static void paged_answer(struct http_response *resp, cJSON *items, int64_t total,
                         const struct list_query *q)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "items", items);
    cJSON_AddNumberToObject(out, "page", (double)q->page);
    cJSON_AddNumberToObject(out, "per_page", (double)q->per_page);
    cJSON_AddNumberToObject(out, "total", (double)total);
    cJSON_AddNumberToObject(out, "pages", (double)((total + q->per_page - 1) / q->per_page));
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* Records of `pid` that `user` may read: their own and those shared with a
 * pairing they are a member of. */
#define NOTES_VISIBLE                                                                              \
    " FROM note_records WHERE programme_id = ?1 AND (owner_id = ?2 OR pairing_id IN"               \
    " (SELECT id FROM pairings WHERE mentor_id = ?2 OR mentee_id = ?2))"                           \
    " AND (?3 = 0 OR pairing_id = ?3) AND (?4 OR deleted = 0)"

static void api_notes_list(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    struct list_query q = {.page = 1, .per_page = 50};
    if (!http_query_each(ctx->req, notes_param, &q)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: %.64s", q.why, q.bad);
        http_response_error(resp, 400, "bad_request", msg, q.bad);
        return;
    }
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    struct pairing_info p;
    if (q.pairing && (!pairing_load(ctx->db, q.pairing, &p) || strcmp(p.programme, pid) != 0 ||
                      !pairing_has(&p, ctx->user_id))) {
        http_response_error(resp, 403, "not_in_pairing", "You are not a member of this pairing",
                            "pairing_id");
        return;
    }
    sqlite3_stmt *st = NULL;
    int64_t total = 0;
    if (sqlite3_prepare_v2(ctx->db, "SELECT count(*)" NOTES_VISIBLE, -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, q.pairing);
    sqlite3_bind_int(st, 4, q.include_deleted);
    if (sqlite3_step(st) == SQLITE_ROW)
        total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " NOTE_COLUMNS NOTES_VISIBLE
                           " ORDER BY updated_at, id LIMIT ?5 OFFSET ?6",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, q.pairing);
    sqlite3_bind_int(st, 4, q.include_deleted);
    sqlite3_bind_int64(st, 5, q.per_page);
    sqlite3_bind_int64(st, 6, (q.page - 1) * q.per_page);
    cJSON *items = cJSON_CreateArray();
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct note n;
        note_from_row(st, &n);
        cJSON_AddItemToArray(items, note_json(&n));
        note_clear(&n);
    }
    sqlite3_finalize(st);
    paged_answer(resp, items, total, &q);
    return;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
}

static void api_note_get(struct api_ctx *ctx, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    const char *id = note_id_arg(ctx, NULL, resp);
    if (!id || !api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    struct note n;
    int found = note_load(ctx->db, id, &n);
    if (found < 0) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    if (!found || strcmp(n.programme, pid) != 0 || !note_readable(ctx->db, &n, ctx->user_id))
        note_not_found(resp);
    else
        http_response_json(resp, 200, note_json(&n));
    if (found)
        note_clear(&n);
}

/* The record as loaded, checked for a write by the caller: 404 when it is
 * not visible to them, 403 not_your_note when it is only shared with them. */
static bool note_writable(struct api_ctx *ctx, const char *pid, const struct note *n,
                          struct http_response *resp)
{
    if (strcmp(n->programme, pid) != 0 || !note_readable(ctx->db, n, ctx->user_id)) {
        note_not_found(resp);
        return false;
    }
    if (n->owner != ctx->user_id) {
        http_response_error(resp, 403, "not_your_note", "Only the author of a note can change it",
                            NULL);
        return false;
    }
    return true;
}

/* Sharing with `pairing` (0: private) in a write that changes the record:
 * the caller must be in it, and it must still run unless the record was
 * already shared with it. */
static bool note_share_ok(struct api_ctx *ctx, const char *pid, int64_t pairing, int64_t already,
                          struct http_response *resp)
{
    if (!pairing)
        return true;
    struct pairing_info p;
    if (!pairing_load(ctx->db, pairing, &p) || strcmp(p.programme, pid) != 0 ||
        !pairing_has(&p, ctx->user_id)) {
        http_response_error(resp, 403, "not_in_pairing", "You are not a member of this pairing",
                            "pairing_id");
        return false;
    }
    if (!p.active && pairing != already) {
        http_response_error(resp, 409, "pairing_ended",
                            "This pairing has ended: a note cannot be newly shared with it",
                            "pairing_id");
        return false;
    }
    return true;
}

/* A newer write leaves no older sealed text behind: the stored answers to
 * the caller's earlier writes of note `id` (kept for idempotent retries)
 * lose their ciphertext and keep the rest (id, version), which is all a
 * retry needs. */
static bool forget_older_ciphertexts(struct api_ctx *ctx, const char *id)
{
    return sql_exec(ctx->db,
                    "UPDATE idempotency SET body = json_remove(body, '$.ciphertext',"
                    " '$.error.current.ciphertext') WHERE user_id = ?1 AND json_valid(body)"
                    " AND (json_extract(body, '$.id') = ?2"
                    " OR json_extract(body, '$.error.current.id') = ?2)",
                    "it", ctx->user_id, id) == MENTO_OK;
}

static void api_note_put(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const rest_keys[] = {"base_version", "ciphertext", "pairing_id", NULL};
    static const char *const op_keys[] = {"id", "base_version", "ciphertext", "pairing_id", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, from_rest(ctx, in) ? rest_keys : op_keys, resp))
        return;
    const char *pid = call_programme(ctx, in);
    const char *id = note_id_arg(ctx, in, resp);
    if (!pid || !id || !api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    int64_t base = 0, pairing = 0;
    unsigned char *ct = NULL;
    size_t ct_len = 0;
    if (!json_int(in, "base_version", "base_version", 0, JSON_INT_MAX, true, &base, NULL, resp) ||
        !json_int(in, "pairing_id", "pairing_id", 1, JSON_INT_MAX, false, &pairing, NULL, resp) ||
        !json_base64(in, "ciphertext", "ciphertext", 1, NOTE_CIPHERTEXT_MAX, &ct, &ct_len, resp))
        return;
    struct note n;
    int found = note_load(ctx->db, id, &n);
    int64_t seq = 0;
    sqlite3_stmt *st = NULL;
    if (found < 0)
        goto db_error;
    if (!found) {
        if (base != 0) {
            http_response_error(resp, 404, "not_found",
                                "There is no such note record to update; create it with"
                                " base_version 0",
                                NULL);
            goto out;
        }
        if (!note_share_ok(ctx, pid, pairing, 0, resp))
            goto out;
        seq = db_next_seq(ctx->db);
        if (!seq || sqlite3_prepare_v2(ctx->db,
                                       "INSERT INTO note_records(id, programme_id, owner_id,"
                                       " pairing_id, version, deleted, ciphertext, updated_at,"
                                       " seq) VALUES (?, ?, ?, ?, 1, 0, ?, ?, ?)",
                                       -1, &st, NULL) != SQLITE_OK)
            goto db_error;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, ctx->user_id);
        if (pairing)
            sqlite3_bind_int64(st, 4, pairing);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_blob(st, 5, ct, (int)ct_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, ctx->now);
        sqlite3_bind_int64(st, 7, seq);
        if (!exec_ok(st))
            goto db_error;
        memset(&n, 0, sizeof n);
        snprintf(n.id, sizeof n.id, "%s", id);
        snprintf(n.programme, sizeof n.programme, "%s", pid);
        n.owner = ctx->user_id;
        n.pairing = pairing;
        n.version = 1;
        n.ct = ct;
        n.ct_len = ct_len;
        n.updated_at = ctx->now;
        http_response_json(resp, 201, note_json(&n));
        goto out; /* n.ct is ct, freed below */
    }
    if (!note_writable(ctx, pid, &n, resp))
        goto out_note;
    if (n.deleted) {
        conflict(resp, "note_deleted", "This note was deleted and cannot be written again",
                 note_json(&n));
        goto out_note;
    }
    if (n.version == base + 1 && n.pairing == pairing && n.ct_len == ct_len &&
        memcmp(n.ct, ct, ct_len) == 0) {
        /* A retry of the write that made this version. */
        http_response_json(resp, 200, note_json(&n));
        goto out_note;
    }
    if (n.version != base) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "The note changed on another device (version %lld); yours is based on"
                 " version %lld",
                 (long long)n.version, (long long)base);
        conflict(resp, "version_conflict", msg, note_json(&n));
        goto out_note;
    }
    if (!note_share_ok(ctx, pid, pairing, n.pairing, resp))
        goto out_note;
    seq = db_next_seq(ctx->db);
    if (!seq || sqlite3_prepare_v2(ctx->db,
                                   "UPDATE note_records SET version = version + 1, ciphertext = ?,"
                                   " pairing_id = ?, updated_at = ?, seq = ? WHERE id = ?",
                                   -1, &st, NULL) != SQLITE_OK)
        goto db_error_note;
    sqlite3_bind_blob(st, 1, ct, (int)ct_len, SQLITE_STATIC);
    if (pairing)
        sqlite3_bind_int64(st, 2, pairing);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, ctx->now);
    sqlite3_bind_int64(st, 4, seq);
    sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
    if (!exec_ok(st))
        goto db_error_note;
    if (n.pairing && n.pairing != pairing && !note_mark_unshared(ctx->db, id, n.pairing, seq))
        goto db_error_note;
    if (!forget_older_ciphertexts(ctx, id))
        goto db_error_note;
    free(n.ct);
    n.ct = ct;
    n.ct_len = ct_len;
    ct = NULL;
    n.version++;
    n.pairing = pairing;
    n.updated_at = ctx->now;
    http_response_json(resp, 200, note_json(&n));
    goto out_note;
db_error_note:
    api_error_status(resp, MENTO_ERR_DB, NULL);
out_note:
    note_clear(&n);
    goto out;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
out:
    free(ct);
}

static bool delete_param(const char *key, const char *value, void *arg)
{
    struct list_query *q = arg;
    (void)value;
    q->bad = key;
    q->why = "Unknown query parameter";
    return strcmp(key, "base_version") == 0;
}

static void api_note_delete(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const op_keys[] = {"id", "base_version", NULL};
    const cJSON *in = ctx->input;
    int64_t base = 0;
    const char *pid;
    if (in) {
        /* A sync operation: the id and base version are in its body. */
        if (!api_only_keys(in, op_keys, resp))
            return;
        pid = call_programme(ctx, in);
        if (!json_int(in, "base_version", "base_version", 0, JSON_INT_MAX, true, &base, NULL, resp))
            return;
    } else {
        pid = ctx->req->params[0];
        const char *bv = http_query(ctx->req, "base_version");
        struct list_query q = {0};
        if (!http_query_each(ctx->req, delete_param, &q)) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s: %.64s", q.why, q.bad);
            http_response_error(resp, 400, "bad_request", msg, q.bad);
            return;
        }
        if (!bv || !parse_count(bv, 0, JSON_INT_MAX, &base)) {
            http_response_error(resp, 400, "bad_request",
                                "base_version (a whole number) is required", "base_version");
            return;
        }
    }
    const char *id = note_id_arg(ctx, in, resp);
    if (!pid || !id || !api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    struct note n;
    int found = note_load(ctx->db, id, &n);
    if (found < 0) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    if (!found) {
        note_not_found(resp);
        return;
    }
    if (!note_writable(ctx, pid, &n, resp))
        goto out;
    if (n.deleted && n.version == base + 1) {
        http_response_json(resp, 200, note_json(&n));
        goto out;
    }
    if (n.deleted || n.version != base) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "The note changed on another device (version %lld); your deletion is based on"
                 " version %lld",
                 (long long)n.version, (long long)base);
        conflict(resp, "version_conflict", msg, note_json(&n));
        goto out;
    }
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    /* The ciphertext is erased at once; the tombstone keeps id, pairing and
     * version so that every device learns of the deletion. */
    if (!seq || sqlite3_prepare_v2(ctx->db,
                                   "UPDATE note_records SET version = version + 1, deleted = 1,"
                                   " ciphertext = NULL, updated_at = ?, seq = ? WHERE id = ?",
                                   -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    sqlite3_bind_int64(st, 1, ctx->now);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    if (!exec_ok(st) || !forget_older_ciphertexts(ctx, id)) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    n.version++;
    n.deleted = true;
    n.updated_at = ctx->now;
    http_response_json(resp, 200, note_json(&n));
out:
    note_clear(&n);
}

/* ---- Public keys ----------------------------------------------------------------
 * user_keys holds box_public = X25519 key (32) || key_version (4, big-endian)
 * and sign_public = Ed25519 key (32) || signature of the X25519 key (64). */

struct keys {
    int64_t user, version, updated_at;
    unsigned char x25519[KEY_PUBLIC_LEN], ed25519[KEY_PUBLIC_LEN], sig[KEY_SIGNATURE_LEN];
};

static int keys_load(sqlite3 *db, int64_t user, struct keys *k)
{
    sqlite3_stmt *st = NULL;
    memset(k, 0, sizeof *k);
    if (sqlite3_prepare_v2(db,
                           "SELECT box_public, sign_public, updated_at FROM user_keys"
                           " WHERE user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, user);
    int r = sqlite3_step(st), found = 0;
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEY_PUBLIC_LEN + 4 &&
        sqlite3_column_bytes(st, 1) == KEY_PUBLIC_LEN + KEY_SIGNATURE_LEN) {
        const unsigned char *box = sqlite3_column_blob(st, 0);
        const unsigned char *sign = sqlite3_column_blob(st, 1);
        memcpy(k->x25519, box, KEY_PUBLIC_LEN);
        k->version = (int64_t)box[32] << 24 | (int64_t)box[33] << 16 | (int64_t)box[34] << 8 |
                     (int64_t)box[35];
        memcpy(k->ed25519, sign, KEY_PUBLIC_LEN);
        memcpy(k->sig, sign + KEY_PUBLIC_LEN, KEY_SIGNATURE_LEN);
        k->updated_at = sqlite3_column_int64(st, 2);
        k->user = user;
        found = 1;
    } else if (r != SQLITE_DONE && r != SQLITE_ROW) {
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

static cJSON *keys_json(const struct keys *k)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "user_id", (double)k->user);
    cJSON_AddNumberToObject(o, "key_version", (double)k->version);
    add_base64(o, "x25519_public", k->x25519, KEY_PUBLIC_LEN);
    add_base64(o, "ed25519_public", k->ed25519, KEY_PUBLIC_LEN);
    add_base64(o, "x25519_signature", k->sig, KEY_SIGNATURE_LEN);
    add_time(o, "updated_at", k->updated_at);
    return o;
}

static void api_keys_get(struct api_ctx *ctx, struct http_response *resp)
{
    struct keys k;
    int found = keys_load(ctx->db, ctx->user_id, &k);
    if (found < 0)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    else if (!found)
        http_response_error(resp, 404, "not_found", "You have published no public keys yet", NULL);
    else
        http_response_json(resp, 200, keys_json(&k));
}

/* Tell the other member of each current pairing of `user` that their key
 * changed, so that their client shows it rather than accepting it. */
static mento_status keys_notify_partners(struct api_ctx *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT id, programme_id, CASE WHEN mentor_id = ?1 THEN mentee_id"
                           " ELSE mentor_id END FROM pairings WHERE state = 'active'"
                           " AND (mentor_id = ?1 OR mentee_id = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    mento_status rc = MENTO_OK;
    while (rc == MENTO_OK && sqlite3_step(st) == SQLITE_ROW) {
        char prog[80];
        snprintf(prog, sizeof prog, "%s", (const char *)sqlite3_column_text(st, 1));
        rc = notify_user(ctx, sqlite3_column_int64(st, 2), prog, NOTIFY_PARTNER_KEY_CHANGED,
                         "pairing", sqlite3_column_int64(st, 0),
                         "Your partner's encryption key changed: compare its fingerprint with"
                         " them before you share notes again.");
    }
    sqlite3_finalize(st);
    return rc;
}

static void api_keys_put(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"x25519_public", "ed25519_public", "x25519_signature", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    unsigned char *x = NULL, *e = NULL, *s = NULL;
    size_t xl, el, sl;
    if (!json_base64(in, "x25519_public", "x25519_public", KEY_PUBLIC_LEN, KEY_PUBLIC_LEN, &x, &xl,
                     resp) ||
        !json_base64(in, "ed25519_public", "ed25519_public", KEY_PUBLIC_LEN, KEY_PUBLIC_LEN, &e,
                     &el, resp) ||
        !json_base64(in, "x25519_signature", "x25519_signature", KEY_SIGNATURE_LEN,
                     KEY_SIGNATURE_LEN, &s, &sl, resp))
        goto out;
    struct keys k;
    int found = keys_load(ctx->db, ctx->user_id, &k);
    if (found < 0)
        goto db_error;
    if (found && !memcmp(k.x25519, x, KEY_PUBLIC_LEN) && !memcmp(k.ed25519, e, KEY_PUBLIC_LEN) &&
        !memcmp(k.sig, s, KEY_SIGNATURE_LEN)) {
        http_response_json(resp, 200, keys_json(&k));
        goto out;
    }
    k.user = ctx->user_id;
    k.version = found ? k.version + 1 : 1;
    k.updated_at = ctx->now;
    memcpy(k.x25519, x, KEY_PUBLIC_LEN);
    memcpy(k.ed25519, e, KEY_PUBLIC_LEN);
    memcpy(k.sig, s, KEY_SIGNATURE_LEN);
    unsigned char box[KEY_PUBLIC_LEN + 4], sign[KEY_PUBLIC_LEN + KEY_SIGNATURE_LEN];
    memcpy(box, x, KEY_PUBLIC_LEN);
    box[32] = (unsigned char)(k.version >> 24);
    box[33] = (unsigned char)(k.version >> 16);
    box[34] = (unsigned char)(k.version >> 8);
    box[35] = (unsigned char)k.version;
    memcpy(sign, e, KEY_PUBLIC_LEN);
    memcpy(sign + KEY_PUBLIC_LEN, s, KEY_SIGNATURE_LEN);
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    if (!seq || sqlite3_prepare_v2(ctx->db,
                                   "INSERT INTO user_keys(user_id, box_public, sign_public,"
                                   " updated_at, seq) VALUES (?, ?, ?, ?, ?)"
                                   " ON CONFLICT(user_id) DO UPDATE SET box_public ="
                                   " excluded.box_public, sign_public = excluded.sign_public,"
                                   " updated_at = excluded.updated_at, seq = excluded.seq",
                                   -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_blob(st, 2, box, sizeof box, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sign, sizeof sign, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ctx->now);
    sqlite3_bind_int64(st, 5, seq);
    if (!exec_ok(st) || (found && keys_notify_partners(ctx) != MENTO_OK))
        goto db_error;
    http_response_json(resp, found ? 200 : 201, keys_json(&k));
    goto out;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
out:
    free(x);
    free(e);
    free(s);
}

/* The pairing of the path for the GET routes of pairings/{}/...: checks the
 * membership of the programme and of the pairing. */
static bool path_pairing(struct api_ctx *ctx, struct pairing_info *p, struct http_response *resp)
{
    const char *pid = ctx->req->params[0];
    int64_t id = 0;
    if (!api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return false;
    if (ctx->req->n_params < 2 || !parse_count(ctx->req->params[1], 1, JSON_INT_MAX, &id)) {
        http_response_error(resp, 404, "not_found", "There is no such pairing in this programme",
                            NULL);
        return false;
    }
    return pairing_of_caller(ctx, pid, id, p, resp);
}

static void api_pairing_keys(struct api_ctx *ctx, struct http_response *resp)
{
    struct pairing_info p;
    if (!path_pairing(ctx, &p, resp))
        return;
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int64_t members[2] = {p.mentor, p.mentee};
    for (int i = 0; i < 2; i++) {
        struct keys k;
        int found = keys_load(ctx->db, members[i], &k);
        if (found < 0) {
            cJSON_Delete(out);
            api_error_status(resp, MENTO_ERR_DB, NULL);
            return;
        }
        if (found)
            cJSON_AddItemToArray(items, keys_json(&k));
    }
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* ---- Vault ------------------------------------------------------------------------
 * vaults.blob holds the vault object's "kdf" and "blob" as one JSON text, as
 * the client sent them (re-encoded canonically), so a retry compares equal. */

static cJSON *vault_json(const char *stored, int64_t version, int64_t updated_at)
{
    cJSON *o = cJSON_Parse(stored);
    if (!o)
        o = cJSON_CreateObject();
    cJSON *v = cJSON_CreateNumber((double)version);
    cJSON_AddItemToObject(o, "version", v);
    add_time(o, "updated_at", updated_at);
    return o;
}

/* 1 found (*stored malloc'd), 0 absent, -1 error. */
static int vault_load(sqlite3 *db, int64_t user, char **stored, int64_t *version,
                      int64_t *updated_at)
{
    sqlite3_stmt *st = NULL;
    *stored = NULL;
    if (sqlite3_prepare_v2(db, "SELECT blob, version, updated_at FROM vaults WHERE user_id = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, user);
    int r = sqlite3_step(st), found = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
    if (found == 1) {
        int len = sqlite3_column_bytes(st, 0);
        const void *b = sqlite3_column_blob(st, 0);
        *stored = malloc((size_t)len + 1);
        if (*stored) {
            if (len > 0)
                memcpy(*stored, b, (size_t)len);
            (*stored)[len] = '\0';
        } else {
            found = -1;
        }
        *version = sqlite3_column_int64(st, 1);
        *updated_at = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return found;
}

static void api_vault_get(struct api_ctx *ctx, struct http_response *resp)
{
    char *stored;
    int64_t version, updated;
    int found = vault_load(ctx->db, ctx->user_id, &stored, &version, &updated);
    if (found < 0)
        api_error_status(resp, MENTO_ERR_DB, NULL);
    else if (!found)
        http_response_error(resp, 404, "not_found", "You have stored no vault yet", NULL);
    else
        http_response_json(resp, 200, vault_json(stored, version, updated));
    free(stored);
}

/* The canonical JSON text of the vault's kdf and blob, validated. */
static char *vault_canonical(const cJSON *in, struct http_response *resp)
{
    static const char *const kdf_keys[] = {"algorithm", "opslimit", "memlimit", "salt", NULL};
    const cJSON *kdf = cJSON_GetObjectItemCaseSensitive(in, "kdf");
    if (!kdf || cJSON_IsNull(kdf)) {
        api_error_status(resp, MENTO_ERR_MISSING, "kdf");
        return NULL;
    }
    if (!cJSON_IsObject(kdf)) {
        api_error_status(resp, MENTO_ERR_TYPE, "kdf");
        return NULL;
    }
    const cJSON *k;
    cJSON_ArrayForEach(k, kdf)
    {
        bool known = false;
        for (const char *const *a = kdf_keys; *a; a++)
            known = known || strcmp(*a, k->string) == 0;
        if (!known) {
            char field[100];
            snprintf(field, sizeof field, "kdf.%.60s", k->string);
            api_error_status(resp, MENTO_ERR_UNKNOWN_FIELD, field);
            return NULL;
        }
    }
    const char *alg = api_string(kdf, "algorithm", 32, true, resp);
    if (!alg)
        return NULL;
    if (strcmp(alg, "argon2id13") != 0) {
        http_response_error(resp, 400, "invalid", "kdf.algorithm must be argon2id13",
                            "kdf.algorithm");
        return NULL;
    }
    int64_t ops = 0, mem = 0;
    unsigned char *salt = NULL, *blob = NULL;
    size_t salt_len, blob_len;
    if (!json_int(kdf, "opslimit", "kdf.opslimit", VAULT_OPSLIMIT_MIN, 4294967295LL, true, &ops,
                  NULL, resp) ||
        !json_int(kdf, "memlimit", "kdf.memlimit", VAULT_MEMLIMIT_MIN, 4398046510080LL, true, &mem,
                  NULL, resp) ||
        !json_base64(kdf, "salt", "kdf.salt", 16, 16, &salt, &salt_len, resp) ||
        !json_base64(in, "blob", "blob", 1, VAULT_BLOB_MAX, &blob, &blob_len, resp)) {
        free(salt);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *ko = cJSON_AddObjectToObject(o, "kdf");
    cJSON_AddStringToObject(ko, "algorithm", "argon2id13");
    cJSON_AddNumberToObject(ko, "opslimit", (double)ops);
    cJSON_AddNumberToObject(ko, "memlimit", (double)mem);
    add_base64(ko, "salt", salt, salt_len);
    add_base64(o, "blob", blob, blob_len);
    free(salt);
    free(blob);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        api_error_status(resp, MENTO_ERR_NOMEM, NULL);
    return text;
}

static void api_vault_put(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"base_version", "kdf", "blob", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    int64_t base;
    if (!json_int(in, "base_version", "base_version", 0, JSON_INT_MAX, true, &base, NULL, resp))
        return;
    char *text = vault_canonical(in, resp);
    if (!text)
        return;
    char *stored = NULL;
    int64_t version = 0, updated = 0;
    int found = vault_load(ctx->db, ctx->user_id, &stored, &version, &updated);
    sqlite3_stmt *st = NULL;
    if (found < 0)
        goto db_error;
    if (!found && base != 0) {
        http_response_error(resp, 404, "not_found",
                            "You have stored no vault yet; create it with base_version 0", NULL);
        goto out;
    }
    if (found && version == base + 1 && strcmp(stored, text) == 0) {
        http_response_json(resp, 200, vault_json(stored, version, updated));
        goto out;
    }
    if (found && version != base) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "The vault changed on another device (version %lld); yours is based on"
                 " version %lld",
                 (long long)version, (long long)base);
        conflict(resp, "version_conflict", msg, vault_json(stored, version, updated));
        goto out;
    }
    int64_t seq = db_next_seq(ctx->db);
    if (!seq || sqlite3_prepare_v2(ctx->db,
                                   "INSERT INTO vaults(user_id, blob, version, updated_at, seq)"
                                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
                                   " blob = excluded.blob, version = excluded.version,"
                                   " updated_at = excluded.updated_at, seq = excluded.seq",
                                   -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_blob(st, 2, text, (int)strlen(text), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, base + 1);
    sqlite3_bind_int64(st, 4, ctx->now);
    sqlite3_bind_int64(st, 5, seq);
    if (!exec_ok(st))
        goto db_error;
    /* The answers to earlier vault writes keep no older wrapped root key
     * (a password change leaves the old one nowhere on the server). */
    if (sql_exec(ctx->db,
                 "UPDATE idempotency SET body = json_remove(body, '$.blob',"
                 " '$.error.current.blob') WHERE user_id = ? AND json_valid(body)"
                 " AND path IN ('vault.put', '/v1/me/vault')",
                 "i", ctx->user_id) != MENTO_OK)
        goto db_error;
    http_response_json(resp, found ? 200 : 201, vault_json(text, base + 1, ctx->now));
    goto out;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
out:
    free(text);
    free(stored);
}

/* ---- Pair keys ------------------------------------------------------------------------
 * pair_keys.signature holds the signature (64) || recipient_key_version (4,
 * big-endian). */

#define PAIR_KEY_COLUMNS                                                                           \
    "pairing_id, version, author_id, recipient_id, sealed, signature, created_at"

static cJSON *pair_key_json(sqlite3_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "pairing_id", (double)sqlite3_column_int64(st, 0));
    cJSON_AddNumberToObject(o, "version", (double)sqlite3_column_int64(st, 1));
    cJSON_AddNumberToObject(o, "created_by", (double)sqlite3_column_int64(st, 2));
    cJSON_AddNumberToObject(o, "recipient_id", (double)sqlite3_column_int64(st, 3));
    const unsigned char *sig = sqlite3_column_blob(st, 5);
    int sig_len = sqlite3_column_bytes(st, 5);
    int64_t kv = 0;
    if (sig && sig_len == KEY_SIGNATURE_LEN + 4)
        kv = (int64_t)sig[64] << 24 | (int64_t)sig[65] << 16 | (int64_t)sig[66] << 8 |
             (int64_t)sig[67];
    cJSON_AddNumberToObject(o, "recipient_key_version", (double)kv);
    add_base64(o, "sealed", sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4));
    if (sig && sig_len >= KEY_SIGNATURE_LEN)
        add_base64(o, "signature", sig, KEY_SIGNATURE_LEN);
    add_time(o, "created_at", sqlite3_column_int64(st, 6));
    return o;
}

/* The caller's copy of version `version` of the pairing's key (NULL: none). */
static cJSON *pair_key_copy(sqlite3 *db, int64_t pairing, int64_t user, int64_t version)
{
    sqlite3_stmt *st = NULL;
    cJSON *o = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT " PAIR_KEY_COLUMNS " FROM pair_keys WHERE pairing_id = ?"
                           " AND recipient_id = ? AND version = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, pairing);
    sqlite3_bind_int64(st, 2, user);
    sqlite3_bind_int64(st, 3, version);
    if (sqlite3_step(st) == SQLITE_ROW)
        o = pair_key_json(st);
    sqlite3_finalize(st);
    return o;
}

static void api_pair_keys_list(struct api_ctx *ctx, struct http_response *resp)
{
    struct pairing_info p;
    if (!path_pairing(ctx, &p, resp))
        return;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " PAIR_KEY_COLUMNS " FROM pair_keys WHERE pairing_id = ?"
                           " AND recipient_id = ? ORDER BY version",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_bind_int64(st, 1, p.id);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    while (sqlite3_step(st) == SQLITE_ROW)
        cJSON_AddItemToArray(items, pair_key_json(st));
    sqlite3_finalize(st);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

struct pair_copy {
    int64_t recipient, key_version;
    unsigned char *sealed;
    size_t sealed_len;
    unsigned char sig[KEY_SIGNATURE_LEN + 4];
};

static bool pair_copies_parse(const cJSON *arr, const struct pairing_info *p,
                              struct pair_copy copies[2], struct http_response *resp)
{
    static const char *const keys[] = {"recipient_id", "recipient_key_version", "sealed",
                                       "signature", NULL};
    if (!arr || cJSON_IsNull(arr)) {
        api_error_status(resp, MENTO_ERR_MISSING, "copies");
        return false;
    }
    if (!cJSON_IsArray(arr)) {
        api_error_status(resp, MENTO_ERR_TYPE, "copies");
        return false;
    }
    if (cJSON_GetArraySize(arr) != 2) {
        http_response_error(resp, 400, "invalid",
                            "copies must hold exactly one copy per member of the pairing",
                            "copies");
        return false;
    }
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        if (!cJSON_IsObject(c)) {
            api_error_status(resp, MENTO_ERR_TYPE, "copies");
            return false;
        }
        if (!api_only_keys(c, keys, resp))
            return false;
        unsigned char *sig = NULL;
        size_t sig_len;
        if (!json_int(c, "recipient_id", "copies.recipient_id", 1, JSON_INT_MAX, true,
                      &copies[i].recipient, NULL, resp) ||
            !json_int(c, "recipient_key_version", "copies.recipient_key_version", 1, 4294967295LL,
                      true, &copies[i].key_version, NULL, resp) ||
            !json_base64(c, "sealed", "copies.sealed", PAIR_KEY_SEALED_MIN, PAIR_KEY_SEALED_MAX,
                         &copies[i].sealed, &copies[i].sealed_len, resp) ||
            !json_base64(c, "signature", "copies.signature", KEY_SIGNATURE_LEN, KEY_SIGNATURE_LEN,
                         &sig, &sig_len, resp))
            return false;
        memcpy(copies[i].sig, sig, KEY_SIGNATURE_LEN);
        free(sig);
        int64_t kv = copies[i].key_version;
        copies[i].sig[64] = (unsigned char)(kv >> 24);
        copies[i].sig[65] = (unsigned char)(kv >> 16);
        copies[i].sig[66] = (unsigned char)(kv >> 8);
        copies[i].sig[67] = (unsigned char)kv;
        i++;
    }
    if (copies[0].recipient == copies[1].recipient || !pairing_has(p, copies[0].recipient) ||
        !pairing_has(p, copies[1].recipient)) {
        http_response_error(resp, 400, "invalid",
                            "copies must hold exactly one copy per member of the pairing",
                            "copies.recipient_id");
        return false;
    }
    return true;
}

/* Is the stored copy of `version` for c->recipient byte for byte `c`? */
static bool pair_copy_same(sqlite3 *db, int64_t pairing, int64_t version, const struct pair_copy *c)
{
    sqlite3_stmt *st = NULL;
    bool same = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT sealed, signature FROM pair_keys WHERE pairing_id = ?"
                           " AND recipient_id = ? AND version = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, pairing);
    sqlite3_bind_int64(st, 2, c->recipient);
    sqlite3_bind_int64(st, 3, version);
    if (sqlite3_step(st) == SQLITE_ROW)
        same = (size_t)sqlite3_column_bytes(st, 0) == c->sealed_len &&
               !memcmp(sqlite3_column_blob(st, 0), c->sealed, c->sealed_len) &&
               sqlite3_column_bytes(st, 1) == (int)sizeof c->sig &&
               !memcmp(sqlite3_column_blob(st, 1), c->sig, sizeof c->sig);
    sqlite3_finalize(st);
    return same;
}

static void api_pair_keys_add(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const rest_keys[] = {"version", "copies", NULL};
    static const char *const op_keys[] = {"pairing_id", "version", "copies", NULL};
    const cJSON *in = api_input(ctx, resp);
    bool rest = in && from_rest(ctx, in);
    if (!in || !api_only_keys(in, rest ? rest_keys : op_keys, resp))
        return;
    const char *pid = call_programme(ctx, in);
    if (!pid || !api_membership(ctx, pid, ctx->user_id, NULL, NULL, resp))
        return;
    int64_t pairing_id = 0, version = 0;
    if (rest) {
        if (ctx->req->n_params < 2 ||
            !parse_count(ctx->req->params[1], 1, JSON_INT_MAX, &pairing_id)) {
            http_response_error(resp, 404, "not_found",
                                "There is no such pairing in this programme", NULL);
            return;
        }
    } else if (!json_int(in, "pairing_id", "pairing_id", 1, JSON_INT_MAX, true, &pairing_id, NULL,
                         resp)) {
        return;
    }
    struct pairing_info p;
    if (!pairing_of_caller(ctx, pid, pairing_id, &p, resp))
        return;
    if (!json_int(in, "version", "version", 1, 4294967295LL, true, &version, NULL, resp))
        return;
    struct pair_copy copies[2];
    memset(copies, 0, sizeof copies);
    if (!pair_copies_parse(cJSON_GetObjectItemCaseSensitive(in, "copies"), &p, copies, resp))
        goto out;
    int64_t latest = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT coalesce(max(version), 0) FROM pair_keys"
                           " WHERE pairing_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto db_error;
    sqlite3_bind_int64(st, 1, p.id);
    if (sqlite3_step(st) == SQLITE_ROW)
        latest = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (latest && version == latest && pair_copy_same(ctx->db, p.id, version, &copies[0]) &&
        pair_copy_same(ctx->db, p.id, version, &copies[1])) {
        /* An identical retry of the latest version. */
        http_response_json(resp, 201, pair_key_copy(ctx->db, p.id, ctx->user_id, version));
        goto out;
    }
    if (!p.active) {
        http_response_error(resp, 409, "pairing_ended",
                            "This pairing has ended: it takes no new pair key", NULL);
        goto out;
    }
    if (version != latest + 1) {
        char msg[160];
        snprintf(msg, sizeof msg, "The latest pair key is version %lld; a new one is %lld",
                 (long long)latest, (long long)latest + 1);
        conflict(resp, "version_conflict", msg,
                 latest ? pair_key_copy(ctx->db, p.id, ctx->user_id, latest) : NULL);
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        struct keys k;
        int found = keys_load(ctx->db, copies[i].recipient, &k);
        if (found < 0)
            goto db_error;
        if (!found || k.version != copies[i].key_version) {
            http_response_error(resp, 409, "conflict",
                                found ? "A recipient's key changed: seal the pair key to their"
                                        " current key"
                                      : "A recipient has published no public key yet",
                                "copies.recipient_key_version");
            goto out;
        }
    }
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        goto db_error;
    for (int i = 0; i < 2; i++) {
        if (sqlite3_prepare_v2(ctx->db,
                               "INSERT INTO pair_keys(pairing_id, recipient_id, version,"
                               " author_id, sealed, signature, created_at, seq)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
            goto db_error;
        sqlite3_bind_int64(st, 1, p.id);
        sqlite3_bind_int64(st, 2, copies[i].recipient);
        sqlite3_bind_int64(st, 3, version);
        sqlite3_bind_int64(st, 4, ctx->user_id);
        sqlite3_bind_blob(st, 5, copies[i].sealed, (int)copies[i].sealed_len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, copies[i].sig, sizeof copies[i].sig, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, ctx->now);
        sqlite3_bind_int64(st, 8, seq);
        if (!exec_ok(st))
            goto db_error;
    }
    http_response_json(resp, 201, pair_key_copy(ctx->db, p.id, ctx->user_id, version));
    goto out;
db_error:
    api_error_status(resp, MENTO_ERR_DB, NULL);
out:
    free(copies[0].sealed);
    free(copies[1].sealed);
}

/* ---- Notifications ------------------------------------------------------------------ */

#define NOTIFICATION_COLUMNS "id, programme_id, kind, text, ref_kind, ref_id, created_at, read_at"

static cJSON *notification_json(sqlite3_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        cJSON_AddStringToObject(o, "programme", (const char *)sqlite3_column_text(st, 1));
    cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 2));
    cJSON_AddStringToObject(o, "text", (const char *)sqlite3_column_text(st, 3));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
        cJSON_AddStringToObject(o, "ref_kind", (const char *)sqlite3_column_text(st, 4));
        cJSON_AddNumberToObject(o, "ref_id", (double)sqlite3_column_int64(st, 5));
    }
    add_time(o, "created_at", sqlite3_column_int64(st, 6));
    cJSON_AddBoolToObject(o, "read", sqlite3_column_type(st, 7) != SQLITE_NULL);
    return o;
}

struct notif_query {
    struct list_query q;
    const char *programme;
    int unread; /* -1: any, 1: unread only, 0: read only */
};

static bool notif_param(const char *key, const char *value, void *arg)
{
    struct notif_query *n = arg;
    n->q.bad = key;
    if (strcmp(key, "programme") == 0) {
        if (!*value || strlen(value) > 64) {
            n->q.why = "programme is a programme's id";
            return false;
        }
        n->programme = value;
        return true;
    }
    if (strcmp(key, "unread") == 0) {
        if (strcmp(value, "true") == 0)
            n->unread = 1;
        else if (strcmp(value, "false") == 0)
            n->unread = 0;
        else {
            n->q.why = "unread is true or false";
            return false;
        }
        return true;
    }
    return page_param(&n->q, key, value);
}

#define NOTIFICATIONS_MATCH                                                                        \
    " FROM notifications WHERE user_id = ?1 AND created_at >= ?2"                                  \
    " AND (?3 IS NULL OR programme_id = ?3)"                                                       \
    " AND (?4 < 0 OR (?4 = 1 AND read_at IS NULL) OR (?4 = 0 AND read_at IS NOT NULL))"

static void notif_bind(sqlite3_stmt *st, struct api_ctx *ctx, const struct notif_query *n)
{
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_int64(st, 2, ctx->now - NOTIFY_KEEP_SECONDS);
    if (n->programme)
        sqlite3_bind_text(st, 3, n->programme, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, n->unread);
}

static void api_notifications_list(struct api_ctx *ctx, struct http_response *resp)
{
    struct notif_query n = {.q = {.page = 1, .per_page = 50}, .unread = -1};
    if (!http_query_each(ctx->req, notif_param, &n)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: %.64s", n.q.why, n.q.bad);
        http_response_error(resp, 400, "bad_request", msg, n.q.bad);
        return;
    }
    sqlite3_stmt *st = NULL;
    int64_t total = 0;
    if (sqlite3_prepare_v2(ctx->db, "SELECT count(*)" NOTIFICATIONS_MATCH, -1, &st, NULL) !=
        SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    notif_bind(st, ctx, &n);
    if (sqlite3_step(st) == SQLITE_ROW)
        total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " NOTIFICATION_COLUMNS NOTIFICATIONS_MATCH
                           " ORDER BY id DESC LIMIT ?5 OFFSET ?6",
                           -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    notif_bind(st, ctx, &n);
    sqlite3_bind_int64(st, 5, n.q.per_page);
    sqlite3_bind_int64(st, 6, (n.q.page - 1) * n.q.per_page);
    cJSON *items = cJSON_CreateArray();
    while (sqlite3_step(st) == SQLITE_ROW)
        cJSON_AddItemToArray(items, notification_json(st));
    sqlite3_finalize(st);
    paged_answer(resp, items, total, &n.q);
}

static void api_notifications_read(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"ids", "up_to", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "ids");
    if (cJSON_IsNull(ids))
        ids = NULL;
    int64_t up_to = 0;
    bool has_up_to = false;
    if (!json_int(in, "up_to", "up_to", 1, JSON_INT_MAX, false, &up_to, &has_up_to, resp))
        return;
    if ((ids != NULL) == has_up_to) {
        http_response_error(resp, 400, "invalid", "Send either ids or up_to", NULL);
        return;
    }
    if (ids && !cJSON_IsArray(ids)) {
        api_error_status(resp, MENTO_ERR_TYPE, "ids");
        return;
    }
    int count = ids ? cJSON_GetArraySize(ids) : 0;
    if (ids && count > NOTIFY_IDS_MAX) {
        http_response_error(resp, 400, "too_long", "At most 200 ids per call", "ids");
        return;
    }
    if (ids && count == 0) {
        http_response_error(resp, 400, "invalid", "ids needs at least one id", "ids");
        return;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, ids)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
            fabs(it->valuedouble) > (double)JSON_INT_MAX) {
            api_error_status(resp, MENTO_ERR_TYPE, "ids");
            return;
        }
    }
    int64_t seq = db_next_seq(ctx->db);
    sqlite3_stmt *st = NULL;
    int64_t marked = 0;
    const char *sql = ids ? "UPDATE notifications SET read_at = ?1, seq = ?2 WHERE user_id = ?3"
                            " AND read_at IS NULL AND id = ?4"
                          : "UPDATE notifications SET read_at = ?1, seq = ?2 WHERE user_id = ?3"
                            " AND read_at IS NULL AND id <= ?4";
    if (!seq || sqlite3_prepare_v2(ctx->db, sql, -1, &st, NULL) != SQLITE_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    sqlite3_bind_int64(st, 1, ctx->now);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, ctx->user_id);
    bool ok = true;
    if (ids) {
        cJSON_ArrayForEach(it, ids)
        {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 4, (int64_t)it->valuedouble);
            ok = ok && sqlite3_step(st) == SQLITE_DONE;
            marked += sqlite3_changes(ctx->db);
        }
    } else {
        sqlite3_bind_int64(st, 4, up_to);
        ok = sqlite3_step(st) == SQLITE_DONE;
        marked = sqlite3_changes(ctx->db);
    }
    sqlite3_finalize(st);
    if (!ok) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "marked", (double)marked);
    http_response_json(resp, 200, out);
}

/* Notifications are kept 180 days; their e-mails go with them. */
static mento_status notes_tick(struct api_ctx *ctx)
{
    sqlite3_stmt *st = NULL;
    int64_t before = ctx->now - NOTIFY_KEEP_SECONDS;
    /* Once a day is enough: a mark per day number makes the other ticks of
     * the day cost one insert that changes nothing. */
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT OR IGNORE INTO time_marks(kind, ref_id, done_at)"
                           " VALUES ('notification_prune', ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->now / 86400);
    sqlite3_bind_int64(st, 2, ctx->now);
    if (!exec_ok(st))
        return MENTO_ERR_DB;
    if (sqlite3_changes(ctx->db) == 0)
        return MENTO_OK;
    if (sqlite3_prepare_v2(ctx->db,
                           "DELETE FROM mail_outbox WHERE notification_id IN"
                           " (SELECT id FROM notifications WHERE created_at < ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, before);
    if (!exec_ok(st))
        return MENTO_ERR_DB;
    if (sqlite3_prepare_v2(ctx->db, "DELETE FROM notifications WHERE created_at < ?", -1, &st,
                           NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, before);
    return exec_ok(st) ? MENTO_OK : MENTO_ERR_DB;
}

/* ---- Sync ------------------------------------------------------------------------------ */

static mento_status sync_notes(struct api_ctx *ctx, const char *pid, int64_t since, cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " NOTE_COLUMNS " FROM note_records WHERE programme_id = ?1"
                           " AND seq > ?3 AND (owner_id = ?2 OR pairing_id IN (SELECT id FROM"
                           " pairings WHERE mentor_id = ?2 OR mentee_id = ?2)) ORDER BY seq, id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    cJSON *arr = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct note n;
        note_from_row(st, &n);
        if (!arr)
            arr = cJSON_AddArrayToObject(changes, "notes");
        cJSON_AddItemToArray(arr, note_json(&n));
        note_clear(&n);
    }
    sqlite3_finalize(st);
    if (!since)
        return MENTO_OK;
    /* Records another member withdrew from one of the caller's pairings. */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT n.id FROM time_marks m JOIN note_records n ON n.id ="
                           " substr(m.kind, ?4) WHERE m.kind LIKE '" UNSHARE_MARK "%'"
                           " AND m.done_at > ?3 AND n.programme_id = ?1 AND n.owner_id != ?2"
                           " AND m.ref_id IN (SELECT id FROM pairings WHERE mentor_id = ?2 OR"
                           " mentee_id = ?2) AND (n.pairing_id IS NULL OR n.pairing_id NOT IN"
                           " (SELECT id FROM pairings WHERE mentor_id = ?2 OR mentee_id = ?2))",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int(st, 4, (int)strlen(UNSHARE_MARK) + 1);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!arr)
            arr = cJSON_AddArrayToObject(changes, "notes");
        cJSON *gone = cJSON_CreateObject();
        cJSON_AddStringToObject(gone, "id", (const char *)sqlite3_column_text(st, 0));
        cJSON_AddBoolToObject(gone, "removed", true);
        cJSON_AddItemToArray(arr, gone);
    }
    sqlite3_finalize(st);
    return MENTO_OK;
}

static mento_status sync_keys(struct api_ctx *ctx, const char *pid, int64_t since, cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    /* Public keys: the caller's and their partners' in this programme. */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT user_id FROM user_keys WHERE seq > ?3 AND (user_id = ?2 OR"
                           " user_id IN (SELECT CASE WHEN mentor_id = ?2 THEN mentee_id ELSE"
                           " mentor_id END FROM pairings WHERE programme_id = ?1 AND"
                           " (mentor_id = ?2 OR mentee_id = ?2))) ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    cJSON *arr = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct keys k;
        if (keys_load(ctx->db, sqlite3_column_int64(st, 0), &k) != 1)
            continue;
        if (!arr)
            arr = cJSON_AddArrayToObject(changes, "keys");
        cJSON_AddItemToArray(arr, keys_json(&k));
    }
    sqlite3_finalize(st);
    /* The caller's sealed pair key copies. */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " PAIR_KEY_COLUMNS " FROM pair_keys WHERE recipient_id = ?2"
                           " AND seq > ?3 AND pairing_id IN (SELECT id FROM pairings WHERE"
                           " programme_id = ?1) ORDER BY seq, pairing_id, version",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ctx->user_id);
    sqlite3_bind_int64(st, 3, since);
    arr = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!arr)
            arr = cJSON_AddArrayToObject(changes, "pair_keys");
        cJSON_AddItemToArray(arr, pair_key_json(st));
    }
    sqlite3_finalize(st);
    /* The vault, account-wide. */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT blob, version, updated_at FROM vaults WHERE user_id = ?"
                           " AND seq > ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_int64(st, 2, since);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        cJSON_AddItemToObject(changes, "vault",
                              vault_json(text ? text : "{}", sqlite3_column_int64(st, 1),
                                         sqlite3_column_int64(st, 2)));
    }
    sqlite3_finalize(st);
    return MENTO_OK;
}

static mento_status sync_notifications(struct api_ctx *ctx, const char *pid, int64_t since,
                                       cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    /* This programme's, and those that belong to no programme. */
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE user_id = ?"
                           " AND seq > ? AND (programme_id = ? OR programme_id IS NULL)"
                           " AND created_at >= ? ORDER BY seq, id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->user_id);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_text(st, 3, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ctx->now - NOTIFY_KEEP_SECONDS);
    cJSON *arr = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!arr)
            arr = cJSON_AddArrayToObject(changes, "notifications");
        cJSON_AddItemToArray(arr, notification_json(st));
    }
    sqlite3_finalize(st);
    return MENTO_OK;
}

static mento_status notes_sync_changes(struct api_ctx *ctx, const char *programme, int64_t since,
                                       cJSON *changes)
{
    mento_status st = sync_notes(ctx, programme, since, changes);
    if (st == MENTO_OK)
        st = sync_keys(ctx, programme, since, changes);
    if (st == MENTO_OK)
        st = sync_notifications(ctx, programme, since, changes);
    return st;
}

/* ---- Tables --------------------------------------------------------------------------- */

static const struct api_route notes_routes[] = {
    {"GET", "/v1/programmes/{}/notes", api_notes_list, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/notes/{}", api_note_get, API_ROUTE_AUTH},
    {"PUT", "/v1/programmes/{}/notes/{}", api_note_put, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"DELETE", "/v1/programmes/{}/notes/{}", api_note_delete, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/me/keys", api_keys_get, API_ROUTE_AUTH},
    {"PUT", "/v1/me/keys", api_keys_put, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/me/vault", api_vault_get, API_ROUTE_AUTH},
    {"PUT", "/v1/me/vault", api_vault_put, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/programmes/{}/pairings/{}/keys", api_pairing_keys, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/pairings/{}/pair-keys", api_pair_keys_list, API_ROUTE_AUTH},
    {"POST", "/v1/programmes/{}/pairings/{}/pair-keys", api_pair_keys_add,
     API_ROUTE_AUTH | API_ROUTE_WRITE},
    {"GET", "/v1/me/notifications", api_notifications_list, API_ROUTE_AUTH},
    {"POST", "/v1/me/notifications/read", api_notifications_read, API_ROUTE_AUTH | API_ROUTE_WRITE},
    {NULL, NULL, NULL, 0},
};

static const struct api_op notes_ops[] = {
    {"note.put", api_note_put},
    {"note.delete", api_note_delete},
    {"keys.put", api_keys_put},
    {"vault.put", api_vault_put},
    {"pair_key.add", api_pair_keys_add},
    {"notification.read", api_notifications_read},
    {NULL, NULL},
};

const struct api_module api_module_notes = {
    .name = "notes",
    .routes = notes_routes,
    .ops = notes_ops,
    .sync_changes = notes_sync_changes,
    .tick = notes_tick,
};

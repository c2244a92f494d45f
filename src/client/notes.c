/* notes.c - the notes core: sealed note records in the store, the vault's
 * life on the client (create, unlock on a worker thread, second devices),
 * saving through the outbox, sharing under pair keys, and taking in what
 * sync brings (records, results, keys) without ever losing a text. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "mento/codec.h"
#include "mento/notes.h"
#include "mento/utf8.h"

#define MAC_BYTES 32
/* A record as the server may send it: at most this many bytes decoded. */
#define RECORD_MAX (512 * 1024)
/* The vault object as stored on the server: at most 64 KiB. */
#define VAULT_TEXT_MAX (64 * 1024)
#define PLAIN_VERSION  1

struct pair_key {
    int64_t pairing;
    uint32_t version;
    unsigned char key_id[VAULT_KEY_ID_BYTES];
    unsigned char *key; /* sodium_malloc'd */
    bool confirmed;
    bool lost; /* refused by the server: only to open what it sealed */
};

struct notes {
    struct store *store;
    sqlite3 *db;
    char programme[64];
    int64_t user;

    bool unlocked;
    struct vault_keys keys;
    unsigned char *mac_key; /* sodium_malloc'd; keyed MACs of saved texts */
    struct pair_key *pk;
    size_t n_pk;

    struct note *list; /* decrypted, newest first */
    size_t n_list;
    bool stale;

    /* The worker thread of an unlock, a creation or a password change. */
    bool job_running;
    atomic_bool job_done;
    pthread_t thread;
    enum { JOB_UNLOCK, JOB_CREATE, JOB_CHANGE } job_kind;
    bool job_recovery;
    char *job_secret; /* sodium_malloc'd; change: the current password */
    char *job_new;    /* change: the new password (sodium_malloc'd) */
    cJSON *job_vault; /* unlock, change: the vault object */
    struct vault_kdf job_kdf;
    struct vault_keys job_keys;
    cJSON *job_blob;   /* create, change: the new vault object */
    int64_t job_base;  /* change: the vault's version it started from */
    char *job_recover; /* create: the recovery code (sodium_malloc'd) */
    mento_status job_status;
    char job_why[NOTES_WHY_LEN];
    bool have_recovery;
    void (*wake)(void *arg);
    void *wake_arg;
};

static const unsigned char no_key_id[VAULT_KEY_ID_BYTES];

/* ---- Small helpers ------------------------------------------------------------------ */

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_len, const char *fmt, ...)
{
    if (!why || !why_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static void new_uuid(char out[NOTES_ID_LEN])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, NOTES_ID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

static bool uuid_valid(const char *s)
{
    if (!s || strlen(s) != NOTES_ID_LEN - 1)
        return false;
    for (int i = 0; i < NOTES_ID_LEN - 1; i++) {
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

static char *b64_encode(const unsigned char *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    if (out)
        sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* Standard base64 of at most `max` bytes; NULL when malformed or too long. */
static unsigned char *b64_decode(const char *s, size_t max, size_t *len)
{
    size_t sl = s ? strlen(s) : 0;
    if (!s || sl == 0 || sl % 4 != 0 || sl / 4 * 3 > max + 2)
        return NULL;
    unsigned char *out = malloc(sl / 4 * 3 + 1);
    const char *end = NULL;
    if (out &&
        sodium_base642bin(out, sl / 4 * 3 + 1, s, sl, NULL, len, &end,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        end == s + sl && *len <= max && *len > 0)
        return out;
    free(out);
    return NULL;
}

static bool json_int64(const cJSON *o, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740991.0 ||
        v->valuedouble != (double)(int64_t)v->valuedouble)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static sqlite3_stmt *prep(struct notes *n, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(n->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Step once and finalize. */
static mento_status run(sqlite3_stmt *st)
{
    if (!st)
        return MENTO_ERR_DB;
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE || r == SQLITE_ROW ? MENTO_OK : MENTO_ERR_DB;
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, col);
}

static void bind_id_or_null(sqlite3_stmt *st, int col, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, col, v);
    else
        sqlite3_bind_null(st, col);
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    snprintf(buf, cap, "%s", s ? s : "");
}

/* The note ids of the first column of `st` (finalized here), collected
 * before the caller changes rows; *ids is the caller's to free. */
static mento_status collect_ids(sqlite3_stmt *st, char (**ids)[NOTES_ID_LEN], size_t *count)
{
    mento_status out = MENTO_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char(*grown)[NOTES_ID_LEN] = realloc(*ids, (*count + 1) * sizeof **ids);
        if (!grown) {
            out = MENTO_ERR_NOMEM;
            break;
        }
        *ids = grown;
        copy_col(st, 0, (*ids)[(*count)++], NOTES_ID_LEN);
    }
    if (out == MENTO_OK && rc != SQLITE_DONE)
        out = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return out;
}

/* ---- Notes in memory ------------------------------------------------------------------ */

static void wipe_str(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static void note_clear(struct note *x)
{
    wipe_str(x->title);
    wipe_str(x->body);
    for (size_t i = 0; i < x->n_items; i++)
        wipe_str(x->items[i].text);
    free(x->items);
    sodium_memzero(x, sizeof *x);
}

static void list_clear(struct notes *n)
{
    for (size_t i = 0; i < n->n_list; i++)
        note_clear(&n->list[i]);
    free(n->list);
    n->list = NULL;
    n->n_list = 0;
}

static bool text_ok(const char *s, size_t max)
{
    return s && strlen(s) <= max && utf8_valid(s, strlen(s));
}

static void wipe_json(cJSON *o)
{
    cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (cJSON_IsString(it))
            sodium_memzero(it->valuestring, strlen(it->valuestring));
        else if (cJSON_IsArray(it) || cJSON_IsObject(it))
            wipe_json(it);
    }
}

/* The plaintext of a note: JSON with its text and what it is about. */
static char *plain_text(const struct note_draft *d, int64_t created_at, const char *conflict_of)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *items = o ? cJSON_AddArrayToObject(o, "items") : NULL;
    bool ok = items && cJSON_AddNumberToObject(o, "v", PLAIN_VERSION) &&
              cJSON_AddStringToObject(o, "title", d->title ? d->title : "") &&
              cJSON_AddStringToObject(o, "body", d->body ? d->body : "");
    for (size_t i = 0; ok && i < d->n_items; i++) {
        cJSON *it = cJSON_CreateObject();
        ok = it && cJSON_AddItemToArray(items, it) &&
             cJSON_AddStringToObject(it, "text", d->items[i].text ? d->items[i].text : "") &&
             cJSON_AddBoolToObject(it, "done", d->items[i].done);
    }
    if (ok && d->pairing)
        ok = cJSON_AddNumberToObject(o, "pairing_id", (double)d->pairing) != NULL;
    if (ok && d->session)
        ok = cJSON_AddNumberToObject(o, "session_id", (double)d->session) != NULL;
    if (ok)
        ok = cJSON_AddNumberToObject(o, "created_at", (double)created_at) != NULL;
    if (ok && conflict_of && *conflict_of)
        ok = cJSON_AddStringToObject(o, "conflict_of", conflict_of) != NULL;
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    /* cJSON's copies of the text are freed without wiping: wipe them first. */
    wipe_json(o);
    cJSON_Delete(o);
    return text;
}

/* Parse an opened plaintext into `x` (text fields only). */
static bool plain_parse(const unsigned char *plain, size_t len, struct note *x, char *why,
                        size_t why_len)
{
    cJSON *o = cJSON_ParseWithLength((const char *)plain, len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    const char *title = json_str(o, "title"), *body = json_str(o, "body");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(o, "items");
    bool ok = cJSON_IsObject(o) && cJSON_IsNumber(v) && v->valueint == PLAIN_VERSION &&
              text_ok(title, NOTES_TITLE_MAX) && text_ok(body, NOTES_BODY_MAX) &&
              (!items || (cJSON_IsArray(items) && cJSON_GetArraySize(items) <= NOTES_ITEMS_MAX));
    if (ok) {
        x->title = strdup(title);
        x->body = strdup(body);
        int ni = cJSON_GetArraySize(items);
        x->items = ni ? calloc((size_t)ni, sizeof *x->items) : NULL;
        ok = x->title && x->body && (ni == 0 || x->items);
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            const char *t = json_str(it, "text");
            if (!ok || !text_ok(t, NOTES_ITEM_MAX)) {
                ok = false;
                break;
            }
            x->items[x->n_items].text = strdup(t);
            x->items[x->n_items].done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "done"));
            if (!x->items[x->n_items++].text)
                ok = false;
        }
        int64_t num = 0;
        x->pairing = json_int64(o, "pairing_id", &num) ? num : 0;
        x->session = json_int64(o, "session_id", &num) ? num : 0;
        x->created_at = json_int64(o, "created_at", &num) ? num : 0;
        const char *c = json_str(o, "conflict_of");
        if (c && uuid_valid(c))
            snprintf(x->conflict_of, sizeof x->conflict_of, "%s", c);
    }
    wipe_json(o);
    cJSON_Delete(o);
    if (!ok) {
        note_clear(x);
        say(why, why_len, "the note opened, but its content is not a note this mento reads");
    }
    return ok;
}

/* ---- Keys ------------------------------------------------------------------------------ */

static void pair_key_id(const unsigned char *key, unsigned char *id)
{
    static const unsigned char label[] = "mento pair key id v1";
    crypto_generichash(id, VAULT_KEY_ID_BYTES, label, sizeof label - 1, key, VAULT_KEY_BYTES);
}

static struct pair_key *pk_find_id(struct notes *n, const unsigned char *key_id)
{
    for (size_t i = 0; i < n->n_pk; i++)
        if (sodium_memcmp(n->pk[i].key_id, key_id, VAULT_KEY_ID_BYTES) == 0)
            return &n->pk[i];
    return NULL;
}

/* The newest key of a pairing (NULL: none). */
static struct pair_key *pk_current(struct notes *n, int64_t pairing)
{
    struct pair_key *best = NULL;
    for (size_t i = 0; i < n->n_pk; i++)
        if (n->pk[i].pairing == pairing && !n->pk[i].lost &&
            (!best || n->pk[i].version > best->version))
            best = &n->pk[i];
    return best;
}

static struct pair_key *pk_add(struct notes *n, int64_t pairing, uint32_t version,
                               const unsigned char *key, bool confirmed)
{
    struct pair_key *grown = realloc(n->pk, (n->n_pk + 1) * sizeof *n->pk);
    if (!grown)
        return NULL;
    n->pk = grown;
    struct pair_key *p = &n->pk[n->n_pk];
    p->key = sodium_malloc(VAULT_KEY_BYTES);
    if (!p->key)
        return NULL;
    memcpy(p->key, key, VAULT_KEY_BYTES);
    p->pairing = pairing;
    p->version = version;
    p->confirmed = confirmed;
    p->lost = false;
    pair_key_id(key, p->key_id);
    n->n_pk++;
    return p;
}

static void pk_remove(struct notes *n, struct pair_key *p)
{
    sodium_free(p->key);
    size_t i = (size_t)(p - n->pk);
    memmove(&n->pk[i], &n->pk[i + 1], (n->n_pk - i - 1) * sizeof *n->pk);
    n->n_pk--;
}

static void pk_clear(struct notes *n)
{
    for (size_t i = 0; i < n->n_pk; i++)
        sodium_free(n->pk[i].key);
    free(n->pk);
    n->pk = NULL;
    n->n_pk = 0;
}

static void pair_object_id(char *buf, size_t cap, int64_t pairing, uint32_t version)
{
    snprintf(buf, cap, "pair-key:%lld:%u", (long long)pairing, version);
}

/* A pair key sealed by the root key, as the store keeps it. */
static mento_status pk_wrap(struct notes *n, int64_t pairing, uint32_t version,
                            const unsigned char *key, unsigned char **out, size_t *out_len)
{
    char oid[64];
    pair_object_id(oid, sizeof oid, pairing, version);
    struct vault_binding b = {
        .object_id = oid, .owner = (uint64_t)n->user, .kind = VAULT_KIND_ITEMS_KEY};
    return vault_seal(n->keys.root, no_key_id, &b, key, VAULT_KEY_BYTES, false, NULL, out, out_len);
}

static mento_status pk_load(struct notes *n)
{
    sqlite3_stmt *st =
        prep(n, "SELECT pairing_id, version, wrapped, confirmed FROM note_pair_keys");
    if (!st)
        return MENTO_ERR_DB;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t pairing = sqlite3_column_int64(st, 0);
        uint32_t version = (uint32_t)sqlite3_column_int64(st, 1);
        char oid[64], why[NOTES_WHY_LEN];
        pair_object_id(oid, sizeof oid, pairing, version);
        struct vault_binding b = {
            .object_id = oid, .owner = (uint64_t)n->user, .kind = VAULT_KIND_ITEMS_KEY};
        unsigned char *plain = NULL;
        size_t plain_len = 0;
        if (vault_open(n->keys.root, &b, sqlite3_column_blob(st, 2),
                       (size_t)sqlite3_column_bytes(st, 2), &plain, &plain_len, why,
                       sizeof why) == MENTO_OK &&
            plain_len == VAULT_KEY_BYTES)
            pk_add(n, pairing, version, plain, sqlite3_column_int(st, 3) != 0);
        if (plain) {
            sodium_memzero(plain, plain_len);
            free(plain);
        }
    }
    sqlite3_finalize(st);
    return MENTO_OK;
}

static void note_mac(struct notes *n, const char *plain, int64_t shared_pairing, unsigned char *out)
{
    crypto_generichash_state h;
    unsigned char tail[8];
    for (int i = 0; i < 8; i++)
        tail[i] = (unsigned char)((uint64_t)shared_pairing >> (8 * (7 - i)));
    crypto_generichash_init(&h, n->mac_key, MAC_BYTES, MAC_BYTES);
    crypto_generichash_update(&h, (const unsigned char *)plain, strlen(plain));
    crypto_generichash_update(&h, tail, sizeof tail);
    crypto_generichash_final(&h, out, MAC_BYTES);
}

/* ---- Rows of the notes table ----------------------------------------------------------- */

struct row {
    char id[NOTES_ID_LEN];
    int64_t owner, shared_pairing, base_version, created_at, updated_at;
    unsigned char *record;
    size_t record_len;
    unsigned char mac[MAC_BYTES];
    bool has_mac, dirty, deleted, resend;
    char conflict_of[NOTES_ID_LEN];
    char op_id[STORE_OP_ID_LEN];
    unsigned char sent[32]; /* hash of the record op_id carries (zero: a deletion) */
    char problem[NOTES_WHY_LEN];
};

#define ROW_COLUMNS                                                                                \
    "id, owner_id, shared_pairing, record, mac, base_version, dirty, deleted, conflict_of,"        \
    " op_id, resend, problem, created_at, updated_at, sent"

static void row_free(struct row *r)
{
    free(r->record);
    r->record = NULL;
}

static bool row_read(sqlite3_stmt *st, struct row *r)
{
    memset(r, 0, sizeof *r);
    copy_col(st, 0, r->id, sizeof r->id);
    r->owner = sqlite3_column_int64(st, 1);
    r->shared_pairing = sqlite3_column_int64(st, 2);
    r->record_len = (size_t)sqlite3_column_bytes(st, 3);
    r->record = malloc(r->record_len + 1);
    if (!r->record)
        return false;
    if (r->record_len)
        memcpy(r->record, sqlite3_column_blob(st, 3), r->record_len);
    if (sqlite3_column_bytes(st, 4) == MAC_BYTES) {
        memcpy(r->mac, sqlite3_column_blob(st, 4), MAC_BYTES);
        r->has_mac = true;
    }
    r->base_version = sqlite3_column_int64(st, 5);
    r->dirty = sqlite3_column_int(st, 6) != 0;
    r->deleted = sqlite3_column_int(st, 7) != 0;
    copy_col(st, 8, r->conflict_of, sizeof r->conflict_of);
    copy_col(st, 9, r->op_id, sizeof r->op_id);
    r->resend = sqlite3_column_int(st, 10) != 0;
    copy_col(st, 11, r->problem, sizeof r->problem);
    r->created_at = sqlite3_column_int64(st, 12);
    r->updated_at = sqlite3_column_int64(st, 13);
    if (sqlite3_column_bytes(st, 14) == (int)sizeof r->sent)
        memcpy(r->sent, sqlite3_column_blob(st, 14), sizeof r->sent);
    return true;
}

/* 1 found, 0 absent, -1 error. `by` is "id" or "op_id". */
static int row_load(struct notes *n, const char *by, const char *value, struct row *r)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT " ROW_COLUMNS " FROM notes WHERE %s = ?",
             strcmp(by, "op_id") == 0 ? "op_id" : "id");
    sqlite3_stmt *st = prep(n, sql);
    memset(r, 0, sizeof *r);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), out = 0;
    if (rc == SQLITE_ROW)
        out = row_read(st, r) ? 1 : -1;
    else if (rc != SQLITE_DONE)
        out = -1;
    sqlite3_finalize(st);
    return out;
}

static mento_status row_write(struct notes *n, const struct row *r)
{
    sqlite3_stmt *st = prep(n, "INSERT OR REPLACE INTO notes(id, programme, owner_id,"
                               " shared_pairing, record, mac, base_version, dirty, deleted,"
                               " conflict_of, op_id, resend, problem, created_at, updated_at,"
                               " sent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, n->programme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->owner);
    bind_id_or_null(st, 4, r->shared_pairing);
    sqlite3_bind_blob(st, 5, r->record_len ? r->record : (const void *)"", (int)r->record_len,
                      SQLITE_TRANSIENT);
    if (r->has_mac)
        sqlite3_bind_blob(st, 6, r->mac, MAC_BYTES, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, r->base_version);
    sqlite3_bind_int(st, 8, r->dirty);
    sqlite3_bind_int(st, 9, r->deleted);
    bind_text_or_null(st, 10, r->conflict_of);
    bind_text_or_null(st, 11, r->op_id);
    sqlite3_bind_int(st, 12, r->resend);
    bind_text_or_null(st, 13, r->problem);
    sqlite3_bind_int64(st, 14, r->created_at);
    sqlite3_bind_int64(st, 15, r->updated_at);
    sqlite3_bind_blob(st, 16, r->sent, sizeof r->sent, SQLITE_TRANSIENT);
    return run(st);
}

static mento_status row_delete(struct notes *n, const char *id)
{
    sqlite3_stmt *st = prep(n, "DELETE FROM notes WHERE id = ?");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    return run(st);
}

static mento_status aside_drop(struct notes *n, const char *id)
{
    sqlite3_stmt *st = prep(n, "DELETE FROM note_aside WHERE id = ?");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    return run(st);
}

/* Keep a record that did not open, with the reason; `retry` when a key that
 * may still come (a pair key) is what is missing. */
static mento_status aside_keep(struct notes *n, const char *id, int64_t version, const cJSON *rec,
                               const char *why, bool retry)
{
    char *text = rec ? cJSON_PrintUnformatted(rec) : strdup("{}");
    sqlite3_stmt *st = text ? prep(n, "INSERT OR REPLACE INTO note_aside(id, programme, version,"
                                      " json, why, retry, received_at) VALUES (?,?,?,?,?,?,?)")
                            : NULL;
    if (!st) {
        free(text);
        return text ? MENTO_ERR_DB : MENTO_ERR_NOMEM;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, n->programme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, version);
    sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, why, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, retry);
    sqlite3_bind_int64(st, 7, now_s());
    free(text);
    return run(st);
}

/* ---- Sealing and opening ---------------------------------------------------------------- */

/* Open a record of note `id` owned by `owner` (private) or shared with
 * `shared_pairing`. *missing_key tells a key this device lacks from damage. */
static mento_status record_open(struct notes *n, const char *id, int64_t owner,
                                int64_t shared_pairing, const unsigned char *rec, size_t len,
                                struct note *x, bool *missing_key, char *why, size_t why_len)
{
    memset(x, 0, sizeof *x);
    if (missing_key)
        *missing_key = false;
    unsigned char key_id[VAULT_KEY_ID_BYTES];
    if (vault_record_key_id(rec, len, key_id) != MENTO_OK) {
        say(why, why_len, "not a sealed note record");
        return MENTO_ERR_PARSE;
    }
    const unsigned char *key = NULL;
    struct vault_binding b = {.object_id = id};
    if (shared_pairing) {
        struct pair_key *p = pk_find_id(n, key_id);
        if (p && p->pairing == shared_pairing)
            key = p->key;
        b.owner = (uint64_t)shared_pairing;
        b.pairing = true;
        b.kind = VAULT_KIND_SHARED_NOTE;
    } else {
        if (owner != n->user) {
            say(why, why_len, "a private note of another person: it cannot be yours to read");
            return MENTO_ERR_CRYPTO;
        }
        if (sodium_memcmp(key_id, n->keys.items_id, VAULT_KEY_ID_BYTES) == 0)
            key = n->keys.items;
        b.owner = (uint64_t)owner;
        b.kind = VAULT_KIND_NOTE;
    }
    if (!key) {
        if (missing_key)
            *missing_key = true;
        say(why, why_len,
            shared_pairing ? "sealed with a pairing key this device has not received (yet)"
                           : "sealed with a key this account's vault does not hold");
        return MENTO_ERR_CRYPTO;
    }
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    mento_status st = vault_open(key, &b, rec, len, &plain, &plain_len, why, why_len);
    if (st != MENTO_OK)
        return st;
    bool ok = plain_parse(plain, plain_len, x, why, why_len);
    sodium_memzero(plain, plain_len);
    free(plain);
    if (!ok)
        return MENTO_ERR_PARSE;
    snprintf(x->id, sizeof x->id, "%s", id);
    x->owner = owner;
    x->mine = owner == n->user;
    x->shared = shared_pairing != 0;
    if (shared_pairing && !x->pairing)
        x->pairing = shared_pairing;
    return MENTO_OK;
}

/* Seal `plain` for note `id`: private (items key) or shared with `pairing`. */
static mento_status record_seal(struct notes *n, const char *id, int64_t shared_pairing,
                                const char *plain, unsigned char **out, size_t *out_len)
{
    struct vault_binding b = {.object_id = id};
    const unsigned char *key, *key_id;
    if (shared_pairing) {
        struct pair_key *p = pk_current(n, shared_pairing);
        if (!p)
            return MENTO_ERR_CRYPTO;
        key = p->key;
        key_id = p->key_id;
        b.owner = (uint64_t)shared_pairing;
        b.pairing = true;
        b.kind = VAULT_KIND_SHARED_NOTE;
    } else {
        key = n->keys.items;
        key_id = n->keys.items_id;
        b.owner = (uint64_t)n->user;
        b.kind = VAULT_KIND_NOTE;
    }
    return vault_seal(key, key_id, &b, plain, strlen(plain), true, NULL, out, out_len);
}

/* The plaintext of one of my rows, re-made from its opened record. */
static char *row_plain(struct notes *n, const struct row *r, struct note *x)
{
    char why[NOTES_WHY_LEN];
    if (record_open(n, r->id, r->owner, r->shared_pairing, r->record, r->record_len, x, NULL, why,
                    sizeof why) != MENTO_OK)
        return NULL;
    struct note_draft d = {.pairing = x->pairing,
                           .session = x->session,
                           .title = x->title,
                           .body = x->body,
                           .items = x->items,
                           .n_items = x->n_items};
    return plain_text(&d, x->created_at, x->conflict_of);
}

/* ---- The outbox ------------------------------------------------------------------------- */

static mento_status queue_op(struct notes *n, const char *type, cJSON *body,
                             char op_id[STORE_OP_ID_LEN])
{
    if (!body)
        return MENTO_ERR_NOMEM;
    mento_status st = store_outbox_append(n->store, n->programme, type, body, now_s(), op_id);
    cJSON_Delete(body);
    return st;
}

/* Send the row's current state: a put of its record or, deleted, its
 * tombstone; a deleted note the server never had just goes. The row is
 * written back. */
static mento_status queue_upload(struct notes *n, struct row *r)
{
    r->resend = false;
    r->dirty = true;
    if (r->deleted && r->base_version == 0)
        return row_delete(n, r->id);
    cJSON *b = cJSON_CreateObject();
    if (!b)
        return MENTO_ERR_NOMEM;
    cJSON_AddStringToObject(b, "id", r->id);
    cJSON_AddNumberToObject(b, "base_version", (double)r->base_version);
    mento_status st;
    if (r->deleted) {
        st = queue_op(n, "note.delete", b, r->op_id);
    } else {
        crypto_generichash(r->sent, sizeof r->sent, r->record, r->record_len, NULL, 0);
        char *ct = b64_encode(r->record, r->record_len);
        if (!ct) {
            cJSON_Delete(b);
            return MENTO_ERR_NOMEM;
        }
        cJSON_AddStringToObject(b, "ciphertext", ct);
        free(ct);
        if (r->shared_pairing)
            cJSON_AddNumberToObject(b, "pairing_id", (double)r->shared_pairing);
        else
            cJSON_AddNullToObject(b, "pairing_id");
        st = queue_op(n, "note.put", b, r->op_id);
    }
    return st == MENTO_OK ? row_write(n, r) : st;
}

/* A change to a row: sent now, or after the operation in flight. */
static mento_status row_changed(struct notes *n, struct row *r)
{
    if (r->op_id[0]) {
        r->resend = true;
        r->dirty = true;
        return row_write(n, r);
    }
    return queue_upload(n, r);
}

/* ---- Peers' public keys ------------------------------------------------------------------- */

struct peer {
    int64_t user, key_version;
    unsigned char box[32], sign[32], sig[64];
    unsigned char pinned_box[32], pinned_sign[32];
    bool pinned;
    int64_t verified_at; /* the user compared the pinned key (0: never) */
};

static int peer_load(struct notes *n, int64_t user, struct peer *p)
{
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st = prep(n, "SELECT key_version, box, sign, sig, pinned_box, pinned_sign,"
                               " verified_at FROM note_peers WHERE user_id = ?");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, user);
    int out = 0, rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32 &&
        sqlite3_column_bytes(st, 2) == 32 && sqlite3_column_bytes(st, 3) == 64) {
        p->user = user;
        p->key_version = sqlite3_column_int64(st, 0);
        memcpy(p->box, sqlite3_column_blob(st, 1), 32);
        memcpy(p->sign, sqlite3_column_blob(st, 2), 32);
        memcpy(p->sig, sqlite3_column_blob(st, 3), 64);
        if (sqlite3_column_bytes(st, 4) == 32 && sqlite3_column_bytes(st, 5) == 32) {
            memcpy(p->pinned_box, sqlite3_column_blob(st, 4), 32);
            memcpy(p->pinned_sign, sqlite3_column_blob(st, 5), 32);
            p->pinned = true;
            p->verified_at = sqlite3_column_int64(st, 6);
        }
        out = 1;
    } else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        out = -1;
    }
    sqlite3_finalize(st);
    return out;
}

static bool peer_signed(const struct peer *p)
{
    return crypto_sign_verify_detached(p->sig, p->box, 32, p->sign) == 0;
}

/* A public keys object from sync (or a keys.put answer): kept; the first key
 * of a person that is signed by itself is pinned. */
static mento_status peer_take(struct notes *n, const cJSON *k)
{
    int64_t user = 0, version = 0;
    size_t bl = 0, sl = 0, gl = 0;
    if (!json_int64(k, "user_id", &user) || !json_int64(k, "key_version", &version))
        return MENTO_OK;
    unsigned char *box = b64_decode(json_str(k, "x25519_public"), 32, &bl);
    unsigned char *sign = b64_decode(json_str(k, "ed25519_public"), 32, &sl);
    unsigned char *sig = b64_decode(json_str(k, "x25519_signature"), 64, &gl);
    mento_status st = MENTO_OK;
    if (box && sign && sig && bl == 32 && sl == 32 && gl == 64) {
        struct peer old;
        int found = peer_load(n, user, &old);
        bool self_signed = crypto_sign_verify_detached(sig, box, 32, sign) == 0;
        bool pin = (found == 0 || !old.pinned) && self_signed;
        sqlite3_stmt *q = found < 0 ? NULL
                          : pin ? prep(n, "INSERT OR REPLACE INTO note_peers(user_id, key_version,"
                                          " box, sign, sig, pinned_box, pinned_sign)"
                                          " VALUES (?1,?2,?3,?4,?5,?3,?4)")
                                : prep(n, "INSERT INTO note_peers(user_id, key_version, box, sign,"
                                          " sig) VALUES (?1,?2,?3,?4,?5) ON CONFLICT(user_id) DO"
                                          " UPDATE SET key_version = ?2, box = ?3, sign = ?4,"
                                          " sig = ?5");
        if (q) {
            sqlite3_bind_int64(q, 1, user);
            sqlite3_bind_int64(q, 2, version);
            sqlite3_bind_blob(q, 3, box, 32, SQLITE_TRANSIENT);
            sqlite3_bind_blob(q, 4, sign, 32, SQLITE_TRANSIENT);
            sqlite3_bind_blob(q, 5, sig, 64, SQLITE_TRANSIENT);
        }
        st = run(q);
    }
    free(box);
    free(sign);
    free(sig);
    return st;
}

/* The pairing as the store has it: its partner and whether it still runs. */
static bool pairing_info(struct notes *n, int64_t pairing, int64_t *partner, bool *active)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)pairing);
    cJSON *p = store_get(n->store, n->programme, "pairings", key);
    int64_t who = 0;
    bool ok = p && json_int64(cJSON_GetObjectItemCaseSensitive(p, "partner"), "user_id", &who);
    const char *state = json_str(p, "state");
    if (ok) {
        *partner = who;
        *active = state && strcmp(state, "active") == 0;
    }
    cJSON_Delete(p);
    return ok;
}

static enum notes_partner_state peer_state(const struct peer *p)
{
    if (!peer_signed(p))
        return NOTES_PARTNER_BAD;
    if (p->pinned && sodium_memcmp(p->box, p->pinned_box, 32) == 0 &&
        sodium_memcmp(p->sign, p->pinned_sign, 32) == 0)
        return NOTES_PARTNER_PINNED;
    return NOTES_PARTNER_CHANGED;
}

/* ---- The vault object -------------------------------------------------------------------- */

/* The vault object this device knows (caller deletes); NULL when none. */
static cJSON *vault_object(struct notes *n, int64_t *version, char *op_id, size_t op_cap)
{
    sqlite3_stmt *st = prep(n, "SELECT json, version, op_id FROM note_vault WHERE user_id = ?");
    cJSON *out = NULL;
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, n->user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        if (version)
            *version = sqlite3_column_int64(st, 1);
        if (op_id)
            copy_col(st, 2, op_id, op_cap);
    }
    sqlite3_finalize(st);
    return out;
}

/* The vault as sync sends it ({version, kdf, blob}): kept unless this device
 * has a newer one or its own still on the way. A vault made here that the
 * server never took (another device stored the account's first) is kept too:
 * the notes written here are sealed with its keys, and taking the other one
 * would leave them unopenable. */
static mento_status vault_take(struct notes *n, const cJSON *v)
{
    int64_t version = 0, have = 0;
    char op[STORE_OP_ID_LEN] = "";
    if (!cJSON_IsObject(v) || !json_int64(v, "version", &version))
        return MENTO_OK;
    cJSON *mine = vault_object(n, &have, op, sizeof op);
    if ((mine && version <= have) || op[0]) {
        cJSON_Delete(mine);
        return MENTO_OK;
    }
    size_t len = 0;
    unsigned char *text = b64_decode(json_str(v, "blob"), VAULT_TEXT_MAX, &len);
    cJSON *obj = text ? cJSON_ParseWithLength((const char *)text, len) : NULL;
    /* Never accepted here (have 0): taken only when it is this device's own
     * vault (its answer was lost), known by its wrapped root key. */
    bool other = mine && have == 0 &&
                 !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(mine, "root"),
                                cJSON_GetObjectItemCaseSensitive(obj, "root"), true);
    cJSON_Delete(mine);
    mento_status st = MENTO_OK;
    if (cJSON_IsObject(obj) && !other) {
        sqlite3_stmt *q = prep(n, "INSERT INTO note_vault(user_id, json, version) VALUES (?,?,?)"
                                  " ON CONFLICT(user_id) DO UPDATE SET json = excluded.json,"
                                  " version = excluded.version, problem = NULL");
        if (q) {
            sqlite3_bind_int64(q, 1, n->user);
            sqlite3_bind_text(q, 2, (const char *)text, (int)len, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 3, version);
        }
        st = run(q);
    }
    cJSON_Delete(obj);
    free(text);
    return st;
}

/* ---- Taking in what sync brought ---------------------------------------------------------------
 */

/* A record from the server (or a 409's current one) into the store: it must
 * open first, or it is kept aside with the reason. `force`: take it even
 * over a local change (the caller saved that change elsewhere). */
static mento_status take_record(struct notes *n, const cJSON *rec, bool force)
{
    const char *id = json_str(rec, "id");
    int64_t version = 0, owner = 0, pairing = 0;
    if (!id || !uuid_valid(id))
        return MENTO_OK; /* nothing to file it under: dropped */
    if (!json_int64(rec, "version", &version) || version < 1 ||
        !json_int64(rec, "owner_id", &owner))
        return aside_keep(n, id, 0, rec, "the server sent a record without a version or author",
                          false);
    json_int64(rec, "pairing_id", &pairing);
    bool deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"));
    struct row r;
    int found = row_load(n, "id", id, &r);
    if (found < 0)
        return MENTO_ERR_DB;
    mento_status st = MENTO_OK;
    if (found && !force && (r.op_id[0] || version <= r.base_version))
        goto out; /* our write in flight settles it, or nothing new */
    if (found && !force && r.dirty && r.owner == n->user) {
        /* A local change that is not on its way (refused before): it is not
         * overwritten; its next save meets the newer version as a conflict,
         * and both texts are kept then. */
        goto out;
    }
    if (deleted) {
        if (found) {
            free(r.record);
            r.record = NULL;
            r.record_len = 0;
            r.has_mac = false;
            r.deleted = true;
            r.dirty = r.resend = false;
            r.op_id[0] = '\0';
            r.base_version = version;
            st = row_write(n, &r);
        }
        if (st == MENTO_OK)
            st = aside_drop(n, id);
        goto out;
    }
    size_t ct_len = 0;
    unsigned char *ct = b64_decode(json_str(rec, "ciphertext"), RECORD_MAX, &ct_len);
    if (!ct) {
        st = aside_keep(n, id, version, rec, "the record's ciphertext is missing or not base64",
                        false);
        goto out;
    }
    struct note x;
    char why[NOTES_WHY_LEN];
    bool missing = false;
    if (record_open(n, id, owner, pairing, ct, ct_len, &x, &missing, why, sizeof why) != MENTO_OK) {
        free(ct);
        st = aside_keep(n, id, version, rec, why, missing);
        goto out;
    }
    int64_t updated = 0;
    const char *u = json_str(rec, "updated_at");
    if (!u || codec_time_parse(u, &updated) != MENTO_OK)
        updated = now_s();
    struct row w = {.owner = owner,
                    .shared_pairing = pairing,
                    .base_version = version,
                    .created_at = x.created_at ? x.created_at : updated,
                    .updated_at = updated,
                    .record = ct,
                    .record_len = ct_len};
    snprintf(w.id, sizeof w.id, "%s", id);
    snprintf(w.conflict_of, sizeof w.conflict_of, "%s", x.conflict_of);
    if (owner == n->user) {
        struct note_draft d = {.pairing = x.pairing,
                               .session = x.session,
                               .title = x.title,
                               .body = x.body,
                               .items = x.items,
                               .n_items = x.n_items};
        char *plain = plain_text(&d, x.created_at, x.conflict_of);
        if (plain) {
            note_mac(n, plain, pairing, w.mac);
            w.has_mac = true;
            wipe_str(plain);
        }
    }
    note_clear(&x);
    st = row_write(n, &w);
    free(ct);
    if (st == MENTO_OK)
        st = aside_drop(n, id);
out:
    if (found)
        row_free(&r);
    return st;
}

/* Keep the local text of row `r` as a new note linked to it (conflict_of),
 * sealed as the row was, and queue it. */
static mento_status conflict_copy(struct notes *n, const struct row *r)
{
    struct note y;
    char why[NOTES_WHY_LEN];
    if (record_open(n, r->id, r->owner, r->shared_pairing, r->record, r->record_len, &y, NULL, why,
                    sizeof why) != MENTO_OK)
        return aside_keep(n, r->id, r->base_version, NULL, why, false);
    struct row c = {.owner = n->user, .created_at = y.created_at, .updated_at = now_s()};
    new_uuid(c.id);
    snprintf(c.conflict_of, sizeof c.conflict_of, "%s", r->id);
    int64_t partner = 0;
    bool active = false;
    if (r->shared_pairing && pk_current(n, r->shared_pairing) &&
        pairing_info(n, r->shared_pairing, &partner, &active) && active)
        c.shared_pairing = r->shared_pairing;
    struct note_draft d = {.pairing = y.pairing,
                           .session = y.session,
                           .title = y.title,
                           .body = y.body,
                           .items = y.items,
                           .n_items = y.n_items};
    /* The copy's plaintext names its original. */
    char *text = plain_text(&d, y.created_at, r->id);
    note_clear(&y);
    if (!text)
        return MENTO_ERR_NOMEM;
    mento_status st = record_seal(n, c.id, c.shared_pairing, text, &c.record, &c.record_len);
    if (st == MENTO_OK) {
        note_mac(n, text, c.shared_pairing, c.mac);
        c.has_mac = true;
        st = queue_upload(n, &c);
    }
    wipe_str(text);
    row_free(&c);
    return st;
}

static const cJSON *error_of(const cJSON *body)
{
    return cJSON_GetObjectItemCaseSensitive(body, "error");
}

/* Re-seal one of my rows privately (its pairing ended, or its key was
 * refused) and send it again. */
static mento_status make_private(struct notes *n, struct row *r, const char *problem)
{
    struct note x;
    char *plain = row_plain(n, r, &x);
    note_clear(&x);
    if (!plain)
        return MENTO_OK;
    free(r->record);
    r->record = NULL;
    r->shared_pairing = 0;
    mento_status st = record_seal(n, r->id, 0, plain, &r->record, &r->record_len);
    if (st == MENTO_OK) {
        note_mac(n, plain, 0, r->mac);
        r->has_mac = true;
        snprintf(r->problem, sizeof r->problem, "%s", problem);
        st = row_changed(n, r);
    }
    wipe_str(plain);
    return st;
}

static mento_status note_result(struct notes *n, struct row *r, const cJSON *result, int status)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(result, "body");
    const char *code = json_str(error_of(body), "code");
    const char *msg = json_str(error_of(body), "message");
    r->op_id[0] = '\0';
    if (status >= 200 && status < 300) {
        int64_t v = 0;
        if (json_int64(body, "version", &v))
            r->base_version = v;
        r->problem[0] = '\0';
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "deleted"))) {
            free(r->record);
            r->record = NULL;
            r->record_len = 0;
            r->deleted = true;
            r->dirty = r->resend = false;
            return row_write(n, r);
        }
        if (r->resend)
            return queue_upload(n, r);
        r->dirty = false;
        return row_write(n, r);
    }
    const cJSON *current = cJSON_GetObjectItemCaseSensitive(error_of(body), "current");
    if (status == 409 && code &&
        (strcmp(code, "version_conflict") == 0 || strcmp(code, "note_deleted") == 0) &&
        cJSON_IsObject(current)) {
        bool gone = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(current, "deleted"));
        if (r->deleted) {
            /* Deleted here, changed elsewhere: the other text is kept. */
            if (gone) {
                int64_t v = 0;
                json_int64(current, "version", &v);
                r->base_version = v;
                r->dirty = r->resend = false;
                return row_write(n, r);
            }
            return take_record(n, current, true);
        }
        if (!gone) {
            /* The same text sealed twice is no conflict. */
            size_t ct_len = 0;
            unsigned char *ct = b64_decode(json_str(current, "ciphertext"), RECORD_MAX, &ct_len);
            int64_t owner = 0, pairing = 0, v = 0;
            json_int64(current, "owner_id", &owner);
            json_int64(current, "pairing_id", &pairing);
            json_int64(current, "version", &v);
            bool same = ct && ct_len == r->record_len && !memcmp(ct, r->record, ct_len);
            struct note x;
            char why[NOTES_WHY_LEN];
            if (!same && ct && r->has_mac &&
                record_open(n, r->id, owner, pairing, ct, ct_len, &x, NULL, why, sizeof why) ==
                    MENTO_OK) {
                struct note_draft d = {.pairing = x.pairing,
                                       .session = x.session,
                                       .title = x.title,
                                       .body = x.body,
                                       .items = x.items,
                                       .n_items = x.n_items};
                char *plain = plain_text(&d, x.created_at, x.conflict_of);
                unsigned char mac[MAC_BYTES];
                if (plain) {
                    note_mac(n, plain, pairing, mac);
                    same = sodium_memcmp(mac, r->mac, MAC_BYTES) == 0;
                    wipe_str(plain);
                }
                note_clear(&x);
            }
            free(ct);
            if (same) {
                r->base_version = v;
                r->problem[0] = '\0';
                if (r->resend)
                    return queue_upload(n, r);
                r->dirty = false;
                return row_write(n, r);
            }
        }
        mento_status st = conflict_copy(n, r);
        if (st == MENTO_OK)
            st = take_record(n, current, true);
        return st;
    }
    if (status == 404 && code && strcmp(code, "not_found") == 0) {
        if (r->deleted)
            return row_delete(n, r->id);
        /* The server lost it (or never had it): it goes up again as new. */
        r->base_version = 0;
        return queue_upload(n, r);
    }
    if (code && (strcmp(code, "pairing_ended") == 0 || strcmp(code, "not_in_pairing") == 0) &&
        r->shared_pairing && !r->deleted)
        return make_private(n, r,
                            "the pairing has ended or you are no longer in it: the note was "
                            "kept private");
    /* Refused for another reason: kept here, with the reason, until saved again. */
    r->resend = false;
    snprintf(r->problem, sizeof r->problem, "%s", msg ? msg : "the server refused the note");
    return row_write(n, r);
}

/* My pending pair key `old` lost to `winner` (or to nothing): the notes it
 * sealed are sealed again, with the winner or privately. */
static mento_status pair_key_lost(struct notes *n, int64_t pairing, const unsigned char *old_id,
                                  const char *problem)
{
    sqlite3_stmt *st = prep(n, "SELECT id FROM notes WHERE programme = ? AND owner_id = ?"
                               " AND shared_pairing = ? AND deleted = 0");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, n->user);
    sqlite3_bind_int64(st, 3, pairing);
    char(*ids)[NOTES_ID_LEN] = NULL;
    size_t count = 0;
    mento_status out = collect_ids(st, &ids, &count);
    for (size_t i = 0; out == MENTO_OK && i < count; i++) {
        struct row r;
        if (row_load(n, "id", ids[i], &r) != 1)
            continue;
        unsigned char kid[VAULT_KEY_ID_BYTES];
        if (vault_record_key_id(r.record, r.record_len, kid) == MENTO_OK &&
            sodium_memcmp(kid, old_id, VAULT_KEY_ID_BYTES) == 0) {
            struct note x;
            char *plain = row_plain(n, &r, &x);
            note_clear(&x);
            if (plain) {
                struct pair_key *cur = pk_current(n, pairing);
                bool keep_shared = cur && sodium_memcmp(cur->key_id, old_id, VAULT_KEY_ID_BYTES);
                free(r.record);
                r.record = NULL;
                if (!keep_shared) {
                    r.shared_pairing = 0;
                    snprintf(r.problem, sizeof r.problem, "%s", problem);
                }
                out = record_seal(n, r.id, r.shared_pairing, plain, &r.record, &r.record_len);
                if (out == MENTO_OK) {
                    note_mac(n, plain, r.shared_pairing, r.mac);
                    out = row_changed(n, &r);
                }
                wipe_str(plain);
            }
        }
        row_free(&r);
    }
    free(ids);
    return out;
}

/* A sealed pair key copy addressed to me: opened with the sender's pinned
 * signing key and kept wrapped by the root key. 1 taken or done with, 0 to
 * try again later (the sender's key is not pinned yet). */
static int pair_copy_take(struct notes *n, const cJSON *c, mento_status *st)
{
    int64_t pairing = 0, version = 0, by = 0, to = 0;
    *st = MENTO_OK;
    if (!json_int64(c, "pairing_id", &pairing) || !json_int64(c, "version", &version) ||
        !json_int64(c, "created_by", &by) || !json_int64(c, "recipient_id", &to) || to != n->user ||
        version < 1 || version > UINT32_MAX)
        return 1;
    sqlite3_stmt *q = prep(n, "SELECT op_id, confirmed FROM note_pair_keys WHERE pairing_id = ?"
                              " AND version = ?");
    if (!q) {
        *st = MENTO_ERR_DB;
        return 1;
    }
    sqlite3_bind_int64(q, 1, pairing);
    sqlite3_bind_int64(q, 2, version);
    int rc = sqlite3_step(q);
    bool have = rc == SQLITE_ROW;
    bool in_flight = have && sqlite3_column_type(q, 0) != SQLITE_NULL;
    sqlite3_finalize(q);
    if (have)
        return in_flight ? 0 : 1;
    const unsigned char *sender;
    struct peer p;
    if (by == n->user) {
        sender = n->keys.sign_public;
    } else {
        if (peer_load(n, by, &p) != 1 || !p.pinned)
            return 0;
        sender = p.pinned_sign;
    }
    size_t sl = 0, gl = 0;
    unsigned char *sealed = b64_decode(json_str(c, "sealed"), 1024, &sl);
    unsigned char *sig = b64_decode(json_str(c, "signature"), 64, &gl);
    unsigned char *both = sealed && sig && gl == 64 ? malloc(sl + gl) : NULL;
    unsigned char *key = sodium_malloc(VAULT_KEY_BYTES);
    char why[NOTES_WHY_LEN] = "the pair key copy is malformed";
    int out = 1;
    if (both && key) {
        memcpy(both, sealed, sl);
        memcpy(both + sl, sig, gl);
        if (vault_pair_key_open(&n->keys, pairing, (uint32_t)version, sender, both, sl + gl, key,
                                why, sizeof why) == MENTO_OK) {
            unsigned char *wrapped = NULL;
            size_t wl = 0;
            *st = pk_wrap(n, pairing, (uint32_t)version, key, &wrapped, &wl);
            struct pair_key *pk =
                *st == MENTO_OK ? pk_add(n, pairing, (uint32_t)version, key, true) : NULL;
            if (*st == MENTO_OK && !pk)
                *st = MENTO_ERR_NOMEM;
            if (*st == MENTO_OK) {
                q = prep(n, "INSERT OR REPLACE INTO note_pair_keys(pairing_id, version,"
                            " programme, key_id, wrapped, confirmed) VALUES (?,?,?,?,?,1)");
                if (q) {
                    sqlite3_bind_int64(q, 1, pairing);
                    sqlite3_bind_int64(q, 2, version);
                    sqlite3_bind_text(q, 3, n->programme, -1, SQLITE_TRANSIENT);
                    sqlite3_bind_blob(q, 4, pk->key_id, VAULT_KEY_ID_BYTES, SQLITE_TRANSIENT);
                    sqlite3_bind_blob(q, 5, wrapped, (int)wl, SQLITE_TRANSIENT);
                }
                *st = run(q);
            }
            free(wrapped);
        } else if (by != n->user && p.pinned && peer_state(&p) == NOTES_PARTNER_CHANGED) {
            out = 0; /* signed with a key the user has not accepted yet */
        } else {
            char aid[64];
            snprintf(aid, sizeof aid, "pair-key-%lld-%lld", (long long)pairing, (long long)version);
            *st = aside_keep(n, aid, version, c, why, false);
        }
    }
    free(both);
    free(sealed);
    free(sig);
    sodium_free(key);
    return out;
}

static mento_status pair_key_result(struct notes *n, int64_t pairing, uint32_t version, int status,
                                    const cJSON *result)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(result, "body");
    const char *code = json_str(error_of(body), "code");
    sqlite3_stmt *q;
    if (status >= 200 && status < 300) {
        q = prep(n, "UPDATE note_pair_keys SET confirmed = 1, op_id = NULL WHERE pairing_id = ?"
                    " AND version = ?");
        if (q) {
            sqlite3_bind_int64(q, 1, pairing);
            sqlite3_bind_int64(q, 2, version);
        }
        for (size_t i = 0; i < n->n_pk; i++)
            if (n->pk[i].pairing == pairing && n->pk[i].version == version)
                n->pk[i].confirmed = true;
        return run(q);
    }
    /* Refused: another member's key won this version, or the pairing ended,
     * or a key changed. Mine goes; what it sealed is sealed again. */
    unsigned char old_id[VAULT_KEY_ID_BYTES];
    bool had = false;
    for (size_t i = 0; i < n->n_pk; i++)
        if (n->pk[i].pairing == pairing && n->pk[i].version == version) {
            memcpy(old_id, n->pk[i].key_id, VAULT_KEY_ID_BYTES);
            had = true;
        }
    q = prep(n, "DELETE FROM note_pair_keys WHERE pairing_id = ? AND version = ?");
    if (q) {
        sqlite3_bind_int64(q, 1, pairing);
        sqlite3_bind_int64(q, 2, version);
    }
    mento_status st = run(q);
    if (st != MENTO_OK || !had)
        return st;
    /* The old key stays in memory while what it sealed is sealed again. */
    pk_find_id(n, old_id)->lost = true;
    const cJSON *current = cJSON_GetObjectItemCaseSensitive(error_of(body), "current");
    if (status == 409 && code && strcmp(code, "version_conflict") == 0 && cJSON_IsObject(current))
        pair_copy_take(n, current, &st);
    if (st == MENTO_OK)
        st = pair_key_lost(n, pairing, old_id,
                           code && strcmp(code, "pairing_ended") == 0
                               ? "the pairing has ended: the note was kept private"
                               : "the pairing's key was refused: the note was kept private");
    struct pair_key *old = pk_find_id(n, old_id);
    if (old && old->lost)
        pk_remove(n, old);
    return st;
}

static mento_status result_take(struct notes *n, const cJSON *result)
{
    const char *op = json_str(result, "op_id");
    int64_t status = 0;
    if (!op || !json_int64(result, "status", &status) || status >= 500 || status < 100)
        return MENTO_OK;
    struct row r;
    int found = row_load(n, "op_id", op, &r);
    if (found < 0)
        return MENTO_ERR_DB;
    if (found) {
        mento_status st = note_result(n, &r, result, (int)status);
        row_free(&r);
        return st;
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(result, "body");
    sqlite3_stmt *q = prep(n, "SELECT op_id = ?1, keys_op_id = ?1 FROM note_vault"
                              " WHERE user_id = ?2 AND (op_id = ?1 OR keys_op_id = ?1)");
    if (!q)
        return MENTO_ERR_DB;
    sqlite3_bind_text(q, 1, op, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, n->user);
    int is_vault = 0, is_keys = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        is_vault = sqlite3_column_int(q, 0);
        is_keys = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    mento_status st = MENTO_OK;
    if (is_vault) {
        int64_t v = 0, have = 0;
        bool ok = status < 300 && json_int64(body, "version", &v);
        cJSON_Delete(vault_object(n, &have, NULL, 0));
        /* A password change (not the first upload) that another device's
         * change beat: theirs holds, and this device takes it. */
        const cJSON *current = NULL;
        if (!ok && have > 0 && status == 409)
            current = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(body, "error"), "current");
        if (current) {
            q = prep(n, "UPDATE note_vault SET op_id = NULL WHERE user_id = ?");
            if (q)
                sqlite3_bind_int64(q, 1, n->user);
            st = run(q);
            if (st == MENTO_OK)
                st = vault_take(n, current);
            if (st != MENTO_OK)
                return st;
        }
        q = prep(n, ok ? "UPDATE note_vault SET op_id = NULL, version = ?, problem = NULL"
                         " WHERE user_id = ?"
                       : "UPDATE note_vault SET op_id = NULL, problem = ? WHERE user_id = ?");
        if (q) {
            if (ok)
                sqlite3_bind_int64(q, 1, v);
            else if (have > 0)
                sqlite3_bind_text(q, 1,
                                  "the notes password was changed on another device at the same "
                                  "time, and that change holds: unlock with the password set there",
                                  -1, SQLITE_STATIC);
            else
                sqlite3_bind_text(q, 1,
                                  "another device stored this account's vault first: notes "
                                  "written here stay readable here, and do not open there",
                                  -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, n->user);
        }
        st = run(q);
    }
    if (st == MENTO_OK && is_keys) {
        q = prep(n, "UPDATE note_vault SET keys_op_id = NULL WHERE user_id = ?");
        if (q)
            sqlite3_bind_int64(q, 1, n->user);
        st = run(q);
        if (st == MENTO_OK && status < 300)
            st = peer_take(n, body);
    }
    if (is_vault || is_keys)
        return st;
    q = prep(n, "SELECT pairing_id, version FROM note_pair_keys WHERE op_id = ?");
    if (!q)
        return MENTO_ERR_DB;
    sqlite3_bind_text(q, 1, op, -1, SQLITE_TRANSIENT);
    int64_t pairing = 0, version = 0;
    bool pk = sqlite3_step(q) == SQLITE_ROW;
    if (pk) {
        pairing = sqlite3_column_int64(q, 0);
        version = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return pk ? pair_key_result(n, pairing, (uint32_t)version, (int)status, result) : MENTO_OK;
}

/* After a reset: my records the server did not send go up again as new. */
static mento_status reset_take(struct notes *n, const cJSON *ids)
{
    sqlite3_stmt *st = prep(n, "SELECT id FROM notes WHERE programme = ? AND owner_id = ?"
                               " AND deleted = 0 AND base_version > 0 AND op_id IS NULL");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, n->user);
    char(*todo)[NOTES_ID_LEN] = NULL;
    size_t count = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        bool sent = false;
        const cJSON *it;
        cJSON_ArrayForEach(it, ids)
        {
            if (cJSON_IsString(it) && strcmp(it->valuestring, id) == 0)
                sent = true;
        }
        if (sent)
            continue;
        char(*grown)[NOTES_ID_LEN] = realloc(todo, (count + 1) * sizeof *todo);
        if (!grown)
            break;
        todo = grown;
        snprintf(todo[count++], NOTES_ID_LEN, "%s", id);
    }
    sqlite3_finalize(st);
    mento_status out = MENTO_OK;
    for (size_t i = 0; out == MENTO_OK && i < count; i++) {
        struct row r;
        if (row_load(n, "id", todo[i], &r) == 1) {
            r.base_version = 0;
            out = queue_upload(n, &r);
            row_free(&r);
        }
    }
    free(todo);
    return out;
}

/* Retry records kept aside for a key that may have come since. */
static mento_status aside_retry(struct notes *n)
{
    sqlite3_stmt *st = prep(n, "SELECT json FROM note_aside WHERE programme = ? AND retry = 1");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    cJSON *all = cJSON_CreateArray();
    while (all && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *rec = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        if (rec)
            cJSON_AddItemToArray(all, rec);
    }
    sqlite3_finalize(st);
    mento_status out = all ? MENTO_OK : MENTO_ERR_NOMEM;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, all)
    {
        if (out == MENTO_OK)
            out = take_record(n, rec, false);
    }
    cJSON_Delete(all);
    return out;
}

/* Work through the inbox (unlocked, inside a transaction). */
static mento_status drain(struct notes *n)
{
    /* Locked, only what needs no key is taken: the answers that accepted an
     * operation, so that a change saved behind it (a note shared offline
     * right after it was written) goes up now and not at the next unlock.
     * The rest waits in the inbox. */
    sqlite3_stmt *st = prep(
        n, n->unlocked ? "SELECT seq, kind, json FROM note_inbox WHERE programme = ? ORDER BY seq"
                       : "SELECT seq, kind, json FROM note_inbox WHERE programme = ?"
                         " AND kind = 'result' AND json_extract(json, '$.status') BETWEEN 200"
                         " AND 299 ORDER BY seq");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    struct item {
        int64_t seq;
        char kind[16];
        cJSON *json;
    } *items = NULL;
    size_t count = 0;
    mento_status out = MENTO_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct item *grown = realloc(items, (count + 1) * sizeof *items);
        if (!grown) {
            out = MENTO_ERR_NOMEM;
            break;
        }
        items = grown;
        items[count].seq = sqlite3_column_int64(st, 0);
        copy_col(st, 1, items[count].kind, sizeof items[count].kind);
        items[count].json = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
        count++;
    }
    sqlite3_finalize(st);
    bool new_keys = false;
    for (size_t i = 0; out == MENTO_OK && i < count; i++) {
        bool done = true;
        const cJSON *j = items[i].json;
        if (!j) {
            /* only this build writes the inbox: never happens */
        } else if (strcmp(items[i].kind, "result") == 0) {
            out = result_take(n, j);
        } else if (strcmp(items[i].kind, "pair_key") == 0) {
            size_t before = n->n_pk;
            done = pair_copy_take(n, j, &out) == 1;
            new_keys = new_keys || n->n_pk > before;
        } else if (strcmp(items[i].kind, "record") == 0) {
            const char *id = json_str(j, "id");
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "removed"))) {
                /* No longer shared with me: a partner's note goes; mine never. */
                struct row r;
                int found = id ? row_load(n, "id", id, &r) : 0;
                if (found == 1 && r.owner != n->user)
                    out = row_delete(n, id);
                if (found == 1)
                    row_free(&r);
            } else {
                out = take_record(n, j, false);
            }
        } else if (strcmp(items[i].kind, "reset") == 0) {
            out = reset_take(n, j);
        }
        if (out == MENTO_OK && done) {
            sqlite3_stmt *d = prep(n, "DELETE FROM note_inbox WHERE seq = ?");
            if (d)
                sqlite3_bind_int64(d, 1, items[i].seq);
            out = run(d);
        }
    }
    for (size_t i = 0; i < count; i++)
        cJSON_Delete(items[i].json);
    free(items);
    if (out == MENTO_OK && new_keys)
        out = aside_retry(n);
    n->stale = true;
    return out;
}

static mento_status inbox_add(struct notes *n, const char *kind, const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        return MENTO_ERR_NOMEM;
    sqlite3_stmt *st = prep(n, "INSERT INTO note_inbox(programme, kind, json) VALUES (?,?,?)");
    if (st) {
        sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    }
    free(text);
    return run(st);
}

/* Is `op` one of the operations this module queued? */
static bool our_op(struct notes *n, const char *op)
{
    sqlite3_stmt *st = prep(n, "SELECT 1 FROM notes WHERE op_id = ?1 UNION ALL"
                               " SELECT 1 FROM note_vault WHERE op_id = ?1 OR keys_op_id = ?1"
                               " UNION ALL SELECT 1 FROM note_pair_keys WHERE op_id = ?1");
    bool yes = false;
    if (st) {
        sqlite3_bind_text(st, 1, op, -1, SQLITE_TRANSIENT);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

/* The store's hook: inside the transaction that applies a sync answer. */
static mento_status sync_hook(void *arg, const char *programme, const cJSON *answer, int64_t now,
                              char *err, size_t err_len)
{
    struct notes *n = arg;
    (void)now;
    if (strcmp(programme, n->programme) != 0)
        return MENTO_OK;
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(answer, "changes");
    mento_status st = MENTO_OK;
    const cJSON *e;
    /* Public keys and the vault need no unlocking: taken at once. */
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(changes, "keys"))
    {
        if (st == MENTO_OK)
            st = peer_take(n, e);
    }
    if (st == MENTO_OK)
        st = vault_take(n, cJSON_GetObjectItemCaseSensitive(changes, "vault"));
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(answer, "results"))
    {
        const char *op = json_str(e, "op_id");
        if (st == MENTO_OK && op && our_op(n, op))
            st = inbox_add(n, "result", e);
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(changes, "pair_keys"))
    {
        if (st == MENTO_OK)
            st = inbox_add(n, "pair_key", e);
    }
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(changes, "notes");
    cJSON_ArrayForEach(e, notes)
    {
        if (st == MENTO_OK)
            st = inbox_add(n, "record", e);
    }
    if (st == MENTO_OK && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "reset"))) {
        /* The server's whole set of notes is in this page: what it lacks of
         * mine goes up again. */
        cJSON *ids = cJSON_CreateArray();
        cJSON_ArrayForEach(e, notes)
        {
            const char *id = json_str(e, "id");
            if (ids && id)
                cJSON_AddItemToArray(ids, cJSON_CreateString(id));
        }
        st = ids ? inbox_add(n, "reset", ids) : MENTO_ERR_NOMEM;
        cJSON_Delete(ids);
    }
    if (st == MENTO_OK)
        st = drain(n);
    if (st != MENTO_OK)
        snprintf(err, err_len, "the notes could not take the sync answer: %s",
                 sqlite3_errmsg(n->db));
    return st;
}

/* Records, keys and the vault that came while the notes core was closed:
 * the store keeps the server's copies, taken up here. */
static mento_status take_up_store(struct notes *n)
{
    mento_status st = MENTO_OK;
    cJSON *keys = store_list(n->store, n->programme, "keys");
    const cJSON *e;
    cJSON_ArrayForEach(e, keys)
    {
        if (st == MENTO_OK)
            st = peer_take(n, e);
    }
    cJSON_Delete(keys);
    cJSON *v = store_get(n->store, n->programme, "vault", NULL);
    if (st == MENTO_OK && v)
        st = vault_take(n, v);
    cJSON_Delete(v);
    cJSON *copies = store_list(n->store, n->programme, "pair_keys");
    cJSON_ArrayForEach(e, copies)
    {
        int64_t pairing = 0, version = 0;
        if (st != MENTO_OK || !json_int64(e, "pairing_id", &pairing) ||
            !json_int64(e, "version", &version))
            continue;
        sqlite3_stmt *q = prep(n, "SELECT 1 FROM note_pair_keys WHERE pairing_id = ? AND"
                                  " version = ? UNION ALL SELECT 1 FROM note_inbox WHERE"
                                  " kind = 'pair_key' AND json_extract(json, '$.pairing_id') = ?"
                                  " AND json_extract(json, '$.version') = ?");
        if (!q) {
            st = MENTO_ERR_DB;
            break;
        }
        sqlite3_bind_int64(q, 1, pairing);
        sqlite3_bind_int64(q, 2, version);
        sqlite3_bind_int64(q, 3, pairing);
        sqlite3_bind_int64(q, 4, version);
        bool known = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!known)
            st = inbox_add(n, "pair_key", e);
    }
    cJSON_Delete(copies);
    cJSON *records = store_list(n->store, n->programme, "notes");
    cJSON_ArrayForEach(e, records)
    {
        const char *id = json_str(e, "id");
        int64_t version = 0;
        if (st != MENTO_OK || !id || !json_int64(e, "version", &version))
            continue;
        sqlite3_stmt *q = prep(n, "SELECT 1 FROM notes WHERE id = ?1 AND base_version >= ?2"
                                  " UNION ALL SELECT 1 FROM note_aside WHERE id = ?1 AND"
                                  " version >= ?2 UNION ALL SELECT 1 FROM note_inbox WHERE"
                                  " kind = 'record' AND json_extract(json, '$.id') = ?1");
        if (!q) {
            st = MENTO_ERR_DB;
            break;
        }
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, version);
        bool known = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!known)
            st = inbox_add(n, "record", e);
    }
    cJSON_Delete(records);
    return st;
}

/* Operations whose answer this module never saw (a sync ran without it):
 * sent again, which the server takes as a retry when it already has them. */
static mento_status take_up_lost_answers(struct notes *n)
{
    static const char *const lost =
        " IS NOT NULL AND %s NOT IN (SELECT op_id FROM outbox WHERE state = 'queued')"
        " AND %s NOT IN (SELECT json_extract(json, '$.op_id') FROM note_inbox"
        " WHERE kind = 'result')";
    char sql[600], cond[400];
    snprintf(cond, sizeof cond, lost, "op_id", "op_id");
    snprintf(sql, sizeof sql, "SELECT id FROM notes WHERE programme = ? AND op_id%s", cond);
    sqlite3_stmt *st = prep(n, sql);
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    char(*ids)[NOTES_ID_LEN] = NULL;
    size_t count = 0;
    mento_status out = collect_ids(st, &ids, &count);
    for (size_t i = 0; out == MENTO_OK && i < count; i++) {
        struct row r;
        if (row_load(n, "id", ids[i], &r) != 1)
            continue;
        r.op_id[0] = '\0';
        /* The server's copy, as the store kept it from that sync: when it
         * is the record that went, the write was taken. */
        cJSON *copy = store_get(n->store, n->programme, "notes", r.id);
        size_t len = 0;
        unsigned char *ct = b64_decode(json_str(copy, "ciphertext"), RECORD_MAX, &len);
        unsigned char h[32];
        int64_t v = 0;
        if (ct)
            crypto_generichash(h, sizeof h, ct, len, NULL, 0);
        if (ct && json_int64(copy, "version", &v) && v > r.base_version &&
            sodium_memcmp(h, r.sent, sizeof h) == 0) {
            r.base_version = v;
            if (r.resend) {
                out = queue_upload(n, &r);
            } else {
                r.dirty = false;
                out = row_write(n, &r);
            }
        } else {
            out = queue_upload(n, &r);
        }
        free(ct);
        cJSON_Delete(copy);
        row_free(&r);
    }
    free(ids);
    static const char *const cols[] = {"op_id", "keys_op_id"};
    for (int i = 0; out == MENTO_OK && i < 2; i++) {
        snprintf(cond, sizeof cond, lost, cols[i], cols[i]);
        snprintf(sql, sizeof sql, "UPDATE note_vault SET %s = NULL WHERE %s%s", cols[i], cols[i],
                 cond);
        out = run(prep(n, sql));
    }
    snprintf(cond, sizeof cond, lost, "op_id", "op_id");
    snprintf(sql, sizeof sql, "UPDATE note_pair_keys SET op_id = NULL WHERE op_id%s", cond);
    return out == MENTO_OK ? run(prep(n, sql)) : out;
}

/* ---- Opening and closing ------------------------------------------------------------------ */

mento_status notes_open(struct notes **out, struct store *store, const char *programme,
                        int64_t user, char *err, size_t err_len)
{
    *out = NULL;
    if (sodium_init() < 0) {
        say(err, err_len, "libsodium could not be initialised");
        return MENTO_ERR_CRYPTO;
    }
    if (!programme || !*programme || strlen(programme) >= 64) {
        say(err, err_len, "no programme given");
        return MENTO_ERR_INVALID;
    }
    if (!user) {
        cJSON *p = store_get(store, programme, "profile", NULL);
        int64_t id = 0;
        if (json_int64(p, "user_id", &id))
            user = id;
        cJSON_Delete(p);
    }
    if (user <= 0) {
        say(err, err_len, "the store does not know the account yet: sync once first");
        return MENTO_ERR_INVALID;
    }
    struct notes *n = calloc(1, sizeof *n);
    if (!n) {
        say(err, err_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    n->store = store;
    n->db = store_db(store);
    n->user = user;
    snprintf(n->programme, sizeof n->programme, "%s", programme);
    atomic_init(&n->job_done, false);
    mento_status st = store_begin(store);
    if (st == MENTO_OK) {
        st = take_up_store(n);
        if (st == MENTO_OK)
            st = take_up_lost_answers(n);
        if (st == MENTO_OK)
            st = store_commit(store);
        else
            store_rollback(store);
    }
    if (st != MENTO_OK) {
        say(err, err_len, "the notes could not be read from the store: %s", sqlite3_errmsg(n->db));
        free(n);
        return st;
    }
    store_set_sync_hook(store, sync_hook, n);
    *out = n;
    return MENTO_OK;
}

static void job_join(struct notes *n)
{
    if (!n->job_running)
        return;
    pthread_join(n->thread, NULL);
    n->job_running = false;
    sodium_free(n->job_secret);
    n->job_secret = NULL;
    sodium_free(n->job_new);
    n->job_new = NULL;
    cJSON_Delete(n->job_vault);
    n->job_vault = NULL;
}

void notes_lock(struct notes *n)
{
    if (!n)
        return;
    list_clear(n);
    pk_clear(n);
    sodium_free(n->mac_key);
    n->mac_key = NULL;
    if (n->unlocked)
        vault_keys_free(&n->keys);
    n->unlocked = false;
    if (n->have_recovery && n->job_recover)
        sodium_memzero(n->job_recover, VAULT_RECOVERY_LEN);
    n->have_recovery = false;
}

void notes_close(struct notes **np)
{
    if (!np || !*np)
        return;
    struct notes *n = *np;
    job_join(n);
    cJSON_Delete(n->job_blob);
    if (n->job_keys.root)
        vault_keys_free(&n->job_keys);
    notes_lock(n);
    sodium_free(n->job_recover);
    store_set_sync_hook(n->store, NULL, NULL);
    free(n);
    *np = NULL;
}

/* ---- The vault's life ------------------------------------------------------------------------ */

enum notes_vault_state notes_vault_state(struct notes *n)
{
    if (n->unlocked)
        return NOTES_VAULT_UNLOCKED;
    if (n->job_running)
        return NOTES_VAULT_WORKING;
    cJSON *v = vault_object(n, NULL, NULL, 0);
    bool have = v != NULL;
    cJSON_Delete(v);
    return have ? NOTES_VAULT_LOCKED : NOTES_VAULT_NONE;
}

void notes_set_wakeup(struct notes *n, void (*fn)(void *arg), void *arg)
{
    n->wake = fn;
    n->wake_arg = arg;
}

void notes_harden_process(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void *worker(void *arg)
{
    struct notes *n = arg;
    mento_status st;
    if (n->job_kind == JOB_CREATE) {
        st = vault_create(n->user, n->job_secret, &n->job_kdf, &n->job_keys, &n->job_blob,
                          n->job_recover);
        if (st != MENTO_OK)
            snprintf(n->job_why, sizeof n->job_why, "the vault could not be made: %s",
                     mento_status_message(st));
    } else if (n->job_kind == JOB_CHANGE) {
        /* The current password must open the vault as this device has it;
         * the root key it gives is wrapped again under the new one. */
        st = vault_unlock(n->job_vault, n->user, n->job_secret, false, &n->job_keys, n->job_why,
                          sizeof n->job_why);
        if (st == MENTO_OK) {
            st = vault_change_password(n->job_vault, &n->job_keys, n->job_new, &n->job_kdf);
            if (st != MENTO_OK)
                snprintf(n->job_why, sizeof n->job_why, "the password could not be changed: %s",
                         mento_status_message(st));
        }
        if (n->job_keys.root)
            vault_keys_free(&n->job_keys);
        memset(&n->job_keys, 0, sizeof n->job_keys);
        if (st == MENTO_OK) {
            n->job_blob = n->job_vault;
            n->job_vault = NULL;
        }
        sodium_memzero(n->job_new, strlen(n->job_new));
    } else {
        st = vault_unlock(n->job_vault, n->user, n->job_secret, n->job_recovery, &n->job_keys,
                          n->job_why, sizeof n->job_why);
    }
    sodium_memzero(n->job_secret, strlen(n->job_secret));
    n->job_status = st;
    atomic_store(&n->job_done, true);
    if (n->wake)
        n->wake(n->wake_arg);
    return NULL;
}

static mento_status job_start(struct notes *n, const char *secret, char *why, size_t why_len)
{
    size_t len = strlen(secret);
    n->job_secret = sodium_malloc(len + 1);
    if (!n->job_recover)
        n->job_recover = sodium_malloc(VAULT_RECOVERY_LEN);
    if (!n->job_secret || !n->job_recover) {
        sodium_free(n->job_secret);
        n->job_secret = NULL;
        say(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    memcpy(n->job_secret, secret, len + 1);
    n->job_why[0] = '\0';
    n->job_status = MENTO_OK;
    memset(&n->job_keys, 0, sizeof n->job_keys);
    atomic_store(&n->job_done, false);
    if (pthread_create(&n->thread, NULL, worker, n) != 0) {
        sodium_free(n->job_secret);
        n->job_secret = NULL;
        say(why, why_len, "the key derivation could not start: %s", strerror(errno));
        return MENTO_ERR_IO;
    }
    n->job_running = true;
    return MENTO_OK;
}

mento_status notes_vault_create_start(struct notes *n, const char *password,
                                      const struct vault_kdf *kdf, char *why, size_t why_len)
{
    if (n->unlocked || n->job_running || notes_vault_state(n) != NOTES_VAULT_NONE) {
        say(why, why_len, "this account already has a vault: unlock it instead");
        return MENTO_ERR_INVALID;
    }
    if (store_last_sync(n->store, n->programme) == 0) {
        say(why, why_len,
            "sync once before making the vault, so that one made on another device is used");
        return MENTO_ERR_INVALID;
    }
    if (!password || strlen(password) < 10) {
        say(why, why_len, "the notes password needs at least 10 characters");
        return MENTO_ERR_INVALID;
    }
    if (kdf) {
        n->job_kdf = *kdf;
    } else {
        n->job_kdf.opslimit = VAULT_OPS_DEFAULT;
        n->job_kdf.memlimit = VAULT_MEM_DEFAULT;
        randombytes_buf(n->job_kdf.salt, sizeof n->job_kdf.salt);
    }
    if (vault_kdf_check(&n->job_kdf, why, why_len) != MENTO_OK)
        return MENTO_ERR_INVALID;
    n->job_kind = JOB_CREATE;
    return job_start(n, password, why, why_len);
}

mento_status notes_unlock_start(struct notes *n, const char *secret, bool recovery, char *why,
                                size_t why_len)
{
    if (n->unlocked) {
        say(why, why_len, "the notes are already unlocked");
        return MENTO_OK;
    }
    if (n->job_running) {
        say(why, why_len, "the notes are being unlocked");
        return MENTO_ERR_INVALID;
    }
    n->job_vault = vault_object(n, NULL, NULL, 0);
    if (!n->job_vault) {
        say(why, why_len,
            "there is no vault yet: make one, or sync so that the one of your other device "
            "comes");
        return MENTO_ERR_NOT_FOUND;
    }
    if (!secret) {
        cJSON_Delete(n->job_vault);
        n->job_vault = NULL;
        say(why, why_len, "no password given");
        return MENTO_ERR_INVALID;
    }
    n->job_kind = JOB_UNLOCK;
    n->job_recovery = recovery;
    mento_status st = job_start(n, secret, why, why_len);
    if (st != MENTO_OK) {
        cJSON_Delete(n->job_vault);
        n->job_vault = NULL;
    }
    return st;
}

/* The vault and the public keys of a new vault go up. */
/* Queue vault.put of the vault object `blob` (printed as `text`) based on
 * the server's version `base` (0: the first upload). */
static mento_status queue_vault_put(struct notes *n, const cJSON *blob, const char *text,
                                    int64_t base, char op[STORE_OP_ID_LEN])
{
    char *b64 = text ? b64_encode((const unsigned char *)text, strlen(text)) : NULL;
    cJSON *put = cJSON_CreateObject();
    cJSON *kdf = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(blob, "kdf"), true);
    if (!b64 || !put || !kdf) {
        free(b64);
        cJSON_Delete(put);
        cJSON_Delete(kdf);
        return MENTO_ERR_NOMEM;
    }
    cJSON_AddNumberToObject(put, "base_version", (double)base);
    cJSON_AddItemToObject(put, "kdf", kdf);
    cJSON_AddStringToObject(put, "blob", b64);
    free(b64);
    return queue_op(n, "vault.put", put, op);
}

static mento_status created(struct notes *n, cJSON *blob)
{
    char *text = cJSON_PrintUnformatted(blob);
    char vault_op[STORE_OP_ID_LEN], keys_op[STORE_OP_ID_LEN];
    mento_status st = queue_vault_put(n, blob, text, 0, vault_op);
    unsigned char sig[64];
    crypto_sign_detached(sig, NULL, n->keys.box_public, 32, n->keys.sign_secret);
    char *bx = b64_encode(n->keys.box_public, 32), *sg = b64_encode(n->keys.sign_public, 32),
         *sy = b64_encode(sig, 64);
    cJSON *keys = cJSON_CreateObject();
    if (st == MENTO_OK && bx && sg && sy && keys) {
        cJSON_AddStringToObject(keys, "x25519_public", bx);
        cJSON_AddStringToObject(keys, "ed25519_public", sg);
        cJSON_AddStringToObject(keys, "x25519_signature", sy);
        st = queue_op(n, "keys.put", keys, keys_op);
        keys = NULL;
    } else if (st == MENTO_OK) {
        st = MENTO_ERR_NOMEM;
    }
    if (st == MENTO_OK) {
        sqlite3_stmt *q = prep(n, "INSERT OR REPLACE INTO note_vault(user_id, json, version, op_id,"
                                  " keys_op_id) VALUES (?,?,0,?,?)");
        if (q) {
            sqlite3_bind_int64(q, 1, n->user);
            sqlite3_bind_text(q, 2, text, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 3, vault_op, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 4, keys_op, -1, SQLITE_TRANSIENT);
        }
        st = run(q);
    }
    cJSON_Delete(keys);
    free(bx);
    free(sg);
    free(sy);
    free(text);
    return st;
}

static mento_status reload(struct notes *n);

/* The vault object re-wrapped under the new password replaces this
 * device's and goes up, based on the version the change started from. */
static mento_status password_changed(struct notes *n, char *why, size_t why_len)
{
    cJSON *blob = n->job_blob;
    n->job_blob = NULL;
    int64_t version = 0;
    char op[STORE_OP_ID_LEN] = "";
    cJSON *mine = vault_object(n, &version, op, sizeof op);
    bool same = mine && !op[0] && version == n->job_base;
    cJSON_Delete(mine);
    if (!same) {
        cJSON_Delete(blob);
        say(why, why_len,
            "the vault changed meanwhile (a sync brought another device's): the password was not "
            "changed; try again");
        return MENTO_ERR_INVALID;
    }
    char *text = cJSON_PrintUnformatted(blob);
    mento_status st = text ? store_begin(n->store) : MENTO_ERR_NOMEM;
    if (st == MENTO_OK) {
        st = queue_vault_put(n, blob, text, version, op);
        sqlite3_stmt *q = st == MENTO_OK ? prep(n, "UPDATE note_vault SET json = ?, op_id = ?,"
                                                   " problem = NULL WHERE user_id = ?")
                                         : NULL;
        if (q) {
            sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 2, op, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 3, n->user);
        }
        if (st == MENTO_OK)
            st = run(q);
        if (st == MENTO_OK)
            st = store_commit(n->store);
        else
            store_rollback(n->store);
        if (st != MENTO_OK)
            say(why, why_len, "the new password could not be kept: %s", sqlite3_errmsg(n->db));
    } else {
        say(why, why_len, "out of memory");
    }
    cJSON_Delete(blob);
    if (text)
        sodium_memzero(text, strlen(text));
    free(text);
    return st;
}

mento_status notes_password_change_start(struct notes *n, const char *current,
                                         const char *new_password, const struct vault_kdf *kdf,
                                         char *why, size_t why_len)
{
    if (!n->unlocked) {
        say(why, why_len, "unlock the notes first");
        return MENTO_ERR_INVALID;
    }
    if (n->job_running) {
        say(why, why_len, "a key is being derived: a moment");
        return MENTO_ERR_INVALID;
    }
    if (!current || !new_password) {
        say(why, why_len, "no password given");
        return MENTO_ERR_INVALID;
    }
    size_t len = strlen(new_password);
    if (len < 10) {
        say(why, why_len, "the new notes password needs at least 10 characters");
        return MENTO_ERR_INVALID;
    }
    if (len == strlen(current) && sodium_memcmp(current, new_password, len) == 0) {
        say(why, why_len, "the new password is the current one");
        return MENTO_ERR_INVALID;
    }
    char op[STORE_OP_ID_LEN] = "";
    int64_t version = 0;
    cJSON *vault = vault_object(n, &version, op, sizeof op);
    if (!vault || op[0] || version < 1) {
        cJSON_Delete(vault);
        say(why, why_len,
            "the vault has not reached the server yet: sync, then change the password");
        return MENTO_ERR_INVALID;
    }
    if (kdf) {
        n->job_kdf = *kdf;
    } else { /* the defaults, and a new salt */
        n->job_kdf.opslimit = VAULT_OPS_DEFAULT;
        n->job_kdf.memlimit = VAULT_MEM_DEFAULT;
        randombytes_buf(n->job_kdf.salt, sizeof n->job_kdf.salt);
    }
    if (vault_kdf_check(&n->job_kdf, why, why_len) != MENTO_OK) {
        cJSON_Delete(vault);
        return MENTO_ERR_INVALID;
    }
    n->job_new = sodium_malloc(len + 1);
    if (!n->job_new) {
        cJSON_Delete(vault);
        say(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    memcpy(n->job_new, new_password, len + 1);
    n->job_kind = JOB_CHANGE;
    n->job_vault = vault;
    n->job_base = version;
    mento_status st = job_start(n, current, why, why_len);
    if (st != MENTO_OK) {
        sodium_free(n->job_new);
        n->job_new = NULL;
        cJSON_Delete(n->job_vault);
        n->job_vault = NULL;
    }
    return st;
}

bool notes_vault_problem(struct notes *n, char *out, size_t cap)
{
    sqlite3_stmt *st = prep(n, "SELECT problem FROM note_vault WHERE user_id = ?"
                               " AND problem IS NOT NULL");
    bool found = false;
    if (st) {
        sqlite3_bind_int64(st, 1, n->user);
        if (sqlite3_step(st) == SQLITE_ROW) {
            copy_col(st, 0, out, cap);
            found = true;
        }
        sqlite3_finalize(st);
    }
    return found;
}

bool notes_password_changing(struct notes *n)
{
    return n->job_running && n->job_kind == JOB_CHANGE;
}

mento_status notes_unlock_poll(struct notes *n, bool *done, char *why, size_t why_len)
{
    *done = false;
    if (!n->job_running) {
        if (n->unlocked) {
            *done = true;
            return MENTO_OK;
        }
        say(why, why_len, "nothing is being unlocked");
        return MENTO_ERR_INVALID;
    }
    if (!atomic_load(&n->job_done))
        return MENTO_OK;
    *done = true;
    int kind = n->job_kind;
    bool create = kind == JOB_CREATE;
    job_join(n);
    mento_status st = n->job_status;
    if (st != MENTO_OK) {
        say(why, why_len, "%s", n->job_why[0] ? n->job_why : mento_status_message(st));
        return st;
    }
    if (kind == JOB_CHANGE)
        return password_changed(n, why, why_len);
    notes_harden_process();
    n->keys = n->job_keys;
    memset(&n->job_keys, 0, sizeof n->job_keys);
    n->unlocked = true;
    n->mac_key = sodium_malloc(MAC_BYTES);
    if (!n->mac_key) {
        notes_lock(n);
        say(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    crypto_kdf_derive_from_key(n->mac_key, MAC_BYTES, 1, "mentomac", n->keys.items);
    st = store_begin(n->store);
    if (st == MENTO_OK && create) {
        st = created(n, n->job_blob);
        n->have_recovery = st == MENTO_OK;
    }
    if (st == MENTO_OK && !create) {
        /* Unlocked with a vault the server holds: a refusal told before (a
         * password change another device's beat) is done with. */
        sqlite3_stmt *q = prep(n, "UPDATE note_vault SET problem = NULL WHERE user_id = ?"
                                  " AND version > 0 AND op_id IS NULL");
        if (q)
            sqlite3_bind_int64(q, 1, n->user);
        st = run(q);
    }
    if (st == MENTO_OK)
        st = pk_load(n);
    if (st == MENTO_OK)
        st = drain(n);
    if (st == MENTO_OK)
        st = store_commit(n->store);
    else
        store_rollback(n->store);
    cJSON_Delete(n->job_blob);
    n->job_blob = NULL;
    if (st == MENTO_OK)
        st = reload(n);
    if (st != MENTO_OK) {
        say(why, why_len, "the notes could not be opened: %s", sqlite3_errmsg(n->db));
        notes_lock(n);
    }
    return st;
}

mento_status notes_unlock_wait(struct notes *n, char *why, size_t why_len)
{
    bool done = false;
    mento_status st;
    while ((st = notes_unlock_poll(n, &done, why, why_len)) == MENTO_OK && !done) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return st;
}

bool notes_recovery_code(struct notes *n, char *out)
{
    if (!n->have_recovery || !n->job_recover)
        return false;
    memcpy(out, n->job_recover, VAULT_RECOVERY_LEN);
    sodium_memzero(n->job_recover, VAULT_RECOVERY_LEN);
    n->have_recovery = false;
    return true;
}

/* ---- Reading -------------------------------------------------------------------------------- */

static int by_update(const void *a, const void *b)
{
    const struct note *x = a, *y = b;
    if (x->updated_at != y->updated_at)
        return x->updated_at < y->updated_at ? 1 : -1;
    return strcmp(x->id, y->id);
}

static mento_status reload(struct notes *n)
{
    list_clear(n);
    n->stale = false;
    if (!n->unlocked)
        return MENTO_OK;
    sqlite3_stmt *st = prep(n, "SELECT " ROW_COLUMNS " FROM notes WHERE programme = ?"
                               " AND deleted = 0");
    if (!st)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    mento_status out = MENTO_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct row r;
        if (!row_read(st, &r)) {
            out = MENTO_ERR_NOMEM;
            break;
        }
        struct note x;
        char why[NOTES_WHY_LEN];
        if (record_open(n, r.id, r.owner, r.shared_pairing, r.record, r.record_len, &x, NULL, why,
                        sizeof why) != MENTO_OK) {
            /* A record of this store that no longer opens: shown, never dropped. */
            aside_keep(n, r.id, r.base_version, NULL, why, false);
        } else {
            struct note *grown = realloc(n->list, (n->n_list + 1) * sizeof *n->list);
            if (!grown) {
                note_clear(&x);
                row_free(&r);
                out = MENTO_ERR_NOMEM;
                break;
            }
            n->list = grown;
            x.dirty = r.dirty;
            x.base_version = r.base_version;
            x.updated_at = r.updated_at;
            if (!x.created_at)
                x.created_at = r.created_at;
            snprintf(x.problem, sizeof x.problem, "%s", r.problem);
            n->list[n->n_list++] = x;
        }
        row_free(&r);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && out == MENTO_OK)
        out = MENTO_ERR_DB;
    if (n->n_list)
        qsort(n->list, n->n_list, sizeof *n->list, by_update);
    return out;
}

static void fresh(struct notes *n)
{
    if (n->stale)
        reload(n);
}

size_t notes_count(struct notes *n)
{
    fresh(n);
    return n->n_list;
}

const struct note *notes_at(struct notes *n, size_t i)
{
    fresh(n);
    return i < n->n_list ? &n->list[i] : NULL;
}

const struct note *notes_get(struct notes *n, const char *id)
{
    fresh(n);
    for (size_t i = 0; id && i < n->n_list; i++)
        if (strcmp(n->list[i].id, id) == 0)
            return &n->list[i];
    return NULL;
}

static bool folded_has(const char *hay, const char *needle)
{
    char *h = utf8_fold(hay);
    bool yes = h && strstr(h, needle) != NULL;
    wipe_str(h);
    return yes;
}

size_t notes_search(struct notes *n, const char *query,
                    bool (*fn)(const struct note *note, void *arg), void *arg)
{
    fresh(n);
    char *q = utf8_fold(query ? query : "");
    size_t hits = 0;
    for (size_t i = 0; q && i < n->n_list; i++) {
        const struct note *x = &n->list[i];
        bool hit = folded_has(x->title, q) || folded_has(x->body, q);
        for (size_t k = 0; !hit && k < x->n_items; k++)
            hit = folded_has(x->items[k].text, q);
        if (!hit)
            continue;
        hits++;
        if (fn && !fn(x, arg))
            break;
    }
    wipe_str(q);
    return hits;
}

size_t notes_aside(struct notes *n, bool (*fn)(const char *id, const char *why, void *arg),
                   void *arg)
{
    sqlite3_stmt *st =
        prep(n, "SELECT id, why FROM note_aside WHERE programme = ? ORDER BY received_at, id");
    size_t count = 0;
    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        count++;
        if (fn && !fn((const char *)sqlite3_column_text(st, 0),
                      (const char *)sqlite3_column_text(st, 1), arg))
            break;
    }
    sqlite3_finalize(st);
    return count;
}

/* ---- Writing ----------------------------------------------------------------------------------
 */

static bool draft_valid(const struct note_draft *d, char *why, size_t why_len)
{
    if (!text_ok(d->title ? d->title : "", NOTES_TITLE_MAX)) {
        say(why, why_len, "the title must be valid UTF-8 of at most %d bytes", NOTES_TITLE_MAX);
        return false;
    }
    if (!text_ok(d->body ? d->body : "", NOTES_BODY_MAX)) {
        say(why, why_len, "the text must be valid UTF-8 of at most %d KiB", NOTES_BODY_MAX / 1024);
        return false;
    }
    if (d->n_items > NOTES_ITEMS_MAX) {
        say(why, why_len, "at most %d action items", NOTES_ITEMS_MAX);
        return false;
    }
    for (size_t i = 0; i < d->n_items; i++)
        if (!text_ok(d->items[i].text ? d->items[i].text : "", NOTES_ITEM_MAX)) {
            say(why, why_len, "action item %zu must be valid UTF-8 of at most %d bytes", i + 1,
                NOTES_ITEM_MAX);
            return false;
        }
    if (d->shared && !d->pairing) {
        say(why, why_len, "a note is shared with the partner of a pairing: choose the pairing");
        return false;
    }
    if (d->pairing < 0 || d->session < 0) {
        say(why, why_len, "the pairing and session ids are positive numbers");
        return false;
    }
    return true;
}

/* A new key for `pairing`, sealed to both members and queued (pair_key.add). */
static mento_status pair_key_create(struct notes *n, int64_t pairing, int64_t partner,
                                    const struct peer *theirs, const struct peer *mine)
{
    sqlite3_stmt *q = prep(n, "SELECT coalesce(max(version), 0) FROM note_pair_keys"
                              " WHERE pairing_id = ?");
    if (!q)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(q, 1, pairing);
    int64_t latest = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    uint32_t version = (uint32_t)latest + 1;
    unsigned char *key = sodium_malloc(VAULT_KEY_BYTES);
    if (!key)
        return MENTO_ERR_NOMEM;
    randombytes_buf(key, VAULT_KEY_BYTES);
    cJSON *body = cJSON_CreateObject();
    cJSON *copies = body ? cJSON_AddArrayToObject(body, "copies") : NULL;
    mento_status st = copies ? MENTO_OK : MENTO_ERR_NOMEM;
    const struct {
        int64_t user, key_version;
        const unsigned char *box;
    } to[2] = {{n->user, mine->key_version, n->keys.box_public},
               {partner, theirs->key_version, theirs->pinned_box}};
    for (int i = 0; st == MENTO_OK && i < 2; i++) {
        unsigned char *sealed = NULL;
        size_t len = 0;
        st = vault_pair_key_seal(&n->keys, pairing, version, to[i].box, key, &sealed, &len);
        if (st != MENTO_OK)
            break;
        char *s = b64_encode(sealed, len - 64), *g = b64_encode(sealed + len - 64, 64);
        cJSON *c = cJSON_CreateObject();
        if (s && g && c && cJSON_AddItemToArray(copies, c)) {
            cJSON_AddNumberToObject(c, "recipient_id", (double)to[i].user);
            cJSON_AddNumberToObject(c, "recipient_key_version", (double)to[i].key_version);
            cJSON_AddStringToObject(c, "sealed", s);
            cJSON_AddStringToObject(c, "signature", g);
        } else {
            cJSON_Delete(c);
            st = MENTO_ERR_NOMEM;
        }
        free(s);
        free(g);
        free(sealed);
    }
    char op[STORE_OP_ID_LEN];
    if (st == MENTO_OK) {
        cJSON_AddNumberToObject(body, "pairing_id", (double)pairing);
        cJSON_AddNumberToObject(body, "version", version);
        st = queue_op(n, "pair_key.add", body, op);
        body = NULL;
    }
    cJSON_Delete(body);
    unsigned char *wrapped = NULL;
    size_t wl = 0;
    if (st == MENTO_OK)
        st = pk_wrap(n, pairing, version, key, &wrapped, &wl);
    struct pair_key *p = st == MENTO_OK ? pk_add(n, pairing, version, key, false) : NULL;
    if (st == MENTO_OK && !p)
        st = MENTO_ERR_NOMEM;
    if (st == MENTO_OK) {
        q = prep(n, "INSERT INTO note_pair_keys(pairing_id, version, programme, key_id, wrapped,"
                    " confirmed, op_id) VALUES (?,?,?,?,?,0,?)");
        if (q) {
            sqlite3_bind_int64(q, 1, pairing);
            sqlite3_bind_int64(q, 2, version);
            sqlite3_bind_text(q, 3, n->programme, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(q, 4, p->key_id, VAULT_KEY_ID_BYTES, SQLITE_TRANSIENT);
            sqlite3_bind_blob(q, 5, wrapped, (int)wl, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 6, op, -1, SQLITE_TRANSIENT);
        }
        st = run(q);
    }
    free(wrapped);
    sodium_free(key);
    return st;
}

/* May this note be shared in `pairing` now? Creates the pair key when needed
 * (inside the caller's transaction). */
static mento_status share_ready(struct notes *n, int64_t pairing, char *why, size_t why_len)
{
    int64_t partner = 0;
    bool active = false;
    if (!pairing_info(n, pairing, &partner, &active)) {
        say(why, why_len, "this pairing is not in the store: sync first");
        return MENTO_ERR_NOT_FOUND;
    }
    if (!active) {
        say(why, why_len, "the pairing has ended: notes are no longer shared in it");
        return MENTO_ERR_INVALID;
    }
    struct peer theirs, mine;
    if (peer_load(n, partner, &theirs) != 1) {
        say(why, why_len,
            "your partner has no encryption key yet: they make it when they first open their "
            "notes");
        return MENTO_ERR_INVALID;
    }
    enum notes_partner_state ps = peer_state(&theirs);
    if (ps != NOTES_PARTNER_PINNED) {
        say(why, why_len,
            ps == NOTES_PARTNER_BAD
                ? "your partner's published key is not valid: it cannot be used"
                : "your partner's key changed: compare fingerprints with them and accept it "
                  "before sharing");
        return MENTO_ERR_CRYPTO;
    }
    if (pk_current(n, pairing))
        return MENTO_OK;
    if (peer_load(n, n->user, &mine) != 1 || sodium_memcmp(mine.box, n->keys.box_public, 32) != 0) {
        say(why, why_len, "the server does not have your key yet: sync, then share");
        return MENTO_ERR_INVALID;
    }
    return pair_key_create(n, pairing, partner, &theirs, &mine);
}

mento_status notes_save(struct notes *n, struct note_draft *d, bool *changed, char *why,
                        size_t why_len)
{
    if (changed)
        *changed = false;
    say(why, why_len, "%s", "");
    if (!n->unlocked) {
        say(why, why_len, "the notes are locked");
        return MENTO_ERR_INVALID;
    }
    if (!draft_valid(d, why, why_len))
        return MENTO_ERR_INVALID;
    struct row r;
    bool existing = d->id[0] != '\0';
    if (existing) {
        int found = row_load(n, "id", d->id, &r);
        if (found != 1 || r.deleted) {
            if (found == 1)
                row_free(&r);
            say(why, why_len, "there is no such note");
            return found < 0 ? MENTO_ERR_DB : MENTO_ERR_NOT_FOUND;
        }
        if (r.owner != n->user) {
            row_free(&r);
            say(why, why_len, "only its author can change a note");
            return MENTO_ERR_INVALID;
        }
    } else {
        memset(&r, 0, sizeof r);
        new_uuid(r.id);
        r.owner = n->user;
        r.created_at = now_s();
    }
    int64_t share = d->shared ? d->pairing : 0;
    bool unshared_by_end = false;
    int64_t partner = 0;
    bool active = false;
    if (share && existing && r.shared_pairing == share &&
        pairing_info(n, share, &partner, &active) && !active) {
        /* The pairing ended: its key is retired, so this version is private. */
        share = 0;
        unshared_by_end = true;
    }
    struct note old;
    int64_t created = r.created_at;
    char conflict_of[NOTES_ID_LEN] = "";
    if (existing) {
        snprintf(conflict_of, sizeof conflict_of, "%s", r.conflict_of);
        if (record_open(n, r.id, r.owner, r.shared_pairing, r.record, r.record_len, &old, NULL, why,
                        why_len) == MENTO_OK) {
            if (old.created_at)
                created = old.created_at;
            snprintf(conflict_of, sizeof conflict_of, "%s", old.conflict_of);
            note_clear(&old);
        }
        say(why, why_len, "%s", "");
    }
    char *plain = plain_text(d, created, conflict_of);
    if (!plain) {
        row_free(&r);
        say(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    unsigned char mac[MAC_BYTES];
    note_mac(n, plain, share, mac);
    if (existing && r.has_mac && sodium_memcmp(mac, r.mac, MAC_BYTES) == 0) {
        /* Unchanged: never sealed again (a new nonce would look like a change). */
        wipe_str(plain);
        row_free(&r);
        return MENTO_OK;
    }
    mento_status st = store_begin(n->store);
    if (st == MENTO_OK && share)
        st = share_ready(n, share, why, why_len);
    unsigned char *rec = NULL;
    size_t rec_len = 0;
    if (st == MENTO_OK)
        st = record_seal(n, r.id, share, plain, &rec, &rec_len);
    if (st == MENTO_OK) {
        free(r.record);
        r.record = rec;
        r.record_len = rec_len;
        memcpy(r.mac, mac, MAC_BYTES);
        r.has_mac = true;
        r.shared_pairing = share;
        r.updated_at = now_s();
        snprintf(r.conflict_of, sizeof r.conflict_of, "%s", conflict_of);
        if (unshared_by_end)
            snprintf(r.problem, sizeof r.problem, "the pairing has ended: this version is private");
        else
            r.problem[0] = '\0';
        st = row_changed(n, &r);
    }
    if (st == MENTO_OK)
        st = store_commit(n->store);
    if (st != MENTO_OK) {
        store_rollback(n->store);
        if (why && !why[0])
            say(why, why_len, "the note could not be saved: %s", sqlite3_errmsg(n->db));
        /* Keys made in the rolled-back transaction are forgotten. */
        pk_clear(n);
        pk_load(n);
    } else {
        snprintf(d->id, sizeof d->id, "%s", r.id);
        if (changed)
            *changed = true;
        n->stale = true;
    }
    wipe_str(plain);
    row_free(&r);
    return st;
}

mento_status notes_item_check(struct notes *n, const char *id, size_t item, bool done, char *why,
                              size_t why_len)
{
    const struct note *x = notes_get(n, id);
    if (!x || item >= x->n_items) {
        say(why, why_len, "there is no such action item");
        return MENTO_ERR_NOT_FOUND;
    }
    struct note_item *items = calloc(x->n_items, sizeof *items);
    if (!items)
        return MENTO_ERR_NOMEM;
    memcpy(items, x->items, x->n_items * sizeof *items);
    items[item].done = done;
    struct note_draft d = {.pairing = x->pairing,
                           .session = x->session,
                           .title = x->title,
                           .body = x->body,
                           .items = items,
                           .n_items = x->n_items,
                           .shared = x->shared};
    snprintf(d.id, sizeof d.id, "%s", x->id);
    mento_status st = notes_save(n, &d, NULL, why, why_len);
    free(items);
    return st;
}

mento_status notes_delete(struct notes *n, const char *id, char *why, size_t why_len)
{
    if (!n->unlocked) {
        say(why, why_len, "the notes are locked");
        return MENTO_ERR_INVALID;
    }
    struct row r;
    int found = id ? row_load(n, "id", id, &r) : 0;
    if (found != 1 || r.deleted || r.owner != n->user) {
        if (found == 1)
            row_free(&r);
        say(why, why_len,
            found == 1 && !r.deleted ? "only its author can delete a note"
                                     : "there is no such note");
        return found < 0 ? MENTO_ERR_DB : MENTO_ERR_NOT_FOUND;
    }
    mento_status st = store_begin(n->store);
    if (st == MENTO_OK) {
        free(r.record);
        r.record = NULL;
        r.record_len = 0;
        r.has_mac = false;
        r.deleted = true;
        r.updated_at = now_s();
        st = row_changed(n, &r);
    }
    if (st == MENTO_OK)
        st = store_commit(n->store);
    if (st != MENTO_OK) {
        store_rollback(n->store);
        say(why, why_len, "the note could not be deleted: %s", sqlite3_errmsg(n->db));
    }
    row_free(&r);
    n->stale = true;
    return st;
}

/* ---- The partner's key ---------------------------------------------------------------------- */

mento_status notes_partner_key_state(struct notes *n, int64_t pairing, struct notes_partner *out)
{
    memset(out, 0, sizeof *out);
    if (n->unlocked)
        vault_fingerprint(n->keys.box_public, n->keys.sign_public, out->mine);
    int64_t partner = 0;
    bool active = false;
    if (!pairing_info(n, pairing, &partner, &active))
        return MENTO_ERR_NOT_FOUND;
    out->user = partner;
    struct peer p;
    int found = peer_load(n, partner, &p);
    if (found < 0)
        return MENTO_ERR_DB;
    if (!found)
        return MENTO_OK;
    vault_fingerprint(p.box, p.sign, out->fingerprint);
    if (p.pinned)
        vault_fingerprint(p.pinned_box, p.pinned_sign, out->pinned_fingerprint);
    out->state = peer_state(&p);
    out->verified_at = p.verified_at;
    return MENTO_OK;
}

mento_status notes_accept_partner_key(struct notes *n, int64_t pairing, const char *fingerprint)
{
    int64_t partner = 0;
    bool active = false;
    struct peer p;
    if (!pairing_info(n, pairing, &partner, &active) || peer_load(n, partner, &p) != 1)
        return MENTO_ERR_NOT_FOUND;
    if (!peer_signed(&p))
        return MENTO_ERR_CRYPTO;
    char now[VAULT_FINGERPRINT_LEN];
    vault_fingerprint(p.box, p.sign, now);
    if (!fingerprint || strcmp(now, fingerprint) != 0)
        return MENTO_ERR_INVALID;
    mento_status st = store_begin(n->store);
    if (st != MENTO_OK)
        return st;
    sqlite3_stmt *q = prep(n, "UPDATE note_peers SET pinned_box = box, pinned_sign = sign,"
                              " verified_at = ? WHERE user_id = ?");
    if (q) {
        sqlite3_bind_int64(q, 1, now_s());
        sqlite3_bind_int64(q, 2, partner);
    }
    st = run(q);
    /* Pair keys the new key signed can be opened now. */
    if (st == MENTO_OK)
        st = drain(n);
    if (st == MENTO_OK)
        st = store_commit(n->store);
    else
        store_rollback(n->store);
    return st;
}

/* ---- Export --------------------------------------------------------------------------------- */

/* Write `len` bytes to `path` (mode 0600) so that it appears whole or not at
 * all: a private temporary file beside it, flushed, then renamed. */
static mento_status write_atomic(const char *path, const char *data, size_t len, char *why,
                                 size_t why_len)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp)
        return MENTO_ERR_NOMEM;
    snprintf(tmp, pl + 16, "%s.tmp-XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        say(why, why_len, "cannot write beside %s: %s", path, strerror(errno));
        free(tmp);
        return MENTO_ERR_IO;
    }
    bool ok = fchmod(fd, 0600) == 0;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        say(why, why_len, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return MENTO_ERR_IO;
    }
    free(tmp);
    /* The rename itself is durable once the directory is flushed. */
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (dir) {
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(dir);
    return MENTO_OK;
}

/* A growing text buffer whose old copies are wiped. */
struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = malloc(cap);
        if (!p) {
            b->failed = true;
            return;
        }
        if (b->p) {
            memcpy(p, b->p, b->len);
            sodium_memzero(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* One line of text as Markdown: its line breaks become spaces. */
static void buf_line(struct buf *b, const char *s)
{
    for (const char *p = s; *p; p++)
        buf_add(b, *p == '\n' || *p == '\r' ? " " : p, 1);
}

static int by_creation(const void *a, const void *b)
{
    const struct note *x = *(const struct note *const *)a, *y = *(const struct note *const *)b;
    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

mento_status notes_export_markdown(struct notes *n, const char *path, char *why, size_t why_len)
{
    if (!n->unlocked) {
        say(why, why_len, "the notes are locked: unlock them to export their text");
        return MENTO_ERR_INVALID;
    }
    fresh(n);
    const struct note **mine = calloc(n->n_list + 1, sizeof *mine);
    if (!mine)
        return MENTO_ERR_NOMEM;
    size_t count = 0;
    for (size_t i = 0; i < n->n_list; i++)
        if (n->list[i].mine)
            mine[count++] = &n->list[i];
    qsort(mine, count, sizeof *mine, by_creation);
    struct buf b = {0};
    char line[256], when[CODEC_TIME_LEN];
    snprintf(line, sizeof line, "# My notes: %s\n\n%zu note%s.\n", n->programme, count,
             count == 1 ? "" : "s");
    buf_str(&b, line);
    for (size_t i = 0; i < count; i++) {
        const struct note *x = mine[i];
        buf_str(&b, "\n## ");
        buf_line(&b, x->title[0] ? x->title : "(untitled)");
        buf_str(&b, "\n\n");
        codec_time_format(x->created_at, when);
        snprintf(line, sizeof line, "- Written: %s\n", when);
        buf_str(&b, line);
        codec_time_format(x->updated_at, when);
        snprintf(line, sizeof line, "- Changed: %s\n", when);
        buf_str(&b, line);
        if (x->pairing) {
            snprintf(line, sizeof line, "- Pairing: %lld%s\n", (long long)x->pairing,
                     x->shared ? " (shared with the partner)" : "");
            buf_str(&b, line);
        }
        if (x->session) {
            snprintf(line, sizeof line, "- Session: %lld\n", (long long)x->session);
            buf_str(&b, line);
        }
        if (x->conflict_of[0]) {
            snprintf(line, sizeof line, "- A conflicting version of note %s\n", x->conflict_of);
            buf_str(&b, line);
        }
        if (x->body[0]) {
            buf_str(&b, "\n");
            buf_str(&b, x->body);
            if (x->body[strlen(x->body) - 1] != '\n')
                buf_str(&b, "\n");
        }
        if (x->n_items) {
            buf_str(&b, "\n### Action items\n\n");
            for (size_t k = 0; k < x->n_items; k++) {
                buf_str(&b, x->items[k].done ? "- [x] " : "- [ ] ");
                buf_line(&b, x->items[k].text);
                buf_str(&b, "\n");
            }
        }
    }
    free(mine);
    mento_status st = b.failed ? MENTO_ERR_NOMEM : write_atomic(path, b.p, b.len, why, why_len);
    if (b.p) {
        sodium_memzero(b.p, b.cap);
        free(b.p);
    }
    return st;
}

mento_status notes_export_records(struct notes *n, const char *path, char *why, size_t why_len)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *records = out ? cJSON_AddArrayToObject(out, "records") : NULL;
    if (!records) {
        cJSON_Delete(out);
        return MENTO_ERR_NOMEM;
    }
    cJSON_AddStringToObject(out, "format", "mento-note-records");
    cJSON_AddNumberToObject(out, "format_version", 1);
    cJSON_AddStringToObject(out, "programme", n->programme);
    cJSON_AddNumberToObject(out, "user_id", (double)n->user);
    int64_t version = 0;
    cJSON *vault = vault_object(n, &version, NULL, 0);
    if (vault) {
        cJSON_AddItemToObject(out, "vault", vault);
        cJSON_AddNumberToObject(out, "vault_version", (double)version);
    }
    sqlite3_stmt *st = prep(n, "SELECT " ROW_COLUMNS " FROM notes WHERE programme = ?"
                               " AND deleted = 0 ORDER BY created_at, id");
    if (!st) {
        cJSON_Delete(out);
        return MENTO_ERR_DB;
    }
    sqlite3_bind_text(st, 1, n->programme, -1, SQLITE_TRANSIENT);
    mento_status rc = MENTO_OK;
    while (rc == MENTO_OK && sqlite3_step(st) == SQLITE_ROW) {
        struct row r;
        cJSON *o = cJSON_CreateObject();
        if (!o || !row_read(st, &r)) {
            cJSON_Delete(o);
            rc = MENTO_ERR_NOMEM;
            break;
        }
        char *ct = b64_encode(r.record, r.record_len);
        char when[CODEC_TIME_LEN];
        codec_time_format(r.updated_at, when);
        cJSON_AddItemToArray(records, o);
        cJSON_AddStringToObject(o, "id", r.id);
        cJSON_AddNumberToObject(o, "owner_id", (double)r.owner);
        if (r.shared_pairing)
            cJSON_AddNumberToObject(o, "pairing_id", (double)r.shared_pairing);
        cJSON_AddNumberToObject(o, "version", (double)r.base_version);
        cJSON_AddBoolToObject(o, "uploaded", !r.dirty);
        if (!ct || !cJSON_AddStringToObject(o, "ciphertext", ct))
            rc = MENTO_ERR_NOMEM;
        cJSON_AddStringToObject(o, "updated_at", when);
        free(ct);
        row_free(&r);
    }
    sqlite3_finalize(st);
    char *text = rc == MENTO_OK ? cJSON_Print(out) : NULL;
    cJSON_Delete(out);
    if (rc == MENTO_OK && !text)
        rc = MENTO_ERR_NOMEM;
    if (rc == MENTO_OK)
        rc = write_atomic(path, text, strlen(text), why, why_len);
    free(text);
    return rc;
}

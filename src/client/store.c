/* store.c - the client's SQLite store: schema and migrations, the outbox,
 * and the all-or-nothing application of a sync answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "mento/store.h"
#include "mento/utf8.h"

struct store {
    sqlite3 *db;
    store_sync_hook hook;
    void *hook_arg;
};

/* Numbered migrations; append only. */
static const char *const store_migrations[] = {
    /* 1 */
    "CREATE TABLE sync_state ("
    "  programme TEXT PRIMARY KEY,"
    "  cursor TEXT NOT NULL,"
    "  last_sync INTEGER NOT NULL"
    ");"
    "CREATE TABLE mentors ("
    "  programme TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (programme, user_id)"
    ");"
    /* Everything else the server sends: whole objects under key '', keyed
     * entries under their id. Account-wide objects use programme ''. */
    "CREATE TABLE objects ("
    "  programme TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (programme, kind, key)"
    ");"
    /* state: queued (to send), refused (told the user? seen). A confirmed
     * operation leaves the outbox. */
    "CREATE TABLE outbox ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  op_id TEXT NOT NULL UNIQUE,"
    "  programme TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'queued',"
    "  created_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  status INTEGER,"
    "  code TEXT,"
    "  message TEXT,"
    "  seen INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX outbox_queue ON outbox(programme, state, seq);"
    /* What the directory needs of each mentor, extracted and folded once
     * when the entry arrives, so that opening a large directory reads
     * columns instead of parsing JSON. Lists are joined with newlines. */
    "CREATE TABLE mentor_index ("
    "  programme TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL,"
    "  name TEXT, grade TEXT, job_network TEXT, entity TEXT, duty_station TEXT,"
    "  timezone TEXT, languages INTEGER, years INTEGER, full INTEGER, skills TEXT,"
    "  f_name TEXT, f_job_network TEXT, f_entity TEXT, f_duty_station TEXT,"
    "  f_skills TEXT, f_goals TEXT,"
    "  PRIMARY KEY (programme, user_id)"
    ");",
    /* 2: private notes (src/client/notes.c). Only sealed records are kept:
     * a note's text exists in memory only, while the vault is unlocked. */
    "CREATE TABLE notes ("
    "  id TEXT PRIMARY KEY,"
    "  programme TEXT NOT NULL,"
    "  owner_id INTEGER NOT NULL,"
    "  shared_pairing INTEGER," /* as the server knows it: NULL when private */
    "  record BLOB NOT NULL,"   /* the sealed record, as it goes to the server */
    "  mac BLOB,"               /* keyed MAC of the saved text: never a plain hash */
    "  base_version INTEGER NOT NULL DEFAULT 0,"
    "  dirty INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  conflict_of TEXT,"
    "  op_id TEXT,"                        /* the operation in flight for it */
    "  sent BLOB,"                         /* a hash of the record it carries */
    "  resend INTEGER NOT NULL DEFAULT 0," /* changed again while op_id was in flight */
    "  problem TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX notes_by_programme ON notes(programme, created_at);"
    /* What sync brought for the notes, kept until the vault is open. */
    "CREATE TABLE note_inbox ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  programme TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  json TEXT NOT NULL"
    ");"
    /* Records that did not open, with the reason in words. */
    "CREATE TABLE note_aside ("
    "  id TEXT PRIMARY KEY,"
    "  programme TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  json TEXT NOT NULL,"
    "  why TEXT NOT NULL,"
    "  retry INTEGER NOT NULL DEFAULT 0,"
    "  received_at INTEGER NOT NULL"
    ");"
    /* The account's vault object (wrapped keys only), the public keys seen
     * and pinned, and the pairings' keys wrapped by the root key. */
    "CREATE TABLE note_vault ("
    "  user_id INTEGER PRIMARY KEY,"
    "  json TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 0,"
    "  op_id TEXT,"
    "  keys_op_id TEXT,"
    "  problem TEXT"
    ");"
    "CREATE TABLE note_peers ("
    "  user_id INTEGER PRIMARY KEY,"
    "  key_version INTEGER NOT NULL,"
    "  box BLOB NOT NULL, sign BLOB NOT NULL, sig BLOB NOT NULL,"
    "  pinned_box BLOB, pinned_sign BLOB"
    ");"
    "CREATE TABLE note_pair_keys ("
    "  pairing_id INTEGER NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  programme TEXT NOT NULL,"
    "  key_id BLOB NOT NULL,"
    "  wrapped BLOB NOT NULL,"
    "  confirmed INTEGER NOT NULL DEFAULT 0,"
    "  op_id TEXT,"
    "  PRIMARY KEY (pairing_id, version)"
    ");",
    /* 3: what is fetched beside the sync (resources, calendar files). */
    /* The programme's resources (handbooks, agendas, topics): the sync does
     * not carry them, GET .../resources does; each 200 replaces them all. */
    "CREATE TABLE resources ("
    "  programme TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  PRIMARY KEY (programme, id)"
    ");"
    /* What was fetched beside the sync: its ETag and when. */
    "CREATE TABLE fetched ("
    "  programme TEXT NOT NULL,"
    "  what TEXT NOT NULL,"
    "  etag TEXT NOT NULL,"
    "  fetched_at INTEGER NOT NULL,"
    "  PRIMARY KEY (programme, what)"
    ");"
    /* The server's calendar file of a session, for the version of the
     * session (sequence, updated_at) it was fetched for; body NULL: the
     * server refused that version, do not ask again. */
    "CREATE TABLE calendars ("
    "  programme TEXT NOT NULL,"
    "  session_id INTEGER NOT NULL,"
    "  sequence INTEGER,"
    "  updated_at TEXT,"
    "  body BLOB,"
    "  fetched_at INTEGER NOT NULL,"
    "  PRIMARY KEY (programme, session_id)"
    ");",
    /* 4: when the user compared a partner's fingerprint and marked the
     * pinned key verified (NULL: never; a key pinned on first sight is
     * trusted but not verified). Pinning another key clears it. */
    "ALTER TABLE note_peers ADD COLUMN verified_at INTEGER;",
};

#define MIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

int store_schema_version(void)
{
    return MIGRATIONS;
}

static mento_status exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? MENTO_OK : MENTO_ERR_DB;
}

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static mento_status migrate(sqlite3 *db, char *err, size_t err_len)
{
    int v = user_version(db);
    if (v < 0) {
        snprintf(err, err_len, "cannot read the store's version: %s", sqlite3_errmsg(db));
        return MENTO_ERR_DB;
    }
    if (v > MIGRATIONS) {
        snprintf(err, err_len,
                 "the store has version %d, newer than this mento knows (%d): update mento", v,
                 MIGRATIONS);
        return MENTO_ERR_INVALID;
    }
    for (; v < MIGRATIONS; v++) {
        char pragma[40];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(db, "BEGIN IMMEDIATE") != MENTO_OK)
            goto fail;
        if (exec(db, store_migrations[v]) != MENTO_OK || exec(db, pragma) != MENTO_OK) {
            exec(db, "ROLLBACK");
            goto fail;
        }
        if (exec(db, "COMMIT") != MENTO_OK)
            goto fail;
    }
    return MENTO_OK;
fail:
    snprintf(err, err_len, "cannot upgrade the store to version %d: %s", v + 1, sqlite3_errmsg(db));
    return MENTO_ERR_DB;
}

mento_status store_open(struct store **out, const char *path, char *err, size_t err_len)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, err_len, "libsodium could not be initialised");
        return MENTO_ERR_CRYPTO;
    }
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_len, "cannot open the store %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_close(s->db);
        free(s);
        return MENTO_ERR_IO;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* FULL: a committed operation survives a power cut, not only a crash. */
    mento_status st = exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  " PRAGMA foreign_keys=ON;");
    if (st != MENTO_OK) {
        snprintf(err, err_len, "the store %s is not usable: %s", path, sqlite3_errmsg(s->db));
    } else {
        st = migrate(s->db, err, err_len);
    }
    if (st != MENTO_OK) {
        sqlite3_close(s->db);
        free(s);
        return st;
    }
    *out = s;
    return MENTO_OK;
}

void store_close(struct store **s)
{
    if (!s || !*s)
        return;
    sqlite3_close((*s)->db);
    free(*s);
    *s = NULL;
}

mento_status store_begin(struct store *s)
{
    return exec(s->db, "BEGIN IMMEDIATE");
}

mento_status store_commit(struct store *s)
{
    return exec(s->db, "COMMIT");
}

void store_rollback(struct store *s)
{
    exec(s->db, "ROLLBACK");
}

/* ---- Sync state ------------------------------------------------------------- */

mento_status store_cursor(struct store *s, const char *programme, char *buf, size_t cap)
{
    sqlite3_stmt *st = NULL;
    if (cap)
        buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT cursor FROM sync_state WHERE programme = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    mento_status out = MENTO_OK;
    if (rc == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        if (strlen(c) + 1 > cap)
            out = MENTO_ERR_TOO_LONG;
        else
            memcpy(buf, c, strlen(c) + 1);
    } else if (rc != SQLITE_DONE) {
        out = MENTO_ERR_DB;
    }
    sqlite3_finalize(st);
    return out;
}

int64_t store_last_sync(struct store *s, const char *programme)
{
    sqlite3_stmt *st = NULL;
    int64_t t = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT last_sync FROM sync_state WHERE programme = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            t = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return t;
}

/* ---- Outbox ------------------------------------------------------------------- */

mento_status store_outbox_append(struct store *s, const char *programme, const char *type,
                                 const cJSON *body, int64_t now, char op_id[STORE_OP_ID_LEN])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(op_id, STORE_OP_ID_LEN, raw, sizeof raw);
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return MENTO_ERR_NOMEM;
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outbox(op_id, programme, type, body, created_at)"
                           " VALUES (?, ?, ?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        if (sqlite3_step(st) == SQLITE_DONE)
            out = MENTO_OK;
    }
    sqlite3_finalize(st);
    free(text);
    return out;
}

int store_outbox_count(struct store *s, const char *programme)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM outbox WHERE programme = ? AND state = 'queued'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

cJSON *store_outbox_queued(struct store *s, const char *programme)
{
    return store_outbox_batch(s, programme);
}

cJSON *store_outbox_batch(struct store *s, const char *programme)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT op_id, type, body FROM outbox WHERE programme = ?"
                           " AND state = 'queued' ORDER BY seq LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, STORE_OPS_PER_SYNC);
    cJSON *ops = cJSON_CreateArray();
    int rc;
    while (ops && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *op = cJSON_CreateObject();
        cJSON *body = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
        if (!op || !body ||
            !cJSON_AddStringToObject(op, "op_id", (const char *)sqlite3_column_text(st, 0)) ||
            !cJSON_AddStringToObject(op, "type", (const char *)sqlite3_column_text(st, 1))) {
            cJSON_Delete(op);
            cJSON_Delete(body);
            cJSON_Delete(ops);
            ops = NULL;
            break;
        }
        cJSON_AddItemToObject(op, "body", body);
        cJSON_AddItemToArray(ops, op);
    }
    sqlite3_finalize(st);
    return ops;
}

int store_refusals(struct store *s, const char *programme, struct store_refusal *out, int cap)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT op_id, type, status, code, message FROM outbox"
                           " WHERE programme = ? AND state = 'refused' AND seen = 0"
                           " ORDER BY seq LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, cap);
    while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
        struct store_refusal *r = &out[n++];
        memset(r, 0, sizeof *r);
        snprintf(r->op_id, sizeof r->op_id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(r->type, sizeof r->type, "%s", (const char *)sqlite3_column_text(st, 1));
        r->status = sqlite3_column_int(st, 2);
        const char *code = (const char *)sqlite3_column_text(st, 3);
        const char *msg = (const char *)sqlite3_column_text(st, 4);
        snprintf(r->code, sizeof r->code, "%s", code ? code : "");
        snprintf(r->message, sizeof r->message, "%s", msg ? msg : "");
    }
    sqlite3_finalize(st);
    return n;
}

mento_status store_refusal_seen(struct store *s, const char *op_id)
{
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(s->db, "UPDATE outbox SET seen = 1 WHERE op_id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            out = sqlite3_changes(s->db) ? MENTO_OK : MENTO_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    return out;
}

/* ---- Applying a sync answer --------------------------------------------------- */

/* How each collection of `changes` is kept. */
enum shape { WHOLE, WHOLE_GLOBAL, KEYED };
static const struct {
    const char *name;
    enum shape shape;
    const char *key; /* KEYED: the member naming an entry */
} collections[] = {
    {"profile", WHOLE_GLOBAL, NULL},    {"vault", WHOLE_GLOBAL, NULL},
    {"account", WHOLE_GLOBAL, NULL},
    {"wishlist", WHOLE, NULL},          {"current_request", WHOLE, NULL},
    {"programme", WHOLE, NULL},         {"memberships", KEYED, "programme"},
    {"requests", KEYED, "id"},          {"pairings", KEYED, "id"},
    {"sessions", KEYED, "id"},          {"notes", KEYED, "id"},
    {"notifications", KEYED, "id"},     {"keys", KEYED, "user_id"},
    {"pair_keys", KEYED, "pairing_id"}, {"surveys", KEYED, "id"},
};

/* The key of a keyed entry as text: a string, or an integral number. */
static bool entry_key(const cJSON *entry, const char *member, char *buf, size_t cap)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(entry, member);
    if (cJSON_IsString(k) && k->valuestring[0] && strlen(k->valuestring) < cap) {
        memcpy(buf, k->valuestring, strlen(k->valuestring) + 1);
        return true;
    }
    if (cJSON_IsNumber(k) && k->valuedouble >= 0 && k->valuedouble < 9007199254740992.0 &&
        k->valuedouble == (double)(int64_t)k->valuedouble) {
        snprintf(buf, cap, "%lld", (long long)k->valuedouble);
        return true;
    }
    return false;
}

/* The key of the i-th collection's entry: "41", or "41:2" for a sealed pair
 * key copy, which has no id of its own (pairing and version name it). */
static bool collection_key(size_t i, const cJSON *entry, char *buf, size_t cap)
{
    if (!entry_key(entry, collections[i].key, buf, cap))
        return false;
    if (strcmp(collections[i].name, "pair_keys") != 0)
        return true;
    size_t n = strlen(buf);
    if (n + 2 >= cap)
        return false;
    buf[n] = ':';
    return entry_key(entry, "version", buf + n + 1, cap - n - 1);
}

static bool is_removed(const cJSON *entry)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "removed"));
}

/* Check the whole answer before touching the store. */
static bool answer_valid(const cJSON *answer, char *err, size_t err_len)
{
    if (!cJSON_IsObject(answer)) {
        snprintf(err, err_len, "the sync answer is not a JSON object");
        return false;
    }
    const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(answer, "cursor");
    if (!cJSON_IsString(cursor) || !cursor->valuestring[0] ||
        strlen(cursor->valuestring) >= STORE_CURSOR_MAX) {
        snprintf(err, err_len, "the sync answer has no usable cursor");
        return false;
    }
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(answer, "results");
    if (results && !cJSON_IsArray(results)) {
        snprintf(err, err_len, "the sync answer's results are not an array");
        return false;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(r, "status");
        if (!cJSON_IsObject(r) || !cJSON_IsNumber(status)) {
            snprintf(err, err_len, "a result of the sync answer has no status");
            return false;
        }
    }
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(answer, "changes");
    if (changes && !cJSON_IsObject(changes)) {
        snprintf(err, err_len, "the sync answer's changes are not an object");
        return false;
    }
    const cJSON *mentors = cJSON_GetObjectItemCaseSensitive(changes, "mentors");
    if (mentors && !cJSON_IsArray(mentors)) {
        snprintf(err, err_len, "changes.mentors is not an array");
        return false;
    }
    const cJSON *m;
    char key[64];
    cJSON_ArrayForEach(m, mentors)
    {
        if (!cJSON_IsObject(m) || !entry_key(m, "user_id", key, sizeof key)) {
            snprintf(err, err_len, "a directory entry has no user_id");
            return false;
        }
    }
    for (size_t i = 0; i < sizeof collections / sizeof collections[0]; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(changes, collections[i].name);
        if (!c)
            continue;
        if (collections[i].shape != KEYED) {
            if (!cJSON_IsObject(c) && !cJSON_IsNull(c)) {
                snprintf(err, err_len, "changes.%s is not an object", collections[i].name);
                return false;
            }
            continue;
        }
        if (!cJSON_IsArray(c)) {
            snprintf(err, err_len, "changes.%s is not an array", collections[i].name);
            return false;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, c)
        {
            if (!cJSON_IsObject(e) || !collection_key(i, e, key, sizeof key)) {
                snprintf(err, err_len, "an entry of changes.%s has no %s", collections[i].name,
                         collections[i].key);
                return false;
            }
        }
    }
    return true;
}

static mento_status delete_object(sqlite3 *db, const char *programme, const char *kind,
                                  const char *key)
{
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(db, "DELETE FROM objects WHERE programme = ? AND kind = ? AND key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        out = MENTO_OK;
    sqlite3_finalize(st);
    return out;
}

/* Store `value` (a JSON null deletes). */
static mento_status put_object(sqlite3 *db, const char *programme, const char *kind,
                               const char *key, const cJSON *value)
{
    if (cJSON_IsNull(value))
        return delete_object(db, programme, kind, key);
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    char *text = cJSON_PrintUnformatted(value);
    if (!text)
        return MENTO_ERR_NOMEM;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO objects(programme, kind, key, json)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            out = MENTO_OK;
    }
    sqlite3_finalize(st);
    free(text);
    return out;
}

/* My user id, from the stored profile (0 when unknown). */
static int64_t my_user_id(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT json_extract(json, '$.user_id') FROM objects"
                           " WHERE programme = '' AND kind = 'profile' AND key = ''",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* A keyed entry: replaced, or dropped when "removed" - except the caller's
 * own note records, which a removal never deletes. */
static mento_status apply_keyed(sqlite3 *db, const char *programme, const char *kind,
                                const char *key, const cJSON *entry, int64_t me)
{
    if (!is_removed(entry))
        return put_object(db, programme, kind, key, entry);
    if (strcmp(kind, "notes") == 0) {
        cJSON *stored = NULL;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT json FROM objects WHERE programme = ? AND kind = 'notes'"
                               " AND key = ?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                stored = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
        const cJSON *owner = cJSON_GetObjectItemCaseSensitive(stored, "owner_id");
        bool mine = me && cJSON_IsNumber(owner) && (int64_t)owner->valuedouble == me;
        cJSON_Delete(stored);
        if (mine)
            return MENTO_OK;
    }
    return delete_object(db, programme, kind, key);
}

static const char *member_str(const cJSON *m, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* The strings of an array member joined with newlines (folded when asked);
 * NULL when empty or out of memory. */
static char *joined(const cJSON *m, const char *key, bool fold)
{
    char *out = NULL;
    size_t len = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, key))
    {
        if (!cJSON_IsString(it) || !it->valuestring[0] || strchr(it->valuestring, '\n'))
            continue;
        char *v = fold ? utf8_fold(it->valuestring) : strdup(it->valuestring);
        if (!v)
            continue;
        size_t n = strlen(v);
        char *b = realloc(out, len + n + 2);
        if (!b) {
            free(v);
            break;
        }
        out = b;
        if (len)
            out[len++] = '\n';
        memcpy(out + len, v, n + 1);
        len += n;
        free(v);
    }
    return out;
}

static void bind_folded(sqlite3_stmt *st, int col, const char *s, char **keep)
{
    *keep = s ? utf8_fold(s) : NULL;
    if (*keep)
        sqlite3_bind_text(st, col, *keep, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

static void bind_str(sqlite3_stmt *st, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

static mento_status index_mentor(sqlite3 *db, const char *programme, int64_t id, const cJSON *m)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO mentor_index(programme, user_id, name, grade,"
                           " job_network, entity, duty_station, timezone, languages, years, full,"
                           " skills, f_name, f_job_network, f_entity, f_duty_station, f_skills,"
                           " f_goals) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    unsigned langs = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "languages"))
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, "en") == 0)
            langs |= 1u;
        else if (cJSON_IsString(it) && strcmp(it->valuestring, "fr") == 0)
            langs |= 2u;
    }
    const cJSON *years = cJSON_GetObjectItemCaseSensitive(m, "years_experience");
    char *skills = joined(m, "skills", false), *f_skills = joined(m, "skills", true),
         *f_goals = joined(m, "goals", true);
    char *f[4];
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    bind_str(st, 3, member_str(m, "name"));
    bind_str(st, 4, member_str(m, "grade"));
    bind_str(st, 5, member_str(m, "job_network"));
    bind_str(st, 6, member_str(m, "entity"));
    bind_str(st, 7, member_str(m, "duty_station"));
    bind_str(st, 8, member_str(m, "timezone"));
    sqlite3_bind_int(st, 9, (int)langs);
    sqlite3_bind_int(st, 10,
                     cJSON_IsNumber(years) && years->valuedouble >= 0 && years->valuedouble < 80
                         ? years->valueint
                         : 0);
    sqlite3_bind_int(st, 11, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "full")));
    bind_str(st, 12, skills);
    bind_folded(st, 13, member_str(m, "name"), &f[0]);
    bind_folded(st, 14, member_str(m, "job_network"), &f[1]);
    bind_folded(st, 15, member_str(m, "entity"), &f[2]);
    bind_folded(st, 16, member_str(m, "duty_station"), &f[3]);
    bind_str(st, 17, f_skills);
    bind_str(st, 18, f_goals);
    mento_status out = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_finalize(st);
    for (int i = 0; i < 4; i++)
        free(f[i]);
    free(skills);
    free(f_skills);
    free(f_goals);
    return out;
}

static mento_status unindex_mentor(sqlite3 *db, const char *programme, int64_t id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM mentor_index WHERE programme = ? AND user_id = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    mento_status out = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_finalize(st);
    return out;
}

static mento_status apply_mentor(sqlite3 *db, const char *programme, const cJSON *m)
{
    char key[64];
    entry_key(m, "user_id", key, sizeof key);
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    char *text = NULL;
    if (is_removed(m)) {
        if (sqlite3_prepare_v2(db, "DELETE FROM mentors WHERE programme = ? AND user_id = ?", -1,
                               &st, NULL) != SQLITE_OK)
            return MENTO_ERR_DB;
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, strtoll(key, NULL, 10));
    } else {
        text = cJSON_PrintUnformatted(m);
        if (!text)
            return MENTO_ERR_NOMEM;
        if (sqlite3_prepare_v2(db,
                               "INSERT OR REPLACE INTO mentors(programme, user_id, json)"
                               " VALUES (?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK) {
            free(text);
            return MENTO_ERR_DB;
        }
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, strtoll(key, NULL, 10));
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    }
    if (sqlite3_step(st) == SQLITE_DONE)
        out = MENTO_OK;
    sqlite3_finalize(st);
    free(text);
    if (out == MENTO_OK) {
        int64_t id = strtoll(key, NULL, 10);
        out =
            is_removed(m) ? unindex_mentor(db, programme, id) : index_mentor(db, programme, id, m);
    }
    return out;
}

/* Settle the outbox row of one result. */
static mento_status settle(sqlite3 *db, const cJSON *result, struct store_sync_summary *sum)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "op_id");
    if (!cJSON_IsString(id))
        return MENTO_OK; /* an operation without a valid id: nothing of ours */
    int status = (int)cJSON_GetObjectItemCaseSensitive(result, "status")->valuedouble;
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    if (status >= 500 || status < 100) {
        /* The server could not answer it: it stays queued for the next sync. */
        if (sqlite3_prepare_v2(db, "UPDATE outbox SET attempts = attempts + 1 WHERE op_id = ?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, id->valuestring, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_DONE)
                out = MENTO_OK;
        }
        sqlite3_finalize(st);
        return out;
    }
    if (status < 400) {
        if (sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE op_id = ? AND state = 'queued'", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, id->valuestring, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_DONE) {
                out = MENTO_OK;
                sum->settled += sqlite3_changes(db);
            }
        }
        sqlite3_finalize(st);
        return out;
    }
    const cJSON *error =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(result, "body"), "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(error, "message");
    if (sqlite3_prepare_v2(db,
                           "UPDATE outbox SET state = 'refused', status = ?, code = ?, message = ?"
                           " WHERE op_id = ? AND state = 'queued'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, status);
        sqlite3_bind_text(st, 2, cJSON_IsString(code) ? code->valuestring : "refused", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, cJSON_IsString(msg) ? msg->valuestring : "The server refused it",
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, id->valuestring, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE) {
            out = MENTO_OK;
            int n = sqlite3_changes(db);
            sum->settled += n;
            sum->refused += n;
        }
    }
    sqlite3_finalize(st);
    return out;
}

static mento_status reset_programme(sqlite3 *db, const char *programme)
{
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    /* The user's note records are never dropped by a reset (CRYPTO.md): the
     * server may have lost them, and they are re-uploaded. */
    static const char *const drops[] = {"DELETE FROM mentors WHERE programme = ?",
                                        "DELETE FROM mentor_index WHERE programme = ?"};
    for (size_t i = 0; i < 2; i++) {
        if (sqlite3_prepare_v2(db, drops[i], -1, &st, NULL) != SQLITE_OK)
            return MENTO_ERR_DB;
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return MENTO_ERR_DB;
    }
    if (sqlite3_prepare_v2(db, "DELETE FROM objects WHERE programme = ? AND kind <> 'notes'", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            out = MENTO_OK;
    }
    sqlite3_finalize(st);
    return out;
}

static mento_status apply_changes(sqlite3 *db, const char *programme, const cJSON *changes,
                                  struct store_sync_summary *sum)
{
    mento_status st = MENTO_OK;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(changes, "mentors"))
    {
        if ((st = apply_mentor(db, programme, m)) != MENTO_OK)
            return st;
        sum->mentors++;
    }
    int64_t me = my_user_id(db);
    for (size_t i = 0; i < sizeof collections / sizeof collections[0]; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(changes, collections[i].name);
        if (!c)
            continue;
        if (collections[i].shape != KEYED) {
            const char *p = collections[i].shape == WHOLE_GLOBAL ? "" : programme;
            if ((st = put_object(db, p, collections[i].name, "", c)) != MENTO_OK)
                return st;
            sum->collections++;
            if (strcmp(collections[i].name, "programme") == 0)
                sum->programme = true;
            if (strcmp(collections[i].name, "profile") == 0)
                me = my_user_id(db);
            continue;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, c)
        {
            char key[64];
            collection_key(i, e, key, sizeof key);
            if ((st = apply_keyed(db, programme, collections[i].name, key, e, me)) != MENTO_OK)
                return st;
            sum->collections++;
        }
    }
    return MENTO_OK;
}

mento_status store_apply_sync(struct store *s, const char *programme, const cJSON *answer,
                              int64_t now, struct store_sync_summary *sum, char *err,
                              size_t err_len)
{
    memset(sum, 0, sizeof *sum);
    if (!answer_valid(answer, err, err_len))
        return MENTO_ERR_PARSE;
    if (store_begin(s) != MENTO_OK) {
        snprintf(err, err_len, "the store is busy: %s", sqlite3_errmsg(s->db));
        return MENTO_ERR_DB;
    }
    mento_status st = MENTO_OK;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(answer, "results"))
    {
        if ((st = settle(s->db, r, sum)) != MENTO_OK)
            break;
    }
    sum->reset = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "reset"));
    sum->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "more"));
    if (st == MENTO_OK && sum->reset)
        st = reset_programme(s->db, programme);
    if (st == MENTO_OK)
        st = apply_changes(s->db, programme, cJSON_GetObjectItemCaseSensitive(answer, "changes"),
                           sum);
    bool hook_failed = false;
    if (st == MENTO_OK && s->hook)
        hook_failed = (st = s->hook(s->hook_arg, programme, answer, now, err, err_len)) != MENTO_OK;
    if (st == MENTO_OK) {
        sqlite3_stmt *q = NULL;
        st = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT OR REPLACE INTO sync_state(programme, cursor, last_sync)"
                               " VALUES (?, ?, ?)",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, programme, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, cJSON_GetObjectItemCaseSensitive(answer, "cursor")->valuestring,
                              -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 3, now);
            if (sqlite3_step(q) == SQLITE_DONE)
                st = MENTO_OK;
        }
        sqlite3_finalize(q);
    }
    if (st == MENTO_OK)
        st = store_commit(s);
    if (st != MENTO_OK) {
        if (!hook_failed)
            snprintf(err, err_len, "cannot save the sync answer: %s", sqlite3_errmsg(s->db));
        store_rollback(s);
        memset(sum, 0, sizeof *sum);
    }
    return st;
}

/* ---- Reading -------------------------------------------------------------------- */

mento_status store_mentors_each(struct store *s, const char *programme,
                                bool (*fn)(const cJSON *mentor, void *arg), void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT json FROM mentors WHERE programme = ? ORDER BY user_id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    mento_status out = MENTO_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *m = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 0),
                                         (size_t)sqlite3_column_bytes(st, 0));
        if (!m)
            continue; /* only this build writes the store: never happens */
        bool go_on = fn(m, arg);
        cJSON_Delete(m);
        if (!go_on)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return out;
}

int store_mentor_count(struct store *s, const char *programme)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM mentor_index WHERE programme = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static bool global_kind(const char *kind)
{
    return strcmp(kind, "profile") == 0 || strcmp(kind, "vault") == 0 ||
           strcmp(kind, "account") == 0;
}

cJSON *store_get(struct store *s, const char *programme, const char *kind, const char *key)
{
    sqlite3_stmt *st = NULL;
    cJSON *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT json FROM objects WHERE programme = ? AND kind = ? AND key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, global_kind(kind) ? "" : programme, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key ? key : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

cJSON *store_list(struct store *s, const char *programme, const char *kind)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT json FROM objects WHERE programme = ? AND kind = ?"
                           " ORDER BY length(key), key",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    cJSON *arr = cJSON_CreateArray();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *e = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        if (e)
            cJSON_AddItemToArray(arr, e);
    }
    sqlite3_finalize(st);
    return arr;
}

cJSON *store_mentor(struct store *s, const char *programme, int64_t user_id)
{
    sqlite3_stmt *st = NULL;
    cJSON *out = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT json FROM mentors WHERE programme = ? AND user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

mento_status store_put(struct store *s, const char *programme, const char *kind, const char *key,
                       const cJSON *value)
{
    return put_object(s->db, global_kind(kind) ? "" : programme, kind, key ? key : "", value);
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

mento_status store_mentor_rows(struct store *s, const char *programme,
                               bool (*fn)(const struct store_mentor_row *row, void *arg), void *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT user_id, name, grade, job_network, entity, duty_station,"
                           " timezone, languages, years, full, skills, f_name, f_job_network,"
                           " f_entity, f_duty_station, f_skills, f_goals FROM mentor_index"
                           " WHERE programme = ? ORDER BY user_id",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_mentor_row r = {
            .user_id = sqlite3_column_int64(st, 0),
            .name = col(st, 1),
            .grade = col(st, 2),
            .job_network = col(st, 3),
            .entity = col(st, 4),
            .duty_station = col(st, 5),
            .timezone = col(st, 6),
            .languages = (unsigned)sqlite3_column_int(st, 7),
            .years = sqlite3_column_int(st, 8),
            .full = sqlite3_column_int(st, 9) != 0,
            .skills = col(st, 10),
            .f_name = col(st, 11),
            .f_job_network = col(st, 12),
            .f_entity = col(st, 13),
            .f_duty_station = col(st, 14),
            .f_skills = col(st, 15),
            .f_goals = col(st, 16),
        };
        if (!fn(&r, arg))
            break;
    }
    mento_status out = rc == SQLITE_ROW || rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_finalize(st);
    return out;
}

void store_set_sync_hook(struct store *s, store_sync_hook hook, void *arg)
{
    s->hook = hook;
    s->hook_arg = arg;
}

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

/* ---- Resources ---------------------------------------------------------------- */

/* A string member of 1..max bytes of valid UTF-8, or NULL. */
static const char *bounded_str(const cJSON *o, const char *key, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v))
        return NULL;
    size_t n = strlen(v->valuestring);
    return n >= 1 && n <= max && utf8_valid(v->valuestring, n) ? v->valuestring : NULL;
}

/* What is wrong with one resource of an answer, or NULL. */
static const char *resource_problem(const cJSON *it)
{
    if (!cJSON_IsObject(it))
        return "is not an object";
    if (!bounded_str(it, "id", STORE_RESOURCE_ID_MAX))
        return "has no usable id";
    if (!bounded_str(it, "kind", STORE_RESOURCE_KIND_MAX))
        return "has no usable kind";
    if (!bounded_str(it, "title", STORE_RESOURCE_TITLE_MAX))
        return "has no usable title";
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, "body");
    if (!cJSON_IsString(body))
        return "has no body";
    size_t n = strlen(body->valuestring);
    if (n > STORE_RESOURCE_BODY_MAX)
        return "has a body too large to keep";
    if (!utf8_valid(body->valuestring, n))
        return "has a body that is not UTF-8";
    return NULL;
}

static bool resources_valid(const cJSON *answer, char *err, size_t err_len)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(answer, "items");
    if (!cJSON_IsObject(answer) || !cJSON_IsArray(items)) {
        snprintf(err, err_len, "the resources answer has no items array");
        return false;
    }
    if (cJSON_GetArraySize(items) > STORE_RESOURCES_MAX) {
        snprintf(err, err_len, "the resources answer has more than %d items", STORE_RESOURCES_MAX);
        return false;
    }
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        i++;
        const char *problem = resource_problem(it);
        if (problem) {
            snprintf(err, err_len, "resource %d of the answer %s", i, problem);
            return false;
        }
        const char *id = cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring;
        int j = 0;
        const cJSON *other;
        cJSON_ArrayForEach(other, items)
        {
            if (++j >= i)
                break;
            if (strcmp(cJSON_GetObjectItemCaseSensitive(other, "id")->valuestring, id) == 0) {
                snprintf(err, err_len, "resource %d of the answer repeats the id of resource %d", i,
                         j);
                return false;
            }
        }
    }
    return true;
}

static mento_status step_done(sqlite3_stmt *st)
{
    mento_status out = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_finalize(st);
    return out;
}

static mento_status fetched_put(sqlite3 *db, const char *programme, const char *what,
                                const char *etag, int64_t now)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO fetched(programme, what, etag, fetched_at)"
                           " VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, what, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, etag ? etag : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return step_done(st);
}

mento_status store_resources_replace(struct store *s, const char *programme, const cJSON *answer,
                                     const char *etag, int64_t now, char *err, size_t err_len)
{
    if (!resources_valid(answer, err, err_len))
        return MENTO_ERR_PARSE;
    if (store_begin(s) != MENTO_OK) {
        snprintf(err, err_len, "the store is busy: %s", sqlite3_errmsg(s->db));
        return MENTO_ERR_DB;
    }
    sqlite3_stmt *st = NULL;
    mento_status out = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM resources WHERE programme = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        out = step_done(st);
    }
    int position = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(answer, "items"))
    {
        if (out != MENTO_OK)
            break;
        out = MENTO_ERR_DB;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO resources(programme, id, position, kind, title, body)"
                               " VALUES (?, ?, ?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
            break;
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring, -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 3, position++);
        sqlite3_bind_text(st, 4, cJSON_GetObjectItemCaseSensitive(it, "kind")->valuestring, -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 5, cJSON_GetObjectItemCaseSensitive(it, "title")->valuestring, -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 6, cJSON_GetObjectItemCaseSensitive(it, "body")->valuestring, -1,
                          SQLITE_STATIC);
        out = step_done(st);
    }
    if (out == MENTO_OK)
        out = fetched_put(s->db, programme, "resources", etag, now);
    if (out == MENTO_OK)
        out = store_commit(s);
    if (out != MENTO_OK) {
        snprintf(err, err_len, "cannot save the resources: %s", sqlite3_errmsg(s->db));
        store_rollback(s);
    }
    return out;
}

mento_status store_resources_checked(struct store *s, const char *programme, int64_t now)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE fetched SET fetched_at = ? WHERE programme = ?"
                           " AND what = 'resources'",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
    return step_done(st);
}

mento_status store_resources_etag(struct store *s, const char *programme, char *etag, size_t cap,
                                  int64_t *fetched_at)
{
    sqlite3_stmt *st = NULL;
    if (cap)
        etag[0] = '\0';
    if (fetched_at)
        *fetched_at = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT etag, fetched_at FROM fetched WHERE programme = ?"
                           " AND what = 'resources'",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (cap)
            snprintf(etag, cap, "%s", col(st, 0) ? col(st, 0) : "");
        if (fetched_at)
            *fetched_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

cJSON *store_resources_list(struct store *s, const char *programme)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, kind, title, length(body) FROM resources"
                           " WHERE programme = ? ORDER BY position",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    cJSON *arr = cJSON_CreateArray();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", col(st, 0)) ||
            !cJSON_AddStringToObject(o, "kind", col(st, 1)) ||
            !cJSON_AddStringToObject(o, "title", col(st, 2)) ||
            !cJSON_AddNumberToObject(o, "bytes", (double)sqlite3_column_int64(st, 3))) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}

char *store_resource_body(struct store *s, const char *programme, const char *id)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT body FROM resources WHERE programme = ? AND id = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && col(st, 0))
        out = strdup(col(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* ---- Calendar files ----------------------------------------------------------- */

/* The sessions the server has an invitation for: booked, or cancelled after
 * being booked (they keep their start). */
#define CALENDAR_SESSIONS                                                                          \
    "json_extract(o.json, '$.state') = 'booked' OR (json_extract(o.json, '$.state') ="             \
    " 'cancelled' AND json_extract(o.json, '$.starts_at') IS NOT NULL)"

mento_status store_calendar_put(struct store *s, const char *programme, int64_t session_id,
                                const char *body, size_t len, int64_t now)
{
    sqlite3_stmt *st = NULL;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)session_id);
    /* Tagged with the version of the session the store holds now. */
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO calendars(programme, session_id, sequence,"
                           " updated_at, body, fetched_at)"
                           " SELECT ?1, ?2, json_extract(json, '$.sequence'),"
                           " json_extract(json, '$.updated_at'), ?3, ?4 FROM objects"
                           " WHERE programme = ?1 AND kind = 'sessions' AND key = ?5",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, session_id);
    if (body)
        sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
    mento_status out = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    if (out == MENTO_OK && sqlite3_changes(s->db) == 0)
        out = MENTO_ERR_NOT_FOUND; /* no such session in the store */
    sqlite3_finalize(st);
    return out;
}

char *store_calendar_current(struct store *s, const char *programme, int64_t session_id,
                             size_t *len)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)session_id);
    *len = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT c.body FROM calendars c JOIN objects o ON o.programme ="
                           " c.programme AND o.kind = 'sessions' AND o.key = ?3"
                           " WHERE c.programme = ?1 AND c.session_id = ?2 AND c.body IS NOT NULL"
                           " AND c.sequence IS json_extract(o.json, '$.sequence')"
                           " AND c.updated_at IS json_extract(o.json, '$.updated_at')",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, session_id);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *b = sqlite3_column_blob(st, 0);
        out = malloc(n + 1);
        if (out) {
            if (n)
                memcpy(out, b, n);
            out[n] = '\0';
            *len = n;
        }
    }
    sqlite3_finalize(st);
    return out;
}

int store_calendars_missing(struct store *s, const char *programme, int64_t *ids, int cap)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT CAST(o.key AS INTEGER) FROM objects o LEFT JOIN calendars c"
                           " ON c.programme = o.programme AND c.session_id = CAST(o.key AS INTEGER)"
                           " WHERE o.programme = ? AND o.kind = 'sessions'"
                           " AND CAST(o.key AS INTEGER) > 0 AND (" CALENDAR_SESSIONS ")"
                           " AND (c.session_id IS NULL"
                           " OR c.sequence IS NOT json_extract(o.json, '$.sequence')"
                           " OR c.updated_at IS NOT json_extract(o.json, '$.updated_at'))"
                           " ORDER BY CAST(o.key AS INTEGER) LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, cap);
    while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id > 0)
            ids[n++] = id;
    }
    sqlite3_finalize(st);
    return n;
}

/* test_notes.c - note records, keys, vault, pair keys and notifications over
 * HTTP: compare-and-swap, tombstones, who may read, limits, sync. */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define NOTE_MAX (512 * 1024)
#define NOTES    "/v1/programmes/together/notes"

/* Set in main: where the wrapper started by the harness records the database. */
static char db_path_file[300];

/* ---- Helpers ------------------------------------------------------------------ */

static int64_t int_of(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v))
        fail_msg("no integer \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "null");
    return v;
}

static void reg(struct harness *h, const char *name, const char *roles, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

/* A fresh random lowercase UUID. */
static void new_uuid(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* Base64 of `n` random bytes starting with `tag` (caller frees). */
static char *sealed_b64(const char *tag, size_t n)
{
    unsigned char *bin = malloc(n);
    assert_non_null(bin);
    randombytes_buf(bin, n);
    size_t t = strlen(tag) < n ? strlen(tag) : n;
    memcpy(bin, tag, t);
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(len);
    assert_non_null(out);
    sodium_bin2base64(out, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
    free(bin);
    return out;
}

static void note_path(char *buf, size_t cap, const char *id)
{
    snprintf(buf, cap, NOTES "/%s", id);
}

/* PUT a note; pairing 0: private, -1: explicit null. */
static long note_put(struct harness *h, const struct harness_user *u, const char *id, int64_t base,
                     const char *ct, int64_t pairing, struct harness_resp *r)
{
    char path[200];
    note_path(path, sizeof path, id);
    cJSON *b = cJSON_CreateObject();
    harness_json_set_int(b, "base_version", base);
    harness_json_set_str(b, "ciphertext", ct);
    if (pairing > 0)
        harness_json_set_int(b, "pairing_id", pairing);
    else if (pairing < 0)
        harness_json_set(b, "pairing_id", cJSON_CreateNull());
    harness_call_json(h, "PUT", path, u->token, b, NULL, r);
    cJSON_Delete(b);
    return r->status;
}

static long note_del(struct harness *h, const struct harness_user *u, const char *id, int64_t base,
                     struct harness_resp *r)
{
    char path[200];
    snprintf(path, sizeof path, NOTES "/%s?base_version=%lld", id, (long long)base);
    harness_call(h, "DELETE", path, u->token, NULL, NULL, r);
    return r->status;
}

static long note_get(struct harness *h, const struct harness_user *u, const char *id,
                     struct harness_resp *r)
{
    char path[200];
    note_path(path, sizeof path, id);
    harness_call(h, "GET", path, u->token, NULL, NULL, r);
    return r->status;
}

/* Check a record: id, owner, version, ciphertext (NULL: a tombstone). */
static void expect_record(const cJSON *rec, const char *id, int64_t owner, int64_t version,
                          const char *ct, int64_t pairing)
{
    assert_non_null(rec);
    assert_string_equal(harness_str(rec, "id"), id);
    assert_string_equal(harness_str(rec, "programme"), "together");
    assert_int_equal(int_of(rec, "owner_id"), owner);
    assert_int_equal(int_of(rec, "version"), version);
    const cJSON *del = cJSON_GetObjectItemCaseSensitive(rec, "deleted");
    assert_true(cJSON_IsBool(del));
    if (ct) {
        assert_true(cJSON_IsFalse(del));
        assert_string_equal(harness_str(rec, "ciphertext"), ct);
    } else {
        assert_true(cJSON_IsTrue(del));
        assert_null(cJSON_GetObjectItemCaseSensitive(rec, "ciphertext"));
    }
    if (pairing)
        assert_int_equal(int_of(rec, "pairing_id"), pairing);
    else
        assert_null(cJSON_GetObjectItemCaseSensitive(rec, "pairing_id"));
    assert_true(harness_parse_time(harness_str(rec, "updated_at")) > 0);
}

static const cJSON *error_current(const struct harness_resp *r)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    return cJSON_GetObjectItemCaseSensitive(err, "current");
}

/* The ids in a list answer's items, "|"-joined. */
static bool list_has(const cJSON *list, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list, "items"))
    {
        const char *s = harness_str(it, "id");
        if (s && strcmp(s, id) == 0)
            return true;
    }
    return false;
}

/* The path of the database of the running server, from the wrapper. */
static void db_path(char *buf, size_t cap)
{
    FILE *f = fopen(db_path_file, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, (int)cap, f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* Make `u` an administrator of "together", as the server's operator does
 * (there is no API for it). */
static void make_admin(const struct harness_user *u)
{
    char db[256], cmd[600];
    db_path(db, sizeof db);
    snprintf(cmd, sizeof cmd,
             "sqlite3 -cmd '.timeout 10000' '%s' \"UPDATE memberships SET roles = roles | 4"
             " WHERE user_id = %lld AND programme_id = 'together'\"",
             db, (long long)u->id);
    assert_int_equal(system(cmd), 0);
}

/* Fail unless `u` is an administrator of "together" as the API reports it. */
static void expect_admin(struct harness *h, const struct harness_user *u)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me", u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    if (!strstr(r.body, "\"admin\""))
        fail_msg("the administrator role did not take: %s", r.body);
    harness_resp_free(&r);
}

/* Pair mentee `m` with mentor `a` (a request and its acceptance); the pairing id. */
static int64_t pair(struct harness *h, const struct harness_user *m, const struct harness_user *a)
{
    struct harness_resp r = {0};
    char body[128], path[200];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"kind\":\"mentoring\"}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/requests", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = int_of(r.json, "id");
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(h, "POST", path, a->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t id = int_of(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id");
    harness_resp_free(&r);
    return id;
}

/* POST /v1/sync with `ops` (a JSON array text, may be NULL) from `cursor`
 * (may be NULL); the answer is in r, the new cursor copied to `next`. */
static void sync_call(struct harness *h, const struct harness_user *u, const char *cursor,
                      const char *ops, struct harness_resp *r, char *next, size_t cap)
{
    cJSON *b = cJSON_CreateObject();
    harness_json_set_str(b, "programme", "together");
    if (cursor)
        harness_json_set_str(b, "cursor", cursor);
    if (ops)
        harness_json_set(b, "ops", cJSON_Parse(ops));
    harness_call_json(h, "POST", "/v1/sync", u->token, b, NULL, r);
    cJSON_Delete(b);
    harness_expect_status(r, 200);
    if (next)
        snprintf(next, cap, "%s", harness_str(r->json, "cursor"));
}

/* The entry for note `id` in a sync answer's changes.notes (NULL: none). */
static const cJSON *sync_note(const cJSON *answer, const char *id)
{
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(answer, "changes");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(changes, "notes"))
    {
        const char *s = harness_str(it, "id");
        if (s && strcmp(s, id) == 0)
            return it;
    }
    return NULL;
}

/* ---- Tests ------------------------------------------------------------------------ */

static void test_compare_and_swap(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Ana Author", "mentee", &u);
    char id[37];
    new_uuid(id);
    char *v1 = sealed_b64("v1", 200), *v2 = sealed_b64("v2", 300), *other = sealed_b64("x", 64);
    struct harness_resp r = {0};

    assert_int_equal(note_put(h, &u, id, 0, v1, 0, &r), 201);
    expect_record(r.json, id, u.id, 1, v1, 0);
    assert_int_equal(note_get(h, &u, id, &r), 200);
    expect_record(r.json, id, u.id, 1, v1, 0);

    /* The same bytes on the same base: a retry, accepted without change. */
    assert_int_equal(note_put(h, &u, id, 0, v1, 0, &r), 200);
    expect_record(r.json, id, u.id, 1, v1, 0);
    /* Other bytes on base 0: a conflict carrying the current record. */
    note_put(h, &u, id, 0, other, 0, &r);
    harness_expect_error(&r, 409, "version_conflict");
    expect_record(error_current(&r), id, u.id, 1, v1, 0);

    assert_int_equal(note_put(h, &u, id, 1, v2, 0, &r), 200);
    expect_record(r.json, id, u.id, 2, v2, 0);
    assert_int_equal(note_put(h, &u, id, 1, v2, 0, &r), 200);
    expect_record(r.json, id, u.id, 2, v2, 0);
    note_put(h, &u, id, 1, v1, 0, &r);
    harness_expect_error(&r, 409, "version_conflict");
    expect_record(error_current(&r), id, u.id, 2, v2, 0);
    note_put(h, &u, id, 7, v1, 0, &r);
    harness_expect_error(&r, 409, "version_conflict");
    expect_record(error_current(&r), id, u.id, 2, v2, 0);
    /* Nothing changed by the refusals. */
    note_get(h, &u, id, &r);
    expect_record(r.json, id, u.id, 2, v2, 0);

    /* An update of a record that does not exist. */
    char id2[37];
    new_uuid(id2);
    note_put(h, &u, id2, 3, v1, 0, &r);
    harness_expect_error(&r, 404, "not_found");

    /* The list: the caller's records, paged. */
    harness_call(h, "GET", NOTES "?per_page=1&page=1", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "total"), 1);
    assert_int_equal(int_of(r.json, "pages"), 1);
    assert_true(list_has(r.json, id));
    harness_call(h, "GET", NOTES "?bogus=1", u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(h, "GET", NOTES "?per_page=201", u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");

    /* Idempotency key: a replay answers the first result. */
    const char *hdr[] = {"Idempotency-Key: note-key-000001", NULL};
    char path[200];
    note_path(path, sizeof path, id);
    char body[512];
    snprintf(body, sizeof body, "{\"base_version\":2,\"ciphertext\":\"%s\"}", other);
    harness_call(h, "PUT", path, u.token, body, hdr, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "version"), 3);
    harness_call(h, "PUT", path, u.token, body, hdr, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(r.idempotent_replay, "true");
    assert_int_equal(int_of(r.json, "version"), 3);
    free(v1);
    free(v2);
    free(other);
    harness_resp_free(&r);
}

struct racer {
    const struct harness *h;
    const char *token;
    char path[200];
    char body[256];
    long status;
};

static void *race_put(void *arg)
{
    struct racer *rc = arg;
    rc->status = harness_request(rc->h, "PUT", rc->path, rc->token, rc->body, NULL, NULL, NULL);
    return NULL;
}

/* Many devices write on the same base at once: exactly one wins. */
static void test_concurrent_writers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Rae Racer", "mentee", &u);
    enum { N = 8 };
    for (int round = 0; round < 5; round++) {
        char id[37];
        new_uuid(id);
        struct harness_resp r = {0};
        assert_int_equal(note_put(h, &u, id, 0, "AAAA", 0, &r), 201);
        struct racer rs[N];
        pthread_t th[N];
        for (int i = 0; i < N; i++) {
            rs[i].h = h;
            rs[i].token = u.token;
            note_path(rs[i].path, sizeof rs[i].path, id);
            snprintf(rs[i].body, sizeof rs[i].body,
                     "{\"base_version\":1,\"ciphertext\":\"Qk%02d\"}", i);
            assert_int_equal(pthread_create(&th[i], NULL, race_put, &rs[i]), 0);
        }
        int won = 0, lost = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            won += rs[i].status == 200;
            lost += rs[i].status == 409;
        }
        assert_int_equal(won, 1);
        assert_int_equal(lost, N - 1);
        assert_int_equal(note_get(h, &u, id, &r), 200);
        assert_int_equal(int_of(r.json, "version"), 2);
        harness_resp_free(&r);
    }
}

static void test_validation_and_limits(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Lim Its", "mentee", &u);
    char id[37], path[200];
    new_uuid(id);
    note_path(path, sizeof path, id);
    struct harness_resp r = {0};

    note_put(h, &u, "not-a-uuid", 0, "AAAA", 0, &r);
    harness_expect_error(&r, 400, "bad_request");
    note_put(h, &u, "4F0C2D4E-8B7A-4C59-9A57-0E5B3F7D2A61", 0, "AAAA", 0, &r);
    harness_expect_error(&r, 400, "bad_request");
    note_get(h, &u, "zzz", &r);
    harness_expect_error(&r, 400, "bad_request");
    note_put(h, &u, id, 0, "not base64!", 0, &r);
    harness_expect_error_field(&r, 400, "invalid", "ciphertext");
    note_put(h, &u, id, 0, "AAA", 0, &r);
    harness_expect_error_field(&r, 400, "invalid", "ciphertext");
    note_put(h, &u, id, 0, "", 0, &r);
    harness_expect_error_field(&r, 400, "invalid", "ciphertext");
    harness_call(h, "PUT", path, u.token, "{\"ciphertext\":\"AAAA\"}", NULL, &r);
    harness_expect_error_field(&r, 400, "missing_field", "base_version");
    harness_call(h, "PUT", path, u.token, "{\"base_version\":0}", NULL, &r);
    harness_expect_error_field(&r, 400, "missing_field", "ciphertext");
    harness_call(h, "PUT", path, u.token, "{\"base_version\":-1,\"ciphertext\":\"AAAA\"}", NULL,
                 &r);
    harness_expect_error_field(&r, 400, "out_of_range", "base_version");
    harness_call(h, "PUT", path, u.token, "{\"base_version\":\"0\",\"ciphertext\":\"AAAA\"}", NULL,
                 &r);
    harness_expect_error_field(&r, 400, "invalid_type", "base_version");
    harness_call(h, "PUT", path, u.token,
                 "{\"base_version\":0,\"ciphertext\":\"AAAA\",\"title\":\"x\"}", NULL, &r);
    harness_expect_error_field(&r, 400, "unknown_field", "title");

    /* Exactly the limit is taken, one byte more is too long. */
    char *big = sealed_b64("big", NOTE_MAX);
    assert_int_equal(note_put(h, &u, id, 0, big, 0, &r), 201);
    assert_int_equal(note_get(h, &u, id, &r), 200);
    assert_string_equal(harness_str(r.json, "ciphertext"), big);
    free(big);
    char id2[37];
    new_uuid(id2);
    big = sealed_b64("big", NOTE_MAX + 1);
    note_put(h, &u, id2, 0, big, 0, &r);
    harness_expect_error_field(&r, 400, "too_long", "ciphertext");
    free(big);
    note_get(h, &u, id2, &r);
    harness_expect_error(&r, 404, "not_found");

    /* Not a member of the programme. */
    harness_call(h, "GET", "/v1/programmes/nowhere/notes", u.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", NOTES, NULL, NULL, NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_resp_free(&r);
}

static void test_tombstones(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Tom Stone", "mentee", &u);
    char id[37], path[200];
    new_uuid(id);
    char *ct = sealed_b64("tomb", 100);
    struct harness_resp r = {0};
    note_put(h, &u, id, 0, ct, 0, &r);
    harness_expect_status(&r, 201);

    note_del(h, &u, id, 0, &r);
    harness_expect_error(&r, 409, "version_conflict");
    expect_record(error_current(&r), id, u.id, 1, ct, 0);
    snprintf(path, sizeof path, NOTES "/%s", id);
    harness_call(h, "DELETE", path, u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    snprintf(path, sizeof path, NOTES "/%s?base_version=x", id);
    harness_call(h, "DELETE", path, u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    snprintf(path, sizeof path, NOTES "/%s?base_version=1&force=1", id);
    harness_call(h, "DELETE", path, u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");

    assert_int_equal(note_del(h, &u, id, 1, &r), 200);
    expect_record(r.json, id, u.id, 2, NULL, 0);
    /* A retry of the deletion. */
    assert_int_equal(note_del(h, &u, id, 1, &r), 200);
    expect_record(r.json, id, u.id, 2, NULL, 0);
    note_del(h, &u, id, 2, &r);
    harness_expect_error(&r, 409, "version_conflict");
    /* A tombstone is never written again. */
    note_put(h, &u, id, 2, ct, 0, &r);
    harness_expect_error(&r, 409, "note_deleted");
    expect_record(error_current(&r), id, u.id, 2, NULL, 0);
    note_put(h, &u, id, 0, ct, 0, &r);
    harness_expect_error(&r, 409, "note_deleted");
    if (strstr(r.body, ct))
        fail_msg("a tombstone still carries the ciphertext");

    assert_int_equal(note_get(h, &u, id, &r), 200);
    expect_record(r.json, id, u.id, 2, NULL, 0);
    harness_call(h, "GET", NOTES, u.token, NULL, NULL, &r);
    assert_false(list_has(r.json, id));
    harness_call(h, "GET", NOTES "?deleted=include", u.token, NULL, NULL, &r);
    assert_true(list_has(r.json, id));
    harness_call(h, "GET", NOTES "?deleted=maybe", u.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");

    char none[37];
    new_uuid(none);
    note_del(h, &u, none, 0, &r);
    harness_expect_error(&r, 404, "not_found");
    free(ct);
    harness_resp_free(&r);
}

/* Another participant and an administrator of the programme get nothing:
 * not the record, not its existence beyond "not found", no ciphertext. */
static void test_others_and_admin_get_nothing(void **state)
{
    struct harness *h = *state;
    struct harness_user owner, other, admin;
    reg(h, "Olu Owner", "mentee", &owner);
    reg(h, "Ola Other", "mentee", &other);
    reg(h, "Ada Admin", "mentee", &admin);
    make_admin(&admin);
    expect_admin(h, &admin);
    char id[37];
    new_uuid(id);
    char *ct = sealed_b64("secret", 120), *mine = sealed_b64("mine", 50);
    struct harness_resp r = {0};
    note_put(h, &owner, id, 0, ct, 0, &r);
    harness_expect_status(&r, 201);

    const struct harness_user *intruders[] = {&other, &admin};
    for (int i = 0; i < 2; i++) {
        const struct harness_user *x = intruders[i];
        note_get(h, x, id, &r);
        harness_expect_error(&r, 404, "not_found");
        assert_null(strstr(r.body, ct));
        note_put(h, x, id, 1, mine, 0, &r);
        harness_expect_error(&r, 404, "not_found");
        assert_null(strstr(r.body, ct));
        note_put(h, x, id, 0, mine, 0, &r);
        harness_expect_error(&r, 404, "not_found");
        note_del(h, x, id, 1, &r);
        harness_expect_error(&r, 404, "not_found");
        harness_call(h, "GET", NOTES "?deleted=include", x->token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        assert_false(list_has(r.json, id));
        assert_null(strstr(r.body, ct));
        char cur[256];
        sync_call(h, x, NULL, NULL, &r, cur, sizeof cur);
        assert_null(sync_note(r.json, id));
        assert_null(strstr(r.body, ct));
    }
    /* The record is unchanged. */
    note_get(h, &owner, id, &r);
    expect_record(r.json, id, owner.id, 1, ct, 0);
    free(ct);
    free(mine);
    harness_resp_free(&r);
}

static void test_shared_records(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, x;
    reg(h, "Mee Mentee", "mentee", &m);
    reg(h, "Mo Mentor", "mentor", &a);
    reg(h, "Xu Third", "mentee", &x);
    int64_t pairing = pair(h, &m, &a);
    char shared[37], later[37], priv[37], cursor[256];
    new_uuid(shared);
    new_uuid(later);
    new_uuid(priv);
    char *c1 = sealed_b64("s1", 80), *c2 = sealed_b64("s2", 90), *c3 = sealed_b64("s3", 70);
    struct harness_resp r = {0};

    /* The partner's sync cursor before anything is shared. */
    sync_call(h, &a, NULL, NULL, &r, cursor, sizeof cursor);

    assert_int_equal(note_put(h, &m, shared, 0, c1, pairing, &r), 201);
    expect_record(r.json, shared, m.id, 1, c1, pairing);
    assert_int_equal(note_put(h, &m, later, 0, c2, pairing, &r), 201);
    assert_int_equal(note_put(h, &m, priv, 0, c3, 0, &r), 201);

    /* The partner reads, never writes. */
    assert_int_equal(note_get(h, &a, shared, &r), 200);
    expect_record(r.json, shared, m.id, 1, c1, pairing);
    note_put(h, &a, shared, 1, c2, pairing, &r);
    harness_expect_error(&r, 403, "not_your_note");
    note_del(h, &a, shared, 1, &r);
    harness_expect_error(&r, 403, "not_your_note");
    note_get(h, &a, priv, &r);
    harness_expect_error(&r, 404, "not_found");
    char path[200];
    snprintf(path, sizeof path, NOTES "?pairing_id=%lld", (long long)pairing);
    harness_call(h, "GET", path, a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "total"), 2);
    assert_true(list_has(r.json, shared) && list_has(r.json, later));
    /* A third participant: not in the pairing. */
    harness_call(h, "GET", path, x.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    note_get(h, &x, shared, &r);
    harness_expect_error(&r, 404, "not_found");
    char xid[37];
    new_uuid(xid);
    note_put(h, &x, xid, 0, c1, pairing, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    /* An administrator of the programme: no route reaches the records. */
    struct harness_user adm;
    reg(h, "Abe Admin", "mentee", &adm);
    make_admin(&adm);
    expect_admin(h, &adm);
    note_get(h, &adm, shared, &r);
    harness_expect_error(&r, 404, "not_found");
    assert_null(strstr(r.body, c1));
    harness_call(h, "GET", path, adm.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    harness_call(h, "GET", NOTES "?deleted=include", adm.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_false(list_has(r.json, shared));
    assert_null(strstr(r.body, c1));
    char keys_path[200];
    snprintf(keys_path, sizeof keys_path, "/v1/programmes/together/pairings/%lld/pair-keys",
             (long long)pairing);
    harness_call(h, "GET", keys_path, adm.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    sync_call(h, &adm, NULL, NULL, &r, NULL, 0);
    assert_null(sync_note(r.json, shared));
    assert_null(strstr(r.body, c1));

    /* Sync brings the partner the shared records, not the private one. */
    char next[256];
    sync_call(h, &a, cursor, NULL, &r, next, sizeof next);
    expect_record(sync_note(r.json, shared), shared, m.id, 1, c1, pairing);
    assert_non_null(sync_note(r.json, later));
    assert_null(sync_note(r.json, priv));
    snprintf(cursor, sizeof cursor, "%s", next);

    /* Unsharing: the partner can no longer read it, and sync says so. */
    assert_int_equal(note_put(h, &m, shared, 1, c1, -1, &r), 200);
    expect_record(r.json, shared, m.id, 2, c1, 0);
    note_get(h, &a, shared, &r);
    harness_expect_error(&r, 404, "not_found");
    sync_call(h, &a, cursor, NULL, &r, next, sizeof next);
    const cJSON *gone = sync_note(r.json, shared);
    assert_non_null(gone);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gone, "removed")));
    assert_null(cJSON_GetObjectItemCaseSensitive(gone, "ciphertext"));
    snprintf(cursor, sizeof cursor, "%s", next);

    /* The author deletes a shared record: the partner learns it as a tombstone. */
    assert_int_equal(note_put(h, &m, later, 1, c3, pairing, &r), 200);
    assert_int_equal(note_del(h, &m, later, 2, &r), 200);
    sync_call(h, &a, cursor, NULL, &r, next, sizeof next);
    expect_record(sync_note(r.json, later), later, m.id, 3, NULL, pairing);

    /* After the end of the pairing: nothing newly shared with it, and the
     * records shared before stay readable and changeable by their author. */
    char keep[37];
    new_uuid(keep);
    assert_int_equal(note_put(h, &m, keep, 0, c1, pairing, &r), 201);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)pairing);
    harness_call(h, "POST", path, m.token, "{\"reason\":\"goals_met\"}", NULL, &r);
    harness_expect_status(&r, 200);
    note_put(h, &m, shared, 2, c1, pairing, &r);
    harness_expect_error(&r, 409, "pairing_ended");
    char fresh[37];
    new_uuid(fresh);
    note_put(h, &m, fresh, 0, c1, pairing, &r);
    harness_expect_error(&r, 409, "pairing_ended");
    assert_int_equal(note_put(h, &m, keep, 1, c2, pairing, &r), 200);
    assert_int_equal(note_get(h, &a, keep, &r), 200);
    expect_record(r.json, keep, m.id, 2, c2, pairing);
    free(c1);
    free(c2);
    free(c3);
    harness_resp_free(&r);
}

static void test_sync_ops(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Syn Cop", "mentee", &u);
    char id[37], ops[1024], cursor[256];
    new_uuid(id);
    char *ct = sealed_b64("op", 60);
    struct harness_resp r = {0};
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"n-put-000001\",\"type\":\"note.put\",\"body\":{\"id\":\"%s\","
             "\"base_version\":0,\"ciphertext\":\"%s\"}}]",
             id, ct);
    sync_call(h, &u, NULL, ops, &r, cursor, sizeof cursor);
    const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "results"), 0);
    assert_int_equal(int_of(res, "status"), 201);
    expect_record(cJSON_GetObjectItemCaseSensitive(res, "body"), id, u.id, 1, ct, 0);
    expect_record(sync_note(r.json, id), id, u.id, 1, ct, 0);

    /* The same op again: its first result, nothing changed. */
    sync_call(h, &u, cursor, ops, &r, cursor, sizeof cursor);
    res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "results"), 0);
    assert_int_equal(int_of(res, "status"), 201);
    assert_null(sync_note(r.json, id));

    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"n-del-000001\",\"type\":\"note.delete\",\"body\":{\"id\":\"%s\","
             "\"base_version\":0}},"
             "{\"op_id\":\"n-del-000002\",\"type\":\"note.delete\",\"body\":{\"id\":\"%s\","
             "\"base_version\":1}},"
             "{\"op_id\":\"n-del-000003\",\"type\":\"note.delete\",\"body\":{\"id\":\"BAD\","
             "\"base_version\":1}}]",
             id, id);
    sync_call(h, &u, cursor, ops, &r, cursor, sizeof cursor);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r.json, "results");
    res = cJSON_GetArrayItem(results, 0);
    assert_int_equal(int_of(res, "status"), 409);
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(res, "body"), "version_conflict",
                              NULL, "note.delete on an old base");
    res = cJSON_GetArrayItem(results, 1);
    assert_int_equal(int_of(res, "status"), 200);
    res = cJSON_GetArrayItem(results, 2);
    assert_int_equal(int_of(res, "status"), 400);
    expect_record(sync_note(r.json, id), id, u.id, 2, NULL, 0);
    free(ct);
    harness_resp_free(&r);
}

static void test_keys_vault_pair_keys(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, x;
    reg(h, "Kim Keys", "mentee", &m);
    reg(h, "Kai Keys", "mentor", &a);
    reg(h, "Kit Other", "mentee", &x);
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/keys", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");

    char *x1 = sealed_b64("x", 32), *e1 = sealed_b64("e", 32), *s1 = sealed_b64("s", 64);
    char *x2 = sealed_b64("y", 32);
    char body[1024];
    snprintf(body, sizeof body,
             "{\"x25519_public\":\"%s\",\"ed25519_public\":\"%s\",\"x25519_signature\":\"%s\"}", x1,
             e1, s1);
    harness_call(h, "PUT", "/v1/me/keys", m.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "key_version"), 1);
    assert_int_equal(int_of(r.json, "user_id"), m.id);
    assert_string_equal(harness_str(r.json, "x25519_public"), x1);
    harness_call(h, "PUT", "/v1/me/keys", m.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "key_version"), 1);
    harness_call(h, "PUT", "/v1/me/keys", a.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body,
             "{\"x25519_public\":\"%s\",\"ed25519_public\":\"%s\",\"x25519_signature\":\"%s\"}", s1,
             e1, s1);
    harness_call(h, "PUT", "/v1/me/keys", m.token, body, NULL, &r);
    harness_expect_error_field(&r, 400, "invalid", "x25519_public");

    int64_t pairing = pair(h, &m, &a);
    /* A new key: the next version, and the partner is told. */
    snprintf(body, sizeof body,
             "{\"x25519_public\":\"%s\",\"ed25519_public\":\"%s\",\"x25519_signature\":\"%s\"}", x2,
             e1, s1);
    harness_call(h, "PUT", "/v1/me/keys", m.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "key_version"), 2);
    harness_call(h, "GET", "/v1/me/notifications?programme=together", a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int changed = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        if (k && strcmp(k, "partner_key_changed") == 0) {
            changed++;
            assert_int_equal(int_of(it, "ref_id"), pairing);
        }
    }
    assert_int_equal(changed, 1);

    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/keys", (long long)pairing);
    harness_call(h, "GET", path, a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 2);
    harness_call(h, "GET", path, x.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");

    /* Pair keys. */
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/pair-keys",
             (long long)pairing);
    char *sm = sealed_b64("sealed-m", 80), *sa = sealed_b64("sealed-a", 80);
    char pk[2048];
    snprintf(pk, sizeof pk,
             "{\"version\":1,\"copies\":[{\"recipient_id\":%lld,\"recipient_key_version\":2,"
             "\"sealed\":\"%s\",\"signature\":\"%s\"},{\"recipient_id\":%lld,"
             "\"recipient_key_version\":1,\"sealed\":\"%s\",\"signature\":\"%s\"}]}",
             (long long)m.id, sm, s1, (long long)a.id, sa, s1);
    harness_call(h, "POST", path, x.token, pk, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    harness_call(h, "POST", path, a.token, pk, NULL, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "recipient_id"), a.id);
    assert_int_equal(int_of(r.json, "created_by"), a.id);
    assert_string_equal(harness_str(r.json, "sealed"), sa);
    /* An identical retry is accepted; version 1 again with other bytes is not. */
    harness_call(h, "POST", path, a.token, pk, NULL, &r);
    harness_expect_status(&r, 201);
    char pk_bad[2048];
    snprintf(pk_bad, sizeof pk_bad,
             "{\"version\":1,\"copies\":[{\"recipient_id\":%lld,\"recipient_key_version\":2,"
             "\"sealed\":\"%s\",\"signature\":\"%s\"},{\"recipient_id\":%lld,"
             "\"recipient_key_version\":1,\"sealed\":\"%s\",\"signature\":\"%s\"}]}",
             (long long)m.id, sa, s1, (long long)a.id, sm, s1);
    harness_call(h, "POST", path, m.token, pk_bad, NULL, &r);
    harness_expect_error(&r, 409, "version_conflict");
    assert_int_equal(int_of(error_current(&r), "recipient_id"), m.id);
    /* A stale key version. */
    snprintf(pk_bad, sizeof pk_bad,
             "{\"version\":2,\"copies\":[{\"recipient_id\":%lld,\"recipient_key_version\":1,"
             "\"sealed\":\"%s\",\"signature\":\"%s\"},{\"recipient_id\":%lld,"
             "\"recipient_key_version\":1,\"sealed\":\"%s\",\"signature\":\"%s\"}]}",
             (long long)m.id, sa, s1, (long long)a.id, sm, s1);
    harness_call(h, "POST", path, m.token, pk_bad, NULL, &r);
    harness_expect_error(&r, 409, "conflict");
    harness_call(h, "GET", path, m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(items, 0), "sealed"), sm);
    assert_int_equal(int_of(cJSON_GetArrayItem(items, 0), "recipient_key_version"), 2);
    /* An ended pairing takes no new version. */
    char end[200];
    snprintf(end, sizeof end, "/v1/programmes/together/pairings/%lld/end", (long long)pairing);
    harness_call(h, "POST", end, a.token, "{\"reason\":\"no_time\"}", NULL, &r);
    harness_expect_status(&r, 200);
    snprintf(pk_bad, sizeof pk_bad,
             "{\"version\":2,\"copies\":[{\"recipient_id\":%lld,\"recipient_key_version\":2,"
             "\"sealed\":\"%s\",\"signature\":\"%s\"},{\"recipient_id\":%lld,"
             "\"recipient_key_version\":1,\"sealed\":\"%s\",\"signature\":\"%s\"}]}",
             (long long)m.id, sa, s1, (long long)a.id, sm, s1);
    harness_call(h, "POST", path, m.token, pk_bad, NULL, &r);
    harness_expect_error(&r, 409, "pairing_ended");

    /* The vault, by compare-and-swap. */
    harness_call(h, "GET", "/v1/me/vault", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    char *salt = sealed_b64("salt", 16), *blob = sealed_b64("blob", 500);
    char vb[2048];
    snprintf(vb, sizeof vb,
             "{\"base_version\":0,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":3,"
             "\"memlimit\":268435456,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, blob);
    harness_call(h, "PUT", "/v1/me/vault", m.token, vb, NULL, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "version"), 1);
    harness_call(h, "PUT", "/v1/me/vault", m.token, vb, NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(h, "GET", "/v1/me/vault", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "blob"), blob);
    assert_string_equal(harness_str(cJSON_GetObjectItemCaseSensitive(r.json, "kdf"), "salt"), salt);
    snprintf(vb, sizeof vb,
             "{\"base_version\":0,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":3,"
             "\"memlimit\":268435456,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, salt);
    harness_call(h, "PUT", "/v1/me/vault", m.token, vb, NULL, &r);
    harness_expect_error(&r, 409, "version_conflict");
    assert_string_equal(harness_str(error_current(&r), "blob"), blob);
    snprintf(vb, sizeof vb,
             "{\"base_version\":1,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":1,"
             "\"memlimit\":268435456,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, blob);
    harness_call(h, "PUT", "/v1/me/vault", m.token, vb, NULL, &r);
    harness_expect_error_field(&r, 400, "out_of_range", "opslimit");
    snprintf(vb, sizeof vb,
             "{\"base_version\":1,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":2,"
             "\"memlimit\":1048576,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, blob);
    harness_call(h, "PUT", "/v1/me/vault", m.token, vb, NULL, &r);
    harness_expect_error_field(&r, 400, "out_of_range", "memlimit");
    free(x1);
    free(e1);
    free(s1);
    free(x2);
    free(sm);
    free(sa);
    free(salt);
    free(blob);
    harness_resp_free(&r);
}

static void test_notifications(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Nia Notes", "mentee", &m);
    reg(h, "Ned Notes", "mentor", &a);
    int64_t pairing = pair(h, &m, &a);
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?programme=together&unread=true", m.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    int total = cJSON_GetArraySize(items);
    assert_true(total >= 2); /* request_accepted and pairing_created */
    assert_int_equal(int_of(r.json, "total"), total);
    int64_t newest = int_of(cJSON_GetArrayItem(items, 0), "id");
    int64_t oldest = int_of(cJSON_GetArrayItem(items, total - 1), "id");
    assert_true(newest > oldest); /* newest first */
    bool accepted = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        assert_string_equal(harness_str(it, "programme"), "together");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "read")));
        const char *k = harness_str(it, "kind");
        if (k && strcmp(k, "request_accepted") == 0) {
            accepted = true;
            assert_string_equal(harness_str(it, "ref_kind"), "pairing");
            assert_int_equal(int_of(it, "ref_id"), pairing);
        }
    }
    assert_true(accepted);

    char body[128];
    harness_call(h, "POST", "/v1/me/notifications/read", m.token, "{}", NULL, &r);
    harness_expect_error(&r, 400, "invalid");
    snprintf(body, sizeof body, "{\"ids\":[%lld],\"up_to\":%lld}", (long long)oldest,
             (long long)oldest);
    harness_call(h, "POST", "/v1/me/notifications/read", m.token, body, NULL, &r);
    harness_expect_error(&r, 400, "invalid");
    /* Marking: the caller's own only; the mentor's ids are skipped. */
    snprintf(body, sizeof body, "{\"ids\":[%lld,%lld]}", (long long)oldest, (long long)oldest);
    harness_call(h, "POST", "/v1/me/notifications/read", m.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "marked"), 1);
    harness_call(h, "POST", "/v1/me/notifications/read", a.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "marked"), 0);
    harness_call(h, "GET", "/v1/me/notifications?programme=together&unread=true", m.token, NULL,
                 NULL, &r);
    assert_int_equal(int_of(r.json, "total"), total - 1);
    snprintf(body, sizeof body, "{\"up_to\":%lld}", (long long)newest);
    harness_call(h, "POST", "/v1/me/notifications/read", m.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "marked"), total - 1);
    harness_call(h, "GET", "/v1/me/notifications?unread=true", m.token, NULL, NULL, &r);
    assert_int_equal(int_of(r.json, "total"), 0);
    harness_call(h, "GET", "/v1/me/notifications?unread=maybe", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");

    /* Too many ids. */
    cJSON *b = cJSON_CreateObject();
    cJSON *ids = cJSON_AddArrayToObject(b, "ids");
    for (int i = 1; i <= 201; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber(i));
    harness_call_json(h, "POST", "/v1/me/notifications/read", m.token, b, NULL, &r);
    harness_expect_error(&r, 400, "too_long");
    cJSON_Delete(b);

    /* Sync delivers them, with their read state. */
    sync_call(h, &m, NULL, NULL, &r, NULL, 0);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "changes"), "notifications");
    assert_int_equal(cJSON_GetArraySize(list), total);
    cJSON_ArrayForEach(it, list)
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "read")));
    harness_resp_free(&r);
}

/* keys.put, vault.put and notification.read as sync operations, and the
 * keys, vault and notifications collections. */
static void test_sync_keys_vault_notifications(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Sia Sync", "mentee", &m);
    reg(h, "Sol Sync", "mentor", &a);
    pair(h, &m, &a);
    char *x = sealed_b64("x", 32), *e = sealed_b64("e", 32), *sig = sealed_b64("s", 64);
    char *salt = sealed_b64("salt", 16), *blob = sealed_b64("vault", 100);
    char ops[2048], cursor[256];
    struct harness_resp r = {0};
    sync_call(h, &m, NULL, NULL, &r, cursor, sizeof cursor);
    const cJSON *notifs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "changes"), "notifications");
    int n = cJSON_GetArraySize(notifs);
    assert_true(n >= 2);
    int64_t newest = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, notifs)
    {
        int64_t id = int_of(it, "id");
        newest = id > newest ? id : newest;
    }
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"k-put-000001\",\"type\":\"keys.put\",\"body\":{"
             "\"x25519_public\":\"%s\",\"ed25519_public\":\"%s\",\"x25519_signature\":\"%s\"}},"
             "{\"op_id\":\"v-put-000001\",\"type\":\"vault.put\",\"body\":{\"base_version\":0,"
             "\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":2,\"memlimit\":67108864,"
             "\"salt\":\"%s\"},\"blob\":\"%s\"}},"
             "{\"op_id\":\"r-put-000001\",\"type\":\"notification.read\",\"body\":{"
             "\"up_to\":%lld}}]",
             x, e, sig, salt, blob, (long long)newest);
    sync_call(h, &m, cursor, ops, &r, cursor, sizeof cursor);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r.json, "results");
    assert_int_equal(int_of(cJSON_GetArrayItem(results, 0), "status"), 201);
    assert_int_equal(int_of(cJSON_GetArrayItem(results, 1), "status"), 201);
    assert_int_equal(int_of(cJSON_GetArrayItem(results, 2), "status"), 200);
    assert_int_equal(
        int_of(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, 2), "body"), "marked"),
        n);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(r.json, "changes");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(changes, "keys");
    assert_int_equal(cJSON_GetArraySize(keys), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(keys, 0), "x25519_public"), x);
    const cJSON *vault = cJSON_GetObjectItemCaseSensitive(changes, "vault");
    assert_int_equal(int_of(vault, "version"), 1);
    assert_string_equal(harness_str(vault, "blob"), blob);
    notifs = cJSON_GetObjectItemCaseSensitive(changes, "notifications");
    assert_int_equal(cJSON_GetArraySize(notifs), n);
    cJSON_ArrayForEach(it, notifs)
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "read")));
    /* The partner sees the new public key in their sync. */
    sync_call(h, &a, NULL, NULL, &r, NULL, 0);
    keys = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "changes"),
                                            "keys");
    bool seen = false;
    cJSON_ArrayForEach(it, keys) seen = seen || int_of(it, "user_id") == m.id;
    assert_true(seen);
    assert_null(strstr(r.body, blob)); /* never the other's vault */
    /* Nothing more: an unchanged state. */
    sync_call(h, &m, cursor, NULL, &r, cursor, sizeof cursor);
    changes = cJSON_GetObjectItemCaseSensitive(r.json, "changes");
    assert_null(cJSON_GetObjectItemCaseSensitive(changes, "keys"));
    assert_null(cJSON_GetObjectItemCaseSensitive(changes, "vault"));
    assert_null(cJSON_GetObjectItemCaseSensitive(changes, "notifications"));
    free(x);
    free(e);
    free(sig);
    free(salt);
    free(blob);
    harness_resp_free(&r);
}

/* Notifications are kept 180 days (this moves the server's clock: last). */
static void test_notifications_kept_180_days(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Old Timer", "mentee", &m);
    reg(h, "Old Mentor", "mentor", &a);
    pair(h, &m, &a);
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t old_max = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        int64_t id = int_of(it, "id");
        old_max = id > old_max ? id : old_max;
    }
    assert_true(old_max > 0);
    harness_advance_clock(h, 179LL * 86400);
    assert_int_equal(harness_login(h, &m, NULL), 200); /* tokens live 30 days */
    harness_call(h, "GET", "/v1/me/notifications?per_page=200", m.token, NULL, NULL, &r);
    bool kept = false;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items")) kept =
        kept || int_of(it, "id") == old_max;
    if (!kept)
        fail_msg("notification %lld is gone after 179 days: %s", (long long)old_max, r.body);
    harness_advance_clock(h, 2LL * 86400);
    assert_int_equal(harness_login(h, &m, NULL), 200);
    harness_call(h, "GET", "/v1/me/notifications?per_page=200", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        if (int_of(it, "id") <= old_max)
            fail_msg("a notification older than 180 days is still listed: %s", r.body);
    }
    sync_call(h, &m, NULL, NULL, &r, NULL, 0);
    cJSON_ArrayForEach(
        it, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "changes"),
                                             "notifications"))
    {
        if (int_of(it, "id") <= old_max)
            fail_msg("sync still carries a notification older than 180 days");
    }
    harness_resp_free(&r);
}

/* ---- The wrapper that lets the tests find the server's database ------------------ */

static char wrap_dir[256];

static void wrapper_setup(void)
{
    const char *real = getenv("MENTOD");
    if (!real)
        return;
    snprintf(wrap_dir, sizeof wrap_dir, "/tmp/mento-notes-XXXXXX");
    if (!mkdtemp(wrap_dir))
        return;
    char script[300];
    snprintf(script, sizeof script, "%s/mentod", wrap_dir);
    snprintf(db_path_file, sizeof db_path_file, "%s/db-path", wrap_dir);
    FILE *f = fopen(script, "w");
    if (!f)
        return;
    fprintf(f,
            "#!/bin/sh\n"
            "prev=\n"
            "for a in \"$@\"; do [ \"$prev\" = --db ] && printf '%%s\\n' \"$a\" > '%s'; prev=$a;"
            " done\n"
            "exec '%s' \"$@\"\n",
            db_path_file, real);
    fclose(f);
    chmod(script, 0700);
    setenv("MENTOD", script, 1);
}

static void wrapper_cleanup(void)
{
    char p[320];
    snprintf(p, sizeof p, "%s/mentod", wrap_dir);
    unlink(p);
    unlink(db_path_file);
    rmdir(wrap_dir);
}

/* ---- Older sealed texts are forgotten -------------------------------------------- */

/* How many of the forms of `b64` (the text, and its bytes decoded) are in
 * the file at `path`. */
static int found_in_file(const char *path, const char *b64)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 20, n = 0, got;
    unsigned char *data = malloc(cap);
    assert_non_null(data);
    while ((got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            data = realloc(data, cap);
            assert_non_null(data);
        }
    }
    fclose(f);
    unsigned char raw[1024];
    size_t raw_len = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &raw_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    int hits = memmem(data, n, b64, strlen(b64)) != NULL;
    hits += memmem(data, n, raw, raw_len) != NULL;
    free(data);
    return hits;
}

/* A write with an idempotency key (replayed when the key was seen). */
static void keyed(struct harness *h, const struct harness_user *u, const char *method,
                  const char *path, const char *body, const char *key, struct harness_resp *r)
{
    char header[128];
    snprintf(header, sizeof header, "Idempotency-Key: %s-%ld", key, (long)getpid());
    const char *headers[] = {header, NULL};
    harness_call(h, method, path, u->token, body, headers, r);
}

/* After an edit, a deletion or a new vault, the older ciphertext (and the
 * older wrapped root key) is nowhere on the server: not in the answers kept
 * for retries (a retry still gets its version), not in the database file or
 * its WAL once checkpointed. */
static void test_older_ciphertexts_forgotten(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    reg(h, "Fern Gotten", "mentee", &u);
    char id[37], path[200], body[2048];
    new_uuid(id);
    note_path(path, sizeof path, id);
    char *a = sealed_b64("first-version", 300), *b = sealed_b64("second-version", 300);
    struct harness_resp r = {0};
    snprintf(body, sizeof body, "{\"base_version\":0,\"ciphertext\":\"%s\"}", a);
    keyed(h, &u, "PUT", path, body, "forget-put-1", &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body, "{\"base_version\":1,\"ciphertext\":\"%s\"}", b);
    keyed(h, &u, "PUT", path, body, "forget-put-2", &r);
    harness_expect_status(&r, 200);
    /* The retry of the first write: its version, without its text. */
    snprintf(body, sizeof body, "{\"base_version\":0,\"ciphertext\":\"%s\"}", a);
    keyed(h, &u, "PUT", path, body, "forget-put-1", &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "version"), 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "ciphertext"));
    /* The current version's answer keeps it, until it is deleted. */
    snprintf(body, sizeof body, "{\"base_version\":1,\"ciphertext\":\"%s\"}", b);
    keyed(h, &u, "PUT", path, body, "forget-put-2", &r);
    assert_string_equal(harness_str(r.json, "ciphertext"), b);
    char del[260];
    snprintf(del, sizeof del, "%s?base_version=2", path);
    keyed(h, &u, "DELETE", del, NULL, "forget-del", &r);
    harness_expect_status(&r, 200);
    keyed(h, &u, "PUT", path, body, "forget-put-2", &r);
    assert_int_equal(int_of(r.json, "version"), 2);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "ciphertext"));

    /* The vault: a second write (a password change) and the first one's
     * wrapped root key is gone. */
    char *salt = sealed_b64("salt", 16), *v1 = sealed_b64("vault-one", 400),
         *v2 = sealed_b64("vault-two", 400);
    snprintf(body, sizeof body,
             "{\"base_version\":0,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":3,"
             "\"memlimit\":268435456,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, v1);
    keyed(h, &u, "PUT", "/v1/me/vault", body, "forget-vault-1", &r);
    harness_expect_status(&r, 201);
    char second[2048];
    snprintf(second, sizeof second,
             "{\"base_version\":1,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":3,"
             "\"memlimit\":268435456,\"salt\":\"%s\"},\"blob\":\"%s\"}",
             salt, v2);
    keyed(h, &u, "PUT", "/v1/me/vault", second, "forget-vault-2", &r);
    harness_expect_status(&r, 200);
    keyed(h, &u, "PUT", "/v1/me/vault", body, "forget-vault-1", &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "version"), 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "blob"));

    /* The files, once the WAL is folded into the database. */
    char db[256], cmd[600], file[300];
    db_path(db, sizeof db);
    snprintf(cmd, sizeof cmd,
             "sqlite3 -cmd '.timeout 10000' '%s' 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null", db);
    assert_int_equal(system(cmd), 0);
    const char *gone[] = {a, b, v1};
    int searched = 0;
    for (int i = 0; i < 2; i++) {
        snprintf(file, sizeof file, "%s%s", db, i ? "-wal" : "");
        for (size_t k = 0; k < 3; k++) {
            if (found_in_file(file, gone[k]))
                fail_msg("an older sealed text (%zu) is still in %s", k, file);
            searched++;
        }
    }
    /* The checker finds what is there: the current vault. */
    snprintf(file, sizeof file, "%s", db);
    assert_true(found_in_file(file, v2) >= 1);
    fprintf(stderr,
            "# older ciphertexts: 0 of %d searches hit after an edit, a deletion and a "
            "new vault\n",
            searched);
    harness_resp_free(&r);
    free(a);
    free(b);
    free(salt);
    free(v1);
    free(v2);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    wrapper_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_and_swap),
        cmocka_unit_test(test_validation_and_limits),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_tombstones),
        cmocka_unit_test(test_older_ciphertexts_forgotten),
        cmocka_unit_test(test_others_and_admin_get_nothing),
        cmocka_unit_test(test_shared_records),
        cmocka_unit_test(test_sync_ops),
        cmocka_unit_test(test_keys_vault_pair_keys),
        cmocka_unit_test(test_notifications),
        cmocka_unit_test(test_sync_keys_vault_notifications),
        cmocka_unit_test(test_notifications_kept_180_days),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    int rc = cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
    wrapper_cleanup();
    return rc;
}

/* test_sync.c - POST /v1/sync: the first full copy in pages, tiny answers when
 * nothing changed, exactly the changed mentors after, and queued operations. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sync_ctx {
    struct harness *h;
    struct harness_user maya;  /* mentee, English */
    struct harness_user en[5]; /* mentors, English */
    struct harness_user fr;    /* mentor, French only */
    struct harness_user both;  /* mentor, English and French */
};

static void register_as(struct harness *h, const char *name, const char *roles, const char *langs,
                        struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    harness_json_set(p, "languages", harness_json_strings(langs));
    harness_json_set(p, "skills", harness_json_strings("planning"));
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int group_setup(void **state)
{
    struct sync_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    if (harness_start(&c->h) != 0) {
        free(c);
        return -1;
    }
    *state = c;
    static const char *const names[] = {"Adaeze Obi", "Bilal Rahman", "Carmen Ruiz",
                                        "Dmitri Sokolov", "Esi Boateng"};
    for (int i = 0; i < 5; i++)
        register_as(c->h, names[i], "mentor", "en", &c->en[i]);
    register_as(c->h, "François Dupuis", "mentor", "fr", &c->fr);
    register_as(c->h, "Grace Mwangi", "mentor", "en|fr", &c->both);
    register_as(c->h, "Maya Rossi", "mentee", "en", &c->maya);
    return 0;
}

static int group_teardown(void **state)
{
    struct sync_ctx *c = *state;
    int rc = harness_stop(c->h);
    free(c);
    return rc;
}

static void test_server_exits_cleanly(void **state)
{
    struct sync_ctx *c = *state;
    void *h = c->h;
    harness_test_server_exits_cleanly(&h);
}

/* ---- Helpers ----------------------------------------------------------------- */

/* POST /v1/sync for "together"; cursor NULL: not sent; limit 0: not sent;
 * ops (borrowed) may be NULL. */
static void sync_call(struct harness *h, const char *token, const char *cursor, int limit,
                      const cJSON *ops, struct harness_resp *r)
{
    cJSON *body = cJSON_CreateObject();
    assert_non_null(body);
    harness_json_set_str(body, "programme", "together");
    if (cursor)
        harness_json_set_str(body, "cursor", cursor);
    if (limit)
        harness_json_set_int(body, "limit", limit);
    if (ops)
        harness_json_set(body, "ops", cJSON_Duplicate(ops, true));
    harness_call_json(h, "POST", "/v1/sync", token, body, NULL, r);
    cJSON_Delete(body);
}

static const cJSON *changes_of(const struct harness_resp *r)
{
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(r->json, "changes");
    if (!cJSON_IsObject(ch))
        fail_msg("%s: no \"changes\" object: %.300s", r->request, r->body);
    return ch;
}

struct synced {
    cJSON *mentors; /* array of <mentor> objects, by the order received */
    char cursor[512];
    bool first_reset;
    int pages;
};

/* Sync from `cursor` (NULL: none) until more is false. */
static void sync_until_done(struct harness *h, const char *token, const char *cursor, int limit,
                            struct synced *out)
{
    memset(out, 0, sizeof *out);
    out->mentors = cJSON_CreateArray();
    assert_non_null(out->mentors);
    if (cursor)
        snprintf(out->cursor, sizeof out->cursor, "%s", cursor);
    struct harness_resp r = {0};
    for (;;) {
        sync_call(h, token, out->pages == 0 ? cursor : out->cursor, limit, NULL, &r);
        harness_expect_status(&r, 200);
        const char *next = harness_str(r.json, "cursor");
        if (!next)
            fail_msg("sync: no string cursor: %.300s", r.body);
        snprintf(out->cursor, sizeof out->cursor, "%s", next);
        const cJSON *reset = cJSON_GetObjectItemCaseSensitive(r.json, "reset");
        const cJSON *more = cJSON_GetObjectItemCaseSensitive(r.json, "more");
        assert_true(cJSON_IsBool(reset));
        assert_true(cJSON_IsBool(more));
        if (out->pages == 0)
            out->first_reset = cJSON_IsTrue(reset);
        const cJSON *mentors = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors");
        if (limit && cJSON_GetArraySize(mentors) > limit)
            fail_msg("sync: %d mentors on a page with limit %d", cJSON_GetArraySize(mentors),
                     limit);
        const cJSON *m;
        cJSON_ArrayForEach(m, mentors)
        {
            cJSON_AddItemToArray(out->mentors, cJSON_Duplicate(m, true));
        }
        out->pages++;
        if (out->pages > 100)
            fail_msg("sync: more:true without end");
        if (!cJSON_IsTrue(more))
            break;
    }
    harness_resp_free(&r);
}

static const cJSON *find_mentor(const cJSON *arr, int64_t id)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, arr)
    {
        int64_t uid = 0;
        if (harness_int(m, "user_id", &uid) && uid == id)
            return m;
    }
    return NULL;
}

/* Every mentor of the viewer's directory, as the directory lists them. */
static cJSON *directory_items(struct harness *h, const char *token)
{
    cJSON *all = cJSON_CreateArray();
    assert_non_null(all);
    struct harness_resp r = {0};
    for (int page = 1; page < 100; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?per_page=200&page=%d", page);
        harness_call(h, "GET", path, token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
        if (cJSON_GetArraySize(items) == 0)
            break;
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            cJSON_AddItemToArray(all, cJSON_Duplicate(it, true));
        }
    }
    harness_resp_free(&r);
    return all;
}

/* A sync entry carries what the directory lists (the score aside: the spec
 * gives it to mentee callers, the contract lets clients compute it), and may
 * add the other shown answers of the single-mentor form. */
static void expect_same_entry(const cJSON *synced, const cJSON *listed)
{
    int64_t id = 0;
    harness_int(listed, "user_id", &id);
    const cJSON *item;
    cJSON_ArrayForEach(item, listed)
    {
        if (strcmp(item->string, "score") == 0)
            continue;
        if (!cJSON_Compare(item, cJSON_GetObjectItemCaseSensitive(synced, item->string), true))
            fail_msg("mentor %lld: \"%s\" differs between the sync and the directory",
                     (long long)id, item->string);
    }
    static const char *const extra[] = {"score", "goals", "bio", "linkedin"};
    cJSON_ArrayForEach(item, synced)
    {
        if (cJSON_GetObjectItemCaseSensitive(listed, item->string))
            continue;
        bool allowed = false;
        for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
            allowed |= strcmp(item->string, extra[i]) == 0;
        if (!allowed)
            fail_msg("mentor %lld: the sync adds \"%s\"", (long long)id, item->string);
    }
}

/* ---- Tests ------------------------------------------------------------------- */

static void test_first_sync_is_full_copy(void **state)
{
    struct sync_ctx *c = *state;
    struct synced s;
    sync_until_done(c->h, c->maya.token, NULL, 2, &s);
    assert_true(s.first_reset);
    assert_true(s.pages >= 3); /* six visible mentors in pages of 2 */

    /* No mentor twice, none removed. */
    const cJSON *m;
    int i = 0;
    cJSON_ArrayForEach(m, s.mentors)
    {
        assert_null(cJSON_GetObjectItemCaseSensitive(m, "removed"));
        int64_t id = 0;
        assert_true(harness_int(m, "user_id", &id));
        const cJSON *o;
        int j = 0;
        cJSON_ArrayForEach(o, s.mentors)
        {
            int64_t oid = 0;
            harness_int(o, "user_id", &oid);
            if (j++ > i && oid == id)
                fail_msg("mentor %lld twice in the first sync", (long long)id);
        }
        i++;
    }

    /* The union is the directory, entry for entry. */
    cJSON *dir = directory_items(c->h, c->maya.token);
    assert_int_equal(cJSON_GetArraySize(s.mentors), cJSON_GetArraySize(dir));
    cJSON_ArrayForEach(m, dir)
    {
        int64_t id = 0;
        harness_int(m, "user_id", &id);
        const cJSON *got = find_mentor(s.mentors, id);
        if (!got)
            fail_msg("mentor %lld is in the directory, not in the sync", (long long)id);
        expect_same_entry(got, m);
    }
    cJSON_Delete(dir);

    /* And what this test registered: English and bilingual mentors, not the
     * French-only one (Maya shares no language with her), not Maya herself. */
    for (int k = 0; k < 5; k++)
        assert_non_null(find_mentor(s.mentors, c->en[k].id));
    assert_non_null(find_mentor(s.mentors, c->both.id));
    assert_null(find_mentor(s.mentors, c->fr.id));
    assert_null(find_mentor(s.mentors, c->maya.id));
    cJSON_Delete(s.mentors);
}

static void test_first_sync_carries_own_state(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_resp r = {0};
    sync_call(c->h, c->maya.token, NULL, 500, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    const cJSON *ch = changes_of(&r);
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(ch, "profile");
    assert_true(cJSON_IsObject(profile));
    assert_string_equal(harness_str(profile, "name"), "Maya Rossi");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(ch, "memberships");
    assert_true(cJSON_IsArray(ms));
    assert_int_equal(cJSON_GetArraySize(ms), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(ms, 0), "programme"), "together");
    /* The account: not frozen, and the programmes to switch between. */
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(ch, "account");
    int64_t id = 0;
    assert_true(harness_int(acc, "user_id", &id));
    assert_int_equal(id, c->maya.id);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(acc, "frozen")));
    const cJSON *progs = cJSON_GetObjectItemCaseSensitive(acc, "programmes");
    assert_int_equal(cJSON_GetArraySize(progs), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(progs, 0), "programme"), "together");
    harness_resp_free(&r);
}

/* Frozen from one device: the next sync of any device says so. */
static void test_account_state_travels(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Ola Nordmann", "mentee", "en", &u);
    struct synced s;
    sync_until_done(c->h, u.token, NULL, 2000, &s);
    cJSON_Delete(s.mentors);
    struct harness_resp r = {0};
    harness_call(c->h, "POST", "/v1/me/freeze", u.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, u.token, s.cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "account");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(acc, "frozen")));
    harness_resp_free(&r);
}

static void test_empty_cursor_forms(void **state)
{
    struct sync_ctx *c = *state;
    /* "", null and 0 all mean: from the start. */
    static const char *const bodies[] = {
        "{\"programme\":\"together\",\"cursor\":\"\",\"limit\":2000}",
        "{\"programme\":\"together\",\"cursor\":null,\"limit\":2000}",
        "{\"programme\":\"together\",\"cursor\":0,\"limit\":2000}",
    };
    struct synced s;
    sync_until_done(c->h, c->maya.token, NULL, 2000, &s);
    for (size_t i = 0; i < 3; i++) {
        struct harness_resp r = {0};
        harness_call(c->h, "POST", "/v1/sync", c->maya.token, bodies[i], NULL, &r);
        harness_expect_status(&r, 200);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
        assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "more")));
        const cJSON *mentors = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors");
        assert_int_equal(cJSON_GetArraySize(mentors), cJSON_GetArraySize(s.mentors));
        harness_resp_free(&r);
    }
    cJSON_Delete(s.mentors);
}

static void test_unchanged_is_tiny(void **state)
{
    struct sync_ctx *c = *state;
    struct synced s;
    sync_until_done(c->h, c->maya.token, NULL, 3, &s);
    cJSON_Delete(s.mentors);
    struct harness_resp r = {0};
    sync_call(c->h, c->maya.token, s.cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "more")));
    if (cJSON_GetArraySize(changes_of(&r)) != 0)
        fail_msg("nothing changed, yet: %s", r.body);
    if (r.len >= 300)
        fail_msg("an unchanged sync is %zu bytes: %s", r.len, r.body);
    assert_non_null(harness_str(r.json, "cursor"));

    /* The returned cursor works again the same way. */
    char cursor[512];
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    sync_call(c->h, c->maya.token, cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(changes_of(&r)), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    harness_resp_free(&r);
}

/* After a full sync, one change: the next sync holds exactly `who`. */
static void expect_only_change(struct sync_ctx *c, const char *cursor, int64_t who,
                               char *next_cursor, size_t cap)
{
    struct harness_resp r = {0};
    sync_call(c->h, c->maya.token, cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    const cJSON *ch = changes_of(&r);
    assert_null(cJSON_GetObjectItemCaseSensitive(ch, "profile"));
    assert_null(cJSON_GetObjectItemCaseSensitive(ch, "memberships"));
    const cJSON *mentors = cJSON_GetObjectItemCaseSensitive(ch, "mentors");
    if (cJSON_GetArraySize(mentors) != 1)
        fail_msg("expected exactly mentor %lld, got: %s", (long long)who, r.body);
    int64_t id = 0;
    assert_true(harness_int(cJSON_GetArrayItem(mentors, 0), "user_id", &id));
    assert_true(id == who);
    snprintf(next_cursor, cap, "%s", harness_str(r.json, "cursor"));
    harness_resp_free(&r);
}

static void test_changed_mentor_only(void **state)
{
    struct sync_ctx *c = *state;
    struct synced s;
    sync_until_done(c->h, c->maya.token, NULL, 0, &s);
    cJSON_Delete(s.mentors);
    char cursor[512];
    snprintf(cursor, sizeof cursor, "%s", s.cursor);

    struct harness_resp r = {0};
    harness_call(c->h, "PUT", "/v1/me/profile/skills", c->en[2].token,
                 "{\"value\":[\"conflict resolution\"]}", NULL, &r);
    harness_expect_status(&r, 200);
    char next[512];
    expect_only_change(c, cursor, c->en[2].id, next, sizeof next);

    /* The entry is the new one. */
    sync_call(c->h, c->maya.token, cursor, 0, NULL, &r);
    const cJSON *m =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors"), 0);
    const cJSON *skills = cJSON_GetObjectItemCaseSensitive(m, "skills");
    assert_int_equal(cJSON_GetArraySize(skills), 1);
    assert_true(harness_strings_contain(skills, "conflict resolution"));

    /* Then nothing again. */
    sync_call(c->h, c->maya.token, next, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(changes_of(&r)), 0);

    /* A new mentor is a change too. */
    struct harness_user late;
    register_as(c->h, "Hiroshi Tanaka", "mentor", "en", &late);
    char after[512];
    expect_only_change(c, next, late.id, after, sizeof after);

    /* A mentor Maya cannot see (French only) changes: no entry for Maya. */
    harness_call(c->h, "PUT", "/v1/me/profile/years_experience", c->fr.token, "{\"value\":20}",
                 NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, c->maya.token, after, 0, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *entry =
        find_mentor(cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors"), c->fr.id);
    if (entry && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "removed")))
        fail_msg("a French-only mentor reached an English-only mentee: %s", r.body);
    harness_resp_free(&r);
}

/* ---- Operations ------------------------------------------------------------------ */

static cJSON *op_set(const char *op_id, const char *key, cJSON *value)
{
    cJSON *op = cJSON_CreateObject();
    harness_json_set_str(op, "op_id", op_id);
    harness_json_set_str(op, "type", "profile.set");
    cJSON *body = cJSON_CreateObject();
    harness_json_set_str(body, "key", key);
    harness_json_set(body, "value", value);
    harness_json_set(op, "body", body);
    return op;
}

static const char *profile_bio(struct harness *h, const char *token, struct harness_resp *r)
{
    harness_call(h, "GET", "/v1/me/profile", token, NULL, NULL, r);
    harness_expect_status(r, 200);
    return harness_str(r->json, "bio");
}

static const cJSON *result_at(const struct harness_resp *r, int i, const char *op_id)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r->json, "results");
    const cJSON *res = cJSON_GetArrayItem(results, i);
    if (!res)
        fail_msg("no result %d: %.400s", i, r->body);
    assert_string_equal(harness_str(res, "op_id"), op_id);
    return res;
}

static int64_t result_status(const cJSON *res)
{
    int64_t st = 0;
    assert_true(harness_int(res, "status", &st));
    return st;
}

static void test_op_profile_set(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Op Runner", "mentee", "en", &u);
    char op_id[64];
    snprintf(op_id, sizeof op_id, "op-%ld-first", (long)getpid());

    cJSON *ops = cJSON_CreateArray();
    cJSON_AddItemToArray(ops, op_set(op_id, "bio", cJSON_CreateString("Hello from sync")));
    struct harness_resp r = {0};
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "results")), 1);
    const cJSON *res = result_at(&r, 0, op_id);
    assert_int_equal(result_status(res), 200);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(res, "body");
    assert_string_equal(harness_str(body, "key"), "bio");
    assert_string_equal(harness_str(body, "value"), "Hello from sync");
    cJSON *first = cJSON_Duplicate(res, true);
    assert_string_equal(profile_bio(c->h, u.token, &r), "Hello from sync");

    /* The same op_id again, even with another value: the first result, not applied. */
    cJSON_Delete(ops);
    ops = cJSON_CreateArray();
    cJSON_AddItemToArray(ops, op_set(op_id, "bio", cJSON_CreateString("Applied twice")));
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_status(&r, 200);
    res = result_at(&r, 0, op_id);
    if (!cJSON_Compare(res, first, true))
        fail_msg("a repeated op_id answered another result: %s", r.body);
    assert_string_equal(profile_bio(c->h, u.token, &r), "Hello from sync");

    /* A direct edit afterwards, then the old op once more: still not applied. */
    harness_call(c->h, "PUT", "/v1/me/profile/bio", u.token, "{\"value\":\"Edited\"}", NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(profile_bio(c->h, u.token, &r), "Edited");

    cJSON_Delete(first);
    cJSON_Delete(ops);
    harness_resp_free(&r);
}

static void test_failing_op_does_not_stop_next(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Op Mixer", "mentee", "en", &u);
    long pid = (long)getpid();
    char a[64], b[64], d[64], e[64];
    snprintf(a, sizeof a, "op-%ld-bad-grade", pid);
    snprintf(b, sizeof b, "op-%ld-good-bio", pid);
    snprintf(d, sizeof d, "op-%ld-unknown-type", pid);
    snprintf(e, sizeof e, "op-%ld-unknown-key", pid);

    cJSON *ops = cJSON_CreateArray();
    cJSON_AddItemToArray(ops, op_set(a, "grade", cJSON_CreateString("P-9")));
    cJSON_AddItemToArray(ops, op_set(b, "bio", cJSON_CreateString("After a failure")));
    cJSON *odd = op_set(d, "bio", cJSON_CreateString("x"));
    harness_json_set_str(odd, "type", "no.such.op");
    cJSON_AddItemToArray(ops, odd);
    cJSON_AddItemToArray(ops, op_set(e, "favourite_colour", cJSON_CreateString("blue")));
    cJSON_AddItemToArray(ops, op_set("bad id!", "bio", cJSON_CreateString("Never")));

    struct harness_resp r = {0};
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "results")), 5);

    const cJSON *res = result_at(&r, 0, a);
    assert_int_equal(result_status(res), 400);
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(res, "body"), "invalid", "grade",
                              "the bad grade op");
    res = result_at(&r, 1, b);
    assert_int_equal(result_status(res), 200);
    res = result_at(&r, 2, d);
    assert_int_equal(result_status(res), 400);
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(res, "body"), "invalid", NULL,
                              "the unknown op type");
    res = result_at(&r, 3, e);
    assert_int_equal(result_status(res), 404);
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(res, "body"), "unknown_question",
                              NULL, "the unknown question op");
    /* A malformed op_id is refused for that operation, which does not run. */
    res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "results"), 4);
    assert_int_equal(result_status(res), 400);
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(res, "body"), "invalid", NULL,
                              "the op with a malformed op_id");

    harness_call(c->h, "GET", "/v1/me/profile", u.token, NULL, NULL, &r);
    assert_string_equal(harness_str(r.json, "bio"), "After a failure"); /* not "Never" */
    assert_string_equal(harness_str(r.json, "grade"), "P-3");
    cJSON_Delete(ops);
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

static void test_op_count_limit(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Op Counter", "mentee", "en", &u);
    long pid = (long)getpid();

    cJSON *ops = cJSON_CreateArray();
    for (int i = 0; i < 101; i++) {
        char id[64], bio[32];
        snprintf(id, sizeof id, "op-%ld-many-%03d", pid, i);
        snprintf(bio, sizeof bio, "w%d", i);
        cJSON_AddItemToArray(ops, op_set(id, "bio", cJSON_CreateString(bio)));
    }
    struct harness_resp r = {0};
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_error(&r, 400, "out_of_range");
    assert_null(profile_bio(c->h, u.token, &r));
    harness_expect_healthy(c->h);

    /* 100 is allowed: every one runs, in order. */
    cJSON_DeleteItemFromArray(ops, 100);
    sync_call(c->h, u.token, NULL, 0, ops, &r);
    harness_expect_status(&r, 200);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r.json, "results");
    assert_int_equal(cJSON_GetArraySize(results), 100);
    const cJSON *res;
    cJSON_ArrayForEach(res, results)
    {
        assert_int_equal(result_status(res), 200);
    }
    assert_string_equal(profile_bio(c->h, u.token, &r), "w99");
    cJSON_Delete(ops);
    harness_resp_free(&r);
}

static void test_bad_sync_requests(void **state)
{
    struct sync_ctx *c = *state;
    const char *t = c->maya.token;
    struct harness_resp r = {0};
    struct {
        const char *body;
        long status;
        const char *code, *field;
    } cases[] = {
        {"{\"programme\":\"together\",\"limit\":0}", 400, "out_of_range", "limit"},
        {"{\"programme\":\"together\",\"limit\":2001}", 400, "out_of_range", "limit"},
        {"{\"programme\":\"together\",\"limit\":\"5\"}", 400, "invalid_type", "limit"},
        {"{\"programme\":\"together\",\"ops\":{}}", 400, "invalid_type", "ops"},
        {"{\"programme\":\"together\",\"extra\":1}", 400, "unknown_field", "extra"},
        {"{\"cursor\":\"\"}", 400, "missing_field", "programme"},
        {"{\"programme\":7}", 400, "invalid_type", "programme"},
        {"{\"programme\":\"no-such\"}", 404, "unknown_programme", NULL},
        {"{\"programme\":\"iom-2025\"}", 403, "forbidden", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness_call(c->h, "POST", "/v1/sync", t, cases[i].body, NULL, &r);
        harness_expect_error_field(&r, cases[i].status, cases[i].code, cases[i].field);
        harness_expect_healthy(c->h);
    }
    /* A cursor that is not a string (nor null, nor 0). */
    harness_call(c->h, "POST", "/v1/sync", t, "{\"programme\":\"together\",\"cursor\":[1]}", NULL,
                 &r);
    assert_int_equal(r.status, 400);
    const char *code = harness_error_code(&r);
    if (strcmp(code, "bad_request") != 0 && strcmp(code, "invalid_type") != 0)
        fail_msg("an array cursor: %s", r.body);
    harness_call(c->h, "POST", "/v1/sync", NULL, "{\"programme\":\"together\"}", NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

/* A mentor who leaves the caller's directory travels as a removal. */
static void test_leaving_mentor_is_removed(void **state)
{
    struct sync_ctx *c = *state;
    struct synced s;
    sync_until_done(c->h, c->maya.token, NULL, 0, &s);
    cJSON_Delete(s.mentors);
    struct harness_resp r = {0};
    harness_call(c->h, "PUT", "/v1/me/profile/languages", c->en[4].token, "{\"value\":[\"fr\"]}",
                 NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, c->maya.token, s.cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    const cJSON *mentors = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors");
    if (cJSON_GetArraySize(mentors) != 1)
        fail_msg("expected one removal: %s", r.body);
    const cJSON *gone = cJSON_GetArrayItem(mentors, 0);
    int64_t id = 0;
    assert_true(harness_int(gone, "user_id", &id));
    assert_true(id == c->en[4].id);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gone, "removed")));
    assert_null(cJSON_GetObjectItemCaseSensitive(gone, "name"));
    char cursor[512];
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));

    /* Back in English: back in full. */
    harness_call(c->h, "PUT", "/v1/me/profile/languages", c->en[4].token, "{\"value\":[\"en\"]}",
                 NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, c->maya.token, cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    mentors = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "mentors");
    assert_int_equal(cJSON_GetArraySize(mentors), 1);
    const cJSON *back = cJSON_GetArrayItem(mentors, 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(back, "removed"));
    assert_string_equal(harness_str(back, "name"), "Esi Boateng");
    harness_resp_free(&r);
}

/* The caller's own changes travel as "profile"; a change of the caller's
 * session languages changes the whole directory, so it comes as a reset. */
static void test_own_changes(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Lena Fischer", "mentee", "en", &u);
    struct synced s;
    sync_until_done(c->h, u.token, NULL, 0, &s);
    cJSON_Delete(s.mentors);

    struct harness_resp r = {0};
    harness_call(c->h, "PUT", "/v1/me/profile/bio", u.token, "{\"value\":\"Now with a bio.\"}",
                 NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, u.token, s.cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "profile");
    if (!profile)
        fail_msg("the caller's new bio did not travel: %s", r.body);
    assert_string_equal(harness_str(profile, "bio"), "Now with a bio.");
    char cursor[512];
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    /* Read out any pages left, to start the next step from a settled cursor. */
    while (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "more"))) {
        sync_call(c->h, u.token, cursor, 0, NULL, &r);
        snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    }

    harness_call(c->h, "PUT", "/v1/me/profile/languages", u.token, "{\"value\":[\"fr\"]}", NULL,
                 &r);
    harness_expect_status(&r, 200);
    struct synced after;
    sync_until_done(c->h, u.token, cursor, 2, &after);
    assert_true(after.first_reset);
    /* The pages that follow are the whole directory as she sees it now. */
    cJSON *dir = directory_items(c->h, u.token);
    assert_int_equal(cJSON_GetArraySize(after.mentors), cJSON_GetArraySize(dir));
    const cJSON *m;
    cJSON_ArrayForEach(m, dir)
    {
        int64_t id = 0;
        harness_int(m, "user_id", &id);
        const cJSON *got = find_mentor(after.mentors, id);
        if (!got)
            fail_msg("after the reset, mentor %lld is missing", (long long)id);
        expect_same_entry(got, m);
    }
    assert_non_null(find_mentor(after.mentors, c->fr.id));
    assert_non_null(find_mentor(after.mentors, c->both.id));
    assert_null(find_mentor(after.mentors, c->en[0].id));
    cJSON_Delete(dir);
    cJSON_Delete(after.mentors);
    harness_resp_free(&r);
}

/* The programme object (with its questionnaire) comes on the first page of a
 * first sync and of a reset, and not again while it does not change. */
static void test_programme_on_first_sync_and_reset(void **state)
{
    struct sync_ctx *c = *state;
    struct harness_user u;
    register_as(c->h, "Omar Haddad", "mentee", "en", &u);
    struct harness_resp r = {0};
    sync_call(c->h, u.token, NULL, 2, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(changes_of(&r), "programme");
    if (!cJSON_IsObject(prog))
        fail_msg("no programme in a first sync: %.300s", r.body);
    struct harness_resp p = {0};
    harness_call(c->h, "GET", "/v1/programmes/together", NULL, NULL, NULL, &p);
    harness_expect_status(&p, 200);
    assert_true(cJSON_Compare(prog, p.json, true)); /* as GET /v1/programmes/{id} */
    harness_resp_free(&p);
    char cursor[512];
    for (;;) {
        snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "more")))
            break;
        sync_call(c->h, u.token, cursor, 2, NULL, &r);
        harness_expect_status(&r, 200);
        assert_null(cJSON_GetObjectItemCaseSensitive(changes_of(&r), "programme"));
    }
    sync_call(c->h, u.token, cursor, 0, NULL, &r);
    assert_null(cJSON_GetObjectItemCaseSensitive(changes_of(&r), "programme"));
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    /* A reset drops the client's copy of every collection: it comes again. */
    harness_call(c->h, "PUT", "/v1/me/profile/languages", u.token, "{\"value\":[\"fr\"]}", NULL,
                 &r);
    harness_expect_status(&r, 200);
    sync_call(c->h, u.token, cursor, 0, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(changes_of(&r), "programme"));
    harness_resp_free(&r);
}

/* A cursor this server never gave out (a client that synced with another
 * server, or with this one before its database was rebuilt) starts over. */
static void test_foreign_cursor_resets(void **state)
{
    struct sync_ctx *c = *state;
    struct harness *other = NULL;
    assert_int_equal(harness_start(&other), 0);
    struct harness_user stranger, lone;
    register_as(other, "Lone Mentor", "mentor", "en", &lone);
    register_as(other, "Maya Rossi", "mentee", "en", &stranger);
    struct synced there;
    sync_until_done(other, stranger.token, NULL, 0, &there);
    assert_int_equal(cJSON_GetArraySize(there.mentors), 1);
    cJSON_Delete(there.mentors);

    struct synced here;
    sync_until_done(c->h, c->maya.token, NULL, 0, &here);
    size_t n_here = (size_t)cJSON_GetArraySize(here.mentors);
    cJSON_Delete(here.mentors);

    /* The small server's cursor here, where much more has happened. */
    struct synced s;
    sync_until_done(c->h, c->maya.token, there.cursor, 0, &s);
    if (!s.first_reset || (size_t)cJSON_GetArraySize(s.mentors) != n_here)
        fail_msg("a cursor from another server: reset %s, %d of %zu mentors",
                 s.first_reset ? "true" : "false", cJSON_GetArraySize(s.mentors), n_here);
    cJSON_Delete(s.mentors);

    /* And this server's cursor there. */
    sync_until_done(other, stranger.token, here.cursor, 0, &s);
    assert_true(s.first_reset);
    assert_int_equal(cJSON_GetArraySize(s.mentors), 1);
    cJSON_Delete(s.mentors);
    assert_int_equal(harness_stop(other), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_sync_is_full_copy),
        cmocka_unit_test(test_first_sync_carries_own_state),
        cmocka_unit_test(test_account_state_travels),
        cmocka_unit_test(test_empty_cursor_forms),
        cmocka_unit_test(test_unchanged_is_tiny),
        cmocka_unit_test(test_changed_mentor_only),
        cmocka_unit_test(test_leaving_mentor_is_removed),
        cmocka_unit_test(test_own_changes),
        cmocka_unit_test(test_programme_on_first_sync_and_reset),
        cmocka_unit_test(test_foreign_cursor_resets),
        cmocka_unit_test(test_op_profile_set),
        cmocka_unit_test(test_failing_op_does_not_stop_next),
        cmocka_unit_test(test_op_count_limit),
        cmocka_unit_test(test_bad_sync_requests),
        cmocka_unit_test(test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

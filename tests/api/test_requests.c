/* test_requests.c - the wish-list and requests over HTTP: one open request, deadlines,
 * reminder, expiry, the cascade, decisions, races for the last slot, sync. */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOUR 3600
#define DAY  (24 * HOUR)

/* ---- Helpers ------------------------------------------------------------------ */

/* Register `name` with `roles` ("mentee", "mentor"), session languages `langs`
 * ("en|fr"), time zone `tz` (NULL: the harness default) and, for a mentor,
 * `capacity` (0: default). */
static void reg(struct harness *h, const char *name, const char *roles, const char *langs,
                const char *tz, int capacity, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    harness_json_set(p, "languages", harness_json_strings(langs));
    if (tz)
        harness_json_set_str(p, "timezone", tz);
    struct harness_account a = {.roles = roles, .profile = p, .capacity = capacity};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static void path_of(char *buf, size_t cap, const char *tail, int64_t id)
{
    if (id)
        snprintf(buf, cap, "/v1/programmes/together/%s/%lld", tail, (long long)id);
    else
        snprintf(buf, cap, "/v1/programmes/together/%s", tail);
}

static int64_t int_of(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v))
        fail_msg("no integer \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "null");
    return v;
}

/* POST .../wishlist, expecting 201. */
static void wish_add(struct harness *h, const struct harness_user *mentee, int64_t mentor,
                     int position)
{
    char body[128];
    if (position)
        snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"position\":%d}", (long long)mentor,
                 position);
    else
        snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)mentor);
    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/programmes/together/wishlist", mentee->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
}

/* The wish-list's mentor ids in order, as "a,b,c". */
static void wish_order(const cJSON *wl, char *buf, size_t cap)
{
    buf[0] = '\0';
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    if (!cJSON_IsArray(items))
        fail_msg("no items in the wish-list");
    const cJSON *it;
    int expect_pos = 1;
    cJSON_ArrayForEach(it, items)
    {
        if (int_of(it, "position") != expect_pos)
            fail_msg("position %lld where %d was expected", (long long)int_of(it, "position"),
                     expect_pos);
        expect_pos++;
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%lld", n ? "," : "", (long long)int_of(it, "mentor_id"));
    }
}

static void expect_order(const cJSON *wl, const int64_t *ids, size_t n)
{
    char want[256] = "", got[256];
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(want);
        snprintf(want + l, sizeof want - l, "%s%lld", i ? "," : "", (long long)ids[i]);
    }
    wish_order(wl, got, sizeof got);
    if (strcmp(want, got) != 0)
        fail_msg("wish-list order %s, expected %s", got, want);
}

static const cJSON *wish_item(const cJSON *wl, int64_t mentor)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(wl, "items"))
    {
        if (int_of(it, "mentor_id") == mentor)
            return it;
    }
    return NULL;
}

/* POST .../requests; returns the status, the request in `r`. */
static long send_req(struct harness *h, const struct harness_user *mentee, int64_t mentor,
                     const char *kind, const char *message, struct harness_resp *r)
{
    cJSON *b = cJSON_CreateObject();
    harness_json_set_int(b, "mentor_id", mentor);
    if (kind)
        harness_json_set_str(b, "kind", kind);
    if (message)
        harness_json_set_str(b, "message", message);
    harness_call_json(h, "POST", "/v1/programmes/together/requests", mentee->token, b, NULL, r);
    cJSON_Delete(b);
    return r->status;
}

/* Send, expecting 201; the request id. */
static int64_t send_ok(struct harness *h, const struct harness_user *mentee, int64_t mentor)
{
    struct harness_resp r = {0};
    send_req(h, mentee, mentor, NULL, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t id = int_of(r.json, "id");
    harness_resp_free(&r);
    return id;
}

/* The id of the mentor's current request, 0 for none. */
static int64_t current_of(struct harness *h, const struct harness_user *mentor)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/together/requests/current", mentor->token, NULL, NULL,
                 &r);
    harness_expect_status(&r, 200);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(r.json, "request");
    if (!req)
        fail_msg("no \"request\" member: %s", r.body);
    int64_t id = cJSON_IsNull(req) ? 0 : int_of(req, "id");
    harness_resp_free(&r);
    return id;
}

/* The request as `u` sees it (caller frees); fails unless 200. */
static cJSON *req_get(struct harness *h, const struct harness_user *u, int64_t id)
{
    char path[160];
    path_of(path, sizeof path, "requests", id);
    struct harness_resp r = {0};
    harness_call(h, "GET", path, u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON *out = cJSON_Duplicate(r.json, true);
    harness_resp_free(&r);
    return out;
}

static void expect_state(struct harness *h, const struct harness_user *mentee, int64_t id,
                         const char *state)
{
    cJSON *q = req_get(h, mentee, id);
    const char *s = harness_str(q, "state");
    if (!s || strcmp(s, state) != 0)
        fail_msg("request %lld is %s, expected %s", (long long)id, s ? s : "(none)", state);
    cJSON_Delete(q);
}

/* POST .../requests/{id}/<verb> as `u`, with an optional body. */
static void req_act(struct harness *h, const struct harness_user *u, int64_t id, const char *verb,
                    const char *body, struct harness_resp *r)
{
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/%s", (long long)id, verb);
    harness_call(h, "POST", path, u->token, body, NULL, r);
}

/* How many of `u`'s notifications in "together" are of `kind` (and, when
 * ref_id > 0, point at it). */
static int count_notes(struct harness *h, const struct harness_user *u, const char *kind,
                       int64_t ref_id)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?programme=together&per_page=200", u->token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        int64_t ref = 0;
        if (k && strcmp(k, kind) == 0 &&
            (ref_id <= 0 || (harness_int(it, "ref_id", &ref) && ref == ref_id)))
            n++;
    }
    harness_resp_free(&r);
    return n;
}

/* Fail unless `u` has exactly `n` such notifications. */
#define expect_notes(h, u, kind, ref_id, n)                                                        \
    do {                                                                                           \
        int got_ = count_notes((h), (u), (kind), (ref_id));                                        \
        if (got_ != (n))                                                                           \
            fail_msg("%d %s notifications, expected %d", got_, (kind), (n));                       \
    } while (0)

static int64_t open_request_of(struct harness *h, const struct harness_user *mentee,
                               int64_t *mentor_out)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/together/requests?state=open", mentee->token, NULL, NULL,
                 &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    int n = cJSON_GetArraySize(items);
    if (n > 1)
        fail_msg("%d open requests for one mentee", n);
    int64_t id = 0;
    if (n == 1) {
        const cJSON *q = cJSON_GetArrayItem(items, 0);
        id = int_of(q, "id");
        if (mentor_out)
            *mentor_out = int_of(cJSON_GetObjectItemCaseSensitive(q, "mentor"), "user_id");
    }
    harness_resp_free(&r);
    return id;
}

/* ---- Wish-list ---------------------------------------------------------------- */

static void test_wishlist_order(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b, c, only_mentor;
    reg(h, "Wanjiru Kamau", "mentee", "en", NULL, 0, &m);
    reg(h, "Ana Lima", "mentor", "en", NULL, 0, &a);
    reg(h, "Bo Chen", "mentor", "en", NULL, 0, &b);
    reg(h, "Chidi Eze", "mentor", "en", NULL, 0, &c);
    reg(h, "Only Mentor", "mentor", "en", NULL, 0, &only_mentor);

    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "cascade")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);

    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, b.id, 1);  /* first */
    wish_add(h, &m, c.id, 40); /* past the end: last */
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t o1[] = {b.id, a.id, c.id};
    expect_order(r.json, o1, 3);
    const cJSON *ia = wish_item(r.json, a.id);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ia, "listed")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ia, "available")));
    const cJSON *ma = cJSON_GetObjectItemCaseSensitive(ia, "mentor");
    assert_string_equal(harness_str(ma, "name"), "Ana Lima");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ma, "full")));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(ma, "score"));
    assert_true(harness_parse_time(harness_str(ia, "added_at")) > 0);

    /* Duplicates, unknown mentors and bad positions. */
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a.id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, body, NULL, &r);
    harness_expect_error(&r, 409, "already_listed");
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token,
                 "{\"mentor_id\":987654321}", NULL, &r);
    harness_expect_error(&r, 404, "unknown_mentor");
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)m.id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, body, NULL, &r);
    harness_expect_error(&r, 404, "unknown_mentor");
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"position\":0}", (long long)only_mentor.id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, body, NULL, &r);
    harness_expect_error(&r, 400, "out_of_range");
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, "{\"mentor_id\":\"7\"}",
                 NULL, &r);
    harness_expect_error(&r, 400, "invalid_type");
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, "{\"position\":1}", NULL,
                 &r);
    harness_expect_error(&r, 400, "missing_field");

    /* Move C first, then A past the end. */
    char path[160];
    path_of(path, sizeof path, "wishlist", c.id);
    harness_call(h, "PATCH", path, m.token, "{\"position\":1}", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t o2[] = {c.id, b.id, a.id};
    expect_order(r.json, o2, 3);
    path_of(path, sizeof path, "wishlist", b.id);
    harness_call(h, "PATCH", path, m.token, "{\"position\":99}", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t o3[] = {c.id, a.id, b.id};
    expect_order(r.json, o3, 3);
    path_of(path, sizeof path, "wishlist", only_mentor.id);
    harness_call(h, "PATCH", path, m.token, "{\"position\":1}", NULL, &r);
    harness_expect_error(&r, 404, "not_found");

    /* Remove A; removing again changes nothing. */
    path_of(path, sizeof path, "wishlist", a.id);
    harness_call(h, "DELETE", path, m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t o4[] = {c.id, b.id};
    expect_order(r.json, o4, 2);
    harness_call(h, "DELETE", path, m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    expect_order(r.json, o4, 2);

    /* Revalidation: unchanged answers 304, a change a new ETag. */
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    if (!r.etag[0])
        fail_msg("GET .../wishlist has no ETag");
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s", r.etag);
    const char *cond[] = {inm, NULL};
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, cond, &r);
    harness_expect_status(&r, 304);
    wish_add(h, &m, only_mentor.id, 0);
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, cond, &r);
    harness_expect_status(&r, 200);
    path_of(path, sizeof path, "wishlist", only_mentor.id);
    harness_call(h, "DELETE", path, m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);

    /* A mentor without the mentee role has no wish-list. */
    harness_call(h, "GET", "/v1/programmes/together/wishlist", only_mentor.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a.id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", only_mentor.token, body, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(h, "GET", "/v1/programmes/no-such-programme/wishlist", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_resp_free(&r);
}

/* At most 50 entries. */
static void test_wishlist_full(void **state)
{
    struct harness *h = *state;
    struct harness_user m, mentors[51];
    reg(h, "Long List", "mentee", "en", NULL, 0, &m);
    for (int i = 0; i < 51; i++)
        reg(h, "Many Mentor", "mentor", "en", NULL, 0, &mentors[i]);
    for (int i = 0; i < 50; i++)
        wish_add(h, &m, mentors[i].id, i % 3 ? 0 : 1);
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)mentors[50].id);
    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m.token, body, NULL, &r);
    harness_expect_error(&r, 422, "wishlist_full");
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    char order[2048];
    wish_order(r.json, order, sizeof order); /* positions 1..50, no gaps */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 50);
    harness_resp_free(&r);
}

/* A wish-listed mentor who leaves the directory stays, marked unavailable. */
static void test_wishlist_unavailable(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b;
    reg(h, "Ivana Horvat", "mentee", "en", NULL, 0, &m);
    reg(h, "Jamal Idris", "mentor", "en", NULL, 0, &a);
    reg(h, "Kofi Mensah", "mentor", "en", NULL, 0, &b);
    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, b.id, 0);

    /* A now speaks French only: no shared session language. */
    struct harness_resp r = {0};
    harness_call(h, "PUT", "/v1/me/profile/languages", a.token, "{\"value\":[\"fr\"]}", NULL, &r);
    harness_expect_status(&r, 200);

    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t order[] = {a.id, b.id};
    expect_order(r.json, order, 2);
    const cJSON *ia = wish_item(r.json, a.id);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ia, "listed")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ia, "available")));
    const cJSON *ma = cJSON_GetObjectItemCaseSensitive(ia, "mentor");
    assert_string_equal(harness_str(ma, "name"), "Jamal Idris");
    assert_int_equal(int_of(ma, "user_id"), a.id);
    assert_null(cJSON_GetObjectItemCaseSensitive(ma, "grade"));
    assert_null(cJSON_GetObjectItemCaseSensitive(ma, "score"));
    const cJSON *ib = wish_item(r.json, b.id);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ib, "listed")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ib, "available")));

    /* And cannot be requested. */
    send_req(h, &m, a.id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "mentor_unavailable");
    harness_resp_free(&r);
}

/* ---- Sending ----------------------------------------------------------------------- */

static void test_one_open_request(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b;
    reg(h, "Lena Vogel", "mentee", "en", NULL, 0, &m);
    reg(h, "Mateo Silva", "mentor", "en", NULL, 0, &a);
    reg(h, "Nadia Karim", "mentor", "en", NULL, 0, &b);

    struct harness_resp r = {0};
    send_req(h, &m, a.id, "networking", "Could we talk about field rotations?", &r);
    harness_expect_status(&r, 201);
    int64_t id = int_of(r.json, "id");
    assert_string_equal(harness_str(r.json, "state"), "open");
    assert_string_equal(harness_str(r.json, "kind"), "networking");
    assert_string_equal(harness_str(r.json, "programme"), "together");
    assert_string_equal(harness_str(r.json, "message"), "Could we talk about field rotations?");
    const cJSON *mentor = cJSON_GetObjectItemCaseSensitive(r.json, "mentor");
    assert_int_equal(int_of(mentor, "user_id"), a.id);
    assert_string_equal(harness_str(mentor, "name"), "Mateo Silva");
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "mentee"));
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "decided_at"));

    /* A second one, to anyone, is refused. */
    send_req(h, &m, b.id, NULL, NULL, &r);
    harness_expect_error(&r, 409, "request_already_open");
    send_req(h, &m, a.id, NULL, NULL, &r);
    harness_expect_error(&r, 409, "request_already_open");
    assert_int_equal(open_request_of(h, &m, NULL), id);

    /* Validation. */
    send_req(h, &m, b.id, "coffee", NULL, &r);
    harness_expect_error(&r, 400, "invalid");
    harness_call(h, "POST", "/v1/programmes/together/requests", m.token, "{\"kind\":\"mentoring\"}",
                 NULL, &r);
    harness_expect_error(&r, 400, "missing_field");
    char *longmsg = malloc(1002);
    assert_non_null(longmsg);
    memset(longmsg, 'x', 1001);
    longmsg[1001] = '\0';
    send_req(h, &m, b.id, NULL, longmsg, &r);
    free(longmsg);
    harness_expect_error(&r, 400, "too_long");

    /* A mentor cannot send; the mentee cannot read the current request. */
    send_req(h, &a, b.id, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(h, "GET", "/v1/programmes/together/requests/current", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");

    /* Withdraw, then a new request may go. */
    req_act(h, &b, id, "withdraw", NULL, &r);
    harness_expect_error(&r, 403, "not_your_request");
    req_act(h, &m, id, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "state"), "withdrawn");
    assert_true(harness_parse_time(harness_str(r.json, "decided_at")) > 0);
    req_act(h, &m, id, "withdraw", NULL, &r);
    harness_expect_error(&r, 409, "request_not_open");
    req_act(h, &m, 987654321, "withdraw", NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    assert_int_equal(current_of(h, &a), 0);
    assert_int_equal(open_request_of(h, &m, NULL), 0);

    int64_t id2 = send_ok(h, &m, b.id);
    assert_true(id2 != id);
    /* Both, newest first. */
    harness_call(h, "GET", "/v1/programmes/together/requests", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_int_equal(int_of(cJSON_GetArrayItem(items, 0), "id"), id2);
    assert_int_equal(int_of(cJSON_GetArrayItem(items, 1), "id"), id);
    assert_int_equal(int_of(r.json, "total"), 2);
    harness_call(h, "GET", "/v1/programmes/together/requests?state=withdrawn", m.token, NULL, NULL,
                 &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "total"), 1);
    harness_call(h, "GET", "/v1/programmes/together/requests?state=lost", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    req_act(h, &m, id2, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);

    /* A retried send with its idempotency key answers the first result. */
    char key[96], body[96];
    snprintf(key, sizeof key, "Idempotency-Key: send-%ld-%lld", (long)getpid(), (long long)m.id);
    const char *headers[] = {key, NULL};
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a.id);
    harness_call(h, "POST", "/v1/programmes/together/requests", m.token, body, headers, &r);
    harness_expect_status(&r, 201);
    int64_t id3 = int_of(r.json, "id");
    harness_call(h, "POST", "/v1/programmes/together/requests", m.token, body, headers, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(r.json, "id"), id3);
    assert_string_equal(r.idempotent_replay, "true");
    req_act(h, &m, id3, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

/* Local weekday (0 = Sunday) of `t` at a fixed offset east of UTC. */
static int weekday_at(int64_t t, int offset)
{
    int64_t days = (t + offset) / DAY;
    return (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
}

/* The deadline is 72 h after sending, moved from a weekend to Monday at the
 * same local time in the mentor's zone (Bangkok, UTC+7, no summer time). */
static void test_deadline_weekend(void **state)
{
    struct harness *h = *state;
    const int bkk = 7 * HOUR;
    /* Move the clock so that now + 72 h is a Saturday around noon in Bangkok. */
    int64_t now = harness_now(h);
    int64_t target = now + 3 * DAY;
    int64_t advance = 0;
    while (weekday_at(target + advance, bkk) != 6 || ((target + advance + bkk) % DAY) < 11 * HOUR ||
           ((target + advance + bkk) % DAY) > 13 * HOUR)
        advance += 15 * 60;
    harness_advance_clock(h, advance);

    struct harness_user m, a, n2;
    reg(h, "Olga Petrova", "mentee", "en", NULL, 0, &m);
    reg(h, "Nguyen Thi Lan", "mentor", "en", "Asia/Bangkok", 0, &a);
    reg(h, "Pita Taufa", "mentee", "en", NULL, 0, &n2);
    struct harness_resp r = {0};
    send_req(h, &m, a.id, NULL, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t sent = harness_parse_time(harness_str(r.json, "sent_at"));
    int64_t deadline = harness_parse_time(harness_str(r.json, "deadline"));
    int64_t reminder = harness_parse_time(harness_str(r.json, "reminder_at"));
    assert_true(sent > 0);
    int64_t plain = sent + 3 * DAY;
    int wd = weekday_at(plain, bkk);
    assert_int_equal(wd, 6); /* the setup above worked */
    int64_t expect = plain + 2 * DAY;
    if (deadline != expect)
        fail_msg("deadline %s, expected %lld (Monday, same local time)",
                 harness_str(r.json, "deadline"), (long long)expect);
    assert_int_equal(weekday_at(deadline, bkk), 1);
    assert_int_equal(reminder, sent + 48 * HOUR);

    /* A weekday deadline stays 72 h: one day later, +72 h is a Sunday; two
     * days later a Monday. */
    harness_advance_clock(h, 2 * DAY);
    send_req(h, &n2, a.id, NULL, NULL, &r);
    harness_expect_status(&r, 201);
    sent = harness_parse_time(harness_str(r.json, "sent_at"));
    deadline = harness_parse_time(harness_str(r.json, "deadline"));
    int wd2 = weekday_at(sent + 3 * DAY, bkk);
    int64_t expect2 = sent + 3 * DAY + (wd2 == 6 ? 2 * DAY : wd2 == 0 ? DAY : 0);
    assert_int_equal(deadline, expect2);
    harness_resp_free(&r);
}

/* ---- Time rules ------------------------------------------------------------------- */

static void test_reminder_once(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Quentin Moreau", "mentee", "en|fr", NULL, 0, &m);
    reg(h, "Rania Aziz", "mentor", "en", "UTC", 0, &a);
    struct harness_resp r = {0};
    send_req(h, &m, a.id, NULL, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t sent = harness_parse_time(harness_str(r.json, "sent_at"));
    int64_t id = int_of(r.json, "id");
    expect_notes(h, &a, "request_received", -1, 1);

    /* Two minutes before: nothing. */
    int64_t until = sent + 48 * HOUR - harness_now(h);
    harness_advance_clock(h, until - 120);
    expect_notes(h, &a, "request_reminder", -1, 0);
    /* Two minutes after: one. */
    harness_advance_clock(h, 240);
    expect_notes(h, &a, "request_reminder", -1, 1);
    /* Reads and further ticks do not repeat it. */
    assert_int_equal(current_of(h, &a), id);
    harness_advance_clock(h, HOUR);
    assert_int_equal(current_of(h, &a), id);
    expect_notes(h, &a, "request_reminder", -1, 1);
    /* The mentee hears nothing of it. */
    expect_notes(h, &m, "request_reminder", -1, 0);
    expect_state(h, &m, id, "open");
    req_act(h, &m, id, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

/* Expiry at the deadline, then the cascade along the wish-list, skipping
 * mentors who cannot be requested, until no one is left. */
static void test_expiry_and_cascade(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, fr, full, c, other;
    reg(h, "Sofia Greco", "mentee", "en", NULL, 0, &m);
    reg(h, "Tariq Farouk", "mentor", "en", "UTC", 0, &a);
    reg(h, "Ulrich Blanc", "mentor", "en", "UTC", 0, &fr);
    reg(h, "Vera Full", "mentor", "en", "UTC", 1, &full);
    reg(h, "Wen Li", "mentor", "en", "UTC", 0, &c);
    reg(h, "Xavier Other", "mentee", "en", NULL, 0, &other);
    /* `full` takes another mentee and so has no room. */
    int64_t o = send_ok(h, &other, full.id);
    struct harness_resp r = {0};
    req_act(h, &full, o, "accept", NULL, &r);
    harness_expect_status(&r, 200);

    /* m is already paired with `mine`, who stays wish-listed. */
    struct harness_user mine;
    reg(h, "Yusuf Mine", "mentor", "en", "UTC", 0, &mine);
    int64_t pm = send_ok(h, &m, mine.id);
    req_act(h, &mine, pm, "accept", NULL, &r);
    harness_expect_status(&r, 200);

    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, fr.id, 0);
    wish_add(h, &m, full.id, 0);
    wish_add(h, &m, mine.id, 0);
    wish_add(h, &m, c.id, 0);
    harness_call(h, "PUT", "/v1/me/profile/languages", fr.token, "{\"value\":[\"fr\"]}", NULL, &r);
    harness_expect_status(&r, 200);

    send_req(h, &m, a.id, "networking", "Hello from the field.", &r);
    harness_expect_status(&r, 201);
    int64_t first = int_of(r.json, "id");
    int64_t deadline = harness_parse_time(harness_str(r.json, "deadline"));

    harness_advance_clock(h, deadline - harness_now(h) - 300);
    expect_state(h, &m, first, "open");
    harness_advance_clock(h, 600);
    expect_state(h, &m, first, "expired");
    expect_notes(h, &m, "request_expired", first, 1);

    int64_t next_mentor = 0;
    int64_t second = open_request_of(h, &m, &next_mentor);
    assert_true(second != 0);
    assert_int_equal(next_mentor, c.id); /* fr, full and mine skipped */
    cJSON *q = req_get(h, &m, second);
    assert_int_equal(int_of(q, "cascaded_from"), first);
    assert_string_equal(harness_str(q, "kind"), "networking");
    assert_string_equal(harness_str(q, "message"), "Hello from the field.");
    cJSON_Delete(q);
    expect_notes(h, &m, "request_cascaded", second, 1);
    assert_int_equal(current_of(h, &c), second);
    expect_notes(h, &c, "request_received", -1, 1);

    /* c declines: a was already asked in this chain, nobody is left. */
    req_act(h, &c, second, "decline", "{\"reason\":\"Travelling until March.\"}", &r);
    harness_expect_status(&r, 200);
    const cJSON *dq = cJSON_GetObjectItemCaseSensitive(r.json, "request");
    assert_string_equal(harness_str(dq, "state"), "declined");
    assert_string_equal(harness_str(dq, "decline_reason"), "Travelling until March.");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_request")));
    expect_notes(h, &m, "request_declined", second, 1);
    expect_notes(h, &m, "request_cascade_ended", -1, 1);
    assert_int_equal(open_request_of(h, &m, NULL), 0);

    /* Later ticks change nothing more. */
    harness_advance_clock(h, 4 * DAY);
    expect_notes(h, &m, "request_expired", -1, 1);
    expect_notes(h, &m, "request_cascaded", -1, 1);
    assert_int_equal(open_request_of(h, &m, NULL), 0);
    harness_resp_free(&r);
}

static void test_cascade_off(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b;
    reg(h, "Yara Haddad", "mentee", "en", NULL, 0, &m);
    reg(h, "Zane Cooper", "mentor", "en", NULL, 0, &a);
    reg(h, "Aiko Sato", "mentor", "en", NULL, 0, &b);
    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, b.id, 0);

    struct harness_resp r = {0};
    harness_call(h, "PUT", "/v1/programmes/together/requests/cascade", m.token,
                 "{\"enabled\":false}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "cascade")));
    harness_call(h, "PUT", "/v1/programmes/together/requests/cascade", m.token,
                 "{\"enabled\":\"no\"}", NULL, &r);
    harness_expect_error(&r, 400, "invalid_type");
    harness_call(h, "PUT", "/v1/programmes/together/requests/cascade", a.token,
                 "{\"enabled\":true}", NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "cascade")));

    int64_t id = send_ok(h, &m, a.id);
    req_act(h, &a, id, "decline", NULL, &r);
    harness_expect_status(&r, 200);
    expect_state(h, &m, id, "declined");
    expect_notes(h, &m, "request_declined", id, 1);
    expect_notes(h, &m, "request_cascaded", -1, 0);
    assert_int_equal(open_request_of(h, &m, NULL), 0);
    assert_int_equal(current_of(h, &b), 0);

    /* Back on: the next decline passes on to b. */
    harness_call(h, "PUT", "/v1/programmes/together/requests/cascade", m.token,
                 "{\"enabled\":true}", NULL, &r);
    harness_expect_status(&r, 200);
    struct harness_user c;
    reg(h, "Bruno Costa", "mentor", "en", NULL, 0, &c);
    int64_t id2 = send_ok(h, &m, c.id);
    req_act(h, &c, id2, "decline", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t to = 0;
    assert_true(open_request_of(h, &m, &to) != 0);
    assert_int_equal(to, a.id); /* first on the list, not asked in this chain */
    harness_resp_free(&r);
}

/* ---- Deciding ----------------------------------------------------------------------- */

static void test_accept(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b, both;
    reg(h, "Chen Wei", "mentee", "en", NULL, 0, &m);
    reg(h, "Dana Levi", "mentor", "en", NULL, 0, &a);
    reg(h, "Eli Brown", "mentor", "en", NULL, 0, &b);
    reg(h, "Fatou Sow", "mentee,mentor", "en", NULL, 0, &both);
    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, b.id, 0);

    struct harness_resp r = {0};
    send_req(h, &m, a.id, "mentoring", "Hi", &r);
    int64_t id = int_of(r.json, "id");

    /* The mentor's view: the mentee card, never the e-mail. */
    harness_call(h, "GET", "/v1/programmes/together/requests/current", a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(r.json, "request");
    assert_int_equal(int_of(cur, "id"), id);
    const cJSON *card = cJSON_GetObjectItemCaseSensitive(cur, "mentee");
    assert_int_equal(int_of(card, "user_id"), m.id);
    assert_string_equal(harness_str(card, "name"), "Chen Wei");
    assert_null(cJSON_GetObjectItemCaseSensitive(card, "email"));
    assert_null(cJSON_GetObjectItemCaseSensitive(card, "appointment_type"));
    assert_null(cJSON_GetObjectItemCaseSensitive(cur, "mentor"));
    if (strstr(r.body, m.email))
        fail_msg("the mentee's e-mail address is in the mentor's view");

    /* Only the addressed mentor, only mentors. */
    req_act(h, &b, id, "accept", NULL, &r);
    harness_expect_error(&r, 403, "not_your_request");
    req_act(h, &m, id, "accept", NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    req_act(h, &a, 987654321, "accept", NULL, &r);
    harness_expect_error(&r, 404, "not_found");

    req_act(h, &a, id, "accept", NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(r.json, "request");
    assert_string_equal(harness_str(q, "state"), "accepted");
    int64_t pairing = int_of(q, "pairing_id");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r.json, "pairing");
    assert_int_equal(int_of(p, "id"), pairing);
    assert_string_equal(harness_str(p, "kind"), "mentoring");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_request")));
    req_act(h, &a, id, "accept", NULL, &r);
    harness_expect_error(&r, 409, "request_not_open");
    req_act(h, &a, id, "decline", NULL, &r);
    harness_expect_error(&r, 409, "request_not_open");

    /* The mentor left the wish-list; the directory counts the mentee. */
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m.token, NULL, NULL, &r);
    int64_t rest[] = {b.id};
    expect_order(r.json, rest, 1);
    char path[160];
    path_of(path, sizeof path, "mentors", a.id);
    harness_call(h, "GET", path, m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "mentees"), 1);
    expect_notes(h, &m, "request_accepted", pairing, 1);
    expect_notes(h, &m, "pairing_created", pairing, 1);
    expect_notes(h, &a, "pairing_created", pairing, 1);
    expect_state(h, &m, id, "accepted");

    /* Already paired with a. */
    send_req(h, &m, a.id, NULL, NULL, &r);
    harness_expect_error(&r, 409, "already_paired");
    /* A second mentor, b, fills m's last slot (2 in "together"). */
    int64_t id_b = send_ok(h, &m, b.id);
    req_act(h, &b, id_b, "accept", NULL, &r);
    harness_expect_status(&r, 200);
    struct harness_user c;
    reg(h, "Gil Third", "mentor", "en", NULL, 0, &c);
    send_req(h, &m, c.id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "mentee_full");
    /* The request is no longer a's to read. */
    path_of(path, sizeof path, "requests", id);
    harness_call(h, "GET", path, a.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_your_request");
    harness_call(h, "GET", path, b.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_your_request");
    harness_resp_free(&r);
}

/* One request at a time, oldest first; no way to list the requesters. */
static void test_mentor_sees_one(void **state)
{
    struct harness *h = *state;
    struct harness_user a, m[3];
    reg(h, "Gita Rao", "mentor", "en", NULL, 0, &a);
    static const char *const names[] = {"Hana Novak", "Ines Duarte", "Jon Berg"};
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        reg(h, names[i], "mentee", "en", NULL, 0, &m[i]);
        ids[i] = send_ok(h, &m[i], a.id);
        harness_advance_clock(h, 5);
    }
    assert_int_equal(current_of(h, &a), ids[0]);
    struct harness_resp r = {0};
    char path[160];
    path_of(path, sizeof path, "requests", ids[1]);
    harness_call(h, "GET", path, a.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_your_request");
    path_of(path, sizeof path, "requests", ids[0]);
    harness_call(h, "GET", path, a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(h, "GET", "/v1/programmes/together/requests", a.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(h, "GET", "/v1/programmes/together/requests/current", a.token, NULL, NULL, &r);
    if (strstr(r.body, "\"total\"") || strstr(r.body, "\"items\"") || strstr(r.body, names[1]) ||
        strstr(r.body, names[2]))
        fail_msg("the current request tells about the others: %s", r.body);
    /* Only the current one can be answered. */
    req_act(h, &a, ids[1], "accept", NULL, &r);
    harness_expect_error(&r, 409, "not_current_request");
    req_act(h, &a, ids[1], "decline", NULL, &r);
    harness_expect_error(&r, 409, "not_current_request");

    req_act(h, &a, ids[0], "decline", NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(r.json, "next_request");
    assert_int_equal(int_of(next, "id"), ids[1]);
    /* A withdrawal moves the current request on too. */
    req_act(h, &m[1], ids[1], "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(current_of(h, &a), ids[2]);
    /* Notifications to the mentor do not name the mentee. */
    harness_call(h, "GET", "/v1/me/notifications?programme=together&per_page=200", a.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    for (int i = 0; i < 3; i++)
        if (strstr(r.body, names[i]))
            fail_msg("a notification to the mentor names %s", names[i]);
    req_act(h, &m[2], ids[2], "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

/* A mentor who becomes full has the other open requests passed on. */
static void test_full_passes_on(void **state)
{
    struct harness *h = *state;
    struct harness_user a, b, x, y;
    reg(h, "Kemal Arslan", "mentor", "en", NULL, 1, &a);
    reg(h, "Lucia Romero", "mentor", "en", NULL, 0, &b);
    reg(h, "Marta Nowak", "mentee", "en", NULL, 0, &x);
    reg(h, "Nils Holm", "mentee", "en", NULL, 0, &y);
    wish_add(h, &y, a.id, 0);
    wish_add(h, &y, b.id, 0);
    int64_t rx = send_ok(h, &x, a.id);
    harness_advance_clock(h, 5);
    int64_t ry = send_ok(h, &y, a.id);

    struct harness_resp r = {0};
    req_act(h, &a, rx, "accept", NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "next_request")));
    expect_state(h, &y, ry, "passed_on");
    expect_notes(h, &y, "request_mentor_full", ry, 1);
    int64_t to = 0;
    int64_t ry2 = open_request_of(h, &y, &to);
    assert_int_equal(to, b.id);
    expect_notes(h, &y, "request_cascaded", ry2, 1);

    /* The directory and the wish-list show a full. */
    harness_call(h, "GET", "/v1/programmes/together/wishlist", y.token, NULL, NULL, &r);
    const cJSON *ia = wish_item(r.json, a.id);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ia, "listed")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ia, "available")));
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ia, "mentor"), "full")));
    req_act(h, &y, ry2, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    send_req(h, &y, a.id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "capacity_full");
    harness_resp_free(&r);
}

/* Mentors the mentee may no longer request stay wish-listed, marked
 * unavailable; they cannot be requested and the cascade skips them. `gone`
 * is such a mentor, `a` an available one listed before it. */
static void expect_skipped(struct harness *h, const struct harness_user *m,
                           const struct harness_user *a, const struct harness_user *gone)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/together/wishlist", m->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t order[] = {a->id, gone->id};
    expect_order(r.json, order, 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(wish_item(r.json, a->id), "listed")));
    const cJSON *it = wish_item(r.json, gone->id);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "listed")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "available")));
    send_req(h, m, gone->id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "mentor_unavailable");

    /* a declines: `gone` is skipped, the chain ends. */
    int64_t id = send_ok(h, m, a->id);
    req_act(h, a, id, "decline", NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(open_request_of(h, m, NULL), 0);
    expect_notes(h, m, "request_cascade_ended", -1, 1);
    assert_int_equal(current_of(h, gone), 0);
    harness_resp_free(&r);
}

static void test_no_match_skipped(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, p;
    reg(h, "Oren Katz", "mentee", "en", NULL, 0, &m);
    reg(h, "Paula Reyes", "mentor", "en", NULL, 0, &a);
    reg(h, "Past Partner", "mentor", "en", NULL, 0, &p);
    struct harness_resp r = {0};
    /* A pairing with p, ended with "do not match us again". */
    int64_t pr = send_ok(h, &m, p.id);
    req_act(h, &p, pr, "accept", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = int_of(cJSON_GetObjectItemCaseSensitive(r.json, "request"), "pairing_id");
    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, p.id, 0);
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)pairing);
    harness_call(h, "POST", path, m.token, "{\"reason\":\"no_time\",\"do_not_match\":true}", NULL,
                 &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
    expect_skipped(h, &m, &a, &p);
}

static void test_hidden_skipped(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, hid, m2;
    reg(h, "Quinn Hale", "mentee", "en", NULL, 0, &m);
    reg(h, "Rosa Diaz", "mentor", "en", NULL, 0, &a);
    reg(h, "Hidden Mentor", "mentor", "en", NULL, 0, &hid);
    reg(h, "Other Mentee", "mentee", "en", NULL, 0, &m2);
    wish_add(h, &m, a.id, 0);
    wish_add(h, &m, hid.id, 0);
    struct harness_resp r = {0};
    harness_call(h, "PATCH", "/v1/me/programmes/together", hid.token, "{\"hidden\":true}", NULL,
                 &r);
    harness_expect_status(&r, 200);
    /* A hidden mentor cannot be newly wish-listed either. */
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)hid.id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m2.token, body, NULL, &r);
    harness_expect_error(&r, 404, "unknown_mentor");
    harness_resp_free(&r);
    expect_skipped(h, &m, &a, &hid);
}

/* Freezing: the mentee's open request is withdrawn, the mentor's are passed
 * on with the cascade; a frozen account cannot send. */
static void test_freeze(void **state)
{
    struct harness *h = *state;
    struct harness_user f, b, x, z, t;
    reg(h, "Frozen Mentor", "mentor", "en", NULL, 0, &f);
    reg(h, "Backup Mentor", "mentor", "en", NULL, 0, &b);
    reg(h, "Xena Park", "mentee", "en", NULL, 0, &x);
    reg(h, "Zoe Frost", "mentee", "en", NULL, 0, &z);
    reg(h, "Target Mentor", "mentor", "en", NULL, 0, &t);
    wish_add(h, &x, f.id, 0);
    wish_add(h, &x, b.id, 0);
    int64_t rx = send_ok(h, &x, f.id);
    int64_t rz = send_ok(h, &z, t.id);

    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/me/freeze", f.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "passed_on_requests"), 1);
    if (strstr(r.body, "Xena"))
        fail_msg("the freeze answer names a requester: %s", r.body);
    expect_state(h, &x, rx, "passed_on");
    int64_t to = 0;
    int64_t rx2 = open_request_of(h, &x, &to);
    assert_int_equal(to, b.id);
    expect_notes(h, &x, "request_cascaded", rx2, 1);
    harness_call(h, "GET", "/v1/programmes/together/wishlist", x.token, NULL, NULL, &r);
    const cJSON *it = wish_item(r.json, f.id);
    assert_non_null(it);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "listed")));

    harness_call(h, "POST", "/v1/me/freeze", z.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(r.json, "withdrawn_requests");
    assert_int_equal(cJSON_GetArraySize(w), 1);
    assert_int_equal((int64_t)cJSON_GetArrayItem(w, 0)->valuedouble, rz);
    expect_state(h, &z, rz, "withdrawn");
    assert_int_equal(current_of(h, &t), 0);
    send_req(h, &z, t.id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "account_frozen");
    /* The wish-list stays available. */
    wish_add(h, &z, t.id, 0);
    send_req(h, &x, f.id, NULL, NULL, &r);
    harness_expect_error(&r, 409, "request_already_open");
    req_act(h, &x, rx2, "withdraw", NULL, &r);
    harness_expect_status(&r, 200);
    send_req(h, &x, f.id, NULL, NULL, &r);
    harness_expect_error(&r, 422, "mentor_unavailable");
    harness_resp_free(&r);
}

/* Lowering the capacity to the current mentees passes the others on. */
static void test_capacity_lowered(void **state)
{
    struct harness *h = *state;
    struct harness_user a, x, y;
    reg(h, "Cap Mentor", "mentor", "en", NULL, 3, &a);
    reg(h, "Cap First", "mentee", "en", NULL, 0, &x);
    reg(h, "Cap Second", "mentee", "en", NULL, 0, &y);
    struct harness_resp r = {0};
    int64_t rx = send_ok(h, &x, a.id);
    req_act(h, &a, rx, "accept", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t ry = send_ok(h, &y, a.id);
    harness_call(h, "PATCH", "/v1/me/programmes/together", a.token, "{\"capacity\":1}", NULL, &r);
    harness_expect_status(&r, 200);
    expect_state(h, &y, ry, "passed_on");
    expect_notes(h, &y, "request_mentor_full", ry, 1);
    expect_notes(h, &y, "request_cascade_ended", -1, 1);
    assert_int_equal(current_of(h, &a), 0);
    harness_resp_free(&r);
}

/* ---- Races for the last slot ---------------------------------------------------------- */

#define RACERS 8
#define ROUNDS 6

struct racer {
    const struct harness *h;
    const char *token;
    char path[160];
    long status;
    char *answer;
    pthread_barrier_t *start;
};

static void *race_call(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->start);
    r->status = harness_request(r->h, "POST", r->path, r->token, NULL, NULL, &r->answer, NULL);
    return NULL;
}

/* Run `n` racers at once; the number of 200 answers. Every other answer
 * must be one of the refusals `ok_codes` ("a|b"). */
static int race(struct racer *rs, int n, const char *ok_codes)
{
    pthread_t t[2 * RACERS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        rs[i].start = &start;
        assert_int_equal(pthread_create(&t[i], NULL, race_call, &rs[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    int wins = 0;
    for (int i = 0; i < n; i++) {
        if (rs[i].status == 200) {
            wins++;
        } else {
            cJSON *j = rs[i].answer ? cJSON_Parse(rs[i].answer) : NULL;
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
            const char *code = harness_str(e, "code");
            char want[80];
            snprintf(want, sizeof want, "|%s|", ok_codes);
            char got[80];
            snprintf(got, sizeof got, "|%s|", code ? code : "?");
            if (!code || !strstr(want, got))
                fail_msg("racer %d: %ld %s", i, rs[i].status, rs[i].answer ? rs[i].answer : "");
            cJSON_Delete(j);
        }
        free(rs[i].answer);
        rs[i].answer = NULL;
    }
    return wins;
}

/* Two mentees' requests for a mentor's last slot, many accepts at once. */
static void test_race_mentor_last_slot(void **state)
{
    struct harness *h = *state;
    for (int round = 0; round < ROUNDS; round++) {
        struct harness_user a, first, x, y;
        reg(h, "Race Mentor", "mentor", "en", NULL, 2, &a);
        reg(h, "Race First", "mentee", "en", NULL, 0, &first);
        reg(h, "Race X", "mentee", "en", NULL, 0, &x);
        reg(h, "Race Y", "mentee", "en", NULL, 0, &y);
        struct harness_resp r = {0};
        int64_t f = send_ok(h, &first, a.id);
        req_act(h, &a, f, "accept", NULL, &r);
        harness_expect_status(&r, 200);
        harness_resp_free(&r);
        int64_t rx = send_ok(h, &x, a.id);
        int64_t ry = send_ok(h, &y, a.id);

        struct racer rs[2 * RACERS];
        memset(rs, 0, sizeof rs);
        for (int i = 0; i < 2 * RACERS; i++) {
            rs[i].h = h;
            rs[i].token = a.token;
            snprintf(rs[i].path, sizeof rs[i].path, "/v1/programmes/together/requests/%lld/accept",
                     (long long)(i % 2 ? ry : rx));
        }
        int wins =
            race(rs, 2 * RACERS, "request_not_open|not_current_request|capacity_full|mentee_full");
        if (wins != 1)
            fail_msg("round %d: %d accepts succeeded for one last slot", round, wins);
        char path[160];
        path_of(path, sizeof path, "mentors", a.id);
        harness_call(h, "GET", path, x.token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        assert_int_equal(int_of(r.json, "mentees"), 2);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "full")));
        harness_resp_free(&r);
        expect_state(h, &x, rx, "accepted");
        expect_state(h, &y, ry, "passed_on");
    }
}

/* The mentee's last slot: the mentee at mentee_max_mentors - 1 mentors, one
 * open request, and many accepts of it at once (by its mentor, some with the
 * mentee withdrawing at the same moment): at most one pairing is made. */
static void test_race_mentee_last_slot(void **state)
{
    struct harness *h = *state;
    for (int round = 0; round < ROUNDS; round++) {
        struct harness_user m, p1, a;
        reg(h, "Slot Mentee", "mentee", "en", NULL, 0, &m);
        reg(h, "Slot First", "mentor", "en", NULL, 0, &p1);
        reg(h, "Slot Second", "mentor", "en", NULL, 0, &a);
        struct harness_resp r = {0};
        int64_t first = send_ok(h, &m, p1.id);
        req_act(h, &p1, first, "accept", NULL, &r);
        harness_expect_status(&r, 200);
        int64_t id = send_ok(h, &m, a.id);

        struct racer rs[2 * RACERS];
        memset(rs, 0, sizeof rs);
        for (int i = 0; i < 2 * RACERS; i++) {
            rs[i].h = h;
            bool withdraw = i == RACERS; /* one withdrawal among the accepts */
            rs[i].token = withdraw ? m.token : a.token;
            snprintf(rs[i].path, sizeof rs[i].path, "/v1/programmes/together/requests/%lld/%s",
                     (long long)id, withdraw ? "withdraw" : "accept");
        }
        int wins = race(rs, 2 * RACERS, "request_not_open|mentee_full|capacity_full");
        /* Either the withdrawal or one accept won, never both, never two. */
        if (wins != 1)
            fail_msg("round %d: %d calls succeeded on one open request", round, wins);
        cJSON *q = req_get(h, &m, id);
        const char *st = harness_str(q, "state");
        assert_true(st && (!strcmp(st, "accepted") || !strcmp(st, "withdrawn")));
        bool accepted = !strcmp(st, "accepted");
        cJSON_Delete(q);
        char path[160];
        path_of(path, sizeof path, "mentors", a.id);
        harness_call(h, "GET", path, m.token, NULL, NULL, &r);
        /* One mentee for a exactly when accepted. */
        harness_expect_status(&r, 200);
        assert_int_equal(int_of(r.json, "mentees"), accepted ? 1 : 0);
        /* Now at the maximum of 2 mentors (or not), sending answers so. */
        struct harness_user c;
        reg(h, "Slot Third", "mentor", "en", NULL, 0, &c);
        send_req(h, &m, c.id, NULL, NULL, &r);
        if (accepted) {
            harness_expect_error(&r, 422, "mentee_full");
        } else {
            harness_expect_status(&r, 201);
            int64_t sent = int_of(r.json, "id");
            req_act(h, &m, sent, "withdraw", NULL, &r);
            harness_expect_status(&r, 200);
        }
        harness_resp_free(&r);
    }
}

/* ---- Sync ------------------------------------------------------------------------ */

static void sync_call(struct harness *h, const char *token, const char *cursor, const char *ops,
                      struct harness_resp *r)
{
    char *body = malloc(8192);
    assert_non_null(body);
    snprintf(body, 8192, "{\"programme\":\"together\"%s%s%s%s%s}", cursor ? ",\"cursor\":\"" : "",
             cursor ? cursor : "", cursor ? "\"" : "", ops ? ",\"ops\":" : "", ops ? ops : "");
    harness_call(h, "POST", "/v1/sync", token, body, NULL, r);
    free(body);
    harness_expect_status(r, 200);
}

static long result_status(const struct harness_resp *r, int i)
{
    const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "results"), i);
    int64_t st = 0;
    if (!harness_int(res, "status", &st))
        fail_msg("no result %d: %s", i, r->body);
    return (long)st;
}

static const cJSON *result_body(const struct harness_resp *r, int i)
{
    return cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "results"), i), "body");
}

static const cJSON *change(const struct harness_resp *r, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "changes"),
                                            key);
}

static void test_sync_ops_and_collections(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a, b;
    reg(h, "Olu Adeyemi", "mentee", "en", NULL, 0, &m);
    reg(h, "Priya Nair", "mentor", "en", NULL, 0, &a);
    reg(h, "Rafael Ortiz", "mentor", "en", NULL, 0, &b);
    char ops[2048], cursor[512], mcursor[512];
    long pid = (long)getpid();

    struct harness_resp r = {0};
    /* Fresh syncs: nothing of this area yet. */
    sync_call(h, m.token, NULL, NULL, &r);
    assert_null(change(&r, "wishlist"));
    assert_null(change(&r, "requests"));
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    sync_call(h, a.token, NULL, NULL, &r);
    assert_null(change(&r, "current_request"));
    snprintf(mcursor, sizeof mcursor, "%s", harness_str(r.json, "cursor"));

    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"wa-%ld-1\",\"type\":\"wishlist.add\",\"body\":{\"mentor_id\":%lld}},"
             "{\"op_id\":\"wa-%ld-2\",\"type\":\"wishlist.add\",\"body\":{\"mentor_id\":%lld,"
             "\"position\":1}},"
             "{\"op_id\":\"wm-%ld-3\",\"type\":\"wishlist.move\",\"body\":{\"mentor_id\":%lld,"
             "\"position\":1}},"
             "{\"op_id\":\"rc-%ld-4\",\"type\":\"request.cascade\",\"body\":{\"enabled\":false}},"
             "{\"op_id\":\"rs-%ld-5\",\"type\":\"request.send\",\"body\":{\"mentor_id\":%lld,"
             "\"kind\":\"networking\",\"message\":\"From sync\"}},"
             "{\"op_id\":\"rs-%ld-6\",\"type\":\"request.send\",\"body\":{\"mentor_id\":%lld}},"
             "{\"op_id\":\"wa-%ld-7\",\"type\":\"wishlist.add\",\"body\":{\"mentor_id\":1,"
             "\"bogus\":1}},"
             "{\"op_id\":\"rs-%ld-bad\",\"type\":\"request.send\",\"body\":{}}]",
             pid, (long long)a.id, pid, (long long)b.id, pid, (long long)a.id, pid, pid,
             (long long)a.id, pid, (long long)b.id, pid, pid);
    sync_call(h, m.token, cursor, ops, &r);
    assert_int_equal(result_status(&r, 0), 201);
    assert_int_equal(result_status(&r, 1), 201);
    assert_int_equal(result_status(&r, 2), 200);
    assert_int_equal(result_status(&r, 3), 200);
    assert_int_equal(result_status(&r, 4), 201);
    assert_int_equal(result_status(&r, 5), 409);
    harness_expect_error_json(result_body(&r, 5), "request_already_open", NULL, "request.send");
    assert_int_equal(result_status(&r, 6), 400);
    harness_expect_error_json(result_body(&r, 6), "unknown_field", "bogus", "wishlist.add");
    assert_int_equal(result_status(&r, 7), 400);
    harness_expect_error_json(result_body(&r, 7), "missing_field", "mentor_id", "request.send");
    int64_t id = int_of(result_body(&r, 4), "id");
    const cJSON *wl = change(&r, "wishlist");
    int64_t order[] = {a.id, b.id};
    expect_order(wl, order, 2);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(wl, "cascade")));
    const cJSON *reqs = change(&r, "requests");
    assert_int_equal(cJSON_GetArraySize(reqs), 1);
    assert_int_equal(int_of(cJSON_GetArrayItem(reqs, 0), "id"), id);
    assert_string_equal(harness_str(cJSON_GetArrayItem(reqs, 0), "kind"), "networking");
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));

    /* Nothing changed: nothing of this area. */
    sync_call(h, m.token, cursor, NULL, &r);
    assert_null(change(&r, "wishlist"));
    assert_null(change(&r, "requests"));

    /* The mentor sees the current request, and declines it by an op. */
    sync_call(h, a.token, mcursor, NULL, &r);
    const cJSON *cur = change(&r, "current_request");
    assert_int_equal(int_of(cur, "id"), id);
    assert_null(cJSON_GetObjectItemCaseSensitive(cur, "mentor"));
    assert_int_equal(int_of(cJSON_GetObjectItemCaseSensitive(cur, "mentee"), "user_id"), m.id);
    snprintf(mcursor, sizeof mcursor, "%s", harness_str(r.json, "cursor"));
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"rd-%ld-1\",\"type\":\"request.decline\",\"body\":{\"request_id\":%lld,"
             "\"reason\":\"Not now\"}}]",
             pid, (long long)id);
    sync_call(h, a.token, mcursor, ops, &r);
    assert_int_equal(result_status(&r, 0), 200);
    assert_true(change(&r, "current_request") && cJSON_IsNull(change(&r, "current_request")));
    /* Repeating the op id answers the first result again. */
    sync_call(h, a.token, mcursor, ops, &r);
    assert_int_equal(result_status(&r, 0), 200);
    assert_string_equal(
        harness_str(cJSON_GetObjectItemCaseSensitive(result_body(&r, 0), "request"), "state"),
        "declined");

    /* The mentee's next sync carries the declined request (cascade off). */
    sync_call(h, m.token, cursor, NULL, &r);
    reqs = change(&r, "requests");
    assert_int_equal(cJSON_GetArraySize(reqs), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(reqs, 0), "state"), "declined");
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));

    /* Send to b, withdraw by op, remove from the list by op. */
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"rs-%ld-8\",\"type\":\"request.send\",\"body\":{\"mentor_id\":%lld}},"
             "{\"op_id\":\"wr-%ld-9\",\"type\":\"wishlist.remove\",\"body\":{\"mentor_id\":%lld}}]",
             pid, (long long)b.id, pid, (long long)a.id);
    sync_call(h, m.token, cursor, ops, &r);
    assert_int_equal(result_status(&r, 0), 201);
    assert_int_equal(result_status(&r, 1), 200);
    int64_t id2 = int_of(result_body(&r, 0), "id");
    int64_t left[] = {b.id};
    expect_order(change(&r, "wishlist"), left, 1);
    snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"rw-%ld-10\",\"type\":\"request.withdraw\",\"body\":{\"request_id\":"
             "%lld}}]",
             pid, (long long)id2);
    sync_call(h, m.token, cursor, ops, &r);
    assert_int_equal(result_status(&r, 0), 200);
    reqs = change(&r, "requests");
    assert_int_equal(cJSON_GetArraySize(reqs), 1);
    assert_string_equal(harness_str(cJSON_GetArrayItem(reqs, 0), "state"), "withdrawn");

    /* Accept by op. */
    int64_t id3 = send_ok(h, &m, b.id);
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"ra-%ld-11\",\"type\":\"request.accept\",\"body\":{\"request_id\":"
             "%lld}}]",
             pid, (long long)id3);
    sync_call(h, b.token, NULL, ops, &r);
    assert_int_equal(result_status(&r, 0), 200);
    assert_string_equal(
        harness_str(cJSON_GetObjectItemCaseSensitive(result_body(&r, 0), "request"), "state"),
        "accepted");
    expect_state(h, &m, id3, "accepted");
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wishlist_order),
        cmocka_unit_test(test_wishlist_full),
        cmocka_unit_test(test_wishlist_unavailable),
        cmocka_unit_test(test_one_open_request),
        cmocka_unit_test(test_deadline_weekend),
        cmocka_unit_test(test_reminder_once),
        cmocka_unit_test(test_expiry_and_cascade),
        cmocka_unit_test(test_cascade_off),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_mentor_sees_one),
        cmocka_unit_test(test_full_passes_on),
        cmocka_unit_test(test_no_match_skipped),
        cmocka_unit_test(test_hidden_skipped),
        cmocka_unit_test(test_freeze),
        cmocka_unit_test(test_capacity_lowered),
        cmocka_unit_test(test_race_mentor_last_slot),
        cmocka_unit_test(test_race_mentee_last_slot),
        cmocka_unit_test(test_sync_ops_and_collections),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

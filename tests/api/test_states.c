/* test_states.c - one membership over HTTP (reading it, capacity, hide and
 * unhide), freezing and unfreezing an account, the deletion request, and
 * their sync operations. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Helpers ------------------------------------------------------------------ */

static void reg(struct harness *h, const char *name, const char *roles, int capacity,
                struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p, .capacity = capacity};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int64_t int_of(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v)) {
        char *s = o ? cJSON_PrintUnformatted(o) : NULL;
        fail_msg("no integer \"%s\" in %s", key, s ? s : "null");
    }
    return v;
}

static int64_t send_request(struct harness *h, const struct harness_user *mentee, int64_t mentor,
                            long expect)
{
    char body[96];
    struct harness_resp r = {0};
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)mentor);
    harness_call(h, "POST", "/v1/programmes/together/requests", mentee->token, body, NULL, &r);
    harness_expect_status(&r, expect);
    int64_t id = expect == 201 ? int_of(r.json, "id") : 0;
    harness_resp_free(&r);
    return id;
}

/* The state of request `id` as its mentee sees it (the caller frees). */
static char *request_state(struct harness *h, const struct harness_user *mentee, int64_t id)
{
    char path[128];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld", (long long)id);
    harness_call(h, "GET", path, mentee->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const char *s = harness_str(r.json, "state");
    if (!s)
        fail_msg("no state in the request");
    char *out = strdup(s);
    harness_resp_free(&r);
    return out;
}

/* `mentee` requests `mentor`, who accepts: the new pairing's id. */
static int64_t pair_up(struct harness *h, const struct harness_user *mentee,
                       const struct harness_user *mentor)
{
    char path[160];
    struct harness_resp r = {0};
    int64_t req = send_request(h, mentee, mentor->id, 201);
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(h, "POST", path, mentor->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(h, "GET", "/v1/programmes/together/pairings?state=active", mentee->token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int64_t id = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        if (int_of(cJSON_GetObjectItemCaseSensitive(it, "partner"), "user_id") == mentor->id)
            id = int_of(it, "id");
    }
    harness_resp_free(&r);
    if (!id)
        fail_msg("the accepted request made no pairing");
    return id;
}

static bool in_directory(struct harness *h, const struct harness_user *viewer, int64_t mentor)
{
    char path[128];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/together/mentors/%lld", (long long)mentor);
    harness_call(h, "GET", path, viewer->token, NULL, NULL, &r);
    long s = r.status;
    harness_resp_free(&r);
    if (s != 200 && s != 404)
        fail_msg("GET %s answered %ld", path, s);
    bool listed = false;
    for (int page = 1; page < 50; page++) {
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?per_page=200&page=%d", page);
        harness_call(h, "GET", path, viewer->token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            if (int_of(it, "user_id") == mentor)
                listed = true;
        }
        if (listed || cJSON_GetArraySize(items) < 200)
            break;
    }
    harness_resp_free(&r);
    if (listed != (s == 200))
        fail_msg("the listing and the mentor's page disagree about %lld", (long long)mentor);
    return listed;
}

static void patch(struct harness *h, const struct harness_user *u, const char *body,
                  struct harness_resp *r)
{
    harness_call(h, "PATCH", "/v1/me/programmes/together", u->token, body, NULL, r);
}

/* The caller's GET /v1/me (in r). */
static bool me_frozen(struct harness *h, const struct harness_user *u)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me", u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(r.json, "frozen");
    if (!cJSON_IsBool(f))
        fail_msg("no frozen flag in /v1/me");
    bool out = cJSON_IsTrue(f);
    harness_resp_free(&r);
    return out;
}

static char *pairing_field(struct harness *h, const struct harness_user *u, int64_t id,
                           const char *key)
{
    char path[128];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)id);
    harness_call(h, "GET", path, u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const char *s = harness_str(r.json, key);
    char *out = strdup(s ? s : "");
    harness_resp_free(&r);
    return out;
}

static const cJSON *find_id(const cJSON *arr, const char *key, int64_t id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        int64_t v;
        if (harness_int(it, key, &v) && v == id)
            return it;
    }
    return NULL;
}

/* Are these routes served by this server? (Without a token, a served route
 * answers 401; an unknown one 404.) Tests are not run (and say so) when they are not. */
static bool served(struct harness *h)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/programmes/together", NULL, NULL, NULL, &r);
    long s = r.status;
    harness_resp_free(&r);
    if (s != 401 && s != 404)
        fail_msg("GET /v1/me/programmes/together without a token answered %ld", s);
    return s == 401;
}

#define REQUIRE_SERVED(h)                                                                          \
    do {                                                                                           \
        if (!served(h)) {                                                                          \
            printf("# %s not run: the server does not route /v1/me/programmes/{id}\n", __func__);  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* ---- Reading one membership ------------------------------------------------------- */

static void test_membership_get(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user m, a;
    reg(h, "Ana Lima", "mentee,mentor", 2, &m);
    reg(h, "Ben Okafor", "mentee", 0, &a);
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/programmes/together", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "programme"), "together");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(r.json, "roles");
    assert_true(harness_strings_contain(roles, "mentee"));
    assert_true(harness_strings_contain(roles, "mentor"));
    assert_int_equal(int_of(r.json, "capacity"), 2);
    assert_int_equal(int_of(r.json, "mentees"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "hidden")));
    assert_string_equal(harness_str(r.json, "status"), "active");

    pair_up(h, &a, &m);
    harness_call(h, "GET", "/v1/me/programmes/together", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "mentees"), 1);

    harness_call(h, "GET", "/v1/me/programmes/no-such-programme", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/me/programmes/together", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    /* A programme that exists but the caller did not join. */
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    if (!items)
        items = r.json;
    char other[80] = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *id = harness_str(it, "id");
        if (id && strcmp(id, "together") != 0 && !other[0])
            snprintf(other, sizeof other, "%s", id);
    }
    if (other[0]) {
        char path[128];
        snprintf(path, sizeof path, "/v1/me/programmes/%s", other);
        harness_call(h, "GET", path, m.token, NULL, NULL, &r);
        harness_expect_error(&r, 403, "forbidden");
    }
    harness_resp_free(&r);
}

/* ---- Capacity ------------------------------------------------------------------------ */

static void test_capacity(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user m, a, b, c, d, mentee_only;
    reg(h, "Carla Mendes", "mentor", 3, &m);
    reg(h, "Dan Levi", "mentee", 0, &a);
    reg(h, "Efua Asante", "mentee", 0, &b);
    reg(h, "Femi Adeyemi", "mentee", 0, &c);
    reg(h, "Gita Shah", "mentee", 0, &d);
    reg(h, "Hugo Brandt", "mentee", 0, &mentee_only);
    pair_up(h, &a, &m);
    pair_up(h, &b, &m);

    struct harness_resp r = {0};
    patch(h, &m, "{\"capacity\":1}", &r);
    harness_expect_error_field(&r, 422, "below_current_mentees", "capacity");
    /* The message says how many mentees there are and how many to end. */
    const char *msg = harness_str(cJSON_GetObjectItemCaseSensitive(r.json, "error"), "message");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "2 mentees"));
    assert_non_null(strstr(msg, "end 1 pairing"));
    patch(h, &m, "{\"capacity\":0}", &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");
    patch(h, &m, "{\"capacity\":1000}", &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");
    patch(h, &m, "{\"capacity\":1e20}", &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");
    patch(h, &m, "{\"capacity\":-3}", &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");
    patch(h, &m, "{\"capacity\":\"2\"}", &r);
    harness_expect_error_field(&r, 400, "invalid_type", "capacity");
    patch(h, &m, "{\"capacity\":2.5}", &r);
    harness_expect_error_field(&r, 400, "invalid_type", "capacity");
    patch(h, &m, "{\"hidden\":\"no\"}", &r);
    harness_expect_error_field(&r, 400, "invalid_type", "hidden");
    patch(h, &m, "{}", &r);
    assert_int_equal(r.status, 400);
    patch(h, &m, "{\"capacity\":2,\"colour\":1}", &r);
    harness_expect_error_field(&r, 400, "unknown_field", "colour");
    patch(h, &mentee_only, "{\"capacity\":2}", &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(h, "PATCH", "/v1/me/programmes/no-such-programme", m.token, "{\"capacity\":2}",
                 NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/me/programmes/together", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "capacity"), 3);

    /* c has an open request when the mentor lowers the capacity to the
     * number of mentees: it is passed on. */
    int64_t rc_id = send_request(h, &c, m.id, 201);
    patch(h, &m, "{\"capacity\":2}", &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "capacity"), 2);
    assert_int_equal(int_of(r.json, "mentees"), 2);
    char *st = request_state(h, &c, rc_id);
    assert_string_not_equal(st, "open");
    assert_string_not_equal(st, "accepted");
    free(st);
    /* Full: new requests are refused. */
    send_request(h, &d, m.id, 422);

    /* Raised again: requests are welcome. */
    patch(h, &m, "{\"capacity\":3}", &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "capacity"), 3);
    send_request(h, &d, m.id, 201);
    harness_resp_free(&r);
}

/* ---- Hide and unhide ------------------------------------------------------------------- */

static void test_hide_unhide(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user m, a, c;
    reg(h, "Irene Kowalski", "mentor", 3, &m);
    reg(h, "Jamal Idris", "mentee", 0, &a);
    reg(h, "Kira Volkova", "mentee", 0, &c);
    int64_t p = pair_up(h, &a, &m);
    assert_true(in_directory(h, &c, m.id));

    struct harness_resp r = {0};
    patch(h, &m, "{\"hidden\":true}", &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "hidden")));
    assert_int_equal(int_of(r.json, "capacity"), 3);
    assert_false(in_directory(h, &c, m.id));
    /* New requests are refused; the pairing goes on. */
    send_request(h, &c, m.id, 422);
    char *s = pairing_field(h, &a, p, "state");
    assert_string_equal(s, "active");
    free(s);

    patch(h, &m, "{\"hidden\":false}", &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "hidden")));
    assert_int_equal(int_of(r.json, "capacity"), 3);
    assert_int_equal(int_of(r.json, "mentees"), 1);
    assert_true(in_directory(h, &c, m.id));
    send_request(h, &c, m.id, 201);
    harness_resp_free(&r);
}

/* ---- Freeze and unfreeze ------------------------------------------------------------------ */

static void test_freeze(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user m, n, a, b, c, d;
    reg(h, "Lena Fischer", "mentee,mentor", 3, &m);
    reg(h, "Marco Bianchi", "mentor", 3, &n);
    reg(h, "Nadia Karim", "mentee", 0, &a);
    reg(h, "Oscar Lind", "mentee", 0, &b);
    reg(h, "Paula Rios", "mentee", 0, &c);
    reg(h, "Quentin Roy", "mentee", 0, &d);
    int64_t pa = pair_up(h, &a, &m);
    int64_t pb = pair_up(h, &b, &m);
    int64_t rc_id = send_request(h, &c, m.id, 201); /* addressed to m */
    int64_t rm_id = send_request(h, &m, n.id, 201); /* m's own, as a mentee */
    assert_true(in_directory(h, &d, m.id));

    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/me/freeze", m.token, "{}", NULL, &r);
    harness_expect_error(&r, 422, "confirmation_required");
    harness_call(h, "POST", "/v1/me/freeze", m.token, NULL, NULL, &r);
    harness_expect_error(&r, 422, "confirmation_required");
    harness_call(h, "POST", "/v1/me/freeze", m.token, "{\"end_pairings\":false}", NULL, &r);
    harness_expect_error(&r, 422, "confirmation_required");
    harness_call(h, "POST", "/v1/me/freeze", m.token, "{\"end_pairings\":\"yes\"}", NULL, &r);
    harness_expect_error_field(&r, 400, "invalid_type", "end_pairings");
    harness_call(h, "POST", "/v1/me/freeze", m.token, "{\"end_pairings\":true,\"x\":1}", NULL, &r);
    harness_expect_error_field(&r, 400, "unknown_field", "x");
    assert_false(me_frozen(h, &m));
    char *s = pairing_field(h, &a, pa, "state");
    assert_string_equal(s, "active");
    free(s);

    harness_call(h, "POST", "/v1/me/freeze", m.token, "{\"end_pairings\":true}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    const cJSON *ended = cJSON_GetObjectItemCaseSensitive(r.json, "ended_pairings");
    assert_int_equal(cJSON_GetArraySize(ended), 2);
    int64_t ids[2] = {pa, pb};
    for (int i = 0; i < 2; i++) {
        const cJSON *p = find_id(ended, "id", ids[i]);
        assert_non_null(p);
        assert_string_equal(harness_str(p, "state"), "ended");
        assert_string_equal(harness_str(p, "end_reason"), "frozen");
        assert_string_equal(harness_str(p, "ended_by"), "mentor");
        assert_string_equal(harness_str(p, "my_role"), "mentor");
    }
    const cJSON *wd = cJSON_GetObjectItemCaseSensitive(r.json, "withdrawn_requests");
    assert_int_equal(cJSON_GetArraySize(wd), 1);
    assert_int_equal((int64_t)cJSON_GetArrayItem(wd, 0)->valuedouble, rm_id);
    assert_int_equal(int_of(r.json, "passed_on_requests"), 1);

    /* Every effect, seen from the others' side. */
    assert_true(me_frozen(h, &m));
    s = pairing_field(h, &a, pa, "end_reason");
    assert_string_equal(s, "frozen");
    free(s);
    s = pairing_field(h, &b, pb, "state");
    assert_string_equal(s, "ended");
    free(s);
    s = request_state(h, &c, rc_id);
    assert_string_not_equal(s, "open");
    free(s);
    s = request_state(h, &m, rm_id);
    assert_string_equal(s, "withdrawn");
    free(s);
    assert_false(in_directory(h, &d, m.id));
    /* While frozen: no requests, as mentee or as mentor. */
    harness_call(h, "POST", "/v1/programmes/together/requests", m.token, "{\"mentor_id\":1}", NULL,
                 &r);
    assert_true(r.status >= 400);
    send_request(h, &d, m.id, 422);
    /* The profile can still be read. */
    harness_call(h, "GET", "/v1/me/profile", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);

    /* Again: nothing changes. */
    harness_call(h, "POST", "/v1/me/freeze", m.token, "{\"end_pairings\":true}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "ended_pairings")),
                     0);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "withdrawn_requests")), 0);
    assert_int_equal(int_of(r.json, "passed_on_requests"), 0);

    /* Unfreeze: back as it was, the pairings still ended. */
    harness_call(h, "POST", "/v1/me/unfreeze", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    assert_false(me_frozen(h, &m));
    assert_true(in_directory(h, &d, m.id));
    harness_call(h, "GET", "/v1/me/programmes/together", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "capacity"), 3);
    assert_int_equal(int_of(r.json, "mentees"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "hidden")));
    s = pairing_field(h, &a, pa, "state");
    assert_string_equal(s, "ended");
    free(s);
    send_request(h, &d, m.id, 201);
    /* Unfreezing an account that is not frozen changes nothing. */
    harness_call(h, "POST", "/v1/me/unfreeze", m.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    harness_call(h, "POST", "/v1/me/unfreeze", m.token, "{\"now\":true}", NULL, &r);
    harness_expect_error_field(&r, 400, "unknown_field", "now");

    /* An account with no pairings freezes without confirming. */
    harness_call(h, "POST", "/v1/me/freeze", c.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(me_frozen(h, &c));
    harness_call(h, "POST", "/v1/me/unfreeze", c.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

/* ---- Deletion request --------------------------------------------------------------------- */

static void test_deletion_request(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user u;
    reg(h, "Rosa Ferreira", "mentee", 0, &u);
    struct harness_resp r = {0};
    char *longc = malloc(2001 + 32);
    strcpy(longc, "{\"comment\":\"");
    size_t l = strlen(longc);
    memset(longc + l, 'y', 2001);
    strcpy(longc + l + 2001, "\"}");
    harness_call(h, "POST", "/v1/me/deletion-request", u.token, longc, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "comment");
    free(longc);
    harness_call(h, "POST", "/v1/me/deletion-request", u.token, "{\"comment\":5}", NULL, &r);
    harness_expect_error_field(&r, 400, "invalid_type", "comment");

    int64_t before = harness_now(h);
    harness_call(h, "POST", "/v1/me/deletion-request", u.token,
                 "{\"comment\":\"Leaving the organisation.\"}", NULL, &r);
    harness_expect_status(&r, 202);
    const char *first = harness_str(r.json, "requested_at");
    assert_non_null(first);
    int64_t t = harness_parse_time(first);
    assert_true(t >= before - 5 && t <= before + 120);
    char *keep = strdup(first);
    harness_advance_clock(h, 3600);
    harness_call(h, "POST", "/v1/me/deletion-request", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 202);
    assert_string_equal(harness_str(r.json, "requested_at"), keep);
    free(keep);
    /* The programme's team sees the request and its words. */
    struct harness_user team;
    reg(h, "Deletion Desk", "mentee", 0, &team);
    assert_int_equal(harness_appoint(h, team.email, "together"), 0);
    char path[120];
    snprintf(path, sizeof path, "/v1/programmes/together/admin/participants/%lld", (long long)u.id);
    harness_call(h, "GET", path, team.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_non_null(harness_str(r.json, "deletion_requested_at"));
    assert_string_equal(harness_str(r.json, "deletion_comment"), "Leaving the organisation.");
    harness_resp_free(&r);
}

/* ---- Sync operations ------------------------------------------------------------------------ */

static void test_sync_ops(void **state)
{
    struct harness *h = *state;
    REQUIRE_SERVED(h);
    struct harness_user m, a;
    reg(h, "Sami Virtanen", "mentor", 3, &m);
    reg(h, "Tara Singh", "mentee", 0, &a);
    pair_up(h, &a, &m);
    cJSON *b = cJSON_Parse(
        "{\"programme\":\"together\",\"ops\":["
        "{\"op_id\":\"mu-capacity-0001\",\"type\":\"membership.update\",\"body\":{\"capacity\":0}},"
        "{\"op_id\":\"mu-capacity-0002\",\"type\":\"membership.update\",\"body\":{\"capacity\":2,"
        "\"hidden\":true}},"
        "{\"op_id\":\"af-freeze-000001\",\"type\":\"account.freeze\",\"body\":{}},"
        "{\"op_id\":\"af-freeze-000002\",\"type\":\"account.freeze\",\"body\":"
        "{\"end_pairings\":true}},"
        "{\"op_id\":\"au-unfreeze-0001\",\"type\":\"account.unfreeze\",\"body\":{}}]}");
    struct harness_resp r = {0};
    harness_call_json(h, "POST", "/v1/sync", m.token, b, NULL, &r);
    cJSON_Delete(b);
    harness_expect_status(&r, 200);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r.json, "results");
    assert_int_equal(cJSON_GetArraySize(res), 5);
    long want[5] = {400, 200, 422, 200, 200};
    for (int i = 0; i < 5; i++)
        assert_int_equal(int_of(cJSON_GetArrayItem(res, i), "status"), want[i]);
    const cJSON *body1 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 1), "body");
    assert_int_equal(int_of(body1, "capacity"), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body1, "hidden")));
    harness_expect_error_json(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 2), "body"),
                              "confirmation_required", NULL, "freeze without confirming");
    const cJSON *body3 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 3), "body");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body3, "ended_pairings")),
                     1);
    /* The changes already show the effects. */
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(r.json, "changes");
    const cJSON *mems = cJSON_GetObjectItemCaseSensitive(changes, "memberships");
    assert_int_equal(cJSON_GetArraySize(mems), 1);
    assert_int_equal(int_of(cJSON_GetArrayItem(mems, 0), "capacity"), 2);
    assert_int_equal(int_of(cJSON_GetArrayItem(mems, 0), "mentees"), 0);
    assert_false(me_frozen(h, &m));
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_membership_get),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_hide_unhide),
        cmocka_unit_test(test_freeze),
        cmocka_unit_test(test_deletion_request),
        cmocka_unit_test(test_sync_ops),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

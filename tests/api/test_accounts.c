/* test_accounts.c - registration, eligibility, login, rate limit, tokens,
 * logout, joining programmes and idempotent registration against a real mentod. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define DAY (24 * 3600)
#define TOKEN_TTL (30 * DAY)

static bool is_base64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

/* GET /v1/me, expecting `status`. */
static void expect_me(struct harness *h, const char *token, long status)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me", token, NULL, NULL, &r);
    if (status == 401)
        harness_expect_error(&r, 401, "unauthorized");
    else
        harness_expect_status(&r, status);
    harness_resp_free(&r);
}

/* The membership of `me` in `programme`, NULL if none. */
static const cJSON *membership(const cJSON *me, const char *programme)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(me, "programmes"))
    {
        const char *id = harness_str(m, "programme");
        if (id && strcmp(id, programme) == 0)
            return m;
    }
    return NULL;
}

static void test_register_ok(void **state)
{
    struct harness *h = *state;
    cJSON *profile = harness_profile_new("Awa Ndiaye");
    struct harness_account a = {.roles = "mentee", .profile = profile};
    struct harness_resp r = {0};
    struct harness_user u;
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);

    int64_t id = 0;
    assert_true(harness_int(r.json, "user_id", &id));
    assert_true(id > 0);
    assert_string_equal(harness_str(r.json, "programme"), "together");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(r.json, "roles");
    assert_int_equal(cJSON_GetArraySize(roles), 1);
    assert_true(harness_strings_contain(roles, "mentee"));
    assert_string_equal(harness_str(r.json, "status"), "active");
    const char *token = harness_str(r.json, "token");
    assert_non_null(token);
    assert_int_equal(strlen(token), 43);
    assert_true(is_base64url(token));
    int64_t expires = harness_parse_time(harness_str(r.json, "expires_at"));
    assert_true(expires > 0);
    int64_t want = harness_now(h) + TOKEN_TTL;
    assert_true(expires > want - 300 && expires < want + 300);
    harness_resp_free(&r);

    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t me_id = 0;
    assert_true(harness_int(r.json, "user_id", &me_id));
    assert_true(me_id == id);
    assert_string_equal(harness_str(r.json, "email"), u.email);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r.json, "profile");
    assert_string_equal(harness_str(p, "name"), "Awa Ndiaye");
    assert_string_equal(harness_str(p, "grade"), "P-3");
    assert_string_equal(harness_str(p, "timezone"), "America/New_York");
    const cJSON *m = membership(r.json, "together");
    assert_non_null(m);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "programmes")),
                     1);
    assert_true(harness_strings_contain(cJSON_GetObjectItemCaseSensitive(m, "roles"), "mentee"));
    assert_string_equal(harness_str(m, "status"), "active");
    harness_resp_free(&r);
    cJSON_Delete(profile);
}

/* Registers with `profile` into `programme` as `roles`, expects 422
 * not_eligible with a message holding one of `words` ('|'-separated), then
 * shows that nothing was stored: the same e-mail registers once made eligible
 * by `fix` (a key and a string or integer value). */
static void expect_not_eligible(struct harness *h, const char *programme, const char *roles,
                                cJSON *profile, const char *words, const char *fix_key,
                                const char *fix_str, int fix_int)
{
    char email[128];
    harness_email(h, "inelig", email, sizeof email);
    struct harness_account a = {
        .email = email, .programme = programme, .roles = roles, .profile = profile};
    struct harness_resp r = {0};
    harness_register(h, &a, NULL, &r);
    harness_expect_error(&r, 422, "not_eligible");
    const char *msg = harness_str(cJSON_GetObjectItemCaseSensitive(r.json, "error"), "message");
    bool named = false;
    char list[128];
    snprintf(list, sizeof list, "%s", words);
    for (char *w = strtok(list, "|"); w && !named; w = strtok(NULL, "|"))
        named = harness_contains_ci(msg, w);
    if (!named)
        fail_msg("not_eligible message \"%s\" names none of: %s", msg, words);
    harness_resp_free(&r);

    if (fix_str)
        harness_json_set_str(profile, fix_key, fix_str);
    else
        harness_json_set_int(profile, fix_key, fix_int);
    harness_register(h, &a, NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_together_refuses_consultant(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Consuelo Vega");
    harness_json_set_str(p, "appointment_type", "consultant");
    expect_not_eligible(h, "together", "mentee", p, "appointment|consultant|fixed-term",
                        "appointment_type", "continuing", 0);
    cJSON_Delete(p);
}

static void test_iom_refuses_junior_mentor(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Petra Ivanova");
    harness_json_set_str(p, "grade", "P-2");
    harness_json_set_int(p, "years_experience", 12);
    expect_not_eligible(h, "iom-2025", "mentor", p, "grade|level|P-2", "grade", "P-3", 0);
    cJSON_Delete(p);
}

static void test_iom_refuses_inexperienced_mentor(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Tomas Novak");
    harness_json_set_str(p, "grade", "P-4");
    harness_json_set_int(p, "years_experience", 3);
    expect_not_eligible(h, "iom-2025", "mentor", p, "year|experience", "years_experience", NULL,
                        5);
    cJSON_Delete(p);
}

static void test_iom_refuses_senior_mentee(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Sara Lindqvist");
    harness_json_set_str(p, "grade", "P-4");
    expect_not_eligible(h, "iom-2025", "mentee", p, "grade|level|P-4", "grade", "P-3", 0);
    cJSON_Delete(p);
}

static void test_undp_refuses_long_serving_jpo(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Jonas Weber");
    harness_json_set_str(p, "grade", "P-2");
    harness_json_set_str(p, "appointment_type", "jpo");
    harness_json_set_int(p, "jpo_months", 9);
    expect_not_eligible(h, "undp-jpo", "mentee", p, "month|JPO", "jpo_months", NULL, 6);
    cJSON_Delete(p);
}

static void test_required_answers(void **state)
{
    struct harness *h = *state;
    static const char *const required[] = {"name",        "grade",  "languages",   "timezone",
                                           "job_network", "entity", "duty_station"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        cJSON *p = harness_profile_new("Missing Answer");
        harness_json_set(p, required[i], NULL);
        struct harness_account a = {.profile = p};
        struct harness_resp r = {0};
        harness_register(h, &a, NULL, &r);
        harness_expect_error_field(&r, 400, "missing_field", required[i]);
        harness_resp_free(&r);
        cJSON_Delete(p);
        harness_expect_healthy(h);
    }
    static const char *const top[] = {"email", "password", "programme", "roles", "profile"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        struct harness_account a = {0};
        cJSON *body = harness_account_json(h, &a, NULL, 0);
        harness_json_set(body, top[i], NULL);
        struct harness_resp r = {0};
        harness_call_json(h, "POST", "/v1/accounts", NULL, body, NULL, &r);
        harness_expect_error_field(&r, 400, "missing_field", top[i]);
        harness_resp_free(&r);
        cJSON_Delete(body);
        harness_expect_healthy(h);
    }
}

static void test_duplicate_email(void **state)
{
    struct harness *h = *state;
    char email[128];
    harness_email(h, "dup", email, sizeof email);
    struct harness_account a = {.email = email};
    harness_register_ok(h, &a, NULL);

    struct harness_resp r = {0};
    harness_register(h, &a, NULL, &r);
    harness_expect_error(&r, 409, "email_taken");

    char upper[128];
    snprintf(upper, sizeof upper, "%s", email);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    struct harness_account b = {.email = upper, .roles = "mentor"};
    harness_register(h, &b, NULL, &r);
    harness_expect_error(&r, 409, "email_taken");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_bad_email(void **state)
{
    struct harness *h = *state;
    static const char *const invalid[] = {"no-at-sign.example.org", "two@at@example.org", "a@",
                                          "with space@example.org", "tab\there@example.org"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        struct harness_account a = {.email = invalid[i]};
        struct harness_resp r = {0};
        harness_register(h, &a, NULL, &r);
        harness_expect_error_field(&r, 400, "invalid", "email");
        harness_resp_free(&r);
        harness_expect_healthy(h);
    }
    /* 255 characters: one over the limit. */
    char longer[300];
    memset(longer, 'a', 243);
    strcpy(longer + 243, "@example.org");
    assert_int_equal(strlen(longer), 255);
    struct harness_account a = {.email = longer};
    struct harness_resp r = {0};
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "email");
    harness_resp_free(&r);
    /* 254 is allowed. */
    memmove(longer + 1, longer + 2, strlen(longer + 2) + 1);
    assert_int_equal(strlen(longer), 254);
    harness_register(h, &a, NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_password_length(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    struct harness_account a = {.password = "nine-char"};
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "invalid", "password");
    assert_null(strstr(r.body, "nine-char"));
    harness_resp_free(&r);

    char pw[300];
    memset(pw, 'p', 257);
    pw[257] = '\0';
    a.password = pw;
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "password");
    harness_resp_free(&r);

    pw[256] = '\0';
    struct harness_user u;
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    a.password = "ten-chars!";
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_programme_and_roles(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    struct harness_account a = {.programme = "no-such-programme"};
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 404, "unknown_programme", "programme");
    static const char *const roles[] = {"admin", "boss", "mentee,admin"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        struct harness_account b = {.roles = roles[i]};
        harness_register(h, &b, NULL, &r);
        harness_expect_error_field(&r, 400, "invalid", "roles");
        harness_expect_healthy(h);
    }
    /* Both roles at once. */
    struct harness_account both = {.roles = "mentee,mentor"};
    struct harness_user u;
    harness_register(h, &both, &u, &r);
    harness_expect_status(&r, 201);
    const cJSON *got = cJSON_GetObjectItemCaseSensitive(r.json, "roles");
    assert_int_equal(cJSON_GetArraySize(got), 2);
    assert_true(harness_strings_contain(got, "mentee"));
    assert_true(harness_strings_contain(got, "mentor"));
    harness_resp_free(&r);
}

static void test_capacity_range(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    struct harness_account a = {.roles = "mentor", .capacity = 4};
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");
    a.capacity = -1;
    harness_register(h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "out_of_range", "capacity");

    struct harness_user u;
    a.capacity = 2;
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);
    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t cap = 0;
    assert_true(harness_int(membership(r.json, "together"), "capacity", &cap));
    assert_int_equal(cap, 2);

    /* Without one, the programme's default (3). */
    a.capacity = 0;
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);
    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    assert_true(harness_int(membership(r.json, "together"), "capacity", &cap));
    assert_int_equal(cap, 3);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_login(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {.roles = "mentor"};
    harness_register_ok(h, &a, &u);
    char first[128];
    snprintf(first, sizeof first, "%s", u.token);

    struct harness_resp r = {0};
    assert_int_equal(harness_login(h, &u, &r), 200);
    int64_t id = 0;
    assert_true(harness_int(r.json, "user_id", &id));
    assert_true(id == u.id);
    assert_int_equal(strlen(u.token), 43);
    assert_string_not_equal(u.token, first);
    int64_t expires = harness_parse_time(harness_str(r.json, "expires_at"));
    assert_true(expires > harness_now(h) + TOKEN_TTL - 300);
    harness_resp_free(&r);
    expect_me(h, u.token, 200);
    expect_me(h, first, 200);

    /* The e-mail is matched without regard to case. */
    struct harness_user upper = u;
    for (char *c = upper.email; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    assert_int_equal(harness_login(h, &upper, &r), 200);
    harness_resp_free(&r);
}

static void test_login_refused(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    struct harness_resp r = {0};

    struct harness_user wrong = u;
    snprintf(wrong.password, sizeof wrong.password, "not the password");
    harness_login(h, &wrong, &r);
    harness_expect_error(&r, 401, "invalid_credentials");
    assert_null(harness_str(r.json, "token"));
    harness_resp_free(&r);

    struct harness_user nobody = u;
    harness_email(h, "nobody", nobody.email, sizeof nobody.email);
    harness_login(h, &nobody, &r);
    harness_expect_error(&r, 401, "invalid_credentials");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_logout(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    struct harness_user second = u;
    assert_int_equal(harness_login(h, &second, NULL), 200);

    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/auth/logout", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 204);
    assert_int_equal(r.len, 0);
    expect_me(h, u.token, 401);
    harness_call(h, "POST", "/v1/auth/logout", u.token, NULL, NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_resp_free(&r);
    /* Only that token: the other session goes on. */
    expect_me(h, second.token, 200);
}

static void test_join_programme(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {.roles = "mentee,mentor"};
    harness_register_ok(h, &a, &u);

    struct harness_resp r = {0};
    const char *join = "{\"programme\":\"iom-2025\",\"roles\":[\"mentee\"]}";
    harness_call(h, "POST", "/v1/me/programmes", u.token, join, NULL, &r);
    harness_expect_status(&r, 201);
    assert_string_equal(harness_str(r.json, "programme"), "iom-2025");
    assert_true(harness_strings_contain(cJSON_GetObjectItemCaseSensitive(r.json, "roles"),
                                        "mentee"));
    assert_string_equal(harness_str(r.json, "status"), "applied");

    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "programmes")),
                     2);
    assert_non_null(membership(r.json, "together"));
    const cJSON *m = membership(r.json, "iom-2025");
    assert_non_null(m);
    assert_string_equal(harness_str(m, "status"), "applied");

    harness_call(h, "POST", "/v1/me/programmes", u.token, join, NULL, &r);
    harness_expect_error(&r, 409, "already_member");
    harness_call(h, "POST", "/v1/me/programmes", u.token,
                 "{\"programme\":\"together\",\"roles\":[\"mentor\"]}", NULL, &r);
    harness_expect_error(&r, 409, "already_member");
    harness_call(h, "POST", "/v1/me/programmes", u.token,
                 "{\"programme\":\"no-such-programme\",\"roles\":[\"mentee\"]}", NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_resp_free(&r);

    /* Eligibility is checked on joining too: a P-4 is no IOM mentee. */
    cJSON *p = harness_profile_new("Senior Joiner");
    harness_json_set_str(p, "grade", "P-4");
    struct harness_account b = {.profile = p};
    struct harness_user v;
    harness_register_ok(h, &b, &v);
    cJSON_Delete(p);
    harness_call(h, "POST", "/v1/me/programmes", v.token, join, NULL, &r);
    harness_expect_error(&r, 422, "not_eligible");
    harness_call(h, "GET", "/v1/me", v.token, NULL, NULL, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "programmes")),
                     1);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_cohort_registration_applied(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Ines Moreau");
    harness_json_set_int(p, "years_experience", 5);
    struct harness_account a = {.programme = "iom-2025", .roles = "mentor", .profile = p};
    struct harness_resp r = {0};
    struct harness_user u;
    harness_register(h, &a, &u, &r);
    harness_expect_status(&r, 201);
    assert_string_equal(harness_str(r.json, "programme"), "iom-2025");
    assert_string_equal(harness_str(r.json, "status"), "applied");
    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *m = membership(r.json, "iom-2025");
    assert_non_null(m);
    assert_string_equal(harness_str(m, "status"), "applied");
    harness_resp_free(&r);
    cJSON_Delete(p);

    /* A JPO with six months is eligible for the UNDP pilot. */
    p = harness_profile_new("Lea Schmidt");
    harness_json_set_str(p, "grade", "P-2");
    harness_json_set_str(p, "appointment_type", "jpo");
    harness_json_set_int(p, "jpo_months", 6);
    struct harness_account b = {.programme = "undp-jpo", .roles = "mentee", .profile = p};
    harness_register(h, &b, NULL, &r);
    harness_expect_status(&r, 201);
    assert_string_equal(harness_str(r.json, "status"), "applied");
    harness_resp_free(&r);
    cJSON_Delete(p);
}

static void test_idempotent_registration(void **state)
{
    struct harness *h = *state;
    char email[128], key[64], name[64];
    harness_email(h, "idem", email, sizeof email);
    snprintf(key, sizeof key, "reg-key-%ld-0001", (long)getpid());
    snprintf(name, sizeof name, "Idempotent Zyxwvut %ld", (long)getpid());
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {
        .email = email, .roles = "mentor", .profile = p, .idempotency_key = key};
    struct harness_resp first = {0}, second = {0};
    harness_register(h, &a, NULL, &first);
    harness_expect_status(&first, 201);
    assert_string_equal(first.idempotent_replay, "");
    harness_register(h, &a, NULL, &second);
    harness_expect_status(&second, 201);
    assert_string_equal(second.idempotent_replay, "true");
    if (second.len != first.len || memcmp(first.body, second.body, first.len) != 0) {
        /* The same answer, except that a token may be issued afresh (tokens
         * are kept only as hashes, so a stored answer cannot hold one). */
        cJSON *a1 = cJSON_Duplicate(first.json, true), *a2 = cJSON_Duplicate(second.json, true);
        assert_non_null(a1);
        assert_non_null(a2);
        cJSON_DeleteItemFromObjectCaseSensitive(a1, "token");
        cJSON_DeleteItemFromObjectCaseSensitive(a2, "token");
        cJSON_DeleteItemFromObjectCaseSensitive(a1, "expires_at");
        cJSON_DeleteItemFromObjectCaseSensitive(a2, "expires_at");
        bool same = cJSON_Compare(a1, a2, true);
        cJSON_Delete(a1);
        cJSON_Delete(a2);
        if (!same)
            fail_msg("a replayed registration answered %s after %s", second.body, first.body);
    }
    /* Both tokens are good. */
    expect_me(h, harness_str(first.json, "token"), 200);
    expect_me(h, harness_str(second.json, "token"), 200);

    /* One account only: a mentee finds exactly one mentor of that name. */
    struct harness_user viewer;
    struct harness_account v = {.roles = "mentee"};
    harness_register_ok(h, &v, &viewer);
    char path[256] = "/v1/programmes/together/mentors";
    harness_query_add(path, sizeof path, "q", name);
    struct harness_resp r = {0};
    harness_call(h, "GET", path, viewer.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = -1;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 1);

    /* Without the key it is a new attempt, refused. */
    a.idempotency_key = NULL;
    harness_register(h, &a, NULL, &r);
    harness_expect_error(&r, 409, "email_taken");

    /* The key on another path. */
    char header[128];
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    const char *headers[] = {header, NULL};
    cJSON *login = cJSON_CreateObject();
    harness_json_set_str(login, "email", email);
    harness_json_set_str(login, "password", HARNESS_PASSWORD);
    harness_call_json(h, "POST", "/v1/auth/login", NULL, login, headers, &r);
    harness_expect_error(&r, 422, "idempotency_key_reused");
    cJSON_Delete(login);

    harness_resp_free(&r);
    harness_resp_free(&first);
    harness_resp_free(&second);
    cJSON_Delete(p);
    harness_expect_healthy(h);
}

static void test_login_rate_limit(void **state)
{
    struct harness *h = *state;
    struct harness_user u, other;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    harness_register_ok(h, &a, &other);

    struct harness_user wrong = u;
    snprintf(wrong.password, sizeof wrong.password, "wrong password");
    struct harness_resp r = {0};
    for (int i = 0; i < 5; i++) {
        harness_login(h, &wrong, &r);
        harness_expect_error(&r, 401, "invalid_credentials");
    }
    harness_login(h, &wrong, &r);
    harness_expect_error(&r, 429, "rate_limited");
    long wait = strtol(r.retry_after, NULL, 10);
    if (wait <= 0 || wait > 15 * 60)
        fail_msg("Retry-After is \"%s\", expected 1..900 seconds", r.retry_after);
    /* Even the right password waits. */
    harness_login(h, &u, &r);
    harness_expect_error(&r, 429, "rate_limited");
    assert_null(harness_str(r.json, "token"));
    /* Another e-mail from the same address is not held up by this one. */
    assert_int_equal(harness_login(h, &other, &r), 200);

    harness_advance_clock(h, 16 * 60);
    assert_int_equal(harness_login(h, &u, &r), 200);
    harness_resp_free(&r);
    expect_me(h, u.token, 200);
}

/* Several clients repeat one registration at the same moment with the same
 * key (a retry storm): one account, one answer. */
#define RACERS 8

struct racer {
    struct harness *h;
    const char *body;
    const char *key_header;
    long status;
    char *answer;
    bool replay;
};

static void *race_register(void *arg)
{
    struct racer *r = arg;
    const char *headers[] = {r->key_header, NULL};
    r->status = harness_request(r->h, "POST", "/v1/accounts", NULL, r->body, headers, &r->answer,
                                &r->replay);
    return NULL;
}

static void test_concurrent_idempotent_registration(void **state)
{
    struct harness *h = *state;
    char email[128], key_header[96];
    harness_email(h, "racer", email, sizeof email);
    snprintf(key_header, sizeof key_header, "Idempotency-Key: race-%ld-key", (long)getpid());
    struct harness_account a = {.email = email, .roles = "mentor"};
    cJSON *body = harness_account_json(h, &a, NULL, 0);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);

    struct racer racers[RACERS];
    pthread_t threads[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (struct racer){.h = h, .body = text, .key_header = key_header};
        assert_int_equal(pthread_create(&threads[i], NULL, race_register, &racers[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(threads[i], NULL);

    int64_t user_id = 0;
    int fresh = 0;
    for (int i = 0; i < RACERS; i++) {
        if (racers[i].status != 201)
            fail_msg("racer %d: %ld %s", i, racers[i].status,
                     racers[i].answer ? racers[i].answer : "");
        cJSON *j = cJSON_Parse(racers[i].answer);
        int64_t id = 0;
        assert_true(harness_int(j, "user_id", &id));
        cJSON_Delete(j);
        if (i == 0)
            user_id = id;
        else if (id != user_id)
            fail_msg("one registration made users %lld and %lld", (long long)user_id,
                     (long long)id);
        fresh += !racers[i].replay;
        free(racers[i].answer);
    }
    free(text);
    if (fresh != 1)
        fail_msg("%d of %d answers were not replays, expected exactly 1", fresh, RACERS);
    harness_expect_healthy(h);
}

/* The limit per e-mail address does not depend on how the address is cased. */
static void test_rate_limit_ignores_case(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    struct harness_resp r = {0};
    for (int i = 0; i < 5; i++) {
        struct harness_user v = u;
        /* user-..., User-..., uSer-..., ... */
        if (v.email[i] >= 'a' && v.email[i] <= 'z')
            v.email[i] = (char)(v.email[i] - 'a' + 'A');
        snprintf(v.password, sizeof v.password, "wrong password %d", i);
        harness_login(h, &v, &r);
        harness_expect_error(&r, 401, "invalid_credentials");
    }
    harness_login(h, &u, &r);
    harness_expect_error(&r, 429, "rate_limited");
    harness_resp_free(&r);
    harness_advance_clock(h, 16 * 60);
    assert_int_equal(harness_login(h, &u, NULL), 200);
}

/* 20 failures from one client address, over many e-mail addresses, hold up
 * every login from that address until the window ends. */
static void test_address_rate_limit(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    struct harness_resp r = {0};
    for (int i = 0; i < 20; i++) {
        struct harness_user nobody = u;
        harness_email(h, "unknown", nobody.email, sizeof nobody.email);
        harness_login(h, &nobody, &r);
        harness_expect_error(&r, 401, "invalid_credentials");
    }
    harness_login(h, &u, &r);
    harness_expect_error(&r, 429, "rate_limited");
    long wait = strtol(r.retry_after, NULL, 10);
    if (wait <= 0 || wait > 15 * 60)
        fail_msg("Retry-After is \"%s\", expected 1..900 seconds", r.retry_after);
    harness_resp_free(&r);
    harness_advance_clock(h, 16 * 60);
    assert_int_equal(harness_login(h, &u, NULL), 200);
}

static void test_token_expiry(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    struct harness_account a = {0};
    harness_register_ok(h, &a, &u);
    expect_me(h, u.token, 200);
    harness_advance_clock(h, TOKEN_TTL - 120);
    expect_me(h, u.token, 200);
    harness_advance_clock(h, 240);
    expect_me(h, u.token, 401);
    assert_int_equal(harness_login(h, &u, NULL), 200);
    expect_me(h, u.token, 200);
}

/* Cohort windows close 8 weeks after the database was created. Runs last
 * among the clock movers: the clock has gone 30 days forward already. */
static void test_applications_closed(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/iom-2025", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t close = harness_parse_time(harness_str(r.json, "applications_close"));
    harness_resp_free(&r);
    assert_true(close > harness_now(h));
    harness_advance_clock(h, close - harness_now(h) + 3600);

    cJSON *p = harness_profile_new("Late Applicant");
    struct harness_account a = {.programme = "iom-2025", .profile = p};
    harness_register(h, &a, NULL, &r);
    harness_expect_error(&r, 422, "applications_closed");
    cJSON_Delete(p);

    struct harness_user u;
    struct harness_account b = {0};
    harness_register_ok(h, &b, &u);
    harness_call(h, "POST", "/v1/me/programmes", u.token,
                 "{\"programme\":\"iom-2025\",\"roles\":[\"mentee\"]}", NULL, &r);
    harness_expect_error(&r, 422, "applications_closed");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_ok),
        cmocka_unit_test(test_together_refuses_consultant),
        cmocka_unit_test(test_iom_refuses_junior_mentor),
        cmocka_unit_test(test_iom_refuses_inexperienced_mentor),
        cmocka_unit_test(test_iom_refuses_senior_mentee),
        cmocka_unit_test(test_undp_refuses_long_serving_jpo),
        cmocka_unit_test(test_required_answers),
        cmocka_unit_test(test_duplicate_email),
        cmocka_unit_test(test_bad_email),
        cmocka_unit_test(test_password_length),
        cmocka_unit_test(test_programme_and_roles),
        cmocka_unit_test(test_capacity_range),
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_login_refused),
        cmocka_unit_test(test_logout),
        cmocka_unit_test(test_join_programme),
        cmocka_unit_test(test_cohort_registration_applied),
        cmocka_unit_test(test_idempotent_registration),
        cmocka_unit_test(test_concurrent_idempotent_registration),
        /* These move the server's clock forward and so come last. */
        cmocka_unit_test(test_login_rate_limit),
        cmocka_unit_test(test_rate_limit_ignores_case),
        cmocka_unit_test(test_address_rate_limit),
        cmocka_unit_test(test_token_expiry),
        cmocka_unit_test(test_applications_closed),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

/* test_bad_input.c - hostile and broken requests: malformed bodies, wrong types,
 * oversized input, bad UTF-8, SQL metacharacters, bad tokens, routes, methods. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mento-config.h"

struct bad_ctx {
    struct harness *h;
    struct harness_user user; /* a mentee of "together" */
};

static int group_setup(void **state)
{
    struct bad_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    if (harness_start(&c->h) != 0) {
        free(c);
        return -1;
    }
    *state = c;
    struct harness_account a = {0};
    struct harness_resp r = {0};
    if (harness_register(c->h, &a, &c->user, &r) != 201) {
        fprintf(stderr, "# registration failed: %ld %s\n", r.status, r.body);
        harness_resp_free(&r);
        return -1;
    }
    harness_resp_free(&r);
    return 0;
}

static int group_teardown(void **state)
{
    struct bad_ctx *c = *state;
    int rc = harness_stop(c->h);
    free(c);
    return rc;
}

static void test_server_exits_cleanly(void **state)
{
    struct bad_ctx *c = *state;
    void *h = c->h;
    harness_test_server_exits_cleanly(&h);
}

/* The endpoints that take a body. */
struct endpoint {
    const char *method, *path;
    bool auth;
};

static const struct endpoint endpoints[] = {
    {"POST", "/v1/accounts", false},    {"POST", "/v1/auth/login", false},
    {"PUT", "/v1/me/profile/bio", true}, {"POST", "/v1/me/programmes", true},
    {"POST", "/v1/sync", true},          {"POST", "/v1/test/clock", false},
};
#define N_ENDPOINTS (sizeof endpoints / sizeof endpoints[0])

static const char *token_for(struct bad_ctx *c, const struct endpoint *e)
{
    return e->auth ? c->user.token : NULL;
}

/* Send `body` (len bytes) to `e`; expect status and one of two codes, naming
 * `field` when given; then the server must still be healthy. */
static void expect_refusal(struct bad_ctx *c, const struct endpoint *e, const char *body,
                           size_t len, long status, const char *code, const char *code2,
                           const char *field)
{
    struct harness_resp r = {0};
    harness_call_len(c->h, e->method, e->path, token_for(c, e), body, len, NULL, &r);
    const char *got = harness_error_code(&r);
    const char *want = (code2 && strcmp(got, code2) == 0) ? code2 : code;
    harness_expect_error_field(&r, status, want, field);
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

static void expect_refusal_str(struct bad_ctx *c, const struct endpoint *e, const char *body,
                               long status, const char *code, const char *code2,
                               const char *field)
{
    expect_refusal(c, e, body, strlen(body), status, code, code2, field);
}

static const struct endpoint *endpoint(const char *path)
{
    for (size_t i = 0; i < N_ENDPOINTS; i++)
        if (strcmp(endpoints[i].path, path) == 0)
            return &endpoints[i];
    fail_msg("no endpoint %s", path);
    return NULL;
}

/* ---- Bodies ------------------------------------------------------------------- */

static void test_malformed_json(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const bodies[] = {
        "{\"email\":", "{\"a\":1,}", "not json", "{\"a\":1} trailing", "{'a':1}", "",
        "{\"a\":\"unterminated}", "\x7b\x22\x61\x22\x3a\x74\x72\x75\x7d",
    };
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
            expect_refusal_str(c, &endpoints[e], bodies[i], 400, "invalid_json", NULL, NULL);
    /* Valid JSON that is not an object. */
    static const char *const not_objects[] = {"[1,2]", "\"text\"", "42", "null", "true"};
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        for (size_t i = 0; i < sizeof not_objects / sizeof not_objects[0]; i++)
            expect_refusal_str(c, &endpoints[e], not_objects[i], 400, "invalid_type",
                               "invalid_json", NULL);
}

static void test_deep_nesting(void **state)
{
    struct bad_ctx *c = *state;
    size_t depth = 200000;
    char *body = malloc(depth + 32);
    assert_non_null(body);
    strcpy(body, "{\"value\":");
    size_t n = strlen(body);
    memset(body + n, '[', depth);
    n += depth;
    body[n++] = '}';
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        expect_refusal(c, &endpoints[e], body, n, 400, "invalid_json", NULL, NULL);
    free(body);
}

static void test_wrong_types(void **state)
{
    struct bad_ctx *c = *state;
    /* Registration: each top-level field and some answers with the wrong type. */
    static const struct {
        const char *key, *json;
    } top[] = {
        {"email", "5"},          {"password", "[]"}, {"programme", "{}"},
        {"roles", "\"mentee\""}, {"capacity", "\"3\""}, {"profile", "\"x\""},
        {"roles", "[1]"},
    };
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        struct harness_account a = {.roles = "mentor"};
        cJSON *body = harness_account_json(c->h, &a, NULL, 0);
        harness_json_set(body, top[i].key, cJSON_Parse(top[i].json));
        char *s = cJSON_PrintUnformatted(body);
        expect_refusal_str(c, endpoint("/v1/accounts"), s, 400, "invalid_type", NULL, top[i].key);
        free(s);
        cJSON_Delete(body);
    }
    static const struct {
        const char *key, *json;
    } answers[] = {
        {"name", "7"},         {"years_experience", "\"8\""}, {"languages", "\"en\""},
        {"skills", "\"a,b\""}, {"grade", "[\"P-3\"]"},        {"bio", "{}"},
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        cJSON *p = harness_profile_new("Typed Wrong");
        harness_json_set(p, answers[i].key, cJSON_Parse(answers[i].json));
        struct harness_account a = {.profile = p};
        struct harness_resp r = {0};
        harness_register(c->h, &a, NULL, &r);
        harness_expect_error_field(&r, 400, "invalid_type", answers[i].key);
        harness_resp_free(&r);
        cJSON_Delete(p);
        harness_expect_healthy(c->h);
    }
    const struct endpoint *login = endpoint("/v1/auth/login");
    expect_refusal_str(c, login, "{\"email\":true,\"password\":\"0123456789\"}", 400,
                       "invalid_type", NULL, "email");
    expect_refusal_str(c, login, "{\"email\":\"a@b.org\",\"password\":12345678901}", 400,
                       "invalid_type", NULL, "password");
    const struct endpoint *join = endpoint("/v1/me/programmes");
    expect_refusal_str(c, join, "{\"programme\":1,\"roles\":[\"mentee\"]}", 400, "invalid_type",
                       NULL, "programme");
    expect_refusal_str(c, join, "{\"programme\":\"iom-2025\",\"roles\":\"mentee\"}", 400,
                       "invalid_type", NULL, "roles");
    const struct endpoint *sync = endpoint("/v1/sync");
    expect_refusal_str(c, sync, "{\"programme\":7}", 400, "invalid_type", NULL, "programme");
    expect_refusal_str(c, sync, "{\"programme\":\"together\",\"ops\":\"x\"}", 400, "invalid_type",
                       NULL, "ops");
    expect_refusal_str(c, endpoint("/v1/test/clock"), "{\"advance\":\"60\"}", 400,
                       "invalid_type", NULL, "advance");
    expect_refusal_str(c, endpoint("/v1/me/profile/bio"), "{\"value\":12}", 400, "invalid_type",
                       NULL, "bio");
}

static void test_missing_fields(void **state)
{
    struct bad_ctx *c = *state;
    static const struct {
        const char *path, *body, *field;
    } cases[] = {
        {"/v1/auth/login", "{\"email\":\"a@b.org\"}", "password"},
        {"/v1/auth/login", "{\"password\":\"0123456789\"}", "email"},
        {"/v1/me/programmes", "{\"roles\":[\"mentee\"]}", "programme"},
        {"/v1/me/programmes", "{\"programme\":\"iom-2025\"}", "roles"},
        {"/v1/me/profile/bio", "{}", "value"},
        {"/v1/sync", "{}", "programme"},
        {"/v1/test/clock", "{}", "advance"},
        {"/v1/accounts", "{}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refusal_str(c, endpoint(cases[i].path), cases[i].body, 400, "missing_field", NULL,
                           cases[i].field);
}

static void test_unknown_fields(void **state)
{
    struct bad_ctx *c = *state;
    struct harness_account a = {.roles = "mentor"};
    cJSON *body = harness_account_json(c->h, &a, NULL, 0);
    harness_json_set(body, "is_admin", cJSON_CreateTrue());
    char *s = cJSON_PrintUnformatted(body);
    expect_refusal_str(c, endpoint("/v1/accounts"), s, 400, "unknown_field", NULL, "is_admin");
    free(s);
    cJSON_Delete(body);

    /* An answer to a question that does not exist. */
    cJSON *p = harness_profile_new("Unknown Answer");
    harness_json_set_str(p, "favourite_colour", "blue");
    struct harness_account b = {.profile = p};
    struct harness_resp r = {0};
    harness_register(c->h, &b, NULL, &r);
    harness_expect_error_field(&r, 400, "unknown_field", "favourite_colour");
    harness_resp_free(&r);
    cJSON_Delete(p);

    static const char *const not_answers[] = {"email", "user_id"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *q = harness_profile_new("Not An Answer");
        if (i == 0)
            harness_json_set_str(q, "email", "x@example.org");
        else
            harness_json_set_int(q, "user_id", 1);
        struct harness_account d = {.profile = q};
        harness_register(c->h, &d, NULL, &r);
        harness_expect_error_field(&r, 400, "unknown_field", not_answers[i]);
        harness_resp_free(&r);
        cJSON_Delete(q);
    }

    expect_refusal_str(c, endpoint("/v1/auth/login"),
                       "{\"email\":\"a@b.org\",\"password\":\"0123456789\",\"remember\":true}",
                       400, "unknown_field", NULL, "remember");
    expect_refusal_str(c, endpoint("/v1/me/profile/bio"), "{\"value\":\"x\",\"key\":\"bio\"}",
                       400, "unknown_field", NULL, "key");
    expect_refusal_str(c, endpoint("/v1/me/programmes"),
                       "{\"programme\":\"iom-2025\",\"roles\":[\"mentee\"],\"status\":\"active\"}",
                       400, "unknown_field", NULL, "status");
    expect_refusal_str(c, endpoint("/v1/sync"), "{\"programme\":\"together\",\"since\":0}", 400,
                       "unknown_field", NULL, "since");

    /* Nothing of a refused join was kept. */
    harness_call(c->h, "GET", "/v1/me", c->user.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "programmes")),
                     1);
    harness_resp_free(&r);
}

/* A JSON object of exactly `size` bytes: {"email":"aaaa..."}. */
static char *body_of_size(size_t size)
{
    char *b = malloc(size + 1);
    assert_non_null(b);
    const char *head = "{\"email\":\"";
    size_t h = strlen(head);
    memcpy(b, head, h);
    memset(b + h, 'a', size - h - 2);
    memcpy(b + size - 2, "\"}", 2);
    b[size] = '\0';
    return b;
}

static void test_too_large(void **state)
{
    struct bad_ctx *c = *state;
    char *big = body_of_size(HARNESS_MAX_BODY + 1);
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        expect_refusal(c, &endpoints[e], big, HARNESS_MAX_BODY + 1, 413, "too_large", NULL, NULL);
    free(big);
    /* Exactly 1 MiB is read (and refused for what it says, not for its size). */
    char *max = body_of_size(HARNESS_MAX_BODY);
    struct harness_resp r = {0};
    harness_call_len(c->h, "POST", "/v1/auth/login", NULL, max, HARNESS_MAX_BODY, NULL, &r);
    assert_int_equal(r.status, 400);
    harness_resp_free(&r);
    free(max);
    harness_expect_healthy(c->h);
}

static void test_invalid_utf8(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const bad[] = {
        "\xff",             /* never valid */
        "\xc3\x28",         /* truncated sequence */
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xe2\x82",         /* cut short */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"value\":\"ok %s ok\"}", bad[i]);
        expect_refusal_str(c, endpoint("/v1/me/profile/bio"), body, 400, "invalid_utf8", NULL,
                           NULL);
        snprintf(body, sizeof body, "{\"email\":\"x%s@example.org\",\"password\":\"0123456789\"}",
                 bad[i]);
        expect_refusal_str(c, endpoint("/v1/auth/login"), body, 400, "invalid_utf8", NULL, NULL);
        snprintf(body, sizeof body, "{\"programme\":\"together%s\"}", bad[i]);
        expect_refusal_str(c, endpoint("/v1/sync"), body, 400, "invalid_utf8", NULL, NULL);
        snprintf(body, sizeof body, "{\"programme\":\"iom%s\",\"roles\":[\"mentee\"]}", bad[i]);
        expect_refusal_str(c, endpoint("/v1/me/programmes"), body, 400, "invalid_utf8", NULL,
                           NULL);

        cJSON *p = harness_profile_new("Bad Bytes");
        struct harness_account a = {.profile = p};
        cJSON *reg = harness_account_json(c->h, &a, NULL, 0);
        char *s = cJSON_PrintUnformatted(reg);
        /* Put the bad bytes inside the name, after printing (cJSON would not). */
        char *at = strstr(s, "Bad Bytes");
        assert_non_null(at);
        size_t n = strlen(s) + strlen(bad[i]) + 1;
        char *raw = malloc(n);
        assert_non_null(raw);
        size_t pre = (size_t)(at - s) + 3;
        snprintf(raw, n, "%.*s%s%s", (int)pre, s, bad[i], s + pre);
        expect_refusal_str(c, endpoint("/v1/accounts"), raw, 400, "invalid_utf8", NULL, NULL);
        free(raw);
        free(s);
        cJSON_Delete(reg);
        cJSON_Delete(p);
    }
    /* Escapes naming lone surrogates are not text either. */
    expect_refusal_str(c, endpoint("/v1/me/profile/bio"), "{\"value\":\"a\\udc00b\"}", 400,
                       "invalid_json", "invalid_utf8", NULL);
    expect_refusal_str(c, endpoint("/v1/me/profile/bio"), "{\"value\":\"a\\ud800b\"}", 400,
                       "invalid_json", "invalid_utf8", NULL);
    /* The bio was never changed by any of it. */
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/me/profile", c->user.token, NULL, NULL, &r);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "bio"));
    harness_resp_free(&r);
}

static void test_too_long(void **state)
{
    struct bad_ctx *c = *state;
    cJSON *p = harness_profile_new("x");
    char name[200];
    memset(name, 'N', 121);
    name[121] = '\0';
    harness_json_set_str(p, "name", name);
    struct harness_account a = {.profile = p};
    struct harness_resp r = {0};
    harness_register(c->h, &a, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "name");
    cJSON_Delete(p);

    size_t n = 100000;
    char *body = malloc(n + 32);
    assert_non_null(body);
    strcpy(body, "{\"value\":\"");
    size_t h = strlen(body);
    memset(body + h, 'b', n);
    strcpy(body + h + n, "\"}");
    harness_call(c->h, "PUT", "/v1/me/profile/bio", c->user.token, body, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "bio");
    harness_expect_healthy(c->h);

    char *email = malloc(n + 64);
    assert_non_null(email);
    memset(email, 'e', n);
    strcpy(email + n, "@example.org");
    cJSON *login = cJSON_CreateObject();
    harness_json_set_str(login, "email", email);
    harness_json_set_str(login, "password", "0123456789");
    harness_call_json(c->h, "POST", "/v1/auth/login", NULL, login, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "email");
    cJSON_Delete(login);
    harness_expect_healthy(c->h);

    struct harness_account b = {.email = email};
    harness_register(c->h, &b, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "email");
    free(email);
    free(body);
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

static void test_numbers_out_of_range(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const values[] = {"1e308", "-1e308", "9223372036854775808", "1e400"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"value\":%s}", values[i]);
        struct harness_resp r = {0};
        harness_call(c->h, "PUT", "/v1/me/profile/years_experience", c->user.token, body, NULL,
                     &r);
        assert_int_equal(r.status, 400);
        const char *code = harness_error_code(&r);
        if (strcmp(code, "out_of_range") != 0 && strcmp(code, "invalid_type") != 0 &&
            strcmp(code, "invalid_json") != 0)
            fail_msg("years_experience %s: %s", values[i], r.body);
        harness_resp_free(&r);
        harness_expect_healthy(c->h);
    }
}

/* ---- SQL metacharacters --------------------------------------------------------- */

#define SQL_NAME "Robert'); DROP TABLE users;--"
#define SQL_NETWORK "\" OR 1=1 --"
#define SQL_ENTITY "'; DROP TABLE memberships; --"
#define SQL_STATION "1' OR '1'='1"
#define SQL_BIO "100% sure; a_b; back\\slash; \"quoted\"; ' OR ''='; /* comment */ --"
#define SQL_INDEX "' OR ''='"
#define SQL_SKILL1 "'; DROP TABLE users; --"
#define SQL_SKILL2 "%_%"
#define SQL_GOAL "\" OR 1=1 --"
#define SQL_LINKEDIN "https://www.linkedin.com/in/o'brien--"
#define SQL_PASSWORD "'; DROP TABLE users; --"

static void expect_sql_profile(const cJSON *p, bool owner, const char *where)
{
    static const struct {
        const char *key, *value;
        bool admin_only;
    } want[] = {
        {"name", SQL_NAME, false},        {"job_network", SQL_NETWORK, false},
        {"entity", SQL_ENTITY, false},    {"duty_station", SQL_STATION, false},
        {"bio", SQL_BIO, false},          {"index_number", SQL_INDEX, true},
        {"linkedin", SQL_LINKEDIN, false},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (want[i].admin_only && !owner)
            continue;
        const char *got = harness_str(p, want[i].key);
        if (!got || strcmp(got, want[i].value) != 0)
            fail_msg("%s: %s is \"%s\", expected \"%s\"", where, want[i].key, got ? got : "(none)",
                     want[i].value);
    }
    cJSON *skills = cJSON_CreateArray();
    cJSON_AddItemToArray(skills, cJSON_CreateString(SQL_SKILL1));
    cJSON_AddItemToArray(skills, cJSON_CreateString(SQL_SKILL2));
    bool same = cJSON_Compare(cJSON_GetObjectItemCaseSensitive(p, "skills"), skills, true);
    cJSON_Delete(skills);
    if (!same)
        fail_msg("%s: skills differ", where);
}

static void test_sql_metacharacters(void **state)
{
    struct bad_ctx *c = *state;
    cJSON *p = harness_profile_new(SQL_NAME);
    harness_json_set_str(p, "job_network", SQL_NETWORK);
    harness_json_set_str(p, "entity", SQL_ENTITY);
    harness_json_set_str(p, "duty_station", SQL_STATION);
    harness_json_set_str(p, "bio", SQL_BIO);
    harness_json_set_str(p, "index_number", SQL_INDEX);
    harness_json_set_str(p, "linkedin", SQL_LINKEDIN);
    cJSON *skills = cJSON_CreateArray();
    cJSON_AddItemToArray(skills, cJSON_CreateString(SQL_SKILL1));
    cJSON_AddItemToArray(skills, cJSON_CreateString(SQL_SKILL2));
    harness_json_set(p, "skills", skills);
    cJSON *goals = cJSON_CreateArray();
    cJSON_AddItemToArray(goals, cJSON_CreateString(SQL_GOAL));
    harness_json_set(p, "goals", goals);
    char email[128];
    snprintf(email, sizeof email, "o'brien--%ld@example.org", (long)getpid());
    struct harness_account a = {
        .email = email, .password = SQL_PASSWORD, .roles = "mentor", .profile = p};
    struct harness_user m;
    harness_register_ok(c->h, &a, &m);

    /* Stored byte for byte. */
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/me", m.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "email"), email);
    expect_sql_profile(cJSON_GetObjectItemCaseSensitive(r.json, "profile"), true, "GET /v1/me");
    /* The e-mail and password with quotes log in. */
    struct harness_user again = m;
    assert_int_equal(harness_login(c->h, &again, &r), 200);

    /* Another participant sees the same text. */
    char path[256];
    snprintf(path, sizeof path, "/v1/programmes/together/mentors/%lld", (long long)m.id);
    harness_call(c->h, "GET", path, c->user.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    expect_sql_profile(r.json, false, path);
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(r.json, "goals"), goals, true));

    /* Free text and filters treat them as text: the only mentor of this
     * server is found by its own quotes and wildcards, and by nothing else. */
    struct harness_account plain = {.roles = "mentor"};
    struct harness_user other;
    harness_register_ok(c->h, &plain, &other);
    static const struct {
        const char *key, *value;
        int64_t total;
    } queries[] = {
        {"q", "%", 1},
        {"q", "_", 1},
        {"q", "'", 1},
        {"q", "\" OR 1=1 --", 1},
        {"q", "' OR '1'='1", 1},
        {"q", "%' OR '%'='", 0},
        {"q", "' OR 1=1; --", 0},
        {"job_network", "' OR '1'='1", 0},
        {"job_network", SQL_NETWORK, 1},
        {"entity", "' OR 1=1 --", 0},
        {"entity", SQL_ENTITY, 1},
        {"duty_station", "%", 0},
        {"duty_station", SQL_STATION, 1},
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        snprintf(path, sizeof path, "/v1/programmes/together/mentors");
        harness_query_add(path, sizeof path, queries[i].key, queries[i].value);
        harness_call(c->h, "GET", path, c->user.token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        int64_t total = -1;
        assert_true(harness_int(r.json, "total", &total));
        if (total != queries[i].total)
            fail_msg("%s=%s: total %lld, expected %lld", queries[i].key, queries[i].value,
                     (long long)total, (long long)queries[i].total);
        if (total == 1) {
            int64_t id = 0;
            harness_int(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0),
                        "user_id", &id);
            assert_true(id == m.id);
        }
    }

    /* Edits with metacharacters come back unchanged too. */
    static const char *const edits[] = {"name", "job_network", "entity", "duty_station", "bio",
                                        "index_number"};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        cJSON *body = cJSON_CreateObject();
        harness_json_set_str(body, "value", SQL_NETWORK " \\ ' %% _");
        snprintf(path, sizeof path, "/v1/me/profile/%s", edits[i]);
        harness_call_json(c->h, "PUT", path, m.token, body, NULL, &r);
        cJSON_Delete(body);
        harness_expect_status(&r, 200);
        assert_string_equal(harness_str(r.json, "value"), SQL_NETWORK " \\ ' %% _");
        harness_call(c->h, "GET", "/v1/me/profile", m.token, NULL, NULL, &r);
        assert_string_equal(harness_str(r.json, edits[i]), SQL_NETWORK " \\ ' %% _");
    }

    /* Choice, zone and programme fields refuse them as values. */
    cJSON *q = harness_profile_new("Choice Quote");
    harness_json_set_str(q, "grade", "P-3' OR '1'='1");
    struct harness_account b = {.profile = q};
    harness_register(c->h, &b, NULL, &r);
    harness_expect_error_field(&r, 400, "invalid", "grade");
    harness_json_set_str(q, "grade", "P-3");
    harness_json_set_str(q, "timezone", "UTC'; DROP TABLE users; --");
    harness_register(c->h, &b, NULL, &r);
    harness_expect_error_field(&r, 400, "unknown_timezone", "timezone");
    harness_json_set_str(q, "timezone", "Europe/Rome");
    b.programme = "together'; --";
    harness_register(c->h, &b, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    cJSON_Delete(q);

    /* Logins with injection in the e-mail get nowhere. */
    struct harness_user evil = {0};
    snprintf(evil.email, sizeof evil.email, "admin'--@example.org");
    snprintf(evil.password, sizeof evil.password, "' OR '1'='1");
    harness_login(c->h, &evil, &r);
    harness_expect_error(&r, 401, "invalid_credentials");
    snprintf(evil.email, sizeof evil.email, "' OR '1'='1");
    harness_login(c->h, &evil, &r);
    if (r.status != 400 && r.status != 401)
        fail_msg("login as ' OR '1'='1: %ld %s", r.status, r.body);

    /* The tables are all still there. */
    harness_call(c->h, "GET", "/v1/programmes", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 3);
    struct harness_account fresh = {0};
    struct harness_user f;
    harness_register_ok(c->h, &fresh, &f);
    assert_int_equal(harness_login(c->h, &f, NULL), 200);
    harness_call(c->h, "GET", "/v1/me", c->user.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(c->h, "GET", "/v1/programmes/together/mentors", f.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = 0;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 2);
    harness_resp_free(&r);
    cJSON_Delete(p);
    harness_expect_healthy(c->h);
}

/* ---- Tokens ---------------------------------------------------------------------- */

static void random_token(char out[44])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char bytes[43];
    FILE *f = fopen("/dev/urandom", "rb");
    assert_non_null(f);
    assert_int_equal(fread(bytes, 1, sizeof bytes, f), sizeof bytes);
    fclose(f);
    for (int i = 0; i < 43; i++)
        out[i] = alphabet[bytes[i] & 63];
    out[43] = '\0';
}

static void expect_unauthorized(struct bad_ctx *c, const char *const *headers, const char *token)
{
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/me", token, NULL, headers, &r);
    harness_expect_error(&r, 401, "unauthorized");
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "email"));
    harness_call(c->h, "PUT", "/v1/me/profile/bio", token, "{\"value\":\"Injected\"}", headers,
                 &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

static void test_tokens(void **state)
{
    struct bad_ctx *c = *state;
    expect_unauthorized(c, NULL, NULL);
    char forged[44];
    for (int i = 0; i < 3; i++) {
        random_token(forged);
        expect_unauthorized(c, NULL, forged);
    }
    /* One character changed in a real token. */
    char tampered[128];
    snprintf(tampered, sizeof tampered, "%s", c->user.token);
    assert_int_equal(strlen(tampered), 43);
    for (int pos = 0; pos < 43; pos += 21) {
        char saved = tampered[pos];
        tampered[pos] = saved == 'A' ? 'B' : 'A';
        expect_unauthorized(c, NULL, tampered);
        tampered[pos] = saved;
    }
    /* Wrong length, wrong alphabet, wrong scheme, empty. */
    char shorter[160], longer[160];
    snprintf(shorter, sizeof shorter, "%.42s", c->user.token);
    snprintf(longer, sizeof longer, "%sA", c->user.token);
    expect_unauthorized(c, NULL, shorter);
    expect_unauthorized(c, NULL, longer);
    expect_unauthorized(c, NULL, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    expect_unauthorized(c, NULL, "' OR '1'='1");
    char basic[200];
    snprintf(basic, sizeof basic, "Authorization: Basic %s", c->user.token);
    const char *h1[] = {basic, NULL};
    expect_unauthorized(c, h1, NULL);
    const char *h2[] = {"Authorization: Bearer ", NULL};
    expect_unauthorized(c, h2, NULL);
    const char *h3[] = {"Authorization: Bearer", NULL};
    expect_unauthorized(c, h3, NULL);

    /* Public routes check a token that is sent anyway. */
    random_token(forged);
    static const char *const public_routes[] = {"/v1/health", "/v1/programmes",
                                                "/v1/programmes/together"};
    for (size_t i = 0; i < sizeof public_routes / sizeof public_routes[0]; i++) {
        struct harness_resp p = {0};
        harness_call(c->h, "GET", public_routes[i], forged, NULL, NULL, &p);
        harness_expect_error(&p, 401, "unauthorized");
        harness_call(c->h, "GET", public_routes[i], c->user.token, NULL, NULL, &p);
        harness_expect_status(&p, 200);
        harness_resp_free(&p);
    }

    /* The real token still works and the bio is untouched. */
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/me/profile", c->user.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_null(cJSON_GetObjectItemCaseSensitive(r.json, "bio"));
    harness_resp_free(&r);
}

/* ---- Content types, routes, methods ----------------------------------------------- */

static void test_content_type(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const refused[] = {
        "Content-Type: text/plain",
        "Content-Type: application/x-www-form-urlencoded",
        "Content-Type: application/jsonx",
        "Content-Type: multipart/form-data; boundary=x",
        "Content-Type:",
    };
    const char *login = "{\"email\":\"nobody@example.org\",\"password\":\"0123456789\"}";
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *headers[] = {refused[i], NULL};
        for (size_t e = 0; e < N_ENDPOINTS; e++) {
            struct harness_resp r = {0};
            harness_call(c->h, endpoints[e].method, endpoints[e].path, token_for(c, &endpoints[e]),
                         login, headers, &r);
            harness_expect_error(&r, 415, "unsupported_media_type");
            harness_resp_free(&r);
        }
        harness_expect_healthy(c->h);
    }
    /* JSON with parameters or in capitals is JSON. */
    static const char *const accepted[] = {
        "Content-Type: application/json; charset=utf-8",
        "Content-Type: Application/JSON",
    };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        const char *headers[] = {accepted[i], NULL};
        struct harness_resp r = {0};
        harness_call(c->h, "POST", "/v1/auth/login", NULL, login, headers, &r);
        harness_expect_error(&r, 401, "invalid_credentials");
        harness_resp_free(&r);
    }
}

static void test_unknown_routes(void **state)
{
    struct bad_ctx *c = *state;
    static const struct {
        const char *method, *path;
    } routes[] = {
        {"GET", "/v1/nothing"},
        {"GET", "/v2/health"},
        {"GET", "/"},
        {"GET", "/v1"},
        {"POST", "/v1/nothing"},
        {"GET", "/v1/programmes/together/mentors/1/extra"},
        {"GET", "/v1/me/profile/bio/extra"},
        {"GET", "/v1/programmes/%00"},
        {"GET", "/v1/../v1/health/../../etc/passwd"},
        /* An encoded slash is part of the id, not a separator. */
        {"GET", "/v1/programmes/together%2Fmentors"},
        {"GET", "/v1/health%2F"},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        struct harness_resp r = {0};
        harness_call(c->h, routes[i].method, routes[i].path, c->user.token, NULL, NULL, &r);
        if (r.status == 404 && strcmp(harness_error_code(&r), "unknown_programme") == 0)
            harness_expect_error(&r, 404, "unknown_programme");
        else
            harness_expect_error(&r, 404, "not_found");
        harness_resp_free(&r);
        harness_expect_healthy(c->h);
    }
    /* A very long path. */
    size_t n = 6000;
    char *path = malloc(n + 16);
    assert_non_null(path);
    strcpy(path, "/v1/");
    memset(path + 4, 'x', n);
    path[n + 4] = '\0';
    struct harness_resp r = {0};
    harness_call(c->h, "GET", path, NULL, NULL, NULL, &r);
    assert_true(r.status == 404 || r.status == 414);
    harness_resp_free(&r);
    free(path);
    harness_expect_healthy(c->h);
}

static void test_wrong_method(void **state)
{
    struct bad_ctx *c = *state;
    static const struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"DELETE", "/v1/health", "GET"},
        {"POST", "/v1/health", "GET"},
        {"POST", "/v1/programmes", "GET"},
        {"DELETE", "/v1/programmes/together", "GET"},
        {"PUT", "/v1/accounts", "POST"},
        {"GET", "/v1/auth/login", "POST"},
        {"GET", "/v1/auth/logout", "POST"},
        {"DELETE", "/v1/me", "GET"},
        {"GET", "/v1/me/profile/bio", "PUT"},
        {"PATCH", "/v1/me/profile/bio", "PUT"},
        {"GET", "/v1/sync", "POST"},
        {"GET", "/v1/me/programmes", "POST"},
        {"POST", "/v1/programmes/together/mentors", "GET"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct harness_resp r = {0};
        harness_call(c->h, cases[i].method, cases[i].path, c->user.token, NULL, NULL, &r);
        harness_expect_error(&r, 405, "method_not_allowed");
        if (!strstr(r.allow, cases[i].allow))
            fail_msg("%s %s: Allow is \"%s\", expected it to list %s", cases[i].method,
                     cases[i].path, r.allow, cases[i].allow);
        if (strstr(r.allow, cases[i].method))
            fail_msg("%s %s: Allow \"%s\" lists the refused method", cases[i].method,
                     cases[i].path, r.allow);
        harness_resp_free(&r);
        harness_expect_healthy(c->h);
    }
}

static void test_idempotency_key_shape(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const keys[] = {"short", "has space in it", "bad/slash-key",
                                       "0123456789012345678901234567890123456789012345678901234567890123456789"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char header[160];
        snprintf(header, sizeof header, "Idempotency-Key: %s", keys[i]);
        const char *headers[] = {header, NULL};
        struct harness_resp r = {0};
        harness_call(c->h, "PUT", "/v1/me/profile/bio", c->user.token, "{\"value\":\"keyed\"}",
                     headers, &r);
        harness_expect_error(&r, 400, "bad_request");
        harness_resp_free(&r);
        harness_expect_healthy(c->h);
    }
}

static void test_raw_garbage(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const requests[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /v1/health HTTP/9.9\r\n\r\n",
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
        /* A body shorter than announced, then the client goes away. */
        "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{\"email\":",
        /* A chunked body with a broken chunk size. */
        "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "\x16\x03\x01\x02\xff\x01\xff\x01\xfc\x03\x03", /* like a TLS hello */
    };
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        char *answer = NULL;
        harness_raw(c->h, requests[i], strlen(requests[i]), 500, &answer);
        free(answer);
        harness_expect_healthy(c->h);
    }
    /* A huge header block. */
    size_t n = 200000;
    char *req = malloc(n + 128);
    assert_non_null(req);
    int k = snprintf(req, n + 128, "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + k, 'h', n);
    strcpy(req + k + n, "\r\n\r\n");
    char *answer = NULL;
    harness_raw(c->h, req, strlen(req), 2000, &answer);
    free(answer);
    free(req);
    harness_expect_healthy(c->h);

    /* A chunked JSON body is a body like any other. */
    const char *chunked = "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\n{\"ema\r\n";
    answer = NULL;
    char full[512];
    /* The second chunk: its length in hex, then the rest. */
    const char *rest = "il\":\"nobody@example.org\",\"password\":\"0123456789\"}";
    snprintf(full, sizeof full, "%s%zx\r\n%s\r\n0\r\n\r\n", chunked, strlen(rest), rest);
    harness_raw(c->h, full, strlen(full), 3000, &answer);
    assert_non_null(answer);
    if (strncmp(answer, "HTTP/1.1 401", 12) != 0)
        fail_msg("a chunked login answered: %.200s", answer);
    free(answer);
}

static void test_clock_range(void **state)
{
    struct bad_ctx *c = *state;
    const struct endpoint *clock = endpoint("/v1/test/clock");
    expect_refusal_str(c, clock, "{\"advance\":-1}", 400, "out_of_range", NULL, "advance");
    expect_refusal_str(c, clock, "{\"advance\":630720001}", 400, "out_of_range", NULL, "advance");
    expect_refusal_str(c, clock, "{\"advance\":1.5}", 400, "invalid_type", NULL, "advance");
    /* 0 reads the clock. */
    struct harness_resp r = {0};
    harness_call(c->h, "POST", "/v1/test/clock", NULL, "{\"advance\":0}", NULL, &r);
    harness_expect_status(&r, 200);
    int64_t now = harness_parse_time(harness_str(r.json, "now"));
    assert_true(now > harness_now(c->h) - 120 && now < harness_now(c->h) + 120);
    harness_resp_free(&r);
}

static void test_bad_query_text(void **state)
{
    struct bad_ctx *c = *state;
    static const char *const queries[] = {
        "q=%FF", "q=a%C0%AFb", "job_network=%ED%A0%80", "entity=%C3", "page=%FF",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?%s", queries[i]);
        struct harness_resp r = {0};
        harness_call(c->h, "GET", path, c->user.token, NULL, NULL, &r);
        harness_expect_error(&r, 400, "bad_request");
        harness_resp_free(&r);
        harness_expect_healthy(c->h);
    }
    /* A path segment that is not UTF-8. */
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/programmes/%FF%FE", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(c->h, "GET", "/v1/programmes/together/mentors/%FF", c->user.token, NULL, NULL,
                 &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(c->h, "PUT", "/v1/me/profile/%FF", c->user.token, "{\"value\":\"x\"}", NULL,
                 &r);
    harness_expect_error(&r, 400, "bad_request");
    /* Values are limited to 200 characters. */
    char value[202];
    memset(value, 'v', 201);
    value[201] = '\0';
    char path[512] = "/v1/programmes/together/mentors";
    harness_query_add(path, sizeof path, "q", value);
    harness_call(c->h, "GET", path, c->user.token, NULL, NULL, &r);
    harness_expect_error_field(&r, 400, "bad_request", "q");
    value[200] = '\0';
    snprintf(path, sizeof path, "/v1/programmes/together/mentors");
    harness_query_add(path, sizeof path, "q", value);
    harness_call(c->h, "GET", path, c->user.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
    harness_expect_healthy(c->h);
}

static void test_health(void **state)
{
    struct bad_ctx *c = *state;
    struct harness_resp r = {0};
    harness_call(c->h, "GET", "/v1/health", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "status"), "ok");
    assert_string_equal(harness_str(r.json, "version"), MENTO_VERSION);
    int64_t schema = 0;
    assert_true(harness_int(r.json, "schema", &schema));
    assert_true(schema >= 1);
    assert_non_null(strstr(r.content_type, "application/json"));
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_numbers_out_of_range),
        cmocka_unit_test(test_sql_metacharacters),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test(test_unknown_routes),
        cmocka_unit_test(test_wrong_method),
        cmocka_unit_test(test_idempotency_key_shape),
        cmocka_unit_test(test_raw_garbage),
        cmocka_unit_test(test_clock_range),
        cmocka_unit_test(test_bad_query_text),
        cmocka_unit_test(test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

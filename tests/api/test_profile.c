/* test_profile.c - the owner's view of a profile, editing one answer at a time
 * with validation, and what other participants may and may not see of it. */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PUT /v1/me/profile/{key} {"value":<value_json>}. */
static void put_answer(struct harness *h, const char *token, const char *key,
                       const char *value_json, struct harness_resp *r)
{
    char path[512];
    snprintf(path, sizeof path, "/v1/me/profile/%s", key);
    size_t n = strlen(value_json) + 32;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"value\":%s}", value_json);
    harness_call(h, "PUT", path, token, body, NULL, r);
    free(body);
}

/* A valid value is stored: the answer echoes it and GET /v1/me/profile
 * returns it (compared as JSON). */
static void expect_stored(struct harness *h, const char *token, const char *key,
                          const char *value_json)
{
    struct harness_resp r = {0};
    put_answer(h, token, key, value_json, &r);
    harness_expect_status(&r, 200);
    cJSON *want = cJSON_Parse(value_json);
    assert_non_null(want);
    assert_string_equal(harness_str(r.json, "key"), key);
    const cJSON *echo = cJSON_GetObjectItemCaseSensitive(r.json, "value");
    if (!cJSON_Compare(echo, want, true))
        fail_msg("PUT %s %s answered %s", key, value_json, r.body);
    harness_call(h, "GET", "/v1/me/profile", token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *got = cJSON_GetObjectItemCaseSensitive(r.json, key);
    if (!cJSON_Compare(got, want, true))
        fail_msg("after PUT %s %s, GET /v1/me/profile has %s", key, value_json, r.body);
    cJSON_Delete(want);
    harness_resp_free(&r);
}

/* An invalid value is refused with `code` naming `key`, and the stored
 * answer does not change. `code2` (may be NULL) is a second acceptable code. */
static void expect_refused(struct harness *h, const char *token, const char *key,
                           const char *value_json, const char *code, const char *code2)
{
    struct harness_resp before = {0}, r = {0};
    harness_call(h, "GET", "/v1/me/profile", token, NULL, NULL, &before);
    harness_expect_status(&before, 200);
    put_answer(h, token, key, value_json, &r);
    const char *got = harness_error_code(&r);
    const char *want = (code2 && strcmp(got, code2) == 0) ? code2 : code;
    harness_expect_error_field(&r, 400, want, key);
    harness_call(h, "GET", "/v1/me/profile", token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(before.json, key),
                       cJSON_GetObjectItemCaseSensitive(r.json, key), true))
        fail_msg("a refused PUT %s changed the answer: %s", key, r.body);
    harness_resp_free(&before);
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void register_user(struct harness *h, const char *roles, cJSON *profile,
                          struct harness_user *u)
{
    struct harness_account a = {.roles = roles, .profile = profile};
    harness_register_ok(h, &a, u);
}

static void test_me_shows_admin_only_answers(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Olga Petrenko");
    harness_json_set_str(p, "index_number", "IX-482913");
    harness_json_set_str(p, "appointment_type", "permanent");
    harness_json_set_int(p, "jpo_months", 4);
    harness_json_set_str(p, "bio", "Budget officer.");
    struct harness_user u;
    register_user(h, "mentee", p, &u);

    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me", u.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "email"), u.email);
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(r.json, "profile");
    assert_string_equal(harness_str(prof, "index_number"), "IX-482913");
    assert_string_equal(harness_str(prof, "appointment_type"), "permanent");
    int64_t months = 0;
    assert_true(harness_int(prof, "jpo_months", &months));
    assert_int_equal(months, 4);
    assert_string_equal(harness_str(prof, "bio"), "Budget officer.");
    assert_string_equal(harness_str(prof, "name"), "Olga Petrenko");

    /* GET /v1/me/profile is the same profile object alone. */
    struct harness_resp alone = {0};
    harness_call(h, "GET", "/v1/me/profile", u.token, NULL, NULL, &alone);
    harness_expect_status(&alone, 200);
    /* Every answer that was registered is there with the same value. */
    const cJSON *item;
    cJSON_ArrayForEach(item, p)
    {
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(alone.json, item->string);
        if (!cJSON_Compare(got, item, true))
            fail_msg("GET /v1/me/profile: %s differs: %s", item->string, alone.body);
    }
    cJSON_ArrayForEach(item, prof)
    {
        if (strcmp(item->string, "user_id") == 0)
            continue;
        if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(alone.json, item->string), item, true))
            fail_msg("/v1/me and /v1/me/profile differ on %s", item->string);
    }
    harness_resp_free(&alone);
    harness_resp_free(&r);
    cJSON_Delete(p);
}

static void test_text_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "name", "\"Renée Dubois-Okonkwo\"");
    expect_stored(h, u.token, "job_network", "\"Legal\"");
    expect_stored(h, u.token, "entity", "\"OHCHR\"");
    expect_stored(h, u.token, "duty_station", "\"Addis Ababa\"");
    expect_stored(h, u.token, "index_number", "\"77123456\"");
    expect_stored(h, u.token, "bio", "\"Line one.\\nLine two, with \\\"quotes\\\" and ✓.\"");
    expect_refused(h, u.token, "name", "42", "invalid_type", NULL);
    expect_refused(h, u.token, "bio", "[\"a\"]", "invalid_type", NULL);

    /* Lengths are counted in characters: 2000 two-byte characters fit, 2001 do not. */
    size_t n = 2001 * 2 + 3;
    char *bio = malloc(n);
    assert_non_null(bio);
    char *w = bio;
    *w++ = '"';
    for (int i = 0; i < 2000; i++) {
        *w++ = (char)0xC3;
        *w++ = (char)0xA9; /* é */
    }
    *w++ = '"';
    *w = '\0';
    expect_stored(h, u.token, "bio", bio);
    free(bio);
    bio = malloc(2001 + 3);
    assert_non_null(bio);
    bio[0] = '"';
    memset(bio + 1, 'b', 2001);
    bio[2002] = '"';
    bio[2003] = '\0';
    expect_refused(h, u.token, "bio", bio, "too_long", NULL);
    free(bio);

    char name[130];
    name[0] = '"';
    memset(name + 1, 'n', 121);
    name[122] = '"';
    name[123] = '\0';
    expect_refused(h, u.token, "name", name, "too_long", NULL);
    name[121] = '"';
    name[122] = '\0';
    expect_stored(h, u.token, "name", name);
}

static void test_choice_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "grade", "\"D-1\"");
    expect_stored(h, u.token, "grade", "\"NO-B\"");
    expect_stored(h, u.token, "grade", "\"retiree\"");
    expect_refused(h, u.token, "grade", "\"P-9\"", "invalid", NULL);
    expect_refused(h, u.token, "grade", "\"Senior\"", "invalid", NULL);
    expect_refused(h, u.token, "grade", "3", "invalid_type", NULL);
    expect_stored(h, u.token, "appointment_type", "\"continuing\"");
    expect_refused(h, u.token, "appointment_type", "\"boss\"", "invalid", NULL);
}

static void test_int_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "years_experience", "0");
    expect_stored(h, u.token, "years_experience", "60");
    expect_refused(h, u.token, "years_experience", "61", "out_of_range", NULL);
    expect_refused(h, u.token, "years_experience", "-1", "out_of_range", NULL);
    expect_refused(h, u.token, "years_experience", "\"12\"", "invalid_type", NULL);
    expect_refused(h, u.token, "years_experience", "2.5", "invalid_type", NULL);
    expect_stored(h, u.token, "jpo_months", "600");
    expect_refused(h, u.token, "jpo_months", "601", "out_of_range", NULL);
}

static void test_language_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    struct harness_resp r = {0};
    put_answer(h, u.token, "languages", "[\"fr\",\"en\"]", &r);
    harness_expect_status(&r, 200);
    harness_call(h, "GET", "/v1/me/profile", u.token, NULL, NULL, &r);
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(r.json, "languages");
    assert_int_equal(cJSON_GetArraySize(langs), 2);
    assert_true(harness_strings_contain(langs, "en"));
    assert_true(harness_strings_contain(langs, "fr"));
    harness_resp_free(&r);
    expect_stored(h, u.token, "languages", "[\"fr\"]");
    expect_refused(h, u.token, "languages", "[\"de\"]", "invalid", NULL);
    expect_refused(h, u.token, "languages", "[\"en\",\"xx\"]", "invalid", NULL);
    expect_refused(h, u.token, "languages", "\"en\"", "invalid_type", NULL);
    expect_refused(h, u.token, "languages", "[1]", "invalid_type", NULL);
}

static void test_timezone_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "timezone", "\"Africa/Nairobi\"");
    expect_stored(h, u.token, "timezone", "\"Asia/Ho_Chi_Minh\"");
    expect_refused(h, u.token, "timezone", "\"Mars/Olympus_Mons\"", "unknown_timezone", NULL);
    expect_refused(h, u.token, "timezone", "\"../../etc/passwd\"", "unknown_timezone", NULL);
    expect_refused(h, u.token, "timezone", "7", "invalid_type", NULL);
}

static void test_tag_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "skills", "[\"negotiation\",\"budgeting\"]");
    expect_stored(h, u.token, "goals", "[\"managing up\",\"lateral move\"]");

    /* 16 tags are allowed, 17 are too many. */
    char list[512] = "[";
    for (int i = 0; i < 17; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%s\"t%d\"", i ? "," : "", i);
        strcat(list, tag);
        if (i == 15) {
            char sixteen[600];
            snprintf(sixteen, sizeof sixteen, "%s]", list);
            expect_stored(h, u.token, "skills", sixteen);
        }
    }
    strcat(list, "]");
    expect_refused(h, u.token, "skills", list, "out_of_range", "too_long");

    /* A tag of 49 characters is too long (48 fit). */
    char tag[64] = "[\"";
    memset(tag + 2, 'x', 49);
    strcpy(tag + 51, "\"]");
    expect_refused(h, u.token, "skills", tag, "too_long", NULL);
    strcpy(tag + 50, "\"]");
    expect_stored(h, u.token, "skills", tag);
    expect_refused(h, u.token, "goals", "\"one goal\"", "invalid_type", NULL);
    expect_refused(h, u.token, "goals", "[true]", "invalid_type", NULL);
}

static void test_url_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "linkedin", "\"https://www.linkedin.com/in/olga-petrenko\"");
    expect_refused(h, u.token, "linkedin", "\"http://www.linkedin.com/in/olga\"", "invalid",
                   NULL);
    expect_refused(h, u.token, "linkedin", "\"javascript:alert(1)\"", "invalid", NULL);
    expect_refused(h, u.token, "linkedin", "\"not a url\"", "invalid", NULL);
    char url[260] = "\"https://www.linkedin.com/in/";
    size_t n = strlen(url);
    memset(url + n, 'z', 201 - (n - 1));
    strcpy(url + 202, "\"");
    expect_refused(h, u.token, "linkedin", url, "too_long", NULL);
}

static void test_unknown_question(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    struct harness_resp r = {0};
    put_answer(h, u.token, "favourite_colour", "\"blue\"", &r);
    harness_expect_error(&r, 404, "unknown_question");
    put_answer(h, u.token, "email", "\"new@example.org\"", &r);
    harness_expect_error(&r, 404, "unknown_question");
    put_answer(h, u.token, "user_id", "1", &r);
    harness_expect_error(&r, 404, "unknown_question");
    char longkey[320];
    memset(longkey, 'k', 300);
    longkey[300] = '\0';
    put_answer(h, u.token, longkey, "\"x\"", &r);
    harness_expect_error(&r, 404, "unknown_question");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void test_clear_answers(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    expect_stored(h, u.token, "bio", "\"To be removed.\"");
    expect_stored(h, u.token, "linkedin", "\"https://www.linkedin.com/in/x\"");

    struct harness_resp r = {0};
    put_answer(h, u.token, "bio", "null", &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "key"), "bio");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.json, "value")));
    put_answer(h, u.token, "linkedin", "null", &r);
    harness_expect_status(&r, 200);
    harness_call(h, "GET", "/v1/me/profile", u.token, NULL, NULL, &r);
    const cJSON *bio = cJSON_GetObjectItemCaseSensitive(r.json, "bio");
    assert_true(bio == NULL || cJSON_IsNull(bio));
    const cJSON *li = cJSON_GetObjectItemCaseSensitive(r.json, "linkedin");
    assert_true(li == NULL || cJSON_IsNull(li));
    harness_resp_free(&r);

    static const char *const required[] = {"name",        "grade",  "languages",   "timezone",
                                           "job_network", "entity", "duty_station"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        expect_refused(h, u.token, required[i], "null", "missing_field", NULL);
}

static const char *const admin_only[] = {"index_number", "appointment_type", "jpo_months",
                                         "email"};

static void expect_no_admin_only(const cJSON *entry, const char *secret_index,
                                 const char *email, const char *where)
{
    for (size_t i = 0; i < sizeof admin_only / sizeof admin_only[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(entry, admin_only[i]))
            fail_msg("%s shows %s to another participant", where, admin_only[i]);
    char *s = cJSON_PrintUnformatted(entry);
    assert_non_null(s);
    bool leak = strstr(s, secret_index) || strstr(s, email);
    free(s);
    if (leak)
        fail_msg("%s carries the index number or the e-mail", where);
}

/* The mentor's entry in the viewer's directory (every page), NULL if absent;
 * `*page` receives the answer it came from (caller frees). */
static const cJSON *find_in_directory(struct harness *h, const char *token, int64_t id,
                                      const char *secret, const char *email,
                                      struct harness_resp *page)
{
    for (int n = 1; n < 100; n++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?per_page=200&page=%d", n);
        harness_call(h, "GET", path, token, NULL, NULL, page);
        harness_expect_status(page, 200);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(page->json, "items");
        const cJSON *it;
        const cJSON *found = NULL;
        cJSON_ArrayForEach(it, items)
        {
            if (secret)
                expect_no_admin_only(it, secret, email, "the directory list");
            int64_t uid = 0;
            if (harness_int(it, "user_id", &uid) && uid == id)
                found = it;
        }
        if (found)
            return found;
        if (cJSON_GetArraySize(items) == 0)
            return NULL;
    }
    return NULL;
}

static void test_change_visible_to_others(void **state)
{
    struct harness *h = *state;
    cJSON *p = harness_profile_new("Kofi Asante");
    harness_json_set_str(p, "bio", "Old biography.");
    struct harness_user mentor, mentee;
    register_user(h, "mentor", p, &mentor);
    cJSON_Delete(p);
    register_user(h, "mentee", NULL, &mentee);

    char network[96];
    snprintf(network, sizeof network, "Network Qx%ld", (long)getpid());
    char value[128];
    snprintf(value, sizeof value, "\"%s\"", network);
    expect_stored(h, mentor.token, "job_network", value);
    expect_stored(h, mentor.token, "bio", "\"New biography.\"");
    expect_stored(h, mentor.token, "skills", "[\"mediation\"]");

    struct harness_resp r = {0};
    char path[256];
    snprintf(path, sizeof path, "/v1/programmes/together/mentors/%lld", (long long)mentor.id);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "job_network"), network);
    assert_string_equal(harness_str(r.json, "bio"), "New biography.");
    assert_true(harness_strings_contain(cJSON_GetObjectItemCaseSensitive(r.json, "skills"),
                                        "mediation"));

    snprintf(path, sizeof path, "/v1/programmes/together/mentors");
    harness_query_add(path, sizeof path, "job_network", network);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = -1, uid = 0;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 1);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0);
    assert_true(harness_int(first, "user_id", &uid));
    assert_true(uid == mentor.id);
    assert_string_equal(harness_str(first, "job_network"), network);
    harness_resp_free(&r);
}

static void test_admin_only_hidden_from_others(void **state)
{
    struct harness *h = *state;
    char secret[64];
    snprintf(secret, sizeof secret, "SECRET-IX-%ld", (long)getpid());
    cJSON *p = harness_profile_new("Mariam Farouk");
    harness_json_set_str(p, "index_number", secret);
    harness_json_set_str(p, "appointment_type", "permanent");
    harness_json_set_int(p, "jpo_months", 3);
    harness_json_set_str(p, "bio", "Shown biography.");
    harness_json_set_str(p, "linkedin", "https://www.linkedin.com/in/mariam");
    struct harness_user mentor, mentee, peer;
    register_user(h, "mentor", p, &mentor);
    cJSON_Delete(p);
    register_user(h, "mentee", NULL, &mentee);
    register_user(h, "mentor", NULL, &peer);

    const struct harness_user *viewers[] = {&mentee, &peer};
    for (size_t v = 0; v < 2; v++) {
        struct harness_resp r = {0};
        const cJSON *entry =
            find_in_directory(h, viewers[v]->token, mentor.id, secret, mentor.email, &r);
        if (!entry)
            fail_msg("the mentor %lld is not in the directory", (long long)mentor.id);
        assert_string_equal(harness_str(entry, "name"), "Mariam Farouk");
        harness_resp_free(&r);

        char path[128];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors/%lld", (long long)mentor.id);
        harness_call(h, "GET", path, viewers[v]->token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        expect_no_admin_only(r.json, secret, mentor.email, "GET .../mentors/{id}");
        assert_null(strstr(r.body, secret));
        /* The shown answers are there. */
        assert_string_equal(harness_str(r.json, "bio"), "Shown biography.");
        assert_string_equal(harness_str(r.json, "linkedin"), "https://www.linkedin.com/in/mariam");
        assert_string_equal(harness_str(r.json, "grade"), "P-3");
        harness_resp_free(&r);
    }
}

static void test_profile_put_body_shape(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    register_user(h, "mentee", NULL, &u);
    struct harness_resp r = {0};
    harness_call(h, "PUT", "/v1/me/profile/bio", u.token, "{}", NULL, &r);
    harness_expect_error_field(&r, 400, "missing_field", "value");
    harness_call(h, "PUT", "/v1/me/profile/bio", u.token, "{\"value\":\"x\",\"key\":\"bio\"}", NULL,
                 &r);
    harness_expect_error_field(&r, 400, "unknown_field", "key");
    harness_call(h, "PUT", "/v1/me/profile/bio", NULL, "{\"value\":\"x\"}", NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

static void put_keyed(struct harness *h, const char *token, const char *key, const char *body,
                      const char *idem, struct harness_resp *r)
{
    char path[128], header[128];
    snprintf(path, sizeof path, "/v1/me/profile/%s", key);
    snprintf(header, sizeof header, "Idempotency-Key: %s", idem);
    const char *headers[] = {header, NULL};
    harness_call(h, "PUT", path, token, body, headers, r);
}

static void test_idempotent_edits(void **state)
{
    struct harness *h = *state;
    struct harness_user u, other;
    register_user(h, "mentee", NULL, &u);
    register_user(h, "mentee", NULL, &other);
    char k1[64], k2[64];
    snprintf(k1, sizeof k1, "edit-%ld-bio-1", (long)getpid());
    snprintf(k2, sizeof k2, "edit-%ld-grade-1", (long)getpid());
    struct harness_resp r = {0};

    put_keyed(h, u.token, "bio", "{\"value\":\"First.\"}", k1, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(r.idempotent_replay, "");
    /* A repeat gets the first answer and changes nothing, whatever its body. */
    put_keyed(h, u.token, "bio", "{\"value\":\"Second.\"}", k1, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(r.idempotent_replay, "true");
    assert_string_equal(harness_str(r.json, "value"), "First.");
    harness_call(h, "GET", "/v1/me/profile", u.token, NULL, NULL, &r);
    assert_string_equal(harness_str(r.json, "bio"), "First.");
    /* The same key on another path of the same caller. */
    put_keyed(h, u.token, "name", "{\"value\":\"Other Name\"}", k1, &r);
    harness_expect_error(&r, 422, "idempotency_key_reused");
    /* Keys belong to their caller: another participant's k1 is their own. */
    put_keyed(h, other.token, "bio", "{\"value\":\"Mine.\"}", k1, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(r.idempotent_replay, "");
    assert_string_equal(harness_str(r.json, "value"), "Mine.");

    /* A refusal is the first answer too: repeating it does not apply a fixed body. */
    put_keyed(h, u.token, "grade", "{\"value\":\"P-9\"}", k2, &r);
    harness_expect_error_field(&r, 400, "invalid", "grade");
    put_keyed(h, u.token, "grade", "{\"value\":\"P-4\"}", k2, &r);
    harness_expect_error_field(&r, 400, "invalid", "grade");
    assert_string_equal(r.idempotent_replay, "true");
    harness_call(h, "GET", "/v1/me/profile", u.token, NULL, NULL, &r);
    assert_string_equal(harness_str(r.json, "grade"), "P-3");
    harness_resp_free(&r);
}

/* Many participants editing at once: every edit lands, nothing fails. */
#define EDITORS 8
#define EDITS 12

struct editor {
    struct harness *h;
    struct harness_user u;
    int failures;
    char first_failure[256];
};

static void *edit_loop(void *arg)
{
    struct editor *e = arg;
    for (int i = 0; i < EDITS; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"value\":\"Edit number %d\"}", i);
        char *answer = NULL;
        long st = harness_request(e->h, "PUT", "/v1/me/profile/bio", e->u.token, body, NULL,
                                  &answer, NULL);
        if (st != 200 && e->failures++ == 0)
            snprintf(e->first_failure, sizeof e->first_failure, "%ld %s", st,
                     answer ? answer : "");
        free(answer);
        st = harness_request(e->h, "GET", "/v1/programmes/together/mentors?per_page=5",
                             e->u.token, NULL, NULL, &answer, NULL);
        if (st != 200 && e->failures++ == 0)
            snprintf(e->first_failure, sizeof e->first_failure, "directory: %ld", st);
        free(answer);
    }
    return NULL;
}

static void test_concurrent_edits(void **state)
{
    struct harness *h = *state;
    struct editor editors[EDITORS];
    pthread_t threads[EDITORS];
    for (int i = 0; i < EDITORS; i++) {
        editors[i] = (struct editor){.h = h};
        register_user(h, i % 2 ? "mentor" : "mentee", NULL, &editors[i].u);
    }
    for (int i = 0; i < EDITORS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, edit_loop, &editors[i]), 0);
    for (int i = 0; i < EDITORS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < EDITORS; i++) {
        if (editors[i].failures)
            fail_msg("editor %d: %d failed calls, the first: %s", i, editors[i].failures,
                     editors[i].first_failure);
        struct harness_resp r = {0};
        harness_call(h, "GET", "/v1/me/profile", editors[i].u.token, NULL, NULL, &r);
        char want[32];
        snprintf(want, sizeof want, "Edit number %d", EDITS - 1);
        assert_string_equal(harness_str(r.json, "bio"), want);
        harness_resp_free(&r);
    }
    harness_expect_healthy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_me_shows_admin_only_answers),
        cmocka_unit_test(test_text_answers),
        cmocka_unit_test(test_choice_answers),
        cmocka_unit_test(test_int_answers),
        cmocka_unit_test(test_language_answers),
        cmocka_unit_test(test_timezone_answers),
        cmocka_unit_test(test_tag_answers),
        cmocka_unit_test(test_url_answers),
        cmocka_unit_test(test_unknown_question),
        cmocka_unit_test(test_clear_answers),
        cmocka_unit_test(test_change_visible_to_others),
        cmocka_unit_test(test_admin_only_hidden_from_others),
        cmocka_unit_test(test_profile_put_body_shape),
        cmocka_unit_test(test_idempotent_edits),
        cmocka_unit_test(test_concurrent_edits),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

/* test_programmes.c - the three built-in programmes as the public API shows
 * them: settings, cohort windows, agendas, resources and the questionnaire. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#define DAY (24 * 3600)

static const char *const programme_ids[] = {"together", "iom-2025", "undp-jpo"};

static const cJSON *find_programme(const cJSON *items, const char *id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, items)
    {
        const char *pid = harness_str(p, "id");
        if (pid && strcmp(pid, id) == 0)
            return p;
    }
    return NULL;
}

static int64_t get_int(const cJSON *obj, const char *key)
{
    int64_t v = 0;
    if (!harness_int(obj, key, &v))
        fail_msg("\"%s\" is not an integer", key);
    return v;
}

static void expect_nonempty_string(const cJSON *obj, const char *key, const char *what)
{
    const char *s = harness_str(obj, key);
    if (!s || !*s)
        fail_msg("%s: \"%s\" is missing or empty", what, key);
}

/* Settings every programme has, with the RULES.md defaults. */
static void check_common(struct harness *h, const cJSON *p, const char *id)
{
    assert_string_equal(harness_str(p, "id"), id);
    expect_nonempty_string(p, "name", id);
    expect_nonempty_string(p, "description", id);
    const char *matching = harness_str(p, "matching");
    assert_non_null(matching);
    assert_true(strcmp(matching, "mentee_led") == 0 || strcmp(matching, "admin_led") == 0);
    assert_int_equal(get_int(p, "mentor_capacity_default"), 3);
    assert_int_equal(get_int(p, "mentor_capacity_max"), 3);
    assert_int_equal(get_int(p, "mentee_max_mentors"), 2);
    assert_int_equal(get_int(p, "request_days"), 3);
    assert_int_equal(get_int(p, "reminder_hours"), 48);
    assert_int_equal(get_int(p, "auto_end_days"), 90);
    assert_int_equal(get_int(p, "auto_end_warning_days"), 14);

    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(p, "languages");
    assert_true(cJSON_IsArray(langs));
    assert_true(cJSON_GetArraySize(langs) >= 1);
    const cJSON *l;
    cJSON_ArrayForEach(l, langs)
    {
        assert_true(cJSON_IsString(l));
        assert_true(strcmp(l->valuestring, "en") == 0 || strcmp(l->valuestring, "fr") == 0);
    }

    const cJSON *agenda = cJSON_GetObjectItemCaseSensitive(p, "agenda");
    assert_true(cJSON_IsArray(agenda));
    assert_true(cJSON_GetArraySize(agenda) >= 3);
    const cJSON *a;
    cJSON_ArrayForEach(a, agenda)
    {
        assert_true(cJSON_IsString(a));
        assert_true(strlen(a->valuestring) > 0);
    }
    /* RULES.md: session 1 is getting to know each other and the agreement. */
    const char *first = cJSON_GetArrayItem(agenda, 0)->valuestring;
    if (!harness_contains_ci(first, "know each other") || !harness_contains_ci(first, "agreement"))
        fail_msg("%s: the first session's agenda is \"%s\"", id, first);

    const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resources");
    assert_true(cJSON_IsArray(res));
    assert_true(cJSON_GetArraySize(res) >= 1);
    const cJSON *r;
    int i = 0;
    cJSON_ArrayForEach(r, res)
    {
        expect_nonempty_string(r, "id", "resource");
        expect_nonempty_string(r, "title", "resource");
        expect_nonempty_string(r, "body", "resource");
        const char *kind = harness_str(r, "kind");
        assert_non_null(kind);
        assert_true(strcmp(kind, "handbook") == 0 || strcmp(kind, "agenda") == 0 ||
                    strcmp(kind, "topic") == 0);
        /* Resource ids are unique within the programme. */
        const cJSON *o;
        int j = 0;
        cJSON_ArrayForEach(o, res)
        {
            if (j++ < i + 1)
                continue;
            if (strcmp(harness_str(o, "id") ? harness_str(o, "id") : "", harness_str(r, "id")) == 0)
                fail_msg("%s: resource id %s twice", id, harness_str(r, "id"));
        }
        i++;
    }

    bool cohort = strcmp(harness_str(p, "kind"), "cohort") == 0;
    static const char *const cohort_only[] = {"applications_open", "applications_close",
                                              "pairing_announced", "length_months"};
    if (!cohort) {
        for (size_t k = 0; k < 4; k++)
            if (cJSON_GetObjectItemCaseSensitive(p, cohort_only[k]))
                fail_msg("%s is evergreen but carries %s", id, cohort_only[k]);
        return;
    }
    /* Cohorts: the window opened when the database was made (just now, when
     * this server started) and lasts 8 weeks; pairing 4 weeks after it closes. */
    int64_t open = harness_parse_time(harness_str(p, "applications_open"));
    int64_t close = harness_parse_time(harness_str(p, "applications_close"));
    int64_t announced = harness_parse_time(harness_str(p, "pairing_announced"));
    assert_true(open > 0 && close > 0 && announced > 0);
    int64_t now = harness_now(h);
    if (open > now + 5 || open < now - 600)
        fail_msg("%s: applications_open %s is not when the database was created", id,
                 harness_str(p, "applications_open"));
    assert_int_equal(close - open, 56 * DAY);
    assert_int_equal(announced - close, 28 * DAY);
    assert_int_equal(get_int(p, "length_months"), 6);
}

static void test_list(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_non_null(strstr(r.content_type, "application/json"));
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_true(cJSON_IsArray(items));
    assert_int_equal(cJSON_GetArraySize(items), 3);
    for (size_t i = 0; i < 3; i++) {
        const cJSON *p = find_programme(items, programme_ids[i]);
        if (!p)
            fail_msg("programme %s is not listed: %s", programme_ids[i], r.body);
        check_common(h, p, programme_ids[i]);
        /* The list does not carry the questionnaire. */
    }

    const cJSON *together = find_programme(items, "together");
    assert_string_equal(harness_str(together, "kind"), "evergreen");
    assert_string_equal(harness_str(together, "matching"), "mentee_led");
    assert_string_equal(harness_str(together, "eligibility"), "together");
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(together, "languages");
    assert_true(harness_strings_contain(langs, "en"));
    assert_true(harness_strings_contain(langs, "fr"));

    const cJSON *iom = find_programme(items, "iom-2025");
    assert_string_equal(harness_str(iom, "kind"), "cohort");
    assert_string_equal(harness_str(iom, "eligibility"), "iom");

    const cJSON *jpo = find_programme(items, "undp-jpo");
    assert_string_equal(harness_str(jpo, "kind"), "cohort");
    assert_string_equal(harness_str(jpo, "eligibility"), "undp_jpo");

    /* Across the programmes there are handbooks, agendas and topics. */
    bool kinds[3] = {false, false, false};
    const cJSON *p;
    cJSON_ArrayForEach(p, items)
    {
        const cJSON *res;
        cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(p, "resources"))
        {
            const char *k = harness_str(res, "kind");
            kinds[0] |= strcmp(k, "handbook") == 0;
            kinds[1] |= strcmp(k, "agenda") == 0;
            kinds[2] |= strcmp(k, "topic") == 0;
        }
    }
    assert_true(kinds[0] && kinds[1] && kinds[2]);
    harness_resp_free(&r);
}

static void test_list_etag(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    if (strncmp(r.etag, "W/\"", 3) != 0 || r.etag[strlen(r.etag) - 1] != '"')
        fail_msg("GET /v1/programmes: ETag \"%s\" is not weak", r.etag);
    char header[200];
    snprintf(header, sizeof header, "If-None-Match: %s", r.etag);
    const char *headers[] = {header, NULL};
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, headers, &r);
    harness_expect_status(&r, 304);
    assert_int_equal(r.len, 0);
    harness_call(h, "GET", "/v1/programmes/together", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(strncmp(r.etag, "W/\"", 3) == 0);
    char one[200];
    snprintf(one, sizeof one, "If-None-Match: %s", r.etag);
    const char *one_headers[] = {one, NULL};
    harness_call(h, "GET", "/v1/programmes/together", NULL, NULL, one_headers, &r);
    harness_expect_status(&r, 304);
    /* Another programme's answer is not covered by that tag. */
    harness_call(h, "GET", "/v1/programmes/iom-2025", NULL, NULL, one_headers, &r);
    harness_expect_status(&r, 200);
    const char *stale[] = {"If-None-Match: W/\"0000\"", NULL};
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, stale, &r);
    harness_expect_status(&r, 200);
    assert_true(r.len > 0);
    harness_resp_free(&r);
}

static const char *const all_grades[] = {"G-1", "G-2", "G-3",  "G-4",  "G-5",  "G-6", "G-7",
                                         "NO-A", "NO-B", "NO-C", "NO-D", "P-1",  "P-2", "P-3",
                                         "P-4", "P-5", "D-1",  "D-2",  "UG",   "FS",  "retiree"};

static const struct {
    const char *key;
    bool admin_only;
} questions[] = {
    {"name", false},         {"index_number", true},     {"grade", false},
    {"job_network", false},  {"entity", false},          {"duty_station", false},
    {"timezone", false},     {"languages", false},       {"years_experience", false},
    {"jpo_months", true},    {"appointment_type", true}, {"skills", false},
    {"goals", false},        {"bio", false},             {"linkedin", false},
};

static const cJSON *find_question(const cJSON *qs, const char *key)
{
    const cJSON *q;
    cJSON_ArrayForEach(q, qs)
    {
        const char *k = harness_str(q, "key");
        if (k && strcmp(k, key) == 0)
            return q;
    }
    return NULL;
}

static void test_one_with_questionnaire(void **state)
{
    struct harness *h = *state;
    struct harness_resp list = {0}, r = {0};
    harness_call(h, "GET", "/v1/programmes", NULL, NULL, NULL, &list);
    harness_expect_status(&list, 200);
    for (size_t i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/v1/programmes/%s", programme_ids[i]);
        harness_call(h, "GET", path, NULL, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        check_common(h, r.json, programme_ids[i]);

        /* The same settings as in the list. */
        const cJSON *listed =
            find_programme(cJSON_GetObjectItemCaseSensitive(list.json, "items"), programme_ids[i]);
        const cJSON *item;
        cJSON_ArrayForEach(item, listed)
        {
            if (!cJSON_Compare(item, cJSON_GetObjectItemCaseSensitive(r.json, item->string), true))
                fail_msg("%s: \"%s\" differs between the list and the programme", path,
                         item->string);
        }

        const cJSON *qs = cJSON_GetObjectItemCaseSensitive(r.json, "questionnaire");
        assert_true(cJSON_IsArray(qs));
        for (size_t k = 0; k < sizeof questions / sizeof questions[0]; k++) {
            const cJSON *q = find_question(qs, questions[k].key);
            if (!q)
                fail_msg("%s: question %s is missing", path, questions[k].key);
            expect_nonempty_string(q, "label", questions[k].key);
            expect_nonempty_string(q, "type", questions[k].key);
            const char *vis = harness_str(q, "visibility");
            assert_non_null(vis);
            if (strcmp(vis, questions[k].admin_only ? "admin_only" : "shown") != 0)
                fail_msg("%s: question %s has visibility %s", path, questions[k].key, vis);
        }
        const cJSON *grade = find_question(qs, "grade");
        assert_string_equal(harness_str(grade, "type"), "choice");
        const cJSON *choices = cJSON_GetObjectItemCaseSensitive(grade, "choices");
        assert_int_equal(cJSON_GetArraySize(choices), sizeof all_grades / sizeof all_grades[0]);
        for (size_t g = 0; g < sizeof all_grades / sizeof all_grades[0]; g++)
            if (!harness_strings_contain(choices, all_grades[g]))
                fail_msg("%s: grade %s is not a choice", path, all_grades[g]);
        const cJSON *appt = find_question(qs, "appointment_type");
        assert_string_equal(harness_str(appt, "type"), "choice");
        const cJSON *appt_choices = cJSON_GetObjectItemCaseSensitive(appt, "choices");
        assert_true(harness_strings_contain(appt_choices, "fixed-term"));
        assert_true(harness_strings_contain(appt_choices, "continuing"));
        assert_true(harness_strings_contain(appt_choices, "permanent"));
        assert_string_equal(harness_str(find_question(qs, "name"), "type"), "text");
    }
    harness_resp_free(&r);
    harness_resp_free(&list);
}

static void test_unknown_programme(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/no-such-programme", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/programmes/together%27%20OR%20%271%27%3D%271", NULL, NULL, NULL,
                 &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/programmes/iom", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    char path[400] = "/v1/programmes/";
    memset(path + strlen(path), 'p', 300);
    path[15 + 300] = '\0';
    harness_call(h, "GET", path, NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_etag),
        cmocka_unit_test(test_one_with_questionnaire),
        cmocka_unit_test(test_unknown_programme),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

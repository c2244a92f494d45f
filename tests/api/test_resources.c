/* test_resources.c - the programme's resources for reading offline: the same
 * as the programme object carries, filtered by kind, one by one, with ETags,
 * and clear errors for what does not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void list_matches_the_programme(void **state)
{
    struct harness *h = *state;
    struct harness_resp prog = {0}, r = {0};
    harness_call(h, "GET", "/v1/programmes/together", NULL, NULL, NULL, &prog);
    harness_expect_status(&prog, 200);
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(prog.json, "resources");
    assert_true(cJSON_GetArraySize(want) > 0);
    harness_call(h, "GET", "/v1/programmes/together/resources", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), cJSON_GetArraySize(want));
    for (int i = 0; i < cJSON_GetArraySize(want); i++) {
        const cJSON *a = cJSON_GetArrayItem(want, i), *b = cJSON_GetArrayItem(items, i);
        assert_string_equal(harness_str(a, "id"), harness_str(b, "id"));
        assert_string_equal(harness_str(a, "body"), harness_str(b, "body"));
    }
    /* By kind: exactly those of that kind. */
    static const char *const kinds[] = {"handbook", "agenda", "topic"};
    int total = 0;
    for (size_t k = 0; k < 3; k++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/programmes/together/resources?kind=%s", kinds[k]);
        harness_call(h, "GET", path, NULL, NULL, NULL, &r);
        harness_expect_status(&r, 200);
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
        {
            assert_string_equal(harness_str(it, "kind"), kinds[k]);
            total++;
        }
    }
    assert_int_equal(total, cJSON_GetArraySize(want));
    /* One, by its id. */
    const char *id = harness_str(cJSON_GetArrayItem(want, 0), "id");
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/resources/%s", id);
    harness_call(h, "GET", path, NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "id"), id);
    /* A repeat with its ETag costs a 304. */
    char etag[160];
    snprintf(etag, sizeof etag, "If-None-Match: %s", r.etag);
    const char *headers[] = {etag, NULL};
    harness_call(h, "GET", path, NULL, NULL, headers, &r);
    harness_expect_status(&r, 304);
    harness_resp_free(&r);
    harness_resp_free(&prog);
}

static void errors_say_what_is_wrong(void **state)
{
    struct harness *h = *state;
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/programmes/together/resources/no-such-thing", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    harness_call(h, "GET", "/v1/programmes/nowhere/resources", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/programmes/nowhere/resources/x", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(h, "GET", "/v1/programmes/together/resources?kind=novel", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(h, "GET", "/v1/programmes/together/resources?sort=title", NULL, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_resp_free(&r);
    harness_expect_healthy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_matches_the_programme),
        cmocka_unit_test(errors_say_what_is_wrong),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

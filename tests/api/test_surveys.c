/* test_surveys.c - the pre- and post-programme surveys on a real mentod: a
 * member answers the pre survey, replaces the answers and reads them back;
 * every wrong answer is refused and changes nothing; nobody but the member
 * and the programme's administrators sees the answers; the post survey opens
 * when the first pairing ends (in a cohort, at the programme's end), with one
 * survey_opened notification across ticks and restarts, and closes 60 days
 * later; the administrators' list and CSV report; sync's survey.answer with
 * its op_id, and the surveys and programme collections. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define DAY (24 * 3600)

struct world {
    struct harness *h;
    struct harness_user amina, lan, bea, admin, iom_admin;
    struct harness_user cora, dan; /* iom-2025 applicants: selected, not selected */
    int64_t pairing;
    int64_t pairing_ended_at;
};

static void person(struct harness *h, const char *name, const char *roles, const char *programme,
                   struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p, .programme = programme};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0) {
        free(w);
        return -1;
    }
    person(w->h, "Amina Diallo", "mentee", "together", &w->amina);
    person(w->h, "Lan Nguyen", "mentor", "together", &w->lan);
    person(w->h, "Beatriz Santos", "mentee", "together", &w->bea);
    person(w->h, "Together Team", "mentee", "together", &w->admin);
    person(w->h, "IOM Team", "mentee", "iom-2025", &w->iom_admin);
    person(w->h, "Cora Mensah", "mentee", "iom-2025", &w->cora);
    person(w->h, "Dan Okoro", "mentee", "iom-2025", &w->dan);
    if (harness_appoint(w->h, w->admin.email, "together") != 0 ||
        harness_appoint(w->h, w->iom_admin.email, "iom-2025") != 0)
        return -1;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    int rc = harness_stop(w->h);
    free(w);
    return rc;
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    void *h = w->h;
    harness_test_server_exits_cleanly(&h);
}

/* ---- Helpers ------------------------------------------------------------------ */

static void surveys_of(struct world *w, const struct harness_user *u, const char *programme,
                       struct harness_resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/%s/surveys", programme);
    harness_call(w->h, "GET", path, u->token, NULL, NULL, r);
    harness_expect_status(r, 200);
}

/* The survey `id` of a GET .../surveys answer (or a sync's array). */
static const cJSON *survey_in(const cJSON *items, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *sid = harness_str(it, "id");
        if (sid && strcmp(sid, id) == 0)
            return it;
    }
    fail_msg("no survey \"%s\"", id);
    return NULL;
}

static const cJSON *survey(const struct harness_resp *r, const char *id)
{
    return survey_in(cJSON_GetObjectItemCaseSensitive(r->json, "items"), id);
}

static bool is_open(const cJSON *s)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "open");
    if (!cJSON_IsBool(o))
        fail_msg("a survey without a boolean \"open\"");
    return cJSON_IsTrue(o);
}

static int64_t time_of(const cJSON *o, const char *key)
{
    const char *s = harness_str(o, key);
    return s ? harness_parse_time(s) : 0;
}

static void answer(struct world *w, const struct harness_user *u, const char *programme,
                   const char *survey_id, const char *body, const char *key, struct harness_resp *r)
{
    char path[160], header[100];
    snprintf(path, sizeof path, "/v1/programmes/%s/surveys/%s/answers", programme, survey_id);
    snprintf(header, sizeof header, "Idempotency-Key: %s", key ? key : "");
    const char *headers[] = {header, NULL};
    harness_call(w->h, "PUT", path, u->token, body, key ? headers : NULL, r);
}

/* How many of `u`'s notifications in `programme` are of `kind`. */
static int count_kind(struct world *w, const struct harness_user *u, const char *programme,
                      const char *kind)
{
    struct harness_resp r = {0};
    char path[160];
    snprintf(path, sizeof path, "/v1/me/notifications?programme=%s&per_page=200", programme);
    harness_call(w->h, "GET", path, u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        n += k && strcmp(k, kind) == 0;
    }
    harness_resp_free(&r);
    return n;
}

static void relogin(struct world *w)
{
    struct harness_user *all[] = {&w->amina,     &w->lan,  &w->bea, &w->admin,
                                  &w->iom_admin, &w->cora, &w->dan};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_int_equal(harness_login(w->h, all[i], NULL), 200);
}

/* POST /v1/sync for `programme` with `ops` (a JSON array text, or NULL) from
 * `cursor` (NULL: from the start); the next cursor into `next`. */
static void sync_call(struct world *w, const struct harness_user *u, const char *programme,
                      const char *cursor, const char *ops, struct harness_resp *r, char *next,
                      size_t cap)
{
    size_t len = 300 + (cursor ? strlen(cursor) : 0) + (ops ? strlen(ops) : 0);
    char *body = malloc(len);
    assert_non_null(body);
    snprintf(body, len, "{\"programme\":\"%s\"%s%s%s%s%s}", programme,
             cursor ? ",\"cursor\":\"" : "", cursor ? cursor : "", cursor ? "\"" : "",
             ops ? ",\"ops\":" : "", ops ? ops : "");
    harness_call(w->h, "POST", "/v1/sync", u->token, body, NULL, r);
    free(body);
    harness_expect_status(r, 200);
    if (next) {
        const char *c = harness_str(r->json, "cursor");
        assert_non_null(c);
        snprintf(next, cap, "%s", c);
    }
}

/* How many notifications of `kind` a sync's array holds. */
static int count_in(const cJSON *notifications, const char *kind)
{
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, notifications)
    {
        const char *k = harness_str(it, "kind");
        n += k && strcmp(k, kind) == 0;
    }
    return n;
}

static const cJSON *changes(const struct harness_resp *r)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(r->json, "changes");
    if (!cJSON_IsObject(c))
        fail_msg("no changes object: %.300s", r->body);
    return c;
}

/* ---- A member and the pre survey -------------------------------------------------- */

static void pre_is_open_answered_replaced_and_read_back(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    surveys_of(w, &w->amina, "together", &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 2);
    const cJSON *pre = survey(&r, "pre");
    assert_true(is_open(pre));
    assert_string_equal(harness_str(pre, "title"), "Before the programme");
    assert_true(time_of(pre, "opens_at") > 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(pre, "closes_at")); /* no pairing yet */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pre, "answered")));
    assert_null(cJSON_GetObjectItemCaseSensitive(pre, "answers"));
    /* The questions of docs/api.md, each with its type's limits. */
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(pre, "questions");
    assert_int_equal(cJSON_GetArraySize(qs), 3);
    const cJSON *q = cJSON_GetArrayItem(qs, 0);
    assert_string_equal(harness_str(q, "key"), "expectations");
    assert_string_equal(harness_str(q, "type"), "text");
    int64_t max = 0;
    assert_true(harness_int(q, "max", &max));
    assert_int_equal(max, 2000);
    q = cJSON_GetArrayItem(qs, 1);
    assert_string_equal(harness_str(q, "type"), "rating");
    assert_true(harness_int(q, "max", &max));
    assert_int_equal(max, 4);
    q = cJSON_GetArrayItem(qs, 2);
    assert_string_equal(harness_str(q, "type"), "choice");
    assert_true(harness_strings_contain(cJSON_GetObjectItemCaseSensitive(q, "choices"), "e-mail"));
    const cJSON *post = survey(&r, "post");
    assert_false(is_open(post));
    assert_null(cJSON_GetObjectItemCaseSensitive(post, "opens_at")); /* when is not known */
    /* An unchanged list answers 304 to its ETag. */
    assert_true(r.etag[0] != '\0');
    char inm[200], etag[128];
    snprintf(etag, sizeof etag, "%s", r.etag);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *hdr[] = {inm, NULL};
    harness_call(w->h, "GET", "/v1/programmes/together/surveys", w->amina.token, NULL, hdr, &r);
    harness_expect_status(&r, 304);

    /* Answered, with an idempotency key: a repeat gets the first answer. */
    answer(w, &w->amina, "together", "pre",
           "{\"answers\":{\"expectations\":\"A clearer path to a P-3 post.\",\"confidence\":2,"
           "\"heard_from\":\"colleague\"}}",
           "survey-pre-amina-1", &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "survey"), "pre");
    int64_t answered_at = time_of(r.json, "answered_at");
    assert_true(answered_at > 0);
    char first[200];
    snprintf(first, sizeof first, "%s", r.body);
    answer(w, &w->amina, "together", "pre", "{\"answers\":{\"confidence\":4}}",
           "survey-pre-amina-1", &r);
    harness_expect_status(&r, 200);
    assert_string_equal(r.idempotent_replay, "true");
    assert_string_equal(r.body, first);
    surveys_of(w, &w->amina, "together", &r);
    pre = survey(&r, "pre");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pre, "answered")));
    assert_int_equal(time_of(pre, "answered_at"), answered_at);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pre, "answers");
    assert_string_equal(harness_str(a, "expectations"), "A clearer path to a P-3 post.");
    int64_t v = 0;
    assert_true(harness_int(a, "confidence", &v));
    assert_int_equal(v, 2);
    assert_string_equal(harness_str(a, "heard_from"), "colleague");
    assert_false(strcmp(r.etag, etag) == 0); /* the answer changed the list */

    /* Replaced while open: the new answers, and only them. */
    answer(w, &w->amina, "together", "pre",
           "{\"answers\":{\"confidence\":3,\"heard_from\":\"intranet\",\"expectations\":null}}",
           NULL, &r);
    harness_expect_status(&r, 200);
    surveys_of(w, &w->amina, "together", &r);
    a = cJSON_GetObjectItemCaseSensitive(survey(&r, "pre"), "answers");
    assert_true(harness_int(a, "confidence", &v));
    assert_int_equal(v, 3);
    assert_string_equal(harness_str(a, "heard_from"), "intranet");
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "expectations"));
    harness_resp_free(&r);
}

/* Every wrong answer is refused with its code, and changes nothing. */
static void wrong_answers_are_refused(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    static const struct {
        const char *body;
        long status;
        const char *code, *field;
    } cases[] = {
        {"{\"answers\":{\"colour\":\"red\"}}", 400, "unknown_field", "answers.colour"},
        {"{\"answers\":{\"confidence\":2},\"comment\":\"x\"}", 400, "unknown_field", "comment"},
        {"{\"answers\":{\"confidence\":0}}", 400, "out_of_range", "answers.confidence"},
        {"{\"answers\":{\"confidence\":5}}", 400, "out_of_range", "answers.confidence"},
        {"{\"answers\":{\"confidence\":1e300}}", 400, "out_of_range", "answers.confidence"},
        {"{\"answers\":{\"confidence\":2.5}}", 400, "invalid_type", "answers.confidence"},
        {"{\"answers\":{\"confidence\":\"2\"}}", 400, "invalid_type", "answers.confidence"},
        {"{\"answers\":{\"confidence\":true}}", 400, "invalid_type", "answers.confidence"},
        {"{\"answers\":{\"heard_from\":\"radio\"}}", 400, "invalid", "answers.heard_from"},
        {"{\"answers\":{\"heard_from\":[\"colleague\"]}}", 400, "invalid_type",
         "answers.heard_from"},
        {"{\"answers\":{\"expectations\":42}}", 400, "invalid_type", "answers.expectations"},
        {"{\"answers\":{\"confidence\":2,\"confidence\":3}}", 400, "invalid", "answers.confidence"},
        {"{\"answers\":{}}", 400, "missing_field", "answers"},
        {"{\"answers\":{\"confidence\":null}}", 400, "missing_field", "answers"},
        {"{\"answers\":[2]}", 400, "invalid_type", "answers"},
        {"{}", 400, "missing_field", "answers"},
        {"{\"answers\":null}", 400, "missing_field", "answers"},
        {"[]", 400, "invalid_type", NULL},
        {"{\"answers\":", 400, "invalid_json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        answer(w, &w->amina, "together", "pre", cases[i].body, NULL, &r);
        if (cases[i].field)
            harness_expect_error_field(&r, cases[i].status, cases[i].code, cases[i].field);
        else
            harness_expect_error(&r, cases[i].status, cases[i].code);
    }
    /* A text of 2000 characters (not bytes) is the limit. */
    size_t n = 2001, len = 40 + 2 * n;
    char *body = malloc(len);
    assert_non_null(body);
    size_t o = (size_t)snprintf(body, len, "{\"answers\":{\"expectations\":\"");
    for (size_t i = 0; i < n; i++) {
        body[o++] = '\xc3';
        body[o++] = '\xa9'; /* é */
    }
    snprintf(body + o, len - o, "\"}}");
    answer(w, &w->bea, "together", "pre", body, NULL, &r);
    harness_expect_error_field(&r, 400, "too_long", "answers.expectations");
    /* One character fewer is fine (Bea answers for the first time). */
    memmove(body + o - 2, body + o, strlen(body + o) + 1);
    answer(w, &w->bea, "together", "pre", body, NULL, &r);
    harness_expect_status(&r, 200);
    free(body);
    /* Invalid UTF-8 inside an answer. */
    answer(w, &w->amina, "together", "pre", "{\"answers\":{\"expectations\":\"\xff\xfe\"}}", NULL,
           &r);
    harness_expect_error(&r, 400, "invalid_utf8");
    /* No such survey, programme, membership or token; the wrong content type. */
    answer(w, &w->amina, "together", "mid", "{\"answers\":{\"confidence\":2}}", NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    answer(w, &w->amina, "nowhere", "pre", "{\"answers\":{\"confidence\":2}}", NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    answer(w, &w->amina, "iom-2025", "pre", "{\"answers\":{\"confidence\":2}}", NULL, &r);
    harness_expect_error(&r, 403, "forbidden");
    harness_call(w->h, "PUT", "/v1/programmes/together/surveys/pre/answers", NULL,
                 "{\"answers\":{\"confidence\":2}}", NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    const char *text[] = {"Content-Type: text/plain", NULL};
    harness_call(w->h, "PUT", "/v1/programmes/together/surveys/pre/answers", w->amina.token,
                 "{\"answers\":{\"confidence\":2}}", text, &r);
    harness_expect_error(&r, 415, "unsupported_media_type");
    harness_call(w->h, "POST", "/v1/programmes/together/surveys/pre/answers", w->amina.token,
                 "{\"answers\":{\"confidence\":2}}", NULL, &r);
    harness_expect_error(&r, 405, "method_not_allowed");
    harness_call(w->h, "GET", "/v1/programmes/together/surveys?mine=1", w->amina.token, NULL, NULL,
                 &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(w->h, "GET", "/v1/programmes/iom-2025/surveys", w->amina.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "forbidden");
    harness_call(w->h, "GET", "/v1/programmes/nowhere/surveys", w->amina.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    /* Amina's answers are as she left them. */
    surveys_of(w, &w->amina, "together", &r);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(survey(&r, "pre"), "answers");
    int64_t v = 0;
    assert_true(harness_int(a, "confidence", &v));
    assert_int_equal(v, 3);
    assert_int_equal(cJSON_GetArraySize(a), 2);
    harness_resp_free(&r);
}

/* Only the member and the programme's administrators see the answers. */
static void answers_are_the_members_and_the_teams(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    /* Bea sees her own answers, never Amina's. */
    surveys_of(w, &w->bea, "together", &r);
    const cJSON *pre = survey(&r, "pre");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pre, "answered")));
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pre, "answers");
    assert_int_equal(cJSON_GetArraySize(a), 1);
    assert_non_null(harness_str(a, "expectations"));
    surveys_of(w, &w->lan, "together", &r);
    pre = survey(&r, "pre");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pre, "answered")));
    assert_null(cJSON_GetObjectItemCaseSensitive(pre, "answers"));
    /* The administrators' list: members and other programmes' teams are refused. */
    const char *path = "/v1/programmes/together/admin/surveys/pre/answers";
    harness_call(w->h, "GET", path, NULL, NULL, NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    harness_call(w->h, "GET", path, w->bea.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(w->h, "GET", path, w->iom_admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/export/surveys", w->iom_admin.token,
                 NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(w->h, "GET", "/v1/programmes/nowhere/admin/surveys/pre/answers", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_resp_free(&r);
}

static const cJSON *item_of(const cJSON *items, int64_t user)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        int64_t id = 0;
        if (harness_int(it, "user_id", &id) && id == user)
            return it;
    }
    return NULL;
}

static void team_reads_answers_and_report(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    /* Bea's answer starts like a formula: the report defuses it. */
    harness_advance_clock(w->h, 5);
    answer(w, &w->bea, "together", "pre",
           "{\"answers\":{\"expectations\":\"=HYPERLINK(\\\"http://evil.example\\\")\","
           "\"confidence\":1}}",
           NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/pre/answers", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = 0;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 2);
    assert_true(r.etag[0] != '\0');
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    const cJSON *amina = item_of(items, w->amina.id);
    assert_non_null(amina);
    assert_string_equal(harness_str(amina, "name"), "Amina Diallo");
    assert_true(time_of(amina, "answered_at") > 0);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(amina, "answers");
    assert_string_equal(harness_str(a, "heard_from"), "intranet");
    /* Newest first, in pages. */
    int64_t first = 0;
    assert_true(harness_int(cJSON_GetArrayItem(items, 0), "user_id", &first));
    assert_int_equal(first, w->bea.id);
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/pre/answers?per_page=1&page=2",
                 w->admin.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_non_null(item_of(items, w->amina.id));
    int64_t pages = 0;
    assert_true(harness_int(r.json, "pages", &pages));
    assert_int_equal(pages, 2);
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/pre/answers?page=9",
                 w->admin.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 2);
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/pre/answers?per_page=0",
                 w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/pre/answers?sort=name",
                 w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/mid/answers", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/post/answers", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 0);

    /* The CSV report: one column per question. */
    harness_call(w->h, "GET", "/v1/programmes/together/admin/export/surveys", w->admin.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(strncmp(r.content_type, "text/csv", 8) == 0);
    assert_non_null(strstr(r.disposition, "together-surveys-"));
    const char *header = "survey,user_id,answered_at,expectations,confidence,heard_from,goals,"
                         "network,recommend,changes\r\n";
    assert_true(strncmp(r.body, header, strlen(header)) == 0);
    char row[120];
    snprintf(row, sizeof row, "\r\npre,%lld,", (long long)w->amina.id);
    const char *line = strstr(r.body, row);
    assert_non_null(line);
    assert_non_null(strstr(line, "Z,,3,intranet,,,,\r\n"));
    assert_non_null(strstr(r.body, ",\"'=HYPERLINK(\"\"http://evil.example\"\")\",1,"));
    assert_null(strstr(r.body, ",=HYPERLINK"));
    harness_resp_free(&r);
}

/* ---- The post survey and its time rules ------------------------------------------- */

static void post_opens_when_the_first_pairing_ends(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char body[160], path[160];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->lan.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->amina.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = 0;
    assert_true(harness_int(r.json, "id", &req));
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(w->h, "POST", path, w->lan.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(
        harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &w->pairing));
    /* Paired: the post survey is still closed. */
    answer(w, &w->amina, "together", "post", "{\"answers\":{\"confidence\":3}}", NULL, &r);
    harness_expect_error(&r, 422, "survey_not_open");
    surveys_of(w, &w->amina, "together", &r);
    assert_true(is_open(survey(&r, "pre")));
    assert_false(is_open(survey(&r, "post")));
    harness_advance_clock(w->h, 3 * DAY);
    assert_int_equal(count_kind(w, &w->amina, "together", "survey_opened"), 0);

    /* The first pairing ends: pre closes, post opens for 60 days. */
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)w->pairing);
    harness_call(w->h, "POST", path, w->amina.token, "{\"reason\":\"goals_met\"}", NULL, &r);
    harness_expect_status(&r, 200);
    w->pairing_ended_at = time_of(r.json, "ended_at");
    assert_true(w->pairing_ended_at > 0);
    surveys_of(w, &w->amina, "together", &r);
    const cJSON *pre = survey(&r, "pre"), *post = survey(&r, "post");
    assert_false(is_open(pre));
    assert_int_equal(time_of(pre, "closes_at"), w->pairing_ended_at);
    assert_true(is_open(post));
    assert_int_equal(time_of(post, "opens_at"), w->pairing_ended_at);
    assert_int_equal(time_of(post, "closes_at"), w->pairing_ended_at + 60 * DAY);
    /* Told once, at once (the read applied the rule). */
    assert_int_equal(count_kind(w, &w->amina, "together", "survey_opened"), 1);
    answer(w, &w->amina, "together", "pre", "{\"answers\":{\"confidence\":4}}", NULL, &r);
    harness_expect_error(&r, 422, "survey_not_open");
    answer(w, &w->amina, "together", "post",
           "{\"answers\":{\"goals\":\"partly_met\",\"confidence\":4,\"network\":3,"
           "\"recommend\":\"yes\",\"changes\":\"More networking events.\"}}",
           NULL, &r);
    harness_expect_status(&r, 200);
    /* The mentor's first pairing ended too: the scheduler tells Lan, once. */
    harness_advance_clock(w->h, 60);
    assert_int_equal(count_kind(w, &w->lan, "together", "survey_opened"), 1);
    surveys_of(w, &w->lan, "together", &r);
    assert_true(is_open(survey(&r, "post")));
    assert_int_equal(count_kind(w, &w->bea, "together", "survey_opened"), 0);

    /* Ticks, restarts and reads never tell anyone twice. */
    harness_advance_clock(w->h, 2 * DAY);
    assert_int_equal(harness_restart(w->h, SIGKILL, 3600), 0);
    assert_int_equal(harness_restart(w->h, SIGTERM, 60), 0);
    surveys_of(w, &w->amina, "together", &r);
    surveys_of(w, &w->lan, "together", &r);
    assert_int_equal(count_kind(w, &w->amina, "together", "survey_opened"), 1);
    assert_int_equal(count_kind(w, &w->lan, "together", "survey_opened"), 1);
    harness_resp_free(&r);
}

static void post_closes_after_60_days(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    /* Down across the last day: closed when it comes back, nobody told again. */
    int64_t closes = w->pairing_ended_at + 60 * DAY;
    assert_int_equal(harness_restart(w->h, SIGKILL, closes - 3600 - harness_now(w->h)), 0);
    relogin(w);
    answer(w, &w->lan, "together", "post", "{\"answers\":{\"network\":4}}", NULL, &r);
    harness_expect_status(&r, 200);
    harness_advance_clock(w->h, 2 * 3600);
    answer(w, &w->lan, "together", "post", "{\"answers\":{\"network\":3}}", NULL, &r);
    harness_expect_error(&r, 422, "survey_not_open");
    assert_non_null(strstr(
        harness_str(cJSON_GetObjectItemCaseSensitive(r.json, "error"), "message"), "closed"));
    surveys_of(w, &w->amina, "together", &r);
    const cJSON *post = survey(&r, "post");
    assert_false(is_open(post));
    /* Her answers stay, for her and for the team. */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(post, "answered")));
    assert_string_equal(harness_str(cJSON_GetObjectItemCaseSensitive(post, "answers"), "changes"),
                        "More networking events.");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/surveys/post/answers", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = 0;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 2);
    assert_int_equal(count_kind(w, &w->amina, "together", "survey_opened"), 1);
    assert_int_equal(count_kind(w, &w->lan, "together", "survey_opened"), 1);
    harness_resp_free(&r);
}

/* ---- Sync ------------------------------------------------------------------------ */

static void sync_answers_and_delivers_surveys(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char cursor[512];
    /* A first sync holds the programme and the member's surveys. */
    sync_call(w, &w->bea, "together", NULL, NULL, &r, cursor, sizeof cursor);
    const cJSON *ch = changes(&r);
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(ch, "programme");
    assert_string_equal(harness_str(prog, "id"), "together");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(prog, "questionnaire")) > 10);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(prog, "agenda")) > 0);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(ch, "surveys");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    const cJSON *pre = survey_in(list, "pre");
    assert_true(is_open(pre));
    assert_string_equal(
        harness_str(cJSON_GetObjectItemCaseSensitive(pre, "answers"), "expectations"),
        "=HYPERLINK(\"http://evil.example\")");
    /* Nothing changed: neither comes again. */
    sync_call(w, &w->bea, "together", cursor, NULL, &r, cursor, sizeof cursor);
    assert_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys"));
    assert_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "programme"));

    /* An answer as an operation: the result is the REST answer, and the
     * survey comes back answered. */
    sync_call(w, &w->bea, "together", cursor,
              "[{\"op_id\":\"op-survey-bea-0001\",\"type\":\"survey.answer\",\"body\":"
              "{\"survey_id\":\"pre\",\"answers\":{\"confidence\":2,\"heard_from\":\"manager\"}}}]",
              &r, cursor, sizeof cursor);
    const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "results"), 0);
    int64_t status = 0;
    assert_true(harness_int(res, "status", &status));
    assert_int_equal(status, 200);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(res, "body");
    assert_string_equal(harness_str(body, "survey"), "pre");
    char *first = cJSON_PrintUnformatted(body);
    assert_non_null(first);
    list = cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    pre = survey_in(list, "pre");
    assert_string_equal(harness_str(cJSON_GetObjectItemCaseSensitive(pre, "answers"), "heard_from"),
                        "manager");

    /* The same op_id again, later and with other answers: the first result,
     * and nothing changed. */
    harness_advance_clock(w->h, 120);
    sync_call(w, &w->bea, "together", cursor,
              "[{\"op_id\":\"op-survey-bea-0001\",\"type\":\"survey.answer\",\"body\":"
              "{\"survey_id\":\"pre\",\"answers\":{\"confidence\":4}}}]",
              &r, cursor, sizeof cursor);
    res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "results"), 0);
    char *again = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(res, "body"));
    assert_non_null(again);
    assert_string_equal(again, first);
    free(again);
    free(first);
    assert_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys"));
    surveys_of(w, &w->bea, "together", &r);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(survey(&r, "pre"), "answers");
    int64_t v = 0;
    assert_true(harness_int(a, "confidence", &v));
    assert_int_equal(v, 2);
    /* An op_id spent on a survey answer is not a REST key for something else. */
    answer(w, &w->bea, "together", "post", "{\"answers\":{\"confidence\":4}}", "op-survey-bea-0001",
           &r);
    harness_expect_error(&r, 422, "idempotency_key_reused");

    /* Wrong operations fail alone, with the REST codes. */
    sync_call(w, &w->bea, "together", cursor,
              "[{\"op_id\":\"op-survey-bea-0002\",\"type\":\"survey.answer\",\"body\":"
              "{\"answers\":{\"confidence\":2}}},"
              "{\"op_id\":\"op-survey-bea-0003\",\"type\":\"survey.answer\",\"body\":"
              "{\"survey_id\":\"mid\",\"answers\":{\"confidence\":2}}},"
              "{\"op_id\":\"op-survey-bea-0004\",\"type\":\"survey.answer\",\"body\":"
              "{\"survey_id\":\"post\",\"answers\":{\"confidence\":2}}},"
              "{\"op_id\":\"op-survey-bea-0005\",\"type\":\"survey.answer\",\"body\":"
              "{\"survey_id\":\"pre\",\"answers\":{\"confidence\":9},\"programme\":\"x\"}}]",
              &r, cursor, sizeof cursor);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r.json, "results");
    assert_int_equal(cJSON_GetArraySize(results), 4);
    harness_expect_error_json(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, 0), "body"), "missing_field",
        "survey_id", "op 2");
    harness_expect_error_json(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, 1), "body"), "not_found", NULL,
        "op 3");
    harness_expect_error_json(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, 2), "body"), "survey_not_open",
        NULL, "op 4");
    harness_expect_error_json(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, 3), "body"), "unknown_field",
        "programme", "op 5");
    assert_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys"));
    harness_resp_free(&r);
}

/* The post survey's opening and closing travel by sync too, and a reset
 * brings the surveys and the programme again. */
static void sync_follows_the_time_rules(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    /* Lan mentors Bea; it is Bea's first pairing. */
    char body[160], path[160];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->lan.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->bea.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = 0;
    assert_true(harness_int(r.json, "id", &req));
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(w->h, "POST", path, w->lan.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = 0;
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &pairing));
    char bea_cursor[512];
    sync_call(w, &w->bea, "together", NULL, NULL, &r, bea_cursor, sizeof bea_cursor);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)pairing);
    harness_call(w->h, "POST", path, w->lan.token, "{\"reason\":\"no_time\"}", NULL, &r);
    harness_expect_status(&r, 200);
    /* Bea's sync: pre closed, post open. */
    sync_call(w, &w->bea, "together", bea_cursor, NULL, &r, bea_cursor, sizeof bea_cursor);
    int told =
        count_in(cJSON_GetObjectItemCaseSensitive(changes(&r), "notifications"), "survey_opened");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_false(is_open(survey_in(list, "pre")));
    const cJSON *post = survey_in(list, "post");
    assert_true(is_open(post));
    int64_t closes = time_of(post, "closes_at");
    assert_true(closes > harness_now(w->h));
    /* The scheduler's notice comes once, in this sync or the next. */
    harness_advance_clock(w->h, 60);
    sync_call(w, &w->bea, "together", bea_cursor, NULL, &r, bea_cursor, sizeof bea_cursor);
    told +=
        count_in(cJSON_GetObjectItemCaseSensitive(changes(&r), "notifications"), "survey_opened");
    assert_int_equal(told, 1);
    /* 60 days on, the closing travels without any write of Bea's. */
    harness_advance_clock(w->h, closes - harness_now(w->h) + 60);
    relogin(w);
    sync_call(w, &w->bea, "together", bea_cursor, NULL, &r, bea_cursor, sizeof bea_cursor);
    list = cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_false(is_open(survey_in(list, "post")));
    sync_call(w, &w->bea, "together", bea_cursor, NULL, &r, bea_cursor, sizeof bea_cursor);
    assert_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys"));

    /* A change of session languages resets the copy: everything comes again. */
    harness_call(w->h, "PUT", "/v1/me/profile/languages", w->bea.token,
                 "{\"value\":[\"en\",\"fr\"]}", NULL, &r);
    harness_expect_status(&r, 200);
    sync_call(w, &w->bea, "together", bea_cursor, NULL, &r, bea_cursor, sizeof bea_cursor);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "reset")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(changes(&r), "surveys")),
                     2);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(changes(&r), "programme"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(changes(&r), "pairings")),
                     1);
    harness_resp_free(&r);
}

/* ---- A cohort: post opens at the programme's end ------------------------------------ */

static void cohort_post_opens_at_the_programmes_end(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char body[200];
    snprintf(body, sizeof body, "{\"user_ids\":[%lld],\"status\":\"selected\"}",
             (long long)w->cora.id);
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/selection", w->iom_admin.token, body,
                 NULL, &r);
    harness_expect_status(&r, 200);
    snprintf(body, sizeof body, "{\"user_ids\":[%lld],\"status\":\"not_selected\"}",
             (long long)w->dan.id);
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/selection", w->iom_admin.token, body,
                 NULL, &r);
    harness_expect_status(&r, 200);
    /* The programme's end: pairing_announced plus length_months. */
    harness_call(w->h, "GET", "/v1/programmes/iom-2025", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    time_t announced = (time_t)time_of(r.json, "pairing_announced");
    int64_t months = 0;
    assert_true(harness_int(r.json, "length_months", &months));
    struct tm tm;
    assert_non_null(gmtime_r(&announced, &tm));
    tm.tm_mon += (int)months;
    int64_t end = (int64_t)timegm(&tm);
    assert_true(end > harness_now(w->h));

    surveys_of(w, &w->cora, "iom-2025", &r);
    assert_true(is_open(survey(&r, "pre")));
    const cJSON *post = survey(&r, "post");
    assert_false(is_open(post));
    assert_int_equal(time_of(post, "opens_at"), end);
    assert_int_equal(time_of(post, "closes_at"), end + 60 * DAY);
    answer(w, &w->cora, "iom-2025", "post", "{\"answers\":{\"confidence\":3}}", NULL, &r);
    harness_expect_error(&r, 422, "survey_not_open");
    assert_non_null(strstr(r.body, "opens on"));
    /* Turned down: no survey is open to Dan. */
    surveys_of(w, &w->dan, "iom-2025", &r);
    assert_false(is_open(survey(&r, "pre")));
    answer(w, &w->dan, "iom-2025", "pre", "{\"answers\":{\"confidence\":3}}", NULL, &r);
    harness_expect_error(&r, 422, "survey_not_open");

    /* The programme ends while the server is down: Cora is told once. */
    assert_int_equal(harness_restart(w->h, SIGKILL, end - harness_now(w->h) + 3600), 0);
    relogin(w);
    assert_int_equal(harness_restart(w->h, SIGKILL, 60), 0);
    surveys_of(w, &w->cora, "iom-2025", &r);
    assert_true(is_open(survey(&r, "post")));
    assert_int_equal(count_kind(w, &w->cora, "iom-2025", "survey_opened"), 1);
    assert_int_equal(count_kind(w, &w->dan, "iom-2025", "survey_opened"), 0);
    /* An applicant still undecided took no part: not asked either. */
    assert_int_equal(count_kind(w, &w->iom_admin, "iom-2025", "survey_opened"), 0);
    surveys_of(w, &w->iom_admin, "iom-2025", &r);
    assert_true(is_open(survey(&r, "pre")));
    assert_false(is_open(survey(&r, "post")));
    assert_null(cJSON_GetObjectItemCaseSensitive(survey(&r, "post"), "opens_at"));
    answer(w, &w->cora, "iom-2025", "post", "{\"answers\":{\"confidence\":3,\"goals\":\"met\"}}",
           NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pre_is_open_answered_replaced_and_read_back),
        cmocka_unit_test(wrong_answers_are_refused),
        cmocka_unit_test(answers_are_the_members_and_the_teams),
        cmocka_unit_test(team_reads_answers_and_report),
        cmocka_unit_test(sync_answers_and_delivers_surveys),
        cmocka_unit_test(post_opens_when_the_first_pairing_ends),
        cmocka_unit_test(post_closes_after_60_days),
        cmocka_unit_test(sync_follows_the_time_rules),
        cmocka_unit_test(cohort_post_opens_at_the_programmes_end),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

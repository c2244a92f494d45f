/* test_admin.c - the administrators' routes on a real mentod: who may call
 * them (an administrator of this programme only, appointed by the operator
 * with `mentod appoint`), statistics computed here from what the test did,
 * participants with admin-only answers, the pairings' admin view and ending
 * one, feedback with its comment, CSV reports parsed back (a formula
 * defused), cohort selection and its announcement, and nothing of a note. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct world {
    struct harness *h;
    struct harness_user admin, other_admin, mentee, mentor, trickster;
    int64_t pairing;
};

static void person(struct harness *h, const char *name, const char *roles, const char *programme,
                   struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p, .programme = programme};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static void call(struct world *w, const char *method, const char *path,
                 const struct harness_user *u, const char *body, long status,
                 struct harness_resp *r)
{
    harness_call(w->h, method, path, u ? u->token : NULL, body, NULL, r);
    harness_expect_status(r, status);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0)
        return -1;
    person(w->h, "Programme Team", "mentee", "together", &w->admin);
    person(w->h, "Other Team", "mentee", "iom-2025", &w->other_admin);
    if (harness_appoint(w->h, w->admin.email, "together") != 0 ||
        harness_appoint(w->h, w->other_admin.email, "iom-2025") != 0)
        return -1;
    person(w->h, "Amina Diallo", "mentee", "together", &w->mentee);
    person(w->h, "Lan Nguyen", "mentor", "together", &w->mentor);
    person(w->h, "=HYPERLINK(\"http://evil.example\")", "mentee", "together", &w->trickster);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    harness_stop(w->h);
    free(w);
    return 0;
}

static void only_this_programmes_administrators(void **state)
{
    struct world *w = *state;
    static const char *const paths[] = {
        "/v1/programmes/together/admin/stats", "/v1/programmes/together/admin/participants",
        "/v1/programmes/together/admin/pairings", "/v1/programmes/together/admin/feedback",
        "/v1/programmes/together/admin/export/pairings"};
    struct harness_resp r = {0};
    for (size_t i = 0; i < 5; i++) {
        harness_call(w->h, "GET", paths[i], NULL, NULL, NULL, &r);
        harness_expect_status(&r, 401);
        harness_call(w->h, "GET", paths[i], w->mentee.token, NULL, NULL, &r);
        harness_expect_error(&r, 403, "role_required");
        harness_call(w->h, "GET", paths[i], w->other_admin.token, NULL, NULL, &r);
        harness_expect_error(&r, 403, "role_required");
        harness_call(w->h, "GET", paths[i], w->admin.token, NULL, NULL, &r);
        harness_expect_status(&r, 200);
    }
    harness_call(w->h, "GET", "/v1/programmes/nowhere/admin/stats", w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    harness_call(w->h, "GET", "/v1/programmes/together/admin/stats?colour=red", w->admin.token,
                 NULL, NULL, &r);
    harness_expect_error(&r, 400, "bad_request");
    harness_resp_free(&r);
}

/* A request, a pairing, a session done with feedback: the numbers follow. */
static void statistics_follow_what_happened(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char body[200], path[200];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->mentor.id);
    call(w, "POST", "/v1/programmes/together/requests", &w->mentee, body, 201, &r);
    int64_t req = 0;
    assert_true(harness_int(r.json, "id", &req));
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    call(w, "POST", path, &w->mentor, NULL, 200, &r);
    assert_true(
        harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &w->pairing));
    /* Session 1 held outside the platform, with feedback from both. */
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)w->pairing);
    call(w, "GET", path, &w->mentee, NULL, 200, &r);
    int64_t session = 0;
    assert_true(harness_int(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0), "id", &session));
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/done", (long long)session);
    call(w, "POST", path, &w->mentee,
         "{\"rating\":4,\"fit\":\"good_fit\",\"comment\":\"For the team: very useful.\"}", 200, &r);
    call(w, "POST", path, &w->mentor,
         "{\"rating\":3,\"fit\":\"unsure\",\"comment\":\"=SUM(A1:A9)\"}", 200, &r);

    call(w, "GET", "/v1/programmes/together/admin/stats", &w->admin, NULL, 200, &r);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r.json, "participants");
    int64_t v;
    /* Mentees: the admin, Amina, the trickster; one mentor. */
    assert_true(harness_int(p, "mentees", &v));
    assert_int_equal(v, 3);
    assert_true(harness_int(p, "mentors", &v));
    assert_int_equal(v, 1);
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(r.json, "requests");
    assert_true(harness_int(rq, "accepted", &v));
    assert_int_equal(v, 1);
    assert_true(harness_int(rq, "open", &v));
    assert_int_equal(v, 0);
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(r.json, "pairings");
    assert_true(harness_int(pa, "active", &v));
    assert_int_equal(v, 1);
    const cJSON *se = cJSON_GetObjectItemCaseSensitive(r.json, "sessions");
    assert_true(harness_int(se, "done", &v));
    assert_int_equal(v, 1);
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(r.json, "feedback");
    assert_true(harness_int(fb, "count", &v));
    assert_int_equal(v, 2);
    assert_true(cJSON_GetObjectItemCaseSensitive(fb, "average_rating")->valuedouble == 3.5);
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(fb, "fit"), "unsure", &v));
    assert_int_equal(v, 1);

    /* The feedback list carries the comment, for administrators only. */
    call(w, "GET", "/v1/programmes/together/admin/feedback", &w->admin, NULL, 200, &r);
    assert_non_null(strstr(r.body, "For the team: very useful."));
    harness_resp_free(&r);
}

static void participants_with_every_answer(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    call(w, "GET", "/v1/programmes/together/admin/participants?role=mentee&q=amina", &w->admin,
         NULL, 200, &r);
    int64_t total;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 1);
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0);
    assert_string_equal(harness_str(it, "email"), w->mentee.email);
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(it, "profile");
    /* An admin-only answer, which other participants never see. */
    assert_string_equal(harness_str(profile, "appointment_type"), "fixed-term");
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/admin/participants/%lld",
             (long long)w->mentee.id);
    call(w, "GET", path, &w->admin, NULL, 200, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "pairings")), 1);
    /* Someone of another programme is no member here. */
    snprintf(path, sizeof path, "/v1/programmes/together/admin/participants/%lld",
             (long long)w->other_admin.id);
    harness_call(w->h, "GET", path, w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    /* Pagination is honest. */
    call(w, "GET", "/v1/programmes/together/admin/participants?per_page=2&page=2", &w->admin, NULL,
         200, &r);
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 4); /* the team, Amina, Lan, the trickster */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 2);
    harness_resp_free(&r);
}

/* CSV: RFC 4180, read back here; the formula a participant typed as a
 * name comes out defused. */
static void reports_in_csv(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    call(w, "GET", "/v1/programmes/together/admin/export/participants", &w->admin, NULL, 200, &r);
    assert_true(strncmp(r.content_type, "text/csv", 8) == 0);
    assert_non_null(strstr(r.disposition, "together-participants-"));
    assert_non_null(strstr(r.body, "\r\n"));
    /* One column per answer, the admin-only ones included; lists joined. */
    assert_true(strncmp(r.body,
                        "user_id,email,roles,status,frozen,hidden,capacity,mentees,joined_at,name,"
                        "index_number,grade,",
                        89) == 0);
    assert_non_null(strstr(r.body, ",Amina Diallo,"));
    assert_non_null(strstr(r.body, ",fixed-term,"));
    assert_non_null(strstr(r.body, ",en,"));
    /* A comment that a spreadsheet would run as a formula comes out defused. */
    call(w, "GET", "/v1/programmes/together/admin/export/feedback", &w->admin, NULL, 200, &r);
    assert_non_null(strstr(r.body, ",\"'=SUM(A1:A9)\","));
    assert_null(strstr(r.body, ",=SUM"));
    call(w, "GET", "/v1/programmes/together/admin/export/pairings", &w->admin, NULL, 200, &r);
    int lines = 0;
    for (const char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, 2); /* the header and one pairing */
    assert_true(strncmp(r.body, "id,mentor_id,mentee_id,kind,state,", 34) == 0);
    harness_call(w->h, "GET", "/v1/programmes/together/admin/export/gossip", w->admin.token, NULL,
                 NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    harness_resp_free(&r);
}

/* An administrator ends a pairing: both members told, the comment kept for
 * the team. Notes stay out of reach whatever the route. */
static void ending_a_pairing_and_no_notes(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    /* A private note by the mentee. */
    call(w, "PUT", "/v1/programmes/together/notes/3f1c0a52-9b7e-4a11-8d2c-5e6f7a8b9c0d", &w->mentee,
         "{\"base_version\":0,\"ciphertext\":\"U0VDUkVULUNBTkFSWS1URVhU\"}", 201, &r);
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/admin/pairings/%lld/end",
             (long long)w->pairing);
    harness_call(w->h, "POST", path, w->admin.token, "{\"reason\":\"other\"}", NULL, &r);
    harness_expect_error(&r, 400, "missing_field");
    call(w, "POST", path, &w->admin,
         "{\"reason\":\"other\",\"comment\":\"At the request of both.\"}", 200, &r);
    assert_string_equal(harness_str(r.json, "state"), "ended");
    assert_string_equal(harness_str(r.json, "ended_by"), "administrator");
    assert_string_equal(harness_str(r.json, "end_comment"), "At the request of both.");
    harness_call(w->h, "POST", path, w->admin.token, "{\"reason\":\"no_time\"}", NULL, &r);
    harness_expect_error(&r, 409, "pairing_ended");
    /* Both members told. */
    const struct harness_user *both[] = {&w->mentee, &w->mentor};
    for (size_t i = 0; i < 2; i++) {
        call(w, "GET", "/v1/me/notifications?programme=together", both[i], NULL, 200, &r);
        assert_non_null(strstr(r.body, "\"pairing_ended\""));
    }
    /* No administration answer carries the note's ciphertext. */
    static const char *const paths[] = {
        "/v1/programmes/together/admin/stats", "/v1/programmes/together/admin/participants",
        "/v1/programmes/together/admin/pairings", "/v1/programmes/together/admin/feedback"};
    for (size_t i = 0; i < 4; i++) {
        call(w, "GET", paths[i], &w->admin, NULL, 200, &r);
        assert_null(strstr(r.body, "U0VDUkVULUNBTkFSWS1URVhU"));
    }
    static const char *const reports[] = {"participants", "requests", "pairings",
                                          "sessions",     "feedback", "surveys"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "/v1/programmes/together/admin/export/%s", reports[i]);
        call(w, "GET", path, &w->admin, NULL, 200, &r);
        assert_null(strstr(r.body, "U0VDUkVULUNBTkFSWS1URVhU"));
    }
    /* And the note itself: not the administrator's. */
    harness_call(w->h, "GET", "/v1/programmes/together/notes/3f1c0a52-9b7e-4a11-8d2c-5e6f7a8b9c0d",
                 w->admin.token, NULL, NULL, &r);
    assert_true(r.status == 403 || r.status == 404);
    assert_null(strstr(r.body, "U0VDUkVULUNBTkFSWS1URVhU"));
    harness_resp_free(&r);
}

/* Cohort selection: all or nothing, then each decided applicant told once. */
static void cohort_selection_and_announcement(void **state)
{
    struct world *w = *state;
    struct harness_user a, b, c;
    person(w->h, "Applicant A", "mentee", "iom-2025", &a);
    person(w->h, "Applicant B", "mentee", "iom-2025", &b);
    person(w->h, "Applicant C", "mentee", "iom-2025", &c);
    struct harness_resp r = {0};
    char body[200];
    /* Not in a programme without applications. */
    harness_call(w->h, "POST", "/v1/programmes/together/admin/selection", w->admin.token,
                 "{\"user_ids\":[1],\"status\":\"selected\"}", NULL, &r);
    harness_expect_error(&r, 422, "not_cohort");
    /* Someone who is not an applicant spoils the whole call. */
    snprintf(body, sizeof body, "{\"user_ids\":[%lld,%lld],\"status\":\"selected\"}",
             (long long)a.id, (long long)w->mentee.id);
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/selection", w->other_admin.token,
                 body, NULL, &r);
    harness_expect_error(&r, 400, "invalid");
    snprintf(body, sizeof body, "{\"user_ids\":[%lld],\"status\":\"selected\"}", (long long)a.id);
    call(w, "POST", "/v1/programmes/iom-2025/admin/selection", &w->other_admin, body, 200, &r);
    int64_t n;
    assert_true(harness_int(r.json, "updated", &n));
    assert_int_equal(n, 1);
    snprintf(body, sizeof body, "{\"user_ids\":[%lld],\"status\":\"not_selected\"}",
             (long long)b.id);
    call(w, "POST", "/v1/programmes/iom-2025/admin/selection", &w->other_admin, body, 200, &r);
    call(w, "POST", "/v1/programmes/iom-2025/admin/selection/announce", &w->other_admin, NULL, 200,
         &r);
    assert_true(harness_int(r.json, "notified_selected", &n));
    assert_int_equal(n, 1);
    assert_true(harness_int(r.json, "notified_not_selected", &n));
    assert_int_equal(n, 1);
    assert_true(harness_int(r.json, "undecided", &n));
    assert_int_equal(n, 1 + 1); /* C, and the iom administrator's own application */
    /* Announcing again tells nobody twice. */
    call(w, "POST", "/v1/programmes/iom-2025/admin/selection/announce", &w->other_admin, NULL, 200,
         &r);
    assert_true(harness_int(r.json, "notified_selected", &n));
    assert_int_equal(n, 0);
    call(w, "GET", "/v1/me/notifications", &a, NULL, 200, &r);
    assert_non_null(strstr(r.body, "\"application_selected\""));
    call(w, "GET", "/v1/me/notifications", &b, NULL, 200, &r);
    assert_non_null(strstr(r.body, "\"application_not_selected\""));
    call(w, "GET", "/v1/me/notifications", &c, NULL, 200, &r);
    assert_null(strstr(r.body, "application_"));
    harness_resp_free(&r);
}

/* In an admin-led programme the team pairs people, with the same checks as
 * an accepted request. */
static void team_pairs_people(void **state)
{
    struct world *w = *state;
    struct harness_user mentor, mentee;
    person(w->h, "Cohort Mentor", "mentor", "iom-2025", &mentor);
    person(w->h, "Cohort Mentee", "mentee", "iom-2025", &mentee);
    struct harness_resp r = {0};
    char body[200];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"mentee_id\":%lld}", (long long)mentor.id,
             (long long)mentee.id);
    /* Still applicants: not yet. */
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/pairings", w->other_admin.token, body,
                 NULL, &r);
    harness_expect_error(&r, 422, "membership_not_active");
    char sel[200];
    snprintf(sel, sizeof sel, "{\"user_ids\":[%lld,%lld],\"status\":\"selected\"}",
             (long long)mentor.id, (long long)mentee.id);
    call(w, "POST", "/v1/programmes/iom-2025/admin/selection", &w->other_admin, sel, 200, &r);
    call(w, "POST", "/v1/programmes/iom-2025/admin/pairings", &w->other_admin, body, 201, &r);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r.json, "mentor");
    int64_t id;
    assert_true(harness_int(m, "user_id", &id));
    assert_int_equal(id, mentor.id);
    assert_string_equal(harness_str(r.json, "state"), "active");
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/pairings", w->other_admin.token, body,
                 NULL, &r);
    harness_expect_error(&r, 409, "already_paired");
    /* Both told; the mentee sees the pairing as theirs. */
    call(w, "GET", "/v1/programmes/iom-2025/pairings", &mentee, NULL, 200, &r);
    int64_t total;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 1);
    call(w, "GET", "/v1/me/notifications", &mentor, NULL, 200, &r);
    assert_non_null(strstr(r.body, "\"pairing_created\""));
    /* Not where mentees choose, and not by someone else's team. */
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"mentee_id\":%lld}", (long long)w->mentor.id,
             (long long)w->trickster.id);
    harness_call(w->h, "POST", "/v1/programmes/together/admin/pairings", w->admin.token, body, NULL,
                 &r);
    harness_expect_error(&r, 422, "matching_mentee_led");
    harness_call(w->h, "POST", "/v1/programmes/together/admin/pairings", w->other_admin.token, body,
                 NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(w->h, "POST", "/v1/programmes/iom-2025/admin/pairings", w->other_admin.token,
                 "{\"mentor_id\":\"x\",\"mentee_id\":1}", NULL, &r);
    harness_expect_error(&r, 400, "invalid_type");
    harness_resp_free(&r);
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_this_programmes_administrators),
        cmocka_unit_test(statistics_follow_what_happened),
        cmocka_unit_test(participants_with_every_answer),
        cmocka_unit_test(reports_in_csv),
        cmocka_unit_test(ending_a_pairing_and_no_notes),
        cmocka_unit_test(cohort_selection_and_announcement),
        cmocka_unit_test(team_pairs_people),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

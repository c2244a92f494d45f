/* test_suggestions.c - pairing suggestions for the team of an admin-led
 * programme, on a real mentod: every suggested pair may really be paired
 * (a shared language, free places, not paired yet, no "do not match us
 * again", no frozen, hidden or unselected member), each score is the one the
 * mentee sees in the directory, a first-time mentee goes before a mentee of
 * an earlier edition, nothing changes until the team confirms, and only the
 * programme's own administrators may ask. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PROG       "iom-2025"
#define MAX_PEOPLE 16

struct member {
    const char *name;
    const char *roles;
    const char *languages; /* "en", "fr" or "en|fr" */
    const char *job_network;
    int capacity;
    struct harness_user u;
};

struct world {
    struct harness *h;
    struct harness_user admin, together_admin;
    struct member m[MAX_PEOPLE];
    size_t n;
};

enum {
    M_EN1, /* mentors */
    M_EN2,
    M_FR,
    M_HIDDEN,
    M_NOMATCH,
    E_EN1, /* mentees */
    E_EN2,
    E_EN3,
    E_FR_EARLIER,
    E_FR_NEW,
    E_FROZEN,
    E_APPLIED,
    E_NOMATCH,
    N_MEMBERS
};

static const struct member cast[N_MEMBERS] = {
    [M_EN1] = {"Mentor English One", "mentor", "en", "Management and Operations", 1, {0}},
    [M_EN2] =
        {"Mentor English Two", "mentor", "en|fr", "Information and Telecommunication", 2, {0}},
    [M_FR] = {"Mentor Francophone", "mentor", "fr", "Political, Peace and Humanitarian", 1, {0}},
    [M_HIDDEN] = {"Mentor Hidden", "mentor", "en|fr", "Management and Operations", 3, {0}},
    [M_NOMATCH] = {"Mentor Parted", "mentor", "en", "Management and Operations", 1, {0}},
    [E_EN1] = {"Mentee English One", "mentee", "en", "Management and Operations", 0, {0}},
    [E_EN2] = {"Mentee English Two", "mentee", "en", "Management and Operations", 0, {0}},
    [E_EN3] = {"Mentee English Three", "mentee", "en", "Legal", 0, {0}},
    [E_FR_EARLIER] =
        {"Mentee Earlier Edition", "mentee", "fr", "Political, Peace and Humanitarian", 0, {0}},
    [E_FR_NEW] = {"Mentee First Time", "mentee", "fr", "Economic, Social and Development", 0, {0}},
    [E_FROZEN] = {"Mentee Frozen", "mentee", "en|fr", "Management and Operations", 0, {0}},
    [E_APPLIED] = {"Mentee Not Selected", "mentee", "en|fr", "Management and Operations", 0, {0}},
    [E_NOMATCH] = {"Mentee Parted", "mentee", "en", "Management and Operations", 0, {0}},
};

static void call(struct world *w, const char *method, const char *path,
                 const struct harness_user *u, const char *body, long status,
                 struct harness_resp *r)
{
    harness_call(w->h, method, path, u ? u->token : NULL, body, NULL, r);
    harness_expect_status(r, status);
}

static void join(struct world *w, struct member *m)
{
    cJSON *p = harness_profile_new(m->name);
    harness_json_set(p, "languages", harness_json_strings(m->languages));
    harness_json_set_str(p, "job_network", m->job_network);
    struct harness_account a = {
        .roles = m->roles, .profile = p, .programme = PROG, .capacity = m->capacity};
    harness_register_ok(w->h, &a, &m->u);
    cJSON_Delete(p);
}

static void admin_pair(struct world *w, int mentor, int mentee, int64_t *pairing)
{
    struct harness_resp r = {0};
    char body[120];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"mentee_id\":%lld}",
             (long long)w->m[mentor].u.id, (long long)w->m[mentee].u.id);
    call(w, "POST", "/v1/programmes/" PROG "/admin/pairings", &w->admin, body, 201, &r);
    assert_true(harness_int(r.json, "id", pairing));
    harness_resp_free(&r);
}

/* What the database of a server that also ran last year's edition holds: a
 * programme with the same rules, and a pairing there with this mentee. */
static void earlier_edition(struct world *w, int64_t mentee, int64_t mentor)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(harness_db_path(w->h), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO programmes(id, settings, seq) SELECT 'iom-2024', json_replace(settings,"
             " '$.id', 'iom-2024'), seq FROM programmes WHERE id = '" PROG "';"
             "INSERT INTO pairings(programme_id, mentor_id, mentee_id, kind, state, started_at,"
             " ended_at, seq) VALUES ('iom-2024', %lld, %lld, 'mentoring', 'ended', 1704067200,"
             " 1719792000, 1);",
             (long long)mentor, (long long)mentee);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("earlier edition: %s", err);
    sqlite3_close(db);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0)
        return -1;
    *state = w;
    struct member team = {"Programme Team", "mentee", "en", "Management and Operations", 0, {0}};
    join(w, &team);
    w->admin = team.u;
    struct harness_account a = {.roles = "mentee", .programme = "together"};
    harness_register_ok(w->h, &a, &w->together_admin);
    if (harness_appoint(w->h, w->admin.email, PROG) != 0 ||
        harness_appoint(w->h, w->together_admin.email, "together") != 0)
        return -1;
    memcpy(w->m, cast, sizeof cast);
    w->n = N_MEMBERS;
    struct harness_resp r = {0};
    char sel[600] = "{\"status\":\"selected\",\"user_ids\":[";
    for (size_t i = 0; i < w->n; i++) {
        join(w, &w->m[i]);
        if (i == E_APPLIED)
            continue;
        char id[32];
        snprintf(id, sizeof id, "%s%lld", sel[strlen(sel) - 1] == '[' ? "" : ",",
                 (long long)w->m[i].u.id);
        strcat(sel, id);
    }
    strcat(sel, "]}");
    call(w, "POST", "/v1/programmes/" PROG "/admin/selection", &w->admin, sel, 200, &r);
    /* A parting with "do not match us again". */
    int64_t pairing;
    admin_pair(w, M_NOMATCH, E_NOMATCH, &pairing);
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/" PROG "/pairings/%lld/end", (long long)pairing);
    call(w, "POST", path, &w->m[E_NOMATCH].u,
         "{\"reason\":\"not_a_good_fit\",\"do_not_match\":true}", 200, &r);
    /* A current pairing: the mentor keeps one free place, the mentee may
     * have a second mentor, but not the same one twice. */
    admin_pair(w, M_EN2, E_EN3, &pairing);
    /* Frozen and hidden people are left out. */
    call(w, "POST", "/v1/me/freeze", &w->m[E_FROZEN].u, "{}", 200, &r);
    call(w, "PATCH", "/v1/me/programmes/" PROG, &w->m[M_HIDDEN].u, "{\"hidden\":true}", 200, &r);
    earlier_edition(w, w->m[E_FR_EARLIER].u.id, w->m[M_EN1].u.id);
    harness_resp_free(&r);
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    harness_stop(w->h);
    free(w);
    return 0;
}

static int who(const struct world *w, int64_t id)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->m[i].u.id == id)
            return (int)i;
    fail_msg("user %lld is not one of the cast", (long long)id);
    return -1;
}

static bool shares_language(const struct member *a, const struct member *b)
{
    return (strstr(a->languages, "en") && strstr(b->languages, "en")) ||
           (strstr(a->languages, "fr") && strstr(b->languages, "fr"));
}

/* The score the mentee sees for the mentor in the directory. */
static int64_t directory_score(struct world *w, int mentee, int mentor)
{
    struct harness_resp r = {0};
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/" PROG "/mentors/%lld",
             (long long)w->m[mentor].u.id);
    call(w, "GET", path, &w->m[mentee].u, NULL, 200, &r);
    int64_t score = -1;
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "score"), "total", &score));
    harness_resp_free(&r);
    return score;
}

static void every_suggestion_can_be_paired(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    call(w, "GET", "/v1/programmes/" PROG "/admin/pairings/suggestions", &w->admin, NULL, 200, &r);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_true(cJSON_IsArray(items));
    int taken[N_MEMBERS] = {0};
    int64_t sum = 0, previous = 101;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        int64_t mentee_id, mentor_id, score;
        assert_true(harness_int(it, "mentee_id", &mentee_id));
        assert_true(harness_int(it, "mentor_id", &mentor_id));
        assert_true(harness_int(it, "score", &score));
        int e = who(w, mentee_id), m = who(w, mentor_id);
        assert_string_equal(w->m[e].roles, "mentee");
        assert_string_equal(w->m[m].roles, "mentor");
        assert_true(shares_language(&w->m[e], &w->m[m]));
        assert_true(e != E_FROZEN && e != E_APPLIED && m != M_HIDDEN);
        assert_false(e == E_NOMATCH && m == M_NOMATCH);
        assert_false(e == E_EN3 && m == M_EN2);
        assert_int_equal(score, directory_score(w, e, m));
        assert_true(score <= previous); /* best first */
        previous = score;
        assert_int_equal(++taken[e], 1);
        taken[m]++;
        sum += score;
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(it, "earlier_mentee")));
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "earlier_mentee")),
                         e == E_FR_EARLIER);
    }
    /* Free places: EN1 one, EN2 one left of two, FR one; NOMATCH one. */
    assert_true(taken[M_EN1] <= 1 && taken[M_EN2] <= 1 && taken[M_FR] <= 1 &&
                taken[M_NOMATCH] <= 1);
    int64_t total;
    assert_true(harness_int(r.json, "total_score", &total));
    assert_int_equal(total, sum);
    /* Six mentees to pair (EN1, EN2, EN3, the two francophones, the parted
     * one), four places that fit: English speakers fill EN1, EN2 and
     * NOMATCH (who may not take the parted mentee), the one French place
     * goes to the first-time mentee. */
    assert_int_equal(cJSON_GetArraySize(items), 4);
    assert_int_equal(taken[E_FR_NEW], 1);
    assert_int_equal(taken[E_FR_EARLIER], 0);
    const cJSON *un = cJSON_GetObjectItemCaseSensitive(r.json, "unassigned_mentees");
    assert_int_equal(cJSON_GetArraySize(un), 2);
    bool earlier_waits = false;
    cJSON_ArrayForEach(it, un) earlier_waits |= who(w, (int64_t)it->valuedouble) == E_FR_EARLIER;
    assert_true(earlier_waits);
    harness_resp_free(&r);
}

/* The earlier-edition mentee would be the better match for the French
 * mentor: the priority, not the score, gives the place to the other. */
static void first_time_mentees_go_first(void **state)
{
    struct world *w = *state;
    assert_true(directory_score(w, E_FR_EARLIER, M_FR) > directory_score(w, E_FR_NEW, M_FR));
}

static void nothing_changes_until_confirmed(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    call(w, "GET", "/v1/programmes/" PROG "/admin/pairings?state=active", &w->admin, NULL, 200, &r);
    int64_t before;
    assert_true(harness_int(r.json, "total", &before));
    call(w, "GET", "/v1/programmes/" PROG "/admin/pairings/suggestions", &w->admin, NULL, 200, &r);
    call(w, "GET", "/v1/programmes/" PROG "/admin/pairings?state=active", &w->admin, NULL, 200, &r);
    int64_t after;
    assert_true(harness_int(r.json, "total", &after));
    assert_int_equal(after, before);
    /* Confirming one takes that mentee out of the next suggestions. */
    int64_t pairing;
    admin_pair(w, M_FR, E_FR_NEW, &pairing);
    call(w, "GET", "/v1/programmes/" PROG "/admin/pairings/suggestions", &w->admin, NULL, 200, &r);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        int64_t id;
        assert_true(harness_int(it, "mentor_id", &id));
        assert_int_not_equal(id, w->m[M_FR].u.id); /* full now */
    }
    harness_resp_free(&r);
}

static void only_the_programmes_team(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    const char *path = "/v1/programmes/" PROG "/admin/pairings/suggestions";
    harness_call(w->h, "GET", path, NULL, NULL, NULL, &r);
    harness_expect_status(&r, 401);
    harness_call(w->h, "GET", path, w->m[E_EN1].u.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    harness_call(w->h, "GET", path, w->together_admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "role_required");
    /* Where mentees choose, there is nothing to suggest. */
    harness_call(w->h, "GET", "/v1/programmes/together/admin/pairings/suggestions",
                 w->together_admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 422, "matching_mentee_led");
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
        cmocka_unit_test(every_suggestion_can_be_paired),
        cmocka_unit_test(first_time_mentees_go_first),
        cmocka_unit_test(nothing_changes_until_confirmed),
        cmocka_unit_test(only_the_programmes_team),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

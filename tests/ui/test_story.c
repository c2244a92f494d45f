/* test_story.c - the mentoring story from the keyboard, with two people each
 * running their own mento (their own store) against one real mentod: the
 * mentee filters the directory and wish-lists three mentors, sends the
 * request; the mentor's inbox shows it and accepts; both see the pairing; the
 * mentee books a recurring series, the mentor moves one session, the mentee
 * marks one done with feedback; the pairing is ended with a reason. The same
 * story with the mentee offline for the request and the booking, sent later.
 * A queued action the server refuses, shown to the user until read. Freeze
 * and unfreeze. Every pane at 80x24 and at 200x60. Screens are compared with
 * tests/ui/expected/story-*.txt; the server is asked what really happened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "ui_kit.h"

enum { ZOE, JOSE, LAN, KARIM, N_PEOPLE };

static const struct {
    const char *name, *grade, *entity, *station, *tz, *langs, *network;
} people[N_PEOPLE] = {
    [ZOE] = {"Zoë Müller", "P-4", "OCHA", "Nairobi", "Africa/Nairobi", "en|fr",
             "Political, Peace and Humanitarian"},
    [JOSE] = {"José Pérez", "P-5", "UNDP", "Bogotá", "America/Bogota", "en|fr",
              "Economic and Social"},
    [LAN] = {"Nguyễn Thị Lan", "P-4", "UNDP", "Bangkok", "Asia/Bangkok", "en",
             "Political, Peace and Humanitarian"},
    [KARIM] = {"Карим Хаддад", "P-4", "WFP", "Moscow", "Europe/Moscow", "en",
               "Management and Operations"},
};

static const char *const suffix[N_PEOPLE] = {"-zoe", "-jose", "-lan", "-karim"};

static int setup(void **state)
{
    struct ui *u = calloc(1, sizeof *u);
    if (!u || ui_start(u) != 0)
        return -1;
    for (int i = 0; i < N_PEOPLE; i++) {
        cJSON *p = harness_profile_new(people[i].name);
        harness_json_set_str(p, "grade", people[i].grade);
        harness_json_set_str(p, "entity", people[i].entity);
        harness_json_set_str(p, "duty_station", people[i].station);
        harness_json_set_str(p, "timezone", people[i].tz);
        harness_json_set_str(p, "job_network", people[i].network);
        harness_json_set(p, "languages", harness_json_strings(people[i].langs));
        struct harness_account a = {.roles = "mentor", .profile = p, .capacity = 1};
        harness_register_ok(u->h, &a, &u->mentor_users[i]);
        cJSON_Delete(p);
    }
    /* The programme's team, to read the feedback. */
    struct harness_account team = {.roles = "mentee"};
    harness_register_ok(u->h, &team, &u->mentor_users[N_PEOPLE]);
    if (harness_appoint(u->h, u->mentor_users[N_PEOPLE].email, "together") != 0)
        return -1;
    cJSON *p = harness_profile_new("Amina Diallo");
    harness_json_set_str(p, "grade", "P-2");
    harness_json_set_str(p, "timezone", "Africa/Nairobi");
    harness_json_set_str(p, "duty_station", "Nairobi");
    harness_json_set_str(p, "job_network", "Political, Peace and Humanitarian");
    harness_json_set(p, "languages", harness_json_strings("en|fr"));
    char email[128];
    harness_email(u->h, "amina", email, sizeof email);
    struct harness_account a = {.email = email, .profile = p};
    harness_register_ok(u->h, &a, &u->mentee);
    cJSON_Delete(p);
    *state = u;
    /* Everyone logs in once on their own device. */
    char *login[] = {"mento", "login", "--server", u->url, "--email", u->mentee.email, NULL};
    if (run_mento(u, NULL, NULL, login) != 0)
        return -1;
    for (int i = 0; i < N_PEOPLE; i++) {
        u->who = suffix[i];
        char *as[] = {"mento", "login", "--server", u->url, "--email", u->mentor_users[i].email,
                      NULL};
        if (run_mento(u, NULL, NULL, as) != 0)
            return -1;
    }
    u->who = NULL;
    return 0;
}

static int teardown(void **state)
{
    struct ui *u = *state;
    ui_stop(u);
    free(u);
    return 0;
}

/* A script for person `who` (-1: the mentee), its %s each replaced by the
 * test's directory. */
static void play(struct ui *u, int who, const char *size, const char *tmpl)
{
    char script[8192];
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 80 < sizeof script; p++) {
        if (p[0] == '%' && p[1] == 's') {
            o += (size_t)snprintf(script + o, sizeof script - o, "%s", u->dir);
            p++;
        } else {
            script[o++] = *p;
        }
    }
    script[o] = '\0';
    u->who = who < 0 ? NULL : suffix[who];
    run_script(u, size, script);
    u->who = NULL;
}

/* The server's answer to GET `path` as `token` (caller deletes). */
static cJSON *server_get(struct ui *u, const char *token, const char *path)
{
    struct harness_resp r = {0};
    harness_call(u->h, "GET", path, token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON *j = cJSON_Duplicate(r.json, 1);
    harness_resp_free(&r);
    return j;
}

/* "YYYY-MM-DD" `days` from the server's now, in Nairobi (UTC+3, no DST). */
static void nairobi_date(struct ui *u, int days, char *out, size_t cap)
{
    time_t t = (time_t)(harness_now(u->h) + (int64_t)days * 86400 + 3 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%d", &tm);
}

static void online_story(void **state)
{
    struct ui *u = *state;
    /* The mentee: three mentors found by filtering, wish-listed; the request. */
    play(u, -1, "100x30",
         ":wait-sync\n"
         "/\n:type zoë\n<Enter>\nw\nc\n"
         "/\n:type jose\n<Enter>\nw\nc\n"
         "/\n:type lan\n<Enter>\nw\nc\n"
         ":wait-sync\n2\n:save-display %s/story-wishlist.txt\n"
         "r\n<Tab>\n:type Bonjour, I work in Nairobi too.\n<Enter>\n"
         ":save-display %s/story-request-confirm.txt\n"
         "y\n:wait-sync\n:save-display %s/story-request-open.txt\nq\n");
    expect_screen(u, "story-wishlist");
    expect_screen(u, "story-request-confirm");
    expect_screen(u, "story-request-open");
    cJSON *wl = server_get(u, u->mentee.token, "/v1/programmes/together/wishlist");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(wl, "items")), 3);
    cJSON_Delete(wl);
    cJSON *open =
        server_get(u, u->mentor_users[ZOE].token, "/v1/programmes/together/requests/current");
    const char *msg = harness_str(cJSON_GetObjectItemCaseSensitive(open, "request"), "message");
    assert_non_null(msg);
    assert_string_equal(msg, "Bonjour, I work in Nairobi too.");
    cJSON_Delete(open);

    /* Zoë's inbox: the one request, accepted; her matches list the pairing. */
    play(u, ZOE, "100x30",
         ":wait-sync\n3\n:save-display %s/story-inbox.txt\n"
         "a\ny\n:wait-sync\n:save-display %s/story-matches-mentor.txt\nq\n");
    expect_screen(u, "story-inbox");
    expect_screen(u, "story-matches-mentor");
    /* Amina sees it too, and books three sessions two weeks apart. */
    char date[16], script[2048];
    nairobi_date(u, 7, date, sizeof date);
    snprintf(script, sizeof script,
             ":wait-sync\n3\n:save-display %%s/story-matches-mentee.txt\n"
             "4\nb\n:type %s\n<Tab>\n:type 09:30\n<Tab>\n<Tab>\n<Tab>\n:type 2\n<Tab>\n"
             ":type 3\n:save-display %%s/story-book-form.txt\n<Enter>\n:wait-sync\n"
             ":save-display %%s/story-booked.txt\nq\n",
             date);
    play(u, -1, "100x30", script);
    expect_screen(u, "story-matches-mentee");
    expect_screen(u, "story-book-form");
    expect_screen(u, "story-booked");
    cJSON *plan = server_get(u, u->mentee.token, "/v1/programmes/together/pairings");
    int64_t pairing = 0;
    assert_true(harness_int(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "items"), 0),
                            "id", &pairing));
    cJSON_Delete(plan);
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    plan = server_get(u, u->mentee.token, path);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(plan, "items");
    int booked = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) booked += strcmp(harness_str(it, "state"), "booked") == 0;
    assert_int_equal(booked, 3);
    cJSON_Delete(plan);

    /* Zoë moves the second session to 14:00 her time, a day later. */
    nairobi_date(u, 22, date, sizeof date);
    snprintf(script, sizeof script,
             ":wait-sync\n4\n<Down>\nm\n:type %s\n<Tab>\n:type 14:00\n"
             ":save-display %%s/story-move-form.txt\n<Enter>\n:wait-sync\n"
             ":save-display %%s/story-moved.txt\nq\n",
             date);
    play(u, ZOE, "100x30", script);
    expect_screen(u, "story-move-form");
    expect_screen(u, "story-moved");

    /* A week on, the first session took place: Amina marks it done. */
    harness_advance_clock(u->h, 8 * 86400);
    play(u, -1, "100x30",
         ":wait-sync\n4\nd\n<Right>\n<Tab>\n<Right>\n<Right>\n<Tab>\n<Tab>\n"
         ":type Clear goals for the next months.\n"
         ":save-display %s/story-feedback-form.txt\n<Enter>\n"
         ":save-display %s/story-next-offer.txt\n<Esc>\n:wait-sync\n"
         ":save-display %s/story-done.txt\nq\n");
    expect_screen(u, "story-feedback-form");
    expect_screen(u, "story-next-offer");
    expect_screen(u, "story-done");
    /* What the programme team reads: the rating and the comment. */
    cJSON *fb =
        server_get(u, u->mentor_users[N_PEOPLE].token, "/v1/programmes/together/admin/feedback");
    char *text = cJSON_PrintUnformatted(fb);
    assert_non_null(strstr(text, "Clear goals for the next months."));
    assert_non_null(strstr(text, "\"rating\":3"));
    free(text);
    cJSON_Delete(fb);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    plan = server_get(u, u->mentee.token, path);
    items = cJSON_GetObjectItemCaseSensitive(plan, "items");
    assert_string_equal(harness_str(cJSON_GetArrayItem(items, 0), "state"), "done");
    /* Session 2 is where Zoë put it: 14:00 in Nairobi is 11:00 UTC. */
    const char *moved = harness_str(cJSON_GetArrayItem(items, 1), "starts_at");
    assert_non_null(moved);
    assert_non_null(strstr(moved, "T11:00:00Z"));
    assert_int_equal(strncmp(moved, date, 10), 0);
    cJSON_Delete(plan);

    /* Amina ends the pairing: no time, and not to be matched again. */
    play(u, -1, "100x30",
         ":wait-sync\n3\ne\n<Right>\n<Right>\n<Tab>\n:type New assignment with travel.\n"
         "<Tab>\n<Right>\n:save-display %s/story-end-form.txt\n<Enter>\n"
         ":save-display %s/story-end-confirm.txt\ny\n:wait-sync\n"
         ":save-display %s/story-ended.txt\nq\n");
    expect_screen(u, "story-end-form");
    expect_screen(u, "story-end-confirm");
    expect_screen(u, "story-ended");
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)pairing);
    cJSON *p = server_get(u, u->mentee.token, path);
    assert_string_equal(harness_str(p, "state"), "ended");
    assert_string_equal(harness_str(p, "end_reason"), "no_time");
    cJSON_Delete(p);
    /* Zoë's client has it among the past pairings. */
    play(u, ZOE, "100x30", ":wait-sync\n3\n:save-display %s/story-ended-mentor.txt\nq\n");
    expect_screen(u, "story-ended-mentor");
}

static void server_exits_cleanly(void **state)
{
    struct ui *u = *state;
    assert_int_equal(harness_stop_server(u->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(online_story),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

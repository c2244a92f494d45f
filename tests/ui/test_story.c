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

/* The mentors, then the programme's team and a second mentee, Kofi; each has
 * their own store (the suffix of their XDG directories). Amina, the mentee of
 * the story, is u->mentee. */
enum { ZOE, JOSE, LAN, KARIM, N_PEOPLE, TEAM = N_PEOPLE, KOFI, N_ALL };

static const struct ui_person people[N_PEOPLE] = {
    [ZOE] = {"Zoë Müller", "P-4", "OCHA", "Nairobi", "Africa/Nairobi", "en|fr",
             "Political, Peace and Humanitarian"},
    [JOSE] = {"José Pérez", "P-5", "UNDP", "Bogotá", "America/Bogota", "en|fr",
              "Economic and Social"},
    [LAN] = {"Nguyễn Thị Lan", "P-4", "UNDP", "Bangkok", "Asia/Bangkok", "en",
             "Political, Peace and Humanitarian"},
    [KARIM] = {"Карим Хаддад", "P-4", "WFP", "Moscow", "Europe/Moscow", "en",
               "Management and Operations"},
};

static const char *const suffix[N_ALL] = {"-zoe", "-jose", "-lan", "-karim", "-team", "-kofi"};

static int setup(void **state)
{
    struct ui *u = calloc(1, sizeof *u);
    if (!u || ui_start(u) != 0)
        return -1;
    for (int i = 0; i < N_PEOPLE; i++)
        ui_register(u, &people[i], "mentor", 1, 0, &u->mentor_users[i]);
    /* The programme's team, to read the feedback; Kofi, a second mentee. */
    struct harness_account team = {.roles = "mentee"};
    harness_register_ok(u->h, &team, &u->mentor_users[TEAM]);
    if (harness_appoint(u->h, u->mentor_users[TEAM].email, "together") != 0)
        return -1;
    cJSON *k = harness_profile_new("Kofi Mensah");
    harness_json_set(k, "languages", harness_json_strings("en|fr"));
    struct harness_account kofi = {.profile = k};
    harness_register_ok(u->h, &kofi, &u->mentor_users[KOFI]);
    cJSON_Delete(k);
    ui_register_amina(u);
    *state = u;
    /* Everyone logs in once on their own device. */
    char *login[] = {"mento", "login", "--server", u->url, "--email", u->mentee.email, NULL};
    if (run_mento(u, NULL, NULL, login) != 0)
        return -1;
    for (int i = 0; i < N_ALL; i++) {
        if (i == TEAM)
            continue;
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

/* A script for person `who` (-1: Amina), its %s each replaced by the test's
 * directory; `option` (may be NULL) added to mento's command line. */
static void play_with(struct ui *u, int who, const char *size, const char *tmpl, const char *option)
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
    run_script_with(u, size, script, option);
    u->who = NULL;
}

static void play(struct ui *u, int who, const char *size, const char *tmpl)
{
    play_with(u, who, size, tmpl, NULL);
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
        server_get(u, u->mentor_users[TEAM].token, "/v1/programmes/together/admin/feedback");
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

/* The total of a list answer from the server. */
static int64_t server_total(struct ui *u, const char *token, const char *path)
{
    cJSON *j = server_get(u, token, path);
    int64_t total = -1;
    assert_true(harness_int(j, "total", &total));
    cJSON_Delete(j);
    return total;
}

/* Kofi is offline for the request and for the booking: each waits in the
 * outbox, marked and counted, and goes when the link comes back. */
static void offline_story(void **state)
{
    struct ui *u = *state;
    const struct harness_user *kofi = &u->mentor_users[KOFI], *jose = &u->mentor_users[JOSE];
    /* Amina's device syncs now (the refusal test needs what it knows now). */
    play(u, -1, "100x30", ":wait-sync\nq\n");
    /* Kofi's first sync, online, fills his store. */
    play(u, KOFI, "100x30", ":wait-sync\nq\n");
    play_with(u, KOFI, "100x30",
              "/\n:type jose\n<Enter>\nw\nc\n2\nr\n<Enter>\n"
              ":save-display %s/story-offline-confirm.txt\ny\n"
              ":save-display %s/story-offline-request.txt\nq\n",
              "--offline");
    expect_screen(u, "story-offline-confirm");
    expect_screen(u, "story-offline-request");
    assert_int_equal(server_total(u, kofi->token, "/v1/programmes/together/requests"), 0);
    /* The link is back: both operations go, in order. */
    play(u, KOFI, "100x30", ":wait-sync\n2\n:save-display %s/story-offline-sent.txt\nq\n");
    expect_screen(u, "story-offline-sent");
    cJSON *cur = server_get(u, jose->token, "/v1/programmes/together/requests/current");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(cur, "request");
    int64_t rid = 0;
    assert_true(harness_int(req, "id", &rid));
    cJSON_Delete(cur);
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)rid);
    struct harness_resp r = {0};
    harness_call(u->h, "POST", path, jose->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = 0;
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &pairing));
    harness_resp_free(&r);

    /* The pairing reaches Kofi; then, offline again, he books a session. */
    play(u, KOFI, "100x30", ":wait-sync\nq\n");
    char date[16], script[1024];
    nairobi_date(u, 5, date, sizeof date);
    snprintf(script, sizeof script,
             "4\nb\n:type %s\n<Tab>\n:type 16:00\n<Enter>\n"
             ":save-display %%s/story-offline-booked.txt\nq\n",
             date);
    play_with(u, KOFI, "100x30", script, "--offline");
    expect_screen(u, "story-offline-booked");
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    cJSON *plan = server_get(u, kofi->token, path);
    assert_string_equal(
        harness_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "items"), 0),
                    "state"),
        "planned");
    cJSON_Delete(plan);
    play(u, KOFI, "100x30", ":wait-sync\n4\n:save-display %s/story-offline-synced.txt\nq\n");
    expect_screen(u, "story-offline-synced");
    plan = server_get(u, kofi->token, path);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "items"), 0);
    assert_string_equal(harness_str(first, "state"), "booked");
    /* 16:00 in New York, his time zone, in winter. */
    assert_non_null(strstr(harness_str(first, "starts_at"), "T21:00:00Z"));
    assert_int_equal(strncmp(harness_str(first, "starts_at"), date, 10), 0);
    cJSON_Delete(plan);
}

/* Amina, offline, asks José, who her device still shows as free; José has
 * taken Kofi meanwhile. The server refuses; she is told in words, and the
 * dialogue comes back until she has closed it. */
static void refusal_shown(void **state)
{
    struct ui *u = *state;
    play_with(u, -1, "100x30", "2\nr\n<Enter>\ny\n:save-display %s/story-refusal-queued.txt\nq\n",
              "--offline");
    expect_screen(u, "story-refusal-queued");
    /* Back online: refused. She quits without closing the dialogue. */
    play(u, -1, "100x30", ":wait-sync\n:save-display %s/story-refused.txt\nq\n");
    expect_screen(u, "story-refused");
    /* Next time it is there again; Enter closes it, and it stays closed. */
    play(u, -1, "100x30",
         ":save-display %s/story-refused-again.txt\n<Enter>\n:wait-sync\n"
         ":save-display %s/story-refusal-read.txt\nq\n");
    expect_screen(u, "story-refused-again");
    expect_screen(u, "story-refusal-read");
    play(u, -1, "100x30", ":save-display %s/story-after.txt\nq\n");
    char path[128];
    snprintf(path, sizeof path, "%s/story-after.txt", u->dir);
    char *st = read_file(path);
    assert_non_null(st);
    assert_null(strstr(st, "refused a change"));
    free(st);
    assert_int_equal(
        server_total(u, u->mentee.token, "/v1/programmes/together/requests?state=open"), 0);
}

/* Kofi freezes his account (the dialogue names the pairing that will end),
 * then unfreezes it. */
static void freeze_and_unfreeze(void **state)
{
    struct ui *u = *state;
    const struct harness_user *kofi = &u->mentor_users[KOFI];
    play(u, KOFI, "100x30",
         ":wait-sync\n6\nf\n:save-display %s/story-freeze-confirm.txt\ny\n:wait-sync\n"
         ":save-display %s/story-frozen.txt\nq\n");
    expect_screen(u, "story-freeze-confirm");
    expect_screen(u, "story-frozen");
    cJSON *me = server_get(u, kofi->token, "/v1/me");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(me, "frozen")));
    cJSON_Delete(me);
    assert_int_equal(server_total(u, kofi->token, "/v1/programmes/together/pairings?state=active"),
                     0);
    play(u, KOFI, "100x30",
         ":wait-sync\n6\nf\n:save-display %s/story-unfreeze-confirm.txt\ny\n:wait-sync\n"
         ":save-display %s/story-unfrozen.txt\nq\n");
    expect_screen(u, "story-unfreeze-confirm");
    expect_screen(u, "story-unfrozen");
    me = server_get(u, kofi->token, "/v1/me");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(me, "frozen")));
    cJSON_Delete(me);
}

/* Kofi applies to the IOM cohort too: his profile lists both programmes and
 * one key goes from one to the other, each with its own directory. */
static void programmes_switched(void **state)
{
    struct ui *u = *state;
    const struct harness_user *kofi = &u->mentor_users[KOFI];
    struct harness_resp r = {0};
    harness_call(u->h, "POST", "/v1/me/programmes", kofi->token,
                 "{\"programme\":\"iom-2025\",\"roles\":[\"mentee\"]}", NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    play(u, KOFI, "100x30",
         ":wait-sync\n6\n:save-display %s/story-programmes.txt\nP\n:wait-sync\n"
         ":save-display %s/story-switched.txt\n1\n:save-display %s/story-switched-directory.txt\n"
         "6\nP\n:wait-sync\n1\n:save-state %s/story-back.json\nq\n");
    expect_screen(u, "story-programmes");
    expect_screen(u, "story-switched");
    expect_screen(u, "story-switched-directory");
    char path[128];
    snprintf(path, sizeof path, "%s/story-back.json", u->dir);
    char *st = read_file(path);
    assert_non_null(st);
    /* Back in "together": its four mentors again. */
    assert_non_null(strstr(st, "\"mentors\":\t4"));
    free(st);
}

/* Every pane at the smallest size the program takes and at a large one. */
static void every_pane_at_two_sizes(void **state)
{
    struct ui *u = *state;
    static const struct {
        const char *key, *name;
    } panes[] = {{"1", "directory"}, {"2", "wishlist"}, {"3", "matches"},       {"4", "sessions"},
                 {"5", "notes"},     {"6", "profile"},  {"n", "notifications"}, {"?", "help"}};
    static const char *const sizes[] = {"80x24", "200x60"};
    for (size_t z = 0; z < 2; z++) {
        char script[4096];
        size_t o = (size_t)snprintf(script, sizeof script, ":wait-sync\n");
        for (size_t i = 0; i < sizeof panes / sizeof panes[0]; i++)
            o += (size_t)snprintf(
                script + o, sizeof script - o, "%s\n:save-display %%s/pane-%s-%s.txt\n%s",
                panes[i].key, sizes[z], panes[i].name, strcmp(panes[i].key, "?") ? "" : "<Esc>\n");
        snprintf(script + o, sizeof script - o, "q\n");
        play(u, KOFI, sizes[z], script);
        for (size_t i = 0; i < sizeof panes / sizeof panes[0]; i++) {
            char name[64];
            snprintf(name, sizeof name, "pane-%s-%s", sizes[z], panes[i].name);
            expect_screen(u, name);
        }
    }
}

static void server_exits_cleanly(void **state)
{
    struct ui *u = *state;
    assert_int_equal(harness_stop_server(u->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(online_story),         cmocka_unit_test(offline_story),
        cmocka_unit_test(refusal_shown),        cmocka_unit_test(freeze_and_unfreeze),
        cmocka_unit_test(programmes_switched),  cmocka_unit_test(every_pane_at_two_sizes),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

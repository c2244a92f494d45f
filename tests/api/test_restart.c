/* test_restart.c - mentod killed at any moment (SIGKILL: nothing flushed,
 * nothing cleaned up) loses no write it acknowledged, and applies no time
 * rule twice, also when the moment of a rule passed while it was down. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KILL_ROUNDS 6
#define MAX_ACKED 4096
#define DAY 86400

struct writer {
    const struct harness *h;
    int id;
    char token[128];
    _Atomic bool stop;
    /* What the server acknowledged before it died. */
    int last_bio;             /* highest n of a 200 to PUT bio "n" */
    char acked[64][128];      /* e-mails of 201s to POST /v1/accounts */
    int n_acked;
    int attempts;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Alternately register an account and set the writer's bio to the next
 * number, until the server goes away. */
static void *write_until_killed(void *arg)
{
    struct writer *w = arg;
    for (int n = 1; !atomic_load(&w->stop); n++) {
        char body[600], email[128];
        snprintf(email, sizeof email, "restart-%d-%d-%d-%ld@example.org", w->id, n, w->attempts,
                 (long)getpid());
        snprintf(body, sizeof body,
                 "{\"email\":\"%s\",\"password\":\"%s\",\"programme\":\"together\","
                 "\"roles\":[\"mentee\"],\"profile\":{\"name\":\"Restart %d\",\"grade\":\"P-3\","
                 "\"job_network\":\"Management and Operations\",\"entity\":\"UNHQ\","
                 "\"duty_station\":\"New York\",\"timezone\":\"America/New_York\","
                 "\"languages\":[\"en\"],\"years_experience\":8,"
                 "\"appointment_type\":\"fixed-term\"}}",
                 email, HARNESS_PASSWORD, n);
        long st = harness_request(w->h, "POST", "/v1/accounts", NULL, body, NULL, NULL, NULL);
        w->attempts++;
        if (st == 201 && w->n_acked < 64)
            snprintf(w->acked[w->n_acked++], sizeof w->acked[0], "%s", email);
        else if (st < 0)
            break;
        char bio[64];
        snprintf(bio, sizeof bio, "{\"value\":\"%d\"}", n);
        st = harness_request(w->h, "PUT", "/v1/me/profile/bio", w->token, bio, NULL, NULL, NULL);
        if (st == 200)
            w->last_bio = n;
        else if (st < 0)
            break;
    }
    return NULL;
}

static void register_user(struct harness *h, const char *name, const char *roles,
                          struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    harness_json_set_str(p, "timezone", "Europe/Paris");
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static void acknowledged_writes_survive_sigkill(void **state)
{
    struct harness *h = *state;
    enum { WRITERS = 2 };
    struct harness_user users[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        register_user(h, "Writer", "mentee", &users[i]);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int total_acked = 0;
    for (int round = 0; round < KILL_ROUNDS; round++) {
        struct writer w[WRITERS];
        pthread_t t[WRITERS];
        for (int i = 0; i < WRITERS; i++) {
            w[i] = (struct writer){.h = h, .id = round * WRITERS + i};
            snprintf(w[i].token, sizeof w[i].token, "%.127s", users[i].token);
            assert_int_equal(pthread_create(&t[i], NULL, write_until_killed, &w[i]), 0);
        }
        /* Kill at a random moment while both write. */
        sleep_ms(100 + (long)(rand_r(&seed) % 400));
        harness_crash(h);
        for (int i = 0; i < WRITERS; i++) {
            atomic_store(&w[i].stop, true);
            pthread_join(t[i], NULL);
        }
        assert_int_equal(harness_restart(h, SIGKILL, 0), 0);
        /* What the writers were told is what must be there. */
        for (int i = 0; i < WRITERS; i++) {
            struct harness_resp r = {0};
            harness_call(h, "GET", "/v1/me/profile", users[i].token, NULL, NULL, &r);
            harness_expect_status(&r, 200);
            const char *bio = harness_str(r.json, "bio");
            int stored = bio ? atoi(bio) : 0;
            if (stored < w[i].last_bio)
                fail_msg("round %d writer %d: bio %d acknowledged, %d stored", round, i,
                         w[i].last_bio, stored);
            for (int k = 0; k < w[i].n_acked; k++) {
                struct harness_user u = {0};
                snprintf(u.email, sizeof u.email, "%s", w[i].acked[k]);
                snprintf(u.password, sizeof u.password, "%s", HARNESS_PASSWORD);
                long st = harness_login(h, &u, &r);
                if (st != 200)
                    fail_msg("round %d: account %s was acknowledged, login answers %ld", round,
                             u.email, st);
            }
            total_acked += w[i].n_acked + (w[i].last_bio > 0);
            harness_resp_free(&r);
        }
    }
    /* The rounds did write something (the check above was not vacuous). */
    assert_true(total_acked > KILL_ROUNDS);
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/health", NULL, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
}

static int count_kind(struct harness *h, const struct harness_user *u, const char *kind)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?programme=together&per_page=200", u->token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        if (k && strcmp(k, kind) == 0)
            n++;
    }
    harness_resp_free(&r);
    return n;
}

/* A request's reminder and expiry fall due while the server is down: each
 * happens once after the restart, and killing the server again right after
 * (before or after the rule ran) never repeats it. */
static void time_rules_once_across_restarts(void **state)
{
    struct harness *h = *state;
    struct harness_user mentee, mentor;
    register_user(h, "Waiting Mentee", "mentee", &mentee);
    register_user(h, "Busy Mentor", "mentor", &mentor);
    struct harness_resp r = {0};
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)mentor.id);
    harness_call(h, "POST", "/v1/programmes/together/requests", mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t id = 0;
    assert_true(harness_int(r.json, "id", &id));
    int64_t reminder = harness_parse_time(harness_str(r.json, "reminder_at"));
    int64_t deadline = harness_parse_time(harness_str(r.json, "deadline"));
    assert_true(reminder > 0 && deadline > reminder);

    /* Down across the reminder: it comes once, however often we restart. */
    assert_int_equal(harness_restart(h, SIGKILL, reminder - harness_now(h) + 60), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(harness_restart(h, SIGKILL, 1), 0);
    assert_int_equal(count_kind(h, &mentor, "request_reminder"), 1);

    /* Down across the deadline: expired once, the mentee told once. */
    assert_int_equal(harness_restart(h, SIGKILL, deadline - harness_now(h) + 60), 0);
    assert_int_equal(harness_restart(h, SIGKILL, 1), 0);
    assert_int_equal(harness_restart(h, SIGTERM, 1), 0);
    char path[96];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld", (long long)id);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "state"), "expired");
    assert_int_equal(count_kind(h, &mentee, "request_expired"), 1);
    assert_int_equal(count_kind(h, &mentor, "request_reminder"), 1);
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_writes_survive_sigkill),
        cmocka_unit_test(time_rules_once_across_restarts),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

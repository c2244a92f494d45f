/* test_network.c - the client over an emulated field link (tests/tools/
 * linkemu) to a real mentod: working offline and catching up once, a
 * connection cut in the middle of an answer, and mento killed with SIGKILL
 * at random moments while it syncs: nothing queued is lost, nothing is
 * applied twice. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "link_kit.h"
#include "mento/directory.h"
#include "mento/store.h"
#include "mento/sync.h"

#define MENTORS 12

struct world {
    struct harness *h;
    struct harness_user me;
    struct harness_user mentors[MENTORS];
    char dir[64];
    struct harness_link *link;
    const char *url; /* the server through the link */
    char store_path[128];
    struct store *store;
    struct net *net;
    struct sync sync;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each test starts on a healthy link, whatever the one before left. */
static void link_healthy(struct world *w)
{
    harness_link_cmd(w->link, "accept");
    harness_link_cmd(w->link, "resume");
    harness_link_cmd(w->link, "delay 20");
}

static void person(struct harness *h, const char *name, const char *roles, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0)
        return -1;
    snprintf(w->dir, sizeof w->dir, "/tmp/mento-net-XXXXXX");
    if (!mkdtemp(w->dir))
        return -1;
    person(w->h, "Field Mentee", "mentee", &w->me);
    for (int i = 0; i < MENTORS; i++) {
        char name[32];
        snprintf(name, sizeof name, "Mentor %02d", i);
        person(w->h, name, "mentor", &w->mentors[i]);
    }
    if (harness_link_start(w->h, w->dir, 20, NULL, &w->link) != 0)
        return -1;
    w->url = harness_link_url(w->link);
    snprintf(w->store_path, sizeof w->store_path, "%s/store.db", w->dir);
    char err[256];
    if (store_open(&w->store, w->store_path, err, sizeof err) != MENTO_OK)
        return -1;
    struct net_options o = {.base_url = w->url, .connect_timeout_s = 2, .low_speed_time_s = 5};
    if (net_open(&w->net, &o, err, sizeof err) != MENTO_OK)
        return -1;
    net_set_token(w->net, w->me.token);
    sync_init(&w->sync, w->store, w->net, "together", 99);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    net_close(&w->net);
    store_close(&w->store);
    harness_link_stop(w->link);
    harness_stop(w->h);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", w->dir);
    free(w);
    return 0;
}

static struct sync_report run_round(struct world *w)
{
    struct sync_report total = {0};
    sync_request(&w->sync);
    w->sync.retry_at = 0;
    int64_t give_up = now_ms() + 30000;
    for (;;) {
        sync_step(&w->sync, now_ms());
        assert_int_equal(net_wait(w->net, -1, 100, NULL), MENTO_OK);
        struct net_result r;
        while (net_next_result(w->net, &r)) {
            struct sync_report rep;
            assert_true(sync_handle(&w->sync, &r, now_ms(), &rep));
            total.mentors += rep.mentors;
            total.settled += rep.settled;
            total.refused += rep.refused;
            total.failed |= rep.failed;
            if (rep.round_done)
                return total;
        }
        if (now_ms() > give_up)
            fail_msg("the sync round did not end within 30 s");
    }
}

static int server_wishlist_count(struct world *w, int64_t mentor)
{
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/programmes/together/wishlist", w->me.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        int64_t id;
        if (harness_int(it, "mentor_id", &id) && (mentor == 0 || id == mentor))
            n++;
    }
    harness_resp_free(&r);
    return n;
}

/* The link goes; the user browses and filters from the store and adds a
 * mentor to the wish-list; the link comes back and the operation reaches the
 * server once. */
static void offline_then_caught_up(void **state)
{
    struct world *w = *state;
    link_healthy(w);
    struct sync_report rep = run_round(w);
    assert_false(rep.failed);
    assert_int_equal(store_mentor_count(w->store, "together"), MENTORS);

    harness_link_cmd(w->link, "refuse");
    harness_link_cmd(w->link, "drop");
    rep = run_round(w);
    assert_true(rep.failed);
    assert_int_equal(w->sync.link, SYNC_LINK_OFFLINE);

    /* Browsing and filtering need nothing but the store. */
    struct directory d;
    assert_int_equal(directory_load(&d, w->store, "together", NULL, 1795000000), MENTO_OK);
    struct directory_filter f;
    memset(&f, 0, sizeof f);
    snprintf(f.text, sizeof f.text, "mentor 07");
    assert_int_equal(directory_filter(&d, &f, DIRECTORY_BY_NAME), 1);
    int64_t chosen = d.entries[d.view[0]].user_id;
    assert_int_equal(chosen, w->mentors[7].id);
    directory_free(&d);

    char body[64], id[STORE_OP_ID_LEN];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)chosen);
    cJSON *b = cJSON_Parse(body);
    assert_int_equal(store_outbox_append(w->store, "together", "wishlist.add", b, 5, id), MENTO_OK);
    cJSON_Delete(b);
    rep = run_round(w); /* still offline: kept */
    assert_true(rep.failed);
    assert_int_equal(store_outbox_count(w->store, "together"), 1);
    assert_int_equal(server_wishlist_count(w, chosen), 0);

    harness_link_cmd(w->link, "accept");
    rep = run_round(w);
    assert_false(rep.failed);
    assert_int_equal(rep.settled, 1);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(store_outbox_count(w->store, "together"), 0);
    assert_int_equal(server_wishlist_count(w, chosen), 1);
    assert_int_equal(w->sync.link, SYNC_LINK_ONLINE);
}

/* An answer cut in the middle leaves the store exactly as it was; the next
 * sync completes. */
static void cut_mid_answer_changes_nothing(void **state)
{
    struct world *w = *state;
    link_healthy(w);
    /* Something new to bring down. */
    struct harness_user late;
    person(w->h, "Late Mentor", "mentor", &late);
    char before[STORE_CURSOR_MAX];
    assert_int_equal(store_cursor(w->store, "together", before, sizeof before), MENTO_OK);
    int mentors = store_mentor_count(w->store, "together");

    /* The cut applies to the next connection: close the kept-alive ones. */
    harness_link_cmd(w->link, "drop");
    harness_link_cmd(w->link, "cut-after 300");
    struct sync_report rep = run_round(w);
    assert_true(rep.failed);
    char after[STORE_CURSOR_MAX];
    store_cursor(w->store, "together", after, sizeof after);
    assert_string_equal(before, after);
    assert_int_equal(store_mentor_count(w->store, "together"), mentors);

    rep = run_round(w);
    assert_false(rep.failed);
    assert_int_equal(store_mentor_count(w->store, "together"), mentors + 1);
}

/* `mento sync` killed with SIGKILL at random moments, again and again, with
 * operations queued: in the end each reached the server exactly once. */
static void killed_at_any_moment(void **state)
{
    struct world *w = *state;
    link_healthy(w);
    const char *mento = getenv("MENTO");
    if (!mento)
        fail_msg("MENTO is not set");
    char xdg[128], data[160], path[1024];
    snprintf(xdg, sizeof xdg, "%s/xdg", w->dir);
    mkdir(xdg, 0700);
    snprintf(data, sizeof data, "%s/data", xdg);
    mkdir(data, 0700);
    snprintf(path, sizeof path, "%s/mento", data);
    mkdir(path, 0700);
    /* The login mento would have kept. */
    snprintf(path, sizeof path, "%s/mento/session.json", data);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"server\":\"%s\",\"email\":\"%s\",\"token\":\"%s\"}", w->url, w->me.email,
            w->me.token);
    fclose(f);
    /* Its store: <server>--<email>.db with unsafe characters replaced. */
    char name[400];
    snprintf(name, sizeof name, "%s--%s", w->url, w->me.email);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '@'))
            *p = '_';
    snprintf(path, sizeof path, "%s/mento/%s.db", data, name);
    struct store *s = NULL;
    char err[256];
    assert_int_equal(store_open(&s, path, err, sizeof err), MENTO_OK);
    int before = server_wishlist_count(w, 0);
    int queued = 0;
    for (int i = 0; i < MENTORS; i++) {
        if (i == 7)
            continue; /* already on the list */
        char body[64], id[STORE_OP_ID_LEN];
        snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->mentors[i].id);
        cJSON *b = cJSON_Parse(body);
        assert_int_equal(store_outbox_append(s, "together", "wishlist.add", b, 6, id), MENTO_OK);
        cJSON_Delete(b);
        queued++;
    }
    store_close(&s);
    harness_link_cmd(w->link, "delay 40"); /* room to land a kill in the middle of a round */

    unsigned seed = (unsigned)time(NULL);
    int kills = 0, rounds = 0;
    for (; rounds < 200; rounds++) {
        pid_t pid = fork();
        if (pid == 0) {
            setenv("XDG_DATA_HOME", data, 1);
            snprintf(path, sizeof path, "%s/config", xdg);
            setenv("XDG_CONFIG_HOME", path, 1);
            snprintf(path, sizeof path, "%s/state", xdg);
            setenv("XDG_STATE_HOME", path, 1);
            int null = open("/dev/null", O_RDWR);
            dup2(null, 1);
            dup2(null, 2);
            execl(mento, "mento", "sync", (char *)NULL);
            _exit(127);
        }
        /* A random moment in a window that widens run after run, so that
         * kills land everywhere from start-up to the last answer, on a fast
         * machine or under a sanitizer, until one run gets through. */
        long window_ms = 20 + 10L * rounds;
        long at_ms = (long)(rand_r(&seed) % (unsigned)window_ms);
        struct timespec ts = {at_ms / 1000, (at_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        int status;
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            kills++;
            continue;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            break; /* a whole sync went through */
    }
    fprintf(stderr, "# %d kills in %d runs of mento sync\n", kills, rounds + 1);
    assert_true(rounds < 200);
    assert_true(kills >= 3); /* it was killed in the middle, more than once */
    /* A last run settles anything a kill left. */
    pid_t pid = fork();
    if (pid == 0) {
        setenv("XDG_DATA_HOME", data, 1);
        snprintf(path, sizeof path, "%s/config", xdg);
        setenv("XDG_CONFIG_HOME", path, 1);
        snprintf(path, sizeof path, "%s/state", xdg);
        setenv("XDG_STATE_HOME", path, 1);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execl(mento, "mento", "sync", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(path, sizeof path, "%s/mento/%s.db", data, name);
    assert_int_equal(store_open(&s, path, err, sizeof err), MENTO_OK);
    assert_int_equal(store_outbox_count(s, "together"), 0);
    struct store_refusal ref[4];
    /* A second application would be refused as already_listed. */
    assert_int_equal(store_refusals(s, "together", ref, 4), 0);
    store_close(&s);
    assert_int_equal(server_wishlist_count(w, 0), before + queued);
    for (int i = 0; i < MENTORS; i++)
        assert_int_equal(server_wishlist_count(w, w->mentors[i].id), 1);
    harness_link_cmd(w->link, "delay 20");
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offline_then_caught_up),
        cmocka_unit_test(cut_mid_answer_changes_nothing),
        cmocka_unit_test(killed_at_any_moment),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

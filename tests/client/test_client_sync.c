/* test_client_sync.c - the client's store, net and sync engine against a
 * real mentod over HTTP: a first sync in pages, operations queued while the
 * server is down and sent once it is back, an answer lost on the way
 * (the same operation sent again is applied once), and a refused token; the
 * resources fetched and revalidated by ETag, calendar files following their
 * session, and answers that are not what they claim kept out of the store. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mento/fetch.h"
#include "mento/store.h"
#include "mento/sync.h"

#define MENTORS 25

struct world {
    struct harness *h;
    struct harness_user me;
    struct harness_user mentors[MENTORS];
    char dir[64];
    char path[96];
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

/* Drive the loop until a round ends; returns the reports' totals. */
static struct sync_report run_round(struct world *w, int *pages)
{
    struct sync_report total = {0};
    *pages = 0;
    sync_request(&w->sync);
    int64_t give_up = now_ms() + 20000;
    for (;;) {
        sync_step(&w->sync, now_ms());
        assert_int_equal(net_wait(w->net, -1, 100, NULL), MENTO_OK);
        struct net_result r;
        while (net_next_result(w->net, &r)) {
            struct sync_report rep;
            assert_true(sync_handle(&w->sync, &r, now_ms(), &rep));
            if (rep.applied)
                (*pages)++;
            total.mentors += rep.mentors;
            total.settled += rep.settled;
            total.refused += rep.refused;
            total.failed |= rep.failed;
            total.programme |= rep.programme;
            if (rep.round_done) {
                total.round_done = true;
                return total;
            }
        }
        if (now_ms() > give_up)
            fail_msg("the sync round did not end within 20 s");
    }
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
    person(w->h, "Client Mentee", "mentee", &w->me);
    for (int i = 0; i < MENTORS; i++) {
        char name[32];
        snprintf(name, sizeof name, "Mentor %02d", i);
        person(w->h, name, "mentor", &w->mentors[i]);
    }
    snprintf(w->dir, sizeof w->dir, "/tmp/mento-client-XXXXXX");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->path, sizeof w->path, "%s/store.db", w->dir);
    char err[256], base[64];
    if (store_open(&w->store, w->path, err, sizeof err) != MENTO_OK)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)harness_port(w->h));
    struct net_options o = {.base_url = base, .connect_timeout_s = 2};
    if (net_open(&w->net, &o, err, sizeof err) != MENTO_OK)
        return -1;
    net_set_token(w->net, w->me.token);
    sync_init(&w->sync, w->store, w->net, "together", 12345);
    w->sync.page_limit = 10;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    net_close(&w->net);
    store_close(&w->store);
    char p[128];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", w->path, suffixes[i]);
        unlink(p);
    }
    rmdir(w->dir);
    harness_stop(w->h);
    free(w);
    return 0;
}

/* The whole directory arrives in pages of 10; the first page is in the store
 * after the first round trip. */
static void first_sync_in_pages(void **state)
{
    struct world *w = *state;
    int pages = 0;
    int64_t before = (int64_t)time(NULL);
    struct sync_report rep = run_round(w, &pages);
    assert_false(rep.failed);
    assert_int_equal(store_mentor_count(w->store, "together"), MENTORS);
    /* The status line's "synced at" is the time of day, not a clock of its own. */
    int64_t at = store_last_sync(w->store, "together");
    assert_true(at >= before && at <= (int64_t)time(NULL));
    assert_true(pages >= 3);
    assert_true(rep.programme); /* the programme (with its resources) on a first sync */
    assert_int_equal(w->sync.round_trips, (unsigned)pages);
    assert_int_equal(w->sync.link, SYNC_LINK_ONLINE);
    /* When it happened, by the wall clock (the status line shows it). */
    int64_t last = store_last_sync(w->store, "together");
    assert_true(last > (int64_t)time(NULL) - 300 && last <= (int64_t)time(NULL) + 1);
    cJSON *profile = store_get(w->store, "together", "profile", NULL);
    assert_non_null(profile);
    assert_string_equal(cJSON_GetObjectItem(profile, "name")->valuestring, "Client Mentee");
    cJSON_Delete(profile);

    /* Nothing changed: one small round trip. */
    uint64_t up = w->sync.bytes_up, down = w->sync.bytes_down;
    rep = run_round(w, &pages);
    assert_int_equal(pages, 1);
    assert_int_equal(rep.mentors, 0);
    assert_false(rep.programme); /* unchanged: not sent, and not fetched again */
    uint64_t cost = (w->sync.bytes_up - up) + (w->sync.bytes_down - down);
    fprintf(stderr, "# a no-change sync: %llu bytes up and down\n", (unsigned long long)cost);
    assert_true(cost < 1024);
}

/* An operation queued with the server down stays queued (offline), and is
 * applied once when the server is back. */
static void queued_offline_sent_when_back(void **state)
{
    struct world *w = *state;
    harness_crash(w->h);
    char id[STORE_OP_ID_LEN];
    cJSON *body = cJSON_Parse("{\"key\":\"bio\",\"value\":\"Written in Juba, offline\"}");
    assert_int_equal(store_outbox_append(w->store, "together", "profile.set", body, 1, id),
                     MENTO_OK);
    cJSON_Delete(body);
    int pages;
    struct sync_report rep = run_round(w, &pages);
    assert_true(rep.failed);
    assert_int_equal(w->sync.link, SYNC_LINK_OFFLINE);
    assert_int_equal(store_outbox_count(w->store, "together"), 1);
    assert_non_null(strstr(w->sync.message, "offline"));

    assert_int_equal(harness_restart(w->h, SIGKILL, 0), 0);
    rep = run_round(w, &pages);
    assert_false(rep.failed);
    assert_int_equal(rep.settled, 1);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(store_outbox_count(w->store, "together"), 0);
    assert_int_equal(w->sync.link, SYNC_LINK_ONLINE);
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/me/profile", w->me.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "bio"), "Written in Juba, offline");
    /* The store has the server's word for it too. */
    cJSON *profile = store_get(w->store, "together", "profile", NULL);
    assert_string_equal(cJSON_GetObjectItem(profile, "bio")->valuestring,
                        "Written in Juba, offline");
    cJSON_Delete(profile);
    harness_resp_free(&r);
}

/* The answer to a round is lost (the client quits or the link drops after
 * the server acted): the next round sends the same operation with the same
 * id, and the server answers it from its memory instead of acting again. To
 * tell the two apart, the same answer is changed from another device in
 * between: acting again would overwrite that change. */
static void lost_answer_is_not_applied_twice(void **state)
{
    struct world *w = *state;
    char id[STORE_OP_ID_LEN];
    cJSON *body = cJSON_Parse("{\"key\":\"bio\",\"value\":\"From the field laptop\"}");
    assert_int_equal(store_outbox_append(w->store, "together", "profile.set", body, 2, id),
                     MENTO_OK);
    cJSON_Delete(body);
    /* One round whose answer is dropped unread. */
    sync_request(&w->sync);
    sync_step(&w->sync, now_ms());
    assert_true(w->sync.running);
    struct net_result r;
    int64_t give_up = now_ms() + 10000;
    while (!net_next_result(w->net, &r)) {
        assert_int_equal(net_wait(w->net, -1, 100, NULL), MENTO_OK);
        if (now_ms() > give_up)
            fail_msg("no answer");
    }
    assert_int_equal(r.status, 200);
    net_result_free(&r);
    w->sync.running = false; /* as after a restart of the client */
    assert_int_equal(store_outbox_count(w->store, "together"), 1);

    /* Meanwhile, from another device. */
    struct harness_resp hr = {0};
    harness_call(w->h, "PUT", "/v1/me/profile/bio", w->me.token,
                 "{\"value\":\"From the office desktop\"}", NULL, &hr);
    harness_expect_status(&hr, 200);

    int pages;
    struct sync_report rep = run_round(w, &pages);
    assert_false(rep.failed);
    assert_int_equal(rep.settled, 1);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(store_outbox_count(w->store, "together"), 0);
    harness_call(w->h, "GET", "/v1/me/profile", w->me.token, NULL, NULL, &hr);
    harness_expect_status(&hr, 200);
    assert_string_equal(harness_str(hr.json, "bio"), "From the office desktop");
    harness_resp_free(&hr);
    cJSON *profile = store_get(w->store, "together", "profile", NULL);
    assert_string_equal(cJSON_GetObjectItem(profile, "bio")->valuestring,
                        "From the office desktop");
    cJSON_Delete(profile);
}

/* A token the server no longer accepts stops the sync with a clear word
 * and keeps the outbox. */
static void refused_token_keeps_outbox(void **state)
{
    struct world *w = *state;
    net_set_token(w->net, "not-a-token");
    char id[STORE_OP_ID_LEN];
    cJSON *body = cJSON_Parse("{\"key\":\"bio\",\"value\":\"later\"}");
    store_outbox_append(w->store, "together", "profile.set", body, 3, id);
    cJSON_Delete(body);
    int pages;
    struct sync_report rep = run_round(w, &pages);
    assert_true(rep.failed);
    assert_true(w->sync.needs_login);
    assert_non_null(strstr(w->sync.message, "login"));
    assert_int_equal(store_outbox_count(w->store, "together"), 1);
    net_set_token(w->net, w->me.token);
    rep = run_round(w, &pages);
    assert_false(rep.failed);
    assert_int_equal(store_outbox_count(w->store, "together"), 0);
}

/* A captive portal: answers every request with a page of HTML. */
static void *portal(void *arg)
{
    int ls = *(int *)arg;
    for (int served = 0; served < 8; served++) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            break;
        char buf[8192];
        ssize_t n = recv(c, buf, sizeof buf, 0);
        (void)n;
        static const char page[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                   "Content-Length: 38\r\nConnection: close\r\n\r\n"
                                   "<html>Please log in to the Wi-Fi</html>";
        if (send(c, page, sizeof page - 2, 0) < 0)
            break;
        close(c);
    }
    return NULL;
}

/* Something that is not the API answers (a hotel's login page): the client
 * says so, stays offline and keeps everything. */
static void not_the_api_is_named(void **state)
{
    struct world *w = *state;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 8), 0);
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, portal, &ls), 0);
    char url[64], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    struct net *n = NULL;
    struct net_options o = {.base_url = url, .connect_timeout_s = 2};
    assert_int_equal(net_open(&n, &o, err, sizeof err), MENTO_OK);
    struct sync s;
    sync_init(&s, w->store, n, "together", 5);
    char before[STORE_CURSOR_MAX];
    store_cursor(w->store, "together", before, sizeof before);
    sync_request(&s);
    sync_step(&s, now_ms());
    struct net_result r;
    int64_t give_up = now_ms() + 10000;
    while (!net_next_result(n, &r)) {
        net_wait(n, -1, 100, NULL);
        if (now_ms() > give_up)
            fail_msg("no answer from the portal");
    }
    struct sync_report rep;
    assert_true(sync_handle(&s, &r, now_ms(), &rep));
    assert_true(rep.failed);
    assert_int_equal(s.link, SYNC_LINK_OFFLINE);
    assert_non_null(strstr(s.message, "not the mento API"));
    char after[STORE_CURSOR_MAX];
    store_cursor(w->store, "together", after, sizeof after);
    assert_string_equal(before, after);
    net_close(&n);
    shutdown(ls, SHUT_RDWR);
    close(ls);
    pthread_join(t, NULL);
}

/* Drive the fetches until none is left; the reports' failures are counted
 * and the last report kept. */
static int run_fetch(struct net *n, struct fetch *f, struct fetch_report *last)
{
    int failures = 0;
    int64_t give_up = now_ms() + 20000;
    memset(last, 0, sizeof *last);
    for (;;) {
        fetch_step(f, true);
        if (!fetch_busy(f, true))
            return failures;
        assert_int_equal(net_wait(n, -1, 100, NULL), MENTO_OK);
        struct net_result r;
        while (net_next_result(n, &r)) {
            struct fetch_report rep;
            if (!fetch_handle(f, &r, 1000, &rep)) {
                net_result_free(&r);
                continue;
            }
            failures += rep.failed;
            *last = rep;
        }
        if (now_ms() > give_up)
            fail_msg("the fetches did not end within 20 s");
    }
}

/* The programme's resources arrive whole; asked again, the ETag saves the
 * download (304) and the kept copy stays. */
static void resources_fetched_then_revalidated(void **state)
{
    struct world *w = *state;
    struct fetch f;
    fetch_init(&f, w->store, w->net, "together");
    fetch_resources(&f);
    struct fetch_report rep;
    assert_int_equal(run_fetch(w->net, &f, &rep), 0);
    assert_int_equal(rep.what, FETCH_RESOURCES);
    assert_int_equal(rep.status, 200);
    assert_true(rep.stored);
    cJSON *list = store_resources_list(w->store, "together");
    assert_true(cJSON_GetArraySize(list) >= 3);
    bool handbook = false, agenda = false, topic = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const char *kind = cJSON_GetObjectItem(it, "kind")->valuestring;
        handbook |= strcmp(kind, "handbook") == 0;
        agenda |= strcmp(kind, "agenda") == 0;
        topic |= strcmp(kind, "topic") == 0;
    }
    assert_true(handbook && agenda && topic);
    char *body = store_resource_body(
        w->store, "together", cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuestring);
    assert_non_null(body);
    assert_true(body[0] == '#');
    free(body);
    cJSON_Delete(list);
    char etag[128];
    int64_t at;
    store_resources_etag(w->store, "together", etag, sizeof etag, &at);
    assert_true(etag[0] != '\0');

    fetch_resources(&f);
    assert_int_equal(run_fetch(w->net, &f, &rep), 0);
    assert_int_equal(rep.status, 304);
    assert_false(rep.stored);
    list = store_resources_list(w->store, "together");
    assert_true(cJSON_GetArraySize(list) >= 3);
    cJSON_Delete(list);
}

static int64_t first_id(const struct harness_resp *r)
{
    int64_t id = 0;
    const cJSON *items = cJSON_GetObjectItem(r->json, "items");
    assert_true(harness_int(items ? cJSON_GetArrayItem(items, 0) : r->json, "id", &id));
    return id;
}

/* The file of the stored session, NUL-terminated; fails when there is none. */
static char *kept_calendar(struct world *w, int64_t session)
{
    size_t len;
    char *ics = store_calendar_current(w->store, "together", session, &len);
    if (!ics)
        fail_msg("no current calendar file kept for session %lld", (long long)session);
    assert_int_equal(strlen(ics), len);
    return ics;
}

/* A booked session's file follows the sync; rescheduled, the kept file is
 * stale until the new one arrives; cancelled, the cancelling file comes. */
static void calendars_follow_the_sessions(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char body[256], path[160];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->mentors[3].id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->me.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept",
             (long long)first_id(&r));
    harness_call(w->h, "POST", path, w->mentors[3].token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    harness_call(w->h, "GET", "/v1/programmes/together/pairings?state=active", w->me.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = first_id(&r);
    int64_t start = (harness_now(w->h) / 86400 + 5) * 86400 + 9 * 3600;
    time_t t = (time_t)start;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(body, sizeof body,
             "{\"starts_at\":\"%Y-%m-%dT%H:%M:00Z\",\"timezone\":\"Europe/Zurich\"}", &tm);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    harness_call(w->h, "POST", path, w->me.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t session = first_id(&r);

    int pages;
    assert_false(run_round(w, &pages).failed);
    int64_t ids[4];
    assert_int_equal(store_calendars_missing(w->store, "together", ids, 4), 1);
    assert_int_equal(ids[0], session);
    struct fetch f;
    fetch_init(&f, w->store, w->net, "together");
    fetch_calendars(&f);
    struct fetch_report rep;
    assert_int_equal(run_fetch(w->net, &f, &rep), 0);
    assert_int_equal(store_calendars_missing(w->store, "together", ids, 4), 0);
    char *ics = kept_calendar(w, session);
    assert_non_null(strstr(ics, "METHOD:REQUEST"));
    assert_non_null(strstr(ics, "SEQUENCE:0"));
    assert_non_null(strstr(ics, "TZID=Europe/Zurich"));
    free(ics);

    /* Moved: stale until fetched again. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld", (long long)session);
    t = (time_t)(start + 3600);
    gmtime_r(&t, &tm);
    strftime(body, sizeof body, "{\"starts_at\":\"%Y-%m-%dT%H:%M:00Z\"}", &tm);
    harness_call(w->h, "PATCH", path, w->me.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    assert_false(run_round(w, &pages).failed);
    size_t len;
    assert_null(store_calendar_current(w->store, "together", session, &len));
    fetch_calendars(&f);
    assert_int_equal(run_fetch(w->net, &f, &rep), 0);
    ics = kept_calendar(w, session);
    assert_non_null(strstr(ics, "SEQUENCE:1"));
    free(ics);

    /* Cancelled: the cancelling file, for the user to take it out. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/cancel", (long long)session);
    harness_call(w->h, "POST", path, w->me.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_false(run_round(w, &pages).failed);
    /* The one the user waits for goes without the background's turn. */
    fetch_calendar_now(&f, session);
    assert_int_equal(run_fetch(w->net, &f, &rep), 0);
    assert_true(rep.urgent);
    assert_true(rep.stored);
    ics = kept_calendar(w, session);
    assert_non_null(strstr(ics, "METHOD:CANCEL"));
    free(ics);
    harness_resp_free(&r);
}

/* A server that answers every request with the same made-up answer. */
struct liar {
    int ls;
    const char *answer;
};

static void *lie(void *arg)
{
    struct liar *l = arg;
    for (int served = 0; served < 8; served++) {
        int c = accept(l->ls, NULL, NULL);
        if (c < 0)
            break;
        char buf[8192];
        ssize_t n = recv(c, buf, sizeof buf, 0);
        (void)n;
        if (send(c, l->answer, strlen(l->answer), 0) < 0)
            break;
        close(c);
    }
    return NULL;
}

static void with_liar(struct world *w, const char *status, const char *type, const char *body,
                      struct fetch_report *rep, bool calendar)
{
    char answer[1024];
    snprintf(answer, sizeof answer,
             "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             status, type, strlen(body), body);
    struct liar l = {.ls = socket(AF_INET, SOCK_STREAM, 0), .answer = answer};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l.ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l.ls, 8), 0);
    socklen_t al = sizeof a;
    getsockname(l.ls, (struct sockaddr *)&a, &al);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, lie, &l), 0);
    char url[64], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    struct net *n = NULL;
    struct net_options o = {.base_url = url, .connect_timeout_s = 2};
    assert_int_equal(net_open(&n, &o, err, sizeof err), MENTO_OK);
    struct fetch f;
    fetch_init(&f, w->store, n, "together");
    if (calendar) {
        int64_t ids[1];
        cJSON *sessions = store_list(w->store, "together", "sessions");
        ids[0] = (int64_t)cJSON_GetObjectItem(cJSON_GetArrayItem(sessions, 0), "id")->valuedouble;
        cJSON_Delete(sessions);
        fetch_calendar_now(&f, ids[0]);
    } else {
        fetch_resources(&f);
    }
    assert_int_equal(run_fetch(n, &f, rep), 1);
    net_close(&n);
    shutdown(l.ls, SHUT_RDWR);
    close(l.ls);
    pthread_join(t, NULL);
}

/* Answers that are not what they claim (a login page, broken JSON, the
 * wrong shape, a page instead of a calendar) are named and change nothing. */
static void bad_answers_are_kept_out(void **state)
{
    struct world *w = *state;
    cJSON *before = store_resources_list(w->store, "together");
    char *before_text = cJSON_PrintUnformatted(before);
    cJSON_Delete(before);
    static const struct {
        const char *status, *body, *words;
    } bad[] = {
        {"200 OK", "<html>Log in here</html>", "not JSON"},
        {"200 OK", "{\"items\":7}", "no items array"},
        {"200 OK", "{\"items\":[{\"id\":\"x\",\"kind\":\"topic\"}]}", "title"},
        {"200 OK",
         "{\"items\":[{\"id\":\"x\",\"kind\":\"topic\",\"title\":\"T\",\"body\":\"\xff\"}]}",
         "UTF-8"},
        {"503 Service Unavailable", "", "503"},
        {"404 Not Found",
         "{\"error\":{\"code\":\"unknown_programme\",\"message\":\"There is no such programme\"}}",
         "There is no such programme"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fetch_report rep;
        with_liar(w, bad[i].status, "application/json", bad[i].body, &rep, false);
        assert_true(rep.failed);
        if (!strstr(rep.message, bad[i].words))
            fail_msg("answer %zu: \"%s\" does not say %s", i, rep.message, bad[i].words);
        cJSON *after = store_resources_list(w->store, "together");
        char *after_text = cJSON_PrintUnformatted(after);
        assert_string_equal(before_text, after_text);
        free(after_text);
        cJSON_Delete(after);
    }
    free(before_text);
    /* A page where the calendar file should be. */
    struct fetch_report rep;
    with_liar(w, "200 OK", "text/calendar", "<html>Log in here</html>", &rep, true);
    assert_true(rep.failed);
    assert_non_null(strstr(rep.message, "not a calendar file"));
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_sync_in_pages),
        cmocka_unit_test(queued_offline_sent_when_back),
        cmocka_unit_test(lost_answer_is_not_applied_twice),
        cmocka_unit_test(refused_token_keeps_outbox),
        cmocka_unit_test(not_the_api_is_named),
        cmocka_unit_test(resources_fetched_then_revalidated),
        cmocka_unit_test(calendars_follow_the_sessions),
        cmocka_unit_test(bad_answers_are_kept_out),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

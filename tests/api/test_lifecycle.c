/* test_lifecycle.c - the programme rules of RULES.md walked end to end by
 * several people against one real mentod: languages, a weekend deadline,
 * expiry and the cascade, capacity, racing accepts, a networking pairing,
 * sessions, do-not-match, freeze and auto-end, with the notifications each
 * event produced. The phases run in order and share the people. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define DAY 86400
#define RACE_ROUNDS 12

struct world {
    struct harness *h;
    struct harness_user fatima; /* mentee, French only, Dakar */
    struct harness_user ed;     /* mentor, English only */
    struct harness_user marie;  /* mentor, French and English, Paris, capacity 1 */
    struct harness_user jean;   /* mentor, French, Paris, capacity 2 */
    struct harness_user ana;    /* mentee, becomes marie's mentee */
    struct harness_user paul;   /* mentee, passed on when marie is full */
    struct harness_user nora;   /* mentee, networking with jean, freezes */
    int64_t first_request, cascaded_request;
    int64_t pairing_fj; /* fatima and jean */
    int64_t pairing_am; /* ana and marie */
    int64_t pairing_nj; /* nora and jean */
    int64_t session_ids[3];
};

/* ---- Small helpers ---------------------------------------------------------- */

static void person(struct harness *h, const char *name, const char *roles, const char *langs,
                   const char *tz, int capacity, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    harness_json_set(p, "languages", harness_json_strings(langs));
    harness_json_set_str(p, "timezone", tz);
    struct harness_account a = {.roles = roles, .profile = p, .capacity = capacity};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

/* A call with a JSON body built by printf, expecting `status`; the parsed
 * answer is left in r. */
static void call(struct world *w, const char *method, const char *path,
                 const struct harness_user *u, long status, struct harness_resp *r,
                 const char *body_fmt, ...) __attribute__((format(printf, 7, 8)));
static void call(struct world *w, const char *method, const char *path,
                 const struct harness_user *u, long status, struct harness_resp *r,
                 const char *body_fmt, ...)
{
    char body[2048];
    if (body_fmt) {
        va_list ap;
        va_start(ap, body_fmt);
        vsnprintf(body, sizeof body, body_fmt, ap);
        va_end(ap);
    }
    harness_call(w->h, method, path, u ? u->token : NULL, body_fmt ? body : NULL, NULL, r);
    harness_expect_status(r, status);
}

static int64_t get_int(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v))
        fail_msg("no integer \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "(null)");
    return v;
}

static int64_t get_time(const cJSON *o, const char *key)
{
    const char *s = harness_str(o, key);
    if (!s)
        fail_msg("no time \"%s\"", key);
    return harness_parse_time(s);
}

/* How many of the user's notifications in "together" are of `kind`. */
static int notifications(struct world *w, const struct harness_user *u, const char *kind)
{
    struct harness_resp r = {0};
    int n = 0;
    for (int page = 1;; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/me/notifications?programme=together&per_page=200&page=%d",
                 page);
        call(w, "GET", path, u, 200, &r, NULL);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            const char *k = harness_str(it, "kind");
            if (k && strcmp(k, kind) == 0)
                n++;
        }
        if (cJSON_GetArraySize(items) < 200)
            break;
    }
    harness_resp_free(&r);
    return n;
}

static bool directory_has(struct world *w, const struct harness_user *viewer, int64_t mentor)
{
    struct harness_resp r = {0};
    bool found = false;
    for (int page = 1; !found; page++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?per_page=200&page=%d", page);
        call(w, "GET", path, viewer, 200, &r, NULL);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            if (get_int(it, "user_id") == mentor)
                found = true;
        }
        if (cJSON_GetArraySize(items) < 200)
            break;
    }
    harness_resp_free(&r);
    return found;
}

static const char *request_state(struct world *w, const struct harness_user *mentee, int64_t id,
                                 struct harness_resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld", (long long)id);
    call(w, "GET", path, mentee, 200, r, NULL);
    return harness_str(r->json, "state");
}

/* Send a request and return its id. */
static int64_t send_request(struct world *w, const struct harness_user *mentee,
                            const struct harness_user *mentor, const char *kind)
{
    struct harness_resp r = {0};
    call(w, "POST", "/v1/programmes/together/requests", mentee, 201, &r,
         "{\"mentor_id\":%lld,\"kind\":\"%s\",\"message\":\"Bonjour\"}", (long long)mentor->id,
         kind);
    int64_t id = get_int(r.json, "id");
    harness_resp_free(&r);
    return id;
}

/* The mentor's current request id, 0 when none. */
static int64_t current_request(struct world *w, const struct harness_user *mentor)
{
    struct harness_resp r = {0};
    call(w, "GET", "/v1/programmes/together/requests/current", mentor, 200, &r, NULL);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(r.json, "request");
    int64_t id = cJSON_IsObject(req) ? get_int(req, "id") : 0;
    harness_resp_free(&r);
    return id;
}

/* Accept and return the pairing id. */
static int64_t accept_request(struct world *w, const struct harness_user *mentor, int64_t id)
{
    struct harness_resp r = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)id);
    call(w, "POST", path, mentor, 200, &r, NULL);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r.json, "pairing");
    int64_t pid = get_int(p, "id");
    assert_string_equal(harness_str(p, "state"), "active");
    harness_resp_free(&r);
    return pid;
}

static void get_pairing(struct world *w, const struct harness_user *u, int64_t id,
                        struct harness_resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)id);
    call(w, "GET", path, u, 200, r, NULL);
}

/* Move the server's clock to `t` (forward only). Login tokens expire after
 * 30 days, so everyone logs in again after a long jump. */
static void clock_to(struct world *w, int64_t t)
{
    int64_t now = harness_now(w->h);
    if (t <= now)
        return;
    harness_advance_clock(w->h, t - now);
    if (t - now < 7 * DAY)
        return;
    struct harness_user *people[] = {&w->fatima, &w->ed, &w->marie, &w->jean,
                                     &w->ana,    &w->paul, &w->nora};
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        struct harness_resp r = {0};
        if (harness_login(w->h, people[i], &r) != 200)
            fail_msg("%s cannot log in again", people[i]->email);
        harness_resp_free(&r);
    }
}

/* The UTC instant of a local wall-clock time in zone `tz` (the system's
 * time zone database, independently of the server's libical). */
static int64_t local_to_utc(const char *tz, int y, int mon, int d, int hh, int mm)
{
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = hh,
                    .tm_min = mm, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return (int64_t)t;
}

static void utc_to_local(const char *tz, int64_t t, struct tm *out)
{
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    time_t tt = (time_t)t;
    localtime_r(&tt, out);
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

/* ---- Set-up ------------------------------------------------------------------ */

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0) {
        free(w);
        return -1;
    }
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

static void people_join(void **state)
{
    struct world *w = *state;
    person(w->h, "Fatima Ndiaye", "mentee", "fr", "Africa/Dakar", 0, &w->fatima);
    person(w->h, "Edward Clarke", "mentor", "en", "America/New_York", 0, &w->ed);
    person(w->h, "Marie Lefèvre", "mentor", "fr|en", "Europe/Paris", 1, &w->marie);
    person(w->h, "Jean Moreau", "mentor", "fr", "Europe/Paris", 2, &w->jean);
    person(w->h, "Ana Pereira", "mentee", "fr|en", "Europe/Lisbon", 0, &w->ana);
    person(w->h, "Paul Martin", "mentee", "fr", "Europe/Paris", 0, &w->paul);
    person(w->h, "Nora Haddad", "mentee", "fr", "Asia/Beirut", 0, &w->nora);
}

/* RULES.md: a mentee sees only mentors who share a session language. */
static void french_mentee_cannot_see_english_mentor(void **state)
{
    struct world *w = *state;
    assert_false(directory_has(w, &w->fatima, w->ed.id));
    assert_true(directory_has(w, &w->fatima, w->marie.id));
    assert_true(directory_has(w, &w->fatima, w->jean.id));
    struct harness_resp r = {0};
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->ed.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->fatima.token, body, NULL,
                 &r);
    harness_expect_error(&r, 422, "mentor_unavailable");
    harness_resp_free(&r);
}

/* Sent on a Thursday at 10:00 in Paris: 72 hours later is Sunday, so the
 * deadline is Monday 10:00 there. The reminder comes once after 48 hours;
 * on Sunday the request is still open; on Monday it expires and passes to
 * the next mentor on the wish-list. */
static void weekend_deadline_expiry_and_cascade(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    call(w, "POST", "/v1/programmes/together/wishlist", &w->fatima, 201, &r,
         "{\"mentor_id\":%lld}", (long long)w->marie.id);
    call(w, "POST", "/v1/programmes/together/wishlist", &w->fatima, 201, &r,
         "{\"mentor_id\":%lld}", (long long)w->jean.id);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_int_equal(get_int(cJSON_GetArrayItem(items, 0), "mentor_id"), w->marie.id);

    /* The next Thursday 10:00 in Paris, at least a day ahead. */
    struct tm tm;
    utc_to_local("Europe/Paris", harness_now(w->h) + DAY, &tm);
    int ahead = (4 - tm.tm_wday + 7) % 7;
    int64_t thursday = local_to_utc("Europe/Paris", tm.tm_year + 1900, tm.tm_mon + 1,
                                    tm.tm_mday + ahead, 10, 0);
    clock_to(w, thursday);
    int64_t sent = harness_now(w->h);
    w->first_request = send_request(w, &w->fatima, &w->marie, "mentoring");
    assert_int_equal(current_request(w, &w->marie), w->first_request);
    assert_int_equal(notifications(w, &w->marie, "request_received"), 1);

    request_state(w, &w->fatima, w->first_request, &r);
    struct tm sent_local;
    utc_to_local("Europe/Paris", sent, &sent_local);
    assert_int_equal(sent_local.tm_wday, 4);
    int64_t monday = local_to_utc("Europe/Paris", sent_local.tm_year + 1900, sent_local.tm_mon + 1,
                                  sent_local.tm_mday + 4, sent_local.tm_hour, sent_local.tm_min);
    int64_t deadline = get_time(r.json, "deadline");
    /* Same local time (to the minute) on the Monday. */
    if (deadline / 60 != monday / 60)
        fail_msg("deadline %lld, expected Monday %lld (sent %lld)", (long long)deadline,
                 (long long)monday, (long long)sent);
    assert_true(get_time(r.json, "reminder_at") - get_time(r.json, "sent_at") == 48 * 3600);

    /* Saturday: past the reminder, once only however often time moves. */
    clock_to(w, sent + 49 * 3600);
    clock_to(w, sent + 50 * 3600);
    assert_int_equal(notifications(w, &w->marie, "request_reminder"), 1);
    /* Sunday, past the plain 72 hours: still open. */
    clock_to(w, sent + 73 * 3600);
    assert_string_equal(request_state(w, &w->fatima, w->first_request, &r), "open");
    assert_int_equal(notifications(w, &w->fatima, "request_expired"), 0);
    /* Monday, past the moved deadline. */
    clock_to(w, deadline + 60);
    assert_string_equal(request_state(w, &w->fatima, w->first_request, &r), "expired");
    assert_int_equal(notifications(w, &w->fatima, "request_expired"), 1);
    assert_int_equal(notifications(w, &w->fatima, "request_cascaded"), 1);
    assert_int_equal(current_request(w, &w->marie), 0);
    /* The cascade: the same request to jean, the next on the list. */
    w->cascaded_request = current_request(w, &w->jean);
    assert_true(w->cascaded_request > 0);
    request_state(w, &w->fatima, w->cascaded_request, &r);
    assert_int_equal(get_int(r.json, "cascaded_from"), w->first_request);
    assert_string_equal(harness_str(r.json, "kind"), "mentoring");
    const cJSON *mentor = cJSON_GetObjectItemCaseSensitive(r.json, "mentor");
    assert_int_equal(get_int(mentor, "user_id"), w->jean.id);
    assert_int_equal(notifications(w, &w->jean, "request_received"), 1);
    harness_resp_free(&r);
}

static void cascaded_request_accepted(void **state)
{
    struct world *w = *state;
    w->pairing_fj = accept_request(w, &w->jean, w->cascaded_request);
    struct harness_resp r = {0};
    assert_string_equal(request_state(w, &w->fatima, w->cascaded_request, &r), "accepted");
    assert_int_equal(get_int(r.json, "pairing_id"), w->pairing_fj);
    assert_int_equal(notifications(w, &w->fatima, "request_accepted"), 1);
    assert_int_equal(notifications(w, &w->fatima, "pairing_created"), 1);
    assert_int_equal(notifications(w, &w->jean, "pairing_created"), 1);
    /* The partner card carries the e-mail address; the pairing its kind. */
    get_pairing(w, &w->fatima, w->pairing_fj, &r);
    assert_string_equal(harness_str(r.json, "kind"), "mentoring");
    assert_string_equal(harness_str(r.json, "my_role"), "mentee");
    const cJSON *partner = cJSON_GetObjectItemCaseSensitive(r.json, "partner");
    assert_string_equal(harness_str(partner, "email"), w->jean.email);
    /* Jean left fatima's wish-list when the pairing started. */
    call(w, "GET", "/v1/programmes/together/wishlist", &w->fatima, 200, &r, NULL);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        assert_true(get_int(it, "mentor_id") != w->jean.id);
    }
    harness_resp_free(&r);
}

/* Marie takes one mentee: accepting ana fills her, so paul's open request
 * is passed on and a new one is refused. */
static void mentor_at_capacity(void **state)
{
    struct world *w = *state;
    int64_t ra = send_request(w, &w->ana, &w->marie, "mentoring");
    int64_t rp = send_request(w, &w->paul, &w->marie, "mentoring");
    assert_int_equal(current_request(w, &w->marie), ra); /* the oldest first */
    w->pairing_am = accept_request(w, &w->marie, ra);
    struct harness_resp r = {0};
    assert_string_equal(request_state(w, &w->paul, rp, &r), "passed_on");
    assert_int_equal(notifications(w, &w->paul, "request_mentor_full"), 1);
    assert_int_equal(current_request(w, &w->marie), 0);

    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/mentors/%lld", (long long)w->marie.id);
    call(w, "GET", path, &w->paul, 200, &r, NULL);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "full")));
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->marie.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->paul.token, body, NULL, &r);
    harness_expect_error(&r, 422, "capacity_full");
    harness_resp_free(&r);
}

struct accept_race {
    const struct harness *h;
    char path[128];
    char key[96];
    const char *token;
    long status;
    char *body;
};

static void *race_accept(void *arg)
{
    struct accept_race *a = arg;
    const char *headers[] = {a->key, NULL};
    a->status = harness_request(a->h, "POST", a->path, a->token, NULL, headers, &a->body, NULL);
    return NULL;
}

/* Two accepts of a mentor's last slot at the same moment (two devices, two
 * idempotency keys), many times over: exactly one pairing each time. */
static void racing_accepts_have_one_winner(void **state)
{
    struct world *w = *state;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        struct harness_user mentor, mentee;
        person(w->h, "Race Mentor", "mentor", "fr", "Europe/Paris", 1, &mentor);
        person(w->h, "Race Mentee", "mentee", "fr", "Europe/Paris", 0, &mentee);
        int64_t id = send_request(w, &mentee, &mentor, "mentoring");
        struct accept_race a[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            a[i] = (struct accept_race){.h = w->h, .token = mentor.token};
            snprintf(a[i].path, sizeof a[i].path, "/v1/programmes/together/requests/%lld/accept",
                     (long long)id);
            snprintf(a[i].key, sizeof a[i].key, "Idempotency-Key: race-%d-%d-%lld", round, i,
                     (long long)id);
            assert_int_equal(pthread_create(&t[i], NULL, race_accept, &a[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        int won = (a[0].status == 200) + (a[1].status == 200);
        for (int i = 0; i < 2; i++) {
            if (a[i].status != 200 && a[i].status != 409 && a[i].status != 422)
                fail_msg("round %d: an accept answered %ld: %s", round, a[i].status,
                         a[i].body ? a[i].body : "");
            free(a[i].body);
        }
        if (won != 1)
            fail_msg("round %d: %d accepts won", round, won);
        struct harness_resp r = {0};
        call(w, "GET", "/v1/programmes/together/pairings?state=active", &mentor, 200, &r, NULL);
        assert_int_equal(get_int(r.json, "total"), 1);
        harness_resp_free(&r);
    }
}

static void networking_pairing(void **state)
{
    struct world *w = *state;
    int64_t id = send_request(w, &w->nora, &w->jean, "networking");
    w->pairing_nj = accept_request(w, &w->jean, id);
    struct harness_resp r = {0};
    get_pairing(w, &w->nora, w->pairing_nj, &r);
    assert_string_equal(harness_str(r.json, "kind"), "networking");
    /* Jean (capacity 2) is now full. */
    call(w, "GET", "/v1/me/programmes/together", &w->jean, 200, &r, NULL);
    assert_int_equal(get_int(r.json, "mentees"), 2);
    harness_resp_free(&r);
}

/* Fatima books three sessions two weeks apart at 09:00 in Dakar; jean moves
 * the second; the first is held and marked done with feedback. */
static void sessions_booked_rescheduled_done(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    struct tm tm;
    utc_to_local("Africa/Dakar", harness_now(w->h) + 2 * DAY, &tm);
    int64_t first = local_to_utc("Africa/Dakar", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 9,
                                 0);
    char when[32];
    struct tm g;
    time_t ft = (time_t)first;
    gmtime_r(&ft, &g);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &g);
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)w->pairing_fj);
    call(w, "POST", path, &w->fatima, 201, &r,
         "{\"starts_at\":\"%s\",\"timezone\":\"Africa/Dakar\",\"duration_min\":45,"
         "\"recurrence\":{\"every_weeks\":2,\"count\":3}}",
         when);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    int64_t series = get_int(cJSON_GetArrayItem(items, 0), "series_id");
    for (int i = 0; i < 3; i++) {
        const cJSON *s = cJSON_GetArrayItem(items, i);
        w->session_ids[i] = get_int(s, "id");
        assert_int_equal(get_int(s, "number"), i + 1);
        assert_int_equal(get_int(s, "series_id"), series);
        assert_int_equal(get_time(s, "starts_at"), first + (int64_t)i * 14 * DAY);
    }
    /* One notification for the series, to each member. */
    assert_int_equal(notifications(w, &w->jean, "session_booked"), 1);

    /* Jean moves session 2 by one hour: sequence 1, fatima told, the
     * invitation carries the new SEQUENCE. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld",
             (long long)w->session_ids[1]);
    gmtime_r(&(time_t){(time_t)(first + 14 * DAY + 3600)}, &g);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &g);
    call(w, "PATCH", path, &w->jean, 200, &r, "{\"starts_at\":\"%s\"}", when);
    assert_int_equal(get_int(r.json, "sequence"), 1);
    assert_int_equal(notifications(w, &w->fatima, "session_rescheduled"), 1);
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/calendar",
             (long long)w->session_ids[1]);
    call(w, "GET", path, &w->fatima, 200, &r, NULL);
    assert_true(harness_contains_ci(r.content_type, "text/calendar"));
    assert_non_null(strstr(r.body, "SEQUENCE:1"));
    assert_non_null(strstr(r.body, "TZID=Africa/Dakar"));

    /* Session 1 cannot be done before it starts; after, with feedback. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/done",
             (long long)w->session_ids[0]);
    harness_call(w->h, "POST", path, w->fatima.token,
                 "{\"rating\":4,\"progress\":\"some\",\"fit\":\"good_fit\"}", NULL, &r);
    harness_expect_error(&r, 422, "session_in_future");
    clock_to(w, first + 3600);
    call(w, "POST", path, &w->fatima, 200, &r,
         "{\"rating\":4,\"progress\":\"some\",\"fit\":\"good_fit\","
         "\"comment\":\"A private word for the administrators\"}");
    assert_string_equal(harness_str(cJSON_GetObjectItemCaseSensitive(r.json, "session"), "state"),
                        "done");
    assert_null(strstr(r.body, "private word"));
    /* The partner sees the session done, never fatima's feedback. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld",
             (long long)w->session_ids[0]);
    call(w, "GET", path, &w->jean, 200, &r, NULL);
    assert_string_equal(harness_str(r.json, "state"), "done");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "feedback_given")));
    assert_null(strstr(r.body, "private word"));
    get_pairing(w, &w->jean, w->pairing_fj, &r);
    assert_int_equal(get_int(r.json, "sessions_done"), 1);
    harness_resp_free(&r);
}

/* Ana ends her pairing with marie: "do not match us again". */
static void pairing_ended_do_not_match(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end",
             (long long)w->pairing_am);
    call(w, "POST", path, &w->ana, 200, &r,
         "{\"reason\":\"not_a_good_fit\",\"comment\":\"Different expectations\","
         "\"do_not_match\":true}");
    assert_string_equal(harness_str(r.json, "state"), "ended");
    assert_string_equal(harness_str(r.json, "end_reason"), "not_a_good_fit");
    assert_int_equal(notifications(w, &w->marie, "pairing_ended"), 1);
    assert_int_equal(notifications(w, &w->ana, "pairing_ended"), 0);
    /* Marie has room again, but not for ana, and ana no longer sees her. */
    assert_false(directory_has(w, &w->ana, w->marie.id));
    assert_true(directory_has(w, &w->paul, w->marie.id));
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->marie.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->ana.token, body, NULL, &r);
    harness_expect_error(&r, 422, "mentor_unavailable");
    harness_resp_free(&r);
}

/* Nora freezes: asked to confirm, then her pairing ends and jean is told. */
static void freeze_ends_pairings(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    harness_call(w->h, "POST", "/v1/me/freeze", w->nora.token, "{}", NULL, &r);
    harness_expect_error(&r, 422, "confirmation_required");
    call(w, "POST", "/v1/me/freeze", &w->nora, 200, &r, "{\"end_pairings\":true}");
    const cJSON *ended = cJSON_GetObjectItemCaseSensitive(r.json, "ended_pairings");
    assert_int_equal(cJSON_GetArraySize(ended), 1);
    assert_int_equal(get_int(cJSON_GetArrayItem(ended, 0), "id"), w->pairing_nj);
    assert_string_equal(harness_str(cJSON_GetArrayItem(ended, 0), "end_reason"), "frozen");
    assert_int_equal(notifications(w, &w->jean, "pairing_ended"), 1);
    call(w, "GET", "/v1/me/programmes/together", &w->jean, 200, &r, NULL);
    assert_int_equal(get_int(r.json, "mentees"), 1);
    /* While frozen she cannot send requests; unfreezing restores her. */
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->marie.id);
    harness_call(w->h, "POST", "/v1/programmes/together/requests", w->nora.token, body, NULL, &r);
    harness_expect_error(&r, 422, "account_frozen");
    call(w, "POST", "/v1/me/unfreeze", &w->nora, 200, &r, "{}");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "frozen")));
    get_pairing(w, &w->nora, w->pairing_nj, &r);
    assert_string_equal(harness_str(r.json, "state"), "ended");
    harness_resp_free(&r);
}

/* Fatima and jean hold no session for three months: warned two weeks
 * before, once, then the pairing ends by itself. */
static void auto_end_after_three_months(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    get_pairing(w, &w->fatima, w->pairing_fj, &r);
    int64_t started = get_time(r.json, "started_at");
    int64_t last_done = get_time(r.json, "last_done_at");
    int64_t auto_end = get_time(r.json, "auto_end_at");
    int64_t from = started > last_done ? started : last_done;
    assert_int_equal(auto_end, from + 90 * (int64_t)DAY);

    clock_to(w, auto_end - 14 * DAY - 60);
    assert_int_equal(notifications(w, &w->fatima, "pairing_auto_end_warning"), 0);
    clock_to(w, auto_end - 14 * DAY + 60);
    clock_to(w, auto_end - 7 * DAY);
    assert_int_equal(notifications(w, &w->fatima, "pairing_auto_end_warning"), 1);
    assert_int_equal(notifications(w, &w->jean, "pairing_auto_end_warning"), 1);
    get_pairing(w, &w->fatima, w->pairing_fj, &r);
    assert_string_equal(harness_str(r.json, "state"), "active");

    clock_to(w, auto_end + 60);
    get_pairing(w, &w->fatima, w->pairing_fj, &r);
    assert_string_equal(harness_str(r.json, "state"), "ended");
    assert_string_equal(harness_str(r.json, "end_reason"), "inactive");
    assert_string_equal(harness_str(r.json, "ended_by"), "system");
    clock_to(w, auto_end + 2 * DAY);
    assert_int_equal(notifications(w, &w->fatima, "pairing_auto_ended"), 1);
    assert_int_equal(notifications(w, &w->jean, "pairing_auto_ended"), 1);
    harness_resp_free(&r);
}

/* Everything above reached the people through sync as well. */
static void sync_carries_the_story(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    int pairings = 0, notes = 0;
    char cursor[512] = "";
    for (int round = 0; round < 50; round++) {
        call(w, "POST", "/v1/sync", &w->fatima, 200, &r,
             "{\"programme\":\"together\",\"cursor\":\"%s\",\"limit\":2000}", cursor);
        const cJSON *changes = cJSON_GetObjectItemCaseSensitive(r.json, "changes");
        pairings += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(changes, "pairings"));
        notes += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(changes, "notifications"));
        snprintf(cursor, sizeof cursor, "%s", harness_str(r.json, "cursor"));
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "more")))
            break;
    }
    assert_int_equal(pairings, 1);
    assert_true(notes >= 5);
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
        cmocka_unit_test(people_join),
        cmocka_unit_test(french_mentee_cannot_see_english_mentor),
        cmocka_unit_test(weekend_deadline_expiry_and_cascade),
        cmocka_unit_test(cascaded_request_accepted),
        cmocka_unit_test(mentor_at_capacity),
        cmocka_unit_test(racing_accepts_have_one_winner),
        cmocka_unit_test(networking_pairing),
        cmocka_unit_test(sessions_booked_rescheduled_done),
        cmocka_unit_test(pairing_ended_do_not_match),
        cmocka_unit_test(freeze_ends_pairings),
        cmocka_unit_test(auto_end_after_three_months),
        cmocka_unit_test(sync_carries_the_story),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

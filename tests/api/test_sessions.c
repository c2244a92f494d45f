/* test_sessions.c - the session plan over HTTP: booking once and recurring across a
 * daylight-saving change, rescheduling, cancelling, the iCalendar file, feedback, sync. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>

#define HOUR 3600
#define DAY  (24 * HOUR)

/* ---- Helpers ------------------------------------------------------------------ */

static void reg(struct harness *h, const char *name, const char *roles, const char *tz,
                struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    if (tz)
        harness_json_set_str(p, "timezone", tz);
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int64_t int_of(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v))
        fail_msg("no integer \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "null");
    return v;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const char *s = harness_str(o, key);
    if (!s)
        fail_msg("no string \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "null");
    return s;
}

static const cJSON *member(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A mentee's request accepted by the mentor: the new pairing's id. */
static int64_t pair_up(struct harness *h, const struct harness_user *mentor,
                       const struct harness_user *mentee, const char *kind)
{
    char body[160], path[160];
    struct harness_resp r = {0};
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"kind\":\"%s\"}", (long long)mentor->id,
             kind);
    harness_call(h, "POST", "/v1/programmes/together/requests", mentee->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = int_of(r.json, "id");
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(h, "POST", path, mentor->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = int_of(member(r.json, "pairing"), "id");
    harness_resp_free(&r);
    return pairing;
}

static void plan_get(struct harness *h, const struct harness_user *u, int64_t pairing,
                     struct harness_resp *r)
{
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    harness_call(h, "GET", path, u->token, NULL, NULL, r);
}

static void book(struct harness *h, const struct harness_user *u, int64_t pairing, const char *body,
                 const char *const *headers, struct harness_resp *r)
{
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    harness_call(h, "POST", path, u->token, body, headers, r);
}

/* METHOD /v1/programmes/together/sessions/{id}[/verb]. */
static void sess_call(struct harness *h, const struct harness_user *u, const char *method,
                      int64_t id, const char *verb, const char *body, struct harness_resp *r)
{
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld%s%s", (long long)id,
             verb ? "/" : "", verb ? verb : "");
    harness_call(h, method, path, u ? u->token : NULL, body, NULL, r);
}

/* `tmpl` with its one "%s" replaced by `value`. */
static void fill(char *out, size_t cap, const char *tmpl, const char *value)
{
    const char *at = strstr(tmpl, "%s");
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + 2);
}

static void rfc3339(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A whole minute at least `ahead` seconds after the server's clock. */
static int64_t later(struct harness *h, int64_t ahead)
{
    int64_t t = harness_now(h) + ahead;
    return t - t % 60 + 60;
}

/* Book one session at `t` in `tz`: the session object. */
static int64_t book_one(struct harness *h, const struct harness_user *u, int64_t pairing, int64_t t,
                        const char *tz, int duration)
{
    char when[32], body[256];
    rfc3339(t, when, sizeof when);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\",\"timezone\":\"%s\",\"duration_min\":%d}",
             when, tz, duration);
    struct harness_resp r = {0};
    book(h, u, pairing, body, NULL, &r);
    harness_expect_status(&r, 201);
    const cJSON *items = member(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    int64_t id = int_of(cJSON_GetArrayItem(items, 0), "id");
    harness_resp_free(&r);
    return id;
}

static void session_get(struct harness *h, const struct harness_user *u, int64_t id,
                        struct harness_resp *r)
{
    sess_call(h, u, "GET", id, NULL, NULL, r);
    harness_expect_status(r, 200);
}

/* How many of `u`'s notifications are of `kind` and point at `ref_id` (0: any). */
static int count_notes(struct harness *h, const struct harness_user *u, const char *kind,
                       int64_t ref_id)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?programme=together&per_page=200", u->token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, member(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        int64_t ref = 0;
        if (k && strcmp(k, kind) == 0 &&
            (ref_id <= 0 || (harness_int(it, "ref_id", &ref) && ref == ref_id)))
            n++;
    }
    harness_resp_free(&r);
    return n;
}

#define expect_notes(h, u, kind, ref_id, n)                                                        \
    do {                                                                                           \
        int got_ = count_notes((h), (u), (kind), (ref_id));                                        \
        if (got_ != (n))                                                                           \
            fail_msg("%d %s notifications, expected %d", got_, (kind), (n));                       \
    } while (0)

/* ---- Local time, computed with the C library (not libical) -------------------------- */

struct tz_scope {
    char saved[256];
    bool had;
};

static void tz_enter(struct tz_scope *s, const char *tz)
{
    const char *old = getenv("TZ");
    s->had = old != NULL;
    snprintf(s->saved, sizeof s->saved, "%s", old ? old : "");
    setenv("TZ", tz, 1);
    tzset();
}

static void tz_leave(struct tz_scope *s)
{
    if (s->had)
        setenv("TZ", s->saved, 1);
    else
        unsetenv("TZ");
    tzset();
}

static void local_fields(const char *tz, int64_t t, struct tm *out)
{
    struct tz_scope s;
    tz_enter(&s, tz);
    time_t tt = (time_t)t;
    localtime_r(&tt, out);
    tz_leave(&s);
}

/* The instant of a local wall-clock time in `tz`. */
static int64_t local_instant(const char *tz, int year, int month, int day, int hour, int minute)
{
    struct tz_scope s;
    tz_enter(&s, tz);
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;
    int64_t t = (int64_t)mktime(&tm);
    tz_leave(&s);
    return t;
}

/* The first day (its local noon) after `from` on which `tz`'s UTC offset differs
 * from the day before. */
static int64_t next_offset_change(const char *tz, int64_t from)
{
    struct tm prev, cur;
    local_fields(tz, from, &prev);
    for (int d = 1; d < 400; d++) {
        local_fields(tz, from + (int64_t)d * DAY, &cur);
        if (cur.tm_gmtoff != prev.tm_gmtoff)
            return from + (int64_t)d * DAY;
        prev = cur;
    }
    fail_msg("no offset change in %s within 400 days", tz);
    return 0;
}

/* ---- iCalendar --------------------------------------------------------------------- */

/* GET the calendar file, check its transport form (text/calendar, CRLF lines of
 * at most 75 octets) and parse it with libical. */
static icalcomponent *calendar_get(struct harness *h, const struct harness_user *u, int64_t id)
{
    struct harness_resp r = {0};
    sess_call(h, u, "GET", id, "calendar", NULL, &r);
    harness_expect_status(&r, 200);
    if (strncmp(r.content_type, "text/calendar", 13) != 0)
        fail_msg("calendar content type %s", r.content_type);
    char want[96];
    snprintf(want, sizeof want, "attachment; filename=\"mento-session-%lld.ics\"", (long long)id);
    assert_string_equal(r.disposition, want);
    const char *line = r.body;
    while (*line) {
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            fail_msg("a line does not end with CRLF: %.80s", line);
        if (eol - line > 75)
            fail_msg("a line is longer than 75 octets: %.100s", line);
        if (memchr(line, '\n', (size_t)(eol - line)))
            fail_msg("a bare LF inside: %.80s", line);
        line = eol + 2;
    }
    icalcomponent *cal = icalparser_parse_string(r.body);
    if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
        fail_msg("not a VCALENDAR: %s", r.body);
    harness_resp_free(&r);
    return cal;
}

static icalcomponent *only_event(icalcomponent *cal)
{
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    return icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
}

/* DTSTART must be local time with TZID=`tz`, equal to instant `t` both by its
 * wall-clock fields (computed here with the C library) and through the
 * file's own VTIMEZONE. */
static void expect_dtstart(icalcomponent *cal, icalcomponent *ev, const char *tz, int64_t t)
{
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    assert_non_null(p);
    icalparameter *tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    assert_non_null(tzid);
    assert_string_equal(icalparameter_get_tzid(tzid), tz);
    struct icaltimetype dt = icalproperty_get_dtstart(p);
    assert_false(icaltime_is_utc(dt));
    struct tm lt;
    local_fields(tz, t, &lt);
    assert_int_equal(dt.year, lt.tm_year + 1900);
    assert_int_equal(dt.month, lt.tm_mon + 1);
    assert_int_equal(dt.day, lt.tm_mday);
    assert_int_equal(dt.hour, lt.tm_hour);
    assert_int_equal(dt.minute, lt.tm_min);
    /* The VTIMEZONE that travels with it says the same. */
    icalcomponent *vtz = NULL;
    for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); c;
         c = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
        icalproperty *id = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
        if (id && strcmp(icalproperty_get_tzid(id), tz) == 0)
            vtz = c;
    }
    if (!vtz)
        fail_msg("no VTIMEZONE with TZID %s", tz);
    icaltimezone *zone = icaltimezone_new();
    assert_true(icaltimezone_set_component(zone, icalcomponent_new_clone(vtz)));
    dt.zone = NULL;
    assert_int_equal((int64_t)icaltime_as_timet_with_zone(dt, zone), t);
    icaltimezone_free(zone, 1);
}

static int duration_minutes(icalcomponent *ev)
{
    icalproperty *d = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    if (d)
        return icaldurationtype_as_int(icalproperty_get_duration(d)) / 60;
    icalproperty *e = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    icalproperty *s = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!e || !s)
        fail_msg("neither DURATION nor DTEND");
    struct icaltimetype a = icalproperty_get_dtstart(s), b = icalproperty_get_dtend(e);
    a.zone = b.zone = NULL;
    return (int)(icaltime_as_timet(b) - icaltime_as_timet(a)) / 60;
}

static void expect_mailto(icalproperty *p, const char *email)
{
    assert_non_null(p);
    const char *v = icalproperty_get_value_as_string(p);
    char want[400];
    snprintf(want, sizeof want, "mailto:%s", email);
    if (!v || strcasecmp(v, want) != 0)
        fail_msg("%s where %s was expected", v ? v : "(none)", want);
}

/* ---- Tests ----------------------------------------------------------------------- */

static void test_plan_initial(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee, other;
    reg(h, "Amina Diallo", "mentor", NULL, &mentor);
    reg(h, "Nguyen Thi Lan", "mentee", NULL, &mentee);
    reg(h, "Olu Adeyemi", "mentee", NULL, &other);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");

    struct harness_resp r = {0}, prog = {0};
    harness_call(h, "GET", "/v1/programmes/together", NULL, NULL, NULL, &prog);
    harness_expect_status(&prog, 200);
    const cJSON *agenda = member(prog.json, "agenda");
    assert_true(cJSON_GetArraySize(agenda) >= 2);

    plan_get(h, &mentee, pairing, &r);
    harness_expect_status(&r, 200);
    const cJSON *items = member(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    const cJSON *s1 = cJSON_GetArrayItem(items, 0);
    assert_int_equal(int_of(s1, "number"), 1);
    assert_int_equal(int_of(s1, "pairing_id"), pairing);
    assert_string_equal(str_of(s1, "state"), "planned");
    assert_string_equal(str_of(s1, "agenda"), cJSON_GetArrayItem(agenda, 0)->valuestring);
    assert_null(member(s1, "starts_at"));
    const cJSON *plan = member(r.json, "plan");
    assert_string_equal(str_of(plan, "kind"), "mentoring");
    assert_int_equal(int_of(plan, "max_sessions"), 6);
    assert_int_equal(int_of(plan, "min_sessions"), 3);
    assert_int_equal(int_of(plan, "interval_days"), 21);
    assert_int_equal(int_of(member(plan, "next"), "number"), 1);
    int64_t sid = int_of(s1, "id");

    /* The plan is cached by its tag until it changes. */
    char inm[200];
    snprintf(inm, sizeof inm, "If-None-Match: %s", r.etag);
    const char *cond[] = {inm, NULL};
    assert_true(r.etag[0] != '\0');
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    struct harness_resp c = {0};
    harness_call(h, "GET", path, mentee.token, NULL, cond, &c);
    harness_expect_status(&c, 304);
    book_one(h, &mentee, pairing, later(h, DAY), "UTC", 60);
    harness_call(h, "GET", path, mentee.token, NULL, cond, &c);
    harness_expect_status(&c, 200);
    harness_resp_free(&c);

    /* The mentor sees the same plan; someone outside the pairing sees nothing. */
    plan_get(h, &mentor, pairing, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id"), sid);
    plan_get(h, &other, pairing, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    sess_call(h, &other, "GET", sid, NULL, NULL, &r);
    harness_expect_error(&r, 403, "not_in_pairing");
    plan_get(h, &mentee, pairing + 100000, &r);
    harness_expect_error(&r, 404, "not_found");
    harness_call(h, "GET", "/v1/programmes/together/pairings/abc/sessions", mentee.token, NULL,
                 NULL, &r);
    harness_expect_error(&r, 400, "bad_request");

    /* A networking pairing holds at most two sessions. */
    struct harness_user mentor2, mentee2;
    reg(h, "Grace Wanjiru", "mentor", NULL, &mentor2);
    reg(h, "Ines Moreau", "mentee", NULL, &mentee2);
    int64_t net = pair_up(h, &mentor2, &mentee2, "networking");
    plan_get(h, &mentee2, net, &r);
    harness_expect_status(&r, 200);
    plan = member(r.json, "plan");
    assert_string_equal(str_of(plan, "kind"), "networking");
    assert_int_equal(int_of(plan, "max_sessions"), 2);
    assert_int_equal(int_of(plan, "interval_days"), 14);
    char when[32], body[256];
    rfc3339(later(h, 2 * DAY), when, sizeof when);
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"timezone\":\"UTC\",\"recurrence\":{\"every_weeks\":1,"
             "\"count\":3}}",
             when);
    book(h, &mentee2, net, body, NULL, &r);
    harness_expect_error(&r, 422, "session_limit");
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"timezone\":\"UTC\",\"recurrence\":{\"every_weeks\":1,"
             "\"count\":2}}",
             when);
    book(h, &mentee2, net, body, NULL, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(cJSON_GetArraySize(member(r.json, "items")), 2);
    plan_get(h, &mentor2, net, &r);
    harness_expect_status(&r, 200);
    assert_null(member(member(r.json, "plan"), "next"));
    harness_resp_free(&r);
    harness_resp_free(&prog);
}

static void test_book_single(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Priya Nair", "mentor", NULL, &mentor);
    reg(h, "Tomas Lindqvist", "mentee", "Asia/Bangkok", &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    struct harness_resp r = {0};
    plan_get(h, &mentee, pairing, &r);
    harness_expect_status(&r, 200);
    int64_t planned = int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id");

    int64_t t = later(h, 3 * DAY);
    char when[32], body[512];
    rfc3339(t, when, sizeof when);
    /* Refusals first: nothing may be booked by them. */
    static const struct {
        const char *fmt;
        long status;
        const char *code;
    } bad[] = {
        {"{\"starts_at\":\"%s\",\"duration_min\":50}", 400, "invalid"},
        {"{\"starts_at\":\"%s\",\"duration_min\":\"60\"}", 400, "invalid_type"},
        {"{\"starts_at\":\"%s\",\"timezone\":\"Mars/Olympus_Mons\"}", 400, "unknown_timezone"},
        {"{\"starts_at\":\"%s\",\"colour\":\"blue\"}", 400, "unknown_field"},
        {"{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":9,\"count\":2}}", 400,
         "out_of_range"},
        {"{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":2,\"count\":1}}", 400,
         "out_of_range"},
        {"{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":2,\"count\":7}}", 400,
         "out_of_range"},
        {"{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":2}}", 400, "missing_field"},
        {"{\"timezone\":\"UTC\",\"x\":\"%s\"}", 400, "unknown_field"},
        {"{\"starts_at\":\"tomorrow%s\"}", 400, "invalid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fill(body, sizeof body, bad[i].fmt, when);
        book(h, &mentee, pairing, body, NULL, &r);
        harness_expect_error(&r, bad[i].status, bad[i].code);
    }
    book(h, &mentee, pairing, "{\"timezone\":\"UTC\"}", NULL, &r);
    harness_expect_error_field(&r, 400, "missing_field", "starts_at");
    char past[32], far[32];
    rfc3339(harness_now(h) - HOUR, past, sizeof past);
    rfc3339(harness_now(h) + 367 * (int64_t)DAY, far, sizeof far);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", past);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_error(&r, 422, "in_the_past");
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", far);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_error(&r, 400, "out_of_range");

    /* A booking fills the planned session 1; a numeric offset is accepted. */
    struct tm lt;
    local_fields("Asia/Bangkok", t, &lt);
    char local_when[40];
    strftime(local_when, sizeof local_when, "%Y-%m-%dT%H:%M:%S+07:00", &lt);
    snprintf(
        body, sizeof body,
        "{\"starts_at\":\"%s\",\"duration_min\":45,\"location\":\"https://teams.example/l/1\"}",
        local_when);
    const char *key[] = {"Idempotency-Key: book-single-0001", NULL};
    book(h, &mentee, pairing, body, key, &r);
    harness_expect_status(&r, 201);
    const cJSON *items = member(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    const cJSON *s = cJSON_GetArrayItem(items, 0);
    assert_int_equal(int_of(s, "id"), planned);
    assert_int_equal(int_of(s, "number"), 1);
    assert_string_equal(str_of(s, "state"), "booked");
    assert_int_equal(harness_parse_time(str_of(s, "starts_at")), t);
    /* No time zone given: the booker's profile zone. */
    assert_string_equal(str_of(s, "timezone"), "Asia/Bangkok");
    assert_int_equal(int_of(s, "duration_min"), 45);
    assert_string_equal(str_of(s, "location"), "https://teams.example/l/1");
    assert_int_equal(int_of(s, "booked_by"), mentee.id);
    assert_int_equal(int_of(s, "sequence"), 0);
    assert_null(member(s, "series_id"));
    assert_false(cJSON_IsTrue(member(s, "feedback_given")));

    /* The same key again replays the answer and books nothing more. */
    book(h, &mentee, pairing, body, key, &r);
    harness_expect_status(&r, 201);
    assert_string_equal(r.idempotent_replay, "true");
    plan_get(h, &mentor, pairing, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(member(r.json, "items")), 1);
    /* The plan now suggests session 2, one interval after session 1. */
    const cJSON *next = member(member(r.json, "plan"), "next");
    assert_int_equal(int_of(next, "number"), 2);
    assert_int_equal(harness_parse_time(str_of(next, "suggested_start")), t + 21 * (int64_t)DAY);

    /* Both members are told, pointing at the session. */
    expect_notes(h, &mentor, "session_booked", planned, 1);
    expect_notes(h, &mentee, "session_booked", planned, 1);
    harness_resp_free(&r);
}

static void test_book_recurring_dst(void **state)
{
    struct harness *h = *state;
    const char *tz = "America/New_York";
    struct harness_user mentor, mentee;
    reg(h, "Rafael Ortiz", "mentor", tz, &mentor);
    reg(h, "Mei Chen", "mentee", tz, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");

    /* Four sessions every two weeks at 10:00 New York time, two before and two
     * after the next change of the zone's UTC offset. */
    int64_t change = next_offset_change(tz, harness_now(h) + 17 * (int64_t)DAY);
    struct tm first;
    local_fields(tz, change - 15 * (int64_t)DAY, &first);
    int64_t expect[4];
    for (int i = 0; i < 4; i++)
        expect[i] = local_instant(tz, first.tm_year + 1900, first.tm_mon + 1,
                                  first.tm_mday + 14 * i, 10, 0);
    /* The offset really changes inside the series. */
    assert_true(expect[3] - expect[0] != 42 * (int64_t)DAY);

    char when[32], body[256];
    rfc3339(expect[0], when, sizeof when);
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"timezone\":\"%s\",\"recurrence\":{\"every_weeks\":2,"
             "\"count\":4}}",
             when, tz);
    struct harness_resp r = {0};
    book(h, &mentor, pairing, body, NULL, &r);
    harness_expect_status(&r, 201);
    const cJSON *items = member(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 4);
    int64_t series = int_of(cJSON_GetArrayItem(items, 0), "id");
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        const cJSON *s = cJSON_GetArrayItem(items, i);
        ids[i] = int_of(s, "id");
        assert_int_equal(int_of(s, "number"), i + 1);
        assert_int_equal(int_of(s, "series_id"), series);
        assert_int_equal(int_of(s, "duration_min"), 60);
        assert_string_equal(str_of(s, "timezone"), tz);
        int64_t got = harness_parse_time(str_of(s, "starts_at"));
        if (got != expect[i])
            fail_msg("session %d starts at %s, expected %lld", i + 1, str_of(s, "starts_at"),
                     (long long)expect[i]);
        struct tm lt;
        local_fields(tz, got, &lt);
        assert_int_equal(lt.tm_hour, 10);
        assert_int_equal(lt.tm_min, 0);
    }
    /* The invitation of the last one, after the change, says 10:00 New York time. */
    icalcomponent *cal = calendar_get(h, &mentee, ids[3]);
    expect_dtstart(cal, only_event(cal), tz, expect[3]);
    icalcomponent_free(cal);
    cal = calendar_get(h, &mentee, ids[0]);
    expect_dtstart(cal, only_event(cal), tz, expect[0]);
    icalcomponent_free(cal);

    /* Six at most in a mentoring plan: four booked, three more are refused, two fit. */
    rfc3339(expect[3] + 7 * (int64_t)DAY, when, sizeof when);
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":1,\"count\":3}}", when);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_error(&r, 422, "session_limit");
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"recurrence\":{\"every_weeks\":1,\"count\":2}}", when);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_status(&r, 201);
    assert_int_equal(int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "number"), 5);
    assert_int_equal(int_of(cJSON_GetArrayItem(member(r.json, "items"), 1), "number"), 6);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_error(&r, 422, "session_limit");
    /* A cancelled session frees its place. */
    sess_call(h, &mentee, "POST", ids[1], "cancel", NULL, &r);
    harness_expect_status(&r, 200);
    plan_get(h, &mentee, pairing, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(member(r.json, "items")), 7);
    assert_int_equal(int_of(member(member(r.json, "plan"), "next"), "number"), 2);
    harness_resp_free(&r);
}

static void test_reschedule(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee, other;
    reg(h, "Lars Holm", "mentor", NULL, &mentor);
    reg(h, "Fatou Sow", "mentee", NULL, &mentee);
    reg(h, "Kim Park", "mentee", NULL, &other);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    int64_t t = later(h, 5 * DAY);
    int64_t id = book_one(h, &mentee, pairing, t, "Europe/Paris", 60);

    struct harness_resp r = {0};
    char when[32], body[256];
    sess_call(h, &mentor, "PATCH", id, NULL, "{}", &r);
    harness_expect_error(&r, 400, "missing_field");
    sess_call(h, &mentor, "PATCH", id, NULL, "{\"duration_min\":20}", &r);
    harness_expect_error(&r, 400, "invalid");
    rfc3339(harness_now(h) - DAY, when, sizeof when);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", when);
    sess_call(h, &mentor, "PATCH", id, NULL, body, &r);
    harness_expect_error(&r, 422, "in_the_past");
    rfc3339(t + DAY + 30 * 60, when, sizeof when);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", when);
    sess_call(h, &other, "PATCH", id, NULL, body, &r);
    harness_expect_error(&r, 403, "not_in_pairing");

    /* The mentor moves it: sequence 1, the mentee is told. */
    sess_call(h, &mentor, "PATCH", id, NULL, body, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "sequence"), 1);
    assert_int_equal(harness_parse_time(str_of(r.json, "starts_at")), t + DAY + 30 * 60);
    assert_string_equal(str_of(r.json, "timezone"), "Europe/Paris");
    assert_int_equal(int_of(r.json, "duration_min"), 60);
    expect_notes(h, &mentee, "session_rescheduled", id, 1);

    /* Then a location and a shorter duration: sequence 2. */
    sess_call(h, &mentee, "PATCH", id, NULL, "{\"duration_min\":30,\"location\":\"Room S-2310\"}",
              &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "sequence"), 2);
    assert_int_equal(int_of(r.json, "duration_min"), 30);
    assert_string_equal(str_of(r.json, "location"), "Room S-2310");
    assert_int_equal(harness_parse_time(str_of(r.json, "starts_at")), t + DAY + 30 * 60);
    expect_notes(h, &mentor, "session_rescheduled", id, 2);
    sess_call(h, &mentee, "PATCH", id, NULL, "{\"location\":null}", &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "sequence"), 3);
    assert_null(member(r.json, "location"));

    /* The invitation carries the new time, duration and sequence. */
    icalcomponent *cal = calendar_get(h, &mentor, id);
    icalcomponent *ev = only_event(cal);
    assert_int_equal(icalcomponent_get_sequence(ev), 3);
    assert_int_equal(duration_minutes(ev), 30);
    expect_dtstart(cal, ev, "Europe/Paris", t + DAY + 30 * 60);
    icalcomponent_free(cal);
    harness_resp_free(&r);
}

static void test_cancel_and_calendar(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Nguyen Van An", "mentor", "Asia/Bangkok", &mentor);
    reg(h, "Sara Haddad", "mentee", NULL, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    struct harness_resp r = {0};
    plan_get(h, &mentee, pairing, &r);
    harness_expect_status(&r, 200);
    int64_t planned = int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id");
    /* A planned session has no invitation yet. */
    sess_call(h, &mentee, "GET", planned, "calendar", NULL, &r);
    harness_expect_error(&r, 409, "session_not_booked");

    int64_t t = later(h, 4 * DAY);
    int64_t id = book_one(h, &mentor, pairing, t, "Asia/Bangkok", 45);
    assert_int_equal(id, planned);

    icalcomponent *cal = calendar_get(h, &mentee, id);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_REQUEST);
    icalcomponent *ev = only_event(cal);
    const char *uid = icalcomponent_get_uid(ev);
    assert_non_null(uid);
    char uid1[256];
    snprintf(uid1, sizeof uid1, "%s", uid);
    assert_true(strlen(uid1) > 0);
    assert_int_equal(icalcomponent_get_sequence(ev), 0);
    assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
    assert_int_equal(duration_minutes(ev), 45);
    expect_dtstart(cal, ev, "Asia/Bangkok", t);
    expect_mailto(icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY), mentor.email);
    expect_mailto(icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY), mentee.email);
    const char *summary = icalcomponent_get_summary(ev);
    assert_non_null(summary);
    assert_non_null(strstr(summary, "1"));
    icalcomponent_free(cal);
    /* Asking again gives the same UID. */
    cal = calendar_get(h, &mentor, id);
    assert_string_equal(icalcomponent_get_uid(only_event(cal)), uid1);
    icalcomponent_free(cal);

    /* Cancel, with a reason for the partner. */
    sess_call(h, &mentee, "POST", id, "cancel", "{\"reason\":\"On mission to Juba that week.\"}",
              &r);
    harness_expect_status(&r, 200);
    const cJSON *cs = member(r.json, "session");
    assert_string_equal(str_of(cs, "state"), "cancelled");
    assert_int_equal(int_of(cs, "sequence"), 1);
    assert_non_null(harness_str(cs, "cancelled_at"));
    assert_true(llabs(harness_parse_time(harness_str(cs, "cancelled_at")) - harness_now(h)) < 60);
    assert_string_equal(str_of(cs, "cancel_reason"), "On mission to Juba that week.");
    const cJSON *ps = member(r.json, "planned");
    assert_string_equal(str_of(ps, "state"), "planned");
    assert_int_equal(int_of(ps, "number"), 1);
    int64_t new_planned = int_of(ps, "id");
    assert_true(new_planned != id);
    expect_notes(h, &mentor, "session_cancelled", id, 1);
    expect_notes(h, &mentee, "session_cancelled", id, 1);

    /* The cancelling invitation: same UID, higher SEQUENCE. */
    cal = calendar_get(h, &mentor, id);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_CANCEL);
    ev = only_event(cal);
    assert_string_equal(icalcomponent_get_uid(ev), uid1);
    assert_int_equal(icalcomponent_get_sequence(ev), 1);
    assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
    icalcomponent_free(cal);

    sess_call(h, &mentee, "POST", id, "cancel", NULL, &r);
    harness_expect_error(&r, 409, "session_not_booked");
    sess_call(h, &mentee, "PATCH", id, NULL, "{\"duration_min\":30}", &r);
    harness_expect_error(&r, 409, "session_not_booked");
    sess_call(h, &mentee, "POST", id, "cancel", "{\"reason\":42}", &r);
    harness_expect_error(&r, 400, "invalid_type");

    /* The plan lists the cancelled one and the new planned one, both number 1. */
    plan_get(h, &mentor, pairing, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(member(r.json, "items")), 2);
    int64_t id2 = book_one(h, &mentor, pairing, t + DAY, "Asia/Bangkok", 60);
    assert_int_equal(id2, new_planned);
    cal = calendar_get(h, &mentee, id2);
    assert_string_not_equal(icalcomponent_get_uid(only_event(cal)), uid1);
    icalcomponent_free(cal);
    harness_resp_free(&r);
}

static void test_done_feedback(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Hana Suzuki", "mentor", NULL, &mentor);
    reg(h, "Diego Rojas", "mentee", NULL, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    int64_t t = later(h, HOUR);
    int64_t id = book_one(h, &mentee, pairing, t, "UTC", 60);
    struct harness_resp r = {0};
    const char *ok = "{\"rating\":3,\"progress\":\"some\",\"fit\":\"good_fit\"}";
    sess_call(h, &mentee, "POST", id, "done", ok, &r);
    harness_expect_error(&r, 422, "session_in_future");
    harness_advance_clock(h, 2 * HOUR);

    static const struct {
        const char *body;
        long status;
        const char *code;
        const char *field;
    } bad[] = {
        {"{\"rating\":5,\"fit\":\"good_fit\"}", 400, "out_of_range", "rating"},
        {"{\"rating\":0,\"fit\":\"good_fit\"}", 400, "out_of_range", "rating"},
        {"{\"rating\":1e300,\"fit\":\"good_fit\"}", 400, "out_of_range", "rating"},
        {"{\"rating\":\"3\",\"fit\":\"good_fit\"}", 400, "invalid_type", "rating"},
        {"{\"rating\":2.5,\"fit\":\"good_fit\"}", 400, "invalid_type", "rating"},
        {"{\"fit\":\"good_fit\"}", 400, "missing_field", "rating"},
        {"{\"rating\":3,\"progress\":\"lots\",\"fit\":\"good_fit\"}", 400, "invalid", "progress"},
        {"{\"rating\":3,\"fit\":\"great\"}", 400, "invalid", "fit"},
        /* After the first session the fit is required. */
        {"{\"rating\":3,\"progress\":\"some\"}", 400, "missing_field", "fit"},
        {"{\"rating\":3,\"fit\":\"good_fit\",\"mood\":1}", 400, "unknown_field", "mood"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sess_call(h, &mentee, "POST", id, "done", bad[i].body, &r);
        harness_expect_error_field(&r, bad[i].status, bad[i].code, bad[i].field);
    }
    /* Nothing was recorded by the refusals. */
    session_get(h, &mentee, id, &r);
    assert_string_equal(str_of(r.json, "state"), "booked");

    const char *secret = "SECRET-COMMENT-7f3a: my mentor was late";
    char body[512];
    snprintf(body, sizeof body,
             "{\"rating\":3,\"progress\":\"some\",\"fit\":\"good_fit\",\"comment\":\"%s\"}",
             secret);
    sess_call(h, &mentee, "POST", id, "done", body, &r);
    harness_expect_status(&r, 200);
    assert_null(strstr(r.body, "SECRET-COMMENT"));
    const cJSON *s = member(r.json, "session");
    assert_string_equal(str_of(s, "state"), "done");
    assert_true(cJSON_IsTrue(member(s, "feedback_given")));
    assert_non_null(harness_str(s, "done_at"));
    const cJSON *fb = member(r.json, "feedback");
    assert_int_equal(int_of(fb, "rating"), 3);
    assert_string_equal(str_of(fb, "progress"), "some");
    assert_string_equal(str_of(fb, "fit"), "good_fit");
    assert_null(member(fb, "comment"));
    assert_false(cJSON_IsTrue(member(r.json, "rematch_offered")));
    /* The prompt for the next session: a new planned session 2. */
    const cJSON *next = member(r.json, "next");
    assert_int_equal(int_of(next, "number"), 2);
    int64_t next_id = int_of(next, "session_id");
    assert_int_equal(harness_parse_time(str_of(next, "suggested_start")), t + 21 * (int64_t)DAY);
    session_get(h, &mentor, next_id, &r);
    assert_string_equal(str_of(r.json, "state"), "planned");
    assert_int_equal(int_of(r.json, "number"), 2);

    sess_call(h, &mentee, "POST", id, "done", ok, &r);
    harness_expect_error(&r, 409, "feedback_given");
    /* The partner has not given feedback yet, and sees none of the mentee's. */
    session_get(h, &mentor, id, &r);
    assert_false(cJSON_IsTrue(member(r.json, "feedback_given")));
    assert_null(strstr(r.body, "SECRET-COMMENT"));
    plan_get(h, &mentor, pairing, &r);
    harness_expect_status(&r, 200);
    assert_null(strstr(r.body, "SECRET-COMMENT"));
    assert_null(strstr(r.body, "\"rating\""));
    harness_call(h, "POST", "/v1/sync", mentor.token, "{\"programme\":\"together\"}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_null(strstr(r.body, "SECRET-COMMENT"));
    harness_call(h, "GET", "/v1/me/notifications?per_page=200", mentor.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_null(strstr(r.body, "SECRET-COMMENT"));
    sess_call(h, &mentor, "GET", id, "calendar", NULL, &r);
    harness_expect_error(&r, 409, "session_not_booked");

    /* The mentor's own feedback: the session stays done. */
    sess_call(h, &mentor, "POST", id, "done", "{\"rating\":4}", &r);
    harness_expect_error_field(&r, 400, "missing_field", "fit");
    sess_call(h, &mentor, "POST", id, "done", "{\"rating\":4,\"fit\":\"unsure\"}", &r);
    harness_expect_status(&r, 200);
    assert_string_equal(str_of(member(r.json, "session"), "state"), "done");
    assert_int_equal(int_of(member(r.json, "next"), "session_id"), next_id);

    /* The pairing counts one session done, held at its start. */
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)pairing);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(r.json, "sessions_done"), 1);
    assert_int_equal(harness_parse_time(str_of(r.json, "last_done_at")), t);

    /* Session 2: the fit is optional now. */
    int64_t t2 = later(h, HOUR);
    assert_int_equal(book_one(h, &mentor, pairing, t2, "UTC", 30), next_id);
    harness_advance_clock(h, 2 * HOUR);
    sess_call(h, &mentor, "POST", next_id, "done", "{\"rating\":2,\"progress\":\"none\"}", &r);
    harness_expect_status(&r, 200);
    assert_int_equal(int_of(member(r.json, "next"), "number"), 3);

    /* A cancelled session cannot be marked done. */
    int64_t t3 = later(h, DAY);
    int64_t id3 = book_one(h, &mentor, pairing, t3, "UTC", 30);
    sess_call(h, &mentor, "POST", id3, "cancel", NULL, &r);
    harness_expect_status(&r, 200);
    sess_call(h, &mentee, "POST", id3, "done", "{\"rating\":2}", &r);
    harness_expect_error(&r, 409, "conflict");
    harness_resp_free(&r);
}

static void test_not_a_good_fit(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Jonas Berg", "mentor", NULL, &mentor);
    reg(h, "Aisha Bello", "mentee", NULL, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    struct harness_resp r = {0};
    plan_get(h, &mentee, pairing, &r);
    harness_expect_status(&r, 200);
    int64_t planned = int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id");
    harness_advance_clock(h, 3 * HOUR);

    /* Met outside the platform: held_at, not in the future, not before the pairing. */
    char when[32], body[256];
    rfc3339(harness_now(h) + DAY, when, sizeof when);
    snprintf(body, sizeof body, "{\"rating\":1,\"fit\":\"not_a_good_fit\",\"held_at\":\"%s\"}",
             when);
    sess_call(h, &mentor, "POST", planned, "done", body, &r);
    harness_expect_error(&r, 422, "session_in_future");
    int64_t held = harness_now(h) - HOUR;
    held -= held % 60;
    rfc3339(held, when, sizeof when);
    snprintf(body, sizeof body,
             "{\"rating\":1,\"fit\":\"not_a_good_fit\",\"held_at\":\"%s\",\"comment\":\"No "
             "chemistry.\"}",
             when);
    expect_notes(h, &mentee, "rematch_offered", pairing, 0);
    sess_call(h, &mentor, "POST", planned, "done", body, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(member(r.json, "rematch_offered")));
    const cJSON *s = member(r.json, "session");
    assert_string_equal(str_of(s, "state"), "done");
    assert_int_equal(harness_parse_time(str_of(s, "starts_at")), held);
    expect_notes(h, &mentee, "rematch_offered", pairing, 1);

    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)pairing);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_IsTrue(member(r.json, "rematch_offered")));
    assert_int_equal(harness_parse_time(str_of(r.json, "last_done_at")), held);
    /* The mentee takes up the offer: the pairing ends as not a good fit. */
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/rematch",
             (long long)pairing);
    harness_call(h, "POST", path, mentee.token, "{}", NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(str_of(member(r.json, "pairing"), "state"), "ended");

    /* A good fit in another pairing offers nothing. */
    struct harness_user mentor2, mentee2;
    reg(h, "Karin Olsen", "mentor", NULL, &mentor2);
    reg(h, "Yusuf Demir", "mentee", NULL, &mentee2);
    int64_t p2 = pair_up(h, &mentor2, &mentee2, "mentoring");
    plan_get(h, &mentee2, p2, &r);
    int64_t planned2 = int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id");
    sess_call(h, &mentee2, "POST", planned2, "done", "{\"rating\":4,\"fit\":\"good_fit\"}", &r);
    harness_expect_status(&r, 200);
    assert_false(cJSON_IsTrue(member(r.json, "rematch_offered")));
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)p2);
    harness_call(h, "GET", path, mentee2.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_false(cJSON_IsTrue(member(r.json, "rematch_offered")));
    harness_resp_free(&r);
}

static void test_access(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee, other_mentee, other_mentor;
    reg(h, "Paulo Silva", "mentor", NULL, &mentor);
    reg(h, "Zara Khan", "mentee", NULL, &mentee);
    reg(h, "Eli Cohen", "mentee", NULL, &other_mentee);
    reg(h, "Marta Nowak", "mentor", NULL, &other_mentor);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    int64_t id = book_one(h, &mentee, pairing, later(h, 2 * DAY), "UTC", 60);
    char when[32], book_body[128];
    rfc3339(later(h, 3 * DAY), when, sizeof when);
    snprintf(book_body, sizeof book_body, "{\"starts_at\":\"%s\"}", when);

    const struct harness_user *outsiders[] = {&other_mentee, &other_mentor};
    struct harness_resp r = {0};
    for (size_t i = 0; i < 2; i++) {
        const struct harness_user *u = outsiders[i];
        plan_get(h, u, pairing, &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        book(h, u, pairing, book_body, NULL, &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        sess_call(h, u, "GET", id, NULL, NULL, &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        sess_call(h, u, "PATCH", id, NULL, "{\"duration_min\":30}", &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        sess_call(h, u, "GET", id, "calendar", NULL, &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        sess_call(h, u, "POST", id, "cancel", NULL, &r);
        harness_expect_error(&r, 403, "not_in_pairing");
        sess_call(h, u, "POST", id, "done", "{\"rating\":3,\"fit\":\"good_fit\"}", &r);
        harness_expect_error(&r, 403, "not_in_pairing");
    }
    /* Anonymous callers, and the wrong programme. */
    sess_call(h, NULL, "GET", id, NULL, NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    sess_call(h, NULL, "GET", id, "calendar", NULL, &r);
    harness_expect_error(&r, 401, "unauthorized");
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/iom-2025/sessions/%lld", (long long)id);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_error(&r, 403, "forbidden");
    snprintf(path, sizeof path, "/v1/programmes/nowhere/sessions/%lld", (long long)id);
    harness_call(h, "GET", path, mentee.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "unknown_programme");
    sess_call(h, &mentee, "GET", id + 100000, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    /* Nothing changed for the members. */
    session_get(h, &mentor, id, &r);
    assert_string_equal(str_of(r.json, "state"), "booked");
    assert_int_equal(int_of(r.json, "sequence"), 0);
    assert_int_equal(int_of(r.json, "duration_min"), 60);
    harness_resp_free(&r);
}

static void test_frozen_and_ended(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Ivan Petrov", "mentor", NULL, &mentor);
    reg(h, "Lucia Romero", "mentee", NULL, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    struct harness_resp r = {0};
    plan_get(h, &mentee, pairing, &r);
    int64_t planned = int_of(cJSON_GetArrayItem(member(r.json, "items"), 0), "id");
    int64_t id = book_one(h, &mentee, pairing, later(h, 2 * DAY), "UTC", 60);
    assert_int_equal(id, planned);

    /* Ending the pairing cancels what was booked; nothing can be booked after. */
    char path[160], when[32], body[128];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)pairing);
    harness_call(h, "POST", path, mentor.token, "{\"reason\":\"no_time\"}", NULL, &r);
    harness_expect_status(&r, 200);
    rfc3339(later(h, 3 * DAY), when, sizeof when);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", when);
    book(h, &mentee, pairing, body, NULL, &r);
    harness_expect_error(&r, 409, "pairing_ended");
    session_get(h, &mentee, id, &r);
    assert_string_equal(str_of(r.json, "state"), "cancelled");
    /* The cancelled booking still has its cancelling invitation. */
    icalcomponent *cal = calendar_get(h, &mentee, id);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_CANCEL);
    icalcomponent_free(cal);

    /* A frozen account books nothing. */
    struct harness_user mentor2, mentee2;
    reg(h, "Omar Farouk", "mentor", NULL, &mentor2);
    reg(h, "Julie Martin", "mentee", NULL, &mentee2);
    int64_t p2 = pair_up(h, &mentor2, &mentee2, "mentoring");
    harness_call(h, "POST", "/v1/me/freeze", mentee2.token, "{\"end_pairings\":true}", NULL, &r);
    harness_expect_status(&r, 200);
    book(h, &mentee2, p2, body, NULL, &r);
    harness_expect_error(&r, 422, "account_frozen");
    harness_resp_free(&r);
}

/* ---- Sync --------------------------------------------------------------------------- */

static void sync_call(struct harness *h, const struct harness_user *u, const char *cursor,
                      const char *ops, struct harness_resp *r)
{
    size_t cap = 8192 + (ops ? strlen(ops) : 0);
    char *body = malloc(cap);
    assert_non_null(body);
    snprintf(body, cap, "{\"programme\":\"together\"%s%s%s%s%s}", cursor ? ",\"cursor\":\"" : "",
             cursor ? cursor : "", cursor ? "\"" : "", ops ? ",\"ops\":" : "", ops ? ops : "");
    harness_call(h, "POST", "/v1/sync", u->token, body, NULL, r);
    free(body);
    harness_expect_status(r, 200);
}

static const cJSON *result_at(const struct harness_resp *r, int i)
{
    return cJSON_GetArrayItem(member(r->json, "results"), i);
}

/* The entry for session `id` in a sync answer's sessions, or NULL. */
static const cJSON *synced_session(const struct harness_resp *r, int64_t id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, member(member(r->json, "changes"), "sessions"))
    {
        int64_t v = 0;
        if (harness_int(it, "id", &v) && v == id)
            return it;
    }
    return NULL;
}

static void test_sync(void **state)
{
    struct harness *h = *state;
    struct harness_user mentor, mentee;
    reg(h, "Chen Wei", "mentor", NULL, &mentor);
    reg(h, "Amara Obi", "mentee", NULL, &mentee);
    int64_t pairing = pair_up(h, &mentor, &mentee, "mentoring");
    struct harness_resp r = {0};
    char cursor[256], ops[2048], when[32], moved[32];

    /* A first sync holds the plan. */
    sync_call(h, &mentor, NULL, NULL, &r);
    const cJSON *list = member(member(r.json, "changes"), "sessions");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    int64_t planned = int_of(cJSON_GetArrayItem(list, 0), "id");
    snprintf(cursor, sizeof cursor, "%s", str_of(r.json, "cursor"));

    int64_t t = later(h, 2 * DAY);
    rfc3339(t, when, sizeof when);
    rfc3339(t + HOUR, moved, sizeof moved);
    snprintf(
        ops, sizeof ops,
        "[{\"op_id\":\"sess-book-0001\",\"type\":\"session.book\",\"body\":{\"pairing_id\":%lld,"
        "\"starts_at\":\"%s\",\"timezone\":\"Africa/Nairobi\"}},"
        "{\"op_id\":\"sess-move-0001\",\"type\":\"session.reschedule\",\"body\":{"
        "\"session_id\":%lld,\"starts_at\":\"%s\"}},"
        "{\"op_id\":\"sess-bad-00001\",\"type\":\"session.done\",\"body\":{\"session_id\":%lld,"
        "\"rating\":9}},"
        "{\"op_id\":\"sess-nope-0001\",\"type\":\"session.cancel\",\"body\":{\"reason\":\"x\"}}]",
        (long long)pairing, when, (long long)planned, moved, (long long)planned);
    sync_call(h, &mentee, NULL, ops, &r);
    assert_int_equal(int_of(result_at(&r, 0), "status"), 201);
    assert_int_equal(int_of(result_at(&r, 1), "status"), 200);
    assert_int_equal(int_of(member(result_at(&r, 1), "body"), "sequence"), 1);
    assert_int_equal(int_of(result_at(&r, 2), "status"), 400);
    harness_expect_error_json(member(result_at(&r, 2), "body"), "out_of_range", "rating",
                              "session.done");
    assert_int_equal(int_of(result_at(&r, 3), "status"), 400);
    harness_expect_error_json(member(result_at(&r, 3), "body"), "missing_field", "session_id",
                              "session.cancel");
    const cJSON *mine = synced_session(&r, planned);
    assert_non_null(mine);
    assert_string_equal(str_of(mine, "state"), "booked");
    assert_int_equal(harness_parse_time(str_of(mine, "starts_at")), t + HOUR);

    /* A repeated op_id changes nothing. */
    sync_call(h, &mentee, NULL, ops, &r);
    assert_int_equal(int_of(member(result_at(&r, 1), "body"), "sequence"), 1);
    session_get(h, &mentor, planned, &r);
    assert_int_equal(int_of(r.json, "sequence"), 1);

    /* The mentor's next sync brings the change, and then nothing more. */
    sync_call(h, &mentor, cursor, NULL, &r);
    const cJSON *theirs = synced_session(&r, planned);
    assert_non_null(theirs);
    assert_int_equal(int_of(theirs, "sequence"), 1);
    snprintf(cursor, sizeof cursor, "%s", str_of(r.json, "cursor"));
    sync_call(h, &mentor, cursor, NULL, &r);
    assert_null(member(member(r.json, "changes"), "sessions"));

    /* Cancel and done as operations. */
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"sess-cancel-01\",\"type\":\"session.cancel\",\"body\":{\"session_id\":"
             "%lld,\"reason\":\"Clash\"}}]",
             (long long)planned);
    sync_call(h, &mentor, cursor, ops, &r);
    assert_int_equal(int_of(result_at(&r, 0), "status"), 200);
    int64_t replanned = int_of(member(member(result_at(&r, 0), "body"), "planned"), "id");
    assert_string_equal(str_of(synced_session(&r, planned), "state"), "cancelled");
    assert_string_equal(str_of(synced_session(&r, replanned), "state"), "planned");
    snprintf(ops, sizeof ops,
             "[{\"op_id\":\"sess-done-001\",\"type\":\"session.done\",\"body\":{\"session_id\":"
             "%lld,\"rating\":4,\"fit\":\"good_fit\",\"progress\":\"good\"}}]",
             (long long)replanned);
    sync_call(h, &mentee, NULL, ops, &r);
    assert_int_equal(int_of(result_at(&r, 0), "status"), 200);
    assert_string_equal(str_of(synced_session(&r, replanned), "state"), "done");
    assert_true(cJSON_IsTrue(member(synced_session(&r, replanned), "feedback_given")));
    harness_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_initial),
        cmocka_unit_test(test_book_single),
        cmocka_unit_test(test_book_recurring_dst),
        cmocka_unit_test(test_reschedule),
        cmocka_unit_test(test_cancel_and_calendar),
        cmocka_unit_test(test_done_feedback),
        cmocka_unit_test(test_not_a_good_fit),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_frozen_and_ended),
        cmocka_unit_test(test_sync),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

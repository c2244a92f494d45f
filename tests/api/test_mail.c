/* test_mail.c - notification e-mails over SMTP: a real SMTP listener on
 * loopback (aiosmtpd) receives them once each, well formed, and retried; the
 * e-mails of a booking, a change and a cancellation carry the invitation,
 * read back with libical. */
#include "harness.h"

#include <libical/ical.h>

#include "mento/codec.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAIL_FROM "mento@test.example"
#define WAIT_MS   20000

/* Everything main sets up before the server starts. */
struct mail_env {
    char dir[256];   /* scripts, the SMTP spool, the config */
    char spool[300]; /* one msg-NNNN.json per received message */
    char db_path_file[300];
    int smtp_port;
    pid_t smtp_pid;
};

static struct mail_env env;

/* The listener: every message is parsed with Python's e-mail package and
 * written as JSON (the headers as sent, the decoded subject and text, and any
 * other parts: type, method, file name, decoded text). */
static const char smtp_script[] =
    "import email, email.policy, email.utils, json, os, signal, sys\n"
    "from aiosmtpd.controller import Controller\n"
    "port, out = int(sys.argv[1]), sys.argv[2]\n"
    "class Handler:\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        raw = envelope.original_content or envelope.content\n"
    "        msg = email.message_from_bytes(raw, policy=email.policy.default)\n"
    "        try:\n"
    "            date_ok = email.utils.parsedate_to_datetime(msg['Date']) is not None\n"
    "        except Exception:\n"
    "            date_ok = False\n"
    "        text, attachments = msg, []\n"
    "        if msg.is_multipart():\n"
    "            parts = list(msg.iter_parts())\n"
    "            text = [p for p in parts if p.get_content_type() == 'text/plain'][0]\n"
    "            attachments = [{'content_type': p.get_content_type(),\n"
    "                            'method': p.get_param('method'),\n"
    "                            'filename': p.get_filename(),\n"
    "                            'text': p.get_content()} for p in parts if p is not text]\n"
    "        n = len([f for f in os.listdir(out) if f.endswith('.json')])\n"
    "        rec = {'mail_from': envelope.mail_from, 'rcpt': envelope.rcpt_tos,\n"
    "               'headers': [k for k in msg.keys()],\n"
    "               'from': str(msg['From']), 'to': str(msg['To']),\n"
    "               'subject': str(msg['Subject']), 'message_id': str(msg['Message-ID']),\n"
    "               'mime': str(msg['MIME-Version']),\n"
    "               'content_type': msg.get_content_type(),\n"
    "               'charset': text.get_content_charset(),\n"
    "               'cte': str(text['Content-Transfer-Encoding']),\n"
    "               'date_ok': date_ok, 'defects': len(msg.defects),\n"
    "               'body': text.get_content(), 'attachments': attachments}\n"
    "        tmp = os.path.join(out, 'tmp')\n"
    "        with open(tmp, 'w') as f:\n"
    "            json.dump(rec, f)\n"
    "        os.rename(tmp, os.path.join(out, 'msg-%04d.json' % n))\n"
    "        return '250 OK'\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])\n"
    "c = Controller(Handler(), hostname='127.0.0.1', port=port)\n"
    "c.start()\n"
    "open(os.path.join(out, 'ready'), 'w').close()\n"
    "signal.sigwait([signal.SIGTERM, signal.SIGINT])\n"
    "c.stop()\n";

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int smtp_start(void)
{
    char ready[320], script[300], port[16];
    snprintf(ready, sizeof ready, "%s/ready", env.spool);
    snprintf(script, sizeof script, "%s/smtp.py", env.dir);
    snprintf(port, sizeof port, "%d", env.smtp_port);
    unlink(ready);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execl("/usr/bin/python3", "python3", script, port, env.spool, (char *)NULL);
        _exit(127);
    }
    env.smtp_pid = pid;
    for (int waited = 0; waited < WAIT_MS; waited += 20) {
        if (access(ready, F_OK) == 0)
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            env.smtp_pid = 0;
            fprintf(stderr, "# the SMTP listener exited (status 0x%x)\n", status);
            return -1;
        }
        sleep_ms(20);
    }
    return -1;
}

static void smtp_stop(void)
{
    if (env.smtp_pid <= 0)
        return;
    kill(env.smtp_pid, SIGTERM);
    waitpid(env.smtp_pid, NULL, 0);
    env.smtp_pid = 0;
}

/* Every message received so far (a JSON array; the caller deletes it). */
static cJSON *received(void)
{
    cJSON *all = cJSON_CreateArray();
    DIR *d = opendir(env.spool);
    if (!d)
        return all;
    char names[512][32];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512)
        if (strncmp(e->d_name, "msg-", 4) == 0)
            snprintf(names[n++], sizeof names[0], "%.31s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++) {
        char path[400];
        snprintf(path, sizeof path, "%.300s/%.31s", env.spool, names[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char *buf = NULL;
        size_t cap = 0, len = 0;
        size_t got;
        char chunk[4096];
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            char *nb = realloc(buf, len + got + 1);
            if (!nb)
                break;
            buf = nb;
            memcpy(buf + len, chunk, got);
            len += got;
            cap = len + 1;
        }
        fclose(f);
        (void)cap;
        if (buf) {
            buf[len] = '\0';
            cJSON *j = cJSON_Parse(buf);
            if (j)
                cJSON_AddItemToArray(all, j);
            free(buf);
        }
    }
    return all;
}

/* Messages received for `to` whose decoded body holds `text`. */
static int count_for(const cJSON *all, const char *to, const char *text)
{
    int n = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, all)
    {
        const cJSON *rcpt = cJSON_GetObjectItemCaseSensitive(m, "rcpt");
        const char *body = harness_str(m, "body");
        if (cJSON_GetArraySize(rcpt) == 1 &&
            strcmp(cJSON_GetArrayItem(rcpt, 0)->valuestring, to) == 0 && body &&
            (!text || strstr(body, text)))
            n++;
    }
    return n;
}

/* The messages for `to` (with `text`) received so far, without waiting. */
static int count_now(const char *to, const char *text)
{
    cJSON *all = received();
    int n = count_for(all, to, text);
    cJSON_Delete(all);
    return n;
}

/* Wait until `to` has `n` messages with `text`; the count reached. */
static int wait_for(const char *to, const char *text, int n)
{
    int got = 0;
    for (int waited = 0; waited < WAIT_MS; waited += 100) {
        cJSON *all = received();
        got = count_for(all, to, text);
        cJSON_Delete(all);
        if (got >= n)
            break;
        sleep_ms(100);
    }
    return got;
}

static void reg(struct harness *h, const char *name, const char *roles, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

/* The text of `u`'s newest notification of `kind` (caller frees). */
static char *notification_text(struct harness *h, const struct harness_user *u, const char *kind)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?per_page=200", u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    char *text = NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        const char *k = harness_str(it, "kind");
        if (!text && k && strcmp(k, kind) == 0)
            text = strdup(harness_str(it, "text"));
    }
    harness_resp_free(&r);
    if (!text)
        fail_msg("no %s notification for user %lld", kind, (long long)u->id);
    return text;
}

/* How many notifications `u` has (every one of them is one e-mail). */
static int notification_count(struct harness *h, const struct harness_user *u)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/me/notifications?per_page=1", u->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = -1;
    assert_true(harness_int(r.json, "total", &total));
    harness_resp_free(&r);
    return (int)total;
}

/* Check the one message for `to` carrying `text`: headers and content. */
/* The last message in `all` for `to` whose text holds `text`. */
static const cJSON *find_message(const cJSON *all, const char *to, const char *text)
{
    const cJSON *m, *found = NULL;
    cJSON_ArrayForEach(m, all)
    {
        const char *body = harness_str(m, "body");
        const cJSON *rcpt = cJSON_GetObjectItemCaseSensitive(m, "rcpt");
        if (body && strstr(body, text) && strcmp(cJSON_GetArrayItem(rcpt, 0)->valuestring, to) == 0)
            found = m;
    }
    assert_non_null(found);
    return found;
}

static void expect_message(const char *to, const char *text)
{
    cJSON *all = received();
    const cJSON *found = find_message(all, to, text);
    static const char *const required[] = {
        "Date",       "From",         "To",           "Subject",
        "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(found, "headers");
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int seen = 0;
        const cJSON *hd;
        cJSON_ArrayForEach(hd, headers) seen += strcasecmp(hd->valuestring, required[i]) == 0;
        if (seen != 1)
            fail_msg("header %s appears %d times", required[i], seen);
    }
    assert_string_equal(harness_str(found, "mail_from"), MAIL_FROM);
    assert_string_equal(harness_str(found, "from"), MAIL_FROM);
    assert_string_equal(harness_str(found, "to"), to);
    assert_string_equal(harness_str(found, "mime"), "1.0");
    assert_string_equal(harness_str(found, "content_type"), "text/plain");
    assert_string_equal(harness_str(found, "charset"), "utf-8");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(found, "date_ok")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(found, "defects")->valueint, 0);
    const char *id = harness_str(found, "message_id");
    assert_true(id && id[0] == '<' && strchr(id, '@') && id[strlen(id) - 1] == '>');
    /* The subject is the start of the text, decoded from UTF-8. */
    const char *subject = harness_str(found, "subject");
    assert_non_null(subject);
    assert_true(strncmp(subject, "mento: ", 7) == 0);
    /* A long text is cut, with an ellipsis. */
    size_t shown = strlen(subject + 7);
    if (shown >= 3 && strcmp(subject + 7 + shown - 3, "\xe2\x80\xa6") == 0)
        shown -= 3;
    assert_true(strncmp(subject + 7, text, shown) == 0);
    assert_true(strlen(subject) > 20);
    cJSON_Delete(all);
}

/* Message-IDs are all different (no message is a copy of another). */
static void expect_distinct_ids(void)
{
    cJSON *all = received();
    int n = cJSON_GetArraySize(all);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(harness_str(cJSON_GetArrayItem(all, i), "message_id"),
                       harness_str(cJSON_GetArrayItem(all, j), "message_id")) == 0)
                fail_msg("message %d and %d have the same Message-ID", i, j);
    cJSON_Delete(all);
}

/* The failed attempts recorded for messages to `to` (from the database). */
static int failed_attempts(const char *to)
{
    char db[256] = "", cmd[800];
    FILE *f = fopen(env.db_path_file, "r");
    assert_non_null(f);
    assert_non_null(fgets(db, sizeof db, f));
    fclose(f);
    db[strcspn(db, "\n")] = '\0';
    snprintf(cmd, sizeof cmd,
             "sqlite3 -cmd '.timeout 10000' '%s' \"SELECT count(*) FROM mail_outbox WHERE"
             " to_addr = '%s' AND sent_at IS NULL AND attempts >= 1 AND last_error IS NOT NULL\"",
             db, to);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = -1;
    if (fscanf(p, "%d", &n) != 1)
        n = -1;
    pclose(p);
    return n;
}

static void pair_up(struct harness *h, const struct harness_user *m, const struct harness_user *a,
                    int64_t *request)
{
    struct harness_resp r = {0};
    char body[128];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"kind\":\"mentoring\"}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/requests", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    harness_int(r.json, "id", request);
    harness_resp_free(&r);
}

static void test_mail_delivered_once_and_retried(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Amara Okafor", "mentee", &m);
    reg(h, "Nguyễn Thị Lan", "mentor", &a);

    /* A request: the mentor gets one e-mail. */
    int64_t req = 0;
    pair_up(h, &m, &a, &req);
    char *received_text = notification_text(h, &a, "request_received");
    assert_int_equal(wait_for(a.email, received_text, 1), 1);
    expect_message(a.email, received_text);
    /* Several ticks later it is still there once. */
    sleep_ms(3000);
    assert_int_equal(wait_for(a.email, received_text, 1), 1);
    assert_int_equal(notification_count(h, &a), 1);
    assert_int_equal(wait_for(a.email, NULL, 1), 1);

    /* The listener goes away; the acceptance's e-mails fail and wait. */
    smtp_stop();
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    struct harness_resp r = {0};
    harness_call(h, "POST", path, a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    char *accepted_text = notification_text(h, &m, "request_accepted");
    int to_m = notification_count(h, &m), to_a = notification_count(h, &a);
    assert_true(to_m >= 2); /* request_accepted and pairing_created at least */
    assert_true(to_a >= 2);
    int failed = 0;
    for (int waited = 0; waited < WAIT_MS && failed < to_m; waited += 200) {
        sleep_ms(200);
        failed = failed_attempts(m.email);
    }
    assert_int_equal(failed, to_m);

    /* Back again: after the backoff, each is delivered once. */
    assert_int_equal(smtp_start(), 0);
    harness_advance_clock(h, 2 * 3600);
    assert_int_equal(wait_for(m.email, accepted_text, 1), 1);
    assert_int_equal(wait_for(m.email, NULL, to_m), to_m);
    assert_int_equal(wait_for(a.email, NULL, to_a), to_a);
    expect_message(m.email, accepted_text);
    sleep_ms(3000);
    harness_advance_clock(h, 2 * 3600);
    sleep_ms(2000);
    assert_int_equal(count_now(m.email, NULL), to_m);
    assert_int_equal(count_now(a.email, NULL), to_a);
    assert_int_equal(count_now(m.email, accepted_text), 1);
    assert_int_equal(failed_attempts(m.email), 0);
    expect_distinct_ids();
    free(received_text);
    free(accepted_text);
    harness_resp_free(&r);
}

/* The one message for `to` whose text holds `text`, with its one attachment:
 * a calendar file with `method`, parsed. Returns the VCALENDAR (caller frees
 * with icalcomponent_free). */
static icalcomponent *invitation(const char *to, const char *text, const char *method)
{
    assert_int_equal(wait_for(to, text, 1), 1);
    cJSON *all = received();
    const cJSON *found = find_message(all, to, text);
    assert_string_equal(harness_str(found, "content_type"), "multipart/mixed");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(found, "defects")->valueint, 0);
    const cJSON *atts = cJSON_GetObjectItemCaseSensitive(found, "attachments");
    assert_int_equal(cJSON_GetArraySize(atts), 1);
    const cJSON *a = cJSON_GetArrayItem(atts, 0);
    assert_string_equal(harness_str(a, "content_type"), "text/calendar");
    assert_string_equal(harness_str(a, "method"), method);
    const char *name = harness_str(a, "filename");
    assert_true(name && strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".ics") == 0);
    icalcomponent *cal = icalparser_parse_string(harness_str(a, "text"));
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    assert_int_equal(icalcomponent_get_method(cal),
                     strcmp(method, "CANCEL") == 0 ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
    cJSON_Delete(all);
    return cal;
}

/* The event's start as a UTC instant, through the calendar's own time zone. */
static int64_t event_start(icalcomponent *cal, icalcomponent *ev)
{
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    assert_non_null(p);
    struct icaltimetype t = icalproperty_get_dtstart(p);
    icalparameter *tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    icaltimezone *zone = icaltimezone_get_utc_timezone();
    if (tzid) {
        zone = icalcomponent_get_timezone(cal, icalparameter_get_tzid(tzid));
        assert_non_null(zone); /* the VTIMEZONE travels with the invitation */
    }
    if (icaltime_is_utc(t))
        zone = icaltimezone_get_utc_timezone();
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

static void test_invitations_attached(void **state)
{
    struct harness *h = *state;
    struct harness_user m, a;
    reg(h, "Kofi Mensah", "mentee", &m);
    reg(h, "Ingrid Solberg", "mentor", &a);
    int64_t req = 0;
    pair_up(h, &m, &a, &req);
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    struct harness_resp r = {0};
    harness_call(h, "POST", path, a.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = 0;
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &pairing));

    /* Three sessions, two weeks apart, at 09:30 in Geneva. */
    char when[40], body[300];
    time_t first = (time_t)(harness_now(h) + 10 * 86400);
    struct tm tm;
    gmtime_r(&first, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT07:30:00Z", &tm);
    snprintf(body, sizeof body,
             "{\"starts_at\":\"%s\",\"timezone\":\"Europe/Zurich\",\"duration_min\":45,"
             "\"recurrence\":{\"every_weeks\":2,\"count\":3}}",
             when);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    harness_call(h, "POST", path, m.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    int64_t starts[3], ids[3];
    for (int i = 0; i < 3; i++) {
        const cJSON *it = cJSON_GetArrayItem(items, i);
        assert_true(harness_int(it, "id", &ids[i]));
        assert_int_equal(codec_time_parse(harness_str(it, "starts_at"), &starts[i]), MENTO_OK);
    }
    char *booked = notification_text(h, &a, "session_booked");
    icalcomponent *cal = invitation(a.email, booked, "REQUEST");
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 3);
    char uid1[200] = "";
    int i = 0;
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), i++) {
        assert_int_equal(event_start(cal, ev), starts[i]);
        if (i == 1)
            snprintf(uid1, sizeof uid1, "%s", icalcomponent_get_uid(ev));
        struct icaldurationtype d = icalcomponent_get_duration(ev);
        assert_int_equal(icaldurationtype_as_int(d), 45 * 60);
    }
    icalcomponent_free(cal);
    /* The mentee's copy too. */
    char *booked_m = notification_text(h, &m, "session_booked");
    cal = invitation(m.email, booked_m, "REQUEST");
    icalcomponent_free(cal);
    free(booked_m);

    /* The second session moves an hour later: a new invitation, same UID. */
    char later[40];
    time_t moved = (time_t)(starts[1] + 3600);
    gmtime_r(&moved, &tm);
    strftime(later, sizeof later, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", later);
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld", (long long)ids[1]);
    harness_call(h, "PATCH", path, a.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    char *changed = notification_text(h, &m, "session_rescheduled");
    cal = invitation(m.email, changed, "REQUEST");
    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    assert_string_equal(icalcomponent_get_uid(ev), uid1);
    assert_int_equal(event_start(cal, ev), starts[1] + 3600);
    assert_true(icalproperty_get_sequence(
                    icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY)) > 0);
    icalcomponent_free(cal);

    /* Cancelled: the calendar is told to remove it. */
    snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/cancel", (long long)ids[1]);
    harness_call(h, "POST", path, m.token, "{\"reason\":\"Mission to the field.\"}", NULL, &r);
    harness_expect_status(&r, 200);
    char *cancelled = notification_text(h, &a, "session_cancelled");
    cal = invitation(a.email, cancelled, "CANCEL");
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_string_equal(icalcomponent_get_uid(ev), uid1);
    assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
    icalcomponent_free(cal);
    free(booked);
    free(changed);
    free(cancelled);
    harness_resp_free(&r);
}

/* ---- Set-up: the listener, and mentod started with SMTP configured ------------------- */

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    return chmod(path, mode);
}

static int env_setup(void)
{
    const char *real = getenv("MENTOD");
    if (!real)
        return -1;
    snprintf(env.dir, sizeof env.dir, "/tmp/mento-mail-XXXXXX");
    if (!mkdtemp(env.dir))
        return -1;
    snprintf(env.spool, sizeof env.spool, "%s/spool", env.dir);
    snprintf(env.db_path_file, sizeof env.db_path_file, "%s/db-path", env.dir);
    if (mkdir(env.spool, 0700) != 0)
        return -1;
    char path[400], text[2048];
    snprintf(path, sizeof path, "%s/smtp.py", env.dir);
    if (write_file(path, smtp_script, 0600) != 0)
        return -1;
    /* The scheduler (which sends the queued e-mails) ticks every second. */
    snprintf(path, sizeof path, "%s/mentod.conf", env.dir);
    if (write_file(path, "tick-seconds = 1\n", 0600) != 0)
        return -1;
    env.smtp_port = free_port();
    if (env.smtp_port <= 0)
        return -1;
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "prev=\n"
             "for a in \"$@\"; do [ \"$prev\" = --db ] && printf '%%s\\n' \"$a\" > '%s'; prev=$a;"
             " done\n"
             "exec '%s' -c '%s/mentod.conf' --smtp-url smtp://127.0.0.1:%d --smtp-from %s \"$@\"\n",
             env.db_path_file, real, env.dir, env.smtp_port, MAIL_FROM);
    snprintf(path, sizeof path, "%s/mentod", env.dir);
    if (write_file(path, text, 0700) != 0)
        return -1;
    setenv("MENTOD", path, 1);
    return smtp_start();
}

static void env_cleanup(void)
{
    smtp_stop();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", env.dir);
    if (env.dir[0] && system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", env.dir);
}

int main(void)
{
    if (env_setup() != 0) {
        fprintf(stderr, "# cannot start the SMTP listener (python3-aiosmtpd)\n");
        env_cleanup();
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_delivered_once_and_retried),
        cmocka_unit_test(test_invitations_attached),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    int rc = cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
    env_cleanup();
    return rc;
}

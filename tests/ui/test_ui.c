/* test_ui.c - the real mento program, driven by MENTO_SCRIPT against a real
 * mentod: screens dumped and compared with tests/ui/expected/, the
 * directory filtered several ways, a profile opened, the help listing keys,
 * a user's keymap applied and a broken one reported, resizes down to a
 * too-small terminal, and wide scripts aligned. Set MENTO_UI_UPDATE=1 to
 * rewrite the expected files after a deliberate change (then read the diff). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libical/ical.h>

#include "harness.h"
#include "mento/text.h"
#include "ui_kit.h"

static const struct ui_person mentors[] = {
    {"Nguyễn Thị Lan", "P-4", "UNDP", "Bangkok", "Asia/Bangkok", "en|fr",
     "Political, Peace and Humanitarian"},
    {"王小明", "P-5", "UNICEF", "Beijing", "Asia/Shanghai", "en", "Management and Operations"},
    {"أحمد المصري", "D-1", "UNHCR", "Amman", "Asia/Amman", "en|fr",
     "Political, Peace and Humanitarian"},
    {"Zoë Müller", "P-3", "OCHA", "Nairobi", "Africa/Nairobi", "fr", "Economic and Social"},
    {"Карим Хаддад", "P-4", "WFP", "Moscow", "Europe/Moscow", "en", "Management and Operations"},
    {"José Pérez", "P-5", "UNDP", "Bogotá", "America/Bogota", "en|fr", "Economic and Social"},
    {"Amara Okafor", "G-7", "UNEP", "Nairobi", "Africa/Nairobi", "en",
     "Political, Peace and Humanitarian"},
};
#define N_MENTORS (sizeof mentors / sizeof mentors[0])

static int setup(void **state)
{
    struct ui *u = calloc(1, sizeof *u);
    if (!u || ui_start(u) != 0)
        return -1;
    for (size_t i = 0; i < N_MENTORS; i++)
        ui_register(u, &mentors[i], "mentor", 0, 6 + (int)i * 3, &u->mentor_users[i]);
    ui_register_amina(u);
    *state = u;
    return 0;
}

static int teardown(void **state)
{
    struct ui *u = *state;
    ui_stop(u);
    free(u);
    return 0;
}

static void login_keeps_only_a_token(void **state)
{
    struct ui *u = *state;
    char *args[] = {"mento", "login", "--server", u->url, "--email", u->mentee.email, NULL};
    assert_int_equal(run_mento(u, NULL, NULL, args), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/data/mento/session.json", u->dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *text = read_file(path);
    assert_non_null(strstr(text, "\"token\""));
    assert_null(strstr(text, HARNESS_PASSWORD));
    free(text);
    /* A wrong password is refused with the server's reason, exit 1. */
    char *bad[] = {"mento", "login", "--server", u->url, "--email", "nobody@example.org", NULL};
    assert_int_equal(run_mento(u, NULL, NULL, bad), 1);
    /* `mento sync` from the command line: exit 0. */
    char *sync[] = {"mento", "sync", NULL};
    assert_int_equal(run_mento(u, NULL, NULL, sync), 0);
}

static void directory_filtered(void **state)
{
    struct ui *u = *state;
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n"
             ":save-display %s/directory.txt\n"
             "/\n:type lan\n<Enter>\n"
             ":save-display %s/filter-text.txt\n"
             "c\nd\n:type nai\n<Enter>\n"
             ":save-display %s/filter-station.txt\n"
             "l l\n"
             ":save-display %s/filter-station-fr.txt\n"
             "c\ng\n:type P-5\n<Enter>\ns\n"
             ":save-display %s/filter-grade-by-name.txt\n"
             "c\n/\n:type zzz\n<Enter>\n"
             ":save-display %s/filter-nothing.txt\n"
             "q\n",
             u->dir, u->dir, u->dir, u->dir, u->dir, u->dir);
    run_script(u, "120x40", script);
    expect_screen(u, "directory");
    expect_screen(u, "filter-text");
    expect_screen(u, "filter-station");
    expect_screen(u, "filter-station-fr");
    expect_screen(u, "filter-grade-by-name");
    expect_screen(u, "filter-nothing");
}

static void profile_and_help(void **state)
{
    struct ui *u = *state;
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n<Down>\np\n"
             ":save-display %s/profile-wide.txt\n"
             ":resize 80x24\n"
             ":save-display %s/profile-narrow.txt\n"
             "<Esc>\n?\n"
             ":save-display %s/help.txt\n"
             "q\n",
             u->dir, u->dir, u->dir);
    run_script(u, "120x40", script);
    expect_screen(u, "profile-wide");
    expect_screen(u, "profile-narrow");
    expect_screen(u, "help");
}

static void resize_down_to_too_small(void **state)
{
    struct ui *u = *state;
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n"
             ":save-display %s/size-120x40.txt\n"
             ":resize 80x24\n:save-display %s/size-80x24.txt\n"
             ":resize 60x20\n:save-display %s/size-60x20.txt\n"
             ":resize 120x40\n:save-display %s/size-back.txt\n"
             "q\n",
             u->dir, u->dir, u->dir, u->dir);
    run_script(u, "120x40", script);
    expect_screen(u, "size-80x24");
    expect_screen(u, "size-60x20");
    /* Back to the first size, the same screen as before. */
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/size-120x40.txt", u->dir);
    snprintf(b, sizeof b, "%s/size-back.txt", u->dir);
    char *x = read_file(a), *y = read_file(b);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* Every row of the list puts the grade at the same display column as the
 * header, whatever the script of the name. */
static void wide_scripts_aligned(void **state)
{
    struct ui *u = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/directory.txt", u->dir);
    char *text = read_file(path);
    assert_non_null(text);
    int grade_col = -1, rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *g = strstr(line, "Grade");
        if (g && grade_col < 0) {
            *g = '\0';
            grade_col = text_width(line);
            continue;
        }
        if (grade_col < 0)
            continue;
        for (size_t i = 0; i < N_MENTORS; i++) {
            char *name = strstr(line, mentors[i].name);
            char *grade = name ? strstr(name + strlen(mentors[i].name), mentors[i].grade) : NULL;
            if (!grade)
                continue;
            *grade = '\0';
            if (text_width(line) != grade_col)
                fail_msg("%s: grade at column %d, header at %d", mentors[i].name, text_width(line),
                         grade_col);
            rows++;
        }
    }
    assert_int_equal(rows, (int)N_MENTORS);
    free(text);
}

static void user_keymap_applied(void **state)
{
    struct ui *u = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/config/mento/keys", u->dir);
    write_file(path, "# mine\nbind generic x quit\nbind directory J move-down\n");
    char script[512];
    snprintf(script, sizeof script,
             ":wait-sync\nJ J\n:save-state %s/state.json\n?\n:save-display %s/help-user.txt\nx\n"
             "# never reached: x quits\n:save-state %s/after.json\n",
             u->dir, u->dir, u->dir);
    run_script(u, "80x24", script);
    snprintf(path, sizeof path, "%s/state.json", u->dir);
    char *st = read_file(path);
    assert_non_null(strstr(st, "\"selected\":\t2"));
    free(st);
    snprintf(path, sizeof path, "%s/after.json", u->dir);
    assert_null(read_file(path));
    expect_screen(u, "help-user");
}

static void broken_keymap_reported(void **state)
{
    struct ui *u = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/config/mento/keys", u->dir);
    write_file(path, "bind generic x quit\nbind generic y fly-away\n");
    char script[512];
    snprintf(script, sizeof script, ":save-display %s/keys-broken.txt\nx\n", u->dir);
    run_script(u, "80x24", script);
    snprintf(path, sizeof path, "%s/keys-broken.txt", u->dir);
    char *screen = read_file(path);
    char want[256];
    snprintf(want, sizeof want, "keymap: %s/config/mento/keys:2: unknown request \"fly-away\"",
             u->dir);
    char shown[81];
    snprintf(shown, sizeof shown, "%.80s", want); /* the line may be cut at 80 columns */
    if (!strstr(screen, shown) && !strstr(screen, "unknown request"))
        fail_msg("the keymap error is not on screen:\n%s", screen);
    assert_non_null(strstr(screen, ":2:"));
    free(screen);
    /* The log has the whole message. */
    snprintf(path, sizeof path, "%s/state/mento/mento.log", u->dir);
    char *log = read_file(path);
    assert_non_null(log);
    assert_non_null(strstr(log, want));
    free(log);
    snprintf(path, sizeof path, "%s/config/mento/keys", u->dir);
    unlink(path);
}

/* The server's view of the mentee's wish-list and requests. */
static cJSON *server_get(struct ui *u, const char *path)
{
    struct harness_resp r = {0};
    harness_call(u->h, "GET", path, u->mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON *j = cJSON_Duplicate(r.json, 1);
    harness_resp_free(&r);
    return j;
}

/* From the directory to a request and back: two mentors wish-listed, the
 * order changed, a request sent through the form and its confirmation, the
 * deadline shown, the request withdrawn, the cascade turned off. */
static void wishlist_and_request(void **state)
{
    struct ui *u = *state;
    char script[2048];
    snprintf(script, sizeof script,
             ":wait-sync\n"
             "w <Down> w\n"
             ":wait-sync\n"
             "2\n:wait-sync\n"
             ":save-display %s/wishlist.txt\n"
             "-\n:wait-sync\n"
             "r\n<Tab>\n:type I would like to learn about field coordination.\n<Enter>\n"
             ":save-display %s/request-confirm.txt\n"
             "y\n:wait-sync\n"
             ":save-display %s/request-open.txt\n"
             "x\ny\n:wait-sync\n"
             "c\n:wait-sync\n"
             ":save-display %s/request-withdrawn.txt\n"
             "q\n",
             u->dir, u->dir, u->dir, u->dir);
    run_script(u, "100x30", script);
    expect_screen(u, "wishlist");
    expect_screen(u, "request-confirm");
    expect_screen(u, "request-open");
    expect_screen(u, "request-withdrawn");

    cJSON *wl = server_get(u, "/v1/programmes/together/wishlist");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(wl, "cascade")));
    /* The first added went down one place: the second is first now. */
    const cJSON *first = cJSON_GetArrayItem(items, 0);
    const char *first_name =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "mentor"), "name")
            ->valuestring;
    assert_string_equal(first_name, mentors[0].name);
    cJSON *reqs = server_get(u, "/v1/programmes/together/requests");
    const cJSON *ri = cJSON_GetObjectItemCaseSensitive(reqs, "items");
    assert_int_equal(cJSON_GetArraySize(ri), 1);
    const cJSON *r0 = cJSON_GetArrayItem(ri, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r0, "state")->valuestring, "withdrawn");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r0, "message")->valuestring,
                        "I would like to learn about field coordination.");
    cJSON_Delete(wl);
    cJSON_Delete(reqs);
}

/* The mentor's side: the one request shown, accepted from the keyboard;
 * then the pairing in both people's lists. */
static void mentor_accepts(void **state)
{
    struct ui *u = *state;
    /* Amina asks Zoë (French-speaking, in Nairobi) through the API. */
    const struct harness_user *zoe = &u->mentor_users[3];
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"message\":\"Bonjour !\"}",
             (long long)zoe->id);
    struct harness_resp r = {0};
    harness_call(u->h, "POST", "/v1/programmes/together/requests", u->mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);

    u->who = "-zoe";
    char *login[] = {"mento", "login", "--server", u->url, "--email", (char *)zoe->email, NULL};
    assert_int_equal(run_mento(u, NULL, NULL, login), 0);
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n3\n:save-display %s/inbox.txt\n"
             "a\n:save-display %s/accept-confirm.txt\ny\n:wait-sync\n"
             ":save-display %s/matches-mentor.txt\n<Enter>\n"
             ":save-display %s/partner.txt\nq\n",
             u->dir, u->dir, u->dir, u->dir);
    run_script(u, "100x30", script);
    u->who = NULL;
    expect_screen(u, "inbox");
    expect_screen(u, "accept-confirm");
    expect_screen(u, "matches-mentor");
    expect_screen(u, "partner");
    /* The mentee's client shows the pairing too. */
    snprintf(script, sizeof script, ":wait-sync\n3\n:save-display %s/matches-mentee.txt\nq\n",
             u->dir);
    run_script(u, "100x30", script);
    expect_screen(u, "matches-mentee");
    harness_call(u->h, "GET", "/v1/programmes/together/pairings?state=active", u->mentee.token,
                 NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = 0;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, 1);
    harness_resp_free(&r);
}

/* The profile, one answer at a time: a new biography reaches the server; an
 * unknown time zone is refused on the spot, in words, and nothing is queued. */
static void profile_answers_edited(void **state)
{
    struct ui *u = *state;
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n6\n"
             "<Down> <Down> <Down> <Down> <Down> <Down> <Down> <Down> <Down> <Down> <Down> "
             "<Down> <Down>\n<Enter>\n<C-u>\n:type Twelve years in field offices.\n<Enter>\n"
             ":wait-sync\n:save-display %s/profile-bio.txt\n"
             "<Up> <Up> <Up> <Up> <Up> <Up> <Up>\n<Enter>\n<C-u>\n:type Mars/Olympus\n<Enter>\n"
             ":save-display %s/profile-bad-zone.txt\n:save-state %s/profile-state.json\nq\n",
             u->dir, u->dir, u->dir);
    run_script(u, "100x30", script);
    expect_screen(u, "profile-bio");
    expect_screen(u, "profile-bad-zone");
    char path[128];
    snprintf(path, sizeof path, "%s/profile-state.json", u->dir);
    char *st = read_file(path);
    assert_non_null(strstr(st, "\"queued\":\t0"));
    free(st);
    struct harness_resp r = {0};
    harness_call(u->h, "GET", "/v1/me/profile", u->mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_string_equal(harness_str(r.json, "bio"), "Twelve years in field offices.");
    assert_string_equal(harness_str(r.json, "timezone"), "Africa/Nairobi");
    harness_resp_free(&r);
}

/* Every line of a saved screen but the status line (the last). */
static char *without_status(const char *text)
{
    char *copy = strdup(text);
    size_t n = strlen(copy);
    if (n && copy[n - 1] == '\n')
        copy[--n] = '\0';
    char *nl = strrchr(copy, '\n');
    if (nl)
        nl[1] = '\0';
    return copy;
}

/* The programme's resources: listed by kind under Help, one read in the
 * pager (wrapped at the pane, paged, a word found); then the same with no
 * network at all, from what the store kept. */
static void resources_read_in_a_pager(void **state)
{
    struct ui *u = *state;
    char script[2048];
    snprintf(script, sizeof script,
             ":wait-sync\n7\n"
             ":save-display %s/resources.txt\n"
             "<Down>\n<Enter>\n"
             ":save-display %s/resources-pager.txt\n"
             "<Space>\n"
             ":save-display %s/resources-pager-2.txt\n"
             "<Home>\n/\n:type SURVEY\n<Enter>\n"
             ":save-display %s/resources-found.txt\n"
             ":save-state %s/resources-state.json\n"
             "n\n:save-state %s/resources-again.json\n"
             "<Esc>\n<Esc>\n:save-state %s/resources-closed.json\n"
             "q\n",
             u->dir, u->dir, u->dir, u->dir, u->dir, u->dir, u->dir);
    run_script(u, "80x24", script);
    expect_screen(u, "resources");
    expect_screen(u, "resources-pager");
    expect_screen(u, "resources-pager-2");
    expect_screen(u, "resources-found");
    char path[160];
    snprintf(path, sizeof path, "%s/resources-state.json", u->dir);
    char *st = read_file(path);
    assert_non_null(strstr(st, "\"resource\":\t\"together-mentee-handbook\""));
    assert_non_null(strstr(st, "Found on line"));
    free(st);
    /* Only one place has the word: n goes round to it again. */
    snprintf(path, sizeof path, "%s/resources-again.json", u->dir);
    st = read_file(path);
    assert_non_null(strstr(st, "Went round to the top"));
    free(st);
    /* Esc closes the text, then the pane. */
    snprintf(path, sizeof path, "%s/resources-closed.json", u->dir);
    st = read_file(path);
    assert_non_null(strstr(st, "\"screen\":\t\"directory\""));
    assert_non_null(strstr(st, "\"resource\":\t\"\""));
    free(st);

    /* Offline by choice: the same text, from the store alone. */
    snprintf(script, sizeof script,
             "7\n<Down>\n<Enter>\n:save-display %s/resources-offline.txt\nq\n", u->dir);
    run_script_with(u, "80x24", script, "--offline");
    char a[160], b[160];
    snprintf(a, sizeof a, "%s/resources-pager.txt", u->dir);
    snprintf(b, sizeof b, "%s/resources-offline.txt", u->dir);
    char *online = read_file(a), *offline = read_file(b);
    assert_non_null(offline);
    char *x = without_status(online), *y = without_status(offline);
    assert_string_equal(x, y);
    assert_non_null(strstr(offline, "offline (by choice)"));
    free(x);
    free(y);
    free(online);
    free(offline);
}

/* The start of the only event of an iCalendar file, as written (local
 * time and TZID), and its METHOD; false when libical cannot read it. */
static bool ics_start(const char *text, struct icaltimetype *start, char *tzid, size_t tz_cap,
                      char *method, size_t method_cap)
{
    icalcomponent *cal = icalparser_parse_string(text);
    if (!cal)
        return false;
    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    icalproperty *dt = ev ? icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY) : NULL;
    icalparameter *tz = dt ? icalproperty_get_first_parameter(dt, ICAL_TZID_PARAMETER) : NULL;
    icalproperty *m = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    bool ok = dt && tz && m;
    if (ok) {
        *start = icalproperty_get_dtstart(dt);
        snprintf(tzid, tz_cap, "%s", icalparameter_get_tzid(tz));
        snprintf(method, method_cap, "%s",
                 icalproperty_method_to_string(icalproperty_get_method(m)));
        /* The zone it names is described in the file. */
        ok = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT) != NULL;
    }
    icalcomponent_free(cal);
    return ok;
}

/* A saved invitation parses back with the session's start in its own zone. */
static void expect_invitation(const char *path, int64_t starts_at)
{
    char *text = read_file(path);
    if (!text)
        fail_msg("no file %s", path);
    struct icaltimetype t;
    char tzid[64], method[32];
    if (!ics_start(text, &t, tzid, sizeof tzid, method, sizeof method))
        fail_msg("libical cannot read %s:\n%s", path, text);
    assert_string_equal(tzid, "Asia/Bangkok");
    assert_string_equal(method, "REQUEST");
    /* Bangkok is UTC+7 all year. */
    time_t local = (time_t)(starts_at + 7 * 3600);
    struct tm tm;
    gmtime_r(&local, &tm);
    assert_int_equal(t.year, tm.tm_year + 1900);
    assert_int_equal(t.month, tm.tm_mon + 1);
    assert_int_equal(t.day, tm.tm_mday);
    assert_int_equal(t.hour, tm.tm_hour);
    assert_int_equal(t.minute, tm.tm_min);
    assert_int_equal(
        (int64_t)icaltime_as_timet_with_zone(t, icaltimezone_get_builtin_timezone("Asia/Bangkok")),
        starts_at);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    free(text);
}

/* The names in a folder other than . and .., sorted, with spaces between. */
static void folder_names(const char *dir, char *out, size_t cap)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | sort | tr '\\n' ' '", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
}

static void expect_message(struct ui *u, const char *file, const char *words)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", u->dir, file);
    char *st = read_file(path);
    if (!st || !strstr(st, words))
        fail_msg("%s does not say \"%s\":\n%s", file, words, st ? st : "(nothing saved)");
    free(st);
}

/* A booked session's invitation saved from the sessions pane into the
 * configured folder, where libical reads it back with the start in the
 * session's own zone; saving again asks before replacing and, refused,
 * leaves the file as it was; a folder that is not there is named and
 * nothing is written; offline, the copy kept at the last sync is saved. */
static void invitation_saved_to_a_file(void **state)
{
    struct ui *u = *state;
    /* Amina and Zoë are paired (mentor_accepts): she books the first
     * session, in Bangkok time, through the API. */
    struct harness_resp r = {0};
    harness_call(u->h, "GET", "/v1/programmes/together/pairings?state=active", u->mentee.token,
                 NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t pairing = 0;
    assert_true(
        harness_int(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "id", &pairing));
    int64_t start = (harness_now(u->h) / 86400 + 10) * 86400 + 7 * 3600 + 30 * 60;
    time_t t = (time_t)start;
    struct tm tm;
    gmtime_r(&t, &tm);
    char body[256], path[160];
    strftime(body, sizeof body,
             "{\"starts_at\":\"%Y-%m-%dT%H:%M:00Z\",\"timezone\":\"Asia/Bangkok\","
             "\"duration_min\":45,\"location\":\"https://teams.example/l/abc\"}",
             &tm);
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/sessions",
             (long long)pairing);
    harness_call(u->h, "POST", path, u->mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t session = 0;
    assert_true(
        harness_int(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "id", &session));
    harness_resp_free(&r);

    char cal[128], config[160], text[256], ics[192];
    snprintf(cal, sizeof cal, "%s/cal", u->dir);
    assert_int_equal(mkdir(cal, 0700), 0);
    snprintf(config, sizeof config, "%s/config/mento/config", u->dir);
    snprintf(text, sizeof text, "# where invitations go\ncalendar-dir = %s\n", cal);
    write_file(config, text);
    snprintf(ics, sizeof ics, "%s/mento-session-%lld.ics", cal, (long long)session);

    char script[2048];
    snprintf(script, sizeof script,
             ":wait-sync\n4\n:save-display %s/sessions.txt\n"
             "e\n:save-display %s/invitation-form.txt\n<Enter>\n:wait-sync\n"
             ":save-state %s/invitation.json\n"
             "e\n<Enter>\n:save-display %s/invitation-replace.txt\nn\n"
             ":save-state %s/invitation-kept.json\n"
             "e\n<C-u>\n:type %s/nowhere/x.ics\n<Enter>\n:save-state %s/invitation-nofolder.json\n"
             "e\n<C-u>\n:type "
             "%s/a-folder-with-a-rather-long-name/and-another-folder-below-it/mento-session.ics\n"
             ":save-display %s/invitation-long-name.txt\n<Esc>\n"
             "q\n",
             u->dir, u->dir, u->dir, u->dir, u->dir, u->dir, u->dir, u->dir, u->dir);
    run_script(u, "100x30", script);
    expect_screen(u, "sessions");
    expect_screen(u, "invitation-form");
    expect_screen(u, "invitation-replace");
    expect_screen(u, "invitation-long-name"); /* the end of a long name, where one types */
    expect_message(u, "invitation.json", "Saved the invitation of session 1 in");
    expect_invitation(ics, start);
    expect_message(u, "invitation-kept.json", "is left as it was");
    expect_message(u, "invitation-nofolder.json", "Not saved: there is no folder");
    /* One file, whole; no temporary file beside it; nothing elsewhere. */
    char names[512], want[128];
    folder_names(cal, names, sizeof names);
    snprintf(want, sizeof want, "mento-session-%lld.ics ", (long long)session);
    assert_string_equal(names, want);
    snprintf(path, sizeof path, "%s/nowhere", u->dir);
    assert_int_not_equal(access(path, F_OK), 0);

    /* Offline by choice: the copy kept when the session synced. */
    snprintf(script, sizeof script,
             "4\ne\n<C-u>\n:type offline.ics\n<Enter>\n:save-state %s/invitation-offline.json\n"
             "q\n",
             u->dir);
    run_script_with(u, "100x30", script, "--offline");
    expect_message(u, "invitation-offline.json", "(as kept at the last sync)");
    snprintf(path, sizeof path, "%s/offline.ics", cal);
    expect_invitation(path, start);
    unlink(config);
}

static void server_exits_cleanly(void **state)
{
    struct ui *u = *state;
    assert_int_equal(harness_stop_server(u->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_keeps_only_a_token),
        cmocka_unit_test(directory_filtered),
        cmocka_unit_test(wide_scripts_aligned),
        cmocka_unit_test(profile_and_help),
        cmocka_unit_test(resize_down_to_too_small),
        cmocka_unit_test(user_keymap_applied),
        cmocka_unit_test(broken_keymap_reported),
        cmocka_unit_test(wishlist_and_request),
        cmocka_unit_test(mentor_accepts),
        cmocka_unit_test(profile_answers_edited),
        cmocka_unit_test(resources_read_in_a_pager),
        cmocka_unit_test(invitation_saved_to_a_file),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

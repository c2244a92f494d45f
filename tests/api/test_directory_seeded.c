/* test_directory_seeded.c - the directory of a seeded programme against what
 * the database says: frozen and hidden mentors absent, full ones marked full,
 * the language rule, and nothing lost or repeated across pages. (The demo
 * mentee is bilingual; the rule's refusals are in test_directory.c.) And the
 * pairing suggestions for the seeded IOM cohort, every applicant selected,
 * checked against the same database. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#define DEMO_PASSWORD "mento-demo-2026"
#define MENTEE "mentee@demo.mento.example"
#define ADMIN "admin@demo.mento.example"

struct seeded {
    char dir[256];
    char db[300];
    pid_t pid;
    int port;
    CURL *curl;
    char token[128];
    char admin_token[128];
    const char *as; /* the token calls carry; NULL: token */
};

struct buf {
    char *data;
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    char *d = realloc(b->data, b->len + size * n + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, p, size * n);
    b->data = d;
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

/* GET or POST `path`; returns the parsed JSON body (the caller deletes it). */
static cJSON *call(struct seeded *s, const char *path, const char *post, long *status)
{
    char url[600];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    struct buf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[200];
    if (s->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->as ? s->as : s->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_reset(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
    if (post)
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, post);
    assert_int_equal(curl_easy_perform(s->curl), CURLE_OK);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    cJSON *j = b.data ? cJSON_Parse(b.data) : NULL;
    free(b.data);
    return j;
}

static int run_wait(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", 1);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    const char *mentod = getenv("MENTOD");
    if (!mentod)
        return -1;
    struct seeded *s = calloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s/mento-seeded-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->db, sizeof s->db, "%s/seeded.db", s->dir);
    /* 2,000 generated people: frozen, hidden and full mentors among them by
     * construction. Every IOM applicant is then selected, and the demo
     * administrator appointed there, for the suggestions. */
    char *seed_argv[] = {(char *)mentod, "seed", "--db", s->db, "--seed", "7", "--participants",
                         "2000", NULL};
    char *appoint_argv[] = {(char *)mentod, "appoint", "--db", s->db, "--programme", "iom-2025",
                            "--email", ADMIN, NULL};
    if (run_wait(seed_argv) != 0 || run_wait(appoint_argv) != 0)
        return -1;
    sqlite3 *db;
    if (sqlite3_open(s->db, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "UPDATE memberships SET status = 'selected' WHERE programme_id = 'iom-2025'"
                     " AND status = 'applied'",
                     NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_close(db);
    char port_file[300], log[300];
    snprintf(port_file, sizeof port_file, "%s/port", s->dir);
    snprintf(log, sizeof log, "%s/mentod.log", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        execl(mentod, mentod, "--test-mode", "--db", s->db, "--port", "0", "--port-file",
              port_file, "--log", log, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && s->port == 0; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            if (fscanf(f, "%d", &s->port) != 1)
                s->port = 0;
            fclose(f);
        }
        if (!s->port)
            usleep(50000);
    }
    if (!s->port)
        return -1;
    s->curl = curl_easy_init();
    long status;
    cJSON *login = call(s, "/v1/auth/login",
                        "{\"email\":\"" MENTEE "\",\"password\":\"" DEMO_PASSWORD "\"}", &status);
    const cJSON *tok = cJSON_GetObjectItem(login, "token");
    if (status != 200 || !cJSON_IsString(tok))
        return -1;
    snprintf(s->token, sizeof s->token, "%s", tok->valuestring);
    cJSON_Delete(login);
    login = call(s, "/v1/auth/login", "{\"email\":\"" ADMIN "\",\"password\":\"" DEMO_PASSWORD "\"}",
                 &status);
    tok = cJSON_GetObjectItem(login, "token");
    if (status != 200 || !cJSON_IsString(tok))
        return -1;
    snprintf(s->admin_token, sizeof s->admin_token, "%s", tok->valuestring);
    cJSON_Delete(login);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct seeded *s = *state;
    int st = 0;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &st, 0);
    curl_easy_cleanup(s->curl);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s->dir);
    bool clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    free(s);
    return clean ? 0 : -1;
}

/* What the database says the mentee's directory must hold. */
struct expected {
    int64_t ids[4096];
    bool full[4096];
    size_t n;
    int frozen, hidden, full_count, other_language;
};

static void expected_from_db(const struct seeded *s, struct expected *e)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    /* The mentee's languages, then every mentor membership of "together". */
    const char *sql =
        "WITH me AS (SELECT u.id, p.answers FROM users u JOIN profiles p ON p.user_id = u.id"
        "            WHERE u.email = '" MENTEE "')"
        " SELECT m.user_id, u.frozen, m.hidden, m.status,"
        "  (SELECT count(*) FROM json_each(p.answers, '$.languages') a"
        "    WHERE a.value IN (SELECT value FROM json_each((SELECT answers FROM me),"
        "                                                    '$.languages'))),"
        "  m.capacity, (SELECT count(*) FROM pairings x WHERE x.mentor_id = m.user_id"
        "               AND x.programme_id = m.programme_id AND x.state = 'active')"
        " FROM memberships m JOIN users u ON u.id = m.user_id JOIN profiles p ON p.user_id = m.user_id"
        " WHERE m.programme_id = 'together' AND (m.roles & 2) != 0"
        "   AND m.user_id != (SELECT id FROM me)"
        " ORDER BY m.user_id";
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    memset(e, 0, sizeof *e);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int frozen = sqlite3_column_int(st, 1), hidden = sqlite3_column_int(st, 2);
        const char *status = (const char *)sqlite3_column_text(st, 3);
        int shared = sqlite3_column_int(st, 4);
        bool full = sqlite3_column_int(st, 6) >= sqlite3_column_int(st, 5);
        e->frozen += frozen;
        e->hidden += hidden && !frozen;
        if (frozen || hidden || strcmp(status, "active") != 0)
            continue;
        if (shared == 0) {
            e->other_language++;
            continue;
        }
        assert_true(e->n < 4096);
        e->full[e->n] = full;
        e->full_count += full;
        e->ids[e->n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static size_t find(const struct expected *e, int64_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->ids[i] == id)
            return i;
    return (size_t)-1;
}

static void directory_matches_the_database(void **state)
{
    struct seeded *s = *state;
    struct expected *e = malloc(sizeof *e);
    expected_from_db(s, e);
    /* The seed must have made every case this test is about. */
    assert_true(e->frozen > 0);
    assert_true(e->hidden > 0);
    assert_true(e->full_count > 0);

    bool *seen = calloc(e->n + 1, sizeof *seen);
    size_t got = 0;
    int64_t total = -1;
    for (int page = 1;; page++) {
        char path[200];
        snprintf(path, sizeof path, "/v1/programmes/together/mentors?per_page=37&page=%d", page);
        long status;
        cJSON *j = call(s, path, NULL, &status);
        assert_int_equal(status, 200);
        total = (int64_t)cJSON_GetObjectItem(j, "total")->valuedouble;
        const cJSON *items = cJSON_GetObjectItem(j, "items");
        if (cJSON_GetArraySize(items) == 0) {
            cJSON_Delete(j);
            break;
        }
        const cJSON *m;
        cJSON_ArrayForEach(m, items)
        {
            int64_t id = (int64_t)cJSON_GetObjectItem(m, "user_id")->valuedouble;
            size_t at = find(e, id);
            if (at == (size_t)-1)
                fail_msg("user %lld is listed but is frozen, hidden, not sharing a language "
                         "or not a mentor",
                         (long long)id);
            assert_false(seen[at]);
            seen[at] = true;
            got++;
            assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(m, "full")), e->full[at]);
            /* Admin-only answers and the e-mail never reach another participant. */
            assert_null(cJSON_GetObjectItem(m, "index_number"));
            assert_null(cJSON_GetObjectItem(m, "appointment_type"));
            assert_null(cJSON_GetObjectItem(m, "email"));
        }
        cJSON_Delete(j);
    }
    assert_int_equal(got, e->n);
    assert_int_equal(total, (int64_t)e->n);
    free(seen);
    free(e);
}

static void scores_are_in_order(void **state)
{
    struct seeded *s = *state;
    long status;
    cJSON *j = call(s, "/v1/programmes/together/mentors?per_page=200", NULL, &status);
    assert_int_equal(status, 200);
    double last = 101;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "items"))
    {
        const cJSON *score = cJSON_GetObjectItem(m, "score");
        double total = cJSON_GetObjectItem(score, "total")->valuedouble;
        assert_true(total <= last);
        last = total;
        /* The points of the reasons add up to the total (capped at 100). */
        double sum = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(score, "reasons"))
            sum += cJSON_GetObjectItem(r, "points")->valuedouble;
        assert_true(sum == total || (total == 100 && sum > 100));
    }
    cJSON_Delete(j);
}

/* ---- Pairing suggestions ---------------------------------------------------- */

#define COHORT_MAX 2000

/* The IOM cohort as the database has it. */
struct cohort {
    int64_t mentee[COHORT_MAX], mentor[COHORT_MAX];
    unsigned mentee_langs[COHORT_MAX], mentor_langs[COHORT_MAX]; /* bit 0 en, bit 1 fr */
    int places[COHORT_MAX];
    size_t n_mentees, n_mentors;
    sqlite3 *db;
};

static unsigned langs_of(sqlite3_stmt *st, int col)
{
    const char *a = (const char *)sqlite3_column_text(st, col);
    return (a && strstr(a, "\"en\"") ? 1u : 0u) | (a && strstr(a, "\"fr\"") ? 2u : 0u);
}

static void cohort_load(const struct seeded *s, struct cohort *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(sqlite3_open_v2(s->db, &c->db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    /* Mentees: selected, unfrozen, fewer than two active pairings. */
    const char *mentees =
        "SELECT m.user_id, json_extract(p.answers, '$.languages') FROM memberships m JOIN users u"
        " ON u.id = m.user_id JOIN profiles p ON p.user_id = m.user_id WHERE m.programme_id ="
        " 'iom-2025' AND (m.roles & 1) != 0 AND m.status IN ('active', 'selected') AND u.frozen"
        " = 0 AND (SELECT count(*) FROM pairings x WHERE x.programme_id = m.programme_id AND"
        " x.mentee_id = m.user_id AND x.state = 'active') < 2";
    const char *mentors =
        "SELECT m.user_id, json_extract(p.answers, '$.languages'), m.capacity - (SELECT count(*)"
        " FROM pairings x WHERE x.programme_id = m.programme_id AND x.mentor_id = m.user_id AND"
        " x.state = 'active') FROM memberships m JOIN users u ON u.id = m.user_id JOIN profiles p"
        " ON p.user_id = m.user_id WHERE m.programme_id = 'iom-2025' AND (m.roles & 2) != 0 AND"
        " m.status IN ('active', 'selected') AND u.frozen = 0 AND m.hidden = 0";
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(c->db, mentees, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && c->n_mentees < COHORT_MAX) {
        c->mentee[c->n_mentees] = sqlite3_column_int64(st, 0);
        c->mentee_langs[c->n_mentees++] = langs_of(st, 1);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(c->db, mentors, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && c->n_mentors < COHORT_MAX) {
        if (sqlite3_column_int(st, 2) <= 0)
            continue;
        c->mentor[c->n_mentors] = sqlite3_column_int64(st, 0);
        c->mentor_langs[c->n_mentors] = langs_of(st, 1);
        c->places[c->n_mentors++] = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
}

static size_t index_of(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return i;
    return (size_t)-1;
}

/* Already paired, or asked not to be matched again. */
static bool barred(const struct cohort *c, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(c->db,
                                        "SELECT (SELECT count(*) FROM pairings WHERE programme_id ="
                                        " 'iom-2025' AND state = 'active' AND mentee_id = ?1 AND"
                                        " mentor_id = ?2) + (SELECT count(*) FROM no_match WHERE"
                                        " programme_id = 'iom-2025' AND low_id = min(?1, ?2) AND"
                                        " high_id = max(?1, ?2))",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    bool out = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return out;
}

static void suggestions_for_the_seeded_cohort(void **state)
{
    struct seeded *s = *state;
    struct cohort *c = malloc(sizeof *c);
    assert_non_null(c);
    cohort_load(s, c);
    /* Enough people that the answer cannot be a toy one. */
    assert_true(c->n_mentees > 100 && c->n_mentors > 50);
    s->as = s->admin_token;
    long status;
    cJSON *j = call(s, "/v1/programmes/iom-2025/admin/pairings/suggestions", NULL, &status);
    s->as = NULL;
    assert_int_equal(status, 200);
    int *used = calloc(c->n_mentors, sizeof *used);
    bool *placed = calloc(c->n_mentees, sizeof *placed);
    int64_t sum = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "items"))
    {
        int64_t e = (int64_t)cJSON_GetObjectItem(it, "mentee_id")->valuedouble;
        int64_t m = (int64_t)cJSON_GetObjectItem(it, "mentor_id")->valuedouble;
        size_t ei = index_of(c->mentee, c->n_mentees, e), mi = index_of(c->mentor, c->n_mentors, m);
        if (ei == (size_t)-1 || mi == (size_t)-1)
            fail_msg("%lld with %lld: not both candidates", (long long)e, (long long)m);
        assert_false(placed[ei]);
        placed[ei] = true;
        assert_true(++used[mi] <= c->places[mi]);
        assert_true(c->mentee_langs[ei] & c->mentor_langs[mi]);
        assert_false(barred(c, e, m));
        sum += (int64_t)cJSON_GetObjectItem(it, "score")->valuedouble;
    }
    assert_int_equal((int64_t)cJSON_GetObjectItem(j, "total_score")->valuedouble, sum);
    /* Every candidate is either placed or listed as unassigned; and none of
     * the unassigned could still take a free place (the assignment cannot be
     * grown by one more pair). */
    size_t unassigned = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "unassigned_mentees"))
    {
        size_t ei = index_of(c->mentee, c->n_mentees, (int64_t)it->valuedouble);
        assert_true(ei != (size_t)-1);
        assert_false(placed[ei]);
        unassigned++;
        for (size_t mi = 0; mi < c->n_mentors; mi++)
            if (used[mi] < c->places[mi] && (c->mentee_langs[ei] & c->mentor_langs[mi]))
                assert_true(barred(c, c->mentee[ei], c->mentor[mi]));
    }
    size_t placed_n = 0;
    for (size_t i = 0; i < c->n_mentees; i++)
        placed_n += placed[i];
    assert_int_equal(placed_n + unassigned, c->n_mentees);
    cJSON_Delete(j);
    sqlite3_close(c->db);
    free(used);
    free(placed);
    free(c);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(directory_matches_the_database),
        cmocka_unit_test(scores_are_in_order),
        cmocka_unit_test(suggestions_for_the_seeded_cohort),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}

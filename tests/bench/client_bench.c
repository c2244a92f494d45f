/* client_bench.c - the client's figures: start to first frame from a store of
 * 10,000 mentors, re-filtering 100,000 mentors per keystroke, peak memory at
 * 100,000 mentors, and the cost of a sync (no change; first directory page on
 * a cold start) against a real mentod. Prints figures next to their targets;
 * it measures, it does not fail on a slow machine.
 *
 *   client_bench MENTO MENTOD */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mento/codec.h"
#include "mento/directory.h"
#include "mento/store.h"
#include "mento/sync.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static const char *const first[] = {"Amina", "Nguyễn",  "José",  "Zoë",   "Карим", "王",
                                    "أحمد",  "Élodie",  "Kwame", "Priya", "Lena",  "Omar",
                                    "Sofía", "Hiroshi", "Fatou", "Ingrid"};
static const char *const last[] = {
    "Diallo", "Thị Lan", "Pérez",   "Müller", "Хаддад",    "小明",   "المصري", "Lefèvre",
    "Mensah", "Sharma",  "Schmidt", "Haddad", "Rodríguez", "Tanaka", "Ndiaye", "Johansson"};
static const char *const entities[] = {"UNDP", "UNICEF",   "UNHCR",  "OCHA", "WFP", "WHO",
                                       "UNEP", "UN Women", "UNESCO", "IOM",  "ILO", "FAO"};
static const char *const networks[] = {"Political, Peace and Humanitarian",
                                       "Management and Operations",
                                       "Economic, Social and Development",
                                       "Information and Telecommunication Technology",
                                       "Legal",
                                       "Public Information and Conference Management",
                                       "Safety and Security",
                                       "Science"};
static const char *const grades[] = {"G-5", "G-6", "G-7", "P-2", "P-3", "P-4", "P-5", "D-1"};
static const char *const skills[] = {"negotiation",        "budgeting",
                                     "procurement",        "humanitarian coordination",
                                     "data analysis",      "gender mainstreaming",
                                     "project management", "policy writing"};

static cJSON *mentor(int i)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "user_id", 1000 + i);
    char buf[256];
    snprintf(buf, sizeof buf, "%s %s", first[i % 16], last[(i / 16) % 16]);
    cJSON_AddStringToObject(m, "name", buf);
    cJSON_AddStringToObject(m, "grade", grades[i % 8]);
    cJSON_AddStringToObject(m, "job_network", networks[i % 8]);
    cJSON_AddStringToObject(m, "entity", entities[(i / 7) % 12]);
    snprintf(buf, sizeof buf, "Duty station %d", i % 150);
    cJSON_AddStringToObject(m, "duty_station", buf);
    cJSON_AddStringToObject(m, "timezone", i % 2 ? "Africa/Nairobi" : "Asia/Bangkok");
    cJSON *langs = cJSON_AddArrayToObject(m, "languages");
    cJSON_AddItemToArray(langs, cJSON_CreateString("en"));
    if (i % 3)
        cJSON_AddItemToArray(langs, cJSON_CreateString("fr"));
    cJSON_AddNumberToObject(m, "years_experience", 5 + i % 25);
    cJSON *sk = cJSON_AddArrayToObject(m, "skills");
    cJSON_AddItemToArray(sk, cJSON_CreateString(skills[i % 8]));
    cJSON_AddItemToArray(sk, cJSON_CreateString(skills[(i / 8) % 8]));
    cJSON_AddStringToObject(m, "bio",
                            "Twelve years in field offices and headquarters; happy to talk "
                            "about moving between duty stations and about managing teams.");
    cJSON_AddNumberToObject(m, "capacity", 3);
    cJSON_AddNumberToObject(m, "mentees", i % 4 == 0 ? 3 : 1);
    cJSON_AddBoolToObject(m, "full", i % 4 == 0);
    return m;
}

/* A store of `n` mentors and a mentee profile, written in pages. */
static int make_store(const char *path, int n)
{
    struct store *s = NULL;
    char err[256];
    if (store_open(&s, path, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (int done = 0; done < n;) {
        cJSON *a = cJSON_CreateObject();
        char cursor[32];
        snprintf(cursor, sizeof cursor, "c%d", done);
        cJSON_AddStringToObject(a, "cursor", cursor);
        cJSON *ch = cJSON_AddObjectToObject(a, "changes");
        if (done == 0)
            cJSON_AddItemToObject(
                ch, "profile",
                cJSON_Parse("{\"user_id\":1,\"name\":\"Amina Diallo\",\"grade\":\"P-2\","
                            "\"job_network\":\"Legal\",\"entity\":\"OCHA\",\"duty_station\":"
                            "\"Dakar\",\"timezone\":\"Africa/Dakar\",\"languages\":[\"en\","
                            "\"fr\"],\"years_experience\":3,\"goals\":[\"negotiation\"]}"));
        cJSON *ms = cJSON_AddArrayToObject(ch, "mentors");
        for (int k = 0; k < 5000 && done < n; k++, done++)
            cJSON_AddItemToArray(ms, mentor(done));
        struct store_sync_summary sum;
        mento_status st = store_apply_sync(s, "together", a, 1, &sum, err, sizeof err);
        cJSON_Delete(a);
        if (st != MENTO_OK) {
            fprintf(stderr, "%s\n", err);
            store_close(&s);
            return -1;
        }
    }
    store_close(&s);
    return 0;
}

/* Run mento --offline on the store in `xdg` with a script; wall time and
 * peak resident memory of the whole run. */
static int run_mento(const char *mento, const char *xdg, const char *script, double *ms,
                     long *maxrss_kb)
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        char d[600];
        snprintf(d, sizeof d, "%s/data", xdg);
        setenv("XDG_DATA_HOME", d, 1);
        snprintf(d, sizeof d, "%s/state", xdg);
        setenv("XDG_STATE_HOME", d, 1);
        snprintf(d, sizeof d, "%s/config", xdg);
        setenv("XDG_CONFIG_HOME", d, 1);
        setenv("MENTO_SCRIPT", script, 1);
        setenv("MENTO_SCRIPT_SIZE", "120x40", 1);
        setenv("TERM", "xterm-256color", 1);
        execl(mento, "mento", "--offline", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    *ms = now_ms() - t0;
    *maxrss_kb = ru.ru_maxrss;
    return 0;
}

static void bench_program(const char *mento, int n, const char *label)
{
    char xdg[] = "/tmp/mento-bench-XXXXXX";
    if (!mkdtemp(xdg))
        return;
    char dir[600], path[700], script[700];
    snprintf(dir, sizeof dir, "%s/data", xdg);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/data/mento", xdg);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/local--anonymous.db", dir);
    if (make_store(path, n) != 0)
        return;
    snprintf(script, sizeof script, "%s/script", xdg);
    FILE *f = fopen(script, "w");
    fprintf(f, ":save-display %s/frame.txt\nq\n", xdg);
    fclose(f);
    double best = 1e9, ms;
    long rss = 0, r;
    for (int i = 0; i < 5; i++)
        if (run_mento(mento, xdg, script, &ms, &r) == 0) {
            if (ms < best)
                best = ms;
            if (r > rss)
                rss = r;
        }
    /* The client logs when its first frame is drawn, from the start of main. */
    char logp[700];
    snprintf(logp, sizeof logp, "%s/state/mento/mento.log", xdg);
    FILE *lf = fopen(logp, "r");
    double frame = -1, v;
    char line[256];
    while (lf && fgets(line, sizeof line, lf))
        if (sscanf(line, "first frame %lf ms", &v) == 1 && (frame < 0 || v < frame))
            frame = v;
    if (lf)
        fclose(lf);
    printf("%-52s %8.1f ms   (target < 50 ms at 10,000)\n", label, frame);
    printf("%-52s %8.1f ms\n", "  the whole run, process start to exit", best);
    printf("%-52s %8.1f MB   (target < 64 MB at 100,000)\n", "  peak resident memory",
           (double)rss / 1024.0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", xdg);
}

static void bench_filter(int n)
{
    char xdg[] = "/tmp/mento-bench-XXXXXX";
    if (!mkdtemp(xdg))
        return;
    char path[600];
    snprintf(path, sizeof path, "%s/store.db", xdg);
    if (make_store(path, n) != 0)
        return;
    struct store *s = NULL;
    char err[256];
    store_open(&s, path, err, sizeof err);
    struct mento_profile me;
    mento_profile_init(&me);
    cJSON *p = store_get(s, "together", "profile", NULL);
    const cJSON *fld;
    cJSON_ArrayForEach(fld, p)
    {
        struct codec_error ce;
        codec_profile_set_answer(&me, fld->string, fld, &ce);
    }
    cJSON_Delete(p);
    struct directory d;
    double t0 = now_ms();
    directory_load(&d, s, "together", &me, (int64_t)time(NULL));
    double load = now_ms() - t0;
    printf("%-52s %8.1f ms\n", "  load and score 100,000 mentors from the store", load);
    /* As the client does before its first frame: the initial selection. */
    struct directory_filter none;
    memset(&none, 0, sizeof none);
    directory_filter(&d, &none, DIRECTORY_BY_SCORE);
    /* Type a word letter by letter, delete it, type another with a facet. */
    static const char *const typed[] = {
        "n",        "ne",        "neg",        "nego",        "negot",      "negoti",    "negotia",
        "negotiat", "negotiati", "negotiatio", "negotiation", "negotiatio", "negotiati", "",
        "d",        "du",        "dut",        "duty 1",      "duty 12"};
    struct directory_filter f;
    memset(&f, 0, sizeof f);
    double worst = 0, total = 0;
    int keys = 0;
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
            snprintf(f.text, sizeof f.text, "%s", typed[i]);
            f.language = i > 14 ? 2 : 0;
            double a = now_ms();
            directory_filter(&d, &f, DIRECTORY_BY_SCORE);
            double dt = now_ms() - a;
            total += dt;
            keys++;
            if (dt > worst)
                worst = dt;
            if (getenv("MENTO_BENCH_VERBOSE"))
                fprintf(stderr, "  \"%s\" %.2f ms, %zu shown\n", typed[i], dt, d.n_view);
        }
    printf("%-52s %8.2f ms   (target < 10 ms)\n", "re-filter 100,000 mentors: worst keystroke",
           worst);
    printf("%-52s %8.2f ms\n", "  mean keystroke", total / keys);
    directory_free(&d);
    mento_profile_free(&me);
    store_close(&s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", xdg);
}

/* Start `mentod --demo`; its URL in `url`. */
static pid_t start_demo(const char *mentod, char *url, size_t cap, char *dir)
{
    char port_file[700];
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the benchmark */
        int null = open("/dev/null", 1);
        dup2(null, 1);
        dup2(null, 2);
        execl(mentod, "mentod", "--demo", "--port", "0", "--port-file", port_file, "--log",
              "/dev/null", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1200; i++) {
        FILE *f = fopen(port_file, "r");
        unsigned port;
        char nl;
        if (f && fscanf(f, "%u%c", &port, &nl) == 2 && nl == '\n') {
            fclose(f);
            snprintf(url, cap, "http://127.0.0.1:%u", port);
            return pid;
        }
        if (f)
            fclose(f);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    return -1;
}

static char *login_token(struct net *n)
{
    int id = net_post_json(n, "/v1/auth/login",
                           "{\"email\":\"mentee@demo.mento.example\",\"password\":"
                           "\"mento-demo-2026\"}",
                           NULL);
    struct net_result r;
    while (id > 0 && !net_next_result(n, &r))
        net_wait(n, -1, 500, NULL);
    cJSON *j = cJSON_Parse(r.body);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
    char *tok = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    cJSON_Delete(j);
    net_result_free(&r);
    return tok;
}

/* One round of the sync engine; pages and bytes. */
static void sync_round(struct sync *s, struct net *n, int max_pages, int *pages,
                       double *first_page_ms)
{
    *pages = 0;
    double t0 = now_ms();
    sync_request(s);
    for (;;) {
        sync_step(s, (int64_t)now_ms());
        net_wait(n, -1, 200, NULL);
        struct net_result r;
        while (net_next_result(n, &r)) {
            struct sync_report rep;
            sync_handle(s, &r, (int64_t)now_ms(), &rep);
            if (rep.applied && (*pages)++ == 0 && first_page_ms)
                *first_page_ms = now_ms() - t0;
            if (rep.round_done || *pages >= max_pages)
                return;
        }
    }
}

static void bench_sync(const char *mentod)
{
    char dir[] = "/tmp/mento-bench-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char url[64];
    pid_t pid = start_demo(mentod, url, sizeof url, dir);
    if (pid < 0) {
        printf("sync figures: the demo server did not start\n");
        return;
    }
    struct net *n = NULL;
    struct net_options o = {.base_url = url};
    char err[256];
    net_open(&n, &o, err, sizeof err);
    char *tok = login_token(n);
    net_set_token(n, tok);
    free(tok);
    char path[700];
    snprintf(path, sizeof path, "%s/store.db", dir);
    struct store *s = NULL;
    store_open(&s, path, err, sizeof err);
    struct sync sy;
    sync_init(&sy, s, n, "together", 7);
    int pages;
    double first_ms = 0;
    sync_round(&sy, n, 1, &pages, &first_ms);
    printf("%-52s %8u B up, %u B down, %u round trip(s), %.1f ms\n",
           "first directory page on a cold start (500 mentors)", (unsigned)sy.bytes_up,
           (unsigned)sy.bytes_down, sy.round_trips, first_ms);
    sync_round(&sy, n, 1000, &pages, NULL); /* the rest */
    uint64_t up = sy.bytes_up, down = sy.bytes_down;
    unsigned rt = sy.round_trips;
    sync_round(&sy, n, 1000, &pages, NULL);
    printf("%-52s %8u B in total, %u round trip(s)   (target < 1 KB)\n",
           "a sync when nothing changed", (unsigned)((sy.bytes_up - up) + (sy.bytes_down - down)),
           sy.round_trips - rt);
    store_close(&s);
    net_close(&n);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: client_bench MENTO MENTOD\n");
        return 2;
    }
    setlocale(LC_ALL, "C.UTF-8");
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("mento client figures\n");
    bench_program(argv[1], 10000, "first frame from a store of 10,000 mentors");
    bench_program(argv[1], 100000, "first frame from a store of 100,000 mentors");
    bench_filter(100000);
    bench_sync(argv[2]);
    return 0;
}

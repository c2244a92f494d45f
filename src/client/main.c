/* main.c - the mento program: options, configuration and XDG paths, the
 * login/logout/sync commands, the demo (a mentod of its own on loopback),
 * and the full-screen client. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mento-config.h"
#include "mento/app.h"
#include "mento/export.h"
#include "mento/fetch.h"
#include "mento/keymap.h"
#include "mento/net.h"
#include "mento/notes.h"
#include "mento/store.h"
#include "mento/sync.h"

#define DEMO_PASSWORD "mento-demo-2026"

/* Exit statuses of the commands, for scripts and cron. */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1, /* the server refused, or the link failed */
    EXIT_USAGE = 2,
    EXIT_NO_LOGIN = 3,
};

struct settings {
    char server[512];
    char programme[64];
    char keymap[32];
    char ca_file[1024];
    char calendar_dir[EXPORT_PATH_MAX];
    char config_dir[PATH_MAX], data_dir[PATH_MAX], state_dir[PATH_MAX];
};

struct session {
    char server[512];
    char email[320];
    char token[200];
};

/* ---- Paths and configuration ---------------------------------------------------- */

static void xdg_dir(const char *var, const char *fallback, char *out, size_t cap)
{
    const char *v = getenv(var);
    if (v && v[0] == '/') {
        snprintf(out, cap, "%s/mento", v);
        return;
    }
    const char *home = getenv("HOME");
    snprintf(out, cap, "%s/%s/mento", home && *home ? home : "/tmp", fallback);
}

static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* `key = value` lines; a bad line is reported with its number and skipped. */
static void load_config(struct settings *st)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config", st->config_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1200];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "mento: %s:%d: expected key = value\n", path, n);
            continue;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (strcmp(key, "server") == 0)
            snprintf(st->server, sizeof st->server, "%s", value);
        else if (strcmp(key, "programme") == 0)
            snprintf(st->programme, sizeof st->programme, "%s", value);
        else if (strcmp(key, "keymap") == 0)
            snprintf(st->keymap, sizeof st->keymap, "%s", value);
        else if (strcmp(key, "ca-file") == 0)
            snprintf(st->ca_file, sizeof st->ca_file, "%s", value);
        else if (strcmp(key, "calendar-dir") == 0)
            snprintf(st->calendar_dir, sizeof st->calendar_dir, "%s", value);
        else
            fprintf(stderr, "mento: %s:%d: unknown setting \"%s\"\n", path, n, key);
    }
    fclose(f);
}

static int session_path(const struct settings *st, char *out, size_t cap)
{
    return snprintf(out, cap, "%s/session.json", st->data_dir) < (int)cap ? 0 : -1;
}

static bool session_load(const struct settings *st, struct session *se)
{
    char path[PATH_MAX + 32];
    session_path(st, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *j = cJSON_Parse(buf);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "server");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "email");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
    bool ok = cJSON_IsString(s) && cJSON_IsString(e) && cJSON_IsString(t);
    if (ok) {
        snprintf(se->server, sizeof se->server, "%s", s->valuestring);
        snprintf(se->email, sizeof se->email, "%s", e->valuestring);
        snprintf(se->token, sizeof se->token, "%s", t->valuestring);
    }
    cJSON_Delete(j);
    return ok;
}

/* Only the token is kept, never the password; the file is the user's alone. */
static int session_save(const struct settings *st, const struct session *se)
{
    if (make_dirs(st->data_dir) != 0)
        return -1;
    char path[PATH_MAX + 32], tmp[PATH_MAX + 40];
    session_path(st, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "server", se->server);
    cJSON_AddStringToObject(j, "email", se->email);
    cJSON_AddStringToObject(j, "token", se->token);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    ssize_t w = text ? write(fd, text, strlen(text)) : -1;
    bool ok = text && w == (ssize_t)strlen(text) && fsync(fd) == 0;
    free(text);
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* One store per server and account: "<server>--<email>.db", made safe. */
static void store_path_for(const struct settings *st, const char *server, const char *email,
                           char *out, size_t cap)
{
    char name[600];
    snprintf(name, sizeof name, "%s--%s", server, email);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '@'))
            *p = '_';
    snprintf(out, cap, "%s/%s.db", st->data_dir, name);
}

/* ---- Blocking calls for the commands ---------------------------------------------- */

static bool call(const char *server, const char *ca, const char *token, const char *method,
                 const char *path, const char *body, struct net_result *out, char *err,
                 size_t err_len)
{
    struct net *n = NULL;
    struct net_options o = {.base_url = server, .ca_file = ca && *ca ? ca : NULL};
    if (net_open(&n, &o, err, err_len) != MENTO_OK)
        return false;
    if (token)
        net_set_token(n, token);
    int id =
        strcmp(method, "GET") == 0 ? net_get(n, path, NULL) : net_post_json(n, path, body, NULL);
    bool done = false;
    while (id > 0 && !done) {
        if (net_wait(n, -1, 1000, NULL) != MENTO_OK)
            break;
        done = net_next_result(n, out);
    }
    net_close(&n);
    if (!done) {
        snprintf(err, err_len, "the request could not be sent");
        return false;
    }
    if (out->transport_error) {
        snprintf(err, err_len, "cannot reach %s: %s", server, out->error);
        net_result_free(out);
        return false;
    }
    return true;
}

static const char *error_text(const struct net_result *r, char *buf, size_t cap)
{
    cJSON *j = r->body ? cJSON_Parse(r->body) : NULL;
    const cJSON *m =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "error"), "message");
    snprintf(buf, cap, "%s", cJSON_IsString(m) ? m->valuestring : "no reason given");
    cJSON_Delete(j);
    return buf;
}

/* Read a line from the terminal; without echo for a password. */
static bool read_line(const char *prompt, bool secret, char *buf, size_t cap)
{
    FILE *in = stdin;
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO);
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (secret && tty) {
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool ok = fgets(buf, (int)cap, in) != NULL;
    if (secret && tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (ok) {
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
    }
    return ok;
}

static int do_login(const struct settings *st, const char *email_opt, const char *password_opt,
                    struct session *se)
{
    if (!st->server[0]) {
        fprintf(stderr, "mento: no server: give --server URL or set server in %s/config\n",
                st->config_dir);
        return EXIT_USAGE;
    }
    char email[320], password[1024];
    if (email_opt)
        snprintf(email, sizeof email, "%s", email_opt);
    else if (!read_line("E-mail: ", false, email, sizeof email))
        return EXIT_USAGE;
    if (password_opt)
        snprintf(password, sizeof password, "%s", password_opt);
    else if (!read_line("Password: ", true, password, sizeof password))
        return EXIT_USAGE;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "email", email);
    cJSON_AddStringToObject(body, "password", password);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    memset(password, 0, sizeof password);
    struct net_result r;
    char err[512];
    bool ok = text && call(st->server, st->ca_file, NULL, "POST", "/v1/auth/login", text, &r, err,
                           sizeof err);
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    if (!ok) {
        fprintf(stderr, "mento: %s\n", err);
        return EXIT_FAILED;
    }
    int status = EXIT_FAILED;
    if (r.status == 200) {
        cJSON *j = cJSON_Parse(r.body);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
        if (cJSON_IsString(t)) {
            snprintf(se->server, sizeof se->server, "%s", st->server);
            snprintf(se->email, sizeof se->email, "%s", email);
            snprintf(se->token, sizeof se->token, "%s", t->valuestring);
            status = EXIT_OK;
        }
        cJSON_Delete(j);
    } else {
        char why[256];
        fprintf(stderr, "mento: login refused (%ld): %s\n", r.status,
                error_text(&r, why, sizeof why));
    }
    net_result_free(&r);
    return status;
}

static int cmd_sync(const struct settings *st, const struct session *se)
{
    char path[PATH_MAX + 700], err[512];
    store_path_for(st, se->server, se->email, path, sizeof path);
    struct store *store = NULL;
    if (make_dirs(st->data_dir) != 0 || store_open(&store, path, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "mento: %s\n", err);
        return EXIT_FAILED;
    }
    struct net *n = NULL;
    struct net_options o = {.base_url = se->server, .ca_file = st->ca_file[0] ? st->ca_file : NULL};
    if (net_open(&n, &o, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "mento: %s\n", err);
        store_close(&store);
        return EXIT_FAILED;
    }
    net_set_token(n, se->token);
    /* The notes core takes the answers to queued note operations (a store
     * that has never synced has none yet). */
    struct notes *notes = NULL;
    notes_open(&notes, store, st->programme, 0, err, sizeof err);
    struct sync s;
    sync_init(&s, store, n, st->programme, (uint32_t)time(NULL));
    sync_request(&s);
    /* After the sync, the reading material and calendar files, for offline. */
    struct fetch fe;
    fetch_init(&fe, store, n, st->programme);
    fetch_resources(&fe);
    bool synced = false;
    struct timespec ts;
    int status = EXIT_FAILED;
    int settled = 0, refused = 0, mentors = 0;
    int64_t fetch_until = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (synced) {
            /* Best effort, a minute at most: the sync's word is the status. */
            fetch_step(&fe, true);
            if (!fetch_busy(&fe, true) || now > fetch_until)
                break;
            net_wait(n, -1, 500, NULL);
            struct net_result r;
            while (net_next_result(n, &r)) {
                struct fetch_report frep;
                if (!fetch_handle(&fe, &r, time(NULL), &frep)) {
                    net_result_free(&r);
                    continue;
                }
                if (frep.failed)
                    fprintf(stderr, "mento: %s\n", frep.message);
            }
            continue;
        }
        sync_step(&s, now);
        net_wait(n, -1, 500, NULL);
        struct net_result r;
        bool done = false, failed = false;
        while (net_next_result(n, &r)) {
            struct sync_report rep;
            if (!sync_handle(&s, &r, now, &rep)) {
                net_result_free(&r);
                continue;
            }
            settled += rep.settled;
            refused += rep.refused;
            mentors += rep.mentors;
            if (rep.round_done) {
                done = true;
                failed = rep.failed;
            }
        }
        if (done) {
            if (failed) {
                fprintf(stderr, "mento: %s\n", s.message);
                status = s.needs_login ? EXIT_NO_LOGIN : EXIT_FAILED;
            } else {
                printf("synced %s: %d directory changes, %d operations sent (%d refused), %d "
                       "queued\n",
                       st->programme, mentors, settled, refused,
                       store_outbox_count(store, st->programme));
                status = refused ? EXIT_FAILED : EXIT_OK;
                synced = true;
                fetch_calendars(&fe);
                fetch_until = now + 60000;
                continue;
            }
            break;
        }
    }
    notes_close(&notes);
    net_close(&n);
    store_close(&store);
    return status;
}

/* `mento notes export`: the notes of the local store, decrypted as Markdown
 * (the notes password is asked, or read from MENTO_NOTES_PASSWORD) and/or as
 * the sealed records for a backup. */
static int cmd_notes_export(const struct settings *st, const struct session *se,
                            const char *markdown, const char *records)
{
    if (!markdown && !records) {
        fprintf(stderr, "mento: notes export needs --markdown FILE and/or --records FILE\n");
        return EXIT_USAGE;
    }
    char path[PATH_MAX + 700], err[512];
    store_path_for(st, se->server, se->email, path, sizeof path);
    struct store *store = NULL;
    struct notes *notes = NULL;
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "mento: no local store for %s on %s yet: run mento sync first\n", se->email,
                se->server);
        return EXIT_FAILED;
    }
    if (store_open(&store, path, err, sizeof err) != MENTO_OK ||
        notes_open(&notes, store, st->programme, 0, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "mento: %s\n", err);
        store_close(&store);
        return EXIT_FAILED;
    }
    int status = EXIT_OK;
    if (records) {
        if (notes_export_records(notes, records, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "mento: %s\n", err);
            status = EXIT_FAILED;
        } else {
            printf("wrote the sealed note records to %s\n", records);
        }
    }
    if (markdown && status == EXIT_OK) {
        char password[1024];
        const char *env = getenv("MENTO_NOTES_PASSWORD");
        bool have = true;
        if (env)
            snprintf(password, sizeof password, "%s", env);
        else
            have = read_line("Notes password: ", true, password, sizeof password);
        if (!have || notes_unlock_start(notes, password, false, err, sizeof err) != MENTO_OK ||
            notes_unlock_wait(notes, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "mento: %s\n", have ? err : "no password given");
            status = EXIT_FAILED;
        } else if (notes_export_markdown(notes, markdown, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "mento: %s\n", err);
            status = EXIT_FAILED;
        } else {
            printf("wrote your notes as Markdown to %s (mode 0600)\n", markdown);
        }
        memset(password, 0, sizeof password);
    }
    notes_close(&notes);
    store_close(&store);
    return status;
}

/* ---- The demo ------------------------------------------------------------------------ */

/* The demo keeps its server's database in $XDG_STATE_HOME/mento/demo, so that
 * the same story can be continued as another of its people (`--as mentor`);
 * `--reset` starts it afresh. A demo server already running there (another
 * terminal) is used as it is; one this process started stops when it quits. */
struct demo {
    char dir[PATH_MAX + 8];
    pid_t pid; /* the server this process started, 0 when none */
    char url[64];
};

static const char *const demo_people[][2] = {
    {"mentee", "mentee@demo.mento.example"},
    {"mentor", "mentor@demo.mento.example"},
    {"admin", "admin@demo.mento.example"},
};

/* Find mentod: $MENTOD, next to this program in a build tree, or on PATH. */
static void find_mentod(const char *argv0, char *out, size_t cap)
{
    const char *env = getenv("MENTOD");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    char self[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, cap, "%s/../server/mentod", self);
            if (access(out, X_OK) == 0)
                return;
            snprintf(out, cap, "%s/mentod", self);
            if (access(out, X_OK) == 0)
                return;
        }
    }
    (void)argv0;
    snprintf(out, cap, "mentod");
}

/* Everything the demo keeps, so that --reset starts afresh. */
static void demo_forget(const char *dir)
{
    static const char *const names[] = {"port",    "server.pid",  "mentod.log",  "seed.txt",
                                        "demo.db", "demo.db-wal", "demo.db-shm", NULL};
    char p[PATH_MAX + 64];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++) {
        static const char *const ext[] = {"", "-wal", "-shm"};
        for (int k = 0; k < 3; k++) {
            snprintf(p, sizeof p, "%s/store-%s.db%s", dir, demo_people[i][0], ext[k]);
            unlink(p);
        }
    }
}

/* Run mentod with `args` (its output to `log`) and wait for it; its status. */
static int run_mentod(char *const args[], const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execvp(args[0], args);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The URL of a demo server already running in `dir`, if there is one. */
static bool demo_running(struct demo *d)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/server.pid", d->dir);
    FILE *f = fopen(p, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid <= 0 || kill((pid_t)pid, 0) != 0)
        return false;
    snprintf(p, sizeof p, "%s/port", d->dir);
    f = fopen(p, "r");
    unsigned port = 0;
    if (f) {
        if (fscanf(f, "%u", &port) != 1)
            port = 0;
        fclose(f);
    }
    if (port == 0 || port > 65535)
        return false;
    snprintf(d->url, sizeof d->url, "http://127.0.0.1:%u", port);
    return true;
}

static int demo_start(struct demo *d, const char *state_dir, bool reset, const char *argv0)
{
    if (strlen(state_dir) + sizeof "/demo" > sizeof d->dir) {
        fprintf(stderr, "mento: the state directory's name is too long\n");
        return -1;
    }
    snprintf(d->dir, sizeof d->dir, "%s/demo", state_dir);
    if (make_dirs(d->dir) != 0) {
        fprintf(stderr, "mento: cannot create %s: %s\n", d->dir, strerror(errno));
        return -1;
    }
    if (!reset && demo_running(d)) {
        fprintf(stderr, "Using the demo server already running (%s)\n", d->url);
        return 0;
    }
    if (reset)
        demo_forget(d->dir);
    char mentod[PATH_MAX], db[PATH_MAX + 64], port_file[PATH_MAX + 64], log[PATH_MAX + 64];
    find_mentod(argv0, mentod, sizeof mentod);
    snprintf(db, sizeof db, "%s/demo.db", d->dir);
    snprintf(port_file, sizeof port_file, "%s/port", d->dir);
    snprintf(log, sizeof log, "%s/mentod.log", d->dir);
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "Making the demo database (%s)...\n", db);
        char *seed[] = {mentod, "seed", "--db", db, "--seed", "42", "--participants", "2400", NULL};
        if (run_mentod(seed, log) != 0) {
            fprintf(stderr, "mento: %s could not make the demo database; see %s\n", mentod, log);
            demo_forget(d->dir);
            return -1;
        }
    }
    fprintf(stderr, "Starting the demo server (%s)...\n", mentod);
    unlink(port_file);
    fflush(NULL);
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        char *args[] = {mentod,        "--db",    db,      "--port", "0",
                        "--port-file", port_file, "--log", log,      NULL};
        execvp(mentod, args);
        _exit(127);
    }
    for (int waited = 0; waited < 120000; waited += 50) {
        FILE *f = fopen(port_file, "r");
        unsigned port = 0;
        if (f) {
            char nl = 0;
            int got = fscanf(f, "%u%c", &port, &nl);
            fclose(f);
            if (got == 2 && nl == '\n' && port > 0 && port < 65536) {
                snprintf(d->url, sizeof d->url, "http://127.0.0.1:%u", port);
                char p[PATH_MAX + 64];
                snprintf(p, sizeof p, "%s/server.pid", d->dir);
                f = fopen(p, "w");
                if (f) {
                    fprintf(f, "%ld\n", (long)d->pid);
                    fclose(f);
                }
                return 0;
            }
        }
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            fprintf(stderr, "mento: the demo server stopped at start; see %s\n", log);
            d->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "mento: the demo server did not start within two minutes\n");
    return -1;
}

static void demo_stop(struct demo *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        int status;
        waitpid(d->pid, &status, 0);
        d->pid = 0;
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/server.pid", d->dir);
        unlink(p);
    }
}

/* ---- main ----------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: mento [OPTION]...            open the full-screen client\n"
            "       mento login [--email ADDR]   log in (asks for the password) and keep a token\n"
            "       mento logout                 forget the token (and end it on the server)\n"
            "       mento sync                   one sync now; exit 0 done, 1 failed,\n"
            "                                    3 not logged in\n"
            "       mento notes export [--markdown FILE] [--records FILE]\n"
            "                                    your notes decrypted as Markdown (asks the\n"
            "                                    notes password), or sealed, for a backup\n"
            "The mentoring programme client: works offline, syncs when it can.\n"
            "\n"
            "  -s, --server URL      the programme's server (or `server` in the config)\n"
            "  -p, --programme ID    the programme (default together)\n"
            "      --offline         do not use the network at all\n"
            "      --demo            open the client on a demo server on loopback (kept in\n"
            "                        $XDG_STATE_HOME/mento/demo between runs)\n"
            "      --as WHO          with --demo: be the demo mentee (default), mentor or admin\n"
            "      --reset           with --demo: start the demo afresh\n"
            "      --keymap NAME     default, vi or emacs (or `keymap` in the config)\n"
            "      --keys-markdown   print the key reference (docs/keymaps.md)\n"
            "  -h, --help            show this help\n"
            "  -V, --version         show the version\n"
            "\n"
            "Files: $XDG_CONFIG_HOME/mento/config (server, programme, keymap, ca-file,\n"
            "calendar-dir),\n"
            "$XDG_CONFIG_HOME/mento/keys (your keys), $XDG_DATA_HOME/mento/ (the local\n"
            "store and the login token), $XDG_STATE_HOME/mento/mento.log (the log).\n"
            "MENTO_SCRIPT=FILE drives the client from a file of keys (for tests).\n");
}

int main(int argc, char **argv)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    /* Nothing secret ends up in a core file. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);

    struct settings st;
    memset(&st, 0, sizeof st);
    snprintf(st.programme, sizeof st.programme, "together");
    snprintf(st.keymap, sizeof st.keymap, "default");
    xdg_dir("XDG_CONFIG_HOME", ".config", st.config_dir, sizeof st.config_dir);
    xdg_dir("XDG_DATA_HOME", ".local/share", st.data_dir, sizeof st.data_dir);
    xdg_dir("XDG_STATE_HOME", ".local/state", st.state_dir, sizeof st.state_dir);
    load_config(&st);

    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'}, {"programme", required_argument, NULL, 'p'},
        {"offline", no_argument, NULL, 1},        {"demo", no_argument, NULL, 2},
        {"keymap", required_argument, NULL, 3},   {"keys-markdown", no_argument, NULL, 4},
        {"email", required_argument, NULL, 5},    {"markdown", required_argument, NULL, 6},
        {"records", required_argument, NULL, 7},  {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {"as", required_argument, NULL, 8},
        {"reset", no_argument, NULL, 9},          {NULL, 0, NULL, 0},
    };
    bool offline = false, demo = false, demo_reset = false;
    const char *email = NULL, *markdown = NULL, *records = NULL, *demo_as = "mentee";
    int c;
    while ((c = getopt_long(argc, argv, "s:p:hV", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            snprintf(st.server, sizeof st.server, "%s", optarg);
            break;
        case 'p':
            snprintf(st.programme, sizeof st.programme, "%s", optarg);
            break;
        case 1:
            offline = true;
            break;
        case 2:
            demo = true;
            break;
        case 3:
            snprintf(st.keymap, sizeof st.keymap, "%s", optarg);
            break;
        case 4: {
            struct keymap km;
            keymap_defaults(&km);
            keymap_write_markdown(&km, stdout);
            return EXIT_OK;
        }
        case 5:
            email = optarg;
            break;
        case 6:
            markdown = optarg;
            break;
        case 7:
            records = optarg;
            break;
        case 8:
            demo_as = optarg;
            break;
        case 9:
            demo_reset = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("mento %s\n", MENTO_VERSION);
            return EXIT_OK;
        default:
            fprintf(stderr, "Try 'mento --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (strcmp(st.keymap, "default") != 0 && strcmp(st.keymap, "vi") != 0 &&
        strcmp(st.keymap, "emacs") != 0) {
        fprintf(stderr, "mento: unknown keymap \"%s\" (default, vi or emacs); using default\n",
                st.keymap);
        snprintf(st.keymap, sizeof st.keymap, "default");
    }
    const char *command = optind < argc ? argv[optind] : NULL;
    /* `notes` takes one word after it (export). */
    const char *sub =
        command && strcmp(command, "notes") == 0 && optind + 1 < argc ? argv[optind + 1] : NULL;
    if (command && optind + (sub ? 2 : 1) < argc) {
        fprintf(stderr, "mento: unexpected argument \"%s\"\n", argv[optind + (sub ? 2 : 1)]);
        return EXIT_USAGE;
    }
    struct session se;
    memset(&se, 0, sizeof se);
    bool have_session = session_load(&st, &se);

    if (command && strcmp(command, "login") == 0) {
        if (!st.server[0] && have_session)
            snprintf(st.server, sizeof st.server, "%s", se.server);
        int r = do_login(&st, email, getenv("MENTO_PASSWORD"), &se);
        if (r != EXIT_OK)
            return r;
        if (session_save(&st, &se) != 0) {
            fprintf(stderr, "mento: cannot save the login in %s\n", st.data_dir);
            return EXIT_FAILED;
        }
        printf("Logged in as %s on %s\n", se.email, se.server);
        return EXIT_OK;
    }
    if (command && strcmp(command, "logout") == 0) {
        if (!have_session) {
            printf("Not logged in\n");
            return EXIT_OK;
        }
        struct net_result r;
        char err[512];
        if (call(se.server, st.ca_file, se.token, "POST", "/v1/auth/logout", "{}", &r, err,
                 sizeof err))
            net_result_free(&r);
        else
            fprintf(stderr, "mento: %s (the token is forgotten here anyway)\n", err);
        char path[PATH_MAX + 32];
        session_path(&st, path, sizeof path);
        unlink(path);
        printf("Logged out\n");
        return EXIT_OK;
    }
    if (command && strcmp(command, "sync") == 0) {
        if (!have_session) {
            fprintf(stderr, "mento: not logged in: run mento login first\n");
            return EXIT_NO_LOGIN;
        }
        return cmd_sync(&st, &se);
    }
    if (command && strcmp(command, "notes") == 0) {
        if (!sub || strcmp(sub, "export") != 0) {
            fprintf(stderr, "mento: notes export --markdown FILE | --records FILE\n");
            return EXIT_USAGE;
        }
        if (!have_session) {
            fprintf(stderr, "mento: not logged in: run mento login first\n");
            return EXIT_NO_LOGIN;
        }
        return cmd_notes_export(&st, &se, markdown, records);
    }
    if (command) {
        fprintf(stderr, "mento: unknown command \"%s\" (login, logout, sync or notes)\n", command);
        return EXIT_USAGE;
    }

    /* The full-screen client. */
    if (make_dirs(st.state_dir) != 0 || make_dirs(st.data_dir) != 0) {
        fprintf(stderr, "mento: cannot create %s or %s\n", st.state_dir, st.data_dir);
        return EXIT_FAILED;
    }
    char log_path[PATH_MAX + 16];
    snprintf(log_path, sizeof log_path, "%s/mento.log", st.state_dir);
    FILE *log = fopen(log_path, "a");
    if (log)
        setvbuf(log, NULL, _IOLBF, 0);

    struct demo d;
    memset(&d, 0, sizeof d);
    char store_path[PATH_MAX + 700];
    if (demo) {
        const char *who_email = NULL;
        for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++)
            if (strcmp(demo_as, demo_people[i][0]) == 0)
                who_email = demo_people[i][1];
        if (!who_email) {
            fprintf(stderr, "mento: --as takes mentee, mentor or admin, not \"%s\"\n", demo_as);
            return EXIT_USAGE;
        }
        if (offline) {
            /* The demo person's device without a link: their store only. */
            if (strlen(st.state_dir) + sizeof "/demo" > sizeof d.dir) {
                fprintf(stderr, "mento: the state directory's name is too long\n");
                return EXIT_FAILED;
            }
            snprintf(d.dir, sizeof d.dir, "%s/demo", st.state_dir);
            demo = false; /* no server to stop */
        } else {
            if (demo_start(&d, st.state_dir, demo_reset, argv[0]) != 0) {
                demo_stop(&d);
                return EXIT_FAILED;
            }
            snprintf(st.server, sizeof st.server, "%s", d.url);
            int r = do_login(&st, who_email, DEMO_PASSWORD, &se);
            if (r != EXIT_OK) {
                demo_stop(&d);
                return r;
            }
        }
        snprintf(store_path, sizeof store_path, "%s/store-%s.db", d.dir, demo_as);
    } else {
        if (have_session && !st.server[0])
            snprintf(st.server, sizeof st.server, "%s", se.server);
        if (have_session && strcmp(st.server, se.server) != 0)
            have_session = false; /* a token of another server */
        if (!have_session && !offline)
            fprintf(stderr,
                    "mento: not logged in to %s: browsing the local store only "
                    "(mento login to sync)\n",
                    st.server[0] ? st.server : "any server");
        store_path_for(&st, st.server[0] ? st.server : "local",
                       have_session ? se.email : "anonymous", store_path, sizeof store_path);
    }
    char user_keys[PATH_MAX + 16];
    snprintf(user_keys, sizeof user_keys, "%s/keys", st.config_dir);
    const char *keymap_dir = getenv("MENTO_KEYMAP_DIR");
    /* Invitations go to the configured folder, else the XDG download folder,
     * else the home folder. */
    const char *home = getenv("HOME");
    char user_dirs[PATH_MAX + 32], calendar_dir[EXPORT_PATH_MAX];
    const char *xdg_config = getenv("XDG_CONFIG_HOME");
    if (xdg_config && xdg_config[0] == '/')
        snprintf(user_dirs, sizeof user_dirs, "%s/user-dirs.dirs", xdg_config);
    else
        snprintf(user_dirs, sizeof user_dirs, "%s/.config/user-dirs.dirs",
                 home && *home ? home : "/");
    export_default_dir(st.calendar_dir, user_dirs, home, calendar_dir, sizeof calendar_dir);
    struct app_options o = {
        .server_url = st.server[0] && (have_session || demo) ? st.server : NULL,
        .token = have_session || demo ? se.token : NULL,
        .store_path = store_path,
        .programme = st.programme,
        .ca_file = st.ca_file[0] ? st.ca_file : NULL,
        .keymap_name = st.keymap,
        .keymap_dir = keymap_dir && *keymap_dir ? keymap_dir : MENTO_KEYMAP_DIR,
        .user_keys = user_keys,
        .script = getenv("MENTO_SCRIPT"),
        .calendar_dir = calendar_dir,
        .home = home,
        .offline = offline,
        .log = log,
        .started_ms = (int64_t)started.tv_sec * 1000 + started.tv_nsec / 1000000,
    };
    const char *size = getenv("MENTO_SCRIPT_SIZE");
    if (size && sscanf(size, "%dx%d", &o.script_cols, &o.script_rows) != 2)
        o.script_cols = o.script_rows = 0;
    char err[512] = "";
    int status = app_run(&o, err, sizeof err);
    memset(se.token, 0, sizeof se.token);
    if (demo)
        demo_stop(&d);
    if (status != 0)
        fprintf(stderr, "mento: %s\n", err);
    if (log)
        fclose(log);
    return status;
}

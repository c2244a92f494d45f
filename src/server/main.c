/* main.c - the mentod program: options, the "seed" command, the demo, and
 * waiting for SIGINT/SIGTERM to stop cleanly. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "mento-config.h"
#include "mento/auth.h"
#include "mento/seed.h"
#include "mento/server.h"

#define DEMO_PASSWORD "mento-demo-2026"

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: mentod [OPTION]...\n"
        "       mentod seed --db PATH [--seed N] [--participants N]\n"
        "       mentod appoint --db PATH --programme ID --email ADDRESS [--remove]\n"
        "The mento platform's server: the JSON API over HTTP, backed by SQLite.\n"
        "\n"
        "  -c, --config FILE        read options from FILE (key = value lines)\n"
        "  -d, --db PATH            database file (default mentod.db; created if missing)\n"
        "  -l, --listen ADDR        address to listen on (default 127.0.0.1)\n"
        "  -p, --port N             port (default %d; 0 picks a free one)\n"
        "      --port-file FILE     write the port in use to FILE once listening\n"
        "      --log FILE           access log (default: standard error)\n"
        "  -t, --threads N          HTTP worker threads (default 2)\n"
        "      --token-ttl SECONDS  lifetime of login tokens (default 2592000 = 30 days)\n"
        "      --demo               serve a fresh demo database with generated participants\n"
        "      --seed N             seed of the generated demo data (default 42)\n"
        "      --participants N     number of generated participants (default 2400)\n"
        "      --page-cache BOOL    cache rendered directory pages (default true)\n"
        "      --smtp-url URL       send notification e-mails through this SMTP server\n"
        "                           (smtp://HOST:PORT; default: no e-mail)\n"
        "      --smtp-from ADDRESS  sender of those e-mails (default mento@localhost)\n"
        "      --test-mode          for test suites only: movable clock, cheap password hashing\n"
        "      --test-clock-advance SECONDS\n"
        "                           test mode: move the clock forward before starting, as\n"
        "                           if the server had been down for that long\n"
        "  -h, --help               show this help\n"
        "  -V, --version            show the version\n"
        "\n"
        "Options given on the command line override the configuration file.\n",
        SERVER_DEFAULT_PORT);
}

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"db", required_argument, NULL, 'd'},
    {"listen", required_argument, NULL, 'l'},
    {"port", required_argument, NULL, 'p'},
    {"port-file", required_argument, NULL, 1},
    {"log", required_argument, NULL, 2},
    {"threads", required_argument, NULL, 't'},
    {"token-ttl", required_argument, NULL, 3},
    {"demo", no_argument, NULL, 4},
    {"seed", required_argument, NULL, 5},
    {"participants", required_argument, NULL, 6},
    {"test-mode", no_argument, NULL, 7},
    {"page-cache", required_argument, NULL, 8},
    {"test-clock-advance", required_argument, NULL, 9},
    {"smtp-url", required_argument, NULL, 10},
    {"smtp-from", required_argument, NULL, 11},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Parse argv into cfg: the config file first, then the flags over it. */
static int parse_args(int argc, char **argv, struct server_config *cfg)
{
    char err[300];
    /* First pass: only --config, so the flags can override the file. */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:d:l:p:t:hV", long_opts, NULL)) != -1)
        if (c == 'c' && server_config_load(cfg, optarg, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "mentod: %s\n", err);
            return 2;
        }
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "c:d:l:p:t:hV", long_opts, NULL)) != -1) {
        const char *key = NULL;
        const char *value = optarg;
        switch (c) {
        case 'c':
            continue;
        case 'd':
            key = "db";
            break;
        case 'l':
            key = "listen";
            break;
        case 'p':
            key = "port";
            break;
        case 1:
            key = "port-file";
            break;
        case 2:
            key = "log";
            break;
        case 't':
            key = "threads";
            break;
        case 3:
            key = "token-ttl";
            break;
        case 4:
            key = "demo";
            value = "true";
            break;
        case 5:
            key = "seed";
            break;
        case 6:
            key = "participants";
            break;
        case 7:
            key = "test-mode";
            value = "true";
            break;
        case 8:
            key = "page-cache";
            break;
        case 9:
            key = "test-clock-advance";
            break;
        case 10:
            key = "smtp-url";
            break;
        case 11:
            key = "smtp-from";
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("mentod %s\n", MENTO_VERSION);
            return -1;
        default:
            fprintf(stderr, "Try 'mentod --help' for more information.\n");
            return 2;
        }
        if (server_config_set(cfg, key, value, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "mentod: --%s\n", err);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mentod: unexpected argument \"%s\"\nTry 'mentod --help'.\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* mentod seed: fill a database with the demo participants. */
static int cmd_seed(struct server_config *cfg)
{
    sqlite3 *db;
    if (db_open(cfg->db_path, 1, &db) != MENTO_OK) {
        fprintf(stderr, "mentod: cannot open the database %s\n", cfg->db_path);
        return 1;
    }
    char hash[crypto_pwhash_STRBYTES];
    struct seed_demo_accounts demo;
    int64_t now = (int64_t)time(NULL);
    int rc = 0;
    if (crypto_pwhash_str_alg(
            hash, DEMO_PASSWORD, strlen(DEMO_PASSWORD), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0 ||
        seed_programmes(db, now) != MENTO_OK ||
        seed_participants(db, cfg->seed, cfg->participants, now, hash, &demo) != MENTO_OK) {
        fprintf(stderr, "mentod: seeding %s failed (is it already seeded?)\n", cfg->db_path);
        rc = 1;
    } else {
        printf("Seeded %s with %d participants (seed %llu).\n", cfg->db_path, cfg->participants,
               (unsigned long long)cfg->seed);
        printf("Demo accounts, password \"%s\": %s (mentee), %s (mentor), %s (administrator)\n",
               DEMO_PASSWORD, demo.mentee_email, demo.mentor_email, demo.admin_email);
    }
    sqlite3_close(db);
    return rc;
}

/* mentod appoint: the server's operator makes an account an administrator
 * of a programme (or, with --remove, no longer one). */
static int cmd_appoint(int argc, char **argv)
{
    const char *db_path = "mentod.db", *programme = NULL, *email = NULL;
    bool remove = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strcmp(argv[i], "--programme") == 0 && i + 1 < argc)
            programme = argv[++i];
        else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
            email = argv[++i];
        else if (strcmp(argv[i], "--remove") == 0)
            remove = true;
        else {
            fprintf(stderr, "usage: mentod appoint --db PATH --programme ID --email ADDRESS "
                            "[--remove]\n");
            return 2;
        }
    }
    if (!programme || !email) {
        fprintf(stderr, "mentod appoint: --programme and --email are needed\n");
        return 2;
    }
    sqlite3 *db;
    if (db_open(db_path, 1, &db) != MENTO_OK) {
        fprintf(stderr, "mentod: cannot open the database %s\n", db_path);
        return 1;
    }
    int rc = 1;
    int64_t user = 0, now = (int64_t)time(NULL);
    sqlite3_stmt *st = NULL;
    if (db_begin_write(db) != MENTO_OK)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "SELECT u.id FROM users u, programmes p WHERE u.email = ?"
                           " AND p.id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            user = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (!user) {
        fprintf(stderr, "mentod appoint: no account %s, or no programme %s\n", email, programme);
        db_rollback(db);
        goto out;
    }
    int64_t seq = db_next_seq(db);
    const char *sql =
        remove ? "UPDATE memberships SET roles = roles & ~4, seq = ?1 WHERE user_id = ?2"
                 " AND programme_id = ?3"
               : "INSERT INTO memberships(user_id, programme_id, roles, status, joined_at, seq)"
                 " VALUES (?2, ?3, 4, 'active', ?4, ?1) ON CONFLICT(user_id, programme_id)"
                 " DO UPDATE SET roles = roles | 4, seq = ?1";
    if (seq && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, user);
        sqlite3_bind_text(st, 3, programme, -1, SQLITE_STATIC);
        if (!remove)
            sqlite3_bind_int64(st, 4, now);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = 0;
    }
    sqlite3_finalize(st);
    /* A membership left with no role at all goes. */
    if (rc == 0 && remove &&
        sqlite3_exec(db, "DELETE FROM memberships WHERE roles = 0", NULL, NULL, NULL) != SQLITE_OK)
        rc = 1;
    if (rc == 0 && db_commit(db) == MENTO_OK) {
        printf("%s is %s an administrator of %s\n", email, remove ? "no longer" : "now", programme);
    } else {
        db_rollback(db);
        rc = 1;
        fprintf(stderr, "mentod appoint: the database refused the change\n");
    }
out:
    sqlite3_close(db);
    return rc;
}

/* The demo: a fresh database in a private temporary directory. */
static int demo_prepare(struct server_config *cfg, char *dir, size_t dir_len,
                        struct seed_demo_accounts *demo)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dir_len, "%s/mentod-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mentod: cannot create a temporary directory: %s\n", strerror(errno));
        return 1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/demo.db", dir);
    free(cfg->db_path);
    cfg->db_path = strdup(path);
    sqlite3 *db;
    if (!cfg->db_path || db_open(cfg->db_path, 1, &db) != MENTO_OK) {
        fprintf(stderr, "mentod: cannot create the demo database\n");
        return 1;
    }
    char hash[crypto_pwhash_STRBYTES];
    int64_t now = (int64_t)time(NULL);
    int rc = 0;
    if (crypto_pwhash_str_alg(
            hash, DEMO_PASSWORD, strlen(DEMO_PASSWORD), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0 ||
        seed_programmes(db, now) != MENTO_OK ||
        seed_participants(db, cfg->seed, cfg->participants, now, hash, demo) != MENTO_OK) {
        fprintf(stderr, "mentod: cannot seed the demo database\n");
        rc = 1;
    }
    sqlite3_close(db);
    return rc;
}

static void demo_cleanup(const char *dir)
{
    const char *names[] = {"demo.db", "demo.db-wal", "demo.db-shm"};
    char path[4200];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void demo_banner(struct server *srv, const struct seed_demo_accounts *demo)
{
    sqlite3 *db = db_pool_acquire(&srv->pool);
    char token[AUTH_TOKEN_LEN + 1] = "";
    auth_issue_token(db, demo->mentee_id, server_now(srv), srv->cfg.token_ttl, token);
    db_pool_release(&srv->pool, db);
    printf("\nmentod demo is running on http://127.0.0.1:%u  (Ctrl-C stops it)\n\n",
           (unsigned)srv->port);
    printf("Demo accounts (password \"%s\"):\n", DEMO_PASSWORD);
    printf("  mentee         %s\n", demo->mentee_email);
    printf("  mentor         %s\n", demo->mentor_email);
    printf("  administrator  %s\n\n", demo->admin_email);
    printf("Try the mentor directory as the demo mentee:\n");
    printf("  curl -s --compressed -H 'Authorization: Bearer %s' \\\n"
           "    'http://127.0.0.1:%u/v1/programmes/together/mentors?per_page=5'\n\n",
           token, (unsigned)srv->port);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct server_config cfg;
    server_config_init(&cfg);
    if (argc > 1 && strcmp(argv[1], "appoint") == 0) {
        server_config_free(&cfg);
        return cmd_appoint(argc - 1, argv + 1);
    }
    bool seed_cmd = argc > 1 && strcmp(argv[1], "seed") == 0;
    int rc = parse_args(seed_cmd ? argc - 1 : argc, seed_cmd ? argv + 1 : argv, &cfg);
    if (rc != 0) {
        server_config_free(&cfg);
        return rc < 0 ? 0 : rc;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "mentod: libsodium could not be initialised\n");
        return 1;
    }
    if (seed_cmd) {
        rc = cmd_seed(&cfg);
        server_config_free(&cfg);
        return rc;
    }

    char demo_dir[4096] = "";
    struct seed_demo_accounts demo;
    bool is_demo = cfg.demo;
    if (is_demo && demo_prepare(&cfg, demo_dir, sizeof demo_dir, &demo) != 0) {
        if (demo_dir[0])
            demo_cleanup(demo_dir);
        server_config_free(&cfg);
        return 1;
    }

    /* Block the stop signals before any thread starts, so that only the
     * sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct server srv;
    char err[300];
    int want_port = cfg.port;
    if (server_start(&srv, &cfg, err, sizeof err) != MENTO_OK && is_demo && want_port != 0) {
        /* The demo's usual port is taken: any free port will do. */
        server_stop(&srv);
        server_config_init(&cfg);
        cfg.port = 0;
        cfg.demo = true;
        free(cfg.db_path);
        char path[4200];
        snprintf(path, sizeof path, "%s/demo.db", demo_dir);
        cfg.db_path = strdup(path);
        if (server_start(&srv, &cfg, err, sizeof err) == MENTO_OK)
            err[0] = '\0';
    } else if (srv.daemon) {
        err[0] = '\0';
    }
    if (!srv.daemon) {
        fprintf(stderr, "mentod: %s\n", err);
        server_stop(&srv);
        if (demo_dir[0])
            demo_cleanup(demo_dir);
        return 1;
    }
    if (is_demo)
        demo_banner(&srv, &demo);

    int sig = 0;
    sigwait(&stop, &sig);
    server_log(&srv, "mentod stopping on signal %d", sig);
    server_stop(&srv);
    if (demo_dir[0])
        demo_cleanup(demo_dir);
    return 0;
}

/* server.c - mentod's context: configuration from flags and a file, start
 * and stop of the database pool and the HTTP daemon, the clock and the log. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>

#include "mento/http.h"
#include "mento/scheduler.h"
#include "mento/seed.h"
#include "mento/server.h"

void server_config_init(struct server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = strdup("127.0.0.1");
    cfg->port = SERVER_DEFAULT_PORT;
    cfg->db_path = strdup("mentod.db");
    cfg->threads = 2;
    cfg->token_ttl = 30 * 86400;
    cfg->page_cache = true;
    cfg->seed = 42;
    cfg->participants = 2400;
    cfg->login_max_per_email = 5;
    cfg->login_max_per_address = 20;
    cfg->login_window = 15 * 60;
    cfg->tick_seconds = 60;
}

void server_config_free(struct server_config *cfg)
{
    free(cfg->listen);
    free(cfg->port_file);
    free(cfg->db_path);
    free(cfg->log_path);
    free(cfg->smtp_url);
    free(cfg->smtp_from);
    memset(cfg, 0, sizeof *cfg);
}

static bool parse_long(const char *v, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return false;
    *out = n;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
        *out = false;
    else
        return false;
    return true;
}

static mento_status set_string(char **dst, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return MENTO_ERR_NOMEM;
    free(*dst);
    *dst = s;
    return MENTO_OK;
}

mento_status server_config_set(struct server_config *cfg, const char *key, const char *value,
                               char *err, size_t err_len)
{
    long long n;
    bool b;
    struct {
        const char *key;
        long long min, max;
        int kind; /* 0 string, 1 int, 2 bool */
        void *dst;
        int width; /* for ints: sizeof the target */
    } opts[] = {
        {"listen", 0, 0, 0, &cfg->listen, 0},
        {"port-file", 0, 0, 0, &cfg->port_file, 0},
        {"db", 0, 0, 0, &cfg->db_path, 0},
        {"log", 0, 0, 0, &cfg->log_path, 0},
        {"smtp-url", 0, 0, 0, &cfg->smtp_url, 0},
        {"smtp-from", 0, 0, 0, &cfg->smtp_from, 0},
        {"port", 0, 65535, 1, &cfg->port, sizeof(int)},
        {"threads", 1, 64, 1, &cfg->threads, sizeof(int)},
        {"token-ttl", 60, 365LL * 86400, 1, &cfg->token_ttl, sizeof(int64_t)},
        {"participants", 0, 100000, 1, &cfg->participants, sizeof(int)},
        {"seed", 0, 1LL << 53, 1, &cfg->seed, sizeof(uint64_t)},
        {"login-max-per-email", 1, 1000, 1, &cfg->login_max_per_email, sizeof(int)},
        {"login-max-per-address", 1, 100000, 1, &cfg->login_max_per_address, sizeof(int)},
        {"login-window", 1, 86400, 1, &cfg->login_window, sizeof(int)},
        {"tick-seconds", 1, 3600, 1, &cfg->tick_seconds, sizeof(int)},
        {"test-clock-advance", 0, 20LL * 365 * 86400, 1, &cfg->test_clock_advance,
         sizeof(int64_t)},
        {"test-mode", 0, 0, 2, &cfg->test_mode, 0},
        {"demo", 0, 0, 2, &cfg->demo, 0},
        {"page-cache", 0, 0, 2, &cfg->page_cache, 0},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (strcmp(opts[i].key, key) != 0)
            continue;
        switch (opts[i].kind) {
        case 0:
            if (!*value) {
                snprintf(err, err_len, "%s needs a value", key);
                return MENTO_ERR_INVALID;
            }
            return set_string(opts[i].dst, value);
        case 1:
            if (!parse_long(value, opts[i].min, opts[i].max, &n)) {
                snprintf(err, err_len, "%s must be a whole number from %lld to %lld", key,
                         opts[i].min, opts[i].max);
                return MENTO_ERR_RANGE;
            }
            if (opts[i].width == sizeof(int))
                *(int *)opts[i].dst = (int)n;
            else
                *(int64_t *)opts[i].dst = n;
            return MENTO_OK;
        default:
            if (!parse_bool(value, &b)) {
                snprintf(err, err_len, "%s must be true or false", key);
                return MENTO_ERR_INVALID;
            }
            *(bool *)opts[i].dst = b;
            return MENTO_OK;
        }
    }
    snprintf(err, err_len, "unknown option \"%s\"", key);
    return MENTO_ERR_UNKNOWN_FIELD;
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

mento_status server_config_load(struct server_config *cfg, const char *path, char *err,
                                size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return MENTO_ERR_IO;
    }
    char line[1024];
    int lineno = 0;
    mento_status st = MENTO_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, err_len, "%s:%d: line longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            st = MENTO_ERR_TOO_LONG;
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, err_len, "%s:%d: expected \"key = value\"", path, lineno);
            st = MENTO_ERR_PARSE;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        char why[200];
        if ((st = server_config_set(cfg, key, value, why, sizeof why)) != MENTO_OK) {
            snprintf(err, err_len, "%s:%d: %s", path, lineno, why);
            break;
        }
    }
    fclose(f);
    return st;
}

/* ---- Running ---------------------------------------------------------------- */

int64_t server_now(struct server *srv)
{
    return (int64_t)time(NULL) + atomic_load(&srv->clock_offset);
}

void server_log(struct server *srv, const char *fmt, ...)
{
    if (!srv->log)
        return;
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&srv->log_lock);
    fprintf(srv->log, "%s ", stamp);
    vfprintf(srv->log, fmt, ap);
    fputc('\n', srv->log);
    fflush(srv->log);
    pthread_mutex_unlock(&srv->log_lock);
    va_end(ap);
}

static mento_status write_port_file(const char *path, uint16_t port)
{
    /* Write then rename, so a reader never sees a half-written number. */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return MENTO_ERR_TOO_LONG;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return MENTO_ERR_IO;
    fprintf(f, "%u\n", (unsigned)port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return MENTO_ERR_IO;
    return MENTO_OK;
}

mento_status server_start(struct server *srv, struct server_config *cfg, char *err, size_t err_len)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    pthread_mutex_init(&srv->log_lock, NULL);
    atomic_init(&srv->clock_offset, 0);
    if (sodium_init() < 0) {
        snprintf(err, err_len, "libsodium could not be initialised");
        return MENTO_ERR_CRYPTO;
    }
    if (srv->cfg.log_path) {
        srv->log = fopen(srv->cfg.log_path, "a");
        if (!srv->log) {
            snprintf(err, err_len, "cannot open the log %s: %s", srv->cfg.log_path,
                     strerror(errno));
            return MENTO_ERR_IO;
        }
    } else {
        srv->log = stderr;
    }
    /* Production cost is libsodium's interactive level (64 MiB); test mode
     * takes the minimum so suites can register hundreds of accounts. */
    srv->pwhash_ops =
        srv->cfg.test_mode ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    srv->pwhash_mem =
        srv->cfg.test_mode ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    srv->dummy_hash = malloc(crypto_pwhash_STRBYTES);
    unsigned char junk[16];
    randombytes_buf(junk, sizeof junk);
    if (!srv->dummy_hash ||
        crypto_pwhash_str_alg(srv->dummy_hash, (const char *)junk, sizeof junk, srv->pwhash_ops,
                              srv->pwhash_mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        snprintf(err, err_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    if (catalog_init(&srv->catalog) != MENTO_OK) {
        snprintf(err, err_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    if (srv->cfg.test_clock_advance && !srv->cfg.test_mode) {
        snprintf(err, err_len, "test-clock-advance is for --test-mode only");
        return MENTO_ERR_INVALID;
    }
    /* One connection per HTTP thread plus one spare for start-up work. */
    mento_status st = db_pool_open(&srv->pool, srv->cfg.db_path, srv->cfg.threads + 1);
    if (st != MENTO_OK) {
        snprintf(err, err_len, "cannot open the database %s (is it from a newer mentod?)",
                 srv->cfg.db_path);
        return st;
    }
    sqlite3 *db = db_pool_acquire(&srv->pool);
    st = seed_programmes(db, server_now(srv));
    srv->instance = db_instance(db);
    if (st == MENTO_OK && srv->cfg.test_mode) {
        /* The test clock survives a restart (time rules must not run twice
         * because the clock went back), and may move while the server is down. */
        int64_t offset = 0;
        st = db_meta_get(db, "test_clock", &offset);
        offset += srv->cfg.test_clock_advance;
        if (st == MENTO_OK)
            st = db_meta_set(db, "test_clock", offset);
        atomic_store(&srv->clock_offset, offset);
    }
    /* What fell due while the server was down is applied before the first
     * request is served (once: each rule's tick is idempotent). */
    bool ready = st == MENTO_OK;
    if (ready && srv->instance > 0)
        st = scheduler_tick(srv, db);
    db_pool_release(&srv->pool, db);
    if (st != MENTO_OK) {
        snprintf(err, err_len, "%s",
                 ready ? "cannot apply the time rules that fell due while the server was down"
                       : "cannot create the built-in programmes");
        return st;
    }
    if (srv->instance <= 0) {
        snprintf(err, err_len, "the database %s has no identity", srv->cfg.db_path);
        return MENTO_ERR_DB;
    }

    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    const struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, srv->cfg.listen, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)srv->cfg.port);
        sa = (const struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, srv->cfg.listen, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)srv->cfg.port);
        sa = (const struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, err_len, "listen must be a numeric IPv4 or IPv6 address, not \"%s\"",
                 srv->cfg.listen);
        return MENTO_ERR_INVALID;
    }
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->cfg.port, NULL, NULL, http_access_handler, srv, MHD_OPTION_SOCK_ADDR,
        sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED,
        http_request_completed, srv, MHD_OPTION_URI_LOG_CALLBACK, http_request_started, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_LISTENING_ADDRESS_REUSE,
        (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, err_len, "cannot listen on %s port %d (in use?)", srv->cfg.listen,
                 srv->cfg.port);
        return MENTO_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (uint16_t)srv->cfg.port;
    if (srv->cfg.port_file && write_port_file(srv->cfg.port_file, srv->port) != MENTO_OK) {
        snprintf(err, err_len, "cannot write the port file %s", srv->cfg.port_file);
        return MENTO_ERR_IO;
    }
    if (scheduler_start(srv) != MENTO_OK) {
        snprintf(err, err_len, "cannot start the scheduler thread");
        return MENTO_ERR_NOMEM;
    }
    server_log(srv, "mentod listening on %s port %u%s", srv->cfg.listen, (unsigned)srv->port,
               srv->cfg.test_mode ? " (test mode)" : "");
    return MENTO_OK;
}

void server_stop(struct server *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    scheduler_stop(srv);
    srv->daemon = NULL;
    db_pool_close(&srv->pool);
    catalog_free(&srv->catalog);
    free(srv->dummy_hash);
    srv->dummy_hash = NULL;
    if (srv->log && srv->log != stderr)
        fclose(srv->log);
    srv->log = NULL;
    pthread_mutex_destroy(&srv->log_lock);
    server_config_free(&srv->cfg);
}

/* server.h - mentod's context: configuration, the database pool, the HTTP
 * daemon, the clock and the in-memory catalogue. No state lives elsewhere. */
#ifndef MENTO_SERVER_H
#define MENTO_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mento/catalog.h"
#include "mento/db.h"
#include "mento/error.h"

#define SERVER_DEFAULT_PORT 8470

struct server_config {
    char *listen;    /* address to bind, default 127.0.0.1 */
    int port;        /* 0: any free port */
    char *port_file; /* where to write the chosen port */
    char *db_path;
    char *log_path; /* NULL: stderr */
    char *smtp_url;  /* smtp://host:port to send notification e-mails; NULL: none */
    char *smtp_from; /* sender address of those e-mails */
    int threads;
    int64_t token_ttl; /* seconds */
    bool test_mode;
    int64_t test_clock_advance; /* test mode: seconds the clock moves before starting */
    bool demo;
    bool page_cache; /* keep rendered directory pages per catalogue snapshot */
    uint64_t seed;
    int participants;
    int login_max_per_email;
    int login_max_per_address;
    int login_window; /* seconds */
    int tick_seconds; /* how often the scheduler applies due time rules */
};

void server_config_init(struct server_config *cfg);
void server_config_free(struct server_config *cfg);
/* `key = value` lines, '#' comments; keys are the long option names.
 * On error `err` names file:line and the problem. */
mento_status server_config_load(struct server_config *cfg, const char *path, char *err,
                                size_t err_len);
/* Set one option by its long name ("port", "db", ...). */
mento_status server_config_set(struct server_config *cfg, const char *key, const char *value,
                               char *err, size_t err_len);

struct MHD_Daemon;

struct server {
    struct server_config cfg;
    struct db_pool pool;
    struct MHD_Daemon *daemon;
    uint16_t port;
    FILE *log;
    pthread_mutex_t log_lock;
    _Atomic int64_t clock_offset; /* test mode: seconds added to the real clock */
    unsigned long long pwhash_ops;
    size_t pwhash_mem;
    char *dummy_hash; /* verified against for unknown e-mails: same cost either way */
    struct catalog catalog;
    int64_t instance; /* the database's identity (db_instance), read at start */
    pthread_t sched_thread;
    pthread_mutex_t sched_lock;
    pthread_cond_t sched_cond;
    bool sched_stop;
    bool sched_running;
};

/* Open the database (creating the built-in programmes when empty), then
 * listen. `cfg` is moved into the server. */
mento_status server_start(struct server *srv, struct server_config *cfg, char *err,
                          size_t err_len);
void server_stop(struct server *srv);
/* The server's clock: real time plus the test-mode offset. */
int64_t server_now(struct server *srv);
/* One access-log line (method, path, status, bytes, microseconds). */
void server_log(struct server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

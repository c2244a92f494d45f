/* db.h - mentod's SQLite database: opening, numbered migrations, the change
 * sequence, and a small pool of connections shared by the request threads. */
#ifndef MENTO_DB_H
#define MENTO_DB_H

#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdint.h>

#include "mento/error.h"

/* Open (creating if needed) a database in WAL mode with synchronous=FULL,
 * foreign keys on and a busy timeout; applies pending migrations when
 * `migrate` is non-zero. */
mento_status db_open(const char *path, int migrate, sqlite3 **out);
/* Apply every migration newer than PRAGMA user_version, each in its own
 * transaction. Returns the schema version reached in *version. */
mento_status db_migrate(sqlite3 *db, int *version);
/* Number of migrations this build knows. */
int db_schema_version(void);

/* The change sequence: every write that a client may need to sync takes the
 * next number and stamps it on the rows it changes (column `seq`). Must be
 * called inside the writing transaction. Returns 0 on error. */
int64_t db_next_seq(sqlite3 *db);
/* The current (last taken) sequence number. */
int64_t db_current_seq(sqlite3 *db);
/* A named number of the meta table: *out is 0 when the key is absent. */
mento_status db_meta_get(sqlite3 *db, const char *key, int64_t *out);
/* Set it (insert or replace), in the caller's transaction or on its own. */
mento_status db_meta_set(sqlite3 *db, const char *key, int64_t value);
/* The database's identity (a random number drawn when it was created); 0 on
 * error. */
int64_t db_instance(sqlite3 *db);

/* Transactions; BEGIN IMMEDIATE for writers so that SQLITE_BUSY surfaces at
 * the start rather than at the first write. */
mento_status db_begin_write(sqlite3 *db);
mento_status db_begin_read(sqlite3 *db);
mento_status db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* Execute one statement with no result rows. */
mento_status db_exec(sqlite3 *db, const char *sql);

/* Statements with bound values: `types` names them in order, 't' a string
 * (NULL binds NULL), 'i' an int64_t. */
/* Prepared and bound; NULL on failure. The caller finalizes it. */
sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql, const char *types, ...);
sqlite3_stmt *sql_prepare_v(sqlite3 *db, const char *sql, const char *types, va_list ap);
/* Run a statement without result rows. MENTO_ERR_INVALID on a constraint. */
mento_status sql_exec(sqlite3 *db, const char *sql, const char *types, ...);
/* The first column of the first row into *out; `dflt` when there is none. */
mento_status sql_int(sqlite3 *db, int64_t *out, int64_t dflt, const char *sql, const char *types,
                     ...);

/* A fixed pool of connections to one database file. */
struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t free_cond;
    int size;
    int n_free;
    sqlite3 **all;
    sqlite3 **free;
};
mento_status db_pool_open(struct db_pool *pool, const char *path, int size);
void db_pool_close(struct db_pool *pool);
sqlite3 *db_pool_acquire(struct db_pool *pool); /* blocks until one is free */
void db_pool_release(struct db_pool *pool, sqlite3 *db);

#endif

/* db.c - mentod's SQLite plumbing: open in WAL mode, numbered migrations,
 * the change sequence that sync cursors count in, and a connection pool. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/db.h"
#include "schema.h"

int db_schema_version(void)
{
    return SCHEMA_MIGRATION_COUNT;
}

mento_status db_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? MENTO_OK : MENTO_ERR_DB;
}

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

mento_status db_migrate(sqlite3 *db, int *version)
{
    int v = user_version(db);
    if (v < 0)
        return MENTO_ERR_DB;
    if (v > SCHEMA_MIGRATION_COUNT)
        return MENTO_ERR_DB; /* a newer mentod wrote this file: refuse to guess */
    for (; v < SCHEMA_MIGRATION_COUNT; v++) {
        char pragma[64];
        if (db_begin_write(db) != MENTO_OK)
            return MENTO_ERR_DB;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (db_exec(db, schema_migrations[v]) != MENTO_OK || db_exec(db, pragma) != MENTO_OK) {
            db_rollback(db);
            return MENTO_ERR_DB;
        }
        if (db_commit(db) != MENTO_OK)
            return MENTO_ERR_DB;
    }
    if (version)
        *version = v;
    return MENTO_OK;
}

mento_status db_open(const char *path, int migrate, sqlite3 **out)
{
    sqlite3 *db = NULL;
    *out = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return MENTO_ERR_IO;
    }
    sqlite3_busy_timeout(db, 10000);
    /* WAL lets readers go on while one writer commits; FULL makes every
     * acknowledged write survive a power cut, not only a crash. */
    if (db_exec(db, "PRAGMA journal_mode=WAL") != MENTO_OK ||
        db_exec(db, "PRAGMA synchronous=FULL") != MENTO_OK ||
        db_exec(db, "PRAGMA foreign_keys=ON") != MENTO_OK ||
        /* What is deleted or overwritten (a note's older ciphertext) is
         * zeroed in the file, not left in free space of its pages. */
        db_exec(db, "PRAGMA secure_delete=ON") != MENTO_OK) {
        sqlite3_close(db);
        return MENTO_ERR_DB;
    }
    if (migrate && db_migrate(db, NULL) != MENTO_OK) {
        sqlite3_close(db);
        return MENTO_ERR_DB;
    }
    *out = db;
    return MENTO_OK;
}

int64_t db_next_seq(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db,
                           "UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int64_t db_current_seq(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'seq'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

mento_status db_meta_get(sqlite3 *db, const char *key, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

mento_status db_meta_set(sqlite3 *db, const char *key, int64_t value)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

int64_t db_instance(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'instance'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

mento_status db_begin_write(sqlite3 *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

mento_status db_begin_read(sqlite3 *db)
{
    return db_exec(db, "BEGIN");
}

mento_status db_commit(sqlite3 *db)
{
    if (db_exec(db, "COMMIT") == MENTO_OK)
        return MENTO_OK;
    db_rollback(db);
    return MENTO_ERR_DB;
}

void db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

mento_status db_pool_open(struct db_pool *pool, const char *path, int size)
{
    memset(pool, 0, sizeof *pool);
    if (size < 1)
        return MENTO_ERR_INVALID;
    pool->all = calloc((size_t)size, sizeof *pool->all);
    pool->free = calloc((size_t)size, sizeof *pool->free);
    if (!pool->all || !pool->free) {
        free(pool->all);
        free(pool->free);
        return MENTO_ERR_NOMEM;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->free_cond, NULL);
    for (int i = 0; i < size; i++) {
        /* The first connection migrates; the others find the schema ready. */
        mento_status st = db_open(path, i == 0, &pool->all[i]);
        if (st != MENTO_OK) {
            pool->size = i;
            db_pool_close(pool);
            return st;
        }
        pool->free[i] = pool->all[i];
    }
    pool->size = size;
    pool->n_free = size;
    return MENTO_OK;
}

void db_pool_close(struct db_pool *pool)
{
    if (!pool->all)
        return;
    for (int i = 0; i < pool->size; i++)
        sqlite3_close(pool->all[i]);
    free(pool->all);
    free(pool->free);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->free_cond);
    memset(pool, 0, sizeof *pool);
}

sqlite3 *db_pool_acquire(struct db_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->n_free == 0)
        pthread_cond_wait(&pool->free_cond, &pool->lock);
    sqlite3 *db = pool->free[--pool->n_free];
    pthread_mutex_unlock(&pool->lock);
    return db;
}

void db_pool_release(struct db_pool *pool, sqlite3 *db)
{
    db_rollback(db); /* a handler that returned mid-transaction must not leak it */
    pthread_mutex_lock(&pool->lock);
    pool->free[pool->n_free++] = db;
    pthread_cond_signal(&pool->free_cond);
    pthread_mutex_unlock(&pool->lock);
}

/* ---- Statements with bound values (see db.h) --------------------------------- */

sqlite3_stmt *sql_prepare_v(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't') {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        } else {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
    }
    return st;
}

sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = sql_prepare_v(db, sql, types, ap);
    va_end(ap);
    return st;
}

/* Run a statement without result rows. MENTO_ERR_INVALID on a constraint. */
mento_status sql_exec(sqlite3 *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = sql_prepare_v(db, sql, types, ap);
    va_end(ap);
    if (!st)
        return MENTO_ERR_DB;
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r == SQLITE_DONE || r == SQLITE_ROW)
        return MENTO_OK;
    return (r & 0xff) == SQLITE_CONSTRAINT ? MENTO_ERR_INVALID : MENTO_ERR_DB;
}

/* The first column of the first row; `dflt` when there is none. */
mento_status sql_int(sqlite3 *db, int64_t *out, int64_t dflt, const char *sql, const char *types,
                     ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = sql_prepare_v(db, sql, types, ap);
    va_end(ap);
    *out = dflt;
    if (!st)
        return MENTO_ERR_DB;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

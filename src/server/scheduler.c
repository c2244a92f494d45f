/* scheduler.c - the thread that applies due time rules on the clock, and the
 * tick shared with the test clock. Each area's tick is idempotent. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "mento/api.h"
#include "mento/mailer.h"
#include "mento/scheduler.h"
#include "mento/server.h"

mento_status scheduler_tick(struct server *srv, sqlite3 *db)
{
    mento_status rc = MENTO_OK;
    for (const struct api_module *const *m = api_modules; *m; m++) {
        if (!(*m)->tick)
            continue;
        struct api_ctx ctx = {.srv = srv, .db = db, .now = server_now(srv)};
        if (db_begin_write(db) != MENTO_OK)
            return MENTO_ERR_DB;
        mento_status st = (*m)->tick(&ctx);
        if (st == MENTO_OK)
            st = db_commit(db);
        else
            db_rollback(db);
        if (st != MENTO_OK) {
            server_log(srv, "scheduler: the %s tick failed: %s", (*m)->name,
                       mento_status_message(st));
            rc = st;
        }
    }
    return rc;
}

static void *scheduler_main(void *arg)
{
    struct server *srv = arg;
    pthread_mutex_lock(&srv->sched_lock);
    while (!srv->sched_stop) {
        pthread_mutex_unlock(&srv->sched_lock);
        sqlite3 *db = db_pool_acquire(&srv->pool);
        scheduler_tick(srv, db);
        mailer_run(srv, db); /* queued e-mails that fell due */
        db_pool_release(&srv->pool, db);
        pthread_mutex_lock(&srv->sched_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += srv->cfg.tick_seconds;
        while (!srv->sched_stop &&
               pthread_cond_timedwait(&srv->sched_cond, &srv->sched_lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&srv->sched_lock);
    return NULL;
}

mento_status scheduler_start(struct server *srv)
{
    pthread_mutex_init(&srv->sched_lock, NULL);
    pthread_cond_init(&srv->sched_cond, NULL);
    srv->sched_stop = false;
    if (pthread_create(&srv->sched_thread, NULL, scheduler_main, srv) != 0)
        return MENTO_ERR_NOMEM;
    srv->sched_running = true;
    return MENTO_OK;
}

void scheduler_stop(struct server *srv)
{
    if (!srv->sched_running)
        return;
    pthread_mutex_lock(&srv->sched_lock);
    srv->sched_stop = true;
    pthread_cond_signal(&srv->sched_cond);
    pthread_mutex_unlock(&srv->sched_lock);
    pthread_join(srv->sched_thread, NULL);
    pthread_mutex_destroy(&srv->sched_lock);
    pthread_cond_destroy(&srv->sched_cond);
    srv->sched_running = false;
}

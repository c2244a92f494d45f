/* scheduler.h - mentod's clock-driven rules: a background thread that applies
 * what fell due (request reminders and expiry, pairing auto-end warnings and
 * ends), each area's tick being idempotent so that it happens exactly once
 * even when a read applies it first or the server was down at the time. */
#ifndef MENTO_SCHEDULER_H
#define MENTO_SCHEDULER_H

#include <sqlite3.h>

#include "mento/error.h"

struct server;

/* Run every area's tick at the server's current time, each in its own write
 * transaction. */
mento_status scheduler_tick(struct server *srv, sqlite3 *db);

/* Start and stop the thread that calls scheduler_tick every
 * srv->cfg.tick_seconds seconds. */
mento_status scheduler_start(struct server *srv);
void scheduler_stop(struct server *srv);

#endif

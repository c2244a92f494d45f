/* mailer.h - mentod's e-mail sender: delivers the queued rows of mail_outbox
 * over SMTP (libcurl), retried with backoff, each message sent at most once. */
#ifndef MENTO_MAILER_H
#define MENTO_MAILER_H

#include <sqlite3.h>

#include "mento/error.h"

struct server;

/* Send every queued e-mail that is due at the server's clock, one by one: a
 * row is claimed in its own transaction before sending (so two senders never
 * take the same one), marked sent right after the server accepted it, or
 * given its next attempt with exponential backoff on failure. Does nothing
 * when no SMTP URL is configured. */
mento_status mailer_run(struct server *srv, sqlite3 *db);

#endif

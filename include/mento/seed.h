/* seed.h - the built-in programmes and a deterministic demo population.
 * Used by `mentod --demo` and `mentod seed` to fill a fresh database. */
#ifndef MENTO_SEED_H
#define MENTO_SEED_H

#include <sqlite3.h>
#include <stdint.h>

#include "mento/error.h"

/* How many generated participants a demo database gets by default. */
#define SEED_DEMO_PARTICIPANTS 2000

#define SEED_EMAIL_MAX 64

/* The three accounts a demo user logs in with; they share the password whose
 * hash the caller passed to seed_participants. */
struct seed_demo_accounts {
    char mentee_email[SEED_EMAIL_MAX]; /* mentee in "together" */
    char mentor_email[SEED_EMAIL_MAX]; /* mentor in "together" with free capacity */
    char admin_email[SEED_EMAIL_MAX];  /* administrator of all three programmes */
    int64_t mentee_id;
    int64_t mentor_id;
    int64_t admin_id;
};

/* Create the built-in programmes "together", "iom-2025" and "undp-jpo" when the
 * programmes table is empty (otherwise change nothing). The cohort programmes
 * open their applications at `now` for 8 weeks, announce pairings 4 weeks
 * after the close and last 6 months. Opens and commits its own transaction. */
mento_status seed_programmes(sqlite3 *db, int64_t now);

/* Add `count` generated participants, the same ones for the same `seed` and
 * `now`, plus the three demo accounts whose password_hash is
 * `demo_password_hash` (NULL: they cannot log in either; generated users never
 * can). Creates the built-in programmes first if the table is empty. Runs in
 * one transaction of its own. When the demo accounts exist already (a database
 * seeded before) it only refreshes their password hash and fills `out`.
 * `out` may be NULL. */
mento_status seed_participants(sqlite3 *db, uint64_t seed, int count, int64_t now,
                               const char *demo_password_hash, struct seed_demo_accounts *out);

#endif

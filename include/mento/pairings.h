/* pairings.h - what the other areas of mentod ask of pairings
 * (src/server/api_pairings.c): the pairing object, ending a pairing, and the
 * do-not-match-again list. All run inside the caller's transaction. */
#ifndef MENTO_PAIRINGS_H
#define MENTO_PAIRINGS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mento/api.h"
#include "mento/error.h"

/* The pairing object of docs/api.md (10) as `viewer` sees it (my_role and
 * partner from their side; viewer 0: as an administrator sees it, with both
 * members). NULL when there is no such pairing. */
cJSON *pairings_json(struct api_ctx *ctx, int64_t pairing_id, int64_t viewer);

/* End an active pairing: state, reason, who ended it (`ended_by`: "mentor",
 * "mentee", "administrator" or "system"), the administrators-only comment
 * (may be NULL), do-not-match-again; booked sessions still to come are
 * cancelled, the mentor's membership is bumped so the directory updates, and
 * the members other than `actor` (0: both) are notified. MENTO_ERR_INVALID
 * when it has already ended, MENTO_ERR_NOT_FOUND when there is none. */
mento_status pairings_end(struct api_ctx *ctx, int64_t pairing_id, int64_t actor,
                          const char *ended_by, const char *reason, const char *comment,
                          bool do_not_match);

/* Has either of `a` and `b` asked never to be matched with the other in
 * `programme`? */
bool pairings_no_match(sqlite3 *db, const char *programme, int64_t a, int64_t b);

#endif

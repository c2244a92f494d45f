/* suggest.h - pairing suggestions for a programme's administrators
 * (src/server/suggest.c): who could be paired with whom in the programme as it
 * stands, and the best overall assignment of them (mento/assign.h). Nothing
 * is changed; the team confirms pairings one by one. */
#ifndef MENTO_SUGGEST_H
#define MENTO_SUGGEST_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mento/error.h"
#include "mento/model.h"

/* The suggestions for `prog` at `now`, as the answer
 * of GET .../admin/pairings/suggestions: {"items":[{"mentee_id","mentor_id",
 * "score","earlier_mentee"}...],"total_score","unassigned_mentees":[...]}.
 *
 * Candidates: active or selected memberships of unfrozen accounts; mentees
 * with fewer active pairings than the programme allows, mentors (not hidden)
 * with free places. A pair is allowed when the two share a session language,
 * are not already paired, and neither asked not to be matched with the other.
 * The assignment pairs first the most mentees who were never a mentee in an
 * earlier edition (another programme with the same eligibility rules), then
 * the most mentees, then the highest total match score.
 *
 * MENTO_ERR_RANGE when the programme is larger than mento/assign.h's limits,
 * MENTO_ERR_DB, MENTO_ERR_NOMEM. */
mento_status suggest_pairings(sqlite3 *db, const struct mento_programme *prog, int64_t now,
                              cJSON **out);

#endif

/* rules.h - the programme rules that both mento and mentod need.
 * Pure functions over the model: deadlines, eligibility, languages, match score. */
#ifndef MENTO_RULES_H
#define MENTO_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/model.h"

/* True when `tz` names a zone of the system's time zone database. */
bool rules_timezone_valid(const char *tz);

/* The mentor's answer deadline for a request sent at `sent_at`: `days` x 24 h
 * later; when that instant falls on a Saturday or Sunday in the mentor's zone
 * `tz`, it moves to the following Monday at the same local time of day.
 * MENTO_ERR_TZ for an unknown zone. */
mento_status rules_request_deadline(int64_t sent_at, const char *tz, int days,
                                    int64_t *deadline);

/* Local calendar fields of `t` in zone `tz` (weekday 0 = Sunday). */
struct rules_local_time {
    int year, month, day, hour, minute, second, weekday;
    int utc_offset; /* seconds east of UTC */
};
mento_status rules_local_time(int64_t t, const char *tz, struct rules_local_time *out);

/* A session language in common (RULES.md: the directory's language rule). */
bool rules_languages_share(unsigned a, unsigned b);

/* Eligibility of a registration into a programme with `roles` (enum mento_role
 * bits). MENTO_OK when eligible; otherwise MENTO_ERR_INVALID and `reason` holds
 * one English sentence a user can act on. */
mento_status rules_check_eligibility(const struct mento_programme *prog, unsigned roles,
                                     const struct mento_profile *p, char *reason,
                                     size_t reason_len);

/* The answers every registration must carry (name, grade, languages, time zone,
 * job network, entity, duty station). MENTO_ERR_MISSING with the key in `field`. */
mento_status rules_check_required(const struct mento_profile *p, const char **field);

/* Match score of `mentor` for `mentee`, 0..100, with the reasons that made it,
 * highest points first. Deterministic for a given day (time-zone distances are
 * taken at the current offsets). */
void rules_match_score(const struct mento_profile *mentee, const struct mento_profile *mentor,
                       struct mento_score *out);

/* What the score needs of one profile, folded and looked up once, so that a
 * directory can score thousands of pairs without repeating that work. The
 * profile must outlive the input (display strings are borrowed from it). */
struct rules_match_input {
    const struct mento_profile *profile;
    char *job_network; /* folded */
    char *entity;
    char *duty_station;
    size_t n_skills, n_goals;
    char *skills[MENTO_MAX_TAGS];
    char *goals[MENTO_MAX_TAGS];
    bool has_offset;
    int utc_offset; /* seconds east of UTC at `now` */
};
mento_status rules_match_input_init(struct rules_match_input *in, const struct mento_profile *p,
                                    int64_t now);
void rules_match_input_free(struct rules_match_input *in);
/* The same result as rules_match_score for the two profiles. */
void rules_match_score_prepared(const struct rules_match_input *mentee,
                                const struct rules_match_input *mentor, struct mento_score *out);

#endif

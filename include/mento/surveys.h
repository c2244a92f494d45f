/* surveys.h - the programme surveys: what each survey asks (data of the
 * built-in programmes, see seed.c), and the time rules of docs/api.md 15
 * that say when a member may answer them. */
#ifndef MENTO_SURVEYS_H
#define MENTO_SURVEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/model.h"

/* The longest text answer, in Unicode code points. */
#define SURVEY_TEXT_MAX 2000
/* The highest a rating question may go. */
#define SURVEY_RATING_MAX 10
/* The post-programme survey stays open this many days after it opens. */
#define SURVEY_POST_OPEN_DAYS 60

enum survey_question_type {
    SURVEY_Q_TEXT = 0, /* text of up to `max` characters (at most SURVEY_TEXT_MAX) */
    SURVEY_Q_RATING,   /* a whole number 1..max */
    SURVEY_Q_CHOICE,   /* one of `choices` */
};

struct survey_question {
    const char *key;   /* the answer's key: [a-z_], unique in its survey */
    const char *label; /* English */
    enum survey_question_type type;
    int max;                    /* TEXT: characters; RATING: the top of the scale */
    const char *const *choices; /* CHOICE: NULL-terminated */
};

/* "pre": before the programme; "post": after it. */
struct survey_def {
    const char *id;
    const char *title;
    const struct survey_question *questions;
    size_t n_questions;
};

/* The surveys of a programme, in order (pre, then post); programmes that are
 * not built in get the common pair. Never NULL; *n is 2. */
const struct survey_def *seed_surveys(const char *programme, size_t *n);

/* The survey `id` among `defs`, NULL when there is none. */
const struct survey_def *survey_find(const struct survey_def *defs, size_t n, const char *id);
/* The question `key` of a survey, NULL when there is none. */
const struct survey_question *survey_question_find(const struct survey_def *def, const char *key);

/* When a member's surveys open and close, from what the time rules read:
 * pre opens at `joined_at` and closes when the member's first pairing ends;
 * post opens when the first pairing ends or, in a cohort programme, at the
 * programme's end if that comes first, and closes SURVEY_POST_OPEN_DAYS
 * later. Surveys are for participants (a mentee or mentor role, not turned
 * down in a cohort selection); post only for those who took part (an active
 * membership or a selected application). 0 stands for "not known yet" (or
 * never). */
struct survey_member {
    bool participant;
    bool took_part;
    int64_t joined_at;
    int64_t first_pairing_end; /* 0: no pairing has ended yet */
    int64_t programme_end;     /* cohort programmes: pairing_announced + length_months; else 0 */
};
struct survey_window {
    int64_t opens_at;  /* 0: not open yet, and when is not known */
    int64_t closes_at; /* 0: no end known yet */
};
struct survey_window survey_window_of(const char *survey_id, const struct survey_member *m);
bool survey_window_open(const struct survey_window *w, int64_t now);
/* A cohort programme's end: `p->pairing_announced` plus `p->length_months`
 * calendar months (UTC); 0 for evergreen programmes or missing dates. */
int64_t survey_programme_end(const struct mento_programme *p);

#endif

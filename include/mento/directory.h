/* directory.h - the client's mentor directory in memory: loaded once from the
 * store, scored for the user with the shared rules, and filtered on every
 * keystroke without touching the disk or the network. Sized for 100,000
 * mentors: the facets (job network, grade, entity, duty station) are interned,
 * each entry keeps one folded search text, and both sort orders are computed
 * at load so a filter only selects. */
#ifndef MENTO_DIRECTORY_H
#define MENTO_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"
#include "mento/model.h"

struct store;

/* The interned values of one facet, in folded alphabetical order. */
struct directory_facet {
    char **values; /* display form */
    size_t n;
};

enum directory_facet_id {
    DIRECTORY_JOB_NETWORK = 0,
    DIRECTORY_GRADE,
    DIRECTORY_ENTITY,
    DIRECTORY_DUTY_STATION,
    DIRECTORY_FACETS
};

struct directory_entry {
    int64_t user_id;
    char *name;
    char *search;                     /* folded: name, facets, skills, goals */
    uint32_t facet[DIRECTORY_FACETS]; /* index into the facet, UINT32_MAX: none */
    unsigned languages;               /* enum mento_lang bits */
    int score;                        /* 0..100 for the user as a mentee, -1: none */
    bool full;
};

enum directory_sort { DIRECTORY_BY_SCORE = 0, DIRECTORY_BY_NAME };

/* What the user typed in the filter bar. Facet values are matched exactly
 * (after folding); `text` is any number of words, each of which must occur
 * in the entry's search text. Empty fields match everything. */
struct directory_filter {
    char facet[DIRECTORY_FACETS][128];
    unsigned language; /* 0: any; else the mentor must speak it */
    char text[256];
    bool available_only; /* leave out full mentors */
};

struct directory {
    struct directory_entry *entries;
    size_t n;
    struct directory_facet facets[DIRECTORY_FACETS];
    size_t *order[2]; /* entries by score, by name */
    size_t *view;     /* the current selection, in the chosen order */
    char *arena;      /* the entries' names and search texts, in score order */
    size_t n_view;
    /* The last filter, so that typing one more letter only narrows. */
    struct directory_filter last;
    enum directory_sort last_sort;
    bool have_last;
};

/* Load the directory of `programme` from the store; `me` (may be NULL) is
 * the user's profile for the match score (NULL: no scores, as for a user who
 * is only a mentor). `now` fixes the time-zone offsets of the score. */
mento_status directory_load(struct directory *d, struct store *s, const char *programme,
                            const struct mento_profile *me, int64_t now);
void directory_free(struct directory *d);

/* Select the entries matching `f` in the order `sort` into d->view; returns
 * d->n_view. */
size_t directory_filter(struct directory *d, const struct directory_filter *f,
                        enum directory_sort sort);

/* The facet value of an entry ("" when unanswered). */
const char *directory_facet_value(const struct directory *d, const struct directory_entry *e,
                                  enum directory_facet_id f);

#endif

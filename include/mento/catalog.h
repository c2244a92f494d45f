/* catalog.h - mentod's in-memory read model: programmes and every membership
 * with its profile, rebuilt when the change sequence moves. Directory pages
 * and sync answers are computed from one immutable snapshot, without SQL. */
#ifndef MENTO_CATALOG_H
#define MENTO_CATALOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mento/model.h"
#include "mento/rules.h"

struct catalog_entry {
    int64_t user_id;
    struct mento_profile profile;
    unsigned roles; /* enum mento_role bits in this programme */
    int capacity;
    int mentees; /* active pairings as mentor */
    bool hidden;
    bool frozen;
    bool active; /* membership status lets them take part (active or selected) */
    char status[16];
    int64_t seq; /* last change to the user, profile or membership */
    /* utf8_fold()ed copies for filters and free-text search. */
    char *fold_job_network;
    char *fold_entity;
    char *fold_duty_station;
    char *fold_name;
    struct rules_match_input match; /* the profile prepared for scoring */
    /* The entry's JSON without score, rendered on first use and kept for the
     * snapshot's life (an entry never changes inside a snapshot). */
    char *_Atomic json_summary;
    char *_Atomic json_details;
    char *fold_text; /* name, job network, entity, duty station, skills, goals, bio */
    /* Members of the programme this one must never be matched with again
     * (either asked it when ending a pairing): they do not see each other. */
    int64_t *no_match;
    size_t n_no_match;
};

/* Scores of every entry of a programme for one viewer, cached per snapshot. */
struct catalog_scores {
    int64_t viewer;
    size_t programme;
    int *totals; /* one per entry of the programme */
    uint64_t last_used;
};

#define CATALOG_SCORE_SLOTS 64

/* A rendered answer (plain and gzip'd) under a key that determines it. */
struct catalog_page {
    unsigned char key[16];
    char *body;
    size_t len;
    unsigned char *gz;
    size_t gz_len;
    uint64_t last_used;
};

#define CATALOG_PAGE_SLOTS 128

struct catalog_programme {
    struct mento_programme prog;
    int64_t seq;
    struct catalog_entry *entries; /* sorted by user_id */
    size_t n_entries;
};

struct catalog_snapshot {
    int64_t seq; /* db change sequence it was built at */
    int refs;    /* guarded by catalog.lock */
    struct catalog_programme *progs;
    size_t n_progs;
    pthread_mutex_t score_lock;
    uint64_t score_clock;
    struct catalog_scores scores[CATALOG_SCORE_SLOTS];
    /* Directory answers rendered from this snapshot: a write makes a new
     * snapshot, so a cached page can never be stale. */
    pthread_mutex_t page_lock;
    uint64_t page_clock;
    struct catalog_page pages[CATALOG_PAGE_SLOTS];
};

struct catalog {
    pthread_mutex_t lock;
    struct catalog_snapshot *current;
};

mento_status catalog_init(struct catalog *cat);
void catalog_free(struct catalog *cat);

/* The snapshot for the database's current change sequence, rebuilt if the
 * sequence moved. Release it with catalog_release. NULL on error. */
struct catalog_snapshot *catalog_acquire(struct catalog *cat, sqlite3 *db);
void catalog_release(struct catalog *cat, struct catalog_snapshot *snap);

const struct catalog_programme *catalog_programme(const struct catalog_snapshot *snap,
                                                  const char *id, size_t *index);
/* The member `user_id` of a programme, NULL if not a member. */
const struct catalog_entry *catalog_member(const struct catalog_programme *cp, int64_t user_id);

/* May `viewer` see `mentor` in the directory? (RULES.md: active mentor
 * membership, not frozen, not hidden, not the viewer, no do-not-match-again
 * between them, and a shared session language when the viewer is a mentee.) */
bool catalog_visible(const struct catalog_entry *viewer, const struct catalog_entry *mentor);

/* Directory listing parameters; strings are utf8_fold()ed by the caller. */
enum catalog_sort { CATALOG_SORT_SCORE = 0, CATALOG_SORT_NAME };
struct catalog_query {
    const char *job_network;
    const char *entity;
    const char *duty_station;
    mento_grade grade; /* MENTO_GRADE_NONE: any */
    unsigned language; /* 0: any */
    const char *q;     /* folded free text, words separated by spaces */
    enum catalog_sort sort;
    int page;     /* 1-based */
    int per_page; /* 1..200 */
};

/* Copies of a cached answer under `key`; false when none. */
bool catalog_page_get(struct catalog_snapshot *snap, const unsigned char key[16], char **body,
                      size_t *len, unsigned char **gz, size_t *gz_len);
/* Keep copies of an answer under `key` (the least recently used one goes). */
void catalog_page_put(struct catalog_snapshot *snap, const unsigned char key[16],
                      const char *body, size_t len, const unsigned char *gz, size_t gz_len);

/* The page as {"items":[..],"page":..,"per_page":..,"total":..,"pages":..}. */
cJSON *catalog_directory_page(struct catalog_snapshot *snap, size_t prog_index,
                              const struct catalog_entry *viewer, const struct catalog_query *q);
/* One directory entry; `details` adds the shown answers of the full profile. */
cJSON *catalog_mentor_json(const struct catalog_entry *viewer, const struct catalog_entry *mentor,
                           bool details);

#endif

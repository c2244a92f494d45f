/* suggest.c - pairing suggestions: candidates and allowed pairs from the
 * database, weights from the shared match score, the assignment from
 * mento/assign.h (see suggest.h). */
#include "mento/suggest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mento/assign.h"
#include "mento/codec.h"
#include "mento/rules.h"

struct person {
    int64_t id;
    struct mento_profile profile;
    struct rules_match_input in;
    bool prepared;
    int places;   /* a mentor's free places */
    bool earlier; /* a mentee of an earlier edition */
};

struct people {
    struct person *v;
    size_t n, cap;
};

/* A pair that may not be suggested: already paired, or do-not-match. */
struct barred {
    int64_t low, high;
};

struct bars {
    struct barred *v;
    size_t n, cap;
};

static void people_free(struct people *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].prepared)
            rules_match_input_free(&p->v[i].in);
        mento_profile_free(&p->v[i].profile);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* Rows of (user_id, answers, number): places for mentors, the earlier-edition
 * flag for mentees. A profile that does not parse leaves the person out
 * rather than failing the whole answer. */
static mento_status people_load(sqlite3 *db, const char *sql, const char *pid, int mentee_max,
                                int64_t now, bool mentors, struct people *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, mentee_max);
    sqlite3_bind_int(st, 3, mentors ? MENTO_ROLE_MENTOR : MENTO_ROLE_MENTEE);
    mento_status rc = MENTO_OK;
    int step;
    while (rc == MENTO_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (mentors ? ASSIGN_MAX_COLS : ASSIGN_MAX_ROWS)) {
            rc = MENTO_ERR_RANGE;
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            struct person *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        struct person *p = &out->v[out->n];
        memset(p, 0, sizeof *p);
        mento_profile_init(&p->profile);
        p->id = sqlite3_column_int64(st, 0);
        cJSON *answers = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
        struct codec_error err;
        bool parsed = answers && codec_profile_from_json(answers, &p->profile, &err) == MENTO_OK;
        cJSON_Delete(answers);
        if (!parsed) {
            mento_profile_free(&p->profile);
            continue;
        }
        p->profile.user_id = p->id;
        if (mentors)
            p->places = sqlite3_column_int(st, 2);
        else
            p->earlier = sqlite3_column_int(st, 2) != 0;
        out->n++;
    }
    if (rc == MENTO_OK && step != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    /* The inputs borrow from the profiles: prepared once the array no longer
     * moves. */
    for (size_t i = 0; rc == MENTO_OK && i < out->n; i++) {
        rc = rules_match_input_init(&out->v[i].in, &out->v[i].profile, now);
        out->v[i].prepared = rc == MENTO_OK;
    }
    return rc;
}

static int barred_cmp(const void *a, const void *b)
{
    const struct barred *x = a, *y = b;
    if (x->low != y->low)
        return x->low < y->low ? -1 : 1;
    return (x->high > y->high) - (x->high < y->high);
}

static mento_status bars_load(sqlite3 *db, const char *pid, struct bars *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT min(mentor_id, mentee_id), max(mentor_id, mentee_id) FROM"
                           " pairings WHERE programme_id = ?1 AND state = 'active'"
                           " UNION SELECT low_id, high_id FROM no_match WHERE programme_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    mento_status rc = MENTO_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            struct barred *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        out->v[out->n++] =
            (struct barred){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    }
    if (rc == MENTO_OK && step != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, barred_cmp);
    return rc;
}

static bool is_barred(const struct bars *b, int64_t x, int64_t y)
{
    struct barred key = {x < y ? x : y, x < y ? y : x};
    return b->n && bsearch(&key, b->v, b->n, sizeof *b->v, barred_cmp) != NULL;
}

/* Mentees with room for another mentor; the number is 1 for a mentee of an
 * earlier edition: a mentee in a pairing of another programme with the same
 * eligibility rules. */
static const char mentees_sql[] =
    "SELECT m.user_id, p.answers, EXISTS (SELECT 1 FROM pairings q JOIN programmes g"
    "  ON g.id = q.programme_id WHERE q.mentee_id = m.user_id AND q.programme_id <> ?1"
    "  AND json_extract(g.settings, '$.eligibility') = (SELECT json_extract(settings,"
    "  '$.eligibility') FROM programmes WHERE id = ?1))"
    " FROM memberships m JOIN users u ON u.id = m.user_id JOIN profiles p ON p.user_id ="
    " m.user_id WHERE m.programme_id = ?1 AND (m.roles & ?3) <> 0"
    " AND m.status IN ('active', 'selected') AND u.frozen = 0 AND (SELECT count(*) FROM"
    " pairings q WHERE q.programme_id = ?1 AND q.mentee_id = m.user_id AND q.state ="
    " 'active') < ?2 ORDER BY m.user_id";

/* Mentors with free places, hidden ones left out. */
static const char mentors_sql[] =
    "SELECT m.user_id, p.answers, m.capacity - (SELECT count(*) FROM pairings q WHERE"
    " q.programme_id = ?1 AND q.mentor_id = m.user_id AND q.state = 'active') AS places"
    " FROM memberships m JOIN users u ON u.id = m.user_id JOIN profiles p ON p.user_id ="
    " m.user_id WHERE m.programme_id = ?1 AND (m.roles & ?3) <> 0"
    " AND m.status IN ('active', 'selected') AND u.frozen = 0 AND m.hidden = 0 AND places > 0 "
    "ORDER BY m.user_id";

struct chosen {
    int64_t mentee, mentor;
    int score;
    bool earlier;
};

static int chosen_cmp(const void *a, const void *b)
{
    const struct chosen *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->mentee > y->mentee) - (x->mentee < y->mentee);
}

mento_status suggest_pairings(sqlite3 *db, const struct mento_programme *prog, int64_t now,
                              cJSON **out)
{
    *out = NULL;
    struct people mentees = {0}, mentors = {0};
    struct bars bars = {0};
    struct assign_pair *pairs = NULL;
    int *places = NULL, *scores = NULL;
    int64_t *row_pair = NULL;
    struct chosen *chosen = NULL;
    size_t n_pairs = 0, cap_pairs = 0, n_chosen = 0;

    mento_status rc =
        people_load(db, mentees_sql, prog->id, prog->mentee_max_mentors, now, false, &mentees);
    if (rc == MENTO_OK)
        rc = people_load(db, mentors_sql, prog->id, 0, now, true, &mentors);
    if (rc == MENTO_OK)
        rc = bars_load(db, prog->id, &bars);
    if (rc != MENTO_OK)
        goto done;

    /* Weights: first-time mentees paired first, then the most mentees, then
     * the total score. With R mentees, a score sums to at most 101 R < C1, and
     * R C1 + 101 R < C2, so each rank outweighs everything below it. */
    const int64_t c1 = 101 * ((int64_t)mentees.n + 1);
    const int64_t c2 = c1 * ((int64_t)mentees.n + 1);
    places = calloc(mentors.n ? mentors.n : 1, sizeof *places);
    row_pair = calloc(mentees.n ? mentees.n : 1, sizeof *row_pair);
    if (!places || !row_pair) {
        rc = MENTO_ERR_NOMEM;
        goto done;
    }
    for (size_t c = 0; c < mentors.n; c++)
        places[c] = mentors.v[c].places;
    for (size_t r = 0; r < mentees.n && rc == MENTO_OK; r++) {
        const struct person *me = &mentees.v[r];
        for (size_t c = 0; c < mentors.n; c++) {
            const struct person *mo = &mentors.v[c];
            if (me->id == mo->id ||
                !rules_languages_share(me->profile.languages, mo->profile.languages) ||
                is_barred(&bars, me->id, mo->id))
                continue;
            if (n_pairs == ASSIGN_MAX_PAIRS) {
                rc = MENTO_ERR_RANGE;
                break;
            }
            if (n_pairs == cap_pairs) {
                size_t cap = cap_pairs ? cap_pairs * 2 : 256;
                struct assign_pair *v = realloc(pairs, cap * sizeof *v);
                int *s = realloc(scores, cap * sizeof *s);
                if (v)
                    pairs = v;
                if (s)
                    scores = s;
                if (!v || !s) {
                    rc = MENTO_ERR_NOMEM;
                    break;
                }
                cap_pairs = cap;
            }
            struct mento_score score;
            rules_match_score_prepared(&me->in, &mo->in, &score);
            scores[n_pairs] = score.total;
            pairs[n_pairs++] = (struct assign_pair){(uint32_t)r, (uint32_t)c,
                                                    score.total + 1 + c1 + (me->earlier ? 0 : c2)};
        }
    }
    if (rc != MENTO_OK)
        goto done;
    struct assign_problem problem = {mentees.n, mentors.n, places, n_pairs, pairs};
    int64_t weight;
    rc = assign_solve(&problem, row_pair, &weight);
    if (rc != MENTO_OK)
        goto done;

    chosen = calloc(mentees.n ? mentees.n : 1, sizeof *chosen);
    if (!chosen) {
        rc = MENTO_ERR_NOMEM;
        goto done;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *unassigned = cJSON_CreateArray();
    int64_t total = 0;
    for (size_t r = 0; r < mentees.n; r++) {
        if (row_pair[r] < 0) {
            cJSON_AddItemToArray(unassigned, cJSON_CreateNumber((double)mentees.v[r].id));
            continue;
        }
        const struct assign_pair *a = &pairs[row_pair[r]];
        chosen[n_chosen++] = (struct chosen){mentees.v[r].id, mentors.v[a->col].id,
                                             scores[row_pair[r]], mentees.v[r].earlier};
        total += scores[row_pair[r]];
    }
    if (n_chosen)
        qsort(chosen, n_chosen, sizeof *chosen, chosen_cmp);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n_chosen; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "mentee_id", (double)chosen[i].mentee);
        cJSON_AddNumberToObject(it, "mentor_id", (double)chosen[i].mentor);
        cJSON_AddNumberToObject(it, "score", chosen[i].score);
        cJSON_AddBoolToObject(it, "earlier_mentee", chosen[i].earlier);
        cJSON_AddItemToArray(items, it);
    }
    cJSON_AddNumberToObject(o, "total_score", (double)total);
    cJSON_AddItemToObject(o, "unassigned_mentees", unassigned);
    if (!items || cJSON_GetArraySize(items) != (int)n_chosen) {
        cJSON_Delete(o);
        rc = MENTO_ERR_NOMEM;
        goto done;
    }
    *out = o;
done:
    free(chosen);
    free(row_pair);
    free(places);
    free(scores);
    free(pairs);
    free(bars.v);
    people_free(&mentors);
    people_free(&mentees);
    return rc;
}

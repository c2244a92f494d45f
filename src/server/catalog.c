/* catalog.c - the in-memory read model behind the directory and sync.
 * Snapshots are immutable and reference-counted; a write elsewhere only makes
 * the next reader build a fresh one, so readers never wait on SQL or on each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mento/catalog.h"
#include "mento/codec.h"
#include "mento/db.h"
#include "mento/rules.h"
#include "mento/utf8.h"

mento_status catalog_init(struct catalog *cat)
{
    memset(cat, 0, sizeof *cat);
    if (pthread_mutex_init(&cat->lock, NULL) != 0)
        return MENTO_ERR_NOMEM;
    return MENTO_OK;
}

static void entry_free(struct catalog_entry *e)
{
    rules_match_input_free(&e->match);
    free(atomic_load(&e->json_summary));
    free(atomic_load(&e->json_details));
    mento_profile_free(&e->profile);
    free(e->fold_job_network);
    free(e->fold_entity);
    free(e->fold_duty_station);
    free(e->fold_name);
    free(e->fold_text);
    free(e->no_match);
}

static void snapshot_free(struct catalog_snapshot *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->n_progs; i++) {
        struct catalog_programme *cp = &snap->progs[i];
        for (size_t j = 0; j < cp->n_entries; j++)
            entry_free(&cp->entries[j]);
        free(cp->entries);
        mento_programme_free(&cp->prog);
    }
    free(snap->progs);
    for (size_t i = 0; i < CATALOG_SCORE_SLOTS; i++)
        free(snap->scores[i].totals);
    for (size_t i = 0; i < CATALOG_PAGE_SLOTS; i++) {
        free(snap->pages[i].body);
        free(snap->pages[i].gz);
    }
    pthread_mutex_destroy(&snap->score_lock);
    pthread_mutex_destroy(&snap->page_lock);
    free(snap);
}

void catalog_free(struct catalog *cat)
{
    snapshot_free(cat->current);
    cat->current = NULL;
    pthread_mutex_destroy(&cat->lock);
}

/* ---- Building ------------------------------------------------------------ */

/* Append `s` folded to the search text, separated by a space. */
static mento_status text_append(char **text, size_t *len, const char *s)
{
    if (!s || !*s)
        return MENTO_OK;
    char *f = utf8_fold(s);
    if (!f)
        return MENTO_ERR_NOMEM;
    size_t fl = strlen(f);
    char *n = realloc(*text, *len + fl + 2);
    if (!n) {
        free(f);
        return MENTO_ERR_NOMEM;
    }
    n[(*len)++] = ' ';
    memcpy(n + *len, f, fl + 1);
    *len += fl;
    *text = n;
    free(f);
    return MENTO_OK;
}

static mento_status entry_index(struct catalog_entry *e)
{
    const struct mento_profile *p = &e->profile;
    e->fold_job_network = utf8_fold(p->job_network ? p->job_network : "");
    e->fold_entity = utf8_fold(p->entity ? p->entity : "");
    e->fold_duty_station = utf8_fold(p->duty_station ? p->duty_station : "");
    e->fold_name = utf8_fold(p->name ? p->name : "");
    if (!e->fold_name || !e->fold_job_network || !e->fold_entity || !e->fold_duty_station)
        return MENTO_ERR_NOMEM;
    size_t len = 0;
    e->fold_text = calloc(1, 1);
    if (!e->fold_text)
        return MENTO_ERR_NOMEM;
    const char *fields[] = {p->name, p->job_network, p->entity, p->duty_station, p->bio};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (text_append(&e->fold_text, &len, fields[i]) != MENTO_OK)
            return MENTO_ERR_NOMEM;
    for (size_t i = 0; i < p->n_skills; i++)
        if (text_append(&e->fold_text, &len, p->skills[i]) != MENTO_OK)
            return MENTO_ERR_NOMEM;
    for (size_t i = 0; i < p->n_goals; i++)
        if (text_append(&e->fold_text, &len, p->goals[i]) != MENTO_OK)
            return MENTO_ERR_NOMEM;
    return text_append(&e->fold_text, &len, " ");
}

static mento_status load_programmes(sqlite3 *db, struct catalog_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_OK;
    if (sqlite3_prepare_v2(db, "SELECT settings, seq FROM programmes ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (snap->n_progs == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct catalog_programme *n = realloc(snap->progs, ncap * sizeof *n);
            if (!n) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            snap->progs = n;
            cap = ncap;
        }
        struct catalog_programme *cp = &snap->progs[snap->n_progs];
        memset(cp, 0, sizeof *cp);
        mento_programme_init(&cp->prog);
        snap->n_progs++;
        const char *json = (const char *)sqlite3_column_text(st, 0);
        cJSON *obj = json ? cJSON_Parse(json) : NULL;
        struct codec_error err;
        rc = obj ? codec_programme_from_json(obj, &cp->prog, &err) : MENTO_ERR_PARSE;
        cJSON_Delete(obj);
        if (rc != MENTO_OK)
            break;
        cp->seq = sqlite3_column_int64(st, 1);
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

static const char member_sql[] =
    "SELECT m.programme_id, m.user_id, m.roles, m.capacity, m.hidden, m.status, u.frozen,"
    "       p.answers, max(u.seq, p.seq, m.seq),"
    "       (SELECT count(*) FROM pairings x WHERE x.programme_id = m.programme_id"
    "          AND x.mentor_id = m.user_id AND x.state = 'active')"
    "  FROM memberships m JOIN users u ON u.id = m.user_id"
    "  JOIN profiles p ON p.user_id = m.user_id"
    " ORDER BY m.programme_id, m.user_id";

static mento_status load_members(sqlite3 *db, struct catalog_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, member_sql, -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    mento_status rc = MENTO_OK;
    size_t cap = 0;
    struct catalog_programme *cp = NULL;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *pid = (const char *)sqlite3_column_text(st, 0);
        if (!cp || strcmp(cp->prog.id, pid) != 0) {
            cp = (struct catalog_programme *)catalog_programme(snap, pid, NULL);
            cap = cp ? cp->n_entries : 0;
            if (!cp)
                continue; /* membership of an unknown programme: ignore */
        }
        if (cp->n_entries == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct catalog_entry *n = realloc(cp->entries, ncap * sizeof *n);
            if (!n) {
                rc = MENTO_ERR_NOMEM;
                break;
            }
            cp->entries = n;
            cap = ncap;
        }
        struct catalog_entry *e = &cp->entries[cp->n_entries];
        memset(e, 0, sizeof *e);
        mento_profile_init(&e->profile);
        cp->n_entries++;
        e->user_id = sqlite3_column_int64(st, 1);
        e->roles = (unsigned)sqlite3_column_int(st, 2);
        e->capacity = sqlite3_column_int(st, 3);
        e->hidden = sqlite3_column_int(st, 4) != 0;
        const char *status = (const char *)sqlite3_column_text(st, 5);
        snprintf(e->status, sizeof e->status, "%s", status ? status : "");
        e->active = strcmp(e->status, "active") == 0 || strcmp(e->status, "selected") == 0;
        e->frozen = sqlite3_column_int(st, 6) != 0;
        e->seq = sqlite3_column_int64(st, 8);
        e->mentees = sqlite3_column_int(st, 9);
        const char *answers = (const char *)sqlite3_column_text(st, 7);
        cJSON *obj = answers ? cJSON_Parse(answers) : NULL;
        struct codec_error err;
        rc = obj ? codec_profile_from_json(obj, &e->profile, &err) : MENTO_ERR_PARSE;
        cJSON_Delete(obj);
        if (rc != MENTO_OK)
            break;
        e->profile.user_id = e->user_id;
        if ((rc = entry_index(e)) != MENTO_OK)
            break;
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

static mento_status entry_add_no_match(struct catalog_entry *e, int64_t other)
{
    int64_t *n = realloc(e->no_match, (e->n_no_match + 1) * sizeof *n);
    if (!n)
        return MENTO_ERR_NOMEM;
    e->no_match = n;
    e->no_match[e->n_no_match++] = other;
    return MENTO_OK;
}

/* The do-not-match-again pairs, recorded on both members' entries. */
static mento_status load_no_match(sqlite3 *db, struct catalog_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT programme_id, low_id, high_id FROM no_match", -1, &st,
                           NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    mento_status rc = MENTO_OK;
    int r;
    while (rc == MENTO_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const struct catalog_programme *cp =
            catalog_programme(snap, (const char *)sqlite3_column_text(st, 0), NULL);
        if (!cp)
            continue;
        int64_t a = sqlite3_column_int64(st, 1), b = sqlite3_column_int64(st, 2);
        struct catalog_entry *ea = (struct catalog_entry *)catalog_member(cp, a);
        struct catalog_entry *eb = (struct catalog_entry *)catalog_member(cp, b);
        if (ea && eb && (rc = entry_add_no_match(ea, b)) == MENTO_OK)
            rc = entry_add_no_match(eb, a);
    }
    if (rc == MENTO_OK && r != SQLITE_DONE)
        rc = MENTO_ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

static struct catalog_snapshot *snapshot_build(sqlite3 *db)
{
    struct catalog_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap)
        return NULL;
    pthread_mutex_init(&snap->score_lock, NULL);
    pthread_mutex_init(&snap->page_lock, NULL);
    /* One read transaction so that the sequence and the rows agree; inside a
     * caller's transaction that one already gives the same guarantee. */
    bool own = sqlite3_get_autocommit(db) != 0;
    if (own && db_begin_read(db) != MENTO_OK) {
        snapshot_free(snap);
        return NULL;
    }
    snap->seq = db_current_seq(db);
    mento_status rc = load_programmes(db, snap);
    if (rc == MENTO_OK)
        rc = load_members(db, snap);
    if (rc == MENTO_OK)
        rc = load_no_match(db, snap);
    /* Prepared once the entries no longer move in memory (they point at
     * their own profile). */
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; rc == MENTO_OK && i < snap->n_progs; i++)
        for (size_t j = 0; rc == MENTO_OK && j < snap->progs[i].n_entries; j++) {
            struct catalog_entry *e = &snap->progs[i].entries[j];
            rc = rules_match_input_init(&e->match, &e->profile, now);
        }
    if (own)
        db_rollback(db);
    if (rc != MENTO_OK) {
        snapshot_free(snap);
        return NULL;
    }
    return snap;
}

struct catalog_snapshot *catalog_acquire(struct catalog *cat, sqlite3 *db)
{
    int64_t seq = db_current_seq(db);
    pthread_mutex_lock(&cat->lock);
    struct catalog_snapshot *snap = cat->current;
    if (snap && snap->seq >= seq) {
        snap->refs++;
        pthread_mutex_unlock(&cat->lock);
        return snap;
    }
    pthread_mutex_unlock(&cat->lock);

    /* Build outside the lock; if another thread installed a newer one in the
     * meantime, keep whichever is newer. */
    struct catalog_snapshot *fresh = snapshot_build(db);
    if (!fresh)
        return NULL;
    struct catalog_snapshot *old = NULL;
    pthread_mutex_lock(&cat->lock);
    if (!cat->current || cat->current->seq < fresh->seq) {
        old = cat->current;
        cat->current = fresh;
        fresh->refs = 1; /* the catalogue's own reference */
    } else {
        old = fresh;
        fresh = cat->current;
        old->refs = 1;
    }
    fresh->refs++;
    if (old && --old->refs > 0)
        old = NULL; /* still in use: its last reader frees it */
    pthread_mutex_unlock(&cat->lock);
    snapshot_free(old);
    return fresh;
}

void catalog_release(struct catalog *cat, struct catalog_snapshot *snap)
{
    if (!snap)
        return;
    pthread_mutex_lock(&cat->lock);
    int left = --snap->refs;
    pthread_mutex_unlock(&cat->lock);
    if (left == 0)
        snapshot_free(snap);
}

/* ---- Rendered pages ------------------------------------------------------ */

static void *dup_bytes(const void *p, size_t n)
{
    void *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

bool catalog_page_get(struct catalog_snapshot *snap, const unsigned char key[16], char **body,
                      size_t *len, unsigned char **gz, size_t *gz_len)
{
    bool found = false;
    *body = NULL;
    *gz = NULL;
    pthread_mutex_lock(&snap->page_lock);
    for (size_t i = 0; i < CATALOG_PAGE_SLOTS; i++) {
        struct catalog_page *pg = &snap->pages[i];
        if (pg->body && memcmp(pg->key, key, 16) == 0) {
            pg->last_used = ++snap->page_clock;
            *body = dup_bytes(pg->body, pg->len + 1);
            *len = pg->len;
            if (pg->gz) {
                *gz = dup_bytes(pg->gz, pg->gz_len);
                *gz_len = pg->gz_len;
            }
            found = *body && (!pg->gz || *gz);
            break;
        }
    }
    pthread_mutex_unlock(&snap->page_lock);
    if (!found) {
        free(*body);
        free(*gz);
        *body = NULL;
        *gz = NULL;
    }
    return found;
}

void catalog_page_put(struct catalog_snapshot *snap, const unsigned char key[16],
                      const char *body, size_t len, const unsigned char *gz, size_t gz_len)
{
    char *b = dup_bytes(body, len + 1);
    unsigned char *z = gz ? dup_bytes(gz, gz_len) : NULL;
    if (!b || (gz && !z)) {
        free(b);
        free(z);
        return;
    }
    pthread_mutex_lock(&snap->page_lock);
    struct catalog_page *victim = &snap->pages[0];
    for (size_t i = 0; i < CATALOG_PAGE_SLOTS; i++) {
        struct catalog_page *pg = &snap->pages[i];
        if (!pg->body || memcmp(pg->key, key, 16) == 0) {
            victim = pg;
            break;
        }
        if (pg->last_used < victim->last_used)
            victim = pg;
    }
    free(victim->body);
    free(victim->gz);
    memcpy(victim->key, key, 16);
    victim->body = b;
    victim->len = len;
    victim->gz = z;
    victim->gz_len = gz_len;
    victim->last_used = ++snap->page_clock;
    pthread_mutex_unlock(&snap->page_lock);
}

/* ---- Queries ------------------------------------------------------------- */

const struct catalog_programme *catalog_programme(const struct catalog_snapshot *snap,
                                                  const char *id, size_t *index)
{
    for (size_t i = 0; i < snap->n_progs; i++)
        if (strcmp(snap->progs[i].prog.id, id) == 0) {
            if (index)
                *index = i;
            return &snap->progs[i];
        }
    return NULL;
}

const struct catalog_entry *catalog_member(const struct catalog_programme *cp, int64_t user_id)
{
    size_t lo = 0, hi = cp->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t id = cp->entries[mid].user_id;
        if (id == user_id)
            return &cp->entries[mid];
        if (id < user_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool catalog_visible(const struct catalog_entry *viewer, const struct catalog_entry *mentor)
{
    if (!(mentor->roles & MENTO_ROLE_MENTOR) || !mentor->active || mentor->frozen ||
        mentor->hidden)
        return false;
    if (viewer && viewer->user_id == mentor->user_id)
        return false;
    for (size_t i = 0; viewer && i < mentor->n_no_match; i++)
        if (mentor->no_match[i] == viewer->user_id)
            return false;
    if (viewer && (viewer->roles & MENTO_ROLE_MENTEE) &&
        !rules_languages_share(viewer->profile.languages, mentor->profile.languages))
        return false;
    return true;
}

static bool viewer_scores(const struct catalog_entry *viewer)
{
    return viewer && (viewer->roles & MENTO_ROLE_MENTEE);
}

static cJSON *entry_render(const struct catalog_entry *mentor, bool details)
{
    const struct mento_profile *p = &mentor->profile;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "user_id", (double)mentor->user_id);
    static const mento_question_id summary[] = {
        MENTO_QUESTION_NAME,         MENTO_QUESTION_GRADE,    MENTO_QUESTION_JOB_NETWORK,
        MENTO_QUESTION_ENTITY,       MENTO_QUESTION_DUTY_STATION, MENTO_QUESTION_TIMEZONE,
        MENTO_QUESTION_LANGUAGES,    MENTO_QUESTION_YEARS_EXPERIENCE, MENTO_QUESTION_SKILLS,
    };
    static const mento_question_id more[] = {MENTO_QUESTION_GOALS, MENTO_QUESTION_BIO,
                                             MENTO_QUESTION_LINKEDIN};
    const struct mento_question *qs = mento_questionnaire();
    for (size_t i = 0; i < sizeof summary / sizeof summary[0]; i++) {
        cJSON *v = codec_profile_answer(p, summary[i]);
        if (v)
            cJSON_AddItemToObject(o, qs[summary[i]].key, v);
    }
    if (details)
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
            cJSON *v = codec_profile_answer(p, more[i]);
            if (v)
                cJSON_AddItemToObject(o, qs[more[i]].key, v);
        }
    cJSON_AddNumberToObject(o, "capacity", mentor->capacity);
    cJSON_AddNumberToObject(o, "mentees", mentor->mentees);
    cJSON_AddBoolToObject(o, "full", mentor->mentees >= mentor->capacity);
    return o;
}

/* The cached text of an entry (a JSON object); NULL when out of memory. */
static const char *entry_text(const struct catalog_entry *ce, bool details)
{
    /* Only the cache slots change, once, atomically: the entry stays
     * logically immutable for every reader of the snapshot. */
    struct catalog_entry *e = (struct catalog_entry *)ce;
    char *_Atomic *slot = details ? &e->json_details : &e->json_summary;
    char *text = atomic_load(slot);
    if (text)
        return text;
    cJSON *o = entry_render(ce, details);
    text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return NULL;
    char *expected = NULL;
    if (!atomic_compare_exchange_strong(slot, &expected, text)) {
        free(text);
        text = expected;
    }
    return text;
}

cJSON *catalog_mentor_json(const struct catalog_entry *viewer, const struct catalog_entry *mentor,
                           bool details)
{
    const char *text = entry_text(mentor, details);
    if (!text)
        return NULL;
    if (!viewer_scores(viewer))
        return cJSON_CreateRaw(text);
    /* Splice the viewer's score in before the closing brace. */
    struct mento_score sc;
    rules_match_score_prepared(&viewer->match, &mentor->match, &sc);
    cJSON *s = codec_score_to_json(&sc);
    char *score = s ? cJSON_PrintUnformatted(s) : NULL;
    cJSON_Delete(s);
    if (!score)
        return NULL;
    size_t tl = strlen(text), sl = strlen(score);
    char *buf = malloc(tl + sl + 16);
    cJSON *out = NULL;
    if (buf) {
        memcpy(buf, text, tl - 1); /* without the final '}' */
        memcpy(buf + tl - 1, ",\"score\":", 9);
        memcpy(buf + tl + 8, score, sl);
        memcpy(buf + tl + 8 + sl, "}", 2);
        out = cJSON_CreateRaw(buf);
        free(buf);
    }
    free(score);
    return out;
}

/* Every word of the folded query occurs in the folded text. */
static bool text_matches(const char *text, const char *q)
{
    char word[128];
    while (*q) {
        while (*q == ' ')
            q++;
        size_t n = 0;
        while (q[n] && q[n] != ' ')
            n++;
        if (n == 0)
            break;
        if (n >= sizeof word)
            n = sizeof word - 1;
        memcpy(word, q, n);
        word[n] = '\0';
        if (!strstr(text, word))
            return false;
        q += n;
    }
    return true;
}

static bool entry_matches(const struct catalog_entry *e, const struct catalog_query *q)
{
    if (q->grade != MENTO_GRADE_NONE && e->profile.grade != q->grade)
        return false;
    if (q->language && !(e->profile.languages & q->language))
        return false;
    if (q->job_network && strcmp(e->fold_job_network, q->job_network) != 0)
        return false;
    if (q->entity && strcmp(e->fold_entity, q->entity) != 0)
        return false;
    if (q->duty_station && strcmp(e->fold_duty_station, q->duty_station) != 0)
        return false;
    if (q->q && *q->q && !text_matches(e->fold_text, q->q))
        return false;
    return true;
}

/* Totals for every entry of programme `pi` as seen by `viewer`, computed
 * once per snapshot and viewer. Returns a copy the caller frees. */
static int *scores_for(struct catalog_snapshot *snap, size_t pi,
                       const struct catalog_entry *viewer)
{
    const struct catalog_programme *cp = &snap->progs[pi];
    int *out = malloc((cp->n_entries ? cp->n_entries : 1) * sizeof *out);
    if (!out)
        return NULL;
    pthread_mutex_lock(&snap->score_lock);
    struct catalog_scores *slot = NULL, *oldest = &snap->scores[0];
    for (size_t i = 0; i < CATALOG_SCORE_SLOTS; i++) {
        struct catalog_scores *s = &snap->scores[i];
        if (s->totals && s->viewer == viewer->user_id && s->programme == pi) {
            slot = s;
            break;
        }
        if (s->last_used < oldest->last_used)
            oldest = s;
    }
    if (slot) {
        slot->last_used = ++snap->score_clock;
        memcpy(out, slot->totals, cp->n_entries * sizeof *out);
        pthread_mutex_unlock(&snap->score_lock);
        return out;
    }
    pthread_mutex_unlock(&snap->score_lock);

    for (size_t i = 0; i < cp->n_entries; i++) {
        struct mento_score sc;
        if (cp->entries[i].roles & MENTO_ROLE_MENTOR) {
            rules_match_score_prepared(&viewer->match, &cp->entries[i].match, &sc);
            out[i] = sc.total;
        } else {
            out[i] = 0;
        }
    }
    int *copy = malloc((cp->n_entries ? cp->n_entries : 1) * sizeof *copy);
    if (copy) {
        memcpy(copy, out, cp->n_entries * sizeof *copy);
        pthread_mutex_lock(&snap->score_lock);
        free(oldest->totals);
        oldest->totals = copy;
        oldest->viewer = viewer->user_id;
        oldest->programme = pi;
        oldest->last_used = ++snap->score_clock;
        pthread_mutex_unlock(&snap->score_lock);
    }
    return out;
}

struct ranked {
    const struct catalog_entry *e;
    int score;
};

static int cmp_name(const struct ranked *a, const struct ranked *b)
{
    /* Folded, so that "Élodie" sorts among the E's. */
    int c = strcmp(a->e->fold_name, b->e->fold_name);
    if (c)
        return c;
    return (a->e->user_id > b->e->user_id) - (a->e->user_id < b->e->user_id);
}

static int cmp_by_name(const void *pa, const void *pb)
{
    return cmp_name(pa, pb);
}

static int cmp_by_score(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->score != b->score)
        return b->score - a->score;
    return cmp_name(a, b);
}

cJSON *catalog_directory_page(struct catalog_snapshot *snap, size_t pi,
                              const struct catalog_entry *viewer, const struct catalog_query *q)
{
    const struct catalog_programme *cp = &snap->progs[pi];
    struct ranked *list = malloc((cp->n_entries ? cp->n_entries : 1) * sizeof *list);
    if (!list)
        return NULL;
    bool by_score = q->sort == CATALOG_SORT_SCORE && viewer_scores(viewer);
    int *totals = by_score ? scores_for(snap, pi, viewer) : NULL;
    if (by_score && !totals) {
        free(list);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < cp->n_entries; i++) {
        const struct catalog_entry *e = &cp->entries[i];
        if (!catalog_visible(viewer, e) || !entry_matches(e, q))
            continue;
        list[n].e = e;
        list[n].score = totals ? totals[i] : 0;
        n++;
    }
    free(totals);
    qsort(list, n, sizeof *list, by_score ? cmp_by_score : cmp_by_name);

    cJSON *page = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(page, "items");
    size_t first = (size_t)(q->page - 1) * (size_t)q->per_page;
    for (size_t i = first; i < n && i < first + (size_t)q->per_page; i++) {
        cJSON *m = catalog_mentor_json(viewer, list[i].e, false);
        if (!m) {
            cJSON_Delete(page);
            free(list);
            return NULL;
        }
        cJSON_AddItemToArray(items, m);
    }
    cJSON_AddNumberToObject(page, "page", q->page);
    cJSON_AddNumberToObject(page, "per_page", q->per_page);
    cJSON_AddNumberToObject(page, "total", (double)n);
    cJSON_AddNumberToObject(page, "pages", (double)((n + (size_t)q->per_page - 1) / (size_t)q->per_page));
    free(list);
    return page;
}

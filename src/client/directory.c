/* directory.c - the mentor directory in memory: load and score from the
 * store, intern the facets, precompute both orders, filter per keystroke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mento/codec.h"
#include "mento/directory.h"
#include "mento/rules.h"
#include "mento/store.h"
#include "mento/utf8.h"

#define NONE UINT32_MAX

/* ---- Interning ------------------------------------------------------------ */

/* Open addressing over folded values; the facet keeps the display form of
 * the first value seen. */
struct intern {
    char **folded;
    uint32_t *index; /* slot -> facet index */
    size_t cap;      /* power of two */
    size_t n;
    struct directory_facet *facet;
};

static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

static bool intern_grow(struct intern *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **folded = calloc(cap, sizeof *folded);
    uint32_t *index = calloc(cap, sizeof *index);
    if (!folded || !index) {
        free(folded);
        free(index);
        return false;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->folded[i])
            continue;
        size_t j = hash(t->folded[i]) & (cap - 1);
        while (folded[j])
            j = (j + 1) & (cap - 1);
        folded[j] = t->folded[i];
        index[j] = t->index[i];
    }
    free(t->folded);
    free(t->index);
    t->folded = folded;
    t->index = index;
    t->cap = cap;
    return true;
}

/* The facet index of `value`, adding it when new; NONE for an empty value,
 * and on allocation failure (the entry is then filed under no value). */
static uint32_t intern_add(struct intern *t, const char *value, const char *folded)
{
    if (!value || !*value || !folded)
        return NONE;
    if ((t->n + 1) * 2 > t->cap && !intern_grow(t))
        return NONE;
    char *f = strdup(folded);
    if (!f)
        return NONE;
    size_t j = hash(f) & (t->cap - 1);
    while (t->folded[j]) {
        if (strcmp(t->folded[j], f) == 0) {
            free(f);
            return t->index[j];
        }
        j = (j + 1) & (t->cap - 1);
    }
    struct directory_facet *fc = t->facet;
    char **values = realloc(fc->values, (fc->n + 1) * sizeof *values);
    char *copy = strdup(value);
    if (!values || !copy) {
        if (values)
            fc->values = values;
        free(copy);
        free(f);
        return NONE;
    }
    fc->values = values;
    fc->values[fc->n] = copy;
    t->folded[j] = f;
    t->index[j] = (uint32_t)fc->n;
    t->n++;
    return (uint32_t)fc->n++;
}

static void intern_free(struct intern *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->folded[i]);
    free(t->folded);
    free(t->index);
}

/* ---- Loading ---------------------------------------------------------------- */

/* Time zones seen while loading: looking one up in the zone database costs
 * far more than everything else a mentor needs, and there are few. */
#define TZ_CACHE 64
struct tz_seen {
    char name[64];
    bool valid, has_offset;
    int offset;
};

struct loader {
    struct directory *d;
    struct tz_seen tz[TZ_CACHE];
    size_t n_tz;
    size_t cap;
    struct intern interns[DIRECTORY_FACETS];
    const struct rules_match_input *me;
    int64_t now;
    char **sort_names; /* folded names, for sorting */
    mento_status status;
};

static const struct tz_seen *tz_lookup(struct loader *l, const char *name)
{
    for (size_t i = 0; i < l->n_tz; i++)
        if (strcmp(l->tz[i].name, name) == 0)
            return &l->tz[i];
    struct tz_seen fresh = {.valid = false};
    if (strlen(name) >= sizeof fresh.name)
        return NULL;
    snprintf(fresh.name, sizeof fresh.name, "%s", name);
    fresh.valid = rules_timezone_valid(name);
    struct rules_local_time lt;
    if (fresh.valid && rules_local_time(l->now, name, &lt) == MENTO_OK) {
        fresh.has_offset = true;
        fresh.offset = lt.utc_offset;
    }
    if (l->n_tz == TZ_CACHE)
        l->n_tz = 0; /* more zones than expected: start the cache over */
    l->tz[l->n_tz] = fresh;
    return &l->tz[l->n_tz++];
}

/* Split a newline-joined list (copied into `buf`) into at most
 * MENTO_MAX_TAGS pointers. */
static size_t split_list(const char *list, char *buf, size_t cap, char **out)
{
    size_t n = 0;
    if (!list || !*list || strlen(list) >= cap)
        return 0;
    memcpy(buf, list, strlen(list) + 1);
    for (char *p = buf; p && n < MENTO_MAX_TAGS;) {
        out[n++] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    return n;
}

/* Append `folded` (already folded) to the search text being built. */
static bool search_add(char *buf, size_t *len, size_t cap, const char *folded)
{
    if (!folded || !*folded)
        return true;
    size_t n = strlen(folded);
    if (*len + n + 2 > cap)
        return true; /* an over-long entry is searched on what fits */
    memcpy(buf + *len, folded, n);
    *len += n;
    buf[(*len)++] = '\n';
    buf[*len] = '\0';
    return true;
}

/* One mentor, from the store's index: the texts were folded when the entry
 * arrived, so opening even a large directory is reading columns, interning
 * the facets and scoring. */
static bool load_one(const struct store_mentor_row *r, void *arg)
{
    struct loader *l = arg;
    struct directory *d = l->d;
    if (d->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 1024;
        struct directory_entry *e = realloc(d->entries, ncap * sizeof *e);
        char **names = realloc(l->sort_names, ncap * sizeof *names);
        if (e)
            d->entries = e;
        if (names)
            l->sort_names = names;
        if (!e || !names) {
            l->status = MENTO_ERR_NOMEM;
            return false;
        }
        l->cap = ncap;
    }
    /* A profile of borrowed strings, for the score only. */
    struct mento_profile p;
    memset(&p, 0, sizeof p);
    p.jpo_months = -1;
    p.name = (char *)r->name;
    p.job_network = (char *)r->job_network;
    p.entity = (char *)r->entity;
    p.duty_station = (char *)r->duty_station;
    if (!r->grade || mento_grade_parse(r->grade, &p.grade) != MENTO_OK)
        p.grade = MENTO_GRADE_NONE;
    const struct tz_seen *tz = r->timezone ? tz_lookup(l, r->timezone) : NULL;
    if (tz && tz->valid)
        p.timezone = (char *)r->timezone;
    p.languages = r->languages & MENTO_LANG_ALL;
    p.years_experience = r->years;
    char skills_buf[2048], f_skills_buf[2048], f_goals_buf[2048];
    p.n_skills = split_list(r->skills, skills_buf, sizeof skills_buf, p.skills);

    struct rules_match_input in;
    memset(&in, 0, sizeof in);
    in.profile = &p;
    in.job_network = (char *)r->f_job_network;
    in.entity = (char *)r->f_entity;
    in.duty_station = (char *)r->f_duty_station;
    in.n_skills = split_list(r->f_skills, f_skills_buf, sizeof f_skills_buf, in.skills);
    if (in.n_skills != p.n_skills)
        in.n_skills = p.n_skills < in.n_skills ? p.n_skills : in.n_skills;
    in.n_goals = split_list(r->f_goals, f_goals_buf, sizeof f_goals_buf, in.goals);
    if (tz) {
        in.has_offset = tz->has_offset;
        in.utc_offset = tz->offset;
    }
    const char *grade_name = mento_grade_name(p.grade);
    char f_grade[16];
    size_t gi = 0;
    for (; grade_name[gi] && gi + 1 < sizeof f_grade; gi++)
        f_grade[gi] =
            (char)(grade_name[gi] >= 'A' && grade_name[gi] <= 'Z' ? grade_name[gi] - 'A' + 'a'
                                                                  : grade_name[gi]);
    f_grade[gi] = '\0';

    struct directory_entry *e = &d->entries[d->n];
    memset(e, 0, sizeof *e);
    e->user_id = r->user_id;
    e->name = strdup(r->name ? r->name : "");
    e->languages = p.languages;
    e->full = r->full;
    const char *values[DIRECTORY_FACETS] = {p.job_network, grade_name, p.entity, p.duty_station};
    const char *folded[DIRECTORY_FACETS] = {in.job_network, f_grade, in.entity, in.duty_station};
    for (int f = 0; f < DIRECTORY_FACETS; f++)
        e->facet[f] = intern_add(&l->interns[f], values[f], folded[f]);

    /* Not the bio: it would triple the memory and the time of every
     * keystroke for little; the profile pane shows it. */
    char search[4096];
    size_t len = 0;
    search[0] = '\0';
    search_add(search, &len, sizeof search, r->f_name);
    for (int f = 0; f < DIRECTORY_FACETS; f++)
        search_add(search, &len, sizeof search, folded[f]);
    search_add(search, &len, sizeof search, r->f_skills);
    search_add(search, &len, sizeof search, r->f_goals);
    e->search = strdup(search);
    l->sort_names[d->n] = strdup(r->f_name ? r->f_name : "");

    e->score = -1;
    if (l->me) {
        struct mento_score sc;
        rules_match_score_prepared(l->me, &in, &sc);
        e->score = sc.total;
    }
    d->n++;
    if (!e->name || !e->search || !l->sort_names[d->n - 1]) {
        l->status = MENTO_ERR_NOMEM;
        return false;
    }
    return true;
}

/* qsort has no context argument: the sort keys travel in this array. */
struct sort_key {
    size_t index;
    int score;
    const char *name;
    int64_t user_id;
};

static int by_name(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return (x->user_id > y->user_id) - (x->user_id < y->user_id);
}

static int by_score(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    return by_name(a, b);
}

/* Sort the facet values alphabetically and renumber the entries. */
static mento_status sort_facet(struct directory *d, enum directory_facet_id f, char **folded_of)
{
    struct directory_facet *fc = &d->facets[f];
    if (fc->n == 0)
        return MENTO_OK;
    struct sort_key *keys = calloc(fc->n, sizeof *keys);
    uint32_t *renumber = calloc(fc->n, sizeof *renumber);
    char **values = calloc(fc->n, sizeof *values);
    if (!keys || !renumber || !values) {
        free(keys);
        free(renumber);
        free(values);
        return MENTO_ERR_NOMEM;
    }
    for (size_t i = 0; i < fc->n; i++)
        keys[i] = (struct sort_key){.index = i, .name = folded_of[i], .user_id = (int64_t)i};
    qsort(keys, fc->n, sizeof *keys, by_name);
    for (size_t i = 0; i < fc->n; i++) {
        renumber[keys[i].index] = (uint32_t)i;
        values[i] = fc->values[keys[i].index];
    }
    free(fc->values);
    fc->values = values;
    for (size_t i = 0; i < d->n; i++)
        if (d->entries[i].facet[f] != NONE)
            d->entries[i].facet[f] = renumber[d->entries[i].facet[f]];
    free(keys);
    free(renumber);
    return MENTO_OK;
}

/* Lay the entries out in score order with their texts in one block, so that
 * filtering (in score order by default) reads memory front to back. */
static mento_status compact(struct directory *d)
{
    size_t total = 1;
    for (size_t i = 0; i < d->n; i++)
        total += strlen(d->entries[i].name) + strlen(d->entries[i].search) + 2;
    char *arena = malloc(total);
    struct directory_entry *ne = malloc((d->n ? d->n : 1) * sizeof *ne);
    size_t *pos = malloc((d->n ? d->n : 1) * sizeof *pos);
    if (!arena || !ne || !pos) {
        free(arena);
        free(ne);
        free(pos);
        return MENTO_ERR_NOMEM; /* the caller keeps the loose layout */
    }
    size_t used = 0;
    for (size_t i = 0; i < d->n; i++) {
        size_t old = d->order[DIRECTORY_BY_SCORE][i];
        ne[i] = d->entries[old];
        size_t nl = strlen(ne[i].name) + 1, sl = strlen(ne[i].search) + 1;
        memcpy(arena + used, ne[i].search, sl);
        free(ne[i].search);
        ne[i].search = arena + used;
        used += sl;
        memcpy(arena + used, ne[i].name, nl);
        free(ne[i].name);
        ne[i].name = arena + used;
        used += nl;
        pos[old] = i;
    }
    for (size_t i = 0; i < d->n; i++) {
        d->order[DIRECTORY_BY_SCORE][i] = i;
        d->order[DIRECTORY_BY_NAME][i] = pos[d->order[DIRECTORY_BY_NAME][i]];
    }
    free(d->entries);
    free(pos);
    d->entries = ne;
    d->arena = arena;
    return MENTO_OK;
}

mento_status directory_load(struct directory *d, struct store *s, const char *programme,
                            const struct mento_profile *me, int64_t now)
{
    memset(d, 0, sizeof *d);
    struct loader l = {.d = d, .now = now, .status = MENTO_OK};
    for (int f = 0; f < DIRECTORY_FACETS; f++)
        l.interns[f].facet = &d->facets[f];
    struct rules_match_input mine;
    bool have_me = me && rules_match_input_init(&mine, me, now) == MENTO_OK;
    if (have_me)
        l.me = &mine;
    /* Sized once: growing by doubling would copy and fault the pages twice. */
    int expected = store_mentor_count(s, programme);
    if (expected > 0) {
        d->entries = malloc((size_t)expected * sizeof *d->entries);
        l.sort_names = malloc((size_t)expected * sizeof *l.sort_names);
        if (d->entries && l.sort_names)
            l.cap = (size_t)expected;
    }
    mento_status st = store_mentor_rows(s, programme, load_one, &l);
    if (st == MENTO_OK)
        st = l.status;
    if (have_me)
        rules_match_input_free(&mine);

    for (int f = 0; st == MENTO_OK && f < DIRECTORY_FACETS; f++) {
        /* Folded values by facet index, from the intern table. */
        char **folded_of = calloc(d->facets[f].n ? d->facets[f].n : 1, sizeof *folded_of);
        if (!folded_of) {
            st = MENTO_ERR_NOMEM;
            break;
        }
        for (size_t i = 0; i < l.interns[f].cap; i++)
            if (l.interns[f].folded[i])
                folded_of[l.interns[f].index[i]] = l.interns[f].folded[i];
        st = sort_facet(d, (enum directory_facet_id)f, folded_of);
        free(folded_of);
    }
    for (int f = 0; f < DIRECTORY_FACETS; f++)
        intern_free(&l.interns[f]);

    if (st == MENTO_OK) {
        struct sort_key *keys = calloc(d->n ? d->n : 1, sizeof *keys);
        for (int o = 0; keys && o < 2; o++) {
            d->order[o] = malloc((d->n ? d->n : 1) * sizeof *d->order[o]);
            if (!d->order[o])
                break;
            for (size_t i = 0; i < d->n; i++)
                keys[i] = (struct sort_key){.index = i,
                                            .score = d->entries[i].score,
                                            .name = l.sort_names[i],
                                            .user_id = d->entries[i].user_id};
            qsort(keys, d->n, sizeof *keys, o == DIRECTORY_BY_SCORE ? by_score : by_name);
            for (size_t i = 0; i < d->n; i++)
                d->order[o][i] = keys[i].index;
        }
        d->view = malloc((d->n ? d->n : 1) * sizeof *d->view);
        if (!keys || !d->order[0] || !d->order[1] || !d->view)
            st = MENTO_ERR_NOMEM;
        free(keys);
    }
    for (size_t i = 0; i < d->n; i++)
        free(l.sort_names[i]);
    free(l.sort_names);
    if (st != MENTO_OK) {
        directory_free(d);
        return st;
    }
    compact(d); /* without memory for it, the loose layout works as well */
    memcpy(d->view, d->order[DIRECTORY_BY_SCORE], d->n * sizeof *d->view);
    d->n_view = d->n;
    return MENTO_OK;
}

void directory_free(struct directory *d)
{
    if (d->arena) {
        free(d->arena);
    } else {
        for (size_t i = 0; d->entries && i < d->n; i++) {
            free(d->entries[i].name);
            free(d->entries[i].search);
        }
    }
    free(d->entries);
    for (int f = 0; f < DIRECTORY_FACETS; f++) {
        for (size_t i = 0; i < d->facets[f].n; i++)
            free(d->facets[f].values[i]);
        free(d->facets[f].values);
    }
    free(d->order[0]);
    free(d->order[1]);
    free(d->view);
    memset(d, 0, sizeof *d);
}

const char *directory_facet_value(const struct directory *d, const struct directory_entry *e,
                                  enum directory_facet_id f)
{
    uint32_t i = e->facet[f];
    return i == NONE || i >= d->facets[f].n ? "" : d->facets[f].values[i];
}

/* ---- Filtering --------------------------------------------------------------------- */

#define MAX_WORDS 16

struct compiled {
    uint32_t facet[DIRECTORY_FACETS]; /* NONE: any */
    bool facet_impossible;            /* a facet value no entry has */
    unsigned language;
    bool available_only;
    char *words[MAX_WORDS];
    size_t n_words;
    char *folded_text;
};

static bool compile(const struct directory *d, const struct directory_filter *f, struct compiled *c)
{
    memset(c, 0, sizeof *c);
    c->language = f->language;
    c->available_only = f->available_only;
    for (int i = 0; i < DIRECTORY_FACETS; i++) {
        c->facet[i] = NONE;
        if (!f->facet[i][0])
            continue;
        char *want = utf8_fold(f->facet[i]);
        if (!want)
            return false;
        c->facet_impossible = true;
        for (size_t k = 0; k < d->facets[i].n; k++) {
            char *have = utf8_fold(d->facets[i].values[k]);
            bool same = have && strcmp(have, want) == 0;
            free(have);
            if (same) {
                c->facet[i] = (uint32_t)k;
                c->facet_impossible = false;
                break;
            }
        }
        free(want);
        if (c->facet_impossible)
            break;
    }
    c->folded_text = utf8_fold(f->text);
    if (!c->folded_text)
        return false;
    for (char *p = c->folded_text; *p && c->n_words < MAX_WORDS;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        c->words[c->n_words++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return true;
}

static bool matches(const struct compiled *c, const struct directory_entry *e)
{
    for (int i = 0; i < DIRECTORY_FACETS; i++)
        if (c->facet[i] != NONE && e->facet[i] != c->facet[i])
            return false;
    if (c->language && !(e->languages & c->language))
        return false;
    if (c->available_only && e->full)
        return false;
    for (size_t w = 0; w < c->n_words; w++)
        if (!strstr(e->search, c->words[w]))
            return false;
    return true;
}

/* Does `next` only narrow `prev` (same facets, more text)? Then the matches
 * of `next` are among those of `prev`. */
static bool narrows(const struct directory_filter *prev, const struct directory_filter *next)
{
    for (int i = 0; i < DIRECTORY_FACETS; i++)
        if (strcmp(prev->facet[i], next->facet[i]) != 0)
            return false;
    if (prev->language != next->language || prev->available_only != next->available_only)
        return false;
    size_t n = strlen(prev->text);
    /* A longer text that starts with the old one, not just more spaces. */
    return strncmp(prev->text, next->text, n) == 0 && (n == 0 || prev->text[n - 1] != ' ');
}

size_t directory_filter(struct directory *d, const struct directory_filter *f,
                        enum directory_sort sort)
{
    struct compiled c;
    if (!compile(d, f, &c)) {
        free(c.folded_text);
        return d->n_view; /* out of memory: keep the last selection */
    }
    if (c.facet_impossible) {
        d->n_view = 0;
    } else if (d->have_last && d->last_sort == sort && narrows(&d->last, f)) {
        size_t kept = 0;
        for (size_t i = 0; i < d->n_view; i++)
            if (matches(&c, &d->entries[d->view[i]]))
                d->view[kept++] = d->view[i];
        d->n_view = kept;
    } else {
        size_t kept = 0;
        const size_t *order = d->order[sort == DIRECTORY_BY_NAME];
        for (size_t i = 0; i < d->n; i++)
            if (matches(&c, &d->entries[order[i]]))
                d->view[kept++] = order[i];
        d->n_view = kept;
    }
    free(c.folded_text);
    d->last = *f;
    d->last_sort = sort;
    d->have_last = true;
    return d->n_view;
}

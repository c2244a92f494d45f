/* test_directory.c - the client's in-memory directory: facets matched without
 * regard to case or accents, free-text words, languages, full mentors, both
 * orders, and typing letter by letter giving exactly what a fresh filter
 * gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mento/codec.h"
#include "mento/directory.h"
#include "mento/store.h"

struct fixture {
    char dir[64];
    char path[96];
    struct store *s;
    struct directory d;
    struct mento_profile me;
};

static const char *const names[] = {"Nguyễn Thị Lan", "Amina Diallo", "Zoë Müller",
                                    "Карим Хаддад",   "Émile Dubois", "Li Wei"};
static const char *const stations[] = {"Bangkok", "Dakar", "Genève", "Nairobi"};
static const char *const entities[] = {"UNDP", "OCHA", "UNHCR"};
static const char *const networks[] = {"Political, Peace and Humanitarian",
                                       "Management and Operations", "Economic and Social"};
static const char *const grades[] = {"P-2", "P-3", "P-4", "P-5", "D-1"};

#define N_MENTORS 240

/* Mentor i's answers, a deterministic mix. */
static cJSON *mentor_json(int i)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "user_id", 1000 + i);
    char name[96];
    snprintf(name, sizeof name, "%s %d", names[i % 6], i);
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "grade", grades[i % 5]);
    cJSON_AddStringToObject(m, "job_network", networks[i % 3]);
    cJSON_AddStringToObject(m, "entity", entities[(i / 3) % 3]);
    cJSON_AddStringToObject(m, "duty_station", stations[(i / 2) % 4]);
    cJSON_AddStringToObject(m, "timezone", "Europe/Paris");
    cJSON *langs = cJSON_AddArrayToObject(m, "languages");
    if (i % 4 != 1)
        cJSON_AddItemToArray(langs, cJSON_CreateString("en"));
    if (i % 4 != 0)
        cJSON_AddItemToArray(langs, cJSON_CreateString("fr"));
    cJSON_AddNumberToObject(m, "years_experience", 5 + i % 20);
    cJSON *skills = cJSON_AddArrayToObject(m, "skills");
    cJSON_AddItemToArray(skills, cJSON_CreateString(i % 2 ? "negotiation" : "budgeting"));
    cJSON_AddBoolToObject(m, "full", i % 7 == 0);
    return m;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mento-dir-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    char err[256];
    if (store_open(&f->s, f->path, err, sizeof err) != MENTO_OK)
        return -1;
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "cursor", "c1");
    cJSON *changes = cJSON_AddObjectToObject(answer, "changes");
    cJSON *mentors = cJSON_AddArrayToObject(changes, "mentors");
    for (int i = 0; i < N_MENTORS; i++)
        cJSON_AddItemToArray(mentors, mentor_json(i));
    struct store_sync_summary sum;
    mento_status st = store_apply_sync(f->s, "together", answer, 1, &sum, err, sizeof err);
    cJSON_Delete(answer);
    if (st != MENTO_OK)
        return -1;
    mento_profile_init(&f->me);
    cJSON *me = cJSON_Parse("{\"name\":\"Fatou\",\"grade\":\"P-2\",\"job_network\":"
                            "\"Political, Peace and Humanitarian\",\"entity\":\"OCHA\","
                            "\"duty_station\":\"Dakar\",\"timezone\":\"Africa/Dakar\","
                            "\"languages\":[\"fr\"],\"years_experience\":3}");
    struct codec_error cerr;
    st = codec_profile_from_json(me, &f->me, &cerr);
    cJSON_Delete(me);
    if (st != MENTO_OK)
        return -1;
    if (directory_load(&f->d, f->s, "together", &f->me, 1795000000) != MENTO_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    directory_free(&f->d);
    mento_profile_free(&f->me);
    store_close(&f->s);
    char p[128];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The index of mentor i (user id 1000 + i) in the loaded directory. */
static int mentor_index(const struct directory_entry *e)
{
    return (int)(e->user_id - 1000);
}

static void loads_everything_with_facets_and_scores(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(f->d.n, N_MENTORS);
    assert_int_equal(f->d.n_view, N_MENTORS);
    assert_int_equal(f->d.facets[DIRECTORY_DUTY_STATION].n, 4);
    assert_int_equal(f->d.facets[DIRECTORY_GRADE].n, 5);
    /* Facet values are in alphabetical order, accents folded: Genève
     * between Dakar and Nairobi. */
    assert_string_equal(f->d.facets[DIRECTORY_DUTY_STATION].values[2], "Genève");
    for (size_t i = 0; i < f->d.n; i++) {
        const struct directory_entry *e = &f->d.entries[i];
        int k = mentor_index(e);
        assert_string_equal(directory_facet_value(&f->d, e, DIRECTORY_DUTY_STATION),
                            stations[(k / 2) % 4]);
        assert_true(e->score >= 0 && e->score <= 100);
        assert_int_equal(e->full, k % 7 == 0);
    }
    /* By score: never increasing. */
    struct directory_filter none = {0};
    directory_filter(&f->d, &none, DIRECTORY_BY_SCORE);
    for (size_t i = 1; i < f->d.n_view; i++)
        assert_true(f->d.entries[f->d.view[i - 1]].score >= f->d.entries[f->d.view[i]].score);
    /* A mentor sharing the mentee's job network scores above one who does
     * not, other things equal: the best is from her network. */
    const struct directory_entry *best = &f->d.entries[f->d.view[0]];
    assert_string_equal(directory_facet_value(&f->d, best, DIRECTORY_JOB_NETWORK), networks[0]);
}

/* Expected selections, from the generator's rules above. */
static bool station_geneve(int k)
{
    return (k / 2) % 4 == 2;
}
static bool speaks_fr(int k)
{
    return k % 4 != 0;
}
static bool not_full(int k)
{
    return k % 7 != 0;
}
static bool negotiates(int k)
{
    return k % 2 == 1;
}
static bool is_zoe(int k)
{
    return k % 6 == 2;
}
static bool is_karim(int k)
{
    return k % 6 == 3;
}

static void expect_selection(struct fixture *f, bool (*want)(int k), const char *what)
{
    bool seen[N_MENTORS] = {false};
    for (size_t i = 0; i < f->d.n_view; i++) {
        int k = mentor_index(&f->d.entries[f->d.view[i]]);
        if (!want(k))
            fail_msg("%s: mentor %d selected", what, k);
        seen[k] = true;
    }
    for (int k = 0; k < N_MENTORS; k++)
        if (want(k) && !seen[k])
            fail_msg("%s: mentor %d left out", what, k);
}

static bool geneve_fr_available_negotiator(int k)
{
    return station_geneve(k) && speaks_fr(k) && not_full(k) && negotiates(k);
}

static void filters_select_exactly(void **state)
{
    struct fixture *f = *state;
    struct directory_filter flt = {0};
    snprintf(flt.facet[DIRECTORY_DUTY_STATION], sizeof flt.facet[0], "GENEVE");
    directory_filter(&f->d, &flt, DIRECTORY_BY_NAME);
    expect_selection(f, station_geneve, "duty station GENEVE");

    memset(&flt, 0, sizeof flt);
    flt.language = MENTO_LANG_FR;
    directory_filter(&f->d, &flt, DIRECTORY_BY_SCORE);
    expect_selection(f, speaks_fr, "French");

    memset(&flt, 0, sizeof flt);
    flt.available_only = true;
    directory_filter(&f->d, &flt, DIRECTORY_BY_SCORE);
    expect_selection(f, not_full, "available");

    memset(&flt, 0, sizeof flt);
    snprintf(flt.text, sizeof flt.text, "  Negotiation ");
    directory_filter(&f->d, &flt, DIRECTORY_BY_SCORE);
    expect_selection(f, negotiates, "text negotiation");

    snprintf(flt.text, sizeof flt.text, "ZOE muller");
    directory_filter(&f->d, &flt, DIRECTORY_BY_NAME);
    expect_selection(f, is_zoe, "text ZOE muller");

    snprintf(flt.text, sizeof flt.text, "КАРИМ");
    directory_filter(&f->d, &flt, DIRECTORY_BY_NAME);
    expect_selection(f, is_karim, "text КАРИМ");

    memset(&flt, 0, sizeof flt);
    snprintf(flt.facet[DIRECTORY_DUTY_STATION], sizeof flt.facet[0], "Genève");
    flt.language = MENTO_LANG_FR;
    flt.available_only = true;
    snprintf(flt.text, sizeof flt.text, "negot");
    directory_filter(&f->d, &flt, DIRECTORY_BY_SCORE);
    expect_selection(f, geneve_fr_available_negotiator, "combined");

    /* A value nobody has selects nobody. */
    memset(&flt, 0, sizeof flt);
    snprintf(flt.facet[DIRECTORY_ENTITY], sizeof flt.facet[0], "WFP");
    assert_int_equal(directory_filter(&f->d, &flt, DIRECTORY_BY_NAME), 0);
    /* Cleared: everyone again. */
    memset(&flt, 0, sizeof flt);
    assert_int_equal(directory_filter(&f->d, &flt, DIRECTORY_BY_NAME), N_MENTORS);
}

/* Typing one letter at a time narrows the last selection; it must equal a
 * fresh filter at every step, in both orders, also after deleting. */
static void typing_equals_fresh_filter(void **state)
{
    struct fixture *f = *state;
    static const char *const typed[] = {
        "",        "n",        "ne",        "neg", "nego", "negot", "negoti", "negot", "negot ",
        "negot d", "negot da", "negot dak", "x",   "",     "b",     "bu",     "budg",  "budget"};
    size_t *fresh = malloc(N_MENTORS * sizeof *fresh);
    assert_non_null(fresh);
    for (int sort = 0; sort < 2; sort++) {
        struct directory_filter flt = {0};
        flt.language = MENTO_LANG_FR;
        for (size_t t = 0; t < sizeof typed / sizeof typed[0]; t++) {
            snprintf(flt.text, sizeof flt.text, "%s", typed[t]);
            size_t n = directory_filter(&f->d, &flt, (enum directory_sort)sort);
            memcpy(fresh, f->d.view, n * sizeof *fresh);
            f->d.have_last = false; /* force a full pass */
            size_t m = directory_filter(&f->d, &flt, (enum directory_sort)sort);
            if (n != m || memcmp(fresh, f->d.view, n * sizeof *fresh) != 0)
                fail_msg("\"%s\": %zu narrowed, %zu fresh", typed[t], n, m);
        }
    }
    free(fresh);
}

static void name_order_folds_accents(void **state)
{
    struct fixture *f = *state;
    struct directory_filter flt = {0};
    directory_filter(&f->d, &flt, DIRECTORY_BY_NAME);
    /* "Amina" < "Émile" < "Li" < "Nguyễn" < "Zoë" < "Карим" */
    static const int rank[6] = {3, 0, 4, 5, 1, 2}; /* by names[] index */
    int last = -1;
    for (size_t i = 0; i < f->d.n_view; i++) {
        int r = rank[mentor_index(&f->d.entries[f->d.view[i]]) % 6];
        if (r < last)
            fail_msg("name order broken at %zu", i);
        last = r;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_everything_with_facets_and_scores, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_select_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(typing_equals_fresh_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(name_order_folds_accents, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

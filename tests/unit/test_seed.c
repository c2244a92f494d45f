/* test_seed.c - the demo population: reproducible from its seed, valid by the
 * programme rules, and varied enough (scripts, languages, states) to show off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "mento/codec.h"
#include "mento/db.h"
#include "mento/model.h"
#include "mento/rules.h"
#include "mento/seed.h"
#include "mento/surveys.h"

#define NOW       INT64_C(1763856000) /* 2025-11-23T00:00:00Z */
#define COUNT     2000
#define DEMO_HASH "$argon2id$v=19$m=8,t=1,p=1$c2VlZHNlZWQ$dGVzdGhhc2h0ZXN0aGFzaA"

struct fixture {
    sqlite3 *db;
    struct seed_demo_accounts demo;
};

static sqlite3 *seeded(uint64_t seed, struct seed_demo_accounts *demo)
{
    sqlite3 *db = NULL;
    assert_int_equal(db_open(":memory:", 1, &db), MENTO_OK);
    assert_int_equal(seed_participants(db, seed, COUNT, NOW, DEMO_HASH, demo), MENTO_OK);
    return db;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->db = seeded(42, &f->demo);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sqlite3_close(f->db);
    free(f);
    return 0;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* FNV-1a over every column of every row of every table, in a fixed order. */
static uint64_t digest(sqlite3 *db)
{
    static const char *const sql[] = {
        /* The instance identity is random by design: not part of the seed. */
        "SELECT * FROM meta WHERE key <> 'instance' ORDER BY key",
        "SELECT * FROM programmes ORDER BY id",
        "SELECT * FROM users ORDER BY id",
        "SELECT * FROM profiles ORDER BY user_id",
        "SELECT * FROM memberships ORDER BY user_id, programme_id",
        "SELECT * FROM pairings ORDER BY id",
    };
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t t = 0; t < sizeof sql / sizeof sql[0]; t++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql[t], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *v = sqlite3_column_text(st, c);
                int n = sqlite3_column_bytes(st, c);
                h = (h ^ (uint64_t)sqlite3_column_type(st, c)) * UINT64_C(0x100000001b3);
                for (int i = 0; v && i < n; i++)
                    h = (h ^ v[i]) * UINT64_C(0x100000001b3);
            }
        }
        sqlite3_finalize(st);
    }
    return h;
}

static void same_seed_same_database(void **state)
{
    struct fixture *f = *state;
    sqlite3 *again = seeded(42, NULL);
    sqlite3 *other = seeded(43, NULL);
    uint64_t a = digest(f->db), b = digest(again), c = digest(other);
    assert_true(a == b);
    assert_true(a != c);
    sqlite3_close(again);
    sqlite3_close(other);
}

static void counts_and_passwords(void **state)
{
    struct fixture *f = *state;
    assert_true(scalar(f->db, "SELECT count(*) FROM users") >= COUNT + 3);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM users WHERE password_hash IS NOT NULL"),
                     3);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM profiles"),
                     scalar(f->db, "SELECT count(*) FROM users"));
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM users u WHERE NOT EXISTS"
                                   " (SELECT 1 FROM memberships m WHERE m.user_id = u.id)"),
                     0);
    /* One change sequence value stamps the whole batch. */
    assert_int_equal(scalar(f->db, "SELECT count(DISTINCT seq) FROM users"), 1);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM users WHERE email GLOB '*[^ -~]*'"), 0);
}

static void load_programme(sqlite3 *db, const char *id, struct mento_programme *p)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
    assert_non_null(json);
    struct codec_error err;
    mento_programme_init(p);
    assert_int_equal(codec_programme_from_json(json, p, &err), MENTO_OK);
    cJSON_Delete(json);
    sqlite3_finalize(st);
}

static bool has_resource_kind(const struct mento_programme *p, const char *kind)
{
    for (size_t i = 0; i < p->n_resources; i++)
        if (strcmp(p->resources[i].kind, kind) == 0 && strlen(p->resources[i].body) > 200)
            return true;
    return false;
}

static void programmes_present(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"together", "iom-2025", "undp-jpo"};
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM programmes"), 3);
    for (size_t i = 0; i < 3; i++) {
        struct mento_programme p;
        load_programme(f->db, ids[i], &p);
        assert_string_equal(p.id, ids[i]);
        assert_true(p.n_agenda >= 4 && p.n_agenda <= 6);
        assert_non_null(strstr(p.agenda[0], "mentoring"));
        assert_true(has_resource_kind(&p, "handbook"));
        assert_true(has_resource_kind(&p, "agenda"));
        assert_true(has_resource_kind(&p, "topic"));
        if (i == 0) {
            assert_int_equal(p.kind, MENTO_PROGRAMME_EVERGREEN);
            assert_int_equal(p.matching, MENTO_MATCHING_MENTEE_LED);
            assert_int_equal(p.eligibility, MENTO_ELIGIBILITY_TOGETHER);
            assert_int_equal(p.languages, MENTO_LANG_EN | MENTO_LANG_FR);
            assert_int_equal(p.mentor_capacity_max, 3);
            assert_int_equal(p.mentee_max_mentors, 2);
        } else {
            assert_int_equal(p.kind, MENTO_PROGRAMME_COHORT);
            assert_true(p.applications_open == NOW);
            assert_true(p.applications_close == NOW + 8 * 7 * 86400);
            assert_true(p.pairing_announced == p.applications_close + 4 * 7 * 86400);
            assert_int_equal(p.length_months, 6);
            assert_int_equal(p.matching,
                             i == 1 ? MENTO_MATCHING_ADMIN_LED : MENTO_MATCHING_MENTEE_LED);
            assert_int_equal(p.eligibility,
                             i == 1 ? MENTO_ELIGIBILITY_IOM : MENTO_ELIGIBILITY_UNDP_JPO);
        }
        mento_programme_free(&p);
    }
}

/* Next code point of valid UTF-8 at *s (advances *s). */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = *p++;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    c &= extra == 3 ? 0x07 : extra == 2 ? 0x0F : extra == 1 ? 0x1F : 0x7F;
    while (extra-- > 0 && *p)
        c = (c << 6) | (*p++ & 0x3F);
    *s = p;
    return c;
}

static void names_in_many_scripts(void **state)
{
    struct fixture *f = *state;
    bool arabic = false, cjk = false, cyrillic = false, vietnamese = false, hangul = false,
         devanagari = false, ethiopic = false, greek = false;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->db,
                                        "SELECT json_extract(answers, '$.name') FROM profiles", -1,
                                        &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        assert_non_null(s);
        while (*s) {
            uint32_t c = next_cp(&s);
            arabic |= c >= 0x0600 && c <= 0x06FF;
            cjk |= c >= 0x4E00 && c <= 0x9FFF;
            cyrillic |= c >= 0x0400 && c <= 0x04FF;
            vietnamese |= c >= 0x1EA0 && c <= 0x1EFF; /* ễ, ạ, ố ... */
            hangul |= c >= 0xAC00 && c <= 0xD7AF;
            devanagari |= c >= 0x0900 && c <= 0x097F;
            ethiopic |= c >= 0x1200 && c <= 0x137F;
            greek |= c >= 0x0370 && c <= 0x03FF;
        }
    }
    sqlite3_finalize(st);
    assert_true(arabic);
    assert_true(cjk);
    assert_true(cyrillic);
    assert_true(vietnamese);
    assert_true(hangul);
    assert_true(devanagari);
    assert_true(ethiopic);
    assert_true(greek);
}

static void profiles_decode_and_are_complete(void **state)
{
    struct fixture *f = *state;
    sqlite3_stmt *st = NULL;
    int n = 0, en = 0, fr = 0, both = 0;
    assert_int_equal(
        sqlite3_prepare_v2(f->db, "SELECT user_id, answers FROM profiles", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
        assert_non_null(json);
        struct mento_profile p;
        struct codec_error err;
        mento_profile_init(&p);
        mento_status rc = codec_profile_from_json(json, &p, &err);
        if (rc != MENTO_OK)
            fail_msg("profile %lld: %s in '%s'", (long long)sqlite3_column_int64(st, 0),
                     mento_status_code(rc), err.field);
        const char *missing = NULL;
        assert_int_equal(rules_check_required(&p, &missing), MENTO_OK);
        assert_true(rules_timezone_valid(p.timezone));
        if (p.grade == MENTO_GRADE_RETIREE)
            assert_string_equal(p.appointment_type, "retiree");
        en += p.languages == MENTO_LANG_EN;
        fr += p.languages == MENTO_LANG_FR;
        both += p.languages == (MENTO_LANG_EN | MENTO_LANG_FR);
        n++;
        mento_profile_free(&p);
        cJSON_Delete(json);
    }
    sqlite3_finalize(st);
    /* About 60% English only, 15% French only, 25% both. */
    assert_true(n >= COUNT);
    assert_true(en * 100 >= n * 52 && en * 100 <= n * 68);
    assert_true(fr * 100 >= n * 9 && fr * 100 <= n * 21);
    assert_true(both * 100 >= n * 18 && both * 100 <= n * 32);
}

static void memberships_are_eligible(void **state)
{
    struct fixture *f = *state;
    struct mento_programme progs[3];
    static const char *const ids[] = {"together", "iom-2025", "undp-jpo"};
    for (int k = 0; k < 3; k++)
        load_programme(f->db, ids[k], &progs[k]);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->db,
                                        "SELECT m.programme_id, m.roles, m.status, p.answers"
                                        " FROM memberships m JOIN profiles p USING (user_id)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int per_prog[3] = {0, 0, 0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        unsigned roles = (unsigned)sqlite3_column_int(st, 1);
        const char *status = (const char *)sqlite3_column_text(st, 2);
        int k = strcmp(id, ids[0]) == 0 ? 0 : strcmp(id, ids[1]) == 0 ? 1 : 2;
        per_prog[k]++;
        if (roles & MENTO_ROLE_ADMIN)
            continue;
        if (k == 0)
            assert_string_equal(status, "active");
        else
            assert_true(strcmp(status, "applied") == 0 || strcmp(status, "selected") == 0);
        cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
        struct mento_profile p;
        struct codec_error err;
        mento_profile_init(&p);
        assert_int_equal(codec_profile_from_json(json, &p, &err), MENTO_OK);
        char reason[256] = "";
        if (rules_check_eligibility(&progs[k], roles, &p, reason, sizeof reason) != MENTO_OK)
            fail_msg("%s in %s refused: %s", p.name, id, reason);
        mento_profile_free(&p);
        cJSON_Delete(json);
    }
    sqlite3_finalize(st);
    /* Most people are in Together, a real share in each cohort. */
    assert_true(per_prog[0] > per_prog[1] && per_prog[0] > per_prog[2]);
    assert_true(per_prog[1] >= COUNT / 20);
    assert_true(per_prog[2] >= COUNT / 40);
    assert_true(scalar(f->db, "SELECT count(*) FROM (SELECT user_id FROM memberships"
                              " GROUP BY user_id HAVING count(*) > 1)") > COUNT / 50);
    for (int k = 0; k < 3; k++)
        mento_programme_free(&progs[k]);
}

static void roles_mix(void **state)
{
    struct fixture *f = *state;
    int64_t n = scalar(f->db, "SELECT count(DISTINCT user_id) FROM memberships WHERE roles & 3");
    int64_t mentor = scalar(f->db, "SELECT count(*) FROM (SELECT user_id, max(roles & 3) r"
                                   " FROM memberships GROUP BY user_id) WHERE r = 2");
    int64_t mentee = scalar(f->db, "SELECT count(*) FROM (SELECT user_id, max(roles & 3) r"
                                   " FROM memberships GROUP BY user_id) WHERE r = 1");
    assert_true(mentor * 100 >= n * 32 && mentor * 100 <= n * 48);
    assert_true(mentee * 100 >= n * 42 && mentee * 100 <= n * 58);
}

static void pairings_respect_limits(void **state)
{
    struct fixture *f = *state;
    /* No mentee has more than two active mentors in a programme. */
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM (SELECT 1 FROM pairings"
                                   " WHERE state = 'active' GROUP BY programme_id, mentee_id"
                                   " HAVING count(*) > 2)"),
                     0);
    /* No mentor above capacity. */
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM memberships m WHERE (SELECT count(*)"
                                   " FROM pairings p WHERE p.programme_id = m.programme_id"
                                   " AND p.mentor_id = m.user_id AND p.state = 'active')"
                                   " > m.capacity"),
                     0);
    /* Both sides are members with the right role, not frozen, share a language,
     * and the pairing started after both joined and before now. */
    assert_int_equal(
        scalar(f->db,
               "SELECT count(*) FROM pairings p"
               " JOIN memberships a ON a.user_id = p.mentor_id AND a.programme_id = p.programme_id"
               " JOIN memberships b ON b.user_id = p.mentee_id AND b.programme_id = p.programme_id"
               " JOIN profiles pa ON pa.user_id = p.mentor_id"
               " JOIN profiles pb ON pb.user_id = p.mentee_id"
               " JOIN users ua ON ua.id = p.mentor_id JOIN users ub ON ub.id = p.mentee_id"
               " WHERE (a.roles & 2) AND (b.roles & 1) AND p.mentor_id <> p.mentee_id"
               " AND ua.frozen = 0 AND ub.frozen = 0"
               " AND p.started_at >= a.joined_at AND p.started_at >= b.joined_at"
               " AND p.started_at <= 1763856000"
               " AND EXISTS (SELECT 1 FROM json_each(pa.answers, '$.languages') x,"
               "             json_each(pb.answers, '$.languages') y WHERE x.value = y.value)"),
        scalar(f->db, "SELECT count(*) FROM pairings"));
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM (SELECT 1 FROM pairings"
                                   " GROUP BY mentor_id, mentee_id HAVING count(*) > 1)"),
                     0);
    assert_true(scalar(f->db, "SELECT count(*) FROM pairings WHERE kind = 'networking'") > 0);
    assert_true(scalar(f->db, "SELECT count(*) FROM pairings WHERE kind = 'mentoring'") > 0);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM memberships WHERE (roles & 2)"
                                   " AND (capacity < 1 OR capacity > 3)"),
                     0);
}

static void some_frozen_hidden_and_full(void **state)
{
    struct fixture *f = *state;
    int64_t users = scalar(f->db, "SELECT count(*) FROM users");
    int64_t frozen = scalar(f->db, "SELECT count(*) FROM users WHERE frozen");
    assert_true(frozen > 0 && frozen * 100 < users * 5);
    int64_t mentors = scalar(f->db, "SELECT count(*) FROM memberships WHERE roles & 2");
    int64_t hidden = scalar(f->db, "SELECT count(*) FROM memberships WHERE hidden");
    assert_true(hidden > 0 && hidden * 100 < mentors * 7);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM memberships WHERE hidden"
                                   " AND NOT (roles & 2)"),
                     0);
    int64_t together = scalar(f->db, "SELECT count(*) FROM memberships m JOIN users u"
                                     " ON u.id = m.user_id WHERE m.programme_id = 'together'"
                                     " AND (m.roles & 2) AND NOT u.frozen");
    int64_t full = scalar(f->db, "SELECT count(*) FROM memberships m WHERE (roles & 2)"
                                 " AND capacity = (SELECT count(*) FROM pairings p"
                                 " WHERE p.programme_id = m.programme_id"
                                 " AND p.mentor_id = m.user_id AND p.state = 'active')");
    assert_true(full * 100 >= together * 7 && full * 100 <= together * 14);
    /* Retirees use personal e-mail; others an organisation's. */
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM users u JOIN profiles p"
                                   " ON p.user_id = u.id WHERE json_extract(p.answers, '$.grade') ="
                                   " 'retiree' AND (u.email LIKE '%@un.example'"
                                   " OR json_extract(p.answers, '$.index_number') IS NOT NULL)"),
                     0);
    assert_true(scalar(f->db, "SELECT count(*) FROM profiles WHERE json_extract(answers, '$.grade')"
                              " = 'retiree'") > 0);
    assert_true(scalar(f->db,
                       "SELECT count(*) FROM profiles WHERE json_extract(answers, '$.linkedin')"
                       " LIKE 'https://www.linkedin.com/in/%'") > COUNT / 5);
    assert_true(scalar(f->db, "SELECT count(*) FROM profiles WHERE"
                              " json_extract(answers, '$.jpo_months') > 6") > 0);
}

static void demo_accounts_work(void **state)
{
    struct fixture *f = *state;
    const struct seed_demo_accounts *d = &f->demo;
    assert_string_equal(d->mentee_email, "mentee@demo.mento.example");
    assert_string_equal(d->mentor_email, "mentor@demo.mento.example");
    assert_string_equal(d->admin_email, "admin@demo.mento.example");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM users WHERE id IN (%lld, %lld, %lld)"
             " AND password_hash = '" DEMO_HASH "' AND frozen = 0",
             (long long)d->mentee_id, (long long)d->mentor_id, (long long)d->admin_id);
    assert_int_equal(scalar(f->db, sql), 3);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM memberships WHERE user_id = %lld"
             " AND roles = %d",
             (long long)d->admin_id, MENTO_ROLE_ADMIN);
    assert_int_equal(scalar(f->db, sql), 3);
    /* The mentor has room, and shares a language and a job network with the mentee. */
    snprintf(sql, sizeof sql,
             "SELECT capacity - (SELECT count(*) FROM pairings WHERE"
             " mentor_id = %lld AND state = 'active') FROM memberships"
             " WHERE user_id = %lld AND programme_id = 'together'",
             (long long)d->mentor_id, (long long)d->mentor_id);
    assert_true(scalar(f->db, sql) > 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pairings WHERE mentee_id = %lld",
             (long long)d->mentee_id);
    assert_int_equal(scalar(f->db, sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT json_extract(a.answers, '$.job_network') ="
             " json_extract(b.answers, '$.job_network') FROM profiles a,"
             " profiles b"
             " WHERE a.user_id = %lld AND b.user_id = %lld",
             (long long)d->mentor_id, (long long)d->mentee_id);
    assert_int_equal(scalar(f->db, sql), 1);
}

static void seeding_again_adds_nothing(void **state)
{
    struct fixture *f = *state;
    int64_t before = scalar(f->db, "SELECT count(*) FROM users");
    uint64_t h = digest(f->db);
    struct seed_demo_accounts d;
    memset(&d, 0, sizeof d);
    assert_int_equal(seed_participants(f->db, 42, COUNT, NOW, DEMO_HASH, &d), MENTO_OK);
    assert_int_equal(scalar(f->db, "SELECT count(*) FROM users"), before);
    assert_true(digest(f->db) == h);
    assert_true(d.mentee_id == f->demo.mentee_id && d.admin_id == f->demo.admin_id);
    assert_int_equal(seed_programmes(f->db, NOW + 1000), MENTO_OK);
    assert_true(digest(f->db) == h);
}

/* Every programme's surveys: pre then post, sound questions. */
static void surveys_are_well_formed(void **state)
{
    (void)state;
    static const char *const programmes[] = {"together", "iom-2025", "undp-jpo", "another"};
    for (size_t p = 0; p < sizeof programmes / sizeof programmes[0]; p++) {
        size_t n = 0;
        const struct survey_def *defs = seed_surveys(programmes[p], &n);
        assert_int_equal(n, 2);
        assert_string_equal(defs[0].id, "pre");
        assert_string_equal(defs[1].id, "post");
        assert_ptr_equal(survey_find(defs, n, "post"), &defs[1]);
        assert_null(survey_find(defs, n, "mid"));
        for (size_t i = 0; i < n; i++) {
            assert_true(defs[i].title && defs[i].title[0]);
            assert_true(defs[i].n_questions > 0 && defs[i].n_questions <= 64);
            for (size_t k = 0; k < defs[i].n_questions; k++) {
                const struct survey_question *q = &defs[i].questions[k];
                assert_true(q->key[0] &&
                            strspn(q->key, "abcdefghijklmnopqrstuvwxyz_") == strlen(q->key));
                assert_ptr_equal(survey_question_find(&defs[i], q->key), q); /* unique */
                assert_true(q->label && q->label[0]);
                size_t choices = 0;
                for (const char *const *c = q->choices; c && *c; c++)
                    choices++;
                switch (q->type) {
                case SURVEY_Q_TEXT:
                    assert_true(q->max >= 1 && q->max <= SURVEY_TEXT_MAX);
                    assert_int_equal(choices, 0);
                    break;
                case SURVEY_Q_RATING:
                    assert_true(q->max >= 2 && q->max <= SURVEY_RATING_MAX);
                    assert_int_equal(choices, 0);
                    break;
                case SURVEY_Q_CHOICE:
                    assert_true(choices >= 2);
                    break;
                }
            }
        }
    }
    size_t n = 0;
    const struct survey_def *jpo = seed_surveys("undp-jpo", &n);
    assert_non_null(survey_question_find(&jpo[0], "know_undp"));
    assert_null(survey_question_find(&seed_surveys("together", &n)[0], "know_undp"));
}

/* When surveys open and close (docs/api.md 15). */
static void survey_windows_follow_the_rules(void **state)
{
    (void)state;
    const int64_t joined = 1795000000, ended = joined + 50 * 86400, day = 86400;
    struct survey_member m = {.participant = true, .took_part = true, .joined_at = joined};
    struct survey_window pre = survey_window_of("pre", &m), post = survey_window_of("post", &m);
    assert_true(pre.opens_at == joined && pre.closes_at == 0);
    assert_true(survey_window_open(&pre, joined) && !survey_window_open(&pre, joined - 1));
    assert_true(survey_window_open(&pre, joined + 3650 * day));
    assert_true(post.opens_at == 0 && !survey_window_open(&post, joined + 3650 * day));
    /* The first pairing ended. */
    m.first_pairing_end = ended;
    pre = survey_window_of("pre", &m);
    post = survey_window_of("post", &m);
    assert_true(pre.closes_at == ended && !survey_window_open(&pre, ended));
    assert_true(survey_window_open(&pre, ended - 1));
    assert_true(post.opens_at == ended && post.closes_at == ended + 60 * day);
    assert_true(survey_window_open(&post, ended) &&
                survey_window_open(&post, ended + 60 * day - 1));
    assert_false(survey_window_open(&post, ended + 60 * day));
    /* A cohort that ends first opens post at its end; a later end does not delay it. */
    m.programme_end = ended - 10 * day;
    post = survey_window_of("post", &m);
    assert_true(post.opens_at == ended - 10 * day && post.closes_at == ended + 50 * day);
    m.programme_end = ended + 10 * day;
    assert_true(survey_window_of("post", &m).opens_at == ended);
    m.first_pairing_end = 0;
    assert_true(survey_window_of("post", &m).opens_at == ended + 10 * day);
    /* An applicant never selected answers pre, never post. */
    m.took_part = false;
    assert_true(survey_window_of("pre", &m).opens_at == joined);
    assert_true(survey_window_of("post", &m).opens_at == 0);
    /* Not a participant: nothing opens. */
    m.participant = false;
    pre = survey_window_of("pre", &m);
    assert_true(pre.opens_at == 0 && !survey_window_open(&pre, joined + day));
    struct survey_member other = {.participant = true, .joined_at = joined};
    assert_true(survey_window_of("mid", &other).opens_at == 0);

    /* A cohort's end: calendar months after the announcement, in UTC. */
    struct mento_programme p;
    mento_programme_init(&p);
    p.kind = MENTO_PROGRAMME_COHORT;
    p.pairing_announced = 1802649600; /* 2027-02-15T00:00:00Z */
    p.length_months = 6;
    assert_true(survey_programme_end(&p) == 1818288000); /* 2027-08-15T00:00:00Z */
    p.length_months = 0;
    assert_true(survey_programme_end(&p) == 0);
    p.kind = MENTO_PROGRAMME_EVERGREEN;
    p.length_months = 6;
    assert_true(survey_programme_end(&p) == 0);
    mento_programme_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_database),
        cmocka_unit_test(counts_and_passwords),
        cmocka_unit_test(programmes_present),
        cmocka_unit_test(names_in_many_scripts),
        cmocka_unit_test(profiles_decode_and_are_complete),
        cmocka_unit_test(memberships_are_eligible),
        cmocka_unit_test(roles_mix),
        cmocka_unit_test(pairings_respect_limits),
        cmocka_unit_test(some_frozen_hidden_and_full),
        cmocka_unit_test(demo_accounts_work),
        cmocka_unit_test(seeding_again_adds_nothing),
        cmocka_unit_test(surveys_are_well_formed),
        cmocka_unit_test(survey_windows_follow_the_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_rules.c - the request deadline across weekends, time zones and DST,
 * each programme's eligibility with its reasons, required answers, and the
 * match score. Expected instants are computed here with timegm(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mento/rules.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm);
}

static int64_t deadline(int64_t sent, const char *tz)
{
    int64_t out = 0;
    assert_int_equal(rules_request_deadline(sent, tz, 3, &out), MENTO_OK);
    return out;
}

static void deadline_on_a_weekday_is_three_days(void **state)
{
    (void)state;
    /* Mon 16 Nov 2026 10:00 in Bangkok (UTC+7) -> Thu 19 Nov 10:00. */
    assert_int_equal(deadline(utc(2026, 11, 16, 3, 0), "Asia/Bangkok"),
                     utc(2026, 11, 19, 3, 0));
}

static void saturday_moves_to_monday_east_of_utc(void **state)
{
    (void)state;
    /* Wed 18 Nov 10:00 Bangkok; +72 h is Sat 21 Nov 10:00 there, so the
     * deadline is Mon 23 Nov 10:00 Bangkok = 03:00 UTC. */
    assert_int_equal(deadline(utc(2026, 11, 18, 3, 0), "Asia/Bangkok"),
                     utc(2026, 11, 23, 3, 0));
}

static void local_weekday_decides_not_utc(void **state)
{
    (void)state;
    /* Sent Tue 17 Nov 22:30 UTC = Wed 01:30 in Nairobi (UTC+3). +72 h is
     * Fri 20 Nov 22:30 UTC, which is already Sat 01:30 in Nairobi: it moves
     * to Mon 23 Nov 01:30 Nairobi = Sun 22 Nov 22:30 UTC. */
    assert_int_equal(deadline(utc(2026, 11, 17, 22, 30), "Africa/Nairobi"),
                     utc(2026, 11, 22, 22, 30));
    /* West of UTC the other way round: Sat 21 Nov 02:00 UTC is still
     * Fri 20 Nov 21:00 in New York (UTC-5): no move. */
    assert_int_equal(deadline(utc(2026, 11, 18, 2, 0), "America/New_York"),
                     utc(2026, 11, 21, 2, 0));
}

static void sunday_moves_to_monday_west_of_utc(void **state)
{
    (void)state;
    /* Thu 19 Nov 09:00 in Santiago (UTC-3 in southern summer) -> Sun 22 Nov
     * 09:00 there -> Mon 23 Nov 09:00 = 12:00 UTC. */
    assert_int_equal(deadline(utc(2026, 11, 19, 12, 0), "America/Santiago"),
                     utc(2026, 11, 23, 12, 0));
    /* Wed 18 Nov 10:00 in New York -> Sat -> Mon 23 Nov 10:00 EST = 15:00 UTC. */
    assert_int_equal(deadline(utc(2026, 11, 18, 15, 0), "America/New_York"),
                     utc(2026, 11, 23, 15, 0));
}

static void monday_keeps_the_wall_clock_across_dst(void **state)
{
    (void)state;
    /* Wed 28 Oct 2026 10:00 EDT (UTC-4). +72 h is Sat 31 Oct 10:00 EDT.
     * Daylight time ends on Sun 1 Nov, so Monday 2 Nov 10:00 is EST (UTC-5):
     * 15:00 UTC, not 14:00. */
    assert_int_equal(deadline(utc(2026, 10, 28, 14, 0), "America/New_York"),
                     utc(2026, 11, 2, 15, 0));
}

static void unknown_zones_are_refused(void **state)
{
    (void)state;
    int64_t out;
    assert_int_equal(rules_request_deadline(0, "Mars/Olympus_Mons", 3, &out), MENTO_ERR_TZ);
    assert_int_equal(rules_request_deadline(0, "../../etc/passwd", 3, &out), MENTO_ERR_TZ);
    assert_int_equal(rules_request_deadline(0, "", 3, &out), MENTO_ERR_TZ);
    assert_false(rules_timezone_valid("Europe/Nowhere"));
    assert_true(rules_timezone_valid("Europe/Zurich"));
    assert_true(rules_timezone_valid("UTC"));
}

static void local_time_fields(void **state)
{
    (void)state;
    struct rules_local_time lt;
    assert_int_equal(rules_local_time(utc(2026, 11, 20, 22, 30), "Africa/Nairobi", &lt),
                     MENTO_OK);
    assert_int_equal(lt.day, 21);
    assert_int_equal(lt.hour, 1);
    assert_int_equal(lt.weekday, 6); /* Saturday */
    assert_int_equal(lt.utc_offset, 3 * 3600);
}

/* ---- Eligibility ------------------------------------------------------------ */

static void staff(struct mento_profile *p, mento_grade g, int years, const char *appointment)
{
    mento_profile_init(p);
    p->grade = g;
    p->years_experience = years;
    p->appointment_type = appointment ? strdup(appointment) : NULL;
}

static mento_status check(mento_eligibility e, unsigned roles, const struct mento_profile *p,
                          char *reason, size_t len)
{
    struct mento_programme prog;
    mento_programme_init(&prog);
    prog.eligibility = e;
    return rules_check_eligibility(&prog, roles, p, reason, len);
}

static void together_wants_staff_appointments(void **state)
{
    (void)state;
    struct mento_profile p;
    char why[256];
    staff(&p, MENTO_GRADE_G3, 2, "fixed-term");
    assert_int_equal(check(MENTO_ELIGIBILITY_TOGETHER, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_OK);
    mento_profile_free(&p);
    staff(&p, MENTO_GRADE_P3, 8, "consultant");
    assert_int_equal(check(MENTO_ELIGIBILITY_TOGETHER, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "consultant"));
    mento_profile_free(&p);
    staff(&p, MENTO_GRADE_RETIREE, 30, "retiree");
    assert_int_equal(check(MENTO_ELIGIBILITY_TOGETHER, MENTO_ROLE_MENTOR, &p, why, sizeof why),
                     MENTO_OK);
    assert_int_equal(check(MENTO_ELIGIBILITY_TOGETHER, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    mento_profile_free(&p);
}

static void iom_grades_and_experience(void **state)
{
    (void)state;
    struct mento_profile p;
    char why[256];
    staff(&p, MENTO_GRADE_P4, 12, "fixed-term");
    assert_int_equal(check(MENTO_ELIGIBILITY_IOM, MENTO_ROLE_MENTOR, &p, why, sizeof why),
                     MENTO_OK);
    /* A P-4 is too senior to be an IOM mentee. */
    assert_int_equal(check(MENTO_ELIGIBILITY_IOM, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "P-4"));
    mento_profile_free(&p);

    staff(&p, MENTO_GRADE_P2, 12, "fixed-term");
    assert_int_equal(check(MENTO_ELIGIBILITY_IOM, MENTO_ROLE_MENTOR, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "P-2"));
    assert_int_equal(check(MENTO_ELIGIBILITY_IOM, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_OK);
    mento_profile_free(&p);

    staff(&p, MENTO_GRADE_G6, 3, "continuing");
    assert_int_equal(check(MENTO_ELIGIBILITY_IOM, MENTO_ROLE_MENTOR, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "5 years"));
    mento_profile_free(&p);
}

static void jpo_induction_is_for_new_jpos(void **state)
{
    (void)state;
    struct mento_profile p;
    char why[256];
    staff(&p, MENTO_GRADE_P2, 1, "jpo");
    p.jpo_months = 4;
    assert_int_equal(check(MENTO_ELIGIBILITY_UNDP_JPO, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_OK);
    p.jpo_months = 9;
    assert_int_equal(check(MENTO_ELIGIBILITY_UNDP_JPO, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "6 months"));
    p.jpo_months = -1;
    assert_int_equal(check(MENTO_ELIGIBILITY_UNDP_JPO, MENTO_ROLE_MENTEE, &p, why, sizeof why),
                     MENTO_ERR_INVALID);
    /* A JPO with two years behind them may mentor. */
    p.jpo_months = 24;
    assert_int_equal(check(MENTO_ELIGIBILITY_UNDP_JPO, MENTO_ROLE_MENTOR, &p, why, sizeof why),
                     MENTO_OK);
    mento_profile_free(&p);
}

static void required_answers_are_named(void **state)
{
    (void)state;
    struct mento_profile p;
    const char *field = NULL;
    mento_profile_init(&p);
    assert_int_equal(rules_check_required(&p, &field), MENTO_ERR_MISSING);
    assert_string_equal(field, "name");
    p.name = strdup("A");
    p.grade = MENTO_GRADE_P2;
    p.languages = MENTO_LANG_FR;
    p.timezone = strdup("Africa/Dakar");
    p.job_network = strdup("Legal");
    p.entity = strdup("OHCHR");
    assert_int_equal(rules_check_required(&p, &field), MENTO_ERR_MISSING);
    assert_string_equal(field, "duty_station");
    p.duty_station = strdup("Dakar");
    assert_int_equal(rules_check_required(&p, &field), MENTO_OK);
    mento_profile_free(&p);
}

/* ---- Match score ---------------------------------------------------------------- */

static void person(struct mento_profile *p, mento_grade g, const char *network,
                   const char *entity, const char *station, const char *tz, unsigned langs)
{
    mento_profile_init(p);
    p->name = strdup("X");
    p->grade = g;
    p->job_network = strdup(network);
    p->entity = strdup(entity);
    p->duty_station = strdup(station);
    p->timezone = strdup(tz);
    p->languages = langs;
}

static int reason_points(const struct mento_score *s, mento_reason_code c)
{
    for (size_t i = 0; i < s->n_reasons; i++)
        if (s->reasons[i].code == c)
            return s->reasons[i].points;
    return 0;
}

static void score_explains_itself(void **state)
{
    (void)state;
    struct mento_profile mentee, good, far;
    person(&mentee, MENTO_GRADE_P2, "Legal", "OHCHR", "Geneva", "Europe/Zurich", MENTO_LANG_ALL);
    mentee.goals[mentee.n_goals++] = strdup("Négociation");
    mentee.goals[mentee.n_goals++] = strdup("Public speaking");
    person(&good, MENTO_GRADE_P5, "legal", "UNHCR", "Geneva", "Europe/Zurich", MENTO_LANG_ALL);
    good.skills[good.n_skills++] = strdup("negociation"); /* accents and case ignored */
    good.years_experience = 20;
    person(&far, MENTO_GRADE_P1, "Science", "OHCHR", "Bangkok", "Asia/Bangkok", MENTO_LANG_EN);

    struct mento_score a, b;
    rules_match_score(&mentee, &good, &a);
    rules_match_score(&mentee, &far, &b);
    assert_true(a.total > b.total);
    assert_int_equal(reason_points(&a, MENTO_REASON_JOB_NETWORK), 30);
    assert_int_equal(reason_points(&a, MENTO_REASON_GOALS), 10);
    assert_int_equal(reason_points(&a, MENTO_REASON_SENIORITY), 15);
    assert_int_equal(reason_points(&a, MENTO_REASON_DUTY_STATION), 5);
    assert_int_equal(reason_points(&a, MENTO_REASON_OTHER_ENTITY), 5);
    assert_int_equal(reason_points(&a, MENTO_REASON_EXPERIENCE), 10);
    assert_int_equal(reason_points(&a, MENTO_REASON_LANGUAGES), 5);
    assert_int_equal(a.total, 80);
    /* Reasons come highest first; the goal match names the mentor's skill. */
    for (size_t i = 1; i < a.n_reasons; i++)
        assert_true(a.reasons[i - 1].points >= a.reasons[i].points);
    assert_string_equal(a.reasons[0].detail, "legal");
    /* A junior mentor in another network, far away, same entity: nothing. */
    assert_int_equal(b.total, 0);
    assert_int_equal(b.n_reasons, 0);

    /* The prepared form gives the same answer. */
    struct rules_match_input pa, pb;
    assert_int_equal(rules_match_input_init(&pa, &mentee, (int64_t)time(NULL)), MENTO_OK);
    assert_int_equal(rules_match_input_init(&pb, &good, (int64_t)time(NULL)), MENTO_OK);
    struct mento_score c;
    rules_match_score_prepared(&pa, &pb, &c);
    assert_memory_equal(&a, &c, sizeof a);
    rules_match_input_free(&pa);
    rules_match_input_free(&pb);
    mento_profile_free(&mentee);
    mento_profile_free(&good);
    mento_profile_free(&far);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deadline_on_a_weekday_is_three_days),
        cmocka_unit_test(saturday_moves_to_monday_east_of_utc),
        cmocka_unit_test(local_weekday_decides_not_utc),
        cmocka_unit_test(sunday_moves_to_monday_west_of_utc),
        cmocka_unit_test(monday_keeps_the_wall_clock_across_dst),
        cmocka_unit_test(unknown_zones_are_refused),
        cmocka_unit_test(local_time_fields),
        cmocka_unit_test(together_wants_staff_appointments),
        cmocka_unit_test(iom_grades_and_experience),
        cmocka_unit_test(jpo_induction_is_for_new_jpos),
        cmocka_unit_test(required_answers_are_named),
        cmocka_unit_test(score_explains_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

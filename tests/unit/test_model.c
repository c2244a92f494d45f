/* test_model.c - the model's tables: grade names and seniority, the
 * questionnaire and its visibility, enum names, deep copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mento/model.h"

static void grades_round_trip_and_rank(void **state)
{
    (void)state;
    for (int g = 1; g < MENTO_GRADE_COUNT; g++) {
        mento_grade back = MENTO_GRADE_NONE;
        assert_int_equal(mento_grade_parse(mento_grade_name((mento_grade)g), &back), MENTO_OK);
        assert_int_equal(back, g);
    }
    mento_grade g;
    assert_int_equal(mento_grade_parse("p-3", &g), MENTO_ERR_INVALID);
    assert_int_equal(mento_grade_parse("P3", &g), MENTO_ERR_INVALID);
    assert_string_equal(mento_grade_name(MENTO_GRADE_NOC), "NO-C");
    assert_true(mento_grade_rank(MENTO_GRADE_G7) > mento_grade_rank(MENTO_GRADE_G1));
    assert_true(mento_grade_rank(MENTO_GRADE_P5) > mento_grade_rank(MENTO_GRADE_P2));
    assert_true(mento_grade_rank(MENTO_GRADE_D2) > mento_grade_rank(MENTO_GRADE_P5));
    assert_int_equal(mento_grade_rank(MENTO_GRADE_NONE), 0);
}

static void questionnaire_marks_admin_only_answers(void **state)
{
    (void)state;
    const struct mento_question *q = mento_question_find("index_number");
    assert_non_null(q);
    assert_int_equal(q->visibility, MENTO_VIS_ADMIN_ONLY);
    assert_int_equal(mento_question_find("appointment_type")->visibility, MENTO_VIS_ADMIN_ONLY);
    assert_int_equal(mento_question_find("bio")->visibility, MENTO_VIS_SHOWN);
    assert_null(mento_question_find("password"));
    const struct mento_question *all = mento_questionnaire();
    for (int i = 0; i < MENTO_QUESTION_COUNT; i++)
        assert_int_equal(all[i].id, i);
}

static void enum_names_round_trip(void **state)
{
    (void)state;
    mento_request_state rs;
    assert_int_equal(mento_request_state_parse("passed_on", &rs), MENTO_OK);
    assert_int_equal(rs, MENTO_REQUEST_PASSED_ON);
    assert_string_equal(mento_request_state_name(MENTO_REQUEST_EXPIRED), "expired");
    assert_int_equal(mento_request_state_parse("lost", &rs), MENTO_ERR_INVALID);
    mento_kind k;
    assert_int_equal(mento_kind_parse("networking", &k), MENTO_OK);
    assert_int_equal(k, MENTO_KIND_NETWORKING);
    assert_string_equal(mento_session_state_name(MENTO_SESSION_CANCELLED), "cancelled");
    assert_string_equal(mento_eligibility_name(MENTO_ELIGIBILITY_UNDP_JPO), "undp_jpo");
    assert_string_equal(mento_reason_name(MENTO_REASON_OTHER_ENTITY), "other_entity");
    assert_string_equal(mento_kind_name((mento_kind)99), "");
}

static void profile_copy_is_deep(void **state)
{
    (void)state;
    struct mento_profile a, b;
    mento_profile_init(&a);
    assert_int_equal(a.jpo_months, -1);
    a.name = strdup("王芳");
    a.skills[a.n_skills++] = strdup("Statistics");
    assert_int_equal(mento_profile_copy(&b, &a), MENTO_OK);
    assert_ptr_not_equal(a.name, b.name);
    assert_string_equal(b.name, "王芳");
    mento_profile_free(&a);
    assert_string_equal(b.skills[0], "Statistics");
    mento_profile_free(&b);
    assert_null(b.name);
}

static void programme_defaults_follow_the_rules(void **state)
{
    (void)state;
    struct mento_programme p;
    mento_programme_init(&p);
    assert_int_equal(p.mentor_capacity_default, 3);
    assert_int_equal(p.mentee_max_mentors, 2);
    assert_int_equal(p.request_days, 3);
    assert_int_equal(p.reminder_hours, 48);
    assert_int_equal(p.auto_end_days, 90);
    mento_programme_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grades_round_trip_and_rank),
        cmocka_unit_test(questionnaire_marks_admin_only_answers),
        cmocka_unit_test(enum_names_round_trip),
        cmocka_unit_test(profile_copy_is_deep),
        cmocka_unit_test(programme_defaults_follow_the_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_error.c - the status table: every status has a distinct wire code and
 * a message, and out-of-range values do not crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mento/error.h"

static void codes_are_distinct_and_named(void **state)
{
    (void)state;
    for (int a = 0; a < MENTO_STATUS_COUNT; a++) {
        const char *ca = mento_status_code((mento_status)a);
        assert_non_null(ca);
        assert_true(strlen(ca) > 0);
        assert_true(strlen(mento_status_message((mento_status)a)) > 0);
        for (int b = a + 1; b < MENTO_STATUS_COUNT; b++)
            assert_string_not_equal(ca, mento_status_code((mento_status)b));
    }
    assert_string_equal(mento_status_code(MENTO_ERR_MISSING), "missing_field");
}

static void out_of_range_is_safe(void **state)
{
    (void)state;
    assert_string_equal(mento_status_code((mento_status)9999), "unknown");
    assert_string_equal(mento_status_code((mento_status)-1), "unknown");
    assert_non_null(mento_status_message((mento_status)9999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_are_distinct_and_named),
        cmocka_unit_test(out_of_range_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_layout.c - the client's geometry: the frame's rows, the terminal
 * size below which it says "too small", the directory's columns filling the
 * width exactly at every size, and the profile beside or instead of the
 * list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mento/layout.h"

static void frame_rows_and_minimum(void **state)
{
    (void)state;
    struct layout_frame f;
    layout_frame(24, 80, &f);
    assert_false(f.too_small);
    assert_int_equal(f.tabs_row, 0);
    assert_int_equal(f.pane_top, 1);
    assert_int_equal(f.pane_top + f.pane_rows, f.message_row);
    assert_int_equal(f.message_row + 1, f.status_row);
    assert_int_equal(f.status_row, 23);
    layout_frame(23, 80, &f);
    assert_true(f.too_small);
    layout_frame(24, 79, &f);
    assert_true(f.too_small);
    layout_frame(1, 1, &f);
    assert_true(f.too_small);
    assert_true(f.pane_rows >= 0);
    layout_frame(500, 1000, &f);
    assert_false(f.too_small);
}

static void directory_columns_fill_the_width(void **state)
{
    (void)state;
    for (int cols = LAYOUT_MIN_COLS - LAYOUT_PROFILE_COLS; cols <= 400; cols++) {
        struct layout_columns c;
        layout_directory_columns(cols, &c);
        int sum = c.score + c.name + c.grade + c.entity + c.station + c.langs + c.state + 6;
        if (cols >= 58 && sum != cols)
            fail_msg("at %d columns the list takes %d", cols, sum);
        assert_true(c.name >= 9 && c.entity >= 6 && c.station >= 6);
        /* The entity, short by nature, gets the least of the three. */
        assert_true(c.name >= c.entity && c.station >= c.entity);
    }
}

static void profile_beside_or_instead(void **state)
{
    (void)state;
    struct layout_split s;
    layout_directory_split(100, false, &s);
    assert_int_equal(s.list_cols, 100);
    assert_int_equal(s.profile_cols, 0);
    layout_directory_split(100, true, &s);
    assert_false(s.side_by_side);
    assert_int_equal(s.list_cols, 0);
    assert_int_equal(s.profile_cols, 100);
    layout_directory_split(LAYOUT_SIDE_BY_SIDE_COLS, true, &s);
    assert_true(s.side_by_side);
    assert_int_equal(s.list_cols + 1 + s.profile_cols, LAYOUT_SIDE_BY_SIDE_COLS);
    assert_int_equal(s.profile_left, s.list_cols + 1);
    layout_directory_split(200, true, &s);
    assert_int_equal(s.profile_cols, LAYOUT_PROFILE_COLS - 1);
    assert_int_equal(s.list_cols + 1 + s.profile_cols, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_rows_and_minimum),
        cmocka_unit_test(directory_columns_fill_the_width),
        cmocka_unit_test(profile_beside_or_instead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

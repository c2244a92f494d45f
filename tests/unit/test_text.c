/* test_text.c - display widths and fitting: wide characters take two
 * columns and are never cut in half, combining marks stay with their letter,
 * invalid bytes and control characters are shown as U+FFFD. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mento/text.h"

static int setup(void **state)
{
    (void)state;
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void widths(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("中文"), 4);
    assert_int_equal(text_width("Nguyễn"), 6);
    assert_int_equal(text_width("e\xcc\x81"), 1); /* e + COMBINING ACUTE */
    assert_int_equal(text_width("مرحبا"), 5);     /* Arabic letters */
    assert_int_equal(text_width("\xff"), 1);      /* an invalid byte */
    assert_int_equal(text_width("a\tb"), 3);      /* a control shown as one */
    assert_int_equal(text_width("\xe4\xb8"), 2);  /* a cut sequence: two bytes */
}

static void fitting(void **state)
{
    (void)state;
    char out[64];
    /* Wide characters: never half of one. */
    assert_int_equal(text_fit("中文字", 5, 0, out, sizeof out), 4);
    assert_string_equal(out, "中文");
    assert_int_equal(text_fit("中文字", 5, 1, out, sizeof out), 5);
    assert_string_equal(out, "中文…");
    assert_int_equal(text_fit("中文字", 6, 1, out, sizeof out), 6);
    assert_string_equal(out, "中文字");
    assert_int_equal(text_fit("中文字", 1, 1, out, sizeof out), 1);
    assert_string_equal(out, "…");
    assert_int_equal(text_fit("中", 1, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* A combining mark stays with its letter, in or out. */
    assert_int_equal(text_fit("e\xcc\x81"
                              "e\xcc\x81",
                              1, 0, out, sizeof out),
                     1);
    assert_string_equal(out, "e\xcc\x81");
    /* Controls and invalid bytes become U+FFFD, one column each. */
    assert_int_equal(text_fit("a\x1b[31mb\xff", 10, 0, out, sizeof out), 8);
    assert_string_equal(out, "a\xef\xbf\xbd[31mb\xef\xbf\xbd");
    /* The prefix that fits, in bytes, for breaking a long word. */
    int used;
    assert_int_equal(text_prefix("中文字", 5, &used), 6);
    assert_int_equal(used, 4);
    assert_int_equal(text_prefix("e\xcc\x81x", 1, &used), 3);
    assert_int_equal(used, 1);
    assert_int_equal(text_prefix("abc", 0, NULL), 0);
    assert_int_equal(text_prefix("ab", 9, &used), 2);
    assert_int_equal(used, 2);
    /* Padding to exactly the width. */
    assert_int_equal(text_fit_pad("Li", 5, out, sizeof out), 5);
    assert_string_equal(out, "Li   ");
    assert_int_equal(text_fit_pad("Nguyễn Thị Lan", 8, out, sizeof out), 8);
    assert_string_equal(out, "Nguyễn …");
    assert_int_equal(text_width(out), 8);
    /* A small buffer is never overrun and stays valid UTF-8. */
    char tiny[5];
    text_fit("中文字", 10, 0, tiny, sizeof tiny);
    assert_string_equal(tiny, "中");
    assert_int_equal(text_fit("abc", 0, 1, out, sizeof out), 0);
    assert_int_equal(text_fit("abc", -3, 1, out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(fitting),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

/* test_utf8.c - validation refuses every malformed form a client could send,
 * and search folding makes accented and cased names findable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mento/utf8.h"

static bool valid(const char *s)
{
    return utf8_valid(s, strlen(s));
}

static void accepts_well_formed_text(void **state)
{
    (void)state;
    assert_true(valid(""));
    assert_true(valid("plain ASCII"));
    assert_true(valid("Nguyễn Thị Mai"));
    assert_true(valid("محمد الأحمد"));
    assert_true(valid("王芳"));
    assert_true(valid("\xf0\x9f\x98\x80")); /* U+1F600, four bytes */
    assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
}

static void refuses_malformed_text(void **state)
{
    (void)state;
    assert_false(valid("\xc0\xaf"));         /* overlong '/' */
    assert_false(valid("\xe0\x80\xaf"));     /* overlong, three bytes */
    assert_false(valid("\xed\xa0\x80"));     /* UTF-16 surrogate U+D800 */
    assert_false(valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
    assert_false(valid("abc\xe2\x82"));      /* truncated sequence */
    assert_false(valid("\x80"));             /* lone continuation byte */
    assert_false(valid("\xff"));
    /* A NUL inside the length is data, not the end: still valid UTF-8. */
    assert_true(utf8_valid("a\0b", 3));
}

static void counts_code_points(void **state)
{
    (void)state;
    const char *s = "Élodie";
    assert_int_equal(utf8_codepoints(s, strlen(s)), 6);
    s = "王芳";
    assert_int_equal(utf8_codepoints(s, strlen(s)), 2);
}

static void expect_fold(const char *in, const char *want)
{
    char *f = utf8_fold(in);
    assert_non_null(f);
    assert_string_equal(f, want);
    free(f);
}

static void folds_latin_names_for_search(void **state)
{
    (void)state;
    expect_fold("Nguyễn Thị Mai", "nguyen thi mai");
    expect_fold("NGUYỄN", "nguyen");
    expect_fold("Élodie Lefèvre", "elodie lefevre");
    expect_fold("José Muñoz", "jose munoz");
    expect_fold("Jürgen Groß", "jurgen gross");
    expect_fold("Łukasz Świątek", "lukasz swiatek");
    expect_fold("Đặng Văn Ơn", "dang van on");
    expect_fold("Çelik", "celik");
}

static void folds_case_and_keeps_other_scripts(void **state)
{
    (void)state;
    expect_fold("王芳", "王芳");
    expect_fold("محمد", "محمد");
    expect_fold("АННА Иванова", "анна иванова");
    expect_fold("ΜΑΡΊΑ", "μαρΊα"); /* capitals fold; the accented capital stays */
    expect_fold("bad\xff", "bad\xff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_well_formed_text),
        cmocka_unit_test(refuses_malformed_text),
        cmocka_unit_test(counts_code_points),
        cmocka_unit_test(folds_latin_names_for_search),
        cmocka_unit_test(folds_case_and_keeps_other_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_pager.c - Markdown laid out for reading: headings set apart, bullets
 * kept with a hanging indent, paragraphs wrapped at the width with wide
 * characters measured (never a line wider than the pane, never a character
 * cut), inline marks dropped, code kept; the search ignoring case and
 * accents and going round the end. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mento/pager.h"
#include "mento/text.h"
#include "mento/utf8.h"

static int setup(void **state)
{
    (void)state;
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

/* Every line as "style|text", one per line, for comparing whole layouts. */
static char *dump(const struct pager *p)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    static const char styles[] = {'.', 'T', 'H', 'C', 'R'};
    for (size_t i = 0; i < p->n; i++)
        fprintf(f, "%c|%s\n", styles[p->lines[i].style], pager_line(p, i));
    fclose(f);
    return out;
}

static void expect_layout(const char *markdown, int width, const char *want)
{
    struct pager p = {0};
    assert_int_equal(pager_layout(&p, markdown, width), MENTO_OK);
    char *got = dump(&p);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "# ---- got ----\n%s# ---- want ----\n%s# ----\n", got, want);
        fail_msg("layout at width %d differs", width);
    }
    /* Never wider than asked, always valid UTF-8. */
    for (size_t i = 0; i < p.n; i++) {
        assert_true(text_width(pager_line(&p, i)) <= width);
        assert_true(utf8_valid(pager_line(&p, i), strlen(pager_line(&p, i))));
    }
    free(got);
    pager_free(&p);
}

static void headings_bullets_and_wrapping(void **state)
{
    (void)state;
    expect_layout("# Mentor handbook\n\n"
                  "Thank you for offering your time. You do not need all the answers.\n\n"
                  "## What a mentor does\n\n"
                  "- Asks about the mentee's **development goals** and career hopes.\n"
                  "- Opens doors.\n"
                  "  - An introduction to a colleague.\n"
                  "1. First, listen.\n"
                  "12. Then ask.\n",
                  30,
                  "T|Mentor handbook\n"
                  ".|\n"
                  ".|Thank you for offering your\n"
                  ".|time. You do not need all the\n"
                  ".|answers.\n"
                  ".|\n"
                  "H|What a mentor does\n"
                  ".|\n"
                  ".|• Asks about the mentee's\n"
                  ".|  development goals and career\n"
                  ".|  hopes.\n"
                  ".|• Opens doors.\n"
                  ".|  ◦ An introduction to a\n"
                  ".|    colleague.\n"
                  ".|1. First, listen.\n"
                  ".|12. Then ask.\n");
}

static void paragraphs_join_and_blocks_set_off(void **state)
{
    (void)state;
    /* Hard-wrapped source lines make one paragraph; a heading needs no
     * blank line around it in the source; closing hashes go. */
    expect_layout("First line of a\nparagraph that goes on.\n### Third level ###\n"
                  "> A quote that is long enough to wrap.\n"
                  "---\n"
                  "```\ncode  stays   as is\n```\n"
                  "See [the guide](https://example.org/g) and <https://example.org>, "
                  "![a map](map.png), `a_b` and \\*stars\\*.\n\n\n\n",
                  24,
                  ".|First line of a\n"
                  ".|paragraph that goes on.\n"
                  ".|\n"
                  "H|Third level\n"
                  ".|\n"
                  ".|│ A quote that is long\n"
                  ".|│ enough to wrap.\n"
                  ".|\n"
                  "R|\n"
                  ".|\n"
                  "C|    code  stays   as is\n"
                  ".|\n"
                  ".|See the guide\n"
                  ".|(https://example.org/g)\n"
                  ".|and https://example.org,\n"
                  ".|a map, a_b and *stars*.\n");
}

static void wide_characters_and_long_words(void **state)
{
    (void)state;
    /* CJK: two columns each, broken between characters, never in half. */
    expect_layout("导师手册：感谢您付出时间，倾听并提出好问题。", 12,
                  ".|导师手册：感\n"
                  ".|谢您付出时间\n"
                  ".|，倾听并提出\n"
                  ".|好问题。\n");
    /* At an odd width a wide character moves down rather than overflow. */
    expect_layout("中文字中文字中文", 13,
                  ".|中文字中文字\n"
                  ".|中文\n");
    /* A word longer than the line (an address) is broken to fit, and the
     * next word goes on where it ends. */
    expect_layout("Write to mentoring-programme-team@undp.example.org today.", 16,
                  ".|Write to\n"
                  ".|mentoring-progra\n"
                  ".|mme-team@undp.ex\n"
                  ".|ample.org today.\n");
    /* Accents and combining marks stay whole; Vietnamese and Arabic too. */
    expect_layout("Nguyễn Thị Lan e\xcc\x81t\xc3\xa9 مرحبا بكم في البرنامج", 14,
                  ".|Nguyễn Thị Lan\n"
                  ".|e\xcc\x81t\xc3\xa9 مرحبا بكم\n"
                  ".|في البرنامج\n");
    /* Narrower than the minimum: laid out at the minimum. */
    struct pager p = {0};
    assert_int_equal(pager_layout(&p, "a few words here", 3), MENTO_OK);
    assert_int_equal(p.width, PAGER_MIN_WIDTH);
    pager_free(&p);
}

static void odd_input_is_shown_not_trusted(void **state)
{
    (void)state;
    /* Empty, NULL, only blanks, an empty heading, markers without text, a
     * tab after a bullet, CRLF, an unclosed fence. */
    struct pager p = {0};
    assert_int_equal(pager_layout(&p, NULL, 40), MENTO_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(pager_layout(&p, "\n\n  \n", 40), MENTO_OK);
    assert_int_equal(p.n, 0);
    pager_free(&p);
    expect_layout("#\n-\n- \n*\tTab\r\nline\r\n```\nnot closed", 20,
                  ".|- -\n"
                  ".|• Tab line\n"
                  ".|\n"
                  "C|    not closed\n");
    /* Invalid UTF-8 and control characters are kept for the screen to mark. */
    assert_int_equal(pager_layout(&p, "bad \xff byte and \x1b[31m escape", 40), MENTO_OK);
    assert_int_equal(p.n, 1);
    pager_free(&p);
    /* A large text of one word per line, laid out again at another width. */
    char *big = malloc(200001);
    for (size_t i = 0; i < 200000; i++)
        big[i] = i % 10 == 9 ? '\n' : 'a' + (char)(i % 7);
    big[200000] = '\0';
    assert_int_equal(pager_layout(&p, big, 80), MENTO_OK);
    size_t wide = p.n;
    assert_int_equal(pager_layout(&p, big, 20), MENTO_OK);
    assert_true(p.n > wide);
    free(big);
    pager_free(&p);
}

static void search_ignores_case_and_accents(void **state)
{
    (void)state;
    struct pager p = {0};
    assert_int_equal(pager_layout(&p,
                                  "# Guide du mentorat\n\nLes séances peuvent se tenir en "
                                  "français.\n\n## Confidentialité\n\nCe qui se dit reste "
                                  "entre vous. Les SÉANCES comptent.\n",
                                  80),
                     MENTO_OK);
    /* 0 title, 1 blank, 2 text, 3 blank, 4 heading, 5 blank, 6 text */
    bool wrapped;
    assert_int_equal(pager_find(&p, "seances", 0, true, &wrapped), 2);
    assert_false(wrapped);
    assert_int_equal(pager_find(&p, "  SEANCES ", 3, true, &wrapped), 6);
    assert_int_equal(pager_find(&p, "PEUVENT", 3, true, &wrapped), 2);
    assert_true(wrapped);
    assert_int_equal(pager_find(&p, "seances", 5, false, &wrapped), 2);
    assert_false(wrapped);
    assert_int_equal(pager_find(&p, "seances", 1, false, &wrapped), 6);
    assert_true(wrapped);
    assert_int_equal(pager_find(&p, "confidentialite", 99, true, NULL), 4);
    assert_int_equal(pager_find(&p, "nowhere", 0, true, NULL), -1);
    assert_int_equal(pager_find(&p, "   ", 0, true, NULL), -1);
    assert_int_equal(pager_find(&p, NULL, 0, true, NULL), -1);
    pager_free(&p);
    assert_int_equal(pager_find(&p, "x", 0, true, NULL), -1); /* empty pager */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headings_bullets_and_wrapping),
        cmocka_unit_test(paragraphs_join_and_blocks_set_off),
        cmocka_unit_test(wide_characters_and_long_words),
        cmocka_unit_test(odd_input_is_shown_not_trusted),
        cmocka_unit_test(search_ignores_case_and_accents),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

/* test_form.c - the form behind every question the client asks: editing in
 * UTF-8 by whole characters, choices, dates, times and numbers checked, Enter
 * refused with the reason on the first wrong field, Esc always cancelling,
 * and confirmations. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>
#include <sodium.h>

#include "mento/form.h"

static int setup(void **state)
{
    (void)state;
    return setlocale(LC_CTYPE, "C.UTF-8") && sodium_init() >= 0 ? 0 : -1;
}

static void type(struct form *f, const char *s)
{
    /* Decode UTF-8 to code points as a terminal would deliver them. */
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    while (*s) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, strlen(s), &ps);
        assert_true(n > 0 && n <= 4);
        form_key(f, wc == ' ' ? MKEY_SPACE : (mento_key)wc, (int)wc);
        s += n;
    }
}

static void editing_by_whole_characters(void **state)
{
    (void)state;
    struct form f;
    form_init(&f, "Note", NULL);
    struct form_field *t = form_add(&f, FORM_TEXT, "Title", true);
    type(&f, "Café 中文");
    assert_string_equal(t->value, "Café 中文");
    assert_int_equal(form_cursor_column(&f), 9); /* 中 and 文 take two columns each */
    form_key(&f, MKEY_LEFT, 0);
    form_key(&f, MKEY_LEFT, 0);
    form_key(&f, MKEY_BACKSPACE, 0); /* the space */
    assert_string_equal(t->value, "Café中文");
    type(&f, "—");
    assert_string_equal(t->value, "Café—中文");
    form_key(&f, MKEY_HOME, 0);
    form_key(&f, MKEY_DEL, 0);
    assert_string_equal(t->value, "afé—中文");
    form_key(&f, MKEY_END, 0);
    form_key(&f, MKEY_BACKSPACE, 0);
    assert_string_equal(t->value, "afé—中");
    form_key(&f, MKEY_LEFT, 0);
    form_key(&f, MKEY_LEFT, 0);
    form_key(&f, MKEY_CTRL('k'), 0);
    assert_string_equal(t->value, "afé");
    form_key(&f, MKEY_CTRL('u'), 0);
    assert_string_equal(t->value, "");
    /* Control characters are not text. */
    form_key(&f, 0x1b5b, 0x07);
    form_key(&f, MKEY_CTRL('a'), 1);
    assert_string_equal(t->value, "");
    /* A limit in characters, not bytes. */
    t->max_chars = 3;
    type(&f, "éééé");
    assert_string_equal(t->value, "ééé");
}

static void checks_and_enter(void **state)
{
    (void)state;
    static const char *const minutes[] = {"30", "45", "60"};
    struct form f;
    form_init(&f, "Book a session", NULL);
    struct form_field *date = form_add(&f, FORM_DATE, "Date", true);
    struct form_field *time = form_add(&f, FORM_TIME, "Time", true);
    struct form_field *dur = form_add(&f, FORM_CHOICE, "Minutes", true);
    dur->choices = minutes;
    dur->n_choices = 3;
    struct form_field *weeks = form_add(&f, FORM_NUMBER, "Every N weeks", false);
    weeks->min = 1;
    weeks->max = 8;

    /* Enter with the date empty: refused, the date has the focus. */
    f.focus = 2;
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON);
    assert_int_equal(f.focus, 0);
    assert_string_equal(f.error, "Date is needed");
    type(&f, "2027-02-29");
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON);
    assert_non_null(strstr(f.error, "not a day of the calendar"));
    form_set(date, "2028-02-29"); /* a leap day */
    form_key(&f, MKEY_TAB, 0);
    type(&f, "9:30");
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON);
    assert_int_equal(f.focus, 1);
    assert_non_null(strstr(f.error, "HH:MM"));
    form_set(time, "24:00");
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON);
    form_set(time, "09:30");
    /* Letters do not go into a time or a date. */
    f.focus = 1;
    type(&f, "ab");
    assert_string_equal(time->value, "09:30");
    /* Choices: right, left, space, a letter. */
    f.focus = 2;
    assert_string_equal(form_choice(dur), "30");
    form_key(&f, MKEY_RIGHT, 0);
    form_key(&f, MKEY_SPACE, ' ');
    assert_string_equal(form_choice(dur), "60");
    form_key(&f, MKEY_RIGHT, 0);
    assert_string_equal(form_choice(dur), "30");
    form_key(&f, MKEY_LEFT, 0);
    assert_string_equal(form_choice(dur), "60");
    form_key(&f, '4', '4');
    assert_string_equal(form_choice(dur), "45");
    /* A number outside its range. */
    f.focus = 3;
    type(&f, "12");
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON);
    assert_non_null(strstr(f.error, "1 to 8"));
    form_key(&f, MKEY_BACKSPACE, 0);
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_ACCEPTED);
    assert_string_equal(weeks->value, "1");
    /* Esc cancels whatever the state. */
    form_set(date, "garbage");
    assert_int_equal(form_key(&f, MKEY_ESC, 0), FORM_CANCELLED);
}

static void confirmations(void **state)
{
    (void)state;
    struct form f;
    form_init(&f, "Freeze", "2 pairings will end.");
    assert_int_equal(form_key(&f, 'x', 'x'), FORM_GOING_ON);
    assert_true(f.error[0] != '\0');
    assert_int_equal(form_key(&f, 'n', 'n'), FORM_CANCELLED);
    assert_int_equal(form_key(&f, 'y', 'y'), FORM_ACCEPTED);
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_ACCEPTED);
    assert_int_equal(form_key(&f, MKEY_ESC, 0), FORM_CANCELLED);
}

static void password_kept_in_the_given_buffer(void **state)
{
    (void)state;
    struct form f;
    form_init(&f, "Unlock your notes", NULL);
    struct form_field *pw = form_add(&f, FORM_PASSWORD, "Password", true);
    char *secret = sodium_malloc(64);
    assert_non_null(secret);
    memset(secret, 'z', 64);
    form_secret(pw, secret, 64);
    assert_string_equal(secret, "");
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_GOING_ON); /* needed */
    type(&f, "pässwörd 中");
    /* The text is in the buffer, never in the form. */
    assert_string_equal(secret, "pässwörd 中");
    assert_string_equal(form_text(pw), secret);
    assert_string_equal(pw->value, "");
    assert_int_equal(form_chars(pw), 10);
    assert_int_equal(form_cursor_column(&f), 10); /* one dot a character */
    form_key(&f, MKEY_BACKSPACE, 0);
    form_key(&f, MKEY_BACKSPACE, 0);
    form_key(&f, MKEY_HOME, 0);
    form_key(&f, MKEY_DEL, 0);
    assert_string_equal(secret, "ässwörd");
    /* What editing moved leaves no copy behind the end. */
    for (size_t i = strlen(secret); i < 64; i++)
        assert_int_equal(secret[i], 0);
    form_key(&f, MKEY_RIGHT, 0);
    form_key(&f, MKEY_CTRL('k'), 0);
    assert_string_equal(secret, "ä");
    for (size_t i = strlen(secret); i < 64; i++)
        assert_int_equal(secret[i], 0);
    /* The buffer's room is the limit. */
    form_key(&f, MKEY_CTRL('u'), 0);
    for (int i = 0; i < 100; i++)
        form_key(&f, 'a', 'a');
    assert_int_equal(strlen(secret), 63);
    assert_int_equal(form_key(&f, MKEY_ENTER, 0), FORM_ACCEPTED);
    form_wipe(&f);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(secret[i], 0);
    sodium_free(secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(editing_by_whole_characters),
        cmocka_unit_test(checks_and_enter),
        cmocka_unit_test(confirmations),
        cmocka_unit_test(password_kept_in_the_given_buffer),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

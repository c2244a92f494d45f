/* test_editor.c - the note editor's text without a terminal: typing and
 * deleting by code point with combining marks and CJK, rows wrapped at the
 * width with wide characters kept whole, movement by character, word, row and
 * page, undo and redo in steps (bounded), action items toggled, text from
 * outside made editable, the length limit and the saved mark. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "mento/editor.h"

static int setup(void **state)
{
    (void)state;
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

/* Type UTF-8 as a terminal delivers it: one code point at a time. */
static void type(struct editor *ed, const char *s)
{
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    while (*s) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, strlen(s), &ps);
        assert_true(n > 0 && n <= 4);
        assert_int_equal(editor_insert(ed, (int32_t)wc), MENTO_OK);
        s += n;
    }
}

/* Row `i` as text. */
static const char *row_text(const struct editor *ed, size_t i)
{
    static char buf[256];
    struct editor_row r = editor_row_at(ed, i);
    snprintf(buf, sizeof buf, "%.*s", (int)(r.end - r.start), editor_text(ed) + r.start);
    return buf;
}

static void cursor_is(const struct editor *ed, size_t row, int col)
{
    size_t r;
    int c;
    editor_cursor_at(ed, &r, &c);
    assert_int_equal(r, row);
    assert_int_equal(c, col);
}

static void combining_marks_stay_with_their_letter(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, NULL, 40, 0), MENTO_OK);
    /* "é" written as e and U+0301, then "x". */
    type(ed, "Cafe\xcc\x81x");
    assert_string_equal(editor_text(ed), "Cafe\xcc\x81x");
    cursor_is(ed, 0, 5);
    /* Left goes over x, then over é as one character. */
    editor_move(ed, EDITOR_LEFT, 1);
    editor_move(ed, EDITOR_LEFT, 1);
    assert_int_equal(editor_cursor(ed), 3);
    cursor_is(ed, 0, 3);
    editor_move(ed, EDITOR_RIGHT, 1);
    assert_int_equal(editor_cursor(ed), 6); /* after the mark, never between */
    /* Backspace takes one code point: the accent goes, the e stays. */
    assert_true(editor_backspace(ed));
    assert_string_equal(editor_text(ed), "Cafex");
    /* Delete takes the letter with all its marks. */
    editor_set_cursor(ed, 0);
    assert_int_equal(editor_insert_text(ed, "a\xcc\x88\xcc\x81"), MENTO_OK); /* a + two marks */
    editor_set_cursor(ed, 0);
    assert_true(editor_delete(ed));
    assert_string_equal(editor_text(ed), "Cafex");
    /* A cursor put in the middle of a character goes back to its start. */
    editor_free(&ed);
    assert_int_equal(editor_new(&ed, "ü\xcc\x81中", 40, 0), MENTO_OK);
    editor_set_cursor(ed, 1); /* inside ü */
    assert_int_equal(editor_cursor(ed), 0);
    editor_set_cursor(ed, 3); /* between ü and its mark */
    assert_int_equal(editor_cursor(ed), 0);
    editor_set_cursor(ed, 6); /* inside 中 */
    assert_int_equal(editor_cursor(ed), 4);
    editor_free(&ed);
    assert_null(ed);
}

static void cjk_is_typed_deleted_and_never_cut(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, NULL, 9, 0), MENTO_OK);
    type(ed, "中文的笔记很好");
    assert_int_equal(editor_length(ed), 21);
    /* Nine columns hold four wide characters; the fifth goes to the next row. */
    assert_int_equal(editor_row_count(ed), 2);
    assert_string_equal(row_text(ed, 0), "中文的笔");
    assert_int_equal(editor_row_at(ed, 0).width, 8);
    assert_string_equal(row_text(ed, 1), "记很好");
    cursor_is(ed, 1, 6);
    assert_true(editor_backspace(ed));
    assert_string_equal(editor_text(ed), "中文的笔记很");
    editor_move(ed, EDITOR_TOP, 1);
    editor_move(ed, EDITOR_RIGHT, 1);
    cursor_is(ed, 0, 2);
    assert_true(editor_delete(ed));
    assert_string_equal(editor_text(ed), "中的笔记很");
    /* Down from column 2 lands on a character boundary of the next row. */
    type(ed, "文");
    editor_set_cursor(ed, 3);
    editor_move(ed, EDITOR_DOWN, 1);
    cursor_is(ed, 1, 2);
    assert_int_equal(editor_cursor(ed), 15);
    editor_free(&ed);
}

static void words_wrap_at_the_width(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "the quick brown fox jumps\n\nover", 10, 0), MENTO_OK);
    assert_int_equal(editor_row_count(ed), 5);
    assert_string_equal(row_text(ed, 0), "the quick ");
    assert_string_equal(row_text(ed, 1), "brown fox ");
    assert_string_equal(row_text(ed, 2), "jumps");
    assert_string_equal(row_text(ed, 3), "");
    assert_string_equal(row_text(ed, 4), "over");
    /* A word longer than a row is cut between characters. */
    assert_int_equal(editor_set_width(ed, 8), MENTO_OK);
    editor_set_cursor(ed, 0);
    assert_int_equal(editor_insert_text(ed, "Unbreakableword "), MENTO_OK);
    assert_string_equal(row_text(ed, 0), "Unbreaka");
    assert_string_equal(row_text(ed, 1), "bleword ");
    /* Spaces at a wrap stay on the row, past its width. */
    editor_free(&ed);
    assert_int_equal(editor_new(&ed, "abcdefgh   ijk", 8, 0), MENTO_OK);
    assert_string_equal(row_text(ed, 0), "abcdefgh   ");
    assert_int_equal(editor_row_at(ed, 0).width, 8);
    assert_string_equal(row_text(ed, 1), "ijk");
    /* The end of a wrapped row is shown at the start of the next one. */
    editor_set_cursor(ed, 11);
    cursor_is(ed, 1, 0);
    /* A narrower width than the least is laid out at the least. */
    assert_int_equal(editor_set_width(ed, 2), MENTO_OK);
    assert_string_equal(row_text(ed, 0), "abcdefgh   ");
    editor_free(&ed);
}

static void cursor_moves_by_row_word_and_page(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "first line here\nshort\nthe third line", 40, 0), MENTO_OK);
    editor_set_cursor(ed, 12); /* "first line h|ere" */
    editor_move(ed, EDITOR_DOWN, 1);
    cursor_is(ed, 1, 5); /* the end of "short" */
    editor_move(ed, EDITOR_DOWN, 1);
    cursor_is(ed, 2, 12); /* back at the column aimed for */
    editor_move(ed, EDITOR_UP, 1);
    editor_move(ed, EDITOR_UP, 1);
    cursor_is(ed, 0, 12);
    editor_move(ed, EDITOR_UP, 1);
    assert_int_equal(editor_cursor(ed), 0);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    assert_int_equal(editor_cursor(ed), 5);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    assert_int_equal(editor_cursor(ed), 10);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    assert_int_equal(editor_cursor(ed), 21); /* over the line break, to the end of "short" */
    editor_move(ed, EDITOR_WORD_LEFT, 1);
    assert_int_equal(editor_cursor(ed), 16);
    editor_move(ed, EDITOR_WORD_LEFT, 1);
    assert_int_equal(editor_cursor(ed), 11);
    editor_move(ed, EDITOR_LINE_END, 1);
    assert_int_equal(editor_cursor(ed), 15);
    editor_move(ed, EDITOR_LINE_START, 1);
    assert_int_equal(editor_cursor(ed), 0);
    editor_move(ed, EDITOR_BOTTOM, 1);
    assert_int_equal(editor_cursor(ed), editor_length(ed));
    /* Words in other scripts. */
    editor_free(&ed);
    assert_int_equal(editor_new(&ed, "Nguyễn Thị — Лан", 40, 0), MENTO_OK);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    assert_string_equal(editor_text(ed) + editor_cursor(ed), " Thị — Лан");
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    editor_move(ed, EDITOR_WORD_RIGHT, 1);
    assert_int_equal(editor_cursor(ed), editor_length(ed));
    editor_free(&ed);
    /* Pages, and the first row shown follows the cursor. */
    char many[400] = "";
    for (int i = 0; i < 30; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "line %d\n", i);
    assert_int_equal(editor_new(&ed, many, 40, 0), MENTO_OK);
    assert_int_equal(editor_scroll(ed, 10), 0);
    editor_move(ed, EDITOR_PAGE_DOWN, 10);
    cursor_is(ed, 9, 0);
    assert_int_equal(editor_scroll(ed, 10), 9);
    editor_move(ed, EDITOR_PAGE_DOWN, 10);
    cursor_is(ed, 18, 0);
    editor_move(ed, EDITOR_BOTTOM, 10);
    assert_int_equal(editor_scroll(ed, 10), 21);
    editor_move(ed, EDITOR_PAGE_UP, 10);
    cursor_is(ed, 21, 0);
    assert_int_equal(editor_scroll(ed, 10), 12);
    editor_free(&ed);
}

static void undo_and_redo_in_steps(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "", 40, 0), MENTO_OK);
    type(ed, "Hello world");
    assert_int_equal(editor_insert(ed, '\n'), MENTO_OK);
    type(ed, "Second");
    assert_true(editor_backspace(ed));
    assert_true(editor_backspace(ed));
    assert_string_equal(editor_text(ed), "Hello world\nSeco");
    /* The two Backspaces are one step, the typed line another. */
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Hello world\nSecond");
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Hello world\n");
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Hello world");
    assert_int_equal(editor_cursor(ed), 11);
    assert_true(editor_redo(ed));
    assert_true(editor_redo(ed));
    assert_string_equal(editor_text(ed), "Hello world\nSecond");
    assert_int_equal(editor_cursor(ed), 18);
    /* A new change forgets what could be redone. */
    type(ed, "!");
    assert_false(editor_redo(ed));
    /* Moving ends a typing run. */
    editor_move(ed, EDITOR_TOP, 1);
    type(ed, "Oh, ");
    assert_string_equal(editor_text(ed), "Oh, Hello world\nSecond!");
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Hello world\nSecond!");
    assert_int_equal(editor_cursor(ed), 0);
    /* Delete runs are one step too, and undo puts the cursor back. */
    editor_set_cursor(ed, 5);
    assert_true(editor_delete(ed));
    assert_true(editor_delete(ed));
    assert_string_equal(editor_text(ed), "Helloorld\nSecond!");
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Hello world\nSecond!");
    assert_int_equal(editor_cursor(ed), 5);
    while (editor_undo(ed))
        ;
    assert_string_equal(editor_text(ed), "");
    assert_false(editor_undo(ed));
    editor_free(&ed);

    /* The history is bounded: the oldest steps go. */
    assert_int_equal(editor_new(&ed, "", 40, 0), MENTO_OK);
    for (int i = 0; i < EDITOR_UNDO_MAX + 5; i++) {
        editor_move(ed, EDITOR_BOTTOM, 1);
        assert_int_equal(editor_insert(ed, 'a' + i % 26), MENTO_OK);
    }
    int undone = 0;
    while (editor_undo(ed))
        undone++;
    assert_int_equal(undone, EDITOR_UNDO_MAX);
    assert_int_equal(editor_length(ed), 5);
    int redone = 0;
    while (editor_redo(ed))
        redone++;
    assert_int_equal(redone, EDITOR_UNDO_MAX);
    assert_int_equal(editor_length(ed), EDITOR_UNDO_MAX + 5);
    editor_free(&ed);
}

static void action_items_toggle(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "Title\nCall the HR office\n- [x] Send the CV", 40, 0),
                     MENTO_OK);
    editor_set_cursor(ed, 10); /* in "Call the HR office" */
    assert_int_equal(editor_toggle_item(ed), MENTO_OK);
    assert_string_equal(editor_text(ed), "Title\n[ ] Call the HR office\n- [x] Send the CV");
    assert_int_equal(editor_cursor(ed), 14); /* still before the same letter */
    assert_int_equal(editor_toggle_item(ed), MENTO_OK);
    assert_string_equal(editor_text(ed), "Title\n[x] Call the HR office\n- [x] Send the CV");
    editor_move(ed, EDITOR_BOTTOM, 1);
    assert_int_equal(editor_toggle_item(ed), MENTO_OK);
    assert_string_equal(editor_text(ed), "Title\n[x] Call the HR office\n- [ ] Send the CV");
    /* Undo takes a toggle back. */
    assert_true(editor_undo(ed));
    assert_string_equal(editor_text(ed), "Title\n[x] Call the HR office\n- [x] Send the CV");
    /* An empty line gets a box; toggling it again checks it. */
    assert_int_equal(editor_insert(ed, '\n'), MENTO_OK);
    assert_int_equal(editor_toggle_item(ed), MENTO_OK);
    assert_int_equal(editor_toggle_item(ed), MENTO_OK);
    assert_string_equal(editor_text(ed) + editor_length(ed) - 5, "\n[x] ");

    size_t box, text;
    bool done;
    assert_true(editor_line_item("[ ] Book a room", 15, &box, &text, &done));
    assert_int_equal(box, 0);
    assert_int_equal(text, 4);
    assert_false(done);
    assert_true(editor_line_item("  * [X]   Done it", 17, &box, &text, &done));
    assert_int_equal(box, 4);
    assert_int_equal(text, 10);
    assert_true(done);
    assert_false(editor_line_item("[ ]   ", 6, NULL, NULL, NULL)); /* no text */
    assert_false(editor_line_item("[x]yes", 6, NULL, NULL, NULL));
    assert_false(editor_line_item("[o] no", 6, NULL, NULL, NULL));
    assert_false(editor_line_item("x [ ] no", 8, NULL, NULL, NULL));
    assert_false(editor_line_item("[ ", 2, NULL, NULL, NULL));
    editor_free(&ed);
}

static void outside_text_is_made_editable(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "a\tb\r\nc\rd\x01\x7f e\xff!\xc2\x85z", 40, 0), MENTO_OK);
    assert_string_equal(editor_text(ed), "a    b\nc\nd e\xef\xbf\xbd!z");
    assert_false(editor_modified(ed));
    /* Control characters are not typed; a tab is spaces. */
    assert_int_equal(editor_insert(ed, 0x07), MENTO_ERR_INVALID);
    assert_int_equal(editor_insert(ed, 0x9b), MENTO_ERR_INVALID);
    assert_int_equal(editor_insert(ed, 0xd800), MENTO_ERR_INVALID);
    assert_int_equal(editor_insert(ed, 0x110000), MENTO_ERR_INVALID);
    assert_false(editor_modified(ed));
    editor_set_cursor(ed, 0);
    assert_int_equal(editor_insert(ed, '\t'), MENTO_OK);
    assert_string_equal(editor_text(ed), "    a    b\nc\nd e\xef\xbf\xbd!z");
    editor_free(&ed);
}

static void length_limit_and_saved_mark(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, "abc", 40, 6), MENTO_OK);
    editor_move(ed, EDITOR_BOTTOM, 1);
    type(ed, "de");
    assert_true(editor_modified(ed));
    assert_int_equal(editor_insert(ed, 0x4e2d), MENTO_ERR_TOO_LONG); /* 3 bytes: 8 > 6 */
    assert_int_equal(editor_insert(ed, 'f'), MENTO_OK);
    assert_int_equal(editor_insert(ed, 'g'), MENTO_ERR_TOO_LONG);
    assert_int_equal(editor_insert_text(ed, "xy"), MENTO_ERR_TOO_LONG);
    assert_string_equal(editor_text(ed), "abcdef");
    assert_int_equal(editor_mark_saved(ed), MENTO_OK);
    assert_false(editor_modified(ed));
    assert_true(editor_backspace(ed));
    assert_true(editor_modified(ed));
    /* Back to the saved text by undo: not modified. */
    assert_true(editor_undo(ed));
    assert_false(editor_modified(ed));
    editor_free(&ed);
    editor_free(&ed); /* twice is harmless */
}

static void long_text_grows_and_lays_out(void **state)
{
    (void)state;
    struct editor *ed;
    assert_int_equal(editor_new(&ed, NULL, 20, 0), MENTO_OK);
    for (int i = 0; i < 3000; i++)
        type(ed, i % 7 == 6 ? "語 " : "word ");
    assert_true(editor_row_count(ed) > 500);
    /* Every row fits, and the rows cover the text in order. */
    size_t at = 0;
    for (size_t i = 0; i < editor_row_count(ed); i++) {
        struct editor_row r = editor_row_at(ed, i);
        assert_int_equal(r.start, at);
        assert_true(r.width <= 20);
        at = r.end;
    }
    assert_int_equal(at, editor_length(ed));
    editor_free(&ed);
}

static void notes_to_text_and_back(void **state)
{
    (void)state;
    /* Items in the body show their state; one written elsewhere is added. */
    struct note_item items[] = {{.text = "Send the CV", .done = true},
                                {.text = "Call HR", .done = false},
                                {.text = "Book a room", .done = true}};
    struct note x = {.title = "Weekly check-in",
                     .body = "We talked.\n[ ] Send the CV\n- [x] Call HR  \nThanks.",
                     .items = items,
                     .n_items = 3};
    char *text = editor_note_text(&x);
    assert_non_null(text);
    assert_string_equal(text, "Weekly check-in\nWe talked.\n[x] Send the CV\n- [ ] Call HR  "
                              "\nThanks.\n[x] Book a room");
    struct note_draft d;
    memset(&d, 0, sizeof d);
    char *block = NULL, why[256] = "";
    assert_int_equal(editor_note_draft(text, &d, &block, why, sizeof why), MENTO_OK);
    assert_string_equal(d.title, "Weekly check-in");
    assert_string_equal(d.body,
                        "We talked.\n[x] Send the CV\n- [ ] Call HR  \nThanks.\n[x] Book a room");
    assert_int_equal(d.n_items, 3);
    assert_string_equal(d.items[0].text, "Send the CV");
    assert_true(d.items[0].done);
    assert_string_equal(d.items[1].text, "Call HR"); /* trailing spaces cut */
    assert_false(d.items[1].done);
    assert_string_equal(d.items[2].text, "Book a room");
    assert_true(d.items[2].done);
    /* The same note again gives the same text (nothing new to save). */
    struct note y = {.title = (char *)d.title,
                     .body = (char *)d.body,
                     .items = (struct note_item *)d.items,
                     .n_items = d.n_items};
    char *again = editor_note_text(&y);
    assert_string_equal(again, text);
    editor_wipe_string(again);
    editor_draft_free(&d, &block);
    assert_null(block);
    assert_null(d.items);
    editor_wipe_string(text);

    /* A title alone; items alone. */
    struct note t = {.title = "Only a title", .body = ""};
    text = editor_note_text(&t);
    assert_string_equal(text, "Only a title");
    assert_int_equal(editor_note_draft(text, &d, &block, why, sizeof why), MENTO_OK);
    assert_string_equal(d.body, "");
    assert_int_equal(d.n_items, 0);
    editor_draft_free(&d, &block);
    editor_wipe_string(text);
    struct note_item one = {.text = "Read the handbook"};
    struct note u = {.title = "", .body = "", .items = &one, .n_items = 1};
    text = editor_note_text(&u);
    assert_string_equal(text, "\n[ ] Read the handbook");
    editor_wipe_string(text);

    /* Limits, in words. */
    char *long_title = malloc(NOTES_TITLE_MAX + 10);
    memset(long_title, 'a', NOTES_TITLE_MAX + 1);
    strcpy(long_title + NOTES_TITLE_MAX + 1, "\nbody");
    assert_int_equal(editor_note_draft(long_title, &d, &block, why, sizeof why),
                     MENTO_ERR_TOO_LONG);
    assert_non_null(strstr(why, "title"));
    assert_null(block);
    free(long_title);
    char many[NOTES_ITEMS_MAX * 8 + 64] = "Tasks";
    for (int i = 0; i <= NOTES_ITEMS_MAX; i++)
        strcat(many, "\n[ ] do");
    assert_int_equal(editor_note_draft(many, &d, &block, why, sizeof why), MENTO_ERR_TOO_LONG);
    assert_non_null(strstr(why, "action items"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(combining_marks_stay_with_their_letter),
        cmocka_unit_test(cjk_is_typed_deleted_and_never_cut),
        cmocka_unit_test(words_wrap_at_the_width),
        cmocka_unit_test(cursor_moves_by_row_word_and_page),
        cmocka_unit_test(undo_and_redo_in_steps),
        cmocka_unit_test(action_items_toggle),
        cmocka_unit_test(outside_text_is_made_editable),
        cmocka_unit_test(length_limit_and_saved_mark),
        cmocka_unit_test(long_text_grows_and_lays_out),
        cmocka_unit_test(notes_to_text_and_back),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

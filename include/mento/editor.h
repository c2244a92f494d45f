/* editor.h - the text of the note editor, without a terminal: a UTF-8
 * document edited by code point, the cursor moved by character (a letter and
 * its combining marks together), word, line and page, word-wrapped at a width
 * with wide characters kept whole, a bounded undo history, and action items
 * (lines "[ ] ..." and "[x] ...") checked and unchecked by a key. Every buffer
 * that held the text is wiped before it is freed: the text is a private note. */
#ifndef MENTO_EDITOR_H
#define MENTO_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"
#include "mento/notes.h"

/* Changes kept for undo; the oldest goes first. */
#define EDITOR_UNDO_MAX 200
/* Spaces a Tab inserts (the text never holds a tab: its width would depend on
 * where it stands). */
#define EDITOR_TAB_SPACES 4
/* The narrowest wrapping width: a narrower one is laid out at this one. */
#define EDITOR_MIN_WIDTH 8

struct editor;

/* One screen row of the laid-out text: bytes [start, end) of editor_text(),
 * never holding a '\n', `width` columns wide (spaces at a wrap may go past
 * the width: they are not drawn). */
struct editor_row {
    size_t start, end;
    int width;
};

enum editor_move {
    EDITOR_LEFT,
    EDITOR_RIGHT,
    EDITOR_UP,
    EDITOR_DOWN,
    EDITOR_WORD_LEFT,  /* to the start of this or the previous word */
    EDITOR_WORD_RIGHT, /* to the end of this or the next word */
    EDITOR_LINE_START, /* of the screen row */
    EDITOR_LINE_END,
    EDITOR_PAGE_UP,
    EDITOR_PAGE_DOWN,
    EDITOR_TOP,
    EDITOR_BOTTOM,
};

/* A new editor on a copy of `text` (NULL: empty), laid out at `width`; text
 * that comes from outside is made editable first (see editor_insert_text).
 * Insertions that would make the text longer than `max_bytes` are refused
 * (0: no limit). */
mento_status editor_new(struct editor **out, const char *text, int width, size_t max_bytes);
/* Wipe and free; NULL is allowed. */
void editor_free(struct editor **ed);

/* The whole text, NUL-terminated; valid until the next change. */
const char *editor_text(const struct editor *ed);
size_t editor_length(const struct editor *ed);
/* The cursor, a byte offset on a character boundary. */
size_t editor_cursor(const struct editor *ed);
/* Put the cursor at `offset` (moved back to a character boundary). */
void editor_set_cursor(struct editor *ed, size_t offset);
/* The text differs from the one given or last marked saved. */
bool editor_modified(const struct editor *ed);
/* The text as it is now is the saved one. */
mento_status editor_mark_saved(struct editor *ed);

/* ---- Changes ------------------------------------------------------------------------- *
 * Each returns MENTO_OK, MENTO_ERR_TOO_LONG (past max_bytes: nothing changed)
 * or MENTO_ERR_NOMEM (nothing changed). */

/* Type one code point at the cursor: '\n' breaks the line, '\t' inserts
 * EDITOR_TAB_SPACES spaces; other control characters and invalid code points
 * are refused (MENTO_ERR_INVALID). */
mento_status editor_insert(struct editor *ed, int32_t cp);
/* Insert text at the cursor (a paste, a file): invalid UTF-8 becomes U+FFFD,
 * CR LF and CR become LF, a tab becomes spaces, other control characters
 * are dropped. */
mento_status editor_insert_text(struct editor *ed, const char *text);
/* Remove the code point before the cursor (after a letter with an accent
 * written as a combining mark, the mark); false at the start. */
bool editor_backspace(struct editor *ed);
/* Remove the character after the cursor with its combining marks (or the
 * line break); false at the end. */
bool editor_delete(struct editor *ed);
/* On the cursor's line: an action item is checked or unchecked; any other
 * line becomes an open action item. */
mento_status editor_toggle_item(struct editor *ed);
/* Undo or redo the last change (typing runs are one change); false when
 * there is nothing to undo or redo. */
bool editor_undo(struct editor *ed);
bool editor_redo(struct editor *ed);

/* ---- Layout and movement ------------------------------------------------------------- */

/* Wrap at `width` columns from now on (words move to the next row whole; a
 * word wider than a row is cut between characters). */
mento_status editor_set_width(struct editor *ed, int width);
size_t editor_row_count(const struct editor *ed);
/* Row `i` (< editor_row_count). */
struct editor_row editor_row_at(const struct editor *ed, size_t i);
/* The cursor's row and column (columns from the row's start). */
void editor_cursor_at(const struct editor *ed, size_t *row, int *col);
/* Move the cursor; pages are `page_rows` rows. */
void editor_move(struct editor *ed, enum editor_move m, int page_rows);
/* The first row to show in `rows` rows so that the cursor stays in view,
 * scrolling as little as possible from the last answer. */
size_t editor_scroll(struct editor *ed, int rows);

/* ---- Action items ------------------------------------------------------------------------ */

/* Whether `line` (`len` bytes, no '\n') is an action item: "[ ] text" or
 * "[x] text" ("[X]" too), after optional spaces and an optional "- " or
 * "* ", with some text. *box gets the offset of '[', *text the offset of the
 * item's text; both may be NULL. */
bool editor_line_item(const char *line, size_t len, size_t *box, size_t *text, bool *done);

/* ---- Notes in the editor ---------------------------------------------------------------- */

/* A note as the editor shows it: the title on the first line, then the body.
 * Its action items are lines of the body: each such line shows its item's
 * state, and an item the body lacks (written elsewhere) is added as a line at
 * the end. Caller wipes and frees (editor_wipe_string); NULL when out of
 * memory. */
char *editor_note_text(const struct note *x);
/* The editor's text as a note: the first line is the title, the rest the
 * body, and each action item line of the body an item. The title, body and
 * items point into *block, which the caller frees with editor_draft_free;
 * the draft's id, pairing, session and sharing are left to the caller. A
 * text over a note's limits is refused with the reason in `why`. */
mento_status editor_note_draft(const char *text, struct note_draft *d, char **block, char *why,
                               size_t why_len);
/* Wipe and free what editor_note_draft made (the items array among it). */
void editor_draft_free(struct note_draft *d, char **block);
/* Wipe and free a string (NULL is allowed). */
void editor_wipe_string(char *s);

#endif

/* note.c - the note editor: the text of one note word-wrapped at the pane's
 * width, typed into directly (its own keys save, undo, toggle an action item
 * and move; every other key is text), saved through the notes core; a note
 * changed elsewhere meanwhile is never overwritten without asking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <sodium.h>

#include "mento/app.h"
#include "mento/text.h"
#include "notes_pane.h"

/* The text's width: a column of margin on each side, the right one for the
 * cursor after a full row. */
static int text_width_of(const struct app *app)
{
    return app->cols - 2;
}

bool notes_pane_edit(struct app *app, const char *id, int64_t pairing, int64_t session)
{
    struct notes_pane *p = &app->notes;
    notes_pane_close_editor(app);
    const struct note *x = id ? notes_get(p->notes, id) : NULL;
    if (id && !x) {
        app_message(app, true, "That note is no longer there");
        return false;
    }
    char *text = x ? editor_note_text(x) : NULL;
    if ((x && !text) ||
        editor_new(&p->editor, text, text_width_of(app), NOTES_PANE_TEXT_MAX) != MENTO_OK) {
        editor_wipe_string(text);
        app_message(app, true, "Out of memory for the editor");
        return false;
    }
    p->base = text;
    snprintf(p->editing, sizeof p->editing, "%s", x ? x->id : "");
    p->pairing = x ? x->pairing : pairing;
    p->session = x ? x->session : session;
    p->read_only = x && !x->mine;
    app->screen = SCREEN_EDITOR;
    app->dirty = true;
    return true;
}

void notes_pane_close_editor(struct app *app)
{
    struct notes_pane *p = &app->notes;
    editor_free(&p->editor);
    editor_wipe_string(p->base);
    p->base = NULL;
    p->editing[0] = '\0';
    p->read_only = false;
    if (app->screen == SCREEN_EDITOR)
        app->screen = SCREEN_NOTES;
}

/* ---- Saving ------------------------------------------------------------------------------ */

enum save_how { SAVE_HERE, SAVE_AS_NEW };

/* Save the text; false (with the reason shown) when it was not saved. */
static bool save(struct app *app, enum save_how how)
{
    struct notes_pane *p = &app->notes;
    const char *text = editor_text(p->editor);
    if (!p->editing[0] && !text[0]) {
        app_message(app, true, "Write something first: the first line is the title");
        return false;
    }
    const struct note *x = p->editing[0] ? notes_get(p->notes, p->editing) : NULL;
    struct note_draft d = {.pairing = p->pairing, .session = p->session};
    if (x && how == SAVE_HERE) {
        snprintf(d.id, sizeof d.id, "%s", x->id);
        d.shared = x->shared;
    }
    char *block = NULL, why[NOTES_WHY_LEN] = "";
    bool changed = false;
    if (editor_note_draft(text, &d, &block, why, sizeof why) != MENTO_OK ||
        notes_save(p->notes, &d, &changed, why, sizeof why) != MENTO_OK) {
        editor_draft_free(&d, &block);
        notes_pane_say(app, true, "Not saved: ", why);
        return false;
    }
    editor_draft_free(&d, &block);
    bool was_new = !x;
    snprintf(p->editing, sizeof p->editing, "%s", d.id);
    snprintf(p->selected, sizeof p->selected, "%s", d.id);
    editor_mark_saved(p->editor);
    /* What the note is now, to notice a change made elsewhere meanwhile. */
    editor_wipe_string(p->base);
    x = notes_get(p->notes, p->editing);
    p->base = x ? editor_note_text(x) : NULL;
    const char *when = app_link_ok(app) ? "" : " (sent at the next sync)";
    if (how == SAVE_AS_NEW)
        app_message(app, false, "Saved as a new note beside the other%s", when);
    else if (!changed)
        app_message(app, false, "Saved: no change since the last save");
    else
        app_message(app, false, "%s%s", was_new ? "Saved: a new note" : "Saved", when);
    if (app->net && changed)
        sync_request(&app->sync);
    return true;
}

static const char *const elsewhere_choices[] = {"keep both: mine as a new note",
                                                "replace it with mine", "go on writing"};

static void after_save(struct app *app, bool then_close)
{
    if (then_close)
        notes_pane_close_editor(app);
}

static void elsewhere_given(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    bool then_close = app->form_ref == 1;
    if (r != FORM_ACCEPTED || !p->editor)
        return;
    size_t c = app->form.fields[0].choice;
    if (c == 2)
        return;
    if (save(app, c == 0 ? SAVE_AS_NEW : SAVE_HERE))
        after_save(app, then_close);
}

/* Save, unless the note changed elsewhere (another device, a sync) since
 * the editor opened it: then ask. */
static void save_checked(struct app *app, bool then_close)
{
    struct notes_pane *p = &app->notes;
    const struct note *x = p->editing[0] ? notes_get(p->notes, p->editing) : NULL;
    if (p->editing[0] && !x) {
        /* Deleted elsewhere: the text is not lost, it becomes a new note. */
        if (save(app, SAVE_AS_NEW))
            after_save(app, then_close);
        return;
    }
    char *now = x ? editor_note_text(x) : NULL;
    bool moved = x && p->base && now && strcmp(now, p->base) != 0;
    editor_wipe_string(now);
    if (!moved) {
        if (save(app, SAVE_HERE))
            after_save(app, then_close);
        return;
    }
    form_init(&app->form, "This note changed elsewhere while you wrote",
              "Another device of yours (or a sync) changed it since the editor opened it.");
    struct form_field *f = form_add(&app->form, FORM_CHOICE, "Then", true);
    f->choices = elsewhere_choices;
    f->n_choices = 3;
    app_form_open(app, elsewhere_given, then_close ? 1 : 0);
}

static const char *const close_choices[] = {"save and close", "close without saving",
                                            "go on writing"};

static void close_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED || !app->notes.editor)
        return;
    size_t c = app->form.fields[0].choice;
    if (c == 0)
        save_checked(app, true);
    else if (c == 1) {
        notes_pane_close_editor(app);
        app_message(app, false, "Closed without saving");
    }
}

/* Esc: close, asking first when there is something not saved. */
static void editor_close(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->read_only || !editor_modified(p->editor)) {
        notes_pane_close_editor(app);
        return;
    }
    form_init(&app->form, "The note has changes that are not saved",
              "Left and Right choose, Enter does it; Esc goes on writing.");
    struct form_field *f = form_add(&app->form, FORM_CHOICE, "Then", true);
    f->choices = close_choices;
    f->n_choices = 3;
    app_form_open(app, close_given, 0);
}

/* ---- The screen ----------------------------------------------------------------------------- */

static void editor_hint(struct app *app, int y, int cols)
{
    static const enum request reqs[] = {REQ_NOTE_SAVE, REQ_BACK, REQ_ITEM_TOGGLE, REQ_UNDO};
    static const char *const words[] = {"save", "close", "action item", "undo"};
    char line[400] = "";
    size_t used = 0;
    size_t n = app->notes.read_only ? 2 : 4;
    for (size_t i = 0; i < n; i++) {
        if (app->notes.read_only && reqs[i] == REQ_NOTE_SAVE)
            continue;
        char k[32];
        app_first_key(app, SCREEN_EDITOR, reqs[i], k, sizeof k);
        if (!k[0])
            continue;
        snprintf(line + used, sizeof line - used, "%s%s %s", used ? " · " : "", k, words[i]);
        used = strlen(line);
    }
    app_put(app, y, 0, cols, line, A_DIM);
}

static void note_draw(struct app *app, int top, int rows, int cols)
{
    struct notes_pane *p = &app->notes;
    if (!p->editor) {
        app->screen = SCREEN_NOTES;
        return;
    }
    editor_set_width(p->editor, text_width_of(app));
    char about[200], who[128], head[400];
    notes_pane_about(app, p->pairing, p->session, about, sizeof about);
    const struct note *x = p->editing[0] ? notes_get(p->notes, p->editing) : NULL;
    if (p->read_only) {
        notes_pane_partner(app, p->pairing, who, sizeof who);
        snprintf(head, sizeof head, "%s's note, about %s · read only", who, about);
    } else {
        snprintf(head, sizeof head, "%s about %s%s", x ? "Note" : "New note", about,
                 x && x->shared ? " · shared" : "");
    }
    const char *state = p->read_only                 ? ""
                        : editor_modified(p->editor) ? "not saved"
                        : p->editing[0]              ? "saved"
                                                     : "new";
    int sw = text_width(state);
    app_put(app, top, 0, cols - sw - 2, head, A_BOLD);
    app_put(app, top, cols - sw, sw, state, editor_modified(p->editor) ? A_BOLD : 0);
    int text_rows = rows - 2 > 1 ? rows - 2 : 1;
    size_t first = editor_scroll(p->editor, text_rows);
    if (!editor_length(p->editor) && !p->read_only) {
        /* What goes where, until something is written. */
        app_put(app, top + 2, 1, cols - 2,
                "The first line is the title; the text follows on the next lines.", A_DIM);
        char k[32] = "", line[200];
        app_first_key(app, SCREEN_EDITOR, REQ_ITEM_TOGGLE, k, sizeof k);
        snprintf(line, sizeof line,
                 "A line that starts with [ ] is an action item; %s checks or unchecks it.",
                 k[0] ? k : "item-toggle");
        app_put(app, top + 3, 1, cols - 2, line, A_DIM);
    }
    const char *text = editor_text(p->editor);
    const char *nl = strchr(text, '\n');
    size_t title_end = nl ? (size_t)(nl - text) : strlen(text);
    for (int i = 0; i < text_rows && first + (size_t)i < editor_row_count(p->editor); i++) {
        struct editor_row r = editor_row_at(p->editor, first + (size_t)i);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(r.end - r.start), text + r.start);
        /* Spaces at a wrap are not drawn. */
        size_t len = strlen(line);
        while (len && line[len - 1] == ' ')
            line[--len] = '\0';
        app_put(app, top + 1 + i, 1, cols - 2, line, r.start < title_end ? A_BOLD : 0);
        sodium_memzero(line, sizeof line);
    }
    size_t row;
    int col;
    editor_cursor_at(p->editor, &row, &col);
    if (row >= first && row < first + (size_t)text_rows) {
        app->cursor_y = top + 1 + (int)(row - first);
        app->cursor_x = 1 + (col < text_width_of(app) ? col : text_width_of(app));
    }
    editor_hint(app, top + rows - 1, cols);
}

static void refuse_read_only(struct app *app)
{
    char who[128];
    notes_pane_partner(app, app->notes.pairing, who, sizeof who);
    app_message(app, false, "This is %s's note: only its author can change it", who);
}

static void inserted(struct app *app, mento_status st)
{
    if (st == MENTO_ERR_TOO_LONG)
        app_message(app, true, "The note is at its longest (%d KiB)", NOTES_BODY_MAX / 1024);
    else if (st == MENTO_ERR_NOMEM)
        app_message(app, true, "Out of memory: the key was not taken");
}

static int note_handle(struct app *app, enum request req)
{
    struct notes_pane *p = &app->notes;
    struct editor *ed = p->editor;
    if (!ed) {
        app->screen = SCREEN_NOTES;
        return APP_REDRAW;
    }
    struct layout_frame frame;
    layout_frame(app->rows, app->cols, &frame);
    int page = frame.pane_rows - 2;
    bool changes =
        req == REQ_NOTE_SAVE || req == REQ_UNDO || req == REQ_REDO || req == REQ_ITEM_TOGGLE;
    if (changes && p->read_only) {
        refuse_read_only(app);
        return APP_REDRAW;
    }
    switch (req) {
    case REQ_NOTE_SAVE:
        save_checked(app, false);
        break;
    case REQ_BACK:
        editor_close(app);
        break;
    case REQ_UNDO:
        if (!editor_undo(ed))
            app_message(app, false, "Nothing to undo");
        break;
    case REQ_REDO:
        if (!editor_redo(ed))
            app_message(app, false, "Nothing to redo");
        break;
    case REQ_ITEM_TOGGLE:
        inserted(app, editor_toggle_item(ed));
        break;
    case REQ_MOVE_LEFT:
        editor_move(ed, EDITOR_LEFT, page);
        break;
    case REQ_MOVE_RIGHT:
        editor_move(ed, EDITOR_RIGHT, page);
        break;
    case REQ_MOVE_UP:
        editor_move(ed, EDITOR_UP, page);
        break;
    case REQ_MOVE_DOWN:
        editor_move(ed, EDITOR_DOWN, page);
        break;
    case REQ_WORD_LEFT:
        editor_move(ed, EDITOR_WORD_LEFT, page);
        break;
    case REQ_WORD_RIGHT:
        editor_move(ed, EDITOR_WORD_RIGHT, page);
        break;
    case REQ_LINE_START:
        editor_move(ed, EDITOR_LINE_START, page);
        break;
    case REQ_LINE_END:
        editor_move(ed, EDITOR_LINE_END, page);
        break;
    case REQ_PAGE_UP:
        editor_move(ed, EDITOR_PAGE_UP, page);
        break;
    case REQ_PAGE_DOWN:
        editor_move(ed, EDITOR_PAGE_DOWN, page);
        break;
    case REQ_MOVE_FIRST:
        editor_move(ed, EDITOR_TOP, page);
        break;
    case REQ_MOVE_LAST:
        editor_move(ed, EDITOR_BOTTOM, page);
        break;
    default: {
        char k[32] = "";
        app_first_key(app, SCREEN_EDITOR, REQ_BACK, k, sizeof k);
        app_message(app, false, "%s: not in the editor (%s closes it)", request_name(req),
                    k[0] ? k : "back");
        break;
    }
    }
    return APP_REDRAW;
}

/* Every key the editor's own section does not bind: text. */
static int note_key(struct app *app, mento_key key, int ch)
{
    struct notes_pane *p = &app->notes;
    struct editor *ed = p->editor;
    if (!ed) {
        app->screen = SCREEN_NOTES;
        return APP_REDRAW;
    }
    bool edit = key == MKEY_ENTER || key == MKEY_TAB || key == MKEY_BACKSPACE || key == MKEY_DEL ||
                (ch >= 0x20 && !(key & MKEY_ALT));
    if (edit && p->read_only) {
        refuse_read_only(app);
        return APP_REDRAW;
    }
    if (key == MKEY_ENTER)
        inserted(app, editor_insert(ed, '\n'));
    else if (key == MKEY_TAB)
        inserted(app, editor_insert(ed, '\t'));
    else if (key == MKEY_BACKSPACE || key == MKEY_CTRL('h'))
        editor_backspace(ed);
    else if (key == MKEY_DEL)
        editor_delete(ed);
    else if (ch >= 0x20 && !(key & MKEY_ALT))
        inserted(app, editor_insert(ed, ch));
    else {
        char name[32], k[32] = "";
        key_to_name(key, name, sizeof name);
        app_first_key(app, SCREEN_EDITOR, REQ_BACK, k, sizeof k);
        app_message(app, false, "%s does nothing in the editor; %s closes it", name,
                    k[0] ? k : "back");
    }
    return APP_REDRAW;
}

const struct screen_ops screen_EDITOR_ops = {
    .draw = note_draw,
    .handle = note_handle,
    .key = note_key,
};

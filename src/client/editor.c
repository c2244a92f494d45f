/* editor.c - the note editor's text: one UTF-8 buffer changed in place, laid
 * out in rows at a width, and a bounded history of changes for undo; every
 * copy of the text is wiped before its memory goes back. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <sodium.h>

#include "mento/editor.h"
#include "mento/text.h"

enum change_kind { CHANGE_TYPING, CHANGE_BACKSPACE, CHANGE_DELETE, CHANGE_OTHER };

/* One change: at `at`, `removed` was replaced by `inserted`. */
struct change {
    enum change_kind kind;
    size_t at;
    char *removed, *inserted;
    size_t rlen, ilen;
    size_t before, after; /* the cursor */
};

struct editor {
    char *text;
    size_t len, cap, max;
    size_t cursor;
    int goal; /* the column vertical moves aim for (-1: the cursor's) */
    char *saved;
    size_t saved_len;
    struct change undo[EDITOR_UNDO_MAX], redo[EDITOR_UNDO_MAX];
    size_t n_undo, n_redo;
    bool sealed; /* the next change starts a new undo step */
    int width;
    struct editor_row *rows;
    size_t n_rows, rows_cap;
    size_t top;
};

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* ---- Memory that held the text ------------------------------------------------------- */

static void wipe_free(void *p, size_t n)
{
    if (p) {
        sodium_memzero(p, n);
        free(p);
    }
}

static char *copy_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Room for `need` bytes and a NUL; never realloc, which would leave the old
 * block unwiped. */
static bool reserve(struct editor *ed, size_t need)
{
    if (need + 1 <= ed->cap)
        return true;
    size_t cap = ed->cap ? ed->cap : 256;
    while (cap < need + 1)
        cap *= 2;
    char *p = malloc(cap);
    if (!p)
        return false;
    memcpy(p, ed->text, ed->len + 1);
    wipe_free(ed->text, ed->cap);
    ed->text = p;
    ed->cap = cap;
    return true;
}

static void change_free(struct change *c)
{
    wipe_free(c->removed, c->rlen + 1);
    wipe_free(c->inserted, c->ilen + 1);
    memset(c, 0, sizeof *c);
}

static void redo_clear(struct editor *ed)
{
    for (size_t i = 0; i < ed->n_redo; i++)
        change_free(&ed->redo[i]);
    ed->n_redo = 0;
}

/* ---- Characters -------------------------------------------------------------------------- */

static int cp_width(int cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

static int cp_at(const struct editor *ed, size_t at, size_t *n)
{
    int cp = 0;
    size_t k = text_next(ed->text + at, &cp);
    if (n)
        *n = k ? k : 1;
    return cp;
}

/* A combining mark or another character drawn with the one before it. */
static bool joins_previous(int cp)
{
    return cp > 0 && cp != '\n' && cp_width(cp) == 0;
}

static size_t prev_cp(const struct editor *ed, size_t at)
{
    if (at == 0)
        return 0;
    size_t i = at - 1;
    while (i > 0 && ((unsigned char)ed->text[i] & 0xc0) == 0x80)
        i--;
    return i;
}

/* The next character boundary: past one code point and the marks that join it. */
static size_t cluster_next(const struct editor *ed, size_t at)
{
    if (at >= ed->len)
        return ed->len;
    size_t n;
    int cp = cp_at(ed, at, &n);
    at += n;
    if (cp == '\n')
        return at;
    while (at < ed->len && joins_previous(cp_at(ed, at, &n)))
        at += n;
    return at;
}

static size_t cluster_prev(const struct editor *ed, size_t at)
{
    if (at == 0)
        return 0;
    size_t p = prev_cp(ed, at);
    while (p > 0 && joins_previous(cp_at(ed, p, NULL))) {
        size_t q = prev_cp(ed, p);
        if (ed->text[q] == '\n')
            break;
        p = q;
    }
    return p;
}

/* `at` moved back onto a character boundary. */
static size_t snap(const struct editor *ed, size_t at)
{
    if (at > ed->len)
        at = ed->len;
    while (at > 0 && ((unsigned char)ed->text[at] & 0xc0) == 0x80)
        at--;
    while (at > 0 && at < ed->len && joins_previous(cp_at(ed, at, NULL)) &&
           ed->text[prev_cp(ed, at)] != '\n')
        at = prev_cp(ed, at);
    return at;
}

static bool is_word(int cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               cp == '_' || cp == '\'';
    /* No-break and typographic spaces, dashes, quotes and the ellipsis part
     * words; every other letter of any script is part of one. */
    return !(cp == 0xa0 || (cp >= 0x2000 && cp <= 0x206f) || cp == 0x3000 || cp == 0x3001 ||
             cp == 0x3002);
}

/* ---- Making outside text editable --------------------------------------------------------- */

/* A copy of `s` as the editor keeps text (see editor_insert_text) in a
 * block of *cap bytes; caller wipes and frees. */
static char *normalise(const char *s, size_t *len, size_t *cap)
{
    /* A byte may become U+FFFD (3 bytes), a tab EDITOR_TAB_SPACES spaces. */
    size_t per = EDITOR_TAB_SPACES > 3 ? EDITOR_TAB_SPACES : 3;
    *cap = strlen(s) * per + 1;
    char *out = malloc(*cap);
    if (!out)
        return NULL;
    size_t o = 0, n;
    int cp;
    for (const char *p = s; (n = text_next(p, &cp)) > 0; p += n) {
        if (cp < 0) {
            memcpy(out + o, replacement, 3);
            o += 3;
        } else if (cp == '\r') {
            if (p[1] != '\n')
                out[o++] = '\n';
        } else if (cp == '\t') {
            for (int i = 0; i < EDITOR_TAB_SPACES; i++)
                out[o++] = ' ';
        } else if (cp == '\n' || !(cp < 0x20 || (cp >= 0x7f && cp < 0xa0))) {
            memcpy(out + o, p, n);
            o += n;
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/* ---- Layout ---------------------------------------------------------------------------------- */

static bool row_add(struct editor *ed, size_t start, size_t end, int width)
{
    if (ed->n_rows == ed->rows_cap) {
        size_t cap = ed->rows_cap ? ed->rows_cap * 2 : 64;
        struct editor_row *r = realloc(ed->rows, cap * sizeof *r);
        if (!r)
            return false;
        ed->rows = r;
        ed->rows_cap = cap;
    }
    ed->rows[ed->n_rows++] = (struct editor_row){.start = start, .end = end, .width = width};
    return true;
}

/* The rows of the line [ls, le). */
static bool wrap_line(struct editor *ed, size_t ls, size_t le)
{
    if (ls == le)
        return row_add(ed, ls, ls, 0);
    size_t pos = ls;
    while (pos < le) {
        int w = 0, brk_w = 0;
        size_t i = pos, brk = 0, n;
        while (i < le) {
            int cp = cp_at(ed, i, &n);
            int cw = cp_width(cp);
            if (cw > 0 && w + cw > ed->width && i > pos)
                break;
            i += n;
            w += cw;
            if (cp == ' ')
                brk = i, brk_w = w;
        }
        if (i >= le)
            return row_add(ed, pos, le, w);
        if (ed->text[i] == ' ') {
            /* Spaces at the wrap stay on the row, past its width, unseen. */
            size_t end = i;
            while (end < le && ed->text[end] == ' ')
                end++;
            if (!row_add(ed, pos, end, w))
                return false;
            pos = end;
        } else if (brk > pos) {
            if (!row_add(ed, pos, brk, brk_w))
                return false;
            pos = brk;
        } else {
            /* A word wider than the row: cut between two characters. */
            if (!row_add(ed, pos, i, w))
                return false;
            pos = i;
        }
    }
    return true;
}

static mento_status layout(struct editor *ed)
{
    ed->n_rows = 0;
    size_t ls = 0;
    for (;;) {
        const char *nl = memchr(ed->text + ls, '\n', ed->len - ls);
        size_t le = nl ? (size_t)(nl - ed->text) : ed->len;
        if (!wrap_line(ed, ls, le)) {
            ed->n_rows = 0;
            return MENTO_ERR_NOMEM;
        }
        if (!nl)
            break;
        ls = le + 1;
    }
    return MENTO_OK;
}

/* The row the offset is shown on: the last one starting at or before it. */
static size_t row_of(const struct editor *ed, size_t at)
{
    size_t lo = 0, hi = ed->n_rows;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ed->rows[mid].start <= at)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int width_between(const struct editor *ed, size_t from, size_t to)
{
    int w = 0;
    size_t n;
    while (from < to) {
        w += cp_width(cp_at(ed, from, &n));
        from += n;
    }
    return w;
}

/* A row that a wrap ends (the next one goes on with the same line). */
static bool row_wraps(const struct editor *ed, size_t r)
{
    return r + 1 < ed->n_rows && ed->rows[r + 1].start == ed->rows[r].end;
}

/* The offset in row `r` nearest to column `goal` from the left. */
static size_t offset_in_row(const struct editor *ed, size_t r, int goal)
{
    const struct editor_row *row = &ed->rows[r];
    size_t pos = row->start;
    int w = 0;
    while (pos < row->end) {
        size_t next = cluster_next(ed, pos);
        if (next > row->end)
            next = row->end;
        int cw = width_between(ed, pos, next);
        if (w + cw > goal)
            break;
        w += cw;
        pos = next;
    }
    /* The end of a wrapped row is shown at the start of the next one. */
    if (pos == row->end && row_wraps(ed, r) && pos > row->start)
        pos = cluster_prev(ed, pos);
    return pos;
}

/* ---- Life ------------------------------------------------------------------------------------ */

mento_status editor_new(struct editor **out, const char *text, int width, size_t max_bytes)
{
    *out = NULL;
    struct editor *ed = calloc(1, sizeof *ed);
    if (!ed)
        return MENTO_ERR_NOMEM;
    ed->max = max_bytes;
    ed->goal = -1;
    ed->width = width < EDITOR_MIN_WIDTH ? EDITOR_MIN_WIDTH : width;
    size_t len = 0, cap = 0;
    char *t = normalise(text ? text : "", &len, &cap);
    if (!t) {
        free(ed);
        return MENTO_ERR_NOMEM;
    }
    ed->text = t;
    ed->len = len;
    ed->cap = cap;
    ed->saved = copy_bytes(t, len);
    ed->saved_len = len;
    if (!ed->saved || layout(ed) != MENTO_OK) {
        editor_free(&ed);
        return MENTO_ERR_NOMEM;
    }
    *out = ed;
    return MENTO_OK;
}

void editor_free(struct editor **edp)
{
    if (!edp || !*edp)
        return;
    struct editor *ed = *edp;
    wipe_free(ed->text, ed->cap);
    wipe_free(ed->saved, ed->saved_len + 1);
    for (size_t i = 0; i < ed->n_undo; i++)
        change_free(&ed->undo[i]);
    redo_clear(ed);
    free(ed->rows);
    free(ed);
    *edp = NULL;
}

const char *editor_text(const struct editor *ed)
{
    return ed->text;
}

size_t editor_length(const struct editor *ed)
{
    return ed->len;
}

size_t editor_cursor(const struct editor *ed)
{
    return ed->cursor;
}

void editor_set_cursor(struct editor *ed, size_t offset)
{
    ed->cursor = snap(ed, offset);
    ed->goal = -1;
    ed->sealed = true;
}

bool editor_modified(const struct editor *ed)
{
    return ed->len != ed->saved_len || memcmp(ed->text, ed->saved, ed->len) != 0;
}

mento_status editor_mark_saved(struct editor *ed)
{
    char *copy = copy_bytes(ed->text, ed->len);
    if (!copy)
        return MENTO_ERR_NOMEM;
    wipe_free(ed->saved, ed->saved_len + 1);
    ed->saved = copy;
    ed->saved_len = ed->len;
    return MENTO_OK;
}

/* ---- Changes ------------------------------------------------------------------------------- */

/* Replace [at, at + rlen) by `ins` without history. */
static mento_status splice(struct editor *ed, size_t at, size_t rlen, const char *ins, size_t ilen)
{
    if (!reserve(ed, ed->len - rlen + ilen))
        return MENTO_ERR_NOMEM;
    memmove(ed->text + at + ilen, ed->text + at + rlen, ed->len - at - rlen + 1);
    if (ilen)
        memcpy(ed->text + at, ins, ilen);
    if (rlen > ilen)
        sodium_memzero(ed->text + ed->len - rlen + ilen + 1, rlen - ilen);
    ed->len = ed->len - rlen + ilen;
    return layout(ed);
}

/* Grow a kept piece of text by `add` at its end or (front) its start. */
static bool piece_grow(char **piece, size_t *len, const char *add, size_t n, bool front)
{
    char *p = malloc(*len + n + 1);
    if (!p)
        return false;
    if (front) {
        memcpy(p, add, n);
        memcpy(p + n, *piece, *len + 1);
    } else {
        memcpy(p, *piece, *len);
        memcpy(p + *len, add, n);
        p[*len + n] = '\0';
    }
    wipe_free(*piece, *len + 1);
    *piece = p;
    *len += n;
    return true;
}

/* Make a change and keep it for undo: a typing run or a run of
 * Backspace or Delete grows the last step instead of adding one. */
static mento_status change(struct editor *ed, enum change_kind kind, size_t at, size_t rlen,
                           const char *ins, size_t ilen, size_t after)
{
    if (ed->max && ed->len - rlen + ilen > ed->max && ilen > rlen)
        return MENTO_ERR_TOO_LONG;
    struct change *last = ed->n_undo ? &ed->undo[ed->n_undo - 1] : NULL;
    bool grow = last && !ed->sealed && last->kind == kind && kind != CHANGE_OTHER &&
                ((kind == CHANGE_TYPING && at == last->at + last->ilen && rlen == 0) ||
                 (kind == CHANGE_BACKSPACE && at + rlen == last->at && ilen == 0) ||
                 (kind == CHANGE_DELETE && at == last->at && ilen == 0));
    char *removed = copy_bytes(ed->text + at, rlen);
    if (!removed)
        return MENTO_ERR_NOMEM;
    if (grow) {
        bool ok = kind == CHANGE_TYPING ? piece_grow(&last->inserted, &last->ilen, ins, ilen, false)
                                        : piece_grow(&last->removed, &last->rlen, removed, rlen,
                                                     kind == CHANGE_BACKSPACE);
        wipe_free(removed, rlen + 1);
        if (!ok)
            return MENTO_ERR_NOMEM;
        if (kind == CHANGE_BACKSPACE)
            last->at = at;
    } else {
        char *inserted = copy_bytes(ins, ilen);
        if (!inserted) {
            wipe_free(removed, rlen + 1);
            return MENTO_ERR_NOMEM;
        }
        if (ed->n_undo == EDITOR_UNDO_MAX) {
            change_free(&ed->undo[0]);
            memmove(ed->undo, ed->undo + 1, (EDITOR_UNDO_MAX - 1) * sizeof ed->undo[0]);
            ed->n_undo--;
        }
        ed->undo[ed->n_undo++] = (struct change){.kind = kind,
                                                 .at = at,
                                                 .removed = removed,
                                                 .rlen = rlen,
                                                 .inserted = inserted,
                                                 .ilen = ilen,
                                                 .before = ed->cursor};
        last = &ed->undo[ed->n_undo - 1];
    }
    redo_clear(ed);
    mento_status st = splice(ed, at, rlen, ins, ilen);
    ed->cursor = after;
    last->after = after;
    ed->sealed = kind == CHANGE_OTHER;
    ed->goal = -1;
    return st;
}

mento_status editor_insert(struct editor *ed, int32_t cp)
{
    if (cp == '\t') {
        char spaces[EDITOR_TAB_SPACES];
        memset(spaces, ' ', sizeof spaces);
        return change(ed, CHANGE_TYPING, ed->cursor, 0, spaces, sizeof spaces,
                      ed->cursor + sizeof spaces);
    }
    if ((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp < 0xa0) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return MENTO_ERR_INVALID;
    char enc[4];
    size_t n;
    if (cp < 0x80) {
        enc[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        enc[0] = (char)(0xc0 | (cp >> 6));
        enc[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        enc[0] = (char)(0xe0 | (cp >> 12));
        enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        enc[0] = (char)(0xf0 | (cp >> 18));
        enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    /* A line break ends a typing run: undo takes back a line at a time. */
    if (cp == '\n')
        ed->sealed = true;
    mento_status st = change(ed, CHANGE_TYPING, ed->cursor, 0, enc, n, ed->cursor + n);
    if (cp == '\n')
        ed->sealed = true;
    sodium_memzero(enc, sizeof enc);
    return st;
}

mento_status editor_insert_text(struct editor *ed, const char *text)
{
    size_t len = 0, cap = 0;
    char *t = normalise(text ? text : "", &len, &cap);
    if (!t)
        return MENTO_ERR_NOMEM;
    mento_status st =
        len ? change(ed, CHANGE_OTHER, ed->cursor, 0, t, len, ed->cursor + len) : MENTO_OK;
    wipe_free(t, cap);
    return st;
}

bool editor_backspace(struct editor *ed)
{
    if (ed->cursor == 0)
        return false;
    size_t from = prev_cp(ed, ed->cursor);
    return change(ed, CHANGE_BACKSPACE, from, ed->cursor - from, "", 0, from) == MENTO_OK;
}

bool editor_delete(struct editor *ed)
{
    if (ed->cursor >= ed->len)
        return false;
    size_t to = cluster_next(ed, ed->cursor);
    return change(ed, CHANGE_DELETE, ed->cursor, to - ed->cursor, "", 0, ed->cursor) == MENTO_OK;
}

/* The box of a line, with or without text after it. */
static bool line_box(const char *line, size_t len, size_t *box, size_t *text, bool *done,
                     bool *has_text)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i + 1 < len && (line[i] == '-' || line[i] == '*') && line[i + 1] == ' ')
        i += 2;
    if (i + 3 > len || line[i] != '[' || line[i + 2] != ']')
        return false;
    char m = line[i + 1];
    if (m != ' ' && m != 'x' && m != 'X')
        return false;
    size_t j = i + 3;
    if (j < len && line[j] != ' ')
        return false;
    while (j < len && line[j] == ' ')
        j++;
    if (box)
        *box = i;
    if (text)
        *text = j;
    if (done)
        *done = m != ' ';
    if (has_text)
        *has_text = j < len;
    return true;
}

bool editor_line_item(const char *line, size_t len, size_t *box, size_t *text, bool *done)
{
    bool has_text = false;
    return line_box(line, len, box, text, done, &has_text) && has_text;
}

mento_status editor_toggle_item(struct editor *ed)
{
    size_t ls = ed->cursor;
    while (ls > 0 && ed->text[ls - 1] != '\n')
        ls--;
    const char *nl = memchr(ed->text + ls, '\n', ed->len - ls);
    size_t le = nl ? (size_t)(nl - ed->text) : ed->len;
    size_t box = 0;
    bool done = false, has_text = false;
    size_t cursor = ed->cursor;
    mento_status st;
    if (line_box(ed->text + ls, le - ls, &box, NULL, &done, &has_text)) {
        st = change(ed, CHANGE_OTHER, ls + box + 1, 1, done ? " " : "x", 1, cursor);
    } else {
        size_t at = ls;
        while (at < le && ed->text[at] == ' ')
            at++;
        st = change(ed, CHANGE_OTHER, at, 0, "[ ] ", 4, cursor >= at ? cursor + 4 : cursor);
    }
    return st;
}

/* Apply a kept change backwards (undo) or forwards (redo). */
static bool replay(struct editor *ed, bool back)
{
    struct change *from = back ? ed->undo : ed->redo, *to = back ? ed->redo : ed->undo;
    size_t *n_from = back ? &ed->n_undo : &ed->n_redo, *n_to = back ? &ed->n_redo : &ed->n_undo;
    if (*n_from == 0)
        return false;
    struct change c = from[*n_from - 1];
    mento_status st = back ? splice(ed, c.at, c.ilen, c.removed, c.rlen)
                           : splice(ed, c.at, c.rlen, c.inserted, c.ilen);
    if (st != MENTO_OK)
        return false;
    (*n_from)--;
    if (*n_to == EDITOR_UNDO_MAX) {
        change_free(&to[0]);
        memmove(to, to + 1, (EDITOR_UNDO_MAX - 1) * sizeof to[0]);
        (*n_to)--;
    }
    to[(*n_to)++] = c;
    ed->cursor = snap(ed, back ? c.before : c.after);
    ed->sealed = true;
    ed->goal = -1;
    return true;
}

bool editor_undo(struct editor *ed)
{
    return replay(ed, true);
}

bool editor_redo(struct editor *ed)
{
    return replay(ed, false);
}

/* ---- Layout and movement -------------------------------------------------------------------- */

mento_status editor_set_width(struct editor *ed, int width)
{
    if (width < EDITOR_MIN_WIDTH)
        width = EDITOR_MIN_WIDTH;
    if (width == ed->width && ed->n_rows)
        return MENTO_OK;
    ed->width = width;
    return layout(ed);
}

size_t editor_row_count(const struct editor *ed)
{
    return ed->n_rows;
}

struct editor_row editor_row_at(const struct editor *ed, size_t i)
{
    if (i >= ed->n_rows)
        return (struct editor_row){.start = ed->len, .end = ed->len};
    return ed->rows[i];
}

void editor_cursor_at(const struct editor *ed, size_t *row, int *col)
{
    size_t r = ed->n_rows ? row_of(ed, ed->cursor) : 0;
    *row = r;
    *col = ed->n_rows ? width_between(ed, ed->rows[r].start, ed->cursor) : 0;
}

/* Up or down `delta` rows, aiming at the goal column. */
static void move_rows(struct editor *ed, long delta)
{
    if (!ed->n_rows)
        return;
    size_t r;
    int col;
    editor_cursor_at(ed, &r, &col);
    if (ed->goal < 0)
        ed->goal = col;
    long t = (long)r + delta;
    if (t < 0) {
        ed->cursor = 0;
        return;
    }
    if ((size_t)t >= ed->n_rows) {
        ed->cursor = ed->len;
        return;
    }
    ed->cursor = offset_in_row(ed, (size_t)t, ed->goal);
}

static void move_word(struct editor *ed, bool right)
{
    size_t at = ed->cursor;
    if (right) {
        while (at < ed->len && !is_word(cp_at(ed, at, NULL)))
            at = cluster_next(ed, at);
        while (at < ed->len && is_word(cp_at(ed, at, NULL)))
            at = cluster_next(ed, at);
    } else {
        while (at > 0 && !is_word(cp_at(ed, cluster_prev(ed, at), NULL)))
            at = cluster_prev(ed, at);
        while (at > 0 && is_word(cp_at(ed, cluster_prev(ed, at), NULL)))
            at = cluster_prev(ed, at);
    }
    ed->cursor = at;
}

void editor_move(struct editor *ed, enum editor_move m, int page_rows)
{
    int page = page_rows > 1 ? page_rows - 1 : 1;
    bool vertical =
        m == EDITOR_UP || m == EDITOR_DOWN || m == EDITOR_PAGE_UP || m == EDITOR_PAGE_DOWN;
    if (!vertical)
        ed->goal = -1;
    size_t r;
    int col;
    switch (m) {
    case EDITOR_LEFT:
        ed->cursor = cluster_prev(ed, ed->cursor);
        break;
    case EDITOR_RIGHT:
        ed->cursor = cluster_next(ed, ed->cursor);
        break;
    case EDITOR_UP:
        move_rows(ed, -1);
        break;
    case EDITOR_DOWN:
        move_rows(ed, 1);
        break;
    case EDITOR_PAGE_UP:
        move_rows(ed, -page);
        ed->top = ed->top > (size_t)page ? ed->top - (size_t)page : 0;
        break;
    case EDITOR_PAGE_DOWN:
        move_rows(ed, page);
        ed->top += (size_t)page;
        break;
    case EDITOR_WORD_LEFT:
        move_word(ed, false);
        break;
    case EDITOR_WORD_RIGHT:
        move_word(ed, true);
        break;
    case EDITOR_LINE_START:
        editor_cursor_at(ed, &r, &col);
        ed->cursor = ed->n_rows ? ed->rows[r].start : 0;
        break;
    case EDITOR_LINE_END:
        editor_cursor_at(ed, &r, &col);
        ed->cursor = ed->n_rows ? offset_in_row(ed, r, 1 << 30) : ed->len;
        break;
    case EDITOR_TOP:
        ed->cursor = 0;
        break;
    case EDITOR_BOTTOM:
        ed->cursor = ed->len;
        break;
    }
    ed->sealed = true;
}

size_t editor_scroll(struct editor *ed, int rows)
{
    if (rows < 1)
        rows = 1;
    size_t r;
    int col;
    editor_cursor_at(ed, &r, &col);
    if (ed->top + (size_t)rows > ed->n_rows)
        ed->top = ed->n_rows > (size_t)rows ? ed->n_rows - (size_t)rows : 0;
    if (r < ed->top)
        ed->top = r;
    if (r >= ed->top + (size_t)rows)
        ed->top = r - (size_t)rows + 1;
    return ed->top;
}

/* ---- Notes in the editor ------------------------------------------------------------------ */

void editor_wipe_string(char *s)
{
    if (s)
        wipe_free(s, strlen(s) + 1);
}

/* A growing string for composing a note's text; wiped when it grows. */
struct text_buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void tb_add(struct text_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = malloc(cap);
        if (!p) {
            b->failed = true;
            return;
        }
        if (b->len)
            memcpy(p, b->p, b->len);
        wipe_free(b->p, b->cap);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* The item's text as a line holds it: up to the end, trailing spaces cut. */
static size_t item_text_len(const char *line, size_t len, size_t text)
{
    size_t end = len;
    while (end > text && line[end - 1] == ' ')
        end--;
    return end - text;
}

char *editor_note_text(const struct note *x)
{
    struct text_buf b = {0};
    tb_add(&b, x->title, strlen(x->title));
    bool *used = x->n_items ? calloc(x->n_items, sizeof *used) : NULL;
    if (x->n_items && !used)
        b.failed = true;
    if (x->body[0] || x->n_items)
        tb_add(&b, "\n", 1);
    size_t body_at = b.len;
    tb_add(&b, x->body, strlen(x->body));
    /* Each item line of the body shows its item's state. */
    for (size_t ls = body_at; !b.failed && ls <= b.len;) {
        char *nl = memchr(b.p + ls, '\n', b.len - ls);
        size_t le = nl ? (size_t)(nl - b.p) : b.len;
        size_t box, text;
        bool done;
        if (editor_line_item(b.p + ls, le - ls, &box, &text, &done)) {
            size_t n = item_text_len(b.p + ls, le - ls, text);
            for (size_t k = 0; k < x->n_items; k++)
                if (!used[k] && strlen(x->items[k].text) == n &&
                    memcmp(x->items[k].text, b.p + ls + text, n) == 0) {
                    used[k] = true;
                    b.p[ls + box + 1] = x->items[k].done ? 'x' : ' ';
                    break;
                }
        }
        if (!nl)
            break;
        ls = le + 1;
    }
    /* Items written elsewhere, after the body. */
    for (size_t k = 0; !b.failed && k < x->n_items; k++) {
        if (used[k])
            continue;
        if (b.len > body_at && b.p[b.len - 1] != '\n')
            tb_add(&b, "\n", 1);
        tb_add(&b, x->items[k].done ? "[x] " : "[ ] ", 4);
        tb_add(&b, x->items[k].text, strlen(x->items[k].text));
    }
    free(used);
    if (b.failed) {
        wipe_free(b.p, b.cap);
        return NULL;
    }
    if (!b.p)
        return copy_bytes("", 0);
    /* The caller wipes strlen + 1 bytes: hand over a block of that size. */
    char *out = copy_bytes(b.p, b.len);
    wipe_free(b.p, b.cap);
    return out;
}

mento_status editor_note_draft(const char *text, struct note_draft *d, char **block, char *why,
                               size_t why_len)
{
    *block = NULL;
    d->title = d->body = "";
    d->items = NULL;
    d->n_items = 0;
    size_t len = strlen(text);
    const char *nl = strchr(text, '\n');
    size_t title_len = nl ? (size_t)(nl - text) : len;
    if (title_len > NOTES_TITLE_MAX) {
        snprintf(why, why_len,
                 "the first line is the title: at most %d bytes (now %zu); break it onto a "
                 "second line",
                 NOTES_TITLE_MAX, title_len);
        return MENTO_ERR_TOO_LONG;
    }
    const char *body = nl ? nl + 1 : text + len;
    size_t body_len = (size_t)(text + len - body);
    if (body_len > NOTES_BODY_MAX) {
        snprintf(why, why_len, "the note is longer than %d KiB", NOTES_BODY_MAX / 1024);
        return MENTO_ERR_TOO_LONG;
    }
    /* One block: the title, the body, then each item's text. */
    char *p = malloc(len + 2);
    size_t n_items = 0;
    for (const char *ls = body; ls <= text + len;) {
        const char *e = strchr(ls, '\n');
        size_t ll = e ? (size_t)(e - ls) : strlen(ls);
        n_items += editor_line_item(ls, ll, NULL, NULL, NULL);
        if (!e)
            break;
        ls = e + 1;
    }
    if (n_items > NOTES_ITEMS_MAX) {
        free(p);
        snprintf(why, why_len, "at most %d action items in a note (this one has %zu)",
                 NOTES_ITEMS_MAX, n_items);
        return MENTO_ERR_TOO_LONG;
    }
    struct note_item *items = n_items ? calloc(n_items, sizeof *items) : NULL;
    if (!p || (n_items && !items)) {
        free(p);
        free(items);
        snprintf(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    memcpy(p, text, title_len);
    p[title_len] = '\0';
    char *b = p + title_len + 1;
    memcpy(b, body, body_len);
    b[body_len] = '\0';
    /* Item texts are cut out of a copy of the body, which is not needed
     * after: the body's own copy stays whole. */
    size_t k = 0;
    mento_status st = MENTO_OK;
    char *scratch = copy_bytes(b, body_len);
    if (!scratch)
        st = MENTO_ERR_NOMEM;
    for (char *ls = scratch; st == MENTO_OK && ls;) {
        char *e = strchr(ls, '\n');
        size_t ll = e ? (size_t)(e - ls) : strlen(ls);
        size_t text_at;
        bool done;
        if (editor_line_item(ls, ll, NULL, &text_at, &done)) {
            size_t n = item_text_len(ls, ll, text_at);
            if (n > NOTES_ITEM_MAX) {
                snprintf(why, why_len, "action item %zu is longer than %d bytes", k + 1,
                         NOTES_ITEM_MAX);
                st = MENTO_ERR_TOO_LONG;
                break;
            }
            ls[text_at + n] = '\0';
            items[k].text = ls + text_at;
            items[k].done = done;
            k++;
        }
        ls = e ? e + 1 : NULL;
    }
    if (st != MENTO_OK) {
        if (st == MENTO_ERR_NOMEM)
            snprintf(why, why_len, "out of memory");
        wipe_free(scratch, body_len + 1);
        wipe_free(p, len + 2);
        free(items);
        return st;
    }
    /* The scratch copy is kept after the block: one free for both. */
    char *whole = malloc(len + 2 + body_len + 1);
    if (!whole) {
        wipe_free(scratch, body_len + 1);
        wipe_free(p, len + 2);
        free(items);
        snprintf(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    memcpy(whole, p, len + 2);
    memcpy(whole + len + 2, scratch, body_len + 1);
    for (size_t i = 0; i < k; i++)
        items[i].text = whole + len + 2 + (items[i].text - scratch);
    wipe_free(scratch, body_len + 1);
    wipe_free(p, len + 2);
    d->title = whole;
    d->body = whole + title_len + 1;
    d->items = items;
    d->n_items = k;
    *block = whole;
    return MENTO_OK;
}

void editor_draft_free(struct note_draft *d, char **block)
{
    if (*block) {
        /* The block: title NUL body NUL, then the items' copy of the body. */
        size_t title = strlen(*block);
        size_t body = strlen(*block + title + 1);
        wipe_free(*block, title + 1 + body + 1 + body + 1);
    }
    *block = NULL;
    if (d->items)
        free((void *)d->items);
    d->items = NULL;
    d->n_items = 0;
    d->title = d->body = "";
}

/* app.c - the client's event loop and frame: keys and network in one wait,
 * requests dispatched screen first then generic, one draw per pass, and the
 * scripted mode used by the ui tests. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/text.h"

static const struct screen_ops *const screen_ops[SCREEN_COUNT] = {
#define SCREEN_OPS_ROW(id, name, title) [SCREEN_##id] = &screen_##id##_ops,
    SCREEN_LIST(SCREEN_OPS_ROW)
#undef SCREEN_OPS_ROW
};

enum { PAIR_TAB = 1, PAIR_STATUS, PAIR_ERROR, PAIR_DIM };

int64_t app_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Microseconds, for the first-frame figure. */
static double mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Helpers for the screens ---------------------------------------------------- */

void app_put(struct app *app, int y, int x, int cols, const char *text, int attr)
{
    if (cols <= 0 || y < 0 || y >= app->rows || x >= app->cols)
        return;
    if (x + cols > app->cols)
        cols = app->cols - x;
    char buf[1024];
    text_fit(text ? text : "", cols, 1, buf, sizeof buf);
    if (attr)
        attron(attr);
    mvaddstr(y, x, buf);
    if (attr)
        attroff(attr);
}

void app_message(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->message, sizeof app->message, fmt, ap);
    va_end(ap);
    app->message_error = error;
    app->dirty = true;
    if (app->opt.log)
        fprintf(app->opt.log, "%s: %s\n", error ? "error" : "note", app->message);
}

void app_move(struct app *app, long delta, size_t n, int rows)
{
    size_t *sel = &app->sel[app->screen], *top = &app->top[app->screen];
    if (n == 0) {
        *sel = *top = 0;
        return;
    }
    long s = (long)*sel + delta;
    if (s < 0)
        s = 0;
    if ((size_t)s >= n)
        s = (long)n - 1;
    *sel = (size_t)s;
    if (rows < 1)
        rows = 1;
    if (*sel < *top)
        *top = *sel;
    if (*sel >= *top + (size_t)rows)
        *top = *sel - (size_t)rows + 1;
    app->dirty = true;
}

static void screens_open(struct app *app)
{
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (screen_ops[s]->open)
            screen_ops[s]->open(app);
}

static void screens_done(struct app *app)
{
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (screen_ops[s]->done)
            screen_ops[s]->done(app);
}

static void screens_tick(struct app *app)
{
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (screen_ops[s]->tick)
            screen_ops[s]->tick(app);
}

void app_first_key(struct app *app, enum screen_id screen, enum request req, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    if (screen_ops[screen]->key) {
        /* A screen that takes text: its own keys only. */
        for (size_t i = 0; i < app->keymap.n; i++)
            if (app->keymap.b[i].section == (int)screen && app->keymap.b[i].req == req) {
                key_to_name(app->keymap.b[i].key, buf, cap);
                return;
            }
        return;
    }
    keymap_keys_for(&app->keymap, screen, req, buf, cap);
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '\0';
}

static void load_me(struct app *app)
{
    if (app->have_me) {
        mento_profile_free(&app->me);
        app->have_me = false;
    }
    cJSON *p = store_get(app->store, app->opt.programme, "profile", NULL);
    if (!p)
        return;
    mento_profile_init(&app->me);
    const cJSON *f;
    cJSON_ArrayForEach(f, p)
    {
        struct codec_error err;
        codec_profile_set_answer(&app->me, f->string, f, &err);
    }
    cJSON_Delete(p);
    app->have_me = true;
}

void app_reload_directory(struct app *app)
{
    load_me(app);
    if (app->dir_loaded)
        directory_free(&app->dir);
    app->dir_loaded = directory_load(&app->dir, app->store, app->opt.programme,
                                     app->have_me ? &app->me : NULL, app_now() / 1000) == MENTO_OK;
    if (!app->dir_loaded)
        app_message(app, true, "The directory could not be read from the local store");
    else
        app_refilter(app);
}

void app_switch_programme(struct app *app, const char *id)
{
    if (strcmp(id, app->programme) == 0)
        return;
    if (app->net && app->sync.running) {
        app_message(app, true, "A sync is under way; switch again when it has finished");
        return;
    }
    screens_done(app);
    snprintf(app->programme, sizeof app->programme, "%s", id);
    app->opt.programme = app->programme;
    memset(app->sel, 0, sizeof app->sel);
    memset(app->top, 0, sizeof app->top);
    if (app->net) {
        sync_init(&app->sync, app->store, app->net, app->programme, (uint32_t)app_now());
        sync_request(&app->sync);
    }
    app_reload_directory(app);
    screens_open(app);
    app_message(app, false, "Now in %s%s", id,
                app->net ? "" : " (offline: what this device last synced)");
    app->dirty = true;
}

void app_refilter(struct app *app)
{
    if (!app->dir_loaded)
        return;
    app->dir.have_last = false;
    directory_filter(&app->dir, &app->filter, app->sort);
    if (app->sel[SCREEN_DIRECTORY] >= app->dir.n_view)
        app->sel[SCREEN_DIRECTORY] = app->dir.n_view ? app->dir.n_view - 1 : 0;
    if (app->top[SCREEN_DIRECTORY] > app->sel[SCREEN_DIRECTORY])
        app->top[SCREEN_DIRECTORY] = app->sel[SCREEN_DIRECTORY];
    app->dirty = true;
}

mento_status app_queue(struct app *app, const char *type, const char *body_json)
{
    cJSON *body = cJSON_Parse(body_json);
    if (!body)
        return MENTO_ERR_PARSE;
    char id[STORE_OP_ID_LEN];
    mento_status st =
        store_outbox_append(app->store, app->opt.programme, type, body, app_now() / 1000, id);
    cJSON_Delete(body);
    if (st == MENTO_OK && app->net)
        sync_request(&app->sync);
    return st;
}

int app_unread_notifications(struct app *app)
{
    cJSON *all = store_list(app->store, app->opt.programme, "notifications");
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, all)
    {
        if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "read")))
            n++;
    }
    cJSON_Delete(all);
    return n;
}

/* ---- The frame ---------------------------------------------------------------------- */

static void draw_tabs(struct app *app)
{
    int x = 0;
    int active = app->colors ? COLOR_PAIR(PAIR_TAB) | A_BOLD : A_REVERSE | A_BOLD;
    move(0, 0);
    clrtoeol();
    /* The panes with a tab; notifications open from the status line's count. */
    static const enum screen_id tabs[] = {SCREEN_DIRECTORY, SCREEN_WISHLIST, SCREEN_MATCHES,
                                          SCREEN_SESSIONS,  SCREEN_NOTES,    SCREEN_PROFILE,
                                          SCREEN_HELP};
    static const enum request view_req[] = {
        REQ_VIEW_DIRECTORY, REQ_VIEW_WISHLIST, REQ_VIEW_MATCHES, REQ_VIEW_SESSIONS,
        REQ_VIEW_NOTES,     REQ_VIEW_PROFILE,  REQ_HELP};
    for (size_t t = 0; t < sizeof tabs / sizeof tabs[0] && x < app->cols; t++) {
        enum screen_id s = tabs[t];
        char label[48];
        char key[32] = "";
        keymap_keys_for(&app->keymap, app->screen, view_req[t], key, sizeof key);
        char *comma = strchr(key, ',');
        if (comma)
            *comma = '\0';
        snprintf(label, sizeof label, " %s%s%s ", key, key[0] ? " " : "", screen_title(s));
        int w = text_width(label);
        /* The resources live under Help. */
        bool lit = s == app->screen || (s == SCREEN_HELP && app->screen == SCREEN_RESOURCES) ||
                   (s == SCREEN_NOTES && app->screen == SCREEN_EDITOR);
        app_put(app, 0, x, w, label, lit ? active : 0);
        x += w;
    }
}

static void draw_status(struct app *app)
{
    int y = app->rows - 1;
    int attr = app->colors ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
    char left[320];
    const char *link = !app->net                             ? "offline (by choice)"
                       : app->sync.needs_login               ? "not logged in"
                       : app->sync.running                   ? "syncing…"
                       : app->sync.link == SYNC_LINK_OFFLINE ? "offline"
                       : app->sync.link == SYNC_LINK_ONLINE  ? "online"
                                                             : "connecting…";
    int queued = store_outbox_count(app->store, app->opt.programme);
    int64_t last = store_last_sync(app->store, app->opt.programme);
    char when[32] = "never";
    if (last > 0) {
        time_t t = (time_t)last;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    }
    int unread = app_unread_notifications(app);
    char unread_text[64] = "";
    if (unread > 0) {
        char k[32] = "";
        keymap_keys_for(&app->keymap, app->screen, REQ_VIEW_NOTIFICATIONS, k, sizeof k);
        snprintf(unread_text, sizeof unread_text, " │ %d unread%s%s%s", unread, k[0] ? " (" : "", k,
                 k[0] ? ")" : "");
    }
    snprintf(left, sizeof left, " %s │ %s%d queued │ synced %s%s │ %s", link,
             app->notes.working
                 ? (app->notes.creating ? "making the notes vault… │ " : "unlocking the notes… │ ")
                 : "",
             queued, when, unread_text, app->opt.programme);
    char help[64] = "", quit[64] = "";
    keymap_keys_for(&app->keymap, app->screen, REQ_HELP, help, sizeof help);
    keymap_keys_for(&app->keymap, app->screen, REQ_QUIT, quit, sizeof quit);
    char right[160];
    snprintf(right, sizeof right, "%s%s%s%s ", help[0] ? help : "", help[0] ? " help  " : "",
             quit[0] ? quit : "", quit[0] ? " quit" : "");
    char line[1024];
    text_fit_pad(left, app->cols, line, sizeof line);
    attron(attr);
    mvaddstr(y, 0, line);
    int rw = text_width(right);
    if (rw + text_width(left) + 2 <= app->cols)
        mvaddstr(y, app->cols - rw, right);
    attroff(attr);
}

static void draw_message(struct app *app)
{
    int y = app->rows - 2;
    move(y, 0);
    clrtoeol();
    if (app->prompt.kind != PROMPT_NONE) {
        char line[600];
        static const char *const facet_names[DIRECTORY_FACETS] = {"Job network", "Grade", "Entity",
                                                                  "Duty station"};
        const char *label = app->prompt.kind == PROMPT_FILTER_TEXT ? "Look for"
                            : app->prompt.kind == PROMPT_SEARCH    ? "Find"
                                                                   : facet_names[app->prompt.facet];
        snprintf(line, sizeof line, "%s: %s", label, app->prompt.buf);
        app_put(app, y, 0, app->cols - 1, line, A_BOLD);
        int x = text_width(line);
        if (x < app->cols - 1)
            move(y, x);
        return;
    }
    if (app->message[0])
        app_put(app, y, 0, app->cols, app->message,
                app->message_error ? (app->colors ? COLOR_PAIR(PAIR_ERROR) | A_BOLD : A_BOLD) : 0);
}

static void draw_too_small(struct app *app)
{
    erase();
    char a[96], b[96];
    snprintf(a, sizeof a, "Terminal too small: %dx%d", app->cols, app->rows);
    snprintf(b, sizeof b, "mento needs at least %dx%d", APP_MIN_COLS, APP_MIN_ROWS);
    int y = app->rows / 2 - 1;
    if (y < 0)
        y = 0;
    int wa = text_width(a), wb = text_width(b);
    app_put(app, y, wa < app->cols ? (app->cols - wa) / 2 : 0, app->cols, a, A_BOLD);
    if (y + 1 < app->rows)
        app_put(app, y + 1, wb < app->cols ? (app->cols - wb) / 2 : 0, app->cols, b, 0);
}

static void draw_form(struct app *app);

static void draw(struct app *app)
{
    getmaxyx(stdscr, app->rows, app->cols);
    struct layout_frame frame;
    layout_frame(app->rows, app->cols, &frame);
    if (frame.too_small) {
        draw_too_small(app);
        refresh();
        app->dirty = false;
        return;
    }
    erase();
    draw_tabs(app);
    app->cursor_y = -1;
    screen_ops[app->screen]->draw(app, frame.pane_top, frame.pane_rows, app->cols);
    draw_status(app);
    draw_message(app);
    if (app->prompt.kind != PROMPT_NONE) {
        curs_set(1);
    } else if (app->cursor_y >= 0) {
        curs_set(1);
        move(app->cursor_y, app->cursor_x);
    } else {
        curs_set(0);
    }
    if (app->form_open)
        draw_form(app);
    refresh();
    app->dirty = false;
    if (!app->first_frame_logged && app->opt.log && app->opt.started_ms) {
        app->first_frame_logged = true;
        fprintf(app->opt.log, "first frame %.1f ms after start, %zu mentors\n",
                mono_us() / 1000.0 - (double)app->opt.started_ms, app->dir_loaded ? app->dir.n : 0);
    }
}

/* ---- Dialogues ------------------------------------------------------------------ */

void app_form_open(struct app *app, app_form_done done, int64_t ref)
{
    app->form_open = true;
    app->form_done = done;
    app->form_ref = ref;
    app->dirty = true;
}

/* A value wider than its room, cursor near the end (a long file name): the
 * part up to the cursor that fits in `room` columns, after an ellipsis.
 * Returns the cursor's column within the value's room. */
static int field_tail(const struct form_field *fd, int room, const char *label, char *line,
                      size_t cap)
{
    char before[FORM_TEXT_MAX];
    size_t start = 0;
    int cp;
    for (;;) {
        snprintf(before, sizeof before, "%.*s", (int)(fd->cursor - start), fd->value + start);
        if (text_width(before) <= room || start >= fd->cursor)
            break;
        start += text_next(fd->value + start, &cp);
    }
    snprintf(line, cap, "%s …%s", label, fd->value + start);
    return 1 + text_width(before);
}

/* A box in the middle of the screen: title, message, fields, the error and
 * the keys. */
static void draw_form(struct app *app)
{
    const struct form *f = &app->form;
    int w = app->cols - 8 < 76 ? app->cols - 8 : 76;
    /* The message, wrapped at spaces into at most eight lines; a line
     * break in it starts a new line. */
    char wrapped[8][256];
    int n_wrapped = 0;
    for (const char *m = f->message; m && *m && n_wrapped < 8;) {
        if (*m == '\n') {
            wrapped[n_wrapped++][0] = '\0';
            m++;
            continue;
        }
        char para[1024], piece[256];
        snprintf(para, sizeof para, "%.*s", (int)strcspn(m, "\n"), m);
        text_fit(para, w - 4, 0, piece, sizeof piece);
        size_t take = strlen(piece);
        if (para[take] && para[take] != ' ') {
            char *sp = strrchr(piece, ' ');
            if (sp && sp > piece)
                take = (size_t)(sp - piece);
        }
        if (take == 0)
            break;
        snprintf(wrapped[n_wrapped++], sizeof wrapped[0], "%.*s", (int)take, m);
        m += take;
        while (*m == ' ')
            m++;
        if (*m == '\n')
            m++;
    }
    int lines = 4 + (n_wrapped ? n_wrapped + 1 : 0) + (int)f->n_fields + (f->error[0] ? 2 : 0);
    int top = (app->rows - lines) / 2, left = (app->cols - w) / 2;
    for (int y = top; y < top + lines; y++) {
        move(y, left);
        for (int x = 0; x < w; x++)
            addch(' ' | A_REVERSE);
    }
    int y = top + 1;
    app_put(app, y++, left + 2, w - 4, f->title ? f->title : "", A_REVERSE | A_BOLD);
    for (int i = 0; i < n_wrapped; i++)
        app_put(app, y++, left + 2, w - 4, wrapped[i], A_REVERSE);
    if (n_wrapped)
        y++;
    /* The values start in one column: after the widest label (in display
     * cells), but never past half the box. */
    char labels[FORM_MAX_FIELDS][96];
    int label_w = 0;
    for (size_t i = 0; i < f->n_fields; i++) {
        const struct form_field *fd = &f->fields[i];
        snprintf(labels[i], sizeof labels[i], "%s%s:", fd->label,
                 fd->required ? "" : " (optional)");
        int lw = text_width(labels[i]);
        label_w = lw > label_w ? lw : label_w;
    }
    if (label_w > (w - 4) / 2)
        label_w = (w - 4) / 2;
    int cursor_y = -1, cursor_x = 0;
    for (size_t i = 0; i < f->n_fields; i++) {
        const struct form_field *fd = &f->fields[i];
        char label[192], line[1400];
        text_fit_pad(labels[i], label_w, label, sizeof label);
        bool focus = i == f->focus;
        int column = focus ? form_cursor_column(f) : 0;
        int room = w - 4 - label_w - 1; /* columns for the value */
        if (fd->kind == FORM_CHOICE) {
            snprintf(line, sizeof line, "%s < %s >", label, form_choice_label(fd));
        } else if (fd->kind == FORM_PASSWORD) {
            /* One dot a character, never the text; past the room, the
             * dots stop growing. */
            char dots[3 * 80 + 1] = "";
            size_t n = form_chars(fd), shown = room > 1 ? (size_t)room - 1 : 0;
            if (shown > 80)
                shown = 80;
            for (size_t k = 0; k < n && k < shown; k++)
                memcpy(dots + 3 * k, "\xe2\x80\xa2", 4);
            snprintf(line, sizeof line, "%s %s", label, dots);
            if (column > (int)shown)
                column = (int)shown;
        } else if (column < room - 1)
            snprintf(line, sizeof line, "%s %s", label, fd->value);
        else
            column = field_tail(fd, room - 2, label, line, sizeof line);
        app_put(app, y, left + 2, w - 4, line, focus ? A_BOLD : A_REVERSE);
        if (focus && fd->kind != FORM_CHOICE) {
            cursor_y = y;
            cursor_x = left + 2 + label_w + 1 + column;
        }
        y++;
    }
    if (f->error[0]) {
        y++;
        app_put(app, y++, left + 2, w - 4, f->error, A_REVERSE | A_BOLD);
    }
    app_put(app, top + lines - 1, left + 2, w - 4,
            f->n_fields ? "Enter accept · Esc cancel · Tab next field"
            : f->notice ? "Enter or Esc: close"
                        : "y or Enter: go ahead · n or Esc: stop",
            A_REVERSE);
    if (cursor_y >= 0 && cursor_x < app->cols) {
        curs_set(1);
        move(cursor_y, cursor_x);
    }
}

/* ---- Prompts -------------------------------------------------------------------------- */

static void prompt_apply(struct app *app)
{
    if (app->prompt.kind == PROMPT_SEARCH) {
        if (screen_ops[app->screen]->search)
            screen_ops[app->screen]->search(app, app->prompt.buf, false);
        app->dirty = true;
        return;
    }
    if (app->prompt.kind == PROMPT_FILTER_TEXT) {
        snprintf(app->filter.text, sizeof app->filter.text, "%s", app->prompt.buf);
        /* One more letter only narrows the selection: no full pass. */
        if (app->dir_loaded)
            directory_filter(&app->dir, &app->filter, app->sort);
        app->sel[SCREEN_DIRECTORY] = app->top[SCREEN_DIRECTORY] = 0;
    } else {
        /* A facet: the first value that starts with what was typed. */
        const struct directory_facet *fc = &app->dir.facets[app->prompt.facet];
        const char *match = "";
        size_t n = strlen(app->prompt.buf);
        for (size_t i = 0; n && i < fc->n; i++)
            if (strncasecmp(fc->values[i], app->prompt.buf, n) == 0) {
                match = fc->values[i];
                break;
            }
        snprintf(app->filter.facet[app->prompt.facet], sizeof app->filter.facet[0], "%.127s",
                 n && !*match ? app->prompt.buf : match);
        app_refilter(app);
        app->sel[SCREEN_DIRECTORY] = app->top[SCREEN_DIRECTORY] = 0;
    }
    app->dirty = true;
}

void app_prompt_open(struct app *app, enum prompt_kind kind, int facet)
{
    app->prompt.kind = kind;
    app->prompt.facet = facet;
    const char *now = kind == PROMPT_SEARCH        ? ""
                      : kind == PROMPT_FILTER_TEXT ? app->filter.text
                                                   : app->filter.facet[facet];
    snprintf(app->prompt.buf, sizeof app->prompt.buf, "%s", now);
    snprintf(app->prompt.saved, sizeof app->prompt.saved, "%s", now);
    app->message[0] = '\0';
    app->dirty = true;
}

/* Tab in a facet prompt: complete to the next value starting with the text. */
static void prompt_complete(struct app *app)
{
    if (app->prompt.kind != PROMPT_FACET || !app->dir_loaded)
        return;
    const struct directory_facet *fc = &app->dir.facets[app->prompt.facet];
    const char *cur = app->filter.facet[app->prompt.facet];
    size_t start = 0;
    for (size_t i = 0; i < fc->n; i++)
        if (strcmp(fc->values[i], cur) == 0)
            start = i + 1;
    for (size_t k = 0; k < fc->n; k++) {
        size_t i = (start + k) % fc->n;
        snprintf(app->prompt.buf, sizeof app->prompt.buf, "%s", fc->values[i]);
        prompt_apply(app);
        return;
    }
}

/* A key while a prompt is open; `ch` is the character typed (0 if none). */
static void prompt_key(struct app *app, mento_key key, int ch)
{
    struct prompt *p = &app->prompt;
    size_t len = strlen(p->buf);
    if (key == MKEY_ENTER) {
        bool search = p->kind == PROMPT_SEARCH;
        p->kind = PROMPT_NONE;
        app->dirty = true;
        if (search && screen_ops[app->screen]->search)
            screen_ops[app->screen]->search(app, p->buf, true);
        return;
    }
    if ((key == MKEY_ESC || key == MKEY_CTRL('g')) && p->kind == PROMPT_SEARCH) {
        p->kind = PROMPT_NONE;
        app->dirty = true;
        if (screen_ops[app->screen]->search)
            screen_ops[app->screen]->search(app, NULL, true);
        return;
    }
    if (key == MKEY_ESC || key == MKEY_CTRL('g')) {
        snprintf(p->buf, sizeof p->buf, "%s", p->saved);
        prompt_apply(app);
        if (p->kind == PROMPT_FILTER_TEXT)
            app_refilter(app);
        p->kind = PROMPT_NONE;
        return;
    }
    if (key == MKEY_TAB) {
        prompt_complete(app);
        return;
    }
    if (key == MKEY_BACKSPACE || key == MKEY_CTRL('h')) {
        if (len == 0)
            return;
        /* Remove one whole character. */
        size_t i = len - 1;
        while (i > 0 && ((unsigned char)p->buf[i] & 0xc0) == 0x80)
            i--;
        p->buf[i] = '\0';
        prompt_apply(app);
        if (p->kind == PROMPT_FILTER_TEXT)
            app_refilter(app); /* a shorter text widens: a full pass */
        return;
    }
    if (key == MKEY_CTRL('u')) {
        p->buf[0] = '\0';
        prompt_apply(app);
        if (p->kind == PROMPT_FILTER_TEXT)
            app_refilter(app);
        return;
    }
    if (ch >= 0x20 && ch != 0x7f) {
        char enc[5];
        wchar_t wc = (wchar_t)ch;
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        size_t n = wcrtomb(enc, wc, &ps);
        if (n == (size_t)-1 || len + n + 1 > sizeof p->buf)
            return;
        memcpy(p->buf + len, enc, n);
        p->buf[len + n] = '\0';
        prompt_apply(app);
    }
}

/* ---- Requests ---------------------------------------------------------------------------- */

static int generic(struct app *app, enum request req)
{
    static const enum screen_id views[] = {
        [REQ_VIEW_DIRECTORY] = SCREEN_DIRECTORY,
        [REQ_VIEW_WISHLIST] = SCREEN_WISHLIST,
        [REQ_VIEW_MATCHES] = SCREEN_MATCHES,
        [REQ_VIEW_SESSIONS] = SCREEN_SESSIONS,
        [REQ_VIEW_NOTES] = SCREEN_NOTES,
        [REQ_VIEW_PROFILE] = SCREEN_PROFILE,
        [REQ_VIEW_NOTIFICATIONS] = SCREEN_NOTIFICATIONS,
        [REQ_VIEW_RESOURCES] = SCREEN_RESOURCES,
    };
    switch (req) {
    case REQ_QUIT:
        return APP_QUIT;
    case REQ_HELP:
        app->screen = SCREEN_HELP;
        app->sel[SCREEN_HELP] = app->top[SCREEN_HELP] = 0;
        return APP_REDRAW;
    case REQ_NEXT_SCREEN:
    case REQ_PREV_SCREEN:
        /* The editor is reached from the notes only. */
        do
            app->screen = (enum screen_id)(
                (app->screen + (req == REQ_NEXT_SCREEN ? 1 : SCREEN_COUNT - 1)) % SCREEN_COUNT);
        while (app->screen == SCREEN_EDITOR);
        return APP_REDRAW;
    case REQ_VIEW_DIRECTORY:
    case REQ_VIEW_WISHLIST:
    case REQ_VIEW_MATCHES:
    case REQ_VIEW_SESSIONS:
    case REQ_VIEW_NOTES:
    case REQ_VIEW_PROFILE:
    case REQ_VIEW_NOTIFICATIONS:
    case REQ_VIEW_RESOURCES:
        app->screen = views[req];
        return APP_REDRAW;
    case REQ_SYNC:
        if (!app->net) {
            app_message(app, true, "Offline by choice (--offline): nothing is sent");
        } else {
            sync_request(&app->sync);
            fetch_resources(&app->fetch);
            app_message(app, false, "Syncing…");
        }
        return APP_REDRAW;
    case REQ_REDRAW:
        clearok(curscr, TRUE);
        return APP_REDRAW;
    case REQ_BACK:
        if (app->screen == SCREEN_HELP || app->screen == SCREEN_NOTIFICATIONS ||
            app->screen == SCREEN_RESOURCES) {
            app->screen = SCREEN_DIRECTORY;
            return APP_REDRAW;
        }
        return APP_HANDLED;
    default:
        return APP_UNHANDLED;
    }
}

/* ---- Refusals ----------------------------------------------------------------------------- */

/* What a queued operation was, in words. */
static const char *operation_words(const char *type)
{
    static const struct {
        const char *type, *words;
    } words[] = {
        {"wishlist.add", "Adding a mentor to your wish-list"},
        {"wishlist.move", "Reordering your wish-list"},
        {"wishlist.remove", "Removing a mentor from your wish-list"},
        {"request.send", "Your request"},
        {"request.withdraw", "Withdrawing your request"},
        {"request.cascade", "Changing what happens after a declined request"},
        {"request.accept", "Accepting the request"},
        {"request.decline", "Declining the request"},
        {"pairing.end", "Ending the pairing"},
        {"session.book", "Booking the session"},
        {"session.reschedule", "Moving the session"},
        {"session.cancel", "Cancelling the session"},
        {"session.done", "Marking the session done"},
        {"profile.set", "Changing your profile"},
        {"membership.update", "Changing your membership"},
        {"account.freeze", "Freezing your account"},
        {"account.unfreeze", "Unfreezing your account"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i].type, type) == 0)
            return words[i].words;
    return "A change made offline";
}

static void refusal_read(struct app *app, enum form_result r)
{
    (void)r;
    if (store_refusal_seen(app->store, app->refusal_op) != MENTO_OK)
        app_message(app, true, "Could not save to the local store");
    app->refusal_op[0] = '\0';
}

/* The oldest refusal not yet read, in a dialogue of its own, unless another
 * dialogue is open (it comes when that one closes). It is marked read only
 * when the user closes it, so quitting before leaves it for next time. */
static void refusal_show(struct app *app)
{
    struct store_refusal ref[1];
    if (app->form_open)
        return;
    /* The notes core takes the answers to its own operations (a conflict
     * becomes a conflict copy, another refusal is shown on the note): the
     * Notes pane says what came of them, not this dialogue. */
    static const char *const notes_ops[] = {"note.put", "note.delete", "vault.put", "keys.put",
                                            "pair_key.add"};
    for (int guard = 0; guard < 1000; guard++) {
        if (store_refusals(app->store, app->opt.programme, ref, 1) != 1)
            return;
        bool theirs = false;
        for (size_t i = 0; i < sizeof notes_ops / sizeof notes_ops[0]; i++)
            theirs = theirs || strcmp(ref[0].type, notes_ops[i]) == 0;
        if (!theirs)
            break;
        if (store_refusal_seen(app->store, ref[0].op_id) != MENTO_OK)
            return;
    }
    snprintf(app->refusal_op, sizeof app->refusal_op, "%s", ref[0].op_id);
    size_t len = strlen(ref[0].message);
    bool stop = len && strchr(".!?", ref[0].message[len - 1]);
    snprintf(app->form_text, sizeof app->form_text,
             "%s was not done: %s%s The screens show what the server has now.",
             operation_words(ref[0].type), ref[0].message, stop ? "" : ".");
    form_init(&app->form, "The server refused a change you made", app->form_text);
    app->form.notice = true;
    app_form_open(app, refusal_read, 0);
}

static void dispatch_key(struct app *app, mento_key key, int ch)
{
    /* A message stays on screen until the next key (the log keeps it). */
    app->message[0] = '\0';
    app->message_error = false;
    if (app->form_open) {
        enum form_result r = form_key(&app->form, key, ch);
        app->dirty = true;
        if (r != FORM_GOING_ON) {
            app->form_open = false;
            if (app->form_done)
                app->form_done(app, r);
            refusal_show(app);
        }
        return;
    }
    if (app->prompt.kind != PROMPT_NONE) {
        prompt_key(app, key, ch);
        return;
    }
    const struct screen_ops *ops = screen_ops[app->screen];
    if (ops->key) {
        /* A screen that takes text: its own keys, and the rest typed. */
        enum request own = keymap_lookup_own(&app->keymap, app->screen, key);
        int r = own != REQ_NONE ? ops->handle(app, own) : ops->key(app, key, ch);
        if (r & APP_QUIT)
            app->quit = true;
        if (r != APP_UNHANDLED)
            app->dirty = true;
        return;
    }
    enum request req = keymap_lookup(&app->keymap, app->screen, key);
    if (req == REQ_NONE) {
        char name[32];
        key_to_name(key, name, sizeof name);
        char help[64] = "?";
        keymap_keys_for(&app->keymap, app->screen, REQ_HELP, help, sizeof help);
        app_message(app, false, "%s does nothing here; %s shows the keys", name, help);
        return;
    }
    int r = screen_ops[app->screen]->handle(app, req);
    if (r == APP_UNHANDLED)
        r = generic(app, req);
    if (r & APP_QUIT)
        app->quit = true;
    if (r & (APP_REDRAW | APP_HANDLED))
        app->dirty = true;
    if (r == APP_UNHANDLED)
        app_message(app, false, "%s: not available on this screen", request_name(req));
}

/* ---- Terminal input ------------------------------------------------------------------------ */

/* An arrow, Home or End with Alt or Control, which terminals send as keys of
 * their own (xterm's kLFT3, kLFT5 ...): taken as Alt with the key. */
static mento_key modified_key(wint_t wch)
{
    static const struct {
        const char *name;
        mento_key key;
    } keys[] = {{"kLFT", MKEY_LEFT}, {"kRIT", MKEY_RIGHT}, {"kUP", MKEY_UP},
                {"kDN", MKEY_DOWN},  {"kHOM", MKEY_HOME},  {"kEND", MKEY_END}};
    const char *name = keyname((int)wch);
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i].name);
        if (strncmp(name, keys[i].name, n) == 0 && (name[n] == '3' || name[n] == '5') &&
            name[n + 1] == '\0')
            return keys[i].key | MKEY_ALT;
    }
    return -1;
}

static mento_key from_curses(int rc, wint_t wch, int *ch)
{
    *ch = 0;
    if (rc == KEY_CODE_YES) {
        switch (wch) {
        case KEY_UP:
            return MKEY_UP;
        case KEY_DOWN:
            return MKEY_DOWN;
        case KEY_LEFT:
            return MKEY_LEFT;
        case KEY_RIGHT:
            return MKEY_RIGHT;
        case KEY_HOME:
            return MKEY_HOME;
        case KEY_END:
            return MKEY_END;
        case KEY_PPAGE:
            return MKEY_PGUP;
        case KEY_NPAGE:
            return MKEY_PGDN;
        case KEY_BTAB:
            return MKEY_BACKTAB;
        case KEY_DC:
            return MKEY_DEL;
        case KEY_IC:
            return MKEY_INS;
        case KEY_BACKSPACE:
            return MKEY_BACKSPACE;
        case KEY_ENTER:
            return MKEY_ENTER;
        default:
            if (wch >= KEY_F(1) && wch <= KEY_F(12))
                return (mento_key)(MKEY_F1 + (int)(wch - KEY_F(1)));
            return modified_key(wch);
        }
    }
    switch (wch) {
    case '\t':
        return MKEY_TAB;
    case '\r':
    case '\n':
        return MKEY_ENTER;
    case 27:
        return MKEY_ESC;
    case 127:
    case 8:
        return MKEY_BACKSPACE;
    case ' ':
        *ch = ' ';
        return MKEY_SPACE;
    default:
        if (wch < 0x20)
            return (mento_key)wch;
        *ch = (int)wch;
        return (mento_key)wch;
    }
}

/* The rest of a CSI or SS3 sequence after "Esc [" or "Esc O" (`intro`):
 * parameters, then a final character. The arrows, Home, End and the editing
 * keys, with Alt or Control (as Alt); -1 for any other, which is dropped
 * whole. Nothing after the intro: Alt with it, as typed. */
static mento_key escape_sequence(wint_t intro)
{
    char params[16];
    size_t n = 0;
    wint_t c = 0;
    int rc = get_wch(&c);
    if (rc == ERR)
        return (mento_key)intro | MKEY_ALT;
    for (; rc != ERR; rc = get_wch(&c)) {
        if (rc == KEY_CODE_YES)
            return -1;
        if (c >= 0x40 && c <= 0x7e)
            break;
        if (n + 1 < sizeof params)
            params[n++] = (char)c;
    }
    if (rc == ERR)
        return -1;
    params[n] = '\0';
    int first = 0, modifier = 1;
    if (sscanf(params, "%d;%d", &first, &modifier) < 1)
        sscanf(params, ";%d", &modifier);
    mento_key key = -1;
    switch (c) {
    case 'A':
        key = MKEY_UP;
        break;
    case 'B':
        key = MKEY_DOWN;
        break;
    case 'C':
        key = MKEY_RIGHT;
        break;
    case 'D':
        key = MKEY_LEFT;
        break;
    case 'H':
        key = MKEY_HOME;
        break;
    case 'F':
        key = MKEY_END;
        break;
    case '~':
        key = first == 1 || first == 7   ? MKEY_HOME
              : first == 4 || first == 8 ? MKEY_END
              : first == 2               ? MKEY_INS
              : first == 3               ? MKEY_DEL
              : first == 5               ? MKEY_PGUP
              : first == 6               ? MKEY_PGDN
                                         : -1;
        break;
    default:
        break;
    }
    /* Modifiers 3 (Alt), 5 (Control), 7 (both) and the like; Shift alone (2)
     * leaves the key as it is. */
    if (key >= 0 && modifier > 2)
        key |= MKEY_ALT;
    return key;
}

static void read_keys(struct app *app)
{
    wint_t wch;
    int rc;
    while ((rc = get_wch(&wch)) != ERR) {
        if (rc == KEY_CODE_YES && wch == KEY_RESIZE) {
            app->dirty = true;
            continue;
        }
        int ch;
        mento_key k = from_curses(rc, wch, &ch);
        if (k == MKEY_ESC) {
            /* Esc then a key at once is Alt+key. */
            wint_t next;
            int rc2 = get_wch(&next);
            if (rc2 != ERR && rc2 != KEY_CODE_YES && (next == '[' || next == 'O')) {
                /* A sequence this terminal's description does not know:
                 * read it whole, so that none of it is typed as text. */
                mento_key k2 = escape_sequence(next);
                if (k2 >= 0)
                    dispatch_key(app, k2, 0);
                continue;
            }
            if (rc2 != ERR) {
                int ch2;
                mento_key k2 = from_curses(rc2, next, &ch2);
                if (k2 >= 0) {
                    dispatch_key(app, k2 | MKEY_ALT, 0);
                    continue;
                }
            }
        }
        if (k >= 0)
            dispatch_key(app, k, ch);
        if (app->quit)
            return;
    }
}

/* ---- Network ----------------------------------------------------------------------------- */

static void store_changed(struct app *app)
{
    app->store_version++;
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (screen_ops[s]->store_changed)
            screen_ops[s]->store_changed(app);
    app->dirty = true;
}

bool app_link_ok(const struct app *app)
{
    return app->net && app->sync.link == SYNC_LINK_ONLINE && !app->sync.running &&
           !app->sync.needs_login;
}

static void fetched(struct app *app, struct net_result *r)
{
    struct fetch_report rep;
    if (!fetch_handle(&app->fetch, r, app_now() / 1000, &rep)) {
        net_result_free(r);
        return;
    }
    if (rep.failed && app->opt.log)
        fprintf(app->opt.log, "fetch: %s\n", rep.message);
    if (rep.stored)
        app->store_version++;
    for (int s = 0; s < SCREEN_COUNT; s++)
        if (screen_ops[s]->fetched)
            screen_ops[s]->fetched(app, &rep);
    app->dirty = true;
}

static void network(struct app *app)
{
    struct net_result r;
    while (net_next_result(app->net, &r)) {
        struct sync_report rep;
        if (!sync_handle(&app->sync, &r, mono_ms(), &rep)) {
            fetched(app, &r);
            continue;
        }
        if (rep.applied && (rep.mentors || rep.collections || rep.settled))
            store_changed(app);
        /* The calendar files of sessions that changed follow the sync, and
         * the resources when the programme object says they may have. */
        if (rep.programme)
            fetch_resources(&app->fetch);
        if (rep.round_done && !rep.failed)
            fetch_calendars(&app->fetch);
        if (rep.refused) {
            refusal_show(app);
        } else if (rep.failed) {
            app_message(app, true, "%s", app->sync.message);
        }
        app->dirty = true;
    }
    sync_step(&app->sync, mono_ms());
    fetch_step(&app->fetch, app_link_ok(app));
}

/* ---- Scripted mode ------------------------------------------------------------------------ */

static void save_display(struct app *app, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        app_message(app, true, "cannot write %s: %s", path, strerror(errno));
        return;
    }
    for (int y = 0; y < app->rows; y++) {
        wchar_t w[1024];
        int n = mvinnwstr(y, 0, w, app->cols < 1023 ? app->cols : 1023);
        if (n < 0)
            n = 0;
        w[n] = L'\0';
        char line[4096];
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        const wchar_t *src = w;
        size_t len = wcsrtombs(line, &src, sizeof line - 1, &ps);
        if (len == (size_t)-1)
            len = 0;
        line[len] = '\0';
        while (len > 0 && line[len - 1] == ' ')
            line[--len] = '\0';
        fprintf(f, "%s\n", line);
    }
    fclose(f);
}

static void save_state(struct app *app, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "screen", screen_name(app->screen));
    cJSON_AddNumberToObject(s, "selected", (double)app->sel[app->screen]);
    cJSON_AddNumberToObject(s, "mentors", app->dir_loaded ? (double)app->dir.n : 0);
    cJSON_AddNumberToObject(s, "shown", app->dir_loaded ? (double)app->dir.n_view : 0);
    if (app->dir_loaded && app->dir.n_view) {
        const struct directory_entry *e =
            &app->dir.entries[app->dir.view[app->sel[SCREEN_DIRECTORY] < app->dir.n_view
                                                ? app->sel[SCREEN_DIRECTORY]
                                                : 0]];
        cJSON_AddNumberToObject(s, "selected_mentor", (double)e->user_id);
    }
    cJSON_AddNumberToObject(s, "queued", store_outbox_count(app->store, app->opt.programme));
    cJSON_AddStringToObject(s, "link",
                            !app->net                             ? "offline"
                            : app->sync.link == SYNC_LINK_ONLINE  ? "online"
                            : app->sync.link == SYNC_LINK_OFFLINE ? "offline"
                                                                  : "unknown");
    cJSON_AddStringToObject(s, "message", app->message);
    cJSON_AddStringToObject(s, "resource", app->reader.open ? app->reader.id : "");
    cJSON_AddStringToObject(s, "filter_text", app->filter.text);
    if (app->notes.notes) {
        static const char *const vault[] = {"none", "locked", "working", "unlocked"};
        enum notes_vault_state vs = notes_vault_state(app->notes.notes);
        cJSON_AddStringToObject(s, "vault", vault[vs]);
        size_t count = vs == NOTES_VAULT_UNLOCKED ? notes_count(app->notes.notes) : 0;
        cJSON_AddNumberToObject(s, "notes", (double)count);
    }
    cJSON_AddStringToObject(s, "sort", app->sort == DIRECTORY_BY_NAME ? "name" : "score");
    char *text = cJSON_Print(s);
    fprintf(f, "%s\n", text ? text : "{}");
    free(text);
    cJSON_Delete(s);
    fclose(f);
}

static void wait_sync(struct app *app)
{
    if (!app->net)
        return;
    int64_t give_up = mono_ms() + 30000;
    sync_step(&app->sync, mono_ms());
    /* The sync, then what is fetched after it. */
    while ((app->sync.running || (app->sync.wanted && !app->sync.retry_at) ||
            fetch_busy(&app->fetch, app_link_ok(app))) &&
           mono_ms() < give_up) {
        net_wait(app->net, -1, 50, NULL);
        network(app);
    }
}

/* The notes' key derivation, to its end (a minute at most). */
static void wait_unlock(struct app *app)
{
    int64_t give_up = mono_ms() + 60000;
    while ((app->notes.working || app->notes.changing) && mono_ms() < give_up) {
        if (app->net) {
            net_wait(app->net, -1, 20, NULL);
            network(app);
        } else {
            poll(NULL, 0, 20);
        }
        screens_tick(app);
    }
}

/* Run one line of the script; false at its end. */
static bool script_step(struct app *app)
{
    char line[1024];
    if (!fgets(line, sizeof line, app->script))
        return false;
    app->script_line++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#')
        return true;
    if (*p == ':') {
        char *arg = strchr(p, ' ');
        if (arg)
            *arg++ = '\0';
        if (app->dirty)
            draw(app);
        if (strcmp(p, ":save-display") == 0 && arg)
            save_display(app, arg);
        else if (strcmp(p, ":save-state") == 0 && arg)
            save_state(app, arg);
        else if (strcmp(p, ":wait-sync") == 0)
            wait_sync(app);
        else if (strcmp(p, ":wait-unlock") == 0)
            wait_unlock(app);
        else if (strcmp(p, ":type") == 0 && arg) {
            int cp;
            size_t n;
            const char *t = arg;
            while ((n = text_next(t, &cp)) > 0) {
                dispatch_key(app, cp == ' ' ? MKEY_SPACE : cp, cp > 0 ? cp : 0);
                t += n;
            }
        } else if (strcmp(p, ":resize") == 0 && arg) {
            int c, r;
            if (sscanf(arg, "%dx%d", &c, &r) == 2 && c > 0 && r > 0 && c <= 1000 && r <= 500) {
                resizeterm(r, c);
                app->dirty = true;
            }
        } else {
            app_message(app, true, "script line %d: unknown command %s", app->script_line, p);
        }
        return true;
    }
    for (char *save = NULL, *w = strtok_r(p, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        mento_key k;
        if (key_parse(w, &k) != MENTO_OK) {
            app_message(app, true, "script line %d: unknown key %s", app->script_line, w);
            continue;
        }
        int ch = k == MKEY_SPACE ? ' ' : (k >= 0x20 && k < MKEY_SPECIAL_BASE) ? k : 0;
        dispatch_key(app, k, ch);
        if (app->dirty)
            draw(app);
        if (app->quit)
            break;
    }
    return true;
}

void app_suspend(struct app *app)
{
    (void)app;
    def_prog_mode();
    endwin();
}

void app_resume(struct app *app)
{
    reset_prog_mode();
    clearok(curscr, TRUE);
    app->dirty = true;
}

/* ---- Start and stop ------------------------------------------------------------------------- */

static void setup_colors(struct app *app)
{
    const char *nc = getenv("NO_COLOR");
    app->colors = !(nc && *nc) && has_colors();
    if (!app->colors)
        return;
    start_color();
    use_default_colors();
    init_pair(PAIR_TAB, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_WHITE);
    init_pair(PAIR_ERROR, COLOR_RED, -1);
    init_pair(PAIR_DIM, COLOR_YELLOW, -1);
}

static void load_keymaps(struct app *app)
{
    keymap_defaults(&app->keymap);
    char *report = NULL;
    size_t len = 0;
    FILE *errors = open_memstream(&report, &len);
    if (app->opt.keymap_name && strcmp(app->opt.keymap_name, "default") != 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.keys", app->opt.keymap_dir ? app->opt.keymap_dir : ".",
                 app->opt.keymap_name);
        keymap_load_file(&app->keymap, path, errors);
    }
    if (app->opt.user_keys && access(app->opt.user_keys, F_OK) == 0)
        keymap_load_file(&app->keymap, app->opt.user_keys, errors);
    if (errors)
        fclose(errors);
    if (report && len) {
        snprintf(app->keymap_errors, sizeof app->keymap_errors, "%s", report);
        if (app->opt.log)
            fputs(report, app->opt.log);
        /* The first line on screen; the log has all of them. */
        char *nl = strchr(app->keymap_errors, '\n');
        if (nl)
            *nl = '\0';
        app_message(app, true, "keymap: %s", app->keymap_errors);
    }
    free(report);
}

static int start_terminal(struct app *app, char *err, size_t err_len)
{
    if (app->opt.script) {
        app->script = fopen(app->opt.script, "r");
        if (!app->script) {
            snprintf(err, err_len, "cannot read the script %s: %s", app->opt.script,
                     strerror(errno));
            return -1;
        }
        /* Draw into nothing, at a fixed size. */
        char size[16];
        snprintf(size, sizeof size, "%d", app->opt.script_cols > 0 ? app->opt.script_cols : 80);
        setenv("COLUMNS", size, 1);
        snprintf(size, sizeof size, "%d", app->opt.script_rows > 0 ? app->opt.script_rows : 24);
        setenv("LINES", size, 1);
        app->term_out = fopen("/dev/null", "w");
        app->term_in = fopen("/dev/null", "r");
        const char *term = getenv("TERM");
        app->term = app->term_out && app->term_in ? newterm(term && *term ? term : "xterm-256color",
                                                            app->term_out, app->term_in)
                                                  : NULL;
        if (!app->term) {
            snprintf(err, err_len, "cannot set up the scripted terminal");
            return -1;
        }
        set_term(app->term);
    } else {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            snprintf(err, err_len, "mento needs a terminal (or MENTO_SCRIPT for tests)");
            return -1;
        }
        if (!initscr()) {
            snprintf(err, err_len, "cannot start the terminal");
            return -1;
        }
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    setup_colors(app);
    getmaxyx(stdscr, app->rows, app->cols);
    return 0;
}

static void stop_terminal(struct app *app)
{
    endwin();
    if (app->term)
        delscreen(app->term);
    if (app->term_out)
        fclose(app->term_out);
    if (app->term_in)
        fclose(app->term_in);
    if (app->script)
        fclose(app->script);
}

int app_run(const struct app_options *opt, char *err, size_t err_len)
{
    setlocale(LC_ALL, "");
    struct app *app = calloc(1, sizeof *app);
    if (!app) {
        snprintf(err, err_len, "out of memory");
        return 1;
    }
    app->opt = *opt;
    snprintf(app->programme, sizeof app->programme, "%s", opt->programme);
    app->opt.programme = app->programme;
    app->screen = SCREEN_DIRECTORY;
    app->sort = DIRECTORY_BY_SCORE;
    int status = 0;
    if (store_open(&app->store, opt->store_path, err, err_len) != MENTO_OK) {
        free(app);
        return 1;
    }
    if (!opt->offline && opt->server_url) {
        struct net_options no = {.base_url = opt->server_url, .ca_file = opt->ca_file};
        if (net_open(&app->net, &no, err, err_len) != MENTO_OK) {
            store_close(&app->store);
            free(app);
            return 1;
        }
        if (opt->token)
            net_set_token(app->net, opt->token);
        sync_init(&app->sync, app->store, app->net, app->programme, (uint32_t)app_now());
        sync_request(&app->sync);
        fetch_init(&app->fetch, app->store, app->net, opt->programme);
        fetch_resources(&app->fetch);
    }
    load_keymaps(app);
    if (start_terminal(app, err, err_len) != 0) {
        net_close(&app->net);
        store_close(&app->store);
        free(app);
        return 1;
    }
    /* The first frame comes from the store, before any network; a refusal
     * not read last time is shown again. */
    app_reload_directory(app);
    screens_open(app);
    refusal_show(app);
    app->dirty = true;
    if (app->net)
        sync_step(&app->sync, mono_ms());

    while (!app->quit) {
        screens_tick(app);
        if (app->dirty)
            draw(app);
        if (app->script) {
            if (app->net)
                network(app);
            if (!script_step(app))
                break;
            continue;
        }
        /* Work on a worker thread wakes the network's wait; without a
         * network it is looked at often. */
        int timeout = !app->net && app->notes.working ? 20 : 1000;
        bool key_ready = false;
        if (app->net) {
            int st = sync_timeout_ms(&app->sync, mono_ms());
            if (st >= 0 && st < timeout)
                timeout = st;
            net_wait(app->net, STDIN_FILENO, timeout, &key_ready);
            network(app);
        } else {
            struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
            poll(&pfd, 1, timeout);
        }
        (void)key_ready; /* keys are read without waiting either way */
        read_keys(app);
    }
    stop_terminal(app);
    screens_done(app);
    if (app->dir_loaded)
        directory_free(&app->dir);
    if (app->have_me)
        mento_profile_free(&app->me);
    pager_free(&app->reader.pager);
    net_close(&app->net);
    store_close(&app->store);
    free(app);
    return status;
}

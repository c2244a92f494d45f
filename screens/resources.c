/* resources.c - the programme's handbooks, session agendas and suggested
 * topics as the store keeps them (readable offline), listed by kind; Enter
 * opens one in a pager that wraps it at the pane's width, scrolls, and finds
 * words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/text.h"

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- The list -------------------------------------------------------------------- */

static const struct {
    const char *kind, *title;
} kinds[] = {
    {"handbook", "Handbooks"},
    {"agenda", "Session agendas"},
    {"topic", "Suggested topics"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static bool known_kind(const char *kind)
{
    for (size_t k = 0; k < N_KINDS; k++)
        if (strcmp(kind, kinds[k].kind) == 0)
            return true;
    return false;
}

/* The kept resources in the order shown: by kind (handbooks, agendas,
 * topics, then any other kind the server sends), the server's order within
 * a kind. A new array, caller deletes. */
static cJSON *in_order(struct app *app)
{
    cJSON *all = store_resources_list(app->store, app->opt.programme);
    cJSON *out = cJSON_CreateArray();
    if (!all || !out) {
        cJSON_Delete(all);
        return out;
    }
    const cJSON *r;
    for (size_t k = 0; k < N_KINDS; k++)
        cJSON_ArrayForEach(r, all)
        {
            if (strcmp(str_of(r, "kind"), kinds[k].kind) == 0)
                cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1));
        }
    cJSON_ArrayForEach(r, all)
    {
        if (!known_kind(str_of(r, "kind")))
            cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1));
    }
    cJSON_Delete(all);
    return out;
}

static const char *kind_title(const char *kind)
{
    for (size_t k = 0; k < N_KINDS; k++)
        if (strcmp(kind, kinds[k].kind) == 0)
            return kinds[k].title;
    return kind;
}

/* One line of the list: a kind's title, or a resource (its index). */
struct row {
    const char *heading; /* NULL for a resource */
    int item;
};

/* The rows of the list: a heading before each kind, a blank between kinds
 * (heading "" ). Returns how many were written. */
static size_t list_rows(const cJSON *list, struct row *rows, size_t cap)
{
    size_t n = 0;
    const char *last = NULL;
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, list)
    {
        const char *kind = str_of(r, "kind");
        if (!last || strcmp(last, kind) != 0) {
            if (last && n < cap)
                rows[n++] = (struct row){.heading = ""};
            if (n < cap)
                rows[n++] = (struct row){.heading = kind_title(kind)};
            last = kind;
        }
        if (n < cap)
            rows[n++] = (struct row){.heading = NULL, .item = i};
        i++;
    }
    return n;
}

/* How the kept copy stands, in a line. */
static void copy_state(struct app *app, size_t n, char *out, size_t cap)
{
    char etag[128];
    int64_t at = 0;
    store_resources_etag(app->store, app->opt.programme, etag, sizeof etag, &at);
    const char *error = app->fetch.resources_error;
    if (app->net && app->fetch.transfer && app->fetch.what == FETCH_RESOURCES) {
        snprintf(out, cap, "Fetching the programme's resources…");
    } else if (at > 0) {
        char when[32];
        time_t t = (time_t)at;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        snprintf(out, cap, "%zu kept for reading offline, as the server had them on %s%s%s", n,
                 when, error[0] ? "; the last try failed: " : "", error);
    } else if (error[0]) {
        snprintf(out, cap, "Not fetched yet: %s", error);
    } else {
        snprintf(out, cap, "%s",
                 app->net ? "Not fetched yet: they come after the first sync"
                          : "None kept yet: they are fetched when mento is "
                            "online");
    }
}

static void hint(struct app *app, int y, int cols, const enum request *reqs,
                 const char *const *words, size_t n)
{
    char line[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char keys[64];
        keymap_keys_for(&app->keymap, SCREEN_RESOURCES, reqs[i], keys, sizeof keys);
        char *comma = strchr(keys, ',');
        if (comma)
            *comma = '\0';
        if (!keys[0])
            continue;
        int w =
            snprintf(line + used, sizeof line - used, "%s%s %s", used ? " · " : "", keys, words[i]);
        if (w > 0 && (size_t)w < sizeof line - used)
            used += (size_t)w;
    }
    app_put(app, y, 0, cols, line, A_DIM);
}

static void list_draw(struct app *app, int top, int rows, int cols)
{
    app_put(app, top, 0, cols, "Resources: the programme's handbooks, session agendas and topics",
            A_BOLD);
    cJSON *list = in_order(app);
    size_t n = (size_t)cJSON_GetArraySize(list);
    char state[600];
    copy_state(app, n, state, sizeof state);
    app_put(app, top + 1, 0, cols, state, 0);
    struct row *r = calloc(3 * n + 1, sizeof *r);
    size_t n_rows = r ? list_rows(list, r, 3 * n + 1) : 0;
    size_t *sel = &app->sel[SCREEN_RESOURCES], *first = &app->top[SCREEN_RESOURCES];
    if (*sel >= n)
        *sel = n ? n - 1 : 0;
    /* The selected resource's row, kept in view (with its kind's heading
     * when there is room). */
    size_t at = 0;
    for (size_t i = 0; i < n_rows; i++)
        if (!r[i].heading && (size_t)r[i].item == *sel)
            at = i;
    int shown = rows - 4;
    if (shown < 1)
        shown = 1;
    if (at < *first + 1)
        *first = at > 0 ? at - 1 : 0;
    if (at >= *first + (size_t)shown)
        *first = at - (size_t)shown + 1;
    int y = top + 3;
    for (size_t i = *first; i < n_rows && y < top + 3 + shown; i++, y++) {
        if (r[i].heading) {
            app_put(app, y, 0, cols, r[i].heading, A_BOLD);
            continue;
        }
        const cJSON *it = cJSON_GetArrayItem(list, r[i].item);
        app_put(app, y, 2, cols - 4, str_of(it, "title"),
                (size_t)r[i].item == *sel ? A_REVERSE : 0);
    }
    static const enum request reqs[] = {REQ_ENTER, REQ_BACK};
    static const char *const words[] = {"read", "back"};
    if (n)
        hint(app, top + rows - 1, cols, reqs, words, 2);
    free(r);
    cJSON_Delete(list);
}

/* ---- The pager ----------------------------------------------------------------------- */

static int text_rows(const struct app *app)
{
    struct layout_frame frame;
    layout_frame(app->rows, app->cols, &frame);
    return frame.pane_rows - 2 > 1 ? frame.pane_rows - 2 : 1;
}

static void reader_close(struct app *app)
{
    struct reader *rd = &app->reader;
    rd->open = false;
    pager_free(&rd->pager);
    rd->laid_width = 0;
}

/* Lay the open resource out for the pane's width, when either changed.
 * False (and the reader closed, with a word) when it is no longer kept. */
static bool reader_layout(struct app *app)
{
    struct reader *rd = &app->reader;
    int width = app->cols - 4;
    if (rd->laid_width == width && rd->laid_version == app->store_version)
        return true;
    char *body = store_resource_body(app->store, app->opt.programme, rd->id);
    if (!body) {
        reader_close(app);
        app_message(app, true, "%s is no longer among the programme's resources", rd->title);
        return false;
    }
    mento_status st = pager_layout(&rd->pager, body, width);
    free(body);
    if (st != MENTO_OK) {
        reader_close(app);
        app_message(app, true, "%s could not be laid out: out of memory", rd->title);
        return false;
    }
    /* Another width: keep the same place in the text, roughly. */
    if (rd->laid_width > 0 && rd->laid_width != width)
        rd->top = rd->top * (size_t)rd->laid_width / (size_t)width;
    rd->laid_width = width;
    rd->laid_version = app->store_version;
    rd->match = -1;
    return true;
}

static size_t last_top(const struct app *app)
{
    size_t n = app->reader.pager.n, shown = (size_t)text_rows(app);
    return n > shown ? n - shown : 0;
}

static void scroll_to(struct app *app, long line)
{
    size_t max = last_top(app);
    app->reader.top = line < 0 ? 0 : (size_t)line > max ? max : (size_t)line;
}

static void reader_draw(struct app *app, int top, int rows, int cols)
{
    struct reader *rd = &app->reader;
    if (!reader_layout(app)) {
        list_draw(app, top, rows, cols);
        return;
    }
    scroll_to(app, (long)rd->top);
    int shown = rows - 2 > 1 ? rows - 2 : 1;
    size_t n = rd->pager.n;
    char where[96];
    if (n == 0)
        snprintf(where, sizeof where, "empty");
    else
        snprintf(where, sizeof where, "lines %zu-%zu of %zu", rd->top + 1,
                 rd->top + (size_t)shown < n ? rd->top + (size_t)shown : n, n);
    int ww = text_width(where);
    app_put(app, top, 0, cols - ww - 2, rd->title, A_BOLD);
    app_put(app, top, cols - ww, ww, where, 0);
    for (int i = 0; i < shown && rd->top + (size_t)i < n; i++) {
        size_t k = rd->top + (size_t)i;
        int y = top + 1 + i;
        const char *text = pager_line(&rd->pager, k);
        int attr = 0;
        switch (rd->pager.lines[k].style) {
        case PAGER_TITLE:
            attr = A_BOLD | A_UNDERLINE;
            break;
        case PAGER_HEADING:
            attr = A_BOLD;
            break;
        case PAGER_CODE:
            attr = A_DIM;
            break;
        case PAGER_RULE:
            /* Across the text's width. */
            for (int x = 2; x < cols - 2; x++)
                mvaddstr(y, x, "─");
            continue;
        default:
            break;
        }
        if ((long)k == rd->match)
            attr |= A_REVERSE;
        app_put(app, y, 2, cols - 4, text, attr);
    }
    static const enum request reqs[] = {REQ_PAGE_DOWN, REQ_SEARCH, REQ_SEARCH_NEXT, REQ_BACK};
    static const char *const words[] = {"next page", "find", "find again", "back to the list"};
    hint(app, top + rows - 1, cols, reqs, words, 4);
}

static void reader_open(struct app *app)
{
    cJSON *list = in_order(app);
    const cJSON *it = cJSON_GetArrayItem(list, (int)app->sel[SCREEN_RESOURCES]);
    if (it) {
        struct reader *rd = &app->reader;
        pager_free(&rd->pager);
        memset(rd, 0, sizeof *rd);
        rd->open = true;
        rd->match = -1;
        snprintf(rd->id, sizeof rd->id, "%s", str_of(it, "id"));
        snprintf(rd->title, sizeof rd->title, "%s", str_of(it, "title"));
        reader_layout(app);
    }
    cJSON_Delete(list);
}

/* Find the words from `from` on (or back), and show where. */
static void find(struct app *app, size_t from, bool forward, bool quiet_when_missing)
{
    struct reader *rd = &app->reader;
    bool wrapped;
    long at = pager_find(&rd->pager, rd->words, from, forward, &wrapped);
    rd->match = at;
    if (at < 0) {
        if (!quiet_when_missing)
            app_message(app, true, "Not found: %s", rd->words);
        return;
    }
    scroll_to(app, at);
    if (wrapped)
        app_message(app, false, "Went round to the %s: found on line %ld",
                    forward ? "top" : "bottom", at + 1);
}

/* The prompt's words: every key moves to the first place they are found
 * from where the prompt opened; Esc goes back there. */
static void resources_search(struct app *app, const char *words, bool done)
{
    struct reader *rd = &app->reader;
    if (!rd->open || !reader_layout(app))
        return;
    if (!words) {
        rd->top = rd->origin;
        rd->match = -1;
        return;
    }
    snprintf(rd->words, sizeof rd->words, "%s", words);
    rd->top = rd->origin;
    if (!words[0]) {
        rd->match = -1;
        return;
    }
    find(app, rd->origin, true, !done);
    if (done && rd->match >= 0) {
        char keys[64] = "";
        keymap_keys_for(&app->keymap, SCREEN_RESOURCES, REQ_SEARCH_NEXT, keys, sizeof keys);
        char *comma = strchr(keys, ',');
        if (comma)
            *comma = '\0';
        app_message(app, false, "Found on line %ld%s%s%s", rd->match + 1, keys[0] ? "; " : "", keys,
                    keys[0] ? " finds the next" : "");
    }
}

static int reader_handle(struct app *app, enum request req)
{
    struct reader *rd = &app->reader;
    if (!reader_layout(app))
        return APP_REDRAW;
    long page = text_rows(app) - 1 > 1 ? text_rows(app) - 1 : 1;
    switch (req) {
    case REQ_MOVE_UP:
        scroll_to(app, (long)rd->top - 1);
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        scroll_to(app, (long)rd->top + 1);
        return APP_REDRAW;
    case REQ_PAGE_UP:
        scroll_to(app, (long)rd->top - page);
        return APP_REDRAW;
    case REQ_PAGE_DOWN:
        scroll_to(app, (long)rd->top + page);
        return APP_REDRAW;
    case REQ_MOVE_FIRST:
        scroll_to(app, 0);
        return APP_REDRAW;
    case REQ_MOVE_LAST:
        scroll_to(app, (long)rd->pager.n);
        return APP_REDRAW;
    case REQ_ENTER:
        return APP_HANDLED;
    case REQ_BACK:
        reader_close(app);
        return APP_REDRAW;
    case REQ_SEARCH:
        rd->origin = rd->top;
        app_prompt_open(app, PROMPT_SEARCH, 0);
        return APP_REDRAW;
    case REQ_SEARCH_NEXT:
    case REQ_SEARCH_PREV:
        if (!rd->words[0]) {
            if (req == REQ_SEARCH_PREV) {
                app_message(app, false, "Nothing to find again yet");
                return APP_REDRAW;
            }
            rd->origin = rd->top;
            app_prompt_open(app, PROMPT_SEARCH, 0);
            return APP_REDRAW;
        }
        if (req == REQ_SEARCH_NEXT)
            find(app, rd->match >= 0 ? (size_t)rd->match + 1 : rd->top, true, false);
        else
            find(app,
                 rd->match > 0    ? (size_t)rd->match - 1
                 : rd->match == 0 ? rd->pager.n - 1
                                  : rd->top,
                 false, false);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

/* ---- The pane ------------------------------------------------------------------------- */

static void resources_draw(struct app *app, int top, int rows, int cols)
{
    if (app->reader.open)
        reader_draw(app, top, rows, cols);
    else
        list_draw(app, top, rows, cols);
}

static int resources_handle(struct app *app, enum request req)
{
    if (app->reader.open)
        return reader_handle(app, req);
    cJSON *list = in_order(app);
    long n = cJSON_GetArraySize(list);
    cJSON_Delete(list);
    long to = (long)app->sel[SCREEN_RESOURCES];
    switch (req) {
    case REQ_MOVE_UP:
        to--;
        break;
    case REQ_MOVE_DOWN:
        to++;
        break;
    case REQ_PAGE_UP:
        to -= text_rows(app) / 2;
        break;
    case REQ_PAGE_DOWN:
        to += text_rows(app) / 2;
        break;
    case REQ_MOVE_FIRST:
        to = 0;
        break;
    case REQ_MOVE_LAST:
        to = n - 1;
        break;
    case REQ_ENTER:
        if (n == 0) {
            app_message(app, false, "Nothing to read yet");
            return APP_REDRAW;
        }
        reader_open(app);
        return APP_REDRAW;
    case REQ_SEARCH:
    case REQ_SEARCH_NEXT:
    case REQ_SEARCH_PREV:
        app_message(app, false, "Open a resource first: the search looks in the text being read");
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
    if (to >= n)
        to = n - 1;
    if (to < 0)
        to = 0;
    app->sel[SCREEN_RESOURCES] = (size_t)to;
    return APP_REDRAW;
}

/* The resources came (again): a changed text is laid out anew. */
static void resources_fetched(struct app *app, const struct fetch_report *rep)
{
    if (rep->what == FETCH_RESOURCES && rep->stored)
        app->reader.laid_width = 0;
}

const struct screen_ops screen_RESOURCES_ops = {
    .draw = resources_draw,
    .handle = resources_handle,
    .fetched = resources_fetched,
    .search = resources_search,
};

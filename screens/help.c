/* help.c - every request with the keys bound to it now, generated from the
 * one request table and the loaded keymaps (so a user's own keys show). */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/text.h"

static void help_draw(struct app *app, int top, int rows, int cols)
{
    char head[160], res[32] = "";
    keymap_keys_for(&app->keymap, SCREEN_HELP, REQ_VIEW_RESOURCES, res, sizeof res);
    char *comma = strchr(res, ',');
    if (comma)
        *comma = '\0';
    snprintf(head, sizeof head, "Keys: on every pane, or on the pane named%s%s%s",
             res[0] ? " · " : "", res, res[0] ? " handbooks, agendas, topics" : "");
    app_put(app, top, 0, cols, head, A_BOLD);
    top++;
    rows--;
    size_t n = REQ_COUNT - 1;
    app_move(app, 0, n, rows);
    size_t first = app->top[SCREEN_HELP];
    for (int r = 0; r < rows && first + (size_t)r < n; r++) {
        enum request req = (enum request)(first + (size_t)r + 1);
        char keys[160] = "";
        size_t used = 0;
        for (size_t b = 0; b < app->keymap.n; b++) {
            const struct keymap_binding *kb = &app->keymap.b[b];
            if (kb->req != req || keymap_binding_repeats(&app->keymap, kb))
                continue;
            char name_[32];
            key_to_name(kb->key, name_, sizeof name_);
            int w = snprintf(keys + used, sizeof keys - used, "%s%s%s%s%s", used ? ", " : "", name_,
                             kb->section == KEYMAP_GENERIC ? "" : " (",
                             kb->section == KEYMAP_GENERIC ? "" : screen_name(kb->section),
                             kb->section == KEYMAP_GENERIC ? "" : ")");
            if (w > 0 && (size_t)w < sizeof keys - used)
                used += (size_t)w;
        }
        char k[96], name[64], line[512];
        text_fit_pad(keys[0] ? keys : "(none)", 24, k, sizeof k);
        text_fit_pad(request_name(req), 21, name, sizeof name);
        snprintf(line, sizeof line, "%s %s %s", k, name, request_help(req));
        app_put(app, top + r, 0, cols, line,
                first + (size_t)r == app->sel[SCREEN_HELP] ? A_REVERSE : 0);
    }
}

static int help_handle(struct app *app, enum request req)
{
    size_t n = REQ_COUNT - 1;
    int rows = app->rows - 5;
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, rows);
        return APP_REDRAW;
    case REQ_PAGE_UP:
        app_move(app, -rows, n, rows);
        return APP_REDRAW;
    case REQ_PAGE_DOWN:
        app_move(app, rows, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_FIRST:
        app_move(app, -(long)n, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_LAST:
        app_move(app, (long)n, n, rows);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

const struct screen_ops screen_HELP_ops = {
    .draw = help_draw,
    .handle = help_handle,
};

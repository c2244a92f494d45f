/* panes.c - the panes whose full workflow comes later: each shows what the
 * local store already holds for it and says what it will offer. */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"

static void list_lines(struct app *app, int top, int rows, int cols, const char *title,
                       const char *const *lines, size_t n)
{
    app_put(app, top, 0, cols, title, A_BOLD);
    for (size_t i = 0; i < n && (int)i + 2 < rows; i++)
        app_put(app, top + 2 + (int)i, 2, cols - 4, lines[i], 0);
}

static void notes_draw(struct app *app, int top, int rows, int cols)
{
    static const char *const lines[] = {
        "Private session notes, encrypted on this device before they are stored or sent:",
        "the programme's administrators and the server's operator cannot read them.",
    };
    list_lines(app, top, rows, cols, "Notes", lines, 2);
}

static int no_requests(struct app *app, enum request req)
{
    (void)app;
    (void)req;
    return APP_UNHANDLED;
}

const struct screen_ops screen_NOTES_ops = {.draw = notes_draw, .handle = no_requests};

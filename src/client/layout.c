/* layout.c - frame rows, the directory's columns and its split with the
 * profile: arithmetic only. */
#include "mento/layout.h"

void layout_frame(int rows, int cols, struct layout_frame *out)
{
    out->too_small = rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS;
    out->tabs_row = 0;
    out->pane_top = 1;
    out->pane_rows = rows - 3 > 0 ? rows - 3 : 0;
    out->message_row = rows - 2;
    out->status_row = rows - 1;
}

void layout_directory_columns(int cols, struct layout_columns *c)
{
    *c = (struct layout_columns){.score = 5, .grade = 6, .langs = 6, .state = 5};
    /* Seven columns, six separating spaces; the rest is shared out. */
    int rest = cols - c->score - c->grade - c->langs - c->state - 6;
    if (rest < 24)
        rest = 24;
    c->name = rest * 40 / 100;
    c->entity = rest * 25 / 100;
    c->station = rest - c->name - c->entity;
}

void layout_directory_split(int cols, bool profile_open, struct layout_split *s)
{
    s->side_by_side = profile_open && cols >= LAYOUT_SIDE_BY_SIDE_COLS;
    if (!profile_open) {
        *s = (struct layout_split){.list_cols = cols};
    } else if (s->side_by_side) {
        s->list_cols = cols - LAYOUT_PROFILE_COLS;
        s->profile_left = s->list_cols + 1;
        s->profile_cols = LAYOUT_PROFILE_COLS - 1;
    } else {
        s->list_cols = 0;
        s->profile_left = 0;
        s->profile_cols = cols;
    }
}

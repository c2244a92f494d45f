/* layout.h - the client's geometry, apart from drawing so that it can be
 * tested without a terminal: the frame's rows, whether a terminal is large
 * enough, the directory's columns and when the profile sits beside the list. */
#ifndef MENTO_LAYOUT_H
#define MENTO_LAYOUT_H

#include <stdbool.h>

/* The smallest terminal the layout is drawn in. */
#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_ROWS 24
/* From this width the profile sits beside the directory list. */
#define LAYOUT_SIDE_BY_SIDE_COLS 120
#define LAYOUT_PROFILE_COLS      48

struct layout_frame {
    bool too_small;
    int tabs_row;    /* the tab bar */
    int pane_top;    /* first row of the pane */
    int pane_rows;   /* rows of the pane */
    int message_row; /* messages and prompts */
    int status_row;  /* the status line */
};

void layout_frame(int rows, int cols, struct layout_frame *out);

/* The directory list's columns; with the six separating spaces they fill
 * exactly `cols` (at least LAYOUT_MIN_COLS - LAYOUT_PROFILE_COLS). */
struct layout_columns {
    int score, name, grade, entity, station, langs, state;
};
void layout_directory_columns(int cols, struct layout_columns *out);

/* Where the directory's list and the profile go when the profile is open:
 * side by side from LAYOUT_SIDE_BY_SIDE_COLS, else the profile alone. */
struct layout_split {
    bool side_by_side;
    int list_cols;    /* 0 when the profile is alone */
    int profile_left; /* column where the profile starts (after a separator) */
    int profile_cols;
};
void layout_directory_split(int cols, bool profile_open, struct layout_split *out);

#endif

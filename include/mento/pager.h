/* pager.h - a Markdown text laid out for reading in a pane: headings set
 * apart and emphasised, list items kept with their bullet and a hanging
 * indent, quotes and code set off, paragraphs word-wrapped at the pane's
 * width with wide characters measured by the text module; and a search that
 * ignores case and accents. Pure logic, tested without a terminal. */
#ifndef MENTO_PAGER_H
#define MENTO_PAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "mento/error.h"

/* The narrowest layout: a narrower width is laid out at this one. */
#define PAGER_MIN_WIDTH 12

enum pager_style {
    PAGER_TEXT = 0,
    PAGER_TITLE,   /* a level-1 heading */
    PAGER_HEADING, /* levels 2 to 6 */
    PAGER_CODE,    /* inside a fence, kept as written */
    PAGER_RULE,    /* a thematic break, drawn across */
};

struct pager_line {
    size_t off; /* into text */
    enum pager_style style;
};

/* Owns its lines; zero-initialise, then pager_layout, pager_free. */
struct pager {
    char *text; /* every line, each NUL-terminated */
    size_t len, cap;
    struct pager_line *lines;
    size_t n, n_cap;
    int width;
};

/* Lay `markdown` out at `width` columns, replacing what `p` held. On
 * MENTO_ERR_NOMEM `p` is left empty. */
mento_status pager_layout(struct pager *p, const char *markdown, int width);
/* Line `i` (< p->n), without its style. */
const char *pager_line(const struct pager *p, size_t i);
/* The first line from `from` on (forward) or back (backward) holding
 * `words`, case and accents ignored, going round the end once; -1 when none
 * (or `words` is blank). *wrapped (may be NULL) tells whether it went round. */
long pager_find(const struct pager *p, const char *words, size_t from, bool forward, bool *wrapped);
void pager_free(struct pager *p);

#endif

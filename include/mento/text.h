/* text.h - terminal text: display width of UTF-8 (wide CJK characters take
 * two columns, combining marks none) and fitting text into a number of
 * columns without ever cutting a character or separating a mark from its
 * letter. Needs a UTF-8 LC_CTYPE (setlocale) for wcwidth. */
#ifndef MENTO_TEXT_H
#define MENTO_TEXT_H

#include <stddef.h>

/* Columns `s` takes; invalid bytes and control characters count one column
 * each (they are shown as U+FFFD). */
int text_width(const char *s);
/* Copy into `out` (room for `cap` bytes) the longest prefix of `s` that fits
 * in `cols` columns, with an ellipsis "…" at the end when something was cut
 * and `ellipsis` is set; invalid bytes and control characters become
 * U+FFFD. Returns the columns used. */
int text_fit(const char *s, int cols, int ellipsis, char *out, size_t cap);
/* The same, padded with spaces to exactly `cols` columns. */
int text_fit_pad(const char *s, int cols, char *out, size_t cap);
/* Bytes of the longest prefix of `s` that fits in `cols` columns, never
 * cutting a character or separating a combining mark from its letter;
 * *used (may be NULL) gets its width. For breaking a word too long for a
 * line. */
size_t text_prefix(const char *s, int cols, int *used);
/* Decode one code point; returns its length in bytes (1 for an invalid
 * byte, with *cp = -1), 0 at the end of the string. */
size_t text_next(const char *s, int *cp);

#endif

/* text.c - display width and column-exact fitting of UTF-8 text. */
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "mento/text.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

size_t text_next(const char *s, int *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!u[0])
        return 0;
    size_t n;
    int c, min;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xe0) == 0xc0) {
        n = 2, c = u[0] & 0x1f, min = 0x80;
    } else if ((u[0] & 0xf0) == 0xe0) {
        n = 3, c = u[0] & 0x0f, min = 0x800;
    } else if ((u[0] & 0xf8) == 0xf0) {
        n = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = -1;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return n;
}

/* Columns of one code point: -1 (invalid) and controls are shown as U+FFFD. */
static int cp_width(int cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

static bool shown_as_replacement(int cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

int text_width(const char *s)
{
    int w = 0, cp;
    size_t n;
    while ((n = text_next(s, &cp)) > 0) {
        w += cp_width(cp);
        s += n;
    }
    return w;
}

static int fit(const char *s, int cols, int ellipsis, char *out, size_t cap, int pad)
{
    size_t used = 0;
    int w = 0, cp;
    size_t n;
    if (cap == 0)
        return 0;
    bool cut = false;
    /* With an ellipsis, leave its column free if the whole does not fit. */
    int limit = cols;
    if (ellipsis && text_width(s) > cols)
        limit = cols - 1;
    const char *p = s;
    while ((n = text_next(p, &cp)) > 0) {
        int cw = cp_width(cp);
        if (w + cw > limit) {
            cut = true;
            break;
        }
        const char *bytes = shown_as_replacement(cp) ? replacement : p;
        size_t blen = shown_as_replacement(cp) ? 3 : n;
        if (used + blen + 1 > cap) {
            cut = true;
            break;
        }
        memcpy(out + used, bytes, blen);
        used += blen;
        w += cw;
        p += n;
    }
    if (cut && ellipsis && cols > 0 && limit < cols && used + 4 <= cap) {
        memcpy(out + used, "\xe2\x80\xa6", 3); /* … */
        used += 3;
        w += 1;
    }
    while (pad && w < cols && used + 2 <= cap) {
        out[used++] = ' ';
        w++;
    }
    out[used] = '\0';
    return w;
}

int text_fit(const char *s, int cols, int ellipsis, char *out, size_t cap)
{
    return fit(s, cols < 0 ? 0 : cols, ellipsis, out, cap, 0);
}

int text_fit_pad(const char *s, int cols, char *out, size_t cap)
{
    return fit(s, cols < 0 ? 0 : cols, 1, out, cap, 1);
}

size_t text_prefix(const char *s, int cols, int *used)
{
    size_t at = 0, n;
    int w = 0, cp;
    while ((n = text_next(s + at, &cp)) > 0) {
        int cw = cp_width(cp);
        if (w + cw > cols)
            break;
        w += cw;
        at += n;
    }
    if (used)
        *used = w;
    return at;
}

/* pager.c - Markdown shown plainly: block structure read line by line
 * (headings, lists, quotes, fences, rules, paragraphs), inline marks
 * dropped, and every block word-wrapped at the width. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/pager.h"
#include "mento/text.h"
#include "mento/utf8.h"

/* A growable string. */
struct buf {
    char *s;
    size_t len, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->failed = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* ---- Output lines ---------------------------------------------------------------- */

struct layout {
    struct pager *p;
    bool failed;
    int width;
};

static void emit(struct layout *l, enum pager_style style, const char *s, size_t n)
{
    struct pager *p = l->p;
    if (l->failed)
        return;
    if (p->n == p->n_cap) {
        size_t cap = p->n_cap ? p->n_cap * 2 : 64;
        struct pager_line *g = realloc(p->lines, cap * sizeof *g);
        if (!g) {
            l->failed = true;
            return;
        }
        p->lines = g;
        p->n_cap = cap;
    }
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *g = realloc(p->text, cap);
        if (!g) {
            l->failed = true;
            return;
        }
        p->text = g;
        p->cap = cap;
    }
    p->lines[p->n++] = (struct pager_line){.off = p->len, .style = style};
    memcpy(p->text + p->len, s, n);
    p->len += n;
    p->text[p->len++] = '\0';
}

static bool last_blank(const struct layout *l)
{
    const struct pager *p = l->p;
    return p->n == 0 ||
           (p->text[p->lines[p->n - 1].off] == '\0' && p->lines[p->n - 1].style == PAGER_TEXT);
}

/* One empty line between blocks, never two, never at the top. */
static void blank(struct layout *l)
{
    if (!last_blank(l))
        emit(l, PAGER_TEXT, "", 0);
}

/* Word-wrap `text` into lines of `l->width` columns: the first line starts
 * with `first`, the others with `next` (a hanging indent). A word wider than
 * a line is broken between characters. */
static void wrap(struct layout *l, enum pager_style style, const char *first, const char *next,
                 const char *text)
{
    struct buf line = {0};
    const char *prefix = first;
    int avail = l->width - text_width(prefix);
    if (avail < 4)
        avail = 4;
    int used = 0;
    buf_str(&line, prefix);
    bool empty = true;
    const char *p = text;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        char *word = malloc(n + 1);
        if (!word) {
            line.failed = true;
            break;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        p += n;
        int w = text_width(word);
        if (!empty && used + 1 + w > avail) {
            emit(l, style, line.s, line.len);
            line.len = 0;
            prefix = next;
            avail = l->width - text_width(prefix);
            if (avail < 4)
                avail = 4;
            buf_str(&line, prefix);
            used = 0;
            empty = true;
        }
        const char *rest = word;
        if (!empty) {
            buf_str(&line, " ");
            used++;
        }
        /* Too wide for any line: as much as fits, then the rest below. */
        while (text_width(rest) > avail - used) {
            int got;
            size_t take = text_prefix(rest, avail - used, &got);
            if (take == 0 && empty) {
                /* Not even one character fits (a wide one in 1 column). */
                int cp;
                take = text_next(rest, &cp);
            }
            if (take > 0) {
                buf_add(&line, rest, take);
                rest += take;
            }
            emit(l, style, line.s, line.len);
            line.len = 0;
            prefix = next;
            avail = l->width - text_width(prefix);
            if (avail < 4)
                avail = 4;
            buf_str(&line, prefix);
            used = 0;
            empty = true;
        }
        if (*rest) {
            buf_str(&line, rest);
            used += text_width(rest);
            empty = false;
        }
        free(word);
    }
    if (!empty || line.len > strlen(prefix))
        emit(l, style, line.s, line.len);
    if (line.failed)
        l->failed = true;
    free(line.s);
}

/* ---- Inline marks ---------------------------------------------------------------- */

/* The text without Markdown's inline marks: **strong** and __strong__ lose
 * their marks, `code` its backticks, [text](url) becomes "text (url)", an
 * image its alternative text, <https://...> its brackets, \* a star. */
static char *plain(const char *in)
{
    struct buf b = {0};
    buf_str(&b, "");
    for (const char *p = in; *p;) {
        if ((p[0] == '*' && p[1] == '*') || (p[0] == '_' && p[1] == '_')) {
            p += 2;
        } else if (*p == '`') {
            p++;
        } else if (*p == '\\' && p[1] && strchr("\\`*_{}[]()#+-.!<>|~", p[1])) {
            buf_add(&b, p + 1, 1);
            p += 2;
        } else if ((*p == '[' || (p[0] == '!' && p[1] == '[')) && strchr(p, ']') &&
                   strchr(p, ']')[1] == '(' && strchr(strchr(p, ']'), ')')) {
            bool image = *p == '!';
            const char *text = p + (image ? 2 : 1);
            const char *close = strchr(p, ']');
            const char *url = close + 2;
            const char *end = strchr(url, ')');
            char *inner = malloc((size_t)(close - text) + 1);
            if (!inner) {
                b.failed = true;
                break;
            }
            memcpy(inner, text, (size_t)(close - text));
            inner[close - text] = '\0';
            char *inner_plain = plain(inner);
            free(inner);
            if (!inner_plain) {
                b.failed = true;
                break;
            }
            buf_str(&b, inner_plain);
            size_t url_len = (size_t)(end - url);
            if (!image && url_len &&
                (strlen(inner_plain) != url_len || strncmp(inner_plain, url, url_len) != 0)) {
                buf_str(&b, " (");
                buf_add(&b, url, url_len);
                buf_str(&b, ")");
            }
            free(inner_plain);
            p = end + 1;
        } else if (*p == '<' &&
                   (strncmp(p + 1, "http://", 7) == 0 || strncmp(p + 1, "https://", 8) == 0 ||
                    strncmp(p + 1, "mailto:", 7) == 0) &&
                   strchr(p, '>') && !memchr(p, ' ', (size_t)(strchr(p, '>') - p))) {
            const char *end = strchr(p, '>');
            buf_add(&b, p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else {
            buf_add(&b, p, 1);
            p++;
        }
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- Blocks ---------------------------------------------------------------------- */

enum block { BLOCK_NONE, BLOCK_PARA, BLOCK_ITEM, BLOCK_QUOTE };

struct para {
    enum block kind;
    struct buf text;
    char first[48], next[48]; /* the prefixes of an item or a quote */
};

static void flush(struct layout *l, struct para *pa)
{
    if (pa->kind != BLOCK_NONE && pa->text.len) {
        char *t = plain(pa->text.s);
        if (!t)
            l->failed = true;
        else
            wrap(l, PAGER_TEXT, pa->first, pa->next, t);
        free(t);
    }
    if (pa->text.failed)
        l->failed = true;
    pa->kind = BLOCK_NONE;
    pa->text.len = 0;
    if (pa->text.s)
        pa->text.s[0] = '\0';
    pa->first[0] = pa->next[0] = '\0';
}

static void para_add(struct para *pa, const char *s)
{
    if (pa->text.len)
        buf_str(&pa->text, " ");
    buf_str(&pa->text, s);
}

static size_t spaces(const char *s)
{
    size_t n = 0;
    while (s[n] == ' ')
        n++;
    return n;
}

/* "---", "***", "___" (three or more, spaces allowed between). */
static bool is_rule(const char *s)
{
    s += spaces(s);
    char c = *s;
    if (c != '-' && c != '*' && c != '_')
        return false;
    int count = 0;
    for (; *s; s++) {
        if (*s == c)
            count++;
        else if (*s != ' ')
            return false;
    }
    return count >= 3;
}

/* A heading's level (1..6) and where its text starts; 0 when none. */
static int heading(const char *s, const char **text)
{
    s += spaces(s) <= 3 ? spaces(s) : 0;
    int level = 0;
    while (s[level] == '#')
        level++;
    if (level < 1 || level > 6 || (s[level] != ' ' && s[level] != '\0'))
        return 0;
    *text = s + level;
    return level;
}

/* A list item: its marker ("•", "◦" or "12.") and text; false when none. */
static bool list_item(const char *s, size_t *indent, char *marker, size_t cap, const char **text)
{
    size_t ind = spaces(s);
    const char *m = s + ind;
    if ((*m == '-' || *m == '*' || *m == '+') && m[1] == ' ') {
        snprintf(marker, cap, "%s", ind >= 2 ? "◦" : "•");
        *text = m + 2;
    } else {
        size_t d = 0;
        while (m[d] >= '0' && m[d] <= '9')
            d++;
        if (d == 0 || d > 9 || (m[d] != '.' && m[d] != ')') || m[d + 1] != ' ')
            return false;
        snprintf(marker, cap, "%.*s.", (int)d, m);
        *text = m + d + 2;
    }
    *indent = ind;
    return true;
}

static void trim_end(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void code_line(struct layout *l, const char *s)
{
    /* Kept as written, broken between characters when too long. */
    const char *indent = "    ";
    int avail = l->width - 4;
    if (avail < 4)
        avail = 4;
    struct buf b = {0};
    do {
        int got;
        size_t take = text_prefix(s, avail, &got);
        if (take == 0 && *s) {
            int cp;
            take = text_next(s, &cp);
        }
        b.len = 0;
        buf_str(&b, indent);
        buf_add(&b, s, take);
        if (!b.failed)
            emit(l, PAGER_CODE, b.s, b.len);
        s += take;
    } while (*s);
    if (b.failed)
        l->failed = true;
    free(b.s);
}

static void one_line(struct layout *l, struct para *pa, bool *fence, char *line)
{
    trim_end(line);
    const char *t = line + spaces(line);
    if (*fence) {
        if (strncmp(t, "```", 3) == 0 || strncmp(t, "~~~", 3) == 0) {
            *fence = false;
            blank(l);
        } else {
            code_line(l, line);
        }
        return;
    }
    if (spaces(line) <= 3 && (strncmp(t, "```", 3) == 0 || strncmp(t, "~~~", 3) == 0)) {
        flush(l, pa);
        blank(l);
        *fence = true;
        return;
    }
    if (!*t) {
        flush(l, pa);
        blank(l);
        return;
    }
    const char *text;
    int level = heading(line, &text);
    if (level) {
        flush(l, pa);
        blank(l);
        char *h = strdup(text);
        if (!h) {
            l->failed = true;
            return;
        }
        /* Closing hashes are not part of the text. */
        trim_end(h);
        size_t n = strlen(h);
        while (n && h[n - 1] == '#')
            h[--n] = '\0';
        trim_end(h);
        char *p = plain(h + spaces(h));
        if (p)
            wrap(l, level == 1 ? PAGER_TITLE : PAGER_HEADING, "", "", p);
        else
            l->failed = true;
        free(p);
        free(h);
        blank(l);
        return;
    }
    if (is_rule(line)) {
        flush(l, pa);
        blank(l);
        emit(l, PAGER_RULE, "", 0);
        blank(l);
        return;
    }
    size_t indent;
    char marker[16];
    if (list_item(line, &indent, marker, sizeof marker, &text)) {
        flush(l, pa);
        int depth = indent / 2 > 4 ? 4 : (int)(indent / 2);
        pa->kind = BLOCK_ITEM;
        snprintf(pa->first, sizeof pa->first, "%*s%s ", depth * 2, "", marker);
        snprintf(pa->next, sizeof pa->next, "%*s", depth * 2 + text_width(marker) + 1, "");
        para_add(pa, text + spaces(text));
        return;
    }
    if (*t == '>') {
        const char *q = t + 1;
        q += *q == ' ';
        if (pa->kind != BLOCK_QUOTE) {
            flush(l, pa);
            pa->kind = BLOCK_QUOTE;
            snprintf(pa->first, sizeof pa->first, "│ ");
            snprintf(pa->next, sizeof pa->next, "│ ");
        }
        if (*q)
            para_add(pa, q);
        return;
    }
    /* Text: a new paragraph, or more of the one (or the item) going on. */
    if (pa->kind == BLOCK_NONE || pa->kind == BLOCK_QUOTE) {
        flush(l, pa);
        pa->kind = BLOCK_PARA;
    }
    para_add(pa, t);
}

mento_status pager_layout(struct pager *p, const char *markdown, int width)
{
    p->n = 0;
    p->len = 0;
    p->width = width < PAGER_MIN_WIDTH ? PAGER_MIN_WIDTH : width;
    struct layout l = {.p = p, .width = p->width};
    struct para pa = {0};
    bool fence = false;
    struct buf line = {0};
    for (const char *s = markdown ? markdown : ""; *s && !l.failed;) {
        size_t n = strcspn(s, "\n");
        line.len = 0;
        buf_str(&line, "");
        /* Tabs to spaces, up to the next stop of four. */
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\t') {
                size_t col = line.len;
                do
                    buf_str(&line, " ");
                while (++col % 4);
            } else {
                buf_add(&line, s + i, 1);
            }
        }
        if (line.failed) {
            l.failed = true;
            break;
        }
        one_line(&l, &pa, &fence, line.s);
        s += n;
        if (*s == '\n')
            s++;
    }
    flush(&l, &pa);
    free(pa.text.s);
    free(line.s);
    /* No blank lines at the end. */
    while (!l.failed && p->n && p->text[p->lines[p->n - 1].off] == '\0' &&
           p->lines[p->n - 1].style == PAGER_TEXT)
        p->n--;
    if (l.failed) {
        p->n = 0;
        p->len = 0;
        return MENTO_ERR_NOMEM;
    }
    return MENTO_OK;
}

const char *pager_line(const struct pager *p, size_t i)
{
    return i < p->n ? p->text + p->lines[i].off : "";
}

long pager_find(const struct pager *p, const char *words, size_t from, bool forward, bool *wrapped)
{
    if (wrapped)
        *wrapped = false;
    char *needle = utf8_fold(words ? words : "");
    if (!needle)
        return -1;
    /* Leading and trailing spaces are not what is looked for. */
    char *start = needle + spaces(needle);
    trim_end(start);
    long found = -1;
    if (*start && p->n) {
        if (from >= p->n)
            from = forward ? 0 : p->n - 1;
        for (size_t k = 0; k < p->n && found < 0; k++) {
            size_t i = forward ? (from + k) % p->n : (from + p->n - k) % p->n;
            char *hay = utf8_fold(pager_line(p, i));
            if (hay && strstr(hay, start)) {
                found = (long)i;
                if (wrapped)
                    *wrapped = forward ? i < from : i > from;
            }
            free(hay);
        }
    }
    free(needle);
    return found;
}

void pager_free(struct pager *p)
{
    free(p->text);
    free(p->lines);
    memset(p, 0, sizeof *p);
}

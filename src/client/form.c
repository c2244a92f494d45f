/* form.c - the editing and checking behind every form and confirmation:
 * cursor movement by whole characters, insertion and deletion in UTF-8,
 * choices, and the date, time and number checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <sodium.h>

#include "mento/form.h"
#include "mento/text.h"
#include "mento/utf8.h"

void form_init(struct form *f, const char *title, const char *message)
{
    memset(f, 0, sizeof *f);
    f->title = title;
    f->message = message;
}

struct form_field *form_add(struct form *f, enum form_kind kind, const char *label, bool required)
{
    if (f->n_fields == FORM_MAX_FIELDS)
        return NULL;
    struct form_field *fd = &f->fields[f->n_fields++];
    memset(fd, 0, sizeof *fd);
    fd->kind = kind;
    fd->label = label;
    fd->required = required;
    fd->min = 0;
    fd->max = 1000000;
    return fd;
}

/* Where a field's text is, and its room. */
static char *buf_of(struct form_field *fd, size_t *cap)
{
    if (fd->secret) {
        *cap = fd->secret_cap;
        return fd->secret;
    }
    *cap = sizeof fd->value;
    return fd->value;
}

const char *form_text(const struct form_field *fd)
{
    return fd->secret ? fd->secret : fd->value;
}

void form_set(struct form_field *fd, const char *value)
{
    if (fd->kind == FORM_CHOICE) {
        for (size_t i = 0; i < fd->n_choices; i++)
            if (strcmp(fd->choices[i], value) == 0)
                fd->choice = i;
        return;
    }
    size_t cap;
    char *buf = buf_of(fd, &cap);
    snprintf(buf, cap, "%s", value);
    /* Never leave a cut character at the end. */
    size_t n = strlen(buf);
    while (n > 0 && !utf8_valid(buf, n))
        buf[--n] = '\0';
    fd->cursor = n;
}

void form_secret(struct form_field *fd, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    sodium_memzero(buf, cap);
    fd->secret = buf;
    fd->secret_cap = cap;
    fd->cursor = 0;
}

void form_wipe(struct form *f)
{
    for (size_t i = 0; i < f->n_fields; i++) {
        struct form_field *fd = &f->fields[i];
        sodium_memzero(fd->value, sizeof fd->value);
        if (fd->secret)
            sodium_memzero(fd->secret, fd->secret_cap);
        fd->cursor = 0;
    }
}

size_t form_chars(const struct form_field *fd)
{
    const char *t = form_text(fd);
    return utf8_codepoints(t, strlen(t));
}

const char *form_choice(const struct form_field *fd)
{
    return fd->n_choices ? fd->choices[fd->choice % fd->n_choices] : "";
}

const char *form_choice_label(const struct form_field *fd)
{
    if (!fd->n_choices)
        return "";
    return (fd->choice_labels ? fd->choice_labels : fd->choices)[fd->choice % fd->n_choices];
}

void form_answers(struct form_field *fd, const struct mento_answers *a, const char *first)
{
    fd->choices = a->names;
    fd->choice_labels = a->labels;
    fd->n_choices = a->n;
    if (first)
        form_set(fd, first);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int days_in(int year, int month)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : d[month - 1];
}

bool form_field_valid(const struct form_field *fd, char *why, size_t why_len)
{
    const char *v = form_text(fd);
    size_t n = strlen(v);
    if (fd->kind == FORM_CHOICE)
        return true;
    if (n == 0) {
        if (fd->required) {
            snprintf(why, why_len, "%s is needed", fd->label);
            return false;
        }
        return true;
    }
    switch (fd->kind) {
    case FORM_TEXT:
    case FORM_PASSWORD: {
        size_t max = fd->max_chars ? fd->max_chars : FORM_TEXT_MAX - 1;
        if (utf8_codepoints(v, n) > max) {
            snprintf(why, why_len, "%s is at most %zu characters", fd->label, max);
            return false;
        }
        return true;
    }
    case FORM_DATE: {
        if (n != 10 || v[4] != '-' || v[7] != '-' || !digits(v, 4) || !digits(v + 5, 2) ||
            !digits(v + 8, 2)) {
            snprintf(why, why_len, "%s: write the date as YYYY-MM-DD", fd->label);
            return false;
        }
        int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
        if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in(y, m)) {
            snprintf(why, why_len, "%s: %s is not a day of the calendar", fd->label, v);
            return false;
        }
        return true;
    }
    case FORM_TIME: {
        if (n != 5 || v[2] != ':' || !digits(v, 2) || !digits(v + 3, 2) || atoi(v) > 23 ||
            atoi(v + 3) > 59) {
            snprintf(why, why_len, "%s: write the time as HH:MM, 00:00 to 23:59", fd->label);
            return false;
        }
        return true;
    }
    case FORM_NUMBER: {
        char *end = NULL;
        long x = strtol(v, &end, 10);
        if (!end || *end || end == v || x < fd->min || x > fd->max) {
            snprintf(why, why_len, "%s: a whole number from %ld to %ld", fd->label, fd->min,
                     fd->max);
            return false;
        }
        return true;
    }
    default:
        return true;
    }
}

/* The byte offset of the character before / after `at`. */
static size_t prev_char(const char *s, size_t at)
{
    if (at == 0)
        return 0;
    size_t i = at - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

static size_t next_char(const char *s, size_t at)
{
    size_t n = strlen(s);
    if (at >= n)
        return n;
    size_t i = at + 1;
    while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
        i++;
    return i;
}

/* Which characters a field takes. */
static bool accepts(const struct form_field *fd, int ch)
{
    switch (fd->kind) {
    case FORM_DATE:
        return (ch >= '0' && ch <= '9') || ch == '-';
    case FORM_TIME:
        return (ch >= '0' && ch <= '9') || ch == ':';
    case FORM_NUMBER:
        return (ch >= '0' && ch <= '9') || ch == '-';
    case FORM_TEXT:
    case FORM_PASSWORD:
        return ch >= 0x20 && ch != 0x7f && !(ch >= 0x80 && ch < 0xa0);
    default:
        return false;
    }
}

static void insert(struct form_field *fd, int ch)
{
    char enc[8];
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    size_t k = wcrtomb(enc, (wchar_t)ch, &ps);
    size_t cap;
    char *buf = buf_of(fd, &cap);
    size_t n = strlen(buf);
    bool text = fd->kind == FORM_TEXT || fd->kind == FORM_PASSWORD;
    size_t max = text && fd->max_chars ? fd->max_chars : FORM_TEXT_MAX - 1;
    if (k == (size_t)-1 || n + k + 1 > cap || (text && utf8_codepoints(buf, n) >= max)) {
        sodium_memzero(enc, sizeof enc);
        return;
    }
    memmove(buf + fd->cursor + k, buf + fd->cursor, n - fd->cursor + 1);
    memcpy(buf + fd->cursor, enc, k);
    fd->cursor += k;
    sodium_memzero(enc, sizeof enc);
}

static void erase(struct form_field *fd, size_t from, size_t to)
{
    size_t cap;
    char *buf = buf_of(fd, &cap);
    size_t n = strlen(buf);
    memmove(buf + from, buf + to, n - to + 1);
    /* What moved down leaves its old copy behind the NUL: zero it. */
    sodium_memzero(buf + n - (to - from) + 1, to - from);
    fd->cursor = from;
}

enum form_result form_key(struct form *f, mento_key key, int ch)
{
    f->error[0] = '\0';
    if (key == MKEY_ESC || key == MKEY_CTRL('g'))
        return FORM_CANCELLED;
    if (f->n_fields == 0) {
        /* A confirmation. */
        if (key == MKEY_ENTER || ch == 'y' || ch == 'Y')
            return FORM_ACCEPTED;
        if (ch == 'n' || ch == 'N')
            return FORM_CANCELLED;
        snprintf(f->error, sizeof f->error, "y or Enter to go ahead, n or Esc to stop");
        return FORM_GOING_ON;
    }
    struct form_field *fd = &f->fields[f->focus];
    if (key == MKEY_ENTER) {
        for (size_t i = 0; i < f->n_fields; i++)
            if (!form_field_valid(&f->fields[i], f->error, sizeof f->error)) {
                f->focus = i;
                return FORM_GOING_ON;
            }
        return FORM_ACCEPTED;
    }
    if (key == MKEY_TAB || key == MKEY_DOWN) {
        f->focus = (f->focus + 1) % f->n_fields;
        return FORM_GOING_ON;
    }
    if (key == MKEY_BACKTAB || key == MKEY_UP) {
        f->focus = (f->focus + f->n_fields - 1) % f->n_fields;
        return FORM_GOING_ON;
    }
    if (fd->kind == FORM_CHOICE) {
        if (fd->n_choices == 0)
            return FORM_GOING_ON;
        if (key == MKEY_RIGHT || key == MKEY_SPACE)
            fd->choice = (fd->choice + 1) % fd->n_choices;
        else if (key == MKEY_LEFT)
            fd->choice = (fd->choice + fd->n_choices - 1) % fd->n_choices;
        else if (ch > 0)
            /* A letter jumps to the next choice starting with it. */
            for (size_t k = 1; k <= fd->n_choices; k++) {
                size_t i = (fd->choice + k) % fd->n_choices;
                if (fd->choices[i][0] == ch ||
                    (ch < 0x80 && fd->choices[i][0] == (char)(ch ^ 0x20))) {
                    fd->choice = i;
                    break;
                }
            }
        return FORM_GOING_ON;
    }
    size_t cap;
    char *buf = buf_of(fd, &cap);
    switch (key) {
    case MKEY_LEFT:
        fd->cursor = prev_char(buf, fd->cursor);
        break;
    case MKEY_RIGHT:
        fd->cursor = next_char(buf, fd->cursor);
        break;
    case MKEY_HOME:
        fd->cursor = 0;
        break;
    case MKEY_END:
        fd->cursor = strlen(buf);
        break;
    case MKEY_BACKSPACE:
        erase(fd, prev_char(buf, fd->cursor), fd->cursor);
        break;
    case MKEY_DEL:
        erase(fd, fd->cursor, next_char(buf, fd->cursor));
        break;
    default:
        if (key == MKEY_CTRL('u'))
            erase(fd, 0, fd->cursor);
        else if (key == MKEY_CTRL('k'))
            erase(fd, fd->cursor, strlen(buf));
        else if (ch > 0 && accepts(fd, ch))
            insert(fd, ch);
        break;
    }
    return FORM_GOING_ON;
}

int form_cursor_column(const struct form *f)
{
    if (f->n_fields == 0)
        return 0;
    const struct form_field *fd = &f->fields[f->focus];
    if (fd->kind == FORM_PASSWORD)
        return (int)utf8_codepoints(form_text(fd), fd->cursor); /* one dot each */
    char before[FORM_TEXT_MAX];
    memcpy(before, fd->value, fd->cursor);
    before[fd->cursor] = '\0';
    return text_width(before);
}

/* form.h - the one small form every screen uses for what it asks: text
 * fields with UTF-8 editing, passwords shown as dots and kept where the
 * caller keeps secrets, a choice among values, dates and times checked as
 * typed, and confirmations. Enter accepts (after checking every field),
 * Esc cancels, Tab and the arrows move between fields. The editing is pure
 * logic, tested without a terminal; drawing goes through the app. */
#ifndef MENTO_FORM_H
#define MENTO_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "mento/keymap.h"
#include "mento/model.h"

#define FORM_MAX_FIELDS 8
#define FORM_TEXT_MAX   1024

enum form_kind {
    FORM_TEXT = 0,
    FORM_CHOICE, /* one of `choices`; Left/Right or Space change it */
    FORM_DATE,   /* YYYY-MM-DD, a real calendar day */
    FORM_TIME,   /* HH:MM, 24-hour */
    FORM_NUMBER, /* a whole number between `min` and `max` */
    /* Text shown as dots, kept in the buffer given by form_secret. */
    FORM_PASSWORD,
};

struct form_field {
    enum form_kind kind;
    const char *label;
    bool required;
    size_t max_chars; /* FORM_TEXT: 0 means FORM_TEXT_MAX - 1 bytes */
    const char *const *choices;
    const char *const *choice_labels; /* what is shown for each; NULL: the choices */
    size_t n_choices;
    long min, max;
    /* State. */
    char value[FORM_TEXT_MAX];
    size_t cursor; /* byte offset, always on a character boundary */
    size_t choice;
    char *secret; /* FORM_PASSWORD: the text is here instead of `value` */
    size_t secret_cap;
};

enum form_result { FORM_GOING_ON = 0, FORM_ACCEPTED, FORM_CANCELLED };

struct form {
    const char *title;
    const char *message; /* for a confirmation: what will happen */
    struct form_field fields[FORM_MAX_FIELDS];
    size_t n_fields;
    size_t focus;
    char error[256]; /* why Enter was refused, shown until the next key */
    bool notice;     /* no field, nothing to decide: only read and close */
};

/* Start a form; add fields in order. A form with no field is a
 * confirmation (y or Enter accepts, n or Esc cancels). */
void form_init(struct form *f, const char *title, const char *message);
struct form_field *form_add(struct form *f, enum form_kind kind, const char *label, bool required);
/* Set a field's starting value (text, "YYYY-MM-DD", "HH:MM", a number, or
 * one of the choices). */
void form_set(struct form_field *field, const char *value);
/* Keep a password field's text in `buf` (`cap` bytes, emptied here) rather
 * than in the form: the caller allocates it where secrets go and frees it
 * after form_wipe. */
void form_secret(struct form_field *field, char *buf, size_t cap);
/* The text of a field (a password field's buffer when it has one). */
const char *form_text(const struct form_field *field);
/* Zero every field's text, a password's buffer among them. */
void form_wipe(struct form *f);
/* Characters typed into a field (a password field shows one dot each). */
size_t form_chars(const struct form_field *field);

/* One key (`ch` the character typed, 0 for none). */
enum form_result form_key(struct form *f, mento_key key, int ch);
/* Check one field; false with the reason in `why`. */
bool form_field_valid(const struct form_field *field, char *why, size_t why_len);
/* The value of a choice field. */
const char *form_choice(const struct form_field *field);
/* What a choice field shows for its value. */
const char *form_choice_label(const struct form_field *field);
/* Make a choice field offer `a`'s answers, starting at `first`. */
void form_answers(struct form_field *field, const struct mento_answers *a, const char *first);
/* Columns from the start of the focused field's value to its cursor. */
int form_cursor_column(const struct form *f);

#endif

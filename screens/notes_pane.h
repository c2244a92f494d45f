/* notes_pane.h - what the notes list (screens/notes.c) and the note editor
 * (screens/note.c) share; private to those two screens. */
#ifndef MENTO_SCREENS_NOTES_PANE_H
#define MENTO_SCREENS_NOTES_PANE_H

#include <stdbool.h>
#include <stdint.h>

#include "mento/app.h"

/* The longest text the editor takes: a title line and the longest body. */
#define NOTES_PANE_TEXT_MAX (NOTES_TITLE_MAX + 1 + NOTES_BODY_MAX)

/* Open the editor on note `id`, or on a new note (`id` NULL) about
 * `pairing` and `session`; false (with a message) when it cannot. */
bool notes_pane_edit(struct app *app, const char *id, int64_t pairing, int64_t session);
/* Close the editor, dropping what was not saved. */
void notes_pane_close_editor(struct app *app);
/* What a note is about, in words ("session 2 with Zoë Müller"). */
void notes_pane_about(struct app *app, int64_t pairing, int64_t session, char *out, size_t cap);
/* The partner of `pairing` by name, or "your partner". */
void notes_pane_partner(struct app *app, int64_t pairing, char *out, size_t cap);
/* A message from the notes core ("the password is not right") after
 * `lead`, as a sentence. */
void notes_pane_say(struct app *app, bool error, const char *lead, const char *why);

#endif

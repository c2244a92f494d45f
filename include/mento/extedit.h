/* extedit.h - a note handed to the user's own editor ($EDITOR), only when
 * asked for: written to a file in a directory of its own (mode 0700) under
 * $XDG_RUNTIME_DIR, refused when that is not set or not private; read back
 * after the editor exits; then every file in the directory (the editor's
 * swap and backup files too) overwritten with zeros and removed with it.
 * The README says what this does and does not protect against. */
#ifndef MENTO_EXTEDIT_H
#define MENTO_EXTEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "mento/error.h"

#define EXTEDIT_PATH_MAX 512

struct extedit {
    char dir[EXTEDIT_PATH_MAX];       /* $XDG_RUNTIME_DIR/mento-note-XXXXXX */
    char path[EXTEDIT_PATH_MAX + 16]; /* the note in it */
    bool made;
};

/* Check `runtime_dir` (the value of XDG_RUNTIME_DIR; NULL when unset): an
 * absolute path to a directory of this user that no one else may enter.
 * Then make the private directory and write `text` (and a final newline)
 * to a new file of mode 0600 in it. `why` says what is wrong. */
mento_status extedit_begin(struct extedit *x, const char *runtime_dir, const char *text, char *why,
                           size_t why_len);
/* Run `editor` (the shell words of $EDITOR, "vi" or "code --wait") on the
 * file and wait for it; Control-C reaches the editor, not mento. Returns its
 * exit status, 128 + the signal when a signal ended it, -1 when it could not
 * be started. */
int extedit_run(const struct extedit *x, const char *editor);
/* The file's text as the editor left it, without the final newline added by
 * extedit_begin (or by the editor); at most `max` bytes. The caller wipes and
 * frees it. */
mento_status extedit_read(const struct extedit *x, size_t max, char **text, char *why,
                          size_t why_len);
/* Overwrite every file in the directory with zeros, remove them and the
 * directory; safe to call twice. */
void extedit_end(struct extedit *x);

#endif

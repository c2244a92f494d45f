/* ui_kit.h - what the ui tests share (tests/ui/ui_kit.c). */
#ifndef MENTO_TESTS_UI_KIT_H
#define MENTO_TESTS_UI_KIT_H

#include "harness.h"

/* One test executable's world: a real mentod, a temporary directory holding
 * each person's XDG directories, and the people. */
struct ui {
    struct harness *h;
    char dir[64];
    char url[64];
    struct harness_user mentee;
    struct harness_user mentor_users[16];
    const char *who; /* NULL: the mentee's files; else a suffix for another person's */
};

/* Someone of the tests' world, in "together". */
struct ui_person {
    const char *name, *grade, *entity, *station, *tz, *langs, *network;
};
/* Register `p` with `roles`; `capacity` and `years` (of experience) 0 take
 * the defaults. */
void ui_register(struct ui *u, const struct ui_person *p, const char *roles, int capacity,
                 int years, struct harness_user *out);
/* Amina Diallo (P-2, Nairobi, English and French), the mentee of the ui
 * tests, as u->mentee. */
void ui_register_amina(struct ui *u);

/* Start mentod and make the directories; 0 on success. */
int ui_start(struct ui *u);
/* Stop mentod and remove the directories. */
void ui_stop(struct ui *u);

const char *env_or_fail(const char *name);
void write_file(const char *path, const char *text);
/* The whole file (caller frees), NULL when it cannot be read. */
char *read_file(const char *path);
void rm_rf(const char *dir);
/* Run mento with `args` (NULL-terminated) in u->who's XDG directories, with
 * MENTO_SCRIPT `script` and MENTO_SCRIPT_SIZE `size` when not NULL; returns
 * the exit status, -1 when it did not exit normally. */
int run_mento(struct ui *u, const char *script, const char *size, char **args);
/* Run a script at `size` against the test's server (mento must exit 0). */
void run_script(struct ui *u, const char *size, const char *lines);
/* The same with one more command-line option (`--offline`, say). */
void run_script_with(struct ui *u, const char *size, const char *lines, const char *option);
/* Compare the screen the script saved as <dir>/<name>.txt with
 * tests/ui/expected/<name>.txt (MENTO_UI_UPDATE=1 rewrites the latter). */
void expect_screen(struct ui *u, const char *name);

#endif

/* test_extedit.c - a note handed to $EDITOR: refused without a private
 * runtime folder; written to a file of mode 0600 in a folder of mode 0700;
 * the editor's words split as the shell does; the text read back without the
 * final line break; and every file left in the folder (the editor's swap file
 * among them) overwritten with zeros where it lies and removed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mento/extedit.h"

struct fixture {
    char dir[64], run[96];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mento-extedit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->run, sizeof f->run, "%s/run", f->dir);
    if (mkdir(f->run, 0700) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    char *buf = calloc(1, 4096);
    *len = fread(buf, 1, 4095, in);
    fclose(in);
    return buf;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void refused_without_a_private_folder(void **state)
{
    struct fixture *f = *state;
    struct extedit x;
    char why[256];
    assert_int_equal(extedit_begin(&x, NULL, "t", why, sizeof why), MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "XDG_RUNTIME_DIR is not set"));
    assert_int_equal(extedit_begin(&x, "", "t", why, sizeof why), MENTO_ERR_INVALID);
    assert_int_equal(extedit_begin(&x, "relative/run", "t", why, sizeof why), MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "not a folder"));
    char open_dir[128];
    snprintf(open_dir, sizeof open_dir, "%s/open", f->dir);
    assert_int_equal(mkdir(open_dir, 0755), 0);
    assert_int_equal(chmod(open_dir, 0755), 0);
    assert_int_equal(extedit_begin(&x, open_dir, "t", why, sizeof why), MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "not private"));
    /* A symbolic link to a private folder is not taken either. */
    char link_path[128];
    snprintf(link_path, sizeof link_path, "%s/link", f->dir);
    assert_int_equal(symlink(f->run, link_path), 0);
    assert_int_equal(extedit_begin(&x, link_path, "t", why, sizeof why), MENTO_ERR_INVALID);
    assert_false(x.made);
    assert_int_equal(entries(f->run), 0);
}

static void edited_read_back_and_wiped(void **state)
{
    struct fixture *f = *state;
    struct extedit x;
    char why[256] = "";
    assert_int_equal(extedit_begin(&x, f->run, "Title\nThe text, 中文 too", why, sizeof why),
                     MENTO_OK);
    struct stat st;
    assert_int_equal(stat(x.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(x.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    char *raw = slurp(x.path, &len);
    assert_string_equal(raw, "Title\nThe text, 中文 too\n");
    free(raw);
    /* A hard link outside shows what is left of the file's blocks after. */
    char witness[128];
    snprintf(witness, sizeof witness, "%s/witness", f->dir);
    assert_int_equal(link(x.path, witness), 0);
    /* The editor: a script run with words after it, as $EDITOR may hold. */
    char editor[128], script[600];
    snprintf(editor, sizeof editor, "%s/ed.sh", f->dir);
    FILE *s = fopen(editor, "w");
    assert_non_null(s);
    fputs("#!/bin/sh\n"
          "[ \"$1\" = --wait ] || exit 3\n"
          "echo 'A line from the editor' >> \"$2\"\n"
          "echo swap > \"$(dirname \"$2\")/.note.md.swp\"\n"
          "mkdir \"$(dirname \"$2\")/backup\" && echo old > \"$(dirname \"$2\")/backup/note~\"\n",
          s);
    fclose(s);
    assert_int_equal(chmod(editor, 0700), 0);
    snprintf(script, sizeof script, "%s --wait", editor);
    assert_int_equal(extedit_run(&x, script), 0);
    char *text = NULL;
    assert_int_equal(extedit_read(&x, 4096, &text, why, sizeof why), MENTO_OK);
    assert_string_equal(text, "Title\nThe text, 中文 too\nA line from the editor");
    free(text);
    /* Too long for the caller: refused with the reason. */
    assert_int_equal(extedit_read(&x, 10, &text, why, sizeof why), MENTO_ERR_TOO_LONG);
    assert_null(text);
    assert_int_equal(entries(x.dir), 3);
    extedit_end(&x);
    assert_false(x.made);
    assert_int_equal(entries(f->run), 0);
    /* The note's blocks hold zeros now. */
    raw = slurp(witness, &len);
    assert_non_null(raw);
    assert_true(len > 20);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(raw[i], 0);
    free(raw);
    extedit_end(&x); /* twice is harmless */
}

static void editor_failures_reported(void **state)
{
    struct fixture *f = *state;
    struct extedit x;
    char why[256];
    assert_int_equal(extedit_begin(&x, f->run, "t", why, sizeof why), MENTO_OK);
    assert_int_equal(extedit_run(&x, "false"), 1);
    assert_int_equal(extedit_run(&x, "/no/such/editor"), 127);
    assert_int_equal(extedit_run(&x, ""), -1);
    /* An editor that replaces the note by a link is not followed. */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s/link.sh", f->dir);
    FILE *s = fopen(cmd, "w");
    fputs("#!/bin/sh\nrm \"$1\" && ln -s /etc/passwd \"$1\"\n", s);
    fclose(s);
    assert_int_equal(chmod(cmd, 0700), 0);
    assert_int_equal(extedit_run(&x, cmd), 0);
    char *text = NULL;
    assert_int_not_equal(extedit_read(&x, 4096, &text, why, sizeof why), MENTO_OK);
    assert_null(text);
    extedit_end(&x);
    assert_int_equal(entries(f->run), 0);
    /* /etc/passwd was not touched through the link. */
    struct stat st;
    assert_int_equal(stat("/etc/passwd", &st), 0);
    assert_true(st.st_size > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_without_a_private_folder),
        cmocka_unit_test(edited_read_back_and_wiped),
        cmocka_unit_test(editor_failures_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

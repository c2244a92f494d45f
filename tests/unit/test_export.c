/* test_export.c - files written for the user: the default folder (config,
 * then the XDG download folder, then home), the name typed checked and made
 * a path, and a write that leaves the whole file (mode 0644) or nothing: an
 * existing file is never replaced unless asked, a missing folder and a full
 * disk are named, and no temporary file is left behind. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mento/export.h"

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mento-export-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static char *read_text(const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = '\0';
    return buf;
}

/* The names in a folder, sorted, joined with spaces. */
static void listing(const char *dir, char *out, size_t cap)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' ||
            (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)) {
            size_t len = strlen(out);
            snprintf(out + len, cap - len, "%s%s", len ? " " : "", names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
}

static void default_folder(void **state)
{
    struct fixture *f = *state;
    char out[EXPORT_PATH_MAX], dirs[128], downloads[128];
    /* The config wins, with ~ expanded. */
    export_default_dir("~/Calendars", NULL, "/home/amina", out, sizeof out);
    assert_string_equal(out, "/home/amina/Calendars");
    export_default_dir("/srv/ics", NULL, "/home/amina", out, sizeof out);
    assert_string_equal(out, "/srv/ics");
    /* Then the XDG download folder, when it exists. */
    snprintf(dirs, sizeof dirs, "%s/user-dirs.dirs", f->dir);
    write_text(dirs, "# written by xdg-user-dirs-update\n"
                     "XDG_DESKTOP_DIR=\"$HOME/Desktop\"\n"
                     "XDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n");
    export_default_dir("", dirs, f->dir, out, sizeof out);
    assert_string_equal(out, f->dir); /* not there yet: home */
    snprintf(downloads, sizeof downloads, "%s/Téléchargements", f->dir);
    assert_int_equal(mkdir(downloads, 0700), 0);
    export_default_dir(NULL, dirs, f->dir, out, sizeof out);
    assert_string_equal(out, downloads);
    /* A broken file, or none: home; no home: the current folder. */
    write_text(dirs, "XDG_DOWNLOAD_DIR=\"$HOME/unterminated\nXDG_DOWNLOAD_DIR=relative\n");
    export_default_dir(NULL, dirs, "/home/amina", out, sizeof out);
    assert_string_equal(out, "/home/amina");
    export_default_dir(NULL, "/nonexistent/user-dirs.dirs", NULL, out, sizeof out);
    assert_string_equal(out, ".");
}

static void typed_names_checked(void **state)
{
    struct fixture *f = *state;
    char path[EXPORT_PATH_MAX], err[EXPORT_PATH_MAX + 64], want[256];
    const char *name = "mento-session-302.ics";
    /* A folder (existing, or ending in /) gets the default name. */
    assert_int_equal(export_check(f->dir, NULL, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_OK);
    snprintf(want, sizeof want, "%s/%s", f->dir, name);
    assert_string_equal(path, want);
    /* A relative name goes in the default folder; spaces around are dropped. */
    assert_int_equal(
        export_check("  mine.ics ", NULL, f->dir, name, path, sizeof path, err, sizeof err),
        EXPORT_OK);
    snprintf(want, sizeof want, "%s/mine.ics", f->dir);
    assert_string_equal(path, want);
    /* ~ is the home folder. */
    assert_int_equal(export_check("~/x.ics", f->dir, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_OK);
    snprintf(want, sizeof want, "%s/x.ics", f->dir);
    assert_string_equal(path, want);
    /* A file already there: ask first. */
    write_text(want, "mine");
    assert_int_equal(export_check("~/x.ics", f->dir, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_EXISTS);
    assert_non_null(strstr(err, "already exists"));
    /* No such folder; a file where the folder should be; nothing typed. */
    char typed[256];
    snprintf(typed, sizeof typed, "%s/nowhere/x.ics", f->dir);
    assert_int_equal(export_check(typed, NULL, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_NO_FOLDER);
    snprintf(want, sizeof want, "there is no folder %s/nowhere", f->dir);
    assert_string_equal(err, want);
    snprintf(typed, sizeof typed, "%s/x.ics/y.ics", f->dir);
    assert_int_equal(export_check(typed, NULL, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_NOT_FOLDER);
    assert_non_null(strstr(err, "is not a folder"));
    assert_int_equal(export_check("   ", NULL, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_FAILED);
    assert_string_equal(err, "give a file name");
    /* Far too long. */
    char longname[2000];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(export_check(longname, NULL, "/", name, path, sizeof path, err, sizeof err),
                     EXPORT_FAILED);
    assert_non_null(strstr(err, "too long"));
}

static void written_whole_and_never_over_a_file(void **state)
{
    struct fixture *f = *state;
    char path[128], err[EXPORT_PATH_MAX + 64], names[512];
    snprintf(path, sizeof path, "%s/mento-session-302.ics", f->dir);
    const char ics[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
    mode_t old = umask(077); /* the mode is 0644 whatever the umask */
    assert_int_equal(export_write(path, ics, strlen(ics), false, err, sizeof err), EXPORT_OK);
    umask(old);
    assert_string_equal(read_text(path), ics);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    /* Not replaced unless asked. */
    assert_int_equal(export_write(path, "other", 5, false, err, sizeof err), EXPORT_EXISTS);
    assert_string_equal(read_text(path), ics);
    /* Asked: replaced whole. */
    assert_int_equal(export_write(path, "other", 5, true, err, sizeof err), EXPORT_OK);
    assert_string_equal(read_text(path), "other");
    /* Nothing else was left in the folder. */
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "mento-session-302.ics");
    /* A missing folder is named. */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/gone/x.ics", f->dir);
    assert_int_equal(export_write(missing, ics, strlen(ics), false, err, sizeof err),
                     EXPORT_NO_FOLDER);
    assert_non_null(strstr(err, "there is no folder"));
    /* A folder where the file should go is not replaced by it. */
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_not_equal(export_write(sub, ics, strlen(ics), true, err, sizeof err), EXPORT_OK);
    assert_true(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode));
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "mento-session-302.ics sub");
}

/* The disk fills up in the middle of the file (a file-size limit stands in
 * for it): nothing is left, neither the file nor a temporary one, and an
 * existing file keeps its content. */
static void full_disk_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    char path[128], err[EXPORT_PATH_MAX + 64], names[512];
    snprintf(path, sizeof path, "%s/big.ics", f->dir);
    size_t len = 64 * 1024;
    char *data = malloc(len);
    memset(data, 'x', len);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit was, small = {.rlim_cur = 4096};
    getrlimit(RLIMIT_FSIZE, &was);
    small.rlim_max = was.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    enum export_status first = export_write(path, data, len, false, err, sizeof err);
    bool left = access(path, F_OK) == 0;
    write_text(path, "kept"); /* an existing file ... */
    enum export_status second = export_write(path, data, len, true, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &was);
    free(data);
    assert_int_equal(first, EXPORT_FULL);
    assert_false(left);
    assert_int_equal(second, EXPORT_FULL);
    assert_non_null(strstr(err, "disk is full"));
    assert_string_equal(read_text(path), "kept"); /* ... is untouched */
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "big.ics");
}

/* A folder the user may not write in (checked as an ordinary user: when
 * the tests run as root, a child process drops to nobody). */
static int denied_checks(const char *ro)
{
    char path[160], err[EXPORT_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/x.ics", ro);
    if (export_write(path, "x", 1, false, err, sizeof err) != EXPORT_DENIED ||
        !strstr(err, "no permission"))
        return 1;
    if (export_check(path, NULL, "/", "d.ics", path, sizeof path, err, sizeof err) != EXPORT_DENIED)
        return 2;
    if (access(path, F_OK) == 0)
        return 3;
    return 0;
}

static void no_permission_is_named(void **state)
{
    struct fixture *f = *state;
    char ro[128];
    snprintf(ro, sizeof ro, "%s/ro", f->dir);
    assert_int_equal(mkdir(ro, 0555), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(10);
        _exit(denied_checks(ro));
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    chmod(ro, 0700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(default_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(typed_names_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(written_whole_and_never_over_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(no_permission_is_named, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

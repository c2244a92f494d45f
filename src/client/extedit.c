/* extedit.c - a note in the user's own editor: a private directory under
 * $XDG_RUNTIME_DIR, the editor run through the shell with signals left to
 * it, the text read back, and every file zeroed and removed afterwards. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "mento/extedit.h"

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_len, const char *fmt, ...)
{
    if (!why || !why_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

mento_status extedit_begin(struct extedit *x, const char *runtime_dir, const char *text, char *why,
                           size_t why_len)
{
    memset(x, 0, sizeof *x);
    if (!runtime_dir || !*runtime_dir) {
        say(why, why_len,
            "XDG_RUNTIME_DIR is not set: no private folder to hand a note to "
            "$EDITOR");
        return MENTO_ERR_INVALID;
    }
    struct stat st;
    if (runtime_dir[0] != '/' || strlen(runtime_dir) > EXTEDIT_PATH_MAX - 32 ||
        lstat(runtime_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        say(why, why_len, "XDG_RUNTIME_DIR (%s) is not a folder", runtime_dir);
        return MENTO_ERR_INVALID;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        say(why, why_len,
            "XDG_RUNTIME_DIR (%s) is not private to you (it must be yours, mode 0700)",
            runtime_dir);
        return MENTO_ERR_INVALID;
    }
    snprintf(x->dir, sizeof x->dir, "%s/mento-note-XXXXXX", runtime_dir);
    if (!mkdtemp(x->dir)) {
        say(why, why_len, "cannot make a private folder in %s: %s", runtime_dir, strerror(errno));
        return MENTO_ERR_IO;
    }
    x->made = true;
    snprintf(x->path, sizeof x->path, "%s/note.md", x->dir);
    int fd = open(x->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, text, strlen(text)) && write_all(fd, "\n", 1);
    int err = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok) {
        say(why, why_len, "cannot write the note for the editor: %s", strerror(err));
        extedit_end(x);
        return MENTO_ERR_IO;
    }
    return MENTO_OK;
}

int extedit_run(const struct extedit *x, const char *editor)
{
    if (!x->made || !editor || !*editor)
        return -1;
    /* As system() does: while the editor runs, Control-C and Control-\ are
     * for it, not for mento. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        /* $0 unquoted: the editor's words ("code --wait"); the file as one
         * argument. */
        execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, x->path, (char *)NULL);
        _exit(127);
    }
    int status = -1;
    if (pid > 0) {
        int ws;
        pid_t r;
        while ((r = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
            ;
        if (r == pid)
            status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    return status;
}

mento_status extedit_read(const struct extedit *x, size_t max, char **text, char *why,
                          size_t why_len)
{
    *text = NULL;
    int fd = x->made ? open(x->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        say(why, why_len, "the editor left no note to read back: %s",
            fd < 0 ? strerror(errno) : "not a plain file");
        if (fd >= 0)
            close(fd);
        return MENTO_ERR_IO;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        say(why, why_len, "the note came back longer than %zu KiB: nothing was saved", max / 1024);
        return MENTO_ERR_TOO_LONG;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        say(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    while (len < cap - 1) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    /* Text files end with a line break: the one added, or the editor's. */
    if (len > 0 && buf[len - 1] == '\n') {
        buf[--len] = '\0';
        if (len > 0 && buf[len - 1] == '\r')
            buf[--len] = '\0';
    }
    *text = buf;
    return MENTO_OK;
}

static void empty_dir(DIR *d);

/* Overwrite a file with zeros where it lies, then remove it (a folder with
 * what is in it). */
static void zero_and_remove(int at, const char *name)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        int sub = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = sub >= 0 ? fdopendir(sub) : NULL;
        if (d) {
            empty_dir(d);
            closedir(d);
        } else if (sub >= 0) {
            close(sub);
        }
        unlinkat(at, name, AT_REMOVEDIR);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        int fd = openat(at, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            static const char zeros[4096];
            off_t left = st.st_size;
            while (left > 0) {
                size_t n = left > (off_t)sizeof zeros ? sizeof zeros : (size_t)left;
                if (!write_all(fd, zeros, n))
                    break;
                left -= (off_t)n;
            }
            fsync(fd);
            close(fd);
        }
    }
    unlinkat(at, name, 0);
}

/* Everything in the open directory `d`, zeroed and removed; a few passes,
 * since a removal while reading a directory may hide other entries. */
static void empty_dir(DIR *d)
{
    for (int pass = 0; pass < 8; pass++) {
        bool any = false;
        rewinddir(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                zero_and_remove(dirfd(d), e->d_name);
                any = true;
            }
        if (!any)
            return;
    }
}

void extedit_end(struct extedit *x)
{
    if (!x->made)
        return;
    int fd = open(x->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        empty_dir(d);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    rmdir(x->dir);
    x->made = false;
}

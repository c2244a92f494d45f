/* export.c - writing a file for the user whole or not at all: a temporary
 * file beside the target, synced, renamed into place (without replacing
 * anything unless asked), and every failure cleaned up and named. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mento/export.h"

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* "~" or "~/x" with `home`; anything else copied. False when too long. */
static bool expand_home(const char *in, const char *home, char *out, size_t cap)
{
    int n;
    if (home && *home && in[0] == '~' && (in[1] == '/' || in[1] == '\0'))
        n = snprintf(out, cap, "%s%s", home, in + 1);
    else
        n = snprintf(out, cap, "%s", in);
    return n >= 0 && (size_t)n < cap;
}

/* XDG_DOWNLOAD_DIR="$HOME/Downloads" from a user-dirs.dirs file. */
static bool download_dir(const char *user_dirs, const char *home, char *out, size_t cap)
{
    FILE *f = user_dirs ? fopen(user_dirs, "r") : NULL;
    if (!f)
        return false;
    char line[1200];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "XDG_DOWNLOAD_DIR=\"", 18) != 0)
            continue;
        p += 18;
        const char *end = strchr(p, '"');
        if (!end)
            continue;
        char value[1100];
        snprintf(value, sizeof value, "%.*s", (int)(end - p), p);
        int n = -1;
        if (strncmp(value, "$HOME", 5) == 0 && (value[5] == '/' || value[5] == '\0') && home &&
            *home)
            n = snprintf(out, cap, "%s%s", home, value + 5);
        else if (value[0] == '/')
            n = snprintf(out, cap, "%s", value);
        found = n > 0 && (size_t)n < cap && is_dir(out);
    }
    fclose(f);
    return found;
}

void export_default_dir(const char *configured, const char *user_dirs, const char *home, char *out,
                        size_t cap)
{
    if (configured && *configured && expand_home(configured, home, out, cap))
        return;
    if (download_dir(user_dirs, home, out, cap))
        return;
    snprintf(out, cap, "%s", home && *home ? home : ".");
}

/* The folder part of `path` ("." for a bare name, "/" for "/x"). */
static void folder_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

enum export_status export_check(const char *typed, const char *home, const char *base_dir,
                                const char *default_name, char *path, size_t cap, char *err,
                                size_t err_len)
{
    char name[EXPORT_PATH_MAX], full[EXPORT_PATH_MAX + 64];
    while (*typed == ' ')
        typed++;
    snprintf(name, sizeof name, "%s", typed);
    size_t n = strlen(name);
    while (n && name[n - 1] == ' ')
        name[--n] = '\0';
    if (!n) {
        snprintf(err, err_len, "give a file name");
        return EXPORT_FAILED;
    }
    char expanded[EXPORT_PATH_MAX];
    if (!expand_home(name, home, expanded, sizeof expanded)) {
        snprintf(err, err_len, "the file name is too long");
        return EXPORT_FAILED;
    }
    int w;
    if (expanded[0] == '/')
        w = snprintf(full, sizeof full, "%s", expanded);
    else
        w = snprintf(full, sizeof full, "%s/%s", base_dir && *base_dir ? base_dir : ".", expanded);
    if (w < 0 || (size_t)w >= sizeof full) {
        snprintf(err, err_len, "the file name is too long");
        return EXPORT_FAILED;
    }
    size_t len = strlen(full);
    if (full[len - 1] == '/' || is_dir(full)) {
        w = snprintf(full + len, sizeof full - len, "%s%s", full[len - 1] == '/' ? "" : "/",
                     default_name);
        if (w < 0 || (size_t)w >= sizeof full - len) {
            snprintf(err, err_len, "the file name is too long");
            return EXPORT_FAILED;
        }
    }
    if (strlen(full) >= cap) {
        snprintf(err, err_len, "the file name is too long");
        return EXPORT_FAILED;
    }
    snprintf(path, cap, "%s", full);
    char folder[EXPORT_PATH_MAX + 64];
    folder_of(path, folder, sizeof folder);
    struct stat sb;
    if (stat(folder, &sb) != 0) {
        if (errno == ENOTDIR) {
            snprintf(err, err_len, "%s is not a folder", folder);
            return EXPORT_NOT_FOLDER;
        }
        if (errno == EACCES) {
            snprintf(err, err_len, "no permission to write in %s", folder);
            return EXPORT_DENIED;
        }
        snprintf(err, err_len, "there is no folder %s", folder);
        return EXPORT_NO_FOLDER;
    }
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, err_len, "%s is not a folder", folder);
        return EXPORT_NOT_FOLDER;
    }
    if (access(folder, W_OK | X_OK) != 0) {
        snprintf(err, err_len, "no permission to write in %s", folder);
        return EXPORT_DENIED;
    }
    if (lstat(path, &sb) == 0) {
        snprintf(err, err_len, "%s already exists", path);
        return EXPORT_EXISTS;
    }
    return EXPORT_OK;
}

/* An errno in words, and the status it means. */
static enum export_status failure(int e, const char *what, const char *path, char *err,
                                  size_t err_len)
{
    char folder[EXPORT_PATH_MAX];
    folder_of(path, folder, sizeof folder);
    switch (e) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        snprintf(err, err_len, "the disk is full: %s was not written", path);
        return EXPORT_FULL;
    case ENOENT:
        snprintf(err, err_len, "there is no folder %s", folder);
        return EXPORT_NO_FOLDER;
    case ENOTDIR:
        snprintf(err, err_len, "%s is not a folder", folder);
        return EXPORT_NOT_FOLDER;
    case EACCES:
    case EPERM:
    case EROFS:
        snprintf(err, err_len, "no permission to write in %s", folder);
        return EXPORT_DENIED;
    case EEXIST:
        snprintf(err, err_len, "%s already exists", path);
        return EXPORT_EXISTS;
    default:
        snprintf(err, err_len, "cannot %s %s: %s", what, path, strerror(e));
        return EXPORT_FAILED;
    }
}

/* Move `tmp` to `path` without replacing a file already there. */
static int place_new(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    /* A file system without RENAME_NOREPLACE: a hard link cannot replace. */
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno != EPERM && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    /* Nor hard links (FAT on a memory stick): look, then rename. */
    if (access(path, F_OK) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(tmp, path);
}

enum export_status export_write(const char *path, const void *data, size_t len, bool replace,
                                char *err, size_t err_len)
{
    char folder[EXPORT_PATH_MAX], tmp[EXPORT_PATH_MAX + 32];
    if (strlen(path) >= EXPORT_PATH_MAX) {
        snprintf(err, err_len, "the file name is too long");
        return EXPORT_FAILED;
    }
    folder_of(path, folder, sizeof folder);
    /* Hidden, beside the target, so that the rename stays on one disk. */
    snprintf(tmp, sizeof tmp, "%s/.mento-export-XXXXXX", folder);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return failure(errno, "write", path, err, err_len);
    const char *p = data;
    size_t left = len;
    int e = 0;
    const char *what = "write";
    if (fchmod(fd, 0644) != 0)
        e = errno;
    while (!e && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e) {
        what = "create";
        if ((replace ? rename(tmp, path) : place_new(tmp, path)) != 0)
            e = errno;
    }
    if (e) {
        unlink(tmp);
        return failure(e, what, path, err, err_len);
    }
    /* The new name itself survives a power cut too. */
    int dfd = open(folder, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return EXPORT_OK;
}

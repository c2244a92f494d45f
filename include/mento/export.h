/* export.h - files mento writes for the user (a session's calendar
 * invitation): the folder they go to by default, the checks on the name the
 * user typed, and a write that leaves the whole file or nothing: a temporary
 * file in the same folder, synced, then renamed into place, never over an
 * existing file unless the user said so. */
#ifndef MENTO_EXPORT_H
#define MENTO_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#define EXPORT_PATH_MAX 1024

enum export_status {
    EXPORT_OK = 0,
    EXPORT_EXISTS,     /* the file is there (and replacing it was not allowed) */
    EXPORT_NO_FOLDER,  /* its folder does not exist */
    EXPORT_NOT_FOLDER, /* what should be its folder is a file */
    EXPORT_DENIED,     /* no permission, or a read-only file system */
    EXPORT_FULL,       /* the disk or the quota is full */
    EXPORT_FAILED,     /* anything else */
};

/* The folder files go to when the user names none: `configured` (the
 * config's calendar-dir, "~/" expanded with `home`) when set; else the XDG
 * download folder named in `user_dirs` (the path of a user-dirs.dirs file;
 * NULL or missing: none) when it exists; else `home`; else ".". */
void export_default_dir(const char *configured, const char *user_dirs, const char *home, char *out,
                        size_t cap);

/* Make the name the user typed a file path in `path`: "~/" expanded with
 * `home`, a relative name taken in `base_dir`, and a folder (one that exists,
 * or a name ending in "/") given `default_name`. Returns EXPORT_OK when the
 * file can be created, EXPORT_EXISTS when it is already there (ask before
 * replacing it), or why not, with `err` saying it in words. */
enum export_status export_check(const char *typed, const char *home, const char *base_dir,
                                const char *default_name, char *path, size_t cap, char *err,
                                size_t err_len);

/* Write `len` bytes to `path`, mode 0644, whole or not at all. With
 * `replace` false an existing file is never touched (EXPORT_EXISTS, even
 * when it appeared after export_check). On failure nothing is left behind:
 * neither a partial file nor the temporary one; `err` says why. */
enum export_status export_write(const char *path, const void *data, size_t len, bool replace,
                                char *err, size_t err_len);

#endif

/* capture.c - linkemu's capture files parsed as HTTP/1.1 messages, bodies
 * unframed (Content-Length, chunked, the end of the file) and decoded (gzip,
 * deflate), each handed to a callback. Strict: anything that is not a whole
 * message is an error naming the file, the message and the byte. */
#include "capture.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/stat.h>

#define ZLIB_CONST /* next_in points to const bytes */
#include <zlib.h>

#define CHUNK_LINE_MAX 1024 /* a chunk-size line with its extensions */

/* One capture file being parsed. */
struct parse {
    char path[PATH_MAX];
    const unsigned char *buf;
    size_t len;
    size_t pos;     /* the start of the message being read */
    unsigned index; /* of that message, from 1 */
    bool request;   /* N.up */
    unsigned conn;
    char *why;
    size_t why_len;
    /* Requests: whether each was a HEAD, for the responses to them. */
    bool *head;
    size_t n_requests, cap_requests;
    size_t n_answered; /* final responses read so far */
};

/* What a header block says. */
struct head {
    char start[CAPTURE_START_MAX + 1];
    int status;   /* responses */
    bool is_head; /* requests: the HEAD method */
    bool has_length;
    uint64_t length;
    bool chunked;
    bool zipped; /* Content-Encoding gzip, x-gzip or deflate */
    bool coded;  /* a Content-Encoding header was seen */
    bool has_te;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parse *p, size_t at, const char *fmt,
                                                      ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(p->why, p->why_len, "%s: message %u, byte %zu: %s", p->path, p->index, at, what);
    return -1;
}

__attribute__((format(printf, 3, 4))) static int say(char *why, size_t why_len, const char *fmt,
                                                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- reading ---------------------------------------------------------------------------- */

static int read_whole(const char *path, unsigned char **out, size_t *len, char *why, size_t why_len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return say(why, why_len, "%s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > CAPTURE_FILE_MAX) {
        close(fd);
        return say(why, why_len, "%s: %s", path,
                   S_ISREG(st.st_mode) ? "larger than the limit" : "not a plain file");
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return say(why, why_len, "%s: out of memory", path);
    }
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n != size) {
        free(buf);
        return say(why, why_len, "%s: read %zu of %zu bytes", path, n, size);
    }
    *out = buf;
    *len = size;
    return 0;
}

/* ---- the header block ------------------------------------------------------------------- */

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* [*s, *e) without optional white space at either end. */
static void trim(const unsigned char **s, const unsigned char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

static bool value_is(const unsigned char *s, const unsigned char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - s) == n && strncasecmp((const char *)s, word, n) == 0;
}

static int parse_start(struct parse *p, const unsigned char *s, const unsigned char *e,
                       struct head *h)
{
    size_t n = (size_t)(e - s);
    snprintf(h->start, sizeof h->start, "%.*s",
             (int)(n < CAPTURE_START_MAX ? n : CAPTURE_START_MAX), (const char *)s);
    static const char v10[] = "HTTP/1.0", v11[] = "HTTP/1.1";
    if (p->request) {
        const unsigned char *sp1 = memchr(s, ' ', n);
        const unsigned char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1)) : NULL;
        if (!sp1 || sp1 == s || !sp2 || sp2 == sp1 + 1)
            return fail(p, p->pos, "not a request line: \"%s\"", h->start);
        for (const unsigned char *c = s; c < sp1; c++)
            if (!is_tchar(*c))
                return fail(p, p->pos, "not a method: \"%s\"", h->start);
        for (const unsigned char *c = sp1 + 1; c < sp2; c++)
            if (*c <= ' ' || *c == 0x7f)
                return fail(p, p->pos, "not a request target: \"%s\"", h->start);
        if (!value_is(sp2 + 1, e, v10) && !value_is(sp2 + 1, e, v11))
            return fail(p, p->pos, "not HTTP/1.x: \"%s\"", h->start);
        h->is_head = sp1 - s == 4 && memcmp(s, "HEAD", 4) == 0;
        return 0;
    }
    if (n < 12 || (memcmp(s, v10, 8) != 0 && memcmp(s, v11, 8) != 0) || s[8] != ' ' || s[9] < '1' ||
        s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (n > 12 && s[12] != ' '))
        return fail(p, p->pos, "not a status line: \"%s\"", h->start);
    h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return 0;
}

static int parse_field(struct parse *p, size_t at, const unsigned char *s, const unsigned char *e,
                       struct head *h)
{
    const unsigned char *colon = memchr(s, ':', (size_t)(e - s));
    int shown = e - s > 60 ? 60 : (int)(e - s); /* the line is not NUL-terminated */
    if (s < e && (*s == ' ' || *s == '\t'))
        return fail(p, at, "a folded header line (obsolete)");
    if (!colon || colon == s)
        return fail(p, at, "not a header line: \"%.*s\"", shown, (const char *)s);
    for (const unsigned char *c = s; c < colon; c++)
        if (!is_tchar(*c))
            return fail(p, at, "not a header name: \"%.*s\"", shown, (const char *)s);
    const unsigned char *v = colon + 1, *ve = e;
    trim(&v, &ve);
    for (const unsigned char *c = v; c < ve; c++)
        if ((*c < ' ' && *c != '\t') || *c == 0x7f)
            return fail(p, at, "a control character in a header value");
    size_t nl = (size_t)(colon - s);
    char name[32] = "";
    if (nl < sizeof name)
        memcpy(name, s, nl);

    if (strcasecmp(name, "Content-Length") == 0) {
        if (v == ve || ve - v > 12)
            return fail(p, at, "a bad Content-Length");
        uint64_t n = 0;
        for (const unsigned char *c = v; c < ve; c++) {
            if (*c < '0' || *c > '9')
                return fail(p, at, "a bad Content-Length");
            n = n * 10 + (uint64_t)(*c - '0');
        }
        if (h->has_length && n != h->length)
            return fail(p, at, "two different Content-Lengths");
        if (n > CAPTURE_BODY_MAX)
            return fail(p, at, "Content-Length %llu is beyond the limit", (unsigned long long)n);
        h->has_length = true;
        h->length = n;
    } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
        if (h->has_te || !value_is(v, ve, "chunked"))
            return fail(p, at, "transfer coding \"%.*s\" not understood (only chunked)",
                        (int)(ve - v > 40 ? 40 : ve - v), (const char *)v);
        h->has_te = h->chunked = true;
    } else if (strcasecmp(name, "Content-Encoding") == 0) {
        if (h->coded)
            return fail(p, at, "more than one Content-Encoding");
        h->coded = true;
        if (value_is(v, ve, "gzip") || value_is(v, ve, "x-gzip") || value_is(v, ve, "deflate"))
            h->zipped = true;
        else if (!value_is(v, ve, "identity"))
            return fail(p, at, "content coding \"%.*s\" not understood (gzip, deflate)",
                        (int)(ve - v > 40 ? 40 : ve - v), (const char *)v);
    }
    return 0;
}

/* Reads the header block at p->pos; *body_at is where the body starts. */
static int parse_head(struct parse *p, struct head *h, size_t *body_at)
{
    memset(h, 0, sizeof *h);
    size_t left = p->len - p->pos;
    size_t look = left < CAPTURE_HEAD_MAX ? left : CAPTURE_HEAD_MAX;
    const unsigned char *s = p->buf + p->pos;
    const unsigned char *end = memmem(s, look, "\r\n\r\n", 4);
    if (!end)
        return fail(p, p->pos,
                    left >= CAPTURE_HEAD_MAX ? "a header block longer than the limit"
                                             : "cut in the header block (no empty line after it)");
    for (const unsigned char *c = s; c < end; c++) {
        if (*c == '\0')
            return fail(p, p->pos + (size_t)(c - s), "a NUL in the header block");
        if ((*c == '\r' && c[1] != '\n') || (*c == '\n' && (c == s || c[-1] != '\r')))
            return fail(p, p->pos + (size_t)(c - s), "a bare CR or LF in the header block");
    }
    /* Lines end with CRLF; the last one ends at `end`. */
    for (const unsigned char *line = s;;) {
        const unsigned char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
        int rc = line == s ? parse_start(p, line, eol, h)
                           : parse_field(p, p->pos + (size_t)(line - s), line, eol, h);
        if (rc != 0)
            return rc;
        if (eol == end)
            break;
        line = eol + 2;
    }
    if (h->has_length && h->chunked)
        return fail(p, p->pos, "both Content-Length and Transfer-Encoding");
    *body_at = p->pos + (size_t)(end - s) + 4;
    return 0;
}

/* ---- bodies ------------------------------------------------------------------------------ */

/* The chunked body at *at; on success *at is past its trailers. */
static int unchunk(struct parse *p, size_t *at, unsigned char **out, size_t *out_len)
{
    size_t pos = *at, total = 0, cap = 0;
    unsigned char *body = NULL;
    int rc = -1;
    for (;;) {
        size_t left = p->len - pos;
        const unsigned char *s = p->buf + pos;
        const unsigned char *eol =
            memmem(s, left < CHUNK_LINE_MAX ? left : CHUNK_LINE_MAX, "\r\n", 2);
        if (!eol) {
            fail(p, pos,
                 left < CHUNK_LINE_MAX ? "cut in a chunk-size line" : "a chunk-size line too long");
            goto out;
        }
        uint64_t size = 0;
        const unsigned char *c = s;
        for (; c < eol && isxdigit(*c); c++) {
            if (c - s >= 15) {
                fail(p, pos, "a chunk size too large");
                goto out;
            }
            size = size * 16 + (uint64_t)(*c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10);
        }
        if (c == s || (c < eol && *c != ';' && *c != ' ' && *c != '\t')) {
            fail(p, pos, "not a chunk size: \"%.*s\"", (int)(eol - s > 20 ? 20 : eol - s),
                 (const char *)s);
            goto out;
        }
        pos += (size_t)(eol - s) + 2;
        if (size == 0)
            break;
        if (size > CAPTURE_BODY_MAX - total) {
            fail(p, pos, "a chunked body beyond the limit");
            goto out;
        }
        if (size + 2 > p->len - pos) {
            fail(p, pos, "cut in a chunk: %zu of %llu bytes", p->len - pos,
                 (unsigned long long)size);
            goto out;
        }
        if (total + size > cap) {
            size_t ncap = cap ? cap : 4096;
            while (ncap < total + size)
                ncap *= 2;
            unsigned char *g = realloc(body, ncap);
            if (!g) {
                fail(p, pos, "out of memory");
                goto out;
            }
            body = g;
            cap = ncap;
        }
        memcpy(body + total, p->buf + pos, (size_t)size);
        total += (size_t)size;
        pos += (size_t)size;
        if (p->buf[pos] != '\r' || p->buf[pos + 1] != '\n') {
            fail(p, pos, "a chunk not followed by CRLF");
            goto out;
        }
        pos += 2;
    }
    /* Trailer fields, then an empty line. */
    for (size_t start = pos;;) {
        size_t left = p->len - pos;
        if (pos - start > CAPTURE_HEAD_MAX) {
            fail(p, pos, "trailers longer than the limit");
            goto out;
        }
        const unsigned char *eol = memmem(p->buf + pos, left, "\r\n", 2);
        if (!eol) {
            fail(p, pos, "cut in the trailers (no empty line after the last chunk)");
            goto out;
        }
        size_t n = (size_t)(eol - (p->buf + pos));
        pos += n + 2;
        if (n == 0)
            break;
    }
    *at = pos;
    *out = body;
    *out_len = total;
    body = NULL;
    rc = 0;
out:
    free(body);
    return rc;
}

/* gzip or zlib data (inflateInit2 with 15 + 32 tells them apart), decoded
 * whole; gzip members one after another are decoded one after another. */
static int inflate_all(struct parse *p, size_t at, const unsigned char *in, size_t len,
                       unsigned char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return fail(p, at, "zlib cannot start");
    size_t cap = len < 1024 ? 4096 : len * 4;
    if (cap > CAPTURE_BODY_MAX)
        cap = CAPTURE_BODY_MAX;
    unsigned char *buf = malloc(cap);
    int rc = -1;
    if (!buf) {
        fail(p, at, "out of memory");
        goto out;
    }
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    size_t total = 0;
    for (;;) {
        if (total == cap) {
            if (cap == CAPTURE_BODY_MAX) {
                fail(p, at, "the body decodes to more than the limit");
                goto out;
            }
            size_t ncap = cap * 2 > CAPTURE_BODY_MAX ? CAPTURE_BODY_MAX : cap * 2;
            unsigned char *g = realloc(buf, ncap);
            if (!g) {
                fail(p, at, "out of memory");
                goto out;
            }
            buf = g;
            cap = ncap;
        }
        zs.next_out = buf + total;
        zs.avail_out = (uInt)(cap - total);
        int z = inflate(&zs, Z_NO_FLUSH);
        total = cap - zs.avail_out;
        if (z == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            if (inflateReset(&zs) != Z_OK) {
                fail(p, at, "zlib cannot go on");
                goto out;
            }
            continue;
        }
        if (z == Z_BUF_ERROR && zs.avail_out > 0) {
            fail(p, at, "the compressed body is cut short (%zu bytes)", len);
            goto out;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            fail(p, at, "the compressed body does not decode: %s", zs.msg ? zs.msg : "zlib error");
            goto out;
        }
    }
    *out = buf;
    *out_len = total;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    inflateEnd(&zs);
    return rc;
}

static int remember_request(struct parse *p, bool is_head)
{
    if (p->n_requests == p->cap_requests) {
        size_t cap = p->cap_requests ? p->cap_requests * 2 : 64;
        bool *g = realloc(p->head, cap * sizeof *g);
        if (!g)
            return fail(p, p->pos, "out of memory");
        p->head = g;
        p->cap_requests = cap;
    }
    p->head[p->n_requests++] = is_head;
    return 0;
}

/* Every message of the file, in order; *bodies counts the callbacks. */
static int parse_file(struct parse *p, capture_body_fn fn, void *arg, int *bodies)
{
    p->pos = 0;
    p->index = 0;
    while (p->pos < p->len) {
        if (++p->index > CAPTURE_MESSAGES_MAX)
            return fail(p, p->pos, "more messages than the limit");
        struct head h;
        size_t at = 0;
        if (parse_head(p, &h, &at) != 0)
            return -1;
        /* How the body is framed (RFC 9112, section 6.3). */
        enum { NONE, LENGTH, CHUNKED, TO_END } framing = NONE;
        if (p->request) {
            if (remember_request(p, h.is_head) != 0)
                return -1;
            framing = h.chunked ? CHUNKED : h.has_length ? LENGTH : NONE;
        } else if (h.status == 101) {
            return fail(p, p->pos, "101: the rest of the stream is another protocol");
        } else if (h.status < 200) {
            framing = NONE; /* interim: the final response follows */
        } else {
            bool to_head = p->n_answered < p->n_requests && p->head[p->n_answered];
            p->n_answered++;
            if (to_head || h.status == 204 || h.status == 304)
                framing = NONE;
            else
                framing = h.chunked ? CHUNKED : h.has_length ? LENGTH : TO_END;
        }
        const unsigned char *wire = p->buf + at;
        size_t wire_len = 0;
        unsigned char *chunks = NULL;
        bool chunked = framing == CHUNKED;
        size_t next = at;
        if (framing == LENGTH) {
            if (h.length > p->len - at)
                return fail(p, at, "cut in the body: %zu of %llu bytes", p->len - at,
                            (unsigned long long)h.length);
            wire_len = (size_t)h.length;
            next = at + wire_len;
        } else if (framing == TO_END) {
            wire_len = p->len - at;
            next = p->len;
        } else if (framing == CHUNKED) {
            if (unchunk(p, &next, &chunks, &wire_len) != 0)
                return -1;
            wire = chunks;
        }
        if (wire_len > CAPTURE_BODY_MAX) {
            free(chunks);
            return fail(p, at, "a body beyond the limit");
        }
        if (framing != NONE && wire_len > 0) {
            struct capture_body b = {.data = wire,
                                     .len = wire_len,
                                     .request = p->request,
                                     .gzipped = h.zipped,
                                     .chunked = chunked,
                                     .conn = p->conn,
                                     .index = p->index};
            snprintf(b.start, sizeof b.start, "%s", h.start);
            unsigned char *plain = NULL;
            if (h.zipped) {
                if (inflate_all(p, at, wire, wire_len, &plain, &b.len) != 0) {
                    free(chunks);
                    return -1;
                }
                b.data = plain;
            }
            if (*bodies == INT_MAX) {
                free(plain);
                free(chunks);
                return fail(p, at, "more bodies than an int counts");
            }
            (*bodies)++;
            fn(&b, arg);
            free(plain);
        }
        free(chunks);
        p->pos = next;
    }
    return 0;
}

/* ---- the folder -------------------------------------------------------------------------- */

/* "N.up" or "N.down" with N from 1 to CAPTURE_CONN_MAX; 0 otherwise. */
static unsigned capture_name(const char *name, bool *up)
{
    unsigned n = 0;
    const char *c = name;
    if (*c < '1' || *c > '9')
        return 0;
    for (; *c >= '0' && *c <= '9'; c++) {
        n = n * 10 + (unsigned)(*c - '0');
        if (n > CAPTURE_CONN_MAX)
            return 0;
    }
    if (strcmp(c, ".up") == 0)
        *up = true;
    else if (strcmp(c, ".down") == 0)
        *up = false;
    else
        return 0;
    return n;
}

int capture_bodies(const char *dir, capture_body_fn fn, void *arg, char *why, size_t why_len)
{
    /* seen[n]: bit 1 for N.up, bit 2 for N.down. */
    unsigned char *seen = calloc(CAPTURE_CONN_MAX + 1, 1);
    if (!seen)
        return say(why, why_len, "out of memory");
    DIR *d = opendir(dir);
    if (!d) {
        free(seen);
        return say(why, why_len, "%s: %s", dir, strerror(errno));
    }
    unsigned last = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool up = false;
        unsigned n = capture_name(e->d_name, &up);
        if (n == 0) {
            rc = say(why, why_len, "%s: \"%.60s\" is not a capture file (N.up, N.down)", dir,
                     e->d_name);
            break;
        }
        seen[n] |= up ? 1 : 2;
        if (n > last)
            last = n;
    }
    closedir(d);
    for (unsigned n = 1; rc == 0 && n <= last; n++)
        if (seen[n] != 3)
            rc = say(why, why_len, "%s: connection %u has no %s file", dir, n,
                     !(seen[n] & 1) ? "up" : "down");
    free(seen);
    if (rc != 0)
        return -1;

    int bodies = 0;
    for (unsigned n = 1; rc == 0 && n <= last; n++) {
        struct parse p = {.conn = n, .why = why, .why_len = why_len};
        for (int up = 1; rc == 0 && up >= 0; up--) {
            int len = snprintf(p.path, sizeof p.path, "%s/%u.%s", dir, n, up ? "up" : "down");
            if (len < 0 || (size_t)len >= sizeof p.path) {
                rc = say(why, why_len, "%s: folder name too long", dir);
                break;
            }
            unsigned char *buf = NULL;
            if (read_whole(p.path, &buf, &p.len, why, why_len) != 0) {
                rc = -1;
                break;
            }
            p.buf = buf;
            p.request = up;
            rc = parse_file(&p, fn, arg, &bodies);
            free(buf);
            p.buf = NULL;
        }
        free(p.head);
    }
    return rc == 0 ? bodies : -1;
}

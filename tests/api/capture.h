/* capture.h - what crossed the link, read back: the files a linkemu --capture
 * folder holds (tests/tools/README.md) parsed as HTTP/1.1, each N.up as the
 * requests of connection N and each N.down as its responses. Bodies are
 * framed by Content-Length, by the chunked transfer coding, or (a response
 * without either) by the end of the file, and a gzip or deflate content
 * coding is decoded (zlib), so that a search of the bodies sees what the
 * client and the server meant, not compressed bytes. */
#ifndef MENTO_TESTS_API_CAPTURE_H
#define MENTO_TESTS_API_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

/* Limits; input beyond them is an error, not a crash or a stall. */
#define CAPTURE_CONN_MAX     100000u       /* connection numbers, from 1 */
#define CAPTURE_FILE_MAX     (256u << 20)  /* a capture file, read whole */
#define CAPTURE_HEAD_MAX     (64u * 1024u) /* a start line and its headers */
#define CAPTURE_BODY_MAX     (64u << 20)   /* a body, framed or decoded */
#define CAPTURE_MESSAGES_MAX 100000u       /* messages in one file */
#define CAPTURE_START_MAX    120           /* bytes of the start line kept */

/* One body. Valid during the callback only. */
struct capture_body {
    const unsigned char *data; /* decoded from its content coding */
    size_t len;
    bool request;   /* from N.up; from N.down it is a response */
    bool gzipped;   /* it came with Content-Encoding gzip or deflate, decoded here */
    bool chunked;   /* it came in chunks (Transfer-Encoding: chunked) */
    unsigned conn;  /* N */
    unsigned index; /* the message's place in its file, from 1 */
    char start[CAPTURE_START_MAX + 1]; /* "POST /v1/... HTTP/1.1", "HTTP/1.1 200 OK" */
};

typedef void (*capture_body_fn)(const struct capture_body *body, void *arg);

/* Parse every capture file of `dir`: connections 1..N in order, for each the
 * requests then the responses, calling `fn` once for every message whose
 * body is not empty (GETs, 204s and 304s have none; the response to a HEAD
 * has none whatever its headers say). The folder must hold only
 * N.up and N.down files, both of every connection, numbered from 1 without a
 * gap. Returns the number of bodies; -1 when the folder cannot be read or a
 * file is not a whole sequence of HTTP/1.1 messages (a message cut short
 * too), with `why` naming the file, the message and the byte. */
int capture_bodies(const char *dir, capture_body_fn fn, void *arg, char *why, size_t why_len);

#endif

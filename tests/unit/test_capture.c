/* test_capture.c - the reader of linkemu's capture files (tests/api/capture.c)
 * on files written here: bodies framed by Content-Length, chunks and the end
 * of the stream, gzip and deflate decoded, no body where HTTP says there is
 * none; and every malformed or cut file refused with a message, not a crash
 * (valid files cut at every byte, and with bytes changed at random). */
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
#include <zlib.h>

#include "capture.h"

#define MAX_SEEN 16

struct seen {
    int n;
    struct {
        char text[256];
        bool request, gzipped, chunked;
        unsigned conn, index;
        char start[CAPTURE_START_MAX + 1];
    } b[MAX_SEEN];
};

struct fixture {
    char dir[64];
    struct seen seen;
    char why[512];
};

static void collect(const struct capture_body *body, void *arg)
{
    struct seen *s = arg;
    if (s->n == MAX_SEEN)
        return;
    snprintf(s->b[s->n].text, sizeof s->b[s->n].text, "%.*s", (int)body->len,
             (const char *)body->data);
    s->b[s->n].request = body->request;
    s->b[s->n].gzipped = body->gzipped;
    s->b[s->n].chunked = body->chunked;
    s->b[s->n].conn = body->conn;
    s->b[s->n].index = body->index;
    snprintf(s->b[s->n].start, sizeof s->b[s->n].start, "%s", body->start);
    s->n++;
}

static void clear_dir(const char *dir)
{
    for (unsigned n = 1; n <= 4; n++) {
        static const char *const ext[] = {"up", "down", "x"};
        for (int i = 0; i < 3; i++) {
            char p[128];
            snprintf(p, sizeof p, "%s/%u.%s", dir, n, ext[i]);
            unlink(p);
        }
    }
    char p[128];
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    unlink(p);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mento-capture-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    clear_dir(f->dir);
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *out = fopen(p, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

static void put_str(const char *dir, const char *name, const char *s)
{
    put(dir, name, s, strlen(s));
}

/* `text` compressed: gzip (windowBits 15 + 16) or zlib ("deflate", 15). */
static size_t squeeze(const char *text, bool gzip, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    return n;
}

/* A message: `head` (ending in the empty line) and then `body`. */
static size_t message(unsigned char *out, size_t at, const char *head, const void *body, size_t len)
{
    size_t h = strlen(head);
    memcpy(out + at, head, h);
    memcpy(out + at + h, body, len);
    return at + h + len;
}

static int run(struct fixture *f)
{
    memset(&f->seen, 0, sizeof f->seen);
    f->why[0] = '\0';
    return capture_bodies(f->dir, collect, &f->seen, f->why, sizeof f->why);
}

/* Connection 1 as the client and mentod speak, every framing; connection 2
 * a HEAD and an interim response. */
static const char valid_up[] = "GET /v1/me HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
                               "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n"
                               "Content-Type: application/json\r\n\r\n{\"ops\":[\"a\"]}"
                               "PUT /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "4;ext=1\r\nchun\r\n3\r\nked\r\n0\r\nTrailer: yes\r\n\r\n"
                               "GET /v1/y HTTP/1.1\r\n\r\n"
                               "GET /v1/z HTTP/1.1\r\n\r\n"
                               "GET /v1/end HTTP/1.1\r\n\r\n";

static size_t write_valid(struct fixture *f, unsigned char *down, size_t cap)
{
    put_str(f->dir, "1.up", valid_up);
    unsigned char z[512];
    size_t at = 0;
    size_t zn = squeeze("{\"me\":\"gzip'd\"}", true, z, sizeof z);
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
    at = message(down, at, head, z, zn);
    at = message(down, at, "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\n", "synced", 6);
    zn = squeeze("deflated and chunked", false, z, sizeof z);
    snprintf(head, sizeof head,
             "HTTP/1.1 201 Created\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked"
             "\r\n\r\n%zx\r\n",
             zn);
    at = message(down, at, head, z, zn);
    at = message(down, at, "\r\n0\r\n\r\n", "", 0);
    at = message(down, at, "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n", "", 0);
    at = message(down, at, "HTTP/1.1 204 No Content\r\n\r\n", "", 0);
    at = message(down, at, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "to the end", 10);
    assert_true(at <= cap);
    put(f->dir, "1.down", down, at);

    put_str(f->dir, "2.up",
            "HEAD /v1/h HTTP/1.1\r\n\r\nPOST /v1/p HTTP/1.1\r\n"
            "Content-Length: 4\r\nExpect: 100-continue\r\n\r\nbody");
    put_str(f->dir, "2.down",
            "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    return at;
}

static void reads_every_framing(void **state)
{
    struct fixture *f = *state;
    unsigned char down[2048];
    write_valid(f, down, sizeof down);
    int n = run(f);
    if (n < 0)
        fail_msg("%s", f->why);
    assert_int_equal(n, 8);
    struct seen *s = &f->seen;
    assert_string_equal(s->b[0].text, "{\"ops\":[\"a\"]}");
    assert_true(s->b[0].request && !s->b[0].gzipped);
    assert_int_equal(s->b[0].index, 2);
    assert_string_equal(s->b[0].start, "POST /v1/sync HTTP/1.1");
    assert_string_equal(s->b[1].text, "chunked");
    assert_true(s->b[1].request && s->b[1].chunked);
    assert_string_equal(s->b[2].text, "{\"me\":\"gzip'd\"}");
    assert_true(!s->b[2].request && s->b[2].gzipped);
    assert_string_equal(s->b[2].start, "HTTP/1.1 200 OK");
    assert_string_equal(s->b[3].text, "synced");
    assert_false(s->b[3].gzipped);
    assert_string_equal(s->b[4].text, "deflated and chunked");
    assert_true(s->b[4].gzipped && s->b[4].chunked);
    assert_string_equal(s->b[5].text, "to the end");
    assert_int_equal(s->b[5].index, 6);
    assert_int_equal(s->b[5].conn, 1);
    /* The HEAD's answer has no body whatever its length says; 100 is interim. */
    assert_string_equal(s->b[6].text, "body");
    assert_int_equal(s->b[6].conn, 2);
    assert_string_equal(s->b[7].text, "ok");
    assert_int_equal(s->b[7].index, 3);
    clear_dir(f->dir);
    assert_int_equal(run(f), 0); /* an empty folder: no bodies */
}

static void expect_refused(struct fixture *f, const char *words)
{
    int n = run(f);
    if (n != -1)
        fail_msg("accepted (%d bodies), expected \"%s\"", n, words);
    if (!strstr(f->why, words))
        fail_msg("\"%s\" does not say \"%s\"", f->why, words);
    clear_dir(f->dir);
}

static void refuses_what_is_not_http(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *up, *down, *words;
    } bad[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\n", "", "1.up: message 1, byte 0: cut in the header"},
        {"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", "", "cut in the body: 5 of 10"},
        {"GET / HTTP/2\r\n\r\n", "", "not HTTP/1.x"},
        {"GET /\r\n\r\n", "", "not a request line"},
        {"G(T / HTTP/1.1\r\n\r\n", "", "not a method"},
        {"GET / HTTP/1.1\nHost: x\r\n\r\n", "", "bare CR or LF"},
        {"GET / HTTP/1.1\r\nHost x\r\n\r\n", "", "not a header line"},
        {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "", "folded"},
        {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "", "bad Content-Length"},
        {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "",
         "two different"},
        {"POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n", "", "beyond the limit"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "", "not understood"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "",
         "both Content-Length and Transfer-Encoding"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "", "not a chunk size"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "", "cut in a chunk"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "",
         "not followed by CRLF"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n", "",
         "cut in the trailers"},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "",
         "too large"},
        {"POST / HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx", "",
         "content coding \"br\" not understood"},
        {"POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", "",
         "does not decode"},
        {"", "HTTP/1.1 2000 OK\r\n\r\n", "1.down: message 1, byte 0: not a status line"},
        {"", "HTTP/1.1 101 Switching Protocols\r\n\r\n", "another protocol"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_str(f->dir, "1.up", bad[i].up);
        put_str(f->dir, "1.down", bad[i].down);
        expect_refused(f, bad[i].words);
    }

    /* A gzip'd body cut short. */
    unsigned char z[256], msg[512];
    size_t zn = squeeze("a body long enough to be cut in two", true, z, sizeof z);
    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
    put(f->dir, "1.down", msg, message(msg, 0, head, z, zn / 2));
    put_str(f->dir, "1.up", "GET / HTTP/1.1\r\n\r\n");
    expect_refused(f, "cut short");

    /* The folder: both files of every connection, numbered from 1, nothing else. */
    put_str(f->dir, "1.up", "");
    expect_refused(f, "connection 1 has no down file");
    put_str(f->dir, "2.up", "");
    put_str(f->dir, "2.down", "");
    expect_refused(f, "connection 1 has no up file");
    put_str(f->dir, "notes.txt", "");
    expect_refused(f, "\"notes.txt\" is not a capture file");
    put_str(f->dir, "1.x", "");
    expect_refused(f, "is not a capture file");
    f->why[0] = '\0';
    assert_int_equal(
        capture_bodies("/nonexistent/capture", collect, &f->seen, f->why, sizeof f->why), -1);
    assert_non_null(strstr(f->why, "/nonexistent/capture"));
}

/* Every valid file cut at every byte: a clean answer each time (under the
 * sanitizers: no read out of bounds). */
static void cut_anywhere_is_an_answer(void **state)
{
    struct fixture *f = *state;
    unsigned char down[2048];
    size_t len = write_valid(f, down, sizeof down);
    int refused = 0;
    for (size_t cut = 0; cut < len; cut++) {
        put(f->dir, "1.down", down, cut);
        int n = run(f);
        assert_true(n >= -1 && n <= 8);
        if (n < 0) {
            assert_non_null(strstr(f->why, "1.down: message "));
            refused++;
        }
    }
    /* Only a cut at a message's end or in the last, unframed body is whole. */
    assert_true(refused > (int)len * 9 / 10);
    fprintf(stderr, "# %zu cuts of a response stream: %d refused\n", len, refused);

    put(f->dir, "1.down", down, len);
    size_t up_len = strlen(valid_up);
    refused = 0;
    for (size_t cut = 0; cut < up_len; cut++) {
        put(f->dir, "1.up", valid_up, cut);
        int n = run(f);
        assert_true(n >= -1 && n <= 8);
        if (n < 0) {
            assert_non_null(strstr(f->why, "1.up: message "));
            refused++;
        }
    }
    assert_true(refused > (int)up_len * 8 / 10);
    fprintf(stderr, "# %zu cuts of a request stream: %d refused\n", up_len, refused);
}

/* A few bytes changed anywhere, again and again: an answer each time. */
static void mangled_is_an_answer(void **state)
{
    struct fixture *f = *state;
    unsigned char down[2048], up[sizeof valid_up], copy[2048];
    size_t len = write_valid(f, down, sizeof down);
    memcpy(up, valid_up, sizeof up);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int refused = 0, rounds = 3000;
    for (int i = 0; i < rounds; i++) {
        bool in_up = i % 2 == 0;
        size_t n = in_up ? sizeof up - 1 : len;
        memcpy(copy, in_up ? up : down, n);
        for (int k = 0; k < 1 + i % 4; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            copy[(x >> 8) % n] = (unsigned char)(x >> 40);
        }
        put(f->dir, in_up ? "1.up" : "1.down", copy, n);
        int got = run(f);
        assert_true(got >= -1 && got <= 8);
        if (got < 0) {
            assert_true(f->why[0] != '\0');
            refused++;
        }
        put(f->dir, in_up ? "1.up" : "1.down", in_up ? up : down, n);
    }
    fprintf(stderr, "# %d mangled streams: %d refused\n", rounds, refused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reads_every_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_what_is_not_http, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_anywhere_is_an_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(mangled_is_an_answer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

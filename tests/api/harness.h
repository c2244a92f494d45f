/* harness.h - what the api tests share: a real mentod child process on a free
 * loopback port with its own temporary database, HTTP calls to it, and checks. */
#ifndef MENTO_TESTS_API_HARNESS_H
#define MENTO_TESTS_API_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

/* Every account the tests create uses this password unless told otherwise. */
#define HARNESS_PASSWORD "correct horse battery"
/* The documented request body cap (1 MiB). */
#define HARNESS_MAX_BODY (1024 * 1024)

struct harness;

/* One HTTP answer. Zero-initialise before the first use; harness_call frees
 * what a previous call left in it, harness_resp_free releases it at the end. */
struct harness_resp {
    long status;
    char *body;  /* NUL-terminated (the NUL is not counted in len) */
    size_t len;
    cJSON *json; /* the body parsed, NULL if empty, not JSON, or content-encoded */
    char content_type[128];
    char content_encoding[64];
    char etag[128];
    char retry_after[32];
    char vary[128];
    char idempotent_replay[16];
    char allow[128];
    char disposition[160];
    char request[160]; /* "GET /v1/me", for failure messages */
};

/* A registered participant. */
struct harness_user {
    int64_t id;
    char token[128];
    char email[320];
    char password[300];
};

/* What harness_register sends; NULL members take the defaults noted. */
struct harness_account {
    const char *email;     /* NULL: a fresh unique address */
    const char *password;  /* NULL: HARNESS_PASSWORD */
    const char *programme; /* NULL: "together" */
    const char *roles;     /* "mentee", "mentor" or "mentee,mentor"; NULL: "mentee" */
    int capacity;          /* 0: not sent */
    const cJSON *profile;  /* NULL: harness_profile_new("Test Participant") */
    const char *idempotency_key; /* NULL: none */
};

/* ---- The server ---------------------------------------------------------- */

/* Start $MENTOD --test-mode in a fresh temporary directory and wait (at most
 * 10 s) for its port file. 0 on success; -1 with a message on stderr. */
int harness_start(struct harness **out);
/* SIGTERM the server, wait for it, remove the directory, free everything.
 * 0 when the server exited with status 0 (or was already stopped cleanly),
 * -1 otherwise (a crash, a sanitizer report, a hang). NULL is allowed. */
int harness_stop(struct harness *h);
/* Stop the server only, keeping `h` usable for harness_stop; the cmocka test
 * that ends each executable asserts this is 0. */
int harness_stop_server(struct harness *h);
uint16_t harness_port(const struct harness *h);
/* The server's database file (for `mentod appoint` and the like). */
const char *harness_db_path(const struct harness *h);
/* `mentod appoint`: make the account an administrator of the programme, as
 * the server's operator does. 0 on success. */
int harness_appoint(struct harness *h, const char *email, const char *programme);
/* Stop the server with `sig` (SIGKILL: a crash or power cut, nothing flushed;
 * SIGTERM: a clean stop) and start it again on the same database, its clock
 * moved forward by `advance_while_down` seconds, as if the server had been
 * down that long, on the same port. 0 on success. */
int harness_restart(struct harness *h, int sig, int64_t advance_while_down);
/* SIGKILL the server and wait for it: calls from other threads then fail
 * until harness_restart (which, on a stopped server, only starts it). */
void harness_crash(struct harness *h);

/* cmocka group fixtures starting and stopping one server per executable;
 * the tests receive the struct harness * as their state. */
int harness_group_setup(void **state);
int harness_group_teardown(void **state);
/* The test to put last in every executable: stops the server and asserts
 * that it exited 0 (a crash or a sanitizer report fails it). */
void harness_test_server_exits_cleanly(void **state);

/* ---- HTTP ----------------------------------------------------------------- */

/* One request on the kept-alive connection. `body` may be NULL (no body);
 * for a body, Content-Type: application/json is sent unless `headers` (a
 * NULL-terminated list of "Name: value", or NULL) sets Content-Type itself
 * ("Content-Type:" sends none). Fails the test on a transport error. */
void harness_call(struct harness *h, const char *method, const char *path, const char *token,
                  const char *body, const char *const *headers, struct harness_resp *resp);
/* The same with a body of any bytes (NUL, invalid UTF-8). */
void harness_call_len(struct harness *h, const char *method, const char *path, const char *token,
                      const char *body, size_t body_len, const char *const *headers,
                      struct harness_resp *resp);
/* The same with a cJSON body (printed, not consumed). */
void harness_call_json(struct harness *h, const char *method, const char *path, const char *token,
                       const cJSON *body, const char *const *headers, struct harness_resp *resp);
void harness_resp_free(struct harness_resp *resp);

/* One request on a connection of its own, for tests that call from several
 * threads at once: no cmocka checks inside. Returns the status (-1 on a
 * transport error); `body_out` (may be NULL) receives the body, which the
 * caller frees, and `replay` (may be NULL) whether Idempotent-Replay: true
 * was set. */
long harness_request(const struct harness *h, const char *method, const char *path,
                     const char *token, const char *body, const char *const *headers,
                     char **body_out, bool *replay);

/* Send raw bytes on a new connection and collect what comes back until the
 * server closes it or `timeout_ms` pass. The answer (NUL-terminated, caller
 * frees) may be empty. Returns the number of bytes received, -1 on error. */
long harness_raw(struct harness *h, const void *data, size_t len, int timeout_ms, char **answer);

/* Append "?key=value" or "&key=value" (value percent-encoded) to `buf`. */
void harness_query_add(char *buf, size_t cap, const char *key, const char *value);

/* ---- Accounts -------------------------------------------------------------- */

/* A fresh address "<prefix>-<pid>-<n>@example.org". */
void harness_email(struct harness *h, const char *prefix, char *buf, size_t cap);
/* A valid profile with every required answer (and appointment_type
 * "fixed-term", years_experience 8, grade P-3, languages ["en"]). */
cJSON *harness_profile_new(const char *name);
/* Replace or add obj[key] = value (consumed); a NULL value removes the key. */
void harness_json_set(cJSON *obj, const char *key, cJSON *value);
void harness_json_set_str(cJSON *obj, const char *key, const char *value);
void harness_json_set_int(cJSON *obj, const char *key, int64_t value);
/* A JSON array of strings from "a|b|c" ("" gives an empty array). */
cJSON *harness_json_strings(const char *list);
/* The request body harness_register would send (caller deletes). */
cJSON *harness_account_json(struct harness *h, const struct harness_account *a, char *email_out,
                            size_t email_cap);

/* POST /v1/accounts. Returns the status; on 201 fills `out` (may be NULL).
 * `resp` (may be NULL) receives the answer. */
long harness_register(struct harness *h, const struct harness_account *a, struct harness_user *out,
                      struct harness_resp *resp);
/* The same, failing the test unless the answer is 201. */
#define harness_register_ok(h, a, out) harness_register_ok_at(__FILE__, __LINE__, (h), (a), (out))
void harness_register_ok_at(const char *file, int line, struct harness *h,
                            const struct harness_account *a, struct harness_user *out);
/* POST /v1/auth/login; returns the status and on 200 stores the token in
 * `u->token` (u->email and u->password are what is sent). */
long harness_login(struct harness *h, struct harness_user *u, struct harness_resp *resp);
/* POST /v1/test/clock {"advance":seconds}, asserting 200 and a plausible "now". */
void harness_advance_clock(struct harness *h, int64_t seconds);
/* The server's clock as the harness knows it: real time plus what was advanced. */
int64_t harness_now(const struct harness *h);

/* ---- Checks ------------------------------------------------------------------ *
 * Macros, so that a failure names the line of the test that checked. */

/* Fail unless resp->status == status, printing the request and the body. */
#define harness_expect_status(r, status) harness_expect_status_at(__FILE__, __LINE__, (r), (status))
/* Fail unless the answer is `status` with {"error":{"code":code,"message":
 * non-empty}} (and, when `field` is given, the error names it: "field" equal
 * to it or ending in ".<field>", or the message containing it). */
#define harness_expect_error(r, status, code)                                                      \
    harness_expect_error_at(__FILE__, __LINE__, (r), (status), (code), NULL)
#define harness_expect_error_field(r, status, code, field)                                         \
    harness_expect_error_at(__FILE__, __LINE__, (r), (status), (code), (field))
/* The same on a parsed body (a sync result): `what` labels failures. */
#define harness_expect_error_json(body, code, field, what)                                         \
    harness_expect_error_json_at(__FILE__, __LINE__, (body), (code), (field), (what))
/* GET /v1/health answers 200 {"status":"ok",...}. */
#define harness_expect_healthy(h) harness_expect_healthy_at(__FILE__, __LINE__, (h))

void harness_expect_status_at(const char *file, int line, const struct harness_resp *r,
                              long status);
void harness_expect_error_at(const char *file, int line, const struct harness_resp *r,
                             long status, const char *code, const char *field);
void harness_expect_error_json_at(const char *file, int line, const cJSON *body, const char *code,
                                  const char *field, const char *what);
void harness_expect_healthy_at(const char *file, int line, struct harness *h);
/* The error code of an error answer, "" when the body is not one. */
const char *harness_error_code(const struct harness_resp *r);

/* Small readers of parsed bodies. */
const char *harness_str(const cJSON *obj, const char *key); /* NULL unless a string */
bool harness_int(const cJSON *obj, const char *key, int64_t *out); /* integral number */
/* Does a JSON array of strings hold `s`? */
bool harness_strings_contain(const cJSON *arr, const char *s);
/* Parse "2026-11-23T09:30:00Z"; -1 when malformed. */
int64_t harness_parse_time(const char *s);
/* Case-insensitive substring test. */
bool harness_contains_ci(const char *hay, const char *needle);

#endif

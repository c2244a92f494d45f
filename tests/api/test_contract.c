/* test_contract.c - docs/api.md matches what is served: every endpoint of
 * the index (section 2) is called on a real mentod; one marked Served must
 * reach a handler (any answer but the router's "no such resource"), one
 * marked Planned must not; and the index and the endpoint headings list the
 * same endpoints. MENTO_API_DOC names docs/api.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_ENDPOINTS 200

struct endpoint {
    char method[8];
    char path[160];
    bool served;
    bool in_index, has_heading;
};

static char *read_doc(void)
{
    const char *path = getenv("MENTO_API_DOC");
    if (!path)
        fail_msg("MENTO_API_DOC is not set");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static struct endpoint *find(struct endpoint *e, size_t n, const char *method, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].method, method) == 0 && strcmp(e[i].path, path) == 0)
            return &e[i];
    return NULL;
}

/* The index rows "| GET | `/v1/...` | who | State |" and the headings
 * "### `GET /v1/...`". */
static size_t parse(char *doc, struct endpoint *e)
{
    size_t n = 0;
    for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
        char method[8], path[160], rest[400];
        if (sscanf(line, "| %7[A-Z] | `%159[^`]` |%399[^\n]", method, path, rest) == 3 &&
            strncmp(path, "/v1", 3) == 0) {
            struct endpoint *x = find(e, n, method, path);
            if (!x && n < MAX_ENDPOINTS)
                x = &e[n++];
            if (!x)
                continue;
            snprintf(x->method, sizeof x->method, "%s", method);
            snprintf(x->path, sizeof x->path, "%s", path);
            x->in_index = true;
            /* The last column: "Served", "Planned", or "Served (...)". */
            char *last = strrchr(rest, '|');
            if (last) {
                *last = '\0';
                last = strrchr(rest, '|');
            }
            x->served = last && strstr(last, "Served") && !strstr(last, "| Planned");
        } else if (sscanf(line, "### `%7[A-Z] %159[^`]`", method, path) == 2) {
            struct endpoint *x = find(e, n, method, path);
            if (!x && n < MAX_ENDPOINTS) {
                x = &e[n++];
                snprintf(x->method, sizeof x->method, "%s", method);
                snprintf(x->path, sizeof x->path, "%s", path);
            }
            if (x)
                x->has_heading = true;
        }
    }
    return n;
}

/* A concrete path: the programme, a question key, a report name; numbers
 * for the other ids (a handler answers an unknown one itself). */
static void concrete(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 40 < cap;) {
        if (*p != '{') {
            out[o++] = *p++;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end)
            break;
        size_t len = (size_t)(end - p - 1);
        const char *value = "1";
        if (len == 2 && strncmp(p + 1, "id", 2) == 0)
            value = "together";
        else if (len == 3 && strncmp(p + 1, "key", 3) == 0)
            value = "bio";
        else if (len == 6 && strncmp(p + 1, "report", 6) == 0)
            value = "participants";
        else if (len == 7 && strncmp(p + 1, "note_id", 7) == 0)
            value = "0f9b3c2e-6f1d-4c8a-9b7e-2d5a4c3b1a00";
        o += (size_t)snprintf(out + o, cap - o, "%s", value);
        p = end + 1;
    }
    out[o] = '\0';
}

static void every_documented_endpoint_is_as_marked(void **state)
{
    struct harness *h = *state;
    struct harness_user u;
    cJSON *p = harness_profile_new("Contract Reader");
    struct harness_account a = {.roles = "mentee,mentor", .profile = p};
    harness_register_ok(h, &a, &u);
    cJSON_Delete(p);

    struct endpoint *e = calloc(MAX_ENDPOINTS, sizeof *e);
    size_t n = parse(read_doc(), e);
    assert_true(n > 60);
    int served = 0, planned = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].in_index)
            fail_msg("%s %s has a section but is not in the index", e[i].method, e[i].path);
        if (!e[i].has_heading)
            fail_msg("%s %s is in the index but has no section", e[i].method, e[i].path);
        char path[256];
        concrete(e[i].path, path, sizeof path);
        struct harness_resp r = {0};
        bool write = strcmp(e[i].method, "GET") != 0;
        harness_call(h, e[i].method, path, u.token, write ? "{}" : NULL, NULL, &r);
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(r.json, "error");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
        bool no_route = (r.status == 404 && cJSON_IsString(msg) &&
                         strcmp(msg->valuestring, "No such resource") == 0) ||
                        r.status == 405;
        if (e[i].served && no_route)
            fail_msg("%s %s is marked Served but answers %ld: %s", e[i].method, path, r.status,
                     r.body);
        if (!e[i].served && !no_route)
            fail_msg("%s %s is marked Planned but answers %ld", e[i].method, path, r.status);
        if (r.status >= 500)
            fail_msg("%s %s answers %ld", e[i].method, path, r.status);
        served += e[i].served;
        planned += !e[i].served;
        harness_resp_free(&r);
    }
    fprintf(stderr, "# %d endpoints served, %d planned\n", served, planned);
    free(e);
    harness_expect_healthy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_documented_endpoint_is_as_marked),
        cmocka_unit_test(harness_test_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}

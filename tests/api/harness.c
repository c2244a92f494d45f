/* harness.c - runs a real mentod for the api tests and talks HTTP to it over
 * one kept-alive libcurl handle; also the account helpers and error checks. */
#include "harness.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <curl/curl.h>

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS  10000

struct harness {
    pid_t pid;
    bool running;
    int stop_result; /* harness_stop_server's answer once stopped */
    char dir[PATH_MAX];
    char port_file[PATH_MAX];
    char db[PATH_MAX];
    char log[PATH_MAX];
    uint16_t port;
    char base[64];
    CURL *curl;
    unsigned email_counter;
    int64_t clock_offset;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int path_in(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* The last lines of the server's log, to explain a failure. */
static void print_log_tail(const struct harness *h)
{
    FILE *f = fopen(h->log, "r");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 4000)
            fseek(f, size - 4000, SEEK_SET);
        else
            fseek(f, 0, SEEK_SET);
    }
    fprintf(stderr, "# ---- end of %s ----\n", h->log);
    char line[1024];
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "# %s", line);
    fprintf(stderr, "\n# ----\n");
    fclose(f);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_MAX];
        if (path_in(p, sizeof p, dir, e->d_name) == 0)
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The port file holds the port in decimal and a newline once the server
 * listens; anything less is a write in progress. */
static int read_port_file(const char *path, uint16_t *port)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[32] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n < 2 || buf[n - 1] != '\n')
        return -1;
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\n' || v <= 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/* Start mentod on h->db and wait for its port; `advance` is passed as
 * --test-clock-advance. 0 on success; on failure the child is gone. */
static int spawn_server(struct harness *h, int64_t advance)
{
    const char *mentod = getenv("MENTOD");
    char adv[32], port[16];
    snprintf(adv, sizeof adv, "%lld", (long long)advance);
    /* A restart keeps the port, so that clients find the server again. */
    snprintf(port, sizeof port, "%u", (unsigned)h->port);
    unlink(h->port_file);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "# fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* The server must not outlive a crashed test, and its stdout must not
         * mix with the TAP stream: send it to stderr. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(STDERR_FILENO, STDOUT_FILENO);
        char *argv[] = {(char *)mentod,         "--test-mode", "--port", port,    "--port-file",
                        h->port_file,           "--db",        h->db,    "--log", h->log,
                        "--test-clock-advance", adv,           NULL};
        execv(mentod, argv);
        fprintf(stderr, "# exec %s: %s\n", mentod, strerror(errno));
        _exit(127);
    }
    h->pid = pid;
    h->running = true;

    for (long waited = 0;; waited += 10) {
        if (read_port_file(h->port_file, &h->port) == 0)
            break;
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            h->running = false;
            fprintf(stderr, "# mentod exited before listening (status 0x%x)\n", status);
            print_log_tail(h);
            return -1;
        }
        if (waited >= START_TIMEOUT_MS) {
            fprintf(stderr, "# mentod wrote no port file within %d ms\n", START_TIMEOUT_MS);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            h->running = false;
            print_log_tail(h);
            return -1;
        }
        sleep_ms(10);
    }
    return 0;
}

int harness_start(struct harness **out)
{
    *out = NULL;
    const char *mentod = getenv("MENTOD");
    if (!mentod || !*mentod) {
        fprintf(stderr, "# MENTOD is not set: it must name the mentod executable\n");
        return -1;
    }
    if (access(mentod, X_OK) != 0) {
        fprintf(stderr, "# MENTOD=%s is not executable: %s\n", mentod, strerror(errno));
        return -1;
    }
    struct harness *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(h->dir, sizeof h->dir, "%s/mento-api-XXXXXX", tmp);
    if (!mkdtemp(h->dir)) {
        fprintf(stderr, "# mkdtemp %s: %s\n", h->dir, strerror(errno));
        free(h);
        return -1;
    }
    if (path_in(h->port_file, sizeof h->port_file, h->dir, "port") ||
        path_in(h->db, sizeof h->db, h->dir, "mentod.db") ||
        path_in(h->log, sizeof h->log, h->dir, "mentod.log")) {
        remove_dir(h->dir);
        free(h);
        return -1;
    }

    if (spawn_server(h, 0) != 0) {
        remove_dir(h->dir);
        free(h);
        return -1;
    }
    snprintf(h->base, sizeof h->base, "http://127.0.0.1:%u", (unsigned)h->port);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->curl = curl_easy_init())) {
        fprintf(stderr, "# libcurl could not start\n");
        harness_stop(h);
        return -1;
    }
    *out = h;
    return 0;
}

int harness_stop_server(struct harness *h)
{
    if (!h)
        return 0;
    if (!h->running)
        return h->stop_result;
    h->running = false;
    int status = 0;
    bool exited = false;
    if (kill(h->pid, SIGTERM) == 0) {
        for (long waited = 0; waited <= STOP_TIMEOUT_MS; waited += 10) {
            pid_t r = waitpid(h->pid, &status, WNOHANG);
            if (r == h->pid) {
                exited = true;
                break;
            }
            if (r < 0)
                break;
            sleep_ms(10);
        }
    } else if (waitpid(h->pid, &status, 0) == h->pid) {
        exited = true; /* it had already died */
    }
    if (!exited) {
        fprintf(stderr, "# mentod did not stop within %d ms of SIGTERM\n", STOP_TIMEOUT_MS);
        kill(h->pid, SIGKILL);
        waitpid(h->pid, &status, 0);
        h->stop_result = -1;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        h->stop_result = 0;
    } else {
        if (WIFSIGNALED(status))
            fprintf(stderr, "# mentod was killed by signal %d\n", WTERMSIG(status));
        else
            fprintf(stderr, "# mentod exited with status %d\n", WEXITSTATUS(status));
        h->stop_result = -1;
    }
    if (h->stop_result != 0)
        print_log_tail(h);
    return h->stop_result;
}

void harness_crash(struct harness *h)
{
    if (!h->running)
        return;
    kill(h->pid, SIGKILL);
    int status;
    waitpid(h->pid, &status, 0);
    h->running = false;
}

int harness_restart(struct harness *h, int sig, int64_t advance_while_down)
{
    if (h->running) {
        if (sig == SIGTERM) {
            if (harness_stop_server(h) != 0)
                return -1;
        } else {
            kill(h->pid, sig);
            int status;
            waitpid(h->pid, &status, 0);
            h->running = false;
        }
    }
    h->stop_result = 0;
    if (spawn_server(h, advance_while_down) != 0)
        return -1;
    h->clock_offset += advance_while_down;
    snprintf(h->base, sizeof h->base, "http://127.0.0.1:%u", (unsigned)h->port);
    /* The kept-alive connection went with the old process. */
    curl_easy_reset(h->curl);
    return 0;
}

const char *harness_db_path(const struct harness *h)
{
    return h->db;
}

int harness_appoint(struct harness *h, const char *email, const char *programme)
{
    const char *mentod = getenv("MENTOD");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO); /* stdout is the TAP stream */
        execl(mentod, mentod, "appoint", "--db", h->db, "--programme", programme, "--email", email,
              (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

int harness_stop(struct harness *h)
{
    if (!h)
        return 0;
    int rc = harness_stop_server(h);
    if (h->curl) {
        curl_easy_cleanup(h->curl);
        curl_global_cleanup();
    }
    remove_dir(h->dir);
    free(h);
    return rc;
}

uint16_t harness_port(const struct harness *h)
{
    return h->port;
}

int harness_group_setup(void **state)
{
    struct harness *h = NULL;
    if (harness_start(&h) != 0)
        return -1;
    *state = h;
    return 0;
}

int harness_group_teardown(void **state)
{
    int rc = harness_stop(*state);
    *state = NULL;
    return rc;
}

void harness_test_server_exits_cleanly(void **state)
{
    struct harness *h = *state;
    assert_non_null(h);
    if (harness_stop_server(h) != 0)
        fail_msg("mentod did not exit with status 0 after SIGTERM (see its output above)");
}

/* ---- HTTP ----------------------------------------------------------------- */

struct call_state {
    struct harness_resp *resp;
    char *buf;
    size_t len, cap;
    bool oom;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct call_state *cs = ud;
    size_t n = size * nmemb;
    if (cs->len + n + 1 > cs->cap) {
        size_t ncap = cs->cap ? cs->cap : 4096;
        while (ncap < cs->len + n + 1)
            ncap *= 2;
        char *p = realloc(cs->buf, ncap);
        if (!p) {
            cs->oom = true;
            return 0;
        }
        cs->buf = p;
        cs->cap = ncap;
    }
    memcpy(cs->buf + cs->len, ptr, n);
    cs->len += n;
    cs->buf[cs->len] = '\0';
    return n;
}

static void copy_header(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *ud)
{
    struct call_state *cs = ud;
    struct harness_resp *r = cs->resp;
    size_t n = size * nitems;
    size_t len = n;
    while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* A new header block (after a 100 Continue): forget the previous one. */
        r->content_type[0] = r->content_encoding[0] = r->etag[0] = r->retry_after[0] = '\0';
        r->vary[0] = r->idempotent_replay[0] = r->allow[0] = r->disposition[0] = '\0';
        return n;
    }
    const char *colon = memchr(ptr, ':', len);
    if (!colon)
        return n;
    size_t name_len = (size_t)(colon - ptr);
    const char *v = colon + 1;
    size_t vlen = len - name_len - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    static const struct {
        const char *name;
        size_t off, cap;
    } wanted[] = {
        {"Content-Type", offsetof(struct harness_resp, content_type), 128},
        {"Content-Encoding", offsetof(struct harness_resp, content_encoding), 64},
        {"ETag", offsetof(struct harness_resp, etag), 128},
        {"Retry-After", offsetof(struct harness_resp, retry_after), 32},
        {"Vary", offsetof(struct harness_resp, vary), 128},
        {"Idempotent-Replay", offsetof(struct harness_resp, idempotent_replay), 16},
        {"Allow", offsetof(struct harness_resp, allow), 128},
        {"Content-Disposition", offsetof(struct harness_resp, disposition), 160},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        if (strlen(wanted[i].name) == name_len && strncasecmp(ptr, wanted[i].name, name_len) == 0)
            copy_header((char *)r + wanted[i].off, wanted[i].cap, v, vlen);
    return n;
}

void harness_resp_free(struct harness_resp *resp)
{
    if (!resp)
        return;
    free(resp->body);
    cJSON_Delete(resp->json);
    memset(resp, 0, sizeof *resp);
}

static bool has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *p = headers; p && *p; p++)
        if (strncasecmp(*p, name, n) == 0 && (*p)[n] == ':')
            return true;
    return false;
}

void harness_call_len(struct harness *h, const char *method, const char *path, const char *token,
                      const char *body, size_t body_len, const char *const *headers,
                      struct harness_resp *resp)
{
    assert_non_null(h);
    assert_non_null(h->curl);
    harness_resp_free(resp);
    snprintf(resp->request, sizeof resp->request, "%s %.140s", method, path);

    size_t url_len = strlen(h->base) + strlen(path) + 1;
    char *url = malloc(url_len);
    assert_non_null(url);
    snprintf(url, url_len, "%s%s", h->base, path);

    CURL *c = h->curl;
    curl_easy_reset(c); /* keeps the connection cache: the connection stays alive */
    struct call_state cs = {.resp = resp};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &cs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &cs);

    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }

    struct curl_slist *hl = NULL;
    hl = curl_slist_append(hl, "Expect:");
    char auth[200];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    if (body && !has_header(headers, "Content-Type"))
        hl = curl_slist_append(hl, "Content-Type: application/json");
    for (const char *const *p = headers; p && *p; p++)
        hl = curl_slist_append(hl, *p);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    free(url);
    if (rc != CURLE_OK || cs.oom) {
        free(cs.buf);
        fail_msg("%s: transport error: %s (is mentod still running?)", resp->request,
                 cs.oom ? "out of memory" : curl_easy_strerror(rc));
    }
    resp->status = status;
    if (!cs.buf) {
        cs.buf = calloc(1, 1);
        assert_non_null(cs.buf);
    }
    resp->body = cs.buf;
    resp->len = cs.len;
    if (resp->len > 0 && resp->content_encoding[0] == '\0')
        resp->json = cJSON_ParseWithLength(resp->body, resp->len);
}

void harness_call(struct harness *h, const char *method, const char *path, const char *token,
                  const char *body, const char *const *headers, struct harness_resp *resp)
{
    harness_call_len(h, method, path, token, body, body ? strlen(body) : 0, headers, resp);
}

void harness_call_json(struct harness *h, const char *method, const char *path, const char *token,
                       const cJSON *body, const char *const *headers, struct harness_resp *resp)
{
    char *s = cJSON_PrintUnformatted(body);
    assert_non_null(s);
    harness_call_len(h, method, path, token, s, strlen(s), headers, resp);
    free(s);
}

long harness_request(const struct harness *h, const char *method, const char *path,
                     const char *token, const char *body, const char *const *headers,
                     char **body_out, bool *replay)
{
    if (body_out)
        *body_out = NULL;
    if (replay)
        *replay = false;
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    struct harness_resp resp = {0};
    struct call_state cs = {.resp = &resp};
    char url[1024];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &cs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &cs);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    char auth[200];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    if (body && !has_header(headers, "Content-Type"))
        hl = curl_slist_append(hl, "Content-Type: application/json");
    for (const char *const *p = headers; p && *p; p++)
        hl = curl_slist_append(hl, *p);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    CURLcode rc = curl_easy_perform(c);
    long status = -1;
    if (rc == CURLE_OK && !cs.oom)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (replay)
        *replay = strcmp(resp.idempotent_replay, "true") == 0;
    if (body_out && status >= 0)
        *body_out = cs.buf ? cs.buf : calloc(1, 1);
    else
        free(cs.buf);
    return status;
}

long harness_raw(struct harness *h, const void *data, size_t len, int timeout_ms, char **answer)
{
    *answer = NULL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(h->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* the server may close early; read what it said */
        }
        p += w;
        left -= (size_t)w;
    }
    size_t cap = 4096, got = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return -1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= timeout_ms)
            break;
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(timeout_ms - spent));
        if (pr <= 0)
            break;
        if (got + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + got, cap - got - 1, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *answer = buf;
    return (long)got;
}

void harness_query_add(char *buf, size_t cap, const char *key, const char *value)
{
    size_t n = strlen(buf);
    const char *sep = strchr(buf, '?') ? "&" : "?";
    int w = snprintf(buf + n, cap - n, "%s%s=", sep, key);
    assert_true(w > 0 && (size_t)w < cap - n);
    n += (size_t)w;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
        assert_true(n + 4 < cap);
        if (isalnum(*v) || *v == '-' || *v == '.' || *v == '_' || *v == '~') {
            buf[n++] = (char)*v;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[*v >> 4];
            buf[n++] = hex[*v & 15];
        }
    }
    buf[n] = '\0';
}

/* ---- Accounts -------------------------------------------------------------- */

void harness_email(struct harness *h, const char *prefix, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s-%ld-%u@example.org", prefix, (long)getpid(), ++h->email_counter);
}

void harness_json_set(cJSON *obj, const char *key, cJSON *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value)
        cJSON_AddItemToObject(obj, key, value);
}

void harness_json_set_str(cJSON *obj, const char *key, const char *value)
{
    harness_json_set(obj, key, value ? cJSON_CreateString(value) : NULL);
}

void harness_json_set_int(cJSON *obj, const char *key, int64_t value)
{
    harness_json_set(obj, key, cJSON_CreateNumber((double)value));
}

cJSON *harness_json_strings(const char *list)
{
    cJSON *arr = cJSON_CreateArray();
    assert_non_null(arr);
    const char *p = list;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char *s = strndup(p, n);
        assert_non_null(s);
        cJSON_AddItemToArray(arr, cJSON_CreateString(s));
        free(s);
        p = bar ? bar + 1 : NULL;
    }
    return arr;
}

cJSON *harness_profile_new(const char *name)
{
    cJSON *p = cJSON_CreateObject();
    assert_non_null(p);
    harness_json_set_str(p, "name", name);
    harness_json_set_str(p, "grade", "P-3");
    harness_json_set_str(p, "job_network", "Management and Operations");
    harness_json_set_str(p, "entity", "UNHQ");
    harness_json_set_str(p, "duty_station", "New York");
    harness_json_set_str(p, "timezone", "America/New_York");
    harness_json_set(p, "languages", harness_json_strings("en"));
    harness_json_set_int(p, "years_experience", 8);
    harness_json_set_str(p, "appointment_type", "fixed-term");
    return p;
}

cJSON *harness_account_json(struct harness *h, const struct harness_account *a, char *email_out,
                            size_t email_cap)
{
    char email[320];
    if (a->email)
        snprintf(email, sizeof email, "%s", a->email);
    else
        harness_email(h, "user", email, sizeof email);
    if (email_out)
        snprintf(email_out, email_cap, "%s", email);
    cJSON *o = cJSON_CreateObject();
    assert_non_null(o);
    harness_json_set_str(o, "email", email);
    harness_json_set_str(o, "password", a->password ? a->password : HARNESS_PASSWORD);
    harness_json_set_str(o, "programme", a->programme ? a->programme : "together");
    char roles[64];
    snprintf(roles, sizeof roles, "%s", a->roles ? a->roles : "mentee");
    for (char *c = roles; *c; c++)
        if (*c == ',')
            *c = '|';
    harness_json_set(o, "roles", harness_json_strings(roles));
    if (a->capacity)
        harness_json_set_int(o, "capacity", a->capacity);
    cJSON *profile =
        a->profile ? cJSON_Duplicate(a->profile, true) : harness_profile_new("Test Participant");
    assert_non_null(profile);
    harness_json_set(o, "profile", profile);
    return o;
}

long harness_register(struct harness *h, const struct harness_account *a, struct harness_user *out,
                      struct harness_resp *resp)
{
    struct harness_resp local = {0};
    struct harness_resp *r = resp ? resp : &local;
    char email[320];
    cJSON *body = harness_account_json(h, a, email, sizeof email);
    char key_header[128];
    const char *headers[2] = {NULL, NULL};
    if (a->idempotency_key) {
        snprintf(key_header, sizeof key_header, "Idempotency-Key: %s", a->idempotency_key);
        headers[0] = key_header;
    }
    harness_call_json(h, "POST", "/v1/accounts", NULL, body, headers, r);
    cJSON_Delete(body);
    long status = r->status;
    if (status == 201 && out) {
        memset(out, 0, sizeof *out);
        int64_t id = 0;
        const char *token = harness_str(r->json, "token");
        if (!harness_int(r->json, "user_id", &id) || !token) {
            char msg[600];
            snprintf(msg, sizeof msg, "registration answered 201 without user_id/token: %.400s",
                     r->body);
            harness_resp_free(&local);
            fail_msg("%s", msg);
        }
        out->id = id;
        snprintf(out->token, sizeof out->token, "%s", token);
        snprintf(out->email, sizeof out->email, "%s", email);
        snprintf(out->password, sizeof out->password, "%s",
                 a->password ? a->password : HARNESS_PASSWORD);
    }
    harness_resp_free(&local);
    return status;
}

void harness_register_ok_at(const char *file, int line, struct harness *h,
                            const struct harness_account *a, struct harness_user *out)
{
    struct harness_resp r = {0};
    harness_register(h, a, out, &r);
    harness_expect_status_at(file, line, &r, 201);
    harness_resp_free(&r);
}

long harness_login(struct harness *h, struct harness_user *u, struct harness_resp *resp)
{
    struct harness_resp local = {0};
    struct harness_resp *r = resp ? resp : &local;
    cJSON *body = cJSON_CreateObject();
    assert_non_null(body);
    harness_json_set_str(body, "email", u->email);
    harness_json_set_str(body, "password", u->password);
    harness_call_json(h, "POST", "/v1/auth/login", NULL, body, NULL, r);
    cJSON_Delete(body);
    long status = r->status;
    if (status == 200) {
        const char *token = harness_str(r->json, "token");
        if (token)
            snprintf(u->token, sizeof u->token, "%s", token);
    }
    harness_resp_free(&local);
    return status;
}

int64_t harness_now(const struct harness *h)
{
    return (int64_t)time(NULL) + h->clock_offset;
}

void harness_advance_clock(struct harness *h, int64_t seconds)
{
    char body[64];
    snprintf(body, sizeof body, "{\"advance\":%lld}", (long long)seconds);
    struct harness_resp r = {0};
    harness_call(h, "POST", "/v1/test/clock", NULL, body, NULL, &r);
    harness_expect_status(&r, 200);
    h->clock_offset += seconds;
    int64_t now = harness_parse_time(harness_str(r.json, "now"));
    int64_t expect = harness_now(h);
    harness_resp_free(&r);
    if (now < 0 || now < expect - 120 || now > expect + 120)
        fail_msg("POST /v1/test/clock: \"now\" is %lld, expected about %lld", (long long)now,
                 (long long)expect);
}

/* ---- Checks ------------------------------------------------------------------ */

/* Report at the caller's line, then fail the running test. */
static void fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("ERROR: %s\n", msg);
    _fail(file, line);
}

void harness_expect_status_at(const char *file, int line, const struct harness_resp *r, long status)
{
    if (r->status != status)
        fail_at(file, line, "%s answered %ld, expected %ld; body: %.800s", r->request, r->status,
                status, r->body ? r->body : "");
}

static bool names_field(const cJSON *err, const char *field)
{
    const char *f = harness_str(err, "field");
    if (f) {
        size_t fl = strlen(f), n = strlen(field);
        if (strcmp(f, field) == 0)
            return true;
        if (fl > n && f[fl - n - 1] == '.' && strcmp(f + fl - n, field) == 0)
            return true;
    }
    const char *m = harness_str(err, "message");
    return m && strstr(m, field) != NULL;
}

/* Checks the shape and code; returns a message on failure, NULL when fine. */
static const char *error_problem(const cJSON *body, const char *code, const char *field, char *msg,
                                 size_t cap)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(body, "error");
    if (!cJSON_IsObject(err))
        return "no \"error\" object";
    const char *c = harness_str(err, "code");
    const char *m = harness_str(err, "message");
    if (!c)
        return "error.code is not a string";
    if (!m || !*m)
        return "error.message is missing or empty";
    if (code && strcmp(c, code) != 0) {
        snprintf(msg, cap, "error.code is \"%.60s\", expected \"%s\"", c, code);
        return msg;
    }
    if (field && !names_field(err, field)) {
        snprintf(msg, cap, "the error does not name the field \"%s\"", field);
        return msg;
    }
    return NULL;
}

void harness_expect_error_at(const char *file, int line, const struct harness_resp *r, long status,
                             const char *code, const char *field)
{
    harness_expect_status_at(file, line, r, status);
    char msg[200];
    const char *problem = error_problem(r->json, code, field, msg, sizeof msg);
    if (problem)
        fail_at(file, line, "%s: %s; body: %.800s", r->request, problem, r->body ? r->body : "");
}

void harness_expect_error_json_at(const char *file, int line, const cJSON *body, const char *code,
                                  const char *field, const char *what)
{
    char msg[200];
    const char *problem = error_problem(body, code, field, msg, sizeof msg);
    if (problem) {
        char *s = body ? cJSON_PrintUnformatted(body) : NULL;
        char text[800];
        snprintf(text, sizeof text, "%s", s ? s : "(none)");
        free(s);
        fail_at(file, line, "%s: %s; body: %s", what, problem, text);
    }
}

const char *harness_error_code(const struct harness_resp *r)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const char *c = harness_str(err, "code");
    return c ? c : "";
}

void harness_expect_healthy_at(const char *file, int line, struct harness *h)
{
    struct harness_resp r = {0};
    harness_call(h, "GET", "/v1/health", NULL, NULL, NULL, &r);
    harness_expect_status_at(file, line, &r, 200);
    const char *s = harness_str(r.json, "status");
    bool ok = s && strcmp(s, "ok") == 0;
    harness_resp_free(&r);
    if (!ok)
        fail_at(file, line, "GET /v1/health did not answer {\"status\":\"ok\"}");
}

const char *harness_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool harness_int(const cJSON *obj, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    if (d != (double)(int64_t)d)
        return false;
    *out = (int64_t)d;
    return true;
}

bool harness_strings_contain(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

int64_t harness_parse_time(const char *s)
{
    if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return -1;
    struct tm tm = {0};
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

bool harness_contains_ci(const char *hay, const char *needle)
{
    if (!hay || !needle)
        return false;
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return n == 0;
}

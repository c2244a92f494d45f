/* test_linkemu.c - the link emulator (tests/tools/linkemu.c) run as a child
 * process in front of an echo server that lives in a thread of this test:
 * bytes pass unchanged, delay and rate shape the timing, and the fault
 * commands (drop, stall/resume, refuse/accept, cut-after) do what they say,
 * and --capture keeps exactly the bytes that went each way.
 * The emulator's path comes from $LINKEMU. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#define IO_TIMEOUT_MS 5000
#define MAX_ECHO_CONNS 64

/* ---- small helpers ------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void fill_random(unsigned char *buf, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char)(x >> 24);
    }
}

static int connect_port(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void set_nonblocking(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

/* Sends out[0..n) and receives in[0..m) at the same time, so that a peer
 * echoing through full buffers cannot deadlock us. Answers the bytes
 * received, which is m unless the peer closed or the time ran out. */
static size_t exchange(int fd, const unsigned char *out, size_t n, unsigned char *in, size_t m,
                       int timeout_ms)
{
    size_t sent = 0, got = 0;
    int64_t deadline = now_ms() + timeout_ms;
    set_nonblocking(fd, true);
    while (got < m || sent < n) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = (short)((got < m ? POLLIN : 0) |
                                                       (sent < n ? POLLOUT : 0))};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if (sent < n && (p.revents & POLLOUT)) {
            ssize_t w = send(fd, out + sent, n - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
        if (got < m && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = recv(fd, in + got, m - got, 0);
            if (r > 0)
                got += (size_t)r;
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                break;
        }
    }
    set_nonblocking(fd, false);
    return got;
}

/* Reads until the peer closes. *how: 0 for an orderly end, the errno of a
 * failed read, or ETIMEDOUT. Answers the bytes read. */
static size_t read_to_end(int fd, unsigned char *buf, size_t cap, int timeout_ms, int *how)
{
    size_t got = 0;
    int64_t deadline = now_ms() + timeout_ms;
    *how = ETIMEDOUT;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return got;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        unsigned char scratch[4096];
        unsigned char *dst = got < cap ? buf + got : scratch;
        size_t room = got < cap ? cap - got : sizeof scratch;
        ssize_t r = recv(fd, dst, room, MSG_DONTWAIT);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == 0) {
            *how = 0;
            return got;
        } else if (errno != EAGAIN && errno != EINTR) {
            *how = errno;
            return got;
        }
    }
}

/* Whether anything (data or an end) arrives on fd within ms. */
static bool readable_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

/* ---- the echo server ----------------------------------------------------- */

struct echo_server {
    int listen_fd;
    int stop[2];
    uint16_t port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int fds[MAX_ECHO_CONNS];
    pthread_t threads[MAX_ECHO_CONNS];
    int nconns;
    atomic_int accepted;
};

static void *echo_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    unsigned char buf[16384];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = send(fd, buf + off, (size_t)(r - off), MSG_NOSIGNAL);
            if (w <= 0)
                goto out;
            off += w;
        }
    }
    shutdown(fd, SHUT_WR);
out:
    return NULL;
}

static void *echo_accept(void *arg)
{
    struct echo_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                              {.fd = s->stop[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[1].revents)
            return NULL;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        atomic_fetch_add(&s->accepted, 1);
        pthread_mutex_lock(&s->mu);
        if (s->nconns < MAX_ECHO_CONNS &&
            pthread_create(&s->threads[s->nconns], NULL, echo_conn, (void *)(intptr_t)fd) == 0)
            s->fds[s->nconns++] = fd;
        else
            close(fd);
        pthread_mutex_unlock(&s->mu);
    }
}

static int echo_start(struct echo_server *s)
{
    memset(s, 0, sizeof *s);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&sa, &len) != 0 || pipe(s->stop) != 0)
        return -1;
    s->port = ntohs(sa.sin_port);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->acceptor, NULL, echo_accept, s) != 0)
        return -1;
    return 0;
}

static void echo_stop(struct echo_server *s)
{
    if (write(s->stop[1], "x", 1) != 1)
        return;
    pthread_join(s->acceptor, NULL);
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nconns; i++)
        shutdown(s->fds[i], SHUT_RDWR);
    for (int i = 0; i < s->nconns; i++) {
        pthread_join(s->threads[i], NULL);
        close(s->fds[i]);
    }
    s->nconns = 0;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    close(s->stop[0]);
    close(s->stop[1]);
    close(s->listen_fd);
}

/* ---- the emulator as a child process ------------------------------------ */

struct emu {
    pid_t pid;          /* 0 when not running */
    char dir[64];
    char port_file[128];
    char control_file[160];
    uint16_t port;
    uint16_t control_port;
    int control;        /* a connection to the control port */
    int to_stdin;       /* the child's stdin */
    int from_stdout;    /* the child's stdout */
};

static int read_port(const char *path, uint16_t *port)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned v = 0;
    int n = fscanf(f, "%u", &v);
    fclose(f);
    if (n != 1 || v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static void emu_cleanup_files(struct emu *e)
{
    unlink(e->port_file);
    unlink(e->control_file);
    rmdir(e->dir);
}

/* Starts linkemu towards target with the given extra arguments (NULL-ended). */
static int emu_start(struct emu *e, uint16_t target, ...)
{
    const char *path = getenv("LINKEMU");
    if (!path) {
        fprintf(stderr, "# LINKEMU is not set\n");
        return -1;
    }
    memset(e, 0, sizeof *e);
    e->control = e->to_stdin = e->from_stdout = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(e->dir, sizeof e->dir, "%s/linkemu-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(e->dir))
        return -1;
    snprintf(e->port_file, sizeof e->port_file, "%s/port", e->dir);
    snprintf(e->control_file, sizeof e->control_file, "%s/port.control", e->dir);

    char target_arg[32];
    snprintf(target_arg, sizeof target_arg, "127.0.0.1:%u", (unsigned)target);
    const char *argv[24] = {path, "--listen", "0", "--port-file", e->port_file,
                            "--target", target_arg, "--control", "0"};
    int argc = 9;
    va_list ap;
    va_start(ap, target);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 22;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    e->pid = pid;
    e->to_stdin = in[1];
    e->from_stdout = out[0];

    for (int64_t deadline = now_ms() + 10000; now_ms() < deadline; sleep_ms(10)) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            e->pid = 0;
            fprintf(stderr, "# linkemu exited early (status %d)\n", status);
            return -1;
        }
        if (read_port(e->port_file, &e->port) == 0 &&
            read_port(e->control_file, &e->control_port) == 0) {
            e->control = connect_port(e->control_port);
            return e->control >= 0 ? 0 : -1;
        }
    }
    fprintf(stderr, "# linkemu did not write its port file\n");
    return -1;
}

/* Reads one line from fd into buf (without the newline). */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    int64_t deadline = now_ms() + IO_TIMEOUT_MS;
    while (n + 1 < cap) {
        int64_t left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        char c;
        if (read(fd, &c, 1) != 1)
            return -1;
        if (c == '\n') {
            buf[n] = '\0';
            return 0;
        }
        buf[n++] = c;
    }
    return -1;
}

/* Sends one command on fd and reads its one-line answer from reply_fd. */
static void command_on(int fd, int reply_fd, const char *cmd, char *reply, size_t cap)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    assert_int_equal(write(fd, line, (size_t)n), n);
    assert_int_equal(read_line(reply_fd, reply, cap), 0);
}

static void expect_ok(struct emu *e, const char *cmd)
{
    char reply[256];
    command_on(e->control, e->control, cmd, reply, sizeof reply);
    if (strcmp(reply, "ok") != 0)
        fail_msg("'%s' answered '%s'", cmd, reply);
}

struct stats {
    unsigned long long up, down, connections, active, refused;
};

static struct stats get_stats(struct emu *e)
{
    char reply[256];
    struct stats s;
    command_on(e->control, e->control, "stats", reply, sizeof reply);
    int n = sscanf(reply, "bytes_up=%llu bytes_down=%llu connections=%llu active=%llu refused=%llu",
                   &s.up, &s.down, &s.connections, &s.active, &s.refused);
    if (n != 5)
        fail_msg("unexpected stats line '%s'", reply);
    return s;
}

/* Asks the emulator to quit; answers 0 when it exited cleanly (status 0). */
static int emu_stop(struct emu *e)
{
    int rc = 0;
    if (e->pid > 0) {
        bool asked = false;
        if (e->control >= 0) {
            char reply[64];
            asked = write(e->control, "quit\n", 5) == 5 &&
                    read_line(e->control, reply, sizeof reply) == 0 && !strcmp(reply, "ok");
        }
        if (!asked)
            kill(e->pid, SIGTERM);
        int status = -1;
        int64_t deadline = now_ms() + 10000;
        while (waitpid(e->pid, &status, WNOHANG) == 0) {
            if (now_ms() > deadline) {
                kill(e->pid, SIGKILL);
                waitpid(e->pid, &status, 0);
                break;
            }
            sleep_ms(5);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "# linkemu ended with status %d\n", status);
            rc = -1;
        }
        e->pid = 0;
    }
    if (e->control >= 0)
        close(e->control);
    if (e->to_stdin >= 0)
        close(e->to_stdin);
    if (e->from_stdout >= 0)
        close(e->from_stdout);
    e->control = e->to_stdin = e->from_stdout = -1;
    emu_cleanup_files(e);
    return rc;
}

/* ---- fixture ------------------------------------------------------------- */

struct fixture {
    struct echo_server echo;
    struct emu emu;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->emu.control = f->emu.to_stdin = f->emu.from_stdout = -1;
    if (echo_start(&f->echo) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = emu_stop(&f->emu);
    echo_stop(&f->echo);
    free(f);
    return rc;
}

static void start(struct fixture *f, const char *a1, const char *a2)
{
    int rc = a1 ? emu_start(&f->emu, f->echo.port, a1, a2, (const char *)NULL)
                : emu_start(&f->emu, f->echo.port, (const char *)NULL);
    assert_int_equal(rc, 0);
}

/* Echoes n bytes of data seeded with seed through fd; answers the time taken. */
static int64_t echo_round(int fd, size_t n, uint64_t seed)
{
    unsigned char *out = malloc(n), *in = malloc(n);
    assert_non_null(out);
    assert_non_null(in);
    fill_random(out, n, seed);
    int64_t t0 = now_ms();
    size_t got = exchange(fd, out, n, in, n, IO_TIMEOUT_MS * 2);
    int64_t took = now_ms() - t0;
    assert_int_equal(got, n);
    assert_memory_equal(in, out, n);
    free(out);
    free(in);
    return took;
}

/* ---- tests --------------------------------------------------------------- */

static void bytes_pass_unchanged(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    int a = connect_port(f->emu.port);
    int b = connect_port(f->emu.port);
    assert_true(a >= 0 && b >= 0);
    echo_round(a, 384 * 1024, 1);
    echo_round(b, 200 * 1024, 2);
    echo_round(a, 1, 3);
    echo_round(b, 70000, 4);

    /* An orderly end passes through both ways: our FIN reaches the echo
     * server, whose FIN comes back to us. */
    shutdown(a, SHUT_WR);
    unsigned char buf[16];
    int how;
    assert_int_equal(read_to_end(a, buf, sizeof buf, IO_TIMEOUT_MS, &how), 0);
    assert_int_equal(how, 0);
    close(a);
    close(b);
}

static void delay_adds_to_round_trip(void **state)
{
    struct fixture *f = *state;
    start(f, "--delay-ms", "150");
    int fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    int64_t took = echo_round(fd, 64, 10);
    fprintf(stderr, "# round trip with 150 ms delay: %lld ms\n", (long long)took);
    assert_true(took >= 300);
    assert_true(took < 1000);

    expect_ok(&f->emu, "delay 0");
    took = echo_round(fd, 64, 11);
    fprintf(stderr, "# round trip after 'delay 0': %lld ms\n", (long long)took);
    assert_true(took < 150);
    close(fd);
}

static void rate_caps_throughput(void **state)
{
    struct fixture *f = *state;
    start(f, "--rate-bps", "64000");
    int fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    /* 8 KiB at 8000 bytes/s each way, both ways at once: about a second. */
    int64_t took = echo_round(fd, 8192, 20);
    fprintf(stderr, "# 8 KiB echoed at 64000 bit/s: %lld ms\n", (long long)took);
    assert_true(took >= 900);
    assert_true(took < 3000);

    expect_ok(&f->emu, "rate 0");
    took = echo_round(fd, 65536, 21);
    fprintf(stderr, "# 64 KiB echoed after 'rate 0': %lld ms\n", (long long)took);
    assert_true(took < 500);
    close(fd);
}

static void drop_resets_open_connections(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    int a = connect_port(f->emu.port);
    int b = connect_port(f->emu.port);
    assert_true(a >= 0 && b >= 0);
    echo_round(a, 100, 30);
    echo_round(b, 100, 31);
    assert_int_equal(get_stats(&f->emu).active, 2);

    expect_ok(&f->emu, "drop");
    int fds[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        unsigned char buf[16];
        int how;
        assert_int_equal(read_to_end(fds[i], buf, sizeof buf, 2000, &how), 0);
        if (how != 0 && how != ECONNRESET)
            fail_msg("dropped connection ended with %s", strerror(how));
        close(fds[i]);
    }
    assert_int_equal(get_stats(&f->emu).active, 0);

    /* New connections still work. */
    int c = connect_port(f->emu.port);
    assert_true(c >= 0);
    echo_round(c, 1000, 32);
    close(c);
}

static void stall_holds_data_until_resume(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    int a = connect_port(f->emu.port);
    assert_true(a >= 0);
    echo_round(a, 100, 40);

    expect_ok(&f->emu, "stall");
    int b = connect_port(f->emu.port); /* accepted while stalled */
    assert_true(b >= 0);
    unsigned char out[2][300], in[2][300];
    fill_random(out[0], sizeof out[0], 41);
    fill_random(out[1], sizeof out[1], 42);
    assert_int_equal(send(a, out[0], sizeof out[0], MSG_NOSIGNAL), (ssize_t)sizeof out[0]);
    assert_int_equal(send(b, out[1], sizeof out[1], MSG_NOSIGNAL), (ssize_t)sizeof out[1]);
    assert_false(readable_within(a, 400));
    assert_false(readable_within(b, 1));
    struct stats s = get_stats(&f->emu);
    assert_int_equal(s.up, 100);
    assert_int_equal(s.active, 2);

    expect_ok(&f->emu, "resume");
    assert_int_equal(exchange(a, NULL, 0, in[0], sizeof in[0], IO_TIMEOUT_MS), sizeof in[0]);
    assert_int_equal(exchange(b, NULL, 0, in[1], sizeof in[1], IO_TIMEOUT_MS), sizeof in[1]);
    assert_memory_equal(in[0], out[0], sizeof in[0]);
    assert_memory_equal(in[1], out[1], sizeof in[1]);
    close(a);
    close(b);
}

static void refuse_closes_new_connections(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    int open_before = connect_port(f->emu.port);
    assert_true(open_before >= 0);
    echo_round(open_before, 100, 50);
    int accepted = atomic_load(&f->echo.accepted);

    expect_ok(&f->emu, "refuse");
    int fd = connect_port(f->emu.port);
    if (fd >= 0) { /* the handshake may complete before the emulator closes it */
        unsigned char buf[16];
        int how;
        assert_int_equal(read_to_end(fd, buf, sizeof buf, 2000, &how), 0);
        if (how != 0 && how != ECONNRESET)
            fail_msg("refused connection ended with %s", strerror(how));
        close(fd);
    }
    assert_int_equal(atomic_load(&f->echo.accepted), accepted);
    echo_round(open_before, 100, 51); /* connections already open go on */
    struct stats s = get_stats(&f->emu);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.connections, 1);

    expect_ok(&f->emu, "accept");
    fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    echo_round(fd, 1000, 52);
    assert_int_equal(atomic_load(&f->echo.accepted), accepted + 1);
    close(fd);
    close(open_before);
}

static void cut_after_cuts_one_response(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    expect_ok(&f->emu, "cut-after 100");

    unsigned char out[1000], in[1000];
    fill_random(out, sizeof out, 60);
    int fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, out, sizeof out, MSG_NOSIGNAL), (ssize_t)sizeof out);
    int how;
    size_t got = read_to_end(fd, in, sizeof in, IO_TIMEOUT_MS, &how);
    assert_int_equal(got, 100);
    assert_memory_equal(in, out, 100);
    if (how != ECONNRESET)
        fail_msg("the cut ended with '%s', not a reset", how ? strerror(how) : "end of stream");
    close(fd);

    /* Only the next connection is cut. */
    fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    echo_round(fd, sizeof out, 61);
    close(fd);
}

static void stats_count_bytes_and_connections(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    struct stats s = get_stats(&f->emu);
    assert_int_equal(s.up, 0);
    assert_int_equal(s.down, 0);
    assert_int_equal(s.connections, 0);

    for (int i = 0; i < 2; i++) {
        int fd = connect_port(f->emu.port);
        assert_true(fd >= 0);
        echo_round(fd, 1000, 70 + (uint64_t)i);
        shutdown(fd, SHUT_WR);
        unsigned char buf[16];
        int how;
        assert_int_equal(read_to_end(fd, buf, sizeof buf, IO_TIMEOUT_MS, &how), 0);
        assert_int_equal(how, 0);
        close(fd);
    }
    s = get_stats(&f->emu);
    assert_int_equal(s.up, 2000);
    assert_int_equal(s.down, 2000);
    assert_int_equal(s.connections, 2);
    assert_int_equal(s.active, 0);
    assert_int_equal(s.refused, 0);
}

static void bad_commands_are_answered_with_errors(void **state)
{
    struct fixture *f = *state;
    start(f, NULL, NULL);
    const char *bad[] = {"bogus", "delay", "delay x", "delay -1", "rate 1.5",
                         "cut-after", "stall now", "delay 1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char reply[256];
        command_on(f->emu.control, f->emu.control, bad[i], reply, sizeof reply);
        if (strncmp(reply, "error: ", 7) != 0)
            fail_msg("'%s' answered '%s'", bad[i], reply);
    }
    /* Blank lines are not commands and get no answer; the next one does. */
    char reply[256];
    command_on(f->emu.control, f->emu.control, "\n\ndelay 5", reply, sizeof reply);
    assert_string_equal(reply, "ok");
}

/* A listening socket on a free loopback port; the test accepts on it itself,
 * so it holds both ends of a relayed connection. */
static int listen_any(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* The whole of a file (caller frees); NULL when it cannot be read. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, in)) > 0;) {
        n += got;
        if (n == cap) {
            unsigned char *g = realloc(buf, cap *= 2);
            if (!g)
                free(buf);
            buf = g;
        }
    }
    fclose(in);
    *len = n;
    return buf;
}

static void expect_file(const char *dir, const char *name, const unsigned char *want, size_t n)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (stat(path, &st) != 0)
        fail_msg("%s is missing", path);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len = 0;
    unsigned char *got = read_file(path, &len);
    assert_non_null(got);
    if (len != n)
        fail_msg("%s holds %zu bytes, not %zu", path, len, n);
    assert_memory_equal(got, want, n);
    free(got);
}

/* Two connections, different bytes each way (the test is both the client
 * and the target): N.up holds what the client sent, N.down what the target
 * sent, byte for byte; refused connections get no files. */
static void capture_keeps_each_direction(void **state)
{
    struct fixture *f = *state;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/linkemu-capture-XXXXXX");
    assert_non_null(mkdtemp(dir));
    uint16_t port = 0;
    int lfd = listen_any(&port);
    assert_true(lfd >= 0);
    assert_int_equal(emu_start(&f->emu, port, "--capture", dir, (const char *)NULL), 0);

    static const size_t sizes[2][2] = {{300 * 1024, 70000}, {1, 5}}; /* [conn][up, down] */
    unsigned char *sent[2][2];
    for (int i = 0; i < 2; i++) {
        int client = connect_port(f->emu.port);
        assert_true(client >= 0);
        int target = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(target >= 0);
        for (int d = 0; d < 2; d++) {
            size_t n = sizes[i][d];
            sent[i][d] = malloc(n);
            assert_non_null(sent[i][d]);
            fill_random(sent[i][d], n, 90 + (uint64_t)(2 * i + d));
        }
        unsigned char *in = malloc(sizes[i][0] + sizes[i][1]);
        assert_non_null(in);
        /* Up, then down, then both ends close. */
        assert_int_equal(exchange(client, sent[i][0], sizes[i][0], NULL, 0, IO_TIMEOUT_MS), 0);
        assert_int_equal(exchange(target, NULL, 0, in, sizes[i][0], IO_TIMEOUT_MS), sizes[i][0]);
        assert_memory_equal(in, sent[i][0], sizes[i][0]);
        assert_int_equal(exchange(target, sent[i][1], sizes[i][1], NULL, 0, IO_TIMEOUT_MS), 0);
        assert_int_equal(exchange(client, NULL, 0, in, sizes[i][1], IO_TIMEOUT_MS), sizes[i][1]);
        assert_memory_equal(in, sent[i][1], sizes[i][1]);
        free(in);
        close(client);
        close(target);
    }
    expect_ok(&f->emu, "refuse");
    int refused = connect_port(f->emu.port);
    if (refused >= 0)
        close(refused);
    /* The files are complete once linkemu has seen both connections end. */
    for (int64_t deadline = now_ms() + IO_TIMEOUT_MS; get_stats(&f->emu).active > 0;) {
        if (now_ms() > deadline)
            fail_msg("the connections did not end");
        sleep_ms(10);
    }
    assert_int_equal(get_stats(&f->emu).refused, 1);
    assert_int_equal(emu_stop(&f->emu), 0);
    close(lfd);

    static const char *const names[2][2] = {{"1.up", "1.down"}, {"2.up", "2.down"}};
    for (int i = 0; i < 2; i++)
        for (int d = 0; d < 2; d++) {
            expect_file(dir, names[i][d], sent[i][d], sizes[i][d]);
            free(sent[i][d]);
        }
    /* Nothing else: the refused connection has no number and no files. */
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    int entries = 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        entries++;
        unlinkat(dirfd(dp), e->d_name, 0);
    }
    closedir(dp);
    rmdir(dir);
    assert_int_equal(entries, 4);
}

static void bad_capture_directory_is_refused(void **state)
{
    (void)state;
    const char *path = getenv("LINKEMU");
    assert_non_null(path);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDERR_FILENO);
        execl(path, "linkemu", "--target", "127.0.0.1:9", "--capture", "/nonexistent/capture",
              (char *)NULL);
        _exit(127);
    }
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
}

static void stdin_commands_and_sigterm(void **state)
{
    struct fixture *f = *state;
    start(f, "--delay-ms", "20");
    char reply[256];
    command_on(f->emu.to_stdin, f->emu.from_stdout, "stats", reply, sizeof reply);
    assert_string_equal(reply, "bytes_up=0 bytes_down=0 connections=0 active=0 refused=0");
    command_on(f->emu.to_stdin, f->emu.from_stdout, "rate abc", reply, sizeof reply);
    assert_true(strncmp(reply, "error: ", 7) == 0);
    command_on(f->emu.to_stdin, f->emu.from_stdout, "delay 0", reply, sizeof reply);
    assert_string_equal(reply, "ok");

    /* SIGTERM with a connection open: a clean exit. */
    int fd = connect_port(f->emu.port);
    assert_true(fd >= 0);
    echo_round(fd, 500, 80);
    assert_int_equal(kill(f->emu.pid, SIGTERM), 0);
    int status = -1;
    int64_t deadline = now_ms() + 10000;
    while (waitpid(f->emu.pid, &status, WNOHANG) == 0 && now_ms() < deadline)
        sleep_ms(5);
    f->emu.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bytes_pass_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(delay_adds_to_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(rate_caps_throughput, setup, teardown),
        cmocka_unit_test_setup_teardown(drop_resets_open_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(stall_holds_data_until_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(refuse_closes_new_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_after_cuts_one_response, setup, teardown),
        cmocka_unit_test_setup_teardown(stats_count_bytes_and_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_commands_are_answered_with_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(stdin_commands_and_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(capture_keeps_each_direction, setup, teardown),
        cmocka_unit_test(bad_capture_directory_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

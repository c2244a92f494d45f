/* linkemu.c - a TCP proxy that behaves like a slow, unreliable field link.
 *
 * Every accepted connection is paired with a new connection to the target and
 * bytes are relayed both ways, in order, with a one-way delay and a throughput
 * cap per direction. Faults are injected at run time through commands read
 * from stdin or from a small control port: drop every connection, stall, refuse
 * new connections, cut the next response after N bytes. With --capture, the
 * bytes read from each side of each connection are also appended to a file,
 * for tests that look at what crossed the link. See README.md here.
 *
 * One thread, one poll loop. Each direction of a connection holds a queue of
 * chunks stamped with the time they may leave; the loop sleeps until the next
 * stamp, the next token refill or the next socket event. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define QUEUE_CAP (1024u * 1024u)  /* stop reading a side beyond this backlog */
#define READ_MAX (64u * 1024u)      /* bytes taken from a socket at once */
#define LINE_MAX_LEN 256            /* longest control command */
#define MAX_CONTROL_CLIENTS 16
/* Times are in microseconds of the monotonic clock. */
#define MS 1000
#define ACCEPT_PAUSE_US (100 * MS)  /* after running out of descriptors */
#define CUT_DRAIN_US (2000 * MS)    /* longest wait for cut bytes to leave */
#define CUT_POLL_US (2 * MS)
#define MAX_DELAY_MS 3600000ull
#define MAX_RATE_BPS 1000000000000ull
#define CAPTURE_DIR_MAX 3800        /* leaves room for "/N.down" in PATH_MAX */

enum { UP = 0, DOWN = 1 };         /* client->target, target->client */
enum { CLIENT = 0, SERVER = 1 };   /* the socket a direction reads from is fd[dir] */

struct chunk {
    struct chunk *next;
    int64_t release; /* time at which it may be written */
    size_t len;      /* 0: the end of the stream */
    size_t off;
    unsigned char data[];
};

struct direction {
    struct chunk *head, *tail;
    size_t queued;     /* bytes in the queue not yet written */
    bool eof_in;       /* the source has ended its stream */
    bool shut;         /* the end of stream was passed on */
    double tokens;     /* token bucket, in bytes */
    int64_t refilled;  /* time of the last refill */
};

struct conn {
    int fd[2];
    bool connecting;   /* fd[SERVER] has a connect in progress */
    bool dead;
    struct direction dir[2];
    bool cut_armed;    /* DOWN is cut once cut_left more bytes are written */
    uint64_t cut_left;
    bool cutting;      /* waiting for the cut bytes to leave, then reset */
    int64_t cut_deadline;
    int pidx[2];       /* index into the poll array, or -1 */
    uint64_t number;   /* counting from 1, in the order accepted */
    int capture[2];    /* --capture: the file of each direction, or -1 */
};

struct line_reader {
    int fd;            /* -1 when closed */
    int pidx;
    size_t len;
    bool overlong;     /* discarding the rest of a too long line */
    char buf[LINE_MAX_LEN];
};

static struct {
    /* settings that commands change */
    uint64_t delay_ms;
    uint64_t rate_bps;
    bool stalled;
    bool refusing;
    bool cut_pending;
    uint64_t cut_after;
    bool quit;

    /* counters for `stats` */
    uint64_t bytes_up, bytes_down, connections, refused;

    struct sockaddr_storage target;
    socklen_t target_len;
    const char *capture_dir; /* --capture, or NULL */

    int listen_fd;
    int listen_pidx;
    int64_t accept_paused_until;
    int control_fd;
    int control_pidx;
    struct line_reader controls[MAX_CONTROL_CLIENTS];
    struct line_reader in; /* stdin; replies go to stdout */

    struct conn **conns;
    size_t nconns, capconns;

    struct pollfd *pfds;
    size_t npfds, cappfds;
} E;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "linkemu: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- token bucket ---------------------------------------------------- */

static double rate_bytes_per_us(void)
{
    return (double)E.rate_bps / 8e6;
}

/* The smallest read worth waking up for: about 10 ms of traffic. */
static double rate_quantum(void)
{
    double q = rate_bytes_per_us() * 10.0 * MS;
    if (q < 1.0)
        q = 1.0;
    if (q > (double)READ_MAX)
        q = (double)READ_MAX;
    return q;
}

static double rate_burst(void)
{
    return 2.0 * rate_quantum();
}

static void refill(struct direction *d, int64_t now)
{
    if (E.rate_bps == 0)
        return;
    if (now > d->refilled) {
        d->tokens += (double)(now - d->refilled) * rate_bytes_per_us();
        d->refilled = now;
    }
    if (d->tokens > rate_burst())
        d->tokens = rate_burst();
}

/* When the bucket will hold a quantum again. */
static int64_t refill_time(const struct direction *d, int64_t now)
{
    double missing = rate_quantum() - d->tokens;
    int64_t wait = (int64_t)(missing / rate_bytes_per_us()) + 1;
    if (wait < 100)
        wait = 100; /* no point waking up more often */
    return now + wait;
}

/* ---- capture ----------------------------------------------------------- */

static void capture_stop(struct conn *c)
{
    for (int dir = 0; dir < 2; dir++) {
        if (c->capture[dir] >= 0)
            close(c->capture[dir]);
        c->capture[dir] = -1;
    }
}

static void capture_path(char *out, size_t cap, uint64_t number, int dir)
{
    snprintf(out, cap, "%s/%" PRIu64 "%s", E.capture_dir, number, dir == UP ? ".up" : ".down");
}

/* Creates DIR/N.up and DIR/N.down for a new connection. A file that cannot
 * be made is reported and the connection is relayed without capture. */
static void capture_start(struct conn *c)
{
    c->capture[UP] = c->capture[DOWN] = -1;
    if (!E.capture_dir)
        return;
    for (int dir = 0; dir < 2; dir++) {
        char path[PATH_MAX];
        capture_path(path, sizeof path, c->number, dir);
        c->capture[dir] =
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (c->capture[dir] < 0) {
            fprintf(stderr, "linkemu: not capturing connection %" PRIu64 ": %s: %s\n", c->number,
                    path, strerror(errno));
            capture_stop(c);
            return;
        }
    }
}

/* Appends bytes read in direction dir to its file. On a failed write, says so
 * once and stops capturing the connection; relaying goes on. */
static void capture_write(struct conn *c, int dir, const unsigned char *data, size_t len)
{
    int fd = c->capture[dir];
    while (fd >= 0 && len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            char path[PATH_MAX];
            capture_path(path, sizeof path, c->number, dir);
            fprintf(stderr, "linkemu: capture of connection %" PRIu64 " stopped: %s: %s\n",
                    c->number, path, w < 0 ? strerror(errno) : "nothing written");
            capture_stop(c);
            return;
        }
        data += w;
        len -= (size_t)w;
    }
}

/* ---- connections ----------------------------------------------------- */

static void reset_close(int fd)
{
    if (fd < 0)
        return;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void free_queue(struct direction *d)
{
    struct chunk *c = d->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    d->head = d->tail = NULL;
    d->queued = 0;
}

/* Ends a connection. abrupt: both peers see a reset. */
static void conn_close(struct conn *c, bool abrupt)
{
    if (c->dead)
        return;
    for (int s = 0; s < 2; s++) {
        if (abrupt)
            reset_close(c->fd[s]);
        else if (c->fd[s] >= 0)
            close(c->fd[s]);
        c->fd[s] = -1;
        free_queue(&c->dir[s]);
    }
    capture_stop(c);
    c->dead = true;
}

static void sweep_conns(void)
{
    size_t j = 0;
    for (size_t i = 0; i < E.nconns; i++) {
        if (E.conns[i]->dead)
            free(E.conns[i]);
        else
            E.conns[j++] = E.conns[i];
    }
    E.nconns = j;
}

static bool enqueue(struct direction *d, const unsigned char *data, size_t len, int64_t release)
{
    struct chunk *ch = malloc(sizeof *ch + len);
    if (!ch)
        return false;
    ch->next = NULL;
    ch->release = release;
    ch->len = len;
    ch->off = 0;
    if (len)
        memcpy(ch->data, data, len);
    if (d->tail)
        d->tail->next = ch;
    else
        d->head = ch;
    d->tail = ch;
    d->queued += len;
    return true;
}

static void pop(struct direction *d)
{
    struct chunk *ch = d->head;
    d->head = ch->next;
    if (!d->head)
        d->tail = NULL;
    free(ch);
}

/* Whether direction dir may take bytes from its source now. */
static bool wants_read(struct conn *c, int dir, int64_t now)
{
    struct direction *d = &c->dir[dir];
    if (E.stalled || c->cutting || d->eof_in || d->queued >= QUEUE_CAP)
        return false;
    if (dir == DOWN && c->connecting)
        return false;
    if (E.rate_bps) {
        refill(d, now);
        if (d->tokens < rate_quantum())
            return false;
    }
    return true;
}

static void do_read(struct conn *c, int dir, int64_t now)
{
    static unsigned char buf[READ_MAX];
    struct direction *d = &c->dir[dir];
    size_t want = sizeof buf;
    if (E.rate_bps) {
        refill(d, now);
        if (d->tokens < 1.0)
            return;
        if ((double)want > d->tokens)
            want = (size_t)d->tokens;
    }
    ssize_t n = recv(c->fd[dir], buf, want, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        conn_close(c, true);
        return;
    }
    if (n == 0) {
        d->eof_in = true;
    } else {
        capture_write(c, dir, buf, (size_t)n);
        if (E.rate_bps)
            d->tokens -= (double)n;
    }
    if (!enqueue(d, buf, (size_t)n, now + (int64_t)E.delay_ms * MS)) {
        fprintf(stderr, "linkemu: out of memory, dropping a connection\n");
        conn_close(c, true);
    }
}

static void start_cut(struct conn *c, int64_t now)
{
    c->cutting = true;
    c->cut_armed = false;
    c->cut_deadline = now + CUT_DRAIN_US;
}

/* Writes what is due, passes on ends of stream, finishes cuts. */
static void service(struct conn *c, int64_t now)
{
    if (c->dead)
        return;
    if (c->cutting) {
        int outq = 0;
        if (ioctl(c->fd[CLIENT], SIOCOUTQ, &outq) != 0 || outq <= 0 || now >= c->cut_deadline)
            conn_close(c, true);
        return;
    }
    if (E.stalled || c->connecting)
        return;
    for (int dir = 0; dir < 2; dir++) {
        struct direction *d = &c->dir[dir];
        int dst = c->fd[1 - dir];
        while (d->head && d->head->release <= now) {
            struct chunk *ch = d->head;
            if (ch->len == 0) {
                shutdown(dst, SHUT_WR);
                d->shut = true;
                pop(d);
                continue;
            }
            size_t n = ch->len - ch->off;
            if (dir == DOWN && c->cut_armed) {
                if (c->cut_left == 0) {
                    start_cut(c, now);
                    return;
                }
                if (n > c->cut_left)
                    n = (size_t)c->cut_left;
            }
            ssize_t w = send(dst, ch->data + ch->off, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                conn_close(c, true);
                return;
            }
            ch->off += (size_t)w;
            d->queued -= (size_t)w;
            if (dir == UP)
                E.bytes_up += (uint64_t)w;
            else
                E.bytes_down += (uint64_t)w;
            if (ch->off == ch->len)
                pop(d);
            if (dir == DOWN && c->cut_armed) {
                c->cut_left -= (uint64_t)w;
                if (c->cut_left == 0) {
                    start_cut(c, now);
                    return;
                }
            }
        }
    }
    if (c->dir[UP].shut && c->dir[DOWN].shut)
        conn_close(c, false);
}

static bool wants_write(const struct conn *c, int dir, int64_t now)
{
    const struct chunk *h = c->dir[dir].head;
    return !E.stalled && !c->cutting && !c->connecting && h && h->len > 0 && h->release <= now;
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void accept_one(int cfd, int64_t now)
{
    if (E.refusing) {
        E.refused++;
        reset_close(cfd);
        return;
    }
    int sfd = socket(E.target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sfd < 0) {
        reset_close(cfd);
        if (errno == EMFILE || errno == ENFILE)
            E.accept_paused_until = now + ACCEPT_PAUSE_US;
        return;
    }
    bool connecting = false;
    if (connect(sfd, (struct sockaddr *)&E.target, E.target_len) != 0) {
        if (errno != EINPROGRESS) {
            reset_close(sfd);
            reset_close(cfd);
            return;
        }
        connecting = true;
    }
    if (E.nconns == E.capconns) {
        size_t cap = E.capconns ? E.capconns * 2 : 16;
        struct conn **p = realloc(E.conns, cap * sizeof *p);
        if (!p) {
            reset_close(sfd);
            reset_close(cfd);
            return;
        }
        E.conns = p;
        E.capconns = cap;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        reset_close(sfd);
        reset_close(cfd);
        return;
    }
    set_nodelay(cfd);
    set_nodelay(sfd);
    c->fd[CLIENT] = cfd;
    c->fd[SERVER] = sfd;
    c->connecting = connecting;
    c->pidx[0] = c->pidx[1] = -1;
    for (int dir = 0; dir < 2; dir++) {
        c->dir[dir].tokens = rate_burst();
        c->dir[dir].refilled = now;
    }
    if (E.cut_pending) {
        c->cut_armed = true;
        c->cut_left = E.cut_after;
        E.cut_pending = false;
    }
    E.conns[E.nconns++] = c;
    E.connections++;
    c->number = E.connections;
    capture_start(c);
}

static void accept_all(int64_t now)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept4(E.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                E.accept_paused_until = now + ACCEPT_PAUSE_US;
            return; /* EAGAIN, or a transient error: try on the next event */
        }
        accept_one(fd, now);
        if (E.accept_paused_until > now)
            return;
    }
}

/* ---- commands -------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned digit = (unsigned)(*s - '0');
        if (v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* Runs one command line; writes the one-line answer (without newline). */
static void run_command(char *line, char *reply, size_t cap)
{
    char *save = NULL;
    char *verb = strtok_r(line, " \t\r", &save);
    char *arg = strtok_r(NULL, " \t\r", &save);
    char *extra = strtok_r(NULL, " \t\r", &save);
    bool wants_arg = verb && (!strcmp(verb, "delay") || !strcmp(verb, "rate") ||
                              !strcmp(verb, "cut-after"));
    uint64_t v = 0;

    if (!verb) {
        snprintf(reply, cap, "error: empty command");
        return;
    }
    if (extra || (arg && !wants_arg)) {
        snprintf(reply, cap, "error: too many arguments");
        return;
    }
    if (wants_arg && !arg) {
        snprintf(reply, cap, "error: %s needs a number", verb);
        return;
    }

    if (!strcmp(verb, "delay")) {
        if (!parse_u64(arg, MAX_DELAY_MS, &v)) {
            snprintf(reply, cap, "error: bad delay (0 to %llu ms)", (unsigned long long)MAX_DELAY_MS);
            return;
        }
        E.delay_ms = v;
    } else if (!strcmp(verb, "rate")) {
        if (!parse_u64(arg, MAX_RATE_BPS, &v)) {
            snprintf(reply, cap, "error: bad rate (0 to %llu bits/s)", (unsigned long long)MAX_RATE_BPS);
            return;
        }
        E.rate_bps = v;
        int64_t now = now_us();
        for (size_t i = 0; i < E.nconns; i++) {
            for (int dir = 0; dir < 2; dir++) {
                E.conns[i]->dir[dir].tokens = rate_burst();
                E.conns[i]->dir[dir].refilled = now;
            }
        }
    } else if (!strcmp(verb, "cut-after")) {
        if (!parse_u64(arg, UINT64_MAX / 2, &v)) {
            snprintf(reply, cap, "error: bad byte count");
            return;
        }
        E.cut_pending = true;
        E.cut_after = v;
    } else if (!strcmp(verb, "drop")) {
        for (size_t i = 0; i < E.nconns; i++)
            conn_close(E.conns[i], true);
    } else if (!strcmp(verb, "stall")) {
        E.stalled = true;
    } else if (!strcmp(verb, "resume")) {
        E.stalled = false;
    } else if (!strcmp(verb, "refuse")) {
        E.refusing = true;
    } else if (!strcmp(verb, "accept")) {
        E.refusing = false;
    } else if (!strcmp(verb, "stats")) {
        size_t active = 0;
        for (size_t i = 0; i < E.nconns; i++)
            active += !E.conns[i]->dead;
        snprintf(reply, cap,
                 "bytes_up=%" PRIu64 " bytes_down=%" PRIu64 " connections=%" PRIu64
                 " active=%zu refused=%" PRIu64,
                 E.bytes_up, E.bytes_down, E.connections, active, E.refused);
        return;
    } else if (!strcmp(verb, "quit")) {
        E.quit = true;
    } else {
        snprintf(reply, cap, "error: unknown command '%.40s'", verb);
        return;
    }
    snprintf(reply, cap, "ok");
}

static bool write_all(int fd, const char *s, size_t len, bool socket)
{
    while (len > 0) {
        ssize_t w = socket ? send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT) : write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        len -= (size_t)w;
    }
    return true;
}

static void reader_close(struct line_reader *r, bool socket)
{
    if (r->fd >= 0 && socket)
        close(r->fd);
    r->fd = -1;
    r->len = 0;
    r->overlong = false;
}

/* Reads what is there and answers each complete line. A control client that
 * does not read its answers is disconnected rather than waited for. */
static void reader_input(struct line_reader *r, bool socket)
{
    char tmp[LINE_MAX_LEN];
    ssize_t n = read(r->fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        reader_close(r, socket);
        return;
    }
    int out = socket ? r->fd : STDOUT_FILENO;
    for (ssize_t i = 0; i < n; i++) {
        char ch = tmp[i];
        if (ch != '\n') {
            if (r->len + 1 < sizeof r->buf)
                r->buf[r->len++] = ch;
            else
                r->overlong = true;
            continue;
        }
        char reply[160];
        r->buf[r->len] = '\0';
        bool blank = strspn(r->buf, " \t\r") == r->len;
        if (r->overlong)
            snprintf(reply, sizeof reply, "error: line too long");
        else if (blank)
            reply[0] = '\0';
        else
            run_command(r->buf, reply, sizeof reply);
        r->len = 0;
        r->overlong = false;
        if (!reply[0])
            continue;
        size_t len = strlen(reply);
        reply[len++] = '\n';
        if (!write_all(out, reply, len, socket)) {
            reader_close(r, socket);
            return;
        }
    }
}

static void accept_control(void)
{
    int fd = accept4(E.control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CONTROL_CLIENTS; i++) {
        if (E.controls[i].fd < 0) {
            E.controls[i].fd = fd;
            E.controls[i].len = 0;
            E.controls[i].overlong = false;
            return;
        }
    }
    const char *busy = "error: too many control connections\n";
    write_all(fd, busy, strlen(busy), true);
    close(fd);
}

/* ---- the loop -------------------------------------------------------- */

static int add_pfd(int fd, short events)
{
    if (E.npfds == E.cappfds) {
        size_t cap = E.cappfds ? E.cappfds * 2 : 64;
        struct pollfd *p = realloc(E.pfds, cap * sizeof *p);
        if (!p) {
            fprintf(stderr, "linkemu: out of memory\n");
            exit(1);
        }
        E.pfds = p;
        E.cappfds = cap;
    }
    E.pfds[E.npfds] = (struct pollfd){.fd = fd, .events = events};
    return (int)E.npfds++;
}

static void note_deadline(int64_t *next, int64_t t)
{
    if (*next < 0 || t < *next)
        *next = t;
}

/* Fills the poll array; answers the earliest timer, or -1 for none. */
static int64_t build_poll(int64_t now)
{
    int64_t next = -1;
    E.npfds = 0;
    E.listen_pidx = E.control_pidx = E.in.pidx = -1;

    if (E.accept_paused_until > now)
        note_deadline(&next, E.accept_paused_until);
    else
        E.listen_pidx = add_pfd(E.listen_fd, POLLIN);
    if (E.control_fd >= 0)
        E.control_pidx = add_pfd(E.control_fd, POLLIN);
    for (int i = 0; i < MAX_CONTROL_CLIENTS; i++) {
        E.controls[i].pidx = -1;
        if (E.controls[i].fd >= 0)
            E.controls[i].pidx = add_pfd(E.controls[i].fd, POLLIN);
    }
    if (E.in.fd >= 0)
        E.in.pidx = add_pfd(E.in.fd, POLLIN);

    for (size_t i = 0; i < E.nconns; i++) {
        struct conn *c = E.conns[i];
        c->pidx[0] = c->pidx[1] = -1;
        if (c->cutting) {
            note_deadline(&next, now + CUT_POLL_US);
            continue;
        }
        short ev[2] = {0, 0};
        for (int dir = 0; dir < 2; dir++) {
            if (wants_read(c, dir, now))
                ev[dir] |= POLLIN;
            else if (E.rate_bps && !E.stalled && !c->dir[dir].eof_in &&
                     c->dir[dir].queued < QUEUE_CAP && !(dir == DOWN && c->connecting))
                note_deadline(&next, refill_time(&c->dir[dir], now));
            if (wants_write(c, dir, now))
                ev[1 - dir] |= POLLOUT;
            const struct chunk *h = c->dir[dir].head;
            if (!E.stalled && h && h->release > now)
                note_deadline(&next, h->release);
        }
        if (c->connecting)
            ev[SERVER] |= POLLOUT;
        for (int s = 0; s < 2; s++)
            if (ev[s])
                c->pidx[s] = add_pfd(c->fd[s], ev[s]);
    }
    return next;
}

static void conn_events(struct conn *c, int64_t now)
{
    for (int s = 0; s < 2 && !c->dead; s++) {
        if (c->pidx[s] < 0)
            continue;
        const struct pollfd *p = &E.pfds[c->pidx[s]];
        short re = p->revents;
        if (!re)
            continue;
        if (s == SERVER && c->connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(c->fd[SERVER], SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                conn_close(c, true);
                return;
            }
            c->connecting = false;
            continue;
        }
        if ((p->events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR)))
            do_read(c, s, now); /* the read itself reports an error */
        else if (re & POLLERR)
            conn_close(c, true);
    }
}

static int make_listener(const char *host, const char *port, struct sockaddr_storage *bound)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        die("cannot resolve the listening address: %s", gai_strerror(rc));
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 512) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        die("cannot listen on port %s", port);
    socklen_t len = sizeof *bound;
    getsockname(fd, (struct sockaddr *)bound, &len);
    return fd;
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Writes the port through a temporary file so readers never see half of it. */
static void write_port_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        die("%s", "out of memory");
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        die("cannot write %s", tmp);
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        die("cannot write %s", path);
    free(tmp);
}

/* Splits [HOST:]PORT (HOST may be [v6]); host is NULL when absent. */
static void split_host_port(char *s, char **host, char **port)
{
    char *colon = strrchr(s, ':');
    if (!colon) {
        *host = NULL;
        *port = s;
        return;
    }
    *colon = '\0';
    *port = colon + 1;
    *host = s;
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s[len - 1] = '\0';
        *host = s + 1;
    }
    if (!**host)
        *host = NULL;
}

static void resolve_target(char *spec)
{
    char *host, *port;
    split_host_port(spec, &host, &port);
    if (!host || !*port)
        die("--target needs HOST:PORT, not '%s'", spec);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res)
        die("cannot resolve the target: %s", gai_strerror(rc));
    memcpy(&E.target, res->ai_addr, res->ai_addrlen);
    E.target_len = res->ai_addrlen;
    freeaddrinfo(res);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: linkemu --target HOST:PORT [--listen [HOST:]PORT] [--port-file FILE]\n"
            "               [--delay-ms N] [--rate-bps N] [--control PORT|FILE]\n"
            "               [--capture DIR]\n"
            "Relays TCP connections to the target through an emulated slow link.\n"
            "--capture DIR appends the bytes read from the client of connection N\n"
            "(counting from 1) to DIR/N.up and those read from the target to DIR/N.down.\n"
            "Commands on stdin or the control port, one a line: delay N, rate N, drop,\n"
            "stall, resume, refuse, accept, cut-after N, stats, quit.\n");
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"port-file", required_argument, NULL, 'p'},
        {"target", required_argument, NULL, 't'},
        {"delay-ms", required_argument, NULL, 'd'},
        {"rate-bps", required_argument, NULL, 'r'},
        {"control", required_argument, NULL, 'c'},
        {"capture", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *listen_spec = NULL, *port_file = NULL, *target = NULL, *control = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'l': listen_spec = optarg; break;
        case 'p': port_file = optarg; break;
        case 't': target = optarg; break;
        case 'd':
            if (!parse_u64(optarg, MAX_DELAY_MS, &E.delay_ms))
                die("bad --delay-ms '%s'", optarg);
            break;
        case 'r':
            if (!parse_u64(optarg, MAX_RATE_BPS, &E.rate_bps))
                die("bad --rate-bps '%s'", optarg);
            break;
        case 'c': control = optarg; break;
        case 'C': E.capture_dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || !target) {
        usage(stderr);
        return 2;
    }

    /* Keep descriptors 0-2 taken so that no socket lands on them. */
    bool have_stdin = fcntl(STDIN_FILENO, F_GETFD) >= 0;
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int nfd = open("/dev/null", O_RDWR);
            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    }

    struct sigaction sa = {.sa_handler = SIG_IGN};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigset_t block, unblocked;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &unblocked);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGINT);

    /* Many connections need many descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    if (E.capture_dir) {
        struct stat st;
        if (strlen(E.capture_dir) > CAPTURE_DIR_MAX)
            die("--capture: the directory name is longer than %d bytes", CAPTURE_DIR_MAX);
        if (stat(E.capture_dir, &st) != 0)
            die("--capture %s: %s", E.capture_dir, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            die("--capture %s: not a directory", E.capture_dir);
        if (access(E.capture_dir, W_OK | X_OK) != 0)
            die("--capture %s: cannot write there: %s", E.capture_dir, strerror(errno));
    }

    resolve_target(target);

    char listen_copy[256] = "0";
    if (listen_spec) {
        if (strlen(listen_spec) >= sizeof listen_copy)
            die("--listen too long: %s", listen_spec);
        strcpy(listen_copy, listen_spec);
    }
    char *lhost, *lport;
    split_host_port(listen_copy, &lhost, &lport);
    if (!all_digits(lport))
        die("bad --listen port '%s'", lport);
    struct sockaddr_storage bound;
    E.listen_fd = make_listener(lhost ? lhost : "127.0.0.1", lport, &bound);

    E.control_fd = -1;
    for (int i = 0; i < MAX_CONTROL_CLIENTS; i++)
        E.controls[i].fd = -1;
    if (control) {
        struct sockaddr_storage cb;
        const char *cport = all_digits(control) ? control : "0";
        E.control_fd = make_listener("127.0.0.1", cport, &cb);
        if (!all_digits(control))
            write_port_file(control, port_of(&cb));
        else if (port_file && !strcmp(control, "0")) {
            size_t n = strlen(port_file) + sizeof ".control";
            char *path = malloc(n);
            if (!path)
                die("%s", "out of memory");
            snprintf(path, n, "%s.control", port_file);
            write_port_file(path, port_of(&cb));
            free(path);
        }
    }
    E.in.fd = have_stdin ? STDIN_FILENO : -1;
    if (port_file)
        write_port_file(port_file, port_of(&bound));

    while (!E.quit && !got_signal) {
        int64_t now = now_us();
        for (size_t i = 0; i < E.nconns; i++)
            service(E.conns[i], now);
        sweep_conns();

        int64_t next = build_poll(now);
        struct timespec ts, *tsp = NULL;
        if (next >= 0) {
            int64_t wait = next > now ? next - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000);
            ts.tv_nsec = (long)(wait % 1000000) * 1000L;
            tsp = &ts;
        }
        int rc = ppoll(E.pfds, (nfds_t)E.npfds, tsp, &unblocked);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            perror("linkemu: poll");
            break;
        }
        now = now_us();
        if (rc == 0)
            continue;

        for (size_t i = 0; i < E.nconns; i++)
            conn_events(E.conns[i], now);
        if (E.listen_pidx >= 0 && (E.pfds[E.listen_pidx].revents & POLLIN))
            accept_all(now);
        for (int i = 0; i < MAX_CONTROL_CLIENTS; i++) {
            struct line_reader *r = &E.controls[i];
            if (r->fd >= 0 && r->pidx >= 0 && E.pfds[r->pidx].revents)
                reader_input(r, true);
        }
        if (E.in.fd >= 0 && E.in.pidx >= 0 && E.pfds[E.in.pidx].revents) {
            if (E.pfds[E.in.pidx].revents & POLLNVAL)
                E.in.fd = -1;
            else
                reader_input(&E.in, false);
        }
        if (E.control_pidx >= 0 && (E.pfds[E.control_pidx].revents & POLLIN))
            accept_control();
        sweep_conns();
    }

    for (size_t i = 0; i < E.nconns; i++)
        conn_close(E.conns[i], false);
    sweep_conns();
    free(E.conns);
    free(E.pfds);
    for (int i = 0; i < MAX_CONTROL_CLIENTS; i++)
        reader_close(&E.controls[i], true);
    if (E.control_fd >= 0)
        close(E.control_fd);
    close(E.listen_fd);
    return 0;
}

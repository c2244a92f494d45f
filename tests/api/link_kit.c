/* link_kit.c - linkemu as a child process in front of the harness's mentod,
 * driven through pipes to its stdin and from its stdout. */
#include "link_kit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#define LINK_WAIT_MS  10000 /* for the port file, an answer, the exit */
#define LINK_LINE_MAX 256

struct harness_link {
    pid_t pid;
    int to;   /* linkemu's stdin */
    int from; /* linkemu's stdout */
    char port_file[PATH_MAX];
    char url[64];
};

static int64_t link_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void link_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The port once the whole file is there ("PORT\n"); 0 before. */
static unsigned read_port(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned port = 0;
    char nl = 0;
    if (fscanf(f, "%u%c", &port, &nl) != 2 || nl != '\n' || port > 65535)
        port = 0;
    fclose(f);
    return port;
}

int harness_link_start(struct harness *h, const char *dir, unsigned delay_ms,
                       const char *capture_dir, struct harness_link **out)
{
    *out = NULL;
    const char *linkemu = getenv("LINKEMU");
    if (!linkemu || !*linkemu) {
        fprintf(stderr, "# LINKEMU is not set: it must name the linkemu executable\n");
        return -1;
    }
    struct harness_link *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    l->to = l->from = -1;
    int n = snprintf(l->port_file, sizeof l->port_file, "%s/linkemu.port", dir);
    if (n < 0 || (size_t)n >= sizeof l->port_file) {
        fprintf(stderr, "# link: folder name too long: %s\n", dir);
        free(l);
        return -1;
    }
    unlink(l->port_file);
    char target[64], delay[24];
    snprintf(target, sizeof target, "127.0.0.1:%u", (unsigned)harness_port(h));
    snprintf(delay, sizeof delay, "%u", delay_ms);
    const char *argv[12] = {"linkemu",     "--target",   target,       "--listen", "0",
                            "--port-file", l->port_file, "--delay-ms", delay};
    int argc = 9;
    if (capture_dir) {
        argv[argc++] = "--capture";
        argv[argc++] = capture_dir;
    }
    argv[argc] = NULL;

    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0) {
        free(l);
        return -1;
    }
    if (pipe2(from, O_CLOEXEC) != 0) {
        close(to[0]);
        close(to[1]);
        free(l);
        return -1;
    }
    fflush(NULL);
    l->pid = fork();
    if (l->pid == 0) {
        /* It must not outlive a crashed test; dup2 clears close-on-exec. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(to[0], STDIN_FILENO);
        dup2(from[1], STDOUT_FILENO);
        execv(linkemu, (char *const *)argv);
        fprintf(stderr, "# exec %s: %s\n", linkemu, strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    l->to = to[1];
    l->from = from[0];
    if (l->pid < 0) {
        fprintf(stderr, "# fork: %s\n", strerror(errno));
        l->pid = 0;
        harness_link_stop(l);
        return -1;
    }
    for (int64_t deadline = link_now_ms() + LINK_WAIT_MS;; link_sleep_ms(10)) {
        unsigned port = read_port(l->port_file);
        if (port) {
            snprintf(l->url, sizeof l->url, "http://127.0.0.1:%u", port);
            *out = l;
            return 0;
        }
        int status;
        if (waitpid(l->pid, &status, WNOHANG) == l->pid) {
            fprintf(stderr, "# linkemu exited before listening (status 0x%x)\n", status);
            l->pid = 0;
            break;
        }
        if (link_now_ms() > deadline) {
            fprintf(stderr, "# linkemu wrote no port file within %d ms\n", LINK_WAIT_MS);
            break;
        }
    }
    harness_link_stop(l);
    return -1;
}

const char *harness_link_url(const struct harness_link *l)
{
    return l->url;
}

/* One line from linkemu's stdout, without the newline; -1 on a timeout, an
 * end or a line too long. */
static int read_answer(struct harness_link *l, char *line, size_t cap)
{
    size_t n = 0;
    int64_t deadline = link_now_ms() + LINK_WAIT_MS;
    while (n + 1 < cap) {
        int64_t left = deadline - link_now_ms();
        struct pollfd p = {.fd = l->from, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        char c;
        ssize_t r = read(l->from, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != 1)
            return -1;
        if (c == '\n') {
            line[n] = '\0';
            return 0;
        }
        line[n++] = c;
    }
    return -1;
}

void harness_link_cmd(struct harness_link *l, const char *cmd)
{
    char line[LINK_LINE_MAX];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    if (n < 0 || (size_t)n >= sizeof line)
        fail_msg("link emulator command too long: \"%s\"", cmd);
    for (int off = 0; off < n;) {
        ssize_t w = write(l->to, line + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail_msg("cannot send \"%s\" to the link emulator: %s", cmd, strerror(errno));
        off += (int)w;
    }
    if (read_answer(l, line, sizeof line) != 0)
        fail_msg("the link emulator did not answer \"%s\"", cmd);
    if (strcmp(line, "ok") != 0)
        fail_msg("link emulator: \"%s\" -> %s", cmd, line);
}

int harness_link_stop(struct harness_link *l)
{
    if (!l)
        return 0;
    int rc = 0;
    if (l->pid > 0) {
        int status = -1;
        kill(l->pid, SIGTERM);
        int64_t deadline = link_now_ms() + LINK_WAIT_MS;
        while (waitpid(l->pid, &status, WNOHANG) == 0) {
            if (link_now_ms() > deadline) {
                fprintf(stderr, "# linkemu did not stop within %d ms of SIGTERM\n", LINK_WAIT_MS);
                kill(l->pid, SIGKILL);
                waitpid(l->pid, &status, 0);
                break;
            }
            link_sleep_ms(5);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "# linkemu ended with status 0x%x\n", status);
            rc = -1;
        }
    }
    if (l->to >= 0)
        close(l->to);
    if (l->from >= 0)
        close(l->from);
    unlink(l->port_file);
    free(l);
    return rc;
}

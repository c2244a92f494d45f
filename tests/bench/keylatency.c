/* keylatency.c - how long a key waits while a sync is in flight over a field
 * link: mento runs in a pseudo-terminal against a demo mentod behind the link
 * emulator (600 ms round trip, 64 kbit/s); a key is typed every 250 ms and
 * the delay until the screen changes is measured. Prints the figures.
 *
 *   keylatency MENTO MENTOD LINKEMU */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Wait for a port file; 0 when none came. */
static unsigned wait_port(const char *path, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        FILE *f = fopen(path, "r");
        unsigned port;
        char nl;
        if (f) {
            int got = fscanf(f, "%u%c", &port, &nl);
            fclose(f);
            if (got == 2 && nl == '\n')
                return port;
        }
        sleep_ms(50);
    }
    return 0;
}

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the benchmark */
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Read whatever the terminal has; returns bytes read (0 when none within
 * `timeout_ms`). */
static ssize_t drain(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t total = 0;
    char buf[65536];
    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        total += n;
        timeout_ms = 0;
    }
    return total;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: keylatency MENTO MENTOD LINKEMU\n");
        return 2;
    }
    char dir[] = "/tmp/mento-keys-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[600], log[600], url[64], sub[600];
    snprintf(log, sizeof log, "%s/servers.log", dir);

    snprintf(path, sizeof path, "%s/mentod.port", dir);
    char *mentod_argv[] = {argv[2], "--demo", "--port",    "0", "--port-file",
                           path,    "--log",  "/dev/null", NULL};
    pid_t mentod = spawn(mentod_argv, log);
    unsigned port = wait_port(path, 60000);
    if (!port) {
        fprintf(stderr, "the demo server did not start\n");
        return 1;
    }
    char target[64], link_port_file[600];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    snprintf(link_port_file, sizeof link_port_file, "%s/link.port", dir);
    char *link_argv[] = {argv[3],        "--target",   target, "--listen",   "0",     "--port-file",
                         link_port_file, "--delay-ms", "300",  "--rate-bps", "64000", NULL};
    pid_t link = spawn(link_argv, log);
    unsigned lport = wait_port(link_port_file, 10000);
    if (!lport) {
        fprintf(stderr, "the link emulator did not start\n");
        kill(mentod, SIGTERM);
        return 1;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u", lport);
    snprintf(sub, sizeof sub, "%s/config", dir);
    setenv("XDG_CONFIG_HOME", sub, 1);
    snprintf(sub, sizeof sub, "%s/data", dir);
    setenv("XDG_DATA_HOME", sub, 1);
    snprintf(sub, sizeof sub, "%s/state", dir);
    setenv("XDG_STATE_HOME", sub, 1);
    setenv("MENTO_PASSWORD", "mento-demo-2026", 1);
    setenv("TERM", "xterm-256color", 1);
    unsetenv("MENTO_SCRIPT");

    pid_t login = fork();
    if (login == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execl(argv[1], "mento", "login", "--server", url, "--email", "mentee@demo.mento.example",
              (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(login, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "mento login failed\n");
        kill(link, SIGTERM);
        kill(mentod, SIGTERM);
        return 1;
    }

    /* The client in a terminal of its own, on a fresh store: its first sync
     * brings the whole directory down the slow link. */
    struct winsize ws = {.ws_row = 40, .ws_col = 120};
    int master;
    pid_t mento = forkpty(&master, NULL, NULL, &ws);
    if (mento == 0) {
        execl(argv[1], "mento", (char *)NULL);
        _exit(127);
    }
    double start = now_ms();
    drain(master, 300); /* the first frame */
    double delays[200];
    int n = 0;
    /* Alternate between the help and the directory: every key redraws. */
    for (int i = 0; i < 200 && now_ms() - start < 20000; i++) {
        const char *key = i % 2 ? "1" : "?";
        double t0 = now_ms();
        if (write(master, key, 1) != 1)
            break;
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 2000) <= 0) {
            delays[n++] = 2000;
            continue;
        }
        delays[n++] = now_ms() - t0;
        drain(master, 0);
        sleep_ms(250);
        drain(master, 0);
    }
    /* Was the sync still running at the end? The status line says so. */
    if (write(master, "q", 1) != 1)
        fprintf(stderr, "could not quit mento\n");
    drain(master, 1000);
    waitpid(mento, &status, 0);
    close(master);
    kill(link, SIGTERM);
    kill(mentod, SIGTERM);
    waitpid(link, NULL, 0);
    waitpid(mentod, NULL, 0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    if (n == 0) {
        fprintf(stderr, "no key was measured\n");
        return 1;
    }
    qsort(delays, (size_t)n, sizeof delays[0], cmp);
    printf("%-52s %8.1f ms   (target: none over 50 ms)\n",
           "key to screen during a sync, 600 ms RTT, 64 kbit/s: worst", delays[n - 1]);
    printf("%-52s %8.1f ms over %d keys\n", "  median", delays[n / 2], n);
    return 0;
}

/* ui_kit.c - what the ui tests share: the real mento program run in the
 * test's own XDG directories, MENTO_SCRIPT files, and saved screens compared
 * with tests/ui/expected/ (times and generated addresses normalised). */
#include "ui_kit.h"

#include <ctype.h>
#include <fcntl.h>
#include <locale.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int ui_start(struct ui *u)
{
    setlocale(LC_CTYPE, "C.UTF-8");
    if (harness_start(&u->h) != 0)
        return -1;
    snprintf(u->url, sizeof u->url, "http://127.0.0.1:%u", (unsigned)harness_port(u->h));
    snprintf(u->dir, sizeof u->dir, "/tmp/mento-ui-XXXXXX");
    if (!mkdtemp(u->dir))
        return -1;
    char sub[128];
    snprintf(sub, sizeof sub, "%s/config", u->dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/config/mento", u->dir);
    mkdir(sub, 0700);
    return 0;
}

void ui_register(struct ui *u, const struct ui_person *p, const char *roles, int capacity,
                 int years, struct harness_user *out)
{
    cJSON *prof = harness_profile_new(p->name);
    harness_json_set_str(prof, "grade", p->grade);
    harness_json_set_str(prof, "entity", p->entity);
    harness_json_set_str(prof, "duty_station", p->station);
    harness_json_set_str(prof, "timezone", p->tz);
    harness_json_set_str(prof, "job_network", p->network);
    harness_json_set(prof, "languages", harness_json_strings(p->langs));
    if (years)
        harness_json_set_int(prof, "years_experience", years);
    struct harness_account a = {.roles = roles, .profile = prof, .capacity = capacity};
    harness_register_ok(u->h, &a, out);
    cJSON_Delete(prof);
}

void ui_register_amina(struct ui *u)
{
    cJSON *p = harness_profile_new("Amina Diallo");
    harness_json_set_str(p, "grade", "P-2");
    harness_json_set_str(p, "timezone", "Africa/Nairobi");
    harness_json_set_str(p, "duty_station", "Nairobi");
    harness_json_set_str(p, "job_network", "Political, Peace and Humanitarian");
    harness_json_set(p, "languages", harness_json_strings("en|fr"));
    char email[128];
    harness_email(u->h, "amina", email, sizeof email);
    struct harness_account a = {.email = email, .profile = p};
    harness_register_ok(u->h, &a, &u->mentee);
    cJSON_Delete(p);
}

void ui_stop(struct ui *u)
{
    harness_stop(u->h);
    rm_rf(u->dir);
}

const char *env_or_fail(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set", name);
    return v;
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* Run mento with `args` (NULL-terminated) in the test's XDG directories;
 * returns the exit status, -1 when it did not exit normally. */
int run_mento(struct ui *u, const char *script, const char *size, char **args)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cfg[96], data[128], state[128];
        snprintf(cfg, sizeof cfg, "%s/config", u->dir);
        snprintf(data, sizeof data, "%s/data%s", u->dir, u->who ? u->who : "");
        snprintf(state, sizeof state, "%s/state%s", u->dir, u->who ? u->who : "");
        setenv("XDG_CONFIG_HOME", cfg, 1);
        setenv("XDG_DATA_HOME", data, 1);
        setenv("XDG_STATE_HOME", state, 1);
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        setenv("NO_COLOR", "1", 1);
        setenv("MENTO_PASSWORD", HARNESS_PASSWORD, 1);
        if (script)
            setenv("MENTO_SCRIPT", script, 1);
        if (size)
            setenv("MENTO_SCRIPT_SIZE", size, 1);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        dup2(STDERR_FILENO, STDOUT_FILENO); /* stdout is the TAP stream */
        execv(env_or_fail("MENTO"), args);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run a script at `size`; the screens it saves go to <dir>/<name>.txt. */
void run_script_with(struct ui *u, const char *size, const char *lines, const char *option)
{
    char path[128];
    snprintf(path, sizeof path, "%s/script", u->dir);
    write_file(path, lines);
    char *args[] = {"mento", "--server", u->url, (char *)option, NULL};
    assert_int_equal(run_mento(u, path, size, args), 0);
}

void run_script(struct ui *u, const char *size, const char *lines)
{
    run_script_with(u, size, lines, NULL);
}

/* Times change from run to run: the sync time, sending and deadlines. */
static char *normalise(const char *text)
{
    char *out = strdup(text);
    regex_t re;
    assert_int_equal(regcomp(&re, "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}", REG_EXTENDED), 0);
    regmatch_t m;
    char *p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        memcpy(p + m.rm_so, "YYYY-MM-DD hh:mm", 16);
        p += m.rm_eo;
    }
    regfree(&re);
    /* How long is left before a deadline depends on the day of the week. */
    assert_int_equal(regcomp(&re, "[0-9]+ (day|hour|minute)s?( [0-9]+ hours?)? left", REG_EXTENDED),
                     0);
    p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        size_t len = (size_t)(m.rm_eo - m.rm_so);
        static const char mark[] = "N days left";
        if (len >= sizeof mark - 1) {
            memcpy(p + m.rm_so, mark, sizeof mark - 1);
            memmove(p + m.rm_so + sizeof mark - 1, p + m.rm_eo, strlen(p + m.rm_eo) + 1);
            p += m.rm_so + sizeof mark - 1;
        } else {
            p += m.rm_eo;
        }
    }
    regfree(&re);
    /* Key fingerprints (eight groups of five digits) and recovery codes are
     * new with every key. */
    assert_int_equal(regcomp(&re, "[0-9]{5}( [0-9]{5}){7}", REG_EXTENDED), 0);
    p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        for (regoff_t k = m.rm_so; k < m.rm_eo; k++)
            if (p[k] != ' ')
                p[k] = 'N';
        p += m.rm_eo;
    }
    regfree(&re);
    assert_int_equal(regcomp(&re, "[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}", REG_EXTENDED), 0);
    p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        for (regoff_t k = m.rm_so; k < m.rm_eo; k++)
            if (p[k] != '-')
                p[k] = 'X';
        p += m.rm_eo;
    }
    regfree(&re);
    /* Dates alone (typed into forms), too. */
    assert_int_equal(regcomp(&re, "20[0-9]{2}-[0-9]{2}-[0-9]{2}", REG_EXTENDED), 0);
    p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        memcpy(p + m.rm_so, "YYYY-MM-DD", 10);
        p += m.rm_eo;
    }
    regfree(&re);
    /* The test's generated e-mail addresses carry its process id. */
    assert_int_equal(regcomp(&re, "[a-z]+-[0-9]+-[0-9]+@example\\.org", REG_EXTENDED), 0);
    char *fixed = malloc(strlen(out) + 1 + 64);
    size_t used = 0;
    p = out;
    while (regexec(&re, p, 1, &m, 0) == 0) {
        memcpy(fixed + used, p, (size_t)m.rm_so);
        used += (size_t)m.rm_so;
        memcpy(fixed + used, "someone@example.org", 19);
        used += 19;
        p += m.rm_eo;
    }
    strcpy(fixed + used, p);
    regfree(&re);
    free(out);
    /* The test's own folder (same length, so columns stay where they are). */
    for (char *d = strstr(fixed, "/tmp/mento-ui-"); d; d = strstr(d + 1, "/tmp/mento-ui-")) {
        size_t k = 0;
        while (k < 6 && isalnum((unsigned char)d[14 + k]))
            k++;
        if (k == 6)
            memcpy(d + 14, "XXXXXX", 6);
    }
    return fixed;
}

/* Compare a saved screen with tests/ui/expected/<name>.txt. */
void expect_screen(struct ui *u, const char *name)
{
    char got_path[128], want_path[1024];
    snprintf(got_path, sizeof got_path, "%s/%s.txt", u->dir, name);
    snprintf(want_path, sizeof want_path, "%s/tests/ui/expected/%s.txt",
             env_or_fail("MENTO_SOURCE_ROOT"), name);
    char *raw = read_file(got_path);
    if (!raw)
        fail_msg("the script saved no screen %s", got_path);
    char *got = normalise(raw);
    free(raw);
    if (getenv("MENTO_UI_UPDATE")) {
        write_file(want_path, got);
        free(got);
        return;
    }
    char *want = read_file(want_path);
    if (!want || strcmp(want, got) != 0) {
        fprintf(stderr, "# screen %s differs from %s:\n", name, want_path);
        fprintf(stderr, "# ---- got ----\n%s# ----\n", got);
        free(want);
        free(got);
        fail_msg("screen %s is not as expected", name);
    }
    free(want);
    free(got);
}

void rm_rf(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", dir);
}

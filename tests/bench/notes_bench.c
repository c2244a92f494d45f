/* notes_bench.c - the notes' figures on this machine, on a store of its own
 * (the network plays no part in them): unlocking with the default Argon2id
 * parameters, saving a note (seal and commit, with its outbox operation),
 * and opening the notes list with 1,000 notes (unlocking them all, then the
 * list). Targets: unlock under 1.5 s, save under 5 ms, list under 100 ms.
 * Usage: notes-bench [NOTES] (default 1000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "mento/notes.h"
#include "mento/store.h"

#define PASSWORD "a notes password for the benchmark"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "notes-bench: %s: %s\n", what, why);
    exit(1);
}

/* What one sync would have brought: the account's profile, a cursor. */
static void first_sync(struct store *s)
{
    cJSON *a = cJSON_Parse("{\"cursor\":\"1.1..0.0.1\",\"more\":false,\"reset\":true,"
                           "\"changes\":{\"profile\":{\"user_id\":7,\"name\":\"Bench Mentee\"}}}");
    struct store_sync_summary sum;
    char err[256] = "";
    if (!a ||
        store_apply_sync(s, "together", a, (int64_t)time(NULL), &sum, err, sizeof err) != MENTO_OK)
        die("a first sync into the store", err);
    cJSON_Delete(a);
}

static double unlock(struct notes *n)
{
    char why[NOTES_WHY_LEN] = "";
    double t0 = now_ms();
    if (notes_unlock_start(n, PASSWORD, false, why, sizeof why) != MENTO_OK ||
        notes_unlock_wait(n, why, sizeof why) != MENTO_OK)
        die("unlocking", why);
    return now_ms() - t0;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 1000;
    if (count < 1 || count > 100000 || sodium_init() < 0) {
        fprintf(stderr, "usage: notes-bench [NOTES]  (1..100000)\n");
        return 2;
    }
    char dir[] = "/tmp/mento-notes-bench-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", "cannot make a directory");
    char path[128], err[256] = "", why[NOTES_WHY_LEN] = "";
    snprintf(path, sizeof path, "%s/store.db", dir);
    struct store *s = NULL;
    if (store_open(&s, path, err, sizeof err) != MENTO_OK)
        die("opening the store", err);
    first_sync(s);
    struct notes *n = NULL;
    if (notes_open(&n, s, "together", 0, err, sizeof err) != MENTO_OK)
        die("opening the notes", err);
    if (notes_vault_create_start(n, PASSWORD, NULL, why, sizeof why) != MENTO_OK ||
        notes_unlock_wait(n, why, sizeof why) != MENTO_OK)
        die("making the vault", why);
    notes_lock(n);
    double unlock_empty = unlock(n);

    /* Saves: a new note each, a paragraph and two action items. */
    double *saves = malloc((size_t)count * sizeof *saves);
    if (!saves)
        die("memory", "out of memory");
    char body[1200];
    for (int i = 0; i < count; i++) {
        snprintf(body, sizeof body,
                 "Session %d. We went through the goals for the next quarter: a stretch "
                 "assignment in the regional office, a course on negotiation, and how to "
                 "ask for feedback from a supervisor who is rarely in the same time zone. "
                 "Next time: the draft of the personal history form.",
                 i + 1);
        struct note_item items[2] = {{"Send the draft before the next session", false},
                                     {"Ask HR about the mobility exercise", i % 2 == 0}};
        char title[64];
        snprintf(title, sizeof title, "Notes of session %d", i + 1);
        struct note_draft d = {.title = title, .body = body, .items = items, .n_items = 2};
        bool changed = false;
        double t0 = now_ms();
        if (notes_save(n, &d, &changed, why, sizeof why) != MENTO_OK || !changed)
            die("saving a note", why);
        saves[i] = now_ms() - t0;
    }
    qsort(saves, (size_t)count, sizeof *saves, cmp_double);
    double save_median = saves[count / 2], save_p99 = saves[(size_t)count * 99 / 100],
           save_max = saves[count - 1];

    /* A fresh start: open, unlock (every record opened), then the list as
     * the pane draws it. */
    notes_close(&n);
    store_close(&s);
    if (store_open(&s, path, err, sizeof err) != MENTO_OK ||
        notes_open(&n, s, "together", 0, err, sizeof err) != MENTO_OK)
        die("opening again", err);
    double unlock_full = unlock(n);
    double t0 = now_ms();
    size_t total = notes_count(n), chars = 0;
    for (size_t i = 0; i < total; i++) {
        const struct note *note = notes_at(n, i);
        char row[256];
        chars += (size_t)snprintf(row, sizeof row, "%-40.40s %lld %zu", note->title,
                                  (long long)note->updated_at, note->n_items);
    }
    double list = now_ms() - t0;
    if (total != (size_t)count || chars == 0)
        die("the list", "not every note came back");

    printf("mento notes figures (%ld cores), a store of its own, default Argon2id (%llu MiB, "
           "%d passes)\n",
           sysconf(_SC_NPROCESSORS_ONLN), (unsigned long long)(VAULT_MEM_DEFAULT >> 20),
           VAULT_OPS_DEFAULT);
    printf("unlock, no notes                               %8.1f ms   (target < 1500 ms)\n",
           unlock_empty);
    printf("save a note (seal + commit with its operation) %8.2f ms median, %.2f p99, %.2f "
           "worst   (target < 5 ms)\n",
           save_median, save_p99, save_max);
    printf("open the list of %d notes: unlock and open all %8.1f ms\n", count, unlock_full);
    printf("  of which opening the records (over the empty unlock) %6.1f ms, the list %.2f ms   "
           "(target < 100 ms)\n",
           unlock_full - unlock_empty, list);
    notes_close(&n);
    store_close(&s);
    free(saves);
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

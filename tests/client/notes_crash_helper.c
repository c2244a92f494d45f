/* notes_crash_helper.c - saves and syncs notes in a loop until it is killed
 * (test_client_notes kills it with SIGKILL at random moments). After each
 * save has committed it prints "saved <id> <edit number>", so the test knows
 * what must survive. Usage: STORE BASE_URL TOKEN RECOVERY_CODE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mento/notes.h"
#include "mento/store.h"
#include "mento/sync.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void one_round(struct sync *s, struct net *n)
{
    sync_request(s);
    int64_t give_up = now_ms() + 5000;
    while (now_ms() < give_up) {
        sync_step(s, now_ms());
        net_wait(n, -1, 50, NULL);
        struct net_result r;
        while (net_next_result(n, &r)) {
            struct sync_report rep;
            if (sync_handle(s, &r, now_ms(), &rep) && rep.round_done)
                return;
        }
    }
}

/* The number of "edit N" lines in a body. */
static int edits_in(const char *body)
{
    int count = 0;
    for (const char *p = body; (p = strstr(p, "edit ")) != NULL; p++)
        count++;
    return count;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s STORE BASE_URL TOKEN RECOVERY_CODE\n", argv[0]);
        return 2;
    }
    char err[256];
    struct store *store = NULL;
    struct net *net = NULL;
    struct notes *notes = NULL;
    if (sodium_init() < 0 || store_open(&store, argv[1], err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "helper: %s\n", err);
        return 1;
    }
    struct net_options o = {.base_url = argv[2], .connect_timeout_s = 2};
    if (net_open(&net, &o, err, sizeof err) != MENTO_OK ||
        notes_open(&notes, store, "together", 0, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "helper: %s\n", err);
        return 1;
    }
    net_set_token(net, argv[3]);
    struct sync s;
    sync_init(&s, store, net, "together", (uint32_t)randombytes_random());
    if (notes_unlock_start(notes, argv[4], true, err, sizeof err) != MENTO_OK ||
        notes_unlock_wait(notes, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "helper: %s\n", err);
        return 1;
    }
    for (;;) {
        size_t count = notes_count(notes);
        struct note_draft d = {0};
        char title[64], *body = NULL;
        int edits = 0;
        if (count < 3 || randombytes_uniform(3) == 0) {
            snprintf(title, sizeof title, "crash note %08x%08x", randombytes_random(),
                     randombytes_random());
            d.title = title;
            d.body = "";
        } else {
            const struct note *x = notes_at(notes, randombytes_uniform((uint32_t)count));
            edits = edits_in(x->body) + 1;
            size_t len = strlen(x->body) + 32;
            body = malloc(len);
            if (!body)
                return 1;
            snprintf(body, len, "%sedit %d\n", x->body, edits);
            snprintf(d.id, sizeof d.id, "%s", x->id);
            snprintf(title, sizeof title, "%s", x->title);
            d.title = title;
            d.body = body;
        }
        bool changed = false;
        if (notes_save(notes, &d, &changed, err, sizeof err) != MENTO_OK) {
            fprintf(stderr, "helper: save: %s\n", err);
            return 1;
        }
        printf("saved %s %d\n", d.id, edits);
        fflush(stdout);
        free(body);
        if (randombytes_uniform(2) == 0)
            one_round(&s, net);
    }
}

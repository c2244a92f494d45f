/* test_client_notes.c - the notes core against a real mentod: two devices of
 * one account, a conflict that keeps both texts, a canary sentence that never
 * reaches the server's files, the client's store or temporary folders, or
 * any HTTP body (the devices talk to mentod through linkemu, which captures
 * every byte) in any form, records that were changed or moved, an empty
 * server, administrators, the partner's key, exports, and (with the helper
 * program) kill -9 while saving and syncing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "capture.h"
#include "harness.h"
#include "link_kit.h"
#include "mento/extedit.h"
#include "mento/notes.h"
#include "mento/store.h"
#include "mento/sync.h"

#define PASSWORD "a long notes password 2026"
#define CANARY   "Zebras quietly audit the seventh lighthouse before dawn"

struct device {
    char dir[64], path[96];
    struct store *store;
    struct net *net;
    struct sync sync;
    struct notes *notes;
    const struct harness_user *user;
};

struct world {
    struct harness *h;
    struct harness_user mentee, mentor, admin;
    struct device a, b, c; /* a and b: the mentee's two devices; c: the mentor's */
    int64_t pairing;
    char first[NOTES_ID_LEN];  /* written on a, edited on b */
    char canary[NOTES_ID_LEN]; /* the shared note with the canary */
    char priv[NOTES_ID_LEN];   /* a private note of the mentee */
    char recovery[VAULT_RECOVERY_LEN];
    char root[64];             /* this test's folder (see make_folders) */
    struct harness_link *link; /* the devices reach mentod through it */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct vault_kdf quick_kdf(void)
{
    struct vault_kdf k = {.opslimit = VAULT_OPS_MIN, .memlimit = VAULT_MEM_MIN};
    randombytes_buf(k.salt, sizeof k.salt);
    return k;
}

/* One sync round to its end; fails the test when it fails. */
static struct sync_report round_of(struct device *d)
{
    struct sync_report total = {0};
    sync_request(&d->sync);
    int64_t give_up = now_ms() + 20000;
    for (;;) {
        sync_step(&d->sync, now_ms());
        assert_int_equal(net_wait(d->net, -1, 100, NULL), MENTO_OK);
        struct net_result r;
        while (net_next_result(d->net, &r)) {
            struct sync_report rep;
            assert_true(sync_handle(&d->sync, &r, now_ms(), &rep));
            total.settled += rep.settled;
            total.refused += rep.refused;
            total.failed |= rep.failed;
            if (rep.round_done) {
                if (rep.failed)
                    fail_msg("sync failed: %s", d->sync.message);
                return total;
            }
        }
        if (now_ms() > give_up)
            fail_msg("the sync round did not end within 20 s");
    }
}

/* Sync until nothing is left to send (operations queued by the answers). */
static void settle(struct device *d)
{
    for (int i = 0; i < 6; i++) {
        round_of(d);
        if (store_outbox_count(d->store, "together") == 0)
            return;
    }
    fail_msg("the outbox did not empty: %d queued", store_outbox_count(d->store, "together"));
}

static void device_open(struct world *w, struct device *d, const struct harness_user *u)
{
    d->user = u;
    snprintf(d->dir, sizeof d->dir, "/tmp/mento-notes-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/store.db", d->dir);
    char err[256];
    assert_int_equal(store_open(&d->store, d->path, err, sizeof err), MENTO_OK);
    struct net_options o = {.base_url = harness_link_url(w->link), .connect_timeout_s = 2};
    assert_int_equal(net_open(&d->net, &o, err, sizeof err), MENTO_OK);
    net_set_token(d->net, u->token);
    sync_init(&d->sync, d->store, d->net, "together", 7);
    round_of(d); /* the profile: who this store belongs to */
    if (notes_open(&d->notes, d->store, "together", 0, err, sizeof err) != MENTO_OK)
        fail_msg("notes_open: %s", err);
}

static void device_close(struct device *d)
{
    notes_close(&d->notes);
    net_close(&d->net);
    store_close(&d->store);
    char p[128];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, suffixes[i]);
        unlink(p);
    }
    rmdir(d->dir);
}

static void make_vault(struct device *d, char *recovery)
{
    char why[256] = "";
    struct vault_kdf k = quick_kdf();
    assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_NONE);
    if (notes_vault_create_start(d->notes, PASSWORD, &k, why, sizeof why) != MENTO_OK)
        fail_msg("create: %s", why);
    if (notes_unlock_wait(d->notes, why, sizeof why) != MENTO_OK)
        fail_msg("create: %s", why);
    char code[VAULT_RECOVERY_LEN];
    assert_true(notes_recovery_code(d->notes, code));
    assert_false(notes_recovery_code(d->notes, code)); /* shown once */
    if (recovery)
        memcpy(recovery, code, sizeof code);
    assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_UNLOCKED);
}

static void unlock(struct device *d)
{
    char why[256] = "";
    assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_LOCKED);
    if (notes_unlock_start(d->notes, PASSWORD, false, why, sizeof why) != MENTO_OK)
        fail_msg("unlock: %s", why);
    bool done = false;
    assert_int_equal(notes_unlock_poll(d->notes, &done, why, sizeof why), MENTO_OK);
    if (!done)
        assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_WORKING);
    if (notes_unlock_wait(d->notes, why, sizeof why) != MENTO_OK)
        fail_msg("unlock: %s", why);
}

static void save(struct device *d, struct note_draft *draft)
{
    char why[256] = "";
    bool changed = false;
    if (notes_save(d->notes, draft, &changed, why, sizeof why) != MENTO_OK)
        fail_msg("save: %s", why);
    assert_true(changed);
}

/* Save `body` over note `id` keeping its other fields. */
static void edit(struct device *d, const char *id, const char *body)
{
    const struct note *x = notes_get(d->notes, id);
    assert_non_null(x);
    struct note_draft draft = {.pairing = x->pairing,
                               .session = x->session,
                               .title = x->title,
                               .body = body,
                               .items = x->items,
                               .n_items = x->n_items,
                               .shared = x->shared};
    snprintf(draft.id, sizeof draft.id, "%s", id);
    save(d, &draft);
}

static void person(struct harness *h, const char *name, const char *roles, struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p};
    harness_register_ok(h, &a, u);
    cJSON_Delete(p);
}

static int64_t pair(struct harness *h, const struct harness_user *m, const struct harness_user *a)
{
    struct harness_resp r = {0};
    char body[128], path[200];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/wishlist", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"kind\":\"mentoring\"}", (long long)a->id);
    harness_call(h, "POST", "/v1/programmes/together/requests", m->token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = 0;
    assert_true(harness_int(r.json, "id", &req));
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(h, "POST", path, a->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int64_t id = 0;
    assert_true(harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &id));
    harness_resp_free(&r);
    return id;
}

/* `name` in the test's folder. */
static void in_root(const struct world *w, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", w->root, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* The test's folder, first of all: the client's temporary folder ($TMPDIR)
 * and runtime folder ($XDG_RUNTIME_DIR), private (0700) and set before any
 * client code runs, and the folder of the link's capture. */
static int make_folders(struct world *w)
{
    snprintf(w->root, sizeof w->root, "/tmp/mento-notes-test-XXXXXX");
    if (!mkdtemp(w->root))
        return -1;
    static const struct {
        const char *name, *env;
    } subs[] = {{"tmp", "TMPDIR"}, {"run", "XDG_RUNTIME_DIR"}, {"capture", NULL}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s/%s", w->root, subs[i].name);
        if (mkdir(p, 0700) != 0 || (subs[i].env && setenv(subs[i].env, p, 1) != 0))
            return -1;
    }
    return 0;
}

/* mentod (a child) gets the test's folder as its TMPDIR, and the harness makes
 * its folder there: the server's files stay out of the client's. */
static int start_server(struct world *w)
{
    char client_tmp[96];
    snprintf(client_tmp, sizeof client_tmp, "%s/tmp", w->root);
    if (setenv("TMPDIR", w->root, 1) != 0)
        return -1;
    int rc = harness_start(&w->h);
    return setenv("TMPDIR", client_tmp, 1) == 0 ? rc : -1;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || make_folders(w) != 0 || start_server(w) != 0)
        return -1;
    person(w->h, "Notes Mentee", "mentee", &w->mentee);
    person(w->h, "Notes Mentor", "mentor", &w->mentor);
    person(w->h, "Notes Admin", "mentee", &w->admin);
    /* No delay: the link is there to capture what crosses it. */
    char capture[96];
    snprintf(capture, sizeof capture, "%s/capture", w->root);
    if (harness_link_start(w->h, w->root, 0, capture, &w->link) != 0)
        return -1;
    *state = w;
    return 0;
}

/* A folder and everything in it (depth-first, at most 16 levels). */
static void remove_tree(int at, const char *name, int depth)
{
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        unlinkat(at, name, 0);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && depth < 16)
            remove_tree(dirfd(d), e->d_name, depth + 1);
    closedir(d);
    unlinkat(at, name, AT_REMOVEDIR);
}

static int teardown(void **state)
{
    struct world *w = *state;
    struct device *all[] = {&w->a, &w->b, &w->c};
    for (size_t i = 0; i < 3; i++)
        if (all[i]->store)
            device_close(all[i]);
    int rc = harness_link_stop(w->link);
    harness_stop(w->h);
    if (w->root[0])
        remove_tree(AT_FDCWD, w->root, 0);
    free(w);
    return rc;
}

/* ---- Two devices of one account ------------------------------------------------------ */

static void round_trip_between_devices(void **state)
{
    struct world *w = *state;
    device_open(w, &w->a, &w->mentee);
    char why[256];
    /* Nothing to unlock yet, and a second vault is refused. */
    assert_int_equal(notes_unlock_start(w->a.notes, PASSWORD, false, why, sizeof why),
                     MENTO_ERR_NOT_FOUND);
    make_vault(&w->a, w->recovery);
    struct vault_kdf k = quick_kdf();
    assert_int_equal(notes_vault_create_start(w->a.notes, PASSWORD, &k, why, sizeof why),
                     MENTO_ERR_INVALID);
    settle(&w->a); /* the vault and the public keys go up */

    /* Written offline on a: in the store at once, sealed. */
    struct note_item items[] = {{.text = "Send the CV", .done = false},
                                {.text = "Read the handbook", .done = true}};
    struct note_draft d = {.title = "First session",
                           .body = "We agreed on three goals.",
                           .items = items,
                           .n_items = 2,
                           .session = 302};
    save(&w->a, &d);
    snprintf(w->first, sizeof w->first, "%s", d.id);
    assert_int_equal(strlen(w->first), 36);
    assert_int_equal(notes_count(w->a.notes), 1);
    const struct note *x = notes_get(w->a.notes, w->first);
    assert_true(x->dirty && x->mine);
    assert_int_equal(x->base_version, 0);
    /* Saving the same text again seals nothing and queues nothing. */
    int queued = store_outbox_count(w->a.store, "together");
    bool changed = true;
    assert_int_equal(notes_save(w->a.notes, &d, &changed, why, sizeof why), MENTO_OK);
    assert_false(changed);
    assert_int_equal(store_outbox_count(w->a.store, "together"), queued);
    settle(&w->a);
    x = notes_get(w->a.notes, w->first);
    assert_false(x->dirty);
    assert_int_equal(x->base_version, 1);

    /* b: the vault comes down with sync; the password opens it there. */
    device_open(w, &w->b, &w->mentee);
    char bad[256] = "";
    assert_int_equal(
        notes_unlock_start(w->b.notes, "not the password at all", false, bad, sizeof bad),
        MENTO_OK);
    assert_int_not_equal(notes_unlock_wait(w->b.notes, bad, sizeof bad), MENTO_OK);
    assert_non_null(strstr(bad, "password"));
    unlock(&w->b);
    x = notes_get(w->b.notes, w->first);
    assert_non_null(x);
    assert_string_equal(x->title, "First session");
    assert_string_equal(x->body, "We agreed on three goals.");
    assert_int_equal(x->n_items, 2);
    assert_string_equal(x->items[1].text, "Read the handbook");
    assert_true(x->items[1].done);
    assert_int_equal(x->session, 302);

    /* Edited on b, a gets it. */
    edit(&w->b, w->first, "We agreed on three goals. Next: the CV.");
    settle(&w->b);
    settle(&w->a);
    x = notes_get(w->a.notes, w->first);
    assert_string_equal(x->body, "We agreed on three goals. Next: the CV.");
    assert_int_equal(x->base_version, 2);
    /* An action item checked on a reaches b. */
    assert_int_equal(notes_item_check(w->a.notes, w->first, 0, true, why, sizeof why), MENTO_OK);
    settle(&w->a);
    settle(&w->b);
    assert_true(notes_get(w->b.notes, w->first)->items[0].done);
    /* The recovery code opens it too (a's code, read on b after locking). */
    notes_lock(w->b.notes);
    assert_int_equal(notes_unlock_start(w->b.notes, w->recovery, true, why, sizeof why), MENTO_OK);
    assert_int_equal(notes_unlock_wait(w->b.notes, why, sizeof why), MENTO_OK);
    assert_non_null(notes_get(w->b.notes, w->first));
}

/* ---- Both devices change the same version ------------------------------------------------ */

static bool collect_body(const struct note *x, void *arg)
{
    (void)x;
    (*(int *)arg)++;
    return true;
}

static void conflict_keeps_both_texts(void **state)
{
    struct world *w = *state;
    int64_t base = notes_get(w->a.notes, w->first)->base_version;
    assert_int_equal(notes_get(w->b.notes, w->first)->base_version, base);
    edit(&w->a, w->first, "Text from the laptop in Juba");
    edit(&w->b, w->first, "Text from the phone in Goma");
    settle(&w->a);
    settle(&w->b); /* 409: b's text becomes a linked copy */
    settle(&w->a);
    struct device *both[] = {&w->a, &w->b};
    for (int i = 0; i < 2; i++) {
        struct notes *n = both[i]->notes;
        const struct note *orig = notes_get(n, w->first);
        assert_non_null(orig);
        assert_string_equal(orig->body, "Text from the laptop in Juba");
        const struct note *copy = NULL;
        for (size_t k = 0; k < notes_count(n); k++)
            if (strcmp(notes_at(n, k)->conflict_of, w->first) == 0)
                copy = notes_at(n, k);
        assert_non_null(copy);
        assert_string_equal(copy->body, "Text from the phone in Goma");
        assert_string_equal(copy->title, "First session");
        assert_false(copy->dirty);
        int hits = 0;
        assert_int_equal(notes_search(n, "GOMA", collect_body, &hits), 1);
        assert_int_equal(hits, 1);
        assert_int_equal(notes_search(n, "juba", NULL, NULL), 1);
    }
}

/* ---- Sharing, the canary and the partner's key ---------------------------------------------- */

static void sharing_with_the_partner(void **state)
{
    struct world *w = *state;
    w->pairing = pair(w->h, &w->mentee, &w->mentor);
    device_open(w, &w->c, &w->mentor);
    char why[256] = "";
    /* Before the partner has a key, sharing is refused with a reason. */
    settle(&w->a);
    struct note_draft d = {
        .title = "Shared agenda", .body = "Draft: " CANARY, .pairing = w->pairing, .shared = true};
    assert_int_not_equal(notes_save(w->a.notes, &d, NULL, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "key"));
    make_vault(&w->c, NULL);
    settle(&w->c);
    settle(&w->a);
    struct notes_partner p;
    assert_int_equal(notes_partner_key_state(w->a.notes, w->pairing, &p), MENTO_OK);
    assert_int_equal(p.state, NOTES_PARTNER_PINNED);
    assert_int_equal(p.user, w->mentor.id);
    assert_int_equal(strlen(p.fingerprint), 47);
    assert_string_equal(p.fingerprint, p.pinned_fingerprint);
    assert_int_equal(p.verified_at, 0); /* pinned on first sight, not compared yet */
    struct notes_partner q;
    assert_int_equal(notes_partner_key_state(w->c.notes, w->pairing, &q), MENTO_OK);
    assert_string_equal(q.fingerprint, p.mine); /* what they read out to each other */

    /* Written, edited, shared, synced. */
    memset(d.id, 0, sizeof d.id);
    d.shared = false;
    save(&w->a, &d);
    snprintf(w->canary, sizeof w->canary, "%s", d.id);
    settle(&w->a);
    edit(&w->a, w->canary, "Agenda: " CANARY);
    d.body = "Agenda: " CANARY;
    d.shared = true;
    save(&w->a, &d);
    settle(&w->a);
    assert_true(notes_get(w->a.notes, w->canary)->shared);
    settle(&w->c);
    const struct note *x = notes_get(w->c.notes, w->canary);
    assert_non_null(x);
    assert_string_equal(x->body, "Agenda: " CANARY);
    assert_false(x->mine);
    assert_int_equal(x->owner, w->mentee.id);
    assert_int_equal(notes_search(w->c.notes, "lighthouse", NULL, NULL), 1);
    /* The partner cannot change it. */
    struct note_draft theirs = {.title = "mine now", .body = "no"};
    snprintf(theirs.id, sizeof theirs.id, "%s", w->canary);
    assert_int_not_equal(notes_save(w->c.notes, &theirs, NULL, why, sizeof why), MENTO_OK);
    /* The other device of the author reads it too. */
    settle(&w->b);
    assert_string_equal(notes_get(w->b.notes, w->canary)->body, "Agenda: " CANARY);

    /* A private note stays private. */
    struct note_draft pd = {
        .title = "Private", .body = "Only mine: " CANARY, .pairing = w->pairing};
    save(&w->a, &pd);
    snprintf(w->priv, sizeof w->priv, "%s", pd.id);
    settle(&w->a);
    settle(&w->c);
    assert_null(notes_get(w->c.notes, w->priv));
}

/* Written and shared offline, then online while the notes are locked: the
 * shared version waits only for the server's answer to the first, not for
 * the next unlock; the partner reads it. */
static void offline_share_goes_up_locked(void **state)
{
    struct world *w = *state;
    struct note_draft d = {
        .title = "Written in the field", .body = "Before the call", .pairing = w->pairing};
    save(&w->a, &d);
    d.body = "Before the call: shared";
    d.shared = true;
    save(&w->a, &d);
    notes_lock(w->a.notes);
    settle(&w->a);
    settle(&w->c);
    const struct note *x = notes_get(w->c.notes, d.id);
    assert_non_null(x);
    assert_string_equal(x->body, "Before the call: shared");
    unlock(&w->a);
    x = notes_get(w->a.notes, d.id);
    assert_false(x->dirty);
    assert_int_equal(x->base_version, 2);
    assert_true(x->shared);
}

static void partner_key_change_is_shown(void **state)
{
    struct world *w = *state;
    /* The mentor's keys as the server has them, to put them back after. */
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/me/keys", w->mentor.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    char *orig = cJSON_PrintUnformatted(r.json);
    /* Someone (the server, say) swaps in other keys. */
    unsigned char pk[32], sk[64], box[32], boxs[32], sig[64];
    crypto_sign_keypair(pk, sk);
    crypto_box_keypair(box, boxs);
    crypto_sign_detached(sig, NULL, box, 32, sk);
    char b1[64], b2[64], b3[100], body[400];
    sodium_bin2base64(b1, sizeof b1, box, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b2, sizeof b2, pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b3, sizeof b3, sig, 64, sodium_base64_VARIANT_ORIGINAL);
    snprintf(body, sizeof body,
             "{\"x25519_public\":\"%s\",\"ed25519_public\":\"%s\",\"x25519_signature\":\"%s\"}", b1,
             b2, b3);
    harness_call(w->h, "PUT", "/v1/me/keys", w->mentor.token, body, NULL, &r);
    harness_expect_status(&r, 200);
    settle(&w->a);
    struct notes_partner p;
    assert_int_equal(notes_partner_key_state(w->a.notes, w->pairing, &p), MENTO_OK);
    assert_int_equal(p.state, NOTES_PARTNER_CHANGED);
    assert_string_not_equal(p.fingerprint, p.pinned_fingerprint);
    char why[256] = "";
    struct note_draft d = {
        .title = "After the change", .body = "x", .pairing = w->pairing, .shared = true};
    assert_int_not_equal(notes_save(w->a.notes, &d, NULL, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "changed"));
    /* The real keys come back (the same fingerprint as pinned): fine again. */
    cJSON *o = cJSON_Parse(orig);
    cJSON *put = cJSON_CreateObject();
    static const char *const keys[] = {"x25519_public", "ed25519_public", "x25519_signature"};
    for (int i = 0; i < 3; i++)
        cJSON_AddStringToObject(put, keys[i],
                                cJSON_GetObjectItemCaseSensitive(o, keys[i])->valuestring);
    harness_call_json(w->h, "PUT", "/v1/me/keys", w->mentor.token, put, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON_Delete(o);
    cJSON_Delete(put);
    free(orig);
    settle(&w->a);
    assert_int_equal(notes_partner_key_state(w->a.notes, w->pairing, &p), MENTO_OK);
    assert_int_equal(p.state, NOTES_PARTNER_PINNED);
    assert_int_equal(p.verified_at, 0);
    /* Accepting is the user's word after comparing: it pins what is there,
     * and the store remembers it as verified (kept across a restart). */
    int64_t t0 = (int64_t)time(NULL);
    /* A fingerprint other than the key's now (it changed while they
     * compared): nothing is accepted. */
    assert_int_equal(notes_accept_partner_key(w->a.notes, w->pairing,
                                              "00000 00000 00000 00000 00000 00000 00000 00000"),
                     MENTO_ERR_INVALID);
    assert_int_equal(notes_partner_key_state(w->a.notes, w->pairing, &p), MENTO_OK);
    assert_int_equal(p.verified_at, 0);
    assert_int_equal(notes_accept_partner_key(w->a.notes, w->pairing, p.fingerprint), MENTO_OK);
    notes_close(&w->a.notes);
    char err[256];
    assert_int_equal(notes_open(&w->a.notes, w->a.store, "together", 0, err, sizeof err), MENTO_OK);
    assert_int_equal(notes_partner_key_state(w->a.notes, w->pairing, &p), MENTO_OK);
    assert_int_equal(p.state, NOTES_PARTNER_PINNED);
    assert_in_range(p.verified_at, t0, t0 + 60);
    unlock(&w->a);
    harness_resp_free(&r);
}

/* ---- The canary nowhere ------------------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            unsigned char *g = realloc(buf, cap);
            if (!g) {
                free(buf);
                buf = NULL;
            }
            buf = g;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool has_bytes(const unsigned char *hay, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    if (!hay || nl == 0 || nl > len)
        return false;
    return memmem(hay, len, needle, nl) != NULL;
}

/* The forms a leak could take: raw, hex (both cases), base64 at the three
 * alignments, URL-safe base64. */
static int count_canary_in(const unsigned char *data, size_t len)
{
    const char *c = CANARY;
    size_t cl = strlen(c);
    int hits = has_bytes(data, len, c) ? 1 : 0;
    char hex[2 * 128 + 1];
    sodium_bin2hex(hex, sizeof hex, (const unsigned char *)c, cl);
    hits += has_bytes(data, len, hex);
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    hits += has_bytes(data, len, hex);
    for (int shift = 0; shift < 3; shift++) {
        for (int variant = 0; variant < 2; variant++) {
            char b64[256];
            sodium_bin2base64(b64, sizeof b64, (const unsigned char *)c + shift, cl - shift,
                              variant ? sodium_base64_VARIANT_URLSAFE_NO_PADDING
                                      : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
            /* The middle of the encoding is the same whatever comes before. */
            b64[strlen(b64) - 4] = '\0';
            hits += has_bytes(data, len, b64);
        }
    }
    return hits;
}

/* The same in a file (0 when it cannot be read). */
static int count_canary(const char *path)
{
    size_t len;
    unsigned char *data = slurp(path, &len);
    if (!data)
        return 0;
    int hits = count_canary_in(data, len);
    free(data);
    return hits;
}

/* What the HTTP bodies that crossed the link hold. */
struct body_tally {
    const char *id; /* the canary note's id: found, it shows the bodies were read */
    int bodies, requests, gzipped;
    int id_in_requests, id_in_gzipped;
    int hits;
    char first[200]; /* the first body with the canary */
};

static void tally_body(const struct capture_body *b, void *arg)
{
    struct body_tally *t = arg;
    t->bodies++;
    t->requests += b->request;
    t->gzipped += b->gzipped;
    int hits = count_canary_in(b->data, b->len);
    if (hits && !t->hits)
        snprintf(t->first, sizeof t->first, "connection %u, %s %u: %s", b->conn,
                 b->request ? "request" : "response", b->index, b->start);
    t->hits += hits;
    if (has_bytes(b->data, b->len, t->id)) {
        t->id_in_requests += b->request;
        t->id_in_gzipped += !b->request && b->gzipped;
    }
}

/* Every plain file under a folder, searched. */
struct walk {
    int files, hits;
    char first[512]; /* the first file with the canary */
};

static void walk_canary(const char *dir, int depth, struct walk *wk)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot read %s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        assert_true(n > 0 && (size_t)n < sizeof p);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue; /* gone in between */
        if (S_ISDIR(st.st_mode)) {
            if (depth >= 16)
                fail_msg("%s: folders nested too deep", p);
            walk_canary(p, depth + 1, wk);
        } else if (S_ISREG(st.st_mode)) {
            wk->files++;
            int hits = count_canary(p);
            if (hits && !wk->hits)
                snprintf(wk->first, sizeof wk->first, "%s", p);
            wk->hits += hits;
        }
    }
    closedir(d);
}

/* One edit of the canary note in the user's own editor ($EDITOR): the note
 * goes to a file in the runtime folder, an editor script changes it, the text
 * comes back and is saved and synced, and the folder is wiped. */
static void edit_in_editor(struct world *w)
{
    char editor[96];
    in_root(w, "editor.sh", editor, sizeof editor);
    FILE *f = fopen(editor, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n"
          "# An editor that adds a word at the end of the note.\n"
          "text=$(cat \"$1\") && printf '%s edited\\n' \"$text\" > \"$1\"\n",
          f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(editor, 0700), 0);

    const char *run = getenv("XDG_RUNTIME_DIR");
    const struct note *x = notes_get(w->a.notes, w->canary);
    assert_non_null(x);
    struct extedit ed;
    char why[256] = "";
    if (extedit_begin(&ed, run, x->body, why, sizeof why) != MENTO_OK)
        fail_msg("extedit_begin: %s", why);
    assert_int_equal(extedit_run(&ed, editor), 0);
    char *text = NULL;
    if (extedit_read(&ed, 64 * 1024, &text, why, sizeof why) != MENTO_OK)
        fail_msg("extedit_read: %s", why);
    assert_string_equal(text, "Agenda: " CANARY " edited");
    /* The search finds the canary where it is: in the file the editor had. */
    struct walk there = {0};
    walk_canary(run, 0, &there);
    assert_true(there.files >= 1);
    assert_true(there.hits >= 1);
    edit(&w->a, w->canary, text);
    sodium_memzero(text, strlen(text));
    free(text);
    extedit_end(&ed);
    settle(&w->a);
    x = notes_get(w->a.notes, w->canary);
    assert_string_equal(x->body, "Agenda: " CANARY " edited");
    assert_false(x->dirty); /* it went up */
    /* Back as it was, for the cases after this one. */
    edit(&w->a, w->canary, "Agenda: " CANARY);
    settle(&w->a);
}

static void canary_is_nowhere(void **state)
{
    struct world *w = *state;
    /* The checker itself finds the canary where it is. */
    char probe[128];
    snprintf(probe, sizeof probe, "%s/probe", w->a.dir);
    FILE *f = fopen(probe, "w");
    assert_non_null(f);
    fputs("xx" CANARY "yy", f);
    fclose(f);
    assert_true(count_canary(probe) >= 1);
    unlink(probe);

    edit_in_editor(w);

    char db[600], log[600];
    snprintf(db, sizeof db, "%s", harness_db_path(w->h));
    snprintf(log, sizeof log, "%s", db);
    char *slash = strrchr(log, '/');
    assert_non_null(slash);
    snprintf(slash + 1, sizeof log - (size_t)(slash + 1 - log), "mentod.log");
    assert_int_equal(access(log, R_OK), 0);
    char paths[12][700];
    int np = 0;
    snprintf(paths[np++], sizeof paths[0], "%s", db);
    snprintf(paths[np++], sizeof paths[0], "%s-wal", db);
    snprintf(paths[np++], sizeof paths[0], "%s", log);
    struct device *devs[] = {&w->a, &w->b, &w->c};
    for (int i = 0; i < 3; i++) {
        snprintf(paths[np++], sizeof paths[0], "%s", devs[i]->path);
        snprintf(paths[np++], sizeof paths[0], "%s-wal", devs[i]->path);
    }
    for (int i = 0; i < np; i++) {
        int hits = count_canary(paths[i]);
        if (hits)
            fail_msg("the canary is in %s (%d forms)", paths[i], hits);
    }

    /* Every HTTP body that crossed the link, decoded. */
    char capture[96], why[600] = "";
    in_root(w, "capture", capture, sizeof capture);
    struct body_tally t = {.id = w->canary};
    int bodies = capture_bodies(capture, tally_body, &t, why, sizeof why);
    if (bodies < 0)
        fail_msg("the capture does not read: %s", why);
    if (t.hits)
        fail_msg("the canary is in the HTTP bodies (%d forms), first in %s", t.hits, t.first);
    /* They were read: the note's id is in what the client sent and, decoded,
     * in what the server sent gzip'd. */
    if (t.id_in_requests == 0 || t.id_in_gzipped == 0)
        fail_msg("the note's id is in %d request bodies and %d gzip'd response bodies of %d",
                 t.id_in_requests, t.id_in_gzipped, bodies);

    /* The client's temporary and runtime folders, after the editor's wipe. */
    const char *dirs[] = {getenv("TMPDIR"), getenv("XDG_RUNTIME_DIR")};
    struct walk wk = {0};
    for (int i = 0; i < 2; i++) {
        assert_non_null(dirs[i]);
        walk_canary(dirs[i], 0, &wk);
    }
    if (wk.hits)
        fail_msg("the canary is in %s (%d forms)", wk.first, wk.hits);
    fprintf(stderr,
            "# canary: 0 hits in %d files and %d HTTP bodies (%d gzip'd): server db, wal, log; "
            "3 stores and wals; %d files in the client's TMPDIR and XDG_RUNTIME_DIR; %d request "
            "and %d response bodies (the note's id in %d requests, %d gzip'd responses)\n",
            np + wk.files, bodies, t.gzipped, wk.files, t.requests, bodies - t.requests,
            t.id_in_requests, t.id_in_gzipped);
}

/* ---- Changed and moved records ----------------------------------------------------------------
 */

/* The record of `id` as the server sends it. */
static cJSON *server_record(struct world *w, const char *id)
{
    struct harness_resp r = {0};
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/notes/%s", id);
    harness_call(w->h, "GET", path, w->mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON *out = cJSON_Duplicate(r.json, true);
    harness_resp_free(&r);
    return out;
}

/* Feed one record to a device as if sync had brought it. */
static void deliver(struct device *d, const cJSON *rec)
{
    char cursor[STORE_CURSOR_MAX];
    assert_int_equal(store_cursor(d->store, "together", cursor, sizeof cursor), MENTO_OK);
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "cursor", cursor);
    cJSON_AddBoolToObject(answer, "more", false);
    cJSON_AddBoolToObject(answer, "reset", false);
    cJSON_AddArrayToObject(answer, "results");
    cJSON *notes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(answer, "changes"), "notes");
    cJSON_AddItemToArray(notes, cJSON_Duplicate(rec, true));
    struct store_sync_summary sum;
    char err[256];
    assert_int_equal(store_apply_sync(d->store, "together", answer, 1, &sum, err, sizeof err),
                     MENTO_OK);
    cJSON_Delete(answer);
}

struct aside_probe {
    const char *id;
    char why[NOTES_WHY_LEN];
};

static bool find_aside(const char *id, const char *why, void *arg)
{
    struct aside_probe *p = arg;
    if (strcmp(id, p->id) != 0)
        return true;
    snprintf(p->why, sizeof p->why, "%s", why);
    return false;
}

static void expect_aside(struct device *d, const char *id, const char *words)
{
    struct aside_probe p = {.id = id};
    notes_aside(d->notes, find_aside, &p);
    if (!p.why[0])
        fail_msg("record %s was not kept aside", id);
    if (!strstr(p.why, words))
        fail_msg("record %s: \"%s\" does not say \"%s\"", id, p.why, words);
}

static void tampered_records_do_not_open(void **state)
{
    struct world *w = *state;
    settle(&w->b);
    cJSON *rec = server_record(w, w->priv);
    int64_t version = 0;
    assert_true(harness_int(rec, "version", &version));
    const char *ct = harness_str(rec, "ciphertext");
    size_t len = 0;
    unsigned char *bin = malloc(strlen(ct));
    assert_int_equal(sodium_base642bin(bin, strlen(ct), ct, strlen(ct), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    size_t b64cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    cJSON *bad = cJSON_Duplicate(rec, true);
    harness_json_set_int(bad, "version", version + 1);
    int64_t t0 = now_ms();
    for (size_t i = 0; i < len; i++) {
        unsigned char keep = bin[i];
        bin[i] = (unsigned char)(keep ^ (1u << (i % 8)));
        sodium_bin2base64(b64, b64cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
        bin[i] = keep;
        harness_json_set_str(bad, "ciphertext", b64);
        deliver(&w->b, bad);
        struct aside_probe p = {.id = w->priv};
        notes_aside(w->b.notes, find_aside, &p);
        if (!p.why[0])
            fail_msg("byte %zu changed: the record was not refused", i);
        /* The note as it was is untouched: the newer version was not taken. */
        const struct note *x = notes_get(w->b.notes, w->priv);
        assert_non_null(x);
        assert_int_equal(x->base_version, version);
        assert_string_equal(x->body, "Only mine: " CANARY);
    }
    fprintf(stderr, "# %zu single-byte changes of a %zu-byte record: all refused (%lld ms)\n", len,
            len, (long long)(now_ms() - t0));
    expect_aside(&w->b, w->priv, "");

    /* The whole record under another note id. */
    char other[NOTES_ID_LEN] = "0b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f60";
    cJSON *moved = cJSON_Duplicate(rec, true);
    harness_json_set_str(moved, "id", other);
    deliver(&w->b, moved);
    assert_null(notes_get(w->b.notes, other));
    expect_aside(&w->b, other, "does not open");
    /* To another person: the partner's device gets it as theirs. */
    harness_json_set_int(moved, "owner_id", w->mentor.id);
    harness_json_set_str(moved, "id", "1b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f61");
    deliver(&w->c, moved);
    assert_null(notes_get(w->c.notes, "1b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f61"));
    expect_aside(&w->c, "1b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f61", "");
    /* Claimed by the mentee but another user's: a record of user `admin`. */
    harness_json_set_int(moved, "owner_id", w->admin.id);
    harness_json_set_str(moved, "id", "2b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f62");
    deliver(&w->a, moved);
    expect_aside(&w->a, "2b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f62", "another person");
    /* A private record presented as shared in the pairing. */
    harness_json_set_str(moved, "id", "3b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f63");
    harness_json_set_int(moved, "owner_id", w->mentee.id);
    harness_json_set_int(moved, "pairing_id", w->pairing);
    deliver(&w->a, moved);
    expect_aside(&w->a, "3b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f63", "");
    /* The shared record moved to another id. */
    cJSON *shared = server_record(w, w->canary);
    harness_json_set_str(shared, "id", "4b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f64");
    deliver(&w->c, shared);
    expect_aside(&w->c, "4b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f64", "does not open");
    /* Shapes no server should send: kept aside or dropped, never a crash. */
    static const char *const junk[] = {
        "{\"id\":\"5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65\"}",
        "{\"id\":\"5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65\",\"version\":1,\"owner_id\":1,"
        "\"ciphertext\":\"not base64!\"}",
        "{\"id\":\"5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65\",\"version\":1e300,\"owner_id\":-4}",
        "{\"id\":\"5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65\",\"version\":2,\"owner_id\":1,"
        "\"ciphertext\":\"AAAA\"}",
        "{\"id\":\"../../etc/passwd\",\"version\":1,\"owner_id\":1,\"ciphertext\":\"AAAA\"}",
        "{\"id\":\"5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65\",\"removed\":true}",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        cJSON *j = cJSON_Parse(junk[i]);
        assert_non_null(j);
        deliver(&w->a, j);
        cJSON_Delete(j);
    }
    assert_null(notes_get(w->a.notes, "5b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f65"));
    cJSON_Delete(shared);
    cJSON_Delete(moved);
    cJSON_Delete(bad);
    cJSON_Delete(rec);
    free(bin);
    free(b64);
}

/* ---- Administrators
 * ------------------------------------------------------------------------------ */

static void administrators_get_nothing(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_appoint(w->h, w->admin.email, "together"), 0);
    cJSON *rec = server_record(w, w->canary);
    char *ct = strdup(harness_str(rec, "ciphertext"));
    cJSON_Delete(rec);
    char head[41];
    snprintf(head, sizeof head, "%s", ct + 40); /* a stretch of the ciphertext */
    char paths[24][200];
    int np = 0;
    static const char *const plain[] = {"stats", "participants", "pairings", "pairings/suggestions",
                                        "feedback"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        snprintf(paths[np++], sizeof paths[0], "/v1/programmes/together/admin/%s", plain[i]);
    snprintf(paths[np++], sizeof paths[0], "/v1/programmes/together/admin/participants/%lld",
             (long long)w->mentee.id);
    static const char *const reports[] = {"participants", "requests", "pairings",
                                          "sessions",     "feedback", "surveys"};
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        snprintf(paths[np++], sizeof paths[0], "/v1/programmes/together/admin/export/%s",
                 reports[i]);
    snprintf(paths[np++], sizeof paths[0], "/v1/programmes/together/admin/surveys/pre/answers");
    struct harness_resp r = {0};
    int answered = 0;
    for (int i = 0; i < np; i++) {
        harness_call(w->h, "GET", paths[i], w->admin.token, NULL, NULL, &r);
        if (r.status == 200)
            answered++;
        const char *body = r.body ? r.body : "";
        if (strstr(body, CANARY) || strstr(body, ct) || strstr(body, head))
            fail_msg("%s shows a note: %.200s", paths[i], body);
    }
    assert_true(answered >= 8);
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/notes/%s", w->canary);
    harness_call(w->h, "GET", path, w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    snprintf(path, sizeof path, "/v1/programmes/together/notes/%s", w->priv);
    harness_call(w->h, "GET", path, w->admin.token, NULL, NULL, &r);
    harness_expect_error(&r, 404, "not_found");
    harness_call(w->h, "GET", "/v1/programmes/together/notes?deleted=include", w->admin.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    assert_null(strstr(r.body, w->canary));
    assert_null(strstr(r.body, ct));
    fprintf(stderr, "# %d admin routes (%d answered 200): no note in any\n", np, answered);
    harness_resp_free(&r);
    free(ct);
}

/* ---- An empty server
 * ------------------------------------------------------------------------------- */

static int64_t server_count(struct world *w)
{
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/programmes/together/notes?per_page=200", w->mentee.token, NULL,
                 NULL, &r);
    harness_expect_status(&r, 200);
    int64_t total = -1;
    assert_true(harness_int(r.json, "total", &total));
    harness_resp_free(&r);
    return total;
}

static void empty_server_never_deletes(void **state)
{
    struct world *w = *state;
    size_t before = notes_count(w->a.notes);
    int64_t own_before = server_count(w);
    assert_true(own_before >= 4);
    /* The server loses the mentee's records; a's cursor is forgotten, so the
     * next sync is a full one: no notes in it. */
    char cmd[900];
    snprintf(
        cmd, sizeof cmd,
        "sqlite3 -cmd '.timeout 10000' '%s' \"DELETE FROM note_records WHERE owner_id = %lld\"",
        harness_db_path(w->h), (long long)w->mentee.id);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(server_count(w), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(w->a.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "UPDATE sync_state SET cursor = ''", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    settle(&w->a);
    assert_int_equal(notes_count(w->a.notes), before);
    assert_string_equal(notes_get(w->a.notes, w->canary)->body, "Agenda: " CANARY);
    /* Uploaded again, as new, shared as before. */
    assert_int_equal(server_count(w), own_before);
    struct harness_resp r = {0};
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/notes/%s", w->canary);
    harness_call(w->h, "GET", path, w->mentor.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
    /* The partner, whose notes were not touched, still reads it. */
    settle(&w->c);
    assert_string_equal(notes_get(w->c.notes, w->canary)->body, "Agenda: " CANARY);
}

/* ---- Exports
 * --------------------------------------------------------------------------------------- */

static void exports(void **state)
{
    struct world *w = *state;
    char md[128], js[128], why[256] = "";
    snprintf(md, sizeof md, "%s/notes.md", w->a.dir);
    snprintf(js, sizeof js, "%s/records.json", w->a.dir);
    assert_int_equal(notes_export_markdown(w->a.notes, md, why, sizeof why), MENTO_OK);
    assert_int_equal(notes_export_records(w->a.notes, js, why, sizeof why), MENTO_OK);
    struct stat st;
    assert_int_equal(stat(md, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(js, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    unsigned char *text = slurp(md, &len);
    assert_non_null(text);
    text = realloc(text, len + 1);
    text[len] = '\0';
    assert_non_null(strstr((char *)text, "## Shared agenda"));
    assert_non_null(strstr((char *)text, CANARY));
    assert_non_null(strstr((char *)text, "- [x] Send the CV"));
    assert_non_null(strstr((char *)text, "A conflicting version of note"));
    sodium_memzero(text, len);
    free(text);
    unlink(md);
    assert_int_equal(count_canary(js), 0);
    text = slurp(js, &len);
    cJSON *o = cJSON_ParseWithLength((const char *)text, len);
    assert_non_null(o);
    assert_string_equal(harness_str(o, "format"), "mento-note-records");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "records")) >= 4);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(o, "vault"));
    cJSON_Delete(o);
    free(text);
    unlink(js);
    /* Locked: no Markdown, and no file left behind. */
    notes_lock(w->a.notes);
    assert_int_not_equal(notes_export_markdown(w->a.notes, md, why, sizeof why), MENTO_OK);
    assert_int_not_equal(access(md, F_OK), 0);
    unlock(&w->a);
    /* Nowhere to write: a clear error. */
    assert_int_not_equal(
        notes_export_markdown(w->a.notes, "/nonexistent-dir/notes.md", why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "/nonexistent-dir"));
}

/* ---- The end of the pairing
 * -------------------------------------------------------------------------- */

static void pairing_end_stops_sharing(void **state)
{
    struct world *w = *state;
    struct harness_resp r = {0};
    char path[200];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/end", (long long)w->pairing);
    harness_call(w->h, "POST", path, w->mentee.token, "{\"reason\":\"goals_met\"}", NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
    settle(&w->a);
    char why[256] = "";
    struct note_draft d = {
        .title = "After the end", .body = "new", .pairing = w->pairing, .shared = true};
    assert_int_not_equal(notes_save(w->a.notes, &d, NULL, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "ended"));
    /* An edit of a note shared before is kept private from now on. */
    edit(&w->a, w->canary, "Agenda, after the end: " CANARY);
    const struct note *x = notes_get(w->a.notes, w->canary);
    assert_false(x->shared);
    assert_non_null(strstr(x->problem, "ended"));
    settle(&w->a);
    settle(&w->c);
    assert_null(notes_get(w->c.notes, w->canary));
    /* Deleting: a tombstone reaches the other device. */
    assert_int_equal(notes_delete(w->a.notes, w->priv, why, sizeof why), MENTO_OK);
    assert_null(notes_get(w->a.notes, w->priv));
    settle(&w->a);
    settle(&w->b);
    assert_null(notes_get(w->b.notes, w->priv));
}

/* ---- A sync without the notes core
 * ------------------------------------------------------------------ */

/* `mento sync` from cron, say, before it opened the notes: the answers to
 * note operations went by unseen. Reopened, the notes core sends them
 * again, and the server takes them as retries: nothing stuck, no copy. */
static void answers_missed_while_closed(void **state)
{
    struct world *w = *state;
    struct note_draft d = {.title = "Written before a cron sync", .body = "one"};
    save(&w->a, &d);
    edit(&w->a, d.id, "two");
    size_t before = notes_count(w->a.notes);
    notes_close(&w->a.notes);
    settle(&w->a); /* the store alone: the results are settled without the notes core */
    char err[256];
    assert_int_equal(notes_open(&w->a.notes, w->a.store, "together", 0, err, sizeof err), MENTO_OK);
    unlock(&w->a);
    settle(&w->a);
    const struct note *x = notes_get(w->a.notes, d.id);
    assert_non_null(x);
    assert_false(x->dirty);
    assert_string_equal(x->body, "two");
    assert_int_equal(x->base_version, 2); /* "one" was taken, then "two" went */
    assert_int_equal(notes_count(w->a.notes), before);
    settle(&w->b);
    assert_string_equal(notes_get(w->b.notes, d.id)->body, "two");
}

/* ---- The notes password, changed ------------------------------------------------------------ */

#define NEW_PASSWORD "a new notes password for 2027"

/* Start a change and wait for it; the status of the whole change. */
static mento_status change_password(struct device *d, const char *current, const char *next,
                                    char *why, size_t why_len)
{
    struct vault_kdf k = quick_kdf();
    mento_status st = notes_password_change_start(d->notes, current, next, &k, why, why_len);
    if (st != MENTO_OK)
        return st;
    assert_true(notes_password_changing(d->notes));
    /* The notes stay open while the key is derived. */
    assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_UNLOCKED);
    st = notes_unlock_wait(d->notes, why, why_len);
    assert_false(notes_password_changing(d->notes));
    assert_int_equal(notes_vault_state(d->notes), NOTES_VAULT_UNLOCKED);
    return st;
}

/* The vault as the server keeps it (caller deletes). */
static cJSON *server_vault(struct world *w)
{
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/me/vault", w->mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    cJSON *out = cJSON_Duplicate(r.json, true);
    harness_resp_free(&r);
    return out;
}

/* Lock `d` and unlock it with `secret`: MENTO_OK or the failure, in words. */
static mento_status relock(struct device *d, const char *secret, bool recovery, char *why,
                           size_t why_len)
{
    notes_lock(d->notes);
    mento_status st = notes_unlock_start(d->notes, secret, recovery, why, why_len);
    return st == MENTO_OK ? notes_unlock_wait(d->notes, why, why_len) : st;
}

static void password_changed_on_one_device(void **state)
{
    struct world *w = *state;
    char why[NOTES_WHY_LEN] = "";
    settle(&w->a);
    settle(&w->b);
    cJSON *before = server_vault(w);
    int64_t v0 = 0;
    assert_true(harness_int(before, "version", &v0));

    /* Refused before any work: too short, the same, while locked. */
    assert_int_equal(
        notes_password_change_start(w->a.notes, PASSWORD, "short", NULL, why, sizeof why),
        MENTO_ERR_INVALID);
    assert_non_null(strstr(why, "10 characters"));
    assert_int_equal(
        notes_password_change_start(w->a.notes, PASSWORD, PASSWORD, NULL, why, sizeof why),
        MENTO_ERR_INVALID);
    /* A wrong current password changes nothing, here or at the server. */
    int queued = store_outbox_count(w->a.store, "together");
    assert_int_not_equal(
        change_password(&w->a, "not my password at all", NEW_PASSWORD, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "password"));
    assert_int_equal(store_outbox_count(w->a.store, "together"), queued);

    /* Changed on a: the notes stay open there, the vault goes up once. */
    size_t count = notes_count(w->a.notes);
    if (change_password(&w->a, PASSWORD, NEW_PASSWORD, why, sizeof why) != MENTO_OK)
        fail_msg("change: %s", why);
    assert_int_equal(store_outbox_count(w->a.store, "together"), queued + 1);
    assert_int_equal(notes_count(w->a.notes), count);
    settle(&w->a);
    assert_false(notes_vault_problem(w->a.notes, why, sizeof why));
    cJSON *after = server_vault(w);
    int64_t v1 = 0;
    assert_true(harness_int(after, "version", &v1));
    assert_int_equal(v1, v0 + 1);
    const cJSON *k0 = cJSON_GetObjectItemCaseSensitive(before, "kdf"),
                *k1 = cJSON_GetObjectItemCaseSensitive(after, "kdf");
    assert_string_not_equal(harness_str(k0, "salt"), harness_str(k1, "salt"));
    cJSON_Delete(before);
    cJSON_Delete(after);
    /* Only the root key was wrapped again: nothing else went up. */
    assert_int_equal(store_outbox_count(w->a.store, "together"), 0);

    /* b takes it with its next sync: the old password no longer opens. */
    settle(&w->b);
    assert_int_not_equal(relock(&w->b, PASSWORD, false, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "password"));
    if (relock(&w->b, NEW_PASSWORD, false, why, sizeof why) != MENTO_OK)
        fail_msg("unlock with the new password: %s", why);
    assert_string_equal(notes_get(w->b.notes, w->first)->body,
                        notes_get(w->a.notes, w->first)->body);
    /* The recovery code still opens it. */
    if (relock(&w->b, w->recovery, true, why, sizeof why) != MENTO_OK)
        fail_msg("recovery after the change: %s", why);
    assert_non_null(notes_get(w->b.notes, w->first));

    /* Both devices change it at once: the first to reach the server holds;
     * the other takes that vault and says so. */
    if (change_password(&w->a, NEW_PASSWORD, "the laptop's password 2027", why, sizeof why) !=
        MENTO_OK)
        fail_msg("change on a: %s", why);
    if (change_password(&w->b, NEW_PASSWORD, "the phone's password 2027", why, sizeof why) !=
        MENTO_OK)
        fail_msg("change on b: %s", why);
    settle(&w->a);
    settle(&w->b);
    assert_true(notes_vault_problem(w->b.notes, why, sizeof why));
    assert_non_null(strstr(why, "another device"));
    assert_int_not_equal(relock(&w->b, "the phone's password 2027", false, why, sizeof why),
                         MENTO_OK);
    if (relock(&w->b, "the laptop's password 2027", false, why, sizeof why) != MENTO_OK)
        fail_msg("unlock b with a's password: %s", why);
    /* Unlocked with the vault the server holds: said, and done with. */
    assert_false(notes_vault_problem(w->b.notes, why, sizeof why));
    assert_non_null(notes_get(w->b.notes, w->first));

    /* Back to the first password for what follows. */
    if (change_password(&w->b, "the laptop's password 2027", PASSWORD, why, sizeof why) != MENTO_OK)
        fail_msg("change back: %s", why);
    settle(&w->b);
    settle(&w->a);
    if (relock(&w->a, PASSWORD, false, why, sizeof why) != MENTO_OK)
        fail_msg("unlock a again: %s", why);
}

/* Two devices of a new account each make the vault before either has
 * synced it: the first upload holds; the other device keeps its own vault,
 * so the note written there still opens there, and says why. */
static void two_first_vaults_lose_nothing(void **state)
{
    struct world *w = *state;
    struct harness_user u;
    person(w->h, "Twin Devices", "mentee", &u);
    struct device one = {0}, two = {0};
    device_open(w, &one, &u);
    device_open(w, &two, &u);
    make_vault(&one, NULL);
    make_vault(&two, NULL);
    struct note_draft d = {.title = "Written on the second", .body = "kept"};
    save(&two, &d);
    settle(&one);
    settle(&two); /* its vault.put: 409 */
    settle(&two);
    char why[NOTES_WHY_LEN] = "";
    assert_true(notes_vault_problem(two.notes, why, sizeof why));
    assert_non_null(strstr(why, "another device"));
    /* mento restarted (the store's copy of the server's vault is read
     * again) and unlocked: still its own vault, the note opens. */
    notes_close(&two.notes);
    char err[256];
    assert_int_equal(notes_open(&two.notes, two.store, "together", 0, err, sizeof err), MENTO_OK);
    unlock(&two);
    const struct note *x = notes_get(two.notes, d.id);
    assert_non_null(x);
    assert_string_equal(x->body, "kept");
    device_close(&one);
    device_close(&two);
}

/* ---- kill -9 while saving and syncing
 * ----------------------------------------------------------------- */

struct saved {
    char id[NOTES_ID_LEN];
    int edits; /* the last edit number reported */
};

static int integrity_ok(const char *path)
{
    sqlite3 *db = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return ok;
}

static void kill_nine_while_saving(void **state)
{
    struct world *w = *state;
    const char *helper = getenv("NOTES_HELPER");
    assert_non_null(helper);
    int kills = 200;
    const char *k = getenv("NOTES_KILLS");
    if (k && atoi(k) > 0)
        kills = atoi(k);
    struct harness_user u;
    person(w->h, "Crash Tester", "mentee", &u);
    struct device d = {0};
    device_open(w, &d, &u);
    char recovery[VAULT_RECOVERY_LEN];
    make_vault(&d, recovery);
    settle(&d);
    notes_close(&d.notes);
    net_close(&d.net);
    store_close(&d.store);

    char base[64], out_path[160];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)harness_port(w->h));
    snprintf(out_path, sizeof out_path, "%s/reports", d.dir);
    struct saved *saved = calloc(4096, sizeof *saved);
    size_t n_saved = 0;
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "# kill -9 seed %u\n", seed);
    srand(seed);
    int64_t t0 = now_ms();
    int died_by_kill = 0, in_loop = 0;
    long window = 120; /* ms; widened while kills land before the first save */
    for (int i = 0; i < kills; i++) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            dup2(fd, STDOUT_FILENO);
            char *argv[] = {(char *)helper, d.path, base, (char *)u.token, recovery, NULL};
            execv(helper, argv);
            _exit(127);
        }
        close(fd);
        /* Anywhere from the start (opening the store, unlocking) to deep in
         * the loop of saves and syncs. */
        struct timespec ts = {0, (5 + rand() % window) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            died_by_kill++;
        else
            fail_msg("the helper ended by itself (status 0x%x)", status);
        /* What it reported as saved (a line is written after the commit). */
        FILE *f = fopen(out_path, "r");
        char line[256];
        bool any = false;
        while (f && fgets(line, sizeof line, f)) {
            char id[64];
            int edits;
            if (sscanf(line, "saved %63s %d", id, &edits) != 2 || !strchr(line, '\n'))
                continue;
            size_t j = 0;
            while (j < n_saved && strcmp(saved[j].id, id) != 0)
                j++;
            if (j == n_saved) {
                assert_true(n_saved < 4096);
                snprintf(saved[n_saved++].id, NOTES_ID_LEN, "%.36s", id);
            }
            if (edits > saved[j].edits)
                saved[j].edits = edits;
            any = true;
        }
        if (f)
            fclose(f);
        /* A slow build (sanitizers) starts slowly: keep most kills in the
         * loop of saves and syncs, some in the start. */
        in_loop += any;
        window = any ? (window > 60 ? window - 5 : window) : (window < 300 ? window + 15 : window);
    }
    int64_t elapsed = now_ms() - t0;

    /* Back, cleanly: everything reported is there, once, here and on the server. */
    char err[256], why[256];
    assert_int_equal(store_open(&d.store, d.path, err, sizeof err), MENTO_OK);
    struct net_options o = {.base_url = base, .connect_timeout_s = 2};
    assert_int_equal(net_open(&d.net, &o, err, sizeof err), MENTO_OK);
    net_set_token(d.net, u.token);
    sync_init(&d.sync, d.store, d.net, "together", 9);
    assert_int_equal(notes_open(&d.notes, d.store, "together", 0, err, sizeof err), MENTO_OK);
    assert_int_equal(notes_unlock_start(d.notes, recovery, true, why, sizeof why), MENTO_OK);
    assert_int_equal(notes_unlock_wait(d.notes, why, sizeof why), MENTO_OK);
    settle(&d);
    size_t count = notes_count(d.notes);
    for (size_t j = 0; j < n_saved; j++) {
        const struct note *x = notes_get(d.notes, saved[j].id);
        if (!x)
            fail_msg("note %s was reported saved and is gone", saved[j].id);
        char mark[32];
        snprintf(mark, sizeof mark, "edit %d\n", saved[j].edits);
        if (saved[j].edits && !strstr(x->body, mark))
            fail_msg("note %s lost its edit %d", saved[j].id, saved[j].edits);
        assert_false(x->dirty);
    }
    for (size_t a = 0; a < count; a++) {
        const struct note *x = notes_at(d.notes, a);
        if (x->conflict_of[0])
            fail_msg("a conflict copy on a single device: a write was sent twice");
        for (size_t b = a + 1; b < count; b++)
            if (strcmp(x->title, notes_at(d.notes, b)->title) == 0)
                fail_msg("note \"%s\" is there twice", x->title);
    }
    struct harness_resp r = {0};
    harness_call(w->h, "GET", "/v1/programmes/together/notes?per_page=200", u.token, NULL, NULL,
                 &r);
    harness_expect_status(&r, 200);
    int64_t total = -1;
    assert_true(harness_int(r.json, "total", &total));
    assert_int_equal(total, (int64_t)count);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        if (!notes_get(d.notes, harness_str(it, "id")))
            fail_msg("the server has a note this device does not: %s", harness_str(it, "id"));
    }
    harness_resp_free(&r);
    assert_true(integrity_ok(d.path));
    assert_true(integrity_ok(harness_db_path(w->h)));
    fprintf(stderr,
            "# %d kill -9 (%d by the signal, %d after saves had begun) in %lld ms; %zu notes "
            "reported saved, %zu in the store, %lld on the server; integrity ok\n",
            kills, died_by_kill, in_loop, (long long)elapsed, n_saved, count, (long long)total);
    free(saved);
    device_close(&d);
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_between_devices),
        cmocka_unit_test(conflict_keeps_both_texts),
        cmocka_unit_test(sharing_with_the_partner),
        cmocka_unit_test(offline_share_goes_up_locked),
        cmocka_unit_test(partner_key_change_is_shown),
        cmocka_unit_test(tampered_records_do_not_open),
        cmocka_unit_test(administrators_get_nothing),
        cmocka_unit_test(empty_server_never_deletes),
        cmocka_unit_test(canary_is_nowhere),
        cmocka_unit_test(exports),
        cmocka_unit_test(pairing_end_stops_sharing),
        cmocka_unit_test(answers_missed_while_closed),
        cmocka_unit_test(password_changed_on_one_device),
        cmocka_unit_test(two_first_vaults_lose_nothing),
        cmocka_unit_test(kill_nine_while_saving),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

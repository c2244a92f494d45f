/* test_notes.c - the Notes pane from the keyboard, two people each with their
 * own mento and store against one real mentod: Amina makes her vault (the
 * recovery code shown once), writes a note with an action item in the
 * built-in editor, saves it, finds it in the list and by search, edits it
 * again; she compares fingerprints with Zoë, her mentor, and shares the note;
 * Zoë unlocks on her device and reads it. A wrong password is refused and
 * nothing is lost; the recovery code opens the notes too. The note goes
 * through $EDITOR (a script that appends a line) and comes back, with the
 * private folder left empty. A conflict between two devices is read side by
 * side and resolved; a swapped partner key is shown loudly; a record that
 * does not open is listed apart. The server's files never hold the text.
 * Screens at 80x24 are compared with tests/ui/expected/notes-*.txt. */
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "harness.h"
#include "ui_kit.h"

#define PASSWORD "a long notes password 2026"
#define CANARY   "Zebras quietly audit the seventh lighthouse"

struct world {
    struct ui u;
    char recovery[64];
    int64_t pairing;
};

enum { ZOE = 0 };

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || ui_start(&w->u) != 0 || sodium_init() < 0)
        return -1;
    struct ui *u = &w->u;
    cJSON *p = harness_profile_new("Zoë Müller");
    harness_json_set_str(p, "grade", "P-4");
    harness_json_set_str(p, "timezone", "Africa/Nairobi");
    harness_json_set(p, "languages", harness_json_strings("en|fr"));
    struct harness_account m = {.roles = "mentor", .profile = p, .capacity = 2};
    harness_register_ok(u->h, &m, &u->mentor_users[ZOE]);
    cJSON_Delete(p);
    p = harness_profile_new("Amina Diallo");
    harness_json_set_str(p, "timezone", "Africa/Nairobi");
    harness_json_set(p, "languages", harness_json_strings("en|fr"));
    char email[128];
    harness_email(u->h, "amina", email, sizeof email);
    struct harness_account a = {.email = email, .profile = p};
    harness_register_ok(u->h, &a, &u->mentee);
    cJSON_Delete(p);
    /* The pairing, made through the API: the story tests make them by key. */
    struct harness_user *zoe = &u->mentor_users[ZOE];
    struct harness_resp r = {0};
    char body[128], path[200];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)zoe->id);
    harness_call(u->h, "POST", "/v1/programmes/together/wishlist", u->mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"kind\":\"mentoring\"}", (long long)zoe->id);
    harness_call(u->h, "POST", "/v1/programmes/together/requests", u->mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    int64_t req = 0;
    if (!harness_int(r.json, "id", &req))
        return -1;
    snprintf(path, sizeof path, "/v1/programmes/together/requests/%lld/accept", (long long)req);
    harness_call(u->h, "POST", path, zoe->token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    if (!harness_int(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id", &w->pairing))
        return -1;
    harness_resp_free(&r);
    *state = w;
    /* Each logs in once on their own device. */
    char *login[] = {"mento", "login", "--server", u->url, "--email", u->mentee.email, NULL};
    if (run_mento(u, NULL, NULL, login) != 0)
        return -1;
    u->who = "-zoe";
    char *as[] = {"mento", "login", "--server", u->url, "--email", zoe->email, NULL};
    int rc = run_mento(u, NULL, NULL, as);
    u->who = NULL;
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ui_stop(&w->u);
    free(w);
    return 0;
}

/* A script for `who` (NULL: Amina's laptop; "-zoe"; "-phone": Amina's
 * second device), its %s each replaced by the test's folder, run at 80x24
 * with `option` (may be NULL) on the command line. */
static void play_as(struct world *w, const char *who, const char *option, const char *tmpl)
{
    char script[8192];
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 80 < sizeof script; p++) {
        if (p[0] == '%' && p[1] == 's') {
            o += (size_t)snprintf(script + o, sizeof script - o, "%s", w->u.dir);
            p++;
        } else {
            script[o++] = *p;
        }
    }
    script[o] = '\0';
    w->u.who = who;
    run_script_with(&w->u, "80x24", script, option);
    w->u.who = NULL;
}

static void play(struct world *w, bool zoe, const char *tmpl)
{
    play_as(w, zoe ? "-zoe" : NULL, NULL, tmpl);
}

static char *saved(struct world *w, const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s.txt", w->u.dir, name);
    char *text = read_file(path);
    if (!text)
        fail_msg("no screen %s", path);
    return text;
}

static void vault_made_and_note_written(void **state)
{
    struct world *w = *state;
    play(w, false,
         ":wait-sync\n5\n:save-display %s/notes-none.txt\n"
         "<Enter>\n:type " PASSWORD "\n<Tab>\n:type " PASSWORD "\n"
         ":save-display %s/notes-make-form.txt\n<Enter>\n"
         ":save-display %s/notes-making.txt\n:wait-unlock\n:wait-sync\n"
         ":save-display %s/notes-recovery.txt\n<Enter>\n"
         ":save-display %s/notes-empty.txt\n"
         "a\n:save-display %s/notes-new-form.txt\n<Enter>\n"
         ":type Weekly check-in\n<Enter>\n"
         ":type We talked about the move to Nairobi and the first weeks there.\n<Enter>\n"
         ":type Send the onboarding handbook\n<C-t>\n<Enter>\n"
         ":type 中文 notes keep their width: 会议记录\n"
         ":save-display %s/notes-editor.txt\n<C-s>\n:save-display %s/notes-saved.txt\n"
         "<Esc>\n:wait-sync\n:save-display %s/notes-list.txt\n"
         "/\n:type nairobi\n<Enter>\n:save-display %s/notes-found.txt\n"
         "<Esc>\n/\n:type lighthouse\n<Enter>\n:save-display %s/notes-not-found.txt\n<Esc>\n"
         ":save-state %s/notes-state.json\nq\n");
    expect_screen(&w->u, "notes-none");
    expect_screen(&w->u, "notes-make-form");
    expect_screen(&w->u, "notes-making");
    expect_screen(&w->u, "notes-recovery");
    expect_screen(&w->u, "notes-empty");
    expect_screen(&w->u, "notes-new-form");
    expect_screen(&w->u, "notes-editor");
    expect_screen(&w->u, "notes-saved");
    expect_screen(&w->u, "notes-list");
    expect_screen(&w->u, "notes-found");
    expect_screen(&w->u, "notes-not-found");
    /* The password never reached the screen; the recovery code did, once. */
    char *make = saved(w, "notes-make-form");
    assert_null(strstr(make, "password 2026"));
    free(make);
    char *rec = saved(w, "notes-recovery");
    regex_t re;
    regmatch_t m;
    assert_int_equal(regcomp(&re, "[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}", REG_EXTENDED), 0);
    assert_int_equal(regexec(&re, rec, 1, &m, 0), 0);
    snprintf(w->recovery, sizeof w->recovery, "%.*s", (int)(m.rm_eo - m.rm_so), rec + m.rm_so);
    regfree(&re);
    free(rec);
    char *list = saved(w, "notes-empty");
    assert_null(strstr(list, w->recovery));
    free(list);
    /* The vault and the note reached the server, as sealed records. */
    struct harness_resp r = {0};
    harness_call(w->u.h, "GET", "/v1/programmes/together/notes", w->u.mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 1);
    harness_resp_free(&r);
    char path[160];
    snprintf(path, sizeof path, "%s/notes-state.json", w->u.dir);
    char *st = read_file(path);
    assert_non_null(st);
    assert_non_null(strstr(st, "\"vault\":\t\"unlocked\""));
    assert_non_null(strstr(st, "\"queued\":\t0"));
    free(st);
}

/* Edit again: the item checked, a line added; closing with changes asks. */
static void note_edited_again(void **state)
{
    struct world *w = *state;
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         "<Enter>\n<Down>\n<Down>\n<C-t>\n<M-End>\n<Enter>\n:type " CANARY "\n"
         ":save-display %s/notes-edit-again.txt\n<Esc>\n"
         ":save-display %s/notes-close-ask.txt\n<Enter>\n:wait-sync\n"
         ":save-display %s/notes-edited.txt\n"
         /* One about the first session (in the plan, not booked yet)... */
         "a\n<Right>\n:save-display %s/notes-new-session.txt\n<Enter>\n"
         ":save-display %s/notes-new-empty.txt\n"
         ":type Agenda for the first session\n<Enter>\n:type [ ] Bring the CV\n<C-s>\n<Esc>\n"
         /* ... and one about nothing in particular. */
         "a\nN\n<Enter>\n:type Reading list\n<Enter>\n:type The handbook, chapter 2\n<C-s>\n"
         "<Esc>\n:wait-sync\n<Home>\n:save-display %s/notes-grouped.txt\nq\n");
    expect_screen(&w->u, "notes-edit-again");
    expect_screen(&w->u, "notes-close-ask");
    expect_screen(&w->u, "notes-edited");
    expect_screen(&w->u, "notes-new-session");
    expect_screen(&w->u, "notes-new-empty");
    expect_screen(&w->u, "notes-grouped");
    char *list = saved(w, "notes-edited");
    assert_non_null(strstr(list, "1/1 done"));
    free(list);
    list = saved(w, "notes-grouped");
    const char *a = strstr(list, "Weekly check-in"), *b = strstr(list, "Session 1"),
               *c = strstr(list, "Agenda for the first session"),
               *d = strstr(list, "Not about a pairing"), *e = strstr(list, "Reading list");
    assert_true(a && b && c && d && e && a < b && b < c && c < d && d < e);
    assert_non_null(strstr(list, "0/1 done"));
    free(list);
}

static void wrong_password_refused(void **state)
{
    struct world *w = *state;
    play(w, false,
         ":wait-sync\n5\n:save-display %s/notes-locked.txt\n<Enter>\n:type not the password\n"
         ":save-display %s/notes-unlock-form.txt\n<Enter>\n:wait-unlock\n:wait-sync\n"
         ":save-display %s/notes-wrong.txt\n"
         "<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         ":save-display %s/notes-right.txt\nL\n:save-display %s/notes-relocked.txt\nq\n");
    expect_screen(&w->u, "notes-locked");
    expect_screen(&w->u, "notes-unlock-form");
    expect_screen(&w->u, "notes-wrong");
    expect_screen(&w->u, "notes-right");
    expect_screen(&w->u, "notes-relocked");
    char *right = saved(w, "notes-right");
    assert_non_null(strstr(right, "Weekly check-in"));
    free(right);
    /* The recovery code written down opens them too. */
    char script[1024];
    snprintf(script, sizeof script,
             ":wait-sync\n5\nR\n:type %s\n:save-display %%s/notes-recovery-form.txt\n<Enter>\n"
             ":wait-unlock\n:wait-sync\n"
             ":save-display %%s/notes-recovered.txt\nq\n",
             w->recovery);
    play(w, false, script);
    expect_screen(&w->u, "notes-recovery-form");
    expect_screen(&w->u, "notes-recovered");
    char *rec = saved(w, "notes-recovery-form");
    assert_null(strstr(rec, w->recovery));
    free(rec);
}

/* Zoë makes her vault; Amina compares fingerprints and shares the note;
 * Zoë reads it on her device, and cannot change it. */
static void shared_with_the_partner(void **state)
{
    struct world *w = *state;
    play(w, true,
         ":wait-sync\n5\n<Enter>\n:type zoe's own password 42\n<Tab>\n"
         ":type zoe's own password 42\n<Enter>\n:wait-unlock\n:wait-sync\n<Enter>\nq\n");
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         "f\n:save-display %s/notes-fingerprints.txt\ny\n"
         "s\n:save-display %s/notes-share-ask.txt\ny\n:wait-sync\n"
         ":save-display %s/notes-shared.txt\nq\n");
    expect_screen(&w->u, "notes-fingerprints");
    expect_screen(&w->u, "notes-share-ask");
    expect_screen(&w->u, "notes-shared");
    play(w, true,
         ":wait-sync\n5\n<Enter>\n:type zoe's own password 42\n<Enter>\n:wait-unlock\n"
         ":wait-sync\n:save-display %s/notes-partner-list.txt\n<Enter>\n"
         ":save-display %s/notes-partner-reads.txt\nx\n"
         ":save-display %s/notes-partner-cannot-change.txt\n<Esc>\nq\n");
    expect_screen(&w->u, "notes-partner-list");
    expect_screen(&w->u, "notes-partner-reads");
    expect_screen(&w->u, "notes-partner-cannot-change");
    char *reads = saved(w, "notes-partner-reads");
    assert_non_null(strstr(reads, "Weekly check-in"));
    assert_non_null(strstr(reads, "[x] Send the onboarding handbook"));
    free(reads);
}

/* $EDITOR, when asked for: the note goes through a private file and comes
 * back with the editor's line; the folder is empty after. */
static void edited_in_editor(void **state)
{
    struct world *w = *state;
    char run[128], editor[160], path[256];
    snprintf(run, sizeof run, "%s/run", w->u.dir);
    assert_int_equal(mkdir(run, 0700), 0);
    snprintf(editor, sizeof editor, "%s/append.sh", w->u.dir);
    write_file(editor, "#!/bin/sh\n"
                       "# An editor that adds a line and leaves a swap file beside the note.\n"
                       "echo 'Added in the editor: call back on Friday' >> \"$1\"\n"
                       "echo swap > \"$(dirname \"$1\")/.note.md.swp\"\n");
    assert_int_equal(chmod(editor, 0700), 0);
    setenv("EDITOR", editor, 1);
    /* Without a private runtime folder it is refused. */
    unsetenv("XDG_RUNTIME_DIR");
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\nE\n"
         ":save-display %s/notes-editor-refused.txt\nq\n");
    expect_screen(&w->u, "notes-editor-refused");
    setenv("XDG_RUNTIME_DIR", run, 1);
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\nE\n"
         ":wait-sync\n"
         ":save-display %s/notes-editor-back.txt\ne\n<M-End>\n"
         ":save-display %s/notes-editor-text.txt\n<Esc>\nq\n");
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("EDITOR");
    expect_screen(&w->u, "notes-editor-back");
    expect_screen(&w->u, "notes-editor-text");
    char *text = saved(w, "notes-editor-text");
    assert_non_null(strstr(text, "Added in the editor: call back on Friday"));
    free(text);
    /* Nothing is left in the runtime folder: no note, no swap file. */
    DIR *d = opendir(run);
    assert_non_null(d);
    struct dirent *e;
    int left = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            fprintf(stderr, "# left in the runtime folder: %s\n", e->d_name);
            left++;
        }
    closedir(d);
    assert_int_equal(left, 0);
    /* What came back was saved: the export has it. */
    snprintf(path, sizeof path, "%s/export.md", w->u.dir);
    setenv("MENTO_NOTES_PASSWORD", PASSWORD, 1);
    char *args[] = {"mento", "--server", w->u.url, "notes", "export", "--markdown", path, NULL};
    assert_int_equal(run_mento(&w->u, NULL, NULL, args), 0);
    unsetenv("MENTO_NOTES_PASSWORD");
    char *md = read_file(path);
    assert_non_null(md);
    assert_non_null(strstr(md, "Added in the editor: call back on Friday"));
    assert_non_null(strstr(md, "- [x] Send the onboarding handbook"));
    free(md);
    unlink(path);
}

/* The note changed on Amina's phone while her laptop, offline, changed it
 * too: the laptop's text becomes a conflict copy beside the original; both
 * are read side by side, and keeping the copy makes its text the note's. */
static void conflict_copy_resolved(void **state)
{
    struct world *w = *state;
    w->u.who = "-phone";
    char *login[] = {"mento", "login", "--server", w->u.url, "--email", w->u.mentee.email, NULL};
    assert_int_equal(run_mento(&w->u, NULL, NULL, login), 0);
    w->u.who = NULL;
    play_as(w, "-phone", NULL,
            ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
            "e\n<M-End>\n<Enter>\n:type Changed on the phone.\n<C-s>\n<Esc>\n:wait-sync\n"
            ":save-display %s/notes-phone.txt\nq\n");
    expect_screen(&w->u, "notes-phone");
    play_as(w, NULL, "--offline",
            "5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n"
            "e\n<M-End>\n<Enter>\n:type Changed on the laptop, offline.\n<C-s>\n<Esc>\n"
            ":save-display %s/notes-offline-edit.txt\nq\n");
    expect_screen(&w->u, "notes-offline-edit");
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         ":save-display %s/notes-conflict.txt\n<Down>\n<Enter>\n"
         ":save-display %s/notes-compare.txt\nc\n:save-display %s/notes-keep-ask.txt\ny\n"
         ":wait-sync\n:save-display %s/notes-resolved.txt\ne\n"
         ":save-display %s/notes-resolved-text.txt\n<Esc>\nq\n");
    expect_screen(&w->u, "notes-conflict");
    expect_screen(&w->u, "notes-compare");
    expect_screen(&w->u, "notes-keep-ask");
    expect_screen(&w->u, "notes-resolved");
    expect_screen(&w->u, "notes-resolved-text");
    char *conflict = saved(w, "notes-conflict");
    assert_non_null(strstr(conflict, "conflict copy"));
    free(conflict);
    char *text = saved(w, "notes-resolved-text");
    assert_non_null(strstr(text, "Changed on the laptop, offline."));
    assert_null(strstr(text, "Changed on the phone."));
    free(text);
    /* The server has the one note, the copy gone. */
    struct harness_resp r = {0};
    harness_call(w->u.h, "GET", "/v1/programmes/together/notes", w->u.mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    int live = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
    {
        live += !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "deleted"));
    }
    assert_int_equal(live, 3);
    harness_resp_free(&r);
}

/* Amina changes her notes password on the laptop (the current one first,
 * the new one twice); the phone, after a sync, refuses the old password and
 * opens with the new one; her notes are all there. Then back, for what
 * follows. */
static void password_changed(void **state)
{
    struct world *w = *state;
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n"
         "P\n:type " PASSWORD "\n<Tab>\n:type the second notes password\n<Tab>\n"
         ":type the second notes passwort\n<Enter>\n:save-display %s/notes-password-differ.txt\n"
         "P\n:type " PASSWORD "\n<Tab>\n:type the second notes password\n<Tab>\n"
         ":type the second notes password\n:save-display %s/notes-password-form.txt\n<Enter>\n"
         ":wait-unlock\n:save-display %s/notes-password-changed.txt\n:wait-sync\nq\n");
    expect_screen(&w->u, "notes-password-differ");
    expect_screen(&w->u, "notes-password-form");
    expect_screen(&w->u, "notes-password-changed");
    char *form = saved(w, "notes-password-form");
    assert_null(strstr(form, "second notes"));
    free(form);
    play_as(w, "-phone", NULL,
            ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n"
            ":save-display %s/notes-password-old-refused.txt\n<Enter>\n"
            ":type the second notes password\n<Enter>\n:wait-unlock\n"
            ":save-display %s/notes-password-new-opens.txt\n"
            "P\n:type the second notes password\n<Tab>\n:type " PASSWORD "\n<Tab>\n:type " PASSWORD
            "\n<Enter>\n:wait-unlock\n:wait-sync\nq\n");
    expect_screen(&w->u, "notes-password-old-refused");
    expect_screen(&w->u, "notes-password-new-opens");
    char *refused = saved(w, "notes-password-old-refused");
    assert_non_null(strstr(refused, "password"));
    free(refused);
    char *opens = saved(w, "notes-password-new-opens");
    assert_non_null(strstr(opens, "Notes unlocked"));
    assert_non_null(strstr(opens, "Weekly check-in"));
    free(opens);
}

/* Someone swaps Zoë's published key: Amina's pane says so loudly, and the
 * fingerprints dialogue shows the key before and now until she accepts. */
static void changed_partner_key_shown(void **state)
{
    struct world *w = *state;
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
    struct harness_resp r = {0};
    harness_call(w->u.h, "PUT", "/v1/me/keys", w->u.mentor_users[ZOE].token, body, NULL, &r);
    harness_expect_status(&r, 200);
    harness_resp_free(&r);
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         ":save-display %s/notes-key-changed.txt\n<Enter>\nf\n"
         ":save-display %s/notes-key-accept.txt\ny\n:save-display %s/notes-key-accepted.txt\n"
         "f\n:save-display %s/notes-key-pinned.txt\n<Esc>\nq\n");
    expect_screen(&w->u, "notes-key-changed");
    expect_screen(&w->u, "notes-key-accept");
    expect_screen(&w->u, "notes-key-accepted");
    expect_screen(&w->u, "notes-key-pinned");
    char *loud = saved(w, "notes-key-changed");
    assert_non_null(strstr(loud, "CHANGED"));
    free(loud);
}

/* A record that does not open (written past mento, as a server could):
 * listed apart with its reason, never used, the notes untouched. */
static void record_that_does_not_open_listed_apart(void **state)
{
    struct world *w = *state;
    unsigned char junk[96];
    memset(junk, 0x5a, sizeof junk);
    char b64[200], body[400];
    sodium_bin2base64(b64, sizeof b64, junk, sizeof junk, sodium_base64_VARIANT_ORIGINAL);
    snprintf(body, sizeof body, "{\"base_version\":0,\"ciphertext\":\"%s\"}", b64);
    struct harness_resp r = {0};
    harness_call(w->u.h, "PUT",
                 "/v1/programmes/together/notes/6b7c3a1e-4f5d-4c2b-8a9e-1d2c3b4a5f66",
                 w->u.mentee.token, body, NULL, &r);
    harness_expect_status(&r, 201);
    harness_resp_free(&r);
    play(w, false,
         ":wait-sync\n5\n<Enter>\n:type " PASSWORD "\n<Enter>\n:wait-unlock\n:wait-sync\n"
         "<End>\n:save-display %s/notes-aside.txt\n<Enter>\n"
         ":save-display %s/notes-aside-why.txt\nq\n");
    expect_screen(&w->u, "notes-aside");
    expect_screen(&w->u, "notes-aside-why");
    char *list = saved(w, "notes-aside");
    assert_non_null(strstr(list, "Records that did not open"));
    assert_non_null(strstr(list, "6b7c3a1e"));
    assert_non_null(strstr(list, "Weekly check-in"));
    free(list);
}

/* ---- The text nowhere on the server ------------------------------------------------------ */

static bool file_has(const char *path, const char *needle)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    FILE *m = open_memstream(&data, &len);
    char chunk[1 << 14];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    fclose(f);
    bool hit = memmem(data, len, needle, strlen(needle)) != NULL;
    free(data);
    return hit;
}

/* Raw, or base64 at any of the three alignments. */
static int canary_hits(const char *path)
{
    int hits = file_has(path, CANARY);
    for (int shift = 0; shift < 3; shift++) {
        char b64[128];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)CANARY + shift,
                          strlen(CANARY) - (size_t)shift,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        b64[strlen(b64) - 4] = '\0';
        hits += file_has(path, b64);
    }
    return hits;
}

static void server_never_holds_the_text(void **state)
{
    struct world *w = *state;
    char probe[128];
    snprintf(probe, sizeof probe, "%s/probe", w->u.dir);
    write_file(probe, "xx" CANARY "yy");
    assert_true(canary_hits(probe) >= 1);
    unlink(probe);
    const char *db = harness_db_path(w->u.h);
    char paths[8][700];
    int n = 0;
    snprintf(paths[n++], sizeof paths[0], "%s", db);
    snprintf(paths[n++], sizeof paths[0], "%s-wal", db);
    /* Nor the clients' logs. */
    snprintf(paths[n++], sizeof paths[0], "%s/state/mento/mento.log", w->u.dir);
    snprintf(paths[n++], sizeof paths[0], "%s/state-zoe/mento/mento.log", w->u.dir);
    for (int i = 0; i < n; i++) {
        int hits = canary_hits(paths[i]);
        if (hits)
            fail_msg("the note's text is in %s (%d forms)", paths[i], hits);
    }
    /* The server does hold the note: sealed. */
    struct harness_resp r = {0};
    harness_call(w->u.h, "GET", "/v1/programmes/together/notes", w->u.mentee.token, NULL, NULL, &r);
    harness_expect_status(&r, 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")) >= 1);
    harness_resp_free(&r);
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->u.h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vault_made_and_note_written),
        cmocka_unit_test(note_edited_again),
        cmocka_unit_test(wrong_password_refused),
        cmocka_unit_test(shared_with_the_partner),
        cmocka_unit_test(edited_in_editor),
        cmocka_unit_test(conflict_copy_resolved),
        cmocka_unit_test(password_changed),
        cmocka_unit_test(changed_partner_key_shown),
        cmocka_unit_test(record_that_does_not_open_listed_apart),
        cmocka_unit_test(server_never_holds_the_text),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

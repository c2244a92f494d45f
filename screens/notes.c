/* notes.c - the Notes pane: the vault made or unlocked here (a password typed
 * without echo, the key derived on a worker thread while the screen stays
 * live, the recovery code shown once), then the programme's notes grouped by
 * pairing and session, searched in memory, shared with the partner once
 * their key is checked, and a conflict copy read beside its original. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <sodium.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/extedit.h"
#include "mento/rules.h"
#include "mento/text.h"
#include "notes_pane.h"

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t int_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *my_zone(struct app *app)
{
    return app->have_me && app->me.timezone ? app->me.timezone : "UTC";
}

/* Seconds since the epoch as local "YYYY-MM-DD hh:mm". */
static void local_time(struct app *app, int64_t t, char *out, size_t cap)
{
    struct rules_local_time lt;
    if (t > 0 && rules_local_time(t, my_zone(app), &lt) == MENTO_OK)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute);
    else
        snprintf(out, cap, "%s", "");
}

/* `text` word-wrapped into at most `max_rows` rows of `cols` columns from
 * (y, x); returns the rows used. */
static int put_wrapped(struct app *app, int y, int x, int cols, int max_rows, const char *text,
                       int attr)
{
    int used = 0;
    for (const char *m = text; *m && used < max_rows;) {
        size_t take = text_prefix(m, cols, NULL);
        if (m[take] && m[take] != ' ') {
            size_t sp = take;
            while (sp > 0 && m[sp] != ' ')
                sp--;
            if (sp > 0)
                take = sp;
        }
        if (take == 0)
            break;
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)take, m);
        app_put(app, y + used++, x, cols, line, attr);
        m += take;
        while (*m == ' ')
            m++;
    }
    return used;
}

/* ---- Shared with the editor ----------------------------------------------------------- */

void notes_pane_say(struct app *app, bool error, const char *lead, const char *why)
{
    char text[NOTES_WHY_LEN + 64];
    snprintf(text, sizeof text, "%s%s", lead ? lead : "", why ? why : "");
    if (text[0] >= 'a' && text[0] <= 'z')
        text[0] = (char)(text[0] - 'a' + 'A');
    size_t n = strlen(text);
    if (n && !strchr(".!?:", text[n - 1]) && n + 1 < sizeof text)
        strcat(text, ".");
    app_message(app, error, "%s", text);
}

/* The pairings in the order the list shows them: current ones first, then
 * the newest. A new array. */
static cJSON *pairings_in_order(struct app *app)
{
    cJSON *all = store_list(app->store, app->opt.programme, "pairings");
    cJSON *out = cJSON_CreateArray();
    int n = cJSON_GetArraySize(all);
    bool *taken = n > 0 ? calloc((size_t)n, sizeof *taken) : NULL;
    for (int k = 0; out && taken && k < n; k++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (taken[i])
                continue;
            const cJSON *p = cJSON_GetArrayItem(all, i), *b = cJSON_GetArrayItem(all, best);
            bool active = strcmp(str_of(p, "state"), "active") == 0;
            bool b_active = best >= 0 && strcmp(str_of(b, "state"), "active") == 0;
            if (best < 0 || (active && !b_active) ||
                (active == b_active &&
                 strcmp(str_of(p, "started_at"), str_of(b, "started_at")) > 0))
                best = i;
        }
        taken[best] = true;
        cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(all, best), 1));
    }
    free(taken);
    cJSON_Delete(all);
    return out;
}

static cJSON *pairing_get(struct app *app, int64_t pairing)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)pairing);
    return store_get(app->store, app->opt.programme, "pairings", key);
}

static cJSON *session_get(struct app *app, int64_t session)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)session);
    return store_get(app->store, app->opt.programme, "sessions", key);
}

void notes_pane_partner(struct app *app, int64_t pairing, char *out, size_t cap)
{
    cJSON *p = pairing ? pairing_get(app, pairing) : NULL;
    const char *name = str_of(cJSON_GetObjectItemCaseSensitive(p, "partner"), "name");
    snprintf(out, cap, "%s", *name ? name : "your partner");
    cJSON_Delete(p);
}

void notes_pane_about(struct app *app, int64_t pairing, int64_t session, char *out, size_t cap)
{
    if (!pairing) {
        snprintf(out, cap, "nothing in particular");
        return;
    }
    char who[128];
    notes_pane_partner(app, pairing, who, sizeof who);
    cJSON *s = session ? session_get(app, session) : NULL;
    if (s)
        snprintf(out, cap, "session %lld with %s", (long long)int_of(s, "number"), who);
    else if (session)
        snprintf(out, cap, "a session with %s", who);
    else
        snprintf(out, cap, "the pairing with %s", who);
    cJSON_Delete(s);
}

/* ---- The notes core's life ---------------------------------------------------------------- */

static void wake(void *arg)
{
    net_wakeup(arg);
}

/* Open the notes core once the store knows whose it is. */
static void core_open(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->notes)
        return;
    char err[256];
    if (notes_open(&p->notes, app->store, app->opt.programme, 0, err, sizeof err) != MENTO_OK) {
        p->notes = NULL;
        if (app->opt.log && strstr(err, "sync once") == NULL)
            fprintf(app->opt.log, "notes: %s\n", err);
        return;
    }
    if (app->net)
        notes_set_wakeup(p->notes, wake, app->net);
    p->keys_checked = -1;
}

static void secret_free(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->secret) {
        /* A dialogue still showing the password field lets go of it. */
        for (size_t i = 0; i < app->form.n_fields; i++)
            if (app->form.fields[i].secret >= p->secret &&
                app->form.fields[i].secret < p->secret + 3 * FORM_TEXT_MAX) {
                form_wipe(&app->form);
                app->form_open = false;
                break;
            }
        sodium_free(p->secret);
        p->secret = NULL;
    }
}

static void recovery_free(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->recovery) {
        if (app->form_open && app->form.message == p->recovery) {
            app->form_open = false;
            app->form.message = NULL;
        }
        sodium_free(p->recovery);
        p->recovery = NULL;
    }
    p->recovery_open = false;
}

static void notes_pane_open(struct app *app)
{
    core_open(app);
}

static void notes_pane_done(struct app *app)
{
    struct notes_pane *p = &app->notes;
    notes_pane_close_editor(app);
    secret_free(app);
    recovery_free(app);
    notes_close(&p->notes);
    p->working = p->creating = p->comparing = p->changing = false;
    p->words[0] = p->selected[0] = '\0';
}

static void notes_store_changed(struct app *app)
{
    core_open(app);
}

/* ---- Unlocking ------------------------------------------------------------------------------ */

static void recovery_read(struct app *app, enum form_result r)
{
    (void)r;
    recovery_free(app);
    app_message(app, false, "Your notes are open. a writes a note; ? lists every key");
}

/* The recovery code of the vault just made, in a notice of its own (when no
 * other dialogue is open). */
static void recovery_show(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (!p->recovery || p->recovery_open || app->form_open)
        return;
    form_init(&app->form, "Write down your recovery code", p->recovery);
    app->form.notice = true;
    app_form_open(app, recovery_read, 0);
    p->recovery_open = true;
}

static void unlocked(struct app *app)
{
    struct notes_pane *p = &app->notes;
    app->message[0] = '\0';
    /* What the unlock queued (a new vault and keys, answers taken up) goes
     * up now. */
    if (app->net)
        sync_request(&app->sync);
    if (p->creating) {
        char code[VAULT_RECOVERY_LEN];
        p->recovery = sodium_malloc(1024);
        if (p->recovery && notes_recovery_code(p->notes, code)) {
            snprintf(p->recovery, 1024,
                     "Your notes vault is made. Its recovery code is shown this once: write it "
                     "on paper and keep it apart from this device.\n\n    %s\n\nWith it you can "
                     "open your notes if you forget the password (R on the Notes pane).",
                     code);
            sodium_memzero(code, sizeof code);
            recovery_show(app);
        } else {
            recovery_free(app);
            app_message(app, true, "The vault is made, but its recovery code could not be shown");
        }
        return;
    }
    size_t n = notes_count(p->notes);
    app_message(app, false, "Notes unlocked: %zu note%s", n, n == 1 ? "" : "s");
}

static void password_given(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    if (r == FORM_ACCEPTED && p->notes && p->secret && p->change_form) {
        const char *cur = p->secret, *a = p->secret + FORM_TEXT_MAX,
                   *b = p->secret + 2 * FORM_TEXT_MAX;
        size_t la = strlen(a), lb = strlen(b);
        char why[NOTES_WHY_LEN] = "";
        if (la != lb || sodium_memcmp(a, b, la) != 0) {
            app_message(app, true, "The two new passwords differ: the password was not changed");
        } else if (notes_password_change_start(p->notes, cur, a, NULL, why, sizeof why) ==
                   MENTO_OK) {
            p->changing = true;
            app_message(app, false,
                        "Changing the notes password: the new key is derived on this device…");
        } else {
            notes_pane_say(app, true, "The password was not changed: ", why);
        }
        form_wipe(&app->form);
        secret_free(app);
        return;
    }
    if (r == FORM_ACCEPTED && p->notes && p->secret) {
        char why[NOTES_WHY_LEN] = "";
        mento_status st;
        if (p->creating) {
            const char *a = p->secret, *b = p->secret + FORM_TEXT_MAX;
            size_t la = strlen(a), lb = strlen(b);
            if (la != lb || sodium_memcmp(a, b, la) != 0) {
                app_message(app, true,
                            "The two passwords differ: no vault was made. Enter to try again");
                secret_free(app);
                return;
            }
            st = notes_vault_create_start(p->notes, a, NULL, why, sizeof why);
        } else {
            st = notes_unlock_start(p->notes, p->secret, p->recovering, why, sizeof why);
        }
        if (st == MENTO_OK) {
            p->working = true;
            app_message(app, false, "%s",
                        p->creating ? "Making the vault: the key is derived on this device…"
                                    : "Unlocking: the key is derived on this device…");
        } else {
            notes_pane_say(app, true, p->creating ? "No vault was made: " : "", why);
        }
    }
    form_wipe(&app->form);
    secret_free(app);
}

/* The dialogue that asks for the password (or the recovery code); two
 * password fields when the vault is to be made. */
static void password_open(struct app *app, bool recovery)
{
    struct notes_pane *p = &app->notes;
    if (!p->notes) {
        app_message(app, true,
                    "Notes open after the first sync: the store does not know your "
                    "account yet");
        return;
    }
    enum notes_vault_state vs = notes_vault_state(p->notes);
    if (vs == NOTES_VAULT_WORKING || p->working) {
        app_message(app, false, "The key is being derived: a moment");
        return;
    }
    if (vs == NOTES_VAULT_UNLOCKED) {
        app_message(app, false, "The notes are unlocked");
        return;
    }
    if (vs == NOTES_VAULT_NONE && recovery) {
        app_message(app, true, "There is no notes vault yet, so no recovery code: Enter makes one");
        return;
    }
    secret_free(app);
    /* No core dump and no tracing from here on: the password is typed next. */
    notes_harden_process();
    p->secret = sodium_malloc(3 * FORM_TEXT_MAX);
    if (!p->secret) {
        app_message(app, true, "Out of memory for the password");
        return;
    }
    p->creating = vs == NOTES_VAULT_NONE;
    p->recovering = recovery;
    p->change_form = false;
    struct form_field *f;
    if (p->creating) {
        form_init(&app->form, "Make your notes vault",
                  "Choose a notes password of 10 characters or more. Your notes open only with "
                  "it (or with the recovery code shown next); it never leaves this device.");
        f = form_add(&app->form, FORM_PASSWORD, "Password", true);
        form_secret(f, p->secret, FORM_TEXT_MAX);
        f = form_add(&app->form, FORM_PASSWORD, "Again", true);
        form_secret(f, p->secret + FORM_TEXT_MAX, FORM_TEXT_MAX);
    } else if (recovery) {
        form_init(&app->form, "Unlock your notes with the recovery code",
                  "The code shown when the vault was made: 26 letters and digits (dashes and "
                  "case do not matter).");
        f = form_add(&app->form, FORM_PASSWORD, "Recovery code", true);
        form_secret(f, p->secret, FORM_TEXT_MAX);
    } else {
        char k[32] = "";
        app_first_key(app, SCREEN_NOTES, REQ_NOTES_RECOVER, k, sizeof k);
        snprintf(app->form_text, sizeof app->form_text, "Your notes password.%s%s%s",
                 k[0] ? " Forgotten? Esc, then " : "", k, k[0] ? " to use the recovery code." : "");
        form_init(&app->form, "Unlock your notes", app->form_text);
        f = form_add(&app->form, FORM_PASSWORD, "Password", true);
        form_secret(f, p->secret, FORM_TEXT_MAX);
    }
    app_form_open(app, password_given, 0);
}

static void password_changed_done(struct app *app)
{
    if (app->net)
        sync_request(&app->sync);
    app_message(app, false,
                "Notes password changed: your other devices take it with their next sync");
}

/* The dialogue of a password change: the current password and the new one
 * twice. */
static void password_change_open(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->changing || p->working) {
        app_message(app, false, "A key is being derived: a moment");
        return;
    }
    secret_free(app);
    p->secret = sodium_malloc(3 * FORM_TEXT_MAX);
    if (!p->secret) {
        app_message(app, true, "Out of memory for the password");
        return;
    }
    p->change_form = true;
    form_init(&app->form, "Change your notes password",
              "Only the key that opens your notes is wrapped again: the notes, what you share "
              "and the recovery code stay as they are. Your other devices unlock with the new "
              "password after their next sync. At least 10 characters.");
    struct form_field *f = form_add(&app->form, FORM_PASSWORD, "Current", true);
    form_secret(f, p->secret, FORM_TEXT_MAX);
    f = form_add(&app->form, FORM_PASSWORD, "New", true);
    form_secret(f, p->secret + FORM_TEXT_MAX, FORM_TEXT_MAX);
    f = form_add(&app->form, FORM_PASSWORD, "Again", true);
    form_secret(f, p->secret + 2 * FORM_TEXT_MAX, FORM_TEXT_MAX);
    app_form_open(app, password_given, 0);
}

/* What the server refused of the vault (a password change another device's
 * beat), in a notice once per text. */
static void check_vault_problem(struct app *app)
{
    struct notes_pane *p = &app->notes;
    char problem[NOTES_WHY_LEN];
    if (app->form_open || !notes_vault_problem(p->notes, problem, sizeof problem) ||
        strcmp(problem, p->problem_seen) == 0)
        return;
    snprintf(p->problem_seen, sizeof p->problem_seen, "%s", problem);
    snprintf(app->form_text, sizeof app->form_text, "%c%s.", toupper((unsigned char)problem[0]),
             problem + 1);
    form_init(&app->form, "Your notes vault", app->form_text);
    app->form.notice = true;
    app_form_open(app, NULL, 0);
}

/* A partner's key that changed, shown loudly once per key (a notice). */
static void check_partner_keys(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (p->keys_checked == app->store_version || app->form_open ||
        notes_vault_state(p->notes) != NOTES_VAULT_UNLOCKED)
        return;
    p->keys_checked = app->store_version;
    cJSON *pairings = pairings_in_order(app);
    const cJSON *it;
    cJSON_ArrayForEach(it, pairings)
    {
        if (strcmp(str_of(it, "state"), "active") != 0)
            continue;
        struct notes_partner np;
        int64_t pairing = int_of(it, "id");
        if (notes_partner_key_state(p->notes, pairing, &np) != MENTO_OK ||
            np.state != NOTES_PARTNER_CHANGED || strcmp(np.fingerprint, p->warned) == 0)
            continue;
        snprintf(p->warned, sizeof p->warned, "%s", np.fingerprint);
        char who[128], k[32] = "";
        notes_pane_partner(app, pairing, who, sizeof who);
        app_first_key(app, SCREEN_NOTES, REQ_FINGERPRINTS, k, sizeof k);
        snprintf(app->form_title, sizeof app->form_title, "%s's notes key has CHANGED", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "Before: %s\nNow:    %s\n\nIt may be a new device of theirs, or someone in "
                 "between. Sharing with them is stopped. Ask %s to read out their fingerprint "
                 "in person or on a call; %s on the Notes pane accepts the key once it matches.",
                 np.pinned_fingerprint, np.fingerprint, who, k[0] ? k : "fingerprints");
        form_init(&app->form, app->form_title, app->form_text);
        app->form.notice = true;
        app_form_open(app, NULL, 0);
        break;
    }
    cJSON_Delete(pairings);
}

static void notes_tick(struct app *app)
{
    struct notes_pane *p = &app->notes;
    if (!p->notes)
        return;
    recovery_show(app);
    if (p->changing || p->working) {
        /* The worker of an unlock, a creation or a password change. */
        bool done = false;
        char why[NOTES_WHY_LEN] = "";
        mento_status st = notes_unlock_poll(p->notes, &done, why, sizeof why);
        if (st == MENTO_OK && !done)
            return;
        app->dirty = true;
        app->message[0] = '\0';
        if (p->changing) {
            p->changing = false;
            if (st != MENTO_OK)
                notes_pane_say(app, true, "The password was not changed: ", why);
            else
                password_changed_done(app);
            return;
        }
        p->working = false;
        if (st != MENTO_OK) {
            /* Nothing changed: the same key tries again. */
            char enter[32] = "", k[32] = "", more[NOTES_WHY_LEN + 128];
            app_first_key(app, SCREEN_NOTES, REQ_ENTER, enter, sizeof enter);
            app_first_key(app, SCREEN_NOTES, REQ_NOTES_RECOVER, k, sizeof k);
            bool offer = !p->creating && !p->recovering && k[0];
            snprintf(more, sizeof more, "%s. %s tries again%s%s%s", why, enter[0] ? enter : "enter",
                     offer ? "; " : "", offer ? k : "", offer ? " uses the recovery code" : "");
            notes_pane_say(app, true, p->creating ? "The vault was not made: " : "", more);
            return;
        }
        unlocked(app);
        return;
    }
    if (app->screen == SCREEN_NOTES) {
        check_vault_problem(app);
        check_partner_keys(app);
    }
}

/* ---- The list ----------------------------------------------------------------------------------
 */

enum row_kind { ROW_PAIRING, ROW_SESSION, ROW_NOTE, ROW_ASIDE_HEAD, ROW_ASIDE, ROW_BLANK };

struct row {
    enum row_kind kind;
    size_t i; /* a note (notes_at) or a record kept aside */
    char text[160];
};

struct aside {
    char id[NOTES_ID_LEN + 8];
    char why[NOTES_WHY_LEN];
};

struct view {
    struct row *rows;
    size_t n_rows;
    size_t *pick; /* the rows that can be selected */
    size_t n_pick;
    struct aside *aside;
    size_t n_aside;
    size_t total, shown;
};

static void view_free(struct view *v)
{
    free(v->rows);
    free(v->pick);
    free(v->aside);
    memset(v, 0, sizeof *v);
}

struct hits {
    struct notes *n;
    bool *keep;
    size_t total;
};

static bool search_hit(const struct note *x, void *arg)
{
    struct hits *h = arg;
    for (size_t i = 0; i < h->total; i++)
        if (strcmp(notes_at(h->n, i)->id, x->id) == 0)
            h->keep[i] = true;
    return true;
}

static bool aside_add(const char *id, const char *why, void *arg)
{
    struct view *v = arg;
    struct aside *a = realloc(v->aside, (v->n_aside + 1) * sizeof *a);
    if (!a)
        return false;
    v->aside = a;
    snprintf(a[v->n_aside].id, sizeof a[0].id, "%s", id ? id : "");
    snprintf(a[v->n_aside].why, sizeof a[0].why, "%s", why ? why : "");
    v->n_aside++;
    return true;
}

struct placed {
    size_t i;
    long prank, srank;
    int64_t anchor_time;
    const char *anchor_id;
    int copy;
    int64_t updated;
};

static int by_place(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->prank != y->prank)
        return x->prank < y->prank ? -1 : 1;
    if (x->srank != y->srank)
        return x->srank < y->srank ? -1 : 1;
    if (x->anchor_time != y->anchor_time)
        return x->anchor_time > y->anchor_time ? -1 : 1;
    int c = strcmp(x->anchor_id, y->anchor_id);
    if (c)
        return c;
    if (x->copy != y->copy)
        return x->copy - y->copy;
    return x->updated > y->updated ? -1 : x->updated < y->updated;
}

static bool row_add(struct view *v, size_t cap, enum row_kind kind, size_t i, const char *text)
{
    if (v->n_rows >= cap)
        return false;
    struct row *r = &v->rows[v->n_rows++];
    r->kind = kind;
    r->i = i;
    snprintf(r->text, sizeof r->text, "%s", text ? text : "");
    if (kind == ROW_NOTE || kind == ROW_ASIDE)
        v->pick[v->n_pick++] = v->n_rows - 1;
    return true;
}

/* The list as shown: notes (those holding the words looked for) grouped
 * by pairing, current pairings first, then by session; a conflict copy
 * right after its original; then the records that did not open. */
static void view_build(struct app *app, struct view *v)
{
    memset(v, 0, sizeof *v);
    struct notes *n = app->notes.notes;
    size_t total = notes_count(n);
    v->total = total;
    bool *keep = calloc(total + 1, sizeof *keep);
    struct placed *pl = calloc(total + 1, sizeof *pl);
    notes_aside(n, aside_add, v);
    /* A note may bring a blank, its pairing's and its session's headings. */
    size_t cap = 4 * total + v->n_aside + 4;
    v->rows = calloc(cap, sizeof *v->rows);
    v->pick = calloc(cap, sizeof *v->pick);
    cJSON *pairings = pairings_in_order(app);
    cJSON *sessions = store_list(app->store, app->opt.programme, "sessions");
    if (!keep || !pl || !v->rows || !v->pick) {
        free(keep);
        free(pl);
        cJSON_Delete(pairings);
        cJSON_Delete(sessions);
        view_free(v);
        return;
    }
    if (app->notes.words[0]) {
        struct hits h = {.n = n, .keep = keep, .total = total};
        notes_search(n, app->notes.words, search_hit, &h);
    } else {
        for (size_t i = 0; i < total; i++)
            keep[i] = true;
    }
    long n_pairings = cJSON_GetArraySize(pairings);
    size_t m = 0;
    for (size_t i = 0; i < total; i++) {
        if (!keep[i])
            continue;
        const struct note *x = notes_at(n, i);
        struct placed *q = &pl[m++];
        q->i = i;
        q->updated = x->updated_at;
        q->prank = x->pairing ? n_pairings + 1 : n_pairings + 2;
        long k = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, pairings)
        {
            if (int_of(it, "id") == x->pairing)
                q->prank = k;
            k++;
        }
        q->srank = 0;
        if (x->session) {
            q->srank = 100000 + x->session;
            cJSON_ArrayForEach(it, sessions)
            {
                if (int_of(it, "id") == x->session)
                    q->srank = int_of(it, "number");
            }
        }
        q->anchor_time = x->updated_at;
        q->anchor_id = x->id;
        const struct note *o = x->conflict_of[0] ? notes_get(n, x->conflict_of) : NULL;
        if (o && o->pairing == x->pairing && o->session == x->session) {
            q->anchor_time = o->updated_at;
            q->anchor_id = o->id;
            q->copy = 1;
        }
    }
    v->shown = m;
    qsort(pl, m, sizeof *pl, by_place);
    int64_t last_pairing = -1, last_session = -1;
    char text[200];
    for (size_t k = 0; k < m; k++) {
        const struct note *x = notes_at(n, pl[k].i);
        if (x->pairing != last_pairing) {
            if (last_pairing != -1)
                row_add(v, cap, ROW_BLANK, 0, NULL);
            cJSON *p = x->pairing ? pairing_get(app, x->pairing) : NULL;
            if (!x->pairing)
                snprintf(text, sizeof text, "Not about a pairing");
            else if (p)
                snprintf(text, sizeof text, "With %s · %s pairing",
                         str_of(cJSON_GetObjectItemCaseSensitive(p, "partner"), "name"),
                         strcmp(str_of(p, "state"), "active") == 0 ? "current" : "past");
            else
                snprintf(text, sizeof text, "Pairing %lld", (long long)x->pairing);
            cJSON_Delete(p);
            row_add(v, cap, ROW_PAIRING, 0, text);
            last_pairing = x->pairing;
            last_session = 0;
        }
        if (x->session != last_session) {
            cJSON *s = session_get(app, x->session);
            char when[32] = "";
            int64_t t = 0;
            if (s && *str_of(s, "starts_at") &&
                codec_time_parse(str_of(s, "starts_at"), &t) == MENTO_OK)
                local_time(app, t, when, sizeof when);
            if (s)
                snprintf(text, sizeof text, "Session %lld · %s", (long long)int_of(s, "number"),
                         when[0] ? when : "not booked");
            else
                snprintf(text, sizeof text, "Session (no longer in the plan)");
            cJSON_Delete(s);
            row_add(v, cap, ROW_SESSION, 0, text);
            last_session = x->session;
        }
        row_add(v, cap, ROW_NOTE, pl[k].i, NULL);
    }
    if (v->n_aside) {
        if (v->n_rows)
            row_add(v, cap, ROW_BLANK, 0, NULL);
        row_add(v, cap, ROW_ASIDE_HEAD, 0, "Records that did not open (kept apart, never used)");
        for (size_t i = 0; i < v->n_aside; i++)
            row_add(v, cap, ROW_ASIDE, i, NULL);
    }
    free(keep);
    free(pl);
    cJSON_Delete(pairings);
    cJSON_Delete(sessions);
}

/* The selection (an index of v->pick), kept on the same note across
 * changes when it is still there. */
static size_t view_selected(struct app *app, const struct view *v)
{
    struct notes_pane *p = &app->notes;
    size_t *sel = &app->sel[SCREEN_NOTES];
    if (p->selected[0])
        for (size_t k = 0; k < v->n_pick; k++) {
            const struct row *r = &v->rows[v->pick[k]];
            if (r->kind == ROW_NOTE && strcmp(notes_at(p->notes, r->i)->id, p->selected) == 0) {
                *sel = k;
                return k;
            }
        }
    if (*sel >= v->n_pick)
        *sel = v->n_pick ? v->n_pick - 1 : 0;
    return *sel;
}

static void select_pick(struct app *app, const struct view *v, size_t k)
{
    struct notes_pane *p = &app->notes;
    app->sel[SCREEN_NOTES] = k;
    p->selected[0] = '\0';
    if (k < v->n_pick && v->rows[v->pick[k]].kind == ROW_NOTE)
        snprintf(p->selected, sizeof p->selected, "%s",
                 notes_at(p->notes, v->rows[v->pick[k]].i)->id);
}

/* The selected note, or NULL (none, or a record that did not open). */
static const struct note *selected_note(struct app *app)
{
    struct notes_pane *p = &app->notes;
    struct view v;
    view_build(app, &v);
    size_t k = view_selected(app, &v);
    const struct note *x = k < v.n_pick && v.rows[v.pick[k]].kind == ROW_NOTE
                               ? notes_at(p->notes, v.rows[v.pick[k]].i)
                               : NULL;
    if (x)
        snprintf(p->selected, sizeof p->selected, "%s", x->id);
    view_free(&v);
    return x;
}

static void items_done(const struct note *x, char *out, size_t cap)
{
    size_t done = 0;
    for (size_t i = 0; i < x->n_items; i++)
        done += x->items[i].done;
    if (x->n_items)
        snprintf(out, cap, "%zu/%zu done", done, x->n_items);
    else
        out[0] = '\0';
}

/* The marks of a note: shared or whose, conflict copy, not sent, refused,
 * action items done. */
static void note_marks(struct app *app, const struct note *x, char *out, size_t cap)
{
    const char *marks[6];
    size_t n = 0;
    char items[48];
    if (!x->mine)
        marks[n++] = "partner's";
    else if (x->shared)
        marks[n++] = "shared";
    if (x->conflict_of[0])
        marks[n++] =
            notes_get(app->notes.notes, x->conflict_of) ? "conflict copy" : "copy, original gone";
    if (x->dirty)
        marks[n++] = "not sent";
    if (x->problem[0])
        marks[n++] = "refused";
    items_done(x, items, sizeof items);
    if (items[0])
        marks[n++] = items;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? ", " : "", marks[i]);
}

static void hint(struct app *app, int y, int cols, const enum request *reqs,
                 const char *const *words, size_t n)
{
    char line[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char keys[32];
        app_first_key(app, SCREEN_NOTES, reqs[i], keys, sizeof keys);
        if (!keys[0])
            continue;
        char piece[96];
        snprintf(piece, sizeof piece, "%s%s %s", used ? " · " : "", keys, words[i]);
        if (text_width(line) + text_width(piece) > cols)
            break;
        snprintf(line + used, sizeof line - used, "%s", piece);
        used = strlen(line);
    }
    app_put(app, y, 0, cols, line, A_DIM);
}

static void list_draw(struct app *app, int top, int rows, int cols)
{
    struct notes_pane *p = &app->notes;
    struct view v;
    view_build(app, &v);
    size_t k = view_selected(app, &v);
    char head[400];
    if (p->words[0])
        snprintf(head, sizeof head, "Notes holding \"%s\": %zu of %zu", p->words, v.shown, v.total);
    else
        snprintf(head, sizeof head, "Notes · %zu · unlocked on this device", v.total);
    app_put(app, top, 0, cols, head, A_BOLD);
    if (v.total == 0 && v.n_aside == 0) {
        char a[32] = "";
        app_first_key(app, SCREEN_NOTES, REQ_NOTE_NEW, a, sizeof a);
        char line[200];
        snprintf(line, sizeof line,
                 "No notes yet. %s writes one about your pairing or a session; only you can "
                 "read it, unless you share it with your partner.",
                 a[0] ? a : "note-new");
        put_wrapped(app, top + 2, 2, cols - 4, rows - 4, line, 0);
    } else if (v.n_pick == 0) {
        app_put(app, top + 2, 2, cols - 4, "No note holds these words (Esc shows them all)", 0);
    }
    /* Rows between the header and the two lines at the bottom. */
    int shown = rows - 4 > 1 ? rows - 4 : 1;
    size_t *first = &app->top[SCREEN_NOTES];
    size_t at = k < v.n_pick ? v.pick[k] : 0;
    /* Keep the selected row in view, with its headings when there is room. */
    size_t want = at;
    while (want > 0 && v.rows[want - 1].kind != ROW_NOTE && v.rows[want - 1].kind != ROW_ASIDE &&
           v.rows[want - 1].kind != ROW_BLANK && at - want + 1 < (size_t)shown)
        want--;
    if (want < *first)
        *first = want;
    if (at >= *first + (size_t)shown)
        *first = at - (size_t)shown + 1;
    if (*first > v.n_rows)
        *first = 0;
    /* The marks' column as wide as the widest marks (within bounds); the
     * title has the rest. */
    int time_w = 16, marks_w = 12;
    for (size_t i = 0; i < v.n_rows; i++)
        if (v.rows[i].kind == ROW_NOTE) {
            char m[200];
            note_marks(app, notes_at(p->notes, v.rows[i].i), m, sizeof m);
            int mw = text_width(m);
            marks_w = mw > marks_w ? mw : marks_w;
        }
    if (marks_w > cols - 4 - 2 - time_w - 2 - 20)
        marks_w = cols - 4 - 2 - time_w - 2 - 20; /* a title keeps 20 columns */
    int title_w = cols - 4 - 2 - time_w - 2 - marks_w;
    int y = top + 2;
    for (size_t i = *first; i < v.n_rows && y < top + 2 + shown; i++, y++) {
        const struct row *r = &v.rows[i];
        bool sel = k < v.n_pick && v.pick[k] == i;
        char line[1200], a[600], b[200], when[32];
        switch (r->kind) {
        case ROW_BLANK:
            break;
        case ROW_PAIRING:
        case ROW_ASIDE_HEAD:
            app_put(app, y, 0, cols, r->text, A_BOLD);
            break;
        case ROW_SESSION:
            app_put(app, y, 2, cols - 2, r->text, A_BOLD);
            break;
        case ROW_NOTE: {
            const struct note *x = notes_at(p->notes, r->i);
            const struct note *o = x->conflict_of[0] ? notes_get(p->notes, x->conflict_of) : NULL;
            char title[NOTES_TITLE_MAX + 8];
            snprintf(title, sizeof title, "%s%s", o ? "↳ " : "",
                     x->title[0] ? x->title : "(untitled)");
            text_fit_pad(title, title_w, a, sizeof a);
            local_time(app, x->updated_at, when, sizeof when);
            note_marks(app, x, b, sizeof b);
            char marks[200];
            text_fit_pad(b, marks_w, marks, sizeof marks);
            snprintf(line, sizeof line, "%s  %-16s  %s", a, when, marks);
            app_put(app, y, 4, cols - 4, line, sel ? A_REVERSE : 0);
            break;
        }
        case ROW_ASIDE: {
            const struct aside *s = &v.aside[r->i];
            snprintf(line, sizeof line, "%.8s…  %s", s->id, s->why);
            app_put(app, y, 4, cols - 4, line, sel ? A_REVERSE : 0);
            break;
        }
        }
    }
    /* What the selected entry is about, or why it did not open. */
    if (k < v.n_pick) {
        const struct row *r = &v.rows[v.pick[k]];
        char line[800], about[200], who[128];
        int attr = 0;
        struct notes_partner np;
        if (r->kind == ROW_ASIDE) {
            snprintf(line, sizeof line, "%s: %s", v.aside[r->i].id, v.aside[r->i].why);
        } else {
            const struct note *x = notes_at(p->notes, r->i);
            notes_pane_about(app, x->pairing, x->session, about, sizeof about);
            notes_pane_partner(app, x->pairing, who, sizeof who);
            snprintf(line, sizeof line, "About %s%s%s%s%s", about,
                     x->mine && x->shared ? " · shared with " : "", x->mine && x->shared ? who : "",
                     x->problem[0] ? " · " : "", x->problem);
            if (!x->mine)
                snprintf(line, sizeof line, "%s's note about %s, shared with you: read only", who,
                         about);
            if (x->pairing && notes_partner_key_state(p->notes, x->pairing, &np) == MENTO_OK &&
                np.state == NOTES_PARTNER_CHANGED) {
                /* Loud until it is settled. */
                char f[32] = "";
                app_first_key(app, SCREEN_NOTES, REQ_FINGERPRINTS, f, sizeof f);
                snprintf(line, sizeof line,
                         "%s's key CHANGED: sharing stops until you compare fingerprints (%s)", who,
                         f[0] ? f : "fingerprints");
                attr = A_BOLD | A_REVERSE;
            }
        }
        app_put(app, top + rows - 2, 0, cols, line, attr);
    }
    static const enum request reqs[] = {
        REQ_ENTER,  REQ_NOTE_NEW,     REQ_NOTE_SHARE,         REQ_NOTE_DELETE,
        REQ_SEARCH, REQ_FINGERPRINTS, REQ_NOTE_EDIT_EXTERNAL, REQ_NOTES_LOCK};
    static const char *const words[] = {"open", "new",          "share",   "delete",
                                        "find", "fingerprints", "$EDITOR", "lock"};
    hint(app, top + rows - 1, cols, reqs, words, sizeof reqs / sizeof reqs[0]);
    view_free(&v);
}

static void locked_draw(struct app *app, int top, int rows, int cols)
{
    struct notes_pane *p = &app->notes;
    app_put(app, top, 0, cols, "Notes", A_BOLD);
    int y = top + 2, room = rows - 3;
    y += put_wrapped(app, y, 2, cols - 4, room,
                     "Private session notes, encrypted on this device before they are stored "
                     "or sent: the programme's administrators and the server's operator cannot "
                     "read them.",
                     0);
    y++;
    char line[400], enter[32] = "", rec[32] = "";
    app_first_key(app, SCREEN_NOTES, REQ_ENTER, enter, sizeof enter);
    app_first_key(app, SCREEN_NOTES, REQ_NOTES_RECOVER, rec, sizeof rec);
    enum notes_vault_state vs = p->notes ? notes_vault_state(p->notes) : NOTES_VAULT_NONE;
    room = top + rows - y;
    if (!p->notes) {
        put_wrapped(app, y, 2, cols - 4, room,
                    app->net ? "Notes open after the first sync: the store does not know your "
                               "account yet."
                             : "Notes open after a first sync online: this store does not know "
                               "your account yet.",
                    0);
    } else if (p->working || vs == NOTES_VAULT_WORKING) {
        y += put_wrapped(app, y, 2, cols - 4, room,
                         p->creating ? "Making your vault: the key is being derived on this device…"
                                     : "Unlocking: the key is being derived on this device…",
                         A_BOLD);
        app_put(app, y, 2, cols - 4, "The other panes work meanwhile.", 0);
    } else if (vs == NOTES_VAULT_NONE) {
        snprintf(line, sizeof line,
                 "No notes vault yet. %s makes one: you choose a notes password, and a recovery "
                 "code is shown once.",
                 enter[0] ? enter : "enter");
        put_wrapped(app, y, 2, cols - 4, room, line, 0);
    } else {
        snprintf(line, sizeof line,
                 "Your notes are locked. %s unlocks them with your notes password%s%s%s.",
                 enter[0] ? enter : "enter", rec[0] ? "; " : "", rec,
                 rec[0] ? " with the recovery code" : "");
        put_wrapped(app, y, 2, cols - 4, room, line, 0);
    }
}

/* ---- A note and its conflict copy, side by side -----------------------------------------------
 */

/* The pair a note belongs to: (original, copy), or false. */
static bool conflict_pair(struct app *app, const struct note *x, char *original, char *copy)
{
    struct notes *n = app->notes.notes;
    if (x->conflict_of[0] && notes_get(n, x->conflict_of)) {
        snprintf(original, NOTES_ID_LEN, "%s", x->conflict_of);
        snprintf(copy, NOTES_ID_LEN, "%s", x->id);
        return true;
    }
    for (size_t i = 0; i < notes_count(n); i++) {
        const struct note *c = notes_at(n, i);
        if (strcmp(c->conflict_of, x->id) == 0) {
            snprintf(original, NOTES_ID_LEN, "%s", x->id);
            snprintf(copy, NOTES_ID_LEN, "%s", c->id);
            return true;
        }
    }
    return false;
}

static void column_draw(struct app *app, const struct note *x, int top, int x0, int width, int rows,
                        size_t from)
{
    char *text = x ? editor_note_text(x) : NULL;
    struct editor *ed = NULL;
    if (!text || editor_new(&ed, text, width, 0) != MENTO_OK) {
        editor_wipe_string(text);
        return;
    }
    for (int i = 0; i < rows && from + (size_t)i < editor_row_count(ed); i++) {
        struct editor_row r = editor_row_at(ed, from + (size_t)i);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(r.end - r.start), editor_text(ed) + r.start);
        size_t len = strlen(line);
        while (len && line[len - 1] == ' ')
            line[--len] = '\0';
        app_put(app, top + i, x0, width, line, 0);
    }
    editor_free(&ed);
    editor_wipe_string(text);
}

static void compare_draw(struct app *app, int top, int rows, int cols)
{
    struct notes_pane *p = &app->notes;
    const struct note *o = notes_get(p->notes, p->original), *c = notes_get(p->notes, p->copy);
    if (!o || !c) {
        p->comparing = false;
        list_draw(app, top, rows, cols);
        return;
    }
    app_put(app, top, 0, cols, "In conflict: the note changed in two places; both texts are kept",
            A_BOLD);
    int w = (cols - 3) / 2;
    char head[200], when[32];
    local_time(app, o->updated_at, when, sizeof when);
    snprintf(head, sizeof head, "The original · %s", when);
    app_put(app, top + 1, 1, w, head, A_UNDERLINE);
    local_time(app, c->updated_at, when, sizeof when);
    snprintf(head, sizeof head, "The conflict copy · %s", when);
    app_put(app, top + 1, w + 2, w, head, A_UNDERLINE);
    int text_rows = rows - 3;
    for (int i = 0; i < text_rows; i++)
        mvaddstr(top + 2 + i, w + 1, "│");
    column_draw(app, o, top + 2, 1, w, text_rows, p->compare_top);
    column_draw(app, c, top + 2, w + 2, w, text_rows, p->compare_top);
    static const enum request reqs[] = {REQ_CONFLICT_KEEP_ORIGINAL, REQ_CONFLICT_KEEP_COPY,
                                        REQ_PAGE_DOWN, REQ_BACK};
    static const char *const words[] = {"keep the original", "keep the copy", "scroll", "back"};
    hint(app, top + rows - 1, cols, reqs, words, 4);
}

static void kept(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    bool keep_copy = app->form_ref == 1;
    if (r != FORM_ACCEPTED)
        return;
    const struct note *o = notes_get(p->notes, p->original), *c = notes_get(p->notes, p->copy);
    if (!o || !c) {
        app_message(app, true, "The note or its copy is no longer there");
        return;
    }
    char why[NOTES_WHY_LEN] = "";
    mento_status st = MENTO_OK;
    if (keep_copy) {
        struct note_draft d = {.pairing = o->pairing,
                               .session = o->session,
                               .title = c->title,
                               .body = c->body,
                               .items = c->items,
                               .n_items = c->n_items,
                               .shared = o->shared};
        snprintf(d.id, sizeof d.id, "%s", o->id);
        st = notes_save(p->notes, &d, NULL, why, sizeof why);
    }
    char copy[NOTES_ID_LEN];
    snprintf(copy, sizeof copy, "%s", p->copy);
    if (st == MENTO_OK)
        st = notes_delete(p->notes, copy, why, sizeof why);
    if (st != MENTO_OK) {
        notes_pane_say(app, true, "Nothing was resolved: ", why);
        return;
    }
    p->comparing = false;
    snprintf(p->selected, sizeof p->selected, "%s", p->original);
    app_message(app, false, "%s",
                keep_copy ? "The copy's text is now the note; the copy is deleted"
                          : "The original is kept; the conflict copy is deleted");
    if (app->net)
        sync_request(&app->sync);
}

/* Keep one of a note and its conflict copy (after a yes). */
static void keep_one(struct app *app, bool keep_copy)
{
    struct notes_pane *p = &app->notes;
    if (!p->comparing) {
        const struct note *x = selected_note(app);
        if (!x || !conflict_pair(app, x, p->original, p->copy)) {
            app_message(app, false, "The selected note is not in conflict with another");
            return;
        }
    }
    const struct note *o = notes_get(p->notes, p->original), *c = notes_get(p->notes, p->copy);
    if (!o || !c || !o->mine || !c->mine) {
        app_message(app, true, "Only your own notes can be resolved");
        return;
    }
    form_init(&app->form, keep_copy ? "Keep the conflict copy?" : "Keep the original?",
              keep_copy ? "The copy's text replaces the original's, and the copy is deleted. "
                          "The original's present text is gone for good."
                        : "The conflict copy is deleted; its text is gone for good.");
    app_form_open(app, kept, keep_copy ? 1 : 0);
}

static int compare_handle(struct app *app, enum request req)
{
    struct notes_pane *p = &app->notes;
    int page = app->rows / 2;
    switch (req) {
    case REQ_MOVE_UP:
        p->compare_top = p->compare_top ? p->compare_top - 1 : 0;
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        p->compare_top++;
        return APP_REDRAW;
    case REQ_PAGE_UP:
        p->compare_top = p->compare_top > (size_t)page ? p->compare_top - (size_t)page : 0;
        return APP_REDRAW;
    case REQ_PAGE_DOWN:
        p->compare_top += (size_t)page;
        return APP_REDRAW;
    case REQ_MOVE_FIRST:
        p->compare_top = 0;
        return APP_REDRAW;
    case REQ_BACK:
        p->comparing = false;
        return APP_REDRAW;
    case REQ_CONFLICT_KEEP_ORIGINAL:
    case REQ_CONFLICT_KEEP_COPY:
        keep_one(app, req == REQ_CONFLICT_KEEP_COPY);
        return APP_REDRAW;
    case REQ_ENTER:
        return APP_HANDLED;
    default:
        return APP_UNHANDLED;
    }
}

/* ---- Actions on the list -----------------------------------------------------------------------
 */

static void note_open(struct app *app, const struct note *x, bool editor_only)
{
    struct notes_pane *p = &app->notes;
    if (!editor_only && conflict_pair(app, x, p->original, p->copy)) {
        p->comparing = true;
        p->compare_top = 0;
        return;
    }
    char id[NOTES_ID_LEN];
    snprintf(id, sizeof id, "%s", x->id);
    notes_pane_edit(app, id, x->pairing, x->session);
}

static void about_given(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    if (r != FORM_ACCEPTED || app->form.n_fields == 0)
        return;
    size_t c = app->form.fields[0].choice;
    notes_pane_edit(app, NULL, p->choice_pairing[c], p->choice_session[c]);
}

/* A new note: what it is about is chosen first (the selected note's pairing
 * and session, or the current pairing, to start with). */
static void note_new(struct app *app)
{
    struct notes_pane *p = &app->notes;
    const struct note *x = selected_note(app);
    int64_t want_pairing = x ? x->pairing : -1, want_session = x ? x->session : 0;
    size_t n = 0, start = 0;
    snprintf(p->choice_text[n], sizeof p->choice_text[0], "Nothing in particular");
    p->choice_pairing[n] = p->choice_session[n] = 0;
    n++;
    cJSON *pairings = pairings_in_order(app);
    cJSON *sessions = store_list(app->store, app->opt.programme, "sessions");
    const cJSON *it, *s;
    cJSON_ArrayForEach(it, pairings)
    {
        int64_t id = int_of(it, "id");
        const char *who = str_of(cJSON_GetObjectItemCaseSensitive(it, "partner"), "name");
        if (n >= NOTES_PANE_CHOICES)
            break;
        if (want_pairing < 0 && strcmp(str_of(it, "state"), "active") == 0)
            want_pairing = id;
        if (id == want_pairing && want_session == 0)
            start = n;
        snprintf(p->choice_text[n], sizeof p->choice_text[0], "%s: the pairing", who);
        p->choice_pairing[n] = id;
        p->choice_session[n++] = 0;
        for (int number = 1; number <= 64 && n < NOTES_PANE_CHOICES; number++)
            cJSON_ArrayForEach(s, sessions)
            {
                if (int_of(s, "pairing_id") != id || int_of(s, "number") != number ||
                    n >= NOTES_PANE_CHOICES)
                    continue;
                char when[32] = "";
                int64_t t = 0;
                if (*str_of(s, "starts_at") &&
                    codec_time_parse(str_of(s, "starts_at"), &t) == MENTO_OK)
                    local_time(app, t, when, sizeof when);
                if (id == want_pairing && int_of(s, "id") == want_session)
                    start = n;
                snprintf(p->choice_text[n], sizeof p->choice_text[0], "%s: session %d%s%.10s%s",
                         who, number, when[0] ? " (" : "", when, when[0] ? ")" : "");
                p->choice_pairing[n] = id;
                p->choice_session[n++] = int_of(s, "id");
            }
    }
    cJSON_Delete(pairings);
    cJSON_Delete(sessions);
    for (size_t i = 0; i < n; i++)
        p->choices[i] = p->choice_text[i];
    form_init(&app->form, "A new note",
              "What is it about? Left and Right choose; the note is private until you share it.");
    struct form_field *f = form_add(&app->form, FORM_CHOICE, "About", true);
    f->choices = p->choices;
    f->n_choices = n;
    f->choice = start;
    app_form_open(app, about_given, 0);
}

static void deleted(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    if (r != FORM_ACCEPTED)
        return;
    char why[NOTES_WHY_LEN] = "";
    if (notes_delete(p->notes, p->target, why, sizeof why) != MENTO_OK) {
        notes_pane_say(app, true, "Not deleted: ", why);
        return;
    }
    p->selected[0] = '\0';
    app_message(app, false, "Note deleted%s",
                app_link_ok(app) ? "" : " (the server hears of it at the next sync)");
    if (app->net)
        sync_request(&app->sync);
}

static void note_delete(struct app *app, const struct note *x)
{
    struct notes_pane *p = &app->notes;
    if (!x->mine) {
        app_message(app, true, "Only its author can delete a note");
        return;
    }
    snprintf(p->target, sizeof p->target, "%s", x->id);
    snprintf(app->form_text, sizeof app->form_text,
             "“%.200s” is deleted on every device of yours%s; its text is gone for good.",
             x->title[0] ? x->title : "(untitled)", x->shared ? " and your partner's" : "");
    form_init(&app->form, "Delete this note?", app->form_text);
    app_form_open(app, deleted, 0);
}

/* The partner's key as it stands, for sharing: a changed or bad key is
 * shown loudly and refuses. */
static bool partner_ready(struct app *app, int64_t pairing, struct notes_partner *np)
{
    struct notes_pane *p = &app->notes;
    char who[128], k[32] = "";
    notes_pane_partner(app, pairing, who, sizeof who);
    app_first_key(app, SCREEN_NOTES, REQ_FINGERPRINTS, k, sizeof k);
    if (notes_partner_key_state(p->notes, pairing, np) != MENTO_OK) {
        app_message(app, true, "This pairing is not in the store: sync first");
        return false;
    }
    switch (np->state) {
    case NOTES_PARTNER_UNKNOWN:
        app_message(app, true,
                    "%s has no notes key yet: they make one when they first open their notes", who);
        return false;
    case NOTES_PARTNER_BAD:
        snprintf(app->form_title, sizeof app->form_title, "%s's key is not valid", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "The key published for %s is not signed by itself, so it is never used and "
                 "nothing is shared with it. Ask %s to open their notes again.",
                 who, who);
        form_init(&app->form, app->form_title, app->form_text);
        app->form.notice = true;
        app_form_open(app, NULL, 0);
        return false;
    case NOTES_PARTNER_CHANGED:
        snprintf(app->form_title, sizeof app->form_title, "%s's notes key has CHANGED", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "Before: %s\nNow:    %s\n\nNothing is shared with the new key until you "
                 "accept it: compare fingerprints with %s (%s on the Notes pane).",
                 np->pinned_fingerprint, np->fingerprint, who, k[0] ? k : "fingerprints");
        form_init(&app->form, app->form_title, app->form_text);
        app->form.notice = true;
        app_form_open(app, NULL, 0);
        return false;
    default:
        return true;
    }
}

static void shared(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    if (r != FORM_ACCEPTED)
        return;
    const struct note *x = notes_get(p->notes, p->target);
    if (!x) {
        app_message(app, true, "The note is no longer there");
        return;
    }
    bool share = !x->shared;
    struct note_draft d = {.pairing = x->pairing,
                           .session = x->session,
                           .title = x->title,
                           .body = x->body,
                           .items = x->items,
                           .n_items = x->n_items,
                           .shared = share};
    snprintf(d.id, sizeof d.id, "%s", x->id);
    char why[NOTES_WHY_LEN] = "", who[128];
    notes_pane_partner(app, x->pairing, who, sizeof who);
    if (notes_save(p->notes, &d, NULL, why, sizeof why) != MENTO_OK) {
        notes_pane_say(app, true, share ? "Not shared: " : "Still shared: ", why);
        return;
    }
    if (share)
        app_message(app, false, "Shared with %s%s", who,
                    app_link_ok(app) ? "" : " (sent at the next sync)");
    else
        app_message(app, false, "No longer shared: %s may have read the version shared before",
                    who);
    if (app->net)
        sync_request(&app->sync);
}

static void note_share(struct app *app, const struct note *x)
{
    struct notes_pane *p = &app->notes;
    if (!x->mine) {
        app_message(app, true, "Only its author can share a note");
        return;
    }
    if (!x->pairing) {
        app_message(app, true,
                    "This note is not about a pairing: there is no partner to share "
                    "it with");
        return;
    }
    char who[128];
    notes_pane_partner(app, x->pairing, who, sizeof who);
    snprintf(p->target, sizeof p->target, "%s", x->id);
    if (x->shared) {
        snprintf(app->form_text, sizeof app->form_text,
                 "%s will no longer get this note's changes; what was shared before may have "
                 "been read.",
                 who);
        form_init(&app->form, "Stop sharing this note?", app->form_text);
        app_form_open(app, shared, 0);
        return;
    }
    struct notes_partner np;
    if (!partner_ready(app, x->pairing, &np))
        return;
    snprintf(app->form_title, sizeof app->form_title, "Share this note with %s?", who);
    snprintf(app->form_text, sizeof app->form_text,
             "“%.120s” is sealed for %s too: they can read it, not change it.\n\nTheir key: %s\n"
             "(compared with them? f shows both fingerprints)",
             x->title[0] ? x->title : "(untitled)", who, np.fingerprint);
    form_init(&app->form, app->form_title, app->form_text);
    app_form_open(app, shared, 0);
}

static void accepted(struct app *app, enum form_result r)
{
    struct notes_pane *p = &app->notes;
    if (r != FORM_ACCEPTED)
        return;
    char who[128];
    notes_pane_partner(app, p->target_pairing, who, sizeof who);
    mento_status st = notes_accept_partner_key(p->notes, p->target_pairing, p->target_fingerprint);
    if (st == MENTO_ERR_INVALID) {
        app_message(app, true,
                    "%s's key changed while you compared: nothing was accepted. f shows it again",
                    who);
        return;
    }
    if (st != MENTO_OK) {
        app_message(app, true, "%s's key could not be accepted: sync, then try again", who);
        return;
    }
    p->warned[0] = '\0';
    app_message(app, false, "%s's key is marked verified: a different one later is shown loudly",
                who);
}

/* Own and partner fingerprints, to read out to each other; y marks the
 * partner's key verified (accepts a changed one). */
static void fingerprints(struct app *app, const struct note *x)
{
    struct notes_pane *p = &app->notes;
    int64_t pairing = x ? x->pairing : 0;
    if (!pairing) {
        cJSON *pairings = pairings_in_order(app);
        const cJSON *first = cJSON_GetArrayItem(pairings, 0);
        if (first && strcmp(str_of(first, "state"), "active") == 0)
            pairing = int_of(first, "id");
        cJSON_Delete(pairings);
    }
    if (!pairing) {
        app_message(app, false, "No pairing: fingerprints are compared with a partner");
        return;
    }
    struct notes_partner np;
    char who[128];
    notes_pane_partner(app, pairing, who, sizeof who);
    if (notes_partner_key_state(p->notes, pairing, &np) != MENTO_OK) {
        app_message(app, true, "This pairing is not in the store: sync first");
        return;
    }
    if (np.state == NOTES_PARTNER_UNKNOWN) {
        app_message(app, false,
                    "Your fingerprint: %s. %s has no notes key yet: they make one when they first "
                    "open their notes",
                    np.mine, who);
        return;
    }
    if (np.state == NOTES_PARTNER_BAD) {
        partner_ready(app, pairing, &np);
        return;
    }
    p->target_pairing = pairing;
    snprintf(p->target_fingerprint, sizeof p->target_fingerprint, "%s", np.fingerprint);
    /* The fingerprints one under the other, after labels of one width. */
    bool changed = np.state == NOTES_PARTNER_CHANGED;
    char them[160], before[160];
    snprintf(them, sizeof them, changed ? "%s, now:" : "%s:", who);
    snprintf(before, sizeof before, "%s, before:", who);
    int lw = text_width(changed ? before : them) + 1;
    char l_you[200], l_them[200], l_before[200];
    text_fit_pad("You:", lw, l_you, sizeof l_you);
    text_fit_pad(them, lw, l_them, sizeof l_them);
    text_fit_pad(before, lw, l_before, sizeof l_before);
    if (np.state == NOTES_PARTNER_CHANGED) {
        snprintf(app->form_title, sizeof app->form_title, "%s's notes key has CHANGED", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "%s%s\n%s%s\n%s%s\n\nAccept the new key only if %s reads out the same "
                 "digits. y accepts it (sharing works again); n keeps refusing.",
                 l_you, np.mine, l_before, np.pinned_fingerprint, l_them, np.fingerprint, who);
    } else if (np.verified_at) {
        char when[32];
        local_time(app, np.verified_at, when, sizeof when);
        snprintf(app->form_title, sizeof app->form_title, "Key fingerprints: you and %s", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "%s%s\n%s%s\n\nVerified: you compared %s's key on %s. A different key "
                 "later is shown loudly and sharing stops until you accept it. y marks it "
                 "verified again.",
                 l_you, np.mine, l_them, np.fingerprint, who, when);
    } else {
        snprintf(app->form_title, sizeof app->form_title, "Key fingerprints: you and %s", who);
        snprintf(app->form_text, sizeof app->form_text,
                 "%s%s\n%s%s\n\nNot verified yet. Read them out to each other, in person or "
                 "on a call. If theirs matches, y marks their key verified; a different key "
                 "later is shown loudly and sharing stops until you accept it.",
                 l_you, np.mine, l_them, np.fingerprint);
    }
    form_init(&app->form, app->form_title, app->form_text);
    app_form_open(app, accepted, 0);
}

/* The note in $EDITOR: through a private file, read back, saved when it
 * changed; the file is overwritten with zeros and removed whatever happens. */
static void edit_external(struct app *app, const struct note *x)
{
    struct notes_pane *p = &app->notes;
    if (!x->mine) {
        app_message(app, true, "Only its author can change a note");
        return;
    }
    const char *editor = getenv("EDITOR");
    char e[32] = "";
    app_first_key(app, SCREEN_NOTES, REQ_NOTE_EDIT, e, sizeof e);
    if (!editor || !*editor) {
        app_message(app, true, "EDITOR is not set: set it to use your own editor%s%s%s",
                    e[0] ? " (" : "", e, e[0] ? " opens the built-in one)" : "");
        return;
    }
    char id[NOTES_ID_LEN], why[NOTES_WHY_LEN + 64] = "";
    snprintf(id, sizeof id, "%s", x->id);
    int64_t pairing = x->pairing, session = x->session;
    bool share = x->shared;
    char *text = editor_note_text(x);
    struct extedit xe;
    if (!text || extedit_begin(&xe, getenv("XDG_RUNTIME_DIR"), text, why, sizeof why) != MENTO_OK) {
        editor_wipe_string(text);
        notes_pane_say(app, true, "", why[0] ? why : "out of memory");
        return;
    }
    app_suspend(app);
    int rc = extedit_run(&xe, editor);
    app_resume(app);
    char *back = NULL;
    mento_status st =
        rc == 0 ? extedit_read(&xe, NOTES_PANE_TEXT_MAX, &back, why, sizeof why) : MENTO_ERR_IO;
    extedit_end(&xe);
    /* The text as the built-in editor would keep it (tabs, line ends). */
    struct editor *ed = NULL;
    if (st == MENTO_OK && editor_new(&ed, back, 80, 0) != MENTO_OK)
        st = MENTO_ERR_NOMEM;
    if (rc != 0) {
        app_message(app, true, "%s ended with status %d: nothing was saved", editor, rc);
    } else if (st != MENTO_OK) {
        notes_pane_say(app, true, "Nothing was saved: ", why[0] ? why : "out of memory");
    } else if (strcmp(editor_text(ed), text) == 0) {
        app_message(app, false, "No change");
    } else {
        struct note_draft d = {.pairing = pairing, .session = session, .shared = share};
        snprintf(d.id, sizeof d.id, "%s", id);
        char *block = NULL;
        if (editor_note_draft(editor_text(ed), &d, &block, why, sizeof why) != MENTO_OK ||
            notes_save(p->notes, &d, NULL, why, sizeof why) != MENTO_OK)
            notes_pane_say(app, true, "Not saved: ", why);
        else
            app_message(app, false,
                        "Saved from your editor; its file was overwritten and "
                        "removed");
        editor_draft_free(&d, &block);
        if (app->net)
            sync_request(&app->sync);
    }
    editor_free(&ed);
    editor_wipe_string(back);
    editor_wipe_string(text);
}

static void list_search(struct app *app, const char *words, bool done)
{
    struct notes_pane *p = &app->notes;
    (void)done;
    snprintf(p->words, sizeof p->words, "%s", words ? words : "");
    app->top[SCREEN_NOTES] = 0;
    if (!p->selected[0])
        app->sel[SCREEN_NOTES] = 0;
}

static int list_handle(struct app *app, enum request req)
{
    struct notes_pane *p = &app->notes;
    struct view v;
    view_build(app, &v);
    size_t k = view_selected(app, &v);
    long page = app->rows / 2 > 1 ? app->rows / 2 : 1;
    long to = (long)k;
    const struct note *x = k < v.n_pick && v.rows[v.pick[k]].kind == ROW_NOTE
                               ? notes_at(p->notes, v.rows[v.pick[k]].i)
                               : NULL;
    const struct aside *aside =
        k < v.n_pick && v.rows[v.pick[k]].kind == ROW_ASIDE ? &v.aside[v.rows[v.pick[k]].i] : NULL;
    int out = APP_REDRAW;
    bool needs_note = req == REQ_NOTE_EDIT || req == REQ_NOTE_EDIT_EXTERNAL ||
                      req == REQ_NOTE_DELETE || req == REQ_NOTE_SHARE ||
                      req == REQ_CONFLICT_KEEP_ORIGINAL || req == REQ_CONFLICT_KEEP_COPY;
    if (needs_note && !x) {
        app_message(app, false, "%s",
                    aside ? "This record did not open: nothing can be done with it"
                          : "Select a note first");
        view_free(&v);
        return APP_REDRAW;
    }
    switch (req) {
    case REQ_MOVE_UP:
        to--;
        break;
    case REQ_MOVE_DOWN:
        to++;
        break;
    case REQ_PAGE_UP:
        to -= page;
        break;
    case REQ_PAGE_DOWN:
        to += page;
        break;
    case REQ_MOVE_FIRST:
        to = 0;
        break;
    case REQ_MOVE_LAST:
        to = (long)v.n_pick - 1;
        break;
    case REQ_ENTER:
        if (x)
            note_open(app, x, false);
        else if (aside)
            app_message(app, true, "%s did not open: %s", aside->id, aside->why);
        else
            note_new(app);
        break;
    case REQ_NOTE_NEW:
        note_new(app);
        break;
    case REQ_NOTE_EDIT:
        note_open(app, x, true);
        break;
    case REQ_NOTE_EDIT_EXTERNAL:
        edit_external(app, x);
        break;
    case REQ_NOTE_DELETE:
        note_delete(app, x);
        break;
    case REQ_NOTE_SHARE:
        note_share(app, x);
        break;
    case REQ_FINGERPRINTS:
        fingerprints(app, x);
        break;
    case REQ_CONFLICT_KEEP_ORIGINAL:
    case REQ_CONFLICT_KEEP_COPY:
        keep_one(app, req == REQ_CONFLICT_KEEP_COPY);
        break;
    case REQ_NOTES_LOCK:
        notes_lock(p->notes);
        p->words[0] = '\0';
        app_message(app, false, "Notes locked: every key and text has left memory");
        break;
    case REQ_NOTES_RECOVER:
        app_message(app, false, "The notes are unlocked");
        break;
    case REQ_NOTES_PASSWORD:
        password_change_open(app);
        break;
    case REQ_SEARCH:
        app_prompt_open(app, PROMPT_SEARCH, 0);
        break;
    case REQ_BACK:
        if (p->words[0]) {
            p->words[0] = '\0';
            app_message(app, false, "All notes shown again");
        } else {
            out = APP_UNHANDLED;
        }
        break;
    default:
        out = APP_UNHANDLED;
        break;
    }
    if (to != (long)k) {
        if (to >= (long)v.n_pick)
            to = (long)v.n_pick - 1;
        if (to < 0)
            to = 0;
        select_pick(app, &v, (size_t)to);
    }
    view_free(&v);
    return out;
}

/* ---- The pane ----------------------------------------------------------------------------------
 */

static void notes_draw(struct app *app, int top, int rows, int cols)
{
    struct notes_pane *p = &app->notes;
    if (!p->notes || p->working || notes_vault_state(p->notes) != NOTES_VAULT_UNLOCKED) {
        p->comparing = false;
        locked_draw(app, top, rows, cols);
    } else if (p->comparing) {
        compare_draw(app, top, rows, cols);
    } else {
        list_draw(app, top, rows, cols);
    }
}

static int notes_handle(struct app *app, enum request req)
{
    struct notes_pane *p = &app->notes;
    if (!p->notes || p->working || notes_vault_state(p->notes) != NOTES_VAULT_UNLOCKED) {
        switch (req) {
        case REQ_ENTER:
        case REQ_NOTES_RECOVER:
            password_open(app, req == REQ_NOTES_RECOVER);
            return APP_REDRAW;
        case REQ_NOTE_NEW:
        case REQ_NOTE_EDIT:
        case REQ_NOTE_EDIT_EXTERNAL:
        case REQ_NOTE_DELETE:
        case REQ_NOTE_SHARE:
        case REQ_FINGERPRINTS:
        case REQ_SEARCH:
        case REQ_CONFLICT_KEEP_ORIGINAL:
        case REQ_CONFLICT_KEEP_COPY:
        case REQ_NOTES_PASSWORD:
        case REQ_NOTES_LOCK: {
            char k[32] = "";
            app_first_key(app, SCREEN_NOTES, REQ_ENTER, k, sizeof k);
            app_message(app, false, "The notes are locked: %s unlocks them", k[0] ? k : "enter");
            return APP_REDRAW;
        }
        default:
            return APP_UNHANDLED;
        }
    }
    if (p->comparing)
        return compare_handle(app, req);
    return list_handle(app, req);
}

const struct screen_ops screen_NOTES_ops = {
    .draw = notes_draw,
    .handle = notes_handle,
    .store_changed = notes_store_changed,
    .search = list_search,
    .tick = notes_tick,
    .open = notes_pane_open,
    .done = notes_pane_done,
};

/* wishlist.c - the wish-list pane: the ordered mentors with their
 * availability, reordering and removing, sending the request to the first
 * available one (kind, message, a confirmation saying what will happen), the
 * open request with its deadline in both time zones, withdrawing, the
 * cascade setting, and what happened to earlier requests in plain words.
 * Everything the server must know is queued in the outbox with its local
 * effect, so it works the same offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/rules.h"
#include "mento/text.h"

static cJSON *wishlist_load(struct app *app)
{
    cJSON *wl = store_get(app->store, app->opt.programme, "wishlist", NULL);
    if (!wl) {
        wl = cJSON_CreateObject();
        cJSON_AddBoolToObject(wl, "cascade", 1);
    }
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(wl, "items"))) {
        cJSON_DeleteItemFromObjectCaseSensitive(wl, "items");
        cJSON_AddArrayToObject(wl, "items");
    }
    return wl;
}

static int64_t int_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *mentor_name(const cJSON *o)
{
    const char *n = str_of(cJSON_GetObjectItemCaseSensitive(o, "mentor"), "name");
    return *n ? n : "a mentor";
}

/* "2026-11-23 10:00" in `tz`; the UTC time when the zone is unknown. */
static void local_time(const char *iso, const char *tz, char *out, size_t cap)
{
    int64_t t;
    struct rules_local_time lt;
    if (codec_time_parse(iso, &t) != MENTO_OK) {
        snprintf(out, cap, "?");
        return;
    }
    if (tz && *tz && rules_local_time(t, tz, &lt) == MENTO_OK)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute);
    else if (rules_local_time(t, "UTC", &lt) == MENTO_OK)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d UTC", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute);
    else
        snprintf(out, cap, "%s", iso);
}

/* The queued operations of one type (caller deletes), as an array. */
static cJSON *queued(struct app *app, const char *type)
{
    cJSON *all = store_outbox_queued(app->store, app->opt.programme);
    cJSON *out = cJSON_CreateArray();
    const cJSON *op;
    cJSON_ArrayForEach(op, all)
    {
        if (strcmp(str_of(op, "type"), type) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(op, 1));
    }
    cJSON_Delete(all);
    return out;
}

/* The open request (a copy, caller deletes) or NULL. */
static cJSON *open_request(struct app *app)
{
    cJSON *reqs = store_list(app->store, app->opt.programme, "requests");
    cJSON *open = NULL;
    const cJSON *r;
    cJSON_ArrayForEach(r, reqs)
    {
        if (strcmp(str_of(r, "state"), "open") == 0)
            open = cJSON_Duplicate(r, 1);
    }
    cJSON_Delete(reqs);
    return open;
}

static const char *mentor_timezone(struct app *app, int64_t mentor, char *buf, size_t cap)
{
    cJSON *m = store_mentor(app->store, app->opt.programme, mentor);
    snprintf(buf, cap, "%s", str_of(m, "timezone"));
    cJSON_Delete(m);
    return buf;
}

/* What happened to a request, in words. */
static void history_line(const cJSON *r, const char *tz, char *out, size_t cap)
{
    const char *state = str_of(r, "state");
    char when[48];
    local_time(*str_of(r, "decided_at") ? str_of(r, "decided_at") : str_of(r, "sent_at"), tz, when,
               sizeof when);
    const char *name = mentor_name(r);
    if (strcmp(state, "declined") == 0) {
        const char *why = str_of(r, "decline_reason");
        snprintf(out, cap, "%s declined on %s%s%s%s", name, when, *why ? ": \"" : "", why,
                 *why ? "\"" : "");
    } else if (strcmp(state, "expired") == 0) {
        snprintf(out, cap, "%s did not answer in time; the request expired on %s", name, when);
    } else if (strcmp(state, "passed_on") == 0) {
        snprintf(out, cap, "%s became full on %s; the request was passed on", name, when);
    } else if (strcmp(state, "withdrawn") == 0) {
        snprintf(out, cap, "You withdrew your request to %s on %s", name, when);
    } else if (strcmp(state, "accepted") == 0) {
        snprintf(out, cap, "%s accepted on %s", name, when);
    } else {
        snprintf(out, cap, "%s: %s", name, state);
    }
}

static void wishlist_draw(struct app *app, int top, int rows, int cols)
{
    cJSON *wl = wishlist_load(app);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    size_t n = (size_t)cJSON_GetArraySize(items);
    bool cascade = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(wl, "cascade"));
    char keys[32] = "", line[1024];
    keymap_keys_for(&app->keymap, SCREEN_WISHLIST, REQ_CASCADE_TOGGLE, keys, sizeof keys);
    snprintf(line, sizeof line, "Your wish-list · a declined or expired request %s (%s changes it)",
             cascade ? "passes to the next mentor" : "stops there", keys[0] ? keys : "-");
    app_put(app, top, 0, cols, line, A_BOLD);
    int y = top + 2;
    int list_rows = rows / 2 - 2;
    if (n == 0)
        app_put(app, y++, 2, cols - 4,
                "Empty. Add mentors from the directory (w on a mentor there).", 0);
    app_move(app, 0, n, list_rows);
    for (size_t i = app->top[SCREEN_WISHLIST]; i < n && y < top + 2 + list_rows; i++) {
        const cJSON *it = cJSON_GetArrayItem(items, (int)i);
        const char *state = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "queued"))
                                ? "queued: sent at the next sync"
                            : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "available"))
                                ? "available"
                            : cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "listed"))
                                ? "not in your directory now"
                                : "cannot be asked now (full)";
        char name[256];
        text_fit_pad(mentor_name(it), 32, name, sizeof name);
        snprintf(line, sizeof line, "%2zu. %s %s", i + 1, name, state);
        app_put(app, y++, 2, cols - 4, line, i == app->sel[SCREEN_WISHLIST] ? A_REVERSE : 0);
    }

    y = top + 2 + list_rows + 1;
    app_put(app, y++, 0, cols, "Your request", A_BOLD);
    cJSON *open = open_request(app);
    cJSON *sends = queued(app, "request.send");
    char tzbuf[64];
    const char *my_tz = app->have_me && app->me.timezone ? app->me.timezone : "";
    if (open) {
        int64_t mentor = int_of(cJSON_GetObjectItemCaseSensitive(open, "mentor"), "user_id");
        const char *mtz = mentor_timezone(app, mentor, tzbuf, sizeof tzbuf);
        char sent[48], due_there[48], due_here[48];
        local_time(str_of(open, "sent_at"), my_tz, sent, sizeof sent);
        local_time(str_of(open, "deadline"), mtz, due_there, sizeof due_there);
        local_time(str_of(open, "deadline"), my_tz, due_here, sizeof due_here);
        snprintf(line, sizeof line, "Open: %s request to %s, sent %s", str_of(open, "kind"),
                 mentor_name(open), sent);
        app_put(app, y++, 2, cols - 4, line, 0);
        snprintf(line, sizeof line, "Answer due by %s their time%s%s%s", due_there,
                 *mtz ? " (" : "", mtz, *mtz ? ")" : "");
        app_put(app, y++, 2, cols - 4, line, 0);
        snprintf(line, sizeof line, "which is %s your time", due_here);
        app_put(app, y++, 2, cols - 4, line, 0);
    } else if (cJSON_GetArraySize(sends) > 0) {
        app_put(app, y++, 2, cols - 4, "A request is queued: it goes out at the next sync.", 0);
    } else {
        keymap_keys_for(&app->keymap, SCREEN_WISHLIST, REQ_REQUEST_SEND, keys, sizeof keys);
        snprintf(line, sizeof line, "No open request. %s asks the first available mentor.",
                 keys[0] ? keys : "request-send");
        app_put(app, y++, 2, cols - 4, line, 0);
    }
    cJSON_Delete(sends);
    cJSON_Delete(open);

    cJSON *reqs = store_list(app->store, app->opt.programme, "requests");
    bool header = false;
    for (int i = cJSON_GetArraySize(reqs) - 1; i >= 0 && y < top + rows; i--) {
        const cJSON *r = cJSON_GetArrayItem(reqs, i);
        if (strcmp(str_of(r, "state"), "open") == 0)
            continue;
        if (!header) {
            y++;
            app_put(app, y++, 0, cols, "Earlier requests", A_BOLD);
            header = true;
        }
        if (y >= top + rows)
            break;
        history_line(r, my_tz, line, sizeof line);
        app_put(app, y++, 2, cols - 4, line, 0);
    }
    cJSON_Delete(reqs);
    cJSON_Delete(wl);
}

/* Apply a local change to the stored wish-list and queue its operation, in
 * one transaction. */
static void commit_change(struct app *app, cJSON *wl, const char *type, const char *body,
                          const char *done_message)
{
    mento_status st = store_begin(app->store);
    if (st == MENTO_OK && wl)
        st = store_put(app->store, app->opt.programme, "wishlist", NULL, wl);
    if (st == MENTO_OK)
        st = app_queue(app, type, body);
    if (st == MENTO_OK)
        st = store_commit(app->store);
    else
        store_rollback(app->store);
    if (st != MENTO_OK)
        app_message(app, true, "Could not save to the local store");
    else if (done_message)
        app_message(app, false, "%s%s", done_message,
                    !app->net || app->sync.link == SYNC_LINK_OFFLINE
                        ? " (queued: sent at the next sync)"
                        : "");
}

static void renumber(cJSON *items)
{
    int pos = 1;
    cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(it, "position");
        cJSON_AddNumberToObject(it, "position", pos++);
    }
}

static void move_item(struct app *app, int delta)
{
    cJSON *wl = wishlist_load(app);
    cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    int n = cJSON_GetArraySize(items);
    int from = (int)app->sel[SCREEN_WISHLIST], to = from + delta;
    if (from >= n || to < 0 || to >= n) {
        cJSON_Delete(wl);
        return;
    }
    cJSON *it = cJSON_DetachItemFromArray(items, from);
    int64_t mentor = int_of(it, "mentor_id");
    cJSON_InsertItemInArray(items, to, it);
    renumber(items);
    char body[96];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld,\"position\":%d}", (long long)mentor, to + 1);
    commit_change(app, wl, "wishlist.move", body, NULL);
    app->sel[SCREEN_WISHLIST] = (size_t)to;
    cJSON_Delete(wl);
}

static void remove_item(struct app *app)
{
    cJSON *wl = wishlist_load(app);
    cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    int i = (int)app->sel[SCREEN_WISHLIST];
    if (i >= cJSON_GetArraySize(items)) {
        cJSON_Delete(wl);
        return;
    }
    cJSON *it = cJSON_DetachItemFromArray(items, i);
    char body[64], done[256];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)int_of(it, "mentor_id"));
    snprintf(done, sizeof done, "%s is off your wish-list", mentor_name(it));
    renumber(items);
    commit_change(app, wl, "wishlist.remove", body, done);
    cJSON_Delete(it);
    cJSON_Delete(wl);
    if (app->sel[SCREEN_WISHLIST] > 0 && (int)app->sel[SCREEN_WISHLIST] >= i)
        app->sel[SCREEN_WISHLIST]--;
}

static void toggle_cascade(struct app *app)
{
    cJSON *wl = wishlist_load(app);
    bool on = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(wl, "cascade"));
    cJSON_DeleteItemFromObjectCaseSensitive(wl, "cascade");
    cJSON_AddBoolToObject(wl, "cascade", !on);
    commit_change(app, wl, "request.cascade", on ? "{\"enabled\":false}" : "{\"enabled\":true}",
                  on ? "A declined or expired request will stop there"
                     : "A declined or expired request will pass to the next mentor");
    cJSON_Delete(wl);
}

/* Whether a mentor can be asked now: as the server said on the wish-list, or,
 * for one added while offline (not yet confirmed), as the directory says. */
static bool can_ask(struct app *app, const cJSON *it)
{
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "queued")))
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "available"));
    cJSON *m = store_mentor(app->store, app->opt.programme, int_of(it, "mentor_id"));
    bool ok = m && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "full"));
    cJSON_Delete(m);
    return ok;
}

/* The first mentor of the list that can be asked now, or NULL (a copy). */
static cJSON *first_available(struct app *app)
{
    cJSON *wl = wishlist_load(app);
    cJSON *found = NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(wl, "items"))
    {
        if (can_ask(app, it)) {
            found = cJSON_Duplicate(it, 1);
            break;
        }
    }
    cJSON_Delete(wl);
    return found;
}

static const char *const kinds[] = {"mentoring", "networking"};

static void send_confirmed(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED) {
        app_message(app, false, "Nothing was sent");
        return;
    }
    /* app->form_body holds the operation, prepared when asking. */
    commit_change(app, NULL, "request.send", app->form_body, "Your request is on its way");
}

static void send_details_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    const char *kind = form_choice(&app->form.fields[0]);
    const char *text = app->form.fields[1].value;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "mentor_id", (double)app->form_ref);
    cJSON_AddStringToObject(body, "kind", kind);
    if (*text)
        cJSON_AddStringToObject(body, "message", text);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!json || strlen(json) >= sizeof app->form_body) {
        free(json);
        app_message(app, true, "The message is too long");
        return;
    }
    snprintf(app->form_body, sizeof app->form_body, "%s", json);
    free(json);
    cJSON *mentor = store_mentor(app->store, app->opt.programme, app->form_ref);
    snprintf(app->form_text, sizeof app->form_text,
             "A %s request goes to %s. They have 3 days to answer; a deadline on a weekend in "
             "their time zone moves to the Monday. You can withdraw it until then.",
             kind, *str_of(mentor, "name") ? str_of(mentor, "name") : "this mentor");
    cJSON_Delete(mentor);
    form_init(&app->form, "Send the request?", app->form_text);
    app_form_open(app, send_confirmed, app->form_ref);
}

static void ask_request(struct app *app)
{
    cJSON *open = open_request(app);
    cJSON *sends = queued(app, "request.send");
    bool busy = open || cJSON_GetArraySize(sends) > 0;
    if (open)
        app_message(app, true, "Your request to %s is still open: withdraw it first",
                    mentor_name(open));
    else if (busy)
        app_message(app, true, "A request is already queued");
    cJSON_Delete(open);
    cJSON_Delete(sends);
    if (busy)
        return;
    cJSON *first = first_available(app);
    if (!first) {
        app_message(app, true, "No mentor on your wish-list can be asked now");
        return;
    }
    snprintf(app->form_title, sizeof app->form_title, "Ask %s", mentor_name(first));
    int64_t mentor = int_of(first, "mentor_id");
    cJSON_Delete(first);
    form_init(&app->form, app->form_title, NULL);
    struct form_field *k = form_add(&app->form, FORM_CHOICE, "Kind", true);
    k->choices = kinds;
    k->n_choices = 2;
    struct form_field *m = form_add(&app->form, FORM_TEXT, "Message", false);
    m->max_chars = 1000;
    app_form_open(app, send_details_given, mentor);
}

static void withdraw_confirmed(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    char body[64];
    snprintf(body, sizeof body, "{\"request_id\":%lld}", (long long)app->form_ref);
    commit_change(app, NULL, "request.withdraw", body, "Your request is withdrawn");
}

static void ask_withdraw(struct app *app)
{
    cJSON *open = open_request(app);
    if (!open) {
        app_message(app, true, "You have no open request");
        return;
    }
    snprintf(app->form_text, sizeof app->form_text,
             "Withdraw your %s request to %s? It does not pass to the next mentor.",
             str_of(open, "kind"), mentor_name(open));
    int64_t id = int_of(open, "id");
    cJSON_Delete(open);
    form_init(&app->form, "Withdraw the request?", app->form_text);
    app_form_open(app, withdraw_confirmed, id);
}

static void open_profile(struct app *app)
{
    cJSON *wl = wishlist_load(app);
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(wl, "items"),
                                         (int)app->sel[SCREEN_WISHLIST]);
    int64_t mentor = it ? int_of(it, "mentor_id") : 0;
    cJSON_Delete(wl);
    if (!mentor || !app->dir_loaded)
        return;
    memset(&app->filter, 0, sizeof app->filter);
    app_refilter(app);
    for (size_t i = 0; i < app->dir.n_view; i++)
        if (app->dir.entries[app->dir.view[i]].user_id == mentor) {
            app->sel[SCREEN_DIRECTORY] = i;
            app->screen = SCREEN_DIRECTORY;
            app->show_profile = true;
            return;
        }
    app_message(app, true, "This mentor is not in your directory now");
}

static int wishlist_handle(struct app *app, enum request req)
{
    cJSON *wl = wishlist_load(app);
    size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(wl, "items"));
    cJSON_Delete(wl);
    int rows = app->rows / 2 - 3;
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_FIRST:
        app_move(app, -(long)n, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_LAST:
        app_move(app, (long)n, n, rows);
        return APP_REDRAW;
    case REQ_ITEM_UP:
        move_item(app, -1);
        return APP_REDRAW;
    case REQ_ITEM_DOWN:
        move_item(app, 1);
        return APP_REDRAW;
    case REQ_ITEM_REMOVE:
        remove_item(app);
        return APP_REDRAW;
    case REQ_CASCADE_TOGGLE:
        toggle_cascade(app);
        return APP_REDRAW;
    case REQ_REQUEST_SEND:
        ask_request(app);
        return APP_REDRAW;
    case REQ_REQUEST_WITHDRAW:
        ask_withdraw(app);
        return APP_REDRAW;
    case REQ_ENTER:
        open_profile(app);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

const struct screen_ops screen_WISHLIST_ops = {.draw = wishlist_draw, .handle = wishlist_handle};

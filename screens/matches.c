/* matches.c - the matches pane: for a mentor, the one request the server
 * shows them (accept, or decline with a reason), never a list of requesters;
 * then the current and past pairings with partner, kind, start, sessions
 * done and next session; the partner's card; ending a pairing with a reason,
 * a comment and "do not match us again", behind a confirmation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/rules.h"
#include "mento/text.h"

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

/* "2026-11-23 10:00" in the user's zone. */
static void when(struct app *app, const char *iso, char *out, size_t cap)
{
    int64_t t;
    struct rules_local_time lt;
    const char *tz = app->have_me && app->me.timezone ? app->me.timezone : "UTC";
    if (codec_time_parse(iso, &t) == MENTO_OK && rules_local_time(t, tz, &lt) == MENTO_OK)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute);
    else
        snprintf(out, cap, "-");
}

/* Pairings in the order shown: active first (newest start first), then
 * ended (newest end first). A new array, caller deletes. */
static cJSON *pairings_sorted(struct app *app)
{
    cJSON *all = store_list(app->store, app->opt.programme, "pairings");
    cJSON *out = cJSON_CreateArray();
    for (int pass = 0; pass < 2; pass++) {
        const char *state = pass == 0 ? "active" : "ended";
        const char *key = pass == 0 ? "started_at" : "ended_at";
        /* A small list: selection by repeated scans keeps it simple. */
        int n = cJSON_GetArraySize(all);
        bool *taken = calloc((size_t)n + 1, sizeof *taken);
        for (int k = 0; taken && k < n; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                const cJSON *p = cJSON_GetArrayItem(all, i);
                if (taken[i] || strcmp(str_of(p, "state"), state) != 0)
                    continue;
                if (best < 0 ||
                    strcmp(str_of(p, key), str_of(cJSON_GetArrayItem(all, best), key)) > 0)
                    best = i;
            }
            if (best < 0)
                break;
            taken[best] = true;
            cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(all, best), 1));
        }
        free(taken);
    }
    cJSON_Delete(all);
    return out;
}

/* "2 days 5 hours left", "40 minutes left", or that the time is up. */
static void time_left(const char *deadline, char *out, size_t cap)
{
    int64_t t;
    if (codec_time_parse(deadline, &t) != MENTO_OK) {
        snprintf(out, cap, "no deadline known");
        return;
    }
    int64_t left = t - app_now() / 1000;
    if (left <= 0)
        snprintf(out, cap, "the time to answer is up");
    else if (left >= 86400)
        snprintf(out, cap, "%lld day%s %lld hour%s left", (long long)(left / 86400),
                 left / 86400 == 1 ? "" : "s", (long long)(left % 86400 / 3600),
                 left % 86400 / 3600 == 1 ? "" : "s");
    else if (left >= 3600)
        snprintf(out, cap, "%lld hour%s left", (long long)(left / 3600),
                 left / 3600 == 1 ? "" : "s");
    else
        snprintf(out, cap, "%lld minute%s left", (long long)(left / 60 + 1),
                 left / 60 + 1 == 1 ? "" : "s");
}

static void draw_request(struct app *app, const cJSON *req, int *y, int cols)
{
    const cJSON *mentee = cJSON_GetObjectItemCaseSensitive(req, "mentee");
    char line[1200], due[48], sent[48];
    when(app, str_of(req, "deadline"), due, sizeof due);
    when(app, str_of(req, "sent_at"), sent, sizeof sent);
    app_put(app, (*y)++, 0, cols, "A request for you", A_BOLD);
    snprintf(line, sizeof line, "%s asks you for %s (sent %s); answer by %s",
             str_of(mentee, "name"), str_of(req, "kind"), sent, due);
    app_put(app, (*y)++, 2, cols - 4, line, 0);
    snprintf(line, sizeof line, "%s · %s · %s · %s", str_of(mentee, "grade"),
             str_of(mentee, "job_network"), str_of(mentee, "entity"),
             str_of(mentee, "duty_station"));
    app_put(app, (*y)++, 2, cols - 4, line, 0);
    /* Their languages and goals, and how long is left to answer. */
    char langs[64] = "", goals[600] = "", left[64];
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(mentee, "languages"))
    {
        if (cJSON_IsString(v))
            snprintf(langs + strlen(langs), sizeof langs - strlen(langs), "%s%s",
                     langs[0] ? ", " : "", v->valuestring);
    }
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(mentee, "goals"))
    {
        if (cJSON_IsString(v))
            snprintf(goals + strlen(goals), sizeof goals - strlen(goals), "%s%s",
                     goals[0] ? ", " : "", v->valuestring);
    }
    time_left(str_of(req, "deadline"), left, sizeof left);
    snprintf(line, sizeof line, "Languages: %s · Goals: %s · %s", langs[0] ? langs : "-",
             goals[0] ? goals : "-", left);
    app_put(app, (*y)++, 2, cols - 4, line, 0);
    if (*str_of(req, "message")) {
        snprintf(line, sizeof line, "\"%s\"", str_of(req, "message"));
        app_put(app, (*y)++, 2, cols - 4, line, 0);
    }
    char a[32] = "", d[32] = "";
    keymap_keys_for(&app->keymap, SCREEN_MATCHES, REQ_REQUEST_ACCEPT, a, sizeof a);
    keymap_keys_for(&app->keymap, SCREEN_MATCHES, REQ_REQUEST_DECLINE, d, sizeof d);
    snprintf(line, sizeof line, "%s accepts, %s declines (the next request shows after)", a, d);
    app_put(app, (*y)++, 2, cols - 4, line, A_DIM);
    (*y)++;
}

static void draw_partner(struct app *app, const cJSON *p, int y, int last, int cols)
{
    const cJSON *partner = cJSON_GetObjectItemCaseSensitive(p, "partner");
    char line[1024];
    app_put(app, y++, 2, cols - 4, str_of(partner, "name"), A_BOLD);
    static const char *const keys[] = {"email",  "grade",        "job_network",
                                       "entity", "duty_station", "timezone"};
    static const char *const labels[] = {"E-mail", "Grade",        "Job network",
                                         "Entity", "Duty station", "Time zone"};
    for (size_t i = 0; i < 6 && y <= last; i++) {
        if (!*str_of(partner, keys[i]))
            continue;
        snprintf(line, sizeof line, "%-13s %s", labels[i], str_of(partner, keys[i]));
        app_put(app, y++, 2, cols - 4, line, 0);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(partner, "schedule_by_email")) && y <= last)
        app_put(app, y++, 2, cols - 4,
                "Retired: calendar availability is not shared; arrange sessions by e-mail.",
                A_BOLD);
}

static void matches_draw(struct app *app, int top, int rows, int cols)
{
    int y = top, last = top + rows - 1;
    cJSON *req = store_get(app->store, app->opt.programme, "current_request", NULL);
    if (cJSON_IsObject(req) && *str_of(req, "state"))
        draw_request(app, req, &y, cols);
    cJSON_Delete(req);
    app_put(app, y++, 0, cols, "Your pairings", A_BOLD);
    cJSON *list = pairings_sorted(app);
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n == 0) {
        app_put(app, y + 1, 2, cols - 4,
                "None yet: a pairing starts when a mentor accepts a request.", 0);
        cJSON_Delete(list);
        return;
    }
    int list_rows = app->show_profile ? (last - y) / 2 : last - y + 1;
    app_move(app, 0, n, list_rows);
    for (size_t i = app->top[SCREEN_MATCHES]; i < n && y <= last && list_rows-- > 0; i++) {
        const cJSON *p = cJSON_GetArrayItem(list, (int)i);
        char name[128], started[48], line[1024], next[64] = "";
        text_fit_pad(str_of(cJSON_GetObjectItemCaseSensitive(p, "partner"), "name"), 26, name,
                     sizeof name);
        when(app, str_of(p, "started_at"), started, sizeof started);
        const cJSON *ns = cJSON_GetObjectItemCaseSensitive(p, "next_session");
        if (cJSON_IsObject(ns)) {
            char t[48];
            when(app, str_of(ns, "starts_at"), t, sizeof t);
            snprintf(next, sizeof next, " · next %s", t);
        }
        bool active = strcmp(str_of(p, "state"), "active") == 0;
        snprintf(line, sizeof line, "%s %-10s %s since %s · %lld done%s%s%s", name,
                 str_of(p, "kind"), str_of(p, "my_role"), started,
                 (long long)int_of(p, "sessions_done"), next, active ? "" : " · ended: ",
                 active ? "" : mento_answer_label(&mento_end_reasons, str_of(p, "end_reason")));
        app_put(app, y++, 2, cols - 4, line,
                i == app->sel[SCREEN_MATCHES] ? A_REVERSE
                : active                      ? 0
                                              : A_DIM);
    }
    if (app->show_profile && app->sel[SCREEN_MATCHES] < n)
        draw_partner(app, cJSON_GetArrayItem(list, (int)app->sel[SCREEN_MATCHES]), y + 1, last,
                     cols);
    cJSON_Delete(list);
}

/* Queue an operation with no local effect but its outbox row. */
static void queue(struct app *app, const char *type, const char *body, const char *done)
{
    if (app_queue(app, type, body) != MENTO_OK)
        app_message(app, true, "Could not save to the local store");
    else
        app_message(app, false, "%s%s", done,
                    !app->net || app->sync.link == SYNC_LINK_OFFLINE
                        ? " (queued: sent at the next sync)"
                        : "");
}

static void accept_confirmed(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    char body[64];
    snprintf(body, sizeof body, "{\"request_id\":%lld}", (long long)app->form_ref);
    queue(app, "request.accept", body, "Accepted: the pairing starts");
}

static void decline_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "request_id", (double)app->form_ref);
    if (app->form.fields[0].value[0])
        cJSON_AddStringToObject(b, "reason", app->form.fields[0].value);
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (json)
        queue(app, "request.decline", json, "Declined; the mentee is told");
    free(json);
}

static int64_t current_request_id(struct app *app, char *who, size_t cap)
{
    cJSON *req = store_get(app->store, app->opt.programme, "current_request", NULL);
    int64_t id = cJSON_IsObject(req) ? int_of(req, "id") : 0;
    snprintf(who, cap, "%s", str_of(cJSON_GetObjectItemCaseSensitive(req, "mentee"), "name"));
    cJSON_Delete(req);
    return id;
}

static const char *const yes_no[] = {"no", "yes"};

static void end_confirmed(struct app *app, enum form_result r)
{
    if (r == FORM_ACCEPTED)
        queue(app, "pairing.end", app->form_body, "The pairing is ended; your partner is told");
}

static void end_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    const char *reason = form_choice(&app->form.fields[0]);
    const char *comment = app->form.fields[1].value;
    bool no_match = strcmp(form_choice(&app->form.fields[2]), "yes") == 0;
    if (strcmp(reason, "other") == 0 && !*comment) {
        app_message(app, true, "With \"%s\" as the reason, say why in the comment",
                    mento_answer_label(&mento_end_reasons, reason));
        return;
    }
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "pairing_id", (double)app->form_ref);
    cJSON_AddStringToObject(b, "reason", reason);
    if (*comment)
        cJSON_AddStringToObject(b, "comment", comment);
    cJSON_AddBoolToObject(b, "do_not_match", no_match);
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (!json || strlen(json) >= sizeof app->form_body) {
        free(json);
        return;
    }
    snprintf(app->form_body, sizeof app->form_body, "%s", json);
    free(json);
    snprintf(app->form_text, sizeof app->form_text,
             "End this pairing (%s)? Sessions still booked are cancelled and your partner is "
             "told the reason; %s seen by the administrators only.",
             mento_answer_label(&mento_end_reasons, reason),
             no_match ? "the comment and \"do not match us again\" are" : "the comment is");
    form_init(&app->form, "End the pairing?", app->form_text);
    app_form_open(app, end_confirmed, app->form_ref);
}

static void ask_end(struct app *app, const cJSON *p)
{
    if (strcmp(str_of(p, "state"), "active") != 0) {
        app_message(app, true, "This pairing has already ended");
        return;
    }
    snprintf(app->form_title, sizeof app->form_title, "End the pairing with %s",
             str_of(cJSON_GetObjectItemCaseSensitive(p, "partner"), "name"));
    form_init(&app->form, app->form_title, NULL);
    struct form_field *f = form_add(&app->form, FORM_CHOICE, "Reason", true);
    form_answers(f, &mento_end_reasons, NULL);
    f = form_add(&app->form, FORM_TEXT, "Comment", false);
    f->max_chars = 2000;
    f = form_add(&app->form, FORM_CHOICE, "Do not match us again", true);
    f->choices = yes_no;
    f->n_choices = 2;
    app_form_open(app, end_given, int_of(p, "id"));
}

static int matches_handle(struct app *app, enum request req)
{
    cJSON *list = pairings_sorted(app);
    size_t n = (size_t)cJSON_GetArraySize(list);
    int rows = app->rows - 8;
    int r = APP_REDRAW;
    char who[128];
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, rows);
        break;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, rows);
        break;
    case REQ_MOVE_FIRST:
        app_move(app, -(long)n, n, rows);
        break;
    case REQ_MOVE_LAST:
        app_move(app, (long)n, n, rows);
        break;
    case REQ_ENTER:
    case REQ_TOGGLE_PROFILE:
        app->show_profile = !app->show_profile;
        break;
    case REQ_BACK:
        app->show_profile = false;
        break;
    case REQ_REQUEST_ACCEPT: {
        int64_t id = current_request_id(app, who, sizeof who);
        if (!id) {
            app_message(app, true, "No request is waiting for you");
            break;
        }
        snprintf(app->form_text, sizeof app->form_text,
                 "Accept %s's request? The pairing starts now and counts against your places.",
                 who);
        form_init(&app->form, "Accept the request?", app->form_text);
        app_form_open(app, accept_confirmed, id);
        break;
    }
    case REQ_REQUEST_DECLINE: {
        int64_t id = current_request_id(app, who, sizeof who);
        if (!id) {
            app_message(app, true, "No request is waiting for you");
            break;
        }
        snprintf(app->form_title, sizeof app->form_title, "Decline %s's request", who);
        form_init(&app->form, app->form_title, NULL);
        struct form_field *f = form_add(&app->form, FORM_TEXT, "Reason (shown to them)", false);
        f->max_chars = 500;
        app_form_open(app, decline_given, id);
        break;
    }
    case REQ_PAIRING_END:
        if (app->sel[SCREEN_MATCHES] < n)
            ask_end(app, cJSON_GetArrayItem(list, (int)app->sel[SCREEN_MATCHES]));
        break;
    default:
        r = APP_UNHANDLED;
        break;
    }
    cJSON_Delete(list);
    return r;
}

const struct screen_ops screen_MATCHES_ops = {.draw = matches_draw, .handle = matches_handle};

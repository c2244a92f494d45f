/* profile.c - the profile pane: the user's own questionnaire answers, each
 * marked shown or administrators-only, edited one at a time and checked
 * here as the server will check them (the shared codec) before anything is
 * queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/rules.h"
#include "mento/text.h"

/* An answer as one line of text: lists joined with commas. */
static void answer_text(const cJSON *v, char *out, size_t cap)
{
    out[0] = '\0';
    if (cJSON_IsString(v)) {
        snprintf(out, cap, "%s", v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        snprintf(out, cap, "%d", v->valueint);
    } else if (cJSON_IsArray(v)) {
        size_t used = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it))
                continue;
            int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", it->valuestring);
            if (n < 0 || (size_t)n >= cap - used)
                break;
            used += (size_t)n;
        }
    }
}

static cJSON *membership(struct app *app)
{
    return store_get(app->store, app->opt.programme, "memberships", app->opt.programme);
}

static bool frozen(struct app *app)
{
    cJSON *a = store_get(app->store, app->opt.programme, "account", NULL);
    bool f = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "frozen"));
    cJSON_Delete(a);
    return f;
}

/* The membership line and the account line, with their keys. */
static void draw_membership(struct app *app, int y, int cols)
{
    cJSON *m = membership(app);
    char line[512], k[16] = "", h[16] = "", f[16] = "";
    keymap_keys_for(&app->keymap, SCREEN_PROFILE, REQ_CAPACITY, k, sizeof k);
    keymap_keys_for(&app->keymap, SCREEN_PROFILE, REQ_HIDE_TOGGLE, h, sizeof h);
    keymap_keys_for(&app->keymap, SCREEN_PROFILE, REQ_FREEZE_TOGGLE, f, sizeof f);
    bool mentor = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "roles"))
    {
        mentor |= cJSON_IsString(r) && strcmp(r->valuestring, "mentor") == 0;
    }
    if (m && mentor) {
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(m, "capacity");
        const cJSON *men = cJSON_GetObjectItemCaseSensitive(m, "mentees");
        bool hidden = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "hidden"));
        snprintf(line, sizeof line,
                 "As a mentor: %d of %d places taken (%s changes it) · profile %s (%s)",
                 cJSON_IsNumber(men) ? men->valueint : 0, cJSON_IsNumber(cap) ? cap->valueint : 0,
                 k, hidden ? "hidden from the directory" : "in the directory", h);
        app_put(app, y, 2, cols - 4, line, 0);
    }
    snprintf(line, sizeof line, "Account %s (%s %s)",
             frozen(app) ? "frozen: out of every pairing process" : "active", f,
             frozen(app) ? "unfreezes" : "freezes");
    app_put(app, y + 1, 2, cols - 4, line, 0);
    cJSON_Delete(m);
    /* The user's programmes, this one marked, and the key to go to the next. */
    cJSON *acc = store_get(app->store, app->opt.programme, "account", NULL);
    const cJSON *progs = cJSON_GetObjectItemCaseSensitive(acc, "programmes");
    if (cJSON_GetArraySize(progs) > 0) {
        char sw[16] = "";
        keymap_keys_for(&app->keymap, SCREEN_PROFILE, REQ_SWITCH_PROGRAMME, sw, sizeof sw);
        size_t used = (size_t)snprintf(line, sizeof line, "Programmes:");
        const cJSON *pr;
        cJSON_ArrayForEach(pr, progs)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(pr, "programme");
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(pr, "status");
            if (!cJSON_IsString(id) || used >= sizeof line)
                continue;
            /* "[together]" for this one; a status other than active shown. */
            bool here = strcmp(id->valuestring, app->opt.programme) == 0;
            char status[40] = "";
            if (cJSON_IsString(st) && strcmp(st->valuestring, "active") != 0)
                snprintf(status, sizeof status, " (%.30s)", st->valuestring);
            used += (size_t)snprintf(line + used, sizeof line - used, " %s%s%s%s", here ? "[" : "",
                                     id->valuestring, status, here ? "]" : "");
        }
        if (used < sizeof line && cJSON_GetArraySize(progs) > 1)
            snprintf(line + used, sizeof line - used, " · %s goes to the next", sw);
        app_put(app, y - 1, 2, cols - 4, line, 0);
    }
    cJSON_Delete(acc);
}

/* The programme after this one among the user's (NULL: no other). */
static void switch_programme(struct app *app)
{
    cJSON *acc = store_get(app->store, app->opt.programme, "account", NULL);
    const cJSON *progs = cJSON_GetObjectItemCaseSensitive(acc, "programmes");
    int n = cJSON_GetArraySize(progs), at = -1;
    for (int i = 0; i < n; i++) {
        const cJSON *id =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(progs, i), "programme");
        if (cJSON_IsString(id) && strcmp(id->valuestring, app->opt.programme) == 0)
            at = i;
    }
    const cJSON *next =
        n > 1
            ? cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(progs, (at + 1) % n), "programme")
            : NULL;
    if (cJSON_IsString(next)) {
        char id[64];
        snprintf(id, sizeof id, "%s", next->valuestring);
        cJSON_Delete(acc);
        app_switch_programme(app, id);
        return;
    }
    cJSON_Delete(acc);
    app_message(app, true, "You take part in this programme only");
}

static void profile_draw(struct app *app, int top, int rows, int cols)
{
    app_put(app, top, 0, cols, "Your profile (Enter changes the selected answer)", A_BOLD);
    cJSON *p = store_get(app->store, app->opt.programme, "profile", NULL);
    if (!p) {
        app_put(app, top + 2, 2, cols - 4,
                "Not in the local store yet: it comes with the first sync.", 0);
        return;
    }
    const struct mento_question *qs = mento_questionnaire();
    size_t n = MENTO_QUESTION_COUNT;
    int list_rows = rows - 6;
    app_move(app, 0, n, list_rows);
    int y = top + 2;
    for (size_t i = app->top[SCREEN_PROFILE]; i < n && y < top + rows - 1; i++) {
        char value[1024], label[64], line[1400];
        answer_text(cJSON_GetObjectItemCaseSensitive(p, qs[i].key), value, sizeof value);
        text_fit_pad(qs[i].label, 24, label, sizeof label);
        snprintf(line, sizeof line, "%s %s%s", label, value[0] ? value : "-",
                 qs[i].visibility == MENTO_VIS_ADMIN_ONLY ? "   (administrators only)" : "");
        app_put(app, y++, 2, cols - 4, line, i == app->sel[SCREEN_PROFILE] ? A_REVERSE : 0);
    }
    cJSON_Delete(p);
    draw_membership(app, top + rows - 3, cols);
}

/* The typed text as the JSON value the question takes. */
static cJSON *value_of(const struct mento_question *q, const char *text)
{
    if (!*text)
        return cJSON_CreateNull();
    switch (q->type) {
    case MENTO_Q_INT:
        return cJSON_CreateNumber(atoi(text));
    case MENTO_Q_LANGS:
    case MENTO_Q_TAGS: {
        cJSON *a = cJSON_CreateArray();
        char buf[FORM_TEXT_MAX];
        snprintf(buf, sizeof buf, "%s", text);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            size_t l = strlen(t);
            while (l && t[l - 1] == ' ')
                t[--l] = '\0';
            if (*t)
                cJSON_AddItemToArray(a, cJSON_CreateString(t));
        }
        return a;
    }
    default:
        return cJSON_CreateString(text);
    }
}

static void answer_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    const struct mento_question *q = &mento_questionnaire()[app->form_ref];
    cJSON *value = value_of(q, app->form.fields[0].value);
    cJSON *stored = store_get(app->store, app->opt.programme, "profile", NULL);
    if (!stored)
        stored = cJSON_CreateObject();
    /* The same checks as the server's, on the answers as they will be. */
    struct mento_profile p;
    mento_profile_init(&p);
    struct codec_error err;
    mento_status st = codec_profile_from_json(stored, &p, &err);
    if (st == MENTO_OK && cJSON_IsNull(value)) {
        const char *missing = NULL;
        cJSON *copy = cJSON_Duplicate(stored, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, q->key);
        struct mento_profile c;
        mento_profile_init(&c);
        if (codec_profile_from_json(copy, &c, &err) != MENTO_OK ||
            rules_check_required(&c, &missing) != MENTO_OK) {
            app_message(app, true, "Not saved: %s is needed", q->label);
            st = MENTO_ERR_MISSING;
        }
        mento_profile_free(&c);
        cJSON_Delete(copy);
    } else if (st == MENTO_OK) {
        st = codec_profile_set_answer(&p, q->key, value, &err);
        if (st != MENTO_OK)
            app_message(app, true, "Not saved: %s (%s)", mento_status_message(st), q->label);
    }
    mento_profile_free(&p);
    if (st != MENTO_OK) {
        cJSON_Delete(value);
        cJSON_Delete(stored);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "key", q->key);
    cJSON_AddItemToObject(body, "value", cJSON_Duplicate(value, 1));
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (cJSON_IsNull(value))
        cJSON_DeleteItemFromObjectCaseSensitive(stored, q->key);
    else if (cJSON_GetObjectItemCaseSensitive(stored, q->key))
        cJSON_ReplaceItemInObjectCaseSensitive(stored, q->key, value);
    else
        cJSON_AddItemToObject(stored, q->key, value);
    st = json ? store_begin(app->store) : MENTO_ERR_NOMEM;
    if (st == MENTO_OK)
        st = store_put(app->store, app->opt.programme, "profile", NULL, stored);
    if (st == MENTO_OK)
        st = app_queue(app, "profile.set", json);
    if (st == MENTO_OK)
        st = store_commit(app->store);
    else if (json)
        store_rollback(app->store);
    free(json);
    cJSON_Delete(stored);
    if (st != MENTO_OK)
        app_message(app, true, "Could not save to the local store");
    else
        app_message(app, false, "%s saved%s", q->label,
                    !app->net || app->sync.link == SYNC_LINK_OFFLINE
                        ? " (queued: sent at the next sync)"
                        : "");
}

static void edit(struct app *app)
{
    size_t i = app->sel[SCREEN_PROFILE];
    if (i >= MENTO_QUESTION_COUNT)
        return;
    const struct mento_question *q = &mento_questionnaire()[i];
    cJSON *p = store_get(app->store, app->opt.programme, "profile", NULL);
    char value[FORM_TEXT_MAX];
    answer_text(cJSON_GetObjectItemCaseSensitive(p, q->key), value, sizeof value);
    cJSON_Delete(p);
    snprintf(app->form_title, sizeof app->form_title, "%s", q->label);
    const char *hint = q->type == MENTO_Q_TAGS       ? "Separate them with commas."
                       : q->type == MENTO_Q_LANGS    ? "en, fr or both, with a comma."
                       : q->type == MENTO_Q_TIMEZONE ? "A zone such as Africa/Nairobi."
                       : q->type == MENTO_Q_CHOICE   ? "Exactly as in the programme's list."
                                                     : NULL;
    form_init(&app->form, app->form_title, hint);
    struct form_field *f =
        form_add(&app->form, q->type == MENTO_Q_INT ? FORM_NUMBER : FORM_TEXT, "Answer", false);
    if (q->type == MENTO_Q_INT) {
        f->min = 0;
        f->max = q->max;
    } else if (q->type != MENTO_Q_TAGS && q->max > 0) {
        f->max_chars = (size_t)q->max;
    }
    form_set(f, value);
    app_form_open(app, answer_given, (int64_t)i);
}

/* A membership change: at once in the store, queued for the server. */
static void membership_change(struct app *app, const char *field, cJSON *value, const char *done)
{
    cJSON *m = membership(app);
    if (!m) {
        cJSON_Delete(value);
        app_message(app, true, "Your membership is not in the local store yet: sync first");
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, field, cJSON_Duplicate(value, 1));
    if (cJSON_GetObjectItemCaseSensitive(m, field))
        cJSON_ReplaceItemInObjectCaseSensitive(m, field, value);
    else
        cJSON_AddItemToObject(m, field, value);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    mento_status st = json ? store_begin(app->store) : MENTO_ERR_NOMEM;
    if (st == MENTO_OK)
        st = store_put(app->store, app->opt.programme, "memberships", app->opt.programme, m);
    if (st == MENTO_OK)
        st = app_queue(app, "membership.update", json);
    if (st == MENTO_OK)
        st = store_commit(app->store);
    else if (json)
        store_rollback(app->store);
    free(json);
    cJSON_Delete(m);
    app_message(app, st != MENTO_OK, "%s", st == MENTO_OK ? done : "Could not save locally");
}

static void capacity_given(struct app *app, enum form_result r)
{
    if (r == FORM_ACCEPTED)
        membership_change(app, "capacity", cJSON_CreateNumber(atoi(app->form.fields[0].value)),
                          "Capacity changed");
}

static void freeze_confirmed(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    bool now_frozen = !frozen(app);
    /* The account as the last sync brought it, with the change made here. */
    cJSON *a = store_get(app->store, app->opt.programme, "account", NULL);
    if (!a)
        a = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(a, "frozen");
    cJSON_AddBoolToObject(a, "frozen", now_frozen);
    mento_status st = store_begin(app->store);
    if (st == MENTO_OK)
        st = store_put(app->store, app->opt.programme, "account", NULL, a);
    if (st == MENTO_OK)
        st = app_queue(app, now_frozen ? "account.freeze" : "account.unfreeze",
                       now_frozen ? "{\"end_pairings\":true}" : "{}");
    if (st == MENTO_OK)
        st = store_commit(app->store);
    else
        store_rollback(app->store);
    cJSON_Delete(a);
    app_message(app, st != MENTO_OK, "%s",
                st != MENTO_OK ? "Could not save locally"
                : now_frozen   ? "Account frozen"
                               : "Account active again, as it was");
}

/* Freezing ends every current pairing: say which before asking. */
static void ask_freeze(struct app *app)
{
    if (frozen(app)) {
        form_init(&app->form, "Unfreeze your account?",
                  "Your profile comes back as it was; ended pairings stay ended.");
        app_form_open(app, freeze_confirmed, 0);
        return;
    }
    cJSON *all = store_list(app->store, app->opt.programme, "pairings");
    size_t used = 0;
    char names[300] = "";
    int n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, all)
    {
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
        if (!cJSON_IsString(state) || strcmp(state->valuestring, "active") != 0)
            continue;
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(p, "partner"), "name");
        int w = snprintf(names + used, sizeof names - used, "%s%s", n ? ", " : "",
                         cJSON_IsString(nm) ? nm->valuestring : "?");
        if (w > 0 && (size_t)w < sizeof names - used)
            used += (size_t)w;
        n++;
    }
    cJSON_Delete(all);
    if (n)
        snprintf(app->form_text, sizeof app->form_text,
                 "Freezing takes you out of every pairing process: your open request is "
                 "withdrawn and %d pairing%s end%s (%s).",
                 n, n == 1 ? "" : "s", n == 1 ? "s" : "", names);
    else
        snprintf(app->form_text, sizeof app->form_text,
                 "Freezing takes you out of every pairing process and out of the directory; "
                 "your open request, if any, is withdrawn.");
    form_init(&app->form, "Freeze your account?", app->form_text);
    app_form_open(app, freeze_confirmed, 0);
}

static int profile_handle(struct app *app, enum request req)
{
    size_t n = MENTO_QUESTION_COUNT;
    int rows = app->rows - 6;
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
    case REQ_ENTER:
        edit(app);
        return APP_REDRAW;
    case REQ_CAPACITY: {
        form_init(&app->form, "How many mentees you take", NULL);
        struct form_field *f = form_add(&app->form, FORM_NUMBER, "Capacity", true);
        f->min = 1;
        f->max = 10;
        app_form_open(app, capacity_given, 0);
        return APP_REDRAW;
    }
    case REQ_HIDE_TOGGLE: {
        cJSON *m = membership(app);
        bool hidden = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "hidden"));
        cJSON_Delete(m);
        membership_change(app, "hidden", cJSON_CreateBool(!hidden),
                          hidden ? "Your profile is back in the directory"
                                 : "Your profile is hidden; your pairings go on");
        return APP_REDRAW;
    }
    case REQ_FREEZE_TOGGLE:
        ask_freeze(app);
        return APP_REDRAW;
    case REQ_SWITCH_PROGRAMME:
        switch_programme(app);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

const struct screen_ops screen_PROFILE_ops = {.draw = profile_draw, .handle = profile_handle};

/* sessions.c - the session plan of the pairing selected in the matches pane:
 * numbered sessions with their agenda, state and date in local time; book
 * one or a series, reschedule, cancel, mark done with feedback (and then the
 * offer to book the next); save a session's calendar invitation to a file. */
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

static const char *my_zone(struct app *app)
{
    return app->have_me && app->me.timezone ? app->me.timezone : "UTC";
}

/* The pairing the plan is about: the newest current one. A copy, or NULL. */
static cJSON *current_pairing(struct app *app)
{
    cJSON *all = store_list(app->store, app->opt.programme, "pairings");
    cJSON *found = NULL;
    const cJSON *p;
    cJSON_ArrayForEach(p, all)
    {
        if (strcmp(str_of(p, "state"), "active") != 0)
            continue;
        if (!found || strcmp(str_of(p, "started_at"), str_of(found, "started_at")) > 0) {
            cJSON_Delete(found);
            found = cJSON_Duplicate(p, 1);
        }
    }
    cJSON_Delete(all);
    return found;
}

/* The sessions of a pairing in number order (a new array). */
static cJSON *plan_of(struct app *app, int64_t pairing)
{
    cJSON *all = store_list(app->store, app->opt.programme, "sessions");
    cJSON *out = cJSON_CreateArray();
    for (int number = 1; number <= 64; number++) {
        const cJSON *s;
        cJSON_ArrayForEach(s, all)
        {
            if (int_of(s, "pairing_id") == pairing && int_of(s, "number") == number)
                cJSON_AddItemToArray(out, cJSON_Duplicate(s, 1));
        }
    }
    cJSON_Delete(all);
    return out;
}

static void local(const char *iso, const char *tz, char *out, size_t cap)
{
    int64_t t;
    struct rules_local_time lt;
    if (*iso && codec_time_parse(iso, &t) == MENTO_OK && rules_local_time(t, tz, &lt) == MENTO_OK)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day, lt.hour,
                 lt.minute);
    else
        snprintf(out, cap, "not booked");
}

/* What is queued for session `s` of `pairing` (NULL: nothing): a booking
 * fills the lowest planned sessions, as the server will; a change names its
 * session. `when` receives the queued start, when there is one. */
static const char *queued_change(const cJSON *ops, int64_t pairing, const cJSON *s, int *planned,
                                 char *when, size_t when_cap)
{
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        const char *type = str_of(op, "type");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(op, "body");
        if (strcmp(type, "session.book") == 0 && int_of(body, "pairing_id") == pairing &&
            strcmp(str_of(s, "state"), "planned") == 0) {
            const cJSON *rec = cJSON_GetObjectItemCaseSensitive(body, "recurrence");
            int64_t count = rec ? int_of(rec, "count") : 1;
            if ((*planned)++ < count) {
                snprintf(when, when_cap, "%s", (*planned == 1) ? str_of(body, "starts_at") : "");
                return "booking";
            }
        } else if (strncmp(type, "session.", 8) == 0 &&
                   int_of(body, "session_id") == int_of(s, "id")) {
            snprintf(when, when_cap, "%s", str_of(body, "starts_at"));
            return strcmp(type, "session.reschedule") == 0 ? "moving"
                   : strcmp(type, "session.cancel") == 0   ? "cancelling"
                                                           : "marking done";
        }
    }
    return NULL;
}

static void sessions_draw(struct app *app, int top, int rows, int cols)
{
    cJSON *p = current_pairing(app);
    if (!p) {
        app_put(app, top, 0, cols, "Sessions", A_BOLD);
        app_put(app, top + 2, 2, cols - 4,
                "No current pairing: the session plan comes with a pairing.", 0);
        return;
    }
    char line[1200];
    snprintf(line, sizeof line, "Sessions with %s (%s)",
             str_of(cJSON_GetObjectItemCaseSensitive(p, "partner"), "name"), str_of(p, "kind"));
    app_put(app, top, 0, cols, line, A_BOLD);
    cJSON *plan = plan_of(app, int_of(p, "id"));
    cJSON *ops = store_outbox_queued(app->store, app->opt.programme);
    size_t n = (size_t)cJSON_GetArraySize(plan);
    int y = top + 2, planned = 0;
    app_move(app, 0, n, (rows - 4) / 2);
    for (size_t i = 0; i < n && y < top + rows - 3; i++) {
        const cJSON *s = cJSON_GetArrayItem(plan, (int)i);
        char when[48], agenda[256], queued_at[CODEC_TIME_LEN + 8] = "";
        /* Sessions changed offline show the change and its time, marked. */
        const char *change =
            queued_change(ops, int_of(p, "id"), s, &planned, queued_at, sizeof queued_at);
        if (i < app->top[SCREEN_SESSIONS])
            continue;
        local(*queued_at ? queued_at : str_of(s, "starts_at"), my_zone(app), when, sizeof when);
        char shown[320];
        snprintf(shown, sizeof shown, "%s%s%s", change ? change : "",
                 change ? ", sent at the next sync: " : "", str_of(s, "agenda"));
        text_fit(shown, 60, 1, agenda, sizeof agenda);
        snprintf(line, sizeof line, "%2lld. %-9s %-16s %s", (long long)int_of(s, "number"),
                 change ? "queued" : str_of(s, "state"), when, agenda);
        app_put(app, y++, 2, cols - 4, line, i == app->sel[SCREEN_SESSIONS] ? A_REVERSE : 0);
    }
    cJSON_Delete(ops);
    /* The whole agenda of the selected session, for reading. */
    const cJSON *sel = cJSON_GetArrayItem(plan, (int)app->sel[SCREEN_SESSIONS]);
    if (sel && *str_of(sel, "agenda") && y + 1 < top + rows) {
        app_put(app, ++y, 2, cols - 4, "Agenda:", A_BOLD);
        app_put(app, ++y, 4, cols - 6, str_of(sel, "agenda"), 0);
    }
    cJSON_Delete(plan);
    cJSON_Delete(p);
}

/* Local date and time in `tz` to a UTC instant (the offset found at the
 * guess, then checked again, which settles daylight-saving changes). */
static bool to_utc(const char *date, const char *time_, const char *tz, int64_t *out)
{
    int y, mo, d, h, mi;
    if (sscanf(date, "%d-%d-%d", &y, &mo, &d) != 3 || sscanf(time_, "%d:%d", &h, &mi) != 2)
        return false;
    /* Days from the civil date (proleptic Gregorian). */
    int yy = mo <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    int64_t wall = days * 86400 + h * 3600 + mi * 60;
    struct rules_local_time lt;
    int64_t t = wall;
    for (int i = 0; i < 2; i++) {
        if (rules_local_time(t, tz, &lt) != MENTO_OK)
            return false;
        t = wall - lt.utc_offset;
    }
    *out = t;
    return true;
}

static const char *const durations[] = {"60", "45", "30"};

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

static void book_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    struct form *f = &app->form;
    const char *tz = f->fields[2].value;
    if (!rules_timezone_valid(tz)) {
        app_message(app, true, "Not booked: %s is not a time zone", tz);
        return;
    }
    int64_t t;
    if (!to_utc(f->fields[0].value, f->fields[1].value, tz, &t)) {
        app_message(app, true, "Not booked: the date or time is not right");
        return;
    }
    if (t < app_now() / 1000) {
        app_message(app, true, "Not booked: that time has passed");
        return;
    }
    cJSON *b = cJSON_CreateObject();
    char iso[CODEC_TIME_LEN];
    codec_time_format(t, iso);
    cJSON_AddNumberToObject(b, "pairing_id", (double)app->form_ref);
    cJSON_AddStringToObject(b, "starts_at", iso);
    cJSON_AddStringToObject(b, "timezone", tz);
    cJSON_AddNumberToObject(b, "duration_min", atoi(form_choice(&f->fields[3])));
    int every = atoi(f->fields[4].value), count = atoi(f->fields[5].value);
    if (every > 0 || count > 0) {
        if (every < 1 || count < 2) {
            cJSON_Delete(b);
            app_message(app, true, "Not booked: a series needs every N weeks and at least 2 times");
            return;
        }
        cJSON *rec = cJSON_AddObjectToObject(b, "recurrence");
        cJSON_AddNumberToObject(rec, "every_weeks", every);
        cJSON_AddNumberToObject(rec, "count", count);
    }
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (json)
        queue(app, "session.book", json, count > 1 ? "The sessions are booked" : "Booked");
    free(json);
}

static void ask_book(struct app *app, int64_t pairing)
{
    snprintf(app->form_title, sizeof app->form_title, "Book a session");
    form_init(&app->form, app->form_title,
              "For a series, give both how many weeks apart and how many times.");
    struct form_field *f = form_add(&app->form, FORM_DATE, "Date (YYYY-MM-DD)", true);
    f = form_add(&app->form, FORM_TIME, "Time (HH:MM)", true);
    f = form_add(&app->form, FORM_TEXT, "Time zone", true);
    form_set(f, my_zone(app));
    f = form_add(&app->form, FORM_CHOICE, "Minutes", true);
    f->choices = durations;
    f->n_choices = 3;
    f = form_add(&app->form, FORM_NUMBER, "Every N weeks", false);
    f->min = 1;
    f->max = 8;
    f = form_add(&app->form, FORM_NUMBER, "How many times", false);
    f->min = 2;
    f->max = 6;
    app_form_open(app, book_given, pairing);
}

static void reschedule_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    const char *tz = app->form.fields[2].value;
    int64_t t;
    if (!rules_timezone_valid(tz) ||
        !to_utc(app->form.fields[0].value, app->form.fields[1].value, tz, &t)) {
        app_message(app, true, "Not moved: the date, time or zone is not right");
        return;
    }
    char iso[CODEC_TIME_LEN];
    codec_time_format(t, iso);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "session_id", (double)app->form_ref);
    cJSON_AddStringToObject(b, "starts_at", iso);
    cJSON_AddStringToObject(b, "timezone", tz);
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (json)
        queue(app, "session.reschedule", json, "Moved; your partner is told");
    free(json);
}

static void cancel_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "session_id", (double)app->form_ref);
    if (app->form.fields[0].value[0])
        cJSON_AddStringToObject(b, "reason", app->form.fields[0].value);
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (json)
        queue(app, "session.cancel", json, "Cancelled; your partner is told");
    free(json);
}

static const char *const ratings[] = {"4", "3", "2", "1"};

static void book_next(struct app *app, enum form_result r)
{
    if (r == FORM_ACCEPTED)
        ask_book(app, app->form_ref);
}

static void done_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    struct form *f = &app->form;
    cJSON *b = cJSON_CreateObject();
    int64_t session = app->form_ref;
    cJSON_AddNumberToObject(b, "session_id", (double)session);
    cJSON_AddNumberToObject(b, "rating", atoi(form_choice(&f->fields[0])));
    cJSON_AddStringToObject(b, "progress", form_choice(&f->fields[1]));
    cJSON_AddStringToObject(b, "fit", form_choice(&f->fields[2]));
    if (f->fields[3].value[0])
        cJSON_AddStringToObject(b, "comment", f->fields[3].value);
    char *json = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    if (json)
        queue(app, "session.done", json, "Marked done, with your feedback");
    free(json);
    /* The next one, while it is fresh in mind. */
    cJSON *p = current_pairing(app);
    if (!p)
        return;
    snprintf(app->form_text, sizeof app->form_text, "Book the next session now?");
    form_init(&app->form, "Next session", app->form_text);
    app_form_open(app, book_next, int_of(p, "id"));
    cJSON_Delete(p);
}

static void ask_done(struct app *app, const cJSON *s)
{
    snprintf(app->form_title, sizeof app->form_title, "Session %lld done: your feedback",
             (long long)int_of(s, "number"));
    form_init(&app->form, app->form_title,
              "The comment is seen by the programme's administrators only, never by your "
              "partner.");
    struct form_field *f = form_add(&app->form, FORM_CHOICE, "Rating (4 best)", true);
    f->choices = ratings;
    f->n_choices = 4;
    f = form_add(&app->form, FORM_CHOICE, "Progress on goals", true);
    form_answers(f, &mento_progress, "some");
    f = form_add(&app->form, FORM_CHOICE, "How the pairing fits", true);
    form_answers(f, &mento_fit, NULL);
    f = form_add(&app->form, FORM_TEXT, "Comment", false);
    f->max_chars = 2000;
    app_form_open(app, done_given, int_of(s, "id"));
}

/* ---- The invitation, saved to a file ---------------------------------------------- */

static bool has_invitation(const cJSON *s)
{
    return strcmp(str_of(s, "state"), "booked") == 0 ||
           (strcmp(str_of(s, "state"), "cancelled") == 0 && *str_of(s, "starts_at"));
}

/* Write the kept file of the session, if it is current; false when the
 * store has none. */
static bool write_kept(struct app *app, const char *note)
{
    struct export_job *job = &app->export_job;
    size_t len;
    char *body = store_calendar_current(app->store, app->opt.programme, job->session_id, &len);
    if (!body)
        return false;
    char err[EXPORT_PATH_MAX + 128];
    enum export_status st = export_write(job->path, body, len, job->replace, err, sizeof err);
    free(body);
    if (st == EXPORT_OK)
        app_message(app, false, "Saved the invitation of session %d in %s%s", job->number,
                    job->path, note);
    else if (st == EXPORT_EXISTS)
        app_message(app, true, "Not saved: %s appeared meanwhile and was left as it was",
                    job->path);
    else
        app_message(app, true, "Not saved: %s", err);
    return true;
}

/* The file is to be written: from the server when the link works, else
 * from the copy kept when the session last synced. */
static void export_go(struct app *app)
{
    struct export_job *job = &app->export_job;
    bool link = app->net && app->sync.link != SYNC_LINK_OFFLINE;
    if (!link && write_kept(app, " (as kept at the last sync)"))
        return;
    if (!app->net) {
        app_message(app, true,
                    "Not saved: the invitation of session %d needs the link, and none was kept "
                    "for this version of the session (offline by choice)",
                    job->number);
        return;
    }
    job->waiting = true;
    fetch_calendar_now(&app->fetch, job->session_id);
    fetch_step(&app->fetch, app_link_ok(app));
    app_message(app, false, "Fetching the invitation of session %d…", job->number);
}

static void replace_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED) {
        app_message(app, false, "Not saved: %s is left as it was", app->export_job.path);
        return;
    }
    app->export_job.replace = true;
    export_go(app);
}

static void file_given(struct app *app, enum form_result r)
{
    if (r != FORM_ACCEPTED)
        return;
    struct export_job *job = &app->export_job;
    char name[64], err[EXPORT_PATH_MAX + 128];
    snprintf(name, sizeof name, "mento-session-%lld.ics", (long long)job->session_id);
    enum export_status st =
        export_check(app->form.fields[0].value, app->opt.home, app->opt.calendar_dir, name,
                     job->path, sizeof job->path, err, sizeof err);
    if (st == EXPORT_EXISTS) {
        snprintf(app->form_text, sizeof app->form_text,
                 "%.380s already exists. Replace it with the invitation of session %d?", job->path,
                 job->number);
        form_init(&app->form, "Replace the file?", app->form_text);
        app_form_open(app, replace_given, job->session_id);
        return;
    }
    if (st != EXPORT_OK) {
        app_message(app, true, "Not saved: %s", err);
        return;
    }
    job->replace = false;
    export_go(app);
}

static void ask_export(struct app *app, const cJSON *s)
{
    struct export_job *job = &app->export_job;
    if (job->waiting) {
        app_message(app, true, "The invitation of session %d is still on its way", job->number);
        return;
    }
    memset(job, 0, sizeof *job);
    job->session_id = int_of(s, "id");
    job->number = (int)int_of(s, "number");
    snprintf(app->form_title, sizeof app->form_title, "Save the invitation of session %d",
             job->number);
    form_init(&app->form, app->form_title,
              strcmp(str_of(s, "state"), "cancelled") == 0
                  ? "An iCalendar file that takes the cancelled session out of Outlook or any "
                    "other calendar."
                  : "An iCalendar file for Outlook or any other calendar. A file of that name is "
                    "replaced only if you say so.");
    struct form_field *f = form_add(&app->form, FORM_TEXT, "File", true);
    char path[EXPORT_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/mento-session-%lld.ics",
             app->opt.calendar_dir && *app->opt.calendar_dir ? app->opt.calendar_dir : ".",
             (long long)job->session_id);
    form_set(f, path);
    app_form_open(app, file_given, job->session_id);
}

/* The server's file came back (or did not). */
static void sessions_fetched(struct app *app, const struct fetch_report *rep)
{
    struct export_job *job = &app->export_job;
    if (!rep->urgent || !job->waiting || rep->session_id != job->session_id)
        return;
    job->waiting = false;
    if (!rep->failed) {
        if (!write_kept(app, ""))
            app_message(app, true,
                        "Not saved: the invitation could not be read back from the "
                        "local store");
        return;
    }
    /* The link failed: the copy kept at the last sync still does. */
    if (rep->transport &&
        write_kept(app, " (as kept at the last sync: the server is out of reach)"))
        return;
    if (rep->transport)
        app_message(app, true, "Not saved: the invitation of session %d needs the link (%s)",
                    job->number, rep->message);
    else
        app_message(app, true, "Not saved: %s", rep->message);
}

static int sessions_handle(struct app *app, enum request req)
{
    cJSON *p = current_pairing(app);
    cJSON *plan = p ? plan_of(app, int_of(p, "id")) : cJSON_CreateArray();
    size_t n = (size_t)cJSON_GetArraySize(plan);
    const cJSON *s = cJSON_GetArrayItem(plan, (int)app->sel[SCREEN_SESSIONS]);
    int rows = (app->rows - 8) / 2;
    int r = APP_REDRAW;
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, rows);
        break;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, rows);
        break;
    case REQ_SESSION_BOOK:
        if (p)
            ask_book(app, int_of(p, "id"));
        else
            app_message(app, true, "No current pairing to book a session in");
        break;
    case REQ_SESSION_RESCHEDULE:
        if (!s || strcmp(str_of(s, "state"), "booked") != 0) {
            app_message(app, true, "Only a booked session can be moved");
            break;
        }
        snprintf(app->form_title, sizeof app->form_title, "Move session %lld",
                 (long long)int_of(s, "number"));
        form_init(&app->form, app->form_title, NULL);
        form_add(&app->form, FORM_DATE, "Date (YYYY-MM-DD)", true);
        form_add(&app->form, FORM_TIME, "Time (HH:MM)", true);
        form_set(form_add(&app->form, FORM_TEXT, "Time zone", true),
                 *str_of(s, "timezone") ? str_of(s, "timezone") : my_zone(app));
        app_form_open(app, reschedule_given, int_of(s, "id"));
        break;
    case REQ_SESSION_CANCEL:
        if (!s || strcmp(str_of(s, "state"), "booked") != 0) {
            app_message(app, true, "Only a booked session can be cancelled");
            break;
        }
        form_init(&app->form, "Cancel the session?", NULL);
        form_add(&app->form, FORM_TEXT, "Reason (shown to your partner)", false)->max_chars = 500;
        app_form_open(app, cancel_given, int_of(s, "id"));
        break;
    case REQ_SESSION_DONE:
        if (!s || strcmp(str_of(s, "state"), "cancelled") == 0) {
            app_message(app, true, "Select a session that took place");
            break;
        }
        ask_done(app, s);
        break;
    case REQ_SESSION_EXPORT:
        if (!s || !has_invitation(s)) {
            app_message(app, true, "Only a booked or cancelled session has an invitation");
            break;
        }
        ask_export(app, s);
        break;
    default:
        r = APP_UNHANDLED;
        break;
    }
    cJSON_Delete(plan);
    cJSON_Delete(p);
    return r;
}

const struct screen_ops screen_SESSIONS_ops = {
    .draw = sessions_draw,
    .handle = sessions_handle,
    .fetched = sessions_fetched,
};

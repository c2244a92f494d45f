/* directory.c - the mentor directory pane: the filter bar, the list (name,
 * grade, entity, duty station, languages, score, full), and the profile of
 * the selected mentor with the reasons for the match score. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/layout.h"
#include "mento/rules.h"
#include "mento/text.h"

static const char *languages_text(unsigned langs)
{
    switch (langs & MENTO_LANG_ALL) {
    case MENTO_LANG_EN:
        return "en";
    case MENTO_LANG_FR:
        return "fr";
    case MENTO_LANG_ALL:
        return "en fr";
    default:
        return "";
    }
}

static const struct directory_entry *selected(struct app *app)
{
    if (!app->dir_loaded || app->dir.n_view == 0)
        return NULL;
    size_t s = app->sel[SCREEN_DIRECTORY];
    return &app->dir.entries[app->dir.view[s < app->dir.n_view ? s : app->dir.n_view - 1]];
}

/* Only the filters in use, so the bar fits 80 columns; when none, the keys. */
static void draw_filter_bar(struct app *app, int y, int cols)
{
    const struct directory_filter *f = &app->filter;
    char line[1024] = "";
    size_t n = 0;
    static const char *const labels[DIRECTORY_FACETS] = {"network", "grade", "entity", "station"};
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(line + n, sizeof line - n, __VA_ARGS__);                                 \
        if (w_ > 0 && (size_t)w_ < sizeof line - n)                                                \
            n += (size_t)w_;                                                                       \
    } while (0)
    if (f->text[0])
        ADD("\"%s\"", f->text);
    for (int i = 0; i < DIRECTORY_FACETS; i++)
        if (f->facet[i][0])
            ADD("%s%s: %s", n ? " · " : "", labels[i], f->facet[i]);
    if (f->language)
        ADD("%slanguage: %s", n ? " · " : "", languages_text(f->language));
    if (f->available_only)
        ADD("%sfree places only", n ? " · " : "");
    if (n == 0) {
        char k_text[32] = "", k_clear[32] = "";
        keymap_keys_for(&app->keymap, SCREEN_DIRECTORY, REQ_FILTER_TEXT, k_text, sizeof k_text);
        keymap_keys_for(&app->keymap, SCREEN_DIRECTORY, REQ_HELP, k_clear, sizeof k_clear);
        ADD("All mentors (%s look for, %s keys)", k_text[0] ? k_text : "-",
            k_clear[0] ? k_clear : "-");
    }
#undef ADD
    char count[96];
    snprintf(count, sizeof count, " %zu of %zu · by %s", app->dir_loaded ? app->dir.n_view : 0,
             app->dir_loaded ? app->dir.n : 0, app->sort == DIRECTORY_BY_NAME ? "name" : "score");
    int cw = text_width(count);
    app_put(app, y, 0, cols - cw - 1, line, A_BOLD);
    app_put(app, y, cols - cw, cw, count, 0);
}

static void draw_list(struct app *app, int top, int rows, int cols)
{
    struct layout_columns c;
    layout_directory_columns(cols, &c);
    char head[512];
    char a[64], b[128], d[64], e[96], g[96];
    text_fit_pad("Score", c.score, a, sizeof a);
    text_fit_pad("Name", c.name, b, sizeof b);
    text_fit_pad("Grade", c.grade, d, sizeof d);
    text_fit_pad("Entity", c.entity, e, sizeof e);
    text_fit_pad("Duty station", c.station, g, sizeof g);
    snprintf(head, sizeof head, "%s %s %s %s %s Langs Place", a, b, d, e, g);
    app_put(app, top, 0, cols, head, A_UNDERLINE);
    rows--;
    top++;
    if (!app->dir_loaded || app->dir.n == 0) {
        /* An application not (yet) selected has no directory to show. */
        cJSON *m = store_get(app->store, app->opt.programme, "memberships", app->opt.programme);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "status");
        const char *why =
            cJSON_IsString(st) && strcmp(st->valuestring, "applied") == 0
                ? "Your application is with the programme team: the directory opens to you when "
                  "you are selected."
            : cJSON_IsString(st) && strcmp(st->valuestring, "not_selected") == 0
                ? "You were not selected in this round: the directory is for those taking part."
            : app->net ? "No mentors in the local store yet: they arrive with the first sync."
                       : "No mentors in the local store. Connect once to download the "
                         "directory.";
        app_put(app, top + 1, 2, cols - 4, why, 0);
        cJSON_Delete(m);
        return;
    }
    if (app->dir.n_view == 0) {
        char keys[64] = "";
        keymap_keys_for(&app->keymap, SCREEN_DIRECTORY, REQ_FILTER_CLEAR, keys, sizeof keys);
        char msg[160];
        snprintf(msg, sizeof msg, "No mentor matches these filters (%s clears them).",
                 keys[0] ? keys : "filter-clear");
        app_put(app, top + 1, 2, cols - 4, msg, 0);
        return;
    }
    app_move(app, 0, app->dir.n_view, rows);
    size_t first = app->top[SCREEN_DIRECTORY];
    for (int r = 0; r < rows && first + (size_t)r < app->dir.n_view; r++) {
        size_t i = first + (size_t)r;
        const struct directory_entry *en = &app->dir.entries[app->dir.view[i]];
        char score[16], line[2048];
        if (en->score >= 0)
            snprintf(score, sizeof score, "%3d", en->score);
        else
            snprintf(score, sizeof score, "  -");
        char f_score[32], f_name[512], f_grade[32], f_entity[256], f_station[256], f_langs[32];
        text_fit_pad(score, c.score, f_score, sizeof f_score);
        text_fit_pad(en->name, c.name, f_name, sizeof f_name);
        text_fit_pad(directory_facet_value(&app->dir, en, DIRECTORY_GRADE), c.grade, f_grade,
                     sizeof f_grade);
        text_fit_pad(directory_facet_value(&app->dir, en, DIRECTORY_ENTITY), c.entity, f_entity,
                     sizeof f_entity);
        text_fit_pad(directory_facet_value(&app->dir, en, DIRECTORY_DUTY_STATION), c.station,
                     f_station, sizeof f_station);
        text_fit_pad(languages_text(en->languages), c.langs, f_langs, sizeof f_langs);
        snprintf(line, sizeof line, "%s %s %s %s %s %s %s", f_score, f_name, f_grade, f_entity,
                 f_station, f_langs, en->full ? "full" : "free");
        int attr = i == app->sel[SCREEN_DIRECTORY] ? A_REVERSE : en->full ? A_DIM : 0;
        app_put(app, top + r, 0, cols, line, attr);
    }
}

static const char *reason_label(mento_reason_code c)
{
    switch (c) {
    case MENTO_REASON_JOB_NETWORK:
        return "Same job network";
    case MENTO_REASON_GOALS:
        return "Expertise in your goals";
    case MENTO_REASON_SENIORITY:
        return "Senior to you";
    case MENTO_REASON_LANGUAGES:
        return "Several languages in common";
    case MENTO_REASON_DUTY_STATION:
        return "Same duty station";
    case MENTO_REASON_TIMEZONE:
        return "Close time zone";
    case MENTO_REASON_OTHER_ENTITY:
        return "A view from another entity";
    case MENTO_REASON_EXPERIENCE:
        return "Many years of experience";
    default:
        return "Other";
    }
}

/* Add "Label: value" lines for the shown answers; returns the next row. */
static int profile_line(struct app *app, int y, int x, int cols, int last, const char *label,
                        const char *value)
{
    if (!value || !*value || y > last)
        return y;
    char line[1024];
    snprintf(line, sizeof line, "%-13s %s", label, value);
    app_put(app, y, x, cols, line, 0);
    return y + 1;
}

static void join_array(const cJSON *arr, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", it->valuestring);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
}

static void draw_profile(struct app *app, int top, int rows, int x, int cols)
{
    const struct directory_entry *e = selected(app);
    int last = top + rows - 1;
    if (x > 0)
        for (int y = top; y <= last; y++)
            mvaddstr(y, x - 1, "│");
    if (!e) {
        app_put(app, top, x + 1, cols - 2, "No mentor selected.", 0);
        return;
    }
    cJSON *m = store_mentor(app->store, app->opt.programme, e->user_id);
    if (!m) {
        app_put(app, top, x + 1, cols - 2, "This mentor left the directory.", 0);
        return;
    }
    struct mento_profile p;
    mento_profile_init(&p);
    const cJSON *f;
    cJSON_ArrayForEach(f, m)
    {
        struct codec_error err;
        codec_profile_set_answer(&p, f->string, f, &err);
    }
    int y = top;
    x += 1;
    cols -= 2;
    app_put(app, y++, x, cols, p.name ? p.name : "", A_BOLD);
    y = profile_line(app, y, x, cols, last, "Grade", mento_grade_name(p.grade));
    y = profile_line(app, y, x, cols, last, "Job network", p.job_network);
    y = profile_line(app, y, x, cols, last, "Entity", p.entity);
    y = profile_line(app, y, x, cols, last, "Duty station", p.duty_station);
    y = profile_line(app, y, x, cols, last, "Time zone", p.timezone);
    y = profile_line(app, y, x, cols, last, "Languages", languages_text(p.languages));
    char buf[512];
    if (p.years_experience > 0) {
        snprintf(buf, sizeof buf, "%d years", p.years_experience);
        y = profile_line(app, y, x, cols, last, "Experience", buf);
    }
    join_array(cJSON_GetObjectItemCaseSensitive(m, "skills"), buf, sizeof buf);
    y = profile_line(app, y, x, cols, last, "Skills", buf);
    join_array(cJSON_GetObjectItemCaseSensitive(m, "goals"), buf, sizeof buf);
    y = profile_line(app, y, x, cols, last, "Goals", buf);
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(m, "capacity");
    const cJSON *men = cJSON_GetObjectItemCaseSensitive(m, "mentees");
    if (cJSON_IsNumber(cap) && cJSON_IsNumber(men)) {
        snprintf(buf, sizeof buf, "%d of %d places taken%s", men->valueint, cap->valueint,
                 e->full ? " (full)" : "");
        y = profile_line(app, y, x, cols, last, "Mentees", buf);
    }
    y = profile_line(app, y, x, cols, last, "Bio", p.bio);
    if (app->have_me && y + 1 <= last) {
        struct mento_score sc;
        rules_match_score(&app->me, &p, &sc);
        snprintf(buf, sizeof buf, "Match score %d", sc.total);
        app_put(app, ++y, x, cols, buf, A_BOLD);
        y++;
        for (size_t i = 0; i < sc.n_reasons && y <= last; i++) {
            snprintf(buf, sizeof buf, "+%-3d %s%s%s", sc.reasons[i].points,
                     reason_label(sc.reasons[i].code), sc.reasons[i].detail[0] ? ": " : "",
                     sc.reasons[i].detail);
            app_put(app, y++, x, cols, buf, 0);
        }
    }
    mento_profile_free(&p);
    cJSON_Delete(m);
}

static void directory_draw(struct app *app, int top, int rows, int cols)
{
    draw_filter_bar(app, top, cols);
    top++;
    rows--;
    struct layout_split split;
    layout_directory_split(cols, app->show_profile, &split);
    if (split.list_cols)
        draw_list(app, top, rows, split.list_cols);
    if (split.profile_cols)
        draw_profile(app, top, rows, split.profile_left, split.profile_cols);
}

static void cycle_language(struct app *app)
{
    unsigned *l = &app->filter.language;
    *l = *l == 0 ? MENTO_LANG_EN : *l == MENTO_LANG_EN ? MENTO_LANG_FR : 0;
    app_refilter(app);
}

/* Add the selected mentor to the wish-list: at once in the store, queued for
 * the server in the same transaction. */
static void wishlist_add(struct app *app)
{
    const struct directory_entry *e = selected(app);
    if (!e) {
        app_message(app, true, "Select a mentor first");
        return;
    }
    cJSON *wl = store_get(app->store, app->opt.programme, "wishlist", NULL);
    if (!wl) {
        wl = cJSON_CreateObject();
        cJSON_AddBoolToObject(wl, "cascade", 1);
    }
    cJSON *items = cJSON_GetObjectItemCaseSensitive(wl, "items");
    if (!cJSON_IsArray(items)) {
        cJSON_DeleteItemFromObjectCaseSensitive(wl, "items");
        items = cJSON_AddArrayToObject(wl, "items");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "mentor_id");
        if (cJSON_IsNumber(id) && (int64_t)id->valuedouble == e->user_id) {
            app_message(app, false, "%s is already on your wish-list", e->name);
            cJSON_Delete(wl);
            return;
        }
    }
    cJSON *item = cJSON_CreateObject();
    cJSON_AddNumberToObject(item, "mentor_id", (double)e->user_id);
    cJSON_AddNumberToObject(item, "position", cJSON_GetArraySize(items) + 1);
    cJSON_AddBoolToObject(item, "queued", 1);
    cJSON *mentor = cJSON_AddObjectToObject(item, "mentor");
    cJSON_AddNumberToObject(mentor, "user_id", (double)e->user_id);
    cJSON_AddStringToObject(mentor, "name", e->name);
    cJSON_AddItemToArray(items, item);
    char body[64];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)e->user_id);
    mento_status st = store_begin(app->store);
    if (st == MENTO_OK)
        st = store_put(app->store, app->opt.programme, "wishlist", NULL, wl);
    if (st == MENTO_OK)
        st = app_queue(app, "wishlist.add", body);
    if (st == MENTO_OK)
        st = store_commit(app->store);
    else
        store_rollback(app->store);
    cJSON_Delete(wl);
    if (st != MENTO_OK)
        app_message(app, true, "Could not save to the local store");
    else if (!app->net || app->sync.link == SYNC_LINK_OFFLINE)
        app_message(app, false, "%s added to your wish-list (queued: sent at the next sync)",
                    e->name);
    else
        app_message(app, false, "%s added to your wish-list", e->name);
}

static int directory_handle(struct app *app, enum request req)
{
    int list_rows = app->rows - 6;
    size_t n = app->dir_loaded ? app->dir.n_view : 0;
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, list_rows);
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, list_rows);
        return APP_REDRAW;
    case REQ_PAGE_UP:
        app_move(app, -list_rows, n, list_rows);
        return APP_REDRAW;
    case REQ_PAGE_DOWN:
        app_move(app, list_rows, n, list_rows);
        return APP_REDRAW;
    case REQ_MOVE_FIRST:
        app_move(app, -(long)n, n, list_rows);
        return APP_REDRAW;
    case REQ_MOVE_LAST:
        app_move(app, (long)n, n, list_rows);
        return APP_REDRAW;
    case REQ_ENTER:
    case REQ_TOGGLE_PROFILE:
        app->show_profile = !app->show_profile;
        return APP_REDRAW;
    case REQ_BACK:
        if (!app->show_profile)
            return APP_HANDLED;
        app->show_profile = false;
        return APP_REDRAW;
    case REQ_FILTER_TEXT:
        app_prompt_open(app, PROMPT_FILTER_TEXT, 0);
        return APP_REDRAW;
    case REQ_FILTER_JOB_NETWORK:
        app_prompt_open(app, PROMPT_FACET, DIRECTORY_JOB_NETWORK);
        return APP_REDRAW;
    case REQ_FILTER_GRADE:
        app_prompt_open(app, PROMPT_FACET, DIRECTORY_GRADE);
        return APP_REDRAW;
    case REQ_FILTER_ENTITY:
        app_prompt_open(app, PROMPT_FACET, DIRECTORY_ENTITY);
        return APP_REDRAW;
    case REQ_FILTER_DUTY_STATION:
        app_prompt_open(app, PROMPT_FACET, DIRECTORY_DUTY_STATION);
        return APP_REDRAW;
    case REQ_FILTER_LANGUAGE:
        cycle_language(app);
        return APP_REDRAW;
    case REQ_FILTER_AVAILABLE:
        app->filter.available_only = !app->filter.available_only;
        app_refilter(app);
        return APP_REDRAW;
    case REQ_FILTER_CLEAR:
        memset(&app->filter, 0, sizeof app->filter);
        app_refilter(app);
        app_message(app, false, "Filters cleared");
        return APP_REDRAW;
    case REQ_SORT:
        app->sort = app->sort == DIRECTORY_BY_SCORE ? DIRECTORY_BY_NAME : DIRECTORY_BY_SCORE;
        app->sel[SCREEN_DIRECTORY] = app->top[SCREEN_DIRECTORY] = 0;
        app_refilter(app);
        return APP_REDRAW;
    case REQ_WISHLIST_ADD:
        wishlist_add(app);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

static void directory_store_changed(struct app *app)
{
    /* Keep the selected mentor selected across the reload. */
    const struct directory_entry *e = selected(app);
    int64_t keep = e ? e->user_id : 0;
    app_reload_directory(app);
    if (!keep || !app->dir_loaded)
        return;
    for (size_t i = 0; i < app->dir.n_view; i++)
        if (app->dir.entries[app->dir.view[i]].user_id == keep) {
            app->sel[SCREEN_DIRECTORY] = i;
            break;
        }
}

const struct screen_ops screen_DIRECTORY_ops = {
    .draw = directory_draw,
    .handle = directory_handle,
    .store_changed = directory_store_changed,
};

/* notifications.c - the in-app notifications that came with sync, newest
 * first; Enter marks one read and opens the pane it concerns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "mento/app.h"
#include "mento/codec.h"
#include "mento/rules.h"

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Newest first (the store lists them oldest first). */
static cJSON *newest_first(struct app *app)
{
    cJSON *all = store_list(app->store, app->opt.programme, "notifications");
    cJSON *out = cJSON_CreateArray();
    for (int i = cJSON_GetArraySize(all) - 1; i >= 0; i--)
        cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(all, i), 1));
    cJSON_Delete(all);
    return out;
}

static void notifications_draw(struct app *app, int top, int rows, int cols)
{
    app_put(app, top, 0, cols, "Notifications, newest first (Enter opens what it is about)",
            A_BOLD);
    cJSON *list = newest_first(app);
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n == 0)
        app_put(app, top + 2, 2, cols - 4, "Nothing yet.", 0);
    app_move(app, 0, n, rows - 2);
    int y = top + 2;
    const char *tz = app->have_me && app->me.timezone ? app->me.timezone : "UTC";
    for (size_t i = app->top[SCREEN_NOTIFICATIONS]; i < n && y < top + rows; i++) {
        const cJSON *it = cJSON_GetArrayItem(list, (int)i);
        bool unread = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "read"));
        char when[32] = "", line[1200];
        int64_t t;
        struct rules_local_time lt;
        if (codec_time_parse(str_of(it, "created_at"), &t) == MENTO_OK &&
            rules_local_time(t, tz, &lt) == MENTO_OK)
            snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day,
                     lt.hour, lt.minute);
        snprintf(line, sizeof line, "%s %s  %s", unread ? "●" : " ", when, str_of(it, "text"));
        int attr = i == app->sel[SCREEN_NOTIFICATIONS] ? A_REVERSE : unread ? A_BOLD : 0;
        app_put(app, y++, 2, cols - 4, line, attr);
    }
    cJSON_Delete(list);
}

/* Mark one read (at once here, queued for the server) and open its pane. */
static void open_one(struct app *app)
{
    cJSON *list = newest_first(app);
    cJSON *it = cJSON_GetArrayItem(list, (int)app->sel[SCREEN_NOTIFICATIONS]);
    if (!it) {
        cJSON_Delete(list);
        return;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "read")) && cJSON_IsNumber(id)) {
        cJSON_ReplaceItemInObjectCaseSensitive(it, "read", cJSON_CreateTrue());
        char key[32], body[64];
        snprintf(key, sizeof key, "%lld", (long long)id->valuedouble);
        snprintf(body, sizeof body, "{\"ids\":[%lld]}", (long long)id->valuedouble);
        mento_status st = store_begin(app->store);
        if (st == MENTO_OK)
            st = store_put(app->store, app->opt.programme, "notifications", key, it);
        if (st == MENTO_OK)
            st = app_queue(app, "notification.read", body);
        if (st == MENTO_OK)
            st = store_commit(app->store);
        else
            store_rollback(app->store);
    }
    const char *ref = str_of(it, "ref_kind");
    const char *kind = str_of(it, "kind");
    if (strcmp(ref, "pairing") == 0 || strncmp(kind, "pairing_", 8) == 0 ||
        strcmp(kind, "request_received") == 0 || strcmp(kind, "request_reminder") == 0)
        app->screen = SCREEN_MATCHES;
    else if (strcmp(ref, "session") == 0 || strncmp(kind, "session_", 8) == 0)
        app->screen = SCREEN_SESSIONS;
    else if (strcmp(ref, "request") == 0 || strncmp(kind, "request_", 8) == 0)
        app->screen = SCREEN_WISHLIST;
    cJSON_Delete(list);
}

static int notifications_handle(struct app *app, enum request req)
{
    cJSON *all = store_list(app->store, app->opt.programme, "notifications");
    size_t n = (size_t)cJSON_GetArraySize(all);
    cJSON_Delete(all);
    int rows = app->rows - 5;
    switch (req) {
    case REQ_MOVE_UP:
        app_move(app, -1, n, rows);
        return APP_REDRAW;
    case REQ_MOVE_DOWN:
        app_move(app, 1, n, rows);
        return APP_REDRAW;
    case REQ_PAGE_UP:
        app_move(app, -rows, n, rows);
        return APP_REDRAW;
    case REQ_PAGE_DOWN:
        app_move(app, rows, n, rows);
        return APP_REDRAW;
    case REQ_ENTER:
        open_one(app);
        return APP_REDRAW;
    default:
        return APP_UNHANDLED;
    }
}

const struct screen_ops screen_NOTIFICATIONS_ops = {.draw = notifications_draw,
                                                    .handle = notifications_handle};

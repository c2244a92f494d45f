/* api_pairings.c - see api.h and pairings.h: the pairing object as each
 * member sees it, ending a pairing, and the do-not-match-again list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mento/codec.h"
#include "mento/db.h"
#include "mento/notify.h"
#include "mento/pairings.h"

bool pairings_no_match(sqlite3 *db, const char *programme, int64_t a, int64_t b)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM no_match WHERE programme_id = ? AND low_id = ?"
                           " AND high_id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, a < b ? a : b);
        sqlite3_bind_int64(st, 3, a < b ? b : a);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* A member's card: the shown answers, the e-mail address (partners see it),
 * and whether sessions are arranged by e-mail (a retiree). */
static cJSON *member_card(sqlite3 *db, int64_t user)
{
    sqlite3_stmt *st = NULL;
    cJSON *card = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.answers, u.email FROM profiles p JOIN users u"
                           " ON u.id = p.user_id WHERE p.user_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, user);
    if (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *answers = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        struct mento_profile p;
        mento_profile_init(&p);
        struct codec_error err;
        if (answers && codec_profile_from_json(answers, &p, &err) == MENTO_OK) {
            p.user_id = user;
            bool retiree = p.grade == MENTO_GRADE_RETIREE ||
                           (p.appointment_type && strcmp(p.appointment_type, "retiree") == 0);
            card = codec_profile_to_json(&p, 0);
            if (card) {
                cJSON_DeleteItemFromObjectCaseSensitive(card, "user_id");
                cJSON_AddNumberToObject(card, "user_id", (double)user);
                cJSON_AddStringToObject(card, "email", (const char *)sqlite3_column_text(st, 1));
                cJSON_AddBoolToObject(card, "schedule_by_email", retiree);
            }
        }
        mento_profile_free(&p);
        cJSON_Delete(answers);
    }
    sqlite3_finalize(st);
    return card;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* The programme's auto-end period in days (90 when unreadable). */
static int auto_end_days(sqlite3 *db, const char *programme)
{
    sqlite3_stmt *st = NULL;
    int days = 90;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *s = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
            struct mento_programme prog;
            mento_programme_init(&prog);
            struct codec_error err;
            if (s && codec_programme_from_json(s, &prog, &err) == MENTO_OK &&
                prog.auto_end_days > 0)
                days = prog.auto_end_days;
            mento_programme_free(&prog);
            cJSON_Delete(s);
        }
    }
    sqlite3_finalize(st);
    return days;
}

cJSON *pairings_json(struct api_ctx *ctx, int64_t pairing_id, int64_t viewer)
{
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT programme_id, mentor_id, mentee_id, kind, state, started_at,"
                           " ended_at, end_reason, ended_by, last_done_at, rematch_offered"
                           " FROM pairings WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, pairing_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return NULL;
    }
    char programme[80];
    snprintf(programme, sizeof programme, "%s", (const char *)sqlite3_column_text(st, 0));
    int64_t mentor = sqlite3_column_int64(st, 1), mentee = sqlite3_column_int64(st, 2);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)pairing_id);
    cJSON_AddStringToObject(o, "programme", programme);
    cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 3));
    const char *state = (const char *)sqlite3_column_text(st, 4);
    bool active = strcmp(state, "active") == 0;
    cJSON_AddStringToObject(o, "state", state);
    if (viewer == mentor || viewer == mentee) {
        cJSON_AddStringToObject(o, "my_role", viewer == mentor ? "mentor" : "mentee");
        cJSON *card = member_card(db, viewer == mentor ? mentee : mentor);
        cJSON_AddItemToObject(o, "partner", card ? card : cJSON_CreateNull());
    } else {
        cJSON *a = member_card(db, mentor), *b = member_card(db, mentee);
        cJSON_AddItemToObject(o, "mentor", a ? a : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "mentee", b ? b : cJSON_CreateNull());
    }
    int64_t started = sqlite3_column_int64(st, 5);
    add_time(o, "started_at", started);
    bool has_done = sqlite3_column_type(st, 9) != SQLITE_NULL;
    int64_t last_done = sqlite3_column_int64(st, 9);
    if (!active) {
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            add_time(o, "ended_at", sqlite3_column_int64(st, 6));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            cJSON_AddStringToObject(o, "end_reason", (const char *)sqlite3_column_text(st, 7));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            cJSON_AddStringToObject(o, "ended_by", (const char *)sqlite3_column_text(st, 8));
    }
    cJSON_AddBoolToObject(o, "rematch_offered", sqlite3_column_int(st, 10) != 0);
    sqlite3_finalize(st);

    /* Sessions done, and the next booked one. */
    int done = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sessions WHERE pairing_id = ? AND state = 'done'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pairing_id);
        if (sqlite3_step(st) == SQLITE_ROW)
            done = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    cJSON_AddNumberToObject(o, "sessions_done", done);
    if (has_done)
        add_time(o, "last_done_at", last_done);
    if (sqlite3_prepare_v2(db,
                           "SELECT id, number, starts_at FROM sessions WHERE pairing_id = ?"
                           " AND state = 'booked' AND starts_at >= ? ORDER BY starts_at LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, pairing_id);
        sqlite3_bind_int64(st, 2, ctx->now);
        if (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *next = cJSON_AddObjectToObject(o, "next_session");
            cJSON_AddNumberToObject(next, "id", (double)sqlite3_column_int64(st, 0));
            cJSON_AddNumberToObject(next, "number", sqlite3_column_int(st, 1));
            add_time(next, "starts_at", sqlite3_column_int64(st, 2));
        }
    }
    sqlite3_finalize(st);
    if (active) {
        int64_t from = has_done && last_done > started ? last_done : started;
        add_time(o, "auto_end_at", from + (int64_t)auto_end_days(db, programme) * 86400);
    }
    return o;
}

mento_status pairings_end(struct api_ctx *ctx, int64_t pairing_id, int64_t actor,
                          const char *ended_by, const char *reason, const char *comment,
                          bool do_not_match)
{
    sqlite3 *db = ctx->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT programme_id, mentor_id, mentee_id, state FROM pairings"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, pairing_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return MENTO_ERR_NOT_FOUND;
    }
    char programme[80];
    snprintf(programme, sizeof programme, "%s", (const char *)sqlite3_column_text(st, 0));
    int64_t mentor = sqlite3_column_int64(st, 1), mentee = sqlite3_column_int64(st, 2);
    bool active = strcmp((const char *)sqlite3_column_text(st, 3), "active") == 0;
    sqlite3_finalize(st);
    if (!active)
        return MENTO_ERR_INVALID;
    int64_t seq = db_next_seq(db);
    if (!seq)
        return MENTO_ERR_DB;
    mento_status rc = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(db,
                           "UPDATE pairings SET state = 'ended', ended_at = ?, end_reason = ?,"
                           " end_text = ?, ended_by = ?, no_rematch = ?, seq = ? WHERE id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ctx->now);
        sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
        if (comment)
            sqlite3_bind_text(st, 3, comment, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, ended_by, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, do_not_match ? 1 : 0);
        sqlite3_bind_int64(st, 6, seq);
        sqlite3_bind_int64(st, 7, pairing_id);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    if (rc != MENTO_OK)
        return rc;
    /* Booked sessions still to come are cancelled. */
    if (sqlite3_prepare_v2(db,
                           "UPDATE sessions SET state = 'cancelled', sequence = sequence + 1,"
                           " updated_at = ?, seq = ? WHERE pairing_id = ? AND state IN"
                           " ('booked', 'planned')",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, ctx->now);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, pairing_id);
    rc = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    sqlite3_finalize(st);
    if (rc == MENTO_OK && do_not_match &&
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO no_match(programme_id, low_id, high_id,"
                           " created_at) VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, mentor < mentee ? mentor : mentee);
        sqlite3_bind_int64(st, 3, mentor < mentee ? mentee : mentor);
        sqlite3_bind_int64(st, 4, ctx->now);
        rc = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
        sqlite3_finalize(st);
    }
    /* The mentor's free places changed: the directory shows it. */
    if (rc == MENTO_OK &&
        sqlite3_prepare_v2(db,
                           "UPDATE memberships SET seq = ? WHERE programme_id = ? AND user_id"
                           " IN (?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, mentor);
        sqlite3_bind_int64(st, 4, mentee);
        rc = sqlite3_step(st) == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
        sqlite3_finalize(st);
    }
    for (int i = 0; rc == MENTO_OK && i < 2; i++) {
        int64_t who = i == 0 ? mentor : mentee;
        if (who == actor)
            continue;
        rc = notify_user(ctx, who, programme, NOTIFY_PAIRING_ENDED, "pairing", pairing_id,
                         "Your pairing has ended (%s).", reason);
    }
    return rc;
}

static const struct api_route pairings_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op pairings_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_pairings = {
    .name = "pairings",
    .routes = pairings_routes,
    .ops = pairings_ops,
};

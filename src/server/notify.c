/* notify.c - one place where events become notifications: an in-app row that
 * sync delivers, and, with SMTP configured, an e-mail queued in the same
 * transaction so that it is sent if and only if the event happened. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mento/db.h"
#include "mento/notify.h"
#include "mento/server.h"

static const char *const kind_names[] = {
#define NOTIFY_KIND_NAME(id, name) name,
    NOTIFY_KIND_LIST(NOTIFY_KIND_NAME)
#undef NOTIFY_KIND_NAME
};

const char *notify_kind_name(enum notify_kind kind)
{
    return (unsigned)kind < NOTIFY_KIND_COUNT ? kind_names[kind] : "";
}

/* The subject: "mento: " and the text, cut after at most SUBJECT_MAX bytes
 * on a word (or at least a character) boundary, with an ellipsis. */
#define SUBJECT_MAX 100
static void subject_of(const char *text, char *out, size_t cap)
{
    size_t len = strlen(text);
    if (len <= SUBJECT_MAX) {
        snprintf(out, cap, "mento: %s", text);
        return;
    }
    size_t n = SUBJECT_MAX;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--;
    size_t word = n;
    while (word > SUBJECT_MAX / 2 && text[word] != ' ')
        word--;
    if (text[word] == ' ')
        n = word;
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == ',' || text[n - 1] == ':'))
        n--;
    snprintf(out, cap, "mento: %.*s\xe2\x80\xa6", (int)n, text);
}

static mento_status queue_mail(struct api_ctx *ctx, int64_t user, int64_t notification,
                               const char *text, const char *ics)
{
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT INTO mail_outbox(notification_id, to_addr, subject, body,"
                           " next_attempt_at, calendar) SELECT ?1, email, ?2, ?3, ?4, ?6 FROM"
                           " users WHERE id = ?5",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    char subject[SUBJECT_MAX + 16];
    subject_of(text, subject, sizeof subject);
    sqlite3_bind_int64(st, 1, notification);
    sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ctx->now);
    sqlite3_bind_int64(st, 5, user);
    if (ics)
        sqlite3_bind_text(st, 6, ics, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = MENTO_OK;
    sqlite3_finalize(st);
    return rc;
}

static mento_status notify_text(struct api_ctx *ctx, int64_t user, const char *programme,
                                enum notify_kind kind, const char *ref_kind, int64_t ref_id,
                                const char *ics, const char *text)
{
    int64_t seq = db_next_seq(ctx->db);
    if (!seq)
        return MENTO_ERR_DB;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db,
                           "INSERT INTO notifications(user_id, programme_id, kind, text, ref_kind,"
                           " ref_id, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_int64(st, 1, user);
    if (programme)
        sqlite3_bind_text(st, 2, programme, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_text(st, 3, notify_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
    if (ref_kind) {
        sqlite3_bind_text(st, 5, ref_kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, ref_id);
    } else {
        sqlite3_bind_null(st, 5);
        sqlite3_bind_null(st, 6);
    }
    sqlite3_bind_int64(st, 7, ctx->now);
    sqlite3_bind_int64(st, 8, seq);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return MENTO_ERR_DB;
    if (ctx->srv->cfg.smtp_url)
        return queue_mail(ctx, user, sqlite3_last_insert_rowid(ctx->db), text, ics);
    return MENTO_OK;
}

__attribute__((format(printf, 8, 0))) static mento_status
notify_v(struct api_ctx *ctx, int64_t user, const char *programme, enum notify_kind kind,
         const char *ref_kind, int64_t ref_id, const char *ics, const char *fmt, va_list ap)
{
    char text[1000];
    vsnprintf(text, sizeof text, fmt, ap);
    return notify_text(ctx, user, programme, kind, ref_kind, ref_id, ics, text);
}

mento_status notify_user(struct api_ctx *ctx, int64_t user, const char *programme,
                         enum notify_kind kind, const char *ref_kind, int64_t ref_id,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mento_status rc = notify_v(ctx, user, programme, kind, ref_kind, ref_id, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

mento_status notify_user_ics(struct api_ctx *ctx, int64_t user, const char *programme,
                             enum notify_kind kind, const char *ref_kind, int64_t ref_id,
                             const char *ics, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mento_status rc = notify_v(ctx, user, programme, kind, ref_kind, ref_id, ics, fmt, ap);
    va_end(ap);
    return rc;
}

/* mailer.c - delivery of the e-mails that notify.c queues: each due row of
 * mail_outbox is claimed, sent over SMTP with libcurl, then marked sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mento/db.h"
#include "mento/mailer.h"
#include "mento/server.h"

/* The first retry comes after a minute, then twice as long each time, up to
 * six hours; after MAILER_MAX_ATTEMPTS the message is given up. */
#define MAILER_FIRST_BACKOFF 60
#define MAILER_MAX_BACKOFF   (6 * 3600)
#define MAILER_MAX_ATTEMPTS  12
/* A claimed row is left alone by other senders this long (longer than the
 * whole SMTP exchange may take), so that one message is never sent twice. */
#define MAILER_LEASE 300
/* At most this many messages per run, so that time rules are not delayed. */
#define MAILER_BATCH        50
#define MAILER_DEFAULT_FROM "mento@localhost"

struct mail_row {
    int64_t id;
    int attempts;
    char *to;
    char *subject;
    char *body;
    char *calendar; /* NULL: no invitation attached */
};

struct buf {
    char *data;
    size_t len, cap;
};

static bool buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static bool buf_str(struct buf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

static int64_t backoff_for(int attempts)
{
    int64_t d = MAILER_FIRST_BACKOFF;
    for (int i = 1; i < attempts && d < MAILER_MAX_BACKOFF; i++)
        d *= 2;
    return d < MAILER_MAX_BACKOFF ? d : MAILER_MAX_BACKOFF;
}

static void row_free(struct mail_row *r)
{
    free(r->to);
    free(r->subject);
    free(r->body);
    free(r->calendar);
    memset(r, 0, sizeof *r);
}

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return strdup(t ? (const char *)t : "");
}

/* Take the oldest due row and push its next attempt past the lease, in one
 * write transaction: MENTO_ERR_NOT_FOUND when nothing is due. */
static mento_status claim_next(sqlite3 *db, int64_t now, struct mail_row *row)
{
    memset(row, 0, sizeof *row);
    if (db_begin_write(db) != MENTO_OK)
        return MENTO_ERR_DB;
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, attempts, to_addr, subject, body, calendar FROM mail_outbox"
                           " WHERE sent_at IS NULL AND next_attempt_at <= ?"
                           " ORDER BY next_attempt_at, id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, now);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        rc = MENTO_ERR_NOT_FOUND;
        goto out;
    }
    if (r != SQLITE_ROW)
        goto out;
    row->id = sqlite3_column_int64(st, 0);
    row->attempts = sqlite3_column_int(st, 1) + 1;
    row->to = column_dup(st, 2);
    row->subject = column_dup(st, 3);
    row->body = column_dup(st, 4);
    bool has_calendar = sqlite3_column_type(st, 5) != SQLITE_NULL;
    if (has_calendar)
        row->calendar = column_dup(st, 5);
    sqlite3_finalize(st);
    st = NULL;
    if (!row->to || !row->subject || !row->body || (has_calendar && !row->calendar)) {
        rc = MENTO_ERR_NOMEM;
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "UPDATE mail_outbox SET attempts = ?, next_attempt_at = ?"
                           " WHERE id = ? AND sent_at IS NULL",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int(st, 1, row->attempts);
    sqlite3_bind_int64(st, 2, now + MAILER_LEASE);
    sqlite3_bind_int64(st, 3, row->id);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = MENTO_OK;
out:
    sqlite3_finalize(st);
    if (rc == MENTO_OK)
        rc = db_commit(db);
    else
        db_rollback(db);
    if (rc != MENTO_OK)
        row_free(row);
    return rc;
}

/* Record the outcome of one attempt: sent (error NULL) or failed. */
static mento_status record_attempt(sqlite3 *db, const struct mail_row *row, int64_t now,
                                   const char *error)
{
    if (db_begin_write(db) != MENTO_OK)
        return MENTO_ERR_DB;
    sqlite3_stmt *st = NULL;
    mento_status rc = MENTO_ERR_DB;
    const char *sql = error ? "UPDATE mail_outbox SET next_attempt_at = ?, last_error = ?"
                              " WHERE id = ? AND sent_at IS NULL"
                            : "UPDATE mail_outbox SET sent_at = ?, last_error = NULL"
                              " WHERE id = ? AND sent_at IS NULL";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (error) {
            /* Given up: the row stays, with its last error, never due again. */
            int64_t next =
                row->attempts >= MAILER_MAX_ATTEMPTS ? INT64_MAX : now + backoff_for(row->attempts);
            sqlite3_bind_int64(st, 1, next);
            sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 3, row->id);
        } else {
            sqlite3_bind_int64(st, 1, now);
            sqlite3_bind_int64(st, 2, row->id);
        }
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = MENTO_OK;
    }
    sqlite3_finalize(st);
    if (rc == MENTO_OK)
        rc = db_commit(db);
    else
        db_rollback(db);
    return rc;
}

static bool is_ascii_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* A header value free of line breaks (no header can be injected). */
static void header_clean(char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n' || *s == '\t')
            *s = ' ';
}

/* Subject: as is when plain ASCII, otherwise RFC 2047 encoded words of at
 * most 45 bytes of UTF-8 each (cut between characters), one per line. */
static bool put_subject(struct buf *b, const char *subject)
{
    if (!buf_str(b, "Subject: "))
        return false;
    if (is_ascii_printable(subject) && strlen(subject) < 900)
        return buf_str(b, subject) && buf_str(b, "\r\n");
    size_t len = strlen(subject), at = 0;
    bool first = true;
    while (at < len) {
        size_t n = len - at < 45 ? len - at : 45;
        while (at + n < len && n > 0 && ((unsigned char)subject[at + n] & 0xc0) == 0x80)
            n--;
        if (n == 0)
            n = len - at < 45 ? len - at : 45;
        char enc[128];
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)subject + at, n,
                          sodium_base64_VARIANT_ORIGINAL);
        if ((!first && !buf_str(b, "\r\n ")) || !buf_str(b, "=?UTF-8?B?") || !buf_str(b, enc) ||
            !buf_str(b, "?="))
            return false;
        first = false;
        at += n;
    }
    return buf_str(b, "\r\n");
}

/* The body in quoted-printable (RFC 2045): exact text, lines under 77. */
static bool put_body_qp(struct buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char tmp[4];
        size_t n;
        if (*p == '\n') {
            if (!buf_str(b, "\r\n"))
                return false;
            col = 0;
            continue;
        }
        if (*p == '\r')
            continue;
        bool at_eol = p[1] == '\0' || p[1] == '\n' || p[1] == '\r';
        if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !at_eol)) {
            tmp[0] = (char)*p;
            n = 1;
        } else {
            tmp[0] = '=';
            tmp[1] = hex[*p >> 4];
            tmp[2] = hex[*p & 15];
            n = 3;
        }
        if (col + n > 75) {
            if (!buf_str(b, "=\r\n"))
                return false;
            col = 0;
        }
        if (!buf_put(b, tmp, n))
            return false;
        col += n;
    }
    return buf_str(b, "\r\n");
}

/* The invitation as a MIME part: text/calendar with its METHOD (which is
 * how Outlook and others offer to accept it or remove the event), in base64
 * lines of 76 characters. */
static bool put_calendar_part(struct buf *b, const char *ics)
{
    const char *method = strstr(ics, "METHOD:CANCEL") ? "CANCEL" : "REQUEST";
    if (!buf_str(b, "Content-Type: text/calendar; charset=UTF-8; method=") || !buf_str(b, method) ||
        !buf_str(b, "\r\nContent-Transfer-Encoding: base64\r\n"
                    "Content-Disposition: attachment; filename=\"invitation.ics\"\r\n\r\n"))
        return false;
    size_t len = strlen(ics);
    char line[80];
    for (size_t at = 0; at < len; at += 57) {
        size_t n = len - at < 57 ? len - at : 57;
        sodium_bin2base64(line, sizeof line, (const unsigned char *)ics + at, n,
                          sodium_base64_VARIANT_ORIGINAL);
        if (!buf_str(b, line) || !buf_str(b, "\r\n"))
            return false;
    }
    return true;
}

/* The whole RFC 5322 message: plain text, or with an invitation a
 * multipart/mixed of the text and the calendar file. The Message-ID is fixed
 * per outbox row, so a copy sent again after a crash is recognisable as the
 * same message. */
static bool build_message(struct server *srv, const struct mail_row *row, const char *from,
                          int64_t now, struct buf *b)
{
    char date[64];
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    const char *at = strrchr(from, '@');
    const char *domain = at && at[1] ? at + 1 : "localhost";
    char msgid[300];
    snprintf(msgid, sizeof msgid, "<mento.%lld.%lld@%.200s>", (long long)srv->instance,
             (long long)row->id, domain);
    header_clean(msgid);
    char boundary[80];
    char *to = strdup(row->to), *subject = strdup(row->subject), *sender = strdup(from);
    bool ok = to && subject && sender;
    if (ok) {
        header_clean(to);
        header_clean(subject);
        header_clean(sender);
        ok = buf_str(b, "Date: ") && buf_str(b, date) && buf_str(b, "\r\nFrom: ") &&
             buf_str(b, sender) && buf_str(b, "\r\nTo: ") && buf_str(b, to) && buf_str(b, "\r\n") &&
             put_subject(b, subject) && buf_str(b, "Message-ID: ") && buf_str(b, msgid) &&
             buf_str(b, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
        if (ok && row->calendar) {
            /* The boundary: never a line of base64 or quoted-printable. */
            snprintf(boundary, sizeof boundary, "=_mento_%lld_%lld", (long long)srv->instance,
                     (long long)row->id);
            ok = buf_str(b, "Content-Type: multipart/mixed; boundary=\"") && buf_str(b, boundary) &&
                 buf_str(b, "\"\r\n\r\n--") && buf_str(b, boundary) && buf_str(b, "\r\n");
        }
        ok = ok &&
             buf_str(b, "Content-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n") &&
             put_body_qp(b, row->body) &&
             put_body_qp(b, "\n-- \nYou receive this e-mail because you take part in a mento"
                            " programme. Open mento to see it and answer.");
        if (ok && row->calendar)
            ok = buf_str(b, "\r\n--") && buf_str(b, boundary) && buf_str(b, "\r\n") &&
                 put_calendar_part(b, row->calendar) && buf_str(b, "\r\n--") &&
                 buf_str(b, boundary) && buf_str(b, "--\r\n");
    }
    free(to);
    free(subject);
    free(sender);
    return ok;
}

struct reader {
    const char *data;
    size_t len, at;
};

static size_t read_message(char *out, size_t size, size_t n, void *arg)
{
    struct reader *r = arg;
    size_t want = size * n, left = r->len - r->at;
    if (want > left)
        want = left;
    memcpy(out, r->data + r->at, want);
    r->at += want;
    return want;
}

/* One SMTP transaction. NULL on success, else a static-lifetime error text
 * in `err`. */
static bool send_one(struct server *srv, const struct mail_row *row, int64_t now, char *err,
                     size_t err_len)
{
    const char *from = srv->cfg.smtp_from ? srv->cfg.smtp_from : MAILER_DEFAULT_FROM;
    struct buf msg = {0};
    if (!build_message(srv, row, from, now, &msg)) {
        free(msg.data);
        snprintf(err, err_len, "out of memory");
        return false;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        free(msg.data);
        snprintf(err, err_len, "cannot start libcurl");
        return false;
    }
    char from_env[300], to_env[300];
    snprintf(from_env, sizeof from_env, "<%.290s>", from);
    snprintf(to_env, sizeof to_env, "<%.290s>", row->to);
    header_clean(from_env);
    header_clean(to_env);
    struct curl_slist *rcpt = curl_slist_append(NULL, to_env);
    struct reader rd = {msg.data, msg.len, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, srv->cfg.smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_env);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cr = rcpt ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    if (cr != CURLE_OK)
        snprintf(err, err_len, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    free(msg.data);
    return cr == CURLE_OK;
}

mento_status mailer_run(struct server *srv, sqlite3 *db)
{
    if (!srv->cfg.smtp_url)
        return MENTO_OK;
    for (int i = 0; i < MAILER_BATCH; i++) {
        struct mail_row row;
        int64_t now = server_now(srv);
        mento_status st = claim_next(db, now, &row);
        if (st == MENTO_ERR_NOT_FOUND)
            return MENTO_OK;
        if (st != MENTO_OK)
            return st;
        char err[CURL_ERROR_SIZE + 64];
        bool sent = send_one(srv, &row, now, err, sizeof err);
        st = record_attempt(db, &row, server_now(srv), sent ? NULL : err);
        if (!sent)
            server_log(srv, "mailer: message %lld, attempt %d, failed: %s", (long long)row.id,
                       row.attempts, err);
        row_free(&row);
        if (st != MENTO_OK)
            return st;
        /* The server is unreachable: the others wait for their own retry. */
        if (!sent)
            return MENTO_ERR_IO;
    }
    return MENTO_OK;
}

/* notify.h - mentod's notifications: every event a participant must hear of
 * becomes one in-app notification (delivered through sync) and, when an SMTP
 * server is configured, one queued e-mail. */
#ifndef MENTO_NOTIFY_H
#define MENTO_NOTIFY_H

#include <stdint.h>

#include "mento/api.h"
#include "mento/error.h"

/* Kinds of notification (wire names), exactly the table of docs/api.md 14. */
#define NOTIFY_KIND_LIST(X)                                                                        \
    X(REQUEST_RECEIVED, "request_received")                                                        \
    X(REQUEST_REMINDER, "request_reminder")                                                        \
    X(REQUEST_ACCEPTED, "request_accepted")                                                        \
    X(REQUEST_DECLINED, "request_declined")                                                        \
    X(REQUEST_EXPIRED, "request_expired")                                                          \
    X(REQUEST_MENTOR_FULL, "request_mentor_full")                                                  \
    X(REQUEST_CASCADED, "request_cascaded")                                                        \
    X(REQUEST_CASCADE_ENDED, "request_cascade_ended")                                              \
    X(PAIRING_CREATED, "pairing_created")                                                          \
    X(PAIRING_ENDED, "pairing_ended")                                                              \
    X(PAIRING_AUTO_END_WARNING, "pairing_auto_end_warning")                                        \
    X(PAIRING_AUTO_ENDED, "pairing_auto_ended")                                                    \
    X(REMATCH_OFFERED, "rematch_offered")                                                          \
    X(SESSION_BOOKED, "session_booked")                                                            \
    X(SESSION_RESCHEDULED, "session_rescheduled")                                                  \
    X(SESSION_CANCELLED, "session_cancelled")                                                      \
    X(PARTNER_KEY_CHANGED, "partner_key_changed")                                                  \
    X(APPLICATION_SELECTED, "application_selected")                                                \
    X(APPLICATION_NOT_SELECTED, "application_not_selected")                                        \
    X(SURVEY_OPENED, "survey_opened")

enum notify_kind {
#define NOTIFY_KIND_ENUM(id, name) NOTIFY_##id,
    NOTIFY_KIND_LIST(NOTIFY_KIND_ENUM)
#undef NOTIFY_KIND_ENUM
        NOTIFY_KIND_COUNT
};

const char *notify_kind_name(enum notify_kind kind);

/* Record a notification for `user` inside the caller's write transaction,
 * stamped with the next change sequence number, and queue its e-mail when
 * SMTP is configured. `ref_kind` ("request", "pairing", "session") may be
 * NULL. The text is one English sentence built from `fmt`. */
mento_status notify_user(struct api_ctx *ctx, int64_t user, const char *programme,
                         enum notify_kind kind, const char *ref_kind, int64_t ref_id,
                         const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* The same, with an invitation attached to the e-mail: `ics` is an iCalendar
 * text (RFC 5545, METHOD REQUEST or CANCEL), NULL for none. */
mento_status notify_user_ics(struct api_ctx *ctx, int64_t user, const char *programme,
                             enum notify_kind kind, const char *ref_kind, int64_t ref_id,
                             const char *ics, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#endif

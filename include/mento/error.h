/* error.h - status codes shared by every mento module.
 * Functions return a mento_status; the message for a code comes from one table. */
#ifndef MENTO_ERROR_H
#define MENTO_ERROR_H

/* X-macro: enum name, stable wire code, English message. */
#define MENTO_STATUS_LIST(X)                                                                       \
    X(MENTO_OK, "ok", "Success")                                                                   \
    X(MENTO_ERR_NOMEM, "out_of_memory", "Out of memory")                                           \
    X(MENTO_ERR_INVALID, "invalid", "Invalid argument")                                            \
    X(MENTO_ERR_PARSE, "parse_error", "Malformed input")                                           \
    X(MENTO_ERR_TYPE, "invalid_type", "A field has the wrong type")                                \
    X(MENTO_ERR_MISSING, "missing_field", "A required field is missing")                           \
    X(MENTO_ERR_UNKNOWN_FIELD, "unknown_field", "A field is not known")                            \
    X(MENTO_ERR_TOO_LONG, "too_long", "A value is longer than allowed")                            \
    X(MENTO_ERR_UTF8, "invalid_utf8", "Text is not valid UTF-8")                                   \
    X(MENTO_ERR_RANGE, "out_of_range", "A value is out of range")                                  \
    X(MENTO_ERR_NOT_FOUND, "not_found", "Not found")                                               \
    X(MENTO_ERR_TZ, "unknown_timezone", "Unknown time zone")                                       \
    X(MENTO_ERR_IO, "io_error", "Input/output error")                                              \
    X(MENTO_ERR_DB, "database_error", "Database error")                                            \
    X(MENTO_ERR_CRYPTO, "crypto_error", "Cryptographic operation failed")

typedef enum {
#define MENTO_STATUS_ENUM(name, code, msg) name,
    MENTO_STATUS_LIST(MENTO_STATUS_ENUM)
#undef MENTO_STATUS_ENUM
        MENTO_STATUS_COUNT
} mento_status;

/* Stable machine-readable code ("missing_field"); never NULL. */
const char *mento_status_code(mento_status s);
/* Human-readable English message; never NULL. */
const char *mento_status_message(mento_status s);

#endif

/* error.c - the one table of status codes and their messages.
 * Everything that reports a status to a user or over the wire reads it here. */
#include "mento/error.h"

static const char *const status_codes[] = {
#define MENTO_STATUS_CODE(name, code, msg) code,
    MENTO_STATUS_LIST(MENTO_STATUS_CODE)
#undef MENTO_STATUS_CODE
};

static const char *const status_messages[] = {
#define MENTO_STATUS_MSG(name, code, msg) msg,
    MENTO_STATUS_LIST(MENTO_STATUS_MSG)
#undef MENTO_STATUS_MSG
};

const char *mento_status_code(mento_status s)
{
    if ((unsigned)s >= MENTO_STATUS_COUNT)
        return "unknown";
    return status_codes[s];
}

const char *mento_status_message(mento_status s)
{
    if ((unsigned)s >= MENTO_STATUS_COUNT)
        return "Unknown status";
    return status_messages[s];
}

/* api_sessions.c - see api.h: the sessions area of the API. */
#include "mento/api.h"

static const struct api_route sessions_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op sessions_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_sessions = {
    .name = "sessions",
    .routes = sessions_routes,
    .ops = sessions_ops,
};

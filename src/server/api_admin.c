/* api_admin.c - see api.h: the admin area of the API. */
#include "mento/api.h"

static const struct api_route admin_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op admin_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_admin = {
    .name = "admin",
    .routes = admin_routes,
    .ops = admin_ops,
};

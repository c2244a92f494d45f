/* api_pairings.c - see api.h: the pairings area of the API. */
#include "mento/api.h"

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

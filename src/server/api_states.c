/* api_states.c - see api.h: the states area of the API. */
#include "mento/api.h"

static const struct api_route states_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op states_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_states = {
    .name = "states",
    .routes = states_routes,
    .ops = states_ops,
};

/* api_requests.c - see api.h: the requests area of the API. */
#include "mento/api.h"

static const struct api_route requests_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op requests_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_requests = {
    .name = "requests",
    .routes = requests_routes,
    .ops = requests_ops,
};

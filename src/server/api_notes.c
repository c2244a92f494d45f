/* api_notes.c - see api.h: the notes area of the API. */
#include "mento/api.h"

static const struct api_route notes_routes[] = {
    {NULL, NULL, NULL, 0},
};

static const struct api_op notes_ops[] = {
    {NULL, NULL},
};

const struct api_module api_module_notes = {
    .name = "notes",
    .routes = notes_routes,
    .ops = notes_ops,
};

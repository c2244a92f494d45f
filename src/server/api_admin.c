/* api_admin.c - see api.h: the programme's resources (handbooks, session
 * agendas, suggested topics) for reading offline. Surveys and the
 * administration routes are documented in docs/api.md and not served yet. */
#include <stdio.h>
#include <string.h>

#include "mento/api.h"
#include "mento/catalog.h"
#include "mento/server.h"

static cJSON *resource_json(const struct mento_resource *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", r->id ? r->id : "");
    cJSON_AddStringToObject(o, "kind", r->kind ? r->kind : "");
    cJSON_AddStringToObject(o, "title", r->title ? r->title : "");
    cJSON_AddStringToObject(o, "body", r->body ? r->body : "");
    return o;
}

struct resource_query {
    const char *kind;
    const char *bad; /* the parameter that is wrong */
};

static bool resource_param(const char *key, const char *value, void *arg)
{
    struct resource_query *q = arg;
    if (strcmp(key, "kind") == 0 && value &&
        (strcmp(value, "handbook") == 0 || strcmp(value, "agenda") == 0 ||
         strcmp(value, "topic") == 0)) {
        q->kind = value;
        return true;
    }
    q->bad = key;
    return false;
}

static void api_resources(struct api_ctx *ctx, struct http_response *resp)
{
    struct resource_query q = {0};
    if (!http_query_each(ctx->req, resource_param, &q)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%.40s: the only parameter is kind (handbook, agenda or topic)",
                 q.bad ? q.bad : "?");
        http_response_error(resp, 400, "bad_request", msg, q.bad);
        return;
    }
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    const struct catalog_programme *cp = catalog_programme(snap, ctx->req->params[0], NULL);
    if (!cp) {
        catalog_release(&ctx->srv->catalog, snap);
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < cp->prog.n_resources; i++) {
        const struct mento_resource *r = &cp->prog.resources[i];
        if (!q.kind || (r->kind && strcmp(r->kind, q.kind) == 0))
            cJSON_AddItemToArray(items, resource_json(r));
    }
    catalog_release(&ctx->srv->catalog, snap);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

static void api_resource(struct api_ctx *ctx, struct http_response *resp)
{
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    const struct catalog_programme *cp = catalog_programme(snap, ctx->req->params[0], NULL);
    cJSON *out = NULL;
    for (size_t i = 0; cp && i < cp->prog.n_resources; i++) {
        const struct mento_resource *r = &cp->prog.resources[i];
        if (r->id && strcmp(r->id, ctx->req->params[1]) == 0)
            out = resource_json(r);
    }
    catalog_release(&ctx->srv->catalog, snap);
    if (!cp) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return;
    }
    if (!out) {
        http_response_error(resp, 404, "not_found", "The programme has no such resource", NULL);
        return;
    }
    http_response_json(resp, 200, out);
    resp->etag = true;
}

static const struct api_route admin_routes[] = {
    {"GET", "/v1/programmes/{}/resources", api_resources, 0},
    {"GET", "/v1/programmes/{}/resources/{}", api_resource, 0},
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

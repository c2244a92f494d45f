/* api_directory.c - programmes with their questionnaire, and the mentor
 * directory: filters, the language rule, match scores, pages. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mento-config.h"
#include "mento/api.h"
#include "mento/codec.h"
#include "mento/server.h"
#include "mento/utf8.h"

#define QUERY_VALUE_MAX 200

void api_health(struct api_ctx *ctx, struct http_response *resp)
{
    (void)ctx;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "status", "ok");
    cJSON_AddStringToObject(out, "version", MENTO_VERSION);
    cJSON_AddNumberToObject(out, "schema", db_schema_version());
    http_response_json(resp, 200, out);
}

void api_programmes(struct api_ctx *ctx, struct http_response *resp)
{
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < snap->n_progs; i++)
        cJSON_AddItemToArray(items, codec_programme_to_json(&snap->progs[i].prog));
    catalog_release(&ctx->srv->catalog, snap);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

void api_programme(struct api_ctx *ctx, struct http_response *resp)
{
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
    cJSON *out = codec_programme_to_json(&cp->prog);
    if (out)
        cJSON_AddItemToObject(out, "questionnaire", codec_questionnaire_to_json());
    catalog_release(&ctx->srv->catalog, snap);
    http_response_json(resp, 200, out);
    resp->etag = true;
}

/* ---- Directory -------------------------------------------------------------- */

struct dir_params {
    struct catalog_query q;
    char *fold[4]; /* job_network, entity, duty_station, q */
    const char *bad;
    const char *why;
};

static bool dir_param(const char *key, const char *value, void *arg)
{
    struct dir_params *dp = arg;
    static const char *const text_keys[] = {"job_network", "entity", "duty_station", "q"};
    size_t len = strlen(value);
    if (!utf8_valid(key, strlen(key)) || !utf8_valid(value, len)) {
        dp->bad = "query";
        dp->why = "A query parameter is not valid UTF-8";
        return false;
    }
    if (utf8_codepoints(value, len) > QUERY_VALUE_MAX) {
        dp->bad = key;
        dp->why = "A query parameter is longer than 200 characters";
        return false;
    }
    for (size_t i = 0; i < 4; i++)
        if (strcmp(key, text_keys[i]) == 0) {
            free(dp->fold[i]);
            dp->fold[i] = utf8_fold(value);
            return true;
        }
    if (strcmp(key, "grade") == 0) {
        if (mento_grade_parse(value, &dp->q.grade) != MENTO_OK) {
            dp->bad = key;
            dp->why = "Unknown grade (G-1 .. G-7, NO-A .. NO-D, P-1 .. P-5, D-1, D-2, UG, FS, "
                      "retiree)";
            return false;
        }
    } else if (strcmp(key, "language") == 0) {
        if (strcmp(value, "en") == 0)
            dp->q.language = MENTO_LANG_EN;
        else if (strcmp(value, "fr") == 0)
            dp->q.language = MENTO_LANG_FR;
        else {
            dp->bad = key;
            dp->why = "language is \"en\" or \"fr\"";
            return false;
        }
    } else if (strcmp(key, "sort") == 0) {
        if (strcmp(value, "score") == 0)
            dp->q.sort = CATALOG_SORT_SCORE;
        else if (strcmp(value, "name") == 0)
            dp->q.sort = CATALOG_SORT_NAME;
        else {
            dp->bad = key;
            dp->why = "sort is \"score\" or \"name\"";
            return false;
        }
    } else if (strcmp(key, "page") == 0) {
        if (!api_whole_int(value, 1, 1000000, &dp->q.page)) {
            dp->bad = key;
            dp->why = "page is a whole number from 1";
            return false;
        }
    } else if (strcmp(key, "per_page") == 0) {
        if (!api_whole_int(value, 1, 200, &dp->q.per_page)) {
            dp->bad = key;
            dp->why = "per_page is a whole number from 1 to 200";
            return false;
        }
    } else {
        dp->bad = key;
        dp->why = "Unknown query parameter";
        return false;
    }
    return true;
}

/* The programme and the caller's own membership; 404/403 into resp. */
static const struct catalog_entry *directory_viewer(struct api_ctx *ctx,
                                                    struct catalog_snapshot *snap, size_t *pi,
                                                    struct http_response *resp)
{
    const struct catalog_programme *cp = catalog_programme(snap, ctx->req->params[0], pi);
    if (!cp) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme", NULL);
        return NULL;
    }
    const struct catalog_entry *viewer = catalog_member(cp, ctx->user_id);
    if (!viewer)
        http_response_error(resp, 403, "forbidden",
                            "Only members of this programme can see its directory", NULL);
    return viewer;
}

/* The answer is a function of the snapshot, the viewer and the query, so a
 * hash of those is its ETag, known before anything is rendered: a client
 * revalidating costs a hash, and a repeated page is served from the
 * snapshot's cache, gzip'd once. */
static void directory_key(const struct catalog_snapshot *snap, size_t pi,
                          const struct catalog_entry *viewer, const struct dir_params *dp,
                          unsigned char key[16])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 16);
    int64_t head[] = {snap->seq, (int64_t)pi, viewer->user_id, dp->q.sort, dp->q.page,
                      dp->q.per_page, dp->q.grade, (int64_t)dp->q.language};
    crypto_generichash_update(&h, (const unsigned char *)head, sizeof head);
    for (size_t i = 0; i < 4; i++) {
        /* Length-prefixed, so that no two queries hash the same input. */
        int64_t len = dp->fold[i] ? (int64_t)strlen(dp->fold[i]) : -1;
        crypto_generichash_update(&h, (const unsigned char *)&len, sizeof len);
        if (len > 0)
            crypto_generichash_update(&h, (const unsigned char *)dp->fold[i], (size_t)len);
    }
    crypto_generichash_final(&h, key, 16);
}

static void directory_answer(struct api_ctx *ctx, struct catalog_snapshot *snap, size_t pi,
                             const struct catalog_entry *viewer, const struct dir_params *dp,
                             struct http_response *resp)
{
    unsigned char key[16];
    char hex[33];
    directory_key(snap, pi, viewer, dp, key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    snprintf(resp->etag_value, sizeof resp->etag_value, "W/\"%s\"", hex);
    resp->content_type = "application/json";
    if (http_etag_matches(ctx->req->if_none_match, resp->etag_value)) {
        resp->status = 304;
        return;
    }
    bool cache = ctx->srv->cfg.page_cache;
    if (cache && catalog_page_get(snap, key, &resp->body, &resp->len, &resp->gzip_body,
                         &resp->gzip_len)) {
        resp->status = 200;
        return;
    }
    cJSON *page = catalog_directory_page(snap, pi, viewer, &dp->q);
    char etag[sizeof resp->etag_value];
    memcpy(etag, resp->etag_value, sizeof etag);
    http_response_json(resp, 200, page);
    if (resp->status != 200)
        return;
    memcpy(resp->etag_value, etag, sizeof etag);
    resp->gzip_body = resp->len > 256 ? http_gzip(resp->body, resp->len, &resp->gzip_len) : NULL;
    if (cache)
        catalog_page_put(snap, key, resp->body, resp->len, resp->gzip_body, resp->gzip_len);
}

void api_directory(struct api_ctx *ctx, struct http_response *resp)
{
    struct dir_params dp;
    memset(&dp, 0, sizeof dp);
    dp.q.page = 1;
    dp.q.per_page = 50;
    dp.q.sort = CATALOG_SORT_SCORE;
    if (!http_query_each(ctx->req, dir_param, &dp)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: %.64s", dp.why, dp.bad);
        http_response_error(resp, 400, "bad_request", msg, dp.bad);
        goto out;
    }
    dp.q.job_network = dp.fold[0];
    dp.q.entity = dp.fold[1];
    dp.q.duty_station = dp.fold[2];
    dp.q.q = dp.fold[3];

    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        goto out;
    }
    size_t pi;
    const struct catalog_entry *viewer = directory_viewer(ctx, snap, &pi, resp);
    if (viewer)
        directory_answer(ctx, snap, pi, viewer, &dp, resp);
    catalog_release(&ctx->srv->catalog, snap);
out:
    for (size_t i = 0; i < 4; i++)
        free(dp.fold[i]);
}

void api_directory_mentor(struct api_ctx *ctx, struct http_response *resp)
{
    int id;
    if (!api_whole_int(ctx->req->params[1], 1, 2147483647, &id)) {
        http_response_error(resp, 400, "bad_request", "A user id is a positive whole number",
                            NULL);
        return;
    }
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    size_t pi;
    const struct catalog_entry *viewer = directory_viewer(ctx, snap, &pi, resp);
    if (viewer) {
        const struct catalog_entry *m = catalog_member(&snap->progs[pi], id);
        if (!m || !catalog_visible(viewer, m)) {
            http_response_error(resp, 404, "not_found", "No such mentor in your directory",
                                NULL);
        } else {
            http_response_json(resp, 200, catalog_mentor_json(viewer, m, true));
            resp->etag = true;
        }
    }
    catalog_release(&ctx->srv->catalog, snap);
}

/* Sync's `programme` collection: the programme object with its
 * questionnaire, as GET /v1/programmes/{id} answers it, whenever the
 * programme's row changed after `since` (a first sync or a reset included). */
static mento_status programme_sync_changes(struct api_ctx *ctx, const char *programme,
                                           int64_t since, cJSON *changes)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT settings FROM programmes WHERE id = ? AND seq > ?", -1,
                           &st, NULL) != SQLITE_OK)
        return MENTO_ERR_DB;
    sqlite3_bind_text(st, 1, programme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    int r = sqlite3_step(st);
    mento_status rc = r == SQLITE_ROW || r == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
    if (r == SQLITE_ROW) {
        cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        struct mento_programme prog;
        mento_programme_init(&prog);
        struct codec_error err;
        cJSON *out = NULL;
        if (json && codec_programme_from_json(json, &prog, &err) == MENTO_OK &&
            (out = codec_programme_to_json(&prog)) != NULL)
            cJSON_AddItemToObject(out, "questionnaire", codec_questionnaire_to_json());
        if (out)
            cJSON_AddItemToObject(changes, "programme", out);
        else
            rc = MENTO_ERR_DB;
        mento_programme_free(&prog);
        cJSON_Delete(json);
    }
    sqlite3_finalize(st);
    return rc;
}

static const struct api_route directory_routes[] = {
    {"GET", "/v1/health", api_health, 0},
    {"GET", "/v1/programmes", api_programmes, 0},
    {"GET", "/v1/programmes/{}", api_programme, 0},
    {"GET", "/v1/programmes/{}/mentors", api_directory, API_ROUTE_AUTH},
    {"GET", "/v1/programmes/{}/mentors/{}", api_directory_mentor, API_ROUTE_AUTH},
    {NULL, NULL, NULL, 0},
};

static const struct api_op no_ops[] = {{NULL, NULL}};

const struct api_module api_module_directory = {
    .name = "directory",
    .routes = directory_routes,
    .ops = no_ops,
    .sync_changes = programme_sync_changes,
};

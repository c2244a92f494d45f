/* api_sync.c - POST /v1/sync: queued operations up, changes since the cursor
 * down, in one round trip; and the test-mode clock. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mento/api.h"
#include "mento/codec.h"
#include "mento/scheduler.h"
#include "mento/server.h"

#define SYNC_MAX_OPS       100
#define SYNC_LIMIT_DEFAULT 500
#define SYNC_LIMIT_MAX     2000

/* The cursor "I.S.U.V.F.W": I is the database's identity (a cursor with
 * another one is from another server, or from before a rebuild, and starts
 * over); every directory entry up to (seq S, user U) in
 * (seq, user) order has been delivered; an empty U means all of seq S. V is
 * the caller's visibility signature (languages and roles) when it was issued:
 * if it changed, the caller's directory must be rebuilt from scratch. F is 1
 * while the pages of a fresh copy are still coming (they leave out whom the
 * caller cannot see, instead of announcing removals). W is the sequence
 * number up to which the other collections (requests, pairings, notes, ...)
 * were delivered. */
struct sync_cursor {
    int64_t instance;
    int64_t seq;
    int64_t user; /* -1: all of seq */
    unsigned sig;
    bool fresh;
    bool start;
    int64_t work;
};

static bool parse_u64(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool cursor_parse(const cJSON *c, struct sync_cursor *out)
{
    memset(out, 0, sizeof *out);
    out->user = -1;
    if (!c || cJSON_IsNull(c) || (cJSON_IsNumber(c) && c->valuedouble == 0) ||
        (cJSON_IsString(c) && (c->valuestring[0] == '\0' || strcmp(c->valuestring, "0") == 0))) {
        out->start = true;
        return true;
    }
    if (!cJSON_IsString(c))
        return false;
    const char *s0 = c->valuestring;
    const char *d0 = strchr(s0, '.');
    if (!d0 || !parse_u64(s0, (size_t)(d0 - s0), &out->instance))
        return false;
    const char *s = d0 + 1;
    const char *d1 = strchr(s, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    const char *d3 = d2 ? strchr(d2 + 1, '.') : NULL;
    const char *d4 = d3 ? strchr(d3 + 1, '.') : NULL;
    if (!d1 || !d2 || !d3 || !d4 || strchr(d4 + 1, '.') || d4 != d3 + 2 ||
        (d3[1] != '0' && d3[1] != '1') || !parse_u64(d4 + 1, strlen(d4 + 1), &out->work))
        return false;
    int64_t sig;
    if (!parse_u64(s, (size_t)(d1 - s), &out->seq) ||
        !parse_u64(d2 + 1, (size_t)(d3 - d2 - 1), &sig) || sig > 0xffff)
        return false;
    out->sig = (unsigned)sig;
    out->fresh = d3[1] == '1';
    if (d2 > d1 + 1 && !parse_u64(d1 + 1, (size_t)(d2 - d1 - 1), &out->user))
        return false;
    return true;
}

static void cursor_format(char *buf, size_t len, int64_t instance, int64_t seq, int64_t user,
                          unsigned sig, bool fresh, int64_t work)
{
    if (user < 0)
        snprintf(buf, len, "%" PRId64 ".%" PRId64 "..%u.%d.%" PRId64, instance, seq, sig, fresh,
                 work);
    else
        snprintf(buf, len, "%" PRId64 ".%" PRId64 ".%" PRId64 ".%u.%d.%" PRId64, instance, seq,
                 user, sig, fresh, work);
}

static unsigned visibility_sig(const struct catalog_entry *e)
{
    return (e->profile.languages & 0xff) | ((e->roles & 0xff) << 8);
}

/* ---- Operations ------------------------------------------------------------- */

static cJSON *op_result(const char *op_id, const struct http_response *r)
{
    cJSON *res = cJSON_CreateObject();
    if (!res)
        return NULL;
    if (op_id)
        cJSON_AddStringToObject(res, "op_id", op_id);
    else
        cJSON_AddNullToObject(res, "op_id");
    cJSON_AddNumberToObject(res, "status", r->status);
    cJSON *body = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    cJSON_AddItemToObject(res, "body", body ? body : cJSON_CreateNull());
    return res;
}

static void run_op(struct api_ctx *ctx, const cJSON *op, struct http_response *r,
                   const char **op_id)
{
    static const char *const keys[] = {"op_id", "type", "body", NULL};
    *op_id = NULL;
    if (!cJSON_IsObject(op)) {
        http_response_error(r, 400, "invalid_type", "An operation is a JSON object", NULL);
        return;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(op, "op_id");
    if (cJSON_IsString(id) && api_valid_key(id->valuestring))
        *op_id = id->valuestring;
    if (!api_only_keys(op, keys, r))
        return;
    if (!*op_id) {
        http_response_error(r, 400, "invalid",
                            "op_id must be 8 to 64 characters of A-Z, a-z, 0-9, - and _", "op_id");
        return;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(op, "type");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(op, "body");
    if (!cJSON_IsString(type)) {
        api_error_status(r, type ? MENTO_ERR_TYPE : MENTO_ERR_MISSING, "type");
        return;
    }
    if (!cJSON_IsObject(body)) {
        api_error_status(r, body ? MENTO_ERR_TYPE : MENTO_ERR_MISSING, "body");
        return;
    }
    for (const struct api_module *const *m = api_modules; *m; m++)
        for (const struct api_op *o = (*m)->ops; o->type; o++)
            if (strcmp(o->type, type->valuestring) == 0) {
                const cJSON *saved = ctx->input;
                ctx->input = body;
                api_run_write(ctx, *op_id, "SYNC", o->type, o->handler, r);
                ctx->input = saved;
                return;
            }
    http_response_error(r, 400, "invalid", "Unknown operation type", "type");
}

/* ---- Changes ---------------------------------------------------------------- */

static int cmp_seq_user(const void *pa, const void *pb)
{
    const struct catalog_entry *a = *(const struct catalog_entry *const *)pa;
    const struct catalog_entry *b = *(const struct catalog_entry *const *)pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return (a->user_id > b->user_id) - (a->user_id < b->user_id);
}

static bool after_cursor(const struct catalog_entry *e, const struct sync_cursor *c)
{
    if (c->start)
        return true;
    if (e->seq != c->seq)
        return e->seq > c->seq;
    return c->user >= 0 && e->user_id > c->user;
}

static cJSON *own_membership(const struct catalog_programme *cp, const struct catalog_entry *me)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "programme", cp->prog.id);
    cJSON_AddItemToObject(m, "roles", api_roles_json(me->roles));
    cJSON_AddNumberToObject(m, "capacity", me->capacity);
    cJSON_AddNumberToObject(m, "mentees", me->mentees);
    cJSON_AddBoolToObject(m, "hidden", me->hidden);
    cJSON_AddStringToObject(m, "status", me->status);
    return m;
}

static mento_status sync_changes(struct api_ctx *ctx, struct catalog_snapshot *snap, size_t pi,
                                 const struct sync_cursor *in, int limit, cJSON *out)
{
    const struct catalog_programme *cp = &snap->progs[pi];
    const struct catalog_entry *me = catalog_member(cp, ctx->user_id);
    unsigned sig = visibility_sig(me);
    struct sync_cursor c = *in;
    /* Another server's cursor, or one from before this database was rebuilt. */
    bool unknown = c.instance != ctx->srv->instance || c.seq > snap->seq || c.work > snap->seq;
    bool reset = c.start || unknown || c.sig != sig;
    /* A reset makes the client drop every collection the server owns, so
     * they all come again from the start, not only the directory. */
    int64_t work_since = reset ? 0 : c.work;
    if (reset) {
        memset(&c, 0, sizeof c);
        c.start = true;
        c.user = -1;
    }
    cJSON *changes = cJSON_AddObjectToObject(out, "changes");
    /* The other areas: everything after the cursor's W, on every page. */
    for (const struct api_module *const *m = api_modules; *m; m++)
        if ((*m)->sync_changes &&
            (*m)->sync_changes(ctx, cp->prog.id, work_since, changes) != MENTO_OK) {
            return MENTO_ERR_DB;
        }
    /* The caller's own record travels on the first page of a round only. */
    if (c.user < 0 && (c.start || me->seq > c.seq)) {
        cJSON_AddItemToObject(changes, "profile",
                              codec_profile_to_json(&me->profile, CODEC_PROFILE_ADMIN_ONLY));
        cJSON *mems = cJSON_AddArrayToObject(changes, "memberships");
        cJSON_AddItemToArray(mems, own_membership(cp, me));
    }

    /* The account: frozen or not (another device may have changed it), and
     * every programme the caller belongs to, to switch between; sent when
     * any of the caller's memberships changed, in any programme. */
    int64_t account_seq = 0;
    for (size_t i = 0; i < snap->n_progs; i++) {
        const struct catalog_entry *e = catalog_member(&snap->progs[i], ctx->user_id);
        if (e && e->seq > account_seq)
            account_seq = e->seq;
    }
    if (c.user < 0 && (c.start || account_seq > c.seq)) {
        cJSON *acc = cJSON_AddObjectToObject(changes, "account");
        cJSON_AddNumberToObject(acc, "user_id", (double)ctx->user_id);
        cJSON_AddBoolToObject(acc, "frozen", me->frozen);
        cJSON *all = cJSON_AddArrayToObject(acc, "programmes");
        for (size_t i = 0; i < snap->n_progs; i++) {
            const struct catalog_entry *e = catalog_member(&snap->progs[i], ctx->user_id);
            if (e)
                cJSON_AddItemToArray(all, own_membership(&snap->progs[i], e));
        }
    }

    const struct catalog_entry **list = malloc((cp->n_entries + 1) * sizeof *list);
    size_t n = 0;
    for (size_t i = 0; list && i < cp->n_entries; i++) {
        const struct catalog_entry *e = &cp->entries[i];
        if (!after_cursor(e, &c))
            continue;
        /* A fresh copy simply leaves the invisible out; a delta must also
         * say who left (frozen, hidden, no longer a mentor, ...). */
        if ((c.start || c.fresh) && !catalog_visible(me, e))
            continue;
        list[n++] = e;
    }
    qsort(list, n, sizeof *list, cmp_seq_user);
    cJSON *mentors = n ? cJSON_AddArrayToObject(changes, "mentors") : NULL;
    size_t taken = n < (size_t)limit ? n : (size_t)limit;
    for (size_t i = 0; i < taken; i++) {
        const struct catalog_entry *e = list[i];
        if (catalog_visible(me, e)) {
            /* No score: clients compute it with the shared rules, so that a
             * change of the caller's own goals needs no new download. */
            cJSON_AddItemToArray(mentors, catalog_mentor_json(NULL, e, true));
        } else {
            cJSON *gone = cJSON_CreateObject();
            cJSON_AddNumberToObject(gone, "user_id", (double)e->user_id);
            cJSON_AddBoolToObject(gone, "removed", true);
            cJSON_AddItemToArray(mentors, gone);
        }
    }
    char cursor[128];
    bool more = taken < n;
    if (more)
        cursor_format(cursor, sizeof cursor, ctx->srv->instance, list[taken - 1]->seq,
                      list[taken - 1]->user_id, sig, c.start || c.fresh, snap->seq);
    else
        cursor_format(cursor, sizeof cursor, ctx->srv->instance, snap->seq, -1, sig, false,
                      snap->seq);
    free(list);
    cJSON_AddStringToObject(out, "cursor", cursor);
    cJSON_AddBoolToObject(out, "more", more);
    cJSON_AddBoolToObject(out, "reset", reset);
    return MENTO_OK;
}

void api_sync(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"programme", "cursor", "ops", "limit", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const char *pid = api_string(in, "programme", 64, true, resp);
    if (!pid)
        return;
    struct sync_cursor cursor;
    if (!cursor_parse(cJSON_GetObjectItemCaseSensitive(in, "cursor"), &cursor)) {
        http_response_error(resp, 400, "bad_request", "The cursor is not one this server gave out",
                            "cursor");
        return;
    }
    int limit = SYNC_LIMIT_DEFAULT;
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(in, "limit");
    if (lim) {
        if (!cJSON_IsNumber(lim) || lim->valuedouble != (double)(int)lim->valuedouble) {
            api_error_status(resp, MENTO_ERR_TYPE, "limit");
            return;
        }
        if (lim->valueint < 1 || lim->valueint > SYNC_LIMIT_MAX) {
            http_response_error(resp, 400, "out_of_range", "limit is 1 to 2000", "limit");
            return;
        }
        limit = lim->valueint;
    }
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(in, "ops");
    if (ops && !cJSON_IsArray(ops)) {
        api_error_status(resp, MENTO_ERR_TYPE, "ops");
        return;
    }
    if (cJSON_GetArraySize(ops) > SYNC_MAX_OPS) {
        http_response_error(resp, 400, "out_of_range", "At most 100 operations per sync", "ops");
        return;
    }
    struct catalog_snapshot *snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    const struct catalog_programme *cp = catalog_programme(snap, pid, NULL);
    bool member = cp && catalog_member(cp, ctx->user_id);
    catalog_release(&ctx->srv->catalog, snap);
    if (!cp) {
        http_response_error(resp, 404, "unknown_programme", "There is no such programme",
                            "programme");
        return;
    }
    if (!member) {
        http_response_error(resp, 403, "forbidden", "You are not a member of this programme", NULL);
        return;
    }

    cJSON *out = cJSON_CreateObject();
    cJSON *results = cJSON_AddArrayToObject(out, "results");
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        struct http_response r;
        memset(&r, 0, sizeof r);
        const char *op_id;
        run_op(ctx, op, &r, &op_id);
        cJSON_AddItemToArray(results, op_result(op_id, &r));
        http_response_free(&r);
    }

    /* Changes are read after the operations, so the caller sees their effect. */
    size_t pi;
    snap = catalog_acquire(&ctx->srv->catalog, ctx->db);
    if (!snap || !catalog_programme(snap, pid, &pi) ||
        !catalog_member(&snap->progs[pi], ctx->user_id)) {
        catalog_release(&ctx->srv->catalog, snap);
        cJSON_Delete(out);
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    mento_status st = sync_changes(ctx, snap, pi, &cursor, limit, out);
    catalog_release(&ctx->srv->catalog, snap);
    if (st != MENTO_OK) {
        cJSON_Delete(out);
        api_error_status(resp, st, NULL);
        return;
    }
    http_response_json(resp, 200, out);
}

void api_test_clock(struct api_ctx *ctx, struct http_response *resp)
{
    static const char *const keys[] = {"advance", NULL};
    const cJSON *in = api_input(ctx, resp);
    if (!in || !api_only_keys(in, keys, resp))
        return;
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(in, "advance");
    if (!adv) {
        api_error_status(resp, MENTO_ERR_MISSING, "advance");
        return;
    }
    if (!cJSON_IsNumber(adv) || adv->valuedouble != floor(adv->valuedouble)) {
        api_error_status(resp, MENTO_ERR_TYPE, "advance");
        return;
    }
    if (adv->valuedouble < 0 || adv->valuedouble > 20.0 * 365 * 86400) {
        http_response_error(resp, 400, "out_of_range",
                            "advance is a whole number of seconds from 0 to 20 years", "advance");
        return;
    }
    int64_t offset = atomic_fetch_add(&ctx->srv->clock_offset, (int64_t)adv->valuedouble) +
                     (int64_t)adv->valuedouble;
    /* Kept in the database, so that a restart does not turn the clock back. */
    if (db_meta_set(ctx->db, "test_clock", offset) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    /* Apply what fell due at once, as the scheduler would have. */
    if (scheduler_tick(ctx->srv, ctx->db) != MENTO_OK) {
        api_error_status(resp, MENTO_ERR_DB, NULL);
        return;
    }
    char now[CODEC_TIME_LEN];
    codec_time_format(server_now(ctx->srv), now);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "now", now);
    http_response_json(resp, 200, out);
}

static const struct api_route sync_routes[] = {
    {"POST", "/v1/sync", api_sync, API_ROUTE_AUTH},
    {"POST", "/v1/test/clock", api_test_clock, API_ROUTE_TEST},
    {NULL, NULL, NULL, 0},
};

static const struct api_op sync_ops[] = {{NULL, NULL}};

const struct api_module api_module_sync = {
    .name = "sync",
    .routes = sync_routes,
    .ops = sync_ops,
};

/* test_store.c - the client's local store: the outbox keeps operations until
 * the server settles them, a sync answer applies all or nothing, a reset
 * never drops the outbox or the user's own notes, and the store survives
 * being reopened; the resources kept whole with their ETag, calendar files
 * kept for the version of their session, and an older store upgraded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "mento/store.h"

struct fixture {
    char dir[64];
    char path[96];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mento-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    char err[256];
    if (store_open(&f->s, f->path, err, sizeof err) != MENTO_OK) {
        fprintf(stderr, "# %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(&f->s);
    char p[128];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static mento_status apply(struct fixture *f, const char *answer, struct store_sync_summary *sum)
{
    cJSON *a = parse(answer);
    char err[256] = "";
    mento_status st = store_apply_sync(f->s, "together", a, 1000, sum, err, sizeof err);
    if (st != MENTO_OK)
        assert_true(err[0] != '\0'); /* a refusal always says why */
    cJSON_Delete(a);
    return st;
}

static void reopen(struct fixture *f)
{
    store_close(&f->s);
    assert_null(f->s);
    char err[256];
    assert_int_equal(store_open(&f->s, f->path, err, sizeof err), MENTO_OK);
}

static void queued_operations_survive_and_keep_their_ids(void **state)
{
    struct fixture *f = *state;
    char id1[STORE_OP_ID_LEN], id2[STORE_OP_ID_LEN];
    cJSON *body = parse("{\"mentor_id\":77}");
    assert_int_equal(store_outbox_append(f->s, "together", "wishlist.add", body, 10, id1),
                     MENTO_OK);
    assert_int_equal(store_outbox_append(f->s, "together", "request.send", body, 11, id2),
                     MENTO_OK);
    cJSON_Delete(body);
    assert_int_equal(strlen(id1), 32);
    assert_string_not_equal(id1, id2);
    assert_int_equal(store_outbox_count(f->s, "together"), 2);
    assert_int_equal(store_outbox_count(f->s, "iom-2025"), 0);

    /* Closed and reopened (a quit, a kill): the same operations, same ids,
     * same order, same bodies. */
    reopen(f);
    cJSON *ops = store_outbox_batch(f->s, "together");
    assert_int_equal(cJSON_GetArraySize(ops), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 0), "op_id")->valuestring, id1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 1), "type")->valuestring,
                        "request.send");
    const cJSON *b = cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 1), "body");
    assert_int_equal(cJSON_GetObjectItem(b, "mentor_id")->valueint, 77);
    cJSON_Delete(ops);

    /* A lost answer: the batch is the same next time. */
    cJSON *again = store_outbox_batch(f->s, "together");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(again, 0), "op_id")->valuestring,
                        id1);
    cJSON_Delete(again);

    /* The answer settles one, refuses the other with the server's words. */
    char answer[1024];
    snprintf(answer, sizeof answer,
             "{\"cursor\":\"1.5..0.0.5\",\"more\":false,\"reset\":false,\"results\":["
             "{\"op_id\":\"%s\",\"status\":201,\"body\":{}},"
             "{\"op_id\":\"%s\",\"status\":422,\"body\":{\"error\":{\"code\":\"capacity_full\","
             "\"message\":\"This mentor has no free place\"}}}],\"changes\":{}}",
             id1, id2);
    struct store_sync_summary sum;
    assert_int_equal(apply(f, answer, &sum), MENTO_OK);
    assert_int_equal(sum.settled, 2);
    assert_int_equal(sum.refused, 1);
    assert_int_equal(store_outbox_count(f->s, "together"), 0);
    struct store_refusal r[4];
    assert_int_equal(store_refusals(f->s, "together", r, 4), 1);
    assert_string_equal(r[0].op_id, id2);
    assert_string_equal(r[0].code, "capacity_full");
    assert_string_equal(r[0].message, "This mentor has no free place");
    assert_int_equal(r[0].status, 422);
    /* The refusal stays until read. */
    reopen(f);
    assert_int_equal(store_refusals(f->s, "together", r, 4), 1);
    assert_int_equal(store_refusal_seen(f->s, id2), MENTO_OK);
    assert_int_equal(store_refusals(f->s, "together", r, 4), 0);
    /* A repeat of the same answer changes nothing and double-counts nothing. */
    assert_int_equal(apply(f, answer, &sum), MENTO_OK);
    assert_int_equal(sum.settled, 0);
}

static void server_errors_leave_operations_queued(void **state)
{
    struct fixture *f = *state;
    char id[STORE_OP_ID_LEN];
    cJSON *body = parse("{}");
    assert_int_equal(store_outbox_append(f->s, "together", "account.unfreeze", body, 1, id),
                     MENTO_OK);
    cJSON_Delete(body);
    char answer[512];
    snprintf(answer, sizeof answer,
             "{\"cursor\":\"c2\",\"results\":[{\"op_id\":\"%s\",\"status\":503,\"body\":null}],"
             "\"changes\":{}}",
             id);
    struct store_sync_summary sum;
    assert_int_equal(apply(f, answer, &sum), MENTO_OK);
    assert_int_equal(sum.settled, 0);
    assert_int_equal(store_outbox_count(f->s, "together"), 1);
}

static void changes_replace_local_copies(void **state)
{
    struct fixture *f = *state;
    struct store_sync_summary sum;
    assert_int_equal(
        apply(f,
              "{\"cursor\":\"c1\",\"reset\":true,\"more\":true,\"results\":[],\"changes\":{"
              "\"profile\":{\"user_id\":5,\"name\":\"Amina\"},"
              "\"wishlist\":{\"cascade\":true,\"items\":[]},"
              "\"requests\":[{\"id\":88,\"state\":\"open\"}],"
              "\"mentors\":[{\"user_id\":1,\"name\":\"A\"},{\"user_id\":2,\"name\":\"B\"},"
              "{\"user_id\":3,\"name\":\"C\"}]}}",
              &sum),
        MENTO_OK);
    assert_true(sum.reset);
    assert_true(sum.more);
    assert_int_equal(sum.mentors, 3);
    assert_int_equal(store_mentor_count(f->s, "together"), 3);
    char cursor[STORE_CURSOR_MAX];
    assert_int_equal(store_cursor(f->s, "together", cursor, sizeof cursor), MENTO_OK);
    assert_string_equal(cursor, "c1");
    assert_int_equal(store_last_sync(f->s, "together"), 1000);

    assert_int_equal(
        apply(f,
              "{\"cursor\":\"c2\",\"results\":[],\"changes\":{"
              "\"requests\":[{\"id\":88,\"state\":\"accepted\"}],"
              "\"current_request\":null,"
              "\"mentors\":[{\"user_id\":2,\"removed\":true},{\"user_id\":3,\"name\":\"C2\"}]}}",
              &sum),
        MENTO_OK);
    assert_int_equal(store_mentor_count(f->s, "together"), 2);
    cJSON *req = store_get(f->s, "together", "requests", "88");
    assert_string_equal(cJSON_GetObjectItem(req, "state")->valuestring, "accepted");
    cJSON_Delete(req);
    cJSON *profile = store_get(f->s, "together", "profile", NULL);
    assert_string_equal(cJSON_GetObjectItem(profile, "name")->valuestring, "Amina");
    cJSON_Delete(profile);
    assert_null(store_get(f->s, "together", "current_request", NULL));
}

static void malformed_answers_change_nothing(void **state)
{
    struct fixture *f = *state;
    struct store_sync_summary sum;
    assert_int_equal(apply(f,
                           "{\"cursor\":\"c1\",\"results\":[],\"changes\":{\"mentors\":["
                           "{\"user_id\":1,\"name\":\"A\"}]}}",
                           &sum),
                     MENTO_OK);
    static const char *const bad[] = {
        "[]",
        "{\"results\":[],\"changes\":{}}",                     /* no cursor */
        "{\"cursor\":\"\",\"changes\":{}}",                    /* empty cursor */
        "{\"cursor\":7,\"changes\":{}}",                       /* not a string */
        "{\"cursor\":\"c9\",\"changes\":[]}",                  /* changes not an object */
        "{\"cursor\":\"c9\",\"results\":{},\"changes\":{}}",   /* results not an array */
        "{\"cursor\":\"c9\",\"results\":[{\"op_id\":\"x\"}]}", /* a result without status */
        /* One good entry then a bad one: the good one must not be kept. */
        "{\"cursor\":\"c9\",\"changes\":{\"mentors\":[{\"user_id\":2},{\"name\":\"no id\"}]}}",
        "{\"cursor\":\"c9\",\"changes\":{\"mentors\":[{\"user_id\":-4}]}}",
        "{\"cursor\":\"c9\",\"changes\":{\"mentors\":[{\"user_id\":1.5}]}}",
        "{\"cursor\":\"c9\",\"changes\":{\"requests\":{\"id\":1}}}",
        "{\"cursor\":\"c9\",\"changes\":{\"requests\":[{\"state\":\"open\"}]}}",
        "{\"cursor\":\"c9\",\"changes\":{\"profile\":[1,2]}}",
        "{\"cursor\":\"c9\",\"reset\":true,\"changes\":{\"mentors\":7}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (apply(f, bad[i], &sum) != MENTO_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(store_mentor_count(f->s, "together"), 1);
        char cursor[STORE_CURSOR_MAX];
        store_cursor(f->s, "together", cursor, sizeof cursor);
        assert_string_equal(cursor, "c1");
    }
    /* A cursor longer than the limit is refused too. */
    char big[STORE_CURSOR_MAX + 64];
    snprintf(big, sizeof big, "{\"cursor\":\"%0*d\",\"changes\":{}}", STORE_CURSOR_MAX, 0);
    assert_int_equal(apply(f, big, &sum), MENTO_ERR_PARSE);
}

static void reset_keeps_outbox_and_own_notes(void **state)
{
    struct fixture *f = *state;
    struct store_sync_summary sum;
    assert_int_equal(apply(f,
                           "{\"cursor\":\"c1\",\"changes\":{\"profile\":{\"user_id\":5},"
                           "\"notes\":[{\"id\":\"n-mine\",\"owner_id\":5,\"version\":3},"
                           "{\"id\":\"n-shared\",\"owner_id\":9,\"version\":1}],"
                           "\"pairings\":[{\"id\":41,\"state\":\"active\"}],"
                           "\"mentors\":[{\"user_id\":1}]}}",
                           &sum),
                     MENTO_OK);
    char id[STORE_OP_ID_LEN];
    cJSON *body = parse("{\"id\":\"n-new\",\"base_version\":0,\"ciphertext\":\"AA==\"}");
    assert_int_equal(store_outbox_append(f->s, "together", "note.put", body, 5, id), MENTO_OK);
    cJSON_Delete(body);

    /* The server was rebuilt: it resets and sends almost nothing. */
    assert_int_equal(apply(f, "{\"cursor\":\"new-1\",\"reset\":true,\"changes\":{}}", &sum),
                     MENTO_OK);
    assert_int_equal(store_mentor_count(f->s, "together"), 0);
    assert_null(store_get(f->s, "together", "pairings", "41"));
    cJSON *mine = store_get(f->s, "together", "notes", "n-mine");
    assert_non_null(mine);
    cJSON_Delete(mine);
    assert_int_equal(store_outbox_count(f->s, "together"), 1);

    /* An unshared record ("removed") goes; the user's own never does. */
    assert_int_equal(apply(f,
                           "{\"cursor\":\"new-2\",\"changes\":{\"notes\":["
                           "{\"id\":\"n-shared\",\"removed\":true},"
                           "{\"id\":\"n-mine\",\"removed\":true}]}}",
                           &sum),
                     MENTO_OK);
    assert_null(store_get(f->s, "together", "notes", "n-shared"));
    mine = store_get(f->s, "together", "notes", "n-mine");
    assert_non_null(mine);
    cJSON_Delete(mine);
}

static void newer_store_is_refused(void **state)
{
    struct fixture *f = *state;
    store_close(&f->s);
    /* Pretend a newer mento wrote it. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", store_schema_version() + 1);
    assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    assert_int_not_equal(store_open(&f->s, f->path, err, sizeof err), MENTO_OK);
    assert_null(f->s);
    assert_non_null(strstr(err, "newer"));
    /* The fixture's teardown must still work: open a fresh one. */
    unlink(f->path);
    assert_int_equal(store_open(&f->s, f->path, err, sizeof err), MENTO_OK);
}

/* The resources as the server sent them, in its order, with their ETag; a
 * new answer replaces them all; a bad one changes nothing and says why. */
static void resources_kept_whole(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", etag[128];
    int64_t at;
    assert_int_equal(store_resources_etag(f->s, "together", etag, sizeof etag, &at), MENTO_OK);
    assert_string_equal(etag, "");
    assert_int_equal(at, 0);
    cJSON *a = parse("{\"items\":["
                     "{\"id\":\"t-topics\",\"kind\":\"topic\",\"title\":\"Topics\","
                     "\"body\":\"# Topics\\n- Managing up\"},"
                     "{\"id\":\"t-guide\",\"kind\":\"handbook\",\"title\":\"Guide du "
                     "mentorat\",\"body\":\"# Guide\\nSéances\"}]}");
    assert_int_equal(store_resources_replace(f->s, "together", a, "W/\"1\"", 50, err, sizeof err),
                     MENTO_OK);
    cJSON_Delete(a);
    cJSON *list = store_resources_list(f->s, "together");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuestring,
                        "t-topics");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "title")->valuestring,
                        "Guide du mentorat");
    cJSON_Delete(list);
    char *body = store_resource_body(f->s, "together", "t-guide");
    assert_string_equal(body, "# Guide\nSéances");
    free(body);
    assert_null(store_resource_body(f->s, "together", "nope"));
    assert_null(store_resource_body(f->s, "iom", "t-guide")); /* per programme */
    assert_int_equal(store_resources_etag(f->s, "together", etag, sizeof etag, &at), MENTO_OK);
    assert_string_equal(etag, "W/\"1\"");
    assert_int_equal(at, 50);
    assert_int_equal(store_resources_checked(f->s, "together", 60), MENTO_OK);
    store_resources_etag(f->s, "together", etag, sizeof etag, &at);
    assert_int_equal(at, 60);

    static const char *const bad[] = {
        "[]",
        "{\"items\":{}}",
        "{\"items\":[7]}",
        "{\"items\":[{\"kind\":\"topic\",\"title\":\"T\",\"body\":\"\"}]}",
        "{\"items\":[{\"id\":\"\",\"kind\":\"topic\",\"title\":\"T\",\"body\":\"\"}]}",
        "{\"items\":[{\"id\":\"a\",\"kind\":\"topic\",\"body\":\"\"}]}",
        "{\"items\":[{\"id\":\"a\",\"kind\":\"topic\",\"title\":\"T\"}]}",
        "{\"items\":[{\"id\":\"a\",\"kind\":\"topic\",\"title\":\"T\",\"body\":1}]}",
        "{\"items\":[{\"id\":\"a\",\"kind\":\"topic\",\"title\":\"T\",\"body\":\"\"},"
        "{\"id\":\"a\",\"kind\":\"topic\",\"title\":\"U\",\"body\":\"\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = parse(bad[i]);
        err[0] = '\0';
        if (store_resources_replace(f->s, "together", a, "W/\"2\"", 70, err, sizeof err) !=
            MENTO_ERR_PARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_true(err[0] != '\0');
        cJSON_Delete(a);
    }
    /* Invalid UTF-8 and an oversized body, built by hand. */
    a = parse("{\"items\":[{\"id\":\"a\",\"kind\":\"topic\",\"title\":\"T\",\"body\":\"\"}]}");
    cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "items"), 0);
    cJSON_ReplaceItemInObject(item, "body", cJSON_CreateString("bad \xff byte"));
    assert_int_equal(store_resources_replace(f->s, "together", a, "", 70, err, sizeof err),
                     MENTO_ERR_PARSE);
    assert_non_null(strstr(err, "UTF-8"));
    char *huge = malloc(STORE_RESOURCE_BODY_MAX + 2);
    memset(huge, 'a', STORE_RESOURCE_BODY_MAX + 1);
    huge[STORE_RESOURCE_BODY_MAX + 1] = '\0';
    cJSON_ReplaceItemInObject(item, "body", cJSON_CreateString(huge));
    free(huge);
    assert_int_equal(store_resources_replace(f->s, "together", a, "", 70, err, sizeof err),
                     MENTO_ERR_PARSE);
    cJSON_Delete(a);
    list = store_resources_list(f->s, "together");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    cJSON_Delete(list);
    store_resources_etag(f->s, "together", etag, sizeof etag, &at);
    assert_string_equal(etag, "W/\"1\"");

    /* A good answer replaces everything; an empty one empties. */
    a = parse("{\"items\":[{\"id\":\"n\",\"kind\":\"agenda\",\"title\":\"A\",\"body\":\"\"}]}");
    assert_int_equal(store_resources_replace(f->s, "together", a, "W/\"3\"", 80, err, sizeof err),
                     MENTO_OK);
    cJSON_Delete(a);
    assert_null(store_resource_body(f->s, "together", "t-guide"));
    reopen(f);
    list = store_resources_list(f->s, "together");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    cJSON_Delete(list);
    a = parse("{\"items\":[]}");
    assert_int_equal(store_resources_replace(f->s, "together", a, "W/\"4\"", 90, err, sizeof err),
                     MENTO_OK);
    cJSON_Delete(a);
    list = store_resources_list(f->s, "together");
    assert_int_equal(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
}

/* Calendar files are wanted for booked sessions and cancelled ones that
 * were booked, kept for the version of the session they came for, and
 * wanted again when the session changes; a refusal is not asked again. */
static void calendars_follow_their_session(void **state)
{
    struct fixture *f = *state;
    struct store_sync_summary sum;
    assert_int_equal(
        apply(f,
              "{\"cursor\":\"c1\",\"changes\":{\"sessions\":["
              "{\"id\":\"x1\",\"state\":\"booked\",\"starts_at\":\"2026-12-10T07:00:00Z\"},"
              "{\"id\":5,\"state\":\"booked\",\"starts_at\":\"2026-12-10T07:00:00Z\","
              "\"sequence\":0,\"updated_at\":\"2026-11-19T08:15:00Z\"},"
              "{\"id\":6,\"state\":\"planned\",\"sequence\":0},"
              "{\"id\":7,\"state\":\"cancelled\",\"starts_at\":\"2026-12-01T07:00:00Z\","
              "\"sequence\":1,\"updated_at\":\"2026-11-20T08:15:00Z\"},"
              "{\"id\":8,\"state\":\"cancelled\",\"sequence\":0},"
              "{\"id\":9,\"state\":\"done\",\"starts_at\":\"2026-11-01T07:00:00Z\"}]}}",
              &sum),
        MENTO_OK);
    /* A session with an id that is not a number (the server's mistake)
     * is skipped, and does not hide the others. */
    int64_t ids[8];
    assert_int_equal(store_calendars_missing(f->s, "together", ids, 8), 2);
    assert_int_equal(ids[0], 5);
    assert_int_equal(ids[1], 7);
    assert_int_equal(store_calendars_missing(f->s, "together", ids, 1), 1);
    const char ics[] = "BEGIN:VCALENDAR\r\nSEQUENCE:0\r\nEND:VCALENDAR\r\n";
    assert_int_equal(store_calendar_put(f->s, "together", 5, ics, strlen(ics), 100), MENTO_OK);
    size_t len;
    char *got = store_calendar_current(f->s, "together", 5, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(ics));
    assert_string_equal(got, ics);
    free(got);
    /* The server refused 7: not wanted again, nothing to export. */
    assert_int_equal(store_calendar_put(f->s, "together", 7, NULL, 0, 100), MENTO_OK);
    assert_null(store_calendar_current(f->s, "together", 7, &len));
    assert_int_equal(store_calendars_missing(f->s, "together", ids, 8), 0);
    /* No such session. */
    assert_int_equal(store_calendar_put(f->s, "together", 99, ics, strlen(ics), 100),
                     MENTO_ERR_NOT_FOUND);
    assert_null(store_calendar_current(f->s, "together", 99, &len));
    reopen(f);
    got = store_calendar_current(f->s, "together", 5, &len);
    assert_non_null(got);
    free(got);
    /* Rescheduled: the kept file is stale, and wanted again. */
    assert_int_equal(apply(f,
                           "{\"cursor\":\"c2\",\"changes\":{\"sessions\":["
                           "{\"id\":5,\"state\":\"booked\",\"starts_at\":"
                           "\"2026-12-11T07:30:00Z\",\"sequence\":1,\"updated_at\":"
                           "\"2026-11-21T09:00:00Z\"}]}}",
                           &sum),
                     MENTO_OK);
    assert_null(store_calendar_current(f->s, "together", 5, &len));
    assert_int_equal(store_calendars_missing(f->s, "together", ids, 8), 1);
    assert_int_equal(ids[0], 5);
}

/* A store written by the previous version gains the new tables and keeps
 * everything it had. */
static void older_store_is_upgraded(void **state)
{
    struct fixture *f = *state;
    char id[STORE_OP_ID_LEN];
    cJSON *body = parse("{\"key\":\"bio\",\"value\":\"x\"}");
    assert_int_equal(store_outbox_append(f->s, "together", "profile.set", body, 1, id), MENTO_OK);
    cJSON_Delete(body);
    store_close(&f->s);
    /* Back to version 2: without what migrations 3 and 4 add, and with a
     * partner's key pinned. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE resources; DROP TABLE fetched; DROP TABLE calendars;"
                                  " ALTER TABLE note_peers DROP COLUMN verified_at;"
                                  " INSERT INTO note_peers(user_id, key_version, box, sign, sig)"
                                  " VALUES (7, 1, x'01', x'02', x'03');"
                                  " PRAGMA user_version = 2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char err[256];
    assert_int_equal(store_open(&f->s, f->path, err, sizeof err), MENTO_OK);
    assert_int_equal(store_outbox_count(f->s, "together"), 1);
    cJSON *list = store_resources_list(f->s, "together");
    assert_non_null(list);
    assert_int_equal(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
    assert_true(store_schema_version() >= 4);
    /* The pinned key is kept, not marked verified. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT key_version, verified_at IS NULL FROM note_peers"
                                        " WHERE user_id = 7",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(queued_operations_survive_and_keep_their_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(server_errors_leave_operations_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(changes_replace_local_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_answers_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_keeps_outbox_and_own_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_store_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(resources_kept_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(calendars_follow_their_session, setup, teardown),
        cmocka_unit_test_setup_teardown(older_store_is_upgraded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

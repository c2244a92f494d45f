/* test_store.c - the client's local store: the outbox keeps operations until
 * the server settles them, a sync answer applies all or nothing, a reset
 * never drops the outbox or the user's own notes, and the store survives
 * being reopened. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_vault.c - the record format against vectors made by an independent
 * implementation (tests/vectors/vault_vectors.py, PyNaCl): byte-exact
 * sealing, opening, refusals for a record moved to another note, person,
 * pairing, kind or key, every single-byte change of a record refused without
 * a crash, pinned Argon2id outputs and subkeys, and weak parameters refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <sodium.h>

#include "mento/vault.h"

static cJSON *vectors;

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("MENTO_SOURCE_ROOT");
    if (!root || sodium_init() < 0)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/vectors/vault.json", root);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    vectors = cJSON_Parse(buf);
    return vectors ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(vectors);
    return 0;
}

/* Hex member into a new buffer. */
static unsigned char *hex(const cJSON *o, const char *key, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsString(v));
    size_t n = strlen(v->valuestring) / 2;
    unsigned char *out = malloc(n + 1);
    assert_non_null(out);
    size_t got = 0;
    assert_int_equal(
        sodium_hex2bin(out, n + 1, v->valuestring, strlen(v->valuestring), NULL, &got, NULL), 0);
    assert_int_equal(got, n);
    if (len)
        *len = n;
    return out;
}

static struct vault_binding binding_of(const cJSON *v)
{
    struct vault_binding b = {
        .object_id = cJSON_GetObjectItemCaseSensitive(v, "object_id")->valuestring,
        .owner = (uint64_t)cJSON_GetObjectItemCaseSensitive(v, "owner")->valuedouble,
        .pairing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "pairing")),
        .kind = (enum vault_kind)cJSON_GetObjectItemCaseSensitive(v, "kind")->valueint,
    };
    return b;
}

static void seals_exactly_as_the_vectors(void **state)
{
    (void)state;
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(vectors, "records"))
    {
        size_t plain_len, rec_len;
        unsigned char *key = hex(v, "key", NULL), *key_id = hex(v, "key_id", NULL);
        unsigned char *nonce = hex(v, "nonce", NULL), *plain = hex(v, "plain", &plain_len);
        unsigned char *want = hex(v, "record", &rec_len);
        struct vault_binding b = binding_of(v);
        unsigned char *rec;
        size_t len;
        assert_int_equal(vault_seal(key, key_id, &b, plain, plain_len,
                                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "compress")),
                                    nonce, &rec, &len),
                         MENTO_OK);
        const char *label = cJSON_GetObjectItemCaseSensitive(v, "label")->valuestring;
        if (len != rec_len || memcmp(rec, want, len) != 0)
            fail_msg("vector %s: the record differs", label);
        /* The record size reveals only the padded length. */
        assert_int_equal((len - VAULT_HEADER_BYTES - VAULT_TAG_BYTES) % VAULT_PAD_BLOCK, 0);
        unsigned char *back;
        size_t back_len;
        char why[200];
        assert_int_equal(vault_open(key, &b, want, rec_len, &back, &back_len, why, sizeof why),
                         MENTO_OK);
        assert_int_equal(back_len, plain_len);
        assert_memory_equal(back, plain, plain_len);
        unsigned char id[VAULT_KEY_ID_BYTES];
        assert_int_equal(vault_record_key_id(want, rec_len, id), MENTO_OK);
        assert_memory_equal(id, key_id, VAULT_KEY_ID_BYTES);
        free(back);
        free(rec);
        free(key);
        free(key_id);
        free(nonce);
        free(plain);
        free(want);
        n++;
    }
    assert_true(n >= 8);
}

static const cJSON *base_vector(void)
{
    const cJSON *neg = cJSON_GetObjectItemCaseSensitive(vectors, "negative");
    const char *label = cJSON_GetObjectItemCaseSensitive(neg, "base")->valuestring;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(vectors, "records"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(v, "label")->valuestring, label) == 0)
            return v;
    }
    fail_msg("no base vector %s", label);
    return NULL;
}

static void refuses_a_record_moved_elsewhere(void **state)
{
    (void)state;
    const cJSON *v = base_vector();
    size_t rec_len;
    unsigned char *rec = hex(v, "record", &rec_len);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(vectors, "negative"), "cases"))
    {
        struct vault_binding b = binding_of(v);
        unsigned char *key = hex(v, "key", NULL);
        const cJSON *x;
        if ((x = cJSON_GetObjectItemCaseSensitive(c, "object_id")))
            b.object_id = x->valuestring;
        if ((x = cJSON_GetObjectItemCaseSensitive(c, "owner")))
            b.owner = (uint64_t)x->valuedouble;
        if ((x = cJSON_GetObjectItemCaseSensitive(c, "pairing")))
            b.pairing = cJSON_IsTrue(x);
        if ((x = cJSON_GetObjectItemCaseSensitive(c, "kind")))
            b.kind = (enum vault_kind)x->valueint;
        if (cJSON_GetObjectItemCaseSensitive(c, "key")) {
            free(key);
            key = hex(c, "key", NULL);
        }
        unsigned char *plain = NULL;
        size_t plain_len = 0;
        char why[200] = "";
        if (vault_open(key, &b, rec, rec_len, &plain, &plain_len, why, sizeof why) == MENTO_OK)
            fail_msg("opened despite: %s",
                     cJSON_GetObjectItemCaseSensitive(c, "label")->valuestring);
        assert_null(plain);
        assert_non_null(strstr(why, "does not open"));
        free(key);
    }
    free(rec);
}

/* Every single-byte change anywhere in the record, and every truncation,
 * fails to open with a message; nothing crashes. */
static void every_byte_is_protected(void **state)
{
    (void)state;
    const cJSON *v = base_vector();
    size_t rec_len;
    unsigned char *rec = hex(v, "record", &rec_len);
    unsigned char *key = hex(v, "key", NULL);
    struct vault_binding b = binding_of(v);
    for (size_t i = 0; i < rec_len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            rec[i] ^= (unsigned char)(1u << bit);
            unsigned char *plain = NULL;
            size_t plain_len;
            char why[200] = "";
            if (vault_open(key, &b, rec, rec_len, &plain, &plain_len, why, sizeof why) == MENTO_OK)
                fail_msg("a change of byte %zu went unnoticed", i);
            assert_true(why[0] != '\0');
            rec[i] ^= (unsigned char)(1u << bit);
        }
    }
    for (size_t cut = 0; cut < rec_len; cut += 7) {
        unsigned char *plain = NULL;
        size_t plain_len;
        char why[200] = "";
        assert_int_not_equal(vault_open(key, &b, rec, cut, &plain, &plain_len, why, sizeof why),
                             MENTO_OK);
        assert_true(why[0] != '\0');
    }
    /* A record of a later version is named as such. */
    rec[4] = 2;
    unsigned char *plain = NULL;
    size_t plain_len;
    char why[200];
    assert_int_equal(vault_open(key, &b, rec, rec_len, &plain, &plain_len, why, sizeof why),
                     MENTO_ERR_PARSE);
    assert_non_null(strstr(why, "unknown version"));
    free(rec);
    free(key);
}

static void random_nonces_never_repeat_text(void **state)
{
    (void)state;
    unsigned char key[VAULT_KEY_BYTES], id[VAULT_KEY_ID_BYTES];
    randombytes_buf(key, sizeof key);
    randombytes_buf(id, sizeof id);
    struct vault_binding b = {.object_id = "n-1", .owner = 5, .kind = VAULT_KIND_NOTE};
    unsigned char *a, *c;
    size_t al, cl;
    assert_int_equal(vault_seal(key, id, &b, "same text", 9, true, NULL, &a, &al), MENTO_OK);
    assert_int_equal(vault_seal(key, id, &b, "same text", 9, true, NULL, &c, &cl), MENTO_OK);
    assert_int_equal(al, cl);
    assert_memory_not_equal(a + 24, c + 24, VAULT_NONCE_BYTES);
    free(a);
    free(c);
}

static void subkeys_and_argon2id_are_pinned(void **state)
{
    (void)state;
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(vectors, "subkeys");
    unsigned char *master = hex(sk, "master", NULL);
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(sk, "keys"))
    {
        unsigned char *want = hex(k, "subkey", NULL);
        unsigned char got[VAULT_KEY_BYTES];
        vault_subkey(master, (enum vault_subkey)cJSON_GetObjectItemCaseSensitive(k, "id")->valueint,
                     got);
        assert_memory_equal(got, want, VAULT_KEY_BYTES);
        free(want);
    }
    free(master);
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(vectors, "argon2id"))
    {
        struct vault_kdf kdf = {
            .opslimit = (uint64_t)cJSON_GetObjectItemCaseSensitive(a, "opslimit")->valuedouble,
            .memlimit = (uint64_t)cJSON_GetObjectItemCaseSensitive(a, "memlimit")->valuedouble,
        };
        unsigned char *salt = hex(a, "salt", NULL);
        memcpy(kdf.salt, salt, VAULT_SALT_BYTES);
        free(salt);
        const char *pw = cJSON_GetObjectItemCaseSensitive(a, "password")->valuestring;
        unsigned char *out = sodium_malloc(VAULT_KEY_BYTES);
        assert_non_null(out);
        assert_int_equal(vault_kdf_derive(&kdf, pw, strlen(pw), out), MENTO_OK);
        unsigned char *want = hex(a, "master", NULL);
        assert_memory_equal(out, want, VAULT_KEY_BYTES);
        sodium_free(out);
        free(want);
    }
}

static void weak_parameters_refused(void **state)
{
    (void)state;
    struct vault_kdf weak[] = {
        {.opslimit = 1, .memlimit = VAULT_MEM_DEFAULT},
        {.opslimit = 3, .memlimit = 32ull << 20},
        {.opslimit = 0, .memlimit = 0},
        {.opslimit = 1000, .memlimit = VAULT_MEM_DEFAULT},
    };
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        char why[200] = "";
        assert_int_not_equal(vault_kdf_check(&weak[i], why, sizeof why), MENTO_OK);
        assert_true(why[0] != '\0');
        unsigned char out[VAULT_KEY_BYTES];
        assert_int_not_equal(vault_kdf_derive(&weak[i], "pw", 2, out), MENTO_OK);
    }
    struct vault_kdf ok = {.opslimit = VAULT_OPS_DEFAULT, .memlimit = VAULT_MEM_DEFAULT};
    char why[200];
    assert_int_equal(vault_kdf_check(&ok, why, sizeof why), MENTO_OK);
}

static struct vault_kdf quick_kdf(void)
{
    struct vault_kdf k = {.opslimit = VAULT_OPS_MIN, .memlimit = VAULT_MEM_MIN};
    randombytes_buf(k.salt, sizeof k.salt);
    return k;
}

static void keys_create_unlock_recover_rewrap(void **state)
{
    (void)state;
    struct vault_kdf kdf = quick_kdf();
    struct vault_keys made, opened;
    cJSON *blob;
    char code[VAULT_RECOVERY_LEN];
    assert_int_equal(vault_create(42, "first password", &kdf, &made, &blob, code), MENTO_OK);
    assert_int_equal(strlen(code), 32); /* 26 digits in groups of four */
    /* The object carries no secret in the clear. */
    char *text = cJSON_PrintUnformatted(blob);
    char *root_b64 = malloc(sodium_base64_encoded_len(32, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(root_b64, sodium_base64_encoded_len(32, sodium_base64_VARIANT_ORIGINAL),
                      made.root, 32, sodium_base64_VARIANT_ORIGINAL);
    assert_null(strstr(text, root_b64));
    free(root_b64);

    char why[200];
    assert_int_equal(vault_unlock(blob, 42, "first password", false, &opened, why, sizeof why),
                     MENTO_OK);
    assert_memory_equal(opened.root, made.root, VAULT_KEY_BYTES);
    assert_memory_equal(opened.items, made.items, VAULT_KEY_BYTES);
    assert_memory_equal(opened.items_id, made.items_id, VAULT_KEY_ID_BYTES);
    assert_memory_equal(opened.box_public, made.box_public, 32);
    assert_memory_equal(opened.sign_public, made.sign_public, 32);
    vault_keys_free(&opened);

    /* Wrong password, other user: refused in words. */
    assert_int_not_equal(vault_unlock(blob, 42, "second password", false, &opened, why, sizeof why),
                         MENTO_OK);
    assert_non_null(strstr(why, "password is not right"));
    assert_int_not_equal(vault_unlock(blob, 43, "first password", false, &opened, why, sizeof why),
                         MENTO_OK);

    /* The recovery code opens it too, in any case and with dashes or not. */
    char lower[VAULT_RECOVERY_LEN];
    size_t j = 0;
    for (size_t i = 0; code[i]; i++)
        if (code[i] != '-')
            lower[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
    lower[j] = '\0';
    assert_int_equal(vault_unlock(blob, 42, lower, true, &opened, why, sizeof why), MENTO_OK);
    assert_memory_equal(opened.root, made.root, VAULT_KEY_BYTES);
    vault_keys_free(&opened);
    assert_int_not_equal(vault_unlock(blob, 42, "0000-0000", true, &opened, why, sizeof why),
                         MENTO_OK);

    /* A new password re-wraps the root key only. */
    cJSON *items_before = cJSON_Duplicate(cJSON_GetObjectItem(blob, "items_keys"), 1);
    char *pair_before = strdup(cJSON_GetObjectItem(blob, "key_pair")->valuestring);
    char *root_before = strdup(cJSON_GetObjectItem(blob, "root")->valuestring);
    struct vault_kdf kdf2 = quick_kdf();
    assert_int_equal(vault_change_password(blob, &made, "second password", &kdf2), MENTO_OK);
    assert_true(cJSON_Compare(items_before, cJSON_GetObjectItem(blob, "items_keys"), 1));
    assert_string_equal(pair_before, cJSON_GetObjectItem(blob, "key_pair")->valuestring);
    assert_string_not_equal(root_before, cJSON_GetObjectItem(blob, "root")->valuestring);
    assert_int_equal(vault_unlock(blob, 42, "second password", false, &opened, why, sizeof why),
                     MENTO_OK);
    assert_memory_equal(opened.items, made.items, VAULT_KEY_BYTES);
    vault_keys_free(&opened);
    assert_int_not_equal(vault_unlock(blob, 42, "first password", false, &opened, why, sizeof why),
                         MENTO_OK);

    /* Weak parameters offered by a server are refused before any work. */
    cJSON *k = cJSON_GetObjectItem(blob, "kdf");
    cJSON_ReplaceItemInObject(k, "memlimit", cJSON_CreateNumber(8 << 20));
    assert_int_not_equal(vault_unlock(blob, 42, "second password", false, &opened, why, sizeof why),
                         MENTO_OK);
    assert_non_null(strstr(why, "too weak"));

    cJSON_Delete(items_before);
    free(pair_before);
    free(root_before);
    free(text);
    cJSON_Delete(blob);
    vault_keys_free(&made);
}

static void pair_keys_and_fingerprints(void **state)
{
    (void)state;
    struct vault_kdf kdf = quick_kdf();
    struct vault_keys a, b, c;
    cJSON *ba, *bb, *bc;
    char code[VAULT_RECOVERY_LEN];
    assert_int_equal(vault_create(1, "a", &kdf, &a, &ba, code), MENTO_OK);
    assert_int_equal(vault_create(2, "b", &kdf, &b, &bb, code), MENTO_OK);
    assert_int_equal(vault_create(3, "c", &kdf, &c, &bc, code), MENTO_OK);
    char fa[VAULT_FINGERPRINT_LEN], fa2[VAULT_FINGERPRINT_LEN], fb[VAULT_FINGERPRINT_LEN];
    vault_fingerprint(a.box_public, a.sign_public, fa);
    vault_fingerprint(a.box_public, a.sign_public, fa2);
    vault_fingerprint(b.box_public, b.sign_public, fb);
    assert_string_equal(fa, fa2);
    assert_string_not_equal(fa, fb);
    assert_int_equal(strlen(fa), 8 * 5 + 7);

    unsigned char pk[VAULT_KEY_BYTES], got[VAULT_KEY_BYTES];
    randombytes_buf(pk, sizeof pk);
    unsigned char *sealed;
    size_t len;
    assert_int_equal(vault_pair_key_seal(&a, 41, 1, b.box_public, pk, &sealed, &len), MENTO_OK);
    char why[200];
    assert_int_equal(
        vault_pair_key_open(&b, 41, 1, a.sign_public, sealed, len, got, why, sizeof why), MENTO_OK);
    assert_memory_equal(got, pk, sizeof pk);
    /* Another pairing or version, a key swapped in by someone else, a third
     * person: refused. */
    assert_int_not_equal(
        vault_pair_key_open(&b, 42, 1, a.sign_public, sealed, len, got, why, sizeof why), MENTO_OK);
    assert_int_not_equal(
        vault_pair_key_open(&b, 41, 2, a.sign_public, sealed, len, got, why, sizeof why), MENTO_OK);
    assert_int_not_equal(
        vault_pair_key_open(&b, 41, 1, c.sign_public, sealed, len, got, why, sizeof why), MENTO_OK);
    assert_non_null(strstr(why, "not signed"));
    assert_int_not_equal(
        vault_pair_key_open(&c, 41, 1, a.sign_public, sealed, len, got, why, sizeof why), MENTO_OK);
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 1;
        assert_int_not_equal(
            vault_pair_key_open(&b, 41, 1, a.sign_public, sealed, len, got, why, sizeof why),
            MENTO_OK);
        sealed[i] ^= 1;
    }
    free(sealed);
    cJSON_Delete(ba);
    cJSON_Delete(bb);
    cJSON_Delete(bc);
    vault_keys_free(&a);
    vault_keys_free(&b);
    vault_keys_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seals_exactly_as_the_vectors),
        cmocka_unit_test(refuses_a_record_moved_elsewhere),
        cmocka_unit_test(every_byte_is_protected),
        cmocka_unit_test(random_nonces_never_repeat_text),
        cmocka_unit_test(subkeys_and_argon2id_are_pinned),
        cmocka_unit_test(weak_parameters_refused),
        cmocka_unit_test(keys_create_unlock_recover_rewrap),
        cmocka_unit_test(pair_keys_and_fingerprints),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

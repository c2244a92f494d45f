/* vault.c - password to keys (Argon2id13, BLAKE2b subkeys) and the sealed
 * record format: header, associated data, compression, padding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "mento/vault.h"

/* Header: magic, version, algorithm, flags, reserved, key id, nonce. */
static const unsigned char magic[4] = {'m', 'n', 't', 'o'};
#define VERSION               1
#define ALG_XCHACHA20POLY1305 1
#define FLAG_COMPRESSED       0x01
#define KDF_CONTEXT           "mentovlt"
/* Above this the parameters are a mistake or an attack on the device. */
#define OPS_MAX 20
#define MEM_MAX (4ull * 1024 * 1024 * 1024)

mento_status vault_kdf_check(const struct vault_kdf *k, char *why, size_t why_len)
{
    if (k->opslimit < VAULT_OPS_MIN || k->memlimit < VAULT_MEM_MIN) {
        snprintf(why, why_len,
                 "key derivation parameters too weak (%llu passes, %llu MiB): at least %d passes "
                 "and %llu MiB are required",
                 (unsigned long long)k->opslimit, (unsigned long long)(k->memlimit >> 20),
                 VAULT_OPS_MIN, (unsigned long long)(VAULT_MEM_MIN >> 20));
        return MENTO_ERR_CRYPTO;
    }
    if (k->opslimit > OPS_MAX || k->memlimit > MEM_MAX) {
        snprintf(why, why_len, "key derivation parameters too large (%llu passes, %llu MiB)",
                 (unsigned long long)k->opslimit, (unsigned long long)(k->memlimit >> 20));
        return MENTO_ERR_CRYPTO;
    }
    return MENTO_OK;
}

mento_status vault_kdf_derive(const struct vault_kdf *k, const char *password, size_t len,
                              unsigned char *master)
{
    char why[160];
    if (vault_kdf_check(k, why, sizeof why) != MENTO_OK)
        return MENTO_ERR_CRYPTO;
    if (sodium_init() < 0)
        return MENTO_ERR_CRYPTO;
    if (crypto_pwhash(master, VAULT_KEY_BYTES, password, len, k->salt, k->opslimit,
                      (size_t)k->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return MENTO_ERR_NOMEM; /* libsodium fails here only for memory */
    return MENTO_OK;
}

void vault_subkey(const unsigned char *master, enum vault_subkey id, unsigned char *out)
{
    crypto_kdf_derive_from_key(out, VAULT_KEY_BYTES, (uint64_t)id, KDF_CONTEXT, master);
}

/* header || kind || pairing || owner (8, big-endian) || id length (2) || id */
static unsigned char *associated_data(const unsigned char *header, const struct vault_binding *b,
                                      size_t *len)
{
    size_t idl = b->object_id ? strlen(b->object_id) : 0;
    if (idl > 255)
        return NULL;
    *len = VAULT_HEADER_BYTES + 2 + 8 + 2 + idl;
    unsigned char *ad = malloc(*len);
    if (!ad)
        return NULL;
    unsigned char *p = ad;
    memcpy(p, header, VAULT_HEADER_BYTES);
    p += VAULT_HEADER_BYTES;
    *p++ = (unsigned char)b->kind;
    *p++ = b->pairing ? 1 : 0;
    for (int i = 7; i >= 0; i--)
        *p++ = (unsigned char)(b->owner >> (8 * i));
    *p++ = (unsigned char)(idl >> 8);
    *p++ = (unsigned char)idl;
    memcpy(p, b->object_id ? b->object_id : "", idl);
    return ad;
}

mento_status vault_seal(const unsigned char *key, const unsigned char *key_id,
                        const struct vault_binding *b, const void *plain, size_t len, bool compress,
                        const unsigned char *nonce, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (len > VAULT_MAX_PLAIN || sodium_init() < 0)
        return MENTO_ERR_INVALID;
    /* Payload: the text, or 4-byte length + zlib stream when that is smaller. */
    unsigned char *payload = NULL;
    size_t payload_len = 0;
    unsigned char flags = 0;
    if (compress && len > 0) {
        uLongf zlen = compressBound((uLong)len);
        unsigned char *z = malloc(4 + zlen + VAULT_PAD_BLOCK);
        if (z && compress2(z + 4, &zlen, plain, (uLong)len, 9) == Z_OK && 4 + zlen < len) {
            z[0] = (unsigned char)(len >> 24);
            z[1] = (unsigned char)(len >> 16);
            z[2] = (unsigned char)(len >> 8);
            z[3] = (unsigned char)len;
            payload = z;
            payload_len = 4 + zlen;
            flags |= FLAG_COMPRESSED;
        } else {
            free(z);
        }
    }
    if (!payload) {
        payload = malloc(len + VAULT_PAD_BLOCK);
        if (!payload)
            return MENTO_ERR_NOMEM;
        memcpy(payload, plain, len);
        payload_len = len;
    }
    size_t padded;
    if (sodium_pad(&padded, payload, payload_len, VAULT_PAD_BLOCK, payload_len + VAULT_PAD_BLOCK) !=
        0) {
        sodium_memzero(payload, payload_len);
        free(payload);
        return MENTO_ERR_CRYPTO;
    }
    size_t total = VAULT_HEADER_BYTES + padded + VAULT_TAG_BYTES;
    unsigned char *rec = malloc(total);
    if (!rec) {
        sodium_memzero(payload, padded);
        free(payload);
        return MENTO_ERR_NOMEM;
    }
    memcpy(rec, magic, 4);
    rec[4] = VERSION;
    rec[5] = ALG_XCHACHA20POLY1305;
    rec[6] = flags;
    rec[7] = 0;
    memcpy(rec + 8, key_id, VAULT_KEY_ID_BYTES);
    if (nonce)
        memcpy(rec + 24, nonce, VAULT_NONCE_BYTES);
    else
        randombytes_buf(rec + 24, VAULT_NONCE_BYTES);
    size_t ad_len;
    unsigned char *ad = associated_data(rec, b, &ad_len);
    unsigned long long clen = 0;
    int rc =
        ad ? crypto_aead_xchacha20poly1305_ietf_encrypt(rec + VAULT_HEADER_BYTES, &clen, payload,
                                                        padded, ad, ad_len, NULL, rec + 24, key)
           : -1;
    sodium_memzero(payload, padded);
    free(payload);
    free(ad);
    if (rc != 0) {
        free(rec);
        return MENTO_ERR_CRYPTO;
    }
    *out = rec;
    *out_len = VAULT_HEADER_BYTES + (size_t)clen;
    return MENTO_OK;
}

mento_status vault_record_key_id(const unsigned char *rec, size_t len, unsigned char *key_id)
{
    if (len < VAULT_HEADER_BYTES + VAULT_TAG_BYTES || memcmp(rec, magic, 4) != 0)
        return MENTO_ERR_PARSE;
    memcpy(key_id, rec + 8, VAULT_KEY_ID_BYTES);
    return MENTO_OK;
}

mento_status vault_open(const unsigned char *key, const struct vault_binding *b,
                        const unsigned char *rec, size_t len, unsigned char **plain,
                        size_t *plain_len, char *why, size_t why_len)
{
    *plain = NULL;
    *plain_len = 0;
    if (len < VAULT_HEADER_BYTES + VAULT_TAG_BYTES || memcmp(rec, magic, 4) != 0) {
        snprintf(why, why_len, "not a sealed note record");
        return MENTO_ERR_PARSE;
    }
    if (rec[4] != VERSION || rec[5] != ALG_XCHACHA20POLY1305 || (rec[6] & ~FLAG_COMPRESSED) ||
        rec[7] != 0) {
        snprintf(why, why_len, "a record of an unknown version or algorithm (%u/%u)", rec[4],
                 rec[5]);
        return MENTO_ERR_PARSE;
    }
    if (len > VAULT_HEADER_BYTES + VAULT_TAG_BYTES + VAULT_MAX_PLAIN + 2 * VAULT_PAD_BLOCK) {
        snprintf(why, why_len, "the record is larger than any note can be");
        return MENTO_ERR_PARSE;
    }
    if (sodium_init() < 0) {
        snprintf(why, why_len, "libsodium could not start");
        return MENTO_ERR_CRYPTO;
    }
    size_t ad_len;
    unsigned char *ad = associated_data(rec, b, &ad_len);
    size_t clen = len - VAULT_HEADER_BYTES;
    unsigned char *buf = malloc(clen);
    unsigned long long mlen = 0;
    if (!ad || !buf) {
        free(ad);
        free(buf);
        snprintf(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(buf, &mlen, NULL, rec + VAULT_HEADER_BYTES,
                                                        clen, ad, ad_len, rec + 24, key);
    free(ad);
    if (rc != 0) {
        free(buf);
        snprintf(why, why_len,
                 "the record does not open: it was changed, or it belongs to another note, "
                 "person or key");
        return MENTO_ERR_CRYPTO;
    }
    size_t unpadded;
    if (sodium_unpad(&unpadded, buf, (size_t)mlen, VAULT_PAD_BLOCK) != 0) {
        sodium_memzero(buf, (size_t)mlen);
        free(buf);
        snprintf(why, why_len, "the record's padding is wrong");
        return MENTO_ERR_CRYPTO;
    }
    if (!(rec[6] & FLAG_COMPRESSED)) {
        unsigned char *out = malloc(unpadded + 1);
        if (out) {
            memcpy(out, buf, unpadded);
            out[unpadded] = '\0';
        }
        sodium_memzero(buf, (size_t)mlen);
        free(buf);
        if (!out) {
            snprintf(why, why_len, "out of memory");
            return MENTO_ERR_NOMEM;
        }
        *plain = out;
        *plain_len = unpadded;
        return MENTO_OK;
    }
    size_t want =
        unpadded >= 4
            ? ((size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | (size_t)buf[3])
            : 0;
    unsigned char *out = unpadded >= 4 && want <= VAULT_MAX_PLAIN ? malloc(want + 1) : NULL;
    uLongf got = (uLongf)want;
    rc = out ? uncompress(out, &got, buf + 4, (uLong)(unpadded - 4)) : Z_DATA_ERROR;
    sodium_memzero(buf, (size_t)mlen);
    free(buf);
    if (rc != Z_OK || got != want) {
        if (out)
            sodium_memzero(out, want);
        free(out);
        snprintf(why, why_len, "the record's compressed text is damaged");
        return MENTO_ERR_CRYPTO;
    }
    out[want] = '\0';
    *plain = out;
    *plain_len = want;
    return MENTO_OK;
}

/* ---- The account's keys ------------------------------------------------------- */

#define BLOB_VERSION   1
#define KEY_PAIR_BYTES (32 + 64)

static char *b64(const unsigned char *bin, size_t len)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    if (out)
        sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* Decode a base64 member; NULL when absent or malformed. */
static unsigned char *unb64(const cJSON *o, const char *key, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v))
        return NULL;
    size_t cap = strlen(v->valuestring) / 4 * 3 + 3;
    unsigned char *out = malloc(cap ? cap : 1);
    if (out && sodium_base642bin(out, cap, v->valuestring, strlen(v->valuestring), NULL, len, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) == 0)
        return out;
    free(out);
    return NULL;
}

static bool add_b64(cJSON *o, const char *key, const unsigned char *bin, size_t len)
{
    char *s = b64(bin, len);
    bool ok = s && cJSON_AddStringToObject(o, key, s);
    free(s);
    return ok;
}

static bool add_record(cJSON *o, const char *key, const unsigned char *wrapping_key,
                       const unsigned char *key_id, int64_t user, enum vault_kind kind,
                       const char *object_id, const unsigned char *secret, size_t len)
{
    struct vault_binding b = {.object_id = object_id, .owner = (uint64_t)user, .kind = kind};
    unsigned char *rec;
    size_t rec_len;
    if (vault_seal(wrapping_key, key_id, &b, secret, len, false, NULL, &rec, &rec_len) != MENTO_OK)
        return false;
    bool ok = add_b64(o, key, rec, rec_len);
    free(rec);
    return ok;
}

/* Open a wrapped secret of exactly `len` bytes into `out`. */
static mento_status open_record(const cJSON *o, const char *key, const unsigned char *wrapping_key,
                                int64_t user, enum vault_kind kind, const char *object_id,
                                unsigned char *out, size_t len, char *why, size_t why_len)
{
    size_t rec_len;
    unsigned char *rec = unb64(o, key, &rec_len);
    if (!rec) {
        snprintf(why, why_len, "the vault has no readable \"%s\"", key);
        return MENTO_ERR_PARSE;
    }
    struct vault_binding b = {.object_id = object_id, .owner = (uint64_t)user, .kind = kind};
    unsigned char *plain;
    size_t plain_len;
    mento_status st = vault_open(wrapping_key, &b, rec, rec_len, &plain, &plain_len, why, why_len);
    free(rec);
    if (st != MENTO_OK)
        return st;
    if (plain_len != len) {
        sodium_memzero(plain, plain_len);
        free(plain);
        snprintf(why, why_len, "the vault's \"%s\" has the wrong size", key);
        return MENTO_ERR_PARSE;
    }
    memcpy(out, plain, len);
    sodium_memzero(plain, plain_len);
    free(plain);
    return MENTO_OK;
}

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* 16 random bytes as 26 Crockford base32 digits in groups of four. */
static void recovery_format(const unsigned char *bytes, char *out)
{
    char digits[27];
    unsigned bits = 0, acc = 0;
    size_t n = 0;
    for (size_t i = 0; i < 16; i++) {
        acc = (acc << 8) | bytes[i];
        bits += 8;
        while (bits >= 5) {
            digits[n++] = crockford[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits)
        digits[n++] = crockford[(acc << (5 - bits)) & 31];
    digits[n] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* The code back to its 16 bytes; dashes, spaces and case do not matter, and
 * I, L and O read as 1, 1 and 0. */
static bool recovery_parse(const char *code, unsigned char *bytes)
{
    unsigned acc = 0, bits = 0;
    size_t n = 0, digits = 0;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'I' || c == 'L')
            c = '1';
        if (c == 'O')
            c = '0';
        const char *at = strchr(crockford, c);
        if (!c || !at)
            return false;
        acc = (acc << 5) | (unsigned)(at - crockford);
        bits += 5;
        digits++;
        if (bits >= 8) {
            if (n < 16)
                bytes[n] = (unsigned char)(acc >> (bits - 8));
            n++;
            bits -= 8;
        }
    }
    return digits == 26 && n == 16;
}

static void recovery_key(const unsigned char *bytes, unsigned char *key)
{
    static const unsigned char label[] = "mento recovery key v1";
    crypto_generichash(key, VAULT_KEY_BYTES, bytes, 16, label, sizeof label - 1);
}

void vault_keys_free(struct vault_keys *k)
{
    sodium_free(k->root);
    sodium_free(k->items);
    sodium_free(k->box_secret);
    sodium_free(k->sign_secret);
    memset(k, 0, sizeof *k);
}

static bool keys_alloc(struct vault_keys *k)
{
    memset(k, 0, sizeof *k);
    k->root = sodium_malloc(VAULT_KEY_BYTES);
    k->items = sodium_malloc(VAULT_KEY_BYTES);
    k->box_secret = sodium_malloc(32);
    k->sign_secret = sodium_malloc(64);
    if (!k->root || !k->items || !k->box_secret || !k->sign_secret) {
        vault_keys_free(k);
        return false;
    }
    return true;
}

static bool add_kdf(cJSON *blob, const struct vault_kdf *kdf)
{
    cJSON *k = cJSON_CreateObject();
    if (!k || !cJSON_AddItemToObject(blob, "kdf", k))
        return false;
    cJSON_AddStringToObject(k, "algorithm", "argon2id13");
    cJSON_AddNumberToObject(k, "opslimit", (double)kdf->opslimit);
    cJSON_AddNumberToObject(k, "memlimit", (double)kdf->memlimit);
    return add_b64(k, "salt", kdf->salt, VAULT_SALT_BYTES);
}

/* The root key wrapped by the password's key encryption key. */
static mento_status wrap_root(cJSON *blob, const struct vault_keys *k, const char *password,
                              const struct vault_kdf *kdf)
{
    unsigned char *master = sodium_malloc(VAULT_KEY_BYTES);
    unsigned char *kek = sodium_malloc(VAULT_KEY_BYTES);
    static const unsigned char no_id[VAULT_KEY_ID_BYTES];
    mento_status st =
        master && kek ? vault_kdf_derive(kdf, password, strlen(password), master) : MENTO_ERR_NOMEM;
    if (st == MENTO_OK) {
        vault_subkey(master, VAULT_SUBKEY_KEK, kek);
        cJSON_DeleteItemFromObjectCaseSensitive(blob, "kdf");
        cJSON_DeleteItemFromObjectCaseSensitive(blob, "root");
        if (!add_kdf(blob, kdf) ||
            !add_record(blob, "root", kek, no_id, k->user, VAULT_KIND_ROOT_KEY, "root", k->root,
                        VAULT_KEY_BYTES))
            st = MENTO_ERR_NOMEM;
    }
    sodium_free(master);
    sodium_free(kek);
    return st;
}

mento_status vault_create(int64_t user, const char *password, const struct vault_kdf *kdf,
                          struct vault_keys *k, cJSON **blob, char *recovery)
{
    *blob = NULL;
    if (sodium_init() < 0 || !keys_alloc(k))
        return MENTO_ERR_NOMEM;
    k->user = user;
    randombytes_buf(k->root, VAULT_KEY_BYTES);
    randombytes_buf(k->items, VAULT_KEY_BYTES);
    randombytes_buf(k->items_id, VAULT_KEY_ID_BYTES);
    crypto_box_keypair(k->box_public, k->box_secret);
    crypto_sign_keypair(k->sign_public, k->sign_secret);
    cJSON *b = cJSON_CreateObject();
    unsigned char code[16], *rk = sodium_malloc(VAULT_KEY_BYTES);
    unsigned char *pair = sodium_malloc(KEY_PAIR_BYTES);
    static const unsigned char no_id[VAULT_KEY_ID_BYTES];
    mento_status st = b && rk && pair ? MENTO_OK : MENTO_ERR_NOMEM;
    if (st == MENTO_OK) {
        cJSON_AddNumberToObject(b, "version", BLOB_VERSION);
        cJSON_AddNumberToObject(b, "user", (double)user);
        st = wrap_root(b, k, password, kdf);
    }
    if (st == MENTO_OK) {
        randombytes_buf(code, sizeof code);
        recovery_format(code, recovery);
        recovery_key(code, rk);
        sodium_memzero(code, sizeof code);
        char id_hex[2 * VAULT_KEY_ID_BYTES + 1];
        sodium_bin2hex(id_hex, sizeof id_hex, k->items_id, VAULT_KEY_ID_BYTES);
        cJSON *items = cJSON_AddArrayToObject(b, "items_keys");
        cJSON *item = cJSON_CreateObject();
        memcpy(pair, k->box_secret, 32);
        memcpy(pair + 32, k->sign_secret, 64);
        if (!items || !item || !cJSON_AddItemToArray(items, item) ||
            !cJSON_AddStringToObject(item, "id", id_hex) ||
            !add_record(item, "key", k->root, no_id, user, VAULT_KIND_ITEMS_KEY, id_hex, k->items,
                        VAULT_KEY_BYTES) ||
            !add_record(b, "recovery", rk, no_id, user, VAULT_KIND_ROOT_KEY, "root-recovery",
                        k->root, VAULT_KEY_BYTES) ||
            !add_b64(b, "box_public", k->box_public, 32) ||
            !add_b64(b, "sign_public", k->sign_public, 32) ||
            !add_record(b, "key_pair", k->root, no_id, user, VAULT_KIND_KEY_PAIR, "key-pair", pair,
                        KEY_PAIR_BYTES))
            st = MENTO_ERR_NOMEM;
    }
    sodium_free(rk);
    sodium_free(pair);
    if (st != MENTO_OK) {
        cJSON_Delete(b);
        vault_keys_free(k);
        return st;
    }
    *blob = b;
    return MENTO_OK;
}

static bool read_kdf(const cJSON *blob, struct vault_kdf *kdf, char *why, size_t why_len)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(blob, "kdf");
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(k, "algorithm");
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(k, "opslimit");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(k, "memlimit");
    size_t salt_len = 0;
    unsigned char *salt = unb64(k, "salt", &salt_len);
    bool ok = cJSON_IsString(alg) && strcmp(alg->valuestring, "argon2id13") == 0 &&
              cJSON_IsNumber(ops) && cJSON_IsNumber(mem) && ops->valuedouble >= 0 &&
              mem->valuedouble >= 0 && salt && salt_len == VAULT_SALT_BYTES;
    if (ok) {
        kdf->opslimit = (uint64_t)ops->valuedouble;
        kdf->memlimit = (uint64_t)mem->valuedouble;
        memcpy(kdf->salt, salt, VAULT_SALT_BYTES);
    } else {
        snprintf(why, why_len, "the vault's key derivation is not one this mento knows");
    }
    free(salt);
    return ok && vault_kdf_check(kdf, why, why_len) == MENTO_OK;
}

mento_status vault_unlock(const cJSON *blob, int64_t user, const char *password, bool recovery,
                          struct vault_keys *k, char *why, size_t why_len)
{
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(blob, "version");
    if (!cJSON_IsNumber(ver) || ver->valueint != BLOB_VERSION) {
        snprintf(why, why_len, "the vault is of a version this mento does not know");
        return MENTO_ERR_PARSE;
    }
    struct vault_kdf kdf;
    if (!recovery && !read_kdf(blob, &kdf, why, why_len))
        return MENTO_ERR_CRYPTO;
    if (sodium_init() < 0 || !keys_alloc(k)) {
        snprintf(why, why_len, "out of memory");
        return MENTO_ERR_NOMEM;
    }
    k->user = user;
    unsigned char *wrap = sodium_malloc(VAULT_KEY_BYTES);
    unsigned char *master = sodium_malloc(VAULT_KEY_BYTES);
    mento_status st = wrap && master ? MENTO_OK : MENTO_ERR_NOMEM;
    if (st == MENTO_OK && recovery) {
        unsigned char code[16];
        if (!recovery_parse(password, code)) {
            snprintf(why, why_len, "that is not a recovery code (26 letters and digits)");
            st = MENTO_ERR_INVALID;
        } else {
            recovery_key(code, wrap);
            sodium_memzero(code, sizeof code);
            st = open_record(blob, "recovery", wrap, user, VAULT_KIND_ROOT_KEY, "root-recovery",
                             k->root, VAULT_KEY_BYTES, why, why_len);
            if (st != MENTO_OK)
                snprintf(why, why_len, "the recovery code is not right");
        }
    } else if (st == MENTO_OK) {
        st = vault_kdf_derive(&kdf, password, strlen(password), master);
        if (st == MENTO_OK) {
            vault_subkey(master, VAULT_SUBKEY_KEK, wrap);
            st = open_record(blob, "root", wrap, user, VAULT_KIND_ROOT_KEY, "root", k->root,
                             VAULT_KEY_BYTES, why, why_len);
            if (st == MENTO_ERR_CRYPTO)
                snprintf(why, why_len, "the password is not right");
        }
    }
    /* The newest items key (the last one), and the key pairs. */
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(blob, "items_keys");
    const cJSON *item = cJSON_GetArrayItem(items, cJSON_GetArraySize(items) - 1);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    if (st == MENTO_OK &&
        (!cJSON_IsString(id) || sodium_hex2bin(k->items_id, VAULT_KEY_ID_BYTES, id->valuestring,
                                               strlen(id->valuestring), NULL, NULL, NULL) != 0)) {
        snprintf(why, why_len, "the vault has no readable items key");
        st = MENTO_ERR_PARSE;
    }
    if (st == MENTO_OK)
        st = open_record(item, "key", k->root, user, VAULT_KIND_ITEMS_KEY, id->valuestring,
                         k->items, VAULT_KEY_BYTES, why, why_len);
    unsigned char *pair = st == MENTO_OK ? sodium_malloc(KEY_PAIR_BYTES) : NULL;
    if (st == MENTO_OK && !pair)
        st = MENTO_ERR_NOMEM;
    if (st == MENTO_OK)
        st = open_record(blob, "key_pair", k->root, user, VAULT_KIND_KEY_PAIR, "key-pair", pair,
                         KEY_PAIR_BYTES, why, why_len);
    if (st == MENTO_OK) {
        memcpy(k->box_secret, pair, 32);
        memcpy(k->sign_secret, pair + 32, 64);
        crypto_scalarmult_base(k->box_public, k->box_secret);
        crypto_sign_ed25519_sk_to_pk(k->sign_public, k->sign_secret);
    }
    sodium_free(pair);
    sodium_free(wrap);
    sodium_free(master);
    if (st != MENTO_OK)
        vault_keys_free(k);
    return st;
}

mento_status vault_change_password(cJSON *blob, const struct vault_keys *k,
                                   const char *new_password, const struct vault_kdf *kdf)
{
    return wrap_root(blob, k, new_password, kdf);
}

void vault_fingerprint(const unsigned char *box_public, const unsigned char *sign_public, char *out)
{
    unsigned char h[25], both[64];
    memcpy(both, box_public, 32);
    memcpy(both + 32, sign_public, 32);
    crypto_generichash(h, sizeof h, both, sizeof both, NULL, 0);
    size_t o = 0;
    for (int g = 0; g < 8; g++) {
        /* 5 digits from 3 bytes (values up to 16,777,215, reduced). */
        unsigned v =
            ((unsigned)h[3 * g] << 16 | (unsigned)h[3 * g + 1] << 8 | h[3 * g + 2]) % 100000u;
        o += (size_t)snprintf(out + o, VAULT_FINGERPRINT_LEN - o, "%s%05u", g ? " " : "", v);
    }
}

static void pair_message(unsigned char *msg, int64_t pairing, uint32_t version,
                         const unsigned char *recipient, const unsigned char *sealed)
{
    static const char label[] = "mento pair key v1";
    memcpy(msg, label, sizeof label - 1);
    unsigned char *p = msg + sizeof label - 1;
    for (int i = 7; i >= 0; i--)
        *p++ = (unsigned char)((uint64_t)pairing >> (8 * i));
    for (int i = 3; i >= 0; i--)
        *p++ = (unsigned char)(version >> (8 * i));
    memcpy(p, recipient, 32);
    memcpy(p + 32, sealed, crypto_box_SEALBYTES + VAULT_KEY_BYTES);
}

#define PAIR_SEALED (crypto_box_SEALBYTES + VAULT_KEY_BYTES)
#define PAIR_MSG    (17 + 8 + 4 + 32 + PAIR_SEALED)

mento_status vault_pair_key_seal(const struct vault_keys *sender, int64_t pairing, uint32_t version,
                                 const unsigned char *recipient_box_public,
                                 const unsigned char *pair_key, unsigned char **out,
                                 size_t *out_len)
{
    unsigned char *blob = malloc(PAIR_SEALED + crypto_sign_BYTES);
    unsigned char msg[PAIR_MSG];
    if (!blob)
        return MENTO_ERR_NOMEM;
    if (crypto_box_seal(blob, pair_key, VAULT_KEY_BYTES, recipient_box_public) != 0) {
        free(blob);
        return MENTO_ERR_CRYPTO;
    }
    pair_message(msg, pairing, version, recipient_box_public, blob);
    crypto_sign_detached(blob + PAIR_SEALED, NULL, msg, sizeof msg, sender->sign_secret);
    *out = blob;
    *out_len = PAIR_SEALED + crypto_sign_BYTES;
    return MENTO_OK;
}

mento_status vault_pair_key_open(const struct vault_keys *me, int64_t pairing, uint32_t version,
                                 const unsigned char *sender_sign_public, const unsigned char *in,
                                 size_t len, unsigned char *pair_key, char *why, size_t why_len)
{
    if (len != PAIR_SEALED + crypto_sign_BYTES) {
        snprintf(why, why_len, "not a sealed pair key");
        return MENTO_ERR_PARSE;
    }
    unsigned char msg[PAIR_MSG];
    pair_message(msg, pairing, version, me->box_public, in);
    if (crypto_sign_verify_detached(in + PAIR_SEALED, msg, sizeof msg, sender_sign_public) != 0) {
        snprintf(why, why_len,
                 "the pair key is not signed by your partner's key, or not for this pairing");
        return MENTO_ERR_CRYPTO;
    }
    if (crypto_box_seal_open(pair_key, in, PAIR_SEALED, me->box_public, me->box_secret) != 0) {
        snprintf(why, why_len, "the pair key was not sealed to your key");
        return MENTO_ERR_CRYPTO;
    }
    return MENTO_OK;
}

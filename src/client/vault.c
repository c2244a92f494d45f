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

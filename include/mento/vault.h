/* vault.h - the sealing underneath private notes (docs/security.md): keys
 * from the password with Argon2id, subkeys with BLAKE2b, and the versioned
 * record format: every record is bound by its associated data to what it
 * belongs to (the note or key id, the owner or pairing, the kind), so that
 * a record moved elsewhere does not open. */
#ifndef MENTO_VAULT_H
#define MENTO_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mento/error.h"

#define VAULT_KEY_BYTES    32
#define VAULT_KEY_ID_BYTES 16
#define VAULT_SALT_BYTES   16
#define VAULT_NONCE_BYTES  24
#define VAULT_HEADER_BYTES 48
#define VAULT_TAG_BYTES    16
/* Plaintexts are padded to a multiple of this before sealing. */
#define VAULT_PAD_BLOCK 256
/* The largest plaintext a record may hold (after decompression). */
#define VAULT_MAX_PLAIN (1024 * 1024)

/* Argon2id parameters: the defaults, and the floor under which parameters
 * are refused, also when a server offers them. */
#define VAULT_OPS_DEFAULT 3
#define VAULT_MEM_DEFAULT (256ull * 1024 * 1024)
#define VAULT_OPS_MIN     2
#define VAULT_MEM_MIN     (64ull * 1024 * 1024)

struct vault_kdf {
    uint64_t opslimit;
    uint64_t memlimit; /* bytes */
    unsigned char salt[VAULT_SALT_BYTES];
};

/* MENTO_OK when the parameters are strong enough (and not absurdly large);
 * otherwise `why` says what is wrong. */
mento_status vault_kdf_check(const struct vault_kdf *k, char *why, size_t why_len);
/* Argon2id13 of the password into `master` (VAULT_KEY_BYTES; pass
 * sodium_malloc'd memory). Refuses weak parameters. Slow by design: run it
 * on a worker thread. */
mento_status vault_kdf_derive(const struct vault_kdf *k, const char *password, size_t len,
                              unsigned char *master);

/* The keys derived from the master key (crypto_kdf, context "mentovlt"). */
enum vault_subkey {
    VAULT_SUBKEY_KEK = 1,   /* wraps the account root key; never leaves the device */
    VAULT_SUBKEY_LOGIN = 2, /* may stand for the password at the server */
};
void vault_subkey(const unsigned char *master, enum vault_subkey id, unsigned char *out);

/* What a record belongs to; all of it is authenticated. */
enum vault_kind {
    VAULT_KIND_NOTE = 1,
    VAULT_KIND_ROOT_KEY = 2,
    VAULT_KIND_ITEMS_KEY = 3,
    VAULT_KIND_KEY_PAIR = 4,
    VAULT_KIND_SHARED_NOTE = 5,
};

struct vault_binding {
    const char *object_id; /* the note's or key's id: at most 255 bytes */
    uint64_t owner;        /* the author's user id, or the pairing's id */
    bool pairing;          /* owner is a pairing */
    enum vault_kind kind;
};

/* Seal `len` bytes with `key` (whose id is `key_id`): compressed first when
 * `compress` and it helps, padded to VAULT_PAD_BLOCK, XChaCha20-Poly1305
 * with the header and the binding as associated data. `nonce` NULL draws a
 * random one (known-answer tests pass theirs). *out (caller frees) holds the
 * record. */
mento_status vault_seal(const unsigned char *key, const unsigned char *key_id,
                        const struct vault_binding *b, const void *plain, size_t len, bool compress,
                        const unsigned char *nonce, unsigned char **out, size_t *out_len);
/* The key id in a record's header, to find the key that opens it. */
mento_status vault_record_key_id(const unsigned char *rec, size_t len, unsigned char *key_id);
/* Open a record sealed for `b`. On failure nothing is returned and `why`
 * says what kind of failure it was (not a record, unknown version, does not
 * belong here or was changed). *plain is NUL-terminated (not counted). */
mento_status vault_open(const unsigned char *key, const struct vault_binding *b,
                        const unsigned char *rec, size_t len, unsigned char **plain,
                        size_t *plain_len, char *why, size_t why_len);

/* ---- The account's keys ----------------------------------------------------- *
 * The password gives the key encryption key, which wraps a random root key;
 * the root key wraps the items keys (which seal notes) and the user's key
 * pairs; a recovery code wraps the root key too. All of it travels as one
 * JSON "vault" object that the server stores and cannot open. */

#define VAULT_RECOVERY_LEN    40 /* "XXXX-XXXX-..." and a NUL */
#define VAULT_FINGERPRINT_LEN 48

/* The unlocked keys, in sodium_malloc'd memory. */
struct vault_keys {
    int64_t user;
    unsigned char *root;  /* VAULT_KEY_BYTES */
    unsigned char *items; /* the current items key */
    unsigned char items_id[VAULT_KEY_ID_BYTES];
    unsigned char *box_secret; /* X25519 */
    unsigned char box_public[32];
    unsigned char *sign_secret; /* Ed25519, 64 bytes */
    unsigned char sign_public[32];
};

/* A new vault for `user`: keys, the vault object (*blob, caller deletes) and
 * a recovery code to show the user once. */
mento_status vault_create(int64_t user, const char *password, const struct vault_kdf *kdf,
                          struct vault_keys *keys, cJSON **blob, char *recovery);
/* Unlock with the password (or, with `recovery`, the recovery code). Weak
 * parameters in the object are refused before any work. `why` says what went
 * wrong in words. */
mento_status vault_unlock(const cJSON *blob, int64_t user, const char *password, bool recovery,
                          struct vault_keys *keys, char *why, size_t why_len);
/* A new password: only the root key is wrapped again (the items keys, the
 * key pairs and every note stay as they are). */
mento_status vault_change_password(cJSON *blob, const struct vault_keys *keys,
                                   const char *new_password, const struct vault_kdf *kdf);
void vault_keys_free(struct vault_keys *keys);

/* What two people compare to know they have each other's real keys: eight
 * groups of five digits from BLAKE2b of both public keys. */
void vault_fingerprint(const unsigned char *box_public, const unsigned char *sign_public,
                       char *out);

/* A pairing's key for its shared notes, sealed to the recipient's X25519 key
 * and signed by the sender over the pairing, the version, the recipient's key
 * and the sealed bytes. *out (caller frees) is sealed key || signature. */
mento_status vault_pair_key_seal(const struct vault_keys *sender, int64_t pairing, uint32_t version,
                                 const unsigned char *recipient_box_public,
                                 const unsigned char *pair_key, unsigned char **out,
                                 size_t *out_len);
/* Open a sealed pair key addressed to `me`, checking the sender's signature
 * with their pinned signing key. */
mento_status vault_pair_key_open(const struct vault_keys *me, int64_t pairing, uint32_t version,
                                 const unsigned char *sender_sign_public, const unsigned char *in,
                                 size_t len, unsigned char *pair_key, char *why, size_t why_len);

#endif

/* notes.h - private session notes, end-to-end encrypted (docs/security.md,
 * the vault underneath): notes per programme, about a pairing and a session,
 * kept in the store only as sealed records, opened in memory while the vault
 * is unlocked; saved through the outbox with compare-and-swap; shared with the
 * partner under a pair key; exported as Markdown or as the sealed records.
 * The Notes pane sits on this module; nothing here draws. */
#ifndef MENTO_NOTES_H
#define MENTO_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"
#include "mento/store.h"
#include "mento/vault.h"

/* A note id: a random lowercase UUID (128 bits, version 4) and a NUL. */
#define NOTES_ID_LEN 37
/* Limits of a note, checked on save (bytes of UTF-8). */
#define NOTES_TITLE_MAX 400
#define NOTES_BODY_MAX  (256 * 1024)
#define NOTES_ITEMS_MAX 200
#define NOTES_ITEM_MAX  1000
/* Messages for the user (why a record did not open, why sharing is refused). */
#define NOTES_WHY_LEN 256

struct notes;

/* An action item of a note. */
struct note_item {
    char *text;
    bool done;
};

/* A note as the screens see it: decrypted, in memory only. */
struct note {
    char id[NOTES_ID_LEN];
    int64_t owner;      /* the author */
    int64_t pairing;    /* the pairing the note is about (0: none) */
    int64_t session;    /* the session it is about (0: none) */
    char *title, *body; /* never NULL */
    struct note_item *items;
    size_t n_items;
    bool shared;                    /* shared with the partner of `pairing` */
    bool mine;                      /* written by this account: only then may it change */
    bool dirty;                     /* a change the server has not confirmed yet */
    char conflict_of[NOTES_ID_LEN]; /* a conflict copy of this note ("" when not) */
    int64_t created_at, updated_at; /* seconds */
    int64_t base_version;           /* the server's version it is based on (0: never sent) */
    char problem[NOTES_WHY_LEN];    /* why the last upload was refused ("" when fine) */
};

/* What a save writes: `id` "" for a new note. Text must be valid UTF-8 within
 * the limits above; `shared` needs `pairing`. */
struct note_draft {
    char id[NOTES_ID_LEN];
    int64_t pairing, session;
    const char *title, *body;
    const struct note_item *items;
    size_t n_items;
    bool shared;
};

/* Open the notes of `programme` in `store` for the account `user` (0: the
 * user id of the stored profile). The notes core joins every sync of the
 * store from now on (store_set_sync_hook), so open it with the store and keep
 * it open while syncing; records that came while it was closed are taken up
 * from the store here. `err` says why on failure. */
mento_status notes_open(struct notes **out, struct store *store, const char *programme,
                        int64_t user, char *err, size_t err_len);
/* Lock (wiping every key and every text) and close; NULL is allowed. */
void notes_close(struct notes **n);

/* ---- The vault ------------------------------------------------------------------ */

enum notes_vault_state {
    NOTES_VAULT_NONE,    /* no vault yet: notes_vault_create_start */
    NOTES_VAULT_LOCKED,  /* a vault (from this device or the server): unlock it */
    NOTES_VAULT_WORKING, /* the key derivation runs on its worker thread */
    NOTES_VAULT_UNLOCKED,
};
enum notes_vault_state notes_vault_state(struct notes *n);

/* Called from the worker thread when it is done, to wake the event loop
 * (net_wakeup, say); may be NULL. */
void notes_set_wakeup(struct notes *n, void (*fn)(void *arg), void *arg);

/* Create the vault at first use: the key derivation and the keys are made on
 * a worker thread (poll with notes_unlock_poll); the vault object and the
 * public keys then go up through the outbox (vault.put, keys.put). Refused
 * while the store has never synced (a vault made on another device must be
 * known first) or when a vault exists. `kdf` NULL: the defaults, with a fresh
 * salt. */
mento_status notes_vault_create_start(struct notes *n, const char *password,
                                      const struct vault_kdf *kdf, char *why, size_t why_len);
/* Unlock with the password (`recovery`: with the recovery code) on a worker
 * thread, from the vault this device keeps or, on another device, the one the
 * server sent down in sync. */
mento_status notes_unlock_start(struct notes *n, const char *secret, bool recovery, char *why,
                                size_t why_len);
/* For the event loop: *done false while the worker still runs (MENTO_OK);
 * once it is done, MENTO_OK when unlocked (core dumps are then off and the
 * notes are open in memory), or the failure with `why` in words. */
mento_status notes_unlock_poll(struct notes *n, bool *done, char *why, size_t why_len);
/* The same, waiting for the worker (for commands and tests). */
mento_status notes_unlock_wait(struct notes *n, char *why, size_t why_len);
/* The recovery code of a vault just created, to show once (copied into
 * `out`, VAULT_RECOVERY_LEN, then wiped here); false when there is none. */
bool notes_recovery_code(struct notes *n, char *out);
/* Change the notes password (unlocked only, and once the vault has reached
 * the server). `current` is checked and the new key derived on the worker
 * thread (`kdf` NULL: the defaults with a new salt); only the root key is
 * wrapped again, so the notes, the shares and the recovery code stay as they
 * are. The notes stay unlocked meanwhile; poll with notes_unlock_poll. Once
 * done the vault object goes up (vault.put, compare-and-swap on its version)
 * and other devices take it with their next sync. Two devices changing it
 * at once: the first to reach the server holds, and the other takes it
 * (notes_vault_problem says so there). */
mento_status notes_password_change_start(struct notes *n, const char *current,
                                         const char *new_password, const struct vault_kdf *kdf,
                                         char *why, size_t why_len);
/* True while a password change derives its keys. */
bool notes_password_changing(struct notes *n);
/* What the server refused of this account's vault, in words (copied into
 * `out`); false when nothing. */
bool notes_vault_problem(struct notes *n, char *out, size_t cap);
/* Wipe the keys and every decrypted text. */
void notes_lock(struct notes *n);
/* Core dumps off, and the process not dumpable (no ptrace by others): done
 * at unlock, and callable earlier. */
void notes_harden_process(void);

/* ---- Notes (unlocked only) ---------------------------------------------------------- *
 * The pointers returned stay valid until the next call that saves, deletes,
 * syncs or locks. */

/* The notes, newest change first (deleted ones left out). */
size_t notes_count(struct notes *n);
const struct note *notes_at(struct notes *n, size_t i);
const struct note *notes_get(struct notes *n, const char *id);

/* Save: seals the note (bound to its id, its owner or pairing, and its kind)
 * and writes the record and its outbox operation in one transaction. Text
 * unchanged since the last save is not sealed again and queues nothing
 * (*changed false). A new note's id is written to draft->id. */
mento_status notes_save(struct notes *n, struct note_draft *draft, bool *changed, char *why,
                        size_t why_len);
/* Check or uncheck an action item (a save). */
mento_status notes_item_check(struct notes *n, const char *id, size_t item, bool done, char *why,
                              size_t why_len);
/* Delete a note of one's own: a tombstone goes up; the text is gone. */
mento_status notes_delete(struct notes *n, const char *id, char *why, size_t why_len);

/* Search the decrypted title, body and action items in memory (case and
 * accents ignored): calls `fn` with each matching note, newest first, until
 * it returns false. Returns the number of matches seen. */
size_t notes_search(struct notes *n, const char *query,
                    bool (*fn)(const struct note *note, void *arg), void *arg);

/* ---- Records that did not open ---------------------------------------------------- */

/* Records kept aside (changed, moved, sealed with a key this device lacks),
 * each with its reason in words; `fn` stops when it returns false. */
size_t notes_aside(struct notes *n, bool (*fn)(const char *id, const char *why, void *arg),
                   void *arg);

/* ---- The partner's key -------------------------------------------------------------- */

enum notes_partner_state {
    NOTES_PARTNER_UNKNOWN, /* no such pairing, or the partner has published no key */
    NOTES_PARTNER_PINNED,  /* the key first seen, unchanged since */
    NOTES_PARTNER_CHANGED, /* a new key, not the pinned one: sharing is refused until accepted */
    NOTES_PARTNER_BAD,     /* the published key is not signed by itself: never used */
};

struct notes_partner {
    enum notes_partner_state state;
    int64_t user;
    char fingerprint[VAULT_FINGERPRINT_LEN];        /* the key the server has now */
    char pinned_fingerprint[VAULT_FINGERPRINT_LEN]; /* the one accepted before ("" if none) */
    char mine[VAULT_FINGERPRINT_LEN];               /* to read out to them ("" if locked) */
    int64_t verified_at; /* when the user marked the pinned key verified (0: never) */
};

mento_status notes_partner_key_state(struct notes *n, int64_t pairing, struct notes_partner *out);
/* The user compared `fingerprint` (as notes_partner_key_state gave it) with
 * the partner's: pin that key and remember it as verified (kept in the
 * store). MENTO_ERR_INVALID when the partner's key is no longer the one
 * compared (a sync changed it meanwhile): nothing is pinned. A key is
 * pinned otherwise only on first sight, unverified (verified_at 0). */
mento_status notes_accept_partner_key(struct notes *n, int64_t pairing, const char *fingerprint);

/* ---- Export -------------------------------------------------------------------------- */

/* The user's own notes decrypted as Markdown (unlocked only), written to a
 * file of mode 0600 that appears whole or not at all. */
mento_status notes_export_markdown(struct notes *n, const char *path, char *why, size_t why_len);
/* The sealed records as JSON, for a backup (no unlocking needed; nothing in
 * it opens without the password): the vault object and every record. */
mento_status notes_export_records(struct notes *n, const char *path, char *why, size_t why_len);

#endif

/* schema.h - mentod's numbered migrations (private to src/server).
 * Append a new entry to add a migration; never edit one that has shipped. */
#ifndef MENTO_SERVER_SCHEMA_H
#define MENTO_SERVER_SCHEMA_H

static const char *const schema_migrations[] = {
    /* 1: accounts, profiles, programmes, memberships, tokens, idempotency,
     *    pairings (needed for directory capacity). */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ");"
    "INSERT INTO meta(key, value) VALUES ('seq', 0);"
    /* Programme settings are the codec's JSON of struct mento_programme. */
    "CREATE TABLE programmes ("
    "  id TEXT PRIMARY KEY,"
    "  settings TEXT NOT NULL,"
    "  seq INTEGER NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password_hash TEXT,"          /* crypto_pwhash_str (Argon2id); NULL: cannot log in */
    "  created_at INTEGER NOT NULL,"
    "  frozen INTEGER NOT NULL DEFAULT 0,"
    "  seq INTEGER NOT NULL"
    ");"
    /* The questionnaire answers: the codec's JSON of struct mento_profile,
     * admin-only answers included (filtered on the way out). */
    "CREATE TABLE profiles ("
    "  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
    "  answers TEXT NOT NULL,"
    "  seq INTEGER NOT NULL"
    ");"
    /* roles: enum mento_role bits. status: active | applied | selected |
     * not_selected (cohort programmes). */
    "CREATE TABLE memberships ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  programme_id TEXT NOT NULL REFERENCES programmes(id),"
    "  roles INTEGER NOT NULL,"
    "  capacity INTEGER NOT NULL DEFAULT 3,"
    "  hidden INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL DEFAULT 'active',"
    "  joined_at INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, programme_id)"
    ");"
    "CREATE INDEX memberships_programme ON memberships(programme_id, seq);"
    /* Bearer tokens, stored as their BLAKE2b hash only. */
    "CREATE TABLE tokens ("
    "  hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX tokens_user ON tokens(user_id);"
    /* Failed logins per key ('e:<email>' or 'a:<address>') in a window. */
    "CREATE TABLE login_failures ("
    "  key TEXT PRIMARY KEY,"
    "  window_start INTEGER NOT NULL,"
    "  count INTEGER NOT NULL"
    ");"
    /* The first answer to each state-changing request with an idempotency key. */
    "CREATE TABLE idempotency ("
    "  user_id INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, key)"
    ");"
    "CREATE TABLE pairings ("
    "  id INTEGER PRIMARY KEY,"
    "  programme_id TEXT NOT NULL REFERENCES programmes(id),"
    "  mentor_id INTEGER NOT NULL REFERENCES users(id),"
    "  mentee_id INTEGER NOT NULL REFERENCES users(id),"
    "  kind TEXT NOT NULL DEFAULT 'mentoring',"
    "  state TEXT NOT NULL DEFAULT 'active',"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  end_reason TEXT,"
    "  end_text TEXT,"
    "  no_rematch INTEGER NOT NULL DEFAULT 0,"
    "  seq INTEGER NOT NULL"
    ");"
    "CREATE INDEX pairings_mentor ON pairings(programme_id, mentor_id, state);"
    "CREATE INDEX pairings_mentee ON pairings(programme_id, mentee_id, state);",
};

#define SCHEMA_MIGRATION_COUNT ((int)(sizeof schema_migrations / sizeof schema_migrations[0]))

#endif

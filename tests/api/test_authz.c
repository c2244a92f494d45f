/* test_authz.c - the authorization matrix on a real mentod: every endpoint of
 * docs/api.md's index is called by each kind of caller - anonymous, the owner
 * of what the call reaches, another mentee, another mentor, the owner's
 * partner, an administrator of another programme, and the programme's own
 * administrator - and must answer as the contract says: allowed, or refused
 * with its status and code. A refused call changes nothing the owner can see.
 * No administrator reaches a note record, whatever the route. And a served
 * endpoint of the index without its row here fails the test, so a new route
 * cannot arrive without saying who may call it.
 *
 * A row is one line: method, path, body, the world it runs in, how it runs
 * (flags), what the owner reads before and after the refused calls, and the
 * seven answers; a new endpoint adds its line to one of the tables. Paths are
 * the index's, with the {placeholders} named for what they are bound to (see
 * `lookup`); a literal segment may stand for a placeholder of the index (a
 * report name). MENTO_API_DOC names docs/api.md. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ---- Fixed material --------------------------------------------------------------- */

/* Public keys and a signature of the right sizes (32, 32 and 64 bytes): the
 * server checks sizes, never contents. Everyone publishes the same ones. */
#define X25519  "YXV0aHogbWF0cml4OiB4MjU1MTkgcHVibGljLi4uLi4="
#define ED25519 "YXV0aHogbWF0cml4OiBlZDI1NTE5IHB1YmxpYy4uLi4="
#define SIGNATURE                                                                                  \
    "YXV0aHogbWF0cml4OiBzaWduYXR1cmUgb2YgdGhlIHgyNTUxOSBrZXkuLi4uLi4uLi4uLi4uLi4uLi4uLi4uLg=="
#define SALT "YXV0aHogdmF1bHQgc2FsdA=="
#define BLOB "YXV0aHogbWF0cml4OiBhIHZhdWx0IGJsb2IuLi4uLi4uLi4uLi4uLi4uLi4uLi4u"
#define SEALED                                                                                     \
    "YXV0aHogbWF0cml4OiBhIHNlYWxlZCBwYWlyIGtleS4uLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4u" \
    "Li4uLi4uLi4uLi4uLi4="
/* The ciphertext of every note of the world: no answer given to anyone but
 * the author and the partner may hold it. */
#define CANARY "QVVUSFotQ0FOQVJZOiB3b3JkcyB0aGF0IG5vIGFkbWluaXN0cmF0b3IgbWF5IHJlYWQ="
#define EDITED "YXV0aHogbWF0cml4OiBhbiBlZGl0ZWQgbm90ZS4uLi4="

#define KEYS_BODY                                                                                  \
    "{\"x25519_public\":\"" X25519 "\",\"ed25519_public\":\"" ED25519                              \
    "\",\"x25519_signature\":\"" SIGNATURE "\"}"
#define VAULT_BODY                                                                                 \
    "{\"base_version\":0,\"kdf\":{\"algorithm\":\"argon2id13\",\"opslimit\":3,"                    \
    "\"memlimit\":268435456,\"salt\":\"" SALT "\"},\"blob\":\"" BLOB "\"}"
#define PAIR_KEY_COPY(who)                                                                         \
    "{\"recipient_id\":" who ",\"recipient_key_version\":1,\"sealed\":\"" SEALED                   \
    "\",\"signature\":\"" SIGNATURE "\"}"
#define PAIR_KEY_BODY                                                                              \
    "{\"version\":{next_pair_key},\"copies\":[" PAIR_KEY_COPY("{owner_id}") "," PAIR_KEY_COPY(     \
        "{partner_id}") "]}"
#define REGISTER_BODY                                                                              \
    "{\"email\":\"{email}\",\"password\":\"" HARNESS_PASSWORD "\",\"programme\":\"together\","     \
    "\"roles\":[\"mentee\"],\"profile\":{\"name\":\"Walk-in Registrant\",\"grade\":\"P-2\","       \
    "\"job_network\":\"Management and Operations\",\"entity\":\"UNOG\",\"duty_station\":"          \
    "\"Geneva\",\"timezone\":\"Europe/Zurich\",\"languages\":[\"en\"],"                            \
    "\"appointment_type\":\"fixed-term\"}}"
#define LOGIN_BODY "{\"email\":\"{spare_email}\",\"password\":\"" HARNESS_PASSWORD "\"}"

/* ---- Callers and answers ------------------------------------------------------------ */

enum role { ANON, OWNER, MENTEE, MENTOR, PARTNER, OUTSIDER, ADMIN, N_ROLES };

static const char *const role_names[N_ROLES] = {
    "anonymous",
    "the owner",
    "another mentee",
    "another mentor",
    "the partner",
    "an administrator of another programme",
    "the programme's own administrator",
};

/* Refused calls first, then callers acting on their own things, then the
 * owner's and partner's allowed calls, which may change what they reach. */
static const enum role call_order[N_ROLES] = {ANON,  MENTEE,  MENTOR, OUTSIDER,
                                              ADMIN, PARTNER, OWNER};

/* status 0: any 2xx. deny: the call is refused for who the caller is (as
 * opposed to an allowed caller stopped by a programme rule, also exact). */
struct cell {
    short status;
    bool deny;
    const char *code;
};

/* clang-format off */
#define OK         {0, false, NULL}
#define RULE(s, c) {s, false, c}
#define DENY(s, c) {s, true, c}
#define UNAUTH     DENY(401, "unauthorized")
#define FORBID     DENY(403, "forbidden")
#define ROLE       DENY(403, "role_required")
#define NIP        DENY(403, "not_in_pairing")
#define NYR        DENY(403, "not_your_request")
#define NYN        DENY(403, "not_your_note")
#define HIDDEN     DENY(404, "not_found")
#define CONFIRM    RULE(422, "confirmation_required")

/* The usual answers, in the order of enum role:
 *                 anonymous owner mentee mentor partner outsider admin */
#define EVERYONE  {OK,     OK,   OK,   OK,   OK,   OK,     OK}
#define SIGNED_IN {UNAUTH, OK,   OK,   OK,   OK,   OK,     OK}
#define MEMBERS   {UNAUTH, OK,   OK,   OK,   OK,   FORBID, OK}
#define MENTEES   {UNAUTH, OK,   OK,   ROLE, ROLE, FORBID, ROLE}
#define MENTORS   {UNAUTH, ROLE, ROLE, OK,   OK,   FORBID, ROLE}
#define PAIR      {UNAUTH, OK,   NIP,  NIP,  OK,   FORBID, NIP}
#define TEAM      {UNAUTH, ROLE, ROLE, ROLE, ROLE, ROLE,   OK}
/* clang-format on */

/* ---- Worlds ------------------------------------------------------------------------- */

/* SHARED: programme "together": Amina (owner, mentee) paired with Lan (the
 * partner, mentor) by an accepted request, with a booked session, a private
 * and a shared note, a pair key and notifications; Bilal (another mentee);
 * Nadia (another mentor, on Amina's and Bilal's wish-lists); Kwame (a mentor
 * nobody relates to); Teresa (administrator of "together" only) and Xavier
 * (administrator of "iom-2025"). The other worlds are made fresh for one row:
 * a new owner and partner in "together" (or in "iom-2025", where Xavier is
 * the team and Teresa the outsider), with what the name says. */
enum world_kind {
    SHARED,
    OPEN_REQUEST,    /* the owner's open request to the partner */
    PAIRING,         /* their active pairing; {session_id}: its planned session 1 */
    REMATCH,         /* the same after the owner's "not a good fit" */
    BOOKED,          /* the same with session 1 booked */
    PRIVATE_NOTE,    /* SHARED with a new private note of the owner's */
    SHARED_NOTE,     /* SHARED with a new note shared in the pairing */
    COHORT,          /* "iom-2025": owner and partner applied */
    COHORT_SELECTED, /* the same, both selected */
};

/* What one row's calls are bound to. Not copied once made: `who` may point
 * into it. */
struct ctx {
    const char *programme;
    const struct harness_user *who[N_ROLES];
    struct harness_user owner, partner; /* fresh ones */
    int64_t pairing, session, request, notification, note_version, pair_key_version;
    char private_note[40], shared_note[40];
};

struct endpoint {
    char method[8];
    char path[160];
    bool served, covered;
};

#define MAX_ENDPOINTS 200

struct world {
    struct harness *h;
    struct harness_user amina, bilal, lan, nadia, kwame, teresa, xavier;
    struct ctx shared;
    int64_t accepted_request;
    struct endpoint doc[MAX_ENDPOINTS];
    size_t n_doc;
    unsigned fresh;  /* counter for fresh people and notes */
    int mismatches;  /* in the table being run */
    int rows, calls; /* over every table */
};

/* ---- The matrix ----------------------------------------------------------------------- */

enum {
    CONSUMES = 1u << 0,    /* the allowed call uses up its world: each allowed
                              caller gets a fresh one */
    FRESH_TOKEN = 1u << 1, /* each caller calls with a token of its own (logout) */
    UNFREEZE = 1u << 2,    /* afterwards the bystanders unfreeze their accounts */
};

struct row {
    const char *method, *path, *body;
    enum world_kind world;
    unsigned flags;
    const char *probe; /* read by the owner before and after the refused calls */
    struct cell expect[N_ROLES];
};

/* clang-format off */
static const struct row public_rows[] = {
    {"GET", "/v1/health", NULL, SHARED, 0, NULL, EVERYONE},
    {"GET", "/v1/programmes", NULL, SHARED, 0, NULL, EVERYONE},
    {"GET", "/v1/programmes/{id}", NULL, SHARED, 0, NULL, EVERYONE},
    {"POST", "/v1/accounts", REGISTER_BODY, SHARED, 0, NULL, EVERYONE},
    {"POST", "/v1/auth/login", LOGIN_BODY, SHARED, 0, NULL, EVERYONE},
    {"GET", "/v1/programmes/{id}/resources", NULL, SHARED, 0, NULL, EVERYONE},
    {"GET", "/v1/programmes/{id}/resources/together-mentee-handbook", NULL, SHARED, 0, NULL,
     EVERYONE},
    {"POST", "/v1/test/clock", "{\"advance\":0}", SHARED, 0, NULL, EVERYONE},
};

static const struct row account_rows[] = {
    {"POST", "/v1/auth/logout", NULL, SHARED, FRESH_TOKEN, "/v1/me", SIGNED_IN},
    {"GET", "/v1/me", NULL, SHARED, 0, NULL, SIGNED_IN},
    {"GET", "/v1/me/profile", NULL, SHARED, 0, NULL, SIGNED_IN},
    {"PUT", "/v1/me/profile/bio", "{\"value\":\"Checks who may call what.\"}", SHARED, 0,
     "/v1/me/profile", SIGNED_IN},
    {"POST", "/v1/me/programmes", "{\"programme\":\"undp-jpo\",\"roles\":[\"mentor\"]}", SHARED, 0,
     "/v1/me", SIGNED_IN},
    /* Allowed to everyone; the two with a pairing are asked to confirm first. */
    {"POST", "/v1/me/freeze", "{}", SHARED, UNFREEZE, "/v1/programmes/{id}/pairings/{pairing_id}",
     {UNAUTH, CONFIRM, OK, OK, CONFIRM, OK, OK}},
    {"POST", "/v1/me/unfreeze", NULL, SHARED, 0, NULL, SIGNED_IN},
    {"POST", "/v1/me/deletion-request", "{}", SHARED, 0, "/v1/me", SIGNED_IN},
    {"GET", "/v1/me/keys", NULL, SHARED, 0, NULL, SIGNED_IN},
    {"PUT", "/v1/me/keys", KEYS_BODY, SHARED, 0, "/v1/me/keys", SIGNED_IN},
    {"GET", "/v1/me/vault", NULL, SHARED, 0, NULL, SIGNED_IN},
    {"PUT", "/v1/me/vault", VAULT_BODY, SHARED, 0, "/v1/me/vault", SIGNED_IN},
    {"GET", "/v1/me/notifications", NULL, SHARED, 0, NULL, SIGNED_IN},
    /* Others may send the owner's notification id: it is skipped. */
    {"POST", "/v1/me/notifications/read", "{\"ids\":[{owner_notification}]}", SHARED, 0,
     "/v1/me/notifications", SIGNED_IN},
};

static const struct row member_rows[] = {
    {"GET", "/v1/me/programmes/{id}", NULL, SHARED, 0, NULL, MEMBERS},
    {"PATCH", "/v1/me/programmes/{id}", "{\"hidden\":false}", SHARED, 0, "/v1/me/programmes/{id}",
     MENTORS},
    {"GET", "/v1/programmes/{id}/mentors", NULL, SHARED, 0, NULL, MEMBERS},
    {"GET", "/v1/programmes/{id}/surveys", NULL, SHARED, 0, NULL, MEMBERS},
    /* Each answers their own: the owner's answers are not touched by others;
     * the team, neither mentee nor mentor, has no survey to answer. */
    {"PUT", "/v1/programmes/{id}/surveys/pre/answers",
     "{\"answers\":{\"heard_from\":\"colleague\"}}", SHARED, 0, "/v1/programmes/{id}/surveys",
     {UNAUTH, OK, OK, OK, OK, FORBID, RULE(422, "survey_not_open")}},
    {"GET", "/v1/programmes/{id}/mentors/{spare_mentor}", NULL, SHARED, 0, NULL, MEMBERS},
    {"GET", "/v1/programmes/{id}/pairings", NULL, SHARED, 0, NULL, MEMBERS},
    {"GET", "/v1/programmes/{id}/notes", NULL, SHARED, 0, NULL, MEMBERS},
    {"POST", "/v1/sync", "{\"programme\":\"{id}\"}", SHARED, 0, NULL, MEMBERS},
};

static const struct row request_rows[] = {
    {"GET", "/v1/programmes/{id}/wishlist", NULL, SHARED, 0, NULL, MENTEES},
    {"POST", "/v1/programmes/{id}/wishlist", "{\"mentor_id\":{spare_mentor}}", SHARED, 0,
     "/v1/programmes/{id}/wishlist", MENTEES},
    {"PATCH", "/v1/programmes/{id}/wishlist/{listed_mentor}", "{\"position\":1}", SHARED, 0,
     "/v1/programmes/{id}/wishlist", MENTEES},
    {"DELETE", "/v1/programmes/{id}/wishlist/{spare_mentor}", NULL, SHARED, 0,
     "/v1/programmes/{id}/wishlist", MENTEES},
    {"POST", "/v1/programmes/{id}/requests", "{\"mentor_id\":{spare_mentor}}", SHARED, 0,
     "/v1/programmes/{id}/requests", MENTEES},
    {"GET", "/v1/programmes/{id}/requests", NULL, SHARED, 0, NULL, MENTEES},
    /* Its mentor reads it while it is their current request... */
    {"GET", "/v1/programmes/{id}/requests/{request_id}", NULL, OPEN_REQUEST, 0, NULL,
     {UNAUTH, OK, NYR, NYR, OK, FORBID, NYR}},
    /* ...and no longer once it is decided (the shared world's, accepted). */
    {"GET", "/v1/programmes/{id}/requests/{request_id}", NULL, SHARED, 0, NULL,
     {UNAUTH, OK, NYR, NYR, NYR, FORBID, NYR}},
    {"POST", "/v1/programmes/{id}/requests/{request_id}/withdraw", NULL, OPEN_REQUEST, CONSUMES,
     "/v1/programmes/{id}/requests/{request_id}", {UNAUTH, OK, NYR, NYR, NYR, FORBID, NYR}},
    {"PUT", "/v1/programmes/{id}/requests/cascade", "{\"enabled\":true}", SHARED, 0,
     "/v1/programmes/{id}/wishlist", MENTEES},
    {"GET", "/v1/programmes/{id}/requests/current", NULL, SHARED, 0, NULL, MENTORS},
    {"POST", "/v1/programmes/{id}/requests/{request_id}/accept", NULL, OPEN_REQUEST, CONSUMES,
     "/v1/programmes/{id}/requests/{request_id}", {UNAUTH, ROLE, ROLE, NYR, OK, FORBID, ROLE}},
    {"POST", "/v1/programmes/{id}/requests/{request_id}/decline", NULL, OPEN_REQUEST, CONSUMES,
     "/v1/programmes/{id}/requests/{request_id}", {UNAUTH, ROLE, ROLE, NYR, OK, FORBID, ROLE}},
};

static const struct row pairing_rows[] = {
    {"GET", "/v1/programmes/{id}/pairings/{pairing_id}", NULL, SHARED, 0, NULL, PAIR},
    {"POST", "/v1/programmes/{id}/pairings/{pairing_id}/end", "{\"reason\":\"no_time\"}", PAIRING,
     CONSUMES, "/v1/programmes/{id}/pairings/{pairing_id}", PAIR},
    {"POST", "/v1/programmes/{id}/pairings/{pairing_id}/rematch", "{}", REMATCH, CONSUMES,
     "/v1/programmes/{id}/pairings/{pairing_id}", {UNAUTH, OK, NIP, NIP, ROLE, FORBID, NIP}},
    {"GET", "/v1/programmes/{id}/pairings/{pairing_id}/sessions", NULL, SHARED, 0, NULL, PAIR},
    {"POST", "/v1/programmes/{id}/pairings/{pairing_id}/sessions", "{\"starts_at\":\"{future}\"}",
     SHARED, 0, "/v1/programmes/{id}/pairings/{pairing_id}/sessions", PAIR},
    {"GET", "/v1/programmes/{id}/sessions/{session_id}", NULL, SHARED, 0, NULL, PAIR},
    {"PATCH", "/v1/programmes/{id}/sessions/{session_id}", "{\"location\":\"Room S-2714\"}", SHARED,
     0, "/v1/programmes/{id}/sessions/{session_id}", PAIR},
    {"POST", "/v1/programmes/{id}/sessions/{session_id}/cancel", "{\"reason\":\"On mission.\"}",
     BOOKED, CONSUMES, "/v1/programmes/{id}/sessions/{session_id}", PAIR},
    {"GET", "/v1/programmes/{id}/sessions/{session_id}/calendar", NULL, SHARED, 0, NULL, PAIR},
    {"POST", "/v1/programmes/{id}/sessions/{session_id}/done",
     "{\"rating\":4,\"fit\":\"good_fit\"}", PAIRING, CONSUMES,
     "/v1/programmes/{id}/sessions/{session_id}", PAIR},
    {"GET", "/v1/programmes/{id}/pairings/{pairing_id}/keys", NULL, SHARED, 0, NULL, PAIR},
    {"GET", "/v1/programmes/{id}/pairings/{pairing_id}/pair-keys", NULL, SHARED, 0, NULL, PAIR},
    {"POST", "/v1/programmes/{id}/pairings/{pairing_id}/pair-keys", PAIR_KEY_BODY, PAIRING,
     CONSUMES,      "/v1/programmes/{id}/pairings/{pairing_id}/pair-keys", PAIR},
};

static const struct row note_rows[] = {
    {"GET", "/v1/programmes/{id}/notes/{private_note}", NULL, SHARED, 0, NULL,
     {UNAUTH, OK, HIDDEN, HIDDEN, HIDDEN, FORBID, HIDDEN}},
    {"GET", "/v1/programmes/{id}/notes/{shared_note}", NULL, SHARED, 0, NULL,
     {UNAUTH, OK, HIDDEN, HIDDEN, OK, FORBID, HIDDEN}},
    {"PUT", "/v1/programmes/{id}/notes/{private_note}",
     "{\"base_version\":{note_version},\"ciphertext\":\"" EDITED "\"}", PRIVATE_NOTE, CONSUMES,
     "/v1/programmes/{id}/notes/{private_note}",
     {UNAUTH, OK, HIDDEN, HIDDEN, HIDDEN, FORBID, HIDDEN}},
    /* Creating over someone else's id is no way in either. */
    {"PUT", "/v1/programmes/{id}/notes/{private_note}",
     "{\"base_version\":0,\"ciphertext\":\"" EDITED "\"}", PRIVATE_NOTE, CONSUMES,
     "/v1/programmes/{id}/notes/{private_note}",
     {UNAUTH, RULE(409, "version_conflict"), HIDDEN, HIDDEN, HIDDEN, FORBID, HIDDEN}},
    {"PUT", "/v1/programmes/{id}/notes/{shared_note}",
     "{\"base_version\":{note_version},\"ciphertext\":\"" EDITED "\",\"pairing_id\":{pairing_id}}",
     SHARED_NOTE, CONSUMES, "/v1/programmes/{id}/notes/{shared_note}",
     {UNAUTH, OK, HIDDEN, HIDDEN, NYN, FORBID, HIDDEN}},
    {"DELETE", "/v1/programmes/{id}/notes/{private_note}?base_version={note_version}", NULL,
     PRIVATE_NOTE, CONSUMES, "/v1/programmes/{id}/notes/{private_note}",
     {UNAUTH, OK, HIDDEN, HIDDEN, HIDDEN, FORBID, HIDDEN}},
    {"DELETE", "/v1/programmes/{id}/notes/{shared_note}?base_version={note_version}", NULL,
     SHARED_NOTE, CONSUMES, "/v1/programmes/{id}/notes/{shared_note}",
     {UNAUTH, OK, HIDDEN, HIDDEN, NYN, FORBID, HIDDEN}},
};

static const struct row admin_rows[] = {
    {"GET", "/v1/programmes/{id}/admin/stats", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/participants", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/participants/{owner_id}", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/pairings", NULL, SHARED, 0, NULL, TEAM},
    {"POST", "/v1/programmes/{id}/admin/pairings",
     "{\"mentor_id\":{partner_id},\"mentee_id\":{owner_id}}", COHORT_SELECTED, CONSUMES,
     "/v1/programmes/{id}/pairings", TEAM},
    {"GET", "/v1/programmes/{id}/admin/pairings/suggestions", NULL, COHORT_SELECTED, 0, NULL,
     TEAM},
    {"POST", "/v1/programmes/{id}/admin/pairings/{pairing_id}/end", "{\"reason\":\"no_time\"}",
     PAIRING, CONSUMES, "/v1/programmes/{id}/pairings/{pairing_id}", TEAM},
    {"GET", "/v1/programmes/{id}/admin/feedback", NULL, SHARED, 0, NULL, TEAM},
    {"POST", "/v1/programmes/{id}/admin/selection",
     "{\"user_ids\":[{owner_id}],\"status\":\"selected\"}", COHORT, CONSUMES,
     "/v1/me/programmes/{id}", TEAM},
    {"POST", "/v1/programmes/{id}/admin/selection/announce", NULL, COHORT_SELECTED, CONSUMES,
     "/v1/me/notifications", TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/participants", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/requests", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/pairings", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/sessions", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/feedback", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/export/surveys", NULL, SHARED, 0, NULL, TEAM},
    {"GET", "/v1/programmes/{id}/admin/surveys/pre/answers", NULL, SHARED, 0, NULL, TEAM},
};
/* clang-format on */

struct table {
    const char *name;
    const struct row *rows;
    size_t n;
};

#define TABLE(t)                                                                                   \
    {                                                                                              \
#t, t, sizeof t / sizeof t[0]                                                              \
    }

static const struct table tables[] = {
    TABLE(public_rows),  TABLE(account_rows), TABLE(member_rows), TABLE(request_rows),
    TABLE(pairing_rows), TABLE(note_rows),    TABLE(admin_rows),
};

/* ---- Small helpers ----------------------------------------------------------------------- */

static int64_t int_of(const cJSON *o, const char *key)
{
    int64_t v = 0;
    if (!harness_int(o, key, &v))
        fail_msg("no integer \"%s\" in %s", key, o ? cJSON_PrintUnformatted(o) : "null");
    return v;
}

/* A call the world is built with; it must answer `status`. */
static void must(struct world *w, const struct harness_user *u, const char *method,
                 const char *path, const char *body, long status, struct harness_resp *r)
{
    harness_call(w->h, method, path, u ? u->token : NULL, body, NULL, r);
    harness_expect_status(r, status);
}

static void person(struct world *w, const char *name, const char *roles, const char *programme,
                   struct harness_user *u)
{
    cJSON *p = harness_profile_new(name);
    struct harness_account a = {.roles = roles, .profile = p, .programme = programme};
    harness_register_ok(w->h, &a, u);
    cJSON_Delete(p);
}

/* Keys and a vault, as every client publishes once. */
static void equip(struct world *w, const struct harness_user *u)
{
    struct harness_resp r = {0};
    must(w, u, "PUT", "/v1/me/keys", KEYS_BODY, 201, &r);
    must(w, u, "PUT", "/v1/me/vault", VAULT_BODY, 201, &r);
    harness_resp_free(&r);
}

static void new_note_id(struct world *w, char out[40])
{
    snprintf(out, 40, "a07e0000-0000-4000-8000-%012x", ++w->fresh);
}

/* The owner writes a note carrying the canary; shared with `pairing` unless 0. */
static void write_note(struct world *w, const struct harness_user *owner, const char *programme,
                       const char *id, int64_t pairing)
{
    char path[200], body[400];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/%s/notes/%s", programme, id);
    if (pairing)
        snprintf(body, sizeof body,
                 "{\"base_version\":0,\"ciphertext\":\"" CANARY "\",\"pairing_id\":%lld}",
                 (long long)pairing);
    else
        snprintf(body, sizeof body, "{\"base_version\":0,\"ciphertext\":\"" CANARY "\"}");
    must(w, owner, "PUT", path, body, 201, &r);
    harness_resp_free(&r);
}

static void format_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The mentee's request to the mentor; its id. */
static int64_t send_request(struct world *w, const char *programme,
                            const struct harness_user *mentee, const struct harness_user *mentor)
{
    char path[120], body[80];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/%s/requests", programme);
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)mentor->id);
    must(w, mentee, "POST", path, body, 201, &r);
    int64_t id = int_of(r.json, "id");
    harness_resp_free(&r);
    return id;
}

/* The mentor accepts: the new pairing's id, and its first session's. */
static int64_t accept_request(struct world *w, const char *programme,
                              const struct harness_user *mentor, int64_t request, int64_t *session)
{
    char path[160];
    struct harness_resp r = {0};
    snprintf(path, sizeof path, "/v1/programmes/%s/requests/%lld/accept", programme,
             (long long)request);
    must(w, mentor, "POST", path, NULL, 200, &r);
    int64_t pairing = int_of(cJSON_GetObjectItemCaseSensitive(r.json, "pairing"), "id");
    snprintf(path, sizeof path, "/v1/programmes/%s/pairings/%lld/sessions", programme,
             (long long)pairing);
    must(w, mentor, "GET", path, NULL, 200, &r);
    *session =
        int_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0), "id");
    harness_resp_free(&r);
    return pairing;
}

/* The owner books the pairing's next session a week or more ahead; its id. */
static int64_t book(struct world *w, const struct ctx *c, const struct harness_user *u)
{
    char path[160], body[120], when[32];
    struct harness_resp r = {0};
    format_time(harness_now(w->h) + 7 * 86400 + 3600 * (int64_t)(++w->fresh % 100), when,
                sizeof when);
    snprintf(path, sizeof path, "/v1/programmes/%s/pairings/%lld/sessions", c->programme,
             (long long)c->pairing);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\"}", when);
    must(w, u, "POST", path, body, 201, &r);
    int64_t id =
        int_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0), "id");
    harness_resp_free(&r);
    return id;
}

/* ---- Making worlds ------------------------------------------------------------------------ */

static void fresh_people(struct world *w, struct ctx *c, const char *programme)
{
    char name[64];
    unsigned n = ++w->fresh;
    snprintf(name, sizeof name, "Fresh Mentee %u", n);
    person(w, name, "mentee", programme, &c->owner);
    snprintf(name, sizeof name, "Fresh Mentor %u", n);
    person(w, name, "mentor", programme, &c->partner);
    c->who[OWNER] = &c->owner;
    c->who[PARTNER] = &c->partner;
    c->programme = programme;
}

static void make_ctx(struct world *w, enum world_kind kind, struct ctx *c)
{
    struct harness_resp r = {0};
    *c = w->shared;
    switch (kind) {
    case SHARED:
        break;
    case OPEN_REQUEST:
    case PAIRING:
    case REMATCH:
    case BOOKED:
        fresh_people(w, c, "together");
        c->request = send_request(w, "together", &c->owner, &c->partner);
        if (kind == OPEN_REQUEST)
            break;
        equip(w, &c->owner);
        equip(w, &c->partner);
        c->pairing = accept_request(w, "together", &c->partner, c->request, &c->session);
        c->pair_key_version = 0;
        if (kind == REMATCH) {
            char path[160];
            snprintf(path, sizeof path, "/v1/programmes/together/sessions/%lld/done",
                     (long long)c->session);
            must(w, &c->owner, "POST", path, "{\"rating\":1,\"fit\":\"not_a_good_fit\"}", 200, &r);
        } else if (kind == BOOKED) {
            c->session = book(w, c, &c->owner);
        }
        break;
    case PRIVATE_NOTE:
        new_note_id(w, c->private_note);
        write_note(w, c->who[OWNER], c->programme, c->private_note, 0);
        c->note_version = 1;
        break;
    case SHARED_NOTE:
        new_note_id(w, c->shared_note);
        write_note(w, c->who[OWNER], c->programme, c->shared_note, c->pairing);
        c->note_version = 1;
        break;
    case COHORT:
    case COHORT_SELECTED:
        fresh_people(w, c, "iom-2025");
        c->who[ADMIN] = &w->xavier;
        c->who[OUTSIDER] = &w->teresa;
        if (kind == COHORT_SELECTED) {
            char body[120];
            snprintf(body, sizeof body, "{\"user_ids\":[%lld,%lld],\"status\":\"selected\"}",
                     (long long)c->owner.id, (long long)c->partner.id);
            must(w, &w->xavier, "POST", "/v1/programmes/iom-2025/admin/selection", body, 200, &r);
        }
        break;
    }
    harness_resp_free(&r);
}

static void unfreeze_bystanders(struct world *w, struct ctx *c)
{
    static const enum role bystanders[] = {MENTEE, MENTOR, OUTSIDER, ADMIN};
    struct harness_resp r = {0};
    for (size_t i = 0; i < sizeof bystanders / sizeof bystanders[0]; i++)
        must(w, c->who[bystanders[i]], "POST", "/v1/me/unfreeze", NULL, 200, &r);
    harness_resp_free(&r);
}

/* ---- Binding paths and bodies ----------------------------------------------------------- */

/* The value of placeholder `name`; false when there is no such placeholder. */
static bool lookup(struct world *w, const struct ctx *c, const char *name, char *out, size_t cap)
{
    const struct {
        const char *name;
        int64_t value;
    } ints[] = {
        {"owner_id", c->who[OWNER]->id},
        {"partner_id", c->who[PARTNER]->id},
        {"pairing_id", c->pairing},
        {"session_id", c->session},
        {"request_id", c->request},
        {"note_version", c->note_version},
        {"next_pair_key", c->pair_key_version + 1},
        {"owner_notification", c->notification},
        {"listed_mentor", w->nadia.id}, /* on the owner's and the other mentee's wish-lists */
        {"spare_mentor", w->kwame.id},  /* a mentor nobody relates to */
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(name, ints[i].name) == 0) {
            snprintf(out, cap, "%lld", (long long)ints[i].value);
            return true;
        }
    if (strcmp(name, "id") == 0)
        snprintf(out, cap, "%s", c->programme);
    else if (strcmp(name, "private_note") == 0)
        snprintf(out, cap, "%s", c->private_note);
    else if (strcmp(name, "shared_note") == 0)
        snprintf(out, cap, "%s", c->shared_note);
    else if (strcmp(name, "spare_email") == 0)
        snprintf(out, cap, "%s", w->kwame.email);
    else if (strcmp(name, "email") == 0) /* a new address on every call */
        harness_email(w->h, "walk-in", out, cap);
    else if (strcmp(name, "future") == 0) /* a session start, a few weeks ahead */
        format_time(harness_now(w->h) + 14 * 86400 + 3600 * (int64_t)(++w->fresh % 200), out, cap);
    else
        return false;
    return true;
}

/* `tmpl` with every {name} of a placeholder replaced; JSON braces pass. */
static void expand(struct world *w, const struct ctx *c, const char *tmpl, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = tmpl; *p;) {
        size_t n = *p == '{' ? strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") : 0;
        if (n > 0 && p[n + 1] == '}') {
            char name[64], value[400];
            snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
            if (!lookup(w, c, name, value, sizeof value))
                fail_msg("unknown placeholder {%s} in %s", name, tmpl);
            size_t len = strlen(value);
            if (o + len >= cap)
                fail_msg("%s is too long once bound", tmpl);
            memcpy(out + o, value, len);
            o += len;
            p += n + 2;
            continue;
        }
        if (o + 1 >= cap)
            fail_msg("%s is too long once bound", tmpl);
        out[o++] = *p++;
    }
    out[o] = '\0';
}

/* ---- The index of docs/api.md -------------------------------------------------------------- */

static void read_index(struct world *w)
{
    const char *path = getenv("MENTO_API_DOC");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "# cannot read MENTO_API_DOC (%s)\n", path ? path : "not set");
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, f) && w->n_doc < MAX_ENDPOINTS) {
        char method[8], p[160], rest[400];
        if (sscanf(line, "| %7[A-Z] | `%159[^`]` |%399[^\n]", method, p, rest) != 3 ||
            strncmp(p, "/v1", 3) != 0)
            continue;
        struct endpoint *e = &w->doc[w->n_doc++];
        snprintf(e->method, sizeof e->method, "%s", method);
        snprintf(e->path, sizeof e->path, "%s", p);
        /* The last column: "Served", "Planned", or "Served (...)". */
        char *last = strrchr(rest, '|');
        if (last) {
            *last = '\0';
            last = strrchr(rest, '|');
        }
        e->served = last && strstr(last, "Served") && !strstr(last, "| Planned");
    }
    fclose(f);
}

/* How the row's path names an index path: -1 not at all, else how many of
 * the index's {placeholders} it fills (fewer: more specific). A segment of
 * the index in braces takes any segment; others must be equal. */
static int path_match(const char *doc, const char *row)
{
    int wild = 0;
    const char *d = doc, *r = row;
    while (*d && *r && *r != '?') {
        size_t dn = strcspn(d, "/"), rn = strcspn(r, "/?");
        if (*d == '{') {
            if (rn == 0)
                return -1;
            wild++;
        } else if (dn != rn || strncmp(d, r, dn) != 0) {
            return -1;
        }
        d += dn;
        r += rn;
        if (*d == '/' && *r == '/') {
            d++;
            r++;
        } else if (*d == '/' || *r == '/') {
            return -1;
        }
    }
    return !*d && (!*r || *r == '?') ? wild : -1;
}

static struct endpoint *endpoint_of(struct world *w, const struct row *row)
{
    struct endpoint *best = NULL;
    int best_wild = INT_MAX;
    for (size_t i = 0; i < w->n_doc; i++) {
        if (strcmp(w->doc[i].method, row->method) != 0)
            continue;
        int m = path_match(w->doc[i].path, row->path);
        if (m >= 0 && m < best_wild) {
            best = &w->doc[i];
            best_wild = m;
        }
    }
    return best;
}

/* ---- Running the matrix --------------------------------------------------------------------- */

static void describe(const struct cell *e, char *buf, size_t cap)
{
    if (!e->status)
        snprintf(buf, cap, "2xx");
    else
        snprintf(buf, cap, "%d %s", e->status, e->code);
}

/* One call of the row by `role`, checked against its cell. */
static void check_call(struct world *w, struct ctx *c, const struct row *row, enum role role)
{
    char path[600], body[4096];
    expand(w, c, row->path, path, sizeof path);
    if (row->body)
        expand(w, c, row->body, body, sizeof body);
    const struct harness_user *u = c->who[role];
    struct harness_user fresh;
    if (u && (row->flags & FRESH_TOKEN)) {
        fresh = *u;
        if (harness_login(w->h, &fresh, NULL) != 200)
            fail_msg("%s cannot log in again", u->email);
        u = &fresh;
    }
    struct harness_resp r = {0};
    harness_call(w->h, row->method, path, u ? u->token : NULL, row->body ? body : NULL, NULL, &r);
    w->calls++;
    const struct cell *e = &row->expect[role];
    bool ok = e->status ? r.status == e->status && strcmp(harness_error_code(&r), e->code) == 0
                        : r.status >= 200 && r.status < 300;
    if (!ok) {
        char want[96];
        describe(e, want, sizeof want);
        fprintf(stderr, "# %s %s as %s: expected %s, got %ld %.300s\n", row->method, path,
                role_names[role], want, r.status, r.body ? r.body : "");
        w->mismatches++;
    }
    harness_resp_free(&r);
}

/* What the owner reads at the row's probe path: status and body. */
static char *probe(struct world *w, struct ctx *c, const char *tmpl)
{
    char path[600];
    expand(w, c, tmpl, path, sizeof path);
    struct harness_resp r = {0};
    harness_call(w->h, "GET", path, c->who[OWNER]->token, NULL, NULL, &r);
    harness_expect_status(&r, 200); /* a refusal would compare equal whatever happened */
    size_t cap = r.len + 32;
    char *out = malloc(cap);
    assert_non_null(out);
    snprintf(out, cap, "%ld %s", r.status, r.body ? r.body : "");
    harness_resp_free(&r);
    return out;
}

static void run_row(struct world *w, const struct row *row)
{
    const struct endpoint *e = endpoint_of(w, row);
    if (!e) {
        fprintf(stderr, "# %s %s is no endpoint of the index\n", row->method, row->path);
        w->mismatches++;
        return;
    }
    if (!e->served) {
        fprintf(stderr, "# %s %s: planned, not called\n", row->method, row->path);
        return;
    }
    w->rows++;
    struct ctx *c = calloc(1, sizeof *c);
    assert_non_null(c);
    make_ctx(w, row->world, c);
    char *before = row->probe ? probe(w, c, row->probe) : NULL;
    bool consumes = row->flags & CONSUMES;
    /* The refused calls; then those of bystanders acting on their own. */
    for (size_t i = 0; i < N_ROLES; i++)
        if (row->expect[call_order[i]].deny)
            check_call(w, c, row, call_order[i]);
    for (size_t i = 0; i < N_ROLES && !consumes; i++) {
        enum role who = call_order[i];
        if (!row->expect[who].deny && who != OWNER && who != PARTNER)
            check_call(w, c, row, who);
    }
    if (before) {
        char *after = probe(w, c, row->probe);
        if (strcmp(before, after) != 0) {
            fprintf(stderr,
                    "# %s %s: refused calls changed what the owner reads at %s:\n"
                    "#   before: %.400s\n#   after:  %.400s\n",
                    row->method, row->path, row->probe, before, after);
            w->mismatches++;
        }
        free(after);
        free(before);
    }
    /* The allowed calls left; one that uses up its world gets a fresh one. */
    bool used = false;
    for (size_t i = 0; i < N_ROLES; i++) {
        enum role who = call_order[i];
        if (row->expect[who].deny || (!consumes && who != OWNER && who != PARTNER))
            continue;
        if (consumes && used) {
            assert_true(row->world != SHARED);
            free(c);
            c = calloc(1, sizeof *c);
            assert_non_null(c);
            make_ctx(w, row->world, c);
        }
        check_call(w, c, row, who);
        used = true;
    }
    if (row->flags & UNFREEZE)
        unfreeze_bystanders(w, c);
    free(c);
}

static void run_table(struct world *w, const struct table *t)
{
    w->mismatches = 0;
    for (size_t i = 0; i < t->n; i++)
        run_row(w, &t->rows[i]);
    if (w->mismatches)
        fail_msg("%s: %d answers differ from docs/api.md (listed above)", t->name, w->mismatches);
}

/* ---- The world -------------------------------------------------------------------------- */

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w || harness_start(&w->h) != 0)
        return -1;
    *state = w;
    read_index(w);
    person(w, "Amina Diallo", "mentee", "together", &w->amina);
    person(w, "Bilal Haddad", "mentee", "together", &w->bilal);
    person(w, "Lan Nguyen", "mentor", "together", &w->lan);
    person(w, "Nadia Petrova", "mentor", "together", &w->nadia);
    person(w, "Kwame Mensah", "mentor", "together", &w->kwame);
    /* The two teams: each applied to "iom-2025" once, like anyone. */
    person(w, "Teresa Lima", "mentee", "iom-2025", &w->teresa);
    person(w, "Xavier Okafor", "mentee", "iom-2025", &w->xavier);
    if (harness_appoint(w->h, w->teresa.email, "together") != 0 ||
        harness_appoint(w->h, w->xavier.email, "iom-2025") != 0)
        return -1;
    const struct harness_user *everyone[] = {&w->amina, &w->bilal,  &w->lan,   &w->nadia,
                                             &w->kwame, &w->teresa, &w->xavier};
    for (size_t i = 0; i < sizeof everyone / sizeof everyone[0]; i++)
        equip(w, everyone[i]);

    struct ctx *c = &w->shared;
    c->programme = "together";
    c->who[ANON] = NULL;
    c->who[OWNER] = &w->amina;
    c->who[MENTEE] = &w->bilal;
    c->who[MENTOR] = &w->nadia;
    c->who[PARTNER] = &w->lan;
    c->who[OUTSIDER] = &w->xavier;
    c->who[ADMIN] = &w->teresa;

    struct harness_resp r = {0};
    char body[600];
    snprintf(body, sizeof body, "{\"mentor_id\":%lld}", (long long)w->nadia.id);
    must(w, &w->amina, "POST", "/v1/programmes/together/wishlist", body, 201, &r);
    must(w, &w->bilal, "POST", "/v1/programmes/together/wishlist", body, 201, &r);
    w->accepted_request = send_request(w, "together", &w->amina, &w->lan);
    c->request = w->accepted_request;
    c->pairing = accept_request(w, "together", &w->lan, c->request, &c->session);
    c->session = book(w, c, &w->amina);
    new_note_id(w, c->private_note);
    write_note(w, &w->amina, "together", c->private_note, 0);
    new_note_id(w, c->shared_note);
    write_note(w, &w->amina, "together", c->shared_note, c->pairing);
    c->note_version = 1;
    char path[160];
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld/pair-keys",
             (long long)c->pairing);
    snprintf(body, sizeof body,
             "{\"version\":1,\"copies\":[{\"recipient_id\":%lld,\"recipient_key_version\":1,"
             "\"sealed\":\"" SEALED "\",\"signature\":\"" SIGNATURE "\"},{\"recipient_id\":%lld,"
             "\"recipient_key_version\":1,\"sealed\":\"" SEALED "\",\"signature\":\"" SIGNATURE
             "\"}]}",
             (long long)w->amina.id, (long long)w->lan.id);
    must(w, &w->amina, "POST", path, body, 201, &r);
    c->pair_key_version = 1;
    must(w, &w->amina, "GET", "/v1/me/notifications?unread=true", NULL, 200, &r);
    c->notification =
        int_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0), "id");
    harness_resp_free(&r);
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w) {
        fprintf(stderr, "# the matrix: %d rows, %d calls\n", w->rows, w->calls);
        harness_stop(w->h);
    }
    free(w);
    return 0;
}

/* ---- The tests ---------------------------------------------------------------------------- */

/* Every served endpoint of the index has at least one row, and every row
 * names an endpoint of the index. */
static void every_served_endpoint_says_who_may_call_it(void **state)
{
    struct world *w = *state;
    assert_true(w->n_doc > 60);
    int missing = 0, stray = 0, served = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (size_t i = 0; i < tables[t].n; i++) {
            struct endpoint *e = endpoint_of(w, &tables[t].rows[i]);
            if (e) {
                e->covered = true;
            } else {
                fprintf(stderr, "# the row %s %s names no endpoint of the index\n",
                        tables[t].rows[i].method, tables[t].rows[i].path);
                stray++;
            }
        }
    for (size_t i = 0; i < w->n_doc; i++) {
        served += w->doc[i].served;
        if (w->doc[i].served && !w->doc[i].covered) {
            fprintf(stderr, "# %s %s is served but has no row in the authorization matrix\n",
                    w->doc[i].method, w->doc[i].path);
            missing++;
        }
    }
    fprintf(stderr, "# %d served endpoints, all with a row\n", served - missing);
    if (missing || stray)
        fail_msg("%d served endpoints without a row, %d rows without an endpoint", missing, stray);
}

static void public_routes_answer_everyone(void **state)
{
    static const struct table t = TABLE(public_rows);
    run_table(*state, &t);
}

static void my_account_answers_to_me_alone(void **state)
{
    static const struct table t = TABLE(account_rows);
    run_table(*state, &t);
}

static void a_programme_shows_itself_to_its_members_only(void **state)
{
    static const struct table t = TABLE(member_rows);
    run_table(*state, &t);
}

static void wish_lists_and_requests_stay_between_mentee_and_mentor(void **state)
{
    static const struct table t = TABLE(request_rows);
    run_table(*state, &t);
}

static void a_pairing_and_its_sessions_belong_to_its_two_members(void **state)
{
    static const struct table t = TABLE(pairing_rows);
    run_table(*state, &t);
}

static void only_the_author_writes_a_note_and_only_the_pair_reads_it(void **state)
{
    static const struct table t = TABLE(note_rows);
    run_table(*state, &t);
}

static void administration_is_for_the_programmes_own_team(void **state)
{
    static const struct table t = TABLE(admin_rows);
    run_table(*state, &t);
}

/* Neither the canary ciphertext nor a note id of the world in `body`. */
static void expect_no_note(const struct world *w, const char *what, const struct harness_resp *r)
{
    const char *body = r->body ? r->body : "";
    if (strstr(body, CANARY) || strstr(body, w->shared.private_note) ||
        strstr(body, w->shared.shared_note))
        fail_msg("%s carries a note record: %.600s", what, body);
}

/* The programme's own administrators read every administration route and
 * report, and none carries a note; the notes themselves are not theirs to
 * read, through any programme's path. */
static void the_programme_team_never_sees_a_note(void **state)
{
    struct world *w = *state;
    const struct ctx *c = &w->shared;
    struct harness_resp r = {0};
    char paths[20][200];
    size_t n = 0;
    static const char *const fixed[] = {"stats", "participants", "pairings", "feedback",
                                        "pairings?state=active"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        snprintf(paths[n++], sizeof paths[0], "/v1/programmes/together/admin/%s", fixed[i]);
    const struct harness_user *people[] = {&w->amina, &w->lan};
    for (size_t i = 0; i < 2; i++) {
        snprintf(paths[n++], sizeof paths[0], "/v1/programmes/together/admin/participants/%lld",
                 (long long)people[i]->id);
        snprintf(paths[n++], sizeof paths[0], "/v1/programmes/together/admin/pairings?user_id=%lld",
                 (long long)people[i]->id);
    }
    snprintf(paths[n++], sizeof paths[0], "/v1/programmes/together/admin/feedback?pairing_id=%lld",
             (long long)c->pairing);
    static const char *const reports[] = {"participants", "requests", "pairings",
                                          "sessions",     "feedback", "surveys"};
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        snprintf(paths[n++], sizeof paths[0], "/v1/programmes/together/admin/export/%s",
                 reports[i]);
    for (size_t i = 0; i < n; i++) {
        must(w, &w->teresa, "GET", paths[i], NULL, 200, &r);
        expect_no_note(w, paths[i], &r);
    }
    /* Nor through the participant's routes, in this programme or another. */
    const char *ids[] = {c->private_note, c->shared_note};
    char path[200];
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/v1/programmes/together/notes/%s", ids[i]);
        harness_call(w->h, "GET", path, w->teresa.token, NULL, NULL, &r);
        harness_expect_error(&r, 404, "not_found");
        expect_no_note(w, path, &r);
        harness_call(w->h, "GET", path, w->xavier.token, NULL, NULL, &r);
        harness_expect_error(&r, 403, "forbidden");
        expect_no_note(w, path, &r);
        snprintf(path, sizeof path, "/v1/programmes/iom-2025/notes/%s", ids[i]);
        harness_call(w->h, "GET", path, w->xavier.token, NULL, NULL, &r);
        harness_expect_error(&r, 404, "not_found");
        expect_no_note(w, path, &r);
    }
    must(w, &w->teresa, "GET", "/v1/programmes/together/notes?deleted=include", NULL, 200, &r);
    expect_no_note(w, "the team's note list", &r);
    must(w, &w->teresa, "POST", "/v1/sync", "{\"programme\":\"together\"}", 200, &r);
    expect_no_note(w, "the team's sync", &r);
    must(w, &w->xavier, "POST", "/v1/sync", "{\"programme\":\"iom-2025\"}", 200, &r);
    expect_no_note(w, "another team's sync", &r);
    harness_resp_free(&r);
}

/* Which of the world's notes a list holds: bit 0 the private, bit 1 the shared. */
static unsigned notes_listed(struct world *w, const struct harness_user *u, const char *path,
                             const char *sync_body)
{
    struct harness_resp r = {0};
    must(w, u, sync_body ? "POST" : "GET", path, sync_body, 200, &r);
    const cJSON *items = sync_body
                             ? cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(r.json, "changes"), "notes")
                             : cJSON_GetObjectItemCaseSensitive(r.json, "items");
    unsigned seen = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *id = harness_str(it, "id");
        if (id && strcmp(id, w->shared.private_note) == 0)
            seen |= 1;
        if (id && strcmp(id, w->shared.shared_note) == 0)
            seen |= 2;
    }
    harness_resp_free(&r);
    return seen;
}

/* The author lists both notes, the partner the shared one, anyone else none:
 * by the list, by the pairing filter and by sync. */
static void a_note_is_read_by_its_author_and_partner_only(void **state)
{
    struct world *w = *state;
    const struct ctx *c = &w->shared;
    char by_pairing[160];
    snprintf(by_pairing, sizeof by_pairing,
             "/v1/programmes/together/notes?deleted=include&pairing_id=%lld",
             (long long)c->pairing);
    const char *list = "/v1/programmes/together/notes?deleted=include&per_page=200";
    const char *sync = "{\"programme\":\"together\"}";
    const struct {
        const struct harness_user *u;
        unsigned sees;
    } people[] = {
        {&w->amina, 3}, {&w->lan, 2}, {&w->bilal, 0}, {&w->nadia, 0}, {&w->teresa, 0},
    };
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        if (notes_listed(w, people[i].u, list, NULL) != people[i].sees ||
            notes_listed(w, people[i].u, "/v1/sync", sync) != people[i].sees)
            fail_msg("%s lists other notes than %u", people[i].u->email, people[i].sees);
        if (people[i].sees) {
            assert_int_equal(notes_listed(w, people[i].u, by_pairing, NULL), 2);
        } else {
            struct harness_resp r = {0};
            harness_call(w->h, "GET", by_pairing, people[i].u->token, NULL, NULL, &r);
            harness_expect_error(&r, 403, "not_in_pairing");
            harness_resp_free(&r);
        }
    }
}

/* The result of operation `i` of a sync answer: its status and code. */
static void expect_op(const struct harness_resp *r, int i, long status, const char *code)
{
    const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "results"), i);
    int64_t got = 0;
    const cJSON *err =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "body"), "error");
    const char *got_code = harness_str(err, "code");
    if (!harness_int(res, "status", &got) || got != status || !got_code ||
        strcmp(got_code, code) != 0)
        fail_msg("operation %d: expected %ld %s, got %s", i, status, code,
                 res ? cJSON_PrintUnformatted(res) : "nothing");
}

/* Operations in a sync are refused exactly as the routes they stand for,
 * and change nothing. */
static void sync_refuses_what_the_routes_refuse(void **state)
{
    struct world *w = *state;
    const struct ctx *c = &w->shared;
    struct harness_resp r = {0};
    char path[200], probes[3][200];
    snprintf(probes[0], sizeof probes[0], "/v1/programmes/together/pairings/%lld",
             (long long)c->pairing);
    snprintf(probes[1], sizeof probes[1], "/v1/programmes/together/sessions/%lld",
             (long long)c->session);
    snprintf(probes[2], sizeof probes[2], "/v1/programmes/together/notes?deleted=include");
    char *seen[3];
    for (size_t i = 0; i < 3; i++) {
        must(w, &w->amina, "GET", probes[i], NULL, 200, &r);
        seen[i] = strdup(r.body);
    }
    char body[2048];
    snprintf(body, sizeof body,
             "{\"programme\":\"together\",\"ops\":["
             "{\"op_id\":\"authz-sync-end-1\",\"type\":\"pairing.end\","
             "\"body\":{\"pairing_id\":%lld,\"reason\":\"no_time\"}},"
             "{\"op_id\":\"authz-sync-cancel-1\",\"type\":\"session.cancel\","
             "\"body\":{\"session_id\":%lld}},"
             "{\"op_id\":\"authz-sync-note-1\",\"type\":\"note.put\",\"body\":{\"id\":\"%s\","
             "\"base_version\":1,\"ciphertext\":\"" EDITED "\"}},"
             "{\"op_id\":\"authz-sync-note-2\",\"type\":\"note.delete\","
             "\"body\":{\"id\":\"%s\",\"base_version\":1}},"
             "{\"op_id\":\"authz-sync-withdraw-1\",\"type\":\"request.withdraw\","
             "\"body\":{\"request_id\":%lld}},"
             "{\"op_id\":\"authz-sync-accept-1\",\"type\":\"request.accept\","
             "\"body\":{\"request_id\":%lld}}]}",
             (long long)c->pairing, (long long)c->session, c->private_note, c->shared_note,
             (long long)w->accepted_request, (long long)w->accepted_request);
    must(w, &w->bilal, "POST", "/v1/sync", body, 200, &r);
    expect_op(&r, 0, 403, "not_in_pairing");
    expect_op(&r, 1, 403, "not_in_pairing");
    expect_op(&r, 2, 404, "not_found");
    expect_op(&r, 3, 404, "not_found");
    expect_op(&r, 4, 403, "not_your_request");
    expect_op(&r, 5, 403, "role_required");
    expect_no_note(w, "another mentee's sync", &r);
    /* The partner reads the shared note but does not write it. */
    snprintf(body, sizeof body,
             "{\"programme\":\"together\",\"ops\":["
             "{\"op_id\":\"authz-sync-note-3\",\"type\":\"note.put\",\"body\":{\"id\":\"%s\","
             "\"base_version\":1,\"ciphertext\":\"" EDITED "\",\"pairing_id\":%lld}},"
             "{\"op_id\":\"authz-sync-note-4\",\"type\":\"note.delete\","
             "\"body\":{\"id\":\"%s\",\"base_version\":1}}]}",
             c->shared_note, (long long)c->pairing, c->private_note);
    must(w, &w->lan, "POST", "/v1/sync", body, 200, &r);
    expect_op(&r, 0, 403, "not_your_note");
    expect_op(&r, 1, 404, "not_found");
    /* Outside the programme: not the sync, and not by way of another. */
    harness_call(w->h, "POST", "/v1/sync", w->xavier.token, "{\"programme\":\"together\"}", NULL,
                 &r);
    harness_expect_error(&r, 403, "forbidden");
    snprintf(body, sizeof body,
             "{\"programme\":\"iom-2025\",\"ops\":["
             "{\"op_id\":\"authz-sync-end-2\",\"type\":\"pairing.end\","
             "\"body\":{\"pairing_id\":%lld,\"reason\":\"no_time\"}},"
             "{\"op_id\":\"authz-sync-note-5\",\"type\":\"note.delete\","
             "\"body\":{\"id\":\"%s\",\"base_version\":1}}]}",
             (long long)c->pairing, c->private_note);
    must(w, &w->xavier, "POST", "/v1/sync", body, 200, &r);
    expect_op(&r, 0, 404, "not_found");
    expect_op(&r, 1, 404, "not_found");
    for (size_t i = 0; i < 3; i++) {
        must(w, &w->amina, "GET", probes[i], NULL, 200, &r);
        if (strcmp(seen[i], r.body) != 0)
            fail_msg("refused operations changed %s:\n%s\n%s", probes[i], seen[i], r.body);
        free(seen[i]);
    }
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)c->pairing);
    must(w, &w->amina, "GET", path, NULL, 200, &r);
    assert_string_equal(harness_str(r.json, "state"), "active");
    harness_resp_free(&r);
}

/* Another programme's team, through its own programme's paths, reaches
 * nothing of this one: the ids of "together" name nothing in "iom-2025". */
static void another_programmes_paths_reach_nothing_here(void **state)
{
    struct world *w = *state;
    const struct ctx *c = &w->shared;
    struct harness_resp r = {0};
    char path[200];
    static const struct {
        const char *method, *path, *body;
    } calls[] = {
        {"GET", "/v1/programmes/iom-2025/pairings/{pairing_id}", NULL},
        {"GET", "/v1/programmes/iom-2025/pairings/{pairing_id}/sessions", NULL},
        {"GET", "/v1/programmes/iom-2025/pairings/{pairing_id}/keys", NULL},
        {"GET", "/v1/programmes/iom-2025/pairings/{pairing_id}/pair-keys", NULL},
        {"GET", "/v1/programmes/iom-2025/sessions/{session_id}", NULL},
        {"POST", "/v1/programmes/iom-2025/sessions/{session_id}/cancel", "{}"},
        {"GET", "/v1/programmes/iom-2025/requests/{request_id}", NULL},
        {"GET", "/v1/programmes/iom-2025/admin/participants/{owner_id}", NULL},
        {"POST", "/v1/programmes/iom-2025/admin/pairings/{pairing_id}/end",
         "{\"reason\":\"no_time\"}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        expand(w, c, calls[i].path, path, sizeof path);
        harness_call(w->h, calls[i].method, path, w->xavier.token, calls[i].body, NULL, &r);
        harness_expect_error(&r, 404, "not_found");
    }
    /* The team's lists, filtered by this programme's ids, are empty. */
    snprintf(path, sizeof path, "/v1/programmes/iom-2025/admin/pairings?user_id=%lld",
             (long long)w->amina.id);
    must(w, &w->xavier, "GET", path, NULL, 200, &r);
    assert_int_equal(int_of(r.json, "total"), 0);
    snprintf(path, sizeof path, "/v1/programmes/iom-2025/admin/feedback?pairing_id=%lld",
             (long long)c->pairing);
    must(w, &w->xavier, "GET", path, NULL, 200, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
    /* And the pairing goes on. */
    snprintf(path, sizeof path, "/v1/programmes/together/pairings/%lld", (long long)c->pairing);
    must(w, &w->amina, "GET", path, NULL, 200, &r);
    assert_string_equal(harness_str(r.json, "state"), "active");
    harness_resp_free(&r);
}

/* An idempotency key is no credential: a registration's key, replayed with
 * another body, gives no token to the account it made. */
static void a_registration_key_opens_no_account(void **state)
{
    struct world *w = *state;
    char key[64], email[128];
    snprintf(key, sizeof key, "reg-authz-%ld-%u", (long)getpid(), ++w->fresh);
    harness_email(w->h, "keyholder", email, sizeof email);
    cJSON *p = harness_profile_new("Key Holder");
    struct harness_account a = {.email = email, .profile = p, .idempotency_key = key};
    struct harness_user owner;
    harness_register_ok(w->h, &a, &owner);
    /* Someone else, with the same key: another address, or the owner's
     * address with another password. */
    struct harness_account other = {.profile = p, .idempotency_key = key};
    struct harness_account guess = {.email = email,
                                    .password = "not the owner's password",
                                    .profile = p,
                                    .idempotency_key = key};
    const struct harness_account *intruders[] = {&other, &guess};
    struct harness_resp r = {0};
    for (size_t i = 0; i < 2; i++) {
        harness_register(w->h, intruders[i], NULL, &r);
        harness_expect_error(&r, 422, "idempotency_key_reused");
        assert_null(harness_str(r.json, "token"));
    }
    /* The owner's own repeat is still answered, with a token of theirs. */
    harness_register(w->h, &a, NULL, &r);
    harness_expect_status(&r, 201);
    assert_string_equal(r.idempotent_replay, "true");
    assert_int_equal(int_of(r.json, "user_id"), owner.id);
    harness_resp_free(&r);
    cJSON_Delete(p);
}

static void server_exits_cleanly(void **state)
{
    struct world *w = *state;
    assert_int_equal(harness_stop_server(w->h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_served_endpoint_says_who_may_call_it),
        cmocka_unit_test(public_routes_answer_everyone),
        cmocka_unit_test(my_account_answers_to_me_alone),
        cmocka_unit_test(a_programme_shows_itself_to_its_members_only),
        cmocka_unit_test(wish_lists_and_requests_stay_between_mentee_and_mentor),
        cmocka_unit_test(a_pairing_and_its_sessions_belong_to_its_two_members),
        cmocka_unit_test(only_the_author_writes_a_note_and_only_the_pair_reads_it),
        cmocka_unit_test(administration_is_for_the_programmes_own_team),
        cmocka_unit_test(the_programme_team_never_sees_a_note),
        cmocka_unit_test(a_note_is_read_by_its_author_and_partner_only),
        cmocka_unit_test(sync_refuses_what_the_routes_refuse),
        cmocka_unit_test(another_programmes_paths_reach_nothing_here),
        cmocka_unit_test(a_registration_key_opens_no_account),
        cmocka_unit_test(server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

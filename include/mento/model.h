/* model.h - the data model shared by mento and mentod.
 * Plain structs that own their strings; each has an init and a free. Times are
 * UTC seconds since the epoch (int64_t); on the wire they are RFC 3339 strings. */
#ifndef MENTO_MODEL_H
#define MENTO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"

/* ---- Grades -------------------------------------------------------------- */

/* Ordered from junior to senior within each category; see mento_grade_rank. */
#define MENTO_GRADE_LIST(X)                                                                        \
    X(G1, "G-1") X(G2, "G-2") X(G3, "G-3") X(G4, "G-4") X(G5, "G-5") X(G6, "G-6") X(G7, "G-7")     \
    X(NOA, "NO-A") X(NOB, "NO-B") X(NOC, "NO-C") X(NOD, "NO-D")                                    \
    X(P1, "P-1") X(P2, "P-2") X(P3, "P-3") X(P4, "P-4") X(P5, "P-5")                               \
    X(D1, "D-1") X(D2, "D-2")                                                                      \
    X(UG, "UG") X(FS, "FS") X(RETIREE, "retiree")

typedef enum {
    MENTO_GRADE_NONE = 0,
#define MENTO_GRADE_ENUM(id, name) MENTO_GRADE_##id,
    MENTO_GRADE_LIST(MENTO_GRADE_ENUM)
#undef MENTO_GRADE_ENUM
        MENTO_GRADE_COUNT
} mento_grade;

/* "P-3" for MENTO_GRADE_P3; "" for NONE or out of range. */
const char *mento_grade_name(mento_grade g);
/* Exact, case-sensitive match of a name from MENTO_GRADE_LIST. */
mento_status mento_grade_parse(const char *s, mento_grade *out);
/* Seniority on one scale (G-1 lowest ... D-2 highest, retirees high, UG above
 * the top professional grade); used to prefer mentors senior to the mentee. */
int mento_grade_rank(mento_grade g);

/* ---- Small enums --------------------------------------------------------- */

enum mento_lang {
    MENTO_LANG_EN = 1u << 0,
    MENTO_LANG_FR = 1u << 1,
};
#define MENTO_LANG_ALL (MENTO_LANG_EN | MENTO_LANG_FR)

enum mento_role {
    MENTO_ROLE_MENTEE = 1u << 0,
    MENTO_ROLE_MENTOR = 1u << 1,
    MENTO_ROLE_ADMIN = 1u << 2,
};

typedef enum { MENTO_KIND_MENTORING = 0, MENTO_KIND_NETWORKING } mento_kind;

typedef enum { MENTO_PROGRAMME_EVERGREEN = 0, MENTO_PROGRAMME_COHORT } mento_programme_kind;
typedef enum { MENTO_MATCHING_MENTEE_LED = 0, MENTO_MATCHING_ADMIN_LED } mento_matching;
/* Which eligibility rule set of RULES.md a programme applies. */
typedef enum {
    MENTO_ELIGIBILITY_TOGETHER = 0,
    MENTO_ELIGIBILITY_IOM,
    MENTO_ELIGIBILITY_UNDP_JPO,
} mento_eligibility;

typedef enum {
    MENTO_REQUEST_OPEN = 0,
    MENTO_REQUEST_ACCEPTED,
    MENTO_REQUEST_DECLINED,
    MENTO_REQUEST_EXPIRED,
    MENTO_REQUEST_WITHDRAWN,
    MENTO_REQUEST_PASSED_ON, /* declined because the mentor became full */
} mento_request_state;

typedef enum { MENTO_PAIRING_ACTIVE = 0, MENTO_PAIRING_ENDED } mento_pairing_state;

typedef enum {
    MENTO_SESSION_PLANNED = 0, /* in the plan, not booked yet */
    MENTO_SESSION_BOOKED,
    MENTO_SESSION_DONE,
    MENTO_SESSION_CANCELLED,
} mento_session_state;

/* ---- Questionnaire ------------------------------------------------------- */

typedef enum {
    MENTO_Q_TEXT = 0, /* free text up to max_len characters */
    MENTO_Q_CHOICE,   /* one value of a fixed list (grade, appointment type) */
    MENTO_Q_INT,      /* integer in [min, max] */
    MENTO_Q_LANGS,    /* list of language codes: "en", "fr" */
    MENTO_Q_TAGS,     /* list of short tags (skills, goals) */
    MENTO_Q_TIMEZONE, /* IANA time zone name */
    MENTO_Q_URL,      /* https URL */
} mento_question_type;

typedef enum {
    MENTO_VIS_SHOWN = 0,  /* on the profile other participants see */
    MENTO_VIS_ADMIN_ONLY, /* seen by the owner and programme administrators only */
} mento_visibility;

/* X(id, key, type, visibility, max_len_or_max, label) */
#define MENTO_QUESTION_LIST(X)                                                                     \
    X(NAME, "name", MENTO_Q_TEXT, MENTO_VIS_SHOWN, 120, "Full name")                               \
    X(INDEX_NUMBER, "index_number", MENTO_Q_TEXT, MENTO_VIS_ADMIN_ONLY, 32, "Index number")         \
    X(GRADE, "grade", MENTO_Q_CHOICE, MENTO_VIS_SHOWN, 0, "Grade or level")                        \
    X(JOB_NETWORK, "job_network", MENTO_Q_TEXT, MENTO_VIS_SHOWN, 120, "Job network")               \
    X(ENTITY, "entity", MENTO_Q_TEXT, MENTO_VIS_SHOWN, 120, "Entity")                              \
    X(DUTY_STATION, "duty_station", MENTO_Q_TEXT, MENTO_VIS_SHOWN, 120, "Duty station")            \
    X(TIMEZONE, "timezone", MENTO_Q_TIMEZONE, MENTO_VIS_SHOWN, 64, "Time zone")                    \
    X(LANGUAGES, "languages", MENTO_Q_LANGS, MENTO_VIS_SHOWN, 0, "Languages for sessions")         \
    X(YEARS_EXPERIENCE, "years_experience", MENTO_Q_INT, MENTO_VIS_SHOWN, 60, "Years of experience") \
    X(JPO_MONTHS, "jpo_months", MENTO_Q_INT, MENTO_VIS_ADMIN_ONLY, 600, "Months served as JPO")   \
    X(APPOINTMENT_TYPE, "appointment_type", MENTO_Q_CHOICE, MENTO_VIS_ADMIN_ONLY, 0,              \
      "Appointment type")                                                                          \
    X(SKILLS, "skills", MENTO_Q_TAGS, MENTO_VIS_SHOWN, 48, "Skills and expertise")                 \
    X(GOALS, "goals", MENTO_Q_TAGS, MENTO_VIS_SHOWN, 48, "Goals")                                  \
    X(BIO, "bio", MENTO_Q_TEXT, MENTO_VIS_SHOWN, 2000, "Short biography")                          \
    X(LINKEDIN, "linkedin", MENTO_Q_URL, MENTO_VIS_SHOWN, 200, "LinkedIn profile URL")

typedef enum {
#define MENTO_Q_ENUM(id, key, type, vis, max, label) MENTO_QUESTION_##id,
    MENTO_QUESTION_LIST(MENTO_Q_ENUM)
#undef MENTO_Q_ENUM
        MENTO_QUESTION_COUNT
} mento_question_id;

struct mento_question {
    mento_question_id id;
    const char *key;
    mento_question_type type;
    mento_visibility visibility;
    int max;           /* characters for text (per tag for TAGS), upper bound for INT */
    const char *label; /* English label */
};

/* The whole questionnaire, MENTO_QUESTION_COUNT entries in list order. */
const struct mento_question *mento_questionnaire(void);
/* NULL when no question has that key. */
const struct mento_question *mento_question_find(const char *key);

#define MENTO_MAX_TAGS 16

/* Appointment types accepted in the questionnaire. */
#define MENTO_APPOINTMENT_LIST(X)                                                                  \
    X("fixed-term") X("continuing") X("permanent") X("temporary") X("jpo") X("consultant")          \
    X("retiree")

/* ---- Profile ------------------------------------------------------------- */

struct mento_profile {
    int64_t user_id;
    char *name;
    char *email; /* shown to the owner, a partner and administrators only */
    char *index_number;
    mento_grade grade;
    char *job_network;
    char *entity;
    char *duty_station;
    char *timezone; /* IANA name, e.g. "Africa/Nairobi" */
    unsigned languages; /* enum mento_lang bits */
    int years_experience;
    int jpo_months; /* -1 when not answered */
    char *appointment_type;
    char *bio;
    char *linkedin;
    size_t n_skills;
    char *skills[MENTO_MAX_TAGS];
    size_t n_goals;
    char *goals[MENTO_MAX_TAGS];
};

void mento_profile_init(struct mento_profile *p);
void mento_profile_free(struct mento_profile *p); /* frees members, re-inits */
mento_status mento_profile_copy(struct mento_profile *dst, const struct mento_profile *src);

/* ---- Programme ----------------------------------------------------------- */

struct mento_resource {
    char *id;
    char *kind; /* "handbook", "agenda", "topic" */
    char *title;
    char *body; /* Markdown */
};

struct mento_programme {
    char *id; /* slug: "together", "iom-2025", "undp-jpo" */
    char *name;
    char *description;
    mento_programme_kind kind;
    mento_matching matching;
    mento_eligibility eligibility;
    unsigned languages; /* languages sessions may be held in */
    int mentor_capacity_default; /* [3] */
    int mentor_capacity_max;     /* [3] */
    int mentee_max_mentors;      /* [2] */
    int request_days;            /* [3] */
    int reminder_hours;          /* [48] */
    int auto_end_days;           /* [90] */
    int auto_end_warning_days;   /* [14] */
    /* Cohort programmes only (0 otherwise). */
    int64_t applications_open;
    int64_t applications_close;
    int64_t pairing_announced;
    int length_months;
    size_t n_agenda;
    char **agenda; /* agenda[i] is the agenda of session i+1 */
    size_t n_resources;
    struct mento_resource *resources;
};

void mento_programme_init(struct mento_programme *p); /* sets the RULES.md defaults */
void mento_programme_free(struct mento_programme *p);

/* ---- Directory ----------------------------------------------------------- */

typedef enum {
    MENTO_REASON_JOB_NETWORK = 0, /* shared job network */
    MENTO_REASON_GOALS,           /* mentee goals match mentor expertise */
    MENTO_REASON_SENIORITY,       /* mentor is senior to the mentee */
    MENTO_REASON_LANGUAGES,       /* more than one shared session language */
    MENTO_REASON_DUTY_STATION,    /* same duty station */
    MENTO_REASON_TIMEZONE,        /* close time zones: easy to meet */
    MENTO_REASON_OTHER_ENTITY,    /* a view from another entity */
    MENTO_REASON_EXPERIENCE,      /* many years of experience */
    MENTO_REASON_COUNT
} mento_reason_code;

#define MENTO_MAX_REASONS 8

struct mento_reason {
    mento_reason_code code;
    int points;
    char detail[96]; /* e.g. the shared job network, the matching goals */
};

struct mento_score {
    int total; /* 0..100 */
    size_t n_reasons;
    struct mento_reason reasons[MENTO_MAX_REASONS];
};

/* "job_network" etc.; stable wire name of a reason code. */
const char *mento_reason_name(mento_reason_code c);

/* ---- Answers from a fixed list -------------------------------------------- */

/* A fixed list of answers: the wire names (NULL-terminated, as the API
 * takes them) and, in the same order, what a person reads for each. */
struct mento_answers {
    const char *const *names;
    const char *const *labels;
    size_t n;
};

extern const struct mento_answers mento_end_reasons; /* why a pairing ends */
extern const struct mento_answers mento_progress;    /* progress on goals, after a session */
extern const struct mento_answers mento_fit;         /* how well the pairing fits */

/* True when `name` is one of `a`'s answers. */
bool mento_answer_known(const struct mento_answers *a, const char *name);
/* What a person reads for `name`; `name` itself when it is not one of them. */
const char *mento_answer_label(const struct mento_answers *a, const char *name);

/* ---- Workflow (served in full by the programme rules issue) -------------- */

struct mento_wish {
    int64_t mentor_id;
    int position; /* 1-based */
    bool available;
};

struct mento_request {
    int64_t id;
    char *programme_id;
    int64_t mentee_id;
    int64_t mentor_id;
    mento_kind kind;
    mento_request_state state;
    char *message;
    char *decline_reason;
    int64_t sent_at;
    int64_t deadline;
    int64_t decided_at; /* 0 while open */
};

struct mento_pairing {
    int64_t id;
    char *programme_id;
    int64_t mentor_id;
    int64_t mentee_id;
    mento_kind kind;
    mento_pairing_state state;
    int64_t started_at;
    int64_t ended_at; /* 0 while active */
    char *end_reason;
    int sessions_done;
    int64_t next_session; /* 0 when none is booked */
};

struct mento_session {
    int64_t id;
    int64_t pairing_id;
    int number; /* 1-based place in the plan */
    char *agenda;
    mento_session_state state;
    int64_t starts_at;
    char *timezone;
    int duration_min; /* 30, 45 or 60 */
};

struct mento_note_record {
    char *id; /* client-chosen UUID */
    int64_t owner_id;
    int64_t pairing_id; /* 0: private to the owner */
    int64_t version;
    bool deleted; /* tombstone */
    unsigned char *ciphertext;
    size_t ciphertext_len;
    int64_t updated_at;
};

struct mento_notification {
    int64_t id;
    char *kind; /* "request_received", "request_accepted", ... */
    char *text;
    char *ref_kind; /* "request", "pairing", "session" or NULL */
    int64_t ref_id;
    int64_t created_at;
    bool read;
};

void mento_request_free(struct mento_request *r);
void mento_pairing_free(struct mento_pairing *p);
void mento_session_free(struct mento_session *s);
void mento_note_record_free(struct mento_note_record *n);
void mento_notification_free(struct mento_notification *n);

/* Wire names of the enums above ("open", "mentoring", "booked", ...), and
 * their parsers (MENTO_ERR_INVALID on an unknown name). */
const char *mento_kind_name(mento_kind k);
mento_status mento_kind_parse(const char *s, mento_kind *out);
const char *mento_request_state_name(mento_request_state s);
mento_status mento_request_state_parse(const char *s, mento_request_state *out);
const char *mento_session_state_name(mento_session_state s);
mento_status mento_session_state_parse(const char *s, mento_session_state *out);
const char *mento_pairing_state_name(mento_pairing_state s);
mento_status mento_pairing_state_parse(const char *s, mento_pairing_state *out);
const char *mento_programme_kind_name(mento_programme_kind k);
mento_status mento_programme_kind_parse(const char *s, mento_programme_kind *out);
const char *mento_matching_name(mento_matching m);
mento_status mento_matching_parse(const char *s, mento_matching *out);
const char *mento_eligibility_name(mento_eligibility e);
mento_status mento_eligibility_parse(const char *s, mento_eligibility *out);

#endif

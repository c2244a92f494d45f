/* model.c - the model's tables (grades, questionnaire, enum names) and the
 * init/free functions of its structs. */
#include <stdlib.h>
#include <string.h>

#include "mento/model.h"

/* ---- Grades ---------------------------------------------------------------- */

static const char *const grade_names[MENTO_GRADE_COUNT] = {
    [MENTO_GRADE_NONE] = "",
#define MENTO_GRADE_NAME(id, name) [MENTO_GRADE_##id] = name,
    MENTO_GRADE_LIST(MENTO_GRADE_NAME)
#undef MENTO_GRADE_NAME
};

const char *mento_grade_name(mento_grade g)
{
    if ((unsigned)g >= MENTO_GRADE_COUNT)
        return "";
    return grade_names[g];
}

mento_status mento_grade_parse(const char *s, mento_grade *out)
{
    if (!s)
        return MENTO_ERR_INVALID;
    for (int g = 1; g < MENTO_GRADE_COUNT; g++)
        if (strcmp(s, grade_names[g]) == 0) {
            *out = (mento_grade)g;
            return MENTO_OK;
        }
    return MENTO_ERR_INVALID;
}

int mento_grade_rank(mento_grade g)
{
    /* One scale of responsibility: general service, national officers, then
     * professional and director grades. UG (ungraded senior posts) and
     * retirees sit near the top; field service beside the mid professionals. */
    static const int rank[MENTO_GRADE_COUNT] = {
        [MENTO_GRADE_NONE] = 0, [MENTO_GRADE_G1] = 1,  [MENTO_GRADE_G2] = 2,
        [MENTO_GRADE_G3] = 3,   [MENTO_GRADE_G4] = 4,  [MENTO_GRADE_G5] = 5,
        [MENTO_GRADE_G6] = 6,   [MENTO_GRADE_G7] = 7,  [MENTO_GRADE_NOA] = 8,
        [MENTO_GRADE_NOB] = 9,  [MENTO_GRADE_NOC] = 10, [MENTO_GRADE_NOD] = 11,
        [MENTO_GRADE_P1] = 8,   [MENTO_GRADE_P2] = 9,  [MENTO_GRADE_P3] = 11,
        [MENTO_GRADE_P4] = 12,  [MENTO_GRADE_P5] = 13, [MENTO_GRADE_D1] = 14,
        [MENTO_GRADE_D2] = 15,  [MENTO_GRADE_UG] = 16, [MENTO_GRADE_FS] = 10,
        [MENTO_GRADE_RETIREE] = 14,
    };
    if ((unsigned)g >= MENTO_GRADE_COUNT)
        return 0;
    return rank[g];
}

/* ---- Questionnaire ------------------------------------------------------------ */

static const struct mento_question questions[MENTO_QUESTION_COUNT] = {
#define MENTO_Q_ROW(id, key, type, vis, max, label)                                                \
    {MENTO_QUESTION_##id, key, type, vis, max, label},
    MENTO_QUESTION_LIST(MENTO_Q_ROW)
#undef MENTO_Q_ROW
};

const struct mento_question *mento_questionnaire(void)
{
    return questions;
}

const struct mento_question *mento_question_find(const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < MENTO_QUESTION_COUNT; i++)
        if (strcmp(questions[i].key, key) == 0)
            return &questions[i];
    return NULL;
}

/* ---- Profile ---------------------------------------------------------------- */

void mento_profile_init(struct mento_profile *p)
{
    memset(p, 0, sizeof *p);
    p->years_experience = -1;
    p->jpo_months = -1;
}

void mento_profile_free(struct mento_profile *p)
{
    free(p->name);
    free(p->email);
    free(p->index_number);
    free(p->job_network);
    free(p->entity);
    free(p->duty_station);
    free(p->timezone);
    free(p->appointment_type);
    free(p->bio);
    free(p->linkedin);
    for (size_t i = 0; i < p->n_skills; i++)
        free(p->skills[i]);
    for (size_t i = 0; i < p->n_goals; i++)
        free(p->goals[i]);
    mento_profile_init(p);
}

static bool dup_into(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

mento_status mento_profile_copy(struct mento_profile *dst, const struct mento_profile *src)
{
    mento_profile_init(dst);
    dst->user_id = src->user_id;
    dst->grade = src->grade;
    dst->languages = src->languages;
    dst->years_experience = src->years_experience;
    dst->jpo_months = src->jpo_months;
    bool ok = dup_into(&dst->name, src->name) && dup_into(&dst->email, src->email) &&
              dup_into(&dst->index_number, src->index_number) &&
              dup_into(&dst->job_network, src->job_network) &&
              dup_into(&dst->entity, src->entity) &&
              dup_into(&dst->duty_station, src->duty_station) &&
              dup_into(&dst->timezone, src->timezone) &&
              dup_into(&dst->appointment_type, src->appointment_type) &&
              dup_into(&dst->bio, src->bio) && dup_into(&dst->linkedin, src->linkedin);
    for (size_t i = 0; ok && i < src->n_skills; i++) {
        ok = dup_into(&dst->skills[i], src->skills[i]);
        if (ok)
            dst->n_skills++;
    }
    for (size_t i = 0; ok && i < src->n_goals; i++) {
        ok = dup_into(&dst->goals[i], src->goals[i]);
        if (ok)
            dst->n_goals++;
    }
    if (!ok) {
        mento_profile_free(dst);
        return MENTO_ERR_NOMEM;
    }
    return MENTO_OK;
}

/* ---- Programme -------------------------------------------------------------- */

void mento_programme_init(struct mento_programme *p)
{
    memset(p, 0, sizeof *p);
    p->kind = MENTO_PROGRAMME_EVERGREEN;
    p->matching = MENTO_MATCHING_MENTEE_LED;
    p->eligibility = MENTO_ELIGIBILITY_TOGETHER;
    p->languages = MENTO_LANG_ALL;
    p->mentor_capacity_default = 3;
    p->mentor_capacity_max = 3;
    p->mentee_max_mentors = 2;
    p->request_days = 3;
    p->reminder_hours = 48;
    p->auto_end_days = 90;
    p->auto_end_warning_days = 14;
}

void mento_programme_free(struct mento_programme *p)
{
    free(p->id);
    free(p->name);
    free(p->description);
    for (size_t i = 0; i < p->n_agenda; i++)
        free(p->agenda[i]);
    free(p->agenda);
    for (size_t i = 0; i < p->n_resources; i++) {
        free(p->resources[i].id);
        free(p->resources[i].kind);
        free(p->resources[i].title);
        free(p->resources[i].body);
    }
    free(p->resources);
    mento_programme_init(p);
}

/* ---- Workflow records ------------------------------------------------------- */

void mento_request_free(struct mento_request *r)
{
    free(r->programme_id);
    free(r->message);
    free(r->decline_reason);
    memset(r, 0, sizeof *r);
}

void mento_pairing_free(struct mento_pairing *p)
{
    free(p->programme_id);
    free(p->end_reason);
    memset(p, 0, sizeof *p);
}

void mento_session_free(struct mento_session *s)
{
    free(s->agenda);
    free(s->timezone);
    memset(s, 0, sizeof *s);
}

void mento_note_record_free(struct mento_note_record *n)
{
    free(n->id);
    free(n->ciphertext);
    memset(n, 0, sizeof *n);
}

void mento_notification_free(struct mento_notification *n)
{
    free(n->kind);
    free(n->text);
    free(n->ref_kind);
    memset(n, 0, sizeof *n);
}

/* ---- Enum names ------------------------------------------------------------- */

static mento_status name_parse(const char *const *names, size_t n, const char *s, int *out)
{
    if (!s)
        return MENTO_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) {
            *out = (int)i;
            return MENTO_OK;
        }
    return MENTO_ERR_INVALID;
}

#define ENUM_NAMES(prefix, type, ...)                                                              \
    static const char *const prefix##_names[] = {__VA_ARGS__};                                     \
    const char *mento_##prefix##_name(type v)                                                      \
    {                                                                                              \
        size_t n = sizeof prefix##_names / sizeof prefix##_names[0];                               \
        return (unsigned)v < n ? prefix##_names[v] : "";                                           \
    }                                                                                              \
    mento_status mento_##prefix##_parse(const char *s, type *out)                                  \
    {                                                                                              \
        int v;                                                                                     \
        mento_status st = name_parse(prefix##_names,                                               \
                                     sizeof prefix##_names / sizeof prefix##_names[0], s, &v);     \
        if (st == MENTO_OK)                                                                        \
            *out = (type)v;                                                                        \
        return st;                                                                                 \
    }

ENUM_NAMES(kind, mento_kind, "mentoring", "networking")
ENUM_NAMES(request_state, mento_request_state, "open", "accepted", "declined", "expired",
           "withdrawn", "passed_on")
ENUM_NAMES(session_state, mento_session_state, "planned", "booked", "done", "cancelled")
ENUM_NAMES(pairing_state, mento_pairing_state, "active", "ended")
ENUM_NAMES(programme_kind, mento_programme_kind, "evergreen", "cohort")
ENUM_NAMES(matching, mento_matching, "mentee_led", "admin_led")
ENUM_NAMES(eligibility, mento_eligibility, "together", "iom", "undp_jpo")

static const char *const reason_names[MENTO_REASON_COUNT] = {
    "job_network", "goals",    "seniority",    "languages",
    "duty_station", "timezone", "other_entity", "experience",
};

const char *mento_reason_name(mento_reason_code c)
{
    return (unsigned)c < MENTO_REASON_COUNT ? reason_names[c] : "";
}

static const char *const end_reason_names[] = {
    "goals_met",   "not_a_good_fit",       "no_time", "no_response",
    "role_change", "leaving_organisation", "other",   NULL};
static const char *const end_reason_labels[] = {
    "Goals met",   "Not a good fit",           "No time",          "No response",
    "Role change", "Leaving the organisation", "Another reason"};
const struct mento_answers mento_end_reasons = {end_reason_names, end_reason_labels, 7};

static const char *const progress_names[] = {"none", "some", "good", "achieved", NULL};
static const char *const progress_labels[] = {"None yet", "Some", "Good", "Goals achieved"};
const struct mento_answers mento_progress = {progress_names, progress_labels, 4};

static const char *const fit_names[] = {"good_fit", "unsure", "not_a_good_fit", NULL};
static const char *const fit_labels[] = {"A good fit", "Not sure yet", "Not a good fit"};
const struct mento_answers mento_fit = {fit_names, fit_labels, 3};

bool mento_answer_known(const struct mento_answers *a, const char *name)
{
    for (size_t i = 0; name && i < a->n; i++)
        if (strcmp(a->names[i], name) == 0)
            return true;
    return false;
}

const char *mento_answer_label(const struct mento_answers *a, const char *name)
{
    for (size_t i = 0; name && i < a->n; i++)
        if (strcmp(a->names[i], name) == 0)
            return a->labels[i];
    return name ? name : "";
}

/* codec.c - the model to and from JSON. Decoders are strict (unknown keys,
 * wrong types, bad UTF-8, over-long text are refused and named) so that a bad
 * body is rejected whole, and encoders round-trip with them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mento/codec.h"
#include "mento/rules.h"
#include "mento/utf8.h"

static mento_status fail(struct codec_error *err, const char *field, mento_status st)
{
    if (err)
        snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    return st;
}

/* ---- Time ------------------------------------------------------------------ */

void codec_time_format(int64_t t, char out[CODEC_TIME_LEN])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, CODEC_TIME_LEN, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, CODEC_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

mento_status codec_time_parse(const char *s, int64_t *out)
{
    /* YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm) */
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se))
        return MENTO_ERR_INVALID;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return MENTO_ERR_INVALID;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        offset = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return MENTO_ERR_INVALID;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return MENTO_ERR_INVALID;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 60)
        return MENTO_ERR_INVALID;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se > 59 ? 59 : se;
    *out = (int64_t)timegm(&tm) - offset;
    return MENTO_OK;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[CODEC_TIME_LEN];
    codec_time_format(t, buf);
    cJSON_AddStringToObject(o, key, buf);
}

/* ---- Field readers ------------------------------------------------------------ */

static mento_status read_text(const cJSON *v, const char *key, size_t max, bool allow_newline,
                              char **out, struct codec_error *err)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(err, key, MENTO_ERR_TYPE);
    const char *s = v->valuestring;
    size_t len = strlen(s);
    if (!utf8_valid(s, len))
        return fail(err, key, MENTO_ERR_UTF8);
    if (max && utf8_codepoints(s, len) > max)
        return fail(err, key, MENTO_ERR_TOO_LONG);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newline && (c == '\n' || c == '\t'))) || c == 0x7f)
            return fail(err, key, MENTO_ERR_INVALID);
    }
    char *copy = strdup(s);
    if (!copy)
        return fail(err, key, MENTO_ERR_NOMEM);
    free(*out);
    *out = copy;
    return MENTO_OK;
}

static mento_status read_int64(const cJSON *v, const char *key, int64_t min, int64_t max,
                               int64_t *out, struct codec_error *err)
{
    if (!cJSON_IsNumber(v))
        return fail(err, key, MENTO_ERR_TYPE);
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return fail(err, key, MENTO_ERR_TYPE);
    if (d < (double)min || d > (double)max)
        return fail(err, key, MENTO_ERR_RANGE);
    *out = (int64_t)d;
    return MENTO_OK;
}

static mento_status read_int(const cJSON *v, const char *key, int min, int max, int *out,
                             struct codec_error *err)
{
    int64_t x;
    mento_status st = read_int64(v, key, min, max, &x, err);
    if (st == MENTO_OK)
        *out = (int)x;
    return st;
}

static mento_status read_bool(const cJSON *v, const char *key, bool *out,
                              struct codec_error *err)
{
    if (!cJSON_IsBool(v))
        return fail(err, key, MENTO_ERR_TYPE);
    *out = cJSON_IsTrue(v);
    return MENTO_OK;
}

static mento_status read_time(const cJSON *v, const char *key, int64_t *out,
                              struct codec_error *err)
{
    if (!cJSON_IsString(v))
        return fail(err, key, MENTO_ERR_TYPE);
    if (codec_time_parse(v->valuestring, out) != MENTO_OK)
        return fail(err, key, MENTO_ERR_INVALID);
    return MENTO_OK;
}

/* ---- Languages ------------------------------------------------------------------ */

cJSON *codec_languages_to_json(unsigned langs)
{
    cJSON *a = cJSON_CreateArray();
    if (!a)
        return NULL;
    if (langs & MENTO_LANG_EN)
        cJSON_AddItemToArray(a, cJSON_CreateString("en"));
    if (langs & MENTO_LANG_FR)
        cJSON_AddItemToArray(a, cJSON_CreateString("fr"));
    return a;
}

mento_status codec_languages_from_json(const cJSON *arr, unsigned *out)
{
    if (!cJSON_IsArray(arr))
        return MENTO_ERR_TYPE;
    unsigned langs = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            return MENTO_ERR_TYPE;
        if (strcmp(it->valuestring, "en") == 0)
            langs |= MENTO_LANG_EN;
        else if (strcmp(it->valuestring, "fr") == 0)
            langs |= MENTO_LANG_FR;
        else
            return MENTO_ERR_INVALID;
    }
    *out = langs;
    return MENTO_OK;
}

/* ---- Profile --------------------------------------------------------------------- */

static const char *const appointment_types[] = {
#define MENTO_APPT_NAME(n) n,
    MENTO_APPOINTMENT_LIST(MENTO_APPT_NAME)
#undef MENTO_APPT_NAME
};
#define N_APPOINTMENT_TYPES (sizeof appointment_types / sizeof appointment_types[0])

static char **text_slot(struct mento_profile *p, mento_question_id q)
{
    switch (q) {
    case MENTO_QUESTION_NAME:
        return &p->name;
    case MENTO_QUESTION_INDEX_NUMBER:
        return &p->index_number;
    case MENTO_QUESTION_JOB_NETWORK:
        return &p->job_network;
    case MENTO_QUESTION_ENTITY:
        return &p->entity;
    case MENTO_QUESTION_DUTY_STATION:
        return &p->duty_station;
    case MENTO_QUESTION_TIMEZONE:
        return &p->timezone;
    case MENTO_QUESTION_APPOINTMENT_TYPE:
        return &p->appointment_type;
    case MENTO_QUESTION_BIO:
        return &p->bio;
    case MENTO_QUESTION_LINKEDIN:
        return &p->linkedin;
    default:
        return NULL;
    }
}

static void tags_clear(char **tags, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free(tags[i]);
        tags[i] = NULL;
    }
    *n = 0;
}

static void answer_clear(struct mento_profile *p, mento_question_id q)
{
    char **slot = text_slot(p, q);
    if (slot) {
        free(*slot);
        *slot = NULL;
        return;
    }
    switch (q) {
    case MENTO_QUESTION_GRADE:
        p->grade = MENTO_GRADE_NONE;
        break;
    case MENTO_QUESTION_LANGUAGES:
        p->languages = 0;
        break;
    case MENTO_QUESTION_YEARS_EXPERIENCE:
        p->years_experience = -1;
        break;
    case MENTO_QUESTION_JPO_MONTHS:
        p->jpo_months = -1;
        break;
    case MENTO_QUESTION_SKILLS:
        tags_clear(p->skills, &p->n_skills);
        break;
    case MENTO_QUESTION_GOALS:
        tags_clear(p->goals, &p->n_goals);
        break;
    default:
        break;
    }
}

static mento_status read_tags(const cJSON *v, const struct mento_question *q, char **tags,
                              size_t *n, struct codec_error *err)
{
    if (!cJSON_IsArray(v))
        return fail(err, q->key, MENTO_ERR_TYPE);
    if (cJSON_GetArraySize(v) > MENTO_MAX_TAGS)
        return fail(err, q->key, MENTO_ERR_RANGE);
    char *fresh[MENTO_MAX_TAGS] = {0};
    size_t count = 0;
    const cJSON *it;
    mento_status st = MENTO_OK;
    cJSON_ArrayForEach(it, v)
    {
        st = read_text(it, q->key, (size_t)q->max, false, &fresh[count], err);
        if (st == MENTO_OK && fresh[count][0] == '\0')
            st = fail(err, q->key, MENTO_ERR_INVALID);
        if (st != MENTO_OK)
            break;
        count++;
    }
    if (st != MENTO_OK) {
        for (size_t i = 0; i <= count && i < MENTO_MAX_TAGS; i++)
            free(fresh[i]);
        return st;
    }
    tags_clear(tags, n);
    memcpy(tags, fresh, count * sizeof *tags);
    *n = count;
    return MENTO_OK;
}

mento_status codec_profile_set_answer(struct mento_profile *p, const char *key,
                                      const cJSON *value, struct codec_error *err)
{
    const struct mento_question *q = mento_question_find(key);
    if (!q)
        return fail(err, key, MENTO_ERR_UNKNOWN_FIELD);
    if (!value || cJSON_IsNull(value)) {
        answer_clear(p, q->id);
        return MENTO_OK;
    }
    mento_status st;
    switch (q->type) {
    case MENTO_Q_TEXT: {
        char *s = NULL;
        st = read_text(value, q->key, (size_t)q->max, q->id == MENTO_QUESTION_BIO, &s, err);
        if (st != MENTO_OK)
            return st;
        char **slot = text_slot(p, q->id);
        free(*slot);
        *slot = s[0] ? s : NULL;
        if (!s[0])
            free(s);
        return MENTO_OK;
    }
    case MENTO_Q_CHOICE:
        if (!cJSON_IsString(value))
            return fail(err, q->key, MENTO_ERR_TYPE);
        if (!utf8_valid(value->valuestring, strlen(value->valuestring)))
            return fail(err, q->key, MENTO_ERR_UTF8);
        if (q->id == MENTO_QUESTION_GRADE) {
            if (mento_grade_parse(value->valuestring, &p->grade) != MENTO_OK)
                return fail(err, q->key, MENTO_ERR_INVALID);
            return MENTO_OK;
        }
        for (size_t i = 0; i < N_APPOINTMENT_TYPES; i++)
            if (strcmp(appointment_types[i], value->valuestring) == 0) {
                char *s = strdup(appointment_types[i]);
                if (!s)
                    return fail(err, q->key, MENTO_ERR_NOMEM);
                free(p->appointment_type);
                p->appointment_type = s;
                return MENTO_OK;
            }
        return fail(err, q->key, MENTO_ERR_INVALID);
    case MENTO_Q_INT:
        return read_int(value, q->key, 0, q->max,
                        q->id == MENTO_QUESTION_JPO_MONTHS ? &p->jpo_months
                                                           : &p->years_experience,
                        err);
    case MENTO_Q_LANGS: {
        unsigned langs;
        st = codec_languages_from_json(value, &langs);
        if (st != MENTO_OK)
            return fail(err, q->key, st);
        p->languages = langs;
        return MENTO_OK;
    }
    case MENTO_Q_TAGS:
        if (q->id == MENTO_QUESTION_SKILLS)
            return read_tags(value, q, p->skills, &p->n_skills, err);
        return read_tags(value, q, p->goals, &p->n_goals, err);
    case MENTO_Q_TIMEZONE: {
        if (!cJSON_IsString(value))
            return fail(err, q->key, MENTO_ERR_TYPE);
        const char *tz = value->valuestring;
        if (!utf8_valid(tz, strlen(tz)))
            return fail(err, q->key, MENTO_ERR_UTF8);
        if (strlen(tz) > (size_t)q->max)
            return fail(err, q->key, MENTO_ERR_TOO_LONG);
        if (!rules_timezone_valid(tz))
            return fail(err, q->key, MENTO_ERR_TZ);
        char *s = strdup(tz);
        if (!s)
            return fail(err, q->key, MENTO_ERR_NOMEM);
        free(p->timezone);
        p->timezone = s;
        return MENTO_OK;
    }
    case MENTO_Q_URL: {
        char *s = NULL;
        st = read_text(value, q->key, (size_t)q->max, false, &s, err);
        if (st != MENTO_OK)
            return st;
        if (s[0] == '\0') {
            free(s);
            answer_clear(p, q->id);
            return MENTO_OK;
        }
        if (strncmp(s, "https://", 8) != 0 || strlen(s) < 12 || strpbrk(s, " \"<>\\")) {
            free(s);
            return fail(err, q->key, MENTO_ERR_INVALID);
        }
        free(p->linkedin);
        p->linkedin = s;
        return MENTO_OK;
    }
    }
    return fail(err, q->key, MENTO_ERR_INVALID);
}

static cJSON *tags_json(char *const *tags, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(tags[i]));
    return a;
}

cJSON *codec_profile_answer(const struct mento_profile *p, mento_question_id q)
{
    struct mento_profile *mp = (struct mento_profile *)p;
    char **slot = text_slot(mp, q);
    if (slot)
        return *slot ? cJSON_CreateString(*slot) : NULL;
    switch (q) {
    case MENTO_QUESTION_GRADE:
        return p->grade ? cJSON_CreateString(mento_grade_name(p->grade)) : NULL;
    case MENTO_QUESTION_LANGUAGES:
        return p->languages ? codec_languages_to_json(p->languages) : NULL;
    case MENTO_QUESTION_YEARS_EXPERIENCE:
        return p->years_experience >= 0 ? cJSON_CreateNumber(p->years_experience) : NULL;
    case MENTO_QUESTION_JPO_MONTHS:
        return p->jpo_months >= 0 ? cJSON_CreateNumber(p->jpo_months) : NULL;
    case MENTO_QUESTION_SKILLS:
        return p->n_skills ? tags_json(p->skills, p->n_skills) : NULL;
    case MENTO_QUESTION_GOALS:
        return p->n_goals ? tags_json(p->goals, p->n_goals) : NULL;
    default:
        return NULL;
    }
}

cJSON *codec_profile_to_json(const struct mento_profile *p, unsigned flags)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (p->user_id > 0)
        cJSON_AddNumberToObject(o, "user_id", (double)p->user_id);
    if ((flags & CODEC_PROFILE_EMAIL) && p->email)
        cJSON_AddStringToObject(o, "email", p->email);
    const struct mento_question *qs = mento_questionnaire();
    for (size_t i = 0; i < MENTO_QUESTION_COUNT; i++) {
        if (qs[i].visibility == MENTO_VIS_ADMIN_ONLY && !(flags & CODEC_PROFILE_ADMIN_ONLY))
            continue;
        cJSON *v = codec_profile_answer(p, qs[i].id);
        if (v)
            cJSON_AddItemToObject(o, qs[i].key, v);
    }
    return o;
}

mento_status codec_profile_from_json(const cJSON *obj, struct mento_profile *out,
                                     struct codec_error *err)
{
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *key = it->string ? it->string : "";
        mento_status st;
        if (strcmp(key, "user_id") == 0) {
            st = read_int64(it, key, 0, INT64_C(1) << 53, &out->user_id, err);
        } else if (strcmp(key, "email") == 0) {
            st = read_text(it, key, 254, false, &out->email, err);
        } else {
            if (!mento_question_find(key))
                return fail(err, utf8_valid(key, strlen(key)) ? key : "", MENTO_ERR_UNKNOWN_FIELD);
            st = codec_profile_set_answer(out, key, it, err);
        }
        if (st != MENTO_OK)
            return st;
    }
    return MENTO_OK;
}

/* ---- Questionnaire and programme ------------------------------------------------- */

cJSON *codec_questionnaire_to_json(void)
{
    static const char *const type_names[] = {"text",     "choice",   "int", "languages",
                                             "tags",     "timezone", "url"};
    cJSON *a = cJSON_CreateArray();
    const struct mento_question *qs = mento_questionnaire();
    for (size_t i = 0; a && i < MENTO_QUESTION_COUNT; i++) {
        cJSON *q = cJSON_CreateObject();
        cJSON_AddStringToObject(q, "key", qs[i].key);
        cJSON_AddStringToObject(q, "label", qs[i].label);
        cJSON_AddStringToObject(q, "type", type_names[qs[i].type]);
        cJSON_AddStringToObject(q, "visibility",
                                qs[i].visibility == MENTO_VIS_SHOWN ? "shown" : "admin_only");
        if (qs[i].max)
            cJSON_AddNumberToObject(q, "max", qs[i].max);
        if (qs[i].id == MENTO_QUESTION_GRADE) {
            cJSON *c = cJSON_AddArrayToObject(q, "choices");
            for (int g = 1; g < MENTO_GRADE_COUNT; g++)
                cJSON_AddItemToArray(c, cJSON_CreateString(mento_grade_name((mento_grade)g)));
        } else if (qs[i].id == MENTO_QUESTION_APPOINTMENT_TYPE) {
            cJSON *c = cJSON_AddArrayToObject(q, "choices");
            for (size_t k = 0; k < N_APPOINTMENT_TYPES; k++)
                cJSON_AddItemToArray(c, cJSON_CreateString(appointment_types[k]));
        } else if (qs[i].type == MENTO_Q_LANGS) {
            cJSON *c = cJSON_AddArrayToObject(q, "choices");
            cJSON_AddItemToArray(c, cJSON_CreateString("en"));
            cJSON_AddItemToArray(c, cJSON_CreateString("fr"));
        }
        cJSON_AddItemToArray(a, q);
    }
    return a;
}

cJSON *codec_programme_to_json(const struct mento_programme *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", p->id ? p->id : "");
    cJSON_AddStringToObject(o, "name", p->name ? p->name : "");
    cJSON_AddStringToObject(o, "description", p->description ? p->description : "");
    cJSON_AddStringToObject(o, "kind", mento_programme_kind_name(p->kind));
    cJSON_AddStringToObject(o, "matching", mento_matching_name(p->matching));
    cJSON_AddStringToObject(o, "eligibility", mento_eligibility_name(p->eligibility));
    cJSON_AddItemToObject(o, "languages", codec_languages_to_json(p->languages));
    cJSON_AddNumberToObject(o, "mentor_capacity_default", p->mentor_capacity_default);
    cJSON_AddNumberToObject(o, "mentor_capacity_max", p->mentor_capacity_max);
    cJSON_AddNumberToObject(o, "mentee_max_mentors", p->mentee_max_mentors);
    cJSON_AddNumberToObject(o, "request_days", p->request_days);
    cJSON_AddNumberToObject(o, "reminder_hours", p->reminder_hours);
    cJSON_AddNumberToObject(o, "auto_end_days", p->auto_end_days);
    cJSON_AddNumberToObject(o, "auto_end_warning_days", p->auto_end_warning_days);
    if (p->kind == MENTO_PROGRAMME_COHORT) {
        add_time(o, "applications_open", p->applications_open);
        add_time(o, "applications_close", p->applications_close);
        add_time(o, "pairing_announced", p->pairing_announced);
        cJSON_AddNumberToObject(o, "length_months", p->length_months);
    }
    cJSON *ag = cJSON_AddArrayToObject(o, "agenda");
    for (size_t i = 0; ag && i < p->n_agenda; i++)
        cJSON_AddItemToArray(ag, cJSON_CreateString(p->agenda[i]));
    cJSON *rs = cJSON_AddArrayToObject(o, "resources");
    for (size_t i = 0; rs && i < p->n_resources; i++) {
        const struct mento_resource *r = &p->resources[i];
        cJSON *ro = cJSON_CreateObject();
        cJSON_AddStringToObject(ro, "id", r->id ? r->id : "");
        cJSON_AddStringToObject(ro, "kind", r->kind ? r->kind : "");
        cJSON_AddStringToObject(ro, "title", r->title ? r->title : "");
        cJSON_AddStringToObject(ro, "body", r->body ? r->body : "");
        cJSON_AddItemToArray(rs, ro);
    }
    return o;
}

static mento_status read_string_list(const cJSON *v, const char *key, size_t max, char ***out,
                                     size_t *n, struct codec_error *err)
{
    if (!cJSON_IsArray(v))
        return fail(err, key, MENTO_ERR_TYPE);
    int count = cJSON_GetArraySize(v);
    char **list = calloc((size_t)count + 1, sizeof *list);
    if (!list)
        return fail(err, key, MENTO_ERR_NOMEM);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        mento_status st = read_text(it, key, max, true, &list[i], err);
        if (st != MENTO_OK) {
            for (size_t k = 0; k <= i; k++)
                free(list[k]);
            free(list);
            return st;
        }
        i++;
    }
    *out = list;
    *n = i;
    return MENTO_OK;
}

static mento_status read_resources(const cJSON *v, struct mento_programme *p,
                                   struct codec_error *err)
{
    if (!cJSON_IsArray(v))
        return fail(err, "resources", MENTO_ERR_TYPE);
    int count = cJSON_GetArraySize(v);
    p->resources = calloc((size_t)count + 1, sizeof *p->resources);
    if (!p->resources)
        return fail(err, "resources", MENTO_ERR_NOMEM);
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsObject(it))
            return fail(err, "resources", MENTO_ERR_TYPE);
        struct mento_resource *r = &p->resources[p->n_resources++];
        const cJSON *f;
        cJSON_ArrayForEach(f, it)
        {
            char **slot = NULL;
            size_t max = 200;
            if (strcmp(f->string, "id") == 0)
                slot = &r->id;
            else if (strcmp(f->string, "kind") == 0)
                slot = &r->kind;
            else if (strcmp(f->string, "title") == 0)
                slot = &r->title;
            else if (strcmp(f->string, "body") == 0) {
                slot = &r->body;
                max = 100000;
            } else
                return fail(err, f->string, MENTO_ERR_UNKNOWN_FIELD);
            mento_status st = read_text(f, f->string, max, true, slot, err);
            if (st != MENTO_OK)
                return st;
        }
    }
    return MENTO_OK;
}

mento_status codec_programme_from_json(const cJSON *obj, struct mento_programme *p,
                                       struct codec_error *err)
{
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st = MENTO_OK;
        if (!strcmp(k, "id"))
            st = read_text(it, k, 64, false, &p->id, err);
        else if (!strcmp(k, "name"))
            st = read_text(it, k, 200, false, &p->name, err);
        else if (!strcmp(k, "description"))
            st = read_text(it, k, 5000, true, &p->description, err);
        else if (!strcmp(k, "kind"))
            st = cJSON_IsString(it) ? mento_programme_kind_parse(it->valuestring, &p->kind)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "matching"))
            st = cJSON_IsString(it) ? mento_matching_parse(it->valuestring, &p->matching)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "eligibility"))
            st = cJSON_IsString(it) ? mento_eligibility_parse(it->valuestring, &p->eligibility)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "languages"))
            st = codec_languages_from_json(it, &p->languages);
        else if (!strcmp(k, "mentor_capacity_default"))
            st = read_int(it, k, 1, 100, &p->mentor_capacity_default, err);
        else if (!strcmp(k, "mentor_capacity_max"))
            st = read_int(it, k, 1, 100, &p->mentor_capacity_max, err);
        else if (!strcmp(k, "mentee_max_mentors"))
            st = read_int(it, k, 1, 100, &p->mentee_max_mentors, err);
        else if (!strcmp(k, "request_days"))
            st = read_int(it, k, 1, 365, &p->request_days, err);
        else if (!strcmp(k, "reminder_hours"))
            st = read_int(it, k, 1, 24 * 365, &p->reminder_hours, err);
        else if (!strcmp(k, "auto_end_days"))
            st = read_int(it, k, 1, 3650, &p->auto_end_days, err);
        else if (!strcmp(k, "auto_end_warning_days"))
            st = read_int(it, k, 0, 3650, &p->auto_end_warning_days, err);
        else if (!strcmp(k, "applications_open"))
            st = read_time(it, k, &p->applications_open, err);
        else if (!strcmp(k, "applications_close"))
            st = read_time(it, k, &p->applications_close, err);
        else if (!strcmp(k, "pairing_announced"))
            st = read_time(it, k, &p->pairing_announced, err);
        else if (!strcmp(k, "length_months"))
            st = read_int(it, k, 0, 120, &p->length_months, err);
        else if (!strcmp(k, "agenda"))
            st = read_string_list(it, k, 2000, &p->agenda, &p->n_agenda, err);
        else if (!strcmp(k, "resources"))
            st = read_resources(it, p, err);
        else
            return fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK)
            return err && err->field[0] ? st : fail(err, k, st);
    }
    if (!p->id || !p->name)
        return fail(err, p->id ? "name" : "id", MENTO_ERR_MISSING);
    return MENTO_OK;
}

/* ---- Directory score --------------------------------------------------------------- */

cJSON *codec_score_to_json(const struct mento_score *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "total", s->total);
    cJSON *a = cJSON_AddArrayToObject(o, "reasons");
    for (size_t i = 0; a && i < s->n_reasons; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "code", mento_reason_name(s->reasons[i].code));
        cJSON_AddNumberToObject(r, "points", s->reasons[i].points);
        cJSON_AddStringToObject(r, "detail", s->reasons[i].detail);
        cJSON_AddItemToArray(a, r);
    }
    return o;
}

mento_status codec_score_from_json(const cJSON *obj, struct mento_score *out,
                                   struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (!strcmp(it->string, "total")) {
            mento_status st = read_int(it, "total", 0, 100, &out->total, err);
            if (st != MENTO_OK)
                return st;
        } else if (!strcmp(it->string, "reasons")) {
            if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) > MENTO_MAX_REASONS)
                return fail(err, "reasons", MENTO_ERR_TYPE);
            const cJSON *r;
            cJSON_ArrayForEach(r, it)
            {
                struct mento_reason *rs = &out->reasons[out->n_reasons];
                const cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "code");
                const cJSON *points = cJSON_GetObjectItemCaseSensitive(r, "points");
                const cJSON *detail = cJSON_GetObjectItemCaseSensitive(r, "detail");
                if (!cJSON_IsString(code) || !cJSON_IsString(detail))
                    return fail(err, "reasons", MENTO_ERR_TYPE);
                int c = 0;
                while (c < MENTO_REASON_COUNT &&
                       strcmp(mento_reason_name((mento_reason_code)c), code->valuestring) != 0)
                    c++;
                if (c == MENTO_REASON_COUNT)
                    return fail(err, "reasons", MENTO_ERR_INVALID);
                rs->code = (mento_reason_code)c;
                mento_status st = read_int(points, "reasons", 0, 100, &rs->points, err);
                if (st != MENTO_OK)
                    return st;
                if (!utf8_valid(detail->valuestring, strlen(detail->valuestring)) ||
                    strlen(detail->valuestring) >= sizeof rs->detail)
                    return fail(err, "reasons", MENTO_ERR_TOO_LONG);
                snprintf(rs->detail, sizeof rs->detail, "%s", detail->valuestring);
                out->n_reasons++;
            }
        } else {
            return fail(err, it->string, MENTO_ERR_UNKNOWN_FIELD);
        }
    }
    return MENTO_OK;
}

/* ---- Workflow records ------------------------------------------------------------------
 * Each decoder walks the object's members once, dispatching on the key, so
 * an unknown key is refused wherever it stands. */

#define ID_MAX (INT64_C(1) << 53)

cJSON *codec_wish_to_json(const struct mento_wish *w)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "mentor_id", (double)w->mentor_id);
    cJSON_AddNumberToObject(o, "position", w->position);
    cJSON_AddBoolToObject(o, "available", w->available);
    return o;
}

mento_status codec_wish_from_json(const cJSON *obj, struct mento_wish *out,
                                  struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "mentor_id"))
            st = read_int64(it, k, 1, ID_MAX, &out->mentor_id, err);
        else if (!strcmp(k, "position"))
            st = read_int(it, k, 1, 1000, &out->position, err);
        else if (!strcmp(k, "available"))
            st = read_bool(it, k, &out->available, err);
        else
            return fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK)
            return st;
    }
    return MENTO_OK;
}

cJSON *codec_request_to_json(const struct mento_request *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    if (r->programme_id)
        cJSON_AddStringToObject(o, "programme", r->programme_id);
    cJSON_AddNumberToObject(o, "mentee_id", (double)r->mentee_id);
    cJSON_AddNumberToObject(o, "mentor_id", (double)r->mentor_id);
    cJSON_AddStringToObject(o, "kind", mento_kind_name(r->kind));
    cJSON_AddStringToObject(o, "state", mento_request_state_name(r->state));
    if (r->message)
        cJSON_AddStringToObject(o, "message", r->message);
    if (r->decline_reason)
        cJSON_AddStringToObject(o, "decline_reason", r->decline_reason);
    add_time(o, "sent_at", r->sent_at);
    add_time(o, "deadline", r->deadline);
    if (r->decided_at)
        add_time(o, "decided_at", r->decided_at);
    return o;
}

mento_status codec_request_from_json(const cJSON *obj, struct mento_request *out,
                                     struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "id"))
            st = read_int64(it, k, 0, ID_MAX, &out->id, err);
        else if (!strcmp(k, "programme"))
            st = read_text(it, k, 64, false, &out->programme_id, err);
        else if (!strcmp(k, "mentee_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->mentee_id, err);
        else if (!strcmp(k, "mentor_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->mentor_id, err);
        else if (!strcmp(k, "kind"))
            st = cJSON_IsString(it) ? mento_kind_parse(it->valuestring, &out->kind)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "state"))
            st = cJSON_IsString(it) ? mento_request_state_parse(it->valuestring, &out->state)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "message"))
            st = read_text(it, k, 1000, true, &out->message, err);
        else if (!strcmp(k, "decline_reason"))
            st = read_text(it, k, 500, true, &out->decline_reason, err);
        else if (!strcmp(k, "sent_at"))
            st = read_time(it, k, &out->sent_at, err);
        else if (!strcmp(k, "deadline"))
            st = read_time(it, k, &out->deadline, err);
        else if (!strcmp(k, "decided_at"))
            st = read_time(it, k, &out->decided_at, err);
        else
            st = fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK) {
            if (err && !err->field[0])
                fail(err, k, st);
            mento_request_free(out);
            return st;
        }
    }
    return MENTO_OK;
}

cJSON *codec_pairing_to_json(const struct mento_pairing *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)p->id);
    if (p->programme_id)
        cJSON_AddStringToObject(o, "programme", p->programme_id);
    cJSON_AddNumberToObject(o, "mentor_id", (double)p->mentor_id);
    cJSON_AddNumberToObject(o, "mentee_id", (double)p->mentee_id);
    cJSON_AddStringToObject(o, "kind", mento_kind_name(p->kind));
    cJSON_AddStringToObject(o, "state", mento_pairing_state_name(p->state));
    add_time(o, "started_at", p->started_at);
    if (p->ended_at)
        add_time(o, "ended_at", p->ended_at);
    if (p->end_reason)
        cJSON_AddStringToObject(o, "end_reason", p->end_reason);
    cJSON_AddNumberToObject(o, "sessions_done", p->sessions_done);
    if (p->next_session)
        add_time(o, "next_session", p->next_session);
    return o;
}

mento_status codec_pairing_from_json(const cJSON *obj, struct mento_pairing *out,
                                     struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "id"))
            st = read_int64(it, k, 0, ID_MAX, &out->id, err);
        else if (!strcmp(k, "programme"))
            st = read_text(it, k, 64, false, &out->programme_id, err);
        else if (!strcmp(k, "mentor_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->mentor_id, err);
        else if (!strcmp(k, "mentee_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->mentee_id, err);
        else if (!strcmp(k, "kind"))
            st = cJSON_IsString(it) ? mento_kind_parse(it->valuestring, &out->kind)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "state"))
            st = cJSON_IsString(it) ? mento_pairing_state_parse(it->valuestring, &out->state)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "started_at"))
            st = read_time(it, k, &out->started_at, err);
        else if (!strcmp(k, "ended_at"))
            st = read_time(it, k, &out->ended_at, err);
        else if (!strcmp(k, "end_reason"))
            st = read_text(it, k, 500, true, &out->end_reason, err);
        else if (!strcmp(k, "sessions_done"))
            st = read_int(it, k, 0, 1000, &out->sessions_done, err);
        else if (!strcmp(k, "next_session"))
            st = read_time(it, k, &out->next_session, err);
        else
            st = fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK) {
            if (err && !err->field[0])
                fail(err, k, st);
            mento_pairing_free(out);
            return st;
        }
    }
    return MENTO_OK;
}

cJSON *codec_session_to_json(const struct mento_session *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddNumberToObject(o, "pairing_id", (double)s->pairing_id);
    cJSON_AddNumberToObject(o, "number", s->number);
    if (s->agenda)
        cJSON_AddStringToObject(o, "agenda", s->agenda);
    cJSON_AddStringToObject(o, "state", mento_session_state_name(s->state));
    if (s->starts_at)
        add_time(o, "starts_at", s->starts_at);
    if (s->timezone)
        cJSON_AddStringToObject(o, "timezone", s->timezone);
    if (s->duration_min)
        cJSON_AddNumberToObject(o, "duration_min", s->duration_min);
    return o;
}

mento_status codec_session_from_json(const cJSON *obj, struct mento_session *out,
                                     struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "id"))
            st = read_int64(it, k, 0, ID_MAX, &out->id, err);
        else if (!strcmp(k, "pairing_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->pairing_id, err);
        else if (!strcmp(k, "number"))
            st = read_int(it, k, 1, 1000, &out->number, err);
        else if (!strcmp(k, "agenda"))
            st = read_text(it, k, 2000, true, &out->agenda, err);
        else if (!strcmp(k, "state"))
            st = cJSON_IsString(it) ? mento_session_state_parse(it->valuestring, &out->state)
                                    : MENTO_ERR_TYPE;
        else if (!strcmp(k, "starts_at"))
            st = read_time(it, k, &out->starts_at, err);
        else if (!strcmp(k, "timezone")) {
            st = read_text(it, k, 64, false, &out->timezone, err);
            if (st == MENTO_OK && !rules_timezone_valid(out->timezone))
                st = fail(err, k, MENTO_ERR_TZ);
        } else if (!strcmp(k, "duration_min")) {
            st = read_int(it, k, 30, 60, &out->duration_min, err);
            if (st == MENTO_OK && out->duration_min % 15 != 0)
                st = fail(err, k, MENTO_ERR_RANGE);
        } else
            st = fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK) {
            if (err && !err->field[0])
                fail(err, k, st);
            mento_session_free(out);
            return st;
        }
    }
    return MENTO_OK;
}

cJSON *codec_note_record_to_json(const struct mento_note_record *n)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", n->id ? n->id : "");
    cJSON_AddNumberToObject(o, "owner_id", (double)n->owner_id);
    if (n->pairing_id)
        cJSON_AddNumberToObject(o, "pairing_id", (double)n->pairing_id);
    cJSON_AddNumberToObject(o, "version", (double)n->version);
    cJSON_AddBoolToObject(o, "deleted", n->deleted);
    if (n->ciphertext && n->ciphertext_len) {
        size_t blen = sodium_base64_ENCODED_LEN(n->ciphertext_len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(blen);
        if (!b64) {
            cJSON_Delete(o);
            return NULL;
        }
        sodium_bin2base64(b64, blen, n->ciphertext, n->ciphertext_len,
                          sodium_base64_VARIANT_ORIGINAL);
        cJSON_AddStringToObject(o, "ciphertext", b64);
        free(b64);
    }
    add_time(o, "updated_at", n->updated_at);
    return o;
}

#define NOTE_CIPHERTEXT_MAX (512 * 1024)

static mento_status read_base64(const cJSON *v, const char *key, unsigned char **out,
                                size_t *out_len, struct codec_error *err)
{
    if (!cJSON_IsString(v))
        return fail(err, key, MENTO_ERR_TYPE);
    size_t len = strlen(v->valuestring);
    size_t cap = len / 4 * 3 + 3;
    if (cap > NOTE_CIPHERTEXT_MAX + 3)
        return fail(err, key, MENTO_ERR_TOO_LONG);
    unsigned char *bin = malloc(cap ? cap : 1);
    if (!bin)
        return fail(err, key, MENTO_ERR_NOMEM);
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, cap, v->valuestring, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != v->valuestring + len) {
        free(bin);
        return fail(err, key, MENTO_ERR_INVALID);
    }
    free(*out);
    *out = bin;
    *out_len = bin_len;
    return MENTO_OK;
}

mento_status codec_note_record_from_json(const cJSON *obj, struct mento_note_record *out,
                                         struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "id"))
            st = read_text(it, k, 64, false, &out->id, err);
        else if (!strcmp(k, "owner_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->owner_id, err);
        else if (!strcmp(k, "pairing_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->pairing_id, err);
        else if (!strcmp(k, "version"))
            st = read_int64(it, k, 0, ID_MAX, &out->version, err);
        else if (!strcmp(k, "deleted"))
            st = read_bool(it, k, &out->deleted, err);
        else if (!strcmp(k, "ciphertext"))
            st = read_base64(it, k, &out->ciphertext, &out->ciphertext_len, err);
        else if (!strcmp(k, "updated_at"))
            st = read_time(it, k, &out->updated_at, err);
        else
            st = fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK) {
            if (err && !err->field[0])
                fail(err, k, st);
            mento_note_record_free(out);
            return st;
        }
    }
    return MENTO_OK;
}

cJSON *codec_notification_to_json(const struct mento_notification *n)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)n->id);
    cJSON_AddStringToObject(o, "kind", n->kind ? n->kind : "");
    cJSON_AddStringToObject(o, "text", n->text ? n->text : "");
    if (n->ref_kind) {
        cJSON_AddStringToObject(o, "ref_kind", n->ref_kind);
        cJSON_AddNumberToObject(o, "ref_id", (double)n->ref_id);
    }
    add_time(o, "created_at", n->created_at);
    cJSON_AddBoolToObject(o, "read", n->read);
    return o;
}

mento_status codec_notification_from_json(const cJSON *obj, struct mento_notification *out,
                                          struct codec_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return fail(err, "", MENTO_ERR_TYPE);
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        const char *k = it->string;
        mento_status st;
        if (!strcmp(k, "id"))
            st = read_int64(it, k, 0, ID_MAX, &out->id, err);
        else if (!strcmp(k, "kind"))
            st = read_text(it, k, 64, false, &out->kind, err);
        else if (!strcmp(k, "text"))
            st = read_text(it, k, 2000, true, &out->text, err);
        else if (!strcmp(k, "ref_kind"))
            st = read_text(it, k, 32, false, &out->ref_kind, err);
        else if (!strcmp(k, "ref_id"))
            st = read_int64(it, k, 0, ID_MAX, &out->ref_id, err);
        else if (!strcmp(k, "created_at"))
            st = read_time(it, k, &out->created_at, err);
        else if (!strcmp(k, "read"))
            st = read_bool(it, k, &out->read, err);
        else
            st = fail(err, k, MENTO_ERR_UNKNOWN_FIELD);
        if (st != MENTO_OK) {
            if (err && !err->field[0])
                fail(err, k, st);
            mento_notification_free(out);
            return st;
        }
    }
    return MENTO_OK;
}

/* rules.c - programme rules shared by client and server: time zones and the
 * request deadline (libical over the system zoneinfo), eligibility, match score. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "mento/rules.h"
#include "mento/utf8.h"

/* ---- Time zones ---------------------------------------------------------- */

/* IANA names are letters, digits and "/_+-"; refusing anything else (and
 * "..") keeps a name from walking out of the zoneinfo directory. */
static bool tz_name_plausible(const char *tz)
{
    size_t n = tz ? strlen(tz) : 0;
    if (n == 0 || n > 64 || strstr(tz, "..") || tz[0] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = tz[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

static icaltimezone *tz_find(const char *tz)
{
    if (!tz_name_plausible(tz))
        return NULL;
    if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
        return icaltimezone_get_utc_timezone();
    return icaltimezone_get_builtin_timezone(tz);
}

bool rules_timezone_valid(const char *tz)
{
    return tz_find(tz) != NULL;
}

mento_status rules_local_time(int64_t t, const char *tz, struct rules_local_time *out)
{
    icaltimezone *zone = tz_find(tz);
    if (!zone)
        return MENTO_ERR_TZ;
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    struct icaltimetype u = icaltime_from_timet_with_zone((time_t)t, 0, utc);
    struct icaltimetype l = icaltime_convert_to_zone(u, zone);
    out->year = l.year;
    out->month = l.month;
    out->day = l.day;
    out->hour = l.hour;
    out->minute = l.minute;
    out->second = l.second;
    out->weekday = icaltime_day_of_week(l) - 1; /* libical: 1 = Sunday */
    int is_dst = 0;
    out->utc_offset = icaltimezone_get_utc_offset(zone, &l, &is_dst);
    return MENTO_OK;
}

mento_status rules_request_deadline(int64_t sent_at, const char *tz, int days, int64_t *deadline)
{
    icaltimezone *zone = tz_find(tz);
    if (!zone)
        return MENTO_ERR_TZ;
    if (days < 0 || days > 365)
        return MENTO_ERR_RANGE;
    int64_t due = sent_at + (int64_t)days * 86400;
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    struct icaltimetype local =
        icaltime_convert_to_zone(icaltime_from_timet_with_zone((time_t)due, 0, utc), zone);
    int dow = icaltime_day_of_week(local); /* 1 = Sunday ... 7 = Saturday */
    int shift = dow == 7 ? 2 : dow == 1 ? 1 : 0;
    if (shift) {
        /* Same wall-clock time on Monday, whatever the offset is then. */
        icaltime_adjust(&local, shift, 0, 0, 0);
        due = (int64_t)icaltime_as_timet_with_zone(local, zone);
    }
    *deadline = due;
    return MENTO_OK;
}

bool rules_languages_share(unsigned a, unsigned b)
{
    return (a & b & MENTO_LANG_ALL) != 0;
}

/* ---- Eligibility ----------------------------------------------------------- */

#define G(x) (1u << MENTO_GRADE_##x)

static bool grade_in(mento_grade g, unsigned set)
{
    return g > MENTO_GRADE_NONE && g < MENTO_GRADE_COUNT && (set & (1u << g));
}

static bool str_eq(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

__attribute__((format(printf, 3, 4))) static mento_status refuse(char *reason, size_t len,
                                                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, len, fmt, ap);
    va_end(ap);
    return MENTO_ERR_INVALID;
}

mento_status rules_check_eligibility(const struct mento_programme *prog, unsigned roles,
                                     const struct mento_profile *p, char *reason,
                                     size_t reason_len)
{
    const char *grade = p->grade ? mento_grade_name(p->grade) : "not given";
    if (reason_len)
        reason[0] = '\0';
    if (!(roles & (MENTO_ROLE_MENTEE | MENTO_ROLE_MENTOR)))
        return refuse(reason, reason_len, "%sRegister as a mentee, a mentor or both.", "");
    switch (prog->eligibility) {
    case MENTO_ELIGIBILITY_TOGETHER: {
        const char *a = p->appointment_type;
        bool staff = str_eq(a, "fixed-term") || str_eq(a, "continuing") || str_eq(a, "permanent");
        bool retiree = str_eq(a, "retiree") || p->grade == MENTO_GRADE_RETIREE;
        if (retiree && (roles & MENTO_ROLE_MENTEE))
            return refuse(reason, reason_len,
                          "Retirees take part in Together as mentors only%s.", "");
        if (!staff && !retiree)
            return refuse(reason, reason_len,
                          "Together is open to staff on fixed-term, continuing or permanent "
                          "appointments; your appointment type is %s.",
                          a ? a : "not given");
        return MENTO_OK;
    }
    case MENTO_ELIGIBILITY_IOM:
        if ((roles & MENTO_ROLE_MENTOR) &&
            !grade_in(p->grade, G(G6) | G(G7) | G(NOC) | G(NOD) | G(P3) | G(P4) | G(P5) |
                                    G(D1) | G(D2)))
            return refuse(reason, reason_len,
                          "IOM mentors must be at grade G-6, G-7, NO-C, NO-D, P-3 to P-5, D-1 "
                          "or D-2; your grade is %s.",
                          grade);
        if ((roles & MENTO_ROLE_MENTOR) && p->years_experience < 5) {
            char years[32];
            if (p->years_experience < 0)
                snprintf(years, sizeof years, "not given");
            else
                snprintf(years, sizeof years, "%d", p->years_experience);
            return refuse(reason, reason_len,
                          "IOM mentors need at least 5 years of cumulative experience; you "
                          "have %s.",
                          years);
        }
        if ((roles & MENTO_ROLE_MENTEE) &&
            !grade_in(p->grade, G(G4) | G(G5) | G(G6) | G(G7) | G(NOA) | G(NOB) | G(NOC) |
                                    G(NOD) | G(UG) | G(P1) | G(P2) | G(P3)))
            return refuse(reason, reason_len,
                          "IOM mentees must be at grade G-4 to G-7, NO-A to NO-D, UG or P-1 to "
                          "P-3; your grade is %s.",
                          grade);
        return MENTO_OK;
    case MENTO_ELIGIBILITY_UNDP_JPO:
        if ((roles & MENTO_ROLE_MENTEE) && (p->jpo_months < 0 || p->jpo_months > 6))
            return refuse(reason, reason_len,
                          "The JPO induction programme is for JPOs in their first 6 months; "
                          "%s",
                          p->jpo_months < 0 ? "answer how many months you have served as JPO."
                                            : "you have served longer.");
        /* Mentors: JPOs with at least a year behind them, or staff at P-3,
         * NO-C or above, who can speak of the organisation from experience. */
        if ((roles & MENTO_ROLE_MENTOR) && p->jpo_months < 12 &&
            mento_grade_rank(p->grade) < mento_grade_rank(MENTO_GRADE_P3))
            return refuse(reason, reason_len,
                          "JPO induction mentors have served at least 12 months as JPO or are "
                          "at P-3, NO-C or above; your grade is %s.",
                          grade);
        return MENTO_OK;
    }
    return refuse(reason, reason_len, "%sThis programme's eligibility rule is unknown.", "");
}

mento_status rules_check_required(const struct mento_profile *p, const char **field)
{
    const char *missing = NULL;
    if (!p->name || !*p->name)
        missing = "name";
    else if (p->grade == MENTO_GRADE_NONE)
        missing = "grade";
    else if (!(p->languages & MENTO_LANG_ALL))
        missing = "languages";
    else if (!p->timezone || !*p->timezone)
        missing = "timezone";
    else if (!p->job_network || !*p->job_network)
        missing = "job_network";
    else if (!p->entity || !*p->entity)
        missing = "entity";
    else if (!p->duty_station || !*p->duty_station)
        missing = "duty_station";
    if (field)
        *field = missing;
    return missing ? MENTO_ERR_MISSING : MENTO_OK;
}

/* ---- Match score ------------------------------------------------------------ */

/* Copy at most `cap - 1` bytes of `s` without splitting a UTF-8 character. */
static void copy_utf8(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void add_reason(struct mento_score *sc, mento_reason_code code, int points,
                       const char *detail)
{
    if (sc->n_reasons == MENTO_MAX_REASONS)
        return;
    struct mento_reason *r = &sc->reasons[sc->n_reasons++];
    r->code = code;
    r->points = points;
    copy_utf8(r->detail, sizeof r->detail, detail ? detail : "");
    sc->total += points;
}

static bool same(const char *a, const char *b)
{
    return a && b && *a && *b && strcmp(a, b) == 0;
}

static int cmp_reason(const void *pa, const void *pb)
{
    const struct mento_reason *a = pa, *b = pb;
    if (a->points != b->points)
        return b->points - a->points;
    return (int)a->code - (int)b->code;
}

static char *fold_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *f = utf8_fold(s);
    if (!f)
        *ok = false;
    return f;
}

mento_status rules_match_input_init(struct rules_match_input *in, const struct mento_profile *p,
                                    int64_t now)
{
    memset(in, 0, sizeof *in);
    in->profile = p;
    bool ok = true;
    in->job_network = fold_or_null(p->job_network, &ok);
    in->entity = fold_or_null(p->entity, &ok);
    in->duty_station = fold_or_null(p->duty_station, &ok);
    for (size_t i = 0; i < p->n_skills; i++)
        in->skills[in->n_skills++] = fold_or_null(p->skills[i], &ok);
    for (size_t i = 0; i < p->n_goals; i++)
        in->goals[in->n_goals++] = fold_or_null(p->goals[i], &ok);
    struct rules_local_time lt;
    if (p->timezone && rules_local_time(now, p->timezone, &lt) == MENTO_OK) {
        in->has_offset = true;
        in->utc_offset = lt.utc_offset;
    }
    if (!ok) {
        rules_match_input_free(in);
        return MENTO_ERR_NOMEM;
    }
    return MENTO_OK;
}

void rules_match_input_free(struct rules_match_input *in)
{
    free(in->job_network);
    free(in->entity);
    free(in->duty_station);
    for (size_t i = 0; i < in->n_skills; i++)
        free(in->skills[i]);
    for (size_t i = 0; i < in->n_goals; i++)
        free(in->goals[i]);
    memset(in, 0, sizeof *in);
}

void rules_match_score_prepared(const struct rules_match_input *me,
                                const struct rules_match_input *mr, struct mento_score *out)
{
    const struct mento_profile *mentee = me->profile, *mentor = mr->profile;
    memset(out, 0, sizeof *out);
    char detail[256];

    if (same(me->job_network, mr->job_network))
        add_reason(out, MENTO_REASON_JOB_NETWORK, 30, mentor->job_network);

    /* Goals of the mentee that the mentor lists as expertise. */
    int matches = 0;
    detail[0] = '\0';
    for (size_t g = 0; g < me->n_goals && matches < 3; g++)
        for (size_t s = 0; s < mr->n_skills; s++)
            if (same(me->goals[g], mr->skills[s])) {
                size_t used = strlen(detail);
                snprintf(detail + used, sizeof detail - used, "%s%s", matches ? ", " : "",
                         mentor->skills[s]);
                matches++;
                break;
            }
    if (matches)
        add_reason(out, MENTO_REASON_GOALS, 10 * matches, detail);

    int rm = mento_grade_rank(mentor->grade), re = mento_grade_rank(mentee->grade);
    if (rm > 0 && re > 0 && rm > re) {
        snprintf(detail, sizeof detail, "%s mentor for a %s mentee",
                 mento_grade_name(mentor->grade), mento_grade_name(mentee->grade));
        add_reason(out, MENTO_REASON_SENIORITY, 15, detail);
    }

    if (mentor->years_experience >= 10) {
        snprintf(detail, sizeof detail, "%d years of experience", mentor->years_experience);
        add_reason(out, MENTO_REASON_EXPERIENCE, 10, detail);
    }

    if (same(me->duty_station, mr->duty_station)) {
        add_reason(out, MENTO_REASON_DUTY_STATION, 5, mentor->duty_station);
    } else if (me->has_offset && mr->has_offset) {
        int diff = me->utc_offset - mr->utc_offset;
        if (diff < 0)
            diff = -diff;
        if (diff <= 3 * 3600) {
            snprintf(detail, sizeof detail, "%s is within %d hours of you", mentor->timezone,
                     (diff + 3599) / 3600);
            add_reason(out, MENTO_REASON_TIMEZONE, 5, detail);
        }
    }

    if ((mentee->languages & mentor->languages & MENTO_LANG_ALL) == MENTO_LANG_ALL)
        add_reason(out, MENTO_REASON_LANGUAGES, 5, "English and French");

    if (me->entity && mr->entity && *me->entity && *mr->entity && !same(me->entity, mr->entity)) {
        snprintf(detail, sizeof detail, "A view from %s", mentor->entity);
        add_reason(out, MENTO_REASON_OTHER_ENTITY, 5, detail);
    }

    if (out->total > 100)
        out->total = 100;
    qsort(out->reasons, out->n_reasons, sizeof out->reasons[0], cmp_reason);
}

void rules_match_score(const struct mento_profile *mentee, const struct mento_profile *mentor,
                       struct mento_score *out)
{
    struct rules_match_input a, b;
    int64_t now = (int64_t)time(NULL);
    if (rules_match_input_init(&a, mentee, now) != MENTO_OK) {
        memset(out, 0, sizeof *out);
        return;
    }
    if (rules_match_input_init(&b, mentor, now) != MENTO_OK) {
        rules_match_input_free(&a);
        memset(out, 0, sizeof *out);
        return;
    }
    rules_match_score_prepared(&a, &b, out);
    rules_match_input_free(&a);
    rules_match_input_free(&b);
}

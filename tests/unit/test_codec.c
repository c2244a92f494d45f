/* test_codec.c - every model type survives a round trip through JSON, and
 * each kind of bad input is refused with the offending field named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mento/codec.h"

static cJSON *parse(const char *s)
{
    cJSON *j = cJSON_Parse(s);
    assert_non_null(j);
    return j;
}

/* Encode, print, parse and decode: the text a client really receives. */
static cJSON *through_text(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    cJSON *back = parse(s);
    free(s);
    return back;
}

static void full_profile(struct mento_profile *p)
{
    mento_profile_init(p);
    p->user_id = 42;
    p->name = strdup("Nguyễn Thị Mai");
    p->index_number = strdup("123456");
    p->grade = MENTO_GRADE_P2;
    p->job_network = strdup("Political, Peace and Humanitarian");
    p->entity = strdup("OCHA");
    p->duty_station = strdup("Bogotá");
    p->timezone = strdup("America/Bogota");
    p->languages = MENTO_LANG_EN | MENTO_LANG_FR;
    p->years_experience = 6;
    p->jpo_months = 3;
    p->appointment_type = strdup("fixed-term");
    p->bio = strdup("Line one.\nLine two with \"quotes\" and '; DROP TABLE users; --");
    p->linkedin = strdup("https://www.linkedin.com/in/mai");
    p->skills[p->n_skills++] = strdup("Humanitarian coordination");
    p->goals[p->n_goals++] = strdup("Policy work");
    p->goals[p->n_goals++] = strdup("Public speaking");
}

static void assert_same_profile(const struct mento_profile *a, const struct mento_profile *b)
{
    assert_int_equal(a->user_id, b->user_id);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->index_number, b->index_number);
    assert_int_equal(a->grade, b->grade);
    assert_string_equal(a->job_network, b->job_network);
    assert_string_equal(a->entity, b->entity);
    assert_string_equal(a->duty_station, b->duty_station);
    assert_string_equal(a->timezone, b->timezone);
    assert_int_equal(a->languages, b->languages);
    assert_int_equal(a->years_experience, b->years_experience);
    assert_int_equal(a->jpo_months, b->jpo_months);
    assert_string_equal(a->appointment_type, b->appointment_type);
    assert_string_equal(a->bio, b->bio);
    assert_string_equal(a->linkedin, b->linkedin);
    assert_int_equal(a->n_skills, b->n_skills);
    assert_int_equal(a->n_goals, b->n_goals);
    for (size_t i = 0; i < a->n_goals; i++)
        assert_string_equal(a->goals[i], b->goals[i]);
}

static void profile_round_trip(void **state)
{
    (void)state;
    struct mento_profile p, q;
    full_profile(&p);
    cJSON *j = through_text(codec_profile_to_json(&p, CODEC_PROFILE_ADMIN_ONLY));
    mento_profile_init(&q);
    struct codec_error err = {{0}};
    assert_int_equal(codec_profile_from_json(j, &q, &err), MENTO_OK);
    assert_same_profile(&p, &q);
    cJSON_Delete(j);
    mento_profile_free(&p);
    mento_profile_free(&q);
}

static void admin_only_answers_stay_out(void **state)
{
    (void)state;
    struct mento_profile p;
    full_profile(&p);
    p.email = strdup("mai@un.example");
    cJSON *j = codec_profile_to_json(&p, 0);
    assert_null(cJSON_GetObjectItem(j, "index_number"));
    assert_null(cJSON_GetObjectItem(j, "appointment_type"));
    assert_null(cJSON_GetObjectItem(j, "jpo_months"));
    assert_null(cJSON_GetObjectItem(j, "email"));
    assert_non_null(cJSON_GetObjectItem(j, "name"));
    cJSON_Delete(j);
    j = codec_profile_to_json(&p, CODEC_PROFILE_ADMIN_ONLY | CODEC_PROFILE_EMAIL);
    assert_string_equal(cJSON_GetObjectItem(j, "index_number")->valuestring, "123456");
    assert_string_equal(cJSON_GetObjectItem(j, "email")->valuestring, "mai@un.example");
    cJSON_Delete(j);
    mento_profile_free(&p);
}

/* Decoding `json` fails with `want`, naming `field`. */
static void refused(const char *json, mento_status want, const char *field)
{
    cJSON *j = parse(json);
    struct mento_profile p;
    mento_profile_init(&p);
    struct codec_error err = {{0}};
    assert_int_equal(codec_profile_from_json(j, &p, &err), want);
    assert_string_equal(err.field, field);
    mento_profile_free(&p);
    cJSON_Delete(j);
}

static void profile_errors_name_the_field(void **state)
{
    (void)state;
    refused("{\"colour\":\"red\"}", MENTO_ERR_UNKNOWN_FIELD, "colour");
    refused("{\"grade\":5}", MENTO_ERR_TYPE, "grade");
    refused("{\"grade\":\"P-9\"}", MENTO_ERR_INVALID, "grade");
    refused("{\"languages\":[\"en\",\"de\"]}", MENTO_ERR_INVALID, "languages");
    refused("{\"languages\":\"en\"}", MENTO_ERR_TYPE, "languages");
    refused("{\"timezone\":\"Europe/Nowhere\"}", MENTO_ERR_TZ, "timezone");
    refused("{\"years_experience\":61}", MENTO_ERR_RANGE, "years_experience");
    refused("{\"years_experience\":-1}", MENTO_ERR_RANGE, "years_experience");
    refused("{\"years_experience\":1.5}", MENTO_ERR_TYPE, "years_experience");
    refused("{\"linkedin\":\"http://example.org/x\"}", MENTO_ERR_INVALID, "linkedin");
    refused("{\"appointment_type\":\"intern\"}", MENTO_ERR_INVALID, "appointment_type");
    refused("{\"skills\":[\"\"]}", MENTO_ERR_INVALID, "skills");
    refused("{\"name\":\"tab\\there\"}", MENTO_ERR_INVALID, "name");

    char longname[200] = "{\"name\":\"";
    memset(longname + 9, 'a', 121);
    strcpy(longname + 130, "\"}");
    refused(longname, MENTO_ERR_TOO_LONG, "name");
    /* 120 letters of two bytes each: the limit counts characters, not bytes. */
    char wide[400] = "{\"name\":\"";
    for (int i = 0; i < 120; i++)
        memcpy(wide + 9 + 2 * i, "\xc3\xa9", 2);
    strcpy(wide + 9 + 240, "\"}");
    cJSON *j = parse(wide);
    struct mento_profile p;
    mento_profile_init(&p);
    assert_int_equal(codec_profile_from_json(j, &p, NULL), MENTO_OK);
    mento_profile_free(&p);
    cJSON_Delete(j);

    char tags[1024] = "{\"goals\":[";
    for (int i = 0; i < 17; i++)
        strcat(tags, i ? ",\"g\"" : "\"g\"");
    strcat(tags, "]}");
    refused(tags, MENTO_ERR_RANGE, "goals");

    /* cJSON does not check UTF-8: the codec must. */
    cJSON *bad = cJSON_CreateObject();
    cJSON_AddStringToObject(bad, "bio", "caf\xe9");
    mento_profile_init(&p);
    struct codec_error err = {{0}};
    assert_int_equal(codec_profile_from_json(bad, &p, &err), MENTO_ERR_UTF8);
    assert_string_equal(err.field, "bio");
    mento_profile_free(&p);
    cJSON_Delete(bad);
}

static void set_answer_and_clear(void **state)
{
    (void)state;
    struct mento_profile p;
    full_profile(&p);
    cJSON *v = cJSON_CreateString("P-4");
    assert_int_equal(codec_profile_set_answer(&p, "grade", v, NULL), MENTO_OK);
    assert_int_equal(p.grade, MENTO_GRADE_P4);
    cJSON_Delete(v);
    v = cJSON_CreateNull();
    assert_int_equal(codec_profile_set_answer(&p, "bio", v, NULL), MENTO_OK);
    assert_null(p.bio);
    assert_null(codec_profile_answer(&p, MENTO_QUESTION_BIO));
    assert_int_equal(codec_profile_set_answer(&p, "goals", v, NULL), MENTO_OK);
    assert_int_equal(p.n_goals, 0);
    assert_int_equal(codec_profile_set_answer(&p, "nope", v, NULL), MENTO_ERR_UNKNOWN_FIELD);
    cJSON_Delete(v);
    mento_profile_free(&p);
}

static void times_parse_and_format(void **state)
{
    (void)state;
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 23, .tm_hour = 9, .tm_min = 30};
    int64_t want = (int64_t)timegm(&tm);
    int64_t t;
    char buf[CODEC_TIME_LEN];
    codec_time_format(want, buf);
    assert_string_equal(buf, "2026-11-23T09:30:00Z");
    assert_int_equal(codec_time_parse("2026-11-23T09:30:00Z", &t), MENTO_OK);
    assert_int_equal(t, want);
    assert_int_equal(codec_time_parse("2026-11-23T12:30:00+03:00", &t), MENTO_OK);
    assert_int_equal(t, want);
    assert_int_equal(codec_time_parse("2026-11-23T04:30:00.250-05:00", &t), MENTO_OK);
    assert_int_equal(t, want);
    assert_int_equal(codec_time_parse("2026-11-23 09:30:00Z", &t), MENTO_ERR_INVALID);
    assert_int_equal(codec_time_parse("2026-02-29T00:00:00Z", &t), MENTO_ERR_INVALID);
    assert_int_equal(codec_time_parse("2026-13-01T00:00:00Z", &t), MENTO_ERR_INVALID);
    assert_int_equal(codec_time_parse("2026-11-23T09:30:00", &t), MENTO_ERR_INVALID);
    assert_int_equal(codec_time_parse("yesterday", &t), MENTO_ERR_INVALID);
}

static void programme_round_trip(void **state)
{
    (void)state;
    struct mento_programme p, q;
    mento_programme_init(&p);
    p.id = strdup("iom-2025");
    p.name = strdup("IOM Mentoring Programme 2025");
    p.kind = MENTO_PROGRAMME_COHORT;
    p.matching = MENTO_MATCHING_ADMIN_LED;
    p.eligibility = MENTO_ELIGIBILITY_IOM;
    p.applications_open = 1790000000;
    p.applications_close = 1794838400;
    p.length_months = 6;
    p.n_agenda = 2;
    p.agenda = calloc(2, sizeof *p.agenda);
    p.agenda[0] = strdup("Getting to know each other");
    p.agenda[1] = strdup("Goals");
    p.n_resources = 1;
    p.resources = calloc(1, sizeof *p.resources);
    p.resources[0].id = strdup("handbook");
    p.resources[0].kind = strdup("handbook");
    p.resources[0].title = strdup("Mentee handbook");
    p.resources[0].body = strdup("# Welcome\n\nRead me.");
    cJSON *j = through_text(codec_programme_to_json(&p));
    mento_programme_init(&q);
    assert_int_equal(codec_programme_from_json(j, &q, NULL), MENTO_OK);
    assert_string_equal(q.id, p.id);
    assert_int_equal(q.kind, MENTO_PROGRAMME_COHORT);
    assert_int_equal(q.matching, MENTO_MATCHING_ADMIN_LED);
    assert_int_equal(q.eligibility, MENTO_ELIGIBILITY_IOM);
    assert_int_equal(q.applications_close, p.applications_close);
    assert_int_equal(q.n_agenda, 2);
    assert_string_equal(q.agenda[1], "Goals");
    assert_string_equal(q.resources[0].body, p.resources[0].body);
    assert_int_equal(q.mentor_capacity_max, 3);
    cJSON_Delete(j);
    /* An evergreen programme has no cohort dates on the wire. */
    p.kind = MENTO_PROGRAMME_EVERGREEN;
    j = codec_programme_to_json(&p);
    assert_null(cJSON_GetObjectItem(j, "applications_open"));
    cJSON_Delete(j);
    mento_programme_free(&p);
    mento_programme_free(&q);
}

static void records_round_trip(void **state)
{
    (void)state;
    struct mento_request r = {.id = 88, .mentee_id = 3, .mentor_id = 77,
                              .kind = MENTO_KIND_NETWORKING, .state = MENTO_REQUEST_PASSED_ON,
                              .sent_at = 1795000000, .deadline = 1795259200,
                              .decided_at = 1795100000};
    r.programme_id = strdup("together");
    r.message = strdup("Bonjour !");
    struct mento_request r2;
    cJSON *j = through_text(codec_request_to_json(&r));
    assert_int_equal(codec_request_from_json(j, &r2, NULL), MENTO_OK);
    assert_int_equal(r2.state, MENTO_REQUEST_PASSED_ON);
    assert_int_equal(r2.kind, MENTO_KIND_NETWORKING);
    assert_int_equal(r2.deadline, r.deadline);
    assert_string_equal(r2.message, r.message);
    cJSON_Delete(j);
    mento_request_free(&r);
    mento_request_free(&r2);

    struct mento_session s = {.id = 5, .pairing_id = 2, .number = 3,
                              .state = MENTO_SESSION_BOOKED, .starts_at = 1795000000,
                              .duration_min = 45};
    s.timezone = strdup("Asia/Kabul");
    s.agenda = strdup("Progress on goals");
    struct mento_session s2;
    j = through_text(codec_session_to_json(&s));
    assert_int_equal(codec_session_from_json(j, &s2, NULL), MENTO_OK);
    assert_int_equal(s2.duration_min, 45);
    assert_string_equal(s2.timezone, "Asia/Kabul");
    cJSON_Delete(j);
    mento_session_free(&s);
    mento_session_free(&s2);

    /* Ciphertext is binary: zero bytes and high bytes must survive. */
    unsigned char ct[] = {0, 1, 2, 0xff, 0, 0x80, 'x'};
    struct mento_note_record n = {.owner_id = 9, .pairing_id = 2, .version = 4};
    n.id = strdup("6f1c2b1e-0d5a-4e2b-9a51-7c3d1b9e0f11");
    n.ciphertext = malloc(sizeof ct);
    memcpy(n.ciphertext, ct, sizeof ct);
    n.ciphertext_len = sizeof ct;
    struct mento_note_record n2;
    j = through_text(codec_note_record_to_json(&n));
    assert_int_equal(codec_note_record_from_json(j, &n2, NULL), MENTO_OK);
    assert_int_equal(n2.ciphertext_len, sizeof ct);
    assert_memory_equal(n2.ciphertext, ct, sizeof ct);
    assert_int_equal(n2.version, 4);
    cJSON_Delete(j);
    mento_note_record_free(&n);
    mento_note_record_free(&n2);

    struct codec_error err = {{0}};
    j = parse("{\"id\":\"a\",\"ciphertext\":\"not base64!\"}");
    assert_int_equal(codec_note_record_from_json(j, &n2, &err), MENTO_ERR_INVALID);
    assert_string_equal(err.field, "ciphertext");
    cJSON_Delete(j);
}

static void score_and_wish_round_trip(void **state)
{
    (void)state;
    struct mento_score s;
    memset(&s, 0, sizeof s); /* padding too: the structs are compared bytewise */
    s.total = 45;
    s.n_reasons = 2;
    s.reasons[0] = (struct mento_reason){MENTO_REASON_JOB_NETWORK, 30, "Legal"};
    s.reasons[1] = (struct mento_reason){MENTO_REASON_TIMEZONE, 5, "Africa/Nairobi"};
    struct mento_score s2;
    cJSON *j = through_text(codec_score_to_json(&s));
    assert_int_equal(codec_score_from_json(j, &s2, NULL), MENTO_OK);
    assert_memory_equal(&s, &s2, sizeof s);
    cJSON_Delete(j);

    struct mento_wish w = {.mentor_id = 77, .position = 2, .available = true}, w2;
    j = through_text(codec_wish_to_json(&w));
    assert_int_equal(codec_wish_from_json(j, &w2, NULL), MENTO_OK);
    assert_int_equal(w2.mentor_id, 77);
    assert_int_equal(w2.position, 2);
    assert_true(w2.available);
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profile_round_trip),
        cmocka_unit_test(admin_only_answers_stay_out),
        cmocka_unit_test(profile_errors_name_the_field),
        cmocka_unit_test(set_answer_and_clear),
        cmocka_unit_test(times_parse_and_format),
        cmocka_unit_test(programme_round_trip),
        cmocka_unit_test(records_round_trip),
        cmocka_unit_test(score_and_wish_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

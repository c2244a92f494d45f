/* codec.h - JSON encoding and strict decoding of the model (cJSON).
 * Decoders refuse unknown fields, wrong types, invalid UTF-8 and over-long
 * text, naming the offending field, so that a bad body never half-applies. */
#ifndef MENTO_CODEC_H
#define MENTO_CODEC_H

#include <cjson/cJSON.h>

#include "mento/model.h"

/* Where a decoder failed: the field's key (or "" for the object itself). */
struct codec_error {
    char field[64];
};

/* ---- Time ------------------------------------------------------------------
 * RFC 3339 in UTC with a 'Z' suffix: "2026-11-23T09:30:00Z". Parsing also
 * accepts a numeric offset ("+03:00"). */
#define CODEC_TIME_LEN 32
void codec_time_format(int64_t t, char out[CODEC_TIME_LEN]);
mento_status codec_time_parse(const char *s, int64_t *out);

/* ---- Profile --------------------------------------------------------------- */
enum codec_profile_flags {
    CODEC_PROFILE_ADMIN_ONLY = 1u << 0, /* include admin-only answers */
    CODEC_PROFILE_EMAIL = 1u << 1,      /* include the e-mail address */
};
/* {"user_id":..,"name":..,"grade":"P-3","languages":["en","fr"],...}.
 * Unanswered optional answers are omitted. NULL only when out of memory. */
cJSON *codec_profile_to_json(const struct mento_profile *p, unsigned flags);
/* Every key must be a question key (or "user_id"/"email"); each value is
 * validated as by codec_profile_set_answer. `out` must be initialised; on
 * error it is left initialised (possibly partly filled) and err->field names
 * the culprit. */
mento_status codec_profile_from_json(const cJSON *obj, struct mento_profile *out,
                                     struct codec_error *err);
/* Set one answer by question key, validating type, range, length, UTF-8 and
 * the choice lists (grade names, appointment types, "en"/"fr", IANA zones). */
mento_status codec_profile_set_answer(struct mento_profile *p, const char *key,
                                      const cJSON *value, struct codec_error *err);
/* The JSON value of one answer (NULL when unanswered or out of memory). */
cJSON *codec_profile_answer(const struct mento_profile *p, mento_question_id q);

/* Language bit set <-> ["en","fr"]. */
cJSON *codec_languages_to_json(unsigned langs);
mento_status codec_languages_from_json(const cJSON *arr, unsigned *out);

/* ---- Questionnaire and programme -------------------------------------------- */
/* [{"key":"name","label":"Full name","type":"text","visibility":"shown","max":120,
 *   "choices":[...]}, ...] */
cJSON *codec_questionnaire_to_json(void);
cJSON *codec_programme_to_json(const struct mento_programme *p);
mento_status codec_programme_from_json(const cJSON *obj, struct mento_programme *out,
                                       struct codec_error *err);

/* ---- Directory ------------------------------------------------------------- */
/* {"total":72,"reasons":[{"code":"job_network","points":30,"detail":"..."}]} */
cJSON *codec_score_to_json(const struct mento_score *s);
mento_status codec_score_from_json(const cJSON *obj, struct mento_score *out,
                                   struct codec_error *err);

/* ---- Workflow records -------------------------------------------------------- */
cJSON *codec_wish_to_json(const struct mento_wish *w);
mento_status codec_wish_from_json(const cJSON *obj, struct mento_wish *out,
                                  struct codec_error *err);
cJSON *codec_request_to_json(const struct mento_request *r);
mento_status codec_request_from_json(const cJSON *obj, struct mento_request *out,
                                     struct codec_error *err);
cJSON *codec_pairing_to_json(const struct mento_pairing *p);
mento_status codec_pairing_from_json(const cJSON *obj, struct mento_pairing *out,
                                     struct codec_error *err);
cJSON *codec_session_to_json(const struct mento_session *s);
mento_status codec_session_from_json(const cJSON *obj, struct mento_session *out,
                                     struct codec_error *err);
/* Ciphertext travels as standard base64 in "ciphertext". */
cJSON *codec_note_record_to_json(const struct mento_note_record *n);
mento_status codec_note_record_from_json(const cJSON *obj, struct mento_note_record *out,
                                         struct codec_error *err);
cJSON *codec_notification_to_json(const struct mento_notification *n);
mento_status codec_notification_from_json(const cJSON *obj, struct mento_notification *out,
                                          struct codec_error *err);

#endif

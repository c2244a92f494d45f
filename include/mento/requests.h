/* requests.h - what the other areas of mentod ask of the request workflow
 * (src/server/api_requests.c): sending a request, leaving every request
 * process, and passing on a full mentor's open requests. All run inside the
 * caller's write transaction. */
#ifndef MENTO_REQUESTS_H
#define MENTO_REQUESTS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "mento/api.h"
#include "mento/error.h"

/* Send a request from `mentee` to `mentor` in `programme` under every rule of
 * POST /v1/programmes/{id}/requests (one open request, capacities, language,
 * do-not-match, frozen, hidden). On success *request_out (may be NULL)
 * receives the request object and MENTO_OK is returned; on refusal `resp`
 * holds the error answer and another status is returned. `message` may be
 * NULL. */
mento_status requests_send(struct api_ctx *ctx, const char *programme, int64_t mentee,
                           int64_t mentor, const char *kind, const char *message,
                           cJSON **request_out, struct http_response *resp);

/* `user` leaves every request process in every programme (freeze): their
 * open request as a mentee is withdrawn (no cascade; its id is appended to
 * `withdrawn_ids` when not NULL), and every open request addressed to them as
 * a mentor is passed on as declined, each mentee told and the cascade
 * applied (*passed_on, when not NULL, receives how many). */
mento_status requests_leave_all(struct api_ctx *ctx, int64_t user, cJSON *withdrawn_ids,
                                int *passed_on);

/* When `mentor` is full in `programme` (active pairings >= capacity), pass
 * their other open requests on as declined, with the cascade. Does nothing
 * otherwise. */
mento_status requests_pass_on_if_full(struct api_ctx *ctx, const char *programme,
                                      int64_t mentor);

#endif

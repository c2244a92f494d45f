/* link_kit.h - the link emulator (tests/tools/linkemu, named by $LINKEMU) run
 * between a test's clients and the harness's mentod: clients connect to
 * harness_link_url() and every byte pays the link's delay; commands (drop,
 * refuse, stall, cut-after N...) go to its stdin. See tests/tools/README.md. */
#ifndef MENTO_TESTS_API_LINK_KIT_H
#define MENTO_TESTS_API_LINK_KIT_H

#include "harness.h"

struct harness_link;

/* Start linkemu in front of the server of `h`, `delay_ms` each way. Its port
 * file is written in `dir` (a folder of the test); `capture_dir` (NULL: no
 * capture) is passed as --capture and must exist. Waits (at most 10 s) until
 * it listens. 0 on success; -1 with a message on stderr. */
int harness_link_start(struct harness *h, const char *dir, unsigned delay_ms,
                       const char *capture_dir, struct harness_link **out);
/* "http://127.0.0.1:PORT": the server, through the link. */
const char *harness_link_url(const struct harness_link *l);
/* One command; fails the test unless linkemu answers "ok" within 10 s. */
void harness_link_cmd(struct harness_link *l, const char *cmd);
/* SIGTERM linkemu, wait for it (at most 10 s) and free everything. 0 when it
 * exited with status 0. NULL is allowed. */
int harness_link_stop(struct harness_link *l);

#endif

/* assign.h - the best assignment of mentees to mentors' free places.
 *
 * A transportation problem: each mentee takes at most one mentor, each mentor
 * at most `capacity` mentees, along the allowed pairs only. Among all such
 * assignments the solver returns one of maximum total weight (it is not a
 * greedy pass: a pair that looks best alone is given up when two others are
 * worth more together). Solved as a minimum-cost flow, one row at a time along
 * shortest paths (Dijkstra with vertex potentials, as in the Hungarian method).
 *
 * Cost: at worst O(R * (P + R + C) * log(R + C)) for R mentees, C mentors and
 * P allowed pairs, far less while mentors have free places; memory
 * O(P + R + C). Callers bound the size with the limits below. */
#ifndef MENTO_ASSIGN_H
#define MENTO_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "mento/error.h"

/* Explicit limits of one problem; assign_solve refuses larger ones with
 * MENTO_ERR_RANGE. */
#define ASSIGN_MAX_ROWS   5000
#define ASSIGN_MAX_COLS   5000
#define ASSIGN_MAX_PAIRS  1000000
#define ASSIGN_MAX_WEIGHT ((int64_t)1 << 40)

/* One allowed pair: mentee `row`, mentor `col`, worth `weight` (> 0). */
struct assign_pair {
    uint32_t row, col;
    int64_t weight;
};

struct assign_problem {
    size_t n_rows, n_cols;
    const int *capacity; /* n_cols free places, each >= 0 */
    size_t n_pairs;
    const struct assign_pair *pairs; /* no row/col pair twice */
};

/* Solve `p`. `row_pair` (n_rows entries) receives, for each row, the index in
 * p->pairs of its chosen pair, or -1 when the row stays unassigned; `total`
 * the sum of the chosen weights. MENTO_ERR_INVALID for a malformed problem
 * (index out of range, weight <= 0 or above ASSIGN_MAX_WEIGHT, negative
 * capacity), MENTO_ERR_RANGE above the limits, MENTO_ERR_NOMEM. */
mento_status assign_solve(const struct assign_problem *p, int64_t *row_pair, int64_t *total);

#endif

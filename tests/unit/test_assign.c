/* test_assign.c - the assignment solver: the best total where a greedy pass
 * is wrong, capacities honoured, and the optimum of thousands of random small
 * problems compared with an exhaustive search written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mento/assign.h"

/* Checks that `row_pair` is a feasible assignment of `p` worth `total`. */
static void assert_feasible(const struct assign_problem *p, const int64_t *row_pair, int64_t total)
{
    int used[16] = {0};
    int64_t sum = 0;
    assert_true(p->n_cols <= 16);
    for (size_t r = 0; r < p->n_rows; r++) {
        if (row_pair[r] < 0)
            continue;
        assert_true((size_t)row_pair[r] < p->n_pairs);
        const struct assign_pair *a = &p->pairs[row_pair[r]];
        assert_int_equal(a->row, r);
        used[a->col]++;
        sum += a->weight;
    }
    for (size_t c = 0; c < p->n_cols; c++)
        assert_true(used[c] <= p->capacity[c]);
    assert_int_equal(sum, total);
}

static void greedy_is_not_enough(void **state)
{
    (void)state;
    /* A likes X best, but A-Y and B-X together are worth more than A-X. */
    const struct assign_pair pairs[] = {{0, 0, 10}, {0, 1, 9}, {1, 0, 8}};
    const int cap[] = {1, 1};
    struct assign_problem p = {2, 2, cap, 3, pairs};
    int64_t row_pair[2], total;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_OK);
    assert_int_equal(total, 17);
    assert_int_equal(row_pair[0], 1);
    assert_int_equal(row_pair[1], 2);
}

static void capacities_are_honoured(void **state)
{
    (void)state;
    /* Four mentees all prefer mentor 0, who has two places; mentor 1 has
     * one; mentor 2 none. One mentee stays unassigned. */
    struct assign_pair pairs[12];
    size_t n = 0;
    for (uint32_t r = 0; r < 4; r++) {
        pairs[n++] = (struct assign_pair){r, 0, 50 + r};
        pairs[n++] = (struct assign_pair){r, 1, 10};
        pairs[n++] = (struct assign_pair){r, 2, 90};
    }
    const int cap[] = {2, 1, 0};
    struct assign_problem p = {4, 3, cap, n, pairs};
    int64_t row_pair[4], total;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_OK);
    assert_feasible(&p, row_pair, total);
    int unassigned = 0;
    for (int r = 0; r < 4; r++)
        unassigned += row_pair[r] < 0;
    assert_int_equal(unassigned, 1);
    /* Mentor 0 takes the two who value them most (rows 3 and 2). */
    assert_int_equal(total, 53 + 52 + 10);
}

static void empty_and_pairless_problems(void **state)
{
    (void)state;
    int64_t row_pair[3] = {7, 7, 7}, total = 99;
    struct assign_problem none = {0, 0, NULL, 0, NULL};
    assert_int_equal(assign_solve(&none, row_pair, &total), MENTO_OK);
    assert_int_equal(total, 0);
    const int cap[] = {3};
    struct assign_problem alone = {3, 1, cap, 0, NULL};
    assert_int_equal(assign_solve(&alone, row_pair, &total), MENTO_OK);
    assert_int_equal(total, 0);
    for (int r = 0; r < 3; r++)
        assert_int_equal(row_pair[r], -1);
}

static void malformed_and_oversized_problems_are_refused(void **state)
{
    (void)state;
    int64_t row_pair[2], total;
    const int cap[] = {1};
    const int negative[] = {-1};
    const struct assign_pair bad_row[] = {{2, 0, 5}};
    const struct assign_pair bad_col[] = {{0, 1, 5}};
    const struct assign_pair zero[] = {{0, 0, 0}};
    const struct assign_pair huge[] = {{0, 0, ASSIGN_MAX_WEIGHT + 1}};
    const struct assign_pair fine[] = {{0, 0, 5}};
    struct assign_problem p = {2, 1, cap, 1, bad_row};
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_INVALID);
    p.pairs = bad_col;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_INVALID);
    p.pairs = zero;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_INVALID);
    p.pairs = huge;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_INVALID);
    p.pairs = fine;
    p.capacity = negative;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_INVALID);
    p.capacity = cap;
    p.n_rows = ASSIGN_MAX_ROWS + 1;
    assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_ERR_RANGE);
}

/* ---- Against an exhaustive search ----------------------------------------- */

struct brute {
    const struct assign_problem *p;
    int left[16];
    int64_t best;
};

static void brute_row(struct brute *b, size_t row, int64_t sum)
{
    if (row == b->p->n_rows) {
        if (sum > b->best)
            b->best = sum;
        return;
    }
    brute_row(b, row + 1, sum); /* unassigned */
    for (size_t i = 0; i < b->p->n_pairs; i++) {
        const struct assign_pair *a = &b->p->pairs[i];
        if (a->row != row || b->left[a->col] == 0)
            continue;
        b->left[a->col]--;
        brute_row(b, row + 1, sum + a->weight);
        b->left[a->col]++;
    }
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void optimal_on_random_problems(void **state)
{
    (void)state;
    uint64_t seed = 0x6d656e746f2d3031u;
    for (int round = 0; round < 3000; round++) {
        size_t rows = 1 + next_random(&seed) % 7, cols = 1 + next_random(&seed) % 5;
        int cap[16];
        for (size_t c = 0; c < cols; c++)
            cap[c] = (int)(next_random(&seed) % 3);
        struct assign_pair pairs[64];
        size_t n = 0;
        for (uint32_t r = 0; r < rows; r++)
            for (uint32_t c = 0; c < cols; c++)
                if (next_random(&seed) % 3 != 0)
                    pairs[n++] = (struct assign_pair){r, c, 1 + (int64_t)(next_random(&seed) % 40)};
        struct assign_problem p = {rows, cols, cap, n, pairs};
        int64_t row_pair[16], total;
        assert_int_equal(assign_solve(&p, row_pair, &total), MENTO_OK);
        assert_feasible(&p, row_pair, total);
        struct brute b = {.p = &p, .best = 0};
        memcpy(b.left, cap, sizeof cap);
        brute_row(&b, 0, 0);
        if (total != b.best)
            fail_msg("round %d: solver %lld, exhaustive %lld", round, (long long)total,
                     (long long)b.best);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greedy_is_not_enough),
        cmocka_unit_test(capacities_are_honoured),
        cmocka_unit_test(empty_and_pairless_problems),
        cmocka_unit_test(malformed_and_oversized_problems_are_refused),
        cmocka_unit_test(optimal_on_random_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* assign.c - maximum-weight assignment under capacities, as a minimum-cost
 * flow (see assign.h).
 *
 * The network: row -> col for each allowed pair (1 unit, cost W - weight, W
 * the largest weight); row -> sink (1 unit, cost W: the row stays
 * unassigned); col -> sink (capacity units, cost 0). Every row sends one
 * unit, so the flow costs R * W minus the total weight of the pairs it uses:
 * the cheapest flow is the heaviest assignment.
 *
 * Rows are added one at a time, as in the Hungarian method: the flow of the
 * rows added so far is kept optimal, certified by vertex potentials under
 * which every residual edge has a nonnegative reduced cost; a new row gets
 * the potential that makes its own edges nonnegative, and its unit goes along
 * a shortest path (Dijkstra on reduced costs, stopped once the sink is
 * settled). Potentials then grow by each distance, clamped to the sink's,
 * which keeps every reduced cost nonnegative. A search from one row touches
 * little of the graph while mentors have free places, which a search from a
 * source joined to every row at once would not. */
#include "mento/assign.h"

#include <stdbool.h>
#include <stdlib.h>

struct edge {
    uint32_t to;
    int32_t cap;
    int64_t cost;
    int64_t next; /* next edge out of the same node, -1 at the end */
};

struct heap_item {
    int64_t dist;
    uint32_t node;
};

struct flow {
    size_t n_nodes, n_edges;
    struct edge *edges;
    int64_t *head;      /* first edge out of each node */
    int64_t *potential; /* per node */
    int64_t *dist;
    int64_t *via; /* edge that reached the node in the last search */
    bool *done;
    struct heap_item *heap;
    size_t heap_len;
};

static void add_edge(struct flow *f, uint32_t from, uint32_t to, int32_t cap, int64_t cost)
{
    struct edge *e = &f->edges[f->n_edges];
    *e = (struct edge){.to = to, .cap = cap, .cost = cost, .next = f->head[from]};
    f->head[from] = (int64_t)f->n_edges++;
    e = &f->edges[f->n_edges];
    *e = (struct edge){.to = from, .cap = 0, .cost = -cost, .next = f->head[to]};
    f->head[to] = (int64_t)f->n_edges++;
}

static void heap_push(struct flow *f, int64_t dist, uint32_t node)
{
    size_t i = f->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (f->heap[parent].dist <= dist)
            break;
        f->heap[i] = f->heap[parent];
        i = parent;
    }
    f->heap[i] = (struct heap_item){dist, node};
}

static struct heap_item heap_pop(struct flow *f)
{
    struct heap_item top = f->heap[0];
    struct heap_item last = f->heap[--f->heap_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= f->heap_len)
            break;
        if (child + 1 < f->heap_len && f->heap[child + 1].dist < f->heap[child].dist)
            child++;
        if (f->heap[child].dist >= last.dist)
            break;
        f->heap[i] = f->heap[child];
        i = child;
    }
    if (f->heap_len)
        f->heap[i] = last;
    return top;
}

/* Dijkstra on reduced costs from `source` until `sink` is settled; then the
 * potentials move. False when the sink cannot be reached. O(V) to reset, then
 * in proportion to what it touches. */
static bool shortest_path(struct flow *f, uint32_t source, uint32_t sink)
{
    for (size_t v = 0; v < f->n_nodes; v++) {
        f->dist[v] = INT64_MAX;
        f->via[v] = -1;
        f->done[v] = false;
    }
    f->heap_len = 0;
    f->dist[source] = 0;
    heap_push(f, 0, source);
    while (f->heap_len) {
        struct heap_item it = heap_pop(f);
        if (f->done[it.node] || it.dist != f->dist[it.node])
            continue;
        f->done[it.node] = true;
        if (it.node == sink)
            break;
        for (int64_t ei = f->head[it.node]; ei >= 0; ei = f->edges[ei].next) {
            const struct edge *e = &f->edges[ei];
            if (e->cap <= 0 || f->done[e->to])
                continue;
            int64_t d = it.dist + e->cost + f->potential[it.node] - f->potential[e->to];
            if (d < f->dist[e->to]) {
                f->dist[e->to] = d;
                f->via[e->to] = ei;
                /* Each edge pushes at most once per search: the heap holds
                 * at most n_edges + 1 items. */
                heap_push(f, d, e->to);
            }
        }
    }
    if (!f->done[sink])
        return false;
    int64_t limit = f->dist[sink];
    for (size_t v = 0; v < f->n_nodes; v++)
        f->potential[v] += f->dist[v] < limit ? f->dist[v] : limit;
    return true;
}

static void flow_free(struct flow *f)
{
    free(f->edges);
    free(f->head);
    free(f->potential);
    free(f->dist);
    free(f->via);
    free(f->done);
    free(f->heap);
}

static mento_status check(const struct assign_problem *p, int64_t *max_weight)
{
    if (p->n_rows > ASSIGN_MAX_ROWS || p->n_cols > ASSIGN_MAX_COLS || p->n_pairs > ASSIGN_MAX_PAIRS)
        return MENTO_ERR_RANGE;
    if ((p->n_cols && !p->capacity) || (p->n_pairs && !p->pairs))
        return MENTO_ERR_INVALID;
    for (size_t c = 0; c < p->n_cols; c++)
        if (p->capacity[c] < 0)
            return MENTO_ERR_INVALID;
    *max_weight = 1;
    for (size_t i = 0; i < p->n_pairs; i++) {
        const struct assign_pair *a = &p->pairs[i];
        if (a->row >= p->n_rows || a->col >= p->n_cols || a->weight <= 0 ||
            a->weight > ASSIGN_MAX_WEIGHT)
            return MENTO_ERR_INVALID;
        if (a->weight > *max_weight)
            *max_weight = a->weight;
    }
    return MENTO_OK;
}

mento_status assign_solve(const struct assign_problem *p, int64_t *row_pair, int64_t *total)
{
    int64_t w_max;
    mento_status rc = check(p, &w_max);
    if (rc != MENTO_OK)
        return rc;
    *total = 0;
    for (size_t r = 0; r < p->n_rows; r++)
        row_pair[r] = -1;
    if (!p->n_rows)
        return MENTO_OK;

    struct flow f = {0};
    size_t rows = p->n_rows, cols = p->n_cols;
    uint32_t sink = (uint32_t)(rows + cols);
    f.n_nodes = rows + cols + 1;
    size_t max_edges = 2 * (p->n_pairs + rows + cols);
    f.edges = malloc(max_edges * sizeof *f.edges);
    f.head = malloc(f.n_nodes * sizeof *f.head);
    f.potential = calloc(f.n_nodes, sizeof *f.potential);
    f.dist = malloc(f.n_nodes * sizeof *f.dist);
    f.via = malloc(f.n_nodes * sizeof *f.via);
    f.done = malloc(f.n_nodes * sizeof *f.done);
    f.heap = malloc((max_edges + 1) * sizeof *f.heap);
    if (!f.edges || !f.head || !f.potential || !f.dist || !f.via || !f.done || !f.heap) {
        flow_free(&f);
        return MENTO_ERR_NOMEM;
    }
    for (size_t v = 0; v < f.n_nodes; v++)
        f.head[v] = -1;

    /* The pairs' edges first: pair i's forward edge is edges[2 * i]. */
    for (size_t i = 0; i < p->n_pairs; i++)
        add_edge(&f, p->pairs[i].row, (uint32_t)(rows + p->pairs[i].col), 1,
                 w_max - p->pairs[i].weight);
    for (size_t r = 0; r < rows; r++)
        add_edge(&f, (uint32_t)r, sink, 1, w_max);
    for (size_t c = 0; c < cols; c++)
        if (p->capacity[c] > 0)
            add_edge(&f, (uint32_t)(rows + c), sink, p->capacity[c], 0);

    for (uint32_t r = 0; r < rows; r++) {
        /* The new row: no edge into it yet, so any potential is consistent
         * with the others; take the least that keeps its edges nonnegative. */
        int64_t h = INT64_MIN;
        for (int64_t ei = f.head[r]; ei >= 0; ei = f.edges[ei].next) {
            int64_t need = f.potential[f.edges[ei].to] - f.edges[ei].cost;
            if (need > h)
                h = need;
        }
        f.potential[r] = h;
        if (!shortest_path(&f, r, sink))
            break; /* cannot happen: every row reaches the sink directly */
        for (uint32_t v = sink; v != r;) {
            int64_t ei = f.via[v];
            f.edges[ei].cap -= 1;
            f.edges[ei ^ 1].cap += 1;
            v = f.edges[ei ^ 1].to;
        }
    }
    for (size_t i = 0; i < p->n_pairs; i++) {
        if (f.edges[2 * i].cap == 0) {
            row_pair[p->pairs[i].row] = (int64_t)i;
            *total += p->pairs[i].weight;
        }
    }
    flow_free(&f);
    return MENTO_OK;
}

/*===- profile.h - Per-kernel timing of models compiled with --profile ---===*
 *
 * A model compiled with `adjoint compile --profile` calls adj_prof_enter and
 * adj_prof_exit around every top-level loop nest (kernel) of its entry
 * points. The runtime accumulates wall time, calls and floating-point
 * operations per region; regions are reported in the order they first ran.
 * Region names read "function | kernels | file:line:col".
 *
 * Not thread-safe: the calls are made by the thread that calls the entry
 * point (OpenMP work inside a kernel is timed as a whole).
 *===----------------------------------------------------------------------===*/
#ifndef ADJOINT_PROFILE_H
#define ADJOINT_PROFILE_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called by generated code. `region` is a constant string that identifies
 * the region (compared by address, then by content). */
void adj_prof_enter(const char *region, int64_t flops);
void adj_prof_exit(const char *region);

typedef struct adj_prof_region {
  const char *name;
  double seconds; /* total wall time */
  int64_t calls;
  int64_t flops; /* per call */
} adj_prof_region;

/* Number of regions recorded so far (0 when no profiled model ran), and
 * region i (0 <= i < count) in first-run order. */
int adj_prof_count(void);
const adj_prof_region *adj_prof_get(int i);
/* Forgets the accumulated times (for example after warm-up steps). */
void adj_prof_reset(void);
/* Prints one line per region of functions whose name contains `filter`
 * (all with NULL): ms per call, share of the total, GFLOP/s, and the
 * fraction of `peak_gflops` when it is > 0. Prints nothing when no region
 * was recorded. */
void adj_prof_report(FILE *out, const char *filter, double peak_gflops);

#ifdef __cplusplus
}
#endif

#endif /* ADJOINT_PROFILE_H */

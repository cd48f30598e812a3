/*===- bench/peak.c - Single-thread FMA peak of this CPU -----------------===*
 *
 * The denominator of every "% of peak" figure in bench/: 16 independent
 * chains of vector fused multiply-adds (enough to cover the FMA latency on
 * two FMA ports), run long enough to take ~0.2 s, median of 7 repetitions.
 *
 *   cc -O2 -march=native -ffp-contract=fast bench/peak.c -o peak && ./peak
 *
 * Output: "peak fma <GFLOP/s> GFLOP/s (<width>-bit vectors, single thread)"
 * Uses 512-bit vectors when the compiler targets AVX-512, else 256-bit.
 *===----------------------------------------------------------------------===*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#else
#define LANES 8
#endif
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));

enum { CHAINS = 16 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Returns the sum of the chains so the work cannot be dropped. */
static float run(long iters, float seed) {
  vf acc[CHAINS], m, a;
  for (int c = 0; c < CHAINS; ++c)
    for (int l = 0; l < LANES; ++l)
      acc[c][l] = seed + (float)(c * LANES + l) * 1e-6f;
  for (int l = 0; l < LANES; ++l) {
    m[l] = 0.999999f;
    a[l] = 1e-7f;
  }
  for (long i = 0; i < iters; ++i) {
    /* Hide m and a from the optimizer so the chains stay FMAs. */
    __asm__ volatile("" : "+x"(m), "+x"(a));
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = acc[c] * m + a;
  }
  float s = 0;
  for (int c = 0; c < CHAINS; ++c)
    for (int l = 0; l < LANES; ++l)
      s += acc[c][l];
  return s;
}

int main(void) {
  const double flops_per_iter = 2.0 * CHAINS * LANES;
  long iters = 1 << 16;
  float sink = 0;
  for (;;) {
    double t0 = now();
    sink += run(iters, 1.0f);
    if (now() - t0 >= 0.2)
      break;
    iters *= 2;
  }
  double g[7];
  for (int r = 0; r < 7; ++r) {
    double t0 = now();
    sink += run(iters, (float)r);
    g[r] = flops_per_iter * (double)iters / (now() - t0) * 1e-9;
  }
  qsort(g, 7, sizeof g[0], cmp_double);
  printf("peak fma %.1f GFLOP/s (%d-bit vectors, single thread)\n", g[3],
         LANES * 32);
  return sink == 12345.0f ? 3 : 0; /* never: keeps `sink` alive */
}

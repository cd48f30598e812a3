/*===- bench/gemm_shapes.c - OpenBLAS sgemm on the MLP's matmul shapes ----===*
 *
 * A reference point for bench/step_bench.c: how fast single-threaded OpenBLAS
 * runs the matmuls of one train step of mlp_784_512_512_10 (batch 128).
 *
 *   cc -O2 bench/gemm_shapes.c -lopenblas -lm -o gemm_shapes
 *   OPENBLAS_NUM_THREADS=1 taskset -c 0 ./gemm_shapes [--reps=R] [SHAPE...]
 *
 * With SHAPE arguments (M,N,K,AB where A and B are N or T, e.g.
 * 784,512,128,TN) only those shapes are timed, one line each (labelled
 * "arg"); bench/kernels.py uses this to compare the generated kernels with
 * OpenBLAS at their own shapes.
 *
 * For a layer y[B, out] = x[B, in] @ w[in, out] the step needs
 *   fwd  y  = x @ w        M=B   N=out K=in   (NN)
 *   dW   dw = x^T @ dy     M=in  N=out K=B    (TN)
 *   dX   dx = dy @ w^T     M=B   N=in  K=out  (NT)   (not for the first layer)
 * Each shape is timed on its own (median of R repetitions, each long enough to
 * take >= 100 ms), then the sum over the 8 matmuls of the MLP step gives a
 * lower bound for the step time with these BLAS kernels and no fusion.
 *
 * Output: one line per shape
 *   gemm <label> M <m> N <n> K <k> <trans> ms <t> GFLOP/s <g>
 * and
 *   gemm mlp_784_512_512_10 step-matmuls ms <sum> (8 matmuls, <flops> FLOP)
 *
 *===----------------------------------------------------------------------===*/
#include <cblas.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static float *rand_buf(size_t n, unsigned *seed) {
  float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
  if (!p) {
    fprintf(stderr, "gemm_shapes: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; ++i) {
    *seed = *seed * 1664525u + 1013904223u;
    p[i] = ((float)(*seed >> 8) / 16777216.0f) - 0.5f;
  }
  return p;
}

typedef struct {
  const char *label;
  int m, n, k;
  int ta, tb; /* A stored transposed ([k, m]) / B stored transposed ([n, k]) */
} shape;

/* Median ms of one C[m,n] = op(A) @ op(B). */
static double time_gemm(const shape *s, int reps) {
  unsigned seed = 12345;
  float *a = rand_buf((size_t)s->m * s->k, &seed);
  float *b = rand_buf((size_t)s->k * s->n, &seed);
  float *c = rand_buf((size_t)s->m * s->n, &seed);
  int lda = s->ta ? s->m : s->k;
  int ldb = s->tb ? s->k : s->n;
  enum CBLAS_TRANSPOSE ta = s->ta ? CblasTrans : CblasNoTrans;
  enum CBLAS_TRANSPOSE tb = s->tb ? CblasTrans : CblasNoTrans;
#define RUN()                                                                  \
  cblas_sgemm(CblasRowMajor, ta, tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb,   \
              0.0f, c, s->n)
  for (int i = 0; i < 10; ++i)
    RUN();
  long iters = 1;
  for (;;) {
    double t0 = now();
    for (long i = 0; i < iters; ++i)
      RUN();
    double dt = now() - t0;
    if (dt >= 0.1)
      break;
    iters *= 2;
  }
  double *ms = malloc(sizeof(double) * (size_t)reps);
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    for (long i = 0; i < iters; ++i)
      RUN();
    ms[r] = (now() - t0) * 1e3 / (double)iters;
  }
#undef RUN
  qsort(ms, (size_t)reps, sizeof(double), cmp_double);
  double med = ms[reps / 2];
  free(ms);
  free(a);
  free(b);
  free(c);
  return med;
}

int main(int argc, char **argv) {
  int reps = 7;
  shape custom[64];
  size_t ncustom = 0;
  for (int i = 1; i < argc; ++i) {
    char ta, tb, end;
    shape *c = &custom[ncustom];
    if (strncmp(argv[i], "--reps=", 7) == 0 && atoi(argv[i] + 7) > 0) {
      reps = atoi(argv[i] + 7);
    } else if (ncustom < 64 &&
               sscanf(argv[i], "%d,%d,%d,%c%c%c", &c->m, &c->n, &c->k, &ta,
                      &tb, &end) == 5 &&
               c->m > 0 && c->n > 0 && c->k > 0 && (ta == 'N' || ta == 'T') &&
               (tb == 'N' || tb == 'T')) {
      c->label = "arg";
      c->ta = ta == 'T';
      c->tb = tb == 'T';
      ++ncustom;
    } else {
      fprintf(stderr, "usage: %s [--reps=R] [M,N,K,{N|T}{N|T}...]\n",
              argv[0]);
      return 2;
    }
  }
  for (size_t i = 0; i < ncustom; ++i) {
    const shape *s = &custom[i];
    double ms = time_gemm(s, reps);
    printf("gemm %-14s M %4d N %4d K %4d %s%s ms %8.4f GFLOP/s %7.2f\n",
           s->label, s->m, s->n, s->k, s->ta ? "T" : "N", s->tb ? "T" : "N",
           ms, 2.0 * s->m * s->n * s->k / (ms * 1e6));
  }
  if (ncustom > 0)
    return 0;
  const int B = 128;
  const shape shapes[] = {
      /* layer 1: 784 -> 512 (x is an input: no dX) */
      {"l1.fwd", B, 512, 784, 0, 0},
      {"l1.dW", 784, 512, B, 1, 0},
      {"l1.dX(unused)", B, 784, 512, 0, 1},
      /* layer 2: 512 -> 512 */
      {"l2.fwd", B, 512, 512, 0, 0},
      {"l2.dW", 512, 512, B, 1, 0},
      {"l2.dX", B, 512, 512, 0, 1},
      /* layer 3: 512 -> 10 */
      {"l3.fwd", B, 10, 512, 0, 0},
      {"l3.dW", 512, 10, B, 1, 0},
      {"l3.dX", B, 512, 10, 0, 1},
  };
  double step_ms = 0, step_flops = 0;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
    const shape *s = &shapes[i];
    double ms = time_gemm(s, reps);
    double flops = 2.0 * s->m * s->n * s->k;
    printf("gemm %-14s M %4d N %4d K %4d %s%s ms %8.4f GFLOP/s %7.2f\n",
           s->label, s->m, s->n, s->k, s->ta ? "T" : "N", s->tb ? "T" : "N",
           ms, flops / (ms * 1e6));
    if (strstr(s->label, "unused") == NULL) {
      step_ms += ms;
      step_flops += flops;
    }
  }
  printf("gemm mlp_784_512_512_10 step-matmuls ms %.4f (8 matmuls, %.0f FLOP, "
         "%.2f GFLOP/s)\n",
         step_ms, step_flops, step_flops / (step_ms * 1e6));
  return 0;
}

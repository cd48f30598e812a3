/*===- bench/step_bench.c - Time the train step of a compiled model -------===*
 *
 * Build (run.sh does this):
 *
 *   cc -O2 -I runtime/include -I DIR_OF_HEADER \
 *      -DADJ_MODEL_HEADER="\"model.h\"" -DADJ_MODEL_INFO=model_info \
 *      bench/step_bench.c model.o build/runtime/libadjoint_rt.a -lz -lm
 *
 * Drives the model only through its adj_model_info (the uniform wrappers), so
 * the same file works for every model:
 *
 *   - params allocated with adj_alloc and initialized with adj_init_param
 *     (seeded), optimizer state zeroed, mask all ones;
 *   - one fixed random batch: float inputs N(0, 1), int32 inputs (labels)
 *     uniform in [0, C) with C = info.output.shape[1];
 *   - W warm-up steps, then R repetitions of N train steps each; the median
 *     and minimum over repetitions of (rep time / N) are reported;
 *   - the loss must be finite after warm-up and after every repetition, and
 *     the first step must change the parameters.
 *
 * Options:  --steps=N (0 = calibrate so one repetition takes >= --min-rep-ms)
 *           --reps=R  --warmup=W  --min-rep-ms=T  --seed=S
 *           --peak-mflops=P  (with a model compiled with --profile: the
 *           machine's FMA peak in MFLOP/s, for the %peak column)
 *
 * Output (stdout, one line each):
 *   adjoint <name> ms/step median <x> min <y>
 *   # adjoint <name> batch <B> steps <N> reps <R> loss <first> -> <last> matmul_macs <M>
 * and, for a model compiled with --profile, the per-kernel table of the
 * train step over the timed repetitions (adj_prof_report in
 * adjoint/profile.h).
 * matmul_macs is the sum over rank-2 params [in, out] of B * in * out, i.e.
 * the MACs of the forward matmuls when every weight matrix is used once as
 * x[B, in] @ w[in, out] (true for the benchmark models).
 * Exit status 0 on success, 1 on any failure (message on stderr).
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/profile.h"
#include "adjoint/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ADJ_MODEL_HEADER
#error "compile with -DADJ_MODEL_HEADER=\"\\\"model.h\\\"\" -DADJ_MODEL_INFO=model_info"
#endif
#ifndef ADJ_MODEL_INFO
#error "compile with -DADJ_MODEL_INFO=<model>_info"
#endif

#include ADJ_MODEL_HEADER

static int fail(const char *what) {
  const char *e = adj_last_error();
  fprintf(stderr, "step_bench: %s%s%s\n", what, (e && *e) ? ": " : "",
          (e && *e) ? e : "");
  return 1;
}

static double read_scalar(adj_dtype dt, const void *p) {
  return dt == ADJ_F64 ? *(const double *)p : (double)*(const float *)p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int parse_opt(const char *arg, const char *name, long long *out) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0 || arg[n] != '=')
    return 0;
  char *end;
  long long v = strtoll(arg + n + 1, &end, 10);
  if (*end || end == arg + n + 1 || v < 0) {
    fprintf(stderr, "step_bench: bad value in '%s'\n", arg);
    exit(2);
  }
  *out = v;
  return 1;
}

int main(int argc, char **argv) {
  const adj_model_info *info = &ADJ_MODEL_INFO;
  long long steps = 0, reps = 7, warmup = 20, min_rep_ms = 200, seed = 1;
  long long peak_mflops = 0;
  for (int i = 1; i < argc; ++i) {
    if (parse_opt(argv[i], "--steps", &steps) ||
        parse_opt(argv[i], "--reps", &reps) ||
        parse_opt(argv[i], "--warmup", &warmup) ||
        parse_opt(argv[i], "--min-rep-ms", &min_rep_ms) ||
        parse_opt(argv[i], "--seed", &seed) ||
        parse_opt(argv[i], "--peak-mflops", &peak_mflops))
      continue;
    fprintf(stderr,
            "usage: %s [--steps=N] [--reps=R] [--warmup=W] [--min-rep-ms=T] "
            "[--seed=S] [--peak-mflops=P]\n",
            argv[0]);
    return 2;
  }
  if (reps < 1)
    reps = 1;

  if (adj_model_validate(info) != 0)
    return fail("invalid model info");
  if (info->dtype != ADJ_F32 && info->dtype != ADJ_F64)
    return fail("unsupported model dtype");
  size_t esz = adj_dtype_size(info->dtype);
  int64_t classes = info->output.rank >= 2 ? info->output.shape[1] : 1;

  adj_rng rng;
  adj_rng_seed(&rng, (uint64_t)seed);

  /* Parameters. */
  void **params = adj_alloc(sizeof(void *) * (size_t)(info->num_params + 1));
  if (!params)
    return fail("alloc");
  int64_t macs = 0;
  for (int i = 0; i < info->num_params; ++i) {
    const adj_param_info *p = &info->params[i];
    params[i] = adj_alloc((size_t)p->tensor.numel * esz);
    if (!params[i])
      return fail("alloc param");
    if (adj_init_param(p, params[i], &rng) != 0)
      return fail("init param");
    if (p->tensor.rank == 2)
      macs += info->batch * p->tensor.shape[0] * p->tensor.shape[1];
  }

  /* Optimizer state (zero-filled by adj_alloc). */
  void **state = adj_alloc(sizeof(void *) * (size_t)(info->num_state + 1));
  if (!state)
    return fail("alloc");
  for (int i = 0; i < info->num_state; ++i) {
    state[i] = adj_alloc((size_t)info->state[i].numel *
                         adj_dtype_size(info->state[i].dtype));
    if (!state[i])
      return fail("alloc state");
  }

  /* One random batch. */
  void **inputs = adj_alloc(sizeof(void *) * (size_t)(info->num_inputs + 1));
  if (!inputs)
    return fail("alloc");
  for (int i = 0; i < info->num_inputs; ++i) {
    const adj_tensor_info *t = &info->inputs[i];
    size_t tsz = adj_dtype_size(t->dtype);
    inputs[i] = adj_alloc((size_t)t->numel * tsz);
    if (!inputs[i])
      return fail("alloc input");
    for (int64_t k = 0; k < t->numel; ++k) {
      switch (t->dtype) {
      case ADJ_F32:
        ((float *)inputs[i])[k] = (float)adj_rng_normal(&rng);
        break;
      case ADJ_F64:
        ((double *)inputs[i])[k] = adj_rng_normal(&rng);
        break;
      case ADJ_I32:
        ((int32_t *)inputs[i])[k] =
            (int32_t)adj_rng_below(&rng, (uint64_t)classes);
        break;
      }
    }
  }
  void *mask = adj_alloc((size_t)info->batch * esz);
  void *loss = adj_alloc(esz);
  if (!mask || !loss)
    return fail("alloc");
  for (int64_t k = 0; k < info->batch; ++k) {
    if (info->dtype == ADJ_F64)
      ((double *)mask)[k] = 1.0;
    else
      ((float *)mask)[k] = 1.0f;
  }

  /* First step: parameters must move, loss must be finite. */
  void *p0copy = NULL;
  size_t p0bytes = 0;
  if (info->num_params > 0) {
    p0bytes = (size_t)info->params[0].tensor.numel * esz;
    p0copy = malloc(p0bytes);
    if (!p0copy)
      return fail("malloc");
    memcpy(p0copy, params[0], p0bytes);
  }
  info->train_step(params, state, inputs, mask, info->lr, loss);
  double first_loss = read_scalar(info->dtype, loss);
  if (!isfinite(first_loss)) {
    fprintf(stderr, "step_bench: non-finite loss %g after the first step\n",
            first_loss);
    return 1;
  }
  if (p0copy && memcmp(p0copy, params[0], p0bytes) == 0) {
    fprintf(stderr, "step_bench: train_step did not change param '%s'\n",
            info->params[0].tensor.name);
    return 1;
  }
  free(p0copy);

  /* Warm-up. */
  for (long long s = 0; s < warmup; ++s)
    info->train_step(params, state, inputs, mask, info->lr, loss);
  if (!isfinite(read_scalar(info->dtype, loss))) {
    fprintf(stderr, "step_bench: non-finite loss after warm-up\n");
    return 1;
  }

  /* Calibrate N so that one repetition takes at least min_rep_ms. */
  if (steps == 0) {
    steps = 1;
    for (;;) {
      double t0 = adj_now_seconds();
      for (long long s = 0; s < steps; ++s)
        info->train_step(params, state, inputs, mask, info->lr, loss);
      double ms = (adj_now_seconds() - t0) * 1e3;
      if (ms >= (double)min_rep_ms || steps >= (1LL << 30))
        break;
      long long next = ms > 0 ? (long long)(steps * (1.2 * min_rep_ms / ms)) + 1
                              : steps * 10;
      if (next > steps * 10)
        next = steps * 10;
      steps = next > steps ? next : steps + 1;
    }
  }

  double *per_step_ms = malloc(sizeof(double) * (size_t)reps);
  if (!per_step_ms)
    return fail("malloc");
  adj_prof_reset(); /* profile only the timed repetitions */
  for (long long r = 0; r < reps; ++r) {
    double t0 = adj_now_seconds();
    for (long long s = 0; s < steps; ++s)
      info->train_step(params, state, inputs, mask, info->lr, loss);
    double t1 = adj_now_seconds();
    per_step_ms[r] = (t1 - t0) * 1e3 / (double)steps;
    double l = read_scalar(info->dtype, loss);
    if (!isfinite(l)) {
      fprintf(stderr, "step_bench: non-finite loss %g in repetition %lld\n", l,
              r + 1);
      return 1;
    }
  }
  double last_loss = read_scalar(info->dtype, loss);

  qsort(per_step_ms, (size_t)reps, sizeof(double), cmp_double);
  double median = (reps % 2) ? per_step_ms[reps / 2]
                             : 0.5 * (per_step_ms[reps / 2 - 1] +
                                      per_step_ms[reps / 2]);
  printf("adjoint %s ms/step median %.4f min %.4f\n", info->name, median,
         per_step_ms[0]);
  printf("# adjoint %s batch %lld steps %lld reps %lld loss %.5f -> %.5f "
         "matmul_macs %lld\n",
         info->name, (long long)info->batch, steps, reps, first_loss, last_loss,
         (long long)macs);
  if (adj_prof_count() > 0) {
    char filter[256];
    snprintf(filter, sizeof filter, "%s_train_step |", info->name);
    adj_prof_report(stdout, filter, (double)peak_mflops * 1e-3);
  }

  free(per_step_ms);
  for (int i = 0; i < info->num_params; ++i)
    adj_free(params[i]);
  for (int i = 0; i < info->num_state; ++i)
    adj_free(state[i]);
  for (int i = 0; i < info->num_inputs; ++i)
    adj_free(inputs[i]);
  adj_free(params);
  adj_free(state);
  adj_free(inputs);
  adj_free(mask);
  adj_free(loss);
  return 0;
}

/*===- gradcheck.c - Finite-difference gradient checking ------------------===*
 *
 * For every checked element, with a the adjoint gradient and n the central
 * difference (L(p + h) - L(p - h)) / ((p + h) - (p - h)), h = 1e-6 max(1, |p|)
 * (ADJ_GRADCHECK_STEP), two figures are computed:
 *
 *   raw   = |a - n| / max(|a| + |n|, DBL_MIN)
 *   noise = 16 DBL_EPSILON max(|L(p + h)|, |L(p - h)|) / (2h)
 *   err   = max(0, |a - n| - noise) / max(|a| + |n|, 1e-6)
 *
 * `raw` is the plain relative error. It is what the report calls "max rel
 * err", so that correct gradients show real figures (typically 1e-10 to
 * 1e-7), never a 0 that looks like a check that cannot fail.
 *
 * `err` ("noise-adjusted") decides pass/fail against the tolerance. `noise`
 * bounds the round-off error of n: each loss is accurate to a few ulps and
 * their difference is divided by the step. A correct gradient entry much
 * smaller than the loss (|a| below about 1e-3 |L| at the default step) has a
 * raw error above 1e-6 that says nothing about the gradient (e.g. 8e-6 for
 * |a| = 1.6e-6 |L|). `noise` is an absolute floor tied to the loss scale,
 * about 1.8e-9 |L| at the default step: err <= tol exactly when
 * |a - n| <= tol max(|a| + |n|, 1e-6) + noise, so a wrong gradient still
 * fails unless its absolute error is below that floor (the 1e-6 in the
 * denominator only matters for entries below 1e-6 in absolute value).
 *
 * When err > tol the element is retried with h / 10 and h / 100 and the step
 * with the smallest err is kept (a step straddling a relu kink gives a
 * meaningless difference; a wrong gradient fails at every step).
 *
 *===----------------------------------------------------------------------===*/
#include "internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Round-off allowance of a loss value, in ulps, and the denominator floor
   of the noise-adjusted error (see above; documented in runtime.h). */
#define GRADCHECK_NOISE_ULPS 16.0
#define GRADCHECK_FLOOR 1e-6
/* Retries with a 10x smaller step each when an element fails. */
#define GRADCHECK_RETRIES 2

typedef struct {
  const adj_model_info *info;
  void **params, **grads, **inputs;
  double *mask;
  int64_t (*samples)[ADJ_GRADCHECK_MAX_ELEMENTS];
  int64_t *num_samples;
  double *max_raw; /* per param: largest raw relative error */
  double *max_err; /* per param: largest noise-adjusted error */
  double tol;
} gc_state;

static void gc_free(gc_state *s) {
  const adj_model_info *info = s->info;
  for (int i = 0; i < info->num_params; ++i) {
    if (s->params)
      adj_free(s->params[i]);
    if (s->grads)
      adj_free(s->grads[i]);
  }
  if (s->inputs)
    for (int i = 0; i < info->num_inputs; ++i)
      adj_free(s->inputs[i]);
  adj_free(s->params);
  adj_free(s->grads);
  adj_free(s->inputs);
  adj_free(s->mask);
  adj_free(s->samples);
  adj_free(s->num_samples);
  adj_free(s->max_raw);
  adj_free(s->max_err);
}

static double eval_loss(const gc_state *s) {
  double loss = 0.0;
  s->info->loss_fn(s->params, s->inputs, s->mask, &loss);
  return loss;
}

/* Chooses which elements of each parameter to check: all of them if there
   are at most ADJ_GRADCHECK_MAX_ELEMENTS, else that many distinct ones. */
static void choose_samples(gc_state *s, adj_rng *rng) {
  const adj_model_info *info = s->info;
  for (int i = 0; i < info->num_params; ++i) {
    int64_t n = info->params[i].tensor.numel;
    int64_t *idx = s->samples[i];
    if (n <= ADJ_GRADCHECK_MAX_ELEMENTS) {
      for (int64_t k = 0; k < n; ++k)
        idx[k] = k;
      s->num_samples[i] = n;
      continue;
    }
    int64_t count = 0;
    while (count < ADJ_GRADCHECK_MAX_ELEMENTS) {
      int64_t cand = (int64_t)adj_rng_below(rng, (uint64_t)n);
      int dup = 0;
      for (int64_t k = 0; k < count && !dup; ++k)
        dup = idx[k] == cand;
      if (!dup)
        idx[count++] = cand;
    }
    s->num_samples[i] = count;
  }
}

/* Errors of one central difference (see the top of the file). */
typedef struct {
  double raw, err;
} fd_result;

/* Compares the adjoint gradient `a` of element j of parameter i with a
   central difference with step h. Non-finite values give infinite errors. */
static fd_result fd_error(const gc_state *s, int i, int64_t j, double a,
                          double h) {
  double *p = s->params[i];
  double orig = p[j];
  volatile double plus = orig + h, minus = orig - h;
  p[j] = plus;
  double lp = eval_loss(s);
  p[j] = minus;
  double lm = eval_loss(s);
  p[j] = orig;
  double step = plus - minus;
  double n = (lp - lm) / step;
  fd_result r = {INFINITY, INFINITY};
  if (!isfinite(a) || !isfinite(n))
    return r;
  double diff = fabs(a - n);
  double noise =
      GRADCHECK_NOISE_ULPS * DBL_EPSILON * fmax(fabs(lp), fabs(lm)) / step;
  r.raw = diff / fmax(fabs(a) + fabs(n), DBL_MIN);
  r.err = fmax(0.0, diff - noise) / fmax(fabs(a) + fabs(n), GRADCHECK_FLOOR);
  return r;
}

/* Checks all sampled elements under the current mask; updates max_raw and
   max_err. */
static void check_pass(gc_state *s) {
  const adj_model_info *info = s->info;
  double loss = 0.0;
  info->grad(s->params, s->inputs, s->mask, s->grads, &loss);
  for (int i = 0; i < info->num_params; ++i) {
    const double *p = s->params[i];
    const double *g = s->grads[i];
    for (int64_t k = 0; k < s->num_samples[i]; ++k) {
      int64_t j = s->samples[i][k];
      double h = ADJ_GRADCHECK_STEP * fmax(1.0, fabs(p[j]));
      fd_result best = fd_error(s, i, j, g[j], h);
      /* A step that straddles a kink (relu, max, abs) gives a meaningless
         difference; smaller steps almost surely do not straddle it. A wrong
         gradient fails at every step. */
      for (int retry = 0; retry < GRADCHECK_RETRIES && !(best.err <= s->tol);
           ++retry) {
        h *= 0.1;
        fd_result r = fd_error(s, i, j, g[j], h);
        if (r.err < best.err || (r.err == best.err && r.raw < best.raw))
          best = r;
      }
      /* `!(x <= max)` also propagates NaN. */
      if (!(best.raw <= s->max_raw[i]))
        s->max_raw[i] = best.raw;
      if (!(best.err <= s->max_err[i]))
        s->max_err[i] = best.err;
    }
  }
}

/* Changes the inputs of padding rows and returns how much the loss moves
   (padding rows must not contribute). */
static double padding_sensitivity(gc_state *s, adj_rng *rng) {
  const adj_model_info *info = s->info;
  double before = eval_loss(s);
  for (int i = 0; i < info->num_inputs; ++i) {
    const adj_tensor_info *t = &info->inputs[i];
    int64_t row = t->numel / info->batch;
    for (int64_t r = 0; r < info->batch; ++r) {
      if (s->mask[r] != 0.0)
        continue;
      for (int64_t c = 0; c < row; ++c) {
        if (t->dtype == ADJ_I32) {
          /* Keep labels valid: 0 is always a valid class index. */
          ((int32_t *)s->inputs[i])[r * row + c] = 0;
        } else {
          ((double *)s->inputs[i])[r * row + c] += 3.0 * adj_rng_normal(rng);
        }
      }
    }
  }
  double after = eval_loss(s);
  if (!isfinite(before) || !isfinite(after))
    return INFINITY;
  return fabs(after - before) / fmax(1.0, fabs(before));
}

int adj_check_gradients(const adj_model_info *info, uint64_t seed, double tol,
                        FILE *report, double *max_rel_err_out) {
  if (max_rel_err_out)
    *max_rel_err_out = 0.0;
  if (adj_model_validate(info) != 0)
    return -1;
  const char *m = info->name ? info->name : "<unnamed>";
  if (info->dtype != ADJ_F64)
    return adj_set_error("model '%s': gradient checking requires element type "
                         "f64, but the model uses %s",
                         m, adj_dtype_name(info->dtype));
  if (!info->grad || !info->loss_fn)
    return adj_set_error("model '%s': missing grad or loss_fn entry point", m);
  if (!(tol >= 0.0))
    return adj_set_error("gradient check tolerance must be non-negative");

  gc_state s;
  memset(&s, 0, sizeof s);
  s.info = info;
  s.tol = tol;
  size_t np = (size_t)info->num_params;
  s.params = adj_alloc(np * sizeof(void *));
  s.grads = adj_alloc(np * sizeof(void *));
  s.inputs = adj_alloc((size_t)info->num_inputs * sizeof(void *));
  s.mask = adj_alloc((size_t)info->batch * sizeof(double));
  s.samples = adj_alloc(np * sizeof *s.samples);
  s.num_samples = adj_alloc(np * sizeof(int64_t));
  s.max_raw = adj_alloc(np * sizeof(double));
  s.max_err = adj_alloc(np * sizeof(double));
  int rc = -1;
  if (!s.params || !s.grads || !s.inputs || !s.mask || !s.samples ||
      !s.num_samples || !s.max_raw || !s.max_err)
    goto oom;

  adj_rng rng;
  adj_rng_seed(&rng, seed);
  for (int i = 0; i < info->num_params; ++i) {
    const adj_param_info *p = &info->params[i];
    size_t bytes = (size_t)p->tensor.numel * sizeof(double);
    if (!(s.params[i] = adj_alloc(bytes)) || !(s.grads[i] = adj_alloc(bytes)))
      goto oom;
    if (adj_init_param(p, s.params[i], &rng) != 0)
      goto done;
  }
  int64_t classes = info->output.rank >= 2 ? info->output.shape[1]
                                           : info->output.numel / info->batch;
  if (classes < 1)
    classes = 1;
  adj_rng data_rng;
  adj_rng_seed(&data_rng, seed ^ 0x2545f4914f6cdd1dULL);
  for (int i = 0; i < info->num_inputs; ++i) {
    const adj_tensor_info *t = &info->inputs[i];
    if (!(s.inputs[i] = adj_alloc((size_t)t->numel * adj_dtype_size(t->dtype))))
      goto oom;
    for (int64_t k = 0; k < t->numel; ++k) {
      if (t->dtype == ADJ_I32)
        ((int32_t *)s.inputs[i])[k] =
            (int32_t)adj_rng_below(&data_rng, (uint64_t)classes);
      else
        ((double *)s.inputs[i])[k] = adj_rng_normal(&data_rng);
    }
  }
  choose_samples(&s, &data_rng);

  /* Pass 1: all rows valid. */
  for (int64_t r = 0; r < info->batch; ++r)
    s.mask[r] = 1.0;
  check_pass(&s);
  /* Pass 2: rows 1, 4, 7, ... are padding. */
  double pad_change = 0.0;
  int masked = info->batch >= 2;
  if (masked) {
    for (int64_t r = 0; r < info->batch; ++r)
      s.mask[r] = (r % 3 == 1) ? 0.0 : 1.0;
    check_pass(&s);
    pad_change = padding_sensitivity(&s, &data_rng);
  }

  double worst = 0.0, worst_raw = 0.0;
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *t = &info->params[i].tensor;
    double e = s.max_err[i], raw = s.max_raw[i];
    if (!(e <= worst))
      worst = e;
    if (!(raw <= worst_raw))
      worst_raw = raw;
    if (report)
      fprintf(report,
              "param %s: max rel err %.1e, noise-adjusted %.1e (%lld of "
              "%lld elements checked)\n",
              t->name ? t->name : "<unnamed>", raw, e,
              (long long)s.num_samples[i], (long long)t->numel);
  }
  int pad_ok = pad_change <= 1e-12;
  if (report && masked)
    fprintf(report,
            "mask: %s (relative loss change %.1e when padding rows "
            "change)\n",
            pad_ok ? "padding rows ignored" : "padding rows affect the loss",
            pad_change);
  int ok = worst <= tol && pad_ok;
  if (report) {
    fprintf(report,
            "gradient check %s: max rel err %.1e, noise-adjusted %.1e, "
            "tolerance %.1e\n",
            ok ? "passed" : "failed", worst_raw, worst, tol);
    fflush(report);
  }
  /* The figure compared with tol, as runtime.h documents. */
  if (max_rel_err_out)
    *max_rel_err_out = worst;
  rc = ok ? 0 : 1;
  goto done;
oom:
  adj_set_error("model '%s': out of memory during gradient check", m);
done:
  gc_free(&s);
  return rc;
}

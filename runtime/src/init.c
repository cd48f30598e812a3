/*===- init.c - Parameter initializers ------------------------------------===*/
#include "internal.h"

#include <math.h>
#include <string.h>

static const char *param_name(const adj_param_info *p) {
  return p->tensor.name ? p->tensor.name : "<unnamed>";
}

static void fill_uniform(void *buf, adj_dtype dtype, int64_t n, double lo,
                         double hi, adj_rng *rng) {
  for (int64_t i = 0; i < n; ++i)
    adj_store_elem(buf, dtype, i, lo + (hi - lo) * adj_rng_uniform(rng));
}

static void fill_normal(void *buf, adj_dtype dtype, int64_t n, double mean,
                        double stddev, adj_rng *rng) {
  for (int64_t i = 0; i < n; ++i)
    adj_store_elem(buf, dtype, i, mean + stddev * adj_rng_normal(rng));
}

int adj_init_param(const adj_param_info *p, void *buf, adj_rng *rng) {
  if (!p || !rng)
    return adj_set_error("adj_init_param: null argument");
  const char *name = param_name(p);
  adj_dtype dtype = p->tensor.dtype;
  int64_t n = p->tensor.numel;
  if (dtype != ADJ_F32 && dtype != ADJ_F64)
    return adj_set_error("param %s: cannot initialize element type %s "
                         "(expected f32 or f64)",
                         name, adj_dtype_name(dtype));
  if (n < 0)
    return adj_set_error("param %s: negative element count %lld", name,
                         (long long)n);
  if (n > 0 && !buf)
    return adj_set_error("param %s: null buffer", name);

  double fan_sum = (double)p->fan_in + (double)p->fan_out;
  double fan_in = (double)p->fan_in;
  switch (p->init) {
  case ADJ_INIT_ZEROS:
    if (n > 0)
      memset(buf, 0, (size_t)n * adj_dtype_size(dtype));
    return 0;
  case ADJ_INIT_ONES:
    for (int64_t i = 0; i < n; ++i)
      adj_store_elem(buf, dtype, i, 1.0);
    return 0;
  case ADJ_INIT_UNIFORM:
    if (!(p->init_a <= p->init_b) || !isfinite(p->init_a) ||
        !isfinite(p->init_b))
      return adj_set_error("param %s: invalid uniform range [%g, %g)", name,
                           p->init_a, p->init_b);
    fill_uniform(buf, dtype, n, p->init_a, p->init_b, rng);
    return 0;
  case ADJ_INIT_NORMAL:
    if (!(p->init_b >= 0.0) || !isfinite(p->init_a) || !isfinite(p->init_b))
      return adj_set_error("param %s: invalid normal(mean %g, stddev %g)", name,
                           p->init_a, p->init_b);
    fill_normal(buf, dtype, n, p->init_a, p->init_b, rng);
    return 0;
  case ADJ_INIT_GLOROT_UNIFORM:
  case ADJ_INIT_GLOROT_NORMAL:
    if (p->fan_in < 0 || p->fan_out < 0 || fan_sum <= 0)
      return adj_set_error("param %s: glorot initialization needs positive "
                           "fan_in + fan_out (got %lld + %lld)",
                           name, (long long)p->fan_in, (long long)p->fan_out);
    if (p->init == ADJ_INIT_GLOROT_UNIFORM) {
      double l = sqrt(6.0 / fan_sum);
      fill_uniform(buf, dtype, n, -l, l, rng);
    } else {
      fill_normal(buf, dtype, n, 0.0, sqrt(2.0 / fan_sum), rng);
    }
    return 0;
  case ADJ_INIT_HE_UNIFORM:
  case ADJ_INIT_HE_NORMAL:
    if (p->fan_in <= 0)
      return adj_set_error("param %s: he initialization needs a positive "
                           "fan_in (got %lld)",
                           name, (long long)p->fan_in);
    if (p->init == ADJ_INIT_HE_UNIFORM) {
      double l = sqrt(6.0 / fan_in);
      fill_uniform(buf, dtype, n, -l, l, rng);
    } else {
      fill_normal(buf, dtype, n, 0.0, sqrt(2.0 / fan_in), rng);
    }
    return 0;
  }
  return adj_set_error("param %s: unknown initializer kind %d", name,
                       (int)p->init);
}

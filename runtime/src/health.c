/*===- health.c - Gradient-health monitoring ------------------------------===*
 *
 * Loss checks, sampled per-parameter gradient statistics, vanishing and
 * exploding gradient warnings, and the CSV / JSON log and SVG chart of a
 * training run (see adjoint/health.h). The statistics come from a separate
 * call of the model's `grad` entry point at sampled steps, not from inside
 * the fused train step, which never materializes the gradients.
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/health.h"
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *param_name(const adj_model_info *info, int i) {
  const char *n = info->params[i].tensor.name;
  return n ? n : "<unnamed>";
}

/*===--------------------------- Statistics -----------------------------===*/

/* Element i of a - b (b may be NULL: element i of a), in double. */
static inline double diff_elem(const void *a, const void *b, adj_dtype dt,
                               int64_t i) {
  double v = adj_load_elem(a, dt, i);
  return b ? v - adj_load_elem(b, dt, i) : v;
}

/* L2 norm and max |a - b| (or of a alone when b is NULL), scaled by the max
   so that squares neither overflow nor underflow. */
static void norms(const void *a, const void *b, adj_dtype dt, int64_t n,
                  double *l2, double *maxabs) {
  double mx = 0.0;
  int has_nan = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = fabs(diff_elem(a, b, dt, i));
    if (isnan(v))
      has_nan = 1;
    else if (v > mx)
      mx = v;
  }
  if (has_nan) {
    *l2 = *maxabs = NAN;
    return;
  }
  if (mx == 0.0 || isinf(mx)) {
    *l2 = *maxabs = mx;
    return;
  }
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double v = diff_elem(a, b, dt, i) / mx;
    s += v * v;
  }
  *maxabs = mx;
  *l2 = mx * sqrt(s);
}

void adj_tensor_norms(const void *buf, adj_dtype dtype, int64_t n,
                      double *l2_out, double *maxabs_out) {
  double l2 = 0.0, mx = 0.0;
  if (buf && n > 0)
    norms(buf, NULL, dtype, n, &l2, &mx);
  if (l2_out)
    *l2_out = l2;
  if (maxabs_out)
    *maxabs_out = mx;
}

double adj_update_ratio(const void *before, const void *after, adj_dtype dtype,
                        int64_t n) {
  if (n <= 0)
    return 0.0;
  double den, num, mx;
  norms(before, NULL, dtype, n, &den, &mx);
  norms(after, before, dtype, n, &num, &mx);
  if (isnan(num) || isnan(den))
    return NAN;
  if (den == 0.0)
    return num == 0.0 ? 0.0 : INFINITY;
  return num / den;
}

adj_grad_health adj_classify_gradient(double grad_norm, double param_norm,
                                      double vanish_tol, double explode_tol) {
  if (!isfinite(grad_norm))
    return ADJ_GRAD_EXPLODING;
  /* A broken (non-finite) parameter norm says nothing about the scale. */
  double scale = isfinite(param_norm) && param_norm > 1.0 ? param_norm : 1.0;
  if (grad_norm > explode_tol * scale)
    return ADJ_GRAD_EXPLODING;
  if (grad_norm < vanish_tol * scale || grad_norm == 0.0)
    return ADJ_GRAD_VANISHING;
  return ADJ_GRAD_OK;
}

const char *adj_grad_health_name(adj_grad_health h) {
  switch (h) {
  case ADJ_GRAD_OK:
    return "ok";
  case ADJ_GRAD_VANISHING:
    return "vanishing";
  case ADJ_GRAD_EXPLODING:
    return "exploding";
  }
  return "?";
}

/*===--------------------------- Lifecycle ------------------------------===*/

void adj_health_default_options(adj_health_options *o) {
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->warnings = stderr;
  o->vanish_tol = ADJ_HEALTH_VANISH_TOL;
  o->explode_tol = ADJ_HEALTH_EXPLODE_TOL;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static char *tmp_name(const char *path) {
  size_t len = strlen(path);
  char *tmp = malloc(len + sizeof ".tmp");
  if (tmp) {
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", sizeof ".tmp");
  }
  return tmp;
}

/* Checks that PATH.tmp can be created (and removes it again), so that an
   unwritable path fails before training; returns the name or NULL. */
static char *probe_tmp(const char *path, const char *what) {
  char *tmp = tmp_name(path);
  if (!tmp) {
    adj_set_error("%s: out of memory", path);
    return NULL;
  }
  FILE *f = fopen(tmp, "w");
  if (!f) {
    adj_set_error("%s: cannot open %s for writing the %s: %s", path, tmp,
                  what, strerror(errno));
    free(tmp);
    return NULL;
  }
  fclose(f);
  remove(tmp);
  return tmp;
}

void adj_health_free(adj_health *h) {
  if (!h)
    return;
  const adj_model_info *info = h->info;
  if (info) {
    for (int i = 0; i < info->num_params; ++i) {
      if (h->grads)
        adj_free(h->grads[i]);
      if (h->snapshot)
        adj_free(h->snapshot[i]);
    }
  }
  adj_free(h->grads);
  adj_free(h->snapshot);
  adj_free(h->grad_loss);
  free(h->grad_norm);
  free(h->grad_maxabs);
  free(h->param_norm);
  free(h->frozen);
  free(h->warned_vanishing);
  free(h->warned_exploding);
  free(h->steps);
  free(h->stats);
  free(h->epochs);
  /* adj_health_finish removes or renames its temporary files; only a
     failed write in progress could leave one, and it removes that too. */
  free(h->log_tmp);
  free(h->svg_tmp);
  memset(h, 0, sizeof *h);
}

int adj_health_init(adj_health *h, const adj_model_info *info,
                    const adj_health_options *opt) {
  if (!h)
    return adj_set_error("adj_health_init: null monitor");
  memset(h, 0, sizeof *h);
  if (!opt)
    adj_health_default_options(&h->opt);
  else
    h->opt = *opt;
  if (adj_model_validate(info) != 0)
    return -1;
  h->info = info;
  const char *m = info->name ? info->name : "<unnamed>";
  if (h->opt.stats_every < 0)
    return adj_set_error("--stats-every: expected an integer >= 0, got %lld",
                         (long long)h->opt.stats_every);
  if (!(h->opt.vanish_tol >= 0.0) || !(h->opt.explode_tol > 0.0))
    return adj_set_error("invalid gradient thresholds: vanishing %g, "
                         "exploding %g",
                         h->opt.vanish_tol, h->opt.explode_tol);
  if (h->opt.log_path &&
      (h->opt.log_path[0] == '\0' || (!ends_with(h->opt.log_path, ".csv") &&
                                      !ends_with(h->opt.log_path, ".json"))))
    return adj_set_error("%s: the log file name must end in .csv or .json",
                         h->opt.log_path);
  if (h->opt.svg_path && h->opt.svg_path[0] == '\0')
    return adj_set_error("--svg: expected a file name");
  if (h->opt.stats_every > 0 && !info->grad)
    return adj_set_error("model '%s' has no grad entry point: gradient "
                         "statistics are not available",
                         m);
  int np = info->num_params;
  size_t count = np > 0 ? (size_t)np : 1;
  h->frozen = calloc(count, 1);
  h->warned_vanishing = calloc(count, sizeof(int64_t));
  h->warned_exploding = calloc(count, sizeof(int64_t));
  h->grad_norm = calloc(count, sizeof(double));
  h->grad_maxabs = calloc(count, sizeof(double));
  h->param_norm = calloc(count, sizeof(double));
  if (!h->frozen || !h->warned_vanishing || !h->warned_exploding ||
      !h->grad_norm || !h->grad_maxabs || !h->param_norm)
    goto oom;
  if (h->opt.stats_every > 0) {
    size_t esize = adj_dtype_size(info->dtype);
    h->grads = adj_alloc(sizeof(void *) * (size_t)np);
    h->snapshot = adj_alloc(sizeof(void *) * (size_t)np);
    h->grad_loss = adj_alloc(esize);
    if (!h->grads || !h->snapshot || !h->grad_loss)
      goto oom;
    for (int i = 0; i < np; ++i) {
      size_t bytes = (size_t)info->params[i].tensor.numel * esize;
      if (!(h->grads[i] = adj_alloc(bytes)) ||
          !(h->snapshot[i] = adj_alloc(bytes)))
        goto oom;
    }
  }
  if (h->opt.log_path && !(h->log_tmp = probe_tmp(h->opt.log_path, "log")))
    goto fail;
  if (h->opt.svg_path &&
      !(h->svg_tmp = probe_tmp(h->opt.svg_path, "chart")))
    goto fail;
  return 0;
oom:
  adj_set_error("model '%s': out of memory allocating the gradient-health "
                "buffers",
                m);
fail:
  adj_health_free(h);
  return -1;
}

/* Grows `*arr` (of `*cap` elements of `size` bytes, `used` in use) to room
   for `more` further elements. */
static int grow(void **arr, int64_t *cap, int64_t used, int64_t more,
                size_t size) {
  if (more <= 0 || *cap - used >= more)
    return 0;
  int64_t want = used + more;
  if ((uint64_t)want > SIZE_MAX / size)
    return adj_set_error("gradient-health log: too many records");
  void *p = realloc(*arr, (size_t)want * size);
  if (!p)
    return adj_set_error("gradient-health log: out of memory for %lld "
                         "records",
                         (long long)want);
  *arr = p;
  *cap = want;
  return 0;
}

int adj_health_reserve(adj_health *h, int64_t steps, int64_t epochs) {
  if (!h || !h->info)
    return adj_set_error("uninitialized gradient-health monitor");
  if (steps < 0 || epochs < 0)
    return adj_set_error("adj_health_reserve: negative count");
  if (grow((void **)&h->steps, &h->cap_steps, h->num_steps, steps,
           sizeof *h->steps) != 0 ||
      grow((void **)&h->epochs, &h->cap_epochs, h->num_epochs, epochs,
           sizeof *h->epochs) != 0)
    return -1;
  if (h->opt.stats_every > 0 && steps > 0) {
    /* Any `steps` consecutive steps hold at most steps / N + 1 samples. */
    int64_t samples = steps / h->opt.stats_every + 1;
    if (samples > INT64_MAX / (h->info->num_params + 1))
      return adj_set_error("gradient-health log: too many records");
    if (grow((void **)&h->stats, &h->cap_stats, h->num_stats,
             samples * h->info->num_params, sizeof *h->stats) != 0)
      return -1;
  }
  return 0;
}

/*===------------------------- Per-step hooks ---------------------------===*/

int adj_health_is_sampled(const adj_health *h, int64_t step) {
  return h && h->opt.stats_every > 0 && step >= 1 &&
         (step - 1) % h->opt.stats_every == 0;
}

int adj_health_before_step(adj_health *h, const adj_trainer *t, int64_t step,
                           int64_t epoch) {
  (void)epoch;
  if (!h || !h->info || !t || t->info != h->info)
    return adj_set_error("gradient-health monitor and trainer do not match");
  h->sampling = adj_health_is_sampled(h, step);
  if (!h->sampling)
    return 0;
  const adj_model_info *info = h->info;
  double start = adj_now_seconds();
  /* The separate sweep: gradients of this very batch at the parameters the
     train step is about to update. */
  info->grad(t->params, t->inputs, t->mask, h->grads, h->grad_loss);
  size_t esize = adj_dtype_size(info->dtype);
  for (int i = 0; i < info->num_params; ++i) {
    int64_t n = info->params[i].tensor.numel;
    memcpy(h->snapshot[i], t->params[i], (size_t)n * esize);
    adj_tensor_norms(h->grads[i], info->dtype, n, &h->grad_norm[i],
                     &h->grad_maxabs[i]);
    adj_tensor_norms(t->params[i], info->dtype, n, &h->param_norm[i], NULL);
  }
  h->stats_seconds += adj_now_seconds() - start;
  return 0;
}

static const char *number_word(double v) {
  return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

static void warn_gradient(adj_health *h, int64_t step, int i,
                          adj_grad_health kind) {
  if (kind == ADJ_GRAD_VANISHING)
    h->num_vanishing++;
  else
    h->num_exploding++;
  if (!h->opt.warnings)
    return;
  fprintf(h->opt.warnings,
          "warning: step %lld: gradient of parameter %s is %s: L2 norm %.3g "
          "(parameter norm %.3g)\n",
          (long long)step, param_name(h->info, i), adj_grad_health_name(kind),
          h->grad_norm[i], h->param_norm[i]);
  fflush(h->opt.warnings);
}

/* Update ratios, frozen-parameter recognition, warnings and records of a
   sampled step. */
static int sample_after_step(adj_health *h, const adj_trainer *t, int64_t step,
                             int64_t epoch) {
  const adj_model_info *info = h->info;
  int np = info->num_params;
  double start = adj_now_seconds();
  if (h->cap_stats - h->num_stats < np)
    return adj_set_error("gradient-health log: no room for the statistics "
                         "of step %lld (adj_health_reserve was not called)",
                         (long long)step);
  adj_health_stats *rows = h->stats + h->num_stats;
  int any_changed = 0;
  for (int i = 0; i < np; ++i) {
    double r = adj_update_ratio(h->snapshot[i], t->params[i], info->dtype,
                                info->params[i].tensor.numel);
    rows[i].step = step;
    rows[i].epoch = epoch;
    rows[i].param = i;
    rows[i].grad_norm = h->grad_norm[i];
    rows[i].grad_maxabs = h->grad_maxabs[i];
    rows[i].param_norm = h->param_norm[i];
    rows[i].update_ratio = r;
    any_changed |= !(r == 0.0);
  }
  for (int i = 0; i < np; ++i) {
    adj_grad_health kind =
        adj_classify_gradient(h->grad_norm[i], h->param_norm[i],
                              h->opt.vanish_tol, h->opt.explode_tol);
    /* Not trained although its gradient is usable while others are: a
       frozen parameter (with accumulation or a zero learning rate nothing
       changes, and nothing is concluded). */
    if (any_changed && rows[i].update_ratio == 0.0 && kind == ADJ_GRAD_OK)
      h->frozen[i] = 1;
    /* A buffer (batch-norm running statistics) has no gradient by design. */
    if (h->info->params[i].buffer)
      h->frozen[i] = 1;
    if (kind == ADJ_GRAD_VANISHING && !h->frozen[i] &&
        h->warned_vanishing[i] != epoch) {
      h->warned_vanishing[i] = epoch;
      warn_gradient(h, step, i, kind);
    } else if (kind == ADJ_GRAD_EXPLODING && h->warned_exploding[i] != epoch) {
      h->warned_exploding[i] = epoch;
      warn_gradient(h, step, i, kind);
    }
  }
  h->num_stats += np;
  h->stats_seconds += adj_now_seconds() - start;
  return 0;
}

int adj_health_after_step(adj_health *h, const adj_trainer *t, int64_t step,
                          int64_t epoch, double loss) {
  if (!h || !h->info || !t || t->info != h->info)
    return adj_set_error("gradient-health monitor and trainer do not match");
  if (h->num_steps >= h->cap_steps)
    return adj_set_error("gradient-health log: no room for step %lld "
                         "(adj_health_reserve was not called)",
                         (long long)step);
  adj_health_step *s = &h->steps[h->num_steps++];
  s->step = step;
  s->epoch = epoch;
  s->loss = loss;
  s->lr = t->lr;
  if (h->sampling) {
    h->sampling = 0;
    if (sample_after_step(h, t, step, epoch) != 0)
      return -1;
  }
  if (!isfinite(loss)) {
    if (h->opt.warnings) {
      fprintf(h->opt.warnings, "warning: step %lld: the loss is %s\n",
              (long long)step, number_word(loss));
      fflush(h->opt.warnings);
    }
    snprintf(h->stopped, sizeof h->stopped,
             "step %lld (epoch %lld): the loss is %s", (long long)step,
             (long long)epoch, number_word(loss));
    return adj_set_error("training diverged at step %lld (epoch %lld): the "
                         "loss is %s; stopping (a smaller learning rate may "
                         "help)",
                         (long long)step, (long long)epoch,
                         number_word(loss));
  }
  return 0;
}

int adj_health_end_epoch(adj_health *h, int64_t epoch, int64_t last_step,
                         double train_loss, double test_accuracy,
                         double seconds) {
  if (!h || !h->info)
    return adj_set_error("uninitialized gradient-health monitor");
  if (h->num_epochs >= h->cap_epochs &&
      grow((void **)&h->epochs, &h->cap_epochs, h->num_epochs, 1,
           sizeof *h->epochs) != 0)
    return -1;
  adj_health_epoch *e = &h->epochs[h->num_epochs++];
  e->epoch = epoch;
  e->last_step = last_step;
  e->train_loss = train_loss;
  e->test_accuracy = test_accuracy;
  e->seconds = seconds;
  e->stats_seconds = h->stats_seconds;
  h->stats_seconds = 0.0;
  return 0;
}

/*===------------------------------ Logs --------------------------------===*/

/* A number, or (non-finite) nan / inf / -inf in CSV and null in JSON. */
static void put_num(FILE *f, double v, int json, int digits) {
  if (isfinite(v))
    fprintf(f, "%.*g", digits, v);
  else
    fputs(json ? "null" : number_word(v), f);
}

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void put_csv_string(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (const char *p = s; *p; ++p) {
    if (*p == '"')
      fputc('"', f);
    fputc(*p, f);
  }
  fputc('"', f);
}

static int loss_digits(const adj_health *h) {
  return h->info->dtype == ADJ_F64 ? 17 : 9;
}

static void csv_step(const adj_health *h, FILE *f, const adj_health_step *s) {
  fprintf(f, "step,%lld,%lld,", (long long)s->step, (long long)s->epoch);
  put_num(f, s->loss, 0, loss_digits(h));
  fputc(',', f);
  put_num(f, s->lr, 0, 17);
  fputs(",,,,,,,,,\n", f);
}

static void csv_stats(const adj_health *h, FILE *f,
                      const adj_health_stats *s) {
  fprintf(f, "stats,%lld,%lld,,,", (long long)s->step, (long long)s->epoch);
  put_csv_string(f, param_name(h->info, s->param));
  const double v[4] = {s->grad_norm, s->grad_maxabs, s->param_norm,
                       s->update_ratio};
  for (int k = 0; k < 4; ++k) {
    fputc(',', f);
    put_num(f, v[k], 0, 9);
  }
  fputs(",,,,\n", f);
}

static void csv_epoch(const adj_health *h, FILE *f,
                      const adj_health_epoch *e) {
  fprintf(f, "epoch,%lld,%lld,,,,,,,,", (long long)e->last_step,
          (long long)e->epoch);
  put_num(f, e->train_loss, 0, loss_digits(h));
  fputc(',', f);
  if (!isnan(e->test_accuracy))
    put_num(f, e->test_accuracy, 0, 9);
  fprintf(f, ",%.6f,%.6f\n", e->seconds, e->stats_seconds);
}

static void write_csv(const adj_health *h, FILE *f) {
  fputs("kind,step,epoch,loss,lr,param,grad_norm,grad_maxabs,param_norm,"
        "update_ratio,train_loss,test_accuracy,seconds,stats_seconds\n",
        f);
  /* Time order: a step, its statistics, then an epoch ending there. */
  int64_t j = 0, k = 0;
  for (int64_t i = 0; i < h->num_steps; ++i) {
    int64_t step = h->steps[i].step;
    csv_step(h, f, &h->steps[i]);
    for (; j < h->num_stats && h->stats[j].step <= step; ++j)
      csv_stats(h, f, &h->stats[j]);
    for (; k < h->num_epochs && h->epochs[k].last_step <= step; ++k)
      csv_epoch(h, f, &h->epochs[k]);
  }
  for (; j < h->num_stats; ++j)
    csv_stats(h, f, &h->stats[j]);
  for (; k < h->num_epochs; ++k)
    csv_epoch(h, f, &h->epochs[k]);
}

static void write_json(const adj_health *h, FILE *f) {
  const adj_model_info *info = h->info;
  fputs("{\n  \"format\": \"adjoint-health-log\",\n  \"version\": 1,\n"
        "  \"model\": ",
        f);
  put_json_string(f, info->name ? info->name : "<unnamed>");
  fprintf(f, ",\n  \"dtype\": \"%s\",\n  \"batch\": %lld,\n  \"optimizer\": ",
          adj_dtype_name(info->dtype), (long long)info->batch);
  put_json_string(f, info->optimizer ? info->optimizer : "sgd");
  fprintf(f, ",\n  \"stats_every\": %lld,\n  \"params\": [",
          (long long)h->opt.stats_every);
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *ti = &info->params[i].tensor;
    fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
    put_json_string(f, param_name(info, i));
    fputs(", \"shape\": [", f);
    for (int d = 0; d < ti->rank; ++d)
      fprintf(f, d ? ", %lld" : "%lld", (long long)ti->shape[d]);
    fputs("]}", f);
  }
  fputs(info->num_params ? "\n  ],\n  \"steps\": [" : "],\n  \"steps\": [",
        f);
  for (int64_t i = 0; i < h->num_steps; ++i) {
    const adj_health_step *s = &h->steps[i];
    fprintf(f, "%s\n    {\"step\": %lld, \"epoch\": %lld, \"loss\": ",
            i ? "," : "", (long long)s->step, (long long)s->epoch);
    put_num(f, s->loss, 1, loss_digits(h));
    fputs(", \"lr\": ", f);
    put_num(f, s->lr, 1, 17);
    fputc('}', f);
  }
  fputs(h->num_steps ? "\n  ],\n  \"stats\": [" : "],\n  \"stats\": [", f);
  for (int64_t i = 0; i < h->num_stats; ++i) {
    const adj_health_stats *s = &h->stats[i];
    fprintf(f, "%s\n    {\"step\": %lld, \"epoch\": %lld, \"param\": ",
            i ? "," : "", (long long)s->step, (long long)s->epoch);
    put_json_string(f, param_name(info, s->param));
    fputs(", \"grad_norm\": ", f);
    put_num(f, s->grad_norm, 1, 9);
    fputs(", \"grad_maxabs\": ", f);
    put_num(f, s->grad_maxabs, 1, 9);
    fputs(", \"param_norm\": ", f);
    put_num(f, s->param_norm, 1, 9);
    fputs(", \"update_ratio\": ", f);
    put_num(f, s->update_ratio, 1, 9);
    fputc('}', f);
  }
  fputs(h->num_stats ? "\n  ],\n  \"epochs\": [" : "],\n  \"epochs\": [", f);
  for (int64_t i = 0; i < h->num_epochs; ++i) {
    const adj_health_epoch *e = &h->epochs[i];
    fprintf(f, "%s\n    {\"epoch\": %lld, \"last_step\": %lld, "
               "\"train_loss\": ",
            i ? "," : "", (long long)e->epoch, (long long)e->last_step);
    put_num(f, e->train_loss, 1, loss_digits(h));
    fputs(", \"test_accuracy\": ", f);
    put_num(f, e->test_accuracy, 1, 9);
    fprintf(f, ", \"seconds\": %.6f, \"stats_seconds\": %.6f}", e->seconds,
            e->stats_seconds);
  }
  fputs(h->num_epochs ? "\n  ],\n  \"stopped\": " : "],\n  \"stopped\": ", f);
  if (h->stopped[0])
    put_json_string(f, h->stopped);
  else
    fputs("null", f);
  fputs("\n}\n", f);
}

int adj_health_write_log(const adj_health *h, FILE *stream,
                         const char *path) {
  if (!h || !h->info || !stream || !path)
    return adj_set_error("adj_health_write_log: invalid arguments");
  if (ends_with(path, ".csv"))
    write_csv(h, stream);
  else if (ends_with(path, ".json"))
    write_json(h, stream);
  else
    return adj_set_error("%s: the log file name must end in .csv or .json",
                         path);
  return 0;
}

/*===------------------------------ Chart -------------------------------===*/

#define SVG_W 960
#define PLOT_X0 80
#define PLOT_X1 760
#define LEGEND_X 784
#define LOSS_Y0 80
#define LOSS_Y1 320
#define GRAD_Y0 400
#define GRAD_Y1 660
#define LEGEND_ROW 18

static const char *const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c",
                                      "#d62728", "#9467bd", "#8c564b",
                                      "#e377c2", "#7f7f7f", "#bcbd22",
                                      "#17becf"};
static const char *const kDashes[] = {"", "6 3", "2 2", "8 3 2 3"};
#define NUM_COLORS (int)(sizeof kColors / sizeof *kColors)
#define NUM_DASHES (int)(sizeof kDashes / sizeof *kDashes)

static void put_xml(FILE *f, const char *s) {
  for (; *s; ++s) {
    switch (*s) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      if ((unsigned char)*s >= 0x20)
        fputc(*s, f);
    }
  }
}

/* A value axis: [lo, hi] on screen [y1 (bottom), y0 (top)], linear or
   log10. */
typedef struct {
  double lo, hi;
  int log;
  double y0, y1;
} axis;

static double axis_pos(const axis *a, double v) {
  double t;
  if (a->log)
    t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
  else
    t = (v - a->lo) / (a->hi - a->lo);
  if (t < 0)
    t = 0;
  if (t > 1)
    t = 1;
  return a->y1 - t * (a->y1 - a->y0);
}

/* 1, 2 or 5 times a power of ten, near range / target. */
static double nice_step(double range, int target) {
  double raw = range / target;
  if (!(raw > 0) || !isfinite(raw))
    return 1.0;
  double mag = pow(10.0, floor(log10(raw)));
  double r = raw / mag;
  return (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * mag;
}

/* Widens [lo, hi] to whole ticks of a linear axis. */
static void linear_range(double *lo, double *hi) {
  if (!(*hi > *lo)) {
    double d = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1.0;
    *lo -= d;
    *hi += d;
  }
  double step = nice_step(*hi - *lo, 5);
  *lo = floor(*lo / step) * step;
  *hi = ceil(*hi / step) * step;
}

/* Widens [lo, hi] (> 0) to whole decades. */
static void log_range(double *lo, double *hi) {
  *lo = pow(10.0, floor(log10(*lo)));
  *hi = pow(10.0, ceil(log10(*hi)));
  if (!(*hi > *lo))
    *hi = *lo * 10.0;
}

static void tick_label(char *buf, size_t n, double v, int log) {
  if (log) {
    int e = (int)lround(log10(v));
    if (e >= -2 && e <= 3)
      snprintf(buf, n, "%g", pow(10.0, e));
    else
      snprintf(buf, n, "1e%d", e);
  } else {
    if (fabs(v) < 1e-12 * (fabs(v) + 1))
      v = 0.0;
    snprintf(buf, n, "%g", v);
  }
}

/* Grid lines, tick labels and the axis label of a value axis. */
static void draw_y_axis(FILE *f, const axis *a, const char *label) {
  char buf[32];
  if (a->log) {
    int e0 = (int)lround(log10(a->lo)), e1 = (int)lround(log10(a->hi));
    int stride = (e1 - e0 + 7) / 8;
    if (stride < 1)
      stride = 1;
    for (int e = e0; e <= e1; e += stride) {
      double v = pow(10.0, e), y = axis_pos(a, v);
      fprintf(f,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              "stroke=\"#e4e4e4\"/>\n",
              PLOT_X0, y, PLOT_X1, y);
      tick_label(buf, sizeof buf, v, 1);
      fprintf(f,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
              PLOT_X0 - 6, y + 4, buf);
    }
  } else {
    double step = nice_step(a->hi - a->lo, 5);
    for (double v = a->lo; v <= a->hi + step * 1e-6; v += step) {
      double y = axis_pos(a, v);
      fprintf(f,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              "stroke=\"#e4e4e4\"/>\n",
              PLOT_X0, y, PLOT_X1, y);
      tick_label(buf, sizeof buf, v, 0);
      fprintf(f,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
              PLOT_X0 - 6, y + 4, buf);
    }
  }
  double mid = (a->y0 + a->y1) / 2;
  fprintf(f,
          "<text x=\"22\" y=\"%.1f\" text-anchor=\"middle\" "
          "transform=\"rotate(-90 22 %.1f)\">",
          mid, mid);
  put_xml(f, label);
  fputs("</text>\n", f);
}

/* The step axis under a panel: ticks, labels, epoch boundaries. */
static void draw_x_axis(FILE *f, const adj_health *h, double xlo, double xhi,
                        double y0, double y1) {
  double step = nice_step(xhi - xlo, 8);
  if (step < 1)
    step = 1;
  double span = xhi - xlo;
  /* Epoch boundaries (up to 60 of them) as dotted lines. */
  if (h->num_epochs <= 60)
    for (int64_t k = 0; k < h->num_epochs; ++k) {
      double s = (double)h->epochs[k].last_step + 0.5;
      if (s <= xlo || s >= xhi)
        continue;
      double x = PLOT_X0 + (s - xlo) / span * (PLOT_X1 - PLOT_X0);
      fprintf(f,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke=\"#b0b0b0\" stroke-dasharray=\"2 3\"/>\n",
              x, y0, x, y1);
    }
  for (double v = ceil(xlo / step) * step; v <= xhi + 1e-9; v += step) {
    double x = PLOT_X0 + (v - xlo) / span * (PLOT_X1 - PLOT_X0);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#333\"/>\n",
            x, y1, x, y1 + 5);
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n",
            x, y1 + 18, v);
  }
  fprintf(f,
          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">step</text>\n",
          (PLOT_X0 + PLOT_X1) / 2, y1 + 34);
  fprintf(f,
          "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
          "fill=\"none\" stroke=\"#333\"/>\n",
          PLOT_X0, y0, PLOT_X1 - PLOT_X0, y1 - y0);
}

static double step_x(double s, double xlo, double xhi) {
  return PLOT_X0 + (s - xlo) / (xhi - xlo) * (PLOT_X1 - PLOT_X0);
}

/* Incremental polyline output: a non-finite point ends the current line. */
typedef struct {
  FILE *f;
  const char *style;
  int open;
} polyline;

static void poly_point(polyline *p, double x, double y) {
  if (!p->open) {
    fprintf(p->f, "<polyline fill=\"none\" %s points=\"", p->style);
    p->open = 1;
  }
  fprintf(p->f, "%.1f,%.1f ", x, y);
}

static void poly_break(polyline *p) {
  if (p->open)
    fputs("\"/>\n", p->f);
  p->open = 0;
}

/* A NaN or infinite value: a cross on the top edge of its panel. */
static void nonfinite_mark(FILE *f, double x, double top, const char *color) {
  fprintf(f,
          "<path d=\"M%.1f,%.1f l6,6 m0,-6 l-6,6\" stroke=\"%s\" "
          "stroke-width=\"2\"/>\n",
          x - 3, top + 3, color);
}

/* Mean, min and max of the finite losses of steps [i0, i1). */
static int bucket(const adj_health *h, int64_t i0, int64_t i1, double *x,
                  double *mean, double *mn, double *mx) {
  double sx = 0, sum = 0;
  int64_t n = 0;
  *mn = INFINITY;
  *mx = -INFINITY;
  for (int64_t i = i0; i < i1; ++i) {
    double v = h->steps[i].loss;
    if (!isfinite(v))
      continue;
    sx += (double)h->steps[i].step;
    sum += v;
    if (v < *mn)
      *mn = v;
    if (v > *mx)
      *mx = v;
    ++n;
  }
  if (n == 0)
    return 0;
  *x = sx / (double)n;
  *mean = sum / (double)n;
  return 1;
}

static void draw_loss_panel(FILE *f, const adj_health *h, double xlo,
                            double xhi) {
  int64_t n = h->num_steps;
  int64_t buckets = n < ADJ_HEALTH_SVG_MAX_POINTS ? n
                                                  : ADJ_HEALTH_SVG_MAX_POINTS;
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    double v = h->steps[i].loss;
    if (isfinite(v)) {
      if (v < lo)
        lo = v;
      if (v > hi)
        hi = v;
    }
  }
  axis a = {0, 1, 0, LOSS_Y0, LOSS_Y1};
  if (lo > hi) {
    lo = 0;
    hi = 1;
  }
  /* A loss spanning more than three decades (divergence) reads better on
     a log scale. */
  a.log = lo > 0 && hi / lo > 1e3;
  if (a.log)
    log_range(&lo, &hi);
  else
    linear_range(&lo, &hi);
  a.lo = lo;
  a.hi = hi;
  draw_y_axis(f, &a, a.log ? "loss (log scale)" : "loss");
  if (n == 0)
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
            "fill=\"#666\">no training steps</text>\n",
            (PLOT_X0 + PLOT_X1) / 2, (LOSS_Y0 + LOSS_Y1) / 2);
  /* Downsampled: a band of each bucket's min..max behind its mean. */
  if (n > buckets) {
    for (int64_t b = 0; b < buckets; ++b) {
      double x, mean, mn, mx;
      if (!bucket(h, b * n / buckets, (b + 1) * n / buckets, &x, &mean, &mn,
                  &mx))
        continue;
      double xs = step_x(x, xlo, xhi);
      fprintf(f,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke=\"#aec7e8\"/>\n",
              xs, axis_pos(&a, mn), xs, axis_pos(&a, mx));
    }
  }
  polyline p = {f, "stroke=\"#1f77b4\" stroke-width=\"1.5\"", 0};
  for (int64_t b = 0; b < buckets; ++b) {
    double x, mean, mn, mx;
    if (!bucket(h, b * n / buckets, (b + 1) * n / buckets, &x, &mean, &mn,
                &mx)) {
      poly_break(&p);
      continue;
    }
    poly_point(&p, step_x(x, xlo, xhi), axis_pos(&a, mean));
  }
  poly_break(&p);
  int64_t marks = 0;
  for (int64_t i = 0; i < n && marks < 50; ++i)
    if (!isfinite(h->steps[i].loss)) {
      nonfinite_mark(f, step_x((double)h->steps[i].step, xlo, xhi), a.y0,
                     "#c00000");
      ++marks;
    }
  if (n == 1 && isfinite(h->steps[0].loss))
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#1f77b4\"/>\n",
            step_x((double)h->steps[0].step, xlo, xhi),
            axis_pos(&a, h->steps[0].loss));
  draw_x_axis(f, h, xlo, xhi, LOSS_Y0, LOSS_Y1);
  /* Legend of the loss panel. */
  fprintf(f,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" "
          "stroke-width=\"2\"/>\n"
          "<text x=\"%d\" y=\"%d\">loss per step</text>\n",
          LEGEND_X, LOSS_Y0 + 10, LEGEND_X + 22, LOSS_Y0 + 10, LEGEND_X + 28,
          LOSS_Y0 + 14);
  if (n > buckets)
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">mean of "
            "%lld-%lld steps,</text>\n"
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">min..max "
            "shaded</text>\n",
            LEGEND_X + 28, LOSS_Y0 + 30, (long long)(n / buckets),
            (long long)((n + buckets - 1) / buckets), LEGEND_X + 28,
            LOSS_Y0 + 44);
  if (h->num_epochs > 0 && h->num_epochs <= 60)
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#b0b0b0\" "
            "stroke-dasharray=\"2 3\"/>\n"
            "<text x=\"%d\" y=\"%d\">epoch end</text>\n",
            LEGEND_X, LOSS_Y0 + 62, LEGEND_X + 22, LOSS_Y0 + 62,
            LEGEND_X + 28, LOSS_Y0 + 66);
  if (marks) {
    nonfinite_mark(f, LEGEND_X + 11, LOSS_Y0 + 76, "#c00000");
    fprintf(f, "<text x=\"%d\" y=\"%d\">nan or inf</text>\n",
            LEGEND_X + 28, LOSS_Y0 + 88);
  }
}

static void draw_grad_panel(FILE *f, const adj_health *h, double xlo,
                            double xhi, int grad_y1) {
  const adj_model_info *info = h->info;
  double lo = INFINITY, hi = 0;
  int any_zero = 0, any_nonfinite = 0;
  for (int64_t i = 0; i < h->num_stats; ++i) {
    double v = h->stats[i].grad_norm;
    if (v == 0)
      any_zero = 1;
    else if (isfinite(v)) {
      if (v < lo)
        lo = v;
      if (v > hi)
        hi = v;
    }
  }
  if (!(hi > 0)) {
    lo = 1e-8;
    hi = 1;
  }
  log_range(&lo, &hi);
  /* Norms of exactly 0 get a band of their own under the log scale. */
  int zero_band = any_zero ? 24 : 0;
  double zero_y = grad_y1 - 10;
  axis a = {lo, hi, 1, GRAD_Y0, grad_y1 - zero_band};
  draw_y_axis(f, &a, "gradient L2 norm (log scale)");
  if (zero_band)
    fprintf(f,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
            PLOT_X0, a.y1, PLOT_X1, a.y1, PLOT_X0 - 6, zero_y + 4);
  for (int p = 0; p < info->num_params; ++p) {
    int64_t count = 0;
    for (int64_t i = 0; i < h->num_stats; ++i)
      count += h->stats[i].param == p;
    int64_t stride = (count + ADJ_HEALTH_SVG_MAX_POINTS - 1) /
                     ADJ_HEALTH_SVG_MAX_POINTS;
    if (stride < 1)
      stride = 1;
    char style[96];
    const char *color = kColors[p % NUM_COLORS];
    const char *dash = kDashes[(p / NUM_COLORS) % NUM_DASHES];
    snprintf(style, sizeof style,
             "stroke=\"%s\" stroke-width=\"1.5\"%s%s%s", color,
             dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
    polyline pl = {f, style, 0};
    int markers = count <= 60;
    int64_t k = 0;
    for (int64_t i = 0; i < h->num_stats; ++i) {
      const adj_health_stats *s = &h->stats[i];
      if (s->param != p)
        continue;
      int64_t idx = k++;
      if (idx % stride != 0 && idx != count - 1)
        continue;
      double v = s->grad_norm;
      if (!isfinite(v)) {
        poly_break(&pl);
        nonfinite_mark(f, step_x((double)s->step, xlo, xhi), a.y0, color);
        any_nonfinite = 1;
        continue;
      }
      /* A zero norm sits in the band under the log axis. */
      double y = v > 0 ? axis_pos(&a, v) : zero_y;
      poly_point(&pl, step_x((double)s->step, xlo, xhi), y);
    }
    poly_break(&pl);
    if (markers) {
      for (int64_t i = 0; i < h->num_stats; ++i) {
        const adj_health_stats *s = &h->stats[i];
        if (s->param != p || !isfinite(s->grad_norm))
          continue;
        double y = s->grad_norm > 0 ? axis_pos(&a, s->grad_norm) : zero_y;
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>\n",
                step_x((double)s->step, xlo, xhi), y, color);
      }
    }
    /* Legend row. */
    int ly = GRAD_Y0 + 10 + p * LEGEND_ROW;
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" %s/>\n"
            "<text x=\"%d\" y=\"%d\">",
            LEGEND_X, ly, LEGEND_X + 22, ly, style, LEGEND_X + 28, ly + 4);
    put_xml(f, param_name(info, p));
    fputs("</text>\n", f);
  }
  if (h->num_stats == 0)
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
            "fill=\"#666\">no gradient statistics recorded</text>\n",
            (PLOT_X0 + PLOT_X1) / 2, (GRAD_Y0 + grad_y1) / 2);
  draw_x_axis(f, h, xlo, xhi, GRAD_Y0, grad_y1);
  char every[48];
  if (h->opt.stats_every == 1)
    snprintf(every, sizeof every, "at every step");
  else
    snprintf(every, sizeof every, "every %lld steps",
             (long long)h->opt.stats_every);
  fprintf(f,
          "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">from a "
          "separate gradient sweep (the model's grad entry point) %s, not "
          "from inside the fused train step%s%s</text>\n",
          PLOT_X0, grad_y1 + 52, every,
          any_zero ? "; norms of 0 in the band marked 0" : "",
          any_nonfinite ? "; x on the top edge: nan or inf" : "");
}

void adj_health_write_svg(const adj_health *h, FILE *f) {
  if (!h || !h->info || !f)
    return;
  const adj_model_info *info = h->info;
  int has_grads = h->opt.stats_every > 0;
  /* Room for one legend row per parameter. */
  int grad_y1 = GRAD_Y1;
  if (has_grads && GRAD_Y0 + 10 + info->num_params * LEGEND_ROW > grad_y1)
    grad_y1 = GRAD_Y0 + 10 + info->num_params * LEGEND_ROW;
  int height = has_grads ? grad_y1 + 70 : LOSS_Y1 + 50;
  double xlo = 0, xhi = 1;
  if (h->num_steps > 0) {
    xlo = (double)h->steps[0].step;
    xhi = (double)h->steps[h->num_steps - 1].step;
  }
  if (!(xhi > xlo))
    xhi = xlo + 1;
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, "
          "Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
          "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
          SVG_W, height, SVG_W, height, SVG_W, height);
  fputs("<title>", f);
  put_xml(f, info->name ? info->name : "<unnamed>");
  fputs(": training loss and gradient norms</title>\n", f);
  fprintf(f, "<text x=\"%d\" y=\"28\" font-size=\"17\" "
             "font-weight=\"bold\">",
          PLOT_X0);
  put_xml(f, info->name ? info->name : "<unnamed>");
  fputs(has_grads ? ": training loss and gradient norms</text>\n"
                  : ": training loss</text>\n",
        f);
  fprintf(f, "<text x=\"%d\" y=\"50\" fill=\"#444\">", PLOT_X0);
  char buf[64];
  put_xml(f, info->optimizer ? info->optimizer : "sgd");
  if (h->num_steps) {
    snprintf(buf, sizeof buf, ", lr %g", h->steps[0].lr);
    put_xml(f, buf);
  }
  snprintf(buf, sizeof buf, ", batch %lld, %s", (long long)info->batch,
           adj_dtype_name(info->dtype));
  put_xml(f, buf);
  if (h->num_steps)
    fprintf(f, "; steps %lld to %lld", (long long)h->steps[0].step,
            (long long)h->steps[h->num_steps - 1].step);
  fputs("</text>\n", f);
  if (h->stopped[0]) {
    fprintf(f, "<text x=\"%d\" y=\"68\" fill=\"#c00000\">stopped at ",
            PLOT_X0);
    put_xml(f, h->stopped);
    fputs("</text>\n", f);
  }
  draw_loss_panel(f, h, xlo, xhi);
  if (has_grads)
    draw_grad_panel(f, h, xlo, xhi, grad_y1);
  fputs("</svg>\n", f);
}

/*===----------------------------- Finish -------------------------------===*/

/* Writes one file through its temporary name; `kind` is 0 for the log and
   1 for the chart. */
static int write_file(adj_health *h, const char *path, const char *tmp,
                      int kind) {
  FILE *f = fopen(tmp, "w");
  if (!f)
    return adj_set_error("%s: cannot open %s for writing: %s", path, tmp,
                         strerror(errno));
  if (kind == 0)
    adj_health_write_log(h, f, path);
  else
    adj_health_write_svg(h, f);
  int err = ferror(f) ? (errno ? errno : EIO) : 0;
  if (fclose(f) != 0 && !err)
    err = errno ? errno : EIO;
  if (err) {
    remove(tmp);
    return adj_set_error("%s: write error: %s", path, strerror(err));
  }
  if (rename(tmp, path) != 0) {
    err = errno;
    remove(tmp);
    return adj_set_error("%s: cannot move %s into place: %s", path, tmp,
                         strerror(err));
  }
  return 0;
}

int adj_health_finish(adj_health *h) {
  if (!h || !h->info)
    return adj_set_error("uninitialized gradient-health monitor");
  int rc = 0;
  if (h->log_tmp) {
    errno = 0;
    rc = write_file(h, h->opt.log_path, h->log_tmp, 0);
    free(h->log_tmp);
    h->log_tmp = NULL;
    if (rc != 0)
      return -1;
  }
  if (h->svg_tmp) {
    errno = 0;
    rc = write_file(h, h->opt.svg_path, h->svg_tmp, 1);
    free(h->svg_tmp);
    h->svg_tmp = NULL;
  }
  return rc;
}

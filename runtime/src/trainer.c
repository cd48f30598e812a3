/*===- trainer.c - Training and evaluation driver -------------------------===*/
#include "internal.h"

#include "adjoint/checkpoint.h"
#include "adjoint/health.h"

#include <math.h>
#include <string.h>

static const char *model_name(const adj_model_info *info) {
  return info && info->name ? info->name : "<unnamed>";
}

static const char *tensor_name(const adj_tensor_info *t) {
  return t->name ? t->name : "<unnamed>";
}

static int check_tensor(const adj_model_info *info, const adj_tensor_info *t,
                        const char *kind) {
  const char *m = model_name(info);
  if (t->rank < 0 || t->rank > ADJ_MAX_RANK)
    return adj_set_error("model '%s': %s %s has invalid rank %d", m, kind,
                         tensor_name(t), t->rank);
  int64_t n = 1;
  for (int i = 0; i < t->rank; ++i) {
    if (t->shape[i] < 0 ||
        (t->shape[i] > 0 && n > INT64_MAX / 16 / t->shape[i]))
      return adj_set_error("model '%s': %s %s has invalid dimension %lld", m,
                           kind, tensor_name(t), (long long)t->shape[i]);
    n *= t->shape[i];
  }
  if (n != t->numel)
    return adj_set_error("model '%s': %s %s has %lld elements but its shape "
                         "has %lld",
                         m, kind, tensor_name(t), (long long)t->numel,
                         (long long)n);
  if (adj_dtype_size(t->dtype) == 0)
    return adj_set_error("model '%s': %s %s has invalid element type %d", m,
                         kind, tensor_name(t), (int)t->dtype);
  return 0;
}

int adj_model_validate(const adj_model_info *info) {
  if (!info)
    return adj_set_error("null model info");
  const char *m = model_name(info);
  if (info->dtype != ADJ_F32 && info->dtype != ADJ_F64)
    return adj_set_error("model '%s': element type must be f32 or f64, got %s",
                         m, adj_dtype_name(info->dtype));
  if (info->batch <= 0)
    return adj_set_error("model '%s': batch size must be positive, got %lld", m,
                         (long long)info->batch);
  if (info->num_params < 0 || (info->num_params > 0 && !info->params) ||
      info->num_state < 0 || (info->num_state > 0 && !info->state) ||
      info->num_inputs < 0 || (info->num_inputs > 0 && !info->inputs))
    return adj_set_error("model '%s': inconsistent tensor tables", m);
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *t = &info->params[i].tensor;
    if (check_tensor(info, t, "param") != 0)
      return -1;
    if (t->dtype != info->dtype)
      return adj_set_error("model '%s': param %s has element type %s, "
                           "expected %s",
                           m, tensor_name(t), adj_dtype_name(t->dtype),
                           adj_dtype_name(info->dtype));
  }
  for (int i = 0; i < info->num_state; ++i) {
    const adj_tensor_info *t = &info->state[i];
    if (check_tensor(info, t, "optimizer state") != 0)
      return -1;
    /* Float buffers (moments) and int32 counters (the step). */
    if (t->dtype != info->dtype && t->dtype != ADJ_I32)
      return adj_set_error("model '%s': optimizer state %s has element type "
                           "%s, expected %s or i32",
                           m, tensor_name(t), adj_dtype_name(t->dtype),
                           adj_dtype_name(info->dtype));
  }
  for (int i = 0; i < info->num_inputs; ++i) {
    const adj_tensor_info *t = &info->inputs[i];
    if (check_tensor(info, t, "input") != 0)
      return -1;
    if (t->rank < 1 || t->shape[0] != info->batch)
      return adj_set_error("model '%s': input %s must have the batch size "
                           "%lld as its first dimension",
                           m, tensor_name(t), (long long)info->batch);
    if (t->dtype != info->dtype && t->dtype != ADJ_I32)
      return adj_set_error("model '%s': input %s has element type %s, "
                           "expected %s or i32",
                           m, tensor_name(t), adj_dtype_name(t->dtype),
                           adj_dtype_name(info->dtype));
  }
  if (check_tensor(info, &info->output, "output") != 0)
    return -1;
  if (info->output.rank < 1 || info->output.shape[0] != info->batch ||
      info->output.dtype != info->dtype)
    return adj_set_error("model '%s': output must be %s with the batch size "
                         "%lld as its first dimension",
                         m, adj_dtype_name(info->dtype),
                         (long long)info->batch);
  return 0;
}

void adj_trainer_free(adj_trainer *t) {
  if (!t)
    return;
  const adj_model_info *info = t->info;
  if (info) {
    if (t->params)
      for (int i = 0; i < info->num_params; ++i)
        adj_free(t->params[i]);
    if (t->state)
      for (int i = 0; i < info->num_state; ++i)
        adj_free(t->state[i]);
    if (t->inputs)
      for (int i = 0; i < info->num_inputs; ++i)
        adj_free(t->inputs[i]);
  }
  adj_free(t->params);
  adj_free(t->state);
  adj_free(t->inputs);
  adj_free(t->mask);
  adj_free(t->loss);
  adj_free(t->output);
  adj_batcher_free(&t->train_batches);
  memset(t, 0, sizeof *t);
}

static void *alloc_tensor(const adj_tensor_info *ti) {
  return adj_alloc((size_t)ti->numel * adj_dtype_size(ti->dtype));
}

int adj_trainer_init(adj_trainer *t, const adj_model_info *info,
                     uint64_t seed) {
  if (!t)
    return adj_set_error("adj_trainer_init: null trainer");
  memset(t, 0, sizeof *t);
  if (adj_model_validate(info) != 0)
    return -1;
  const char *m = model_name(info);
  if (!info->train_step || !info->loss_fn || !info->predict)
    return adj_set_error("model '%s': missing train_step, loss_fn or predict "
                         "entry point",
                         m);
  t->info = info;
  t->lr = info->lr;
  t->seed = seed;
  size_t esize = adj_dtype_size(info->dtype);
  t->params = adj_alloc(sizeof(void *) * (size_t)info->num_params);
  t->state = adj_alloc(sizeof(void *) * (size_t)info->num_state);
  t->inputs = adj_alloc(sizeof(void *) * (size_t)info->num_inputs);
  t->mask = adj_alloc((size_t)info->batch * esize);
  t->loss = adj_alloc(esize);
  t->output = alloc_tensor(&info->output);
  if (!t->params || !t->state || !t->inputs || !t->mask || !t->loss ||
      !t->output)
    goto oom;
  adj_rng rng;
  adj_rng_seed(&rng, seed);
  for (int i = 0; i < info->num_params; ++i) {
    if (!(t->params[i] = alloc_tensor(&info->params[i].tensor)))
      goto oom;
    if (adj_init_param(&info->params[i], t->params[i], &rng) != 0) {
      adj_trainer_free(t);
      return -1;
    }
  }
  for (int i = 0; i < info->num_state; ++i)
    if (!(t->state[i] = alloc_tensor(&info->state[i])))
      goto oom;
  for (int i = 0; i < info->num_inputs; ++i)
    if (!(t->inputs[i] = alloc_tensor(&info->inputs[i])))
      goto oom;
  if (info->num_inputs >= 1)
    t->row_numel = info->inputs[0].numel / info->batch;
  if (info->output.rank >= 2)
    t->num_classes = info->output.shape[1];
  return 0;
oom:
  adj_trainer_free(t);
  return adj_set_error("model '%s': out of memory allocating buffers", m);
}

static int is_regression(const adj_trainer *t) {
  return t->info->loss == ADJ_LOSS_MSE;
}

/* Target values per row of an mse model (inputs[1]). */
static int64_t target_numel(const adj_trainer *t) {
  return t->info->inputs[1].numel / t->info->batch;
}

static int check_regression_dataset(const adj_trainer *t,
                                    const adj_dataset *ds) {
  const adj_model_info *info = t->info;
  const char *m = model_name(info);
  if (info->num_inputs != 2 || info->inputs[0].dtype != info->dtype ||
      info->inputs[1].dtype != info->dtype)
    return adj_set_error("model '%s': unsupported inputs for the training "
                         "driver (expected features %s [batch, ...] and "
                         "targets %s [batch, k])",
                         m, adj_dtype_name(info->dtype),
                         adj_dtype_name(info->dtype));
  int64_t k = target_numel(t);
  if (info->output.numel / info->batch != k)
    return adj_set_error("model '%s': unsupported output for the training "
                         "driver (expected %lld values per row, like the "
                         "targets)",
                         m, (long long)k);
  if (ds->num_classes != 0)
    return adj_set_error("model '%s': unsupported dataset for a regression "
                         "(mse) model: it needs float targets (--csv), not "
                         "class labels",
                         m);
  if (ds->dtype != info->dtype)
    return adj_set_error("model '%s' has element type %s but the dataset has "
                         "%s features",
                         m, adj_dtype_name(info->dtype),
                         adj_dtype_name(ds->dtype));
  if (ds->sample_numel != t->row_numel + k)
    return adj_set_error("model '%s': inputs %s and %s expect %lld features "
                         "and %lld targets per row but the dataset has %lld "
                         "values per row",
                         m, tensor_name(&info->inputs[0]),
                         tensor_name(&info->inputs[1]),
                         (long long)t->row_numel, (long long)k,
                         (long long)ds->sample_numel);
  return 0;
}

/* Splits the rows of a regression batch (features then targets per row)
   into inputs[0] and inputs[1], and copies the mask. */
static void split_regression_batch(adj_trainer *t, const adj_batcher *b) {
  const adj_model_info *info = t->info;
  size_t esize = adj_dtype_size(info->dtype);
  int64_t nf = t->row_numel, k = target_numel(t);
  const unsigned char *src = b->features;
  unsigned char *x = t->inputs[0], *y = t->inputs[1];
  for (int64_t r = 0; r < info->batch; ++r) {
    const unsigned char *row = src + (size_t)(r * (nf + k)) * esize;
    memcpy(x + (size_t)(r * nf) * esize, row, (size_t)nf * esize);
    memcpy(y + (size_t)(r * k) * esize, row + (size_t)nf * esize,
           (size_t)k * esize);
  }
  memcpy(t->mask, b->mask, (size_t)info->batch * esize);
}

int adj_trainer_check_dataset(const adj_trainer *t, const adj_dataset *ds) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  const adj_model_info *info = t->info;
  const char *m = model_name(info);
  if (!ds || !ds->features || !ds->labels || ds->num_samples <= 0)
    return adj_set_error("model '%s': empty dataset", m);
  if (info->loss == ADJ_LOSS_MSE)
    return check_regression_dataset(t, ds);
  if (ds->num_classes == 0)
    return adj_set_error("model '%s' is a classification model but the "
                         "dataset has regression targets",
                         m);
  if (info->loss != ADJ_LOSS_SOFTMAX_CROSS_ENTROPY &&
      info->loss != ADJ_LOSS_NLL)
    return adj_set_error("model '%s': unsupported loss '%s' for the training "
                         "driver (only softmax cross-entropy and nll "
                         "classification models can be trained on a "
                         "dataset)",
                         m, adj_loss_name(info->loss));
  if (info->num_inputs != 2 || info->inputs[0].dtype != info->dtype ||
      info->inputs[1].dtype != ADJ_I32 || info->inputs[1].rank != 1)
    return adj_set_error("model '%s': unsupported inputs for the training "
                         "driver (expected features %s [batch, ...] and "
                         "labels i32 [batch])",
                         m, adj_dtype_name(info->dtype));
  if (info->output.rank != 2 || info->output.shape[1] < 1)
    return adj_set_error("model '%s': unsupported output for the training "
                         "driver (expected [batch, classes])",
                         m);
  if (ds->dtype != info->dtype)
    return adj_set_error("model '%s' has element type %s but the dataset has "
                         "%s features",
                         m, adj_dtype_name(info->dtype),
                         adj_dtype_name(ds->dtype));
  if (t->row_numel != ds->sample_numel)
    return adj_set_error("model '%s': input %s expects %lld features per row "
                         "but the dataset has %lld features per sample",
                         m, tensor_name(&info->inputs[0]),
                         (long long)t->row_numel, (long long)ds->sample_numel);
  for (int64_t i = 0; i < ds->num_samples; ++i)
    if (ds->labels[i] < 0 || ds->labels[i] >= t->num_classes)
      return adj_set_error("model '%s': label %d of sample %lld is out of "
                           "range for %lld classes",
                           m, (int)ds->labels[i], (long long)i,
                           (long long)t->num_classes);
  return 0;
}

int adj_trainer_bind_dataset(adj_trainer *t, const adj_dataset *ds) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  if (t->train_ds == ds && t->train_ds_samples == ds->num_samples &&
      t->train_batches.ds == ds)
    return 0;
  if (adj_trainer_check_dataset(t, ds) != 0)
    return -1;
  adj_batcher_free(&t->train_batches);
  t->train_ds = NULL;
  /* A shuffle stream independent of the parameter initialization. */
  uint64_t shuffle_seed = t->seed ^ 0xd1b54a32d192ed03ULL;
  /* A regression batch (features and targets per row) goes through
     batcher-owned buffers and is split into the inputs. */
  int reg = is_regression(t);
  if (adj_batcher_init(&t->train_batches, ds, t->info->batch, 1, shuffle_seed,
                       reg ? NULL : t->inputs[0], reg ? NULL : t->inputs[1],
                       reg ? NULL : t->mask) != 0)
    return -1;
  t->train_ds = ds;
  t->train_ds_samples = ds->num_samples;
  return 0;
}

/* One epoch; with a monitor, every step is numbered globally and passed
   through it (the gradient sweep at sampled steps, the loss check). */
static int train_epoch(adj_trainer *t, const adj_dataset *train,
                       adj_health *h, adj_epoch_stats *stats) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  if (adj_trainer_bind_dataset(t, train) != 0)
    return -1;
  const adj_model_info *info = t->info;
  adj_batcher *b = &t->train_batches;
  int64_t step = adj_trainer_global_step(t);
  int64_t epoch = t->epochs_done + 1;
  if (h && adj_health_reserve(h, adj_batcher_num_batches(b), 0) != 0)
    return -1;
  double start = adj_now_seconds();
  double loss_sum = 0.0;
  int64_t seen = 0;
  adj_batcher_start_epoch(b);
  int64_t valid;
  while ((valid = adj_batcher_next(b)) > 0) {
    ++step;
    if (is_regression(t))
      split_regression_batch(t, b);
    if (h && adj_health_before_step(h, t, step, epoch) != 0)
      return -1;
    info->train_step(t->params, t->state, t->inputs, t->mask, t->lr, t->loss);
    double loss = adj_load_elem(t->loss, info->dtype, 0);
    if (h && adj_health_after_step(h, t, step, epoch, loss) != 0)
      return -1;
    loss_sum += loss * (double)valid;
    seen += valid;
  }
  double secs = adj_now_seconds() - start;
  t->epochs_done++;
  if (stats) {
    stats->epoch = t->epochs_done;
    stats->samples = seen;
    stats->loss = seen > 0 ? loss_sum / (double)seen : 0.0;
    stats->seconds = secs;
    stats->samples_per_sec = secs > 0 ? (double)seen / secs : 0.0;
  }
  return 0;
}

int adj_train_epoch(adj_trainer *t, const adj_dataset *train,
                    adj_epoch_stats *stats) {
  return train_epoch(t, train, NULL, stats);
}

int adj_train_epoch_monitored(adj_trainer *t, const adj_dataset *train,
                              adj_health *health, adj_epoch_stats *stats) {
  return train_epoch(t, train, health, stats);
}

int adj_evaluate(adj_trainer *t, const adj_dataset *ds, double *accuracy,
                 double *mean_loss) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  if (adj_trainer_check_dataset(t, ds) != 0)
    return -1;
  const adj_model_info *info = t->info;
  if (is_regression(t)) {
    if (accuracy)
      return adj_set_error("model '%s' is a regression (mse) model: it has "
                           "no accuracy (see adj_evaluate_regression)",
                           model_name(info));
    return adj_evaluate_regression(t, ds, NULL, mean_loss);
  }
  adj_batcher b;
  /* No shuffle and caller buffers: nothing is allocated. */
  if (adj_batcher_init(&b, ds, info->batch, 0, 0, t->inputs[0], t->inputs[1],
                       t->mask) != 0)
    return -1;
  int64_t classes = t->num_classes;
  int64_t correct = 0, seen = 0;
  double loss_sum = 0.0;
  int64_t valid;
  while ((valid = adj_batcher_next(&b)) > 0) {
    if (accuracy) {
      info->predict(t->params, t->inputs, t->output);
      const int32_t *labels = t->inputs[1];
      for (int64_t r = 0; r < valid; ++r) {
        int64_t best = 0;
        double best_v = adj_load_elem(t->output, info->dtype, r * classes);
        for (int64_t c = 1; c < classes; ++c) {
          double v = adj_load_elem(t->output, info->dtype, r * classes + c);
          if (v > best_v || (isnan(best_v) && !isnan(v))) {
            best_v = v;
            best = c;
          }
        }
        correct += (!isnan(best_v) && best == labels[r]);
      }
    }
    if (mean_loss) {
      info->loss_fn(t->params, t->inputs, t->mask, t->loss);
      loss_sum += adj_load_elem(t->loss, info->dtype, 0) * (double)valid;
    }
    seen += valid;
  }
  adj_batcher_free(&b);
  if (accuracy)
    *accuracy = (double)correct / (double)seen;
  if (mean_loss)
    *mean_loss = loss_sum / (double)seen;
  return 0;
}

double adj_r2_score(const double *pred, const double *target, int64_t n) {
  if (!pred || !target || n <= 0)
    return NAN;
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i)
    mean += target[i];
  mean /= (double)n;
  double res = 0.0, tot = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double d = pred[i] - target[i], e = target[i] - mean;
    res += d * d;
    tot += e * e;
  }
  if (tot == 0.0)
    return res == 0.0 ? 1.0 : -INFINITY;
  return 1.0 - res / tot;
}

int adj_evaluate_regression(adj_trainer *t, const adj_dataset *ds, double *r2,
                            double *mean_loss) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  const adj_model_info *info = t->info;
  if (!is_regression(t))
    return adj_set_error("model '%s' is not a regression (mse) model",
                         model_name(info));
  if (adj_trainer_check_dataset(t, ds) != 0)
    return -1;
  adj_dtype dt = info->dtype;
  int64_t nf = t->row_numel, k = target_numel(t), w = nf + k;
  int64_t n = ds->num_samples, batch = info->batch;
  /* SS_tot from each target column's mean over ds, then SS_res and the
     loss batch by batch, in order, through the trainer's buffers. */
  double res = 0.0, tot = 0.0, loss_sum = 0.0;
  for (int64_t j = 0; j < k; ++j) {
    double mean = 0.0;
    for (int64_t r = 0; r < n; ++r)
      mean += adj_load_elem(ds->features, dt, r * w + nf + j);
    mean /= (double)n;
    for (int64_t r = 0; r < n; ++r) {
      double e = adj_load_elem(ds->features, dt, r * w + nf + j) - mean;
      tot += e * e;
    }
  }
  for (int64_t start = 0; start < n; start += batch) {
    int64_t valid = n - start < batch ? n - start : batch;
    for (int64_t r = 0; r < batch; ++r) {
      for (int64_t j = 0; j < nf; ++j)
        adj_store_elem(t->inputs[0], dt, r * nf + j,
                       r < valid ? adj_load_elem(ds->features, dt,
                                                 (start + r) * w + j)
                                 : 0.0);
      for (int64_t j = 0; j < k; ++j)
        adj_store_elem(t->inputs[1], dt, r * k + j,
                       r < valid ? adj_load_elem(ds->features, dt,
                                                 (start + r) * w + nf + j)
                                 : 0.0);
      adj_store_elem(t->mask, dt, r, r < valid ? 1.0 : 0.0);
    }
    if (r2) {
      info->predict(t->params, t->inputs, t->output);
      for (int64_t r = 0; r < valid; ++r)
        for (int64_t j = 0; j < k; ++j) {
          double d = adj_load_elem(t->output, dt, r * k + j) -
                     adj_load_elem(t->inputs[1], dt, r * k + j);
          res += d * d;
        }
    }
    if (mean_loss) {
      info->loss_fn(t->params, t->inputs, t->mask, t->loss);
      loss_sum += adj_load_elem(t->loss, dt, 0) * (double)valid;
    }
  }
  if (r2)
    *r2 = tot == 0.0 ? (res == 0.0 ? 1.0 : -INFINITY) : 1.0 - res / tot;
  if (mean_loss)
    *mean_loss = loss_sum / (double)n;
  return 0;
}

int64_t adj_trainer_global_step(const adj_trainer *t) {
  if (!t || !t->train_batches.ds)
    return 0;
  return t->epochs_done * adj_batcher_num_batches(&t->train_batches);
}

/* Test accuracy of a classification model, R^2 of a regression model. */
static int evaluate_metric(adj_trainer *t, const adj_dataset *ds,
                           double *metric) {
  if (is_regression(t))
    return adj_evaluate_regression(t, ds, metric, NULL);
  return adj_evaluate(t, ds, metric, NULL);
}

/* Runs `epochs` epochs, numbering the progress lines from `first_label` + 1
   to `first_label` + `epochs` out of `total_label`, and saves a checkpoint
   to `checkpoint_path` (if non-NULL) after every epoch. With a monitor `h`,
   reserves the records of all the steps first and records every epoch's
   summary after its evaluation. */
static int train_loop(adj_trainer *t, const adj_dataset *train,
                      const adj_dataset *test, int64_t epochs,
                      int64_t first_label, int64_t total_label, FILE *progress,
                      const char *checkpoint_path, adj_health *h,
                      double *test_accuracy) {
  if (adj_trainer_check_dataset(t, train) != 0)
    return -1;
  if (test && adj_trainer_check_dataset(t, test) != 0)
    return -1;
  if (h && epochs > 0) {
    if (adj_trainer_bind_dataset(t, train) != 0)
      return -1;
    int64_t per_epoch = adj_batcher_num_batches(&t->train_batches);
    if (per_epoch > 0 && epochs > INT64_MAX / per_epoch)
      return adj_set_error("too many training steps");
    if (adj_health_reserve(h, epochs * per_epoch, epochs) != 0)
      return -1;
  }
  double acc = 0.0;
  for (int64_t e = 1; e <= epochs; ++e) {
    adj_epoch_stats st;
    memset(&st, 0, sizeof st);
    if (train_epoch(t, train, h, &st) != 0)
      return -1;
    if (test && evaluate_metric(t, test, &acc) != 0)
      return -1;
    if (h && adj_health_end_epoch(h, t->epochs_done,
                                  adj_trainer_global_step(t), st.loss,
                                  test ? acc : NAN, st.seconds) != 0)
      return -1;
    if (progress) {
      fprintf(progress, "epoch %lld/%lld  loss %.4f",
              (long long)(first_label + e), (long long)total_label, st.loss);
      if (test)
        fprintf(progress, is_regression(t) ? "  test-r2 %.4f"
                                           : "  test-acc %.4f",
                acc);
      fprintf(progress, "  samples/s %.0f  (%.2f s)\n", st.samples_per_sec,
              st.seconds);
      fflush(progress);
    }
    if (checkpoint_path && adj_checkpoint_save(t, checkpoint_path) != 0)
      return -1;
  }
  if (test && epochs == 0 && evaluate_metric(t, test, &acc) != 0)
    return -1;
  if (test_accuracy && test)
    *test_accuracy = acc;
  return 0;
}

int adj_train(adj_trainer *t, const adj_dataset *train, const adj_dataset *test,
              int64_t epochs, FILE *progress, double *test_accuracy) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  if (epochs < 0)
    return adj_set_error("number of epochs must not be negative, got %lld",
                         (long long)epochs);
  return train_loop(t, train, test, epochs, 0, epochs, progress, NULL, NULL,
                    test_accuracy);
}

int adj_train_monitored(adj_trainer *t, const adj_dataset *train,
                        const adj_dataset *test, int64_t total_epochs,
                        FILE *progress, const char *checkpoint_path,
                        adj_health *health, double *test_accuracy) {
  if (!t || !t->info)
    return adj_set_error("uninitialized trainer");
  if (health && health->info != t->info)
    return adj_set_error("gradient-health monitor and trainer do not match");
  if (total_epochs < 0)
    return adj_set_error("number of epochs must not be negative, got %lld",
                         (long long)total_epochs);
  int64_t done = t->epochs_done;
  int64_t remaining = total_epochs > done ? total_epochs - done : 0;
  return train_loop(t, train, test, remaining, done, total_epochs, progress,
                    checkpoint_path, health, test_accuracy);
}

int adj_train_to(adj_trainer *t, const adj_dataset *train,
                 const adj_dataset *test, int64_t total_epochs, FILE *progress,
                 const char *checkpoint_path, double *test_accuracy) {
  return adj_train_monitored(t, train, test, total_epochs, progress,
                             checkpoint_path, NULL, test_accuracy);
}

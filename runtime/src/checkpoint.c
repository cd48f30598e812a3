/*===- checkpoint.c - Safetensors training checkpoints --------------------===*
 *
 * Writer and validating reader of the checkpoint format described in
 * adjoint/checkpoint.h, on top of the safetensors reader and writer
 * (adjoint/safetensors.h).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "adjoint/checkpoint.h"
#include "adjoint/safetensors.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define CKPT_RNG_WORDS 6

static const char *model_name(const adj_model_info *info) {
  return info && info->name ? info->name : "<unnamed>";
}

/*===---------------------------- Tensors -------------------------------===*/

/* One tensor to write or expected while reading. */
typedef struct {
  char *name;        /* "param.w1" (malloc) */
  const char *dtype; /* safetensors name */
  size_t esize;
  int rank;
  int64_t shape[ADJ_MAX_RANK];
  size_t bytes;
  const void *data; /* host-order data to write */
  void *dest;       /* where loading copies the data (host order) */
} ckpt_tensor;

typedef struct {
  ckpt_tensor *items;
  int count;
} ckpt_plan;

static void plan_free(ckpt_plan *p) {
  for (int i = 0; i < p->count; ++i)
    free(p->items[i].name);
  free(p->items);
  p->items = NULL;
  p->count = 0;
}

static int plan_add(ckpt_plan *p, const char *prefix, const char *name,
                    const char *dtype, size_t esize, int rank,
                    const int64_t *shape, const void *data, void *dest) {
  ckpt_tensor *t = &p->items[p->count];
  memset(t, 0, sizeof *t);
  if (!(t->name = adj_concat(prefix, name ? name : "<unnamed>")))
    return -1;
  p->count++;
  t->dtype = dtype;
  t->esize = esize;
  t->rank = rank;
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    t->shape[i] = shape[i];
    n *= shape[i];
  }
  t->bytes = (size_t)n * esize;
  t->data = data;
  t->dest = dest;
  return 0;
}

/* The tensors of a checkpoint of `t`, in file order. `rng` and `order` are
   the shuffle state (written from / read into); `samples` is the length of
   the order. */
static int build_plan(const adj_trainer *t, ckpt_plan *p, uint64_t *rng,
                      int64_t samples, int64_t *order, int for_load) {
  const adj_model_info *info = t->info;
  p->count = 0;
  p->items = calloc((size_t)(info->num_params + info->num_state + 2),
                    sizeof(ckpt_tensor));
  if (!p->items)
    return -1;
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *ti = &info->params[i].tensor;
    if (plan_add(p, "param.", ti->name, adj_st_dtype_of(ti->dtype),
                 adj_dtype_size(ti->dtype), ti->rank, ti->shape,
                 for_load ? NULL : t->params[i],
                 for_load ? t->params[i] : NULL) != 0)
      goto oom;
  }
  for (int i = 0; i < info->num_state; ++i) {
    const adj_tensor_info *ti = &info->state[i];
    if (plan_add(p, "state.", ti->name, adj_st_dtype_of(ti->dtype),
                 adj_dtype_size(ti->dtype), ti->rank, ti->shape,
                 for_load ? NULL : t->state[i],
                 for_load ? t->state[i] : NULL) != 0)
      goto oom;
  }
  const int64_t rng_shape[1] = {CKPT_RNG_WORDS};
  const int64_t order_shape[1] = {samples};
  if (plan_add(p, "train.", "shuffle_rng", "U64", 8, 1, rng_shape, rng, rng) !=
          0 ||
      plan_add(p, "train.", "shuffle_order", "I64", 8, 1, order_shape, order,
               order) != 0)
    goto oom;
  return 0;
oom:
  plan_free(p);
  return -1;
}

static void fill_rng_words(const adj_rng *r, uint64_t words[CKPT_RNG_WORDS]) {
  for (int i = 0; i < 4; ++i)
    words[i] = r->s[i];
  words[4] = r->has_spare ? 1 : 0;
  uint64_t bits = 0;
  memcpy(&bits, &r->spare, sizeof bits);
  words[5] = r->has_spare ? bits : 0;
}

/* The shuffle stream a trainer would start with on its first epoch. */
static void initial_shuffle_rng(const adj_trainer *t, adj_rng *r);

int adj_checkpoint_save(const adj_trainer *t, const char *path) {
  if (!path || !*path)
    return adj_set_error("checkpoint: empty file name");
  if (!t || !t->info)
    return adj_set_error("%s: cannot save an uninitialized trainer", path);
  const adj_model_info *info = t->info;

  uint64_t rng[CKPT_RNG_WORDS];
  int64_t samples = 0;
  const int64_t *order = NULL;
  if (t->train_batches.ds) {
    fill_rng_words(&t->train_batches.rng, rng);
    samples = t->train_batches.ds->num_samples;
    order = t->train_batches.order;
    if (!order)
      return adj_set_error("%s: the trainer's batcher does not shuffle", path);
  } else {
    adj_rng r;
    initial_shuffle_rng(t, &r);
    fill_rng_words(&r, rng);
  }

  ckpt_plan plan;
  if (build_plan(t, &plan, rng, samples, (int64_t *)order, 0) != 0)
    return adj_set_error("%s: out of memory", path);

  adj_st_tensor *tensors = calloc((size_t)plan.count, sizeof *tensors);
  if (!tensors) {
    plan_free(&plan);
    return adj_set_error("%s: out of memory", path);
  }
  for (int i = 0; i < plan.count; ++i) {
    tensors[i].name = plan.items[i].name;
    tensors[i].dtype = plan.items[i].dtype;
    tensors[i].rank = plan.items[i].rank;
    tensors[i].shape = plan.items[i].shape;
    tensors[i].data = plan.items[i].data;
  }
  char version[16], batch[32], seed[32], lr[40], epochs[32], step[32],
      nsamples[32];
  snprintf(version, sizeof version, "%d", ADJ_CHECKPOINT_VERSION);
  snprintf(batch, sizeof batch, "%lld", (long long)info->batch);
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)t->seed);
  snprintf(lr, sizeof lr, "%.17g", t->lr);
  snprintf(epochs, sizeof epochs, "%lld", (long long)t->epochs_done);
  snprintf(step, sizeof step, "%lld", (long long)adj_trainer_global_step(t));
  snprintf(nsamples, sizeof nsamples, "%lld", (long long)samples);
  const adj_st_meta meta[] = {
      {"format", ADJ_CHECKPOINT_FORMAT},
      {"format_version", version},
      {"model", model_name(info)},
      {"dtype", adj_dtype_name(info->dtype)},
      {"batch", batch},
      {"optimizer", info->optimizer ? info->optimizer : ""},
      {"seed", seed},
      {"lr", lr},
      {"epochs_done", epochs},
      {"global_step", step},
      {"train_samples", nsamples},
  };
  int rc =
      adj_safetensors_write(path, tensors, plan.count, meta,
                            (int)(sizeof meta / sizeof *meta), "data_crc32");
  free(tensors);
  plan_free(&plan);
  return rc;
}

/*===----------------------------- Reading ------------------------------===*/

/* A metadata value that must be a decimal integer in [min, max]. */
static int meta_int(const adj_safetensors *ps, const char *key, int64_t min,
                    int64_t max, int64_t *out) {
  const char *v = adj_safetensors_meta(ps, key);
  if (!v)
    return adj_set_error("%s: checkpoint metadata lacks \"%s\"", ps->path, key);
  int64_t n = 0;
  const char *c = v;
  if (!*c)
    goto bad;
  for (; *c; ++c) {
    if (*c < '0' || *c > '9' || n > (INT64_MAX - 9) / 10)
      goto bad;
    n = n * 10 + (*c - '0');
  }
  if (n < min || n > max)
    goto bad;
  *out = n;
  return 0;
bad:
  return adj_set_error("%s: invalid checkpoint metadata \"%s\": \"%s\"",
                       ps->path, key, v);
}

static int meta_u64(const adj_safetensors *ps, const char *key, uint64_t *out) {
  const char *v = adj_safetensors_meta(ps, key);
  if (!v)
    return adj_set_error("%s: checkpoint metadata lacks \"%s\"", ps->path, key);
  uint64_t n = 0;
  const char *c = v;
  if (!*c)
    goto bad;
  for (; *c; ++c) {
    unsigned d = (unsigned)(*c - '0');
    if (*c < '0' || *c > '9' || n > (UINT64_MAX - d) / 10)
      goto bad;
    n = n * 10 + d;
  }
  *out = n;
  return 0;
bad:
  return adj_set_error("%s: invalid checkpoint metadata \"%s\": \"%s\"",
                       ps->path, key, v);
}

static void initial_shuffle_rng(const adj_trainer *t, adj_rng *r) {
  /* Must match adj_trainer_bind_dataset in trainer.c. */
  adj_rng_seed(r, t->seed ^ 0xd1b54a32d192ed03ULL);
}

/* Validates the file's tensors against the model and the metadata; fills
   `plan` destinations through a later copy. Everything that can fail is
   checked here, before the trainer is modified. */
static int check_against_model(const adj_safetensors *ps, const adj_trainer *t,
                               const ckpt_plan *plan) {
  const adj_model_info *info = t->info;
  const char *path = ps->path;
  const char *fmt = adj_safetensors_meta(ps, "format");
  if (!fmt || strcmp(fmt, ADJ_CHECKPOINT_FORMAT) != 0)
    return adj_set_error("%s: not an Adjoint checkpoint (metadata \"format\" "
                         "is %s%s%s, expected \"%s\")",
                         path, fmt ? "\"" : "", fmt ? fmt : "missing",
                         fmt ? "\"" : "", ADJ_CHECKPOINT_FORMAT);
  int64_t version = 0;
  if (meta_int(ps, "format_version", 0, INT32_MAX, &version) != 0)
    return -1;
  if (version != ADJ_CHECKPOINT_VERSION)
    return adj_set_error("%s: unsupported checkpoint format version %lld "
                         "(this runtime reads version %d)",
                         path, (long long)version, ADJ_CHECKPOINT_VERSION);
  const char *model = adj_safetensors_meta(ps, "model");
  if (!model)
    return adj_set_error("%s: checkpoint metadata lacks \"model\"", path);
  if (strcmp(model, model_name(info)) != 0)
    return adj_set_error("%s: checkpoint is of model '%s', not '%s'", path,
                         model, model_name(info));
  const char *dtype = adj_safetensors_meta(ps, "dtype");
  if (!dtype || strcmp(dtype, adj_dtype_name(info->dtype)) != 0)
    return adj_set_error("%s: checkpoint has element type %s but model '%s' "
                         "has %s",
                         path, dtype ? dtype : "(missing)", model_name(info),
                         adj_dtype_name(info->dtype));
  int64_t batch = 0;
  if (meta_int(ps, "batch", 1, INT64_MAX, &batch) != 0)
    return -1;
  if (batch != info->batch)
    return adj_set_error("%s: checkpoint was trained with batch size %lld "
                         "but model '%s' has batch size %lld",
                         path, (long long)batch, model_name(info),
                         (long long)info->batch);

  const char *opt = adj_safetensors_meta(ps, "optimizer");
  if (opt && *opt && info->optimizer && strcmp(opt, info->optimizer) != 0)
    return adj_set_error("%s: checkpoint was trained with optimizer '%s' but "
                         "model '%s' uses '%s'",
                         path, opt, model_name(info), info->optimizer);

  /* Every expected tensor with the right dtype and shape ... */
  for (int i = 0; i < plan->count; ++i) {
    const ckpt_tensor *want = &plan->items[i];
    const adj_st_entry *e = adj_safetensors_find(ps, want->name);
    int is_order = i == plan->count - 1;
    if (!e)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "missing tensor '%s'",
                           path, model_name(info), want->name);
    if (strcmp(e->dtype, want->dtype) != 0)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "tensor '%s' has dtype %s, expected %s",
                           path, model_name(info), want->name, e->dtype,
                           want->dtype);
    /* The order's length is the data set size, checked by the caller. */
    int same = e->rank == want->rank;
    for (int d = 0; same && d < e->rank; ++d)
      same = is_order || e->shape[d] == want->shape[d];
    if (!same) {
      char got[160], exp[160];
      adj_st_format_shape(got, sizeof got, e->rank, e->shape);
      adj_st_format_shape(exp, sizeof exp, want->rank, want->shape);
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "tensor '%s' has shape %s, expected %s",
                           path, model_name(info), want->name, got, exp);
    }
  }
  /* ... and nothing else. */
  for (int i = 0; i < ps->num_tensors; ++i) {
    int expected = 0;
    for (int k = 0; k < plan->count && !expected; ++k)
      expected = !strcmp(plan->items[k].name, ps->tensors[i].name);
    if (!expected)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "unexpected tensor '%s'",
                           path, model_name(info), ps->tensors[i].name);
  }
  return 0;
}

int adj_checkpoint_load(adj_trainer *t, const adj_dataset *train,
                        const char *path) {
  if (!path || !*path)
    return adj_set_error("checkpoint: empty file name");
  if (!t || !t->info)
    return adj_set_error("%s: cannot load into an uninitialized trainer", path);
  adj_safetensors ps;
  if (adj_safetensors_read(&ps, path, "checkpoint") != 0)
    return -1;
  ckpt_plan plan = {0};
  int64_t *order = NULL;
  int rc = -1;

  /* Integrity of the data section. */
  const char *crc_text = adj_safetensors_meta(&ps, "data_crc32");
  char crc_now[16];
  adj_safetensors_data_crc32(&ps, crc_now);

  uint64_t rng[CKPT_RNG_WORDS];
  if (build_plan(t, &plan, rng, 0, NULL, 1) != 0) {
    adj_set_error("%s: out of memory", path);
    goto out;
  }
  if (check_against_model(&ps, t, &plan) != 0)
    goto out;
  if (!crc_text) {
    adj_set_error("%s: checkpoint metadata lacks \"data_crc32\"", path);
    goto out;
  }
  if (strcmp(crc_text, crc_now) != 0) {
    adj_set_error("%s: corrupt checkpoint: data checksum %s does not match "
                  "the recorded %s",
                  path, crc_now, crc_text);
    goto out;
  }

  /* Training position. */
  int64_t epochs_done = 0, samples = 0, global_step = 0;
  uint64_t seed = 0;
  if (meta_int(&ps, "epochs_done", 0, INT64_MAX, &epochs_done) != 0 ||
      meta_int(&ps, "train_samples", 0, INT64_MAX, &samples) != 0 ||
      meta_int(&ps, "global_step", 0, INT64_MAX, &global_step) != 0 ||
      meta_u64(&ps, "seed", &seed) != 0)
    goto out;
  const adj_st_entry *order_entry =
      adj_safetensors_find(&ps, "train.shuffle_order");
  const adj_st_entry *rng_entry =
      adj_safetensors_find(&ps, "train.shuffle_rng");
  if (order_entry->shape[0] != samples) {
    adj_set_error("%s: corrupt checkpoint: shuffle order has %lld entries "
                  "but train_samples is %lld",
                  path, (long long)order_entry->shape[0], (long long)samples);
    goto out;
  }
  if (samples == 0 && epochs_done != 0) {
    adj_set_error("%s: corrupt checkpoint: %lld epochs done without a "
                  "shuffle order",
                  path, (long long)epochs_done);
    goto out;
  }
  int64_t batches = (samples + t->info->batch - 1) / t->info->batch;
  if (batches > 0 && epochs_done > INT64_MAX / batches) {
    adj_set_error("%s: invalid checkpoint metadata \"epochs_done\"", path);
    goto out;
  }
  if (global_step != epochs_done * batches) {
    adj_set_error("%s: corrupt checkpoint: global step %lld is not %lld "
                  "epochs of %lld batches",
                  path, (long long)global_step, (long long)epochs_done,
                  (long long)batches);
    goto out;
  }
  adj_safetensors_copy(rng_entry, rng);
  if (rng[4] > 1 || (rng[0] | rng[1] | rng[2] | rng[3]) == 0) {
    adj_set_error("%s: corrupt checkpoint: invalid shuffle RNG state", path);
    goto out;
  }
  if (samples > 0) {
    order = malloc((size_t)samples * sizeof *order);
    unsigned char *seen = calloc((size_t)samples, 1);
    if (!order || !seen) {
      free(seen);
      adj_set_error("%s: out of memory", path);
      goto out;
    }
    adj_safetensors_copy(order_entry, order);
    int64_t bad = -1;
    for (int64_t i = 0; i < samples && bad < 0; ++i) {
      if (order[i] < 0 || order[i] >= samples || seen[order[i]])
        bad = i;
      else
        seen[order[i]] = 1;
    }
    free(seen);
    if (bad >= 0) {
      adj_set_error("%s: corrupt checkpoint: the shuffle order is not a "
                    "permutation (entry %lld)",
                    path, (long long)bad);
      goto out;
    }
    if (train && train->num_samples != samples) {
      adj_set_error("%s: checkpoint was trained on %lld samples but the "
                    "training set has %lld",
                    path, (long long)samples, (long long)train->num_samples);
      goto out;
    }
  }

  /* Everything is valid: bind the data set (the last step that can fail),
     then update the trainer. */
  uint64_t old_seed = t->seed;
  t->seed = seed;
  if (train) {
    if (adj_trainer_bind_dataset(t, train) != 0) {
      t->seed = old_seed;
      goto out;
    }
  } else {
    adj_batcher_free(&t->train_batches);
    t->train_ds = NULL;
    t->train_ds_samples = 0;
  }
  for (int i = 0; i < plan.count - 2; ++i) {
    adj_safetensors_copy(adj_safetensors_find(&ps, plan.items[i].name),
                         plan.items[i].dest);
  }
  t->epochs_done = epochs_done;
  if (train) {
    adj_batcher *b = &t->train_batches;
    for (int i = 0; i < 4; ++i)
      b->rng.s[i] = rng[i];
    b->rng.has_spare = (int)rng[4];
    memcpy(&b->rng.spare, &rng[5], sizeof b->rng.spare);
    if (samples > 0)
      memcpy(b->order, order, (size_t)samples * sizeof *order);
    else /* before the first epoch: the identity, as a fresh bind has */
      for (int64_t i = 0; i < train->num_samples; ++i)
        b->order[i] = i;
    b->epoch = epochs_done;
    b->cursor = samples > 0 ? samples : 0;
  }
  rc = 0;
out:
  free(order);
  plan_free(&plan);
  adj_safetensors_free(&ps);
  return rc;
}

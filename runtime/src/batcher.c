/*===- batcher.c - Mini-batch iteration with per-epoch shuffling ----------===*/
#include "internal.h"

#include <string.h>

int adj_batcher_init(adj_batcher *b, const adj_dataset *ds, int64_t batch,
                     int shuffle, uint64_t seed, void *features,
                     int32_t *labels, void *mask) {
  if (!b)
    return adj_set_error("adj_batcher_init: null batcher");
  memset(b, 0, sizeof *b);
  if (!ds || !ds->features || !ds->labels || ds->num_samples <= 0 ||
      ds->sample_numel <= 0)
    return adj_set_error("adj_batcher_init: empty dataset");
  if (ds->dtype != ADJ_F32 && ds->dtype != ADJ_F64)
    return adj_set_error("adj_batcher_init: invalid dataset element type");
  if (batch <= 0)
    return adj_set_error("adj_batcher_init: batch size must be positive, got "
                         "%lld",
                         (long long)batch);
  int given = (features != NULL) + (labels != NULL) + (mask != NULL);
  if (given != 0 && given != 3)
    return adj_set_error("adj_batcher_init: provide all three buffers or "
                         "none");
  b->ds = ds;
  b->batch = batch;
  b->shuffle = shuffle != 0;
  adj_rng_seed(&b->rng, seed);
  size_t esize = adj_dtype_size(ds->dtype);
  if (given == 0) {
    b->owns_buffers = 1;
    features = adj_alloc((size_t)(batch * ds->sample_numel) * esize);
    labels = adj_alloc((size_t)batch * sizeof(int32_t));
    mask = adj_alloc((size_t)batch * esize);
  }
  b->features = features;
  b->labels = labels;
  b->mask = mask;
  if (b->shuffle) {
    b->order = adj_alloc((size_t)ds->num_samples * sizeof(int64_t));
    if (b->order)
      for (int64_t i = 0; i < ds->num_samples; ++i)
        b->order[i] = i;
  }
  if (!b->features || !b->labels || !b->mask || (b->shuffle && !b->order)) {
    adj_batcher_free(b);
    return adj_set_error("adj_batcher_init: out of memory");
  }
  b->cursor = 0;
  b->epoch = 0;
  return 0;
}

void adj_batcher_start_epoch(adj_batcher *b) {
  if (!b || !b->ds)
    return;
  if (b->shuffle) {
    /* Fisher-Yates over the previous permutation. */
    for (int64_t i = b->ds->num_samples - 1; i > 0; --i) {
      int64_t j = (int64_t)adj_rng_below(&b->rng, (uint64_t)i + 1);
      int64_t tmp = b->order[i];
      b->order[i] = b->order[j];
      b->order[j] = tmp;
    }
  }
  b->cursor = 0;
  b->epoch++;
}

int64_t adj_batcher_next(adj_batcher *b) {
  if (!b || !b->ds)
    return 0;
  if (b->epoch == 0)
    adj_batcher_start_epoch(b);
  const adj_dataset *ds = b->ds;
  int64_t remaining = ds->num_samples - b->cursor;
  if (remaining <= 0)
    return 0;
  int64_t valid = remaining < b->batch ? remaining : b->batch;
  size_t esize = adj_dtype_size(ds->dtype);
  size_t row_bytes = (size_t)ds->sample_numel * esize;
  unsigned char *dst = b->features;
  const unsigned char *src = ds->features;
  for (int64_t r = 0; r < valid; ++r) {
    int64_t idx = b->order ? b->order[b->cursor + r] : b->cursor + r;
    memcpy(dst + (size_t)r * row_bytes, src + (size_t)idx * row_bytes,
           row_bytes);
    b->labels[r] = ds->labels[idx];
    adj_store_elem(b->mask, ds->dtype, r, 1.0);
  }
  if (valid < b->batch) {
    size_t pad = (size_t)(b->batch - valid);
    memset(dst + (size_t)valid * row_bytes, 0, pad * row_bytes);
    memset(b->labels + valid, 0, pad * sizeof(int32_t));
    memset((unsigned char *)b->mask + (size_t)valid * esize, 0, pad * esize);
  }
  b->cursor += valid;
  return valid;
}

int64_t adj_batcher_num_batches(const adj_batcher *b) {
  if (!b || !b->ds)
    return 0;
  return (b->ds->num_samples + b->batch - 1) / b->batch;
}

void adj_batcher_free(adj_batcher *b) {
  if (!b)
    return;
  if (b->owns_buffers) {
    adj_free(b->features);
    adj_free(b->labels);
    adj_free(b->mask);
  }
  adj_free(b->order);
  memset(b, 0, sizeof *b);
}

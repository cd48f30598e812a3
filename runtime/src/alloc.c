/*===- alloc.c - Aligned allocation, dtypes, clock ------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_uint_fast64_t adj_num_allocs;

void *adj_alloc(size_t bytes) {
  /* aligned_alloc requires a multiple of the alignment. */
  if (bytes > SIZE_MAX - ADJ_ALIGNMENT) {
    adj_set_error("out of memory: cannot allocate %zu bytes", bytes);
    return NULL;
  }
  size_t rounded = (bytes + ADJ_ALIGNMENT - 1) / ADJ_ALIGNMENT * ADJ_ALIGNMENT;
  if (rounded == 0)
    rounded = ADJ_ALIGNMENT;
  void *p = aligned_alloc(ADJ_ALIGNMENT, rounded);
  if (!p) {
    adj_set_error("out of memory: cannot allocate %zu bytes", bytes);
    return NULL;
  }
  memset(p, 0, rounded);
  atomic_fetch_add_explicit(&adj_num_allocs, 1, memory_order_relaxed);
  return p;
}

void adj_free(void *ptr) { free(ptr); }

uint64_t adj_alloc_count(void) {
  return (uint64_t)atomic_load_explicit(&adj_num_allocs, memory_order_relaxed);
}

size_t adj_dtype_size(adj_dtype dtype) {
  switch (dtype) {
  case ADJ_F32:
  case ADJ_I32:
    return 4;
  case ADJ_F64:
    return 8;
  }
  return 0;
}

const char *adj_dtype_name(adj_dtype dtype) {
  switch (dtype) {
  case ADJ_F32:
    return "f32";
  case ADJ_F64:
    return "f64";
  case ADJ_I32:
    return "i32";
  }
  return "invalid";
}

const char *adj_loss_name(adj_loss_kind loss) {
  switch (loss) {
  case ADJ_LOSS_SOFTMAX_CROSS_ENTROPY:
    return "softmax_cross_entropy";
  case ADJ_LOSS_MSE:
    return "mse";
  case ADJ_LOSS_L1:
    return "l1";
  case ADJ_LOSS_HUBER:
    return "huber";
  case ADJ_LOSS_BCE_WITH_LOGITS:
    return "bce_with_logits";
  case ADJ_LOSS_NLL:
    return "nll";
  case ADJ_LOSS_OTHER:
    return "other";
  }
  return "invalid";
}

double adj_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

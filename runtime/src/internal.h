/*===- internal.h - Private helpers of the Adjoint runtime -------*- C -*-===*/
#ifndef ADJOINT_RUNTIME_INTERNAL_H
#define ADJOINT_RUNTIME_INTERNAL_H

#include "adjoint/runtime.h"

#include <stdlib.h>
#include <string.h>

/* Reads element i of a f32/f64 buffer as double / writes it. */
static inline double adj_load_elem(const void *buf, adj_dtype dtype,
                                   int64_t i) {
  return dtype == ADJ_F32 ? (double)((const float *)buf)[i]
                          : ((const double *)buf)[i];
}

static inline void adj_store_elem(void *buf, adj_dtype dtype, int64_t i,
                                  double v) {
  if (dtype == ADJ_F32)
    ((float *)buf)[i] = (float)v;
  else
    ((double *)buf)[i] = v;
}

/* a followed by b in a new malloc'd string; NULL when out of memory. */
static inline char *adj_concat(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = (char *)malloc(la + lb + 1);
  if (s) {
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
  }
  return s;
}

/* Reads an IDX file; `what` names the payload in truncation messages
   ("image data", "label data", "data"). */
int adj_idx_read_named(const char *path, const char *what, adj_idx *out);

#endif /* ADJOINT_RUNTIME_INTERNAL_H */

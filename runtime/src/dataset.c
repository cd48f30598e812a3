/*===- dataset.c - In-memory datasets -------------------------------------===*/
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int check_float_dtype(adj_dtype dtype, const char *who) {
  if (dtype != ADJ_F32 && dtype != ADJ_F64)
    return adj_set_error("%s: feature element type must be f32 or f64, got %s",
                         who, adj_dtype_name(dtype));
  return 0;
}

int adj_dataset_load_idx(const char *images_path, const char *labels_path,
                         adj_dtype dtype, adj_dataset *out) {
  if (!out)
    return adj_set_error("adj_dataset_load_idx: null output");
  memset(out, 0, sizeof *out);
  if (!images_path || !labels_path)
    return adj_set_error("adj_dataset_load_idx: null path");
  if (check_float_dtype(dtype, images_path) != 0)
    return -1;

  adj_idx images, labels;
  if (adj_idx_read_named(images_path, "image data", &images) != 0)
    return -1;
  if (adj_idx_read_named(labels_path, "label data", &labels) != 0) {
    adj_idx_free(&images);
    return -1;
  }

  int rc = -1;
  if (images.rank < 2) {
    adj_set_error("%s: expected an idx file of rank >= 2 (samples x "
                  "features...), got rank %d",
                  images_path, images.rank);
    goto done;
  }
  if (labels.rank != 1) {
    adj_set_error("%s: expected an idx file of rank 1 (one label per "
                  "sample), got rank %d",
                  labels_path, labels.rank);
    goto done;
  }
  int64_t n = images.dims[0];
  if (n != labels.dims[0]) {
    adj_set_error("%s has %lld samples but %s has %lld labels", images_path,
                  (long long)n, labels_path, (long long)labels.dims[0]);
    goto done;
  }
  if (n == 0) {
    adj_set_error("%s: dataset contains no samples", images_path);
    goto done;
  }
  int64_t per = images.numel / n;
  if (per == 0) {
    adj_set_error("%s: samples have no features", images_path);
    goto done;
  }

  size_t esize = adj_dtype_size(dtype);
  out->features = adj_alloc((size_t)images.numel * esize);
  out->labels = adj_alloc((size_t)n * sizeof(int32_t));
  if (!out->features || !out->labels) {
    adj_set_error("%s: out of memory", images_path);
    goto done;
  }
  if (dtype == ADJ_F32) {
    float *f = out->features;
    for (int64_t i = 0; i < images.numel; ++i)
      f[i] = (float)images.data[i] / 255.0f;
  } else {
    double *f = out->features;
    for (int64_t i = 0; i < images.numel; ++i)
      f[i] = (double)images.data[i] / 255.0;
  }
  int64_t max_label = 0;
  for (int64_t i = 0; i < n; ++i) {
    out->labels[i] = labels.data[i];
    if (labels.data[i] > max_label)
      max_label = labels.data[i];
  }
  out->num_samples = n;
  out->sample_numel = per;
  out->sample_rank = images.rank - 1;
  for (int i = 1; i < images.rank; ++i)
    out->sample_shape[i - 1] = images.dims[i];
  out->dtype = dtype;
  out->num_classes = max_label + 1;
  rc = 0;
done:
  if (rc != 0)
    adj_dataset_free(out);
  adj_idx_free(&images);
  adj_idx_free(&labels);
  return rc;
}

int adj_dataset_load_fashion_mnist(const char *dir, int train, adj_dtype dtype,
                                   adj_dataset *out) {
  if (!out)
    return adj_set_error("adj_dataset_load_fashion_mnist: null output");
  memset(out, 0, sizeof *out);
  if (!dir)
    return adj_set_error("adj_dataset_load_fashion_mnist: null directory");
  const char *prefix = train ? "train" : "t10k";
  size_t len = strlen(dir);
  const char *sep = (len > 0 && dir[len - 1] == '/') ? "" : "/";
  size_t cap = len + 64;
  char *images = malloc(cap), *labels = malloc(cap);
  int rc = -1;
  if (!images || !labels) {
    adj_set_error("%s: out of memory", dir);
  } else {
    snprintf(images, cap, "%s%s%s-images-idx3-ubyte.gz", dir, sep, prefix);
    snprintf(labels, cap, "%s%s%s-labels-idx1-ubyte.gz", dir, sep, prefix);
    rc = adj_dataset_load_idx(images, labels, dtype, out);
  }
  free(images);
  free(labels);
  return rc;
}

int adj_dataset_from_memory(adj_dtype dtype, int64_t num_samples,
                            int64_t sample_numel, const void *features,
                            const int32_t *labels, adj_dataset *out) {
  if (!out)
    return adj_set_error("adj_dataset_from_memory: null output");
  memset(out, 0, sizeof *out);
  if (check_float_dtype(dtype, "adj_dataset_from_memory") != 0)
    return -1;
  if (num_samples <= 0 || sample_numel <= 0)
    return adj_set_error("adj_dataset_from_memory: need at least one sample "
                         "and one feature (got %lld x %lld)",
                         (long long)num_samples, (long long)sample_numel);
  if (!features || !labels)
    return adj_set_error("adj_dataset_from_memory: null data");
  if (num_samples > ((int64_t)1 << 46) / sample_numel)
    return adj_set_error("adj_dataset_from_memory: dataset too large");
  int64_t max_label = 0;
  for (int64_t i = 0; i < num_samples; ++i) {
    if (labels[i] < 0)
      return adj_set_error("adj_dataset_from_memory: negative label %d at "
                           "sample %lld",
                           (int)labels[i], (long long)i);
    if (labels[i] > max_label)
      max_label = labels[i];
  }
  size_t fbytes = (size_t)(num_samples * sample_numel) * adj_dtype_size(dtype);
  out->features = adj_alloc(fbytes);
  out->labels = adj_alloc((size_t)num_samples * sizeof(int32_t));
  if (!out->features || !out->labels) {
    adj_dataset_free(out);
    return adj_set_error("adj_dataset_from_memory: out of memory");
  }
  memcpy(out->features, features, fbytes);
  memcpy(out->labels, labels, (size_t)num_samples * sizeof(int32_t));
  out->num_samples = num_samples;
  out->sample_numel = sample_numel;
  out->sample_rank = 1;
  out->sample_shape[0] = sample_numel;
  out->dtype = dtype;
  out->num_classes = max_label + 1;
  return 0;
}

int adj_dataset_limit(adj_dataset *ds, int64_t n) {
  if (!ds || !ds->features)
    return adj_set_error("adj_dataset_limit: empty dataset");
  if (n < 1)
    return adj_set_error("sample limit must be at least 1, got %lld",
                         (long long)n);
  if (n < ds->num_samples)
    ds->num_samples = n;
  return 0;
}

void adj_dataset_free(adj_dataset *ds) {
  if (!ds)
    return;
  adj_free(ds->features);
  adj_free(ds->labels);
  memset(ds, 0, sizeof *ds);
}

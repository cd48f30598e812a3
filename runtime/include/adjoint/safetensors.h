/*===- adjoint/safetensors.h - Safetensors files ------------------*- C -*-===*
 *
 * The one reader and writer of safetensors files in the runtime, used by
 * checkpoints (adjoint/checkpoint.h) and by `adjoint grad` (parameters,
 * inputs and gradients by name).
 *
 * Format: an 8-byte little-endian header length N, N bytes of JSON header
 * (an object: one entry per tensor, {"dtype", "shape", "data_offsets"}, and
 * an optional "__metadata__" object of string values), then the tensor data,
 * little-endian, each tensor's bytes at its data_offsets relative to the end
 * of the header.
 *
 * The writer pads the header with spaces so that the data starts at a
 * multiple of 8 and writes atomically: to PATH.tmp, flushed to disk, renamed
 * over PATH, the directory synced. The reader parses the JSON subset that
 * safetensors headers use, never trusts a length, offset or count before
 * checking it, and requires the tensors' byte ranges to tile the data
 * section exactly. Every error message starts with the file name.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ADJOINT_SAFETENSORS_H
#define ADJOINT_SAFETENSORS_H

#include "adjoint/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Safetensors readers reject headers above 100 MB; so does this one. */
#define ADJ_ST_MAX_HEADER (100u * 1000u * 1000u)
#define ADJ_ST_MAX_TENSORS 100000

/* A tensor to write. */
typedef struct {
  const char *name;
  const char *dtype; /* safetensors name: "F32", "F64", "I32", "I64", ... */
  int rank;
  const int64_t *shape; /* rank dims (may be NULL for rank 0) */
  const void *data;     /* host byte order */
} adj_st_tensor;

/* A metadata entry (both strings). */
typedef struct {
  const char *key;
  const char *value;
} adj_st_meta;

/* A tensor of a file read by adj_safetensors_read. */
typedef struct {
  const char *name;
  const char *dtype; /* safetensors name */
  size_t esize;      /* bytes per element */
  int rank;
  int64_t shape[ADJ_MAX_RANK];
  int64_t numel;
  const unsigned char *data; /* little-endian bytes inside the file */
  size_t bytes;
} adj_st_entry;

typedef struct {
  char *path;
  unsigned char *file; /* the whole file */
  uint64_t size;
  const unsigned char *data; /* the data section */
  uint64_t data_len;
  int num_tensors; /* in header order */
  adj_st_entry *tensors;
  int num_meta;
  adj_st_meta *meta;
  int has_meta;
} adj_safetensors;

/* Bytes per element of a safetensors dtype name; 0 if unknown. */
size_t adj_st_dtype_size(const char *dtype);
/* "F32", "F64" or "I32". */
const char *adj_st_dtype_of(adj_dtype dtype);

/* Writes `num_tensors` tensors (data in header order) and `num_meta`
   metadata entries to `path` atomically. With `crc_key` non-NULL a last
   metadata entry crc_key = the CRC-32 of the data section (8 lowercase hex
   digits) is added. On failure the previous contents of `path` are
   untouched, PATH.tmp is removed and -1 is returned (see adj_last_error). */
int adj_safetensors_write(const char *path, const adj_st_tensor *tensors,
                          int num_tensors, const adj_st_meta *meta,
                          int num_meta, const char *crc_key);

/* Reads and validates the whole file `path`. `kind` names what the file is
   meant to be in messages ("checkpoint", "safetensors file"). On success the
   caller owns `st` (adj_safetensors_free); on failure nothing is held and
   -1 is returned. */
int adj_safetensors_read(adj_safetensors *st, const char *path,
                         const char *kind);
void adj_safetensors_free(adj_safetensors *st);

/* The tensor named `name`, or NULL. */
const adj_st_entry *adj_safetensors_find(const adj_safetensors *st,
                                         const char *name);
/* The metadata value of `key`, or NULL. */
const char *adj_safetensors_meta(const adj_safetensors *st, const char *key);
/* Copies a tensor's data to `dst` in host byte order (e->bytes bytes). */
void adj_safetensors_copy(const adj_st_entry *e, void *dst);
/* CRC-32 of the data section as 8 lowercase hex digits (buf >= 9 bytes). */
void adj_safetensors_data_crc32(const adj_safetensors *st, char buf[9]);
/* "[2, 3]" into buf. */
void adj_st_format_shape(char *buf, size_t size, int rank,
                         const int64_t *shape);

/*===------------------- Model tensors by name ---------------------------===*/

/* Reads `n` tensors named infos[i]->name into bufs[i] (host order) from the
   safetensors file `path`: each must be present with the dtype and shape
   of its info, and the file may hold no other tensor. `what` names the
   tensors in messages ("parameter", "input") and `model` the model. */
int adj_safetensors_load_named(const char *path, const char *model,
                               const char *what, int n,
                               const adj_tensor_info *const *infos,
                               void *const *bufs);

/* The parameters of `info` to `path` (tensors named after the parameters,
   metadata format "adjoint-params", model). */
int adj_params_save(const adj_model_info *info, void *const *params,
                    const char *path);
/* Loads the parameters of `info` from `path` (adj_safetensors_load_named). */
int adj_params_load(const adj_model_info *info, void *const *params,
                    const char *path);
/* Loads the inputs of `info` (one batch) from `path`. */
int adj_inputs_load(const adj_model_info *info, void *const *inputs,
                    const char *path);
/* The common first dimension (the batch size) of every tensor in the
   safetensors file `path`; an error if the file has no tensor, a tensor of
   rank 0 or two tensors that disagree. */
int adj_safetensors_batch(const char *path, int64_t *batch);
/* One gradient per parameter (named after it) and the scalar loss (tensor
   "loss", rank 0) to `path`; metadata format "adjoint-grad", model. A
   parameter named "loss" is an error. */
int adj_grads_save(const adj_model_info *info, void *const *grads,
                   const void *loss, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* ADJOINT_SAFETENSORS_H */

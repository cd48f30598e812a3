/*===- adjoint/runtime.h - Adjoint training runtime --------------*- C -*-===*
 *
 * The C runtime that drives models compiled by `adjoint compile`:
 *
 *   - errors:       every fallible function returns an error code (0 = ok) or
 *                   NULL and records a message retrievable with
 *                   adj_last_error() (thread-local, lowercase, names the file)
 *   - memory:       64-byte aligned zeroed allocation with a global counter
 *   - rng:          deterministic xoshiro256** seeded through splitmix64
 *   - initializers: every adj_init_kind of model.h for f32 and f64
 *   - data:         IDX reader (gzip or plain), datasets, mini-batching
 *   - training:     trainer (params, optimizer state, buffers allocated once),
 *                   per-epoch training, evaluation, gradient checking
 *
 *===----------------------------------------------------------------------===*/
#ifndef ADJOINT_RUNTIME_H
#define ADJOINT_RUNTIME_H

#include "adjoint/model.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===------------------------------ Errors ------------------------------===*/

/* Message of the last error on this thread ("" if none). */
const char *adj_last_error(void);
/* Records an error message (printf-style); returns -1 for convenience. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2)))
#endif
int adj_set_error(const char *fmt, ...);
void adj_clear_error(void);

/*===------------------------------ Memory ------------------------------===*/

#define ADJ_ALIGNMENT 64

/* 64-byte aligned, zero-filled; NULL (with an error message) on failure.
   adj_alloc(0) returns a valid, unique pointer. */
void *adj_alloc(size_t bytes);
void adj_free(void *ptr);
/* Number of successful adj_alloc calls since program start. */
uint64_t adj_alloc_count(void);

/* Size in bytes of one element (4 or 8); 0 for an invalid dtype. */
size_t adj_dtype_size(adj_dtype dtype);
/* "f32", "f64", "i32" or "invalid". */
const char *adj_dtype_name(adj_dtype dtype);

/*===------------------------------- RNG --------------------------------===*/

/* xoshiro256** seeded with splitmix64. Integer and uniform sequences are
   bit-identical on every platform; normals use the Marsaglia polar method
   (only sqrt and log) and are reproducible wherever log() is. */
typedef struct {
  uint64_t s[4];
  int has_spare;
  double spare;
} adj_rng;

void adj_rng_seed(adj_rng *rng, uint64_t seed);
uint64_t adj_rng_next_u64(adj_rng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
double adj_rng_uniform(adj_rng *rng);
/* Standard normal N(0, 1). */
double adj_rng_normal(adj_rng *rng);
/* Unbiased integer in [0, n); returns 0 when n == 0. */
uint64_t adj_rng_below(adj_rng *rng, uint64_t n);

/*===--------------------------- Initializers ---------------------------===*/

/* Fills `buf` (p->tensor.numel elements of p->tensor.dtype, f32 or f64)
   according to p->init. Returns 0, or -1 on an invalid description (bad
   dtype, zero fan for glorot/he, negative stddev, low > high). */
int adj_init_param(const adj_param_info *p, void *buf, adj_rng *rng);

/*===------------------------------- IDX --------------------------------===*/

/* An IDX file (http://yann.lecun.com/exdb/mnist/ format). Only element type
   0x08 (unsigned byte) is supported. */
typedef struct {
  int type; /* element type code, always 0x08 */
  int rank;
  int64_t dims[ADJ_MAX_RANK];
  int64_t numel;
  uint8_t *data; /* numel bytes (adj_alloc) */
} adj_idx;

/* Reads a gzip-compressed or plain IDX file (detected by the gzip magic).
   Validates magic, type, rank, sizes and length. 0 on success. */
int adj_idx_read(const char *path, adj_idx *out);
void adj_idx_free(adj_idx *idx);

/*===----------------------------- Datasets -----------------------------===*/

typedef struct {
  int64_t num_samples;
  int64_t sample_numel; /* features per sample (flattened) */
  int sample_rank;      /* shape of one sample, e.g. 28 x 28 */
  int64_t sample_shape[ADJ_MAX_RANK];
  adj_dtype dtype;     /* ADJ_F32 or ADJ_F64 */
  void *features;      /* num_samples * sample_numel elements of dtype */
  int32_t *labels;     /* num_samples labels */
  int64_t num_classes; /* max label + 1 */
} adj_dataset;

/* Images (IDX ubyte, rank >= 2: [N, ...]) scaled to [0, 1] as x / 255 and
   labels (IDX ubyte, rank 1: [N]). Both files must have the same N >= 1. */
int adj_dataset_load_idx(const char *images_path, const char *labels_path,
                         adj_dtype dtype, adj_dataset *out);
/* Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from `dir`. */
int adj_dataset_load_fashion_mnist(const char *dir, int train, adj_dtype dtype,
                                   adj_dataset *out);
/* Copies `num_samples` rows of `sample_numel` features (of `dtype`) and
   labels (>= 0) into a new dataset with sample shape [sample_numel]. */
int adj_dataset_from_memory(adj_dtype dtype, int64_t num_samples,
                            int64_t sample_numel, const void *features,
                            const int32_t *labels, adj_dataset *out);
/* Keeps only the first min(n, num_samples) samples (n >= 1). */
int adj_dataset_limit(adj_dataset *ds, int64_t n);
void adj_dataset_free(adj_dataset *ds);

/*===----------------------------- Batching -----------------------------===*/

/* Iterates over a dataset in mini-batches of `batch` rows. Each call to
   adj_batcher_next copies the next rows into `features` (batch x
   sample_numel, dataset dtype), `labels` (batch int32) and `mask` (batch
   elements of the dataset dtype: 1 valid, 0 padding). Padding rows of the
   last partial batch are zero with label 0. No allocation after init. */
typedef struct {
  const adj_dataset *ds;
  int64_t batch;
  int shuffle;
  adj_rng rng;
  int64_t *order; /* permutation when shuffling, NULL = identity */
  int64_t cursor; /* next position in the (permuted) order */
  int64_t epoch;  /* number of epochs started */
  void *features;
  int32_t *labels;
  void *mask;
  int owns_buffers;
} adj_batcher;

/* Buffers may all be NULL (the batcher allocates and owns them) or all
   non-NULL (caller-provided, each at least `batch` rows). With shuffle, the
   order is reshuffled (Fisher-Yates, seeded by `seed`) at every epoch start;
   without shuffle nothing is allocated when buffers are provided. */
int adj_batcher_init(adj_batcher *b, const adj_dataset *ds, int64_t batch,
                     int shuffle, uint64_t seed, void *features,
                     int32_t *labels, void *mask);
/* Starts a new epoch (reshuffles when shuffling). adj_batcher_next starts
   the first epoch by itself if this was never called. */
void adj_batcher_start_epoch(adj_batcher *b);
/* Fills the next batch; returns its number of valid rows (1..batch), or 0
   when the epoch is over. */
int64_t adj_batcher_next(adj_batcher *b);
int64_t adj_batcher_num_batches(const adj_batcher *b);
void adj_batcher_free(adj_batcher *b);

/*===----------------------------- Training -----------------------------===*/

/* Checks an adj_model_info for internal consistency (ranks, numel vs shape,
   dtypes, batch, entry points). 0 if usable. */
int adj_model_validate(const adj_model_info *info);

typedef struct {
  const adj_model_info *info;
  double lr;         /* learning rate passed to train_step (default info->lr) */
  uint64_t seed;     /* parameter init and shuffling */
  void **params;     /* info->num_params buffers */
  void **state;      /* info->num_state buffers, zeros */
  void **inputs;     /* info->num_inputs buffers of one batch */
  void *mask;        /* batch elements of info->dtype */
  void *loss;        /* one element of info->dtype */
  void *output;      /* info->output.numel elements */
  int64_t row_numel; /* features per row of inputs[0] */
  int64_t num_classes; /* output.shape[1] */
  adj_batcher train_batches;
  const adj_dataset *train_ds; /* dataset train_batches is bound to */
  int64_t train_ds_samples;
  int64_t epochs_done;
} adj_trainer;

typedef struct {
  int64_t epoch;   /* 1-based */
  int64_t samples; /* valid samples seen */
  double loss;     /* mean training loss over valid samples */
  double seconds;  /* wall time of the training pass */
  double samples_per_sec;
} adj_epoch_stats;

/* Validates `info`, allocates and initializes params from `seed`, zeroes the
   optimizer state and allocates batch buffers. */
int adj_trainer_init(adj_trainer *t, const adj_model_info *info, uint64_t seed);
void adj_trainer_free(adj_trainer *t);
/* Whether the trainer can use `ds`: the model must be a softmax
   cross-entropy or nll model with inputs (features [B, ...], labels i32
   [B]) or an mse model on regression data (features, targets), the
   dtypes and per-row feature counts must match and labels must be valid
   class indices. */
int adj_trainer_check_dataset(const adj_trainer *t, const adj_dataset *ds);
/* One pass of train_step over all (shuffled) batches of `train`. The first
   call with a dataset allocates its shuffle order; later epochs allocate
   nothing. */
int adj_train_epoch(adj_trainer *t, const adj_dataset *train,
                    adj_epoch_stats *stats);
/* Accuracy (argmax of predict == label, over valid rows) and mean loss
   (loss_fn, weighted by valid rows) over `ds` in order. Either output
   pointer may be NULL. Allocates nothing. */
int adj_evaluate(adj_trainer *t, const adj_dataset *ds, double *accuracy,
                 double *mean_loss);
/* Runs `epochs` epochs, evaluating on `test` (may be NULL) after each and
   printing one progress line per epoch to `progress` (may be NULL):
     epoch 1/10  loss 0.5123  test-acc 0.8321  samples/s 123456  (1.23 s)
   Stores the final test accuracy in *test_accuracy (if both non-NULL). */
int adj_train(adj_trainer *t, const adj_dataset *train, const adj_dataset *test,
              int64_t epochs, FILE *progress, double *test_accuracy);

/*===------------------------- Gradient checking ------------------------===*/

#define ADJ_GRADCHECK_MAX_ELEMENTS 64
#define ADJ_GRADCHECK_STEP 1e-6

/* Compares info->grad with central finite differences of info->loss_fn
   (requires info->dtype == ADJ_F64). Parameters are initialized from `seed`,
   float inputs are N(0, 1), integer inputs uniform in [0, C) with C the
   number of output columns. Two masks are checked: all ones, and every third
   row (starting at row 1) zeroed when batch >= 2; with the latter the loss
   must also not change (relative 1e-12) when padding rows' inputs change.

   For each parameter, every element (or a deterministic sample of
   ADJ_GRADCHECK_MAX_ELEMENTS distinct elements for larger ones) is perturbed
   by h = 1e-6 * max(1, |p|) and, with a the adjoint gradient,
     n     = (L(p + h) - L(p - h)) / ((p + h) - (p - h))
     noise = 16 * DBL_EPSILON * max(|L(p + h)|, |L(p - h)|) / (2h)
     err   = max(0, |a - n| - noise) / max(|a| + |n|, 1e-6)
   `noise` bounds the round-off error of n, so near-zero gradients are not
   failed for cancellation noise; the 1e-6 floor makes the error absolute for
   tiny gradients. If err > tol the element is retried with h / 10 and h / 100
   and the smallest error is kept (a step straddling a relu/max kink gives a
   meaningless difference; a wrong gradient fails at every step). One line
   per parameter is printed to `report` (may be NULL):
     param w1: max rel err 3.2e-09 (64 of 200704 elements checked)
   Returns 0 if every error is <= tol, 1 if some is larger, -1 on error (see
   adj_last_error). *max_rel_err_out (may be NULL) gets the largest error. */
int adj_check_gradients(const adj_model_info *info, uint64_t seed, double tol,
                        FILE *report, double *max_rel_err_out);

/*===------------------------------- CSV --------------------------------===*/

/* A numeric table read from a CSV file (gzip-compressed or plain: zlib's
   gzopen reads both).

   - separator: ',' if the first non-blank line contains one, else ';' if it
     contains one, else runs of spaces/tabs; with ',' and ';' blanks around a
     field are ignored and an empty field is an error
   - header: the first non-blank line is skipped when its first field is not
     a number (has_header = 1); a header's fields are not checked
   - blank lines are skipped, "\r\n" line ends are accepted
   - every row must have the same number of columns (>= 1), at least one row
   - values are parsed with strtod in the C locale; nan, inf and values that
     overflow a double are rejected ("expected a finite number")
   Errors name the file and the 1-based line:column (bytes) of the bad
   field, e.g. "d.csv:12:5: expected a number, found 'abc'". */
typedef struct {
  int64_t rows, cols;
  double *data;   /* rows x cols, row-major (adj_alloc) */
  int has_header; /* a header line was skipped */
  char separator; /* ',', ';' or 0 for whitespace */
} adj_csv;

int adj_csv_read(const char *path, adj_csv *out);
void adj_csv_free(adj_csv *csv);

/* A regression dataset from CSV files, for models whose loss is mse with
   inputs (features [B, ...], targets [B, k]) of the model's element type.
   Features are the columns of `features_path`; the targets are the
   `num_targets` columns of `targets_path`, or, when it is NULL, the last
   `num_targets` columns of `features_path`. Both files need the same number
   of rows.

   Split: the last round(rows * test_fraction) rows (at least one when
   test_fraction > 0) are the test set, the others the training set, in file
   order (deterministic; the trainer shuffles the training rows per epoch).
   test_fraction in [0, 1); with 0, *test is left empty (num_samples 0).

   Every feature column is standardized to z = (v - mean) / std with the
   mean and population std of the training rows only (a constant column is
   only centered); with standardize_target != 0 the targets are too. R^2 is
   invariant to that affine map of the targets.

   Layout: each sample is its features followed by its targets
   (sample_numel = features + targets), labels are all 0 and num_classes is
   0, which marks a regression dataset for the trainer. */
int adj_csv_regression_load(const char *features_path, const char *targets_path,
                            int64_t num_targets, double test_fraction,
                            int standardize_target, adj_dtype dtype,
                            adj_dataset *train, adj_dataset *test);

/* Regression evaluation of an mse model over `ds` (a regression dataset) in
   order: *r2 = 1 - SS_res / SS_tot over all valid rows and target columns
   (SS_tot around each column's mean over `ds`; 0 / 0 gives 1, x / 0 gives
   -inf) and the mean loss (loss_fn, weighted by valid rows). Either output
   may be NULL. Allocates nothing. adj_train and adj_train_to report R^2 in
   place of the accuracy for mse models ("test-r2" in the progress lines). */
int adj_evaluate_regression(adj_trainer *t, const adj_dataset *ds, double *r2,
                            double *mean_loss);
/* R^2 of `n` predictions against targets (1 - SS_res / SS_tot). */
double adj_r2_score(const double *pred, const double *target, int64_t n);

/*===------------------------------ Misc --------------------------------===*/

/* Monotonic wall clock in seconds. */
double adj_now_seconds(void);

/* Option values of the runtime's programs: a decimal integer >= min, a
   non-negative integer (decimal, 0x hex or 0 octal), a finite non-negative
   number. On error -1 with a message naming the option `opt`. */
int adj_parse_i64(const char *opt, const char *s, int64_t min, int64_t *out);
int adj_parse_u64(const char *opt, const char *s, uint64_t *out);
int adj_parse_f64(const char *opt, const char *s, double *out);
/* argv[*i] as one of the options `with_value` with its value ("--opt VALUE",
   advancing *i, or "--opt=VALUE"): sets *opt to the option and *val to its
   value. -1 for an unknown option or a missing value. */
int adj_option_value(int argc, char **argv, int *i,
                     const char *const *with_value, size_t num_with_value,
                     const char **opt, const char **val);

/* "softmax_cross_entropy", "mse", ... (the model language's name of the
   loss), "other" for a loss expression of other terms, "invalid". */
const char *adj_loss_name(adj_loss_kind loss);

#ifdef __cplusplus
}
#endif

#endif /* ADJOINT_RUNTIME_H */

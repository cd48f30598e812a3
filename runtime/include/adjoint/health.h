/*===- adjoint/health.h - Gradient-health monitoring -------------*- C -*-===*
 *
 * Makes the vanishing / exploding gradient problem visible while training:
 *
 *   - the loss of every step is checked: a NaN or infinite loss prints
 *       warning: step 1234: the loss is nan
 *     and stops training with an error (continuing cannot recover);
 *   - every `stats_every` steps (step 1, 1 + N, 1 + 2N, ...) per-parameter
 *     gradient statistics are collected: the L2 norm and max |g| of the
 *     gradient, the parameter's L2 norm before the step, and the update
 *     ratio ||p_after - p_before|| / ||p_before|| of the step;
 *   - from those statistics, warnings on the `warnings` stream name the
 *     parameter and the step when a gradient vanishes or explodes (at most
 *     one per parameter, kind and epoch);
 *   - a log of every step's loss, the per-epoch summaries and the
 *     statistics rows (CSV or JSON), and an SVG chart of the loss and the
 *     per-parameter gradient norms.
 *
 * How the statistics are obtained: the compiled train step fuses the
 * optimizer update into the gradient kernels and never materializes the
 * gradients. At a sampled step the monitor therefore runs the model's
 * separate `grad` entry point (one forward and reverse sweep, no update) on
 * the same batch, just before the train step, into gradient buffers
 * allocated once; it copies the parameters (one copy, allocated once) to
 * measure the update the train step then applies. The statistics describe
 * the same mathematical gradient the fused step uses, but they are computed
 * by a different kernel at sampled steps only, not observed inside the fused
 * kernels; with gradient clipping or accumulation in the train section they
 * are the raw per-batch gradient, before clipping and averaging. The extra
 * sweep costs about one train step per sampled step. It does not change the
 * training: parameters and optimizer state are bitwise the same with and
 * without statistics.
 *
 * Thresholds, with g a parameter's gradient and p the parameter before the
 * step (both L2 norms over all of its elements):
 *
 *   vanishing   ||g|| < ADJ_HEALTH_VANISH_TOL * max(1, ||p||)   (so also
 *               ||g|| == 0), for a parameter that trains
 *   exploding   ||g|| > ADJ_HEALTH_EXPLODE_TOL * max(1, ||p||), or a NaN or
 *               infinite gradient element
 *
 * A parameter that does not train (`freeze` in the train section) is
 * recognized when a sampled step leaves it bit for bit unchanged although
 * its gradient is not vanishing and other parameters did change; no
 * vanishing warning is printed for it afterwards.
 *
 * Log files (written to FILE.tmp, then renamed to FILE when complete):
 *
 *   FILE.csv    one table, one row per record in time order, columns
 *                 kind,step,epoch,loss,lr,param,grad_norm,grad_maxabs,
 *                 param_norm,update_ratio,train_loss,test_accuracy,seconds,
 *                 stats_seconds
 *               kind "step" fills step, epoch, loss, lr; kind "stats" fills
 *               step, epoch, param and the four statistics; kind "epoch"
 *               fills step (its last step), epoch, train_loss,
 *               test_accuracy, seconds (the training pass, statistics
 *               included) and stats_seconds (the part spent on statistics).
 *               Other fields are empty; non-finite values are nan, inf,
 *               -inf.
 *   FILE.json   {"format": "adjoint-health-log", "version": 1, "model",
 *                "dtype", "batch", "optimizer", "stats_every",
 *                "params": [{"name", "shape"}], "steps": [{"step",
 *                "epoch", "loss", "lr"}], "stats": [{"step", "epoch",
 *                "param", "grad_norm", "grad_maxabs", "param_norm",
 *                "update_ratio"}], "epochs": [{"epoch", "last_step",
 *                "train_loss", "test_accuracy", "seconds",
 *                "stats_seconds"}], "stopped": null or the reason}
 *               with null for non-finite numbers and a missing test set.
 *
 * Steps are numbered globally from 1 (a resumed run continues the count:
 * the first step after a checkpoint of S steps is S + 1). `lr` is the
 * learning rate passed to the train step (a schedule in the train section
 * is applied inside the step on top of it).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ADJOINT_HEALTH_H
#define ADJOINT_HEALTH_H

#include "adjoint/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ADJ_HEALTH_VANISH_TOL 1e-7
#define ADJ_HEALTH_EXPLODE_TOL 1e3
/* --stats-every when --log or --svg is given without it. */
#define ADJ_HEALTH_DEFAULT_STATS_EVERY 50
/* The SVG chart draws at most this many points per curve. */
#define ADJ_HEALTH_SVG_MAX_POINTS 1000

/*===------------------------- Statistics -------------------------------===*/

/* L2 norm and max |x| of `n` elements of a f32/f64 buffer, computed in
   double without overflow (scaled by the max). If an element is NaN both
   are NaN; otherwise, if one is infinite, both are +inf. n == 0 gives 0. */
void adj_tensor_norms(const void *buf, adj_dtype dtype, int64_t n,
                      double *l2_out, double *maxabs_out);

/* ||after - before|| / ||before|| over `n` elements (differences computed
   in double). When ||before|| == 0 the ratio is 0 if nothing changed and
   +inf otherwise. NaN if an element of either buffer is NaN. */
double adj_update_ratio(const void *before, const void *after, adj_dtype dtype,
                        int64_t n);

typedef enum {
  ADJ_GRAD_OK = 0,
  ADJ_GRAD_VANISHING = 1,
  ADJ_GRAD_EXPLODING = 2
} adj_grad_health;

/* Classifies a gradient of L2 norm `grad_norm` for a parameter of L2 norm
   `param_norm` with the thresholds above (tolerances `vanish_tol` and
   `explode_tol`). A NaN or infinite norm is exploding. */
adj_grad_health adj_classify_gradient(double grad_norm, double param_norm,
                                      double vanish_tol, double explode_tol);

/* "ok", "vanishing" or "exploding". */
const char *adj_grad_health_name(adj_grad_health h);

/*===--------------------------- Monitor --------------------------------===*/

typedef struct {
  int64_t stats_every;  /* 0: no gradient statistics (the loss is still
                           checked at every step) */
  const char *log_path; /* NULL or a file name ending in .csv or .json */
  const char *svg_path; /* NULL or the SVG chart's file name */
  FILE *warnings;       /* warnings go here (NULL: counted, not printed) */
  double vanish_tol;    /* ADJ_HEALTH_VANISH_TOL */
  double explode_tol;   /* ADJ_HEALTH_EXPLODE_TOL */
} adj_health_options;

typedef struct {
  int64_t step, epoch;
  double loss, lr;
} adj_health_step;

typedef struct {
  int64_t step, epoch;
  int param; /* index into info->params */
  double grad_norm, grad_maxabs, param_norm, update_ratio;
} adj_health_stats;

typedef struct {
  int64_t epoch, last_step;
  double train_loss, test_accuracy; /* test_accuracy NaN: no test set */
  double seconds, stats_seconds;
} adj_health_epoch;

typedef struct adj_health {
  adj_health_options opt;
  const adj_model_info *info;
  /* Allocated once by adj_health_init when stats_every > 0. */
  void **grads;       /* info->num_params gradient buffers */
  void **snapshot;    /* one copy of the parameters */
  void *grad_loss;    /* the loss written by info->grad */
  double *grad_norm;  /* per parameter, at the current sampled step */
  double *grad_maxabs;
  double *param_norm;
  unsigned char *frozen;      /* parameters recognized as not training */
  int64_t *warned_vanishing;  /* epoch of the last warning, 0 = none */
  int64_t *warned_exploding;
  int sampling; /* the current step is a sampled one */
  double stats_seconds; /* spent on statistics in the current epoch */
  /* Records (allocated by adj_health_reserve, never per step). */
  adj_health_step *steps;
  int64_t num_steps, cap_steps;
  adj_health_stats *stats;
  int64_t num_stats, cap_stats;
  adj_health_epoch *epochs;
  int64_t num_epochs, cap_epochs;
  /* Counts of printed warnings (vanishing, exploding) and the reason
     training was stopped ("" if it was not). */
  int64_t num_vanishing, num_exploding;
  char stopped[160];
  /* FILE.tmp of the log and the chart, created by adj_health_init so that
     an unwritable path fails before training. */
  char *log_tmp, *svg_tmp;
} adj_health;

/* Fills `o` with the defaults: no statistics, no files, warnings to stderr,
   the thresholds above. */
void adj_health_default_options(adj_health_options *o);

/* Validates the options (stats_every >= 0, a log name ending in .csv or
   .json, a model with a `grad` entry point when statistics are wanted),
   allocates the gradient buffers and the parameter copy, and creates the
   temporary files of the log and the chart. 0 on success; -1 with a message
   naming the file otherwise (nothing left behind). */
int adj_health_init(adj_health *h, const adj_model_info *info,
                    const adj_health_options *opt);

/* Removes temporary files still present and frees everything. */
void adj_health_free(adj_health *h);

/* Makes room for the records of `steps` more steps and `epochs` more
   epochs. The trainer calls it before training; adj_health_after_step
   fails rather than allocate when the room runs out. */
int adj_health_reserve(adj_health *h, int64_t steps, int64_t epochs);

/* Whether global step `step` (1-based) is a sampled one. */
int adj_health_is_sampled(const adj_health *h, int64_t step);

/* Called with the batch of step `step` loaded in the trainer's input
   buffers, before info->train_step: at a sampled step computes the
   gradients (info->grad) and copies the parameters. */
int adj_health_before_step(adj_health *h, const adj_trainer *t, int64_t step,
                           int64_t epoch);

/* Called after info->train_step with its loss: records the step; at a
   sampled step computes the statistics and prints the warnings. A NaN or
   infinite loss prints the loss warning, records the reason in h->stopped
   and returns -1 with the error message set. */
int adj_health_after_step(adj_health *h, const adj_trainer *t, int64_t step,
                          int64_t epoch, double loss);

/* Records the summary of a finished epoch (test_accuracy NaN if none). */
int adj_health_end_epoch(adj_health *h, int64_t epoch, int64_t last_step,
                         double train_loss, double test_accuracy,
                         double seconds);

/* Writes the log and the chart (whatever was recorded, also after training
   was stopped) to their temporary files and renames them into place.
   -1 with a message naming the file on a write error (the temporary file is
   removed, the final name untouched). */
int adj_health_finish(adj_health *h);

/* Writes the log (CSV or JSON by `path`'s extension) / the SVG chart of the
   records directly to `stream`. 0, or -1 on an invalid extension. */
int adj_health_write_log(const adj_health *h, FILE *stream, const char *path);
void adj_health_write_svg(const adj_health *h, FILE *stream);

/*===------------------------ Monitored training ------------------------===*/

/* adj_train_epoch with a monitor (NULL: exactly adj_train_epoch). Steps are
   numbered from adj_trainer_global_step(t) + 1. */
int adj_train_epoch_monitored(adj_trainer *t, const adj_dataset *train,
                              adj_health *health, adj_epoch_stats *stats);

/* adj_train_to with a monitor (NULL: exactly adj_train_to): reserves the
   records of all remaining steps, runs the epochs through
   adj_train_epoch_monitored and records each epoch's summary after its
   evaluation. Does not call adj_health_finish. */
int adj_train_monitored(adj_trainer *t, const adj_dataset *train,
                        const adj_dataset *test, int64_t total_epochs,
                        FILE *progress, const char *checkpoint_path,
                        adj_health *health, double *test_accuracy);

#ifdef __cplusplus
}
#endif

#endif /* ADJOINT_HEALTH_H */

/*===- trainer_main.c - Command-line trainer for a compiled model ---------===*
 *
 * Compiled by the `adjoint` driver together with a generated model header:
 *
 *   cc -O2 -I<runtime/include> -DADJ_MODEL_HEADER="\"/path/model.h\"" \
 *      -DADJ_MODEL_INFO=mlp_info trainer_main.c model.o libadjoint_rt.a \
 *      -lz -lm
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/checkpoint.h"
#include "adjoint/health.h"
#include "adjoint/profile.h"
#include "adjoint/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ADJ_MODEL_HEADER
#error                                                                         \
    "define ADJ_MODEL_HEADER to the quoted path of the generated model header"
#endif
#ifndef ADJ_MODEL_INFO
#error "define ADJ_MODEL_INFO to the name of the model's adj_model_info"
#endif

#include ADJ_MODEL_HEADER

#define ADJ_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define ADJ_DEFAULT_TOL 1e-6
#define ADJ_DEFAULT_TEST_FRACTION 0.2

static void usage(FILE *out, const char *prog, const adj_model_info *info) {
  fprintf(out,
          "usage: %s [options]\n"
          "Trains model '%s' on Fashion-MNIST and reports test accuracy, "
          "or with --csv\n"
          "a regression (mse) model on CSV data and reports test R^2.\n"
          "\n"
          "options:\n"
          "  --data DIR    dataset directory (default %s)\n"
          "  --csv FEATURES[,TARGETS]\n"
          "                train a regression (mse) model on CSV data "
          "(gzip or plain;\n"
          "                ',', ';' or whitespace separated; an optional "
          "header line):\n"
          "                features from FEATURES, targets from TARGETS or, "
          "without it,\n"
          "                the last column(s) of FEATURES; features and "
          "targets are\n"
          "                standardized with training-split statistics; "
          "reports test R^2\n"
          "  --test-fraction X\n"
          "                with --csv, hold out the last X of the rows (in "
          "file order)\n"
          "                as the test set (default %g)\n"
          "  --epochs N    number of epochs (default %lld)\n"
          "  --lr X        learning rate (default %g)\n"
          "  --seed S      seed for initialization and shuffling (default "
          "%llu)\n"
          "  --limit N     use only the first N training samples\n"
          "  --save-params FILE\n"
          "                after training, write every parameter to FILE: "
          "declaration\n"
          "                order, raw little-endian %s values, concatenated "
          "(written\n"
          "                to FILE.tmp, then renamed)\n"
          "  --checkpoint FILE\n"
          "                after every epoch, save parameters, optimizer state, "
          "epoch,\n"
          "                step and shuffle RNG to FILE (safetensors, written "
          "to\n"
          "                FILE.tmp, synced, then renamed over FILE)\n"
          "  --resume FILE continue from checkpoint FILE: restore it, then "
          "train the\n"
          "                remaining epochs up to --epochs (a total; run with "
          "the same\n"
          "                --data, --limit and --lr to reproduce an "
          "uninterrupted run\n"
          "                bit for bit)\n"
          "  --stats-every N\n"
          "                at step 1 and every N steps after it, run a "
          "separate gradient\n"
          "                sweep on the step's batch and record per parameter "
          "the\n"
          "                gradient's L2 norm and max |g| and the step's "
          "update/param\n"
          "                ratio; warn about vanishing (norm < 1e-7 x max(1, "
          "|p|)) and\n"
          "                exploding (norm > 1e3 x max(1, |p|), or nan/inf) "
          "gradients\n"
          "                (default 0 = off; %d when --log or --svg is given)\n"
          "  --log FILE    write the loss of every step, per-epoch summaries "
          "and the\n"
          "                gradient statistics to FILE: CSV if it ends in "
          ".csv, JSON if\n"
          "                .json (written to FILE.tmp, then renamed)\n"
          "  --svg FILE    draw the loss curve and the per-parameter gradient "
          "norms as\n"
          "                an SVG chart (written to FILE.tmp, then renamed)\n"
          "  --check       check gradients against finite differences "
          "instead of\n"
          "                training (needs an f64 model; exit status 0 if "
          "they match)\n"
          "  --tol X       gradient check tolerance on the noise-adjusted "
          "relative\n"
          "                error (default %g)\n"
          "  --quiet       do not print per-epoch progress\n"
          "  --help        print this help\n"
          "\n"
          "A nan or infinite loss stops training with a warning naming the "
          "step and exit\n"
          "status 1; the --log and --svg files still describe the steps "
          "taken.\n",
          prog, info->name ? info->name : "<unnamed>", ADJ_DEFAULT_DATA_DIR,
          ADJ_DEFAULT_TEST_FRACTION,
          (long long)info->epochs, info->lr, (unsigned long long)info->seed,
          adj_dtype_name(info->dtype), ADJ_HEALTH_DEFAULT_STATS_EVERY,
          ADJ_DEFAULT_TOL);
}

static int fail(const char *msg) {
  fprintf(stderr, "error: %s\n", msg);
  return 1;
}

/* --save-params: the parameters are written to "<path>.tmp", which is
   renamed to `path` once complete, so `path` never holds a partial file. The
   temporary file is created before training so that an unwritable path
   fails at once. */
typedef struct {
  const char *path;
  char *tmp;
  FILE *file;
} params_file;

static int params_file_open(params_file *pf, const char *path) {
  size_t len = strlen(path);
  pf->path = path;
  pf->file = NULL;
  pf->tmp = malloc(len + sizeof ".tmp");
  if (!pf->tmp)
    return adj_set_error("%s: out of memory", path);
  memcpy(pf->tmp, path, len);
  memcpy(pf->tmp + len, ".tmp", sizeof ".tmp");
  pf->file = fopen(pf->tmp, "wb");
  if (!pf->file) {
    adj_set_error("%s: cannot open for writing: %s", pf->tmp,
                  strerror(errno));
    free(pf->tmp);
    pf->tmp = NULL;
    return -1;
  }
  return 0;
}

/* Closes and removes the temporary file (no-op if not open). */
static void params_file_discard(params_file *pf) {
  if (pf->file) {
    fclose(pf->file);
    remove(pf->tmp);
    pf->file = NULL;
  }
  free(pf->tmp);
  pf->tmp = NULL;
}

/* Writes every parameter of `t` (declaration order, raw little-endian
   elements of the model's dtype, concatenated), then renames the temporary
   file to the final path. Discards the temporary file on failure. */
static int params_file_commit(params_file *pf, const adj_trainer *t) {
  const adj_model_info *info = t->info;
  size_t esize = adj_dtype_size(info->dtype);
  const uint16_t probe = 1;
  int little = *(const unsigned char *)&probe == 1;
  int ok = 1;
  for (int i = 0; i < info->num_params && ok; ++i) {
    const unsigned char *p = t->params[i];
    size_t bytes = (size_t)info->params[i].tensor.numel * esize;
    if (little) {
      ok = fwrite(p, 1, bytes, pf->file) == bytes;
      continue;
    }
    for (size_t k = 0; k < bytes && ok; k += esize) {
      unsigned char e[8];
      for (size_t b = 0; b < esize; ++b)
        e[b] = p[k + esize - 1 - b];
      ok = fwrite(e, 1, esize, pf->file) == esize;
    }
  }
  int err = ok ? 0 : errno;
  FILE *f = pf->file;
  pf->file = NULL;
  if (fclose(f) != 0 && ok) {
    ok = 0;
    err = errno;
  }
  if (!ok) {
    adj_set_error("%s: write error: %s", pf->tmp, strerror(err));
    remove(pf->tmp);
    return -1;
  }
  if (rename(pf->tmp, pf->path) != 0) {
    adj_set_error("%s: cannot move %s into place: %s", pf->path, pf->tmp,
                  strerror(errno));
    remove(pf->tmp);
    return -1;
  }
  return 0;
}

/* Fails early if FILE.tmp of --checkpoint cannot be created, instead of
   after the first epoch. */
static int checkpoint_probe(const char *path) {
  size_t len = strlen(path);
  char *tmp = malloc(len + sizeof ".tmp");
  if (!tmp)
    return adj_set_error("%s: out of memory", path);
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp", sizeof ".tmp");
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    adj_set_error("%s: cannot open %s for writing: %s", path, tmp,
                  strerror(errno));
    free(tmp);
    return -1;
  }
  fclose(f);
  remove(tmp);
  free(tmp);
  return 0;
}

int main(int argc, char **argv) {
  const adj_model_info *info = &ADJ_MODEL_INFO;
  const char *prog = argc > 0 ? argv[0] : "trainer";
  const char *data_dir = ADJ_DEFAULT_DATA_DIR;
  int64_t epochs = info->epochs;
  double lr = info->lr;
  uint64_t seed = info->seed;
  int64_t limit = 0;
  const char *save_path = NULL;
  const char *checkpoint_path = NULL;
  const char *resume_path = NULL;
  double tol = ADJ_DEFAULT_TOL;
  int check = 0, quiet = 0;
  int64_t stats_every = -1; /* -1: not given */
  const char *log_path = NULL;
  const char *svg_path = NULL;
  const char *csv_arg = NULL;
  double test_fraction = ADJ_DEFAULT_TEST_FRACTION;
  char *csv_features = NULL;
  const char *csv_targets = NULL;

  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout, prog, info);
      return 0;
    }
    if (!strcmp(a, "--check")) {
      check = 1;
      continue;
    }
    if (!strcmp(a, "--quiet")) {
      quiet = 1;
      continue;
    }
    /* Options with a value: "--opt VALUE" or "--opt=VALUE". */
    static const char *const with_value[] = {
        "--data", "--epochs", "--lr", "--seed", "--limit", "--tol",
        "--save-params", "--checkpoint", "--resume", "--stats-every",
        "--log", "--svg", "--csv", "--test-fraction"};
    const char *opt = NULL, *val = NULL;
    if (adj_option_value(argc, argv, &i, with_value,
                         sizeof with_value / sizeof *with_value, &opt,
                         &val) != 0)
      return fail(adj_last_error());
    int rc = 0;
    if (!strcmp(opt, "--data"))
      data_dir = val;
    else if (!strcmp(opt, "--csv")) {
      if (val[0] == '\0')
        rc = adj_set_error("%s: expected FEATURES[,TARGETS]", opt);
      csv_arg = val;
    } else if (!strcmp(opt, "--test-fraction")) {
      rc = adj_parse_f64(opt, val, &test_fraction);
      if (rc == 0 && !(test_fraction > 0.0 && test_fraction < 1.0))
        rc = adj_set_error("%s: expected a number in (0, 1), got '%s'", opt,
                           val);
    }
    else if (!strcmp(opt, "--epochs"))
      rc = adj_parse_i64(opt, val, 0, &epochs);
    else if (!strcmp(opt, "--lr"))
      rc = adj_parse_f64(opt, val, &lr);
    else if (!strcmp(opt, "--seed"))
      rc = adj_parse_u64(opt, val, &seed);
    else if (!strcmp(opt, "--limit"))
      rc = adj_parse_i64(opt, val, 1, &limit);
    else if (!strcmp(opt, "--tol"))
      rc = adj_parse_f64(opt, val, &tol);
    else if (!strcmp(opt, "--stats-every"))
      rc = adj_parse_i64(opt, val, 0, &stats_every);
    else if (!strcmp(opt, "--log") || !strcmp(opt, "--svg")) {
      if (val[0] == '\0')
        rc = adj_set_error("%s: expected a file name", opt);
      if (!strcmp(opt, "--log"))
        log_path = val;
      else
        svg_path = val;
    }
    else if (!strcmp(opt, "--save-params")) {
      if (val[0] == '\0')
        rc = adj_set_error("%s: expected a file name", opt);
      save_path = val;
    } else if (!strcmp(opt, "--checkpoint") || !strcmp(opt, "--resume")) {
      if (val[0] == '\0')
        rc = adj_set_error("%s: expected a file name", opt);
      if (!strcmp(opt, "--checkpoint"))
        checkpoint_path = val;
      else
        resume_path = val;
    }
    if (rc != 0)
      return fail(adj_last_error());
  }

  if (check && save_path)
    return fail("--save-params cannot be used with --check");
  if (check && (checkpoint_path || resume_path))
    return fail("--checkpoint and --resume cannot be used with --check");
  if (check && (stats_every >= 0 || log_path || svg_path))
    return fail("--stats-every, --log and --svg cannot be used with --check");
  if (check) {
    double worst = 0.0;
    int rc = adj_check_gradients(info, seed, tol, stdout, &worst);
    if (rc < 0)
      return fail(adj_last_error());
    return rc == 0 ? 0 : 1;
  }

  if (adj_model_validate(info) != 0)
    return fail(adj_last_error());
  /* The monitor checks the loss of every step; statistics, the log and the
     chart only when asked for. */
  adj_health_options hopt;
  adj_health_default_options(&hopt);
  hopt.stats_every = stats_every >= 0 ? stats_every
                     : (log_path || svg_path) ? ADJ_HEALTH_DEFAULT_STATS_EVERY
                                              : 0;
  hopt.log_path = log_path;
  hopt.svg_path = svg_path;
  hopt.warnings = stderr;
  adj_health health;
  if (adj_health_init(&health, info, &hopt) != 0)
    return fail(adj_last_error());
  params_file saved;
  memset(&saved, 0, sizeof saved);
  if (save_path && params_file_open(&saved, save_path) != 0) {
    adj_health_free(&health);
    return fail(adj_last_error());
  }
  if (checkpoint_path && checkpoint_probe(checkpoint_path) != 0) {
    params_file_discard(&saved);
    adj_health_free(&health);
    return fail(adj_last_error());
  }
  adj_dataset train, test;
  memset(&train, 0, sizeof train);
  memset(&test, 0, sizeof test);
  int status = 1;
  adj_trainer t;
  memset(&t, 0, sizeof t);
  int regression = info->loss == ADJ_LOSS_MSE;
  if (regression && !csv_arg) {
    adj_set_error("model '%s': unsupported loss for the training driver "
                  "without --csv (a regression (mse) model trains on CSV "
                  "data: --csv=FEATURES[,TARGETS])",
                  info->name ? info->name : "<unnamed>");
    goto error;
  }
  if (!regression && csv_arg) {
    adj_set_error("--csv needs a regression (mse) model; model '%s' is a "
                  "classification model",
                  info->name ? info->name : "<unnamed>");
    goto error;
  }
  if (regression) {
    size_t len = strlen(csv_arg);
    csv_features = malloc(len + 1);
    if (!csv_features) {
      adj_set_error("out of memory");
      goto error;
    }
    memcpy(csv_features, csv_arg, len + 1);
    char *comma = strchr(csv_features, ',');
    if (comma) {
      *comma = '\0';
      csv_targets = comma + 1;
    }
    if (csv_features[0] == '\0' || (csv_targets && csv_targets[0] == '\0')) {
      adj_set_error("--csv: expected FEATURES[,TARGETS], got '%s'", csv_arg);
      goto error;
    }
    int64_t k = info->num_inputs >= 2 && info->batch > 0
                    ? info->inputs[1].numel / info->batch
                    : 1;
    if (adj_csv_regression_load(csv_features, csv_targets, k, test_fraction,
                                1, info->dtype, &train, &test) != 0)
      goto error;
  } else if (adj_dataset_load_fashion_mnist(data_dir, 1, info->dtype,
                                            &train) != 0 ||
             adj_dataset_load_fashion_mnist(data_dir, 0, info->dtype,
                                            &test) != 0)
    goto error;
  if (limit > 0 && adj_dataset_limit(&train, limit) != 0)
    goto error;
  if (adj_trainer_init(&t, info, seed) != 0)
    goto error;
  t.lr = lr;
  if (adj_trainer_check_dataset(&t, &train) != 0 ||
      adj_trainer_check_dataset(&t, &test) != 0)
    goto error;
  if (resume_path && adj_checkpoint_load(&t, &train, resume_path) != 0)
    goto error;
  if (!quiet) {
    int64_t values = 0, buffer_values = 0;
    int buffers = 0;
    for (int i = 0; i < info->num_params; ++i) {
      if (info->params[i].buffer) {
        ++buffers;
        buffer_values += info->params[i].tensor.numel;
      } else {
        values += info->params[i].tensor.numel;
      }
    }
    char buf_text[96] = "";
    if (buffers)
      snprintf(buf_text, sizeof buf_text, " + %d buffers (%lld values)",
               buffers, (long long)buffer_values);
    printf("model %s: %d params (%lld values, %s)%s, batch %lld, %s lr %g, "
           "%lld epochs, %lld train / %lld test samples\n",
           info->name ? info->name : "<unnamed>", info->num_params - buffers,
           (long long)values, adj_dtype_name(info->dtype), buf_text,
           (long long)info->batch, info->optimizer ? info->optimizer : "sgd",
           lr, (long long)epochs, (long long)train.num_samples,
           (long long)test.num_samples);
    if (resume_path)
      printf("resumed from %s: %lld of %lld epochs done, step %lld\n",
             resume_path, (long long)t.epochs_done, (long long)epochs,
             (long long)adj_trainer_global_step(&t));
    fflush(stdout);
  }
  double acc = 0.0;
  if (adj_train_monitored(&t, &train, &test, epochs, quiet ? NULL : stdout,
                          checkpoint_path, &health, &acc) != 0) {
    /* Training stopped (a diverged loss, a failed checkpoint): the log and
       the chart of the steps taken are still written, complete. */
    fprintf(stderr, "error: %s\n", adj_last_error());
    if (adj_health_finish(&health) != 0)
      fprintf(stderr, "error: %s\n", adj_last_error());
    goto done;
  }
  printf(regression ? "test r2: %.4f\n" : "test accuracy: %.4f\n", acc);
  if (adj_prof_count() > 0) {
    /* Compiled with --profile: where the train steps spent their time. */
    printf("profile of the train step, per call:\n");
    adj_prof_report(stdout, "_train_step |", 0.0);
  }
  fflush(stdout);
  if (save_path && params_file_commit(&saved, &t) != 0)
    goto error;
  if (adj_health_finish(&health) != 0)
    goto error;
  status = 0;
  goto done;
error:
  fprintf(stderr, "error: %s\n", adj_last_error());
done:
  free(csv_features);
  params_file_discard(&saved);
  adj_health_free(&health);
  adj_trainer_free(&t);
  adj_dataset_free(&train);
  adj_dataset_free(&test);
  return status;
}

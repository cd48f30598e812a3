/*===- trainer_main.c - Command-line trainer for a compiled model ---------===*
 *
 * Compiled by the `adjoint` driver together with a generated model header:
 *
 *   cc -O2 -I<runtime/include> -DADJ_MODEL_HEADER="\"/path/model.h\"" \
 *      -DADJ_MODEL_INFO=mlp_info trainer_main.c model.o libadjoint_rt.a \
 *      -lz -lm
 *
 *===----------------------------------------------------------------------===*/
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
#define ADJ_DEFAULT_TOL 1e-5

static void usage(FILE *out, const char *prog, const adj_model_info *info) {
  fprintf(out,
          "usage: %s [options]\n"
          "Trains model '%s' on Fashion-MNIST and reports test accuracy.\n"
          "\n"
          "options:\n"
          "  --data DIR    dataset directory (default %s)\n"
          "  --epochs N    number of epochs (default %lld)\n"
          "  --lr X        learning rate (default %g)\n"
          "  --seed S      seed for initialization and shuffling (default "
          "%llu)\n"
          "  --limit N     use only the first N training samples\n"
          "  --check       check gradients against finite differences instead "
          "of training (needs an f64 model; exit status 0 if they match)\n"
          "  --tol X       gradient check tolerance (default %g)\n"
          "  --quiet       do not print per-epoch progress\n"
          "  --help        print this help\n",
          prog, info->name ? info->name : "<unnamed>", ADJ_DEFAULT_DATA_DIR,
          (long long)info->epochs, info->lr, (unsigned long long)info->seed,
          ADJ_DEFAULT_TOL);
}

static int fail(const char *msg) {
  fprintf(stderr, "error: %s\n", msg);
  return 1;
}

static int parse_i64(const char *opt, const char *s, int64_t min,
                     int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min)
    return adj_set_error("%s: expected an integer >= %lld, got '%s'", opt,
                         (long long)min, s);
  *out = v;
  return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  if (s[0] == '-')
    return adj_set_error("%s: expected a non-negative integer, got '%s'", opt,
                         s);
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end != '\0')
    return adj_set_error("%s: expected a non-negative integer, got '%s'", opt,
                         s);
  *out = v;
  return 0;
}

static int parse_f64(const char *opt, const char *s, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !(v >= 0.0) || v > 1e300)
    return adj_set_error("%s: expected a non-negative number, got '%s'", opt,
                         s);
  *out = v;
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
  double tol = ADJ_DEFAULT_TOL;
  int check = 0, quiet = 0;

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
    static const char *const with_value[] = {"--data", "--epochs", "--lr",
                                             "--seed", "--limit",  "--tol"};
    const char *opt = NULL, *val = NULL;
    for (size_t k = 0; k < sizeof with_value / sizeof *with_value; ++k) {
      size_t n = strlen(with_value[k]);
      if (!strncmp(a, with_value[k], n) && (a[n] == '\0' || a[n] == '=')) {
        opt = with_value[k];
        val = a[n] == '=' ? a + n + 1 : NULL;
        break;
      }
    }
    if (!opt) {
      fprintf(stderr, "error: unknown option '%s' (see --help)\n", a);
      return 1;
    }
    if (!val) {
      if (i + 1 >= argc) {
        fprintf(stderr, "error: %s: missing value\n", opt);
        return 1;
      }
      val = argv[++i];
    }
    int rc = 0;
    if (!strcmp(opt, "--data"))
      data_dir = val;
    else if (!strcmp(opt, "--epochs"))
      rc = parse_i64(opt, val, 0, &epochs);
    else if (!strcmp(opt, "--lr"))
      rc = parse_f64(opt, val, &lr);
    else if (!strcmp(opt, "--seed"))
      rc = parse_u64(opt, val, &seed);
    else if (!strcmp(opt, "--limit"))
      rc = parse_i64(opt, val, 1, &limit);
    else if (!strcmp(opt, "--tol"))
      rc = parse_f64(opt, val, &tol);
    if (rc != 0)
      return fail(adj_last_error());
  }

  if (check) {
    double worst = 0.0;
    int rc = adj_check_gradients(info, seed, tol, stdout, &worst);
    if (rc < 0)
      return fail(adj_last_error());
    return rc == 0 ? 0 : 1;
  }

  if (adj_model_validate(info) != 0)
    return fail(adj_last_error());
  adj_dataset train, test;
  memset(&test, 0, sizeof test);
  if (adj_dataset_load_fashion_mnist(data_dir, 1, info->dtype, &train) != 0)
    return fail(adj_last_error());
  if (adj_dataset_load_fashion_mnist(data_dir, 0, info->dtype, &test) != 0) {
    adj_dataset_free(&train);
    return fail(adj_last_error());
  }
  int status = 1;
  adj_trainer t;
  memset(&t, 0, sizeof t);
  if (limit > 0 && adj_dataset_limit(&train, limit) != 0)
    goto error;
  if (adj_trainer_init(&t, info, seed) != 0)
    goto error;
  t.lr = lr;
  if (adj_trainer_check_dataset(&t, &train) != 0 ||
      adj_trainer_check_dataset(&t, &test) != 0)
    goto error;
  if (!quiet) {
    int64_t values = 0;
    for (int i = 0; i < info->num_params; ++i)
      values += info->params[i].tensor.numel;
    printf("model %s: %d params (%lld values, %s), batch %lld, %s lr %g, "
           "%lld epochs, %lld train / %lld test samples\n",
           info->name ? info->name : "<unnamed>", info->num_params,
           (long long)values, adj_dtype_name(info->dtype),
           (long long)info->batch, info->optimizer ? info->optimizer : "sgd",
           lr, (long long)epochs, (long long)train.num_samples,
           (long long)test.num_samples);
    fflush(stdout);
  }
  double acc = 0.0;
  if (adj_train(&t, &train, &test, epochs, quiet ? NULL : stdout, &acc) != 0)
    goto error;
  printf("test accuracy: %.4f\n", acc);
  status = 0;
  goto done;
error:
  fprintf(stderr, "error: %s\n", adj_last_error());
done:
  adj_trainer_free(&t);
  adj_dataset_free(&train);
  adj_dataset_free(&test);
  return status;
}

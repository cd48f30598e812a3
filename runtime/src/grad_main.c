/*===- grad_main.c - One gradient of a compiled model ---------------------===*
 *
 * The program behind `adjoint grad`: one forward and reverse sweep of the
 * model's grad entry point on one batch, no update, with parameters, inputs
 * and gradients in safetensors files (adjoint/safetensors.h). Compiled by
 * the driver together with a generated model header, like trainer_main.c:
 *
 *   cc -O2 -I<runtime/include> -DADJ_MODEL_HEADER="\"/path/model.h\"" \
 *      -DADJ_MODEL_INFO=mlp_info grad_main.c model.o libadjoint_rt.a -lz -lm
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/runtime.h"
#include "adjoint/safetensors.h"

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

static int fail(const char *msg) {
  fprintf(stderr, "error: %s\n", msg);
  return 1;
}

static void usage(FILE *out, const char *prog, const adj_model_info *info) {
  fprintf(out,
          "usage: %s --inputs FILE -o FILE [--params FILE] [--seed S]\n"
          "          [--save-params FILE]\n"
          "One forward and reverse sweep of model '%s' (batch %lld, %s) on "
          "one batch,\n"
          "no update. Files are safetensors.\n"
          "\n"
          "options:\n"
          "  --inputs FILE       the batch: one tensor per model input, "
          "named after it\n"
          "  --params FILE       one tensor per parameter, named after it "
          "(default: the\n"
          "                      model's initializers, seeded by --seed)\n"
          "  --seed S            seed of the initializers (default %llu)\n"
          "  --save-params FILE  write the parameters used (e.g. the "
          "initial ones)\n"
          "  -o FILE             write one gradient per parameter (named "
          "after it) and\n"
          "                      the scalar loss (tensor 'loss')\n"
          "  --help              print this help\n",
          prog, info->name ? info->name : "<unnamed>", (long long)info->batch,
          adj_dtype_name(info->dtype), (unsigned long long)info->seed);
}

/* Integer labels of a classification loss must be class indices: the
   compiled code compares them with the column index, so one out of range
   would silently count as no class at all. */
static int check_labels(const adj_model_info *info, void *const *inputs,
                        const char *path) {
  if ((info->loss != ADJ_LOSS_SOFTMAX_CROSS_ENTROPY &&
       info->loss != ADJ_LOSS_NLL) ||
      info->output.rank != 2)
    return 0;
  int64_t classes = info->output.shape[1];
  for (int i = 0; i < info->num_inputs; ++i) {
    if (info->inputs[i].dtype != ADJ_I32)
      continue;
    const int32_t *l = inputs[i];
    for (int64_t k = 0; k < info->inputs[i].numel; ++k)
      if (l[k] < 0 || l[k] >= classes)
        return adj_set_error("%s: input '%s' element %lld is %d, not a class "
                             "index in [0, %lld)",
                             path, info->inputs[i].name, (long long)k,
                             (int)l[k], (long long)classes);
  }
  return 0;
}

int main(int argc, char **argv) {
  const adj_model_info *info = &ADJ_MODEL_INFO;
  const char *prog = argc > 0 ? argv[0] : "grad";
  const char *params_path = NULL, *inputs_path = NULL, *out_path = NULL,
             *save_path = NULL;
  uint64_t seed = info->seed;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout, prog, info);
      return 0;
    }
    static const char *const with_value[] = {"--params", "--inputs", "-o",
                                             "--seed", "--save-params"};
    const char *opt = NULL, *val = NULL;
    if (adj_option_value(argc, argv, &i, with_value,
                         sizeof with_value / sizeof *with_value, &opt,
                         &val) != 0)
      return fail(adj_last_error());
    if (!strcmp(opt, "--seed")) {
      if (adj_parse_u64(opt, val, &seed) != 0)
        return fail(adj_last_error());
      continue;
    }
    if (val[0] == '\0') {
      fprintf(stderr, "error: %s: expected a file name\n", opt);
      return 1;
    }
    if (!strcmp(opt, "--params"))
      params_path = val;
    else if (!strcmp(opt, "--inputs"))
      inputs_path = val;
    else if (!strcmp(opt, "-o"))
      out_path = val;
    else
      save_path = val;
  }
  if (!inputs_path || !out_path) {
    fprintf(stderr, "error: %s\n",
            !inputs_path ? "no inputs given (--inputs FILE)"
                         : "no output file given (-o FILE)");
    return 1;
  }

  int status = 1;
  adj_trainer t;
  void **grads = NULL;
  if (adj_trainer_init(&t, info, seed) != 0)
    goto error;
  if (!info->grad) {
    adj_set_error("model '%s': missing grad entry point", info->name);
    goto error;
  }
  grads = adj_alloc(sizeof(void *) * (size_t)info->num_params);
  if (!grads)
    goto error;
  for (int i = 0; i < info->num_params; ++i)
    if (!(grads[i] = adj_alloc((size_t)info->params[i].tensor.numel *
                               adj_dtype_size(info->dtype))))
      goto error;
  if (params_path && adj_params_load(info, t.params, params_path) != 0)
    goto error;
  if (adj_inputs_load(info, t.inputs, inputs_path) != 0 ||
      check_labels(info, t.inputs, inputs_path) != 0)
    goto error;
  for (int64_t r = 0; r < info->batch; ++r) {
    if (info->dtype == ADJ_F32)
      ((float *)t.mask)[r] = 1.0f;
    else
      ((double *)t.mask)[r] = 1.0;
  }
  if (save_path && adj_params_save(info, t.params, save_path) != 0)
    goto error;
  info->grad(t.params, t.inputs, t.mask, grads, t.loss);
  if (adj_grads_save(info, grads, t.loss, out_path) != 0)
    goto error;
  status = 0;
  goto done;
error:
  fprintf(stderr, "error: %s\n", adj_last_error());
done:
  if (grads)
    for (int i = 0; i < info->num_params; ++i)
      adj_free(grads[i]);
  adj_free(grads);
  adj_trainer_free(&t);
  return status;
}

/* Peak resident memory of a compiled train step.
 *
 * Compiled with -DADJ_MODEL_HEADER="\"m.h\"" -DADJ_MODEL_INFO=name_info and
 * linked with the model object and libadjoint_rt. Allocates and initializes
 * parameters and optimizer state, runs STEPS train steps on random data and
 * prints the peak resident set size (getrusage) next to the bytes the
 * parameters and optimizer state need.
 */
#include ADJ_MODEL_HEADER

#include "adjoint/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
  const adj_model_info *info = &ADJ_MODEL_INFO;
  int steps = argc > 1 ? atoi(argv[1]) : 3;
  size_t es = info->dtype == ADJ_F64 ? 8 : 4;
  void *params[64], *state[256], *inputs[8];
  double bytes_params = 0, bytes_state = 0;
  adj_rng rng;
  adj_rng_seed(&rng, info->seed);
  for (int p = 0; p < info->num_params; ++p) {
    size_t n = (size_t)info->params[p].tensor.numel;
    params[p] = adj_alloc(n * es);
    if (!params[p] || adj_init_param(&info->params[p], params[p], &rng)) {
      fprintf(stderr, "error: %s\n", adj_last_error());
      return 1;
    }
    bytes_params += (double)(n * es);
  }
  for (int s = 0; s < info->num_state; ++s) {
    size_t n = (size_t)info->state[s].numel;
    state[s] = adj_alloc(n * adj_dtype_size(info->state[s].dtype));
    bytes_state += (double)(n * adj_dtype_size(info->state[s].dtype));
  }
  int64_t batch = info->batch;
  int64_t classes = info->output.shape[1];
  for (int i = 0; i < info->num_inputs; ++i) {
    const adj_tensor_info *t = &info->inputs[i];
    inputs[i] = adj_alloc((size_t)t->numel * adj_dtype_size(t->dtype));
    for (int64_t j = 0; j < t->numel; ++j) {
      if (t->dtype == ADJ_I32)
        ((int32_t *)inputs[i])[j] = (int32_t)adj_rng_below(&rng, classes);
      else
        ((float *)inputs[i])[j] = (float)adj_rng_normal(&rng);
    }
  }
  float *mask = adj_alloc((size_t)batch * sizeof(float));
  for (int64_t i = 0; i < batch; ++i)
    mask[i] = 1;
  float loss = 0;
  double t0 = adj_now_seconds();
  for (int s = 0; s < steps; ++s)
    info->train_step(params, state, inputs, mask, info->lr, &loss);
  double dt = adj_now_seconds() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("adjoint %s: peak RSS %.1f MiB; parameters %.1f MiB, optimizer "
         "state %.1f MiB; %d steps, %.0f ms/step, final loss %.4f\n",
         info->name, ru.ru_maxrss / 1024.0, bytes_params / 1048576.0,
         bytes_state / 1048576.0, steps, 1000 * dt / steps, loss);
  return isfinite(loss) ? 0 : 1;
}

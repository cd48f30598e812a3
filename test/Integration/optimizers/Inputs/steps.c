/* Runs N train steps of a compiled model on batches read from a file and
 * writes the initial and final parameters, for comparison with PyTorch.
 *
 *   steps DATA INIT_OUT FINAL_OUT N
 *
 * DATA holds N batches: features (batch x features f32) then labels
 * (batch i32) per step. Parameters are initialized from the model's seed.
 */
#include ADJ_MODEL_HEADER

#include "adjoint/runtime.h"

#include <stdio.h>
#include <stdlib.h>

static int write_params(const char *path, const adj_model_info *info,
                        void **params) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return 1;
  for (int p = 0; p < info->num_params; ++p)
    fwrite(params[p], sizeof(float), (size_t)info->params[p].tensor.numel, f);
  return fclose(f) != 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: steps DATA INIT_OUT FINAL_OUT N\n");
    return 2;
  }
  const adj_model_info *info = &ADJ_MODEL_INFO;
  int steps = atoi(argv[4]);
  int64_t batch = info->batch;
  int64_t features = info->inputs[0].numel / batch;
  void *params[64], *state[64];
  adj_rng rng;
  adj_rng_seed(&rng, info->seed);
  for (int p = 0; p < info->num_params; ++p) {
    params[p] = adj_alloc((size_t)info->params[p].tensor.numel * 4);
    if (adj_init_param(&info->params[p], params[p], &rng))
      return 1;
  }
  for (int s = 0; s < info->num_state; ++s)
    state[s] = adj_alloc((size_t)info->state[s].numel * 8);
  if (write_params(argv[2], info, params))
    return 1;
  float *x = adj_alloc((size_t)(batch * features) * 4);
  int32_t *y = adj_alloc((size_t)batch * 4);
  float *mask = adj_alloc((size_t)batch * 4);
  for (int64_t i = 0; i < batch; ++i)
    mask[i] = 1;
  FILE *data = fopen(argv[1], "rb");
  if (!data)
    return 1;
  void *inputs[2] = {x, y};
  float loss = 0;
  for (int s = 0; s < steps; ++s) {
    if (fread(x, 4, (size_t)(batch * features), data) !=
            (size_t)(batch * features) ||
        fread(y, 4, (size_t)batch, data) != (size_t)batch) {
      fprintf(stderr, "short data file\n");
      return 1;
    }
    info->train_step(params, state, inputs, mask, info->lr, &loss);
  }
  fclose(data);
  printf("final loss %.6f\n", loss);
  return write_params(argv[3], info, params);
}

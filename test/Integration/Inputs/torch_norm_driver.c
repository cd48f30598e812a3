/* Driver of torch-norm.test: runs the compiled tnorm model (torch_norm.adj)
 * through the uniform wrappers of its adj_model_info on data written by
 * torch_norm.py, and writes what it returns for torch_norm.py to compare.
 *
 *   torch_norm_driver DIR LR
 *
 * Reads DIR/params.bin (the trainable params, declaration order, f32) and
 * per batch k DIR/x<k>.bin (f32), DIR/ids<k>.bin, DIR/y<k>.bin (int32),
 * DIR/mask<k>.bin (f32). Writes
 *   DIR/grad<k>.bin   loss then every gradient (buffers included) of
 *                     tnorm_grad on the initial params and batch k
 *   DIR/loss.bin      tnorm_loss on batch 0
 *   DIR/steps.bin     the loss of NUM_BATCHES train steps (batch k at step k),
 *                     then every param and buffer after them
 *   DIR/predict.bin   tnorm_predict on batch 0 after the steps (eval mode:
 *                     running statistics, no dropout)
 */
#include "tnorm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_BATCHES 3

static void die(const char *what, const char *path) {
  fprintf(stderr, "driver: %s: %s\n", path, what);
  exit(1);
}

static void *read_file(const char *dir, const char *name, int k, size_t bytes) {
  char path[4096];
  if (k >= 0)
    snprintf(path, sizeof path, "%s/%s%d.bin", dir, name, k);
  else
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot open", path);
  void *buf = calloc(1, bytes ? bytes : 1);
  if (!buf || fread(buf, 1, bytes, f) != bytes || fgetc(f) != EOF)
    die("unexpected size", path);
  fclose(f);
  return buf;
}

static FILE *create(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    die("cannot create", path);
  return f;
}

static void put(FILE *f, const void *p, size_t bytes) {
  if (fwrite(p, 1, bytes, f) != bytes)
    die("write error", "output");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: torch_norm_driver DIR LR\n");
    return 2;
  }
  const char *dir = argv[1];
  double lr = atof(argv[2]);
  const adj_model_info *info = &tnorm_info;
  int np = info->num_params;
  if (info->dtype != ADJ_F32 || info->num_inputs != 3 || np != 10 ||
      !info->params[8].buffer || !info->params[9].buffer ||
      info->params[7].buffer) {
    fprintf(stderr, "driver: unexpected model description\n");
    return 1;
  }
  size_t total = 0, pbytes[16];
  for (int i = 0; i < np; ++i) {
    pbytes[i] = (size_t)info->params[i].tensor.numel * sizeof(float);
    if (!info->params[i].buffer)
      total += pbytes[i];
  }
  float *init = read_file(dir, "params", -1, total);
  void *p[16], *g[16];
  for (int i = 0, off = 0; i < np; ++i) {
    p[i] = malloc(pbytes[i]);
    g[i] = malloc(pbytes[i]);
    if (info->params[i].buffer) {
      /* Running mean 0, running variance 1, as adj_init_param does. */
      float *b = p[i];
      for (int64_t j = 0; j < info->params[i].tensor.numel; ++j)
        b[j] = info->params[i].init == ADJ_INIT_ONES ? 1.0f : 0.0f;
    } else {
      memcpy(p[i], init + off, pbytes[i]);
      off += (int)(pbytes[i] / sizeof(float));
    }
  }
  void *in[NUM_BATCHES][3], *mask[NUM_BATCHES];
  const char *names[3] = {"x", "ids", "y"};
  for (int k = 0; k < NUM_BATCHES; ++k) {
    for (int j = 0; j < 3; ++j)
      in[k][j] = read_file(dir, names[j], k, (size_t)info->inputs[j].numel * 4);
    mask[k] = read_file(dir, "mask", k, (size_t)info->batch * sizeof(float));
  }
  for (int k = 0; k < NUM_BATCHES; ++k) {
    char name[64];
    snprintf(name, sizeof name, "grad%d.bin", k);
    float loss = -1;
    for (int i = 0; i < np; ++i)
      memset(g[i], 0xff, pbytes[i]); /* NaN: every element must be written */
    info->grad(p, in[k], mask[k], g, &loss);
    FILE *f = create(dir, name);
    put(f, &loss, sizeof loss);
    for (int i = 0; i < np; ++i)
      put(f, g[i], pbytes[i]);
    fclose(f);
  }
  float loss = -1;
  info->loss_fn(p, in[0], mask[0], &loss);
  FILE *f = create(dir, "loss.bin");
  put(f, &loss, sizeof loss);
  fclose(f);

  void *state[8];
  for (int i = 0; i < info->num_state; ++i)
    state[i] = calloc(1, (size_t)info->state[i].numel * 4);
  float step_loss[NUM_BATCHES];
  for (int k = 0; k < NUM_BATCHES; ++k)
    info->train_step(p, state, in[k], mask[k], lr, &step_loss[k]);
  f = create(dir, "steps.bin");
  put(f, step_loss, sizeof step_loss);
  for (int i = 0; i < np; ++i)
    put(f, p[i], pbytes[i]);
  fclose(f);

  size_t obytes = (size_t)info->output.numel * sizeof(float);
  float *out = malloc(obytes);
  memset(out, 0xff, obytes);
  info->predict(p, in[0], out);
  f = create(dir, "predict.bin");
  put(f, out, obytes);
  fclose(f);
  return 0;
}

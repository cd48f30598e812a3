/* Driver of torch-grad.test: calls the entry points of a compiled model
 * through their C signatures in the generated header (not through the
 * adj_model_info wrappers) on data written by torch_compare.py, and writes
 * what they return for torch_compare.py to compare with PyTorch.
 *
 *   driver DIR LR
 *
 * Reads DIR/params.bin (all params, declaration order, f32) and, for each
 * batch k in 0..NUM_BATCHES-1, DIR/x<k>.bin, DIR/t<k>.bin (labels: int32,
 * targets: f32) and DIR/mask<k>.bin (f32). Writes
 *   DIR/grad<k>.bin   loss (f32) then every gradient, from <model>_grad on
 *                     the initial params and batch k
 *   DIR/loss.bin      the first one again from <model>_loss
 *   DIR/predict.bin   <model>_predict (the output, f32) on batch 0
 *   DIR/steps.bin     the loss of each of NUM_BATCHES <model>_train_step
 *                     calls (batch k at step k), then the final params, then
 *                     the final optimizer state (if any)
 * Compile with -DMODEL_TMLP, -DMODEL_TREG, -DMODEL_TLAY or -DMODEL_TSHP and
 * -I<dir of the header>.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_BATCHES 3

#if defined(MODEL_TMLP)
#include "tmlp.h"
#define INFO tmlp_info
typedef int32_t target_t;
#define NP 6
#define NS 6
#define GRAD(p, x, t, m, loss, g)                                              \
  tmlp_grad(p[0], p[1], p[2], p[3], p[4], p[5], x, t, m, loss, g[0], g[1],    \
            g[2], g[3], g[4], g[5])
#define LOSS(p, x, t, m, loss)                                                 \
  tmlp_loss(p[0], p[1], p[2], p[3], p[4], p[5], x, t, m, loss)
#define PREDICT(p, x, out)                                                     \
  tmlp_predict(p[0], p[1], p[2], p[3], p[4], p[5], x, out)
#define STEP(p, s, x, t, m, lr, loss)                                          \
  tmlp_train_step(p[0], p[1], p[2], p[3], p[4], p[5], s[0], s[1], s[2], s[3], \
                  s[4], s[5], x, t, m, lr, loss)
#elif defined(MODEL_TREG)
#include "treg.h"
#define INFO treg_info
typedef float target_t;
#define NP 3
#define NS 0
#define GRAD(p, x, t, m, loss, g)                                              \
  treg_grad(p[0], p[1], p[2], x, t, m, loss, g[0], g[1], g[2])
#define LOSS(p, x, t, m, loss) treg_loss(p[0], p[1], p[2], x, t, m, loss)
#define PREDICT(p, x, out) treg_predict(p[0], p[1], p[2], x, out)
#define STEP(p, s, x, t, m, lr, loss)                                          \
  ((void)(s), treg_train_step(p[0], p[1], p[2], x, t, m, lr, loss))
#elif defined(MODEL_TLAY)
#include "tlay.h"
#define INFO tlay_info
typedef float target_t;
#define NP 4
#define NS 0
#define GRAD(p, x, t, m, loss, g)                                              \
  tlay_grad(p[0], p[1], p[2], p[3], x, t, m, loss, g[0], g[1], g[2], g[3])
#define LOSS(p, x, t, m, loss) tlay_loss(p[0], p[1], p[2], p[3], x, t, m, loss)
#define PREDICT(p, x, out) tlay_predict(p[0], p[1], p[2], p[3], x, out)
#define STEP(p, s, x, t, m, lr, loss)                                          \
  ((void)(s), tlay_train_step(p[0], p[1], p[2], p[3], x, t, m, lr, loss))
#elif defined(MODEL_TCNN)
#include "tcnn.h"
#define INFO tcnn_info
typedef int32_t target_t;
#define NP 9
#define NS 9
#define GRAD(p, x, t, m, loss, g)                                              \
  tcnn_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], x, t, m,    \
            loss, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8])
#define LOSS(p, x, t, m, loss)                                                 \
  tcnn_loss(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], x, t, m,    \
            loss)
#define PREDICT(p, x, out)                                                     \
  tcnn_predict(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], x, out)
#define STEP(p, s, x, t, m, lr, loss)                                          \
  tcnn_train_step(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], s[0], \
                  s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], x, t, m, lr, \
                  loss)
#elif defined(MODEL_TSHP)
#include "tshp.h"
#define INFO tshp_info
typedef float target_t;
#define NP 4
#define NS 0
#define GRAD(p, x, t, m, loss, g)                                              \
  tshp_grad(p[0], p[1], p[2], p[3], x, t, m, loss, g[0], g[1], g[2], g[3])
#define LOSS(p, x, t, m, loss) tshp_loss(p[0], p[1], p[2], p[3], x, t, m, loss)
#define PREDICT(p, x, out) tshp_predict(p[0], p[1], p[2], p[3], x, out)
#define STEP(p, s, x, t, m, lr, loss)                                          \
  ((void)(s), tshp_train_step(p[0], p[1], p[2], p[3], x, t, m, lr, loss))
#else
#error "define MODEL_TMLP, MODEL_TREG, MODEL_TLAY, MODEL_TCNN or MODEL_TSHP"
#endif

static void die(const char *what, const char *path) {
  fprintf(stderr, "driver: %s: %s\n", path, what);
  exit(1);
}

static void *read_file(const char *dir, const char *name, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
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
    fprintf(stderr, "usage: driver DIR LR\n");
    return 2;
  }
  const char *dir = argv[1];
  float lr = (float)atof(argv[2]);
  const adj_model_info *info = &INFO;
  if (info->num_params != NP || info->num_state != NS ||
      info->dtype != ADJ_F32 || info->num_inputs != 2) {
    fprintf(stderr, "driver: unexpected model description\n");
    return 1;
  }
  size_t pbytes[NP], total = 0;
  for (int i = 0; i < NP; ++i)
    total += pbytes[i] = (size_t)info->params[i].tensor.numel * sizeof(float);
  size_t xbytes = (size_t)info->inputs[0].numel * sizeof(float);
  size_t tbytes = (size_t)info->inputs[1].numel * sizeof(target_t);
  size_t mbytes = (size_t)info->batch * sizeof(float);

  float *init = read_file(dir, "params.bin", total);
  float *p[NP], *g[NP], *s[NS > 0 ? NS : 1];
  for (int i = 0, off = 0; i < NP; off += (int)(pbytes[i] / sizeof(float)), ++i) {
    p[i] = malloc(pbytes[i]);
    g[i] = malloc(pbytes[i]);
    if (i < NS)
      s[i] = calloc(1, pbytes[i]); /* momentum buffers start at zero */
    memcpy(p[i], init + off, pbytes[i]);
  }
  float *x[NUM_BATCHES], *m[NUM_BATCHES];
  target_t *t[NUM_BATCHES];
  for (int k = 0; k < NUM_BATCHES; ++k) {
    char name[64];
    snprintf(name, sizeof name, "x%d.bin", k);
    x[k] = read_file(dir, name, xbytes);
    snprintf(name, sizeof name, "t%d.bin", k);
    t[k] = read_file(dir, name, tbytes);
    snprintf(name, sizeof name, "mask%d.bin", k);
    m[k] = read_file(dir, name, mbytes);
  }

  for (int k = 0; k < NUM_BATCHES; ++k) {
    char name[64];
    snprintf(name, sizeof name, "grad%d.bin", k);
    float loss = -1;
    for (int i = 0; i < NP; ++i)
      memset(g[i], 0xff, pbytes[i]); /* NaN: every element must be written */
    GRAD(p, x[k], t[k], m[k], &loss, g);
    FILE *f = create(dir, name);
    put(f, &loss, sizeof loss);
    for (int i = 0; i < NP; ++i)
      put(f, g[i], pbytes[i]);
    fclose(f);
  }
  float loss = -1;
  LOSS(p, x[0], t[0], m[0], &loss);
  FILE *f = create(dir, "loss.bin");
  put(f, &loss, sizeof loss);
  fclose(f);
  size_t obytes = (size_t)info->output.numel * sizeof(float);
  float *out = malloc(obytes);
  memset(out, 0xff, obytes);
  PREDICT(p, x[0], out);
  f = create(dir, "predict.bin");
  put(f, out, obytes);
  fclose(f);

  float step_loss[NUM_BATCHES];
  for (int k = 0; k < NUM_BATCHES; ++k)
    STEP(p, s, x[k], t[k], m[k], lr, &step_loss[k]);
  f = create(dir, "steps.bin");
  put(f, step_loss, sizeof step_loss);
  for (int i = 0; i < NP; ++i)
    put(f, p[i], pbytes[i]);
  for (int i = 0; i < NS; ++i)
    put(f, s[i], pbytes[i]);
  fclose(f);
  return 0;
}

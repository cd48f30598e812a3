/* Embedding a compiled Adjoint trainer in a C program.
 *
 *   adjoint compile spiral.adj -o spiral       # spiral.o + spiral.h
 *   cc -O2 -I<adjoint>/runtime/include embed.c spiral.o libadjoint_rt.a -lz -lm
 *
 * The program generates two interleaved spirals, trains the model with the
 * compiled train step (parameters and momentum updated in place, no
 * framework at run time) and reports the training accuracy computed with
 * the compiled predict function. It exits 0 when the accuracy reaches the
 * threshold given as its first argument (default 0.95).
 */
#include "spiral.h"

#include "adjoint/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 512 /* samples, a multiple of the batch */
#define BATCH 32

int main(int argc, char **argv) {
  double threshold = argc > 1 ? atof(argv[1]) : 0.95;
  const adj_model_info *info = &spiral_info;
  if (info->batch != BATCH) {
    fprintf(stderr, "error: spiral.h was compiled for batch %lld\n",
            (long long)info->batch);
    return 1;
  }

  /* Data: class c in {0, 1}, radius r in (0, 1], angle 2 pi r + c pi. */
  static float xs[N][2];
  static int32_t ys[N];
  adj_rng rng;
  adj_rng_seed(&rng, 42);
  for (int i = 0; i < N; ++i) {
    int c = i % 2;
    double r = (double)(i / 2 + 1) / (N / 2);
    double t = 2.0 * M_PI * r + c * M_PI;
    xs[i][0] = (float)(r * cos(t) + 0.02 * adj_rng_normal(&rng));
    xs[i][1] = (float)(r * sin(t) + 0.02 * adj_rng_normal(&rng));
    ys[i] = c;
  }

  /* Parameters from the initializers in the model; momentum starts at 0. */
  float *params[6], *state[6];
  adj_rng_seed(&rng, info->seed);
  for (int p = 0; p < info->num_params; ++p) {
    params[p] = adj_alloc(info->params[p].tensor.numel * sizeof(float));
    state[p] = adj_alloc(info->params[p].tensor.numel * sizeof(float));
    if (!params[p] || !state[p] ||
        adj_init_param(&info->params[p], params[p], &rng) != 0) {
      fprintf(stderr, "error: %s\n", adj_last_error());
      return 1;
    }
  }

  float mask[BATCH], loss = 0, logits[BATCH][2], bx[BATCH][2];
  int32_t by[BATCH];
  int order[N];
  for (int i = 0; i < BATCH; ++i)
    mask[i] = 1.0f;
  for (int i = 0; i < N; ++i)
    order[i] = i;
  for (int64_t epoch = 0; epoch < info->epochs; ++epoch) {
    for (int i = N - 1; i > 0; --i) { /* reshuffle every epoch */
      int j = (int)adj_rng_below(&rng, (uint64_t)i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int start = 0; start < N; start += BATCH) {
      for (int i = 0; i < BATCH; ++i) {
        bx[i][0] = xs[order[start + i]][0];
        bx[i][1] = xs[order[start + i]][1];
        by[i] = ys[order[start + i]];
      }
      /* The entry point generated for this model: every tensor by pointer,
         the learning rate by value, the loss written to the last argument. */
      spiral_train_step(params[0], params[1], params[2], params[3], params[4],
                        params[5], state[0], state[1], state[2], state[3],
                        state[4], state[5], &bx[0][0], by, mask,
                        (float)info->lr, &loss);
    }
    if (!isfinite(loss)) {
      fprintf(stderr, "error: the loss diverged at epoch %lld\n",
              (long long)epoch);
      return 1;
    }
  }

  int correct = 0;
  for (int start = 0; start < N; start += BATCH) {
    spiral_predict(params[0], params[1], params[2], params[3], params[4],
                   params[5], &xs[start][0], &logits[0][0]);
    for (int i = 0; i < BATCH; ++i)
      correct += (logits[i][1] > logits[i][0]) == (ys[start + i] == 1);
  }
  double accuracy = (double)correct / N;
  printf("final loss %.4f, training accuracy %.4f\n", loss, accuracy);
  for (int p = 0; p < info->num_params; ++p) {
    adj_free(params[p]);
    adj_free(state[p]);
  }
  return accuracy >= threshold ? 0 : 1;
}

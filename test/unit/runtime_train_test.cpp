// Unit tests of the Adjoint runtime: training driver and gradient checker on
// hand-written f64 models that follow the adj_model_info conventions.
#include "adjoint/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Softmax regression: logits = x W + b, x [5, 4], W [4, 3], b [3], SGD with
// momentum (one state buffer per parameter).
//===----------------------------------------------------------------------===//

constexpr int64_t kB = 5, kF = 4, kC = 3;

// Selects a deliberately broken gradient: 0 = correct, 1 = wrong scale of
// one W element, 2 = mask ignored, 3 = one W element off by 1e-4 relative.
int gBrokenGrad = 0;

double maskSum(const double *mask, int64_t batch) {
  double s = 0;
  for (int64_t r = 0; r < batch; ++r)
    s += mask[r];
  return s > 0 ? s : 1;
}

void softmaxLogits(const double *W, const double *b, const double *x,
                   double *probs /* [kB, kC] */) {
  for (int64_t r = 0; r < kB; ++r) {
    double z[kC], mx = -INFINITY;
    for (int64_t c = 0; c < kC; ++c) {
      z[c] = b[c];
      for (int64_t f = 0; f < kF; ++f)
        z[c] += x[r * kF + f] * W[f * kC + c];
      mx = std::max(mx, z[c]);
    }
    double s = 0;
    for (int64_t c = 0; c < kC; ++c)
      s += (z[c] = std::exp(z[c] - mx));
    for (int64_t c = 0; c < kC; ++c)
      probs[r * kC + c] = z[c] / s;
  }
}

double srLoss(const double *W, const double *b, const double *x,
              const int32_t *y, const double *mask) {
  double p[kB * kC];
  softmaxLogits(W, b, x, p);
  double l = 0;
  for (int64_t r = 0; r < kB; ++r)
    if (mask[r] != 0)
      l -= mask[r] * std::log(p[r * kC + y[r]]);
  return l / maskSum(mask, kB);
}

void srGradImpl(const double *W, const double *b, const double *x,
                const int32_t *y, const double *mask, double *gW, double *gb,
                double *loss) {
  double p[kB * kC];
  softmaxLogits(W, b, x, p);
  double n = maskSum(mask, kB);
  std::memset(gW, 0, sizeof(double) * kF * kC);
  std::memset(gb, 0, sizeof(double) * kC);
  double l = 0;
  for (int64_t r = 0; r < kB; ++r) {
    double m = gBrokenGrad == 2 ? 1.0 : mask[r];
    if (mask[r] != 0)
      l -= mask[r] * std::log(p[r * kC + y[r]]);
    for (int64_t c = 0; c < kC; ++c) {
      double d = (p[r * kC + c] - (c == y[r] ? 1.0 : 0.0)) * m / n;
      gb[c] += d;
      for (int64_t f = 0; f < kF; ++f)
        gW[f * kC + c] += x[r * kF + f] * d;
    }
  }
  if (gBrokenGrad == 1)
    gW[5] *= 1.01;
  if (gBrokenGrad == 3)
    gW[7] *= 1.0001;
  *loss = l / n;
}

void srGrad(void *const *params, void *const *inputs, const void *mask,
            void *const *grads, void *loss_out) {
  srGradImpl(static_cast<const double *>(params[0]),
             static_cast<const double *>(params[1]),
             static_cast<const double *>(inputs[0]),
             static_cast<const int32_t *>(inputs[1]),
             static_cast<const double *>(mask), static_cast<double *>(grads[0]),
             static_cast<double *>(grads[1]), static_cast<double *>(loss_out));
}

void srLossFn(void *const *params, void *const *inputs, const void *mask,
              void *loss_out) {
  *static_cast<double *>(loss_out) =
      srLoss(static_cast<const double *>(params[0]),
             static_cast<const double *>(params[1]),
             static_cast<const double *>(inputs[0]),
             static_cast<const int32_t *>(inputs[1]),
             static_cast<const double *>(mask));
}

void srTrainStep(void *const *params, void *const *state, void *const *inputs,
                 const void *mask, double lr, void *loss_out) {
  double gW[kF * kC], gb[kC];
  void *grads[2] = {gW, gb};
  srGrad(params, inputs, mask, grads, loss_out);
  const double momentum = 0.9;
  double *W = static_cast<double *>(params[0]),
         *b = static_cast<double *>(params[1]);
  double *vW = static_cast<double *>(state[0]),
         *vb = static_cast<double *>(state[1]);
  for (int64_t i = 0; i < kF * kC; ++i) {
    vW[i] = momentum * vW[i] + gW[i];
    W[i] -= lr * vW[i];
  }
  for (int64_t i = 0; i < kC; ++i) {
    vb[i] = momentum * vb[i] + gb[i];
    b[i] -= lr * vb[i];
  }
}

void srPredict(void *const *params, void *const *inputs, void *out) {
  softmaxLogits(static_cast<const double *>(params[0]),
                static_cast<const double *>(params[1]),
                static_cast<const double *>(inputs[0]),
                static_cast<double *>(out));
}

adj_tensor_info tensor(const char *name, adj_dtype dt,
                       std::initializer_list<int64_t> shape) {
  adj_tensor_info t{};
  t.name = name;
  t.dtype = dt;
  t.rank = int(shape.size());
  t.numel = 1;
  int i = 0;
  for (int64_t d : shape) {
    t.shape[i++] = d;
    t.numel *= d;
  }
  return t;
}

struct SoftmaxRegression {
  adj_param_info params[2];
  adj_tensor_info state[2];
  adj_tensor_info inputs[2];
  int predictUses[2] = {1, 0};
  adj_model_info info{};

  SoftmaxRegression() {
    params[0] = {};
    params[0].tensor = tensor("w", ADJ_F64, {kF, kC});
    params[0].init = ADJ_INIT_GLOROT_UNIFORM;
    params[0].fan_in = kF;
    params[0].fan_out = kC;
    params[1] = {};
    params[1].tensor = tensor("b", ADJ_F64, {kC});
    params[1].init = ADJ_INIT_NORMAL; // non-zero so the check is meaningful
    params[1].init_b = 0.1;
    state[0] = tensor("w.velocity", ADJ_F64, {kF, kC});
    state[1] = tensor("b.velocity", ADJ_F64, {kC});
    inputs[0] = tensor("x", ADJ_F64, {kB, kF});
    inputs[1] = tensor("y", ADJ_I32, {kB});
    info.name = "softmax_regression";
    info.dtype = ADJ_F64;
    info.batch = kB;
    info.num_params = 2;
    info.params = params;
    info.num_state = 2;
    info.state = state;
    info.num_inputs = 2;
    info.inputs = inputs;
    info.predict_uses_input = predictUses;
    info.output = tensor("probs", ADJ_F64, {kB, kC});
    info.loss = ADJ_LOSS_SOFTMAX_CROSS_ENTROPY;
    info.optimizer = "momentum";
    info.lr = 0.1;
    info.momentum = 0.9;
    info.epochs = 5;
    info.seed = 1;
    info.train_step = srTrainStep;
    info.grad = srGrad;
    info.loss_fn = srLossFn;
    info.predict = srPredict;
  }
};

// The figure printed after `key` (e.g. "param w: max rel err "), or -1.
double figureAfter(const std::string &report, const std::string &key) {
  size_t at = report.find(key);
  if (at == std::string::npos)
    return -1;
  return std::strtod(report.c_str() + at + key.size(), nullptr);
}

std::string captureReport(const adj_model_info &info, double tol, int *rc,
                          double *worst) {
  FILE *f = std::tmpfile();
  *rc = adj_check_gradients(&info, 1234, tol, f, worst);
  std::rewind(f);
  std::string text;
  int c;
  while ((c = std::fgetc(f)) != EOF)
    text += char(c);
  std::fclose(f);
  return text;
}

TEST(RuntimeGradCheck, AcceptsCorrectGradient) {
  SoftmaxRegression m;
  gBrokenGrad = 0;
  int rc;
  double worst = -1;
  std::string report = captureReport(m.info, 1e-6, &rc, &worst);
  EXPECT_EQ(rc, 0) << report;
  EXPECT_GE(worst, 0.0);
  EXPECT_LT(worst, 1e-6) << report;
  EXPECT_NE(report.find("param w: max rel err "), std::string::npos) << report;
  EXPECT_NE(report.find("(12 of 12 elements checked)"), std::string::npos)
      << report;
  EXPECT_NE(report.find("param b: max rel err "), std::string::npos) << report;
  EXPECT_NE(report.find("padding rows ignored"), std::string::npos) << report;
  // The raw relative error is reported: real, non-zero figures well below the
  // tolerance (not a noise-subtracted 0 that could never fail).
  double raw_w = figureAfter(report, "param w: max rel err ");
  EXPECT_GT(raw_w, 0.0) << report;
  EXPECT_LT(raw_w, 1e-6) << report;
  EXPECT_NE(report.find(", noise-adjusted "), std::string::npos) << report;
  EXPECT_GT(figureAfter(report, "gradient check passed: max rel err "), 0.0)
      << report;
}

TEST(RuntimeGradCheck, RejectsWrongGradient) {
  SoftmaxRegression m;
  for (int broken : {1, 2, 3}) {
    gBrokenGrad = broken;
    int rc;
    double worst = 0;
    std::string report = captureReport(m.info, 1e-6, &rc, &worst);
    EXPECT_EQ(rc, 1) << "broken=" << broken << "\n" << report;
    EXPECT_GT(worst, broken == 3 ? 1e-5 : 1e-3) << report;
    EXPECT_NE(report.find("gradient check failed"), std::string::npos)
        << report;
    if (broken != 2) {
      // Only one element of w is wrong: b's figures stay small.
      double raw_b = figureAfter(report, "param b: max rel err ");
      EXPECT_GE(raw_b, 0.0) << report;
      EXPECT_LT(raw_b, 1e-6) << report;
      EXPECT_GT(figureAfter(report, "param w: max rel err "), 1e-5) << report;
    }
  }
  gBrokenGrad = 0;
}

// loss = 7 + 1e-5 * sum_k (k + 1) w_k (k < 8) + w_8^2 / 2: the gradients
// of w_0..w_7 are about 1e-6 of the loss, so one ulp of the loss is a
// relative error of about 1e-5 in their central differences. The round-off
// floor tied to the loss scale must accept the correct gradient at tol 1e-6
// (although its raw error is larger) and still reject a 10% error in it.
constexpr int kTiny = 8;
double gTinyScale = 1.0;

void tinyLoss(void *const *params, void *const *, const void *,
              void *loss_out) {
  const double *w = static_cast<const double *>(params[0]);
  double l = 7.0 + 0.5 * w[kTiny] * w[kTiny];
  for (int k = 0; k < kTiny; ++k)
    l += 1e-5 * (k + 1) * w[k];
  *static_cast<double *>(loss_out) = l;
}

void tinyGrad(void *const *params, void *const *inputs, const void *mask,
              void *const *grads, void *loss_out) {
  const double *w = static_cast<const double *>(params[0]);
  double *g = static_cast<double *>(grads[0]);
  for (int k = 0; k < kTiny; ++k)
    g[k] = 1e-5 * (k + 1);
  g[3] *= gTinyScale;
  g[kTiny] = w[kTiny];
  tinyLoss(params, inputs, mask, loss_out);
}

TEST(RuntimeGradCheck, TinyGradientsUseTheLossScaleFloor) {
  adj_param_info w{};
  w.tensor = tensor("w", ADJ_F64, {kTiny + 1});
  w.init = ADJ_INIT_NORMAL;
  w.init_b = 1.0;
  adj_model_info info{};
  info.name = "tiny";
  info.dtype = ADJ_F64;
  info.batch = 1;
  info.num_params = 1;
  info.params = &w;
  info.output = tensor("out", ADJ_F64, {1, 1});
  info.grad = tinyGrad;
  info.loss_fn = tinyLoss;
  int rc;
  double worst = 1;
  gTinyScale = 1.0;
  std::string report = captureReport(info, 1e-6, &rc, &worst);
  EXPECT_EQ(rc, 0) << report;
  EXPECT_LE(worst, 1e-6) << report;
  // The report shows the raw error honestly, even above the tolerance.
  EXPECT_GT(figureAfter(report, "param w: max rel err "), 1e-6) << report;
  gTinyScale = 1.1;
  report = captureReport(info, 1e-6, &rc, &worst);
  EXPECT_EQ(rc, 1) << report;
  EXPECT_GT(worst, 1e-2) << report;
  gTinyScale = 1.0;
}

TEST(RuntimeGradCheck, RequiresF64) {
  SoftmaxRegression m;
  adj_param_info params[2] = {m.params[0], m.params[1]};
  adj_tensor_info state[2] = {m.state[0], m.state[1]};
  adj_tensor_info inputs[2] = {m.inputs[0], m.inputs[1]};
  for (auto &p : params)
    p.tensor.dtype = ADJ_F32;
  for (auto &s : state)
    s.dtype = ADJ_F32;
  inputs[0].dtype = ADJ_F32;
  adj_model_info info = m.info;
  info.dtype = ADJ_F32;
  info.params = params;
  info.state = state;
  info.inputs = inputs;
  info.output.dtype = ADJ_F32;
  double worst;
  EXPECT_EQ(adj_check_gradients(&info, 1, 1e-6, nullptr, &worst), -1);
  EXPECT_NE(std::string(adj_last_error()).find("requires element type f64"),
            std::string::npos)
      << adj_last_error();
}

// loss = |w - c| with c just above the initial w = 1: the default step
// straddles the kink, a smaller one does not.
void kinkLoss(void *const *params, void *const *, const void *,
              void *loss_out) {
  double w = *static_cast<const double *>(params[0]);
  *static_cast<double *>(loss_out) = std::fabs(w - (1.0 + 3e-7));
}

void kinkGrad(void *const *params, void *const *inputs, const void *mask,
              void *const *grads, void *loss_out) {
  double w = *static_cast<const double *>(params[0]);
  *static_cast<double *>(grads[0]) = w < 1.0 + 3e-7 ? -1.0 : 1.0;
  kinkLoss(params, inputs, mask, loss_out);
}

TEST(RuntimeGradCheck, RetriesSmallerStepAtKinks) {
  adj_param_info w{};
  w.tensor = tensor("w", ADJ_F64, {1});
  w.init = ADJ_INIT_ONES;
  adj_model_info info{};
  info.name = "kink";
  info.dtype = ADJ_F64;
  info.batch = 2;
  info.num_params = 1;
  info.params = &w;
  info.output = tensor("out", ADJ_F64, {2, 1});
  info.grad = kinkGrad;
  info.loss_fn = kinkLoss;
  double worst = 1;
  EXPECT_EQ(adj_check_gradients(&info, 1, 1e-6, nullptr, &worst), 0)
      << adj_last_error();
  EXPECT_LT(worst, 1e-6);
}

//===----------------------------------------------------------------------===//
// Two-layer ReLU MLP, large enough that W1 is sampled (64 of 320 elements).
//===----------------------------------------------------------------------===//

constexpr int64_t kMB = 6, kMF = 20, kMH = 16, kMC = 4;

struct MlpForward {
  double h[kMB * kMH], z1[kMB * kMH], p[kMB * kMC];
};

void mlpForward(void *const *params, const double *x, MlpForward &fw) {
  const double *W1 = static_cast<const double *>(params[0]);
  const double *b1 = static_cast<const double *>(params[1]);
  const double *W2 = static_cast<const double *>(params[2]);
  const double *b2 = static_cast<const double *>(params[3]);
  for (int64_t r = 0; r < kMB; ++r) {
    for (int64_t j = 0; j < kMH; ++j) {
      double z = b1[j];
      for (int64_t f = 0; f < kMF; ++f)
        z += x[r * kMF + f] * W1[f * kMH + j];
      fw.z1[r * kMH + j] = z;
      fw.h[r * kMH + j] = z > 0 ? z : 0;
    }
    double z[kMC], mx = -INFINITY, s = 0;
    for (int64_t c = 0; c < kMC; ++c) {
      z[c] = b2[c];
      for (int64_t j = 0; j < kMH; ++j)
        z[c] += fw.h[r * kMH + j] * W2[j * kMC + c];
      mx = std::max(mx, z[c]);
    }
    for (int64_t c = 0; c < kMC; ++c)
      s += (z[c] = std::exp(z[c] - mx));
    for (int64_t c = 0; c < kMC; ++c)
      fw.p[r * kMC + c] = z[c] / s;
  }
}

double mlpLossValue(const MlpForward &fw, const int32_t *y,
                    const double *mask) {
  double l = 0, n = 0;
  for (int64_t r = 0; r < kMB; ++r) {
    n += mask[r];
    if (mask[r] != 0)
      l -= mask[r] * std::log(fw.p[r * kMC + y[r]]);
  }
  return l / (n > 0 ? n : 1);
}

void mlpLossFn(void *const *params, void *const *inputs, const void *mask,
               void *loss_out) {
  MlpForward fw;
  mlpForward(params, static_cast<const double *>(inputs[0]), fw);
  *static_cast<double *>(loss_out) =
      mlpLossValue(fw, static_cast<const int32_t *>(inputs[1]),
                   static_cast<const double *>(mask));
}

void mlpGrad(void *const *params, void *const *inputs, const void *maskv,
             void *const *grads, void *loss_out) {
  const double *x = static_cast<const double *>(inputs[0]);
  const int32_t *y = static_cast<const int32_t *>(inputs[1]);
  const double *mask = static_cast<const double *>(maskv);
  const double *W2 = static_cast<const double *>(params[2]);
  double *gW1 = static_cast<double *>(grads[0]),
         *gb1 = static_cast<double *>(grads[1]);
  double *gW2 = static_cast<double *>(grads[2]),
         *gb2 = static_cast<double *>(grads[3]);
  std::memset(gW1, 0, sizeof(double) * kMF * kMH);
  std::memset(gb1, 0, sizeof(double) * kMH);
  std::memset(gW2, 0, sizeof(double) * kMH * kMC);
  std::memset(gb2, 0, sizeof(double) * kMC);
  MlpForward fw;
  mlpForward(params, x, fw);
  double n = 0;
  for (int64_t r = 0; r < kMB; ++r)
    n += mask[r];
  n = n > 0 ? n : 1;
  for (int64_t r = 0; r < kMB; ++r) {
    double dz[kMC], dh[kMH] = {0};
    for (int64_t c = 0; c < kMC; ++c) {
      dz[c] = (fw.p[r * kMC + c] - (c == y[r])) * mask[r] / n;
      gb2[c] += dz[c];
      for (int64_t j = 0; j < kMH; ++j) {
        gW2[j * kMC + c] += fw.h[r * kMH + j] * dz[c];
        dh[j] += W2[j * kMC + c] * dz[c];
      }
    }
    for (int64_t j = 0; j < kMH; ++j) {
      double d = fw.z1[r * kMH + j] > 0 ? dh[j] : 0;
      gb1[j] += d;
      for (int64_t f = 0; f < kMF; ++f)
        gW1[f * kMH + j] += x[r * kMF + f] * d;
    }
  }
  *static_cast<double *>(loss_out) = mlpLossValue(fw, y, mask);
}

TEST(RuntimeGradCheck, MlpWithSampledElements) {
  adj_param_info params[4] = {};
  params[0].tensor = tensor("w1", ADJ_F64, {kMF, kMH});
  params[0].init = ADJ_INIT_HE_NORMAL;
  params[0].fan_in = kMF;
  params[0].fan_out = kMH;
  params[1].tensor = tensor("b1", ADJ_F64, {kMH});
  params[1].init = ADJ_INIT_ZEROS;
  params[2].tensor = tensor("w2", ADJ_F64, {kMH, kMC});
  params[2].init = ADJ_INIT_GLOROT_NORMAL;
  params[2].fan_in = kMH;
  params[2].fan_out = kMC;
  params[3].tensor = tensor("b2", ADJ_F64, {kMC});
  params[3].init = ADJ_INIT_ZEROS;
  adj_tensor_info inputs[2] = {tensor("x", ADJ_F64, {kMB, kMF}),
                               tensor("y", ADJ_I32, {kMB})};
  int uses[2] = {1, 0};
  adj_model_info info{};
  info.name = "mlp";
  info.dtype = ADJ_F64;
  info.batch = kMB;
  info.num_params = 4;
  info.params = params;
  info.num_inputs = 2;
  info.inputs = inputs;
  info.predict_uses_input = uses;
  info.output = tensor("logits", ADJ_F64, {kMB, kMC});
  info.grad = mlpGrad;
  info.loss_fn = mlpLossFn;
  for (uint64_t seed : {1u, 2u, 3u}) {
    FILE *f = std::tmpfile();
    double worst = 1;
    int rc = adj_check_gradients(&info, seed, 1e-6, f, &worst);
    std::rewind(f);
    std::string report;
    int c;
    while ((c = std::fgetc(f)) != EOF)
      report += char(c);
    std::fclose(f);
    EXPECT_EQ(rc, 0) << report;
    EXPECT_NE(report.find("param w1: max rel err"), std::string::npos);
    EXPECT_NE(report.find("(64 of 320 elements checked)"), std::string::npos)
        << report;
    EXPECT_NE(report.find("(4 of 4 elements checked)"), std::string::npos);
    if (seed == 1)
      std::printf("%s", report.c_str());
  }
}

//===----------------------------------------------------------------------===//
// Training driver.
//===----------------------------------------------------------------------===//

// Three well-separated Gaussian blobs in 4-d; n is not a multiple of the
// batch so every epoch ends with a partial batch.
adj_dataset blobs(int64_t n, uint64_t seed, int64_t features = kF) {
  adj_rng r;
  adj_rng_seed(&r, seed);
  std::vector<double> x(n * features);
  std::vector<int32_t> y(n);
  for (int64_t i = 0; i < n; ++i) {
    int32_t c = int32_t(adj_rng_below(&r, kC));
    y[i] = c;
    for (int64_t f = 0; f < features; ++f)
      x[i * features + f] =
          (f % kC == c ? 2.0 : -1.0) + 0.5 * adj_rng_normal(&r);
  }
  adj_dataset ds;
  EXPECT_EQ(
      adj_dataset_from_memory(ADJ_F64, n, features, x.data(), y.data(), &ds),
      0);
  return ds;
}

TEST(RuntimeTrainer, AccuracyRisesAndNoAllocationPerStep) {
  SoftmaxRegression m;
  gBrokenGrad = 0;
  adj_dataset train = blobs(103, 11), test = blobs(41, 12);
  adj_trainer t;
  ASSERT_EQ(adj_trainer_init(&t, &m.info, 7), 0) << adj_last_error();
  EXPECT_EQ(t.lr, 0.1);
  for (int i = 0; i < 2; ++i) {
    const double *v = static_cast<const double *>(t.state[i]);
    for (int64_t k = 0; k < m.state[i].numel; ++k)
      ASSERT_EQ(v[k], 0.0);
  }
  double acc0, loss0;
  ASSERT_EQ(adj_evaluate(&t, &test, &acc0, &loss0), 0) << adj_last_error();

  adj_epoch_stats st;
  ASSERT_EQ(adj_train_epoch(&t, &train, &st), 0) << adj_last_error();
  EXPECT_EQ(st.epoch, 1);
  EXPECT_EQ(st.samples, 103);
  EXPECT_TRUE(std::isfinite(st.loss));
  EXPECT_GT(st.samples_per_sec, 0);
  double first_loss = st.loss;

  uint64_t allocs = adj_alloc_count();
  for (int e = 0; e < 4; ++e)
    ASSERT_EQ(adj_train_epoch(&t, &train, &st), 0);
  double acc, loss;
  ASSERT_EQ(adj_evaluate(&t, &test, &acc, &loss), 0);
  EXPECT_EQ(adj_alloc_count(), allocs) << "allocation during training";
  EXPECT_EQ(st.epoch, 5);
  EXPECT_LT(st.loss, first_loss);
  EXPECT_LT(loss, loss0);
  EXPECT_GT(acc, 0.95);
  EXPECT_GT(acc, acc0);

  // adj_train prints one progress line per epoch in the documented format.
  FILE *f = std::tmpfile();
  double final_acc = 0;
  ASSERT_EQ(adj_train(&t, &train, &test, 2, f, &final_acc), 0);
  std::rewind(f);
  char line[256];
  ASSERT_NE(std::fgets(line, sizeof line, f), nullptr);
  EXPECT_EQ(std::strncmp(line, "epoch 1/2  loss ", 16), 0) << line;
  EXPECT_NE(std::strstr(line, "  test-acc "), nullptr) << line;
  EXPECT_NE(std::strstr(line, "  samples/s "), nullptr) << line;
  ASSERT_NE(std::fgets(line, sizeof line, f), nullptr);
  EXPECT_EQ(std::strncmp(line, "epoch 2/2", 9), 0) << line;
  EXPECT_EQ(std::fgets(line, sizeof line, f), nullptr);
  std::fclose(f);
  EXPECT_GT(final_acc, 0.95);

  adj_trainer_free(&t);
  adj_dataset_free(&train);
  adj_dataset_free(&test);
}

TEST(RuntimeTrainer, SameSeedSameResult) {
  SoftmaxRegression m;
  adj_dataset train = blobs(37, 5);
  double losses[2];
  std::vector<double> w[2];
  for (int k = 0; k < 2; ++k) {
    adj_trainer t;
    ASSERT_EQ(adj_trainer_init(&t, &m.info, 99), 0);
    adj_epoch_stats st;
    for (int e = 0; e < 3; ++e)
      ASSERT_EQ(adj_train_epoch(&t, &train, &st), 0);
    losses[k] = st.loss;
    const double *p = static_cast<const double *>(t.params[0]);
    w[k].assign(p, p + kF * kC);
    adj_trainer_free(&t);
  }
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_EQ(w[0], w[1]);
  adj_dataset_free(&train);
}

TEST(RuntimeTrainer, EvaluateIgnoresPaddingRows) {
  SoftmaxRegression m;
  adj_trainer t;
  ASSERT_EQ(adj_trainer_init(&t, &m.info, 3), 0);
  // 7 samples = one full batch + 2 valid rows. Compare with per-sample loss.
  adj_dataset ds = blobs(7, 8);
  double acc, loss;
  ASSERT_EQ(adj_evaluate(&t, &ds, &acc, &loss), 0);
  const double *W = static_cast<const double *>(t.params[0]);
  const double *b = static_cast<const double *>(t.params[1]);
  double expected = 0;
  int correct = 0;
  for (int64_t i = 0; i < 7; ++i) {
    double x[kB * kF] = {0}, mask[kB] = {1, 0, 0, 0, 0};
    int32_t y[kB] = {0};
    std::memcpy(x, static_cast<const double *>(ds.features) + i * kF,
                sizeof(double) * kF);
    y[0] = ds.labels[i];
    expected += srLoss(W, b, x, y, mask);
    double p[kB * kC];
    softmaxLogits(W, b, x, p);
    int best = 0;
    for (int c = 1; c < kC; ++c)
      if (p[c] > p[best])
        best = c;
    correct += best == y[0];
  }
  EXPECT_NEAR(loss, expected / 7, 1e-12);
  EXPECT_DOUBLE_EQ(acc, correct / 7.0);
  adj_dataset_free(&ds);
  adj_trainer_free(&t);
}

TEST(RuntimeTrainer, ReportsShapeMismatchAndUnsupportedModels) {
  SoftmaxRegression m;
  adj_trainer t;
  ASSERT_EQ(adj_trainer_init(&t, &m.info, 3), 0);
  adj_dataset wide = blobs(10, 1, 6);
  adj_epoch_stats st;
  EXPECT_NE(adj_train_epoch(&t, &wide, &st), 0);
  std::string msg = adj_last_error();
  EXPECT_NE(msg.find("expects 4 features per row"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has 6 features per sample"), std::string::npos) << msg;
  double acc;
  EXPECT_NE(adj_evaluate(&t, &wide, &acc, nullptr), 0);
  adj_dataset_free(&wide);

  // Labels beyond the number of classes.
  double x[2 * kF] = {0};
  int32_t y[2] = {0, 3};
  adj_dataset bad;
  ASSERT_EQ(adj_dataset_from_memory(ADJ_F64, 2, kF, x, y, &bad), 0);
  EXPECT_NE(adj_train_epoch(&t, &bad, &st), 0);
  EXPECT_NE(std::string(adj_last_error()).find("out of range"),
            std::string::npos);
  adj_dataset_free(&bad);

  // f32 dataset for an f64 model.
  float xf[2 * kF] = {0};
  int32_t yf[2] = {0, 1};
  adj_dataset f32;
  ASSERT_EQ(adj_dataset_from_memory(ADJ_F32, 2, kF, xf, yf, &f32), 0);
  EXPECT_NE(adj_train_epoch(&t, &f32, &st), 0);
  adj_dataset_free(&f32);
  adj_trainer_free(&t);

  // An MSE model with float targets is reported as unsupported.
  adj_model_info mse = m.info;
  adj_tensor_info inputs[2] = {m.inputs[0], tensor("t", ADJ_F64, {kB, kC})};
  mse.inputs = inputs;
  mse.loss = ADJ_LOSS_MSE;
  ASSERT_EQ(adj_trainer_init(&t, &mse, 3), 0) << adj_last_error();
  adj_dataset ds = blobs(10, 2);
  EXPECT_NE(adj_train_epoch(&t, &ds, &st), 0);
  EXPECT_NE(std::string(adj_last_error()).find("unsupported"),
            std::string::npos)
      << adj_last_error();
  adj_dataset_free(&ds);
  adj_trainer_free(&t);

  // Inconsistent model descriptions are rejected up front.
  adj_model_info broken = m.info;
  adj_tensor_info out = broken.output;
  out.numel = 99;
  broken.output = out;
  EXPECT_NE(adj_trainer_init(&t, &broken, 1), 0);
  broken = m.info;
  broken.batch = 0;
  EXPECT_NE(adj_trainer_init(&t, &broken, 1), 0);
  broken = m.info;
  broken.train_step = nullptr;
  EXPECT_NE(adj_trainer_init(&t, &broken, 1), 0);
  adj_trainer_free(&t); // safe on a failed init
}

} // namespace

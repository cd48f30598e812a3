// Unit tests of gradient-health monitoring (adjoint/health.h): the norm,
// update-ratio and threshold computations, and the warnings, records, loss
// check and files of a monitored training run of a hand-written linear
// classifier whose gradient the tests control (zero, huge, NaN, a parameter
// that is not trained, a NaN or infinite loss at a chosen step).
#include "adjoint/checkpoint.h"
#include "adjoint/health.h"
#include "adjoint/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string tmpPath(const std::string &name) {
  return std::string(ADJOINT_TEST_TMPDIR) + "/runtime_health_" + name;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string readStream(FILE *f) {
  std::rewind(f);
  std::string text;
  int c;
  while ((c = std::fgetc(f)) != EOF)
    text += char(c);
  return text;
}

size_t countOf(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

TEST(RuntimeHealthStats, Norms) {
  const double d[4] = {3, -4, 0, 1};
  double l2 = -1, mx = -1;
  adj_tensor_norms(d, ADJ_F64, 4, &l2, &mx);
  EXPECT_DOUBLE_EQ(l2, std::sqrt(26.0));
  EXPECT_EQ(mx, 4.0);
  const float f[2] = {3.0f, -4.0f};
  adj_tensor_norms(f, ADJ_F32, 2, &l2, &mx);
  EXPECT_DOUBLE_EQ(l2, 5.0);
  EXPECT_EQ(mx, 4.0);
  // Scaled by the max: no overflow of the squares, no underflow either.
  const double big[2] = {3e200, -4e200};
  adj_tensor_norms(big, ADJ_F64, 2, &l2, &mx);
  EXPECT_NEAR(l2 / 5e200, 1.0, 1e-15);
  const double tiny[2] = {3e-200, 4e-200};
  adj_tensor_norms(tiny, ADJ_F64, 2, &l2, &mx);
  EXPECT_NEAR(l2 / 5e-200, 1.0, 1e-15);
  const float fbig[2] = {3e30f, 4e30f}; // squares overflow in float
  adj_tensor_norms(fbig, ADJ_F32, 2, &l2, nullptr);
  EXPECT_NEAR(l2 / 5e30, 1.0, 1e-6);
  // Zeros, nothing, NaN, infinity.
  const double zeros[3] = {0, -0.0, 0};
  adj_tensor_norms(zeros, ADJ_F64, 3, &l2, &mx);
  EXPECT_EQ(l2, 0.0);
  EXPECT_EQ(mx, 0.0);
  adj_tensor_norms(d, ADJ_F64, 0, &l2, &mx);
  EXPECT_EQ(l2, 0.0);
  const double withNan[3] = {1, NAN, INFINITY};
  adj_tensor_norms(withNan, ADJ_F64, 3, &l2, &mx);
  EXPECT_TRUE(std::isnan(l2));
  EXPECT_TRUE(std::isnan(mx));
  const float withInf[2] = {1.0f, -INFINITY};
  adj_tensor_norms(withInf, ADJ_F32, 2, &l2, &mx);
  EXPECT_EQ(l2, INFINITY);
  EXPECT_EQ(mx, INFINITY);
}

TEST(RuntimeHealthStats, UpdateRatio) {
  const double before[2] = {3, 4}, after[2] = {6, 8};
  EXPECT_DOUBLE_EQ(adj_update_ratio(before, after, ADJ_F64, 2), 1.0);
  EXPECT_EQ(adj_update_ratio(before, before, ADJ_F64, 2), 0.0);
  const float fb[2] = {3.0f, 4.0f}, fa[2] = {3.0f, 4.5f};
  EXPECT_DOUBLE_EQ(adj_update_ratio(fb, fa, ADJ_F32, 2), 0.1);
  // A zero parameter: 0 if it stays zero, +inf if it moves.
  const double zero[2] = {0, 0}, moved[2] = {0, 1e-30};
  EXPECT_EQ(adj_update_ratio(zero, zero, ADJ_F64, 2), 0.0);
  EXPECT_EQ(adj_update_ratio(zero, moved, ADJ_F64, 2), INFINITY);
  const double nan[2] = {3, NAN};
  EXPECT_TRUE(std::isnan(adj_update_ratio(before, nan, ADJ_F64, 2)));
  EXPECT_TRUE(std::isnan(adj_update_ratio(nan, before, ADJ_F64, 2)));
}

TEST(RuntimeHealthStats, Thresholds) {
  const double v = ADJ_HEALTH_VANISH_TOL, x = ADJ_HEALTH_EXPLODE_TOL;
  EXPECT_EQ(v, 1e-7);
  EXPECT_EQ(x, 1e3);
  auto cls = [&](double g, double p) {
    return adj_classify_gradient(g, p, v, x);
  };
  EXPECT_EQ(cls(0.0, 0.0), ADJ_GRAD_VANISHING);
  EXPECT_EQ(cls(0.0, 5.0), ADJ_GRAD_VANISHING);
  EXPECT_EQ(cls(5e-8, 1.0), ADJ_GRAD_VANISHING);
  EXPECT_EQ(cls(5e-8, 0.01), ADJ_GRAD_VANISHING); // max(1, |p|) = 1
  EXPECT_EQ(cls(2e-7, 0.01), ADJ_GRAD_OK);
  EXPECT_EQ(cls(5e-6, 100.0), ADJ_GRAD_VANISHING); // < 1e-7 * 100
  EXPECT_EQ(cls(2e-5, 100.0), ADJ_GRAD_OK);
  EXPECT_EQ(cls(1.0, 1.0), ADJ_GRAD_OK);
  EXPECT_EQ(cls(999.0, 0.5), ADJ_GRAD_OK);
  EXPECT_EQ(cls(1001.0, 0.5), ADJ_GRAD_EXPLODING);
  EXPECT_EQ(cls(5000.0, 10.0), ADJ_GRAD_OK); // <= 1e3 * 10
  EXPECT_EQ(cls(2e4, 10.0), ADJ_GRAD_EXPLODING);
  EXPECT_EQ(cls(NAN, 1.0), ADJ_GRAD_EXPLODING);
  EXPECT_EQ(cls(INFINITY, 1.0), ADJ_GRAD_EXPLODING);
  EXPECT_EQ(cls(1.0, NAN), ADJ_GRAD_OK); // a broken |p| scales by 1
  EXPECT_STREQ(adj_grad_health_name(ADJ_GRAD_VANISHING), "vanishing");
  EXPECT_STREQ(adj_grad_health_name(ADJ_GRAD_EXPLODING), "exploding");
  EXPECT_STREQ(adj_grad_health_name(ADJ_GRAD_OK), "ok");
}

//===----------------------------------------------------------------------===//
// A linear classifier x [4, 3] -> 2 classes with plain SGD, f64. The loss is
// the real softmax cross-entropy; the gradient is the real one scaled per
// parameter by gCtl (so it can vanish, explode or be NaN), and train_step
// applies exactly that gradient (or leaves b alone when it is "frozen").
//===----------------------------------------------------------------------===//

constexpr int64_t kB = 4, kF = 3, kC = 2;

struct Control {
  double scaleW = 1, scaleB = 1;
  bool nanGradW = false; // a NaN element in w's gradient from `grad`
  bool freezeB = false;
  int badLossAtCall = 0; // train_step call (1-based) whose loss is badLoss
  double badLoss = NAN;
  int calls = 0;
};
Control gCtl;

void gradImpl(void *const *params, void *const *inputs, const void *mask,
              double *gW, double *gb, double *loss) {
  const double *W = static_cast<const double *>(params[0]);
  const double *b = static_cast<const double *>(params[1]);
  const double *x = static_cast<const double *>(inputs[0]);
  const int32_t *y = static_cast<const int32_t *>(inputs[1]);
  const double *m = static_cast<const double *>(mask);
  double n = 0;
  for (int64_t r = 0; r < kB; ++r)
    n += m[r];
  if (n == 0)
    n = 1;
  std::memset(gW, 0, sizeof(double) * kF * kC);
  std::memset(gb, 0, sizeof(double) * kC);
  double l = 0;
  for (int64_t r = 0; r < kB; ++r) {
    double z[kC], mx = -INFINITY, s = 0;
    for (int64_t c = 0; c < kC; ++c) {
      z[c] = b[c];
      for (int64_t f = 0; f < kF; ++f)
        z[c] += x[r * kF + f] * W[f * kC + c];
      mx = std::max(mx, z[c]);
    }
    for (int64_t c = 0; c < kC; ++c)
      s += (z[c] = std::exp(z[c] - mx));
    if (m[r] != 0)
      l -= m[r] * std::log(z[y[r]] / s);
    for (int64_t c = 0; c < kC; ++c) {
      double d = (z[c] / s - (c == y[r] ? 1.0 : 0.0)) * m[r] / n;
      gb[c] += d * gCtl.scaleB;
      for (int64_t f = 0; f < kF; ++f)
        gW[f * kC + c] += x[r * kF + f] * d * gCtl.scaleW;
    }
  }
  *loss = l / n;
}

void linGrad(void *const *params, void *const *inputs, const void *mask,
             void *const *grads, void *loss_out) {
  gradImpl(params, inputs, mask, static_cast<double *>(grads[0]),
           static_cast<double *>(grads[1]), static_cast<double *>(loss_out));
  if (gCtl.nanGradW) // only what the monitor sees: training stays finite
    static_cast<double *>(grads[0])[1] = NAN;
}

void linLoss(void *const *params, void *const *inputs, const void *mask,
             void *loss_out) {
  double gW[kF * kC], gb[kC];
  gradImpl(params, inputs, mask, gW, gb, static_cast<double *>(loss_out));
}

void linTrainStep(void *const *params, void *const *state, void *const *inputs,
                  const void *mask, double lr, void *loss_out) {
  (void)state;
  double gW[kF * kC], gb[kC];
  double *loss = static_cast<double *>(loss_out);
  gradImpl(params, inputs, mask, gW, gb, loss);
  if (++gCtl.calls == gCtl.badLossAtCall)
    *loss = gCtl.badLoss;
  double *W = static_cast<double *>(params[0]);
  double *b = static_cast<double *>(params[1]);
  for (int64_t i = 0; i < kF * kC; ++i)
    W[i] -= lr * gW[i];
  if (!gCtl.freezeB)
    for (int64_t i = 0; i < kC; ++i)
      b[i] -= lr * gb[i];
}

void linPredict(void *const *params, void *const *inputs, void *out) {
  const double *W = static_cast<const double *>(params[0]);
  const double *b = static_cast<const double *>(params[1]);
  const double *x = static_cast<const double *>(inputs[0]);
  double *o = static_cast<double *>(out);
  for (int64_t r = 0; r < kB; ++r)
    for (int64_t c = 0; c < kC; ++c) {
      o[r * kC + c] = b[c];
      for (int64_t f = 0; f < kF; ++f)
        o[r * kC + c] += x[r * kF + f] * W[f * kC + c];
    }
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

struct Linear {
  adj_param_info params[2];
  adj_tensor_info inputs[2];
  int predictUses[2] = {1, 0};
  adj_model_info info{};

  explicit Linear(const char *wName = "w", const char *bName = "b") {
    params[0] = {};
    params[0].tensor = tensor(wName, ADJ_F64, {kF, kC});
    params[0].init = ADJ_INIT_GLOROT_UNIFORM;
    params[0].fan_in = kF;
    params[0].fan_out = kC;
    params[1] = {};
    params[1].tensor = tensor(bName, ADJ_F64, {kC});
    params[1].init = ADJ_INIT_NORMAL;
    params[1].init_b = 0.5;
    inputs[0] = tensor("x", ADJ_F64, {kB, kF});
    inputs[1] = tensor("y", ADJ_I32, {kB});
    info.name = "linear";
    info.dtype = ADJ_F64;
    info.batch = kB;
    info.num_params = 2;
    info.params = params;
    info.num_inputs = 2;
    info.inputs = inputs;
    info.predict_uses_input = predictUses;
    info.output = tensor("logits", ADJ_F64, {kB, kC});
    info.loss = ADJ_LOSS_SOFTMAX_CROSS_ENTROPY;
    info.optimizer = "sgd";
    info.lr = 0.5;
    info.epochs = 2;
    info.seed = 1;
    info.train_step = linTrainStep;
    info.grad = linGrad;
    info.loss_fn = linLoss;
    info.predict = linPredict;
  }
};

// 10 samples: 3 batches per epoch (4 + 4 + 2 valid rows).
adj_dataset data(int64_t n = 10) {
  std::vector<double> x(static_cast<size_t>(n * kF));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = int32_t(i % 2);
    for (int64_t f = 0; f < kF; ++f)
      x[size_t(i * kF + f)] =
          (y[size_t(i)] ? 1.0 : -1.0) * (f + 1) * 0.3 + 0.1 * double(i % 3);
  }
  adj_dataset ds;
  EXPECT_EQ(adj_dataset_from_memory(ADJ_F64, n, kF, x.data(), y.data(), &ds),
            0);
  return ds;
}

// A trainer, a monitor whose warnings go to a temporary stream, and data.
struct Monitored {
  Linear model;
  adj_trainer t{};
  adj_health h{};
  adj_dataset train = data(), test = data(6);
  FILE *warnings = std::tmpfile();

  explicit Monitored(int64_t statsEvery, const char *log = nullptr,
               const char *svg = nullptr, Linear m = Linear())
      : model(m) {
    gCtl = Control();
    model.info.params = model.params;
    model.info.inputs = model.inputs;
    model.info.predict_uses_input = model.predictUses;
    EXPECT_EQ(adj_trainer_init(&t, &model.info, 5), 0) << adj_last_error();
    adj_health_options o;
    adj_health_default_options(&o);
    o.stats_every = statsEvery;
    o.log_path = log;
    o.svg_path = svg;
    o.warnings = warnings;
    EXPECT_EQ(adj_health_init(&h, &model.info, &o), 0) << adj_last_error();
  }
  ~Monitored() {
    adj_health_free(&h);
    adj_trainer_free(&t);
    adj_dataset_free(&train);
    adj_dataset_free(&test);
    std::fclose(warnings);
  }
  int train_to(int64_t epochs) {
    double acc = 0;
    return adj_train_monitored(&t, &train, &test, epochs, nullptr, nullptr,
                               &h, &acc);
  }
  std::string text() { return readStream(warnings); }
};

TEST(RuntimeHealth, RecordsEveryStepAndSampledStatistics) {
  Monitored r(2);
  uint64_t allocs = adj_alloc_count();
  ASSERT_EQ(r.train_to(2), 0) << adj_last_error();
  // Gradient buffers and the parameter copy were allocated by
  // adj_health_init; the records once, before the first step.
  EXPECT_EQ(adj_alloc_count(), allocs + 1) << "only the shuffle order";
  EXPECT_EQ(r.h.cap_steps, 6);
  ASSERT_EQ(r.h.num_steps, 6);
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(r.h.steps[i].step, i + 1);
    EXPECT_EQ(r.h.steps[i].epoch, i / 3 + 1);
    EXPECT_TRUE(std::isfinite(r.h.steps[i].loss));
    EXPECT_EQ(r.h.steps[i].lr, 0.5);
  }
  // Steps 1, 3, 5 are sampled, both parameters each time.
  ASSERT_EQ(r.h.num_stats, 6);
  const int64_t sampled[3] = {1, 3, 5};
  for (int64_t i = 0; i < 6; ++i) {
    const adj_health_stats &s = r.h.stats[i];
    EXPECT_EQ(s.step, sampled[i / 2]);
    EXPECT_EQ(s.param, int(i % 2));
    EXPECT_GT(s.grad_norm, 0);
    EXPECT_GT(s.grad_maxabs, 0);
    EXPECT_LE(s.grad_maxabs, s.grad_norm);
    // Plain SGD moves p by lr * g: the update ratio is lr ||g|| / ||p||,
    // which checks that the separate sweep saw the step's own gradient.
    EXPECT_NEAR(s.update_ratio, 0.5 * s.grad_norm / s.param_norm,
                1e-12 * s.update_ratio);
  }
  ASSERT_EQ(r.h.num_epochs, 2);
  EXPECT_EQ(r.h.epochs[0].epoch, 1);
  EXPECT_EQ(r.h.epochs[0].last_step, 3);
  EXPECT_EQ(r.h.epochs[1].last_step, 6);
  EXPECT_GE(r.h.epochs[1].test_accuracy, 0.0);
  EXPECT_GE(r.h.epochs[1].seconds, r.h.epochs[1].stats_seconds);
  EXPECT_EQ(r.text(), "") << "a healthy run prints no warning";
  EXPECT_EQ(r.h.num_vanishing + r.h.num_exploding, 0);

  // Resuming the count: 2 more epochs continue at step 7 (the records
  // grow once for them).
  ASSERT_EQ(r.train_to(4), 0) << adj_last_error();
  ASSERT_EQ(r.h.num_steps, 12);
  EXPECT_EQ(r.h.steps[6].step, 7);
  EXPECT_EQ(r.h.steps[6].epoch, 3);
  EXPECT_EQ(r.h.stats[r.h.num_stats - 1].step, 11);
  EXPECT_EQ(r.h.num_epochs, 4);
}

TEST(RuntimeHealth, StatisticsDoNotChangeTraining) {
  std::vector<double> w[2];
  for (int k = 0; k < 2; ++k) {
    Monitored r(k == 0 ? 0 : 1);
    ASSERT_EQ(r.train_to(3), 0);
    EXPECT_EQ(r.h.num_stats, k == 0 ? 0 : 9 * 2);
    const double *p = static_cast<const double *>(r.t.params[0]);
    w[k].assign(p, p + kF * kC);
  }
  EXPECT_EQ(w[0], w[1]);
}

TEST(RuntimeHealth, ZeroGradientWarnsVanishingOncePerEpoch) {
  Monitored r(1, nullptr, nullptr, Linear("weights", "bias"));
  gCtl.scaleW = 0; // the weights get no gradient at all
  ASSERT_EQ(r.train_to(2), 0) << adj_last_error();
  std::string text = r.text();
  EXPECT_NE(text.find("warning: step 1: gradient of parameter weights is "
                      "vanishing: L2 norm 0 (parameter norm "),
            std::string::npos)
      << text;
  // Once per epoch although every one of the 6 steps is sampled.
  EXPECT_NE(text.find("warning: step 4: gradient of parameter weights is "
                      "vanishing"),
            std::string::npos)
      << text;
  EXPECT_EQ(countOf(text, "warning:"), 2u) << text;
  EXPECT_EQ(text.find("bias"), std::string::npos) << text;
  EXPECT_EQ(r.h.num_vanishing, 2);
  // Not mistaken for a frozen parameter: its gradient is the problem.
  EXPECT_EQ(r.h.frozen[0], 0);
}

TEST(RuntimeHealth, TinyGradientRelativeToTheParameterVanishes) {
  Monitored r(3);
  gCtl.scaleB = 1e-9; // ~1e-10, below 1e-7 * max(1, |b|)
  ASSERT_EQ(r.train_to(1), 0) << adj_last_error();
  std::string text = r.text();
  EXPECT_NE(text.find("warning: step 1: gradient of parameter b is "
                      "vanishing: L2 norm "),
            std::string::npos)
      << text;
  EXPECT_EQ(countOf(text, "warning:"), 1u) << text;
}

TEST(RuntimeHealth, HugeGradientWarnsExploding) {
  Monitored r(1);
  gCtl.scaleB = 1e7;
  r.t.lr = 0; // no update: the run stays finite
  ASSERT_EQ(r.train_to(1), 0) << adj_last_error();
  std::string text = r.text();
  EXPECT_NE(text.find("warning: step 1: gradient of parameter b is "
                      "exploding: L2 norm "),
            std::string::npos)
      << text;
  EXPECT_EQ(countOf(text, "warning:"), 1u) << text;
  EXPECT_EQ(r.h.num_exploding, 1);
  // lr = 0 moved nothing: no parameter is taken for frozen.
  EXPECT_EQ(r.h.frozen[0] + r.h.frozen[1], 0);
}

TEST(RuntimeHealth, NanGradientWarnsExploding) {
  Monitored r(2);
  gCtl.nanGradW = true;
  r.t.lr = 0;
  ASSERT_EQ(r.train_to(2), 0) << adj_last_error();
  std::string text = r.text();
  EXPECT_NE(text.find("warning: step 1: gradient of parameter w is "
                      "exploding: L2 norm nan"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("warning: step 5: gradient of parameter w is "
                      "exploding: L2 norm nan"),
            std::string::npos)
      << text;
  EXPECT_EQ(countOf(text, "warning:"), 2u) << text;
}

TEST(RuntimeHealth, FrozenParameterIsNotReportedAsVanishing) {
  Monitored r(1);
  gCtl.freezeB = true; // train_step never updates b
  adj_epoch_stats st;
  ASSERT_EQ(adj_train_epoch_monitored(&r.t, &r.train, &r.h, &st), 0)
      << adj_last_error();
  EXPECT_EQ(r.h.frozen[1], 1) << "b has a gradient but does not move";
  EXPECT_EQ(r.h.frozen[0], 0);
  // Now b's gradient vanishes too: no warning for a frozen parameter, but
  // one for w when its gradient vanishes.
  gCtl.scaleB = 0;
  gCtl.scaleW = 0;
  ASSERT_EQ(adj_train_epoch_monitored(&r.t, &r.train, &r.h, &st), 0)
      << adj_last_error();
  std::string text = r.text();
  EXPECT_NE(text.find("warning: step 4: gradient of parameter w is "
                      "vanishing"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("parameter b "), std::string::npos) << text;
}

TEST(RuntimeHealth, NanLossStopsTraining) {
  for (double bad : {double(NAN), double(INFINITY)}) {
    Monitored r(0);
    gCtl.badLossAtCall = 5;
    gCtl.badLoss = bad;
    EXPECT_EQ(r.train_to(3), -1);
    const char *word = std::isnan(bad) ? "nan" : "inf";
    std::string err = adj_last_error();
    EXPECT_NE(err.find(std::string("step 5 (epoch 2): the loss is ") + word),
              std::string::npos)
        << err;
    EXPECT_EQ(r.text(), std::string("warning: step 5: the loss is ") + word +
                            "\n");
    EXPECT_EQ(r.h.num_steps, 5);
    EXPECT_EQ(r.h.num_epochs, 1);
    EXPECT_EQ(r.t.epochs_done, 1) << "the second epoch did not finish";
    EXPECT_NE(std::string(r.h.stopped).find("step 5"), std::string::npos);
  }
}

TEST(RuntimeHealth, Options) {
  Linear m;
  adj_health h;
  adj_health_options o;
  adj_health_default_options(&o);
  EXPECT_EQ(o.stats_every, 0);
  EXPECT_EQ(o.warnings, stderr);
  o.stats_every = -1;
  EXPECT_EQ(adj_health_init(&h, &m.info, &o), -1);
  EXPECT_NE(std::string(adj_last_error()).find("--stats-every"),
            std::string::npos);
  o.stats_every = 5;
  o.log_path = "run.txt";
  EXPECT_EQ(adj_health_init(&h, &m.info, &o), -1);
  EXPECT_EQ(std::string(adj_last_error()),
            "run.txt: the log file name must end in .csv or .json");
  std::string missing = tmpPath("no-such-dir/log.csv");
  o.log_path = missing.c_str();
  EXPECT_EQ(adj_health_init(&h, &m.info, &o), -1);
  EXPECT_NE(std::string(adj_last_error()).find(missing + ": cannot open"),
            std::string::npos)
      << adj_last_error();
  o.log_path = nullptr;
  adj_model_info nograd = m.info;
  nograd.grad = nullptr;
  EXPECT_EQ(adj_health_init(&h, &nograd, &o), -1);
  EXPECT_NE(std::string(adj_last_error()).find("no grad entry point"),
            std::string::npos);
  o.stats_every = 0; // the loss check alone needs no grad
  EXPECT_EQ(adj_health_init(&h, &nograd, &o), 0) << adj_last_error();
  EXPECT_EQ(h.grads, nullptr);
  adj_health_free(&h);
}

TEST(RuntimeHealth, LogsAndChart) {
  std::string csv = tmpPath("log.csv"), json = tmpPath("log.json"),
              svg = tmpPath("chart.svg");
  std::remove(csv.c_str());
  std::remove(json.c_str());
  std::remove(svg.c_str());
  {
    Monitored r(2, csv.c_str(), svg.c_str(), Linear("w<1>", "b&c"));
    gCtl.badLossAtCall = 6; // the last step's loss is NaN
    EXPECT_EQ(r.train_to(2), -1);
    EXPECT_FALSE(exists(csv)) << "nothing is written before finish";
    ASSERT_EQ(adj_health_finish(&r.h), 0) << adj_last_error();
    EXPECT_FALSE(exists(csv + ".tmp"));
    EXPECT_FALSE(exists(svg + ".tmp"));

    std::string text = readFile(csv);
    EXPECT_EQ(text.find("kind,step,epoch,loss,lr,param,grad_norm,"
                        "grad_maxabs,param_norm,update_ratio,train_loss,"
                        "test_accuracy,seconds,stats_seconds\nstep,1,1,"),
              0u)
        << text;
    EXPECT_EQ(countOf(text, "\nstep,"), 6u) << text;
    EXPECT_EQ(countOf(text, "\nstats,"), 6u) << text; // steps 1, 3, 5
    EXPECT_EQ(countOf(text, "\nstats,5,2,,,w<1>,"), 1u) << text;
    EXPECT_EQ(countOf(text, "\nstats,5,2,,,b&c,"), 1u) << text;
    EXPECT_EQ(countOf(text, "\nepoch,3,1,"), 1u) << text;
    EXPECT_NE(text.find("\nstep,6,2,nan,0.5,,,,,,,,,\n"), std::string::npos)
        << text;
    // 14 fields on every line.
    size_t lines = 0;
    for (size_t at = 0; at < text.size();) {
      size_t end = text.find('\n', at);
      ASSERT_NE(end, std::string::npos);
      EXPECT_EQ(std::count(text.begin() + long(at), text.begin() + long(end),
                           ','),
                13)
          << text.substr(at, end - at);
      at = end + 1;
      ++lines;
    }
    EXPECT_EQ(lines, 1u + 6 + 6 + 1);

    std::string chart = readFile(svg);
    EXPECT_EQ(chart.find("<?xml"), 0u);
    EXPECT_NE(chart.find("<svg xmlns=\"http://www.w3.org/2000/svg\""),
              std::string::npos);
    EXPECT_NE(chart.find(">w&lt;1&gt;</text>"), std::string::npos);
    EXPECT_NE(chart.find(">b&amp;c</text>"), std::string::npos);
    EXPECT_NE(chart.find("stopped at step 6 (epoch 2): the loss is nan"),
              std::string::npos);
    EXPECT_NE(chart.find("gradient L2 norm (log scale)"), std::string::npos);
    EXPECT_EQ(chart.substr(chart.size() - 7), "</svg>\n");

    // The JSON form of the same records.
    FILE *f = std::fopen(json.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(adj_health_write_log(&r.h, f, json.c_str()), 0);
    std::fclose(f);
    std::string j = readFile(json);
    EXPECT_EQ(j.find("{\n  \"format\": \"adjoint-health-log\""), 0u) << j;
    EXPECT_NE(j.find("\"params\": [\n    {\"name\": \"w<1>\", \"shape\": "
                     "[3, 2]},"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find("{\"step\": 6, \"epoch\": 2, \"loss\": null, \"lr\": "
                     "0.5}\n  ]"),
              std::string::npos)
        << j;
    EXPECT_EQ(countOf(j, "\"grad_norm\": "), 6u);
    EXPECT_NE(j.find("\"stopped\": \"step 6 (epoch 2): the loss is nan\"\n}"),
              std::string::npos)
        << j;
    EXPECT_EQ(j.find("nan,"), std::string::npos) << "JSON has no NaN token";
  }
  std::remove(csv.c_str());
  std::remove(json.c_str());
  std::remove(svg.c_str());
}

TEST(RuntimeHealth, WriteErrorNamesTheFileAndKeepsThePrevious) {
  std::string path = tmpPath("big.json");
  {
    std::ofstream(path) << "previous\n";
  }
  Monitored r(1, path.c_str());
  ASSERT_EQ(r.train_to(3), 0);
  // A child limited to 100-byte files (EFBIG instead of SIGXFSZ) writes
  // the log: the write fails part way, the temporary file is removed.
  std::fflush(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {100, 100};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0)
      ::_exit(3);
    int rc = adj_health_finish(&r.h);
    std::string err = adj_last_error();
    bool named = err.find(path + ": write error: File too large") == 0;
    ::_exit(rc == -1 && named ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the write did not fail as expected";
  EXPECT_EQ(readFile(path), "previous\n");
  EXPECT_FALSE(exists(path + ".tmp"));
  // Without the limit it succeeds.
  ASSERT_EQ(adj_health_finish(&r.h), 0) << adj_last_error();
  EXPECT_EQ(readFile(path).find("{\n  \"format\""), 0u);
  std::remove(path.c_str());
}

} // namespace

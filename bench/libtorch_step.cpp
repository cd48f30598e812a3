// bench/libtorch_step.cpp - the PyTorch peer without Python: the same models,
// batch, optimizer and timing protocol as bench/torch_step.py, through the
// libtorch C++ API (Debian's libtorch-dev), single-threaded.
//
//   libtorch_step MODEL [--reps=R] [--min-rep-ms=T] [--warmup=W] [--seed=S]
//
// Prints
//   libtorch <model> ms/step median <x> min <y>
//   # libtorch <model> batch <B> steps <N> reps <R> loss <first> -> <last>
// and exits 1 if the loss is not finite, 2 on a usage error.

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct ModelSpec {
  const char *name;
  std::vector<int64_t> widths;
  int64_t batch;
  double lr;
  bool adam;
  bool cnn; // the LeNet-style CNN (widths unused)
};

const ModelSpec kModels[] = {
    {"mlp_784_512_512_10", {784, 512, 512, 10}, 128, 0.01, false},
    {"logreg_784_10", {784, 10}, 32, 0.01, false},
    {"mlp_784_512_512_10_adam", {784, 512, 512, 10}, 128, 0.001, true},
    {"mlp_784_128_10_adam", {784, 128, 10}, 32, 0.001, true},
    {"logreg_784_10_adam", {784, 10}, 32, 0.001, true},
    {"cnn_adam", {}, 64, 0.001, true, true},
};

// The initialization mirrors torch_step.py (He normal for hidden layers,
// Glorot uniform for the last layer of an MLP, zeros for logistic
// regression, zero biases); timings do not depend on it, the loss printout
// does.
torch::nn::Sequential build(const std::vector<int64_t> &widths) {
  torch::nn::Sequential seq;
  torch::NoGradGuard noGrad;
  size_t layers = widths.size() - 1;
  for (size_t i = 0; i < layers; ++i) {
    torch::nn::Linear lin(widths[i], widths[i + 1]);
    torch::nn::init::zeros_(lin->bias);
    if (i + 1 < layers) {
      torch::nn::init::kaiming_normal_(lin->weight, 0.0, torch::kFanIn,
                                       torch::kReLU);
      seq->push_back(lin);
      seq->push_back(torch::nn::ReLU());
    } else if (layers > 1) {
      torch::nn::init::xavier_uniform_(lin->weight);
      seq->push_back(lin);
    } else {
      torch::nn::init::zeros_(lin->weight);
      seq->push_back(lin);
    }
  }
  return seq;
}

// bench/models/cnn_adam.adj on NCHW images [B, 1, 28, 28], as build_cnn in
// torch_step.py: conv 3x3 32 -> relu -> max-pool 2 -> conv 3x3 64 -> relu ->
// max-pool 2 -> flatten -> dense 128 -> relu -> dense 10.
torch::nn::Sequential buildCnn() {
  torch::NoGradGuard noGrad;
  torch::nn::Conv2d conv1(torch::nn::Conv2dOptions(1, 32, 3));
  torch::nn::Conv2d conv2(torch::nn::Conv2dOptions(32, 64, 3));
  torch::nn::Linear fc1(1600, 128), fc2(128, 10);
  for (torch::Tensor w : {conv1->weight, conv2->weight, fc1->weight})
    torch::nn::init::kaiming_normal_(w, 0.0, torch::kFanIn, torch::kReLU);
  torch::nn::init::xavier_uniform_(fc2->weight);
  for (torch::Tensor b : {conv1->bias, conv2->bias, fc1->bias, fc2->bias})
    torch::nn::init::zeros_(b);
  auto pool = [] {
    return torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2));
  };
  return torch::nn::Sequential(conv1, torch::nn::ReLU(), pool(), conv2,
                               torch::nn::ReLU(), pool(), torch::nn::Flatten(),
                               fc1, torch::nn::ReLU(), fc2);
}

bool parseInt(const char *arg, const char *flag, long &out) {
  size_t n = std::strlen(flag);
  if (std::strncmp(arg, flag, n) != 0)
    return false;
  char *end = nullptr;
  long v = std::strtol(arg + n, &end, 10);
  if (*end != '\0' || v <= 0) {
    std::fprintf(stderr, "libtorch_step: bad value in '%s'\n", arg);
    std::exit(2);
  }
  out = v;
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

int main(int argc, char **argv) {
  const ModelSpec *spec = nullptr;
  long reps = 7, minRepMs = 200, warmup = 20, seed = 1;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (parseInt(a, "--reps=", reps) ||
        parseInt(a, "--min-rep-ms=", minRepMs) ||
        parseInt(a, "--warmup=", warmup) || parseInt(a, "--seed=", seed))
      continue;
    if (a[0] == '-') {
      std::fprintf(stderr, "libtorch_step: unknown option '%s'\n", a);
      return 2;
    }
    for (const ModelSpec &m : kModels)
      if (std::strcmp(m.name, a) == 0)
        spec = &m;
    if (!spec) {
      std::fprintf(stderr, "libtorch_step: unknown model '%s'\n", a);
      return 2;
    }
  }
  if (!spec) {
    std::fprintf(stderr, "usage: libtorch_step MODEL [--reps=R] "
                         "[--min-rep-ms=T] [--warmup=W] [--seed=S]\n");
    return 2;
  }

  at::set_num_threads(1);
  at::set_num_interop_threads(1);
  torch::manual_seed(seed);

  torch::nn::Sequential model = spec->cnn ? buildCnn() : build(spec->widths);
  model->train();
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (spec->adam)
    opt = std::make_unique<torch::optim::Adam>(
        model->parameters(), torch::optim::AdamOptions(spec->lr));
  else
    opt = std::make_unique<torch::optim::SGD>(
        model->parameters(), torch::optim::SGDOptions(spec->lr));
  torch::Tensor x = spec->cnn
                        ? torch::randn({spec->batch, 1, 28, 28})
                        : torch::randn({spec->batch, spec->widths.front()});
  int64_t classes = spec->cnn ? 10 : spec->widths.back();
  torch::Tensor y = torch::randint(0, classes, {spec->batch}, torch::kInt64);

  auto step = [&] {
    opt->zero_grad();
    torch::Tensor loss =
        torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt->step();
    return loss;
  };
  using Clock = std::chrono::steady_clock;
  auto msSince = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };

  double first = step().item<double>();
  if (!std::isfinite(first)) {
    std::fprintf(stderr,
                 "libtorch_step: non-finite loss %g after the first "
                 "step\n",
                 first);
    return 1;
  }
  torch::Tensor loss;
  for (long i = 0; i < warmup; ++i)
    loss = step();

  // Calibrate the steps per repetition so that one takes >= minRepMs.
  long steps = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (long i = 0; i < steps; ++i)
      loss = step();
    double ms = msSince(t0);
    if (ms >= minRepMs)
      break;
    long next = ms > 0 ? (long)(steps * 1.2 * minRepMs / ms) + 1 : steps * 10;
    steps = std::max(steps + 1, std::min(next, steps * 10));
  }

  std::vector<double> perStep;
  for (long r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (long i = 0; i < steps; ++i)
      loss = step();
    perStep.push_back(msSince(t0) / steps);
    double value = loss.item<double>();
    if (!std::isfinite(value)) {
      std::fprintf(stderr,
                   "libtorch_step: non-finite loss %g in repetition "
                   "%ld\n",
                   value, r + 1);
      return 1;
    }
  }
  std::printf("libtorch %s ms/step median %.4f min %.4f\n", spec->name,
              median(perStep),
              *std::min_element(perStep.begin(), perStep.end()));
  std::printf("# libtorch %s batch %lld steps %ld reps %ld loss %.5f -> %.5f "
              "threads %d\n",
              spec->name, (long long)spec->batch, steps, reps, first,
              loss.item<double>(), at::get_num_threads());
  return 0;
}

// Unit tests of training checkpoints (adjoint/checkpoint.h): round trips of a
// hand-written model with an Adam-like optimizer (moment buffers and an int32
// step counter), resumed training that matches an uninterrupted run bit for
// bit, validation of corrupt, truncated and mismatched files, and atomic
// replacement of the previous checkpoint when a save fails.
#include "adjoint/checkpoint.h"
#include "adjoint/runtime.h"

#include "runtime_TestFiles.h"

#include <gtest/gtest.h>

#include <cerrno>
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

using adjoint_test::Bytes;
using adjoint_test::craftSafetensors;
using adjoint_test::readBytes;
using adjoint_test::writeBytes;

std::string tmpPath(const std::string &name) {
  return std::string(ADJOINT_TEST_TMPDIR) + "/runtime_checkpoint_" + name;
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

//===----------------------------------------------------------------------===//
// A tiny linear classifier, x [4, 3] -> 2 classes, with an update that uses
// two moment buffers per parameter and a step counter (so a checkpoint that
// lost any of them would change the result). Templated on the element type.
//===----------------------------------------------------------------------===//

constexpr int64_t kB = 4, kF = 3, kC = 2;

template <typename T>
void linearLogits(void *const *params, const T *x, T *out) {
  const T *w = static_cast<const T *>(params[0]);
  const T *b = static_cast<const T *>(params[1]);
  for (int64_t r = 0; r < kB; ++r)
    for (int64_t c = 0; c < kC; ++c) {
      T z = b[c];
      for (int64_t f = 0; f < kF; ++f)
        z += x[r * kF + f] * w[f * kC + c];
      out[r * kC + c] = z;
    }
}

template <typename T>
void linearLoss(void *const *params, void *const *inputs, const void *mask,
                void *loss_out) {
  T logits[kB * kC];
  linearLogits<T>(params, static_cast<const T *>(inputs[0]), logits);
  const int32_t *y = static_cast<const int32_t *>(inputs[1]);
  const T *m = static_cast<const T *>(mask);
  T l = 0, n = 0;
  for (int64_t r = 0; r < kB; ++r) {
    l += m[r] * (logits[r * kC + (1 - y[r])] - logits[r * kC + y[r]]);
    n += m[r];
  }
  *static_cast<T *>(loss_out) = n > 0 ? l / n : 0;
}

template <typename T>
void linearTrainStep(void *const *params, void *const *state,
                     void *const *inputs, const void *mask, double lr,
                     void *loss_out) {
  linearLoss<T>(params, inputs, mask, loss_out);
  const T *x = static_cast<const T *>(inputs[0]);
  const int32_t *y = static_cast<const int32_t *>(inputs[1]);
  const T *m = static_cast<const T *>(mask);
  int32_t *step = static_cast<int32_t *>(state[4]);
  *step += 1;
  T gw[kF * kC] = {}, gb[kC] = {};
  for (int64_t r = 0; r < kB; ++r)
    for (int64_t c = 0; c < kC; ++c) {
      T d = m[r] * (c == y[r] ? T(-1) : T(1));
      gb[c] += d;
      for (int64_t f = 0; f < kF; ++f)
        gw[f * kC + c] += d * x[r * kF + f];
    }
  T *grads[2] = {gw, gb};
  int64_t sizes[2] = {kF * kC, kC};
  for (int p = 0; p < 2; ++p) {
    T *w = static_cast<T *>(params[p]);
    T *m1 = static_cast<T *>(state[2 * p]);
    T *m2 = static_cast<T *>(state[2 * p + 1]);
    for (int64_t i = 0; i < sizes[p]; ++i) {
      m1[i] = T(0.9) * m1[i] + T(0.1) * grads[p][i];
      m2[i] = T(0.99) * m2[i] + T(0.01) * grads[p][i] * grads[p][i];
      w[i] -= T(lr) * m1[i] / (T(1) + m2[i]) / T(*step);
    }
  }
}

template <typename T>
void linearPredict(void *const *params, void *const *inputs, void *out) {
  linearLogits<T>(params, static_cast<const T *>(inputs[0]),
                  static_cast<T *>(out));
}

adj_tensor_info tensor(const char *name, adj_dtype dt,
                       std::initializer_list<int64_t> shape) {
  adj_tensor_info t{};
  t.name = name;
  t.dtype = dt;
  t.rank = static_cast<int>(shape.size());
  t.numel = 1;
  int i = 0;
  for (int64_t d : shape) {
    t.shape[i++] = d;
    t.numel *= d;
  }
  return t;
}

struct LinearModel {
  adj_param_info params[2];
  adj_tensor_info state[5];
  adj_tensor_info inputs[2];
  int predictUses[2] = {1, 0};
  adj_model_info info{};

  // wCols: columns of w (kC for the real model; others describe a model
  // with different shapes whose entry points are never called).
  explicit LinearModel(adj_dtype dt = ADJ_F32, int64_t wCols = kC,
                       bool withStep = true) {
    params[0] = {};
    params[0].tensor = tensor("w", dt, {kF, wCols});
    params[0].init = ADJ_INIT_GLOROT_UNIFORM;
    params[0].fan_in = kF;
    params[0].fan_out = wCols;
    params[1] = {};
    params[1].tensor = tensor("b", dt, {kC});
    params[1].init = ADJ_INIT_NORMAL;
    params[1].init_b = 0.5;
    state[0] = tensor("w.exp_avg", dt, {kF, wCols});
    state[1] = tensor("w.exp_avg_sq", dt, {kF, wCols});
    state[2] = tensor("b.exp_avg", dt, {kC});
    state[3] = tensor("b.exp_avg_sq", dt, {kC});
    state[4] = tensor("step", ADJ_I32, {});
    inputs[0] = tensor("x", dt, {kB, kF});
    inputs[1] = tensor("y", ADJ_I32, {kB});
    info.name = "linear";
    info.dtype = dt;
    info.batch = kB;
    info.num_params = 2;
    info.params = params;
    info.num_state = withStep ? 5 : 4;
    info.state = state;
    info.num_inputs = 2;
    info.inputs = inputs;
    info.predict_uses_input = predictUses;
    info.output = tensor("logits", dt, {kB, kC});
    info.loss = ADJ_LOSS_SOFTMAX_CROSS_ENTROPY;
    info.optimizer = "adam";
    info.lr = 0.05;
    info.epochs = 3;
    info.seed = 1;
    bool f32 = dt == ADJ_F32;
    info.train_step = f32 ? linearTrainStep<float> : linearTrainStep<double>;
    info.loss_fn = f32 ? linearLoss<float> : linearLoss<double>;
    info.predict = f32 ? linearPredict<float> : linearPredict<double>;
  }
};

// 10 samples: two full batches of 4 and a partial one of 2.
adj_dataset makeData(int64_t n = 10) {
  std::vector<float> x(static_cast<size_t>(n * kF));
  std::vector<int32_t> y(static_cast<size_t>(n));
  adj_rng r;
  adj_rng_seed(&r, 123);
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = static_cast<int32_t>(i % 2);
    for (int64_t f = 0; f < kF; ++f)
      x[size_t(i * kF + f)] =
          static_cast<float>(adj_rng_normal(&r) + (f == i % 2 ? 1.0 : 0.0));
  }
  adj_dataset ds;
  EXPECT_EQ(adj_dataset_from_memory(ADJ_F32, n, kF, x.data(), y.data(), &ds), 0)
      << adj_last_error();
  return ds;
}

// Every parameter and state buffer of `t`, concatenated.
Bytes trainerBytes(const adj_trainer &t) {
  Bytes out;
  auto add = [&](const void *p, const adj_tensor_info &ti) {
    const unsigned char *c = static_cast<const unsigned char *>(p);
    out.insert(out.end(), c, c + size_t(ti.numel) * adj_dtype_size(ti.dtype));
  };
  for (int i = 0; i < t.info->num_params; ++i)
    add(t.params[i], t.info->params[i].tensor);
  for (int i = 0; i < t.info->num_state; ++i)
    add(t.state[i], t.info->state[i]);
  return out;
}

int32_t stepOf(const adj_trainer &t) {
  return *static_cast<const int32_t *>(t.state[4]);
}

class Checkpoint : public ::testing::Test {
protected:
  void SetUp() override {
    data = makeData();
    adj_clear_error();
  }
  void TearDown() override { adj_dataset_free(&data); }

  // A trainer of `m` (seed `seed`) trained for `epochs` epochs on `data`.
  void trained(adj_trainer *t, const LinearModel &m, uint64_t seed,
               int epochs) {
    ASSERT_EQ(adj_trainer_init(t, &m.info, seed), 0) << adj_last_error();
    for (int e = 0; e < epochs; ++e)
      ASSERT_EQ(adj_train_epoch(t, &data, nullptr), 0) << adj_last_error();
  }

  // A valid checkpoint of `model` after 2 epochs, saved to `path`.
  Bytes validFile(const std::string &path) {
    adj_trainer t;
    trained(&t, model, 5, 2);
    EXPECT_EQ(adj_checkpoint_save(&t, path.c_str()), 0) << adj_last_error();
    adj_trainer_free(&t);
    return readBytes(path);
  }

  // Loads `path` into a fresh trainer; expects failure with a message that
  // names the file and contains `expect`, and the trainer unchanged.
  void expectLoadError(const std::string &path, const std::string &expect,
                       const LinearModel *m = nullptr) {
    adj_trainer t;
    ASSERT_EQ(adj_trainer_init(&t, &(m ? *m : model).info, 9), 0);
    Bytes before = trainerBytes(t);
    adj_clear_error();
    EXPECT_EQ(adj_checkpoint_load(&t, &data, path.c_str()), -1)
        << "loaded " << path;
    std::string msg = adj_last_error();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << msg;
    EXPECT_EQ(trainerBytes(t), before) << "trainer modified by: " << msg;
    EXPECT_EQ(t.epochs_done, 0);
    adj_trainer_free(&t);
  }

  LinearModel model;
  adj_dataset data{};
};

TEST_F(Checkpoint, RoundTripRestoresEverything) {
  std::string path = tmpPath("roundtrip.safetensors");
  adj_trainer a, b;
  trained(&a, model, 5, 2);
  EXPECT_EQ(stepOf(a), 6); // 2 epochs of 3 batches
  ASSERT_EQ(adj_checkpoint_save(&a, path.c_str()), 0) << adj_last_error();
  EXPECT_FALSE(exists(path + ".tmp"));

  ASSERT_EQ(adj_trainer_init(&b, &model.info, 77), 0);
  ASSERT_NE(trainerBytes(a), trainerBytes(b));
  ASSERT_EQ(adj_checkpoint_load(&b, &data, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(trainerBytes(a), trainerBytes(b));
  EXPECT_EQ(stepOf(b), 6);
  EXPECT_EQ(b.epochs_done, 2);
  EXPECT_EQ(b.seed, 5u);
  EXPECT_EQ(adj_trainer_global_step(&b), 6);
  EXPECT_EQ(std::memcmp(a.train_batches.rng.s, b.train_batches.rng.s,
                        sizeof a.train_batches.rng.s),
            0);
  EXPECT_EQ(std::memcmp(a.train_batches.order, b.train_batches.order,
                        sizeof(int64_t) * 10),
            0);

  // Both continue identically, shuffles included.
  for (int e = 0; e < 3; ++e) {
    adj_epoch_stats sa, sb;
    ASSERT_EQ(adj_train_epoch(&a, &data, &sa), 0);
    ASSERT_EQ(adj_train_epoch(&b, &data, &sb), 0);
    EXPECT_EQ(sa.loss, sb.loss);
    EXPECT_EQ(sa.epoch, sb.epoch);
  }
  EXPECT_EQ(trainerBytes(a), trainerBytes(b));
  EXPECT_EQ(stepOf(b), 15);
  adj_trainer_free(&a);
  adj_trainer_free(&b);
}

TEST_F(Checkpoint, ResumedRunMatchesUninterruptedRun) {
  // 4 epochs straight vs 1 epoch + checkpoint + 3 epochs in a new trainer
  // (new seed, fresh init), with adj_train_to saving after every epoch.
  std::string path = tmpPath("resume.safetensors");
  adj_trainer straight, first, second;
  trained(&straight, model, 3, 4);

  ASSERT_EQ(adj_trainer_init(&first, &model.info, 3), 0);
  FILE *log = std::tmpfile();
  ASSERT_EQ(adj_train_to(&first, &data, nullptr, 1, log, path.c_str(), nullptr),
            0)
      << adj_last_error();
  adj_trainer_free(&first);

  ASSERT_EQ(adj_trainer_init(&second, &model.info, 1234), 0);
  ASSERT_EQ(adj_checkpoint_load(&second, &data, path.c_str()), 0)
      << adj_last_error();
  ASSERT_EQ(adj_train_to(&second, &data, &data, 4, log, path.c_str(), nullptr),
            0)
      << adj_last_error();
  EXPECT_EQ(trainerBytes(straight), trainerBytes(second));

  // Progress lines continue the epoch count.
  std::rewind(log);
  char line[256];
  const char *expect[] = {"epoch 1/1  loss ", "epoch 2/4  loss ",
                          "epoch 3/4  loss ", "epoch 4/4  loss "};
  for (const char *e : expect) {
    ASSERT_NE(std::fgets(line, sizeof line, log), nullptr);
    EXPECT_EQ(std::strncmp(line, e, std::strlen(e)), 0) << line;
  }
  EXPECT_EQ(std::fgets(line, sizeof line, log), nullptr);
  std::fclose(log);

  // The last checkpoint holds epoch 4; training to 4 again does nothing.
  adj_trainer again;
  ASSERT_EQ(adj_trainer_init(&again, &model.info, 1), 0);
  ASSERT_EQ(adj_checkpoint_load(&again, &data, path.c_str()), 0);
  EXPECT_EQ(again.epochs_done, 4);
  EXPECT_EQ(adj_trainer_global_step(&again), 12);
  ASSERT_EQ(adj_train_to(&again, &data, nullptr, 4, nullptr, nullptr, nullptr),
            0);
  EXPECT_EQ(trainerBytes(straight), trainerBytes(again));
  adj_trainer_free(&again);
  adj_trainer_free(&straight);
  adj_trainer_free(&second);
}

TEST_F(Checkpoint, CheckpointBeforeTrainingResumesLikeAFreshRun) {
  std::string path = tmpPath("epoch0.safetensors");
  adj_trainer fresh, loaded;
  ASSERT_EQ(adj_trainer_init(&fresh, &model.info, 8), 0);
  ASSERT_EQ(adj_checkpoint_save(&fresh, path.c_str()), 0) << adj_last_error();
  for (int e = 0; e < 3; ++e)
    ASSERT_EQ(adj_train_epoch(&fresh, &data, nullptr), 0);

  // Loaded into a trainer that has already trained (and shuffled) on the
  // same data set: the shuffle order must go back to the start.
  trained(&loaded, model, 99, 1);
  ASSERT_EQ(adj_checkpoint_load(&loaded, &data, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(loaded.epochs_done, 0);
  for (int e = 0; e < 3; ++e)
    ASSERT_EQ(adj_train_epoch(&loaded, &data, nullptr), 0);
  EXPECT_EQ(trainerBytes(fresh), trainerBytes(loaded));
  adj_trainer_free(&fresh);
  adj_trainer_free(&loaded);
}

TEST_F(Checkpoint, LoadWithoutDataSetRestoresWeights) {
  std::string path = tmpPath("nodata.safetensors");
  adj_trainer a, b;
  trained(&a, model, 5, 2);
  ASSERT_EQ(adj_checkpoint_save(&a, path.c_str()), 0);
  trained(&b, model, 6, 1);
  ASSERT_EQ(adj_checkpoint_load(&b, nullptr, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(trainerBytes(a), trainerBytes(b));
  EXPECT_EQ(b.epochs_done, 2);
  EXPECT_EQ(b.train_batches.ds, nullptr);
  adj_trainer_free(&a);
  adj_trainer_free(&b);
}

TEST_F(Checkpoint, F64RoundTrip) {
  LinearModel m64(ADJ_F64);
  std::string path = tmpPath("f64.safetensors");
  adj_dataset d64;
  std::vector<double> x(10 * kF);
  std::vector<int32_t> y(10);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.1 * double(i % 7) - 0.3;
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = int32_t(i % 2);
  ASSERT_EQ(adj_dataset_from_memory(ADJ_F64, 10, kF, x.data(), y.data(), &d64),
            0);
  adj_trainer a, b;
  ASSERT_EQ(adj_trainer_init(&a, &m64.info, 2), 0);
  ASSERT_EQ(adj_train_epoch(&a, &d64, nullptr), 0);
  ASSERT_EQ(adj_checkpoint_save(&a, path.c_str()), 0);
  ASSERT_EQ(adj_trainer_init(&b, &m64.info, 3), 0);
  ASSERT_EQ(adj_checkpoint_load(&b, &d64, path.c_str()), 0) << adj_last_error();
  EXPECT_EQ(trainerBytes(a), trainerBytes(b));
  // An f64 checkpoint does not load into the f32 build of the model.
  expectLoadError(path, "element type f64");
  adj_trainer_free(&a);
  adj_trainer_free(&b);
  adj_dataset_free(&d64);
}

// The bytes of the file follow the safetensors layout.
TEST_F(Checkpoint, FileIsSafetensors) {
  std::string path = tmpPath("layout.safetensors");
  adj_trainer t;
  trained(&t, model, 5, 2);
  ASSERT_EQ(adj_checkpoint_save(&t, path.c_str()), 0);
  Bytes f = readBytes(path);
  ASSERT_GE(f.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | f[size_t(i)];
  ASSERT_LE(8 + n, f.size());
  EXPECT_EQ((8 + n) % 8, 0u) << "data section not 8-byte aligned";
  std::string header(f.begin() + 8, f.begin() + 8 + long(n));
  EXPECT_EQ(header.front(), '{');
  EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}'));
  // Declaration order, contiguous offsets; the step counter is a scalar.
  EXPECT_EQ(header.find("{\"param.w\":{\"dtype\":\"F32\",\"shape\":[3,2],"
                        "\"data_offsets\":[0,24]},"
                        "\"param.b\":{\"dtype\":\"F32\",\"shape\":[2],"
                        "\"data_offsets\":[24,32]},"
                        "\"state.w.exp_avg\":{\"dtype\":\"F32\",\"shape\":"
                        "[3,2],\"data_offsets\":[32,56]}"),
            0u)
      << header;
  EXPECT_NE(header.find("\"state.step\":{\"dtype\":\"I32\",\"shape\":[],"
                        "\"data_offsets\":[96,100]}"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("\"train.shuffle_rng\":{\"dtype\":\"U64\",\"shape\":"
                        "[6],\"data_offsets\":[100,148]}"),
            std::string::npos);
  EXPECT_NE(header.find("\"train.shuffle_order\":{\"dtype\":\"I64\","
                        "\"shape\":[10],\"data_offsets\":[148,228]}"),
            std::string::npos);
  for (const char *kv :
       {"\"format\":\"adjoint-checkpoint\"", "\"format_version\":\"1\"",
        "\"model\":\"linear\"", "\"epochs_done\":\"2\"",
        "\"global_step\":\"6\"", "\"seed\":\"5\"", "\"train_samples\":\"10\"",
        "\"dtype\":\"f32\"", "\"batch\":\"4\""})
    EXPECT_NE(header.find(kv), std::string::npos) << kv;
  EXPECT_EQ(f.size(), 8 + n + 228);
  // Raw little-endian data: w at 0, the step counter at 96.
  const unsigned char *data = f.data() + 8 + n;
  float w0;
  std::memcpy(&w0, data, 4); // the test machines are little-endian
  EXPECT_EQ(w0, static_cast<const float *>(t.params[0])[0]);
  EXPECT_EQ(data[96], 6);
  EXPECT_EQ(data[97] | data[98] | data[99], 0);
  adj_trainer_free(&t);
}

TEST_F(Checkpoint, MissingEmptyAndTruncatedFiles) {
  std::string path = tmpPath("truncated.safetensors");
  expectLoadError(tmpPath("does-not-exist"), "cannot open checkpoint");
  writeBytes(path, {});
  expectLoadError(path, "truncated checkpoint: 0 bytes");
  Bytes good = validFile(path);
  // Every proper prefix of a valid file is rejected.
  for (size_t len = 0; len < good.size(); ++len) {
    writeBytes(path, Bytes(good.begin(), good.begin() + long(len)));
    SCOPED_TRACE("prefix of " + std::to_string(len) + " bytes");
    expectLoadError(path, "");
  }
  // A trailing byte too.
  Bytes longer = good;
  longer.push_back(0);
  writeBytes(path, longer);
  expectLoadError(path, "trailing garbage");
}

TEST_F(Checkpoint, CorruptHeaderLengthAndBytes) {
  std::string path = tmpPath("corrupt.safetensors");
  Bytes good = validFile(path);
  Bytes b = good;
  for (int i = 0; i < 8; ++i)
    b[size_t(i)] = 0xff;
  writeBytes(path, b);
  expectLoadError(path, "invalid safetensors header length");
  b = good;
  std::memset(b.data(), 0, 8);
  writeBytes(path, b);
  expectLoadError(path, "invalid safetensors header length 0");

  // Flipping any single byte either is rejected or (inside informative
  // metadata) leaves a loadable file; it never crashes. Data bytes are
  // covered by the checksum.
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | good[size_t(i)];
  int rejected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    b = good;
    b[i] ^= 0x24;
    writeBytes(path, b);
    adj_trainer t;
    ASSERT_EQ(adj_trainer_init(&t, &model.info, 9), 0);
    if (adj_checkpoint_load(&t, &data, path.c_str()) != 0) {
      ++rejected;
      EXPECT_NE(std::string(adj_last_error()).find(path), std::string::npos);
    } else {
      EXPECT_LT(i, 8 + n) << "data byte " << i << " flipped unnoticed";
    }
    adj_trainer_free(&t);
  }
  EXPECT_GT(rejected, int(good.size()) * 9 / 10);

  b = good;
  b[b.size() - 1] ^= 1;
  writeBytes(path, b);
  expectLoadError(path, "corrupt checkpoint: data checksum");
}

TEST_F(Checkpoint, MalformedHeaders) {
  std::string path = tmpPath("malformed.safetensors");
  struct Case {
    const char *json;
    size_t data;
    const char *error;
  } cases[] = {
      {"[]", 0, "does not start with '{'"},
      {"{", 0, "invalid safetensors header length 1"},
      {"{ ", 0, "malformed checkpoint header: expected '\"' at byte 10"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4,
       "expected '}'"},
      {"{\"a\" {}}", 0, "expected ':'"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}}", 4,
       "unexpected text after the header"},
      {"{\"a\":{\"dtype\":\"X99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
       "unknown dtype"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
       "expected a non-negative integer"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
       "expected an integer"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
       "needs two integers"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],"
       "\"data_offsets\":[0,4]}}",
       4, "integer too large"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
       "\"data_offsets\":[0,4]}}",
       4, "too many array elements"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
       "without dtype, shape or data_offsets"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
       "\"extra\":1}}",
       4, "unknown tensor field"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
       8, "duplicate tensor name"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4,
       "outside the 4 data bytes"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
       "has 4 data bytes but its dtype and shape need 8"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
       "\"data_offsets\":[0,4]}}",
       4, "need more than 9223372036854775807"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}",
       8, "overlapping or missing data"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
       "starts at data byte 4, expected 0"},
      {"{\"__metadata__\":{\"k\":1}}", 0, "expected '\"'"},
      {"{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", 0,
       "duplicate metadata key"},
      {"{\"__metadata__\":{\"k\":\"bad\\q\"}}", 0, "invalid escape"},
      {"{\"__metadata__\":{\"k\":\"\\u00\"}}", 0, "invalid \\u escape"},
      {"{\"__metadata__\":{\"k\":\"unterminated}}", 0, "unterminated string"},
      {"{\"__metadata__\":{\"k\":\"v\"}}", 0, "not an Adjoint checkpoint"},
      {"{\"__metadata__\":{\"format\":\"adjoint-checkpoint\","
       "\"format_version\":\"2\"}}",
       0, "unsupported checkpoint format version 2"},
      {"{\"__metadata__\":{\"format\":\"adjoint-checkpoint\","
       "\"format_version\":\"x\"}}",
       0, "invalid checkpoint metadata \"format_version\""},
      {"{\"__metadata__\":{\"format\":\"adjoint-checkpoint\","
       "\"format_version\":\"1\",\"model\":\"linear\",\"dtype\":\"f32\","
       "\"batch\":\"4\"}}",
       0, "missing tensor 'param.w'"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.json);
    writeBytes(path, craftSafetensors(c.json, c.data));
    expectLoadError(path, c.error);
  }
}

TEST_F(Checkpoint, OtherModelsAreRejected) {
  std::string path = tmpPath("other.safetensors");
  validFile(path);
  {
    LinearModel renamed;
    renamed.info.name = "something_else";
    expectLoadError(path,
                    "checkpoint is of model 'linear', not "
                    "'something_else'",
                    &renamed);
  }
  {
    LinearModel wider(ADJ_F32, 5);
    expectLoadError(path,
                    "does not match model 'linear': tensor 'param.w' has "
                    "shape [3, 2], expected [3, 5]",
                    &wider);
  }
  {
    LinearModel noStep(ADJ_F32, kC, false);
    expectLoadError(path, "unexpected tensor 'state.step'", &noStep);
  }
  {
    LinearModel renamedParam;
    renamedParam.params[1].tensor.name = "bias";
    expectLoadError(path, "missing tensor 'param.bias'", &renamedParam);
  }
  {
    LinearModel otherOptimizer;
    otherOptimizer.info.optimizer = "sgd";
    expectLoadError(path,
                    "trained with optimizer 'adam' but model 'linear' "
                    "uses 'sgd'",
                    &otherOptimizer);
  }
  {
    LinearModel floatStep;
    floatStep.state[4].dtype = ADJ_F32;
    expectLoadError(path, "tensor 'state.step' has dtype I32, expected F32",
                    &floatStep);
  }
  // The same model on a data set of another size.
  adj_dataset small = makeData(7);
  adj_trainer t;
  ASSERT_EQ(adj_trainer_init(&t, &model.info, 1), 0);
  EXPECT_EQ(adj_checkpoint_load(&t, &small, path.c_str()), -1);
  EXPECT_NE(std::string(adj_last_error())
                .find(path + ": checkpoint was trained on 10 samples but the "
                             "training set has 7"),
            std::string::npos)
      << adj_last_error();
  adj_trainer_free(&t);
  adj_dataset_free(&small);
}

TEST_F(Checkpoint, FailedSaveKeepsThePreviousFile) {
  std::string path = tmpPath("atomic.safetensors");
  std::string tmp = path + ".tmp";
  ::rmdir(tmp.c_str());
  std::remove(tmp.c_str());
  Bytes previous = validFile(path);
  ASSERT_FALSE(previous.empty());

  adj_trainer t;
  trained(&t, model, 11, 3);

  // 1. The temporary file cannot be created (a directory is in the way).
  ASSERT_EQ(::mkdir(tmp.c_str(), 0755), 0) << std::strerror(errno);
  EXPECT_EQ(adj_checkpoint_save(&t, path.c_str()), -1);
  EXPECT_NE(std::string(adj_last_error()).find(path + ": cannot open"),
            std::string::npos)
      << adj_last_error();
  EXPECT_EQ(readBytes(path), previous);
  ASSERT_EQ(::rmdir(tmp.c_str()), 0);

  // 2. The write fails midway: a child process limited to 100-byte files
  //    (EFBIG instead of SIGXFSZ) saves; the save fails after writing part
  //    of the temporary file, which it removes.
  std::fflush(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {100, 100};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0)
      ::_exit(3);
    int rc = adj_checkpoint_save(&t, path.c_str());
    bool named = std::strstr(adj_last_error(), path.c_str()) != nullptr &&
                 std::strstr(adj_last_error(), "File too large") != nullptr;
    ::_exit(rc == -1 && named ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "save in the child did not fail as "
                                       "expected";
  EXPECT_EQ(readBytes(path), previous);
  EXPECT_FALSE(exists(tmp));
  // The previous checkpoint still loads.
  adj_trainer check;
  ASSERT_EQ(adj_trainer_init(&check, &model.info, 1), 0);
  EXPECT_EQ(adj_checkpoint_load(&check, &data, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(check.epochs_done, 2);
  adj_trainer_free(&check);

  // 3. A directory that does not exist.
  std::string missing = tmpPath("no-such-dir/ckpt.safetensors");
  EXPECT_EQ(adj_checkpoint_save(&t, missing.c_str()), -1);
  EXPECT_NE(std::string(adj_last_error()).find(missing), std::string::npos);

  // A successful save replaces the file and leaves no temporary behind.
  ASSERT_EQ(adj_checkpoint_save(&t, path.c_str()), 0) << adj_last_error();
  EXPECT_NE(readBytes(path), previous);
  EXPECT_FALSE(exists(tmp));
  adj_trainer_free(&t);
}

TEST_F(Checkpoint, InvalidArguments) {
  adj_trainer t{};
  EXPECT_EQ(adj_checkpoint_save(&t, "x"), -1);
  EXPECT_EQ(adj_checkpoint_load(&t, nullptr, "x"), -1);
  EXPECT_EQ(adj_checkpoint_save(nullptr, ""), -1);
  EXPECT_NE(std::string(adj_last_error()).find("empty file name"),
            std::string::npos);
  EXPECT_EQ(
      adj_train_to(nullptr, nullptr, nullptr, 1, nullptr, nullptr, nullptr),
      -1);
}

} // namespace

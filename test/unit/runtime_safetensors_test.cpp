// Unit tests of the safetensors reader and writer (adjoint/safetensors.h)
// and of a model's tensors by name (what `adjoint grad` reads and writes):
// round trips, and corrupt, truncated and mismatched files, which must give
// one error naming the file and never crash or write a destination buffer.
#include "adjoint/safetensors.h"

#include "runtime_TestFiles.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using adjoint_test::Bytes;
using adjoint_test::craftSafetensors;
using adjoint_test::readBytes;
using adjoint_test::writeBytes;

std::string tmpPath(const std::string &name) {
  return std::string(ADJOINT_TEST_TMPDIR) + "/runtime_safetensors_" + name;
}

/// A model with parameters w f32[3, 2], b f32[2] and inputs x f32[4, 3],
/// y i32[4] (descriptions only: nothing is run).
struct TinyModel {
  adj_param_info params[2] = {
      {{"w", ADJ_F32, 2, {3, 2}, 6}, ADJ_INIT_GLOROT_UNIFORM, 0, 0, 3, 2},
      {{"b", ADJ_F32, 1, {2}, 2}, ADJ_INIT_ZEROS, 0, 0, 2, 2}};
  adj_tensor_info inputs[2] = {{"x", ADJ_F32, 2, {4, 3}, 12},
                               {"y", ADJ_I32, 1, {4}, 4}};
  adj_model_info info{};
  TinyModel() {
    info.name = "tiny";
    info.dtype = ADJ_F32;
    info.batch = 4;
    info.num_params = 2;
    info.params = params;
    info.num_inputs = 2;
    info.inputs = inputs;
    info.loss = ADJ_LOSS_SOFTMAX_CROSS_ENTROPY;
  }
};

/// Expects `rc` to be -1 with a message naming `path` and containing `what`.
void expectError(int rc, const std::string &path, const std::string &what) {
  EXPECT_EQ(rc, -1);
  std::string msg = adj_last_error();
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

/// Writes the parameters of TinyModel (values 1..8) to `path`.
void writeTinyParams(const std::string &path, TinyModel &m) {
  float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {7, 8};
  void *bufs[2] = {w, b};
  ASSERT_EQ(adj_params_save(&m.info, bufs, path.c_str()), 0)
      << adj_last_error();
}

TEST(Safetensors, RoundTripWithMetadataAndChecksum) {
  std::string path = tmpPath("roundtrip.safetensors");
  float a[6] = {1.5f, -2, 3, 4, 5, 6};
  double s = 0.25;
  int32_t l[3] = {0, 7, -1};
  int64_t sa[2] = {2, 3}, sl[1] = {3};
  adj_st_tensor t[3] = {{"a", "F32", 2, sa, a},
                        {"scalar", "F64", 0, nullptr, &s},
                        {"l\"q", "I32", 1, sl, l}};
  adj_st_meta meta[1] = {{"format", "test"}};
  ASSERT_EQ(adj_safetensors_write(path.c_str(), t, 3, meta, 1, "crc"), 0)
      << adj_last_error();
  Bytes b = readBytes(path);
  EXPECT_EQ((8 + (size_t(b[0]) | size_t(b[1]) << 8)) % 8, 0u)
      << "data not 8-byte aligned";

  adj_safetensors st;
  ASSERT_EQ(adj_safetensors_read(&st, path.c_str(), "safetensors file"), 0)
      << adj_last_error();
  ASSERT_EQ(st.num_tensors, 3);
  EXPECT_STREQ(st.tensors[0].name, "a");
  EXPECT_STREQ(st.tensors[2].name, "l\"q");
  const adj_st_entry *e = adj_safetensors_find(&st, "a");
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(e->dtype, "F32");
  EXPECT_EQ(e->rank, 2);
  EXPECT_EQ(e->shape[1], 3);
  EXPECT_EQ(e->numel, 6);
  float back[6];
  adj_safetensors_copy(e, back);
  EXPECT_EQ(std::memcmp(back, a, sizeof a), 0);
  e = adj_safetensors_find(&st, "scalar");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->rank, 0);
  EXPECT_EQ(e->numel, 1);
  double sb = 0;
  adj_safetensors_copy(e, &sb);
  EXPECT_EQ(sb, 0.25);
  EXPECT_EQ(adj_safetensors_find(&st, "missing"), nullptr);
  EXPECT_STREQ(adj_safetensors_meta(&st, "format"), "test");
  char crc[9];
  adj_safetensors_data_crc32(&st, crc);
  EXPECT_STREQ(adj_safetensors_meta(&st, "crc"), crc);
  adj_safetensors_free(&st);
}

TEST(Safetensors, TruncatedAndFlippedFilesNeverCrash) {
  std::string good = tmpPath("good.safetensors");
  std::string path = tmpPath("damaged.safetensors");
  TinyModel m;
  writeTinyParams(good, m);
  Bytes b = readBytes(good);
  adj_safetensors none;
  expectError(adj_safetensors_read(&none, tmpPath("missing").c_str(),
                                   "safetensors file"),
              tmpPath("missing"), "cannot open safetensors file");
  for (size_t len = 0; len < b.size(); ++len) {
    writeBytes(path, Bytes(b.begin(), b.begin() + long(len)));
    SCOPED_TRACE("prefix of " + std::to_string(len) + " bytes");
    adj_safetensors st;
    expectError(adj_safetensors_read(&st, path.c_str(), "safetensors file"),
                path, "");
  }
  // Every single flipped byte: rejected with the file named, or read.
  for (size_t i = 0; i < b.size(); ++i) {
    Bytes f = b;
    f[i] ^= 0x24;
    writeBytes(path, f);
    adj_safetensors st;
    if (adj_safetensors_read(&st, path.c_str(), "safetensors file") == 0)
      adj_safetensors_free(&st);
    else
      EXPECT_NE(std::string(adj_last_error()).find(path), std::string::npos);
  }
}

TEST(Safetensors, MalformedHeaders) {
  std::string path = tmpPath("malformed.safetensors");
  struct Case {
    const char *json;
    size_t data;
    const char *error;
  } cases[] = {
      {"", 0, "invalid safetensors header length 0"},
      {"[]", 0, "does not start with '{'"},
      {"{ ", 0, "malformed safetensors file header: expected '\"' at byte 10"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4,
       "expected '}'"},
      {"{\"a\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
       "unknown dtype"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
       "expected a non-negative integer"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4,
       "outside the 4 data bytes"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
       "has 4 data bytes but its dtype and shape need 8"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
       "trailing garbage"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
       8, "duplicate tensor name"},
      {"{\"__metadata__\":{\"k\":1}}", 0, "expected '\"'"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.json);
    writeBytes(path, craftSafetensors(c.json, c.data));
    adj_safetensors st;
    expectError(adj_safetensors_read(&st, path.c_str(), "safetensors file"),
                path, c.error);
  }
}

TEST(Safetensors, ParamsByName) {
  TinyModel m;
  std::string path = tmpPath("params.safetensors");
  writeTinyParams(path, m);
  float w[6] = {}, b[2] = {};
  void *bufs[2] = {w, b};
  ASSERT_EQ(adj_params_load(&m.info, bufs, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(w[5], 6.0f);
  EXPECT_EQ(b[1], 8.0f);

  // Files that do not match the model: the buffers stay untouched.
  float w6[6] = {1, 2, 3, 4, 5, 6}, b2[2] = {7, 8};
  double wd[6] = {};
  int64_t s32[2] = {3, 2}, s23[2] = {2, 3}, s2[1] = {2};
  struct Case {
    std::vector<adj_st_tensor> tensors;
    const char *error;
  } cases[] = {
      {{{"w", "F32", 2, s32, w6}},
       "no tensor 'b' for parameter 'b' of model 'tiny' (F32 [2])"},
      {{{"w", "F32", 2, s23, w6}, {"b", "F32", 1, s2, b2}},
       "tensor 'w' has shape [2, 3] but parameter 'w' of model 'tiny' has "
       "shape [3, 2]"},
      {{{"w", "F64", 2, s32, wd}, {"b", "F32", 1, s2, b2}},
       "tensor 'w' has dtype F64 but parameter 'w' of model 'tiny' is F32"},
      {{{"w", "F32", 2, s32, w6},
        {"b", "F32", 1, s2, b2},
        {"c", "F32", 1, s2, b2}},
       "unexpected tensor 'c': model 'tiny' has no parameter of that name"},
  };
  std::string bad = tmpPath("params-bad.safetensors");
  for (const Case &c : cases) {
    SCOPED_TRACE(c.error);
    ASSERT_EQ(adj_safetensors_write(bad.c_str(), c.tensors.data(),
                                    int(c.tensors.size()), nullptr, 0, nullptr),
              0)
        << adj_last_error();
    std::memset(w, 0, sizeof w);
    expectError(adj_params_load(&m.info, bufs, bad.c_str()), bad, c.error);
    EXPECT_EQ(w[0], 0.0f) << "buffer written before the file was validated";
  }
}

TEST(Safetensors, InputsAndTheirBatch) {
  TinyModel m;
  std::string path = tmpPath("inputs.safetensors");
  float x[12] = {};
  int32_t y[4] = {0, 1, 1, 0};
  int64_t sx[2] = {4, 3}, sy[1] = {4}, sy5[1] = {5};
  adj_st_tensor t[2] = {{"x", "F32", 2, sx, x}, {"y", "I32", 1, sy, y}};
  ASSERT_EQ(adj_safetensors_write(path.c_str(), t, 2, nullptr, 0, nullptr), 0);
  int64_t batch = 0;
  ASSERT_EQ(adj_safetensors_batch(path.c_str(), &batch), 0) << adj_last_error();
  EXPECT_EQ(batch, 4);
  float xb[12];
  int32_t yb[4] = {};
  void *bufs[2] = {xb, yb};
  ASSERT_EQ(adj_inputs_load(&m.info, bufs, path.c_str()), 0)
      << adj_last_error();
  EXPECT_EQ(yb[1], 1);

  t[1].shape = sy5;
  int32_t y5[5] = {};
  t[1].data = y5;
  ASSERT_EQ(adj_safetensors_write(path.c_str(), t, 2, nullptr, 0, nullptr), 0);
  expectError(adj_safetensors_batch(path.c_str(), &batch), path,
              "tensors 'x' and 'y' disagree on the batch size (first "
              "dimension 4 and 5)");
  expectError(adj_inputs_load(&m.info, bufs, path.c_str()), path,
              "tensor 'y' has shape [5] but input 'y' of model 'tiny' has "
              "shape [4]");
  double s = 1;
  adj_st_tensor scalar = {"x", "F64", 0, nullptr, &s};
  ASSERT_EQ(
      adj_safetensors_write(path.c_str(), &scalar, 1, nullptr, 0, nullptr), 0);
  expectError(adj_safetensors_batch(path.c_str(), &batch), path,
              "tensor 'x' has no rows");
  ASSERT_EQ(
      adj_safetensors_write(path.c_str(), nullptr, 0, nullptr, 0, nullptr), 0);
  expectError(adj_safetensors_batch(path.c_str(), &batch), path, "no tensors");
}

TEST(Safetensors, GradsHoldEveryParameterAndTheLoss) {
  TinyModel m;
  std::string path = tmpPath("grads.safetensors");
  float gw[6] = {1, 2, 3, 4, 5, 6}, gb[2] = {7, 8}, loss = 0.5f;
  void *grads[2] = {gw, gb};
  ASSERT_EQ(adj_grads_save(&m.info, grads, &loss, path.c_str()), 0)
      << adj_last_error();
  adj_safetensors st;
  ASSERT_EQ(adj_safetensors_read(&st, path.c_str(), "safetensors file"), 0);
  EXPECT_EQ(st.num_tensors, 3);
  const adj_st_entry *l = adj_safetensors_find(&st, "loss");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->rank, 0);
  float lb = 0;
  adj_safetensors_copy(l, &lb);
  EXPECT_EQ(lb, 0.5f);
  EXPECT_STREQ(adj_safetensors_meta(&st, "format"), "adjoint-grad");
  EXPECT_STREQ(adj_safetensors_meta(&st, "model"), "tiny");
  adj_safetensors_free(&st);

  m.params[1].tensor.name = "loss";
  expectError(adj_grads_save(&m.info, grads, &loss, path.c_str()), path,
              "has a parameter named 'loss'");
}

} // namespace

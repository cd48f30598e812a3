// Unit tests of the Adjoint runtime: IDX reader, datasets and batching.
#include "adjoint/runtime.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

std::string tmpPath(const std::string &name) {
  return std::string(ADJOINT_TEST_TMPDIR) + "/runtime_data_" + name;
}

std::vector<unsigned char> idxBytes(const std::vector<uint32_t> &dims,
                                    const std::vector<unsigned char> &data,
                                    unsigned char type = 0x08) {
  std::vector<unsigned char> out = {0, 0, type,
                                    static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims) {
    out.push_back(d >> 24);
    out.push_back((d >> 16) & 0xff);
    out.push_back((d >> 8) & 0xff);
    out.push_back(d & 0xff);
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::string writePlain(const std::string &name,
                       const std::vector<unsigned char> &bytes) {
  std::string path = tmpPath(name);
  FILE *f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (!bytes.empty())
    std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

std::string writeGzip(const std::string &name,
                      const std::vector<unsigned char> &bytes) {
  std::string path = tmpPath(name);
  gzFile f = gzopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (!bytes.empty()) {
    EXPECT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())),
              int(bytes.size()));
  }
  gzclose(f);
  return path;
}

std::vector<unsigned char> readAll(const std::string &path) {
  std::vector<unsigned char> out;
  FILE *f = std::fopen(path.c_str(), "rb");
  int c;
  while ((c = std::fgetc(f)) != EOF)
    out.push_back(static_cast<unsigned char>(c));
  std::fclose(f);
  return out;
}

std::vector<unsigned char> iota(size_t n) {
  std::vector<unsigned char> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<unsigned char>(i * 7 + 3);
  return v;
}

void expectErrorNames(const std::string &path, const std::string &what) {
  std::string msg = adj_last_error();
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

TEST(RuntimeIdx, ReadsPlainAndGzip) {
  auto data = iota(3 * 4 * 5);
  auto bytes = idxBytes({3, 4, 5}, data);
  for (int gz = 0; gz < 2; ++gz) {
    std::string path =
        gz ? writeGzip("ok.idx.gz", bytes) : writePlain("ok.idx", bytes);
    adj_idx idx;
    ASSERT_EQ(adj_idx_read(path.c_str(), &idx), 0) << adj_last_error();
    EXPECT_EQ(idx.type, 0x08);
    ASSERT_EQ(idx.rank, 3);
    EXPECT_EQ(idx.dims[0], 3);
    EXPECT_EQ(idx.dims[1], 4);
    EXPECT_EQ(idx.dims[2], 5);
    ASSERT_EQ(idx.numel, 60);
    EXPECT_EQ(std::memcmp(idx.data, data.data(), 60), 0);
    adj_idx_free(&idx);
    EXPECT_EQ(idx.data, nullptr);
  }
}

TEST(RuntimeIdx, MissingFile) {
  std::string path = tmpPath("does-not-exist.gz");
  adj_idx idx;
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "cannot open");
  EXPECT_EQ(idx.data, nullptr);
}

TEST(RuntimeIdx, BadMagic) {
  auto bytes = idxBytes({2}, {1, 2});
  bytes[0] = 'P';
  bytes[1] = 'K';
  for (int gz = 0; gz < 2; ++gz) {
    std::string path =
        gz ? writeGzip("magic.gz", bytes) : writePlain("magic.idx", bytes);
    adj_idx idx;
    EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
    expectErrorNames(path, "bad magic");
  }
}

TEST(RuntimeIdx, UnsupportedTypeAndRank) {
  adj_idx idx;
  std::string path = writePlain("float.idx", idxBytes({1}, {0, 0, 0, 0}, 0x0D));
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "unsupported idx element type 0x0d");
  path = writePlain("badtype.idx", idxBytes({1}, {0}, 0x42));
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "0x42");
  path = writePlain("rank0.idx", {0, 0, 8, 0});
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "rank 0");
}

TEST(RuntimeIdx, TruncatedFiles) {
  auto full = idxBytes({10, 8}, iota(80));
  std::vector<unsigned char> shortData(full.begin(), full.end() - 30);
  std::vector<unsigned char> shortHeader(full.begin(), full.begin() + 7);
  std::vector<unsigned char> tiny(full.begin(), full.begin() + 2);
  for (int gz = 0; gz < 2; ++gz) {
    auto write = [&](const std::string &n,
                     const std::vector<unsigned char> &b) {
      return gz ? writeGzip(n + ".gz", b) : writePlain(n, b);
    };
    adj_idx idx;
    std::string path = write("trunc-data", shortData);
    EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
    expectErrorNames(path, "truncated file: expected 80 bytes of data, got 50");
    path = write("trunc-header", shortHeader);
    EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
    expectErrorNames(path, "truncated file: expected 12-byte header");
    path = write("trunc-tiny", tiny);
    EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
    expectErrorNames(path, "truncated file");
    path = write("empty", {});
    EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
    expectErrorNames(path, "truncated file");
  }
}

TEST(RuntimeIdx, TruncatedGzipStream) {
  // A complete IDX payload whose gzip stream is cut in the middle.
  std::string good = writeGzip("cut-src.gz", idxBytes({1000}, iota(1000)));
  auto bytes = readAll(good);
  bytes.resize(bytes.size() / 2);
  std::string path = writePlain("cut.gz", bytes);
  adj_idx idx;
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "truncated file: expected 1000 bytes of data");
  // Only the 8-byte gzip trailer missing: data complete but unverifiable.
  bytes = readAll(good);
  bytes.resize(bytes.size() - 8);
  path = writePlain("notrailer.gz", bytes);
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "corrupt gzip data");
}

TEST(RuntimeIdx, TrailingData) {
  auto bytes = idxBytes({4}, {1, 2, 3, 4});
  bytes.push_back(9);
  std::string path = writePlain("trailing.idx", bytes);
  adj_idx idx;
  EXPECT_NE(adj_idx_read(path.c_str(), &idx), 0);
  expectErrorNames(path, "trailing data");
}

TEST(RuntimeDataset, LoadIdxScalesAndChecks) {
  const int n = 6;
  std::vector<unsigned char> pixels(n * 2 * 3), labels(n);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<unsigned char>(i * 51 % 256);
  for (int i = 0; i < n; ++i)
    labels[i] = static_cast<unsigned char>(i % 4);
  std::string ip = writeGzip("ds-images.gz", idxBytes({n, 2, 3}, pixels));
  std::string lp = writePlain("ds-labels.idx", idxBytes({n}, labels));
  for (adj_dtype dt : {ADJ_F32, ADJ_F64}) {
    adj_dataset ds;
    ASSERT_EQ(adj_dataset_load_idx(ip.c_str(), lp.c_str(), dt, &ds), 0)
        << adj_last_error();
    EXPECT_EQ(ds.num_samples, n);
    EXPECT_EQ(ds.sample_numel, 6);
    EXPECT_EQ(ds.sample_rank, 2);
    EXPECT_EQ(ds.sample_shape[0], 2);
    EXPECT_EQ(ds.sample_shape[1], 3);
    EXPECT_EQ(ds.num_classes, 4);
    EXPECT_EQ(ds.dtype, dt);
    for (size_t i = 0; i < pixels.size(); ++i) {
      double v = dt == ADJ_F32 ? static_cast<float *>(ds.features)[i]
                               : static_cast<double *>(ds.features)[i];
      ASSERT_NEAR(v, pixels[i] / 255.0, 1e-7);
    }
    for (int i = 0; i < n; ++i)
      EXPECT_EQ(ds.labels[i], i % 4);
    adj_dataset_free(&ds);
  }

  // Sample count mismatch names both files.
  std::string lp2 =
      writePlain("ds-labels5.idx", idxBytes({5}, {0, 1, 2, 3, 0}));
  adj_dataset ds;
  EXPECT_NE(adj_dataset_load_idx(ip.c_str(), lp2.c_str(), ADJ_F32, &ds), 0);
  expectErrorNames(ip, lp2);
  // Labels must be rank 1, images rank >= 2.
  EXPECT_NE(adj_dataset_load_idx(ip.c_str(), ip.c_str(), ADJ_F32, &ds), 0);
  EXPECT_NE(adj_dataset_load_idx(lp.c_str(), lp.c_str(), ADJ_F32, &ds), 0);
  EXPECT_NE(adj_dataset_load_idx(ip.c_str(), lp.c_str(), ADJ_I32, &ds), 0);
  // Truncated image data is reported as such.
  auto cut = idxBytes({n, 2, 3}, pixels);
  cut.resize(cut.size() - 1);
  std::string ipc = writePlain("ds-images-cut.idx", cut);
  EXPECT_NE(adj_dataset_load_idx(ipc.c_str(), lp.c_str(), ADJ_F32, &ds), 0);
  expectErrorNames(ipc, "expected 36 bytes of image data, got 35");
  EXPECT_EQ(ds.features, nullptr);
}

TEST(RuntimeDataset, FashionMnistMissingDirectory) {
  adj_dataset ds;
  std::string dir = tmpPath("no-such-dir");
  EXPECT_NE(adj_dataset_load_fashion_mnist(dir.c_str(), 1, ADJ_F32, &ds), 0);
  expectErrorNames(dir + "/train-images-idx3-ubyte.gz", "cannot open");
}

TEST(RuntimeDataset, FashionMnistTestSet) {
  const char *dir = "/usr/share/datasets/fashion-mnist";
  struct stat st;
  std::string images = std::string(dir) + "/t10k-images-idx3-ubyte.gz";
  if (stat(images.c_str(), &st) != 0)
    GTEST_SKIP() << "Fashion-MNIST not installed";
  adj_dataset ds;
  ASSERT_EQ(adj_dataset_load_fashion_mnist(dir, 0, ADJ_F32, &ds), 0)
      << adj_last_error();
  EXPECT_EQ(ds.num_samples, 10000);
  EXPECT_EQ(ds.sample_numel, 784);
  EXPECT_EQ(ds.sample_rank, 2);
  EXPECT_EQ(ds.sample_shape[0], 28);
  EXPECT_EQ(ds.num_classes, 10);
  std::vector<int> counts(10, 0);
  for (int64_t i = 0; i < ds.num_samples; ++i) {
    ASSERT_GE(ds.labels[i], 0);
    ASSERT_LE(ds.labels[i], 9);
    counts[ds.labels[i]]++;
  }
  for (int c : counts)
    EXPECT_EQ(c, 1000); // the test set is balanced
  const float *f = static_cast<const float *>(ds.features);
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < ds.num_samples * ds.sample_numel; ++i) {
    lo = std::min(lo, f[i]);
    hi = std::max(hi, f[i]);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
  ASSERT_EQ(adj_dataset_limit(&ds, 100), 0);
  EXPECT_EQ(ds.num_samples, 100);
  adj_dataset_free(&ds);
}

// Dataset whose single feature of sample i is i (so batches reveal order).
adj_dataset indexDataset(int64_t n, adj_dtype dtype) {
  std::vector<double> fd(n * 2);
  std::vector<float> ff(n * 2);
  std::vector<int32_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    fd[2 * i] = ff[2 * i] = float(i);
    fd[2 * i + 1] = ff[2 * i + 1] = -1.0f;
    labels[i] = int32_t(i % 5 + 1);
  }
  adj_dataset ds;
  const void *src = dtype == ADJ_F32 ? static_cast<const void *>(ff.data())
                                     : static_cast<const void *>(fd.data());
  EXPECT_EQ(adj_dataset_from_memory(dtype, n, 2, src, labels.data(), &ds), 0)
      << adj_last_error();
  return ds;
}

double at(const void *buf, adj_dtype dt, int64_t i) {
  return dt == ADJ_F32 ? static_cast<const float *>(buf)[i]
                       : static_cast<const double *>(buf)[i];
}

// Runs one epoch; returns the visiting order and checks padding.
std::vector<int64_t> runEpoch(adj_batcher *b, int64_t batch, adj_dtype dt) {
  std::vector<int64_t> order;
  int64_t valid;
  adj_batcher_start_epoch(b);
  int64_t batches = 0;
  while ((valid = adj_batcher_next(b)) > 0) {
    ++batches;
    EXPECT_LE(valid, batch);
    for (int64_t r = 0; r < batch; ++r) {
      double x0 = at(b->features, dt, 2 * r),
             x1 = at(b->features, dt, 2 * r + 1);
      double m = at(b->mask, dt, r);
      if (r < valid) {
        EXPECT_EQ(m, 1.0);
        EXPECT_EQ(x1, -1.0);
        int64_t idx = int64_t(x0);
        EXPECT_EQ(b->labels[r], idx % 5 + 1);
        order.push_back(idx);
      } else {
        EXPECT_EQ(m, 0.0);
        EXPECT_EQ(x0, 0.0);
        EXPECT_EQ(x1, 0.0);
        EXPECT_EQ(b->labels[r], 0);
      }
    }
  }
  EXPECT_EQ(batches, adj_batcher_num_batches(b));
  EXPECT_EQ(adj_batcher_next(b), 0); // stays exhausted
  return order;
}

TEST(RuntimeBatcher, ShuffledEpochsVisitEverySampleOnce) {
  const int64_t n = 23, batch = 5;
  for (adj_dtype dt : {ADJ_F32, ADJ_F64}) {
    adj_dataset ds = indexDataset(n, dt);
    adj_batcher b, b2;
    ASSERT_EQ(
        adj_batcher_init(&b, &ds, batch, 1, 99, nullptr, nullptr, nullptr), 0);
    ASSERT_EQ(
        adj_batcher_init(&b2, &ds, batch, 1, 99, nullptr, nullptr, nullptr), 0);
    EXPECT_EQ(adj_batcher_num_batches(&b), 5);
    std::vector<std::vector<int64_t>> epochs;
    for (int e = 0; e < 3; ++e) {
      auto order = runEpoch(&b, batch, dt);
      ASSERT_EQ(order.size(), size_t(n));
      std::vector<int> seen(n, 0);
      for (int64_t i : order) {
        ASSERT_GE(i, 0);
        ASSERT_LT(i, n);
        seen[i]++;
      }
      for (int c : seen)
        EXPECT_EQ(c, 1);
      // Same seed, same shuffle.
      EXPECT_EQ(runEpoch(&b2, batch, dt), order);
      epochs.push_back(order);
    }
    EXPECT_NE(epochs[0], epochs[1]);
    EXPECT_NE(epochs[1], epochs[2]);
    adj_batcher_free(&b);
    adj_batcher_free(&b2);
    adj_dataset_free(&ds);
  }
}

TEST(RuntimeBatcher, InOrderWithCallerBuffersAllocatesNothing) {
  const int64_t n = 12, batch = 8;
  adj_dataset ds = indexDataset(n, ADJ_F64);
  std::vector<double> feat(batch * 2, 7.0), mask(batch, 7.0);
  std::vector<int32_t> labels(batch, 7);
  uint64_t before = adj_alloc_count();
  adj_batcher b;
  ASSERT_EQ(adj_batcher_init(&b, &ds, batch, 0, 0, feat.data(), labels.data(),
                             mask.data()),
            0);
  for (int e = 0; e < 2; ++e) {
    auto order = runEpoch(&b, batch, ADJ_F64);
    ASSERT_EQ(order.size(), size_t(n));
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(order[i], i);
  }
  EXPECT_EQ(adj_alloc_count(), before);
  // Next without an explicit start begins a fresh epoch after a new init.
  adj_batcher_free(&b);
  ASSERT_EQ(adj_batcher_init(&b, &ds, batch, 0, 0, feat.data(), labels.data(),
                             mask.data()),
            0);
  EXPECT_EQ(adj_batcher_next(&b), 8);
  EXPECT_EQ(adj_batcher_next(&b), 4);
  EXPECT_EQ(mask[3], 1.0);
  EXPECT_EQ(mask[4], 0.0);
  EXPECT_EQ(adj_batcher_next(&b), 0);
  adj_batcher_free(&b);
  adj_dataset_free(&ds);
}

TEST(RuntimeBatcher, RejectsBadArguments) {
  adj_dataset ds = indexDataset(4, ADJ_F32);
  adj_batcher b;
  EXPECT_NE(adj_batcher_init(&b, &ds, 0, 0, 0, nullptr, nullptr, nullptr), 0);
  float f[8];
  EXPECT_NE(adj_batcher_init(&b, &ds, 4, 0, 0, f, nullptr, nullptr), 0);
  adj_dataset empty{};
  EXPECT_NE(adj_batcher_init(&b, &empty, 4, 0, 0, nullptr, nullptr, nullptr),
            0);
  EXPECT_EQ(adj_batcher_next(&b), 0);
  adj_dataset_free(&ds);

  adj_dataset d2;
  int32_t badLabels[2] = {0, -1};
  double feats[2] = {0, 0};
  EXPECT_NE(adj_dataset_from_memory(ADJ_F64, 2, 1, feats, badLabels, &d2), 0);
}

} // namespace

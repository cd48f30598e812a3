// Unit tests of the Adjoint runtime: CSV reader, CSV regression datasets, R^2.
#include "adjoint/runtime.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace {

std::string tmpPath(const std::string &name) {
  return std::string(ADJOINT_TEST_TMPDIR) + "/runtime_csv_" + name;
}

std::string writeFile(const std::string &name, const std::string &text) {
  std::string path = tmpPath(name);
  FILE *f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (!text.empty())
    std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

std::string writeGz(const std::string &name, const std::string &text) {
  std::string path = tmpPath(name);
  gzFile gz = gzopen(path.c_str(), "wb");
  EXPECT_NE(gz, nullptr);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  return path;
}

// Reads `text` as a CSV file; returns the error message ("" on success).
std::string readError(const std::string &name, const std::string &text) {
  std::string path = writeFile(name, text);
  adj_csv csv;
  int rc = adj_csv_read(path.c_str(), &csv);
  std::string msg = rc == 0 ? "" : adj_last_error();
  EXPECT_EQ(rc == 0, csv.data != nullptr);
  adj_csv_free(&csv);
  return msg;
}

void expectTable(const adj_csv &csv, int64_t rows, int64_t cols,
                 const std::vector<double> &values) {
  ASSERT_EQ(csv.rows, rows);
  ASSERT_EQ(csv.cols, cols);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_DOUBLE_EQ(csv.data[i], values[i]) << "value " << i;
}

TEST(Csv, Separators) {
  const std::vector<double> v = {1, 2.5, -3, 4e2, 0.5, 6};
  struct Case {
    const char *name, *text;
    char sep;
  } cases[] = {
      {"comma", "1,2.5,-3\n4e2,.5,6\n", ','},
      {"comma_spaces", " 1 , 2.5,\t-3\r\n4e2 ,.5, 6\r\n", ','},
      {"semicolon", "1;2.5;-3\n4e2;.5;6", ';'},
      {"spaces", "1 2.5   -3\n  4e2\t.5 6  \n\n", 0},
      {"tabs", "1\t2.5\t-3\n4e2\t.5\t6\n", 0},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = writeFile(c.name, c.text);
    adj_csv csv;
    ASSERT_EQ(adj_csv_read(path.c_str(), &csv), 0) << adj_last_error();
    EXPECT_EQ(csv.separator, c.sep);
    EXPECT_EQ(csv.has_header, 0);
    expectTable(csv, 2, 3, v);
    adj_csv_free(&csv);
  }
}

TEST(Csv, HeaderAndBlankLines) {
  std::string path =
      writeFile("header", "\n  \nage,bmi\n\n1,2\n3,4\n\n");
  adj_csv csv;
  ASSERT_EQ(adj_csv_read(path.c_str(), &csv), 0) << adj_last_error();
  EXPECT_EQ(csv.has_header, 1);
  expectTable(csv, 2, 2, {1, 2, 3, 4});
  adj_csv_free(&csv);
}

TEST(Csv, Gzip) {
  std::string text;
  for (int r = 0; r < 1000; ++r)
    text += std::to_string(r) + " " + std::to_string(r * 0.5) + "\n";
  std::string path = writeGz("data.csv.gz", text);
  adj_csv csv;
  ASSERT_EQ(adj_csv_read(path.c_str(), &csv), 0) << adj_last_error();
  ASSERT_EQ(csv.rows, 1000);
  ASSERT_EQ(csv.cols, 2);
  EXPECT_DOUBLE_EQ(csv.data[2 * 999], 999);
  EXPECT_DOUBLE_EQ(csv.data[2 * 999 + 1], 499.5);
  adj_csv_free(&csv);
}

TEST(Csv, Errors) {
  auto p = [](const char *n) { return tmpPath(n); };
  EXPECT_EQ(readError("bad", "1,2\n3,abc\n"),
            p("bad") + ":2:3: expected a number, found 'abc'");
  EXPECT_EQ(readError("bad_ws", "1 2 3\n4 5 x7\n"),
            p("bad_ws") + ":2:5: expected a number, found 'x7'");
  EXPECT_EQ(readError("empty_field", "1,2\n3,,4\n"),
            p("empty_field") + ":2:3: expected a number, found an empty field");
  EXPECT_EQ(readError("trailing_comma", "1,2,\n"),
            p("trailing_comma") +
                ":1:5: expected a number, found an empty field");
  EXPECT_EQ(readError("nan", "1,2\nnan,4\n"),
            p("nan") + ":2:1: expected a finite number, found 'nan'");
  EXPECT_EQ(readError("inf", "1;-inf\n"),
            p("inf") + ":1:3: expected a finite number, found '-inf'");
  EXPECT_EQ(readError("overflow", "1e999 2\n"),
            p("overflow") + ":1:1: expected a finite number, found '1e999'");
  EXPECT_EQ(readError("short_row", "1,2,3\n4,5\n"),
            p("short_row") + ":2:4: expected 3 columns, found 2");
  EXPECT_EQ(readError("long_row", "1 2\n3 4 5\n"),
            p("long_row") + ":2:5: expected 2 columns, found more");
  EXPECT_EQ(readError("empty", ""), p("empty") + ": no data rows");
  EXPECT_EQ(readError("blank", "\n \n\t\n"), p("blank") + ": no data rows");
  EXPECT_EQ(readError("only_header", "a,b\n"),
            p("only_header") + ": no data rows after the header");
  EXPECT_EQ(readError("nul", std::string("1,2\n3,4\0" "5\n", 10)),
            p("nul") + ":2:3: expected a number, found '4?5'");
  std::string longField(100, '7');
  longField += "z";
  EXPECT_EQ(readError("long_field", "1 " + longField + "\n"),
            p("long_field") + ":1:3: expected a number, found '" +
                std::string(40, '7') + "...'");
  adj_csv csv;
  std::string missing = p("does_not_exist.csv");
  EXPECT_NE(adj_csv_read(missing.c_str(), &csv), 0);
  EXPECT_EQ(std::string(adj_last_error()),
            missing + ": cannot open file: No such file or directory");
}

TEST(Csv, CorruptGzip) {
  std::string text;
  for (int r = 0; r < 5000; ++r)
    text += std::to_string(r) + "," + std::to_string(r * 3) + "\n";
  std::string good = writeGz("corrupt.csv.gz", text);
  FILE *f = std::fopen(good.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string bytes;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    bytes.append(buf, n);
  std::fclose(f);
  for (size_t i = 20; i < bytes.size() - 20; i += 7)
    bytes[i] ^= 0x5a;
  std::string path = writeFile("corrupt.csv.gz", bytes);
  adj_csv csv;
  EXPECT_NE(adj_csv_read(path.c_str(), &csv), 0);
  EXPECT_NE(std::string(adj_last_error()).find(path + ":"), std::string::npos)
      << adj_last_error();
}

TEST(Csv, TruncatedGzip) {
  std::string text;
  for (int r = 0; r < 5000; ++r)
    text += std::to_string(r) + " " + std::to_string(r * 7) + "\n";
  std::string gz = writeGz("trunc.csv.gz", text);
  FILE *f = std::fopen(gz.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string bytes(100000, '\0');
  bytes.resize(std::fread(&bytes[0], 1, bytes.size(), f));
  std::fclose(f);
  std::string path = writeFile("trunc.csv.gz", bytes.substr(0, bytes.size() / 2));
  adj_csv csv;
  EXPECT_NE(adj_csv_read(path.c_str(), &csv), 0);
  EXPECT_EQ(std::string(adj_last_error()).rfind(path + ": corrupt gzip data: ", 0),
            0u)
      << adj_last_error();
}

TEST(Csv, HugeLine) {
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += i ? ",1.5" : "1.5";
  text += "\n";
  std::string path = writeFile("huge", text);
  adj_csv csv;
  ASSERT_EQ(adj_csv_read(path.c_str(), &csv), 0) << adj_last_error();
  EXPECT_EQ(csv.rows, 1);
  EXPECT_EQ(csv.cols, 200000);
  adj_csv_free(&csv);
}

// Random bytes and random mutations of a valid table: every outcome is either
// a table or an error naming the file; no crash (run under ASan in CI).
TEST(Csv, FuzzNoCrash) {
  std::mt19937 rng(12345);
  const char alphabet[] = "0123456789.,; \t\n\r-+eEnaifxX";
  std::string path = tmpPath("fuzz");
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text;
    size_t len = rng() % 200;
    bool bytesMode = iter % 4 == 0;
    for (size_t i = 0; i < len; ++i)
      text += bytesMode ? static_cast<char>(rng() & 0xff)
                        : alphabet[rng() % (sizeof alphabet - 1)];
    writeFile("fuzz", text);
    adj_csv csv;
    int rc = adj_csv_read(path.c_str(), &csv);
    if (rc == 0) {
      EXPECT_GT(csv.rows, 0);
      EXPECT_GT(csv.cols, 0);
      for (int64_t i = 0; i < csv.rows * csv.cols; ++i)
        EXPECT_TRUE(std::isfinite(csv.data[i]));
    } else {
      EXPECT_EQ(std::string(adj_last_error()).rfind(path, 0), 0u)
          << adj_last_error();
    }
    adj_csv_free(&csv);
  }
}

TEST(CsvRegression, SplitAndStandardize) {
  // 10 rows: x = r, x2 = 5 (constant), target = 2r + 1.
  std::string feats, targs, both;
  for (int r = 0; r < 10; ++r) {
    feats += std::to_string(r) + ",5\n";
    targs += std::to_string(2 * r + 1) + "\n";
    both += std::to_string(r) + " 5 " + std::to_string(2 * r + 1) + "\n";
  }
  std::string fp = writeFile("reg_x.csv", "x,c\n" + feats);
  std::string tp = writeGz("reg_t.csv.gz", targs);
  std::string bp = writeFile("reg_both.csv", both);
  for (int combined = 0; combined < 2; ++combined) {
    SCOPED_TRACE(combined);
    adj_dataset train, test;
    ASSERT_EQ(adj_csv_regression_load(combined ? bp.c_str() : fp.c_str(),
                                      combined ? nullptr : tp.c_str(), 1, 0.2,
                                      1, ADJ_F64, &train, &test),
              0)
        << adj_last_error();
    ASSERT_EQ(train.num_samples, 8);
    ASSERT_EQ(test.num_samples, 2);
    EXPECT_EQ(train.sample_numel, 3);
    EXPECT_EQ(train.num_classes, 0);
    const double *tr = static_cast<const double *>(train.features);
    const double *te = static_cast<const double *>(test.features);
    // Training statistics of x: mean 3.5, population std sqrt(5.25).
    double sd = std::sqrt(5.25);
    EXPECT_NEAR(tr[0], (0 - 3.5) / sd, 1e-12);
    EXPECT_NEAR(te[0], (8 - 3.5) / sd, 1e-12); // test row 8, train stats
    EXPECT_NEAR(tr[1], 0.0, 1e-12);            // constant: centered only
    // Target 2r + 1: mean 8, std 2 * sqrt(5.25).
    EXPECT_NEAR(tr[2], (1 - 8) / (2 * sd), 1e-12);
    EXPECT_NEAR(te[3 + 2], (19 - 8) / (2 * sd), 1e-12);
    adj_dataset_free(&train);
    adj_dataset_free(&test);
  }
  adj_dataset train, test;
  std::string shortT = writeFile("reg_short.csv", "1\n2\n");
  EXPECT_NE(adj_csv_regression_load(fp.c_str(), shortT.c_str(), 1, 0.2, 1,
                                    ADJ_F32, &train, &test),
            0);
  EXPECT_EQ(std::string(adj_last_error()),
            fp + " has 10 rows but " + shortT + " has 2");
  EXPECT_NE(adj_csv_regression_load(shortT.c_str(), nullptr, 1, 0.2, 1,
                                    ADJ_F32, &train, &test),
            0);
  EXPECT_EQ(std::string(adj_last_error()),
            shortT + ": expected more than 1 columns (features, then 1 "
                     "target), found 1");
}

TEST(R2, Score) {
  const double t[] = {1, 2, 3, 4};
  const double perfect[] = {1, 2, 3, 4};
  const double mean[] = {2.5, 2.5, 2.5, 2.5};
  const double off[] = {2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(adj_r2_score(perfect, t, 4), 1.0);
  EXPECT_DOUBLE_EQ(adj_r2_score(mean, t, 4), 0.0);
  EXPECT_DOUBLE_EQ(adj_r2_score(off, t, 4), 1.0 - 4.0 / 5.0);
  // Invariant to an affine map of predictions and targets together.
  double t2[4], off2[4];
  for (int i = 0; i < 4; ++i) {
    t2[i] = 3 * t[i] - 7;
    off2[i] = 3 * off[i] - 7;
  }
  EXPECT_NEAR(adj_r2_score(off2, t2, 4), 0.2, 1e-12);
  const double c[] = {1, 1};
  EXPECT_DOUBLE_EQ(adj_r2_score(c, c, 2), 1.0);
  EXPECT_TRUE(std::isinf(adj_r2_score(t, c, 2)));
  EXPECT_TRUE(std::isnan(adj_r2_score(t, c, 0)));
}

} // namespace

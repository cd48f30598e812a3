// Unit tests of the per-kernel profile (adjoint/profile.h) that models
// compiled with --profile call.
#include "adjoint/profile.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <time.h>

namespace {

void spin(double seconds) {
  timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do
    clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) + 1e-9 * (t.tv_nsec - t0.tv_nsec) < seconds);
}

std::string report(const char *filter, double peak) {
  char *buf = nullptr;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  adj_prof_report(f, filter, peak);
  fclose(f);
  std::string s(buf, len);
  free(buf);
  return s;
}

const adj_prof_region *find(const char *name) {
  for (int i = 0; i < adj_prof_count(); ++i)
    if (std::strcmp(adj_prof_get(i)->name, name) == 0)
      return adj_prof_get(i);
  return nullptr;
}

TEST(RuntimeProfile, AccumulatesTimeCallsAndFlopsPerRegion) {
  static const char a[] = "m_train_step | matmul 8x8x8 | m.adj:3:5";
  static const char b[] = "m_train_step | elementwise 8 | m.adj:4:5";
  static const char p[] = "m_predict | matmul 8x8x8 | m.adj:3:5";
  for (int step = 0; step < 3; ++step) {
    adj_prof_enter(a, 1024);
    spin(0.002);
    adj_prof_exit(a);
    adj_prof_enter(b, 0);
    adj_prof_exit(b);
  }
  adj_prof_enter(p, 1024);
  adj_prof_exit(p);
  const adj_prof_region *ra = find(a), *rb = find(b);
  ASSERT_NE(ra, nullptr);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(ra->calls, 3);
  EXPECT_EQ(ra->flops, 1024);
  EXPECT_GE(ra->seconds, 0.006);
  EXPECT_LT(ra->seconds, 1.0);
  EXPECT_EQ(rb->calls, 3);
  EXPECT_LT(rb->seconds, ra->seconds);

  // An exit that does not match the open region is ignored.
  adj_prof_enter(b, 0);
  adj_prof_exit(a);
  EXPECT_EQ(find(b)->calls, 3);
  EXPECT_EQ(find(a)->calls, 3);

  // The report lists the regions that pass the filter, in first-run order,
  // with GFLOP/s and % of peak only where there are flops.
  std::string r = report("_train_step |", 1000.0);
  EXPECT_NE(r.find("GFLOP/s"), std::string::npos);
  size_t ia = r.find(a), ib = r.find(b);
  ASSERT_NE(ia, std::string::npos) << r;
  ASSERT_NE(ib, std::string::npos) << r;
  EXPECT_LT(ia, ib);
  EXPECT_EQ(r.find("m_predict"), std::string::npos) << r;
  EXPECT_NE(r.find("%  m_train_step | matmul"), std::string::npos) << r;

  adj_prof_reset();
  EXPECT_EQ(find(a)->calls, 0);
  EXPECT_EQ(find(a)->seconds, 0.0);
  EXPECT_EQ(report(nullptr, 0.0), ""); // nothing timed since the reset
}

} // namespace

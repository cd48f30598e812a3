/*===- profile.c - Per-kernel timing of models compiled with --profile ---===*/
#define _POSIX_C_SOURCE 199309L
#include "adjoint/profile.h"

#include <string.h>
#include <time.h>

enum { ADJ_PROF_MAX = 4096 };

static adj_prof_region regions[ADJ_PROF_MAX];
static int region_count;
static int overflowed;
static int current = -1;
static struct timespec started;

static int find_region(const char *name, int64_t flops) {
  /* The region that runs next is usually the one after the last. */
  int next = current + 1;
  if (next < region_count && regions[next].name == name)
    return next;
  for (int i = 0; i < region_count; ++i)
    if (regions[i].name == name || strcmp(regions[i].name, name) == 0)
      return i;
  if (region_count == ADJ_PROF_MAX) {
    overflowed = 1;
    return -1;
  }
  regions[region_count].name = name;
  regions[region_count].flops = flops;
  return region_count++;
}

void adj_prof_enter(const char *region, int64_t flops) {
  current = find_region(region, flops);
  clock_gettime(CLOCK_MONOTONIC, &started);
}

void adj_prof_exit(const char *region) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (current < 0 || regions[current].name != region)
    return;
  regions[current].seconds += (double)(now.tv_sec - started.tv_sec) +
                              1e-9 * (double)(now.tv_nsec - started.tv_nsec);
  regions[current].calls += 1;
}

int adj_prof_count(void) { return region_count; }

const adj_prof_region *adj_prof_get(int i) {
  return i >= 0 && i < region_count ? &regions[i] : NULL;
}

void adj_prof_reset(void) {
  for (int i = 0; i < region_count; ++i) {
    regions[i].seconds = 0;
    regions[i].calls = 0;
  }
}

void adj_prof_report(FILE *out, const char *filter, double peak_gflops) {
  double total = 0;
  int shown = 0;
  for (int i = 0; i < region_count; ++i)
    if (regions[i].calls > 0 &&
        (!filter || strstr(regions[i].name, filter) != NULL))
      total += regions[i].seconds;
  if (total <= 0)
    return;
  fprintf(out, "%10s %6s %9s %7s  %s\n", "ms/call", "share", "GFLOP/s",
          peak_gflops > 0 ? "%peak" : "", "region (function | kernels | source)");
  for (int i = 0; i < region_count; ++i) {
    const adj_prof_region *r = &regions[i];
    if (r->calls == 0 || (filter && strstr(r->name, filter) == NULL))
      continue;
    double ms = 1e3 * r->seconds / (double)r->calls;
    char gf[32] = "", pk[32] = "";
    if (r->flops > 0 && r->seconds > 0) {
      double g = (double)r->flops * (double)r->calls / r->seconds * 1e-9;
      snprintf(gf, sizeof gf, "%.1f", g);
      if (peak_gflops > 0)
        snprintf(pk, sizeof pk, "%.0f%%", 100.0 * g / peak_gflops);
    }
    fprintf(out, "%10.4f %5.1f%% %9s %7s  %s\n", ms,
            100.0 * r->seconds / total, gf, pk, r->name);
    ++shown;
  }
  if (overflowed)
    fprintf(out, "(more than %d regions: the rest were not timed)\n",
            ADJ_PROF_MAX);
  (void)shown;
}

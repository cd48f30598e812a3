/*===- rng.c - Deterministic xoshiro256** generator -----------------------===*/
#include "internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void adj_rng_seed(adj_rng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; ++i)
    rng->s[i] = splitmix64(&x);
  /* splitmix64 is a bijection of a counter, so the four words cannot all be
     zero; keep the guard anyway since all-zero is a fixed point. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
  rng->has_spare = 0;
  rng->spare = 0.0;
}

uint64_t adj_rng_next_u64(adj_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double adj_rng_uniform(adj_rng *rng) {
  return (double)(adj_rng_next_u64(rng) >> 11) * 0x1.0p-53;
}

double adj_rng_normal(adj_rng *rng) {
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  /* Marsaglia polar method. */
  double u, v, s;
  do {
    u = 2.0 * adj_rng_uniform(rng) - 1.0;
    v = 2.0 * adj_rng_uniform(rng) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  rng->spare = v * f;
  rng->has_spare = 1;
  return u * f;
}

uint64_t adj_rng_below(adj_rng *rng, uint64_t n) {
  if (n == 0)
    return 0;
  /* Reject the lowest (2^64 mod n) values so the rest is a whole number of
     copies of [0, n). */
  uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t x = adj_rng_next_u64(rng);
    if (x >= threshold)
      return x % n;
  }
}

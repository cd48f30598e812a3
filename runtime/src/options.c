/*===- options.c - Command-line values of the runtime's programs ----------===*
 *
 * Parsing of option values shared by trainer_main.c and grad_main.c.
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int adj_parse_i64(const char *opt, const char *s, int64_t min, int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min)
    return adj_set_error("%s: expected an integer >= %lld, got '%s'", opt,
                         (long long)min, s);
  *out = v;
  return 0;
}

int adj_parse_u64(const char *opt, const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  if (s[0] == '-')
    return adj_set_error("%s: expected a non-negative integer, got '%s'", opt,
                         s);
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end != '\0')
    return adj_set_error("%s: expected a non-negative integer, got '%s'", opt,
                         s);
  *out = v;
  return 0;
}

int adj_parse_f64(const char *opt, const char *s, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !(v >= 0.0) || v > 1e300)
    return adj_set_error("%s: expected a non-negative number, got '%s'", opt,
                         s);
  *out = v;
  return 0;
}

int adj_option_value(int argc, char **argv, int *i,
                     const char *const *with_value, size_t num_with_value,
                     const char **opt, const char **val) {
  const char *a = argv[*i];
  *opt = NULL;
  *val = NULL;
  for (size_t k = 0; k < num_with_value; ++k) {
    size_t n = strlen(with_value[k]);
    if (!strncmp(a, with_value[k], n) && (a[n] == '\0' || a[n] == '=')) {
      *opt = with_value[k];
      *val = a[n] == '=' ? a + n + 1 : NULL;
      break;
    }
  }
  if (!*opt)
    return adj_set_error("unknown option '%s' (see --help)", a);
  if (!*val) {
    if (*i + 1 >= argc)
      return adj_set_error("%s: missing value", *opt);
    *val = argv[++*i];
  }
  return 0;
}

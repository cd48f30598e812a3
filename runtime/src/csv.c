/*===- csv.c - Numeric CSV tables and regression datasets -----------------===*/
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Reads the whole (possibly gzip-compressed) file into a NUL-terminated
   malloc'd buffer. gzopen reads plain files transparently. */
static int read_all(const char *path, char **out, size_t *len_out) {
  *out = NULL;
  *len_out = 0;
  errno = 0;
  gzFile gz = gzopen(path, "rb");
  if (!gz)
    return adj_set_error("%s: cannot open file: %s", path,
                         errno ? strerror(errno) : "out of memory");
  gzbuffer(gz, 1 << 17);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap + 1);
  if (!buf) {
    gzclose(gz);
    return adj_set_error("%s: out of memory", path);
  }
  for (;;) {
    if (len == cap) {
      if (cap > ((size_t)1 << 40)) {
        free(buf);
        gzclose(gz);
        return adj_set_error("%s: file too large", path);
      }
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) {
        free(buf);
        gzclose(gz);
        return adj_set_error("%s: out of memory", path);
      }
      buf = nb;
      cap *= 2;
    }
    size_t want = cap - len;
    if (want > (1u << 30))
      want = 1u << 30;
    int n = gzread(gz, buf + len, (unsigned)want);
    if (n < 0) {
      int errnum = 0;
      const char *msg = gzerror(gz, &errnum);
      adj_set_error("%s: %s: %s", path,
                    errnum == Z_ERRNO ? "read error" : "corrupt gzip data",
                    errnum == Z_ERRNO ? strerror(errno) : msg);
      free(buf);
      gzclose(gz);
      return -1;
    }
    if (n == 0) {
      /* A gzip stream that ends early reads as end of file with
         Z_BUF_ERROR ("unexpected end of file"). */
      int errnum = 0;
      const char *msg = gzerror(gz, &errnum);
      if (errnum != Z_OK) {
        adj_set_error("%s: corrupt gzip data: %s", path, msg);
        free(buf);
        gzclose(gz);
        return -1;
      }
      break;
    }
    len += (size_t)n;
  }
  gzclose(gz);
  buf[len] = '\0';
  *out = buf;
  *len_out = len;
  return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Quotes a field for an error message: at most 40 bytes, non-printable
   bytes as '?'. */
static void quote_field(const char *s, size_t n, char *dst, size_t cap) {
  size_t k = 0;
  size_t lim = n > 40 ? 40 : n;
  for (size_t i = 0; i < lim && k + 1 < cap; ++i) {
    unsigned char c = (unsigned char)s[i];
    dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  if (n > lim)
    for (int i = 0; i < 3 && k + 1 < cap; ++i)
      dst[k++] = '.';
  dst[k] = '\0';
}

/* Parses field s[0..n) (trimmed, followed by a writable byte) as a finite
   double. 0 = ok, 1 = not a number, 2 = not finite / out of range. */
static int parse_number(char *s, size_t n, double *v) {
  if (n == 0)
    return 1;
  char saved = s[n];
  s[n] = '\0';
  if (memchr(s, '\0', n)) { /* an embedded NUL byte */
    s[n] = saved;
    return 1;
  }
  char *end = NULL;
  errno = 0;
  double d = strtod(s, &end);
  int range = errno == ERANGE;
  int ok = end == s + n && !is_blank(s[0]) && s[0] != '\n';
  s[n] = saved;
  if (!ok)
    return 1;
  if (!isfinite(d) || (range && fabs(d) > 1.0))
    return 2;
  *v = d;
  return 0;
}

typedef struct {
  const char *s; /* field start */
  size_t n;      /* trimmed length */
  size_t col;    /* 1-based byte column of the field start */
} csv_field;

/* Splits one line (without '\n') into fields. Calls back with each field;
   returns the number of fields. sep == 0: runs of spaces/tabs. */
typedef int (*field_fn)(void *ctx, const csv_field *f, int64_t index);

static int64_t split_line(const char *line, size_t len, char sep, field_fn fn,
                          void *ctx, int *stop) {
  int64_t count = 0;
  size_t i = 0;
  *stop = 0;
  if (sep == 0) {
    for (;;) {
      while (i < len && is_blank(line[i]))
        ++i;
      if (i >= len)
        break;
      size_t start = i;
      while (i < len && !is_blank(line[i]))
        ++i;
      csv_field f = {line + start, i - start, start + 1};
      if (fn && fn(ctx, &f, count) != 0) {
        *stop = 1;
        return count;
      }
      ++count;
    }
    return count;
  }
  for (;;) {
    size_t start = i;
    while (i < len && line[i] != sep)
      ++i;
    size_t a = start, b = i;
    while (a < b && is_blank(line[a]))
      ++a;
    while (b > a && is_blank(line[b - 1]))
      --b;
    csv_field f = {line + a, b - a, a + 1};
    if (fn && fn(ctx, &f, count) != 0) {
      *stop = 1;
      return count;
    }
    ++count;
    if (i >= len)
      break;
    ++i; /* past the separator */
  }
  return count;
}

typedef struct {
  const char *path;
  int64_t line;
  int64_t cols; /* expected (0 while unknown) */
  double *data;
  int64_t size, cap;
} parse_ctx;

static int add_value(void *vctx, const csv_field *f, int64_t index) {
  parse_ctx *c = vctx;
  if (c->cols > 0 && index >= c->cols)
    return adj_set_error("%s:%lld:%zu: expected %lld columns, found more",
                         c->path, (long long)c->line, f->col,
                         (long long)c->cols);
  double v = 0.0;
  int rc = parse_number((char *)f->s, f->n, &v);
  if (rc != 0) {
    char q[48];
    quote_field(f->s, f->n, q, sizeof q);
    if (f->n == 0)
      return adj_set_error("%s:%lld:%zu: expected a number, found an empty "
                           "field",
                           c->path, (long long)c->line, f->col);
    return adj_set_error(rc == 1 ? "%s:%lld:%zu: expected a number, found "
                                   "'%s'"
                                 : "%s:%lld:%zu: expected a finite number, "
                                   "found '%s'",
                         c->path, (long long)c->line, f->col, q);
  }
  if (c->size == c->cap) {
    int64_t ncap = c->cap ? c->cap * 2 : 1024;
    if (ncap > ((int64_t)1 << 40))
      return adj_set_error("%s: too many values", c->path);
    double *nd = realloc(c->data, (size_t)ncap * sizeof(double));
    if (!nd)
      return adj_set_error("%s: out of memory", c->path);
    c->data = nd;
    c->cap = ncap;
  }
  c->data[c->size++] = v;
  return 0;
}

static int first_is_number(void *vctx, const csv_field *f, int64_t index) {
  int *is_num = vctx;
  double v;
  (void)index;
  *is_num = parse_number((char *)f->s, f->n, &v) != 1;
  return 1; /* only the first field */
}

int adj_csv_read(const char *path, adj_csv *out) {
  if (!out)
    return adj_set_error("adj_csv_read: null output");
  memset(out, 0, sizeof *out);
  if (!path)
    return adj_set_error("adj_csv_read: null path");
  char *buf = NULL;
  size_t len = 0;
  if (read_all(path, &buf, &len) != 0)
    return -1;
  parse_ctx c;
  memset(&c, 0, sizeof c);
  c.path = path;
  int seen_first = 0;
  char sep = 0;
  int64_t rows = 0;
  int rc = -1;
  size_t pos = 0;
  int64_t lineno = 0;
  while (pos < len) {
    const char *nl = memchr(buf + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - buf) : len;
    char *line = buf + pos;
    size_t llen = end - pos;
    pos = end + 1;
    ++lineno;
    c.line = lineno;
    size_t k = 0;
    while (k < llen && is_blank(line[k]))
      ++k;
    if (k == llen)
      continue; /* blank line */
    while (llen > 0 && line[llen - 1] == '\r')
      --llen;
    int stop = 0;
    if (!seen_first) {
      seen_first = 1;
      /* The separator: ',' if the first line has one, else ';', else
         whitespace. */
      if (memchr(line, ',', llen))
        sep = ',';
      else if (memchr(line, ';', llen))
        sep = ';';
      else
        sep = 0;
      int is_num = 1;
      split_line(line, llen, sep, first_is_number, &is_num, &stop);
      if (!is_num) {
        out->has_header = 1;
        continue;
      }
    }
    int64_t before = c.size;
    int64_t n = split_line(line, llen, sep, add_value, &c, &stop);
    if (stop)
      goto done;
    if (c.cols == 0) {
      c.cols = n;
    } else if (n != c.cols) {
      adj_set_error("%s:%lld:%zu: expected %lld columns, found %lld", path,
                    (long long)lineno, llen + 1, (long long)c.cols,
                    (long long)n);
      goto done;
    }
    (void)before;
    ++rows;
  }
  if (rows == 0) {
    adj_set_error(out->has_header ? "%s: no data rows after the header"
                                  : "%s: no data rows",
                  path);
    goto done;
  }
  out->data = adj_alloc((size_t)c.size * sizeof(double));
  if (!out->data) {
    adj_set_error("%s: out of memory", path);
    goto done;
  }
  memcpy(out->data, c.data, (size_t)c.size * sizeof(double));
  out->rows = rows;
  out->cols = c.cols;
  out->separator = sep;
  rc = 0;
done:
  free(c.data);
  free(buf);
  if (rc != 0) {
    int h = out->has_header;
    memset(out, 0, sizeof *out);
    out->has_header = h;
  }
  return rc;
}

void adj_csv_free(adj_csv *csv) {
  if (!csv)
    return;
  adj_free(csv->data);
  memset(csv, 0, sizeof *csv);
}

/*===------------------------ Regression datasets -----------------------===*/

static int make_split(const char *name, adj_dtype dtype, int64_t rows,
                      int64_t nf, int64_t nt, adj_dataset *out) {
  memset(out, 0, sizeof *out);
  size_t esize = adj_dtype_size(dtype);
  out->features = adj_alloc((size_t)(rows * (nf + nt)) * esize);
  out->labels = adj_alloc((size_t)rows * sizeof(int32_t));
  if (!out->features || !out->labels) {
    adj_dataset_free(out);
    return adj_set_error("%s: out of memory", name);
  }
  out->num_samples = rows;
  out->sample_numel = nf + nt;
  out->sample_rank = 1;
  out->sample_shape[0] = nf + nt;
  out->dtype = dtype;
  out->num_classes = 0; /* a regression dataset */
  return 0;
}

int adj_csv_regression_load(const char *features_path,
                            const char *targets_path, int64_t num_targets,
                            double test_fraction, int standardize_target,
                            adj_dtype dtype, adj_dataset *train,
                            adj_dataset *test) {
  if (!train || !test)
    return adj_set_error("adj_csv_regression_load: null output");
  memset(train, 0, sizeof *train);
  memset(test, 0, sizeof *test);
  if (!features_path)
    return adj_set_error("adj_csv_regression_load: null path");
  if (dtype != ADJ_F32 && dtype != ADJ_F64)
    return adj_set_error("%s: element type must be f32 or f64, got %s",
                         features_path, adj_dtype_name(dtype));
  if (num_targets < 1)
    return adj_set_error("%s: need at least one target column",
                         features_path);
  if (!(test_fraction >= 0.0 && test_fraction < 1.0))
    return adj_set_error("test fraction must be in [0, 1), got %g",
                         test_fraction);
  adj_csv fx, ft;
  memset(&fx, 0, sizeof fx);
  memset(&ft, 0, sizeof ft);
  int rc = -1;
  if (adj_csv_read(features_path, &fx) != 0)
    return -1;
  int64_t n = fx.rows, nf, nt = num_targets;
  if (targets_path) {
    if (adj_csv_read(targets_path, &ft) != 0)
      goto done;
    if (ft.rows != n) {
      adj_set_error("%s has %lld rows but %s has %lld", features_path,
                    (long long)n, targets_path, (long long)ft.rows);
      goto done;
    }
    if (ft.cols != nt) {
      adj_set_error("%s: expected %lld target column%s, found %lld",
                    targets_path, (long long)nt, nt == 1 ? "" : "s",
                    (long long)ft.cols);
      goto done;
    }
    nf = fx.cols;
  } else {
    if (fx.cols <= nt) {
      adj_set_error("%s: expected more than %lld columns (features, then "
                    "%lld target%s), found %lld",
                    features_path, (long long)nt, (long long)nt,
                    nt == 1 ? "" : "s", (long long)fx.cols);
      goto done;
    }
    nf = fx.cols - nt;
  }
  int64_t n_test = (int64_t)floor((double)n * test_fraction + 0.5);
  if (test_fraction > 0.0 && n_test < 1)
    n_test = 1;
  int64_t n_train = n - n_test;
  if (n_train < 1) {
    adj_set_error("%s: %lld rows leave no training rows with test fraction "
                  "%g",
                  features_path, (long long)n, test_fraction);
    goto done;
  }
  /* Row r: features then targets, as doubles. */
  int64_t w = nf + nt;
#define ADJ_CSV_VAL(r, j)                                                     \
  (targets_path ? ((j) < nf ? fx.data[(r) * nf + (j)]                         \
                            : ft.data[(r) * nt + (j) - nf])                   \
                : fx.data[(r) * w + (j)])
  double *mean = calloc((size_t)w, sizeof(double));
  double *scale = calloc((size_t)w, sizeof(double));
  if (!mean || !scale) {
    free(mean);
    free(scale);
    adj_set_error("%s: out of memory", features_path);
    goto done;
  }
  for (int64_t j = 0; j < w; ++j) {
    int standardize = j < nf || standardize_target;
    if (!standardize) {
      mean[j] = 0.0;
      scale[j] = 1.0;
      continue;
    }
    double s = 0.0;
    for (int64_t r = 0; r < n_train; ++r)
      s += ADJ_CSV_VAL(r, j);
    double m = s / (double)n_train, ss = 0.0;
    for (int64_t r = 0; r < n_train; ++r) {
      double d = ADJ_CSV_VAL(r, j) - m;
      ss += d * d;
    }
    double sd = sqrt(ss / (double)n_train);
    mean[j] = m;
    scale[j] = (sd > 0.0 && isfinite(sd)) ? 1.0 / sd : 1.0;
  }
  if (make_split(features_path, dtype, n_train, nf, nt, train) != 0 ||
      (n_test > 0 &&
       make_split(features_path, dtype, n_test, nf, nt, test) != 0)) {
    free(mean);
    free(scale);
    adj_dataset_free(train);
    goto done;
  }
  for (int64_t r = 0; r < n; ++r) {
    adj_dataset *ds = r < n_train ? train : test;
    int64_t rr = r < n_train ? r : r - n_train;
    for (int64_t j = 0; j < w; ++j)
      adj_store_elem(ds->features, dtype, rr * w + j,
                     (ADJ_CSV_VAL(r, j) - mean[j]) * scale[j]);
  }
#undef ADJ_CSV_VAL
  free(mean);
  free(scale);
  rc = 0;
done:
  adj_csv_free(&fx);
  adj_csv_free(&ft);
  return rc;
}

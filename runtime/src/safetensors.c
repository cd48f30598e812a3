/*===- safetensors.c - Safetensors reader and writer ----------------------===*
 *
 * See adjoint/safetensors.h. The reader parses the JSON subset that
 * safetensors headers use (objects, arrays, strings, non-negative integers)
 * and never trusts a length, offset or count from the file before checking
 * it.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "adjoint/safetensors.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/*===------------------------- Element types ----------------------------===*/

typedef struct {
  const char *name;
  unsigned size;
} st_dtype;

/* Every safetensors element type (checkpoints use F32, F64, I32, I64 and
   U64; the others are recognized to report them by name). */
static const st_dtype kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

size_t adj_st_dtype_size(const char *dtype) {
  for (size_t k = 0; dtype && k < sizeof kDtypes / sizeof *kDtypes; ++k)
    if (!strcmp(kDtypes[k].name, dtype))
      return kDtypes[k].size;
  return 0;
}

const char *adj_st_dtype_of(adj_dtype dt) {
  switch (dt) {
  case ADJ_F32:
    return "F32";
  case ADJ_F64:
    return "F64";
  case ADJ_I32:
    return "I32";
  }
  return "?";
}

static int host_is_little_endian(void) {
  const uint16_t probe = 1;
  return *(const unsigned char *)&probe == 1;
}

/* Copies `bytes` bytes of `esize`-byte elements, converting between host
   and little-endian order (the same operation in both directions). */
static void copy_le(void *dst, const void *src, size_t bytes, size_t esize) {
  if (host_is_little_endian() || esize == 1) {
    memcpy(dst, src, bytes);
    return;
  }
  unsigned char *d = dst;
  const unsigned char *s = src;
  for (size_t k = 0; k + esize <= bytes; k += esize)
    for (size_t b = 0; b < esize; ++b)
      d[k + b] = s[k + esize - 1 - b];
}

static uint64_t load_le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

static void store_le64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = (unsigned char)(v >> (8 * i));
}

/*===------------------------- Growable text ----------------------------===*/

typedef struct {
  char *data;
  size_t len, cap;
  int failed;
} text_buf;

static void text_reserve(text_buf *b, size_t extra) {
  if (b->failed || b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) {
    b->failed = 1;
    return;
  }
  b->data = d;
  b->cap = cap;
}

static void text_append(text_buf *b, const char *s, size_t n) {
  text_reserve(b, n);
  if (b->failed)
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void text_puts(text_buf *b, const char *s) {
  text_append(b, s, strlen(s));
}

/* Appends `s` as a JSON string literal. */
static void text_json_string(text_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  text_puts(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; ++c) {
    if (*c == '"' || *c == '\\') {
      char esc[2] = {'\\', (char)*c};
      text_append(b, esc, 2);
    } else if (*c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15]};
      text_append(b, esc, 6);
    } else {
      text_append(b, (const char *)c, 1);
    }
  }
  text_puts(b, "\"");
}

static void text_meta(text_buf *b, const char *key, const char *value,
                      int first) {
  if (!first)
    text_puts(b, ",");
  text_json_string(b, key);
  text_puts(b, ":");
  text_json_string(b, value);
}

/*===----------------------------- Writing ------------------------------===*/

static int write_all(int fd, const void *buf, size_t n) {
  const unsigned char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (w == 0) {
      errno = EIO;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes `bytes` bytes of `esize`-byte host-order elements little-endian. */
static int write_le(int fd, const void *data, size_t bytes, size_t esize) {
  if (host_is_little_endian() || esize == 1)
    return write_all(fd, data, bytes);
  unsigned char chunk[4096];
  const unsigned char *p = data;
  while (bytes > 0) {
    size_t n = bytes < sizeof chunk ? bytes : sizeof chunk;
    copy_le(chunk, p, n, esize);
    if (write_all(fd, chunk, n) != 0)
      return -1;
    p += n;
    bytes -= n;
  }
  return 0;
}

/* CRC-32 of the little-endian bytes of host-order data. */
static uLong crc_le(uLong crc, const void *data, size_t bytes, size_t esize) {
  const unsigned char *p = data;
  int convert = !host_is_little_endian() && esize > 1;
  unsigned char chunk[4096];
  while (bytes > 0) {
    size_t n = convert ? sizeof chunk : (size_t)1 << 30;
    if (n > bytes)
      n = bytes;
    const unsigned char *src = p;
    if (convert) {
      copy_le(chunk, p, n, esize);
      src = chunk;
    }
    crc = crc32(crc, src, (uInt)n);
    p += n;
    bytes -= n;
  }
  return crc;
}

/* fsync of the directory holding `path`, so the rename is durable. */
static int sync_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir;
  if (!slash)
    dir = adj_concat(".", "");
  else if (slash == path)
    dir = adj_concat("/", "");
  else {
    size_t n = (size_t)(slash - path);
    dir = malloc(n + 1);
    if (dir) {
      memcpy(dir, path, n);
      dir[n] = '\0';
    }
  }
  if (!dir) {
    errno = ENOMEM;
    return -1;
  }
  int fd = open(dir, O_RDONLY);
  free(dir);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  /* Some file systems cannot sync directories; that is not a failed save. */
  if (rc != 0 && (errno == EINVAL || errno == ENOTSUP || errno == EBADF))
    rc = 0;
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int adj_safetensors_write(const char *path, const adj_st_tensor *tensors,
                          int num_tensors, const adj_st_meta *meta,
                          int num_meta, const char *crc_key) {
  if (!path || !*path)
    return adj_set_error("safetensors: empty file name");
  size_t *bytes = calloc((size_t)num_tensors + 1, sizeof *bytes);
  size_t *esizes = calloc((size_t)num_tensors + 1, sizeof *esizes);
  if (!bytes || !esizes) {
    free(bytes);
    free(esizes);
    return adj_set_error("%s: out of memory", path);
  }

  /* Header: tensors in file order with consecutive offsets, then metadata. */
  text_buf h = {0};
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t offset = 0;
  char num[64];
  int rc = -1;
  char *tmp = NULL;
  text_puts(&h, "{");
  for (int i = 0; i < num_tensors; ++i) {
    const adj_st_tensor *e = &tensors[i];
    esizes[i] = adj_st_dtype_size(e->dtype);
    if (esizes[i] == 0 || e->rank < 0 || e->rank > ADJ_MAX_RANK) {
      adj_set_error("%s: tensor '%s': invalid dtype or rank", path, e->name);
      goto out;
    }
    uint64_t n = 1;
    for (int d = 0; d < e->rank; ++d)
      n *= (uint64_t)e->shape[d];
    bytes[i] = (size_t)n * esizes[i];
    if (i > 0)
      text_puts(&h, ",");
    text_json_string(&h, e->name);
    text_puts(&h, ":{\"dtype\":");
    text_json_string(&h, e->dtype);
    text_puts(&h, ",\"shape\":[");
    for (int d = 0; d < e->rank; ++d) {
      snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)e->shape[d]);
      text_puts(&h, num);
    }
    snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}",
             (unsigned long long)offset,
             (unsigned long long)(offset + bytes[i]));
    text_puts(&h, num);
    offset += bytes[i];
    if (crc_key)
      crc = crc_le(crc, e->data, bytes[i], esizes[i]);
  }
  if (num_meta > 0 || crc_key) {
    text_puts(&h,
              num_tensors > 0 ? ",\"__metadata__\":{" : "\"__metadata__\":{");
    for (int i = 0; i < num_meta; ++i)
      text_meta(&h, meta[i].key, meta[i].value, i == 0);
    if (crc_key) {
      snprintf(num, sizeof num, "%08lx", (unsigned long)(crc & 0xffffffffUL));
      text_meta(&h, crc_key, num, num_meta == 0);
    }
    text_puts(&h, "}");
  }
  text_puts(&h, "}");
  /* Pad with spaces so that the data starts 8-byte aligned. */
  while (!h.failed && (8 + h.len) % 8 != 0)
    text_puts(&h, " ");
  if (h.failed || !(tmp = adj_concat(path, ".tmp"))) {
    adj_set_error("%s: out of memory", path);
    goto out;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) {
    adj_set_error("%s: cannot open %s for writing: %s", path, tmp,
                  strerror(errno));
    goto out;
  }
  unsigned char len_le[8];
  store_le64(len_le, (uint64_t)h.len);
  int ok = write_all(fd, len_le, 8) == 0 && write_all(fd, h.data, h.len) == 0;
  for (int i = 0; i < num_tensors && ok; ++i)
    ok = write_le(fd, tensors[i].data, bytes[i], esizes[i]) == 0;
  if (ok && fsync(fd) != 0)
    ok = 0;
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = 0;
    err = errno;
  }
  if (!ok) {
    adj_set_error("%s: cannot write %s: %s", path, tmp, strerror(err));
    unlink(tmp);
    goto out;
  }
  if (rename(tmp, path) != 0) {
    adj_set_error("%s: cannot move %s into place: %s", path, tmp,
                  strerror(errno));
    unlink(tmp);
    goto out;
  }
  if (sync_parent_dir(path) != 0) {
    adj_set_error("%s: cannot sync its directory: %s", path, strerror(errno));
    goto out;
  }
  rc = 0;
out:
  free(tmp);
  free(h.data);
  free(bytes);
  free(esizes);
  return rc;
}

/*===------------------------- Header parsing ---------------------------===*/

typedef struct {
  char *name;
  int dtype; /* index into kDtypes */
  int rank;
  int64_t shape[ADJ_MAX_RANK];
  uint64_t begin, end;
} st_entry;

typedef struct {
  char *key, *value;
} st_meta;

typedef struct {
  const char *path;
  const char *kind;
  char *p, *end, *start; /* header text being parsed (modified in place) */
  st_entry *entries;
  int num_entries, cap_entries;
  st_meta *meta;
  int num_meta, cap_meta;
  int has_meta;
} st_parser;

static int perr(st_parser *ps, const char *what) {
  return adj_set_error("%s: malformed %s header: %s at byte %lld", ps->path,
                       ps->kind, what, (long long)(8 + (ps->p - ps->start)));
}

static void skip_ws(st_parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int expect(st_parser *ps, char c) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != c) {
    char what[32];
    snprintf(what, sizeof what, "expected '%c'", c);
    return perr(ps, what);
  }
  ps->p++;
  return 0;
}

/* Whether the next non-blank character is `c` (consumed if so). */
static int accept(st_parser *ps, char c) {
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == c) {
    ps->p++;
    return 1;
  }
  return 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Parses a string literal, decoding it in place (the decoded text is never
   longer than the literal); *out points at the NUL-terminated result. */
static int parse_string(st_parser *ps, char **out) {
  if (expect(ps, '"') != 0)
    return -1;
  char *dst = ps->p, *begin = ps->p;
  for (;;) {
    if (ps->p >= ps->end)
      return perr(ps, "unterminated string");
    unsigned char c = (unsigned char)*ps->p;
    if (c == '"')
      break;
    if (c < 0x20)
      return perr(ps, "control character in string");
    if (c != '\\') {
      *dst++ = (char)c;
      ps->p++;
      continue;
    }
    if (ps->end - ps->p < 2)
      return perr(ps, "unterminated string");
    char e = ps->p[1];
    ps->p += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      *dst++ = e;
      break;
    case 'b':
      *dst++ = '\b';
      break;
    case 'f':
      *dst++ = '\f';
      break;
    case 'n':
      *dst++ = '\n';
      break;
    case 'r':
      *dst++ = '\r';
      break;
    case 't':
      *dst++ = '\t';
      break;
    case 'u': {
      if (ps->end - ps->p < 4)
        return perr(ps, "truncated \\u escape");
      unsigned cp = 0;
      for (int i = 0; i < 4; ++i) {
        int d = hex_digit(ps->p[i]);
        if (d < 0)
          return perr(ps, "invalid \\u escape");
        cp = cp * 16 + (unsigned)d;
      }
      ps->p += 4;
      /* Surrogates are not produced by the writer; reject them. A \u escape
         takes 6 bytes and decodes to at most 3. */
      if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
        return perr(ps, "unsupported \\u escape");
      if (cp < 0x80) {
        *dst++ = (char)cp;
      } else if (cp < 0x800) {
        *dst++ = (char)(0xc0 | (cp >> 6));
        *dst++ = (char)(0x80 | (cp & 0x3f));
      } else {
        *dst++ = (char)(0xe0 | (cp >> 12));
        *dst++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *dst++ = (char)(0x80 | (cp & 0x3f));
      }
      break;
    }
    default:
      return perr(ps, "invalid escape in string");
    }
  }
  ps->p++; /* closing quote; dst < ps->p, so the NUL fits */
  *dst = '\0';
  *out = begin;
  return 0;
}

static int parse_uint(st_parser *ps, uint64_t *out) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
    return perr(ps, "expected a non-negative integer");
  if (*ps->p == '0' && ps->end - ps->p > 1 && ps->p[1] >= '0' &&
      ps->p[1] <= '9')
    return perr(ps, "integer with a leading zero");
  uint64_t v = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    unsigned d = (unsigned)(*ps->p - '0');
    if (v > (UINT64_C(1) << 62) / 10)
      return perr(ps, "integer too large");
    v = v * 10 + d;
    ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
    return perr(ps, "expected an integer");
  *out = v;
  return 0;
}

/* "[a, b, ...]" of at most `max` non-negative integers. */
static int parse_uint_array(st_parser *ps, uint64_t *vals, int max, int *n) {
  if (expect(ps, '[') != 0)
    return -1;
  *n = 0;
  if (accept(ps, ']'))
    return 0;
  do {
    if (*n >= max)
      return perr(ps, "too many array elements");
    if (parse_uint(ps, &vals[*n]) != 0)
      return -1;
    (*n)++;
  } while (accept(ps, ','));
  return expect(ps, ']');
}

static int parse_metadata(st_parser *ps) {
  if (ps->has_meta)
    return perr(ps, "duplicate \"__metadata__\"");
  ps->has_meta = 1;
  if (expect(ps, '{') != 0)
    return -1;
  if (accept(ps, '}'))
    return 0;
  do {
    char *key, *value;
    if (parse_string(ps, &key) != 0 || expect(ps, ':') != 0 ||
        parse_string(ps, &value) != 0)
      return -1;
    for (int i = 0; i < ps->num_meta; ++i)
      if (!strcmp(ps->meta[i].key, key))
        return perr(ps, "duplicate metadata key");
    if (ps->num_meta == ps->cap_meta) {
      int cap = ps->cap_meta ? ps->cap_meta * 2 : 16;
      st_meta *m = realloc(ps->meta, (size_t)cap * sizeof *m);
      if (!m)
        return adj_set_error("%s: out of memory", ps->path);
      ps->meta = m;
      ps->cap_meta = cap;
    }
    ps->meta[ps->num_meta].key = key;
    ps->meta[ps->num_meta].value = value;
    ps->num_meta++;
  } while (accept(ps, ','));
  return expect(ps, '}');
}

static int parse_tensor(st_parser *ps, char *name) {
  for (int i = 0; i < ps->num_entries; ++i)
    if (!strcmp(ps->entries[i].name, name))
      return perr(ps, "duplicate tensor name");
  if (ps->num_entries >= ADJ_ST_MAX_TENSORS)
    return perr(ps, "too many tensors");
  if (ps->num_entries == ps->cap_entries) {
    int cap = ps->cap_entries ? ps->cap_entries * 2 : 32;
    st_entry *e = realloc(ps->entries, (size_t)cap * sizeof *e);
    if (!e)
      return adj_set_error("%s: out of memory", ps->path);
    ps->entries = e;
    ps->cap_entries = cap;
  }
  st_entry *e = &ps->entries[ps->num_entries];
  memset(e, 0, sizeof *e);
  e->name = name;
  e->dtype = -1;
  int seen_dtype = 0, seen_shape = 0, seen_offsets = 0;
  if (expect(ps, '{') != 0)
    return -1;
  if (!accept(ps, '}')) {
    do {
      char *key;
      if (parse_string(ps, &key) != 0 || expect(ps, ':') != 0)
        return -1;
      if (!strcmp(key, "dtype")) {
        char *dt;
        if (seen_dtype++ || parse_string(ps, &dt) != 0)
          return seen_dtype > 1 ? perr(ps, "duplicate \"dtype\"") : -1;
        for (size_t k = 0; k < sizeof kDtypes / sizeof *kDtypes; ++k)
          if (!strcmp(kDtypes[k].name, dt))
            e->dtype = (int)k;
        if (e->dtype < 0)
          return perr(ps, "unknown dtype");
      } else if (!strcmp(key, "shape")) {
        uint64_t dims[ADJ_MAX_RANK];
        if (seen_shape++)
          return perr(ps, "duplicate \"shape\"");
        if (parse_uint_array(ps, dims, ADJ_MAX_RANK, &e->rank) != 0)
          return -1;
        for (int d = 0; d < e->rank; ++d)
          e->shape[d] = (int64_t)dims[d];
      } else if (!strcmp(key, "data_offsets")) {
        uint64_t off[2];
        int n = 0;
        if (seen_offsets++)
          return perr(ps, "duplicate \"data_offsets\"");
        if (parse_uint_array(ps, off, 2, &n) != 0)
          return -1;
        if (n != 2)
          return perr(ps, "\"data_offsets\" needs two integers");
        e->begin = off[0];
        e->end = off[1];
      } else {
        return perr(ps, "unknown tensor field");
      }
    } while (accept(ps, ','));
    if (expect(ps, '}') != 0)
      return -1;
  }
  if (!seen_dtype || !seen_shape || !seen_offsets)
    return perr(ps, "tensor without dtype, shape or data_offsets");
  ps->num_entries++;
  return 0;
}

static int parse_header(st_parser *ps) {
  if (expect(ps, '{') != 0)
    return -1;
  if (!accept(ps, '}')) {
    do {
      char *key;
      if (parse_string(ps, &key) != 0 || expect(ps, ':') != 0)
        return -1;
      int rc = !strcmp(key, "__metadata__") ? parse_metadata(ps)
                                            : parse_tensor(ps, key);
      if (rc != 0)
        return -1;
    } while (accept(ps, ','));
    if (expect(ps, '}') != 0)
      return -1;
  }
  skip_ws(ps);
  if (ps->p != ps->end)
    return perr(ps, "unexpected text after the header object");
  return 0;
}

void adj_st_format_shape(char *buf, size_t size, int rank,
                         const int64_t *shape) {
  size_t n = (size_t)snprintf(buf, size, "[");
  for (int d = 0; d < rank && n < size; ++d)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", d ? ", " : "",
                          (long long)shape[d]);
  if (n < size)
    snprintf(buf + n, size - n, "]");
}

static int compare_entries_by_offset(const void *a, const void *b) {
  const st_entry *x = *(const st_entry *const *)a;
  const st_entry *y = *(const st_entry *const *)b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Sizes and offsets: each tensor's byte range matches its dtype and shape
   and the ranges tile the data section exactly (no gap, overlap or tail). */
static int check_layout(st_parser *ps, uint64_t data_len) {
  st_entry **sorted =
      malloc(sizeof(st_entry *) * (size_t)(ps->num_entries + 1));
  if (!sorted)
    return adj_set_error("%s: out of memory", ps->path);
  int rc = 0;
  for (int i = 0; i < ps->num_entries && rc == 0; ++i) {
    st_entry *e = &ps->entries[i];
    sorted[i] = e;
    uint64_t n = kDtypes[e->dtype].size;
    for (int d = 0; d < e->rank; ++d)
      if (e->shape[d] == 0)
        n = 0;
    for (int d = 0; d < e->rank && n != 0; ++d) {
      uint64_t dim = (uint64_t)e->shape[d];
      if (n > UINT64_MAX / 2 / dim) {
        n = UINT64_MAX;
        break;
      }
      n *= dim;
    }
    if (e->begin > e->end || e->end > data_len)
      rc = adj_set_error("%s: tensor '%s' has data offsets [%llu, %llu] "
                         "outside the %llu data bytes (truncated or corrupt "
                         "file)",
                         ps->path, e->name, (unsigned long long)e->begin,
                         (unsigned long long)e->end,
                         (unsigned long long)data_len);
    else if (n != e->end - e->begin)
      rc = adj_set_error(
          "%s: tensor '%s' has %llu data bytes but its dtype "
          "and shape need %s%llu",
          ps->path, e->name, (unsigned long long)(e->end - e->begin),
          n == UINT64_MAX ? "more than " : "",
          (unsigned long long)(n == UINT64_MAX ? UINT64_MAX / 2 : n));
  }
  if (rc == 0) {
    qsort(sorted, (size_t)ps->num_entries, sizeof *sorted,
          compare_entries_by_offset);
    uint64_t pos = 0;
    for (int i = 0; i < ps->num_entries && rc == 0; ++i) {
      if (sorted[i]->begin != pos)
        rc = adj_set_error("%s: tensor '%s' starts at data byte %llu, "
                           "expected %llu (overlapping or missing data)",
                           ps->path, sorted[i]->name,
                           (unsigned long long)sorted[i]->begin,
                           (unsigned long long)pos);
      pos = sorted[i]->end;
    }
    if (rc == 0 && pos != data_len)
      rc = adj_set_error("%s: %llu data bytes but the tensors cover %llu "
                         "(trailing garbage)",
                         ps->path, (unsigned long long)data_len,
                         (unsigned long long)pos);
  }
  free(sorted);
  return rc;
}

/*===----------------------------- Reading ------------------------------===*/

/* Reads a whole regular file into malloc'd memory. */
static int read_file(const char *path, const char *kind, unsigned char **out,
                     uint64_t *size) {
  *out = NULL;
  *size = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return adj_set_error("%s: cannot open %s: %s", path, kind, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return adj_set_error("%s: cannot stat %s: %s", path, kind, strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return adj_set_error("%s: %s is not a regular file", path, kind);
  }
  uint64_t n = (uint64_t)st.st_size;
  if (n > (uint64_t)SIZE_MAX - 1) {
    close(fd);
    return adj_set_error("%s: %s too large", path, kind);
  }
  unsigned char *buf = malloc((size_t)n + 1);
  if (!buf) {
    close(fd);
    return adj_set_error("%s: out of memory reading %llu bytes", path,
                         (unsigned long long)n);
  }
  uint64_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, (size_t)(n - got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int err = errno;
      close(fd);
      free(buf);
      return adj_set_error("%s: read error: %s", path, strerror(err));
    }
    if (r == 0)
      break; /* the file shrank meanwhile: validate what was read */
    got += (uint64_t)r;
  }
  close(fd);
  *out = buf;
  *size = got;
  return 0;
}

int adj_safetensors_read(adj_safetensors *st, const char *path,
                         const char *kind) {
  memset(st, 0, sizeof *st);
  if (!path || !*path)
    return adj_set_error("%s: empty file name", kind);
  unsigned char *file = NULL;
  uint64_t size = 0;
  if (read_file(path, kind, &file, &size) != 0)
    return -1;
  st_parser ps;
  memset(&ps, 0, sizeof ps);
  ps.path = path;
  ps.kind = kind;
  int rc = -1;
  if (size < 8) {
    adj_set_error("%s: truncated %s: %llu bytes, a safetensors file "
                  "starts with an 8-byte header length",
                  path, kind, (unsigned long long)size);
    goto out;
  }
  uint64_t hlen = load_le64(file);
  if (hlen < 2 || hlen > size - 8 || hlen > ADJ_ST_MAX_HEADER) {
    adj_set_error("%s: invalid safetensors header length %llu for a file of "
                  "%llu bytes (truncated or not a %s)",
                  path, (unsigned long long)hlen, (unsigned long long)size,
                  kind);
    goto out;
  }
  ps.start = ps.p = (char *)file + 8;
  ps.end = ps.p + hlen;
  if (*ps.p != '{') {
    adj_set_error("%s: not a safetensors file (the header does not start "
                  "with '{')",
                  path);
    goto out;
  }
  if (parse_header(&ps) != 0)
    goto out;
  uint64_t data_len = size - 8 - hlen;
  if (check_layout(&ps, data_len) != 0)
    goto out;
  st->path = adj_concat(path, "");
  st->tensors = calloc((size_t)ps.num_entries + 1, sizeof *st->tensors);
  st->meta = calloc((size_t)ps.num_meta + 1, sizeof *st->meta);
  if (!st->path || !st->tensors || !st->meta) {
    adj_set_error("%s: out of memory", path);
    goto out;
  }
  st->file = file;
  st->size = size;
  st->data = file + 8 + hlen;
  st->data_len = data_len;
  st->num_tensors = ps.num_entries;
  for (int i = 0; i < ps.num_entries; ++i) {
    const st_entry *e = &ps.entries[i];
    adj_st_entry *t = &st->tensors[i];
    t->name = e->name;
    t->dtype = kDtypes[e->dtype].name;
    t->esize = kDtypes[e->dtype].size;
    t->rank = e->rank;
    t->numel = 1;
    for (int d = 0; d < e->rank; ++d) {
      t->shape[d] = e->shape[d];
      t->numel *= e->shape[d];
    }
    t->data = st->data + e->begin;
    t->bytes = (size_t)(e->end - e->begin);
  }
  st->num_meta = ps.num_meta;
  for (int i = 0; i < ps.num_meta; ++i) {
    st->meta[i].key = ps.meta[i].key;
    st->meta[i].value = ps.meta[i].value;
  }
  st->has_meta = ps.has_meta;
  file = NULL;
  rc = 0;
out:
  free(ps.entries);
  free(ps.meta);
  free(file);
  if (rc != 0)
    adj_safetensors_free(st);
  return rc;
}

void adj_safetensors_free(adj_safetensors *st) {
  if (!st)
    return;
  free(st->path);
  free(st->file);
  free(st->tensors);
  free(st->meta);
  memset(st, 0, sizeof *st);
}

const adj_st_entry *adj_safetensors_find(const adj_safetensors *st,
                                         const char *name) {
  for (int i = 0; i < st->num_tensors; ++i)
    if (!strcmp(st->tensors[i].name, name))
      return &st->tensors[i];
  return NULL;
}

const char *adj_safetensors_meta(const adj_safetensors *st, const char *key) {
  for (int i = 0; i < st->num_meta; ++i)
    if (!strcmp(st->meta[i].key, key))
      return st->meta[i].value;
  return NULL;
}

void adj_safetensors_copy(const adj_st_entry *e, void *dst) {
  copy_le(dst, e->data, e->bytes, e->esize);
}

void adj_safetensors_data_crc32(const adj_safetensors *st, char buf[9]) {
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t left = st->data_len;
  const unsigned char *p = st->data;
  while (left > 0) {
    uInt n = left > (1u << 30) ? (1u << 30) : (uInt)left;
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  snprintf(buf, 9, "%08lx", (unsigned long)(crc & 0xffffffffUL));
}

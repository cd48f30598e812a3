/*===- checkpoint.c - Safetensors training checkpoints --------------------===*
 *
 * Writer and validating reader of the checkpoint format described in
 * adjoint/checkpoint.h. The reader parses the JSON subset that safetensors
 * headers use (objects, arrays, strings, non-negative integers) and never
 * trusts a length, offset or count from the file before checking it.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "adjoint/checkpoint.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Safetensors readers reject headers above 100 MB; so do we. */
#define CKPT_MAX_HEADER (100u * 1000u * 1000u)
#define CKPT_MAX_TENSORS 100000
#define CKPT_RNG_WORDS 6

static const char *model_name(const adj_model_info *info) {
  return info && info->name ? info->name : "<unnamed>";
}

/*===------------------------- Element types ----------------------------===*/

typedef struct {
  const char *name;
  unsigned size;
} st_dtype;

/* Every safetensors element type; the checkpoint itself uses F32, F64, I32,
   I64 and U64, the others are recognized to report them by name. */
static const st_dtype kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

static const char *st_dtype_of(adj_dtype dt) {
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

/*===---------------------------- Tensors -------------------------------===*/

/* One tensor to write or expected while reading. */
typedef struct {
  char *name;        /* "param.w1" (malloc) */
  const char *dtype; /* safetensors name */
  size_t esize;
  int rank;
  int64_t shape[ADJ_MAX_RANK];
  size_t bytes;
  const void *data; /* host-order data to write */
  void *dest;       /* where loading copies the data (host order) */
} ckpt_tensor;

typedef struct {
  ckpt_tensor *items;
  int count;
} ckpt_plan;

static void plan_free(ckpt_plan *p) {
  for (int i = 0; i < p->count; ++i)
    free(p->items[i].name);
  free(p->items);
  p->items = NULL;
  p->count = 0;
}

static char *concat(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 1);
  if (s) {
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
  }
  return s;
}

static int plan_add(ckpt_plan *p, const char *prefix, const char *name,
                    const char *dtype, size_t esize, int rank,
                    const int64_t *shape, const void *data, void *dest) {
  ckpt_tensor *t = &p->items[p->count];
  memset(t, 0, sizeof *t);
  if (!(t->name = concat(prefix, name ? name : "<unnamed>")))
    return -1;
  p->count++;
  t->dtype = dtype;
  t->esize = esize;
  t->rank = rank;
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    t->shape[i] = shape[i];
    n *= shape[i];
  }
  t->bytes = (size_t)n * esize;
  t->data = data;
  t->dest = dest;
  return 0;
}

/* The tensors of a checkpoint of `t`, in file order. `rng` and `order` are
   the shuffle state (written from / read into); `samples` is the length of
   the order. */
static int build_plan(const adj_trainer *t, ckpt_plan *p, uint64_t *rng,
                      int64_t samples, int64_t *order, int for_load) {
  const adj_model_info *info = t->info;
  p->count = 0;
  p->items = calloc((size_t)(info->num_params + info->num_state + 2),
                    sizeof(ckpt_tensor));
  if (!p->items)
    return -1;
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *ti = &info->params[i].tensor;
    if (plan_add(p, "param.", ti->name, st_dtype_of(ti->dtype),
                 adj_dtype_size(ti->dtype), ti->rank, ti->shape,
                 for_load ? NULL : t->params[i],
                 for_load ? t->params[i] : NULL) != 0)
      goto oom;
  }
  for (int i = 0; i < info->num_state; ++i) {
    const adj_tensor_info *ti = &info->state[i];
    if (plan_add(p, "state.", ti->name, st_dtype_of(ti->dtype),
                 adj_dtype_size(ti->dtype), ti->rank, ti->shape,
                 for_load ? NULL : t->state[i],
                 for_load ? t->state[i] : NULL) != 0)
      goto oom;
  }
  const int64_t rng_shape[1] = {CKPT_RNG_WORDS};
  const int64_t order_shape[1] = {samples};
  if (plan_add(p, "train.", "shuffle_rng", "U64", 8, 1, rng_shape, rng, rng) !=
          0 ||
      plan_add(p, "train.", "shuffle_order", "I64", 8, 1, order_shape, order,
               order) != 0)
    goto oom;
  return 0;
oom:
  plan_free(p);
  return -1;
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

static void text_meta(text_buf *b, const char *key, const char *value) {
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
    dir = concat(".", "");
  else if (slash == path)
    dir = concat("/", "");
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

static void fill_rng_words(const adj_rng *r, uint64_t words[CKPT_RNG_WORDS]) {
  for (int i = 0; i < 4; ++i)
    words[i] = r->s[i];
  words[4] = r->has_spare ? 1 : 0;
  uint64_t bits = 0;
  memcpy(&bits, &r->spare, sizeof bits);
  words[5] = r->has_spare ? bits : 0;
}

/* The shuffle stream a trainer would start with on its first epoch. */
static void initial_shuffle_rng(const adj_trainer *t, adj_rng *r);

int adj_checkpoint_save(const adj_trainer *t, const char *path) {
  if (!path || !*path)
    return adj_set_error("checkpoint: empty file name");
  if (!t || !t->info)
    return adj_set_error("%s: cannot save an uninitialized trainer", path);
  const adj_model_info *info = t->info;

  uint64_t rng[CKPT_RNG_WORDS];
  int64_t samples = 0;
  const int64_t *order = NULL;
  if (t->train_batches.ds) {
    fill_rng_words(&t->train_batches.rng, rng);
    samples = t->train_batches.ds->num_samples;
    order = t->train_batches.order;
    if (!order)
      return adj_set_error("%s: the trainer's batcher does not shuffle", path);
  } else {
    adj_rng r;
    initial_shuffle_rng(t, &r);
    fill_rng_words(&r, rng);
  }

  ckpt_plan plan;
  if (build_plan(t, &plan, rng, samples, (int64_t *)order, 0) != 0)
    return adj_set_error("%s: out of memory", path);

  /* Header: tensors in file order with consecutive offsets, then metadata. */
  text_buf h = {0};
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t offset = 0;
  char num[64];
  text_puts(&h, "{");
  for (int i = 0; i < plan.count; ++i) {
    const ckpt_tensor *e = &plan.items[i];
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
             (unsigned long long)(offset + e->bytes));
    text_puts(&h, num);
    offset += e->bytes;
    crc = crc_le(crc, e->data, e->bytes, e->esize);
  }
  text_puts(&h, ",\"__metadata__\":{");
  text_json_string(&h, "format");
  text_puts(&h, ":");
  text_json_string(&h, ADJ_CHECKPOINT_FORMAT);
  snprintf(num, sizeof num, "%d", ADJ_CHECKPOINT_VERSION);
  text_meta(&h, "format_version", num);
  text_meta(&h, "model", model_name(info));
  text_meta(&h, "dtype", adj_dtype_name(info->dtype));
  snprintf(num, sizeof num, "%lld", (long long)info->batch);
  text_meta(&h, "batch", num);
  text_meta(&h, "optimizer", info->optimizer ? info->optimizer : "");
  snprintf(num, sizeof num, "%llu", (unsigned long long)t->seed);
  text_meta(&h, "seed", num);
  snprintf(num, sizeof num, "%.17g", t->lr);
  text_meta(&h, "lr", num);
  snprintf(num, sizeof num, "%lld", (long long)t->epochs_done);
  text_meta(&h, "epochs_done", num);
  snprintf(num, sizeof num, "%lld", (long long)adj_trainer_global_step(t));
  text_meta(&h, "global_step", num);
  snprintf(num, sizeof num, "%lld", (long long)samples);
  text_meta(&h, "train_samples", num);
  snprintf(num, sizeof num, "%08lx", (unsigned long)(crc & 0xffffffffUL));
  text_meta(&h, "data_crc32", num);
  text_puts(&h, "}}");
  /* Pad with spaces so that the data starts 8-byte aligned. */
  while (!h.failed && (8 + h.len) % 8 != 0)
    text_puts(&h, " ");
  if (h.failed) {
    free(h.data);
    plan_free(&plan);
    return adj_set_error("%s: out of memory", path);
  }

  char *tmp = concat(path, ".tmp");
  if (!tmp) {
    free(h.data);
    plan_free(&plan);
    return adj_set_error("%s: out of memory", path);
  }
  int rc = -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) {
    adj_set_error("%s: cannot open %s for writing: %s", path, tmp,
                  strerror(errno));
    goto out;
  }
  unsigned char len_le[8];
  store_le64(len_le, (uint64_t)h.len);
  int ok = write_all(fd, len_le, 8) == 0 && write_all(fd, h.data, h.len) == 0;
  for (int i = 0; i < plan.count && ok; ++i)
    ok = write_le(fd, plan.items[i].data, plan.items[i].bytes,
                  plan.items[i].esize) == 0;
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
  plan_free(&plan);
  return rc;
}

/*===------------------------- Header parsing ---------------------------===*/

typedef struct {
  char *name;
  int dtype; /* index into kDtypes */
  int rank;
  int64_t shape[ADJ_MAX_RANK];
  uint64_t begin, end;
  int matched;
} st_entry;

typedef struct {
  char *key, *value;
} st_meta;

typedef struct {
  const char *path;
  char *p, *end, *start; /* header text being parsed (modified in place) */
  st_entry *entries;
  int num_entries, cap_entries;
  st_meta *meta;
  int num_meta, cap_meta;
  int has_meta;
} st_parser;

static int perr(st_parser *ps, const char *what) {
  return adj_set_error("%s: malformed checkpoint header: %s at byte %lld",
                       ps->path, what, (long long)(8 + (ps->p - ps->start)));
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
  if (ps->num_entries >= CKPT_MAX_TENSORS)
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

static const char *meta_get(const st_parser *ps, const char *key) {
  for (int i = 0; i < ps->num_meta; ++i)
    if (!strcmp(ps->meta[i].key, key))
      return ps->meta[i].value;
  return NULL;
}

/* A metadata value that must be a decimal integer in [min, max]. */
static int meta_int(const st_parser *ps, const char *key, int64_t min,
                    int64_t max, int64_t *out) {
  const char *v = meta_get(ps, key);
  if (!v)
    return adj_set_error("%s: checkpoint metadata lacks \"%s\"", ps->path, key);
  int64_t n = 0;
  const char *c = v;
  if (!*c)
    goto bad;
  for (; *c; ++c) {
    if (*c < '0' || *c > '9' || n > (INT64_MAX - 9) / 10)
      goto bad;
    n = n * 10 + (*c - '0');
  }
  if (n < min || n > max)
    goto bad;
  *out = n;
  return 0;
bad:
  return adj_set_error("%s: invalid checkpoint metadata \"%s\": \"%s\"",
                       ps->path, key, v);
}

static int meta_u64(const st_parser *ps, const char *key, uint64_t *out) {
  const char *v = meta_get(ps, key);
  if (!v)
    return adj_set_error("%s: checkpoint metadata lacks \"%s\"", ps->path, key);
  uint64_t n = 0;
  const char *c = v;
  if (!*c)
    goto bad;
  for (; *c; ++c) {
    unsigned d = (unsigned)(*c - '0');
    if (*c < '0' || *c > '9' || n > (UINT64_MAX - d) / 10)
      goto bad;
    n = n * 10 + d;
  }
  *out = n;
  return 0;
bad:
  return adj_set_error("%s: invalid checkpoint metadata \"%s\": \"%s\"",
                       ps->path, key, v);
}

static void format_shape(char *buf, size_t size, int rank,
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

static st_entry *find_entry(st_parser *ps, const char *name) {
  for (int i = 0; i < ps->num_entries; ++i)
    if (!strcmp(ps->entries[i].name, name))
      return &ps->entries[i];
  return NULL;
}

/*===----------------------------- Reading ------------------------------===*/

/* Reads a whole regular file into malloc'd memory. */
static int read_file(const char *path, unsigned char **out, uint64_t *size) {
  *out = NULL;
  *size = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return adj_set_error("%s: cannot open checkpoint: %s", path,
                         strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return adj_set_error("%s: cannot stat checkpoint: %s", path, strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return adj_set_error("%s: checkpoint is not a regular file", path);
  }
  uint64_t n = (uint64_t)st.st_size;
  if (n > (uint64_t)SIZE_MAX - 1) {
    close(fd);
    return adj_set_error("%s: checkpoint too large", path);
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

static void initial_shuffle_rng(const adj_trainer *t, adj_rng *r) {
  /* Must match adj_trainer_bind_dataset in trainer.c. */
  adj_rng_seed(r, t->seed ^ 0xd1b54a32d192ed03ULL);
}

/* Validates the file's tensors against the model and the metadata; fills
   `plan` destinations through a later copy. Everything that can fail is
   checked here, before the trainer is modified. */
static int check_against_model(st_parser *ps, const adj_trainer *t,
                               const ckpt_plan *plan) {
  const adj_model_info *info = t->info;
  const char *path = ps->path;
  const char *fmt = meta_get(ps, "format");
  if (!fmt || strcmp(fmt, ADJ_CHECKPOINT_FORMAT) != 0)
    return adj_set_error("%s: not an Adjoint checkpoint (metadata \"format\" "
                         "is %s%s%s, expected \"%s\")",
                         path, fmt ? "\"" : "", fmt ? fmt : "missing",
                         fmt ? "\"" : "", ADJ_CHECKPOINT_FORMAT);
  int64_t version = 0;
  if (meta_int(ps, "format_version", 0, INT32_MAX, &version) != 0)
    return -1;
  if (version != ADJ_CHECKPOINT_VERSION)
    return adj_set_error("%s: unsupported checkpoint format version %lld "
                         "(this runtime reads version %d)",
                         path, (long long)version, ADJ_CHECKPOINT_VERSION);
  const char *model = meta_get(ps, "model");
  if (!model)
    return adj_set_error("%s: checkpoint metadata lacks \"model\"", path);
  if (strcmp(model, model_name(info)) != 0)
    return adj_set_error("%s: checkpoint is of model '%s', not '%s'", path,
                         model, model_name(info));
  const char *dtype = meta_get(ps, "dtype");
  if (!dtype || strcmp(dtype, adj_dtype_name(info->dtype)) != 0)
    return adj_set_error("%s: checkpoint has element type %s but model '%s' "
                         "has %s",
                         path, dtype ? dtype : "(missing)", model_name(info),
                         adj_dtype_name(info->dtype));
  int64_t batch = 0;
  if (meta_int(ps, "batch", 1, INT64_MAX, &batch) != 0)
    return -1;
  if (batch != info->batch)
    return adj_set_error("%s: checkpoint was trained with batch size %lld "
                         "but model '%s' has batch size %lld",
                         path, (long long)batch, model_name(info),
                         (long long)info->batch);

  const char *opt = meta_get(ps, "optimizer");
  if (opt && *opt && info->optimizer && strcmp(opt, info->optimizer) != 0)
    return adj_set_error("%s: checkpoint was trained with optimizer '%s' but "
                         "model '%s' uses '%s'",
                         path, opt, model_name(info), info->optimizer);

  /* Every expected tensor with the right dtype and shape ... */
  for (int i = 0; i < plan->count; ++i) {
    const ckpt_tensor *want = &plan->items[i];
    st_entry *e = find_entry(ps, want->name);
    int is_order = i == plan->count - 1;
    if (!e)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "missing tensor '%s'",
                           path, model_name(info), want->name);
    e->matched = 1;
    if (strcmp(kDtypes[e->dtype].name, want->dtype) != 0)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "tensor '%s' has dtype %s, expected %s",
                           path, model_name(info), want->name,
                           kDtypes[e->dtype].name, want->dtype);
    /* The order's length is the data set size, checked by the caller. */
    int same = e->rank == want->rank;
    for (int d = 0; same && d < e->rank; ++d)
      same = is_order || e->shape[d] == want->shape[d];
    if (!same) {
      char got[160], exp[160];
      format_shape(got, sizeof got, e->rank, e->shape);
      format_shape(exp, sizeof exp, want->rank, want->shape);
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "tensor '%s' has shape %s, expected %s",
                           path, model_name(info), want->name, got, exp);
    }
  }
  /* ... and nothing else. */
  for (int i = 0; i < ps->num_entries; ++i)
    if (!ps->entries[i].matched)
      return adj_set_error("%s: checkpoint does not match model '%s': "
                           "unexpected tensor '%s'",
                           path, model_name(info), ps->entries[i].name);
  return 0;
}

int adj_checkpoint_load(adj_trainer *t, const adj_dataset *train,
                        const char *path) {
  if (!path || !*path)
    return adj_set_error("checkpoint: empty file name");
  if (!t || !t->info)
    return adj_set_error("%s: cannot load into an uninitialized trainer", path);
  unsigned char *file = NULL;
  uint64_t size = 0;
  if (read_file(path, &file, &size) != 0)
    return -1;

  st_parser ps;
  memset(&ps, 0, sizeof ps);
  ps.path = path;
  ckpt_plan plan = {0};
  int64_t *order = NULL;
  int rc = -1;

  if (size < 8) {
    adj_set_error("%s: truncated checkpoint: %llu bytes, a safetensors file "
                  "starts with an 8-byte header length",
                  path, (unsigned long long)size);
    goto out;
  }
  uint64_t hlen = load_le64(file);
  if (hlen < 2 || hlen > size - 8 || hlen > CKPT_MAX_HEADER) {
    adj_set_error("%s: invalid safetensors header length %llu for a file of "
                  "%llu bytes (truncated or not a checkpoint)",
                  path, (unsigned long long)hlen, (unsigned long long)size);
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
  const unsigned char *data = file + 8 + hlen;
  if (check_layout(&ps, data_len) != 0)
    goto out;

  /* Integrity of the data section. */
  const char *crc_text = meta_get(&ps, "data_crc32");
  char crc_now[16];
  {
    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t left = data_len;
    const unsigned char *p = data;
    while (left > 0) {
      uInt n = left > (1u << 30) ? (1u << 30) : (uInt)left;
      crc = crc32(crc, p, n);
      p += n;
      left -= n;
    }
    snprintf(crc_now, sizeof crc_now, "%08lx",
             (unsigned long)(crc & 0xffffffffUL));
  }

  uint64_t rng[CKPT_RNG_WORDS];
  if (build_plan(t, &plan, rng, 0, NULL, 1) != 0) {
    adj_set_error("%s: out of memory", path);
    goto out;
  }
  if (check_against_model(&ps, t, &plan) != 0)
    goto out;
  if (!crc_text) {
    adj_set_error("%s: checkpoint metadata lacks \"data_crc32\"", path);
    goto out;
  }
  if (strcmp(crc_text, crc_now) != 0) {
    adj_set_error("%s: corrupt checkpoint: data checksum %s does not match "
                  "the recorded %s",
                  path, crc_now, crc_text);
    goto out;
  }

  /* Training position. */
  int64_t epochs_done = 0, samples = 0, global_step = 0;
  uint64_t seed = 0;
  if (meta_int(&ps, "epochs_done", 0, INT64_MAX, &epochs_done) != 0 ||
      meta_int(&ps, "train_samples", 0, INT64_MAX, &samples) != 0 ||
      meta_int(&ps, "global_step", 0, INT64_MAX, &global_step) != 0 ||
      meta_u64(&ps, "seed", &seed) != 0)
    goto out;
  const st_entry *order_entry = find_entry(&ps, "train.shuffle_order");
  const st_entry *rng_entry = find_entry(&ps, "train.shuffle_rng");
  if (order_entry->shape[0] != samples) {
    adj_set_error("%s: corrupt checkpoint: shuffle order has %lld entries "
                  "but train_samples is %lld",
                  path, (long long)order_entry->shape[0], (long long)samples);
    goto out;
  }
  if (samples == 0 && epochs_done != 0) {
    adj_set_error("%s: corrupt checkpoint: %lld epochs done without a "
                  "shuffle order",
                  path, (long long)epochs_done);
    goto out;
  }
  int64_t batches = (samples + t->info->batch - 1) / t->info->batch;
  if (batches > 0 && epochs_done > INT64_MAX / batches) {
    adj_set_error("%s: invalid checkpoint metadata \"epochs_done\"", path);
    goto out;
  }
  if (global_step != epochs_done * batches) {
    adj_set_error("%s: corrupt checkpoint: global step %lld is not %lld "
                  "epochs of %lld batches",
                  path, (long long)global_step, (long long)epochs_done,
                  (long long)batches);
    goto out;
  }
  copy_le(rng, data + rng_entry->begin, sizeof rng, 8);
  if (rng[4] > 1 || (rng[0] | rng[1] | rng[2] | rng[3]) == 0) {
    adj_set_error("%s: corrupt checkpoint: invalid shuffle RNG state", path);
    goto out;
  }
  if (samples > 0) {
    order = malloc((size_t)samples * sizeof *order);
    unsigned char *seen = calloc((size_t)samples, 1);
    if (!order || !seen) {
      free(seen);
      adj_set_error("%s: out of memory", path);
      goto out;
    }
    copy_le(order, data + order_entry->begin, (size_t)samples * 8, 8);
    int64_t bad = -1;
    for (int64_t i = 0; i < samples && bad < 0; ++i) {
      if (order[i] < 0 || order[i] >= samples || seen[order[i]])
        bad = i;
      else
        seen[order[i]] = 1;
    }
    free(seen);
    if (bad >= 0) {
      adj_set_error("%s: corrupt checkpoint: the shuffle order is not a "
                    "permutation (entry %lld)",
                    path, (long long)bad);
      goto out;
    }
    if (train && train->num_samples != samples) {
      adj_set_error("%s: checkpoint was trained on %lld samples but the "
                    "training set has %lld",
                    path, (long long)samples, (long long)train->num_samples);
      goto out;
    }
  }

  /* Everything is valid: bind the data set (the last step that can fail),
     then update the trainer. */
  uint64_t old_seed = t->seed;
  t->seed = seed;
  if (train) {
    if (adj_trainer_bind_dataset(t, train) != 0) {
      t->seed = old_seed;
      goto out;
    }
  } else {
    adj_batcher_free(&t->train_batches);
    t->train_ds = NULL;
    t->train_ds_samples = 0;
  }
  for (int i = 0; i < plan.count - 2; ++i) {
    const st_entry *e = find_entry(&ps, plan.items[i].name);
    copy_le(plan.items[i].dest, data + e->begin, plan.items[i].bytes,
            plan.items[i].esize);
  }
  t->epochs_done = epochs_done;
  if (train) {
    adj_batcher *b = &t->train_batches;
    for (int i = 0; i < 4; ++i)
      b->rng.s[i] = rng[i];
    b->rng.has_spare = (int)rng[4];
    memcpy(&b->rng.spare, &rng[5], sizeof b->rng.spare);
    if (samples > 0)
      memcpy(b->order, order, (size_t)samples * sizeof *order);
    else /* before the first epoch: the identity, as a fresh bind has */
      for (int64_t i = 0; i < train->num_samples; ++i)
        b->order[i] = i;
    b->epoch = epochs_done;
    b->cursor = samples > 0 ? samples : 0;
  }
  rc = 0;
out:
  free(order);
  plan_free(&plan);
  free(ps.entries);
  free(ps.meta);
  free(file);
  return rc;
}

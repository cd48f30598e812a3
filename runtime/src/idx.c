/*===- idx.c - IDX file reader (gzip-compressed or plain) -----------------===*/
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* A byte source that is either a plain file or a gzip stream. */
typedef struct {
  const char *path;
  FILE *plain;
  gzFile gz;
} idx_reader;

static const char *type_name(int code) {
  switch (code) {
  case 0x08:
    return "unsigned byte";
  case 0x09:
    return "signed byte";
  case 0x0B:
    return "int16";
  case 0x0C:
    return "int32";
  case 0x0D:
    return "float32";
  case 0x0E:
    return "float64";
  }
  return NULL;
}

static int reader_open(idx_reader *r, const char *path) {
  memset(r, 0, sizeof *r);
  r->path = path;
  FILE *f = fopen(path, "rb");
  if (!f)
    return adj_set_error("%s: cannot open file: %s", path, strerror(errno));
  unsigned char magic[2] = {0, 0};
  size_t got = fread(magic, 1, 2, f);
  if (ferror(f)) {
    int e = errno;
    fclose(f);
    return adj_set_error("%s: read error: %s", path, strerror(e));
  }
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    fclose(f);
    r->gz = gzopen(path, "rb");
    if (!r->gz)
      return adj_set_error("%s: cannot open gzip stream: %s", path,
                           errno ? strerror(errno) : "out of memory");
    gzbuffer(r->gz, 1 << 17);
    return 0;
  }
  rewind(f);
  r->plain = f;
  return 0;
}

static void reader_close(idx_reader *r) {
  if (r->plain)
    fclose(r->plain);
  if (r->gz)
    gzclose(r->gz);
  r->plain = NULL;
  r->gz = NULL;
}

/* Reads up to n bytes; stores the number read in *got. Returns 0 on success
   (including a short read at end of file), -1 on a read or gzip error other
   than premature end of input (*truncated is set for that case). */
static int reader_read(idx_reader *r, void *dst, size_t n, size_t *got,
                       int *truncated) {
  unsigned char *p = dst;
  *got = 0;
  *truncated = 0;
  if (r->plain) {
    *got = fread(p, 1, n, r->plain);
    if (*got < n && ferror(r->plain))
      return adj_set_error("%s: read error: %s", r->path, strerror(errno));
    return 0;
  }
  while (*got < n) {
    size_t chunk = n - *got;
    if (chunk > (1u << 30))
      chunk = 1u << 30;
    int k = gzread(r->gz, p + *got, (unsigned)chunk);
    if (k > 0)
      *got += (size_t)k;
    if (k < (int)chunk) {
      int err = Z_OK;
      const char *msg = gzerror(r->gz, &err);
      if (err == Z_BUF_ERROR) {
        /* Compressed input ended in the middle of the stream. */
        *truncated = 1;
        return 0;
      }
      if (err != Z_OK)
        return adj_set_error("%s: corrupt gzip data: %s", r->path,
                             err == Z_ERRNO ? strerror(errno) : msg);
      return 0; /* clean end of stream */
    }
  }
  return 0;
}

static void idx_clear(adj_idx *out) { memset(out, 0, sizeof *out); }

int adj_idx_read_named(const char *path, const char *what, adj_idx *out) {
  if (!out)
    return adj_set_error("adj_idx_read: null output");
  idx_clear(out);
  if (!path)
    return adj_set_error("adj_idx_read: null path");
  idx_reader r;
  if (reader_open(&r, path) != 0)
    return -1;

  int rc = -1;
  uint8_t *data = NULL;
  unsigned char head[4];
  size_t got = 0;
  int truncated = 0;
  if (reader_read(&r, head, 4, &got, &truncated) != 0)
    goto done;
  if (got < 4) {
    adj_set_error("%s: truncated file: expected a 4-byte idx magic number, "
                  "got %zu bytes%s",
                  path, got, truncated ? " (gzip stream ends early)" : "");
    goto done;
  }
  if (head[0] != 0 || head[1] != 0) {
    adj_set_error("%s: bad magic number 0x%02x%02x%02x%02x: not an idx file "
                  "(expected 0x0000 followed by type and rank bytes)",
                  path, head[0], head[1], head[2], head[3]);
    goto done;
  }
  int type = head[2], rank = head[3];
  if (type != 0x08) {
    const char *tn = type_name(type);
    if (tn)
      adj_set_error("%s: unsupported idx element type 0x%02x (%s); only 0x08 "
                    "(unsigned byte) is supported",
                    path, type, tn);
    else
      adj_set_error("%s: bad magic number: invalid idx element type 0x%02x",
                    path, type);
    goto done;
  }
  if (rank < 1 || rank > ADJ_MAX_RANK) {
    adj_set_error("%s: unsupported idx rank %d (expected 1 to %d)", path, rank,
                  ADJ_MAX_RANK);
    goto done;
  }
  unsigned char dimbytes[4 * ADJ_MAX_RANK];
  size_t dimlen = 4 * (size_t)rank;
  if (reader_read(&r, dimbytes, dimlen, &got, &truncated) != 0)
    goto done;
  if (got < dimlen) {
    adj_set_error("%s: truncated file: expected %zu-byte header, got %zu bytes",
                  path, 4 + dimlen, 4 + got);
    goto done;
  }
  int64_t numel = 1;
  for (int i = 0; i < rank; ++i) {
    const unsigned char *b = dimbytes + 4 * i;
    int64_t d = ((int64_t)b[0] << 24) | ((int64_t)b[1] << 16) |
                ((int64_t)b[2] << 8) | (int64_t)b[3];
    out->dims[i] = d;
    /* Keep the total below 2^46 bytes: larger files are certainly bogus. */
    if (d != 0 && numel > ((int64_t)1 << 46) / d) {
      adj_set_error("%s: idx dimensions too large", path);
      goto done;
    }
    numel *= d;
  }
  if ((uint64_t)numel > (uint64_t)SIZE_MAX) {
    adj_set_error("%s: idx dimensions too large", path);
    goto done;
  }
  data = adj_alloc((size_t)numel);
  if (!data) {
    adj_set_error("%s: out of memory reading %lld bytes", path,
                  (long long)numel);
    goto done;
  }
  if (reader_read(&r, data, (size_t)numel, &got, &truncated) != 0)
    goto done;
  if ((int64_t)got < numel) {
    adj_set_error("%s: truncated file: expected %lld bytes of %s, got %zu",
                  path, (long long)numel, what, got);
    goto done;
  }
  /* The file must end exactly here. */
  unsigned char extra[256];
  size_t total_extra = 0;
  for (;;) {
    if (reader_read(&r, extra, sizeof extra, &got, &truncated) != 0)
      goto done;
    total_extra += got;
    if (truncated) {
      adj_set_error("%s: corrupt gzip data: unexpected end of file", path);
      goto done;
    }
    if (got < sizeof extra)
      break;
  }
  if (total_extra > 0) {
    adj_set_error("%s: %zu bytes of unexpected trailing data after the %lld "
                  "bytes of %s declared by the header",
                  path, total_extra, (long long)numel, what);
    goto done;
  }

  out->type = type;
  out->rank = rank;
  out->numel = numel;
  out->data = data;
  data = NULL;
  rc = 0;
done:
  adj_free(data);
  reader_close(&r);
  if (rc != 0)
    idx_clear(out);
  return rc;
}

int adj_idx_read(const char *path, adj_idx *out) {
  return adj_idx_read_named(path, "data", out);
}

void adj_idx_free(adj_idx *idx) {
  if (!idx)
    return;
  adj_free(idx->data);
  idx_clear(idx);
}

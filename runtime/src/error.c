/*===- error.c - Thread-local error messages ------------------------------===*/
#include "internal.h"

#include <stdarg.h>

static _Thread_local char adj_error_buf[1024];

const char *adj_last_error(void) { return adj_error_buf; }

int adj_set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(adj_error_buf, sizeof adj_error_buf, fmt, ap);
  va_end(ap);
  return -1;
}

void adj_clear_error(void) { adj_error_buf[0] = '\0'; }

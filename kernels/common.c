/* ABI helpers of the CPU library: version, thread count, last-error message. */
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>

#include "lutlab.h"

static _Thread_local char last_error[512];

int32_t lutlab_abi_version(void) { return LUTLAB_ABI_VERSION; }

int32_t lutlab_device_count(void) { return omp_get_max_threads(); }

int32_t lutlab_set_threads(int32_t n) {
  omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
  return LUTLAB_OK;
}

const char *lutlab_last_error(void) { return last_error; }

int32_t lutlab_fail(int32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return code;
}

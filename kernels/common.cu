/* ABI helpers of the CUDA library: version, GPU count, last-error message. */
#include <cstdarg>
#include <cstdio>
#include <cuda_runtime.h>

#include "lutlab.h"

static thread_local char last_error[512];

extern "C" int32_t lutlab_abi_version(void) { return LUTLAB_ABI_VERSION; }

extern "C" int32_t lutlab_device_count(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

extern "C" int32_t lutlab_set_threads(int32_t) { return LUTLAB_OK; }

extern "C" const char *lutlab_last_error(void) { return last_error; }

extern "C" int32_t lutlab_fail(int32_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return code;
}

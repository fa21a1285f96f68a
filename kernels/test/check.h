/*
 * Shared by the kernel test harnesses (kernels/test/NAME_asan.c, NAME_cuda_check.cu): a failure counter,
 * EXPECT(cond, printf-args) that reports a failed check on stdout and counts it, and finish(name) that
 * prints "NAME: ok" or the failure count and returns the process exit code.
 */
#ifndef LUTLAB_TEST_CHECK_H
#define LUTLAB_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;

#define EXPECT(cond, ...)             \
  do {                                \
    if (!(cond)) {                    \
      printf("FAIL: " __VA_ARGS__);   \
      printf("\n");                   \
      ++failures;                     \
    }                                 \
  } while (0)

static inline int finish(const char *name) {
  if (failures) {
    printf("%s: %d failure(s)\n", name, failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif

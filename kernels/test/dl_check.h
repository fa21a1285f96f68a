/*
 * Shared by the GPU-vs-CPU harnesses that load two kernel libraries side by side (NAME_cuda_check.cu):
 * KernelLib opens one with dlopen (RTLD_LOCAL, so the CPU and CUDA libraries export the same symbols
 * without clashing) and looks up its symbols, ok() exits with the library's message on a failed call,
 * now_ms() is a wall clock in milliseconds. Every failure to load exits 2.
 */
#ifndef LUTLAB_TEST_DL_CHECK_H
#define LUTLAB_TEST_DL_CHECK_H

#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

struct KernelLib {
  typedef const char *(*err_t)(void);
  const char *path;
  void *handle;
  err_t err;

  explicit KernelLib(const char *p) : path(p), handle(dlopen(p, RTLD_NOW | RTLD_LOCAL)), err(nullptr) {
    if (!handle) {
      fprintf(stderr, "dlopen %s: %s\n", p, dlerror());
      exit(2);
    }
    err = sym<err_t>("lutlab_last_error");
  }

  /* The symbol `name` as a function pointer of type F (exit 2 when missing). */
  template <typename F>
  F sym(const char *name) const {
    F f = (F)dlsym(handle, name);
    if (!f) {
      fprintf(stderr, "%s: missing symbol %s\n", path, name);
      exit(2);
    }
    return f;
  }
};

/* Exits 1 with the library's last error when a call returned a non-zero status. */
static inline void ok(int32_t st, const KernelLib &l, const char *what) {
  if (st != 0) {
    fprintf(stderr, "%s failed (%d): %s\n", what, st, l.err());
    exit(1);
  }
}

static inline double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#endif

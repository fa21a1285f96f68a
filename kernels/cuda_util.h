/*
 * Helpers shared by the CUDA kernel files (kernels/lut3d.cu, kernels/lut1d.cu): CUDA_TRY returns a
 * LUTLAB_EDEVICE error naming the call on a failed CUDA runtime call, THREADS per block, grid_for(n) blocks
 * for n threads (capped; kernels loop over the rest with FOR_EACH_THREAD, a grid-stride loop).
 * Include inside a file's anonymous namespace, after <cuda_runtime.h> and "lutlab.h".
 */
#ifndef LUTLAB_CUDA_UTIL_H
#define LUTLAB_CUDA_UTIL_H

#define CUDA_TRY(what, expr)                                                                        \
  do {                                                                                              \
    cudaError_t e_ = (expr);                                                                        \
    if (e_ != cudaSuccess) {                                                                        \
      cudaGetLastError();                                                                           \
      return lutlab_fail(LUTLAB_EDEVICE, "%s: %s (%s)", what, cudaGetErrorString(e_), #expr);       \
    }                                                                                               \
  } while (0)

constexpr int THREADS = 256;

/* Grid-stride loop over [0, n). */
#define FOR_EACH_THREAD(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); \
       i += (int64_t)gridDim.x * blockDim.x)

inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + THREADS - 1) / THREADS;
  return (unsigned)(blocks < (1 << 20) ? blocks : (1 << 20));
}

#endif

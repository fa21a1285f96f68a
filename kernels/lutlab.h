/*
 * lutlab native kernels: shared ABI of liblutlab_cpu.so and liblutlab_cuda.so.
 *
 * Conventions (both libraries export the same symbols with the same signatures):
 * - Every pointer argument is a HOST pointer; the CUDA library copies to and from the device itself.
 * - Images are planar float32 CHW (or NCHW with a batch), values nominally in [0,1]; inputs outside
 *   [0,1] are clamped before indexing, so no index can leave its table.
 * - Functions return 0 on success or a negative LUTLAB_E* code; lutlab_last_error() then holds a
 *   message. Shapes are validated again on the TypeScript side, before the call.
 */
#ifndef LUTLAB_H
#define LUTLAB_H

#include <stdint.h>

#define LUTLAB_ABI_VERSION 1

#define LUTLAB_OK 0
#define LUTLAB_EINVAL (-1)  /* bad argument: size, shape, null pointer */
#define LUTLAB_EDEVICE (-2) /* CUDA runtime error */

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version, to check that the TypeScript side and the library agree. */
int32_t lutlab_abi_version(void);
/** Number of usable devices: OpenMP threads for the CPU library, GPUs for the CUDA one. */
int32_t lutlab_device_count(void);
/** Sets the number of OpenMP threads of later calls (n <= 0: all cores); a no-op in the CUDA library. */
int32_t lutlab_set_threads(int32_t n);
/** Message of the last failed call on this thread ("" if none). */
const char *lutlab_last_error(void);
/** Sets the last-error message (printf-style); returns `code`. For use inside the libraries. */
int32_t lutlab_fail(int32_t code, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif

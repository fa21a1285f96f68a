/**
 * lib/core: the runtime every other package stands on -- tfjs backend selection (`initTf`, `tf`), the native
 * kernel library loader and its FFI argument guards, the MPI shim, seeded random numbers, atomic file writes,
 * bounded file reads, and the location of the shared benchmark data.
 * @module
 */
export * from "./atomic.ts";
export * from "./backend.ts";
export * from "./ffi_guard.ts";
export * from "./mpi.ts";
export * from "./native.ts";
export * from "./read.ts";
export * from "./rng.ts";
export * from "./shared.ts";

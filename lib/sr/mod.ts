/**
 * lib/sr: super-resolution (and restoration) with look-up tables: the shared machinery (lib/sr/core) and the
 * model families (lib/sr/models).
 * @module
 */
export * from "./core/mod.ts";
export * from "./models/mod.ts";

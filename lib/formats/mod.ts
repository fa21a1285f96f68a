/**
 * lib/formats: file formats read and written in pure TypeScript -- .cube 3D LUTs, NumPy .npy arrays, PyTorch
 * .pth checkpoints and the store-only zip container they use.
 * @module
 */
export * from "./cube.ts";
export * from "./npy.ts";
export * from "./pth.ts";
export * from "./zip.ts";

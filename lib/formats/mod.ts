/**
 * lib/formats: file formats read and written in pure TypeScript -- .cube 1D/3D/shaper LUTs, Hald CLUT
 * images, .3dl LUTs, NumPy .npy arrays, PyTorch .pth checkpoints and the store-only zip container they use.
 * @module
 */
export * from "./cube.ts";
export * from "./hald.ts";
export * from "./lut3dl.ts";
export * from "./lut_file.ts";
export * from "./npy.ts";
export * from "./pth.ts";
export * from "./zip.ts";

/**
 * lib/lut: the LUT ops -- 1D and 3D LUT apply (and LUT files' 1D+3D tables), n-D simplex lookup (SR-LUT,
 * MuLUT, SPF-LUT), DFC compression and hash-grid encoding -- on the native kernels (or WGSL on the webgpu backend), as typed-array functions and
 * differentiable tfjs ops. The plain-TypeScript references (*_ref.ts) are test oracles and stay out, except
 * the lattice geometry helpers below that models and notebooks use; lib/lut/webgpu/ is the ops' private
 * webgpu path, reached through the same ops.
 * @module
 */
export * from "./ailut.ts";
export * from "./ailut_op.ts";
export * from "./bgrid.ts";
export * from "./dfc.ts";
export * from "./dfc_op.ts";
export * from "./grad_buffers.ts";
export * from "./hashgrid.ts";
export * from "./image_lut_op.ts";
export * from "./lut1d.ts";
export * from "./lut1d_op.ts";
export * from "./lut3d.ts";
export * from "./lut3d_op.ts";
export * from "./lut_file.ts";
export * from "./simplex.ts";
export { hashGridCorners, type HashGridLevels, hashGridLevels, type HashGridSpec } from "./hashgrid_ref.ts";
export { patternPad, simplexCorners } from "./simplex_ref.ts";

/**
 * The 3D interpolation a photo experiment's LUTs were trained with (model.interpolation of 3dlut, clutnet
 * and pca, trilinear by default); HashLUT has no lattice LUT during training, and its exported 33³ LUT
 * samples the hash grid at the lattice points, so trilinear, the original's lookup, is recorded for it.
 * Exported LUT files record this mode, and `deno task apply` uses it unless --interp says otherwise.
 */
import type { PhotoConfig } from "./config.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";

/** The interpolation of `config`'s LUTs (see module doc). */
export function trainedInterpolation(config: PhotoConfig): Lut3dMode {
  const m = config.model;
  if (m.family === "3dlut" || m.family === "clutnet") return m.spec.mode;
  if (m.family === "pca") return m.mode;
  return "trilinear";
}

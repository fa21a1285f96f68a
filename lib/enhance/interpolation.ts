/**
 * The 3D interpolation a photo experiment's LUTs were trained with (its family's `interpolation`: the
 * model.interpolation of 3dlut, clutnet and pca; trilinear otherwise); HashLUT has no lattice LUT during training, and its exported 33³ LUT
 * samples the hash grid at the lattice points, so trilinear, the original's lookup, is recorded for it.
 * Exported LUT files record this mode, and `deno task apply` uses it unless --interp says otherwise.
 */
import { familyOf, type PhotoConfig } from "./photo_registry.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";

/** The interpolation of `config`'s LUTs (see module doc). */
export function trainedInterpolation(config: PhotoConfig): Lut3dMode {
  return familyOf(config).interpolation?.(config.model) ?? "trilinear";
}

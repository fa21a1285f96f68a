/**
 * Applies a LUT as LUT files carry it (lib/formats: .cube 1D / 3D / Resolve shaper + 3D, Hald CLUT, .3dl)
 * to planar RGB images on the native kernels: each table's input domain is mapped to [0,1] first, then
 * the 1D table (per channel, linear) and then the 3D table (trilinear or tetrahedral). Inputs outside a
 * table's domain are clamped to it, as the Adobe Cube specification asks. Layouts: images [3,H,W]; 1D
 * lut[c][i], 3D lut[c][b][g][r].
 */
import type { Image } from "../image/io.ts";
import { applyLut1d } from "./lut1d.ts";
import { applyLut3d, type Lut3dMode } from "./lut3d.ts";

type Vec3 = [number, number, number];

/** One table of a LUT file: its size, input domain per channel and values. */
export type LutTable = { size: number; domainMin: Vec3; domainMax: Vec3; lut: Float32Array };

/** The tables of a LUT file: a 1D table (applied first), a 3D table, or both. */
export type LutStages = { lut1d?: LutTable; lut3d?: LutTable };

/** Planar [3,hw] values mapped from [lo, hi] per channel to [0,1]; `data` itself when the domain is [0,1]. */
export function toUnitDomain(data: Float32Array, hw: number, lo: Vec3, hi: Vec3): Float32Array {
  if (lo.every((v) => v === 0) && hi.every((v) => v === 1)) return data;
  const out = new Float32Array(data.length);
  for (let c = 0; c < 3; c++) {
    for (let p = c * hw; p < (c + 1) * hw; p++) out[p] = (data[p] - lo[c]) / (hi[c] - lo[c]);
  }
  return out;
}

/** An RGB `Image` [3,H,W] through the tables of a LUT file (1D, then 3D with `mode`); returns a new Image. */
export function applyLutStages(img: Image, stages: LutStages, mode: Lut3dMode): Image {
  if (img.channels !== 3) {
    throw new Error(`applyLutStages: image has ${img.channels} channels, expected 3 (RGB)`);
  }
  const { height, width } = img, hw = height * width;
  if (!stages.lut1d && !stages.lut3d) throw new Error("applyLutStages: no 1D and no 3D table");
  let data = img.data;
  const { lut1d: t1, lut3d: t3 } = stages;
  if (t1) {
    const x = toUnitDomain(data, hw, t1.domainMin, t1.domainMax);
    data = applyLut1d(x, t1.lut, { batch: 1, height, width, size: t1.size });
  }
  if (t3) {
    const x = toUnitDomain(data, hw, t3.domainMin, t3.domainMax);
    data = applyLut3d(x, t3.lut, { batch: 1, height, width, dim: t3.size }, mode);
  }
  return { data: data === img.data ? data.slice() : data, channels: 3, height, width };
}

/** A 3D LUT [3,D,D,D] (lut[c][b][g][r]) resampled on an n³ lattice with `mode` (e.g. to a Hald size L²). */
export function resampleLut3d(lut: Float32Array, size: number, n: number, mode: Lut3dMode): Float32Array {
  const n3 = n ** 3, grid = new Float32Array(3 * n3);
  for (let p = 0; p < n3; p++) {
    grid[p] = (p % n) / (n - 1);
    grid[n3 + p] = (Math.floor(p / n) % n) / (n - 1);
    grid[2 * n3 + p] = Math.floor(p / (n * n)) / (n - 1);
  }
  return applyLut3d(grid, lut, { batch: 1, height: 1, width: n3, dim: size }, mode);
}

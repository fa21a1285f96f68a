/**
 * One small figure from every builder of lib/analysis/ (synthetic data), for the browser tests: each
 * must draw a non-blank plot in headless Chromium.
 */
import { adarlFigure, samplerWeightsFigure } from "../lib/analysis/autosample.ts";
import { matrixFigure, strongCorrelationFigure, weakCorrelationFigure } from "../lib/analysis/clut.ts";
import { lineFigure, trainingCurvesFigure } from "../lib/analysis/curves.ts";
import { storageFigure, tradeoffFigure } from "../lib/analysis/tradeoff.ts";
import type { Figure } from "../lib/analysis/figure.ts";
import { heatmapsFigure } from "../lib/analysis/heatmap.ts";
import { lutLatticeFigure } from "../lib/analysis/lut.ts";
import { occupancyFigure } from "../lib/analysis/occupancy.ts";
import { lutSliceSliderFigure } from "../lib/analysis/slices.ts";
import { lutWeightsFigure } from "../lib/analysis/weights.ts";

/** LUT [3,D,D,D] (lut[c][b][g][r]) of f(c, r, g, b) with r,g,b in [0,1]. */
export function makeLut(
  dim: number,
  f: (c: number, r: number, g: number, b: number) => number,
): Float32Array {
  const lut = new Float32Array(3 * dim ** 3);
  for (let c = 0; c < 3; ++c) {
    for (let b = 0; b < dim; ++b) {
      for (let g = 0; g < dim; ++g) {
        for (let r = 0; r < dim; ++r) {
          lut[((c * dim + b) * dim + g) * dim + r] = f(c, r / (dim - 1), g / (dim - 1), b / (dim - 1));
        }
      }
    }
  }
  return lut;
}

/** Occupancy data of one 3D LUT size and one dense hash level. */
export const SAMPLE_OCCUPANCY: Parameters<typeof occupancyFigure>[0] = {
  colours: 1000,
  lut: [{ size: 33, vertices: 35937, touched: 3593, fraction: 0.1 }],
  hash: [{
    level: 0,
    resolution: 16,
    dense: true,
    tableSize: 4913,
    touchedVertices: 900,
    touchedSlots: 900,
    collisions: 0,
    latticeVertices: 5832,
    vertexFraction: 900 / 5832,
    slotFraction: 900 / 4913,
  }],
};

/** Named sample figures, one or more per figure builder. */
export function sampleFigures(): { name: string; fig: Figure }[] {
  const D = 9;
  const lut = makeLut(D, (c, r, g, b) => [r, g, b][c] ** 2 * 0.9 + 0.1 * (r + g + b) / 3);
  const dim = 5, s = 3, w = 2;
  const m = {
    ms: Float32Array.from({ length: dim * s }, (_, i) => Math.sin(i)),
    mw: Float32Array.from({ length: w * dim * dim }, (_, i) => Math.cos(i)),
    dim,
    s,
    w,
  };
  const records = Array.from({ length: 20 }, (_, i) => ({
    step: (i + 1) * 10,
    loss: 1 / (i + 1),
    ...(i % 5 === 4 ? { eval_psnr: 20 + i / 4, eval_ssim: 0.8 + i / 200, eval_delta_e: 9 - i / 5 } : {}),
  }));
  return [
    { name: "strong", fig: strongCorrelationFigure(lut, D, { slices: 4 }) },
    { name: "weak", fig: weakCorrelationFigure(lut, D, { channel: 0, at: [0, 4, 8] }) },
    { name: "matrices", fig: matrixFigure([{ name: "a", matrices: m }, { name: "b", matrices: m }]) },
    { name: "lattice", fig: lutLatticeFigure(lut, D, { points: 5 }) },
    {
      name: "occupancy",
      fig: occupancyFigure(SAMPLE_OCCUPANCY),
    },
    { name: "curves", fig: trainingCurvesFigure([{ name: "run", records }]) },
    {
      name: "storage",
      fig: storageFigure([
        { method: "SR-LUT", variant: "S", bytes: 1274 * 1024, psnr: 29.82 },
        { method: "MuLUT", variant: "SDY-X2", bytes: 4062 * 1024, psnr: 30.6 },
      ], { dataset: "Set5 x4" }),
    },
    { name: "line", fig: lineFigure([{ name: "a", x: [1, 10, 100], y: [20, 25, 30] }], { logX: true }) },
    {
      name: "heatmaps",
      fig: heatmapsFigure([{ title: "a", z: [[1, 0], [0, 1]] }, { title: "b", z: [[2, 1]] }]),
    },
    {
      name: "sampler",
      fig: samplerWeightsFigure([{
        name: "unit 1",
        size: 3,
        weights: Array.from({ length: 36 }, (_, i) => (i % 7) / 7),
      }]),
    },
    { name: "adarl", fig: adarlFigure([{ name: "unit 1", weights: [0.1, 0.5, 0.7, 0.9] }]) },
    {
      name: "tradeoff",
      fig: tradeoffFigure([
        { name: "SR-LUT-S", family: "SR-LUT", psnr: 29.82, params: 1e4, bytes: 1274 * 1024, ms: 30 },
        { name: "MuLUT", family: "MuLUT", psnr: 30.6, params: 2e5, bytes: 4062 * 1024, ms: 90 },
        { name: "tiny run", family: "SPF-LUT", psnr: 21.2, params: 3e5, bytes: 1e4 * 1024 },
      ]),
    },
    {
      name: "weights",
      fig: lutWeightsFigure([{ name: "a.png", weights: [1, 0.2, -0.1] }, {
        name: "b.png",
        weights: [0.9, 0, 0.3],
      }]),
    },
    { name: "slices", fig: lutSliceSliderFigure(lut, D, { name: "graded" }) },
  ];
}

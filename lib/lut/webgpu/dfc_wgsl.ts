/**
 * WGSL kernel of the DFC lookup (kernels/dfc.c) on tensors of the webgpu backend: padded planes
 * [N,Hp,Wp] through a DFC-compressed LUT (fine diagonal band + coarse table, both uploaded as float32)
 * into [N,H,W,K]. Inference only (DFC tables are not trained). The band index (DFC's ref2index, band
 * lattice point -> fine row or -1) is built on the host (lib/lut/dfc_ref.ts) and uploaded as float32
 * (row numbers < 2^24).
 */
import { tf } from "../../core/backend.ts";
import { dfcBandIndex } from "../dfc_ref.ts";
import type { DfcLut } from "../dfc.ts";
import { lutLevels, type Offset } from "../simplex_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";
import { offsetParams, SIMPLEX_PARAMS, SIMPLEX_WGSL } from "./simplex_wgsl.ts";

const kernel: GpuKernel = {
  key: "dfc_forward",
  inputs: ["planes", "fine", "coarse", "band"],
  params: [...SIMPLEX_PARAMS, "cdims", "dw", "cbits"],
  body: `${SIMPLEX_WGSL}
/** Band key of lattice point cell (first cdims inputs), or -1 outside the band (simplex.h sx_band_key). */
fn bandKey(cell: array<i32, 4>) -> i32 {
  let diag = 2 * uniforms.dw + 1;
  var mul = 1;
  var e = 0;
  for (var i = uniforms.cdims - 1; i >= 1; i--) {
    let o = cell[i] - cell[0] + uniforms.dw;
    if (o < 0 || o >= diag) { return -1; }
    e += o * mul;
    mul *= diag;
  }
  return cell[0] * mul + e;
}

fn main(index: i32) {
  let n = uniforms.n;
  let k = uniforms.k;
  let levels = (256 >> u32(uniforms.bits)) + 1;
  let clevels = (256 >> u32(uniforms.cbits)) + 1;
  var v = anchorValues(index, n);
  for (var d = 0; d < n; d++) { v[d] = select(min(max(v[d], 0.0), 255.0), 0.0, isNan(v[d])); }
  let limit = f32(uniforms.dw << u32(uniforms.bits));
  var inBand = true;
  for (var d = 1; d < uniforms.cdims; d++) { inBand = inBand && v[d] - v[0] <= limit && v[0] - v[d] <= limit; }
  let s = sxLocate(v, n, select(uniforms.cbits, uniforms.bits, inBand), uniforms.srlut == 1);
  var cell = s.cell;
  for (var c = 0; c < k; c++) { result[index * k + c] = 0.0; }
  for (var j = 0; j <= n; j++) {
    if (j > 0) { cell[s.order[j - 1]] += 1; }
    var row = 0;
    if (inBand) {
      let key = bandKey(cell);
      if (key < 0) { continue; }
      let r = i32(band[key]);
      if (r < 0) { continue; } // outside the band: its weight is 0 (dfc_ref.ts)
      row = r;
      for (var d = uniforms.cdims; d < n; d++) { row = row * levels + cell[d]; }
    } else {
      for (var d = 0; d < n; d++) { row = row * clevels + cell[d]; }
    }
    for (var c = 0; c < k; c++) {
      let e = select(coarse[row * k + c], fine[row * k + c], inBand);
      result[index * k + c] += s.w[j] * e;
    }
  }
  let scale = 1.0 / f32(1 << u32(select(uniforms.cbits, uniforms.bits, inBand)));
  for (var c = 0; c < k; c++) { result[index * k + c] *= scale; }
}`,
};

/** DFC lookup of padded planes [N,Hp,Wp] (float32 tensor) -> [N,H,W,K] on the GPU (lut validated by dfc.ts). */
export function dfcLookupGpu(
  planes: tf.Tensor,
  offsets: readonly Offset[],
  lut: DfcLut,
  srlut: boolean,
): tf.Tensor {
  const [n, hp, wp] = planes.shape;
  const h = hp - Math.max(...offsets.map((o) => o[0])), w = wp - Math.max(...offsets.map((o) => o[1]));
  const { index } = dfcBandIndex(lutLevels(lut.intervalBits), lut.compressedDims, lut.diagonalWidth);
  const tables = [Float32Array.from(lut.fine), Float32Array.from(lut.coarse), Float32Array.from(index)].map((
    a,
  ) => tf.tensor1d(a));
  const params = [
    ...offsetParams({ hp, wp, h, w, intervalBits: lut.intervalBits, outputs: lut.outputs, srlut }, offsets),
    lut.compressedDims,
    lut.diagonalWidth,
    lut.samplingInterval,
  ];
  const out = runGpuKernel(kernel, [planes, ...tables], params, n * h * w, [n, h, w, lut.outputs]);
  tf.dispose(tables);
  return out;
}

/**
 * WGSL kernels of the DFC lookup (kernels/dfc.c) on tensors of the webgpu backend: padded planes
 * [N,Hp,Wp] through a DFC-compressed LUT (fine diagonal band + coarse table, both float32 on the GPU) into
 * [N,H,W,K], in DFC's simplex order (lib/lut/dfc_ref.ts), and its gradients (lib/lut/dfc_grad_ref.ts): the
 * fine and coarse table gradients (float atomics into one [fine | coarse] buffer, one thread per anchor)
 * and the plane gradient (per-anchor input gradients, gathered per plane pixel as in simplex.ts). The band
 * index (DFC's ref2index, band lattice point -> fine row or -1) is built on the host and uploaded as
 * float32 (row numbers < 2^24).
 */
import { tf } from "../../core/backend.ts";
import { dfcBandIndex, type DfcSpec } from "../dfc_ref.ts";
import type { DfcLut } from "../dfc.ts";
import { type LutGeometry, lutLevels, type Offset } from "../simplex_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";
import { gatherPlaneGrads, offsetParams, SIMPLEX_PARAMS, SIMPLEX_WGSL } from "./simplex_wgsl.ts";

const DFC_PARAMS = [...SIMPLEX_PARAMS, "cdims", "dw", "cbits", "fineLen"] as const;

/** The anchor's DFC simplex (simplex.h sx_dfc_vertices): rows of the fine (-1 outside the band) or coarse table. */
const DFC_WGSL = `${SIMPLEX_WGSL}
struct Dfc { s: Sx, rows: array<i32, 5>, inBand: bool, invQ: f32 }

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

fn dfcLocate(index: i32) -> Dfc {
  let n = uniforms.n;
  let levels = (256 >> u32(uniforms.bits)) + 1;
  let clevels = (256 >> u32(uniforms.cbits)) + 1;
  let raw = anchorValues(index, n);
  var v = raw;
  for (var d = 0; d < n; d++) { v[d] = select(min(max(v[d], 0.0), 255.0), 0.0, isNan(v[d])); }
  let limit = f32(uniforms.dw << u32(uniforms.bits));
  var out: Dfc;
  out.inBand = true;
  for (var d = 1; d < uniforms.cdims; d++) {
    out.inBand = out.inBand && v[d] - v[0] <= limit && v[0] - v[d] <= limit;
  }
  let bits = select(uniforms.cbits, uniforms.bits, out.inBand);
  out.invQ = 1.0 / f32(1 << u32(bits));
  out.s = sxLocate(raw, n, bits, false);
  var cell = out.s.cell;
  for (var j = 0; j <= n; j++) {
    if (j > 0) { cell[out.s.order[j - 1]] += 1; }
    var row = 0;
    if (out.inBand) {
      let key = bandKey(cell);
      row = select(i32(band[max(key, 0)]), -1, key < 0);
      for (var d = uniforms.cdims; d < n; d++) { row = select(row * levels + cell[d], -1, row < 0); }
    } else {
      for (var d = 0; d < n; d++) { row = row * clevels + cell[d]; }
    }
    out.rows[j] = row;
  }
  return out;
}

/** Entry of vertex row \`row\` (0 for a vertex outside the band) of the anchor's table. */
fn dfcEntry(inBand: bool, row: i32, c: i32) -> f32 {
  if (row < 0) { return 0.0; }
  return select(coarse[row * uniforms.k + c], fine[row * uniforms.k + c], inBand);
}
`;

const forwardKernel: GpuKernel = {
  key: "dfc_forward",
  inputs: ["planes", "fine", "coarse", "band"],
  params: DFC_PARAMS,
  body: `${DFC_WGSL}
fn main(index: i32) {
  let a = dfcLocate(index);
  let k = uniforms.k;
  for (var c = 0; c < k; c++) {
    var acc = 0.0;
    for (var j = 0; j <= uniforms.n; j++) { acc += a.s.w[j] * dfcEntry(a.inBand, a.rows[j], c); }
    result[index * k + c] = acc * a.invQ;
  }
}`,
};

/** Table gradients into one buffer [fine | coarse] (the coarse part from uniforms.fineLen). */
const gradTablesKernel: GpuKernel = {
  key: "dfc_grad_tables",
  inputs: ["planes", "fine", "coarse", "band", "dy"],
  params: DFC_PARAMS,
  accumulate: true,
  body: `${DFC_WGSL}
fn main(index: i32) {
  let a = dfcLocate(index);
  let k = uniforms.k;
  let base = select(uniforms.fineLen, 0, a.inBand);
  for (var j = 0; j <= uniforms.n; j++) {
    if (a.rows[j] < 0) { continue; }
    let wj = a.s.w[j] * a.invQ;
    for (var c = 0; c < k; c++) { addOut(base + a.rows[j] * k + c, wj * dy[index * k + c]); }
  }
}`,
};

/** Per-anchor input gradients [anchors, n]: (T[v_{j+1}] - T[v_j]) / q along the j-th sorted input, 0 if clamped. */
const gradAnchorKernel: GpuKernel = {
  key: "dfc_grad_anchor",
  inputs: ["planes", "fine", "coarse", "band", "dy"],
  params: DFC_PARAMS,
  body: `${DFC_WGSL}
fn main(index: i32) {
  let a = dfcLocate(index);
  let k = uniforms.k;
  let n = uniforms.n;
  for (var j = 0; j < n; j++) {
    let d = a.s.order[j];
    var acc = 0.0;
    if (((a.s.inRange >> u32(d)) & 1) == 1) {
      for (var c = 0; c < k; c++) {
        acc += dy[index * k + c] * (dfcEntry(a.inBand, a.rows[j + 1], c) - dfcEntry(a.inBand, a.rows[j], c));
      }
    }
    result[index * n + d] = acc * a.invQ;
  }
}`,
};

/** Geometry and DFC settings of a GPU lookup (the tables are tensors). */
export type DfcGpuSpec = LutGeometry & DfcSpec;

function setup(planes: tf.Tensor, offsets: readonly Offset[], spec: DfcGpuSpec, fineLen: number) {
  const [n, hp, wp] = planes.shape;
  const h = hp - Math.max(...offsets.map((o) => o[0])), w = wp - Math.max(...offsets.map((o) => o[1]));
  const { index } = dfcBandIndex(lutLevels(spec.intervalBits), spec.compressedDims, spec.diagonalWidth);
  const simplex = offsetParams(
    { hp, wp, h, w, intervalBits: spec.intervalBits, outputs: spec.outputs, srlut: false },
    offsets,
  );
  const params = [...simplex, spec.compressedDims, spec.diagonalWidth, spec.samplingInterval, fineLen];
  return {
    anchors: n * h * w,
    outShape: [n, h, w, spec.outputs],
    band: tf.tensor1d(Float32Array.from(index)),
    simplex,
    params,
  };
}

/** DFC lookup of padded planes [N,Hp,Wp] with float32 tensors fine [fineRows, K], coarse [Lc^n, K] → [N,H,W,K]. */
export function dfcForwardGpu(
  planes: tf.Tensor,
  fine: tf.Tensor,
  coarse: tf.Tensor,
  offsets: readonly Offset[],
  spec: DfcGpuSpec,
): tf.Tensor {
  const { anchors, outShape, band, params } = setup(planes, offsets, spec, fine.size);
  const out = runGpuKernel(forwardKernel, [planes, fine, coarse, band], params, anchors, outShape);
  band.dispose();
  return out;
}

/** [gradPlanes [N,Hp,Wp], gradFine, gradCoarse] of sum(dy · dfcForwardGpu) on the GPU. */
export function dfcBackwardGpu(
  planes: tf.Tensor,
  fine: tf.Tensor,
  coarse: tf.Tensor,
  dy: tf.Tensor,
  offsets: readonly Offset[],
  spec: DfcGpuSpec,
): tf.Tensor[] {
  const { anchors, band, simplex, params } = setup(planes, offsets, spec, fine.size);
  const ins = [planes, fine, coarse, band, dy];
  const tables = runGpuKernel(gradTablesKernel, ins, params, anchors, [fine.size + coarse.size]);
  const anchor = runGpuKernel(gradAnchorKernel, ins, params, anchors, [anchors, offsets.length]);
  const gradPlanes = gatherPlaneGrads(anchor, planes.shape, simplex);
  const gradFine = tf.reshape(tf.slice(tables, 0, fine.size), fine.shape);
  const gradCoarse = tf.reshape(tf.slice(tables, fine.size, coarse.size), coarse.shape);
  tf.dispose([band, anchor, tables]);
  return [gradPlanes, gradFine, gradCoarse];
}

/** DFC lookup of padded planes [N,Hp,Wp] (float32 tensor) through `lut` -> [N,H,W,K] on the GPU (lut validated by dfc.ts). */
export function dfcLookupGpu(planes: tf.Tensor, offsets: readonly Offset[], lut: DfcLut): tf.Tensor {
  const [fine, coarse] = [lut.fine, lut.coarse].map((a) => tf.tensor1d(Float32Array.from(a)));
  const out = dfcForwardGpu(planes, fine, coarse, offsets, lut);
  tf.dispose([fine, coarse]);
  return out;
}

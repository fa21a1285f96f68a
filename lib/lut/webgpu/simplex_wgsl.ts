/**
 * WGSL kernels of the n-D simplex LUT op (kernels/simplex_lut.c, simplex.h; n = 2..4) on tensors of the webgpu
 * backend: lookup of padded planes [N,Hp,Wp] through a float32 table [L^n, K] into [N,H,W,K], the table
 * gradient (float atomics, one thread per anchor) and the plane gradient (per-anchor input gradients
 * [N·H·W, n], then each plane pixel gathers the anchors that read it). Layouts as lib/lut/simplex.ts.
 */
import { tf } from "../../core/backend.ts";
import type { Offset } from "../simplex_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

/** i32 params of the simplex kernels (values: `offsetParams`). */
export const SIMPLEX_PARAMS = [
  "hp",
  "wp",
  "h",
  "w",
  "n",
  "bits",
  "k",
  "srlut",
  "oy0",
  "oy1",
  "oy2",
  "oy3",
  "ox0",
  "ox1",
  "ox2",
  "ox3",
] as const;

/** Pattern offsets (dy, dx) of input d, from the uniforms oy0..oy3, ox0..ox3. */
const OFFSETS = `
fn offY(d: i32) -> i32 {
  return array<i32, 4>(uniforms.oy0, uniforms.oy1, uniforms.oy2, uniforms.oy3)[d];
}

fn offX(d: i32) -> i32 {
  return array<i32, 4>(uniforms.ox0, uniforms.ox1, uniforms.ox2, uniforms.ox3)[d];
}
`;

/**
 * WGSL shared with the DFC kernel: the raw input values of an anchor (needs uniforms hp, wp, h, w and the
 * offsets oy0..oy3/ox0..ox3, input `planes`) and its simplex (simplex.h sx_locate): cells, inputs by
 * descending fraction, weights (sum q) and in-range bits.
 */
export const SIMPLEX_WGSL = `
struct Sx { cell: array<i32, 4>, order: array<i32, 4>, w: array<f32, 5>, inRange: i32 }

fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

${OFFSETS}
fn anchorValues(anchor: i32, n: i32) -> array<f32, 4> {
  let p = anchor / (uniforms.h * uniforms.w);
  let y = (anchor / uniforms.w) % uniforms.h;
  let x = anchor % uniforms.w;
  var v = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var d = 0; d < n; d++) { v[d] = planes[(p * uniforms.hp + y + offY(d)) * uniforms.wp + x + offX(d)]; }
  return v;
}

fn sxLocate(v: array<f32, 4>, n: i32, bits: i32, srlut: bool) -> Sx {
  let q = f32(1 << u32(bits));
  let invQ = 1.0 / q;
  let top = (256 >> u32(bits)) - 1;
  var s: Sx;
  var f = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  s.inRange = 0;
  for (var d = 0; d < n; d++) {
    let raw = v[d];
    let x = select(min(max(raw, 0.0), 255.0), 0.0, isNan(raw));
    if (raw >= 0.0 && raw <= 255.0 && !isNan(raw)) { s.inRange |= 1 << u32(d); }
    s.cell[d] = min(i32(x * invQ), top);
    f[d] = x - f32(s.cell[d]) * q;
  }
  for (var d = 0; d < 4; d++) { s.order[d] = d; }
  for (var d = 0; d < n; d++) {
    var r = 0;
    for (var e = 0; e < n; e++) {
      if (f[e] > f[d] || (f[e] == f[d] && e < d)) { r++; }
    }
    s.order[r] = d;
  }
  if (srlut && n == 4 && f[2] > f[3] && f[3] > f[0] && f[0] > f[1]) {
    s.order[1] = 0;
    s.order[2] = 3;
  }
  s.w[0] = q - f[s.order[0]];
  for (var j = 1; j < n; j++) { s.w[j] = f[s.order[j - 1]] - f[s.order[j]]; }
  s.w[n] = f[s.order[n - 1]];
  return s;
}
`;

/** The simplex of one anchor with the table rows of its n+1 vertices (row-major [L^n] lattice). */
const SIMPLEX = `${SIMPLEX_WGSL}
struct Vertices { s: Sx, rows: array<i32, 5> }

fn locate(anchor: i32) -> Vertices {
  let n = uniforms.n;
  let levels = (256 >> u32(uniforms.bits)) + 1;
  var out: Vertices;
  out.s = sxLocate(anchorValues(anchor, n), n, uniforms.bits, uniforms.srlut == 1);
  var stride = array<i32, 4>(0, 0, 0, 0);
  var st = 1;
  for (var d = n - 1; d >= 0; d--) {
    stride[d] = st;
    st *= levels;
  }
  out.rows[0] = 0;
  for (var d = 0; d < n; d++) { out.rows[0] += out.s.cell[d] * stride[d]; }
  for (var j = 0; j < n; j++) { out.rows[j + 1] = out.rows[j] + stride[out.s.order[j]]; }
  return out;
}
`;

const forwardKernel: GpuKernel = {
  key: "simplex_forward",
  inputs: ["planes", "tab"],
  params: SIMPLEX_PARAMS,
  body: `${SIMPLEX}
fn main(index: i32) {
  let v = locate(index);
  let k = uniforms.k;
  let invQ = 1.0 / f32(1 << u32(uniforms.bits));
  for (var c = 0; c < k; c++) {
    var acc = 0.0;
    for (var j = 0; j <= uniforms.n; j++) { acc += v.s.w[j] * tab[v.rows[j] * k + c]; }
    result[index * k + c] = acc * invQ;
  }
}`,
};

const gradTableKernel: GpuKernel = {
  key: "simplex_grad_table",
  inputs: ["planes", "tab", "dy"],
  params: SIMPLEX_PARAMS,
  accumulate: true,
  body: `${SIMPLEX}
fn main(index: i32) {
  let v = locate(index);
  let k = uniforms.k;
  let invQ = 1.0 / f32(1 << u32(uniforms.bits));
  for (var j = 0; j <= uniforms.n; j++) {
    let wj = v.s.w[j] * invQ;
    for (var c = 0; c < k; c++) { addOut(v.rows[j] * k + c, wj * dy[index * k + c]); }
  }
}`,
};

/** Per-anchor input gradients [anchors, n]: d out / d input d = (T[v_{j+1}] - T[v_j]) / q, 0 if clamped. */
const gradAnchorKernel: GpuKernel = {
  key: "simplex_grad_anchor",
  inputs: ["planes", "tab", "dy"],
  params: SIMPLEX_PARAMS,
  body: `${SIMPLEX}
fn main(index: i32) {
  let v = locate(index);
  let k = uniforms.k;
  let n = uniforms.n;
  let invQ = 1.0 / f32(1 << u32(uniforms.bits));
  for (var j = 0; j < n; j++) {
    let d = v.s.order[j];
    var acc = 0.0;
    if (((v.s.inRange >> u32(d)) & 1) == 1) {
      for (var c = 0; c < k; c++) {
        acc += dy[index * k + c] * (tab[v.rows[j + 1] * k + c] - tab[v.rows[j] * k + c]);
      }
    }
    result[index * n + d] = acc * invQ;
  }
}`,
};

/** Plane gradient [N,Hp,Wp]: each pixel sums the anchor gradients of the inputs that read it. */
const gatherKernel: GpuKernel = {
  key: "simplex_grad_planes",
  inputs: ["anchor"],
  params: SIMPLEX_PARAMS,
  body: `
${OFFSETS}
fn main(index: i32) {
  let hp = uniforms.hp;
  let wp = uniforms.wp;
  let h = uniforms.h;
  let w = uniforms.w;
  let n = uniforms.n;
  let p = index / (hp * wp);
  let y = (index / wp) % hp;
  let x = index % wp;
  var acc = 0.0;
  for (var d = 0; d < n; d++) {
    let ay = y - offY(d);
    let ax = x - offX(d);
    if (ay >= 0 && ay < h && ax >= 0 && ax < w) { acc += anchor[((p * h + ay) * w + ax) * n + d]; }
  }
  result[index] = acc;
}`,
};

/** Shape of one simplex lookup (validated by lib/lut/simplex.ts). */
export type SimplexGpuShape = {
  planes: number;
  hp: number;
  wp: number;
  h: number;
  w: number;
  intervalBits: number;
  outputs: number;
  srlut: boolean;
};

/** The i32 params hp, wp, h, w, n, bits, k, srlut, oy0..oy3, ox0..ox3 of a simplex kernel. */
export function offsetParams(s: Omit<SimplexGpuShape, "planes">, offsets: readonly Offset[]): number[] {
  const oy = [0, 1, 2, 3].map((d) => offsets[d]?.[0] ?? 0),
    ox = [0, 1, 2, 3].map((d) => offsets[d]?.[1] ?? 0);
  return [s.hp, s.wp, s.h, s.w, offsets.length, s.intervalBits, s.outputs, s.srlut ? 1 : 0, ...oy, ...ox];
}

/** Lookup of padded planes [N,Hp,Wp] through table [L^n, K] -> [N,H,W,K] on the GPU. */
export function simplexForwardGpu(
  planes: tf.Tensor,
  table: tf.Tensor,
  offsets: readonly Offset[],
  s: SimplexGpuShape,
): tf.Tensor {
  const anchors = s.planes * s.h * s.w;
  return runGpuKernel(forwardKernel, [planes, table], offsetParams(s, offsets), anchors, [
    s.planes,
    s.h,
    s.w,
    s.outputs,
  ]);
}

/** [gradPlanes [N,Hp,Wp], gradTable [L^n, K]] of sum(dy · lookup) on the GPU. */
export function simplexBackwardGpu(
  planes: tf.Tensor,
  table: tf.Tensor,
  dy: tf.Tensor,
  offsets: readonly Offset[],
  s: SimplexGpuShape,
): tf.Tensor[] {
  const p = offsetParams(s, offsets), anchors = s.planes * s.h * s.w;
  const gradTable = runGpuKernel(gradTableKernel, [planes, table, dy], p, anchors, table.shape);
  const anchor = runGpuKernel(gradAnchorKernel, [planes, table, dy], p, anchors, [anchors, offsets.length]);
  const gradPlanes = gatherPlaneGrads(anchor, planes.shape, p);
  anchor.dispose();
  return [gradPlanes, gradTable];
}

/** Plane gradient [N,Hp,Wp] from per-anchor input gradients [N·H·W, n] (`params`: offsetParams). */
export function gatherPlaneGrads(anchor: tf.Tensor, planeShape: number[], params: number[]): tf.Tensor {
  return runGpuKernel(gatherKernel, [anchor], params, planeShape.reduce((a, b) => a * b, 1), planeShape);
}

/**
 * WGSL kernels of the AiLUT op (kernels/ailut.c, ailut.h): forward, image gradient, LUT gradient and
 * vertex gradient, on tensors of the webgpu backend. Layouts as lib/lut/ailut_ref.ts: images [B,3,H,W],
 * LUTs [B or 1,3,D,D,D] (lut[c][b][g][r]), vertices [B or 1,3,D]. One thread per pixel; the LUT and vertex
 * gradients add into their outputs with float atomics.
 */
import type { tf } from "../../core/backend.ts";
import type { AiLutShape } from "../ailut_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

/** Shared WGSL: clamping, the binary search of ailut.h per axis, the 8 corners and their weights. */
const CELL = `
struct Axis { i: i32, f: f32, inv: f32 }

fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn clamp01(x: f32) -> f32 {
  return select(min(max(x, 0.0), 1.0), 0.0, isNan(x));
}

/** Cell of x among the ascending vertices verts[v0 .. v0+dim): lower_bound - 1, clamped; eps 1e-10. */
fn locateAxis(v0: i32, dim: i32, x: f32) -> Axis {
  var lo = 0;
  var hi = dim;
  loop {
    if (lo >= hi) { break; }
    let mid = lo + ((hi - lo) >> 1u);
    if (!(verts[v0 + mid] >= x)) { lo = mid + 1; } else { hi = mid; }
  }
  var a: Axis;
  a.i = clamp(lo - 1, 0, dim - 2);
  a.inv = 1.0 / (verts[v0 + a.i + 1] - verts[v0 + a.i] + 1e-10);
  a.f = (x - verts[v0 + a.i]) * a.inv;
  return a;
}

fn bit(k: i32, a: i32) -> bool {
  return ((k >> u32(a)) & 1) == 1;
}

/** Weight of corner k (bit a set: the high side of axis a), without axis 'skip' (-1: none). */
fn cornerWeight(f: vec3<f32>, k: i32, skip: i32) -> f32 {
  var w = 1.0;
  for (var a = 0; a < 3; a++) {
    if (a != skip) { w *= select(1.0 - f[a], f[a], bit(k, a)); }
  }
  return w;
}

fn vertex(l0: i32, d3: i32, v: i32) -> vec3<f32> {
  return vec3<f32>(lut[l0 + v], lut[l0 + d3 + v], lut[l0 + 2 * d3 + v]);
}
`;

const PARAMS = ["hw", "dim", "lutBatch", "vertBatch"] as const;

/** Thread index -> (image b, pixel p), LUT and vertex offsets, the clamped colour's three axes. */
const PROLOGUE = `
  let hw = uniforms.hw;
  let dim = uniforms.dim;
  let d3 = dim * dim * dim;
  let b = index / hw;
  let p = index - b * hw;
  let q = b * 3 * hw + p;
  let l0 = select(b, 0, uniforms.lutBatch == 1) * 3 * d3;
  let v0 = select(b, 0, uniforms.vertBatch == 1) * 3 * dim;
  let x = vec3<f32>(img[q], img[q + hw], img[q + 2 * hw]);
  let ax = array<Axis, 3>(locateAxis(v0, dim, clamp01(x.x)), locateAxis(v0 + dim, dim, clamp01(x.y)),
    locateAxis(v0 + 2 * dim, dim, clamp01(x.z)));
  let f = vec3<f32>(ax[0].f, ax[1].f, ax[2].f);
  let inv = vec3<f32>(ax[0].inv, ax[1].inv, ax[2].inv);
  let base = ax[0].i + dim * ax[1].i + dim * dim * ax[2].i;
`;

/** Corner k's offset in one channel's table. */
const CORNER = `
fn cornerAt(base: i32, dim: i32, k: i32) -> i32 {
  return base + select(0, 1, bit(k, 0)) + select(0, dim, bit(k, 1)) + select(0, dim * dim, bit(k, 2));
}
`;

/** gf = d loss / d fraction per axis, from the output gradient go (d w_k / d f_a times the corners). */
const FRACTION_GRAD = `
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  var gf = vec3<f32>(0.0);
  for (var k = 0; k < 8; k++) {
    let v = dot(vertex(l0, d3, cornerAt(base, dim, k)), go);
    for (var a = 0; a < 3; a++) {
      gf[a] += select(-1.0, 1.0, bit(k, a)) * cornerWeight(f, k, a) * v;
    }
  }
`;

const forwardKernel: GpuKernel = {
  key: "ailut_forward",
  inputs: ["img", "lut", "verts"],
  params: PARAMS,
  body: `${CELL}${CORNER}
fn main(index: i32) {
  ${PROLOGUE}
  var o = vec3<f32>(0.0);
  for (var k = 0; k < 8; k++) {
    o += cornerWeight(f, k, -1) * vertex(l0, d3, cornerAt(base, dim, k));
  }
  result[q] = o.x;
  result[q + hw] = o.y;
  result[q + 2 * hw] = o.z;
}`,
};

/** d out / d img = gf / (v[i+1] - v[i] + eps) inside [0,1], 0 where the colour was clamped (or NaN). */
const gradImgKernel: GpuKernel = {
  key: "ailut_grad_img",
  inputs: ["img", "lut", "verts", "dy"],
  params: PARAMS,
  body: `${CELL}${CORNER}
fn main(index: i32) {
  ${PROLOGUE}
  ${FRACTION_GRAD}
  let nan = vec3<bool>(isNan(x.x), isNan(x.y), isNan(x.z));
  let inside = x >= vec3<f32>(0.0) & x <= vec3<f32>(1.0) & !nan;
  let d = select(vec3<f32>(0.0), gf * inv, inside);
  result[q] = d.x;
  result[q + hw] = d.y;
  result[q + 2 * hw] = d.z;
}`,
};

const gradLutKernel: GpuKernel = {
  key: "ailut_grad_lut",
  inputs: ["img", "lut", "verts", "dy"],
  params: PARAMS,
  accumulate: true,
  body: `${CELL}${CORNER}
fn main(index: i32) {
  ${PROLOGUE}
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  for (var k = 0; k < 8; k++) {
    let g = go * cornerWeight(f, k, -1);
    let o = l0 + cornerAt(base, dim, k);
    addOut(o, g.x);
    addOut(o + d3, g.y);
    addOut(o + 2 * d3, g.z);
  }
}`,
};

/** d loss / d v[i] = -gf (1 - f) / width, d loss / d v[i+1] = -gf f / width, per axis. */
const gradVertsKernel: GpuKernel = {
  key: "ailut_grad_verts",
  inputs: ["img", "lut", "verts", "dy"],
  params: PARAMS,
  accumulate: true,
  body: `${CELL}${CORNER}
fn main(index: i32) {
  ${PROLOGUE}
  ${FRACTION_GRAD}
  for (var a = 0; a < 3; a++) {
    let o = v0 + a * dim + ax[a].i;
    addOut(o, -gf[a] * (1.0 - f[a]) * inv[a]);
    addOut(o + 1, -gf[a] * f[a] * inv[a]);
  }
}`,
};

const params = (s: AiLutShape) => [s.height * s.width, s.dim, s.lutBatch, s.vertBatch];

/** out [B,3,H,W] = AiLUT(img) on the GPU (shapes already validated by lib/lut/ailut_op.ts). */
export function ailutForwardGpu(img: tf.Tensor, lut: tf.Tensor, verts: tf.Tensor, s: AiLutShape): tf.Tensor {
  return runGpuKernel(forwardKernel, [img, lut, verts], params(s), s.batch * s.height * s.width, img.shape);
}

/** [gradLut, gradVertices, gradImg (when `imgGrad`)] of sum(dy * AiLUT(img)) on the GPU. */
export function ailutBackwardGpu(
  img: tf.Tensor,
  lut: tf.Tensor,
  verts: tf.Tensor,
  dy: tf.Tensor,
  s: AiLutShape,
  imgGrad: boolean,
): tf.Tensor[] {
  const p = params(s), n = s.batch * s.height * s.width, ins = [img, lut, verts, dy];
  const out = [
    runGpuKernel(gradLutKernel, ins, p, n, lut.shape),
    runGpuKernel(gradVertsKernel, ins, p, n, verts.shape),
  ];
  return imgGrad ? [...out, runGpuKernel(gradImgKernel, ins, p, n, img.shape)] : out;
}

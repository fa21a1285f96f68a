/**
 * WGSL kernels of LUTwithBGrid's bilateral-grid slicing (kernels/bgrid.h): forward, grid gradient (float
 * atomics) and guide-image gradient, on tensors of the webgpu backend. Layouts as lib/lut/bgrid_ref.ts:
 * grids [B,3*gpc,D,D,D] (grid[b][o][v][y][x]), guides [B,3,H,W], out [B,3*gpc,H,W].
 */
import type { tf } from "../../core/backend.ts";
import type { BGridShape } from "../bgrid_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

/** Shared WGSL: coordinates, cells and the trilinear sample (value and d/dguide) of one grid. */
const SLICE = `
struct Ax { k: i32, d: f32 }

fn coord(x: i32, n: i32) -> f32 {
  if (n < 2) { return 0.0; }
  if (uniforms.spatial == 1) { return f32(x) / f32(n - 1); }
  return f32(x / (n - 1));
}

fn axis(t: f32, dim: i32) -> Ax {
  let bin = 1.0 / f32(dim - 1);
  let k = clamp(i32(floor(t * f32(dim - 1))), 0, dim - 2);
  return Ax(k, (t - bin * f32(k)) / bin);
}

/** Output value q: grid plane p, pixel k, guide index and coordinates (x, y). */
struct At { p: i32, k: i32, guide: i32, x: f32, y: f32 }

fn locate(q: i32) -> At {
  let hw = uniforms.height * uniforms.width;
  let G = 3 * uniforms.gpc;
  let p = q / hw;
  let k = q - p * hw;
  let b = p / G;
  let c = (p - b * G) / uniforms.gpc;
  return At(p, k, (b * 3 + c) * hw + k, coord(k % uniforms.width, uniforms.width), coord(k / uniforms.width, uniforms.height));
}

/** (value, d value / d guide) of grid plane p at (x, y, t). */
fn sample(p: i32, x: f32, y: f32, t: f32) -> vec2<f32> {
  let dim = uniforms.dim;
  let ax = axis(x, dim);
  let ay = axis(y, dim);
  let av = axis(t, dim);
  let base = p * dim * dim * dim + (av.k * dim + ay.k) * dim + ax.k;
  let sv = dim * dim;
  let w = vec4<f32>((1.0 - ax.d) * (1.0 - ay.d), ax.d * (1.0 - ay.d), (1.0 - ax.d) * ay.d, ax.d * ay.d);
  let lo = dot(w, vec4<f32>(grid[base], grid[base + 1], grid[base + dim], grid[base + dim + 1]));
  let hi = dot(w, vec4<f32>(grid[base + sv], grid[base + sv + 1], grid[base + sv + dim], grid[base + sv + dim + 1]));
  return vec2<f32>(lo * (1.0 - av.d) + hi * av.d, (hi - lo) * f32(dim - 1));
}
`;

const PARAMS = ["height", "width", "dim", "gpc", "spatial"] as const;

const forwardKernel: GpuKernel = {
  key: "bgrid_forward",
  inputs: ["grid", "img"],
  params: PARAMS,
  body: `${SLICE}
fn main(index: i32) {
  let a = locate(index);
  result[index] = sample(a.p, a.x, a.y, img[a.guide]).x;
}`,
};

const gradGridKernel: GpuKernel = {
  key: "bgrid_grad_grid",
  inputs: ["grid", "img", "dy"],
  params: PARAMS,
  accumulate: true,
  body: `${SLICE}
fn main(index: i32) {
  let a = locate(index);
  let dim = uniforms.dim;
  let ax = axis(a.x, dim);
  let ay = axis(a.y, dim);
  let av = axis(img[a.guide], dim);
  let base = a.p * dim * dim * dim + (av.k * dim + ay.k) * dim + ax.k;
  let w = array<f32, 4>((1.0 - ax.d) * (1.0 - ay.d), ax.d * (1.0 - ay.d), (1.0 - ax.d) * ay.d, ax.d * ay.d);
  let off = array<i32, 4>(0, 1, dim, dim + 1);
  let g = dy[index];
  for (var k = 0; k < 4; k++) {
    addOut(base + off[k], g * w[k] * (1.0 - av.d));
    addOut(base + dim * dim + off[k], g * w[k] * av.d);
  }
}`,
};

const gradImgKernel: GpuKernel = {
  key: "bgrid_grad_img",
  inputs: ["grid", "img", "dy"],
  params: PARAMS,
  body: `${SLICE}
fn main(index: i32) {
  let hw = uniforms.height * uniforms.width;
  let bc = index / hw;
  let k = index - bc * hw;
  let b = bc / 3;
  let c = bc - b * 3;
  let x = coord(k % uniforms.width, uniforms.width);
  let y = coord(k / uniforms.width, uniforms.height);
  var acc = 0.0;
  for (var i = 0; i < uniforms.gpc; i++) {
    let p = b * 3 * uniforms.gpc + c * uniforms.gpc + i;
    acc += dy[p * hw + k] * sample(p, x, y, img[index]).y;
  }
  result[index] = acc;
}`,
};

const params = (s: BGridShape) => [s.height, s.width, s.dim, s.gpc, s.spatial];

/** out [B,3*gpc,H,W] = slice(grid, img) on the GPU (shapes validated by lib/lut/bgrid.ts). */
export function bgridForwardGpu(grid: tf.Tensor, img: tf.Tensor, s: BGridShape): tf.Tensor {
  const n = s.batch * 3 * s.gpc * s.height * s.width;
  return runGpuKernel(forwardKernel, [grid, img], params(s), n, [s.batch, 3 * s.gpc, s.height, s.width]);
}

/** [gradGrid [B,3*gpc,D,D,D], gradImg [B,3,H,W]] of sum(dy * slice(grid, img)) on the GPU. */
export function bgridBackwardGpu(grid: tf.Tensor, img: tf.Tensor, dy: tf.Tensor, s: BGridShape): tf.Tensor[] {
  const n = s.batch * 3 * s.gpc * s.height * s.width;
  return [
    runGpuKernel(gradGridKernel, [grid, img, dy], params(s), n, grid.shape),
    runGpuKernel(gradImgKernel, [grid, img, dy], params(s), s.batch * 3 * s.height * s.width, img.shape),
  ];
}

/**
 * WGSL kernels of the LUT regularisers (kernels/lutreg.c) on tensors of the webgpu backend: per LUT
 * value of [planes,D,D,D] (lut[p][b][g][r]), the sum of the terms of the neighbour differences
 * d = v[i] - v[i+1] that start at it (along r, g and b; weight 2 on each axis' first and last difference),
 * and the gradient of the sum of all terms w.r.t. it. No atomics: each thread gathers its own value.
 */
import { tf } from "../../core/backend.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

/** Term 0 = w d^2 (TV), 1 = relu(d) (MN), 2 = relu(w d)^2 (squared MN); its value and derivative. */
const TERMS = `
fn termValue(term: i32, d: f32, w: f32) -> f32 {
  if (term == 0) { return w * d * d; }
  if (term == 1) { return max(d, 0.0); }
  let e = max(w * d, 0.0);
  return e * e;
}

fn termGrad(term: i32, d: f32, w: f32) -> f32 {
  if (term == 0) { return 2.0 * w * d; }
  if (term == 1) { return select(0.0, 1.0, d > 0.0); }
  return select(0.0, 2.0 * w * w * d, w * d > 0.0);
}

fn weight(i: i32, dim: i32) -> f32 {
  return select(1.0, 2.0, i == 0 || i == dim - 2);
}

/** Coordinate of value v along the axis of stride s. */
fn coord(v: i32, s: i32, dim: i32) -> i32 {
  return (v / s) % dim;
}
`;

const valueKernel: GpuKernel = {
  key: "lutreg_value",
  inputs: ["lut"],
  params: ["dim", "term"],
  body: `${TERMS}
fn main(index: i32) {
  let dim = uniforms.dim;
  var sum = 0.0;
  for (var a = 0; a < 3; a++) {
    let s = select(select(dim * dim, dim, a == 1), 1, a == 0);
    let i = coord(index, s, dim);
    if (i < dim - 1) {
      sum += termValue(uniforms.term, lut[index] - lut[index + s], weight(i, dim));
    }
  }
  result[index] = sum;
}`,
};

const gradKernel: GpuKernel = {
  key: "lutreg_grad",
  inputs: ["lut"],
  params: ["dim", "term"],
  body: `${TERMS}
fn main(index: i32) {
  let dim = uniforms.dim;
  var g = 0.0;
  for (var a = 0; a < 3; a++) {
    let s = select(select(dim * dim, dim, a == 1), 1, a == 0);
    let i = coord(index, s, dim);
    if (i < dim - 1) {
      g += termGrad(uniforms.term, lut[index] - lut[index + s], weight(i, dim));
    }
    if (i > 0) {
      g -= termGrad(uniforms.term, lut[index - s] - lut[index], weight(i - 1, dim));
    }
  }
  result[index] = g;
}`,
};

/** scale * (sum of all terms) of LUTs [..., D, D, D] (planes of D^3 values) on the GPU; a scalar. */
export function lutRegValueGpu(lut: tf.Tensor, dim: number, term: number, scale: number): tf.Scalar {
  const per = runGpuKernel(valueKernel, [lut], [dim, term], lut.size, [lut.size]);
  const out = tf.tidy(() => tf.mul(tf.sum(per), scale) as tf.Scalar);
  per.dispose();
  return out;
}

/** scale * d(sum of all terms)/d lut, shaped like `lut`, on the GPU (`scale` a scalar tensor). */
export function lutRegGradGpu(lut: tf.Tensor, dim: number, term: number, scale: tf.Tensor): tf.Tensor {
  const g = runGpuKernel(gradKernel, [lut], [dim, term], lut.size, lut.shape);
  const out = tf.mul(g, scale);
  g.dispose();
  return out;
}

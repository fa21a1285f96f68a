/**
 * WGSL kernels of the 3D LUT op (kernels/lut3d.c, lut3d_cell.h): trilinear and tetrahedral forward,
 * image gradient and LUT gradient, on tensors of the webgpu backend. Layouts as lib/lut/lut3d.ts: images
 * [B,3,H,W], LUTs [B or 1,3,D,D,D] with lut[c][b][g][r]. One thread per pixel; the LUT gradient adds into
 * its output with float atomics.
 */
import type { tf } from "../../core/backend.ts";
import type { Lut3dMode, Lut3dShape } from "../lut3d_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

/** Shared WGSL: the cell of one colour (lut3d_cell.h) and the corner reads of a pixel. */
const CELL = `
struct Cell { base: i32, o1: i32, o2: i32, f: vec3<f32> }

fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn clamp01(x: f32) -> f32 {
  return select(min(max(x, 0.0), 1.0), 0.0, isNan(x));
}

fn locate(c: vec3<f32>, dim: i32, tetra: bool) -> Cell {
  let scale = f32(dim - 1);
  let top = dim - 2;
  let x = vec3<f32>(clamp01(c.x), clamp01(c.y), clamp01(c.z)) * scale;
  let i = min(vec3<i32>(x), vec3<i32>(top));
  let fr = x.x - f32(i.x);
  let fg = x.y - f32(i.y);
  let fb = x.z - f32(i.z);
  var cell: Cell;
  cell.base = (i.z * dim + i.y) * dim + i.x;
  if (!tetra) {
    cell.o1 = 0; cell.o2 = 0; cell.f = vec3<f32>(fr, fg, fb);
    return cell;
  }
  let sg = dim;
  let sb = dim * dim;
  let s3 = 1 + dim + dim * dim;
  let rmax = fr >= fg && fr >= fb;
  let gmax = fg > fr && fg >= fb;
  let bmin = fb <= fg && fb <= fr;
  let gmin = fg < fb && fg <= fr;
  cell.o1 = select(select(sb, sg, gmax), 1, rmax);
  cell.o2 = s3 - select(select(1, sg, gmin), sb, bmin);
  cell.f = vec3<f32>(max(fr, max(fg, fb)), max(min(fr, fg), min(max(fr, fg), fb)), min(fr, min(fg, fb)));
  return cell;
}

fn vertex(l0: i32, d3: i32, v: i32) -> vec3<f32> {
  return vec3<f32>(lut[l0 + v], lut[l0 + d3 + v], lut[l0 + 2 * d3 + v]);
}

/** The 4 tetrahedral corners base, +o1, +o2, +all of a cell. */
fn tetraCorners(l0: i32, d3: i32, c: Cell, s3: i32) -> array<vec3<f32>, 4> {
  return array<vec3<f32>, 4>(vertex(l0, d3, c.base), vertex(l0, d3, c.base + c.o1),
    vertex(l0, d3, c.base + c.o2), vertex(l0, d3, c.base + s3));
}

/** The 8 corners of a cell, corner k = base + (bit 0: +r, bit 1: +g, bit 2: +b). */
fn cubeCorners(l0: i32, d3: i32, base: i32, dim: i32) -> array<vec3<f32>, 8> {
  var v: array<vec3<f32>, 8>;
  for (var k = 0; k < 8; k++) {
    v[k] = vertex(l0, d3, base + (k & 1) + ((k >> 1u) & 1) * dim + ((k >> 2u) & 1) * dim * dim);
  }
  return v;
}

fn pixel(b: i32, p: i32, hw: i32) -> vec3<f32> {
  let o = b * 3 * hw + p;
  return vec3<f32>(img[o], img[o + hw], img[o + 2 * hw]);
}
`;

/** Planar RGB output of a non-accumulating kernel. */
const WRITE = `
/** Writes the planar RGB value of pixel offset q (channel stride hw). */
fn writePixel(q: i32, hw: i32, v: vec3<f32>) {
  result[q] = v.x;
  result[q + hw] = v.y;
  result[q + 2 * hw] = v.z;
}
`;

const PARAMS = ["hw", "dim", "lutBatch", "tetra"] as const;

/** Thread index -> (image b, pixel p, LUT offset l0) and the pixel's cell. */
const PROLOGUE = `
  let hw = uniforms.hw;
  let dim = uniforms.dim;
  let d3 = dim * dim * dim;
  let b = index / hw;
  let p = index - b * hw;
  let l0 = select(b, 0, uniforms.lutBatch == 1) * 3 * d3;
  let x = pixel(b, p, hw);
  let c = locate(x, dim, uniforms.tetra == 1);
  let sg = dim;
  let sb = dim * dim;
  let s3 = 1 + dim + dim * dim;
  let q = b * 3 * hw + p;
`;

const forwardKernel: GpuKernel = {
  key: "lut3d_forward",
  inputs: ["img", "lut"],
  params: PARAMS,
  body: `${CELL}${WRITE}
fn main(index: i32) {
  ${PROLOGUE}
  let f = c.f;
  if (uniforms.tetra == 1) {
    let v = tetraCorners(l0, d3, c, s3);
    writePixel(q, hw, v[0] + (v[1] - v[0]) * f.x + (v[2] - v[1]) * f.y + (v[3] - v[2]) * f.z);
    return;
  }
  let v = cubeCorners(l0, d3, c.base, dim);
  let c00 = v[0] + (v[1] - v[0]) * f.x;
  let c10 = v[2] + (v[3] - v[2]) * f.x;
  let c01 = v[4] + (v[5] - v[4]) * f.x;
  let c11 = v[6] + (v[7] - v[6]) * f.x;
  let c0 = c00 + (c10 - c00) * f.y;
  let c1 = c01 + (c11 - c01) * f.y;
  writePixel(q, hw, c0 + (c1 - c0) * f.z);
}`,
};

/** d out / d img: (D-1) * d out / d fraction inside [0,1], 0 where the colour was clamped (or NaN). */
const gradImgKernel: GpuKernel = {
  key: "lut3d_grad_img",
  inputs: ["img", "lut", "dy"],
  params: PARAMS,
  body: `${CELL}${WRITE}
fn main(index: i32) {
  ${PROLOGUE}
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  let nan = vec3<bool>(isNan(x.x), isNan(x.y), isNan(x.z));
  let inside = x >= vec3<f32>(0.0) & x <= vec3<f32>(1.0) & !nan;
  let k = select(vec3<f32>(0.0), vec3<f32>(f32(dim - 1)), inside);
  var d: vec3<f32>;
  if (uniforms.tetra == 1) {
    let v = tetraCorners(l0, d3, c, s3);
    let s = vec3<f32>(dot(v[1] - v[0], go), dot(v[2] - v[1], go), dot(v[3] - v[2], go));
    let omin = s3 - c.o2;
    d.x = select(select(s.y, s.z, omin == 1), s.x, c.o1 == 1);
    d.y = select(select(s.y, s.z, omin == sg), s.x, c.o1 == sg);
    d.z = select(select(s.y, s.z, omin == sb), s.x, c.o1 == sb);
  } else {
    // d/dr: lerp over (g, b) of the r-differences; likewise for g and b (lut3d.c image_grad_block)
    let f = c.f;
    let v = cubeCorners(l0, d3, c.base, dim);
    let r0 = (v[1] - v[0]) + ((v[3] - v[2]) - (v[1] - v[0])) * f.y;
    let r1 = (v[5] - v[4]) + ((v[7] - v[6]) - (v[5] - v[4])) * f.y;
    let g0 = (v[2] - v[0]) + ((v[3] - v[1]) - (v[2] - v[0])) * f.x;
    let g1 = (v[6] - v[4]) + ((v[7] - v[5]) - (v[6] - v[4])) * f.x;
    let b0 = (v[4] - v[0]) + ((v[5] - v[1]) - (v[4] - v[0])) * f.x;
    let b1 = (v[6] - v[2]) + ((v[7] - v[3]) - (v[6] - v[2])) * f.x;
    d = vec3<f32>(dot(r0 + (r1 - r0) * f.z, go), dot(g0 + (g1 - g0) * f.z, go), dot(b0 + (b1 - b0) * f.y, go));
  }
  writePixel(q, hw, d * k);
}`,
};

const gradLutKernel: GpuKernel = {
  key: "lut3d_grad_lut",
  inputs: ["img", "lut", "dy"],
  params: PARAMS,
  accumulate: true,
  body: `${CELL}
fn add3(l0: i32, d3: i32, v: i32, g: vec3<f32>) {
  addOut(l0 + v, g.x);
  addOut(l0 + d3 + v, g.y);
  addOut(l0 + 2 * d3 + v, g.z);
}

fn main(index: i32) {
  ${PROLOGUE}
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  if (uniforms.tetra == 1) {
    add3(l0, d3, c.base, go * (1.0 - c.f.x));
    add3(l0, d3, c.base + c.o1, go * (c.f.x - c.f.y));
    add3(l0, d3, c.base + c.o2, go * (c.f.y - c.f.z));
    add3(l0, d3, c.base + s3, go * c.f.z);
  } else {
    let f = c.f;
    let w0 = vec3<f32>(1.0) - f;
    for (var k = 0; k < 8; k++) {
      let w = select(w0, f, vec3<bool>((k & 1) == 1, ((k >> 1u) & 1) == 1, ((k >> 2u) & 1) == 1));
      add3(l0, d3, c.base + (k & 1) + ((k >> 1u) & 1) * sg + ((k >> 2u) & 1) * sb, go * (w.x * w.y * w.z));
    }
  }
}`,
};

function params(s: Lut3dShape, mode: Lut3dMode): number[] {
  return [s.height * s.width, s.dim, s.lutBatch, mode === "tetrahedral" ? 1 : 0];
}

/** out [B,3,H,W] = LUT(img) on the GPU (shapes already validated by lib/lut/lut3d_op.ts). */
export function lut3dForwardGpu(img: tf.Tensor, lut: tf.Tensor, s: Lut3dShape, mode: Lut3dMode): tf.Tensor {
  return runGpuKernel(forwardKernel, [img, lut], params(s, mode), s.batch * s.height * s.width, img.shape);
}

/** [gradImg [B,3,H,W]] (when `imgGrad`) then gradLut [lutBatch,3,D,D,D] of sum(dy * LUT(img)) on the GPU. */
export function lut3dBackwardGpu(
  img: tf.Tensor,
  lut: tf.Tensor,
  dy: tf.Tensor,
  s: Lut3dShape,
  mode: Lut3dMode,
  imgGrad: boolean,
): tf.Tensor[] {
  const p = params(s, mode);
  const n = s.batch * s.height * s.width;
  const gradLut = runGpuKernel(gradLutKernel, [img, lut, dy], p, n, lut.shape);
  return imgGrad ? [runGpuKernel(gradImgKernel, [img, lut, dy], p, n, img.shape), gradLut] : [gradLut];
}

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

fn pixel(b: i32, p: i32, hw: i32) -> vec3<f32> {
  let o = b * 3 * hw + p;
  return vec3<f32>(img[o], img[o + hw], img[o + 2 * hw]);
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
`;

const forwardKernel: GpuKernel = {
  key: "lut3d_forward",
  inputs: ["img", "lut"],
  params: PARAMS,
  body: `${CELL}
fn main(index: i32) {
  ${PROLOGUE}
  var o: vec3<f32>;
  if (uniforms.tetra == 1) {
    let c0 = vertex(l0, d3, c.base);
    let c1 = vertex(l0, d3, c.base + c.o1);
    let c2 = vertex(l0, d3, c.base + c.o2);
    let c3 = vertex(l0, d3, c.base + s3);
    o = c0 + (c1 - c0) * c.f.x + (c2 - c1) * c.f.y + (c3 - c2) * c.f.z;
  } else {
    let p0 = vertex(l0, d3, c.base);
    let p1 = vertex(l0, d3, c.base + 1);
    let pg = vertex(l0, d3, c.base + sg);
    let pg1 = vertex(l0, d3, c.base + sg + 1);
    let pb = vertex(l0, d3, c.base + sb);
    let pb1 = vertex(l0, d3, c.base + sb + 1);
    let pbg = vertex(l0, d3, c.base + sb + sg);
    let p3 = vertex(l0, d3, c.base + s3);
    let c00 = p0 + (p1 - p0) * c.f.x;
    let c10 = pg + (pg1 - pg) * c.f.x;
    let c01 = pb + (pb1 - pb) * c.f.x;
    let c11 = pbg + (p3 - pbg) * c.f.x;
    let c0 = c00 + (c10 - c00) * c.f.y;
    let c1 = c01 + (c11 - c01) * c.f.y;
    o = c0 + (c1 - c0) * c.f.z;
  }
  let q = b * 3 * hw + p;
  result[q] = o.x;
  result[q + hw] = o.y;
  result[q + 2 * hw] = o.z;
}`,
};

const gradImgKernel: GpuKernel = {
  key: "lut3d_grad_img",
  inputs: ["img", "lut", "dy"],
  params: PARAMS,
  body: `${CELL}
fn main(index: i32) {
  ${PROLOGUE}
  let q = b * 3 * hw + p;
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  let scale = f32(dim - 1);
  let nan = vec3<bool>(isNan(x.x), isNan(x.y), isNan(x.z));
  let inside = x >= vec3<f32>(0.0) & x <= vec3<f32>(1.0) & !nan;
  let k = select(vec3<f32>(0.0), vec3<f32>(scale), inside);
  var d: vec3<f32>;
  if (uniforms.tetra == 1) {
    let c0 = vertex(l0, d3, c.base);
    let c1 = vertex(l0, d3, c.base + c.o1);
    let c2 = vertex(l0, d3, c.base + c.o2);
    let c3 = vertex(l0, d3, c.base + s3);
    let s = vec3<f32>(dot(c1 - c0, go), dot(c2 - c1, go), dot(c3 - c2, go));
    let omin = s3 - c.o2;
    d.x = select(select(s.y, s.z, omin == 1), s.x, c.o1 == 1);
    d.y = select(select(s.y, s.z, omin == sg), s.x, c.o1 == sg);
    d.z = select(select(s.y, s.z, omin == sb), s.x, c.o1 == sb);
  } else {
    let fr = c.f.x;
    let fg = c.f.y;
    let fb = c.f.z;
    let c000 = vertex(l0, d3, c.base);
    let c100 = vertex(l0, d3, c.base + 1);
    let c010 = vertex(l0, d3, c.base + sg);
    let c110 = vertex(l0, d3, c.base + sg + 1);
    let c001 = vertex(l0, d3, c.base + sb);
    let c101 = vertex(l0, d3, c.base + sb + 1);
    let c011 = vertex(l0, d3, c.base + sb + sg);
    let c111 = vertex(l0, d3, c.base + s3);
    let r00 = c100 - c000; let r10 = c110 - c010; let r01 = c101 - c001; let r11 = c111 - c011;
    let r0 = r00 + (r10 - r00) * fg; let r1 = r01 + (r11 - r01) * fg;
    let g00 = c010 - c000; let g10 = c110 - c100; let g01 = c011 - c001; let g11 = c111 - c101;
    let gg0 = g00 + (g10 - g00) * fr; let gg1 = g01 + (g11 - g01) * fr;
    let b00 = c001 - c000; let b10 = c101 - c100; let b01 = c011 - c010; let b11 = c111 - c110;
    let bb0 = b00 + (b10 - b00) * fr; let bb1 = b01 + (b11 - b01) * fr;
    d = vec3<f32>(dot(r0 + (r1 - r0) * fb, go), dot(gg0 + (gg1 - gg0) * fb, go), dot(bb0 + (bb1 - bb0) * fg, go));
  }
  d = d * k;
  result[q] = d.x;
  result[q + hw] = d.y;
  result[q + 2 * hw] = d.z;
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
  let q = b * 3 * hw + p;
  let go = vec3<f32>(dy[q], dy[q + hw], dy[q + 2 * hw]);
  if (uniforms.tetra == 1) {
    add3(l0, d3, c.base, go * (1.0 - c.f.x));
    add3(l0, d3, c.base + c.o1, go * (c.f.x - c.f.y));
    add3(l0, d3, c.base + c.o2, go * (c.f.y - c.f.z));
    add3(l0, d3, c.base + s3, go * c.f.z);
  } else {
    let f = c.f;
    let w0 = vec3<f32>(1.0) - f;
    add3(l0, d3, c.base, go * (w0.x * w0.y * w0.z));
    add3(l0, d3, c.base + 1, go * (f.x * w0.y * w0.z));
    add3(l0, d3, c.base + sg, go * (w0.x * f.y * w0.z));
    add3(l0, d3, c.base + sg + 1, go * (f.x * f.y * w0.z));
    add3(l0, d3, c.base + sb, go * (w0.x * w0.y * f.z));
    add3(l0, d3, c.base + sb + 1, go * (f.x * w0.y * f.z));
    add3(l0, d3, c.base + sb + sg, go * (w0.x * f.y * f.z));
    add3(l0, d3, c.base + s3, go * (f.x * f.y * f.z));
  }
}`,
};

function params(s: Lut3dShape, mode: Lut3dMode): number[] {
  return [s.height * s.width, s.dim, s.lutBatch, mode === "tetrahedral" ? 1 : 0];
}

/** out [B,3,H,W] = LUT(img) on the GPU (shapes already validated by lib/lut/lut3d.ts). */
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

/**
 * WGSL kernels of the hash-grid encoding (kernels/hashgrid.c, hashgrid.h) on tensors of the webgpu
 * backend: rgb [B,3,H,W] and table [entries*F] -> features [B, L*F, H, W] (one thread per pixel and
 * level), and the table gradient (float atomics). The level geometry travels as a small float32 tensor
 * [L, 6] = (scale, res, offset, size, dense, pow2), every integer below 2^24 (exact in float32).
 */
import { tf } from "../../core/backend.ts";
import type { HashGridLevels } from "../hashgrid_ref.ts";
import { type GpuKernel, runGpuKernel } from "./program.ts";

const PARAMS = ["npix", "levels", "features"] as const;

/** Corner indices (in the level) and trilinear weights of pixel colour c (hashgrid_corners). */
const CORNERS = `
struct Corners { idx: array<u32, 8>, w: array<f32, 8> }

fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn corners(c: vec3<f32>, l: i32) -> Corners {
  let scale = geo[l * 6];
  let res = u32(geo[l * 6 + 1]);
  let size = u32(geo[l * 6 + 3]);
  let dense = geo[l * 6 + 4] > 0.5;
  let pow2 = geo[l * 6 + 5] > 0.5;
  var frac: vec3<f32>;
  var cell: vec3<u32>;
  for (var d = 0; d < 3; d++) {
    let x = select(min(max(c[d], 0.0), 1.0), 0.0, isNan(c[d]));
    let pos = fma(scale, x, 0.5);
    let fl = floor(pos);
    cell[d] = u32(fl);
    frac[d] = pos - fl;
  }
  var out: Corners;
  for (var k = 0u; k < 8u; k++) {
    var wk = 1.0;
    var v: vec3<u32>;
    for (var d = 0u; d < 3u; d++) {
      if (((k >> d) & 1u) == 1u) {
        wk *= frac[d];
        v[d] = cell[d] + 1u;
      } else {
        wk *= 1.0 - frac[d];
        v[d] = cell[d];
      }
    }
    var index: u32;
    if (dense) {
      index = v.x + v.y * res + v.z * res * res;
    } else {
      index = (v.x * 1u) ^ (v.y * 2654435761u) ^ (v.z * 805459861u);
    }
    out.idx[k] = select(index % size, index & (size - 1u), pow2);
    out.w[k] = wk;
  }
  return out;
}

fn colour(i: i32) -> vec3<f32> {
  let npix = uniforms.npix;
  let b = i / npix;
  let p = i - b * npix;
  let o = b * 3 * npix + p;
  return vec3<f32>(rgb[o], rgb[o + npix], rgb[o + 2 * npix]);
}

/** Thread (pixel, level): its corners, first table float of the level, first output (feature 0). */
struct Site { cs: Corners, base: i32, out: i32 }

fn site(index: i32) -> Site {
  let L = uniforms.levels;
  let F = uniforms.features;
  let npix = uniforms.npix;
  let i = index / L;
  let l = index - i * L;
  let b = i / npix;
  var st: Site;
  st.cs = corners(colour(i), l);
  st.base = i32(geo[l * 6 + 2]) * F;
  st.out = (b * L * F + l * F) * npix + i - b * npix;
  return st;
}
`;

const forwardKernel: GpuKernel = {
  key: "hashgrid_forward",
  inputs: ["rgb", "tab", "geo"],
  params: PARAMS,
  body: `${CORNERS}
fn main(index: i32) {
  let st = site(index);
  for (var f = 0; f < uniforms.features; f++) {
    var acc = 0.0;
    for (var k = 0; k < 8; k++) { acc += st.cs.w[k] * tab[st.base + i32(st.cs.idx[k]) * uniforms.features + f]; }
    result[st.out + f * uniforms.npix] = acc;
  }
}`,
};

const gradKernel: GpuKernel = {
  key: "hashgrid_grad_table",
  inputs: ["rgb", "dy", "geo"],
  params: PARAMS,
  accumulate: true,
  body: `${CORNERS}
fn main(index: i32) {
  let st = site(index);
  for (var f = 0; f < uniforms.features; f++) {
    let g = dy[st.out + f * uniforms.npix];
    for (var k = 0; k < 8; k++) { addOut(st.base + i32(st.cs.idx[k]) * uniforms.features + f, st.cs.w[k] * g); }
  }
}`,
};

/** The level geometry as a float32 tensor [L, 6] (throws when an integer exceeds 2^24). */
function geometry(levels: HashGridLevels): tf.Tensor {
  const L = levels.spec.levels, g = new Float32Array(6 * L);
  for (let l = 0; l < L; l++) {
    const res = levels.resolutions[l], off = levels.offsets[l], size = levels.offsets[l + 1] - off;
    if (Math.max(res, off + size) >= 2 ** 24) {
      throw new Error(
        `hashGrid on webgpu: level ${l} (resolution ${res}, entries up to ${off + size}) >= 2^24`,
      );
    }
    g.set(
      [levels.scales[l], res, off, size, res ** 3 <= size ? 1 : 0, (size & (size - 1)) === 0 ? 1 : 0],
      6 * l,
    );
  }
  return tf.tensor2d(g, [L, 6]);
}

/** features [B, L*F, H, W] of rgb [B,3,H,W] with table [entries*F] on the GPU. */
export function hashGridForwardGpu(rgb: tf.Tensor, table: tf.Tensor, levels: HashGridLevels): tf.Tensor {
  const [b, , h, w] = rgb.shape, { levels: L, featuresPerLevel: F } = levels.spec;
  const geo = geometry(levels);
  const out = runGpuKernel(forwardKernel, [rgb, table, geo], [h * w, L, F], b * h * w * L, [b, L * F, h, w]);
  geo.dispose();
  return out;
}

/** Table gradient [entries*F] of sum(dy · features) on the GPU. */
export function hashGridTableGradGpu(rgb: tf.Tensor, dy: tf.Tensor, levels: HashGridLevels): tf.Tensor {
  const [b, , h, w] = rgb.shape, { levels: L, featuresPerLevel: F } = levels.spec;
  const geo = geometry(levels);
  const out = runGpuKernel(gradKernel, [rgb, dy, geo], [h * w, L, F], b * h * w * L, [levels.tableLength]);
  geo.dispose();
  return out;
}

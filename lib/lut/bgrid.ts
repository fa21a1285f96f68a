/**
 * Bilateral-grid slicing of LUTwithBGrid (kernels/bgrid.c, or the CUDA twin) through FFI on host typed
 * arrays, forward and backward, and the differentiable tfjs op `bgridSlice` (tf.customGrad; on the webgpu backend the WGSL kernels
 * of lib/lut/webgpu/bgrid_wgsl.ts). Layouts as lib/lut/bgrid_ref.ts; every shape is validated before the native call.
 */
import { onWebgpu, tf, withData } from "../core/backend.ts";
import { lazyKernels } from "../core/native.ts";
import { expectF32, expectInt } from "../core/ffi_guard.ts";
import type { BGridShape } from "./bgrid_ref.ts";
import { bgridBackwardGpu, bgridForwardGpu } from "./webgpu/bgrid_wgsl.ts";

export type { BGridShape };

const symbols = {
  lutlab_bgrid_forward: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  lutlab_bgrid_backward: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "i32", "i32", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const kernels = lazyKernels(symbols);

/** Checks grid/img lengths against the shape; returns the output length. */
function check(what: string, grid: Float32Array, img: Float32Array, s: BGridShape): number {
  for (const k of ["batch", "height", "width"] as const) expectInt(what, k, s[k]);
  expectInt(what, "grid size D", s.dim, 2, 129);
  expectInt(what, "grids per channel", s.gpc, 1, 64);
  if (s.spatial !== 0 && s.spatial !== 1) {
    throw new Error(`${what}: spatial must be 0 or 1, got ${s.spatial}`);
  }
  const { batch: B, height: H, width: W, dim: D, gpc } = s;
  expectF32(what, "grid", grid, B * 3 * gpc * D ** 3, `shape [${B},${3 * gpc},${D},${D},${D}]`);
  expectF32(what, "img", img, B * 3 * H * W, `shape [${B},3,${H},${W}]`);
  return B * 3 * gpc * H * W;
}

/** The shape arguments of both kernels, in ABI order. */
const dims = (s: BGridShape) => [s.batch, s.height, s.width, s.dim, s.gpc, s.spatial] as const;

const label = (what: string, s: BGridShape) =>
  `${what}(grid [${s.batch},${
    3 * s.gpc
  },${s.dim},${s.dim},${s.dim}], img [${s.batch},3,${s.height},${s.width}])`;

/** out [B,3*gpc,H,W] = slice(grid [B,3*gpc,D,D,D], img [B,3,H,W]); `out` is allocated when not given. */
export function bgridForward(
  grid: Float32Array,
  img: Float32Array,
  s: BGridShape,
  out?: Float32Array,
): Float32Array {
  const what = "bgridForward", n = check(what, grid, img, s);
  out ??= new Float32Array(n);
  expectF32(what, "out", out, n);
  kernels.call(label(what, s), "lutlab_bgrid_forward", grid, img, ...dims(s), out);
  return out;
}

/** Gradients of sum(gradOut * out): gradGrid [B,3*gpc,D,D,D] and gradImg [B,3,H,W] (buffers may be given). */
export function bgridBackward(
  grid: Float32Array,
  img: Float32Array,
  gradOut: Float32Array,
  s: BGridShape,
  bufs: { gradGrid?: Float32Array; gradImg?: Float32Array } = {},
): { gradGrid: Float32Array; gradImg: Float32Array } {
  const what = "bgridBackward", n = check(what, grid, img, s);
  expectF32(what, "gradOut", gradOut, n);
  const gradGrid = bufs.gradGrid ?? new Float32Array(grid.length);
  const gradImg = bufs.gradImg ?? new Float32Array(img.length);
  expectF32(what, "gradGrid", gradGrid, grid.length);
  expectF32(what, "gradImg", gradImg, img.length);
  kernels.call(label(what, s), "lutlab_bgrid_backward", grid, img, ...dims(s), gradOut, gradGrid, gradImg);
  return { gradGrid, gradImg };
}

/**
 * tfjs op: out [B,3*gpc,H,W] = slice(grid [B,3*gpc,D,D,D], img [B,3,H,W]) with gradients w.r.t. the
 * grids and the guide image (spatial 0: the released kernels' coordinates).
 */
export function bgridSlice(grid: tf.Tensor5D, img: tf.Tensor4D, spatial: 0 | 1 = 0): tf.Tensor4D {
  const [batch, G, dim] = grid.shape, [ib, c, height, width] = img.shape;
  if (G % 3 !== 0 || ib !== batch || c !== 3 || grid.shape[3] !== dim || grid.shape[4] !== dim) {
    throw new Error(
      `bgridSlice: grid must be [B,3*gpc,D,D,D] and img [B,3,H,W], got [${grid.shape}] and [${img.shape}]`,
    );
  }
  const s: BGridShape = { batch, height, width, dim, gpc: G / 3, spatial };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, x, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([g, x]);
    if (onWebgpu()) {
      return {
        value: bgridForwardGpu(g, x, s),
        gradFunc: (dy: tf.Tensor, [gs, xs]: tf.Tensor[]) => bgridBackwardGpu(gs, xs, dy, s),
      };
    }
    const value = withData([g, x], [[batch, G, height, width]], ([gs, xs], [out]) =>
      void bgridForward(gs, xs, s, out))[0];
    return {
      value,
      gradFunc: (dy: tf.Tensor, [gs, xs]: tf.Tensor[]) =>
        withData([gs, xs, dy], [gs.shape, xs.shape], ([gd, xd, dyd], [gradGrid, gradImg]) =>
          void bgridBackward(gd, xd, dyd, s, { gradGrid, gradImg })),
    };
  });
  return op(grid, img) as tf.Tensor4D;
}

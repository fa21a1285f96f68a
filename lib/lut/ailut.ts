/**
 * AiLUT transform (kernels/ailut.c; AdaInt's adaptive-interval 3D LUT lookup) through FFI on host typed
 * arrays: forward and backward (LUT, vertices, image). Layouts as lib/lut/ailut_ref.ts: images
 * [B,3,H,W], LUTs [B or 1,3,D,D,D] (lut[c][b][g][r]), vertices [B or 1,3,D] (v[c][i]). Every shape is
 * validated here, before the native call; the differentiable tfjs op is lib/lut/ailut_op.ts.
 */
import { lazyKernels } from "../core/native.ts";
import { expectF32, expectInt } from "../core/ffi_guard.ts";
import type { AiLutShape } from "./ailut_ref.ts";

export type { AiLutShape };

const symbols = {
  lutlab_ailut_forward: {
    parameters: ["buffer", "i32", "i32", "i32", "buffer", "i32", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
  lutlab_ailut_backward: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "i32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const kernels = lazyKernels(symbols);

/** Image geometry of an AiLUT call (the LUT and vertex batches are read off the array lengths). */
export type AiLutImageShape = Omit<AiLutShape, "lutBatch" | "vertBatch">;

/** Validates img/lut/vertices against {batch,height,width,dim}; returns the full shape. */
function resolveShape(
  what: string,
  img: Float32Array,
  lut: Float32Array,
  verts: Float32Array,
  s: AiLutImageShape,
): AiLutShape {
  for (const k of ["batch", "height", "width"] as const) expectInt(what, k, s[k]);
  expectInt(what, "LUT size D", s.dim, 2, 256);
  expectF32(
    what,
    "img",
    img,
    s.batch * 3 * s.height * s.width,
    `shape [${s.batch},3,${s.height},${s.width}]`,
  );
  expectF32(what, "lut", lut);
  expectF32(what, "vertices", verts);
  const batchOf = (name: string, len: number, one: number, dims: string) => {
    if (len !== one && len !== s.batch * one) {
      throw new Error(
        `${what}: ${name} has ${len} values, expected ${one} ([1,${dims}]) or ${
          s.batch * one
        } ([${s.batch},${dims}])`,
      );
    }
    return len / one;
  };
  const d = s.dim;
  return {
    ...s,
    lutBatch: batchOf("lut", lut.length, 3 * d ** 3, `3,${d},${d},${d}`),
    vertBatch: batchOf("vertices", verts.length, 3 * d, `3,${d}`),
  };
}

/** The arguments both kernels start with: image, its shape, LUT, vertices and their batches, D. */
const callArgs = (img: Float32Array, lut: Float32Array, verts: Float32Array, s: AiLutShape) =>
  [img, s.batch, s.height, s.width, lut, s.lutBatch, verts, s.vertBatch, s.dim] as const;

const label = (what: string, s: AiLutShape) =>
  `${what}(img [${s.batch},3,${s.height},${s.width}], lut [${s.lutBatch},3,${s.dim}^3], vertices [${s.vertBatch},3,${s.dim}])`;

/** out [B,3,H,W] = AiLUT(img) through lut [B|1,3,D,D,D] on vertices [B|1,3,D]; `out` allocated if not given. */
export function applyAiLut(
  img: Float32Array,
  lut: Float32Array,
  verts: Float32Array,
  shape: AiLutImageShape,
  out: Float32Array = new Float32Array(img.length),
): Float32Array {
  const what = "applyAiLut";
  const s = resolveShape(what, img, lut, verts, shape);
  expectF32(what, "out", out, img.length);
  kernels.call(label(what, s), "lutlab_ailut_forward", ...callArgs(img, lut, verts, s), out);
  return out;
}

/** Buffers of an AiLUT backward pass: null skips that gradient. */
export type AiLutGrads = {
  gradLut: Float32Array | null;
  gradVertices: Float32Array | null;
  gradImg: Float32Array | null;
};

/** Gradients of sum(gradOut * applyAiLut(...)) written into `grads` (LUT, vertices, image; 0 where clamped). */
export function aiLutBackward(
  img: Float32Array,
  lut: Float32Array,
  verts: Float32Array,
  gradOut: Float32Array,
  shape: AiLutImageShape,
  grads: AiLutGrads,
): AiLutGrads {
  const what = "aiLutBackward";
  const s = resolveShape(what, img, lut, verts, shape);
  expectF32(what, "gradOut", gradOut, img.length, "the image shape");
  if (grads.gradLut) expectF32(what, "gradLut", grads.gradLut, lut.length);
  if (grads.gradVertices) expectF32(what, "gradVertices", grads.gradVertices, verts.length);
  if (grads.gradImg) expectF32(what, "gradImg", grads.gradImg, img.length);
  const g = [gradOut, grads.gradLut, grads.gradVertices, grads.gradImg] as const;
  kernels.call(label(what, s), "lutlab_ailut_backward", ...callArgs(img, lut, verts, s), ...g);
  return grads;
}

/**
 * The AiLUT transform of one LUT [3,D,D,D] on vertices [3,D] sampled at the n³ points of a uniform lattice:
 * a plain 3D LUT [3,n,n,n] (lut[c][b][g][r]) for .cube export -- exact at the lattice points, trilinear
 * between them (the resampling error is that of the uniform lattice against the adaptive one).
 */
export function ailutToUniform(lut: Float32Array, verts: Float32Array, dim: number, n: number): Float32Array {
  expectInt("ailutToUniform", "lattice size n", n, 2, 256);
  const n3 = n ** 3, grid = new Float32Array(3 * n3);
  for (let p = 0; p < n3; p++) {
    grid[p] = (p % n) / (n - 1);
    grid[n3 + p] = (Math.floor(p / n) % n) / (n - 1);
    grid[2 * n3 + p] = Math.floor(p / (n * n)) / (n - 1);
  }
  return applyAiLut(grid, lut, verts, { batch: 1, height: 1, width: n3, dim });
}

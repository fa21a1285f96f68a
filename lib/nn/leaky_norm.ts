/**
 * Host calls of kernels/leaky_norm.c: a trunk block's bias + LeakyReLU + affine InstanceNorm, forward and
 * backward, on float32 arrays in NHWC layout (lib/enhance/models/backbone.ts `biasLeakyNorm` runs them on the
 * tensors' wasm memory; OpenMP on `LUTLAB_THREADS` threads, results independent of the thread count).
 */
import { hostKernels } from "../core/backend.ts";
import { expectF32, expectInt } from "../core/ffi_guard.ts";

/** The seven array arguments of either kernel. */
const arrays = ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"] as const;
const kernels = hostKernels({
  lutlab_leaky_norm_forward: { parameters: [...arrays, "i32", "i32", "i32", "f32", "f32"], result: "i32" },
  lutlab_leaky_norm_backward: {
    parameters: [...arrays, "buffer", "i32", "i32", "i32", "f32"],
    result: "i32",
  },
});

/** Shape [N,HW,C] of a call: positive integers. */
export type LeakyNormShape = { n: number; hw: number; c: number };

/** The affine InstanceNorm's weight and bias [C]. */
export type NormAffine = { gamma: Float32Array; beta: Float32Array };

function checkShape(what: string, s: LeakyNormShape): void {
  for (const [k, v] of Object.entries(s)) expectInt(what, k, v);
}

/**
 * Forward (native) of z [N,HW,C]: act = LeakyReLU(z + bias [C], slope) and, with `norm`, stats [N,2,C]
 * (means, then 1/sqrt(var + eps)) and y = (act - mean) * rstd * gamma + beta; without, y = act (act and
 * stats not written). Outputs overwritten.
 */
export function leakyNormForward(
  z: Float32Array,
  bias: Float32Array,
  norm: NormAffine | undefined,
  s: LeakyNormShape,
  slope: number,
  eps: number,
  out: { y: Float32Array; act?: Float32Array; stats?: Float32Array },
): void {
  const what = "leakyNormForward", size = s.n * s.hw * s.c, shape = `[${s.n},${s.hw},${s.c}]`;
  checkShape(what, s);
  expectF32(what, "z", z, size, shape);
  expectF32(what, "bias", bias, s.c, `[${s.c}]`);
  expectF32(what, "y", out.y, size, shape);
  if (norm) {
    expectF32(what, "gamma", norm.gamma, s.c, `[${s.c}]`);
    expectF32(what, "beta", norm.beta, s.c, `[${s.c}]`);
    expectF32(what, "act", out.act, size, shape);
    expectF32(what, "stats", out.stats, 2 * s.n * s.c, `[${s.n},2,${s.c}]`);
  }
  kernels.call(
    `${what}(z ${shape})`,
    "lutlab_leaky_norm_forward",
    z,
    bias,
    norm?.gamma ?? null,
    norm?.beta ?? null,
    out.y,
    out.act ?? null,
    out.stats ?? null,
    s.n,
    s.hw,
    s.c,
    slope,
    eps,
  );
}

/**
 * Backward (native) from dy [N,HW,C]: dz [N,HW,C] and dbias [C]; with `norm` (gamma [C], the forward's act
 * and stats) also dgamma and dbeta [C]; without, `act` is the forward's y. Outputs overwritten.
 */
export function leakyNormBackward(
  dy: Float32Array,
  act: Float32Array,
  norm: { gamma: Float32Array; stats: Float32Array } | undefined,
  s: LeakyNormShape,
  slope: number,
  out: { dz: Float32Array; dbias: Float32Array; dgamma?: Float32Array; dbeta?: Float32Array },
): void {
  const what = "leakyNormBackward", size = s.n * s.hw * s.c, shape = `[${s.n},${s.hw},${s.c}]`;
  checkShape(what, s);
  expectF32(what, "dy", dy, size, shape);
  expectF32(what, "act", act, size, shape);
  expectF32(what, "dz", out.dz, size, shape);
  expectF32(what, "dbias", out.dbias, s.c, `[${s.c}]`);
  if (norm) {
    expectF32(what, "gamma", norm.gamma, s.c, `[${s.c}]`);
    expectF32(what, "stats", norm.stats, 2 * s.n * s.c, `[${s.n},2,${s.c}]`);
    expectF32(what, "dgamma", out.dgamma, s.c, `[${s.c}]`);
    expectF32(what, "dbeta", out.dbeta, s.c, `[${s.c}]`);
  }
  kernels.call(
    `${what}(dy ${shape})`,
    "lutlab_leaky_norm_backward",
    dy,
    act,
    norm?.stats ?? null,
    norm?.gamma ?? null,
    out.dz,
    out.dbias,
    out.dgamma ?? null,
    out.dbeta ?? null,
    s.n,
    s.hw,
    s.c,
    slope,
  );
}

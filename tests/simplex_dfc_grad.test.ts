// Gradients of the DFC lookup: the native backward (kernels/dfc.c, lutlab_dfc_backward) against the
// TypeScript reference (lib/lut/dfc_grad_ref.ts) and both against finite differences of the reference
// forward, for the fine band, the coarse table and the input planes; the tfjs op (lib/lut/dfc_op.ts).
import { assert } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { compressDfc, dfcBackward, dfcLookup } from "../lib/lut/dfc.ts";
import { dfcForwardRef } from "../lib/lut/dfc_ref.ts";
import { dfcBackwardRef } from "../lib/lut/dfc_grad_ref.ts";
import { dfcOp } from "../lib/lut/dfc_op.ts";
import { lutRows, type Offset, patternPad } from "../lib/lut/simplex_ref.ts";
import { maxAbsDiff, rng } from "./simplex_util.ts";

const PATTERNS: Record<number, Offset[]> = {
  2: [[0, 0], [0, 1]],
  3: [[0, 0], [0, 1], [1, 0]],
  4: [[0, 0], [0, 1], [1, 0], [1, 1]],
};

/** A DFC case: float table compressed with (n, c, dw, si), smooth + noisy non-integer planes, gradOut. */
function dfcCase(n: number, c: number, dw: number, si: number, seed: number) {
  const rand = rng(seed), g = { n, intervalBits: 4, outputs: 3 };
  const data = Float32Array.from({ length: lutRows(g) * 3 }, () => rand() * 2 - 1);
  const lut = compressDfc({ ...g, data }, { diagonalWidth: dw, samplingInterval: si, compressedDims: c });
  const offsets = PATTERNS[n], [py, px] = patternPad(offsets);
  const shape = { planes: 2, height: 7 + py, width: 8 + px };
  const planes = Float32Array.from({ length: 2 * shape.height * shape.width }, (_, i) => {
    const v = rand() < 0.6 ? 120 + 60 * Math.sin(i / 5) + rand() * 10 : rand() * 255;
    return i % 31 === 3 ? 300 : v; // a clamped value: zero input gradient
  });
  const out = dfcForwardRef(planes, shape, offsets, lut.fine, lut.coarse, lut, lut);
  const gradOut = Float32Array.from(out, () => rand() * 2 - 1);
  return { lut, offsets, shape, planes, gradOut, g };
}

const CASES: [number, number, number, number][] = [[4, 4, 2, 5], [4, 2, 1, 6], [4, 3, 2, 7], [3, 3, 1, 5], [
  2,
  2,
  2,
  6,
]];

Deno.test("DFC backward: native kernel matches the TypeScript reference (fine, coarse, planes)", () => {
  for (const [n, c, dw, si] of CASES) {
    const { lut, offsets, shape, planes, gradOut } = dfcCase(n, c, dw, si, n * 100 + si);
    const want = dfcBackwardRef(
      planes,
      shape,
      offsets,
      lut.fine as Float32Array,
      lut.coarse as Float32Array,
      lut,
      lut,
      gradOut,
    );
    const got = dfcBackward(planes, shape, offsets, lut, gradOut, { fine: true, coarse: true, planes: true });
    const what = `n=${n} c=${c} dw=${dw} si=${si}`;
    assert(
      want.gradFine.some((v) => v !== 0) && want.gradCoarse.some((v) => v !== 0),
      `${what}: both tables read`,
    );
    assert(maxAbsDiff(got.gradFine!, want.gradFine) <= 1e-5, `${what}: fine`);
    assert(maxAbsDiff(got.gradCoarse!, want.gradCoarse) <= 1e-5, `${what}: coarse`);
    assert(maxAbsDiff(got.gradPlanes!, want.gradPlanes) <= 1e-5, `${what}: planes`);
  }
});

Deno.test("DFC backward: the reference matches finite differences of the forward (fine, coarse, planes)", () => {
  for (const [n, c, dw, si] of CASES) {
    const { lut, offsets, shape, planes, gradOut, g } = dfcCase(n, c, dw, si, n * 10 + si);
    const fine = lut.fine as Float32Array, coarse = lut.coarse as Float32Array;
    const loss = (p: Float32Array, f: Float32Array, co: Float32Array) => {
      const out = dfcForwardRef(p, shape, offsets, f, co, g, lut);
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * gradOut[i];
      return s;
    };
    const grads = dfcBackwardRef(planes, shape, offsets, fine, coarse, g, lut, gradOut);
    const central = (arr: Float32Array, i: number, eps: number, f: () => number) => {
      const v = arr[i];
      arr[i] = v + eps;
      const up = f();
      arr[i] = v - eps;
      const down = f();
      arr[i] = v;
      return (up - down) / (2 * eps);
    };
    const what = `n=${n} c=${c} dw=${dw} si=${si}`;
    const check = (name: string, arr: Float32Array, grad: Float32Array, eps: number, picks: number[]) => {
      for (const i of picks) {
        const fd = central(arr, i, eps, () => loss(planes, fine, coarse));
        assert(
          Math.abs(fd - grad[i]) <= 2e-3 * (1 + Math.abs(grad[i])),
          `${what} ${name}[${i}]: fd ${fd} vs ${grad[i]}`,
        );
      }
    };
    const used = (grad: Float32Array) => [...grad.keys()].filter((i) => grad[i] !== 0);
    const pick = (ids: number[], k: number) =>
      ids.filter((_, j) => j % Math.max(1, Math.floor(ids.length / k)) === 0);
    check("fine", fine, grads.gradFine, 0.05, pick(used(grads.gradFine), 12));
    check("coarse", coarse, grads.gradCoarse, 0.05, pick(used(grads.gradCoarse), 12));
    const movable = [...planes.keys()].filter((i) => planes[i] <= 255);
    check("planes", planes, grads.gradPlanes, 1e-2, pick(movable, 24));
  }
});

Deno.test("DFC tfjs op: value and gradients equal the native forward and backward", async () => {
  await initTf();
  const { lut, offsets, shape, planes, gradOut } = dfcCase(4, 4, 2, 6, 7);
  const x = tf.tensor3d(planes, [shape.planes, shape.height, shape.width]);
  const K = lut.outputs;
  const f = tf.tensor2d(lut.fine as Float32Array, [lut.fineRows, K]);
  const co = tf.tensor2d(lut.coarse as Float32Array, [lut.coarse.length / K, K]);
  const dy = tf.tensor(gradOut);
  const out = dfcOp(x, f, co, offsets, lut);
  assert(maxAbsDiff(await out.data() as Float32Array, dfcLookup(planes, shape, offsets, lut)) === 0, "value");
  const grads = tf.grads((a, b, c) =>
    tf.sum(
      tf.mul(
        dfcOp(a as tf.Tensor3D, b as tf.Tensor2D, c as tf.Tensor2D, offsets, lut),
        tf.reshape(dy, out.shape),
      ),
    )
  )([x, f, co]);
  const want = dfcBackward(planes, shape, offsets, lut, gradOut, { fine: true, coarse: true, planes: true });
  const [gp, gf, gc] = await Promise.all(grads.map((t) => t.data() as Promise<Float32Array>));
  assert(maxAbsDiff(gp, want.gradPlanes!) <= 1e-5 && maxAbsDiff(gf, want.gradFine!) <= 1e-5, "planes/fine");
  assert(maxAbsDiff(gc, want.gradCoarse!) <= 1e-5, "coarse");
  tf.dispose([x, f, co, dy, out, ...grads]);
});

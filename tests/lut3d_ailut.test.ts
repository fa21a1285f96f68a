// AiLUT (AdaInt's adaptive-interval 3D LUT lookup): the native kernel against the plain TypeScript
// reference (forward and the LUT / vertex / image gradients) on random and edge colours, shared and
// per-image LUTs and vertices; the reference's gradients against central finite differences; tf.grads
// through ailutApply equal to the kernel backward, and AiLUT on uniform vertices = the 3D LUT op.
import { assert, assertThrows } from "@std/assert";
import { ailutBackwardRef, ailutForwardRef, type AiLutShape } from "../lib/lut/ailut_ref.ts";
import { aiLutBackward, applyAiLut } from "../lib/lut/ailut.ts";
import { ailutApply } from "../lib/lut/ailut_op.ts";
import { applyLut3d } from "../lib/lut/lut3d.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { edgeColours, maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";

/** `count` vertex sets [count,3,D]: ascending, v[0] = 0, v[D-1] = 1, random intervals (as softmax+cumsum). */
function randomVertices(count: number, dim: number, seed: number): Float32Array {
  const r = rng(seed), out = new Float32Array(count * 3 * dim);
  for (let s = 0; s < count * 3; s++) {
    const w = Array.from({ length: dim - 1 }, () => 0.2 + r());
    const total = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let i = 1; i < dim; i++) out[s * dim + i] = acc += w[i - 1] / total;
  }
  return out;
}

const scaleOf = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 1);

Deno.test("ailut kernel = reference: forward <= 1e-6, LUT/vertex/image gradients <= 1e-4 relative", () => {
  for (
    const [dim, batch, lutBatch, vertBatch, h, w] of [[2, 1, 1, 1, 1, 1], [5, 2, 2, 1, 3, 7], [
      17,
      2,
      1,
      2,
      9,
      11,
    ], [33, 3, 3, 3, 16, 20]]
  ) {
    const shape: AiLutShape = { batch, height: h, width: w, dim, lutBatch, vertBatch };
    const img = edgeColours(batch * 3 * h * w, dim, dim);
    const lut = randomLut(lutBatch, dim, dim + 1), verts = randomVertices(vertBatch, dim, dim + 2);
    const ref = ailutForwardRef(img, lut, verts, shape);
    const out = applyAiLut(img, lut, verts, shape);
    assert(maxAbsDiff(out, ref) <= 1e-6 * scaleOf(ref), `forward D=${dim}: ${maxAbsDiff(out, ref)}`);
    const g = Float32Array.from({ length: img.length }, rng(dim + 3));
    const rb = ailutBackwardRef(img, lut, verts, g, shape);
    const kb = aiLutBackward(img, lut, verts, g, shape, {
      gradLut: new Float32Array(lut.length),
      gradVertices: new Float32Array(verts.length),
      gradImg: new Float32Array(img.length),
    });
    const rel: string[] = [];
    for (const k of ["gradLut", "gradVertices", "gradImg"] as const) {
      const d = maxAbsDiff(rb[k], kb[k]!), s = scaleOf(rb[k]);
      assert(d <= 1e-4 * s, `${k} D=${dim}: ${d} (scale ${s})`);
      rel.push(`${k} ${(d / s).toExponential(2)}`);
    }
    console.log(
      `  D=${dim}: forward ${maxAbsDiff(out, ref).toExponential(2)} abs; ${rel.join(", ")} relative`,
    );
  }
});

Deno.test("ailut reference gradients = central finite differences (LUT, vertices, image)", () => {
  const dim = 5, shape: AiLutShape = { batch: 1, height: 3, width: 4, dim, lutBatch: 1, vertBatch: 1 };
  const lut = randomLut(1, dim, 7), verts = randomVertices(1, dim, 8);
  const r = rng(9), h = 1e-3;
  // colours at least 3h away from every vertex (the cell choice must not change under the perturbation)
  const img = new Float32Array(3 * 12);
  for (let k = 0; k < img.length; k++) {
    const a = Math.floor(k / 12);
    do img[k] = 0.02 + 0.96 * r(); while (
      verts.subarray(a * dim, (a + 1) * dim).some((v) => Math.abs(v - img[k]) < 3 * h)
    );
  }
  const g = Float32Array.from({ length: img.length }, () => r() - 0.5);
  const loss = (x: Float32Array, l: Float32Array, v: Float32Array) =>
    ailutForwardRef(x, l, v, shape).reduce((s, o, i) => s + o * g[i], 0);
  const grads = ailutBackwardRef(img, lut, verts, g, shape);
  let worst = 0;
  const check = (name: string, arr: Float32Array, grad: Float32Array, which: number[]) => {
    for (const i of which) {
      const keep = arr[i];
      arr[i] = keep + h;
      const up = loss(img, lut, verts);
      arr[i] = keep - h;
      const down = loss(img, lut, verts);
      arr[i] = keep;
      const fd = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(1, Math.abs(fd)));
      assert(Math.abs(fd - grad[i]) <= 2e-3 + 1e-2 * Math.abs(fd), `${name}[${i}]: fd ${fd} vs ${grad[i]}`);
    }
  };
  const used = (gr: Float32Array) => Array.from(gr.keys()).filter((i) => gr[i] !== 0);
  check("lut", lut, grads.gradLut, used(grads.gradLut).slice(0, 60));
  // the end vertices are fixed (0 and 1) in AdaInt, but the lookup is differentiable in them too
  check("vertices", verts, grads.gradVertices, used(grads.gradVertices));
  check("img", img, grads.gradImg, Array.from(img.keys()));
  assert(used(grads.gradVertices).length >= 6, "the vertex gradient reaches several vertices");
  console.log(
    `  finite differences (h = ${h}): worst |fd - analytic| / max(1, |fd|) = ${worst.toExponential(2)}`,
  );
});

Deno.test("ailutApply: tf.grads = kernel backward; uniform vertices = the 3D LUT op", async () => {
  await initTf();
  const dim = 9, batch = 2, hw = [6, 5] as const;
  const shape = { batch, height: hw[0], width: hw[1], dim };
  const img = edgeColours(batch * 3 * hw[0] * hw[1], dim, 11);
  const lut = randomLut(batch, dim, 12), verts = randomVertices(batch, dim, 13);
  const g = Float32Array.from({ length: img.length }, rng(14));
  const x = tf.tensor4d(img, [batch, 3, ...hw]), l = tf.tensor(lut, [batch, 3, dim, dim, dim]);
  const v = tf.tensor3d(verts, [batch, 3, dim]), gt = tf.tensor4d(g, x.shape);
  const [gx, gl, gv] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.sum(tf.mul(ailutApply(a as tf.Tensor4D, b, c as tf.Tensor3D, true), gt))
  )([x, l, v]);
  const kb = aiLutBackward(img, lut, verts, g, shape, {
    gradLut: new Float32Array(lut.length),
    gradVertices: new Float32Array(verts.length),
    gradImg: new Float32Array(img.length),
  });
  assert(maxAbsDiff(await gl.data(), kb.gradLut!) === 0, "gradLut");
  assert(maxAbsDiff(await gv.data(), kb.gradVertices!) === 0, "gradVertices");
  assert(maxAbsDiff(await gx.data(), kb.gradImg!) === 0, "gradImg");
  const uniform = Float32Array.from({ length: 3 * dim }, (_, i) => (i % dim) / (dim - 1));
  const a = applyAiLut(img, lut, uniform, shape), b = applyLut3d(img, lut, shape, "trilinear");
  assert(maxAbsDiff(a, b) <= 2e-6, `uniform AiLUT vs lut3d: ${maxAbsDiff(a, b)}`);
  assertThrows(() => applyAiLut(img, lut, verts.subarray(1), shape), Error, "vertices has");
  tf.dispose([x, l, v, gt, gx, gl, gv]);
});

import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { clutNetSpec, identityLut, LUT3D_PAPER, LutNet } from "../lib/enhance/models/lut3dnet.ts";
import { dctBasis, reconstructLuts, reconstructLutsRef } from "../lib/enhance/models/clut.ts";
import { Rng } from "../lib/core/rng.ts";

await initTf();

Deno.test("3DLUT parameter counts match the paper's code (270,083 classifier, 593,516 total)", () => {
  const net = new LutNet(LUT3D_PAPER, 1);
  assertEquals(net.paramCount("backbone.") + net.paramCount("head."), 270_083);
  assertEquals(net.paramCount(), 593_516);
  // LUT0 identity, LUT1/2 zero; head bias 1
  const luts = net.params.get("luts")!.dataSync();
  const id = identityLut(33);
  assertEquals(Array.from(luts.slice(0, id.length)), Array.from(id));
  assert(luts.slice(id.length).every((v) => v === 0));
  assertEquals(Array.from(net.params.get("head.bias")!.dataSync()), [1, 1, 1]);
  net.dispose();
});

Deno.test("CLUT-Net parameter counts: 20+05+10 = 278,651, 20+05+20 = 292,541", () => {
  for (const [w, want] of [[10, 278_651], [20, 292_541]]) {
    const net = new LutNet(clutNetSpec(20, 5, w), 0);
    assertEquals(net.paramCount(), want);
    net.dispose();
  }
  // BL-C: fixed DCT bases are buffers, not parameters
  const fixed = new LutNet(clutNetSpec(20, 5, 10, true), 0);
  assertEquals(fixed.paramCount(), 278_651 - 33 * 5 - 10 * 33 * 33);
  fixed.dispose();
});

Deno.test("CLUT reconstruction (cube_to_lut axis order) matches the loop reference", () => {
  const shape = { luts: 3, dim: 5, s: 2, w: 4 };
  const rng = new Rng(7);
  const ms = rng.fill(5 * 2, (r) => r.normal());
  const mw = rng.fill(4 * 25, (r) => r.normal());
  const c = rng.fill(2 * 3 * 3 * 4, (r) => r.normal());
  const got = tf.tidy(() =>
    reconstructLuts(tf.tensor2d(ms, [5, 2]), tf.tensor2d(mw, [4, 25]), tf.tensor2d(c, [18, 4]), 3).dataSync()
  );
  const want = reconstructLutsRef(ms, mw, c, shape);
  for (let i = 0; i < want.length; i++) assertAlmostEquals(got[i], want[i], 1e-5);
});

Deno.test("CLUT own-axis compression: a red-only curve in Ms is a function of r alone in the red LUT", () => {
  // S=1, W=1 with Mw constant: red output depends only on r (i axis), green on g, blue on b
  const d = 4, ms = Float32Array.from([0, 1, 2, 3]), mw = new Float32Array(d * d).fill(1);
  const lut = reconstructLutsRef(ms, mw, Float32Array.from([1, 1, 1]), { luts: 1, dim: d, s: 1, w: 1 });
  const at = (c: number, b: number, g: number, r: number) => lut[((c * d + b) * d + g) * d + r];
  assertEquals([at(0, 3, 2, 1), at(1, 3, 2, 1), at(2, 3, 2, 1)], [1, 2, 3]);
});

Deno.test("BL-C DCT bases are orthonormal", () => {
  const { ms, mw } = dctBasis(9, 3, 5);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let i = 0; i < 9; i++) s += ms[i * 3 + a] * ms[i * 3 + b];
      assertAlmostEquals(s, a === b ? 1 : 0, 1e-5);
    }
  }
  for (let a = 0; a < 5; a++) {
    for (let b = 0; b < 5; b++) {
      let s = 0;
      for (let i = 0; i < 81; i++) s += mw[a * 81 + i] * mw[b * 81 + i];
      assertAlmostEquals(s, a === b ? 1 : 0, 1e-5);
    }
  }
});

Deno.test("a fresh CLUT-Net is the identity (zero residual); a fresh 3DLUT is w0 * identity", () => {
  const rng = new Rng(3);
  const img = tf.tensor4d(rng.fill(3 * 8 * 8, (r) => r.next()), [1, 3, 8, 8]);
  const thumb = tf.tensor4d(rng.fill(3 * 256 * 256, (r) => r.next()), [1, 3, 256, 256]);
  const clut = new LutNet(clutNetSpec(4, 2, 3), 0);
  const o = clut.forward(thumb, img);
  const diff = tf.max(tf.abs(tf.sub(o.out, img))).dataSync()[0];
  assert(diff < 1e-5, `identity residual differs by ${diff}`);
  const lut = new LutNet(LUT3D_PAPER, 0);
  const p = lut.forward(thumb, img);
  const w0 = p.weights.dataSync()[0];
  const d2 = tf.max(tf.abs(tf.sub(p.out, tf.mul(img, w0)))).dataSync()[0];
  assert(d2 < 1e-4, `3DLUT init differs from w0 * img by ${d2}`);
  tf.dispose([img, thumb, o.out, o.weights, p.out, p.weights]);
  clut.dispose();
  lut.dispose();
});

Deno.test("gradients reach every parameter (wasm) for both families", () => {
  const rng = new Rng(5);
  const img = tf.tensor4d(rng.fill(3 * 16 * 16, (r) => r.next()), [1, 3, 16, 16]);
  const thumb = tf.tensor4d(rng.fill(3 * 256 * 256, (r) => r.next()), [1, 3, 256, 256]);
  const target = tf.tensor4d(rng.fill(3 * 16 * 16, (r) => r.next()), [1, 3, 16, 16]);
  for (const spec of [LUT3D_PAPER, clutNetSpec(4, 2, 3)]) {
    const net = new LutNet(spec, 1);
    // CLUT-Net's compressed LUTs start at zero, so Ms/Mw gradients vanish at init; perturb C first
    net.params.get("clut.luts")?.assign(
      tf.randomNormal(net.params.get("clut.luts")!.shape, 0, 0.01, "float32", 2),
    );
    const vars = [...net.params.values()];
    const { grads } = tf.variableGrads(() => {
      const o = net.forward(thumb, img, true, new Rng(1), true);
      return tf.mean(tf.square(tf.sub(o.out, target))) as tf.Scalar;
    }, vars);
    for (const v of vars) {
      const g = grads[v.name];
      assert(g, `no gradient for ${v.name}`);
      const n = tf.sum(tf.abs(g)).dataSync()[0];
      assert(Number.isFinite(n) && n > 0, `zero/non-finite gradient for ${v.name}: ${n}`);
    }
    tf.dispose(Object.values(grads));
    net.dispose();
  }
  tf.dispose([img, thumb, target]);
});

Deno.test("fusing in the compressed domain equals fusing the reconstructed bank (as the original)", () => {
  for (const spec of [clutNetSpec(5, 3, 7), { ...LUT3D_PAPER, dim: 9 }]) {
    const net = new LutNet(spec, 2);
    const c = net.params.get("clut.luts") ?? net.params.get("luts")!;
    c.assign(tf.randomNormal(c.shape, 0, 0.1, "float32", 3));
    const w = tf.tensor2d([0.3, -1.2, 0.5, 2, 0.1, 1, 0, 0.4, -0.3, 0.7].slice(0, 2 * spec.luts), [
      2,
      spec.luts,
    ]);
    const got = net.fusedLuts(w).dataSync();
    const bank = net.bankLuts().reshape([spec.luts, -1]);
    const id = net.residual ? identityLut(spec.dim) : new Float32Array(3 * spec.dim ** 3);
    const want = tf.add(tf.matMul(w, bank), tf.tensor1d(id)).dataSync();
    for (let i = 0; i < want.length; i++) assertAlmostEquals(got[i], want[i], 1e-4);
    net.dispose();
  }
});

Deno.test("bad specs are rejected naming the field", () => {
  assertThrows(() => new LutNet({ ...LUT3D_PAPER, dim: 1 }), Error, "model.dim");
  assertThrows(() => new LutNet(clutNetSpec(20, 40, 10)), Error, "model.s");
});

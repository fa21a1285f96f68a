/**
 * CLUT-Net training from the original's initialisation (Xian-Bei/CLUT: Ms, Mw ~ U(-0.1, 0.1), C = 0,
 * residual output): the gradient of every parameter equals finite differences; at C = 0 only C has a
 * gradient (a saddle: the fused LUT is Ms C Mw weighted by the head, all products with C), so step 1 moves
 * only C, by lr per entry (Adam); the other parameters follow from step 2 and the fused LUT then leaves
 * the identity at a growing pace. This slow start is the parametrisation's, not a lost gradient.
 */
import { assert, assertEquals } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { trainStep } from "../lib/enhance/photo_train.ts";
import { buildNet } from "../lib/enhance/nets.ts";
import type { LutPhotoNet } from "../lib/enhance/lutnets.ts";
import { Adam } from "../lib/experiment/adam.ts";
import { Rng } from "../lib/core/rng.ts";
import { identityLut, LutNet, type LutNetSpec } from "../lib/enhance/models/lut3dnet.ts";
import { cosine, l1 } from "../lib/enhance/losses.ts";
import { smoothImage } from "./photo_util.ts";

await initTf();

const SPEC: LutNetSpec = {
  head: "clutnet",
  backbone: "Backbone",
  luts: 3,
  dim: 5,
  thumb: 32,
  mode: "trilinear",
  bank: { kind: "compressed", s: 2, w: 3, fixed: false },
};

/** Gradients of `loss` w.r.t. every parameter of `net`, by parameter name (zeros where it does not depend on one). */
function gradsByName(net: LutNet, loss: () => tf.Scalar): Map<string, Float32Array> {
  const { grads } = tf.variableGrads(loss, [...net.params.values()]);
  const out = new Map<string, Float32Array>();
  for (const [k, v] of net.params) {
    out.set(k, (grads[v.name]?.dataSync() as Float32Array) ?? new Float32Array(v.size));
  }
  tf.dispose(Object.values(grads));
  return out;
}

/** Central difference of `loss` along entry i of parameter `name`. */
function finiteDiff(net: LutNet, name: string, i: number, eps: number, loss: () => tf.Scalar): number {
  const v = net.params.get(name)!, base = v.dataSync().slice() as Float32Array;
  const at = (d: number) => {
    const p = base.slice();
    p[i] += d;
    v.assign(tf.tensor(p, v.shape));
    const l = loss(), x = l.dataSync()[0];
    l.dispose();
    return x;
  };
  const fd = (at(eps) - at(-eps)) / (2 * eps);
  v.assign(tf.tensor(base, v.shape));
  return fd;
}

Deno.test("CLUT-Net gradients equal finite differences; at the original's init (C = 0) only C has one", () => {
  const rng = new Rng(7);
  const img = tf.tensor4d(rng.fill(3 * 6 * 6, (r) => r.uniform(0.02, 0.98)), [1, 3, 6, 6]);
  const thumb = tf.tensor4d(rng.fill(3 * 32 * 32, (r) => r.next()), [1, 3, 32, 32]);
  const r = tf.tensor4d(rng.fill(3 * 6 * 6, (x) => x.uniform(-1, 1)), [1, 3, 6, 6]);
  const net = new LutNet(SPEC, 1);
  // output loss sum((out - out0) r): out0 removed so float32 keeps the differences' digits
  let out0 = tf.tidy(() => net.forward(thumb, img).out);
  const outLoss = () =>
    tf.tidy(() => tf.sum(tf.mul(tf.sub(net.forward(thumb, img).out, out0), r)) as tf.Scalar);
  const atInit = gradsByName(net, outLoss);
  for (const [k, g] of atInit) {
    const nonZero = g.some((x) => x !== 0);
    assertEquals(nonZero, k === "clut.luts", `${k}: gradient at init ${nonZero ? "non-zero" : "zero"}`);
  }
  const c = net.params.get("clut.luts")!;
  c.assign(tf.randomNormal(c.shape, 0, 0.3, "float32", 2));
  out0.dispose();
  out0 = tf.tidy(() => net.forward(thumb, img).out);
  const g = gradsByName(net, outLoss);
  // the output is linear in each of Ms, Mw, C and the head's last layer: central differences are exact
  for (const k of ["clut.s", "clut.w", "clut.luts", "classifier.fc1.weight", "classifier.fc1.bias"]) {
    const gk = g.get(k)!, max = gk.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    assert(max > 1e-4, `${k}: gradient ${max}`);
    for (let i = 0; i < gk.length; i += Math.max(1, Math.floor(gk.length / 6))) {
      const fd = finiteDiff(net, k, i, 0.05, outLoss);
      assert(Math.abs(fd - gk[i]) <= 5e-3 * max, `${k}[${i}]: gradient ${gk[i]}, finite difference ${fd}`);
    }
  }
  // the trunk and fc0 reach the output only through the weights [1,N]: checked on a loss of the weights
  const rw = tf.tensor2d([0.7, -1.1, 0.4], [1, 3]);
  const wLoss = () => tf.tidy(() => tf.sum(tf.mul(net.weights(thumb), rw)) as tf.Scalar);
  const gw = gradsByName(net, wLoss);
  for (const [k, gk] of gw) {
    if (k.startsWith("clut.")) continue;
    let top = 0;
    for (let i = 1; i < gk.length; i++) if (Math.abs(gk[i]) > Math.abs(gk[top])) top = i;
    assert(Math.abs(gk[top]) > 1e-4, `${k}: gradient ${gk[top]}`);
    const fd = finiteDiff(net, k, top, 1e-2, wLoss);
    assert(
      Math.abs(fd - gk[top]) <= 0.15 * Math.abs(gk[top]),
      `${k}[${top}]: gradient ${gk[top]}, finite difference ${fd}`,
    );
  }
  tf.dispose([img, thumb, r, rw, out0]);
  net.dispose();
});

Deno.test("CLUT-Net training: step 1 moves only C (by lr), step 2 the rest; 30 steps leave the identity and lower the loss", async () => {
  const rng = new Rng(3), side = 64, lr = 1e-3;
  const pairs = [0, 1, 2].map((i) => {
    const input = smoothImage(rng, side, side);
    return { name: `p${i}`, input, target: retouchImage(input) };
  });
  const config = parsePhotoConfig({
    experiment: { task: "enhance", seed: 5 },
    model: { family: "clutnet", luts: 4, dim: 9, s: 3, w: 4, thumb: side },
    data: { root: "unused" },
    train: { lr, augment: "none", jitter: false },
  }, "/nonexistent/clut/config.toml");
  const net = await buildNet(config) as LutPhotoNet;
  const adam = new Adam(net.params, { lr, beta1: 0.9, beta2: 0.999 });
  const id = identityLut(9);
  const loss = async () => { // l1 + cos of the enhanced pairs (eval mode), as trained
    let s = 0;
    for (const p of pairs) {
      const o = tf.tensor4d((await net.enhance(p.input)).out.data, [1, 3, side, side]);
      const y = tf.tensor4d(p.target.data, [1, 3, side, side]);
      s += l1(o, y).dataSync()[0] + cosine(o, y).dataSync()[0];
      tf.dispose([o, y]);
    }
    return s / pairs.length;
  };
  const away = async () => { // mean |fused LUT - identity| of pair 0
    const f = (await net.fusedLut(pairs[0].input)).lut;
    return f.reduce((a: number, x: number, i: number) => a + Math.abs(x - id[i]), 0) / f.length;
  };
  const snapshot = () => new Map([...net.params].map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
  const loss0 = await loss();
  assertEquals(await away(), 0);
  const train = new Rng(9);
  const p0 = snapshot();
  await trainStep(net, adam, [pairs[0]], config, train);
  const p1 = snapshot();
  for (const [k, a] of p0) {
    const b = p1.get(k)!;
    if (k === "clut.luts") {
      const moved = a.filter((x, i) => Math.abs(b[i] - x) > 0.5 * lr).length;
      assert(moved >= 0.9 * a.length, `step 1 moved only ${moved}/${a.length} entries of C by > lr/2`);
    } else {
      assert(a.every((x, i) => x === b[i]), `step 1 changed ${k} (zero gradient at C = 0)`);
    }
  }
  await trainStep(net, adam, [pairs[1]], config, train);
  const p2 = snapshot();
  for (const k of ["clut.s", "clut.w", "classifier.fc1.weight", "backbone.conv0.weight"]) {
    assert(p2.get(k)!.some((x, i) => x !== p1.get(k)![i]), `step 2 left ${k} unchanged`);
  }
  for (let i = 2; i < 30; i++) await trainStep(net, adam, [pairs[i % 3]], config, train);
  const moved = await away(), loss30 = await loss();
  assert(moved > 1e-2, `after 30 steps at lr ${lr} the fused LUT is ${moved} from the identity`);
  assert(loss30 < 0.8 * loss0, `loss ${loss0} -> ${loss30} after 30 steps`);
  net.dispose();
  adam.dispose();
});

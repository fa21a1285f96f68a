// The photo trunk's native forward passes (LUTLAB_PHOTO_NATIVE, lib/nn/native_switch.ts): the block tail
// biasLeakyNorm on kernels/leaky_norm.c against its TypeScript loops (LUTLAB_PHOTO_NATIVE=0) and central finite
// differences; conv2d's native forward (kernels/conv2d.c) against tf.conv2d; the whole 3DLUT trunk (value and
// every parameter gradient) native against the reference path; 1 and 2 kernel threads bit-identical.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { setKernelThreads } from "../lib/core/native.ts";
import { Rng } from "../lib/core/rng.ts";
import { addBackbone, backboneForward, biasLeakyNorm } from "../lib/enhance/models/backbone.ts";
import { convForward, type ConvGeom } from "../lib/nn/conv.ts";
import { leakyNormBackward, leakyNormForward } from "../lib/nn/leaky_norm.ts";
import type { Params } from "../lib/nn/params.ts";

await initTf();

/** Runs `f` with LUTLAB_PHOTO_NATIVE set to `v` (restored after). */
function withSwitch<T>(v: "0" | "1", f: () => T): T {
  const old = Deno.env.get("LUTLAB_PHOTO_NATIVE");
  Deno.env.set("LUTLAB_PHOTO_NATIVE", v);
  try {
    return f();
  } finally {
    if (old === undefined) Deno.env.delete("LUTLAB_PHOTO_NATIVE");
    else Deno.env.set("LUTLAB_PHOTO_NATIVE", old);
  }
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let num = 0, den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    (num = Math.max(num, Math.abs(a[i] - b[i]))), (den = Math.max(den, Math.abs(b[i])));
  }
  return num / den;
}

/** Value and gradients [dz, dbias, (dgamma, dbeta)] of sum(biasLeakyNorm(...) * g). */
function blockTail(inputs: tf.Tensor[], g: tf.Tensor): Float32Array[] {
  const f = (...t: tf.Tensor[]) =>
    biasLeakyNorm(t[0] as tf.Tensor4D, t[1], t.length > 2 ? { weight: t[2], bias: t[3] } : undefined);
  return tf.tidy(() =>
    [f(...inputs), ...tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), g)))(inputs)].map((t) =>
      t.dataSync() as Float32Array
    )
  );
}

function tailInputs(rng: Rng, [n, h, w, c]: number[], norm: boolean) {
  const z = tf.tensor4d(rng.fill(n * h * w * c, (r) => r.normal()), [n, h, w, c]);
  const bias = tf.tensor1d(rng.fill(c, (r) => 0.3 * r.normal()));
  const gamma = tf.tensor1d(rng.fill(c, (r) => 1 + 0.3 * r.normal()));
  const beta = tf.tensor1d(rng.fill(c, (r) => r.normal()));
  const g = tf.tensor4d(rng.fill(n * h * w * c, (r) => r.normal()), [n, h, w, c]);
  return { inputs: norm ? [z, bias, gamma, beta] : [z, bias], g, all: [z, bias, gamma, beta, g] };
}

Deno.test("biasLeakyNorm: native kernel matches the TypeScript loops (values, gradients; chunked sums)", () => {
  const rng = new Rng(11);
  // 40x30 positions: 3 chunks of the kernel's partial sums; 1x1: one position
  for (const shape of [[2, 40, 30, 16], [1, 6, 5, 7], [2, 1, 1, 3], [1, 33, 33, 128]]) {
    for (const norm of [true, false]) {
      const { inputs, g, all } = tailInputs(rng, shape, norm);
      const want = withSwitch("0", () => blockTail(inputs, g));
      const got = withSwitch("1", () => blockTail(inputs, g));
      ["value", "dz", "dbias", "dgamma", "dbeta"].slice(0, want.length).forEach((name, k) => {
        const e = maxRelErr(got[k], want[k]);
        assert(e <= 2e-5, `[${shape}] norm ${norm}: ${name} relative error ${e}`);
      });
      tf.dispose(all);
    }
  }
});

Deno.test("biasLeakyNorm: native gradients match central finite differences", () => {
  const rng = new Rng(3);
  for (const norm of [true, false]) {
    const { inputs, g, all } = tailInputs(rng, [2, 5, 4, 3], norm);
    const grads = withSwitch("1", () => blockTail(inputs, g)).slice(1);
    const values = inputs.map((t) => t.dataSync() as Float32Array);
    const loss = (k: number, i: number, d: number) =>
      withSwitch("1", () =>
        tf.tidy(() => {
          const v = Float32Array.from(values[k]);
          v[i] += d;
          const t = inputs.map((x, j) => j === k ? tf.tensor(v, x.shape) : x);
          const y = biasLeakyNorm(t[0] as tf.Tensor4D, t[1], norm ? { weight: t[2], bias: t[3] } : undefined);
          return tf.sum(tf.mul(tf.cast(y, "float32"), g)).dataSync()[0];
        }));
    const h = 1e-2;
    for (let k = 0; k < inputs.length; k++) {
      for (let i = 0; i < values[k].length; i += k === 0 ? 7 : 1) {
        // away from LeakyReLU's kink: |z + bias| > 2h for every element the perturbation moves
        if (k === 0 && Math.abs(values[0][i] + values[1][i % 3]) < 2 * h) continue;
        const fd = (loss(k, i, h) - loss(k, i, -h)) / (2 * h);
        const an = grads[k][i];
        assert(
          Math.abs(fd - an) <= 2e-2 * Math.max(1, Math.abs(an)),
          `norm ${norm}: input ${k} [${i}]: analytic ${an} vs finite difference ${fd}`,
        );
      }
    }
    tf.dispose(all);
  }
});

Deno.test("native conv forward matches tf.conv2d (trunk and odd geometries)", () => {
  const rng = new Rng(5);
  const cases: [number[], number[], number, number][] = [
    [[2, 32, 32, 3], [3, 3, 3, 16], 2, 1],
    [[1, 9, 7, 5], [3, 3, 5, 37], 1, 1],
    [[2, 8, 8, 128], [8, 8, 128, 3], 1, 0],
    [[1, 6, 5, 2], [2, 3, 2, 3], 3, 2],
  ];
  for (const [xs, ws, stride, pad] of cases) {
    const x = rng.fill(xs.reduce((a, b) => a * b), (r) => r.normal());
    const w = rng.fill(ws.reduce((a, b) => a * b), (r) => r.normal());
    const want = tf.tidy(() =>
      tf.conv2d(
        tf.tensor4d(x, xs as [number, number, number, number]),
        tf.tensor4d(w, ws as never),
        stride,
        pad,
      )
        .dataSync()
    );
    const [n, h, wd, ci] = xs, [kh, kw, , co] = ws;
    const g: ConvGeom = {
      n,
      h,
      w: wd,
      ci,
      kh,
      kw,
      co,
      ho: Math.floor((h + 2 * pad - kh) / stride) + 1,
      wo: Math.floor((wd + 2 * pad - kw) / stride) + 1,
      stride,
      top: pad,
      left: pad,
    };
    const got = convForward(x, w, g);
    const e = maxRelErr(got, want);
    assert(e <= 1e-5, `x [${xs}] w [${ws}] stride ${stride} pad ${pad}: relative error ${e}`);
  }
  const g = { n: 1, h: 4, w: 4, ci: 3, kh: 3, kw: 3, co: 2, ho: 2, wo: 2, stride: 2, top: 1, left: 1 };
  assertThrows(() => convForward(new Float32Array(48), new Float32Array(53), g), Error, "w has 53 values");
});

Deno.test("3DLUT trunk: native forward passes match the reference path (value and parameter gradients)", () => {
  const p: Params = new Map();
  addBackbone(p, { kind: "Backbone", init: "3dlut" }, new Rng(1));
  const thumb = tf.tensor4d(new Rng(2).fill(2 * 3 * 64 * 64, (r) => r.next()), [2, 3, 64, 64]);
  const run = () =>
    tf.tidy(() => {
      const vars = [...p.values()];
      const f = () => tf.sum(tf.square(backboneForward(p, thumb, { kind: "Backbone" }, false))) as tf.Scalar;
      const { value, grads } = tf.variableGrads(f, vars);
      return [value.dataSync(), ...vars.map((v) => grads[v.name].dataSync())];
    });
  const want = withSwitch("0", run), got = withSwitch("1", run);
  const names = ["value", ...p.keys()];
  for (let k = 0; k < want.length; k++) {
    const e = maxRelErr(got[k], want[k]);
    assert(e <= 1e-3, `${names[k]}: relative error ${e}`);
  }
  tf.dispose([thumb, ...p.values()]);
});

Deno.test("native trunk kernels: 1 and 2 threads give bit-identical results", () => {
  const rng = new Rng(9);
  const s = { n: 2, hw: 1300, c: 16 };
  const size = s.n * s.hw * s.c;
  const z = rng.fill(size, (r) => r.normal()), dy = rng.fill(size, (r) => r.normal());
  const bias = rng.fill(16, (r) => r.normal()), gamma = rng.fill(16, (r) => 1 + r.normal());
  const beta = rng.fill(16, (r) => r.normal());
  const g: ConvGeom = {
    n: 2,
    h: 40,
    w: 30,
    ci: 8,
    kh: 3,
    kw: 3,
    co: 24,
    ho: 20,
    wo: 15,
    stride: 2,
    top: 1,
    left: 1,
  };
  const x = rng.fill(2 * 40 * 30 * 8, (r) => r.normal()), w = rng.fill(9 * 8 * 24, (r) => r.normal());
  const run = (threads: number) => {
    setKernelThreads(threads);
    const out = {
      y: new Float32Array(size),
      act: new Float32Array(size),
      stats: new Float32Array(2 * 2 * 16),
    };
    leakyNormForward(z, bias, { gamma, beta }, s, 0.2, 1e-5, out);
    const grads = {
      dz: new Float32Array(size),
      dbias: new Float32Array(16),
      dgamma: new Float32Array(16),
      dbeta: new Float32Array(16),
    };
    leakyNormBackward(dy, out.act, { gamma, stats: out.stats }, s, 0.2, grads);
    return [out.y, out.stats, grads.dz, grads.dbias, grads.dgamma, grads.dbeta, convForward(x, w, g)];
  };
  try {
    const one = run(1), two = run(2);
    assert(one[0].some((v) => v !== 0) && one[6].some((v) => v !== 0));
    one.forEach((a, k) =>
      assertEquals(new Uint32Array(two[k].buffer), new Uint32Array(a.buffer), `output ${k}`)
    );
  } finally {
    setKernelThreads(0);
  }
  assertThrows(
    () => leakyNormForward(z, bias, undefined, { ...s, c: 15 }, 0.2, 1e-5, { y: new Float32Array(size) }),
    Error,
    "z has",
  );
});

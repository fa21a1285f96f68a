// Hash-grid kernel (kernels/hashgrid.c) vs the TypeScript reference; table gradient vs finite differences.
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  hashGridBackwardRef,
  hashGridEncodeRef,
  hashGridLevels,
  type HashGridSpec,
} from "../lib/lut/hashgrid_ref.ts";
import { hashGrid, hashGridEncode, hashGridTableGrad } from "../lib/lut/hashgrid.ts";
import { initTf, tf } from "../lib/core/backend.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const spec7: HashGridSpec = {
  levels: 7,
  featuresPerLevel: 2,
  log2TableSize: 13,
  baseResolution: 9,
  maxResolution: 64,
};
const small: HashGridSpec = {
  levels: 3,
  featuresPerLevel: 2,
  log2TableSize: 6,
  baseResolution: 3,
  maxResolution: 9,
};

/** Random colours, then edge colours: 0, 1, exact vertices of every level, out of range, NaN. */
function inputs(levels: ReturnType<typeof hashGridLevels>, n: number, seed: number): Float32Array {
  const r = rng(seed);
  const vals: number[] = [];
  for (let i = 0; i < n; ++i) vals.push(r());
  const edges = [0, 1, -0.3, 1.7, NaN, Infinity, -Infinity, 0.5];
  for (const s of levels.scales) for (let k = 0; k <= 3; ++k) edges.push((k - 0.5) / s, (s - k + 0.5) / s);
  for (const e of edges) vals.push(e, e, e, e, r(), e, e, 1 - r(), e);
  // planar [1,3,1,W]: split the triples into channels
  const w = Math.floor(vals.length / 3);
  const rgb = new Float32Array(3 * w);
  for (let p = 0; p < w; ++p) for (let c = 0; c < 3; ++c) rgb[c * w + p] = vals[p * 3 + c];
  return rgb;
}

function randomTable(len: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: len }, () => r() * 2 - 1);
}

Deno.test("hash grid geometry matches the tiny-cuda-nn param counts of both checkpoints", () => {
  const g7 = hashGridLevels(spec7);
  assertEquals([...g7.resolutions], [9, 13, 18, 24, 34, 47, 64]);
  assertEquals(g7.tableLength, 83072); // + 1280 MLP weights = 84352 = hashluts.params of HashLUT_7+13
  const g6 = hashGridLevels({ ...spec7, levels: 6 });
  assertEquals(g6.tableLength, 72112); // + 1280 = 73392 = hashluts.params of HashLUT_6+13
  assertEquals(g6.dense, [true, true, true, false, false, false]);
});

for (const spec of [spec7, small]) {
  Deno.test(`hash grid kernel forward == reference (L=${spec.levels}, T=${spec.log2TableSize})`, () => {
    const levels = hashGridLevels(spec);
    const rgb = inputs(levels, 3000, 7);
    const w = rgb.length / 3;
    const table = randomTable(levels.tableLength, 3);
    const got = hashGridEncode(rgb, 1, 1, w, table, levels);
    const want = hashGridEncodeRef(rgb, 1, 1, w, table, levels);
    const err = maxAbsDiff(got, want);
    assert(err <= 1e-5, `max abs error ${err}`);
    assert(got.every(Number.isFinite), "non-finite output");
  });

  Deno.test(`hash grid kernel table grad == reference (L=${spec.levels}), batch 2`, () => {
    const levels = hashGridLevels(spec);
    const one = inputs(levels, 1500, 11);
    const w = one.length / 3;
    const rgb = new Float32Array(2 * one.length);
    rgb.set(one);
    rgb.set(one.map((v) => 1 - v), one.length);
    const gout = randomTable(2 * spec.levels * spec.featuresPerLevel * w, 5);
    const got = hashGridTableGrad(rgb, 2, 1, w, gout, levels);
    const want = hashGridBackwardRef(rgb, 2, 1, w, gout, levels);
    const err = maxAbsDiff(got, want);
    assert(err <= 1e-5 * Math.max(1, Math.max(...want.map(Math.abs))), `max abs error ${err}`);
  });
}

Deno.test("hash grid: a colour on a dense-level vertex returns that vertex's features", () => {
  const levels = hashGridLevels(spec7); // level 0: scale exactly 8, 9 vertices per axis, dense
  assertEquals(levels.scales[0], 8);
  const table = randomTable(levels.tableLength, 9);
  const rgb = Float32Array.from([(1 - 0.5) / 8, (2 - 0.5) / 8, (4 - 0.5) / 8]); // vertex (1,2,4)
  const out = hashGridEncode(rgb, 1, 1, 1, table, levels);
  const vid = 1 + 2 * 9 + 4 * 81;
  assertEquals([out[0], out[1]], [table[vid * 2], table[vid * 2 + 1]]);
});

Deno.test("hash grid op: table gradient matches finite differences of a loss", async () => {
  await initTf();
  const levels = hashGridLevels(small);
  const r = rng(21);
  const B = 1, H = 4, W = 5;
  const rgb = Float32Array.from({ length: B * 3 * H * W }, () => r());
  const table0 = randomTable(levels.tableLength, 4);
  const wts = tf.tensor4d(Float32Array.from({ length: B * 6 * H * W }, () => r() - 0.5), [B, 6, H, W]);
  const x = tf.tensor4d(rgb, [B, 3, H, W]);
  const loss = (t: tf.Tensor1D) => tf.sum(tf.mul(tf.square(hashGrid(x, t, levels)), wts)) as tf.Scalar;
  const tableVar = tf.variable(tf.tensor1d(table0));
  const { grads } = tf.variableGrads(() => loss(tableVar), [tableVar]);
  const g = await grads[tableVar.name].data();
  let checked = 0;
  const eps = 1e-2;
  for (let i = 0; i < table0.length && checked < 40; i += 7) {
    if (g[i] === 0) continue;
    const plus = table0.slice(), minus = table0.slice();
    plus[i] += eps;
    minus[i] -= eps;
    const fp = loss(tf.tensor1d(plus)).dataSync()[0], fm = loss(tf.tensor1d(minus)).dataSync()[0];
    const fd = (fp - fm) / (2 * eps);
    assert(Math.abs(fd - g[i]) <= 2e-3 * Math.max(1, Math.abs(fd)), `entry ${i}: fd ${fd} vs grad ${g[i]}`);
    checked++;
  }
  assert(checked >= 10, `only ${checked} entries had a gradient`);
  tf.dispose([x, wts, tableVar]);
});

Deno.test("hash grid: bad shapes give clear errors", () => {
  const levels = hashGridLevels(small);
  const table = new Float32Array(levels.tableLength);
  assertThrows(() => hashGridEncode(new Float32Array(5), 1, 1, 2, table, levels), Error, "rgb has 5 values");
  assertThrows(() => hashGridEncode(new Float32Array(6), 1, 1, 2, table.subarray(1), levels), Error, "table");
  assertThrows(
    () => hashGridTableGrad(new Float32Array(6), 1, 1, 2, new Float32Array(3), levels),
    Error,
    "gradOut",
  );
  assertThrows(() => hashGridLevels({ ...small, featuresPerLevel: 3 }), Error, "featuresPerLevel");
});

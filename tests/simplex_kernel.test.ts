// n-D simplex LUT kernels (kernels/simplex_lut.c) vs the TypeScript reference (lib/lut/simplex_ref.ts): forward
// for n = 2, 3, 4, int8 and float32 tables, edge values; backward vs the reference and finite differences;
// the rotation ensemble; argument errors.
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  type LutGeometry,
  lutRows,
  type Offset,
  patternPad,
  rotationEnsembleRef,
  simplexBackwardRef,
  simplexForwardRef,
} from "../lib/lut/simplex_ref.ts";
import {
  simplexBackward,
  simplexLookup,
  type SimplexLut,
  simplexOp,
  simplexRotationEnsemble,
} from "../lib/lut/simplex.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { maxAbsDiff, rng } from "./simplex_util.ts";

const PATTERNS: Record<number, Offset[]> = {
  2: [[0, 0], [0, 1]],
  3: [[0, 0], [0, 1], [1, 0]],
  4: [[0, 0], [1, 1], [1, 2], [2, 1]],
};

function randomTable(g: LutGeometry, dtype: "int8" | "float32", rand: () => number): SimplexLut {
  const len = lutRows(g) * g.outputs;
  const data = dtype === "int8" ? new Int8Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) data[i] = dtype === "int8" ? Math.floor(rand() * 256) - 128 : rand() * 2 - 1;
  return { ...g, data };
}

/** Planes mixing random values, lattice points, 0, 255, and (when `wild`) out-of-range values and NaN. */
function randomPlanes(count: number, rand: () => number, integer: boolean, wild = false): Float32Array {
  const edge = [0, 255, 16, 32, 240, 1, 254, 128];
  const p = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.2) p[i] = edge[Math.floor(rand() * edge.length)];
    else p[i] = integer ? Math.floor(rand() * 256) : rand() * 255;
    if (wild && rand() < 0.05) p[i] = [-3, 260, NaN, -0.5, 255.5][Math.floor(rand() * 5)];
  }
  return p;
}

Deno.test("simplex forward matches the reference: n=2,3,4, int8/float32, several intervals and K", () => {
  const rand = rng(7);
  const cases: [number, number, number][] = [[4, 4, 16], [4, 4, 1], [3, 4, 9], [2, 4, 4], [4, 5, 3], [
    2,
    0,
    4,
  ], [
    3,
    8,
    2,
  ], [4, 6, 5]];
  for (const [n, bits, K] of cases) {
    const g = { n, intervalBits: bits, outputs: K };
    const offsets = PATTERNS[n];
    const [py, px] = patternPad(offsets);
    const shape = { planes: 2, height: 9 + py, width: 7 + px };
    for (const dtype of ["int8", "float32"] as const) {
      const table = randomTable(g, dtype, rand);
      for (const integer of [true, false]) {
        const planes = randomPlanes(shape.planes * shape.height * shape.width, rand, integer, !integer);
        for (const srlutOrder of [false, true]) {
          const got = simplexLookup(planes, shape, offsets, table, { srlutOrder });
          const want = simplexForwardRef(planes, shape, offsets, table.data, g, srlutOrder);
          const err = maxAbsDiff(got, want);
          const tol = dtype === "int8" && integer ? 0 : 1e-5 * (dtype === "int8" ? 128 : 1);
          assert(
            err <= tol,
            `n=${n} bits=${bits} K=${K} ${dtype} int=${integer} srlut=${srlutOrder}: err ${err}`,
          );
        }
      }
    }
  }
});

Deno.test("simplex forward: exact lattice points return the table entry; SR-LUT order differs only off-simplex", () => {
  const rand = rng(3);
  const g = { n: 4, intervalBits: 4, outputs: 2 };
  const table = randomTable(g, "float32", rand);
  const offsets: Offset[] = [[0, 0], [0, 1], [1, 0], [1, 1]];
  // one anchor, 2x2 plane: lattice point (3, 16, 0, 7) → values 48, 256→clamped 255? use 240
  const idx = [3, 15, 0, 7];
  const planes = Float32Array.from(idx.map((i) => i * 16));
  const out = simplexLookup(planes, { planes: 1, height: 2, width: 2 }, offsets, table);
  const row = ((idx[0] * 17 + idx[1]) * 17 + idx[2]) * 17 + idx[3];
  for (let k = 0; k < 2; k++) assert(Math.abs(out[k] - table.data[row * 2 + k]) < 1e-6);
  // fc > fd > fa > fb: SR-LUT's order (c, a, d, b) gives another affine combination than the true simplex
  const bug = Float32Array.from([16 * 2 + 5, 16 * 2 + 1, 16 * 2 + 12, 16 * 2 + 9]);
  const s = { planes: 1, height: 2, width: 2 };
  const plain = simplexLookup(bug, s, offsets, table),
    srlut = simplexLookup(bug, s, offsets, table, { srlutOrder: true });
  assert(maxAbsDiff(plain, srlut) > 1e-4, "the SR-LUT branch order must change this case");
  assert(maxAbsDiff(srlut, simplexForwardRef(bug, s, offsets, table.data, g, true)) < 1e-5);
});

Deno.test("simplex backward matches the reference and finite differences", () => {
  const rand = rng(11);
  for (const n of [2, 3, 4]) {
    const g = { n, intervalBits: 4, outputs: 3 };
    const offsets = PATTERNS[n];
    const [py, px] = patternPad(offsets);
    const shape = { planes: 2, height: 5 + py, width: 6 + px };
    const table = randomTable(g, "float32", rand);
    const planes = randomPlanes(shape.planes * shape.height * shape.width, rand, false, true);
    const nOut = shape.planes * 5 * 6 * 3;
    const gradOut = Float32Array.from({ length: nOut }, () => rand() * 2 - 1);
    const got = simplexBackward(planes, shape, offsets, table, gradOut);
    const want = simplexBackwardRef(planes, shape, offsets, table.data as Float32Array, g, gradOut);
    assert(maxAbsDiff(got.gradTable!, want.gradTable) <= 1e-5, `n=${n} table grad`);
    assert(maxAbsDiff(got.gradPlanes!, want.gradPlanes) <= 1e-5, `n=${n} plane grad`);
    const only = simplexBackward(planes, shape, offsets, table, gradOut, { table: true });
    assertEquals(only.gradPlanes, undefined);
    assertEquals(only.gradTable, got.gradTable);
    const into = new Float32Array(table.data.length).fill(NaN); // a given output array is overwritten
    assert(simplexBackward(planes, shape, offsets, table, gradOut, { table: into }).gradTable === into);
    assertEquals(into, got.gradTable);
    assertThrows(
      () => simplexBackward(planes, shape, offsets, table, gradOut, { planes: new Float32Array(3) }),
      Error,
      "gradPlanes has 3 values",
    );

    // finite differences (float64 reference loss, values away from cell borders so the simplex is fixed)
    const smooth = Float32Array.from(planes, (v) => Number.isNaN(v) ? 100.3 : Math.min(Math.max(v, 0), 255));
    for (let i = 0; i < smooth.length; i++) smooth[i] = Math.floor(smooth[i] / 16) * 16 + 2 + (i * 7.3) % 12;
    for (let i = 0; i < smooth.length; i++) smooth[i] = Math.min(smooth[i], 254.5);
    const loss = (p: Float32Array, t: Float32Array) => {
      const o = simplexForwardRef(p, shape, offsets, t, g);
      let s = 0;
      for (let j = 0; j < o.length; j++) s += o[j] * gradOut[j];
      return s;
    };
    const an = simplexBackward(smooth, shape, offsets, table, gradOut);
    for (let trial = 0; trial < 12; trial++) {
      const i = Math.floor(rand() * smooth.length), h = 0.01;
      const up = smooth.slice(), dn = smooth.slice();
      up[i] += h;
      dn[i] -= h;
      const fd = (loss(up, table.data as Float32Array) - loss(dn, table.data as Float32Array)) / (2 * h);
      assert(
        Math.abs(fd - an.gradPlanes![i]) < 2e-3 * Math.max(1, Math.abs(fd)),
        `n=${n} plane fd ${fd} vs ${an.gradPlanes![i]}`,
      );
    }
    for (let trial = 0; trial < 12; trial++) {
      const rows = lutRows(g);
      const hit = an.gradTable!.findIndex((v, j) => v !== 0 && j % 7 === trial % 7);
      const e = hit >= 0 ? hit : Math.floor(rand() * rows * 3);
      const up = Float32Array.from(table.data), dn = Float32Array.from(table.data);
      up[e] += 0.5;
      dn[e] -= 0.5;
      const fd = (loss(smooth, up) - loss(smooth, dn)) / 1.0;
      assert(
        Math.abs(fd - an.gradTable![e]) < 1e-4 * Math.max(1, Math.abs(fd)),
        `n=${n} table fd ${fd} vs ${an.gradTable![e]}`,
      );
    }
  }
});

Deno.test("simplex rotation ensemble matches the reference (reflect and edge, odd sizes)", () => {
  const rand = rng(5);
  const cases: [number, Offset[], number][] = [
    [4, [[0, 0], [0, 1], [1, 0], [1, 1]], 4],
    [4, [[0, 0], [1, 1], [1, 2], [2, 1]], 2],
    [3, [[0, 0], [0, 1], [0, 2]], 3],
    [2, [[0, 0], [0, 1]], 1],
  ];
  for (const [n, offsets, r] of cases) {
    const g = { n, intervalBits: 4, outputs: r * r };
    for (const dtype of ["int8", "float32"] as const) {
      const table = randomTable(g, dtype, rand);
      for (const [h, w] of [[5, 7], [3, 3], [6, 4]]) {
        const shape = { planes: 2, height: h, width: w };
        const planes = randomPlanes(2 * h * w, rand, dtype === "int8");
        for (const pad of ["reflect", "edge"] as const) {
          const got = simplexRotationEnsemble(planes, shape, offsets, table, {
            upscale: r,
            pad,
            srlutOrder: true,
          });
          const want = rotationEnsembleRef(planes, shape, offsets, table.data, g, r, pad, true);
          const err = maxAbsDiff(got, want);
          assert(err <= (dtype === "int8" ? 0 : 4e-5), `n=${n} r=${r} ${dtype} ${h}x${w} ${pad}: err ${err}`);
        }
      }
    }
  }
});

Deno.test("simplexOp (tfjs): value = lookup, gradients = native backward for table and planes", async () => {
  await initTf();
  const rand = rng(17);
  const g = { n: 4, intervalBits: 4, outputs: 4 };
  const offsets = PATTERNS[4];
  const shape = { planes: 2, height: 6, width: 7 };
  const t = randomTable(g, "float32", rand);
  const p = randomPlanes(2 * 6 * 7, rand, false);
  const gradOut = Float32Array.from({ length: 2 * 4 * 5 * 4 }, () => rand() * 2 - 1);
  const x = tf.tensor3d(p, [2, 6, 7]), table = tf.tensor2d(t.data as Float32Array, [lutRows(g), 4]);
  const y = simplexOp(x, table, offsets, 4);
  assertEquals(y.shape, [2, 4, 5, 4]);
  assertEquals(maxAbsDiff(y.dataSync() as Float32Array, simplexLookup(p, shape, offsets, t)), 0);
  const dy = tf.tensor4d(gradOut, [2, 4, 5, 4]);
  const [gx, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(simplexOp(a as tf.Tensor3D, b as tf.Tensor2D, offsets, 4), dy))
  )([x, table]);
  const want = simplexBackward(p, shape, offsets, t, gradOut);
  assert(maxAbsDiff(gx.dataSync() as Float32Array, want.gradPlanes!) <= 1e-5);
  assert(maxAbsDiff(gt.dataSync() as Float32Array, want.gradTable!) <= 1e-5);
  assertThrows(() => simplexOp(x, tf.zeros([10, 4]) as tf.Tensor2D, offsets, 4), Error, "83521 rows");
  tf.dispose([x, table, y, dy, gx, gt]);
});

Deno.test("simplex argument errors name the problem", () => {
  const g = { n: 4, intervalBits: 4, outputs: 2 };
  const table = randomTable(g, "float32", rng(1));
  const offsets = PATTERNS[4];
  const shape = { planes: 1, height: 4, width: 4 };
  const planes = new Float32Array(16);
  assertThrows(
    () => simplexLookup(planes, shape, offsets, { ...table, data: table.data.subarray(1) }),
    Error,
    "expected [83521, 2]",
  );
  assertThrows(() => simplexLookup(planes, shape, offsets.slice(0, 3), table), Error, "3 pattern offsets");
  assertThrows(
    () => simplexLookup(planes, shape, [[0, 0], [0, -1], [1, 0], [1, 1]], table),
    Error,
    "offset 1",
  );
  assertThrows(() => simplexLookup(planes.subarray(1), shape, offsets, table), Error, "planes has 15 values");
  assertThrows(
    () => simplexLookup(new Float32Array(8), { planes: 1, height: 2, width: 4 }, offsets, table),
    Error,
    "no output",
  );
  assertThrows(
    () => simplexLookup(planes, shape, offsets, { ...table, intervalBits: 9 }),
    Error,
    "intervalBits",
  );
  assertThrows(() => simplexLookup(planes, shape, offsets, { ...table, n: 5 }), Error, "n must be 2, 3 or 4");
  assertThrows(
    () =>
      simplexLookup(planes, shape, offsets, { ...table, data: new Int16Array(4) as unknown as Int8Array }),
    Error,
    "Int8Array or a Float32Array",
  );
  const i8 = randomTable(g, "int8", rng(2));
  assertThrows(
    () => simplexBackward(planes, shape, offsets, i8, new Float32Array(4)),
    Error,
    "float32 table",
  );
  assertThrows(() => simplexBackward(planes, shape, offsets, table, new Float32Array(3)), Error, "gradOut");
  assertThrows(
    () => simplexRotationEnsemble(planes, shape, offsets, table, { upscale: 3, pad: "edge" }),
    Error,
    "needs K = 9",
  );
  assertThrows(
    () =>
      simplexRotationEnsemble(new Float32Array(4), { planes: 1, height: 2, width: 2 }, PATTERNS[4], {
        ...randomTable({ n: 4, intervalBits: 4, outputs: 4 }, "int8", rng(3)),
      }, { upscale: 2, pad: "reflect" }),
    Error,
    "reflect padding",
  );
});

// DFC-compressed lookup (kernels/dfc.c) vs the TypeScript reference (lib/lut/dfc_ref.ts), vs the plain
// simplex lookup when nothing is compressed and vs a hand-computed case of DFC's simplex order; storage
// sizes; argument errors.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { compressDfc, dfcLookup } from "../lib/lut/dfc.ts";
import { dfcForwardRef } from "../lib/lut/dfc_ref.ts";
import { simplexLookup, type SimplexLut } from "../lib/lut/simplex.ts";
import { maxAbsDiff, rng } from "./simplex_util.ts";
import { lutRows, type Offset, patternPad } from "../lib/lut/simplex_ref.ts";

const PATTERNS: Record<number, Offset[]> = {
  2: [[0, 0], [0, 1]],
  3: [[0, 0], [0, 1], [1, 0]],
  4: [[0, 0], [0, 1], [1, 0], [1, 1]],
};

function table(n: number, K: number, dtype: "int8" | "float32", rand: () => number): SimplexLut {
  const g = { n, intervalBits: 4, outputs: K };
  const len = lutRows(g) * K;
  const data = dtype === "int8" ? new Int8Array(len) : new Float32Array(len);
  for (let i = 0; i < len; i++) data[i] = dtype === "int8" ? Math.floor(rand() * 255) - 127 : rand() * 2 - 1;
  return { ...g, data };
}

/** Planes with smooth regions (diagonal inputs) and noise (off-diagonal), plus 0/255/lattice values. */
function planes(len: number, width: number, rand: () => number, integer: boolean): Float32Array {
  const p = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    const smooth = 128 + 90 * Math.sin(i / 9) * Math.cos(Math.floor(i / width) / 5);
    const v = rand() < 0.5 ? smooth + rand() * 6 : rand() * 255;
    p[i] = rand() < 0.1 ? [0, 255, 32, 48][Math.floor(rand() * 4)] : integer ? Math.round(v) : v;
  }
  return p;
}

Deno.test("DFC without compression (samplingInterval = intervalBits) equals the plain lookup", () => {
  const rand = rng(21);
  for (const n of [2, 3, 4]) {
    const t = table(n, 4, "int8", rand);
    const offsets = PATTERNS[n];
    const [py, px] = patternPad(offsets);
    const shape = { planes: 2, height: 11 + py, width: 13 + px };
    const p = planes(2 * shape.height * shape.width, shape.width, rand, true);
    for (const dw of [0, 2]) {
      const dfc = compressDfc(t, { diagonalWidth: dw, samplingInterval: 4 });
      const got = dfcLookup(p, shape, offsets, dfc);
      assertEquals(maxAbsDiff(got, simplexLookup(p, shape, offsets, t)), 0, `n=${n} dw=${dw}`);
    }
  }
});

Deno.test("DFC uses its own simplex order, never SR-LUT's: a hand-computed pixel at the band's edge", () => {
  // T[i0,i1,i2,i3] = 1000·i0 + 100·i1 + 10·i2 + i3; pixel a, b, c, d = 37, 34, 44, 24: cells 2, 2, 2, 1,
  // fractions 5, 2, 12, 8 (fc > fd > fa > fb), inside the dw = 1 band (|d - a| = 13 <= 16). DFC walks c, d,
  // a, b: vertices 2221, 2231, 2232, 3232, 3332 with weights 4, 4, 3, 3, 2 (/16) → 40864 / 16 = 2554.
  // SR-LUT's order (c, a, d, b) would step to 3231, outside the band (d - a = -2), with weight fa - fd = -3.
  const L = 17, data = new Float32Array(L ** 4);
  for (let r = 0; r < L ** 4; r++) {
    data[r] = 1000 * Math.floor(r / L ** 3) + 100 * (Math.floor(r / L ** 2) % L) +
      10 * (Math.floor(r / L) % L) +
      (r % L);
  }
  const t: SimplexLut = { n: 4, intervalBits: 4, outputs: 1, data };
  const dfc = compressDfc(t, { diagonalWidth: 1, samplingInterval: 5 });
  const p = Float32Array.from([37, 34, 44, 24]), shape = { planes: 1, height: 2, width: 2 };
  assertEquals(dfcLookup(p, shape, PATTERNS[4], dfc)[0], 2554);
  assertEquals(dfcForwardRef(p, shape, PATTERNS[4], dfc.fine, dfc.coarse, t, dfc)[0], 2554);
  assertEquals(simplexLookup(p, shape, PATTERNS[4], t)[0], 2554); // the uncompressed table agrees
});

Deno.test("DFC compressed lookup matches the reference (n = 2,3,4; c; dw; intervals; int8/float32)", () => {
  const rand = rng(4);
  const cases: [number, number, number, number][] = [[4, 4, 2, 5], [4, 2, 1, 6], [4, 3, 2, 7], [3, 3, 1, 5], [
    2,
    2,
    2,
    6,
  ]];
  for (const [n, c, dw, si] of cases) {
    for (const dtype of ["int8", "float32"] as const) {
      const t = table(n, 3, dtype, rand);
      const dfc = compressDfc(t, { diagonalWidth: dw, samplingInterval: si, compressedDims: c });
      const offsets = PATTERNS[n];
      const [py, px] = patternPad(offsets);
      const shape = { planes: 2, height: 10 + py, width: 9 + px };
      for (const integer of [true, false]) {
        const p = planes(2 * shape.height * shape.width, shape.width, rand, integer);
        const got = dfcLookup(p, shape, offsets, dfc);
        const want = dfcForwardRef(p, shape, offsets, dfc.fine, dfc.coarse, t, dfc);
        const err = maxAbsDiff(got, want);
        assert(
          err <= (dtype === "int8" ? 1e-4 : 1e-5),
          `n=${n} c=${c} dw=${dw} si=${si} ${dtype}: err ${err}`,
        );
      }
    }
  }
});

Deno.test("DFC storage follows the paper's counting (band points × tail + coarse lattice)", () => {
  const t = table(4, 16, "int8", rng(1));
  const dfc = compressDfc(t, { diagonalWidth: 2, samplingInterval: 5 });
  let band = 0;
  for (let x = 0; x < 17; x++) band += (Math.min(x + 2, 16) - Math.max(x - 2, 0) + 1) ** 3;
  assertEquals(dfc.fineRows, band);
  assertEquals(dfc.storageBytes(), (band + 9 ** 4) * 16);
  assertEquals(band + 9 ** 4, 8368); // 10.0% of the 83521 rows of the full 4-D LUT
  const xy = compressDfc(t, { diagonalWidth: 2, samplingInterval: 6, compressedDims: 2 });
  let pairs = 0;
  for (let x = 0; x < 17; x++) pairs += Math.min(x + 2, 16) - Math.max(x - 2, 0) + 1;
  assertEquals(xy.storageBytes(), (pairs * 17 * 17 + 5 ** 4) * 16);
});

Deno.test("DFC argument errors name the problem", () => {
  const t = table(4, 2, "int8", rng(2));
  assertThrows(() => compressDfc(t, { diagonalWidth: 2, samplingInterval: 3 }), Error, "samplingInterval=3");
  assertThrows(() => compressDfc(t, { diagonalWidth: -1, samplingInterval: 5 }), Error, "diagonalWidth");
  assertThrows(
    () => compressDfc(t, { diagonalWidth: 2, samplingInterval: 5, compressedDims: 5 }),
    Error,
    "compressedDims",
  );
  const dfc = compressDfc(t, { diagonalWidth: 2, samplingInterval: 5 });
  const shape = { planes: 1, height: 3, width: 3 };
  const p = new Float32Array(9);
  assertThrows(
    () => dfcLookup(p, shape, PATTERNS[4], { ...dfc, fine: dfc.fine.subarray(2) }),
    Error,
    "expected",
  );
  assertThrows(
    () => dfcLookup(p, shape, PATTERNS[4], { ...dfc, coarse: new Float32Array(dfc.coarse.length) }),
    Error,
    "dtype",
  );
  assertThrows(() => dfcLookup(p, shape, PATTERNS[3], dfc), Error, "3 pattern offsets");
});

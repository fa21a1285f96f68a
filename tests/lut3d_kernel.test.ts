// 3D LUT kernel (kernels/lut3d.c) vs the TypeScript reference: forward and backward on random and edge
// colours, shared and per-image LUTs, identity LUT, integer paths, argument errors.
import { assert, assertThrows } from "@std/assert";
import { lut3dBackwardRef, lut3dForwardRef, type Lut3dMode } from "../lib/lut/lut3d_ref.ts";
import { applyLut3d, applyLut3dImage, applyLut3dU16, applyLut3dU8, lut3dBackward } from "../lib/lut/lut3d.ts";
import { identityLut } from "../lib/enhance/models/lut3dnet.ts";
import { edgeColours, maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";

const modes: Lut3dMode[] = ["trilinear", "tetrahedral"];
const cases = [
  { batch: 1, height: 1, width: 1, dim: 2, lutBatch: 1 },
  { batch: 2, height: 7, width: 9, dim: 5, lutBatch: 1 },
  { batch: 3, height: 5, width: 61, dim: 9, lutBatch: 3 },
  { batch: 1, height: 17, width: 33, dim: 33, lutBatch: 1 },
];

for (const mode of modes) {
  Deno.test(`lut3d ${mode}: forward and backward match the reference (random + edge colours)`, () => {
    for (const [i, c] of cases.entries()) {
      const n = c.batch * 3 * c.height * c.width;
      const img = edgeColours(n, c.dim, 10 + i);
      const lut = randomLut(c.lutBatch, c.dim, 20 + i);
      const gradOut = Float32Array.from({ length: n }, rng(30 + i));
      const out = applyLut3d(img, lut, c, mode);
      const ref = lut3dForwardRef(img, lut, c, mode);
      const ef = maxAbsDiff(out, ref);
      assert(ef <= 1e-5, `${mode} case ${i}: forward max abs error ${ef}`);
      const g = lut3dBackward(img, lut, gradOut, c, mode);
      const gr = lut3dBackwardRef(img, lut, gradOut, c, mode);
      const el = maxAbsDiff(g.gradLut!, gr.gradLut), ei = maxAbsDiff(g.gradImg!, gr.gradImg);
      assert(el <= 1e-5, `${mode} case ${i}: LUT grad max abs error ${el}`);
      assert(ei <= 1e-5 * Math.max(1, c.dim - 1), `${mode} case ${i}: image grad max abs error ${ei}`);
      const onlyLut = lut3dBackward(img, lut, gradOut, c, mode, { img: false });
      assert(onlyLut.gradImg === undefined && maxAbsDiff(onlyLut.gradLut!, g.gradLut!) === 0);
    }
  });

  Deno.test(`lut3d ${mode}: identity LUT is the identity on [0,1], clamps outside, NaN -> 0`, () => {
    const dim = 17, shape = { batch: 2, height: 3, width: 41, dim };
    const img = edgeColours(2 * 3 * 3 * 41, dim, 5);
    const out = applyLut3d(img, identityLut(dim), shape, mode);
    const want = img.map((x) => (x > 0 ? Math.min(x, 1) : 0));
    const e = maxAbsDiff(out, want);
    assert(e <= 1e-6, `identity max abs error ${e}`);
  });

  Deno.test(`lut3d ${mode}: batched per-image LUTs equal separate single-image calls`, () => {
    const shape = { batch: 3, height: 4, width: 6, dim: 7 };
    const hw = 4 * 6, d3 = 7 ** 3;
    const img = edgeColours(3 * 3 * hw, 7, 8), lut = randomLut(3, 7, 9);
    const all = applyLut3d(img, lut, shape, mode);
    for (let b = 0; b < 3; b++) {
      const one = applyLut3d(
        img.subarray(b * 3 * hw, (b + 1) * 3 * hw),
        lut.subarray(b * 3 * d3, (b + 1) * 3 * d3),
        { ...shape, batch: 1 },
        mode,
      );
      assert(maxAbsDiff(one, all.subarray(b * 3 * hw, (b + 1) * 3 * hw)) === 0, `image ${b} differs`);
    }
  });

  Deno.test(`lut3d ${mode}: uint8 and uint16 paths match the float path within half a step`, () => {
    const height = 19, width = 23, dim = 33, n = height * width * 3;
    const lut = randomLut(1, dim, 4);
    const r = rng(6);
    const u8 = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    const u16 = Uint16Array.from({ length: n }, () => Math.floor(r() * 65536));
    u8[0] = 0, u8[n - 1] = 255, u16[0] = 0, u16[n - 1] = 65535;
    for (const [ints, max, fn] of [[u8, 255, applyLut3dU8], [u16, 65535, applyLut3dU16]] as const) {
      // planar float copy of the interleaved input
      const planar = new Float32Array(n);
      for (let p = 0; p < height * width; p++) {
        for (let c = 0; c < 3; c++) planar[c * height * width + p] = ints[p * 3 + c] / max;
      }
      const f = applyLut3d(planar, lut, { batch: 1, height, width, dim }, mode);
      // deno-lint-ignore no-explicit-any
      const got = (fn as any)(ints, height, width, lut, dim, mode) as Uint8Array | Uint16Array;
      let worst = 0;
      for (let p = 0; p < height * width; p++) {
        for (let c = 0; c < 3; c++) {
          worst = Math.max(worst, Math.abs(got[p * 3 + c] / max - f[c * height * width + p]));
        }
      }
      assert(worst <= 0.5 / max + 1e-6, `max ${max}: worst ${worst * max} steps`);
    }
  });
}

Deno.test("lut3d: applyLut3dImage applies one LUT to an RGB Image", () => {
  const img = { data: edgeColours(3 * 4 * 5, 9, 1), channels: 3, height: 4, width: 5 };
  const lut = randomLut(1, 9, 2);
  const out = applyLut3dImage(img, lut, 9, "tetrahedral");
  assert(out.height === 4 && out.width === 5 && out.channels === 3);
  assert(
    maxAbsDiff(
      out.data,
      lut3dForwardRef(img.data, lut, { batch: 1, height: 4, width: 5, dim: 9, lutBatch: 1 }, "tetrahedral"),
    ) <= 1e-5,
  );
  assertThrows(() => applyLut3dImage({ ...img, channels: 1 }, lut, 9, "tetrahedral"), Error, "1 channels");
});

Deno.test("lut3d: bad shapes and arguments throw errors naming the argument and shape", () => {
  const shape = { batch: 2, height: 3, width: 4, dim: 5 };
  const img = new Float32Array(2 * 3 * 12), lut = new Float32Array(3 * 125);
  assertThrows(() => applyLut3d(img, lut.subarray(1), shape, "trilinear"), Error, "lut has 374 values");
  assertThrows(
    () => applyLut3d(img, new Float32Array(3 * 3 * 125), shape, "trilinear"),
    Error,
    "[2,3,5,5,5]",
  );
  assertThrows(() => applyLut3d(img.subarray(1), lut, shape, "trilinear"), Error, "img has 71 values");
  assertThrows(
    () => applyLut3d(img, new Float32Array(3), { ...shape, dim: 1 }, "trilinear"),
    Error,
    "D must be",
  );
  assertThrows(() => applyLut3d(img, lut, { ...shape, height: 0 }, "trilinear"), Error, "height");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => applyLut3d(img, lut, shape, "cubic" as any), Error, "mode");
  assertThrows(() => applyLut3d(img, lut, shape, "trilinear", new Float32Array(3)), Error, "out has 3");
  assertThrows(
    () => lut3dBackward(img, lut, new Float32Array(5), shape, "trilinear"),
    Error,
    "gradOut has 5",
  );
  assertThrows(() => applyLut3dU8(new Uint8Array(10), 2, 2, lut, 5, "trilinear"), Error, "rgb has 10 values");
  assertThrows(() => applyLut3dU8(new Uint8Array(12), 2, 2, lut, 4, "trilinear"), Error, "lut has 375");
});

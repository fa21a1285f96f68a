// Round trips of every LUT file format, with the bound where quantisation makes them inexact and the
// exactness from the second round on: .cube 1D, 3D and shaper (decimals), Hald CLUT PNG 8/16-bit, .3dl
// 8/10/12/16-bit; the .3dl blue-fastest and Hald red-fastest orders checked against ffmpeg (lut3d reading
// a Flame .3dl, haldclut reading our PNG); and bad input of every reader named by file and line.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { formatCubeFile, parseCube, parseCubeFile } from "../lib/formats/cube.ts";
import { haldLevel, haldToLut, lutToHald, readHald, writeHald } from "../lib/formats/hald.ts";
import { format3dl, parse3dl } from "../lib/formats/lut3dl.ts";
import { readLutFile } from "../lib/formats/lut_file.ts";
import { applyLut3d } from "../lib/lut/lut3d.ts";
import { resampleLut3d } from "../lib/lut/lut_file.ts";
import { maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";
import { ffmpegFloat, hasFfmpeg } from "./lut_ffmpeg_util.ts";

/** A LUT with values slightly outside [0,1] at a few places (clamped by the integer formats). */
function lutWithOvershoot(dim: number, seed: number): Float32Array {
  const l = randomLut(1, dim, seed);
  l[1] = -0.02, l[5] = 1.03;
  return l;
}

/** A LUT [3,D,D,D] with the r and b lattice axes swapped. */
function swapRB(lut: Float32Array, d: number): Float32Array {
  const out = new Float32Array(lut.length), d3 = d ** 3;
  for (let c = 0; c < 3; c++) {
    for (let b = 0; b < d; b++) {
      for (let g = 0; g < d; g++) {
        for (let r = 0; r < d; r++) out[c * d3 + (r * d + g) * d + b] = lut[c * d3 + (b * d + g) * d + r];
      }
    }
  }
  return out;
}

/** Max |a - clamp01(b)|. */
const errClamped = (a: Float32Array, b: Float32Array) =>
  maxAbsDiff(a, b.map((v) => Math.min(1, Math.max(0, v))));

Deno.test(".cube round trips: 1D, 3D, shaper; within 0.5e-9 at 9 decimals, then bit-exact text", () => {
  const lut1 = Float32Array.from({ length: 3 * 300 }, rng(1)), lut3 = randomLut(1, 7, 2);
  const cases = {
    "1D": { lut1d: { size: 300, lut: lut1, domainMin: [-0.1, 0, 0] as [number, number, number] } },
    "3D": { lut3d: { size: 7, lut: lut3 } },
    shaper: { lut1d: { size: 300, lut: lut1 }, lut3d: { size: 7, lut: lut3 } },
  };
  for (const [name, input] of Object.entries(cases)) {
    const text = formatCubeFile({ title: name, interpolation: "tetrahedral", ...input }, 9);
    const back = parseCubeFile(text, name);
    const e1 = back.lut1d ? maxAbsDiff(back.lut1d.lut, lut1) : 0,
      e3 = back.lut3d ? maxAbsDiff(back.lut3d.lut, lut3) : 0;
    assert(Math.max(e1, e3) <= 5e-10, `${name}: ${e1} ${e3}`);
    assertEquals(back.interpolation, "tetrahedral");
    assertEquals(
      formatCubeFile({ ...back, lut1d: back.lut1d, lut3d: back.lut3d }, 9),
      text,
      `${name}: second round`,
    );
    console.log(
      `.cube ${name}: first round max error ${
        Math.max(e1, e3).toExponential(2)
      } (9 decimals), second round identical text`,
    );
  }
});

Deno.test("Hald CLUT PNG round trips (8/16-bit, levels 2..8): <= 0.5 LSB, then bit-exact; red fastest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lutlab-hald-" });
  try {
    for (const level of [2, 4, 8]) {
      const dim = level * level, lut = lutWithOvershoot(dim, level);
      const img = lutToHald(lut, dim);
      assertEquals([img.width, img.height], [level ** 3, level ** 3]);
      // pixel (x, y) = r + D·g + D²·b: the red axis varies fastest along the first row
      const at = (r: number, g: number, b: number) => r + dim * g + dim * dim * b;
      assertEquals(img.data[at(1, 0, 0)], lut[1]);
      for (const bits of [8, 16] as const) {
        const path = join(dir, `l${level}_${bits}.png`);
        await writeHald(path, lut, dim, bits);
        const back = await readHald(path);
        assertEquals(back.size, dim);
        const err = errClamped(back.lut, lut), lsb = 1 / (2 ** bits - 1);
        assert(err <= 0.5 * lsb + 1e-7, `level ${level} ${bits}-bit: ${err}`);
        const again = join(dir, `again_${level}_${bits}.png`);
        await writeHald(again, back.lut, dim, bits);
        assertEquals(maxAbsDiff((await readHald(again)).lut, back.lut), 0);
        console.log(
          `Hald level ${level} (${dim}^3) ${bits}-bit: first round ${
            (err / lsb).toFixed(3)
          } LSB (bound 0.5), second round exact`,
        );
      }
    }
    assertEquals([haldLevel(33), haldLevel(64), haldLevel(36)], [undefined, 8, 6]);
    assertThrows(() => lutToHald(randomLut(1, 33, 1), 33), Error, "D = L²");
    assertThrows(
      () => haldToLut({ data: new Float32Array(3 * 100), channels: 3, height: 10, width: 10 }, "x.png"),
      Error,
      "x.png: a Hald CLUT of level L is an L³×L³ image",
    );
    await assertRejects(() => writeHald(join(dir, "x.jpg"), randomLut(1, 4, 1), 4), Error, "written as .png");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(".3dl round trips (8/10/12/16-bit, sizes 2, 17, 33, 10): <= 0.5 LSB, then bit-exact; blue fastest", () => {
  for (const dim of [2, 17, 33, 10]) {
    const lut = lutWithOvershoot(dim, dim);
    for (const bits of [8, 10, 12, 16]) {
      const text = format3dl(lut, dim, { bits, interpolation: "trilinear", title: "t" });
      const back = parse3dl(text, "t.3dl");
      assertEquals([back.size, back.bits, back.interpolation], [dim, bits, "trilinear"]);
      const err = errClamped(back.lut, lut), lsb = 1 / (2 ** bits - 1);
      assert(err <= 0.5 * lsb + 1e-7, `D ${dim} ${bits}-bit: ${err}`);
      assertEquals(format3dl(back.lut, dim, { bits, interpolation: "trilinear", title: "t" }), text);
      if (dim === 17) {
        console.log(
          `.3dl 17^3 ${bits}-bit: first round ${
            (err / lsb).toFixed(3)
          } LSB (bound 0.5), second round identical text`,
        );
      }
    }
  }
  // row 1 is (r, g, b) = (0, 0, 1): blue varies fastest; the mesh line is 10-bit
  const l5 = randomLut(1, 5, 5), q = (v: number) => Math.round(v * 4095);
  const lines = format3dl(l5, 5, { bits: 12 }).trim().split("\n");
  assertEquals(lines.slice(0, 3), ["3DMESH", "Mesh 2 12", "0 256 512 767 1023"]);
  const row1 = lines[4].split(" ").map(Number), at = 5 * 5; // index of (r, g, b) = (0, 0, 1)
  assertEquals(row1, [q(l5[at]), q(l5[125 + at]), q(l5[250 + at])]);
  // Flame-style: no Mesh line, bit depth from the largest value (as OpenColorIO infers it)
  const fl = parse3dl(lines.filter((l) => !/^(3DMESH|Mesh)/.test(l)).join("\n"), "flame.3dl");
  assertEquals(fl.bits, 12);
  assertEquals(maxAbsDiff(fl.lut, parse3dl(lines.join("\n"), "x").lut), 0);
});

Deno.test({
  name: "ffmpeg agrees on the orders: haldclut on our Hald PNG, lut3d on our (Flame) .3dl",
  ignore: !hasFfmpeg,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lutlab-ffmpeg-fmt-" });
    try {
      const H = 12, W = 20, r = rng(9), img = Float32Array.from({ length: 3 * H * W }, () => r());
      const shape = { batch: 1, height: H, width: W };
      // Hald level 4 (16^3), 16-bit
      const hald = join(dir, "h.png"), lut16 = randomLut(1, 16, 3);
      await writeHald(hald, lut16, 16, 16);
      const back = (await readHald(hald)).lut;
      for (const mode of ["trilinear", "tetrahedral"] as const) {
        const ff = await ffmpegFloat(dir, img, H, W, `[0][1]haldclut=interp=${mode}`, ["-i", hald]);
        const err = maxAbsDiff(ff, applyLut3d(img, back, { ...shape, dim: 16 }, mode));
        // the same image read as if blue were fastest (r and b axes swapped): far off
        const swapped = maxAbsDiff(ff, applyLut3d(img, swapRB(back, 16), { ...shape, dim: 16 }, mode));
        console.log(
          `ffmpeg haldclut ${mode} vs ours on the same Hald PNG: max ${err.toExponential(2)} ` +
            `(read blue-fastest instead: ${swapped.toFixed(3)})`,
        );
        // ffmpeg converts the 16-bit clut image to the float frame format first (not bit-exact)
        assert(err <= 1e-3 && swapped > 0.05, `haldclut ${mode}: ${err}, swapped ${swapped}`);
      }
      // .3dl: ffmpeg reads only 17^3 files without a Lustre header and divides by 4096 (its FIXME)
      const l17 = randomLut(1, 17, 4), path = join(dir, "f.3dl");
      const text = format3dl(l17, 17, { bits: 12 }).split("\n").filter((l) => !/^(3DMESH|Mesh)/.test(l)).join(
        "\n",
      );
      await Deno.writeTextFile(path, text);
      const ours = parse3dl(text, path).lut.map((v) => v * 4095 / 4096);
      for (const mode of ["trilinear", "tetrahedral"] as const) {
        const ff = await ffmpegFloat(dir, img, H, W, `lut3d=file=${path}:interp=${mode}`);
        const err = maxAbsDiff(ff, applyLut3d(img, ours, { ...shape, dim: 17 }, mode));
        console.log(
          `ffmpeg lut3d ${mode} vs ours on the same .3dl (ffmpeg's /4096 applied): max ${
            err.toExponential(2)
          }`,
        );
        assert(err <= 1e-5, `3dl ${mode}: ${err}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("resampleLut3d reproduces the LUT on its own lattice and a trilinear-exact (affine) LUT anywhere", () => {
  const lut = randomLut(1, 5, 7);
  assert(maxAbsDiff(resampleLut3d(lut, 5, 5, "trilinear"), lut) <= 1e-6);
  const affine = (n: number) =>
    Float32Array.from({ length: 3 * n ** 3 }, (_, i) => {
      const c = Math.floor(i / n ** 3), p = i % n ** 3;
      const x = [p % n, Math.floor(p / n) % n, Math.floor(p / n / n)].map((v) => v / (n - 1));
      return 0.1 + 0.5 * x[c] + 0.2 * x[(c + 1) % 3];
    });
  assert(maxAbsDiff(resampleLut3d(affine(5), 5, 16, "tetrahedral"), affine(16)) <= 1e-6);
});

Deno.test("bad LUT files: clear errors naming the file and line", async () => {
  const rows = (n: number) => Array.from({ length: n }, () => "0 0 0").join("\n");
  const cases: [string, string][] = [
    ["LUT_1D_SIZE 1\n" + rows(1), "a.cube:1: LUT_1D_SIZE must be an integer in 2..65536"],
    ["LUT_1D_SIZE 65537\n" + rows(2), "b.cube:1: LUT_1D_SIZE must be an integer in 2..65536"],
    ["LUT_3D_SIZE 257\n" + rows(8), "c.cube:1: LUT_3D_SIZE must be an integer in 2..256"],
    [
      "LUT_1D_SIZE 4\nLUT_3D_SIZE 2\n" + rows(11),
      "d.cube: LUT_1D_SIZE 4 + LUT_3D_SIZE 2 expects 12 rows, got 11",
    ],
    [
      "LUT_1D_SIZE 4\nLUT_3D_SIZE 2\n" + rows(13),
      "e.cube: LUT_1D_SIZE 4 + LUT_3D_SIZE 2 expects 12 rows, got 13",
    ],
    ["LUT_1D_SIZE 4\n" + rows(3), "f.cube: LUT_1D_SIZE 4 expects 4 rows, got 3"],
    ["LUT_1D_SIZE 2\nLUT_2D_SIZE 4\n" + rows(2), "g.cube:2: unknown keyword LUT_2D_SIZE"],
    ["LUT_1D_SIZE 2\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\n" + rows(10), "h.cube:3: DOMAIN_MIN is ambiguous"],
    [
      "LUT_3D_SIZE 2\nLUT_1D_INPUT_RANGE 0 1\n" + rows(8),
      "i.cube:2: LUT_1D_INPUT_RANGE without LUT_1D_SIZE",
    ],
    [
      "LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 1 0\n" + rows(2),
      "j.cube: LUT_1D_INPUT_RANGE 1 0: the minimum must be below",
    ],
    ["LUT_1D_SIZE 2\nLUT_1D_SIZE 2\n" + rows(2), "k.cube:2: LUT_1D_SIZE given twice (first on line 1)"],
    ["# LUTLAB_INTERPOLATION cubic\nLUT_1D_SIZE 2\n" + rows(2), "l.cube:1: LUTLAB_INTERPOLATION must be"],
    ["LUT_1D_SIZE 2\n" + rows(1) + "\nLUT_3D_SIZE 2\n" + rows(1), "m.cube"],
    ["LUT_1D_SIZE 2\nDOMAIN_MIN 0 0\n" + rows(2), "n.cube:2: DOMAIN_MIN needs 3 decimal numbers"],
    [
      "LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 0 1\nDOMAIN_MAX 1 1 1\n" + rows(2),
      "o.cube:2: LUT_1D_INPUT_RANGE and DOMAIN_MIN/DOMAIN_MAX",
    ],
    ['LUT_1D_SIZE 2\n0 0 0\nTITLE "x"\n1 1 1\n', "q.cube:3: keyword TITLE after the data rows"],
  ];
  for (const [text, want] of cases) {
    const name = want.slice(0, want.indexOf(".cube") + 5);
    assertThrows(() => parseCubeFile(text, name), Error, want, name);
  }
  assertThrows(() => parseCube("LUT_1D_SIZE 2\n" + rows(2), "p.cube"), Error, "p.cube: has a 1D table");
  const d = (n: number) => Array.from({ length: n }, () => "0 0 4095").join("\n");
  const mesh = "0 256 512 767 1023";
  const bad3dl: [string, string][] = [
    [mesh + "\n" + d(124), "a.3dl: an input mesh of 5 points expects 125 rows, got 124"],
    [d(26), "b.3dl: the row count must be D³"],
    [mesh + "\n" + d(3) + "\n1 2\n" + d(121), "c.3dl:5: expected 3 integers per row, got 2"],
    ["FOO\n" + mesh + "\n" + d(125), 'd.3dl:1: unknown keyword "FOO"'],
    ["0 100 512 767 1023\n" + d(125), 'e.3dl: the input mesh "0 100 512 767 1023" is not uniform'],
    ["Mesh 4\n" + mesh + "\n" + d(125), "f.3dl:1: Mesh needs"],
    [mesh + "\n" + d(3) + "\n" + mesh + "\n" + d(122), "g.3dl:5: a second input mesh line"],
    [mesh + "\n" + d(3) + "\n0 -1 5\n" + d(121), "h.3dl:5: unknown keyword"],
  ];
  for (const [text, want] of bad3dl) assertThrows(() => parse3dl(text, want.slice(0, 5)), Error, want);
  await assertRejects(() => readLutFile("grade.lut"), Error, 'grade.lut: unknown LUT file type ".lut"');
  assertThrows(() => format3dl(randomLut(1, 3, 1), 3, { bits: 14 }), Error, "bits must be 8, 10, 12 or 16");
  assertThrows(
    () =>
      formatCubeFile({
        lut1d: { size: 2, lut: new Float32Array(6) },
        lut3d: { size: 2, lut: new Float32Array(24), domainMin: [0, 0.1, 0] },
      }),
    Error,
    "LUT_3D_INPUT_RANGE needs the same range",
  );
});

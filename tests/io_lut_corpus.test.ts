// A corpus of small, real-world-shaped .cube files written here (no third-party files): Resolve-style 3D
// and shaper (1D + 3D) exports, Photoshop-style exports (TITLE, # comments, CRLF), Adobe 1D files (sizes 2,
// 1024, 65536, non-default DOMAIN, values outside [0,1]), 3D sizes 2 and 65 with a non-default DOMAIN, a
// BOM with blank lines and comments between rows, and exponent notation. Each file is parsed (tables equal
// to the written decimals, bit for bit) and applied through the native kernels (lib/lut/lut_file.ts)
// against a plain TypeScript reference (lut1d_ref / lut3d_ref with the domain mapping written out here),
// trilinear and tetrahedral; where ffmpeg is installed, its lut1d / lut3d filters are compared too and
// asserted where ffmpeg is right (default domain; its non-default-domain error is printed).
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { type CubeFile, parseCubeFile } from "../lib/formats/cube.ts";
import { applyLutStages } from "../lib/lut/lut_file.ts";
import { lut1dForwardRef } from "../lib/lut/lut1d_ref.ts";
import { lut3dForwardRef, type Lut3dMode } from "../lib/lut/lut3d_ref.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";
import { ffmpegFloat, hasFfmpeg } from "./lut_ffmpeg_util.ts";

type Vec3 = [number, number, number];
type Table = { size: number; lo: Vec3; hi: Vec3; lut: Float32Array };
/** One corpus file: its text and the tables it must parse to (values as written, float32). */
type Entry = { name: string; text: string; t1?: Table; t3?: Table; ffmpeg?: "lut1d" | "lut3d" };

const fmt = (d: number) => (v: number) => v.toFixed(d);
const rows = (t: Table, n: number, f: (v: number) => string) =>
  Array.from({ length: n }, (_, i) => `${f(t.lut[i])} ${f(t.lut[n + i])} ${f(t.lut[2 * n + i])}`);

/** A table whose values are the decimals `f` writes (so parsing must give them back exactly). */
function table(size: number, dims: 1 | 3, lo: Vec3, hi: Vec3, f: (v: number) => string, seed: number): Table {
  const r = rng(seed), n = size ** dims, lut = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const x = dims === 1
        ? i / (size - 1)
        : [i % size, Math.floor(i / size) % size, Math.floor(i / size / size)][c] / (size - 1);
      lut[c * n + i] = Number(f(Math.pow(x, 0.8 + 0.2 * c) * 1.1 - 0.05 + (r() - 0.5) * 0.04));
    }
  }
  return { size, lo, hi, lut };
}

const U: Vec3 = [0, 0, 0], O: Vec3 = [1, 1, 1];

function corpus(): Entry[] {
  const out: Entry[] = [];
  { // DaVinci Resolve 3D export: 10 decimals, LUT_3D_INPUT_RANGE, a blank line before the rows
    const f = fmt(10), t3 = table(33, 3, U, O, f, 1);
    const text = [
      "# Resolve LUT export",
      "LUT_3D_SIZE 33",
      "LUT_3D_INPUT_RANGE 0.0000000000 1.0000000000",
      "",
      ...rows(t3, 33 ** 3, f),
    ];
    out.push({ name: "resolve33.cube", text: text.join("\n") + "\n", t3, ffmpeg: "lut3d" });
  }
  { // Photoshop export: CRLF, # comments, TITLE, DOMAIN, 6 decimals, size 32
    const f = fmt(6), t3 = table(32, 3, U, O, f, 2);
    const text = [
      "#Created by: Adobe Photoshop Export Color Lookup Plugin",
      'TITLE "Warm Film"',
      "",
      "#LUT size",
      "LUT_3D_SIZE 32",
      "",
      "#data domain",
      "DOMAIN_MIN 0.0 0.0 0.0",
      "DOMAIN_MAX 1.0 1.0 1.0",
      "",
      "#LUT data points",
      ...rows(t3, 32 ** 3, f),
    ];
    out.push({ name: "photoshop32.cube", text: text.join("\r\n") + "\r\n", t3, ffmpeg: "lut3d" });
  }
  { // Resolve shaper export: 1D 4096 over a log-like input range, then a 17^3 table
    const f = fmt(10), t1 = table(4096, 1, [-0.0125, -0.0125, -0.0125], [1.0125, 1.0125, 1.0125], f, 3);
    const t3 = table(17, 3, U, O, f, 4);
    const text = [
      "# Resolve shaper LUT",
      "LUT_1D_SIZE 4096",
      "LUT_1D_INPUT_RANGE -0.0125000000 1.0125000000",
      "LUT_3D_SIZE 17",
      "LUT_3D_INPUT_RANGE 0.0000000000 1.0000000000",
      "",
      ...rows(t1, 4096, f),
      ...rows(t3, 17 ** 3, f),
    ];
    out.push({ name: "resolve_shaper.cube", text: text.join("\n") + "\n", t1, t3 });
  }
  { // shaper with a non-default 3D input range (shaper output in [0, 2])
    const f = fmt(7),
      t1 = table(256, 1, U, O, (v) => f(2 * v), 5),
      t3 = table(9, 3, [0, 0, 0], [2, 2, 2], f, 6);
    const text = [
      "LUT_3D_SIZE 9",
      "LUT_3D_INPUT_RANGE 0 2",
      "LUT_1D_SIZE 256",
      ...rows(t1, 256, f),
      ...rows(t3, 729, f),
    ];
    out.push({ name: "shaper_range.cube", text: text.join("\n"), t1, t3 });
  }
  { // Adobe 1D, size 1024, overshoot outside [0,1], TITLE and DOMAIN
    const f = fmt(6), t1 = table(1024, 1, U, O, f, 7);
    const text = [
      'TITLE "Curve 1D"',
      "LUT_1D_SIZE 1024",
      "DOMAIN_MIN 0 0 0",
      "DOMAIN_MAX 1 1 1",
      ...rows(t1, 1024, f),
    ];
    out.push({ name: "adobe1d_1024.cube", text: text.join("\n") + "\n", t1, ffmpeg: "lut1d" });
  }
  { // Adobe 1D, size 2 (the smallest)
    const f = fmt(4), t1 = table(2, 1, U, O, f, 8);
    out.push({
      name: "adobe1d_2.cube",
      text: ["LUT_1D_SIZE 2", ...rows(t1, 2, f)].join("\n"),
      t1,
      ffmpeg: "lut1d",
    });
  }
  { // Adobe 1D, size 65536 (the largest), exponent notation
    const f = (v: number) => v.toExponential(6), t1 = table(65536, 1, U, O, f, 9);
    out.push({
      name: "adobe1d_65536.cube",
      text: ["LUT_1D_SIZE 65536", ...rows(t1, 65536, f)].join("\n"),
      t1,
      ffmpeg: "lut1d",
    });
  }
  { // Adobe 1D with a per-channel non-default DOMAIN
    const f = fmt(6), lo: Vec3 = [-0.1, 0, 0.05], hi: Vec3 = [1.5, 2, 1];
    const t1 = table(512, 1, lo, hi, f, 10);
    const text = [
      "LUT_1D_SIZE 512",
      `DOMAIN_MIN ${lo.join(" ")}`,
      `DOMAIN_MAX ${hi.join(" ")}`,
      ...rows(t1, 512, f),
    ];
    out.push({ name: "adobe1d_domain.cube", text: text.join("\n"), t1, ffmpeg: "lut1d" });
  }
  { // 3D size 2 and 65, an HDR-style non-default DOMAIN
    const f = fmt(6);
    const t2 = table(2, 3, U, O, f, 11);
    out.push({
      name: "tiny2.cube",
      text: ["LUT_3D_SIZE 2", ...rows(t2, 8, f)].join("\n"),
      t3: t2,
      ffmpeg: "lut3d",
    });
    const lo: Vec3 = [-0.25, -0.25, -0.25], hi: Vec3 = [4, 4, 4], t65 = table(65, 3, lo, hi, f, 12);
    const text = [
      "LUT_3D_SIZE 65",
      "DOMAIN_MIN -0.25 -0.25 -0.25",
      "DOMAIN_MAX 4 4 4",
      ...rows(t65, 65 ** 3, f),
    ];
    out.push({ name: "hdr65.cube", text: text.join("\n"), t3: t65, ffmpeg: "lut3d" });
  }
  { // BOM, CRLF, blank lines and comments between the rows
    const f = fmt(6), t3 = table(5, 3, U, O, f, 13), r = rows(t3, 125, f);
    const body = r.flatMap((l, i) => i % 17 === 3 ? ["", "# a comment between rows", l] : [l]);
    out.push({
      name: "bom_crlf.cube",
      text: "\uFEFF# BOM first\r\n\r\nLUT_3D_SIZE 5\r\n" + body.join("\r\n") + "\r\n\r\n",
      t3,
      ffmpeg: "lut3d",
    });
  }
  return out;
}

/**
 * The reference: each table's domain mapped to [0,1] (written out here), then lut1d_ref / lut3d_ref.
 * `asFfmpeg` maps x to x·min(1, 1/(max-min)) instead: how ffmpeg's lut1d/lut3d read a domain (no
 * DOMAIN_MIN offset, the scale clipped to 1).
 */
function reference(img: Float32Array, hw: number, e: Entry, mode: Lut3dMode, asFfmpeg = false): Float32Array {
  const unit = (x: number, lo: number, hi: number) =>
    asFfmpeg ? x * Math.min(1, 1 / (hi - lo)) : (x - lo) / (hi - lo);
  let x = img;
  for (const [t, dims] of [[e.t1, 1], [e.t3, 3]] as const) {
    if (!t) continue;
    const m = Float32Array.from(x, (v, i) => unit(v, t.lo[Math.floor(i / hw)], t.hi[Math.floor(i / hw)]));
    x = dims === 1
      ? lut1dForwardRef(m, t.lut, { batch: 1, height: 1, width: hw, size: t.size, lutBatch: 1 })
      : lut3dForwardRef(m, t.lut, { batch: 1, height: 1, width: hw, dim: t.size, lutBatch: 1 }, mode);
  }
  return x;
}

/** Test colours over the file's whole input domain and beyond it, with its lattice points. */
function colours(e: Entry, hw: number, seed: number, margin: number): Float32Array {
  const r = rng(seed), t = e.t1 ?? e.t3!, img = new Float32Array(3 * hw);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < hw; p++) {
      const k = p % 7 === 0 ? Math.floor(r() * t.size) / (t.size - 1) : r() * (1 + 2 * margin) - margin;
      img[c * hw + p] = t.lo[c] + k * (t.hi[c] - t.lo[c]);
    }
  }
  return img;
}

function sameTable(
  name: string,
  got: { size: number; domainMin: Vec3; domainMax: Vec3; lut: Float32Array } | undefined,
  want: Table | undefined,
) {
  assertEquals(got === undefined, want === undefined, `${name}: table presence`);
  if (!got || !want) return;
  assertEquals([got.size, got.domainMin, got.domainMax], [want.size, want.lo, want.hi], name);
  assertEquals(maxAbsDiff(got.lut, want.lut), 0, `${name}: values`);
}

const H = 16, W = 24, HW = H * W;

Deno.test("LUT corpus: every file parses to its tables and applies like the TypeScript reference", () => {
  for (const e of corpus()) {
    const file: CubeFile = parseCubeFile(e.text, e.name);
    sameTable(`${e.name} 1D`, file.lut1d, e.t1);
    sameTable(`${e.name} 3D`, file.lut3d, e.t3);
    const img = colours(e, HW, 31, 0.1);
    img[5] = NaN;
    const errs = [];
    for (const mode of ["trilinear", "tetrahedral"] as const) {
      const got = applyLutStages({ data: img, channels: 3, height: H, width: W }, file, mode).data;
      const err = maxAbsDiff(got, reference(img, HW, e, mode));
      assert(err <= 1e-6, `${e.name} ${mode}: max abs error ${err}`);
      errs.push(`${mode} ${err.toExponential(1)} (${(err * 255).toFixed(5)} LSB8)`);
      if (!e.t3) break; // 1D only: the mode does not matter
    }
    console.log(
      `${e.name}: ${
        [e.t1 && `1D ${e.t1.size}`, e.t3 && `3D ${e.t3.size}`].filter(Boolean).join(" + ")
      }; max |kernel - reference|: ${errs.join(", ")}`,
    );
  }
});

Deno.test({
  name: "LUT corpus vs ffmpeg lut1d / lut3d (gbrpf32le): equal where ffmpeg handles the file's domain",
  ignore: !hasFfmpeg,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lutlab-corpus-" });
    const refused: string[] = [];
    try {
      for (const e of corpus().filter((e) => e.ffmpeg)) {
        const path = join(dir, e.name);
        await Deno.writeTextFile(path, e.text);
        const file = parseCubeFile(e.text, e.name), img = colours(e, HW, 41, 0);
        const t = (e.t1 ?? e.t3)!, plain = t.lo.every((v) => v === 0) && t.hi.every((v) => v === 1);
        const modes: Lut3dMode[] = e.ffmpeg === "lut1d" ? ["trilinear"] : ["trilinear", "tetrahedral"];
        for (const mode of modes) {
          const vf = e.ffmpeg === "lut1d"
            ? `lut1d=file=${path}:interp=linear`
            : `lut3d=file=${path}:interp=${mode}`;
          const ff = await ffmpegFloat(dir, img, H, W, vf).catch((err: Error) => err);
          if (ff instanceof Error) {
            refused.push(e.name);
            console.log(`${e.name}: ffmpeg ${e.ffmpeg} refuses the file: ${ff.message.split("\n").at(-2)}`);
            break;
          }
          const ours = applyLutStages({ data: img, channels: 3, height: H, width: W }, file, mode).data;
          const err = maxAbsDiff(ff, ours);
          console.log(
            `${e.name} ${e.ffmpeg}${e.ffmpeg === "lut3d" ? ` ${mode}` : ""}: max |ffmpeg - ours| = ${
              err.toExponential(2)
            }${plain ? "" : " (non-default domain: not asserted)"}`,
          );
          if (plain) assert(err <= 1e-5, `${e.name} ${mode}: ${err}`);
          else {
            // the difference is ffmpeg's reading of the domain: x·min(1, 1/(max-min)), no offset
            const asFfmpeg = maxAbsDiff(ff, reference(img, HW, e, mode, true));
            console.log(
              `  ffmpeg vs the reference without the DOMAIN_MIN offset: ${asFfmpeg.toExponential(2)}`,
            );
            assert(
              asFfmpeg <= 1e-5,
              `${e.name}: ffmpeg's domain reading is not x·min(1, 1/(max-min)): ${asFfmpeg}`,
            );
          }
        }
      }
      // ffmpeg does not know Resolve's LUT_3D_INPUT_RANGE keyword: only that file may be refused
      assertEquals(refused, ["resolve33.cube"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

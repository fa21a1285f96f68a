// The grayscale restoration protocol (lib/sr/gray_protocol.ts) on a grayscale conversion of Set14 made
// here (Set12/BSD68/Classic5/LIVE1 are not in the shared data): single-channel reads (gray as stored, colour
// as rounded MATLAB Y; flat and HR/ layouts), JPEG degradation deterministic and pixel-identical to
// libjpeg-turbo's cjpeg -baseline (luminance table = IJG's scaled by libjpeg's quality formula), seeded
// noise, PSNR-B against an independent numpy implementation of the papers' bPSNR, the evaluation of a tiny
// trained model through the CLIs, and the denoise/deblock presets.
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "@std/path";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { encodeImage, type Image, readImage, writeImage } from "../lib/image/io.ts";
import { psnr } from "../lib/image/metrics.ts";
import { blockingEffectFactor, psnrB } from "../lib/image/psnrb.ts";
import { loadSrConfig, parseSrConfig } from "../lib/sr/config.ts";
import { degrade } from "../lib/sr/core/degrade.ts";
import { cleanFolder, evalGray, readGray } from "../lib/sr/gray_protocol.ts";
import { SrModel } from "../lib/sr/core/model.ts";
import { buildSrModel, DEFAULT_MODEL } from "../lib/sr/models/models.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { listImages } from "../lib/image/files.ts";
import { runCliProcess } from "./cli_util.ts";

const set14 = sharedPath("SRBenchmark", "Set14", "HR");

/** Writes the grayscale conversion of Set14 (rounded MATLAB Y, 1-channel PNGs) into `dir`; returns the names. */
async function graySet14(dir: string): Promise<string[]> {
  const names = await listImages(set14!);
  for (const n of names) {
    await writeImage(join(dir, n.replace(/\.[^.]+$/, ".png")), await readGray(join(set14!, n)));
  }
  return names;
}

function crop(img: Image, h: number, w: number): Image {
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(y * img.width, y * img.width + w), y * w);
  return { data, channels: 1, height: h, width: w };
}

function which(cmd: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** The 64 luminance quantisation entries (table 0, natural order irrelevant here) of a baseline JPEG. */
function lumaTable(jpeg: Uint8Array): number[] {
  for (let i = 2; i + 4 < jpeg.length;) {
    if (jpeg[i] !== 0xff) throw new Error(`JPEG marker expected at ${i}`);
    const marker = jpeg[i + 1], len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (marker === 0xdb && (jpeg[i + 4] & 0x0f) === 0) {
      assertEquals(jpeg[i + 4] >> 4, 0, "8-bit (baseline) table");
      return Array.from(jpeg.subarray(i + 5, i + 69));
    }
    i += 2 + len;
  }
  throw new Error("no DQT for table 0");
}

/** IJG's Annex K luminance table scaled as libjpeg's jpeg_set_quality(q, force_baseline = TRUE). */
function ijgLuma(q: number): number[] {
  const base = [
    16,
    11,
    10,
    16,
    24,
    40,
    51,
    61,
    12,
    12,
    14,
    19,
    26,
    58,
    60,
    55,
    14,
    13,
    16,
    24,
    40,
    57,
    69,
    56,
    14,
    17,
    22,
    29,
    51,
    87,
    80,
    62,
    18,
    22,
    37,
    56,
    68,
    109,
    103,
    77,
    24,
    35,
    55,
    64,
    81,
    104,
    113,
    92,
    49,
    64,
    78,
    87,
    103,
    121,
    120,
    101,
    72,
    92,
    95,
    98,
    112,
    100,
    103,
    99,
  ];
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** JPEG zigzag order → natural (row-major) index. */
const ZIGZAG = [
  0,
  1,
  8,
  16,
  9,
  2,
  3,
  10,
  17,
  24,
  32,
  25,
  18,
  11,
  4,
  5,
  12,
  19,
  26,
  33,
  40,
  48,
  41,
  34,
  27,
  20,
  13,
  6,
  7,
  14,
  21,
  28,
  35,
  42,
  49,
  56,
  57,
  50,
  43,
  36,
  29,
  22,
  15,
  23,
  30,
  37,
  44,
  51,
  58,
  59,
  52,
  45,
  38,
  31,
  39,
  46,
  53,
  60,
  61,
  54,
  47,
  55,
  62,
  63,
];

Deno.test({
  name: "single-channel reads: gray PNG as stored, colour as rounded MATLAB Y; flat and HR/ layouts",
  ignore: !set14,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sr_gray_read" });
    try {
      const names = await graySet14(join(dir, "Set14"));
      assertEquals(names.length, 14);
      const rgb = await readImage(join(set14!, names[0]), { channels: 3 });
      const g = await readGray(join(set14!, names[0]));
      assertEquals([g.channels, g.height, g.width], [1, rgb.height, rgb.width]);
      const n = g.height * g.width, d = rgb.data;
      for (let i = 0; i < n; i += 97) {
        // MATLAB rgb2ycbcr on uint8: round(16 + (65.481 R + 128.553 G + 24.966 B) / 255), R, G, B in 0..255
        const y = Math.round(
          16 + (65.481 * d[i] * 255 + 128.553 * d[n + i] * 255 + 24.966 * d[2 * n + i] * 255) / 255,
        );
        assertAlmostEquals(g.data[i] * 255, y, 1e-4);
      }
      const file = join(dir, "Set14", names[0].replace(/\.[^.]+$/, ".png"));
      const back = await readImage(file);
      assertEquals(back.channels, 1, "written as a 1-channel PNG");
      assertEquals(await readGray(file), g);
      // layouts: a flat folder, or a set folder with HR/
      assertEquals(await cleanFolder(join(dir, "Set14")), join(dir, "Set14"));
      await Deno.mkdir(join(dir, "Nested", "HR"), { recursive: true });
      assertEquals(await cleanFolder(join(dir, "Nested")), join(dir, "Nested", "HR"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "JPEG degradation of a gray plane: deterministic, IJG luminance table, pixels of cjpeg -baseline",
  ignore: !set14,
  async fn() {
    const g = crop(await readGray(join(set14!, (await listImages(set14!))[1])), 128, 136);
    const cjpeg = which("cjpeg") && which("djpeg");
    if (!cjpeg) {
      console.log("cjpeg/djpeg (Debian libjpeg-turbo-progs) absent: the peer comparison is skipped");
    }
    let prev = 0;
    for (const q of [10, 20, 30, 40]) {
      const a = await degrade(g, { kind: "jpeg", quality: q }),
        b = await degrade(g, { kind: "jpeg", quality: q }, 5);
      assertEquals(a, b, "JPEG is deterministic (the seed plays no part)");
      assertEquals([a.channels, a.height, a.width], [1, 128, 136]);
      const p = psnr(g, a);
      assert(p > prev, `q${q}: ${p} dB after ${prev}`);
      prev = p;
      const bytes = await encodeImage(g, "jpeg", { quality: q });
      const natural = new Array(64);
      lumaTable(bytes).forEach((v, k) => natural[ZIGZAG[k]] = v);
      assertEquals(natural, ijgLuma(q), `q${q}: luminance table`);
      if (cjpeg) {
        const pgm = new Uint8Array([
          ...new TextEncoder().encode(`P5\n${g.width} ${g.height}\n255\n`),
          ...Uint8Array.from(g.data, (v) => Math.round(v * 255)),
        ]);
        const c = new Deno.Command("sh", {
          args: ["-c", `cjpeg -baseline -quality ${q} | djpeg -pnm`],
          stdin: "piped",
          stdout: "piped",
        }).spawn();
        const w = c.stdin.getWriter();
        await w.write(pgm);
        await w.close();
        const out = (await c.output()).stdout, pix = out.subarray(out.length - g.width * g.height);
        assertEquals(
          Array.from(pix),
          Array.from(a.data, (v) => Math.round(v * 255)),
          `q${q}: vs cjpeg/djpeg`,
        );
      }
    }
  },
});

Deno.test("Gaussian noise with a seed: reproducible, differs across seeds, σ/255 on an 8-bit grid", async () => {
  const h = 96,
    w = 96,
    img: Image = { data: new Float32Array(h * w).fill(128 / 255), channels: 1, height: h, width: w };
  const a = await degrade(img, { kind: "noise", sigma: 25 }, 3);
  assertEquals(a, await degrade(img, { kind: "noise", sigma: 25 }, 3));
  assertNotEquals(a.data, (await degrade(img, { kind: "noise", sigma: 25 }, 4)).data);
  let s = 0, ss = 0;
  for (const v of a.data) {
    const d = Math.round(v * 255) - 128;
    assertAlmostEquals(v * 255 - 128, d, 1e-4);
    s += d, ss += d * d;
  }
  const n = a.data.length, mean = s / n, sd = Math.sqrt(ss / n - mean * mean);
  assert(Math.abs(mean) < 1 && Math.abs(sd - 25) < 1.5, `noise mean ${mean}, sd ${sd}`);
});

Deno.test({
  name: "PSNR-B equals an independent numpy implementation of the papers' bPSNR",
  ignore: !set14 || !which("python3"),
  async fn() {
    const g = crop(await readGray(join(set14!, (await listImages(set14!))[2])), 100, 121); // W not a multiple of 8
    const j = await degrade(g, { kind: "jpeg", quality: 10 });
    const dir = await Deno.makeTempDir({ prefix: "sr_psnrb" });
    try {
      const f64 = (im: Image) => new Uint8Array(Float64Array.from(im.data).buffer);
      await Deno.writeFile(join(dir, "ref.f64"), f64(g));
      await Deno.writeFile(join(dir, "test.f64"), f64(j));
      // numpy transcription of SPF-LUT+AutoLUT common/utils.py bPSNR / _blocking_effect_factor (B = 8)
      const py = `
import numpy as np, sys
h, w = ${g.height}, ${g.width}
ref = np.fromfile(sys.argv[1]).reshape(h, w); im = np.fromfile(sys.argv[2]).reshape(h, w)
bh = np.arange(7, w - 1, 8); bv = np.arange(7, h - 1, 8)
hb = ((im[:, bh] - im[:, bh + 1]) ** 2).sum(); vb = ((im[bv, :] - im[bv + 1, :]) ** 2).sum()
nh = np.setdiff1d(np.arange(0, w - 1), bh); nv = np.setdiff1d(np.arange(0, h - 1), bv)
hn = ((im[:, nh] - im[:, nh + 1]) ** 2).sum(); vn = ((im[nv, :] - im[nv + 1, :]) ** 2).sum()
nbh = h * (w // 8 - 1); nbv = w * (h // 8 - 1)
bd = (hb + vb) / (nbh + nbv); nd = (hn + vn) / (h * (w - 1) - nbh + w * (h - 1) - nbv)
bef = np.log2(8) / np.log2(min(h, w)) * (bd - nd) if bd > nd else 0.0
mse = ((ref - im) ** 2).mean()
print(repr(float(10 * np.log10(1 / (mse + bef)))), repr(float(bef)))
`;
      const o = await new Deno.Command("python3", {
        args: ["-c", py, join(dir, "ref.f64"), join(dir, "test.f64")],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(o.success, new TextDecoder().decode(o.stderr));
      const [pb, bef] = new TextDecoder().decode(o.stdout).trim().split(" ").map(Number);
      assert(bef > 0, `JPEG q10 blocks: BEF ${bef}, PSNR-B ${pb}`);
      assertAlmostEquals(blockingEffectFactor(j.data, j.height, j.width), bef, 1e-12);
      assertAlmostEquals(psnrB(g, j), pb, 1e-9);
      assert(psnrB(g, j) < psnr(g, j), "blocking lowers PSNR-B below PSNR");
      assertEquals(blockingEffectFactor(g.data.map(() => 0.5), g.height, g.width), 0);
      assertThrows(() => psnrB(g, { ...g, width: 120 }), Error, "shape mismatch");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a tiny deblocking model trained, exported and evaluated on gray Set14 through the CLIs",
  ignore: !set14,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sr_gray_cli" });
    try {
      await graySet14(join(dir, "bench", "Set14-gray"));
      await Deno.writeTextFile(
        join(dir, "config.toml"),
        `[experiment]\nname = "gray"\ntask = "sr"\n[model]\nkind = "mulut"\nmodes = ["s"]\nstages = 1\n` +
          `upscale = 1\nwidth = 4\n[degradation]\nkind = "jpeg"\nquality = 20\n` +
          `[train]\ndata = "${join(dir, "bench", "Set14-gray")}"\ncrop = 12\nbatch = 8\niterations = 60\n` +
          `lr = 0.01\nlog_every = 20\n[eval]\nprotocol = "gray"\nsets = ["Set14-gray"]\nbenchmark = "${
            join(dir, "bench")
          }"\n` +
          `save_images = false\n`,
      );
      for (const [cli, args] of [["train", ["--quiet"]], ["export", []], ["eval", []]] as const) {
        const r = await runCliProcess(cli, ["-e", dir, ...args]);
        assertEquals(r.code, 0, `${cli}: ${r.text}`);
        if (cli === "eval") console.log(r.out.trim().split("\n").at(-1));
        if (cli === "export") assertStringIncludes(r.text, "quantisation gap on Set14-gray (first 3 images");
      }
      const [s] = JSON.parse(await Deno.readTextFile(join(dir, "eval", "exported.json")));
      assertEquals(s.rows.length, 14);
      for (const k of ["psnr", "ssim", "psnrb", "inputPsnr", "inputSsim", "inputPsnrb"]) {
        assert(
          Number.isFinite(s[k]) && s.rows.every((r: Record<string, number>) => Number.isFinite(r[k])),
          k,
        );
      }
      assert(s.inputPsnr > 25 && s.inputPsnr < 40, `JPEG q20 input ${s.inputPsnr} dB`);
      assert(s.inputPsnrb < s.inputPsnr, "PSNR-B of the JPEG input below its PSNR");
      console.log(
        `gray Set14, JPEG q20: input PSNR ${s.inputPsnr.toFixed(2)} / SSIM ${s.inputSsim.toFixed(4)} / ` +
          `PSNR-B ${s.inputPsnrb.toFixed(2)}; tiny model (60 steps) ${s.psnr.toFixed(2)} / ${
            s.ssim.toFixed(4)
          } / ` +
          `${s.psnrb.toFixed(2)}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The identity as an SR model (upscale 1): the evaluation of the degraded input itself. */
class Identity extends SrModel {
  override forward(x: tf.Tensor3D): tf.Tensor3D {
    return x.clone();
  }
}

Deno.test({
  name: "the evaluation of an identity model scores exactly the degraded input (noise σ 25, JPEG q10)",
  ignore: !set14,
  async fn() {
    await initTf();
    const dir = await Deno.makeTempDir({ prefix: "sr_gray_identity" });
    try {
      await graySet14(join(dir, "Set14-gray"));
      const spec =
        buildSrModel({ ...DEFAULT_MODEL, kind: "mulut", upscale: 1, width: 2, stages: 1, modes: ["s"] })
          .spec;
      const id = new Identity(spec);
      const noise = await evalGray(id, join(dir, "Set14-gray"), { kind: "noise", sigma: 25 }, { limit: 4 });
      const jpeg = await evalGray(id, join(dir, "Set14-gray"), { kind: "jpeg", quality: 10 }, {
        limit: 4,
        outDir: join(dir, "out"),
      });
      for (const s of [noise, jpeg]) {
        assertEquals(s.rows.length, 4);
        assertEquals(s.rows.map((r) => r.psnr), s.rows.map((r) => r.inputPsnr));
        assertEquals(s.rows.map((r) => r.ssim), s.rows.map((r) => r.inputSsim));
      }
      assertEquals(noise.psnrb, undefined);
      assertEquals(jpeg.rows.map((r) => r.psnrb), jpeg.rows.map((r) => r.inputPsnrb));
      // σ 25 on 8-bit images: 20·log10(255/25) = 20.17 dB before clipping and requantisation
      assertAlmostEquals(noise.psnr, 20.17, 0.3);
      const csv = (await Deno.readTextFile(join(dir, "out", "scores.csv"))).trim().split("\n");
      assertEquals(csv[0], "image,psnr,ssim,psnrb,input_psnr,input_ssim,input_psnrb");
      assertEquals(csv.length, 6);
      console.log(
        `gray Set14 (first 4): noisy σ 25 ${noise.psnr.toFixed(2)} dB / ${noise.ssim.toFixed(4)}; ` +
          `JPEG q10 ${jpeg.psnr.toFixed(2)} dB / ${jpeg.ssim.toFixed(4)} / PSNR-B ${
            jpeg.psnrb!.toFixed(2)
          } dB`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("denoise (σ 15/25/50) and deblock (q 10/20/30/40) presets: gray protocol on the papers' sets", async () => {
  for (const sigma of [15, 25, 50]) {
    const c = await loadSrConfig(join(repoRoot, "experiments", `sr-denoise-sigma${sigma}`));
    assertEquals(c.degradation, { kind: "noise", sigma });
    assertEquals([c.model.upscale, c.eval.protocol, c.eval.sets], [1, "gray", ["Set12", "BSD68"]]);
  }
  for (const quality of [10, 20, 30, 40]) {
    const c = await loadSrConfig(join(repoRoot, "experiments", `sr-deblock-q${quality}`));
    assertEquals(c.degradation, { kind: "jpeg", quality });
    assertEquals([c.model.upscale, c.eval.protocol, c.eval.sets], [1, "gray", ["classic5", "LIVE1"]]);
  }
  const f = "x/config.toml";
  assertThrows(
    () => parseSrConfig({ eval: { protocol: "gray" } }, f),
    Error,
    `eval.protocol = "gray" is the restoration protocol`,
  );
  assertThrows(
    () =>
      parseSrConfig({ model: { upscale: 1 }, degradation: { kind: "noise" }, eval: { protocol: "grey" } }, f),
    Error,
    `eval.protocol must be one of "sr", "gray", got "grey"`,
  );
});

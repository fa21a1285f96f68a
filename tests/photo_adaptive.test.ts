/**
 * AdaInt and SepLUT (issue 22): parameter counts equal to the originals' (from their model definitions and
 * from the released state dicts), the imports against an independent PyTorch peer of the original forward
 * passes (tests/photo_adaptive_peer.py, when python3 with torch is present), the committed records
 * experiments/<preset>/published.json against a fresh measurement on the 12 FiveK pairs, the SepLUT shaper
 * .cube, and 2-step trainings of both families through `deno task train`.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { readPth } from "../lib/formats/pth.ts";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { importAdaInt, importSepLut } from "../lib/enhance/models/import_adaptive.ts";
import { ADAINT_PAPER, AdaIntModel } from "../lib/enhance/models/adaint.ts";
import { SEPLUT_VARIANTS, SepLutModel } from "../lib/enhance/models/seplut.ts";
import { expertPairs, measurePreset } from "../lib/bench/adaptive_published.ts";
import { writeImage } from "../lib/image/io.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { runCliProcess, smooth } from "./cli_util.ts";
import { parseCubeFile } from "../lib/formats/cube.ts";

await initTf();
const P = sharedPath("pretrained"), pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const ADAINT = P && join(P, "adaint", "AiLUT-FiveK-sRGB.pth");
const seplutFile = (v: string) => join(P!, "seplut", `SepLUT-FiveK-sRGB-${v}.pth`);

/** Parameters of the original TPAMIBackbone/LightBackbone with multiplier m (convs + InstanceNorm affine). */
function originalTrunk(m: number): number {
  const w = [3, m, 2 * m, 4 * m, 8 * m, 8 * m];
  let n = 0;
  for (let i = 0; i < 5; i++) n += w[i] * w[i + 1] * 9 + w[i + 1] + (i < 4 ? 2 * w[i + 1] : 0);
  return n;
}
/** AiLUT(n_ranks, n_vertices) as adaint/model.py builds it: trunk m=16, LUTGenerator, AdaInt (512 features). */
const originalAdaInt = (n: number, d: number) =>
  originalTrunk(16) + (512 * n + n) + n * 3 * d ** 3 + (512 * 3 * (d - 1) + 3 * (d - 1));
/** SepLUT(n_base_feats, n_vertices_3d, n_vertices_1d) as seplut/model.py builds it (32m features). */
const originalSepLut = (m: number, d3: number, d1: number, n: number) =>
  originalTrunk(m) + (32 * m * n + n) + n * 3 * d3 ** 3 + (32 * m * 3 * d1 + 3 * d1);

Deno.test("AdaInt and SepLUT parameter counts equal the original model definitions", () => {
  const a = new AdaIntModel(ADAINT_PAPER);
  assertEquals(a.paramCount(), originalAdaInt(3, 33));
  assertEquals(a.paramCount(), 619724);
  a.dispose();
  for (const c of Object.values(SEPLUT_VARIANTS)) {
    const s = new SepLutModel(c);
    assertEquals(s.paramCount(), originalSepLut(c.baseFeats, c.dim3d, c.dim1d, c.luts));
    s.dispose();
  }
});

Deno.test({
  name: "imported AdaInt / SepLUT: every tensor used, counts = the state dicts' totals",
  ignore: !P,
  async fn() {
    const total = (s: Map<string, { data: ArrayLike<unknown> }>) =>
      [...s.values()].reduce((n, t) => n + t.data.length, 0);
    const sa = await readPth(ADAINT!);
    const a = importAdaInt(sa, ADAINT!);
    assertEquals(a.paramCount(), total(sa));
    a.dispose();
    for (const [v, c] of Object.entries(SEPLUT_VARIANTS)) {
      const st = await readPth(seplutFile(v));
      const s = importSepLut(st, v);
      assertEquals(s.config, c, v);
      assertEquals(s.paramCount(), total(st), v);
      s.dispose();
    }
  },
});

/** Whether /usr/bin/python3 (the Debian one) imports torch. */
async function torchPeer(): Promise<boolean> {
  try {
    const o = await new Deno.Command("/usr/bin/python3", { args: ["-c", "import torch, numpy"] }).output();
    return o.success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "AdaInt and SepLUT imports = an independent PyTorch peer of the original forward (2 FiveK pairs)",
  ignore: !P || !pairs || !(await torchPeer()),
  async fn() {
    const data = (await expertPairs()).slice(0, 2);
    const dir = await Deno.makeTempDir({ prefix: "adaptive_peer" });
    const cases: [string, string, (img: typeof data[0]["input"]) => Promise<Float32Array>][] = [
      ["adaint", ADAINT!, async (img) => (await adaint.enhanceAdaptive(img)).out.data],
      ...Object.keys(SEPLUT_VARIANTS).map((v, i) =>
        [
          "seplut",
          seplutFile(v),
          async (img: typeof data[0]["input"]) => (await sep[i].enhanceTables(img)).out.data,
        ] as [
          string,
          string,
          (img: typeof data[0]["input"]) => Promise<Float32Array>,
        ]
      ),
    ];
    const adaint = importAdaInt(await readPth(ADAINT!), ADAINT!);
    const sep = await Promise.all(
      Object.keys(SEPLUT_VARIANTS).map(async (v) => importSepLut(await readPth(seplutFile(v)), v)),
    );
    for (const p of data) {
      const fin = join(dir, "in.f32"), fout = join(dir, "out.f32");
      await Deno.writeFile(fin, new Uint8Array(p.input.data.buffer.slice(0)));
      for (const [family, ckpt, ours] of cases) {
        const o = await new Deno.Command("/usr/bin/python3", {
          args: [
            join(repoRoot, "tests", "photo_adaptive_peer.py"),
            family,
            ckpt,
            fin,
            `${p.input.height}`,
            `${p.input.width}`,
            fout,
          ],
        }).output();
        assert(o.success, new TextDecoder().decode(o.stderr));
        const peer = new Float32Array((await Deno.readFile(fout)).buffer);
        const mine = await ours(p.input);
        let max = 0;
        for (let i = 0; i < mine.length; i++) max = Math.max(max, Math.abs(mine[i] - peer[i]));
        console.log(
          `${family} ${ckpt.split("/").pop()} ${p.name}: max |ours - torch peer| = ${max.toExponential(2)}`,
        );
        assert(max < 2e-3, `${family} ${ckpt} ${p.name}: ${max}`);
      }
    }
    adaint.dispose();
    sep.forEach((s) => s.dispose());
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "the committed published.json records = a fresh measurement on the 12 FiveK pairs",
  ignore: !P || !pairs,
  async fn() {
    const data = await expertPairs();
    for (const preset of ["adaint-fivek", "seplut-m8-17", "seplut-m8-33", "seplut-m6-9"]) {
      const rec = JSON.parse(
        await Deno.readTextFile(join(repoRoot, "experiments", preset, "published.json")),
      );
      const now = await measurePreset(preset, data, false);
      assertEquals(now.params, rec.params, preset);
      // the native photo trunk (LUTLAB_PHOTO_NATIVE) and tf.conv2d sum in different orders, which moves a
      // score by ~1e-5 (dB): 1e-4 still catches any change in what is computed
      for (const k of ["psnr", "ssim", "deltaE"] as const) {
        assertAlmostEquals(now.scores[k], rec.scores[k], 1e-4, `${preset} ${k}`);
      }
      assertAlmostEquals(now.lutFormPsnr.mean, rec.lutFormPsnr.mean, 1e-4, `${preset} LUT form`);
      // each model raises PSNR far above the input's own (18.33 dB): a wrong layout would not
      assert(now.scores.psnr > 25, `${preset}: ${now.scores.psnr}`);
      // the single-3D-LUT (33³) forms are close to the models (> 35 dB); the shaper .cube is exact to 6 decimals
      assert(now.lutFormPsnr.min > 35, `${preset} LUT form ${now.lutFormPsnr.min}`);
      if (now.shaperCubePsnr) {
        assert(now.shaperCubePsnr.min > 100, `${preset} shaper ${now.shaperCubePsnr.min}`);
      }
      console.log(
        `${preset}: params ${now.params} PSNR ${now.scores.psnr.toFixed(2)} SSIM ${
          now.scores.ssim.toFixed(4)
        } ` +
          `ΔE ${now.scores.deltaE.toFixed(2)}; ${now.lutFormPsnr.size}³ LUT form ${
            now.lutFormPsnr.mean.toFixed(1)
          } dB`,
      );
    }
  },
});

Deno.test("adaint and seplut presets train 2 steps through deno task train", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adaptive_train" });
  for (const k of [0, 1]) {
    const input = smooth(40, 48, k);
    await writeImage(join(dir, "data", "input", `p${k}.png`), input);
    await writeImage(join(dir, "data", "target", `p${k}.png`), retouchImage(input));
  }
  for (
    const [preset, model] of [["adaint-fivek", `family = "adaint"\ndim = 9`], [
      "seplut-m6-9",
      `family = "seplut"\nbase_feats = 6\ndim3d = 9\ndim1d = 9`,
    ]]
  ) {
    const exp = join(dir, preset);
    const paper = await Deno.readTextFile(join(repoRoot, "experiments", preset, "config.toml"));
    const train = paper.slice(paper.indexOf("[train]"), paper.indexOf("[eval]"))
      .replace(/steps = \d+/, "steps = 2").replace(/log_every = \d+/, "log_every = 1")
      .replace(/eval_every = \d+/, "eval_every = 2").replace(
        /checkpoint_every = \d+/,
        "checkpoint_every = 2",
      );
    await Deno.mkdir(exp, { recursive: true });
    await Deno.writeTextFile(
      join(exp, "config.toml"),
      `[experiment]\nname = "${preset}"\nseed = 2\n[model]\n${model}\n[data]\nroot = "${
        join(dir, "data")
      }"\n${train}` +
        `[eval]\nsave_images = false\nsave_cubes = true\n`,
    );
    const r = await runCliProcess("train", ["-e", exp]);
    assertEquals(r.code, 0, r.text);
    const log = (await Deno.readTextFile(join(exp, "train", "log.jsonl"))).trim().split("\n");
    assert(log.length >= 2, `${preset}: ${log.length} log lines`);
    const e = await runCliProcess("eval", ["-e", exp]);
    assertEquals(e.code, 0, e.text);
    const cubes = [...Deno.readDirSync(join(exp, "eval", "trained", "cubes"))].map((e) => e.name).sort();
    assertEquals(cubes.length, 2, `${preset}: ${cubes}`);
    // AdaInt: the AiLUT resampled on the uniform 9³ lattice; SepLUT: one Resolve shaper file (1D 9 + 3D 9³)
    const cube = parseCubeFile(
      await Deno.readTextFile(join(exp, "eval", "trained", "cubes", cubes[0])),
      cubes[0],
    );
    assertEquals(cube.lut3d?.size, 9, preset);
    assertEquals(cube.lut1d?.size, preset.startsWith("seplut") ? 9 : undefined, preset);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("AdaInt training step moves the vertices (gradient reaches the AdaInt branch)", () => {
  const net = new AdaIntModel({ luts: 2, dim: 5, share: false }, 1);
  const th = tf.randomUniform([1, 3, 256, 256]) as tf.Tensor4D,
    x = tf.randomUniform([1, 3, 8, 8]) as tf.Tensor4D;
  const { grads } = tf.variableGrads(
    () => tf.mean(tf.square(tf.sub(net.forward(th, x).out, 0.3))) as tf.Scalar,
    [
      ...net.params.values(),
    ],
  );
  const g = grads[net.params.get("adaint.bias")!.name];
  assert(g, "no gradient for the AdaInt branch");
  assert(tf.max(tf.abs(g)).dataSync()[0] > 0, "zero AdaInt gradient");
  tf.dispose([th, x, ...Object.values(grads)]);
  net.dispose();
});

Deno.test("AdaInt training extras: the interval branch frozen for fix_steps, then at lr x lr_mult", async () => {
  const { parsePhotoConfig } = await import("../lib/enhance/config.ts");
  const { buildNet } = await import("../lib/enhance/nets.ts");
  const { trainStep } = await import("../lib/enhance/photo_train.ts");
  const { Adam } = await import("../lib/experiment/adam.ts");
  const { Rng } = await import("../lib/core/rng.ts");
  const config = parsePhotoConfig({
    experiment: { task: "enhance" },
    model: { family: "adaint", dim: 5, luts: 2, lr_mult: 0.1, fix_steps: 1 },
    train: { lr: 1e-3, jitter: false, augment: "none" },
  }, "experiments/x/config.toml");
  const net = await buildNet(config);
  const t = config.train;
  const adam = new Adam(net.params, { lr: t.lr, beta1: t.beta1, beta2: t.beta2, lrScale: net.lrScale });
  const input = smooth(256, 256, 1), pairs = [{ name: "p", input, target: retouchImage(input) }];
  const snap = async (k: string) => Float32Array.from(await net.params.get(k)!.data() as Float32Array);
  const b0 = await snap("adaint.bias"), w0 = await snap("generator.weights.bias");
  await trainStep(net, adam, pairs, config, new Rng(1));
  const b1 = await snap("adaint.bias"), w1 = await snap("generator.weights.bias");
  assertEquals(Array.from(b1), Array.from(b0), "frozen at step 1");
  // Adam's first update of a parameter is about lr per element (|m / sqrt(v)| = 1): the generator moves by ~1e-3
  const move = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  assertAlmostEquals(move(w1, w0), 1e-3, 2e-4);
  await trainStep(net, adam, pairs, config, new Rng(2));
  const b2 = await snap("adaint.bias");
  // unfrozen at step 2 with lr 1e-3 x 0.1, its moments starting at 0 at t = 2: |step| <= 1e-4 / (1 - 0.9²) · 0.1 /
  // (sqrt(0.001) / sqrt(1 - 0.999²)) = 7.44e-5 (7.4e-4 without lr_mult)
  const m2 = move(b2, b1);
  assert(m2 > 3e-5 && m2 <= 7.5e-5, `AdaInt branch moved ${m2}`);
  net.dispose();
  adam.dispose();
});

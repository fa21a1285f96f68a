// AutoLUT training: the presets parse into AutoLUT models with the paper's settings, AutoLUT keys are
// refused elsewhere, network training (samplers, AdaRL and LUT networks) lowers the loss, and resuming
// from a checkpoint reproduces the uninterrupted run, samplers and AdaRL weights included; an AutoLUT
// experiment trains, exports, evaluates and fine-tunes with its parts beside its tables.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { writeImage } from "../lib/image/io.ts";
import type { AutoLutModel } from "../lib/sr/models/autolut.ts";
import { DEFAULT_FIT, loadSrConfig, parseSrConfig } from "../lib/sr/config.ts";
import { makePairs } from "../lib/sr/core/data.ts";
import { evalSr } from "../lib/sr/evaluate.ts";
import { loadLutModel, loadNetModel } from "../lib/sr/experiment.ts";
import { finetuneSr } from "../lib/sr/finetune.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { Rng } from "../lib/core/rng.ts";
import { fitSr, trainSr } from "../lib/sr/sr_train.ts";

Deno.test("AutoLUT presets parse with the paper's settings; bad AutoLUT keys are refused", async () => {
  await initTf();
  const sr = await loadSrConfig(join(repoRoot, "experiments", "autolut-srlut-x4"));
  assertEquals(sr.model.autolut, {
    base: "srlut",
    sampleSize: 3,
    samplerInit: "random",
    samplerGap: 8,
    adarl: true,
    act: "relu",
  });
  const mu = await loadSrConfig(join(repoRoot, "experiments", "autolut-mulut-x4"));
  assertEquals([mu.model.autolut?.sampleSize, mu.model.autolut?.act, mu.train.lr], [5, "gelu", 1e-3]);
  const model = buildSrModel(mu.model) as AutoLutModel;
  assertEquals(model.units.map((s) => s.length), [3, 3]);
  assertEquals(model.units.map((s) => s.every((u) => u.adarl !== undefined)), [false, true]);
  assertEquals(model.parts().length, 9);
  assertEquals(model.modules().map((m) => m.outputs), [1, 1, 1, 16, 16, 16]);
  const f = "x/config.toml";
  assertThrows(
    () => parseSrConfig({ model: { kind: "srlut", sample_size: 3 } }, f),
    Error,
    "AutoLUT setting",
  );
  assertThrows(
    () => parseSrConfig({ model: { kind: "autolut", base: "spf-lut" } }, f),
    Error,
    `model.base must be one of "srlut", "mulut", "spf", got "spf-lut"`,
  );
  assertThrows(
    () =>
      parseSrConfig({
        model: { kind: "autolut", base: "spf", modes: ["d"], sampler_init: "pattern", sample_size: 2 },
      }, f),
    Error,
    "needs sample_size >= 3",
  );
  const spf = parseSrConfig({ model: { kind: "autolut", base: "spf" } }, f).model.autolut!;
  assertEquals([spf.sampleSize, spf.act, spf.adarl], [5, "relu", true]); // SPF-LUT+AutoLUT's README and code
  assertThrows(() => parseSrConfig({ model: { kind: "autolut", sample_size: 1 } }, f), Error, "sample_size");
  assertThrows(() => parseSrConfig({ model: { kind: "autolut", act: "tanh" } }, f), Error, "model.act");
  assertThrows(() => buildSrModel({ ...DEFAULT_MODEL, kind: "autolut" }), Error, "needs its settings");
});

const tiny = (base: "srlut" | "mulut"): SrModelConfig => ({
  ...DEFAULT_MODEL,
  kind: "autolut",
  upscale: 2,
  width: 8,
  modes: ["s", "y"],
  stages: 2,
  autolut: { base, sampleSize: 3, samplerInit: "random", samplerGap: 8, adarl: true, act: "gelu" },
});

Deno.test("network training lowers the loss; resume reproduces the run with samplers and AdaRL", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const rng = new Rng(5);
  const img = (h: number, w: number) => ({
    data: Float32Array.from({ length: 3 * h * w }, (_, i) => {
      const x = i % w, y = Math.floor(i / w) % h;
      return Math.round(255 * (0.5 + 0.3 * Math.sin(x / 3 + y / 5) + 0.1 * rng.next())) / 255;
    }),
    channels: 3,
    height: h,
    width: w,
  });
  const pairs = await makePairs([img(40, 48), img(36, 44)], deg);
  const cfg = {
    ...DEFAULT_FIT,
    crop: 8,
    batch: 6,
    iterations: 30,
    lr: 1e-2,
    logEvery: 10,
    checkpointEvery: 15,
  };
  const dir = await Deno.makeTempDir({ prefix: "sr_autolut_train" });
  try {
    for (const base of ["srlut", "mulut"] as const) {
      const a = buildSrModel(tiny(base), 4) as AutoLutModel;
      await fitSr(a, deg, cfg, { dir: join(dir, `${base}a`), quiet: true, pairs });
      const log = (await Deno.readTextFile(join(dir, `${base}a`, "log.jsonl"))).trim().split("\n")
        .map((l) => JSON.parse(l));
      assertEquals(log.map((r) => r.step), [10, 20, 30]);
      assert(log[2].loss < log[0].loss, `${base}: loss ${log[0].loss} -> ${log[2].loss}`);
      if (base === "mulut") {
        const w = a.units[1][0].adarl!.weight.dataSync();
        assert(w.some((v) => v !== 0), "AdaRL weights did not move");
      }
      const b = buildSrModel(tiny(base), 4);
      await fitSr(b, deg, { ...cfg, iterations: 15 }, { dir: join(dir, `${base}b`), quiet: true, pairs });
      const c = buildSrModel(tiny(base), 77);
      const res = await fitSr(c, deg, cfg, { dir: join(dir, `${base}b`), quiet: true, pairs, resume: true });
      assertEquals(res.iterations, 15);
      const va = a.variables(), vc = c.variables();
      assertEquals(va.length, vc.length);
      va.forEach((v, i) => {
        const x = v.dataSync(), y = vc[i].dataSync();
        for (let k = 0; k < x.length; k++) assertAlmostEquals(x[k], y[k], 1e-5);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "AutoLUT experiment: train → export (tables + parts) → eval reloads them → finetune writes both",
  ignore: !sharedPath("SRBenchmark", "Set5", "LR_bicubic", "X2"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sr_autolut_exp" });
    try {
      const h = 48,
        w = 56,
        data = Float32Array.from({ length: 3 * h * w }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.37));
      await writeImage(join(dir, "hr", "a.png"), { data, channels: 3, height: h, width: w });
      await Deno.writeTextFile(
        join(dir, "config.toml"),
        `[experiment]\ntask = "sr"\n[model]\nkind = "autolut"\nbase = "mulut"\nmodes = ["s", "y"]\n` +
          `upscale = 2\nwidth = 8\nsample_size = 3\n[train]\ndata = "${
            join(dir, "hr")
          }"\ncrop = 8\nbatch = 2\n` +
          `iterations = 4\nlog_every = 2\n[finetune]\ncrop = 8\nbatch = 2\niterations = 2\nlog_every = 1\n` +
          `[eval]\nsets = ["Set5"]\nsave_images = false\n`,
      );
      const config = await loadSrConfig(dir);
      await trainSr(config, { quiet: true });
      const trained = await loadNetModel(config);
      const lut = await loadLutModel(config, "exported");
      assertEquals(lut.parts().map((p) => p.name), [
        "s1_a0_sampler",
        "s1_a1_sampler",
        "s2_a0_sampler",
        "s2_a0_adarl",
        "s2_a1_sampler",
        "s2_a1_adarl",
      ]);
      lut.parts().forEach((p, i) =>
        assertEquals(p.variable.dataSync(), trained.parts()[i].variable.dataSync())
      );
      const [exported] = await evalSr(config, { quiet: true });
      assert(exported.rows.length === 5 && Number.isFinite(exported.psnr));
      const ft = await finetuneSr(config, { quiet: true });
      assertEquals(ft.paths.filter((p) => p.includes("PART_")).length, 6);
      const [tuned] = await evalSr(config, { source: "finetuned", quiet: true });
      assert(Number.isFinite(tuned.psnr));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

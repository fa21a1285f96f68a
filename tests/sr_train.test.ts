// SR training machinery: preset configs parse (unknown keys refused), network training lowers the loss,
// checkpoint + resume reproduces an uninterrupted run, LUT fine-tuning trains tables through the kernel op,
// a batch split into gradient passes makes the same Adam step as the whole batch, degradations produce the
// right sizes and noise level.
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot } from "../lib/core/shared.ts";
import type { Image } from "../lib/image/io.ts";
import { DEFAULT_FIT, loadSrConfig, parseSrConfig } from "../lib/sr/config.ts";
import { loadCleanImages, makePairs, sampleBatch } from "../lib/sr/core/data.ts";
import { degrade } from "../lib/sr/core/degrade.ts";
import { enumerateTable } from "../lib/sr/core/enumerate.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { fitSr, passSize, srParams, trainStep } from "../lib/sr/sr_train.ts";
import { superResolve } from "../lib/sr/core/super_resolve.ts";
import { psnr } from "../lib/image/metrics.ts";
import { sgd } from "./sr_util.ts";

const tiny: SrModelConfig = {
  ...DEFAULT_MODEL,
  kind: "srlut",
  variant: "s",
  upscale: 2,
  interval: 4,
  width: 8,
};

function synthetic(h: number, w: number, seed: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 0.5 + 0.4 * Math.sin((x + seed) / (3 + c)) * Math.cos((y - seed) / (4 + c));
        data[(c * h + y) * w + x] = Math.round(v * 255) / 255;
      }
    }
  }
  return { data, channels: 3, height: h, width: w };
}

async function readLog(dir: string): Promise<{ step: number; loss: number }[]> {
  const text = await Deno.readTextFile(join(dir, "log.jsonl"));
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("every sr preset parses; unknown keys and bad values are refused with file and key", async () => {
  for (const e of Deno.readDirSync(join(repoRoot, "experiments"))) {
    const file = join(repoRoot, "experiments", e.name, "config.toml");
    const text = await Deno.readTextFile(file).catch(() => "");
    if (!/task\s*=\s*"sr"/.test(text)) continue;
    const c = await loadSrConfig(file);
    assert(c.model.upscale >= 1 && c.train.iterations > 0, e.name);
  }
  const f = "x/config.toml";
  assertThrows(
    () => parseSrConfig({ model: { kind: "srlut", widht: 3 } }, f),
    Error,
    "unknown key model.widht",
  );
  assertThrows(() => parseSrConfig({ train: { lr: -1 } }, f), Error, "train.lr must be > 0");
  assertThrows(
    () => parseSrConfig({ model: { variant: "q" } }, f),
    Error,
    'model.variant must be one of "s", "d", "y", "f", "v", got "q"',
  );
  assertThrows(
    () => parseSrConfig({ model: { upscale: 2 }, degradation: { kind: "bicubic", scale: 4 } }, f),
    Error,
    "does not match the degradation",
  );
  assertThrows(() => parseSrConfig({ degradation: { kind: "blur" } }, f), Error, "degradation.kind");
  await assertRejects(() => loadSrConfig("/nonexistent/exp"), Error, "cannot read experiment config");
});

Deno.test("network training lowers the loss; resume from a checkpoint reproduces the uninterrupted run", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const pairs = await makePairs([synthetic(40, 48, 1), synthetic(36, 44, 2)], deg);
  const cfg = {
    ...DEFAULT_FIT,
    crop: 8,
    batch: 6,
    iterations: 40,
    lr: 3e-3,
    logEvery: 10,
    checkpointEvery: 20,
  };
  const dir = await Deno.makeTempDir({ prefix: "sr_train" });
  try {
    const a = buildSrModel(tiny, 4);
    await fitSr(a, deg, cfg, { dir: join(dir, "a"), quiet: true, pairs });
    const log = await readLog(join(dir, "a"));
    assertEquals(log.map((r) => r.step), [10, 20, 30, 40]);
    assert(log[3].loss < log[0].loss, `loss ${log[0].loss} -> ${log[3].loss}`);

    const b = buildSrModel(tiny, 4);
    await fitSr(b, deg, { ...cfg, iterations: 20 }, { dir: join(dir, "b"), quiet: true, pairs });
    const c = buildSrModel(tiny, 77); // different init: everything must come from the checkpoint
    const res = await fitSr(c, deg, cfg, { dir: join(dir, "b"), quiet: true, pairs, resume: true });
    assertEquals(res.iterations, 20);
    const va = a.variables(), vc = c.variables();
    for (let i = 0; i < va.length; i++) {
      const x = va[i].dataSync(), y = vc[i].dataSync();
      for (let k = 0; k < x.length; k++) assertAlmostEquals(x[k], y[k], 1e-5);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a batch in gradient passes makes the same update as the whole batch", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const pairs = await makePairs([synthetic(40, 48, 1), synthetic(36, 44, 2)], deg);
  const mulut = { ...tiny, kind: "mulut", stages: 2, modes: ["s", "d"] } as SrModelConfig;
  const [whole, split] = [buildSrModel(mulut, 3), buildSrModel(mulut, 3)];
  const b = sampleBatch(pairs, deg, 7, 8, 1, 1);
  const { size, perPlane } = await passSize(whole, whole.variables(), b);
  assertEquals(size, 7); // a tiny model fits whole
  assert(perPlane > 10_000, `profiled ${perPlane} bytes per plane`);
  const losses = [];
  for (const [model, passes] of [[whole, 7], [split, 3]] as const) {
    const params = srParams(model), opt = sgd(params, 0.5);
    losses.push(await trainStep(model, params, opt, b, passes)); // passes of 3, 3, 1 planes
    losses.push(await trainStep(model, params, opt, b, passes));
  }
  assertAlmostEquals(losses[0], losses[2], 1e-5);
  assertAlmostEquals(losses[1], losses[3], 1e-5);
  assert(losses[1] !== losses[0], "the first step changed nothing");
  const vw = whole.variables(), vs = split.variables();
  for (let i = 0; i < vw.length; i++) {
    const x = vw[i].dataSync(), y = vs[i].dataSync();
    for (let k = 0; k < x.length; k++) assertAlmostEquals(x[k], y[k], 1e-5, vw[i].name);
  }
});

Deno.test("LUT fine-tuning trains the table through the kernel op and lowers the loss", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const pairs = await makePairs([synthetic(40, 48, 3)], deg);
  const model = buildSrModel(tiny, 9);
  const [m] = model.modules();
  m.setTable(await enumerateTable(m, { int8: false }));
  const before = (await m.getTable())!.values;
  const dir = await Deno.makeTempDir({ prefix: "sr_ft" });
  try {
    const cfg = {
      ...DEFAULT_FIT,
      crop: 8,
      batch: 4,
      iterations: 30,
      lr: 1,
      logEvery: 10,
      checkpointEvery: 30,
    };
    // the table-sized gradient is a cost per pass, not per plane: the whole batch goes in one pass
    const probe = sampleBatch(pairs, deg, 6, 8, 1, 1);
    const { size, perPlane, fixed } = await passSize(model, model.variables(), probe);
    assert(fixed > 4 * perPlane, `fixed ${fixed} B per pass, ${perPlane} B per plane`);
    assertEquals(size, 6);
    await fitSr(model, deg, cfg, { dir, quiet: true, pairs });
    const log = await readLog(dir);
    assert(log[2].loss < log[0].loss, `loss ${log[0].loss} -> ${log[2].loss}`);
    const after = (await m.getTable())!.values;
    assert(after.some((v, i) => v !== before[i]), "table unchanged");
    assertEquals(model.variables().length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoising (sigma 25) and JPEG deblocking (q 10) train on the same machinery and beat their input", async () => {
  await initTf();
  const clean = [synthetic(40, 48, 1), synthetic(36, 44, 2), synthetic(44, 40, 3)];
  const test = synthetic(48, 48, 9);
  const dir = await Deno.makeTempDir({ prefix: "sr_restore" });
  try {
    for (const deg of [{ kind: "noise", sigma: 25 }, { kind: "jpeg", quality: 10 }] as const) {
      const model = buildSrModel(
        { ...tiny, kind: "mulut", upscale: 1, stages: 1, modes: ["s"], width: 16 },
        2,
      );
      const pairs = await makePairs(clean, deg);
      const fit = { ...DEFAULT_FIT, crop: 16, batch: 16, iterations: 100, lr: 1e-2, logEvery: 50 };
      await fitSr(model, deg, fit, { dir: join(dir, deg.kind), quiet: true, pairs });
      const input = await degrade(test, deg, 5);
      const before = psnr(input, test), after = psnr(await superResolve(model, input), test);
      console.log(`${deg.kind}: ${before.toFixed(2)} dB in, ${after.toFixed(2)} dB out`);
      assert(after > before + 0.3, `${deg.kind}: ${before.toFixed(2)} dB in, ${after.toFixed(2)} dB out`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("training data: the embedded photos load as the default; no pairs is a clear error", async () => {
  const photos = await loadCleanImages("embedded", 2);
  assertEquals(photos.length, 2);
  assert(photos.every((p) => p.channels === 3 && p.height > 500), "embedded photos are ~1024 px RGB");
  assertThrows(() => sampleBatch([], { kind: "bicubic", scale: 4 }, 4, 8, 1, 1), Error, "no training images");
});

Deno.test("degradations: bicubic size, Gaussian noise level, JPEG keeps the size", async () => {
  const img = synthetic(32, 40, 5);
  const lr = await degrade(img, { kind: "bicubic", scale: 4 });
  assertEquals([lr.height, lr.width], [8, 10]);
  const noisy = await degrade(img, { kind: "noise", sigma: 25 }, 1);
  let s = 0;
  for (let i = 0; i < img.data.length; i++) s += (255 * (noisy.data[i] - img.data[i])) ** 2;
  assertAlmostEquals(Math.sqrt(s / img.data.length), 25, 3);
  const jpg = await degrade(img, { kind: "jpeg", quality: 10 });
  assertEquals([jpg.channels, jpg.height, jpg.width], [3, 32, 40]);
  assert(jpg.data.some((v, i) => v !== img.data[i]));
  await assertRejects(() => degrade(img, { kind: "jpeg", quality: 0 }), Error, "quality");
});

Deno.test("a patch whose one gradient pass would not fit the wasm heap is refused with a clear error", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 4 } as const;
  const pairs = await makePairs([synthetic(200, 200, 4)], deg);
  // SPF-LUT at nf 64 (the preset's width): one 48² patch aborted the wasm module before this check
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "spf", width: 64 }, 1);
  const big = sampleBatch(pairs, deg, 1, 48, 1, 1);
  await assertRejects(
    () => passSize(model, model.variables(), big),
    Error,
    "one 48² patch needs about",
  );
  const { size } = await passSize(model, model.variables(), sampleBatch(pairs, deg, 2, 20, 1, 1));
  assert(size >= 1);
});

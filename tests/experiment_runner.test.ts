/**
 * The shared experiment runner (lib/experiment/loop.ts) on both tasks, one test per user-flow trap of
 * issue 9: a fresh SR run refuses an existing run, --restart deletes the old run first (a restart that dies
 * early cannot later resume the old run, photo and SR), the log after a resume has no repeated steps and
 * continuous seconds, a torn last log line is dropped on resume while a corrupt line elsewhere is an error
 * naming the file and line, two runs on one folder: the second fails naming the holder's pid, a stale lock
 * is taken over, leftover temp files are removed; SR config values out of range are refused with file and key;
 * model families come from registries.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { parse } from "@std/toml";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { Rng } from "../lib/core/rng.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import type { Pair } from "../lib/data/paired.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { parsePhotoConfig, type PhotoConfig } from "../lib/enhance/config.ts";
import { readLog } from "../lib/experiment/log.ts";
import { captureConsole } from "./cli_util.ts";
import { runFiles } from "../lib/experiment/loop.ts";
import type { Image } from "../lib/image/io.ts";
import { DEFAULT_FIT, type FitConfig, parseSrConfig } from "../lib/sr/config.ts";
import { loadExperiment } from "../lib/cli/all_tasks.ts";
import { makePairs, type TrainPair } from "../lib/sr/core/data.ts";
import { fitSr } from "../lib/sr/sr_train.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { srModels } from "../lib/sr/models/sr_registry.ts";
import { photoFamilies } from "../lib/enhance/photo_registry.ts";

await initTf();

/** A smooth synthetic RGB image [3, h, w] in [0, 1]. */
function smooth(h: number, w: number, seed: number): Image {
  const rng = new Rng(seed), f = [rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 6)];
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 0.5 + 0.45 * Math.sin(f[0] * x / w + f[1] * y / h + f[2] + c);
        data[(c * h + y) * w + x] = Math.round(v * 255) / 255;
      }
    }
  }
  return { data, channels: 3, height: h, width: w };
}

const photoPairs: Pair[] = [0, 1].map((i) => {
  const input = smooth(40, 48, i);
  return { name: `p${i}`, input, target: retouchImage(input) };
});

function photoConfig(dir: string): PhotoConfig {
  return parsePhotoConfig({
    experiment: { task: "enhance", seed: 5 },
    model: { family: "clutnet", luts: 3, dim: 5, s: 3, w: 4, backbone: "SmallBackbone" },
    train: { steps: 4, lr: 1e-3, log_every: 1, eval_every: 100, checkpoint_every: 2 },
    eval: { save_images: false, save_cubes: false },
  }, join(dir, "config.toml"));
}

const deg = { kind: "bicubic", scale: 2 } as const;
const srPairs: TrainPair[] = await makePairs([smooth(32, 40, 1), smooth(36, 32, 2)], deg);
const srModel = () => buildSrModel({ ...DEFAULT_MODEL, kind: "srlut", upscale: 2, width: 8 }, 3);
const fit = (iterations: number): FitConfig => ({
  ...DEFAULT_FIT,
  crop: 8,
  batch: 4,
  iterations,
  lr: 3e-3,
  logEvery: 1,
  checkpointEvery: 2,
});

/** Runs `f` with console.log captured; returns the printed lines. */
const captured = (f: () => Promise<unknown>) => captureConsole("log", f);

async function withTemp(prefix: string, f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("SR: a fresh run refuses an existing run; --restart starts over", async () => {
  await withTemp("exp_sr_fresh", async (dir) => {
    await fitSr(srModel(), deg, fit(3), { dir, quiet: true, pairs: srPairs });
    const { checkpoint, log } = runFiles(dir);
    const before = await Deno.readFile(checkpoint);
    await assertRejects(
      () => fitSr(srModel(), deg, fit(3), { dir, quiet: true, pairs: srPairs }),
      Error,
      `${checkpoint} exists: pass --resume to continue that run or --restart`,
    );
    assertEquals(await Deno.readFile(checkpoint), before, "the refused run left the checkpoint alone");
    assertEquals((await readLog(log)).map((r) => r.step), [1, 2, 3]);
    const r = await fitSr(srModel(), deg, fit(2), { dir, quiet: true, pairs: srPairs, restart: true });
    assertEquals(r.iterations, 2);
    assertEquals((await readCheckpoint(checkpoint)).step, 2);
    assertEquals((await readLog(log)).map((r) => r.step), [1, 2]);
    // photo checkpoints written before the shared format (magic "LUTLAB-PHOTO1") still load
    const bytes = await Deno.readFile(checkpoint), nl = bytes.indexOf(10);
    assertEquals(new TextDecoder().decode(bytes.subarray(0, nl)), "LUTLAB-CKPT1");
    const old = new Uint8Array([...new TextEncoder().encode("LUTLAB-PHOTO1"), ...bytes.subarray(nl)]);
    await Deno.writeFile(checkpoint, old);
    assertEquals((await readCheckpoint(checkpoint)).step, 2);
  });
});

Deno.test("--restart deletes the old run first: a restart that dies early cannot resume the old run", async () => {
  await withTemp("exp_restart", async (dir) => {
    // photo
    const config = photoConfig(dir), data = { train: photoPairs, test: photoPairs.slice(0, 1), quiet: true };
    assertEquals((await trainPhoto(config, data)).step, 4);
    await assertRejects(() => trainPhoto(config, { ...data, train: [], restart: true })); // dies in its first step
    // nothing to resume (the old run is gone): an error naming the folder and the command that starts again
    const run = join(dir, "train");
    const e = await assertRejects(() => trainPhoto(config, { ...data, resume: true }), Error);
    assertStringIncludes(
      e.message,
      `--resume: nothing to resume in ${run}: no ${join(run, "checkpoint.bin")}`,
    );
    assertStringIncludes(e.message, `deno task train -e ${dir} --restart`);
    await assertRejects(() => readCheckpoint(join(run, "checkpoint.bin")));
    assertEquals((await trainPhoto(config, { ...data, restart: true, stopAfter: 1 })).step, 1);
    // SR
    const sr = join(dir, "sr");
    await fitSr(srModel(), deg, fit(4), { dir: sr, quiet: true, pairs: srPairs });
    await assertRejects(
      () => fitSr(srModel(), deg, fit(4), { dir: sr, quiet: true, pairs: [], restart: true }),
      Error,
      "no training images",
    );
    await assertRejects(
      () => fitSr(srModel(), deg, fit(4), { dir: sr, quiet: true, pairs: srPairs, resume: true }),
      Error,
      `--resume: nothing to resume in ${sr}`,
    );
  });
});

Deno.test("SR: the log after a resume has no repeated steps and continuous seconds", async () => {
  await withTemp("exp_log", async (dir) => {
    const { checkpoint, log } = runFiles(dir), opts = { dir, quiet: true, pairs: srPairs };
    await fitSr(srModel(), deg, fit(2), opts);
    const atTwo = await Deno.readFile(checkpoint);
    await fitSr(srModel(), deg, fit(3), { ...opts, resume: true });
    // a crash after logging step 3 but before its checkpoint: the newest checkpoint is step 2's
    await Deno.writeFile(checkpoint, atTwo);
    const r = await fitSr(srModel(), deg, fit(5), { ...opts, resume: true });
    assertEquals(r.iterations, 3);
    const recs = await readLog(log);
    assertEquals(recs.map((r) => r.step), [1, 2, 3, 4, 5]);
    const ck = await readCheckpoint(checkpoint);
    assertEquals(ck.step, 5);
    for (let i = 1; i < recs.length; i++) {
      assert(recs[i].seconds > recs[i - 1].seconds, `seconds go back: ${recs.map((r) => r.seconds)}`);
    }
    assert(ck.seconds! >= recs[4].seconds, `checkpoint seconds ${ck.seconds} < log ${recs[4].seconds}`);
  });
});

Deno.test("photo: a torn last log line is dropped on resume; a corrupt line elsewhere names file and line", async () => {
  await withTemp("exp_torn", async (dir) => {
    const config = photoConfig(dir), data = { train: photoPairs, test: photoPairs.slice(0, 1), quiet: true };
    await trainPhoto(config, { ...data, stopAfter: 2 });
    const { log } = runFiles(join(dir, "train"));
    await Deno.writeTextFile(log, '{"step":3,"seconds":1.5,"lo', { append: true }); // disk full mid-append
    const lines = await captured(() => trainPhoto(config, { ...data, quiet: false, resume: true }));
    assert(lines.some((l) => l.includes(`${log}:3: dropped a torn last line`)), lines.join("\n"));
    const recs = await readLog(log);
    assertEquals(recs.filter((r) => r.loss !== undefined).map((r) => r.step), [1, 2, 3, 4]);
    assertEquals(recs.filter((r) => r.eval !== undefined).map((r) => r.step), [4]); // the final evaluation
    const text = (await Deno.readTextFile(log)).split("\n");
    text[1] = text[1].slice(0, 10);
    await Deno.writeTextFile(log, text.join("\n"));
    await assertRejects(
      () => trainPhoto(config, { ...data, resume: true }),
      Error,
      `${log}:2: corrupt log line`,
    );
  });
});

Deno.test("two runs on one experiment: the second fails naming the holder's pid; stale locks are taken over", async () => {
  await withTemp("exp_lock", async (dir) => {
    const run = (sub: string, steps: number) =>
      fitSr(srModel(), deg, fit(steps), { dir: join(dir, sub), lockDir: dir, quiet: true, pairs: srPairs });
    // the second run starts once the first holds the lock (started together, a fast first run could end
    // before the second looked)
    const first = run("a", 400);
    while (!(await Deno.stat(join(dir, "run.lock")).then(() => true, () => false))) {
      await new Promise((r) => setTimeout(r, 1));
    }
    const [a, b] = await Promise.allSettled([first, run("b", 4)]);
    const failed = [a, b].filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assertEquals(failed.length, 1, "exactly one of two concurrent runs may train");
    assertEquals(b.status, "rejected", "the second run trained while the first held the lock");
    assertStringIncludes(failed[0].reason.message, `in use by another run (pid ${Deno.pid} `);
    await Deno.stat(join(dir, "run.lock")).then(() => assert(false, "lock left behind"), () => {});
    // a lock whose process is gone, and a temp file of an interrupted atomic write
    const lock = join(dir, "run.lock"), tmp = join(dir, "c", "checkpoint.bin.tmp-4242");
    await Deno.writeTextFile(lock, JSON.stringify({ pid: 2 ** 30, host: Deno.hostname(), started: "then" }));
    await Deno.mkdir(join(dir, "c"));
    await Deno.writeTextFile(tmp, "partial");
    const lines = await captured(() =>
      fitSr(srModel(), deg, fit(1), { dir: join(dir, "c"), lockDir: dir, pairs: srPairs })
    );
    assert(
      lines.some((l) => l.includes(`stale lock ${lock} (pid ${2 ** 30} is no longer running)`)),
      lines.join("\n"),
    );
    assert(lines.some((l) => l.includes(`removed leftover temp file ${tmp}`)), lines.join("\n"));
    await Deno.stat(tmp).then(() => assert(false, "temp file left"), () => {});
  });
});

Deno.test("SR config: out-of-range values are refused naming the file and key; one loader for both tasks", async () => {
  const f = "exp/config.toml";
  const bad: [string, string][] = [
    ["[train]\nlr = inf", "exp/config.toml: train.lr must be a number, got Infinity"],
    ["[model]\ninterval = 9", "exp/config.toml: model.interval must be an integer in [0, 8], got 9"],
    ["[train]\nseed = -1.5", "exp/config.toml: train.seed must be an integer in [0, 2147483648], got -1.5"],
    ["[eval]\nsets = [1]", "exp/config.toml: eval.sets must be an array of strings, got [1]"],
    ["[finetune]\nlr = nan", "exp/config.toml: finetune.lr must be a number, got NaN"],
    ["[model]\nwidth = 0", "exp/config.toml: model.width must be an integer in [1, 4096], got 0"],
    [
      '[model]\nmodes = ["s", "q"]',
      'exp/config.toml: model.modes must list patterns among s, d, y, f, v, got ["s","q"]',
    ],
    ["[train]\nlr = 1e-3\nlr_min = 1e-2", "exp/config.toml: train.lr_min must be in [0, train.lr], got 0.01"],
    ['[degradation]\nkind = "bicubic"\nsigma = 5', "degradation.sigma does not apply"],
    ["[export]\nint8 = 1", "exp/config.toml: export.int8 must be a boolean (true/false), got 1"],
  ];
  for (const [toml, msg] of bad) {
    assertThrows(() => parseSrConfig(parse(`[experiment]\ntask = "sr"\n${toml}`), f), Error, msg);
  }
  await withTemp("exp_cfg", async (dir) => {
    await Deno.writeTextFile(join(dir, "config.toml"), `[experiment]\ntask = "sr"\n[model]\nwidth = 8\n`);
    const ex = await loadExperiment(dir);
    if (ex.task !== "sr") throw new Error(`task ${ex.task}`);
    assertEquals([ex.config.model.width, ex.config.train.iterations], [8, DEFAULT_FIT.iterations]);
  });
});

Deno.test("model families register themselves; an unknown family lists the registered ones", () => {
  assertEquals(srModels.names().sort(), ["autolut", "mulut", "spf", "srlut"]);
  assertEquals(photoFamilies.names().sort(), [
    "3dlut",
    "adaint",
    "clutnet",
    "hashlut",
    "icelut",
    "lutbgrid",
    "pca",
    "seplut",
  ]);
  const esr = { ...DEFAULT_MODEL, kind: "esr" } as unknown as SrModelConfig;
  const e = assertThrows(() => buildSrModel(esr), Error, 'unknown SR model.kind "esr" (registered: ');
  for (const kind of srModels.names()) assert(e.message.includes(kind), e.message);
  assertThrows(
    () => srModels.register("spf", srModels.get("spf")),
    Error,
    'SR model.kind "spf" is registered twice',
  );
});

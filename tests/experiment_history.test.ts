/**
 * Checkpoint history (lib/experiment/history.ts) on a photo run: [train] keep_steps / keep_every keep copies,
 * the best checkpoint by eval PSNR is kept with its record, a stop and resume keeps the history, restart
 * removes it; `--step N | best` on eval / export / apply picks them and every artifact records the step;
 * a step that was not kept is an error listing the kept ones; misspelt keys are refused.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { stringify } from "@std/toml";
import { initTf } from "../lib/core/backend.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { evalPhoto } from "../lib/enhance/evaluate.ts";
import { exportPhoto } from "../lib/enhance/export.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { keptSteps, readBest } from "../lib/experiment/history.ts";
import { parseStepChoice } from "../lib/experiment/step_choice.ts";
import { readLog } from "../lib/experiment/log.ts";
import { readOrigin } from "../lib/experiment/origin.ts";
import { writeImage } from "../lib/image/io.ts";
import { parseSrConfig } from "../lib/sr/config.ts";
import { newExperiment } from "../lib/cli/new.ts";
import { smooth } from "./cli_util.ts";
import { runCliProcess } from "./cli_util.ts";

await initTf();

const TRAIN = {
  steps: 6,
  lr: 3e-3,
  log_every: 1,
  eval_every: 2,
  checkpoint_every: 5,
  keep_steps: [2],
  keep_every: 3,
};

const raw = (train: Record<string, unknown>) => ({
  experiment: { task: "enhance", seed: 5 },
  model: { family: "clutnet", luts: 3, dim: 5, s: 3, w: 4, backbone: "SmallBackbone" },
  data: { root: "unused" },
  train,
  eval: { save_images: false, save_cubes: true },
});

function config(dir: string, train: Record<string, unknown> = TRAIN) {
  return parsePhotoConfig(raw(train), join(dir, "config.toml"));
}

const pairs = [0, 1].map((k) => {
  const input = smooth(24, 32, k);
  return { name: `p${k}`, input, target: retouchImage(input) };
});

Deno.test("history: keep_steps, keep_every and the best checkpoint survive a resume; --step picks them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "history" });
  try {
    const cfg = config(dir);
    await Deno.writeTextFile(cfg.file, stringify(raw(TRAIN))); // for the apply CLI
    const run = join(dir, "train");
    await trainPhoto(cfg, { train: pairs, test: pairs, quiet: true, stopAfter: 4 });
    assertEquals(await keptSteps(run), [2, 3]);
    await trainPhoto(cfg, { train: pairs, test: pairs, quiet: true, resume: true });
    assertEquals(await keptSteps(run), [2, 3, 6]);
    for (const s of [2, 3, 6]) {
      assertEquals((await readCheckpoint(join(run, "checkpoints", `step_${s}.bin`))).step, s);
    }

    // the best: the step of the highest eval PSNR in the log, its checkpoint a copy at that step
    const evals = (await readLog(join(run, "log.jsonl"))).filter((r) => r.eval) as unknown as {
      step: number;
      eval: { psnr: number };
    }[];
    assertEquals(evals.map((r) => r.step), [2, 4, 6]);
    const top = evals.reduce((a, b) => (b.eval.psnr > a.eval.psnr ? b : a));
    const best = (await readBest(run))!;
    assertEquals([best.step, best.metric, best.value], [top.step, "eval/psnr", top.eval.psnr]);
    assertEquals((await readCheckpoint(join(run, "checkpoints", "best.bin"))).step, top.step);

    // --step on eval: scores record the step; different steps give different networks
    const e2 = await evalPhoto(cfg, { source: "trained", step: 2, pairs, quiet: true });
    assertEquals(JSON.parse(await Deno.readTextFile(join(e2.outDir, "summary.json"))).step, 2);
    assertEquals((await readOrigin(e2.outDir))?.step, 2);
    const e6 = await evalPhoto(cfg, { source: "trained", pairs, quiet: true });
    assertEquals((await readOrigin(e6.outDir))?.step, 6);
    assert(e2.mean.psnr !== e6.mean.psnr, "step 2 and step 6 evaluate differently");
    const eb = await evalPhoto(cfg, { source: "trained", step: "best", pairs, quiet: true });
    assertEquals((await readOrigin(eb.outDir))?.step, top.step);
    assertEquals(eb.mean.psnr, top.eval.psnr);
    await assertRejects(
      () => evalPhoto(cfg, { source: "trained", step: 5, pairs, quiet: true }),
      Error,
      "no checkpoint of step 5 (kept: 2, 3, 6",
    );

    // --step on export: the cube titles and export/origin.json say the step
    await writeImage(join(dir, "in", "a.png"), smooth(16, 20, 3));
    const ex = await exportPhoto(cfg, { source: "trained", step: 3, images: join(dir, "in"), quiet: true });
    assertStringIncludes(await Deno.readTextFile(ex.cubes[0]), "step 3");
    assertEquals((await readOrigin(ex.outDir))?.step, 3);

    // --step on apply (the CLI) loads that checkpoint
    const net3 = await loadNet(cfg, "trained", 3);
    const ck3 = await readCheckpoint(join(run, "checkpoints", "step_3.bin"));
    const [name, v] = [...net3.params][0];
    assertEquals(await v.data(), ck3.params.get(name)!.data);
    net3.dispose();
    const applied = await runCliProcess("apply", [
      "-e",
      dir,
      "--step",
      "3",
      join(dir, "in"),
      join(dir, "out"),
    ]);
    assert(applied.code === 0, applied.text);
    const bad = await runCliProcess("apply", ["-e", dir, "--step", "4", join(dir, "in"), join(dir, "out2")]);
    assert(bad.code !== 0 && bad.text.includes("no checkpoint of step 4"), bad.text);

    // restart removes the history
    await trainPhoto(config(dir, { ...TRAIN, steps: 1 }), {
      train: pairs,
      test: pairs,
      quiet: true,
      restart: true,
    });
    assertEquals(await keptSteps(run), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: --step values and misspelt or mistyped keys are refused naming the key", () => {
  assertEquals([parseStepChoice("12"), parseStepChoice("best"), parseStepChoice(undefined)], [
    12,
    "best",
    undefined,
  ]);
  assertThrows(() => parseStepChoice("-1"), Error, `--step must be a step number or "best"`);
  assertThrows(() => config("/x", { keep_step: [2] }), Error, "unknown key train.keep_step");
  assertThrows(
    () => config("/x", { keep_steps: [1.5] }),
    Error,
    "train.keep_steps must be an array of step numbers",
  );
  assertThrows(() => config("/x", { keep_every: -1 }), Error, "train.keep_every must be an integer in [0");
  const sr = (raw: Record<string, unknown>) =>
    parseSrConfig({ experiment: { task: "sr" }, ...raw }, "/x/config.toml");
  assertThrows(() => sr({ train: { keep_evry: 2 } }), Error, "unknown key train.keep_evry");
  assertThrows(() => sr({ finetune: { eval_everyy: 2 } }), Error, "unknown key finetune.eval_everyy");
  assertThrows(
    () => sr({ export_lut: { checkpoint_itr: 2 } }),
    Error,
    "unknown key export_lut.checkpoint_itr",
  );
  assertThrows(
    () => sr({ export_lut: { dfc: { enable: true } } }),
    Error,
    "unknown key export_lut.dfc.enable",
  );
  assertThrows(() => sr({ finetune_lut: { lr: 1 } }), Error, "unknown key finetune_lut.lr");
  assertThrows(() => sr({ export_lut_: {} }), Error, "unknown section [export_lut_]");
  assertThrows(
    () => sr({ export_lut: { dfc: { enabled: 1 } } }),
    Error,
    "export_lut.dfc.enabled must be a boolean",
  );
  assertThrows(
    () => sr({ dfc: { diagonal_width: 2 }, export_lut: { dfc: { diagonal_width: 4 } } }),
    Error,
    "dfc.diagonal_width and export_lut.dfc.diagonal_width both set",
  );
  assertThrows(
    () => sr({ finetune: { iterations: 3 }, finetune_lut: { total_iter: 4 } }),
    Error,
    "finetune.iterations and finetune_lut.total_iter both set",
  );
  // the DFC names and defaults
  const d = sr({});
  assertEquals(d.dfc, { enabled: false, diagonalWidth: 2, samplingInterval: 5 });
  assertEquals([d.workflow.checkpointIter, d.workflow.exportLutIter], [undefined, undefined]);
  const c = sr({
    export_lut: { checkpoint_iter: 8, dfc: { enabled: true, sampling_interval: 6 } },
    finetune_lut: { export_lut_iter: 8, total_iter: 3, lr0: 0.01 },
  });
  assertEquals(c.dfc, { enabled: true, diagonalWidth: 2, samplingInterval: 6 });
  assertEquals([c.finetune.iterations, c.finetune.lr, c.workflow.exportLutIter], [3, 0.01, 8]);
  assert(c.train.keepSteps.includes(8), "checkpoint_iter is kept by the training");
  assertEquals(sr({ dfc: { diagonal_width: 4 } }).dfc.diagonalWidth, 4); // the older [dfc] name
});

Deno.test("history: deno task new documents every new key (SR block, photo [train])", async () => {
  const dir = await Deno.makeTempDir({ prefix: "history_new" });
  try {
    const sr = await Deno.readTextFile(await newExperiment(join(dir, "sr"), "sr-lut-s-x4"));
    for (
      const k of [
        "keep_steps",
        "keep_every",
        "eval_every",
        "eval_images",
        "[export_lut]",
        "checkpoint_iter",
        "[export_lut.dfc]",
        "enabled",
        "diagonal_width",
        "sampling_interval",
        "[finetune_lut]",
        "export_lut_iter",
        "total_iter",
        "lr0",
      ]
    ) assertStringIncludes(sr, k);
    // a preset that sets the DFC sections itself gets no duplicate commented block for them
    const spf = await Deno.readTextFile(await newExperiment(join(dir, "spf"), "spf-lut-x4"));
    assertEquals(spf.match(/^\[export_lut\.dfc\]/gm)?.length, 1);
    const photo = await Deno.readTextFile(await newExperiment(join(dir, "photo"), "3dlut"));
    for (const k of ["keep_steps = []", "keep_every = 0"]) assertStringIncludes(photo, k);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

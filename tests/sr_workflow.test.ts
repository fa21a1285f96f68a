/**
 * The DFC paper's three steps driven by config.toml alone (issue 18): `deno task train -e X`, `deno task
 * export -e X`, `deno task finetune -e X` with no other flag, on a tiny SR-LUT x2 with [export_lut]
 * checkpoint_iter, [finetune_lut] export_lut_iter / total_iter / lr0, validation during training (best
 * checkpoint), TensorBoard event files of training and fine-tuning decoded and compared with their logs;
 * `--step` overriding checkpoint_iter and the export_lut_iter check. A second test enables [export_lut.dfc]:
 * export compresses and finetune tunes the compressed tables (DFC's third step) into export/dfc_ft.
 */
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { sharedPath } from "../lib/core/shared.ts";
import { readBest } from "../lib/experiment/history.ts";
import { readOrigin } from "../lib/experiment/origin.ts";
import { runCliProcess, writeHrImages } from "./cli_util.ts";
import { assertEventsMatchLog, haveProtobuf } from "./tb_util.ts";

const set5 = sharedPath("SRBenchmark", "Set5", "HR");

/** A tiny SR experiment folder: two synthetic HR images and `extra` TOML sections. */
async function experiment(extra: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sr_workflow" });
  const hr = await writeHrImages(dir, 48, 56);
  await Deno.writeTextFile(
    join(dir, "config.toml"),
    `[experiment]\nname = "tiny"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
      `[train]\ndata = "${hr}"\ncrop = 8\nbatch = 4\niterations = 6\nlr = 0.01\nlog_every = 2\n` +
      `checkpoint_every = 6\neval_every = 2\neval_images = 1\n` +
      `[finetune]\ncrop = 8\nbatch = 4\nlog_every = 1\n` +
      `[eval]\nsets = ["Set5"]\nsave_images = false\n` +
      `[export_lut]\ncheckpoint_iter = 4\n[finetune_lut]\nexport_lut_iter = 4\ntotal_iter = 3\nlr0 = 0.5\n` +
      extra,
  );
  return dir;
}

async function step(name: string, dir: string, ...flags: string[]): Promise<string> {
  const r = await runCliProcess(name, ["-e", dir, ...flags]);
  assert(r.code === 0, `${name} ${flags.join(" ")}: ${r.text}`);
  return r.text;
}

Deno.test({
  name: "sr workflow: train, export, finetune -e X with no flags follow config.toml; --step overrides",
  ignore: !set5,
  fn: async () => {
    const dir = await experiment("");
    try {
      await step("train", dir);
      const best = (await readBest(join(dir, "train")))!;
      assertEquals(best.metric, "val/psnr");
      assert([2, 4, 6].includes(best.step), `best at ${best.step}`);
      await Deno.stat(join(dir, "train", "checkpoints", "step_4.bin")); // kept: [export_lut] checkpoint_iter
      assertEquals((await readOrigin(join(dir, "luts")))?.step, 6); // train exports its last step

      const ex = await step("export", dir);
      assert(ex.includes("exporting the network of step 4"), ex);
      assertEquals((await readOrigin(join(dir, "luts")))?.step, 4);

      const ft = await step("finetune", dir);
      assert(ft.includes("starting from the experiment's own exported tables"), ft);
      const origin = (await readOrigin(join(dir, "luts_ft")))!;
      assertEquals([origin.step, origin.source, origin.finetune_step], [4, "exported", 3]);

      await step("eval", dir);
      const scores = JSON.parse(await Deno.readTextFile(join(dir, "eval", "finetuned.json")));
      assertEquals(scores[0].step, 4);

      if (haveProtobuf) {
        await assertEventsMatchLog(join(dir, "train"));
        const ftEvents = await assertEventsMatchLog(join(dir, "finetune"));
        assertEquals(ftEvents.filter((e) => e.scalars?.loss !== undefined).map((e) => e.step), [1, 2, 3]);
      }

      // --step overrides checkpoint_iter; export_lut_iter = 4 then refuses the step-6 tables
      await step("export", dir, "--step", "6");
      assertEquals((await readOrigin(join(dir, "luts")))?.step, 6);
      const refused = await runCliProcess("finetune", ["-e", dir, "--restart"]);
      assert(refused.code !== 0 && refused.text.includes("come from step 6, not step 4"), refused.text);
      await step("finetune", dir, "--restart", "--step", "6");
      assertEquals((await readOrigin(join(dir, "luts_ft")))?.step, 6);
      const evalBest = await runCliProcess("eval", ["-e", dir, "--from", "exported", "--step", "best"]);
      assertEquals(evalBest.code === 0, best.step === 6, evalBest.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "sr workflow: [export_lut.dfc] enabled: export compresses, finetune tunes the DFC tables (no flags)",
  ignore: !set5,
  fn: async () => {
    const dir = await experiment(
      `[export_lut.dfc]\nenabled = true\ndiagonal_width = 2\nsampling_interval = 6\n`,
    );
    try {
      await step("train", dir);
      const ex = await step("export", dir);
      assert(ex.includes("DFC (diagonal_width 2, sampling_interval 6)"), ex);
      assertEquals((await readOrigin(join(dir, "export", "dfc")))?.step, 4);
      const ft = await step("finetune", dir);
      assert(ft.includes("starting from the DFC tables"), ft);
      const tuned = join(dir, "export", "dfc_ft");
      assertEquals((await readOrigin(tuned))?.source, "dfc");
      assertEquals((await readOrigin(tuned))?.step, 4);
      const manifest = JSON.parse(await Deno.readTextFile(join(tuned, "dfc.json")));
      assert(manifest.finetuned.changed_entries > 0, JSON.stringify(manifest.finetuned));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// SR commands follow the user's own artifacts (lib/sr/artifacts.ts): after train + export, `eval -e`
// and `finetune -e` use the experiment's own newest tables (exported -> fine-tuned -> DFC) and say so, the
// published tables only with --pretrained; `eval --from dfc` scores the DFC tables; `export` prints the
// quantisation gap and the follow-up commands; LUT fine-tuning (trained in table/127 units) changes the
// tables and raises PSNR on the training set.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { sharedPath } from "../lib/core/shared.ts";
import { writeImage } from "../lib/image/io.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { loadSrConfig, type SrConfig } from "../lib/sr/config.ts";
import { chooseSource, loadSrSource } from "../lib/sr/artifacts.ts";
import { evalFolder } from "../lib/sr/core/benchmark.ts";
import { evalSr } from "../lib/sr/evaluate.ts";
import { finetuneSr } from "../lib/sr/finetune.ts";
import { trainSr } from "../lib/sr/sr_train.ts";
import { exportExperiment } from "../lib/cli/export.ts";
import { runCliProcess } from "./cli_util.ts";

const set5 = sharedPath("SRBenchmark", "Set5", "HR");
const published = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x2_4bit_int8.npy");

/** A tiny SR-LUT-S ×2 experiment (width 8) trained for a few steps on 3 synthetic photos; tables exported. */
async function tinyExperiment(): Promise<{ dir: string; config: SrConfig }> {
  const dir = await Deno.makeTempDir({ prefix: "cli_sr_artifacts" });
  for (let k = 0; k < 3; k++) {
    const h = 48, w = 56, data = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const edge = (x + 2 * y + 7 * k) % 23 < 11 ? 0.25 : 0; // stripes: detail the model can learn
          data[(c * h + y) * w + x] = 0.3 + edge + 0.2 * Math.sin(0.21 * x + 0.13 * y + k + c);
        }
      }
    }
    await writeImage(join(dir, "train", "HR", `img${k}.png`), { data, channels: 3, height: h, width: w });
  }
  await Deno.writeTextFile(
    join(dir, "config.toml"),
    `[experiment]\nname = "tiny"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
      `[train]\ndata = "${join(dir, "train", "HR")}"\ncrop = 8\nbatch = 4\niterations = 6\nlr = 0.003\n` +
      `log_every = 3\n[finetune]\ncrop = 12\nbatch = 8\niterations = 30\nlr = 1e-3\nlog_every = 10\n` +
      `[eval]\nsets = ["Set5"]\nsave_images = false\n` +
      (published ? `[pretrained]\ntables = "${published}"\n` : ""),
  );
  const config = await loadSrConfig(dir);
  await trainSr(config, { quiet: true });
  return { dir, config };
}

Deno.test("finetune: changes the int8 tables and raises PSNR on the training set", async () => {
  const { dir, config } = await tinyExperiment();
  try {
    const train = join(dir, "train");
    const before = await evalFolder(await loadSrSource(config, "exported"), train, config.degradation);
    const ft = await finetuneSr(config, { quiet: true });
    assertEquals(ft.source, "exported");
    const name = "LUT_x2_4bit_int8_s.npy";
    const a = (await readNpy(join(dir, "luts", name))).data as Int8Array;
    const b = (await readNpy(join(dir, "luts_ft", name))).data as Int8Array;
    const changed = a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);
    // Before the fix (trained in int8 units, Adam steps of ~lr) not one entry changed.
    assert(changed >= 100, `fine-tuning changed ${changed} of ${a.length} entries`);
    const after = await evalFolder(await loadSrSource(config, "finetuned"), train, config.degradation);
    assert(
      after.psnr > before.psnr + 0.05,
      `training-set PSNR ${before.psnr.toFixed(3)} -> ${after.psnr.toFixed(3)} dB`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "eval/finetune default to the experiment's own newest tables; --pretrained; --from dfc",
  ignore: !set5 || !published,
  fn: async () => {
    const { dir, config } = await tinyExperiment();
    try {
      // export: the quantisation gap on a few Set5 images and the follow-up commands
      let r = await runCliProcess("export", ["-e", dir]);
      assertEquals(r.code, 0, r.text);
      assert(
        /quantisation gap on Set5 \(first 3 images, PSNR Y\): network \d+\.\d+ dB, tables \d+\.\d+/.test(
          r.text,
        ),
        r.text,
      );
      assertStringIncludes(
        r.text,
        `next, with these tables: deno task eval -e ${dir}; deno task finetune -e ${dir}`,
      );

      r = await runCliProcess("eval", ["-e", dir]);
      assertEquals(r.code, 0, r.text);
      assertStringIncludes(r.text, "eval: using the experiment's own exported tables");
      await Deno.stat(join(dir, "eval", "exported.json"));

      r = await runCliProcess("eval", ["-e", dir, "--pretrained", "--quiet"]);
      assertEquals(r.code, 0, r.text);
      const pre = JSON.parse(await Deno.readTextFile(join(dir, "eval", "pretrained.json")));
      assert(pre[0].psnr > 35, `published SR-LUT-S x2 on Set5: ${pre[0].psnr}`); // paper: 36.3 dB-ish
      r = await runCliProcess("eval", ["-e", dir, "--pretrained", "--from", "exported"]);
      assertEquals(r.code, 2, r.text);

      r = await runCliProcess("finetune", ["-e", dir]);
      assertEquals(r.code, 0, r.text);
      assertStringIncludes(r.text, "finetune: starting from the experiment's own exported tables");
      assertEquals((await chooseSource(config)).source, "finetuned");
      r = await runCliProcess("eval", ["-e", dir, "--quiet"]);
      assertEquals(r.code, 0, r.text);
      await Deno.stat(join(dir, "eval", "finetuned.json"));

      // DFC of the fine-tuned tables: newest, evaluated by default and with --from dfc
      await exportExperiment(dir, { dfc: true, from: "finetuned", quiet: true });
      const choice = await chooseSource(config);
      assertEquals(choice.source, "dfc");
      assertStringIncludes(choice.note, "older: finetuned, exported");
      const [dfc] = await evalSr(config, { source: "dfc", quiet: true });
      const [full] = await evalSr(config, { source: "finetuned", quiet: true });
      assert(Math.abs(dfc.psnr - full.psnr) < 0.5, `DFC ${dfc.psnr} vs full ${full.psnr}`);
      assert(dfc.psnr !== full.psnr, "the DFC tables are looked up, not the full ones");
      r = await runCliProcess("eval", ["-e", dir, "--from", "dfc", "--quiet"]);
      assertEquals(r.code, 0, r.text);
      await Deno.stat(join(dir, "eval", "dfc.json"));

      // --pretrained fine-tunes the published table (--restart: a finished fine-tuning run is never overwritten silently)
      const ftp = await finetuneSr(config, { pretrained: true, restart: true, quiet: true });
      assertEquals(ftp.source, "pretrained");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("eval/finetune without tables of their own: an error naming train and --pretrained", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_sr_none" });
  try {
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "none"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
        `[pretrained]\ntables = "shared:pretrained/srlut/3_Test_using_LUT/Model_S_x2_4bit_int8.npy"\n`,
    );
    const config = await loadSrConfig(dir);
    const e = await assertRejects(() => chooseSource(config));
    assertStringIncludes((e as Error).message, "no tables of its own yet");
    assertStringIncludes((e as Error).message, "--pretrained");
    await assertRejects(
      () => chooseSource(config, { from: "dfc", allowed: ["exported", "finetuned"] }),
      Error,
      `--from must be exported, finetuned or pretrained, got "dfc"`,
    );
    // one check of --from (chooseSource) for every SR command: the same message through the CLIs
    for (
      const [cli, args, accepted] of [
        ["eval", [], "exported, finetuned, dfc, dfc_ft or pretrained"],
        [
          "apply",
          [join(dir, "in.png"), join(dir, "out.png")],
          "exported, finetuned, dfc, dfc_ft or pretrained",
        ],
        ["finetune", [], "exported, finetuned, dfc or pretrained"],
        ["export", ["--dfc"], "exported, finetuned or pretrained"],
      ] as const
    ) {
      if (cli === "apply") {
        await writeImage(join(dir, "in.png"), {
          data: new Float32Array(12),
          channels: 3,
          height: 2,
          width: 2,
        });
      }
      const r = await runCliProcess(cli, ["-e", dir, ...args, "--from", "bogus"]);
      assertEquals(r.code, 1, r.text);
      assertStringIncludes(r.err, `${cli}: --from must be ${accepted}, got "bogus"`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

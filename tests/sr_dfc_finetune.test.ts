// Fine-tuning of DFC-compressed tables (lib/sr/dfc_finetune.ts) on the published SR-LUT-S x4 table:
// `export --dfc` (width 2, sampling interval 7: the setting that loses most), `finetune --from dfc` for a
// few steps on small crops of the DF2K subset, then Set5 (not trained on) through `eval --from dfc_ft`:
// entries change, PSNR rises, the tables are written with their provenance and become the newest source.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { sharedPath } from "../lib/core/shared.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { chooseSource } from "../lib/sr/artifacts.ts";
import { evalSr } from "../lib/sr/evaluate.ts";
import { exportExperiment } from "../lib/cli/export.ts";
import { runCliProcess } from "./cli_util.ts";

const set5 = sharedPath("SRBenchmark", "Set5", "HR");
const train = sharedPath("SRTrain", "DF2K_subset", "HR");
const published = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_4bit_int8.npy");

Deno.test({
  name: "finetune --from dfc: the DFC tables of SR-LUT-S (dw 2, si 7) change and Set5 PSNR rises",
  ignore: !set5 || !train || !published,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sr_dfc_finetune" });
    try {
      await Deno.writeTextFile(
        join(dir, "config.toml"),
        `[experiment]\nname = "dfc-ft"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 4\n` +
          `[finetune]\ndata = "${train}"\ncrop = 24\nbatch = 8\niterations = 20\nlr = 1e-3\nlog_every = 10\n` +
          `[dfc]\ndiagonal_width = 2\nsampling_interval = 7\n` +
          `[eval]\nsets = ["Set5"]\nsave_images = false\n[pretrained]\ntables = "${published}"\n`,
      );
      const config = await loadSrConfig(dir);
      await exportExperiment(dir, { dfc: true, from: "pretrained", quiet: true });
      const [before] = await evalSr(config, { source: "dfc", quiet: true });
      const r = await runCliProcess("finetune", ["-e", dir, "--from", "dfc"]);
      assertEquals(r.code, 0, r.text);
      assertStringIncludes(r.text, `finetune: starting from the DFC tables in ${join(dir, "export", "dfc")}`);
      assertStringIncludes(r.text, `deno task eval -e ${dir} --from dfc_ft`);
      assertEquals((await chooseSource(config)).source, "dfc_ft");
      const [after] = await evalSr(config, { source: "dfc_ft", quiet: true });
      console.log(`  Set5 ${before.psnr.toFixed(3)} -> ${after.psnr.toFixed(3)} dB after 20 steps`);
      assert(after.psnr > before.psnr + 0.02, `Set5 ${before.psnr} -> ${after.psnr} dB`);

      const manifest = JSON.parse(await Deno.readTextFile(join(dir, "export", "dfc_ft", "dfc.json")));
      assertEquals([manifest.diagonal_width, manifest.sampling_interval, manifest.source], [
        2,
        7,
        "pretrained",
      ]);
      assertEquals(manifest.finetuned.from, join(dir, "export", "dfc"));
      assertEquals([manifest.finetuned.iterations, manifest.finetuned.steps_run], [20, 20]);
      let changed = 0;
      for (const part of ["fine", "coarse"]) {
        const file = `DFC_x4_4bit_int8_s_${part}.npy`;
        const a = (await readNpy(join(dir, "export", "dfc", file))).data as Int8Array;
        const b = (await readNpy(join(dir, "export", "dfc_ft", file))).data as Int8Array;
        assert(b instanceof Int8Array && b.length === a.length, `${file}: int8 of the same size`);
        changed += a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);
      }
      assert(changed >= 1000, `${changed} entries changed`);
      assertEquals(manifest.finetuned.changed_entries, changed);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

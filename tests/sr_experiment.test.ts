// End to end on a temporary experiment: trainSr (network, checkpoint, export) → `deno task export` CLI →
// evalSr on Set5 ×2 (CSV, PNGs, JSON) → finetuneSr (tables) → evalSr on the fine-tuned tables.
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { writeHrImages } from "./cli_util.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { evalSr } from "../lib/sr/evaluate.ts";
import { finetuneSr } from "../lib/sr/finetune.ts";
import { trainSr } from "../lib/sr/sr_train.ts";
import { readNpy } from "../lib/formats/npy.ts";

const set5 = sharedPath("SRBenchmark", "Set5", "LR_bicubic", "X2");

Deno.test({
  name: "sr experiment: train → export CLI → eval → finetune → eval",
  ignore: !set5,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sr_exp" });
    try {
      await writeHrImages(dir, 64, 72);
      await Deno.writeTextFile(
        join(dir, "config.toml"),
        `[experiment]\nname = "tiny"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
          `[train]\ndata = "${
            join(dir, "hr")
          }"\ncrop = 8\nbatch = 4\niterations = 6\nlr = 0.01\nlog_every = 3\n` +
          `[finetune]\ncrop = 8\nbatch = 4\niterations = 4\nlr = 0.5\nlog_every = 2\n` +
          `[eval]\nsets = ["Set5"]\n`,
      );
      const config = await loadSrConfig(dir);
      const fit = await trainSr(config, { quiet: true });
      assertEquals(fit.iterations, 6);
      const table = join(dir, "luts", "LUT_x2_4bit_int8_s.npy");
      const first = await readNpy(table);
      assertEquals(first.shape, [83521, 4]);

      const cli = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(repoRoot, "lib", "cli", "export.ts"), "-e", dir],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(cli.stdout) + new TextDecoder().decode(cli.stderr);
      assert(cli.success, text);
      assert(/rows\/s ETA/.test(text) && /exported 1 table/.test(text), text);
      assertEquals((await readNpy(table)).data, first.data);

      const [exported] = await evalSr(config, { quiet: true });
      assertEquals(exported.rows.length, 5);
      assert(Number.isFinite(exported.psnr) && exported.psnr > 10, `Set5 PSNR ${exported.psnr}`);
      const csv = await Deno.readTextFile(join(dir, "eval", "exported", "Set5", "scores.csv"));
      assert(csv.startsWith("image,psnr_y,ssim_y\n") && csv.includes("mean,"));
      await Deno.stat(join(dir, "eval", "exported", "Set5", "bird.png"));

      const ft = await finetuneSr(config, { quiet: true });
      assertEquals(ft.paths.length, 1);
      const [tuned] = await evalSr(config, { source: "finetuned", quiet: true });
      assertEquals(tuned.rows.length, 5);
      const res = JSON.parse(await Deno.readTextFile(join(dir, "eval", "finetuned.json")));
      assertEquals(res[0].set, "Set5");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// A model family added from this file alone: it registers an SR family "toy" (a 2-pixel LUT, pattern V,
// ×2, rotation ensemble) in lib/sr/models/sr_registry.ts, and the CLI entry points train it, export its table
// by enumeration and evaluate the exported table; the config reader accepts `model.kind = "toy"` because the
// kinds are the registry's names.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { parse } from "@std/toml";
import { writeImage } from "../lib/image/io.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { LutModule } from "../lib/sr/core/lutmodule.ts";
import { SrModel } from "../lib/sr/core/model.ts";
import { patternOf } from "../lib/sr/core/pattern.ts";
import { srModels } from "../lib/sr/models/sr_registry.ts";
import { parseSrConfig } from "../lib/sr/config.ts";
import { main as trainMain } from "../lib/cli/train.ts";
import { main as exportMain } from "../lib/cli/export.ts";
import { stripedPhoto } from "./sr_util.ts";
import { main as evalMain } from "../lib/cli/eval.ts";

srModels.register("toy", (cfg, seed) => {
  const module = new LutModule({
    name: "toy",
    pattern: patternOf("v"),
    upscale: cfg.upscale,
    net: { kind: "srlut", width: cfg.width },
    interval: cfg.interval,
    roundOutput: false,
  }, seed);
  return new SrModel({
    kind: "toy",
    upscale: cfg.upscale,
    stages: [{ modules: [module], divisor: 1, bias: 0 }],
    padMode: "reflect",
    finalQuant: "srlut",
  });
});

Deno.test("a toy SR family registered from a test file: the config accepts its kind; train, export, eval", async () => {
  const toml = (kind: string) => parse(`[experiment]\ntask = "sr"\n[model]\nkind = "${kind}"\n`);
  assertEquals(parseSrConfig(toml("toy"), "toy.toml").model.kind, "toy");
  assertThrows(() => parseSrConfig(toml("toys"), "toy.toml"), Error, 'model.kind must be one of "srlut"');
  const dir = await Deno.makeTempDir({ prefix: "sr_toy_family" });
  try {
    for (let k = 0; k < 3; k++) await writeImage(join(dir, "train", `img${k}.png`), stripedPhoto(48, 56, k));
    await writeImage(join(dir, "bench", "Mini", "HR", "a.png"), stripedPhoto(40, 48, 5));
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "toy"\ntask = "sr"\n[model]\nkind = "toy"\nupscale = 2\nwidth = 8\n` +
        `[train]\ndata = "${
          join(dir, "train")
        }"\ncrop = 8\nbatch = 4\niterations = 6\nlr = 0.003\nlog_every = 3\n` +
        `[eval]\nsets = ["Mini"]\nbenchmark = "${join(dir, "bench")}"\nsave_images = false\n`,
    );
    await trainMain(["-e", dir, "--quiet"]);
    const log = (await Deno.readTextFile(join(dir, "train", "log.jsonl"))).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(log.at(-1).step, 6);
    await exportMain(["-e", dir, "--quiet"]);
    const table = await readNpy(join(dir, "luts", "LUT_x2_4bit_int8_toy.npy"));
    assertEquals(table.shape, [17 * 17, 4]); // 2 inputs at 17 levels, 2x2 outputs
    await evalMain(["-e", dir, "--quiet"]);
    const [score] = JSON.parse(await Deno.readTextFile(join(dir, "eval", "exported.json")));
    assertEquals(score.set, "Mini");
    assert(Number.isFinite(score.psnr) && score.psnr > 15, `PSNR ${score.psnr}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

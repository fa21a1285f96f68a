/**
 * The lutbgrid and icelut presets through the CLI: `deno task train` runs 2 steps of the LUTwithBGrid
 * preset (its paper settings, steps overridden) and writes a checkpoint; `export` refuses LUTwithBGrid
 * (no exact .cube form) and writes ICELUT's fused per-image LUTs; ICELUT refuses training.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { readCube } from "../lib/formats/cube.ts";
import { runCliProcess } from "./cli_util.ts";

const ignore = !sharedPath("FiveK", "dpe_expertC_pairs") || !sharedPath("pretrained", "icelut");

/** A copy of experiments/<name> whose [train] runs 2 steps and whose eval sees 2 images. */
async function shortPreset(name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: name });
  const text = (await Deno.readTextFile(join(repoRoot, "experiments", name, "config.toml")))
    .replace(/^steps = .*$/m, "steps = 2")
    .replace(/^log_every = .*$/m, "log_every = 1")
    .replace(/^eval_every = .*$/m, "eval_every = 2")
    .replace(/^checkpoint_every = .*$/m, "checkpoint_every = 2")
    .replace(/^max_images = .*$/m, "max_images = 2")
    .replace(/^save_images = .*$/m, "save_images = false");
  await Deno.writeTextFile(join(dir, "config.toml"), text);
  return dir;
}

Deno.test({
  name: "lutbgrid preset: deno task train runs 2 steps; export refuses (no exact .cube)",
  ignore,
  async fn() {
    const dir = await shortPreset("lutbgrid-fivek");
    const train = await runCliProcess("train", ["-e", dir, "--quiet"]);
    assertEquals(train.code, 0, train.text);
    assert((await Deno.stat(join(dir, "train", "checkpoint.bin"))).isFile);
    const exp = await runCliProcess("export", ["-e", dir]);
    assert(exp.code !== 0);
    assertStringIncludes(exp.text, "no .cube export");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "icelut preset: export writes the fused 33^3 LUT per image; training is refused with the reason",
  ignore,
  async fn() {
    const dir = await shortPreset("icelut-fivek");
    const exp = await runCliProcess("export", ["-e", dir, "--pretrained"]);
    assertEquals(exp.code, 0, exp.text);
    const cubes = [...Deno.readDirSync(join(dir, "export", "cubes"))].map((e) => e.name);
    assertEquals(cubes.length, 2);
    assertEquals((await readCube(join(dir, "export", "cubes", cubes[0]))).size, 33);
    const train = await runCliProcess("train", ["-e", dir, "--quiet"]);
    assert(train.code !== 0);
    assertStringIncludes(train.text, "no trainable parameters");
    await Deno.remove(dir, { recursive: true });
  },
});

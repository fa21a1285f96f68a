import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { loadExperiment } from "../lib/cli/all_tasks.ts";
import { newExperiment } from "../lib/cli/new.ts";
import { presets } from "../lib/cli/args.ts";
import { parse } from "@std/toml";

const F = "experiments/x/config.toml";

Deno.test("config errors name the file and the key path", () => {
  const bad = (raw: Record<string, unknown>, msg: string) =>
    assertThrows(() => parsePhotoConfig(raw, F), Error, msg);
  bad({ train: { lr: "abc" } }, `${F}: train.lr must be a number, got "abc"`);
  bad({ train: { steps: 1.5 } }, `${F}: train.steps must be an integer`);
  bad({ train: { lrr: 1 } }, `${F}: unknown key train.lrr`);
  bad({ trian: {} }, `${F}: unknown section [trian]`);
  bad({ model: { family: "3dlut", s: 5 } }, `${F}: unknown key model.s`);
  bad({ model: { family: "nope" } }, `model.family must be one of`);
  bad({ model: { family: "clutnet", s: 40 } }, `model.s must be an integer in [1, 33]`);
  bad(
    { model: { family: "clutnet", compression: "dct" } },
    `model.compression must be one of "learned", "fixed"`,
  );
  bad({ train: { losses: ["mse", "ssim"] } }, `train.losses: unknown loss "ssim"`);
  bad({ eval: { save_images: "yes" } }, `eval.save_images must be a boolean`);
  bad({ model: { family: "pca" } }, `model.source must name`);
});

Deno.test("defaults follow the papers per family", () => {
  const a = parsePhotoConfig({ model: { family: "3dlut" } }, F);
  assertEquals(a.train.losses, ["mse"]);
  assertEquals([a.train.lr, a.train.beta1, a.train.beta2, a.train.lambdaMono], [1e-4, 0.9, 0.999, 10]);
  assertEquals(a.name, "x");
  const c = parsePhotoConfig({ model: { family: "clutnet" } }, F);
  assertEquals(c.train.losses, ["l1", "cos"]);
  assert(
    c.model.family === "clutnet" && c.model.spec.bank.kind === "compressed" && c.model.spec.bank.w === 10,
  );
});

Deno.test("every preset parses; new never overwrites; SR configs are delegated", async () => {
  const photo = presets().filter((p) => p.task === "photo").map((p) => `experiments/${p.name}/config.toml`);
  assert(photo.length >= 9, photo.join(", "));
  for (const f of photo) parsePhotoConfig(parse(await Deno.readTextFile(f)) as Record<string, unknown>, f);
  const dir = join(await Deno.makeTempDir(), "exp1");
  const file = await newExperiment(dir, "bl-c");
  const text = await Deno.readTextFile(file);
  assert(text.includes('compression = "fixed"') && text.includes('name = "exp1"'));
  await Deno.writeTextFile(file, text + "# edited\n");
  await assertRejects(() => newExperiment(dir, "3dlut"), Error, "already exists");
  assert((await Deno.readTextFile(file)).endsWith("# edited\n"));
  await assertRejects(
    () => newExperiment(join(dir, "..", "exp2"), "no-such-preset"),
    Error,
    "unknown preset",
  );
  const sr = await loadExperiment("experiments/sr-lut-s-x4");
  assertEquals(sr.task, "sr");
});

// `deno task figures` on an experiment: the AutoLUT figures show exactly the exported sampler and AdaRL
// weights, a figure whose data is missing is skipped with the reason, and bad arguments name the problem.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { basename, join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { writeFigures } from "../lib/cli/figures.ts";
import { type AutoLutModel, autolutWeights } from "../lib/sr/models/autolut.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { exportModel } from "../lib/sr/core/enumerate.ts";
import { tableDir } from "../lib/sr/experiment.ts";
import { buildSrModel } from "../lib/sr/models/models.ts";

const CONFIG = `[experiment]
name = "tiny-autolut"
task = "sr"
[model]
kind = "autolut"
base = "mulut"
modes = ["s", "d"]
stages = 2
upscale = 2
interval = 6
width = 4
sample_size = 3
adarl = true
[export]
int8 = true
`;

Deno.test("figures -e autolut: sampler and AdaRL figures carry the exported weights", async () => {
  await initTf();
  const dir = await Deno.makeTempDir({ prefix: "cli_figures" });
  try {
    await Deno.writeTextFile(join(dir, "config.toml"), CONFIG);
    const config = await loadSrConfig(dir);
    const out = join(dir, "figures");
    // before export: skipped, saying why
    const before = await writeFigures({ exp: dir, out, png: false, only: ["autolut_samplers"] });
    assertEquals([before.written, before.skipped], [[], ["autolut_samplers"]]);

    const model = buildSrModel(config.model, 5) as AutoLutModel;
    model.units.flat().forEach((u) => u.adarl?.weight.assign(tf.tensor1d([0.25, 0.5, 0.75, 1])));
    await exportModel(model, tableDir(config, "exported"), { int8: true });
    const want = await autolutWeights(model);
    const { written, skipped } = await writeFigures({
      exp: dir,
      out,
      png: false,
      only: ["autolut_samplers", "autolut_adarl"],
    });
    assertEquals(skipped, []);
    const name = basename(dir); // the figures of an experiment are named after its folder
    assertEquals(written.map((p) => p.split("/").pop()), [
      `${name}_autolut_samplers.html`,
      `${name}_autolut_adarl.html`,
    ]);
    const adarl = await Deno.readTextFile(join(out, `${name}_autolut_adarl.html`));
    assertEquals(want.adarl.length, 2);
    assert(adarl.includes("[[0.25,0.5,0.75,1],[0.25,0.5,0.75,1]]"), "AdaRL weights missing from the figure");
    const samplers = await Deno.readTextFile(join(out, `${name}_autolut_samplers.html`));
    assertEquals(want.samplers.length, 4);
    for (const s of want.samplers) {
      const firstRow = JSON.stringify(Array.from(s.weights.subarray(0, 3)));
      assert(samplers.includes(firstRow), `${s.name}: sampler row ${firstRow} missing from the figure`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("figures: missing experiment data is skipped with the reason; bad folder and names refused", async () => {
  const out = await Deno.makeTempDir({ prefix: "cli_figures_skip" });
  try {
    const r = await writeFigures({ out, png: false, only: ["autolut_adarl", "training_curves"] });
    assertEquals([r.written, r.skipped], [[], ["training_curves", "autolut_adarl"]]);
    await assertRejects(() => writeFigures({ exp: join(out, "nope"), out, png: false }), Error, "nope");
    await assertRejects(
      () => writeFigures({ out, png: false, only: ["bogus"] }),
      Error,
      "unknown figure(s) bogus",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

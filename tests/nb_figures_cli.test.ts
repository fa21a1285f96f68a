/** `deno task figures`: writes the figure list as HTML; figures without data are skipped, not faked. */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { writeFigures } from "../lib/cli/figures.ts";
import { sharedPath } from "../lib/core/shared.ts";

Deno.test("figures: training curves from an experiment's JSONL logs; unknown names rejected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nb_figcli_" });
  try {
    const exp = join(dir, "exp");
    await Deno.mkdir(join(exp, "train"), { recursive: true });
    await Deno.writeTextFile(
      join(exp, "train", "log.jsonl"),
      '{"iter":100,"loss":0.0123,"psnr":19.1,"lr":0.0001,"seconds":3}\n{"iter":200,"loss":0.0071,"psnr":21.49}\n',
    );
    const out = join(dir, "figs");
    const r = await writeFigures({ exp, out, png: false, only: ["training_curves"] });
    assertEquals(r.written, [join(out, "exp_training_curves.html")]); // named after the experiment folder
    const html = await Deno.readTextFile(join(out, "exp_training_curves.html"));
    assert(html.includes("21.49") && html.includes("0.0071") && html.includes('src="plotly.js"'));
    assert((await Deno.stat(join(out, "plotly.js"))).size > 1_000_000);
    const images = await writeFigures({ exp, out, png: true, only: ["training_curves"] });
    assertEquals(images.written, ["html", "png", "svg"].map((e) => join(out, `exp_training_curves.${e}`)));
    assert((await Deno.readTextFile(join(out, "exp_training_curves.svg"))).includes("main-svg"));

    const none = await writeFigures({ out, png: false, only: ["training_curves"] });
    assertEquals([none.written, none.skipped], [[], ["training_curves"]]);
    await assertRejects(
      () => writeFigures({ out, png: false, only: ["nope"] }),
      Error,
      "unknown figure(s) nope",
    );
    await assertRejects(
      () => writeFigures({ exp: join(dir, "missing"), out, png: false }),
      Error,
      "does not exist",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "figures: LUT analysis figures and matrices from the pretrained CLUT-Net",
  ignore: !sharedPath("pretrained", "clutnet_hashlut", "FiveK", "CLUTNet_20+05+10", "model0310.pth"),
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "nb_figcli_" });
    try {
      const only = ["clut_strong_correlation", "clut_weak_correlation", "clut_matrices", "lut_lattice"];
      const r = await writeFigures({ out, png: false, only });
      assertEquals(r.written, only.map((n) => join(out, `${n}.html`)));
      for (const p of r.written) {
        assert((await Deno.readTextFile(p)).includes("20+05+10"), p);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

/** The README's main command, shortened: data, training, evaluation and every promised output file. */
import { assert } from "@std/assert";
import { join } from "@std/path";
import { quickstart } from "../lib/cli/quickstart.ts";

Deno.test("quickstart (30 steps) writes data, log, checkpoint, PNGs, .cube files and scores, and improves PSNR", async () => {
  const out = await Deno.makeTempDir();
  const psnr = await quickstart(out, 30, true);
  const ev = join(out, "eval", "trained");
  for (
    const f of [
      "data/input_train/acanthus-mollis.png",
      "data/target_test/nagasaki-boats.png",
      "data/reference_retouch.cube",
      "train/log.jsonl",
      "train/checkpoint.bin",
      "eval/trained/images/nagasaki-boats.png",
      "eval/trained/cubes/march-pastoral.cube",
      "eval/trained/basis/basis_19.cube",
      "eval/trained/scores.csv",
    ]
  ) await Deno.stat(join(out, f));
  const summary = JSON.parse(await Deno.readTextFile(join(ev, "summary.json")));
  assert(psnr > summary.input.psnr + 2, `quickstart PSNR ${psnr} vs input ${summary.input.psnr}`);
  await Deno.remove(out, { recursive: true });
});

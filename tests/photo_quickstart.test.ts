/**
 * The README's main command, shortened: data, training, evaluation and every promised output file; it is
 * `deno task train` of the preset experiments/quickstart (the same logged numbers with the same seed).
 */
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { quickstart } from "../lib/cli/quickstart.ts";
import { main as trainMain } from "../lib/cli/train.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { loadPairs } from "../lib/data/paired.ts";
import { quickstartPairs } from "../lib/data/retouch.ts";

/** The log records of `dir`'s training without their wall-clock `seconds`. */
async function records(dir: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(join(dir, "train", "log.jsonl"));
  return text.trim().split("\n").map((l) => {
    const { seconds: _, ...rest } = JSON.parse(l);
    return rest;
  });
}

Deno.test("quickstart (20 steps) writes data, log, checkpoint, PNGs, .cube files and scores, improves PSNR, and logs what deno task train -e experiments/quickstart logs", async () => {
  const out = await Deno.makeTempDir(), train = await Deno.makeTempDir();
  try {
    const res = await quickstart(out, 20, true);
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
    assertEquals(res.last.psnr, summary.mean.psnr);
    assert(
      res.last.psnr > summary.input.psnr + 2,
      `quickstart PSNR ${res.last.psnr} vs input ${summary.input.psnr}`,
    );
    assert(res.best.psnr >= res.last.psnr, `best ${res.best.psnr} below last ${res.last.psnr}`);

    // the preset trained by `deno task train` (20 steps): the same records, losses bit for bit
    const preset = await Deno.readTextFile(join(repoRoot, "experiments", "quickstart", "config.toml"));
    await Deno.writeTextFile(join(train, "config.toml"), preset.replace(/^steps = \d+/m, "steps = 20"));
    await trainMain(["-e", train, "--quiet"]);
    const [q, t] = [await records(out), await records(train)];
    assertEquals(q.filter((r) => "loss" in r).length, 2, JSON.stringify(q));
    assertEquals(q, t);
    // the PNGs written to data/ hold exactly the pairs the preset trains on (8-bit targets, not float)
    for (const split of ["train", "test"] as const) {
      const [disk, mem] = [await loadPairs(join(out, "data"), split), await quickstartPairs(split)];
      assertEquals(disk.map((p) => p.name), mem.map((p) => p.name));
      disk.forEach((p, i) => {
        assertEquals(p.input.data, mem[i].input.data, `${split} ${p.name} input`);
        assertEquals(p.target.data, mem[i].target.data, `${split} ${p.name} target`);
      });
    }
    const evals = q.filter((r) => "eval" in r) as { eval: { psnr: number } }[];
    assertEquals(evals.at(-1)!.eval.psnr, res.last.psnr, "the last eval of the log is the reported last");
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(train, { recursive: true });
  }
});

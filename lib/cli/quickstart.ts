/**
 * `deno task quickstart [--steps N] [--out DIR] [--force]`: the end-to-end demo on a fresh checkout, no
 * downloads beyond npm. It is `deno task train` + `deno task eval` of the preset experiments/quickstart
 * (CLUT-Net 20+05+10 on the embedded @stdlib photos and their reference retouch, lib/data/retouch.ts):
 * DIR/config.toml is the preset's config verbatim (--steps N changes only `steps`), trained by the train
 * command's own entry point, so its log holds the same numbers as `deno task train -e experiments/quickstart`
 * with the same seed. The pairs are also written as PNGs to DIR/data (FiveK layout: what the preset's
 * `root = "quickstart"` trains on, for a look or to swap in your own photos). At the end it reports the best
 * eval of the training (its checkpoint is kept: --step best) and the last, and lists the enhanced PNGs,
 * per-image and basis .cube LUTs, scores and the training log of the last.
 * An existing non-empty DIR that an earlier quickstart did not create (no .quickstart marker; e.g. an
 * experiment) is refused unless --force: its config and checkpoint would be replaced.
 */
import { exists } from "../core/read.ts";
import { repoRoot } from "../core/shared.ts";
import { join } from "@std/path";
import { initTf } from "../core/backend.ts";
import { parsePhotoConfig } from "../enhance/config.ts";
import { readToml } from "../experiment/reader.ts";
import { readBest } from "../experiment/history.ts";
import { QUICKSTART_SIDE, quickstartPairs, retouchLut } from "../data/retouch.ts";
import { writeCube } from "../formats/cube.ts";
import { writeImage } from "../image/io.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { evalPhoto } from "../enhance/evaluate.ts";
import { main as trainMain } from "./train.ts";
import { int, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";

/** Writes the quickstart pairs as PNGs in the FiveK layout under `dir` (skipped when already there). */
async function writeDataset(dir: string): Promise<void> {
  const done = join(dir, ".complete");
  if (await exists(done)) return;
  for (const split of ["train", "test"] as const) {
    for (const p of await quickstartPairs(split)) {
      await writeImage(join(dir, `input_${split}`, `${p.name}.png`), p.input);
      await writeImage(join(dir, `target_${split}`, `${p.name}.png`), p.target);
    }
  }
  await writeCube(join(dir, "reference_retouch.cube"), {
    title: "lutlab reference retouch",
    size: 33,
    lut: retouchLut(33),
  });
  await writeFileAtomic(done, "");
}

/** Refuses a non-empty `out` not made by quickstart (no .quickstart marker) unless `force`; then marks it. */
async function claimOutDir(out: string, force: boolean): Promise<void> {
  const marker = join(out, ".quickstart");
  const entries = await Array.fromAsync(Deno.readDir(out)).catch(() => []);
  const ours = entries.some((e) => e.name === ".quickstart");
  if (entries.length > 0 && !ours && !force) {
    const what = entries.some((e) => e.name === "config.toml") ? "an existing experiment" : "not empty";
    throw new Error(
      `${out} is ${what} (${entries.length} entries, no .quickstart marker): its files would be replaced; ` +
        `pass --force to do so, or choose another --out`,
    );
  }
  await writeFileAtomic(marker, "");
}

/** The best and the last eval of a quickstart run: step and mean PSNR (dB) on the held-out photos. */
export type QuickstartResult = { best: { step: number; psnr: number }; last: { step: number; psnr: number } };

/**
 * Runs the quickstart in `out`: the preset's training (`steps` overrides its step count when given) and
 * evaluation (see the module doc); `force` allows an `out` that holds other files.
 */
export async function quickstart(
  out: string,
  steps?: number,
  quiet = false,
  force = false,
): Promise<QuickstartResult> {
  await claimOutDir(out, force);
  await initTf();
  const say = (s: string) => quiet || console.log(s);
  const data = join(out, "data");
  say(`1/3 data: embedded photos + reference retouch -> ${data} (${QUICKSTART_SIDE} px long side)`);
  await writeDataset(data);
  const file = join(out, "config.toml");
  const preset = await Deno.readTextFile(join(repoRoot, "experiments", "quickstart", "config.toml"));
  await writeFileAtomic(
    file,
    steps === undefined ? preset : preset.replace(/^steps = \d+/m, `steps = ${steps}`),
  );
  const config = parsePhotoConfig(await readToml(file), file);
  say(
    `2/3 train: CLUT-Net 20+05+10, ${config.train.steps} steps = deno task train -e ${out} --restart ` +
      `(config: experiments/quickstart/config.toml${steps === undefined ? "" : `, steps = ${steps}`})`,
  );
  await trainMain(["-e", out, "--restart", ...(quiet ? ["--quiet"] : [])]);
  say(`3/3 eval on the held-out photos = deno task eval -e ${out}`);
  const res = await evalPhoto(config, { source: "trained", quiet });
  const kept = await readBest(join(out, "train"));
  const last = { step: config.train.steps, psnr: res.mean.psnr };
  const best = kept && kept.value > last.psnr ? { step: kept.step, psnr: kept.value } : last;
  say(
    `\nquickstart done (input ${res.input.psnr.toFixed(2)} dB vs the retouch):\n` +
      `  best eval         step ${best.step}: PSNR ${best.psnr.toFixed(2)} dB` +
      (best.step === last.step
        ? " (the last)\n"
        : ` (its checkpoint: deno task eval -e ${out} --step best)\n`) +
      `  last eval         step ${last.step}: PSNR ${last.psnr.toFixed(2)} dB (the outputs below)\n` +
      `  enhanced images   ${join(res.outDir, "images")}/\n` +
      `  per-image LUTs    ${join(res.outDir, "cubes")}/*.cube\n` +
      `  basis LUTs        ${join(res.outDir, "basis")}/*.cube\n` +
      `  scores            ${join(res.outDir, "scores.csv")}\n` +
      `  training log      ${join(out, "train", "log.jsonl")}\n` +
      `  data + reference  ${data}/ (reference_retouch.cube is the exact target grade)\n` +
      `next: deno task new experiments/mine --preset clutnet-20+05+10, then deno task train -e experiments/mine`,
  );
  return { best, last };
}

const SPEC: TaskSpec = {
  task: "quickstart",
  usage: "[--steps N] [--out DIR] [--force] [--quiet]   (defaults: the preset's steps, out/quickstart;\n" +
    "  --force: replace a non-empty --out folder that quickstart did not create)",
  boolean: ["quiet", "force"],
  string: ["steps", "out"],
};

/** `deno task quickstart` with `args` (see module doc). */
export async function main(args: string[]): Promise<QuickstartResult> {
  const a = parseTaskArgs(args, SPEC);
  return await quickstart(
    str(a, "out") ?? "out/quickstart",
    int(a, "steps", SPEC, 1),
    a.flags.quiet === true,
    a.flags.force === true,
  );
}

if (import.meta.main) await runCli("quickstart", () => main(Deno.args));

/**
 * `--step N | best` for SR commands: export enumerates the network of that training checkpoint
 * (experiment.ts), eval / finetune / apply use tables only when their origin.json says they came from it
 * (lib/experiment/origin.ts); "best" is the step of the best checkpoint kept during training
 * ([train] eval_every, lib/experiment/history.ts).
 */
import { join } from "@std/path";
import type { SrConfig } from "./config.ts";
import { readBest, type StepChoice } from "../experiment/history.ts";
import { requireOriginStep } from "../experiment/origin.ts";
import { sourceDir, type SrSource } from "./artifacts.ts";

/** The training step a `--step` choice names (undefined: any). */
export async function srStep(config: SrConfig, choice: StepChoice): Promise<number | undefined> {
  if (choice !== "best") return choice;
  const best = await readBest(join(config.dir, "train"));
  if (!best) throw new Error(`${config.dir}: no best checkpoint (kept when [train] eval_every > 0)`);
  return best.step;
}

/** Checks that `source`'s tables come from training step `step` (when given; published tables have none). */
export async function requireSourceStep(
  config: SrConfig,
  source: SrSource,
  step: number | undefined,
): Promise<void> {
  if (step === undefined) return;
  if (source === "pretrained") throw new Error(`--step ${step}: the published tables have no training step`);
  await requireOriginStep(
    sourceDir(config, source),
    step,
    `export that step with deno task export -e ${config.dir} --step ${step}` +
      (source === "exported" ? "" : ` and redo the ${source} stage`),
  );
}

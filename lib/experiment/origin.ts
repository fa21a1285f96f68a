/**
 * Where an artifact came from: `origin.json` beside exported, fine-tuned and DFC tables, eval scores and
 * exported cubes, {step, checkpoint, ...}: the training step of the checkpoint it was made from (history.ts),
 * so `--step N` / [finetune_lut] export_lut_iter can check it. Written atomically.
 */
import { join } from "@std/path";
import { writeJsonAtomic } from "../core/atomic.ts";
import { exists } from "../core/read.ts";

/** An artifact's origin: the network's training step, and what else the stage adds (source, finetune step). */
export type Origin = { step: number; [key: string]: unknown };

/** Writes `<dir>/origin.json`; undefined (published weights) removes a stale one. */
export async function writeOrigin(dir: string, origin: Origin | undefined): Promise<void> {
  if (origin) await writeJsonAtomic(join(dir, "origin.json"), origin);
  else await Deno.remove(join(dir, "origin.json")).catch(() => {});
}

/** Reads `<dir>/origin.json` (undefined when absent: tables from before origins were recorded, or published). */
export async function readOrigin(dir: string): Promise<Origin | undefined> {
  const p = join(dir, "origin.json");
  if (!await exists(p)) return undefined;
  try {
    const o = JSON.parse(await Deno.readTextFile(p));
    if (!Number.isInteger(o?.step)) throw new Error(`no integer "step"`);
    return o as Origin;
  } catch (e) {
    throw new Error(`${p}: corrupt origin record: ${(e as Error).message}`, { cause: e });
  }
}

/** Checks that the tables in `dir` come from training step `step` (when given); errors say how to get them. */
export async function requireOriginStep(dir: string, step: number | undefined, hint: string): Promise<void> {
  if (step === undefined) return;
  const o = await readOrigin(dir);
  if (o?.step !== step) {
    throw new Error(
      `${dir}: these tables come from ${
        o ? `step ${o.step}` : "an unrecorded step"
      }, not step ${step}: ${hint}`,
    );
  }
}

/**
 * Checkpoint history of a run folder (the newest is always `checkpoint.bin`, loop.ts):
 * - `checkpoints/step_<N>.bin`: copies kept at the steps the config names (`keep_steps`, e.g. [export_lut]
 *   checkpoint_iter) and every `keep_every` steps (CLUT-Net's `--epoch 310`, DFC's `checkpoint_iter`);
 * - `checkpoints/best.bin` + `checkpoints/best.json` {step, metric, value}: the checkpoint of the best eval
 *   metric seen during training (when the task evaluates during training);
 * every copy is written atomically; `--step N | best` on eval, export, finetune and apply resolves here.
 */
import { join } from "@std/path";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic.ts";
import { exists, readBytes } from "../core/read.ts";
import { readCheckpoint } from "./checkpoint.ts";
import type { StepChoice } from "./step_choice.ts";

export type { StepChoice } from "./step_choice.ts";

/** Which checkpoints a run keeps besides the newest: named steps, every N (0: none), the best by `best`. */
export type KeepPolicy = {
  steps: number[];
  every: number;
  /** log tag of the metric (scalarsOf naming, e.g. "eval/psnr"); higher is better */
  best?: string;
};

/** The best checkpoint's record. */
export type BestRecord = { step: number; metric: string; value: number };

/** Folder of the kept checkpoints of run folder `dir`. */
export function historyDir(dir: string): string {
  return join(dir, "checkpoints");
}

/** Path of the checkpoint kept at `step`. */
export function stepFile(dir: string, step: number): string {
  return join(historyDir(dir), `step_${step}.bin`);
}

/** Whether `policy` keeps the checkpoint of `step`. */
export function keepsStep(policy: KeepPolicy | undefined, step: number): boolean {
  return !!policy && (policy.steps.includes(step) || (policy.every > 0 && step % policy.every === 0));
}

/** Copies the checkpoint file `from` to `to` atomically. */
async function copyAtomic(from: string, to: string): Promise<void> {
  await Deno.mkdir(join(to, ".."), { recursive: true });
  await writeFileAtomic(to, await readBytes(from, "checkpoint"));
}

/** Keeps the newest checkpoint `checkpoint` (at `step`) as step_<step>.bin. */
export async function keepStep(dir: string, checkpoint: string, step: number): Promise<void> {
  await copyAtomic(checkpoint, stepFile(dir, step));
}

/** The best record of run folder `dir` (undefined when none was kept). */
export async function readBest(dir: string): Promise<BestRecord | undefined> {
  const p = join(historyDir(dir), "best.json");
  if (!await exists(p)) return undefined;
  try {
    return JSON.parse(await Deno.readTextFile(p)) as BestRecord;
  } catch (e) {
    throw new Error(`${p}: corrupt best-checkpoint record: ${(e as Error).message}`, { cause: e });
  }
}

/** Keeps the newest checkpoint as the best one (best.bin first, then its record best.json). */
export async function keepBest(dir: string, checkpoint: string, best: BestRecord): Promise<void> {
  await copyAtomic(checkpoint, join(historyDir(dir), "best.bin"));
  await writeJsonAtomic(join(historyDir(dir), "best.json"), best);
}

/** Steps of the kept checkpoints of `dir`, ascending. */
export async function keptSteps(dir: string): Promise<number[]> {
  const out: number[] = [];
  try {
    for await (const e of Deno.readDir(historyDir(dir))) {
      const m = /^step_(\d+)\.bin$/.exec(e.name);
      if (e.isFile && m) out.push(Number(m[1]));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a - b);
}

/**
 * The checkpoint file of `choice` in run folder `dir` (newest `checkpoint`): the newest when undefined or
 * when its step is the one asked for, else step_<N>.bin or best.bin; an error lists the kept steps.
 */
export async function resolveCheckpoint(
  dir: string,
  checkpoint: string,
  choice: StepChoice,
): Promise<{ path: string; step: number }> {
  if (choice === "best") {
    const best = await readBest(dir);
    if (!best) {
      throw new Error(
        `${dir}: no best checkpoint (kept when the training evaluates: [train] eval_every)`,
      );
    }
    return { path: join(historyDir(dir), "best.bin"), step: best.step };
  }
  if (!await exists(checkpoint)) throw new Error(`${dir}: no checkpoint (${checkpoint})`);
  const newest = (await readCheckpoint(checkpoint)).step;
  if (choice === undefined || choice === newest) return { path: checkpoint, step: newest };
  const path = stepFile(dir, choice);
  if (await exists(path)) return { path, step: choice };
  const kept = [...await keptSteps(dir), newest].filter((s, i, a) => a.indexOf(s) === i);
  throw new Error(
    `${dir}: no checkpoint of step ${choice} (kept: ${kept.join(", ")}; ` +
      `name the steps to keep with [train] keep_steps / keep_every)`,
  );
}

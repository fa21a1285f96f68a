/**
 * The training loop every task runs (photo enhancement and SR, network training and LUT fine-tuning):
 * - the run folder holds `checkpoint.bin` (checkpoint.ts) and `log.jsonl` (log.ts); the experiment folder
 *   holds `run.lock` (lock.ts), so two runs never share a folder; leftover `*.tmp*` files of interrupted
 *   atomic writes are removed on start;
 * - mode "fresh" refuses to start over an existing checkpoint or log (naming it, suggesting --resume /
 *   --restart); "restart" removes both FIRST (a restart killed before its first checkpoint cannot later
 *   resume the old run); "resume" restores parameters, Adam state, RNG state, step and seconds, and cuts
 *   the log back to the checkpoint's step (no checkpoint: an error naming the folder and how to start fresh,
 *   never a silent full run);
 * - every `logEvery` steps one log record {step, seconds, loss, psnr, lr} and a progress line (it/s, ETA);
 *   a checkpoint every `checkpointEvery` steps and at the end;
 * - every log record also goes to a TensorBoard event file beside the log (tensorboard.ts; restart removes
 *   them); the task's `keep` policy keeps history copies and the best checkpoint (history.ts; a checkpoint
 *   is also saved at every step it keeps; resume keeps the history, restart removes it);
 * - SIGINT / SIGTERM finish the current step, save a checkpoint and throw `Interrupted` (interrupted.ts;
 *   its message says how to resume);
 * - with several ranks (ranks.ts) rank 0 alone takes the lock, prepares the folder, writes the log and the
 *   checkpoints and runs `after`; every rank restores the same checkpoint; the logged loss/PSNR are means
 *   over ranks; a collective abandoned because a rank stopped (PeerLost) ends the run with the checkpoint of
 *   the last complete step (written by rank 0) and a message saying how to resume (a rank lost after the
 *   step's update but before the mean of its loss leaves that step out of the log, not out of the checkpoint).
 */
import { exists } from "../core/read.ts";
import { join } from "@std/path";
import type { Params } from "../nn/params.ts";
import { Rng } from "../core/rng.ts";
import type { Optimizer } from "./adam.ts";
import { readCheckpoint, restoreParams, saveCheckpoint } from "./checkpoint.ts";
import { appendLog, type LogRecord, truncateLog } from "./log.ts";
import { acquireLock } from "./lock.ts";
import { Interrupted } from "./interrupted.ts";
import { PeerLost } from "../core/mpi.ts";
import { currentRanks, fromRank0, joinRanks, meanStats } from "./ranks.ts";
import { EventWriter, isEventFile, scalarsOf } from "./tensorboard.ts";
import { historyDir, keepBest, type KeepPolicy, keepsStep, keepStep, readBest } from "./history.ts";

/** How a run treats an existing checkpoint: refuse it, continue it, or delete it and start over. */
export type RunMode = "fresh" | "resume" | "restart";

/** The run mode from the CLI flags --resume / --restart (both at once: an error). */
export function runMode(opts: { resume?: boolean; restart?: boolean }): RunMode {
  if (opts.resume && opts.restart) throw new Error("--resume and --restart exclude each other");
  return opts.resume ? "resume" : opts.restart ? "restart" : "fresh";
}

/** Where and how to run. */
export type RunOptions = {
  /** run folder: checkpoint.bin, log.jsonl */
  dir: string;
  /** folder of the lock file (the experiment folder; default `dir`) */
  lockDir?: string;
  mode: RunMode;
  quiet?: boolean;
  /** the command that resumes this run, for messages (default: "the same command with --resume") */
  resumeHint?: string;
};

/**
 * Statistics of one optimiser step: the loss and the MSE of the output in [0, 1] units (for PSNR); `terms`
 * (e.g. the GAN losses; a step may give only some) are averaged over the steps that gave them and logged
 * beside the loss.
 */
export type StepStats = { loss: number; mse: number; terms?: Record<string, number> };

/** What a task gives the loop once its data and model are ready. */
export type TrainTask = {
  params: Params;
  adam: Optimizer;
  /** model description stored in the checkpoint; a resume requires an equal one */
  model: unknown;
  /** seed of the RNG handed to `step` (restored from the checkpoint on resume) */
  seed: number;
  /** total steps of the run; `stopAfter` ends this call earlier (with a checkpoint) */
  steps: number;
  stopAfter?: number;
  logEvery: number;
  checkpointEvery: number;
  /** checkpoints kept besides the newest (history.ts) */
  keep?: KeepPolicy;
  /** learning rate of 0-based step `i` (default: constant adam.opts.lr) */
  lr?: (i: number) => number;
  /** one optimiser step, 0-based index `i` */
  step(i: number, rng: Rng): Promise<StepStats> | StepStats;
  /** after `step` steps are done (before the checkpoint of that step): evaluation, extra log records */
  after?(step: number, log: (rec: Record<string, unknown>) => Promise<void>): Promise<void>;
  /** frees the task's resources (also on errors) */
  dispose?(): void;
};

/** Where the loop ended: step reached, step it started from, last logged loss/PSNR, training seconds. */
export type LoopResult = { step: number; start: number; loss: number; psnr: number; seconds: number };

/** The checkpoint and log paths of a run folder. */
export function runFiles(dir: string): { checkpoint: string; log: string } {
  return { checkpoint: join(dir, "checkpoint.bin"), log: join(dir, "log.jsonl") };
}

/** Human duration: 1h02m, 3m05s. */
function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

/** Removes leftover temp files of atomic writes (`<name>.tmp-<pid>`, `*.tmp`) directly in `dir`. */
async function cleanTemp(dir: string, say: (s: string) => void): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /\.tmp(-\d+)?$/.test(e.name)) {
      await Deno.remove(join(dir, e.name)).catch(() => {});
      say(`removed leftover temp file ${join(dir, e.name)}`);
    }
  }
}

/** Removes a run's checkpoint history and TensorBoard event files (a run that starts from scratch). */
async function clearHistory(dir: string): Promise<void> {
  await Deno.remove(historyDir(dir), { recursive: true }).catch(() => {});
  for await (const e of Deno.readDir(dir)) if (isEventFile(e.name)) await Deno.remove(join(dir, e.name));
}

/** Refuses / clears / checks existing files as `mode` says; returns whether a checkpoint exists. */
async function prepareFolder(opts: RunOptions): Promise<boolean> {
  const { checkpoint, log } = runFiles(opts.dir);
  if (opts.mode === "restart") {
    for (const p of [checkpoint, log]) await Deno.remove(p).catch(() => {});
    await clearHistory(opts.dir);
    return false;
  }
  const have = await exists(checkpoint);
  if (opts.mode === "fresh") {
    const old = have ? checkpoint : await exists(log) ? log : undefined;
    if (old) {
      throw new Error(
        `${old} exists: pass --resume to continue that run or --restart to train again from scratch (deletes it)`,
      );
    }
    await clearHistory(opts.dir); // leftovers of a run whose checkpoint and log were deleted by hand
  } else if (!have) throw await nothingToResume(opts, log);
  return have;
}

/** The error of a resume in a run folder without a checkpoint: names the folder and how to start fresh. */
async function nothingToResume(opts: RunOptions, log: string): Promise<Error> {
  const hint = opts.resumeHint;
  const how = await exists(log)
    ? `its log ${log} is of a run stopped before its first checkpoint; train again from scratch with: ` +
      (hint ? hint.replace(/--resume$/, "--restart") : "the same command with --restart instead of --resume")
    : `no run has saved one there; start a fresh run with: ${
      hint ? hint.replace(/ --resume$/, "") : "the same command without --resume"
    }`;
  return new Error(`--resume: nothing to resume in ${opts.dir}: no ${runFiles(opts.dir).checkpoint}; ${how}`);
}

/** Saves the checkpoint of `step` complete steps (rank 0) and returns the error that ends a run whose peer is gone. */
async function peerLost(
  e: PeerLost,
  step: number,
  save: () => Promise<unknown>,
  checkpoint: string,
  hint = "the same command with --resume",
  lead: boolean,
): Promise<Error> {
  if (lead) await save();
  const where = lead ? `checkpoint of step ${step} saved to ${checkpoint}` : `rank 0 saves ${checkpoint}`;
  return new Error(
    `data-parallel run stopped at step ${step}: ${e.message}; ${where}; resume with: ${hint} ` +
      `(with any --ranks)`,
    { cause: e },
  );
}

/**
 * Runs a training: takes the lock, prepares the folder per `opts.mode`, calls `build` (data, model,
 * optimiser), restores a checkpoint when resuming, then loops (see module doc).
 */
export async function runTraining(opts: RunOptions, build: () => Promise<TrainTask>): Promise<LoopResult> {
  const ranks = currentRanks(), lead = ranks.rank === 0;
  const say = (s: string) => opts.quiet || !lead || console.log(s);
  const lock = lead ? await acquireLock(opts.lockDir ?? opts.dir, say) : undefined;
  let signal: string | undefined;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const h = () => {
      signal = sig;
      ranks.world?.abandon(`rank ${ranks.rank} got ${sig} (from the launcher when another rank stopped)`);
    };
    try {
      Deno.addSignalListener(sig, h);
    } catch {
      // a signal this platform lacks (SIGTERM on Windows)
    }
    return [sig, h] as const;
  });
  let task: TrainTask | undefined;
  try {
    if (lead) {
      await Deno.mkdir(opts.dir, { recursive: true });
      await cleanTemp(opts.dir, say);
      if (await exists(historyDir(opts.dir))) await cleanTemp(historyDir(opts.dir), say);
    }
    const have = await fromRank0(ranks, lead && await prepareFolder(opts));
    const { checkpoint, log } = runFiles(opts.dir);
    task = await build();
    const t = task;
    joinRanks(t.adam, t.params);
    let step = 0, seconds0 = 0, rng = new Rng(t.seed);
    if (have) {
      const ck = await readCheckpoint(checkpoint);
      restoreParams(ck, t.params, t.model, checkpoint);
      t.adam.load(ck.adamT, ck.m, ck.v);
      step = ck.step, seconds0 = ck.seconds ?? 0, rng = new Rng(ck.rng);
      if (lead) await truncateLog(log, step, say);
      say(`resumed ${checkpoint} at step ${step}`);
    } else if (lead) await Deno.writeTextFile(log, "");
    const events = lead ? await EventWriter.open(opts.dir, have ? step : undefined) : undefined;
    let best = lead && t.keep?.best ? await readBest(opts.dir) : undefined, newBest: number | undefined;
    const start = step, t0 = performance.now();
    const seconds = () => Number((seconds0 + (performance.now() - t0) / 1000).toFixed(3));
    const save = async () =>
      lead && await saveCheckpoint(checkpoint, t.params, t.adam, {
        model: t.model,
        step,
        rng: rng.state(),
        adamT: t.adam.t,
        seconds: seconds(),
      });
    const record = async (rec: Record<string, unknown>) => {
      if (!lead) return;
      const line = { step, seconds: seconds(), ...rec } as LogRecord;
      await appendLog(log, line);
      await events!.log(line);
      const v = scalarsOf(line).find(([tag]) => tag === t.keep?.best)?.[1];
      if (v !== undefined && Number.isFinite(v) && !(best && best.value >= v)) newBest = v;
    };
    const stopAt = Math.min(t.steps, t.stopAfter ?? Infinity);
    let last = { loss: NaN, psnr: NaN }, sum = { loss: 0, mse: 0, n: 0 }, saved = -1;
    let terms: Record<string, [number, number]> = {}; // sum, count
    while (step < stopAt && !signal) {
      const lr = t.lr?.(step) ?? t.adam.opts.lr;
      t.adam.opts.lr = lr;
      const before = rng.state();
      let r: StepStats, done = false;
      try {
        r = await t.step(step, rng);
        step++, (done = true);
        r = { ...r, ...await meanStats(ranks, { loss: r.loss, mse: r.mse }) };
      } catch (e) {
        if (!(e instanceof PeerLost)) throw e;
        if (!done) rng = new Rng(before); // the update did not happen: the step's draws are undone
        throw await peerLost(e, step, save, checkpoint, opts.resumeHint, lead);
      }
      sum = { loss: sum.loss + r.loss, mse: sum.mse + r.mse, n: sum.n + 1 };
      for (const [k, v] of Object.entries(r.terms ?? {})) {
        const [s, n] = terms[k] ?? [0, 0];
        terms[k] = [s + v, n + 1];
      }
      if (step % t.logEvery === 0 || step === stopAt) {
        last = { loss: sum.loss / sum.n, psnr: -10 * Math.log10(Math.max(sum.mse / sum.n, 1e-12)) };
        const means = Object.fromEntries(Object.entries(terms).map(([k, [s, n]]) => [k, s / n]));
        sum = { loss: 0, mse: 0, n: 0 }, terms = {};
        await record({ loss: last.loss, psnr: last.psnr, lr, ...means });
        const rate = (step - start) / ((performance.now() - t0) / 1000);
        say(
          `step ${step}/${t.steps}  loss ${last.loss.toExponential(3)}  PSNR ${last.psnr.toFixed(2)} dB  ` +
            `${rate.toFixed(2)} it/s  ETA ${formatEta((t.steps - step) / rate)}`,
        );
      }
      if (lead) await t.after?.(step, record);
      const keep = keepsStep(t.keep, step);
      if (step % t.checkpointEvery === 0 || step === stopAt || keep || newBest !== undefined) {
        await save(), (saved = step);
      }
      if (lead && keep) await keepStep(opts.dir, checkpoint, step);
      if (lead && newBest !== undefined) {
        best = { step, metric: t.keep!.best!, value: newBest };
        await keepBest(opts.dir, checkpoint, best), (newBest = undefined);
      }
      await new Promise((r) => setTimeout(r, 0)); // lets a pending SIGINT/SIGTERM listener run
    }
    if (saved !== step && (signal || step === start)) await save(); // interrupted, or no steps to run
    if (signal) {
      const how = opts.resumeHint ?? "the same command with --resume";
      const msg =
        `interrupted (${signal}) at step ${step}, checkpoint saved to ${checkpoint}, resume with: ${how}`;
      console.log(msg);
      throw new Interrupted(step, msg);
    }
    return { step, start, ...last, seconds: seconds() };
  } finally {
    for (const [sig, h] of handlers) {
      try {
        Deno.removeSignalListener(sig, h);
      } catch {
        // never added
      }
    }
    task?.dispose?.();
    await lock?.release();
  }
}

/**
 * Sweeps on Slurm: one sbatch array job whose task i runs member i through the same code as a local run
 * (`lib/cli/sweep.ts -e <sweep> --member i`: train, resuming from a checkpoint if one exists, then eval and
 * the done marker). Resources come from the sweep's [slurm] table; task output goes to
 * <sweep>/slurm/<job>_<task>.out. With `ranks` = N > 1 each task has N Slurm tasks and the member trains on
 * N MPI ranks (`train --ranks N`: mpirun places them in the task's allocation, across its nodes). Only
 * unfinished members are submitted. `submit` uses `sbatch --parsable`,
 * `waitJob` polls `squeue` until the job has left the queue.
 */
import { fromFileUrl, join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import type { Sweep } from "./spec.ts";

/** The sbatch script for `indices` (member indices) of a sweep, run from `root` (the repository). */
export function sbatchScript(sweep: Sweep, indices: number[], root: string): string {
  const r = sweep.slurm;
  const cli = fromFileUrl(new URL("../cli/sweep.ts", import.meta.url));
  const q = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${q(`sweep-${sweep.name}`)}`,
    `#SBATCH --array=${indices.join(",")}`,
    ...(r.partition ? [`#SBATCH --partition=${r.partition}`] : []),
    ...(r.ranks > 1 ? [`#SBATCH --ntasks=${r.ranks}`] : []),
    `#SBATCH --cpus-per-task=${r.cpus}`,
    `#SBATCH --mem=${r.mem}`,
    `#SBATCH --time=${r.time}`,
    `#SBATCH --chdir=${root}`,
    `#SBATCH --output=${join(sweep.dir, "slurm", "%A_%a.out")}`,
    "set -euo pipefail",
    `export OMP_NUM_THREADS=${r.cpus}`,
    `exec ${q(Deno.execPath())} run -A ${q(cli)} -e ${q(sweep.dir)} --member "$SLURM_ARRAY_TASK_ID"`,
    "",
  ].join("\n");
}

async function command(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  let o: Deno.CommandOutput;
  try {
    o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  } catch (e) {
    throw new Error(`cannot run ${cmd} (is Slurm's client installed?): ${(e as Error).message}`, {
      cause: e,
    });
  }
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** Writes the script to <sweep>/slurm/sweep.sbatch and submits it; returns the job id. */
export async function submit(sweep: Sweep, indices: number[], root: string): Promise<string> {
  const path = join(sweep.dir, "slurm", "sweep.sbatch");
  await writeFileAtomic(path, sbatchScript(sweep, indices, root));
  const r = await command("sbatch", ["--parsable", path]);
  const id = r.out.trim().split(";")[0];
  if (!r.ok || !/^\d+$/.test(id)) throw new Error(`sbatch ${path} failed: ${(r.err || r.out).trim()}`);
  return id;
}

/** Array tasks of a job still in the queue, by state (PENDING, RUNNING, ...). */
export async function queued(job: string): Promise<Record<string, number>> {
  const r = await command("squeue", ["-h", "-r", "-j", job, "-o", "%T"]);
  if (!r.ok) {
    if (/Invalid job id/i.test(r.err)) return {}; // already purged from the controller: finished
    throw new Error(`squeue -j ${job} failed: ${r.err.trim()}`);
  }
  const states: Record<string, number> = {};
  for (const s of r.out.split("\n").map((l) => l.trim()).filter(Boolean)) states[s] = (states[s] ?? 0) + 1;
  return states;
}

/** Polls squeue every `pollS` seconds until the job has no task left in the queue; `onPoll` gets the states. */
export async function waitJob(
  job: string,
  pollS: number,
  onPoll?: (states: Record<string, number>) => Promise<void> | void,
): Promise<void> {
  for (;;) {
    const states = await queued(job);
    await onPoll?.(states);
    if (Object.keys(states).length === 0) return;
    await new Promise((res) => setTimeout(res, pollS * 1000));
  }
}

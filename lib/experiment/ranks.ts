/**
 * Data-parallel training over processes and nodes (MPI ranks), as PyTorch's DistributedDataParallel:
 * - `deno task train -e X --ranks N` re-launches the same command under `mpirun -n N` (`launchRanks`;
 *   inside a Slurm allocation mpirun places the ranks on its nodes); each rank finds its place from
 *   Open MPI's environment (`currentRanks`), a plain run is one rank and never loads MPI;
 * - every rank draws the same global batch from the same seeded stream and trains on its share of it
 *   (`shard`: rank r takes items [r·B/N, (r+1)·B/N)), dropout masks included (`shardRng`), so the RNG state
 *   in a checkpoint is the same on every rank and N ranks × batch B/N equal one rank × batch B;
 * - the gradients are averaged with MPI_Allreduce between their computation and the Adam update
 *   (`Adam.reduce`, installed by `joinRanks`); rank 0 alone takes the lock and writes the checkpoint and the
 *   log, which hold nothing rank-specific, so a run resumes with any N;
 * - a rank that dies makes the launcher stop the others (SIGTERM); their pending collective is abandoned
 *   (`MpiWorld.abandon`), and rank 0 saves the checkpoint of the last complete step before exiting with a
 *   message (lib/experiment/loop.ts). A collective that waits longer than `LUTLAB_MPI_TIMEOUT` seconds
 *   (default 1800) is treated the same way.
 */
import { fromFileUrl } from "@std/path";
import { tf } from "../core/backend.ts";
import { MpiWorld } from "../core/mpi.ts";
import type { Rng } from "../core/rng.ts";
import { Adam, type Optimizer } from "./adam.ts";
import type { Params } from "../nn/params.ts";

/** This process's place in a data-parallel run; `world` is absent for a single rank. */
export type Ranks = { rank: number; size: number; world?: MpiWorld; timeoutS: number };

let current: Ranks | undefined;

function timeoutS(): number {
  const env = Deno.env.get("LUTLAB_MPI_TIMEOUT") ?? "1800";
  const t = Number(env);
  if (!(t > 0)) throw new Error(`LUTLAB_MPI_TIMEOUT must be a positive number of seconds, got "${env}"`);
  return t;
}

/** The ranks of this process: from Open MPI's environment (OMPI_COMM_WORLD_SIZE), else one rank. */
export function currentRanks(): Ranks {
  if (current) return current;
  const size = Number(Deno.env.get("OMPI_COMM_WORLD_SIZE") ?? "1");
  if (size <= 1) return (current = { rank: 0, size: 1, timeoutS: timeoutS() });
  const world = MpiWorld.init();
  return (current = { rank: world.rank, size: world.size, world, timeoutS: timeoutS() });
}

/** This rank's share of a global batch `items` (`what` names the batch setting for the error). */
export function shard<T>(items: T[], what = "the batch"): T[] {
  const { rank, size } = currentRanks();
  if (size === 1) return items;
  if (items.length % size !== 0) {
    throw new Error(`${what} (${items.length}) must be a multiple of the ${size} ranks`);
  }
  const n = items.length / size;
  return items.slice(rank * n, (rank + 1) * n);
}

/** Planes of a batch (`n` planes of crop² inputs, (crop·scale)² targets): this rank's share. */
export function shardPlanes<B extends { input: Float32Array; target: Float32Array; n: number }>(
  b: B,
  what = "the batch",
): B {
  const { size } = currentRanks();
  if (size === 1) return b;
  const [from] = shard(Array.from({ length: b.n }, (_, i) => i), what), n = b.n / size;
  const pin = b.input.length / b.n, pout = b.target.length / b.n;
  return {
    ...b,
    n,
    input: b.input.subarray(from * pin, (from + n) * pin),
    target: b.target.subarray(from * pout, (from + n) * pout),
  };
}

/**
 * `rng` whose `fill(n)` draws the global batch's n·N values and returns this rank's n (dropout masks of a
 * batch-major tensor); every other draw is the shared stream itself.
 */
export function shardRng(rng: Rng): Rng {
  const { rank, size } = currentRanks();
  if (size === 1) return rng;
  return new Proxy(rng, {
    get(target, key) {
      if (key === "fill") {
        return (n: number, draw: (r: Rng) => number) =>
          target.fill(n * size, draw).slice(rank * n, (rank + 1) * n);
      }
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Means over ranks of the gradients of `params` (a missing one counts as zero), one MPI_Allreduce. */
async function meanGradients(
  r: Ranks,
  params: Params,
  grads: Map<string, tf.Tensor>,
): Promise<Map<string, tf.Tensor>> {
  const keys = [...params.keys()];
  const total = keys.reduce((s, k) => s + params.get(k)!.size, 0);
  const buf = new Float32Array(total);
  let o = 0;
  for (const k of keys) {
    const g = grads.get(k);
    if (g) buf.set(await g.data() as Float32Array, o);
    o += params.get(k)!.size;
  }
  await r.world!.allreduceMean(buf, r.timeoutS);
  const out = new Map<string, tf.Tensor>();
  o = 0;
  for (const k of keys) {
    const p = params.get(k)!;
    out.set(k, tf.tensor(buf.subarray(o, o + p.size), p.shape));
    o += p.size;
  }
  return out;
}

/** Connects `adam` to the other ranks (gradients averaged before each update); a no-op for one rank. */
export function joinRanks(adam: Optimizer, params: Params): Ranks {
  const r = currentRanks();
  if (!r.world) return r;
  if (!(adam instanceof Adam)) throw new Error("data-parallel training (--ranks) needs one Adam optimiser");
  adam.reduce = (grads) => meanGradients(r, params, grads);
  return r;
}

/** Means over ranks of a step's statistics (one rank: the values themselves). */
export async function meanStats<S extends Record<string, number>>(r: Ranks, stats: S): Promise<S> {
  if (!r.world) return stats;
  const keys = Object.keys(stats), buf = Float64Array.from(keys.map((k) => stats[k]));
  await r.world.allreduceSum(buf, r.timeoutS);
  return Object.fromEntries(keys.map((k, i) => [k, buf[i] / r.size])) as S;
}

/** Rank 0's boolean, seen by every rank (an allreduce that also synchronises them). */
export async function fromRank0(r: Ranks, value: boolean): Promise<boolean> {
  if (!r.world) return value;
  const buf = new Float64Array([r.rank === 0 && value ? 1 : 0]);
  await r.world.allreduceSum(buf, r.timeoutS);
  return buf[0] > 0;
}

/** mpirun's arguments that run the Deno script `script` (a file URL) with `args` on `n` ranks, unbound. */
export function mpirunArgs(n: number, script: string, args: string[]): string[] {
  const root = Deno.uid() === 0 ? ["--allow-run-as-root"] : [];
  const deno = [Deno.execPath(), "run", "-A", fromFileUrl(script), ...args];
  return [...root, "-n", String(n), "--oversubscribe", "--bind-to", "none", ...deno];
}

/**
 * Runs `cli` (a lib/cli script) with `args` on `n` ranks under `mpirun` (run as root: --allow-run-as-root)
 * and resolves to its exit code. Each rank's native kernels get cores/n threads (under Slurm: the task's
 * SLURM_CPUS_PER_TASK) unless LUTLAB_THREADS is set. When a rank fails, Open MPI sends the others SIGTERM, then SIGKILL `odls_base_sigkill_timeout` seconds
 * later: 10 s here (its default, 1 s, may not let rank 0 save its checkpoint).
 */
export async function launchRanks(n: number, cli: string, args: string[]): Promise<number> {
  const env: Record<string, string> = {
    OMPI_MCA_odls_base_sigkill_timeout: Deno.env.get("OMPI_MCA_odls_base_sigkill_timeout") ?? "10",
  };
  if (!Deno.env.get("LUTLAB_THREADS")) {
    const slurm = Deno.env.get("SLURM_CPUS_PER_TASK"); // a Slurm task's own cores
    env.LUTLAB_THREADS = slurm ?? String(Math.max(1, Math.floor(navigator.hardwareConcurrency / n)));
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("mpirun", { args: mpirunArgs(n, cli, args), env, stdin: "null" }).spawn();
  } catch (e) {
    throw new Error(`cannot run mpirun for --ranks ${n} (install openmpi-bin): ${(e as Error).message}`, {
      cause: e,
    });
  }
  const forward = (sig: Deno.Signal) => () => child.kill(sig);
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    return (await child.status).code;
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}

/**
 * Bench section "peers": lutlab's training steps against PyTorch as a measured peer in the same run
 * (lib/bench/peer/torch_steps.py with /usr/bin/python3, wherever python3-torch is installed; never a
 * dependency of lib/), and data-parallel throughput over MPI ranks. Per model (lib/bench/peer/cases.ts):
 * rows for 1 thread, N threads (native kernels on N threads; torch.set_num_threads(N)) and N ranks of one
 * thread each (`mpirun -n N` of lib/bench/peer/rank_step.ts, gradients averaged by MPI_Allreduce;
 * PyTorch: N processes, gloo DistributedDataParallel), each at the same global batch. Both sides run as step
 * servers (lib/bench/peer/served.ts; lutlab's 1- and N-thread rows in this process) and their steps
 * alternate, lutlab, PyTorch, lutlab, ..., so that a load on the machine slows both alike; each row is the
 * median of its steps after one warm-up step (`--quick`: fewer steps, and no warm-up for SPF-LUT, whose PyTorch step
 * takes tens of seconds). Ratios: PyTorch step / lutlab step (issue 20's target 1.5 for
 * SR-LUT-S at 1 and N threads, 3DLUT and CLUT-Net at 1 thread), 1-thread step / N-thread step (target 1:
 * no N-thread row slower) and 1-rank step / N-rank step (throughput; target 1.8 for N = 2), for every model.
 * N = the cores of the machine (at least 2). `--quick`: fewer steps (a rerun on an idle machine in minutes).
 */
import { fromFileUrl } from "@std/path";
import { initTf } from "../core/backend.ts";
import { setKernelThreads } from "../core/native.ts";
import { mpirunArgs } from "../experiment/ranks.ts";
import type { BenchOptions, BenchReport } from "./report.ts";
import { buildCase, type PeerCase, peerCases } from "./peer/cases.ts";
import { ServedSteps } from "./peer/served.ts";
import { available, PYTHON, torchAvailable } from "./peer/torch.ts";

const SECTION = "peers";
const WORKER = new URL("./peer/rank_step.ts", import.meta.url).href;
const PEER = fromFileUrl(new URL("./peer/torch_steps.py", import.meta.url));

/** Issue 20's targets of PyTorch step / lutlab step, per model and row ("1": 1 thread, "N": N threads). */
const TARGET: Record<string, { "1"?: number; N?: number }> = {
  "SR-LUT-S x4": { "1": 1.5, N: 1.5 },
  "3DLUT": { "1": 1.5 },
  "CLUT-Net 20+05+10": { "1": 1.5 },
};

/** One side of a row: steps one at a time, then closed. */
type Stepper = { step(): Promise<number>; close(): Promise<void> };

/** lutlab's step of `c` in this process with the native kernels on `threads` threads. */
async function inProcess(c: PeerCase, threads: number): Promise<Stepper> {
  setKernelThreads(threads);
  const built = await buildCase(c).catch((e) => {
    setKernelThreads(0);
    throw e;
  });
  return {
    step: async () => {
      setKernelThreads(threads);
      const t = performance.now();
      await built.step();
      return performance.now() - t;
    },
    close: () => Promise.resolve((built.dispose(), setKernelThreads(0))),
  };
}

/**
 * lutlab's step of `c` on `n` MPI ranks of one kernel thread each; a rank waiting in MPI_Allreduce yields its
 * core (mpi_yield_when_idle) instead of polling it away from the other ranks on a loaded machine.
 */
function onRanks(c: PeerCase, n: number): Stepper {
  return new ServedSteps(
    "mpirun",
    mpirunArgs(n, WORKER, [JSON.stringify(c)]),
    {
      LUTLAB_THREADS: "1",
      OMPI_MCA_mpi_yield_when_idle: Deno.env.get("OMPI_MCA_mpi_yield_when_idle") ?? "1",
    },
    "lutlab",
  );
}

/** PyTorch's step of `c` with `threads` threads per process on `ranks` processes. */
function torchCase(c: PeerCase, threads: number, ranks: number): Stepper {
  const flags = { batch: c.batch, crop: c.crop ?? 48, threads, ranks };
  const args = [
    PEER,
    "--model",
    c.torch!,
    "--serve",
    ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, `${v}`]),
  ];
  return new ServedSteps(PYTHON, args, { OMP_NUM_THREADS: String(threads) }, "PyTorch");
}

/** Median of `xs` (the lower middle for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Median ms of each side over `reps` alternating steps after `warmup` steps each; a string: why not run. */
async function interleaved(
  mine: () => Promise<Stepper> | Stepper,
  peer: (() => Stepper) | undefined,
  reps: number,
  warmup: number,
): Promise<[number | string, number | string | undefined]> {
  const sides: (Stepper | string | undefined)[] = [];
  try {
    for (const open of [mine, peer]) {
      sides.push(open ? await Promise.resolve().then(open).catch(errorOf) : undefined);
    }
    const times: number[][] = [[], []];
    for (let r = 0; r < warmup + reps; r++) {
      for (const [i, s] of sides.entries()) {
        if (typeof s !== "object") continue;
        try {
          const ms = await s.step();
          if (r >= warmup) times[i].push(ms);
        } catch (e) {
          await s.close().catch(() => {});
          sides[i] = errorOf(e);
        }
      }
    }
    const result = sides.map((s, i) => typeof s === "object" ? median(times[i]) : s);
    return [result[0]!, result[1]];
  } finally {
    for (const s of sides) if (typeof s === "object") await s.close().catch(() => {});
  }
}

function errorOf(e: unknown): string {
  return (e as Error).message.split("\n")[0];
}

const fmtMs = (v: number | string | undefined) => typeof v === "number" ? v.toFixed(v >= 100 ? 0 : 1) : "-";
const verdict = (ratio: number, target: number) => `${target}x ${ratio >= target ? "met" : "NOT met"}`;

/** Runs the section. */
export async function bench(report: BenchReport, opts: BenchOptions = {}): Promise<void> {
  await initTf();
  const n = Math.max(2, navigator.hardwareConcurrency);
  const torch = torchAvailable();
  const mpi = available("mpirun", ["--version"]);
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const loadBefore = load();
  const table: string[][] = [["model", "row", "lutlab ms", "PyTorch ms", "PyTorch/lutlab", "target"]];
  let stepsNote = "";
  for (const c of peerCases(n)) {
    const spf = c.name.startsWith("SPF");
    const reps = spf ? (opts.quick ? 1 : 2) : (opts.quick ? 3 : 5), warmup = spf && opts.quick ? 0 : 1;
    stepsNote += `${stepsNote ? ", " : ""}${c.name} ${reps} after ${warmup} warm-up`;
    const what = `${c.name} (batch ${c.batch}${c.crop ? ` of ${c.crop}²` : ", 480x720"})`;
    const peer = (threads: number, ranks: number) =>
      c.torch && torch ? () => torchCase(c, threads, ranks) : undefined;
    const configs = [
      { label: "1 thread", key: "1" as const, mine: () => inProcess(c, 1), peer: peer(1, 1) },
      { label: `${n} threads`, key: "N" as const, mine: () => inProcess(c, n), peer: peer(n, 1) },
      {
        label: `${n} ranks`,
        key: undefined,
        mine: () => mpi ? onRanks(c, n) : Promise.reject(new Error("mpirun not installed")),
        peer: peer(1, n),
      },
    ];
    const mine: (number | undefined)[] = [];
    for (const k of configs) {
      const [ms, theirs] = await interleaved(k.mine, k.peer, reps, warmup);
      if (typeof ms === "string") report.note(SECTION, `${what} lutlab ${k.label}: not run (${ms})`);
      else report.row(SECTION, `${what} step, lutlab ${k.label}`, ms, "ms");
      mine.push(typeof ms === "number" ? ms : undefined);
      if (typeof theirs === "string") report.note(SECTION, `${what} PyTorch ${k.label}: not run (${theirs})`);
      else if (theirs !== undefined) report.row(SECTION, `${what} step, PyTorch ${k.label}`, theirs, "ms");
      const row = [c.name, k.label, fmtMs(ms), fmtMs(theirs), "-", "-"];
      if (typeof ms === "number" && typeof theirs === "number") {
        const target = k.key ? TARGET[c.name]?.[k.key] : undefined;
        const name = `${what} ${k.label}: PyTorch step / lutlab step`;
        if (target) report.ratio(SECTION, name, theirs / ms, target);
        else report.row(SECTION, name, theirs / ms, "x");
        row[4] = `${(theirs / ms).toFixed(2)}x`;
        if (target) row[5] = verdict(theirs / ms, target);
      }
      table.push(row);
    }
    const [one, threads, ranks] = mine;
    if (one && threads) {
      report.ratio(SECTION, `${what}: 1-thread step / ${n}-thread step`, one / threads, 1);
      table.push([
        c.name,
        `1 / ${n} threads`,
        "",
        "",
        `${(one / threads).toFixed(2)}x`,
        verdict(one / threads, 1),
      ]);
    }
    if (one && ranks) {
      const target = n === 2 ? 1.8 : 0;
      report.ratio(SECTION, `${what}: 1-rank step / ${n}-rank step (throughput)`, one / ranks, target);
      table.push([
        c.name,
        `1 / ${n} ranks`,
        "",
        "",
        `${(one / ranks).toFixed(2)}x`,
        verdict(one / ranks, target),
      ]);
    }
  }
  const note =
    `OMP_WAIT_POLICY=${
      Deno.env.get("OMP_WAIT_POLICY") ?? "unset"
    } (both sides); each row: median of alternating lutlab / PyTorch steps (${stepsNote}); ` +
    `load average ${loadBefore} before, ${load()} after on ${navigator.hardwareConcurrency} cores; ` +
    (torch
      ? `PyTorch: ${PYTHON} (python3-torch), lib/bench/peer/torch_steps.py`
      : `no PyTorch at ${PYTHON}: no peer rows`) +
    `; ${n} ranks: 1 kernel thread per rank, the same global batch as the 1-rank rows`;
  report.note(SECTION, note);
  report.table(SECTION, table);
}

/**
 * Bench section "peers": lutlab's training steps against PyTorch as a measured peer in the same run
 * (lib/bench/peer/torch_steps.py with /usr/bin/python3, wherever python3-torch is installed; never a
 * dependency of lib/), and data-parallel throughput over MPI ranks. Per model (lib/bench/peer/cases.ts):
 * rows for 1 thread, N threads (native kernels on N threads; torch.set_num_threads(N)) and N ranks of one
 * thread each (`mpirun -n N` of lib/bench/peer/rank_step.ts, gradients averaged by MPI_Allreduce;
 * PyTorch: N processes, gloo DistributedDataParallel), each at the same global batch, with the ratio
 * PyTorch step / lutlab step (targets: 1.5 for SR-LUT-S, 3DLUT and CLUT-Net, as issue 20 asks); and the
 * ratios 1-rank step / N-rank step (target 1.8 for N = 2) and 1-thread / N-thread step (target 1).
 * N = the cores of the machine (at least 2). Median of `reps` steps after one warm-up.
 */
import { initTf } from "../core/backend.ts";
import { setKernelThreads } from "../core/native.ts";
import { type BenchReport, medianMs } from "./report.ts";
import { mpirunArgs } from "../experiment/ranks.ts";
import { buildCase, type PeerCase, peerCases } from "./peer/cases.ts";
import { available, PYTHON, runPeer, torchAvailable, torchStep } from "./peer/torch.ts";

const SECTION = "peers";
const WORKER = new URL("./peer/rank_step.ts", import.meta.url).href;

/** Issue 20's targets of lutlab over PyTorch. */
const TARGET: Record<string, number> = { "SR-LUT-S x4": 1.5, "3DLUT": 1.5, "CLUT-Net 20+05+10": 1.5 };

/** lutlab's step of `c` in this process with the native kernels on `threads` threads. */
async function inProcess(c: PeerCase, threads: number, reps: number): Promise<number | string> {
  setKernelThreads(threads);
  let built: Awaited<ReturnType<typeof buildCase>> | undefined;
  try {
    built = await buildCase(c);
    return await medianMs(built.step, reps, 1);
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  } finally {
    built?.dispose();
    setKernelThreads(0);
  }
}

/** lutlab's step of `c` on `n` MPI ranks (one kernel thread each). */
async function onRanks(c: PeerCase, n: number, reps: number): Promise<number | string> {
  const r = await runPeer(
    "mpirun",
    mpirunArgs(n, WORKER, [JSON.stringify(c), String(reps), "1"]),
    { LUTLAB_THREADS: "1" },
  );
  return r.ms ?? r.error ?? "no result";
}

/** PyTorch's step of `c` with `threads` threads per process on `ranks` processes. */
async function torchCase(
  c: PeerCase,
  threads: number,
  ranks: number,
  reps: number,
): Promise<number | string> {
  const r = await torchStep(c.torch!, { batch: c.batch, crop: c.crop ?? 48, threads, ranks, reps }, threads);
  return r.ms ?? r.error ?? "no result";
}

/** Runs the section. */
export async function bench(report: BenchReport): Promise<void> {
  await initTf();
  const n = Math.max(2, navigator.hardwareConcurrency);
  const torch = torchAvailable();
  const mpi = available("mpirun", ["--version"]);
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
  const loadBefore = load();
  for (const c of peerCases(n)) {
    const reps = c.name.startsWith("SPF") ? 1 : 3;
    const what = `${c.name} (batch ${c.batch}${c.crop ? ` of ${c.crop}²` : ", 480x720"})`;
    const configs = [
      { label: "1 thread", lutlab: () => inProcess(c, 1, reps), torch: () => torchCase(c, 1, 1, reps) },
      { label: `${n} threads`, lutlab: () => inProcess(c, n, reps), torch: () => torchCase(c, n, 1, reps) },
      {
        label: `${n} ranks`,
        lutlab: () => mpi ? onRanks(c, n, reps) : Promise.resolve("mpirun not installed"),
        torch: () => torchCase(c, 1, n, reps),
      },
    ];
    const mine: (number | undefined)[] = [];
    for (const k of configs) {
      const ms = await k.lutlab();
      if (typeof ms === "string") report.note(SECTION, `${what} lutlab ${k.label}: not run (${ms})`);
      else report.row(SECTION, `${what} step, lutlab ${k.label}`, ms, "ms");
      mine.push(typeof ms === "number" ? ms : undefined);
      if (!c.torch || !torch) continue;
      const peer = await k.torch();
      if (typeof peer === "string") {
        report.note(SECTION, `${what} PyTorch ${k.label}: not run (${peer})`);
        continue;
      }
      report.row(SECTION, `${what} step, PyTorch ${k.label}`, peer, "ms");
      if (typeof ms === "number") {
        report.ratio(
          SECTION,
          `${what} ${k.label}: PyTorch step / lutlab step`,
          peer / ms,
          TARGET[c.name] ?? 0,
        );
      }
    }
    const [one, threads, ranks] = mine;
    if (one && threads) report.ratio(SECTION, `${what}: 1-thread step / ${n}-thread step`, one / threads, 1);
    if (one && ranks) {
      report.ratio(
        SECTION,
        `${what}: 1-rank step / ${n}-rank step (throughput)`,
        one / ranks,
        n === 2 ? 1.8 : 0,
      );
    }
  }
  report.note(
    SECTION,
    `median of 3 steps (SPF-LUT: 1) after 1 warm-up; load average ${loadBefore} before, ${load()} after on ` +
      `${navigator.hardwareConcurrency} cores; ` +
      (torch
        ? `PyTorch: ${PYTHON} (python3-torch), lib/bench/peer/torch_steps.py`
        : `no PyTorch at ${PYTHON}: no peer rows`) +
      `; ${n} ranks: 1 kernel thread per rank, the same global batch as the 1-rank rows`,
  );
}

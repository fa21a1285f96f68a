/**
 * Bench section "peers": lutlab's training steps against PyTorch as a measured peer in the same run
 * (lib/bench/peer/torch_steps.py with /usr/bin/python3, wherever python3-torch is installed; never a
 * dependency of lib/), and data-parallel throughput over MPI ranks. Per model (lib/bench/peer/cases.ts):
 * rows for 1 thread, N threads (native kernels on N threads; torch.set_num_threads(N)) and N ranks of one
 * thread each (`mpirun -n N` of lib/bench/peer/rank_step.ts, gradients averaged by MPI_Allreduce;
 * PyTorch: N processes, gloo DistributedDataParallel), each at the same global batch. Every row of a model is
 * a step server (lib/bench/peer/served.ts; lutlab's 1- and N-thread rows: one build in this process) and
 * they step round-robin (lib/bench/report.ts `roundRobinMs`), so that a machine whose speed drifts slows
 * every row alike; each row is the median of its steps after a few warm-up rounds (steps get faster over
 * the first few). Ratios: PyTorch step / lutlab step (issue 20's target 1.5 for
 * SR-LUT-S at 1 and N threads, 3DLUT and CLUT-Net at 1 thread), 1-thread step / N-thread step (target 1:
 * no N-thread row slower) and 1-rank step / N-rank step (throughput; target 1.8 for N = 2), for every model,
 * beside the machine's ceiling for it: N processes that each train a rank's share without exchanging
 * gradients (cases.ts `alone`; on this 2-core VM two processes slow each other by 10-45%).
 * N = the cores of the machine (at least 2). `--quick`: fewer steps (a rerun on an idle machine in minutes).
 */
import { fromFileUrl } from "@std/path";
import { initTf } from "../core/backend.ts";
import { mpirunArgs } from "../experiment/ranks.ts";
import {
  type BenchOptions,
  type BenchReport,
  roundRobinMs,
  type Stepper,
  threadSides,
  wanted,
} from "./report.ts";
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

/**
 * lutlab's step of `c` on `n` MPI ranks of one kernel thread each (a rank waiting for the others, e.g. while
 * the other sides step, sleeps: kernels/mpi/mpi_shim.c).
 */
function onRanks(c: PeerCase, n: number): Stepper {
  return new ServedSteps(
    "mpirun",
    mpirunArgs(n, WORKER, [JSON.stringify(c)]),
    { LUTLAB_THREADS: "1" },
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
  for (const c of peerCases(n).filter((c) => wanted(opts, c.name))) {
    const spf = c.name.startsWith("SPF");
    // steps get faster over the first few (JIT tiers, heap growth): a warm-up round; each timed step follows
    // a second of untimed ones of the same row (cores awake, caches filled)
    const reps = spf ? (opts.quick ? 1 : 3) : (opts.quick ? 5 : 9), warmup = spf ? 0 : 1, settleMs = 1000;
    const model = `${c.name} (batch ${c.batch})`;
    stepsNote += `${stepsNote ? ", " : ""}${model} ${reps} after ${warmup} warm-up round(s)`;
    const what = `${c.name} (batch ${c.batch}${c.crop ? ` of ${c.crop}²` : ", 480x720"})`;
    const peer = (threads: number, ranks: number) =>
      c.torch && torch ? () => torchCase(c, threads, ranks) : undefined;
    const rows = [
      { label: "1 thread", key: "1" as const, peer: peer(1, 1) },
      { label: `${n} threads`, key: "N" as const, peer: peer(n, 1) },
      { label: `${n} ranks`, key: undefined, peer: peer(1, n) },
    ];
    const ranksSide = (cc: PeerCase) => () =>
      mpi ? onRanks(cc, n) : Promise.reject(new Error("mpirun not installed"));
    const times = await roundRobinMs(
      [
        ...threadSides(() => buildCase(c), [1, n]),
        ranksSide(c),
        ...rows.map((r) => r.peer),
        ranksSide({ ...c, alone: true }),
      ],
      { reps, warmup, settleMs },
    );
    const alone = times[2 * rows.length];
    const mine: (number | undefined)[] = [], peers: (number | undefined)[] = [];
    for (const [i, k] of rows.entries()) {
      const ms = times[i], theirs = times[rows.length + i];
      if (typeof ms === "string") report.note(SECTION, `${what} lutlab ${k.label}: not run (${ms})`);
      else if (ms !== undefined) report.row(SECTION, `${what} step, lutlab ${k.label}`, ms, "ms");
      mine.push(typeof ms === "number" ? ms : undefined);
      peers.push(typeof theirs === "number" ? theirs : undefined);
      if (typeof theirs === "string") report.note(SECTION, `${what} PyTorch ${k.label}: not run (${theirs})`);
      else if (theirs !== undefined) report.row(SECTION, `${what} step, PyTorch ${k.label}`, theirs, "ms");
      const row = [model, k.label, fmtMs(ms), fmtMs(theirs), "-", "-"];
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
    /** A summary row of a scaling ratio, lutlab's or PyTorch's (`ms`: the row's step, if not one above). */
    const summary = (label: string, ratio: number, status: string, ms = "") =>
      table.push([model, label, ms, "", `${ratio.toFixed(2)}x`, status]);
    if (one && threads) {
      report.ratio(SECTION, `${what}: 1-thread step / ${n}-thread step`, one / threads, 1);
      summary(`1 / ${n} threads`, one / threads, verdict(one / threads, 1));
    }
    if (typeof alone === "number") {
      report.row(
        SECTION,
        `${what} step, ${n} processes of a rank's share without the allreduce`,
        alone,
        "ms",
      );
      if (one) {
        report.row(
          SECTION,
          `${what}: 1-rank step / ${n} such processes' step (the machine's ceiling)`,
          one / alone,
          "x",
        );
        summary(`1 / ${n} alone`, one / alone, "ceiling", fmtMs(alone));
      }
    } else if (alone) report.note(SECTION, `${what} ${n} processes alone: not run (${alone})`);
    if (one && ranks) {
      const target = n === 2 ? 1.8 : 0;
      report.ratio(SECTION, `${what}: 1-rank step / ${n}-rank step (throughput)`, one / ranks, target);
      summary(`1 / ${n} ranks`, one / ranks, verdict(one / ranks, target));
    }
    const [peerOne, , peerRanks] = peers;
    if (peerOne && peerRanks) { // the same data-parallel scaling of the peer (DDP) on this machine
      report.row(
        SECTION,
        `${what}: PyTorch 1-rank step / ${n}-rank step (throughput)`,
        peerOne / peerRanks,
        "x",
      );
      summary(`PyTorch 1 / ${n} ranks`, peerOne / peerRanks, "PyTorch DDP");
    }
  }
  const note =
    `OMP_WAIT_POLICY=${
      Deno.env.get("OMP_WAIT_POLICY") ?? "unset"
    } (both sides); each row: median of its timed steps, taken round-robin over all of a model's rows, lutlab's and PyTorch's, each timed step after 1 s of untimed steps of the same row (${stepsNote}); ` +
    `load average ${loadBefore} before, ${load()} after on ${navigator.hardwareConcurrency} cores; ` +
    (torch
      ? `PyTorch: ${PYTHON} (python3-torch), lib/bench/peer/torch_steps.py`
      : `no PyTorch at ${PYTHON}: no peer rows`) +
    `; ${n} ranks: 1 kernel thread per rank, the same global batch as the 1-rank rows`;
  report.note(SECTION, note);
  report.table(SECTION, table);
}

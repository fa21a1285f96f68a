/**
 * Benchmark report shared by every section of lib/cli/bench.ts: measured rows (value + unit), ratio
 * lines checked against a target ("PASS"/"FAIL"), notes on how a number was obtained; printed as a
 * table and written to out/bench.json. Also the timing helper the sections use.
 */
import process from "node:process";
import { writeJsonAtomic } from "../core/atomic.ts";
import { setKernelThreads } from "../core/native.ts";

/** One measurement: `value` in `unit` (e.g. "MP/s", "ms"). */
export type BenchRow = { section: string; name: string; value: number; unit: string };
/**
 * Options a section may honour: `quick` = fewer repetitions (`deno task bench --quick`); `cases` = only the
 * models whose name contains one of these (case-insensitive; `--cases 3dlut,sr-lut`).
 */
export type BenchOptions = { quick?: boolean; cases?: string[] };

/** Whether model `name` is one of `opts.cases` (all models when none are named). */
export function wanted(opts: BenchOptions, name: string): boolean {
  return !opts.cases?.length || opts.cases.some((c) => name.toLowerCase().includes(c.toLowerCase()));
}

/** A speed ratio and its target (pass when ratio >= target). */
export type BenchRatio = { section: string; name: string; ratio: number; target: number; pass: boolean };

/** Collects rows, ratios and notes of a bench run; prints each as it arrives. */
export class BenchReport {
  readonly rows: BenchRow[] = [];
  readonly ratios: BenchRatio[] = [];
  readonly notes: { section: string; text: string }[] = [];
  readonly failures: { section: string; error: string }[] = [];
  readonly tables: { section: string; cells: string[][] }[] = [];

  /** Records a measurement. */
  row(section: string, name: string, value: number, unit: string): void {
    this.rows.push({ section, name, value, unit });
    console.log(`[${section}] ${name}: ${fmt(value)} ${unit}`);
  }

  /** Records a ratio against its target; prints "PASS"/"FAIL vs target". */
  ratio(section: string, name: string, ratio: number, target: number): void {
    const pass = ratio >= target;
    this.ratios.push({ section, name, ratio, target, pass });
    console.log(`[${section}] ${name}: ${fmt(ratio)}x  ${pass ? "PASS" : "FAIL"} vs target ${target}x`);
  }

  /** Records how a number was obtained (method, substitutions, caveats). */
  note(section: string, text: string): void {
    this.notes.push({ section, text });
    console.log(`[${section}] note: ${text}`);
  }

  /** Records a summary table (first row: the header), printed after the ratio lines. */
  table(section: string, cells: string[][]): void {
    this.tables.push({ section, cells });
  }

  /** Records a section that threw. */
  fail(section: string, error: unknown): void {
    const msg = error instanceof Error ? error.message : String(error);
    this.failures.push({ section, error: msg });
    console.error(`[${section}] FAILED: ${msg}`);
  }

  /** Prints all rows as a table, then ratio lines, notes and failures. */
  print(): void {
    const w = Math.max(8, ...this.rows.map((r) => r.section.length + r.name.length + 3));
    console.log(`\n${"measurement".padEnd(w)}  ${"value".padStart(12)}  unit`);
    console.log("-".repeat(w + 22));
    for (const r of this.rows) {
      console.log(`${`${r.section}: ${r.name}`.padEnd(w)}  ${fmt(r.value).padStart(12)}  ${r.unit}`);
    }
    if (this.ratios.length) console.log("");
    for (const r of this.ratios) {
      console.log(
        `${r.pass ? "PASS" : "FAIL"} ${r.section}: ${r.name} = ${fmt(r.ratio)}x (target >= ${r.target}x)`,
      );
    }
    for (const t of this.tables) {
      const widths = t.cells[0].map((_, j) => Math.max(...t.cells.map((r) => (r[j] ?? "").length)));
      console.log(`\n${t.section}:`);
      for (const [i, r] of t.cells.entries()) {
        console.log(r.map((v, j) => j < 2 ? v.padEnd(widths[j]) : v.padStart(widths[j])).join("  "));
        if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
      }
    }
    for (const n of this.notes) console.log(`note ${n.section}: ${n.text}`);
    for (const f of this.failures) console.log(`ERROR ${f.section}: ${f.error}`);
  }

  /** Writes rows, ratios, notes, failures and `meta` to `path` as JSON (atomically). */
  async write(path: string, meta: Record<string, unknown> = {}): Promise<void> {
    const { rows, ratios, notes, failures, tables } = this;
    await writeJsonAtomic(path, {
      date: new Date().toISOString(),
      ...meta,
      rows,
      ratios,
      notes,
      failures,
      tables,
    });
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(3);
}

/** Median wall time in milliseconds of `fn` over `reps` runs after `warmup` untimed runs. */
export async function medianMs(fn: () => unknown, reps = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Median of `xs` (the lower middle for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/**
 * Least user CPU time in milliseconds of `fn` over `reps` runs (whole process; meaningful for single-threaded
 * work): unlike wall time it does not count time the process waited for a core, and the least of several
 * runs drops what interference on a shared machine adds (cache and memory contention).
 */
export async function bestCpuMs(fn: () => unknown, reps = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = process.cpuUsage();
    await fn();
    best = Math.min(best, process.cpuUsage(t).user / 1e3);
  }
  return best;
}

/**
 * One side of a round-robin measurement (`roundRobinMs`): steps one at a time (each resolves to its ms), then
 * closed.
 */
export type Stepper = { step(): Promise<number>; close(): Promise<void> };

/**
 * A `Stepper` of `fn` in this process: `before` runs untimed ahead of each step (e.g. setting the thread
 * count).
 */
export function localStepper(fn: () => unknown, before?: () => void, close?: () => void): Stepper {
  return {
    step: async () => {
      before?.();
      const t = performance.now();
      await fn();
      return performance.now() - t;
    },
    close: () => Promise.resolve(close?.()),
  };
}

/**
 * One `Stepper` per entry of `threads`, all stepping one build of a model (`build` runs once, when the first
 * side opens; each side sets the native kernels to its thread count before its steps); the build is disposed
 * and the kernels' thread count restored when the last side closes.
 */
export function threadSides(
  build: () => Promise<{ step: () => unknown; dispose: () => void }>,
  threads: number[],
): (() => Promise<Stepper>)[] {
  let built: ReturnType<typeof build> | undefined;
  let open = threads.length;
  return threads.map((t) => async () => {
    const b = await (built ??= build());
    return localStepper(() => b.step(), () => setKernelThreads(t), () => {
      if (--open === 0) b.dispose(), setKernelThreads(0);
    });
  });
}

/** The first line of an error's message (a bench row's "not run (…)" reason). */
export function errorLine(e: unknown): string {
  return (e as Error).message.split("\n")[0];
}

/**
 * Median ms of each side's steps: `warmup` untimed rounds, then `reps` timed rounds; in each round every side
 * in turn (0, 1, …) steps untimed for `settleMs` (at least one step when it is positive) and then runs one
 * timed step. Interleaving makes a machine whose speed drifts over minutes (other jobs, a shared VM host:
 * ±30% here) slow every side alike, so that their ratios compare the same moments. The untimed steps first
 * let a side's cores wake up and its caches fill after the other sides ran: on this 2-core VM a virtual CPU
 * left idle is descheduled by the host, and two processes that each time one step right after the other
 * sides' steps run no faster than one process doing both shares (with 1 s of untimed steps first: 1.45x
 * faster). A side that fails to open or to step gives its error's first line instead (and is closed); every
 * side is closed at the end.
 */
export async function roundRobinMs(
  open: ((() => Promise<Stepper> | Stepper) | undefined)[],
  { reps, warmup, settleMs = 0 }: { reps: number; warmup: number; settleMs?: number },
): Promise<(number | string | undefined)[]> {
  const sides: (Stepper | string | undefined)[] = [];
  try {
    for (const o of open) sides.push(o ? await Promise.resolve().then(o).catch(errorLine) : undefined);
    const times: number[][] = sides.map(() => []);
    for (let r = 0; r < warmup + reps; r++) {
      for (const [i, s] of sides.entries()) {
        if (typeof s !== "object") continue;
        try {
          for (
            let t0 = performance.now(), k = 0;
            k === 0 ? settleMs > 0 : performance.now() - t0 < settleMs;
            k++
          ) {
            await s.step();
          }
          const ms = await s.step();
          if (r >= warmup) times[i].push(ms);
        } catch (e) {
          await s.close().catch(() => {});
          sides[i] = errorLine(e);
        }
      }
    }
    return sides.map((s, i) => typeof s === "object" ? median(times[i]) : s);
  } finally {
    for (const s of sides) if (typeof s === "object") await s.close().catch(() => {});
  }
}

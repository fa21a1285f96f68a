/**
 * The enumeration exporter: every quantised input of a LutModule (the L^n lattice points, level i at
 * pixel value min(i·2^interval, 255) exactly as SR-LUT/MuLUT's transfer scripts) goes through the
 * module's network in batches; the outputs in table units become an int8 (round half to even of
 * 127·clamp(v), as torch.round) or float32 table [L^n, K], written atomically as .npy.
 */
import { join } from "@std/path";
import { readAndDispose, tf } from "../../core/backend.ts";
import type { LutModule, LutTable } from "./lutmodule.ts";
import type { SrModel } from "./model.ts";
import { roundHalfEven } from "./model.ts";
import { tableFileName, writeLutTable, writeModelParts } from "./tables.ts";

/** Progress of an export: rows done of total, rows per second, seconds left. */
export type ExportProgress = { module: string; done: number; total: number; rate: number; eta: number };

/** Options of the exporter. */
export type ExportOptions = {
  int8?: boolean;
  batch?: number;
  onProgress?: (p: ExportProgress) => void;
};

/** Pixel value (0..255) of lattice level `i` for a sampling interval in bits: min(i·2^interval, 255). */
export function latticeValue(i: number, interval: number): number {
  return Math.min(i * 2 ** interval, 255);
}

/** Lattice inputs [count, n] (row-major, pixel values) for rows start..start+count of an L^n lattice. */
export function latticeRows(
  start: number,
  count: number,
  levels: number,
  dims: number,
  interval: number,
): Float32Array {
  const out = new Float32Array(count * dims);
  for (let r = 0; r < count; r++) {
    let idx = start + r;
    for (let d = dims - 1; d >= 0; d--) {
      out[r * dims + d] = latticeValue(idx % levels, interval);
      idx = Math.floor(idx / levels);
    }
  }
  return out;
}

/** Progress printer for the CLI: one rewritten stderr line per update. */
export function printProgress(p: ExportProgress): void {
  const pct = ((100 * p.done) / p.total).toFixed(1);
  const line = `export ${p.module}: ${p.done}/${p.total} (${pct}%) ${Math.round(p.rate)} rows/s ETA ${
    p.eta.toFixed(1)
  }s`;
  Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}${p.done === p.total ? "\n" : ""}`));
}

/** Runs the module's network on all L^n lattice inputs → its table (int8 by default). */
export async function enumerateTable(module: LutModule, opts: ExportOptions = {}): Promise<LutTable> {
  const { levels, dims, outputs } = module;
  const total = levels ** dims, batch = opts.batch ?? 16384, int8 = opts.int8 ?? true;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`export batch must be a positive integer, got ${batch}`);
  }
  const values = new Float32Array(total * outputs);
  const t0 = performance.now();
  for (let start = 0; start < total; start += batch) {
    const count = Math.min(batch, total - start);
    const rows = latticeRows(start, count, levels, dims, module.spec.interval);
    const out = await readAndDispose(tf.tidy(() => module.netRows(tf.tensor2d(rows, [count, dims]), false)));
    if (int8) { for (let i = 0; i < out.length; i++) values[start * outputs + i] = roundHalfEven(out[i]); }
    else values.set(out, start * outputs);
    if (opts.onProgress) {
      const done = start + count, secs = (performance.now() - t0) / 1000;
      const rate = done / Math.max(secs, 1e-9);
      opts.onProgress({ module: module.spec.name, done, total, rate, eta: (total - done) / rate });
    }
  }
  return { values, levels, dims, outputs, int8 };
}

/** "25 table(s)" or "12 table(s) + 6 part(s)" for the paths exportModel wrote (parts: PART_*.npy). */
export function exportSummary(paths: string[]): string {
  const parts = paths.filter((p) => /(^|\/)PART_[^/]*$/.test(p)).length;
  return `${paths.length - parts} table(s)${parts ? ` + ${parts} part(s)` : ""}`;
}

/**
 * Exports every LutModule of `model` into `dir` (tableFileName names); each module keeps its table
 * (its form is unchanged). The model's parts outside the tables are written as they are
 * (partFileName). Returns the written paths.
 */
export async function exportModel(model: SrModel, dir: string, opts: ExportOptions = {}): Promise<string[]> {
  const paths: string[] = [];
  for (const m of model.modules()) {
    const t = await enumerateTable(m, opts);
    const path = join(dir, tableFileName(m, model.upscale, t.int8));
    await writeLutTable(path, t);
    const form = m.form;
    m.setTable(t);
    m.form = form;
    paths.push(path);
  }
  paths.push(...await writeModelParts(model.parts(), dir));
  return paths;
}

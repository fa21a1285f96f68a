/**
 * Bench section: the enumeration exporter on a 64-wide SR-LUT-S ×4 network (17⁴ = 83,521 lattice inputs,
 * 16 outputs each, int8) on the tfjs wasm backend; target: under 60 s (ratio = 60 s / measured).
 */
import { initTf } from "../core/backend.ts";
import type { BenchReport } from "./report.ts";
import { enumerateTable } from "../sr/core/enumerate.ts";
import { buildSrModel, DEFAULT_MODEL } from "../sr/models/models.ts";

/** Times a full 17⁴ SR-LUT-S table export. */
export async function bench(report: BenchReport): Promise<void> {
  const backend = await initTf();
  const [module] = buildSrModel({ ...DEFAULT_MODEL, kind: "srlut", variant: "s", upscale: 4 }, 1).modules();
  const t0 = performance.now();
  const table = await enumerateTable(module, { int8: true });
  const secs = (performance.now() - t0) / 1000;
  report.row("sr_export", "SR-LUT-S x4 17^4 table export", secs, "s");
  report.row("sr_export", "lattice rows per second", table.values.length / 16 / secs, "rows/s");
  report.ratio("sr_export", "60 s target / export time", 60 / secs, 1);
  report.note("sr_export", `tfjs backend ${backend}, batch 16384, 64-wide SRNet, int8 output`);
}

/**
 * Bench section "hashgrid": HashLUT 7+13 hash-grid encoding throughput (megapixels per second, median of
 * repeated runs) on a real photo (embedded "nagasaki-boats" at its own size): native kernel forward and
 * forward+table-gradient on 1 thread and on all threads, the TypeScript reference, and the whole HashLUT
 * model (expert on the 256x256 thumbnail + encoding + compensation MLP on wasm). Ratio: native forward
 * on 1 thread vs the TypeScript reference (target 10x).
 */
import { initTf } from "../core/backend.ts";
import { loadEmbedded } from "../data/embedded.ts";
import { setKernelThreads } from "../core/native.ts";
import { hashGridEncode, hashGridTableGrad } from "../lut/hashgrid.ts";
import { hashGridEncodeRef, hashGridLevels } from "../lut/hashgrid_ref.ts";
import { HashLut, hashLutGridSpec } from "../enhance/models/hashlut.ts";
import { hashLutPreset } from "../enhance/hashnet.ts";
import { type BenchReport, medianMs } from "./report.ts";

const SECTION = "hashgrid";

/** Runs the section; rows in MP/s. */
export async function bench(report: BenchReport): Promise<void> {
  await initTf();
  const img = await loadEmbedded("nagasaki-boats");
  const mp = (img.height * img.width) / 1e6;
  const config = await hashLutPreset("hashlut-7+13");
  const levels = hashGridLevels(hashLutGridSpec(config));
  const table = Float32Array.from({ length: levels.tableLength }, (_, i) => Math.sin(i));
  const gradOut = new Float32Array(levels.spec.levels * levels.spec.featuresPerLevel * img.height * img.width)
    .fill(1);
  const { height: H, width: W } = img;
  const rates: Record<string, number> = {};
  for (const threads of [1, 0]) {
    setKernelThreads(threads);
    const label = threads === 1 ? "1 thread" : "all threads";
    const fwd = await medianMs(() => hashGridEncode(img.data, 1, H, W, table, levels), 5);
    const bwd = await medianMs(() => {
      hashGridEncode(img.data, 1, H, W, table, levels);
      hashGridTableGrad(img.data, 1, H, W, gradOut, levels);
    }, 5);
    rates[`${label} forward`] = (mp / fwd) * 1e3;
    report.row(SECTION, `7+13 encode forward, ${label}`, rates[`${label} forward`], "MP/s");
    report.row(SECTION, `7+13 encode fwd+table grad, ${label}`, (mp / bwd) * 1e3, "MP/s");
  }
  const ref = await medianMs(() => hashGridEncodeRef(img.data, 1, H, W, table, levels), 1, 0);
  report.row(SECTION, "7+13 encode forward, TypeScript reference", (mp / ref) * 1e3, "MP/s");
  report.ratio(
    SECTION,
    "native forward (1 thread) / TypeScript reference",
    rates["1 thread forward"] * ref / mp / 1e3,
    10,
  );
  const model = new HashLut(config);
  const full = await medianMs(() => model.enhance(img), 3);
  report.row(SECTION, "HashLUT 7+13 enhance (expert + encode + MLP, wasm)", (mp / full) * 1e3, "MP/s");
  report.note(SECTION, `image ${W}x${H}; model timing includes the PIL-bilinear thumbnail and tfjs wasm ops`);
  model.dispose();
}

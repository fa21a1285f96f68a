/**
 * Bench section "sr_lookup": n-D simplex LUT lookup throughput in megapixels of LR input per second
 * (median of repeated runs), on the green channel of the embedded "nagasaki-boats" photo as one uint8-valued
 * plane, with SR-LUT-S ×4 (4-bit, 17⁴ × 16 int8; the published table when the shared data is present):
 * one-plane lookup on 1 thread and on all threads, the full 4-rotation ensemble with pixel shuffle (the
 * whole ×4 inference; both against the 10 MP/s-per-thread target), the DFC-compressed lookup (xyzt, width
 * 2, coarse 2^5), the backward pass of a float table, and the TypeScript reference for scale.
 */
import { sharedPath } from "../core/shared.ts";
import { loadEmbedded } from "../data/embedded.ts";
import { readNpy } from "../formats/npy.ts";
import { setKernelThreads } from "../core/native.ts";
import { compressDfc, dfcLookup } from "../lut/dfc.ts";
import { simplexBackward, simplexLookup, type SimplexLut, simplexRotationEnsemble } from "../lut/simplex.ts";
import { type Offset, simplexForwardRef } from "../lut/simplex_ref.ts";
import { type BenchReport, medianMs } from "./report.ts";

const SECTION = "sr_lookup";
const TARGET_MPS = 10;
const PATTERN_S: Offset[] = [[0, 0], [0, 1], [1, 0], [1, 1]];

async function srlutTable(report: BenchReport): Promise<SimplexLut> {
  const path = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_4bit_int8.npy");
  if (path) {
    const npy = await readNpy(path);
    return { n: 4, intervalBits: 4, outputs: 16, data: npy.data as Int8Array };
  }
  report.note(SECTION, "shared SR-LUT table absent: a random int8 17^4 x 16 table is used");
  const data = new Int8Array(17 ** 4 * 16);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) >>> 24) - 128;
  return { n: 4, intervalBits: 4, outputs: 16, data };
}

/** Runs the section. */
export async function bench(report: BenchReport): Promise<void> {
  const photo = await loadEmbedded("nagasaki-boats");
  const { height: h, width: w } = photo;
  const plane = Float32Array.from(photo.data.subarray(h * w, 2 * h * w), (v) => Math.round(v * 255));
  const padded = new Float32Array((h + 1) * (w + 1));
  for (let y = 0; y <= h; y++) {
    for (let x = 0; x <= w; x++) padded[y * (w + 1) + x] = plane[Math.min(y, h - 1) * w + Math.min(x, w - 1)];
  }
  const shape = { planes: 1, height: h + 1, width: w + 1 };
  const mp = (h * w) / 1e6;
  const table = await srlutTable(report);
  report.note(SECTION, `one ${w}x${h} plane (${mp.toFixed(2)} MP of LR input), SR-LUT-S x4 int8, srlutOrder`);

  const out = new Float32Array(h * w * 16), hr = new Float32Array(h * w * 16);
  const lookup = () => simplexLookup(padded, shape, PATTERN_S, table, { srlutOrder: true, out });
  const lrShape = { planes: 1, height: h, width: w };
  const opts = { upscale: 4, pad: "reflect" as const, srlutOrder: true, out: hr };
  setKernelThreads(1);
  const fwd1 = mp / (await medianMs(lookup, 7)) * 1e3;
  report.row(SECTION, "SR-LUT-S x4 lookup, 1 thread", fwd1, "MP/s");
  report.ratio(SECTION, `lookup per thread / ${TARGET_MPS} MP/s target`, fwd1 / TARGET_MPS, 1);
  const ens1 = mp /
    (await medianMs(() => simplexRotationEnsemble(plane, lrShape, PATTERN_S, table, opts), 5)) *
    1e3;
  report.row(SECTION, "SR-LUT-S x4 rotation ensemble (4 lookups + shuffle), 1 thread", ens1, "MP/s");
  report.ratio(
    SECTION,
    `whole x4 inference (rotation ensemble) per thread / ${TARGET_MPS} MP/s target`,
    ens1 / TARGET_MPS,
    1,
  );
  const dfc = compressDfc(table, { diagonalWidth: 2, samplingInterval: 5 });
  const dfc1 = mp / (await medianMs(() => dfcLookup(padded, shape, PATTERN_S, dfc, { out }), 5)) * 1e3;
  report.row(SECTION, "DFC (xyzt, dw 2, si 5) lookup, 1 thread", dfc1, "MP/s");
  report.row(SECTION, "DFC storage / full LUT", dfc.storageBytes() / table.data.byteLength, "x");
  const f32 = { ...table, data: Float32Array.from(table.data) };
  const grad = new Float32Array(h * w * 16).fill(1e-3);
  const bwd1 = mp / (await medianMs(() => simplexBackward(padded, shape, PATTERN_S, f32, grad), 3)) * 1e3;
  report.row(SECTION, "float table backward (table + plane grads), 1 thread", bwd1, "MP/s");

  setKernelThreads(0);
  const fwdN = mp / (await medianMs(lookup, 7)) * 1e3;
  report.row(SECTION, `SR-LUT-S x4 lookup, ${navigator.hardwareConcurrency} threads`, fwdN, "MP/s");

  const crop = { planes: 1, height: 129, width: 129 };
  const small = new Float32Array(129 * 129);
  for (let y = 0; y < 129; y++) small.set(padded.subarray(y * (w + 1), y * (w + 1) + 129), y * 129);
  const ref = (128 * 128) / 1e6 / (await medianMs(
    () => simplexForwardRef(small, crop, PATTERN_S, table.data, table, true),
    3,
  )) * 1e3;
  report.row(SECTION, "TypeScript reference lookup (128x128 crop)", ref, "MP/s");
  report.note(
    SECTION,
    "wall-clock medians, output buffers reused; on a shared machine other processes lower the numbers",
  );
}

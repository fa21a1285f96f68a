/**
 * Storage against quality of SR LUT models in the LUT form: the bytes of the tables a model actually
 * looks up (a DFC-compressed module counts its fine + coarse tables, any other its full table; int8
 * entries 1 byte, float32 4), DFC compression of every compressible module, and the storage/PSNR
 * points of a model uncompressed and at several DFC sampling intervals (for lib/analysis/tradeoff.ts
 * storageFigure).
 */
import type { DfcSettings } from "./core/dfc_export.ts";
import type { Degradation } from "./core/degrade.ts";
import { evalFolder } from "./core/benchmark.ts";
import type { SrModel } from "./core/model.ts";

/** One SR method/variant: total LUT storage in bytes and PSNR (dB); `dfc` set for DFC-compressed tables. */
export type StoragePoint = {
  method: string;
  variant?: string;
  bytes: number;
  psnr: number;
  dfc?: { samplingInterval: number; diagonalWidth: number };
  finetuned?: boolean;
};

/** Bytes of the tables `model` looks up now (DFC tables where compressed); throws if a table is missing. */
export function storageBytes(model: SrModel): number {
  return model.modules().reduce((sum, m) => {
    if (m.dfc) return sum + m.dfc.storageBytes();
    if (!m.table) throw new Error(`${model.spec.kind}: module ${m.spec.name} has no table`);
    return sum + m.table.size * (m.tableInt8 ? 1 : 4);
  }, 0);
}

/** DFC-compresses every compressible module's table with `settings` (undefined: back to full tables). */
export async function compressModel(model: SrModel, settings: DfcSettings | undefined): Promise<void> {
  for (const m of model.modules()) if (m.spec.compressible !== false) await m.compress(settings);
}

/**
 * PSNR on the benchmark folder `setDir` and storage of `model` (LUT form) with full tables ("full") and
 * with DFC at each sampling interval ("DFC si=5", ...); the model is left uncompressed.
 */
export async function storageSweep(
  model: SrModel,
  method: string,
  setDir: string,
  deg: Degradation,
  opts: { samplingIntervals: number[]; diagonalWidth: number; limit?: number },
): Promise<StoragePoint[]> {
  const points: StoragePoint[] = [];
  const score = async (variant: string, dfc?: StoragePoint["dfc"]) => {
    const s = await evalFolder(model, setDir, deg, { limit: opts.limit });
    points.push({ method, variant, bytes: storageBytes(model), psnr: s.psnr, ...(dfc ? { dfc } : {}) });
  };
  await compressModel(model, undefined);
  await score("full");
  try {
    for (const si of opts.samplingIntervals) {
      await compressModel(model, { diagonalWidth: opts.diagonalWidth, samplingInterval: si });
      await score(`DFC si=${si}`, { samplingInterval: si, diagonalWidth: opts.diagonalWidth });
    }
  } finally {
    await compressModel(model, undefined);
  }
  return points;
}

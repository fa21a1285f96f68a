/**
 * The DFC evaluation of a sweep member (sweeps with `eval = "dfc"`, e.g. experiments/dfc-grid): the SR
 * experiment's tables (exported after training, or its pretrained ones) are DFC-compressed with the
 * member's [dfc] diagonal_width / sampling_interval and scored on its benchmark sets in the LUT form;
 * writes <member>/eval/dfc-<source>.json: storage in bytes (full and compressed) and per set PSNR/SSIM.
 */
import { join } from "@std/path";
import { writeJsonAtomic } from "../core/atomic.ts";
import { resolveShared } from "../core/shared.ts";
import { loadSrConfig } from "../sr/core/config.ts";
import { evalFolder } from "../sr/core/evaluate.ts";
import { loadLutModel, type TableSource } from "../sr/core/experiment.ts";
import { compressModel, storageBytes } from "../sr/core/storage.ts";

/** What evalDfc writes: bytes of the full and the DFC tables, and each set's mean PSNR/SSIM (Y channel). */
export type DfcResult = {
  full_bytes: number;
  dfc_bytes: number;
  sets: { set: string; psnr: number; ssim: number }[];
};

/** Path of a member's DFC result for a table source. */
export function dfcResultPath(dir: string, source: TableSource): string {
  return join(dir, "eval", `dfc-${source}.json`);
}

/** Compresses the member's tables from `source` with its [dfc] settings, scores every eval set, writes the JSON. */
export async function evalDfc(dir: string, source: TableSource): Promise<DfcResult> {
  const config = await loadSrConfig(dir);
  const model = await loadLutModel(config, source);
  const fullBytes = storageBytes(model);
  await compressModel(model, config.dfc);
  const sets = [];
  for (const set of config.eval.sets) {
    const s = await evalFolder(model, join(resolveShared(config.eval.benchmark), set), config.degradation);
    sets.push({ set, psnr: s.psnr, ssim: s.ssim });
    console.log(
      `${config.name} [${source}, DFC]: ${set} PSNR ${s.psnr.toFixed(3)} dB SSIM ${s.ssim.toFixed(4)}`,
    );
  }
  const res = { full_bytes: fullBytes, dfc_bytes: storageBytes(model), sets };
  await writeJsonAtomic(dfcResultPath(dir, source), res);
  return res;
}

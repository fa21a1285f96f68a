/**
 * The config keys of the train → export LUT → fine-tune LUT workflow, with the DFC repository's names and
 * defaults (its src/common/config.py and README's config.toml: `[export_lut] checkpoint_iter`,
 * `[export_lut.dfc] enabled = false, diagonal_width = 2, sampling_interval = 5`, `[finetune_lut]
 * export_lut_iter, total_iter, lr0`), and the checkpoint-history keys of [train]/[finetune]
 * (`keep_steps`, `keep_every`, history.ts).
 * - checkpoint_iter / export_lut_iter default to the newest checkpoint / whatever step the exported tables
 *   came from (the DFC repository's 200000 is its train.total_iter, i.e. the newest there too);
 * - [dfc] sampling_interval / diagonal_width are the older names of [export_lut.dfc]'s (one place only);
 * - [finetune_lut] total_iter / lr0 are [finetune] iterations / lr under the DFC names (one place only).
 */
import type { Raw, Reader } from "./reader.ts";

/** [train] / [finetune] keep_steps and keep_every (0 = none) of the checkpoint history. */
export function keepKeys(r: Reader, t: Raw, section: string): { keepSteps: number[]; keepEvery: number } {
  return {
    keepSteps: r.steps(t, section, "keep_steps", []),
    keepEvery: r.int(t, section, "keep_every", 0, 0),
  };
}

/** [export_lut] and [finetune_lut] of an SR experiment, resolved. */
export type LutWorkflow = {
  /** the training step to export (undefined: the newest checkpoint) */
  checkpointIter?: number;
  dfc: { enabled: boolean; samplingInterval: number; diagonalWidth: number };
  /** the step the fine-tuned tables must come from (undefined: any) */
  exportLutIter?: number;
  /** [finetune] iterations / lr given as total_iter / lr0 */
  totalIter?: number;
  lr0?: number;
};

/** Keys of the workflow sections (for `deno task new` and the unknown-section check). */
export const WORKFLOW_SECTIONS = ["export_lut", "finetune_lut"];

/** Parses [export_lut], [export_lut.dfc], [finetune_lut] and the older [dfc]. */
export function parseLutWorkflow(r: Reader, raw: Raw): LutWorkflow {
  const ex = r.table(raw, "export_lut", ["checkpoint_iter", "dfc"]);
  const dfc = r.table({ "export_lut.dfc": ex.dfc }, "export_lut.dfc", [
    "enabled",
    "diagonal_width",
    "sampling_interval",
  ]);
  const old = r.table(raw, "dfc", ["sampling_interval", "diagonal_width"]);
  for (const k of ["sampling_interval", "diagonal_width"]) {
    if (k in old && k in dfc) r.fail(`dfc.${k} and export_lut.dfc.${k} both set: keep export_lut.dfc.${k}`);
  }
  const from = (k: string) => (k in old ? old : dfc);
  const section = (k: string) => (k in old ? "dfc" : "export_lut.dfc");
  const ft = r.table(raw, "finetune_lut", ["export_lut_iter", "total_iter", "lr0"]);
  const fine = (raw.finetune ?? {}) as Raw; // validated by the SR config
  for (const [dfcKey, key] of [["total_iter", "iterations"], ["lr0", "lr"]]) {
    if (dfcKey in ft && key in fine) {
      r.fail(`finetune.${key} and finetune_lut.${dfcKey} both set: keep one (they are the same setting)`);
    }
  }
  const opt = (t: Raw, path: string, key: string) => (key in t ? r.int(t, path, key, 0, 0) : undefined);
  return {
    checkpointIter: opt(ex, "export_lut", "checkpoint_iter"),
    dfc: {
      enabled: r.bool(dfc, "export_lut.dfc", "enabled", false),
      samplingInterval: r.int(from("sampling_interval"), section("sampling_interval"), "sampling_interval", 5, 1, 8),
      diagonalWidth: r.int(from("diagonal_width"), section("diagonal_width"), "diagonal_width", 2, 0, 256),
    },
    exportLutIter: opt(ft, "finetune_lut", "export_lut_iter"),
    totalIter: "total_iter" in ft ? r.int(ft, "finetune_lut", "total_iter", 1) : undefined,
    lr0: "lr0" in ft ? r.num(ft, "finetune_lut", "lr0", 0, (v) => (v > 0 ? undefined : "> 0")) : undefined,
  };
}

/**
 * The config keys of the train → export LUT → fine-tune LUT workflow, with the names and defaults of the
 * DFC paper's TOML workflow (SPF-LUT + DFC code of leenas233/DFC as carried on by SuperKenVery/AutoLUT:
 * src/common/config.py ExportLUTConfig / DFCExportConfig / FinetuneLUTConfig and its README's config.toml:
 * `[export_lut] checkpoint_iter`,
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
      samplingInterval: r.int(
        from("sampling_interval"),
        section("sampling_interval"),
        "sampling_interval",
        5,
        1,
        8,
      ),
      diagonalWidth: r.int(from("diagonal_width"), section("diagonal_width"), "diagonal_width", 2, 0, 256),
    },
    exportLutIter: opt(ft, "finetune_lut", "export_lut_iter"),
    totalIter: "total_iter" in ft ? r.int(ft, "finetune_lut", "total_iter", 1) : undefined,
    lr0: "lr0" in ft ? r.num(ft, "finetune_lut", "lr0", 0, (v) => (v > 0 ? undefined : "> 0")) : undefined,
  };
}

/** Commented TOML documenting the workflow and history keys an SR config `text` does not set (`deno task new`). */
export function workflowDoc(text: string): string {
  const has = (k: string) => new RegExp(`^\\s*(\\[${k.replace(".", "\\.")}\\]|${k}\\s*=)`, "m").test(text);
  const lines: string[] = [];
  if (!has("keep_steps")) {
    lines.push(
      "# [train] / [finetune] also take (lib/experiment/history.ts):",
      "#   keep_steps = [100000]   # checkpoints kept besides the newest: --step N on eval/export/finetune/apply",
      "#   keep_every = 0          # keep every N-th step's checkpoint (0: none)",
      "#   eval_every = 0          # validation every N steps on the first eval_images of [eval] sets[0],",
      "#   eval_images = 2         #   logged as val.psnr; the best checkpoint is kept (--step best)",
    );
  }
  if (!has("export_lut")) {
    lines.push(
      "# The DFC paper's workflow names (SuperKenVery/AutoLUT src/common/config.py, from leenas233/DFC):",
      "# [export_lut]",
      "# checkpoint_iter = 200000  # training step to export (default: the newest; kept automatically);",
      "#                           # deno task export --step N overrides it",
    );
  }
  if (!has("export_lut.dfc") && !has("dfc")) {
    lines.push(
      "# [export_lut.dfc]          # --dfc / --diagonal-width / --sampling-interval override these",
      "# enabled = false           # export also writes the DFC-compressed tables; finetune then tunes them",
      "# diagonal_width = 2        # fine diagonal band half-width in lattice steps",
      "# sampling_interval = 5     # coarse sampling interval off the band, in bits",
    );
  }
  if (!has("finetune_lut")) {
    lines.push(
      "# [finetune_lut]",
      "# export_lut_iter = 200000  # fine-tune only tables exported from this step (--step overrides it)",
      "# total_iter = 2000         # = [finetune] iterations (set one of them)",
      "# lr0 = 1e-4                # = [finetune] lr (set one of them)",
    );
  }
  return lines.length ? `\n${lines.join("\n")}\n` : "";
}

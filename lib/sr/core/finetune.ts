/**
 * LUT-aware fine-tuning (MuLUT's 3_finetune_lut): the tables of the LUT form are the trainable parameters
 * (float32 in table units, looked up through the SR kernels' custom-gradient op); int8 tables are trained
 * through straight-through rounding and written back as int8 into <exp>/luts_ft.
 */
import { join } from "@std/path";
import type { SrConfig } from "./config.ts";
import { loadLutModel, tableDir, type TableSource } from "./experiment.ts";
import { roundHalfEven } from "./model.ts";
import { type FitResult, fitSr } from "./train.ts";
import { tableFileName, writeLutTable, writeModelParts } from "./tables.ts";

/** Fine-tunes the tables from `source` (default: pretrained if configured, else exported); returns the fit. */
export async function finetuneSr(
  config: SrConfig,
  opts: { source?: TableSource; resume?: boolean; restart?: boolean; quiet?: boolean } = {},
): Promise<FitResult & { paths: string[] }> {
  const source = opts.source ?? (config.pretrained ? "pretrained" : "exported");
  const model = await loadLutModel(config, source);
  for (const m of model.modules()) m.quantiseTable = m.tableInt8;
  const res = await fitSr(model, config.degradation, config.finetune, {
    dir: join(config.dir, "finetune"),
    lockDir: config.dir,
    resume: opts.resume,
    restart: opts.restart,
    quiet: opts.quiet,
    resumeHint: `deno task finetune -e ${config.dir} --resume`,
  });
  const paths: string[] = [];
  for (const m of model.modules()) {
    const t = m.getTable()!;
    if (t.int8) t.values = t.values.map((v) => Math.min(Math.max(roundHalfEven(v), -128), 127));
    const path = join(tableDir(config, "finetuned"), tableFileName(m, model.upscale, t.int8));
    await writeLutTable(path, t);
    paths.push(path);
  }
  paths.push(...await writeModelParts(model.parts(), tableDir(config, "finetuned")));
  if (!opts.quiet) {
    console.log(`wrote ${paths.length} fine-tuned table(s) to ${tableDir(config, "finetuned")}`);
  }
  return { ...res, paths };
}

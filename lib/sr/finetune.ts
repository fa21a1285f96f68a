/**
 * LUT-aware fine-tuning (MuLUT's 3_finetune_lut): the tables of the LUT form are the trainable parameters
 * (trained as table/127, MuLUT's units, looked up through the SR kernels' custom-gradient op); int8 tables are trained
 * through straight-through rounding and written back as int8 into <exp>/luts_ft.
 */
import { join } from "@std/path";
import type { SrConfig } from "./config.ts";
import { tableDir } from "./experiment.ts";
import { chooseSource, loadSrSource, sourceDir, type SrSource } from "./artifacts.ts";
import { type FitResult, fitSr, validationSet } from "./sr_train.ts";
import { tableFileName, writeLutTable, writeModelParts } from "./core/tables.ts";
import { readOrigin, writeOrigin } from "../experiment/origin.ts";
import { requireSourceStep } from "./steps.ts";

/** The own table sources `finetuneSr` starts from (`--from`; the DFC tables go through lib/sr/dfc_finetune.ts). */
export const FINETUNE_SOURCES = ["exported", "finetuned"] as const;

/** Whether `deno task finetune` tunes the DFC tables: `--from dfc`, or no source given and [export_lut.dfc] enabled. */
export function finetunesDfc(config: SrConfig, from: string | undefined, pretrained: boolean): boolean {
  return from === "dfc" || (from === undefined && !pretrained && config.workflow.dfc.enabled);
}

/**
 * Fine-tunes the tables from `source` (a --from value, checked by chooseSource: exported, finetuned or
 * pretrained; default: the experiment's own newest exported or fine-tuned tables) in table/127 units
 * (LutModule.beginFinetune); `step` (--step, else [finetune_lut] export_lut_iter) requires tables from that
 * training step; the fine-tuned tables' origin.json records it. Returns the fit and the written paths.
 */
export async function finetuneSr(
  config: SrConfig,
  opts: {
    source?: string;
    pretrained?: boolean;
    step?: number;
    resume?: boolean;
    restart?: boolean;
    quiet?: boolean;
  } = {},
): Promise<FitResult & { paths: string[]; source: SrSource }> {
  const { source, note } = await chooseSource(config, {
    from: opts.source,
    pretrained: opts.pretrained,
    allowed: FINETUNE_SOURCES,
  });
  if (!opts.quiet) console.log(`finetune: starting from ${note}`);
  await requireSourceStep(config, source, opts.step ?? config.workflow.exportLutIter);
  const origin = source === "pretrained" ? undefined : await readOrigin(sourceDir(config, source));
  const model = await loadSrSource(config, source);
  for (const m of model.modules()) m.beginFinetune();
  const res = await fitSr(model, config.degradation, config.finetune, {
    dir: join(config.dir, "finetune"),
    lockDir: config.dir,
    resume: opts.resume,
    restart: opts.restart,
    quiet: opts.quiet,
    resumeHint: `deno task finetune -e ${config.dir} --resume`,
    valSet: await validationSet(config, config.finetune),
  });
  for (const m of model.modules()) m.endFinetune();
  const paths: string[] = [];
  for (const m of model.modules()) {
    const t = (await m.getTable())!;
    const path = join(tableDir(config, "finetuned"), tableFileName(m, model.upscale, t.int8));
    await writeLutTable(path, t);
    paths.push(path);
  }
  paths.push(...await writeModelParts(model.parts(), tableDir(config, "finetuned")));
  await writeOrigin(
    tableDir(config, "finetuned"),
    origin && { ...origin, source, finetune_step: res.step },
  );
  if (!opts.quiet) {
    console.log(`wrote ${paths.length} fine-tuned table(s) to ${tableDir(config, "finetuned")}`);
  }
  return { ...res, paths, source };
}

/**
 * An SR experiment's model in each of its states: built from the config (network form), restored from its
 * training checkpoint, or in the LUT form from the published tables ([pretrained] tables), the exported
 * tables (<exp>/luts) or the fine-tuned ones (<exp>/luts_ft).
 */
import { join } from "@std/path";
import { initTf } from "../core/backend.ts";
import { readCheckpoint, restoreParams } from "../experiment/checkpoint.ts";
import { runFiles } from "../experiment/loop.ts";
import { resolveCheckpoint, type StepChoice } from "../experiment/history.ts";
import type { SrConfig } from "./config.ts";
import { resolveShared } from "../core/shared.ts";
import type { SrModel } from "./core/model.ts";
import { buildSrModel } from "./models/models.ts";
import { loadMulut, loadSrlut } from "./models/pretrained.ts";
import { loadModelParts, loadModelTables } from "./core/tables.ts";
import { srModelKey, srParams } from "./sr_train.ts";

/** Which tables an experiment's LUT form uses. */
export type TableSource = "pretrained" | "exported" | "finetuned";

/** Folder of an experiment's exported (luts) or fine-tuned (luts_ft) tables. */
export function tableDir(config: SrConfig, source: "exported" | "finetuned"): string {
  return join(config.dir, source === "exported" ? "luts" : "luts_ft");
}

/** The experiment's model in the LUT form with tables from `source`. */
export async function loadLutModel(config: SrConfig, source: TableSource): Promise<SrModel> {
  await initTf();
  if (source === "pretrained") {
    if (!config.pretrained) throw new Error(`${config.name}: no [pretrained] tables in the config`);
    const p = resolveShared(config.pretrained);
    return p.endsWith(".npy")
      ? await loadSrlut(p)
      : await loadMulut(p, config.model.upscale, config.model.modes, config.model.stages);
  }
  const model = buildSrModel(config.model);
  const dir = tableDir(config, source);
  await loadModelTables(model.modules(), dir, model.upscale, { int8: config.export.int8 });
  await loadModelParts(model.parts(), dir);
  return model;
}

/** The training checkpoint of `step` (default the newest, <exp>/train/checkpoint.bin): path and step. */
export function netCheckpoint(config: SrConfig, step?: StepChoice): Promise<{ path: string; step: number }> {
  const dir = join(config.dir, "train");
  return resolveCheckpoint(dir, runFiles(dir).checkpoint, step);
}

/** The experiment's network restored from the training checkpoint of `step` (netCheckpoint; network form). */
export async function loadNetModel(config: SrConfig, step?: StepChoice): Promise<SrModel> {
  await initTf();
  const model = buildSrModel(config.model, config.train.seed);
  const checkpoint = (await netCheckpoint(config, step)).path;
  const ck = await readCheckpoint(checkpoint);
  restoreParams(ck, srParams(model), srModelKey(model), checkpoint);
  return model;
}

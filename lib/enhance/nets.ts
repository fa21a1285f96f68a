/**
 * Builds, imports and restores the network of a photo experiment by its family's declaration
 * (photo_registry.ts): fresh, from the experiment's checkpoint, or from the original pretrained weights.
 */
import { exists } from "../core/read.ts";
import { join } from "@std/path";
import { resolveShared } from "../core/shared.ts";
import { readCheckpoint, restoreParams } from "../experiment/checkpoint.ts";
import { runFiles } from "../experiment/loop.ts";
import { resolveCheckpoint, type StepChoice } from "../experiment/history.ts";
import type { PhotoNet } from "./photonet.ts";
import { familyOf, type PhotoConfig } from "./photo_registry.ts";
import { generatorPart } from "./unpaired_checkpoint.ts";
import { checkPretrainedSpace } from "./input_space.ts";

export type { PhotoNet } from "./photonet.ts";

/** The experiment's training checkpoint path. */
export function checkpointPath(config: PhotoConfig): string {
  return runFiles(join(config.dir, "train")).checkpoint;
}

/**
 * A freshly initialised network for `config`, by the registered builder of its family (BL-B: compressed from its source).
 *
 * @example CLUT-Net 20+05+10 from its preset, on a 256² thumbnail and a 64² image
 * ```ts
 * import { initTf, tf } from "../core/backend.ts";
 * import { loadPhotoConfig } from "./config.ts";
 * import { buildNet } from "./nets.ts";
 *
 * await initTf();
 * const net = await buildNet(await loadPhotoConfig("experiments/clutnet-20+05+10"));
 * const { out } = net.forward(tf.zeros([1, 3, 256, 256]), tf.zeros([1, 3, 64, 64]), false);
 * console.log(out.shape, net.paramCount()); // [1, 3, 64, 64] ...
 * net.dispose();
 * ```
 */
export async function buildNet(config: PhotoConfig): Promise<PhotoNet> {
  const family = familyOf(config);
  if (!family.build) {
    throw new Error(
      `${config.file}: family "${config.model.family}" cannot be trained: ${family.unsupported?.train}`,
    );
  }
  return await family.build(config);
}

/** Imports the experiment's [pretrained] weights by its family's importer. */
export async function loadPretrained(config: PhotoConfig): Promise<PhotoNet> {
  if (!config.pretrained) throw new Error(`${config.file}: no [pretrained] weights configured`);
  const paths = config.pretrained.map(resolveShared);
  checkPretrainedSpace(config, paths);
  const family = familyOf(config);
  if (!family.pretrained) {
    throw new Error(`${config.file}: family "${config.model.family}" has no pretrained importer`);
  }
  return await family.pretrained(config, paths);
}

/** Which weights to load: "trained" (checkpoint), "pretrained", or "auto" (checkpoint if present, else pretrained). */
export type WeightSource = "trained" | "pretrained" | "auto";

/** The weights "auto" means for `config`: its trained checkpoint if present (or no pretrained weights), else pretrained. */
export async function resolveWeightSource(
  config: PhotoConfig,
  want: WeightSource = "auto",
): Promise<"trained" | "pretrained"> {
  if (want !== "auto") return want;
  const have = await exists(checkpointPath(config));
  return have || !config.pretrained ? "trained" : "pretrained";
}

/** The training checkpoint of `--step` (history.ts): its path and step. */
export function trainedCheckpoint(
  config: PhotoConfig,
  step: StepChoice,
): Promise<{ path: string; step: number }> {
  return resolveCheckpoint(join(config.dir, "train"), checkpointPath(config), step);
}

/** Loads the experiment's network from `source` (trained: the checkpoint of `step`, default the newest). */
export async function loadNet(
  config: PhotoConfig,
  source: WeightSource,
  step?: StepChoice,
): Promise<PhotoNet> {
  const have = await exists(checkpointPath(config));
  if (source === "pretrained" || (source === "auto" && !have && config.pretrained)) {
    return await loadPretrained(config);
  }
  if (!have) {
    throw new Error(
      `${config.dir}: no trained checkpoint (${
        checkpointPath(config)
      }); run deno task train -e ${config.dir}` +
        (config.pretrained ? " or pass --pretrained" : ""),
    );
  }
  const ck = (await trainedCheckpoint(config, step)).path;
  const loaded = await readCheckpoint(ck);
  const restore = familyOf(config).restore;
  const net = restore ? await restore(config, loaded.model) : await buildNet(config);
  try {
    restoreParams(generatorPart(loaded), net.params, trainedKey(config, net), ck);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

/** Checkpoint identity of a built network (its family's checkpointKey, default the model config). */
export function trainedKey(config: PhotoConfig, net: PhotoNet): unknown {
  return familyOf(config).checkpointKey?.(config, net) ?? config.model;
}

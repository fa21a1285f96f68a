/**
 * Builds the network of a photo experiment by its family's registered builder (photo_registry.ts): LutNet
 * (lutnets.ts: 3DLUT, CLUT-Net, BL-A, BL-C), HashLUT (hashnet.ts) or BL-B (here: PCA of a trained 3DLUT,
 * lib/enhance/models/pca.ts), fresh, from the experiment's checkpoint, or from the original pretrained weights.
 */
import { exists } from "../core/read.ts";
import { join } from "@std/path";
import { tf } from "../core/backend.ts";
import { loadPhotoConfig, type PhotoConfig } from "./config.ts";
import { resolveShared } from "../core/shared.ts";
import { CLUT_NAMES } from "./models/clut.ts";
import { LUT3D_PAPER, LutNet, type LutNetSpec } from "./models/lut3dnet.ts";
import { importHashLut, importPretrained } from "./models/import.ts";
import { readPth } from "../formats/pth.ts";
import { pcaCompress } from "./models/pca.ts";
import { readCheckpoint, restoreParams, stableJson } from "../experiment/checkpoint.ts";
import { runFiles } from "../experiment/loop.ts";
import { resolveCheckpoint, type StepChoice } from "../experiment/history.ts";
import type { PhotoNet } from "./photonet.ts";
import { photoNets, photoPretrained } from "./photo_registry.ts";
import "./adaintnet.ts";
import "./bgridnet.ts";
import "./icelutnet.ts";
import "./seplutnet.ts";
import { HashNet } from "./hashnet.ts";
import { LutPhotoNet } from "./lutnets.ts";
import { generatorPart } from "./unpaired_checkpoint.ts";
import { checkPretrainedSpace } from "./input_space.ts";

export type { PhotoNet } from "./photonet.ts";

/** The model description stored in checkpoints (a checkpoint loads only into an equal description). */
export function modelKey(config: PhotoConfig): unknown {
  const m = config.model;
  return m.family === "3dlut" || m.family === "clutnet" ? { family: m.family, ...m.spec } : m;
}

/** The experiment's training checkpoint path. */
export function checkpointPath(config: PhotoConfig): string {
  return runFiles(join(config.dir, "train")).checkpoint;
}

/** A LutNet spec from a BL-B config and the source network's backbone and bank size N and D. */
function pcaSpec(config: PhotoConfig, source: Pick<LutNetSpec, "backbone" | "luts" | "dim">): LutNetSpec {
  const m = config.model;
  if (m.family !== "pca") throw new Error("pcaSpec: not a pca config");
  return {
    head: "3dlut",
    backbone: source.backbone,
    luts: source.luts,
    dim: source.dim,
    thumb: LUT3D_PAPER.thumb, // the 3dlut head's 8x8 conv needs 256
    mode: m.mode,
    bank: { kind: "compressed", s: m.s, w: m.w, fixed: false },
  };
}

/** BL-B: compresses the source experiment's 3DLUT (trained checkpoint, else its pretrained weights). */
async function buildPca(config: PhotoConfig): Promise<PhotoNet> {
  const m = config.model;
  if (m.family !== "pca") throw new Error("buildPca: not a pca config");
  const src = await loadPhotoConfig(m.source);
  if (src.model.family !== "3dlut") {
    throw new Error(
      `${config.file}: model.source ${m.source} must be a "3dlut" experiment, it is "${src.model.family}"`,
    );
  }
  const source = await loadNet(src, "auto");
  if (!(source instanceof LutNet)) throw new Error("BL-B source must be a LutNet");
  const { luts, dim } = source.spec;
  const net = new LutPhotoNet(pcaSpec(config, source.spec), config.seed);
  const bank = await source.params.get("luts")!.data() as Float32Array;
  const f = pcaCompress(bank, { luts, dim, s: m.s, w: m.w });
  for (const [k, v] of source.params) if (k !== "luts") net.params.get(k)!.assign(v);
  net.params.get(CLUT_NAMES.ms)!.assign(tf.tensor(f.ms, [dim, m.s]));
  net.params.get(CLUT_NAMES.mw)!.assign(tf.tensor(f.mw, [m.w, dim * dim]));
  net.params.get(CLUT_NAMES.c)!.assign(tf.tensor(f.c, [m.s * luts * 3, m.w]));
  source.dispose();
  return net;
}

photoNets.register("pca", buildPca);

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
  return await photoNets.get(config.model.family)(config);
}

/** Imports the experiment's [pretrained] weights (3DLUT / CLUT-Net / HashLUT originals). */
export async function loadPretrained(config: PhotoConfig): Promise<PhotoNet> {
  if (!config.pretrained) throw new Error(`${config.file}: no [pretrained] weights configured`);
  const paths = config.pretrained.map(resolveShared);
  checkPretrainedSpace(config, paths);
  if (config.model.family === "hashlut") {
    return new HashNet(importHashLut(await readPth(paths[0]), paths[0]));
  }
  if (photoPretrained.names().includes(config.model.family)) {
    return await photoPretrained.get(config.model.family)(config, paths);
  }
  const net = await importPretrained(paths);
  const key = { family: net.spec.head, ...net.spec }, want = modelKey(config);
  if (stableJson(key) !== stableJson(want)) {
    const spec = net.spec, m = config.model;
    net.dispose();
    if (
      (m.family === "3dlut" || m.family === "clutnet") &&
      stableJson({ ...key, thumb: m.spec.thumb }) === stableJson(want)
    ) {
      throw new Error(
        `${config.file}: model.thumb = ${m.spec.thumb}, but the pretrained weights were trained on ` +
          `${spec.thumb}x${spec.thumb} thumbnails; set model.thumb = ${spec.thumb} to use them`,
      );
    }
    throw new Error(
      `${config.file}: pretrained weights are a ${JSON.stringify(spec)} model, not the configured ${
        JSON.stringify(want)
      }`,
    );
  }
  const out = new LutPhotoNet(net.spec);
  for (const [k, v] of net.params) out.params.get(k)!.assign(v);
  net.dispose();
  return out;
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
  const net = config.model.family === "pca"
    ? new LutPhotoNet(pcaSpec(config, loaded.model as LutNetSpec))
    : await buildNet(config);
  try {
    restoreParams(generatorPart(loaded), net.params, trainedKey(config, net), ck);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

/** Checkpoint identity of a built network (BL-B includes the source's backbone and bank N and D). */
export function trainedKey(config: PhotoConfig, net: PhotoNet): unknown {
  return net instanceof LutNet && config.model.family === "pca"
    ? { family: "pca", ...net.spec, source: config.model.source }
    : modelKey(config);
}

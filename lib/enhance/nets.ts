/**
 * Builds the network of a photo experiment: LutNet (3DLUT, CLUT-Net, BL-A, BL-C), BL-B (PCA of a trained
 * 3DLUT, lib/enhance/models/pca.ts) or HashLUT (lib/enhance/models/hashlut.ts behind the same interface), fresh,
 * from the experiment's checkpoint, or from the original pretrained weights.
 */
import { join } from "@std/path";
import { tf } from "../core/backend.ts";
import type { Image } from "../image/io.ts";
import { loadPhotoConfig, type PhotoConfig } from "../experiment/config.ts";
import { resolveShared } from "../core/shared.ts";
import type { Params } from "./models/backbone.ts";
import { CLUT_NAMES } from "./models/clut.ts";
import { LutNet, type LutNetSpec } from "./models/lut3dnet.ts";
import { importHashLut, importPretrained } from "./models/import.ts";
import { readPth } from "../formats/pth.ts";
import { pcaCompress } from "./models/pca.ts";
import { HashLut } from "./models/hashlut.ts";
import { readCheckpoint, restoreParams, stableJson } from "../experiment/checkpoint.ts";
import type { Rng } from "../core/rng.ts";

/** What training and evaluation need from a model. */
export interface PhotoNet {
  readonly params: Params;
  /** LUT lattice size of the exported .cube files */
  readonly cubeSize: number;
  forward(
    thumb: tf.Tensor4D,
    img: tf.Tensor4D,
    training: boolean,
    rng?: Rng,
    withBank?: boolean,
  ): { out: tf.Tensor4D; weights: tf.Tensor2D; bank?: tf.Tensor };
  enhance(img: Image): { out: Image; lut: Float32Array; weights: Float32Array };
  basisLuts(): Float32Array[];
  paramCount(): number;
  dispose(): void;
}

/** Thumbnail side of every model (both papers and HashLUT: 256). */
export const THUMB = 256;

/** HashLUT behind the PhotoNet interface (LUT form: 33^3 lattice of the hash-grid transform; output clamped). */
class HashNet implements PhotoNet {
  readonly cubeSize = 33;
  constructor(readonly model: HashLut) {}
  get params(): Params {
    return this.model.params;
  }
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training: boolean, rng?: Rng) {
    return this.model.forward(thumb, img, training, rng);
  }
  enhance(img: Image) {
    const r = this.model.enhance(img);
    for (let i = 0; i < r.out.data.length; i++) r.out.data[i] = Math.min(1, Math.max(0, r.out.data[i]));
    return r;
  }
  basisLuts(): Float32Array[] {
    const l = this.model.config.levels;
    return Array.from(
      { length: l },
      (_, n) => this.model.exportLut(Array.from({ length: l }, (_, i) => (i === n ? 1 : 0)), this.cubeSize),
    );
  }
  paramCount(): number {
    return this.model.paramCount();
  }
  dispose(): void {
    this.model.dispose();
  }
}

/** LutNet with the PhotoNet extras. */
class LutPhotoNet extends LutNet implements PhotoNet {
  get cubeSize(): number {
    return this.spec.dim;
  }
}

/** The model description stored in checkpoints (a checkpoint loads only into an equal description). */
export function modelKey(config: PhotoConfig): unknown {
  const m = config.model;
  return m.family === "3dlut" || m.family === "clutnet" ? { family: m.family, ...m.spec } : m;
}

/** The experiment's training checkpoint path. */
export function checkpointPath(config: PhotoConfig): string {
  return join(config.dir, "train", "checkpoint.bin");
}

/** A LutNet spec from a BL-B config and the source bank's N and D. */
function pcaSpec(config: PhotoConfig, luts: number, dim: number): LutNetSpec {
  const m = config.model;
  if (m.family !== "pca") throw new Error("pcaSpec: not a pca config");
  return {
    head: "3dlut",
    backbone: "Backbone",
    luts,
    dim,
    thumb: THUMB,
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
  const net = new LutPhotoNet(pcaSpec(config, luts, dim), config.seed);
  const f = pcaCompress(source.params.get("luts")!.dataSync() as Float32Array, { luts, dim, s: m.s, w: m.w });
  for (const [k, v] of source.params) if (k !== "luts") net.params.get(k)!.assign(v);
  net.params.get(CLUT_NAMES.ms)!.assign(tf.tensor(f.ms, [dim, m.s]));
  net.params.get(CLUT_NAMES.mw)!.assign(tf.tensor(f.mw, [m.w, dim * dim]));
  net.params.get(CLUT_NAMES.c)!.assign(tf.tensor(f.c, [m.s * luts * 3, m.w]));
  source.dispose();
  return net;
}

/** A freshly initialised network for `config` (BL-B: compressed from its source). */
export async function buildNet(config: PhotoConfig): Promise<PhotoNet> {
  const m = config.model;
  if (m.family === "pca") return await buildPca(config);
  if (m.family === "hashlut") {
    const { levels, log2TableSize, baseResolution, maxResolution, backbone } = m;
    return new HashNet(
      new HashLut({ levels, log2TableSize, baseResolution, maxResolution, backbone }, config.seed),
    );
  }
  return new LutPhotoNet(m.spec, config.seed);
}

/** Imports the experiment's [pretrained] weights (3DLUT / CLUT-Net / HashLUT originals). */
export async function loadPretrained(config: PhotoConfig): Promise<PhotoNet> {
  if (!config.pretrained) throw new Error(`${config.file}: no [pretrained] weights configured`);
  const paths = config.pretrained.map(resolveShared);
  if (config.model.family === "hashlut") {
    return new HashNet(importHashLut(await readPth(paths[0]), paths[0]));
  }
  const net = await importPretrained(paths);
  const key = { family: net.spec.head, ...net.spec };
  if (stableJson(key) !== stableJson(modelKey(config))) {
    const spec = net.spec;
    net.dispose();
    throw new Error(
      `${config.file}: pretrained weights are a ${JSON.stringify(spec)} model, not the configured ${
        JSON.stringify(modelKey(config))
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
  const have = await Deno.stat(checkpointPath(config)).then(() => true, () => false);
  return have || !config.pretrained ? "trained" : "pretrained";
}

/** Loads the experiment's network from `source`. */
export async function loadNet(config: PhotoConfig, source: WeightSource): Promise<PhotoNet> {
  const ck = checkpointPath(config);
  const have = await Deno.stat(ck).then(() => true, () => false);
  if (source === "pretrained" || (source === "auto" && !have && config.pretrained)) {
    return await loadPretrained(config);
  }
  if (!have) {
    throw new Error(
      `${config.dir}: no trained checkpoint (${ck}); run deno task train -e ${config.dir}` +
        (config.pretrained ? " or pass --pretrained" : ""),
    );
  }
  const loaded = await readCheckpoint(ck);
  const net = config.model.family === "pca"
    ? new LutPhotoNet(pcaSpec(config, (loaded.model as LutNetSpec).luts, (loaded.model as LutNetSpec).dim))
    : await buildNet(config);
  try {
    restoreParams(loaded, net.params, trainedKey(config, net), ck);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

/** Checkpoint identity of a built network (BL-B includes the source bank's N and D). */
export function trainedKey(config: PhotoConfig, net: PhotoNet): unknown {
  return net instanceof LutNet && config.model.family === "pca"
    ? { family: "pca", ...net.spec, source: config.model.source }
    : modelKey(config);
}

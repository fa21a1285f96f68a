/**
 * HashLUT (lib/enhance/models/hashlut.ts) behind the PhotoNet interface; registered as the photo family
 * "hashlut" with its settings and the importer of the released checkpoints (lib/enhance/models/import.ts).
 */
import type { Image } from "../image/io.ts";
import type { tf } from "../core/backend.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import { HashLut, HASHLUT_THUMB, type HashLutConfig } from "./models/hashlut.ts";
import type { BackboneKind } from "./models/backbone.ts";
import { join } from "@std/path";
import { repoRoot } from "../core/shared.ts";
import { readPth } from "../formats/pth.ts";
import { configFile, Reader, readToml } from "../experiment/reader.ts";
import { importHashLut } from "./models/import.ts";
import type { PhotoNet } from "./photonet.ts";
import { intSetting, registerPhotoFamily } from "./photo_registry.ts";
import { parseModel } from "./model_settings.ts";
import { BACKBONE_SETTING } from "./lutnets.ts";
import { CLUT_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    hashlut: HashLutConfig;
  }
}

/** HashLUT behind the PhotoNet interface (LUT form: 33^3 lattice of the hash-grid transform; output clamped). */
export class HashNet implements PhotoNet {
  readonly cubeSize = 33;
  readonly thumb = HASHLUT_THUMB;
  constructor(readonly model: HashLut) {}
  get params(): Params {
    return this.model.params;
  }
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training: boolean, rng?: Rng) {
    return this.model.forward(thumb, img, training, rng);
  }
  async enhance(img: Image) {
    const r = await this.model.enhance(img);
    for (let i = 0; i < r.out.data.length; i++) r.out.data[i] = Math.min(1, Math.max(0, r.out.data[i]));
    return r;
  }
  basisLuts(): Promise<Float32Array[]> {
    const l = this.model.config.levels;
    return Promise.all(Array.from(
      { length: l },
      (_, n) => this.model.exportLut(Array.from({ length: l }, (_, i) => (i === n ? 1 : 0)), this.cubeSize),
    ));
  }
  paramCount(): number {
    return this.model.paramCount();
  }
  dispose(): void {
    this.model.dispose();
  }
}

registerPhotoFamily("hashlut", {
  doc:
    "HashLUT (Zhang et al., ICME 2023): basis transforms in one multi-resolution hash grid, mixed by a CNN",
  settings: {
    levels: intSetting(7, 1, 32, "number L of hash-grid levels (and CNN weights)"),
    log2_table_size: intSetting(13, 4, 24, "log2 of the hash table size T per level"),
    base_resolution: intSetting(9, 2, 1024, "grid resolution of the coarsest level"),
    max_resolution: intSetting(64, 2, 4096, "grid resolution of the finest level"),
    backbone: BACKBONE_SETTING,
  },
  refuses: {
    thumb: "its expert CNN sees 256x256 thumbnails, as in the original (and its pretrained weights)",
  },
  model: (v) => ({
    levels: v.num("levels"),
    log2TableSize: v.num("log2_table_size"),
    baseResolution: v.num("base_resolution"),
    maxResolution: v.num("max_resolution"),
    backbone: v.str<BackboneKind>("backbone"),
  }),
  train: { ...CLUT_TRAIN, lr: 5e-4 },
  build: (config) => {
    const { family: _, ...hash } = config.model;
    return Promise.resolve(new HashNet(new HashLut(hash, config.seed)));
  },
  pretrained: async (_config, [path]) => new HashNet(importHashLut(await readPth(path), path)),
});

/** The HashLUT settings of a preset, read from experiments/<name>/config.toml (e.g. "hashlut-7+13"). */
export async function hashLutPreset(name: string): Promise<HashLutConfig> {
  const file = configFile(join(repoRoot, "experiments", name));
  const { model } = parseModel(new Reader(file), await readToml(file));
  if (model.family !== "hashlut") {
    throw new Error(`${file}: model.family is "${model.family}", not "hashlut"`);
  }
  const { family: _, ...hash } = model;
  return hash;
}

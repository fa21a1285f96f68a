/**
 * HashLUT (lib/enhance/models/hashlut.ts) behind the PhotoNet interface; registered as model.family
 * "hashlut".
 */
import type { Image } from "../image/io.ts";
import type { tf } from "../core/backend.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import { HashLut, HASHLUT_THUMB, type HashLutConfig } from "./models/hashlut.ts";
import { join } from "@std/path";
import { repoRoot } from "../core/shared.ts";
import { loadPhotoConfig } from "./config.ts";
import type { PhotoNet } from "./photonet.ts";
import { photoNets } from "./photo_registry.ts";

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

photoNets.register("hashlut", (config) => {
  const m = config.model;
  if (m.family !== "hashlut") throw new Error(`hashlut builder: model.family is "${m.family}"`);
  const { family: _, ...hash } = m;
  return Promise.resolve(new HashNet(new HashLut(hash, config.seed)));
});

/** The HashLUT settings of a preset, read from experiments/<name>/config.toml (e.g. "hashlut-7+13"). */
export async function hashLutPreset(name: string): Promise<HashLutConfig> {
  const c = await loadPhotoConfig(join(repoRoot, "experiments", name));
  if (c.model.family !== "hashlut") {
    throw new Error(`${c.file}: model.family is "${c.model.family}", not "hashlut"`);
  }
  const { family: _, ...hash } = c.model;
  return hash;
}

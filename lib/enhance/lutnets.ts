/**
 * LutNet (lib/enhance/models/lut3dnet.ts: 3DLUT, CLUT-Net, BL-A, BL-C) behind the PhotoNet interface;
 * registered as model.family "3dlut" and "clutnet".
 */
import { LutNet } from "./models/lut3dnet.ts";
import type { PhotoNet } from "./photonet.ts";
import { photoNets } from "./photo_registry.ts";

/** LutNet with the PhotoNet extras. */
export class LutPhotoNet extends LutNet implements PhotoNet {
  get cubeSize(): number {
    return this.spec.dim;
  }
  get thumb(): number {
    return this.spec.thumb;
  }
}

for (const family of ["3dlut", "clutnet"] as const) {
  photoNets.register(family, (config) => {
    const m = config.model;
    if (m.family !== family) throw new Error(`${family} builder: model.family is "${m.family}"`);
    return Promise.resolve(new LutPhotoNet(m.spec, config.seed));
  });
}

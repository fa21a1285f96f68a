/**
 * LUTwithBGrid (lib/enhance/models/lutbgrid.ts) behind the PhotoNet interface; registered as model.family
 * "lutbgrid", with its pretrained loader (FiveK_sRGB.pth). Regularisers act on the per-image 17^3 LUT (the
 * original's TV3 on g3d_lut) and on the LUT weights. No .cube export: the bilateral grids are part of the map.
 */
import type { Image } from "../image/image.ts";
import type { tf } from "../core/backend.ts";
import { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import { readPth } from "../formats/pth.ts";
import { importLutBGrid, LUTBGRID, LutBGrid } from "./models/lutbgrid.ts";
import type { PhotoNet } from "./photonet.ts";
import { registerPhotoFamily } from "./photo_registry.ts";
import { LUT3D_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    lutbgrid: Record<never, never>;
  }
}

/** LUTwithBGrid as a PhotoNet (output clamped to [0,1] in `enhance`). */
export class BGridNet implements PhotoNet {
  readonly cubeSize = LUTBGRID.lutDim;
  readonly thumb = LUTBGRID.thumb;
  constructor(readonly model: LutBGrid) {}
  get params(): Params {
    return this.model.params;
  }
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training: boolean, rng?: Rng, withBank?: boolean) {
    const r = this.model.forward(thumb, img, training, rng);
    r.grids.dispose();
    if (!withBank) r.lut.dispose();
    return { out: r.out, weights: r.weights, bank: withBank ? r.lut : undefined };
  }
  async enhance(img: Image) {
    const { out, lut, weights } = await this.model.enhance(img);
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
    return { out, lut, weights };
  }
  /** The bank LUT of each rank (weight 1 on rank n, bias included): the LUT half of the model only. */
  basisLuts(): Promise<Float32Array[]> {
    const w = this.model.params.get("lut.bank.weight")!.dataSync() as Float32Array;
    const b = this.model.params.get("lut.bank.bias")!.dataSync() as Float32Array;
    return Promise.resolve(Array.from(
      { length: LUTBGRID.lutRanks },
      (_, n) => b.map((v, i) => v + w[n * b.length + i]),
    ));
  }
  paramCount(): number {
    return this.model.paramCount();
  }
  dispose(): void {
    this.model.dispose();
  }
}

registerPhotoFamily("lutbgrid", {
  doc:
    "LUTwithBGrid (Kim & Cho, ECCV 2024): 3D LUTs with bilateral grids; the FiveK configuration of the paper's code",
  settings: {},
  model: () => ({}),
  train: LUT3D_TRAIN,
  build: (config) => Promise.resolve(new BGridNet(new LutBGrid(new Rng(config.seed)))),
  pretrained: async (config, paths) => {
    if (paths.length !== 1) {
      throw new Error(`${config.file}: LUTwithBGrid takes one checkpoint (FiveK_sRGB.pth)`);
    }
    const net = new BGridNet(new LutBGrid(new Rng(config.seed)));
    try {
      importLutBGrid(net.model, await readPth(paths[0]), paths[0]);
    } catch (e) {
      net.dispose();
      throw e;
    }
    return net;
  },
  unsupported: {
    cube: "LUTwithBGrid's output depends on its bilateral grids (slicing, a 9->3 mix), not on one 3D LUT",
  },
});

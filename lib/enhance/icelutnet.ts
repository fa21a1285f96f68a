/**
 * ICELUT's released lookup tables (lib/enhance/models/icelut.ts) behind the PhotoNet interface; registered
 * as model.family "icelut" (model.tables: the folder of the four .npy files). Inference, evaluation and
 * .cube export of the fused per-image LUT; no training: the tables hold no trainable parameters and the
 * network they were made from has no released checkpoint.
 */
import type { Image } from "../image/image.ts";
import type { tf } from "../core/backend.ts";
import type { Params } from "../nn/params.ts";
import { resolveShared } from "../core/shared.ts";
import { ICELUT, iceLutEnhance, iceLutFused, type IceLutTables, readIceLut } from "./models/icelut.ts";
import type { PhotoNet } from "./photonet.ts";
import { registerPhotoFamily, strSetting } from "./photo_registry.ts";
import { CLUT_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    icelut: { tables: string };
  }
}

const NOT_TRAINABLE =
  "ICELUT: the released form is lookup tables with no trainable parameters, and the network " +
  "they were made from (PointWise + SplitFC) has no released checkpoint: evaluate and export it, it cannot be trained";

/** ICELUT as a PhotoNet: `forward` refuses (nothing to train), `enhance` is the tables' pipeline. */
export class IceLutNet implements PhotoNet {
  readonly cubeSize = ICELUT.dim;
  readonly thumb = ICELUT.thumb;
  readonly params: Params = new Map();
  constructor(readonly tables: IceLutTables) {}
  forward(_thumb: tf.Tensor4D, _img: tf.Tensor4D, _training: boolean): never {
    throw new Error(NOT_TRAINABLE);
  }
  enhance(img: Image) {
    const r = iceLutEnhance(this.tables, img);
    for (let i = 0; i < r.out.data.length; i++) r.out.data[i] = Math.min(1, Math.max(0, r.out.data[i]));
    return Promise.resolve(r);
  }
  /** Identity + basis n, for each of the 10 residual basis LUTs. */
  basisLuts(): Promise<Float32Array[]> {
    return Promise.resolve(Array.from({ length: ICELUT.luts }, (_, n) => {
      const w = new Float32Array(ICELUT.luts);
      w[n] = 1;
      return iceLutFused(this.tables, w);
    }));
  }
  /** Table entries of the released files (2 feature LUTs, classifier LUT, compressed basis bank). */
  paramCount(): number {
    return this.tables.entries;
  }
  dispose(): void {}
}

registerPhotoFamily("icelut", {
  doc: "ICELUT (Yang et al., ECCV 2024): the released lookup tables, evaluation and .cube export only",
  settings: {
    tables: strSetting(
      "shared:pretrained/icelut",
      "folder of the released .npy tables (Basis_lut, Model_msb_fp32, Model_lsb_fp32, classifier_int8)",
    ),
  },
  model: (v) => ({ tables: v.str("tables") }),
  train: CLUT_TRAIN,
  // evaluation and export load the tables as the pretrained weights
  pretrained: async (config) => new IceLutNet(await readIceLut(resolveShared(config.model.tables))),
  unsupported: { train: NOT_TRAINABLE },
});

/**
 * SepLUT (lib/enhance/models/seplut.ts) behind the PhotoNet interface; registered as model.family "seplut"
 * with its importer of the released checkpoints. Exact LUT form: one Resolve shaper .cube per image (the
 * 1D LUTs as LUT_1D, the 3D LUT as LUT_3D; `sepLutCube`, `enhance().lutFile`: what eval and export write as
 * .cube). The single-3D-LUT form (`enhance().lut`: .3dl / Hald exports) is both stages sampled on 33³.
 */
import type { Image } from "../image/io.ts";
import type { tf } from "../core/backend.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import { readPth } from "../formats/pth.ts";
import type { CubeFileInput } from "../formats/cube.ts";
import { applyLutStages } from "../lut/lut_file.ts";
import { identityLut } from "./models/lut3dnet.ts";
import { type SepLutConfig, SepLutModel, type SepLutTables } from "./models/seplut.ts";
import { importSepLut } from "./models/import_adaptive.ts";
import type { PhotoNet } from "./photonet.ts";
import { intSetting, registerPhotoFamily } from "./photo_registry.ts";
import { LUT3D_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    seplut: SepLutConfig;
  }
}

/** Lattice of the single-3D-LUT form of SepLUT. */
export const SEPLUT_CUBE_SIZE = 33;

/** One image's SepLUT tables as a Resolve shaper .cube (1D [3,S_o] then 3D [3,S_t³], input range [0,1]). */
export function sepLutCube(model: SepLutModel, t: SepLutTables, title?: string): CubeFileInput {
  return {
    title,
    interpolation: "trilinear",
    lut1d: { size: model.config.dim1d, lut: t.lut1d },
    lut3d: { size: model.config.dim3d, lut: t.lut3d },
  };
}

/** The two stages (1D [3,S_o], 3D [3,S_t³]) sampled at the n³ lattice points: one 3D LUT [3,n,n,n]. */
export function sepLutToUniform(
  sizes: { dim1d: number; dim3d: number },
  t: Pick<SepLutTables, "lut1d" | "lut3d">,
  n: number,
): Float32Array {
  const unit = [0, 0, 0] as [number, number, number], one = [1, 1, 1] as [number, number, number];
  const grid = { data: identityLut(n), channels: 3, height: 1, width: n ** 3 };
  return applyLutStages(grid, {
    lut1d: { size: sizes.dim1d, domainMin: unit, domainMax: one, lut: t.lut1d },
    lut3d: { size: sizes.dim3d, domainMin: unit, domainMax: one, lut: t.lut3d },
  }, "trilinear").data;
}

/** SepLUT with the PhotoNet extras. */
export class SepLutNet implements PhotoNet {
  readonly cubeSize = SEPLUT_CUBE_SIZE;
  constructor(readonly model: SepLutModel) {}
  get params(): Params {
    return this.model.params;
  }
  get thumb(): number {
    return this.model.thumb;
  }
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training: boolean, rng?: Rng, withBank?: boolean) {
    return this.model.forward(thumb, img, training, rng, withBank);
  }
  async enhance(img: Image) {
    const r = await this.model.enhanceTables(img);
    const lut = sepLutToUniform(this.model.config, r, this.cubeSize);
    return { out: r.out, lut, weights: r.weights, lutFile: sepLutCube(this.model, r) };
  }
  /** The N basis 3D LUTs (S_t³ each) sampled on the 33³ lattice, without the 1D stage. */
  async basisLuts(): Promise<Float32Array[]> {
    const d = this.model.config.dim3d, n3 = 3 * d ** 3;
    const bank = await this.model.params.get("generator.luts")!.data() as Float32Array;
    const identity1d = Float32Array.from({ length: 6 }, (_, i) => i % 2); // the 2-entry identity curve
    return Array.from(
      { length: this.model.config.luts },
      (_, n) =>
        sepLutToUniform({ dim1d: 2, dim3d: d }, {
          lut1d: identity1d,
          lut3d: bank.slice(n * n3, (n + 1) * n3),
        }, this.cubeSize),
    );
  }
  paramCount(): number {
    return this.model.paramCount();
  }
  dispose(): void {
    this.model.dispose();
  }
}

registerPhotoFamily("seplut", {
  doc: "SepLUT (Yang et al., ECCV 2022): per-channel 1D LUTs then a small 3D LUT, both image-adaptive",
  settings: {
    base_feats: intSetting(8, 1, 64, "width M of the encoder (M8, M6 in the paper)"),
    dim3d: intSetting(17, 2, 129, "lattice size of the 3D LUT"),
    dim1d: intSetting(17, 2, 4096, "number of entries of each 1D LUT"),
    luts: intSetting(3, 1, 256, "number N of basis 3D LUTs"),
  },
  refuses: { thumb: "its encoder sees 256x256 thumbnails, as in the original (input_resolution)" },
  model: (v) => ({
    baseFeats: v.num("base_feats"),
    dim3d: v.num("dim3d"),
    dim1d: v.num("dim1d"),
    luts: v.num("luts"),
  }),
  train: { ...LUT3D_TRAIN, lambdaSmooth: 0, lambdaMono: 0 },
  build: (config) => {
    const { family: _, ...c } = config.model;
    return Promise.resolve(new SepLutNet(new SepLutModel(c, config.seed)));
  },
  pretrained: async (_config, [path]) => new SepLutNet(importSepLut(await readPth(path), path)),
});

/**
 * AdaInt (lib/enhance/models/adaint.ts) behind the PhotoNet interface; registered as model.family "adaint"
 * with its importer of the released checkpoint. Its LUT form (`enhance().lut`, the .cube files) is the
 * image's AiLUT transform resampled on the uniform D³ lattice (lib/lut/ailut.ts `ailutToUniform`): exact at
 * the lattice points, trilinear between them -- the resampling error is measured in tests/photo_adaptive_cube.test.ts.
 */
import type { Image } from "../image/io.ts";
import type { tf } from "../core/backend.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import { readPth } from "../formats/pth.ts";
import { ailutToUniform } from "../lut/ailut.ts";
import {
  ADAINT_PAPER_TRAINING,
  type AdaIntConfig,
  AdaIntModel,
  type AdaIntTraining,
} from "./models/adaint.ts";

/** The parameters of AdaInt's interval branch (mapping g). */
const BRANCH = ["adaint.weight", "adaint.bias"];
import { importAdaInt } from "./models/import_adaptive.ts";
import type { PhotoNet } from "./photonet.ts";
import { intSetting, registerPhotoFamily } from "./photo_registry.ts";
import { LUT3D_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    adaint: AdaIntConfig & AdaIntTraining;
  }
}

/** AdaInt with the PhotoNet extras (exported LUT: the adaptive lattice resampled to the uniform D³ one). */
export class AdaIntNet implements PhotoNet {
  readonly lrScale: ReadonlyMap<string, number>;
  constructor(readonly model: AdaIntModel, readonly training: AdaIntTraining = ADAINT_PAPER_TRAINING) {
    this.lrScale = new Map(BRANCH.map((k) => [k, training.lrMult]));
  }
  /** The interval branch while step <= fixSteps (the original's n_fix_iters). */
  frozen(step: number): string[] {
    return step <= this.training.fixSteps ? BRANCH : [];
  }
  get params(): Params {
    return this.model.params;
  }
  get cubeSize(): number {
    return this.model.config.dim;
  }
  get thumb(): number {
    return this.model.thumb;
  }
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training: boolean, rng?: Rng, withBank?: boolean) {
    return this.model.forward(thumb, img, training, rng, withBank);
  }
  async enhance(img: Image) {
    const r = await this.model.enhanceAdaptive(img);
    return {
      out: r.out,
      lut: ailutToUniform(r.lut, r.vertices, r.vertices.length / 3, this.cubeSize),
      weights: r.weights,
    };
  }
  /** The N basis LUTs as stored (their lattice is each image's vertices; as files, read on the uniform one). */
  async basisLuts(): Promise<Float32Array[]> {
    const bank = await this.model.params.get("generator.luts")!.data() as Float32Array;
    const n3 = 3 * this.cubeSize ** 3;
    return Array.from({ length: this.model.config.luts }, (_, n) => bank.slice(n * n3, (n + 1) * n3));
  }
  paramCount(): number {
    return this.model.paramCount();
  }
  dispose(): void {
    this.model.dispose();
  }
}

registerPhotoFamily("adaint", {
  doc: "AdaInt (Yang et al., CVPR 2022): basis LUTs on image-adaptive sampling intervals (AiLUT)",
  settings: {
    luts: intSetting(3, 1, 256, "number N of basis LUTs"),
    dim: intSetting(33, 2, 129, "number D of lattice vertices per axis"),
    share: {
      type: "bool",
      default: false,
      doc: "one interval set for the three channels (false: per channel)",
    },
    lr_mult: {
      type: "num",
      default: 0.1,
      ok: (v) => v >= 0,
      must: ">= 0",
      doc: "learning-rate multiplier of the interval branch",
    },
    fix_steps: intSetting(0, 0, 2 ** 31, "steps with the interval branch frozen (paper: 22500)"),
  },
  refuses: { thumb: "its encoder sees 256x256 thumbnails, as in the original (input_resolution)" },
  model: (v) => ({
    luts: v.num("luts"),
    dim: v.num("dim"),
    share: v.bool("share"),
    lrMult: v.num("lr_mult"),
    fixSteps: v.num("fix_steps"),
  }),
  train: { ...LUT3D_TRAIN, lambdaSmooth: 0 },
  build: (config) => {
    const { family: _, lrMult, fixSteps, ...c } = config.model;
    return Promise.resolve(new AdaIntNet(new AdaIntModel(c, config.seed), { lrMult, fixSteps }));
  },
  pretrained: async (_config, [path]) => new AdaIntNet(importAdaInt(await readPth(path), path)),
});

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
import { ADAINT_PAPER_TRAINING, AdaIntModel, type AdaIntTraining } from "./models/adaint.ts";

/** The parameters of AdaInt's interval branch (mapping g). */
const BRANCH = ["adaint.weight", "adaint.bias"];
import { importAdaInt } from "./models/import_adaptive.ts";
import type { PhotoNet } from "./photonet.ts";
import { photoNets, photoPretrained } from "./photo_registry.ts";

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

photoNets.register("adaint", (config) => {
  const m = config.model;
  if (m.family !== "adaint") throw new Error(`adaint builder: model.family is "${m.family}"`);
  const { family: _, lrMult, fixSteps, ...c } = m;
  return Promise.resolve(new AdaIntNet(new AdaIntModel(c, config.seed), { lrMult, fixSteps }));
});

photoPretrained.register(
  "adaint",
  async (_config, [path]) => new AdaIntNet(importAdaInt(await readPth(path), path)),
);

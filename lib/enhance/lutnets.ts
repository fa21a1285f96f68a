/**
 * LutNet (lib/enhance/models/lut3dnet.ts) behind the PhotoNet interface, registered as the photo families
 * "3dlut" (Image-Adaptive 3DLUT; BL-A is its preset with dim 17 or 9) and "clutnet" (CLUT-Net N+S+W; BL-C is
 * its preset with compression = "fixed", DCT bases), with the importer of both papers' released weights
 * (lib/enhance/models/import.ts).
 */
import { BACKBONE_CHANNELS, type BackboneKind } from "./models/backbone.ts";
import { importPretrained } from "./models/import.ts";
import { LutNet, type LutNetSpec } from "./models/lut3dnet.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";
import type { Reader } from "../experiment/reader.ts";
import { stableJson } from "../experiment/checkpoint.ts";
import type { PhotoNet } from "./photonet.ts";
import {
  intSetting,
  type PhotoConfig,
  type PhotoFamily,
  registerPhotoFamily,
  type Setting,
  type SettingValues,
  strSetting,
} from "./photo_registry.ts";
import { CLUT_TRAIN, LUT3D_TRAIN } from "./train_defaults.ts";

declare module "./photo_registry.ts" {
  interface PhotoFamilies {
    "3dlut": { spec: LutNetSpec };
    clutnet: { spec: LutNetSpec };
  }
}

/** LutNet with the PhotoNet extras. */
export class LutPhotoNet extends LutNet implements PhotoNet {
  get cubeSize(): number {
    return this.spec.dim;
  }
  get thumb(): number {
    return this.spec.thumb;
  }
}

/** The backbone choices of model.backbone (CLUT-Net's CNNs; "Unpaired" = 3DLUT's Classifier_unpaired). */
export const BACKBONE_SETTING: Setting = {
  type: "str",
  default: "Backbone",
  choices: Object.keys(BACKBONE_CHANNELS),
  doc:
    'weight-predictor CNN: "Backbone" (16..128 channels), "SmallBackbone" (8..64), "Unpaired" (3DLUT\'s unpaired classifier)',
};

/** model.interpolation of the LUT families. */
export const INTERPOLATION_SETTING: Setting = strSetting(
  "trilinear",
  "3D interpolation of the LUTs in training, evaluation and export",
  ["trilinear", "tetrahedral"],
);

const thumb: Setting = {
  type: "num",
  default: 256,
  ok: (v) => Number.isInteger(v) && v >= 32 && v % 32 === 0,
  must: "a multiple of 32",
  doc: "side of the CNN's square thumbnail in training, eval and apply (256 as the papers)",
};

/** The checkpoint description of a LutNet experiment. */
function lutKey(config: PhotoConfig): unknown {
  const m = config.model as { family: string; spec: LutNetSpec };
  return { family: m.family, ...m.spec };
}

/** The released weights of either paper as a LutPhotoNet, refused unless they match the configured spec. */
async function importLutNet(config: PhotoConfig, paths: string[]): Promise<PhotoNet> {
  const net = await importPretrained(paths);
  const spec = net.spec, want = lutKey(config), key = { family: spec.head, ...spec };
  const wantThumb = (want as LutNetSpec).thumb;
  if (stableJson(key) !== stableJson(want)) {
    net.dispose();
    if (stableJson({ ...key, thumb: wantThumb }) === stableJson(want)) {
      throw new Error(
        `${config.file}: model.thumb = ${wantThumb}, but the pretrained weights were trained on ` +
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

/** The LutNet spec of a 3dlut or clutnet [model] (BL-C: clutnet with fixed DCT bases). */
function lutSpec(head: "3dlut" | "clutnet", v: SettingValues, r: Reader): { spec: LutNetSpec } {
  const dim = v.num("dim");
  const spec: LutNetSpec = {
    head,
    backbone: v.str<BackboneKind>("backbone"),
    luts: v.num("luts"),
    dim,
    thumb: v.num("thumb"),
    mode: v.str<Lut3dMode>("interpolation"),
    bank: { kind: "standard" },
  };
  if (head === "clutnet") {
    const s = v.num("s"), w = v.num("w");
    if (s > dim) r.fail(`model.s must be an integer in [1, ${dim}], got ${s}`);
    if (w > dim * dim) r.fail(`model.w must be an integer in [1, ${dim * dim}], got ${w}`);
    spec.bank = { kind: "compressed", s, w, fixed: v.str("compression") === "fixed" };
  }
  if (head === "3dlut" && spec.thumb !== 256) {
    r.fail(`model.thumb must be 256 for family "3dlut" (8x8 conv head)`);
  }
  return { spec };
}

const common = {
  build: (config: PhotoConfig) => Promise.resolve(new LutPhotoNet(lutKey(config) as LutNetSpec, config.seed)),
  pretrained: importLutNet,
  checkpointKey: lutKey,
  interpolation: (m: { spec: LutNetSpec }) => m.spec.mode,
} satisfies Partial<PhotoFamily>;

registerPhotoFamily("3dlut", {
  doc:
    "Image-Adaptive 3DLUT (Zeng et al., TPAMI 2020): N basis 3D LUTs weighted by a CNN; BL-A = dim 17 or 9",
  settings: {
    luts: intSetting(3, 1, 256, "number N of basis LUTs"),
    dim: intSetting(33, 2, 129, "lattice size D of each LUT (D³ entries)"),
    backbone: BACKBONE_SETTING,
    thumb: { ...thumb, doc: "thumbnail side: 256 only (the 8x8 conv head)" },
    interpolation: INTERPOLATION_SETTING,
    input_space: strSetting(
      "srgb",
      'colour space the model expects: "srgb" photos or the original\'s "xyz" inputs (input_space.ts)',
      ["srgb", "xyz"],
    ),
  },
  model: (v, r) => lutSpec("3dlut", v, r),
  train: LUT3D_TRAIN,
  ...common,
});

registerPhotoFamily("clutnet", {
  doc:
    "CLUT-Net N+S+W (Zhang et al., ACM MM 2022): compressed basis LUTs (S/W matrices); BL-C = fixed DCT bases",
  settings: {
    luts: intSetting(20, 1, 256, "number N of basis LUTs"),
    dim: intSetting(33, 2, 129, "lattice size D of each LUT (D³ entries)"),
    s: intSetting(5, 1, 129, "S: rank of the per-axis compression matrix Ms [D,S] (<= dim)"),
    w: intSetting(10, 1, 129 ** 2, "W: rank of the plane compression matrix Mw [W,D²] (<= dim²)"),
    compression: strSetting(
      "learned",
      'compression matrices: "learned" (CLUT-Net) or "fixed" DCT bases (BL-C)',
      ["learned", "fixed"],
    ),
    backbone: BACKBONE_SETTING,
    thumb,
    interpolation: INTERPOLATION_SETTING,
  },
  model: (v, r) => lutSpec("clutnet", v, r),
  train: CLUT_TRAIN,
  regularizer: "clutnet",
  ...common,
});

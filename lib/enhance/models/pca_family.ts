/**
 * BL-B registered as the photo family "pca": a trained 3dlut experiment (`model.source`) whose standard LUT
 * bank is compressed offline into CLUT-Net's S/W form by pca.ts, keeping the source's CNN; its checkpoints
 * record the source's backbone and bank size N and D.
 */
import { tf } from "../../core/backend.ts";
import { loadExperiment } from "../../experiment/tasks.ts";
import { CLUT_NAMES } from "./clut.ts";
import { LUT3D_PAPER, LutNet, type LutNetSpec } from "./lut3dnet.ts";
import { pcaCompress } from "./pca.ts";
import type { Lut3dMode } from "../../lut/lut3d_ref.ts";
import { loadNet } from "../nets.ts";
import { INTERPOLATION_SETTING, LutPhotoNet } from "../lutnets.ts";
import {
  intSetting,
  type PhotoConfig,
  type PhotoConfigOf,
  registerPhotoFamily,
  strSetting,
} from "../photo_registry.ts";
import { LUT3D_TRAIN } from "../train_defaults.ts";

/** BL-B's settings: the source experiment, the ranks S and W, the interpolation. */
export type PcaConfig = { source: string; s: number; w: number; mode: Lut3dMode };

declare module "../photo_registry.ts" {
  interface PhotoFamilies {
    pca: PcaConfig;
  }
}

/** A LutNet spec from a BL-B config and the source network's backbone and bank size N and D. */
function pcaSpec(m: PcaConfig, source: Pick<LutNetSpec, "backbone" | "luts" | "dim">): LutNetSpec {
  return {
    head: "3dlut",
    backbone: source.backbone,
    luts: source.luts,
    dim: source.dim,
    thumb: LUT3D_PAPER.thumb, // the 3dlut head's 8x8 conv needs 256
    mode: m.mode,
    bank: { kind: "compressed", s: m.s, w: m.w, fixed: false },
  };
}

/** BL-B: compresses the source experiment's 3DLUT (trained checkpoint, else its pretrained weights). */
async function buildPca(config: PhotoConfigOf<"pca">): Promise<LutPhotoNet> {
  const m = config.model;
  const src = await loadExperiment(m.source) as PhotoConfig | { task: "sr" };
  if (src.task !== "enhance" || src.model.family !== "3dlut") {
    const what = src.task === "enhance" ? src.model.family : "an SR experiment";
    throw new Error(`${config.file}: model.source ${m.source} must be a "3dlut" experiment, it is "${what}"`);
  }
  const source = await loadNet(src, "auto");
  if (!(source instanceof LutNet)) throw new Error("BL-B source must be a LutNet");
  const { luts, dim } = source.spec;
  const net = new LutPhotoNet(pcaSpec(m, source.spec), config.seed);
  const bank = await source.params.get("luts")!.data() as Float32Array;
  const f = pcaCompress(bank, { luts, dim, s: m.s, w: m.w });
  for (const [k, v] of source.params) if (k !== "luts") net.params.get(k)!.assign(v);
  net.params.get(CLUT_NAMES.ms)!.assign(tf.tensor(f.ms, [dim, m.s]));
  net.params.get(CLUT_NAMES.mw)!.assign(tf.tensor(f.mw, [m.w, dim * dim]));
  net.params.get(CLUT_NAMES.c)!.assign(tf.tensor(f.c, [m.s * luts * 3, m.w]));
  source.dispose();
  return net;
}

registerPhotoFamily("pca", {
  doc:
    "BL-B (CLUT-Net's baseline): a trained 3dlut's LUT bank compressed by PCA into the S/W form, fine-tunable",
  settings: {
    source: strSetting("", "experiment folder of a trained 3dlut (required)"),
    s: intSetting(5, 1, 129, "S: rank of the per-axis matrix Ms [D,S]"),
    w: intSetting(10, 1, 129 ** 2, "W: rank of the plane matrix Mw [W,D²]"),
    interpolation: INTERPOLATION_SETTING,
  },
  refuses: {
    thumb: "BL-B keeps its source 3DLUT's CNN, whose 8x8 conv head needs 256x256 thumbnails",
    backbone: "BL-B keeps its source 3DLUT's CNN, so the backbone is the source experiment's model.backbone",
  },
  model: (v, r) => {
    const source = v.str("source");
    if (!source) r.fail(`model.source must name the experiment folder of a trained 3dlut (family "pca")`);
    return { source, s: v.num("s"), w: v.num("w"), mode: v.str<Lut3dMode>("interpolation") };
  },
  train: LUT3D_TRAIN,
  build: buildPca,
  restore: (config, stored) => Promise.resolve(new LutPhotoNet(pcaSpec(config.model, stored as LutNetSpec))),
  checkpointKey: (config, net) =>
    net instanceof LutNet ? { family: "pca", ...net.spec, source: config.model.source } : config.model,
  interpolation: (m) => m.mode,
  unsupported: { unpaired: "BL-B is fitted, not trained" },
});

/**
 * LUTwithBGrid (Kim & Cho, ECCV 2024, "Image-adaptive 3D Lookup Tables for Real-time Image Enhancement with
 * Bilateral Grids"; github WontaeaeKim/LUTwithBGrid models.py), FiveK sRGB configuration (train.py defaults):
 *   thumbnail: the image resized bilinearly to 256x256 (nn.Upsample, align_corners=False);
 *   backbone: the 3DLUT/CLUT-Net trunk with widths 8..64 (`SmallBackbone`, backbone.ts), Dropout(0.5),
 *     AvgPool2d(5, stride 2) on the 8x8 map -> 64x2x2 -> 256 features in NCHW order (c*4 + i*2 + j);
 *   LUT generator: fc 256 -> 8 ranks, bank 8 -> 3*17^3: one 17^3 LUT lut[c][b][g][r] per image;
 *   grid generator: fc 256 -> 8 ranks, bank 8 -> 6*17^3: six bilateral grids grid[o][v][y][x], 2 per colour;
 *   slice: the grids sliced at (x, y, colour) (lib/lut/bgrid.ts; the released kernels' spatial coordinates,
 *     which are 0 for all but the last row/column), concatenated with the image (9 channels), 1x1 conv 9 -> 3;
 *   out = ReLU(tetrahedral LUT(clamp(slice output, 0, 1))).
 * Parameters: `backbone.*` (backbone.ts), `lut.fc|grid.fc` .weight [256,8] .bias [8], `lut.bank|grid.bank`
 * .weight [8,3*17^3|6*17^3] .bias, `slice.weight` [9,3], `slice.bias` [3]; 463,791 in all, as the original.
 * Because the released slicing uses a constant spatial coordinate away from the last row and column, the
 * model is a per-pixel colour map there, but not a 17^3 LUT (per-channel grid curves, a 9 -> 3 mix, then the
 * LUT): no exact .cube form, none is exported.
 */
import { tf } from "../../core/backend.ts";
import type { Rng } from "../../core/rng.ts";
import type { Image } from "../../image/image.ts";
import { resizeBilinear } from "../../image/resize.ts";
import { param, paramCount, type Params } from "../../nn/params.ts";
import { type Tensor, tensorToFloat32 } from "../../formats/pth.ts";
import { addBackbone, addConv, backboneForward } from "./backbone.ts";
import { bgridSlice } from "../../lut/bgrid.ts";
import { lut3dApply } from "../../lut/lut3d_op.ts";

/** The FiveK sRGB configuration of the paper's code. */
export const LUTBGRID = {
  thumb: 256,
  feats: 256,
  lutDim: 17,
  lutRanks: 8,
  gridDim: 17,
  gridRanks: 8,
  grids: 6,
};

/** LUTwithBGrid's parameters and forward pass (module doc). */
export class LutBGrid {
  readonly params: Params = new Map();
  /** `rng` initialises as the original's init_weights (identity LUT and grids in the first rank). */
  constructor(rng: Rng) {
    const { feats, lutDim: D, lutRanks, gridDim: G, gridRanks, grids } = LUTBGRID;
    const p = this.params;
    addBackbone(p, { kind: "SmallBackbone", init: "3dlut" }, rng);
    const linear = (name: string, ci: number, co: number, weight: Float32Array, bias: Float32Array) => {
      p.set(`${name}.weight`, tf.variable(tf.tensor2d(weight, [ci, co])));
      p.set(`${name}.bias`, tf.variable(tf.tensor1d(bias)));
    };
    const fc = (ci: number, co: number) => rng.fill(ci * co, (r) => r.uniform(-1, 1) / Math.sqrt(ci));
    linear("lut.fc", feats, lutRanks, fc(feats, lutRanks), new Float32Array(lutRanks).fill(1));
    linear("grid.fc", feats, gridRanks, fc(feats, gridRanks), new Float32Array(gridRanks).fill(1));
    // rank 0: the identity LUT / grids (grid 2c of colour c = the guide value), the other ranks zero
    const lut = new Float32Array(lutRanks * 3 * D ** 3);
    for (let i = 0; i < D ** 3; i++) {
      lut[i] = (i % D) / (D - 1);
      lut[D ** 3 + i] = (Math.floor(i / D) % D) / (D - 1);
      lut[2 * D ** 3 + i] = Math.floor(i / (D * D)) / (D - 1);
    }
    linear("lut.bank", lutRanks, 3 * D ** 3, lut, new Float32Array(3 * D ** 3));
    const grid = new Float32Array(gridRanks * grids * G ** 3);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < G ** 3; i++) grid[(c * grids / 3) * G ** 3 + i] = Math.floor(i / (G * G)) / (G - 1);
    }
    linear("grid.bank", gridRanks, grids * G ** 3, grid, new Float32Array(grids * G ** 3));
    addConv(p, "slice", 1, grids + 3, 3, "3dlut", rng);
    const w = p.get("slice.weight")!;
    p.set("slice.weight", tf.variable(w.reshape([grids + 3, 3])));
    w.dispose();
  }

  /** Backbone features [B,256] (NCHW flattening of the 2x2 average pool) of thumbnails [B,3,256,256]. */
  features(thumb: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
    return tf.tidy(() => {
      const f = backboneForward(this.params, thumb, { kind: "SmallBackbone" }, training, rng);
      const pooled = tf.avgPool(f, 5, 2, "valid"); // [B,2,2,64]
      return pooled.transpose([0, 3, 1, 2]).reshape([thumb.shape[0], LUTBGRID.feats]) as tf.Tensor2D;
    });
  }

  /** out [B,3,H,W] from thumbnails [B,3,256,256] and images [B,3,H,W]; also the LUTs [B,3,17,17,17], grids. */
  forward(
    thumb: tf.Tensor4D,
    img: tf.Tensor4D,
    training: boolean,
    rng?: Rng,
  ): { out: tf.Tensor4D; lut: tf.Tensor; grids: tf.Tensor5D; weights: tf.Tensor2D } {
    const p = this.params, { lutDim: D, gridDim: G, grids: n } = LUTBGRID, B = img.shape[0];
    return tf.tidy(() => {
      const f = this.features(thumb, training, rng);
      const lin = (x: tf.Tensor2D, name: string) =>
        tf.add(tf.matMul(x, param(p, `${name}.weight`)), param(p, `${name}.bias`)) as tf.Tensor2D;
      const weights = lin(f, "lut.fc");
      const lut = lin(weights, "lut.bank").reshape([B, 3, D, D, D]);
      const grids = lin(lin(f, "grid.fc"), "grid.bank").reshape([B, n, G, G, G]) as tf.Tensor5D;
      const sliced = bgridSlice(grids, img, 0);
      const [, , H, W] = img.shape;
      const x = tf.concat([sliced, img], 1).transpose([0, 2, 3, 1]).reshape([
        B * H * W,
        n + 3,
      ]) as tf.Tensor2D;
      const mixed = lin(x, "slice").reshape([B, H, W, 3]).transpose([0, 3, 1, 2]);
      const out = tf.relu(
        lut3dApply(tf.clipByValue(mixed, 0, 1) as tf.Tensor4D, lut, "tetrahedral"),
      ) as tf.Tensor4D;
      return { out, lut, grids, weights };
    });
  }

  /** Full-resolution output of one RGB image, with its LUT [3,17,17,17] and LUT weights. */
  async enhance(
    img: Image,
  ): Promise<{ out: Image; lut: Float32Array; weights: Float32Array; grids: Float32Array }> {
    const { thumb: T } = LUTBGRID;
    const t = tf.tensor4d(resizeBilinear(img, T, T).data, [1, 3, T, T]);
    const x = tf.tensor4d(img.data, [1, 3, img.height, img.width]);
    const r = this.forward(t, x, false);
    const [out, lut, weights, grids] = await Promise.all([
      r.out.data(),
      r.lut.data(),
      r.weights.data(),
      r.grids.data(),
    ]);
    tf.dispose([t, x, r.out, r.lut, r.weights, r.grids]);
    return {
      out: { data: out as Float32Array, channels: 3, height: img.height, width: img.width },
      lut: lut as Float32Array,
      weights: weights as Float32Array,
      grids: grids as Float32Array,
    };
  }

  paramCount(): number {
    return paramCount(this.params);
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}

/** Checkpoint key -> our parameter and the layout change ("oihw": conv -> HWIO, "t": Linear [out,in] -> [in,out]). */
const RULES: [string, string, "same" | "oihw" | "t"][] = [
  ...[1, 4, 7, 10, 13].flatMap((k, i) =>
    [
      [`backbone.model.${k}.weight`, `backbone.conv${i}.weight`, "oihw"],
      [`backbone.model.${k}.bias`, `backbone.conv${i}.bias`, "same"],
    ] as [string, string, "oihw" | "same"][]
  ),
  ...[3, 6, 9, 12].flatMap((k, i) =>
    [
      [`backbone.model.${k}.weight`, `backbone.norm${i}.weight`, "same"],
      [`backbone.model.${k}.bias`, `backbone.norm${i}.bias`, "same"],
    ] as [string, string, "same"][]
  ),
  ...(["lut", "grid"] as const).flatMap((g) => {
    const mod = g === "lut" ? "gen_3d_lut" : "gen_bilateral",
      bank = g === "lut" ? "basis_luts_bank" : "basis_grids_bank";
    return [
      [`${mod}.weights_generator.weight`, `${g}.fc.weight`, "t"],
      [`${mod}.weights_generator.bias`, `${g}.fc.bias`, "same"],
      [`${mod}.${bank}.weight`, `${g}.bank.weight`, "t"],
      [`${mod}.${bank}.bias`, `${g}.bank.bias`, "same"],
    ] as [string, string, "same" | "t"][];
  }),
  ["slice.conv_1d.weight", "slice.weight", "t"],
  ["slice.conv_1d.bias", "slice.bias", "same"],
];

/**
 * Fills `model` from the original's state dict (FiveK_sRGB.pth): every key used once, every parameter
 * filled; shape mismatches name the key and both shapes.
 */
export function importLutBGrid(model: LutBGrid, state: Map<string, Tensor>, name: string): void {
  const used = new Set<string>();
  for (const [key, ours, layout] of RULES) {
    const t = state.get(key);
    if (!t) throw new Error(`${name}: missing key ${key}`);
    used.add(key);
    const target = model.params.get(ours)!;
    const s = target.shape as number[];
    const want = layout === "oihw"
      ? [s[3], s[2], s[0], s[1]]
      : layout === "t"
      ? [s[1], s[0], ...(key.startsWith("slice") ? [1, 1] : [])]
      : s;
    if (t.shape.join() !== want.join()) {
      throw new Error(`${name}: ${key} has shape [${t.shape}], expected [${want}]`);
    }
    const v = tf.tidy(() => {
      const x = tf.tensor(tensorToFloat32(t), want);
      return layout === "oihw"
        ? x.transpose([2, 3, 1, 0])
        : layout === "t"
        ? x.reshape([s[1], s[0]]).transpose()
        : x;
    });
    target.assign(v);
    v.dispose();
  }
  const extra = [...state.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new Error(`${name}: unused checkpoint tensors: ${extra.join(", ")}`);
}

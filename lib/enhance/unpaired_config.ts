/**
 * The settings of unpaired (GAN) training, `[train] mode = "unpaired"`, read by lib/enhance/config.ts;
 * defaults from Image-Adaptive 3DLUT's `image_adaptive_lut_train_unpaired.py` argparse:
 *   lr 2e-4, betas (0.9, 0.999), constant (no schedule); lambda_gp 10 (WGAN-GP); n_critic 1 (a generator
 *   step after every n_critic critic steps); lambda_pixel 1000 for sRGB input, 10 for XYZ (MSE between the
 *   output and the input: content preservation); lambda_smooth 1e-4 (TV + mean(weights^2));
 *   lambda_monotonicity 10 for sRGB, 100 for XYZ.
 * [data] inputs / styles: two folders (or "shared:<path>") of input photos and of target-style photos,
 * not paired by name, any counts; data.root stays the paired test set used for evaluation (when present).
 */
import type { Raw, Reader } from "../experiment/reader.ts";

/** WGAN-GP settings. */
export type GanConfig = { lambdaPixel: number; lambdaGp: number; nCritic: number };

/** Keys of [train] that only unpaired training reads (besides the shared ones). */
export const GAN_TRAIN_KEYS = ["mode", "lambda_pixel", "lambda_gp", "n_critic"] as const;
/** Keys of [data] for the unpaired folders. */
export const UNPAIRED_DATA_KEYS = ["inputs", "styles"] as const;

/** The original's defaults that differ from paired training (lr; monotonicity weight by input space). */
export function unpairedDefaults(xyz: boolean): { lr: number; lambdaMono: number; lambdaPixel: number } {
  return { lr: 2e-4, lambdaMono: xyz ? 100 : 10, lambdaPixel: xyz ? 10 : 1000 };
}

/** train.mode ("paired" default). */
export function trainMode(r: Reader, t: Raw): "paired" | "unpaired" {
  return r.str(t, "train", "mode", "paired", ["paired", "unpaired"] as const);
}

/** The GAN settings of an unpaired [train] table (undefined for paired; GAN keys then refused). */
export function parseGan(r: Reader, t: Raw, xyz: boolean): GanConfig | undefined {
  if (trainMode(r, t) === "paired") {
    for (const k of GAN_TRAIN_KEYS.slice(1)) {
      if (k in t) r.fail(`train.${k} is a setting of unpaired training: set train.mode = "unpaired"`);
    }
    return undefined;
  }
  return {
    lambdaPixel: r.num(
      t,
      "train",
      "lambda_pixel",
      unpairedDefaults(xyz).lambdaPixel,
      (v) => (v >= 0 ? undefined : ">= 0"),
    ),
    lambdaGp: r.num(t, "train", "lambda_gp", 10, (v) => (v >= 0 ? undefined : ">= 0")),
    nCritic: r.int(t, "train", "n_critic", 1, 1, 100),
  };
}

/** The unpaired input and style folders of [data] (required for unpaired training unless data.root = "quickstart"). */
export function parseUnpairedData(
  r: Reader,
  d: Raw,
  root: string,
  gan: GanConfig | undefined,
): { inputs: string; styles: string } | undefined {
  const inputs = r.str(d, "data", "inputs", ""), styles = r.str(d, "data", "styles", "");
  if (!gan) {
    if (inputs || styles) r.fail(`data.inputs / data.styles are for train.mode = "unpaired"`);
    return undefined;
  }
  if (!inputs !== !styles) {
    r.fail(`data.inputs and data.styles go together (two folders: inputs, target style)`);
  }
  if (!inputs && root !== "quickstart") {
    r.fail(
      `train.mode = "unpaired" needs data.inputs and data.styles (folders of input and target-style photos)`,
    );
  }
  return inputs ? { inputs, styles } : undefined;
}

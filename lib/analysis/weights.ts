/**
 * Per-image predicted LUT weights (the CNN's output of an image-adaptive LUT model: one weight per basis
 * LUT) as grouped bars: one bar group per basis, one colour per image.
 */
import { checkFinite, type Figure } from "./figure.ts";

/** The weights one image got: `weights` [N], one per basis LUT. */
export type ImageWeights = { name: string; weights: ArrayLike<number> };

/** Grouped bars of basis-LUT weights per image; all images need the same N. */
export function lutWeightsFigure(
  images: ImageWeights[],
  opts: { title?: string; bases?: string[] } = {},
): Figure {
  if (images.length === 0) throw new Error("lutWeightsFigure: no images");
  const n = images[0].weights.length;
  for (const im of images) {
    if (im.weights.length !== n || n === 0) {
      throw new Error(`lutWeightsFigure: ${im.name} has ${im.weights.length} weights, the first image ${n}`);
    }
  }
  const bases = opts.bases ?? Array.from({ length: n }, (_, i) => `LUT ${i}`);
  if (bases.length !== n) throw new Error(`lutWeightsFigure: ${bases.length} basis names for ${n} weights`);
  return checkFinite({
    data: images.map((im) => ({
      type: "bar",
      name: im.name,
      x: bases,
      y: Array.from(im.weights),
      hovertemplate: `${im.name}<br>%{x}: %{y:.4f}<extra></extra>`,
    })),
    layout: {
      title: { text: opts.title ?? "Predicted weight of each basis LUT, per image" },
      barmode: "group",
      xaxis: { title: { text: "basis LUT" }, type: "category" },
      yaxis: { title: { text: "weight" }, zeroline: true },
      legend: { orientation: "h", y: -0.25 },
      width: Math.min(1200, Math.max(600, 40 * n * Math.min(images.length, 6) + 200)),
      height: 460,
    },
  }, "lutWeightsFigure");
}

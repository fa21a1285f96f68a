/**
 * A slider through a 3D LUT: for each blue input level b, the LUT's output colours over the red × green
 * plane as an image, beside the identity (input) colours of the same plane; the slider steps through b.
 * Lut [3,D,D,D], layout lut[c][b][g][r].
 */
import { checkFinite, type Figure } from "./figure.ts";

/** [D][D][3] 0..255 colours of LUT slice b (rows g, columns r); `identity` gives the input colours. */
function slice(lut: Float32Array | undefined, dim: number, b: number): number[][][] {
  const n3 = dim ** 3, q = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return Array.from({ length: dim }, (_, g) =>
    Array.from({ length: dim }, (_, r) => {
      const at = (b * dim + g) * dim + r;
      return lut
        ? [q(lut[at]), q(lut[n3 + at]), q(lut[2 * n3 + at])]
        : [q(r / (dim - 1)), q(g / (dim - 1)), q(b / (dim - 1))];
    }));
}

/** Slider figure over the blue slices of a LUT [3,D,D,D]: identity colours left, LUT output right. */
export function lutSliceSliderFigure(
  lut: Float32Array,
  dim: number,
  opts: { title?: string; name?: string } = {},
): Figure {
  if (!Number.isInteger(dim) || dim < 2 || lut.length !== 3 * dim ** 3) {
    throw new Error(
      `lutSliceSliderFigure: lut has ${lut.length} values, expected 3·D³ = ${3 * dim ** 3} for D=${dim}`,
    );
  }
  const name = opts.name ?? "LUT";
  const start = dim >> 1;
  const ticks = [0, dim >> 2, dim >> 1, (3 * dim) >> 2, dim - 1];
  const axis = (title: string, anchor: string) => ({
    title: { text: title },
    anchor,
    tickvals: ticks,
    ticktext: ticks.map((i) => (i / (dim - 1)).toFixed(2)),
    ticks: "outside",
  });
  const image = (z: number[][][], k: number) => ({
    type: "image",
    z,
    name: k === 0 ? "identity" : name,
    xaxis: k === 0 ? "x" : "x2",
    yaxis: k === 0 ? "y" : "y2",
    hovertemplate: "r %{x}, g %{y}: rgb %{z}<extra></extra>",
  });
  return checkFinite({
    data: [image(slice(undefined, dim, start), 0), image(slice(lut, dim, start), 1)],
    layout: {
      title: {
        text: opts.title ?? `${name} (D=${dim}): output colour over red × green, one blue slice at a time`,
      },
      width: 900,
      height: 560,
      xaxis: { ...axis("input red", "y"), domain: [0, 0.46] },
      yaxis: { ...axis("input green", "x"), autorange: "reversed", scaleanchor: "x" },
      xaxis2: { ...axis("input red", "y2"), domain: [0.54, 1] },
      yaxis2: { ...axis("input green", "x2"), autorange: "reversed", scaleanchor: "x2" },
      annotations: [
        {
          text: "identity (input colour)",
          x: 0.23,
          xanchor: "center",
          y: 1.06,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
        {
          text: `${name} output`,
          x: 0.77,
          xanchor: "center",
          y: 1.06,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
      ],
      sliders: [{
        active: start,
        currentvalue: { prefix: "input blue = " },
        pad: { t: 50 },
        steps: Array.from({ length: dim }, (_, b) => ({
          label: (b / (dim - 1)).toFixed(2),
          method: "restyle",
          args: [{ z: [slice(undefined, dim, b), slice(lut, dim, b)] }, [0, 1]],
        })),
      }],
    },
  }, "lutSliceSliderFigure");
}

/**
 * AutoLUT figures: the learned AutoSample weights as K×K heatmaps (one row per LUT unit, one panel per LUT
 * input, the fixed-pattern pixel it would be in SR-LUT/MuLUT being just one cell) and the AdaRL weights
 * (one row per unit, one cell per input, 0 = current stage input only, 1 = previous stage input only).
 */
import { checkFinite, type Figure } from "./figure.ts";
import { colorbar, LIGHT_TO_DARK_BLUE } from "./heatmap.ts";
import { addCaption, addNote, CHAR_PX, visibleLength } from "./rules.ts";

/** One sampler's softmax weights: `weights` [4, K, K] row-major (input c, window row, window column). */
export type SamplerWeights = { name: string; size: number; weights: ArrayLike<number> };

/** One unit's AdaRL weights [4] in [0,1]. */
export type AdaRLWeights = { name: string; weights: ArrayLike<number> };

/** Names of the 4 LUT inputs in the 2×2 patch they replace. */
export const INPUT_NAMES = ["a (0,0)", "b (0,1)", "c (1,0)", "d (1,1)"];

function rows(w: ArrayLike<number>, c: number, k: number): number[][] {
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => w[c * k * k + i * k + j]));
}

/**
 * Grid of K×K heatmaps: units × 4 inputs, shared colour range [0, max weight]; weights shown on hover.
 * With `beforeAfter` (two units of one size: before, after) a third row draws the change (after − before)
 * in its own symmetric range, and a note gives the largest change, called no visible difference when it
 * is under 10 % of the weights' range.
 */
export function samplerWeightsFigure(
  units: SamplerWeights[],
  opts: { title?: string; cell?: number; beforeAfter?: boolean } = {},
): Figure {
  if (units.length === 0) throw new Error("samplerWeightsFigure: no samplers");
  for (const u of units) {
    if (!Number.isInteger(u.size) || u.size < 1 || u.weights.length !== 4 * u.size * u.size) {
      throw new Error(
        `samplerWeightsFigure: ${u.name} needs [4, ${u.size}, ${u.size}] weights, got ${u.weights.length}`,
      );
    }
  }
  if (opts.beforeAfter && (units.length !== 2 || units[0].size !== units[1].size)) {
    throw new Error("samplerWeightsFigure: beforeAfter needs two samplers of the same size");
  }
  const k = Math.max(...units.map((u) => u.size)), cell = opts.cell ?? 26;
  const zmax = Math.max(...units.flatMap((u) => Array.from(u.weights)));
  const change = opts.beforeAfter
    ? Array.from(units[0].weights, (v, i) => units[1].weights[i] - v)
    : undefined;
  const largest = change ? Math.max(...change.map(Math.abs)) : 0;
  const rowsShown = [...units, ...(change ? [{ name: "change", size: units[0].size, weights: change }] : [])];
  const n = rowsShown.length;
  // the row labels sit left of the first column's tick labels: the left margin holds the longest
  const label = Math.max(60, ...rowsShown.map((u) => visibleLength(u.name) * CHAR_PX + 40));
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "AutoSample weights (softmax) per LUT input" },
    grid: { rows: n, columns: 4, pattern: "independent", ygap: 0.3 },
    width: 4 * (k * cell + 50) + label + 110,
    height: n * (k * cell + 60) + 140,
    margin: { l: label, t: 80, r: 110 },
    annotations: [
      ...INPUT_NAMES.map((text, c) => ({
        text,
        showarrow: false,
        xref: `x${c === 0 ? "" : c + 1} domain`,
        yref: `y${c === 0 ? "" : c + 1} domain`,
        x: 0.5,
        y: 1,
        yanchor: "bottom",
        yshift: 6,
      })),
      ...rowsShown.map((u, r) => ({
        text: u.name,
        showarrow: false,
        xref: "paper",
        yref: `y${r * 4 === 0 ? "" : r * 4 + 1} domain`,
        x: 0,
        xshift: -28,
        y: 0.5,
        xanchor: "right",
      })),
    ],
  };
  const barRows = (from: number, count: number) => ({ y: 1 - (from + count / 2) / n, len: count / n * 0.9 });
  const data = rowsShown.flatMap((u, r) =>
    [0, 1, 2, 3].map((c) => {
      const a = r * 4 + c + 1, s = a === 1 ? "" : `${a}`, diff = change !== undefined && r === 2;
      const ticks = { ticks: "outside", tickmode: "linear", dtick: 1, tickfont: { size: 9 } };
      layout[`xaxis${s}`] = { ...ticks, constrain: "domain" };
      layout[`yaxis${s}`] = { ...ticks, autorange: "reversed", scaleanchor: `x${s}` };
      return {
        type: "heatmap",
        z: rows(u.weights, c, u.size),
        name: `${u.name} ${INPUT_NAMES[c]}`,
        colorscale: diff ? "RdBu" : "Viridis",
        zmin: diff ? -largest || -1 : 0,
        zmax: diff ? largest || 1 : zmax,
        showscale: c === 0 && (r === 0 || diff),
        colorbar: diff
          ? colorbar("change", barRows(2, 1))
          : colorbar("softmax weight", change ? barRows(0, 2) : {}),
        xgap: 1,
        ygap: 1,
        xaxis: `x${s}`,
        yaxis: `y${s}`,
        hovertemplate: "row %{y}, col %{x}: %{z:.3f}<extra></extra>",
      };
    })
  );
  const fig = checkFinite({ data, layout }, "samplerWeightsFigure");
  if (change) {
    addNote(
      fig,
      `largest weight change ${largest.toFixed(3)} on a 0-${zmax.toFixed(2)} scale` +
        (largest < 0.1 * zmax ? ": no visible difference between the rows (the change row shows it)" : ""),
    );
  }
  return fig;
}

/** Heatmap of AdaRL weights: one row per unit, one column per LUT input, values printed in the cells. */
export function adarlFigure(units: AdaRLWeights[], opts: { title?: string } = {}): Figure {
  if (units.length === 0) throw new Error("adarlFigure: no AdaRL units");
  for (const u of units) {
    if (u.weights.length !== 4) {
      throw new Error(`adarlFigure: ${u.name} needs 4 weights, got ${u.weights.length}`);
    }
  }
  const z = units.map((u) => Array.from(u.weights));
  return addCaption(
    checkFinite({
      data: [{
        type: "heatmap",
        z,
        x: INPUT_NAMES,
        y: units.map((u) => u.name),
        zmin: 0,
        zmax: 1,
        colorscale: LIGHT_TO_DARK_BLUE, // 0 light, 1 dark
        colorbar: colorbar("weight"),
        text: z.map((r) => r.map((v) => v.toFixed(3))),
        texttemplate: "%{text}",
        hovertemplate: "%{y} %{x}: %{z:.4f}<extra></extra>",
      }],
      layout: {
        title: { text: opts.title ?? "AdaRL weights (share of the previous stage's input)" },
        width: 640,
        height: 130 + 44 * units.length,
        margin: { t: 60, b: 40, l: 90, r: 20 }, // plotly's default margins leave no room for one row
        yaxis: { autorange: "reversed" },
      },
    }, "adarlFigure"),
    "colour: weight of the previous stage's input (0 = current stage's input only)",
  );
}

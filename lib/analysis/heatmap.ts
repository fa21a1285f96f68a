/**
 * Side-by-side heatmap panels of small 2-D arrays (receptive fields, masks, weight maps): each panel is a
 * rows×cols nested array z[row][col], drawn with row 0 at the top, tick labels on both axes, one shared
 * colour range and one titled colour bar.
 */
import { checkFinite, type Figure } from "./figure.ts";

/** One heatmap panel: title, z[row][col] (all rows the same length), optional column/row tick labels. */
export type Panel = { title: string; z: number[][]; x?: (number | string)[]; y?: (number | string)[] };

/**
 * Sequential colour scale from light (low, 0) to dark blue (high, 1). Plotly's named "Blues" runs the
 * other way (dark at the low end), so titles saying "dark = high" need this one.
 */
export const LIGHT_TO_DARK_BLUE: [number, string][] = [
  [0, "#f7fbff"],
  [0.25, "#c6dbef"],
  [0.5, "#6baed6"],
  [0.75, "#2171b5"],
  [1, "#08306b"],
];

/** Colour-bar settings with a title (every heatmap of lib/analysis/ has one). */
export function colorbar(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title, side: "right" }, ticks: "outside", ...extra };
}

/**
 * Heatmap panels in one row sharing one colour range (zmin/zmax, default: the data's) and one colour bar
 * titled `colorbarTitle`; default colours LIGHT_TO_DARK_BLUE (dark = high). Values show in the hover.
 */
export function heatmapsFigure(
  panels: Panel[],
  opts: {
    title?: string;
    colorscale?: string | [number, string][];
    zmin?: number;
    zmax?: number;
    cell?: number;
    colorbarTitle?: string;
  } = {},
): Figure {
  if (panels.length === 0) throw new Error("heatmapsFigure: no panels");
  for (const p of panels) {
    const w = p.z[0]?.length ?? 0;
    if (w === 0 || p.z.some((row) => row.length !== w)) {
      throw new Error(`heatmapsFigure: panel "${p.title}" must be a non-empty rectangular array`);
    }
    if ((p.x && p.x.length !== w) || (p.y && p.y.length !== p.z.length)) {
      throw new Error(
        `heatmapsFigure: panel "${p.title}": x/y labels must match its ${p.z.length}×${w} size`,
      );
    }
  }
  const all = panels.flatMap((p) => p.z.flat());
  const zmin = opts.zmin ?? Math.min(...all), zmax = opts.zmax ?? Math.max(...all);
  const cell = opts.cell ?? 28;
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "" },
    grid: { rows: 1, columns: panels.length, pattern: "independent" },
    width: Math.max(500, panels.reduce((s, p) => s + p.z[0].length * cell + 80, 200)),
    height: Math.max(...panels.map((p) => p.z.length)) * cell + 190,
    annotations: panels.map((p, k) => ({
      text: p.title,
      showarrow: false,
      xref: `x${k === 0 ? "" : k + 1} domain`,
      yref: `y${k === 0 ? "" : k + 1} domain`,
      x: 0.5,
      y: 1.02,
      yanchor: "bottom",
    })),
  };
  panels.forEach((p, k) => {
    const s = k === 0 ? "" : `${k + 1}`;
    layout[`xaxis${s}`] = { constrain: "domain", ticks: "outside", tickmode: "linear", dtick: 1 };
    layout[`yaxis${s}`] = {
      autorange: "reversed",
      scaleanchor: `x${s}`,
      ticks: "outside",
      tickmode: "linear",
      dtick: 1,
    };
    if (p.x) layout[`xaxis${s}`] = { constrain: "domain", ticks: "outside", type: "category" };
    if (p.y) {
      layout[`yaxis${s}`] = {
        autorange: "reversed",
        scaleanchor: `x${s}`,
        ticks: "outside",
        type: "category",
      };
    }
  });
  return checkFinite({
    data: panels.map((p, k) => ({
      type: "heatmap",
      z: p.z,
      ...(p.x ? { x: p.x.map(String) } : {}),
      ...(p.y ? { y: p.y.map(String) } : {}),
      name: p.title,
      colorscale: opts.colorscale ?? LIGHT_TO_DARK_BLUE,
      zmin,
      zmax,
      showscale: k === panels.length - 1,
      colorbar: colorbar(opts.colorbarTitle ?? "value"),
      xgap: 1,
      ygap: 1,
      xaxis: k === 0 ? "x" : `x${k + 1}`,
      yaxis: k === 0 ? "y" : `y${k + 1}`,
      hovertemplate: "row %{y}, col %{x}: %{z}<extra></extra>",
    })),
    layout,
  }, "heatmapsFigure");
}

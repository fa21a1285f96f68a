/**
 * Side-by-side heatmap panels of small 2-D arrays (receptive fields, masks, weight maps): each panel is a
 * rows×cols nested array z[row][col], drawn with row 0 at the top.
 */
import { checkFinite, type Figure } from "./figure.ts";

/** One heatmap panel: title and z[row][col] (all rows the same length). */
export type Panel = { title: string; z: number[][] };

/** Heatmap panels in one row, optionally sharing a colour range; cell values are shown in the hover. */
export function heatmapsFigure(
  panels: Panel[],
  opts: { title?: string; colorscale?: string; zmin?: number; zmax?: number; cell?: number } = {},
): Figure {
  if (panels.length === 0) throw new Error("heatmapsFigure: no panels");
  for (const p of panels) {
    const w = p.z[0]?.length ?? 0;
    if (w === 0 || p.z.some((row) => row.length !== w)) {
      throw new Error(`heatmapsFigure: panel "${p.title}" must be a non-empty rectangular array`);
    }
  }
  const cell = opts.cell ?? 28;
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "" },
    grid: { rows: 1, columns: panels.length, pattern: "independent" },
    width: Math.max(500, panels.reduce((s, p) => s + p.z[0].length * cell + 60, 80)),
    height: Math.max(...panels.map((p) => p.z.length)) * cell + 160,
    annotations: panels.map((p, k) => ({
      text: p.title,
      showarrow: false,
      xref: `x${k === 0 ? "" : k + 1} domain`,
      yref: `y${k === 0 ? "" : k + 1} domain`,
      x: 0.5,
      y: 1.08,
    })),
  };
  panels.forEach((_p, k) => {
    const s = k === 0 ? "" : `${k + 1}`;
    layout[`xaxis${s}`] = { showticklabels: false, constrain: "domain" };
    layout[`yaxis${s}`] = { showticklabels: false, autorange: "reversed", scaleanchor: `x${s}` };
  });
  return checkFinite({
    data: panels.map((p, k) => ({
      type: "heatmap",
      z: p.z,
      name: p.title,
      colorscale: opts.colorscale ?? "Blues",
      zmin: opts.zmin,
      zmax: opts.zmax,
      showscale: false,
      xgap: 1,
      ygap: 1,
      xaxis: k === 0 ? "x" : `x${k + 1}`,
      yaxis: k === 0 ? "y" : `y${k + 1}`,
    })),
    layout,
  }, "heatmapsFigure");
}

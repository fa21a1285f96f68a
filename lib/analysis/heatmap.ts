/**
 * Side-by-side heatmap panels of small 2-D arrays (receptive fields, masks, weight maps): each panel is a
 * rows×cols nested array z[row][col], drawn with row 0 at the top, tick labels on both axes, a colour range
 * per panel (or one shared range), wrapped into rows within the notebook's width.
 */
import { checkFinite, type Figure, type Trace } from "./figure.ts";
import { addCaption, addNote, MAX_FIGURE_WIDTH, outOfRangeMarks } from "./rules.ts";

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
 * Heatmap panels z[row][col], wrapped into rows so the figure stays within MAX_FIGURE_WIDTH. Each panel
 * has its own colour range (the data's) and colour bar unless a shared range is asked for (`shared`, or
 * zmin/zmax given): then one colour bar, and values outside a given range are marked × on their cells and
 * counted in a note (never silently clipped). `colorbarTitle` names the values (in the title line);
 * default colours LIGHT_TO_DARK_BLUE (dark = high). Values show in the hover.
 */
export function heatmapsFigure(
  panels: Panel[],
  opts: {
    title?: string;
    colorscale?: string | [number, string][];
    zmin?: number;
    zmax?: number;
    shared?: boolean;
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
  const shared = opts.shared || opts.zmin !== undefined || opts.zmax !== undefined;
  const all = panels.flatMap((p) => p.z.flat());
  const range = (p: Panel): [number, number] => {
    const v = shared ? all : p.z.flat();
    const lo = opts.zmin ?? Math.min(...v), hi = opts.zmax ?? Math.max(...v);
    return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
  };
  const cell = opts.cell ?? 28;
  const maxW = Math.max(...panels.map((p) => p.z[0].length)),
    maxH = Math.max(...panels.map((p) => p.z.length));
  // one slot per panel: y tick labels, the cells, its colour bar (per-panel ranges), a gap
  const bar = shared ? 0 : 60, slotW = 45 + maxW * cell + bar + 15, slotH = maxH * cell + 70;
  const ml = 20, mr = shared ? 90 : 10, mb = 40, mt = 70;
  const perRow = Math.max(1, Math.min(panels.length, Math.floor((MAX_FIGURE_WIDTH - ml - mr) / slotW)));
  const nRows = Math.ceil(panels.length / perRow);
  const plotW = perRow * slotW, plotH = nRows * slotH;
  const layout: Record<string, unknown> = {
    title: { text: opts.title ?? "" },
    width: Math.max(400, plotW + ml + mr),
    height: plotH + mt + mb,
    margin: { l: ml, r: mr, t: mt, b: mb },
    annotations: [] as Record<string, unknown>[],
  };
  const data: Trace[] = [];
  let outside = 0;
  panels.forEach((p, k) => {
    const s = k === 0 ? "" : `${k + 1}`, row = Math.floor(k / perRow), col = k % perRow;
    const w = p.z[0].length * cell, h = p.z.length * cell;
    const x0 = (col * slotW + 45) / plotW, y1 = 1 - (row * slotH + 30) / plotH;
    const xDomain = [x0, x0 + w / plotW], yDomain = [y1 - h / plotH, y1];
    const [zmin, zmax] = range(p);
    const axis = (labels?: (number | string)[]) =>
      labels?.some((l) => typeof l === "string")
        ? { type: "category" }
        : labels
        ? { nticks: 5 }
        : { tickmode: "linear", dtick: Math.max(1, Math.ceil(p.z.length / 12)) };
    const plain = { showgrid: false, zeroline: false };
    layout[`xaxis${s}`] = { domain: xDomain, anchor: `y${s}`, ticks: "outside", ...plain, ...axis(p.x) };
    layout[`yaxis${s}`] = {
      domain: yDomain,
      anchor: `x${s}`,
      autorange: "reversed",
      ticks: "outside",
      ...plain,
      ...axis(p.y),
    };
    (layout.annotations as Record<string, unknown>[]).push({
      text: p.title,
      showarrow: false,
      xref: "paper",
      yref: "paper",
      x: (xDomain[0] + xDomain[1]) / 2,
      xanchor: "center", // plotly's "auto" anchors paper x < 1/3 at the left
      y: y1 + 6 / plotH,
      yanchor: "bottom",
    });
    data.push({
      type: "heatmap",
      z: p.z,
      ...(p.x ? { x: p.x } : {}),
      ...(p.y ? { y: p.y } : {}),
      name: p.title,
      colorscale: opts.colorscale ?? LIGHT_TO_DARK_BLUE,
      zmin,
      zmax,
      showscale: shared ? k === panels.length - 1 : true,
      colorbar: shared
        ? colorbar("", { len: Math.min(1, 320 / plotH), y: 1, yanchor: "top" })
        : colorbar("", {
          x: xDomain[1] + 8 / plotW,
          xanchor: "left",
          y: (yDomain[0] + yDomain[1]) / 2,
          len: yDomain[1] - yDomain[0],
          thickness: 12,
        }),
      xgap: cell >= 8 ? 1 : 0, // cell borders only where cells are large enough to read
      ygap: cell >= 8 ? 1 : 0,
      xaxis: `x${s}`,
      yaxis: `y${s}`,
      hovertemplate: "row %{y}, col %{x}: %{z}<extra></extra>",
    });
    if (opts.zmin !== undefined || opts.zmax !== undefined) {
      const marks = outOfRangeMarks(p.z, [zmin, zmax], { xaxis: `x${s}`, yaxis: `y${s}`, x: p.x, y: p.y });
      if (marks) data.push(marks.trace), outside += marks.count;
    }
  });
  const fig = checkFinite({ data, layout }, "heatmapsFigure");
  addCaption(fig, `colour: ${opts.colorbarTitle ?? "value"}${shared ? "" : " (own range per panel)"}`);
  if (outside > 0) {
    addNote(
      fig,
      `${outside} value${outside === 1 ? "" : "s"} outside the colour range [${
        range(panels[0]).join(", ")
      }], marked ×`,
    );
  }
  return fig;
}

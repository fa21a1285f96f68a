/**
 * Quality-against-cost scatter plots: PSNR against LUT storage (SR-LUT bit depths, MuLUT, SPF-LUT, each
 * with and without DFC, and after DFC fine-tuning), and PSNR against parameters / storage / runtime for
 * any set of models. One series per method and kind (bit-depth family, DFC, fine-tuned DFC), log x axes
 * with whole-number ticks, labels placed so they do not overlap, and outliers drawn at the axis edge
 * with their value instead of squashing the plot.
 */
import { logAxis, robustRange } from "./axes.ts";
import { checkFinite, type Figure, type Layout, type Trace } from "./figure.ts";
import { placeLabels } from "./labels.ts";
import { addNote, MAX_FIGURE_WIDTH } from "./rules.ts";
import type { StoragePoint } from "../sr/storage.ts";

/** A point of one panel: its series, x (cost, > 0), y (PSNR) and label (`hideLabel`: hover text only). */
type PanelPoint = {
  series: string;
  colour: string;
  symbol: string;
  x: number;
  y: number;
  label: string;
  hideLabel?: boolean;
};

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const MARGIN = { l: 70, r: 30, t: 80, b: 120 };

/** Colour per name, in first-seen order. */
function colours(names: string[]): Map<string, string> {
  return new Map([...new Set(names)].map((n, i) => [n, PALETTE[i % PALETTE.length]]));
}

/**
 * Traces, annotations and axes of one panel (axis suffix `s`, "" for the first) over [x0,x1] of the
 * figure width: markers+lines per series (sorted by x), non-overlapping labels, outliers at the bottom.
 */
function panel(
  points: PanelPoint[],
  s: string,
  domain: [number, number],
  size: { w: number; h: number; span: number; xTitle: string; legend: boolean; lines: boolean },
): { traces: Trace[]; annotations: Record<string, unknown>[]; axes: Layout } {
  const { range, outliers } = robustRange(points.map((p) => p.y), size.span);
  const xAxis = logAxis(points.map((p) => p.x), size.xTitle);
  const [lx0, lx1] = xAxis.range as [number, number];
  const pw = (size.w - MARGIN.l - MARGIN.r) * (domain[1] - domain[0]), ph = size.h - MARGIN.t - MARGIN.b;
  const shown = points.map((p, i) => ({
    ...p,
    y: outliers.includes(i) ? range[0] + (range[1] - range[0]) * 0.03 : p.y,
  }));
  const labels = shown.map((p, i) => ({
    px: (Math.log10(p.x) - lx0) / (lx1 - lx0) * pw,
    py: (range[1] - p.y) / (range[1] - range[0]) * ph,
    text: outliers.includes(i) ? `${p.series} ${p.label}: ${points[i].y.toFixed(2)} dB ↓` : p.label,
  }));
  const order = labels.map((_, i) => i).filter((i) => !points[i].hideLabel)
    .sort((a, b) => shown[b].y - shown[a].y);
  const shifts = new Array<[number, number]>(labels.length);
  placeLabels(order.map((i) => labels[i]), pw, ph).forEach((d, k) => shifts[order[k]] = d);
  const traces: Trace[] = [...new Set(points.map((p) => p.series))].map((series) => {
    const idx = points.map((_, i) => i).filter((i) => points[i].series === series)
      .sort((a, b) => points[a].x - points[b].x);
    const first = points[idx[0]];
    return {
      type: "scatter",
      mode: idx.length > 1 && size.lines ? "lines+markers" : "markers",
      name: series,
      legendgroup: series,
      showlegend: size.legend,
      x: idx.map((i) => points[i].x),
      y: idx.map((i) => shown[i].y),
      text: idx.map((i) => `${points[i].label}: ${points[i].y.toFixed(2)} dB`),
      hovertemplate: `${series}<br>%{text}<br>%{x:.4g}<extra></extra>`,
      marker: {
        size: 10,
        color: first.colour,
        symbol: idx.map((i) => outliers.includes(i) ? "triangle-down" : points[i].symbol),
      },
      line: { color: first.colour, width: 1.5, dash: first.symbol.includes("open") ? "dot" : "solid" },
      xaxis: `x${s}`,
      yaxis: `y${s}`,
    };
  });
  // a label placed away from its marker (long outlier labels) gets an arrow to it
  const annotations = order.map((i) => {
    const p = shown[i], far = Math.hypot(...shifts[i]) > 40 || outliers.includes(i);
    return {
      x: Math.log10(p.x),
      y: p.y,
      xref: `x${s}`,
      yref: `y${s}`,
      text: labels[i].text,
      font: { size: 11, color: p.colour },
      ...(far
        ? { showarrow: true, arrowhead: 2, arrowcolor: p.colour, ax: shifts[i][0], ay: shifts[i][1] }
        : { showarrow: false, xshift: shifts[i][0], yshift: -shifts[i][1] }),
    };
  });
  return {
    traces,
    annotations,
    axes: {
      [`xaxis${s}`]: { ...xAxis, domain, anchor: `y${s}` },
      [`yaxis${s}`]: { title: { text: "PSNR (dB)" }, range, anchor: `x${s}` },
    },
  };
}

/**
 * PSNR against storage (KB, log axis). Series: each method's full tables (bit-depth variants joined),
 * its DFC points (open markers, dotted), and the same after fine-tuning (diamonds); the DFC diagonal
 * width(s) go in the title. `span` (dB below the median) marks outliers, drawn at the bottom edge.
 */
export function storageFigure(
  points: StoragePoint[],
  opts: { title?: string; dataset?: string; span?: number } = {},
): Figure {
  if (points.length === 0) throw new Error("storageFigure: no points");
  for (const p of points) {
    if (!(p.bytes > 0) || !Number.isFinite(p.psnr)) {
      throw new Error(`storageFigure: ${p.method} ${p.variant ?? ""}: bytes must be > 0 and psnr finite`);
    }
  }
  const widths = [...new Set(points.flatMap((p) => p.dfc ? [p.dfc.diagonalWidth] : []))].sort();
  const colour = colours(points.map((p) => p.method));
  const series = (p: StoragePoint) =>
    `${p.method}${p.dfc ? ` + DFC${widths.length > 1 ? ` d=${p.dfc.diagonalWidth}` : ""}` : ""}${
      p.finetuned ? ", fine-tuned" : ""
    }`;
  // a before/after needs a difference: fine-tuned points on top of their untuned ones are said so (and
  // drawn without a second label)
  const tuned = points.filter((p) => p.finetuned);
  const same = tuned.filter((t) =>
    points.some((p) =>
      !p.finetuned && p.method === t.method && p.variant === t.variant && p.bytes === t.bytes &&
      Math.abs(p.psnr - t.psnr) < 5e-4
    )
  );
  const w = MAX_FIGURE_WIDTH, h = 600;
  const { traces, annotations, axes } = panel(
    points.map((p) => ({
      series: series(p),
      colour: colour.get(p.method)!,
      symbol: `${p.finetuned ? "diamond" : "circle"}${p.dfc ? "-open" : ""}`,
      x: p.bytes / 1024,
      y: p.psnr,
      label: p.dfc ? `si=${p.dfc.samplingInterval}` : p.variant ?? p.method,
      hideLabel: same.includes(p),
    })),
    "",
    [0, 1],
    { w, h, span: opts.span ?? 3, xTitle: "storage (KB, log scale)", legend: true, lines: true },
  );
  const dfcText = widths.length
    ? `; DFC diagonal width d = ${widths.join(", ")}, si = sampling interval`
    : "";
  const fig = checkFinite({
    data: traces,
    layout: {
      title: { text: opts.title ?? `PSNR vs storage${opts.dataset ? ` (${opts.dataset})` : ""}${dfcText}` },
      ...axes,
      annotations,
      legend: { orientation: "h", y: -0.2, x: 0 },
      margin: MARGIN,
      width: w,
      height: h,
    },
  }, "storageFigure");
  if (tuned.length > 0 && same.length > 0) {
    addNote(
      fig,
      `${same.length} of ${tuned.length} fine-tuned points equal their points before fine-tuning (no difference)`,
    );
  }
  return fig;
}

/** One model for the trade-off figure: PSNR and whichever costs are known. */
export type ModelCost = {
  name: string;
  family?: string;
  psnr: number;
  params?: number;
  bytes?: number;
  ms?: number;
};

/**
 * PSNR against parameters, storage (KB) and runtime (ms), one panel per cost that some model has (log
 * axes); colour per family (default: the name), markers only (no lines), every point labelled without
 * overlaps.
 */
export function tradeoffFigure(models: ModelCost[], opts: { title?: string; span?: number } = {}): Figure {
  if (models.length === 0) throw new Error("tradeoffFigure: no models");
  const costs = [
    { key: "params", title: "parameters", scale: 1 },
    { key: "bytes", title: "storage (KB)", scale: 1 / 1024 },
    { key: "ms", title: "runtime (ms)", scale: 1 },
  ] as const;
  for (const m of models) {
    if (!Number.isFinite(m.psnr)) throw new Error(`tradeoffFigure: ${m.name}: PSNR must be finite`);
    for (const c of costs) {
      const v = m[c.key];
      if (v !== undefined && !(v > 0)) {
        throw new Error(`tradeoffFigure: ${m.name}: ${c.key} must be > 0, got ${v}`);
      }
    }
  }
  const used = costs.filter((c) => models.some((m) => m[c.key] !== undefined));
  if (used.length === 0) throw new Error("tradeoffFigure: no model has params, bytes or ms");
  const colour = colours(models.map((m) => m.family ?? m.name));
  const w = MAX_FIGURE_WIDTH, h = 560, gap = 0.1;
  const cell = (1 - gap * (used.length - 1)) / used.length;
  const data: Trace[] = [], annotations: Record<string, unknown>[] = [];
  let layout: Layout = {};
  used.forEach((c, k) => {
    const s = k === 0 ? "" : `${k + 1}`;
    const have = models.filter((m) => m[c.key] !== undefined);
    const p = panel(
      have.map((m) => ({
        series: m.family ?? m.name,
        colour: colour.get(m.family ?? m.name)!,
        symbol: "circle",
        x: m[c.key]! * c.scale,
        y: m.psnr,
        label: m.name,
      })),
      s,
      [k * (cell + gap), k * (cell + gap) + cell],
      { w, h, span: opts.span ?? 4, xTitle: `${c.title}, log scale`, legend: k === 0, lines: false },
    );
    data.push(...p.traces);
    annotations.push(...p.annotations);
    layout = { ...layout, ...p.axes };
  });
  return checkFinite({
    data,
    layout: {
      title: { text: opts.title ?? `PSNR against ${used.map((c) => c.title.split(" ")[0]).join(", ")}` },
      ...layout,
      annotations,
      legend: { orientation: "h", y: -0.2, x: 0 },
      margin: MARGIN,
      width: w,
      height: h,
    },
  }, "tradeoffFigure");
}

/**
 * The layout rules every displayed or saved figure obeys, applied centrally by `fitFigure` (show, save):
 * no figure wider than the notebook (MAX_FIGURE_WIDTH; a one-row grid of panels wraps into rows), the
 * top margin computed from the (wrapped) title and its notes, axis margins grown to their tick labels and
 * titles (plotly automargin), a horizontal legend under the x-axis title instead of over it. Builders attach
 * notes ("one point per run: no curve", "N values outside the colour range, marked ×") with `addNote`;
 * the figure shows them under its title and `figureNotes` hands them to the notebook text.
 */
import type { Figure, Layout, Trace } from "./figure_spec.ts";

/** Widest figure in pixels: what a notebook output area shows without a horizontal scroll bar. */
export const MAX_FIGURE_WIDTH = 900;
/** Approximate width of one character of plotly's default 12 px font, in pixels. */
export const CHAR_PX = 7;
/** Narrowest panel of a grid before its panels wrap into rows. */
export const MIN_PANEL_WIDTH = 200;
const TITLE_CHAR_PX = 10.5, TITLE_LINE_PX = 23, NOTE_LINE_PX = 23;

/** Notes a builder attached to `fig` (layout.meta.notes): facts the figure shows and the text can read. */
export function figureNotes(fig: Figure): string[] {
  const meta = fig.layout.meta as { notes?: string[] } | undefined;
  return meta?.notes ?? [];
}

/** Adds a note (shown under the title by fitFigure, returned by figureNotes); returns the figure. */
export function addNote(fig: Figure, note: string): Figure {
  const meta = (fig.layout.meta ?? {}) as { notes?: string[] };
  fig.layout.meta = { ...meta, notes: [...(meta.notes ?? []), note] };
  return fig;
}

/** Adds a caption line (small, under the title: what the colours or axes mean); returns the figure. */
export function addCaption(fig: Figure, caption: string): Figure {
  const meta = (fig.layout.meta ?? {}) as { captions?: string[] };
  fig.layout.meta = { ...meta, captions: [...(meta.captions ?? []), caption] };
  return fig;
}

/** Text of a plotly title (string or {text}). */
export function titleText(title: unknown): string {
  return typeof title === "string" ? title : (title as { text?: string } | undefined)?.text ?? "";
}

/** Splits `text` at spaces into lines of at most `max` characters (existing `<br>` kept). */
export function wrapText(text: string, max: number): string[] {
  const out: string[] = [];
  for (const part of text.split(/<br\s*\/?>/i)) {
    let line = "";
    for (const word of part.split(" ")) {
      if (line && visibleLength(line) + 1 + visibleLength(word) > max) out.push(line), line = word;
      else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.filter((l, i) => l !== "" || i === 0);
}

/** Length of a label without its HTML tags. */
export function visibleLength(s: string): number {
  return s.replace(/<[^>]*>/g, "").length;
}

/**
 * Values of a panel z[row][col] outside [zmin, zmax] as a scatter trace of × markers on their cells
 * (null when none), drawn on the panel's axes `xaxis`/`yaxis`; x/y are the panel's tick labels if any.
 */
export function outOfRangeMarks(
  z: number[][],
  range: [number, number],
  axes: { xaxis: string; yaxis: string; x?: (number | string)[]; y?: (number | string)[] },
): { trace: Trace; count: number } | null {
  const xs: (number | string)[] = [], ys: (number | string)[] = [], text: string[] = [];
  z.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v < range[0] || v > range[1]) {
        xs.push(axes.x ? axes.x[j] : j), ys.push(axes.y ? axes.y[i] : i), text.push(`${v}`);
      }
    })
  );
  if (xs.length === 0) return null;
  return {
    count: xs.length,
    trace: {
      type: "scatter",
      mode: "markers",
      x: xs,
      y: ys,
      text,
      name: "outside the colour range",
      showlegend: false,
      marker: { symbol: "x-thin", size: 7, line: { width: 2, color: "#d62728" } },
      hovertemplate: "outside the colour range: %{text}<extra></extra>",
      xaxis: axes.xaxis,
      yaxis: axes.yaxis,
    },
  };
}

/** The one-row grid of `layout`, re-flowed into rows so the figure fits MAX_FIGURE_WIDTH (else unchanged). */
function wrapGrid(layout: Layout): void {
  const grid = layout.grid as { rows?: number; columns?: number; ygap?: number } | undefined;
  const width = layout.width as number;
  if (!grid || (grid.rows ?? 1) !== 1 || !grid.columns || grid.columns < 2 || width <= MAX_FIGURE_WIDTH) {
    return;
  }
  // shrink the panels down to MIN_PANEL_WIDTH before wrapping them into rows
  const margins = 160, per = (width - margins) / grid.columns;
  if ((MAX_FIGURE_WIDTH - margins) / grid.columns >= MIN_PANEL_WIDTH) return;
  const columns = Math.max(1, Math.floor((MAX_FIGURE_WIDTH - margins) / Math.min(per, MIN_PANEL_WIDTH)));
  const rows = Math.ceil(grid.columns / columns);
  const height = typeof layout.height === "number" ? layout.height : 500, plotH = Math.max(150, height - 150);
  layout.grid = { ...grid, rows, columns, ygap: 0.35, roworder: "top to bottom" };
  layout.width = Math.round(Math.min(MAX_FIGURE_WIDTH, columns * Math.max(per, MIN_PANEL_WIDTH) + margins));
  layout.height = Math.round(plotH * rows * 1.35 + 150);
}

/**
 * Copy of `fig` with the layout rules applied: width at most MAX_FIGURE_WIDTH (a one-row panel grid whose
 * panels would get narrower than MIN_PANEL_WIDTH wraps into rows first), the title wrapped to the width with the notes under it and the top margin sized to
 * them, automargin on every axis, a horizontal legend moved below the x-axis title (bottom margin grown
 * to hold it). Idempotent.
 */
export function fitFigure(fig: Figure): Figure {
  const layout: Layout = { ...fig.layout };
  if (typeof layout.width !== "number") layout.width = 900;
  if (typeof layout.height !== "number") layout.height = 500;
  wrapGrid(layout);
  if ((layout.width as number) > MAX_FIGURE_WIDTH) layout.width = MAX_FIGURE_WIDTH;
  const width = layout.width as number;
  const margin = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin as Record<string, number> | undefined) };

  const title = titleText(layout.title);
  const meta = layout.meta as { notes?: string[]; captions?: string[]; fitted?: boolean } | undefined;
  if (!meta?.fitted) {
    const lines = title ? wrapText(title, Math.floor((width - 40) / TITLE_CHAR_PX)) : [];
    const small = (t: string) => wrapText(t, Math.floor((width - 40) / 7.5));
    const captions = (meta?.captions ?? []).flatMap(small);
    const notes = (meta?.notes ?? []).flatMap((n) => small(`⚠ ${n}`));
    const text = [
      ...lines,
      ...captions.map((n) => `<span style="font-size:12px;color:#444">${n}</span>`),
      ...notes.map((n) => `<span style="font-size:12px;color:#b22222">${n}</span>`),
    ].join("<br>");
    notes.unshift(...captions);
    const top = 10 + lines.length * TITLE_LINE_PX + notes.length * NOTE_LINE_PX;
    layout.title = {
      ...(typeof layout.title === "object" ? layout.title as object : {}),
      text,
      x: 0.5,
      xanchor: "center",
      yanchor: "bottom", // plotly anchors a multi-line title by its first line: its baseline goes here
      yref: "container",
    };
    // room under the title for the subplot titles that sit above the top row of panels
    const extra = Array.isArray(layout.annotations) &&
        (layout.annotations as { y?: number; yanchor?: string }[]).some((a) => a.yanchor === "bottom")
      ? 24
      : 12;
    const grow = Math.max(0, top + extra - margin.t);
    margin.t += grow;
    layout.height = (layout.height as number) + grow;
    layout.title = { ...(layout.title as object), y: 1 - 28 / (layout.height as number) };
    const legend = layout.legend as Record<string, unknown> | undefined;
    if (legend?.orientation === "h") {
      const names = fig.data.filter((t) => t.showlegend !== false && t.name).map((t) => String(t.name));
      const perRow = Math.max(
        1,
        Math.floor((width - 40) / (Math.max(...names.map((n) => n.length), 4) * 7 + 50)),
      );
      const rows = Math.max(1, Math.ceil(names.length / perRow));
      layout.legend = { ...legend, x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container" };
      const need = 70 + rows * 22;
      if (margin.b < need) layout.height = (layout.height as number) + need - margin.b, margin.b = need;
    }
    layout.meta = { ...meta, fitted: true };
  }
  layout.margin = margin;
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key)) layout[key] = { automargin: true, ...(layout[key] as object) };
  }
  return { data: fig.data, layout };
}

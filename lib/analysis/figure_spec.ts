/**
 * Plotly figure specs ({data, layout}, plain JSON): the types every figure module under lib/analysis/
 * returns, their size, finiteness check, JSON text and one-line description (no display, no files).
 */
/** One plotly trace (scatter, heatmap, scatter3d, bar, ...): plain JSON. */
export type Trace = { type: string; [key: string]: unknown };
/** A plotly layout: plain JSON. */
export type Layout = { [key: string]: unknown };
/** A plotly figure spec, JSON-serialisable: what `Plotly.newPlot(div, data, layout)` takes. */
export type Figure = { data: Trace[]; layout: Layout };

/** Default pixel size of a figure whose layout sets none. */
export const DEFAULT_SIZE = { width: 900, height: 500 };

/** `[width, height]` of a figure in pixels (layout.width/height or the default). */
export function figureSize(fig: Figure): [number, number] {
  const w = fig.layout.width, h = fig.layout.height;
  return [typeof w === "number" ? w : DEFAULT_SIZE.width, typeof h === "number" ? h : DEFAULT_SIZE.height];
}

/**
 * Throws unless every number in the figure's data is finite (NaN/Infinity would draw nothing): returns
 * the figure so callers can chain. `null` entries (plotly gaps) are allowed.
 */
export function checkFinite(fig: Figure, what = "figure"): Figure {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`${what}: non-finite value ${v} at ${path}`);
    } else if (ArrayBuffer.isView(v)) {
      for (const x of v as unknown as Float32Array) if (!Number.isFinite(x)) walk(x, path);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object") { for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`); }
  };
  fig.data.forEach((t, i) => walk(t, `data[${i}]`));
  return fig;
}

/** JSON text of a figure (typed arrays become plain arrays), safe to embed in a <script>. */
export function figureJson(fig: Figure): string {
  const json = JSON.stringify(fig, (_k, v) => ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v);
  return json.replaceAll("<", "\\u003c").replaceAll(">", "\\u003e").replaceAll("&", "\\u0026");
}

/** One-line text summary of a figure (title, traces), the text/plain form of `show`. */
export function describe(fig: Figure): string {
  const title = fig.layout.title;
  const text = typeof title === "string" ? title : (title as { text?: string } | undefined)?.text ?? "figure";
  const kinds = [...new Set(fig.data.map((t) => t.type))].join(", ");
  return `${text} (${fig.data.length} trace${fig.data.length === 1 ? "" : "s"}: ${kinds})`;
}

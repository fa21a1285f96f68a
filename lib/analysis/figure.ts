/**
 * Plotly figure specs ({data, layout}, plain JSON) and their inline display in a Deno notebook. Every
 * figure module under lib/analysis/ returns a `Figure`; lib/analysis/save.ts writes them as HTML/PNG.
 */

/** One plotly trace (scatter, heatmap, scatter3d, bar, ...): plain JSON. */
export type Trace = { type: string; [key: string]: unknown };
/** A plotly layout: plain JSON. */
export type Layout = { [key: string]: unknown };
/** A plotly figure spec, JSON-serialisable: what `Plotly.newPlot(div, data, layout)` takes. */
export type Figure = { data: Trace[]; layout: Layout };

/** Version of plotly.js-dist in deno.json, used for the CDN fallback of inline notebook output. */
export const PLOTLY_VERSION = "3.1.0";

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

/** Plain JS-object copy of a figure (typed arrays → arrays), as the plotly mimetype wants. */
function figurePlain(fig: Figure): Figure {
  return JSON.parse(figureJson(fig));
}

/** One-line text summary of a figure (title, traces), the text/plain form of `show`. */
export function describe(fig: Figure): string {
  const title = fig.layout.title;
  const text = typeof title === "string" ? title : (title as { text?: string } | undefined)?.text ?? "figure";
  const kinds = [...new Set(fig.data.map((t) => t.type))].join(", ");
  return `${text} (${fig.data.length} trace${fig.data.length === 1 ? "" : "s"}: ${kinds})`;
}

let divCounter = 0;

/**
 * HTML fragment that draws the figure: uses window.Plotly when loaded, else fetches plotly.js from the
 * CDN (via require.js in the classic notebook). For notebook output only; saveHtml is self-contained.
 */
export function figureHtmlFragment(fig: Figure): string {
  const id = `lutlab-plot-${Date.now().toString(36)}-${divCounter++}`;
  const [w, h] = figureSize(fig);
  const cdn = `https://cdn.plot.ly/plotly-${PLOTLY_VERSION}.min`;
  return `<div id="${id}" style="width:${w}px;height:${h}px"></div>
<script type="text/javascript">(function () {
  var fig = ${figureJson(fig)};
  function draw(P) { P.newPlot("${id}", fig.data, fig.layout); }
  if (window.Plotly) { draw(window.Plotly); return; }
  if (typeof window.requirejs === "function") {
    window.requirejs.config({ paths: { plotly: "${cdn}" } });
    window.requirejs(["plotly"], function (P) { window.Plotly = P; draw(P); });
    return;
  }
  var s = document.createElement("script");
  s.src = "${cdn}.js";
  s.onload = function () { draw(window.Plotly); };
  document.head.appendChild(s);
})();</script>`;
}

type JupyterDisplay = (bundle: Record<string, unknown>, opts: { raw: boolean }) => Promise<void>;

/**
 * Sends a mime bundle to the notebook output (Deno.jupyter.display); outside Jupyter prints its
 * "text/plain" entry instead.
 */
export async function display(bundle: Record<string, unknown> & { "text/plain": string }): Promise<void> {
  const jupyter = (Deno as unknown as { jupyter?: { display: JupyterDisplay } }).jupyter;
  if (jupyter) await jupyter.display(bundle, { raw: true });
  else console.log(bundle["text/plain"]);
}

/**
 * Displays a figure inline in a Deno notebook (mime "application/vnd.plotly.v1+json", HTML and text
 * fallbacks); outside Jupyter it prints the text summary. Use as `await show(fig)`.
 */
export async function show(fig: Figure): Promise<void> {
  checkFinite(fig, "show");
  await display({
    "application/vnd.plotly.v1+json": figurePlain(fig),
    "text/html": figureHtmlFragment(fig),
    "text/plain": describe(fig),
  });
}

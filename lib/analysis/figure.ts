/**
 * Plotly figure specs ({data, layout}, plain JSON) and their inline display in a Deno notebook. Every
 * figure module under lib/analysis/ returns a `Figure`; lib/analysis/save.ts writes them as HTML/PNG/SVG.
 */
import { plotlyLoaderHtml } from "./plotlyjs.ts";
import { figureNotes, fitFigure } from "./rules.ts";
import { renderPngBase64 } from "./still.ts";

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
/** Whether this process (notebook kernel) already sent plotly.js inline with a figure. */
let plotlyInlined = false;

/**
 * HTML fragment that draws the figure (layout rules applied, fitFigure) once window.Plotly exists, over
 * its static PNG (base64) when one is given: it draws at once when plotly.js is
 * loaded, else queues itself on window.__lutlabPlotly until the inline plotly.js loader
 * (plotlyLoaderHtml, passed as `prelude` to the first figure) has run and drains the queue. No CDN, no
 * require.js.
 */
export function figureHtmlFragment(fig: Figure, prelude = "", pngBase64?: string): string {
  fig = fitFigure(fig);
  const id = `lutlab-plot-${Date.now().toString(36)}-${divCounter++}`;
  const [w, h] = figureSize(fig);
  // the static image shows where scripts do not run (GitHub, nbviewer, an untrusted notebook)
  const still = pngBase64 ? `<img src="data:image/png;base64,${pngBase64}" width="${w}" height="${h}">` : "";
  return `${prelude}<div id="${id}" class="lutlab-plot" style="width:${w}px;height:${h}px">${still}</div>
<script type="text/javascript">(function () {
  var fig = ${figureJson(fig)};
  function draw() {
    var el = document.getElementById("${id}");
    if (!el) return;
    el.innerHTML = "";
    window.Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false });
  }
  if (window.Plotly && window.Plotly.newPlot) draw();
  else (window.__lutlabPlotly = window.__lutlabPlotly || []).push(draw);
})();</script>`;
}

type JupyterDisplay = (bundle: Record<string, unknown>, opts: { raw: boolean }) => Promise<void>;

/**
 * Sends a mime bundle to the notebook output (Deno.jupyter.display); outside Jupyter prints its
 * "text/plain" entry instead.
 */
export async function display(bundle: Record<string, unknown> & { "text/plain": string }): Promise<void> {
  const jupyter = jupyterApi();
  if (jupyter) await jupyter.display(bundle, { raw: true });
  else console.log(bundle["text/plain"]);
}

/** `Deno.jupyter` inside `deno jupyter`; undefined elsewhere (where Deno 2.9's getter throws). */
function jupyterApi(): { display: JupyterDisplay } | undefined {
  try {
    return (Deno as unknown as { jupyter?: { display: JupyterDisplay } }).jupyter;
  } catch {
    return undefined;
  }
}

/**
 * Displays a figure inline in a Deno notebook (mime "application/vnd.plotly.v1+json", HTML, a static
 * "image/png" rendered by headless Chromium when installed, and text); outside Jupyter it prints the text
 * summary. The layout rules (fitFigure) are applied first; notes the figure carries are printed. Use as `await show(fig)`. The first figure of
 * a kernel session carries plotly.js (local npm package) inline, so a notebook run top to bottom holds
 * it once and draws offline in classic Notebook, JupyterLab, VS Code and nbconvert HTML.
 */
export async function show(fig: Figure): Promise<void> {
  checkFinite(fig, "show");
  fig = fitFigure(fig);
  const first = !plotlyInlined;
  const png = jupyterApi() ? await renderPngBase64(fig) : undefined;
  await display({
    "application/vnd.plotly.v1+json": figurePlain(fig),
    "text/html": figureHtmlFragment(fig, first ? await plotlyLoaderHtml() : "", png),
    ...(png ? { "image/png": png } : {}),
    "text/plain": describe(fig),
  });
  plotlyInlined = true;
  for (const note of figureNotes(fig)) console.log(`figure note: ${note}`);
}

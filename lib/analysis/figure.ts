/**
 * Plotly figure specs ({data, layout}, plain JSON) and their inline display in a Deno notebook. Every
 * figure module under lib/analysis/ returns a `Figure`; lib/analysis/save.ts writes them as HTML/PNG/SVG.
 */
import { plotlyLoaderHtml } from "./plotlyjs.ts";
import { checkFinite, describe, type Figure, figureJson, figureSize } from "./figure_spec.ts";
import { figureNotes, fitFigure } from "./rules.ts";
import { renderPngBase64 } from "./still.ts";

export {
  checkFinite,
  DEFAULT_SIZE,
  describe,
  type Figure,
  figureJson,
  figureSize,
  type Layout,
  type Trace,
} from "./figure_spec.ts";

/** Plain JS-object copy of a figure (typed arrays → arrays), as the plotly mimetype wants. */
function figurePlain(fig: Figure): Figure {
  return JSON.parse(figureJson(fig));
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

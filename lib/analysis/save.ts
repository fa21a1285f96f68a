/**
 * Writing figures: standalone HTML embedding plotly.js-dist (offline, opens in any browser), PNG
 * screenshots of that HTML and plotly's SVG export, both through headless Chromium when it is installed
 * (Debian `chromium`).
 */
import { basename, dirname, join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import { type Figure, figureJson, figureSize } from "./figure_spec.ts";
import { plotlyJs, plotlyJsPath, plotlyScriptTag } from "./plotlyjs.ts";
import { fitFigure } from "./rules.ts";

/** Where saveHtml takes plotly.js from: inlined in the page, or a shared `plotly.js` beside it. */
export type PlotlyMode = "embed" | "sibling";

/**
 * Complete HTML page drawing `fig`, with plotly.js inlined or loaded from `./plotly.js`; `still` hides the
 * mode bar (for screenshots; staticPlot would leave WebGL 3D scenes blank).
 */
export function figureHtml(fig: Figure, plotly: PlotlyMode = "embed", still = false): string {
  fig = fitFigure(fig);
  const [w, h] = figureSize(fig);
  const title = typeof fig.layout.title === "string"
    ? fig.layout.title
    : (fig.layout.title as { text?: string } | undefined)?.text ?? "lutlab figure";
  const lib = plotly === "embed"
    ? plotlyScriptTag()
    : `<script type="text/javascript" src="plotly.js"></script>`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{margin:0;background:#fff}</style>
${lib}
</head><body>
<div id="plot" style="width:${w}px;height:${h}px"></div>
<script type="text/javascript">
var fig = ${figureJson(fig)};
Plotly.newPlot("plot", fig.data, fig.layout, ${
    JSON.stringify({ displayModeBar: !still, displaylogo: false })
  }).then(function () {
  document.body.setAttribute("data-rendered", "1");
});
</script>
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Writes `fig` as an HTML page to `path` (atomic). "embed" (default) inlines plotly.js (~11 MB,
 * works offline anywhere); "sibling" references `plotly.js` in the same folder and writes it there once.
 */
export async function saveHtml(fig: Figure, path: string, opts: { plotly?: PlotlyMode } = {}): Promise<void> {
  const mode = opts.plotly ?? "embed";
  if (mode === "sibling") {
    const lib = join(dirname(path), "plotly.js");
    const size = await Deno.stat(lib).then((s) => s.size, () => -1);
    if (size !== Deno.statSync(plotlyJsPath()).size) await writeFileAtomic(lib, plotlyJs());
  }
  await writeFileAtomic(path, figureHtml(fig, mode));
}

/** Path of a headless-capable Chromium/Chrome (env LUTLAB_CHROMIUM, then PATH), or undefined. */
export function findChromium(): string | undefined {
  const env = Deno.env.get("LUTLAB_CHROMIUM");
  const names = env ? [env] : ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  for (const name of names) {
    const candidates = name.includes("/")
      ? [name]
      : (Deno.env.get("PATH") ?? "").split(":").filter((d) => d).map((d) => join(d, name));
    for (const c of candidates) {
      try {
        if (Deno.statSync(c).isFile) return c;
      } catch {
        // not there
      }
    }
  }
  return undefined;
}

/** Chromium flags for a headless, offline, throw-away run (software WebGL for scatter3d). */
export function chromiumFlags(profile: string, width: number, height: number): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    `--window-size=${width},${height}`,
    "--virtual-time-budget=20000",
  ];
}

/**
 * Opens the HTML page `html` in headless Chromium with `args` added (e.g. `--screenshot=out.png` or
 * `--dump-dom`) in a temporary profile; returns stdout. Throws naming `what` when Chromium is missing
 * or fails.
 */
export async function runChromium(
  html: string,
  args: string[],
  size: [number, number],
  what: string,
): Promise<string> {
  const chromium = findChromium();
  if (!chromium) {
    throw new Error(`${what}: no chromium found (apt-get install chromium, or set LUTLAB_CHROMIUM)`);
  }
  const profile = await Deno.makeTempDir({ prefix: "lutlab-chromium-" });
  try {
    const out = await new Deno.Command(chromium, {
      args: [...chromiumFlags(profile, ...size), ...args, `file://${html}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
      throw new Error(`${what}: chromium failed (exit ${out.code}): ${err}`);
    }
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * Renders `fig` to a PNG at `path` with headless Chromium (screenshot of the standalone HTML, atomic
 * rename). Returns false and prints why when Chromium is not installed; throws when it fails.
 */
export async function savePng(fig: Figure, path: string): Promise<boolean> {
  if (!findChromium()) {
    console.log(
      `savePng: no chromium found (apt-get install chromium, or set LUTLAB_CHROMIUM); skipped ${path}`,
    );
    return false;
  }
  const dir = await Deno.makeTempDir({ prefix: "lutlab-png-" });
  try {
    const html = join(dir, "figure.html"), png = join(dir, "figure.png");
    await Deno.writeTextFile(html, figureHtml(fig, "embed", true));
    await runChromium(html, [`--screenshot=${png}`], figureSize(fitFigure(fig)), `savePng ${basename(path)}`);
    const size = await Deno.stat(png).then((s) => s.size, () => 0);
    if (size === 0) throw new Error(`savePng ${basename(path)}: chromium wrote no screenshot`);
    await writeFileAtomic(path, await Deno.readFile(png));
    return true;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Page that draws `fig`, exports it with Plotly.toImage as SVG and puts the SVG, base64, in #lutlab-svg. */
function svgExportHtml(fig: Figure): string {
  const [w, h] = figureSize(fitFigure(fig));
  return figureHtml(fig, "embed", true).replace(
    `document.body.setAttribute("data-rendered", "1");`,
    `return Plotly.toImage("plot", { format: "svg", width: ${w}, height: ${h} });
}).then(function (url) {
  var svg = decodeURIComponent(url.slice(url.indexOf(",") + 1));
  var pre = document.createElement("pre");
  pre.id = "lutlab-svg";
  pre.textContent = btoa(unescape(encodeURIComponent(svg)));
  document.body.appendChild(pre);`,
  );
}

/**
 * Writes `fig` as SVG to `path` (atomic): plotly's own SVG export run in headless Chromium (WebGL
 * scenes become embedded raster images). Returns false when Chromium is not installed; throws on failure.
 */
export async function saveSvg(fig: Figure, path: string): Promise<boolean> {
  if (!findChromium()) {
    console.log(
      `saveSvg: no chromium found (apt-get install chromium, or set LUTLAB_CHROMIUM); skipped ${path}`,
    );
    return false;
  }
  const dir = await Deno.makeTempDir({ prefix: "lutlab-svg-" });
  try {
    const html = join(dir, "figure.html");
    await Deno.writeTextFile(html, svgExportHtml(fig));
    const dom = await runChromium(
      html,
      ["--dump-dom"],
      figureSize(fitFigure(fig)),
      `saveSvg ${basename(path)}`,
    );
    const m = dom.match(/<pre id="lutlab-svg">([A-Za-z0-9+/=]+)<\/pre>/);
    if (!m) throw new Error(`saveSvg ${basename(path)}: the page produced no SVG (plotly failed to draw)`);
    const svg = new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)));
    if (!svg.startsWith("<svg")) throw new Error(`saveSvg ${basename(path)}: export is not an SVG`);
    await writeFileAtomic(path, svg);
    return true;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

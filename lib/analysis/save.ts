/**
 * Writing figures: standalone HTML embedding plotly.js-dist (offline, opens in any browser) and PNG
 * screenshots of that HTML through headless Chromium when it is installed (Debian `chromium`).
 */
import { basename, dirname, fromFileUrl, join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import { type Figure, figureJson, figureSize } from "./figure.ts";

let plotlySource: string | undefined;

/** Path of plotly.js from the npm package plotly.js-dist (deno.json import map). */
export function plotlyJsPath(): string {
  const url = import.meta.resolve("plotly.js-dist");
  if (!url.startsWith("file:")) {
    throw new Error(`plotly.js-dist resolved to ${url}; deno.json needs "nodeModulesDir": "auto"`);
  }
  const path = fromFileUrl(url);
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`plotly.js-dist is not installed at ${path}: run \`deno install\` in the repository`);
  }
  return path;
}

/** The plotly.js bundle text (read once). */
function plotlyJs(): string {
  plotlySource ??= Deno.readTextFileSync(plotlyJsPath());
  return plotlySource;
}

/** Where saveHtml takes plotly.js from: inlined in the page, or a shared `plotly.js` beside it. */
export type PlotlyMode = "embed" | "sibling";

/**
 * Complete HTML page drawing `fig`, with plotly.js inlined or loaded from `./plotly.js`; `still` hides the
 * mode bar (for screenshots; staticPlot would leave WebGL 3D scenes blank).
 */
export function figureHtml(fig: Figure, plotly: PlotlyMode = "embed", still = false): string {
  const [w, h] = figureSize(fig);
  const title = typeof fig.layout.title === "string"
    ? fig.layout.title
    : (fig.layout.title as { text?: string } | undefined)?.text ?? "lutlab figure";
  const lib = plotly === "embed"
    ? `<script type="text/javascript">${plotlyJs().replaceAll("</script", "<\\/script")}</script>`
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

/**
 * Renders `fig` to a PNG at `path` with headless Chromium (screenshot of the standalone HTML, atomic
 * rename). Returns false and prints why when Chromium is not installed; throws when it fails.
 */
export async function savePng(fig: Figure, path: string): Promise<boolean> {
  const chromium = findChromium();
  if (!chromium) {
    console.log(
      `savePng: no chromium found (apt-get install chromium, or set LUTLAB_CHROMIUM); skipped ${path}`,
    );
    return false;
  }
  const dir = await Deno.makeTempDir({ prefix: "lutlab-png-" });
  try {
    const html = join(dir, "figure.html"), png = join(dir, "figure.png");
    await Deno.writeTextFile(html, figureHtml(fig, "embed", true));
    const [w, h] = figureSize(fig);
    const out = await new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader", // software WebGL for scatter3d
        "--hide-scrollbars",
        "--no-first-run",
        `--user-data-dir=${join(dir, "profile")}`,
        `--window-size=${w},${h}`,
        "--virtual-time-budget=15000",
        `--screenshot=${png}`,
        `file://${html}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const size = await Deno.stat(png).then((s) => s.size, () => 0);
    if (!out.success || size === 0) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
      throw new Error(`savePng ${basename(path)}: chromium failed (exit ${out.code}): ${err}`);
    }
    await writeFileAtomic(path, await Deno.readFile(png));
    return true;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

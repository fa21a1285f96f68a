/**
 * The plotly.js bundle of the local npm package plotly.js-dist (deno.json import map), read once: what
 * standalone pages (save.ts) and inline notebook output (figure.ts) embed. Never fetched from a CDN.
 */
import { fromFileUrl } from "@std/path";

let source: string | undefined;

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
export function plotlyJs(): string {
  source ??= Deno.readTextFileSync(plotlyJsPath());
  return source;
}

/**
 * `<script>` element holding plotly.js inline. The bundle runs in a scope where `module`, `exports` and
 * `define` are undefined, so it always sets window.Plotly (never a CommonJS/AMD export, e.g. require.js
 * in the classic Notebook).
 */
export function plotlyScriptTag(): string {
  const body = plotlyJs().replaceAll("</script", "<\\/script");
  return `<script type="text/javascript">(function (module, exports, define) {\n${body}\n})();</script>`;
}

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

let loader: Promise<string> | undefined;

/** Base64 text of the gzip-compressed plotly.js bundle (computed once per process). */
async function gzipBase64(): Promise<string> {
  const stream = new Blob([plotlyJs()]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Marker in the loader, so tests can count how often a page carries plotly.js. */
export const PLOTLY_LOADER_MARK = "lutlab: plotly.js (gzip, base64)";

/**
 * `<script>` that loads plotly.js inline for notebook output: the bundle gzip-compressed and base64
 * encoded (about 2.6 MB instead of 11 MB: the Deno kernel can corrupt iopub messages of ~10 MB),
 * decompressed in the browser (DecompressionStream) and run as an inline script (no eval, no blob: or
 * CDN URL), with module/exports/define hidden as in plotlyScriptTag. When plotly.js is ready it runs
 * the draw callbacks queued on window.__lutlabPlotly and makes later pushes draw at once.
 */
export function plotlyLoaderHtml(): Promise<string> {
  loader ??= gzipBase64().then((b64) =>
    `<script type="text/javascript">/* ${PLOTLY_LOADER_MARK} */ (function () {
  function ready() {
    var q = window.__lutlabPlotly || [];
    window.__lutlabPlotly = { push: function (f) { f(); } };
    for (var i = 0; i < q.length; ++i) q[i]();
  }
  if (window.Plotly && window.Plotly.newPlot) { ready(); return; }
  var bin = atob("${b64}");
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; ++i) bytes[i] = bin.charCodeAt(i);
  var text = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(text).text().then(function (src) {
    var s = document.createElement("script");
    s.text = "(function (module, exports, define) {\\n" + src + "\\n})();";
    document.head.appendChild(s);
    ready();
  });
})();</script>
`
  );
  return loader;
}

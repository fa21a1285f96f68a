/**
 * Notebook test helpers: writing a Deno-kernel notebook of code cells, converting one to HTML (nbconvert),
 * and browser checks of figure HTML: a checker script that reports, for every plotly graph on a page, how
 * many traces plotly holds and how many it drew (SVG trace groups, heatmap images, WebGL canvases), and
 * a runner that loads a page in headless Chromium (--dump-dom) and returns those reports.
 */
import { assert } from "@std/assert";
import { join } from "@std/path";
import { runChromium } from "../lib/analysis/save.ts";

/** What the checker reports for one graph div. */
export type PlotReport = {
  id: string;
  svg: number;
  traces: number;
  drawn2d: number;
  gl: number;
  marks: number;
  expected2d: number;
  expectedGl: number;
};

/**
 * Script (HTML) that, 4 s (virtual time) after load, writes a JSON array of PlotReport for every
 * `.lutlab-plot` / `#plot` div into `<pre id="lutlab-check">`.
 */
export const CHECK_SCRIPT = `<script type="text/javascript">
window.addEventListener("load", function () {
  setTimeout(function () {
    var out = [];
    document.querySelectorAll(".lutlab-plot, #plot").forEach(function (gd) {
      var full = (gd._fullData || []).filter(function (t) { return t.visible === true; });
      var gl = full.filter(function (t) { return /3d|gl/.test(t.type); }).length;
      var marks = 0;
      gd.querySelectorAll(".cartesianlayer path.js-line, .cartesianlayer path.point, .barlayer path").forEach(
        function (p) { if ((p.getAttribute("d") || "").length > 4) marks++; });
      gd.querySelectorAll(".heatmaplayer image, .imagelayer image").forEach(function (im) {
        if ((im.getAttribute("href") || im.getAttribute("xlink:href") || "").length > 100) marks++; });
      out.push({
        id: gd.id,
        svg: gd.querySelectorAll(".main-svg").length,
        traces: full.length,
        drawn2d: gd.querySelectorAll(".cartesianlayer .trace, .heatmaplayer .hm, .barlayer .trace, .imagelayer .im")
          .length,
        gl: gd.querySelectorAll(".gl-container canvas").length,
        marks: marks,
        expected2d: full.length - gl,
        expectedGl: gl,
      });
    });
    var pre = document.createElement("pre");
    pre.id = "lutlab-check";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 4000);
});
</script>`;

/** Loads `htmlPath` (which must include CHECK_SCRIPT) in headless Chromium; the checker's reports. */
export async function checkPage(
  htmlPath: string,
  size: [number, number] = [1400, 1000],
): Promise<PlotReport[]> {
  const dom = await runChromium(htmlPath, ["--dump-dom"], size, `check ${htmlPath}`);
  const m = dom.match(/<pre id="lutlab-check">([^<]*)<\/pre>/);
  if (!m) throw new Error(`${htmlPath}: the checker did not run (page failed to load?)`);
  return JSON.parse(
    m[1].replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&"),
  );
}

/** Problems of one report: empty when the graph drew every trace it holds. */
export function plotProblems(r: PlotReport): string[] {
  const bad: string[] = [];
  if (r.svg < 1) bad.push("no .main-svg (plotly never drew)");
  if (r.traces < 1) bad.push("no traces");
  if (r.drawn2d < r.expected2d) bad.push(`${r.drawn2d} of ${r.expected2d} 2-D traces drawn`);
  if (r.expected2d > 0 && r.marks < 1) bad.push("2-D traces drew no lines, points, bars or images");
  if (r.expectedGl > 0 && r.gl < 1) bad.push("no WebGL canvas for the 3-D traces");
  return bad;
}

/** Writes a notebook of the given code cells (Deno kernel) into `dir`. */
export function writeNotebook(
  dir: string,
  name: string,
  cells: { source: string; tags?: string[] }[],
): string {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    cells: cells.map((c, i) => ({
      cell_type: "code",
      id: `t${i}`,
      metadata: c.tags ? { tags: c.tags } : {},
      source: c.source,
      outputs: [],
      execution_count: null,
    })),
  };
  const path = join(dir, `${name}.ipynb`);
  Deno.writeTextFileSync(path, JSON.stringify(nb));
  return path;
}

/** `jupyter nbconvert --to html` of `ipynb` into `dir`, with `script` appended to the body; the HTML path. */
export async function nbconvertWith(ipynb: string, dir: string, script: string): Promise<string> {
  const out = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", dir, ipynb],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, `nbconvert ${ipynb}: ${new TextDecoder().decode(out.stderr)}`);
  const html = join(dir, ipynb.split("/").at(-1)!.replace(/\.ipynb$/, ".html"));
  const text = await Deno.readTextFile(html);
  await Deno.writeTextFile(html, text.replace(/<\/body>(?![\s\S]*<\/body>)/, `${script}</body>`));
  return html;
}

/**
 * Figures drawn in a real browser (headless Debian `chromium`, offline): every figure builder's inline
 * notebook HTML, the standalone PNG and SVG exports, and notebooks converted with `jupyter nbconvert --to
 * html` (a freshly executed one, and every committed notebook) must draw a non-blank plot per figure.
 * Chromium is required (CI installs it); the notebook tests also need Jupyter and the Deno kernel.
 */
import { assert, assertEquals, assertGreater } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";
import { figureHtmlFragment, figureSize } from "../lib/analysis/figure.ts";
import { fitFigure } from "../lib/analysis/rules.ts";
import { PLOTLY_LOADER_MARK, plotlyLoaderHtml } from "../lib/analysis/plotlyjs.ts";
import { findChromium, savePng, saveSvg } from "../lib/analysis/save.ts";
import { decodeImage } from "../lib/image/io.ts";
import { DRIVER, jupyterProblem, PYTHON, selectNotebooks } from "../lib/cli/notebooks.ts";
import {
  CHECK_SCRIPT,
  checkPage,
  nbconvertWith,
  plotProblems,
  type PlotReport,
  writeNotebook,
} from "./nb_util.ts";
import { sampleFigures } from "./nb_sample_figures.ts";

const repo = join(dirname(fromFileUrl(import.meta.url)), "..");
const notebooksDir = join(repo, "notebooks");
const jupyter = await jupyterProblem();
if (jupyter) console.log(`nb_browser: notebook tests skipped: ${jupyter}`);
/** Counts how often plotly.js is inlined in a notebook page. */
const PLOTLY_BANNER = PLOTLY_LOADER_MARK;

function assertAllDrawn(reports: PlotReport[], names: string[], where: string): void {
  assertEquals(
    reports.length,
    names.length,
    `${where}: ${reports.length} graphs for ${names.length} figures`,
  );
  const bad = reports.flatMap((r, i) => plotProblems(r).map((p) => `${names[i]}: ${p}`));
  assertEquals(bad, [], `${where}: blank figures`);
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

Deno.test("chromium is installed (apt-get install chromium; CI's .ci/run does)", () => {
  assert(findChromium(), "no chromium on PATH and LUTLAB_CHROMIUM unset");
});

Deno.test("inline notebook HTML: every figure builder draws, plotly.js inlined once, no CDN/require.js", async () => {
  const figs = sampleFigures();
  // plotly.js arrives with the third figure: the first two must wait for it. AMD/CommonJS globals as in
  // the classic Notebook must not capture plotly.js.
  const loader = await plotlyLoaderHtml();
  const frags = figs.map((f, i) => figureHtmlFragment(f.fig, i === 2 ? loader : ""));
  const page = `<!DOCTYPE html><html><head><meta charset="utf-8">
<script>window.define = function () { throw new Error("anonymous define()"); }; window.define.amd = {};
window.module = { exports: {} }; window.exports = window.module.exports;</script></head><body>
${frags.join("\n")}${CHECK_SCRIPT}</body></html>`;
  assertEquals(count(page, PLOTLY_BANNER), 1);
  const own = frags.filter((_, i) => i !== 2).join("");
  assert(!/https?:|requirejs|require\(/.test(own), "a figure fragment refers to a URL or require.js");
  const dir = await Deno.makeTempDir({ prefix: "nb_browser_" });
  try {
    const path = join(dir, "inline.html");
    await Deno.writeTextFile(path, page);
    assertAllDrawn(await checkPage(path), figs.map((f) => f.name), "inline page");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("savePng draws the plot (non-background pixels inside the plot area); saveSvg writes plotly's SVG", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nb_png_" });
  try {
    const fig = sampleFigures().find((f) => f.name === "strong")!.fig;
    const path = join(dir, "strong.png");
    assert(await savePng(fig, path), "savePng skipped: chromium missing");
    const png = await Deno.readFile(path);
    const img = await decodeImage(png, path, { channels: 3 });
    const [fw, fh] = figureSize(fitFigure(fig));
    assertEquals([img.width, img.height], [fw, fh]);
    // inside the first panel (left third, below the title): coloured (non-grey) line pixels
    const { width: w, height: h, data } = img, plane = w * h;
    let coloured = 0;
    for (let y = Math.round(h * 0.3); y < Math.round(h * 0.8); ++y) {
      for (let x = Math.round(w * 0.08); x < Math.round(w * 0.3); ++x) {
        const r = data[y * w + x], g = data[plane + y * w + x], b = data[2 * plane + y * w + x];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 0.2) coloured++;
      }
    }
    assertGreater(coloured, 200, `only ${coloured} coloured pixels in the plot area: blank plot`);

    const svgPath = join(dir, "strong.svg");
    assert(await saveSvg(fig, svgPath));
    const svg = await Deno.readTextFile(svgPath);
    assert(svg.startsWith("<svg") && svg.includes(`width="${fw}"`), svg.slice(0, 200));
    assertGreater(count(svg, 'class="js-line"'), 11, "SVG lacks the 12 line traces");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `jupyter nbconvert --to html` of `ipynb` into `dir`, with the checker appended; the HTML path. */
function nbconvertHtml(ipynb: string, dir: string): Promise<string> {
  return nbconvertWith(ipynb, dir, CHECK_SCRIPT);
}

type NbOutput = { output_type: string; data?: Record<string, unknown> };
type NbCell = { cell_type: string; outputs?: NbOutput[] };

/** Number of plotly figures among a notebook's outputs. */
function plotlyOutputs(ipynb: string): number {
  const nb = JSON.parse(Deno.readTextFileSync(ipynb));
  return (nb.cells as NbCell[]).flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined).length;
}

Deno.test({
  name: "an executed notebook converted by nbconvert --to html draws every figure (plotly.js once)",
  ignore: jupyter !== undefined,
  async fn() {
    // inside the repository, so the kernel (cwd = the notebook's folder) finds deno.json's import map
    await Deno.mkdir(join(repo, "out"), { recursive: true });
    const dir = await Deno.makeTempDir({ dir: join(repo, "out"), prefix: "nb_browser_nb_" });
    try {
      const imp = (m: string) => `import { ${m} } from "${join(repo, "lib", "analysis", "curves.ts")}";`;
      const show = `import { show } from "${join(repo, "lib", "analysis", "figure.ts")}";`;
      const cells = [
        `${imp("lineFigure")}\n${show}\nawait show(lineFigure([{ name: "a", x: [1, 2, 3], y: [3, 1, 2] }]));`,
        `1 + 1`,
        `await show(lineFigure([{ name: "b", x: [1, 2], y: [5, 6] }], { logX: true }));`,
      ];
      const src = writeNotebook(dir, "figs", cells.map((source) => ({ source })));
      const run = await new Deno.Command(PYTHON, { args: [DRIVER, "--out", join(dir, "out"), src] }).output();
      assert(run.success, new TextDecoder().decode(run.stderr));
      const executed = join(dir, "out", "figs.ipynb");
      assertEquals(plotlyOutputs(executed), 2);
      const html = await nbconvertHtml(executed, join(dir, "html"));
      assertEquals(count(await Deno.readTextFile(html), PLOTLY_BANNER), 1, "plotly.js inlined once");
      assertAllDrawn(await checkPage(html), ["cell 1", "cell 3"], "nbconvert HTML");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "every committed notebook, converted by nbconvert --to html, draws every figure it holds",
  ignore: jupyter !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "nb_browser_all_" });
    try {
      for (const ipynb of selectNotebooks([], notebooksDir)) {
        const n = plotlyOutputs(ipynb);
        assertGreater(n, 0, `${ipynb}: no figure outputs (run deno task notebooks --write)`);
        const html = await nbconvertHtml(ipynb, dir);
        const names = Array.from({ length: n }, (_, i) => `${ipynb.split("/").at(-1)} figure ${i + 1}`);
        assertAllDrawn(await checkPage(html), names, ipynb);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

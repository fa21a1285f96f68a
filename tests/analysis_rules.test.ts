/**
 * The figure rules of lib/analysis/rules.ts and the builders that apply them: colour range per panel
 * unless a shared one is asked for, values outside a given range marked and noted, nothing wider than
 * MAX_FIGURE_WIDTH (one-row grids wrap), title margins from the text, curves with fewer than two points
 * and before/after without a difference noted, the horizontal legend kept off the axis title; the static
 * PNG that notebook output carries. Chromium-drawn checks of every builder's sample figure: no clipped or
 * overlapping text, every trace with data.
 */
import { assert, assertEquals, assertGreater, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { samplerWeightsFigure } from "../lib/analysis/autosample.ts";
import { weakCorrelationFigure } from "../lib/analysis/clut.ts";
import { lineFigure, trainingCurvesFigure } from "../lib/analysis/curves.ts";
import { type Figure, figureHtmlFragment } from "../lib/analysis/figure.ts";
import { heatmapsFigure } from "../lib/analysis/heatmap.ts";
import { plotlyJsPath } from "../lib/analysis/plotlyjs.ts";
import { figureNotes, fitFigure, MAX_FIGURE_WIDTH, titleText, wrapText } from "../lib/analysis/rules.ts";
import { findChromium } from "../lib/analysis/save.ts";
import { renderPngBase64 } from "../lib/analysis/still.ts";
import { storageFigure } from "../lib/analysis/tradeoff.ts";
import { makeLut, sampleFigures } from "./nb_sample_figures.ts";
import { RENDER_CHECK_SCRIPT, renderProblems, renderReport } from "./nb_render_util.ts";

const ranges = (fig: Figure) =>
  fig.data.filter((t) => t.type === "heatmap").map((t) => [t.zmin, t.zmax] as [number, number]);

Deno.test("heatmaps: a colour range and colour bar per panel unless a shared range is asked for", () => {
  const panels = [
    { title: "table", z: [[-90, 10], [27.9, 0]] },
    { title: "|difference|", z: [[0, 4.5], [1, 2]] },
    { title: "band", z: [[0, 1], [1, 0]] },
  ];
  const own = heatmapsFigure(panels);
  assertEquals(ranges(own), [[-90, 27.9], [0, 4.5], [0, 1]]);
  assert(own.data.every((t) => t.showscale === true), "each panel needs its own colour bar");
  const shared = heatmapsFigure(panels, { shared: true });
  assertEquals(ranges(shared), [[-90, 27.9], [-90, 27.9], [-90, 27.9]]);
  assertEquals(shared.data.filter((t) => t.showscale).length, 1);
  assertEquals(figureNotes(own), []);
  // a constant panel still gets a non-empty range
  assertEquals(ranges(heatmapsFigure([{ title: "flat", z: [[3, 3]] }])), [[2.5, 3.5]]);
});

Deno.test("heatmaps: values outside a given range are marked × on their cells and noted, not clipped silently", () => {
  const fig = heatmapsFigure([{ title: "a", z: [[-0.15, 0.5], [1.23, 1]] }, { title: "b", z: [[0, 2]] }], {
    zmin: 0,
    zmax: 1,
  });
  const marks = fig.data.filter((t) => t.type === "scatter");
  assertEquals(marks.map((t) => [t.x, t.y, t.xaxis]), [[[0, 0], [0, 1], "x"], [[1], [0], "x2"]]);
  assertEquals(figureNotes(fig), ["3 values outside the colour range [0, 1], marked ×"]);
  assertStringIncludes(titleText(fitFigure(fig).layout.title), "3 values outside the colour range");
});

Deno.test("weak correlation: each slice's colour range covers its data (no fixed 0-1 clipping)", () => {
  const D = 5;
  const lut = makeLut(D, (c, r, g, b) => [r, g, b][c] * 1.3 - 0.15 + 0.05 * g * b);
  const fig = weakCorrelationFigure(lut, D, { channel: 0 });
  for (const t of fig.data) {
    const z = (t.z as number[][]).flat();
    assert(t.zmin as number <= Math.min(...z) && t.zmax as number >= Math.max(...z), `${t.name} clipped`);
  }
  const last = fig.data.at(-1)!;
  assertGreater(last.zmax as number, 1, "the r = 1 slice reaches above 1 and must show it");
});

Deno.test("no figure wider than MAX_FIGURE_WIDTH: one-row grids wrap into rows, the rest shrink", () => {
  for (const { name, fig } of sampleFigures()) {
    const w = fitFigure(fig).layout.width as number;
    assert(w <= MAX_FIGURE_WIDTH, `${name}: ${w} px wide`);
  }
  const wide: Figure = {
    data: Array.from(
      { length: 6 },
      (_, k) => ({ type: "scatter", x: [0, 1], y: [1, k], xaxis: `x${k || ""}` }),
    ),
    layout: { width: 1800, height: 400, grid: { rows: 1, columns: 6, pattern: "independent" } },
  };
  const fitted = fitFigure(wide).layout;
  const grid = fitted.grid as { rows: number; columns: number };
  assert(grid.rows > 1 && grid.rows * grid.columns >= 6, JSON.stringify(grid));
  assert((fitted.width as number) <= MAX_FIGURE_WIDTH && (fitted.height as number) > 400);
  assertEquals(fitFigure(fitFigure(wide)), fitFigure(wide), "fitFigure must be idempotent");
});

Deno.test("title and notes wrap to the width; the top margin grows with their lines", () => {
  assertEquals(wrapText("aa bb cc dd", 5), ["aa bb", "cc dd"]);
  assertEquals(wrapText("x<br>y", 10), ["x", "y"]);
  const title = "A long title ".repeat(12).trim();
  const one =
    fitFigure({ data: [], layout: { title: { text: "short" }, width: 600, margin: { t: 40 } } }).layout;
  const many =
    fitFigure({ data: [], layout: { title: { text: title }, width: 600, margin: { t: 40 } } }).layout;
  assertGreater(titleText(many.title).split("<br>").length, 2);
  assertGreater((many.margin as { t: number }).t, (one.margin as { t: number }).t);
  for (const line of titleText(many.title).split("<br>")) assert(line.length * 10.5 <= 560, line);
});

Deno.test("a curve needs two points: one-point series are noted, and the text can read the note", () => {
  const one = trainingCurvesFigure([
    { name: "a", records: [{ step: 24, loss: 1.3e-3 }] },
    { name: "b", records: [{ step: 24, loss: 1.4e-3 }] },
  ], { keys: ["loss"] });
  assertEquals(figureNotes(one), ["every series: fewer than 2 points, no curve (one logged value)"]);
  const mixed = lineFigure([{ name: "ok", x: [1, 2], y: [1, 2] }, { name: "dot", x: [1], y: [1] }]);
  assertEquals(figureNotes(mixed), ["dot: fewer than 2 points, no curve (one logged value)"]);
  assertEquals(figureNotes(lineFigure([{ name: "ok", x: [1, 2], y: [1, 2] }])), []);
  const hidden = lineFigure([{ name: "a", x: [1, 2, 3], y: [1, 3, 2] }, {
    name: "b",
    x: [1, 2, 3],
    y: [1, 3, 2.0001],
  }]);
  assertStringIncludes(figureNotes(hidden)[0], '"a" and "b" coincide');
  assertEquals(
    figureNotes(lineFigure([{ name: "a", x: [1, 2], y: [1, 3] }, { name: "b", x: [1, 2], y: [1, 2] }])),
    [],
  );
});

Deno.test("a before/after needs a difference: equal fine-tuned points and unchanged samplers are noted", () => {
  const base = { method: "SR-LUT-S", bytes: 130_000, dfc: { samplingInterval: 5, diagonalWidth: 2 } };
  const same = storageFigure([
    { ...base, variant: "DFC si=5", psnr: 29.7 },
    { ...base, variant: "DFC si=5", psnr: 29.7, finetuned: true },
  ]);
  assertEquals(figureNotes(same), [
    "1 of 1 fine-tuned points equal their points before fine-tuning (no difference)",
  ]);
  const moved = storageFigure([
    { ...base, variant: "DFC si=5", psnr: 29.7 },
    { ...base, variant: "DFC si=5", psnr: 29.8, finetuned: true },
  ]);
  assertEquals(figureNotes(moved), []);
  // a point equal to its untuned one is not labelled twice
  const texts = (f: Figure) =>
    ((f.layout.annotations ?? []) as { text?: string }[]).filter((a) => a.text === "si=5");
  assertEquals([texts(same).length, texts(moved).length], [1, 2]);
  const w = Array.from({ length: 36 }, (_, i) => (i % 9) / 36);
  const still = samplerWeightsFigure(
    [{ name: "initial", size: 3, weights: w }, { name: "after", size: 3, weights: w.map((v) => v + 0.001) }],
    { beforeAfter: true },
  );
  assertStringIncludes(figureNotes(still)[0], "no visible difference");
  // the third row draws the change in its own symmetric range
  const diff = still.data.filter((t) => t.colorscale === "RdBu");
  assertEquals(diff.length, 4);
  assertEquals([diff[0].zmin, diff[0].zmax].map((v) => +(v as number).toFixed(6)), [-0.001, 0.001]);
  const trained = samplerWeightsFigure(
    [{ name: "initial", size: 3, weights: w }, {
      name: "after",
      size: 3,
      weights: w.map((v, i) => i ? v : 0.5),
    }],
    { beforeAfter: true },
  );
  assert(!figureNotes(trained)[0].includes("no visible difference"), figureNotes(trained)[0]);
});

Deno.test("a horizontal legend goes under the x-axis title, with the bottom margin to hold it", () => {
  const fig = trainingCurvesFigure([{ name: "a", records: [{ step: 1, psnr: 1 }, { step: 2, psnr: 2 }] }, {
    name: "b",
    records: [{ step: 1, psnr: 2 }, { step: 2, psnr: 3 }],
  }]);
  const layout = fitFigure(fig).layout;
  const legend = layout.legend as Record<string, unknown>;
  assertEquals([legend.yref, legend.y, legend.yanchor], ["container", 0, "bottom"]);
  assertGreater((layout.margin as { b: number }).b, 70);
});

Deno.test({
  name: "static image: show's PNG is a real screenshot at the fitted size, under the interactive HTML",
  ignore: !findChromium(),
  async fn() {
    const fig = lineFigure([{ name: "a", x: [1, 2, 3], y: [3, 1, 2] }], { title: "png" });
    const b64 = await renderPngBase64(fig);
    if (!b64) throw new Error("no PNG although chromium is installed");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    assertEquals([...bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(""), "PNG");
    const view = new DataView(bytes.buffer);
    const [w, h] = [view.getUint32(16), view.getUint32(20)];
    const fitted = fitFigure(fig).layout;
    assertEquals([w, h], [fitted.width, fitted.height]);
    assertStringIncludes(
      figureHtmlFragment(fig, "", b64),
      `<img src="data:image/png;base64,${b64.slice(0, 20)}`,
    );
  },
});

Deno.test({
  name:
    "every builder's sample figure renders in Chromium without clipped or overlapping text, all traces with data",
  ignore: !findChromium(),
  async fn() {
    const figs = sampleFigures();
    const dir = await Deno.makeTempDir({ prefix: "analysis_rules_" });
    try {
      const page = join(dir, "page.html");
      await Deno.writeTextFile(
        page,
        `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="file://${plotlyJsPath()}"></script>
</head><body style="margin:0">${
          figs.map((f) => `<div style="width:${MAX_FIGURE_WIDTH + 20}px">${figureHtmlFragment(f.fig)}</div>`)
            .join("\n")
        }${RENDER_CHECK_SCRIPT}</body></html>`,
      );
      const report = await renderReport(page, [MAX_FIGURE_WIDTH + 40, 900]);
      assertEquals(report.plots.length, figs.length);
      assertEquals(renderProblems(report, "sample figures"), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

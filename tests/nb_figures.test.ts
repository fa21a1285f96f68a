import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { logTickValues } from "../lib/analysis/axes.ts";
import { compareGridHtml, cropImage, deltaEMap } from "../lib/analysis/compare.ts";
import { placeLabels } from "../lib/analysis/labels.ts";
import { lutSliceSliderFigure } from "../lib/analysis/slices.ts";
import { lutWeightsFigure } from "../lib/analysis/weights.ts";
import { deltaE76 } from "../lib/image/metrics.ts";
import { makeLut, SAMPLE_OCCUPANCY, sampleFigures } from "./nb_sample_figures.ts";
import { join } from "@std/path";
import {
  lutAlong,
  matrixFigure,
  spread,
  strongCorrelationFigure,
  weakCorrelationFigure,
} from "../lib/analysis/clut.ts";
import { lineFigure, parseJsonl, trainingCurvesFigure } from "../lib/analysis/curves.ts";
import { display, show } from "../lib/analysis/figure.ts";
import { storageFigure, tradeoffFigure } from "../lib/analysis/tradeoff.ts";
import type { StoragePoint } from "../lib/sr/storage.ts";
import { checkFinite, describe, type Figure, figureJson } from "../lib/analysis/figure.ts";
import { heatmapsFigure, LIGHT_TO_DARK_BLUE } from "../lib/analysis/heatmap.ts";
import { lutLatticeFigure } from "../lib/analysis/lut.ts";
import { occupancyFigure } from "../lib/analysis/occupancy.ts";
import { figureHtml, saveHtml } from "../lib/analysis/save.ts";

const D = 9;
// output channel c = own input squared + a small cross term: strongly own-axis, weakly the others
const lut = makeLut(D, (c, r, g, b) => [r, g, b][c] ** 2 * 0.9 + 0.1 * (r + g + b) / 3);

function numbers(fig: Figure): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "number") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
  };
  for (const t of fig.data) for (const k of ["x", "y", "z"]) walk(t[k]);
  return out;
}

Deno.test("lutAlong reads the channel's own axis and the two others in r,g,b order", () => {
  // c=1 (green): own axis g=i, others (r,b) = (u,v)
  const i = 3, u = 5, v = 7;
  assertEquals(lutAlong(lut, D, 1, i, u, v), lut[((1 * D + v) * D + i) * D + u]);
  assertEquals(lutAlong(lut, D, 0, i, u, v), lut[((0 * D + v) * D + u) * D + i]);
  assertEquals(lutAlong(lut, D, 2, i, u, v), lut[((2 * D + i) * D + v) * D + u]);
  assertEquals(spread(5, 3), [0, 2, 4]);
  assertEquals(spread(3, 10), [0, 1, 2]);
});

Deno.test("strong correlation: one line per slice and channel, y = LUT values along the own axis", () => {
  const fig = strongCorrelationFigure(lut, D, { slices: 5 });
  assertEquals(fig.data.length, 15);
  for (const t of fig.data) {
    assertEquals((t.x as number[]).length, D);
    assertEquals((t.y as number[]).length, D);
  }
  // first slice of green: (r,b) = (0,0), y_i = lut at g=i
  const t = fig.data[5];
  assertEquals(t.xaxis, "x2");
  assertEquals(t.y as number[], Array.from({ length: D }, (_, i) => lut[((1 * D + 0) * D + i) * D + 0]));
  assert(numbers(fig).every(Number.isFinite));
  assertThrows(() => strongCorrelationFigure(lut.subarray(1), D), Error, "expected 2187");
});

Deno.test("weak correlation: heatmaps over the other two inputs at the given slices", () => {
  const fig = weakCorrelationFigure(lut, D, { channel: 2, at: [0, 8] });
  assertEquals(fig.data.length, 2);
  const z = fig.data[1].z as number[][];
  assertEquals([z.length, z[0].length], [D, D]);
  // blue at b=8, row v = green index, column u = red index
  assertEquals(z[4][2], lut[((2 * D + 8) * D + 4) * D + 2]);
  assertThrows(() => weakCorrelationFigure(lut, D, { at: [9] }), Error, "slice 9");
});

Deno.test("matrix figure: Ms and each Mw row as D×D maps, one panel row per set", () => {
  const dim = 5, s = 3, w = 2;
  const ms = Float32Array.from({ length: dim * s }, (_, i) => i);
  const mw = Float32Array.from({ length: w * dim * dim }, (_, i) => -i);
  const m = { ms, mw, dim, s, w };
  const fig = matrixFigure([{ name: "learned", matrices: m }, { name: "BL-C", matrices: m }]);
  assertEquals(fig.data.length, 2 * (1 + w));
  assertEquals(fig.data[0].z, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13, 14]]);
  const mw1 = fig.data[2].z as number[][];
  assertEquals([mw1.length, mw1[0].length, mw1[0][0]], [dim, dim, -25]);
  assertThrows(() => matrixFigure([{ name: "bad", matrices: { ...m, s: 4 } }]), Error, "Ms has 15 values");
});

Deno.test("lattice figure: identity vertices beside the LUT's outputs at the same vertices", () => {
  const fig = lutLatticeFigure(lut, D, { points: 3 });
  assertEquals(fig.data.length, 2);
  const [id, out] = fig.data;
  assertEquals((id.x as number[]).length, 27);
  // vertex (r,g,b) = (D-1, 0, 0) is the third point (r fastest)
  assertEquals([(id.x as number[])[2], (id.y as number[])[2], (id.z as number[])[2]], [1, 0, 0]);
  assertEquals((out.x as number[])[2], lut[D - 1]);
  assertEquals((out.marker as { color: string[] }).color.length, 27);
});

Deno.test("occupancy figure: bars for 3D LUT sizes and hash levels", () => {
  const fig = occupancyFigure(SAMPLE_OCCUPANCY);
  assertEquals(fig.data.length, 3);
  assertEquals(fig.data[0].y, [10]);
  assertEquals(fig.data[1].x, ["L0 16³"]);
  assertThrows(() => occupancyFigure({ lut: [], hash: [] }), Error, "no occupancy data");
});

Deno.test("training curves from JSONL: losses left, PSNR right; storage figure on a log axis", () => {
  const recs = parseJsonl('{"step":1,"loss":0.5,"psnr":20,"time_s":1}\n\n{"step":2,"loss":0.25,"psnr":22}\n');
  const fig = trainingCurvesFigure([{ name: "run", records: recs }]);
  assertEquals(fig.data.map((t) => [t.name, t.yaxis]), [["loss", "y"], ["psnr", "y2"]]);
  assertEquals(fig.data[0].y, [0.5, 0.25]);
  assertThrows(() => parseJsonl('{"a":1}\nnope', "log.jsonl"), Error, "log.jsonl:2");
  assertThrows(
    () => trainingCurvesFigure([{ name: "r", records: [{ step: 1 }] }]),
    Error,
    "no numeric metric",
  );

  const sf = storageFigure([
    { method: "SR-LUT", variant: "S", bytes: 1274 * 1024, psnr: 29.82 },
    { method: "MuLUT", variant: "SDY-X2", bytes: 4062 * 1024, psnr: 30.6 },
  ], { dataset: "Set5 x4" });
  assertEquals(sf.data.length, 2);
  assertEquals(sf.data[0].x, [1274]);
  assertThrows(() => storageFigure([{ method: "x", bytes: 0, psnr: 1 }]), Error, "bytes must be > 0");
});

Deno.test("line figure: one trace per series, typed arrays copied; mismatched lengths rejected", () => {
  const fig = lineFigure([{ name: "a", x: [1, 2], y: new Float32Array([3, 4]) }], { logX: true });
  assertEquals(fig.data[0].y, [3, 4]);
  assertEquals((fig.layout.xaxis as { type: string }).type, "log");
  assertThrows(() => lineFigure([{ name: "b", x: [1], y: [1, 2] }]), Error, 'series "b"');
  assertThrows(() => lineFigure([{ name: "c", x: [1], y: [NaN] }]), Error, "non-finite");
});

Deno.test("heatmap panels: one trace per panel on its own axes; ragged arrays rejected", () => {
  const fig = heatmapsFigure([{ title: "a", z: [[1, 0], [0, 1]] }, { title: "b", z: [[2, 2, 2]] }], {
    zmin: 0,
  });
  assertEquals(fig.data.map((t) => [t.xaxis, t.yaxis]), [["x", "y"], ["x2", "y2"]]);
  assertEquals(fig.data[1].z, [[2, 2, 2]]);
  assertThrows(() => heatmapsFigure([{ title: "r", z: [[1], [1, 2]] }]), Error, "rectangular");
});

Deno.test("checkFinite rejects NaN/Infinity anywhere in the data; typed arrays serialise as arrays", () => {
  const bad: Figure = { data: [{ type: "scatter", y: [1, NaN] }], layout: {} };
  assertThrows(() => checkFinite(bad), Error, "data[0].y[1]");
  assertThrows(() =>
    checkFinite({ data: [{ type: "heatmap", z: new Float32Array([Infinity]) }], layout: {} })
  );
  assertEquals(
    figureJson({ data: [{ type: "scatter", y: new Float32Array([1, 2]) }], layout: {} }),
    '{"data":[{"type":"scatter","y":[1,2]}],"layout":{}}',
  );
  assert(describe(strongCorrelationFigure(lut, D, { slices: 2 })).includes("6 traces"));
});

Deno.test("saveHtml writes a standalone page with plotly.js and the figure data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nb_fig_" });
  try {
    const fig = storageFigure([{ method: "SR-LUT", variant: "S", bytes: 1304576, psnr: 29.8213 }]);
    const path = join(dir, "sub", "storage.html");
    await saveHtml(fig, path);
    const html = await Deno.readTextFile(path);
    assert(html.length > 1_000_000, "plotly.js is embedded");
    assert(html.includes("29.8213") && html.includes('"SR-LUT"'));
    assert(html.includes("Plotly.newPlot"));
    await saveHtml(fig, join(dir, "s2.html"), { plotly: "sibling" });
    const small = await Deno.readTextFile(join(dir, "s2.html"));
    assert(small.length < 100_000 && small.includes('src="plotly.js"') && small.includes("29.8213"));
    assert((await Deno.stat(join(dir, "plotly.js"))).size > 1_000_000);
    assertEquals([...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name), ["storage.html"]);
    assert(!figureHtml(fig).includes("</script></script>"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log axes label whole values (20, 30), not plotly's bare mantissas (2, 3)", () => {
  const fig = lineFigure([{ name: "p", x: [20, 25, 30], y: [1, 2, 3] }], { logX: true });
  const x = fig.layout.xaxis as { type: string; ticktext: string[] };
  assertEquals(x.type, "log");
  assert(x.ticktext.includes("20") && x.ticktext.includes("30"), x.ticktext.join(","));
  assert(!x.ticktext.includes("2") && !x.ticktext.includes("3"), x.ticktext.join(","));
  assertEquals(logTickValues(3, 33), [3, 5, 10, 20, 30]);
});

const STORAGE: StoragePoint[] = [
  ...[4, 5, 6, 7].map((b, i) => ({
    method: "SR-LUT-S",
    variant: `${b}-bit`,
    bytes: [1274, 331, 92, 27][i] * 1024,
    psnr: [29.82, 29.77, 29.6, 29.1][i],
  })),
  ...[5, 6, 7].map((si, i) => ({
    method: "SR-LUT-S",
    variant: `DFC si=${si}`,
    bytes: [300, 180, 140][i] * 1024,
    psnr: [29.7, 29.4, 29.2][i],
    dfc: { samplingInterval: si, diagonalWidth: 4 },
  })),
  { method: "SPF-LUT", variant: "30 it", bytes: 2000 * 1024, psnr: 21.3 },
];

Deno.test("storage figure: bit depths and DFC points are separate series; width in title; outlier kept off-scale", () => {
  const fig = storageFigure(STORAGE, { dataset: "Set5" });
  assertEquals(fig.data.map((t) => t.name), ["SR-LUT-S", "SR-LUT-S + DFC", "SPF-LUT"]);
  // each series is monotone in storage and holds one kind of point
  assertEquals(fig.data[0].x, [27, 92, 331, 1274]);
  assertEquals(fig.data[1].x, [140, 180, 300]);
  assert((fig.layout.title as { text: string }).text.includes("d = 4"));
  const y = fig.layout.yaxis as { range: [number, number] };
  assert(y.range[0] > 28 && y.range[1] < 30.5, `y range ${y.range}: the 21.3 dB outlier squashes the plot`);
  const notes = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert(notes.some((t) => t.includes("21.30 dB")), "the outlier's value is not shown");
  assertEquals(notes.length, STORAGE.length);
});

Deno.test("point labels never overlap each other, even for a tight cluster", () => {
  const pts = Array.from(
    { length: 8 },
    (_, i) => ({ px: 300 + (i % 3) * 6, py: 200 + i * 3, text: `si=${i}` }),
  );
  const shifts = placeLabels(pts, 800, 400);
  const boxes = pts.map((p, i) => {
    const w = p.text.length * 6.6, cx = p.px + shifts[i][0], cy = p.py + shifts[i][1];
    return [cx - w / 2, cy - 6.5, cx + w / 2, cy + 6.5];
  });
  for (let i = 0; i < boxes.length; ++i) {
    for (let j = i + 1; j < boxes.length; ++j) {
      const [a, b] = [boxes[i], boxes[j]];
      const hit = Math.min(a[2], b[2]) > Math.max(a[0], b[0]) && Math.min(a[3], b[3]) > Math.max(a[1], b[1]);
      assert(!hit, `labels ${i} and ${j} overlap`);
    }
  }
});

Deno.test("training curves draw the evaluations a log holds (eval PSNR/SSIM/ΔE), one panel each", () => {
  const recs = parseJsonl(
    '{"step":1,"loss":0.5,"psnr":20}\n{"step":2,"loss":0.25,"psnr":22}\n' +
      '{"step":2,"eval":{"psnr":21.5,"ssim":0.81,"deltaE":7.5},"input_psnr":18.2}\n',
  );
  const fig = trainingCurvesFigure([{ name: "run", records: recs }]);
  const by = Object.fromEntries(fig.data.map((t) => [t.name, t]));
  assertEquals(by["eval psnr"].y, [21.5]);
  assertEquals(by["eval ssim"].y, [0.81]);
  assertEquals(by["eval deltaE"].y, [7.5]);
  assertEquals(by["input_psnr"].y, [18.2]);
  assertEquals(
    [by.loss.yaxis, by.psnr.yaxis, by["eval psnr"].yaxis, by["eval ssim"].yaxis, by["eval deltaE"].yaxis],
    ["y", "y2", "y2", "y3", "y4"],
  );
  assertEquals((fig.layout.yaxis4 as { title: { text: string } }).title.text, "ΔE (CIE76)");
});

Deno.test("every heatmap's colour bar is titled or captioned, with ticks; blue scales run light (low) to dark (high)", () => {
  const lum = (hex: string) => [1, 3, 5].reduce((s, i) => s + parseInt(hex.slice(i, i + 2), 16), 0);
  assert(lum(LIGHT_TO_DARK_BLUE[0][1]) > lum(LIGHT_TO_DARK_BLUE.at(-1)![1]));
  for (const { name, fig } of sampleFigures()) {
    const maps = fig.data.filter((t) => t.type === "heatmap");
    if (maps.length === 0) continue;
    const shown = maps.filter((t) => t.showscale !== false);
    assert(shown.length >= 1, `${name}: no colour bar`);
    const captioned = ((fig.layout.meta as { captions?: string[] })?.captions ?? []).some((c) =>
      c.startsWith("colour")
    );
    for (const t of shown) {
      assert(
        (t.colorbar as { title?: { text?: string } })?.title?.text || captioned,
        `${name}: colour bar without a title or caption`,
      );
    }
    for (const t of maps) assert(t.colorscale !== "Blues", `${name}: plotly "Blues" is dark at the low end`);
    const hidden = Object.entries(fig.layout).filter(([k, v]) =>
      /^[xy]axis\d*$/.test(k) && (v as { showticklabels?: boolean }).showticklabels === false
    );
    if (name !== "matrices") assertEquals(hidden, [], `${name}: axes without tick labels`);
  }
  const hm = heatmapsFigure([{ title: "a", z: [[0, 2]] }, { title: "b", z: [[1, 1]] }]);
  assertEquals(hm.data.map((t) => [t.zmin, t.zmax, t.showscale]), [[0, 2, true], [0.5, 1.5, true]]);
  const one = heatmapsFigure([{ title: "a", z: [[0, 2]] }, { title: "b", z: [[1, 1]] }], { shared: true });
  assertEquals(one.data.map((t) => [t.zmin, t.zmax, t.showscale]), [[0, 2, false], [0, 2, true]]);
});

Deno.test("CLUT-Net matrices (D=33, S=5, W=10) wrap into rows: no 1650 px wide figure", () => {
  const dim = 33, s = 5, w = 10;
  const m = {
    ms: new Float32Array(dim * s).fill(0.1),
    mw: new Float32Array(w * dim * dim).fill(-0.1),
    dim,
    s,
    w,
  };
  const fig = matrixFigure([{ name: "learned", matrices: m }, { name: "DCT", matrices: m }]);
  assert((fig.layout.width as number) <= 1300, `width ${fig.layout.width}`);
  assertEquals(fig.data.length, 22);
  for (const [k, v] of Object.entries(fig.layout)) {
    if (!/^[xy]axis/.test(k)) continue;
    const [a, b] = (v as { domain: [number, number] }).domain;
    assert(a >= 0 && b <= 1 && a < b, `${k} domain ${a}..${b}`);
  }
});

Deno.test("new figures: LUT weights as bars, LUT slice slider, PSNR-vs-cost panels", () => {
  const wf = lutWeightsFigure([{ name: "a", weights: [0.5, 0.25] }, { name: "b", weights: [1, 0] }]);
  assertEquals(wf.data.map((t) => [t.type, t.name, t.y]), [["bar", "a", [0.5, 0.25]], ["bar", "b", [1, 0]]]);
  assertThrows(
    () => lutWeightsFigure([{ name: "a", weights: [1] }, { name: "b", weights: [1, 2] }]),
    Error,
    "b has 2",
  );

  const sf = lutSliceSliderFigure(lut, D);
  const steps = (sf.layout.sliders as { steps: { args: [{ z: number[][][][] }] }[] }[])[0].steps;
  assertEquals(steps.length, D);
  // step b=2, LUT panel, row g=3, column r=4: the LUT's output colour there in 0..255
  const at = (2 * D + 3) * D + 4, q = (v: number) => Math.round(255 * v);
  assertEquals(steps[2].args[0].z[1][3][4], [q(lut[at]), q(lut[D ** 3 + at]), q(lut[2 * D ** 3 + at])]);

  const tf = tradeoffFigure([{ name: "a", psnr: 30, params: 100, ms: 5 }, {
    name: "b",
    psnr: 29,
    params: 10,
  }]);
  assertEquals(Object.keys(tf.layout).filter((k) => /^xaxis/.test(k)), ["xaxis", "xaxis2"]);
  assertEquals(tf.data.filter((t) => t.xaxis === "x2").map((t) => t.x), [[5]]);
});

Deno.test("before/after grid: ΔE map mean equals deltaE76; crops come from the same region", async () => {
  const mk = (f: (c: number, y: number, x: number) => number) => {
    const data = new Float32Array(3 * 16 * 16);
    for (let c = 0; c < 3; ++c) {
      for (let y = 0; y < 16; ++y) for (let x = 0; x < 16; ++x) data[(c * 16 + y) * 16 + x] = f(c, y, x);
    }
    return { data, channels: 3, height: 16, width: 16 };
  };
  const ref = mk((c, y, x) => (c + y + x) / 40), out = mk((c, y, x) => (c + y + 2 * x) / 60);
  const map = deltaEMap(out, ref);
  assertAlmostEquals(map.reduce((a, b) => a + b, 0) / map.length, deltaE76(out, ref), 1e-3);
  const crop = cropImage(out, { x: 4, y: 2, size: 5 });
  assertEquals(crop.data[(1 * 5 + 1) * 5 + 2], out.data[(1 * 16 + 3) * 16 + 6]);
  const html = await compareGridHtml([{ caption: "out", image: out }], { caption: "ref", image: ref }, {
    crop: { x: 4, y: 2, size: 5 },
  });
  assertEquals(html.split("<img").length - 1, 5); // 2 full views, 2 crops, 1 ΔE map
  assert(html.includes(`mean ${deltaE76(out, ref).toFixed(2)}`), "ΔE mean caption");
  assertThrows(() => cropImage(out, { x: 14, y: 0, size: 5 }), Error, "outside");
});

Deno.test("storage figure: fine-tuned points (full and DFC) get their own series", () => {
  const ft = STORAGE.filter((p) => p.method === "SR-LUT-S" && (p.dfc || p.variant === "4-bit"))
    .map((p) => ({ ...p, psnr: p.psnr + 0.1, finetuned: true }));
  const fig = storageFigure([...STORAGE, ...ft]);
  assertEquals(fig.data.map((t) => t.name), [
    "SR-LUT-S",
    "SR-LUT-S + DFC",
    "SPF-LUT",
    "SR-LUT-S, fine-tuned",
    "SR-LUT-S + DFC, fine-tuned",
  ]);
  assertEquals((fig.data[4].marker as { symbol: string[] }).symbol, [
    "diamond-open",
    "diamond-open",
    "diamond-open",
  ]);
});

Deno.test("outside Jupyter, display and show print the text summary (Deno.jupyter's getter throws there)", async () => {
  const printed: string[] = [], log = console.log;
  console.log = (s: string) => printed.push(s);
  try {
    await display({ "text/plain": "plain text", "text/html": "<b>x</b>" });
    await show(lineFigure([{ name: "a", x: [1, 2], y: [3, 4] }], { title: "curve" }));
  } finally {
    console.log = log;
  }
  assertEquals(printed[0], "plain text");
  assert(printed[1].includes("curve"), printed[1]);
});

import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import {
  lutAlong,
  matrixFigure,
  spread,
  strongCorrelationFigure,
  weakCorrelationFigure,
} from "../lib/analysis/clut.ts";
import { lineFigure, parseJsonl, storageFigure, trainingCurvesFigure } from "../lib/analysis/curves.ts";
import { checkFinite, describe, type Figure, figureJson } from "../lib/analysis/figure.ts";
import { heatmapsFigure } from "../lib/analysis/heatmap.ts";
import { lutLatticeFigure } from "../lib/analysis/lut.ts";
import { occupancyFigure } from "../lib/analysis/occupancy.ts";
import { figureHtml, saveHtml } from "../lib/analysis/save.ts";

/** LUT [3,D,D,D] (lut[c][b][g][r]) of f(c, r, g, b) with r,g,b in [0,1]. */
function makeLut(dim: number, f: (c: number, r: number, g: number, b: number) => number): Float32Array {
  const lut = new Float32Array(3 * dim ** 3);
  for (let c = 0; c < 3; ++c) {
    for (let b = 0; b < dim; ++b) {
      for (let g = 0; g < dim; ++g) {
        for (let r = 0; r < dim; ++r) {
          lut[((c * dim + b) * dim + g) * dim + r] = f(c, r / (dim - 1), g / (dim - 1), b / (dim - 1));
        }
      }
    }
  }
  return lut;
}

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
  const fig = occupancyFigure({
    colours: 1000,
    lut: [{ size: 33, vertices: 35937, touched: 3593, fraction: 0.1 }],
    hash: [{
      level: 0,
      resolution: 16,
      dense: true,
      tableSize: 4913,
      touchedVertices: 900,
      touchedSlots: 900,
      collisions: 0,
      latticeVertices: 5832,
      vertexFraction: 900 / 5832,
      slotFraction: 900 / 4913,
    }],
  });
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

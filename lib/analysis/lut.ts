/**
 * 3D view of a LUT: the identity lattice (vertex i,j,k at its own colour) beside where a learned LUT
 * sends those vertices (scatter3d of output colours, each point drawn in its output colour).
 * LUTs are Float32Array [3,D,D,D] in layout lut[c][b][g][r] (index ((c*D + b)*D + g)*D + r).
 */
import { checkFinite, type Figure, type Trace } from "./figure.ts";
import { spread } from "./clut.ts";

/** Clamped 0..255 CSS colour of an RGB triple in [0,1]. */
function css(r: number, g: number, b: number): string {
  const q = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return `rgb(${q(r)},${q(g)},${q(b)})`;
}

/** Scatter3d trace of the points xyz (three equal-length arrays), coloured by their own position. */
function cloud(x: number[], y: number[], z: number[], scene: string, name: string): Trace {
  return {
    type: "scatter3d",
    mode: "markers",
    name,
    x,
    y,
    z,
    scene,
    marker: { size: 3, color: x.map((_, i) => css(x[i], y[i], z[i])) },
    hovertemplate: "r %{x:.3f}<br>g %{y:.3f}<br>b %{z:.3f}<extra>" + name + "</extra>",
  };
}

/**
 * Identity lattice (left) beside the learned LUT's outputs at the same vertices (right), `points` vertices
 * per axis (default 9, spread over 0..D-1). Lut [3,D,D,D], layout lut[c][b][g][r].
 */
export function lutLatticeFigure(
  lut: Float32Array,
  dim: number,
  opts: { points?: number; title?: string; name?: string } = {},
): Figure {
  if (!Number.isInteger(dim) || dim < 2 || lut.length !== 3 * dim ** 3) {
    throw new Error(
      `lutLatticeFigure: lut has ${lut.length} values, expected 3·D³ = ${3 * dim ** 3} for D=${dim}`,
    );
  }
  const idx = spread(dim, opts.points ?? 9);
  const ir: number[] = [], ig: number[] = [], ib: number[] = [];
  const or: number[] = [], og: number[] = [], ob: number[] = [];
  const n3 = dim ** 3;
  for (const b of idx) {
    for (const g of idx) {
      for (const r of idx) {
        const at = (b * dim + g) * dim + r;
        ir.push(r / (dim - 1)), ig.push(g / (dim - 1)), ib.push(b / (dim - 1));
        or.push(lut[at]), og.push(lut[n3 + at]), ob.push(lut[2 * n3 + at]);
      }
    }
  }
  const axes = {
    xaxis: { title: { text: "R" } },
    yaxis: { title: { text: "G" } },
    zaxis: { title: { text: "B" } },
    camera: { eye: { x: 1.9, y: -1.2, z: 0.8 } },
  };
  return checkFinite({
    data: [cloud(ir, ig, ib, "scene", "identity"), cloud(or, og, ob, "scene2", opts.name ?? "learned")],
    layout: {
      title: { text: opts.title ?? `3D LUT (D=${dim}): identity lattice vs ${opts.name ?? "learned"} LUT` },
      width: 1000,
      height: 520,
      showlegend: false,
      scene: { ...axes, domain: { x: [0, 0.49], y: [0, 1] }, aspectmode: "cube" },
      scene2: { ...axes, domain: { x: [0.51, 1], y: [0, 1] }, aspectmode: "cube" },
      annotations: [
        {
          text: "identity",
          x: 0.22,
          xanchor: "center",
          y: 1,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
        {
          text: opts.name ?? "learned",
          x: 0.78,
          xanchor: "center",
          y: 1,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
      ],
    },
  }, "lutLatticeFigure");
}

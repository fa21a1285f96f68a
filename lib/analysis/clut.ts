/**
 * CLUT-Net analysis figures (Zhang et al., ACM MM 2022), from plain data: a LUT as Float32Array
 * [3,D,D,D] in layout lut[c][b][g][r] (index ((c*D + b)*D + g)*D + r), and the compression matrices
 * Ms [D,S] (row-major, the "strong" axis: a channel's own input) and Mw [W,D*D] (row-major, the "weak"
 * axes: the two other inputs; each row is a D×D map over them).
 */
import { checkFinite, type Figure, type Trace } from "./figure.ts";
import { colorbar, heatmapsFigure } from "./heatmap.ts";

const CHANNELS = ["red", "green", "blue"] as const;
const COLOURS = ["rgb(214,39,40)", "rgb(44,160,44)", "rgb(31,119,180)"];

/** Checks that `lut` holds 3·D³ values for LUT size `dim`. */
function checkLut(what: string, lut: Float32Array, dim: number): void {
  if (!Number.isInteger(dim) || dim < 2) {
    throw new Error(`${what}: LUT size D must be an integer >= 2, got ${dim}`);
  }
  if (lut.length !== 3 * dim ** 3) {
    throw new Error(
      `${what}: lut has ${lut.length} values, expected ${3 * dim ** 3} for [3,${dim},${dim},${dim}]`,
    );
  }
}

/**
 * Output of channel c at own-axis index i with the two other inputs at indices (u, v), where (u, v)
 * are the other axes in r,g,b order without c: c=0 → (g,b), c=1 → (r,b), c=2 → (r,g).
 */
export function lutAlong(lut: Float32Array, dim: number, c: number, i: number, u: number, v: number): number {
  const rgb = c === 0 ? [i, u, v] : c === 1 ? [u, i, v] : [u, v, i];
  return lut[((c * dim + rgb[2]) * dim + rgb[1]) * dim + rgb[0]];
}

/** `n` indices spread evenly over 0..count-1 (all of them when n >= count). */
export function spread(count: number, n: number): number[] {
  if (n >= count) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: n }, (_, k) => Math.round((k * (count - 1)) / Math.max(1, n - 1)));
}

/**
 * Strong correlation: for each output channel, its value against the channel's own input along its
 * axis, one line per slice (fixed pair of the other two inputs; `slices` lines per channel, default 24).
 * Lut [3,D,D,D], layout lut[c][b][g][r].
 */
export function strongCorrelationFigure(
  lut: Float32Array,
  dim: number,
  opts: { slices?: number; title?: string } = {},
): Figure {
  checkLut("strongCorrelationFigure", lut, dim);
  const picks = spread(dim * dim, opts.slices ?? 24);
  const x = Array.from({ length: dim }, (_, i) => i / (dim - 1));
  const data: Trace[] = [];
  for (let c = 0; c < 3; ++c) {
    for (const p of picks) {
      const u = p % dim, v = Math.floor(p / dim);
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: x.map((_, i) => lutAlong(lut, dim, c, i, u, v)),
        line: { color: COLOURS[c], width: 1 },
        opacity: 0.5,
        showlegend: false,
        hoverinfo: "y",
        xaxis: c === 0 ? "x" : `x${c + 1}`,
        yaxis: c === 0 ? "y" : `y${c + 1}`,
      });
    }
  }
  const layout: Record<string, unknown> = {
    title: {
      text: opts.title ?? `Strong correlation: output vs own input (${picks.length} slices per channel)`,
    },
    grid: { rows: 1, columns: 3, pattern: "independent" },
    width: 1100,
    height: 420,
  };
  for (let c = 0; c < 3; ++c) {
    const s = c === 0 ? "" : `${c + 1}`;
    layout[`xaxis${s}`] = {
      title: { text: `input ${CHANNELS[c]}` },
      range: [0, 1],
      ticks: "outside",
      ticklen: 6,
    };
    layout[`yaxis${s}`] = { title: { text: `output ${CHANNELS[c]}` } };
  }
  return checkFinite({ data, layout }, "strongCorrelationFigure");
}

/**
 * Weak correlation: channel `channel`'s output over the two other inputs (heatmap) at a few fixed
 * values of its own input (`at`: indices along its axis, default first/middle/last).
 * Lut [3,D,D,D], layout lut[c][b][g][r].
 */
export function weakCorrelationFigure(
  lut: Float32Array,
  dim: number,
  opts: { channel?: 0 | 1 | 2; at?: number[]; title?: string } = {},
): Figure {
  checkLut("weakCorrelationFigure", lut, dim);
  const c = opts.channel ?? 0;
  const at = opts.at ?? [0, (dim - 1) >> 1, dim - 1];
  for (const i of at) {
    if (!Number.isInteger(i) || i < 0 || i >= dim) {
      throw new Error(`weakCorrelationFigure: slice ${i} not in 0..${dim - 1}`);
    }
  }
  const others = [0, 1, 2].filter((k) => k !== c).map((k) => CHANNELS[k]);
  const axis = Array.from({ length: dim }, (_, i) => +(i / (dim - 1)).toFixed(4));
  // a colour range per panel (the data's, even beyond [0,1]): the span of each slice is what matters
  return heatmapsFigure(
    at.map((i) => ({
      title: `${CHANNELS[c]} in = ${(i / (dim - 1)).toFixed(2)}`,
      z: axis.map((_, v) => axis.map((_, u) => lutAlong(lut, dim, c, i, u, v))),
      x: axis,
      y: axis,
    })),
    {
      title: opts.title ?? `Weak correlation: ${CHANNELS[c]} output over ${others.join(" × ")} inputs`,
      colorscale: "Viridis",
      cell: Math.max(3, Math.min(8, Math.floor(170 / dim))),
      colorbarTitle: `${CHANNELS[c]} output; x: ${others[0]} input, y: ${others[1]} input`,
    },
  );
}

/** A CLUT-Net matrix pair: Ms [D,S] and Mw [W,D*D], both row-major. */
export type ClutMatrices = { ms: Float32Array; mw: Float32Array; dim: number; s: number; w: number };

function checkMatrices(what: string, m: ClutMatrices): void {
  if (m.ms.length !== m.dim * m.s) {
    throw new Error(`${what}: Ms has ${m.ms.length} values, expected ${m.dim * m.s} for [${m.dim},${m.s}]`);
  }
  if (m.mw.length !== m.w * m.dim * m.dim) {
    throw new Error(
      `${what}: Mw has ${m.mw.length} values, expected ${m.w * m.dim ** 2} for [${m.w},${m.dim ** 2}]`,
    );
  }
}

/** Rows×cols nested array from a row-major matrix. */
function rows(m: Float32Array, nRows: number, nCols: number, offset = 0): number[][] {
  return Array.from(
    { length: nRows },
    (_, i) => Array.from(m.subarray(offset + i * nCols, offset + (i + 1) * nCols)),
  );
}

/**
 * Learned compression matrices: Ms [D,S] as one heatmap and each row of Mw [W,D*D] as a D×D map, one
 * row of panels per matrix set (e.g. learned vs BL-C's fixed ones). `sets` share D, S and W.
 */
export function matrixFigure(
  sets: { name: string; matrices: ClutMatrices }[],
  opts: { title?: string } = {},
): Figure {
  if (sets.length === 0) throw new Error("matrixFigure: no matrix sets given");
  const { dim, s, w } = sets[0].matrices;
  for (const set of sets) {
    checkMatrices(`matrixFigure (${set.name})`, set.matrices);
    const m = set.matrices;
    if (m.dim !== dim || m.s !== s || m.w !== w) {
      throw new Error(
        `matrixFigure: set "${set.name}" is D=${m.dim},S=${m.s},W=${m.w}, the first is D=${dim},S=${s},W=${w}`,
      );
    }
  }
  // Ms and the W maps of Mw, wrapped into rows of at most PER_ROW panels (no 1650 px wide figure)
  const PER_ROW = 4, panelsPerSet = 1 + w, rowsPerSet = Math.ceil(panelsPerSet / PER_ROW);
  const rowCount = rowsPerSet * sets.length, cols = Math.min(PER_ROW, panelsPerSet);
  const data: Trace[] = [];
  const zmax = Math.max(...sets.flatMap((x) => [...x.matrices.ms, ...x.matrices.mw].map(Math.abs)));
  const layout: Record<string, unknown> = {
    title: {
      text: opts.title ??
        `CLUT-Net matrices: Ms [${dim}×${s}] and the ${w} rows of Mw as ${dim}×${dim} maps (red > 0 > blue)`,
    },
    width: 170 * cols + 200,
    height: 190 * rowCount + 110,
    showlegend: false,
    annotations: [] as Record<string, unknown>[],
    margin: { l: 110, r: 40, t: 80, b: 30 },
  };
  const gap = 0.07, cell = (1 - gap * (cols - 1)) / cols, rowH = 1 / rowCount;
  sets.forEach((set, r) => {
    for (let k = 0; k < panelsPerSet; ++k) {
      const n = r * panelsPerSet + k + 1, s2 = n === 1 ? "" : `${n}`;
      const row = r * rowsPerSet + Math.floor(k / PER_ROW), col = k % PER_ROW;
      const z = k === 0
        ? rows(set.matrices.ms, dim, s)
        : rows(set.matrices.mw, dim, dim, (k - 1) * dim * dim);
      data.push({
        type: "heatmap",
        z,
        colorscale: "RdBu", // plotly's RdBu: blue at the low end, red at the high end
        zmin: -zmax,
        zmax,
        showscale: n === 1,
        colorbar: colorbar("matrix entry"),
        xaxis: `x${s2}`,
        yaxis: `y${s2}`,
        name: k === 0 ? `${set.name} Ms` : `${set.name} Mw[${k - 1}]`,
      });
      const x0 = col * (cell + gap), y1 = 1 - (row + 0.12) * rowH, y0 = 1 - (row + 0.84) * rowH;
      const ticks = { ticks: "outside", nticks: 4, tickfont: { size: 9 } };
      layout[`xaxis${s2}`] = { domain: [x0, x0 + cell], anchor: `y${s2}`, ...ticks };
      layout[`yaxis${s2}`] = { domain: [y0, y1], anchor: `x${s2}`, autorange: "reversed", ...ticks };
      (layout.annotations as Record<string, unknown>[]).push({
        text: k === 0 ? `<b>${set.name}</b> Ms` : `Mw[${k - 1}]`,
        showarrow: false,
        xref: `x${s2} domain`,
        yref: `y${s2} domain`,
        x: 0.5,
        y: 1,
        yanchor: "bottom",
        yshift: 8,
        font: { size: 11 },
      });
    }
  });
  return checkFinite({ data, layout }, "matrixFigure");
}

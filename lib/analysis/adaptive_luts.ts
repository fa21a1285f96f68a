/**
 * Figures of the per-image tables of AdaInt and SepLUT (lib/enhance/models/adaint.ts, seplut.ts):
 * AdaInt's learned lattice -- the sampling density of its vertices [3,D] per channel (1 = uniform
 * lattice; > 1 where AdaInt samples densely) -- and SepLUT's 1D curves [3,S_o] per channel, one line per
 * image, in three stacked panels (R, G, B). Data: `AdaIntModel.adaptive(img).vertices` and
 * `SepLutModel.tables(img).lut1d` (both layout [c][i], c = R, G, B).
 */
import { checkFinite, type Figure, type Trace } from "./figure.ts";

/** One image's per-channel table: `values` [3,N] in layout [c][i]. */
export type ChannelTables = { name: string; values: ArrayLike<number> };

const CHANNELS = ["R", "G", "B"] as const;
const COLOURS = ["#d62728", "#2ca02c", "#1f77b4"];
/** plotly's default colour cycle, fixed per image so that panel G does not take the next colours. */
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Checks `images` hold [3,N] tables with one N (>= 2); returns N. */
function tableSize(what: string, images: ChannelTables[]): number {
  if (images.length === 0) throw new Error(`${what}: no images`);
  const n = images[0].values.length / 3;
  for (const im of images) {
    if (im.values.length !== 3 * n || !Number.isInteger(n) || n < 2) {
      throw new Error(
        `${what}: ${im.name} has ${im.values.length} values, expected [3,N] with N = ${n} >= 2`,
      );
    }
  }
  return n;
}

/**
 * Sampling density of one channel's ascending vertices v[0..D): at each interval's midpoint, the
 * uniform interval 1/(D-1) divided by the learned one (1 = uniform sampling, 2 = twice as dense).
 */
export function vertexDensity(v: ArrayLike<number>): { mid: number[]; density: number[] } {
  const d = v.length, mid: number[] = [], density: number[] = [];
  for (let i = 0; i + 1 < d; i++) {
    const w = v[i + 1] - v[i];
    if (!(w > 0)) {
      throw new Error(`vertexDensity: vertices must ascend, v[${i}] = ${v[i]}, v[${i + 1}] = ${v[i + 1]}`);
    }
    mid.push((v[i] + v[i + 1]) / 2);
    density.push(1 / ((d - 1) * w));
  }
  return { mid, density };
}

/** Three stacked panels (R, G, B) sharing x in [0,1], one line per image from `line(values of channel c)`. */
function channelPanels(
  images: ChannelTables[],
  n: number,
  line: (v: ArrayLike<number>) => { x: number[]; y: number[]; text?: string },
  layout: { title: string; x: string; y: string; reference?: { x: number[]; y: number[]; name: string } },
): Figure {
  const data: Trace[] = [];
  CHANNELS.forEach((ch, c) => {
    const axis = c === 0 ? "" : `${c + 1}`;
    images.forEach((im, i) => {
      const { x, y } = line(Array.from(im.values).slice(c * n, (c + 1) * n));
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: im.name,
        legendgroup: im.name,
        showlegend: c === 0,
        x,
        y,
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        marker: { size: 4 },
        // one colour per image in all three panels (the legend's), or the channel's for a single image
        line: { width: 1.5, color: images.length === 1 ? COLOURS[c] : PALETTE[i % PALETTE.length] },
        hovertemplate: `${im.name} ${ch}<br>x %{x:.3f}<br>${layout.y} %{y:.3f}<extra></extra>`,
      });
    });
    if (layout.reference) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: layout.reference.name,
        legendgroup: "reference",
        showlegend: c === 0,
        x: layout.reference.x,
        y: layout.reference.y,
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        line: { dash: "dash", color: "#888", width: 1 },
        hoverinfo: "skip",
      });
    }
  });
  const panel = (c: number) => ({
    domain: [1 - (c + 1) / 3 + 0.04, 1 - c / 3 - 0.02],
    title: { text: `${CHANNELS[c]}: ${layout.y}` },
  });
  return {
    data,
    layout: {
      title: { text: layout.title },
      // the panels share x: its tick labels only under the bottom one (an upper panel's "0" would sit on
      // the next panel's top y tick)
      xaxis: { range: [0, 1], anchor: "y", title: { text: "" }, showticklabels: false },
      xaxis2: { range: [0, 1], anchor: "y2", matches: "x", showticklabels: false },
      xaxis3: { range: [0, 1], anchor: "y3", matches: "x", title: { text: layout.x } },
      yaxis: panel(0),
      yaxis2: panel(1),
      yaxis3: panel(2),
      legend: { orientation: "h", y: -0.12 },
      width: 900,
      height: 780,
    },
  };
}

/** AdaInt's learned sampling density per channel and image, from each image's vertices [3,D]. */
export function vertexDensityFigure(images: ChannelTables[], opts: { title?: string } = {}): Figure {
  const n = tableSize("vertexDensityFigure", images);
  const fig = channelPanels(images, n, (v) => {
    const { mid, density } = vertexDensity(v);
    return { x: mid, y: density };
  }, {
    title: opts.title ?? `AdaInt: learned vertex density per channel (${n} vertices; 1 = uniform lattice)`,
    x: "input value (interval midpoint)",
    y: "density",
    reference: { x: [0, 1], y: [1, 1], name: "uniform lattice" },
  });
  return checkFinite(fig, "vertexDensityFigure");
}

/** SepLUT's predicted 1D curves per channel and image, from each image's 1D LUTs [3,S_o]. */
export function curves1dFigure(images: ChannelTables[], opts: { title?: string } = {}): Figure {
  const n = tableSize("curves1dFigure", images);
  const fig = channelPanels(images, n, (v) => ({
    x: Array.from({ length: n }, (_, i) => i / (n - 1)),
    y: Array.from(v),
  }), {
    title: opts.title ?? `SepLUT: predicted 1D curves per channel (${n} entries each)`,
    x: "input value",
    y: "output",
    reference: { x: [0, 1], y: [0, 1], name: "identity" },
  });
  return checkFinite(fig, "curves1dFigure");
}

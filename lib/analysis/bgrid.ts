/**
 * LUTwithBGrid's bilateral grids as curves: the released slicing kernels read every pixel but the last
 * column/row at spatial position (0, 0) (lib/lut/bgrid_ref.ts), so what the image sees there is, per grid
 * channel o = c*gpc + i, the curve grid[o][v][0][0] over the guide colour c. Grids [3*gpc,D,D,D]
 * (grid[o][v][y][x]); the (1, 1) corner curves (the last row/column) are drawn dashed.
 */
import { checkFinite, type Figure } from "./figure.ts";

const COLOURS = ["#d62728", "#2ca02c", "#1f77b4"];

/** Curves grid[o][v][y][x] over v at the spatial corners (0,0) (solid) and (D-1,D-1) (dashed), per channel o. */
export function bgridCurvesFigure(
  grids: Float32Array,
  dim: number,
  gpc: number,
  opts: { title?: string } = {},
): Figure {
  const G = 3 * gpc;
  if (
    !Number.isInteger(dim) || dim < 2 || !Number.isInteger(gpc) || gpc < 1 || grids.length !== G * dim ** 3
  ) {
    throw new Error(
      `bgridCurvesFigure: grids has ${grids.length} values, expected 3·gpc·D³ = ${G * dim ** 3}`,
    );
  }
  const v = Array.from({ length: dim }, (_, i) => i / (dim - 1));
  const curve = (o: number, xy: number) => v.map((_, i) => grids[o * dim ** 3 + (i * dim + xy) * dim + xy]);
  const data = Array.from({ length: G }, (_, o) =>
    [0, dim - 1].map((xy) => ({
      type: "scatter",
      mode: "lines",
      x: v,
      y: curve(o, xy),
      name: `grid ${o} (${"RGB"[Math.floor(o / gpc)]}${gpc > 1 ? ` #${o % gpc}` : ""})${
        xy ? ", last row/col" : ""
      }`,
      line: {
        color: COLOURS[Math.floor(o / gpc)],
        dash: xy ? "dash" : ["solid", "dot", "dashdot"][o % gpc % 3],
      },
    }))).flat();
  return checkFinite({
    data,
    layout: {
      title: {
        text: opts.title ?? "bilateral grids as seen by the released slicing: value over the guide colour",
      },
      xaxis: { title: { text: "guide colour (input channel of the grid)" }, range: [0, 1] },
      yaxis: { title: { text: "sliced value" } },
      width: 800,
      height: 480,
    },
  });
}

/**
 * Plain TypeScript reference of LUTwithBGrid's bilateral-grid slicing (kernels/bgrid.h has the maths):
 * grids [B,3*gpc,D,D,D] (grid[b][o][v][y][x]), guide image [B,3,H,W], out [B,3*gpc,H,W] with channel
 * o = c*gpc + i sliced at (x, y, guide channel c). Float64 arithmetic, loops only: the check of the C,
 * CUDA and WGSL kernels.
 */

/** Shape of a slicing call; spatial 0 = the released kernels' integer-division coordinates, 1 = floats. */
export type BGridShape = {
  batch: number;
  height: number;
  width: number;
  dim: number;
  gpc: number;
  spatial: 0 | 1;
};

/** Spatial coordinate of pixel x of n (kernels/bgrid.h). */
export function bgridCoord(x: number, n: number, spatial: 0 | 1): number {
  if (n < 2) return 0;
  return spatial ? x / (n - 1) : Math.trunc(x / (n - 1));
}

/** Cell k in [0, D-2] and fraction d of coordinate t. */
function axis(t: number, dim: number): [number, number] {
  const k = Math.min(dim - 2, Math.max(0, Math.floor(t * (dim - 1))));
  return [k, t * (dim - 1) - k];
}

/** Calls fn(gridIndex, weight, dWeight/dt) for the 8 corners of grid plane p at (x, y, t). */
function corners(
  s: BGridShape,
  p: number,
  x: number,
  y: number,
  t: number,
  fn: (idx: number, w: number, dw: number) => void,
): void {
  const D = s.dim, [ix, fx] = axis(x, D), [iy, fy] = axis(y, D), [iv, fv] = axis(t, D);
  for (let cv = 0; cv < 2; cv++) {
    for (let cy = 0; cy < 2; cy++) {
      for (let cx = 0; cx < 2; cx++) {
        const wxy = (cx ? fx : 1 - fx) * (cy ? fy : 1 - fy);
        const idx = p * D ** 3 + ((iv + cv) * D + iy + cy) * D + ix + cx;
        fn(idx, wxy * (cv ? fv : 1 - fv), wxy * (cv ? 1 : -1) * (D - 1));
      }
    }
  }
}

/** Visits every output value: its plane p, pixel k, guide index and coordinates. */
function eachOutput(
  s: BGridShape,
  fn: (q: number, p: number, guide: number, x: number, y: number) => void,
): void {
  const hw = s.height * s.width, G = 3 * s.gpc;
  for (let p = 0; p < s.batch * G; p++) {
    const b = Math.floor(p / G), c = Math.floor((p % G) / s.gpc);
    for (let k = 0; k < hw; k++) {
      const x = bgridCoord(k % s.width, s.width, s.spatial),
        y = bgridCoord(Math.floor(k / s.width), s.height, s.spatial);
      fn(p * hw + k, p, (b * 3 + c) * hw + k, x, y);
    }
  }
}

/** out [B,3*gpc,H,W] = slice(grid [B,3*gpc,D,D,D], img [B,3,H,W]). */
export function bgridForwardRef(grid: Float32Array, img: Float32Array, s: BGridShape): Float32Array {
  const out = new Float32Array(s.batch * 3 * s.gpc * s.height * s.width);
  eachOutput(s, (q, p, guide, x, y) => {
    let acc = 0;
    corners(s, p, x, y, img[guide], (idx, w) => acc += w * grid[idx]);
    out[q] = acc;
  });
  return out;
}

/** Gradients of sum(gradOut * out): gradGrid [B,3*gpc,D,D,D], gradImg [B,3,H,W]. */
export function bgridBackwardRef(
  grid: Float32Array,
  img: Float32Array,
  gradOut: Float32Array,
  s: BGridShape,
): { gradGrid: Float32Array; gradImg: Float32Array } {
  const gg = new Float64Array(grid.length), gi = new Float64Array(img.length);
  eachOutput(s, (q, p, guide, x, y) => {
    corners(s, p, x, y, img[guide], (idx, w, dw) => {
      gg[idx] += gradOut[q] * w;
      gi[guide] += gradOut[q] * dw * grid[idx];
    });
  });
  return { gradGrid: Float32Array.from(gg), gradImg: Float32Array.from(gi) };
}

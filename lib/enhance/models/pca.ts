/**
 * BL-B: offline PCA compression of a trained standard LUT bank into CLUT-Net's S/W form, as a
 * truncated higher-order SVD (uncentred PCA) of the bank in CLUT's "cube" arrangement
 * cube[n][c][i][j][k] (i = output channel c's own input axis, (j,k) the other two; see clut.ts):
 *   Mw [W,D^2] = the W leading right singular vectors of the unfolding [N*3*D, D^2] (rows (n,c,i));
 *   Ms [D,S]   = the S leading left singular vectors of the unfolding [D, N*3*D^2] (columns (n,c,j,k));
 *   C [S*N*3,W] = Ms^T cube[n][c] Mw^T per (n,c), row (s*N + n)*3 + c  -- the least-squares core.
 * Reconstruction through clut.ts `reconstructLuts` gives the compressed bank; with S = D and W = rank it is
 * exact. Singular vectors come from the symmetric eigenproblem of the smaller Gram matrix (ml-matrix,
 * float64).
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";
import { type ClutShape, forEachLutEntry } from "./clut.ts";

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major, float64) by ml-matrix: values descending,
 * vectors as columns (row-major [n,n], column e is the eigenvector of values[e]).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} values for a ${n}x${n} matrix`);
  const evd = new EigenvalueDecomposition(
    Matrix.from1DArray(n, n, Array.from(a)),
    { assumeSymmetric: true },
  );
  const raw = evd.realEigenvalues, v = evd.eigenvectorMatrix;
  const order = raw.map((_, i) => i).sort((x, y) => raw[y] - raw[x]);
  const values = Float64Array.from(order, (i) => raw[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v.get(k, src);
  });
  return { values, vectors };
}

/**
 * Singular values (descending) of output channel `c` of a LUT [3,D,D,D] (layout lut[c][b][g][r]) unfolded
 * into a D x D^2 matrix with input axis `rowAxis` (0 r, 1 g, 2 b) as rows: how close to rank S the LUT is
 * along that axis (CLUT-Net's strong/weak split). SVD by ml-matrix.
 */
export function unfoldingSingularValues(lut: Float32Array, d: number, c: number, rowAxis: number): number[] {
  if (lut.length !== 3 * d ** 3) {
    throw new Error(`unfoldingSingularValues: ${lut.length} values, expected 3*${d}^3`);
  }
  if (![0, 1, 2].includes(c) || ![0, 1, 2].includes(rowAxis)) {
    throw new Error(`unfoldingSingularValues: channel ${c} and axis ${rowAxis} must be 0, 1 or 2`);
  }
  const others = [0, 1, 2].filter((k) => k !== rowAxis);
  const rows = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d * d }, (_, uv) => {
      const rgb = [0, 0, 0];
      rgb[rowAxis] = i, rgb[others[0]] = Math.floor(uv / d), rgb[others[1]] = uv % d;
      return lut[((c * d + rgb[2]) * d + rgb[1]) * d + rgb[0]];
    }));
  const svd = new SingularValueDecomposition(new Matrix(rows), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return [...svd.diagonal].sort((x, y) => y - x);
}

/**
 * Leading k right singular vectors of X [rows, cols] (row-major), as a [k, cols] row-major array;
 * uses the Gram matrix of the smaller side.
 */
function rightSingular(x: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const out = new Float64Array(k * cols);
  if (cols <= rows) {
    const g = new Float64Array(cols * cols);
    for (let r = 0; r < rows; r++) {
      for (let a = 0; a < cols; a++) {
        const xa = x[r * cols + a];
        if (xa === 0) continue;
        for (let b = 0; b < cols; b++) g[a * cols + b] += xa * x[r * cols + b];
      }
    }
    const { vectors } = symmetricEigen(g, cols);
    for (let i = 0; i < k; i++) for (let c = 0; c < cols; c++) out[i * cols + c] = vectors[c * cols + i];
    return out;
  }
  const g = new Float64Array(rows * rows);
  for (let a = 0; a < rows; a++) {
    for (let b = a; b < rows; b++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += x[a * cols + c] * x[b * cols + c];
      g[a * rows + b] = g[b * rows + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(g, rows);
  for (let i = 0; i < k; i++) {
    const sigma = Math.sqrt(Math.max(values[i], 0));
    if (sigma < 1e-12) continue; // beyond the rank: a zero row contributes nothing
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += vectors[r * rows + i] * x[r * cols + c];
      out[i * cols + c] = s / sigma;
    }
  }
  return out;
}

/** Bank [N,3,D,D,D] (layout lut[c][b][g][r]) -> cube[n][c][i][j][k] (float64), the inverse of cube_to_lut. */
function toCube(luts: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(luts.length);
  forEachLutEntry(n, d, (l, ch, idx, i, j, k) => {
    out[(((l * 3 + ch) * d + i) * d + j) * d + k] = luts[idx];
  });
  return out;
}

/** Compressed form of a bank: Ms [D,S], Mw [W,D^2], C [S*N*3,W] (clut.ts naming), float32. */
export type ClutFactors = { ms: Float32Array; mw: Float32Array; c: Float32Array };

/** Truncated HOSVD of a standard bank `luts` [N,3,D,D,D] into CLUT factors of size S, W (see module doc). */
export function pcaCompress(luts: Float32Array, shape: ClutShape): ClutFactors {
  const { luts: n, dim: d, s, w } = shape;
  if (luts.length !== n * 3 * d ** 3) {
    throw new Error(`pcaCompress: bank has ${luts.length} values, expected ${n}*3*${d}^3`);
  }
  if (s > d || w > d * d) throw new Error(`pcaCompress: need S <= D and W <= D^2, got S=${s} W=${w} D=${d}`);
  const cube = toCube(luts, n, d), d2 = d * d, rows = n * 3;
  const mw = rightSingular(cube, rows * d, d2, w); // [W, D^2]
  // mode-i unfolding [D, rows*D^2]: Ms = its left singular vectors = right singular vectors of the transpose
  const unfold = new Float64Array(d * rows * d2);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) {
      for (let jk = 0; jk < d2; jk++) unfold[i * rows * d2 + r * d2 + jk] = cube[(r * d + i) * d2 + jk];
    }
  }
  const g = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let t = 0;
      for (let x = 0; x < rows * d2; x++) t += unfold[a * rows * d2 + x] * unfold[b * rows * d2 + x];
      g[a * d + b] = g[b * d + a] = t;
    }
  }
  const { vectors } = symmetricEigen(g, d);
  const ms = new Float64Array(d * s);
  for (let i = 0; i < d; i++) for (let k = 0; k < s; k++) ms[i * s + k] = vectors[i * d + k];
  // core: C[(k*N + l)*3 + ch][wi] = sum_i sum_jk Ms[i,k] cube[l,ch,i,jk] Mw[wi,jk]
  const c = new Float32Array(s * rows * w);
  for (let r = 0; r < rows; r++) {
    const proj = new Float64Array(d * w); // cube[r] Mw^T: [D, W]
    for (let i = 0; i < d; i++) {
      for (let wi = 0; wi < w; wi++) {
        let t = 0;
        for (let jk = 0; jk < d2; jk++) t += cube[(r * d + i) * d2 + jk] * mw[wi * d2 + jk];
        proj[i * w + wi] = t;
      }
    }
    for (let k = 0; k < s; k++) {
      for (let wi = 0; wi < w; wi++) {
        let t = 0;
        for (let i = 0; i < d; i++) t += ms[i * s + k] * proj[i * w + wi];
        c[(k * rows + r) * w + wi] = t;
      }
    }
  }
  return { ms: Float32Array.from(ms), mw: Float32Array.from(mw), c };
}

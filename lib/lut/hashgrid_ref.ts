/**
 * Multi-resolution hash-grid encoding of RGB colours (HashLUT; Instant-NGP / tiny-cuda-nn "HashGrid"):
 * the level geometry shared by every implementation, and a plain TypeScript reference of the encoding
 * and of its table gradient (the native kernels in kernels/hashgrid.c/.cu are checked against it).
 *
 * Layouts: rgb [B,3,H,W] planar (clamped to [0,1]); table [entries, F] (level l owns entries
 * offsets[l]..offsets[l+1]-1); encoded features [B, L*F, H, W] planar, channel l*F + f.
 */

/** Hash-grid hyper-parameters, as in the tiny-cuda-nn "HashGrid" encoding config. */
export type HashGridSpec = {
  /** number of levels L */
  levels: number;
  /** features per level F */
  featuresPerLevel: number;
  /** log2 of the maximum entries per level T */
  log2TableSize: number;
  /** coarsest grid scale (tcnn base_resolution) */
  baseResolution: number;
  /** finest grid scale; per-level growth b = (max/base)^(1/(L-1)) */
  maxResolution: number;
};

/** Per-level geometry: float32 scales, vertices per axis, table entry offsets (length L+1), density. */
export type HashGridLevels = {
  spec: HashGridSpec;
  scales: Float32Array;
  resolutions: Uint32Array;
  offsets: Uint32Array;
  dense: boolean[];
  /** table length in floats: offsets[L] * F */
  tableLength: number;
};

const f32 = Math.fround;

/** Level geometry exactly as tiny-cuda-nn computes it in float32 (scale = 2^(l*log2 b)*base - 1). */
export function hashGridLevels(spec: HashGridSpec): HashGridLevels {
  const { levels, featuresPerLevel, log2TableSize, baseResolution, maxResolution } = spec;
  const bad = (msg: string) => new Error(`hash grid spec ${JSON.stringify(spec)}: ${msg}`);
  if (!Number.isInteger(levels) || levels < 1 || levels > 32) throw bad("levels must be an integer in 1..32");
  if (![1, 2, 4, 8].includes(featuresPerLevel)) throw bad("featuresPerLevel must be 1, 2, 4 or 8");
  if (!Number.isInteger(log2TableSize) || log2TableSize < 3 || log2TableSize > 24) {
    throw bad("log2TableSize must be an integer in 3..24");
  }
  if (!(baseResolution >= 2) || !(maxResolution >= baseResolution)) {
    throw bad("need 2 <= baseResolution <= maxResolution");
  }
  // Python float64 per_level_scale, passed to tcnn as float32; log2 and exp2 in float32.
  const b = levels > 1 ? Math.exp(Math.log(maxResolution / baseResolution) / (levels - 1)) : 1;
  const log2b = f32(Math.log2(f32(b)));
  const scales = new Float32Array(levels);
  const resolutions = new Uint32Array(levels);
  const offsets = new Uint32Array(levels + 1);
  const dense: boolean[] = [];
  const cap = 2 ** log2TableSize;
  for (let l = 0; l < levels; ++l) {
    const scale = f32(f32(f32(2 ** f32(l * log2b)) * baseResolution) - 1);
    const res = Math.ceil(scale) + 1;
    const denseParams = Math.ceil(res ** 3 / 8) * 8; // next multiple of 8 (aligned accesses)
    const size = Math.min(denseParams, cap);
    scales[l] = scale;
    resolutions[l] = res;
    offsets[l + 1] = offsets[l] + size;
    dense.push(res ** 3 <= size);
  }
  return { spec, scales, resolutions, offsets, dense, tableLength: offsets[levels] * featuresPerLevel };
}

/**
 * Corner table indices (within the level) and trilinear weights for one colour, in float32 maths;
 * optionally the corners' virtual-vertex ids x + y*(res+1) + z*(res+1)^2 (before hashing / wrapping).
 */
export function hashGridCorners(
  r: number,
  g: number,
  b: number,
  levels: HashGridLevels,
  level: number,
  idx: Uint32Array,
  w: Float32Array,
  vertex?: Uint32Array,
): void {
  const scale = levels.scales[level];
  const res = levels.resolutions[level];
  const size = levels.offsets[level + 1] - levels.offsets[level];
  const dense = levels.dense[level];
  const cell = [0, 0, 0];
  const frac = [0, 0, 0];
  const c = [r, g, b];
  for (let d = 0; d < 3; ++d) {
    const x = c[d] > 0 ? (c[d] < 1 ? f32(c[d]) : 1) : 0;
    const pos = f32(scale * x + 0.5);
    const fl = Math.floor(pos);
    cell[d] = fl;
    frac[d] = f32(pos - fl);
  }
  for (let k = 0; k < 8; ++k) {
    let wk = 1;
    const v = [0, 0, 0];
    for (let d = 0; d < 3; ++d) {
      const hi = (k >> d) & 1;
      wk = f32(wk * (hi ? frac[d] : f32(1 - frac[d])));
      v[d] = cell[d] + hi;
    }
    const index = dense
      ? (v[0] + Math.imul(v[1], res) + Math.imul(Math.imul(v[2], res), res)) >>> 0
      : (v[0] ^ Math.imul(v[1], 2654435761) ^ Math.imul(v[2], 805459861)) >>> 0;
    idx[k] = index % size;
    w[k] = wk;
    if (vertex) vertex[k] = v[0] + (res + 1) * (v[1] + (res + 1) * v[2]);
  }
}

/** Calls visit(i, l, idx, w) for every pixel i (= b*H*W + p) and level l of rgb [B,3,H,W]. */
function forEachLookup(
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  levels: HashGridLevels,
  visit: (i: number, l: number, idx: Uint32Array, w: Float32Array) => void,
): void {
  if (rgb.length !== batch * 3 * height * width) {
    throw new Error(`hash grid: rgb length ${rgb.length} != [${batch},3,${height},${width}]`);
  }
  const n = height * width, idx = new Uint32Array(8), w = new Float32Array(8);
  for (let bi = 0; bi < batch; ++bi) {
    for (let p = 0; p < n; ++p) {
      const base = bi * 3 * n + p;
      for (let l = 0; l < levels.spec.levels; ++l) {
        hashGridCorners(rgb[base], rgb[base + n], rgb[base + 2 * n], levels, l, idx, w);
        visit(bi * n + p, l, idx, w);
      }
    }
  }
}

/** Reference encoding: rgb [B,3,H,W] + table [entries,F] -> features [B, L*F, H, W]. */
export function hashGridEncodeRef(
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  table: Float32Array,
  levels: HashGridLevels,
): Float32Array {
  const L = levels.spec.levels, F = levels.spec.featuresPerLevel, n = height * width;
  if (table.length !== levels.tableLength) {
    throw new Error(`hash grid: table length ${table.length} != ${levels.tableLength}`);
  }
  const out = new Float32Array(batch * L * F * n);
  forEachLookup(rgb, batch, height, width, levels, (i, l, idx, w) => {
    const bi = Math.floor(i / n), p = i - bi * n;
    for (let f = 0; f < F; ++f) {
      let acc = 0;
      for (let k = 0; k < 8; ++k) acc = f32(acc + f32(w[k] * table[(levels.offsets[l] + idx[k]) * F + f]));
      out[(bi * L * F + l * F + f) * n + p] = acc;
    }
  });
  return out;
}

/** Reference table gradient: d(loss)/d(table) [entries*F] from gradOut [B, L*F, H, W]. */
export function hashGridBackwardRef(
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  gradOut: Float32Array,
  levels: HashGridLevels,
): Float32Array {
  const L = levels.spec.levels, F = levels.spec.featuresPerLevel, n = height * width;
  if (gradOut.length !== batch * L * F * n) {
    throw new Error(`hash grid: gradOut length ${gradOut.length} != [${batch},${L * F},${height},${width}]`);
  }
  const grad = new Float64Array(levels.tableLength);
  forEachLookup(rgb, batch, height, width, levels, (i, l, idx, w) => {
    const bi = Math.floor(i / n), p = i - bi * n;
    for (let f = 0; f < F; ++f) {
      const g = gradOut[(bi * L * F + l * F + f) * n + p];
      for (let k = 0; k < 8; ++k) grad[(levels.offsets[l] + idx[k]) * F + f] += w[k] * g;
    }
  });
  return Float32Array.from(grad);
}

/**
 * DFC (diagonal-first compression of n-D SR LUTs, Li et al. CVPR 2024): compression of a full [L^n, K]
 * table into a fine diagonal band plus a coarse subsampled table, its storage size, and the native
 * lookup and its gradients (kernels/dfc.c/.cu). Definitions: lib/lut/dfc_ref.ts (DFC's simplex order, also
 * for SR-LUT tables), lib/lut/dfc_grad_ref.ts; planes/offsets/output as lib/lut/simplex.ts.
 */
import { lazyKernels } from "../core/native.ts";
import { expectF32, expectTableData } from "../core/ffi_guard.ts";
import {
  checkTable,
  outBuffer,
  type OutOption,
  PLANE_ARGS,
  planeArgs,
  type SimplexLut,
  TABLE_ARGS,
} from "./simplex.ts";
import { type LutGeometry, lutLevels, type Offset, type PlaneShape } from "./simplex_ref.ts";
import { dfcBandIndex, dfcBandKey, type DfcSpec } from "./dfc_ref.ts";

export type { DfcSpec };

/** A DFC-compressed LUT: fine band [bandRows, K] and coarse [Lc^n, K] tables of the source's dtype. */
export type DfcLut = LutGeometry & DfcSpec & {
  fine: Int8Array | Float32Array;
  coarse: Int8Array | Float32Array;
  /** Rows of the fine table (band points × L^(n-c)). */
  fineRows: number;
  /** Bytes of both tables (DFC's storage count: int8 → 1 byte per entry). */
  storageBytes(): number;
};

function checkSpec(g: LutGeometry, spec: DfcSpec, what: string): void {
  const { diagonalWidth: dw, samplingInterval: si, compressedDims: c } = spec;
  if (!Number.isInteger(dw) || dw < 0 || dw > 16) {
    throw new Error(`${what}: diagonalWidth=${dw}, expected 0..16`);
  }
  if (!Number.isInteger(si) || si < g.intervalBits || si > 8) {
    throw new Error(`${what}: samplingInterval=${si} (bits), expected ${g.intervalBits}..8`);
  }
  if (!Number.isInteger(c) || c < 2 || c > g.n) {
    throw new Error(`${what}: compressedDims=${c}, expected 2..${g.n}`);
  }
}

/** A DfcLut from its geometry, spec and fine/coarse tables (as compressDfc returns or the .npy files hold). */
export function withStorage(
  g: LutGeometry,
  spec: DfcSpec,
  fine: Int8Array | Float32Array,
  coarse: Int8Array | Float32Array,
): DfcLut {
  return {
    ...g,
    ...spec,
    fine,
    coarse,
    fineRows: fine.length / g.outputs,
    storageBytes: () => fine.byteLength + coarse.byteLength,
  };
}

/**
 * Compresses a full table [L^n, K] (DFC `compress_from_lut_*`): spec.compressedDims defaults to n
 * (DFC's default "xyzt" for n = 4), samplingInterval is the coarse interval in bits (DFC `--si`, 5..7).
 */
export function compressDfc(
  table: SimplexLut,
  spec: { diagonalWidth: number; samplingInterval: number; compressedDims?: number },
): DfcLut {
  const what = `compressDfc(n=${table.n}, intervalBits=${table.intervalBits}, K=${table.outputs})`;
  checkTable(table, what);
  const full: DfcSpec = { ...spec, compressedDims: spec.compressedDims ?? table.n };
  checkSpec(table, full, what);
  const { n, outputs: K } = table, L = lutLevels(table.intervalBits), c = full.compressedDims;
  const dw = full.diagonalWidth;
  const { index, count } = dfcBandIndex(L, c, dw);
  const tail = L ** (n - c);
  const Ctor = table.data instanceof Int8Array ? Int8Array : Float32Array;
  const fine = new Ctor(count * tail * K);
  const cell = new Array<number>(n).fill(0);
  for (let row = 0; row < L ** n; row++) {
    for (let d = n - 1, r = row; d >= 0; d--, r = Math.floor(r / L)) cell[d] = r % L;
    const key = dfcBandKey(cell, c, dw);
    if (key < 0 || index[key] < 0) continue;
    let dst = index[key];
    for (let d = c; d < n; d++) dst = dst * L + cell[d];
    fine.set(table.data.subarray(row * K, (row + 1) * K), dst * K);
  }
  const step = 2 ** (full.samplingInterval - table.intervalBits), Lc = lutLevels(full.samplingInterval);
  const coarse = new Ctor(Lc ** n * K);
  for (let row = 0; row < Lc ** n; row++) {
    let src = 0;
    for (let d = 0, r = row, m = Lc ** (n - 1); d < n; d++, r %= m, m /= Lc) {
      src = src * L + Math.floor(r / m) * step;
    }
    coarse.set(table.data.subarray(src * K, (src + 1) * K), row * K);
  }
  return withStorage(table, full, fine, coarse);
}

/** FFI argument types: planes (PLANE_ARGS), compressedDims, diagonalWidth, fine and coarse tables. */
const DFC_ARGS = [...PLANE_ARGS, "i32", "i32", ...TABLE_ARGS, ...TABLE_ARGS] as const;

const kernels = lazyKernels({
  // ..., dtype, bits, coarseBits, K, out
  lutlab_dfc_forward: {
    parameters: [...DFC_ARGS, "i32", "i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  // ..., bits, coarseBits, K, gradOut, gradFine, gradCoarse, gradPlanes
  lutlab_dfc_backward: {
    parameters: [...DFC_ARGS, "i32", "i32", "i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
});

/** Validated tables of `lut` and the DFC_ARGS arguments after the planes; returns the dtype code. */
function dfcArgs(lut: DfcLut, what: string) {
  const L = lutLevels(lut.intervalBits);
  checkSpec(lut, lut, what);
  const { count } = dfcBandIndex(L, lut.compressedDims, lut.diagonalWidth);
  const fineLen = count * L ** (lut.n - lut.compressedDims) * lut.outputs;
  const coarseLen = lutLevels(lut.samplingInterval) ** lut.n * lut.outputs;
  const dtype = expectTableData(what, "fine table", lut.fine, fineLen);
  if (expectTableData(what, "coarse table", lut.coarse, coarseLen) !== dtype) {
    throw new Error(`${what}: fine and coarse tables differ in dtype`);
  }
  const tables = [
    lut.compressedDims,
    lut.diagonalWidth,
    lut.fine,
    BigInt(fineLen),
    lut.coarse,
    BigInt(coarseLen),
  ] as const;
  return { dtype, tables, bits: [lut.intervalBits, lut.samplingInterval] as const };
}

function describe(name: string, shape: PlaneShape, lut: DfcLut): string {
  return `${name}(planes [${shape.planes},${shape.height},${shape.width}], n=${lut.n}, K=${lut.outputs})`;
}

/** DFC lookup (DFC's simplex order): padded planes [N,Hp,Wp] → out [N, Hp-maxdy, Wp-maxdx, K] float32 (native; opts.out reused). */
export function dfcLookup(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  lut: DfcLut,
  opts: OutOption = {},
): Float32Array {
  const what = describe("dfcLookup", shape, lut);
  const { dtype, tables, bits } = dfcArgs(lut, what);
  const { h, w, args } = planeArgs(planes, shape, offsets, lut.n, what);
  const out = outBuffer(opts.out, shape.planes * h * w * lut.outputs, what);
  kernels.call(what, "lutlab_dfc_forward", ...args, ...tables, dtype, ...bits, lut.outputs, out);
  return out;
}

/**
 * Gradients of sum(gradOut · dfcLookup) for float32 tables: gradFine [fineRows, K], gradCoarse [Lc^n, K] and
 * gradPlanes [N,Hp,Wp]; `want` picks which, each `true` (a new array) or the array to overwrite (native).
 */
export function dfcBackward(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  lut: DfcLut,
  gradOut: Float32Array,
  want: { fine?: boolean | Float32Array; coarse?: boolean | Float32Array; planes?: boolean | Float32Array },
): { gradFine?: Float32Array; gradCoarse?: Float32Array; gradPlanes?: Float32Array } {
  const what = describe("dfcBackward", shape, lut);
  const { dtype, tables, bits } = dfcArgs(lut, what);
  if (dtype !== 0) throw new Error(`${what}: the backward pass needs float32 fine and coarse tables`);
  const { h, w, args } = planeArgs(planes, shape, offsets, lut.n, what);
  expectF32(
    what,
    "gradOut",
    gradOut,
    shape.planes * h * w * lut.outputs,
    `[${shape.planes},${h},${w},${lut.outputs}]`,
  );
  const output = (given: boolean | Float32Array | undefined, length: number, name: string) => {
    if (given instanceof Float32Array) expectF32(what, name, given, length);
    return given instanceof Float32Array ? given : given ? new Float32Array(length) : undefined;
  };
  const gradFine = output(want.fine, lut.fine.length, "gradFine");
  const gradCoarse = output(want.coarse, lut.coarse.length, "gradCoarse");
  const gradPlanes = output(want.planes, planes.length, "gradPlanes");
  const grads = [gradOut, gradFine ?? null, gradCoarse ?? null, gradPlanes ?? null] as const;
  kernels.call(what, "lutlab_dfc_backward", ...args, ...tables, ...bits, lut.outputs, ...grads);
  return { gradFine, gradCoarse, gradPlanes };
}

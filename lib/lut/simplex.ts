/**
 * n-D simplex LUT lookup (SR-LUT, MuLUT, SPF-LUT; n = 2, 3, 4) through the native kernels
 * (kernels/simplex_lut.c/.cu), plus a tfjs op with gradients for LUT fine-tuning. Definitions and layouts are
 * those of lib/lut/simplex_ref.ts (the TS reference): table [L^n, K] int8 or float32 with
 * L = 2^(8-intervalBits)+1; planes [N, Hp, Wp] float32 pixel values in [0,255] (clamped), padded by the
 * caller at the bottom/right by the pattern's (max dy, max dx); output [N, H, W, K] float32 with
 * H = Hp - max dy, W = Wp - max dx (K contiguous per pixel: ready for a pixel shuffle), equal to
 * Σ_j w_j·T[v_j] / q (table units: an int8 SR-LUT table gives values in [-128, 127]).
 */
import { onWebgpu, tf, withData } from "../core/backend.ts";
import { simplexBackwardGpu, simplexForwardGpu } from "./webgpu/simplex_wgsl.ts";
import { lazyKernels } from "../core/native.ts";
import { expectF32, expectTableData } from "../core/ffi_guard.ts";
import {
  type LutDtype,
  type LutGeometry,
  lutLevels,
  lutRows,
  type Offset,
  type PadMode,
  patternPad,
  type PlaneShape,
} from "./simplex_ref.ts";

export { type LutDtype, type LutGeometry, lutLevels, lutRows, type Offset, type PadMode, type PlaneShape };

/** A LUT: geometry plus its [L^n, K] entries (int8 as exported by SR-LUT/MuLUT, or float32). */
export type SimplexLut = LutGeometry & { data: Int8Array | Float32Array };

/** Lookup options: `srlutOrder` reproduces SR-LUT's 4-D branch order (see simplex_ref.ts); default false. */
export type LookupOptions = { srlutOrder?: boolean };

/** Output buffer to reuse (must have exactly the output's length); a new array when absent. */
export type OutOption = { out?: Float32Array };

/** `out` checked against `length`, or a new array. */
export function outBuffer(out: Float32Array | undefined, length: number, what: string): Float32Array {
  if (out === undefined) return new Float32Array(length);
  expectF32(what, "out", out, length);
  return out;
}

/** FFI argument types shared by the plane kernels: planes, nPlanes, hp, wp, offsets, n. */
export const PLANE_ARGS = ["buffer", "i32", "i32", "i32", "buffer", "i32"] as const;
/** FFI argument types of a table: data, length. */
export const TABLE_ARGS = ["buffer", "i64"] as const;

const kernels = lazyKernels({
  // ..., dtype, intervalBits, K, flags, out
  lutlab_simplex_forward: {
    parameters: [...PLANE_ARGS, ...TABLE_ARGS, "i32", "i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  // ..., intervalBits, K, flags, gradOut, gradTable, gradPlanes
  lutlab_simplex_backward: {
    parameters: [...PLANE_ARGS, ...TABLE_ARGS, "i32", "i32", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  // ..., dtype, intervalBits, upscale, padMode, flags, out
  lutlab_simplex_ensemble: {
    parameters: [...PLANE_ARGS, ...TABLE_ARGS, "i32", "i32", "i32", "i32", "i32", "buffer"],
    result: "i32",
  },
});

/** Native dtype code of a table array (0 float32, 1 int8). */
export function dtypeCode(data: Int8Array | Float32Array, what: string): number {
  return expectTableData(what, "table data", data);
}

function int32(v: number, name: string, what: string, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1) {
    throw new Error(`${what}: ${name}=${v} must be an integer >= ${min}`);
  }
}

/** Validates n, intervalBits and K of a geometry; returns L. */
export function checkGeometry(g: LutGeometry, what: string): number {
  if (g.n !== 2 && g.n !== 3 && g.n !== 4) throw new Error(`${what}: n must be 2, 3 or 4 inputs, got ${g.n}`);
  int32(g.outputs, "outputs (K)", what, 1);
  try {
    return lutLevels(g.intervalBits);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

/** Validates a table against its geometry ([L^n, K] entries). */
export function checkTable(t: SimplexLut, what: string): void {
  const L = checkGeometry(t, what);
  const rows = L ** t.n;
  const shape = `[${rows}, ${t.outputs}] (L=${L}, n=${t.n}, intervalBits=${t.intervalBits})`;
  expectTableData(what, "table", t.data, rows * t.outputs, shape);
}

/** Validates offsets (n pairs of non-negative integers) and packs them as int32 [n][2]. */
export function packOffsets(offsets: readonly Offset[], n: number, what: string): Int32Array {
  if (offsets.length !== n) {
    throw new Error(`${what}: ${offsets.length} pattern offsets for a ${n}-input LUT`);
  }
  const packed = new Int32Array(2 * n);
  offsets.forEach((o, i) => {
    if (o.length !== 2 || !o.every((v) => Number.isInteger(v) && v >= 0 && v <= 64)) {
      throw new Error(`${what}: offset ${i} = [${o}] must be two integers in 0..64 (dy, dx)`);
    }
    packed.set(o, 2 * i);
  });
  return packed;
}

/** Validates a planes shape [N,Hp,Wp] against the pattern's padding; returns the output grid [H, W]. */
export function checkPlaneShape(
  s: PlaneShape,
  offsets: readonly Offset[],
  what: string,
): readonly [number, number] {
  int32(s.planes, "planes", what, 1);
  int32(s.height, "height", what, 1);
  int32(s.width, "width", what, 1);
  const [py, px] = patternPad(offsets);
  if (s.height <= py || s.width <= px) {
    throw new Error(
      `${what}: padded planes ${s.height}x${s.width} leave no output for a pattern reaching (${py}, ${px})`,
    );
  }
  return [s.height - py, s.width - px] as const;
}

/** Validates planes data [N,Hp,Wp] against its shape and the pattern's padding; returns [H, W]. */
export function checkPlanes(planes: Float32Array, s: PlaneShape, offsets: readonly Offset[], what: string) {
  expectF32(what, "planes", planes);
  const hw = checkPlaneShape(s, offsets, what);
  expectF32(what, "planes", planes, s.planes * s.height * s.width, `[${s.planes},${s.height},${s.width}]`);
  return hw;
}

/**
 * Validates planes [N,Hp,Wp] (padded for the offsets `reach`, by default `offsets`) and n offsets;
 * returns the output grid [H, W] and the PLANE_ARGS arguments.
 */
export function planeArgs(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  n: number,
  what: string,
  reach: readonly Offset[] = offsets,
) {
  const off = packOffsets(offsets, n, what);
  const [h, w] = checkPlanes(planes, shape, reach, what);
  return { h, w, args: [planes, shape.planes, shape.height, shape.width, off, n] as const };
}

/** Validates a table and returns its TABLE_ARGS arguments. */
function tableArgs(t: SimplexLut, what: string) {
  checkTable(t, what);
  return [t.data, BigInt(t.data.length)] as const;
}

function describe(name: string, s: PlaneShape, t: LutGeometry): string {
  return `${name}(planes [${s.planes},${s.height},${s.width}], n=${t.n}, intervalBits=${t.intervalBits}, K=${t.outputs})`;
}

/**
 * Simplex lookup: padded planes [N,Hp,Wp] → out [N, Hp-maxdy, Wp-maxdx, K] float32 (native kernel; opts.out reused).
 *
 * @example SR-LUT's 2×2 pattern on a 3×3 plane with a 2-level table (intervalBits 7: L = 3) that is the first input
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lutRows, simplexLookup } from "./simplex.ts";
 *
 * const geom = { n: 4, intervalBits: 7, outputs: 1 }, L = 3;
 * const data = new Float32Array(lutRows(geom)); // row ((i0·L + i1)·L + i2)·L + i3 holds i0 · 128
 * for (let r = 0; r < data.length; r++) data[r] = Math.floor(r / L ** 3) * 128;
 * const planes = new Float32Array([0, 64, 128, 192, 255, 10, 20, 30, 40]);
 * const out = simplexLookup(planes, { planes: 1, height: 3, width: 3 }, [[0, 0], [0, 1], [1, 0], [1, 1]], {
 *   ...geom,
 *   data,
 * });
 * assertEquals([...out], [0, 64, 192, 255]); // the anchor pixels: the table is linear in the first input
 * ```
 */
export function simplexLookup(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: SimplexLut,
  opts: LookupOptions & OutOption = {},
): Float32Array {
  const what = describe("simplexLookup", shape, table);
  const tab = tableArgs(table, what);
  const { h, w, args } = planeArgs(planes, shape, offsets, table.n, what);
  const out = outBuffer(opts.out, shape.planes * h * w * table.outputs, what);
  const dtype = dtypeCode(table.data, what), flags = opts.srlutOrder ? 1 : 0, K = table.outputs;
  kernels.call(what, "lutlab_simplex_forward", ...args, ...tab, dtype, table.intervalBits, K, flags, out);
  return out;
}

/**
 * Gradients of sum(gradOut · simplexLookup(planes, table)) for a float32 table: gradTable [L^n, K] and
 * gradPlanes [N,Hp,Wp] (zero where a value was clamped); `want` picks which are computed, each `true` (a new
 * array) or the array to overwrite (native kernel).
 */
export function simplexBackward(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: SimplexLut,
  gradOut: Float32Array,
  want: { table?: boolean | Float32Array; planes?: boolean | Float32Array } = { table: true, planes: true },
  opts: LookupOptions = {},
): { gradTable?: Float32Array; gradPlanes?: Float32Array } {
  const what = describe("simplexBackward", shape, table);
  const tab = tableArgs(table, what);
  expectF32(what, "table data (the backward pass needs a float32 table)", table.data);
  const { h, w, args } = planeArgs(planes, shape, offsets, table.n, what);
  const nOut = shape.planes * h * w * table.outputs;
  expectF32(what, "gradOut", gradOut, nOut, `[${shape.planes},${h},${w},${table.outputs}]`);
  const output = (given: boolean | Float32Array | undefined, length: number, name: string) => {
    if (given instanceof Float32Array) expectF32(what, name, given, length);
    return given instanceof Float32Array ? given : given ? new Float32Array(length) : undefined;
  };
  const gradTable = output(want.table, table.data.length, "gradTable");
  const gradPlanes = output(want.planes, planes.length, "gradPlanes");
  const flags = opts.srlutOrder ? 1 : 0, K = table.outputs;
  const grads = [gradOut, gradTable ?? null, gradPlanes ?? null] as const;
  kernels.call(what, "lutlab_simplex_backward", ...args, ...tab, table.intervalBits, K, flags, ...grads);
  return { gradTable, gradPlanes };
}

/**
 * SR-LUT rotation ensemble on UNPADDED planes [N,H,W]: Σ over k=0..3 of rot90⁻ᵏ(pixelShuffle(lookup(
 * pad(rot90ᵏ(plane))))) → [N, H·r, W·r] float32, a SUM (SR-LUT then divides by 255, MuLUT averages).
 * Padding is bottom/right by the pattern's (max dy, max dx), "reflect" (SR-LUT) or "edge" (MuLUT);
 * needs K = upscale² (native kernel).
 */
export function simplexRotationEnsemble(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: SimplexLut,
  opts: LookupOptions & OutOption & { upscale: number; pad: PadMode },
): Float32Array {
  const what = describe("simplexRotationEnsemble", shape, table) + ` upscale=${opts.upscale} pad=${opts.pad}`;
  const tab = tableArgs(table, what);
  const { args } = planeArgs(planes, shape, offsets, table.n, what, []);
  int32(opts.upscale, "upscale", what, 1);
  if (opts.upscale * opts.upscale !== table.outputs) {
    throw new Error(
      `${what}: upscale ${opts.upscale} needs K = ${opts.upscale ** 2} outputs, table has ${table.outputs}`,
    );
  }
  if (opts.pad !== "edge" && opts.pad !== "reflect") {
    throw new Error(`${what}: pad must be "edge" or "reflect"`);
  }
  const [py, px] = patternPad(offsets);
  const minSide = Math.min(shape.height, shape.width);
  if (opts.pad === "reflect" && Math.max(py, px) >= minSide) {
    throw new Error(`${what}: reflect padding by ${Math.max(py, px)} needs planes larger than ${minSide}`);
  }
  const r = opts.upscale;
  const out = outBuffer(opts.out, shape.planes * shape.height * r * shape.width * r, what);
  const dtype = dtypeCode(table.data, what), flags = opts.srlutOrder ? 1 : 0;
  const pad = opts.pad === "reflect" ? 1 : 0;
  kernels.call(
    what,
    "lutlab_simplex_ensemble",
    ...args,
    ...tab,
    dtype,
    table.intervalBits,
    r,
    pad,
    flags,
    out,
  );
  return out;
}

/**
 * tfjs op for LUT fine-tuning: padded planes [N,Hp,Wp] float32 (values in [0,255]) and a trainable
 * float32 table [L^n, K] → [N, Hp-maxdy, Wp-maxdx, K]; gradients wrt the table and the planes.
 */
export function simplexOp(
  planes: tf.Tensor3D,
  table: tf.Tensor2D,
  offsets: readonly Offset[],
  intervalBits: number,
  opts: LookupOptions = {},
): tf.Tensor4D {
  const [n, hp, wp] = planes.shape;
  const what = `simplexOp(planes ${planes.dtype} [${planes.shape}], table ${table.dtype} [${table.shape}])`;
  if (planes.rank !== 3 || planes.dtype !== "float32") {
    throw new Error(`${what}: planes must be float32 [N,Hp,Wp]`);
  }
  if (table.rank !== 2 || table.dtype !== "float32") {
    throw new Error(`${what}: table must be float32 [L^n, K]`);
  }
  const geo: LutGeometry = { n: offsets.length, intervalBits, outputs: table.shape[1] };
  const L = checkGeometry(geo, what);
  if (table.shape[0] !== L ** geo.n) {
    throw new Error(`${what}: table needs ${L ** geo.n} rows (L=${L}, n=${geo.n})`);
  }
  const shape = { planes: n, height: hp, width: wp };
  const [h, w] = checkPlaneShape(shape, offsets, what);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, t]);
    if (onWebgpu()) { // WGSL kernels (lib/lut/webgpu/simplex_wgsl.ts)
      const gpu = { ...shape, hp, wp, h, w, intervalBits, outputs: geo.outputs, srlut: !!opts.srlutOrder };
      const gradFunc = (dy: tf.Tensor, [xs, ts]: tf.Tensor[]) => simplexBackwardGpu(xs, ts, dy, offsets, gpu);
      return { value: simplexForwardGpu(x, t, offsets, gpu) as tf.Tensor4D, gradFunc };
    }
    // the kernels read and write the tensors' memory in place (withData)
    const [value] = withData([x, t], [[n, h, w, geo.outputs]], ([xv, tv], [out]) => {
      simplexLookup(xv, shape, offsets, { ...geo, data: tv }, { ...opts, out });
    }) as [tf.Tensor4D];
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      withData([saved[0], saved[1], dy], [[n, hp, wp], table.shape], ([xv, tv, g], [planes, table]) => {
        simplexBackward(xv, shape, offsets, { ...geo, data: tv }, g, { table, planes }, opts);
      });
    return { value, gradFunc };
  });
  return op(planes, table) as tf.Tensor4D;
}

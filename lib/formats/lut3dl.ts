/**
 * Autodesk .3dl 3D LUTs (Lustre and Flame). The file holds integers: a first line of more than three
 * integers, the input mesh (D evenly spaced code values, usually 10-bit: 0 64 128 ... 1023 for D = 17),
 * then D³ rows "R G B" of output code values at `bits` bits (0..2^bits-1), BLUE varying fastest: row
 * k = (r·D + g)·D + b. Lustre files start with "3DMESH" and "Mesh <input bits> <output bits>", and may end
 * with "LUT8" / "gamma 1.0"; lines starting with # are comments. Conventions as OpenColorIO's reader
 * (FileFormat3DL.cpp): without a Mesh line the output bit depth is inferred from the largest value
 * (8, 10, 12 or 16 bits, allowing a 2x overshoot). Only a uniform input mesh (no shaper curve) is read.
 * Written with a Lustre header when D-1 is a power of two, a 10-bit mesh (none for D <= 3: a line of 2 or
 * 3 integers would read as a data row), and 12-bit values by default:
 * values are clamped to [0,1] and quantised (error <= 0.5/(2^bits-1)); re-reading and re-writing is exact.
 * In memory the LUT has the layout lut[c][b][g][r] of lib/formats/cube.ts.
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { readText } from "../core/read.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";
import { type Cube, interpolationComment } from "./cube.ts";

/** A .3dl file read back: the 3D LUT (domain [0,1]), its output bit depth and recorded interpolation. */
export type Lut3dl = Cube & { bits: number; interpolation?: Lut3dMode };

/** Bit depth of the written input mesh, and the output bit depths written. */
const MESH_BITS = 10, OUT_BITS = [8, 10, 12, 16] as const;
const MAX_SIZE = 129;

/** Output bit depth from the largest code value, as OpenColorIO infers it (8/10/12/16, 2x overshoot). */
function likelyBits(max: number): number {
  for (const bits of [8, 10, 12, 14]) if (max <= 2 * 2 ** bits - 1) return bits === 14 ? 16 : bits;
  return 16;
}

/** Parses .3dl text; `name` (the file) appears in errors with the line number. */
export function parse3dl(text: string, name = "<3dl>"): Lut3dl {
  const lines = text.split(/\r?\n|\r/);
  let mesh: number[] | undefined, bits: number | undefined, interpolation: Lut3dMode | undefined;
  const rows: number[] = [];
  for (let li = 0; li < lines.length; li++) {
    const s = lines[li].trim(), line = li + 1;
    if (s === "") continue;
    if (s.startsWith("#")) {
      interpolation = interpolationComment(s, line, name) ?? interpolation;
      continue;
    }
    const parts = s.split(/\s+/);
    if (!parts.every((p) => /^\d{1,6}$/.test(p))) {
      const key = parts[0];
      if (key === "Mesh") {
        const [a, b] = parts.slice(1).map(Number);
        if (
          parts.length !== 3 || !(a >= 1 && a <= 16 && Number.isInteger(a)) ||
          !(b >= 1 && b <= 16 && Number.isInteger(b))
        ) {
          throw new Error(
            `${name}:${line}: Mesh needs <input bits> <output bits> (integers 1..16), got "${s}"`,
          );
        }
        bits = b;
      } else if (
        !(["3DMESH", "LUT8", "LUT10", "LUT12", "LUT16"].includes(key) || /^gamma\s+[\d.]+$/.test(s))
      ) {
        throw new Error(
          `${name}:${line}: unknown keyword "${key}" (a .3dl has integer rows, 3DMESH, Mesh, LUT8, gamma)`,
        );
      }
      continue;
    }
    const v = parts.map(Number);
    if (v.length > 3) {
      if (mesh) throw new Error(`${name}:${line}: a second input mesh line (${v.length} integers)`);
      if (rows.length) throw new Error(`${name}:${line}: the input mesh line must come before the data rows`);
      if (v.length > MAX_SIZE) {
        throw new Error(`${name}:${line}: input mesh of ${v.length} points (at most ${MAX_SIZE})`);
      }
      mesh = v;
    } else if (v.length === 3) {
      if (rows.length >= 3 * MAX_SIZE ** 3) throw new Error(`${name}:${line}: more than ${MAX_SIZE}^3 rows`);
      rows.push(...v);
    } else throw new Error(`${name}:${line}: expected 3 integers per row, got ${v.length}: "${s}"`);
  }
  const n = rows.length / 3;
  const size = mesh ? mesh.length : Math.round(Math.cbrt(n));
  if (size ** 3 !== n || size < 2) {
    const what = mesh
      ? `an input mesh of ${size} points expects ${size ** 3} rows`
      : "the row count must be D³ (D >= 2)";
    throw new Error(`${name}: ${what}, got ${n}`);
  }
  if (mesh) {
    const top = mesh[size - 1], meshMax = 2 ** likelyBits(top) - 1;
    if (mesh.some((m, i) => Math.abs(m - (i * meshMax) / (size - 1)) > 2)) {
      throw new Error(
        `${name}: the input mesh "${
          mesh.join(" ")
        }" is not uniform over 0..${meshMax}: .3dl shaper meshes are not supported`,
      );
    }
  }
  let max = 0;
  for (const v of rows) max = Math.max(max, v);
  bits ??= likelyBits(max);
  const scale = 2 ** bits - 1, d3 = n, lut = new Float32Array(3 * d3);
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k / (size * size)), g = Math.floor(k / size) % size, b = k % size;
    const at = (b * size + g) * size + r;
    for (let c = 0; c < 3; c++) lut[c * d3 + at] = rows[3 * k + c] / scale;
  }
  return { size, domainMin: [0, 0, 0], domainMax: [1, 1, 1], lut, bits, interpolation };
}

/** Formats a 3D LUT [3,D,D,D] (lut[c][b][g][r]) as .3dl text with `bits`-bit output values (default 12). */
export function format3dl(
  lut: Float32Array,
  size: number,
  opts: { bits?: number; title?: string; interpolation?: Lut3dMode } = {},
): string {
  const bits = opts.bits ?? 12;
  if (!(OUT_BITS as readonly number[]).includes(bits)) {
    throw new Error(`format3dl: bits must be 8, 10, 12 or 16, got ${bits}`);
  }
  if (!Number.isInteger(size) || size < 2 || size > MAX_SIZE) {
    throw new Error(`format3dl: size must be in 2..${MAX_SIZE}, got ${size}`);
  }
  const d3 = size ** 3;
  if (lut.length !== 3 * d3) {
    throw new Error(`format3dl: lut has ${lut.length} values, expected 3*${size}^3 = ${3 * d3}`);
  }
  const out: string[] = [];
  if (opts.title !== undefined) out.push(`# ${opts.title.replace(/[\r\n]/g, " ")}`);
  if (opts.interpolation) out.push(`# LUTLAB_INTERPOLATION ${opts.interpolation}`);
  // A mesh line needs more than 3 integers to be told from a data row: none for D <= 3 (D from the rows).
  const inBits = Math.log2(size - 1), meshMax = 2 ** MESH_BITS - 1;
  if (Number.isInteger(inBits) && size > 3) out.push("3DMESH", `Mesh ${inBits} ${bits}`);
  if (size > 3) {
    out.push(Array.from({ length: size }, (_, i) => Math.round((i * meshMax) / (size - 1))).join(" "));
  }
  const scale = 2 ** bits - 1;
  const q = (v: number) => {
    if (Number.isNaN(v)) throw new Error(`format3dl: NaN value`);
    return Math.round(Math.min(1, Math.max(0, v)) * scale);
  };
  for (let r = 0; r < size; r++) {
    for (let g = 0; g < size; g++) {
      for (let b = 0; b < size; b++) {
        const at = (b * size + g) * size + r;
        out.push(`${q(lut[at])} ${q(lut[d3 + at])} ${q(lut[2 * d3 + at])}`);
      }
    }
  }
  return out.join("\n") + "\n";
}

/** Reads a .3dl file. */
export async function read3dl(path: string): Promise<Lut3dl> {
  return parse3dl(await readText(path, "read3dl"), path);
}

/** Writes a 3D LUT as a .3dl file atomically (see format3dl). */
export async function write3dl(
  path: string,
  lut: Float32Array,
  size: number,
  opts: { bits?: number; title?: string; interpolation?: Lut3dMode } = {},
): Promise<void> {
  await writeFileAtomic(path, format3dl(lut, size, opts));
}

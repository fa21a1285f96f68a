/**
 * Adobe Cube LUT Specification 1.0 (.cube) 1D and 3D LUTs, and DaVinci Resolve's 1D shaper + 3D files.
 * 3D rows list output (r, g, b) with red varying fastest; in memory a 3D LUT is a Float32Array in layout
 * lut[c][b][g][r], index ((c*D + b)*D + g)*D + r, c = output channel. 1D rows list (r, g, b) curve values;
 * in memory lut[c][i], index c*N + i. A Resolve file has LUT_1D_SIZE and LUT_3D_SIZE, LUT_1D_INPUT_RANGE /
 * LUT_3D_INPUT_RANGE (not DOMAIN_*), and the 1D rows first: the 1D table (the shaper) maps its input range
 * to values in the 3D table's input range. The comment `# LUTLAB_INTERPOLATION trilinear|tetrahedral`
 * records the 3D interpolation a table was made for (written by our exporter, honoured by apply).
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { readText } from "../core/read.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";

/** Per-channel triple (r, g, b). */
export type Vec3 = [number, number, number];

/** A 3D LUT: `size` D, input domain per channel, and `lut` of 3·D³ values in layout lut[c][b][g][r]. */
export type Cube = {
  title?: string;
  size: number;
  domainMin: Vec3;
  domainMax: Vec3;
  lut: Float32Array;
};

/** A 1D LUT (per-channel curves): `size` N, input domain per channel, `lut` of 3·N values lut[c][i]. */
export type Lut1dTable = { size: number; domainMin: Vec3; domainMax: Vec3; lut: Float32Array };

/** A parsed .cube file: a 1D table, a 3D table, or both (the 1D one is then the shaper, applied first). */
export type CubeFile = { title?: string; interpolation?: Lut3dMode; lut1d?: Lut1dTable; lut3d?: Cube };

/** Fields accepted by writeCube; domain defaults to [0,0,0]..[1,1,1]. */
export type CubeInput = {
  title?: string;
  size: number;
  domainMin?: Vec3;
  domainMax?: Vec3;
  lut: Float32Array;
  /** the 3D interpolation the table was made for, written as a LUTLAB_INTERPOLATION comment */
  interpolation?: Lut3dMode;
};

/** Fields accepted by formatCubeFile: a 1D table, a 3D table or both; domains default to [0,1]. */
export type CubeFileInput = {
  title?: string;
  interpolation?: Lut3dMode;
  lut1d?: { size: number; domainMin?: Vec3; domainMax?: Vec3; lut: Float32Array };
  lut3d?: { size: number; domainMin?: Vec3; domainMax?: Vec3; lut: Float32Array };
};

/** Largest 3D size read or written (per axis). */
const MAX_3D = 256;
/** Largest 1D size (entries per channel): the Adobe 1.0 limit. */
const MAX_1D = 65536;
/** Largest finite float32: values beyond it would become Infinity in the Float32Array LUT. */
const FLOAT32_MAX = 3.4028234663852886e38;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number (optional exponent) within float32 range, or NaN (no hex, Infinity, "" or 1e39). */
function cubeNumber(s: string): number {
  const v = DECIMAL.test(s) ? Number(s) : NaN;
  return Math.abs(v) <= FLOAT32_MAX ? v : NaN;
}

function numbers(parts: string[], count: number, line: number, name: string, what: string): number[] {
  const v = parts.map(cubeNumber);
  if (v.length !== count || !v.every(Number.isFinite)) {
    throw new Error(
      `${name}:${line}: ${what} needs ${count} decimal numbers within float32 range, got "${
        parts.join(" ")
      }"`,
    );
  }
  return v;
}

/**
 * The interpolation recorded by a comment line `# LUTLAB_INTERPOLATION trilinear|tetrahedral` (written by
 * our .cube and .3dl exporters), undefined for any other comment; another mode name is an error.
 */
export function interpolationComment(comment: string, line: number, name: string): Lut3dMode | undefined {
  const m = /^#\s*LUTLAB_INTERPOLATION\b\s*(\S*)/.exec(comment);
  if (!m) return undefined;
  if (m[1] !== "trilinear" && m[1] !== "tetrahedral") {
    throw new Error(`${name}:${line}: LUTLAB_INTERPOLATION must be trilinear or tetrahedral, got "${m[1]}"`);
  }
  return m[1];
}

/** Header keywords of a .cube file: the value and the line that gave it. */
type Header = {
  title?: string;
  interpolation?: Lut3dMode;
  size1?: number;
  size3?: number;
  domainMin?: Vec3;
  domainMax?: Vec3;
  range1?: [number, number];
  range3?: [number, number];
  lines: Record<string, number>;
};

const isData = (s: string) => s !== "" && !s.startsWith("#");

/** The size given by keyword `key` (an integer in 2..max) on `line`. */
function sizeOf(parts: string[], key: string, max: number, line: number, name: string): number {
  const v = /^\d{1,6}$/.test(parts[1] ?? "") ? Number(parts[1]) : NaN;
  if (parts.length !== 2 || !(v >= 2 && v <= max)) {
    throw new Error(
      `${name}:${line}: ${key} must be an integer in 2..${max}, got "${parts.slice(1).join(" ")}"`,
    );
  }
  return v;
}

/** Reads one header line (keyword or comment) into `h`. */
function headerLine(s: string, line: number, name: string, h: Header): void {
  if (s.startsWith("#")) {
    h.interpolation = interpolationComment(s, line, name) ?? h.interpolation;
    return;
  }
  const parts = s.split(/\s+/);
  const key = parts[0];
  if (h.lines[key] !== undefined) {
    throw new Error(`${name}:${line}: ${key} given twice (first on line ${h.lines[key]})`);
  }
  h.lines[key] = line;
  const range = () => numbers(parts.slice(1), 2, line, name, key) as [number, number];
  if (key === "TITLE") {
    const m = /^TITLE\s+"(.*)"\s*$/.exec(s);
    h.title = m ? m[1] : parts.slice(1).join(" ");
  } else if (key === "LUT_3D_SIZE") h.size3 = sizeOf(parts, key, MAX_3D, line, name);
  else if (key === "LUT_1D_SIZE") h.size1 = sizeOf(parts, key, MAX_1D, line, name);
  else if (key === "DOMAIN_MIN") h.domainMin = numbers(parts.slice(1), 3, line, name, key) as Vec3;
  else if (key === "DOMAIN_MAX") h.domainMax = numbers(parts.slice(1), 3, line, name, key) as Vec3;
  else if (key === "LUT_1D_INPUT_RANGE") h.range1 = range();
  else if (key === "LUT_3D_INPUT_RANGE") h.range3 = range();
  else throw new Error(`${name}:${line}: unknown keyword ${key}`);
}

/** The domain of one table: DOMAIN_MIN/MAX or its INPUT_RANGE (not both), default [0,1]. */
function domainOf(
  h: Header,
  range: [number, number] | undefined,
  rangeKey: string,
  name: string,
): [Vec3, Vec3] {
  const domain = h.domainMin !== undefined || h.domainMax !== undefined;
  if (domain && range) {
    throw new Error(
      `${name}:${h.lines[rangeKey]}: ${rangeKey} and DOMAIN_MIN/DOMAIN_MAX both give the input range`,
    );
  }
  const lo: Vec3 = range ? [range[0], range[0], range[0]] : h.domainMin ?? [0, 0, 0];
  const hi: Vec3 = range ? [range[1], range[1], range[1]] : h.domainMax ?? [1, 1, 1];
  for (let c = 0; c < 3; c++) {
    if (!(lo[c] < hi[c])) {
      const what = range ? `${rangeKey} ${range.join(" ")}` : `DOMAIN_MIN ${lo} / DOMAIN_MAX ${hi}`;
      throw new Error(`${name}: ${what}: the minimum must be below the maximum`);
    }
  }
  return [lo, hi];
}

/** Checks which keywords fit the tables present; returns the domain of each table. */
function domains(h: Header, name: string): { d1?: [Vec3, Vec3]; d3?: [Vec3, Vec3] } {
  const { size1, size3 } = h;
  if (size1 === undefined && size3 === undefined) {
    throw new Error(`${name}: missing LUT_3D_SIZE or LUT_1D_SIZE`);
  }
  const stray = (key: string, need: string) => {
    throw new Error(`${name}:${h.lines[key]}: ${key} without ${need}`);
  };
  if (h.range1 && size1 === undefined) stray("LUT_1D_INPUT_RANGE", "LUT_1D_SIZE");
  if (h.range3 && size3 === undefined) stray("LUT_3D_INPUT_RANGE", "LUT_3D_SIZE");
  if (size1 !== undefined && size3 !== undefined) {
    const key = h.domainMin ? "DOMAIN_MIN" : "DOMAIN_MAX";
    if (h.domainMin || h.domainMax) {
      throw new Error(
        `${name}:${h.lines[key]}: ${key} is ambiguous in a file with a 1D shaper and a 3D table: ` +
          "use LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE",
      );
    }
  }
  return {
    d1: size1 === undefined ? undefined : domainOf(h, h.range1, "LUT_1D_INPUT_RANGE", name),
    d3: size3 === undefined ? undefined : domainOf(h, h.range3, "LUT_3D_INPUT_RANGE", name),
  };
}

/**
 * Parses .cube text: an Adobe 1.0 1D or 3D LUT, or a Resolve 1D shaper + 3D file (1D rows first);
 * `name` (file name) appears in error messages with the line number.
 */
export function parseCubeFile(text: string, name = "<cube>"): CubeFile {
  const lines = text.split(/\r?\n|\r/);
  const h: Header = { lines: {} };
  let first = 0; // index of the first data row
  for (; first < lines.length; first++) {
    const s = lines[first].trim();
    if (s === "") continue;
    if (!s.startsWith("#") && !/^[A-Za-z_]/.test(s)) break;
    headerLine(s, first + 1, name, h);
  }
  if (h.size1 === undefined && h.size3 === undefined && first < lines.length) {
    throw new Error(`${name}:${first + 1}: data row before LUT_3D_SIZE or LUT_1D_SIZE`);
  }
  const { d1, d3 } = domains(h, name);
  const n1 = h.size1 ?? 0, n3 = (h.size3 ?? 0) ** 3;
  const sizes = [h.size1 && `LUT_1D_SIZE ${h.size1}`, h.size3 && `LUT_3D_SIZE ${h.size3}`].filter(Boolean);
  // Counted before allocating: a tiny file may declare LUT_3D_SIZE 256 or LUT_1D_SIZE 65536.
  let rows = 0;
  for (let li = first; li < lines.length; li++) {
    const s = lines[li].trim();
    if (/^[A-Za-z_]/.test(s)) {
      throw new Error(`${name}:${li + 1}: keyword ${s.split(/\s+/)[0]} after the data rows`);
    }
    if (isData(s)) rows++;
  }
  if (rows !== n1 + n3) throw new Error(`${name}: ${sizes.join(" + ")} expects ${n1 + n3} rows, got ${rows}`);
  const lut1 = new Float32Array(3 * n1), lut3 = new Float32Array(3 * n3);
  let row = 0;
  for (let li = first; li < lines.length; li++) {
    const s = lines[li].trim(), line = li + 1;
    if (!isData(s)) continue;
    const parts = s.split(/\s+/);
    if (parts.length !== 3) {
      throw new Error(`${name}:${line}: expected 3 values, got ${parts.length}: "${s}"`);
    }
    const [lut, n, at] = row < n1 ? [lut1, n1, row] : [lut3, n3, row - n1];
    for (let c = 0; c < 3; c++) {
      const v = cubeNumber(parts[c]);
      if (!Number.isFinite(v)) {
        throw new Error(
          `${name}:${line}: non-finite value "${parts[c]}" (need a decimal number, |v| <= ${FLOAT32_MAX})`,
        );
      }
      lut[c * n + at] = v;
    }
    row++;
  }
  return {
    title: h.title,
    interpolation: h.interpolation,
    lut1d: d1 && { size: n1, domainMin: d1[0], domainMax: d1[1], lut: lut1 },
    lut3d: d3 && { size: h.size3!, domainMin: d3[0], domainMax: d3[1], lut: lut3 },
  };
}

/** Parses a 3D .cube (Adobe 3D, or Resolve with only a 3D table); a file with a 1D table is refused. */
export function parseCube(text: string, name = "<cube>"): Cube & { interpolation?: Lut3dMode } {
  const f = parseCubeFile(text, name);
  if (f.lut1d || !f.lut3d) {
    throw new Error(`${name}: has a 1D table (LUT_1D_SIZE): read it with readCubeFile, not as a 3D LUT`);
  }
  return { ...f.lut3d, title: f.title, interpolation: f.interpolation };
}

/** Reads a 3D .cube file; a string containing a newline is parsed as .cube text instead of a path. */
export async function readCube(pathOrText: string): Promise<Cube & { interpolation?: Lut3dMode }> {
  if (pathOrText.includes("\n")) return parseCube(pathOrText);
  return parseCube(await readText(pathOrText, "readCube"), pathOrText);
}

/** Reads any .cube file (1D, 3D, or 1D shaper + 3D); a string containing a newline is parsed as text. */
export async function readCubeFile(pathOrText: string): Promise<CubeFile> {
  if (pathOrText.includes("\n")) return parseCubeFile(pathOrText);
  return parseCubeFile(await readText(pathOrText, "readCubeFile"), pathOrText);
}

/** `text` made valid as a TITLE (no double quotes: they become ', control characters become spaces). */
export function cubeTitle(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/"/g, "'").replace(/[\x00-\x1f\x7f]/g, " ");
}

/** Checks one table's size and value count (3·size^dims); returns size^dims. */
function checkTable(what: string, key: string, t: { size: number; lut: Float32Array }, dims: 1 | 3): number {
  const max = dims === 1 ? MAX_1D : MAX_3D;
  if (!Number.isInteger(t.size) || t.size < 2 || t.size > max) {
    throw new Error(`${what}: ${key} size must be in 2..${max}, got ${t.size}`);
  }
  const n = t.size ** dims;
  if (t.lut.length !== 3 * n) {
    throw new Error(
      `${what}: ${key} lut has ${t.lut.length} values, expected 3*${t.size}^${dims} = ${3 * n}`,
    );
  }
  return n;
}

/** The single value of a range that is the same for r, g and b (a Resolve INPUT_RANGE); throws otherwise. */
function uniform(what: string, key: string, v: Vec3): number {
  if (v[0] !== v[1] || v[1] !== v[2]) {
    throw new Error(
      `${what}: ${key} needs the same range for r, g and b in a shaper file, got ${v.join(" ")}`,
    );
  }
  return v[0];
}

/**
 * Formats a .cube file with `decimals` digits (default 6): a 3D table or a 1D table alone (Adobe 1.0, with
 * DOMAIN_MIN/MAX), or both (Resolve: LUT_1D_INPUT_RANGE / LUT_3D_INPUT_RANGE, the 1D rows first).
 */
export function formatCubeFile(file: CubeFileInput, decimals = 6): string {
  const what = "formatCube";
  const { lut1d, lut3d } = file;
  if (!lut1d && !lut3d) throw new Error(`${what}: nothing to write (no 1D and no 3D table)`);
  const n1 = lut1d ? checkTable(what, "1D", lut1d, 1) : 0;
  const n3 = lut3d ? checkTable(what, "3D", lut3d, 3) : 0;
  const f = (v: number) => {
    if (!Number.isFinite(v)) throw new Error(`${what}: non-finite value ${v}`);
    return v.toFixed(decimals);
  };
  const out: string[] = [];
  if (file.title !== undefined) {
    if (/["\n]/.test(file.title)) throw new Error(`${what}: title must not contain quotes or newlines`);
    out.push(`TITLE "${file.title}"`);
  }
  if (file.interpolation) out.push(`# LUTLAB_INTERPOLATION ${file.interpolation}`);
  const lo = (t: { domainMin?: Vec3 }) => t.domainMin ?? [0, 0, 0];
  const hi = (t: { domainMax?: Vec3 }) => t.domainMax ?? [1, 1, 1];
  if (lut1d && lut3d) {
    for (const [key, t, size] of [["LUT_1D", lut1d, n1], ["LUT_3D", lut3d, lut3d.size]] as const) {
      out.push(`${key}_SIZE ${size}`);
      const range = `${key}_INPUT_RANGE`;
      out.push(`${range} ${f(uniform(what, range, lo(t)))} ${f(uniform(what, range, hi(t)))}`);
    }
  } else {
    const t = (lut1d ?? lut3d)!;
    out.push(lut1d ? `LUT_1D_SIZE ${n1}` : `LUT_3D_SIZE ${t.size}`);
    out.push(`DOMAIN_MIN ${lo(t).map(f).join(" ")}`);
    out.push(`DOMAIN_MAX ${hi(t).map(f).join(" ")}`);
  }
  for (const [t, n] of [[lut1d, n1], [lut3d, n3]] as const) {
    if (!t) continue;
    const l = t.lut;
    for (let i = 0; i < n; i++) out.push(`${f(l[i])} ${f(l[n + i])} ${f(l[2 * n + i])}`);
  }
  return out.join("\n") + "\n";
}

/** Formats a 3D LUT (layout lut[c][b][g][r]) as .cube text with `decimals` digits (default 6). */
export function formatCube(cube: CubeInput, decimals = 6): string {
  return formatCubeFile({ title: cube.title, interpolation: cube.interpolation, lut3d: cube }, decimals);
}

/**
 * Writes a 3D LUT as a .cube file atomically (see formatCube); readCube reads it back.
 *
 * @example Writing and reading the 2³ identity LUT
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCube, writeCube } from "./cube.ts";
 *
 * const size = 2, lut = new Float32Array(3 * size ** 3); // lut[c][b][g][r]
 * for (let i = 0; i < size ** 3; i++) for (let c = 0; c < 3; c++) lut[c * size ** 3 + i] = (i >> c) & 1;
 * const file = await Deno.makeTempFile({ suffix: ".cube" });
 * await writeCube(file, { size, lut });
 * assertEquals((await readCube(file)).lut, lut);
 * await Deno.remove(file);
 * ```
 */
export async function writeCube(
  path: string,
  cube: CubeInput,
  opts: { decimals?: number } = {},
): Promise<void> {
  await writeFileAtomic(path, formatCube(cube, opts.decimals));
}

/** Writes a 1D, 3D or 1D shaper + 3D .cube file atomically (see formatCubeFile). */
export async function writeCubeFile(
  path: string,
  file: CubeFileInput,
  opts: { decimals?: number } = {},
): Promise<void> {
  await writeFileAtomic(path, formatCubeFile(file, opts.decimals));
}

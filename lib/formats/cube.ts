/**
 * Adobe / DaVinci Resolve .cube 3D LUTs. Rows list output (r, g, b) with red varying fastest; in memory
 * the LUT is a Float32Array in layout lut[c][b][g][r], index ((c*D + b)*D + g)*D + r, c = output channel.
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { readText } from "../core/read.ts";

/** A 3D LUT: `size` D, input domain per channel, and `lut` of 3·D³ values in layout lut[c][b][g][r]. */
export type Cube = {
  title?: string;
  size: number;
  domainMin: [number, number, number];
  domainMax: [number, number, number];
  lut: Float32Array;
};

/** Fields accepted by writeCube; domain defaults to [0,0,0]..[1,1,1]. */
export type CubeInput = {
  title?: string;
  size: number;
  domainMin?: [number, number, number];
  domainMax?: [number, number, number];
  lut: Float32Array;
};

/** Largest finite float32: values beyond it would become Infinity in the Float32Array LUT. */
const FLOAT32_MAX = 3.4028234663852886e38;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number (optional exponent) within float32 range, or NaN (no hex, Infinity, "" or 1e39). */
function cubeNumber(s: string): number {
  const v = DECIMAL.test(s) ? Number(s) : NaN;
  return Math.abs(v) <= FLOAT32_MAX ? v : NaN;
}

function triple(parts: string[], line: number, name: string, what: string): [number, number, number] {
  const v = parts.map(cubeNumber);
  if (v.length !== 3 || !v.every(Number.isFinite)) {
    throw new Error(
      `${name}:${line}: ${what} needs 3 decimal numbers within float32 range, got "${parts.join(" ")}"`,
    );
  }
  return v as [number, number, number];
}

/** Parses .cube text; `name` (file name) appears in error messages with the line number. */
export function parseCube(text: string, name = "<cube>"): Cube {
  let title: string | undefined;
  let size = 0;
  let domainMin: [number, number, number] = [0, 0, 0];
  let domainMax: [number, number, number] = [1, 1, 1];
  let lut: Float32Array | undefined;
  let rows = 0;
  let n3 = 0;
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = li + 1;
    const s = lines[li].trim();
    if (s === "" || s.startsWith("#")) continue;
    const parts = s.split(/\s+/);
    const key = parts[0];
    if (/^[A-Za-z_]/.test(key)) {
      if (rows > 0) throw new Error(`${name}:${line}: keyword ${key} after the data rows`);
      if (key === "TITLE") {
        const m = /^TITLE\s+"(.*)"\s*$/.exec(s);
        title = m ? m[1] : parts.slice(1).join(" ");
      } else if (key === "LUT_3D_SIZE") {
        size = /^\d{1,3}$/.test(parts[1] ?? "") ? Number(parts[1]) : NaN;
        if (parts.length !== 2 || !(size >= 2 && size <= 256)) {
          throw new Error(
            `${name}:${line}: LUT_3D_SIZE must be an integer in 2..256, got "${parts.slice(1).join(" ")}"`,
          );
        }
        if (lut) throw new Error(`${name}:${line}: LUT_3D_SIZE given twice`);
        n3 = size ** 3;
        // The rows must be present before 3·D³ floats are allocated (a tiny file may declare D = 256).
        const left = lines.slice(li + 1).filter((l) => l.trim() !== "" && !l.trim().startsWith("#")).length;
        if (left < n3) throw new Error(`${name}: LUT_3D_SIZE ${size} expects ${n3} rows, got ${left}`);
        lut = new Float32Array(3 * n3);
      } else if (key === "LUT_1D_SIZE") {
        throw new Error(`${name}:${line}: 1D LUTs (LUT_1D_SIZE) are not supported, only 3D LUTs`);
      } else if (key === "DOMAIN_MIN") domainMin = triple(parts.slice(1), line, name, "DOMAIN_MIN");
      else if (key === "DOMAIN_MAX") domainMax = triple(parts.slice(1), line, name, "DOMAIN_MAX");
      else if (key === "LUT_3D_INPUT_RANGE") {
        const [lo, hi] = parts.slice(1).map(cubeNumber);
        if (parts.length !== 3 || !Number.isFinite(lo) || !Number.isFinite(hi)) {
          throw new Error(`${name}:${line}: LUT_3D_INPUT_RANGE needs 2 decimal numbers within float32 range`);
        }
        domainMin = [lo, lo, lo];
        domainMax = [hi, hi, hi];
      } else throw new Error(`${name}:${line}: unknown keyword ${key}`);
      continue;
    }
    if (!lut) throw new Error(`${name}:${line}: data row before LUT_3D_SIZE`);
    if (rows >= n3) {
      // Count every remaining data row for the message.
      const extra = lines.slice(li).filter((l) => l.trim() !== "" && !l.trim().startsWith("#")).length;
      throw new Error(`${name}: LUT_3D_SIZE ${size} expects ${n3} rows, got ${n3 + extra}`);
    }
    if (parts.length !== 3) {
      throw new Error(`${name}:${line}: expected 3 values, got ${parts.length}: "${s}"`);
    }
    for (let c = 0; c < 3; c++) {
      const v = cubeNumber(parts[c]);
      if (!Number.isFinite(v)) {
        throw new Error(
          `${name}:${line}: non-finite value "${parts[c]}" (need a decimal number, |v| <= ${FLOAT32_MAX})`,
        );
      }
      lut[c * n3 + rows] = v;
    }
    rows++;
  }
  if (!lut) throw new Error(`${name}: missing LUT_3D_SIZE`);
  if (rows !== n3) throw new Error(`${name}: LUT_3D_SIZE ${size} expects ${n3} rows, got ${rows}`);
  for (let c = 0; c < 3; c++) {
    if (!(domainMin[c] < domainMax[c])) {
      throw new Error(`${name}: DOMAIN_MIN ${domainMin} must be below DOMAIN_MAX ${domainMax}`);
    }
  }
  return { title, size, domainMin, domainMax, lut };
}

/** Reads a .cube file; a string containing a newline is parsed as .cube text instead of a path. */
export async function readCube(pathOrText: string): Promise<Cube> {
  if (pathOrText.includes("\n")) return parseCube(pathOrText);
  return parseCube(await readText(pathOrText, "readCube"), pathOrText);
}

/** `text` made valid as a TITLE (no double quotes: they become ', control characters become spaces). */
export function cubeTitle(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/"/g, "'").replace(/[\x00-\x1f\x7f]/g, " ");
}

/** Formats a 3D LUT (layout lut[c][b][g][r]) as .cube text with `decimals` digits (default 6). */
export function formatCube(cube: CubeInput, decimals = 6): string {
  const D = cube.size;
  if (!Number.isInteger(D) || D < 2 || D > 256) {
    throw new Error(`formatCube: size must be in 2..256, got ${D}`);
  }
  const n3 = D ** 3;
  if (cube.lut.length !== 3 * n3) {
    throw new Error(`formatCube: lut has ${cube.lut.length} values, expected 3*${D}^3 = ${3 * n3}`);
  }
  const out: string[] = [];
  if (cube.title !== undefined) {
    if (/["\n]/.test(cube.title)) throw new Error(`formatCube: title must not contain quotes or newlines`);
    out.push(`TITLE "${cube.title}"`);
  }
  out.push(`LUT_3D_SIZE ${D}`);
  const f = (v: number) => {
    if (!Number.isFinite(v)) throw new Error(`formatCube: non-finite value ${v}`);
    return v.toFixed(decimals);
  };
  out.push(`DOMAIN_MIN ${(cube.domainMin ?? [0, 0, 0]).map(f).join(" ")}`);
  out.push(`DOMAIN_MAX ${(cube.domainMax ?? [1, 1, 1]).map(f).join(" ")}`);
  const l = cube.lut;
  for (let i = 0; i < n3; i++) out.push(`${f(l[i])} ${f(l[n3 + i])} ${f(l[2 * n3 + i])}`);
  return out.join("\n") + "\n";
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

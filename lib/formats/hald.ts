/**
 * Hald CLUT images (the 3D LUT format of G'MIC, RawTherapee and darktable): a level-L Hald CLUT is an
 * L³×L³ RGB image holding a 3D LUT of D = L² points per axis, pixel number p = y·L³ + x = r + D·g + D²·b
 * (red fastest) holding the output colour of lattice point (r, g, b). That is exactly the layout
 * lut[c][b][g][r] of lib/formats/cube.ts read as a planar [3, L³, L³] image, so no reordering is needed.
 * Written as 8- or 16-bit PNG: values are clamped to [0,1] and quantised (error <= 0.5/255 or 0.5/65535);
 * read back, a written Hald gives the same integers again (bit-exact from then on).
 */
import type { Image } from "../image/io.ts";
import type { Cube } from "./cube.ts";

/** Smallest and largest Hald level read or written (level 16: 4096² pixels, D = 256). */
const MIN_LEVEL = 2, MAX_LEVEL = 16;

/** The Hald level L of a 3D size D = L² (2 <= L <= 16), or undefined when D is not such a square. */
export function haldLevel(size: number): number | undefined {
  const l = Math.round(Math.sqrt(size));
  return l * l === size && l >= MIN_LEVEL && l <= MAX_LEVEL ? l : undefined;
}

/** The Hald CLUT image [3, L³, L³] of a 3D LUT [3,D,D,D] (lut[c][b][g][r]) with D = L². */
export function lutToHald(lut: Float32Array, size: number): Image {
  const level = haldLevel(size);
  if (level === undefined) {
    throw new Error(
      `lutToHald: a Hald CLUT needs D = L² points per axis (L in ${MIN_LEVEL}..${MAX_LEVEL}: 4, 9, 16, ..., 64, ...), ` +
        `got D = ${size}; resample the LUT first`,
    );
  }
  if (lut.length !== 3 * size ** 3) {
    throw new Error(`lutToHald: lut has ${lut.length} values, expected 3*${size}^3 = ${3 * size ** 3}`);
  }
  const side = level ** 3;
  return { data: lut.slice(), channels: 3, height: side, width: side };
}

/** The 3D LUT (D = L², domain [0,1]) of a Hald CLUT image; `name` (the file) appears in errors. */
export function haldToLut(img: Image, name: string): Cube {
  if (img.channels !== 3) {
    throw new Error(`${name}: a Hald CLUT is an RGB image, got ${img.channels} channel(s)`);
  }
  const level = Math.round(Math.cbrt(img.width));
  if (img.width !== img.height || level ** 3 !== img.width || level < MIN_LEVEL || level > MAX_LEVEL) {
    throw new Error(
      `${name}: a Hald CLUT of level L is an L³×L³ image (L in ${MIN_LEVEL}..${MAX_LEVEL}: 8×8, 27×27, 64×64, ` +
        `..., 512×512, ...), got ${img.width}×${img.height}`,
    );
  }
  return { size: level * level, domainMin: [0, 0, 0], domainMax: [1, 1, 1], lut: img.data.slice() };
}

/** Writes a 3D LUT [3,D,D,D] (D = L²) as a Hald CLUT PNG (8- or 16-bit), atomically. */
export async function writeHald(
  path: string,
  lut: Float32Array,
  size: number,
  bits: 8 | 16 = 16,
): Promise<void> {
  const { writeImage } = await import("../image/io.ts");
  if (!/\.png$/i.test(path)) throw new Error(`writeHald: ${path}: a Hald CLUT is written as .png`);
  await writeImage(path, lutToHald(lut, size), { bits });
}

/** Reads a Hald CLUT image (PNG, 8- or 16-bit; TIFF) as a 3D LUT. */
export async function readHald(path: string): Promise<Cube> {
  const { readImage } = await import("../image/io.ts");
  return haldToLut(await readImage(path, { channels: 3 }), path);
}

/**
 * Writes one 3D LUT [3,D,D,D] (lut[c][b][g][r]) of an exported model in the format asked for: .cube
 * (Adobe/Resolve, float, with a LUTLAB_INTERPOLATION comment), .3dl (Autodesk, `bits`-bit integers,
 * default 12, same comment) or a Hald CLUT .png (G'MIC/RawTherapee/darktable, level L: the LUT resampled
 * on the L²-point lattice with the model's interpolation, 8- or 16-bit, default level 8 and 16 bits).
 * Every file is written atomically.
 */
import { join } from "@std/path";
import { cubeTitle, writeCube } from "../formats/cube.ts";
import { writeHald } from "../formats/hald.ts";
import { write3dl } from "../formats/lut3dl.ts";
import type { LutFormat } from "../formats/lut_file.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";

/** How exported LUTs are written: format, the interpolation to record, and the format's options. */
export type LutOutput = {
  format?: LutFormat;
  /** recorded in .cube/.3dl (comment); used to resample for a Hald CLUT (default trilinear) */
  interpolation?: Lut3dMode;
  /** Hald CLUT level L (2..16; the LUT is resampled to L² points per axis; default 8) */
  haldLevel?: number;
  /** integer bits: Hald 8 or 16 (default 16), .3dl 8, 10, 12 or 16 (default 12) */
  bits?: number;
};

const EXT: Record<LutFormat, string> = { cube: "cube", hald: "png", "3dl": "3dl" };

/** Writes `lut` (size D) as <dir>/<name>.<cube|png|3dl> per `out`; returns the path. */
export async function writeLut(
  dir: string,
  name: string,
  title: string,
  lut: Float32Array,
  size: number,
  out: LutOutput = {},
): Promise<string> {
  const format = out.format ?? "cube";
  const path = join(dir, `${name}.${EXT[format]}`);
  const interpolation = out.interpolation;
  if (format === "cube") await writeCube(path, { title: cubeTitle(title), size, lut, interpolation });
  else if (format === "3dl") await write3dl(path, lut, size, { bits: out.bits, title, interpolation });
  else {
    const level = out.haldLevel ?? 8, bits = out.bits ?? 16;
    if (!Number.isInteger(level) || level < 2 || level > 16) {
      throw new Error(`Hald CLUT level must be an integer in 2..16, got ${level}`);
    }
    if (bits !== 8 && bits !== 16) throw new Error(`Hald CLUT bits must be 8 or 16, got ${bits}`);
    const n = level * level;
    const { resampleLut3d } = await import("../lut/lut_file.ts");
    const table = n === size ? lut : resampleLut3d(lut, size, n, interpolation ?? "trilinear");
    await writeHald(path, table, n, bits);
  }
  return path;
}

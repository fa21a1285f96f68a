/**
 * Any LUT file by its extension: .cube (Adobe 1D/3D, Resolve 1D shaper + 3D), .3dl (Autodesk) or a Hald
 * CLUT image (.png, .tif/.tiff). Returns the tables as lib/formats/cube.ts's CubeFile (1D lut[c][i], 3D
 * lut[c][b][g][r], each with its input domain) and the interpolation the file records, if any.
 */
import { extname } from "@std/path";
import { type CubeFile, readCubeFile } from "./cube.ts";
import { readHald } from "./hald.ts";
import { read3dl } from "./lut3dl.ts";

/** LUT file formats, by what `readLutFile` accepts and the exporters write. */
export type LutFormat = "cube" | "hald" | "3dl";

/** The format of a LUT file from its extension; throws naming the file otherwise. */
export function lutFormatOf(path: string): LutFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".cube") return "cube";
  if (ext === ".3dl") return "3dl";
  if ([".png", ".tif", ".tiff"].includes(ext)) return "hald";
  throw new Error(`${path}: unknown LUT file type "${ext}" (.cube, .3dl, or a Hald CLUT .png/.tif)`);
}

/** Reads a .cube, .3dl or Hald CLUT file (by extension) as its tables. */
export async function readLutFile(path: string): Promise<CubeFile & { format: LutFormat }> {
  const format = lutFormatOf(path);
  if (format === "cube") return { ...(await readCubeFile(path)), format };
  if (format === "hald") return { lut3d: await readHald(path), format };
  const { interpolation, ...lut3d } = await read3dl(path);
  return { lut3d, interpolation, format };
}

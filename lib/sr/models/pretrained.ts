/**
 * The published SR LUTs loaded into the LUT form of our model definitions:
 * - SR-LUT (yhjo09/SR-LUT, 3_Test_using_LUT/Model_{S,F,V}_x{r}_{bits}bit_int8.npy) → buildSrModel srlut;
 * - MuLUT-SDY-X2 (ddlee-cn/MuLUT, models/sr_x2sdy/LUT_ft_x4_4bit_int8_s{1,2}_{s,d,y}.npy) → mulut.
 */
import { basename, join } from "@std/path";
import { sharedPath } from "../../core/shared.ts";
import type { SrModel } from "../core/model.ts";
import { buildSrModel, DEFAULT_MODEL } from "./models.ts";
import { loadModelTables, readLutTable } from "../core/tables.ts";

/** Shared-data path of SR-LUT's published table for a variant/scale/bits, or undefined when absent. */
export function srlutTablePath(variant = "S", upscale = 4, bits = 4): string | undefined {
  return sharedPath(
    "pretrained",
    "srlut",
    "3_Test_using_LUT",
    `Model_${variant}_x${upscale}_${bits}bit_int8.npy`,
  );
}

/** Shared-data folder of MuLUT-SDY-X2's published tables, or undefined when absent. */
export function mulutTableDir(): string | undefined {
  return sharedPath("pretrained", "mulut", "sr_x2sdy");
}

/** SR-LUT-{S,F,V} with a published table (path as srlutTablePath; variant and scale read from the name). */
export async function loadSrlut(path: string): Promise<SrModel> {
  const m = /^Model_([SFV])_x(\d)_(\d)bit_int8\.npy$/.exec(basename(path));
  if (!m) throw new Error(`${path}: expected a file named Model_{S,F,V}_x<r>_<bits>bit_int8.npy`);
  const variant = m[1].toLowerCase() as "s" | "f" | "v";
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "srlut", variant, upscale: +m[2], interval: +m[3] });
  const [mod] = model.modules();
  mod.setTable(await readLutTable(path, mod.levels, mod.dims, mod.outputs));
  return model;
}

/** MuLUT (modes × stages) with the published fine-tuned tables LUT_ft_x{r}_4bit_int8_s{k}_{mode}.npy in `dir`. */
export async function loadMulut(
  dir: string,
  upscale = 4,
  modes = ["s", "d", "y"],
  stages = 2,
): Promise<SrModel> {
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "mulut", upscale, modes, stages, interval: 4 });
  await loadModelTables(model.modules(), join(dir), upscale, { prefix: "LUT_ft" });
  return model;
}

/**
 * SR LUT tables on disk: .npy arrays in the SR-LUT/MuLUT layout, first axis the L^n lattice index
 * (index = ((i₀·L + i₁)·L + …)·L + i_{n-1}, i₀ the pattern's first pixel), the rest the K = r² outputs
 * (SR-LUT stores [L^n, 1, r, r], MuLUT [L^n, K]; both are read). int8 tables hold round(127·v);
 * float32 tables hold table units directly. File names follow MuLUT: LUT_x{r}_{8-interval}bit_{dtype}_{key}.npy.
 */
import { join } from "@std/path";
import { tf } from "../../core/backend.ts";
import { readNpy, writeNpy } from "../../formats/npy.ts";
import type { LutModule, LutTable } from "./lutmodule.ts";
import type { ModelPart } from "./model.ts";

/** Reads a table .npy (int8 or float32) and checks it against [levels^dims, outputs]. */
export async function readLutTable(
  path: string,
  levels: number,
  dims: number,
  outputs: number,
): Promise<LutTable> {
  const arr = await readNpy(path);
  const rows = levels ** dims;
  const size = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.shape[0] !== rows || size !== rows * outputs) {
    throw new Error(
      `${path}: LUT shape [${arr.shape}] does not match ${levels}^${dims} = ${rows} entries x ${outputs} outputs`,
    );
  }
  if (arr.dtype !== "int8" && arr.dtype !== "float32") {
    throw new Error(`${path}: LUT dtype ${arr.dtype} unsupported (int8 or float32)`);
  }
  return {
    values: Float32Array.from(arr.data as Int8Array | Float32Array),
    levels,
    dims,
    outputs,
    int8: arr.dtype === "int8",
  };
}

/** Writes a table as .npy [L^n, K] (int8 when `t.int8`, values must then be integers in [-128,127]). */
export async function writeLutTable(path: string, t: LutTable): Promise<void> {
  const shape = [t.levels ** t.dims, t.outputs];
  if (!t.int8) return await writeNpy(path, { dtype: "float32", shape, data: t.values });
  const data = new Int8Array(t.values.length);
  for (let i = 0; i < data.length; i++) {
    const v = t.values[i];
    if (!Number.isInteger(v) || v < -128 || v > 127) {
      throw new Error(`${path}: int8 table value ${v} at ${i} is not an integer in [-128,127]`);
    }
    data[i] = v;
  }
  await writeNpy(path, { dtype: "int8", shape, data });
}

/** MuLUT-style file name of a module's table: LUT_x{r}_{bits}bit_{int8|float32}_{key}.npy. */
export function tableFileName(module: LutModule, upscale: number, int8: boolean, prefix = "LUT"): string {
  const bits = 8 - module.spec.interval;
  return `${prefix}_x${upscale}_${bits}bit_${int8 ? "int8" : "float32"}_${module.spec.name}.npy`;
}

/** Loads every module's table from `dir` (names from tableFileName) and switches them to the LUT form. */
export async function loadModelTables(
  modules: LutModule[],
  dir: string,
  upscale: number,
  opts: { int8?: boolean; prefix?: string } = {},
): Promise<void> {
  for (const m of modules) {
    const path = join(dir, tableFileName(m, upscale, opts.int8 ?? true, opts.prefix));
    m.setTable(await readLutTable(path, m.levels, m.dims, m.outputs));
  }
}

/** File name of a model part (a parameter outside the tables, e.g. an AutoSample): PART_{name}.npy. */
export function partFileName(name: string): string {
  return `PART_${name}.npy`;
}

/** Writes every part as float32 .npy (the variable's shape) into `dir`; returns the paths. */
export async function writeModelParts(parts: ModelPart[], dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const p of parts) {
    const path = join(dir, partFileName(p.name));
    const data = await p.variable.data() as Float32Array;
    await writeNpy(path, { dtype: "float32", shape: p.variable.shape, data });
    paths.push(path);
  }
  return paths;
}

/** Restores every part from `dir` (float32 .npy of exactly the variable's shape). */
export async function loadModelParts(parts: ModelPart[], dir: string): Promise<void> {
  for (const p of parts) {
    const path = join(dir, partFileName(p.name));
    const arr = await readNpy(path);
    if (arr.dtype !== "float32" || arr.shape.join() !== p.variable.shape.join()) {
      throw new Error(
        `${path}: part ${p.name} is ${arr.dtype} [${arr.shape}], expected float32 [${p.variable.shape}]`,
      );
    }
    p.variable.assign(tf.tensor(arr.data as Float32Array, p.variable.shape));
  }
}

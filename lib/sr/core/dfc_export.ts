/**
 * DFC-compressed SR tables on disk (`deno task export --dfc`): for each LutModule of a model in the LUT
 * form, the fine diagonal band [fineRows, K] and the coarse table [Lc^n, K] of lib/lut/dfc.ts as .npy
 * (the table's dtype: int8 tables stay int8), named like the full tables with "DFC" for "LUT" and a
 * _fine/_coarse suffix, plus dfc.json with the settings, the source tables and the storage before and after
 * compression; `loadDfcTables` reads them back into a model.
 */
import { join } from "@std/path";
import { readNpy, writeNpy } from "../../formats/npy.ts";
import { writeJsonAtomic } from "../../core/atomic.ts";
import { type DfcLut, withStorage } from "../../lut/dfc.ts";
import type { SrModel } from "./model.ts";
import { tableFileName } from "./tables.ts";

/** DFC settings of an export: diagonal width in lattice steps, coarse sampling interval in bits. */
export type DfcSettings = { diagonalWidth: number; samplingInterval: number };

/** What `exportDfc` wrote: the .npy paths, dfc.json, and the bytes of the full and compressed tables. */
export type DfcExport = { paths: string[]; manifest: string; fullBytes: number; dfcBytes: number };

async function writeDfcTable(path: string, data: Int8Array | Float32Array, outputs: number): Promise<void> {
  const shape = [data.length / outputs, outputs];
  await writeNpy(
    path,
    data instanceof Int8Array ? { dtype: "int8", shape, data } : { dtype: "float32", shape, data },
  );
}

/**
 * Compresses every module's current table with `settings` and writes fine/coarse .npy files and dfc.json
 * into `dir`; the modules keep their full tables (their lookups are left uncompressed). Modules DFC keeps
 * whole (spec.compressible false: SPF-LUT's channel LUT) are listed in dfc.json under kept_whole and
 * counted at full size in both byte totals; their full tables stay where they were exported.
 */
export async function exportDfc(
  model: SrModel,
  dir: string,
  settings: DfcSettings,
  source = "exported",
): Promise<DfcExport> {
  const compressed: { name: string; dfc: DfcLut; int8: boolean; fullBytes: number }[] = [];
  const whole: { file: string; bytes: number }[] = [];
  for (const m of model.modules()) {
    const table = await m.getTable();
    if (!table) throw new Error(`${m.spec.name}: no table to compress (export or load the tables first)`);
    if (m.spec.compressible === false) {
      const file = tableFileName(m, model.upscale, table.int8);
      whole.push({ file, bytes: table.values.length * (table.int8 ? 1 : 4) });
      continue;
    }
    let dfc: DfcLut;
    try {
      dfc = (await m.compress(settings))!;
    } catch (e) {
      throw new Error(`${m.spec.name}: DFC ${JSON.stringify(settings)}: ${(e as Error).message}`, {
        cause: e,
      });
    } finally {
      await m.compress(undefined);
    }
    const fullBytes = table.values.length * (table.int8 ? 1 : 4);
    compressed.push({
      name: tableFileName(m, model.upscale, table.int8, "DFC"),
      dfc,
      int8: table.int8,
      fullBytes,
    });
  }
  const paths: string[] = [];
  for (const { name, dfc } of compressed) {
    for (const part of ["fine", "coarse"] as const) {
      const path = join(dir, name.replace(/\.npy$/, `_${part}.npy`));
      await writeDfcTable(path, dfc[part], dfc.outputs);
      paths.push(path);
    }
  }
  const kept = whole.reduce((a, w) => a + w.bytes, 0);
  const fullBytes = kept + compressed.reduce((a, c) => a + c.fullBytes, 0);
  const dfcBytes = kept + compressed.reduce((a, c) => a + c.dfc.storageBytes(), 0);
  const manifest = join(dir, "dfc.json");
  await writeJsonAtomic(manifest, {
    diagonal_width: settings.diagonalWidth,
    sampling_interval: settings.samplingInterval,
    source,
    full_bytes: fullBytes,
    dfc_bytes: dfcBytes,
    modules: compressed.map(({ name, dfc, fullBytes }) => ({
      file: name,
      inputs: dfc.n,
      compressed_dims: dfc.compressedDims,
      interval_bits: dfc.intervalBits,
      outputs: dfc.outputs,
      fine_rows: dfc.fineRows,
      full_bytes: fullBytes,
      dfc_bytes: dfc.storageBytes(),
    })),
    kept_whole: whole.map(({ file, bytes }) => ({ file, bytes })),
  });
  return { paths, manifest, fullBytes, dfcBytes };
}

/** The source tables ("exported", "finetuned", "pretrained") a DFC export in `dir` was compressed from. */
export async function dfcSource(dir: string): Promise<string> {
  const manifest = join(dir, "dfc.json");
  let json: { source?: string };
  try {
    json = JSON.parse(await Deno.readTextFile(manifest));
  } catch (e) {
    throw new Error(`${manifest}: ${(e as Error).message} (write it with: deno task export -e <exp> --dfc)`, {
      cause: e,
    });
  }
  return json.source ?? "exported";
}

/**
 * Installs the DFC tables written by `exportDfc` in `dir` into `model` (LUT form, full tables loaded from
 * dfc.json's source): every compressible module then looks up its fine/coarse tables; throws naming the
 * file when one is missing or does not match the module's geometry.
 */
export async function loadDfcTables(model: SrModel, dir: string): Promise<void> {
  const manifest = join(dir, "dfc.json");
  const json = JSON.parse(await Deno.readTextFile(manifest)) as {
    diagonal_width: number;
    sampling_interval: number;
    modules: { file: string; compressed_dims: number }[];
  };
  for (const m of model.modules()) {
    if (m.spec.compressible === false) continue;
    const name = tableFileName(m, model.upscale, m.tableInt8, "DFC");
    const entry = json.modules.find((e) => e.file === name);
    if (!entry) throw new Error(`${manifest}: no DFC table ${name} for module ${m.spec.name}`);
    const [fine, coarse] = await Promise.all(
      (["fine", "coarse"] as const).map((part) => readNpy(join(dir, name.replace(/\.npy$/, `_${part}.npy`)))),
    );
    const spec = {
      diagonalWidth: json.diagonal_width,
      samplingInterval: json.sampling_interval,
      compressedDims: entry.compressed_dims,
    };
    const lut = withStorage(
      { n: m.dims, intervalBits: m.spec.interval, outputs: m.outputs },
      spec,
      fine.data as Int8Array | Float32Array,
      coarse.data as Int8Array | Float32Array,
    );
    const ref = (await m.compress(spec))!; // geometry check: the same sizes as compressing the loaded table
    if (ref.fine.length !== lut.fine.length || ref.coarse.length !== lut.coarse.length) {
      throw new Error(
        `${join(dir, name)}: fine/coarse tables have ${lut.fine.length}/${lut.coarse.length} entries, ` +
          `module ${m.spec.name} needs ${ref.fine.length}/${ref.coarse.length}`,
      );
    }
    m.dfc = lut;
  }
}

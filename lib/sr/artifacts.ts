/**
 * Which tables an SR command (eval, finetune, apply) uses: by default the experiment's own newest tables
 * (exported <exp>/luts, fine-tuned <exp>/luts_ft, DFC <exp>/export/dfc, fine-tuned DFC <exp>/export/dfc_ft;
 * the most recently written, the later stage on a tie), the published [pretrained] tables only when asked for, or a named source.
 */
import { join } from "@std/path";
import type { SrConfig } from "./config.ts";
import { loadLutModel, tableDir, type TableSource } from "./experiment.ts";
import { dfcSource, loadDfcTables } from "./core/dfc_export.ts";
import type { SrModel } from "./core/model.ts";

/** A table source of an SR command: TableSource or the DFC-compressed tables of `export --dfc` (tuned: dfc_ft). */
export type SrSource = TableSource | "dfc" | "dfc_ft";

/** The experiment's own table sets, in stage order. */
export const OWN_SOURCES = ["exported", "finetuned", "dfc", "dfc_ft"] as const;
type OwnSource = typeof OWN_SOURCES[number];

/** Folder of an own table source. */
export function sourceDir(config: SrConfig, source: OwnSource): string {
  if (source === "dfc" || source === "dfc_ft") return join(config.dir, "export", source);
  return tableDir(config, source);
}

/** Newest mtime (ms) of the table files of an own source, or undefined when it has none. */
async function writtenAt(config: SrConfig, source: OwnSource): Promise<number | undefined> {
  const dir = sourceDir(config, source);
  let newest: number | undefined;
  try {
    for await (const e of Deno.readDir(dir)) {
      const table = source.startsWith("dfc") ? e.name === "dfc.json" : /^LUT_.*\.npy$/.test(e.name);
      if (!e.isFile || !table) continue;
      const t = (await Deno.stat(join(dir, e.name))).mtime?.getTime() ?? 0;
      newest = Math.max(newest ?? 0, t);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return newest;
}

/** The own sources present among `allowed`, newest first (later stage first on equal times). */
export async function ownSources(
  config: SrConfig,
  allowed: readonly OwnSource[] = OWN_SOURCES,
): Promise<{ source: OwnSource; dir: string; time: number }[]> {
  const found = [];
  for (const source of allowed) {
    const time = await writtenAt(config, source);
    if (time !== undefined) found.push({ source, dir: sourceDir(config, source), time });
  }
  const stage = (s: OwnSource) => OWN_SOURCES.indexOf(s);
  return found.sort((a, b) => b.time - a.time || stage(b.source) - stage(a.source));
}

/** A chosen source and the line that tells the user which tables are used and why. */
export type SourceChoice = { source: SrSource; note: string };

/**
 * The tables a command uses: `from` (a --from value, checked here for every SR command: one of `allowed`
 * or "pretrained") when given, the published ones with `pretrained`, else the newest own source among
 * `allowed`; throws with the accepted values for a bad `from`, with the commands to run when there is none.
 */
export async function chooseSource(
  config: SrConfig,
  opts: { from?: string; pretrained?: boolean; allowed?: readonly OwnSource[] } = {},
): Promise<SourceChoice> {
  const allowed = opts.allowed ?? OWN_SOURCES;
  if (opts.from !== undefined && opts.pretrained) {
    throw new Error("--from and --pretrained exclude each other");
  }
  const from = opts.pretrained ? "pretrained" : opts.from;
  if (from === "pretrained") {
    if (!config.pretrained) throw new Error(`${config.dir}: no [pretrained] tables in the config`);
    return { source: from, note: `the published tables ${config.pretrained}` };
  }
  if (from !== undefined) {
    const own = allowed.find((s) => s === from);
    if (!own) throw new Error(`--from must be ${allowed.join(", ")} or pretrained, got "${from}"`);
    return { source: own, note: `the ${own} tables in ${sourceDir(config, own)} (--from ${own})` };
  }
  const [newest, ...older] = await ownSources(config, allowed);
  if (!newest) {
    throw new Error(
      `${config.dir} has no tables of its own yet (${
        allowed.map((s) => sourceDir(config, s)).join(", ")
      }): ` +
        `run deno task train -e ${config.dir} (it exports them)` +
        (config.pretrained ? `, or add --pretrained for the published tables` : ""),
    );
  }
  const others = older.length ? `; older: ${older.map((o) => o.source).join(", ")}` : "";
  return {
    source: newest.source,
    note: `the experiment's own ${newest.source} tables in ${newest.dir} (newest${others}; ` +
      `--from ${OWN_SOURCES.join("|")} or --pretrained to choose)`,
  };
}

/** The experiment's model in the LUT form with the tables of `source` (DFC: full tables + DFC lookups). */
export async function loadSrSource(config: SrConfig, source: SrSource): Promise<SrModel> {
  if (source !== "dfc" && source !== "dfc_ft") return await loadLutModel(config, source);
  const dir = sourceDir(config, source);
  const base = await dfcSource(dir);
  if (base !== "exported" && base !== "finetuned" && base !== "pretrained") {
    throw new Error(`${join(dir, "dfc.json")}: source "${base}" is not exported, finetuned or pretrained`);
  }
  const model = await loadLutModel(config, base);
  await loadDfcTables(model, dir);
  return model;
}

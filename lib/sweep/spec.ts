/**
 * Sweep files: `experiments/<sweep>/sweep.toml` names a base preset and what to vary; `expandSweep` turns it
 * into ordinary experiment folders `<sweep>/members/<id>/config.toml`, each trainable on its own.
 *
 * [sweep]      name (default: folder name), description, base (an experiment folder or .toml, relative to
 *              the sweep folder), set (table of dotted config keys -> value, applied to every member),
 *              unset (dotted keys removed from the base, e.g. "pretrained"), train (default true; false:
 *              evaluate the pretrained weights/tables), eval ("standard" = `deno task eval`, or "dfc" =
 *              `deno task export --dfc` with the member's [dfc] settings, then `deno task eval --from dfc`)
 * [axes]       dotted config keys -> lists of values; members are the product of all axes
 * [[variants]] name (folder-safe id), label (row text), base, set, unset (added to the sweep's), axes
 *              (replace the sweep's [axes] for this variant; `axes = {}` for none)
 * [slurm]      partition, cpus, mem, time (sbatch resources of every array task), ranks (data-parallel MPI
 *              ranks of each member's training: --ntasks of the task, `train --ranks N`; default 1)
 * [report]     average (dotted axis keys averaged over in the table, e.g. ["experiment.seed"]), title
 * [published]  citation, and rows."<row id>" = { <metric> = value } (the papers' numbers, not ours)
 * Without [[variants]] there is one unnamed variant. Member ids: variant name + "-<last key part><value>" per
 * axis, in axis order; row ids are the same without the averaged axes. Errors name the file and key.
 */
import { stringify } from "@std/toml";
import { basename, join, relative, resolve } from "@std/path";
import { configFile, readToml } from "../experiment/reader.ts";

type Raw = Record<string, unknown>;
/** A TOML value as parsed. */
export type Value = unknown;

/** One expanded member: its folder, base, overrides, and the values it takes on each axis. */
export type Member = {
  index: number;
  id: string;
  /** Row of the report: id without the averaged axes. */
  row: string;
  label: string;
  variant: string;
  base: string;
  set: [string, Value][];
  unset: string[];
  axes: [string, Value][];
  dir: string;
};

/** sbatch resources of each array task. */
export type SlurmResources = { partition?: string; cpus: number; mem: string; time: string; ranks: number };

/** A validated sweep. */
export type Sweep = {
  file: string;
  dir: string;
  name: string;
  description: string;
  train: boolean;
  eval: "standard" | "dfc";
  members: Member[];
  slurm: SlurmResources;
  report: { average: string[]; title: string };
  published: { citation: string; rows: Record<string, Record<string, number>> };
};

const isTable = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** Flattens nested tables to dotted keys: {model: {dim: 5}} and {"model.dim": 5} both -> [["model.dim", 5]]. */
export function flatten(t: Raw, prefix = ""): [string, Value][] {
  return Object.entries(t).flatMap(([k, v]) =>
    isTable(v) ? flatten(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, Value]]
  );
}

/** Sets dotted `key` in a parsed config, creating tables on the way; errors if a non-table is in the way. */
export function setKey(cfg: Raw, key: string, value: Value, where: string): void {
  const parts = key.split(".");
  let t = cfg;
  for (const p of parts.slice(0, -1)) {
    t[p] ??= {};
    if (!isTable(t[p])) throw new Error(`${where}: cannot set ${key}: ${p} is not a table`);
    t = t[p] as Raw;
  }
  t[parts[parts.length - 1]] = value;
}

/** Removes dotted `key` (a value or a whole table) from a parsed config; absent keys are fine. */
export function unsetKey(cfg: Raw, key: string): void {
  const parts = key.split(".");
  let t: unknown = cfg;
  for (const p of parts.slice(0, -1)) t = isTable(t) ? t[p] : undefined;
  if (isTable(t)) delete t[parts[parts.length - 1]];
}

/** Folder-safe text of an axis value ("2e-4" stays, "a b" -> "a_b"). */
function slug(v: Value): string {
  return String(Array.isArray(v) ? v.join("") : v).replace(/[^A-Za-z0-9.+_-]/g, "_");
}

class Reader {
  constructor(readonly file: string) {}
  fail(msg: string): never {
    throw new Error(`${this.file}: ${msg}`);
  }
  table(t: Raw, key: string, path: string, allowed?: string[]): Raw {
    const v = t[key] ?? {};
    if (!isTable(v)) this.fail(`${path}${key} must be a table`);
    for (const k of allowed ? Object.keys(v) : []) {
      if (!allowed!.includes(k)) {
        this.fail(`unknown key ${path}${key}.${k} (allowed: ${allowed!.join(", ")})`);
      }
    }
    return v;
  }
  str(t: Raw, key: string, path: string, def?: string): string {
    const v = t[key] ?? def;
    if (typeof v !== "string") this.fail(`${path}${key} must be a string, got ${JSON.stringify(v)}`);
    return v;
  }
  strings(t: Raw, key: string, path: string): string[] {
    const v = t[key] ?? [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
      this.fail(`${path}${key} must be an array of strings`);
    }
    return v as string[];
  }
  axes(t: Raw, path: string): [string, Value[]][] {
    return flatten(t).map(([k, v]) => {
      if (!Array.isArray(v) || v.length === 0) this.fail(`${path}${k} must be a non-empty array of values`);
      return [k, v as Value[]];
    });
  }
}

/** Cartesian product of axis value lists, first axis slowest. */
function product(axes: [string, Value[]][]): [string, Value][][] {
  return axes.reduce<[string, Value][][]>(
    (acc, [k, vs]) => acc.flatMap((combo) => vs.map((v) => [...combo, [k, v] as [string, Value]])),
    [[]],
  );
}

/** Reads and validates `experiments/<sweep>/sweep.toml` (or a given .toml path) and lists its members. */
export async function loadSweep(path: string): Promise<Sweep> {
  const file = path.endsWith(".toml") ? path : join(path, "sweep.toml");
  const dir = resolve(file, "..");
  const raw = await readToml(file);
  const r = new Reader(file);
  for (const k of Object.keys(raw)) {
    if (!["sweep", "axes", "variants", "slurm", "report", "published"].includes(k)) {
      r.fail(`unknown section [${k}] (allowed: sweep, axes, variants, slurm, report, published)`);
    }
  }
  const sw = r.table(raw, "sweep", "", ["name", "description", "base", "set", "unset", "train", "eval"]);
  const name = r.str(sw, "name", "sweep.", basename(dir));
  const axes = r.axes(r.table(raw, "axes", ""), "axes.");
  const variantsRaw = raw.variants ?? [{}];
  if (!Array.isArray(variantsRaw) || !variantsRaw.every(isTable)) {
    r.fail(`variants must be [[variants]] tables`);
  }
  const rep = r.table(raw, "report", "", ["average", "title"]);
  const average = r.strings(rep, "average", "report.");
  const members: Member[] = [];
  for (const [vi, v] of (variantsRaw as Raw[]).entries()) {
    const at = `variants[${vi}].`;
    for (const k of Object.keys(v)) {
      if (!["name", "label", "base", "set", "unset", "axes"].includes(k)) {
        r.fail(`unknown key ${at}${k} (allowed: name, label, base, set, unset, axes)`);
      }
    }
    const vname = variantsRaw === raw.variants ? r.str(v, "name", at) : "";
    if (vname && !/^[A-Za-z0-9.+_-]+$/.test(vname)) r.fail(`${at}name must be folder-safe, got "${vname}"`);
    const base = resolve(dir, r.str(v, "base", at, r.str(sw, "base", "sweep.", "")));
    if (base === dir) r.fail(`sweep.base (or ${at}base) must name the base experiment`);
    const set = [...flatten(r.table(sw, "set", "sweep.")), ...flatten(r.table(v, "set", at))];
    const unset = [...r.strings(sw, "unset", "sweep."), ...r.strings(v, "unset", at)];
    const vaxes = v.axes === undefined ? axes : r.axes(r.table(v, "axes", at), `${at}axes.`);
    for (const a of average) {
      if (!axes.some(([k]) => k === a) && !vaxes.some(([k]) => k === a)) {
        r.fail(`report.average names ${a}, which is not an axis`);
      }
    }
    for (const combo of product(vaxes)) {
      const part = (keep: (k: string) => boolean) =>
        [vname, ...combo.filter(([k]) => keep(k)).map(([k, x]) => `${k.split(".").pop()}${slug(x)}`)]
          .filter(Boolean).join("-");
      const id = part(() => true) || "base";
      if (members.some((m) => m.id === id)) r.fail(`two members are both named "${id}"`);
      const label = [
        r.str(v, "label", at, vname),
        ...combo.filter(([k]) => !average.includes(k))
          .map(([k, x]) => `${k.split(".").pop()}=${slug(x)}`),
      ].filter(Boolean).join(", ");
      members.push({
        index: members.length,
        id,
        row: part((k) => !average.includes(k)) || "base",
        label: label || "base",
        variant: vname,
        base,
        set,
        unset,
        axes: combo,
        dir: join(dir, "members", id),
      });
    }
  }
  const sl = r.table(raw, "slurm", "", ["partition", "cpus", "mem", "time", "ranks"]);
  const cpus = sl.cpus ?? 1, ranks = sl.ranks ?? 1;
  if (!Number.isInteger(cpus) || (cpus as number) < 1) r.fail(`slurm.cpus must be a positive integer`);
  if (!Number.isInteger(ranks) || (ranks as number) < 1) r.fail(`slurm.ranks must be a positive integer`);
  const pub = r.table(raw, "published", "", ["citation", "rows"]);
  const rows: Record<string, Record<string, number>> = {};
  for (const [row, vals] of Object.entries(r.table(pub, "rows", "published."))) {
    if (!isTable(vals) || !Object.values(vals).every((x) => typeof x === "number")) {
      r.fail(`published.rows.${row} must be a table of numbers`);
    }
    if (!members.some((m) => m.row === row)) r.fail(`published.rows.${row}: no such row in this sweep`);
    rows[row] = vals as Record<string, number>;
  }
  const train = sw.train ?? true;
  if (typeof train !== "boolean") r.fail(`sweep.train must be true or false`);
  const evalKind = r.str(sw, "eval", "sweep.", "standard");
  if (evalKind !== "standard" && evalKind !== "dfc") {
    r.fail(`sweep.eval must be "standard" or "dfc", got "${evalKind}"`);
  }
  return {
    file,
    dir,
    name,
    description: r.str(sw, "description", "sweep.", ""),
    train: train as boolean,
    eval: evalKind as Sweep["eval"],
    members,
    slurm: {
      partition: sl.partition === undefined ? undefined : r.str(sl, "partition", "slurm."),
      cpus: cpus as number,
      mem: r.str(sl, "mem", "slurm.", "4G"),
      time: r.str(sl, "time", "slurm.", "24:00:00"),
      ranks: ranks as number,
    },
    report: { average, title: r.str(rep, "title", "report.", name) },
    published: { citation: r.str(pub, "citation", "published.", ""), rows },
  };
}

/** The config of a member as TOML text: the base with unset keys removed, then set and axis values applied. */
export async function memberToml(sweep: Sweep, m: Member): Promise<string> {
  const cfg = await readToml(configFile(m.base));
  const where = `${sweep.file} (member ${m.id})`;
  for (const k of m.unset) unsetKey(cfg, k);
  for (const [k, v] of [...m.set, ...m.axes]) setKey(cfg, k, v, where);
  setKey(cfg, "experiment.name", m.id, where);
  const what = [...m.set, ...m.axes].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
  const from = `member ${m.id} of sweep ${sweep.name} (base ${relative(sweep.dir, configFile(m.base))})`;
  setKey(cfg, "experiment.description", what ? `${from}: ${what}` : from, where);
  return `# Written by \`deno task sweep\` from ${basename(sweep.file)}: ${from}\n` + stringify(cfg) + "\n";
}

/**
 * The one argument parser of every `deno task` CLI: `parseTaskArgs(args, spec)` on @std/cli's parseArgs
 * refuses unknown flags, missing values and stray positionals with the task's usage (CliExit, code 2);
 * `--help` gives the usage, the shipped experiment presets of both tasks and, apart, the user's own
 * experiment folders (untracked by git, lib/cli/shipped.ts) (CliExit, code 0). `runCli` is the
 * `import.meta.main` wrapper: it prints a CliExit or an error as "<task>: message" and sets the exit code.
 */
import { Interrupted } from "../experiment/interrupted.ts";
import { parseArgs } from "@std/cli";
import { parse } from "@std/toml";
import { join } from "@std/path";
import { repoRoot } from "../core/shared.ts";
import { trackedExperiments } from "./shipped.ts";

/** What a task accepts: flag names without dashes (aliases: short -> long), positionals, usage text. */
export type TaskSpec = {
  /** Task name, e.g. "eval" (messages are "eval: ..."). */
  task: string;
  /** Usage lines after "usage: deno task <task> ". */
  usage: string;
  /** Flags without a value. */
  boolean?: readonly string[];
  /** Flags with a value. */
  string?: readonly string[];
  /** Short or alternative names, e.g. { e: "experiment" }. */
  alias?: Readonly<Record<string, string>>;
  /** Most positional arguments accepted (default 0). */
  positionals?: number;
};

/** Parsed flags (long names; booleans false when absent) and positional arguments. */
export type TaskArgs = { flags: Record<string, string | boolean | undefined>; positionals: string[] };

/** A CLI ending on purpose: `--help` (code 0, text on stdout) or a usage error (code 2, on stderr). */
export class CliExit extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** "usage: deno task <task> <usage>" */
export function usageText(spec: TaskSpec): string {
  return `usage: deno task ${spec.task} ${spec.usage}`;
}

/**
 * A preset folder: experiments/<name>/config.toml (an experiment: task photo or sr) or
 * experiments/<name>/sweep.toml (a sweep for `deno task sweep -e`), with its description; `shipped`: tracked
 * by git (a preset of the repository) or not (the user's own folder); undefined outside a git checkout.
 */
export type Preset = { name: string; task: "photo" | "sr" | "sweep"; text: string; shipped?: boolean };

/** Every preset folder of `root` with its task and description (or its first comment line), by task and name. */
export function presets(root = join(repoRoot, "experiments")): Preset[] {
  const rows: Preset[] = [], tracked = trackedExperiments(root);
  for (const e of Deno.readDirSync(root)) {
    if (!e.isDirectory) continue;
    for (const [file, section] of [["config.toml", "experiment"], ["sweep.toml", "sweep"]]) {
      let text: string;
      try {
        text = Deno.readTextFileSync(join(root, e.name, file));
      } catch {
        continue;
      }
      let head: Record<string, unknown> = {};
      try {
        head = ((parse(text) as Record<string, unknown>)[section] ?? {}) as Record<string, unknown>;
      } catch { /* listed with its comment */ }
      const comment = text.match(/^#\s*(.*)$/m)?.[1] ?? "";
      const task = section === "sweep" ? "sweep" : head.task === "sr" ? "sr" : "photo";
      rows.push({
        name: e.name,
        task,
        text: typeof head.description === "string" ? head.description : comment,
        shipped: tracked?.has(e.name),
      });
      break;
    }
  }
  return rows.sort((a, b) => a.task.localeCompare(b.task) || a.name.localeCompare(b.name));
}

/** One line per preset of `rows`: name, task, description. */
export function presetLines(rows: Preset[] = presets()): string[] {
  const width = Math.max(0, ...rows.map((r) => r.name.length));
  return rows.map((r) => `  ${r.name.padEnd(width)}  ${r.task.padEnd(5)}  ${r.text}`);
}

/** The experiment folders of `rows` for `--help`: the shipped presets, then the user's own folders apart. */
export function presetHelp(rows: Preset[] = presets()): string {
  const how = `copy one with deno task new experiments/mine --preset <name>; ` +
    `sweeps run with deno task sweep -e experiments/<name>`;
  if (rows.some((r) => r.shipped === undefined)) {
    return `experiments/<name> (not a git checkout: the shipped presets and your own folders are not told ` +
      `apart; ${how}):\n${presetLines(rows).join("\n")}`;
  }
  const mine = rows.filter((r) => !r.shipped);
  return `presets (shipped in experiments/<name>: photo and sr experiments, ${how}):\n` +
    presetLines(rows.filter((r) => r.shipped)).join("\n") +
    (mine.length
      ? `\n\nyour experiments (experiments/<name> not tracked by git; train one with -e experiments/<name>):\n` +
        presetLines(mine).join("\n")
      : "");
}

/** The `--help` text: usage, the shipped presets and sweeps, then the user's experiments (experiments/<name>). */
export function helpText(spec: TaskSpec): string {
  return `${usageText(spec)}\n\n${presetHelp()}`;
}

/** Parses `args` against `spec`; throws CliExit on `--help` (0) and on unknown or incomplete flags (2). */
export function parseTaskArgs(args: string[], spec: TaskSpec): TaskArgs {
  const fail = (msg: string): never => {
    throw new CliExit(2, `${msg}\n${usageText(spec)}`);
  };
  const strings = spec.string ?? [], booleans = [...(spec.boolean ?? []), "help"];
  const alias = { h: "help", ...spec.alias };
  const known = new Set([...strings, ...booleans, ...Object.keys(alias)]);
  const unknown: string[] = [], positionals: string[] = [];
  const parsed = parseArgs(args, {
    string: [...strings, "_"],
    boolean: booleans,
    alias,
    unknown: (arg: string, key?: string) => {
      if (key !== undefined && !known.has(key)) unknown.push(arg);
      else if (key === undefined) positionals.push(arg);
      return false;
    },
  }) as Record<string, unknown>;
  if (parsed.help) throw new CliExit(0, helpText(spec));
  if (unknown.length) fail(`unknown option ${unknown.join(" ")}`);
  const max = spec.positionals ?? 0;
  if (positionals.length > max) {
    fail(`unexpected argument${positionals.length - max > 1 ? "s" : ""} ${positionals.slice(max).join(" ")}`);
  }
  const flags: TaskArgs["flags"] = {};
  for (const k of booleans) flags[k] = parsed[k] === true;
  for (const k of strings) {
    const v = parsed[k];
    if (v === undefined) continue;
    if (typeof v !== "string" || v === "") fail(`--${k} needs a value`);
    flags[k] = v as string;
  }
  return { flags, positionals };
}

/** A string flag's value, or undefined. */
export function str(a: TaskArgs, key: string): string | undefined {
  const v = a.flags[key];
  return typeof v === "string" ? v : undefined;
}

/** A non-negative integer flag (or undefined); a usage error names the flag otherwise. */
export function int(a: TaskArgs, key: string, spec: TaskSpec, min = 0): number | undefined {
  const v = str(a, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) {
    throw new CliExit(2, `--${key} must be an integer >= ${min}, got "${v}"\n${usageText(spec)}`);
  }
  return Number(v);
}

/** At most one of the boolean flags `keys` is set (usage error naming them otherwise). */
export function exclusive(a: TaskArgs, keys: string[], spec: TaskSpec): void {
  const set = keys.filter((k) => a.flags[k] === true || typeof a.flags[k] === "string");
  if (set.length > 1) {
    throw new CliExit(2, `${set.map((k) => `--${k}`).join(" and ")} exclude each other\n${usageText(spec)}`);
  }
}

/** The required `-e/--experiment` folder (usage error when absent). */
export function experimentArg(a: TaskArgs, spec: TaskSpec): string {
  const e = str(a, "experiment");
  if (!e) throw new CliExit(2, `missing -e experiments/<name>\n${usageText(spec)}`);
  return e;
}

/**
 * Runs a CLI's `main` for `import.meta.main`: CliExit -> its text and code; an interrupted training (Ctrl-C,
 * checkpoint saved) -> 130; another error -> code 1.
 */
export async function runCli<T>(task: string, main: () => Promise<T>): Promise<T> {
  try {
    return await main();
  } catch (e) {
    if (e instanceof Interrupted) Deno.exit(130); // the training loop has said where its checkpoint is
    if (e instanceof CliExit) {
      if (e.code === 0) console.log(e.message);
      else console.error(`${task}: ${e.message}`);
      Deno.exit(e.code);
    }
    console.error(`${task}: ${(e as Error).message}`);
    Deno.exit(1);
  }
}

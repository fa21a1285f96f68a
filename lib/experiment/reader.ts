/**
 * Reading experiment configs: the TOML file of an experiment argument, and `Reader`, the typed accessors
 * that validate each value and throw errors naming the file and the key path
 * (`experiments/x/config.toml: train.lr must be > 0, got -1`). Used by the photo (lib/enhance/config.ts) and SR
 * (lib/sr/config.ts) validators.
 */
import { parse } from "@std/toml";

/** A parsed TOML table. */
export type Raw = Record<string, unknown>;

/** Validation context: file name for messages. */
export class Reader {
  constructor(readonly file: string) {}

  /** Throws `<file>: msg`. */
  fail(msg: string): never {
    throw new Error(`${this.file}: ${msg}`);
  }

  /** Table `key` of `raw` (empty when absent) restricted to `allowed` keys. */
  table(raw: Raw, key: string, allowed: readonly string[]): Raw {
    const v = raw[key] ?? {};
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(`[${key}] must be a table`);
    for (const k of Object.keys(v as Raw)) {
      if (!allowed.includes(k)) this.fail(`unknown key ${key}.${k} (allowed: ${allowed.join(", ")})`);
    }
    return v as Raw;
  }

  private typed<T>(t: Raw, path: string, key: string, def: T, kind: string, ok: (v: unknown) => boolean): T {
    const v = t[key];
    if (v === undefined) return def;
    if (!ok(v)) {
      this.fail(`${path}.${key} must be ${kind}, got ${typeof v === "number" ? v : JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** Finite number `path.key` (default `def`); `check` returns what is wrong ("> 0") or undefined. */
  num(t: Raw, path: string, key: string, def: number, check?: (v: number) => string | undefined): number {
    const v = this.typed(t, path, key, def, "a number", (x) => typeof x === "number" && Number.isFinite(x));
    const bad = check?.(v);
    if (bad) this.fail(`${path}.${key} must be ${bad}, got ${v}`);
    return v;
  }

  /** Integer `path.key` in [min, max] (default `def`). */
  int(t: Raw, path: string, key: string, def: number, min = 1, max = 2 ** 31): number {
    return this.num(
      t,
      path,
      key,
      def,
      (v) => Number.isInteger(v) && v >= min && v <= max ? undefined : `an integer in [${min}, ${max}]`,
    );
  }

  /** String `path.key` (default `def`), one of `choices` when given. */
  str<T extends string>(t: Raw, path: string, key: string, def: T, choices?: readonly T[]): T {
    const v = this.typed(t, path, key, def, "a string", (x) => typeof x === "string");
    if (choices && !choices.includes(v)) {
      this.fail(`${path}.${key} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got "${v}"`);
    }
    return v;
  }

  /** Boolean `path.key` (default `def`). */
  bool(t: Raw, path: string, key: string, def: boolean): boolean {
    return this.typed(t, path, key, def, "a boolean (true/false)", (x) => typeof x === "boolean");
  }

  /** Array of non-negative integers `path.key` (default `def`): step numbers. */
  steps(t: Raw, path: string, key: string, def: number[]): number[] {
    return this.typed(
      t,
      path,
      key,
      def,
      "an array of step numbers (integers >= 0)",
      (x) => Array.isArray(x) && x.every((e) => Number.isInteger(e) && e >= 0),
    );
  }

  /** Array of strings `path.key` (default `def`). */
  strings(t: Raw, path: string, key: string, def: string[]): string[] {
    return this.typed(
      t,
      path,
      key,
      def,
      "an array of strings",
      (x) => Array.isArray(x) && x.every((e) => typeof e === "string"),
    );
  }
}

/** The config file of an experiment argument: a folder (its config.toml) or a .toml path. */
export function configFile(path: string): string {
  return path.endsWith(".toml") ? path : `${path.replace(/\/+$/, "")}/config.toml`;
}

/** Reads and parses the TOML of an experiment (errors name the file). */
export async function readToml(file: string): Promise<Raw> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new Error(`cannot read experiment config ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parse(text) as Raw;
  } catch (e) {
    throw new Error(`${file}: invalid TOML: ${(e as Error).message}`, { cause: e });
  }
}

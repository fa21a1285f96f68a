/**
 * Documentation generated from the photo family declarations (photo_registry.ts): the families and their
 * `[model]` keys for `--help`, and the commented keys `deno task new` appends to a photo config (those the
 * config leaves at their defaults), one line per key with its default, doc line and range.
 */
import type { Raw } from "../experiment/reader.ts";
import { photoFamilies, type Setting } from "./photo_registry.ts";
import { DEFAULT_FAMILY } from "./model_settings.ts";
import "./families.ts";

/** What values a setting takes: "integer in [1, 256]", `"a" | "b"`, "true / false" or its own text. */
export function settingRange(s: Setting): string {
  if (s.type === "int") return `integer in [${s.min}, ${s.max}]`;
  if (s.type === "num") return s.must ? `number, ${s.must}` : "number";
  if (s.type === "bool") return "true / false";
  return s.choices ? s.choices.map((c) => `"${c}"`).join(" | ") : "string";
}

/** `key = default  # doc (range)`, the TOML line of one setting. */
function settingLine(key: string, s: Setting): string {
  const value = typeof s.default === "string" ? JSON.stringify(s.default) : String(s.default);
  return `${`${key} = ${value}`.padEnd(28)} # ${s.doc} (${settingRange(s)})`;
}

/** The `--help` lines of every registered photo family: name, doc line, its [model] keys. */
export function familiesHelp(): string {
  return photoFamilies.names().map((name) => {
    const f = photoFamilies.get(name), keys = Object.keys(f.settings);
    return `  ${name}: ${f.doc}\n    [model] ${keys.length ? keys.join(", ") : "(no settings)"}`;
  }).join("\n");
}

/** Commented TOML of the [model] keys a parsed photo config `raw` does not set (`deno task new`). */
export function modelDoc(raw: Raw): string {
  const model = (raw.model ?? {}) as Raw;
  const name = typeof model.family === "string" ? model.family : DEFAULT_FAMILY;
  const unset = Object.entries(photoFamilies.get(name).settings).filter(([k]) => !(k in model));
  if (!unset.length) return "";
  const lines = unset.map(([k, s]) => `#   ${settingLine(k, s)}`);
  return `\n# [model] family "${name}" also takes (defaults shown; lib/enhance/photo_registry.ts):\n` +
    `${lines.join("\n")}\n`;
}

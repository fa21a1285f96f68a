/**
 * The `[model]` section read by the families' declarations (photo_registry.ts): the keys of every registered
 * family are known (a misspelt key is refused listing them), a family refuses the keys of others it has no
 * use for (with the reason), and each declared setting is read with its type, range and default.
 */
import type { Raw, Reader } from "../experiment/reader.ts";
import {
  photoFamilies,
  type PhotoFamily,
  type PhotoModelConfig,
  type Setting,
  type SettingValues,
} from "./photo_registry.ts";

/** Reads `settings` from table `t` of `path` (absent keys: their defaults) as typed values. */
export function readSettings(
  r: Reader,
  t: Raw,
  path: string,
  settings: Record<string, Setting>,
): SettingValues {
  const v = new Map<string, unknown>();
  for (const [key, s] of Object.entries(settings)) {
    if (s.type === "int") v.set(key, r.int(t, path, key, s.default, s.min, s.max));
    else if (s.type === "num") {
      v.set(key, r.num(t, path, key, s.default, (x) => (s.ok && !s.ok(x) ? s.must ?? "valid" : undefined)));
    } else if (s.type === "bool") v.set(key, r.bool(t, path, key, s.default));
    else v.set(key, r.str(t, path, key, s.default, s.choices));
  }
  const get = (key: string, type: string) => {
    if (settings[key]?.type !== type && !(type === "num" && settings[key]?.type === "int")) {
      throw new Error(`${path}.${key}: not a declared ${type} setting`);
    }
    return v.get(key);
  };
  return {
    num: (key) => get(key, "num") as number,
    str: <T extends string>(key: string) => get(key, "str") as T,
    bool: (key) => get(key, "bool") as boolean,
  };
}

/** model.family when a config names none (CLUT-Net). */
export const DEFAULT_FAMILY = "clutnet";

/** Every registered family's [model] keys (for the first unknown-key check). */
function allModelKeys(): string[] {
  return [
    "family",
    ...new Set(photoFamilies.names().flatMap((n) => Object.keys(photoFamilies.get(n).settings))),
  ];
}

/** [model] of a parsed experiment: the family's model config, its validated settings and its declaration. */
export function parseModel(
  r: Reader,
  raw: Raw,
): { model: PhotoModelConfig; values: SettingValues; family: PhotoFamily } {
  const pre = r.table(raw, "model", allModelKeys());
  const name = r.str(pre, "model", "family", DEFAULT_FAMILY, photoFamilies.names());
  const family = photoFamilies.get(name);
  for (const [key, why] of Object.entries(family.refuses ?? {})) {
    if (key in pre) r.fail(`model.${key} is not a setting of family "${name}": ${why}`);
  }
  const m = r.table(raw, "model", ["family", ...Object.keys(family.settings)]);
  const values = readSettings(r, m, "model", family.settings);
  return { model: { family: name, ...family.model(values, r) } as PhotoModelConfig, values, family };
}

/**
 * `deno task new experiments/<name> --preset <preset>`: writes a commented experiments/<name>/config.toml
 * from a built-in photo preset (lib/enhance/presets.ts) or by copying experiments/<preset>/config.toml
 * (e.g. the SR experiments). Never overwrites an existing config.
 */
import { basename, join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import { loadExperiment } from "../experiment/config.ts";
import { presetNames, presetToml } from "../enhance/presets.ts";
import { repoRoot } from "../core/shared.ts";

/** Creates `<dir>/config.toml` from `preset`; returns its path. Throws if it exists or the preset is unknown. */
export async function newExperiment(dir: string, preset: string): Promise<string> {
  const file = join(dir, "config.toml");
  try {
    await Deno.lstat(file);
    throw new Error(`${file} already exists; not overwriting it (choose another folder or delete it)`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const name = basename(dir.replace(/\/+$/, ""));
  let text = presetToml(preset, name);
  if (text === undefined) {
    const copy = join(repoRoot, "experiments", preset, "config.toml");
    try {
      text = (await Deno.readTextFile(copy)).replace(/^name\s*=\s*".*"$/m, `name = "${name}"`);
    } catch {
      throw new Error(
        `unknown preset "${preset}" (built-in: ${presetNames().join(", ")}; or an experiments/<name> folder)`,
      );
    }
  }
  await writeFileAtomic(file, text);
  await loadExperiment(file); // the written file must validate
  return file;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const pi = args.indexOf("--preset");
  const preset = pi >= 0 ? args.splice(pi, 2)[1] : "clutnet-20+05+10";
  const dir = args.find((a) => !a.startsWith("-"));
  if (!dir || preset === undefined) {
    console.error(`usage: deno task new experiments/<name> [--preset <${presetNames().join("|")}>]`);
    Deno.exit(2);
  }
  try {
    const file = await newExperiment(dir, preset);
    console.log(`wrote ${file} (preset ${preset}); train with: deno task train -e ${dir}`);
  } catch (e) {
    console.error(`new: ${(e as Error).message}`);
    Deno.exit(1);
  }
}

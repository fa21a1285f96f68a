/**
 * `deno task new experiments/<name> [--preset <preset>]`: writes a commented experiments/<name>/config.toml
 * by copying experiments/<preset>/config.toml (any task: the preset folders are the one source of presets).
 * A copy gets the new experiment's name and description; the preset's header comments (commands and
 * results of the preset's own folder) are replaced by a line naming the source. SR configs get a commented
 * block documenting the workflow and checkpoint-history keys they do not set
 * (lib/experiment/workflow_config.ts), photo configs one documenting their family's [model] keys they do
 * not set (generated from the family's declaration, lib/enhance/family_doc.ts). `--help` lists the photo
 * families. Never overwrites an existing config.
 */
import { basename, join } from "@std/path";
import { parse as parseToml } from "@std/toml";
import { writeFileAtomic } from "../core/atomic.ts";
import { loadExperiment, taskOf } from "./all_tasks.ts";
import { workflowDoc } from "../experiment/workflow_config.ts";
import { familiesHelp, modelDoc } from "../enhance/family_doc.ts";
import { repoRoot } from "../core/shared.ts";
import { CliExit, parseTaskArgs, presets, runCli, str, type TaskSpec, usageText } from "./args.ts";

const DEFAULT_PRESET = "clutnet-20+05+10";

/** The usage line with every shipped preset of both tasks, and the user's own experiments apart. */
function spec(): TaskSpec {
  const all = presets(), shipped = all.filter((p) => p.shipped !== false);
  const names = (task: string) => shipped.filter((p) => p.task === task).map((p) => p.name).join(", ");
  const mine = all.filter((p) => p.shipped === false && p.task !== "sweep").map((p) => p.name);
  return {
    task: "new",
    usage: `experiments/<name> [--preset <preset>] (default ${DEFAULT_PRESET})\n` +
      `  photo presets: ${names("photo")}\n` +
      `  sr presets:    ${names("sr")}` +
      (mine.length ? `\n  your experiments (copied the same way): ${mine.join(", ")}` : "") +
      `\nphoto families (model.family; the config written lists the family's other keys as comments):\n` +
      familiesHelp(),
    string: ["preset"],
    positionals: 1,
  };
}

/**
 * A copy of a preset's config.toml for experiment `name`: experiment.name and description set, the
 * leading comment block (about the preset's folder) replaced by one line naming the source, and any other
 * comment line naming the preset's folder dropped.
 */
export function copyPreset(text: string, preset: string, name: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => !/^\s*(#.*)?$/.test(l));
  const desc = text.match(/^description\s*=\s*"(.*)"\s*$/m)?.[1];
  const description = `${name}, copied from preset ${preset}${desc ? ` (${desc})` : ""}`.replaceAll('"', "'");
  const body = lines.slice(Math.max(0, first))
    .filter((l) => !(l.trimStart().startsWith("#") && l.includes(`experiments/${preset}`)))
    .join("\n")
    .replace(/^name\s*=\s*".*"$/m, `name = "${name}"`);
  const withDesc = /^description\s*=/m.test(body)
    ? body.replace(/^description\s*=\s*".*"$/m, `description = "${description}"`)
    : body.replace(/^name\s*=\s*".*"$/m, (l) => `${l}\ndescription = "${description}"`);
  return `# ${name}: copied from experiments/${preset}/config.toml (see it for the paper's notes and results).\n` +
    withDesc;
}

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
  let text: string;
  try {
    text = copyPreset(
      await Deno.readTextFile(join(repoRoot, "experiments", preset, "config.toml")),
      preset,
      name,
    );
  } catch {
    throw new Error(`unknown preset "${preset}"\n${usageText(spec())}`);
  }
  const raw = parseToml(text);
  text += taskOf(raw, file) === "sr" ? workflowDoc(text) : modelDoc(raw);
  await writeFileAtomic(file, text);
  await loadExperiment(file); // the written file must validate
  return file;
}

/** `deno task new` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const s = spec();
  const a = parseTaskArgs(args, s);
  const dir = a.positionals[0];
  if (!dir) throw new CliExit(2, `missing experiments/<name>\n${usageText(s)}`);
  const preset = str(a, "preset") ?? DEFAULT_PRESET;
  const file = await newExperiment(dir, preset);
  console.log(`wrote ${file} (preset ${preset}); train with: deno task train -e ${dir}`);
}

if (import.meta.main) await runCli("new", () => main(Deno.args));

/**
 * The SR-only tasks' experiment check: `deno task finetune` tunes SR lookup tables (experiment.task "sr"),
 * so a photo experiment gets an error naming its task and family and the commands that serve it, instead of
 * the SR config reader's complaint about its sections.
 */
import { configFile, readToml } from "../experiment/reader.ts";
import { parseSrConfig, type SrConfig } from "../sr/config.ts";
import { taskOf } from "./all_tasks.ts";

/** The SR config of the experiment at `exp` (folder or .toml); another task's experiment is an error naming it. */
export async function loadSrFor(task: string, exp: string): Promise<SrConfig> {
  const file = configFile(exp);
  const raw = await readToml(file);
  const kind = taskOf(raw, file);
  if (kind === "sr") return parseSrConfig(raw, file);
  const model = raw.model && typeof raw.model === "object" ? (raw.model as Record<string, unknown>) : {};
  const family = typeof model.family === "string" ? `, model.family "${model.family}"` : "";
  throw new Error(
    `${file} is ${
      kind === "enhance" ? "a photo-enhancement" : "an"
    } experiment (experiment.task "${kind}"${family}); ${task} is the ` +
      `LUT-aware fine-tuning of SR lookup tables (experiment.task "sr": SR-LUT, MuLUT, SPF-LUT, AutoLUT, DFC). ` +
      `A photo model trains its LUTs end to end: train longer with more [train] steps and ` +
      `deno task train -e ${exp} --resume, score it with deno task eval -e ${exp}, ` +
      `write its LUTs with deno task export -e ${exp}`,
  );
}

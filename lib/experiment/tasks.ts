/**
 * The task registry: each task package (lib/enhance: "enhance", lib/sr: "sr") registers the validator of
 * its experiment configs under its `[experiment] task` name and adds its config type to `ExperimentTasks`
 * (declaration merging), so loading any experiment needs no import of a task package from here.
 *
 * A task module does: `experimentTasks.register("sr", (raw, file) => ...)` and
 * `declare module "./tasks.ts" { interface ExperimentTasks { sr: SrExperiment } }`.
 */
import { configFile, type Raw, readToml } from "./reader.ts";
import { Registry } from "./registry.ts";

/** Validated experiment config by task name; each task package adds its entry. */
// deno-lint-ignore no-empty-interface
export interface ExperimentTasks {}

/** Any experiment, by task (`task` field): the union of the registered tasks' configs. */
export type ExperimentConfig = ExperimentTasks[keyof ExperimentTasks];

/** Validates a parsed experiment file of one task (`file` names it in errors). */
export type TaskValidator = (raw: Raw, file: string) => ExperimentConfig;

/** Validators by experiment.task. */
export const experimentTasks: Registry<TaskValidator> = new Registry("experiment.task");

/** Task of a parsed experiment file ("enhance" when absent); an unregistered task is an error naming the file. */
export function taskOf(raw: Raw, file: string): keyof ExperimentTasks {
  const ex = raw.experiment;
  const task = ex && typeof ex === "object" ? (ex as Raw).task ?? "enhance" : "enhance";
  const names = experimentTasks.names();
  if (typeof task !== "string" || !names.includes(task)) {
    const allowed = names.map((n) => `"${n}"`).join(" or ");
    throw new Error(`${file}: experiment.task must be ${allowed}, got ${JSON.stringify(task)}`);
  }
  return task as keyof ExperimentTasks;
}

/** Loads any experiment (a folder or its .toml), validated by its task's registered validator. */
export async function loadExperiment(path: string): Promise<ExperimentConfig> {
  const file = configFile(path);
  const raw = await readToml(file);
  return experimentTasks.get(taskOf(raw, file))(raw, file);
}

/**
 * The tasks the entry points know: importing this module registers photo enhancement (lib/enhance/config.ts)
 * and SR (lib/sr/config.ts) in lib/experiment/tasks.ts, so `loadExperiment` reads either.
 */
import "../enhance/config.ts";
import "../sr/config.ts";

export { type ExperimentConfig, loadExperiment, taskOf } from "../experiment/tasks.ts";

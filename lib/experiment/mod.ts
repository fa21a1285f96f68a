/**
 * lib/experiment: what every task shares -- typed experiment configs (`experiments/<name>/config.toml`),
 * the training loop, Adam as torch has it, data-parallel ranks, checkpoints, the JSONL training log, the run
 * lock and the registries of model families.
 * @module
 */
export * from "./adam.ts";
export * from "./checkpoint.ts";
export * from "./history.ts";
export * from "./interrupted.ts";
export * from "./lock.ts";
export * from "./log.ts";
export * from "./loop.ts";
export * from "./origin.ts";
export * from "./ranks.ts";
export * from "./reader.ts";
export * from "./registry.ts";
export * from "./step_choice.ts";
export * from "./tasks.ts";
export * from "./tensorboard.ts";
export * from "./workflow_config.ts";

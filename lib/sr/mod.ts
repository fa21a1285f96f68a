/**
 * lib/sr: super-resolution (and restoration) with look-up tables: the task layer here (experiment config,
 * training, LUT-aware fine-tuning, the experiment's tables on disk, benchmark evaluation and the grayscale
 * restoration protocol, storage accounting), the building blocks (lib/sr/core) and the model families (lib/sr/models).
 * @module
 */
export * from "./artifacts.ts";
export * from "./config.ts";
export * from "./dfc_finetune.ts";
export * from "./evaluate.ts";
export * from "./experiment.ts";
export * from "./finetune.ts";
export * from "./gray_protocol.ts";
export * from "./sr_train.ts";
export * from "./steps.ts";
export * from "./storage.ts";
export * from "./core/mod.ts";
export * from "./models/mod.ts";

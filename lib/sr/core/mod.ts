/**
 * lib/sr/core: the SR LUT machinery shared by every SR model -- LutModules in network and LUT form, patterns,
 * composite models, data and degradations, training and LUT-aware fine-tuning, enumeration export, tables on
 * disk, DFC export, storage accounting and benchmark evaluation (SR, and the grayscale restoration protocol).
 * @module
 */
export * from "./artifacts.ts";
export * from "./config.ts";
export * from "./data.ts";
export * from "./degrade.ts";
export * from "./dfc_export.ts";
export * from "./enumerate.ts";
export * from "./evaluate.ts";
export * from "./experiment.ts";
export * from "./finetune.ts";
export * from "./gray_protocol.ts";
export * from "./lookup.ts";
export * from "./lutmodule.ts";
export * from "./model.ts";
export * from "./net.ts";
export * from "./pattern.ts";
export * from "./storage.ts";
export * from "./tables.ts";
export * from "./train.ts";

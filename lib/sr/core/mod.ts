/**
 * lib/sr/core: the SR LUT building blocks shared by every SR model -- LutModules in network and LUT form,
 * patterns, composite models and running them on an image, data and degradations, enumeration export, tables
 * on disk and DFC export.
 * @module
 */
export * from "./benchmark.ts";
export * from "./data.ts";
export * from "./degrade.ts";
export * from "./dfc_export.ts";
export * from "./enumerate.ts";
export * from "./lookup.ts";
export * from "./lutmodule.ts";
export * from "./model.ts";
export * from "./native_net.ts";
export * from "./net.ts";
export * from "./pattern.ts";
export * from "./super_resolve.ts";
export * from "./tables.ts";

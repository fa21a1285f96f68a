/**
 * lib/sr/models: the SR LUT model families registered by `model.kind` -- SR-LUT, MuLUT, SPF-LUT and AutoLUT
 * (AutoSample, AdaRL; on SR-LUT, MuLUT or SPF-LUT) -- and the published tables loaded into them.
 * @module
 */
export * from "./adarl.ts";
export * from "./autolut.ts";
export * from "./autolut_spf.ts";
export * from "./autolut_unit.ts";
export * from "./autosample.ts";
export * from "./model_config.ts";
export * from "./models.ts";
export * from "./mulut.ts";
export * from "./pretrained.ts";
export * from "./sr_registry.ts";
export * from "./spf.ts";
export * from "./srlut.ts";

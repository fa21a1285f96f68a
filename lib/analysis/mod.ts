/**
 * lib/analysis: figures as plain plotly specs (`Figure`), their inline display in a Deno notebook (`show`,
 * `display`) and saving (HTML, PNG): training curves, LUT views, CLUT-Net, AutoLUT, AdaInt and SepLUT analyses, occupancy,
 * heatmaps, quality-against-cost plots and image comparisons.
 * @module
 */
export * from "./adaptive_luts.ts";
export * from "./autosample.ts";
export * from "./axes.ts";
export * from "./bgrid.ts";
export * from "./clut.ts";
export * from "./compare.ts";
export * from "./curves.ts";
export * from "./figure.ts";
export * from "./figure_spec.ts";
export * from "./heatmap.ts";
export * from "./images.ts";
export * from "./labels.ts";
export * from "./lut.ts";
export * from "./occupancy.ts";
export * from "./plotlyjs.ts";
export * from "./rules.ts";
export * from "./save.ts";
export * from "./slices.ts";
export * from "./still.ts";
export * from "./tradeoff.ts";
export * from "./weights.ts";

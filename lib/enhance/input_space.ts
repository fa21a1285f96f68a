/**
 * The colour space a photo model expects (model.input_space): "srgb" (8-bit sRGB photos, the default) or
 * "xyz" (Image-Adaptive 3DLUT's XYZ models: trained on FiveK inputs made from the raw DNGs -- Lightroom
 * export to 16-bit ProPhoto RGB with as-shot white balance, then converted to CIE XYZ, 16-bit PNGs
 * `480p_16bits_XYZ_WB` (the author, HuiZeng/Image-Adaptive-3DLUT issues #9, #16) -- read by cv2.imread(-1),
 * i.e. in reversed (BGR) channel order, and divided by 65535; targets sRGB expert C). An XYZ model is refused
 * sRGB images unless the user converts them on purpose (`--convert-input xyz`: sRGB decoded to linear XYZ,
 * D65, lib/image/color.ts, channels reversed as cv2 hands them to the model). Converting an 8-bit sRGB
 * rendering is not the original's input: the camera rendering (tone curve, clipping, 8-bit quantisation) is
 * baked in, the raw dynamic range is gone, and the encoding of the original's XYZ PNGs (transfer curve,
 * white point) is not published, so an XYZ model sees other colours than it was trained on.
 */
import type { PhotoConfig } from "./photo_registry.ts";
import type { Image } from "../image/io.ts";
import { rgbToXyz } from "../image/color.ts";
import type { PhotoNet } from "./photonet.ts";

/** Conversions the user can ask for (`--convert-input`). */
export const INPUT_CONVERSIONS = ["xyz"] as const;

/** How an XYZ model's training inputs were made (for messages and the README). */
export const XYZ_ORIGIN =
  "the original's XYZ inputs are 16-bit CIE XYZ PNGs made from the raw FiveK DNGs (Lightroom, ProPhoto RGB, then XYZ), not sRGB photos";

/**
 * The network that takes sRGB image files for `config`: `net` itself for an sRGB model; for an XYZ model
 * an error unless `convert` = "xyz", then `net` behind an sRGB -> linear XYZ conversion of each input.
 */
export function forSrgbImages(config: PhotoConfig, net: PhotoNet, convert?: string): PhotoNet {
  const space = config.inputSpace ?? "srgb";
  if (convert !== undefined && !(INPUT_CONVERSIONS as readonly string[]).includes(convert)) {
    throw new Error(`--convert-input must be one of ${INPUT_CONVERSIONS.join(", ")}, got "${convert}"`);
  }
  if (space === "srgb") {
    if (convert) {
      throw new Error(
        `${config.file}: the model takes sRGB input; --convert-input ${convert} is for XYZ models`,
      );
    }
    return net;
  }
  if (!convert) {
    throw new Error(
      `${config.file}: the model expects CIE XYZ input (model.input_space = "xyz"; ${XYZ_ORIGIN}); ` +
        `the images given are sRGB. Pass --convert-input xyz to convert them to linear XYZ on purpose ` +
        `(not the same as the original's inputs: the sRGB rendering's tone curve and clipping stay in)`,
    );
  }
  return Object.assign(Object.create(net) as PhotoNet, {
    enhance: (img: Image) => net.enhance(xyzModelInput(img)),
  });
}

/** An sRGB image [3,H,W] as an XYZ model takes it (`--convert-input xyz`): linear XYZ, D65, channels Z,Y,X. */
export function xyzModelInput(img: Image): Image {
  return cv2Order(rgbToXyz(img));
}

/** Planar [3,H,W] channels reversed (X,Y,Z -> Z,Y,X: what cv2.imread gives for a PNG stored as X,Y,Z). */
function cv2Order(img: Image): Image {
  const n = img.height * img.width, data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) data.set(img.data.subarray((2 - c) * n, (3 - c) * n), c * n);
  return { ...img, data };
}

/** Refuses weights from an `XYZ/` folder of the original for a model not declared model.input_space = "xyz". */
export function checkPretrainedSpace(config: PhotoConfig, paths: string[]): void {
  const xyz = paths.filter((p) => /(^|[\\/])XYZ[\\/]/.test(p));
  if (xyz.length && config.inputSpace !== "xyz") {
    throw new Error(
      `${config.file}: ${
        xyz[0]
      } is an XYZ-input model of Image-Adaptive 3DLUT; set model.input_space = "xyz" (${XYZ_ORIGIN})`,
    );
  }
}

/**
 * The colour space a photo model expects (model.input_space): "srgb" (8-bit sRGB photos, the default) or
 * "xyz" (Image-Adaptive 3DLUT's XYZ models: trained on FiveK inputs rendered from the raw DNGs to 16-bit
 * linear CIE XYZ PNGs, `480p_16bits_XYZ_WB`, with sRGB expert-C targets). An XYZ model is refused sRGB
 * images unless the user converts them on purpose (`--convert-input xyz`: sRGB decoded to linear XYZ, D65,
 * lib/image/color.ts). Converting an 8-bit sRGB rendering is not the original's input: the camera's
 * rendering (tone curve, clipping, saturated highlights, 8-bit quantisation) is already baked in and the raw
 * dynamic range is gone, so an XYZ model sees different colours than it was trained on.
 */
import type { PhotoConfig } from "../experiment/config.ts";
import type { Image } from "../image/io.ts";
import { rgbToXyz } from "../image/color.ts";
import type { PhotoNet } from "./photonet.ts";

/** Conversions the user can ask for (`--convert-input`). */
export const INPUT_CONVERSIONS = ["xyz"] as const;

/** How an XYZ model's training inputs were made (for messages and the README). */
export const XYZ_ORIGIN =
  "the original's XYZ inputs are FiveK raw DNGs rendered to 16-bit linear CIE XYZ PNGs, not sRGB photos";

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
    enhance: (img: Image) => net.enhance(rgbToXyz(img)),
  });
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

/** Running an SR LUT model on an image: planes in, 8-bit output (evaluation, the grayscale protocol, apply). */
import { readAndDispose, tf } from "../../core/backend.ts";
import type { Image } from "../../image/io.ts";
import type { SrModel } from "./model.ts";

/** Runs `model` on an 8-bit-valued image [C,H,W] in [0,1] → its 8-bit output [C, H·r, W·r] in [0,1]. */
export async function superResolve(model: SrModel, input: Image): Promise<Image> {
  const { channels: c, height: h, width: w } = input;
  const r = model.upscale;
  const y = await readAndDispose(tf.tidy(() => {
    const x = tf.tensor3d(input.data.map((v) => Math.round(v * 255)), [c, h, w]);
    return model.forward(x);
  }));
  const q = model.quantise(y);
  for (let i = 0; i < q.length; i++) q[i] /= 255;
  return { data: q, channels: c, height: h * r, width: w * r };
}

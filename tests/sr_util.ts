// Shared by the SR tests: plain SGD over named parameters, whose update is the gradient itself (Adam would
// amplify float noise when two ways of computing one gradient are compared), and a synthetic training photo.
import { tf } from "../lib/core/backend.ts";
import type { Image } from "../lib/image/io.ts";
import type { Params } from "../lib/nn/params.ts";

/** An optimiser with Adam's `step` signature: p -= lr·g for each named gradient. */
export function sgd(params: Params, lr: number): { step: (grads: Map<string, tf.Tensor>) => void } {
  return {
    step: (grads) => {
      for (const [k, g] of grads) params.get(k)!.assign(tf.tidy(() => tf.sub(params.get(k)!, tf.mul(g, lr))));
    },
  };
}

/** A striped synthetic RGB photo [3,h,w] in [0,1], varied by `k` (detail a small LUT can learn). */
export function stripedPhoto(h: number, w: number, k: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const edge = (x + 2 * y + 7 * k) % 23 < 11 ? 0.25 : 0;
        data[(c * h + y) * w + x] = 0.3 + edge + 0.2 * Math.sin(0.21 * x + 0.13 * y + k + c);
      }
    }
  }
  return { data, channels: 3, height: h, width: w };
}

/**
 * The tf.customGrad wrapper shared by the LUT ops that map an image through a table (lib/lut/lut3d_op.ts,
 * lib/lut/lut1d_op.ts): out = forward(img, lut), gradients from `backward` w.r.t. the image and the LUT, or
 * only the LUT when `imgGrad` is false (the image is data, e.g. a training input).
 */
import { tf } from "../core/backend.ts";

/**
 * tfjs op out [B,3,H,W] = forward(img, lut); `backward(dy, img, lut)` returns [gradImg, gradLut], or
 * [gradLut] when `imgGrad` is false.
 */
export function imageLutOp(
  img: tf.Tensor4D,
  lut: tf.Tensor,
  forward: (img: tf.Tensor, lut: tf.Tensor) => tf.Tensor,
  backward: (dy: tf.Tensor, img: tf.Tensor, lut: tf.Tensor) => tf.Tensor | tf.Tensor[],
  imgGrad: boolean,
): tf.Tensor4D {
  if (!imgGrad) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([img, l]);
      return { value: forward(img, l), gradFunc: (dy, [x, ls]) => backward(dy, x, ls) };
    });
    return op(lut) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, l, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, l]);
    return { value: forward(x, l), gradFunc: (dy, [xs, ls]) => backward(dy, xs, ls) };
  });
  return op(img, lut) as tf.Tensor4D;
}

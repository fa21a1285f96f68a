/**
 * Matrix product whose gradients are products of untransposed operands. tfjs-wasm runs tf.matMul with a
 * transposed operand on a slow path (measured: [6272,80]ᵀ·[6272,16] 10.6 ms, [6272,16]·[80,16]ᵀ 11.3 ms,
 * against 1.0 ms for the untransposed forward), and tfjs's own matMul gradient uses exactly those two
 * forms. Here da = dy·(bᵀ) and db = (dyᵀ·a)ᵀ with explicit transposes of the smaller tensors.
 */
import { tf } from "../core/backend.ts";

const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[], g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.transpose(tf.matMul(tf.transpose(g), sa))];
    },
  };
});

/** a [M,K] · b [K,N] → [M,N] (row-major); gradients for both operands as untransposed products. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul: shapes [${a.shape}] · [${b.shape}] do not multiply`);
  }
  return op(a, b) as tf.Tensor2D;
}

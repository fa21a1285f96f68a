// Shared by the SR training tests: plain SGD over named parameters, whose update is the gradient itself (Adam
// would amplify float noise when two ways of computing one gradient are compared).
import { tf } from "../lib/core/backend.ts";
import type { Params } from "../lib/nn/params.ts";

/** An optimiser with Adam's `step` signature: p -= lr·g for each named gradient. */
export function sgd(params: Params, lr: number): { step: (grads: Map<string, tf.Tensor>) => void } {
  return {
    step: (grads) => {
      for (const [k, g] of grads) params.get(k)!.assign(tf.tidy(() => tf.sub(params.get(k)!, tf.mul(g, lr))));
    },
  };
}

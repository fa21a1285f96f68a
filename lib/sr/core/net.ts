/**
 * The small network inside a LutModule. A k×k conv on one plane followed by 1×1 convs is, per output
 * position, a multi-layer perceptron on the n sampled pixels, so it is written as dense layers on
 * [N, n] rows (lib/nn/matmul.ts: fast gradients on wasm, where conv2d has no filter gradient):
 * - "srlut": SR-LUT's SRNet: n→w, then 4 × (ReLU, w→w), ReLU, w→K (no output activation);
 * - "mulut": MuLUT's MuLUTUnit with dense connections: ReLU(n→w), 4 × DenseConv (concat ReLU(1×1)),
 *   then (5w)→K and tanh.
 * Weights are Kaiming-normal (fan-in, gain √2) with zero biases, as in both papers' code. The hidden
 * activation is ReLU, or GELU (exact, erf-based as torch's nn.GELU) for AutoLUT's MuLUT units.
 */
import { Rng } from "../../core/rng.ts";
import { tf } from "../../core/backend.ts";
import { matMul } from "../../nn/matmul.ts";

/** Network kind, hidden width and hidden activation (default relu). */
export type NetSpec = { kind: "srlut" | "mulut"; width: number; act?: "relu" | "gelu" };

/** GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as tf.Tensor2D;
}

/** One dense layer: weight [in, out], bias [out]. */
export type Dense = { w: tf.Variable; b: tf.Variable };

function dense(nIn: number, nOut: number, rng: Rng): Dense {
  const std = Math.sqrt(2 / nIn);
  const w = new Float32Array(nIn * nOut);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
  return {
    w: tf.variable(tf.tensor2d(w, [nIn, nOut])),
    b: tf.variable(tf.zeros([nOut])),
  };
}

function apply(layer: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(matMul(x, layer.w as tf.Tensor2D), layer.b);
}

/** An MLP on [N, n] rows producing [N, K]. */
export class LutNet {
  readonly layers: Dense[];
  constructor(
    readonly spec: NetSpec,
    readonly inputs: number,
    readonly outputs: number,
    seed: number,
    name: string,
  ) {
    const { width: w, kind } = spec;
    if (!Number.isInteger(w) || w < 1) {
      throw new Error(`${name}: net width must be a positive integer, got ${w}`);
    }
    const rng = new Rng(seed);
    const dims = kind === "srlut"
      ? [[inputs, w], [w, w], [w, w], [w, w], [w, w], [w, outputs]]
      : [[inputs, w], [w, w], [2 * w, w], [3 * w, w], [4 * w, w], [5 * w, outputs]];
    this.layers = dims.map(([i, o]) => dense(i, o, rng));
  }

  /** Rows [N, n] (pixels scaled to [0,1]) → raw outputs [N, K]. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    const L = this.layers;
    const act = this.spec.act === "gelu" ? gelu : (t: tf.Tensor2D) => tf.relu(t);
    if (this.spec.kind === "srlut") {
      let h = apply(L[0], x);
      for (let k = 1; k < 5; k++) h = apply(L[k], act(h));
      return apply(L[5], act(h));
    }
    let h: tf.Tensor2D = act(apply(L[0], x));
    for (let k = 1; k < 5; k++) h = tf.concat([h, act(apply(L[k], h))], 1);
    return tf.tanh(apply(L[5], h));
  }

  /** All trainable variables, in layer order (w, b). */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }
}

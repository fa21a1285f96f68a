/**
 * The image-adaptive 3D LUT generator of AdaInt and SepLUT (mapping h, `LUTGenerator`/`LUT3DGenerator`):
 * rank weights w = code @ W + b (Linear [F -> N], bias initialised to 1) and the per-image LUT
 * sum_n w_n LUT_n from a bank of N basis LUTs [N,3,D,D,D] (layout lut[c][b][g][r]; the original's
 * `basis_luts_bank` Linear [N -> 3D^3] without bias, initialised to the identity for n = 0 and zeros).
 * Parameters `<prefix>weights.weight` [F,N], `<prefix>weights.bias` [N], `<prefix>luts` [N,3,D,D,D].
 */
import { tf } from "../../core/backend.ts";
import type { Rng } from "../../core/rng.ts";
import { matMul } from "../../nn/matmul.ts";
import { param, type Params } from "../../nn/params.ts";
import { identityLut } from "./lut3dnet.ts";

/** Adds a PyTorch nn.Linear [fin -> fout] as `<name>.weight` [fin,fout] and `<name>.bias` [fout] (default init). */
export function addLinear(p: Params, name: string, fin: number, fout: number, rng: Rng): void {
  const bound = 1 / Math.sqrt(fin);
  // drawn in PyTorch's [out,in] order, then transposed to ours
  const w = tf.tidy(() =>
    tf.tensor2d(rng.fill(fin * fout, (r) => r.uniform(-bound, bound)), [fout, fin]).transpose()
  );
  p.set(`${name}.weight`, tf.variable(w, true));
  w.dispose();
  p.set(`${name}.bias`, tf.variable(tf.tensor1d(rng.fill(fout, (r) => r.uniform(-bound, bound))), true));
}

/** y [B,fout] = x [B,fin] @ `<name>.weight` + `<name>.bias`. */
export function linear(p: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(
    matMul(x, param(p, `${name}.weight`) as tf.Tensor2D),
    param(p, `${name}.bias`),
  ) as tf.Tensor2D;
}

/** Adds the generator of N basis LUTs of size D on codes of length F (original initialisation). */
export function addLutGenerator(p: Params, prefix: string, f: number, n: number, d: number, rng: Rng): void {
  addLinear(p, `${prefix}weights`, f, n, rng);
  p.get(`${prefix}weights.bias`)!.assign(tf.ones([n]));
  const bank = new Float32Array(n * 3 * d ** 3);
  bank.set(identityLut(d));
  p.set(`${prefix}luts`, tf.variable(tf.tensor(bank, [n, 3, d, d, d]), true));
}

/** Rank weights [B,N] and per-image LUTs [B,3,D,D,D] from codes [B,F]. */
export function lutGeneratorForward(p: Params, prefix: string, code: tf.Tensor2D): {
  weights: tf.Tensor2D;
  luts: tf.Tensor;
} {
  return tf.tidy(() => {
    const bank = param(p, `${prefix}luts`), [n, , d] = bank.shape;
    const weights = linear(p, `${prefix}weights`, code);
    const luts = matMul(weights, bank.reshape([n, 3 * d ** 3]) as tf.Tensor2D).reshape([
      code.shape[0],
      3,
      d,
      d,
      d,
    ]);
    return { weights, luts };
  });
}

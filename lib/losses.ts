/**
 * Training losses of the photo models, as tf ops (differentiable on the wasm backend):
 *   - mse, l1: mean over all values of NCHW [B,3,H,W] images;
 *   - cosine: CLUT-Net's `cos`, mean over pixels of 1 - cos(angle between the RGB vectors),
 *     torch cosine_similarity(dim=1) with each norm clamped to >= 1e-8;
 *   - lutSmoothness / lutMonotonicity: TV and monotonicity of LUTs [N,3,D,D,D] (layout lut[c][b][g][r])
 *     on the neighbour differences d = LUT[i] - LUT[i+1] along r, g and b, with weight 2 on the first and
 *     last difference of each axis. Style "3dlut" (TV_3D of Image-Adaptive 3DLUT, summed over the N LUTs):
 *     tv = sum_n sum_axes mean(w d^2), mn = sum_n sum_axes mean(relu(d)) (unweighted); style "clutnet"
 *     (TVMN of CLUT-Net, averaged over all LUTs): tv = sum_axes mean(w d^2), mn = sum_axes mean(relu(w d)^2);
 *   - weightL2: mean of the squared predicted weights (3DLUT's weights_norm).
 */
import { tf } from "./backend.ts";

/** Mean squared error. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(a, b));
}

/** Mean absolute error. */
export function l1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(a, b)));
}

/** CLUT-Net cosine loss on NCHW [B,3,H,W]: mean over pixels of 1 - cos(a_rgb, b_rgb). */
export function cosine(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const eps2 = 1e-16; // norms clamped at 1e-8 (squared here, so the sqrt gradient stays finite)
    const na = tf.sqrt(tf.maximum(tf.sum(tf.square(a), 1), eps2));
    const nb = tf.sqrt(tf.maximum(tf.sum(tf.square(b), 1), eps2));
    return tf.mean(tf.sub(1, tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(na, nb))));
  });
}

/** Regulariser convention: Image-Adaptive 3DLUT (TV_3D) or CLUT-Net (TVMN). */
export type LutRegStyle = "3dlut" | "clutnet";

/** Neighbour differences of LUTs [N,3,D,D,D] along r, g, b (rank <= 3 views: rank-5 slices are slow on wasm). */
function diffs(luts: tf.Tensor): { d: tf.Tensor; w: tf.Tensor }[] {
  const [n, , dim] = luts.shape;
  const edge = Float32Array.from({ length: dim - 1 }, (_, i) => (i === 0 || i === dim - 2 ? 2 : 1));
  const along = (shape: number[], wShape: number[]) => {
    const x = luts.reshape(shape);
    const ax = shape.length - (shape.length === 2 ? 1 : 2);
    const lo = shape.map(() => 0), size = [...shape];
    size[ax] = dim - 1;
    const hi = [...lo];
    hi[ax] = 1;
    return { d: tf.sub(tf.slice(x, lo, size), tf.slice(x, hi, size)), w: tf.tensor(edge, wShape) };
  };
  return [
    along([n * 3 * dim * dim, dim], [dim - 1]), // r (fastest axis)
    along([n * 3 * dim, dim, dim], [dim - 1, 1]), // g
    along([n * 3, dim, dim * dim], [dim - 1, 1]), // b
  ];
}

/** LUT smoothness (TV) of [N,3,D,D,D] in the given style (see module doc). */
export function lutSmoothness(luts: tf.Tensor, style: LutRegStyle): tf.Scalar {
  return tf.tidy(() => {
    const n = luts.shape[0];
    const tv = tf.addN(diffs(luts).map(({ d, w }) => tf.mean(tf.mul(tf.square(d), w)))) as tf.Scalar;
    return style === "3dlut" ? tf.mul(tv, n) : tv;
  });
}

/** LUT monotonicity penalty of [N,3,D,D,D] in the given style (see module doc). */
export function lutMonotonicity(luts: tf.Tensor, style: LutRegStyle): tf.Scalar {
  return tf.tidy(() => {
    const n = luts.shape[0];
    const terms = diffs(luts).map(({ d, w }) =>
      style === "3dlut" ? tf.mean(tf.relu(d)) : tf.mean(tf.square(tf.relu(tf.mul(d, w))))
    );
    const mn = tf.addN(terms) as tf.Scalar;
    return style === "3dlut" ? tf.mul(mn, n) : mn;
  });
}

/** Mean of squared basis weights [B,N] (3DLUT's weights_norm). */
export function weightL2(weights: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(weights));
}

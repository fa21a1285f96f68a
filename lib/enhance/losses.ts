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
 * The image losses are differentiable w.r.t. the prediction `a` only (`b` is the target). Each image loss
 * and regulariser is one custom op whose value and gradient are native loops over the tensors' memory
 * (`withData`; sums in float64, OpenMP; kernels/image_loss.c and kernels/lutreg.c): a fraction of the time of
 * the equivalent chain of tf ops and their tape.
 */
import { hostKernels, onWebgpu, tf, withData } from "../core/backend.ts";
import { lutRegGradGpu, lutRegValueGpu } from "../lut/webgpu/lutreg.ts";

const kernels = hostKernels({
  lutlab_image_loss: { parameters: ["i32", "buffer", "buffer", "i64", "i64", "buffer"], result: "i32" },
  lutlab_image_loss_grad: {
    parameters: ["i32", "buffer", "buffer", "i64", "i64", "f64", "buffer"],
    result: "i32",
  },
  lutlab_lut_regularizer: {
    parameters: ["buffer", "i32", "i32", "i32", "f32", "buffer", "buffer"],
    result: "i32",
  },
});

/** The image losses of kernels/image_loss.h. */
const LOSS = { mse: 0, l1: 1, cosine: 2 } as const;

/**
 * A scalar loss of prediction `a` (target `b`, same shape; `hw`: the plane size for the cosine loss) whose
 * value and gradient are native loops over the tensors' memory (kernels/image_loss.c); on webgpu, `ops`.
 */
function imageLoss(
  what: keyof typeof LOSS,
  a: tf.Tensor,
  b: tf.Tensor,
  hw: number,
  ops: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar,
): tf.Scalar {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`${what}: prediction [${a.shape}] and target [${b.shape}] differ in shape`);
  }
  if (onWebgpu()) return tf.tidy(() => ops(a, b)); // tf ops and their gradients, on the GPU
  const call = `${what}([${a.shape}])`, n = BigInt(a.size), h = BigInt(hw);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x, b]); // kept for the backward pass (a caller's tidy may dispose the originals before it)
    const v = withData([x, b], [[]], ([xs, ys], [out]) => {
      const value = new Float64Array(1);
      kernels.call(call, "lutlab_image_loss", LOSS[what], xs, ys, n, h, value);
      out[0] = value[0];
    })[0];
    const gradFunc = (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) =>
      withData([xs, ys, dy], [x.shape], ([p, q, g], [out]) => {
        kernels.call(call, "lutlab_image_loss_grad", LOSS[what], p, q, n, h, g[0], out);
      })[0];
    return { value: v, gradFunc };
  });
  return op(a) as tf.Scalar;
}

/** Mean squared error of prediction a against target b. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return imageLoss("mse", a, b, 1, (p, q) => tf.mean(tf.squaredDifference(p, q)));
}

/** Mean absolute error of prediction a against target b (gradient sign(a - b), 0 where equal). */
export function l1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return imageLoss("l1", a, b, 1, (p, q) => tf.mean(tf.abs(tf.sub(p, q))));
}

/** Squared norm clamp of `cosine` (norms clamped at 1e-8). */
const EPS2 = 1e-16;

/** CLUT-Net cosine loss on NCHW [B,3,H,W]: mean over pixels of 1 - cos(a_rgb, b_rgb). */
export function cosine(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  if (a.rank !== 4 || a.shape[1] !== 3) {
    throw new Error(`cosine: prediction must be [B,3,H,W], got [${a.shape}]`);
  }
  return imageLoss("cosine", a, b, a.shape[2] * a.shape[3], (p, q) => {
    const norm = (t: tf.Tensor) => tf.sqrt(tf.maximum(tf.sum(tf.square(t), 1), EPS2));
    return tf.mean(tf.sub(1, tf.div(tf.sum(tf.mul(p, q), 1), tf.mul(norm(p), norm(q)))));
  });
}

/** Regulariser convention: Image-Adaptive 3DLUT (TV_3D) or CLUT-Net (TVMN). */
export type LutRegStyle = "3dlut" | "clutnet";

/** Per-difference term of a regulariser: 0 = w d^2 (TV), 1 = relu(d) (3dlut MN), 2 = relu(w d)^2 (clutnet MN). */
type RegTerm = 0 | 1 | 2;

/**
 * Regulariser `term` of LUTs [N,3,D,D,D] as a custom op: the style's scale times the sum over all
 * differences (kernels/lutreg.c computes the sum and the gradient).
 */
function lutRegulariser(what: string, luts: tf.Tensor, style: LutRegStyle, term: RegTerm): tf.Scalar {
  const [n, c, dim] = luts.shape;
  if (luts.rank !== 5 || c !== 3 || luts.shape[3] !== dim || luts.shape[4] !== dim || dim < 2 || dim > 1024) {
    throw new Error(`${what}: LUTs must be [N,3,D,D,D] with D in [2, 1024], got [${luts.shape}]`);
  }
  // mean over the N*3*D*D*(D-1) differences of each axis; 3dlut sums the N per-LUT means
  const scale = (style === "3dlut" ? n : 1) / (n * 3 * dim * dim * (dim - 1));
  const run = (lut: Float32Array, k: number, value: Float32Array | null, grad: Float32Array | null) =>
    kernels.call(
      `${what}(luts [${luts.shape}])`,
      "lutlab_lut_regularizer",
      lut,
      n * 3,
      dim,
      term,
      k,
      value,
      grad,
    );
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([l]);
    if (onWebgpu()) { // WGSL kernels (lib/lut/webgpu/lutreg.ts)
      const gradFunc = (dy: tf.Tensor, [ls]: tf.Tensor[]) =>
        tf.tidy(() => lutRegGradGpu(ls, dim, term, dy.mul(scale)));
      return { value: lutRegValueGpu(l, dim, term, scale), gradFunc };
    }
    const value = withData([l], [[]], ([v], [out]) => run(v, scale, out, null))[0];
    const gradFunc = (dy: tf.Tensor, [ls]: tf.Tensor[]) =>
      withData([ls, dy], [l.shape], ([v, g], [out]) => run(v, scale * g[0], null, out))[0];
    return { value, gradFunc };
  });
  return op(luts) as tf.Scalar;
}

/** LUT smoothness (TV) of [N,3,D,D,D] in the given style (see module doc). */
export function lutSmoothness(luts: tf.Tensor, style: LutRegStyle): tf.Scalar {
  return lutRegulariser("lutSmoothness", luts, style, 0);
}

/** LUT monotonicity penalty of [N,3,D,D,D] in the given style (see module doc). */
export function lutMonotonicity(luts: tf.Tensor, style: LutRegStyle): tf.Scalar {
  return lutRegulariser("lutMonotonicity", luts, style, style === "3dlut" ? 1 : 2);
}

/** Mean of squared basis weights [B,N] (3DLUT's weights_norm). */
export function weightL2(weights: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(weights));
}

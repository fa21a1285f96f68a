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
 * and regulariser is one custom op whose value and gradient are loops over the tensors' memory
 * (`withData`; sums in float64; the regularisers in kernels/lutreg.c): a fraction of the time of the
 * equivalent chain of tf ops and their tape.
 */
import { hostKernels, onWebgpu, tf, withData } from "../core/backend.ts";
import { lutRegGradGpu, lutRegValueGpu } from "../lut/webgpu/lutreg.ts";

const kernels = hostKernels({
  lutlab_lut_regularizer: {
    parameters: ["buffer", "i32", "i32", "i32", "f32", "buffer", "buffer"],
    result: "i32",
  },
});

/** A scalar loss of prediction `a` (target `b`, same shape) with value and gradient computed by loops. */
function imageLoss(
  what: string,
  a: tf.Tensor,
  b: tf.Tensor,
  value: (a: Float32Array, b: Float32Array) => number,
  grad: (a: Float32Array, b: Float32Array, scale: number, out: Float32Array) => void,
  ops: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar,
): tf.Scalar {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`${what}: prediction [${a.shape}] and target [${b.shape}] differ in shape`);
  }
  if (onWebgpu()) return tf.tidy(() => ops(a, b)); // tf ops and their gradients, on the GPU
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x, b]);
    const v = withData([x, b], [[]], ([xs, ys], [out]) => void (out[0] = value(xs, ys)))[0];
    const gradFunc = (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) =>
      withData([xs, ys, dy], [x.shape], ([p, q, g], [out]) => grad(p, q, g[0], out))[0];
    return { value: v, gradFunc };
  });
  return op(a) as tf.Scalar;
}

/** Mean squared error of prediction a against target b. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return imageLoss("mse", a, b, (p, q) => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i] - q[i]) ** 2;
    return s / p.length;
  }, (p, q, g, out) => {
    const k = (2 * g) / p.length;
    for (let i = 0; i < p.length; i++) out[i] = k * (p[i] - q[i]);
  }, (p, q) => tf.mean(tf.squaredDifference(p, q)));
}

/** Mean absolute error of prediction a against target b (gradient sign(a - b), 0 where equal). */
export function l1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return imageLoss("l1", a, b, (p, q) => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
    return s / p.length;
  }, (p, q, g, out) => {
    const k = g / p.length;
    for (let i = 0; i < p.length; i++) out[i] = k * (+(p[i] > q[i]) - +(p[i] < q[i])); // branch-free sign
  }, (p, q) => tf.mean(tf.abs(tf.sub(p, q))));
}

/** Squared norm clamp of `cosine` (norms clamped at 1e-8). */
const EPS2 = 1e-16;

/** CLUT-Net cosine loss on NCHW [B,3,H,W]: mean over pixels of 1 - cos(a_rgb, b_rgb). */
export function cosine(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  if (a.rank !== 4 || a.shape[1] !== 3) {
    throw new Error(`cosine: prediction must be [B,3,H,W], got [${a.shape}]`);
  }
  const [batch, , h, w] = a.shape, hw = h * w, pixels = batch * hw;
  return imageLoss("cosine", a, b, (p, q) => {
    let s = 0;
    for (let i0 = 0; i0 < p.length; i0 += 3 * hw) {
      for (let i = i0; i < i0 + hw; i++) {
        const a0 = p[i], a1 = p[i + hw], a2 = p[i + 2 * hw], b0 = q[i], b1 = q[i + hw], b2 = q[i + 2 * hw];
        const aa = Math.max(a0 * a0 + a1 * a1 + a2 * a2, EPS2),
          bb = Math.max(b0 * b0 + b1 * b1 + b2 * b2, EPS2);
        s += 1 - (a0 * b0 + a1 * b1 + a2 * b2) / Math.sqrt(aa * bb);
      }
    }
    return s / pixels;
  }, (p, q, g, out) => {
    // d(1 - cos)/da = -b / (|a| |b|) + [|a|^2 >= eps^2] dot a / (|a|^3 |b|)
    for (let i0 = 0; i0 < p.length; i0 += 3 * hw) {
      for (let i = i0; i < i0 + hw; i++) {
        const a0 = p[i], a1 = p[i + hw], a2 = p[i + 2 * hw], b0 = q[i], b1 = q[i + hw], b2 = q[i + 2 * hw];
        const aa = a0 * a0 + a1 * a1 + a2 * a2, dot = a0 * b0 + a1 * b1 + a2 * b2;
        const na = Math.sqrt(Math.max(aa, EPS2)), nb = Math.sqrt(Math.max(b0 * b0 + b1 * b1 + b2 * b2, EPS2));
        const kb = -g / (pixels * na * nb), ka = aa >= EPS2 ? (g * dot) / (pixels * na * na * na * nb) : 0;
        out[i] = kb * b0 + ka * a0, out[i + hw] = kb * b1 + ka * a1, out[i + 2 * hw] = kb * b2 + ka * a2;
      }
    }
  }, (p, q) => {
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

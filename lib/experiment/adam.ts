/**
 * Adam exactly as torch.optim.Adam (no weight decay, no amsgrad), which both papers use:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps).
 * Its state (t and the m, v moments per named parameter) is plain data for checkpoints. Each parameter's
 * update is one native loop over the tensors' memory (kernels/adam.c through `withData`: float64 arithmetic
 * per element, OpenMP) instead of a dozen tf ops; on webgpu, tf ops.
 */
import { hostKernels, onWebgpu, tf, withData } from "../core/backend.ts";
import type { Params } from "../nn/params.ts";

const kernels = hostKernels({
  lutlab_adam_update: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "i64",
      "f64",
      "f64",
      "f64",
      "f64",
      "f64",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
});

/** Adam's settings; `lrScale`: per-parameter multipliers of lr by name (default 1; AdaInt's lr_mult). */
export type AdamOptions = {
  lr: number;
  beta1: number;
  beta2: number;
  eps?: number;
  lrScale?: ReadonlyMap<string, number>;
};

/** What the training loop and checkpoints use of an optimiser (Adam, or unpaired training's pair of them). */
export type Optimizer = Pick<Adam, "t" | "m" | "v" | "opts" | "load">;

/** Adam over a fixed set of named parameters. */
export class Adam {
  t = 0;
  readonly m = new Map<string, tf.Tensor>();
  readonly v = new Map<string, tf.Tensor>();
  /**
   * Data-parallel runs (lib/experiment/ranks.ts) set this: it averages the gradients over ranks before the
   * update (new tensors, freed after it); `step` then returns a promise its caller awaits.
   */
  reduce?: (grads: Map<string, tf.Tensor>) => Promise<Map<string, tf.Tensor>>;

  constructor(readonly params: Params, readonly opts: AdamOptions) {
    for (const [k, p] of params) {
      this.m.set(k, tf.zerosLike(p));
      this.v.set(k, tf.zerosLike(p));
    }
  }

  /** One update with gradients keyed by parameter name (missing = zero gradient: moments still decay). */
  step(grads: Map<string, tf.Tensor>): Promise<void> | void {
    if (!this.reduce) return this.update(grads);
    return this.reduce(grads).then((mean) => {
      this.update(mean);
      tf.dispose([...mean.values()]);
    });
  }

  private update(grads: Map<string, tf.Tensor>): void {
    this.t++;
    const { lr, beta1: b1, beta2: b2 } = this.opts, eps = this.opts.eps ?? 1e-8;
    const c1 = 1 - b1 ** this.t, c2 = Math.sqrt(1 - b2 ** this.t);
    for (const [k, p] of this.params) {
      const k1 = (lr * (this.opts.lrScale?.get(k) ?? 1)) / c1;
      const g = grads.get(k), inputs = [p, this.m.get(k)!, this.v.get(k)!];
      const [next, m, v] = onWebgpu()
        ? tf.tidy(() => { // tf ops (float32) on the GPU
          const [ps, ms, vs] = inputs, gi = g ?? tf.zerosLike(ps);
          const mo = tf.add(tf.mul(ms, b1), tf.mul(gi, 1 - b1));
          const vo = tf.add(tf.mul(vs, b2), tf.mul(tf.square(gi), 1 - b2));
          return [tf.sub(ps, tf.div(tf.mul(mo, k1), tf.add(tf.div(tf.sqrt(vo), c2), eps))), mo, vo];
        })
        : withData(g ? [...inputs, g] : inputs, [p.shape, p.shape, p.shape], (ins, outs) => {
          const [ps, ms, vs, gs] = ins, [po, mo, vo] = outs;
          kernels.call(
            `Adam update of ${k} [${p.shape}]`,
            "lutlab_adam_update",
            ps,
            ms,
            vs,
            gs ?? null,
            BigInt(ps.length),
            b1,
            b2,
            k1,
            c2,
            eps,
            po,
            mo,
            vo,
          );
        });
      this.m.get(k)!.dispose();
      this.v.get(k)!.dispose();
      this.m.set(k, m);
      this.v.set(k, v);
      p.assign(next);
      next.dispose();
    }
  }

  /** Replaces the state (moments by parameter name); shapes must match. */
  load(t: number, m: Map<string, Float32Array>, v: Map<string, Float32Array>): void {
    for (const [k, p] of this.params) {
      for (const [which, src, dst] of [["m", m, this.m], ["v", v, this.v]] as const) {
        const data = src.get(k);
        if (!data || data.length !== p.size) {
          throw new Error(`optimizer state: ${which} of ${k} missing or of wrong size`);
        }
        dst.get(k)!.dispose();
        dst.set(k, tf.tensor(data, p.shape));
      }
    }
    this.t = t;
  }

  /** Frees the moments. */
  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
  }
}

/**
 * `tf.variableGrads` gradients (keyed by tfjs variable name) keyed by their names in `params` instead; a
 * gradient of a variable outside `params` is an error.
 */
export function gradsByName(params: Params, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const byVar = new Map([...params].map(([k, v]) => [v.name, k]));
  return new Map(
    Object.entries(grads).map(([vn, g]) => {
      const name = byVar.get(vn);
      if (name === undefined) throw new Error(`gradient of variable ${vn}, which is not a model parameter`);
      return [name, g];
    }),
  );
}

/**
 * One optimiser step from `tf.variableGrads` gradients (keyed by tfjs variable name): maps each to its name in
 * `params` (gradsByName), steps `opt` (awaiting the mean over ranks when `Adam.reduce` is set) and disposes
 * the gradients.
 */
export async function stepWithGrads(
  opt: Pick<Adam, "step">,
  params: Params,
  grads: tf.NamedTensorMap,
): Promise<void> {
  try {
    await opt.step(gradsByName(params, grads));
  } finally {
    tf.dispose(Object.values(grads));
  }
}

/**
 * The CNN trunk shared by Image-Adaptive 3DLUT (Zeng et al., TPAMI 2020, `Classifier` in models_x.py)
 * and CLUT-Net / HashLUT (Xian-Bei/CLUT models.py `Backbone`, `SmallBackbone`): five blocks of
 * [conv 3x3 stride 2 pad 1, LeakyReLU(0.2), InstanceNorm(affine, eps 1e-5) on the first four], then
 * Dropout(0.5). On a 256x256 thumbnail the output is an 8x8 map of 128 (Backbone) or 64 (SmallBackbone)
 * channels. Parameters live in a `Params` map under `<prefix>conv{i}.weight` [3,3,Ci,Co] (HWIO, the
 * tfjs layout), `<prefix>conv{i}.bias` [Co], `<prefix>norm{i}.weight|bias` [Co]; lib/enhance/models/import.ts
 * maps the PyTorch names and layouts onto these.
 *
 * Usage: `const p: Params = new Map(); addBackbone(p, { kind: "Backbone", init: "torch" }, rng);
 * const feat = backboneForward(p, thumbNchw, { kind: "Backbone" }, training, rng);` -> NHWC [B,8,8,128].
 */
import { onWebgpu, tf, withData } from "../../core/backend.ts";
import { conv2d } from "../../nn/conv.ts";
import { leakyNormBackward, leakyNormForward } from "../../nn/leaky_norm.ts";
import { photoNative } from "../../nn/native_switch.ts";
import type { Rng } from "../../core/rng.ts";
import { param, type Params } from "../../nn/params.ts";

/** Trunk widths: CLUT-Net "Backbone" (= the 3DLUT classifier trunk) and "SmallBackbone". */
export const BACKBONE_CHANNELS = {
  Backbone: [16, 32, 64, 128, 128],
  SmallBackbone: [8, 16, 32, 64, 64],
  Unpaired: [16, 32, 64, 128, 128],
} as const;

/**
 * Blocks with an InstanceNorm, and the trunk's dropout rate: 4 and 0.5, except "Unpaired" = the trunk of
 * the 3DLUT code's `Classifier_unpaired` and `Discriminator` (models_x.py): InstanceNorm after the first
 * block only, no Dropout.
 */
const NORMED_BLOCKS = { Backbone: 4, SmallBackbone: 4, Unpaired: 1 } as const;
const DROPOUT = { Backbone: 0.5, SmallBackbone: 0.5, Unpaired: 0 } as const;

/** Which trunk. */
export type BackboneKind = keyof typeof BACKBONE_CHANNELS;

/**
 * Initialisation: "torch" = PyTorch defaults (conv U(+-1/sqrt(fan_in)), InstanceNorm weight 1, bias 0;
 * CLUT-Net), "3dlut" = `weights_init_normal_classifier` of the 3DLUT code (conv weight Xavier-normal,
 * conv bias PyTorch default, InstanceNorm weight N(1, 0.02), bias 0).
 */
export type BackboneInit = "torch" | "3dlut";

/** Options of the trunk: kind, parameter-name prefix (default "backbone."), ImageNet input normalisation. */
export type BackboneOptions = {
  kind: BackboneKind;
  prefix?: string;
  normalize?: boolean;
  /** whether the gradient w.r.t. the thumbnail is needed (a discriminator's input); default false */
  inputGrad?: boolean;
};

/** Output channels of a trunk. */
export function backboneChannels(kind: BackboneKind): number {
  return BACKBONE_CHANNELS[kind][4];
}

/** Adds a PyTorch-style conv layer `name` (weight [k,k,ci,co] HWIO, bias [co]) to `p`. */
export function addConv(
  p: Params,
  name: string,
  k: number,
  ci: number,
  co: number,
  init: BackboneInit,
  rng: Rng,
): void {
  const fanIn = ci * k * k, fanOut = co * k * k;
  const bound = 1 / Math.sqrt(fanIn);
  const std = Math.sqrt(2 / (fanIn + fanOut));
  // drawn in PyTorch's OIHW order, then transposed to HWIO, so a seed gives the same tensor as torch's layout
  const oihw = rng.fill(
    co * ci * k * k,
    (r) => init === "3dlut" ? std * r.normal() : r.uniform(-bound, bound),
  );
  const w = tf.tidy(() => tf.tensor4d(oihw, [co, ci, k, k]).transpose([2, 3, 1, 0]));
  p.set(`${name}.weight`, tf.variable(w, true));
  w.dispose();
  p.set(
    `${name}.bias`,
    tf.variable(tf.tensor1d(rng.fill(co, (r) => r.uniform(-bound, bound))), true),
  );
}

/** Adds the trunk's parameters to `p` (names in the module doc); `widths` overrides the kind's 5 widths. */
export function addBackbone(
  p: Params,
  opts: BackboneOptions & { init: BackboneInit; widths?: readonly number[] },
  rng: Rng,
): void {
  const prefix = opts.prefix ?? "backbone.";
  let ci = 3;
  (opts.widths ?? BACKBONE_CHANNELS[opts.kind]).forEach((co, i) => {
    addConv(p, `${prefix}conv${i}`, 3, ci, co, opts.init, rng);
    if (i < NORMED_BLOCKS[opts.kind]) {
      const w = opts.init === "3dlut"
        ? rng.fill(co, (r) => 1 + 0.02 * r.normal())
        : new Float32Array(co).fill(1);
      p.set(`${prefix}norm${i}.weight`, tf.variable(tf.tensor1d(w), true));
      p.set(`${prefix}norm${i}.bias`, tf.variable(tf.zeros([co]), true));
    }
    ci = co;
  });
}

/**
 * Conv layer `name` on NHWC x with PyTorch padding `pad` and `stride` -> NHWC; `inputGrad` false when x
 * is data (no gradient w.r.t. it is computed).
 */
export function convLayer(
  p: Params,
  name: string,
  x: tf.Tensor4D,
  stride: number,
  pad: number,
  inputGrad = true,
): tf.Tensor4D {
  const w = param(p, `${name}.weight`) as tf.Tensor4D;
  return tf.add(conv2d(x, w, stride, pad, inputGrad), param(p, `${name}.bias`));
}

/**
 * Inverted dropout with a mask drawn from `rng` (deterministic and checkpointable): each element kept
 * with probability 1-rate and scaled by 1/(1-rate); identity when not training.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, rng?: Rng): T {
  if (!training || rate === 0) return x;
  if (!rng) throw new Error("dropout: training needs an Rng");
  const keep = 1 / (1 - rate);
  const mask = rng.fill(x.size, (r) => (r.next() >= rate ? keep : 0));
  return tf.mul(x, tf.tensor(mask, x.shape)) as T;
}

/** ImageNet mean/std normalisation of CLUT-Net (`transforms.Normalize`), per channel of NHWC input. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * Trunk forward: thumb NCHW [B,3,H,W] in [0,1] -> NHWC features [B,H/32,W/32,C] after Dropout(0.5)
 * (active only when `training`, masks from `rng`).
 */
export function backboneForward(
  p: Params,
  thumb: tf.Tensor4D,
  opts: BackboneOptions,
  training: boolean,
  rng?: Rng,
): tf.Tensor4D {
  if (thumb.rank !== 4 || thumb.shape[1] !== 3) {
    throw new Error(`backbone: thumbnail must be [B,3,H,W], got [${thumb.shape}]`);
  }
  const prefix = opts.prefix ?? "backbone.";
  return tf.tidy(() => {
    let x = thumb.transpose([0, 2, 3, 1]) as tf.Tensor4D;
    if (opts.normalize) x = tf.div(tf.sub(x, IMAGENET_MEAN), IMAGENET_STD);
    for (let i = 0; i < 5; i++) {
      const w = param(p, `${prefix}conv${i}.weight`) as tf.Tensor4D;
      const z = conv2d(x, w, 2, 1, i > 0 || opts.inputGrad === true);
      const norm = i < NORMED_BLOCKS[opts.kind]
        ? { weight: param(p, `${prefix}norm${i}.weight`), bias: param(p, `${prefix}norm${i}.bias`) }
        : undefined;
      x = biasLeakyNorm(z, param(p, `${prefix}conv${i}.bias`), norm);
    }
    return dropout(x, DROPOUT[opts.kind], training, rng);
  });
}

/** Negative slope of the trunk's LeakyReLU. */
const SLOPE = 0.2;
/** InstanceNorm epsilon (PyTorch default). */
const EPS = 1e-5;

/** `biasLeakyNorm` as tf ops (their gradients from tfjs): for the webgpu backend, where data stays on the GPU. */
function biasLeakyNormOps(
  z: tf.Tensor4D,
  bias: tf.Tensor,
  norm?: { weight: tf.Tensor; bias: tf.Tensor },
): tf.Tensor4D {
  const a = tf.leakyRelu(tf.add(z, bias), SLOPE) as tf.Tensor4D;
  if (!norm) return a;
  const { mean, variance } = tf.moments(a, [1, 2], true);
  const xhat = tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, EPS)));
  return tf.add(tf.mul(xhat, norm.weight), norm.bias) as tf.Tensor4D;
}

/**
 * The tail of a trunk block as one op: y = InstanceNorm2d(LeakyReLU(z + bias, 0.2)) on NHWC z [N,H,W,C]
 * (affine `norm` weight and bias [C]; per sample and channel over H,W, biased variance, eps 1e-5), or
 * only LeakyReLU(z + bias) without `norm`. Value and gradients are loops over the tensors' memory
 * (`withData`, statistics in float64): on wasm far cheaper than the chain of tf ops and their tape; native
 * (kernels/leaky_norm.c, OpenMP) unless LUTLAB_PHOTO_NATIVE=0, then these TypeScript loops (its reference).
 */
export function biasLeakyNorm(
  z: tf.Tensor4D,
  bias: tf.Tensor,
  norm?: { weight: tf.Tensor; bias: tf.Tensor },
): tf.Tensor4D {
  const [n, h, w, c] = z.shape, hw = h * w;
  for (
    const [name, t] of [["bias", bias], ["norm weight", norm?.weight], ["norm bias", norm?.bias]] as const
  ) {
    if (t && (t.rank !== 1 || t.shape[0] !== c)) {
      throw new Error(`biasLeakyNorm: ${name} must be [${c}] for input [${z.shape}], got [${t.shape}]`);
    }
  }
  if (onWebgpu()) return tf.tidy(() => biasLeakyNormOps(z, bias, norm)); // tf ops on the GPU
  const leaky = (v: number) => Math.max(v, SLOPE * v);
  const native = photoNative(), shape = { n, hw, c };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [zi, bi, gi, ei] = args.slice(0, -1) as tf.Tensor[];
    if (!gi) {
      const [y] = withData([zi, bi], [z.shape], ([zs, bs], [ys]) => {
        if (native) return leakyNormForward(zs, bs, undefined, shape, SLOPE, EPS, { y: ys });
        for (let o = 0; o < zs.length; o += c) {
          for (let ch = 0; ch < c; ch++) ys[o + ch] = leaky(zs[o + ch] + bs[ch]);
        }
      });
      save([y]);
      const gradFunc = (dy: tf.Tensor, [ys]: tf.Tensor[]) =>
        withData([dy, ys], [z.shape, [c]], ([g, a], [dz, db]) => {
          if (native) return leakyNormBackward(g, a, undefined, shape, SLOPE, { dz, dbias: db });
          const sum = new Float64Array(c);
          for (let o = 0; o < g.length; o += c) {
            for (let ch = 0; ch < c; ch++) {
              const d = g[o + ch] * (SLOPE + (1 - SLOPE) * +(a[o + ch] > 0));
              dz[o + ch] = d, sum[ch] += d;
            }
          }
          db.set(sum);
        });
      return { value: y, gradFunc };
    }
    // a = LeakyReLU(z + bias) and its per-sample, per-channel mean and 1/std: stats [N,2,C]
    const [y, act, stats] = withData([zi, bi, gi, ei], [z.shape, z.shape, [n, 2, c]], ([zs, bs, gs, es], [
      ys,
      a,
      st,
    ]) => {
      const affine = { gamma: gs, beta: es };
      if (native) return leakyNormForward(zs, bs, affine, shape, SLOPE, EPS, { y: ys, act: a, stats: st });
      for (let b = 0; b < n; b++) {
        const s1 = new Float64Array(c), s2 = new Float64Array(c), o0 = b * hw * c;
        for (let o = o0; o < o0 + hw * c; o += c) {
          for (let ch = 0; ch < c; ch++) {
            const v = leaky(zs[o + ch] + bs[ch]);
            a[o + ch] = v, s1[ch] += v, s2[ch] += v * v;
          }
        }
        for (let ch = 0; ch < c; ch++) {
          const mean = s1[ch] / hw;
          st[(2 * b) * c + ch] = mean;
          st[(2 * b + 1) * c + ch] = 1 / Math.sqrt(Math.max(s2[ch] / hw - mean * mean, 0) + EPS);
        }
        const mean = st.subarray(2 * b * c, (2 * b + 1) * c),
          rstd = st.subarray((2 * b + 1) * c, (2 * b + 2) * c);
        for (let o = o0; o < o0 + hw * c; o += c) {
          for (let ch = 0; ch < c; ch++) ys[o + ch] = (a[o + ch] - mean[ch]) * rstd[ch] * gs[ch] + es[ch];
        }
      }
    });
    save([act, stats, gi]);
    tf.dispose([act, stats]);
    const gradFunc = (dy: tf.Tensor, [as, sts, gs]: tf.Tensor[]) =>
      withData([dy, as, sts, gs], [z.shape, [c], [c], [c]], ([g, a, st, gm], [dz, db, dgm, dbt]) => {
        const out = { dz, dbias: db, dgamma: dgm, dbeta: dbt };
        if (native) return leakyNormBackward(g, a, { gamma: gm, stats: st }, shape, SLOPE, out);
        const sb = new Float64Array(c), sg = new Float64Array(c), se = new Float64Array(c);
        for (let b = 0; b < n; b++) {
          // sums over H,W of dy and dy * xhat, xhat = (a - mean) / std
          const sdy = new Float64Array(c), sdx = new Float64Array(c), o0 = b * hw * c;
          const mean = st.subarray(2 * b * c, (2 * b + 1) * c),
            rstd = st.subarray((2 * b + 1) * c, (2 * b + 2) * c);
          for (let o = o0; o < o0 + hw * c; o += c) {
            for (let ch = 0; ch < c; ch++) {
              sdy[ch] += g[o + ch], sdx[ch] += g[o + ch] * (a[o + ch] - mean[ch]) * rstd[ch];
            }
          }
          for (let ch = 0; ch < c; ch++) {
            (se[ch] += sdy[ch]), (sg[ch] += sdx[ch]), (sdy[ch] /= hw), (sdx[ch] /= hw);
          }
          // dL/da = gamma / std * (dy - mean(dy) - xhat mean(dy xhat)); dL/dz = dL/da * LeakyReLU'
          for (let o = o0; o < o0 + hw * c; o += c) {
            for (let ch = 0; ch < c; ch++) {
              const v = a[o + ch], xhat = (v - mean[ch]) * rstd[ch];
              const da = gm[ch] * rstd[ch] * (g[o + ch] - sdy[ch] - xhat * sdx[ch]);
              const d = da * (SLOPE + (1 - SLOPE) * +(v > 0));
              dz[o + ch] = d, sb[ch] += d;
            }
          }
        }
        db.set(sb), dgm.set(sg), dbt.set(se);
      });
    return { value: y, gradFunc };
  });
  return (norm ? op(z, bias, norm.weight, norm.bias) : op(z, bias)) as tf.Tensor4D;
}

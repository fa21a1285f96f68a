/**
 * 2-D convolution with a custom gradient for the wasm backend, which lacks Conv2DBackpropFilter and whose
 * stride-2 input gradient spends 3/4 of its work on inserted zeros: both gradients and (unless
 * LUTLAB_PHOTO_NATIVE=0, native_switch.ts: then tf.conv2d, XNNPACK on one thread) the forward pass are native
 * CPU kernels (kernels/conv2d.c, im2col products on `LUTLAB_THREADS` threads) on the tensors' data, each
 * value summed in a fixed order, so training stays deterministic.
 */
import { hostKernels, onWebgpu, tf, withData } from "../core/backend.ts";
import { expectF32, expectInt } from "../core/ffi_guard.ts";
import { photoNative } from "./native_switch.ts";

/** Padding of `conv2d`: "same" (TensorFlow rule, output ceil(H/stride)), "valid", or p pixels per side. */
export type ConvPad = "same" | "valid" | number;

/** Explicit [top, bottom, left, right] padding of a convolution (TensorFlow's "same" split). */
function padding(h: number, w: number, kh: number, kw: number, stride: number, pad: ConvPad): number[] {
  if (pad === "valid") return [0, 0, 0, 0];
  if (typeof pad === "number") {
    if (!Number.isInteger(pad) || pad < 0) {
      throw new Error(`conv2d: pad must be a non-negative integer, got ${pad}`);
    }
    return [pad, pad, pad, pad];
  }
  if (pad !== "same") throw new Error(`conv2d: pad must be "same", "valid" or a number, got "${pad}"`);
  const th = Math.max((Math.ceil(h / stride) - 1) * stride + kh - h, 0);
  const tw = Math.max((Math.ceil(w / stride) - 1) * stride + kw - w, 0);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

const i32x4 = ["i32", "i32", "i32", "i32"] as const;
/** n, h, w, ci, ho, wo, co, kh, kw, stride, pad top, pad left */
const geomArgs = [...i32x4, ...i32x4, ...i32x4] as const;
const kernels = hostKernels({
  lutlab_conv2d_forward: { parameters: ["buffer", "buffer", "buffer", ...geomArgs], result: "i32" },
  lutlab_conv2d_backward_filter: { parameters: ["buffer", "buffer", "buffer", ...geomArgs], result: "i32" },
  lutlab_conv2d_backward_input: { parameters: ["buffer", "buffer", "buffer", ...geomArgs], result: "i32" },
});

/** Geometry of one convolution: x [n,h,w,ci], w [kh,kw,ci,co], y [n,ho,wo,co], stride, top/left padding. */
export type ConvGeom = {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  ho: number;
  wo: number;
  stride: number;
  top: number;
  left: number;
};

/** Each conv kernel and the function that names it in errors. */
const WHAT = {
  lutlab_conv2d_forward: "convForward",
  lutlab_conv2d_backward_filter: "convFilterGrad",
  lutlab_conv2d_backward_input: "convInputGrad",
} as const;

/** Validates the arrays of a conv kernel against the geometry, runs it; names the argument on error. */
function runKernel(name: keyof typeof WHAT, g: ConvGeom, arrays: [string, Float32Array, number[]][]): void {
  const what = WHAT[name];
  for (const [k, v] of Object.entries(g)) {
    const pad = k === "top" || k === "left";
    expectInt(what, pad ? `padding ${k}` : k, v, pad ? 0 : 1);
  }
  for (const [arg, a, shape] of arrays) {
    expectF32(
      what,
      arg,
      a,
      shape.reduce((p, q) => p * q, 1),
      `[${shape}]`,
    );
  }
  const [a, b, out] = arrays.map((x) => x[1]);
  const shapes = arrays.map(([arg, , shape]) => `${arg} [${shape}]`).join(", ");
  kernels.call(
    `${what}(${shapes}, stride ${g.stride})`,
    name,
    a,
    b,
    out,
    g.n,
    g.h,
    g.w,
    g.ci,
    g.ho,
    g.wo,
    g.co,
    g.kh,
    g.kw,
    g.stride,
    g.top,
    g.left,
  );
}

/** Forward y [N,Ho,Wo,Co] of a convolution of x [N,H,W,Ci] with w [KH,KW,Ci,Co] (native). */
export function convForward(
  x: Float32Array,
  w: Float32Array,
  g: ConvGeom,
  y: Float32Array = new Float32Array(g.n * g.ho * g.wo * g.co),
): Float32Array {
  const { n, h, ci, ho, wo, co, kh, kw } = g;
  runKernel("lutlab_conv2d_forward", g, [["x", x, [n, h, g.w, ci]], ["w", w, [kh, kw, ci, co]], [
    "y",
    y,
    [n, ho, wo, co],
  ]]);
  return y;
}

/** Filter gradient dw [KH,KW,Ci,Co] of a convolution from x [N,H,W,Ci] and dy [N,Ho,Wo,Co] (native). */
export function convFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeom,
  dw: Float32Array = new Float32Array(g.kh * g.kw * g.ci * g.co),
): Float32Array {
  const { n, h, w, ci, ho, wo, co, kh, kw } = g;
  runKernel("lutlab_conv2d_backward_filter", g, [["x", x, [n, h, w, ci]], ["dy", dy, [n, ho, wo, co]], [
    "dw",
    dw,
    [kh, kw, ci, co],
  ]]);
  return dw;
}

/** Input gradient dx [N,H,W,Ci] of a convolution from dy [N,Ho,Wo,Co] and w [KH,KW,Ci,Co] (native). */
export function convInputGrad(
  dy: Float32Array,
  w: Float32Array,
  g: ConvGeom,
  dx: Float32Array = new Float32Array(g.n * g.h * g.w * g.ci),
): Float32Array {
  const { n, h, ci, ho, wo, co, kh, kw } = g;
  runKernel("lutlab_conv2d_backward_input", g, [["dy", dy, [n, ho, wo, co]], ["w", w, [kh, kw, ci, co]], [
    "dx",
    dx,
    [n, h, g.w, ci],
  ]]);
  return dx;
}

/**
 * conv2d of x [N,H,W,Ci] (NHWC) with w [KH,KW,Ci,Co] (HWIO), square stride, padding `pad`
 * -> [N,Ho,Wo,Co]; differentiable w.r.t. w and (unless `inputGrad` is false: x is data, e.g. the
 * first layer's image) x, on every backend (wasm included).
 */
export function conv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride = 1,
  pad: ConvPad = "same",
  inputGrad = true,
): tf.Tensor4D {
  if (x.rank !== 4 || w.rank !== 4 || x.shape[3] !== w.shape[2]) {
    throw new Error(
      `conv2d: x must be [N,H,W,Ci] and w [KH,KW,Ci,Co], got x [${x.shape}] and w [${w.shape}]`,
    );
  }
  if (!Number.isInteger(stride) || stride < 1) {
    throw new Error(`conv2d: stride must be a positive integer, got ${stride}`);
  }
  const [n, h, wd, ci] = x.shape;
  const [kh, kw, , co] = w.shape;
  const [top, bottom, left, right] = padding(h, wd, kh, kw, stride, pad);
  const ho = Math.floor((h + top + bottom - kh) / stride) + 1;
  const wo = Math.floor((wd + left + right - kw) / stride) + 1;
  if (ho < 1 || wo < 1) {
    throw new Error(
      `conv2d: kernel ${kh}x${kw} larger than the padded input ${h + top + bottom}x${wd + left + right}`,
    );
  }
  const g: ConvGeom = { n, h, w: wd, ci, kh, kw, co, ho, wo, stride, top, left };
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  if (onWebgpu()) return tf.conv2d(x, w, stride, explicit); // the backend's own gradients, on the GPU
  const forward = (xs: tf.Tensor, ws: tf.Tensor): tf.Tensor4D =>
    photoNative()
      ? withData(
        [xs, ws],
        [[n, ho, wo, co]],
        ([xv, wv], [y]) => void convForward(xv, wv, g, y),
      )[0] as tf.Tensor4D
      : tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, explicit);
  // both gradients read the tensors' memory in place (withData) and write their results into new tensors
  const grads = (dy: tf.Tensor, xs: tf.Tensor, ws?: tf.Tensor): tf.Tensor[] =>
    ws
      ? withData([xs, dy, ws], [x.shape, w.shape], ([xv, d, wv], [dx, dw]) => {
        convInputGrad(d, wv, g, dx);
        convFilterGrad(xv, d, g, dw);
      })
      : withData([xs, dy], [w.shape], ([xv, d], [dw]) => void convFilterGrad(xv, d, g, dw));
  if (!inputGrad) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [wi, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
      save([x]);
      return { value: forward(x, wi), gradFunc: (dy, [xs]) => grads(dy, xs) };
    });
    return op(w) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, wi]);
    return { value: forward(xi, wi), gradFunc: (dy, [xs, ws]) => grads(dy, xs, ws) };
  });
  return op(x, w) as tf.Tensor4D;
}

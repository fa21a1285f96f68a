/**
 * Matrix product of a dense layer. On the CPU backends (wasm, cpu) the product and both gradients are native
 * OpenMP kernels (kernels/matmul.c, `LUTLAB_THREADS`) on the tensors' memory: tfjs-wasm runs one thread
 * under Deno, and its matMul with a transposed operand takes a slow path (measured: [6272,80]ᵀ·[6272,16]
 * 10.6 ms, [6272,16]·[80,16]ᵀ 11.3 ms, against 1.0 ms untransposed). Each value is summed in a fixed order,
 * whatever the thread count. On webgpu the product stays on the GPU: tf.matMul with da = dy·bᵀ and
 * db = (dyᵀ·a)ᵀ written as products of explicitly transposed operands.
 */
import { hostKernels, onWebgpu, tf, withData } from "../core/backend.ts";
import { expectF32 } from "../core/ffi_guard.ts";

const i32x3 = ["i32", "i32", "i32"] as const;
const kernels = hostKernels({
  lutlab_matmul: { parameters: ["buffer", "buffer", "buffer", ...i32x3, "i32"], result: "i32" },
  lutlab_matmul_tn: { parameters: ["buffer", "buffer", "buffer", ...i32x3], result: "i32" },
});

/** c [m,n] = a [m,k] · b [k,n], or a · bᵀ for b [n,k] when `transB` (native, row-major; c overwritten). */
export function matMulHost(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transB = false,
  c: Float32Array = new Float32Array(m * n),
): Float32Array {
  expectF32("matMulHost", "a", a, m * k, `[${m},${k}]`);
  expectF32("matMulHost", "b", b, k * n, transB ? `[${n},${k}]` : `[${k},${n}]`);
  expectF32("matMulHost", "c", c, m * n, `[${m},${n}]`);
  kernels.call(`matMulHost([${m},${k}]·[${k},${n}])`, "lutlab_matmul", a, b, c, m, k, n, transB ? 1 : 0);
  return c;
}

/** c [k,n] = aᵀ · b for a [m,k], b [m,n] (native, row-major; the sum over rows in a fixed order). */
export function matMulTnHost(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  c: Float32Array = new Float32Array(k * n),
): Float32Array {
  expectF32("matMulTnHost", "a", a, m * k, `[${m},${k}]`);
  expectF32("matMulTnHost", "b", b, m * n, `[${m},${n}]`);
  expectF32("matMulTnHost", "c", c, k * n, `[${k},${n}]`);
  kernels.call(`matMulTnHost([${m},${k}]ᵀ·[${m},${n}])`, "lutlab_matmul_tn", a, b, c, m, k, n);
  return c;
}

const gpuOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
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

const hostOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const [m, k] = a.shape, n = b.shape[1];
  save([a, b]);
  const [value] = withData([a, b], [[m, n]], ([av, bv], [c]) => void matMulHost(av, bv, m, k, n, false, c));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      withData([dy, ...saved], [[m, k], [k, n]], ([g, av, bv], [da, db]) => {
        matMulHost(g, bv, m, n, k, true, da);
        matMulTnHost(av, g, m, k, n, db);
      }),
  };
});

/** a [M,K] · b [K,N] → [M,N] (row-major), differentiable in both operands on every backend. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matMul: shapes [${a.shape}] · [${b.shape}] do not multiply`);
  }
  return (onWebgpu() ? gpuOp(a, b) : hostOp(a, b)) as tf.Tensor2D;
}

/**
 * Custom WGSL compute kernels on the tfjs webgpu backend: tensors in, a new tensor out, the data never
 * leaving the GPU (the backend's `runWebGPUProgram`, its buffers and its command queue). Inputs are bound
 * flattened as `array<f32>` under their names; the kernel's `main(index: i32)` runs once per thread
 * index in [0, threads) and reads its integer parameters from `uniforms.<name>` (i32).
 */
import { tf } from "../../core/backend.ts";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

/** A WGSL kernel: `body` defines `fn main(index: i32)` writing `result`; `accumulate` kernels add. */
export type GpuKernel = {
  /** Shader cache key (one compiled pipeline per key). */
  key: string;
  /** Names of the float32 input arrays, in call order. */
  inputs: readonly string[];
  /** Names of the i32 uniforms, in call order. */
  params: readonly string[];
  /** WGSL defining `fn main(index: i32)`; writes `result[i] = v` or, accumulating, `addOut(i, v)`. */
  body: string;
  /** The output starts at zero and the kernel adds into it with `addOut` (float atomics). */
  accumulate?: boolean;
};

const WORKGROUP = 64;

/** Float add on the i32-typed atomic output (compare-exchange loop). */
const ADD_OUT = `
fn addOut(i: i32, v: f32) {
  var old = atomicLoad(&result[i]);
  loop {
    let r = atomicCompareExchangeWeak(&result[i], old, bitcast<i32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
`;

/**
 * Runs `kernel` over `threads` indices on float32 `inputs` (any shapes; bound flattened) with i32
 * `params`; returns the new float32 tensor of `outShape` (zeros first when the kernel accumulates).
 */
export function runGpuKernel(
  kernel: GpuKernel,
  inputs: tf.Tensor[],
  params: number[],
  threads: number,
  outShape: number[],
): tf.Tensor {
  if (inputs.length !== kernel.inputs.length || params.length !== kernel.params.length) {
    throw new Error(
      `${kernel.key}: got ${inputs.length} inputs / ${params.length} params, expected ` +
        `${kernel.inputs.length} (${kernel.inputs}) / ${kernel.params.length} (${kernel.params})`,
    );
  }
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== "float32") throw new Error(`${kernel.key}: input ${kernel.inputs[i]} is ${t.dtype}`);
  }
  const backend = tf.backend() as unknown as WebGPUBackend;
  const size = outShape.reduce((a, b) => a * b, 1);
  const flat = inputs.map((t) => tf.reshape(t, [t.size]));
  // every input must appear in the shader, or the pipeline's automatic layout drops its binding
  const touch = kernel.inputs.map((n) => `_ = arrayLength(&${n});`).join(" ");
  const program: WebGPUProgram = {
    variableNames: [...kernel.inputs],
    outputShape: [size],
    shaderKey: `lutlab_${kernel.key}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(threads / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    uniforms: [...kernel.params, "threads"].map((n) => `${n} : i32,`).join(" "),
    atomic: kernel.accumulate,
    getUserCode: () => `
${kernel.accumulate ? ADD_OUT : ""}
${kernel.body.replace(/fn main\(index: i32\)/, "fn kernelMain(index: i32)")}
fn main(index: i32) {
  ${touch}
  if (index < uniforms.threads) { kernelMain(index); }
}`,
  };
  const uniforms = [...params, threads].map((v) => ({ type: "int32", data: [v] }));
  try {
    if (threads === 0 || size === 0) return tf.zeros(outShape);
    const zeros = kernel.accumulate ? tf.zeros([size]) : undefined;
    const info = backend.runWebGPUProgram(program, flat, "float32", uniforms, zeros);
    const out = zeros ?? tf.engine().makeTensorFromTensorInfo(info);
    const shaped = tf.reshape(out, outShape);
    out.dispose();
    return shaped;
  } finally {
    tf.dispose(flat);
  }
}

/**
 * tfjs backend selection (`LUTLAB_TF_BACKEND=webgpu|wasm|cpu`): webgpu where a real (non-fallback) GPU
 * adapter exists, else the wasm backend (SIMD); cpu as last resort. Call `await initTf()` once before
 * building models. `withData` hands tensors' float32 data to native kernels and JS loops without copies on
 * wasm; `hostKernels` opens the CPU kernels that work on it. On webgpu the LUT ops run WGSL kernels
 * (lib/lut/webgpu/) on the tensors' GPU buffers, and tfjs cannot read GPU data synchronously under Deno
 * (`dataSync()` throws): code that needs values on the host reads them with `await t.data()` or
 * `readAndDispose`, on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { dirname, join } from "@std/path";
import { check, kernelTarget, setKernelThreads } from "./native.ts";

const BACKENDS = ["webgpu", "wasm", "cpu"] as const;
export type TfBackend = typeof BACKENDS[number];

let adapterProbe: Promise<{ description: string; fallback: boolean } | undefined> | undefined;

/**
 * The WebGPU adapter Deno offers (description, and whether it is a software fallback such as lavapipe);
 * probed once per process (the probe starts the Vulkan loader: ~0.2 s of CPU where a Vulkan driver exists).
 */
export function webgpuAdapter(): Promise<{ description: string; fallback: boolean } | undefined> {
  adapterProbe ??= (async () => {
    const gpu = (navigator as { gpu?: GPU }).gpu;
    // Vulkan only (unless the user picks backends): with all backends wgpu also loads libEGL, whose
    // per-thread state is freed both by a finishing worker thread and by libEGL's exit destructor; a worker
    // thread (a `deno test --parallel` module) that ends while the process exits then double-frees it
    // ("corrupted size vs. prev_size in fastbins" after the test summary).
    if (Deno.env.get("DENO_WEBGPU_BACKEND") === undefined) Deno.env.set("DENO_WEBGPU_BACKEND", "vulkan");
    const xdg = Deno.env.get("XDG_RUNTIME_DIR");
    if (gpu && (!xdg || !(await Deno.stat(xdg).catch(() => null)))) {
      // the Vulkan loader's window-system probes print an error on every start without one
      const dir = join(Deno.env.get("TMPDIR") ?? "/tmp", `lutlab-xdg-${Deno.uid() ?? 0}`);
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
      Deno.env.set("XDG_RUNTIME_DIR", dir);
    }
    const adapter = await gpu?.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
    if (!adapter) return undefined;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    return {
      description: info.description || info.device || info.vendor,
      fallback: !!info.isFallbackAdapter,
    };
  })();
  return adapterProbe;
}

/**
 * The backend initTf picks: `LUTLAB_TF_BACKEND` when set (no probe), else webgpu when a non-fallback adapter
 * exists, else wasm. Subprocesses given it as LUTLAB_TF_BACKEND make the same choice without probing.
 */
export async function tfBackendChoice(): Promise<TfBackend> {
  const env = Deno.env.get("LUTLAB_TF_BACKEND");
  if (env !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(env)) {
      throw new Error(`LUTLAB_TF_BACKEND must be one of ${BACKENDS.join(", ")}, got "${env}"`);
    }
    return env as TfBackend;
  }
  const adapter = await webgpuAdapter();
  return adapter && !adapter.fallback ? "webgpu" : "wasm";
}

/** `LUTLAB_THREADS`: threads of the native OpenMP kernels (default 0 = all cores). */
export function kernelThreads(): number {
  const env = Deno.env.get("LUTLAB_THREADS") ?? "0";
  const n = Number(env);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`LUTLAB_THREADS must be a non-negative integer (0 = all cores), got "${env}"`);
  }
  return n;
}

let ready: Promise<string> | undefined;

/** Initialises tfjs on `LUTLAB_TF_BACKEND` (default: see `tfBackendChoice`); resolves to the backend in use. */
export function initTf(): Promise<string> {
  ready ??= (async () => {
    setKernelThreads(kernelThreads());
    const want = await tfBackendChoice();
    if (want === "webgpu" && !(await webgpuAdapter())) {
      throw new Error(
        "LUTLAB_TF_BACKEND=webgpu: Deno offers no WebGPU adapter (install a Vulkan driver, " +
          "e.g. mesa-vulkan-drivers for the lavapipe CPU emulation)",
      );
    }
    if (!(await tf.setBackend(want))) {
      if (want !== "wasm" || !(await tf.setBackend("cpu"))) throw new Error(`tfjs: backend ${want} failed`);
    }
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}

/** True when tfjs runs on the webgpu backend (ops then dispatch to their WGSL kernels or tf ops). */
export function onWebgpu(): boolean {
  return tf.getBackend() === "webgpu";
}

/**
 * The float32 data of `t` (a copy, any shape, row-major), read asynchronously (tfjs-webgpu cannot read
 * synchronously under Deno), then disposes `t`.
 */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return await t.data() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** The wasm backend's memory accessors used by `withData` (public methods of BackendWasm). */
type WasmHeap = {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
};

/**
 * New float32 tensors of `shapes` computed by `fn(ins, outs)` from the float32 data of `inputs`; `fn`
 * must write every output value and create no tensors. On wasm, `ins` and `outs` are views of the
 * tensors' memory (no copies; valid only during `fn`); on other backends copies.
 */
export function withData(
  inputs: tf.Tensor[],
  shapes: number[][],
  fn: (ins: Float32Array[], outs: Float32Array[]) => void,
): tf.Tensor[] {
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== "float32") {
      throw new Error(`withData: input ${i} [${t.shape}] is ${t.dtype}, not float32`);
    }
  }
  if (onWebgpu()) {
    throw new Error(
      `withData: no WGSL kernel for this op on inputs [${inputs.map((t) => `[${t.shape}]`)}]; tfjs-webgpu ` +
        "cannot read GPU data synchronously under Deno: use LUTLAB_TF_BACKEND=wasm for it",
    );
  }
  if (tf.getBackend() !== "wasm") {
    const outs = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    fn(inputs.map((t) => t.dataSync() as Float32Array), outs);
    return outs.map((o, i) => tf.tensor(o, shapes[i], "float32"));
  }
  const heap = tf.backend() as unknown as WasmHeap;
  // outputs first: allocating may grow (and so detach) the wasm memory under earlier views
  const outs = shapes.map((s) => tf.engine().makeTensorFromTensorInfo(heap.makeOutput(s, "float32")));
  try {
    fn(inputs.map((t) => heap.typedArrayFromHeap(t)), outs.map((t) => heap.typedArrayFromHeap(t)));
  } catch (e) {
    tf.dispose(outs);
    throw e;
  }
  return outs;
}

const lastError = { lutlab_last_error: { parameters: [], result: "pointer" } } as const;

/**
 * Symbols of the CPU kernel library (liblutlab_cpu.so), opened on first call, also where CUDA is the
 * kernel device: for kernels on tensors in host memory (the wasm backend's). `.call(what, name, ...args)`
 * runs one and throws its error message naming `what`.
 */
export function hostKernels<const S extends Record<string, Deno.ForeignFunction>>(symbols: S): {
  (): Deno.StaticForeignLibraryInterface<S & typeof lastError>;
  call<K extends keyof S & string>(
    what: string,
    name: K,
    ...args: Deno.ToNativeParameterTypes<S[K]["parameters"]>
  ): void;
} {
  let lib: Deno.StaticForeignLibraryInterface<S & typeof lastError> | undefined;
  const get = () => {
    if (lib) return lib;
    const { device, path } = kernelTarget();
    const file = device === "cpu" ? path : join(dirname(path), "liblutlab_cpu.so");
    try {
      return (lib = Deno.dlopen(file, { ...symbols, ...lastError }).symbols);
    } catch (e) {
      throw new Error(
        `cannot open the CPU kernel library ${file} (run \`deno task build\`): ${(e as Error).message}`,
      );
    }
  };
  return Object.assign(get, {
    call<K extends keyof S & string>(
      what: string,
      name: K,
      ...args: Deno.ToNativeParameterTypes<S[K]["parameters"]>
    ) {
      const k = get() as unknown as Record<string, (...a: unknown[]) => number> & {
        lutlab_last_error: () => Deno.PointerValue;
      };
      check(k, k[name](...args), what);
    },
  });
}

export { tf };

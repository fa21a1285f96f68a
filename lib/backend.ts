/**
 * tfjs backend selection: the wasm backend (SIMD, single thread) by default, the cpu backend as
 * fallback or when `LUTLAB_TF_BACKEND=cpu`. Call `await initTf()` once before building models.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

let ready: Promise<string> | undefined;

/** Initialises tfjs on wasm (or `LUTLAB_TF_BACKEND`); resolves to the backend name in use. */
export function initTf(): Promise<string> {
  ready ??= (async () => {
    const want = Deno.env.get("LUTLAB_TF_BACKEND") ?? "wasm";
    if (want !== "wasm" && want !== "cpu") {
      throw new Error(`LUTLAB_TF_BACKEND must be "wasm" or "cpu", got "${want}"`);
    }
    if (!(await tf.setBackend(want))) {
      if (want === "cpu" || !(await tf.setBackend("cpu"))) throw new Error("tfjs: no usable backend");
    }
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}

export { tf };

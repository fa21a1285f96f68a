// Shared helpers of the webgpu_* tests: tfjs on the webgpu backend (fails, never skips, without an
// adapter) and relative errors against the C kernels.
import { assertEquals } from "@std/assert";
import { initTf, tf, webgpuAdapter } from "../lib/core/backend.ts";

/** The WebGPU adapter; throws naming the missing driver when Deno offers none (the tests never skip). */
export async function requireWebgpuAdapter(): Promise<{ description: string; fallback: boolean }> {
  const adapter = await webgpuAdapter();
  if (!adapter) {
    throw new Error(
      "webgpu tests: Deno offers no WebGPU adapter. Install a Vulkan driver (CI: apt-get install " +
        "mesa-vulkan-drivers, the lavapipe CPU emulation) — these tests do not skip.",
    );
  }
  return adapter;
}

/** Puts tfjs on webgpu; throws naming the missing driver when Deno offers no WebGPU adapter. */
export async function useWebgpu(): Promise<string> {
  const adapter = await requireWebgpuAdapter();
  // not via LUTLAB_TF_BACKEND: the environment is shared with the other test modules of a run
  await initTf();
  assertEquals(await tf.setBackend("webgpu"), true, "tfjs webgpu backend failed to start");
  return adapter.description;
}

/** max |a-b| / max |b| (1 when b is all zero; NaN if either holds NaN). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; ++i) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e)) return NaN;
    d = Math.max(d, e);
    m = Math.max(m, Math.abs(b[i]));
  }
  return m > 0 ? d / m : d;
}

/** Runs `fn` with tfjs switched to `backend` (e.g. the wasm reference), then back to webgpu. */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend("webgpu");
  }
}

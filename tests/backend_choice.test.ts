// tfjs backend choice (lib/core/backend.ts): the WebGPU adapter is probed at most once per process and
// not at all when LUTLAB_TF_BACKEND is set; the choice itself is unchanged (webgpu only for a real adapter).
// Each case runs in a fresh process with a fake navigator.gpu that counts requestAdapter calls. The real
// probe asks wgpu for Vulkan only, so libEGL (freed twice when a worker thread ends during process exit) is
// never loaded.
import { assertEquals } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";

/**
 * Runs `body` (with `probes()` = requestAdapter calls so far) in a process whose adapter is `fallback` or
 * real, with LUTLAB_TF_BACKEND = `env` (unset when undefined); returns what `body` returns.
 */
async function withFakeGpu(fallback: boolean, body: string, env?: string): Promise<unknown> {
  const backend = toFileUrl(join(repoRoot, "lib", "core", "backend.ts")).href;
  const setEnv = env === undefined
    ? `Deno.env.delete("LUTLAB_TF_BACKEND");`
    : `Deno.env.set("LUTLAB_TF_BACKEND", ${JSON.stringify(env)});`;
  const script = `${setEnv}
let calls = 0;
Object.defineProperty(navigator, "gpu", { configurable: true, value: { requestAdapter: () => {
  calls++;
  return Promise.resolve({ info: { description: "fake", isFallbackAdapter: ${fallback} } });
} } });
const probes = () => calls;
const { initTf, tfBackendChoice, webgpuAdapter } = await import(${JSON.stringify(backend)});
console.log(JSON.stringify(await (async () => { ${body} })()));`;
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", join(repoRoot, "deno.json"), script],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(o.stdout), err = new TextDecoder().decode(o.stderr);
  assertEquals(o.code, 0, err);
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

Deno.test("initTf probes the adapter once per process; a fallback adapter (lavapipe) means wasm", async () => {
  const r = await withFakeGpu(
    true,
    `const b = await initTf(); await initTf(); const a = await webgpuAdapter();
     return [b, await tfBackendChoice(), a.fallback, probes()];`,
  );
  assertEquals(r, ["wasm", "wasm", true, 1]);
});

Deno.test("LUTLAB_TF_BACKEND set: initTf does not probe", async () => {
  assertEquals(await withFakeGpu(true, `return [await initTf(), probes()];`, "wasm"), [
    "wasm",
    0,
  ]);
  assertEquals(await withFakeGpu(false, `return [await tfBackendChoice(), probes()];`, "cpu"), [
    "cpu",
    0,
  ]);
});

Deno.test("a real (non-fallback) adapter is still chosen: webgpu, probed once", async () => {
  const r = await withFakeGpu(
    false,
    `const b = await tfBackendChoice(); await webgpuAdapter(); return [b, probes()];`,
  );
  assertEquals(r, ["webgpu", 1]);
});

/** Runs `script` with `deno eval` (repo config, env `env` added); returns its last stdout line, parsed. */
async function evalJson(script: string, env: Record<string, string> = {}): Promise<unknown> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", join(repoRoot, "deno.json"), script],
    cwd: repoRoot,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
  return JSON.parse(new TextDecoder().decode(o.stdout).trim().split("\n").at(-1)!);
}

Deno.test("the real adapter probe asks wgpu for Vulkan only: libEGL (exit-time double free) stays unloaded", async () => {
  const backend = toFileUrl(join(repoRoot, "lib", "core", "backend.ts")).href;
  const probe = `const { webgpuAdapter } = await import(${JSON.stringify(backend)});
const a = await webgpuAdapter();
const maps = await Deno.readTextFile("/proc/self/maps");
console.log(JSON.stringify([!!a, Deno.env.get("DENO_WEBGPU_BACKEND"), maps.includes("libEGL")]));`;
  // lavapipe (mesa-vulkan-drivers) is installed wherever the webgpu tests run: the probe finds it
  assertEquals(await evalJson(probe), [true, "vulkan", false]);
  // a backend list the user set is kept (here: every backend, so wgpu loads libEGL as before)
  assertEquals(await evalJson(probe, { DENO_WEBGPU_BACKEND: "vulkan,gl" }), [true, "vulkan,gl", true]);
});

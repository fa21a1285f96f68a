/**
 * Loads the native kernel library (`kernels/build/liblutlab_{cpu,cuda}.so`) through `Deno.dlopen`.
 *
 * Device choice: `LUTLAB_DEVICE=cpu|cuda`; by default CUDA when its library is built and sees a GPU,
 * else CPU. `LUTLAB_KERNEL_LIB` overrides the library path (e.g. the sanitizer build).
 * Every kernel module opens the same library with its own symbol table (`openKernels`), so modules
 * stay independent; the OS loads the library once.
 * OpenMP threads wait passively (OMP_WAIT_POLICY=passive, unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set):
 * libgomp reads it when the first library loads. Spinning threads of a 2-thread team made a 3DLUT step 3-4x
 * slower at 2 threads than at 1 on this 2-core machine under load (other processes running); passive,
 * 2 threads were faster than 1 there too (lib/bench/peers.ts).
 */
import { dirname, fromFileUrl, join } from "@std/path";

if (!Deno.env.get("OMP_WAIT_POLICY") && !Deno.env.get("GOMP_SPINCOUNT")) {
  Deno.env.set("OMP_WAIT_POLICY", "passive");
}

export type Device = "cpu" | "cuda";

const buildDir = join(dirname(fromFileUrl(import.meta.url)), "..", "..", "kernels", "build");

const base = {
  lutlab_abi_version: { parameters: [], result: "i32" },
  lutlab_device_count: { parameters: [], result: "i32" },
  lutlab_last_error: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** ABI version the TypeScript side expects (kernels/lutlab.h LUTLAB_ABI_VERSION). */
export const ABI_VERSION = 1;

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function probe(path: string): number {
  const lib = Deno.dlopen(path, base);
  try {
    const abi = lib.symbols.lutlab_abi_version();
    if (abi !== ABI_VERSION) {
      throw new Error(`${path}: kernel ABI version ${abi}, expected ${ABI_VERSION}; run \`deno task build\``);
    }
    return lib.symbols.lutlab_device_count();
  } finally {
    lib.close();
  }
}

let chosen: { device: Device; path: string } | undefined;

/** The device and library path in use (resolved once per process). */
export function kernelTarget(): { device: Device; path: string } {
  if (chosen) return chosen;
  const override = Deno.env.get("LUTLAB_KERNEL_LIB");
  const want = Deno.env.get("LUTLAB_DEVICE");
  if (want !== undefined && want !== "cpu" && want !== "cuda") {
    throw new Error(`LUTLAB_DEVICE must be "cpu" or "cuda", got "${want}"`);
  }
  const cpu = join(buildDir, "liblutlab_cpu.so");
  const cuda = join(buildDir, "liblutlab_cuda.so");
  if (override) {
    if (!exists(override)) throw new Error(`LUTLAB_KERNEL_LIB=${override}: no such file`);
    chosen = { device: want ?? "cpu", path: override };
  } else if (want === "cuda") {
    if (!exists(cuda)) {
      throw new Error(`LUTLAB_DEVICE=cuda but ${cuda} is missing: build it with nvcc (\`deno task build\`)`);
    }
    if (probe(cuda) < 1) throw new Error(`LUTLAB_DEVICE=cuda but ${cuda} sees no GPU`);
    chosen = { device: "cuda", path: cuda };
  } else if (want !== "cpu" && exists(cuda) && safeProbe(cuda) > 0) {
    chosen = { device: "cuda", path: cuda };
  } else {
    if (!exists(cpu)) throw new Error(`native kernels missing: ${cpu} not found; run \`deno task build\``);
    probe(cpu);
    chosen = { device: "cpu", path: cpu };
  }
  return chosen;
}

function safeProbe(path: string): number {
  try {
    return probe(path);
  } catch {
    return 0;
  }
}

/** Opens the kernel library with `symbols` (plus the base ABI symbols); cached per symbol table. */
export function openKernels<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.StaticForeignLibraryInterface<S & typeof base> & { device: Device } {
  const { device, path } = kernelTarget();
  const lib = Deno.dlopen(path, { ...base, ...symbols });
  return Object.assign(lib.symbols, { device });
}

/** The kernel library opened with `symbols` (see `openKernels`). */
export type Kernels<S extends Deno.ForeignLibraryInterface> = ReturnType<typeof openKernels<S>>;

/** Argument types of kernel symbol `name` of `S`. */
export type KernelArgs<S extends Record<string, Deno.ForeignFunction>, K extends keyof S> =
  Deno.ToNativeParameterTypes<S[K]["parameters"]>;

/** Lazily opened kernels: `()` opens the library on first use (importing a module is free). */
export type LazyKernels<S extends Record<string, Deno.ForeignFunction>> = {
  (): Kernels<S>;
  /** Runs symbol `name` with `args` (already validated) and throws its error, naming `what`, on failure. */
  call<K extends keyof S & string>(what: string, name: K, ...args: KernelArgs<S, K>): void;
};

type Callable = Record<string, (...args: unknown[]) => number> & {
  lutlab_last_error: () => Deno.PointerValue;
};

/** Kernel library with `symbols`, opened on first use; `.call` runs a symbol and checks its status. */
export function lazyKernels<const S extends Record<string, Deno.ForeignFunction>>(
  symbols: S,
): LazyKernels<S> {
  let lib: Kernels<S> | undefined;
  const get = () => (lib ??= openKernels(symbols));
  return Object.assign(get, {
    call<K extends keyof S & string>(what: string, name: K, ...args: KernelArgs<S, K>): void {
      const k = get() as unknown as Callable;
      check(k, k[name](...args), what);
    },
  });
}

/** Throws the library's last error if `status` is non-zero; `what` names the call and its shapes. */
export function check(
  lib: { lutlab_last_error: () => Deno.PointerValue },
  status: number,
  what: string,
): void {
  if (status === 0) return;
  const ptr = lib.lutlab_last_error();
  const msg = ptr ? new Deno.UnsafePointerView(ptr).getCString() : "";
  throw new Error(`${what}: native kernel failed (${status})${msg ? `: ${msg}` : ""}`);
}

const threadControl = lazyKernels({ lutlab_set_threads: { parameters: ["i32"], result: "i32" } });

/** Sets the number of CPU threads (OpenMP) of later kernel calls; n <= 0 restores all cores. No-op on CUDA. */
export function setKernelThreads(n: number): void {
  threadControl().lutlab_set_threads(n);
}

/**
 * Builds the native kernels into shared libraries under `kernels/build/`:
 * every `kernels/*.c` into `liblutlab_cpu.so` (gcc -O3, OpenMP, `-z nodelete`), and,
 * when `nvcc` is on PATH, every `kernels/*.cu` into `liblutlab_cuda.so` (static cudart).
 * `--sanitize` also builds `liblutlab_cpu_asan.so` with `-fsanitize=address,undefined`.
 * Rebuilds only when a source or header is newer than the library.
 */
import { dirname, fromFileUrl, join } from "@std/path";

const here = dirname(fromFileUrl(import.meta.url));
const out = join(here, "build");
await Deno.mkdir(out, { recursive: true });

const sources = [...Deno.readDirSync(here)].filter((e) => e.isFile).map((e) => e.name).sort();
const cFiles = sources.filter((n) => n.endsWith(".c")).map((n) => join(here, n));
const cuFiles = sources.filter((n) => n.endsWith(".cu")).map((n) => join(here, n));
const headers = sources.filter((n) => n.endsWith(".h")).map((n) => join(here, n));

function mtime(path: string): number {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

function stale(target: string, inputs: string[]): boolean {
  const t = mtime(target);
  return t === 0 || inputs.some((f) => mtime(f) > t) || mtime(fromFileUrl(import.meta.url)) > t;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  console.log(`[build] ${cmd} ${args.map((a) => a.replace(here + "/", "")).join(" ")}`);
  const r = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" }).output();
  if (!r.success) throw new Error(`kernel build failed: ${cmd} exited with ${r.code}`);
}

function onPath(cmd: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":");
  return dirs.some((d) => mtime(join(d, cmd)) > 0);
}

const cflags = [
  "-std=c11",
  "-O3",
  "-march=x86-64-v2",
  "-fPIC",
  "-shared",
  "-fopenmp",
  "-Wall",
  "-Wextra",
  "-Werror",
];
const ldflags = ["-Wl,-z,nodelete", "-lm"];

const cpuLib = join(out, "liblutlab_cpu.so");
if (stale(cpuLib, [...cFiles, ...headers])) {
  await sh("gcc", [...cflags, ...cFiles, "-o", cpuLib, ...ldflags]);
}

if (Deno.args.includes("--sanitize")) {
  const asanLib = join(out, "liblutlab_cpu_asan.so");
  if (stale(asanLib, [...cFiles, ...headers])) {
    await sh("gcc", [
      ...cflags.map((f) => f === "-O3" ? "-O1" : f),
      "-g",
      "-fno-omit-frame-pointer",
      "-fsanitize=address,undefined",
      "-fno-sanitize-recover=undefined",
      ...cFiles,
      "-o",
      asanLib,
      ...ldflags,
    ]);
  }
}

if (cuFiles.length > 0 && onPath("nvcc")) {
  const cudaLib = join(out, "liblutlab_cuda.so");
  if (stale(cudaLib, [...cuFiles, ...headers])) {
    await sh("nvcc", [
      "-O3",
      "-shared",
      "-Xcompiler",
      "-fPIC",
      "-cudart",
      "static",
      "-gencode",
      "arch=compute_80,code=sm_80",
      "-gencode",
      "arch=compute_90,code=sm_90",
      "-gencode",
      "arch=compute_90,code=compute_90",
      ...cuFiles,
      "-o",
      cudaLib,
      "-Xlinker",
      "-z,nodelete",
    ]);
  }
} else if (cuFiles.length > 0) {
  console.log("[build] nvcc not found: skipping the CUDA library");
}

/**
 * Builds the native kernels into shared libraries under `kernels/build/`:
 * every `kernels/*.c` into `liblutlab_cpu.so` (gcc -O3 -march=native, OpenMP, `-z nodelete`), and,
 * when `nvcc` is on PATH, every `kernels/*.cu` into `liblutlab_cuda.so` (static cudart), and, when
 * `mpicc` is on PATH (Debian `openmpi-bin libopenmpi-dev`), `kernels/mpi/mpi_shim.c` into
 * `liblutlab_mpi.so` (the collectives of data-parallel training, lib/core/mpi.ts).
 * Rebuilds only when a source or header is newer than the library.
 *
 * `--sanitize` also builds `liblutlab_cpu_asan.so` with `-fsanitize=address,undefined`, and builds and RUNS
 * every sanitizer harness `kernels/test/*_asan.c` (the build fails if one fails). Harness pattern, for
 * every kernel family NAME:
 * - `kernels/test/NAME_asan.c`: a plain C `main()` that calls the exported `lutlab_*` symbols (declared
 *   by including `../NAME.h` or locally) on random AND edge inputs (0, 1, exact grid points, out of
 *   range, +-inf, NaN), odd sizes (1x1, a partial block), batches > 1, and every argument-error path;
 *   it checks identities that hold exactly with EXPECT(cond, fmt, ...) from `kernels/test/check.h` and
 *   ends with `return finish("NAME_asan");` (prints "NAME_asan: ok" and returns 0, or the failure count
 *   and 1). Keep it under a few seconds under ASan. Example: kernels/test/lut3d_asan.c.
 * - It is compiled with all `kernels/*.c` into `kernels/build/test/NAME_asan` (gcc -O1 -g
 *   -fsanitize=address,undefined -fno-sanitize-recover=undefined, -Werror) and run with 2 OpenMP
 *   threads; ASan/UBSan abort on the first memory or undefined-behaviour error, LeakSanitizer on leaks.
 * - CUDA twins are checked separately on a GPU machine by `kernels/test/NAME_cuda_check.cu` harnesses
 *   (GPU vs CPU parity and timings; see kernels/test/lut3d_cuda_check.cu), not by this script.
 * Running a harness directly (instead of loading the ASan library into Deno) keeps the sanitizer
 * runtime out of the Deno process, which does not support an LD_PRELOADed libasan reliably.
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
  "-march=native", // built on the machine that runs it: AVX2 where present
  "-fno-trapping-math", // lets GCC if-convert and vectorise the clamp/select loops (same results)
  "-fno-math-errno", // sqrt and friends inline as vector instructions (errno is never read)
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

const sanitize = [
  "-g",
  "-fno-omit-frame-pointer",
  "-fsanitize=address,undefined",
  "-fno-sanitize-recover=undefined",
];
const asanFlags = cflags.map((f) => f === "-O3" ? "-O1" : f);

if (Deno.args.includes("--sanitize")) {
  const asanLib = join(out, "liblutlab_cpu_asan.so");
  if (stale(asanLib, [...cFiles, ...headers])) {
    await sh("gcc", [...asanFlags, ...sanitize, ...cFiles, "-o", asanLib, ...ldflags]);
  }
  const testDir = join(here, "test");
  const harnesses = [...Deno.readDirSync(testDir)].filter((e) => e.isFile && e.name.endsWith("_asan.c"))
    .map((e) => join(testDir, e.name)).sort();
  await Deno.mkdir(join(out, "test"), { recursive: true });
  const testHeaders = [...Deno.readDirSync(testDir)].filter((e) => e.name.endsWith(".h"))
    .map((e) => join(testDir, e.name));
  for (const harness of harnesses) {
    const exe = join(out, "test", harness.slice(testDir.length + 1, -2));
    if (stale(exe, [harness, ...cFiles, ...headers, ...testHeaders])) {
      const flags = asanFlags.filter((f) => f !== "-shared" && f !== "-fPIC");
      await sh("gcc", [...flags, ...sanitize, harness, ...cFiles, "-o", exe, "-lm"]);
    }
    console.log(`[build] run ${exe.replace(here + "/", "")}`);
    const r = await new Deno.Command(exe, {
      env: { OMP_NUM_THREADS: "2", ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0" },
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!r.success) throw new Error(`sanitizer harness ${exe} failed (exit ${r.code})`);
  }
}

const mpiShim = join(here, "mpi", "mpi_shim.c"), mpiLib = join(out, "liblutlab_mpi.so");
if (onPath("mpicc") && stale(mpiLib, [mpiShim])) {
  await sh("mpicc", [
    "-std=c11",
    "-O2",
    "-fPIC",
    "-shared",
    "-Wall",
    "-Wextra",
    "-Werror",
    mpiShim,
    "-o",
    mpiLib,
    "-ldl",
  ]);
} else if (!onPath("mpicc")) console.log("[build] mpicc not found: skipping the MPI shim (--ranks needs it)");

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

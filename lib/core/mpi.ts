/**
 * MPI collectives for data-parallel training through the C shim `kernels/build/liblutlab_mpi.so`
 * (kernels/mpi/mpi_shim.c, built by `deno task build` when `mpicc` is installed), opened with Deno.dlopen
 * only when a run has more than one rank. Collectives are nonblocking FFI calls (they run on a pool thread),
 * so the event loop stays free: a collective that never completes because a peer died can be abandoned
 * when the launcher signals this process or `timeoutS` passes (`PeerLost`).
 */
import { dirname, fromFileUrl, join } from "@std/path";

const libPath = join(
  dirname(fromFileUrl(import.meta.url)),
  "..",
  "..",
  "kernels",
  "build",
  "liblutlab_mpi.so",
);

const symbols = {
  lutlab_mpi_init: { parameters: ["buffer", "buffer"], result: "i32" },
  lutlab_mpi_allreduce_mean_f32: { parameters: ["buffer", "i64"], result: "i32", nonblocking: true },
  lutlab_mpi_allreduce_sum_f64: { parameters: ["buffer", "i32"], result: "i32", nonblocking: true },
  lutlab_mpi_barrier: { parameters: [], result: "i32", nonblocking: true },
  lutlab_mpi_finalize: { parameters: [], result: "i32" },
  lutlab_mpi_last_error: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

type Lib = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** A collective was abandoned: a peer is gone (the launcher's signal) or it exceeded the timeout. */
export class PeerLost extends Error {}

/** The MPI world of this process: rank, size and the collectives used by training. */
export class MpiWorld {
  private abort?: (e: PeerLost) => void;
  private lost?: PeerLost;

  private constructor(private readonly lib: Lib, readonly rank: number, readonly size: number) {}

  /** Initialises MPI through the shim (the library missing: an error saying how to build it). */
  static init(): MpiWorld {
    let lib: Lib;
    try {
      lib = Deno.dlopen(libPath, symbols).symbols;
    } catch (e) {
      throw new Error(
        `MPI shim ${libPath} cannot be opened (${(e as Error).message}): install openmpi-bin and ` +
          `libopenmpi-dev, then run \`deno task build\``,
        { cause: e },
      );
    }
    const rank = new Int32Array(1), size = new Int32Array(1);
    MpiWorld.check(lib, lib.lutlab_mpi_init(rank, size), "MPI init");
    return new MpiWorld(lib, rank[0], size[0]);
  }

  private static check(lib: Lib, status: number, what: string): void {
    if (status === 0) return;
    const p = lib.lutlab_mpi_last_error();
    throw new Error(`${what}: ${p ? new Deno.UnsafePointerView(p).getCString() : `status ${status}`}`);
  }

  /** Makes every pending and later collective throw PeerLost with `reason` (e.g. on the launcher's SIGTERM). */
  abandon(reason: string): void {
    this.lost ??= new PeerLost(reason);
    this.abort?.(this.lost);
  }

  private async collective(what: string, call: Promise<number>, timeoutS: number): Promise<void> {
    if (this.lost) throw this.lost;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = new Promise<never>((_, reject) => {
      this.abort = reject;
      timer = setTimeout(
        () => reject(new PeerLost(`${what} did not complete within ${timeoutS} s: a rank has stopped`)),
        timeoutS * 1000,
      );
    });
    try {
      MpiWorld.check(this.lib, await Promise.race([call, stop]), what);
    } finally {
      clearTimeout(timer);
      this.abort = undefined;
    }
  }

  /** In place: `buf` becomes the mean over ranks of every rank's `buf` (float32). */
  allreduceMean(buf: Float32Array, timeoutS: number): Promise<void> {
    return this.collective(
      `MPI_Allreduce of ${buf.length} floats`,
      this.lib.lutlab_mpi_allreduce_mean_f32(buf, BigInt(buf.length)),
      timeoutS,
    );
  }

  /** In place: `buf` becomes the sum over ranks (float64). */
  allreduceSum(buf: Float64Array, timeoutS: number): Promise<void> {
    return this.collective("MPI_Allreduce", this.lib.lutlab_mpi_allreduce_sum_f64(buf, buf.length), timeoutS);
  }

  /** Waits for every rank. */
  barrier(timeoutS: number): Promise<void> {
    return this.collective("MPI_Barrier", this.lib.lutlab_mpi_barrier(), timeoutS);
  }

  /** Finalises MPI (only after every collective completed; a lost world just exits). */
  finalize(): void {
    if (!this.lost) MpiWorld.check(this.lib, this.lib.lutlab_mpi_finalize(), "MPI_Finalize");
  }
}

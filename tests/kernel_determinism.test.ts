// Backward passes of the native CPU kernels are bit-identical run to run for a given thread count:
// per-thread partial gradients over a static split of the pixels, reduced in thread order.
import { assert, assertEquals } from "@std/assert";
import { kernelTarget, setKernelThreads } from "../lib/core/native.ts";
import { lut3dBackward } from "../lib/lut/lut3d.ts";
import { hashGridTableGrad } from "../lib/lut/hashgrid.ts";
import { hashGridLevels } from "../lib/lut/hashgrid_ref.ts";
import { simplexBackward } from "../lib/lut/simplex.ts";
import { edgeColours, randomLut, rng } from "./lut3d_util.ts";

// The CUDA kernels sum gradients with atomics, so their order (and last bits) may vary: CPU only.
const ignore = kernelTarget().device !== "cpu";
const THREADS = 4; // more threads than cores: a dynamic split would reorder the partial sums

function random(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Runs `grad` `times` times with THREADS threads; asserts every result equals the first bit for bit. */
function assertRepeatable(what: string, grad: () => Float32Array, times = 4): void {
  setKernelThreads(THREADS);
  try {
    const first = new Uint32Array(grad().buffer.slice(0));
    assert(first.some((v) => v !== 0), `${what}: the gradient is all zero`);
    for (let t = 1; t < times; ++t) {
      const again = new Uint32Array(grad().buffer.slice(0));
      const diff = first.findIndex((v, i) => v !== again[i]);
      assertEquals(diff, -1, `${what}: run ${t} differs from run 0 at element ${diff}`);
    }
  } finally {
    setKernelThreads(0);
  }
}

Deno.test("lut3d backward: LUT gradient is bit-identical run to run", { ignore }, () => {
  const shape = { batch: 2, height: 200, width: 257, dim: 33 };
  const n = shape.batch * 3 * shape.height * shape.width;
  const img = edgeColours(n, shape.dim, 1), lut = randomLut(1, shape.dim, 2), gout = random(n, 3, -1, 1);
  for (const mode of ["trilinear", "tetrahedral"] as const) {
    assertRepeatable(
      `lut3d ${mode}`,
      () => lut3dBackward(img, lut, gout, shape, mode, { img: false }).gradLut!,
    );
  }
});

Deno.test("hashgrid backward: table gradient is bit-identical run to run", { ignore }, () => {
  const levels = hashGridLevels({
    levels: 4,
    featuresPerLevel: 2,
    log2TableSize: 10,
    baseResolution: 9,
    maxResolution: 64,
  });
  const [b, h, w] = [1, 128, 129];
  const rgb = random(b * 3 * h * w, 4, 0, 1), gout = random(b * 4 * 2 * h * w, 5, -1, 1);
  assertRepeatable("hashgrid", () => hashGridTableGrad(rgb, b, h, w, gout, levels));
});

Deno.test("simplex backward: table gradient is bit-identical run to run", { ignore }, () => {
  const table = { n: 4, intervalBits: 4, outputs: 4, data: random(17 ** 4 * 4, 6, -1, 1) };
  const shape = { planes: 2, height: 121, width: 131 };
  const offsets = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;
  const planes = random(shape.planes * shape.height * shape.width, 7, 0, 255);
  const gout = random(shape.planes * 120 * 130 * 4, 8, -1, 1);
  assertRepeatable(
    "simplex",
    () => simplexBackward(planes, shape, offsets, table, gout, { table: true }).gradTable!,
  );
});

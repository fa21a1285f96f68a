// The native conv2d gradients (kernels/conv2d.c) run on all kernel threads and give bit-identical
// results for any thread count (each output entry owned by one thread, summed in a fixed order).
import { assert, assertEquals } from "@std/assert";
import { setKernelThreads } from "../lib/core/native.ts";
import { convFilterGrad, type ConvGeom, convInputGrad } from "../lib/nn/conv.ts";
import { rng } from "./lut3d_util.ts";

function random(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

Deno.test("conv2d gradients: 1, 3 and 8 kernel threads give bit-identical results", () => {
  for (const stride of [1, 2]) {
    const g: ConvGeom = {
      n: 2,
      h: 33,
      w: 41,
      ci: 5,
      kh: 3,
      kw: 3,
      co: 37,
      ho: 0,
      wo: 0,
      stride,
      top: 1,
      left: 1,
    };
    g.ho = Math.floor((g.h + 2 - 3) / stride) + 1;
    g.wo = Math.floor((g.w + 2 - 3) / stride) + 1;
    const x = random(g.n * g.h * g.w * g.ci, 1), w = random(9 * g.ci * g.co, 2);
    const dy = random(g.n * g.ho * g.wo * g.co, 3);
    const run = (threads: number) => {
      setKernelThreads(threads);
      return [convFilterGrad(x, dy, g), convInputGrad(dy, w, g)];
    };
    try {
      const [f1, i1] = run(1);
      assert(f1.some((v) => v !== 0) && i1.some((v) => v !== 0));
      for (const threads of [3, 8]) {
        const [f, i] = run(threads);
        assertEquals(
          new Uint32Array(f.buffer),
          new Uint32Array(f1.buffer),
          `filter grad, ${threads} threads`,
        );
        assertEquals(new Uint32Array(i.buffer), new Uint32Array(i1.buffer), `input grad, ${threads} threads`);
      }
    } finally {
      setKernelThreads(0);
    }
  }
});

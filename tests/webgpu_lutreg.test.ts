// WGSL LUT regularisers (lib/lut/webgpu/lutreg.ts) behind lutSmoothness / lutMonotonicity against the C
// kernel (kernels/lutreg.c, run by the same ops on the wasm backend): value and gradient <= 1e-5 / 1e-4.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { lutMonotonicity, type LutRegStyle, lutSmoothness } from "../lib/enhance/losses.ts";
import { randomLut } from "./lut3d_util.ts";
import { onBackend, relErr, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

/** Value and gradient of `reg` at `lut` [N,3,D,D,D] on the current backend. */
async function valueAndGrad(reg: (l: tf.Tensor) => tf.Scalar, lut: Float32Array, shape: number[]) {
  const l = tf.tensor(lut, shape);
  const { value, grad } = tf.valueAndGrad(reg)(l);
  return { value: (await value.data())[0], grad: await grad.data() };
}

for (const style of ["3dlut", "clutnet"] as LutRegStyle[]) {
  for (const [name, reg] of [["smoothness", lutSmoothness], ["monotonicity", lutMonotonicity]] as const) {
    Deno.test(`webgpu ${name} (${style}): value and gradient match the C kernel`, async () => {
      const dim = 9, n = 3, shape = [n, 3, dim, dim, dim];
      const lut = randomLut(n, dim, 5);
      const f = (l: tf.Tensor) => reg(l, style);
      const gpu = await valueAndGrad(f, lut, shape);
      const cpu = await onBackend("wasm", () => valueAndGrad(f, lut, shape));
      const ev = Math.abs(gpu.value - cpu.value) / Math.abs(cpu.value), eg = relErr(gpu.grad, cpu.grad);
      console.log(
        `  ${name} ${style}: value ${cpu.value.toExponential(4)} rel ${ev.toExponential(2)}, gradient rel ${
          eg.toExponential(2)
        }`,
      );
      assert(cpu.value > 0, "the random LUT has a positive penalty");
      assert(ev <= 1e-5, `value relative error ${ev}`);
      assert(eg <= 1e-4, `gradient relative error ${eg}`);
    });
  }
}

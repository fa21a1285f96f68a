// SR-LUT LUT fine-tuning on the webgpu backend: the rotation ensemble (tf ops) around the WGSL simplex
// kernel, MSE and SGD steps on the GPU; the losses decrease and equal the wasm (C kernel) steps.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { loadEmbedded } from "../lib/data/embedded.ts";
import { resizeBilinear } from "../lib/image/resize.ts";
import { makePairs, sampleBatch } from "../lib/sr/core/data.ts";
import { enumerateTable } from "../lib/sr/core/enumerate.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { srParams, trainStep } from "../lib/sr/sr_train.ts";
import { onBackend, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

// SR-LUT-S x2 with 17 levels per input and a small network
const small = {
  ...DEFAULT_MODEL,
  kind: "srlut",
  variant: "s",
  upscale: 2,
  interval: 4,
  width: 6,
} as SrModelConfig;

Deno.test("webgpu SR-LUT-S fine-tuning steps (rotation ensemble + simplex backward) match the wasm steps", async () => {
  const deg = { kind: "bicubic", scale: 2 } as const;
  const pairs = await makePairs([resizeBilinear(await loadEmbedded("nagasaki-boats"), 40, 48)], deg);
  const b = sampleBatch(pairs, deg, 6, 12, 1, 1);
  const table = await onBackend("wasm", async () => {
    const m = buildSrModel(small, 9);
    const t = await enumerateTable(m.modules()[0], { int8: false });
    tf.dispose(m.variables());
    return t;
  });
  const run = async () => {
    const model = buildSrModel(small, 9);
    model.modules()[0].setTable(table);
    const params = srParams(model);
    const opt = { // plain SGD, lr 1e4: the table moves by whole units
      step: (grads: Map<string, tf.Tensor>) => {
        for (const [k, g] of grads) {
          params.get(k)!.assign(tf.tidy(() => tf.sub(params.get(k)!, tf.mul(g, 1e4))));
        }
      },
    };
    const losses = [];
    for (let i = 0; i < 4; i++) losses.push(await trainStep(model, params, opt, b, b.n));
    return losses;
  };
  const gpu = await run();
  const cpu = await onBackend("wasm", run);
  const rel = gpu.map((l, i) => Math.abs(l - cpu[i]) / cpu[i]);
  console.log(`  webgpu ${gpu.map((l) => l.toExponential(5))}, wasm ${cpu.map((l) => l.toExponential(5))}`);
  assert(gpu[3] < gpu[0], `loss decreases: ${gpu}`);
  assert(Math.max(...rel) <= 1e-4, `webgpu ${gpu} vs wasm ${cpu}`);
});

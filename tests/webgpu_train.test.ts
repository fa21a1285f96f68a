// Whole photo training steps (CNN, LUT op, losses, regularisers, Adam) on the webgpu backend: the only
// data read back from the GPU during the steps are the two scalars trainStep reports, the CLUT-Net and
// HashLUT losses decrease over a few steps, and each step's loss equals the wasm step's (native C kernels):
// the first (before any update) to 1e-5, the later ones to a tolerance per model.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { Adam } from "../lib/experiment/adam.ts";
import { buildNet } from "../lib/enhance/nets.ts";
import { trainStep } from "../lib/enhance/photo_train.ts";
import { Rng } from "../lib/core/rng.ts";
import { loadEmbedded } from "../lib/data/embedded.ts";
import { resizeBilinear } from "../lib/image/resize.ts";
import { onBackend, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

const input = resizeBilinear(await loadEmbedded("nagasaki-boats"), 48, 64);
const pairs = [{ name: "p", input, target: retouchImage(input) }];
const STEPS = 4;

/** Losses of STEPS training steps of a fresh net on the current backend (`aroundSteps` wraps the steps). */
async function losses(
  model: Record<string, unknown>,
  train: Record<string, unknown>,
  aroundSteps: <T>(steps: () => Promise<T>) => Promise<T> = (steps) => steps(),
): Promise<number[]> {
  const config = parsePhotoConfig({
    experiment: { task: "enhance", seed: 5 },
    model,
    data: { root: "unused" },
    train: { augment: "none", jitter: false, ...train },
  }, "webgpu_train/config.toml");
  const net = await buildNet(config);
  const adam = new Adam(net.params, { lr: config.train.lr, beta1: 0.9, beta2: 0.999 });
  const rng = new Rng(1), out: number[] = [];
  await aroundSteps(async () => {
    for (let i = 0; i < STEPS; i++) out.push((await trainStep(net, adam, pairs, config, rng)).loss);
  });
  adam.dispose();
  net.dispose();
  return out;
}

for (
  const [name, model, train, decreases, tol] of [
    // 3DLUT's dropout (p 0.5 before its head) makes its loss jump step to step at this size: parity only
    [
      "3DLUT",
      { family: "3dlut", luts: 3, dim: 9 },
      {
        lr: 1e-4,
        losses: ["mse"],
        lambda_smooth: 1e-4,
        lambda_mono: 10,
      },
      false,
      1e-3,
    ],
    [
      "CLUT-Net",
      { family: "clutnet", luts: 4, dim: 9, s: 3, w: 4 },
      {
        lr: 1e-3,
        losses: ["mse", "cos"],
        lambda_smooth: 1e-4,
        lambda_mono: 10,
      },
      true,
      1e-3,
    ],
    // HashLUT: Adam normalises each hash-table gradient, so the float32 Adam and the atomics' summation
    // order on the GPU (float64 Adam, fixed order on wasm) move near-cancelling entries apart step by step
    [
      "HashLUT",
      { family: "hashlut", levels: 4, log2_table_size: 10 },
      { lr: 1e-3, losses: ["l1", "cos"] },
      true,
      2e-2,
    ],
  ] as const
) {
  Deno.test(`webgpu ${name} training step stays on the GPU and matches the wasm step`, async () => {
    const backend = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const reads: number[] = [];
    // reads of data that lives on the GPU (tensors still held on the host, e.g. fresh variables, cost nothing)
    const map =
      (backend as unknown as { tensorMap: { get(d: unknown): { shape: number[]; values?: unknown } } })
        .tensorMap;
    const spy = (method: "readSync" | "read") => {
      const orig = backend[method];
      backend[method] = function (this: unknown, dataId: unknown) {
        const info = map.get(dataId);
        if (info.values == null) reads.push(info.shape.reduce((a, b) => a * b, 1));
        return orig.call(this, dataId);
      };
      return () => void (backend[method] = orig);
    };
    const gpu = await losses(model, train, async (steps) => {
      const undo = [spy("readSync"), spy("read")];
      try {
        return await steps();
      } finally {
        undo.forEach((u) => u());
      }
    });
    const cpu = await onBackend("wasm", () => losses(model, train));
    const rel = gpu.map((l, i) => Math.abs(l - cpu[i]) / cpu[i]);
    console.log(
      `  ${name}: webgpu ${gpu.map((l) => l.toFixed(6))}, wasm ${cpu.map((l) => l.toFixed(6))}, ` +
        `max rel diff ${Math.max(...rel).toExponential(2)}; ${reads.length} reads of sizes ${[
          ...new Set(reads),
        ]}`,
    );
    assert(reads.every((n) => n === 1), `only scalars read back from the GPU, got sizes ${reads}`);
    assert(reads.length === 2 * STEPS, `two scalar reads per step, got ${reads.length}`);
    if (decreases) assert(gpu[STEPS - 1] < gpu[0], `loss decreases: ${gpu}`);
    assert(rel[0] <= 1e-5, `first (pre-update) loss: webgpu ${gpu[0]} vs wasm ${cpu[0]}`);
    assert(Math.max(...rel) <= tol, `webgpu losses ${gpu} vs wasm ${cpu}`);
  });
}

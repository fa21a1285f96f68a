/**
 * Bench section "train_step": time of one training step (thumbnail resize, CNN on the 256x256 bilinear
 * thumbnail, fused LUT applied to the full 480x720 image, losses, backward, Adam) for Image-Adaptive
 * 3DLUT and CLUT-Net 20+05+10, with the papers' losses and regularisers, on a 480p pair (the embedded
 * "nagasaki-boats" photo resized to 480x720 and its reference retouch), batch 1, no augmentation.
 * Single-threaded: the wasm backend runs on one thread, the native kernels are set to 1 thread
 * (`setKernelThreads(1)`; the conv and LUT-regulariser backward kernels are single-threaded anyway).
 * Median wall time (process CPU time is no better here: it also counts V8 helper threads).
 * Ratio: 150 ms target / step time.
 */
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { initTf, tf } from "../core/backend.ts";
import { parsePhotoConfig } from "../enhance/config.ts";
import { loadEmbedded } from "../data/embedded.ts";
import { retouchImage } from "../data/retouch.ts";
import { resizeBilinear } from "../image/resize.ts";
import { setKernelThreads } from "../core/native.ts";
import { Adam } from "../experiment/adam.ts";
import { buildNet } from "../enhance/nets.ts";
import { Rng } from "../core/rng.ts";
import { trainStep } from "../enhance/photo_train.ts";
import { type BenchReport, medianMs } from "./report.ts";

const SECTION = "train_step";
const TARGET_MS = 150;

/** Runs the section. */
export async function bench(report: BenchReport): Promise<void> {
  const backend = await initTf();
  const engine = backend === "wasm"
    ? `wasm, SIMD ${
      (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? "on" : "OFF"
    }, ${getThreadsCount()} thread(s)`
    : backend;
  const input = resizeBilinear(await loadEmbedded("nagasaki-boats"), 480, 720);
  const pair = { name: "nagasaki-boats", input, target: retouchImage(input) };
  setKernelThreads(1);
  try {
    for (
      const [name, model] of [["3DLUT", { family: "3dlut" }], ["CLUT-Net 20+05+10", {
        family: "clutnet",
      }]] as const
    ) {
      const config = parsePhotoConfig(
        { model, train: { augment: "none", jitter: false } },
        "bench/config.toml",
      );
      const net = await buildNet(config);
      const adam = new Adam(net.params, { lr: 1e-4, beta1: 0.9, beta2: 0.999 });
      const rng = new Rng(1);
      const ms = await medianMs(() => trainStep(net, adam, [pair], config, rng), 9, 2);
      report.row(SECTION, `${name} step, 480x720 pair (${backend})`, ms, "ms");
      report.ratio(SECTION, `${name}: ${TARGET_MS} ms target / step time`, TARGET_MS / ms, 1);
      adam.dispose();
      net.dispose();
    }
    report.note(
      SECTION,
      `median wall time of 9 steps after 2 warm-up; single-threaded (tfjs ${engine}, native ` +
        `kernels set to 1 thread); conv backward, LUT apply/backward and LUT regularisers are native kernels ` +
        `on the tensors' wasm memory, the CNN forward is tfjs (XNNPACK)`,
    );
  } finally {
    setKernelThreads(0);
  }
}

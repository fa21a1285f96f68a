/**
 * Bench section "train_backends": one training step of each model per compute backend, as a ratio against the
 * wasm step with every native kernel on one thread. Backends: "wasm 1 thread" (tfjs-wasm, which runs on one
 * thread under Deno, native kernels at 1 thread), "wasm + native N threads" (native OpenMP kernels on
 * LUTLAB_THREADS threads: the SR networks' whole pass (kernels/srnet.c, as `deno task train` runs them on the
 * CPU backends), the photo trunks' convs, LUT ops, regularisers, Adam) and "webgpu" (tfjs-webgpu with the
 * WGSL LUT kernels of lib/lut/webgpu/; on a CPU-only machine the adapter is lavapipe, Mesa's Vulkan emulation
 * on the CPU, so that row measures a CPU emulation, not a GPU, and has no target). Models: 3DLUT, CLUT-Net
 * 20+05+10 and HashLUT 7+13 on a 480x720 pair, batch 1; SR-LUT-S x4 (network form, batch 32 of 48² patches,
 * the papers' batch); SPF-LUT x4 at nf 16 (batch 4 of 48²) and nf 64 (one 24² patch: on wasm one 48² patch
 * exceeds the 4 GiB heap), batches small enough for the lavapipe rows to end in minutes. The wasm 1- and
 * N-thread rows share one build of the model and step round-robin (so that a drifting machine speed slows
 * both alike); the webgpu row (the SR networks as tfjs graphs): median wall time of 3 steps (`--quick`: 1)
 * after 1 warm-up. A first row times the dense layer the SR networks are made of (lib/nn/matmul.ts: product
 * and both gradients) natively on 1 and N threads against tfjs-wasm's own tf.matMul.
 */
import { join } from "@std/path";
import { initTf, kernelThreads, tf, webgpuAdapter } from "../core/backend.ts";
import { setKernelThreads } from "../core/native.ts";
import { repoRoot } from "../core/shared.ts";
import { parsePhotoConfig } from "../enhance/config.ts";
import { loadEmbedded } from "../data/embedded.ts";
import { retouchImage } from "../data/retouch.ts";
import { resizeBilinear } from "../image/resize.ts";
import { Adam } from "../experiment/adam.ts";
import { buildNet } from "../enhance/nets.ts";
import { Rng } from "../core/rng.ts";
import { trainStep as photoStep } from "../enhance/photo_train.ts";
import { loadSrConfig } from "../sr/config.ts";
import { makePairs, sampleBatch } from "../sr/core/data.ts";
import { buildSrModel } from "../sr/models/models.ts";
import { srParams } from "../sr/sr_train.ts";
import { srStepper } from "./peer/cases.ts";
import { matMulHost, matMulTnHost } from "../nn/matmul.ts";
import {
  type BenchOptions,
  type BenchReport,
  medianMs,
  roundRobinMs,
  threadSides,
  wanted,
} from "./report.ts";

const SECTION = "train_backends";

/** A model to time: `setup` builds it on the current backend and returns its step and its cleanup. */
type Case = {
  name: string;
  /** Speed-up the issue asks of a real GPU over the wasm one-thread step (3DLUT, CLUT-Net: 20×). */
  gpuTarget: number;
  /** Steps per second the issue asks of a real GPU (SR-LUT-S at batch 32 of 48²: 50 it/s). */
  gpuItsTarget?: number;
  setup: () => Promise<{ step: () => Promise<unknown>; dispose: () => void }>;
};

async function cases(): Promise<Case[]> {
  const input = resizeBilinear(await loadEmbedded("nagasaki-boats"), 480, 720);
  const pair = { name: "nagasaki-boats", input, target: retouchImage(input) };
  const photo = (
    name: string,
    model: Record<string, unknown>,
    train: Record<string, unknown>,
    gpuTarget = 1,
  ): Case => ({
    name,
    gpuTarget,
    setup: async () => {
      const config = parsePhotoConfig(
        { model, train: { augment: "none", jitter: false, ...train } },
        "bench.toml",
      );
      const net = await buildNet(config);
      const adam = new Adam(net.params, { lr: 1e-4, beta1: 0.9, beta2: 0.999 });
      const rng = new Rng(1);
      return {
        step: () => photoStep(net, adam, [pair], config, rng),
        dispose: () => (adam.dispose(), net.dispose()),
      };
    },
  });
  const sr = (
    name: string,
    preset: string,
    width: number | undefined,
    batch: number,
    its?: number,
    crop = 48,
  ): Case => ({
    name,
    gpuTarget: 1,
    gpuItsTarget: its,
    setup: async () => {
      const cfg = await loadSrConfig(join(repoRoot, "experiments", preset, "config.toml"));
      const model = buildSrModel(width ? { ...cfg.model, width } : cfg.model, 1);
      const pairs = await makePairs([await loadEmbedded("nagasaki-boats")], cfg.degradation);
      const b = sampleBatch(pairs, cfg.degradation, batch, crop, 1, 1);
      const params = srParams(model), opt = new Adam(params, { lr: 1e-4, beta1: 0.9, beta2: 0.999 });
      return await srStepper(model, params, opt, b); // the native pass on the CPU backends, as `train`
    },
  });
  return [
    photo("3DLUT", { family: "3dlut" }, {}, 20),
    photo("CLUT-Net 20+05+10", { family: "clutnet" }, {}, 20),
    photo("HashLUT 7+13", { family: "hashlut", levels: 7, log2_table_size: 13 }, { losses: ["l1", "cos"] }),
    sr("SR-LUT-S x4 (32x48²)", "sr-lut-s-x4", undefined, 32, 50),
    sr("SPF-LUT x4 nf16 (4x48²)", "spf-lut-x4", 16, 4),
    sr("SPF-LUT x4 nf64 (1x24²)", "spf-lut-x4", 64, 1, undefined, 24),
  ];
}

/**
 * Median step times of one build of `c` on the current backend with the native kernels on each of `threads`
 * threads (round-robin: lib/bench/report.ts `roundRobinMs`), or the reason it cannot run there.
 */
async function time(
  c: Case,
  threads: number[],
  rounds: { reps: number; warmup: number; settleMs?: number },
): Promise<(number | string | undefined)[]> {
  return await roundRobinMs(threadSides(() => c.setup(), threads), rounds);
}

/**
 * Forward product and both gradients of a dense layer [73728,64]·[64,64] (SR-LUT-S's hidden layer on a batch of
 * 32 × 24² patches × 4 rotations): tfjs-wasm's tf.matMul (one thread) against the native kernels.
 */
async function denseLayer(report: BenchReport, threads: number): Promise<void> {
  const m = 73728, k = 64, n = 64, r = new Rng(3);
  const rand = (len: number) => Float32Array.from({ length: len }, () => r.uniform(-1, 1));
  const a = rand(m * k), b = rand(k * n), g = rand(m * n);
  await tf.setBackend("wasm");
  const [ta, tb, tg] = [tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]), tf.tensor2d(g, [m, n])];
  const wasm = await medianMs(
    async () => {
      const outs = [tf.matMul(ta, tb), tf.matMul(tg, tb, false, true), tf.matMul(ta, tg, true, false)];
      await Promise.all(outs.map((t) => t.data()));
      tf.dispose(outs);
    },
    5,
    1,
  );
  tf.dispose([ta, tb, tg]);
  const label = "dense layer [73728,64]·[64,64] forward + gradients";
  report.row(SECTION, `${label}, tfjs-wasm tf.matMul`, wasm, "ms");
  // outputs allocated once, as in training (tensors in the wasm heap): a fresh 19 MB array per call spends
  // ~80 ms in first-touch page faults on this VM, more than the product itself
  const [c, da, db] = [new Float32Array(m * n), new Float32Array(m * k), new Float32Array(k * n)];
  for (const t of [1, threads]) {
    setKernelThreads(t);
    const ms = await medianMs(
      () => {
        matMulHost(a, b, m, k, n, false, c);
        matMulHost(g, b, m, n, k, true, da);
        matMulTnHost(a, g, m, k, n, db);
      },
      5,
      1,
    );
    report.row(SECTION, `${label}, native ${t} thread${t > 1 ? "s" : ""}`, ms, "ms");
    report.ratio(SECTION, `${label}: tfjs-wasm / native ${t} thread${t > 1 ? "s" : ""}`, wasm / ms, 1);
  }
}

/** Runs the section. */
export async function bench(report: BenchReport, opts: BenchOptions = {}): Promise<void> {
  await initTf();
  const threads = kernelThreads() || navigator.hardwareConcurrency;
  const adapter = await webgpuAdapter();
  const backends: { label: string; tf: string; threads: number }[] = [
    { label: "wasm 1 thread", tf: "wasm", threads: 1 },
    { label: `wasm + native ${threads} threads`, tf: "wasm", threads },
  ];
  if (adapter) {
    backends.push({
      label: `webgpu (${adapter.fallback ? "CPU emulation " : ""}${adapter.description})`,
      tf: "webgpu",
      threads,
    });
  }
  const load = () => {
    try {
      return Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
    } catch {
      return "?"; // not Linux
    }
  };
  const loadBefore = load();
  const before = tf.getBackend();
  try {
    await denseLayer(report, threads);
    for (const c of (await cases()).filter((c) => wanted(opts, c.name))) {
      await tf.setBackend("wasm");
      const wasm = await time(c, [1, threads], { reps: opts.quick ? 2 : 4, warmup: 1, settleMs: 1000 });
      const rows = backends.slice(0, 2).map((b, i) => [b, wasm[i]] as const);
      for (const b of backends.slice(2)) {
        await tf.setBackend(b.tf);
        rows.push([b, (await time(c, [b.threads], { reps: opts.quick ? 1 : 3, warmup: 1 }))[0]]);
      }
      const base = wasm[0];
      for (const [b, ms] of rows) {
        if (typeof ms !== "number") {
          report.note(SECTION, `${c.name} on ${b.label}: not run (${ms})`);
          continue;
        }
        report.row(SECTION, `${c.name} step, ${b.label}`, ms, "ms");
        if (b === backends[0] || typeof base !== "number") continue;
        // a software adapter (lavapipe) only shows that the GPU path runs: no speed target there
        const target = b.tf !== "webgpu" ? 1 : adapter?.fallback ? 0 : c.gpuTarget;
        report.ratio(SECTION, `${c.name}: wasm 1-thread step / ${b.label} step`, base / ms, target);
        if (b.tf === "webgpu" && !adapter?.fallback && c.gpuItsTarget) {
          const its = 1000 / ms;
          report.ratio(
            SECTION,
            `${c.name}: ${its.toFixed(1)} it/s on ${b.label} / ${c.gpuItsTarget} it/s`,
            its / c.gpuItsTarget,
            1,
          );
        }
      }
    }
  } finally {
    await tf.setBackend(before);
    setKernelThreads(kernelThreads());
  }
  report.note(
    SECTION,
    `wasm rows: one build per model, its 1- and ${threads}-thread steps taken round-robin, median of ${
      opts.quick ? 2 : 4
    } timed steps each after 1 warm-up round, each timed step after 1 s of untimed ones; webgpu: median of ${
      opts.quick ? 1 : 3
    } step(s) after 1 warm-up; load average ${loadBefore} before, ${load()} after on ` +
      `${navigator.hardwareConcurrency} cores (other jobs on the machine slow the multi-thread rows most); tfjs-wasm runs on one thread under Deno (its pthread build ` +
      `needs a worker script Deno cannot start), so "N threads" parallelises the native kernels only` +
      (adapter
        ? `; webgpu adapter: ${adapter.description}${
          adapter.fallback ? " (a software fallback: Vulkan emulated on the CPU cores, not a GPU)" : ""
        }`
        : "; no WebGPU adapter here (no webgpu row)"),
  );
}

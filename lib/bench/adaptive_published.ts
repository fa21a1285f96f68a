/**
 * The record of the imported AdaInt and SepLUT checkpoints (issue 22): for each preset (experiments/
 * adaint-fivek, seplut-m8-17, seplut-m8-33, seplut-m6-9) its parameter count, storage (float32 parameters),
 * scores on the 12 shared FiveK expert-C pairs (PSNR / SSIM / ΔE76 as tests/photo_pretrained.test.ts),
 * the error of its single-3D-LUT form (AdaInt: the adaptive lattice resampled to the uniform 33³ one;
 * SepLUT: both stages sampled on 33³) and of the exact shaper .cube (SepLUT), the 4K (3840x2160) times on
 * the host (median of 3): whole `enhance` (thumbnail, CNN, LUT apply) and the LUT stage alone (native
 * kernels), and the paper's published FiveK numbers.
 * Writes experiments/<preset>/published.json. Run: deno run -A lib/bench/adaptive_published.ts [preset...]
 */
import { join } from "@std/path";
import { initTf } from "../core/backend.ts";
import { writeJsonAtomic } from "../core/atomic.ts";
import { repoRoot, sharedPath } from "../core/shared.ts";
import { loadPhotoConfig } from "../enhance/config.ts";
import { loadPretrained } from "../enhance/nets.ts";
import { meanScores, scorePair } from "../enhance/score.ts";
import { type Image, readImage } from "../image/io.ts";
import { applyLut3dImage } from "../lut/lut3d.ts";
import { applyLutStages } from "../lut/lut_file.ts";
import { formatCubeFile, parseCubeFile } from "../formats/cube.ts";
import { psnr } from "../image/metrics.ts";
import { sepLutCube, SepLutNet } from "../enhance/seplutnet.ts";
import { AdaIntNet } from "../enhance/adaintnet.ts";
import { applyAiLut } from "../lut/ailut.ts";
import type { Vec3 } from "../formats/cube.ts";
import type { PhotoNet } from "../enhance/photonet.ts";

/** The papers' FiveK (480p sRGB, expert C) numbers with their source; null where not verified here. */
export const PUBLISHED: Record<
  string,
  { psnr: number | null; ssim: number | null; deltaE: number | null; source: string }
> = {
  "adaint-fivek": {
    psnr: 25.49,
    ssim: null,
    deltaE: null,
    source:
      "AdaInt (CVPR 2022) Table 1, FiveK photo retouching 480p sRGB: PSNR 25.49 dB as listed on paperswithcode.com/paper/adaint-learning-adaptive-intervals-for-3d; SSIM/ΔE not read here (paper PDF not reachable)",
  },
  "seplut-m8-17": {
    psnr: null,
    ssim: null,
    deltaE: null,
    source:
      "SepLUT (ECCV 2022, arXiv 2207.08351) Table 2; the numbers were not reachable from this machine (README of ImCharlesY/SepLUT has no table)",
  },
  "seplut-m8-33": { psnr: null, ssim: null, deltaE: null, source: "as seplut-m8-17" },
  "seplut-m6-9": { psnr: null, ssim: null, deltaE: null, source: "as seplut-m8-17" },
};

/** The 12 pairs (sorted by name) of the shared expert-C set. */
export async function expertPairs(): Promise<{ name: string; input: Image; target: Image }[]> {
  const root = sharedPath("FiveK", "dpe_expertC_pairs");
  if (!root) throw new Error("shared data FiveK/dpe_expertC_pairs not found");
  const names = [...Deno.readDirSync(join(root, "input"))].map((e) => e.name).sort();
  return await Promise.all(names.map(async (name) => ({
    name,
    input: await readImage(join(root, "input", name), { channels: 3 }),
    target: await readImage(join(root, "target", name), { channels: 3 }),
  })));
}

/** Median wall time (ms) of 3 runs of `fn` after one warm-up run. */
async function median3(fn: () => unknown): Promise<number> {
  const runs: number[] = [];
  for (let k = 0; k < 4; k++) {
    const t0 = performance.now();
    await fn();
    if (k > 0) runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1];
}

/** PSNR (dB, peak 1, no quantisation) of `a` against `b`. */
const fidelity = (a: Image, b: Image) => psnr(a, b);

/** The record of one preset (see module doc). */
export async function measurePreset(
  preset: string,
  pairs: Awaited<ReturnType<typeof expertPairs>>,
  time = true,
) {
  const config = await loadPhotoConfig(join(repoRoot, "experiments", preset));
  const net: PhotoNet = await loadPretrained(config);
  try {
    const scores = [], lutForm = [], shaper = [];
    for (const p of pairs) {
      const r = await net.enhance(p.input);
      scores.push(scorePair(r.out, p.target));
      const viaCube = applyLut3dImage(p.input, r.lut, net.cubeSize, "trilinear");
      for (let i = 0; i < viaCube.data.length; i++) {
        viaCube.data[i] = Math.min(1, Math.max(0, viaCube.data[i]));
      }
      lutForm.push(fidelity(viaCube, r.out));
      if (net instanceof SepLutNet) {
        const t = await net.model.tables(p.input);
        const file = parseCubeFile(formatCubeFile(sepLutCube(net.model, t, p.name)), p.name);
        const unit = {
          domainMin: [0, 0, 0] as [number, number, number],
          domainMax: [1, 1, 1] as [number, number, number],
        };
        const back = applyLutStages(p.input, {
          lut1d: { ...unit, ...file.lut1d! },
          lut3d: { ...unit, ...file.lut3d! },
        }, "trilinear");
        for (let i = 0; i < back.data.length; i++) back.data[i] = Math.min(1, Math.max(0, back.data[i]));
        shaper.push(fidelity(back, r.out));
      }
    }
    let ms4k: number | null = null, apply4k: number | null = null;
    if (time) {
      const w = 3840, h = 2160, data = new Float32Array(3 * w * h);
      for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.45 * Math.sin(i * 0.0007 + (i % w) * 0.003);
      const big = { data, channels: 3, height: h, width: w };
      ms4k = await median3(() => net.enhance(big));
      // the LUT stage alone (the image's tables already predicted): AiLUT, or 1D then 3D
      if (net instanceof AdaIntNet) {
        const a = await net.model.adaptive(big), shape = { batch: 1, height: h, width: w, dim: net.cubeSize };
        apply4k = await median3(() => applyAiLut(big.data, a.lut, a.vertices, shape));
      } else if (net instanceof SepLutNet) {
        const t = await net.model.tables(big), file = sepLutCube(net.model, t);
        const unit = { domainMin: [0, 0, 0] as Vec3, domainMax: [1, 1, 1] as Vec3 };
        const stages = { lut1d: { ...unit, ...file.lut1d! }, lut3d: { ...unit, ...file.lut3d! } };
        apply4k = await median3(() => applyLutStages(big, stages, "trilinear"));
      }
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
    const params = net.paramCount();
    return {
      preset,
      weights: config.pretrained,
      params,
      storageBytes: 4 * params,
      pairs: pairs.length,
      scores: meanScores(scores),
      lutFormPsnr: { mean: mean(lutForm), min: Math.min(...lutForm), size: net.cubeSize },
      shaperCubePsnr: shaper.length ? { mean: mean(shaper), min: Math.min(...shaper) } : null,
      enhance4kMs: ms4k,
      apply4kMs: apply4k,
      published: PUBLISHED[preset],
    };
  } finally {
    net.dispose();
  }
}

if (import.meta.main) {
  await initTf();
  const presets = Deno.args.length ? Deno.args : Object.keys(PUBLISHED);
  const pairs = await expertPairs();
  for (const preset of presets) {
    const rec = { ...(await measurePreset(preset, pairs)), measured: new Date().toISOString().slice(0, 10) };
    await writeJsonAtomic(join(repoRoot, "experiments", preset, "published.json"), rec);
    console.log(JSON.stringify(rec));
  }
}

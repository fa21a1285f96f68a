/**
 * Evaluation of a photo experiment on its test split: each image's fused LUT is applied at full
 * resolution (CNN on the model.thumb-sized bilinear thumbnail, 256x256 in the papers), scored against
 * the target (lib/enhance/score.ts: PSNR, SSIM, ΔE76 on the 8-bit output), and written under <exp>/eval/<source>/ (source = "trained" or
 * "pretrained"): images/<name>.png, cubes/<name>.cube (the image's fused LUT), basis/basis_<n>.cube (each
 * basis LUT alone, identity added for residual models), scores.csv, summary.json. Model and data are
 * loaded and checked before anything is written.
 */
import { join } from "@std/path";
import { familyOf, type PhotoConfig } from "./photo_registry.ts";
import { loadPairs, type Pair } from "../data/paired.ts";
import { noHeldOutWarning } from "../data/held_out.ts";
import { writeImage } from "../image/io.ts";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic.ts";
import { writeBasisCubes, writeImageCube } from "./export.ts";
import { trainedInterpolation } from "./interpolation.ts";
import { loadNet, type PhotoNet, resolveWeightSource, trainedCheckpoint, type WeightSource } from "./nets.ts";
import { forSrgbImages } from "./input_space.ts";
import type { StepChoice } from "../experiment/history.ts";
import { writeOrigin } from "../experiment/origin.ts";
import { meanScores, scorePair, type Scores } from "./score.ts";

/** Scores of one test image (model output and the unprocessed input, both against the target). */
export type EvalRow = Scores & { name: string; inputPsnr: number };

/** Scores of a network on pairs: rows, their mean, and the input's own mean scores. */
export type EvalScores = { rows: EvalRow[]; mean: Scores; input: Scores };

/** Scores `net` on `pairs` (no files written); `onImage` receives each output and its fused LUT. */
export async function scoreNet(
  net: PhotoNet,
  pairs: Pair[],
  onImage?: (p: Pair, out: Awaited<ReturnType<PhotoNet["enhance"]>>) => Promise<void>,
): Promise<EvalScores> {
  const rows: EvalRow[] = [], inputs: Scores[] = [];
  for (const p of pairs) {
    const r = await net.enhance(p.input);
    const base = scorePair(p.input, p.target);
    inputs.push(base);
    rows.push({ name: p.name, ...scorePair(r.out, p.target), inputPsnr: base.psnr });
    await onImage?.(p, r);
  }
  return { rows, mean: meanScores(rows), input: meanScores(inputs) };
}

/** Result of `evalPhoto`. */
export type EvalResult = EvalScores & { source: "trained" | "pretrained"; outDir: string };

/** `deno task eval` for photo experiments (see module doc). */
export async function evalPhoto(
  config: PhotoConfig,
  opts: { source?: WeightSource; step?: StepChoice; quiet?: boolean; pairs?: Pair[]; convertInput?: string } =
    {},
): Promise<EvalResult> {
  const source = await resolveWeightSource(config, opts.source);
  if (opts.step !== undefined && source !== "trained") {
    throw new Error(`${config.dir}: --step needs the trained weights`);
  }
  const step = source === "trained" ? (await trainedCheckpoint(config, opts.step)).step : undefined;
  const loaded = await loadNet(config, source, opts.step);
  let net = loaded;
  try {
    net = forSrgbImages(config, loaded, opts.convertInput); // test pairs are sRGB files
    const pairs = opts.pairs ?? await loadPairs(config.data.root, "test", config.eval.maxImages);
    const sameImages = opts.pairs ? undefined : await noHeldOutWarning(config.data.root);
    if (sameImages) console.warn(sameImages);
    const outDir = join(config.dir, "eval", source);
    const cubeOut = { interpolation: trainedInterpolation(config) };
    const cubes = config.eval.saveCubes && !familyOf(config).unsupported?.cube;
    const log = (s: string) => opts.quiet || console.log(s);
    log(`${config.name} [${source}]: ${pairs.length} test image(s), ${net.paramCount()} parameters`);
    const res = await scoreNet(net, pairs, async (p, r) => {
      if (config.eval.saveImages) await writeImage(join(outDir, "images", `${p.name}.png`), r.out);
      if (cubes) {
        await writeImageCube(
          net,
          join(outDir, "cubes"),
          p.name,
          `${config.name} ${p.name}`,
          r.lut,
          cubeOut,
          r.lutFile,
        );
      }
    });
    for (const r of res.rows) {
      log(
        `  ${r.name}: PSNR ${r.psnr.toFixed(2)} dB (input ${r.inputPsnr.toFixed(2)})  SSIM ${
          r.ssim.toFixed(4)
        }  ΔE ${r.deltaE.toFixed(2)}`,
      );
    }
    if (cubes) {
      await writeBasisCubes(net, join(outDir, "basis"), config.name, cubeOut);
    }
    const csv = [
      "name,psnr,ssim,delta_e,input_psnr",
      ...res.rows.map((r) =>
        `${r.name},${r.psnr.toFixed(4)},${r.ssim.toFixed(6)},${r.deltaE.toFixed(4)},${r.inputPsnr.toFixed(4)}`
      ),
    ];
    await writeFileAtomic(join(outDir, "scores.csv"), csv.join("\n") + "\n");
    await writeOrigin(outDir, step === undefined ? undefined : { step });
    await writeJsonAtomic(join(outDir, "summary.json"), {
      experiment: config.name,
      source,
      step,
      images: res.rows.length,
      mean: res.mean,
      input: res.input,
      params: net.paramCount(),
      test_is_train: sameImages !== undefined, // input/ + target/ layout: no held-out test (lib/data/held_out.ts)
    });
    log(
      `${config.name} [${source}] mean: PSNR ${res.mean.psnr.toFixed(2)} dB (input ${
        res.input.psnr.toFixed(2)
      })  SSIM ${res.mean.ssim.toFixed(4)}  ΔE ${res.mean.deltaE.toFixed(2)}` +
        `${sameImages ? "  (on the TRAINING images: no held-out test set)" : ""}\n` +
        `  written to ${outDir}/ (images/, cubes/, basis/, scores.csv, summary.json)`,
    );
    return { ...res, source, outDir };
  } finally {
    loaded.dispose();
  }
}

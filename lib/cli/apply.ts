/**
 * `deno task apply -e experiments/<name> <in> <out>` applies an experiment to your own images: a photo
 * experiment enhances them (trained checkpoint, else pretrained weights; --trained / --pretrained), an SR
 * experiment upscales (or denoises) them with its tables (the same choice as `deno task eval`: its own
 * newest tables, --from, or --pretrained; `--step N|best`: photo, that kept checkpoint; SR, tables only if
 * they came from that training step). `deno task apply --cube <file> <in> <out>` (alias --lut) applies
 * a LUT file (lib/formats/lut_file.ts): a .cube 3D, 1D or Resolve 1D shaper + 3D table, a .3dl, or a Hald
 * CLUT .png/.tif, on the native kernels. `--interp trilinear|tetrahedral` picks the 3D interpolation; the
 * default is what the file records (# LUTLAB_INTERPOLATION, written by our exporters), else trilinear, and
 * for a photo experiment the interpolation it was trained with (another one re-applies each image's fused
 * LUT with it). <in> is an image or a folder of images; <out> is an image path
 * (.png/.jpg) for one input, else a folder that gets <stem>.png per input. Every output is checked before
 * the first is written: existing outputs are refused unless --force (or left alone with --skip-existing,
 * so a rerun continues), an output that is its own input always, and two inputs with the same stem (a.png,
 * a.jpg) are refused with both names. An image that fails (e.g. undecodable) is named and the others still
 * run; a summary ends the run, which fails when any image did (lib/cli/apply_batch.ts).
 */
import { basename, extname, join, resolve } from "@std/path";
import { type Image, readImage, writeImage } from "../image/io.ts";
import { listImages, refuseStemCollisions } from "../image/files.ts";
import { trainedInterpolation } from "../enhance/interpolation.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";
import { CliExit, exclusive, parseTaskArgs, runCli, str, type TaskSpec, usageText } from "./args.ts";
import { parseStepChoice, type StepChoice } from "../experiment/step_choice.ts";
import { applyEach, type ImageJob, withoutExisting } from "./apply_batch.ts";

const SPEC: TaskSpec = {
  task: "apply",
  usage:
    "(-e experiments/<name> | --cube <file.cube|.3dl|hald.png>) <image or folder> <output image or folder>\n" +
    "  [--interp trilinear|tetrahedral] [--force | --skip-existing] [--quiet] [--step N|best]\n" +
    "  photo: [--pretrained | --trained] [--convert-input xyz (sRGB images into an XYZ model)]\n" +
    "  sr: [--from exported|finetuned|dfc | --pretrained]",
  boolean: ["force", "skip-existing", "quiet", "pretrained", "trained"],
  string: ["experiment", "cube", "from", "interp", "convert-input", "step"],
  alias: { e: "experiment", lut: "cube" },
  positionals: 2,
};

export type { ImageJob };

const OUTPUT_EXT = /\.(png|jpe?g)$/i;

const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

/**
 * Input/output pairs for `input` (file or folder) and `output` (image path for a single input, else a
 * folder of <stem>.png); throws naming the files on a stem collision, an output that is its input, or
 * existing outputs without `force`.
 */
export async function planJobs(input: string, output: string, force = false): Promise<ImageJob[]> {
  const info = await Deno.stat(input).catch((e) => {
    throw new Error(`${input}: cannot read the input: ${(e as Error).message}`, { cause: e });
  });
  const stem = (f: string) => basename(f, extname(f));
  let jobs: ImageJob[];
  if (info.isDirectory) {
    if ((await Deno.stat(output).catch(() => undefined))?.isFile) {
      throw new Error(`${output} is a file: the output of a folder of images is a folder`);
    }
    const names = await listImages(input);
    refuseStemCollisions(input, names, ".png");
    jobs = names.map((n) => ({ input: join(input, n), output: join(output, `${stem(n)}.png`) }));
  } else {
    if (/\.(bmp|tiff?|webp|gif)$/i.test(output)) {
      throw new Error(`${output}: outputs are written as .png or .jpg`);
    }
    const out = OUTPUT_EXT.test(output) ? output : join(output, `${stem(input)}.png`);
    jobs = [{ input, output: out }];
  }
  const self = jobs.find((j) => resolve(j.input) === resolve(j.output));
  if (self) throw new Error(`${self.output}: the output would overwrite its own input`);
  const existing = [];
  for (const j of jobs) if (await exists(j.output)) existing.push(j.output);
  if (existing.length && !force) {
    const shown = existing.slice(0, 5).join(", ") + (existing.length > 5 ? `, ... (${existing.length})` : "");
    throw new Error(`output exists: ${shown}; not overwriting (--force to overwrite)`);
  }
  return jobs;
}

/** An image transform and a line saying what it is. */
type Transform = { label: string; apply: (img: Image) => Promise<Image>; dispose?: () => void };

/** The LUT file at `path` (.cube, .3dl, Hald CLUT) as a transform; `interp` overrides the file's mode. */
async function cubeTransform(path: string, interp?: Lut3dMode): Promise<Transform> {
  const { readLutFile } = await import("../formats/lut_file.ts");
  const { applyLutStages } = await import("../lut/lut_file.ts");
  const file = await readLutFile(path);
  const mode = interp ?? file.interpolation ?? "trilinear";
  const from = interp ? "--interp" : file.interpolation ? "recorded in the file" : "default";
  const tables = [
    file.lut1d && `1D ${file.lut1d.size}`,
    file.lut3d && `${file.lut3d.size}^3 ${mode} (${from})`,
  ].filter(Boolean).join(" + ");
  return {
    label: `${path} (${file.format}: ${tables}${file.title ? `, "${file.title}"` : ""})`,
    apply: (img) => Promise.resolve(applyLutStages(img, file, mode)),
  };
}

/** The experiment at `exp` as a transform (photo: its network; SR: its LUT form with the chosen tables). */
async function experimentTransform(
  exp: string,
  opts: {
    pretrained: boolean;
    trained: boolean;
    from?: string;
    interp?: Lut3dMode;
    convertInput?: string;
    step?: StepChoice;
  },
): Promise<Transform> {
  const { loadExperiment } = await import("./all_tasks.ts"); // the tasks load tfjs: not for --cube
  const ex = await loadExperiment(exp);
  if (ex.task === "sr") {
    if (opts.trained) throw new Error(`${ex.file}: --trained is for photo experiments (SR: --from)`);
    if (opts.interp) throw new Error(`${ex.file}: --interp is for photo experiments and LUT files`);
    if (opts.convertInput) throw new Error(`${ex.file}: --convert-input is for photo experiments`);
    const { chooseSource, loadSrSource } = await import("../sr/artifacts.ts");
    const { superResolve } = await import("../sr/core/super_resolve.ts");
    const config = ex.config as Parameters<typeof chooseSource>[0];
    const choice = await chooseSource(config, { from: opts.from, pretrained: opts.pretrained });
    const { requireSourceStep, srStep } = await import("../sr/steps.ts");
    await requireSourceStep(config, choice.source, await srStep(config, opts.step));
    const model = await loadSrSource(config, choice.source);
    return {
      label: `${config.name} (x${model.upscale}) with ${choice.note}`,
      apply: (img) => superResolve(model, img),
    };
  }
  if (opts.from !== undefined) throw new Error(`${ex.file}: --from is for SR experiments`);
  const { forSrgbImages, xyzModelInput } = await import("../enhance/input_space.ts");
  const { initTf } = await import("../core/backend.ts");
  const { loadNet, resolveWeightSource } = await import("../enhance/nets.ts");
  await initTf();
  const source = await resolveWeightSource(
    ex,
    opts.pretrained ? "pretrained" : opts.trained ? "trained" : "auto",
  );
  const net = await loadNet(ex, source, opts.step);
  let srgb;
  try {
    srgb = forSrgbImages(ex, net, opts.convertInput);
  } catch (e) {
    net.dispose();
    throw e;
  }
  const { interp } = opts, trainedWith = trainedInterpolation(ex);
  const relut = interp !== undefined && interp !== trainedWith;
  const converted = opts.convertInput ? `, input converted to ${opts.convertInput}` : "";
  return {
    label: `${ex.name} (${source} weights, ${
      relut ? `fused LUTs applied ${interp}` : trainedWith
    }${converted})`,
    apply: async (img) => {
      const r = await srgb.enhance(img);
      // the fused LUT maps what the model sees: the converted image for an XYZ model
      return relut
        ? await applyFused(converted ? xyzModelInput(img) : img, r.lut, net.cubeSize, interp)
        : r.out;
    },
    dispose: () => net.dispose(),
  };
}

/** The --interp value (trilinear or tetrahedral), or undefined when not given. */
function interpArg(v: string | undefined): Lut3dMode | undefined {
  if (v === undefined || v === "trilinear" || v === "tetrahedral") return v;
  throw new CliExit(2, `--interp must be trilinear or tetrahedral, got "${v}"\n${usageText(SPEC)}`);
}

/** `img` through its fused LUT [3,D,D,D] with `mode`, clamped to [0,1] like PhotoNet.enhance. */
async function applyFused(img: Image, lut: Float32Array, dim: number, mode: Lut3dMode): Promise<Image> {
  const { applyLut3dImage } = await import("../lut/lut3d.ts");
  const out = applyLut3dImage(img, lut, dim, mode);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
  return out;
}

/** `deno task apply` with `args` (see module doc); returns the written paths. */
export async function main(args: string[]): Promise<string[]> {
  const a = parseTaskArgs(args, SPEC);
  exclusive(a, ["experiment", "cube"], SPEC);
  exclusive(a, ["pretrained", "trained", "from"], SPEC);
  exclusive(a, ["force", "skip-existing"], SPEC);
  const exp = str(a, "experiment"), cube = str(a, "cube"), interp = interpArg(str(a, "interp"));
  const [input, output] = a.positionals;
  if ((!exp && !cube) || output === undefined) {
    throw new CliExit(
      2,
      `${exp || cube ? "give an input and an output" : "missing -e or --cube"}\n${usageText(SPEC)}`,
    );
  }
  if (cube && (a.flags.pretrained || a.flags.trained || str(a, "from") || str(a, "step"))) {
    throw new CliExit(
      2,
      `--cube applies the file as it is: no --pretrained/--trained/--from/--step\n${usageText(SPEC)}`,
    );
  }
  const skip = a.flags["skip-existing"] === true;
  const { jobs, skipped } = await planJobs(input, output, a.flags.force === true || skip)
    .then((all) => skip ? withoutExisting(all) : { jobs: all, skipped: 0 });
  const t = cube ? await cubeTransform(cube, interp) : await experimentTransform(exp!, {
    pretrained: a.flags.pretrained === true,
    trained: a.flags.trained === true,
    from: str(a, "from"),
    interp,
    convertInput: str(a, "convert-input"),
    step: parseStepChoice(str(a, "step")),
  });
  const say = (s: string) => a.flags.quiet || console.log(s);
  say(
    `apply: ${t.label}: ${jobs.length} image${jobs.length === 1 ? "" : "s"}` +
      (skipped ? ` (${skipped} skipped: output exists)` : ""),
  );
  try {
    return await applyEach(
      jobs,
      async (j) => await writeImage(j.output, await t.apply(await readImage(j.input, { channels: 3 }))),
      say,
      (s) => console.error(s),
      skipped,
    );
  } finally {
    t.dispose?.();
  }
}

if (import.meta.main) await runCli("apply", () => main(Deno.args));

/**
 * The LUT form of a photo experiment as .cube files (Adobe/Resolve 3D LUTs, layout of lib/formats/cube.ts):
 * each image's fused LUT (the CNN's weights on that image's thumbnail applied to the bank) and the static
 * form of each basis (CLUT-Net: the reconstructed basis LUT; HashLUT: the hash grid + compensation MLP
 * sampled on the 33³ lattice; identity added for residual models). Used by `deno task export` (under
 * <exp>/export/) and `deno task eval` (under <exp>/eval/<source>/).
 */
import { basename, extname, join } from "@std/path";
import { familyOf, type PhotoConfig } from "./photo_registry.ts";
import { loadPairs } from "../data/paired.ts";
import { type Image, readImage } from "../image/io.ts";
import { listImages, refuseStemCollisions } from "../image/files.ts";
import { type LutOutput, writeLut } from "./lut_export.ts";
import { type CubeFileInput, cubeTitle, writeCubeFile } from "../formats/cube.ts";
import { trainedInterpolation } from "./interpolation.ts";
import { loadNet, type PhotoNet, resolveWeightSource, trainedCheckpoint, type WeightSource } from "./nets.ts";
import type { StepChoice } from "../experiment/history.ts";
import { writeOrigin } from "../experiment/origin.ts";

/**
 * Writes one fused LUT [3,D,D,D] (lut[c][b][g][r]) of `net` as <dir>/<name>.cube (or .png/.3dl per `out`,
 * see lib/enhance/lut_export.ts), atomically; returns the path. `title` may hold any characters (quotes and
 * control characters are replaced, see cubeTitle). A .cube is written from `file` instead when given (the
 * exact form of a model that is not one 3D LUT, e.g. SepLUT's shaper file).
 */
export async function writeImageCube(
  net: PhotoNet,
  dir: string,
  name: string,
  title: string,
  lut: Float32Array,
  out: LutOutput = {},
  file?: CubeFileInput,
): Promise<string> {
  if (!file || (out.format ?? "cube") !== "cube") {
    return await writeLut(dir, name, title, lut, net.cubeSize, out);
  }
  const path = join(dir, `${name}.cube`);
  await writeCubeFile(path, { ...file, title: cubeTitle(title) });
  return path;
}

/** Writes the static form of every basis of `net` as <dir>/basis_<nn>.cube (or per `out`); returns the paths. */
export async function writeBasisCubes(
  net: PhotoNet,
  dir: string,
  title: string,
  out: LutOutput = {},
): Promise<string[]> {
  const paths: string[] = [];
  for (const [n, lut] of (await net.basisLuts()).entries()) {
    const name = `basis_${String(n).padStart(2, "0")}`;
    paths.push(await writeLut(dir, name, `${title} basis ${n}`, lut, net.cubeSize, out));
  }
  return paths;
}

/** A named RGB input image. */
export type NamedImage = { name: string; image: Image };

/** RGB images of `path`: the file itself, or every image of a folder (sorted by name; stems must differ). */
export async function readInputs(path: string): Promise<NamedImage[]> {
  const stat = await Deno.stat(path).catch((e) => {
    throw new Error(`${path}: cannot read the image(s): ${(e as Error).message}`, { cause: e });
  });
  const files = stat.isDirectory ? (await listImages(path)).map((n) => join(path, n)) : [path];
  refuseStemCollisions(path, files, ".cube");
  return await Promise.all(files.map(async (f) => ({
    name: basename(f, extname(f)),
    image: await readImage(f, { channels: 3 }),
  })));
}

/** What `exportPhoto` wrote. */
export type PhotoExport = {
  source: "trained" | "pretrained";
  outDir: string;
  cubes: string[];
  basis: string[];
};

/**
 * Exports a photo experiment's LUT form under <exp>/export/: cubes/<image>.cube per input image (`images`:
 * a file or a folder; default the experiment's test inputs) and basis/basis_<nn>.cube (.png Hald CLUTs or
 * .3dl with `output.format`), recording the interpolation the model was trained with. The network
 * (trained checkpoint or pretrained weights, `source`) and every image are loaded before anything is written.
 */
export async function exportPhoto(
  config: PhotoConfig,
  opts: {
    source?: WeightSource;
    step?: StepChoice;
    images?: string;
    quiet?: boolean;
    output?: LutOutput;
  } = {},
): Promise<PhotoExport> {
  const out: LutOutput = { interpolation: trainedInterpolation(config), ...opts.output };
  const log = (s: string) => opts.quiet || console.log(s);
  const inputs = opts.images
    ? await readInputs(opts.images)
    : (await loadPairs(config.data.root, "test", config.eval.maxImages)).map((p) => ({
      name: p.name,
      image: p.input,
    }));
  const source = await resolveWeightSource(config, opts.source);
  if (opts.step !== undefined && source !== "trained") {
    throw new Error(`${config.dir}: --step needs the trained weights`);
  }
  const step = source === "trained" ? (await trainedCheckpoint(config, opts.step)).step : undefined;
  const noCube = familyOf(config).unsupported?.cube;
  if (noCube) throw new Error(`${config.name}: no .cube export: ${noCube}`);
  const net = await loadNet(config, source, opts.step);
  const title = (t: string) => step === undefined ? t : `${t} step ${step}`;
  try {
    const outDir = join(config.dir, "export");
    const cubes: string[] = [];
    for (const [i, { name, image }] of inputs.entries()) {
      const { lut, lutFile } = await net.enhance(image);
      cubes.push(
        await writeImageCube(
          net,
          join(outDir, "cubes"),
          name,
          title(`${config.name} ${name}`),
          lut,
          out,
          lutFile,
        ),
      );
      log(`  [${i + 1}/${inputs.length}] ${cubes.at(-1)}`);
    }
    const basis = await writeBasisCubes(net, join(outDir, "basis"), title(config.name), out);
    await writeOrigin(outDir, step === undefined ? undefined : { step });
    log(
      `${config.name} [${source}]: ${cubes.length} image LUT(s) and ${basis.length} basis LUT(s) of ` +
        `${net.cubeSize}^3 written to ${outDir}/ (cubes/, basis/; ${
          out.format ?? "cube"
        }, ${out.interpolation})`,
    );
    return { source, outDir, cubes, basis };
  } finally {
    net.dispose();
  }
}

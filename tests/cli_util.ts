// Helpers of the CLI tests: small experiments in temporary folders and running a CLI as a process.
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { loadPhotoConfig } from "../lib/enhance/config.ts";
import { type Image, writeImage } from "../lib/image/io.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";

/** A smooth colour image (values in [0,1], a few exact 0 and 1), seeded by k. */
export function smooth(h: number, w: number, k: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let i = 0; i < data.length; i++) {
    data[i] = 0.5 + 0.49 * Math.sin(i * 0.013 * (k + 1) + (i % w) * 0.07 + k);
  }
  data[0] = 0, data[1] = 1;
  return { data, channels: 3, height: h, width: w };
}

export const MODELS = {
  "3dlut": `family = "3dlut"\nluts = 3\ndim = 17`,
  clutnet: `family = "clutnet"\nluts = 4\ndim = 17\ns = 3\nw = 5`,
  hashlut:
    `family = "hashlut"\nlevels = 3\nlog2_table_size = 10\nbase_resolution = 9\nmax_resolution = 33\n` +
    `backbone = "SmallBackbone"`,
};

/** A photo experiment of `family` trained for 2 steps, and a folder of 2 test images (PNG). */
export async function photoExperiment(family: keyof typeof MODELS) {
  const dir = await Deno.makeTempDir({ prefix: `cli_export_${family}` });
  await Deno.writeTextFile(
    join(dir, "config.toml"),
    `[experiment]\nname = "${family}"\ntask = "enhance"\nseed = 3\n[model]\n${MODELS[family]}\n` +
      `[data]\nroot = "unused"\n[train]\nsteps = 2\nlog_every = 1\neval_every = 2\ncheckpoint_every = 2\n` +
      `[eval]\nsave_images = false\nsave_cubes = false\n`,
  );
  const pairs = [0, 1].map((k) => {
    const input = smooth(24, 32, k);
    return { name: `p${k}`, input, target: retouchImage(input) };
  });
  const config = await loadPhotoConfig(dir);
  await trainPhoto(config, { train: pairs, test: pairs, quiet: true });
  for (const [k, [h, w]] of [[40, 56], [33, 47]].entries()) {
    await writeImage(join(dir, "images", `img${k}.png`), smooth(h, w, k + 5));
  }
  return { dir, config, images: join(dir, "images") };
}

/** Exit code and stdout + stderr of `deno run -A lib/cli/<name>.ts args`. */
export async function runCliProcess(
  name: string,
  args: string[],
): Promise<{ code: number; out: string; err: string; text: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(repoRoot, "lib", "cli", `${name}.ts`), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const out = dec.decode(o.stdout), err = dec.decode(o.stderr);
  return { code: o.code, out, err, text: out + err };
}

/** Writes two synthetic HR training images (h x w, PNG) into `<dir>/hr` (tiny SR experiments); returns the folder. */
export async function writeHrImages(dir: string, h: number, w: number): Promise<string> {
  for (let k = 0; k < 2; k++) {
    const data = new Float32Array(3 * h * w);
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.sin(i * 0.37 + k) * 0.4 + 0.5 + ((i >> 5) % 3) * 0.03;
    }
    await writeImage(join(dir, "hr", `img${k}.png`), { data, channels: 3, height: h, width: w });
  }
  return join(dir, "hr");
}

/** Runs `f` with `console[method]` captured; returns the printed lines. */
export async function captureConsole(method: "log" | "warn", f: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [], original = console[method];
  console[method] = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await f();
  } finally {
    console[method] = original;
  }
  return lines;
}

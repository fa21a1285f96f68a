// A photo family added from this file alone: it declares a family "affine" (one global 3x3 colour matrix
// and offset, its LUT form the affine map sampled on a D³ lattice, exact under trilinear interpolation) in
// lib/enhance/photo_registry.ts, and the CLI entry points train it, export its .cube files and evaluate it;
// the config reader takes its `[model]` keys from the declaration (a misspelt key is refused naming the
// allowed ones), and `deno task new` documents them.
import { assert, assertAlmostEquals, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { parse } from "@std/toml";
import { initTf, tf } from "../lib/core/backend.ts";
import type { Image } from "../lib/image/io.ts";
import { writeImage } from "../lib/image/io.ts";
import { readCube } from "../lib/formats/cube.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import type { Params } from "../lib/nn/params.ts";
import { identityLut } from "../lib/enhance/models/lut3dnet.ts";
import type { PhotoNet } from "../lib/enhance/photonet.ts";
import { intSetting, registerPhotoFamily } from "../lib/enhance/photo_registry.ts";
import { CLUT_TRAIN } from "../lib/enhance/train_defaults.ts";
import { loadPhotoConfig, parsePhotoConfig } from "../lib/enhance/config.ts";
import { modelDoc } from "../lib/enhance/family_doc.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { main as trainMain } from "../lib/cli/train.ts";
import { main as exportMain } from "../lib/cli/export.ts";
import { main as evalMain } from "../lib/cli/eval.ts";
import { smooth } from "./cli_util.ts";

declare module "../lib/enhance/photo_registry.ts" {
  interface PhotoFamilies {
    affine: { dim: number };
  }
}

/** out = M x + b per pixel: M [3,3] row-major ("affine.m"), b [3] ("affine.b"), starting at the identity. */
class AffineNet implements PhotoNet {
  readonly thumb = 32;
  readonly params: Params;
  constructor(readonly cubeSize: number) {
    this.params = new Map([
      ["affine.m", tf.variable(tf.eye(3))],
      ["affine.b", tf.variable(tf.zeros([3]))],
    ]);
  }
  forward(_thumb: tf.Tensor4D, img: tf.Tensor4D) {
    return tf.tidy(() => {
      const [n, , h, w] = img.shape;
      const x = tf.reshape(img, [n, 3, h * w]);
      const m = tf.tile(tf.expandDims(this.params.get("affine.m")!, 0), [n, 1, 1]) as tf.Tensor3D;
      const y = tf.add(tf.matMul(m, x as tf.Tensor3D), tf.reshape(this.params.get("affine.b")!, [1, 3, 1]));
      return { out: tf.reshape(y, [n, 3, h, w]) as tf.Tensor4D, weights: tf.ones([n, 1]) as tf.Tensor2D };
    });
  }
  /** The map applied to planar [3,n] values. */
  private async apply(data: Float32Array): Promise<Float32Array> {
    const m = await this.params.get("affine.m")!.data(), b = await this.params.get("affine.b")!.data();
    const n = data.length / 3, out = new Float32Array(data.length);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < n; i++) {
        out[c * n + i] = m[3 * c] * data[i] + m[3 * c + 1] * data[n + i] + m[3 * c + 2] * data[2 * n + i] +
          b[c];
      }
    }
    return out;
  }
  async enhance(img: Image) {
    const out = { ...img, data: await this.apply(img.data) };
    return { out, lut: await this.apply(identityLut(this.cubeSize)), weights: new Float32Array([1]) };
  }
  async basisLuts() {
    return [await this.apply(identityLut(this.cubeSize))];
  }
  paramCount() {
    return 12;
  }
  dispose() {
    for (const v of this.params.values()) v.dispose();
  }
}

registerPhotoFamily("affine", {
  doc: "toy: one global affine colour transform (tests/photo_toy_family.test.ts)",
  settings: { dim: intSetting(9, 2, 65, "lattice size of the exported LUTs") },
  model: (v) => ({ dim: v.num("dim") }),
  train: CLUT_TRAIN,
  build: (config) => Promise.resolve(new AffineNet(config.model.dim)),
});

await initTf();

Deno.test("a toy photo family registered from a test file: config, new's comments, train, export, eval", async () => {
  const toml = (model: string) =>
    parse(`[experiment]\ntask = "enhance"\n[model]\nfamily = "affine"\n${model}`);
  assertEquals(parsePhotoConfig(toml("dim = 5\n"), "toy.toml").model, { family: "affine", dim: 5 });
  assertEquals(parsePhotoConfig(toml(""), "toy.toml").train.losses, ["l1", "cos"]);
  assertThrows(
    () => parsePhotoConfig(toml("dimm = 5\n"), "toy.toml"),
    Error,
    "toy.toml: unknown key model.dimm",
  );
  assertThrows(
    () => parsePhotoConfig(toml("dim = 1\n"), "toy.toml"),
    Error,
    "model.dim must be an integer in [2, 65]",
  );
  assertThrows(
    () => parsePhotoConfig(toml("luts = 3\n"), "toy.toml"),
    Error,
    "unknown key model.luts (allowed: family, dim)",
  );
  assertStringIncludes(modelDoc(toml("")), "#   dim = 9");
  const dir = await Deno.makeTempDir({ prefix: "photo_toy_family" });
  try {
    for (let k = 0; k < 3; k++) {
      const input = smooth(32, 40, k);
      await writeImage(join(dir, "data", "input", `p${k}.png`), input);
      await writeImage(join(dir, "data", "target", `p${k}.png`), retouchImage(input));
    }
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "toy"\nseed = 2\n[model]\nfamily = "affine"\ndim = 5\n` +
        `[data]\nroot = "${join(dir, "data")}"\n` +
        `[train]\nsteps = 30\nlr = 0.01\naugment = "none"\njitter = false\nlog_every = 10\neval_every = 30\n` +
        `checkpoint_every = 30\n[eval]\nsave_images = false\n`,
    );
    await trainMain(["-e", dir, "--quiet"]);
    const log = (await Deno.readTextFile(join(dir, "train", "log.jsonl"))).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(log.at(-1).step, 30);
    await exportMain(["-e", dir, "--quiet"]);
    const cubes = [...Deno.readDirSync(join(dir, "export", "cubes"))].map((e) => e.name).sort();
    assertEquals(cubes, ["p0.cube", "p1.cube", "p2.cube"]);
    const cube = await readCube(join(dir, "export", "cubes", "p0.cube"));
    assertEquals(cube.size, 5);
    const net = await loadNet(await loadPhotoConfig(dir), "trained");
    const m = await net.params.get("affine.m")!.data(), b = await net.params.get("affine.b")!.data();
    net.dispose();
    assert(Math.abs(m[0] - 1) + Math.abs(b[0]) > 1e-3, "training moved the transform off the identity");
    for (let i = 0; i < 125; i++) { // lut[c][b][g][r]
      const rgb = [i % 5, Math.floor(i / 5) % 5, Math.floor(i / 25)].map((v) => v / 4);
      for (let c = 0; c < 3; c++) {
        const want = m[3 * c] * rgb[0] + m[3 * c + 1] * rgb[1] + m[3 * c + 2] * rgb[2] + b[c];
        assertAlmostEquals(cube.lut[c * 125 + i], want, 1e-4, `entry ${i} channel ${c}`);
      }
    }
    await evalMain(["-e", dir, "--quiet"]);
    const summary = JSON.parse(await Deno.readTextFile(join(dir, "eval", "trained", "summary.json")));
    assertEquals(summary.images, 3);
    assert(
      summary.mean.psnr > summary.input.psnr + 1,
      `PSNR ${summary.mean.psnr} vs input ${summary.input.psnr}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { reconstructLutsRef } from "../lib/enhance/models/clut.ts";
import { pcaCompress, symmetricEigen, unfoldingSingularValues } from "../lib/enhance/models/pca.ts";
import { LutNet } from "../lib/enhance/models/lut3dnet.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { loadPhotoConfig, parsePhotoConfig } from "../lib/enhance/config.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { Rng } from "../lib/core/rng.ts";

Deno.test("symmetricEigen: A v = lambda v, values descending", () => {
  const rng = new Rng(1), n = 6;
  const b = rng.fill(n * n, (r) => r.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
  }
  const { values, vectors } = symmetricEigen(a, n);
  for (let e = 0; e < n; e++) {
    if (e > 0) assert(values[e] <= values[e - 1] + 1e-9);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + e];
      assertAlmostEquals(av, values[e] * vectors[i * n + e], 1e-6);
    }
  }
});

Deno.test("pcaCompress recovers a bank that has the CLUT form exactly, and error falls with W", () => {
  const rng = new Rng(2);
  const shape = { luts: 2, dim: 6, s: 3, w: 4 };
  const ms = rng.fill(6 * 3, (r) => r.normal()), mw = rng.fill(4 * 36, (r) => r.normal());
  const c = rng.fill(3 * 2 * 3 * 4, (r) => r.normal());
  const bank = reconstructLutsRef(ms, mw, c, shape);
  const f = pcaCompress(bank, shape);
  const back = reconstructLutsRef(f.ms, f.mw, f.c, shape);
  for (let i = 0; i < bank.length; i++) assertAlmostEquals(back[i], bank[i], 1e-3);
  // a generic bank: reconstruction error decreases as W grows
  const noisy = rng.fill(bank.length, (r) => r.normal());
  let prev = Infinity;
  for (const w of [2, 8, 20, 36]) {
    const g = pcaCompress(noisy, { ...shape, s: 6, w });
    const rec = reconstructLutsRef(g.ms, g.mw, g.c, { ...shape, s: 6, w });
    let err = 0;
    for (let i = 0; i < noisy.length; i++) err += (rec[i] - noisy[i]) ** 2;
    assert(err < prev + 1e-6, `W=${w}: error ${err} did not decrease from ${prev}`);
    prev = err;
  }
  assert(prev < 1e-6, `full rank W = D^2, S = D must be exact, error ${prev}`);
});

Deno.test("unfoldingSingularValues: a LUT separable along its own axis has rank 1 there", () => {
  const d = 5, lut = new Float32Array(3 * d ** 3);
  // channel 0 = f(r) * g(g, b): the own-axis (r) unfolding has rank 1; the g-axis unfolding rank 2
  for (let b = 0; b < d; b++) {
    for (let g = 0; g < d; g++) {
      for (let r = 0; r < d; r++) lut[(b * d + g) * d + r] = (1 + r) * (1 + g * g + b) + 0;
    }
  }
  const own = unfoldingSingularValues(lut, d, 0, 0);
  assertEquals(own.length, d);
  assert(own[0] > 1 && own.slice(1).every((s) => s < 1e-6 * own[0]), `${own}`);
  const other = unfoldingSingularValues(lut, d, 0, 1);
  assert(other[1] > 1e-3 * other[0], `${other}`);
  // singular values squared sum to the squared Frobenius norm of the channel
  const fro = lut.subarray(0, d ** 3).reduce((a, v) => a + v * v, 0);
  assertAlmostEquals(own.reduce((a, s) => a + s * s, 0), fro, fro * 1e-9);
});

/** Random RGB pairs [3,h,w] with the reference retouch as targets. */
function retouchPairs(n: number, h: number, w: number) {
  const rng = new Rng(4);
  return Array.from({ length: n }, (_, i) => {
    const input = { data: rng.fill(3 * h * w, (r) => r.next()), channels: 3, height: h, width: w };
    return { name: `p${i}`, input, target: retouchImage(input) };
  });
}

const ONE_STEP = "[train]\nsteps = 1\nlr = 1e-3\nlog_every = 1\neval_every = 1\ncheckpoint_every = 1\n" +
  'augment = "none"\n[eval]\nsave_images = false\nsave_cubes = false\n';

Deno.test("BL-B keeps its source's SmallBackbone: trains a step, reloads, and refuses model.backbone", async () => {
  const dir = await Deno.makeTempDir(), data = retouchPairs(2, 24, 32), src = join(dir, "src");
  await Deno.mkdir(src);
  await Deno.writeTextFile(
    join(src, "config.toml"),
    `[model]\nfamily = "3dlut"\nluts = 2\ndim = 5\nbackbone = "SmallBackbone"\n[data]\nroot = "unused"\n${ONE_STEP}`,
  );
  const opts = { train: data, test: data.slice(0, 1), quiet: true };
  assertEquals((await trainPhoto(await loadPhotoConfig(src), opts)).step, 1);
  await Deno.mkdir(join(dir, "pca"));
  const file = join(dir, "pca", "config.toml");
  await Deno.writeTextFile(
    file,
    `[model]\nfamily = "pca"\nsource = "${src}"\ns = 2\nw = 3\n[data]\nroot = "unused"\n${ONE_STEP}`,
  );
  const pca = await loadPhotoConfig(file);
  assertEquals((await trainPhoto(pca, opts)).step, 1);
  const net = await loadNet(pca, "trained");
  if (!(net instanceof LutNet)) throw new Error("BL-B must load as a LutNet");
  assertEquals(net.spec.backbone, "SmallBackbone");
  assertEquals([net.spec.luts, net.spec.dim], [2, 5]);
  assertEquals((await net.enhance(data[0].input)).out.width, 32);
  net.dispose();
  assertThrows(
    () => parsePhotoConfig({ model: { family: "pca", source: src, backbone: "SmallBackbone" } }, file),
    Error,
    `${file}: model.backbone is not a setting of family "pca": BL-B keeps its source 3DLUT's CNN`,
  );
  await Deno.remove(dir, { recursive: true });
});

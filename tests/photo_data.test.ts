/** Paired data checks and the eval pipeline: bad input gives clear errors and writes nothing. */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import sharp from "sharp";
import { initTf } from "../lib/core/backend.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { loadPairs } from "../lib/data/paired.ts";
import { retouchImage, retouchLut, retouchPixel } from "../lib/data/retouch.ts";
import { type Image, writeImage } from "../lib/image/io.ts";
import { applyLut3dImage } from "../lib/lut/lut3d.ts";
import { psnr } from "../lib/image/metrics.ts";
import { evalPhoto } from "../lib/enhance/evaluate.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { Rng } from "../lib/core/rng.ts";

await initTf();
const rng = new Rng(9);
const rgb = (h: number, w: number): Image => ({
  data: rng.fill(3 * h * w, (r) => r.next()),
  channels: 3,
  height: h,
  width: w,
});

const made: string[] = [];
async function dataset(files: Record<string, Image | Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir();
  made.push(root);
  for (const [path, img] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    if (img instanceof Uint8Array) await Deno.writeFile(join(root, path), img);
    else await writeImage(join(root, path), img);
  }
  return root;
}

Deno.test("the reference retouch is a monotone-ish global grade a 33^3 LUT represents (> 40 dB)", () => {
  const img = rgb(32, 32), lut = retouchLut(33);
  const viaLut = applyLut3dImage(img, lut, 33, "trilinear");
  assert(psnr(viaLut, retouchImage(img)) > 40);
  const [r0] = retouchPixel(0.2, 0.5, 0.5), [r1] = retouchPixel(0.6, 0.5, 0.5);
  assert(r1 > r0);
});

Deno.test("paired data: layouts, and clear errors for bad folders and images", async () => {
  const ok = await dataset({ "input/a.png": rgb(8, 8), "target/a.jpg": rgb(8, 8) });
  assertEquals((await loadPairs(ok, "train")).map((p) => p.name), ["a"]);
  const split = await dataset({ "input_test/b.png": rgb(8, 8), "target_test/b.png": rgb(8, 8) });
  assertEquals((await loadPairs(split, "test")).length, 1);
  await assertRejects(
    () => loadPairs(split, "train"),
    Error,
    "expected input_train/ + target_train/ or input/ + target/",
  );
  const names = await dataset({ "input/a.png": rgb(8, 8), "target/b.png": rgb(8, 8) });
  await assertRejects(() => loadPairs(names, "test"), Error, "no target for: a; no input for: b");
  const sizes = await dataset({ "input/a.png": rgb(8, 8), "target/a.png": rgb(8, 9) });
  await assertRejects(() => loadPairs(sizes, "test"), Error, `pair "a": input`);
  const empty = await dataset({
    "input/readme.txt": new TextEncoder().encode("x"),
    "target/a.png": rgb(8, 8),
  });
  await assertRejects(() => loadPairs(empty, "test"), Error, "no images");
  const gray = await dataset({
    "input/a.png": { data: new Float32Array(64).fill(0.5), channels: 1, height: 8, width: 8 },
    "target/a.png": rgb(8, 8),
  });
  await assertRejects(() => loadPairs(gray, "test"), Error, "grayscale image");
  const rgba = new Uint8Array(8 * 8 * 4).fill(255);
  rgba[3] = 0;
  const png = new Uint8Array(
    await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer(),
  );
  const alpha = await dataset({ "input/a.png": png, "target/a.png": rgb(8, 8) });
  await assertRejects(() => loadPairs(alpha, "test"), Error, "transparent pixels");
  rgba[3] = 255;
  const opaque = new Uint8Array(
    await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer(),
  );
  const fine = await dataset({ "input/a.png": opaque, "target/a.png": rgb(8, 8) });
  assertEquals((await loadPairs(fine, "test"))[0].input.channels, 3);
});

Deno.test("eval writes PNGs, .cube files and a CSV; bad data writes nothing", async () => {
  const root = await dataset({
    "input/a.png": rgb(24, 32),
    "target/a.png": rgb(24, 32),
    "input/b.png": rgb(24, 32),
    "target/b.png": rgb(24, 32),
  });
  const exp = await Deno.makeTempDir();
  made.push(exp);
  const raw = { model: { family: "3dlut", dim: 9 }, data: { root }, train: { steps: 1, eval_every: 1 } };
  const config = parsePhotoConfig(raw, join(exp, "config.toml"));
  await trainPhoto(config, { quiet: true });
  const res = await evalPhoto(config, { quiet: true });
  assertEquals(res.rows.map((r) => r.name), ["a", "b"]);
  for (const f of ["images/a.png", "cubes/b.cube", "basis/basis_02.cube", "scores.csv", "summary.json"]) {
    await Deno.stat(join(exp, "eval", "trained", f));
  }
  const csv = (await Deno.readTextFile(join(exp, "eval", "trained", "scores.csv"))).trim().split("\n");
  assertEquals(csv[0], "name,psnr,ssim,delta_e,input_psnr");
  assertEquals(csv.length, 3);
  const before = await Deno.readTextFile(join(exp, "eval", "trained", "scores.csv"));
  await Deno.remove(join(root, "target", "b.png"));
  await assertRejects(() => evalPhoto(config, { quiet: true }), Error, "no target for: b");
  assertEquals(await Deno.readTextFile(join(exp, "eval", "trained", "scores.csv")), before);
  const other = parsePhotoConfig(
    { ...raw, model: { family: "clutnet", luts: 2, dim: 9, s: 2, w: 3 } },
    join(exp, "config.toml"),
  );
  await assertRejects(() => evalPhoto(other, { quiet: true }), Error, "checkpoint of a different model");
});

Deno.test("remove the temporary datasets", async () => {
  for (const d of made.splice(0)) await Deno.remove(d, { recursive: true });
});

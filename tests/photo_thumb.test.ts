/**
 * model.thumb (side of the CNN's thumbnail): training feeds the weight predictor thumbnails of the
 * configured size, the same size eval and apply use, and a checkpoint keeps it; families whose CNN needs
 * 256x256 refuse the key naming the file; the pretrained checkpoints keep loading at their 256x256.
 */
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { loadPhotoConfig, parsePhotoConfig, type PhotoConfig } from "../lib/enhance/config.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { resizeBilinear } from "../lib/image/resize.ts";
import { trainPhoto, trainStep } from "../lib/enhance/photo_train.ts";
import { buildNet, loadNet, loadPretrained } from "../lib/enhance/nets.ts";
import { Adam } from "../lib/experiment/adam.ts";
import { Rng } from "../lib/core/rng.ts";
import { sharedPath } from "../lib/core/shared.ts";
import type { Pair } from "../lib/data/paired.ts";

await initTf();

const F = "experiments/x/config.toml";

function pairs(n: number, h: number, w: number): Pair[] {
  const rng = new Rng(4);
  return Array.from({ length: n }, (_, i) => {
    const input = { data: rng.fill(3 * h * w, (r) => r.next()), channels: 3, height: h, width: w };
    return { name: `p${i}`, input, target: retouchImage(input) };
  });
}

function config(dir: string, thumb: number): PhotoConfig {
  return parsePhotoConfig({
    experiment: { task: "enhance", seed: 2 },
    model: { family: "clutnet", luts: 4, dim: 9, s: 3, w: 4, thumb },
    data: { root: "unused" },
    train: { steps: 2, lr: 1e-3, log_every: 1, eval_every: 2, checkpoint_every: 2, augment: "none" },
    eval: { save_images: false, save_cubes: false },
  }, join(dir, "config.toml"));
}

Deno.test("a training step feeds the CNN the model.thumb-sized bilinear thumbnail (as eval and apply)", async () => {
  const dir = await Deno.makeTempDir(), [p] = pairs(1, 40, 56);
  const net = await buildNet(config(dir, 64));
  const seen: { shape: number[]; data: Float32Array }[] = [];
  const forward = net.forward.bind(net);
  net.forward = (thumb, img, training, rng, withBank) => {
    seen.push({ shape: thumb.shape, data: thumb.dataSync() as Float32Array });
    return forward(thumb, img, training, rng, withBank);
  };
  await trainStep(
    net,
    new Adam(net.params, { lr: 1e-3, beta1: 0.9, beta2: 0.999 }),
    [p],
    config(dir, 64),
    new Rng(1),
  );
  assertEquals(net.thumb, 64);
  assertEquals(seen[0].shape, [1, 3, 64, 64]);
  assertEquals(seen[0].data, resizeBilinear(p.input, 64, 64).data);
  net.dispose();
});

Deno.test("training with model.thumb = 64 runs, and its checkpoint loads only with thumb = 64", async () => {
  const dir = await Deno.makeTempDir(), data = pairs(2, 40, 56);
  const r = await trainPhoto(config(dir, 64), { train: data, test: data.slice(0, 1), quiet: true });
  assertEquals(r.step, 2);
  const net = await loadNet(config(dir, 64), "trained");
  assertEquals(net.thumb, 64);
  assertEquals((await net.enhance(data[0].input)).out.height, 40);
  net.dispose();
  await assertRejects(() => loadNet(config(dir, 256), "trained"));
});

Deno.test("model.thumb is refused where the CNN needs 256x256, naming the file and the key", () => {
  const bad = (model: Record<string, unknown>, msg: string) =>
    assertThrows(() => parsePhotoConfig({ model }, F), Error, `${F}: ${msg}`);
  bad({ family: "hashlut", thumb: 128 }, `model.thumb is not a setting of family "hashlut"`);
  bad(
    { family: "pca", source: "experiments/3dlut", thumb: 128 },
    `model.thumb is not a setting of family "pca"`,
  );
  bad({ family: "3dlut", thumb: 128 }, `model.thumb must be 256 for family "3dlut"`);
  bad({ family: "clutnet", thumb: 100 }, `model.thumb must be a multiple of 32`);
});

const preset = sharedPath("pretrained", "clutnet_hashlut", "FiveK", "CLUTNet_20+05+10", "model0310.pth");

Deno.test({
  name: "the pretrained CLUT-Net loads at its 256x256; another model.thumb is refused by name",
  ignore: !preset,
  async fn() {
    const c = await loadPhotoConfig("experiments/clutnet-20+05+10");
    const net = await loadPretrained(c);
    assertEquals(net.thumb, 256);
    net.dispose();
    if (c.model.family !== "clutnet") throw new Error("preset is not a clutnet");
    const other = { ...c, model: { ...c.model, spec: { ...c.model.spec, thumb: 128 } } };
    await assertRejects(
      () => loadPretrained(other),
      Error,
      "model.thumb = 128, but the pretrained weights were trained on 256x256 thumbnails",
    );
  },
});

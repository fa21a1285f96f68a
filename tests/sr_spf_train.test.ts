// SPF-LUT training on an embedded photo (small: nf 8, x2): network training lowers the loss, the exported
// tables fine-tune through the LUT kernels, and DFC (xyzt, diagonal width 2, si 5..7) of the spatial tables
// gives a storage cut (the channel LUT kept whole) and a measured PSNR change.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { loadEmbedded } from "../lib/data/embedded.ts";
import { imresize } from "../lib/image/resize.ts";
import { psnr } from "../lib/image/metrics.ts";
import { DEFAULT_FIT } from "../lib/sr/config.ts";
import { makePairs } from "../lib/sr/core/data.ts";
import { modcrop } from "../lib/sr/core/degrade.ts";
import { exportDfc } from "../lib/sr/core/dfc_export.ts";
import { exportModel } from "../lib/sr/core/enumerate.ts";
import { superResolve } from "../lib/sr/core/super_resolve.ts";
import { buildSrModel, DEFAULT_MODEL } from "../lib/sr/models/models.ts";
import { compressModel, storageBytes } from "../lib/sr/storage.ts";
import { fitSr } from "../lib/sr/sr_train.ts";

async function logLosses(dir: string): Promise<number[]> {
  const text = await Deno.readTextFile(join(dir, "log.jsonl"));
  return text.trim().split("\n").map((l) => JSON.parse(l).loss);
}

Deno.test("SPF-LUT: training lowers the loss, LUT fine-tuning trains the tables, DFC cuts storage", async (t) => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const hr = modcrop(imresize(await loadEmbedded("nagasaki-boats"), { height: 72, width: 96 }), 2);
  const pairs = await makePairs([hr], deg);
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "spf", width: 8, interval: 4, upscale: 2 }, 1);
  const dir = await Deno.makeTempDir({ prefix: "sr_spf_train" });
  const fit = { ...DEFAULT_FIT, crop: 12, batch: 4, lr: 3e-3, logEvery: 10, checkpointEvery: 1000 };
  try {
    await t.step("network training lowers the loss", async () => {
      await fitSr(model, deg, { ...fit, iterations: 60 }, { dir: join(dir, "net"), quiet: true, pairs });
      const losses = await logLosses(join(dir, "net"));
      assert(losses.at(-1)! < 0.7 * losses[0], `loss ${losses.map((l) => l.toExponential(2)).join(" → ")}`);
    });
    const lr = pairs[0].input;
    const score = async () => psnr(hr, await superResolve(model, lr), { y: true, shave: 2 });
    await t.step("exported tables fine-tune through the LUT kernels", async () => {
      await exportModel(model, join(dir, "luts"), { int8: false });
      model.setForm("lut");
      const before = await score();
      await fitSr(model, deg, { ...fit, iterations: 20, lr: 1e-1, logEvery: 5 }, {
        dir: join(dir, "ft"),
        quiet: true,
        pairs,
      });
      const losses = await logLosses(join(dir, "ft"));
      assert(
        losses.at(-1)! < losses[0],
        `fine-tune loss ${losses.map((l) => l.toExponential(2)).join(" → ")}`,
      );
      console.log(
        `LUT form PSNR on the training photo: ${before.toFixed(2)} → ${(await score()).toFixed(2)} dB`,
      );
    });
    await t.step("DFC of the spatial tables: storage cut, channel LUT whole, PSNR change", async () => {
      const full = storageBytes(model), base = await score();
      assertEquals(full, 17 ** 4 * (9 * 2 + 3 * 1 + 4 + 12 * 4) * 4); // float32 tables, K = 2, 1, 4, r² = 4
      const channel = model.modules().find((m) => m.spec.compressible === false)!;
      await assertRejects(() => channel.compress({ diagonalWidth: 2, samplingInterval: 5 }), Error, "whole");
      let prev = full, si5 = 0;
      for (const si of [5, 6, 7]) {
        await compressModel(model, { diagonalWidth: 2, samplingInterval: si });
        const bytes = storageBytes(model), p = await score();
        assertEquals(channel.dfc, undefined);
        assert(bytes < prev, `si=${si}: ${bytes} bytes`);
        assert(Number.isFinite(p) && Math.abs(p - base) < 3, `si=${si}: ${p} dB vs ${base}`);
        console.log(
          `DFC dw=2 si=${si}: ${(full / 1024).toFixed(0)} → ${(bytes / 1024).toFixed(0)} KB (${
            (100 * (1 - bytes / full)).toFixed(1)
          }% cut), PSNR ${base.toFixed(2)} → ${p.toFixed(2)} dB`,
        );
        prev = bytes;
        if (si === 5) si5 = bytes;
      }
      await compressModel(model, undefined);
      assertEquals(storageBytes(model), full);
      assertEquals(await score(), base);
      const exp = await exportDfc(model, join(dir, "dfc"), { diagonalWidth: 2, samplingInterval: 5 });
      assertEquals([exp.fullBytes, exp.dfcBytes, exp.paths.length], [full, si5, 48]);
      const manifest = JSON.parse(await Deno.readTextFile(exp.manifest));
      assertEquals(manifest.kept_whole.map((k: { file: string }) => k.file), [
        "LUT_x2_4bit_float32_s5_channel.npy",
      ]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

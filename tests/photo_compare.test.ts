/**
 * The photo LUT comparison (lib/bench/photo_compare.ts, notebooks/data/photo_compare.json, README and
 * notebook 07): the committed record holds every method, each published number has its source and FiveK
 * setting, and three methods (one per kind of .cube form: a fused 3D LUT, SepLUT's shaper, none) measured
 * afresh on the 12 FiveK pairs equal the record; HashLUT's full-resolution network on a 4K frame (enhanced
 * in bands) agrees with its own LUT form.
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { loadPhotoConfig } from "../lib/enhance/config.ts";
import { loadPretrained } from "../lib/enhance/nets.ts";
import { applyLut3dImage } from "../lib/lut/lut3d.ts";
import { expertPairs } from "../lib/bench/adaptive_published.ts";
import {
  COMPARISON_JSON,
  comparisonMarkdown,
  measureMethod,
  METHODS,
  type PhotoComparison,
} from "../lib/bench/photo_compare.ts";

const record: PhotoComparison = JSON.parse(await Deno.readTextFile(COMPARISON_JSON));

Deno.test("photo_compare.json: every method once, published numbers with source and setting, table rows", () => {
  assertEquals(record.methods.map((m) => m.preset), METHODS.map((m) => m.preset));
  // the record's published numbers are METHODS' (deno run -A lib/bench/photo_compare.ts --published)
  assertEquals(record.methods.map((m) => m.published), METHODS.map((m) => m.published));
  for (const m of record.methods) {
    assert(m.published.source.length > 20, `${m.preset}: no source`);
    if (m.published.psnr !== null) assert(m.published.setting, `${m.preset}: published PSNR without setting`);
    assert(m.enhance4kMs !== null && m.enhance4kMs > 0, `${m.preset}: no 4K time`);
  }
  assert(record.loadAverage, "timings without the load average");
  const lines = comparisonMarkdown(record).split("\n");
  assertEquals(lines.length, 3 + METHODS.length); // header, rule, input, one per method
  // 9 columns: 10 pipes per row (a "|" inside a cell would split it)
  assert(lines.every((l) => l.split("|").length === 11), "every row has 9 columns");
});

Deno.test({
  name: "photo_compare.json = a fresh measurement (3DLUT, SepLUT M6#3D9#1D9, LUTwithBGrid)",
  ignore: !sharedPath("pretrained") || !sharedPath("FiveK", "dpe_expertC_pairs"),
  async fn() {
    await initTf();
    const pairs = await expertPairs();
    for (const preset of ["3dlut", "seplut-m6-9", "lutbgrid-fivek"]) {
      const now = await measureMethod(METHODS.find((m) => m.preset === preset)!, pairs, false);
      const rec = record.methods.find((m) => m.preset === preset)!;
      assertEquals([now.params, now.storageBytes], [rec.params, rec.storageBytes], preset);
      // the record rounds nothing; the native trunk (LUTLAB_PHOTO_NATIVE) and tf.conv2d sum in different
      // orders, which moves a score by ~2e-6 (dB): 1e-4 still catches any change in what is computed
      for (const k of ["psnr", "ssim", "deltaE"] as const) {
        assertAlmostEquals(now.scores[k], rec.scores[k], 1e-4, `${preset} ${k}`);
      }
      assertEquals(now.cube === null, rec.cube === null, `${preset}: .cube form`);
      if (now.cube && rec.cube) assertAlmostEquals(now.cube.maxAbs, rec.cube.maxAbs, 1e-6, preset);
      // every released model lifts PSNR well above the input's own 18.33 dB
      assert(now.scores.psnr > record.input.psnr + 6, `${preset}: ${now.scores.psnr}`);
    }
  },
});

Deno.test({
  name: "HashLUT enhance of a 4K frame (in bands) = its own 33³ LUT form, not XNNPACK's out-of-memory zeros",
  ignore: !sharedPath("pretrained"),
  async fn() {
    await initTf();
    const net = await loadPretrained(await loadPhotoConfig(join(repoRoot, "experiments", "hashlut-7+13")));
    try {
      const w = 3840, h = 2160, data = new Float32Array(3 * w * h);
      for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.45 * Math.sin(i * 0.0007 + (i % w) * 0.003);
      const img = { data, channels: 3, height: h, width: w };
      const r = await net.enhance(img);
      const viaLut = applyLut3dImage(img, r.lut, 33, "trilinear");
      let sum = 0;
      for (let i = 0; i < data.length; i++) {
        sum += Math.abs(Math.min(1, Math.max(0, viaLut.data[i])) - r.out.data[i]);
      }
      // measured 0.0058 (the whole frame at once gave 0.67: zeros)
      assert(sum / data.length < 0.02, `HashLUT 4K vs its LUT form: mean |Δ| ${sum / data.length}`);
    } finally {
      net.dispose();
    }
  },
});

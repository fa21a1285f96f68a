/**
 * The released unpaired models of Image-Adaptive 3DLUT (Classifier_unpaired + LUTs_unpaired.pth) and the
 * XYZ-input models on the 12 shared FiveK expert-C pairs, beside the paired sRGB model: every checkpoint
 * loads key-for-key; the sRGB unpaired model raises PSNR above the input's; XYZ models refuse sRGB images
 * unless converted on purpose. Prints PSNR / SSIM / ΔE for the README.
 */
import { assert, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { loadPhotoConfig } from "../lib/enhance/config.ts";
import { loadPairs } from "../lib/data/paired.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { forSrgbImages } from "../lib/enhance/input_space.ts";
import { scoreNet } from "../lib/enhance/evaluate.ts";
import { evalPhoto } from "../lib/enhance/evaluate.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { importPretrained } from "../lib/enhance/models/import.ts";

const pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const P = sharedPath("pretrained");
const ignore = !pairs || !P;

Deno.test({
  name: "released unpaired and XYZ 3DLUT models on the FiveK expert-C pairs (paired sRGB beside them)",
  ignore,
  async fn() {
    await initTf();
    const data = await loadPairs(pairs!, "test");
    assert(data.length === 12, `expected 12 pairs, found ${data.length}`);
    const lines: string[] = [];
    const scores = new Map<string, number>();
    let input = 0;
    for (
      const [exp, convert] of [
        ["3dlut", undefined],
        ["3dlut-unpaired", undefined],
        ["3dlut-xyz", "xyz"],
        ["3dlut-unpaired-xyz", "xyz"],
      ] as const
    ) {
      const config = await loadPhotoConfig(join("experiments", exp));
      const net = await loadNet(config, "pretrained");
      const r = await scoreNet(forSrgbImages(config, net, convert), data);
      input = r.input.psnr;
      if (!lines.length) {
        lines.push(
          `input (identity)                 PSNR ${r.input.psnr.toFixed(2)}  SSIM ${
            r.input.ssim.toFixed(4)
          }  ΔE ${r.input.deltaE.toFixed(2)}`,
        );
      }
      scores.set(exp, r.mean.psnr);
      lines.push(
        `${(exp + (convert ? " (sRGB->XYZ)" : "")).padEnd(33)}PSNR ${r.mean.psnr.toFixed(2)}  SSIM ${
          r.mean.ssim.toFixed(4)
        }  ΔE ${r.mean.deltaE.toFixed(2)}`,
      );
      net.dispose();
    }
    console.log(
      `FiveK expert-C, 12 DPE pairs (512 px), pretrained Image-Adaptive 3DLUT:\n${lines.join("\n")}`,
    );
    assert(
      scores.get("3dlut-unpaired")! > input + 2,
      `unpaired sRGB ${scores.get("3dlut-unpaired")} vs input ${input}`,
    );
    assert(scores.get("3dlut")! > scores.get("3dlut-unpaired")!, "paired above unpaired (as in the paper)");
  },
});

Deno.test({
  name: "an XYZ model refuses sRGB images unless --convert-input xyz; XYZ weights need input_space = xyz",
  ignore,
  async fn() {
    await initTf();
    const config = await loadPhotoConfig(join("experiments", "3dlut-unpaired-xyz"));
    const net = await loadNet(config, "pretrained");
    assertThrows(() => forSrgbImages(config, net), Error, "expects CIE XYZ input");
    assertThrows(() => forSrgbImages(config, net, "lab"), Error, "--convert-input must be one of xyz");
    const srgb = await loadPhotoConfig(join("experiments", "3dlut-unpaired"));
    assertThrows(() => forSrgbImages(srgb, net, "xyz"), Error, "takes sRGB input");
    net.dispose();
    const data = await loadPairs(pairs!, "test", 1);
    await assertRejects(
      () => evalPhoto(config, { source: "pretrained", pairs: data, quiet: true }),
      Error,
      "--convert-input xyz",
    );
    const wrong = parsePhotoConfig({
      model: { family: "3dlut", backbone: "Unpaired" },
      pretrained: { weights: config.pretrained },
    }, join(await Deno.makeTempDir(), "config.toml"));
    await assertRejects(() => loadNet(wrong, "pretrained"), Error, `set model.input_space = "xyz"`);
    // the unpaired classifier is its own architecture: importing it as the paired one's fails by key
    const cls = join(P!, "image_adaptive_3dlut/sRGB/classifier_unpaired.pth");
    const net2 = await importPretrained([join(P!, "image_adaptive_3dlut/sRGB/LUTs_unpaired.pth"), cls]);
    assert(net2.spec.backbone === "Unpaired" && net2.paramCount() > 0);
    net2.dispose();
  },
});

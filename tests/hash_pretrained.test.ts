// Pretrained HashLUT checkpoints (Xian-Bei/CLUT, FiveK) on the 12 FiveK expert-C pairs: every key
// imported, parameter counts, and each model must raise PSNR well above the input's own PSNR.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initTf } from "../lib/core/backend.ts";
import { applyLut3dImage } from "../lib/lut/lut3d.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { readPth } from "../lib/formats/pth.ts";
import { readImage } from "../lib/image/io.ts";
import { deltaE76, psnr, ssim } from "../lib/image/metrics.ts";
import { importHashLut } from "../lib/enhance/models/import.ts";

const pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const models = [
  { name: "HashLUT 7+13", file: ["HashLUT_7+13", "model0299.pth"], params: 347271 },
  { name: "HashLUT 6+13 Small", file: ["HashLUT_6+13_SmallBackbone", "model0367.pth"], params: 135478 },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test({
  name: "pretrained HashLUTs on the FiveK expert-C pairs: PSNR well above the input's",
  ignore: !pairs || !sharedPath("pretrained", "clutnet_hashlut", "FiveK", "HashLUT_7+13", "model0299.pth"),
  fn: async () => {
    await initTf();
    const names = [...Deno.readDirSync(`${pairs}/input`)].map((e) => e.name).filter((n) => n.endsWith(".png"))
      .sort();
    assertEquals(names.length, 12);
    const inputs = await Promise.all(names.map((n) => readImage(`${pairs}/input/${n}`, { channels: 3 })));
    const targets = await Promise.all(names.map((n) => readImage(`${pairs}/target/${n}`, { channels: 3 })));
    const inPsnr = mean(inputs.map((x, i) => psnr(x, targets[i])));
    const inSsim = mean(inputs.map((x, i) => ssim(x, targets[i])));
    const inDe = mean(inputs.map((x, i) => deltaE76(x, targets[i])));
    console.log(
      `input               PSNR ${inPsnr.toFixed(2)} dB  SSIM ${inSsim.toFixed(4)}  dE76 ${inDe.toFixed(2)}`,
    );
    for (const m of models) {
      const path = sharedPath("pretrained", "clutnet_hashlut", "FiveK", ...m.file)!;
      const model = importHashLut(await readPth(path), path);
      assertEquals(model.paramCount(), m.params);
      const results = await Promise.all(inputs.map((x) => model.enhance(x)));
      const outs = results.map((r) => r.out);
      const p = mean(outs.map((o, i) => psnr(o, targets[i])));
      const s = mean(outs.map((o, i) => ssim(o, targets[i])));
      const e = mean(outs.map((o, i) => deltaE76(o, targets[i])));
      console.log(`${m.name.padEnd(19)} PSNR ${p.toFixed(2)} dB  SSIM ${s.toFixed(4)}  dE76 ${e.toFixed(2)}`);
      assert(p > inPsnr + 5, `${m.name}: PSNR ${p} not well above input ${inPsnr}`);
      // The exported LUT form (33^3, trilinear) reproduces the network on the first image.
      const lut = results[0].lut;
      const viaLut = psnr(applyLut3dImage(inputs[0], lut, 33, "trilinear"), outs[0]);
      console.log(
        `${m.name.padEnd(19)} exported 33^3 LUT vs network on ${names[0]}: PSNR ${viaLut.toFixed(2)} dB`,
      );
      assert(viaLut > 35, `${m.name}: exported LUT deviates from the network (${viaLut} dB)`);
      model.dispose();
    }
  },
});

Deno.test({
  name: "HashLUT import rejects a state dict with a missing, extra or misshapen key",
  ignore: !sharedPath(
    "pretrained",
    "clutnet_hashlut",
    "FiveK",
    "HashLUT_6+13_SmallBackbone",
    "model0367.pth",
  ),
  fn: async () => {
    await initTf();
    const path = sharedPath(
      "pretrained",
      "clutnet_hashlut",
      "FiveK",
      "HashLUT_6+13_SmallBackbone",
      "model0367.pth",
    )!;
    const state = await readPth(path);
    const extra = new Map(state).set("expert.9.weight", {
      dtype: "float32",
      shape: [1],
      data: new Float32Array(1),
    });
    assertThrows(() => importHashLut(extra, "extra"), Error, "unused checkpoint tensors: expert.9.weight");
    const missing = new Map(state);
    missing.delete("expert.0.model.0.bias");
    assertThrows(() => importHashLut(missing, "missing"), Error, "missing key expert.0.model.0.bias");
    const bad = new Map(state).set("expert.0.model.3.weight", {
      dtype: "float32",
      shape: [16, 8, 1, 9],
      data: new Float32Array(16 * 72),
    });
    assertThrows(() => importHashLut(bad, "bad"), Error, "expert.0.model.3.weight has shape [16,8,1,9]");
    const notHash = new Map([...state].filter(([k]) => k !== "hashluts.params"));
    assertThrows(() => importHashLut(notHash, "clut"), Error, "not a HashLUT state dict");
  },
});

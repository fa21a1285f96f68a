/**
 * LUTwithBGrid (lib/enhance/models/lutbgrid.ts) imported from the released FiveK_sRGB.pth: parameter count
 * equal to the checkpoint's, output equal to an independent PyTorch peer of the original forward pass
 * (tests/peers/lutbgrid_forward.py) on a crop, and the scores on the 12 shared FiveK expert-C pairs.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { Rng } from "../lib/core/rng.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { readPth } from "../lib/formats/pth.ts";
import { readNpy, writeNpy } from "../lib/formats/npy.ts";
import { type Image, readImage } from "../lib/image/io.ts";
import { meanScores, scorePair } from "../lib/enhance/score.ts";
import { importLutBGrid, LutBGrid } from "../lib/enhance/models/lutbgrid.ts";
import { maxAbsDiff } from "./lut3d_util.ts";

const pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const ckpt = sharedPath("pretrained", "lutwithbgrid", "FiveK_sRGB.pth");
const ignore = !pairs || !ckpt;

/** The top-left h x w crop of a planar RGB image. */
function crop(img: Image, h: number, w: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      data.set(
        img.data.subarray((c * img.height + y) * img.width, (c * img.height + y) * img.width + w),
        (c * h + y) * w,
      );
    }
  }
  return { data, channels: 3, height: h, width: w };
}

Deno.test({
  name: "LUTwithBGrid: import (463,791 parameters), PyTorch peer parity, scores on the 12 FiveK pairs",
  ignore,
  async fn() {
    await initTf();
    const state = await readPth(ckpt!);
    const model = new LutBGrid(new Rng(0));
    const count = [...state.values()].reduce((a, t) => a + t.data.length, 0);
    assertEquals(model.paramCount(), count);
    assertEquals(count, 463_791);
    importLutBGrid(model, state, ckpt!);

    const names = [...Deno.readDirSync(join(pairs!, "input"))].map((e) => e.name).sort();
    assertEquals(names.length, 12);
    const data = await Promise.all(names.map(async (n) => ({
      input: await readImage(join(pairs!, "input", n), { channels: 3 }),
      target: await readImage(join(pairs!, "target", n), { channels: 3 }),
    })));

    const tmp = await Deno.makeTempDir();
    const small = crop(data[0].input, 96, 128);
    await writeNpy(join(tmp, "in.npy"), { dtype: "float32", shape: [3, 96, 128], data: small.data });
    const peer = new Deno.Command("/usr/bin/python3", {
      args: [
        new URL("./peers/lutbgrid_forward.py", import.meta.url).pathname,
        ckpt!,
        join(tmp, "in.npy"),
        join(tmp, "out.npy"),
      ],
    }).outputSync();
    assert(peer.success, new TextDecoder().decode(peer.stderr));
    const want = (await readNpy(join(tmp, "out.npy"))).data as Float32Array;
    const diff = maxAbsDiff((await model.enhance(small)).out.data, want);
    console.log(`LUTwithBGrid vs PyTorch peer (96x128 crop): max |diff| ${diff.toExponential(2)}`);
    assert(diff < 1e-4, `max |diff| ${diff}`);
    await Deno.remove(tmp, { recursive: true });

    const base = meanScores(data.map((d) => scorePair(d.input, d.target)));
    const rows = [];
    for (const d of data) rows.push(scorePair((await model.enhance(d.input)).out, d.target));
    const s = meanScores(rows);
    console.log(
      `LUTwithBGrid 12 pairs: PSNR ${s.psnr.toFixed(2)} SSIM ${s.ssim.toFixed(4)} ΔE ${
        s.deltaE.toFixed(2)
      } ` +
        `(input ${base.psnr.toFixed(2)} / ${base.ssim.toFixed(4)} / ${base.deltaE.toFixed(2)})`,
    );
    assert(s.psnr > base.psnr + 6 && s.deltaE < base.deltaE);

    const bad = new Map(state);
    bad.delete("slice.conv_1d.bias");
    assertThrows(() => importLutBGrid(model, bad, "ckpt"), Error, "missing key slice.conv_1d.bias");
    const wrong = new Map(state);
    wrong.set("gen_3d_lut.weights_generator.weight", {
      ...state.get("gen_3d_lut.weights_generator.weight")!,
      shape: [8, 255],
    });
    assertThrows(() => importLutBGrid(model, wrong, "ckpt"), Error, "has shape [8,255], expected [8,256]");
    model.dispose();
  },
});

/**
 * ICELUT's released pure-LUT form (lib/enhance/models/icelut.ts) on the 12 shared FiveK expert-C pairs:
 * the basis weights equal an independent PyTorch peer of the original's inference steps
 * (tests/peers/icelut_weights.py), the fused per-image 3D LUT equals the original's residual form, its
 * .cube export round-trips, and the scores are printed for RESULTS.md / experiments/icelut/published.json.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { sharedPath } from "../lib/core/shared.ts";
import { type Image, readImage } from "../lib/image/io.ts";
import { meanScores, scorePair } from "../lib/enhance/score.ts";
import { ICELUT, iceLutEnhance, iceLutFused, readIceLut } from "../lib/enhance/models/icelut.ts";
import { applyLut3d } from "../lib/lut/lut3d.ts";
import { writeNpy } from "../lib/formats/npy.ts";
import { readCube, writeCube } from "../lib/formats/cube.ts";

const pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const dir = sharedPath("pretrained", "icelut");
const ignore = !pairs || !dir;

async function loadData(): Promise<{ name: string; input: Image; target: Image }[]> {
  const names = [...Deno.readDirSync(join(pairs!, "input"))].map((e) => e.name).sort();
  assertEquals(names.length, 12);
  return await Promise.all(names.map(async (name) => ({
    name,
    input: await readImage(join(pairs!, "input", name), { channels: 3 }),
    target: await readImage(join(pairs!, "target", name), { channels: 3 }),
  })));
}

/** uint8 [H,W,3] of a planar RGB image. */
function toHwc8(img: Image): Uint8Array {
  const { height: H, width: W, data } = img, out = new Uint8Array(H * W * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < H * W; p++) {
      out[p * 3 + c] = Math.min(255, Math.max(0, Math.round(data[c * H * W + p] * 255)));
    }
  }
  return out;
}

Deno.test({
  name: "ICELUT: tables, weights vs the PyTorch peer, fused LUT = residual form, scores on 12 pairs",
  ignore,
  async fn() {
    const t = await readIceLut(dir!);
    // 2 feature LUTs 4096x10, classifier 5x4096x10, compressed bank 33x5 + 10x1089 + 150x10
    assertEquals(t.entries, 2 * 4096 * 10 + 5 * 4096 * 10 + 33 * 5 + 10 * 1089 + 150 * 10);
    const data = await loadData();
    const results = data.map((d) => iceLutEnhance(t, d.input));

    const tmp = await Deno.makeTempDir();
    const files = await Promise.all(data.map(async (d, i) => {
      const f = join(tmp, `${i}.npy`);
      await writeNpy(f, { dtype: "uint8", shape: [d.input.height, d.input.width, 3], data: toHwc8(d.input) });
      return f;
    }));
    const peer = new Deno.Command("/usr/bin/python3", {
      args: [new URL("./peers/icelut_weights.py", import.meta.url).pathname, dir!, ...files],
    }).outputSync();
    assert(peer.success, new TextDecoder().decode(peer.stderr));
    const want = JSON.parse(new TextDecoder().decode(peer.stdout)) as number[][];
    results.forEach((r, i) => assertEquals(Array.from(r.weights), want[i], data[i].name));

    // the original: trilinear(sum w_i LUT_i, img) + img; ours: one fused LUT (identity added)
    const d = ICELUT.dim, img = data[0].input, w = results[0].weights;
    const identity = iceLutFused(t, new Float32Array(w.length));
    const residual = iceLutFused(t, w).map((v, i) => v - identity[i]);
    const res = applyLut3d(
      img.data,
      residual,
      { batch: 1, height: img.height, width: img.width, dim: d },
      "trilinear",
    );
    let maxDiff = 0;
    for (let i = 0; i < res.length; i++) {
      const orig = Math.min(1, Math.max(0, res[i] + img.data[i]));
      maxDiff = Math.max(maxDiff, Math.abs(orig - Math.min(1, Math.max(0, results[0].out.data[i]))));
    }
    assert(maxDiff < 1e-5, `fused LUT vs residual form: max |diff| ${maxDiff}`);

    // .cube export of the per-image LUT round-trips (6 decimals)
    const cubeFile = join(tmp, "a.cube");
    await writeCube(cubeFile, { size: d, lut: results[0].lut, interpolation: "trilinear" });
    const back = await readCube(cubeFile);
    assert(back.lut.every((v, i) => Math.abs(v - results[0].lut[i]) < 1e-6));
    await Deno.remove(tmp, { recursive: true });

    const base = meanScores(data.map((x) => scorePair(x.input, x.target)));
    const s = meanScores(results.map((r, i) => scorePair(r.out, data[i].target)));
    console.log(
      `ICELUT 12 pairs: input PSNR ${base.psnr.toFixed(2)} SSIM ${base.ssim.toFixed(4)} ΔE ${
        base.deltaE.toFixed(2)
      }; ` +
        `ICELUT PSNR ${s.psnr.toFixed(2)} SSIM ${s.ssim.toFixed(4)} ΔE ${s.deltaE.toFixed(2)}; ` +
        `${t.entries} table entries, ${t.bytes} bytes`,
    );
    assert(s.psnr > base.psnr + 6 && s.deltaE < base.deltaE, `ICELUT ${s.psnr} vs input ${base.psnr}`);
  },
});

Deno.test({
  name: "ICELUT: a missing or wrong-shaped table is named",
  ignore,
  async fn() {
    const tmp = await Deno.makeTempDir();
    for (const f of ["Model_lsb_fp32.npy", "classifier_int8.npy", "Basis_lut.npy"]) {
      await Deno.copyFile(join(dir!, f), join(tmp, f));
    }
    await assertRejects(() => readIceLut(tmp), Error, "Model_msb_fp32.npy");
    await writeNpy(join(tmp, "Model_msb_fp32.npy"), {
      dtype: "float32",
      shape: [4096, 9, 1, 1],
      data: new Float32Array(4096 * 9),
    });
    await assertRejects(
      () => readIceLut(tmp),
      Error,
      "Model_msb_fp32.npy: shape [4096,9,1,1], expected [4096,10,1,1]",
    );
    await Deno.remove(tmp, { recursive: true });
  },
});

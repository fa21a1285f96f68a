/**
 * Pretrained import on the 12 shared FiveK expert-C pairs (512 px, RGBA): every original checkpoint
 * maps key-for-key onto our models, and each raises PSNR far above the input's own (a wrong layout
 * would lower it). Prints input and model PSNR / SSIM / ΔE for the README.
 */
import { assert, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { readPth } from "../lib/formats/pth.ts";
import { type Image, readImage } from "../lib/image/io.ts";
import { import3dLut, importClutNet, importPretrained } from "../lib/enhance/models/import.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { meanScores, scorePair } from "../lib/enhance/score.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { loadPairs } from "../lib/data/paired.ts";
import { buildNet } from "../lib/enhance/nets.ts";

/** Mean scores of `net`'s outputs against the targets of `data`. */
const enhancedScores = async (
  net: { enhance(img: Image): Promise<{ out: Image }> },
  data: { input: Image; target: Image }[],
) =>
  meanScores(await Promise.all(data.map(async (d) => scorePair((await net.enhance(d.input)).out, d.target))));

const pairs = sharedPath("FiveK", "dpe_expertC_pairs");
const P = sharedPath("pretrained");
const ignore = !pairs || !P;
const MODELS: [string, string[]][] = P
  ? [
    ["Image-Adaptive 3DLUT (sRGB)", [
      "image_adaptive_3dlut/sRGB/LUTs.pth",
      "image_adaptive_3dlut/sRGB/classifier.pth",
    ]],
    ["CLUT-Net 20+05+10", ["clutnet_hashlut/FiveK/CLUTNet_20+05+10/model0310.pth"]],
    ["CLUT-Net 20+05+20", ["clutnet_hashlut/FiveK/CLUTNet_20+05+20/model0361.pth"]],
  ].map(([n, ps]) => [n as string, (ps as string[]).map((p) => join(P, p))])
  : [];

Deno.test({
  name: "pretrained 3DLUT and CLUT-Net raise PSNR on the FiveK expert-C pairs",
  ignore,
  async fn() {
    await initTf();
    const names = [...Deno.readDirSync(join(pairs!, "input"))].map((e) => e.name).sort();
    assert(names.length === 12, `expected 12 pairs, found ${names.length}`);
    const data = await Promise.all(names.map(async (n) => ({
      input: await readImage(join(pairs!, "input", n), { channels: 3 }),
      target: await readImage(join(pairs!, "target", n), { channels: 3 }),
    })));
    const base = meanScores(data.map((d) => scorePair(d.input, d.target)));
    const lines = [
      `input (identity)             PSNR ${base.psnr.toFixed(2)}  SSIM ${base.ssim.toFixed(4)}  ΔE ${
        base.deltaE.toFixed(2)
      }`,
    ];
    for (const [name, paths] of MODELS) {
      const net = await importPretrained(paths);
      const s = await enhancedScores(net, data);
      lines.push(
        `${name.padEnd(29)}PSNR ${s.psnr.toFixed(2)}  SSIM ${s.ssim.toFixed(4)}  ΔE ${s.deltaE.toFixed(2)}`,
      );
      assert(
        s.psnr > base.psnr + 6,
        `${name}: PSNR ${s.psnr.toFixed(2)} not well above the input's ${base.psnr.toFixed(2)}`,
      );
      assert(s.deltaE < base.deltaE, `${name}: ΔE ${s.deltaE} not below the input's ${base.deltaE}`);
      net.dispose();
    }
    console.log(
      `FiveK expert-C, 12 DPE pairs (512 px; not the papers' 480p test split):\n${lines.join("\n")}`,
    );
  },
});

Deno.test({
  name: "BL-B: PCA of the pretrained 3DLUT bank into CLUT form (S=5, W=10) keeps most of its PSNR",
  ignore,
  async fn() {
    await initTf();
    const dir = await Deno.makeTempDir();
    // the source: a 3dlut experiment without a checkpoint, so BL-B compresses its pretrained weights
    const weights = MODELS[0][1].map((p) => `"${p}"`).join(", ");
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(
      join(dir, "src", "config.toml"),
      `[model]\nfamily = "3dlut"\n[pretrained]\nweights = [${weights}]\n`,
    );
    const raw = { model: { family: "pca", source: join(dir, "src"), s: 5, w: 10 }, data: { root: pairs! } };
    const config = parsePhotoConfig(raw, join(dir, "config.toml"));
    const net = await buildNet(config);
    const data = await loadPairs(pairs!, "test", 6);
    const full = await importPretrained(MODELS[0][1]);
    const pca = (await enhancedScores(net, data)).psnr;
    const ref = (await enhancedScores(full, data)).psnr;
    const input = meanScores(data.map((d) => scorePair(d.input, d.target))).psnr;
    console.log(
      `BL-B on 6 pairs: input ${input.toFixed(2)}, 3DLUT ${ref.toFixed(2)}, PCA 5/10 ${pca.toFixed(2)} dB`,
    );
    assert(pca > ref - 1.5 && pca > input + 5, `BL-B ${pca} vs 3DLUT ${ref} (input ${input})`);
    assert(net.paramCount() === 270_083 + 33 * 5 + 10 * 33 * 33 + 5 * 3 * 3 * 10);
    net.dispose();
    full.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "a wrong LUT axis order (input r <-> b axes swapped) scores lower than the documented layout",
  ignore,
  async fn() {
    await initTf();
    const [lutPath, clsPath] = MODELS[0][1];
    const luts = await readPth(lutPath), cls = await readPth(clsPath);
    const names = [...Deno.readDirSync(join(pairs!, "input"))].map((e) => e.name).sort();
    const data = await Promise.all(names.map(async (n) => ({
      input: await readImage(join(pairs!, "input", n), { channels: 3 }),
      target: await readImage(join(pairs!, "target", n), { channels: 3 }),
    })));
    const right = import3dLut(luts, cls, "test");
    const swapped = new Map(luts);
    for (const k of ["0.LUT", "1.LUT", "2.LUT"]) {
      const t = luts.get(k)!;
      const x = tf.tidy(() => tf.tensor4d(t.data as Float32Array, [3, 33, 33, 33]).transpose([0, 3, 2, 1]));
      swapped.set(k, { ...t, data: x.dataSync() as Float32Array });
      x.dispose();
    }
    const wrong = import3dLut(swapped, cls, "test");
    const good = (await enhancedScores(right, data)).psnr;
    const bad = (await enhancedScores(wrong, data)).psnr;
    assert(good > bad + 1, `documented layout ${good.toFixed(2)} dB vs swapped ${bad.toFixed(2)} dB`);
    right.dispose();
    wrong.dispose();
  },
});

Deno.test({
  name: "import errors name the key: wrong shape, missing key, leftover tensor, unknown model",
  ignore,
  async fn() {
    await initTf();
    const state = await readPth(MODELS[1][1][0]);
    const bad = new Map(state);
    bad.set("CLUTs.w_Layers", {
      ...state.get("CLUTs.w_Layers")!,
      shape: [10, 1000],
      data: new Float32Array(10000),
    });
    assertThrows(
      () => importClutNet(bad, "ckpt"),
      Error,
      "CLUTs.w_Layers has shape [10,1000], expected [10,1089]",
    );
    const missing = new Map(state);
    missing.delete("backbone.model.3.bias");
    assertThrows(() => importClutNet(missing, "ckpt"), Error, "missing key backbone.model.3.bias");
    const extra = new Map(state);
    extra.set("extra.weight", state.get("classifier.0.bias")!);
    assertThrows(() => importClutNet(extra, "ckpt"), Error, "unused checkpoint tensors: extra.weight");
    const conv = new Map(state);
    const w = state.get("backbone.model.6.weight")!;
    conv.set("backbone.model.6.weight", { ...w, shape: [64, 32, 1, 9] });
    assertThrows(
      () => importClutNet(conv, "ckpt"),
      Error,
      "backbone.model.6.weight has shape [64,32,1,9], expected [64,32,3,3]",
    );
    const lutsPath = MODELS[0][1][0];
    await importPretrained([lutsPath]).then(
      () => assert(false, "a lone LUTs.pth must not import"),
      (e) => assert(String(e).includes("cannot tell the model"), String(e)),
    );
  },
});

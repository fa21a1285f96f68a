// AutoLUT on SPF-LUT (the AutoLUT paper's SPF-Light): the preset's model has SPF-LUT's 9 tables of one
// branch, 8 samplers and 7 AdaRL weights; with one-hot samplers on S and AdaRL at 0 it is exactly SPF-LUT
// (same networks), and with AdaRL at 1 every unit reads the input the paper's code blends with (block b-1's
// input; up-block channel c: block c+1's input); its LUT form matches the network within the quantisation
// gap; and the preset trains, exports, DFC-compresses and evaluates through the CLIs at tiny settings.
import { assert, assertEquals, assertNotEquals, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { parse, stringify } from "@std/toml";
import { initTf, tf } from "../lib/core/backend.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { writeImage } from "../lib/image/io.ts";
import { Rng } from "../lib/core/rng.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { enumerateTable } from "../lib/sr/core/enumerate.ts";
import { requantise, stageValue } from "../lib/sr/core/model.ts";
import { compressModel, storageBytes } from "../lib/sr/storage.ts";
import { AutoSpfModel } from "../lib/sr/models/autolut_spf.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import type { SpfModel } from "../lib/sr/models/spf.ts";
import { runCliProcess } from "./cli_util.ts";
import { stripedPhoto } from "./sr_util.ts";

const preset = join(repoRoot, "experiments", "autolut-spf-x4");

/** One dense MuLUT unit of the PyTorch code: conv1 (4 → nf), 4 DenseConv, conv6 (5nf → K), with biases. */
function unitParams(nf: number, k: number): number {
  let p = 4 * nf + nf;
  for (let i = 1; i <= 4; i++) p += i * nf * nf + nf;
  return p + 5 * nf * k + k;
}

function planes(n: number, h: number, w: number, seed: number): tf.Tensor3D {
  const rng = new Rng(seed);
  return tf.tensor3d(Float32Array.from({ length: n * h * w }, () => Math.floor(rng.next() * 256)), [n, h, w]);
}

const small = (extra: Partial<SrModelConfig["autolut"]> = {}): SrModelConfig => ({
  ...DEFAULT_MODEL,
  kind: "autolut",
  modes: ["s", "d"],
  upscale: 2,
  width: 6,
  autolut: {
    base: "spf",
    sampleSize: 3,
    samplerInit: "pattern",
    samplerGap: 200,
    adarl: true,
    act: "relu",
    ...extra,
  },
});

Deno.test("preset autolut-spf-x4: 9 tables (6,264,075 B int8), samplers + AdaRL parts, paper-width params", async () => {
  await initTf();
  const cfg = await loadSrConfig(preset);
  assertEquals([cfg.model.autolut?.base, cfg.model.autolut?.sampleSize, cfg.model.modes], ["spf", 5, ["s"]]);
  assertEquals([cfg.dfc.diagonalWidth, cfg.dfc.samplingInterval], [2, 5]);
  // the paper's width: nf 64
  const model = buildSrModel({ ...cfg.model, width: 64 }, 1);
  assert(model instanceof AutoSpfModel);
  const mods = model.modules();
  assertEquals(
    mods.map((m) => m.spec.name).join(" "),
    "s1c0_s s2c0_s s3c0_s s4c0_s s5_channel s6c0_s s6c1_s s6c2_s s6c3_s",
  );
  const ks = [2, 2, 2, 1, 4, 16, 16, 16, 16];
  assertEquals(mods.map((m) => m.outputs), ks);
  for (const m of mods) assertEquals([m.levels, m.dims], [17, 4], m.spec.name);
  const parts = model.parts().map((p) => p.name);
  assertEquals(parts.filter((p) => p.endsWith("_sampler")).length, 8);
  assertEquals(
    parts.filter((p) => p.endsWith("_adarl")),
    [
      "s2c0_s_adarl",
      "s3c0_s_adarl",
      "s4c0_s_adarl",
      "s6c0_s_adarl",
      "s6c1_s_adarl",
      "s6c2_s_adarl",
      "s6c3_s_adarl",
    ],
  );
  const params = model.variables().reduce((a, v) => a + v.size, 0);
  assertEquals(params, ks.reduce((a, k) => a + unitParams(64, k), 0) + 8 * 4 * 25 + 7 * 4);
  // storage of the int8 tables, full and DFC (xyzt, dw 2, si 5; the channel LUT whole): geometry only
  for (const m of mods) {
    m.setTable({
      values: new Float32Array(m.levels ** 4 * m.outputs),
      levels: 17,
      dims: 4,
      outputs: m.outputs,
      int8: true,
    });
  }
  assertEquals(storageBytes(model), 83521 * 75);
  await compressModel(model, { diagonalWidth: 2, samplingInterval: 5 });
  const dfc = storageBytes(model);
  console.log(
    `AutoLUT SPF-Light tables: ${(83521 * 75 / 2 ** 20).toFixed(3)} MiB full, ${
      (dfc / 2 ** 20).toFixed(3)
    } MiB ` +
      `DFC dw 2 si 5 (paper: 0.907 MB)`,
  );
  assert(dfc < 0.2 * 83521 * 75, `DFC ${dfc} B`);
});

Deno.test("one-hot samplers + AdaRL 0 are SPF-LUT exactly; AdaRL 1 reads the inputs the paper's code blends", async () => {
  await initTf();
  const auto = buildSrModel(small(), 3) as AutoSpfModel;
  const spf = buildSrModel({ ...small(), kind: "spf", autolut: undefined }, 4) as SpfModel;
  // same networks in both: copy SPF's weights into the AutoLUT units
  spf.modules().forEach((m, i) => {
    const dst = auto.modules()[i].variables();
    m.variables().forEach((v, j) => dst[j].assign(v));
  });
  const x = planes(2, 7, 9, 5);
  assertEquals(auto.forward(x).dataSync(), spf.forward(x).dataSync());

  for (const p of auto.parts()) if (p.name.endsWith("_adarl")) p.variable.assign(tf.ones([4]));
  const got = auto.forward(x).dataSync();
  // Reference with SPF's fixed-pattern units: with w = 1 each AdaRL unit sees only its earlier input.
  const st = spf.spec.stages, [n, h, w] = x.shape, inputs: tf.Tensor3D[] = [], refined: tf.Tensor3D[] = [];
  let cur = x;
  for (let b = 0; b < 4; b++) {
    inputs.push(cur);
    const y = requantise(stageValue(spf.stagePred(b === 0 ? cur : inputs[b - 1], st[b]), st[b]));
    refined.push(tf.slice(y, [0, 0, 0], [n, h, w]));
    if (b < 3) cur = tf.slice(y, [n, 0, 0], [n, h, w]);
  }
  const pixels = tf.reshape(tf.stack(refined, 3), [n * h * w, 1, 4]) as tf.Tensor3D;
  requantise(stageValue(spf.channel.apply(pixels), st[4])); // the channel LUT runs, but AdaRL 1 ignores it
  let pred: tf.Tensor3D | undefined;
  spf.up.forEach((modules, c) => {
    const p = spf.stagePred(inputs[c], { ...st[5], modules });
    pred = pred ? tf.add(pred, p) : p;
  });
  const ref = stageValue(pred!, st[5]).dataSync();
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - got[i]));
  assert(m < 1e-3, `AdaRL 1 vs reference: ${m}`);
  assertNotEquals(Array.from(got), Array.from(spf.forward(x).dataSync()));
});

Deno.test("exported tables reproduce the network within the quantisation gap (random samplers, AdaRL)", async () => {
  await initTf();
  const model = buildSrModel(small({ samplerInit: "random", sampleSize: 3 }), 7) as AutoSpfModel;
  for (const [i, p] of model.parts().entries()) {
    if (p.name.endsWith("_adarl")) {
      p.variable.assign(tf.tensor1d([0.1, 0.3, 0.6, 0.9].map((v) => v * (i % 2))));
    }
  }
  // a smooth image (neighbouring pixels close, as in photos)
  const h = 20, w = 24, v = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) v[y * w + x] = 128 + 100 * Math.sin(0.3 * x + 0.2 * y);
  }
  const x = tf.tensor3d(v.map(Math.round), [1, h, w]);
  const net = model.quantise(model.forward(x).dataSync() as Float32Array);
  for (const mod of model.modules()) mod.setTable(await enumerateTable(mod, { int8: true }));
  const lut = model.quantise(model.forward(x).dataSync() as Float32Array);
  let se = 0, sig = 0;
  for (let i = 0; i < net.length; i++) se += (net[i] - lut[i]) ** 2, sig += (net[i] - 128) ** 2;
  const psnr = 10 * Math.log10(255 ** 2 / (se / net.length));
  console.log(`AutoLUT SPF: LUT form vs network on a smooth image: PSNR ${psnr.toFixed(2)} dB`);
  assert(sig > 0 && psnr > 30, `LUT vs net ${psnr} dB`);
});

/** A folder of `n` striped colour images h×w (PNG). */
async function images(dir: string, n: number, h: number, w: number): Promise<void> {
  for (let k = 0; k < n; k++) await writeImage(join(dir, `img${k}.png`), stripedPhoto(h, w, k));
}

Deno.test("the preset at tiny settings: train -> export -> export --dfc -> eval through the CLIs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sr_autolut_spf_cli" });
  try {
    await images(join(dir, "train"), 2, 48, 48);
    await images(join(dir, "bench", "Tiny", "HR"), 2, 32, 40);
    const raw = parse(await Deno.readTextFile(join(preset, "config.toml"))) as Record<
      string,
      Record<string, unknown>
    >;
    Object.assign(raw.model, { width: 4, sample_size: 3 });
    Object.assign(raw.train, { data: join(dir, "train"), crop: 8, batch: 2, iterations: 4, log_every: 2 });
    Object.assign(raw.eval, { sets: ["Tiny"], benchmark: join(dir, "bench"), save_images: false });
    await Deno.writeTextFile(join(dir, "config.toml"), stringify(raw));

    let r = await runCliProcess("train", ["-e", dir, "--quiet"]);
    assertEquals(r.code, 0, r.text);
    r = await runCliProcess("export", ["-e", dir]);
    assertEquals(r.code, 0, r.text);
    assertStringIncludes(r.text, "9 table(s) + 15 part(s)");
    const gap = /network (\d+\.\d+) dB, tables (\d+\.\d+) dB/.exec(r.text) ?? [];
    assert(gap.length === 3, r.text);
    console.log(`tiny AutoLUT SPF x4 on Tiny: network ${gap[1]} dB, tables ${gap[2]} dB`);
    assert(Math.abs(Number(gap[1]) - Number(gap[2])) < 1, r.text);
    r = await runCliProcess("export", ["-e", dir, "--dfc"]);
    assertEquals(r.code, 0, r.text);
    assertStringIncludes(r.text, "diagonal_width 2, sampling_interval 5");
    r = await runCliProcess("eval", ["-e", dir, "--from", "dfc"]);
    assertEquals(r.code, 0, r.text);
    const scores = JSON.parse(await Deno.readTextFile(join(dir, "eval", "dfc.json")));
    assertEquals(scores[0].rows.length, 2);
    assert(scores[0].psnr > 0 && scores[0].psnr < 60, JSON.stringify(scores));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

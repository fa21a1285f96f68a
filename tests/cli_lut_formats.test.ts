// The interpolation choice and the LUT file formats through the CLIs: exported .cube files record the
// trained interpolation (# LUTLAB_INTERPOLATION), `apply --cube` honours it and `--interp` overrides it;
// `apply -e --interp` re-applies each image's fused LUT; `export --format hald|3dl` writes files that read
// back to the fused LUT within their quantisation (Hald: resampled to L² points); and, on the shared data,
// how far a tool that picks the other interpolation lands from a pretrained trilinear CLUT-Net.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { formatCube, parseCube, readCube, writeCube } from "../lib/formats/cube.ts";
import { readHald } from "../lib/formats/hald.ts";
import { read3dl } from "../lib/formats/lut3dl.ts";
import { type Image, readImage } from "../lib/image/io.ts";
import { loadPhotoConfig } from "../lib/enhance/config.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { applyLut3dImage } from "../lib/lut/lut3d.ts";
import { resampleLut3d } from "../lib/lut/lut_file.ts";
import type { Lut3dMode } from "../lib/lut/lut3d_ref.ts";
import { exportExperiment, main as exportMain } from "../lib/cli/export.ts";
import { main as apply } from "../lib/cli/apply.ts";
import { psnr } from "../lib/image/metrics.ts";
import { photoExperiment } from "./cli_util.ts";
import { randomLut } from "./lut3d_util.ts";

await initTf();

/** `img` through `lut` with `mode`, clamped to [0,1] and quantised to 8 bits as a written PNG is. */
function as8bit(img: Image, lut: Float32Array, dim: number, mode: Lut3dMode): Float32Array {
  return applyLut3dImage(img, lut, dim, mode).data.map((v) =>
    Math.round(Math.min(1, Math.max(0, v)) * 255) / 255
  );
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

Deno.test("export records the trained interpolation; apply --cube honours it, --interp overrides it", async () => {
  const { dir, config, images } = await photoExperiment("clutnet");
  try {
    await exportExperiment(dir, { image: images, quiet: true });
    const cubePath = join(dir, "export", "cubes", "img0.cube");
    const text = await Deno.readTextFile(cubePath);
    assertStringIncludes(text, "# LUTLAB_INTERPOLATION trilinear\n");
    assertEquals((await readCube(cubePath)).interpolation, "trilinear");
    const img = await readImage(join(images, "img0.png"), { channels: 3 });
    const out = (name: string) => join(dir, "out", name);
    // a grade far from affine (where the two interpolations differ), recorded trilinear and tetrahedral
    const cube = { size: 5, lut: randomLut(1, 5, 3), interpolation: "trilinear" as const };
    const triPath = join(dir, "tri.cube"), tetraPath = join(dir, "tetra.cube");
    await writeCube(triPath, cube);
    await writeCube(tetraPath, { ...cube, interpolation: "tetrahedral" });
    const lut5 = (await readCube(triPath)).lut; // the values as written (6 decimals)
    const runs: [string[], Lut3dMode][] = [
      [["--cube", triPath], "trilinear"],
      [["--cube", triPath, "--interp", "tetrahedral"], "tetrahedral"],
      [["--lut", tetraPath], "tetrahedral"],
      [["--cube", tetraPath, "--interp", "trilinear"], "trilinear"],
    ];
    for (const [k, [args, mode]] of runs.entries()) {
      await apply([...args, join(images, "img0.png"), out(`${k}.png`), "--quiet"]);
      const got = (await readImage(out(`${k}.png`), { channels: 3 })).data;
      const err = maxDiff(got, as8bit(img, lut5, 5, mode));
      assert(err <= 1e-6, `${args.join(" ")}: ${err}`);
    }
    // the two interpolations differ on this LUT, so the checks above do tell them apart
    const modeGap = maxDiff(as8bit(img, lut5, 5, "trilinear"), as8bit(img, lut5, 5, "tetrahedral"));
    assert(modeGap > 0.01, `trilinear vs tetrahedral on the test grade: ${modeGap}`);
    // apply -e: default = the network (trained trilinear); --interp tetrahedral re-applies the fused LUT
    // (after 2 training steps that LUT is nearly affine, so this checks the path, not the difference)
    const net = await loadNet(config, "trained");
    try {
      const { lut, out: netOut } = await net.enhance(img);
      await apply(["-e", dir, join(images, "img0.png"), out("e.png"), "--quiet"]);
      await apply(["-e", dir, "--interp", "tetrahedral", join(images, "img0.png"), out("et.png"), "--quiet"]);
      const q = (d: Float32Array) => d.map((v) => Math.round(v * 255) / 255);
      const ee = maxDiff((await readImage(out("e.png"), { channels: 3 })).data, q(netOut.data));
      assert(ee <= 1e-6, `apply -e: ${ee}`);
      const et = (await readImage(out("et.png"), { channels: 3 })).data;
      const eet = maxDiff(et, as8bit(img, lut, net.cubeSize, "tetrahedral"));
      assert(eet <= 1e-6, `apply -e --interp tetrahedral: ${eet}`);
    } finally {
      net.dispose();
    }
    await assertRejects(
      () => apply(["--cube", cubePath, "--interp", "cubic", join(images, "img0.png"), out("x.png")]),
      Error,
      "--interp must be trilinear or tetrahedral",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export --format hald|3dl: files read back to the fused LUT within their quantisation; apply reads them", async () => {
  const { dir, config, images } = await photoExperiment("3dlut");
  try {
    await exportExperiment(dir, { image: images, quiet: true }); // .cube: the float reference
    const fused = (await readCube(join(dir, "export", "cubes", "img1.cube"))).lut; // 6 decimals
    const paths = await exportExperiment(dir, {
      image: images,
      quiet: true,
      output: { format: "hald", haldLevel: 4 },
    });
    assert(paths.every((p) => p.endsWith(".png")), paths.join(" "));
    const hald = await readHald(join(dir, "export", "cubes", "img1.png"));
    assertEquals(hald.size, 16);
    const resampled = resampleLut3d(fused, 17, 16, "trilinear").map((v) => Math.min(1, Math.max(0, v)));
    const eh = maxDiff(hald.lut, resampled);
    assert(eh <= 0.5 / 65535 + 1e-6, `hald: ${eh}`);
    await exportMain(["-e", dir, "--image", images, "--format", "3dl", "--bits", "16", "--quiet"]);
    const l3 = await read3dl(join(dir, "export", "cubes", "img1.3dl"));
    assertEquals([l3.size, l3.bits, l3.interpolation], [17, 16, "trilinear"]);
    const e3 = maxDiff(l3.lut, fused.map((v) => Math.min(1, Math.max(0, v))));
    assert(e3 <= 0.5 / 65535 + 1e-6, `3dl: ${e3}`);
    console.log(
      `export: Hald level 4 (16-bit) vs the fused LUT resampled to 16^3: ${
        eh.toExponential(2)
      }; .3dl 16-bit vs the fused LUT: ${e3.toExponential(2)}`,
    );
    // apply reads both (the .3dl records trilinear; the Hald gets the default, trilinear)
    const img = await readImage(join(images, "img1.png"), { channels: 3 });
    for (const [file, lut, dim] of [["img1.3dl", l3.lut, 17], ["img1.png", hald.lut, 16]] as const) {
      const o = join(dir, "out", `${file}.png`);
      await apply(["--cube", join(dir, "export", "cubes", file), join(images, "img1.png"), o, "--quiet"]);
      assert(
        maxDiff((await readImage(o, { channels: 3 })).data, as8bit(img, lut, dim, "trilinear")) <= 1e-6,
        file,
      );
    }
    for (
      const [args, msg] of [
        [["--format", "png"], "--format must be cube, hald or 3dl"],
        [["--hald-level", "4"], "--hald-level is for --format hald"],
        [["--bits", "8"], "--bits is for --format hald or 3dl"],
        [["--format", "3dl", "--bits", "14"], "bits must be 8, 10, 12 or 16"],
        [["--format", "hald", "--hald-level", "1"], "Hald CLUT level must be an integer in 2..16"],
      ] as const
    ) {
      await assertRejects(() => exportMain(["-e", dir, "--image", images, "--quiet", ...args]), Error, msg);
    }
    void config;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const fiveK = sharedPath("FiveK", "input_480p_sRGB_noGT");

Deno.test({
  name:
    "interpolation demo: pretrained CLUT-Net 20+05+20 (trilinear) vs its .cube applied trilinear / tetrahedral",
  ignore: fiveK === undefined,
  async fn() {
    const config = await loadPhotoConfig(join(repoRoot, "experiments", "clutnet-20+05+20"));
    const net = await loadNet(config, "pretrained");
    try {
      const names = [...Deno.readDirSync(fiveK!)].map((e) => e.name).filter((n) => n.endsWith(".jpg")).sort()
        .slice(0, 4);
      const sums = { trilinear: 0, tetrahedral: 0 };
      for (const name of names) {
        const img = await readImage(join(fiveK!, name), { channels: 3 });
        const r = await net.enhance(img);
        const file = parseCube(
          formatCube({ size: net.cubeSize, lut: r.lut, interpolation: "trilinear" }),
          name,
        );
        for (const mode of ["trilinear", "tetrahedral"] as const) {
          const o = applyLut3dImage(img, file.lut, file.size, mode);
          o.data.forEach((v, i) => o.data[i] = Math.min(1, Math.max(0, v)));
          sums[mode] += psnr(o, r.out) / names.length;
        }
      }
      console.log(
        `CLUT-Net 20+05+20 (pretrained, trained trilinear) on ${names.length} FiveK 480p inputs: its exported .cube ` +
          `applied trilinear ${sums.trilinear.toFixed(2)} dB, tetrahedral ${
            sums.tetrahedral.toFixed(2)
          } dB (PSNR vs the network output)`,
      );
      assert(sums.trilinear > 50 && sums.tetrahedral < sums.trilinear - 5, JSON.stringify(sums));
    } finally {
      net.dispose();
    }
  },
});

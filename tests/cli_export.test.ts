// `deno task export` (lib/cli/export.ts): photo experiments write per-image fused and basis .cube files
// that readCube parses and that, applied with the native kernel, reproduce the model's output; SR
// experiments write the enumerated .npy tables and, with --dfc, the DFC-compressed tables.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { readCube } from "../lib/formats/cube.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { type Image, readImage, writeImage } from "../lib/image/io.ts";
import { applyLut3d } from "../lib/lut/lut3d.ts";
import { exportExperiment } from "../lib/cli/export.ts";
import { writeImageCube } from "../lib/enhance/export.ts";
import { loadNet, type PhotoNet } from "../lib/enhance/nets.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { compressDfc } from "../lib/lut/dfc.ts";
import { trainSr } from "../lib/sr/sr_train.ts";
import { photoExperiment, smooth } from "./cli_util.ts";

await initTf();

/** Max |LUT(img) clamped to [0,1] - net.enhance(img)| with the .cube at `path` applied by the native kernel. */
async function cubeError(path: string, net: PhotoNet, img: Image): Promise<number> {
  const cube = await readCube(path);
  assertEquals(cube.size, net.cubeSize);
  const { height, width } = img;
  const out = applyLut3d(img.data, cube.lut, { batch: 1, height, width, dim: cube.size }, "trilinear");
  const want = (await net.enhance(img)).out.data;
  return out.reduce((m, v, i) => Math.max(m, Math.abs(Math.min(1, Math.max(0, v)) - want[i])), 0);
}

for (const family of ["3dlut", "clutnet"] as const) {
  Deno.test(`export ${family}: per-image and basis .cube files reproduce the model (<= 1e-5)`, async () => {
    const { dir, config, images } = await photoExperiment(family);
    try {
      const paths = await exportExperiment(dir, { image: images, quiet: true });
      const luts = family === "3dlut" ? 3 : 4;
      assertEquals(paths.length, 2 + luts);
      const net = await loadNet(config, "trained");
      try {
        for (const k of [0, 1]) {
          const img = await readImage(join(images, `img${k}.png`), { channels: 3 });
          const err = await cubeError(join(dir, "export", "cubes", `img${k}.cube`), net, img);
          assert(err <= 1e-5, `${family} img${k}: |cube - model| = ${err}`);
        }
        // Each basis .cube is the static form: weight 1 on basis n (identity added for residual models).
        const basis = await net.basisLuts();
        for (const [n, lut] of basis.entries()) {
          const cube = await readCube(join(dir, "export", "basis", `basis_0${n}.cube`));
          const err = cube.lut.reduce((m, v, i) => Math.max(m, Math.abs(v - lut[i])), 0);
          assert(err <= 1e-5, `${family} basis ${n}: ${err}`);
        }
        // a single image file is accepted too
        const one = await exportExperiment(dir, { image: join(images, "img1.png"), quiet: true });
        assertEquals(one.filter((p) => p.endsWith("img1.cube")).length, 1);
      } finally {
        net.dispose();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("export hashlut: fused cube = the hash grid on the lattice; exact on lattice-valued images", async () => {
  const { dir, config, images } = await photoExperiment("hashlut");
  try {
    const paths = await exportExperiment(dir, { image: images, quiet: true });
    assertEquals(paths.length, 2 + 3);
    const net = await loadNet(config, "trained");
    try {
      // The file's fused LUT is the model's transform sampled on the 33^3 lattice with this image's weights.
      const img = await readImage(join(images, "img0.png"), { channels: 3 });
      const cube = await readCube(join(dir, "export", "cubes", "img0.cube"));
      const { lut } = await net.enhance(img);
      assertEquals(cube.size, 33);
      const err = cube.lut.reduce((m, v, i) => Math.max(m, Math.abs(v - lut[i])), 0);
      assert(err <= 1e-5, `hashlut fused cube vs model lattice: ${err}`);
      // On an image whose colours are lattice points (k/32), the kernel applying the written cube
      // reproduces the model's own output.
      const h = 20, w = 33, lat = new Float32Array(3 * h * w).map((_, i) => ((i * 7 + (i >> 4)) % 33) / 32);
      const latImg = { data: lat, channels: 3, height: h, width: w };
      const path = await writeImageCube(net, dir, "lattice", "lattice", (await net.enhance(latImg)).lut);
      const e2 = await cubeError(path, net, latImg);
      assert(e2 <= 1e-5, `hashlut lattice image: |cube - model| = ${e2}`);
      for (const n of [0, 1, 2]) {
        assertEquals((await readCube(join(dir, "export", "basis", `basis_0${n}.cube`))).size, 33);
      }
    } finally {
      net.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export: bad input names the experiment, file or flag", async () => {
  const { dir, images } = await photoExperiment("3dlut");
  try {
    await assertRejects(() => exportExperiment(dir, { dfc: true }), Error, "--dfc");
    await assertRejects(() => exportExperiment(dir, { image: join(images, "nope.png") }), Error, "nope.png");
    const cli = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(repoRoot, "lib", "cli", "export.ts"), "-e", dir, "--sampling-interval", "x"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(cli.code, 2);
    assert(new TextDecoder().decode(cli.stderr).includes("--sampling-interval must be"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export sr --dfc: CLI writes the tables and their DFC compression", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_export_sr" });
  try {
    for (let k = 0; k < 2; k++) await writeImage(join(dir, "hr", `img${k}.png`), smooth(48, 40, k));
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "tiny"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
        `[train]\ndata = "${join(dir, "hr")}"\ncrop = 8\nbatch = 4\niterations = 2\nlog_every = 1\n` +
        `[dfc]\nsampling_interval = 6\ndiagonal_width = 2\n`,
    );
    const config = await loadSrConfig(dir);
    await trainSr(config, { quiet: true });
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(repoRoot, "lib", "cli", "export.ts"),
        "-e",
        dir,
        "--dfc",
        "--diagonal-width",
        "3",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(cli.stdout) + new TextDecoder().decode(cli.stderr);
    assert(cli.success, text);
    assert(/exported 1 table/.test(text) && /DFC \(diagonal_width 3, sampling_interval 6\)/.test(text), text);
    const full = await readNpy(join(dir, "luts", "LUT_x2_4bit_int8_s.npy"));
    const want = compressDfc({ n: 4, intervalBits: 4, outputs: 4, data: full.data as Int8Array }, {
      diagonalWidth: 3,
      samplingInterval: 6,
    });
    const fine = await readNpy(join(dir, "export", "dfc", "DFC_x2_4bit_int8_s_fine.npy"));
    const coarse = await readNpy(join(dir, "export", "dfc", "DFC_x2_4bit_int8_s_coarse.npy"));
    assertEquals([fine.dtype, coarse.dtype], ["int8", "int8"]);
    assertEquals(fine.shape, [want.fineRows, 4]);
    assertEquals(coarse.shape, [5 ** 4, 4]);
    assertEquals(fine.data, want.fine);
    assertEquals(coarse.data, want.coarse);
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "export", "dfc", "dfc.json")));
    assertEquals(manifest.dfc_bytes, want.storageBytes());
    assert(manifest.dfc_bytes < manifest.full_bytes && manifest.full_bytes === full.data.length);
    // the config's [dfc] section is the default; a sampling interval below the table's is refused by name
    await assertRejects(
      () => exportExperiment(dir, { dfc: true, from: "exported", samplingInterval: 2, quiet: true }),
      Error,
      "[dfc]",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

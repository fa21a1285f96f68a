// `deno task apply` (lib/cli/apply.ts): a .cube, a photo experiment or an SR experiment applied to a file
// or a folder of your own images; odd file names; stem collisions refused with both names; existing
// outputs refused unless --force.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join, toFileUrl } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { writeCube } from "../lib/formats/cube.ts";
import { type Image, readImage, writeImage } from "../lib/image/io.ts";
import { loadNet } from "../lib/enhance/nets.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { trainSr } from "../lib/sr/sr_train.ts";
import { main as apply } from "../lib/cli/apply.ts";
import { photoExperiment, smooth } from "./cli_util.ts";

await initTf();

const ODD = ["a b.png", `it's "q".png`, "ünï©ode ✓.jpg"];

/** A folder of images with odd names (spaces, quotes, unicode; PNG and JPEG). */
async function oddFolder(root: string): Promise<string> {
  const dir = join(root, "in put");
  for (const [k, name] of ODD.entries()) await writeImage(join(dir, name), smooth(20, 24, k));
  return dir;
}

/** Max |a - b| over two images of the same shape. */
function maxDiff(a: Image, b: Image): number {
  assertEquals([a.channels, a.height, a.width], [b.channels, b.height, b.width]);
  return a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
}

Deno.test("apply --cube: a folder with odd names, then a single file; outputs are the graded inputs", async () => {
  const root = await Deno.makeTempDir({ prefix: "cli_apply_cube" });
  try {
    const input = await oddFolder(root);
    // An inverting LUT of size 2: trilinear interpolation reproduces 1 - x exactly.
    const lut = new Float32Array(3 * 8);
    for (let c = 0; c < 3; c++) {
      for (let b = 0; b < 2; b++) {
        for (let g = 0; g < 2; g++) {
          for (let r = 0; r < 2; r++) lut[((c * 2 + b) * 2 + g) * 2 + r] = 1 - [r, g, b][c];
        }
      }
    }
    const cube = join(root, "invert.cube");
    await writeCube(cube, { title: "invert", size: 2, lut });
    const out = join(root, "out dir");
    const written = await apply(["--cube", cube, input, out, "--quiet"]);
    assertEquals(written.length, 3);
    for (const name of ODD) {
      const src = await readImage(join(input, name), { channels: 3 });
      const got = await readImage(join(out, name.replace(/\.[^.]+$/, ".png")), { channels: 3 });
      const want = { ...src, data: src.data.map((v) => 1 - v) };
      assert(maxDiff(got, want) <= 1 / 255 + 1e-6, `${name}: ${maxDiff(got, want)}`);
    }
    // one file to an explicit output file
    const one = join(root, "one.jpg");
    await apply(["--cube", cube, join(input, ODD[0]), one, "--quiet"]);
    assertEquals((await readImage(one)).width, 24);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("apply --cube loads no tfjs (host-side LUT apply); the probe sees the tfjs op once imported", async () => {
  const root = await Deno.makeTempDir({ prefix: "cli_apply_notf" });
  try {
    const cube = join(root, "id.cube"), input = join(root, "in.png");
    const lut = new Float32Array(3 * 8);
    for (let i = 0; i < 8; i++) for (let c = 0; c < 3; c++) lut[c * 8 + i] = (i >> c) & 1;
    await writeCube(cube, { size: 2, lut });
    await writeImage(input, smooth(8, 10, 0));
    const url = (f: string) => JSON.stringify(toFileUrl(join(repoRoot, "lib", f)).href);
    // a fresh process: tfjs-core creates globalThis._tfengine when it is first imported
    const code = `import { main } from ${url("cli/apply.ts")};\n` +
      `await main(${JSON.stringify(["--cube", cube, input, join(root, "out.png"), "--quiet"])});\n` +
      `const cubeOnly = "_tfengine" in globalThis;\n` +
      `await import(${url("lut/lut3d_op.ts")});\n` +
      `console.log(JSON.stringify({ cubeOnly, afterOp: "_tfengine" in globalThis }));\n`;
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", join(repoRoot, "deno.json"), code],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert(o.success, dec.decode(o.stderr));
    assertEquals(JSON.parse(dec.decode(o.stdout).trim()), { cubeOnly: false, afterOp: true });
    assertEquals((await readImage(join(root, "out.png"))).width, 10);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("apply: stem collisions are refused with both names; existing outputs need --force", async () => {
  const root = await Deno.makeTempDir({ prefix: "cli_apply_guard" });
  try {
    const cube = join(root, "id.cube");
    const lut = new Float32Array(3 * 8);
    for (let i = 0; i < 8; i++) for (let c = 0; c < 3; c++) lut[c * 8 + i] = (i >> c) & 1;
    await writeCube(cube, { size: 2, lut });
    const clash = join(root, "clash");
    await writeImage(join(clash, "a.png"), smooth(8, 8, 0));
    await writeImage(join(clash, "a.jpg"), smooth(8, 8, 1));
    const out = join(root, "out");
    const e = await assertRejects(() => apply(["--cube", cube, clash, out, "--quiet"]));
    assertStringIncludes((e as Error).message, "a.jpg, a.png -> a.png");
    assert(!(await Deno.stat(out).then(() => true, () => false)), "nothing written on a collision");

    const input = await oddFolder(root);
    await apply(["--cube", cube, input, out, "--quiet"]);
    const before = (await Deno.stat(join(out, "a b.png"))).mtime!.getTime();
    const again = await assertRejects(() => apply(["--cube", cube, input, out, "--quiet"]));
    assertStringIncludes((again as Error).message, "output exists");
    assertStringIncludes((again as Error).message, "--force");
    assertEquals((await Deno.stat(join(out, "a b.png"))).mtime!.getTime(), before);
    await new Promise((r) => setTimeout(r, 20));
    await apply(["--cube", cube, input, out, "--force", "--quiet"]);
    assert((await Deno.stat(join(out, "a b.png"))).mtime!.getTime() > before, "--force rewrote the output");
    // an output that is its own input is refused even with --force
    const own = join(input, ODD[0]);
    await assertRejects(
      () => apply(["--cube", cube, own, own, "--force", "--quiet"]),
      Error,
      "its own input",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("apply -e photo experiment: a file and a folder, equal to the network's enhance()", async () => {
  const { dir, config } = await photoExperiment("3dlut");
  try {
    const input = await oddFolder(dir);
    const out = join(dir, "enhanced");
    assertEquals((await apply(["-e", dir, input, out, "--quiet"])).length, 3);
    const single = await apply(["-e", dir, join(input, ODD[2]), join(dir, "single"), "--quiet"]);
    assertEquals(single, [join(dir, "single", "ünï©ode ✓.png")]);
    const net = await loadNet(config, "trained");
    try {
      for (const name of ODD) {
        const src = await readImage(join(input, name), { channels: 3 });
        const got = await readImage(join(out, name.replace(/\.[^.]+$/, ".png")), { channels: 3 });
        const d = maxDiff(got, (await net.enhance(src)).out);
        assert(d <= 0.5 / 255 + 1e-5, `${name}: ${d}`);
      }
    } finally {
      net.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("apply -e SR experiment: upscales with its own exported tables", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_apply_sr" });
  try {
    await writeImage(join(dir, "hr", "img.png"), smooth(32, 40, 3));
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "s"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
        `[train]\ndata = "${join(dir, "hr")}"\ncrop = 8\nbatch = 2\niterations = 2\nlog_every = 1\n`,
    );
    await trainSr(await loadSrConfig(dir), { quiet: true });
    const input = await oddFolder(dir);
    const out = join(dir, "up");
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      await apply(["-e", dir, input, out]);
    } finally {
      console.log = log;
    }
    assertStringIncludes(lines.join("\n"), "the experiment's own exported tables");
    assert(lines.some((l) => l.startsWith("apply 3/3: ")), lines.join("\n"));
    for (const name of ODD) {
      const got = await readImage(join(out, name.replace(/\.[^.]+$/, ".png")));
      assertEquals([got.height, got.width], [40, 48]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

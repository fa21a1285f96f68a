// Every `deno task` command of an experiment runs on the webgpu backend (LUTLAB_TF_BACKEND=webgpu, in
// subprocesses as a user runs them), where tfjs cannot read GPU data synchronously under Deno: a tiny
// photo experiment trains 2 steps (checkpoint saved), evaluates, exports its .cube files and applies
// itself to a photo; tiny SR experiments (SR-LUT, and AutoLUT with its sampler and AdaRL parts) train 2
// steps (their tables exported by enumeration at the end), re-export them, DFC-compress them, evaluate and
// fine-tune 2 steps. The same commands on wasm from the same checkpoint or tables give the same results:
// SR int8 tables equal, .cube files, parts and fine-tuning losses within float32 noise, PSNRs within 0.01 dB.
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { readImage, writeImage } from "../lib/image/io.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { readCube } from "../lib/formats/cube.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { requireWebgpuAdapter } from "./webgpu_util.ts";

console.log(`  adapter: ${(await requireWebgpuAdapter()).description}`);

/** Runs `deno task <task> ...args` on `backend`; returns its output, throws it when the command fails. */
async function task(backend: "webgpu" | "wasm", cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(repoRoot, "lib", "cli", `${cmd}.ts`), ...args],
    env: { LUTLAB_TF_BACKEND: backend },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${backend}: deno task ${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** Copies the folder `from` to `to` (files only, recursively). */
async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(join(from, e.name), join(to, e.name));
    else await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

const json = async (path: string) => JSON.parse(await Deno.readTextFile(path));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assertEquals(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const logLosses = async (path: string) =>
  (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l).loss as number);

Deno.test("webgpu photo experiment: train 2 steps (checkpoint), eval, export .cube, apply; eval and cubes match wasm", async () => {
  const dir = await Deno.makeTempDir({ prefix: "webgpu_photo" });
  try {
    const gpu = join(dir, "gpu"), cpu = join(dir, "cpu");
    await Deno.mkdir(gpu);
    // small CLUT-Net of experiments/sweep-tiny with a large lr: 2 steps move it visibly off the identity
    const base = await Deno.readTextFile(join(repoRoot, "experiments", "sweep-tiny", "base.toml"));
    await Deno.writeTextFile(
      join(gpu, "config.toml"),
      base.replace(/^steps = \d+/m, "steps = 2").replace(/^lr = .*/m, "lr = 0.05")
        .replace(/^checkpoint_every = \d+/m, "checkpoint_every = 2"),
    );
    await task("webgpu", "train", "-e", gpu, "--quiet");
    const ck = await readCheckpoint(join(gpu, "train", "checkpoint.bin"));
    assertEquals(ck.step, 2);
    assert([...ck.params.values()].every((p) => p.data.every(Number.isFinite)), "finite parameters");
    await copyDir(gpu, cpu); // the same checkpoint for the wasm run
    for (const [backend, d] of [["webgpu", gpu], ["wasm", cpu]] as const) {
      await task(backend, "eval", "-e", d, "--quiet");
      await task(backend, "export", "-e", d, "--quiet");
    }
    const [g, c] = await Promise.all([gpu, cpu].map((d) => json(join(d, "eval", "trained", "summary.json"))));
    console.log(
      `  PSNR webgpu ${g.mean.psnr.toFixed(4)} dB, wasm ${c.mean.psnr.toFixed(4)} dB (input ${
        g.input.psnr.toFixed(4)
      })`,
    );
    assertEquals(g.images, 2);
    assert(Math.abs(g.mean.psnr - g.input.psnr) > 0.01, "2 steps changed the output");
    assert(Math.abs(g.mean.psnr - c.mean.psnr) <= 0.01, `webgpu ${g.mean.psnr} vs wasm ${c.mean.psnr} dB`);
    const cubes = [...Deno.readDirSync(join(gpu, "export", "cubes"))].map((e) => e.name).sort();
    assertEquals(cubes.length, 2);
    for (const f of [...cubes.map((n) => join("cubes", n)), join("basis", "basis_00.cube")]) {
      const [a, b] = await Promise.all([gpu, cpu].map((d) => readCube(join(d, "export", f))));
      const d = maxDiff(a.lut, b.lut);
      assert(d <= 1e-4, `${f}: webgpu vs wasm max |diff| ${d}`);
    }
    const photo = join(dir, "photo.png"), outs = [join(dir, "gpu.png"), join(dir, "cpu.png")];
    const data = new Float32Array(3 * 24 * 32).map((_, i) => Math.sin(i * 0.11) * 0.45 + 0.5);
    await writeImage(photo, { data, channels: 3, height: 24, width: 32 });
    await task("webgpu", "apply", "-e", gpu, photo, outs[0], "--quiet");
    await task("wasm", "apply", "-e", cpu, photo, outs[1], "--quiet");
    const [ia, ib] = await Promise.all(outs.map((p) => readImage(p, { channels: 3 })));
    assert(maxDiff(ia.data, ib.data) <= 1.5 / 255, "apply: webgpu vs wasm output");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every .npy of `dir` whose name starts with `prefix`, by file name. */
async function npys(dir: string, prefix = ""): Promise<Map<string, Awaited<ReturnType<typeof readNpy>>>> {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.startsWith(prefix) && n.endsWith(".npy")).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readNpy(join(dir, n))] as const)));
}

/**
 * Asserts the .npy files of two folders hold the same tables: int8 equal and float32 within 1e-4, or with
 * `loose`, every entry within `tol` and at most a fraction `frac` of them beyond those limits (only the
 * files starting with `loose.prefix`).
 */
async function sameTables(
  a: string,
  b: string,
  what: string,
  loose?: { tol: number; frac: number; prefix: string },
) {
  const [x, y] = await Promise.all([a, b].map((d) => npys(d, loose?.prefix)));
  assertEquals([...x.keys()], [...y.keys()], what);
  for (const [name, t] of x) {
    const u = y.get(name)!, p = t.data as ArrayLike<number>, q = u.data as ArrayLike<number>;
    assertEquals([t.dtype, t.shape], [u.dtype, u.shape], `${what} ${name}`);
    const noise = t.dtype === "int8" ? 0 : 1e-4, d = maxDiff(p, q);
    const far = Array.from(p).filter((v, i) => Math.abs(v - q[i]) > noise).length;
    if (far) {
      console.log(`  ${what} ${name}: ${far}/${p.length} entries differ, max |diff| ${d.toPrecision(3)}`);
    }
    assert(
      d <= (loose?.tol ?? noise) && far <= (loose?.frac ?? 0) * p.length,
      `${what} ${name}: webgpu vs wasm: ${far} entries differ, max |diff| ${d}`,
    );
  }
}

const SR_CASES = [
  // SR-LUT-S x2, 8 wide, interval 6: 5 levels per input, one 625-row table
  ["SR-LUT-S", `kind = "srlut"`],
  // AutoLUT on MuLUT-S, 2 stages: two tables, the AutoSample and AdaRL parts (PART_*.npy)
  ["AutoLUT-MuLUT (2 stages, AdaRL)", `kind = "autolut"\nbase = "mulut"\nstages = 2\nmodes = ["s"]`],
] as const;

for (const [label, model] of SR_CASES) {
  Deno.test(`webgpu ${label} experiment: train 2 steps, export (enumeration, DFC), eval, finetune 2 steps; tables and PSNR match wasm`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "webgpu_sr" });
    try {
      const gpu = join(dir, "gpu"), cpu = join(dir, "cpu"), bench = join(dir, "bench");
      for (let k = 0; k < 2; k++) {
        const h = 40, w = 48, data = new Float32Array(3 * h * w);
        for (let i = 0; i < data.length; i++) {
          data[i] = Math.sin(i * 0.37 + k) * 0.4 + 0.5 + ((i >> 5) % 3) * 0.03;
        }
        const img = { data, channels: 3, height: h, width: w };
        await writeImage(join(gpu, "hr", `img${k}.png`), img);
        await writeImage(join(bench, "Tiny", "HR", `img${k}.png`), img); // LR: MATLAB imresize of the HR
      }
      await Deno.writeTextFile(
        join(gpu, "config.toml"),
        `[experiment]\ntask = "sr"\n[model]\n${model}\nupscale = 2\nwidth = 8\ninterval = 6\n` +
          `[train]\ndata = "${join(gpu, "hr")}"\ncrop = 8\nbatch = 2\niterations = 2\nlr = 0.01\n` +
          `log_every = 1\ncheckpoint_every = 2\n` +
          `[finetune]\ncrop = 8\nbatch = 2\niterations = 2\nlr = 0.5\nlog_every = 1\n` +
          `[eval]\nbenchmark = "${bench}"\nsets = ["Tiny"]\nsave_images = false\n[dfc]\nsampling_interval = 7\n`,
      );
      await task("webgpu", "train", "-e", gpu, "--quiet");
      const trained = join(dir, "trained");
      await copyDir(join(gpu, "luts"), trained); // written by train at its end
      await copyDir(gpu, cpu); // the same network checkpoint for the wasm run
      for (const [backend, d] of [["webgpu", gpu], ["wasm", cpu]] as const) {
        const text = await task(backend, "export", "-e", d);
        assert(/exported \d+ table/.test(text), text);
      }
      const tables = await npys(join(gpu, "luts"));
      const first = [...tables.values()][0];
      assertEquals([first.dtype, first.shape[0]], ["int8", 625]);
      assert((first.data as Int8Array).some((v) => v !== 0), "non-trivial table");
      await sameTables(join(gpu, "luts"), trained, "re-export vs the export at the end of training:");
      await sameTables(join(gpu, "luts"), join(cpu, "luts"), "enumerations of the same network:");
      await task("webgpu", "export", "-e", gpu, "--dfc", "--quiet");
      assertEquals((await json(join(gpu, "export", "dfc", "dfc.json"))).sampling_interval, 7);
      for (const [backend, d] of [["webgpu", gpu], ["wasm", cpu]] as const) {
        await task(backend, "eval", "-e", d, "--from", "exported", "--quiet");
        await task(backend, "finetune", "-e", d, "--quiet");
        await task(backend, "eval", "-e", d, "--from", "finetuned", "--quiet");
      }
      for (const source of ["exported", "finetuned"]) {
        const [g, c] = await Promise.all([gpu, cpu].map((d) => json(join(d, "eval", `${source}.json`))));
        console.log(`  ${source}: PSNR webgpu ${g[0].psnr.toFixed(4)} dB, wasm ${c[0].psnr.toFixed(4)} dB`);
        assertEquals(g[0].rows.length, 2);
        assert(Number.isFinite(g[0].psnr), `${source} PSNR ${g[0].psnr}`);
        assert(
          Math.abs(g[0].psnr - c[0].psnr) <= 0.01,
          `${source}: webgpu ${g[0].psnr} vs wasm ${c[0].psnr} dB`,
        );
      }
      const [lg, lc] = await Promise.all([gpu, cpu].map((d) => logLosses(join(d, "finetune", "log.jsonl"))));
      assertEquals(lg.length, 2);
      assert(maxDiff(lg, lc) <= 1e-4 * Math.max(...lc), `fine-tuning losses webgpu ${lg} vs wasm ${lc}`);
      // Adam moves an entry by about lr (0.5) per step whatever its gradient's size: a few entries whose
      // gradient is float32 noise around 0 move apart, by up to 2 x 0.5 x 2 steps (3 units after rounding).
      // (The float parts, AutoSample logits, then follow slightly different tables: their effect is in the
      // losses and PSNRs compared above.)
      const loose = { tol: 3, frac: 0.05, prefix: "LUT_" };
      await sameTables(join(gpu, "luts_ft"), join(cpu, "luts_ft"), "fine-tuned:", loose);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

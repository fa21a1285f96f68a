// Data-parallel training with MPI (lib/experiment/ranks.ts, lib/core/mpi.ts) through `deno task train --ranks N`:
// 2 ranks × batch B/2 equal 1 rank × batch B within float tolerance (an SR and a photo family), a run resumes
// with another number of ranks, and a rank killed mid-run stops the run with a message and a resumable
// checkpoint of the last complete step.
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { repoRoot, sharedPath } from "../lib/core/shared.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { writeImage } from "../lib/image/io.ts";
import { runCliProcess, smooth } from "./cli_util.ts";

const mpi = (() => {
  try {
    Deno.statSync(join(repoRoot, "kernels", "build", "liblutlab_mpi.so"));
    return new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();
const set5 = sharedPath("SRBenchmark", "Set5", "HR");
const ENV = { LUTLAB_THREADS: "1" };

function srConfig(batch: number, iterations: number, extra = ""): string {
  return `[experiment]\nname = "ranks"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
    `[train]\ndata = "${set5}"\ncrop = 8\nbatch = ${batch}\niterations = ${iterations}\nlr = 0.002\n` +
    `log_every = 1\n${extra}[eval]\nsets = ["Set5"]\n`;
}

async function experiment(prefix: string, config: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.writeTextFile(join(dir, "config.toml"), config);
  return dir;
}

async function train(dir: string, ranks: number, flags: string[] = [], extra: Record<string, string> = {}) {
  const args = ["-e", dir, "--quiet", ...flags, ...(ranks > 1 ? ["--ranks", String(ranks)] : [])];
  const env = Object.entries({ ...ENV, ...extra });
  for (const [k, v] of env) Deno.env.set(k, v);
  try {
    return await runCliProcess("train", args);
  } finally {
    for (const [k] of env) Deno.env.delete(k);
  }
}

/** Largest |a - b| over every parameter and Adam moment of two checkpoints, relative to the tensor's max |a|. */
async function checkpointDiff(a: string, b: string): Promise<{ step: [number, number]; rel: number }> {
  const [x, y] = [
    await readCheckpoint(join(a, "train", "checkpoint.bin")),
    await readCheckpoint(join(b, "train", "checkpoint.bin")),
  ];
  let rel = 0;
  for (const [name, p] of x.params) {
    const vx = x.v.get(name)!, vy = y.v.get(name)!;
    // skipped: an element whose gradient is rounding noise in both runs (|g| below 1e-4 of the tensor's
    // largest; float32 sums over ~1e4 pixels carry ~1e-5 of it, 5e-6 measured on conv0.bias[5]). Example: a
    // conv bias before InstanceNorm whose inputs all take LeakyReLU's linear side has a true gradient of 0;
    // summation order (per-rank batches) moves its noise, and Adam turns any noise into steps of ±lr.
    const gmax = Math.sqrt(Math.max(...vx, ...vy));
    const noise = (i: number) => Math.sqrt(Math.max(vx[i], vy[i])) < 1e-4 * gmax;
    for (
      const [u, v] of [[p.data, y.params.get(name)!.data], [x.m.get(name)!, y.m.get(name)!], [vx, vy]]
    ) {
      assertEquals(u.length, v.length, name);
      const scale = Math.max(1e-12, ...u.map(Math.abs));
      for (let i = 0; i < u.length; i++) if (!noise(i)) rel = Math.max(rel, Math.abs(u[i] - v[i]) / scale);
    }
  }
  return { step: [x.step, y.step], rel };
}

// the SR network trains natively (kernels/srnet.c) on the CPU backends, through tfjs with LUTLAB_SR_NATIVE=0
for (const [path, native] of [["native", "1"], ["tfjs", "0"]]) {
  Deno.test({
    name: `ranks: SR-LUT 2 ranks × batch 16 = 1 rank × batch 32 (${path} path); resume with 1 rank`,
    ignore: !mpi || !set5,
    fn: async () => {
      const two = await experiment("ranks_sr2", srConfig(32, 3));
      const one = await experiment("ranks_sr1", srConfig(32, 5));
      const env = { LUTLAB_SR_NATIVE: native };
      try {
        const r2 = await train(two, 2, [], env), r1 = await train(one, 1, [], env);
        assert(r2.code === 0, r2.text);
        assert(r1.code === 0, r1.text);
        // rank 0 alone wrote the log; every record is there once
        const log = (await Deno.readTextFile(join(two, "train", "log.jsonl"))).trim().split("\n");
        assertEquals(log.map((l) => JSON.parse(l).step), [1, 2, 3]);
        // resume the 2-rank run with 1 rank up to step 5: equal to the 1-rank run of 5 steps
        await Deno.writeTextFile(join(two, "config.toml"), srConfig(32, 5));
        const resumed = await train(two, 1, ["--resume"], env);
        assert(resumed.code === 0, resumed.text);
        const d = await checkpointDiff(two, one);
        assertEquals(d.step, [5, 5]);
        assert(d.rel < 1e-4, `2 ranks then 1 vs 1 rank: relative difference ${d.rel}`);
      } finally {
        await Deno.remove(two, { recursive: true });
        await Deno.remove(one, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "ranks: 3DLUT 2 ranks × batch 16 = 1 rank × batch 32 (augmentation and dropout of the global batch)",
  ignore: !mpi,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "ranks_photo_data" });
    const config = (root: string) =>
      `[experiment]\nname = "ranks"\ntask = "enhance"\nseed = 5\n[model]\nfamily = "3dlut"\nluts = 3\ndim = 9\n` +
      `backbone = "SmallBackbone"\n[data]\nroot = "${root}"\n[train]\nsteps = 2\nbatch = 32\nlr = 1e-3\n` +
      // no monotonicity term: its ReLU kink at the zero-initialised LUTs' zero differences turns
      // float-level differences of the first update into different subgradients
      `lambda_mono = 0\n` +
      `log_every = 1\neval_every = 100\ncheckpoint_every = 2\n[eval]\nsave_images = false\nsave_cubes = false\n` +
      `max_images = 1\n`;
    const dirs = [
      await experiment("ranks_photo2", config(data)),
      await experiment("ranks_photo1", config(data)),
    ];
    try {
      for (let k = 0; k < 6; k++) {
        const input = smooth(20 + 2 * k, 28, k);
        await writeImage(join(data, "input", `p${k}.png`), input);
        await writeImage(join(data, "target", `p${k}.png`), retouchImage(input));
      }
      const r2 = await train(dirs[0], 2), r1 = await train(dirs[1], 1);
      assert(r2.code === 0, r2.text);
      assert(r1.code === 0, r1.text);
      const d = await checkpointDiff(dirs[0], dirs[1]);
      assertEquals(d.step, [2, 2]);
      assert(d.rel < 1e-4, `2 ranks vs 1: relative difference ${d.rel}`);
    } finally {
      for (const d of [data, ...dirs]) await Deno.remove(d, { recursive: true });
    }
  },
});

/** Pids of processes whose environment holds `tag` and OMPI_COMM_WORLD_RANK=`rank`. */
function rankPids(tag: string, rank: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0");
      if (env.includes(`LUTLAB_TEST_TAG=${tag}`) && env.includes(`OMPI_COMM_WORLD_RANK=${rank}`)) {
        out.push(Number(e.name));
      }
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

Deno.test({
  name: "ranks: a killed rank stops the run with a message and a resumable checkpoint",
  ignore: !mpi || !set5,
  fn: async () => {
    const dir = await experiment("ranks_kill", srConfig(8, 100000, "checkpoint_every = 100000\n"));
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(repoRoot, "lib", "cli", "train.ts"), "-e", dir, "--ranks", "2"],
        env: { ...ENV, LUTLAB_TEST_TAG: dir, OMPI_MCA_odls_base_sigkill_timeout: "5" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const log = join(dir, "train", "log.jsonl");
      const steps = async () =>
        (await Deno.readTextFile(log).catch(() => "")).trim().split("\n").filter(Boolean);
      for (let i = 0; i < 600 && (await steps()).length < 3; i++) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const victims = rankPids(dir, 1);
      assertEquals(victims.length, 1, "rank 1's process");
      Deno.kill(victims[0], "SIGKILL");
      const o = await child.output();
      const text = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
      assert(!o.success, text);
      const m = text.match(
        /data-parallel run stopped at step (\d+): rank 0 got SIGTERM.*checkpoint of step \d+ saved/,
      );
      assert(m, text);
      const ck = await readCheckpoint(join(dir, "train", "checkpoint.bin"));
      assertEquals(ck.step, Number(m![1]));
      assert(ck.step >= 3, `checkpoint step ${ck.step}`);
      // the last logged step is the checkpoint's, or the one before when the rank was lost between the
      // step's gradient mean (update done) and its loss mean (not logged)
      const logged = JSON.parse((await steps()).at(-1)!).step;
      assert(
        logged === ck.step || logged === ck.step - 1,
        `log ends at step ${logged}, checkpoint ${ck.step}`,
      );
      // resumable, here with one rank
      await Deno.writeTextFile(join(dir, "config.toml"), srConfig(8, ck.step + 2));
      const resumed = await train(dir, 1, ["--resume"]);
      assert(resumed.code === 0, resumed.text);
      assertEquals(JSON.parse((await steps()).at(-1)!).step, ck.step + 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * `deno task train` as a user runs it (a subprocess on a tiny SR experiment): Ctrl-C (SIGINT) saves a
 * checkpoint at the step reached, says so and how to resume, and exits 130; a second plain `train` then
 * refuses to overwrite the run (naming the checkpoint, suggesting --resume / --restart); `--resume`
 * continues from the saved step; a `--restart` killed outright (its lock left stale) before its first
 * checkpoint leaves nothing of the old run: a later `--resume` is an error naming the folder and --restart.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { writeImage } from "../lib/image/io.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";

/** The steps of a log.jsonl, in order. */
const logSteps = async (dir: string) =>
  (await Deno.readTextFile(join(dir, "train", "log.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l).step
  );

/** Reads `child`'s stdout until `pattern` shows (at most a minute), then sends `signal`; returns the text read. */
async function untilThenSignal(
  child: Deno.ChildProcess,
  pattern: RegExp,
  signal: Deno.Signal,
): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const giveUp = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let out = "";
  while (!pattern.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  clearTimeout(giveUp);
  if (pattern.test(out)) child.kill(signal);
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
  return out;
}

const train = (...args: string[]) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(repoRoot, "lib", "cli", "train.ts"), ...args],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  });

/** Writes a tiny SR experiment (SR-LUT width 8, x2, 8x8 crops) into `dir` with `iterations` steps. */
async function tinyExperiment(dir: string, iterations: number): Promise<void> {
  for (let k = 0; k < 2; k++) {
    const h = 40, w = 48, data = new Float32Array(3 * h * w);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + k) * 0.4 + 0.5;
    await writeImage(join(dir, "hr", `img${k}.png`), { data, channels: 3, height: h, width: w });
  }
  await Deno.writeTextFile(
    join(dir, "config.toml"),
    `[experiment]\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\nwidth = 8\n` +
      `[train]\ndata = "${join(dir, "hr")}"\ncrop = 8\nbatch = 2\niterations = ${iterations}\n` +
      `log_every = 1\ncheckpoint_every = ${iterations}\n`,
  );
}

Deno.test("train CLI: SIGINT saves a checkpoint; a plain rerun refuses; --resume continues; a killed --restart cannot resume the old run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "exp_cli" });
  try {
    await tinyExperiment(dir, 100000);
    const child = train("-e", dir).spawn();
    const out = await untilThenSignal(child, /step 3\//, "SIGINT");
    const status = await child.status;
    const err = await new Response(child.stderr).text();
    assertEquals(status.code, 130, `exit status\n${out}\n${err}`);
    const m = out.match(/interrupted \(SIGINT\) at step (\d+), checkpoint saved to (\S+), resume with: (.*)/);
    if (!m) throw new Error(`no interruption message in\n${out}\n${err}`);
    const step = Number(m[1]), ckPath = join(dir, "train", "checkpoint.bin");
    assert(step >= 3, `interrupted at step ${step}`);
    assertEquals(m[2], ckPath);
    assertEquals(m[3], `deno task train -e ${dir} --resume`);
    assertEquals((await readCheckpoint(ckPath)).step, step);
    assertEquals((await logSteps(dir)).at(-1), step);
    await Deno.stat(join(dir, "run.lock")).then(() => assert(false, "lock left behind"), () => {});

    // a plain rerun refuses to overwrite the interrupted run
    const again = await train("-e", dir).output();
    const msg = new TextDecoder().decode(again.stderr);
    assertEquals(again.code, 1, msg);
    assertStringIncludes(msg, `${ckPath} exists: pass --resume to continue that run or --restart`);
    assertEquals((await readCheckpoint(ckPath)).step, step, "the refused run left the checkpoint alone");

    // --resume continues from the saved step to the (now shorter) end and exports the tables
    await tinyExperiment(dir, step + 2);
    const resumed = await train("-e", dir, "--resume", "--quiet").output();
    assertEquals(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
    assertEquals((await readCheckpoint(ckPath)).step, step + 2);
    assertEquals(await logSteps(dir), Array.from({ length: step + 2 }, (_, i) => i + 1));
    assertMatch((await Array.fromAsync(Deno.readDir(join(dir, "luts")))).map((e) => e.name).join(), /\.npy/);

    // --restart killed (SIGKILL: no handler runs) during its first steps, then --resume: the old run is gone,
    // and there is nothing to resume: an error naming the folder and how to start again (no silent full run)
    await tinyExperiment(dir, 100000);
    const restart = train("-e", dir, "--restart").spawn();
    await untilThenSignal(restart, /step 2\//, "SIGKILL");
    await restart.status;
    await restart.stderr.cancel();
    await tinyExperiment(dir, 2);
    const after = await train("-e", dir, "--resume").output();
    const said = new TextDecoder().decode(after.stdout), errText = new TextDecoder().decode(after.stderr);
    assertEquals(after.code, 1, errText);
    assertStringIncludes(said, `taking over the stale lock ${join(dir, "run.lock")}`);
    assertStringIncludes(errText, `--resume: nothing to resume in ${join(dir, "train")}: no ${ckPath}`);
    assertStringIncludes(errText, `train again from scratch with: deno task train -e ${dir} --restart`);
    await Deno.stat(join(dir, "run.lock")).then(() => assert(false, "lock left behind"), () => {});
    const again2 = await train("-e", dir, "--restart", "--quiet").output();
    assertEquals(again2.code, 0, new TextDecoder().decode(again2.stderr));
    assertEquals(await logSteps(dir), [1, 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Sweeps whose members train on several MPI ranks: `[slurm] ranks = N` gives every array task N Slurm tasks
 * (`#SBATCH --ntasks=N`) and trains the member with `train --ranks N` (mpirun inside the task's
 * allocation); checked on the single-node test cluster of tests/slurm_util.ts with the tiny sweep.
 */
import { assertEquals, assertMatch, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { loadSweep } from "../lib/sweep/spec.ts";
import { sbatchScript } from "../lib/sweep/slurm.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { startSlurm } from "./slurm_util.ts";
import { ROOT, runSweepCli, tinySweepCopy } from "./sweep_util.ts";

/** The tiny sweep with 2 ranks per member, batch 2 (one image per rank) and one seed. */
async function twoRankSweep(ranks: string): Promise<string> {
  const dir = await tinySweepCopy();
  const sweep = join(dir, "sweep.toml"), base = join(dir, "base.toml");
  await Deno.writeTextFile(
    sweep,
    (await Deno.readTextFile(sweep)).replace("[slurm]\n", `[slurm]\nranks = ${ranks}\n`)
      .replace(`"experiment.seed" = [1, 2]`, `"experiment.seed" = [1]`),
  );
  await Deno.writeTextFile(
    base,
    (await Deno.readTextFile(base)).replace("[train]\n", "[train]\nbatch = 2\n"),
  );
  return dir;
}

Deno.test("sweep [slurm] ranks: --ntasks in the script; a bad value names the key", async () => {
  const dir = await twoRankSweep("2"), bad = await twoRankSweep("0");
  try {
    const script = sbatchScript(await loadSweep(dir), [0, 1], ROOT);
    assertStringIncludes(script, "#SBATCH --ntasks=2\n");
    await assertRejects(() => loadSweep(bad), Error, "slurm.ranks must be a positive integer");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(bad, { recursive: true });
  }
});

Deno.test("sweep members train on 2 MPI ranks in a Slurm array task", async () => {
  const cluster = await startSlurm();
  const dir = await twoRankSweep("2");
  try {
    const s = await runSweepCli(["-e", dir, "--slurm", "--poll", "1"], cluster.env);
    assertEquals(s.code, 0, s.out);
    assertMatch(s.out, /job \d+: finished; 2\/2 members done/);
    const members = [...Deno.readDirSync(join(dir, "members"))].map((e) => join(dir, "members", e.name));
    assertEquals(members.length, 2);
    for (const m of members) {
      const log = await Deno.readTextFile(join(m, "sweep", "train.log"));
      assertStringIncludes(log, "--ranks 2", log);
      assertEquals((await readCheckpoint(join(m, "train", "checkpoint.bin"))).step, 4);
      const records = (await Deno.readTextFile(join(m, "train", "log.jsonl"))).trim().split("\n");
      const steps = records.map((l) => JSON.parse(l)).filter((r) => "loss" in r).map((r) => r.step);
      assertEquals(steps, [1, 2, 3, 4], "rank 0 alone writes the log");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await cluster.stop();
  }
});

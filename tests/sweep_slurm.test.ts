/**
 * The tiny 4-member sweep end to end through a single-node Slurm cluster started by tests/slurm_util.ts
 * (munge + slurmctld + slurmd as root; the test fails, never skips, when Slurm cannot come up) and, at the
 * same time, with --local: both tables are byte-identical apart from the timing columns.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { startSlurm } from "./slurm_util.ts";
import { runSweepCli, tableWithoutTimes, tinySweepCopy } from "./sweep_util.ts";

Deno.test("tiny sweep through a Slurm array job gives the same table as --local", async () => {
  const cluster = await startSlurm();
  const [viaSlurm, local] = await Promise.all([tinySweepCopy(), tinySweepCopy()]);
  try {
    const [s, l] = await Promise.all([
      runSweepCli(["-e", viaSlurm, "--slurm", "--poll", "1"], cluster.env),
      runSweepCli(["-e", local, "--local", "1"]),
    ]);
    assertEquals(s.code, 0, s.out);
    assertEquals(l.code, 0, l.out);
    assertMatch(s.out, /submitted Slurm array job (\d+) \(4 tasks\)/);
    assertMatch(s.out, /job \d+: finished; 4\/4 members done/);
    const job = /array job (\d+)/.exec(s.out)![1];
    const script = await Deno.readTextFile(join(viaSlurm, "slurm", "sweep.sbatch"));
    for (const line of ["--array=0,1,2,3", "--cpus-per-task=1", "--mem=1G", "--time=00:10:00"]) {
      assertStringIncludes(script, `#SBATCH ${line}\n`);
    }
    for (let i = 0; i < 4; i++) {
      // each array task ran its member on the node: its Slurm output file shows the member's metrics
      const out = await Deno.readTextFile(join(viaSlurm, "slurm", `${job}_${i}.out`));
      assertMatch(out, /: \{"psnr":\d/);
    }
    const table = await tableWithoutTimes(viaSlurm);
    assertEquals(table, await tableWithoutTimes(local));
    assert(table.split("\n").length === 4, table);
    // rerunning a finished sweep submits nothing
    const again = await runSweepCli(["-e", viaSlurm, "--slurm"], cluster.env);
    assertEquals(again.code, 0, again.out);
    assertMatch(again.out, /0 to run/);
    assert(!again.out.includes("submitted"), again.out);
  } finally {
    await Promise.all([viaSlurm, local].map((d) => Deno.remove(d, { recursive: true })));
    await cluster.stop();
  }
});

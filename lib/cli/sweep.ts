/**
 * `deno task sweep -e experiments/<sweep> [--local N | --slurm [--poll S]] [--report]`: expands the sweep
 * (lib/sweep/spec.ts) into experiment folders <sweep>/members/<id>/, runs the unfinished ones — N at a
 * time on this machine (default: every core) or as one Slurm array job (lib/sweep/slurm.ts) — and writes
 * the table to <sweep>/report/ (also when some members failed). `--report` alone only (re)writes the table.
 * `--member i` runs member i alone (what each Slurm array task calls). Interrupting a local sweep stops
 * its subprocesses; rerunning skips finished members and resumes the others from checkpoints.
 */
import { parseArgs } from "@std/cli";
import { relative } from "@std/path";
import { loadSweep, type Member, type Sweep } from "../sweep/spec.ts";
import { readDone, runLocal, runMember, stopChildren, writeMembers } from "../sweep/run.ts";
import { submit, waitJob } from "../sweep/slurm.ts";
import { writeReport } from "../sweep/report.ts";

const USAGE = "usage: deno task sweep -e experiments/<sweep> [--local N | --slurm [--poll S]] [--report]\n" +
  "       deno task sweep -e experiments/<sweep> --member <i>";

const rel = (p: string) => relative(Deno.cwd(), p);

function fail(msg: string, code = 1): never {
  console.error(msg);
  Deno.exit(code);
}

/** Submits `todo` as one array job, prints the queue state as it changes, throws for unfinished members. */
async function viaSlurm(sweep: Sweep, todo: Member[], pollS: number): Promise<void> {
  const job = await submit(sweep, todo.map((m) => m.index), Deno.cwd());
  console.log(`submitted Slurm array job ${job} (${todo.length} tasks); output in ${rel(sweep.dir)}/slurm/`);
  let last = "";
  await waitJob(job, pollS, async (states) => {
    let done = 0;
    for (const m of todo) if (await readDone(m)) done++;
    const queue = Object.entries(states).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(", ");
    const line = `job ${job}: ${queue || "finished"}; ${done}/${todo.length} members done`;
    if (line !== last) console.log(line);
    last = line;
  });
  const failed = [];
  for (const m of todo) {
    if (!await readDone(m)) failed.push(`${m.id} (${rel(sweep.dir)}/slurm/${job}_${m.index}.out)`);
  }
  if (failed.length) throw new Error(`${failed.length} member(s) did not finish: ${failed.join(", ")}`);
}

/** Runs the unfinished members `n` at a time; SIGINT/SIGTERM stop the subprocesses and exit 130. */
async function viaLocal(sweep: Sweep, n: number): Promise<void> {
  const stop = () => {
    stopChildren();
    console.error("sweep: interrupted; rerun the same command to resume");
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    await runLocal(sweep, n, (m, done, total, r) => {
      const what = r instanceof Error
        ? `FAILED: ${r.message}`
        : Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ") +
          ` (train ${r.train_s.toFixed(1)} s, eval ${r.eval_s.toFixed(1)} s)`;
      console.log(`[${done}/${total}] ${m.id}: ${what}`);
    });
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  }
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, {
    string: ["e", "experiment", "local", "member", "poll"],
    boolean: ["slurm", "report"],
    unknown: (a: string) => fail(`sweep: unknown argument ${a}\n${USAGE}`, 2),
  });
  const int = (v: string | undefined, name: string, def: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(`sweep: ${name} must be a non-negative integer, got "${v}"`, 2);
    return n;
  };
  try {
    const exp = args.e ?? args.experiment;
    if (!exp) fail(USAGE, 2);
    if (args.slurm && args.local !== undefined) {
      fail(`sweep: --local and --slurm exclude each other\n${USAGE}`, 2);
    }
    const sweep = await loadSweep(exp);
    if (args.member !== undefined) {
      const m = sweep.members[int(args.member, "--member", 0)];
      if (!m) throw new Error(`--member ${args.member}: the sweep has ${sweep.members.length} members`);
      if (await readDone(m)) console.log(`${m.id}: already done`);
      else {console.log(
          `${m.id}: ${JSON.stringify((await runMember(sweep, m, undefined, sweep.slurm.ranks)).metrics)}`,
        );}
      Deno.exit(0);
    }
    let failure: Error | undefined;
    if (args.slurm || args.local !== undefined || !args.report) {
      await writeMembers(sweep);
      const todo: Member[] = [];
      for (const m of sweep.members) if (!await readDone(m)) todo.push(m);
      console.log(
        `${sweep.name}: ${sweep.members.length} members in ${rel(sweep.dir)}/members, ${todo.length} to run`,
      );
      if (todo.length) {
        const run = args.slurm
          ? viaSlurm(sweep, todo, int(args.poll, "--poll", 10) || 1)
          : viaLocal(sweep, int(args.local, "--local", navigator.hardwareConcurrency) || 1);
        failure = await run.then(() => undefined, (e: Error) => e); // the table of the rest is still written
      }
    }
    const rep = await writeReport(sweep);
    console.log(`\n${rep.markdown}\nwritten to ${rel(rep.dir)}/ (table.csv, table.md, figure.html)`);
    if (failure) throw failure;
  } catch (e) {
    fail(`sweep: ${(e as Error).message}`);
  }
}

/** Helpers of the sweep tests: a copy of the tiny preset in a temp dir, the sweep CLI as a subprocess, tables. */
import { fromFileUrl, join } from "@std/path";

/** Repository root (the sweep CLI runs from there, like `deno task sweep`). */
export const ROOT = fromFileUrl(new URL("..", import.meta.url));

/** Copies experiments/sweep-tiny (sweep.toml + base.toml) into a fresh temp folder; returns its path. */
export async function tinySweepCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lutlab-sweep-" });
  for (const f of ["sweep.toml", "base.toml"]) {
    await Deno.copyFile(join(ROOT, "experiments", "sweep-tiny", f), join(dir, f));
  }
  return dir;
}

/** Starts `deno run -A lib/cli/sweep.ts <args>` from the repository root with piped output. */
export function sweepCli(args: string[], env?: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "lib", "cli", "sweep.ts"), ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

/** Runs the sweep CLI to the end; returns exit code and the combined output. */
export async function runSweepCli(args: string[], env?: Record<string, string>) {
  const o = await sweepCli(args, env).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

/** The report CSV of a sweep folder without its last two columns, the timing ones (train_s, eval_s). */
export async function tableWithoutTimes(dir: string): Promise<string> {
  const lines = (await Deno.readTextFile(join(dir, "report", "table.csv"))).trimEnd().split("\n");
  if (!lines[0].endsWith(",train_s,eval_s")) {
    throw new Error(`${dir}/report/table.csv: no timing columns last`);
  }
  return lines.map((l) => l.split(",").slice(0, -2).join(",")).join("\n") + "\n";
}

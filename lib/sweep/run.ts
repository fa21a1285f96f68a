/**
 * Running sweep members: each member is an ordinary experiment folder, trained and evaluated by the
 * project's own commands as subprocesses (`deno run -A lib/cli/train.ts -e <dir> [--resume]` = `deno task
 * train`, then `lib/cli/eval.ts -e <dir> --trained` for photo / `--from exported` for SR; `eval = "dfc"`:
 * `lib/cli/export.ts -e <dir> --dfc --from <source>`, then `lib/cli/eval.ts -e <dir> --from dfc`; no `deno
 * task` layer, so a signal reaches them), their output appended to <member>/sweep/{train,export,eval}.log.
 * A member is finished when <member>/sweep/done.json exists (written atomically after eval, with the metrics
 * read from eval's summary file and the step times); finished members are skipped, and a member with a
 * checkpoint from a killed run is trained with --resume. `runLocal` runs N members at a time.
 */
import { runFiles } from "../experiment/loop.ts";
import { exists } from "../core/read.ts";
import { fromFileUrl, join, relative } from "@std/path";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic.ts";
import { readToml } from "../experiment/reader.ts";
import { loadExperiment, taskOf } from "../cli/all_tasks.ts";
import { type Member, memberToml, type Sweep } from "./spec.ts";

/** What done.json holds: the member's metrics (name -> value) and the seconds each step took. */
export type MemberResult = { id: string; metrics: Record<string, number>; train_s: number; eval_s: number };

/** Path of a member's done marker. */
export function donePath(m: Member): string {
  return join(m.dir, "sweep", "done.json");
}

/** The member's result when it finished, else undefined. */
export async function readDone(m: Member): Promise<MemberResult | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(donePath(m)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`${donePath(m)}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes every member's config.toml (unchanged files are left alone) and validates it as an experiment
 * (errors name the member's file). A member whose config would change
 * after it started (it has a train/ or sweep/ folder) is an error: its results would mix two settings.
 */
export async function writeMembers(sweep: Sweep): Promise<void> {
  for (const m of sweep.members) {
    const text = await memberToml(sweep, m), file = join(m.dir, "config.toml");
    const old = await Deno.readTextFile(file).catch(() => undefined);
    if (old === text) continue;
    if (old !== undefined && (await exists(join(m.dir, "train")) || await exists(join(m.dir, "sweep")))) {
      throw new Error(
        `${file}: the sweep now gives member ${m.id} a different config than the one it was run with; ` +
          `delete ${m.dir} to rerun it`,
      );
    }
    await writeFileAtomic(file, text);
  }
  for (const m of sweep.members) await loadExperiment(m.dir); // validates: errors name the member's file
}

const running = new Set<Deno.ChildProcess>();

/** Sends SIGTERM to every train/eval subprocess this process started (on Ctrl-C or kill of the sweep). */
export function stopChildren(): void {
  for (const c of running) {
    try {
      c.kill("SIGTERM");
    } catch { /* already gone */ }
  }
}

let backend: Promise<string> | undefined;

/** The tfjs backend of the subprocesses: this process's choice (one WebGPU probe), as LUTLAB_TF_BACKEND. */
function subprocessBackend(): Promise<string> {
  backend ??= import("../core/backend.ts").then((b) => b.tfBackendChoice());
  return backend;
}

/**
 * Runs lib/cli/<cli>.ts with `args` (LUTLAB_TF_BACKEND set to this process's choice, so that it does not
 * probe for a GPU again), appending its stdout and stderr to `log`; returns the seconds taken.
 */
async function runCli(
  cli: string,
  args: string[],
  log: string,
  what: string,
  threads?: number,
): Promise<number> {
  const t0 = performance.now();
  await Deno.mkdir(join(log, ".."), { recursive: true });
  const f = await Deno.open(log, { append: true, create: true });
  try {
    await f.write(new TextEncoder().encode(`$ deno task ${cli} ${args.join(" ")}\n`));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", fromFileUrl(new URL(`../cli/${cli}.ts`, import.meta.url)), ...args],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: {
        LUTLAB_TF_BACKEND: await subprocessBackend(),
        ...(threads ? { OMP_NUM_THREADS: String(threads) } : {}),
      },
    }).spawn();
    running.add(child);
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) for (let o = 0; o < chunk.length;) o += await f.write(chunk.subarray(o));
    };
    const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
    running.delete(child);
    if (!status.success) {
      const tail = (await Deno.readTextFile(log)).trimEnd().split("\n").slice(-8).join("\n  ");
      throw new Error(
        `${what} failed (exit ${status.code}${status.signal ? `, ${status.signal}` : ""}); ` +
          `log ${relative(Deno.cwd(), log)}:\n  ${tail}`,
      );
    }
  } finally {
    f.close();
  }
  return (performance.now() - t0) / 1000;
}

/** Which weights or tables a member is evaluated with: its trained ones, or the pretrained ones. */
export type Source = "trained" | "exported" | "pretrained";

/**
 * Metrics eval wrote for a member: photo <dir>/eval/<source>/summary.json (mean psnr, ssim, delta_e), SR
 * <dir>/eval/<source>.json (<set>_psnr, <set>_ssim per benchmark set), DFC <dir>/eval/dfc.json (the same)
 * plus full_kb and dfc_kb, the table storage, from <dir>/export/dfc/dfc.json (which must be of `source`).
 */
export async function readMetrics(
  dir: string,
  task: "enhance" | "sr",
  source: Source,
  kind: Sweep["eval"],
): Promise<Record<string, number>> {
  const read = async <T>(file: string): Promise<T> => {
    try {
      return JSON.parse(await Deno.readTextFile(file));
    } catch (e) {
      throw new Error(`eval wrote no readable result file ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  const perSet = (sets: { set: string; psnr: number; ssim: number }[]) =>
    Object.fromEntries(sets.flatMap((s) => [[`${s.set}_psnr`, s.psnr], [`${s.set}_ssim`, s.ssim]]));
  if (task === "sr") {
    const sets = await read<{ set: string; psnr: number; ssim: number }[]>(
      join(dir, "eval", `${kind === "dfc" ? "dfc" : source}.json`),
    );
    if (kind !== "dfc") return perSet(sets);
    const file = join(dir, "export", "dfc", "dfc.json");
    const d = await read<{ source: string; full_bytes: number; dfc_bytes: number }>(file);
    if (d.source !== source) {
      throw new Error(`${file}: DFC of the ${d.source} tables, not the ${source} ones`);
    }
    return { ...perSet(sets), full_kb: d.full_bytes / 1024, dfc_kb: d.dfc_bytes / 1024 };
  }
  const m = (await read<{ mean: { psnr: number; ssim: number; deltaE: number } }>(
    join(dir, "eval", source, "summary.json"),
  )).mean;
  return { psnr: m.psnr, ssim: m.ssim, delta_e: m.deltaE };
}

/**
 * Trains one member (resuming from a checkpoint when one exists; skipped for `train = false` sweeps) and
 * evaluates it (`eval = "dfc"`: `export --dfc --from <source>`, then `eval --from dfc`), then writes
 * done.json. `threads` sets OMP_NUM_THREADS of the subprocesses (the native kernels' OpenMP threads);
 * `ranks` > 1 trains on that many MPI ranks (`train --ranks N`).
 */
export async function runMember(sweep: Sweep, m: Member, threads?: number, ranks = 1): Promise<MemberResult> {
  const task = taskOf(await readToml(join(m.dir, "config.toml")), join(m.dir, "config.toml"));
  if (sweep.eval === "dfc" && task !== "sr") throw new Error(`${m.id}: eval = "dfc" needs an SR experiment`);
  const log = (step: string) => join(m.dir, "sweep", `${step}.log`);
  const source: Source = !sweep.train ? "pretrained" : task === "sr" ? "exported" : "trained";
  let trainS = 0, evalS = 0;
  if (sweep.train) {
    const resume = await exists(runFiles(join(m.dir, "train")).checkpoint); // a killed run: continue it
    trainS = await runCli(
      "train",
      ["-e", m.dir, ...(resume ? ["--resume"] : []), ...(ranks > 1 ? ["--ranks", String(ranks)] : [])],
      log("train"),
      `${m.id}: train`,
    );
  }
  if (sweep.eval === "dfc") {
    const args = ["-e", m.dir, "--dfc", "--from", source, "--quiet"];
    evalS += await runCli("export", args, log("export"), `${m.id}: export --dfc`, threads);
  }
  const from = task === "sr" ? ["--from", sweep.eval === "dfc" ? "dfc" : source] : [`--${source}`];
  evalS += await runCli("eval", ["-e", m.dir, ...from], log("eval"), `${m.id}: eval`, threads);
  const metrics = await readMetrics(m.dir, task, source, sweep.eval);
  const res: MemberResult = { id: m.id, metrics, train_s: trainS, eval_s: evalS };
  await writeJsonAtomic(donePath(m), res);
  return res;
}

/** Progress callback: a member finished (result) or failed (error), `done` of `total` settled so far. */
export type Progress = (m: Member, done: number, total: number, r: MemberResult | Error) => void;

/**
 * Runs every unfinished member, `parallel` at a time; a failing member does not stop the others. Throws
 * at the end naming the failed members.
 */
export async function runLocal(sweep: Sweep, parallel: number, onProgress?: Progress): Promise<void> {
  const todo: Member[] = [];
  for (const m of sweep.members) if (!await readDone(m)) todo.push(m);
  const failed: string[] = [];
  const threads = Math.max(1, Math.floor(navigator.hardwareConcurrency / parallel)); // OpenMP kernels share the cores
  let next = 0, settled = 0;
  const worker = async () => {
    while (next < todo.length) {
      const m = todo[next++];
      let r: MemberResult | Error;
      try {
        r = await runMember(sweep, m, threads);
      } catch (e) {
        r = e as Error;
        failed.push(m.id);
      }
      onProgress?.(m, ++settled, todo.length, r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, todo.length)) }, worker));
  if (failed.length) throw new Error(`${failed.length} member(s) failed: ${failed.join(", ")}`);
}

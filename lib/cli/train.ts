/**
 * `deno task train -e experiments/<name> [--resume | --restart] [--quiet] [--ranks N]`: trains an experiment of
 * either task ("enhance": lib/enhance/photo_train.ts, or lib/enhance/unpaired.ts for train.mode = "unpaired";
 * "sr": lib/sr/sr_train.ts; each imported only when needed) in the
 * shared experiment loop (lib/experiment/loop.ts): <exp>/train/{checkpoint.bin, log.jsonl}, <exp>/run.lock.
 * Ctrl-C saves a checkpoint and exits with status 130. `--ranks N` (N > 1) runs the same command on N
 * data-parallel MPI ranks under `mpirun` (lib/experiment/ranks.ts).
 */
import { loadExperiment } from "./all_tasks.ts";
import { runMode } from "../experiment/loop.ts";
import { currentRanks, launchRanks } from "../experiment/ranks.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, type TaskSpec } from "./args.ts";

const SPEC: TaskSpec = {
  task: "train",
  usage: "-e experiments/<name> [--resume | --restart] [--quiet] [--ranks N]",
  boolean: ["resume", "restart", "quiet"],
  string: ["experiment", "ranks"],
  alias: { e: "experiment" },
};

/** `deno task train` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const a = parseTaskArgs(args, SPEC);
  exclusive(a, ["resume", "restart"], SPEC);
  const exp = experimentArg(a, SPEC);
  const opts = {
    resume: a.flags.resume === true,
    restart: a.flags.restart === true,
    quiet: a.flags.quiet === true,
  };
  runMode(opts);
  const ranks = a.flags.ranks === undefined ? 1 : Number(a.flags.ranks);
  if (!Number.isInteger(ranks) || ranks < 1) {
    throw new Error(`--ranks must be a positive integer, got ${a.flags.ranks}`);
  }
  if (ranks > 1 && !Deno.env.get("OMPI_COMM_WORLD_SIZE")) {
    const rest = args.filter((x, i) => !/^--ranks(=|$)/.test(x) && !/^--ranks$/.test(args[i - 1] ?? ""));
    const code = await launchRanks(ranks, import.meta.url, rest);
    if (code !== 0) throw new Error(`--ranks ${ranks}: mpirun exited with status ${code}`);
    return;
  }
  const ex = await loadExperiment(exp);
  if (ex.task === "sr") {
    const { trainSr } = await import("../sr/sr_train.ts");
    await trainSr(ex.config, opts);
  } else {
    const { trainPhoto } = await import("../enhance/photo_train.ts");
    const { trainUnpaired } = await import("../enhance/unpaired.ts");
    if (ex.train.gan && currentRanks().size > 1) {
      throw new Error(
        `${ex.file}: unpaired training (train.mode = "unpaired") runs on one rank; drop --ranks`,
      );
    }
    const r = ex.train.gan ? await trainUnpaired(ex, opts) : await trainPhoto(ex, opts);
    if (currentRanks().rank === 0) {
      console.log(`done: step ${r.step}; evaluate with: deno task eval -e ${exp}`);
    }
  }
  currentRanks().world?.finalize();
}

if (import.meta.main) await runCli("train", () => main(Deno.args));

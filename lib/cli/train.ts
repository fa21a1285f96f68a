/**
 * `deno task train -e experiments/<name> [--resume | --restart] [--quiet]`: trains an experiment of either
 * task ("enhance": lib/enhance/photo_train.ts, or lib/enhance/unpaired.ts for train.mode = "unpaired"; "sr":
 * lib/sr/sr_train.ts; each imported only when needed) in the
 * shared experiment loop (lib/experiment/loop.ts): <exp>/train/{checkpoint.bin, log.jsonl}, <exp>/run.lock.
 * Ctrl-C saves a checkpoint and exits with status 130.
 */
import { loadExperiment } from "./all_tasks.ts";
import { runMode } from "../experiment/loop.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, type TaskSpec } from "./args.ts";

const SPEC: TaskSpec = {
  task: "train",
  usage: "-e experiments/<name> [--resume | --restart] [--quiet]",
  boolean: ["resume", "restart", "quiet"],
  string: ["experiment"],
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
  const ex = await loadExperiment(exp);
  if (ex.task === "sr") {
    const { trainSr } = await import("../sr/sr_train.ts");
    await trainSr(ex.config, opts);
  } else {
    const { trainPhoto } = await import("../enhance/photo_train.ts");
    const { trainUnpaired } = await import("../enhance/unpaired.ts");
    const r = ex.train.gan ? await trainUnpaired(ex, opts) : await trainPhoto(ex, opts);
    console.log(`done: step ${r.step}; evaluate with: deno task eval -e ${exp}`);
  }
}

if (import.meta.main) await runCli("train", () => main(Deno.args));

/**
 * `deno task train -e experiments/<name> [--resume | --restart] [--quiet]`: trains an experiment of either
 * task ("enhance": lib/enhance/train.ts, "sr": lib/sr/core/train.ts, each imported only when needed) in the
 * shared experiment loop (lib/experiment/loop.ts): <exp>/train/{checkpoint.bin, log.jsonl}, <exp>/run.lock.
 * Ctrl-C saves a checkpoint and exits with status 130.
 */
import { parseArgs } from "@std/cli";
import { loadExperiment } from "../experiment/config.ts";
import { Interrupted, runMode } from "../experiment/loop.ts";

const USAGE = "usage: deno task train -e experiments/<name> [--resume | --restart] [--quiet]";

/** Parses the arguments and trains; returns the process exit status. */
async function main(argv: string[]): Promise<number> {
  const unknown: string[] = [];
  const a = parseArgs(argv, {
    string: ["experiment"],
    boolean: ["resume", "restart", "quiet", "help"],
    alias: { e: "experiment", h: "help" },
    unknown: (x: string) => (unknown.push(x), false),
  });
  if (a.help) return console.log(USAGE), 0;
  if (!a.experiment || unknown.length) {
    console.error(unknown.length ? `train: unknown argument(s) ${unknown.join(" ")}\n${USAGE}` : USAGE);
    return 2;
  }
  const exp = a.experiment, opts = { resume: a.resume, restart: a.restart, quiet: a.quiet };
  try {
    runMode(opts); // --resume with --restart: an error before anything is read
    const ex = await loadExperiment(exp);
    if (ex.task === "sr") {
      const { trainSr } = await import("../sr/core/train.ts");
      await trainSr(ex.config, opts);
    } else {
      const { trainPhoto } = await import("../enhance/train.ts");
      const r = await trainPhoto(ex, opts);
      console.log(`done: step ${r.step}; evaluate with: deno task eval -e ${exp}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) return 130;
    console.error(`train: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

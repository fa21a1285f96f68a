/**
 * `deno task train -e experiments/<name> [--resume | --restart] [--quiet]`: trains an experiment. The
 * config's experiment.task picks the trainer: "enhance" -> lib/enhance/train.ts, "sr" -> lib/sr/core/train.ts
 * (each imported only when needed). Photo runs write <exp>/train/{log.jsonl, checkpoint.bin}.
 */
import { loadExperiment } from "../experiment/config.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, type TaskSpec } from "./args.ts";

const SPEC: TaskSpec = {
  task: "train",
  usage: "-e experiments/<name> [--resume | --restart] [--quiet]",
  boolean: ["resume", "restart", "quiet"],
  string: ["experiment"],
  alias: { e: "experiment" },
};

if (import.meta.main) {
  const { exp, resume, restart, quiet } = await runCli("train", () => {
    const a = parseTaskArgs(Deno.args, SPEC);
    exclusive(a, ["resume", "restart"], SPEC);
    const f = a.flags;
    return Promise.resolve({
      exp: experimentArg(a, SPEC),
      resume: f.resume === true,
      restart: f.restart === true,
      quiet: f.quiet === true,
    });
  });
  try {
    const ex = await loadExperiment(exp);
    if (ex.task === "sr") {
      const sr = await import("../sr/core/train.ts");
      await sr.trainSr(ex.config as Parameters<typeof sr.trainSr>[0], { resume, quiet });
    } else {
      const { trainPhoto } = await import("../enhance/train.ts");
      const r = await trainPhoto(ex, { resume, restart, quiet });
      console.log(`done: step ${r.step}; evaluate with: deno task eval -e ${exp}`);
    }
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    Deno.exit(1);
  }
}

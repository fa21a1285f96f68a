/**
 * `deno task finetune -e experiments/<name> [--from exported|finetuned | --pretrained] [--resume | --restart] [--quiet]`:
 * LUT-aware fine-tuning of an SR experiment's tables ([finetune] section), written to <exp>/luts_ft. By
 * default it starts from the experiment's own newest tables (exported or fine-tuned; it prints which);
 * `--pretrained` starts from the published tables.
 */
import { loadSrConfig } from "../sr/config.ts";
import { finetuneSr } from "../sr/finetune.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";

const SPEC: TaskSpec = {
  task: "finetune",
  usage:
    "-e experiments/<name> [--from exported|finetuned | --pretrained] [--resume | --restart] [--quiet]\n" +
    "  default: the experiment's own newest tables; --pretrained: the published tables",
  boolean: ["pretrained", "resume", "restart", "quiet"],
  string: ["experiment", "from"],
  alias: { e: "experiment" },
};

/** `deno task finetune` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const a = parseTaskArgs(args, SPEC);
  const exp = experimentArg(a, SPEC);
  exclusive(a, ["pretrained", "from"], SPEC);
  exclusive(a, ["resume", "restart"], SPEC);
  const config = await loadSrConfig(exp);
  await finetuneSr(config, {
    source: str(a, "from"), // checked by chooseSource (lib/sr/artifacts.ts)
    pretrained: a.flags.pretrained === true,
    resume: a.flags.resume === true,
    restart: a.flags.restart === true,
    quiet: a.flags.quiet === true,
  });
  if (!a.flags.quiet) console.log(`evaluate the fine-tuned tables with: deno task eval -e ${exp}`);
}

if (import.meta.main) await runCli("finetune", () => main(Deno.args));

/**
 * `deno task finetune -e experiments/<name> [--from exported|finetuned|dfc | --pretrained] [--resume | --restart] [--quiet]`:
 * LUT-aware fine-tuning of an SR experiment's tables ([finetune] section), written to <exp>/luts_ft. By
 * default it starts from the experiment's own newest tables (exported or fine-tuned; it prints which);
 * `--pretrained` starts from the published tables; `--from dfc` tunes the DFC-compressed tables of `export
 * --dfc` into <exp>/export/dfc_ft (lib/sr/dfc_finetune.ts).
 */
import { loadSrConfig } from "../sr/config.ts";
import { finetuneSr } from "../sr/finetune.ts";
import { finetuneDfc } from "../sr/dfc_finetune.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";

const SPEC: TaskSpec = {
  task: "finetune",
  usage:
    "-e experiments/<name> [--from exported|finetuned|dfc | --pretrained] [--resume | --restart] [--quiet]\n" +
    "  default: the experiment's own newest tables; --pretrained: the published tables;\n" +
    "  --from dfc: the DFC-compressed tables of export --dfc, tuned into <exp>/export/dfc_ft",
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
  const run = {
    resume: a.flags.resume === true,
    restart: a.flags.restart === true,
    quiet: a.flags.quiet === true,
  };
  const from = str(a, "from");
  if (from !== undefined && !["exported", "finetuned", "dfc", "pretrained"].includes(from)) {
    throw new Error(`--from must be exported, finetuned, dfc or pretrained, got "${from}"`);
  }
  if (from === "dfc") {
    await finetuneDfc(config, run);
    if (!run.quiet) {
      console.log(`evaluate the fine-tuned DFC tables with: deno task eval -e ${exp} --from dfc_ft`);
    }
    return;
  }
  await finetuneSr(config, {
    source: from, // checked by chooseSource (lib/sr/artifacts.ts)
    pretrained: a.flags.pretrained === true,
    ...run,
  });
  if (!a.flags.quiet) console.log(`evaluate the fine-tuned tables with: deno task eval -e ${exp}`);
}

if (import.meta.main) await runCli("finetune", () => main(Deno.args));

/**
 * `deno task finetune -e experiments/<name> [--from exported|finetuned | --pretrained] [--step N|best] [--resume | --restart] [--quiet]`:
 * LUT-aware fine-tuning of an SR experiment's tables ([finetune] section; [finetune_lut] total_iter / lr0
 * are its iterations / lr under the DFC repository's names), written to <exp>/luts_ft. By default it starts
 * from the DFC tables when [export_lut.dfc] enabled, else the experiment's own newest tables (exported or
 * fine-tuned; it prints which); `--from` overrides that, `--pretrained` starts from the published tables.
 * `--step` (overrides [finetune_lut] export_lut_iter) requires tables exported from that training step.
 */
import { loadSrConfig } from "../sr/config.ts";
import { finetuneSr } from "../sr/finetune.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";
import { parseStepChoice } from "../experiment/step_choice.ts";
import { srStep } from "../sr/steps.ts";

const SPEC: TaskSpec = {
  task: "finetune",
  usage:
    "-e experiments/<name> [--from exported|finetuned | --pretrained] [--step N|best] [--resume | --restart] [--quiet]\n" +
    "  default: the DFC tables when [export_lut.dfc] enabled, else the experiment's own newest tables\n" +
    "  (--from overrides that); --pretrained: the published tables;\n" +
    "  --step: tables exported from that training step (overrides [finetune_lut] export_lut_iter)",
  boolean: ["pretrained", "resume", "restart", "quiet"],
  string: ["experiment", "from", "step"],
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
    step: await srStep(config, parseStepChoice(str(a, "step"))),
    resume: a.flags.resume === true,
    restart: a.flags.restart === true,
    quiet: a.flags.quiet === true,
  });
  if (!a.flags.quiet) console.log(`evaluate the fine-tuned tables with: deno task eval -e ${exp}`);
}

if (import.meta.main) await runCli("finetune", () => main(Deno.args));

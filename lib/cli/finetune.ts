/**
 * `deno task finetune -e experiments/<name> [--from exported|finetuned|dfc | --pretrained] [--step N|best] [--resume | --restart] [--quiet]`:
 * LUT-aware fine-tuning of an SR experiment's tables ([finetune] section; [finetune_lut] total_iter / lr0
 * are its iterations / lr under the DFC repository's names), written to <exp>/luts_ft. By default it starts
 * from the DFC tables when [export_lut.dfc] enabled (DFC's third step: the fine band and coarse table of
 * `export --dfc` tuned into <exp>/export/dfc_ft, lib/sr/dfc_finetune.ts), else the experiment's own newest
 * tables (exported or fine-tuned; it prints which); `--from` overrides that, `--pretrained` starts from the
 * published tables. `--step` (overrides [finetune_lut] export_lut_iter) requires tables exported from that
 * training step.
 */
import { finetunesDfc, finetuneSr } from "../sr/finetune.ts";
import { finetuneDfc } from "../sr/dfc_finetune.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";
import { parseStepChoice } from "../experiment/step_choice.ts";
import { srStep } from "../sr/steps.ts";
import { loadSrFor } from "./sr_only.ts";

const SPEC: TaskSpec = {
  task: "finetune",
  usage:
    "-e experiments/<name> [--from exported|finetuned|dfc | --pretrained] [--step N|best] [--resume | --restart]\n" +
    "  [--quiet]\n" +
    "  default: the DFC tables when [export_lut.dfc] enabled (tuned into <exp>/export/dfc_ft), else the\n" +
    "  experiment's own newest tables (--from overrides that); --pretrained: the published tables;\n" +
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
  const config = await loadSrFor("finetune", exp);
  const run = {
    resume: a.flags.resume === true,
    restart: a.flags.restart === true,
    quiet: a.flags.quiet === true,
  };
  const from = str(a, "from");
  if (from !== undefined && !["exported", "finetuned", "dfc", "pretrained"].includes(from)) {
    throw new Error(`--from must be exported, finetuned, dfc or pretrained, got "${from}"`);
  }
  if (finetunesDfc(config, from, a.flags.pretrained === true)) {
    if (str(a, "step") !== undefined) {
      throw new Error(
        `--step picks exported tables; for DFC tables run export --dfc --step N, then finetune`,
      );
    }
    await finetuneDfc(config, run);
    if (!run.quiet) {
      console.log(`evaluate the fine-tuned DFC tables with: deno task eval -e ${exp} --from dfc_ft`);
    }
    return;
  }
  await finetuneSr(config, {
    source: from, // checked by chooseSource (lib/sr/artifacts.ts)
    pretrained: a.flags.pretrained === true,
    step: await srStep(config, parseStepChoice(str(a, "step"))),
    ...run,
  });
  if (!a.flags.quiet) console.log(`evaluate the fine-tuned tables with: deno task eval -e ${exp}`);
}

if (import.meta.main) await runCli("finetune", () => main(Deno.args));

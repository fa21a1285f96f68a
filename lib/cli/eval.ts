/**
 * `deno task eval -e experiments/<name> [options]`: evaluates an experiment on its test data.
 * experiment.task "enhance" -> lib/enhance/evaluate.ts (PSNR, SSIM, ΔE; PNGs, per-image and basis .cube
 * files, scores.csv under <exp>/eval/<source>/); "sr" -> lib/sr/evaluate.ts with the experiment's own
 * newest tables (exported, fine-tuned, DFC or fine-tuned DFC; it prints which), `--from` one of them, or
 * `--pretrained` the published tables. `--step N|best`: photo, that kept training checkpoint; SR, tables only
 * if they came from that step (their origin.json). The scores record the step (summary.json /
 * <source>.json, origin.json).
 */
import { loadExperiment } from "./all_tasks.ts";
import { exclusive, experimentArg, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";
import { parseStepChoice } from "../experiment/step_choice.ts";

const SPEC: TaskSpec = {
  task: "eval",
  usage:
    "-e experiments/<name> [--pretrained | --trained] [--from exported|finetuned|dfc|dfc_ft] [--step N|best]\n" +
    "  [--quiet]\n" +
    "  photo: default the checkpoint if present, else the pretrained weights;\n" +
    "         --convert-input xyz: convert the sRGB test inputs for an XYZ model (model.input_space)\n" +
    "  sr:    default the experiment's own newest tables (exported, fine-tuned, DFC or fine-tuned DFC);\n" +
    "         --pretrained: the published tables of the config's [pretrained] section",
  boolean: ["pretrained", "trained", "quiet"],
  string: ["experiment", "from", "convert-input", "step"],
  alias: { e: "experiment" },
};

/** `deno task eval` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const a = parseTaskArgs(args, SPEC);
  const exp = experimentArg(a, SPEC);
  exclusive(a, ["pretrained", "trained", "from"], SPEC);
  const from = str(a, "from"), quiet = a.flags.quiet === true, step = parseStepChoice(str(a, "step"));
  const ex = await loadExperiment(exp);
  if (ex.task === "sr") {
    if (str(a, "convert-input")) throw new Error(`${ex.file}: --convert-input is for photo experiments`);
    if (a.flags.trained) throw new Error(`${ex.file}: --trained is for photo experiments (SR: --from)`);
    const { evalSr } = await import("../sr/evaluate.ts");
    const { srStep } = await import("../sr/steps.ts");
    await evalSr(ex.config as Parameters<typeof evalSr>[0], {
      source: from, // checked by chooseSource (lib/sr/artifacts.ts)
      pretrained: a.flags.pretrained === true,
      step: await srStep(ex.config, step),
      quiet,
    });
  } else {
    if (from !== undefined) throw new Error(`${ex.file}: --from is for SR experiments`);
    const { initTf } = await import("../core/backend.ts");
    const { evalPhoto } = await import("../enhance/evaluate.ts");
    await initTf();
    const source = a.flags.pretrained ? "pretrained" : a.flags.trained ? "trained" : "auto";
    await evalPhoto(ex, { source, step, quiet, convertInput: str(a, "convert-input") });
  }
}

if (import.meta.main) await runCli("eval", () => main(Deno.args));

/**
 * `deno task finetune -e experiments/<name> [--from pretrained|exported] [--resume | --restart]`: LUT-aware
 * fine-tuning of the experiment's tables ([finetune] section), written to <exp>/luts_ft.
 */
import { loadSrConfig } from "../sr/core/config.ts";
import type { TableSource } from "../sr/core/experiment.ts";
import { finetuneSr } from "../sr/core/finetune.ts";

function arg(names: string[]): string | undefined {
  const i = Deno.args.findIndex((a) => names.includes(a));
  return i < 0 ? undefined : Deno.args[i + 1];
}

const exp = arg(["-e", "--experiment"]);
const from = arg(["--from"]);
if (!exp) {
  console.error(
    "usage: deno task finetune -e experiments/<name> [--from pretrained|exported] [--resume | --restart]",
  );
  Deno.exit(2);
}
if (from !== undefined && from !== "pretrained" && from !== "exported") {
  console.error(`finetune: --from must be "pretrained" or "exported", got "${from}"`);
  Deno.exit(2);
}
try {
  const config = await loadSrConfig(exp);
  await finetuneSr(config, {
    source: from as TableSource | undefined,
    resume: Deno.args.includes("--resume"),
    restart: Deno.args.includes("--restart"),
  });
} catch (e) {
  console.error(`finetune: ${(e as Error).message}`);
  Deno.exit(1);
}

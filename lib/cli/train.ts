/**
 * `deno task train -e experiments/<name> [--resume | --restart] [--quiet]`: trains an experiment. The
 * config's experiment.task picks the trainer: "enhance" -> lib/enhance/train.ts, "sr" -> lib/sr/core/train.ts
 * (each imported only when needed). Photo runs write <exp>/train/{log.jsonl, checkpoint.bin}.
 */
import { loadExperiment } from "../experiment/config.ts";

const USAGE = "usage: deno task train -e experiments/<name> [--resume | --restart] [--quiet]";

function arg(names: string[]): string | undefined {
  const i = Deno.args.findIndex((a) => names.includes(a));
  return i < 0 ? undefined : Deno.args[i + 1];
}

if (import.meta.main) {
  const exp = arg(["-e", "--experiment"]);
  const known = new Set(["-e", "--experiment", "--resume", "--restart", "--quiet", exp]);
  const unknown = Deno.args.filter((a) => !known.has(a));
  if (!exp || unknown.length) {
    console.error(unknown.length ? `train: unknown argument(s) ${unknown.join(" ")}\n${USAGE}` : USAGE);
    Deno.exit(2);
  }
  const resume = Deno.args.includes("--resume"), restart = Deno.args.includes("--restart");
  const quiet = Deno.args.includes("--quiet");
  try {
    if (resume && restart) throw new Error("--resume and --restart exclude each other");
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

/**
 * `deno task eval -e experiments/<name> [--pretrained | --trained] [--quiet]`: evaluates an experiment
 * on its test data. experiment.task "enhance" -> lib/enhance/evaluate.ts (PSNR, SSIM, ΔE; PNGs, per-image
 * and basis .cube files, scores.csv under <exp>/eval/<source>/); "sr" -> lib/sr/core/evaluate.ts (`--from`
 * is passed through as its table source).
 */
import { loadExperiment } from "../experiment/config.ts";

const USAGE =
  "usage: deno task eval -e experiments/<name> [--pretrained | --trained] [--from <sr source>] [--quiet]";

function arg(names: string[]): string | undefined {
  const i = Deno.args.findIndex((a) => names.includes(a));
  return i < 0 ? undefined : Deno.args[i + 1];
}

if (import.meta.main) {
  const exp = arg(["-e", "--experiment"]), from = arg(["--from"]);
  const known = new Set(["-e", "--experiment", "--pretrained", "--trained", "--quiet", "--from", exp, from]);
  const unknown = Deno.args.filter((a) => !known.has(a));
  if (!exp || unknown.length) {
    console.error(unknown.length ? `eval: unknown argument(s) ${unknown.join(" ")}\n${USAGE}` : USAGE);
    Deno.exit(2);
  }
  const quiet = Deno.args.includes("--quiet");
  const pre = Deno.args.includes("--pretrained"), trained = Deno.args.includes("--trained");
  try {
    if (pre && trained) throw new Error("--pretrained and --trained exclude each other");
    const ex = await loadExperiment(exp);
    if (ex.task === "sr") {
      const sr = await import("../sr/core/evaluate.ts");
      type SrOpts = NonNullable<Parameters<typeof sr.evalSr>[1]>;
      const source = (from ?? (pre ? "pretrained" : undefined)) as SrOpts["source"];
      await sr.evalSr(ex.config as Parameters<typeof sr.evalSr>[0], { source, quiet });
    } else {
      const { initTf } = await import("../core/backend.ts");
      const { evalPhoto } = await import("../enhance/evaluate.ts");
      await initTf();
      await evalPhoto(ex, { source: pre ? "pretrained" : trained ? "trained" : "auto", quiet });
    }
  } catch (e) {
    console.error(`eval: ${(e as Error).message}`);
    Deno.exit(1);
  }
}

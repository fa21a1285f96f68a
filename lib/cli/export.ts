/**
 * `deno task export -e experiments/<name>`: restores the experiment's trained network
 * (<exp>/train/checkpoint.ckpt) and writes every LutModule's table into <exp>/luts by enumeration
 * (progress with rate and ETA), int8 or float32 per [export] int8.
 */
import { join } from "@std/path";
import { loadSrConfig } from "../sr/config.ts";
import { exportModel, printProgress } from "../sr/enumerate.ts";
import { loadNetModel, tableDir } from "../sr/experiment.ts";

function usage(msg?: string): never {
  if (msg) console.error(`export: ${msg}`);
  console.error("usage: deno task export -e experiments/<name>");
  Deno.exit(2);
}

const i = Deno.args.findIndex((a) => a === "-e" || a === "--experiment");
if (i < 0 || !Deno.args[i + 1]) usage("missing -e experiments/<name>");
try {
  const config = await loadSrConfig(Deno.args[i + 1]);
  const model = await loadNetModel(config);
  const t0 = performance.now();
  const paths = await exportModel(model, tableDir(config, "exported"), {
    int8: config.export.int8,
    batch: config.export.batch,
    onProgress: printProgress,
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`exported ${paths.length} table(s) in ${secs}s:\n${paths.map((p) => `  ${p}`).join("\n")}`);
  console.log(`evaluate with: deno task eval -e ${join(config.dir)}`);
} catch (e) {
  console.error(`export: ${(e as Error).message}`);
  Deno.exit(1);
}

/**
 * Benchmark runner: imports every section lib/bench/*.ts (all but report.ts), or those named by
 * `--only a,b`, calls its `bench(report)`, prints the table and ratio lines, writes out/bench.json.
 * Exits 1 if a section throws. Usage: deno task bench [--only lut3d] [--out out/bench.json]
 */
import { basename, dirname, fromFileUrl, join, toFileUrl } from "@std/path";
import { BenchReport } from "../bench/report.ts";
import { repoRoot } from "../core/shared.ts";

type Section = { bench: (report: BenchReport) => Promise<void> };

function option(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  if (i < 0) return undefined;
  const v = Deno.args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
}

const benchDir = join(dirname(fromFileUrl(import.meta.url)), "..", "bench");
const available = [...Deno.readDirSync(benchDir)]
  .filter((e) => e.isFile && e.name.endsWith(".ts") && e.name !== "report.ts")
  .map((e) => basename(e.name, ".ts"))
  .sort();
const only = option("--only")?.split(",").map((s) => s.trim()).filter(Boolean);
for (const name of only ?? []) {
  if (!available.includes(name)) {
    console.error(`bench: unknown section "${name}" (available: ${available.join(", ")})`);
    Deno.exit(2);
  }
}
const sections = only ?? available;
const out = option("--out") ?? join(repoRoot, "out", "bench.json");

const report = new BenchReport();
const started = performance.now();
for (const [i, name] of sections.entries()) {
  console.log(`\n== bench ${i + 1}/${sections.length}: ${name}`);
  const t = performance.now();
  try {
    const mod = (await import(toFileUrl(join(benchDir, `${name}.ts`)).href)) as Partial<Section>;
    if (typeof mod.bench !== "function") throw new Error(`lib/bench/${name}.ts exports no bench(report)`);
    await mod.bench(report);
  } catch (e) {
    report.fail(name, e);
  }
  console.log(`== ${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
report.print();
const cpu = (() => {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1];
  } catch {
    return undefined;
  }
})();
await report.write(out, {
  sections,
  seconds: (performance.now() - started) / 1000,
  machine: { cpu, cores: navigator.hardwareConcurrency, os: Deno.build.os, deno: Deno.version.deno },
});
console.log(`\nwrote ${out}`);
if (report.failures.length) Deno.exit(1);

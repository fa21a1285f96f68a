/**
 * Benchmark runner: imports every section lib/bench/*.ts (all but report.ts), or those named by
 * `--only a,b`, calls its `bench(report)`, prints the table and ratio lines, writes out/bench.json.
 * Exits 1 if a section throws. `--quick`: sections that honour it (peers, train_backends) take fewer repetitions.
 * `--cases a,b`: sections that honour it (peers, train_backends) time only the models whose name contains one.
 * Usage: deno task bench [--only lut3d] [--quick] [--cases 3dlut] [--out out/bench.json]
 */
import { basename, dirname, fromFileUrl, join, toFileUrl } from "@std/path";
import { type BenchOptions, BenchReport } from "../bench/report.ts";
import { repoRoot } from "../core/shared.ts";
import { CliExit, parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";

type Section = { bench: (report: BenchReport, opts: BenchOptions) => Promise<void> };

const SPEC: TaskSpec = {
  task: "bench",
  usage: "[--only section,...] [--quick] [--cases model,...] [--out out/bench.json]",
  string: ["only", "out", "cases"],
  boolean: ["quick"],
};

const benchDir = join(dirname(fromFileUrl(import.meta.url)), "..", "bench");

/** `deno task bench` with `args`: runs the sections, prints and writes the report; false when one failed. */
export async function main(args: string[]): Promise<boolean> {
  const a = parseTaskArgs(args, SPEC);
  const available = [...Deno.readDirSync(benchDir)]
    .filter((e) => e.isFile && e.name.endsWith(".ts") && e.name !== "report.ts")
    .map((e) => basename(e.name, ".ts"))
    .sort();
  const list = (key: string) => str(a, key)?.split(",").map((s) => s.trim()).filter(Boolean);
  const only = list("only");
  const unknown = (only ?? []).filter((name) => !available.includes(name));
  if (unknown.length) {
    throw new CliExit(2, `unknown section ${unknown.join(", ")} (available: ${available.join(", ")})`);
  }
  const sections = only ?? available;
  const out = str(a, "out") ?? join(repoRoot, "out", "bench.json");
  const report = new BenchReport();
  const started = performance.now();
  for (const [i, name] of sections.entries()) {
    console.log(`\n== bench ${i + 1}/${sections.length}: ${name}`);
    const t = performance.now();
    try {
      const mod = (await import(toFileUrl(join(benchDir, `${name}.ts`)).href)) as Partial<Section>;
      if (typeof mod.bench !== "function") throw new Error(`lib/bench/${name}.ts exports no bench(report)`);
      await mod.bench(report, { quick: a.flags.quick === true, cases: list("cases") });
    } catch (e) {
      report.fail(name, e);
    }
    console.log(`== ${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  report.print();
  await report.write(out, {
    sections,
    seconds: (performance.now() - started) / 1000,
    machine: {
      cpu: cpuModel(),
      cores: navigator.hardwareConcurrency,
      os: Deno.build.os,
      deno: Deno.version.deno,
    },
  });
  console.log(`\nwrote ${out}`);
  return report.failures.length === 0;
}

/** The CPU model from /proc/cpuinfo, or undefined. */
function cpuModel(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1];
  } catch {
    return undefined;
  }
}

if (import.meta.main && !(await runCli("bench", () => main(Deno.args)))) Deno.exit(1);

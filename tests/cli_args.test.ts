// One argument parser for every `deno task` CLI (lib/cli/args.ts): unknown flags are refused with the
// task's usage, `--help` lists every preset of both tasks and exits 0, importing a CLI runs nothing, and
// `deno task new` lists the SR presets and rewrites a copied preset's header.
import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { CliExit, parseTaskArgs, presets } from "../lib/cli/args.ts";
import { main as evalMain } from "../lib/cli/eval.ts";
import { main as exportMain } from "../lib/cli/export.ts";
import { main as finetuneMain } from "../lib/cli/finetune.ts";
import { main as newMain, newExperiment } from "../lib/cli/new.ts";
import { main as quickstartMain } from "../lib/cli/quickstart.ts";
import { main as figuresMain } from "../lib/cli/figures.ts";
import { main as benchMain } from "../lib/cli/bench.ts";
import { main as notebooksMain } from "../lib/cli/notebooks.ts";
import { main as applyMain } from "../lib/cli/apply.ts";
import { runCliProcess } from "./cli_util.ts";

const MAINS: Record<string, (args: string[]) => Promise<unknown>> = {
  eval: evalMain,
  export: exportMain,
  finetune: finetuneMain,
  new: newMain,
  quickstart: quickstartMain,
  figures: figuresMain,
  bench: benchMain,
  notebooks: notebooksMain,
  apply: applyMain,
};

/** The CliExit that `main(args)` throws. */
async function exit(main: (args: string[]) => Promise<unknown>, args: string[]): Promise<CliExit> {
  return await assertRejects(() => main(args), CliExit);
}

Deno.test("presets: both tasks and the sweeps, every experiments/<name> folder", () => {
  const all = presets();
  const names = [...Deno.readDirSync(join(repoRoot, "experiments"))].filter((e) => e.isDirectory).map((e) =>
    e.name
  );
  assertEquals(all.map((p) => p.name).sort(), names.sort());
  assert(all.some((p) => p.task === "sr" && p.name === "sr-lut-s-x4"));
  assert(all.some((p) => p.task === "photo" && p.name === "clutnet-20+05+10"));
  assert(all.some((p) => p.task === "sweep" && p.name === "clutnet-ablation"));
});

for (const [task, main] of Object.entries(MAINS)) {
  Deno.test(`${task}: --help lists every preset (exit 0); an unknown flag is refused with the usage (exit 2)`, async () => {
    const help = await exit(main, ["--help"]);
    assertEquals(help.code, 0);
    assertStringIncludes(help.message, `usage: deno task ${task}`);
    for (const p of presets()) assertStringIncludes(help.message, p.name);
    const bad = await exit(main, ["--no-such-flag", "x"]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.message, "unknown option --no-such-flag");
    assertStringIncludes(bad.message, `usage: deno task ${task}`);
  });
}

Deno.test("parseTaskArgs: values, aliases, missing values, stray positionals", () => {
  const spec = {
    task: "t",
    usage: "-e x",
    boolean: ["quiet"],
    string: ["experiment", "from"],
    alias: { e: "experiment" },
    positionals: 1,
  };
  const a = parseTaskArgs(["-e", "my exp", "--quiet", "in.png"], spec);
  assertEquals(a.flags.experiment, "my exp");
  assertEquals(a.flags.quiet, true);
  assertEquals(a.positionals, ["in.png"]);
  assertEquals(parseTaskArgs(["--from=dfc"], spec).flags.from, "dfc");
  for (
    const [args, msg] of [[["-e"], "--experiment needs a value"], [
      ["a", "b"],
      "unexpected argument b",
    ]] as const
  ) {
    const e = assertThrows(() => parseTaskArgs([...args], spec), CliExit);
    assertEquals(e.code, 2);
    assertStringIncludes(e.message, msg);
  }
});

Deno.test("train and eval as processes: --help on stdout with exit 0, unknown flags exit 2 on stderr", async () => {
  for (const task of ["train", "eval"]) {
    const help = await runCliProcess(task, ["--help"]);
    assertEquals(help.code, 0, help.err);
    assertStringIncludes(help.out, "sr-lut-s-x4");
    assertStringIncludes(help.out, "clutnet-20+05+10");
    const bad = await runCliProcess(task, ["-e", "experiments/3dlut", "--bogus"]);
    assertEquals(bad.code, 2, bad.out);
    assertStringIncludes(bad.err, `${task}: unknown option --bogus`);
  }
});

Deno.test("new: usage lists the SR presets; a copied SR preset names the new experiment", async () => {
  const e = await exit(newMain, []);
  assertStringIncludes(e.message, "sr presets:");
  for (const p of presets().filter((p) => p.task === "sr")) assertStringIncludes(e.message, p.name);
  const dir = await Deno.makeTempDir({ prefix: "cli_new" });
  try {
    const file = await newExperiment(join(dir, "mine"), "sr-lut-s-x4");
    const text = await Deno.readTextFile(file);
    assert(!text.includes("deno task eval -e experiments/sr-lut-s-x4"), text);
    assertStringIncludes(text, 'name = "mine"');
    assert(/^description = "mine, copied from preset sr-lut-s-x4/m.test(text), text);
    assert(text.startsWith("# mine: copied from experiments/sr-lut-s-x4/config.toml"), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

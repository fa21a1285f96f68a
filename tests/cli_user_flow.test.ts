// The user flow of issue 21: finetune on a photo experiment says what finetune is for; figures of two
// experiments do not overwrite each other and --help lists the figure names; a folder `apply` names a bad
// file, carries on, fails at the end and continues with --skip-existing; the input/ + target/ layout warns
// that training and test share images and the eval report marks it; --help lists the user's own experiment
// folders apart from the shipped presets.
import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { CliExit, presetHelp, presets } from "../lib/cli/args.ts";
import { main as finetuneMain } from "../lib/cli/finetune.ts";
import { main as figuresMain, writeFigures } from "../lib/cli/figures.ts";
import { main as applyMain } from "../lib/cli/apply.ts";
import { writeCube } from "../lib/formats/cube.ts";
import { writeImage } from "../lib/image/io.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { loadPhotoConfig } from "../lib/enhance/config.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { evalPhoto } from "../lib/enhance/evaluate.ts";
import { initTf } from "../lib/core/backend.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { captureConsole, MODELS, smooth } from "./cli_util.ts";

/** Runs `f` with console.warn captured; returns the warnings. */
const warnings = (f: () => Promise<unknown>) => captureConsole("warn", f);

Deno.test("finetune -e <photo experiment>: says finetune tunes SR tables, names task and family and what to use", async () => {
  const e = await assertRejects(
    () => finetuneMain(["-e", join(repoRoot, "experiments", "quickstart")]),
    Error,
  );
  assert(!e.message.includes("unknown section"), e.message);
  assertStringIncludes(e.message, 'experiment.task "enhance", model.family "clutnet"');
  assertStringIncludes(e.message, "LUT-aware fine-tuning of SR lookup tables");
  assertStringIncludes(e.message, "deno task train -e");
  assertStringIncludes(e.message, "deno task export -e");
});

Deno.test("figures -e A then -e B into one folder: both training curves kept; --help lists every --only name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flow_figures" });
  try {
    const out = join(dir, "figs");
    for (const [name, psnr] of [["A", 11.25], ["B", 22.75]] as const) {
      await Deno.mkdir(join(dir, name, "train"), { recursive: true });
      await Deno.writeTextFile(
        join(dir, name, "train", "log.jsonl"),
        `{"step":1,"loss":0.5,"psnr":${psnr - 1}}\n{"step":2,"loss":0.25,"psnr":${psnr}}\n`,
      );
      const r = await writeFigures({ exp: join(dir, name), out, png: false, only: ["training_curves"] });
      assertEquals(r.written, [join(out, `${name}_training_curves.html`)]);
    }
    assertStringIncludes(await Deno.readTextFile(join(out, "A_training_curves.html")), "11.25");
    assertStringIncludes(await Deno.readTextFile(join(out, "B_training_curves.html")), "22.75");
    const help = await assertRejects(() => figuresMain(["--help"]), CliExit);
    for (
      const n of [
        "clut_strong_correlation",
        "clut_weak_correlation",
        "clut_matrices",
        "lut_lattice",
        "grid_occupancy",
        "training_curves",
        "sr_storage_psnr",
        "autolut_samplers",
        "autolut_adarl",
      ]
    ) assertStringIncludes(help.message, n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("apply on a folder: an undecodable file is named, the rest written, exit fails at the end; --skip-existing continues", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flow_apply" });
  try {
    const cube = join(dir, "id.cube"), input = join(dir, "in"), out = join(dir, "out");
    const lut = new Float32Array(3 * 8);
    for (let i = 0; i < 8; i++) for (let c = 0; c < 3; c++) lut[c * 8 + i] = (i >> c) & 1;
    await writeCube(cube, { size: 2, lut });
    await writeImage(join(input, "a.png"), smooth(8, 8, 0));
    await Deno.writeTextFile(join(input, "b.png"), "not a PNG"); // sorted between the good ones
    await writeImage(join(input, "c.png"), smooth(8, 8, 1));
    const e = await assertRejects(() => applyMain(["--cube", cube, input, out, "--quiet"]), Error);
    assertStringIncludes(e.message, "2 written, 0 skipped (output exists), 1 failed");
    assertStringIncludes(e.message, join(input, "b.png"));
    assertStringIncludes(e.message, "--skip-existing");
    const outs = async () => (await Array.fromAsync(Deno.readDir(out))).map((f) => f.name).sort();
    assertEquals(await outs(), ["a.png", "c.png"]); // the file after the bad one was written too
    // a plain rerun refuses the existing outputs; --skip-existing does only what is missing
    await assertRejects(() => applyMain(["--cube", cube, input, out, "--quiet"]), Error, "output exists");
    const again = await assertRejects(
      () => applyMain(["--cube", cube, input, out, "--skip-existing", "--quiet"]),
      Error,
    );
    assertStringIncludes(again.message, "0 written, 2 skipped (output exists), 1 failed");
    // one image alone: its own error, naming the file
    const single = await assertRejects(
      () => applyMain(["--cube", cube, join(input, "b.png"), join(dir, "b_out.png"), "--quiet"]),
      Error,
    );
    assertStringIncludes(single.message, `cannot decode image ${join(input, "b.png")}`);
    await writeImage(join(input, "b.png"), smooth(8, 8, 2)); // fixed
    const before = (await Deno.stat(join(out, "a.png"))).mtime!.getTime();
    assertEquals(await applyMain(["--cube", cube, input, out, "--skip-existing", "--quiet"]), [
      join(out, "b.png"),
    ]);
    assertEquals(await outs(), ["a.png", "b.png", "c.png"]);
    assertEquals((await Deno.stat(join(out, "a.png"))).mtime!.getTime(), before, "a.png left alone");
    const both = await assertRejects(
      () => applyMain(["--cube", cube, input, out, "--skip-existing", "--force"]),
      CliExit,
    );
    assertStringIncludes(both.message, "--force and --skip-existing exclude each other");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("input/ + target/ layout: train and eval warn that test = training images (naming the folder); summary.json marks it", async () => {
  await initTf();
  const dir = await Deno.makeTempDir({ prefix: "flow_heldout" });
  try {
    const data = join(dir, "data");
    for (const k of [0, 1]) {
      const img = smooth(24, 32, k);
      await writeImage(join(data, "input", `p${k}.png`), img);
      await writeImage(join(data, "target", `p${k}.png`), retouchImage(img));
    }
    await Deno.writeTextFile(
      join(dir, "config.toml"),
      `[experiment]\nname = "oneset"\ntask = "enhance"\nseed = 3\n[model]\n${MODELS["3dlut"]}\n` +
        `[data]\nroot = "${data}"\n[train]\nsteps = 2\naugment = "none"\nlog_every = 1\neval_every = 2\n` +
        `checkpoint_every = 2\n[eval]\nsave_images = false\nsave_cubes = false\n`,
    );
    const config = await loadPhotoConfig(dir);
    const trained = await warnings(() => trainPhoto(config, { quiet: true }));
    assertEquals(trained.length, 1, trained.join("\n"));
    assertMatch(
      trained[0],
      /^WARNING: .*data has one set of pairs \(input\/ \+ target\/\): training and test use/,
    );
    assertStringIncludes(trained[0], data);
    const evaluated = await warnings(() => evalPhoto(config, { source: "trained", quiet: true }));
    assertEquals(evaluated, trained);
    const summary = JSON.parse(await Deno.readTextFile(join(dir, "eval", "trained", "summary.json")));
    assertEquals(summary.test_is_train, true);

    // the split layout: no warning, not marked
    await Deno.rename(join(data, "input"), join(data, "input_train"));
    await Deno.rename(join(data, "target"), join(data, "target_train"));
    await Deno.mkdir(join(data, "input_test")), await Deno.mkdir(join(data, "target_test"));
    await Deno.rename(join(data, "input_train", "p1.png"), join(data, "input_test", "p1.png"));
    await Deno.rename(join(data, "target_train", "p1.png"), join(data, "target_test", "p1.png"));
    assertEquals(await warnings(() => trainPhoto(config, { quiet: true, restart: true })), []);
    assertEquals(await warnings(() => evalPhoto(config, { source: "trained", quiet: true })), []);
    const split = JSON.parse(await Deno.readTextFile(join(dir, "eval", "trained", "summary.json")));
    assertEquals(split.test_is_train, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help: the user's own experiment folders (untracked) are listed apart from the shipped presets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flow_presets" });
  try {
    const git = (...args: string[]) =>
      new Deno.Command("git", { args: ["-C", dir, ...args], stdout: "null", stderr: "null" }).outputSync();
    const root = join(dir, "experiments");
    for (const [name, desc] of [["shipped-one", "a shipped preset"], ["mine", "my own run"]]) {
      await Deno.mkdir(join(root, name), { recursive: true });
      await Deno.writeTextFile(
        join(root, name, "config.toml"),
        `[experiment]\nname = "${name}"\ndescription = "${desc}"\n`,
      );
    }
    // outside a git checkout nothing can be told apart, and the help says so
    const unknown = presets(root);
    assertEquals(unknown.map((p) => p.shipped), [undefined, undefined]);
    assertStringIncludes(presetHelp(unknown), "not a git checkout");
    assert(git("init", "-q").success);
    assert(git("add", "experiments/shipped-one/config.toml").success);
    const rows = presets(root);
    assertEquals(rows.map((p) => [p.name, p.shipped]), [["mine", false], ["shipped-one", true]]);
    const help = presetHelp(rows);
    const [shipped, mine] = help.split("your experiments");
    assertStringIncludes(shipped, "shipped-one");
    assert(!shipped.includes("my own run"), help);
    assertStringIncludes(mine, "mine  photo  my own run");
    // the repository's own presets are tracked: shipped
    const repo = new Map(presets().map((p) => [p.name, p.shipped]));
    assertEquals([repo.get("quickstart"), repo.get("sr-lut-s-x4"), repo.get("clutnet-ablation")], [
      true,
      true,
      true,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

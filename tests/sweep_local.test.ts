/**
 * Sweeps on local cores: expansion of sweep.toml into member experiments, errors naming the file and key,
 * and the tiny 4-member sweep run with --local, killed mid-run and rerun: finished members are skipped,
 * the interrupted one resumes from its checkpoint, and the table equals an uninterrupted run's.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { parse } from "@std/toml";
import { loadSweep, memberToml } from "../lib/sweep/spec.ts";
import { loadExperiment } from "../lib/cli/all_tasks.ts";
import { writeJsonAtomic } from "../lib/core/atomic.ts";
import { reportFigure, writeReport } from "../lib/sweep/report.ts";
import { ROOT, runSweepCli, sweepCli, tableWithoutTimes, tinySweepCopy } from "./sweep_util.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { evalFolder } from "../lib/sr/core/benchmark.ts";
import { compressModel, storageBytes } from "../lib/sr/storage.ts";
import { loadSrlut } from "../lib/sr/models/pretrained.ts";
import { initTf } from "../lib/core/backend.ts";

Deno.test("sweep.toml expands variants x axes into member configs (set, unset, averaged rows)", async () => {
  const dir = await tinySweepCopy();
  try {
    const s = await loadSweep(dir);
    assertEquals(s.members.map((m) => m.id), ["3dlut-seed1", "3dlut-seed2", "fixed-seed1", "fixed-seed2"]);
    assertEquals(s.members.map((m) => m.row), ["3dlut", "3dlut", "fixed", "fixed"]);
    assertEquals(s.slurm, { partition: undefined, cpus: 1, mem: "1G", time: "00:10:00", ranks: 1 });
    const cfg = parse(await memberToml(s, s.members[1])) as Record<string, Record<string, unknown>>;
    assertEquals(cfg.experiment.seed, 2);
    assertEquals(cfg.experiment.name, "3dlut-seed2");
    assertEquals(cfg.model, { family: "3dlut", luts: 3, dim: 9, backbone: "SmallBackbone" });
    const fixed = parse(await memberToml(s, s.members[2])) as Record<string, Record<string, unknown>>;
    assertEquals(fixed.model.compression, "fixed");
    assertEquals(fixed.model.s, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every experiments/*/sweep.toml preset expands into valid experiment configs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sweeps = [];
    for await (const e of Deno.readDir(join(ROOT, "experiments"))) {
      if (await Deno.stat(join(ROOT, "experiments", e.name, "sweep.toml")).then(() => true, () => false)) {
        sweeps.push(e.name);
      }
    }
    for (const name of ["sweep-tiny", "clutnet-ablation", "srlut-patterns", "dfc-grid"]) {
      assert(sweeps.includes(name), `experiments/${name}/sweep.toml is missing`);
    }
    for (const name of sweeps) {
      const s = await loadSweep(join(ROOT, "experiments", name));
      for (const m of s.members) {
        const file = join(dir, `${name}-${m.id}.toml`);
        await Deno.writeTextFile(file, await memberToml(s, m));
        await loadExperiment(file);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: rows average the seeds, partial rows count their runs, paper numbers beside ours", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "sweep.toml"),
      `[sweep]\nbase = "${join(ROOT, "experiments", "sweep-tiny", "base.toml")}"\n` +
        `[axes]\n"experiment.seed" = [1, 2]\n[[variants]]\nname = "a"\nlabel = "A, full"\n[[variants]]\nname = "b"\n` +
        `[report]\naverage = ["experiment.seed"]\n[published]\ncitation = "Someone 2022"\nrows.a = { psnr = 25.5 }\n`,
    );
    const s = await loadSweep(dir);
    const done = (i: number, psnr: number, ssim: number) =>
      writeJsonAtomic(join(s.members[i].dir, "sweep", "done.json"), {
        id: s.members[i].id,
        metrics: { psnr, ssim },
        train_s: 2,
        eval_s: 1,
      });
    await Promise.all([done(0, 20, 0.5), done(1, 22, 0.7), done(2, 30, 0.9)]);
    const rep = await writeReport(s);
    assertEquals(
      await Deno.readTextFile(join(dir, "report", "table.csv")),
      "row,label,done,members,psnr,ssim,psnr_std,ssim_std,paper_psnr,train_s,eval_s\n" +
        `a,"A, full",2,2,21.0000,0.6000,1.0000,0.1000,25.5,2.0,1.0\n` +
        "b,b,1,2,30.0000,0.9000,0.0000,0.0000,,2.0,1.0\n",
    );
    assertStringIncludes(rep.markdown, "| A, full | 21.00 ± 1.00 | 25.5 | 0.6000 ± 0.1000 | 2/2 |");
    assertStringIncludes(rep.markdown, "| b | 30.00 | — | 0.9000 | 1/2 |");
    assertStringIncludes(rep.markdown, "Paper: Someone 2022");
    const fig = reportFigure(s, rep);
    assertEquals(fig.data.map((t) => [t.type, t.name]), [["bar", "psnr (ours)"], [
      "scatter",
      "psnr (paper)",
    ]]);
    assert((await Deno.stat(join(dir, "report", "figure.html"))).size > 1e6, "figure.html embeds plotly");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep.toml errors name the file and the key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "sweep.toml");
    const bad = async (text: string, msg: RegExp) => {
      await Deno.writeTextFile(file, text);
      const e = await assertRejects(() => loadSweep(dir));
      assertMatch((e as Error).message, msg);
      assertStringIncludes((e as Error).message, file);
    };
    await bad(`[sweep]\nbase = "b"\n[axes]\n"model.dim" = 5\n`, /axes\.model\.dim must be a non-empty array/);
    await bad(`[sweep]\nbase = "b"\nbogus = 1\n`, /unknown key sweep\.bogus/);
    await bad(
      `[sweep]\nbase = "b"\n[axes]\nmodel.dim = [5]\n[report]\naverage = ["seed"]\n`,
      /report\.average names seed/,
    );
    await bad(`[sweep]\nbase = "b"\n[[variants]]\nname = "a b"\n`, /variants\[0\]\.name must be folder-safe/);
    await bad(
      `[sweep]\nbase = "b"\n[axes]\nmodel.dim = [5]\n[published.rows.dim9]\npsnr = 1\n`,
      /published\.rows\.dim9: no such row/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a killed --local sweep resumes: finished members skipped, the killed one resumed, same table", async () => {
  const [killed, whole] = await Promise.all([tinySweepCopy(), tinySweepCopy()]);
  try {
    const reference = runSweepCli(["-e", whole, "--local", "2"]);
    // first run, one member at a time: stop it once member 0 is done and member 1 has a checkpoint
    const child = sweepCli(["-e", killed, "--local", "1"]);
    const out = child.stdout.pipeTo(new WritableStream()), err = child.stderr.pipeTo(new WritableStream());
    const m = (id: string, ...p: string[]) => join(killed, "members", id, ...p);
    const has = (p: string) => Deno.stat(p).then(() => true, () => false);
    let stopped = false;
    for (let i = 0; i < 1200 && !stopped; i++) {
      if (
        await has(m("3dlut-seed1", "sweep", "done.json")) &&
        await has(m("3dlut-seed2", "train", "checkpoint.bin"))
      ) {
        child.kill("SIGTERM");
        stopped = true;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    const status = await child.status;
    await Promise.all([out, err]);
    assert(stopped, "the sweep finished before it could be interrupted");
    assertEquals(status.code, 130);
    assert(!await has(m("3dlut-seed2", "sweep", "done.json")), "member 1 finished despite the kill");
    const again = await runSweepCli(["-e", killed, "--local", "2"]);
    assertEquals(again.code, 0, again.out);
    assertMatch(again.out, /4 members in .*, [23] to run/);
    assertStringIncludes(await Deno.readTextFile(m("3dlut-seed2", "sweep", "train.log")), "--resume");
    assertStringIncludes(await Deno.readTextFile(m("3dlut-seed2", "train", "log.jsonl")), '"step":4');
    const ref = await reference;
    assertEquals(ref.code, 0, ref.out);
    const table = await tableWithoutTimes(killed);
    assertEquals(table, await tableWithoutTimes(whole));
    assertEquals(table.trimEnd().split("\n").length, 3, table);
    assertMatch(table, /\nfixed,[^\n]*,2,2,\d+\.\d{4},/);
  } finally {
    await Promise.all([killed, whole].map((d) => Deno.remove(d, { recursive: true })));
  }
});

const set5 = sharedPath("SRBenchmark", "Set5");
const srlutX2 = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x2_4bit_int8.npy");

Deno.test({
  name: 'eval = "dfc" sweep: export --dfc then eval --from dfc per member, the numbers of in-memory DFC',
  ignore: !set5 || !srlutX2,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lutlab-sweep-dfc-" });
    try {
      await Deno.writeTextFile(
        join(dir, "base.toml"),
        `[experiment]\nname = "srlut-x2"\ntask = "sr"\n[model]\nkind = "srlut"\nupscale = 2\n` +
          `[eval]\nsets = ["Set5"]\n[pretrained]\ntables = "${srlutX2}"\n`,
      );
      await Deno.writeTextFile(
        join(dir, "sweep.toml"),
        `[sweep]\nbase = "base.toml"\ntrain = false\neval = "dfc"\nset = { "eval.save_images" = false }\n` +
          `[axes]\n"dfc.diagonal_width" = [2]\n"dfc.sampling_interval" = [5, 6]\n`,
      );
      const r = await runSweepCli(["-e", dir, "--local", "1"]);
      assertEquals(r.code, 0, r.out);
      // the reference: the published tables compressed in memory and scored on Set5
      await initTf();
      const model = await loadSrlut(srlutX2!);
      const full = storageBytes(model);
      const s = await loadSweep(dir);
      const csv = (await tableWithoutTimes(dir)).trimEnd().split("\n");
      assertEquals(
        csv[0],
        "row,label,done,members,Set5_psnr,Set5_ssim,full_kb,dfc_kb,Set5_psnr_std,Set5_ssim_std,full_kb_std,dfc_kb_std",
      );
      for (const [i, si] of [5, 6].entries()) {
        compressModel(model, { diagonalWidth: 2, samplingInterval: si });
        const want = await evalFolder(model, set5!, { kind: "bicubic", scale: 2 });
        const m = s.members[i];
        const done = JSON.parse(await Deno.readTextFile(join(m.dir, "sweep", "done.json")));
        assertEquals(done.metrics, {
          Set5_psnr: want.psnr,
          Set5_ssim: want.ssim,
          full_kb: full / 1024,
          dfc_kb: storageBytes(model) / 1024,
        });
        const f = (v: number) => v.toFixed(4);
        assertEquals(
          csv[i + 1],
          `${m.row},"${m.label}",1,1,${f(want.psnr)},${f(want.ssim)},${f(full / 1024)},` +
            `${f(storageBytes(model) / 1024)},0.0000,0.0000,0.0000,0.0000`,
        );
        // one route: the member holds what `export --dfc --from pretrained` writes, and no PNGs
        const manifest = JSON.parse(await Deno.readTextFile(join(m.dir, "export", "dfc", "dfc.json")));
        assertEquals([manifest.source, manifest.sampling_interval, manifest.diagonal_width], [
          "pretrained",
          si,
          2,
        ]);
        assert(!await Deno.stat(join(m.dir, "eval", "dfc", "Set5")).then(() => true, () => false));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

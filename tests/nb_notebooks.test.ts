/**
 * Notebooks: the committed notebooks are stripped and runnable (all executed headless through the
 * runner), and the runner itself fails on errors and silently empty cells. Skipped (with the reason)
 * when Jupyter or the Deno kernel is not installed.
 */
import { assert, assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";
import {
  DRIVER,
  jupyterProblem,
  PYTHON,
  runNotebooks,
  selectNotebooks,
  writeExecuted,
} from "../lib/cli/notebooks.ts";
import { writeNotebook } from "./nb_util.ts";
import { PLOTLY_LOADER_MARK } from "../lib/analysis/plotlyjs.ts";

const problem = await jupyterProblem();
if (problem) console.log(`nb_notebooks: notebook execution tests skipped: ${problem}`);
/** ANSI colour escapes (the Deno kernel colours text/plain results). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const notebooksDir = join(dirname(fromFileUrl(import.meta.url)), "..", "notebooks");

type Cell = {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
};

Deno.test("committed notebooks are executed (deno task notebooks --write): counts, outputs, no errors", () => {
  const paths = selectNotebooks([], notebooksDir);
  assert(paths.length > 0, "no notebooks");
  for (const path of paths) {
    const nb = JSON.parse(Deno.readTextFileSync(path));
    assertEquals(nb.metadata.kernelspec.name, "deno", `${path}: kernel`);
    const code = (nb.cells as Cell[]).filter((c) => c.cell_type === "code");
    code.forEach((c, i) => {
      assert(typeof c.execution_count === "number", `${path}: code cell ${i + 1} not executed (--write)`);
      const kinds = (c.outputs as { output_type: string }[]).map((o) => o.output_type);
      assert(!kinds.includes("error"), `${path}: code cell ${i + 1} has an error output`);
    });
    assertEquals(
      code.map((c) => c.execution_count),
      code.map((_, i) => i + 1),
      `${path}: not executed top to bottom in one session`,
    );
    const text = Deno.readTextFileSync(path);
    if (text.includes("application/vnd.plotly.v1+json")) {
      assertEquals(
        text.split(PLOTLY_LOADER_MARK).length - 1,
        1,
        `${path}: plotly.js must be inlined exactly once`,
      );
    }
    const src = (c: Cell) => Array.isArray(c.source) ? c.source.join("") : c.source;
    assert(
      code.some((c) => /^const FULL = false;/m.test(src(c))),
      `${path}: no visible "const FULL = false;"`,
    );
  }
});

Deno.test({
  name: "--write replaces a notebook by its executed copy only when every notebook passed",
  ignore: problem !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "nb_write_" });
    try {
      const good = writeNotebook(dir, "good", [{ source: "6 * 7" }, { source: 'console.log("hi")' }]);
      assert(await writeExecuted([good]));
      const nb = JSON.parse(Deno.readTextFileSync(good));
      assertEquals(nb.cells.map((c: Cell) => c.execution_count), [1, 2]);
      assert(JSON.stringify(nb.cells[0].outputs).includes("42"));
      const bad = writeNotebook(dir, "bad", [{ source: 'throw new Error("boom")' }]);
      const before = Deno.readTextFileSync(bad), goodBefore = Deno.readTextFileSync(good);
      assert(!(await writeExecuted([good, bad])));
      assertEquals(Deno.readTextFileSync(bad), before);
      assertEquals(
        Deno.readTextFileSync(good),
        goodBefore,
        "a passing notebook was replaced although one failed",
      );
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["bad.ipynb", "good.ipynb"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function drive(path: string, out: string): Promise<{ ok: boolean; text: string }> {
  const r = await new Deno.Command(PYTHON, { args: [DRIVER, "--out", out, "--timeout", "60", path] })
    .output();
  const dec = new TextDecoder();
  return { ok: r.success, text: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test({
  name: "runner: outputs are kept even when they arrive after idle; errors and empty cells fail",
  ignore: problem !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "nb_runner_" });
    try {
      // An import, then bare expressions: the Deno kernel often sends such execute_results after idle.
      const good = writeNotebook(dir, "good", [
        { source: 'import { join } from "node:path";\njoin("a", "b")' },
        ...Array.from({ length: 6 }, (_, i) => ({ source: `${i} * 7` })),
        { source: 'console.log("x"); await new Promise((r) => setTimeout(r, 300)); console.log("late")' },
        { source: "const quiet = 1;", tags: ["no-output"] },
      ]);
      const ok = await drive(good, join(dir, "out"));
      assert(ok.ok, ok.text);
      const nb = JSON.parse(Deno.readTextFileSync(join(dir, "out", "good.ipynb")));
      const text = (v: string | string[] | undefined) => Array.isArray(v) ? v.join("") : v ?? "";
      type Out = { data?: Record<string, string | string[]>; text?: string | string[] };
      const plain = (c: { outputs: Out[] }) =>
        c.outputs.map((o) => text(o.data?.["text/plain"]) || text(o.text)).join("").replace(
          ANSI,
          "",
        );
      assertEquals(plain(nb.cells[0]), '"a/b"');
      for (let i = 0; i < 6; ++i) assertEquals(plain(nb.cells[1 + i]), `${i * 7}`);
      assertEquals(plain(nb.cells[7]), "x\nlate\n");
      assertEquals(JSON.parse(Deno.readTextFileSync(good)).cells[0].outputs, [], "ran in place");

      const bad = await drive(
        writeNotebook(dir, "bad", [{ source: "1" }, { source: 'throw new Error("boom")' }, { source: "2" }]),
        join(dir, "out"),
      );
      assert(!bad.ok && bad.text.includes("cell 2") && bad.text.includes("boom"), bad.text);

      const empty = await drive(writeNotebook(dir, "empty", [{ source: "const z = 3;" }]), join(dir, "out"));
      assert(!empty.ok && empty.text.includes("produced no output"), empty.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "every notebook runs top to bottom headless (deno task notebooks)",
  ignore: problem !== undefined,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "nb_out_" });
    try {
      const t0 = performance.now();
      assert(await runNotebooks(selectNotebooks([], notebooksDir), { out }), "a notebook failed (see above)");
      console.log(`all notebooks: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

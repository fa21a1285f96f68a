/**
 * Numbers in the committed notebooks' prose (and the README rows quoting them) that a run could contradict
 * are checked against the outputs of the same notebook: each claim names the markdown phrase (its number
 * captured) and the output line that prints the measured number. Other numbers in the prose are either printed by a cell or are
 * constants of the method (lattice sizes, paper settings).
 */
import { assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";

const dir = join(dirname(fromFileUrl(import.meta.url)), "..", "notebooks");

type Cell = { cell_type: string; source: string | string[]; outputs?: Record<string, unknown>[] };
const text = (v: unknown) => Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "";

/** Markdown and output text of a notebook. */
function read(name: string): { prose: string; outputs: string } {
  const nb = JSON.parse(Deno.readTextFileSync(join(dir, name)));
  const cells = nb.cells as Cell[];
  return {
    prose: cells.filter((c) => c.cell_type === "markdown").map((c) => text(c.source)).join("\n"),
    outputs: cells.flatMap((c) => c.outputs ?? []).map((o) =>
      text(o.text) + text((o.data as Record<string, unknown> | undefined)?.["text/plain"])
    ).join("\n"),
  };
}

/** Prose claims: [notebook, prose pattern, output pattern], each with one captured number. */
const CLAIMS: [string, RegExp, RegExp][] = [
  [
    "02_clutnet.ipynb",
    /\*\*This CPU run cannot show the paper's ranking\*\*: (\d+) steps/,
    /in (\d+) steps \(/,
  ],
  ["02_clutnet.ipynb", /ran ([\d,]+) steps on one\s+thread/, /: (\d+) steps in \d+ s on 1 thread/],
  ["05_spf_lut_dfc.ipynb", /\(nf 16, (\d+) iterations;/, /trained (\d+) iterations in/],
];

for (const [name, prose, output] of CLAIMS) {
  Deno.test(`${name}: the prose's "${prose.source.slice(0, 40)}…" matches the outputs`, () => {
    const nb = read(name);
    const said = nb.prose.match(prose);
    if (!said) throw new Error(`${name}: prose no longer says ${prose}`);
    const shown = nb.outputs.match(output);
    if (!shown) throw new Error(`${name}: no output matches ${output}`);
    assertEquals(said[1].replaceAll(",", ""), shown[1], `${name}: prose ${said[0]} vs output ${shown[0]}`);
  });
}

Deno.test("README's AutoLUT fine-tuning rows are notebook 06's measured steps and Set5 scores", () => {
  const readme = Deno.readTextFileSync(join(dir, "..", "README.md"));
  const { outputs } = read("06_autolut.ipynb");
  // console.table rows: model │ iterations │ train s │ last train PSNR │ Set5 before │ Set5 after
  const row = (model: string) => {
    const m = outputs.match(
      new RegExp(
        `"${model.replace(/[()+]/g, "\\$&")}"\\s*│\\s*(\\d+)\\s*│[^│]*│[^│]*│\\s*([\\d.]+)\\s*│\\s*([\\d.]+)`,
      ),
    );
    if (!m) throw new Error(`06_autolut.ipynb: no output row for ${model}`);
    return { steps: m[1], before: m[2], after: m[3] };
  };
  for (
    const [base, a, b] of [
      ["SR-LUT-S", "SR-LUT (fixed S)", "AutoLUT-SR-LUT (K=3)"],
      ["MuLUT", "AutoLUT-MuLUT, no AdaRL", "AutoLUT-MuLUT + AdaRL"],
    ]
  ) {
    const ra = row(a), rb = row(b);
    const line = readme.match(new RegExp(`LUT fine-tuning (\\d+) steps from ${base}:[^|]*\\|\\s*([^|]+)\\|`));
    if (!line) throw new Error(`README: no AutoLUT fine-tuning row for ${base}`);
    assertEquals(line[1], ra.steps, `README ${base} steps`);
    assertEquals(line[2].trim(), `${ra.before} → ${ra.after} / ${rb.before} → ${rb.after} dB`);
  }
});

/**
 * Render test of every committed notebook (notebooks/*.ipynb, whatever their number): converted by
 * `jupyter nbconvert --to html` and opened in headless Chromium at a notebook's width, read from the DOM:
 * no horizontal overflow (page or figure wider than its output area), no SVG text of a plotly figure
 * clipped by the figure or overlapping other text, every trace with data. Every figure output carries a
 * static `image/png` beside its interactive form. Needs Chromium and nbconvert (CI installs both).
 */
import { assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";
import { selectNotebooks } from "../lib/cli/notebooks.ts";
import { findChromium } from "../lib/analysis/save.ts";
import { RENDER_CHECK_SCRIPT, renderProblems, renderReport } from "./nb_render_util.ts";
import { nbconvertWith } from "./nb_util.ts";

const notebooksDir = join(dirname(fromFileUrl(import.meta.url)), "..", "notebooks");
/** Browser window of the check: JupyterLab's output area beside the prompt on a 1100 px window. */
const WINDOW: [number, number] = [1100, 1000];

type NbOutput = { output_type: string; data?: Record<string, unknown> };
type NbCell = { cell_type: string; outputs?: NbOutput[] };

const haveNbconvert = await new Deno.Command("jupyter", {
  args: ["nbconvert", "--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

for (const ipynb of selectNotebooks([], notebooksDir)) {
  const name = ipynb.split("/").at(-1)!;
  Deno.test({
    name:
      `${name}: renders without overflow, clipped or overlapping text; every trace has data; PNG beside each figure`,
    ignore: !findChromium() || !haveNbconvert,
    async fn() {
      const nb = JSON.parse(await Deno.readTextFile(ipynb));
      const figures = (nb.cells as NbCell[]).flatMap((c) => c.outputs ?? [])
        .filter((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined);
      const noPng = figures.filter((o) => typeof o.data?.["image/png"] !== "string").length;
      const problems = noPng
        ? [`${name}: ${noPng} of ${figures.length} figures without image/png (re-run it)`]
        : [];
      const dir = await Deno.makeTempDir({ prefix: "nb_render_" });
      try {
        const report = await renderReport(await nbconvertWith(ipynb, dir, RENDER_CHECK_SCRIPT), WINDOW);
        assertEquals(report.plots.length, figures.length, `${name}: figures drawn`);
        assertEquals([...problems, ...renderProblems(report, name)], []);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

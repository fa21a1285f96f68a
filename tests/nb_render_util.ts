/**
 * Render checks of figure pages in headless Chromium, read from the DOM: horizontal overflow of the page
 * and of each figure's output area, SVG text of each plotly graph clipped by the graph's box or overlapping
 * other text (bounding boxes), and traces without data. `RENDER_CHECK_SCRIPT` writes its findings as JSON
 * into `<pre id="lutlab-render">`; `renderProblems` loads a page and returns them as readable lines.
 */
import { runChromium } from "../lib/analysis/save.ts";

/** What the render checker reports for one page. */
export type RenderReport = {
  pageWidth: number;
  scrollWidth: number;
  plots: { id: string; title: string; problems: string[] }[];
};

/**
 * Script (HTML) that, 5 s (virtual time) after load, checks every `.lutlab-plot` / `#plot` graph: wider
 * than an enclosing box, text boxes outside the graph, overlapping other text or lying over a heatmap (more
 * than 1 px each way), traces with no x/y/z values; and the page's scroll width against its window.
 */
export const RENDER_CHECK_SCRIPT = `<script type="text/javascript">
window.addEventListener("load", function () {
  setTimeout(function () {
    function label(el) { return (el.textContent || "").trim().slice(0, 40); }
    function len(v) { return v && typeof v.length === "number" ? v.length : 0; }
    var plots = [];
    document.querySelectorAll(".lutlab-plot, #plot").forEach(function (gd) {
      var problems = [];
      var box = gd.getBoundingClientRect();
      for (var up = gd.parentElement; up && up !== document.body; up = up.parentElement) {
        if (box.right > up.getBoundingClientRect().right + 1) {
          problems.push("figure " + Math.round(box.width) + " px wide overflows its " + up.clientWidth +
            " px container (" + up.className + ")");
          break;
        }
      }
      var texts = [];
      gd.querySelectorAll(".main-svg text, .main-svg .annotation-text").forEach(function (t) {
        if (t.closest(".hoverlayer") || t.closest(".modebar")) return;
        if (!label(t)) return;
        var st = window.getComputedStyle(t);
        if (st.display === "none" || st.visibility === "hidden" || st.opacity === "0") return;
        var r = t.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) return;
        var kind = t.closest(".xtick, .ytick") ? "tick" : (t.closest(".cbaxis, .colorbar") ? "cbtick" : "label");
        var axis = t.closest("[class*='xtick'], [class*='ytick']");
        texts.push({ el: t, r: r, kind: kind, group: t.parentNode && t.parentNode.parentNode });
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
          problems.push("text clipped by the figure: '" + label(t) + "'");
        }
      });
      for (var i = 0; i < texts.length; ++i) {
        for (var j = i + 1; j < texts.length; ++j) {
          var a = texts[i], b = texts[j];
          if (a.kind !== "label" && a.kind === b.kind && a.group === b.group) continue;
          if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
          var w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          var h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (w > 1 && h > 1) problems.push("texts overlap: '" + label(a.el) + "' and '" + label(b.el) + "'");
        }
      }
      var maps = [];
      gd.querySelectorAll(".heatmaplayer image").forEach(function (im) { maps.push(im.getBoundingClientRect()); });
      texts.forEach(function (a) {
        if (a.kind !== "label" || a.el.closest(".heatmaplayer")) return;
        maps.forEach(function (m) {
          var w = Math.min(a.r.right, m.right) - Math.max(a.r.left, m.left);
          var h = Math.min(a.r.bottom, m.bottom) - Math.max(a.r.top, m.top);
          if (w > 1 && h > 1) problems.push("text over a heatmap: '" + label(a.el) + "'");
        });
      });
      (gd._fullData || []).forEach(function (t, k) {
        if (t.visible !== true) return;
        var n = Math.max(len(t.x), len(t.y), len(t.z), len(t.values), len(t.source));
        if (n < 1) problems.push("trace " + k + " (" + (t.name || t.type) + ") has no data");
      });
      var title = gd.querySelector(".gtitle");
      plots.push({ id: gd.id, title: title ? label(title) : "", problems: problems });
    });
    var pre = document.createElement("pre");
    pre.id = "lutlab-render";
    pre.textContent = JSON.stringify({
      pageWidth: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      plots: plots,
    });
    document.body.appendChild(pre);
  }, 5000);
});
</script>`;

/** Loads `htmlPath` (which must include RENDER_CHECK_SCRIPT) at `size`; the checker's report. */
export async function renderReport(htmlPath: string, size: [number, number]): Promise<RenderReport> {
  const dom = await runChromium(htmlPath, ["--dump-dom"], size, `render check ${htmlPath}`);
  const m = dom.match(/<pre id="lutlab-render">([^<]*)<\/pre>/);
  if (!m) throw new Error(`${htmlPath}: the render checker did not run (page failed to load?)`);
  return JSON.parse(
    m[1].replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&"),
  );
}

/** Readable problems of a report (empty when clean); `where` prefixes each line. */
export function renderProblems(report: RenderReport, where: string): string[] {
  const out: string[] = [];
  if (report.scrollWidth > report.pageWidth + 1) {
    out.push(`${where}: page scrolls sideways (${report.scrollWidth} px content in ${report.pageWidth} px)`);
  }
  report.plots.forEach((p, i) => {
    for (const problem of p.problems) out.push(`${where} figure ${i + 1} "${p.title}": ${problem}`);
  });
  return out;
}

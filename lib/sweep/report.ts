/**
 * The table of a sweep: one row per report row (members differing only in averaged axes, e.g. seeds, share
 * a row: mean and population standard deviation), our metrics beside the published ones from the sweep file's
 * [published] table, and the mean step times last. Written to <sweep>/report/ as table.csv (metrics with 4
 * decimals; only the train_s/eval_s columns depend on the machine), table.md and figure.html (plotly:
 * PSNR per row, ours as bars with the seed spread, the paper's as markers).
 */
import { join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import type { Figure, Trace } from "../analysis/figure.ts";
import { saveHtml } from "../analysis/save.ts";
import type { Sweep } from "./spec.ts";
import { readDone } from "./run.ts";

/** One row: its members' metric means and standard deviations, the paper's numbers, mean step times. */
export type ReportRow = {
  row: string;
  label: string;
  done: number;
  members: number;
  mean: Record<string, number>;
  std: Record<string, number>;
  paper: Record<string, number>;
  trainS: number;
  evalS: number;
};

/** A collected table: metric names in first-seen order and the rows in member order. */
export type Report = { metrics: string[]; rows: ReportRow[] };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/** Reads every finished member's done.json and groups them into report rows. */
export async function collect(sweep: Sweep): Promise<Report> {
  const metrics: string[] = [], rows: ReportRow[] = [];
  const results = await Promise.all(sweep.members.map(readDone));
  for (const row of [...new Set(sweep.members.map((m) => m.row))]) {
    const ms = sweep.members.filter((m) => m.row === row);
    const rs = ms.map((m) => results[m.index]).filter((r) => r !== undefined);
    for (const r of rs) for (const k of Object.keys(r.metrics)) if (!metrics.includes(k)) metrics.push(k);
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.metrics)))];
    const of = (k: string) => rs.map((r) => r.metrics[k]).filter((x) => x !== undefined);
    rows.push({
      row,
      label: ms[0].label,
      done: rs.length,
      members: ms.length,
      mean: Object.fromEntries(names.map((k) => [k, mean(of(k))])),
      std: Object.fromEntries(names.map((k) => [k, std(of(k))])),
      paper: sweep.published.rows[row] ?? {},
      trainS: rs.length ? mean(rs.map((r) => r.train_s)) : NaN,
      evalS: rs.length ? mean(rs.map((r) => r.eval_s)) : NaN,
    });
  }
  return { metrics, rows };
}

const fx = (v: number | undefined, d = 4) => v === undefined || !Number.isFinite(v) ? "" : v.toFixed(d);
const csvCell = (s: string) => /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;

/** Published metric names of a sweep (columns paper_<metric>). */
function paperMetrics(sweep: Sweep): string[] {
  return [...new Set(Object.values(sweep.published.rows).flatMap((r) => Object.keys(r)))];
}

/** CSV text: row, label, done, members, metrics, <metric>_std, paper_<metric>, train_s, eval_s. */
export function reportCsv(sweep: Sweep, rep: Report): string {
  const paper = paperMetrics(sweep);
  const head = [
    "row",
    "label",
    "done",
    "members",
    ...rep.metrics,
    ...rep.metrics.map((k) => `${k}_std`),
    ...paper.map((k) => `paper_${k}`),
    "train_s",
    "eval_s",
  ];
  const lines = rep.rows.map((r) =>
    [
      csvCell(r.row),
      csvCell(r.label),
      String(r.done),
      String(r.members),
      ...rep.metrics.map((k) => fx(r.mean[k])),
      ...rep.metrics.map((k) => fx(r.std[k])),
      ...paper.map((k) => r.paper[k] === undefined ? "" : String(r.paper[k])),
      fx(r.trainS, 1),
      fx(r.evalS, 1),
    ].join(",")
  );
  return [head.join(","), ...lines].join("\n") + "\n";
}

/** Markdown table in the paper's layout: each metric (dB to 2 decimals, SSIM to 4) as ours ± the spread over
 * averaged axes, and the paper's beside it where known. */
export function reportMarkdown(sweep: Sweep, rep: Report): string {
  const paper = paperMetrics(sweep);
  const cols = rep.metrics.flatMap((k) => paper.includes(k) ? [`${k} (ours)`, `${k} (paper)`] : [k]);
  const lines = [
    `### ${sweep.report.title}`,
    "",
    `| configuration | ${cols.join(" | ")} | runs |`,
    `| --- | ${cols.map(() => "---:").join(" | ")} | ---: |`,
    ...rep.rows.map((r) => {
      const cells = rep.metrics.flatMap((k) => {
        const d = k.includes("ssim") ? 4 : 2;
        const ours = r.mean[k] === undefined
          ? "—"
          : fx(r.mean[k], d) + (r.done > 1 ? ` ± ${fx(r.std[k], d)}` : "");
        return paper.includes(k) ? [ours, r.paper[k] === undefined ? "—" : String(r.paper[k])] : [ours];
      });
      return `| ${r.label} | ${cells.join(" | ")} | ${r.done}/${r.members} |`;
    }),
  ];
  if (sweep.published.citation) lines.push("", `Paper: ${sweep.published.citation}`);
  return lines.join("\n") + "\n";
}

/** Figure: the PSNR metrics (or the first metric) per row, ours as bars with error bars, the paper's as markers. */
export function reportFigure(sweep: Sweep, rep: Report): Figure {
  const shown = rep.metrics.filter((k) => k.includes("psnr"));
  const keys = shown.length ? shown : rep.metrics.slice(0, 1);
  const x = rep.rows.map((r) => r.label);
  const val = (v: number | undefined) => v === undefined || !Number.isFinite(v) ? null : v;
  const data: Trace[] = keys.flatMap((k) => {
    const ours: Trace = {
      type: "bar",
      name: `${k} (ours)`,
      x,
      y: rep.rows.map((r) => val(r.mean[k])),
      error_y: { type: "data", array: rep.rows.map((r) => val(r.std[k]) ?? 0), visible: true },
    };
    const paperY = rep.rows.map((r) => val(r.paper[k]));
    if (paperY.every((v) => v === null)) return [ours];
    return [ours, {
      type: "scatter",
      mode: "markers",
      name: `${k} (paper)`,
      x,
      y: paperY,
      marker: { size: 11, symbol: "diamond" },
    }];
  });
  return {
    data,
    layout: {
      title: { text: sweep.report.title },
      barmode: "group",
      yaxis: { title: { text: keys.length === 1 ? keys[0] : "PSNR (dB)" } },
      width: Math.max(700, 90 * rep.rows.length + 200),
      height: 480,
    },
  };
}

/** Collects the table and writes <sweep>/report/{table.csv, table.md, figure.html}; returns the report. */
export async function writeReport(sweep: Sweep): Promise<Report & { dir: string; markdown: string }> {
  const rep = await collect(sweep), dir = join(sweep.dir, "report");
  const markdown = reportMarkdown(sweep, rep);
  await writeFileAtomic(join(dir, "table.csv"), reportCsv(sweep, rep));
  await writeFileAtomic(join(dir, "table.md"), markdown);
  if (rep.metrics.length) await saveHtml(reportFigure(sweep, rep), join(dir, "figure.html"));
  return { ...rep, dir, markdown };
}

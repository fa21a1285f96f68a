/**
 * Line figures from run records: training curves from JSONL logs (one JSON object per line, numeric
 * fields such as step, loss, psnr, nested evaluations) and plain named line charts. PSNR-vs-cost
 * scatter plots are in tradeoff.ts.
 */
import { logAxis } from "./axes.ts";
import { checkFinite, type Figure, type Layout, type Trace } from "./figure.ts";
import { addNote } from "./rules.ts";

/** One log record: a flat JSON object. */
export type LogRecord = Record<string, unknown>;

/** Parses JSONL text (blank lines skipped); errors name the source and line. */
export function parseJsonl(text: string, name = "<jsonl>"): LogRecord[] {
  const out: LogRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${name}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) {
      throw new Error(`${name}:${i + 1}: not a JSON object`);
    }
    out.push(v as LogRecord);
  });
  return out;
}

/** Reads a JSONL log file into records. */
export async function readJsonl(path: string): Promise<LogRecord[]> {
  return parseJsonl(await Deno.readTextFile(path), path);
}

const X_KEYS = ["step", "iter", "iteration", "epoch"];
const NOT_METRICS =
  /^(step|iter|iteration|epoch|time|elapsed|eta|seconds|wall|t|lr|learning_rate)$|_s$|_ms$/i;

/** A record with nested objects flattened one level: {eval: {psnr: 20}} → {"eval.psnr": 20}. */
function flatten(r: LogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out[`${k}.${k2}`] = v2;
    } else out[k] = v;
  }
  return out;
}

/** Numeric fields (other than x/time fields) present in some (flattened) record. */
function metricKeys(records: Record<string, unknown>[], xKey: string): string[] {
  const keys = new Set<string>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (k !== xKey && typeof v === "number" && !NOT_METRICS.test(k.split(".").at(-1)!)) keys.add(k);
    }
  }
  return [...keys];
}

/** Panels of the training-curves figure, top to bottom, and which metric names go in each. */
const PANELS = [
  { title: "loss", test: (k: string) => !/psnr|ssim|delta_?e/i.test(k) },
  { title: "PSNR (dB)", test: (k: string) => /psnr/i.test(k) },
  { title: "SSIM", test: (k: string) => /ssim/i.test(k) },
  { title: "ΔE (CIE76)", test: (k: string) => /delta_?e/i.test(k) },
];

/**
 * Training curves: for each run, one line per metric against `x` (default: the first of step / iter /
 * iteration / epoch present, else the record index). Nested fields are flattened ("eval.psnr"), so the
 * evaluations a log holds ({step, eval: {psnr, ssim, deltaE}, input_psnr}) are drawn too. Stacked panels
 * sharing x: losses (log scale when `logLoss`), PSNR, SSIM, ΔE, only those with data.
 */
export function trainingCurvesFigure(
  runs: { name: string; records: LogRecord[] }[],
  opts: { x?: string; keys?: string[]; title?: string; logLoss?: boolean } = {},
): Figure {
  const series: { panel: number; trace: Trace }[] = [];
  for (const run of runs) {
    const records = run.records.map(flatten);
    const xKey = opts.x ?? X_KEYS.find((k) => records.some((r) => typeof r[k] === "number")) ?? "";
    for (const key of opts.keys ?? metricKeys(records, xKey)) {
      const rows = records.map((r, i) => [xKey ? r[xKey] : i, r[key]] as const)
        .filter(([x, y]) =>
          typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)
        );
      if (rows.length === 0) continue;
      const panel = PANELS.findIndex((p) => p.test(key));
      const evaluation = /^eval|input/.test(key);
      series.push({
        panel,
        trace: {
          type: "scatter",
          mode: rows.length > 1 && !evaluation ? "lines" : "lines+markers",
          name: `${runs.length > 1 ? `${run.name}: ` : ""}${key.replace(".", " ")}`,
          x: rows.map(([x]) => x as number),
          y: rows.map(([, y]) => y as number),
          line: /input/.test(key) ? { dash: "dash" } : undefined,
        },
      });
    }
  }
  if (series.length === 0) throw new Error("trainingCurvesFigure: no numeric metric found in the records");
  const short = series.filter((s) => (s.trace.x as number[]).length < 2).map((s) => String(s.trace.name));
  const used = [...new Set(series.map((s) => s.panel))].sort();
  const xTitle = opts.x ??
    X_KEYS.find((k) => runs.some((r) => r.records.some((x) => typeof x[k] === "number"))) ??
    "record";
  const layout: Layout = {
    title: { text: opts.title ?? "Training curves" },
    width: 900,
    height: 150 + 230 * used.length,
    legend: { orientation: "h", y: -0.08 },
    grid: { rows: used.length, columns: 1, roworder: "top to bottom" },
  };
  used.forEach((p, k) => {
    const s = k === 0 ? "" : `${k + 1}`;
    layout[`xaxis${s}`] = {
      anchor: `y${s}`,
      ...(k === 0 ? {} : { matches: "x" }),
      title: k === used.length - 1 ? { text: xTitle } : undefined,
    };
    const log = p === 0 && opts.logLoss;
    const values = series.filter((x) => x.panel === p).flatMap((x) => x.trace.y as number[]);
    layout[`yaxis${s}`] = log
      ? { ...logAxis(values, PANELS[p].title), anchor: `x${s}` }
      : { title: { text: PANELS[p].title }, anchor: `x${s}` };
  });
  const data = series.map(({ panel, trace }) => {
    const k = used.indexOf(panel), s = k === 0 ? "" : `${k + 1}`;
    return { ...trace, xaxis: `x${s}`, yaxis: `y${s}` };
  });
  return curveNote(checkFinite({ data, layout }, "trainingCurvesFigure"), short, series.length);
}

/** One named line: x and y of equal length. */
export type Series = { name: string; x: ArrayLike<number>; y: ArrayLike<number> };

/**
 * Plain line chart of named series (markers too), optional log axes (explicit whole-number ticks); for
 * quick notebook comparisons.
 */
export function lineFigure(
  series: Series[],
  opts: { title?: string; xTitle?: string; yTitle?: string; logX?: boolean; logY?: boolean } = {},
): Figure {
  if (series.length === 0) throw new Error("lineFigure: no series");
  for (const s of series) {
    if (s.x.length !== s.y.length) {
      throw new Error(`lineFigure: series "${s.name}" has ${s.x.length} x but ${s.y.length} y`);
    }
  }
  const short = series.filter((s) => s.x.length < 2).map((s) => s.name);
  return curveNote(
    checkFinite({
      data: series.map((s) => ({
        type: "scatter",
        mode: "lines+markers",
        name: s.name,
        x: Array.from(s.x),
        y: Array.from(s.y),
      })),
      layout: {
        title: { text: opts.title ?? "" },
        xaxis: opts.logX
          ? logAxis(series.flatMap((s) => Array.from(s.x)), opts.xTitle ?? "")
          : { title: { text: opts.xTitle ?? "" } },
        yaxis: opts.logY
          ? logAxis(series.flatMap((s) => Array.from(s.y)), opts.yTitle ?? "")
          : { title: { text: opts.yTitle ?? "" } },
        width: 800,
        height: 420,
      },
    }, "lineFigure"),
    short,
    series.length,
  );
}

/**
 * A curve needs two points: notes the series that have fewer (`short` of `total`); and curves that hide
 * each other (same x, y within 0.5 % of their range: about a pixel of a panel) are noted too.
 */
function curveNote(fig: Figure, short: string[], total: number): Figure {
  if (short.length > 0) {
    const which = short.length === total ? "every series" : short.join(", ");
    addNote(fig, `${which}: fewer than 2 points, no curve (one logged value)`);
  }
  const lines = fig.data.filter((t) => Array.isArray(t.y) && (t.y as number[]).length > 1);
  const done = new Set<number>();
  lines.forEach((a, i) => {
    for (let j = i + 1; j < lines.length; ++j) {
      const b = lines[j], ya = a.y as number[], yb = b.y as number[];
      if (done.has(j) || a.yaxis !== b.yaxis || JSON.stringify(a.x) !== JSON.stringify(b.x)) continue;
      const all = [...ya, ...yb], span = Math.max(...all) - Math.min(...all) || 1;
      const gap = Math.max(...ya.map((v, k) => Math.abs(v - yb[k])));
      if (gap <= 5e-3 * span) {
        done.add(j);
        addNote(
          fig,
          `"${a.name}" and "${b.name}" coincide (largest difference ${
            gap.toPrecision(2)
          }): one hides the other`,
        );
      }
    }
  });
  return fig;
}

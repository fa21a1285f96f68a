/**
 * Line/scatter figures from run records: training curves from JSONL logs (one JSON object per line,
 * numeric fields such as step, loss, psnr) and the SR PSNR-vs-storage trade-off (SR-LUT, MuLUT, SPF, DFC).
 */
import { checkFinite, type Figure, type Trace } from "./figure.ts";

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

/** Numeric fields (other than x/time fields) present in some record. */
function metricKeys(records: LogRecord[], xKey: string): string[] {
  const keys = new Set<string>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (k !== xKey && typeof v === "number" && !NOT_METRICS.test(k)) keys.add(k);
    }
  }
  return [...keys];
}

/**
 * Training curves: for each run, one line per metric against `x` (default: the first of step / iter /
 * iteration / epoch present, else the record index). Metrics whose name contains "psnr" or "ssim" go on
 * a right-hand axis; the rest (losses) on the left, log scale when `logLoss`.
 */
export function trainingCurvesFigure(
  runs: { name: string; records: LogRecord[] }[],
  opts: { x?: string; keys?: string[]; title?: string; logLoss?: boolean } = {},
): Figure {
  const data: Trace[] = [];
  let right = false;
  for (const run of runs) {
    const xKey = opts.x ?? X_KEYS.find((k) => run.records.some((r) => typeof r[k] === "number")) ?? "";
    for (const key of opts.keys ?? metricKeys(run.records, xKey)) {
      const rows = run.records.map((r, i) => [xKey ? r[xKey] : i, r[key]] as const)
        .filter(([x, y]) =>
          typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)
        );
      if (rows.length === 0) continue;
      const quality = /psnr|ssim/i.test(key);
      right ||= quality;
      data.push({
        type: "scatter",
        mode: rows.length > 1 ? "lines" : "markers",
        name: runs.length > 1 ? `${run.name}: ${key}` : key,
        x: rows.map(([x]) => x as number),
        y: rows.map(([, y]) => y as number),
        yaxis: quality ? "y2" : "y",
        line: quality ? { dash: "dot" } : undefined,
      });
    }
  }
  if (data.length === 0) throw new Error("trainingCurvesFigure: no numeric metric found in the records");
  const xTitle = opts.x ??
    X_KEYS.find((k) => runs.some((r) => r.records.some((x) => typeof x[k] === "number"))) ??
    "record";
  return checkFinite({
    data,
    layout: {
      title: { text: opts.title ?? "Training curves" },
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: "loss" }, type: opts.logLoss ? "log" : "linear" },
      ...(right ? { yaxis2: { title: { text: "PSNR / SSIM" }, overlaying: "y", side: "right" } } : {}),
      width: 900,
      height: 450,
    },
  }, "trainingCurvesFigure");
}

/** One SR method/variant: total LUT storage in bytes and PSNR (dB) on a benchmark. */
export type StoragePoint = { method: string; variant?: string; bytes: number; psnr: number };

/**
 * PSNR against storage (KB, log axis), one marker series per method, each point labelled by its
 * variant; the usual SR-LUT / MuLUT / SPF / DFC trade-off plot.
 */
export function storageFigure(
  points: StoragePoint[],
  opts: { title?: string; dataset?: string } = {},
): Figure {
  if (points.length === 0) throw new Error("storageFigure: no points");
  for (const p of points) {
    if (!(p.bytes > 0) || !Number.isFinite(p.psnr)) {
      throw new Error(`storageFigure: ${p.method} ${p.variant ?? ""}: bytes must be > 0 and psnr finite`);
    }
  }
  const methods = [...new Set(points.map((p) => p.method))];
  return checkFinite({
    data: methods.map((m) => {
      const ps = points.filter((p) => p.method === m).sort((a, b) => a.bytes - b.bytes);
      return {
        type: "scatter",
        mode: "lines+markers+text",
        name: m,
        x: ps.map((p) => p.bytes / 1024),
        y: ps.map((p) => p.psnr),
        text: ps.map((p) => p.variant ?? ""),
        textposition: "top center",
        marker: { size: 9 },
      };
    }),
    layout: {
      title: { text: opts.title ?? `PSNR vs storage${opts.dataset ? ` (${opts.dataset})` : ""}` },
      xaxis: { title: { text: "storage (KB)" }, type: "log" },
      yaxis: { title: { text: "PSNR (dB)" } },
      width: 900,
      height: 480,
    },
  }, "storageFigure");
}

/** One named line: x and y of equal length. */
export type Series = { name: string; x: ArrayLike<number>; y: ArrayLike<number> };

/** Plain line chart of named series (markers too), optional log axes; for quick notebook comparisons. */
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
  return checkFinite({
    data: series.map((s) => ({
      type: "scatter",
      mode: "lines+markers",
      name: s.name,
      x: Array.from(s.x),
      y: Array.from(s.y),
    })),
    layout: {
      title: { text: opts.title ?? "" },
      xaxis: { title: { text: opts.xTitle ?? "" }, type: opts.logX ? "log" : "linear" },
      yaxis: { title: { text: opts.yTitle ?? "" }, type: opts.logY ? "log" : "linear" },
      width: 800,
      height: 420,
    },
  }, "lineFigure");
}

/**
 * Axis helpers: log axes whose tick labels are whole numbers (plotly labels a narrow log range with
 * bare mantissas, "2" and "3" for 20 and 30), and a y range that one outlier cannot squash.
 */

/** Readable tick values for a log axis spanning [min, max] (both > 0): 1-2-5 steps, or finer in a narrow range. */
export function logTickValues(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) throw new Error(`logTickValues: need 0 < min <= max, got ${min}, ${max}`);
  const fine = Array.from({ length: 18 }, (_, i) => 1 + i / 2);
  const levels = [[1], [1, 2, 5], [1, 2, 3, 5], [1, 1.5, 2, 3, 4, 5, 6, 8], fine];
  let ticks: number[] = [];
  for (const mantissas of levels) {
    ticks = [];
    for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); ++e) {
      for (const m of mantissas) {
        const v = +(m * 10 ** e).toPrecision(6);
        if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
      }
    }
    if (ticks.length >= 4) return ticks;
  }
  if (ticks.length >= 2) return ticks;
  const e = 10 ** Math.floor(Math.log10(min));
  return [
    ...new Set(
      [min, Math.sqrt(min * max), max].map((v) => +(Math.round(v / e * 10) * e / 10).toPrecision(3)),
    ),
  ];
}

/** Short label of a tick value: 20, 1.5, 0.001, 2e+6. */
export function tickLabel(v: number): string {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : `${+v.toPrecision(4)}`;
}

/** Plotly log-axis settings for data spanning the given positive values: explicit ticks and labels. */
export function logAxis(values: number[], title: string): Record<string, unknown> {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return { type: "log", title: { text: title } };
  const lo = Math.min(...pos), hi = Math.max(...pos);
  const pad = Math.max(0.04, (Math.log10(hi) - Math.log10(lo)) * 0.06);
  const ticks = logTickValues(10 ** (Math.log10(lo) - pad), 10 ** (Math.log10(hi) + pad));
  return {
    type: "log",
    title: { text: title },
    range: [Math.log10(lo) - pad, Math.log10(hi) + pad],
    tickvals: ticks,
    ticktext: ticks.map(tickLabel),
  };
}

/**
 * Y range for values where a few low outliers (more than `span` below the median) must not squash the
 * rest: [low, high] covering the others with a margin, and the outliers' indices.
 */
export function robustRange(values: number[], span: number): { range: [number, number]; outliers: number[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const outliers = values.flatMap((v, i) => v < median - span ? [i] : []);
  const kept = values.filter((_, i) => !outliers.includes(i));
  const lo = Math.min(...kept), hi = Math.max(...kept), pad = Math.max(0.15, (hi - lo) * 0.12);
  return { range: [lo - pad * (outliers.length ? 2 : 1), hi + pad], outliers };
}

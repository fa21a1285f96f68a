/**
 * Point labels that do not overlap: each label takes the first of a ring of candidate offsets around its
 * point (above, below, right, left, diagonals, then further out) whose box hits no earlier label and no
 * marker; the plotly annotations it returns use xshift/yshift in pixels.
 */

/** A point to label, in pixels of the plot area (x right, y down), and its text. */
export type LabelPoint = { px: number; py: number; text: string };

const CHAR_W = 6.6, LINE_H = 13, MARKER = 6;

type Box = { x0: number; y0: number; x1: number; y1: number };

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Pixel shifts [dx, dy] (y down) for each label, greedy in the given order; inside [0,w]×[0,h] if possible. */
export function placeLabels(points: LabelPoint[], w: number, h: number): [number, number][] {
  const markers: Box[] = points.map((p) => ({
    x0: p.px - MARKER,
    y0: p.py - MARKER,
    x1: p.px + MARKER,
    y1: p.py + MARKER,
  }));
  const placed: Box[] = [];
  return points.map((p) => {
    const tw = p.text.length * CHAR_W, th = LINE_H;
    const candidates: [number, number][] = [];
    for (const r of [1, 2, 3]) {
      const dy = (th / 2 + MARKER) * r, dx = (tw / 2 + MARKER + 2) * (r === 1 ? 1 : 0.6 + 0.4 * r);
      candidates.push([0, -dy], [0, dy], [dx, 0], [-dx, 0], [dx, -dy], [-dx, -dy], [dx, dy], [-dx, dy]);
    }
    let best: [number, number] = candidates[0], bestCost = Infinity;
    for (const [dx, dy] of candidates) {
      const box = {
        x0: p.px + dx - tw / 2,
        y0: p.py + dy - th / 2,
        x1: p.px + dx + tw / 2,
        y1: p.py + dy + th / 2,
      };
      const outside = Math.max(0, -box.x0) + Math.max(0, box.x1 - w) + Math.max(0, -box.y0) +
        Math.max(0, box.y1 - h);
      const cost = [...placed, ...markers].reduce((s, b) => s + overlap(box, b), 0) + outside * th;
      if (cost < bestCost) best = [dx, dy], bestCost = cost;
      if (cost === 0) break;
    }
    placed.push({
      x0: p.px + best[0] - tw / 2,
      y0: p.py + best[1] - th / 2,
      x1: p.px + best[0] + tw / 2,
      y1: p.py + best[1] + th / 2,
    });
    return best;
  });
}

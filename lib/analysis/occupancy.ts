/**
 * Grid occupancy figure: fraction of lattice vertices a dataset's pixels touch, for dense 3D LUTs of
 * several sizes and for each level of a HashLUT hash grid (data from lib/enhance/models/occupancy.ts).
 */
import type { HashLevelOccupancy, LutOccupancy } from "../enhance/models/occupancy.ts";
import { checkFinite, type Figure } from "./figure.ts";

/**
 * Bars of touched-vertex fractions: 3D LUTs (one bar per size) and hash levels (vertex fraction and
 * table-slot fraction, collisions in the hover text). `colours` is the number of distinct input colours.
 */
export function occupancyFigure(
  occ: { lut: LutOccupancy[]; hash: HashLevelOccupancy[]; colours?: number },
  opts: { title?: string } = {},
): Figure {
  if (occ.lut.length === 0 && occ.hash.length === 0) throw new Error("occupancyFigure: no occupancy data");
  const lutX = occ.lut.map((o) => `3DLUT ${o.size}³`);
  const hashX = occ.hash.map((h) => `L${h.level} ${h.resolution}³${h.dense ? "" : " (hash)"}`);
  const pct = (v: number) => 100 * v;
  const suffix = occ.colours === undefined ? "" : ` (${occ.colours.toLocaleString("en")} distinct colours)`;
  return checkFinite({
    data: [
      {
        type: "bar",
        name: "3D LUT: touched vertices",
        x: lutX,
        y: occ.lut.map((o) => pct(o.fraction)),
        hovertext: occ.lut.map((o) => `${o.touched} / ${o.vertices}`),
        marker: { color: "rgb(31,119,180)" },
      },
      {
        type: "bar",
        name: "hash level: touched vertices",
        x: hashX,
        y: occ.hash.map((h) => pct(h.vertexFraction)),
        hovertext: occ.hash.map((h) => `${h.touchedVertices} / ${h.latticeVertices}`),
        marker: { color: "rgb(255,127,14)" },
      },
      {
        type: "bar",
        name: "hash level: used table slots",
        x: hashX,
        y: occ.hash.map((h) => pct(h.slotFraction)),
        hovertext: occ.hash.map((h) => `${h.touchedSlots} / ${h.tableSize}, ${h.collisions} collisions`),
        marker: { color: "rgb(44,160,44)" },
      },
    ],
    layout: {
      title: { text: opts.title ?? `Grid occupancy${suffix}` },
      barmode: "group",
      yaxis: { title: { text: "% of vertices / slots touched" }, range: [0, 100] },
      width: 1000,
      height: 460,
    },
  }, "occupancyFigure");
}

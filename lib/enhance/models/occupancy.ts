/**
 * Grid occupancy ("3DLUT vs HashLUT levels"): how much of a colour lattice a dataset's pixels actually
 * reach. A vertex is touched when trilinear lookup of some pixel colour gives it a non-zero weight (the
 * floor/ceil corners of the colour's cell, as in the CLUT/HashLUT authors' occupied-grid script).
 * For hash-grid levels, touched virtual vertices are mapped through the level's index rule (dense or
 * spatial hash) and the collisions (touched vertices sharing a table slot) are counted.
 * Colours are deduplicated at 8-bit precision (exact for 8-bit images).
 */
import type { Image } from "../../image/io.ts";
import { hashGridCorners, hashGridLevels, type HashGridSpec } from "../../lut/hashgrid_ref.ts";

/** Occupancy of one 3D LUT of size D: touched vertices of the D^3 lattice. */
export type LutOccupancy = { size: number; vertices: number; touched: number; fraction: number };

/** Occupancy of one hash-grid level. */
export type HashLevelOccupancy = {
  level: number;
  resolution: number;
  dense: boolean;
  /** table slots of the level */
  tableSize: number;
  /** touched virtual vertices (distinct lattice points) */
  touchedVertices: number;
  /** distinct table slots those vertices map to */
  touchedSlots: number;
  /** touchedVertices - touchedSlots: touched vertices that share a slot with another touched vertex */
  collisions: number;
  /** lattice points reachable from [0,1]^3: (ceil(scale + 0.5) + 1)^3 (tcnn's +0.5 offset adds a layer) */
  latticeVertices: number;
  /** touchedVertices / latticeVertices */
  vertexFraction: number;
  /** touchedSlots / tableSize */
  slotFraction: number;
};

/** Distinct 8-bit colours of planar RGB images, as packed r | g<<8 | b<<16. */
export function uniqueColours(images: Image[]): Uint32Array {
  const seen = new Uint8Array(1 << 24);
  const out: number[] = [];
  for (const img of images) {
    if (img.channels !== 3) throw new Error(`occupancy: image has ${img.channels} channels, expected 3`);
    const n = img.height * img.width, d = img.data;
    const q = (v: number) => Math.min(255, Math.max(0, Math.round(v * 255)));
    for (let p = 0; p < n; ++p) {
      const key = q(d[p]) | (q(d[n + p]) << 8) | (q(d[2 * n + p]) << 16);
      if (!seen[key]) {
        seen[key] = 1;
        out.push(key);
      }
    }
  }
  return Uint32Array.from(out);
}

/** Fraction of the D^3 vertices of a 3D LUT (lookup coordinate x*(D-1)) touched by the colours. */
export function lutOccupancy(colours: Uint32Array, size: number): LutOccupancy {
  if (!Number.isInteger(size) || size < 2 || size > 256) {
    throw new Error(`lutOccupancy: size ${size} not in 2..256`);
  }
  const touched = new Uint8Array(size ** 3);
  let count = 0;
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (const key of colours) {
    for (let c = 0; c < 3; ++c) {
      const pos = ((key >> (8 * c)) & 255) / 255 * (size - 1);
      lo[c] = Math.floor(pos);
      hi[c] = Math.ceil(pos);
    }
    for (let k = 0; k < 8; ++k) {
      const r = k & 1 ? hi[0] : lo[0], g = k & 2 ? hi[1] : lo[1], b = k & 4 ? hi[2] : lo[2];
      const v = (b * size + g) * size + r;
      if (!touched[v]) {
        touched[v] = 1;
        count++;
      }
    }
  }
  return { size, vertices: size ** 3, touched: count, fraction: count / size ** 3 };
}

/** Per-level touched vertices, table slots and collisions of a hash grid for the colours. */
export function hashGridOccupancy(colours: Uint32Array, spec: HashGridSpec): HashLevelOccupancy[] {
  const levels = hashGridLevels(spec);
  const idx = new Uint32Array(8), w = new Float32Array(8), vertex = new Uint32Array(8);
  const result: HashLevelOccupancy[] = [];
  for (let l = 0; l < spec.levels; ++l) {
    const res = levels.resolutions[l];
    const size = levels.offsets[l + 1] - levels.offsets[l];
    const vSeen = new Uint8Array((res + 1) ** 3), sSeen = new Uint8Array(size);
    let vCount = 0, sCount = 0;
    for (const key of colours) {
      hashGridCorners(
        (key & 255) / 255,
        ((key >> 8) & 255) / 255,
        (key >> 16) / 255,
        levels,
        l,
        idx,
        w,
        vertex,
      );
      for (let k = 0; k < 8; ++k) {
        if (w[k] === 0 || vSeen[vertex[k]]) continue;
        vSeen[vertex[k]] = 1;
        vCount++;
        if (!sSeen[idx[k]]) {
          sSeen[idx[k]] = 1;
          sCount++;
        }
      }
    }
    const lattice = (Math.ceil(levels.scales[l] + 0.5) + 1) ** 3;
    result.push({
      level: l,
      resolution: res,
      dense: levels.dense[l],
      tableSize: size,
      touchedVertices: vCount,
      touchedSlots: sCount,
      collisions: vCount - sCount,
      latticeVertices: lattice,
      vertexFraction: vCount / lattice,
      slotFraction: sCount / size,
    });
  }
  return result;
}

/** Occupancy of 3D LUTs of the given sizes and of every level of a hash grid, for the same images. */
export function gridOccupancy(
  images: Image[],
  opts: { lutSizes: number[]; hash: HashGridSpec },
): { colours: number; lut: LutOccupancy[]; hash: HashLevelOccupancy[] } {
  const colours = uniqueColours(images);
  return {
    colours: colours.length,
    lut: opts.lutSizes.map((d) => lutOccupancy(colours, d)),
    hash: hashGridOccupancy(colours, opts.hash),
  };
}

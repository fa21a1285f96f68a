/**
 * LutModule: a sub-network whose input is the n pixels of a pattern, usable in two forms that share one
 * definition:
 * - "net": the LutNet on the gathered pixels (training, exact float network);
 * - "lut": its exported table [L^n, K] looked up with n-D simplex interpolation (inference and LUT
 *   fine-tuning through the SR kernels' custom-gradient op).
 * Both forms take padded planes [N, H+py, W+px] with pixel values in 0..255 and return planes
 * [C·N, H·r, W·r] (C output channels, channel-major; C = 1 for SR-LUT/MuLUT) in *table units*: the network output clamped to [-1,1] times 127 (the int8 scale of the
 * SR-LUT/MuLUT tables), so a table entry is exactly round(127·clamp(net)) for int8 tables.
 */
import { tf } from "../../core/backend.ts";
import { LutNet, type NetSpec } from "./net.ts";
import { gatherPattern, type Pattern, pixelShuffle } from "./pattern.ts";
import { compressDfc, type DfcLut } from "../../lut/dfc.ts";
import { dfcLookupPlanes, simplexLookupPlanes } from "./lookup.ts";

/** Scale between the network's [-1,1] output and table units (int8 tables store round(127·v)). */
export const TABLE_SCALE = 127;

/** Static description of one LUT module. */
export type LutModuleSpec = {
  /** Key used in file names, e.g. "s1_s" (stage 1, pattern s). */
  name: string;
  pattern: Pattern;
  /** Upscale factor r of this module; K = C·r² outputs per position. */
  upscale: number;
  /** Output channels C before the pixel shuffle (default 1; SPF-LUT's blocks 2, its channel LUT 4). */
  channels?: number;
  /** DFC may compress this table (default true; SPF-LUT keeps its channel LUT whole). */
  compressible?: boolean;
  net: NetSpec;
  /** Sampling interval in bits: inputs are sampled every 2^interval levels, L = 2^(8-interval)+1. */
  interval: number;
  /** Straight-through rounding of table-unit outputs in the network form (MuLUT's training). */
  roundOutput: boolean;
  /** LUT form: SR-LUT's Test_Model_S.py simplex branch order (see simplex_ref.ts), for its published tables. */
  srlutOrder?: boolean;
};

/** A LUT in table units: values [levels^dims, outputs] row-major; `int8` when values are int8 integers. */
export type LutTable = { values: Float32Array; levels: number; dims: number; outputs: number; int8: boolean };

/** Number of lattice levels per input for a sampling interval in bits (4 → 17). */
export function latticeLevels(interval: number): number {
  if (!Number.isInteger(interval) || interval < 0 || interval > 7) {
    throw new Error(`sampling interval must be an integer in 0..7 bits, got ${interval}`);
  }
  return 2 ** (8 - interval) + 1;
}

/** Rounds in the forward pass, identity gradient (BPDA / straight-through estimator). */
export const steRound: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x) => ({
  value: tf.round(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => dy,
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * The looked-up table of fine-tuning weights [rows, K] (table / TABLE_SCALE): TABLE_SCALE·w, and for int8
 * tables clamp(round(·), -127, 127) (MuLUT) with a straight-through gradient.
 */
export function tunedTable(w: tf.Tensor, int8: boolean): tf.Tensor2D {
  const t = tf.mul(w, TABLE_SCALE) as tf.Tensor2D;
  return int8 ? tf.clipByValue(steRound(t), -127, 127) as tf.Tensor2D : t;
}

/** One pattern-indexed sub-network and (after export or loading) its table. */
export class LutModule {
  readonly net: LutNet;
  /** Float32 table [L^n, K] in table units (a variable so LUT fine-tuning can train it). */
  table?: tf.Variable;
  tableInt8 = false;
  /**
   * LUT fine-tuning parameter: the table divided by TABLE_SCALE (MuLUT's 3_finetune_lut trains in these
   * units, its learning rates are set for them; an Adam step in table units would move an int8 entry by
   * about lr, never enough to round to another integer). Set by beginFinetune, folded back by endFinetune.
   */
  weight?: tf.Variable;
  /** DFC-compressed copy of the table; when set, the LUT form looks it up instead. */
  dfc?: DfcLut;
  /** Fine-tuning of the DFC tables (lib/sr/dfc_finetune.ts): its lookup and variables replace the table's. */
  dfcTuning?: { apply(xp: tf.Tensor3D): tf.Tensor3D; variables(): tf.Variable[] };
  /** A frozen module has no trainable variables (a table DFC keeps whole while the DFC tables are tuned). */
  frozen = false;
  form: "net" | "lut" = "net";

  constructor(readonly spec: LutModuleSpec, seed: number) {
    const { upscale: r, pattern, name } = spec;
    if (!Number.isInteger(r) || r < 1) {
      throw new Error(`${name}: upscale must be a positive integer, got ${r}`);
    }
    latticeLevels(spec.interval);
    const c = spec.channels ?? 1;
    if (!Number.isInteger(c) || c < 1) {
      throw new Error(`${name}: channels must be a positive integer, got ${c}`);
    }
    this.net = new LutNet(spec.net, pattern.offsets.length, c * r * r, seed, name);
  }

  /** Number of table inputs n. */
  get dims(): number {
    return this.spec.pattern.offsets.length;
  }

  /** Output channels C (before the pixel shuffle). */
  get channels(): number {
    return this.spec.channels ?? 1;
  }

  /** Outputs per position K = C·r². */
  get outputs(): number {
    return this.channels * this.spec.upscale ** 2;
  }

  /** Lattice levels L per input. */
  get levels(): number {
    return latticeLevels(this.spec.interval);
  }

  /** Installs a table (checked against [L^n, K]) and switches this module to the LUT form. */
  setTable(t: LutTable): void {
    const { name } = this.spec;
    if (t.levels !== this.levels || t.dims !== this.dims || t.outputs !== this.outputs) {
      throw new Error(
        `${name}: table is ${t.levels}^${t.dims} x ${t.outputs}, module needs ${this.levels}^${this.dims} x ${this.outputs}`,
      );
    }
    if (t.values.length !== this.levels ** this.dims * this.outputs) {
      throw new Error(
        `${name}: table has ${t.values.length} values, expected ${this.levels ** this.dims * this.outputs}`,
      );
    }
    this.table?.dispose();
    this.table = tf.variable(tf.tensor2d(t.values, [this.levels ** this.dims, this.outputs]));
    this.tableInt8 = t.int8;
    this.form = "lut";
  }

  /** The current table as a LutTable (copy, read asynchronously), or undefined before export/loading. */
  async getTable(): Promise<LutTable | undefined> {
    if (!this.table) return undefined;
    return {
      values: await this.table.data() as Float32Array,
      levels: this.levels,
      dims: this.dims,
      outputs: this.outputs,
      int8: this.tableInt8,
    };
  }

  /**
   * Network form on rows [N, n] of pixel values 0..255 → table units [N, K]: 127·clamp(net, -1, 1),
   * STE-rounded when `round` (default: the spec's roundOutput; the exporter asks for unrounded values).
   */
  netRows(rows: tf.Tensor2D, round = this.spec.roundOutput): tf.Tensor2D {
    const v = tf.mul(tf.clipByValue(this.net.forward(tf.div(rows, 255)), -1, 1), TABLE_SCALE) as tf.Tensor2D;
    return round ? steRound(v) as tf.Tensor2D : v;
  }

  /** Padded planes [N, H+py, W+px] (0..255) → [C·N, H·r, W·r] in table units, in the current form. */
  apply(xp: tf.Tensor3D): tf.Tensor3D {
    const { pattern, upscale: r } = this.spec;
    const [n, hp, wp] = xp.shape;
    const h = hp - pattern.pad[0], w = wp - pattern.pad[1];
    if (this.form === "lut") {
      if (this.dfcTuning) return this.dfcTuning.apply(xp);
      if (this.dfc) return dfcLookupPlanes(xp, this.dfc, pattern, r);
      if (!this.table) throw new Error(`${this.spec.name}: LUT form requested but no table is loaded`);
      return simplexLookupPlanes(
        xp,
        this.weight ? tunedTable(this.weight, this.tableInt8) : this.table as tf.Tensor2D,
        pattern,
        this.spec.interval,
        r,
        !!this.spec.srlutOrder,
      );
    }
    return pixelShuffle(this.netRows(gatherPattern(xp, pattern)), n, h, w, r, this.channels);
  }

  /** Starts LUT fine-tuning: the trainable weight is table / TABLE_SCALE (see `weight`). */
  beginFinetune(): void {
    if (!this.table) throw new Error(`${this.spec.name}: no table to fine-tune`);
    this.weight?.dispose();
    this.weight = tf.variable(tf.div(this.table, TABLE_SCALE));
  }

  /** Ends LUT fine-tuning: the table becomes the looked-up form of the weight (int8 tables: integers). */
  endFinetune(): void {
    if (!this.weight || !this.table) return;
    const w = this.weight;
    this.table.assign(tf.tidy(() => tunedTable(w, this.tableInt8)));
    w.dispose();
    this.weight = undefined;
  }

  /**
   * DFC-compresses the current table (diagonal band of width `diagonalWidth` kept at full resolution, the
   * rest sampled every 2^samplingInterval) and switches lookups to it; `undefined` restores the full table.
   */
  async compress(
    spec: { diagonalWidth: number; samplingInterval: number } | undefined,
  ): Promise<DfcLut | undefined> {
    if (!spec) return this.dfc = undefined;
    if (this.spec.compressible === false) {
      throw new Error(`${this.spec.name}: DFC keeps this table whole (compressible: false)`);
    }
    const t = await this.getTable();
    if (!t) throw new Error(`${this.spec.name}: no table to compress`);
    const data = t.int8 ? Int8Array.from(t.values) : t.values;
    const geo = { n: t.dims, intervalBits: this.spec.interval, outputs: t.outputs };
    return this.dfc = compressDfc({ ...geo, data }, spec);
  }

  /** Trainable variables of the current form (network weights, or the table). */
  variables(): tf.Variable[] {
    if (this.frozen) return [];
    if (this.dfcTuning) return this.dfcTuning.variables();
    if (this.form === "lut") {
      if (!this.table) throw new Error(`${this.spec.name}: no table to train`);
      return [this.weight ?? this.table];
    }
    return this.net.variables();
  }
}

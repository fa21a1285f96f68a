/**
 * Fine-tuning of DFC-compressed tables (DFC's 3_finetune_compress_lut, the paper's third step): the fine
 * diagonal band and the coarse subsampled table of every compressed module are the trainable parameters
 * (in MuLUT's table/127 units, int8 tables through straight-through rounding as in finetune.ts), looked up
 * through the DFC op with gradients (lib/lut/dfc_op.ts); tables DFC keeps whole stay frozen. Starts from
 * `export --dfc`'s tables (<exp>/export/dfc) and writes the tuned ones, atomically, with dfc.json (the
 * export's settings plus the provenance of the fine-tuning) into <exp>/export/dfc_ft, which
 * `eval --from dfc_ft` reads.
 */
import { join } from "@std/path";
import { tf } from "../core/backend.ts";
import { writeJsonAtomic } from "../core/atomic.ts";
import { writeNpy } from "../formats/npy.ts";
import { readOrigin, writeOrigin } from "../experiment/origin.ts";
import { type DfcLut, withStorage } from "../lut/dfc.ts";
import { dfcOp } from "../lut/dfc_op.ts";
import type { SrConfig } from "./config.ts";
import { loadSrSource, sourceDir } from "./artifacts.ts";
import { type LutModule, TABLE_SCALE, tunedTable } from "./core/lutmodule.ts";
import { pixelShuffle } from "./core/pattern.ts";
import { type FitResult, fitSr } from "./sr_train.ts";
import { tableFileName } from "./core/tables.ts";

/** The trainable fine/coarse weights of one module's DFC tables (table / TABLE_SCALE). */
export class DfcTuning {
  readonly fine: tf.Variable;
  readonly coarse: tf.Variable;
  readonly int8: boolean;

  constructor(readonly module: LutModule, readonly lut: DfcLut) {
    const K = lut.outputs;
    this.int8 = lut.fine instanceof Int8Array;
    const weight = (a: Int8Array | Float32Array) =>
      tf.variable(tf.div(tf.tensor2d(Float32Array.from(a), [a.length / K, K]), TABLE_SCALE) as tf.Tensor2D);
    this.fine = weight(lut.fine);
    this.coarse = weight(lut.coarse);
  }

  /** Padded planes [N, H+py, W+px] → [C·N, H·r, W·r] in table units through the tuned DFC tables. */
  apply(xp: tf.Tensor3D): tf.Tensor3D {
    const { pattern, upscale: r } = this.module.spec;
    const [n, hp, wp] = xp.shape, h = hp - pattern.pad[0], w = wp - pattern.pad[1];
    const fine = tunedTable(this.fine, this.int8);
    const coarse = tunedTable(this.coarse, this.int8);
    const out = dfcOp(xp, fine, coarse, pattern.offsets, this.lut);
    const K = this.lut.outputs;
    return pixelShuffle(tf.reshape(out, [n * h * w, K]), n, h, w, r, K / (r * r));
  }

  variables(): tf.Variable[] {
    return [this.fine, this.coarse];
  }

  /** The tuned tables as a DfcLut of the source's dtype (int8: integers in [-127, 127]); frees the variables. */
  async finish(): Promise<DfcLut> {
    const [fine, coarse] = await Promise.all([this.fine, this.coarse].map(async (v) => {
      const t = tf.tidy(() => tunedTable(v, this.int8));
      const data = await t.data() as Float32Array;
      t.dispose();
      return this.int8 ? Int8Array.from(data) : data;
    }));
    tf.dispose([this.fine, this.coarse]);
    return withStorage(this.lut, this.lut, fine, coarse);
  }
}

/** What finetuneDfc wrote, with the fit. */
export type DfcFinetune = FitResult & { paths: string[]; manifest: string; changed: number; entries: number };

/**
 * Fine-tunes the DFC tables of `export --dfc` (<exp>/export/dfc) with the [finetune] settings (its run in
 * <exp>/finetune/dfc: log, checkpoint, --resume/--restart) and writes them to <exp>/export/dfc_ft.
 */
export async function finetuneDfc(
  config: SrConfig,
  opts: { resume?: boolean; restart?: boolean; quiet?: boolean } = {},
): Promise<DfcFinetune> {
  const from = sourceDir(config, "dfc"), to = sourceDir(config, "dfc_ft");
  if (!opts.quiet) console.log(`finetune: starting from the DFC tables in ${from}`);
  const model = await loadSrSource(config, "dfc");
  if (model.parts().length) {
    throw new Error(
      `${config.dir}: fine-tuning DFC tables of a model with parameters outside its tables ` +
        `(${model.parts().map((p) => p.name).join(", ")}) is not supported`,
    );
  }
  const tunings: DfcTuning[] = [];
  for (const m of model.modules()) {
    if (!m.dfc) m.frozen = true;
    else tunings.push(m.dfcTuning = new DfcTuning(m, m.dfc));
  }
  const res = await fitSr(model, config.degradation, config.finetune, {
    dir: join(config.dir, "finetune", "dfc"),
    lockDir: config.dir,
    resume: opts.resume,
    restart: opts.restart,
    quiet: opts.quiet,
    resumeHint: `deno task finetune -e ${config.dir} --from dfc --resume`,
  });
  const manifest = JSON.parse(await Deno.readTextFile(join(from, "dfc.json")));
  const paths: string[] = [];
  let changed = 0, entries = 0;
  for (const t of tunings) {
    const lut = await t.finish();
    const name = tableFileName(t.module, model.upscale, t.int8, "DFC");
    for (const part of ["fine", "coarse"] as const) {
      const [before, after] = [t.lut[part], lut[part]];
      for (let i = 0; i < after.length; i++) changed += before[i] === after[i] ? 0 : 1;
      entries += after.length;
      const path = join(to, name.replace(/\.npy$/, `_${part}.npy`));
      const shape = [after.length / lut.outputs, lut.outputs];
      await writeNpy(
        path,
        after instanceof Int8Array ? { dtype: "int8", shape, data: after } : {
          dtype: "float32",
          shape,
          data: after,
        },
      );
      paths.push(path);
    }
    t.module.dfc = lut;
    t.module.dfcTuning = undefined;
  }
  const f = config.finetune;
  const out = join(to, "dfc.json");
  await writeJsonAtomic(out, {
    ...manifest,
    finetuned: {
      from,
      iterations: f.iterations,
      lr: f.lr,
      lr_min: f.lrMin ?? null,
      batch: f.batch,
      crop: f.crop,
      data: f.data,
      seed: f.seed,
      steps_run: res.iterations,
      loss: res.loss,
      psnr: res.psnr,
      changed_entries: changed,
      entries,
    },
  });
  const origin = await readOrigin(from); // the training step the compressed tables came from
  await writeOrigin(to, origin && { ...origin, source: "dfc", finetune_step: res.step });
  if (!opts.quiet) {
    console.log(
      `wrote ${paths.length} fine-tuned DFC table(s) to ${to} (${changed} of ${entries} entries changed)`,
    );
  }
  return { ...res, paths, manifest: out, changed, entries };
}

/**
 * Checkpoints of unpaired training hold both networks (generator parameters by their own names, the critic's
 * as `discriminator.*`) and both Adam states under one model description {mode: "unpaired", generator,
 * discriminator}; evaluation, export and apply load the generator part alone.
 */
import type { LoadedCheckpoint } from "../experiment/checkpoint.ts";
import { DISC_PREFIX } from "./models/discriminator.ts";

/** The model description of an unpaired run: the generator's own description and the critic's input side. */
export function unpairedModelKey(generator: unknown, thumb: number): unknown {
  return { mode: "unpaired", generator, discriminator: { trunk: "Unpaired", thumb } };
}

/** The generator's part of a checkpoint (its parameters and description); other checkpoints unchanged. */
export function generatorPart(ck: LoadedCheckpoint): LoadedCheckpoint {
  const m = ck.model as { mode?: string; generator?: unknown } | null;
  if (m?.mode !== "unpaired") return ck;
  const params = new Map([...ck.params].filter(([k]) => !k.startsWith(DISC_PREFIX)));
  return { ...ck, model: m.generator, params };
}

/**
 * Named model parameters: the `Params` map every model, the optimiser and the checkpoints share (each
 * model's doc gives its names and layouts), with a checked lookup and a size count.
 */
import type { tf } from "../core/backend.ts";

/** Named model parameters (our names; see each model's doc for names and layouts). */
export type Params = Map<string, tf.Variable>;

/** Looks up parameter `name`, with an error naming it when absent. */
export function param(p: Params, name: string): tf.Variable {
  const v = p.get(name);
  if (!v) throw new Error(`model parameter ${name} is missing`);
  return v;
}

/** Total number of values of the parameters whose names start with `prefix` ("" = all). */
export function paramCount(p: Params, prefix = ""): number {
  let n = 0;
  for (const [k, v] of p) if (k.startsWith(prefix)) n += v.size;
  return n;
}

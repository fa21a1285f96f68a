/**
 * The `--step N | best` value of eval, export, finetune and apply (resolved by history.ts); kept free of
 * imports so a CLI parses it without loading tfjs (`apply --cube`).
 */

/** A checkpoint chosen by `--step`: a step number, "best", or undefined for the newest. */
export type StepChoice = number | "best" | undefined;

/** Parses a `--step` value: a non-negative integer or "best" (errors name the flag). */
export function parseStepChoice(v: string | undefined, flag = "--step"): StepChoice {
  if (v === undefined) return undefined;
  if (v === "best") return "best";
  if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a step number or "best", got "${v}"`);
  return Number(v);
}

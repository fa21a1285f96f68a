/**
 * lib/sweep: sweeps (`experiments/<sweep>/sweep.toml`) expanded into ordinary experiment folders, run on
 * local cores or as one Slurm array job, and reported as a table beside the papers' numbers.
 * @module
 */
export * from "./spec.ts";
export * from "./run.ts";
export * from "./slurm.ts";
export * from "./report.ts";

/**
 * `Interrupted`, the error the training loop (loop.ts) throws after SIGINT/SIGTERM, in a module of its own
 * so that the CLIs' shared error handling (lib/cli/args.ts) recognises it without loading the loop's tfjs
 * checkpoint code.
 */

/** Thrown after SIGINT/SIGTERM once the checkpoint is saved; `message` says how to resume. */
export class Interrupted extends Error {
  constructor(readonly step: number, message: string) {
    super(message);
    this.name = "Interrupted";
  }
}

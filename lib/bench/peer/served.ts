/**
 * Steps served one at a time by a peer process, so that the bench (lib/bench/peers.ts) can interleave them
 * with lutlab's steps and a load on the machine affects both sides alike. Protocol of the server
 * (torch_steps.py --serve, rank_step.ts): one line "step" on its stdin runs one training step, answered by
 * one JSON line {"ms": wall time} (or {"error": message}) on its stdout; the end of its stdin stops it.
 */

/** Lines of a byte stream, one at a time (undefined at its end). */
export function lineReader(stream: ReadableStream<Uint8Array>): () => Promise<string | undefined> {
  const reader = stream.getReader(), dec = new TextDecoder();
  let buf = "";
  return async () => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) {
        const rest = buf;
        buf = "";
        return rest || undefined;
      }
      buf += dec.decode(value, { stream: true });
    }
  };
}

/** A running step server: `step()` resolves to one step's milliseconds; `close()` ends it. */
export class ServedSteps {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #next: () => Promise<string | undefined>;
  readonly #stderr: Promise<string>;
  readonly #what: string;

  /** Starts `cmd args` with the extra `env`; `what` names it in errors. */
  constructor(cmd: string, args: string[], env: Record<string, string>, what: string) {
    this.#what = what;
    this.#child = new Deno.Command(cmd, { args, env, stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#next = lineReader(this.#child.stdout);
    this.#stderr = new Response(this.#child.stderr).text();
  }

  /** Runs one step in the server; its wall time in ms. Throws the server's error or its last stderr line. */
  async step(): Promise<number> {
    await this.#stdin.write(new TextEncoder().encode("step\n")).catch(() => {});
    for (let line = await this.#next(); line !== undefined; line = await this.#next()) {
      if (!line.startsWith("{")) continue; // e.g. a library's banner
      const r = JSON.parse(line) as { ms?: number; error?: string };
      if (typeof r.ms === "number") return r.ms;
      throw new Error(`${this.#what}: ${r.error ?? line}`);
    }
    const err = (await this.#stderr).trim().split("\n").at(-1) || `exit ${(await this.#child.status).code}`;
    throw new Error(`${this.#what}: ${err}`);
  }

  /** Ends the server (end of its stdin) and waits for it. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await this.#child.status;
    await this.#stderr;
  }
}

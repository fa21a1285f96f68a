/**
 * One rank of the peer bench's N-rank rows (lib/bench/peers.ts runs it under `mpirun -n N`):
 * `deno run -A lib/bench/peer/rank_step.ts '<PeerCase JSON>' <reps> <warmup>` builds the case on this
 * rank's share of the batch, times `reps` steps after `warmup` (gradients averaged over the ranks), and
 * rank 0 prints {"ms": median} (or {"error": message}) as one JSON line.
 */
import { initTf } from "../../core/backend.ts";
import { currentRanks } from "../../experiment/ranks.ts";
import { medianMs } from "../report.ts";
import { buildCase, type PeerCase } from "./cases.ts";

await initTf();
const ranks = currentRanks();
const [json, reps, warmup] = Deno.args;
let out: { ms?: number; error?: string };
try {
  const built = await buildCase(JSON.parse(json) as PeerCase);
  try {
    out = { ms: await medianMs(built.step, Number(reps), Number(warmup)) };
  } finally {
    built.dispose();
  }
} catch (e) {
  out = { error: (e as Error).message.split("\n")[0] };
}
if (ranks.rank === 0) console.log(JSON.stringify(out));
if (out.error) Deno.exit(1);
ranks.world?.finalize();

/**
 * One rank of the peer bench's N-rank rows (lib/bench/peers.ts runs it under `mpirun -n N`):
 * `deno run -A lib/bench/peer/rank_step.ts '<PeerCase JSON>'` builds the case on this rank's share of the
 * batch and serves steps (lib/bench/peer/served.ts): per line "step" that rank 0 reads on stdin (Open MPI
 * forwards stdin to rank 0; the go/stop flag reaches the other ranks by an allreduce), every rank runs one
 * step (gradients averaged over the ranks, unless the case is `alone`) and rank 0 prints {"ms"}, the time until
 * the slowest rank has finished; a build error prints {"error"}.
 */
import { initTf } from "../../core/backend.ts";
import { currentRanks } from "../../experiment/ranks.ts";
import { buildCase, type PeerCase } from "./cases.ts";
import { errorLine } from "../report.ts";
import { lineReader } from "./served.ts";

await initTf();
const ranks = currentRanks();
const next = ranks.rank === 0 ? lineReader(Deno.stdin.readable) : undefined;
let built: Awaited<ReturnType<typeof buildCase>>;
try {
  built = await buildCase(JSON.parse(Deno.args[0]) as PeerCase);
} catch (e) {
  if (ranks.rank === 0) console.log(JSON.stringify({ error: errorLine(e) }));
  Deno.exit(1);
}
for (;;) {
  const go = new Float64Array([next && (await next())?.trim() === "step" ? 1 : 0]);
  await ranks.world?.allreduceSum(go, ranks.timeoutS);
  if (!go[0]) break;
  const t = performance.now();
  await built.step();
  await ranks.world?.barrier(ranks.timeoutS); // the step ends when its slowest rank's does
  if (ranks.rank === 0) console.log(JSON.stringify({ ms: performance.now() - t }));
}
built.dispose();
ranks.world?.finalize();

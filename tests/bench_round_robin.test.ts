/**
 * The bench's round-robin timing (lib/bench/report.ts `roundRobinMs`): the sides step in turn, warm-up rounds
 * and the untimed settling steps are not timed, each side's result is the median of its timed steps, a side
 * that fails gives its error and the others go on, and every side is closed; `threadSides` shares one build
 * between thread counts; `--cases` picks models.
 */
import { assertEquals } from "@std/assert";
import { roundRobinMs, type Stepper, threadSides, wanted } from "../lib/bench/report.ts";

Deno.test("roundRobinMs: sides alternate; warm-up and settling steps untimed; medians; a failing side reports its error", async () => {
  const order: string[] = [], closed: string[] = [];
  // a fake step lasts `waitMs` of wall time and reports the next of `times`
  const side = (name: string, times: number[], failAt?: number, waitMs = 0): () => Stepper => () => {
    let i = 0;
    return {
      step: async () => {
        order.push(name);
        if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
        if (i === failAt) throw new Error(`${name} broke\nstack`);
        return times[i++];
      },
      close: () => Promise.resolve(void closed.push(name)),
    };
  };
  const result = await roundRobinMs(
    [side("a", [100, 1, 5, 3, 4]), undefined, side("b", [7, 8, 9, 10, 11], 2), () => {
      throw new Error("cannot open");
    }],
    { reps: 3, warmup: 1, settleMs: 0 },
  );
  // a: warm-up 100 untimed, then 1, 5, 3 -> median 3; b fails on its third step
  assertEquals(result, [3, undefined, "b broke", "cannot open"]);
  assertEquals(order, ["a", "b", "a", "b", "a", "b", "a"]);
  assertEquals(closed.sort(), ["a", "b"]);

  order.length = 0;
  // steps of 5 ms and 1 ms of settling: one untimed step (50, 60) before each timed one (2, 4)
  const settled = await roundRobinMs([side("c", [50, 2, 60, 4], undefined, 5)], {
    reps: 2,
    warmup: 0,
    settleMs: 1,
  });
  assertEquals(settled, [2]); // the median of 2 and 4: the lower middle
  assertEquals(order, ["c", "c", "c", "c"]);
});

Deno.test("wanted: --cases picks models by a case-insensitive part of their name; none named picks all", () => {
  const names = ["3DLUT", "CLUT-Net 20+05+10", "SR-LUT-S x4", "SPF-LUT x4 nf64"];
  const pick = (cases?: string[]) => names.filter((n) => wanted({ cases }, n));
  assertEquals(pick(), names);
  assertEquals(pick([]), names);
  assertEquals(pick(["3dlut"]), ["3DLUT"]);
  assertEquals(pick(["clut", "spf"]), ["CLUT-Net 20+05+10", "SPF-LUT x4 nf64"]);
  assertEquals(pick(["lut-s"]), ["SR-LUT-S x4"]);
});

Deno.test("threadSides: one build for every thread count, disposed once after the last side; a failed build is each side's error", async () => {
  let builds = 0, disposed = 0, steps = 0;
  const build = () => {
    builds++;
    return Promise.resolve({ step: () => void steps++, dispose: () => void disposed++ });
  };
  const times = await roundRobinMs(threadSides(build, [1, 2]), { reps: 2, warmup: 1 });
  assertEquals([builds, disposed, steps, times.length], [1, 1, 6, 2]);
  const broken = await roundRobinMs(threadSides(() => Promise.reject(new Error("no model\nstack")), [1, 2]), {
    reps: 1,
    warmup: 0,
  });
  assertEquals(broken, ["no model", "no model"]);
});

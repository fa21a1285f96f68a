/**
 * TensorBoard event files (lib/experiment/tensorboard.ts) against an independent reader: CRC32C on the
 * standard check value, and a photo training stopped and resumed, decoded by Debian's python3-protobuf with
 * the published Event/Summary field numbers (tests/tb_util.ts) and compared with log.jsonl. SR training and
 * LUT fine-tuning event files are decoded in tests/sr_workflow.test.ts.
 */
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { crc32c, encodeEvent, maskedCrc32c, tfRecord } from "../lib/experiment/tensorboard.ts";
import { smooth } from "./cli_util.ts";
import { assertEventsMatchLog, haveProtobuf } from "./tb_util.ts";

Deno.test("tensorboard: CRC32C check value, masking and the TFRecord frame", () => {
  const enc = new TextEncoder();
  assertEquals(crc32c(enc.encode("123456789")), 0xe3069283); // the CRC-32C (Castagnoli) check value
  assertEquals(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  const c = 0xe3069283;
  assertEquals(maskedCrc32c(enc.encode("123456789")), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  const data = encodeEvent(1.5, 7, { fileVersion: "brain.Event:2" });
  const rec = tfRecord(data), view = new DataView(rec.buffer);
  assertEquals(Number(view.getBigUint64(0, true)), data.length);
  assertEquals(rec.length, data.length + 16);
  assertEquals(view.getUint32(12 + data.length, true), maskedCrc32c(data));
});

Deno.test({
  name: "tensorboard: a photo run stopped and resumed, decoded by python3-protobuf, equals log.jsonl",
  ignore: !haveProtobuf,
  fn: async () => {
    await initTf();
    const dir = await Deno.makeTempDir({ prefix: "tb_photo" });
    try {
      const config = parsePhotoConfig({
        experiment: { task: "enhance", seed: 5 },
        model: { family: "clutnet", luts: 3, dim: 5, s: 3, w: 4, backbone: "SmallBackbone" },
        train: { steps: 4, lr: 1e-3, log_every: 1, eval_every: 2, checkpoint_every: 2 },
        eval: { save_images: false, save_cubes: false },
      }, join(dir, "config.toml"));
      const pairs = [0, 1].map((k) => {
        const input = smooth(24, 32, k);
        return { name: `p${k}`, input, target: retouchImage(input) };
      });
      await trainPhoto(config, { train: pairs, test: pairs, quiet: true, stopAfter: 3 });
      const run = join(dir, "train");
      // readable while the run goes on: the first file is complete after every record
      const partial = await assertEventsMatchLog(run);
      assert(partial.some((e) => e.scalars?.["eval/psnr"] !== undefined), "eval scalars at step 2");
      await trainPhoto(config, { train: pairs, test: pairs, quiet: true, resume: true });
      const events = await assertEventsMatchLog(run);
      const starts = events.filter((e) => e.session_start);
      assertEquals(starts.map((e) => e.step), [3]);
      const tags = new Set(events.flatMap((e) => Object.keys(e.scalars ?? {})));
      for (const t of ["loss", "psnr", "lr", "eval/psnr", "eval/ssim", "eval/deltaE", "input_psnr"]) {
        assert(tags.has(t), `tag ${t} missing: ${[...tags]}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

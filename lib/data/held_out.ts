/**
 * Paired data without a held-out test set: the one-set layout `<root>/input` + `<root>/target` (lib/data/
 * paired.ts) gives training and test the same images, so test scores measure the fit to the training
 * images. Training says so loudly (stderr, also with --quiet) and evaluation marks its report
 * (summary.json `test_is_train`); the split layout input_train/ target_train/ input_test/ target_test/ holds
 * a test set out.
 */
import { resolveShared } from "../core/shared.ts";
import { splitFolders } from "./paired.ts";

/** The warning for `root` when its train and test splits are the same folders, else undefined. */
export async function noHeldOutWarning(root: string): Promise<string | undefined> {
  if (root === "quickstart") return undefined; // 7 train photos, 2 held out (lib/data/retouch.ts)
  const [train, test] = [await splitFolders(root, "train"), await splitFolders(root, "test")];
  if (train.input !== test.input || train.target !== test.target) return undefined;
  return `WARNING: ${
    resolveShared(root)
  } has one set of pairs (input/ + target/): training and test use the ` +
    `same images, so the test scores measure the fit to the training images, not to new photos; for a ` +
    `held-out test put the pairs in input_train/ + target_train/ and input_test/ + target_test/`;
}

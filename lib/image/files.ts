/**
 * Image files of a folder: the one list of extensions every reader of folders accepts (photo data, apply,
 * export, SR training and benchmarks), and the check that no two inputs share a stem (`a.png`, `a.jpg`), since
 * their outputs `<stem><ext>` would overwrite each other.
 */
import { basename, extname } from "@std/path";

/** Extensions (lower case, with the dot) of the image files a folder is read for: what readImage decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".png",
  ".jpg",
  ".jpeg",
  ".tif",
  ".tiff",
  ".bmp",
  ".webp",
];

/** Whether `name` has one of IMAGE_EXTENSIONS (any case). */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Image files of a folder (names, sorted); an empty or unreadable folder is an error naming it. */
export async function listImages(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && isImageFile(e.name)) names.push(e.name);
    }
  } catch (e) {
    throw new Error(`cannot list images in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  if (names.length === 0) throw new Error(`no images in ${dir} (${IMAGE_EXTENSIONS.join(", ")})`);
  return names.sort();
}

/**
 * Refuses image files (names or paths) of `dir` whose names differ only in the extension (a.png, a.jpg):
 * their outputs `<stem><outExt>` would overwrite each other. The error names every clash.
 */
export function refuseStemCollisions(dir: string, files: string[], outExt: string): void {
  const byStem = Map.groupBy(files, (f) => basename(f, extname(f)));
  const clashes = [...byStem].filter(([, fs]) => fs.length > 1);
  if (clashes.length) {
    const list = clashes.map(([stem, fs]) => `${fs.map((f) => basename(f)).join(", ")} -> ${stem}${outExt}`);
    throw new Error(
      `${dir}: images that differ only in their extension would overwrite each other's ${outExt}: ` +
        `${list.join("; ")} (rename or move all but one)`,
    );
  }
}
